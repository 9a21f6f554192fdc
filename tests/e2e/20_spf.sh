#!/bin/sh
# SPF (RFC 7208) through the DNS test world: every result for MAIL FROM and
# for HELO (tests/tools/spf_world_cases.txt), the limits, macros, ptr, exp=,
# a dead zone within the deadline, both scopes on one run; then the same
# cases through python3-spf (differential; disagreements in docs/spf.md).
. "$(dirname "$0")/../lib.sh"
world_env
SC=$MXR_TOP/$MXR_BUILD/tests/spf_check
CASES=$MXR_TOP/tests/tools/spf_world_cases.txt
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
[ -x "$SC" ] || { fail "spf_check not built ($SC)"; finish; }
T=$(mktemp -d /tmp/mxr-spf.XXXXXX)
trap 'rm -rf "$T"' EXIT

spf() {   # spf SCOPE IP HELO FROM [TIMEOUT]: JSON in $T/out.json
	"$SC" --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout "${5:-3}" \
	    --scope "$1" --client-ip "$2" --helo "$3" --mail-from "$4" >"$T/out.json" 2>"$T/err"
	RC=$?
}
field() { check_jq "$T/out.json" "$1" "$2" "$3"; }

# --- every scenario: the RFC 7208 result
n=0
while IFS='|' read -r scope ip helo from want what; do
	case $scope in ''|'#'*) continue ;; esac
	spf "$scope" "$ip" "$helo" "$from"
	check_eq "$RC $(jq -r .result "$T/out.json" 2>/dev/null)" "0 $want" "$scope $ip helo=$helo from=${from:-<>}: $what"
	n=$((n+1))
done <"$CASES"
check_eq "$([ "$n" -ge 40 ] && echo yes)" yes "at least 40 world scenarios ran ($n)"

# --- details of some verdicts
spf mailfrom 5.0.2.11 mx1.good.xtest a@good.xtest
field .mechanism mx "good.xtest: matching term"
field .identity a@good.xtest "good.xtest: identity"
field .scope mailfrom "good.xtest: scope"
spf mailfrom 5.0.2.5 x.good.xtest a@spf-ten.xtest
field .lookups 10 "spf-ten: 10 DNS-querying terms counted"
spf mailfrom 5.0.2.5 x.good.xtest a@spf-toomany.xtest
field .lookups 11 "spf-toomany: stopped at the 11th term"
check_match "$(jq -r .reason "$T/out.json")" "more than 10" "spf-toomany: reason names the limit"
spf mailfrom 5.0.2.5 x.good.xtest a@spf-void2.xtest
field .void_lookups 2 "spf-void2: 2 void lookups"
spf mailfrom 5.0.2.5 x.good.xtest a@spf-void3.xtest
field .void_lookups 3 "spf-void3: stopped at the 3rd void lookup"
spf mailfrom 5.0.2.99 x.good.xtest a@spf-exp.xtest
field .explanation "5.0.2.99 is not a mail server of spf-exp.xtest (sender a@spf-exp.xtest)" "spf-exp: explanation expanded"
spf mailfrom 5.0.2.99 x.good.xtest a@spf-soft.xtest
field .explanation "" "no exp=: no explanation"
spf mailfrom 5.0.2.70 mail.spf-helo.xtest ""
field .identity postmaster@mail.spf-helo.xtest "null sender: identity postmaster@HELO"
field .domain mail.spf-helo.xtest "null sender: the HELO name is checked"
spf helo 5.0.2.70 mail.spf-helo.xtest a@good.xtest
field .scope helo "HELO scope reported"
field .domain mail.spf-helo.xtest "HELO scope: domain"

# --- a dead zone is a temperror within the deadline, and SPF of both
# scopes runs on one run: the dead HELO does not hold up MAIL FROM
spf mailfrom 5.0.2.99 x.good.xtest a@spf-dead.xtest 2
field .result temperror "dead zone: temperror"
check_eq "$(jq -r '.seconds < 3.5' "$T/out.json")" true "dead zone: answered within the 2 s deadline ($(jq -r .seconds "$T/out.json") s)"
spf both 5.0.2.11 spf-dead.xtest a@good.xtest 2
field .mailfrom.result pass "one run: MAIL FROM pass"
field .helo.result temperror "one run: HELO temperror"
check_eq "$(jq -r '.seconds < 3.5' "$T/out.json")" true "one run: both within the deadline"

# --- differential against python3-spf
if $PY -c 'import spf, dns.resolver' 2>/dev/null; then
	$PY "$MXR_TOP/tests/tools/spf_pydiff.py" "$CASES" "$MXR_RESOLVER" "$SC" "$MXR_TA" >"$T/diff" 2>&1
	last=$(tail -1 "$T/diff")
	check_match "$last" '^pyspf differential: [0-9]+ agree' "pyspf differential ran ($last)"
	# The one documented disagreement (docs/spf.md): pyspf looks the HELO
	# address literal up, the world's resolver answers SERVFAIL.
	grep '^DISAGREE' "$T/diff" | grep -v 'helo=\[5.0.2.70\] ' >"$T/undoc"
	check_eq "$(cat "$T/undoc")" "" "no disagreement with pyspf beyond the documented one"
	check_eq "$(grep -c '^agree' "$T/diff")" "$((n-1))" "pyspf agrees on all other scenarios"
else
	fail "python3-spf (module spf) not installed"
fi
finish
