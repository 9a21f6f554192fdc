# Sourced by tests/e2e/70_probe.sh and bench/probe.sh: builds, in a network
# namespace of its own, the mail servers of the probe.xtest scenarios (see
# tests/world/zones/probe.xtest.zone) and the DNS test world they are
# published in.  Address N is 5.0.2.N and 2001:67c:1a0::N, all on the
# namespace's loopback: Postfix smtpd listeners with per-listener TLS
# settings (master.cf -o), smtp-sink (no STARTTLS; 421 at the greeting), a
# python server that injects bytes after its STARTTLS 220, an nftables rule
# that silently drops one IPv6 address.  Certificates: a private CA and one
# leaf per scenario, made here with openssl from the keys of
# tests/data/probe/ (the zone's TLSA records are of those keys).
# Needs root.  Use:  pb_setup DIR; pbx CMD... (runs in the namespace);
# pb_teardown.  Sets PB_NS, PB_DIR, PB_RESOLVER, PB_TA.

PB_NS=mxr-pb$$
PB_DIR=
PB_PIDS=
PB_PF=

pbx() { ip netns exec "$PB_NS" "$@"; }

pb_teardown() {
	[ -n "$PB_PF" ] && pbx postfix -c "$PB_PF/etc" stop >/dev/null 2>&1
	[ -n "$PB_DIR" ] && [ -d "$PB_DIR/world" ] && pbx "$MXR_TOP/tests/world/stop.sh" "$PB_DIR/world" >/dev/null 2>&1
	for p in $PB_PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.3
	# whatever is left in the namespace was started here
	for p in $(ip netns pids "$PB_NS" 2>/dev/null); do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $(ip netns pids "$PB_NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$PB_NS" 2>/dev/null
	PB_PF=
}

# pb_cert NAME KEY SAN [openssl ca options...]: $PB_DIR/certs/NAME.pem =
# key, leaf, CA (Postfix's smtpd_tls_chain_files order).
pb_cert() {
	n=$1 k=$2 san=$3; shift 3
	c=$PB_DIR/certs
	openssl req -new -key "$MXR_TOP/tests/data/probe/$k.key" -subj "/CN=$san" \
		-addext "subjectAltName=DNS:$san" -out "$c/$n.csr" 2>/dev/null || return 1
	openssl ca -batch -config "$c/ca.cnf" -notext -in "$c/$n.csr" -out "$c/$n.crt" "$@" >"$c/$n.log" 2>&1 || return 1
	cat "$MXR_TOP/tests/data/probe/$k.key" "$c/$n.crt" "$c/ca.crt" >"$c/$n.pem"
}

pb_certs() {
	c=$PB_DIR/certs
	mkdir -p "$c/new"
	: >"$c/index.txt"
	echo 1000 >"$c/serial"
	cat >"$c/ca.cnf" <<EOC
[ ca ]
default_ca = pbca
[ pbca ]
dir = $c
database = $c/index.txt
new_certs_dir = $c/new
serial = $c/serial
certificate = $c/ca.crt
private_key = $MXR_TOP/tests/data/probe/ca.key
default_md = sha256
default_days = 30
policy = pbpol
copy_extensions = copy
unique_subject = no
[ pbpol ]
commonName = supplied
EOC
	openssl req -x509 -new -key "$MXR_TOP/tests/data/probe/ca.key" -subj "/CN=mxready probe test CA" \
		-days 30 -sha256 -out "$c/ca.crt" 2>/dev/null || return 1
	for s in good v6refused v6drop notls danebad daneta danebogus pmgrey pmreject pmgrey550 inject; do
		pb_cert "$s" ec "mx.$s.probe.xtest" || return 1
	done
	pb_cert tls10 rsa2048 mx.tls10.probe.xtest || return 1
	pb_cert expired ec mx.expired.probe.xtest -startdate 20200101000000Z -enddate 20210101000000Z || return 1
	pb_cert wrongname ec other.example || return 1
	pb_cert rsa1024 rsa1024 mx.rsa1024.probe.xtest || return 1
	pb_cert sha1 ec mx.sha1.probe.xtest -md sha1 || return 1
	pb_cert bench1 ec mx1.bench.probe.xtest || return 1
	pb_cert bench2 ec mx2.bench.probe.xtest || return 1
}

# pb_listen ADDR CERT [-o NAME=VALUE]...: one smtpd on ADDR:25.
pb_listen() {
	a=$1 cert=$2; shift 2
	case $a in *:*) a="[$a]" ;; esac
	postconf -c "$PB_PF/etc" -M "$a:25/inet=$a:25 inet n - n - - smtpd -o smtpd_tls_chain_files=$PB_DIR/certs/$cert.pem $*"
}

