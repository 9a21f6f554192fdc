#!/bin/sh
# Authentication-Results (RFC 8601): every field test_authres renders
# (passes, failures, hostile inputs, folding, none) is parsed by Debian's
# python3-authres, an independent parser; any field it rejects, or whose
# methods, results, reasons or properties it reads differently, fails.
# Then the differential test of our parser (core/authres.c, through
# tests/tools/authres_dump) against python3-authres over
# tests/data/authres/corpus.txt, the rendered fields and 3,000 fields
# generated from the RFC 8601 grammar (hostile comments and quoted values,
# CFWS everywhere, fixed seed): the same meaning
# where both read a field, refusal of what is not RFC 8601, and every field
# python3-authres takes for one with our authserv-id claimed for removal.
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

DUMP=$MXR_TOP/$MXR_BUILD/tests/authres_dump
[ -x "$DUMP" ] || { fail "authres_dump built" "$DUMP missing"; finish; }
CORPUS=$MXR_TOP/tests/data/authres/corpus.txt
NR=3000
$PY "$MXR_TOP/tests/tools/authres_diff.py" --random $NR "$DUMP" "$CORPUS" "$D/ar.txt" >"$D/diff.out" 2>&1
rc=$?
check_eq "$rc" 0 "our parser and python3-authres agree on the corpus and the rendered fields"
[ $rc -eq 0 ] || grep -A2 '^bad' "$D/diff.out" | head -30
nc=$(grep -c '^[a-z]*	' "$CORPUS")
check_match "$(tail -1 "$D/diff.out")" "^$((nc + n + NR)) fields, 0 bad$" "differential test: $nc corpus fields, $n rendered ones, $NR generated from the grammar"
check_match "$(grep 'python3-authres read' "$D/diff.out")" "read ([5-9]|[1-9][0-9]+) as carrying mx\.test\.example, all claimed" \
	"every field python3-authres reads as ours (odd white space, deep comments, any case) is claimed for removal"
check_eq "$(grep -c '^ok line' "$D/diff.out")" "$nc" "every corpus line checked"
finish
