#!/bin/sh
# mxready check with --client-ip / --helo / --mail-from / --message /
# --authres, through the real DNS world: the SPF result of each scenario
# (RFC 7208 2.6) for MAIL FROM and HELO, the null sender (postmaster@HELO,
# RFC 7208 2.4), IPv4-mapped clients, iprev (RFC 8601 3), DKIM (RFC 6376,
# 8463: one entry per signature), DMARC (RFC 7489: alignment via SPF only
# or DKIM only, fail, none, permerror for zero or two From fields), the
# Authentication-Results field parsed by python3-authres, usage errors and
# the exit statuses 0/1/2/75.  Messages are signed here by python3-dkim with
# the keys of tests/world/gen.d/20_dkim.sh (dkim-ok.xtest) and the RFC 8463
# example key of good.xtest's sel1 selector.  PTRs that do not confirm
# (iprev fail): tests/world/zones/cli-auth.xtest.zone, gen.d/30_cli.sh.
. "$(dirname "$0")/../lib.sh"
world_env
[ -x "$MXR" ] || { fail "mxready built" "$MXR missing"; finish; }
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
D=$(mktemp -d /tmp/mxr-cli.XXXXXX)
trap 'rm -rf "$D"' EXIT
TIMEOUT=3

# ck NAME ARG...: mxready check --json; the document in $D/NAME.json, exit
# status in RC, seconds in SECS.  Asserts that the output is one JSON object
# and that the run kept its deadline.
ck() {
	name=$1
	shift
	J=$D/$name.json
	t0=$(date +%s.%N)
	"$MXR" check --json --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout "$TIMEOUT" \
		"$@" >"$J" 2>"$D/$name.err"
	RC=$?
	SECS=$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $t0 }")
	if [ ! -s "$J" ] || ! jq -e 'type == "object" and (.checks | type == "object")' "$J" >/dev/null 2>&1; then
		fail "$name: JSON report" "exit $RC: $(head -c 300 "$D/$name.err")"
		return 1
	fi
	awk "BEGIN { exit !($SECS < $TIMEOUT + 2) }" || fail "$name: done within the timeout" "${SECS}s"
	return 0
}
# f JQ-EXPR WANT: a field of the last report
f() { check_jq "$J" "$1" "$2" "$name: $1 = $2"; }
# failing checks of the last report, comma-separated
fails() { jq -r '[.checks | to_entries[] | select(.value.status == "fail") | .key] | join(",")' "$J"; }

# --- test messages (python3-dkim)
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
# RFC 8463 appendix A: the private half of good.xtest's sel1 key
GOOD_SEED = b"nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
def msg(dom, before=b""):
    return (before + b"From: Alice <alice@" + dom.encode() + b">\r\nTo: bob@example.xtest\r\n"
            b"Subject: cli test\r\nDate: Sun, 29 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <cli1@example.xtest>\r\n\r\nHello Bob,\r\n\r\nthe body.\r\n")
H = [b"from", b"to", b"subject", b"date", b"message-id"]
def sign(m, sel, dom, key, alg=b"rsa-sha256"):
    d = dkim.DKIM(m, signature_algorithm=alg, minkey=256)
    return d.sign(sel.encode(), dom.encode(), key, include_headers=H) + m
def w(name, data):
    open("%s/%s.eml" % (out, name), "wb").write(data)
ok = "dkim-ok.xtest"
rsa = sign(msg(ok), "rsa", ok, pem("rsa"))
w("rsa", rsa)
w("rsa-lf", rsa.replace(b"\r\n", b"\n"))   # as saved by Unix tools
w("body", rsa.replace(b"the body.", b"the BODY."))
w("nokey", sign(msg("dkim-nokey.xtest"), "rsa", "dkim-nokey.xtest", pem("rsa")))
w("dead", sign(msg("dkim-dead.xtest"), "rsa", "dkim-dead.xtest", pem("rsa")))
w("ed", sign(msg(ok), "ed", ok, ed_seed(), alg=b"ed25519-sha256"))
# two signatures on one message: ed25519 added on top of the RSA one
w("both", sign(rsa, "ed", ok, ed_seed(), alg=b"ed25519-sha256"))
g = msg("good.xtest")
w("good-unsigned", g)
w("good-signed", sign(g, "sel1", "good.xtest", GOOD_SEED, alg=b"ed25519-sha256"))
w("good-otherd", sign(g, "rsa", ok, pem("rsa")))
w("twofrom", sign(msg("good.xtest", b"From: Mallory <mallory@evil.xtest>\r\n"),
                  "sel1", "good.xtest", GOOD_SEED, alg=b"ed25519-sha256"))
