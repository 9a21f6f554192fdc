# Helpers of the end-to-end scripts of `mxready check` (tests/e2e/1x_*.sh).
# Source after tests/lib.sh and world_env.  POSIX sh.
#
#   expect DOMAIN VERDICT ID=STATUS...   runs the check, asserts a well-formed
#                                        report, the verdict and the exit status
#                                        (VERDICT "-": the exit status matches
#                                        the verdict), each STATUS ("-" = not
#                                        asserted)
#   all_pass_but ID=STATUS...            the nine checks "pass" but those given
#   field JQ-EXPR WANT                   asserts a field of the last report
#   run_check DOMAIN                     just runs it: $J (JSON file), $E
#                                        (stderr file), $RC, $SECS
#   run_raw ARG...                       runs $MXR ARG...: $O, $E, $RC

CHECK_IDS="mx mx_ipv6 ns_ipv6 dnssec mx_dnssec dane spf_record dmarc_record dkim_support"
R_TIMEOUT=5
R_TMP=$(mktemp -d /tmp/mxr-e2e.XXXXXX)
R_N=0
trap 'rm -rf "$R_TMP"' EXIT
[ -x "$MXR" ] || { fail "mxready binary $MXR not built"; finish; }

rc_of() { case $1 in pass|warn) echo 0 ;; fail) echo 1 ;; temperror) echo 75 ;; *) echo "?" ;; esac; }
now() { date +%s.%N; }

run_raw() {
	R_N=$((R_N+1))
	O=$R_TMP/$R_N.out E=$R_TMP/$R_N.err
	"$MXR" "$@" >"$O" 2>"$E" </dev/null
	RC=$?
}

run_check() {
	R_D=$1
	t0=$(now)
	run_raw check --json --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout "$R_TIMEOUT" "$R_D"
	SECS=$(awk "BEGIN { printf \"%.2f\", $(now) - $t0 }")
	J=$O
}

# What is wrong with report $J of domain $R_D ("" = nothing): the domain,
# exactly the nine checks, valid statuses, a summary each, a hint for each
# fail, verdict = worst status (info ignored, temperror outranks fail).
R_WELLFORMED='
def rank: {"pass": 0, "warn": 2, "fail": 3, "temperror": 4}[.];
[ (if .domain != $d then "domain is \(.domain)" else empty end),
  (if ([.checks | keys[]] | sort) != ($ids | split(" ") | sort)
   then "checks are \([.checks | keys[]] | join(","))" else empty end),
  (.checks | to_entries[] | select(.value.status | IN("pass","warn","fail","info","temperror") | not)
   | "\(.key): status \(.value.status)"),
  (.checks | to_entries[] | select((.value.summary // "") == "") | "\(.key): no summary"),
  (.checks | to_entries[] | select(.value.status == "fail" and (.value.hint // "") == "")
   | "\(.key): fail without hint"),
  (([.checks[].status | select(. != "info")] | max_by(rank) // "pass") as $w
   | if .verdict != $w then "verdict \(.verdict) but worst status \($w)" else empty end)
] | join("; ")'

expect() {
	x_d=$1 x_v=$2
	shift 2
	run_check "$x_d"
	if ! jq -e .checks "$J" >/dev/null 2>&1; then
		fail "$x_d: JSON report" "exit $RC: $(head -c 300 "$E")"
	else
		check_eq "$(jq -r --arg d "$x_d" --arg ids "$CHECK_IDS" "$R_WELLFORMED" "$J" 2>&1)" "" "$x_d: well-formed report"
	fi
	if [ "$x_v" != - ]; then
		check_jq "$J" .verdict "$x_v" "$x_d: verdict"
		check_eq "$RC" "$(rc_of "$x_v")" "$x_d: exit status"
	else
		check_eq "$RC" "$(rc_of "$(jq -r .verdict "$J" 2>/dev/null)")" "$x_d: exit status matches the verdict"
	fi
	for kv in "$@"; do
		[ "${kv#*=}" = - ] && continue
		check_jq "$J" ".checks.${kv%%=*}.status" "${kv#*=}" "$x_d: ${kv%%=*}"
	done
}

all_pass_but() {
	out=""
	for id in $CHECK_IDS; do
		st=pass
		for kv in "$@"; do [ "${kv%%=*}" = "$id" ] && st=${kv#*=}; done
		out="$out $id=$st"
	done
	echo $out
}

field() { check_jq "$J" "$1" "$2" "$R_D: $1"; }
