#!/bin/sh
# mxready-responder run by hand, without a network: exit statuses for
# usage and configuration errors, and the decisions that need no SMTP
# (suppressed test mails, dropped DSNs), one log line each.
. "$(dirname "$0")/../lib.sh"
RESP=$MXR_TOP/$MXR_BUILD/mxready-responder
[ -x "$RESP" ] || { fail "no $RESP"; finish; }
T=$(mktemp -d /tmp/mxr-rcli.XXXXXX)
[ -d "$T" ] || { fail "mktemp"; finish; }
trap 'rm -rf "$T"' EXIT
printf '0123456789abcdef0123456789abcdef' >"$T/secret"
cat >"$T/mxready.conf" <<EOC
authserv_id = mx.v6only.example
log_file = $T/log
dns_table = $MXR_TOP/tests/unit/data/ready.tab
EOC
cat >"$T/responder.conf" <<EOC
v6only_address = test@v6only.example
dual_address = test@dual.example
token_secret = $T/secret
state_dir = $T/state
# port 0: nothing can listen there, so every reply attempt fails
submit = 127.0.0.1:0
rate_per_address = 1
EOC
run() { "$RESP" -c "$T/mxready.conf" -r "$T/responder.conf" "$@"; }
msg() { printf 'From: a@example.org\r\nSubject: x\r\n%s\r\n\r\nbody\r\n' "$1"; }

"$RESP" >/dev/null 2>&1; check_eq $? 64 "no mode: usage (64)"
"$RESP" -r "$T/responder.conf" bogus >/dev/null 2>&1; check_eq $? 64 "unknown mode: usage (64)"
printf 'v6only_address = x\n' >"$T/bad.conf"
out=$("$RESP" -c "$T/mxready.conf" -r "$T/bad.conf" test </dev/null 2>&1); rc=$?
check_eq $rc 75 "incomplete responder.conf while delivering: 75 (pipe(8) bounces 78 as 5.3.5), Postfix keeps the mail"
check_match "$out" 'configuration error: .*must be set' "incomplete responder.conf: says what is missing"
"$RESP" -c "$T/mxready.conf" -r "$T/bad.conf" -t >/dev/null 2>&1
check_eq $? 78 "incomplete responder.conf under -t: configuration error (78)"
printf 'rate_per_adress = 3\n' >"$T/typo.conf"
out=$("$RESP" -c "$T/mxready.conf" -r "$T/typo.conf" test </dev/null 2>&1)
check_match "$out" "typo.conf:1: unknown setting 'rate_per_adress'" "unknown key named with file and line"
{ cat "$T/responder.conf"; echo "probe_timeout = 121"; } >"$T/probe.conf"
out=$("$RESP" -c "$T/mxready.conf" -r "$T/probe.conf" -t 2>&1); rc=$?
check_eq $rc 78 "probe_timeout out of range under -t: configuration error (78)"
check_match "$out" "probe.conf:8: probe_timeout: '121' is not a number in \\[0, 120\\]" "probe_timeout out of range named with file and line"
printf 'short' >"$T/short"
sed "s|$T/secret|$T/short|" "$T/responder.conf" >"$T/short.conf"
"$RESP" -c "$T/mxready.conf" -r "$T/short.conf" test </dev/null >/dev/null 2>&1
check_eq $? 75 "secret too short while delivering: 75, Postfix keeps the mail"
{ cat "$T/mxready.conf"; echo "user ="; } >"$T/nouser.conf"
out=$("$RESP" -c "$T/nouser.conf" -r "$T/short.conf" -t 2>&1); rc=$?
check_eq $rc 78 "secret too short under -t: configuration error (78)"
check_match "$out" 'secret shorter than 16' "secret too short under -t: says why"
check_match "$(tail -n 1 "$T/log")" 'secret shorter than 16' "short secret logged"

: >"$T/log"
msg 'Precedence: list' | run -f a@example.org -a 192.0.2.1 -q Q1 test; check_eq $? 0 "suppressed mail: exit 0"
check_match "$(tail -n 1 "$T/log")" 'Q1: mode=test sender=a@example.org client=192.0.2.1 decision=suppressed reason=precedence' "Precedence: list suppressed"
msg 'X: y' | run -f '' -q Q2 test
check_match "$(tail -n 1 "$T/log")" 'Q2: .*sender="?<>"? .*reason=null-sender' "null sender suppressed"
msg 'Auto-Submitted: auto-generated' | run -f a@example.org -q Q3 test
check_match "$(tail -n 1 "$T/log")" 'Q3: .*reason=auto-submitted' "Auto-Submitted suppressed"
# every field of the kind counts; comments are CFWS; all RFC 2369 list fields
printf 'From: a@example.org\r\nAuto-Submitted: no\r\nAuto-Submitted: auto-replied\r\nSubject: x\r\n\r\nbody\r\n' |
	run -f as1@example.org -q Q3a test