w("twoaddr", g.replace(b"From: Alice <alice@good.xtest>", b"From: alice@good.xtest, mallory@evil.xtest"))
w("sp", msg("exists.dmarc-sp.xtest"))   # p=reject; sp=none; np=quarantine at dmarc-sp.xtest
# a From line in the body is not a From field
w("bodyfrom", sign(g.replace(b"Hello Bob,", b"From: Mallory <mallory@evil.xtest>"),
                   "sel1", "good.xtest", GOOD_SEED, alg=b"ed25519-sha256"))
w("nofrom", b"To: bob@example.xtest\r\nSubject: no From\r\nMessage-ID: <cli2@example.xtest>\r\n\r\nbody\r\n")
PYEOF

# ===== SPF for MAIL FROM: every RFC 7208 result
ck spf-pass --client-ip 5.0.2.11 --mail-from alice@good.xtest &&
	{ f .checks.spf.result pass; f .checks.spf.status pass; f .checks.spf.scope mailfrom
	  f .checks.spf.identity alice@good.xtest; f .checks.spf.domain good.xtest
	  f .checks.spf.mechanism mx; f .verdict pass; check_eq "$RC" 0 "spf-pass: exit 0"; }
ck spf-fail --client-ip 5.0.2.21 --mail-from alice@good.xtest &&
	{ f .checks.spf.result fail; f .checks.spf.status fail; f .checks.spf.mechanism -all
	  check_eq "$(fails)" spf "spf-fail: spf is the only failing check"
	  check_eq "$RC" 1 "spf-fail: exit 1"; }
ck spf-softfail --client-ip 5.0.2.11 --mail-from alice@spf-soft.xtest &&
	{ f .checks.spf.result softfail; f .checks.spf.status warn; f .checks.spf.mechanism '~all'
	  f .verdict warn; check_eq "$RC" 0 "spf-softfail: exit 0 (softfail warns, does not fail)"; }
ck spf-neutral --client-ip 5.0.2.11 --mail-from alice@spf-neutral.xtest &&
	{ f .checks.spf.result neutral; f .checks.spf.status warn; f .checks.spf.mechanism '?all'; }
ck spf-neutral-redirect --client-ip 2001:67c:1a0::11 --mail-from alice@spf-redirect-neutral.xtest &&
	{ f .checks.spf.result neutral; }
ck spf-none --client-ip 5.0.2.11 --mail-from alice@spf-none.xtest &&
	{ f .checks.spf.result none; f .checks.spf.status warn; }
ck spf-none-nx --client-ip 5.0.2.11 --mail-from alice@nx.xtest &&
	{ f .checks.spf.result none; }
ck spf-permerror --client-ip 5.0.2.11 --mail-from alice@spf-syntax.xtest &&
	{ f .checks.spf.result permerror; f .checks.spf.status fail; check_eq "$RC" 1 "spf-permerror: exit 1"; }
ck spf-permerror-dup --client-ip 5.0.2.11 --mail-from alice@spf-dup.xtest &&
	{ f .checks.spf.result permerror; }
ck spf-permerror-void --client-ip 5.0.2.99 --mail-from alice@spf-void3.xtest &&
	{ f .checks.spf.result permerror; }
ck spf-permerror-lookups --client-ip 5.0.2.99 --mail-from alice@spf-toomany.xtest &&
	{ f .checks.spf.result permerror; }
