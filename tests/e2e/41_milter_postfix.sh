#!/bin/sh
# mxready-milter inside a real Postfix (tests/postfix/start.sh): swaks over
# 127.0.0.1 and ::1, XCLIENT to play clients of the DNS test world; the
# delivered headers (our Authentication-Results at the top, forged ones with
# our authserv-id gone, the MXReady-Report field), the SMTP replies (550
# 5.7.27 null MX, 550 5.7.25 reverse DNS, 451 on DNS failures), the verdict
# lines; the milter's DNS server stopped mid-test (4xx, never 5xx, never a
# pass); the milter killed mid-session (milter_default_action, nothing lost).
. "$(dirname "$0")/../lib.sh"
world_env
. "$MXR_TOP/tests/postfix/lib.sh"
MILTER=$MXR_TOP/$MXR_BUILD/mxready-milter
PORT=${MXR_PF_PORT:-2525}
[ -x "$MILTER" ] || { fail "no $MILTER"; finish; }
[ "$(id -u)" = 0 ] || { fail "needs root (a private Postfix)"; finish; }
for c in postfix swaks; do command -v $c >/dev/null || { fail "$c not installed"; finish; }; done
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
T=$(mktemp -d /tmp/mxr-pf.XXXXXX)
chmod 755 "$T"
MPID= RPID=
cleanup() {
	[ -f "$T/pf/etc/main.cf" ] && pf_stop "$T/pf"
	for p in $MPID $RPID; do kill "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

# the milter's resolver: a relay to the world's that the test can stop
start_relay() {
	rm -f "$T/relay.port"
	$PY "$MXR_TOP/tests/milter/dnsrelay.py" "${MXR_RESOLVER%@*}" "${MXR_RESOLVER#*@}" "$T/relay.port" ${1:-} &
	RPID=$!
	for _ in $(seq 100); do [ -s "$T/relay.port" ] && kill -0 "$RPID" 2>/dev/null && return 0; sleep 0.1; done
	fail "DNS relay did not start"; finish
}
start_relay
RPORT=$(cat "$T/relay.port")
cp "$MXR_TA" "$T/ta.ds"; chmod 644 "$T/ta.ds"
cat >"$T/milter.conf" <<EOC
milter_socket = unix:$T/milter.sock
# Postfix's smtpd (user postfix) must reach the socket
user = postfix
authserv_id = mx.test.example
dns_resolver = 127.0.0.1@$RPORT
dns_trust_anchor = $T/ta.ds
dns_timeout = 8
trusted_networks = 192.0.2.0/24
log_file = $T/milter.log
action_null_mx = reject
action_iprev_fail = reject
action_temperror = tempfail
EOC
: >"$T/milter.log"; chmod 666 "$T/milter.log"
start_milter() {
	"$MILTER" -f -c "$T/milter.conf" 2>>"$T/milter.err" &
	MPID=$!
	for _ in $(seq 100); do
		[ -S "$T/milter.sock" ] && [ "$(grep -c starting "$T/milter.log")" -ge "${1:-1}" ] && return 0
		sleep 0.1
	done
	fail "milter did not start" "$(tail -n 5 "$T/milter.err")"; finish
}
start_milter 1
pf_start "$T/pf" --port "$PORT" --milter "unix:$T/milter.sock" --xclient >"$T/pf.out" 2>&1 ||
	{ fail "private Postfix did not start" "$(cat "$T/pf.out")"; finish; }

# messages: a DKIM-signed one (Ed25519, good.xtest's sel1 key of RFC 8463
# App. A) carrying forged fields with our authserv-id, and unsigned ones
mkmsg() {   # mkmsg FILE FROM SUBJECT [sign]
	$PY - "$@" <<'EOP'
import sys
path, frm, subj = sys.argv[1:4]
sign = len(sys.argv) > 4
msg = ("From: Alice <%s>\r\nTo: bob@example.net\r\nSubject: %s\r\n"
       "Date: Sun, 29 Nov 2026 12:00:00 +0000\r\nMessage-ID: <%s@t41>\r\n"
       "Authentication-Results: mx.test.example; dkim=pass header.d=forged.example\r\n"
       "Authentication-Results: other.example; spf=pass smtp.mailfrom=x@other.example\r\n"
       "MXReady-Report: mx.test.example; action=accept; forged=yes\r\n"
       "Authentication-Results: \"MX.Test.Example\" (comment); dmarc=pass\r\n"
       "\r\nHello from %s.\r\n" % (frm, subj, subj, subj)).encode()
if sign:
    import dkim
    sig = dkim.sign(msg, b"sel1", b"good.xtest", b"nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=",
                    signature_algorithm=b"ed25519-sha256",
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    msg = sig + msg
open(path, "wb").write(msg)
EOP
}
# send NAME SWAKS-ARGS...: swaks transcript in $T/NAME.swaks
send() {
	n=$1; shift
	swaks --to bob@example.net --timeout 60 "$@" >"$T/$n.swaks" 2>&1
}
qid_of() { sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-F]*\).*/\1/p' "$T/$1.swaks" | tail -n 1; }
final_reply() { grep -E '^<[-*]+ +[0-9]{3}' "$T/$1.swaks" | tail -n 2 | head -n 1 | sed 's/^<[-*]* *//'; }
verdict() { grep -E "notice: $1: client=" "$T/milter.log" | tail -n 1; }
vwait() { for _ in $(seq 50); do [ -n "$(verdict "$1")" ] && break; sleep 0.1; done; verdict "$1"; }

# A: IPv4 loopback, XCLIENT as mx1.good.xtest, DKIM-signed, forged fields
mkmsg "$T/a.eml" alice@good.xtest t41-a sign || { fail "cannot sign (python3-dkim)"; finish; }
send a --server 127.0.0.1 --port "$PORT" --xclient-addr 5.0.2.11 --xclient-name mx1.good.xtest \
	--helo mx1.good.xtest --from alice@good.xtest --data "$T/a.eml"
qa=$(qid_of a)
check_match "$qa" '^[0-9A-F]+$' "A: signed message from good.xtest over 127.0.0.1 queued"
f=$(pf_wait_mail '^Subject: t41-a')
if [ -n "$f" ]; then
	H=$(pf_headers "$f")
	first=$(printf '%s\n' "$H" | grep -Ev '^(Return-Path|X-Original-To|Delivered-To):' | head -n 1)
	check_match "$first" '^Authentication-Results: mx\.test\.example;' "A: our Authentication-Results is the top field"
	check_match "$first" 'iprev=pass \(mx1\.good\.xtest\) policy\.iprev=5\.0\.2\.11;' "A: iprev=pass for 5.0.2.11"
	check_match "$first" 'dkim=pass header\.d=good\.xtest header\.s=sel1 header\.a=ed25519-sha256' "A: dkim=pass with d/s/a"
	check_match "$first" 'spf=pass smtp\.mailfrom=alice@good\.xtest' "A: spf=pass for the envelope sender"
	check_match "$first" 'dmarc=pass header\.from=good\.xtest policy\.dmarc=reject' "A: dmarc=pass for the From domain"
	check_eq "$(printf '%s\n' "$H" | grep -ic '^Authentication-Results: *"*mx\.test\.example')" 1 "A: forged fields with our authserv-id removed (any case, quoted)"
	check_nomatch "$H" 'forged\.example' "A: the forged dkim=pass is gone"
	check_match "$H" 'Authentication-Results: other\.example; spf=pass' "A: a foreign Authentication-Results is kept"
	check_eq "$(printf '%s\n' "$H" | grep -c '^MXReady-Report:')" 1 "A: one MXReady-Report (the forged one removed)"
	rep=$(printf '%s\n' "$H" | grep '^MXReady-Report:')
	check_match "$rep" '^MXReady-Report: mx\.test\.example; action=accept; envelope-from=good\.xtest verdict=[a-z]+ mx=pass mx_ipv6=pass ns_ipv6=pass dnssec=pass mx_dnssec=pass dane=pass' "A: readiness field with IPv6/DNSSEC/DANE verdicts"
	second=$(printf '%s\n' "$H" | grep -Ev '^(Return-Path|X-Original-To|Delivered-To):' | sed -n 2p)
	check_match "$second" '^MXReady-Report:' "A: the readiness field right below it"
	check_match "$H" '^DKIM-Signature: v=1; a=ed25519-sha256' "A: the signature itself is delivered"
else
	fail "A: message not delivered" "$(tail -n 5 "$PF_MAILLOG")"
fi
check_match "$(vwait "$qa")" "^[-0-9T:.]+ mxready-milter\[[0-9]+\]: notice: $qa: client=5\.0\.2\.11 family=ipv4 client_name=mx1\.good\.xtest helo=mx1\.good\.xtest .*iprev=pass .*dkim=pass .*mail_from=good\.xtest header_from=good\.xtest mx=pass mx_ipv6=pass dnssec=pass dane=pass .*action=accept" "A: verdict line with the Postfix queue id"

# A2 (issue 14 item 3): forged fields with our authserv-id behind what a
# lenient reader skips: 100 nested comments, VT, FF, 0x1c, 0xA0, UTF-8 NBSP
# (python3-authres reads each as ours, with dkim=pass).  All removed:
# python3-authres finds one field with our id, ours, without a dkim=pass.
$PY - "$T/a2.eml" <<'EOP'
import sys
deep = "(" * 100 + ")" * 100
pre = [" " + deep + " ", "\x0b", "\x0c", "\x1c", "\xa0", "\xc2\xa0", " (x\\) mx.test.example (y)) "]
msg = b"From: Alice <alice@good.xtest>\r\nTo: bob@example.net\r\nSubject: t41-a2\r\n"
msg += b"Date: Sun, 29 Nov 2026 12:00:00 +0000\r\nMessage-ID: <a2@t41>\r\n"
for p in pre:
    msg += b"Authentication-Results:" + p.encode("latin-1") + b"mx.test.example; dkim=pass header.d=forged.example\r\n"
msg += b"Authentication-Results: other.example; spf=pass smtp.mailfrom=x@other.example\r\n\r\nHello.\r\n"
open(sys.argv[1], "wb").write(msg)
EOP
send a2 --server 127.0.0.1 --port "$PORT" --xclient-addr 5.0.2.11 --xclient-name mx1.good.xtest \
	--helo mx1.good.xtest --from alice@good.xtest --data "$T/a2.eml"
check_match "$(qid_of a2)" '^[0-9A-F]+$' "A2: message with 7 forged fields queued"
f=$(pf_wait_mail '^Subject: t41-a2')
if [ -n "$f" ]; then
	check_nomatch "$(pf_headers "$f")" 'forged\.example' "A2: every forged field removed (deep comments, VT, FF, 0x1c, 0xA0, NBSP)"
	check_match "$(pf_headers "$f")" 'Authentication-Results: other\.example; spf=pass' "A2: the foreign field kept"
	out=$($PY - "$f" <<'EOP' 2>&1
import re, sys
import authres
raw = open(sys.argv[1], "rb").read().split(b"\n\n", 1)[0].replace(b"\r\n", b"\n")
fields = re.split(rb"\n(?![ \t])", raw)
ours = []
for f in fields:
    if not f.lower().startswith(b"authentication-results:"):
        continue
    text = re.sub(r"\n(?=[ \t])", "", f.decode("latin-1"))
    try:
        h = authres.all_features().parse(text)
    except Exception:
        continue
    if h.authserv_id == "mx.test.example":
        ours.append([(r.method, r.result) for r in h.results])
print("%d ours, dkim=pass in %d" % (len(ours), sum(("dkim", "pass") in r for r in ours)))
EOP
)
	check_eq "$out" "1 ours, dkim=pass in 0" "A2: python3-authres reads one field with our id (ours), no dkim=pass"
else
	fail "A2: message not delivered" "$(tail -n 5 "$PF_MAILLOG")"
fi

# Over ::1 where the kernel has IPv6 (the XCLIENT cases play IPv6 clients
# over either transport)
S6=::1; [ "$PF_HAVE_IPV6" = 1 ] || S6=127.0.0.1
# B: IPv6 loopback, XCLIENT as 2001:67c:1a0::11 with no name from Postfix,
# so the milter looks the PTR up itself; unsigned
mkmsg "$T/b.eml" alice@good.xtest t41-b
send b --server "$S6" --port "$PORT" --xclient-addr IPV6:2001:67c:1a0::11 --xclient-name '[TEMPUNAVAIL]' \
	--helo mx1.good.xtest --from alice@good.xtest --data "$T/b.eml"
qb=$(qid_of b)
check_match "$qb" '^[0-9A-F]+$' "B: unsigned message over ::1 queued"
f=$(pf_wait_mail '^Subject: t41-b')
H=$([ -n "$f" ] && pf_headers "$f")
check_match "$(printf '%s\n' "$H" | grep -m1 '^Authentication-Results: mx')" 'iprev=pass \(mx1\.good\.xtest\) policy\.iprev="2001:67c:1a0::11";.* spf=pass smtp\.mailfrom=alice@good\.xtest; dkim=none; dmarc=pass' "B: IPv6 iprev from our own lookup, spf=pass by AAAA, dkim=none"
check_match "$(vwait "$qb")" "$qb: client=2001:67c:1a0::11 family=ipv6 client_name=mx1\.good\.xtest .*dkim=none .*action=accept" "B: verdict line family=ipv6"

# B2: plain ::1, no XCLIENT: the real loopback client.  The harness's hosts
# file names ::1 "localhost" ({client_resolve}=OK), the loopback is not
# trusted here, and it is not good.xtest's: SPF fails, DMARC p=reject: 550 5.7.1.
if [ "$PF_HAVE_IPV6" = 1 ]; then
	send b2 --server ::1 --port "$PORT" --helo localhost --from alice@good.xtest --h-Subject t41-b2
	check_match "$(final_reply b2)" '^550 5\.7\.1 DMARC' "B2: ::1 client, unaligned mail under p=reject: 550 5.7.1"
	check_match "$(grep 'client=::1 ' "$T/milter.log" | tail -n 1)" 'client=::1 family=ipv6 client_name=localhost .*iprev=pass spf=fail dkim=none dmarc=fail .*action=reject reason=dmarc_reject' "B2: the ::1 client itself, family=ipv6"
else
	echo "SKIP: $T_NAME: B2: no IPv6 loopback"
fi
# B3: 127.0.0.1 is "localhost" to Postfix ({client_resolve}=OK), but not
# good.xtest's: SPF fails, and so DMARC (p=reject): 550 5.7.1
send b3 --server 127.0.0.1 --port "$PORT" --helo localhost --from alice@good.xtest --h-Subject t41-b3
check_match "$(final_reply b3)" '^550 5\.7\.1 DMARC' "B3: unaligned mail under p=reject: 550 5.7.1"
check_match "$(grep 'client=127.0.0.1 ' "$T/milter.log" | tail -n 1)" 'client=127\.0\.0\.1 family=ipv4 client_name=localhost .*iprev=pass spf=fail dkim=none dmarc=fail .*action=reject reason=dmarc_reject reply="550 5\.7\.1"' "B3: the 127.0.0.1 client itself, family=ipv4, DMARC reject"
# B5 (issue 14 item 5): the author is ambiguous, from an unaligned client
# (127.0.0.1 is not good.xtest's): two From fields, or one From field with
# two mailboxes: DMARC permerror, action_dmarc_permerror (default reject)
printf 'From: alice@good.xtest\r\nFrom: mallory@bad.xtest\r\nTo: bob@example.net\r\nSubject: t41-b5\r\n\r\nx\r\n' >"$T/b5.eml"
send b5 --server 127.0.0.1 --port "$PORT" --helo localhost --from alice@good.xtest --data "$T/b5.eml"
check_match "$(final_reply b5)" '^550 5\.7\.1 DMARC: the author is ambiguous' "B5: two From fields: 550 5.7.1"
check_match "$(grep 'client=127.0.0.1 ' "$T/milter.log" | tail -n 1)" 'dmarc=permerror .*header_from=multiple .*action=reject reason=dmarc_permerror reply="550 5\.7\.1"' "B5: verdict line reason=dmarc_permerror"
printf 'From: alice@good.xtest, mallory@bad.xtest\r\nTo: bob@example.net\r\nSubject: t41-b5b\r\n\r\nx\r\n' >"$T/b5b.eml"
send b5b --server 127.0.0.1 --port "$PORT" --helo localhost --from alice@good.xtest --data "$T/b5b.eml"
check_match "$(final_reply b5b)" '^550 5\.7\.1 DMARC: the author is ambiguous' "B5: one From field with two mailboxes: 550 5.7.1"
# nine From fields: the reply gives the true count, not the 8 values the
# milter keeps (issue 14 item 12)
{ for i in 1 2 3 4 5 6 7 8 9; do printf 'From: a%d@good.xtest\r\n' $i; done
  printf 'To: bob@example.net\r\nSubject: t41-b5c\r\n\r\nx\r\n'; } >"$T/b5c.eml"
send b5c --server 127.0.0.1 --port "$PORT" --helo localhost --from alice@good.xtest --data "$T/b5c.eml"
check_match "$(final_reply b5c)" '^550 5\.7\.1 DMARC: the author is ambiguous \(9 From fields ' "B5: nine From fields: 550 5.7.1 naming 9"
check_eq "$(pf_mail_grep '^Subject: t41-b5')" "" "B5: none delivered"
# B4: DKIM-signed over ::1 from an address good.xtest's SPF does not list
# (a forwarder): the aligned signature carries DMARC
mkmsg "$T/b4.eml" alice@good.xtest t41-b4 sign
send b4 --server "$S6" --port "$PORT" --xclient-addr IPV6:2001:67c:1a0::99 --xclient-name fwd.example \
	--helo fwd.example --from alice@good.xtest --data "$T/b4.eml"
q=$(qid_of b4)
check_match "$q" '^[0-9A-F]+$' "B4: signed, forwarded over ::1: queued"
check_match "$(vwait "$q")" "$q: client=2001:67c:1a0::99 family=ipv6 client_name=fwd\.example .*spf=fail dkim=pass dmarc=pass .*action=tag reason=spf_fail" "B4: spf=fail dkim=pass dmarc=pass, tagged"

# S: Postfix's smtp-source as the client: 2 parallel sessions of 10
# messages each over 127.0.0.1 from a sender without SPF and DMARC records.
# Every message is delivered with our field on top and gets one verdict line.
before=$(grep -c 'mail_from=dkim-ok\.xtest ' "$T/milter.log")
mails0=$(pf_mails)
timeout 120 smtp-source -s 2 -m 20 -l 512 -M localhost -f source@dkim-ok.xtest -t bob@example.net \
	"127.0.0.1:$PORT" >"$T/smtp-source.out" 2>&1
check_eq "$?" 0 "S: smtp-source: 20 messages in 2 sessions accepted ($(head -c 200 "$T/smtp-source.out"))"
pf_wait_mails $((mails0 + 20)) 60
check_eq "$(( $(pf_mails) - mails0 ))" 20 "S: all 20 delivered"
n_ar=0
for f in $(grep -lE '^From: <?source@dkim-ok\.xtest' "$PF_MAILDIR"/new/* "$PF_MAILDIR"/cur/* 2>/dev/null); do
	pf_headers "$f" | grep -Ev '^(Return-Path|X-Original-To|Delivered-To):' | head -n 1 |
		grep -q '^Authentication-Results: mx\.test\.example; iprev=pass (localhost)' && n_ar=$((n_ar + 1))
done
check_eq "$n_ar" 20 "S: each carries our Authentication-Results on top (iprev=pass localhost)"
for _ in $(seq 50); do [ $(( $(grep -c 'mail_from=dkim-ok\.xtest ' "$T/milter.log") - before )) -ge 20 ] && break; sleep 0.1; done
check_eq "$(( $(grep -c 'mail_from=dkim-ok\.xtest .*action=accept' "$T/milter.log") - before ))" 20 "S: one verdict line per message, action=accept"

# C: null MX sender: 550 5.7.27 at end of data, nothing delivered
n0=$(pf_mails)
send c --server 127.0.0.1 --port "$PORT" --xclient-addr 5.0.2.11 --xclient-name mx1.good.xtest \
	--helo mx1.good.xtest --from bounce@mx-null.xtest --h-Subject t41-c
check_match "$(final_reply c)" '^550 5\.7\.27 ' "C: null-MX sender rejected 550 5.7.27"
check_match "$(pf_wait_log 'milter-reject: END-OF-MESSAGE.*5\.7\.27' 5)" 'from=<bounce@mx-null\.xtest>' "C: Postfix logged the milter reject"
check_match "$(grep 'mail_from=mx-null.xtest' "$T/milter.log" | tail -n 1)" 'action=reject reason=null_mx reply="550 5\.7\.27"' "C: verdict line"

# D: a client without PTR (the milter asks DNS: no Postfix verdict)
send d --server 127.0.0.1 --port "$PORT" --xclient-addr 5.0.2.99 --xclient-name '[TEMPUNAVAIL]' \
	--helo mx1.good.xtest --from alice@good.xtest --h-Subject t41-d
check_match "$(final_reply d)" '^550 5\.7\.25 ' "D: no PTR: 550 5.7.25"
check_match "$(grep 'client=5.0.2.99 ' "$T/milter.log" | tail -n 1)" 'iprev=(permerror|fail) .*reason=iprev_fail reply="550 5\.7\.25"' "D: verdict line"
# D2: Postfix's own verdict FAIL ({client_resolve}) is reused
send d2 --server 127.0.0.1 --port "$PORT" --xclient-addr 5.0.2.98 --xclient-name '[UNAVAILABLE]' \
	--helo mx1.good.xtest --from alice@good.xtest --h-Subject t41-d2
check_match "$(final_reply d2)" '^550 5\.7\.25 ' "D2: Postfix's client_resolve=FAIL: 550 5.7.25"

# E: a sender domain whose servers never answer: 451, never 5xx
send e --server 127.0.0.1 --port "$PORT" --xclient-addr 5.0.2.11 --xclient-name mx1.good.xtest \
	--helo mx1.good.xtest --from alice@dead.xtest --h-Subject t41-e
check_match "$(final_reply e)" '^451 4\.4\.3 ' "E: dead sender domain: 451 4.4.3"
check_match "$(grep 'mail_from=dead.xtest' "$T/milter.log" | tail -n 1)" 'mx=temperror .*action=tempfail' "E: verdict line temperror/tempfail"
check_eq "$(pf_mails)" "$n0" "C-E: nothing delivered"

# F: the milter's DNS server stops mid-test: 4xx, never 5xx, never a pass
kill "$RPID"; wait "$RPID" 2>/dev/null; RPID=
mkmsg "$T/f.eml" alice@good3.xtest t41-f
send f --server 127.0.0.1 --port "$PORT" --xclient-addr 5.0.2.13 --xclient-name '[TEMPUNAVAIL]' \
	--helo mail.good3.xtest --from alice@good3.xtest --data "$T/f.eml"
rf=$(final_reply f)
check_match "$rf" '^4[0-9][0-9] 4\.' "F: DNS down: 4xx ($rf)"
check_nomatch "$rf" '^5' "F: DNS down: never a 5xx"
vf=$(grep 'mail_from=good3.xtest' "$T/milter.log" | tail -n 1)
check_match "$vf" 'iprev=temperror .*mx=temperror .*action=tempfail' "F: verdict line temperror/tempfail"
check_nomatch "$vf" '(iprev|spf|dkim|dmarc|mx|mx_ipv6|dnssec|dane|readiness)=pass' "F: no pass of any DNS-based check"
check_eq "$(pf_mail_grep '^Subject: t41-f')" "" "F: not delivered"
# the DNS server back on its port: a retry goes through (libunbound holds
# a server that timed out as down for a while, so retry as an MTA would)
start_relay "$RPORT"
check_eq "$(cat "$T/relay.port")" "$RPORT" "F: DNS relay back on its port"
dig +short +time=2 +tries=1 -p "$RPORT" @127.0.0.1 good3.xtest MX >"$T/dig.out" 2>&1
check_match "$(cat "$T/dig.out")" 'good1\.hosts\.xtest' "F: ... and answering"
t0=$(date +%s) bad=
for _ in $(seq 30); do
	send f2 --server 127.0.0.1 --port "$PORT" --xclient-addr 5.0.2.13 --xclient-name '[TEMPUNAVAIL]' \
		--helo mail.good3.xtest --from alice@good3.xtest --data "$T/f.eml"
	[ -n "$(qid_of f2)" ] && break
	final_reply f2 | grep -q '^4' || bad="$bad $(final_reply f2)"
	sleep 2
done
check_eq "$bad" "" "F: while recovering: 4xx only"
qf=$(qid_of f2)
check_match "$qf" '^[0-9A-F]+$' "F: DNS back: a retry is accepted (after $(( $(date +%s) - t0 )) s)"
# good3.xtest publishes p=quarantine and its SPF does not list 5.0.2.13:
# Postfix's hold queue
check_match "$(vwait "$qf")" 'spf=fail dkim=none dmarc=fail .*action=quarantine reason=dmarc_quarantine' "F: DMARC p=quarantine: verdict quarantine"
check_match "$(postqueue -c "$PF_CONF" -p 2>/dev/null | grep "^$qf")" "^$qf!" "F: ... and the message is in Postfix's hold queue"

# G: the milter killed mid-session (after RCPT, before DATA): Postfix
# applies milter_default_action = tempfail; nothing is lost (4xx to the
# client, which keeps the message); with accept the mail is delivered.
# (dmarc-missing.xtest: no DMARC record, its SPF fail is only tagged.)
smtp_session() {   # smtp_session SUBJECT KILL(yes/no): prints the DATA reply code
	$PY - "$PORT" "$1" "$2" "$MPID" <<'EOP'
import os, signal, smtplib, sys, time
port, subj, kill, pid = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "yes", int(sys.argv[4] or 0)
s = smtplib.SMTP("127.0.0.1", port, timeout=60)
s.ehlo("mx1.good.xtest")
# the first reply that is not a success: MAIL, RCPT or DATA
code, _ = s.mail("alice@dmarc-missing.xtest")
if code < 300:
    code, _ = s.rcpt("bob@example.net")
if code < 300:
    if kill and pid:
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.3)
    try:
        code, _ = s.data("From: alice@dmarc-missing.xtest\r\nTo: bob@example.net\r\nSubject: %s\r\n\r\nx\r\n" % subj)
    except smtplib.SMTPResponseException as e:
        code = e.smtp_code
    except smtplib.SMTPServerDisconnected:
        code = 0
print(code)
try:
    s.quit()
except Exception:
    pass
EOP
}
code=$(smtp_session t41-g1 yes)
wait "$MPID" 2>/dev/null; MPID=
check_match "$code" '^4[0-9][0-9]$' "G: milter killed mid-session: DATA answered 4xx ($code), the client keeps the mail"
check_match "$(pf_wait_log 'milter unix:.*milter\.sock' 5)" 'milter' "G: Postfix logged the milter failure"
code=$(smtp_session t41-g2 no)
check_match "$code" '^4[0-9][0-9]$' "G: milter down, default tempfail: 4xx at MAIL/RCPT/DATA ($code)"
check_eq "$(pf_mail_grep '^Subject: t41-g[12]')" "" "G: nothing accepted while tempfailing"
pf_postconf 'milter_default_action = accept'
sleep 1
code=$(smtp_session t41-g3 no)
check_eq "$code" 250 "G: milter down, default accept: 250"
f=$(pf_wait_mail '^Subject: t41-g3')
check_match "$f" '.' "G: ... and delivered"
[ -n "$f" ] && check_nomatch "$(pf_headers "$f")" '^Authentication-Results: mx\.test' "G: ... without our header"
rm -f "$T/milter.sock"
start_milter 2
pf_postconf 'milter_default_action = tempfail'
sleep 1
code=$(smtp_session t41-g4 no)
check_eq "$code" 250 "G: milter restarted: 250"
f=$(pf_wait_mail '^Subject: t41-g4')
[ -n "$f" ] && check_match "$(pf_headers "$f")" '^Authentication-Results: mx\.test\.example;' "G: ... with our header again" ||
	fail "G: restarted milter: not delivered"
check_eq "$(pf_queue_ids | tr '\n' ' ')" "$qf " "nothing else in the queue (only the held one: nothing deferred, nothing lost)"
check_nomatch "$(cat "$PF_MAILLOG")" 'status=(bounced|deferred)|warning: .*milter.*(protocol|malformed)' "no bounce, deferral or protocol error in the Postfix log"

# mxready stats (issue 11) sums up this run's verdict lines: the figures
# agree with the lines counted one by one and with what this test sent
L=$T/milter.log
"$MXR" stats --json "$L" >"$T/stats.json"; check_eq $? 0 "stats: reads the milter's log"
check_jq "$T/stats.json" .milter.lines "$(grep -c 'notice: [0-9A-Za-z]*: client=' "$L")" "stats: one message per verdict line"
check_jq "$T/stats.json" .input.unreadable 0 "stats: every verdict line readable"
check_jq "$T/stats.json" .milter.family.ipv6 "$(grep -c ': client=[^ ]* family=ipv6 ' "$L")" "stats: arrivals over IPv6 (B, B2, B4)"
check_jq "$T/stats.json" .milter.actions.reject "$(grep -c ' action=reject ' "$L")" "stats: rejects"
check_jq "$T/stats.json" '.milter.reasons["reject null_mx"]' "$(grep -c ' action=reject reason=null_mx ' "$L")" "stats: rejects by reason (C: null MX)"
check_jq "$T/stats.json" '.milter.actions.tempfail > 0 and .milter.temperror >= .milter.actions.tempfail' true "stats: tempfails (E, F) within the temperror count"
n=$(grep -c ' mail_from=dkim-ok\.xtest ' "$L")
check_jq "$T/stats.json" '.milter.top_domains | map(select(.domain == "dkim-ok.xtest"))[0].messages' "$n" "stats: dkim-ok.xtest among the top sender domains with its $n messages"
check_eq "$([ "$n" -ge 20 ] && echo yes)" yes "stats: ... at least S's 20"
check_jq "$T/stats.json" '.milter.dmarc_pass_via | .dkim_only + .spf_only + .both' "$(grep -c ' dmarc=pass dmarc_via=' "$L")" "stats: DMARC pass path from dmarc_via"
check_jq "$T/stats.json" '[.milter.per_day[].total] | add' "$(jq .milter.lines "$T/stats.json")" "stats: per-day rows add up"

# the milter exits cleanly (sanitizer builds report leaks at exit)
kill "$MPID"; wait "$MPID"; rc=$?; MPID=
check_eq "$rc" 0 "milter exits 0 on SIGTERM"
grep -q 'ERROR: AddressSanitizer\|runtime error:' "$T/milter.err" &&
	fail "sanitizer report" "$(grep -m3 -A5 'ERROR\|runtime error' "$T/milter.err")"
finish
