#!/bin/sh
# Runs every test: unit tests, the test world's end-to-end scripts, each
# libFuzzer target briefly.  Ends with "N passed, N failed".
# Usage: tests/run.sh BUILD_DIR   (build-san for make check)
set -u
BUILD=${1:-build-san}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
LOG=${MXR_TESTLOG:-$TOP/$BUILD/test.log}
mkdir -p "$(dirname "$LOG")"; : >"$LOG"
export MXR_BUILD=$BUILD MXR_TOP=$TOP
export ASAN_OPTIONS=detect_leaks=1:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98
# A short run of every target in make check (18 targets: about 1.5 min);
# long runs: make fuzz-long (FUZZ_SECONDS=300 by default there).
FUZZ_SECONDS=${FUZZ_SECONDS:-5}
scripts_failed=0

run() {   # run NAME CMD...: output to the log and the terminal, with its time
	echo "== $1" | tee -a "$LOG"
	shift
	t0=$(date +%s)
	"$@" >>"$LOG.cur" 2>&1
	rc=$?
	echo "time: $name: $(( $(date +%s) - t0 )) s" >>"$LOG.cur"
	cat "$LOG.cur" >>"$LOG"
	grep -E '^(PASS|FAIL|SKIP): ' "$LOG.cur"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL: ' "$LOG.cur"; then
		echo "FAIL: $name: exited $rc" | tee -a "$LOG"
		tail -n 30 "$LOG.cur"
	elif [ $rc -ne 0 ]; then
		tail -n 15 "$LOG.cur" | grep -v '^PASS: '
	fi
	[ $rc -ne 0 ] && scripts_failed=$((scripts_failed+1))
	rm -f "$LOG.cur"
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t"); run "$name" "$t"
done

# The DNS test world is shared by the end-to-end scripts.
if [ -x tests/world/start.sh ]; then
	MXR_WORLD=$(mktemp -d /tmp/mxr-world.XXXXXX)
	export MXR_WORLD
	if ! tests/world/start.sh "$MXR_WORLD" >>"$LOG" 2>&1; then
		echo "FAIL: world: the DNS test world did not start (see $LOG)" | tee -a "$LOG"
		scripts_failed=$((scripts_failed+1))
	fi
fi
for t in tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh); run "$name" sh "$t"
done
[ -n "${MXR_WORLD:-}" ] && tests/world/stop.sh "$MXR_WORLD" >>"$LOG" 2>&1

for f in build-fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	corpus="tests/fuzz/corpus/${name#fuzz_}"
	work=$(mktemp -d); [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null
	if "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 "$work" >"$LOG.fz" 2>&1; then
		echo "PASS: fuzz: $name ($(grep -Eo 'Done [0-9]+ runs' "$LOG.fz" | head -1))" | tee -a "$LOG"
	else
		echo "FAIL: fuzz: $name crashed (see $LOG)" | tee -a "$LOG"
		tail -n 40 "$LOG.fz"
		scripts_failed=$((scripts_failed+1))
	fi
	cat "$LOG.fz" >>"$LOG"; rm -f "$LOG.fz"; rm -rf "$work"
done

p=$(grep -c '^PASS: ' "$LOG"); f=$(grep -c '^FAIL: ' "$LOG")
echo "log: $LOG (per-script times: grep ^time: in it)"
echo "$p passed, $f failed"
[ "$f" -eq 0 ] && [ "$scripts_failed" -eq 0 ] && [ "$p" -gt 0 ]