ck spf-temperror --client-ip 5.0.2.11 --mail-from alice@spf-incdead.xtest &&
	{ f .checks.spf.result temperror; f .checks.spf.status temperror; f .verdict temperror
	  check_eq "$RC" 75 "spf-temperror: exit 75"
	  awk "BEGIN { exit !($SECS <= $TIMEOUT + 0.5) }" && pass "spf-temperror: done in ${SECS}s (timeout $TIMEOUT)" ||
		fail "spf-temperror: done within the timeout" "${SECS}s"; }
ck spf-temperror-dead --client-ip 5.0.2.11 --mail-from alice@dead.xtest &&
	{ f .checks.spf.result temperror; check_eq "$RC" 75 "spf-temperror-dead: exit 75"; }
# IPv6 client
ck spf-pass6 --client-ip 2001:67c:1a0::11 --mail-from alice@good.xtest &&
	{ f .checks.spf.result pass; f .checks.iprev.result pass; f .checks.iprev.name mx1.good.xtest; }
# the domain checked defaults to the MAIL FROM domain
ck spf-domain --client-ip 5.0.2.11 --mail-from Alice@Spf-Soft.XTEST &&
	f .domain spf-soft.xtest
# a MAIL FROM in angle brackets (as --mail-from '<>' suggests) is the same
# address
ck spf-brackets --client-ip 5.0.2.11 --mail-from '<alice@good.xtest>' &&
	{ f .checks.spf.result pass; f .checks.spf.identity alice@good.xtest; }

# ===== SPF for HELO and the HELO check
ck helo-pass --client-ip 5.0.2.70 --helo mail.spf-helo.xtest --mail-from alice@spf-helo.xtest &&
	{ f .checks.spf_helo.result pass; f .checks.spf_helo.scope helo
	  f .checks.spf_helo.identity postmaster@mail.spf-helo.xtest; f .checks.helo.status pass
	  f .checks.spf.result fail; }
ck helo-fail --client-ip 5.0.2.21 --helo mail.spf-helo.xtest good.xtest &&
	{ f .checks.spf_helo.result fail; f .checks.helo.status warn; f '.checks | has("spf")' false; }
ck helo-permerror --client-ip 5.0.2.71 --helo perm.spf-helo.xtest good.xtest &&
	{ f .checks.spf_helo.result permerror; f .checks.helo.status pass; }
ck helo-none --client-ip 5.0.2.11 --helo mx1.good.xtest good.xtest &&
	{ f .checks.spf_helo.result none; f .checks.helo.status pass; }
ck helo-nx --client-ip 5.0.2.11 --helo nowhere.good.xtest good.xtest &&
	{ f .checks.helo.status fail; }
ck helo-temperror --client-ip 5.0.2.11 --helo mail.dead.xtest good.xtest &&
	{ f .checks.helo.status temperror; f .checks.spf_helo.result temperror; check_eq "$RC" 75 "helo-temperror: exit 75"; }
ck helo-literal --client-ip 5.0.2.11 --helo '[5.0.2.11]' good.xtest &&
	{ f .checks.helo.status pass; f .checks.helo.literal true; }

# ===== the null sender: SPF checks postmaster@HELO (RFC 7208 2.4)
ck null-pass --client-ip 5.0.2.70 --helo mail.spf-helo.xtest --mail-from '<>' spf-helo.xtest &&
	{ f .checks.spf.result pass; f .checks.spf.scope mailfrom
	  f .checks.spf.identity postmaster@mail.spf-helo.xtest; f .checks.spf.domain mail.spf-helo.xtest; }
ck null-fail --client-ip 5.0.2.21 --helo mail.spf-helo.xtest --mail-from '<>' spf-helo.xtest &&
	{ f .checks.spf.result fail; f .checks.spf.identity postmaster@mail.spf-helo.xtest; }
ck null-nohelo --client-ip 5.0.2.21 --mail-from '<>' good.xtest &&
	{ f .checks.spf.result none; }

