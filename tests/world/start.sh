#!/bin/bash
# Starts the DNS test world in DIR (see tests/world/README.md):
#   nsd      127.0.0.1@15353 (and ::1)  authoritative for every zone of zones/manifest
#   unbound  127.0.0.1@15300 (and ::1)  non-validating recursive resolver: forwards
#            everything to nsd, and dead.xtest to the blackhole
#   blackhole.py 127.0.0.1@15399        reads queries, never answers
# and writes DIR/world.env (MXR_RESOLVER, MXR_TA, pids...).  Everything is
# generated afresh: keys, signed zones, configuration.  Exits non-zero with a
# message if anything does not come up (and stops what it started).
# Ports: MXR_WORLD_RESOLVER_PORT, MXR_WORLD_NSD_PORT, MXR_WORLD_BLACKHOLE_PORT.
set -eu
SRC=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$1"
DIR=$(cd "$1" && pwd)
UB_PORT=${MXR_WORLD_RESOLVER_PORT:-15300}
NSD_PORT=${MXR_WORLD_NSD_PORT:-15353}
BH_PORT=${MXR_WORLD_BLACKHOLE_PORT:-15399}
T0=$(date +%s.%N)

say() { echo "world: $*"; }
started=0
die() {
	echo "world: ERROR: $*" >&2
	for l in nsd.log unbound.log blackhole.log; do
		if [ -s "$DIR/$l" ]; then echo "--- $DIR/$l" >&2; tail -n 20 "$DIR/$l" >&2; fi
	done
	if [ $started = 1 ]; then "$SRC/stop.sh" "$DIR" >&2 || true; fi
	exit 1
}

for t in nsd nsd-checkconf nsd-checkzone unbound unbound-checkconf ldns-keygen \
	ldns-signzone dig python3; do
	command -v $t >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v $t >/dev/null 2>&1 ||
		die "$t not found (install: nsd unbound ldnsutils dnsutils python3)"
done
export PATH=$PATH:/usr/sbin:/sbin
# Debian's python3 (a pyenv shim costs a quarter second a call).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
export PYTHON=$PY

