#!/bin/sh
# Authentication-Results (RFC 8601): every field test_authres renders
# (passes, failures, hostile inputs, folding, none) is parsed by Debian's
# python3-authres, an independent parser; any field it rejects, or whose
# methods, results, reasons or properties it reads differently, fails.
. "$(dirname "$0")/../lib.sh"
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
T=$MXR_TOP/$MXR_BUILD/tests/test_authres
[ -x "$T" ] || { fail "test_authres built" "$T missing"; finish; }
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
MXR_AUTHRES_DUMP=$D/ar.txt "$T" >"$D/unit.out" 2>&1
check_eq "$?" 0 "test_authres renders its cases"
n=$(grep -c '^Authentication-Results:' "$D/ar.txt")
[ "$n" -ge 7 ] && pass "test_authres wrote $n fields" || fail "test_authres wrote $n fields" "want at least 7"
$PY "$MXR_TOP/tests/tools/authres_check.py" "$D/ar.txt" >"$D/check.out" 2>&1
rc=$?
check_eq "$rc" 0 "python3-authres parses all $n rendered fields as written"
[ $rc -eq 0 ] || grep -A1 '^bad' "$D/check.out" | head -20
check_match "$(tail -1 "$D/check.out")" "^$n fields, 0 bad$" "python3-authres checked every field"
finish