# ===== an IPv4-mapped client is the IPv4 address (issue 3: SPF, iprev)
ck mapped --client-ip ::ffff:5.0.2.11 --helo mx1.good.xtest --mail-from alice@good.xtest &&
	{ f .checks.spf.result pass; f .checks.spf.mechanism mx; f .checks.iprev.result pass
	  f .checks.iprev.ip 5.0.2.11; f .checks.iprev.name mx1.good.xtest; f .checks.helo.status pass
	  check_eq "$(grep -ci ffff "$J")" 0 "mapped: the report never shows ::ffff:"; check_eq "$RC" 0 "mapped: exit 0"; }
# ip4:5.0.2.74 matches only an IPv4 client; as IPv6 the include of a dead
# zone would be reached (temperror)
ck mapped-ip4 --client-ip ::FFFF:5.0.2.74 --mail-from alice@spf-incdead.xtest &&
	{ f .checks.spf.result pass; f .checks.spf.mechanism ip4:5.0.2.74; }
# the human report
out=$("$MXR" check --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout $TIMEOUT \
	--client-ip ::ffff:5.0.2.11 --mail-from alice@good.xtest 2>&1)
check_match "$out" '\[PASS\] iprev +iprev pass: forward-confirmed, name mx1\.good\.xtest' "human report: iprev line"
check_match "$out" '\[PASS\] spf +SPF pass' "human report: spf line"
check_match "$out" 'ip: 5\.0\.2\.11' "human report: the mapped client shown as IPv4"
check_nomatch "$out" 'ffff' "human report: no ::ffff: anywhere"
out=$("$MXR" check --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout $TIMEOUT \
	--client-ip 5.0.2.230 --mail-from alice@good.xtest --message "$D/body.eml" 2>&1)
check_match "$out" '\[FAIL\] iprev ' "human report: iprev fail line"
check_match "$out" '\[FAIL\] spf +SPF fail' "human report: spf fail line"
check_match "$out" '\[FAIL\] dkim +DKIM fail: body hash' "human report: dkim fail line with the reason"
check_match "$out" '\[WARN\] dmarc +DMARC none' "human report: dmarc none warns"
check_eq "$(printf '%s\n' "$out" | grep -c '^ *fix: ')" 4 "human report: a fix: line for each of the 3 failures and the warning"
check_match "$out" '^verdict: fail \([0-9]+ pass, [0-9]+ warn, 3 fail' "human report: verdict line counts the 3 failures"

# ===== iprev
ck iprev-pass --client-ip 5.0.2.11 good.xtest &&
	{ f .checks.iprev.result pass; f .checks.iprev.status pass; f '.checks | has("spf")' false; }
ck iprev-fail --client-ip 5.0.2.230 good.xtest &&
	{ f .checks.iprev.result fail; f .checks.iprev.status fail; check_eq "$(fails)" iprev "iprev-fail: the only failing check"
	  check_eq "$RC" 1 "iprev-fail: exit 1"; }
ck iprev-fail6 --client-ip 2001:67c:1a0::230 good.xtest &&
	{ f .checks.iprev.result fail; f .checks.iprev.name liar.cli-auth.xtest; }
ck iprev-pass-liar --client-ip 2001:67c:1a0::231 good.xtest &&
	{ f .checks.iprev.result pass; f .checks.iprev.name liar.cli-auth.xtest; }
ck iprev-noptr --client-ip 5.0.2.99 good.xtest &&
	{ f .checks.iprev.result permerror; f .checks.iprev.status fail; }
ck iprev-noptr6 --client-ip 2001:67c:1a0::99 good.xtest &&
	{ f .checks.iprev.result permerror; }
ck iprev-temperror --client-ip 5.0.2.35 good.xtest &&
	{ f .checks.iprev.result temperror; check_eq "$RC" 75 "iprev-temperror: exit 75"; }

# ===== DKIM: one entry per signature
sig() { check_jq "$J" ".checks.dkim.signatures[$1] | [.domain, .selector, .result, (.key_bits|tostring)] | join(\" \")" "$2" "$name: signature $1"; }
ck dkim-pass --message "$D/rsa.eml" dkim-ok.xtest &&
	{ f .checks.dkim.result pass; f .checks.dkim.status pass; f '.checks.dkim.signatures | length' 1
	  sig 0 "dkim-ok.xtest rsa pass 2048"; f '.checks.dkim.signatures[0].algorithm' rsa-sha256; }
