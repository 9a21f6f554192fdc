#!/bin/sh
# bench/rstore.sh BUILD_DIR: decisions per second of the responder's state
# store alone (check the four limits + record the reply, as one
# mxready-responder test mail does), 1 and 16 concurrent processes, for the
# LMDB and Redis backends and the former text-file store
# (bench/rstore_text/, the baseline), each pre-loaded with 1e3, 1e5 and 1e6
# entries (a reply and its per-address charge each; the text store refuses
# 100000 entries or more, so it is measured at 1e3 and 99000).  Tools:
# tests/tools/rstore_bench.c, tests/tools/rstore_text_bench.c.  The text
# store rewrites both of its files per decision: at 99000 entries it is
# measured for a bounded number of decisions.  Target: LMDB within 2x
# from 1e3 to 1e6 entries (issue 13).  State under a temporary directory of
# BUILD_DIR's file system; redis-server started here on a unix socket (no
# persistence: the store's own cost, not the disk's), stopped at the end.
set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
TOOL=$TOP/$BUILD/tests/rstore_bench
TEXT=$TOP/$BUILD/tests/rstore_text_bench
SECS=${MXR_RSTORE_SECS:-4}
[ -x "$TOOL" ] && [ -x "$TEXT" ] || { echo "rstore: $TOOL or $TEXT not built (make all)"; exit 1; }
command -v redis-server >/dev/null || { echo "rstore: redis-server missing (scripts/packages.txt)"; exit 1; }
W=$(mktemp -d "$TOP/$BUILD/rstore-bench.XXXXXX")
RPID=""
cleanup() { [ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
redis_start() {
	redis-server --port 0 --unixsocket "$W/redis.sock" --save '' --appendonly no --dir "$W" >"$W/redis.log" 2>&1 &
	RPID=$!
	for _ in $(seq 50); do redis-cli -s "$W/redis.sock" ping 2>/dev/null | grep -q PONG && return 0; sleep 0.1; done
	return 1
}
redis_stop() { kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null; RPID=""; }
rate() { sed -n 's/.*per_second \([0-9.]*\).*/\1/p'; }
fail=0
for n in 1000 100000 1000000; do
	# LMDB
	rm -rf "$W/lmdb"
	t0=$(date +%s)
	"$TOOL" fill lmdb "$W/lmdb" $n || { echo "rstore: LMDB fill failed"; exit 1; }
	echo "lmdb fill $n: $(($(date +%s) - t0)) s, $(du -sk "$W/lmdb" | cut -f1) KiB"
	for p in 1 16; do
		r=$("$TOOL" run lmdb "$W/lmdb" $p "$SECS") || { echo "rstore: LMDB run failed"; fail=1; }
		echo "lmdb $n entries $p procs: $r"
		eval "L_${n}_$p=$(echo "$r" | rate)"
	done
	# Redis
	redis_start || { echo "rstore: redis-server did not start"; exit 1; }
	t0=$(date +%s)
	"$TOOL" fill redis "unix:$W/redis.sock" $n || { echo "rstore: Redis fill failed"; exit 1; }
	echo "redis fill $n: $(($(date +%s) - t0)) s, $(redis-cli -s "$W/redis.sock" info memory | sed -n 's/^used_memory_human:\(.*\)\r$/\1/p')"
	for p in 1 16; do
		r=$("$TOOL" run redis "unix:$W/redis.sock" $p "$SECS") || { echo "rstore: Redis run failed"; fail=1; }
		echo "redis $n entries $p procs: $r"
		eval "R_${n}_$p=$(echo "$r" | rate)"
	done
	redis_stop
	# the text store: every decision rewrites both files (bounded count).
	# It refuses files of 100000 entries or more (RSTORE_MAX_ENTRIES), so
	# "1e5" is 99000 entries and 1e6 cannot be measured at all.
	rm -rf "$W/text"
	tn=$n
	[ $n -ge 100000 ] && tn=99000
	if [ $n -gt 100000 ]; then
		echo "text $n entries: not possible (the text store holds fewer than 100000 entries a file)"
		eval "X_${n}_1=n/a X_${n}_16=n/a"
		continue
	fi
	"$TEXT" fill "$W/text" $tn || { echo "rstore: text fill failed"; exit 1; }
	max=$([ $n -le 1000 ] && echo 100000 || echo 300)
	for p in 1 16; do
		r=$("$TEXT" run "$W/text" $p "$SECS" $max) || { echo "rstore: text run failed"; fail=1; }
		echo "text $tn entries $p procs: $r"
		eval "X_${n}_$p=$(echo "$r" | rate)"
	done
	rm -rf "$W/text" "$W/lmdb"
done
for p in 1 16; do
	eval "echo \"BENCH: rstore $p proc(s): LMDB \${L_1000_$p} / \${L_100000_$p} / \${L_1000000_$p} decisions/s at 1e3 / 1e5 / 1e6 entries; Redis \${R_1000_$p} / \${R_100000_$p} / \${R_1000000_$p}; text store (before issue 13) \${X_1000_$p} / \${X_100000_$p} (99000 entries) / \${X_1000000_$p} (it refuses 1e5 entries and more)\""
done
ratio=$(awk -v a="$L_1000_1" -v b="$L_1000000_1" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }')
ok=$(awk -v r="$ratio" 'BEGIN { print (r != "inf" && r <= 2.0) ? "met" : "MISSED" }')
echo "BENCH: rstore LMDB 1e3 -> 1e6 entries, 1 proc: slowdown ${ratio}x (target <= 2x: $ok)"
exit $fail
