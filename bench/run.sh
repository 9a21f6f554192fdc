#!/bin/sh
# bench/run.sh BUILD_DIR: `make bench`.  Runs every bench/*.sh except itself,
# in name order, each as `sh bench/X.sh BUILD_DIR`; shows its output, keeps
# it in BUILD_DIR/bench/X.log, and ends with the summary: every line a
# script printed that starts with "BENCH: " (bench/README.md).  Exit 1 if a
# script failed (exit status not 0), after running the others.
set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
[ -x "$BUILD/mxready" ] || { echo "bench: $BUILD/mxready not built (make all)" >&2; exit 1; }
LOG=$TOP/$BUILD/bench
mkdir -p "$LOG"
SUM=$LOG/summary.txt
: >"$SUM"
failed=""
for f in bench/*.sh; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .sh)
	[ "$name" = run ] && continue
	echo "=================================================================="
	echo "== bench/$name.sh $BUILD    ($(date -u '+%Y-%m-%d %H:%M:%S UTC'))"
	echo "=================================================================="
	rm -f "$LOG/$name.rc"
	{ sh "$f" "$BUILD" 2>&1; echo $? >"$LOG/$name.rc"; } | tee "$LOG/$name.log"
	rc=$(cat "$LOG/$name.rc" 2>/dev/null || echo 1)
	grep '^BENCH: ' "$LOG/$name.log" >>"$SUM"
	if [ "$rc" != 0 ]; then
		failed="$failed $name"
		echo "BENCH: bench/$name.sh FAILED (exit $rc; log $LOG/$name.log)" >>"$SUM"
	fi
done
echo "=================================================================="
echo "== summary ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs; logs in $LOG)"
echo "=================================================================="
cat "$SUM"
if [ -n "$failed" ]; then
	echo "bench: failed:$failed"
	exit 1
fi
echo "bench: all benchmarks ran"