ck dkim-body --message "$D/body.eml" dkim-ok.xtest &&
	{ f .checks.dkim.result fail; f .checks.dkim.status fail; sig 0 "dkim-ok.xtest rsa fail 2048"
	  check_match "$(jq -r '.checks.dkim.signatures[0].reason' "$J")" 'body' "dkim-body: the reason names the body"; }
ck dkim-nokey --message "$D/nokey.eml" dkim-nokey.xtest &&
	{ f .checks.dkim.result permerror; f .checks.dkim.status fail
	  f '.checks.dkim.signatures[0] | [.domain, .selector, .result] | join(" ")' "dkim-nokey.xtest rsa permerror"; }
ck dkim-ed --message "$D/ed.eml" dkim-ok.xtest &&
	{ f .checks.dkim.result pass; sig 0 "dkim-ok.xtest ed pass 256"; f '.checks.dkim.signatures[0].algorithm' ed25519-sha256; }
ck dkim-two --message "$D/both.eml" dkim-ok.xtest &&
	{ f .checks.dkim.result pass; f '.checks.dkim.signatures | length' 2; f .checks.dkim.signatures_seen 2
	  sig 0 "dkim-ok.xtest ed pass 256"; sig 1 "dkim-ok.xtest rsa pass 2048"; }
ck dkim-lf --message "$D/rsa-lf.eml" dkim-ok.xtest &&
	{ f .checks.dkim.result pass; }
ck dkim-unsigned --message "$D/good-unsigned.eml" good.xtest &&
	{ f .checks.dkim.result none; f '.checks.dkim.signatures | length' 0; }
ck dkim-dead --message "$D/dead.eml" good.xtest &&
	{ f .checks.dkim.result temperror; f .checks.dkim.status temperror; check_eq "$RC" 75 "dkim-dead: exit 75"
	  awk "BEGIN { exit !($SECS <= $TIMEOUT + 0.5) }" && pass "dkim-dead: done in ${SECS}s (timeout $TIMEOUT)" ||
		fail "dkim-dead: done within the timeout" "${SECS}s"; }
# --message - reads standard input
"$MXR" check --json --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout $TIMEOUT \
	--message - dkim-ok.xtest <"$D/both.eml" >"$D/stdin.json" 2>&1
check_jq "$D/stdin.json" '[.checks.dkim.signatures[].result] | join(",")' "pass,pass" "--message -: the message from standard input"

# ===== DMARC
ck dmarc-spf --client-ip 5.0.2.11 --mail-from alice@good.xtest --message "$D/good-otherd.eml" &&
	{ f .checks.dmarc.result pass; f .checks.dmarc.spf_aligned true; f .checks.dmarc.dkim_aligned false
	  f .checks.dkim.result pass; f .checks.dmarc.from_domain good.xtest; f .checks.dmarc.policy reject
	  check_eq "$RC" 0 "dmarc-spf: exit 0"; }
ck dmarc-spf-unsigned --client-ip 5.0.2.11 --mail-from alice@good.xtest --message "$D/good-unsigned.eml" &&
	{ f .checks.dmarc.result pass; f .checks.dmarc.spf_aligned true; }
ck dmarc-dkim --client-ip 5.0.2.21 --mail-from bounce@spf-soft.xtest --message "$D/good-signed.eml" good.xtest &&
	{ f .checks.spf.result pass; f .checks.dmarc.result pass; f .checks.dmarc.spf_aligned false
	  f .checks.dmarc.dkim_aligned true; }
ck dmarc-dkim-spffail --client-ip 5.0.2.21 --mail-from alice@good.xtest --message "$D/good-signed.eml" &&
	{ f .checks.spf.result fail; f .checks.dmarc.result pass; f .checks.dmarc.dkim_aligned true; }
ck dmarc-dkim-nomailfrom --message "$D/good-signed.eml" good.xtest &&
	{ f .checks.dmarc.result pass; f .checks.dmarc.dkim_aligned true; }
