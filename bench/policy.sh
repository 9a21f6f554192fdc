#!/bin/sh
# bench/policy.sh BUILD_DIR: mxready-policyd (issue 5) against Debian's
# postfix-policyd-spf-python (policyd-spf) and postfix-policyd-spf-perl on
# the same request stream (tests/tools/policy_bench: CLIENTS persistent
# connections in lockstep like smtpd processes; RCPTS recipients per
# message; a warm-up cycle that fills every cache first).  The peers run
# as spawn(8) would run them (one process per connection) and check SPF
# only; mxready-policyd runs every check (iprev, HELO, SPF x2, readiness),
# once on its socket and once in spawn mode.  Then resident memory of the
# daemon over MXR_BENCH_POLICY_RSS_REQUESTS (1e6) requests whose instances
# churn through more than the cache holds (an evaluation every RCPTS
# requests): growth after the warm-up must stay within 10%.
# Everything runs in a private network and mount namespace: the DNS test
# world's resolver on 127.0.0.1:53 and /etc/resolv.conf pointing at it, so
# the peers (which read resolv.conf) see the same DNS as we do.
# Targets: rps >= 10x the faster peer, p99 < 2 ms, RSS growth <= 10%.
# Knobs: MXR_BENCH_POLICY_CLIENTS (8), _REQUESTS (200000), _PEER_REQUESTS
# (4000), _RSS_REQUESTS (1000000), _INSTANCES (20), _RCPTS (10).
# Summary lines start with "BENCH: ".  A missed target is reported, and
# fatal only with MXR_BENCH_STRICT=1.
set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
PD=$TOP/$BUILD/mxready-policyd
PB=$TOP/$BUILD/tests/policy_bench
CLIENTS=${MXR_BENCH_POLICY_CLIENTS:-8}
REQ=${MXR_BENCH_POLICY_REQUESTS:-200000}
PEER_REQ=${MXR_BENCH_POLICY_PEER_REQUESTS:-4000}
RSS_REQ=${MXR_BENCH_POLICY_RSS_REQUESTS:-1000000}
INST=${MXR_BENCH_POLICY_INSTANCES:-20}
RCPTS=${MXR_BENCH_POLICY_RCPTS:-10}
export PATH=$PATH:/usr/sbin:/sbin

die() { echo "policy: ERROR: $*" >&2; exit 1; }
[ -x "$PD" ] || die "$PD not built (make all)"
[ -x "$PB" ] || die "$PB not built (make all)"
[ "$(id -u)" = 0 ] || die "needs root (network and mount namespace)"
command -v unshare >/dev/null || die "unshare missing (util-linux)"

if [ "${MXR_POLICY_BENCH_INNER:-}" != 1 ]; then
	W=$(mktemp -d /tmp/mxr-pbench.XXXXXX)
	chmod 755 "$W"
	MXR_POLICY_BENCH_INNER=1 MXR_POLICY_BENCH_DIR=$W unshare --mount --net sh "$0" "$BUILD"
	rc=$?
	[ -n "${KEEP:-}" ] || rm -rf "$W"
	exit $rc
fi

# ---- inside the namespaces ----
W=$MXR_POLICY_BENCH_DIR
ip link set lo up || die "cannot bring up lo in the network namespace"
echo "nameserver 127.0.0.1" >"$W/resolv.conf"
mount --bind "$W/resolv.conf" /etc/resolv.conf || die "cannot bind-mount resolv.conf"
PDPID=
cleanup() { [ -n "$PDPID" ] && kill "$PDPID" 2>/dev/null; tests/world/stop.sh "$W/world" >/dev/null 2>&1; }
trap cleanup EXIT INT TERM
mkdir -p "$W/world"
MXR_WORLD_RESOLVER_PORT=53 MXR_WORLD_NSD_PORT=5353 MXR_WORLD_BLACKHOLE_PORT=5399 \
	tests/world/start.sh "$W/world" >"$W/world.log" 2>&1 || die "world did not start ($(tail -n 5 "$W/world.log"))"
. "$W/world/world.env"