pb_wait_port() {   # pb_wait_port ADDR: until something accepts on ADDR:25
	for _ in $(seq 100); do
		pbx python3 -c "import socket,sys; socket.create_connection(('$1', 25), 1).close()" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

pb_setup() {
	PB_DIR=$1
	mkdir -p "$PB_DIR"
	chmod 755 "$PB_DIR"
	ip netns add "$PB_NS" || return 1
	pbx ip link set lo up
	for n in $(seq 170 193); do
		pbx ip addr add "5.0.2.$n/32" dev lo
		pbx ip addr add "2001:67c:1a0::$n/128" dev lo nodad
	done
	pbx "$MXR_TOP/tests/world/start.sh" "$PB_DIR/world" >"$PB_DIR/world.out" 2>&1 || {
		echo "world: $(tail -n 5 "$PB_DIR/world.out")" >&2; return 1; }
	. "$PB_DIR/world/world.env"
	PB_RESOLVER=$MXR_RESOLVER
	PB_TA=$MXR_TA
	pb_certs || { echo "certificates: $(cat "$PB_DIR"/certs/*.log 2>/dev/null | tail -n 5)" >&2; return 1; }
	cat >"$PB_DIR/pm.map" <<EOM
postmaster@pmgrey.probe.xtest 450 4.2.0 Greylisted, see https://postgrey.schweikert.ch/help/pmgrey.probe.xtest.html
postmaster@pmreject.probe.xtest 550 5.1.1 <postmaster@pmreject.probe.xtest>: Recipient address rejected: User unknown
postmaster@pmgrey550.probe.xtest 550 5.7.1 Greylisted, please try again in 300 seconds
EOM
	PB_PF=$PB_DIR/pf
	pbx "$MXR_TOP/tests/postfix/start.sh" "$PB_PF" --port 2525 \
		-o "smtpd_tls_security_level = may" \
		-o "smtpd_tls_chain_files = $PB_DIR/certs/good.pem" \
		-o "smtpd_tls_protocols = >=TLSv1.2" \
		-o "smtpd_tls_ciphers = high" \
		-o "smtpd_tls_exclude_ciphers = aNULL, kRSA, SHA1, 3DES, RC4, CAMELLIA, ARIA, SHA256, SHA384, DHE" \
		-o "pb_postmaster = check_recipient_access texthash:$PB_DIR/pm.map, reject_unauth_destination" \
		-o "smtpd_banner = \$myhostname ESMTP" >"$PB_DIR/pf.out" 2>&1 || {
		echo "postfix: $(tail -n 5 "$PB_DIR/pf.out")" >&2; PB_PF=; return 1; }
	pb_listen 5.0.2.170 good -o 'smtpd_tls_protocols=>=TLSv1.3'
	pb_listen 2001:67c:1a0::170 good -o 'smtpd_tls_protocols=>=TLSv1.3'
	pb_listen 5.0.2.171 v6refused
	pb_listen 5.0.2.172 v6drop
	pb_listen 2001:67c:1a0::172 v6drop
	pb_listen 5.0.2.174 tls10 -o 'smtpd_tls_protocols=>=TLSv1,<=TLSv1' -o smtpd_tls_exclude_ciphers=aNULL -o smtpd_tls_ciphers=medium
	pb_listen 5.0.2.175 expired
	pb_listen 5.0.2.176 wrongname
	pb_listen 5.0.2.177 rsa1024
	pb_listen 5.0.2.178 sha1
	pb_listen 5.0.2.179 danebad
	pb_listen 5.0.2.180 daneta
	pb_listen 5.0.2.186 danebogus
	for s in 181:pmgrey 182:pmreject 183:pmgrey550; do
		pb_listen "5.0.2.${s%%:*}" "${s#*:}" -o 'smtpd_recipient_restrictions=$pb_postmaster'
	done
	for n in 190 191; do
		pb_listen "5.0.2.$n" "bench$((n - 189))"
		pb_listen "2001:67c:1a0::$n" "bench$((n - 189))"
	done
	pbx postfix -c "$PB_PF/etc" reload >>"$PB_DIR/pf.out" 2>&1
	pbx smtp-sink -u nobody 5.0.2.173:25 64 >"$PB_DIR/sink.log" 2>&1 &
	PB_PIDS="$PB_PIDS $!"
	pbx smtp-sink -u nobody -Q CONNECT 5.0.2.184:25 64 >"$PB_DIR/sink421.log" 2>&1 &
	PB_PIDS="$PB_PIDS $!"
	pbx python3 "$MXR_TOP/tests/probe/inject.py" 5.0.2.185 25 "$PB_DIR/certs/inject.pem" >"$PB_DIR/inject.log" 2>&1 &
	PB_PIDS="$PB_PIDS $!"
	# IPv6 of v6drop: SYNs vanish (a firewall that drops, not refuses)
	pbx nft -f - <<EON || return 1
table inet pbdrop {
	chain out {
		type filter hook output priority 0;
		ip6 daddr 2001:67c:1a0::172 tcp dport 25 drop
	}
}
EON
	for a in 5.0.2.170 2001:67c:1a0::170 5.0.2.173 5.0.2.174 5.0.2.183 5.0.2.184 5.0.2.185 5.0.2.191 2001:67c:1a0::191; do
		pb_wait_port "$a" || { echo "no listener on $a:25: $(tail -n 5 "$PB_PF/maillog")" >&2; return 1; }
	done
	return 0
}
