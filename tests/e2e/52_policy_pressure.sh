#!/bin/sh
# 52_policy_pressure: mxready-policyd keeps serving when a local user fills
# its connection table (issue 14, item 4; docs/logging.md "connection
# pressure").  Against the real daemon on its TCP socket:
#  - 1,100 idle connections are opened (more than the table's 1,024);
#  - real clients still get their answers, each within 3 s, while the idle
#    connections stay open on the attacker's side;
#  - the longest-idle connections made room (the first ones opened are the
#    ones closed), and above 3/4 of the table idle connections are closed
#    after 10 s instead of policy_idle_timeout (600 s here);
#  - the log has exactly one connection_pressure line for the episode and
#    no line per connection; once the table is below half, a new episode
#    logs its own line;
#  - the daemon stops cleanly (no sanitizer report).
. "$(dirname "$0")/../lib.sh"
world_env
PD=$MXR_TOP/$MXR_BUILD/mxready-policyd
PC=$MXR_TOP/$MXR_BUILD/tests/policy_client
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || PY=python3
[ -x "$PD" ] || { fail "no $PD"; finish; }
T=$(mktemp -d /tmp/mxr-pdp.XXXXXX)
PIDS=
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
PORT=${MXR_POLICY_PRESSURE_PORT:-2547}
N=1100

cat >"$T/pd.conf" <<EOC
policy_socket = inet:$PORT@127.0.0.1
user =
authserv_id = mx.test.example
dns_resolver = $MXR_RESOLVER
dns_trust_anchor = $MXR_TA
dns_timeout = 3
log_file = $T/pd.log
log_level = info
policy_idle_timeout = 600
EOC
"$PD" -f -R -c "$T/pd.conf" 2>"$T/pd.err" &
PDPID=$!
PIDS="$PIDS $PDPID"
for _ in $(seq 50); do grep -q "starting on" "$T/pd.log" 2>/dev/null && break; sleep 0.1; done
grep -q "starting on" "$T/pd.log" || { fail "daemon did not start" "$(cat "$T/pd.err")"; finish; }

# one real request; prints "SECONDS REPLY-LINE"
ask() {
	s=$(date +%s.%N)
	r=$("$PC" -w 10 "inet:$PORT@127.0.0.1" "$MXR_TOP/tests/policy/03_iprev_fail.in" 2>&1 | grep '^action=' | head -n 1)
	echo "$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') ${r:-none}"
}
check_match "$(ask)" " action=" "a client is answered before the attack"

# The attacker: N idle connections, opened in order; writes, every 0.5 s,
# "T OPEN CLOSED FIRST_CLOSED_INDEX_MAX" to the status file: how many are
# still open, how many the daemon closed, and the highest index among those
# closed so far (eviction takes the longest-idle, i.e. the first opened).
cat >"$T/idle.py" <<'EOF'
import os, selectors, socket, sys, time
port, n, secs, status = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
sel = selectors.DefaultSelector()
socks, closed, order = {}, [], []
failed = 0
for i in range(n):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        failed += 1
        continue
    s.setblocking(False)
    socks[s.fileno()] = (i, s)
    sel.register(s, selectors.EVENT_READ)
t0 = time.time()
with open(status + ".open", "w") as f:
    f.write("%d %d\n" % (len(socks), failed))
last = 0
while time.time() - t0 < secs:
    for key, _ in sel.select(0.1):
        i, s = socks.pop(key.fd)
        sel.unregister(s)
        try:
            d = s.recv(1)
        except OSError:
            d = b""
        s.close()
        closed.append(i)
    if time.time() - last >= 0.5:
        last = time.time()
        with open(status + ".tmp", "w") as f:
            f.write("%.1f %d %d %d %d\n" % (time.time() - t0, len(socks), len(closed),
                                          max(closed) if closed else -1,
                                          sum(1 for i in closed if i < len(closed) + 30)))
        os.rename(status + ".tmp", status)
for _, s in socks.values():
    s.close()
EOF
"$PY" "$T/idle.py" "$PORT" "$N" 16 "$T/status" &
ATT=$!
PIDS="$PIDS $ATT"
for _ in $(seq 100); do [ -s "$T/status.open" ] && break; sleep 0.1; done
read -r opened failed <"$T/status.open"
check_eq "$opened" "$N" "the attacker opened $N connections"
sleep 1
# real clients while the table is full of idle connections
: >"$T/asks"
for i in 1 2 3 4 5; do ask >>"$T/asks"; sleep 0.3; done
nok=$(grep -c ' action=' "$T/asks")
check_eq "$nok" 5 "5 real clients answered beside $N idle connections"
slow=$(awk '{ if ($1 > m) m = $1 } END { print m + 0 }' "$T/asks")
echo "# slowest real client: $slow s"
if awk -v a="$slow" 'BEGIN { exit !(a < 3) }'; then pass "each answered within 3 s (slowest $slow s)"; else
	fail "each answered within 3 s" "slowest $slow s"; fi
read -r _ open closed maxidx first <"$T/status"
# 1,100 connections for 1,024 slots, then the first real client (the others
# find the slot it left): at least 77 evicted, all among the first opened
# (the longest idle)
need=$((N - 1024 + 1))
if [ "$closed" -ge "$need" ]; then pass "the daemon made room: $closed idle connections closed (>= $need)"; else
	fail "the daemon made room" "$closed closed, want >= $need"; fi
check_eq "$first" "$closed" "the connections closed were the longest idle (the first opened)"
# pressure: idle connections closed after 10 s, not 600 s
sleep 12
read -r _ open closed _ _ <"$T/status"
echo "# 13 s into the attack: $open of $N still open"
if [ "$open" -lt 768 ]; then pass "under pressure idle connections closed after 10 s ($open left)"; else
	fail "under pressure idle connections closed after 10 s" "$open still open"; fi
wait "$ATT"
check_match "$(ask)" " action=" "a client is answered after the attack"
n_ep=$(grep -c 'event=connection_pressure' "$T/pd.log")
check_eq "$n_ep" 1 "one connection_pressure line for the episode"
check_match "$(grep 'event=connection_pressure' "$T/pd.log")" \
	'warning: NOQUEUE: event=connection_pressure connections=[0-9]+ idle=[0-9]+ limit=1024 idle_timeout=10 when_full=evict_longest_idle$' \
	"the episode line's keys"
n_pc=$(grep -c 'connections; closing\|idle for' "$T/pd.log")
check_eq "$n_pc" 0 "no log line per connection"
# a second episode, once the first one is over, logs its own line
sleep 1.5
"$PY" "$T/idle.py" "$PORT" 800 2 "$T/status2"
n_ep=$(grep -c 'event=connection_pressure' "$T/pd.log")
check_eq "$n_ep" 2 "a new episode logs one more line"
kill "$PDPID"
wait "$PDPID"
check_eq "$?" 0 "the daemon stops cleanly"
check_eq "$(grep -c 'runtime error\|AddressSanitizer\|LeakSanitizer' "$T/pd.err")" 0 "no sanitizer report"
finish
