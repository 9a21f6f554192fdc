#!/bin/sh
# 13_dns_recovery: a long-running mxready-policyd (one libunbound context for
# its whole life) answers again soon after its DNS comes back, and an
# attacker's slow names do not take DNS away from everybody else
# (issue 14, item 1; docs/dns.md).
#  Forwarder mode (dns_resolver = a relay to the world's unbound,
#  tests/tools/dnsflaky.py):
#   - the forwarder silent 5 s, then 20 s, under load (fresh names asked all
#     along): lookups fail meanwhile (asserted, so the outage is real), and
#     answer again within 15 s of the forwarder's return;
#   - five concurrent lookups of names the forwarder delays by 2 s, again and
#     again for 10 s: lookups of unrelated names keep being answered.
#  Full recursion (no dns_resolver), in a network namespace where nsd serves
#  a root zone on the root servers' addresses and every world zone on
#  ns1/ns2.xtest's: nsd stopped (SIGSTOP: silent) 5 s, then 20 s, under
#  load -> answers again within 15 s.
# Every lookup asks a name nobody asked before (a fresh label under the
# unsigned insecure.xtest, so neither libunbound's cache nor aggressive NSEC
# can answer it) and mxready's own answer cache is off: each probe reaches
# the network.  A probe is "answered" when the reply is not a DEFER (the
# temperror action), and its verdict line has no temperror.
# Needs root for the namespace part (skipped with a SKIP line otherwise).
. "$(dirname "$0")/../lib.sh"
world_env
PD=$MXR_TOP/$MXR_BUILD/mxready-policyd
PC=$MXR_TOP/$MXR_BUILD/tests/policy_client
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || PY=python3
[ -x "$PD" ] || { fail "no $PD"; finish; }
[ -x "$PC" ] || { fail "no $PC"; finish; }
T=$(mktemp -d /tmp/mxr-dnsrec.XXXXXX)
NS=mxr-dnsrec-$$
PIDS=
STOPPED=
cleanup() {
	for p in $STOPPED; do kill -CONT "$p" 2>/dev/null; done
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	if ip netns list 2>/dev/null | grep -q "^$NS\b"; then
		for p in $(ip netns pids "$NS" 2>/dev/null); do kill "$p" 2>/dev/null; done
		sleep 0.2
		for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$NS" 2>/dev/null
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
RECOVER_MAX=15      # seconds from the server's return to the first answer
WAIT_MAX=25         # how long a probe loop waits before it gives up
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---- the probe: one fresh instance, one fresh sender domain ----
# probe SOCKET TAG -> prints "ok" or "defer" (or "none": no reply)
probe() {
	f=$T/req.$2
	cat >"$f" <<EOR
request=smtpd_access_policy
protocol_state=RCPT
protocol_name=ESMTP
client_address=5.0.2.11
client_name=unknown
reverse_client_name=unknown
helo_name=mx1.good.xtest
sender=a@$2.insecure.xtest
recipient=rcpt@example.net
instance=$2

EOR
	out=$("$PC" -w 20 "unix:$1" "$f" 2>/dev/null | grep '^action=' | head -n 1)
	rm -f "$f"
	case $out in
	action=DEFER*) echo defer ;;
	action=*) echo ok ;;
	*) echo none ;;
	esac
}
# verdict line of instance TAG in LOG has no temperror
verdict_clean() { grep "instance=$2 " "$1" | grep -q . && ! grep "instance=$2 " "$1" | grep -q temperror; }

# load SOCKET PREFIX SECONDS: fresh probes, four at a time, for SECONDS;
# writes the outcomes to $T/load.PREFIX
load() {
	: >"$T/load.$2"
	end=$(awk -v a="$(now)" -v s="$3" 'BEGIN { printf "%.3f", a + s }')
	i=0
	lp=
	while awk -v e="$end" -v n="$(now)" 'BEGIN { exit !(n < e) }'; do
		for k in 1 2 3 4; do
			(probe "$1" "$2$i$k" >>"$T/load.$2") &
			lp="$lp $!"
		done
		i=$((i + 1))
		sleep 0.5
	done
	wait $lp   # not a bare wait: the daemons are background jobs too
}

