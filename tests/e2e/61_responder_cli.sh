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
check_eq $rc 78 "incomplete responder.conf: configuration error (78)"
check_match "$out" 'must be set' "incomplete responder.conf: says what is missing"
printf 'rate_per_adress = 3\n' >"$T/typo.conf"
out=$("$RESP" -c "$T/mxready.conf" -r "$T/typo.conf" test </dev/null 2>&1)
check_match "$out" "typo.conf:1: unknown setting 'rate_per_adress'" "unknown key named with file and line"
printf 'short' >"$T/short"
sed "s|$T/secret|$T/short|" "$T/responder.conf" >"$T/short.conf"
"$RESP" -c "$T/mxready.conf" -r "$T/short.conf" test </dev/null >/dev/null 2>&1
check_eq $? 75 "secret too short: temporary failure (75), Postfix keeps the mail"
check_match "$(tail -n 1 "$T/log")" 'secret shorter than 16' "short secret logged"

: >"$T/log"
msg 'Precedence: list' | run -f a@example.org -a 192.0.2.1 -q Q1 test; check_eq $? 0 "suppressed mail: exit 0"
check_match "$(tail -n 1 "$T/log")" 'Q1: mode=test sender=a@example.org client=192.0.2.1 decision=suppressed reason=precedence' "Precedence: list suppressed"
msg 'X: y' | run -f '' -q Q2 test
check_match "$(tail -n 1 "$T/log")" 'Q2: .*sender="?<>"? .*reason=null-sender' "null sender suppressed"
msg 'Auto-Submitted: auto-generated' | run -f a@example.org -q Q3 test
check_match "$(tail -n 1 "$T/log")" 'Q3: .*reason=auto-submitted' "Auto-Submitted suppressed"
msg 'X: y' | run -f 'a@example.org> Bcc: x' -q Q4 test
check_match "$(tail -n 1 "$T/log")" 'Q4: .*reason=bad-sender' "address with specials suppressed"
msg 'Authentication-Results: mx.v6only.example; spf=fail smtp.mailfrom=a@example.org; dkim=none' |
	run -f a@example.org -a 192.0.2.1 -q Q5 test
check_match "$(tail -n 1 "$T/log")" 'Q5: .*reason=backscatter spf=fail dkim=none' "SPF fail without DKIM: backscatter rule"
msg 'Authentication-Results: other.example; spf=fail smtp.mailfrom=a@example.org; dkim=none' |
	run -f b@example.org -a 192.0.2.1 -q Q6 test; rc=$?
check_match "$(grep 'Q6: mode=' "$T/log")" 'decision=replied .*spf=none' "another authserv-id's SPF fail is ignored"
check_eq $rc 75 "no reply could be submitted: temporary failure (75)"
msg 'X: y' | run -f b@example.org -a 192.0.2.1 -q Q7 test
check_match "$(tail -n 1 "$T/log")" 'Q7: .*decision=suppressed reason=rate-limit limit=address' "rate limit counted across processes"

sed 's/\r$//' "$MXR_TOP/tests/unit/data/dsn-noaaaa.eml" >"$T/dsn.eml"
run -t bounce@dual.example -q D1 dsn <"$T/dsn.eml"; check_eq $? 0 "DSN without token: exit 0"
check_match "$(tail -n 1 "$T/log")" 'D1: mode=dsn recipient=bounce@dual.example decision=dropped reason=no-token' "DSN without token dropped"
run -t bounce+xyz@dual.example -q D2 dsn <"$T/dsn.eml"
check_match "$(tail -n 1 "$T/log")" 'D2: .*reason=malformed-token' "malformed token dropped"
run -t bounce+65f0a1b2000000000001aabbccddeeff00112233@dual.example -q D3 dsn <"$T/dsn.eml"
check_match "$(tail -n 1 "$T/log")" 'D3: .*reply_id=000000000001 decision=dropped reason=unknown-or-forged-token' "unknown token dropped"
# the reply id of the (unsent) reply to b@example.org, with a made-up MAC
id=$(sed -n 's/.*Q6: .*reply_id=\([0-9a-f]*\).*/\1/p' "$T/log")
run -t "bounce+00000001${id}00000000000000000000@dual.example" -q D4 dsn <"$T/dsn.eml"
check_match "$(tail -n 1 "$T/log")" 'D4: .*decision=dropped reason=forged' "known id, wrong MAC: forged"
check_eq "$(grep -c 'decision=' "$T/log")" 11 "one log line per decision"
finish
