#!/bin/sh
# The RFC 7208 test suite (tests/data/spf) through our evaluator and
# our DNS layer (table backend): the pass count must not drop, and every
# case that does not pass must be listed with its reason in docs/spf.md.
# Then libspf2 on the same suite: the measurement behind docs/spf.md.
# Needs no DNS world.
. "$(dirname "$0")/../lib.sh"
YML=${MXR_SPF_SUITE:-$MXR_TOP/tests/data/spf/rfc7208-tests.yml}
B=$MXR_TOP/$MXR_BUILD/tests
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
T=$(mktemp -d /tmp/mxr-spfsuite.XXXXXX)
trap 'rm -rf "$T"' EXIT
[ -f "$YML" ] || { fail "RFC 7208 suite not found ($YML)"; finish; }

$PY "$MXR_TOP/tests/tools/spf_suite_conv.py" "$YML" >"$T/suite.txt"
check_eq "$?" 0 "suite converted to table DNS"
check_eq "$(grep -c '^@case' "$T/suite.txt")" 203 "all 203 cases converted"

"$B/spf_suite" "$T/suite.txt" >"$T/ours" 2>&1
check_eq "$?" 0 "spf_suite ran"
line=$(grep '^spf suite: ' "$T/ours")
echo "$line"
n=$(echo "$line" | sed -n 's|^spf suite: \([0-9]*\)/\([0-9]*\) passed$|\1|p')
m=$(echo "$line" | sed -n 's|^spf suite: \([0-9]*\)/\([0-9]*\) passed$|\2|p')
check_eq "$m" 203 "every case evaluated"
# 201 when the table backend decodes \DDD (control characters in TXT), else
# 197: the four cases with control characters cannot be served (docs/spf.md).
floor=201
grep -q 'does not decode' "$T/ours" && floor=197
check_eq "$([ "${n:-0}" -ge $floor ] && echo yes)" yes "suite pass count $n >= $floor"
for c in $(sed -n 's|^FAILED: [^/]*/\([^:]*\):.*|\1|p' "$T/ours"); do
	check_match "$(grep -F -- "\`$c\`" "$MXR_TOP/docs/spf.md" | head -1)" . "failing case $c documented in docs/spf.md"
done

# libspf2 (Debian 1.2.10): no crash on the suite, and still below the 98 %
# that issue 3 asks of an engine (the reason for the in-house evaluator).
"$B/spf_libspf2_suite" "$T/suite.txt" >"$T/lib" 2>&1
check_eq "$?" 0 "spf_libspf2_suite ran"
l=$(grep '^libspf2 suite: ' "$T/lib")
echo "$l"
mapped=$(echo "$l" | sed -n 's|.* \([0-9]*\)/203 with INVALID mapped.*|\1|p')
check_eq "$([ -n "$mapped" ] && [ "$mapped" -lt 199 ] && echo below)" below "libspf2 below 98 % of the suite ($mapped/203)"
# CVE-2023-42118 (macro compiler stack overflow) is not patched in
# Debian's libspf2: a 5.5 KB record crashes it through a full evaluation.
# Our evaluator's answer to the same record is in tests/unit/test_spf.c.
printf 'v=spf1 a:%s%s.com -all' "$(printf '%%{d}%.0s' $(seq 127))" \
    "$(head -c 5000 /dev/zero | tr '\0' A)" >"$T/cve.txt"
ASAN_OPTIONS=detect_leaks=0:exitcode=99 "$B/spf_libspf2_fuzz" "$T/cve.txt" >"$T/cve.out" 2>&1
rc=$?
check_eq "$([ $rc -ne 0 ] && echo crashed)" crashed "libspf2 crashes on the CVE-2023-42118 record (exit $rc)"
finish
