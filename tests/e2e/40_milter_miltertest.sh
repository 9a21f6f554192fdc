#!/bin/sh
# mxready-milter at the milter protocol level: the miltertest scripts of
# tests/milter/*.lua (every callback path, malformed input, aborts, many
# messages, actions) against two instances (strict and soft configuration),
# then the verdict lines they logged, the configuration checks (-t, -n), the
# refusal to run as root and the privilege drop.
. "$(dirname "$0")/../lib.sh"
world_env
MILTER=$MXR_TOP/$MXR_BUILD/mxready-milter
[ -x "$MILTER" ] || { fail "no $MILTER"; finish; }
command -v miltertest >/dev/null || { fail "miltertest not installed (apt-get install miltertest)"; finish; }
T=$(mktemp -d /tmp/mxr-mt.XXXXXX)
chmod 755 "$T"
PIDS=
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT INT TERM

common() {   # common NAME: settings shared by the instances
	cat <<EOC
# test instance $1
milter_socket = unix:$T/$1.sock
user =
authserv_id = mx.test.example
dns_resolver = $MXR_RESOLVER
dns_trust_anchor = $MXR_TA
dns_timeout = 2
trusted_networks = 192.0.2.0/24
log_file = $T/$1.log
log_level = info
EOC
}
{ common strict; cat <<EOC
action_null_mx = reject
action_iprev_fail = reject
action_spf_fail = reject
action_temperror = tempfail
EOC
} >"$T/strict.conf"
{ common soft; cat <<EOC
action_null_mx = quarantine   # comment after a value
action_dmarc_reject = quarantine
action_iprev_fail = tag
action_temperror = accept
readiness_header = no
EOC
} >"$T/soft.conf"

# configuration checks
out=$("$MILTER" -t -c "$T/strict.conf" 2>&1); check_eq "$?" 0 "-t accepts the test configuration"
printf 'user =\n\nbogus_key = 1\n' >"$T/bad1.conf"
out=$("$MILTER" -t -c "$T/bad1.conf" 2>&1); rc=$?
check_eq "$rc" 78 "-t: unknown key exits 78"
check_match "$out" "bad1.conf:3: unknown setting 'bogus_key'" "unknown key reported with its line number"
printf '# x\ndns_timeout = 1000\n' >"$T/bad2.conf"
out=$("$MILTER" -t -c "$T/bad2.conf" 2>&1)
check_match "$out" "bad2.conf:2: dns_timeout: 1000 is out of range" "out-of-range value with its line number"
printf 'action_temperror = reject\n' >"$T/bad3.conf"
out=$("$MILTER" -t -c "$T/bad3.conf" 2>&1)
check_match "$out" "bad3.conf:1: action_temperror: 'reject': expected accept or tempfail" "temperror can never be a reject"
printf 'user = a\nuser = b\n' >"$T/bad4.conf"
out=$("$MILTER" -t -c "$T/bad4.conf" 2>&1)
check_match "$out" "bad4.conf:2: user already set on line 1" "duplicate key"
printf 'milter_socket = inet:99999@127.0.0.1\n' >"$T/bad5.conf"
out=$("$MILTER" -t -c "$T/bad5.conf" 2>&1)
check_match "$out" "bad5.conf:1: milter_socket: .*port must be 1..65535" "bad socket"
printf 'trusted_networks = 10.0.0.0/33\n' >"$T/bad6.conf"
out=$("$MILTER" -t -c "$T/bad6.conf" 2>&1)
check_match "$out" "bad6.conf:1: trusted_networks: '10.0.0.0/33'" "bad CIDR"
out=$("$MILTER" -n -c "$T/soft.conf" -o dns_timeout=4.5 2>&1)
check_match "$out" "^milter_socket = unix:$T/soft.sock" "-n prints the effective socket"
check_match "$out" "action_null_mx = quarantine" "-n prints the file's values"
check_match "$out" "dns_timeout = 4.5" "-n applies -o overrides"
check_match "$out" "action_spf_fail = tag" "-n prints defaults"
out=$("$MILTER" -t -c "$T/missing.conf" 2>&1); check_eq "$?" 78 "missing explicit config file is an error"
# the sample configuration documents every setting and parses uncommented
SAMPLE=$MXR_TOP/conf/mxready.conf
missing=
for k in $("$MILTER" -n -c /dev/null 2>/dev/null | sed 's/ =.*//'); do
	grep -Eq "^#$k =( |\$)" "$SAMPLE" || missing="$missing $k"
done
check_eq "$missing" "" "conf/mxready.conf documents every setting of -n"
sed -n 's/^#\([a-z_]* =.*\)$/\1/p' "$SAMPLE" |
	awk -F' =' '!seen[$1]++ || $1 == "dns_resolver" || $1 == "trusted_networks"' >"$T/sample.conf"