ck dmarc-fail --client-ip 5.0.2.21 --mail-from alice@good.xtest --message "$D/good-otherd.eml" &&
	{ f .checks.dmarc.result fail; f .checks.dmarc.status fail; f .checks.dmarc.applied reject
	  f .checks.dmarc.spf_aligned false; f .checks.dmarc.dkim_aligned false; check_eq "$RC" 1 "dmarc-fail: exit 1"; }
ck dmarc-none --client-ip 5.0.2.11 --mail-from alice@good.xtest --message "$D/rsa.eml" &&
	{ f .checks.dmarc.result none; f .checks.dmarc.from_domain dkim-ok.xtest; }
ck dmarc-sp --message "$D/sp.eml" exists.dmarc-sp.xtest &&
	{ f .checks.dmarc.result fail; f .checks.dmarc.record_domain dmarc-sp.xtest; f .checks.dmarc.policy reject
	  f .checks.dmarc.applied none; f .checks.dmarc_record.policy none; f .checks.dmarc_record.source organizational; }
ck dmarc-twofrom --client-ip 5.0.2.11 --mail-from alice@good.xtest --message "$D/twofrom.eml" &&
	{ f .checks.dmarc.result permerror; f .checks.dmarc.status fail; check_eq "$RC" 1 "dmarc-twofrom: exit 1"; }
# Nine From fields: the reason gives the true count, not one capped by the
# number of values kept (issue 14 item 12: "9 From fields" shown as 8)
{ for i in 1 2 3 4 5 6 7 8 9; do printf 'From: a%d@good.xtest\r\n' $i; done
  printf 'Subject: nine\r\n\r\nbody\r\n'; } >"$D/ninefrom.eml"
ck dmarc-ninefrom --client-ip 5.0.2.11 --mail-from alice@good.xtest --message "$D/ninefrom.eml" &&
	{ f .checks.dmarc.result permerror; f .checks.dmarc.reason "9 From fields (RFC 5322 3.6 allows one)"
	  check_eq "$RC" 1 "dmarc-ninefrom: exit 1"; }
ck dmarc-twoaddr --client-ip 5.0.2.11 --mail-from alice@good.xtest --message "$D/twoaddr.eml" &&
	{ f .checks.dmarc.result permerror; }
ck dmarc-bodyfrom --message "$D/bodyfrom.eml" good.xtest &&
	{ f .checks.dmarc.result pass; f .checks.dmarc.from_domain good.xtest; }
ck dmarc-nofrom --client-ip 5.0.2.11 --mail-from alice@good.xtest --message "$D/nofrom.eml" &&
	{ f .checks.dmarc.result permerror; f .checks.dmarc.status fail; }

# ===== everything together: exit 0 only when nothing fails
ck all-pass --client-ip 5.0.2.11 --helo mx1.good.xtest --mail-from alice@good.xtest --message "$D/good-signed.eml" &&
	{ f '[.checks.iprev.result, .checks.spf.result, .checks.dkim.result, .checks.dmarc.result] | join(",")' "pass,pass,pass,pass"
	  check_eq "$RC" 0 "all-pass: exit 0"; }
# temperror outranks fail: iprev permerror (fail) with SPF temperror
ck temp-over-fail --client-ip 5.0.2.99 --mail-from alice@spf-incdead.xtest &&
	{ f .checks.iprev.status fail; f .checks.spf.status temperror; check_eq "$RC" 75 "temp-over-fail: exit 75"; }

# ===== every field of the reports is documented in docs/json.md
DOC=$MXR_TOP/docs/json.md
undoc=""
for k in $(jq -r '(.checks | to_entries[] | .key, (.value | keys[])), (.checks.dkim.signatures[0] | keys[]), (keys[])' \
	"$D/all-pass.json" "$D/null-pass.json" | sort -u); do
	grep -Eq "\`$k(\[\])?\`|\"$k\":" "$DOC" || undoc="$undoc $k"
done
check_eq "$undoc" "" "docs/json.md names every check and field of the reports"