check_match "$(tail -n 1 "$T/log")" 'Q3a: .*decision=suppressed reason=auto-submitted' "Auto-Submitted: no, then auto-replied: suppressed"
printf 'From: a@example.org\r\nPrecedence: first-class\r\nPrecedence: (x)\r\n (y) bulk\r\n\r\nbody\r\n' |
	run -f as2@example.org -q Q3b test
check_match "$(tail -n 1 "$T/log")" 'Q3b: .*decision=suppressed reason=precedence' "a second Precedence field, (comment) bulk folded: suppressed"
for f in List-Subscribe List-Owner List-Archive; do
	msg "$f: <mailto:x@example.org>" | run -f "l-$f@example.org" -q "Q3$f" test
	check_match "$(tail -n 1 "$T/log")" "Q3$f: .*decision=suppressed reason=list" "$f alone: list mail, suppressed"
done
msg 'X: y' | run -f 'a@example.org> Bcc: x' -q Q4 test
check_match "$(tail -n 1 "$T/log")" 'Q4: .*reason=bad-sender' "address with specials suppressed"
msg 'Authentication-Results: mx.v6only.example; spf=fail smtp.mailfrom=a@example.org; dkim=none' |
	run -f a@example.org -a 192.0.2.1 -q Q5 test
check_match "$(tail -n 1 "$T/log")" 'Q5: .*reason=backscatter spf=fail dkim=none' "SPF fail without DKIM: backscatter rule"
msg 'Authentication-Results: other.example; spf=fail smtp.mailfrom=a@example.org; dkim=none' |
	run -f b@example.org -a 192.0.2.1 -q Q6 test; rc=$?
check_match "$(grep 'Q6: mode=' "$T/log")" 'decision=deferred reason=submission .*spf=none' "another authserv-id's SPF fail is ignored"
check_eq $rc 75 "no reply could be submitted: temporary failure (75)"
# issue 13, item 2: the failed attempt gave its charge back, so Postfix's
# retry is not suppressed by the limit (1 here) it never used
msg 'X: y' | run -f b@example.org -a 192.0.2.1 -q Q7 test; rc=$?
check_match "$(tail -n 1 "$T/log")" 'Q7: .*decision=deferred reason=submission' "a retry after a failed submission is not rate-limited"
check_eq $rc 75 "the retry defers again (75), the mail stays with Postfix"

sed 's/\r$//' "$MXR_TOP/tests/unit/data/dsn-noaaaa.eml" >"$T/dsn.eml"
run -t bounce@dual.example -q D1 dsn <"$T/dsn.eml"; check_eq $? 0 "DSN without token: exit 0"
check_match "$(tail -n 1 "$T/log")" 'D1: mode=dsn recipient=bounce@dual.example decision=dropped reason=no-token' "DSN without token dropped"
run -t bounce+xyz@dual.example -q D2 dsn <"$T/dsn.eml"
check_match "$(tail -n 1 "$T/log")" 'D2: .*reason=malformed-token' "malformed token dropped"
run -t bounce+65f0a1b2000000000001aabbccddeeff00112233@dual.example -q D3 dsn <"$T/dsn.eml"
check_match "$(tail -n 1 "$T/log")" 'D3: .*reply_id=000000000001 decision=dropped reason=unknown-or-forged-token' "unknown token dropped"
# the reply id of the failed (so released) reply to b@example.org: unknown
id=$(sed -n 's/.*Q6: .*reply_id=\([0-9a-f]*\).*/\1/p' "$T/log")
run -t "bounce+00000001${id}00000000000000000000@dual.example" -q D4 dsn <"$T/dsn.eml"
check_match "$(tail -n 1 "$T/log")" 'D4: .*decision=dropped reason=unknown-or-forged-token' "the id of a released reply is unknown"
check_eq "$(grep -c 'decision=' "$T/log")" 16 "one log line per decision"

# ---- the messages themselves, as they go over SMTP ----------------------------
# tests/responder/smtp_sink.py keeps each transaction's octets; msg_check.py
# reads them with python3-dkim and the email package (not our code).
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
KEYS=$MXR_TOP/tests/responder/keys
chk() { "$PY" "$MXR_TOP/tests/responder/msg_check.py" --key "dual.example:mxr:$KEYS/dual.pem" \
	--key "v6only.example:mxr:$KEYS/v6only.pem" "$@"; }