cat >"$W/pd.conf" <<EOC
policy_socket = unix:$W/pd.sock
user =
authserv_id = mx.bench.example
dns_resolver = 127.0.0.1@53
dns_trust_anchor = $MXR_TA
dns_timeout = 5
trusted_networks = 192.0.2.0/24
log_file = $W/pd.log
log_level = notice
EOC
chmod 644 "$W/pd.conf"
: >"$W/pd.log"; chmod 666 "$W/pd.log"
"$PD" -f -R -c "$W/pd.conf" 2>"$W/pd.stderr" & PDPID=$!
i=0; while [ ! -S "$W/pd.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
[ -S "$W/pd.sock" ] || die "mxready-policyd did not start ($(cat "$W/pd.stderr"))"

kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }   # parenthesise comparisons: > redirects
# run NAME ARGS...: one policy_bench run, prints and keeps its result line
run() {
	name=$1; shift
	out=$("$PB" -c "$CLIENTS" -i "$INST" -r "$RCPTS" "$@" 2>&1)
	rc=$?
	echo "policy: $name: $out"
	line=$(echo "$out" | head -n 1)
	[ $rc -eq 0 ] || { echo "policy: $name: policy_bench failed (exit $rc)"; line=""; }
	eval "R_$(echo "$name" | tr -c 'a-z0-9\n' '_')=\"\$line\""
}
echo "policy: $(nproc) CPUs, $CLIENTS clients, $INST messages x $RCPTS recipients per client (warm cache)"
run ours_socket -n "$REQ" -P "$PDPID" -s "unix:$W/pd.sock"
run ours_spawn -n "$REQ" -x "$PD -s -c $W/pd.conf -o log_file=$W/spawn.log"
PEERS=""
if command -v policyd-spf >/dev/null; then
	run peer_python -n "$PEER_REQ" -x "policyd-spf"; PEERS="$PEERS python"
else echo "policy: policyd-spf not installed (MXR_BENCH=1 sh scripts/deps.sh)"; fi
if [ -x /usr/sbin/postfix-policyd-spf-perl ]; then
	run peer_perl -n "$PEER_REQ" -x "/usr/sbin/postfix-policyd-spf-perl"; PEERS="$PEERS perl"
else echo "policy: postfix-policyd-spf-perl not installed"; fi

# every request a new message (one recipient each): the checks themselves,
# with DNS answers cached in the resolvers (ours in-process, the peers' in
# the world's unbound); timing starts after a warm-up of 50 messages
NEW=${MXR_BENCH_POLICY_NEW_REQUESTS:-20000}
run ours_new -n "$NEW" -i 1000000 -r 1 -W 50 -P "$PDPID" -s "unix:$W/pd.sock"
command -v policyd-spf >/dev/null && run peer_python_new -n $((NEW / 10)) -i 1000000 -r 1 -W 50 -x "policyd-spf"
[ -x /usr/sbin/postfix-policyd-spf-perl ] && run peer_perl_new -n $((NEW / 10)) -i 1000000 -r 1 -W 50 -x "/usr/sbin/postfix-policyd-spf-perl"

# memory over RSS_REQ requests with churning instances (2000 messages per client)
run ours_rss -n "$RSS_REQ" -i 2000 -P "$PDPID" -s "unix:$W/pd.sock"

