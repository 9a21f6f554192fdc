#!/bin/sh
# The autoresponder end to end on a small Internet in network namespaces:
# a hub bridge, a DNS host (the test world plus a port-53 front resolver),
# our mail host (Postfix + mxready-milter + mxready-responder; the test
# address's MX is IPv6-only), and three sender hosts with their own Postfix
# and mailboxes: dual-stack (resp-ds), IPv4-only MX (resp-v4), MX with AAAA
# but port 25 closed on IPv6 (resp-closed).  Asserts what each mailbox
# receives: replies A and B, the forwarded "You are not receiving e-mails
# over IPv6!", the "still trying" notice; nothing for loops, forged tokens,
# and beyond the rate limit.  Needs root (ip netns, Postfix).
. "$(dirname "$0")/../lib.sh"

RESP=$MXR_TOP/$MXR_BUILD/mxready-responder
MILTER=$MXR_TOP/$MXR_BUILD/mxready-milter
PY=${PYTHON:-python3}
PYD=python3; [ -x /usr/bin/python3 ] && PYD=/usr/bin/python3    # with python3-dkim
[ "$(id -u)" = 0 ] || { fail "needs root (network namespaces, Postfix)"; finish; }
for c in ip unshare postfix postconf swaks "$PY"; do
	command -v "$c" >/dev/null 2>&1 || { fail "missing tool: $c"; finish; }
done
[ -x "$RESP" ] || { fail "no $RESP (make SAN=1 all)"; finish; }

T=$(mktemp -d /tmp/mxr-resp.XXXXXX)
chmod 755 "$T"
P=mxr-r$$                       # namespace prefix: mxr-rPID-NAME
HOSTS="dns our ds v4 closed"
NETS=""
PFS=""
MPID=""
FPID=""