# ===== --authres: only the Authentication-Results field, parsed by python3-authres
ID=mx.cli-test.xtest
: >"$D/ar.txt"
ar() {   # ar WHAT WANT-RC ARG...
	what=$1 want=$2
	shift 2
	"$MXR" check --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout $TIMEOUT --authres "$ID" \
		"$@" >"$D/ar1.txt" 2>"$D/ar1.err"
	rc=$?
	check_eq "$rc" "$want" "authres $what: exit $want"
	check_match "$(head -1 "$D/ar1.txt")" "^Authentication-Results: $ID;" "authres $what: the field with authserv-id $ID"
	check_eq "$(grep -vc '^Authentication-Results: \|^	' "$D/ar1.txt")" 0 "authres $what: nothing but the field"
	cat "$D/ar1.txt" >>"$D/ar.txt"
	AR=$(tr -d '\n' <"$D/ar1.txt" | tr '\t' ' ')   # unfolded
}
ar all-pass 0 --client-ip ::ffff:5.0.2.11 --helo mx1.good.xtest --mail-from alice@good.xtest --message "$D/good-signed.eml"
check_match "$AR" 'iprev=pass .*policy\.iprev=5\.0\.2\.11;' "authres all-pass: iprev of the mapped client as IPv4"
check_match "$AR" 'spf=pass smtp\.mailfrom=alice@good\.xtest' "authres all-pass: spf for MAIL FROM"
check_match "$AR" 'smtp\.helo=mx1\.good\.xtest' "authres all-pass: spf for HELO"
check_match "$AR" 'dkim=pass header\.d=good\.xtest header\.s=sel1 header\.a=ed25519-sha256' "authres all-pass: dkim with d, s, a"
check_match "$AR" 'dmarc=pass header\.from=good\.xtest' "authres all-pass: dmarc with header.from"
ar failures 1 --client-ip 5.0.2.230 --mail-from alice@good.xtest --message "$D/twofrom.eml"
check_match "$AR" 'iprev=fail' "authres failures: iprev=fail"
check_match "$AR" 'spf=fail .*smtp\.mailfrom=alice@good\.xtest' "authres failures: spf=fail"
check_match "$AR" 'dmarc=permerror' "authres failures: dmarc=permerror"
ar two-signatures 1 --message "$D/both.eml" dkim-ok.xtest
check_eq "$(grep -c 'dkim=pass' "$D/ar1.txt")" 2 "authres two-signatures: one dkim result per signature"
ar temperror 75 --client-ip 5.0.2.11 --mail-from alice@spf-incdead.xtest --message "$D/dead.eml"
check_match "$AR" 'spf=temperror' "authres temperror: spf=temperror"
check_match "$AR" 'dkim=temperror' "authres temperror: dkim=temperror"
ar null-sender 0 --client-ip 5.0.2.70 --helo mail.spf-helo.xtest --mail-from '<>' good.xtest
check_match "$AR" 'spf=pass .*postmaster@mail\.spf-helo\.xtest' "authres null-sender: postmaster@HELO"
ar none 0 good.xtest
check_match "$AR" "^Authentication-Results: $ID; none\$" "authres none: no method ran"
$PY "$MXR_TOP/tests/tools/authres_check.py" "$D/ar.txt" >"$D/archeck.out" 2>&1
check_eq "$?" 0 "python3-authres parses every field as written ($(tail -1 "$D/archeck.out"))"
grep -A1 '^bad' "$D/archeck.out" | head -10
ids=$($PY - "$D/ar.txt" <<'PYEOF'
import re, sys, authres
fc = authres.all_features()
text = open(sys.argv[1], encoding="ascii").read()
print(" ".join(fc.parse(f).authserv_id for f in re.split(r"\n(?!\t)", text) if f))
PYEOF
)
check_eq "$ids" "$ID $ID $ID $ID $ID $ID" "python3-authres reads the given authserv-id in all 6 fields"
# other valid ids come out exactly as given
for id in MX.Cli-Test.XTEST a_b-c 1.example; do
	"$MXR" check --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout $TIMEOUT --authres "$id" \
		--client-ip 5.0.2.11 good.xtest >"$D/id.out" 2>"$D/id.err"
	got=$($PY -c 'import sys, authres; print(authres.all_features().parse(open(sys.argv[1]).read().rstrip("\n")).authserv_id)' "$D/id.out" 2>&1)
	# python3-authres lower-cases the id (it is case-insensitive); the field keeps it as given
	check_eq "$got" "$(printf '%s' "$id" | tr 'A-Z' 'a-z')" "authres id '$id': python3-authres reads it back"
	check_eq "$(head -1 "$D/id.out")" "Authentication-Results: $id;" "authres id '$id': written as given"