ours=$(kv "${R_ours_socket:-}" rps); p99=$(kv "${R_ours_socket:-}" p99_us); p50=$(kv "${R_ours_socket:-}" p50_us)
sp=$(kv "${R_ours_spawn:-}" rps)
py=$(kv "${R_peer_python:-}" rps); pl=$(kv "${R_peer_perl:-}" rps)
growth=$(kv "${R_ours_rss:-}" rss_growth_pct)
best=0; bestname=none
[ -n "$py" ] && [ "$(calc '%d' "($py > $best)")" = 1 ] && { best=$py; bestname=postfix-policyd-spf-python; }
[ -n "$pl" ] && [ "$(calc '%d' "($pl > $best)")" = 1 ] && { best=$pl; bestname=postfix-policyd-spf-perl; }
miss=""
[ -n "$ours" ] || die "no result for mxready-policyd"
echo "BENCH: policy: mxready-policyd socket ${ours} req/s (p50 ${p50} us, p99 ${p99} us), spawn mode ${sp:-?} req/s; all checks, warm cache, $CLIENTS clients"
[ -n "$py" ] && echo "BENCH: policy: postfix-policyd-spf-python ${py} req/s (p50 $(kv "$R_peer_python" p50_us) us, p99 $(kv "$R_peer_python" p99_us) us); SPF only"
[ -n "$pl" ] && echo "BENCH: policy: postfix-policyd-spf-perl ${pl} req/s (p50 $(kv "$R_peer_perl" p50_us) us, p99 $(kv "$R_peer_perl" p99_us) us); SPF only"
if [ "$best" != 0 ]; then
	ratio=$(calc '%.1f' "$ours / $best")
	ok=$(calc '%d' "($ours >= 10 * $best)")
	echo "BENCH: policy: ratio vs the faster peer ($bestname): ${ratio}x (target >= 10x: $([ "$ok" = 1 ] && echo met || echo MISSED))"
	[ "$ok" = 1 ] || miss="$miss ratio"
	[ -n "$py" ] && [ -n "$pl" ] && echo "BENCH: policy: ratios: vs python $(calc '%.1f' "$ours / $py")x, vs perl $(calc '%.1f' "$ours / $pl")x; spawn mode vs python $(calc '%.1f' "${sp:-0} / $py")x"
else
	echo "BENCH: policy: no peer ran: no ratio"; miss="$miss peers"
fi
# CPU time of the server side per request: independent of how many CPUs
# the load generator competes for
oc=$(kv "${R_ours_socket:-}" cpu_us_per_req); pyc=$(kv "${R_peer_python:-}" cpu_us_per_req); plc=$(kv "${R_peer_perl:-}" cpu_us_per_req)
[ -n "$oc" ] && echo "BENCH: policy: server CPU per request (warm cache): mxready-policyd ${oc} us$([ -n "$pyc" ] && echo ", python ${pyc} us ($(calc '%.1f' "$pyc / $oc")x)")$([ -n "$plc" ] && echo ", perl ${plc} us ($(calc '%.1f' "$plc / $oc")x)")"
on=$(kv "${R_ours_new:-}" rps); pyn=$(kv "${R_peer_python_new:-}" rps); pln=$(kv "${R_peer_perl_new:-}" rps)
[ -n "$on" ] && echo "BENCH: policy: a new message every request: mxready-policyd ${on} req/s (p50 $(kv "$R_ours_new" p50_us) us, p99 $(kv "$R_ours_new" p99_us) us, CPU $(kv "$R_ours_new" cpu_us_per_req) us/req; all checks)$([ -n "$pyn" ] && echo ", python ${pyn} req/s ($(calc '%.1f' "$on / $pyn")x)")$([ -n "$pln" ] && echo ", perl ${pln} req/s ($(calc '%.1f' "$on / $pln")x)")"
ok=$(calc '%d' "($p99 < 2000)")
echo "BENCH: policy: p99 ${p99} us (target < 2000 us: $([ "$ok" = 1 ] && echo met || echo MISSED))"
[ "$ok" = 1 ] || miss="$miss p99"
if [ -n "$growth" ]; then
	ok=$(calc '%d' "($growth <= 10)")
	echo "BENCH: policy: RSS over $RSS_REQ requests: $(kv "$R_ours_rss" rss_kb_start) -> max $(kv "$R_ours_rss" rss_kb_max) kB, growth ${growth}% at $(kv "$R_ours_rss" rps) req/s with churning instances (target <= 10%: $([ "$ok" = 1 ] && echo met || echo MISSED))"
	[ "$ok" = 1 ] || miss="$miss rss"
else echo "BENCH: policy: RSS run failed"; miss="$miss rss"; fi
kill "$PDPID"; wait "$PDPID"; PDPID=
[ -n "$miss" ] && [ "${MXR_BENCH_STRICT:-}" = 1 ] && exit 1
exit 0
