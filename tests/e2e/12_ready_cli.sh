#!/bin/sh
# `mxready check` command line: bad arguments (exit 2 with a message), name
# normalisation and limits, the human output, the resolver options.
. "$(dirname "$0")/../lib.sh"
world_env
. "$MXR_TOP/tests/world/ready-lib.sh"

COMMON="--resolver $MXR_RESOLVER --trust-anchor $MXR_TA --timeout 5"
rep() { printf "%${2}s" "" | tr ' ' "$1"; }   # rep CHAR N
L63=$(rep a 63)
N253=$L63.$(rep b 63).$(rep c 63).$(rep d 55).xtest   # 253 octets, under the world's TLD
N254=$L63.$(rep b 63).$(rep c 63).$(rep d 62)     # 254 octets

# --- usage and configuration errors: exit 2, a message on stderr
usage_error() {   # WHAT ARG...
	what=$1; shift
	run_raw "$@"
	check_eq "$RC" 2 "$what: exit 2"
	check_match "$(cat "$E")" '[a-z]' "$what: message on stderr"
}
usage_error "empty name" check --json $COMMON ""
usage_error "64-octet label" check --json $COMMON "$(rep a 64).xtest"
usage_error "254-octet name" check --json $COMMON "$N254"
usage_error "name with a space" check --json $COMMON "good .xtest"
usage_error "name with an empty label" check --json $COMMON "good..xtest"
usage_error "no domain" check --json $COMMON
usage_error "unknown option" check --json --no-such-option $COMMON good.xtest
usage_error "timeout not a number" check --json --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout abc good.xtest
usage_error "resolver not an address" check --json --resolver not-an-address --trust-anchor "$MXR_TA" --timeout 5 good.xtest
usage_error "missing trust anchor file" check --json --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_WORLD/no-such-file" --timeout 5 good.xtest
usage_error "unknown command" no-such-command good.xtest

# --- the limits themselves are fine: 63-octet label, 253-octet name (they do
# not exist: mode none, fail)
for n in "$L63.xtest" "$N253"; do
	run_raw check --json $COMMON "$n"
	check_eq "$RC" 1 "${#n}-octet name with ${#L63}-octet label: accepted, exit 1"
	check_jq "$O" .checks.mx.mode none "${#n}-octet name: mx.mode"
done

# --- the name is normalised: upper case, final dot
run_raw check --json $COMMON GOOD.Xtest.
check_jq "$O" .domain good.xtest "GOOD.Xtest.: reported as good.xtest"
check_jq "$O" .checks.mx.mode explicit "GOOD.Xtest.: checked"

# --- the human output: one line per check with its id and summary, the hint
# of every failing check, the same exit status as --json
for d in good.xtest v6-linklocal.xtest dkim-none.xtest mx-null.xtest; do
	run_check "$d"
	cp "$J" "$R_TMP/h.json"; jrc=$RC
		run_raw check $COMMON "$d"
	check_eq "$RC" "$jrc" "$d: human output, same exit status as --json"
	check_nomatch "$(head -c 1 "$O")" '[{[]' "$d: human output is not JSON"
	for id in $CHECK_IDS; do
		sum=$(jq -r ".checks.$id.summary" "$R_TMP/h.json")
		if grep -F -- "$id" "$O" | grep -qF -- "$sum"; then pass "$d: human line for $id"
		else fail "$d: human line for $id" "no line with '$id' and '$sum'"; fi
		if [ "$(jq -r ".checks.$id.status" "$R_TMP/h.json")" = fail ]; then
			hint=$(jq -r ".checks.$id.hint // empty" "$R_TMP/h.json")
			if [ -n "$hint" ] && grep -qF -- "$hint" "$O"; then pass "$d: human hint for $id"
			else fail "$d: human hint for $id" "hint '$hint' not in the output"; fi
		fi
	done
	check_match "$(cat "$O")" "$(jq -r .verdict "$R_TMP/h.json")" "$d: human output names the verdict"
done
# A clean run writes nothing on stderr.
run_check good.xtest
check_eq "$(cat "$E")" "" "good.xtest: nothing on stderr"

# --- resolver options: IPv6 loopback, repeated --resolver
if [ -n "${MXR_RESOLVER6:-}" ]; then
	run_raw check --json --resolver "$MXR_RESOLVER6" --trust-anchor "$MXR_TA" --timeout 5 v6-partial.xtest
	check_jq "$O" '.checks.mx_ipv6.status + " " + .checks.dnssec.state' "warn secure" "--resolver $MXR_RESOLVER6 (IPv6)"
	run_raw check --json --resolver "$MXR_RESOLVER6" --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout 5 v6-partial.xtest
	check_jq "$O" '.checks.mx_ipv6.status + " " + .checks.dnssec.state' "warn secure" "--resolver twice"
fi
# The trust anchor matters: without the right one, nothing is secure.
printf 'xtest. 3600 IN DS 1 13 2 %s\n' "$(rep 0 64)" >"$R_TMP/wrong-ta.ds"
run_raw check --json --resolver "$MXR_RESOLVER" --trust-anchor "$R_TMP/wrong-ta.ds" --timeout 5 good.xtest
check_jq "$O" .checks.dnssec.state bogus "good.xtest with a wrong trust anchor: bogus"
# bogus is the domain's fault (here: seen so through the wrong anchor), not
# a temporary failure: verdict fail, exit 1, the rest "not tested"
check_jq "$O" .verdict fail "good.xtest with a wrong trust anchor: verdict fail"
check_eq "$RC" 1 "good.xtest with a wrong trust anchor: exit 1"
check_jq "$O" '[.checks[] | select(.status == "temperror")] | length' 0 "wrong trust anchor: no temperror"
# The human report of a bogus domain: dnssec fails with its reason, once;
# each other check says "not tested: DNSSEC bogus" instead of repeating it.
run_raw check $COMMON bogus.xtest
check_eq "$RC" 1 "bogus.xtest, human report: exit 1"
check_match "$(grep -E '^ *\[FAIL\] dnssec ' "$O")" 'DNSSEC bogus: .*bogus\.xtest' "bogus.xtest: [FAIL] dnssec with the reason"
check_eq "$(grep -c 'not tested: DNSSEC bogus' "$O")" 8 "bogus.xtest: the 8 other checks not tested"
check_eq "$(grep -c '\[TEMP\]' "$O")" 0 "bogus.xtest: no [TEMP] line"
check_match "$(grep '^verdict:' "$O")" '^verdict: fail \(0 pass, 0 warn, 1 fail, 0 temperror, 8 info\)' "bogus.xtest: verdict line"
# A host with A but no AAAA record under mx_ipv6: "no IPv6 address", not
# "no address" (it has one, over IPv4).
run_raw check $COMMON v6-none.xtest
check_match "$(sed -n '/mx_ipv6/,/^  \[/p' "$O")" 'no IPv6 address' "v6-none.xtest: mx_ipv6 says no IPv6 address"
check_nomatch "$(sed -n '/mx_ipv6/,/^  \[/p' "$O" | sed 's/no IPv6 address//g')" 'no address' "v6-none.xtest: mx_ipv6 does not say no address"

finish