S=$T/sink; mkdir "$S"
"$PY" "$MXR_TOP/tests/responder/smtp_sink.py" "$S" 2>"$T/sink.err" &
SINK=$!
trap 'kill "$SINK" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [ -s "$S/port" ] && break; sleep 0.1; done
[ -s "$S/port" ] || { fail "SMTP sink did not start" "$(cat "$T/sink.err")"; finish; }
sed -e "s/^submit = .*/submit = 127.0.0.1:$(cat "$S/port")/" -e 's/^rate_per_address = 1/rate_per_address = 10/' \
	-e "s|^state_dir = .*|state_dir = $T/state2|" "$T/responder.conf" >"$T/sink.conf"
printf 'dkim_dual_key = %s\ndkim_v6_key = %s\n' "$KEYS/dual.pem" "$KEYS/v6only.pem" >>"$T/sink.conf"
srun() { "$RESP" -c "$T/mxready.conf" -r "$T/sink.conf" "$@"; }
env_of() { cat "$S/$1.env" 2>/dev/null; }
token_of() { sed -n 's/^MAIL FROM:<bounce+\([0-9a-f]*\)@.*/\1/p' "$S/$1.env" 2>/dev/null; }

# a local part in mixed case; a UTF-8 subject whose 200th octet is inside "é"
subj=$("$PY" -c 'import base64; print("=?utf-8?b?" + base64.b64encode(("a" * 199 + "é tail").encode()).decode() + "?=")')
printf 'From: x@example.org\r\nSubject: %s\r\nMessage-ID: <m1@example.org>\r\n\r\nbody\r\n' "$subj" |
	srun -f Mixed.Case@example.org -a 2001:db8::1 -q S1 test; check_eq $? 0 "test mail through the sink: exit 0"
check_match "$(env_of 1)" 'RCPT TO:<Mixed\.Case@example\.org>' "reply A goes to the local part as written (RFC 5321 2.4)"
check_match "$(env_of 2)" 'RCPT TO:<Mixed\.Case@example\.org>' "reply B goes to the local part as written"
check_match "$(env_of 2)" 'MAIL FROM:<bounce\+[0-9a-f]{40}@dual\.example>' "reply B: envelope sender with a token"
v=$(chk "$S/1.eml" "$S/2.eml")
check_match "$v" "1.eml dkim=pass longest=[0-9]{1,3} nul=0 crlf=1 utf8=1 " "reply A: DKIM (python3-dkim), CRLF, short lines, valid UTF-8"
check_match "$v" "2.eml dkim=pass longest=[0-9]{1,3} nul=0 crlf=1 utf8=1 " "reply B: DKIM (python3-dkim), CRLF, short lines, valid UTF-8"
q=$("$PY" - "$S/1.eml" <<'EOP'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.compat32)
for p in m.walk():
    if p.get_content_type() == 'text/plain':
        t = p.get_payload(decode=True).decode('utf-8', 'replace')
        for l in t.splitlines():
            if l.strip().startswith('Subject:'):
                print(l.split()[-1])
EOP
)
check_eq "$q" "$(printf 'a%.0s' $(seq 199))..." "quoted subject cut before the character that does not fit, not inside it"

# the DSN about reply B, as pipe(8) hands it over (LF line ends), to its token
tok=$(token_of 2)
# first with the MAC changed: the id is known, the token forged
bad=$(printf '%s' "$tok" | cut -c1-39)$(printf '%s' "$tok" | cut -c40 | tr '0-9a-f' '1-9a-f0')
srun -t "bounce+$bad@dual.example" -q S1F dsn <"$T/dsn.eml"
check_match "$(tail -n 1 "$T/log")" 'S1F: .*decision=dropped reason=forged' "known id, wrong MAC: forged"
echo "554 5.7.1 rejected by the test" >"$S/data-reply"
out=$(srun -t "bounce+$tok@dual.example" -q S2 dsn <"$T/dsn.eml" 2>&1)
check_eq $? 75 "our listener answers 5xx to the forward: exit 75, Postfix keeps the DSN"
check_match "$out" 'forward not handed to 127\.0\.0\.1:[0-9]+: 554 5\.7\.1' "the 5xx on stderr (pipe(8) shows it in the queue)"
check_match "$(tail -n 1 "$T/log")" 'S2: .*decision=deferred reason=submission-rejected reply="?554 5\.7\.1' "the 5xx logged as a rejection, with the reply"
rm -f "$S/data-reply"
srun -t "bounce+$tok@dual.example" -q S3 dsn <"$T/dsn.eml"
check_eq $? 0 "the retried DSN is forwarded: exit 0"
check_match "$(tail -n 1 "$T/log")" 'S3: .*decision=forwarded' "the retried DSN: forwarded"
check_match "$(env_of 4)" 'RCPT TO:<Mixed\.Case@example\.org>' "the forward goes to the local part as written"
check_match "$(chk "$S/4.eml")" "dkim=pass longest=[0-9]{1,3} nul=0 crlf=1 .*message/rfc822" "forwarded DSN: DKIM (python3-dkim), CRLF, the DSN attached"

