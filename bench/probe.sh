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
# Loopback only: no artificial delay (netem is not available everywhere),
# so the figures are dominated by CPU (TLS, process start) on this machine.
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
# warm the resolver's cache and the listeners once
for d in bench one1.bench one2.bench one3.bench one4.bench; do
	probe "$d.probe.xtest" "$T/warm.json" >/dev/null
done
n=$(jq '[.probe.addresses[] | select(.starttls == "ok")] | length' "$T/warm.json" 2>/dev/null)
[ "$n" = 1 ] || { echo "bench/probe: the single-address probe did not get TLS" >&2; exit 1; }

: >"$T/whole"; : >"$T/net"; : >"$T/single"; : >"$T/ptf"
for i in $(seq "$RUNS"); do
	probe bench.probe.xtest "$T/b.json" >>"$T/whole"
	jq -r .probe.seconds "$T/b.json" >>"$T/net"
	ok=$(jq '[.probe.addresses[] | select(.starttls == "ok" and .postmaster.class == "accepted")] | length' "$T/b.json")
	[ "$ok" = 4 ] || { echo "bench/probe: run $i: $ok of 4 addresses fully probed" >&2; exit 1; }
	worst=0
	for k in 1 2 3 4; do
		probe "one$k.bench.probe.xtest" "$T/s.json" >/dev/null
		s=$(jq -r .probe.seconds "$T/s.json")
		worst=$(awk -v a="$worst" -v b="$s" 'BEGIN { print (b > a) ? b : a }')
	done
	echo "$worst" >>"$T/single"
	t0=$(now)
	for a in 5.0.2.190 "2001:67c:1a0::190" 5.0.2.191 "2001:67c:1a0::191"; do
		pbx env MAIL_CONFIG="$PB_PF/etc" posttls-finger -c -l may "[$a]:25" >"$T/ptf.out" 2>&1
		grep -q "TLS connection established" "$T/ptf.out" || { echo "bench/probe: posttls-finger got no TLS from $a" >&2; exit 1; }
	done
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }' >>"$T/ptf"
done
W=$(median <"$T/whole"); N=$(median <"$T/net"); S=$(median <"$T/single"); P=$(median <"$T/ptf")
sess=$(jq -r '[.probe.addresses[].sessions] | map(tostring) | join(",")' "$T/b.json")
echo "runs: $RUNS; whole: $(tr '\n' ' ' <"$T/whole"); network: $(tr '\n' ' ' <"$T/net")"
echo "slowest single address: $(tr '\n' ' ' <"$T/single"); posttls-finger x4: $(tr '\n' ' ' <"$T/ptf")"
r1=$(awk -v a="$N" -v b="$S" 'BEGIN { printf "%.2f", a / b }')
r2=$(awk -v a="$W" -v b="$P" 'BEGIN { printf "%.2f", a / b }')
m1=$(awk -v r="$r1" 'BEGIN { print (r <= 1.3) ? "met" : "NOT met" }')
m2=$(awk -v r="$r2" 'BEGIN { print (r <= 0.5) ? "met" : "NOT met" }')
echo "BENCH: probe 2 MX x (A+AAAA): network phase median $N s vs slowest single-address probe $S s, ratio $r1 (target <= 1.3: $m1; $RUNS runs, loopback, $(nproc) CPUs)"
echo "BENCH: probe 2 MX x (A+AAAA): whole mxready check --probe median $W s vs posttls-finger -l may on the 4 addresses one after another $P s, ratio $r2 (target <= 0.5: $m2)"
echo "BENCH: probe sessions (TLS handshakes) per address: $sess (posttls-finger: 1, grading nothing; testssl.sh not measured)"