# A world left running in DIR is stopped first; generated files are replaced.
if [ -f "$DIR/world.env" ] || ls "$DIR"/*.pid >/dev/null 2>&1; then "$SRC/stop.sh" "$DIR" || true; fi
rm -rf "$DIR/zones" "$DIR/keys" "$DIR/bin" "$DIR"/*.pid "$DIR"/*.log "$DIR/world.env" "$DIR/world.id" \
	"$DIR/ta.ds" "$DIR/ta.key" "$DIR/zones.list" "$DIR/nsd.conf" "$DIR/unbound.conf"

# IPv6 loopback is optional (some containers have none).
# The ports must be free: a stale world or another program would answer
# instead of ours.  Prints 1 if ::1 is usable.
HAVE6=$($PY - $UB_PORT $NSD_PORT $BH_PORT <<'EOF'
import socket, sys
try:
    socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))
    six = True
except OSError:
    six = False
for port in map(int, sys.argv[1:]):
    for fam, a in [(socket.AF_INET, "127.0.0.1")] + ([(socket.AF_INET6, "::1")] if six else []):
        for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(fam, typ)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((a, port))
            except OSError as e:
                sys.stderr.write("port %s@%d: %s\n" % (a, port, e))
                sys.exit(1)
            s.close()
print(1 if six else 0)
EOF
) || die "a port of the world is in use on the loopback (a world still running? tests/world/stop.sh DIR)"

# Zones: templates + delegations + keys, then the hooks, then signatures.
$PY "$SRC/gen.py" build "$SRC" "$DIR" || die "zone generation failed"
for h in "$SRC"/gen.d/*.sh; do
	[ -f "$h" ] || continue
	if [ -x "$h" ]; then run=("$h"); else run=(sh "$h"); fi
	WORLD=$DIR WORLD_SRC=$SRC ZONES=$DIR/zones "${run[@]}" || die "hook $h failed"
done
$PY "$SRC/gen.py" sign "$DIR" || die "signing failed"
TOKEN=$(cat "$DIR/world.id")

# nsd
{
	cat <<EOF
server:
	ip-address: 127.0.0.1@$NSD_PORT
EOF
	if [ $HAVE6 = 1 ]; then echo "	ip-address: ::1@$NSD_PORT"; fi
	cat <<EOF
	port: $NSD_PORT
	do-ip4: yes
	do-ip6: $([ $HAVE6 = 1 ] && echo yes || echo no)
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$DIR/zones"
	zonelistfile: "$DIR/nsd.zonelist"
	xfrdfile: "$DIR/nsd.xfrd"
	xfrdir: "$DIR"
	cookie-secret-file: "$DIR/nsd.cookiesecrets"
	pidfile: "$DIR/nsd.pid"
	logfile: "$DIR/nsd.log"
	server-count: 1
	reuseport: no
	hide-version: yes
	verbosity: 1
	refuse-any: no
remote-control:
	control-enable: no
EOF
	while read -r zone mode opts; do
		case $mode in
		dead) ;;
		unsigned) printf 'zone:\n\tname: "%s"\n\tzonefile: "%s.zone"\n' "$zone" "$zone" ;;
		*) printf 'zone:\n\tname: "%s"\n\tzonefile: "%s.zone.signed"\n' "$zone" "$zone" ;;
		esac
	done <"$DIR/zones.list"
} >"$DIR/nsd.conf"
nsd-checkconf "$DIR/nsd.conf" || die "nsd.conf is invalid"

# unbound: no validation (mxready validates itself), no chroot, no root
# priming: every query goes to nsd on the loopback, dead zones to the blackhole.
{
	cat <<EOF
server:
	verbosity: 1
	interface: 127.0.0.1@$UB_PORT
EOF
	if [ $HAVE6 = 1 ]; then printf '\tinterface: ::1@%s\n\toutgoing-interface: ::1\n' "$UB_PORT"; fi
	cat <<EOF
	port: $UB_PORT
	interface-automatic: no
	outgoing-interface: 127.0.0.1
	do-ip4: yes
	do-ip6: $([ $HAVE6 = 1 ] && echo yes || echo no)
	do-udp: yes
	do-tcp: yes
	chroot: ""
	username: ""
	directory: "$DIR"
	pidfile: "$DIR/unbound.pid"
	logfile: "$DIR/unbound.log"
	use-syslog: no
	log-servfail: yes
	num-threads: 1
	so-reuseport: no
	module-config: "iterator"
	do-not-query-localhost: no
	qname-minimisation: no
	prefetch: no
	minimal-responses: no
	access-control: 127.0.0.0/8 allow
	access-control: ::1 allow
	auto-trust-anchor-file: ""
	trust-anchor-file: ""
EOF
	# Reverse zones that unbound answers itself by default (RFC 6303 etc.).
	while read -r zone mode opts; do
		case $zone in *.arpa) printf '\tlocal-zone: "%s." nodefault\n' "$zone" ;; esac
	done <"$DIR/zones.list"
	cat <<EOF
remote-control:
	control-enable: no
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@$NSD_PORT
EOF
	while read -r zone mode opts; do
		if [ "$mode" = dead ]; then
			printf 'forward-zone:\n\tname: "%s."\n\tforward-addr: 127.0.0.1@%s\n' "$zone" "$BH_PORT"
		fi
	done <"$DIR/zones.list"
} >"$DIR/unbound.conf"
unbound-checkconf "$DIR/unbound.conf" >/dev/null || die "unbound.conf is invalid"

# dig +short answers QNAME TXT through PORT
probe() { dig @127.0.0.1 -p "$1" +short +time=1 +tries=1 "$2" TXT 2>/dev/null || true; }
wait_token() {   # PORT WHAT PIDFILE: up to 10 s for PORT to answer with our token
	end=$(($(date +%s) + 10))
	while [ "$(date +%s)" -le $end ]; do
		[ "$(probe "$1" world-id.xtest)" = "\"$TOKEN\"" ] && return 0
		if [ -s "$3" ] && ! kill -0 "$(cat "$3")" 2>/dev/null; then die "$2 exited"; fi
		sleep 0.1
	done
	die "$2 does not answer on 127.0.0.1@$1"
}

started=1
nsd -c "$DIR/nsd.conf" </dev/null >>"$DIR/nsd.log" 2>&1 || die "nsd did not start"
wait_token "$NSD_PORT" nsd "$DIR/nsd.pid"
$PY "$SRC/blackhole.py" 127.0.0.1 "$BH_PORT" "$DIR/blackhole.pid" </dev/null >>"$DIR/blackhole.log" 2>&1 &
for _ in $(seq 100); do [ -s "$DIR/blackhole.pid" ] && break; kill -0 $! 2>/dev/null || break; sleep 0.1; done
[ -s "$DIR/blackhole.pid" ] || die "the blackhole did not start"
# A copy of the binary: Debian's AppArmor profile for /usr/sbin/unbound
# would not let it read a configuration outside /etc/unbound.
mkdir -p "$DIR/bin"
cp "$(command -v unbound)" "$DIR/bin/unbound" || die "cannot copy the unbound binary"
"$DIR/bin/unbound" -c "$DIR/unbound.conf" </dev/null >>"$DIR/unbound.log" 2>&1 || die "unbound did not start"
wait_token "$UB_PORT" unbound "$DIR/unbound.pid"

# Every served zone must be loaded: one SOA per zone, through the resolver.
args=()
n=0
while read -r zone mode opts; do
	[ "$mode" = dead ] && continue
	args+=("$zone." SOA); n=$((n+1))
done <"$DIR/zones.list"
got=$(dig @127.0.0.1 -p "$UB_PORT" +short +time=2 +tries=2 "${args[@]}" | grep -c . || true)
[ "$got" -eq "$n" ] || die "only $got of $n zones answer their SOA (see $DIR/nsd.log)"

{
	echo "# written by tests/world/start.sh; source it"
	echo "MXR_WORLD='$DIR'"
	echo "MXR_RESOLVER=127.0.0.1@$UB_PORT"
	if [ $HAVE6 = 1 ]; then echo "MXR_RESOLVER6=::1@$UB_PORT"; else echo "MXR_RESOLVER6="; fi
	echo "MXR_TA='$DIR/ta.ds'"
	echo "MXR_TA_KEY='$DIR/ta.key'"
	echo "MXR_NSD=127.0.0.1@$NSD_PORT"
	echo "MXR_BLACKHOLE=127.0.0.1@$BH_PORT"
	echo "MXR_NSD_PID=$(cat "$DIR/nsd.pid")"
	echo "MXR_UNBOUND_PID=$(cat "$DIR/unbound.pid")"
	echo "MXR_BLACKHOLE_PID=$(cat "$DIR/blackhole.pid")"
	echo "MXR_ZONES_DIR='$DIR/zones'"
	echo "MXR_KEYS_DIR='$DIR/keys'"
	echo "MXR_WORLD_ID=$TOKEN"
	echo "MXR_HAVE_IPV6=$HAVE6"
} >"$DIR/world.env"
say "up in $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $T0 }") s: $n zones, resolver 127.0.0.1@$UB_PORT, trust anchor $DIR/ta.ds"