# a DSN with a NUL octet and a 1 MB line, to the token of another reply
printf 'From: x@example.org\r\nSubject: two\r\n\r\nbody\r\n' | srun -f other@example.org -a 2001:db8::1 -q S4 test
tok=$(token_of 6)
"$PY" - "$T/dsn.eml" "$T/huge.eml" <<'EOP'
import sys
s = open(sys.argv[1], 'rb').read()
s = s.replace(b'Hello.\n', b'Hello.\x00after-the-nul\n' + b'x' * 1000000 + b'\nEND-OF-THE-LONG-LINE\n')
open(sys.argv[2], 'wb').write(s)
EOP
srun -t "bounce+$tok@dual.example" -q S5 dsn <"$T/huge.eml"; check_eq $? 0 "DSN with a NUL and a 1 MB line: exit 0"
check_match "$(tail -n 1 "$T/log")" 'S5: .*decision=forwarded' "DSN with a NUL and a 1 MB line: forwarded"
v=$(chk --dump-attachment "$T/att" "$S/7.eml")
check_match "$v" "dkim=pass longest=[0-9]{1,3} nul=0 crlf=1 " "its forward: DKIM passes, no line over 998 octets, no NUL"
check_eq "$(grep -c -a 'after-the-nul' "$T/att" 2>/dev/null)" 1 "its forward: the DSN goes on after the NUL"
check_eq "$("$PY" -c 'import sys; print(open(sys.argv[1], "rb").read().split(b"--decoded--")[-1].count(b"x" * 1000000))' "$T/att" 2>&1)" 1 \
	"its forward: the 1 MB line is carried whole (encoded)"
check_eq "$(grep -c -a 'END-OF-THE-LONG-LINE' "$T/att" 2>/dev/null)" 1 "its forward: the DSN goes on after the long line"

# a header line of 5,000 octets in the returned message: no MIME encoding
# shortens it, so the DSN goes along as it came, base64
printf 'From: x@example.org\r\nSubject: three\r\n\r\nbody\r\n' | srun -f third@example.org -a 2001:db8::1 -q S6 test
tok=$(token_of 9)
"$PY" - "$T/dsn.eml" "$T/longhdr.eml" <<'EOP'
import sys
s = open(sys.argv[1], 'rb').read()
s = s.replace(b'Subject: Your IPv6 mail test (reply B)\n', b'Subject: ' + b'y' * 5000 + b'\n', 1)
open(sys.argv[2], 'wb').write(s)
EOP
srun -t "bounce+$tok@dual.example" -q S7 dsn <"$T/longhdr.eml"
check_match "$(tail -n 1 "$T/log")" 'S7: .*decision=forwarded' "DSN with a 5,000-octet header line: forwarded"
v=$(chk --dump-attachment "$T/att2" "$S/10.eml")
check_match "$v" "dkim=pass longest=[0-9]{1,3} nul=0 crlf=1 .*application/octet-stream" "its forward: DKIM passes, no line over 998, the DSN as application/octet-stream"
check_eq "$(cmp "$T/att2" "$T/longhdr.eml" >/dev/null 2>&1 && echo same)" same "its forward: the attachment is the DSN octet for octet"
# both replies rejected (5xx) by our own listener: the test mail is kept
# (75), never dropped with exit 0; the retry is answered and not rate-limited
echo "554 5.7.1 rejected by the test" >"$S/data-reply"
printf 'From: x@example.org\r\nSubject: four\r\n\r\nbody\r\n' | srun -f fourth@example.org -a 2001:db8::1 -q S8 test
check_eq $? 75 "both replies rejected by our listener: exit 75, Postfix keeps the test mail"
check_match "$(tail -n 1 "$T/log")" 'S8: .*decision=deferred reason=submission-rejected .*reply_a=failed reply_b=failed' \
	"both replies rejected: logged deferred, submission-rejected"
rm -f "$S/data-reply"
n0=$(ls "$S"/*.eml | wc -l)
printf 'From: x@example.org\r\nSubject: four\r\n\r\nbody\r\n' | srun -f fourth@example.org -a 2001:db8::1 -q S9 test
check_eq $? 0 "the retried test mail: exit 0"
check_match "$(tail -n 1 "$T/log")" 'S9: .*decision=replied .*reply_a=sent reply_b=sent' "the retried test mail: both replies sent"
check_eq $(( $(ls "$S"/*.eml | wc -l) - n0 )) 2 "the retry handed over exactly two replies"
finish
