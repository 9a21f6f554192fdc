#!/bin/sh
# bench/stats.sh BUILD_DIR: `mxready stats` (issue 11) against pflogsumm
# (Debian package) on the same generated log (bench/genlog_stats.py: a
# Postfix server with mxready-milter, MXR_BENCH_STATS_LINES lines, default
# 5000000).  Whole-process timings: lines per second of each, the ratio
# (target >= 20), and mxready's peak resident memory (target < 64 MB).  If
# pflogsumm would take longer than MXR_BENCH_STATS_PEER_MAX seconds (600),
# it is measured on the first MXR_BENCH_STATS_PEER_LINES (1000000) lines
# only, and the summary says so.  A missed target is reported, and fatal
# only with MXR_BENCH_STRICT=1.
set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
MXR=$TOP/$BUILD/mxready
LINES=${MXR_BENCH_STATS_LINES:-5000000}
PEER_LINES=${MXR_BENCH_STATS_PEER_LINES:-1000000}
PEER_MAX=${MXR_BENCH_STATS_PEER_MAX:-600}
[ -x "$MXR" ] || { echo "bench/stats: $MXR not built" >&2; exit 1; }
command -v pflogsumm >/dev/null 2>&1 || { echo "bench/stats: pflogsumm not installed (bench/packages.txt)" >&2; exit 1; }
T=$(mktemp -d /tmp/mxr-bstats.XXXXXX)
trap 'rm -rf "$T"' EXIT
# run CMD...: "SECONDS MAXRSS_KB" of the whole process (wall clock)
run() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
dt = time.monotonic() - t
print("%.3f %d %d" % (dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc))
PY
}
echo "generating $LINES lines ..."
python3 bench/genlog_stats.py "$LINES" "$T/mail.log" || exit 1
n=$(wc -l <"$T/mail.log")
echo "log: $n lines, $(du -m "$T/mail.log" | cut -f1) MB"
cat "$T/mail.log" >/dev/null        # both programs read from the page cache
set -- $(run "$MXR" stats "$T/mail.log"); ms=$1; mrss=$2; mrc=$3
[ "$mrc" = 0 ] || { echo "bench/stats: mxready stats exited $mrc" >&2; exit 1; }
set -- $(run "$MXR" stats --json "$T/mail.log"); js=$1
"$MXR" stats --json "$T/mail.log" >"$T/out.json"
echo "mxready stats: $ms s, $(python3 -c "print(round($n / $ms))") lines/s, max RSS $mrss kB; --json $js s"
python3 -c "import json; d = json.load(open('$T/out.json')); print('  milter lines', d['milter']['lines'], 'foreign', d['input']['foreign_lines'], 'sender domains', d['milter']['sender_domains']['count'])"
# pflogsumm on the whole file, unless it would take too long
head -n 200000 "$T/mail.log" >"$T/probe.log"
set -- $(run pflogsumm "$T/probe.log"); pprobe=$1
est=$(python3 -c "print(int($pprobe * $n / 200000))")
if [ "$est" -le "$PEER_MAX" ]; then
	plog=$T/mail.log; pn=$n; note="same file"
else
	head -n "$PEER_LINES" "$T/mail.log" >"$T/peer.log"; plog=$T/peer.log; pn=$PEER_LINES
	note="pflogsumm on the first $PEER_LINES lines (whole file estimated at $est s)"
fi
set -- $(run pflogsumm "$plog"); ps=$1; prss=$2
echo "pflogsumm: $ps s on $pn lines, $(python3 -c "print(round($pn / $ps))") lines/s, max RSS $prss kB"
ratio=$(python3 -c "print('%.1f' % (($n / $ms) / ($pn / $ps)))")
rssmb=$(python3 -c "print('%.1f' % ($mrss / 1024))")
ok1=$(python3 -c "print('met' if $ratio >= 20 else 'MISSED')")
ok2=$(python3 -c "print('met' if $mrss < 65536 else 'MISSED')")
echo "BENCH: stats $n-line log: mxready stats $(python3 -c "print(round($n / $ms))") lines/s, pflogsumm $(python3 -c "print(round($pn / $ps))") lines/s ($note), ratio $ratio (target >= 20: $ok1)"
echo "BENCH: stats $n-line log: mxready stats max RSS $rssmb MB (target < 64 MB: $ok2)"
if [ "${MXR_BENCH_STRICT:-0}" = 1 ] && { [ "$ok1" != met ] || [ "$ok2" != met ]; }; then exit 1; fi
exit 0