# recovery SOCKET PREFIX: probes every 0.5 s until one is answered; prints
# the seconds it took (or "never").
recovery() {
	t0=$(now)
	i=0
	while :; do
		r=$(probe "$1" "$2$i")
		if [ "$r" = ok ]; then elapsed "$t0"; return; fi
		if [ "$(awk -v a="$t0" -v b="$(now)" -v m="$WAIT_MAX" 'BEGIN { print (b - a > m) }')" = 1 ]; then
			echo never
			return
		fi
		i=$((i + 1))
		sleep 0.5
	done
}
within() { [ "$1" != never ] && awk -v a="$1" -v m="$2" 'BEGIN { exit !(a <= m) }'; }

# start_pd NAME [COMMAND PREFIX...]: a policyd with $T/NAME.conf on
# $T/NAME.sock, logging to $T/NAME.log
start_pd() {
	n=$1
	shift
	"$@" "$PD" -f -R -c "$T/$n.conf" 2>"$T/$n.err" &
	PIDS="$PIDS $!"
	eval "PD_$n=$!"
	for _ in $(seq 50); do [ -S "$T/$n.sock" ] && return 0; sleep 0.1; done
	return 1
}
pd_conf() {
	cat >"$T/$1.conf" <<EOC
policy_socket = unix:$T/$1.sock
user =
authserv_id = mx.test.example
dns_trust_anchor = $MXR_TA
dns_timeout = 3
dns_cache_size = 0
log_file = $T/$1.log
log_level = info
action_temperror = tempfail
$2
EOC
}

# outage SOCKET NAME SECONDS STOP-CMD START-CMD: the server silent for SECONDS
# while the load runs, then back; asserts that lookups failed meanwhile and
# answered again within RECOVER_MAX seconds.
outage() {
	sock=$1 name=$2 secs=$3
	$4
	load "$sock" "$name" "$secs"
	$5
	rec=$(recovery "$sock" "$name-r")
	nd=$(grep -c defer "$T/load.$name")
	[ "$nd" -gt 0 ] && pass "$name: lookups failed during the outage ($nd DEFER)" ||
		fail "$name: lookups failed during the outage" "no DEFER: the outage was not real"
	echo "# $name: answered again $rec s after the server came back"
	if within "$rec" "$RECOVER_MAX"; then
		pass "$name: answers again within $RECOVER_MAX s ($rec s)"
	else
		fail "$name: answers again within $RECOVER_MAX s" "took $rec s"
	fi
}

