#!/bin/sh
# DKIM verification (RFC 6376, 8301, 8463) through the real DNS world:
# messages signed by python3-dkim with the keys tests/world/gen.d/20_dkim.sh
# published in the dkim-*.xtest zones, verified by tests/tools/dkim_verify
# (core/dkimv.c), and the same messages verified by python3-dkim
# (dkim.verify) as a differential; docs/dkim.md explains each disagreement.
. "$(dirname "$0")/../lib.sh"
world_env
V=$MXR_TOP/$MXR_BUILD/tests/dkim_verify
[ -x "$V" ] || { fail "dkim_verify built" "$V missing"; finish; }
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

# --- sign the test messages (python3-dkim)
if ! $PY - "$MXR_KEYS_DIR" "$D" <<'PYEOF'; then fail "python3-dkim signs the test messages"; finish; fi
import base64, subprocess, sys
import dkim
keys, out = sys.argv[1], sys.argv[2]
def pem(name):
    return open("%s/dkim-%s.pem" % (keys, name), "rb").read()
def ed_seed():
    der = subprocess.run(["openssl", "pkey", "-in", "%s/dkim-ed.pem" % keys, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return base64.b64encode(der[-32:])
def msg(dom):
    return ("From: Alice <alice@%s>\r\nTo: bob@example.xtest\r\nSubject: dkim test\r\n"
            "Date: Sun, 29 Nov 2026 10:00:00 +0000\r\nMessage-ID: <t1@%s>\r\n\r\n"
            "Hello Bob,\r\n\r\nthe body.\r\n" % (dom, dom)).encode()
H = [b"from", b"to", b"subject", b"date", b"message-id"]
def sign(m, sel, dom, key, alg=b"rsa-sha256"):
    d = dkim.DKIM(m, signature_algorithm=alg, minkey=256)
    return d.sign(sel.encode(), dom.encode(), key, include_headers=H) + m
def w(name, data):
    open("%s/%s.eml" % (out, name), "wb").write(data)
ok = "dkim-ok.xtest"
m = msg(ok)
s = sign(m, "rsa", ok, pem("rsa"))
w("pass", s)
w("body", s.replace(b"the body.", b"the BODY."))
w("header", s.replace(b"Subject: dkim test", b"Subject: dkim TEST"))
w("revoked", sign(m, "revoked", ok, pem("rsa")))
w("ed25519", sign(m, "ed", ok, ed_seed(), alg=b"ed25519-sha256"))
w("sha1", sign(m, "rsa", ok, pem("rsa"), alg=b"rsa-sha1"))
w("small", sign(m, "small", ok, pem("small")))
w("nokey", sign(msg("dkim-nokey.xtest"), "rsa", "dkim-nokey.xtest", pem("rsa")))
w("dead", sign(msg("dkim-dead.xtest"), "rsa", "dkim-dead.xtest", pem("rsa")))
w("insecure", sign(msg("dkim-insecure.xtest"), "rsa", "dkim-insecure.xtest", pem("rsa")))
w("bogus", sign(msg("dkim-bogus.xtest"), "rsa", "dkim-bogus.xtest", pem("rsa")))
# two signatures: a broken ed25519 one and a good RSA one
e = sign(m, "ed", ok, ed_seed(), alg=b"ed25519-sha256")
hdr = e[:len(e) - len(m)].replace(b"\r\n b=", b"\r\n b=Zm9v", 1)
w("two", hdr + s)
PYEOF

# --- ours: FILE RESULT KEYBITS DNSSEC REASON-REGEX
ours() {
	f=$1
	start=$(date +%s)
	"$V" --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout 4 "$D/$f.eml" >"$D/$f.json" 2>"$D/$f.err"
	rc=$?
	el=$(( $(date +%s) - start ))
	check_eq "$rc" 0 "$f: dkim_verify exits 0"
	check_jq "$D/$f.json" '.signatures[0].result' "$2" "$f: signature result"
	check_jq "$D/$f.json" '.result' "$2" "$f: message result"
	[ -n "$3" ] && check_jq "$D/$f.json" '.signatures[0].key_bits' "$3" "$f: key_bits"
	[ -n "$4" ] && check_jq "$D/$f.json" '.signatures[0].key_dnssec' "$4" "$f: key_dnssec"
	if [ "$5" = "" ]; then check_jq "$D/$f.json" '.signatures[0].reason' "" "$f: no reason"
	else check_match "$(jq -r '.signatures[0].reason' "$D/$f.json")" "$5" "$f: reason"; fi
	[ "$el" -le 8 ] && pass "$f: done in ${el}s (timeout 4 s)" || fail "$f: took ${el}s"
}
ours pass      pass      2048 secure   ''
ours body      fail      2048 secure   'body hash'
ours header    fail      2048 secure   'did not verify'
ours revoked   permerror ""   secure   'revoked'
ours nokey     permerror ""   secure   'NXDOMAIN'
ours dead      temperror ""   ""       'key lookup'
ours ed25519   pass      256  secure   ''
ours sha1      fail      0    null     'rsa-sha1'
ours small     fail      512  secure   '512 bits'
ours insecure  pass      2048 insecure ''
ours bogus     temperror ""   bogus    'bogus'
"$V" --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout 4 "$D/two.eml" >"$D/two.json"
check_jq "$D/two.json" '[.signatures[].result]|join(",")' "fail,pass" "two signatures: broken ed25519 fails, RSA passes"
check_jq "$D/two.json" '.result' pass "two signatures: message passes"
check_jq "$D/pass.json" '.signatures[0].domain + " " + .signatures[0].selector + " " + .signatures[0].algorithm' \
	"dkim-ok.xtest rsa rsa-sha256" "pass: domain, selector, algorithm reported"

# --- the Authentication-Results field of each verdict, parsed by
# python3-authres (tests/tools/authres_check.py)
: >"$D/ar.txt"
for f in pass body header revoked nokey dead ed25519 sha1 small insecure bogus two; do
	"$V" --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout 4 --authres mx.dkim-ok.xtest \
		"$D/$f.eml" >>"$D/ar.txt"
done
check_match "$(cat "$D/ar.txt")" 'dkim=pass header.d=dkim-ok.xtest header.s=rsa header.a=rsa-sha256' \
	"A-R of a pass: header.d, header.s, header.a"
check_match "$(cat "$D/ar.txt")" 'dkim=permerror reason="key revoked' "A-R of a revoked key: permerror with reason"
$PY "$MXR_TOP/tests/tools/authres_check.py" "$D/ar.txt" >"$D/archeck.out" 2>&1
check_eq "$?" 0 "python3-authres parses the A-R of all 12 verdicts ($(tail -1 "$D/archeck.out"))"

# --- differential: python3-dkim on the same messages, keys through the
# same resolver (dnspython), each signature on its own (dkim.verify checks
# only the first).  Prints FILE INDEX pass|fail|error:CLASS.
$PY - "$MXR_RESOLVER" "$D" >"$D/py.txt" 2>"$D/py.err" <<'PYEOF'
import glob, os, sys
import dkim, dns.resolver
addr, port = sys.argv[1].rsplit("@", 1)
r = dns.resolver.Resolver(configure=False)
r.nameservers = [addr]
r.port = int(port)
def txt(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode()
    try:
        a = r.resolve(name, "TXT", lifetime=timeout)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    return b"".join(b"".join(rr.strings) for rr in a)
for f in sorted(glob.glob(os.path.join(sys.argv[2], "*.eml"))):
    name = os.path.basename(f)[:-4]
    m = open(f, "rb").read()
    n = sum(1 for l in m.split(b"\r\n\r\n")[0].split(b"\r\n") if l.lower().startswith(b"dkim-signature:"))
    for i in range(n):
        try:
            ok = dkim.DKIM(m).verify(idx=i, dnsfunc=txt)
            v = "pass" if ok else "fail"
        except dkim.DKIMException:
            v = "fail"      # what dkim.verify() turns these into
        except Exception as e:
            v = "error:" + type(e).__name__
        print(name, i, v)
PYEOF
check_eq "$(wc -l <"$D/py.txt" | tr -d ' ')" 13 "python3-dkim verified all 13 signatures of 12 messages"
# Expected disagreements (docs/dkim.md): sha1 (python accepts rsa-sha1,
# RFC 8301 forbids it), bogus (python does not validate DNSSEC), dead
# (python raises on the timeout where we say temperror), two/0 (python
# raises on a b= of the wrong length where we say fail).
while read -r f i py; do
	me=$(jq -r ".signatures[$i].result" "$D/$f.json")
	case $f/$i in
	sha1/0) check_eq "$py/$me" "pass/fail" "differential $f: python passes rsa-sha1, we fail it (RFC 8301)";;
	bogus/0) check_eq "$py/$me" "pass/temperror" "differential $f: python ignores DNSSEC, we report the bogus key";;
	dead/0) check_match "$py/$me" '^error:.*/temperror$' "differential $f: python raises on the timeout, we say temperror";;
	two/0) check_match "$py/$me" '^(fail|error:.*)/fail$' "differential $f/$i: both reject the broken ed25519 signature";;
	*) if [ "$me" = pass ]; then want=pass; else want=fail; fi
	   check_eq "$py" "$want" "differential $f/$i: python3-dkim agrees ($me)";;
	esac
done <"$D/py.txt"
finish