# -t checks that the configured user exists: the package creates mxready,
# this machine need not have it
out=$("$MILTER" -t -c "$T/sample.conf" -o user=nobody 2>&1); check_eq "$?" 0 "conf/mxready.conf uncommented passes -t ($out)"
check_eq "$(grep -c . "$T/sample.conf")" "$(( $("$MILTER" -n -c /dev/null | wc -l) + 1 ))" "every setting uncommented once (dns_resolver twice)"
# the answer cache settings: defaults, whole numbers in range, 0 = off
check_eq "$("$MILTER" -n -c /dev/null | grep '^dns_cache' | tr '\n' ' ')" "dns_cache_size = 10000 dns_cache_max_ttl = 300 " "-n: answer cache defaults"
check_eq "$("$MILTER" -n -c /dev/null -o dns_cache_size=0 | grep '^dns_cache_size')" "dns_cache_size = 0" "-o dns_cache_size=0 accepted (cache off)"
out=$("$MILTER" -t -c /dev/null -o dns_cache_max_ttl=0 2>&1); rc=$?
check_eq "$rc" 78 "dns_cache_max_ttl = 0 refused"
check_match "$out" "dns_cache_max_ttl: 0 is out of range" "... with the reason"
printf 'dns_cache_size = 1e3\n' >"$T/bad-count.conf"
out=$("$MILTER" -t -c "$T/bad-count.conf" 2>&1); rc=$?
check_eq "$rc" 78 "dns_cache_size = 1e3 refused"
check_match "$out" "bad-count.conf:1: .*not a whole number" "... with file and line"

if [ "$(id -u)" = 0 ]; then
	out=$("$MILTER" -f -c "$T/strict.conf" 2>&1); rc=$?
	check_eq "$rc" 78 "refuses to run as root without user or -R"
	check_match "$out" "refusing to run as root" "says why"
	# privilege drop: user = nobody, socket opened as root first
	cp "$MXR_TA" "$T/ta.ds"; chmod 644 "$T/ta.ds"
	{ common drop; echo "user = nobody"; } | sed "s|^dns_trust_anchor.*|dns_trust_anchor = $T/ta.ds|; s|^user =\$||" >"$T/drop.conf"
	"$MILTER" -f -c "$T/drop.conf" 2>"$T/drop.err" & dp=$!
	PIDS="$PIDS $dp"
	for _ in $(seq 50); do [ -S "$T/drop.sock" ] && grep -q starting "$T/drop.log" 2>/dev/null && break; sleep 0.1; done
	check_eq "$(ps -o user= -p $dp | tr -d ' ')" nobody "drops root to the configured user"
	check_eq "$(stat -c %U "$T/drop.sock" 2>/dev/null)" nobody "socket handed to the user"
	kill $dp; wait $dp 2>/dev/null
fi

# the two instances
start() {
	"$MILTER" -f ${ROOTOPT:-} -c "$T/$1.conf" 2>>"$T/$1.err" &
	eval "PID_$1=$!"
	PIDS="$PIDS $!"
	for _ in $(seq 100); do [ -S "$T/$1.sock" ] && grep -q starting "$T/$1.log" 2>/dev/null && return 0; sleep 0.1; done
	fail "instance $1 did not start" "$(cat "$T/$1.err")"
}
[ "$(id -u)" = 0 ] && ROOTOPT=-R
start strict
start soft

for s in "$MXR_TOP"/tests/milter/[0-9]*.lua; do
	n=$(basename "$s" .lua)
	timeout 300 miltertest -D NAME="$n" -D DIR="$MXR_TOP/tests/milter" -D SOCK="$T/strict.sock" \
		-D SOCK2="$T/soft.sock" -s "$s" >"$T/$n.out" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL): ' "$T/$n.out"
	grep -q '^FAIL: ' "$T/$n.out" && T_FAILS=$((T_FAILS+1))
	T_COUNT=$((T_COUNT + $(grep -c '^PASS: ' "$T/$n.out")))
	if [ $rc -ne 0 ] && ! grep -q '^FAIL: ' "$T/$n.out"; then
		fail "$n: miltertest exited $rc" "$(tail -n 5 "$T/$n.out" | tr '\n' ' ')"
	fi
done

# fields miltertest cannot send (it overflows a 1 KB buffer): a 60 KB field,
# a 100 KB field folded 1000 times (Postfix's header_size_limit is 102400, so
# such fields do reach milters), through tests/tools/milter_bench.c
BENCH=$MXR_TOP/$MXR_BUILD/tests/milter_bench
if [ -x "$BENCH" ]; then
	python3 - "$T/huge.eml" <<'EOP'
import sys
with open(sys.argv[1], "w") as f:
    f.write("From: Alice <alice@good.xtest>\nX-Huge: " + "a" * 60000 + "\n")
    f.write("X-Folded: " + ("b" * 90 + "\n\t") * 1000 + "end\n")
    f.write("Authentication-Results: mx.test.example; dkim=pass\n\nbody\n")