# ================= forwarder mode =================
UP_ADDR=${MXR_RESOLVER%@*}
UP_PORT=${MXR_RESOLVER#*@}
"$PY" "$MXR_TOP/tests/tools/dnsflaky.py" --slow slowname=2 "$UP_ADDR" "$UP_PORT" "$T/relay.port" &
PIDS="$PIDS $!"
for _ in $(seq 50); do [ -s "$T/relay.port" ] && break; sleep 0.1; done
read -r FPORT FPID <"$T/relay.port" || { fail "relay did not start"; finish; }
pd_conf fwd "dns_resolver = 127.0.0.1@$FPORT"
start_pd fwd || { fail "policyd (forwarder) did not start" "$(cat "$T/fwd.err")"; finish; }
SF=$T/fwd.sock

r=$(probe "$SF" warm1)
check_eq "$r" ok "forwarder: a fresh name is answered before any outage"
if verdict_clean "$T/fwd.log" warm1; then pass "forwarder: its verdict line has no temperror"; else
	fail "forwarder: its verdict line has no temperror" "$(grep 'instance=warm1 ' "$T/fwd.log")"; fi

outage "$SF" fwd5 5 "kill -USR1 $FPID" "kill -USR2 $FPID"
outage "$SF" fwd20 20 "kill -USR1 $FPID" "kill -USR2 $FPID"

# the slow-name attack: five concurrent lookups of names the forwarder
# delays by 2 s, every 2 s for 10 s; unrelated names probed meanwhile
: >"$T/attack.out"
(
	for w in 1 2 3 4 5; do
		for k in 1 2 3 4 5; do (probe "$SF" "a$w$k.slowname" >/dev/null) & done
		sleep 2
	done
	wait
) &
ATT=$!
sleep 0.5
for i in $(seq 20); do
	s=$(now)
	r=$(probe "$SF" "att$i")
	echo "$r $(elapsed "$s")" >>"$T/attack.out"
	sleep 0.5
done
wait $ATT
nok=$(grep -c '^ok' "$T/attack.out")
check_eq "$nok" 20 "slow-name attack: every unrelated lookup answered (20 probes)"
slowest=$(awk '{ if ($2 > m) m = $2 } END { print m + 0 }' "$T/attack.out")
echo "# slow-name attack: slowest unrelated probe took $slowest s"
if awk -v a="$slowest" 'BEGIN { exit !(a < 2.5) }'; then
	pass "slow-name attack: unrelated lookups not held up (slowest $slowest s)"
else
	fail "slow-name attack: unrelated lookups not held up" "slowest $slowest s"
fi
n_sl=$(grep -c 'slowname' "$T/fwd.log")
[ "$n_sl" -ge 25 ] && pass "slow-name attack: the slow lookups ran ($n_sl verdict lines)" ||
	fail "slow-name attack: the slow lookups ran" "$n_sl verdict lines"
r=$(probe "$SF" after-attack)
check_eq "$r" ok "forwarder: answered after the attack"

kill "$PD_fwd" 2>/dev/null
wait "$PD_fwd" 2>/dev/null
check_eq "$(grep -c 'runtime error\|AddressSanitizer' "$T/fwd.err")" 0 "forwarder: no sanitizer report"

# ================= full recursion, in a namespace =================
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1 || ! ip netns add "$NS" 2>/dev/null; then
	echo "SKIP: $T_NAME: full recursion needs root and ip netns"
	finish
fi
inns() { ip netns exec "$NS" "$@"; }
inns ip link set lo up
# the root servers' addresses libunbound has built in (and b's new one),
# and ns1/ns2.xtest's, all on the namespace's loopback
ROOT4="198.41.0.4 199.9.14.201 170.247.170.2 192.33.4.12 199.7.91.13 192.203.230.10 192.5.5.241
192.112.36.4 198.97.190.53 192.36.148.17 192.58.128.30 193.0.14.129 199.7.83.42 202.12.27.33"
ROOT6="2001:503:ba3e::2:30 2001:500:200::b 2801:1b8:10::b 2001:500:2::c 2001:500:2d::d 2001:500:a8::e
2001:500:2f::f 2001:500:12::d0d 2001:500:1::53 2001:7fe::53 2001:503:c27::2:30 2001:7fd::1
2001:500:9f::42 2001:dc3::35"
NS4="5.0.2.53 5.0.2.54"
NS6="2001:67c:1a0::53 2001:67c:1a0::54"
for a in $ROOT4 $NS4; do inns ip addr add "$a/32" dev lo; done
HAVE6=0
if inns ip -6 addr add 2001:67c:1a0::53/128 dev lo nodad 2>/dev/null; then
	HAVE6=1
	for a in $ROOT6 2001:67c:1a0::54; do inns ip -6 addr add "$a/128" dev lo nodad; done
fi
{
	echo '$ORIGIN .'
	echo '$TTL 300'
	echo '. SOA a.root-servers.net. hostmaster.root-servers.net. 1 3600 600 86400 60'
	echo '. NS a.root-servers.net.'
	echo 'a.root-servers.net. A 198.41.0.4'
	[ $HAVE6 = 1 ] && echo 'a.root-servers.net. AAAA 2001:503:ba3e::2:30'
	echo 'xtest. NS ns1.xtest.'
	echo 'xtest. NS ns2.xtest.'
	echo 'ns1.xtest. A 5.0.2.53'
	echo 'ns2.xtest. A 5.0.2.54'
	[ $HAVE6 = 1 ] && echo 'ns1.xtest. AAAA 2001:67c:1a0::53' && echo 'ns2.xtest. AAAA 2001:67c:1a0::54'
} >"$T/root.zone"
{
	echo "server:"
	for a in $ROOT4 $NS4; do echo "	ip-address: $a@53"; done
	[ $HAVE6 = 1 ] && for a in $ROOT6 $NS6; do echo "	ip-address: $a@53"; done
	cat <<EOF
	port: 53
	do-ip6: $([ $HAVE6 = 1 ] && echo yes || echo no)
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$MXR_WORLD/zones"
	zonelistfile: "$T/nsd.zonelist"
	xfrdfile: "$T/nsd.xfrd"
	xfrdir: "$T"
	cookie-secret-file: "$T/nsd.cookiesecrets"
	pidfile: "$T/nsd.pid"
	logfile: "$T/nsd.log"
	server-count: 1
	reuseport: no
	verbosity: 1
remote-control:
	control-enable: no
zone:
	name: "."
	zonefile: "$T/root.zone"
EOF
	while read -r zone mode _; do
		case $mode in
		dead) ;;
		unsigned) printf 'zone:\n\tname: "%s"\n\tzonefile: "%s.zone"\n' "$zone" "$zone" ;;
		*) printf 'zone:\n\tname: "%s"\n\tzonefile: "%s.zone.signed"\n' "$zone" "$zone" ;;
		esac
	done <"$MXR_WORLD/zones.list"
} >"$T/nsd.conf"
NSD=$(PATH=$PATH:/usr/sbin:/sbin command -v nsd)
inns "$NSD" -c "$T/nsd.conf" >"$T/nsd.out" 2>&1
for _ in $(seq 50); do [ -s "$T/nsd.pid" ] && break; sleep 0.1; done
[ -s "$T/nsd.pid" ] || { fail "nsd in the namespace did not start" "$(cat "$T/nsd.out" "$T/nsd.log" 2>/dev/null | tail -n 5)"; finish; }
for _ in $(seq 50); do
	inns dig +short +time=1 +tries=1 @5.0.2.53 xtest SOA >/dev/null 2>&1 && break
	sleep 0.1
