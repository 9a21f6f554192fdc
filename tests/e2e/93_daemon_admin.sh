#!/bin/sh
# What an administrator does to the programs (issue 12 items 5, 6, 7):
# -V/--version of every program prints the one version of debian/changelog;
# -t refuses what start-up would refuse (no such user, a missing trust
# anchor, an unwritable log file, a missing responder secret) with exit 78
# and a message on stderr, and the responder's run mode gives 75 with a
# message for a missing secret (pipe(8) bounces 78 as 5.3.5; 75 keeps the
# mail queued until the file is fixed); SIGHUP reloads mxready-policyd (answers
# with the new authserv-id afterwards; a broken file is refused, logged
# with file:line, the old settings stay, the process lives on) and
# mxready-milter (the same, seen in the header field of mail through a
# private Postfix); both tell systemd READY=1, RELOADING=1 and STOPPING=1
# on $NOTIFY_SOCKET (sd_notify, for Type=notify units).  Domain input
# (item 8): mxready check takes bücher.example and shows both forms,
# refuses -x.example and 1.2.3.4 with a reason; authserv_id with U-labels
# becomes A-labels.
. "$(dirname "$0")/../lib.sh"
world_env
. "$MXR_TOP/tests/postfix/lib.sh"
B=$MXR_TOP/$MXR_BUILD
PORT=${MXR_PF_PORT:-2528}
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || { fail "needs root (a private Postfix)"; finish; }
T=$(mktemp -d /tmp/mxr-admin.XXXXXX)
chmod 755 "$T"
PIDS=
cleanup() {
	[ -f "$T/pf/etc/main.cf" ] && pf_stop "$T/pf"
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

# --- versions
V=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$MXR_TOP/debian/changelog" | sed 's/-[^-]*$//')
for p in mxready mxready-milter mxready-policyd mxready-responder; do
	[ -x "$B/$p" ] || { fail "$p built"; continue; }
	check_match "$("$B/$p" --version 2>&1)" "^$p $V( |\$)" "$p --version prints '$p $V'"
	check_match "$("$B/$p" -V 2>&1)" "^$p $V( |\$)" "$p -V prints '$p $V'"
done

# --- domain input: IDNA 2008 (UTS 46), LDH, no address literal
out=$("$B/mxready" check --json --timeout 1 --resolver 127.0.0.1@9 "$(printf 'B\303\234CHER.example')" 2>&1)
check_match "$out" '"domain": *"xn--bcher-kva\.example"' "mxready check BÜCHER.example checks the A-label form"
check_match "$out" '"domain_unicode": *"b\\u00fccher\.example"|"domain_unicode": *"bücher\.example"' "the JSON report has the U-label form too"
out=$("$B/mxready" check --timeout 1 --resolver 127.0.0.1@9 "bücher.example" 2>&1)
check_match "$(printf '%s\n' "$out" | head -n 1)" '^mxready check bücher\.example \(xn--bcher-kva\.example\)$' "the report names both forms"
out=$("$B/mxready" check -- -x.example 2>&1)
check_eq "$?" 2 "mxready check -x.example: usage error"
check_match "$out" "'-x\.example' is not a domain name: label '-x' starts with a hyphen" "-x.example: says why"
out=$("$B/mxready" check 1.2.3.4 2>&1)
check_eq "$?" 2 "mxready check 1.2.3.4: usage error"
check_match "$out" "an address literal is not a domain" "1.2.3.4: an address literal is not a domain"
out=$("$B/mxready" check '[192.0.2.1]' 2>&1)
check_match "$out" "an address literal is not a domain" "[192.0.2.1]: an address literal is not a domain"
check_match "$("$B/mxready-milter" -n -c /dev/null -o authserv_id=mx.bücher.example 2>&1)" '^authserv_id = mx\.xn--bcher-kva\.example$' \
	"authserv_id with U-labels is read as A-labels"
out=$("$B/mxready-milter" -n -c /dev/null -o authserv_id=mx.-bücher.example 2>&1)
check_eq "$?" 78 "a bad internationalised authserv_id: exit 78"

# --- -t checks what start-up needs; 78 and a message
cp "$MXR_TA" "$T/ta.ds"; chmod 644 "$T/ta.ds"
tcheck() {   # tcheck PROG WANT-REGEX WHAT -o...
	p=$1 want=$2 what=$3; shift 3
	out=$("$B/$p" -t -c /dev/null -o dns_trust_anchor="$T/ta.ds" "$@" 2>&1 >/dev/null)
	rc=$?
	check_eq "$rc" 78 "$p -t: $what: exit 78"
	check_match "$out" "$want" "$p -t: $what: says why on stderr"
}
for p in mxready-milter mxready-policyd; do
	tcheck $p "^$p: user: 'nosuchuser' does not exist" "user = nosuchuser" -o user=nosuchuser
	tcheck $p "^$p: dns_trust_anchor: .*$T/missing.ds" "a missing dns_trust_anchor" -o user= -o dns_trust_anchor="$T/missing.ds"
	tcheck $p "^$p: log_file: $T/nodir/log: " "an unwritable log_file" -o user= -o log_file="$T/nodir/log"
	out=$("$B/$p" -t -c /dev/null -o user= -o dns_trust_anchor="$T/ta.ds" -o log_file="$T/ok.log" 2>&1)
	check_eq "$?:$out" "0:$p: configuration /dev/null OK" "$p -t: a good configuration passes"
	check_eq "$( [ -e "$T/ok.log" ] && echo created)" "" "$p -t creates no log file"
done
# the responder: -t and -n without a mode; a missing secret
sed -e "s|^token_secret = .*|token_secret = $T/missing.secret|" -e "s|^state_dir = .*|state_dir = $T/state|" \
	-e 's|^dkim_.*_key = .*||' "$MXR_TOP/conf/responder.conf" >"$T/responder.conf"
printf 'user =\ndns_trust_anchor = %s\nlog_file = stderr\n' "$T/ta.ds" >"$T/r-mxready.conf"
out=$("$B/mxready-responder" -t -c "$T/r-mxready.conf" -r "$T/responder.conf" 2>&1)
check_eq "$?" 78 "mxready-responder -t: a missing token_secret: exit 78"
check_match "$out" "^mxready-responder: .*$T/missing.secret" "mxready-responder -t: names the missing secret"
out=$(printf 'Subject: x\n\nx\n' | "$B/mxready-responder" -c "$T/r-mxready.conf" -r "$T/responder.conf" -f a@b.example test 2>&1)
check_eq "$?" 75 "mxready-responder test with a missing secret: exit 75, Postfix keeps the mail (78 would bounce it)"
check_match "$out" "mxready-responder: configuration error: token_secret: .*$T/missing.secret" "mxready-responder test with a missing secret: says why on stderr"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/missing.secret"
out=$("$B/mxready-responder" -t -c "$T/r-mxready.conf" -r "$T/responder.conf" 2>&1)
check_eq "$?:$out" "0:mxready-responder: configuration $T/r-mxready.conf and $T/responder.conf OK" "mxready-responder -t: with the secret: OK"
out=$("$B/mxready-responder" -n -c "$T/r-mxready.conf" -r "$T/responder.conf" 2>&1)
check_match "$out" "^token_secret = $T/missing.secret\$" "mxready-responder -n prints the effective settings"

# --- sd_notify: a datagram socket standing in for systemd
$PY - "$T/notify.sock" "$T/notify.log" <<'EOP' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        d, _ = s.recvfrom(4096)
        log.write(d.decode(errors="replace").replace("\n", " ") + "\n")
EOP
PIDS="$PIDS $!"
for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done
: >"$T/notify.log"

waitlog() {   # waitlog FILE REGEX: up to 10 s
	for _ in $(seq 100); do grep -Eq -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
count() { grep -Ec -- "$2" "$1" 2>/dev/null; }

# --- mxready-policyd: SIGHUP
pconf() {   # pconf AUTHSERV-ID [EXTRA LINE]
	printf 'policy_socket = unix:%s\nuser =\nauthserv_id = %s\ndns_resolver = %s\ndns_trust_anchor = %s\nlog_file = %s\n%s\n' \
		"$T/policy.sock" "$1" "$MXR_RESOLVER" "$T/ta.ds" "$T/policyd.log" "${2:-}" >"$T/policyd.conf"
}
ask() {   # ask INSTANCE: one RCPT request, the reply line
	$PY - "$T/policy.sock" "$1" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(sys.argv[1])
req = ("request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=5.0.2.11\n"
       "client_name=mx1.good.xtest\nhelo_name=mx1.good.xtest\nsender=alice@good.xtest\n"
       "recipient=bob@example.net\ninstance=%s\n\n" % sys.argv[2])
s.sendall(req.encode())
buf = b""
while not buf.endswith(b"\n\n"):
    d = s.recv(4096)
    if not d:
        break
    buf += d
print(buf.decode().split("\n")[0])
EOP
}
pconf a.test.example
: >"$T/policyd.log"
NOTIFY_SOCKET=$T/notify.sock "$B/mxready-policyd" -f -R -c "$T/policyd.conf" 2>"$T/policyd.err" &
PP=$!
PIDS="$PIDS $PP"
waitlog "$T/notify.log" '^READY=1' && [ -S "$T/policy.sock" ]
check_eq "$?" 0 "policyd: READY=1 on NOTIFY_SOCKET once the socket listens"
check_match "$(ask t93.1)" '^action=PREPEND Authentication-Results: a\.test\.example;' "policyd: answers with authserv-id a.test.example"
pconf b.test.example
kill -HUP "$PP"
waitlog "$T/policyd.log" 'reloaded the configuration'
check_eq "$(kill -0 "$PP" 2>/dev/null && echo alive)" alive "policyd: alive after SIGHUP"
check_match "$(ask t93.2)" '^action=PREPEND Authentication-Results: b\.test\.example;' "policyd: after SIGHUP answers with the new authserv-id"
check_match "$(grep -E '^(READY|RELOADING)' "$T/notify.log" | tr '\n' ' ')" '^READY=1 RELOADING=1 READY=1 $' "policyd: RELOADING=1 then READY=1 around the reload"
pconf c.test.example 'no_such_setting = 1'
kill -HUP "$PP"
waitlog "$T/policyd.log" 'reload failed'
check_match "$(grep 'reload failed' "$T/policyd.log")" "reload failed, keeping the old configuration: $T/policyd.conf:7: " \
	"policyd: a broken file on SIGHUP is logged with file:line"
check_eq "$(kill -0 "$PP" 2>/dev/null && echo alive)" alive "policyd: alive after a failed reload"
check_match "$(ask t93.3)" '^action=PREPEND Authentication-Results: b\.test\.example;' "policyd: after a failed reload the old settings stay"
kill -TERM "$PP"
wait "$PP"
check_eq "$?" 0 "policyd: SIGTERM: exit 0"
check_match "$(tail -n 1 "$T/notify.log")" '^STOPPING=1' "policyd: STOPPING=1 on the way out"

# --- mxready-milter: SIGHUP, seen through Postfix
# the socket's directory belongs to the user the milter becomes (as the
# package's /var/spool/postfix/mxready does), so that it can remove it
mkdir -p "$T/msock"
chown postfix "$T/msock"
mconf() {
	printf 'milter_socket = unix:%s\nuser = postfix\nauthserv_id = %s\ndns_resolver = %s\ndns_trust_anchor = %s\nlog_file = %s\n%s\n' \
		"$T/msock/milter.sock" "$1" "$MXR_RESOLVER" "$T/ta.ds" "$T/milter.log" "${2:-}" >"$T/milter.conf"
	chmod 644 "$T/milter.conf"
}
mconf a.test.example
: >"$T/milter.log"; chmod 666 "$T/milter.log"
: >"$T/notify.log"
NOTIFY_SOCKET=$T/notify.sock "$B/mxready-milter" -f -c "$T/milter.conf" 2>"$T/milter.err" &
MP=$!
PIDS="$PIDS $MP"
waitlog "$T/notify.log" '^READY=1' && [ -S "$T/msock/milter.sock" ]
check_eq "$?" 0 "milter: READY=1 on NOTIFY_SOCKET once the socket listens"
pf_start "$T/pf" --port "$PORT" --milter "unix:$T/msock/milter.sock" --xclient >"$T/pf.out" 2>&1 ||
	{ fail "private Postfix did not start" "$(cat "$T/pf.out")"; finish; }
send() {   # send SUBJECT: the authserv-id of the first Authentication-Results
	swaks --server "$PF_ADDR4" --from alice@good.xtest --to bob@example.net --helo mx1.good.xtest \
		--xclient-addr 5.0.2.11 --xclient-name mx1.good.xtest --header "Subject: $1" --timeout 60 >"$T/$1.swaks" 2>&1
	f=$(pf_wait_mail "^Subject: $1\$" 30) && pf_headers "$f" | sed -n 's/^Authentication-Results: \([^;]*\);.*/\1/p' | head -n 1
}
check_eq "$(send t93-a)" a.test.example "milter: mail gets authserv-id a.test.example"
mconf b.test.example
kill -HUP "$MP"
waitlog "$T/milter.log" 'reloaded the configuration'
check_eq "$(kill -0 "$MP" 2>/dev/null && echo alive)" alive "milter: alive after SIGHUP"
check_eq "$(send t93-b)" b.test.example "milter: after SIGHUP mail gets the new authserv-id"
mconf c.test.example 'action_spf_fail = maybe'
kill -HUP "$MP"
waitlog "$T/milter.log" 'reload failed'
check_match "$(grep 'reload failed' "$T/milter.log")" "reload failed, keeping the old configuration: $T/milter.conf:7: " \
	"milter: a broken file on SIGHUP is logged with file:line"
check_eq "$(kill -0 "$MP" 2>/dev/null && echo alive)" alive "milter: alive after a failed reload"
check_eq "$(send t93-c)" b.test.example "milter: after a failed reload the old settings stay"
check_eq "$(count "$T/notify.log" '^RELOADING=1'):$(count "$T/notify.log" '^READY=1')" "2:3" "milter: RELOADING=1/READY=1 around each reload"
pf_stop "$T/pf"
kill -TERM "$MP"
wait "$MP"
check_eq "$?" 0 "milter: SIGTERM: exit 0"
check_match "$(tail -n 1 "$T/notify.log")" '^STOPPING=1' "milter: STOPPING=1 on the way out"
check_eq "$( [ -e "$T/msock/milter.sock" ] && echo left)" "" "milter: the socket is removed at exit"
finish