done
# authserv-ids that are not an RFC 8601 value (token or quoted string):
# refused with exit 2, never rewritten into something else
for bad in 'a;b' 'a b' '' 'x(y)' 'a"b'; do
	"$MXR" check --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout $TIMEOUT --authres "$bad" \
		--client-ip 5.0.2.11 good.xtest >"$D/bad.out" 2>"$D/bad.err"
	rc=$?
	check_eq "$rc" 2 "authres id '$bad': exit 2"
	check_match "$(cat "$D/bad.err")" 'authres' "authres id '$bad': a message naming --authres"
done
for bad in 'a=b' 'a@b' "$(printf 'a\001b')" 'mx.bücher.xtest'; do
	lbl=$(printf '%s' "$bad" | sed 's/\x01/<CTRL-A>/')   # lib.sh's echo would expand a backslash
	"$MXR" check --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout $TIMEOUT --authres "$bad" \
		--client-ip 5.0.2.11 good.xtest >"$D/bad.out" 2>"$D/bad.err"
	rc=$?
	if [ $rc -eq 2 ]; then
		check_match "$(cat "$D/bad.err")" 'authres' "authres id '$lbl': refused with a message"
	else
		got=$($PY -c 'import sys, authres; print(authres.all_features().parse(open(sys.argv[1], encoding="utf-8", errors="replace").read().rstrip("\n")).authserv_id)' "$D/bad.out" 2>&1)
		check_eq "$got" "$bad" "authres id '$lbl' (exit $rc): not refused, so the field must carry it unchanged"
	fi
done

# ===== usage errors: exit 2, a message on stderr, nothing on stdout
usage() {   # usage WHAT REGEX ARG...
	what=$1 re=$2
	shift 2
	"$MXR" check --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout $TIMEOUT "$@" \
		>"$D/u.out" 2>"$D/u.err"
	rc=$?
	check_eq "$rc" 2 "usage: $what: exit 2"
	check_match "$(cat "$D/u.err")" "$re" "usage: $what: message"
	check_eq "$(wc -c <"$D/u.out" | tr -d ' ')" 0 "usage: $what: nothing on stdout"
}
usage "--mail-from without --client-ip" 'mail-from.*client-ip' --mail-from alice@good.xtest
usage "--mail-from without --client-ip, DOMAIN given" 'client-ip' --mail-from alice@good.xtest good.xtest
usage "--mail-from with two @" 'mail-from' --client-ip 5.0.2.11 --mail-from 'a@@good.xtest'
usage "--mail-from without @" 'mail-from' --client-ip 5.0.2.11 --mail-from 'alice'
usage "--mail-from with an empty label" 'mail-from' --client-ip 5.0.2.11 --mail-from 'a@good..xtest'
usage "--mail-from with '<' only" 'mail-from' --client-ip 5.0.2.11 --mail-from '<a@good.xtest'
usage "--mail-from with CR LF" 'mail-from' --client-ip 5.0.2.11 --mail-from "$(printf 'a\r\nRCPT TO:<x@good.xtest>')"
usage "--helo without --client-ip" 'helo.*client-ip' --helo mx1.good.xtest good.xtest
usage "--client-ip not an address" 'client-ip' --client-ip 5.0.2.256 good.xtest
usage "--message missing file" 'message.*no-such' --message "$D/no-such.eml" good.xtest
usage "--message a directory" 'message' --message "$D" good.xtest
usage "null sender without DOMAIN" 'DOMAIN' --client-ip 5.0.2.11 --mail-from '<>'
usage "two DOMAINs" 'DOMAIN' --client-ip 5.0.2.11 good.xtest spf-soft.xtest
finish