done
pd_conf rec ""
start_pd rec ip netns exec "$NS" || { fail "policyd (full recursion) did not start" "$(cat "$T/rec.err")"; finish; }
SR=$T/rec.sock
r=$(probe "$SR" warm2)
check_eq "$r" ok "full recursion: a fresh name is answered before any outage"
if verdict_clean "$T/rec.log" warm2; then pass "full recursion: its verdict line has no temperror"; else
	fail "full recursion: its verdict line has no temperror" "$(grep 'instance=warm2 ' "$T/rec.log")"; fi
# the namespace's processes are nsd's (it forks) and the daemon's: stop
# every one but the daemon
stop_nsd() {
	STOPPED=$(for p in $(ip netns pids "$NS"); do [ "$p" != "$PD_rec" ] && echo "$p"; done)
	for p in $STOPPED; do kill -STOP "$p"; done
}
cont_nsd() { for p in $STOPPED; do kill -CONT "$p"; done; STOPPED=; }
outage "$SR" rec5 5 stop_nsd cont_nsd
outage "$SR" rec20 20 stop_nsd cont_nsd
kill "$PD_rec" 2>/dev/null
wait "$PD_rec" 2>/dev/null
check_eq "$(grep -c 'runtime error\|AddressSanitizer' "$T/rec.err")" 0 "full recursion: no sanitizer report"
finish
