#!/bin/sh
# Long fuzzing (make fuzz-long): every libFuzzer target of build-fuzz/ for
# FUZZ_SECONDS (default 300) each, on a copy of its seed corpus; new inputs
# that libFuzzer keeps stay in build-fuzz/corpus-long/NAME for the next run.
# make check runs the same targets for a few seconds only (tests/run.sh).
# Ends with "N passed, N failed"; a crash's reproducer is in build-fuzz/.
set -u
cd "$(dirname "$0")/.." || exit 1
S=${FUZZ_SECONDS:-300}
p=0 f=0
for b in build-fuzz/fuzz_*; do
	[ -x "$b" ] || continue
	name=$(basename "$b")
	keep=build-fuzz/corpus-long/$name
	mkdir -p "$keep"
	seed="tests/fuzz/corpus/${name#fuzz_}"
	[ -d "$seed" ] && cp -r "$seed"/. "$keep"/ 2>/dev/null
	if "$b" -max_total_time="$S" -rss_limit_mb=2048 -timeout=10 \
	    -artifact_prefix=build-fuzz/"$name"- "$keep" >build-fuzz/"$name".long.log 2>&1; then
		echo "PASS: $name ($(grep -Eo 'Done [0-9]+ runs' build-fuzz/"$name".long.log | head -1) in $S s)"
		p=$((p+1))
	else
		echo "FAIL: $name (see build-fuzz/$name.long.log)"
		tail -n 20 build-fuzz/"$name".long.log
		f=$((f+1))
	fi
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
