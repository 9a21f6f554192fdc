#!/bin/sh
# bench/probe.sh BUILD_DIR: the speed of the active probe (docs/probe.md).
# The servers and DNS world of tests/e2e/70_probe.sh (tests/probe/servers.sh,
# a network namespace of its own); the domain bench.probe.xtest has 2 MX x
# (A + AAAA) on Postfix listeners (TLS 1.2+, EC P-256).  Measured, each as
# the median of RUNS whole-process runs (wall clock from `date`):
#  - the probe of the 2x2 domain against the slowest single-address probe
#    (one1..one4.bench: each address of it alone): network phases
#    (probe.seconds), target <= 1.3 (they run in parallel);
#  - the whole `mxready check --probe` of the 2x2 domain against
#    `posttls-finger -l may` visiting the same 4 addresses one after
#    another, target <= 0.5;
#  - SMTP sessions (= TLS handshakes) per address.
# Twice: on the loopback (CPU-bound: TLS and process start on this machine)
# and at a distance, through bench/delayproxy_tcp.py (every chunk held
# MXR_BENCH_PROBE_DELAY_MS, default 10, each way: netem is not available
# everywhere).
set -u
BUILD=${1:-build}
MXR_TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$MXR_TOP"
MXR=$MXR_TOP/$BUILD/mxready
RUNS=${MXR_BENCH_RUNS:-7}
[ -x "$MXR" ] || { echo "bench/probe: no $MXR" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "BENCH: probe: skipped (needs root for the namespace)"; exit 0; }
. "$MXR_TOP/tests/probe/servers.sh"
T=$(mktemp -d /tmp/mxr-bprobe.XXXXXX)
trap 'pb_teardown; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
pb_setup "$T" || { echo "bench/probe: servers did not start" >&2; exit 1; }

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
probe() {   # probe DOMAIN OUT.json: whole-process seconds on stdout
	t0=$(now)
	pbx "$MXR" check --json --resolver "$PB_RESOLVER" --trust-anchor "$PB_TA" --probe \
		--probe-helo bench.test --probe-timeout 30 "$1" >"$2" 2>/dev/null
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}
# measure LABEL DOMAIN ONEPREFIX ADDR...: the three figures for one set-up.
measure() {
	label=$1 dom=$2 one=$3; shift 3
	for d in "$dom" "${one}1.$dom" "${one}2.$dom" "${one}3.$dom" "${one}4.$dom"; do
		probe "$d.probe.xtest" "$T/warm.json" >/dev/null     # warm the resolver's cache
	done
	n=$(jq '[.probe.addresses[] | select(.starttls == "ok")] | length' "$T/warm.json" 2>/dev/null)
	[ "$n" = 1 ] || { echo "bench/probe: $label: the single-address probe did not get TLS" >&2; return 1; }
	: >"$T/whole"; : >"$T/net"; : >"$T/single"; : >"$T/ptf"
	for i in $(seq "$RUNS"); do
		probe "$dom.probe.xtest" "$T/b.json" >>"$T/whole"
		jq -r .probe.seconds "$T/b.json" >>"$T/net"
		ok=$(jq '[.probe.addresses[] | select(.starttls == "ok" and .postmaster.class == "accepted")] | length' "$T/b.json")
		[ "$ok" = 4 ] || { echo "bench/probe: $label run $i: $ok of 4 addresses fully probed" >&2; return 1; }
		worst=0
		for k in 1 2 3 4; do
			probe "${one}$k.$dom.probe.xtest" "$T/s.json" >/dev/null
			s=$(jq -r .probe.seconds "$T/s.json")
			worst=$(awk -v a="$worst" -v b="$s" 'BEGIN { print (b > a) ? b : a }')
		done
		echo "$worst" >>"$T/single"
		t0=$(now)
		for a in "$@"; do
			pbx env MAIL_CONFIG="$PB_PF/etc" posttls-finger -c -l may "[$a]:25" >"$T/ptf.out" 2>&1
			grep -q "TLS connection established" "$T/ptf.out" || { echo "bench/probe: posttls-finger got no TLS from $a" >&2; return 1; }
		done
		t1=$(now)
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }' >>"$T/ptf"
	done
	W=$(median <"$T/whole"); N=$(median <"$T/net"); S=$(median <"$T/single"); P=$(median <"$T/ptf")
	sess=$(jq -r '[.probe.addresses[].sessions] | map(tostring) | join(",")' "$T/b.json")
	echo "$label: runs: $RUNS; whole: $(tr '\n' ' ' <"$T/whole"); network: $(tr '\n' ' ' <"$T/net")"
	echo "$label: slowest single address: $(tr '\n' ' ' <"$T/single"); posttls-finger x4: $(tr '\n' ' ' <"$T/ptf")"
	r1=$(awk -v a="$N" -v b="$S" 'BEGIN { printf "%.2f", a / b }')
	r2=$(awk -v a="$W" -v b="$P" 'BEGIN { printf "%.2f", a / b }')
	m1=$(awk -v r="$r1" 'BEGIN { print (r <= 1.3) ? "met" : "NOT met" }')
	m2=$(awk -v r="$r2" 'BEGIN { print (r <= 0.5) ? "met" : "NOT met" }')
	printf 'BENCH: probe %s 2 MX x (A+AAAA): network phase median %.3f s vs slowest single-address probe %.3f s, ratio %s (target <= 1.3: %s; %s runs, %s CPUs)\n' \
		"$label" "$N" "$S" "$r1" "$m1" "$RUNS" "$(nproc)"
	printf 'BENCH: probe %s 2 MX x (A+AAAA): whole mxready check --probe median %.3f s vs posttls-finger -l may on the 4 addresses one after another %.3f s, ratio %s (target <= 0.5: %s; sessions per address %s, posttls-finger 1)\n' \
		"$label" "$W" "$P" "$r2" "$m2" "$sess"
}
measure loopback bench one 5.0.2.190 2001:67c:1a0::190 5.0.2.191 2001:67c:1a0::191 || exit 1
# At a distance: the same servers behind a proxy that delays every chunk.
DMS=${MXR_BENCH_PROBE_DELAY_MS:-10}
pbx python3 "$MXR_TOP/bench/delayproxy_tcp.py" "$DMS" \
	5.0.2.192:25=5.0.2.190:25 "[2001:67c:1a0::192]:25=[2001:67c:1a0::190]:25" \
	5.0.2.193:25=5.0.2.191:25 "[2001:67c:1a0::193]:25=[2001:67c:1a0::191]:25" >"$T/proxy.log" 2>&1 &
PB_PIDS="$PB_PIDS $!"
for a in 5.0.2.192 2001:67c:1a0::192 5.0.2.193 2001:67c:1a0::193; do
	pb_wait_port "$a" || { echo "bench/probe: the delay proxy does not listen on $a" >&2; exit 1; }
done
measure "rtt-$((2 * DMS))ms" benchd oned 5.0.2.192 2001:67c:1a0::192 5.0.2.193 2001:67c:1a0::193 || exit 1
echo "BENCH: probe handshakes per address: 3 (session 1 grades the server's choice; 2 and 3 are one refusal test each); testssl.sh not installed, its count not measured"