inns() { n=$1; shift; ip netns exec "$P-$n" "$@"; }
# Runs a command in a namespace with $T/resolv.conf as /etc/resolv.conf
# (a private mount namespace; nothing outside the test changes).
inns_dns() { n=$1; shift; ip netns exec "$P-$n" unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$T/resolv.conf" "$@"; }

cleanup() {
	for d in $PFS; do postfix -c "$d/etc" stop >/dev/null 2>&1; done
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null
	[ -d "$T/world" ] && ip netns exec "$P-dns" "$MXR_TOP/tests/world/stop.sh" "$T/world" >/dev/null 2>&1
	sleep 0.5
	# whatever is left in our namespaces was started by this script
	for n in $NETS; do
		for pid in $(ip netns pids "$n" 2>/dev/null); do kill "$pid" 2>/dev/null; done
	done
	sleep 0.3
	for n in $NETS; do
		for pid in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
		ip netns del "$n" 2>/dev/null
	done
	if [ -n "${MXR_KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- network: one bridge, one veth per host -------------------------------
ip netns add "$P-hub" || { fail "ip netns add"; finish; }
NETS="$P-hub"
ip -n "$P-hub" link set lo up
ip -n "$P-hub" link add br0 type bridge
ip -n "$P-hub" link set br0 up
host_net() {   # host_net NAME INDEX [extra IPv6 index]
	ip netns add "$P-$1"; NETS="$NETS $P-$1"
	ip -n "$P-hub" link add "v$2" type veth peer name eth0 netns "$P-$1"
	ip -n "$P-hub" link set "v$2" master br0 up
	ip -n "$P-$1" link set lo up
	ip -n "$P-$1" link set eth0 up
	ip -n "$P-$1" addr add "5.0.2.$2/24" dev eth0
	ip -n "$P-$1" addr add "2001:67c:1a0::$2/64" dev eth0 nodad
	[ -n "${3:-}" ] && ip -n "$P-$1" addr add "2001:67c:1a0::$3/64" dev eth0 nodad
	return 0
}
host_net dns 60
host_net our 61 65            # ::65 is the IPv6-only identity's address
host_net ds 62
host_net v4 63
host_net closed 64
# ---- DNS: the test world inside the dns host, a front resolver on :53 -------
MXR_WORLD_RESOLVER_PORT=21300 MXR_WORLD_NSD_PORT=21353 MXR_WORLD_BLACKHOLE_PORT=21399 \
	inns dns "$MXR_TOP/tests/world/start.sh" "$T/world" >"$T/world.out" 2>&1 ||
	{ fail "world did not start in the namespace" "$(tail -n 5 "$T/world.out")"; finish; }
cat >"$T/front.conf" <<EOF
server:
	interface: 5.0.2.60
	interface: 2001:67c:1a0::60
	port: 53
	interface-automatic: no
	chroot: ""
	username: ""
	directory: "$T"
	pidfile: "$T/front.pid"
	logfile: "$T/front.log"
	use-syslog: no
	module-config: "iterator"
	do-not-query-localhost: no
	qname-minimisation: no
	access-control: 0.0.0.0/0 allow
	access-control: ::/0 allow
	local-zone: "2.0.5.in-addr.arpa." nodefault
	local-zone: "0.a.1.0.c.7.6.0.1.0.0.2.ip6.arpa." nodefault
remote-control:
	control-enable: no
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@21300
EOF
inns dns "$T/world/bin/unbound" -d -c "$T/front.conf" >"$T/front.out" 2>&1 &
FPID=$!
printf 'nameserver 5.0.2.60\noptions attempts:2 timeout:2\n' >"$T/resolv.conf"
chmod 644 "$T/resolv.conf"
ok=0
for _ in $(seq 50); do
	a=$(inns ds dig +short +time=1 +tries=1 @5.0.2.60 mx.v6only-resp.xtest AAAA 2>/dev/null)
	[ "$a" = "2001:67c:1a0::65" ] && { ok=1; break; }
	sleep 0.2
done
[ $ok = 1 ] && pass "DNS: the world answers in the namespaces (mx.v6only-resp.xtest AAAA)" ||
	{ fail "DNS: front resolver" "$(tail -n 5 "$T/front.log" "$T/front.out" 2>/dev/null)"; finish; }
check_eq "$(inns v4 dig +short +time=2 @2001:67c:1a0::60 mx.resp-dual.xtest A)" "5.0.2.61" "namespaces: hosts reach each other over IPv6 (DNS query)"
check_eq "$(inns ds dig +short @5.0.2.60 mx.v6only-resp.xtest A)" "" "DNS: the test address's MX has no A record"
check_eq "$(inns ds dig +short @5.0.2.60 -x 2001:67c:1a0::62)" "mx.resp-ds.xtest." "DNS: reverse DNS of a sender"
cp "$T/world/ta.ds" "$T/ta.ds"; chmod 644 "$T/ta.ds"

# ---- Postfix instances -----------------------------------------------------
pf_new() {   # pf_new NAME HOSTNAME DOMAIN INET_INTERFACES; main.cf lines on stdin
	d=$T/pf-$1
	mkdir -p "$d/etc" "$d/spool" "$d/data" "$d/mail"
	chown postfix "$d/data"
	chown nobody "$d/mail"
	cp /etc/postfix/master.cf "$d/etc/master.cf"
	{
		cat <<EOF
compatibility_level = 3.6
queue_directory = $d/spool
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
myhostname = $2
mydomain = $3
myorigin = \$mydomain
inet_interfaces = $4
inet_protocols = all
mynetworks = 127.0.0.0/8 [::1]/128
maillog_file = $d/maillog
maillog_file_prefixes = $T
smtputf8_enable = no
biff = no
alias_maps =
alias_database =
append_dot_mydomain = no
smtpd_banner = \$myhostname ESMTP
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
smtp_connect_timeout = 5s
EOF
		cat
	} >"$d/etc/main.cf"
	postconf -c "$d/etc" -F '*/*/chroot = n' >/dev/null
	PFS="$PFS $d"
}
pf_start() {   # pf_start NAME NS
	d=$T/pf-$1
	if ! inns_dns "$2" postfix -c "$d/etc" start >"$d/start.out" 2>&1; then
		fail "Postfix $1 did not start" "$(tail -n 5 "$d/start.out") $(tail -n 5 "$d/maillog" 2>/dev/null)"; finish
	fi
}
sender_pf() {   # sender_pf NAME DOMAIN INET_INTERFACES
	pf_new "$1" "mx.$2" "$2" "$3" <<EOF
mydestination =
virtual_mailbox_domains = $2
virtual_mailbox_base = $T/pf-$1/mail
virtual_mailbox_maps = texthash:$T/pf-$1/etc/vmbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
smtp_tls_security_level = may
EOF
	# one Maildir per user (virtual(8) allows no regexp substitution)
	for u in user user3 loop1 loop2 loop3 loop4 loop5 loop6 rate forged forged-helo forged-inj someone big; do echo "$u@$2 $u/"; done >"$T/pf-$1/etc/vmbox"
	echo "mixed.case@$2 mixed/" >>"$T/pf-$1/etc/vmbox"
	echo "@$2 other/" >>"$T/pf-$1/etc/vmbox"
	pf_start "$1" "$1"
}
sender_pf ds resp-ds.xtest all
sender_pf v4 resp-v4.xtest all
# port 25 closed on IPv6: listen on the IPv4 address only
sender_pf closed resp-closed.xtest 5.0.2.64

# our mail host: milter, responder, the IPv6-only smtp clone
O=$T/pf-our
MILTER_OK=0
if [ -x "$MILTER" ]; then
	cat >"$T/milter.conf" <<EOF
milter_socket = unix:$T/milter.sock
user = postfix
authserv_id = mx.v6only-resp.xtest
dns_resolver = 5.0.2.60@53
dns_trust_anchor = $T/ta.ds
dns_timeout = 5
log_file = $T/milter.log
action_spf_fail = tag
action_iprev_fail = tag
action_dmarc_reject = tag
action_dmarc_quarantine = tag
action_null_mx = tag
action_temperror = accept
EOF
	: >"$T/milter.log"; chmod 666 "$T/milter.log"
	inns our "$MILTER" -f -c "$T/milter.conf" >"$T/milter.err" 2>&1 &
	MPID=$!
	for _ in $(seq 100); do [ -S "$T/milter.sock" ] && { MILTER_OK=1; break; }; sleep 0.1; done
fi
[ $MILTER_OK = 1 ] && pass "mxready-milter runs on our mail host" ||
	fail "mxready-milter did not start" "$(tail -n 3 "$T/milter.err" 2>/dev/null)"

mkdir -p "$T/rstate" "$T/keys" "$T/bin"
# pipe(8) runs the responder as nobody: a copy in $T, so that a checkout
# under a directory nobody may enter (root's 0700 home) works too
cp "$RESP" "$T/bin/mxready-responder"
chmod 755 "$T/bin/mxready-responder"
# (through sh: the path is then resolved with nobody's rights)
setpriv --reuid=nobody --regid=nogroup --clear-groups /bin/sh -c '"$0" >/dev/null 2>&1' "$T/bin/mxready-responder"
rc=$?
[ $rc = 64 ] || { fail "user nobody cannot run $T/bin/mxready-responder" "exit $rc, want 64 (usage)"; finish; }
cp "$MXR_TOP/tests/responder/keys/dual.pem" "$MXR_TOP/tests/responder/keys/v6only.pem" "$T/keys/"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/keys/secret"
: >"$T/responder.log"
chown -R nobody "$T/rstate" "$T/keys" "$T/responder.log"
chmod 600 "$T/keys/"*
cat >"$T/mxready.conf" <<EOF
authserv_id = mx.v6only-resp.xtest
dns_resolver = 5.0.2.60@53
dns_trust_anchor = $T/ta.ds
dns_timeout = 5
log_file = $T/responder.log
EOF
cat >"$T/responder.conf" <<EOF
v6only_address = test@v6only-resp.xtest
dual_address = test@resp-dual.xtest
dkim_dual_key = $T/keys/dual.pem
dkim_dual_selector = mxr
dkim_v6_key = $T/keys/v6only.pem
dkim_v6_selector = mxr
token_secret = $T/keys/secret
state_dir = $T/rstate
submit = 127.0.0.1:10026
rate_per_address = 3
rate_per_domain = 40
rate_per_client = 40
rate_total = 100
readiness_timeout = 5
probe_timeout = 4
max_message_size = 65536
EOF
chmod 644 "$T/mxready.conf" "$T/responder.conf"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" -out "$T/tls.crt" -days 2 \
	-subj /CN=mx.v6only-resp.xtest >/dev/null 2>&1
pf_new our mx.resp-dual.xtest resp-dual.xtest all <<EOF
mydestination = v6only-resp.xtest, resp-dual.xtest
local_recipient_maps =
local_transport = discard
recipient_delimiter = +
transport_maps = texthash:$O/etc/transport
sender_dependent_default_transport_maps = regexp:$O/etc/sender_transport
smtpd_milters = unix:$T/milter.sock
milter_default_action = accept
delay_warning_time = 4s
maximal_queue_lifetime = 30s
bounce_queue_lifetime = 30s
smtp_bind_address6 = 2001:67c:1a0::61
smtpd_tls_cert_file = $T/tls.crt
smtpd_tls_key_file = $T/tls.key
smtpd_tls_security_level = may
smtpd_tls_received_header = yes
EOF
# the shipped Postfix wiring, with the test's names, paths and addresses
names() { sed -e 's/v6only\.example/v6only-resp.xtest/g' -e 's/dual\.example/resp-dual.xtest/g' \
	-e 's/dual\\\.example/resp-dual\\.xtest/g' "$@"; }
names "$MXR_TOP/conf/postfix-responder-master.cf" | sed -e "s|/usr/local/sbin/mxready-responder|$T/bin/mxready-responder|" \
	-e "s|/etc/mxready/|$T/|g" -e 's/user=mxready/user=nobody/' -e 's/2001:db8::25/2001:67c:1a0::65/' >>"$O/etc/master.cf"
names "$MXR_TOP/conf/postfix-responder-transport" >"$O/etc/transport"
names "$MXR_TOP/conf/postfix-responder-sender-transport" >"$O/etc/sender_transport"
pf_start our our
pass "five hosts with four Postfix instances are up"

# ---- helpers ---------------------------------------------------------------
box() { echo "$T/pf-$1/mail/$2/new"; }
count() { ls "$(box "$1" "$2")" 2>/dev/null | wc -l | tr -d ' '; }
waitn() {   # waitn HOST USER N SECONDS: until USER's mailbox holds N messages
	i=0
	while [ "$(count "$1" "$2")" -lt "$3" ] && [ $i -lt $(($4 * 5)) ]; do sleep 0.2; i=$((i+1)); done
	count "$1" "$2"
}
# A message as the reader sees it: the header as stored, then the text/plain
# parts decoded (quoted-printable) and once more on one line, attachments
# named only.
show() {
	$PY - "$1" <<'EOP'
import email, sys
from email import policy
raw = open(sys.argv[1], 'rb').read()
sys.stdout.write(raw.split(b'\n\n', 1)[0].decode('utf-8', 'replace') + '\n\n')
def walk(p):
    if p.get_content_type() == 'message/rfc822':
        print('[attached message/rfc822]')
    elif p.is_multipart():
        for q in p.get_payload():
            walk(q)
    elif p.get_content_type() == 'text/plain':
        text = p.get_payload(decode=True).decode(p.get_content_charset() or 'utf-8', 'replace')
        print(text)
        print(' '.join(text.split()))   # once more unwrapped, for phrases across lines
walk(email.message_from_bytes(raw, policy=policy.compat32))
EOP
}
# the text/html parts of a message, decoded
html_of() {
	$PY - "$1" <<'EOP'
import email, sys
from email import policy
for p in email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.compat32).walk():
    if p.get_content_type() == 'text/html':
        print(p.get_payload(decode=True).decode(p.get_content_charset() or 'utf-8', 'replace'))
EOP
}
heads() { for f in "$(box "$1" "$2")"/*; do [ -f "$f" ] && sed '/^$/q' "$f"; done; }
# the message of a mailbox whose header (not an attachment's) matches a regex
msg_with() {
	for f in "$(box "$1" "$2")"/*; do
		[ -f "$f" ] && sed '/^$/q' "$f" | grep -Eq -- "$3" && { show "$f"; return 0; }
	done
	return 1
}
send() {   # send HOST FROM [swaks args...]: a test mail over IPv6 to the test address
	h=$1; f=$2; shift 2
	inns "$h" swaks -6 --server 2001:67c:1a0::65 --port 25 --helo "mx.$(echo "$h" | sed 's/^/resp-/').xtest" \
		--from "$f" --to test@v6only-resp.xtest --h-Subject "IPv6 test from $f" --body "hello" "$@" \
		>"$T/swaks.$h.$(echo "$f" | tr -c 'a-z0-9' _)" 2>&1
}
logline() { grep -E -- "$1" "$T/responder.log" | tail -n 1; }
waitlog() {   # waitlog REGEX SECONDS
	i=0
	while ! grep -Eq -- "$1" "$T/responder.log" && [ $i -lt $(($2 * 5)) ]; do sleep 0.2; i=$((i+1)); done
	logline "$1"
}

# ---- 1. dual-stack sender: replies A and B ----------------------------------
# this one through the sender's own Postfix: MX lookup of the test domain
# (AAAA only), delivery over IPv6 with STARTTLS
inns ds swaks --server 127.0.0.1 --port 25 --helo localhost --from user@resp-ds.xtest --to test@v6only-resp.xtest \
	--h-Subject "IPv6 test from user@resp-ds.xtest" --header "Message-Id: <t1@resp-ds.xtest>" --body hello \
	>"$T/swaks.ds.user" 2>&1 || fail "test mail from resp-ds not accepted" "$(tail -n 3 "$T/swaks.ds.user")"
check_eq "$(waitn ds user 2 40)" 2 "dual-stack sender: two replies"
A=$(msg_with ds user '^Subject: .*reply A of 2')
B=$(msg_with ds user '^Subject: .*reply B of 2')
check_match "$A" '^From: mxready IPv6 mail test <test@resp-dual\.xtest>' "reply A: From the dual-stack identity"
check_match "$A" '^Return-Path: <>' "reply A: null envelope sender (RFC 3834)"
check_match "$A" '^Auto-Submitted: auto-replied' "reply A: Auto-Submitted: auto-replied"
check_match "$A" '^In-Reply-To: <t1@resp-ds\.xtest>' "reply A: In-Reply-To the test mail"
check_match "$A" '^DKIM-Signature: .*d=resp-dual\.xtest' "reply A: DKIM-signed by resp-dual.xtest"
check_match "$A" 'Content-Type: multipart/alternative' "reply A: text and HTML alternative"
check_match "$A" 'Protocol: +IPv6' "reply A: reports arrival over IPv6"
check_match "$A" 'Client address: 2001:67c:1a0::62' "reply A: reports the client address"
check_match "$A" 'Reverse DNS: +mx\.resp-ds\.xtest' "reply A: reports the reverse DNS name"
check_match "$A" 'TLS: +TLSv1\.[23] with cipher [A-Z0-9_-]+$' "reply A: reports the TLS version and cipher"
check_match "$A" 'HELO: +mx\.resp-ds\.xtest' "reply A: reports the HELO name"
check_match "$A" 'Readiness of your domain resp-ds\.xtest' "reply A: carries the readiness report"
if [ $MILTER_OK = 1 ]; then
	check_match "$A" '\[PASS\] +SPF +pass' "reply A: SPF pass from our milter's Authentication-Results"
fi
check_match "$B" '^From: mxready IPv6 mail test <test@v6only-resp\.xtest>' "reply B: From the IPv6-only identity"
check_match "$B" '^Return-Path: <bounce\+[0-9a-f]{40}@resp-dual\.xtest>' "reply B: envelope sender is a bounce token"
check_match "$B" 'Received: from mx\.v6only-resp\.xtest \(mx\.v6only-resp\.xtest \[IPv6:2001:67c:1a0::65\]\)' \
	"reply B: arrived over IPv6 from the IPv6-only identity's address"
check_match "$B" '^DKIM-Signature: .*d=v6only-resp\.xtest' "reply B: DKIM-signed by v6only-resp.xtest"
file_with() { for f in "$(box "$1" "$2")"/*; do [ -f "$f" ] && sed '/^$/q' "$f" | grep -Eq -- "$3" && { echo "$f"; return 0; }; done; return 1; }
for k in A B; do
	cp "$(file_with ds user "^Subject: .*reply $k of 2")" "$T/reply$k.eml"
	if [ -x "$MXR_TOP/$MXR_BUILD/tests/dkim_verify" ]; then
		v=$(inns ds "$MXR_TOP/$MXR_BUILD/tests/dkim_verify" --resolver 5.0.2.60@53 --trust-anchor "$T/ta.ds" "$T/reply$k.eml" 2>&1)
		check_match "$v" '"result": ?"pass"' "reply $k: DKIM signature verifies against the key in DNS"
	fi
done
# the probe of the sender's mail servers (issue 10): both replies, text and HTML
check_match "$A" 'Your mail servers, probed from here' "reply A: carries the probe of the sender's mail servers"
check_match "$A" 'IPv6 mx\.resp-ds\.xtest 2001:67c:1a0::62: answers' "reply A: probe: the sender's IPv6 MX answers"
check_match "$A" 'IPv4 mx\.resp-ds\.xtest 5\.0\.2\.62: answers' "reply A: probe: the sender's IPv4 MX answers"
check_match "$A" '1 of 1 IPv6 addresses of your mail servers answer on port 25: reply B \(sent over IPv6 only\) can reach you' \
	"reply A: probe: says reply B can reach the sender"
check_match "$B" 'IPv6 mx\.resp-ds\.xtest 2001:67c:1a0::62: answers' "reply B: carries the probe too"
check_match "$(html_of "$T/replyA.eml")" '<h3>Your mail servers, probed from here</h3>' "reply A: HTML part carries the probe"
check_match "$(html_of "$T/replyA.eml")" '<li>IPv6 mx\.resp-ds\.xtest 2001:67c:1a0::62: answers' "reply A: HTML part: one item per address"
check_match "$(logline 'user@resp-ds\.xtest.*decision=replied')" \
	'mode=test sender=user@resp-ds\.xtest client=2001:67c:1a0::62 decision=replied reply_id=[0-9a-f]{12} reply_a=sent reply_b=sent family=ipv6' \
	"log: one line for the reply decision"

# ---- 2. IPv4-only MX: reply A and the forwarded DSN ------------------------
send v4 user@resp-v4.xtest
check_eq "$(waitn v4 user 2 40)" 2 "IPv4-only sender: two messages (reply A and the forwarded failure)"
F=$(msg_with v4 user '^Subject: You are not receiving e-mails over IPv6!')
check_match "$(msg_with v4 user '^Subject: .*reply A of 2')" 'Protocol: +IPv6' "IPv4-only sender: reply A"
check_match "$F" '^Return-Path: <>' "forwarded DSN: from <>"
check_match "$F" 'no IPv6 address \(no AAAA' "forwarded DSN: the reason in plain words (no AAAA)"
check_match "$F" 'type=AAAA' "forwarded DSN: the Diagnostic-Code quoted"
check_match "$F" '\[attached message/rfc822\]' "forwarded DSN: the DSN attached"
check_match "$F" 'Your mail servers, probed from here' "forwarded DSN: carries the probe of the sender's mail servers"
check_match "$F" 'IPv4 mx\.resp-v4\.xtest 5\.0\.2\.63: answers' "forwarded DSN: probe: the IPv4 MX answers"
check_match "$F" 'no IPv6: none of your mail servers has a global IPv6 address \(AAAA\)' "forwarded DSN: probe: no IPv6 address"
check_match "$F" '^DKIM-Signature: .*d=resp-dual\.xtest' "forwarded DSN: DKIM-signed"
check_nomatch "$(heads v4 user)" 'reply B of 2' "IPv4-only sender: reply B never arrives"
A4=$(msg_with v4 user '^Subject: .*reply A of 2')
check_match "$A4" 'IPv4 mx\.resp-v4\.xtest 5\.0\.2\.63: answers' "IPv4-only sender: reply A: probe: its IPv4 MX answers"
check_match "$A4" 'no IPv6: none of your mail servers has a global IPv6 address \(AAAA\) we could contact, so reply B \(sent over IPv6 only\) cannot reach you' \
	"IPv4-only sender: reply A: probe: says why reply B cannot arrive (no AAAA)"
check_nomatch "$A4" 'IPv6 mx\.resp-v4' "IPv4-only sender: reply A: probe: no IPv6 address listed"
check_match "$(html_of "$(file_with v4 user '^Subject: .*reply A of 2')")" '<li>no IPv6: none of your mail servers' \
	"IPv4-only sender: reply A: HTML part says it too"
check_match "$(waitlog 'mode=dsn.*decision=forwarded' 5)" 'action=failed status=5\.[0-9.]+ class=no-aaaa decision=forwarded' "log: DSN forwarded, class no AAAA"

# ---- 3. MX with AAAA, port 25 closed on IPv6: still trying, then the failure -
send closed user@resp-closed.xtest
check_eq "$(waitn closed user 3 75)" 3 "port-25-closed sender: reply A, a 'still trying' notice, the failure"
N=$(msg_with closed user '^Subject: IPv6 mail test: still trying')
F=$(msg_with closed user '^Subject: You are not receiving e-mails over IPv6!')
check_match "$N" 'has not reached your' "still-trying notice sent once"
check_match "$F" 'refused the connection on port 25 over IPv6' "forwarded DSN: reason connection refused"
check_match "$F" 'IPv6 mx\.resp-closed\.xtest 2001:67c:1a0::64: connection refused on port 25 \(named in the DSN\)' \
	"forwarded DSN: probe of the address the DSN names: refused"
check_match "$F" 'IPv4 mx\.resp-closed\.xtest 5\.0\.2\.64: answers' "forwarded DSN: probe: the IPv4 address answers"
check_nomatch "$N" 'probed from here' "still-trying notice: no probe (only the failure carries it)"
AC=$(msg_with closed user '^Subject: .*reply A of 2')
check_match "$AC" 'IPv6 mx\.resp-closed\.xtest 2001:67c:1a0::64: connection refused on port 25' \
	"port-25-closed sender: reply A: probe: its IPv6 address refuses port 25"
check_match "$AC" 'IPv4 mx\.resp-closed\.xtest 5\.0\.2\.64: answers' "port-25-closed sender: reply A: probe: its IPv4 address answers"
check_match "$AC" 'no IPv6 address of your mail servers answers on port 25, so reply B \(sent over IPv6 only\) cannot reach you' \
	"port-25-closed sender: reply A: probe: says why reply B cannot arrive"
check_match "$AC" 'fail mx_reach: 1 IPv6 address\(es\) published, none answers on port 25' "port-25-closed sender: reply A: probe: the failing check"
check_match "$AC" 'fix: Make every published address accept SMTP on port 25' "port-25-closed sender: reply A: probe: its fix"
check_match "$(grep -c 'decision=delay-notice-sent' "$T/responder.log")" '^1$' "log: one delay notice"

# ---- 4. loops and RFC 3834 -------------------------------------------------
send ds loop1@resp-ds.xtest --header "Precedence: bulk"
send ds loop2@resp-ds.xtest --header "Auto-Submitted: auto-replied"
send ds loop3@resp-ds.xtest --header "List-Id: <x.lists.resp-ds.xtest>"
send ds '<>'
send ds MAILER-DAEMON@resp-ds.xtest
send ds someone@resp-dual.xtest
# every field of its kind counts, comments are CFWS, List-Subscribe alone is list mail
send ds loop4@resp-ds.xtest --add-header "Auto-Submitted: no" --add-header "Auto-Submitted: auto-replied"
send ds loop5@resp-ds.xtest --add-header "Precedence: (a comment) bulk"
send ds loop6@resp-ds.xtest --add-header "List-Subscribe: <mailto:join@lists.resp-ds.xtest>"
check_match "$(waitlog 'sender=loop1@.*reason=precedence' 20)" 'decision=suppressed reason=precedence' "loop: Precedence: bulk suppressed"
check_match "$(waitlog 'sender=loop2@.*reason=auto-submitted' 20)" 'decision=suppressed' "loop: Auto-Submitted suppressed"
check_match "$(waitlog 'sender=loop3@.*reason=list' 20)" 'decision=suppressed' "loop: List-Id suppressed"
check_match "$(waitlog 'sender=<> .*reason=null-sender' 20)" 'decision=suppressed' "loop: null sender suppressed"
check_match "$(waitlog 'sender=MAILER-DAEMON@.*reason=system-sender' 20)" 'decision=suppressed' "loop: MAILER-DAEMON suppressed"
check_match "$(waitlog 'sender=someone@resp-dual\.xtest.*reason=our-domain' 20)" 'decision=suppressed' "loop: our own domain suppressed"
check_match "$(waitlog 'sender=loop4@.*decision=' 20)" 'decision=suppressed reason=auto-submitted' "loop: Auto-Submitted: no, then auto-replied: suppressed"
check_match "$(waitlog 'sender=loop5@.*decision=' 20)" 'decision=suppressed reason=precedence' "loop: Precedence: (comment) bulk suppressed"
check_match "$(waitlog 'sender=loop6@.*decision=' 20)" 'decision=suppressed reason=list' "loop: List-Subscribe alone suppressed"
if [ $MILTER_OK = 1 ]; then
	# SPF fails (resp-v4.xtest does not list the ds host) and there is no DKIM
	send ds forged@resp-v4.xtest
	check_match "$(waitlog 'sender=forged@resp-v4\.xtest' 20)" 'decision=suppressed reason=backscatter spf=fail' \
		"backscatter: SPF fail without DKIM pass is not answered"
	# issue 14 item 2a: HELO resp-ds.xtest passes SPF (its record lists the
	# ds host) and is rendered before the MAIL FROM result, which fails
	send ds forged-helo@resp-v4.xtest --helo resp-ds.xtest
	check_match "$(waitlog 'sender=forged-helo@resp-v4\.xtest' 20)" 'decision=suppressed reason=backscatter spf=fail' \
		"backscatter: a passing HELO does not stand for the failing MAIL FROM"
	# item 2b: attacker text inside the quoted HELO value injects no dkim=pass
	send ds forged-inj@resp-v4.xtest --helo 'a\";dkim=pass;x=\"'
	check_match "$(waitlog 'sender=forged-inj@resp-v4\.xtest' 20)" 'decision=suppressed reason=backscatter spf=fail dkim=none' \
		"backscatter: dkim=pass inside a quoted HELO is no DKIM result"
fi
sleep 3
for u in forged-helo forged-inj; do check_eq "$(count v4 $u)" 0 "backscatter: $u received nothing"; done
for u in loop1 loop2 loop3 loop4 loop5 loop6; do check_eq "$(count ds $u)" 0 "loop: $u received nothing"; done
check_eq "$(count v4 forged)" 0 "backscatter: the forged sender received nothing"

# ---- 4b. a test mail over the size bound (64 KiB here): answered, not quoted -
$PY -c 'print(("x" * 76 + "\n") * 1200)' >"$T/big.txt"
send ds big@resp-ds.xtest --h-Subject "SECRET-SUBJECT-OF-A-BIG-MAIL" --body "@$T/big.txt"
check_eq "$(waitn ds big 2 40)" 2 "oversized test mail: both replies"
Z=$(msg_with ds big '^Subject: .*reply A of 2')
check_match "$Z" 'larger than we read; nothing of it is quoted' "oversized test mail: the reply says it quotes nothing"
check_nomatch "$Z" 'SECRET-SUBJECT' "oversized test mail: its subject is not echoed"

# ---- 4c. a local part in mixed case is answered as written (RFC 5321 2.4) ---
send ds Mixed.Case@resp-ds.xtest
check_eq "$(waitn ds mixed 2 40)" 2 "mixed-case sender: both replies"
check_eq "$(heads ds mixed | grep -c '^To: Mixed\.Case@resp-ds\.xtest')" 2 "mixed-case sender: both replies to Mixed.Case@, not lowercased"
check_match "$(logline 'sender=Mixed\.Case@')" 'decision=replied' "mixed-case sender: logged as written"

# ---- 5. forged, unknown, duplicate tokens ------------------------------------
dsn_to() {   # dsn_to RECIPIENT FINAL-RECIPIENT: inject a failure DSN into our host
	sed -e "s/user@resp-v4\.xtest/$2/g" "$MXR_TOP/tests/unit/data/dsn-noaaaa.eml" >"$T/fake.eml"
	inns ds swaks -6 --server 2001:67c:1a0::61 --port 25 --helo mx.resp-ds.xtest --from '<>' --to "$1" \
		--data "@$T/fake.eml" >"$T/swaks.fake" 2>&1
}
dsn_to "bounce+65f0a1b2000000000001aabbccddeeff00112233@resp-dual.xtest" user3@resp-ds.xtest
check_match "$(waitlog 'recipient=bounce\+65f0a1b2' 20)" 'decision=dropped reason=unknown-or-forged-token' "forged token (unknown id): dropped"
tok=$(printf '%s\n' "$B" | sed -n 's/^Return-Path: <bounce+\([0-9a-f]*\)@.*/\1/p')
bad=$(printf '%s' "$tok" | sed 's/.$/x/; s/x$/0/')
[ "$bad" = "$tok" ] && bad=$(printf '%s' "$tok" | sed 's/.$/1/')
dsn_to "bounce+$bad@resp-dual.xtest" user@resp-ds.xtest
check_match "$(waitlog "recipient=bounce\+$bad" 20)" 'decision=dropped reason=forged' "forged token (changed MAC): dropped"
dsn_to "bounce@resp-dual.xtest" user@resp-ds.xtest
check_match "$(waitlog 'recipient=bounce@resp-dual' 20)" 'decision=dropped reason=no-token' "missing token: dropped"
# the genuine DSN of the resp-v4 case, delivered a second time
$PY - "$(box v4 user)" "$T/dup.eml" "$T/dup.rcpt" <<'EOP'
import email, os, sys
from email import policy
d = sys.argv[1]
for f in os.listdir(d):
    m = email.message_from_binary_file(open(os.path.join(d, f), 'rb'), policy=policy.compat32)
    if 'not receiving' not in str(m['Subject']):
        continue
    for part in m.walk():
        if part.get_content_type() == 'message/rfc822':
            inner = part.get_payload()[0]
            open(sys.argv[2], 'wb').write(inner.as_bytes())
            open(sys.argv[3], 'w').write(str(inner['To']).strip())
            sys.exit(0)
EOP
if [ -s "$T/dup.rcpt" ]; then
	inns ds swaks -6 --server 2001:67c:1a0::61 --port 25 --helo mx.resp-ds.xtest --from '<>' \
		--to "$(cat "$T/dup.rcpt")" --data "@$T/dup.eml" >"$T/swaks.dup" 2>&1
	check_match "$(waitlog 'decision=dropped reason=already-forwarded' 20)" 'mode=dsn' "genuine DSN a second time: dropped (once per token)"
else
	fail "could not extract the attached DSN"
fi
sleep 3
check_eq "$(count ds user3)" 0 "forged token: nobody received anything"
check_eq "$(count ds user)" 2 "forged token: the dual-stack sender still has only its two replies"
check_eq "$(count v4 user)" 2 "duplicate DSN: the IPv4-only sender got one failure notice"

# ---- 6. rate limit per sender address (3 a day here), kept across processes --
for i in 1 2 3 4; do send ds rate@resp-ds.xtest; done
n=$(waitn ds rate 6 40)
sleep 4
check_eq "$(count ds rate)" 6 "rate limit: 3 of 4 test mails answered (A and B each)"
check_match "$(waitlog 'sender=rate@.*decision=suppressed' 5)" 'decision=suppressed reason=rate-limit limit=address' "rate limit: the 4th is logged as suppressed"
check_eq "$(grep -c 'sender=rate@resp-ds.xtest.*decision=' "$T/responder.log")" 4 "log: one decision line per test mail"

# ---- 7. every message the responder sent: DKIM (python3-dkim, keys from DNS) --
# The Maildir copies have LF line ends; on the wire they were CRLF, which is
# what the signature covers.  Bounded lines (RFC 5322 2.1.1) too.
ours=""; i=0
mkdir -p "$T/dkim"
for f in "$T"/pf-ds/mail/*/new/* "$T"/pf-v4/mail/*/new/* "$T"/pf-closed/mail/*/new/*; do
	[ -f "$f" ] || continue
	sed '/^$/q' "$f" | grep -Eq '^From: .*<test@(resp-dual|v6only-resp)\.xtest>' || continue
	i=$((i+1))
	sed 's/$/\r/' "$f" >"$T/dkim/$i.eml"
	ours="$ours $T/dkim/$i.eml"
done
set -- $ours
check_eq "$#" 17 "DKIM check: the 17 messages the responder sent are in the mailboxes"
v=$(inns ds "$PYD" "$MXR_TOP/tests/responder/msg_check.py" --dig 5.0.2.60 "$@" 2>&1)
check_eq "$(printf '%s\n' "$v" | grep -c ' dkim=pass longest=[0-9]\{1,3\} ')" "$#" "every message the responder sent verifies with python3-dkim, no line over 998"
for f in "$@"; do
	case $(printf '%s\n' "$v" | grep -F "$f ") in
	*' dkim=pass '*) ;;
	*) fail "python3-dkim: $(sed -n 's/^Subject: //p' "$f" | head -n 1)" "$(printf '%s\n' "$v" | grep -F "$f ")";;
	esac
done
check_eq "$(printf '%s\n' "$v" | grep ' dkim=pass ' | grep -c 'message/rfc822')" 2 "python3-dkim: both forwarded failures (with the DSN attached) pass"

# ---- 8. mxready stats (issue 11) sums up this run's responder log ---------
"$MXR" stats --json "$T/responder.log" >"$T/stats.json"; check_eq $? 0 "stats: reads the responder's log"
F=$((MILTER_OK * 3))    # the three backscatter cases run only with the milter
check_jq "$T/stats.json" .responder.test_mails $((18 + F)) "stats: the test mails this test sent (ds user, v4, closed, 9 loops, 3 forged, big, Mixed.Case, 4 rate)"
check_jq "$T/stats.json" .responder.replied 8 "stats: answered (ds user, v4, closed, big, Mixed.Case, 3 rate)"
check_jq "$T/stats.json" '[.responder.reply_a_sent, .responder.reply_b_sent] | join(" ")' "8 8" "stats: replies A and B sent"
check_jq "$T/stats.json" .responder.suppressed $((10 + F)) "stats: suppressed (9 loops, rate limit, backscatter)"
check_jq "$T/stats.json" '.responder.suppressed_by_reason | [.precedence, ."auto-submitted", .list, ."null-sender", ."system-sender", ."our-domain", ."rate-limit address"] | join(" ")' \
	"2 2 2 1 1 1 1" "stats: suppressed by rule"
check_jq "$T/stats.json" .responder.unique_senders.count $((14 + F)) "stats: unique sender addresses (<> is none)"
check_jq "$T/stats.json" .responder.unique_sender_domains.count 4 "stats: unique sender domains"
check_jq "$T/stats.json" '.responder.family.ipv6 == .responder.test_mails' true "stats: every test mail arrived over IPv6 (the test MX is IPv6-only)"
check_jq "$T/stats.json" '.responder.ipv6_bounces | "\(.total) \(.from_addresses.count) \(.by_class.no_aaaa_for_mx) \(.by_class.refused_or_timeout)"' "2 2 1 1" \
	"stats: 2 IPv6 bounces from 2 addresses: no AAAA for MX (v4), refused (closed)"
check_jq "$T/stats.json" .responder.dsn.delay_notices 1 "stats: one delay notice"
check_jq "$T/stats.json" '.responder.dsn.dropped_by_reason | [."unknown-or-forged-token", .forged, ."no-token", ."already-forwarded"] | join(" ")' "1 1 1 1" \
	"stats: dropped DSNs by reason"
check_jq "$T/stats.json" .input.unreadable 0 "stats: every line readable"

# what each sender received (the demo's output; not an assertion)
echo "== mailboxes"
for hu in ds:user v4:user closed:user ds:rate ds:big ds:loop1 ds:user3; do
	h=${hu%:*}; u=${hu#*:}
	echo "$u@resp-$h.xtest: $(count "$h" "$u") message(s)"
	heads "$h" "$u" | sed -n 's/^Subject: /    /p'
done

# no sanitizer report from any responder run (pipe(8) logs command output)
check_nomatch "$(cat "$O/maillog")" 'AddressSanitizer|LeakSanitizer|runtime error' "responder runs are sanitizer-clean"
finish