EOP
	out=$("$BENCH" -v -q T09HUGE -s "unix:$T/strict.sock" "$T/huge.eml" 2>&1)
	check_match "$out" 'result=accept' "60 KB and 100 KB fields: accepted (libmilter packet limit raised)"
	check_match "$out" 'header: Authentication-Results: mx\.test\.example;\\n.iprev=pass' "huge fields: our A-R at the top"
	check_eq "$(printf '%s\n' "$out" | grep -c '^header: Authentication-Results:')" 1 "huge fields: forged A-R removed"
	check_match "$(grep 'T09HUGE' "$T/strict.log")" 'header_from=good\.xtest .*action=accept' "huge fields: verdict line"
else
	fail "no $BENCH"
fi

for i in strict soft; do
	eval "p=\$PID_$i"
	kill -0 "$p" 2>/dev/null && pass "instance $i survived every script" || fail "instance $i died" "$(tail -n 20 "$T/$i.err")"
done

# verdict lines: exactly one per finished message, none for aborted ones
L=$T/strict.log
vl() { grep -E "notice: $1: client=" "$L"; }
check_eq "$(vl 'T05[0-9]{3}' | wc -l)" 100 "one verdict line per message (100 on one connection)"
check_eq "$(vl 'T0[4][ABCE]' | wc -l)" 0 "no verdict line for aborted messages"
check_eq "$(vl T04D | wc -l)" 1 "one verdict line after the aborts"
line=$(vl T01A)
check_match "$line" '^[-0-9T:.]+ mxready-milter\[[0-9]+\]: notice: T01A: client=5\.0\.2\.11 family=ipv4 client_name=mx1\.good\.xtest helo=mx1\.good\.xtest helo_check=pass iprev=pass spf=[a-z]+ dkim=[a-z]+ dmarc=[a-z]+ dmarc_via=(spf|dkim|both|-) mail_from=good\.xtest header_from=good\.xtest mx=pass mx_ipv6=pass dnssec=pass dane=pass readiness=[a-z]+ auth=no trusted=no action=accept reason=- reply=- dns_queries=[0-9]+ ms=[0-9]+$' "verdict line: keys and order"
check_match "$(vl T06A)" 'action=reject reason=null_mx reply="550 5\.7\.27"' "null MX: 550 5.7.27"
check_match "$(vl T06D)" 'iprev=fail .*action=reject reason=iprev_fail reply="550 5\.7\.25"' "FORGED client: 550 5.7.25"
check_match "$(vl T06F)" 'iprev=permerror .*action=reject reason=iprev_fail reply="550 5\.7\.25"' "no PTR: 550 5.7.25"
check_match "$(vl T06B)" 'auth=yes .*action=tag reason=null_mx' "SASL client tagged"
check_match "$(vl T06H)" 'client=2001:67c:1a0::11 family=ipv6' "IPv6 client logged as ipv6"
check_match "$(vl T06I)" 'client=5\.0\.2\.11 family=ipv4' "IPv4-mapped client logged as ipv4"
check_match "$(vl T07A)" 'mx=temperror .*action=tempfail reason=temperror_mx reply="451 4\.4\.3"' "temperror: 451 4.4.3, never 5xx"
check_match "$(vl T07B)" 'mx=temperror mx_ipv6=temperror dnssec=fail dane=temperror readiness=temperror .*action=tempfail reason=temperror_mx reply="451 4\.4\.3"' "DNSSEC-bogus sender domain: still 451 4.4.3 (the sender may be fixing it)"
check_match "$(grep 'T03D: ' "$L")" 'header_from=' "NUL message logged"
if grep -a 'T03' "$L" | LC_ALL=C grep -aq "$(printf '[\001-\010\016-\037\177]')"; then
	fail "control characters reach the log"
else
	pass "no control characters in the log"
fi
check_eq "$(grep -c 'notice: T0' "$T/soft.log")" 2 "soft instance: two verdict lines"
check_match "$(grep T08A "$T/soft.log")" 'action=quarantine reason=null_mx' "quarantine logged"
check_match "$(grep T08B "$T/soft.log")" 'action=accept' "temperror accepted on the soft instance"

# clean shutdown (the sanitizer build reports leaks at exit)
for i in strict soft; do
	eval "p=\$PID_$i"
	kill "$p" 2>/dev/null
	wait "$p"; rc=$?
	check_eq "$rc" 0 "instance $i exits 0 on SIGTERM (no leak, no sanitizer report)"
	grep -q 'ERROR: AddressSanitizer\|runtime error:' "$T/$i.err" && fail "sanitizer report from $i" "$(grep -m3 -A5 'ERROR\|runtime error' "$T/$i.err")"
done
PIDS=
finish
