#!/bin/sh
# The responder's state store under attack, through the real parts:
# mxready-responder processes started as Postfix's pipe(8) starts them, many
# at once, on one LMDB store and on a real redis-server (started here on a
# unix socket, append-only file on), every reply handed to a real Postfix
# (tests/postfix/start.sh) whose maildir is counted.  Issue 13:
#  - 50 test mails from one sender at once: exactly the per-address limit
#    answered; 20 copies of one DSN at once: exactly one forward (both
#    backends);
#  - sidesteps: 60 clients of one /64, 50 "+tag" addresses of one mailbox;
#  - a submission outage (Postfix answers 4xx): the mail is deferred, the
#    limit is not spent, the retry is answered;
#  - kill -9 at random points (the store tool ~200 times, the responder
#    itself 40 + 40 times): the store opens, never fewer charges than
#    replies, no token forwarded twice;
#  - Redis stopped mid-run: deferred, then nothing lost, nothing twice;
#  - two responder "hosts" (own configs, state dirs, logs) sharing one
#    redis-server on a unix socket: a DSN of host 1's reply forwarded once by
#    host 2, a sender's limit held across both; and the same with the hosts
#    in two network namespaces and redis-server (password) + a Postfix in a
#    third, at its IPv6 address on a bridge (section 9);
#  - an LMDB store truncated or overwritten: deferred (75), logged.
# Needs root (Postfix) and redis-server.
. "$(dirname "$0")/../lib.sh"
. "$MXR_TOP/tests/postfix/lib.sh"
# MXR_RESP: another responder binary (to see these tests fail before issue 13)
RESP=${MXR_RESP:-$MXR_TOP/$MXR_BUILD/mxready-responder}
TOOL=$MXR_TOP/$MXR_BUILD/tests/rstore_bench
[ "$(id -u)" = 0 ] || { fail "needs root (Postfix)"; finish; }
for c in redis-server redis-cli postfix swaks; do
	command -v "$c" >/dev/null 2>&1 || { fail "missing tool: $c"; finish; }
done
[ -x "$RESP" ] && [ -x "$TOOL" ] || { fail "no $RESP or $TOOL (make SAN=1 all)"; finish; }
T=$(mktemp -d /tmp/mxr-rstate.XXXXXX)
chmod 755 "$T"
RPID=""
P=mxr-s$$                       # namespace prefix of section 9
NETS=""
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null
	pf_stop "$T/pf" >/dev/null 2>&1
	[ -f "$T/pf2/etc/main.cf" ] && pf_stop "$T/pf2" >/dev/null 2>&1
	[ -f "$T/redis2.pid" ] && kill "$(cat "$T/redis2.pid")" 2>/dev/null
	for n in $NETS; do
		for pid in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
		ip netns del "$n" 2>/dev/null
	done
	if [ -n "${MXR_KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pf_start "$T/pf" --port 2562 >"$T/pf.out" 2>&1 || { fail "Postfix did not start" "$(tail -n 3 "$T/pf.out")"; finish; }
# a real redis-server, its data kept in an append-only file; daemonized, so
# that the plain `wait` for the responders below does not wait for it
redis_up() {
	rm -f "$T/redis.pid"
	redis-server --port 0 --unixsocket "$T/redis.sock" --unixsocketperm 700 --save '' \
		--appendonly yes --appendfsync always --dir "$T" --maxmemory-policy noeviction \
		--daemonize yes --pidfile "$T/redis.pid" --logfile "$T/redis-server.log" >/dev/null 2>&1
	for _ in $(seq 50); do
		if redis-cli -s "$T/redis.sock" ping 2>/dev/null | grep -q PONG; then
			RPID=$(cat "$T/redis.pid"); return 0
		fi
		sleep 0.1
	done
	return 1
}
redis_down() {   # killed, not shut down: whatever it had not written is lost
	kill -9 "$RPID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$RPID" 2>/dev/null || break; sleep 0.1; done
	RPID=""
}
redis_up || { fail "redis-server did not start" "$(tail -n 3 "$T/redis-server.log")"; finish; }

printf '0123456789abcdef0123456789abcdef' >"$T/secret"
# conf NAME [LINES...]: responder.conf NAME.conf and mxready-NAME.conf
# logging to NAME.log
conf() {
	n=$1; shift
	cat >"$T/mxready-$n.conf" <<EOC
authserv_id = mx.v6only.example
log_file = $T/$n.log
dns_table = $MXR_TOP/tests/unit/data/ready.tab
EOC
	{
		cat <<EOC
v6only_address = test@v6only.example
dual_address = test@dual.example
token_secret = $T/secret
state_dir = $T/state-$n
submit = 127.0.0.1:2562
rate_per_address = 5
rate_per_domain = 100000
rate_per_client = 20
rate_total = 100000
readiness_timeout = 2
EOC
		for l in "$@"; do echo "$l"; done
	} >"$T/$n.conf"
	: >"$T/$n.log"
}
conf lmdb
conf redis "state_backend = redis" "redis_server = unix:$T/redis.sock" "redis_timeout = 1"
conf host1 "state_backend = redis" "redis_server = unix:$T/redis.sock" "redis_timeout = 1"
conf host2 "state_backend = redis" "redis_server = unix:$T/redis.sock" "redis_timeout = 1"
run() { n=$1; shift; "$RESP" -c "$T/mxready-$n.conf" -r "$T/$n.conf" "$@"; }
msg() { printf 'From: %s\r\nSubject: test\r\nMessage-ID: <%s@example.org>\r\n\r\nbody\r\n' "$1" "$2"; }
# testmail CONF SENDER CLIENT QID: one test mail; its exit status in $T/rc.QID
testmail() { msg "$2" "$4" | run "$1" -f "$2" -a "$3" -q "$4" test >/dev/null 2>&1; echo $? >"$T/rc.$4"; }
dsnmail() { run "$1" -t "bounce+$2@dual.example" -q "$3" dsn <"$T/dsn.eml" >/dev/null 2>&1; echo $? >"$T/rc.$3"; }
sed 's/\r$//' "$MXR_TOP/tests/unit/data/dsn-noaaaa.eml" >"$T/dsn.eml"
# messages delivered to ADDR whose file matches REGEX
mails() { grep -lE -- "$2" $(grep -l "^To: $1" "$PF_MAILDIR"/new/* 2>/dev/null) /dev/null 2>/dev/null | grep -vc '^/dev/null$'; }
# waits until mails ADDR REGEX reaches N (at most S seconds), then 2 s more
# so that an extra message would be seen
waitmails() { i=0; while [ "$(mails "$1" "$2")" -lt "$3" ] && [ $i -lt $(($4 * 5)) ]; do sleep 0.2; i=$((i+1)); done; sleep 2; mails "$1" "$2"; }
# the bounce token of the newest reply B to ADDR
token_of() { f=$(grep -l "^To: $1" "$PF_MAILDIR"/new/* 2>/dev/null | xargs -r grep -l 'reply B of 2' | head -n 1)
	[ -n "$f" ] && sed -n 's/^Return-Path: <bounce+\([0-9a-f]*\)@.*/\1/p' "$f" | head -n 1; }
rcs() { for q in "$@"; do cat "$T/rc.$q"; done | sort | uniq -c | tr -s ' ' | tr '\n' ';'; }
A='reply A of 2'
B='reply B of 2'
FWD='You are not receiving'

# ---- 1. concurrency: 50 test mails at once, 20 copies of one DSN at once -----
for be in lmdb redis; do
	qs=""
	for i in $(seq 50); do testmail $be race-$be@example.org "2001:db8:$i::1" R$be$i & qs="$qs R$be$i"; done
	wait
	check_eq "$(grep -c 'sender=race-.*decision=replied' "$T/$be.log")" 5 "$be: 50 test mails of one sender at once: exactly 5 replied"
	check_eq "$(grep -c 'sender=race-.*reason=rate-limit limit=address' "$T/$be.log")" 45 "$be: the other 45 suppressed by the per-address limit"
	check_eq "$(rcs $qs)" " 50 0;" "$be: all 50 exit 0"
	check_eq "$(waitmails race-$be@example.org "$A" 5 30)" 5 "$be: Postfix delivered exactly 5 replies A"
	check_eq "$(mails race-$be@example.org "$B")" 5 "$be: and exactly 5 replies B"
	tok=$(token_of race-$be@example.org)
	check_match "$tok" '^[0-9a-f]{40}$' "$be: the bounce token of a reply B"
	qs=""
	for i in $(seq 20); do dsnmail $be "$tok" D$be$i & qs="$qs D$be$i"; done
	wait
	check_eq "$(grep -c 'mode=dsn.*decision=forwarded' "$T/$be.log")" 1 "$be: 20 copies of one DSN at once: one forward"
	check_eq "$(grep -c 'mode=dsn.*\(reason=already-forwarded\|reason=forward-in-progress\)' "$T/$be.log")" 19 \
		"$be: the other 19 dropped as already forwarded or deferred while it ran"
	# Postfix retries the deferred copies
	for q in $qs; do [ "$(cat "$T/rc.$q")" = 75 ] && dsnmail $be "$tok" ${q}r; done
	check_eq "$(grep -c 'mode=dsn.*decision=forwarded' "$T/$be.log")" 1 "$be: retried copies are not forwarded again"
	check_eq "$(waitmails race-$be@example.org "$FWD" 1 20)" 1 "$be: the sender received exactly one forwarded DSN"
done
bad=$(printf '%s' "$tok" | sed 's/.$//')$(printf '%s' "$tok" | sed 's/.*\(.\)$/\1/' | tr '0-9a-f' '1-9a-f0')
dsnmail redis "$bad" DF
check_match "$(tail -n 1 "$T/redis.log")" 'DF: .*decision=dropped reason=forged' "a known id with a changed MAC: forged"

# ---- 2. limits that cannot be sidestepped (issue 13, item 3) ---------------
qs=""
for i in $(seq 60); do testmail lmdb "c$i@example.net" "2001:db8:aa:bb::$i" C$i & qs="$qs C$i"
	[ $((i % 15)) = 0 ] && wait; done
wait
check_eq "$(grep -c 'sender=c[0-9]*@example.net .*decision=replied' "$T/lmdb.log")" 20 "60 clients of one /64, per-client limit 20: 20 replied"
check_eq "$(grep -c 'sender=c[0-9]*@example.net .*limit=client' "$T/lmdb.log")" 40 "the other 40 suppressed (limit=client)"
qs=""
for i in $(seq 50); do testmail lmdb "victim+$i@example.org" "2001:db8:$i:1::1" V$i & qs="$qs V$i"
	[ $((i % 15)) = 0 ] && wait; done
wait
testmail lmdb "Victim@Example.ORG" "2001:db8:99:1::1" V51
testmail lmdb "v.ictim+x@example.org" "2001:db8:99:2::1" V52
check_eq "$(grep -ci 'sender=v\.*ictim.*decision=replied' "$T/lmdb.log")" 5 "50 +tag addresses (and case and dots) of one mailbox, limit 5: 5 replied"
check_eq "$(waitmails 'victim+[0-9]*@example.org' "$A" 5 20)" 5 "the mailbox received 5 replies A in all"

# ---- 3. a submission outage burns nothing (issue 13, item 2) ---------------
pf_postconf 'smtpd_client_restrictions = defer'; sleep 1
for i in 1 2 3 4 5 6 7; do testmail lmdb retry@example.org 2001:db8:77::1 Q$i; done
check_eq "$(rcs Q1 Q2 Q3 Q4 Q5 Q6 Q7)" " 7 75;" "Postfix answers 4xx: 7 attempts deferred (75), more than the limit of 5"
check_eq "$(grep -c 'sender=retry@.*decision=deferred reason=submission' "$T/lmdb.log")" 7 "each logged deferred reason=submission"
pf_postconf 'smtpd_client_restrictions ='; sleep 1
testmail lmdb retry@example.org 2001:db8:77::1 Q8
check_eq "$(cat "$T/rc.Q8")" 0 "Postfix's retry after the outage: exit 0"
check_match "$(grep 'Q8: ' "$T/lmdb.log")" 'decision=replied' "the retry is answered, not rate-limited"
check_eq "$(waitmails retry@example.org "$A" 1 20)" 1 "the sender received its reply"
for i in 9 10 11 12 13; do testmail lmdb retry@example.org 2001:db8:77::1 Q$i; done
check_eq "$(grep -c 'sender=retry@.*decision=replied' "$T/lmdb.log")" 5 "the limit still counts the replies handed over: 5 in all"
check_match "$(grep 'Q13: ' "$T/lmdb.log")" 'reason=rate-limit' "the 6th answered mail is suppressed"

# ---- 4. kill -9 at random points -----------------------------------------
# the store tool: reservations, releases, claims, forwards in a loop, killed
# after 0..99 ms; after each kill the store must open and hold every charge
H=$T/hammer
mkdir -p "$H"
start=$(date +%s); n=0; bad=0
while [ $n -lt 200 ] && [ $(($(date +%s) - start)) -lt 60 ]; do
	"$TOOL" hammer lmdb "$H/db" 1795000000 >>"$H/log" 2>/dev/null &
	p=$!
	sleep "0.0$(awk -v s=$n 'BEGIN { srand(s); printf "%02d", int(rand() * 100) }')"
	kill -9 $p 2>/dev/null; wait $p 2>/dev/null
	out=$("$TOOL" check lmdb "$H/db" 1795000000 "$H/log") || { bad=$((bad+1)); echo "$out" | head -n 3; }
	n=$((n+1))
done
[ $n -ge 100 ] && pass "store tool killed $n times (in $(($(date +%s) - start)) s)" || fail "only $n kills in 60 s"
check_eq "$bad" 0 "after every kill: the store opens, no charge lost, no forwarded token claimable"
check_match "$(grep -c '^forwarded' "$H/log")" '^[1-9]' "the tool forwarded tokens between the kills"
# the responder itself, killed while answering (limit 5 for kill@)
for i in $(seq 40); do
	msg kill@example.org K$i | run lmdb -f kill@example.org -a 2001:db8:5::1 -q K$i test >/dev/null 2>&1 &
	p=$!
	sleep "0.$(awk -v s=$i 'BEGIN { srand(s); printf "%02d", int(rand() * 40) }')"
	kill -9 $p 2>/dev/null; wait $p 2>/dev/null
done
for i in $(seq 41 50); do testmail lmdb kill@example.org 2001:db8:5::1 K$i; done
check_nomatch "$(cat "$T/lmdb.log")" 'state-store-(corrupt|error)' "responder killed 40 times: the store never reported damage"
check_match "$(grep 'K50: ' "$T/lmdb.log")" 'reason=rate-limit' "after the kills the limit still holds"
check_match "$(waitmails kill@example.org "$A" 5 10)" '^[0-5]$' "never more replies than the limit (5), whatever was killed"
# DSN processes killed mid-way: 10 tokens, 40 kills, then each DSN once more
for i in $(seq 10); do testmail lmdb tok$i@example.org "2001:db8:6:$i::1" T$i; done
waitmails tok10@example.org "$B" 1 20 >/dev/null
for i in $(seq 10); do eval "tok$i=\$(token_of tok$i@example.org)"; done
for k in $(seq 40); do
	i=$(( (k % 10) + 1 )); eval "t=\$tok$i"
	run lmdb -t "bounce+$t@dual.example" -q KD$k dsn <"$T/dsn.eml" >/dev/null 2>&1 &
	p=$!
	sleep "0.$(awk -v s=$k 'BEGIN { srand(s + 7); printf "%02d", int(rand() * 30) }')"
	kill -9 $p 2>/dev/null; wait $p 2>/dev/null
done
for i in $(seq 10); do eval "t=\$tok$i"; dsnmail lmdb "$t" KF$i; dsnmail lmdb "$t" KG$i; done
sleep 3
twice=0
for i in $(seq 10); do [ "$(mails tok$i@example.org "$FWD")" -gt 1 ] && twice=$((twice+1)); done
check_eq "$twice" 0 "DSN processes killed 40 times: no token forwarded twice"
check_eq "$(grep -cE 'KG[0-9]+: .*reason=(already-forwarded|forward-interrupted)' "$T/lmdb.log")" 10 "every token is done afterwards (forwarded, or interrupted and not resent)"

# ---- 5. Redis stopped mid-run ----------------------------------------------
qs=""
for i in $(seq 20); do testmail redis "rd$i@example.org" "2001:db8:7:$i::1" S$i & qs="$qs S$i"
	[ $i = 6 ] && redis_down; done
wait
testmail redis rd21@example.org 2001:db8:7:21::1 S21
check_eq "$(cat "$T/rc.S21")" 75 "Redis down: a test mail is deferred (75)"
check_match "$(grep 'S21: ' "$T/redis.log" | head -n 1)" 'decision=deferred reason=state-store-error' "logged as state-store-error"
dsnmail redis "$tok" SD
check_eq "$(cat "$T/rc.SD")" 75 "Redis down: a DSN is deferred (75), not dropped"
check_nomatch "$(cat "$T/redis.log")" 'rd[0-9]*@.*reason=rate-limit' "no mail was answered or suppressed as if there were no state"
redis_up || fail "redis-server did not come back"
# Postfix retries what was deferred
for q in $qs S21; do [ "$(cat "$T/rc.$q")" = 75 ] && { i=${q#S}; testmail redis "rd$i@example.org" "2001:db8:7:$i::1" ${q}r; }; done
dup=0; lost=0
sleep 2
for i in $(seq 21); do
	c=$(mails rd$i@example.org "$A"); [ "$c" -gt 1 ] && dup=$((dup+1)); [ "$c" -lt 1 ] && lost=$((lost+1))
done
check_eq "$dup/$lost" 0/0 "after Redis is back: each of 21 senders answered exactly once (nothing lost, nothing twice)"
dsnmail redis "$tok" SD2
check_match "$(grep 'SD2: ' "$T/redis.log")" 'reason=already-forwarded' "the token's mark survived the restart (append-only file)"

# ---- 6. two responder hosts sharing one Redis --------------------------------
testmail host1 multi@example.org 2001:db8:8::1 M1
check_eq "$(waitmails multi@example.org "$B" 1 20)" 1 "host 1 replied"
t=$(token_of multi@example.org)
dsnmail host2 "$t" M2
check_match "$(grep 'M2: ' "$T/host2.log")" 'decision=forwarded' "host 2 forwards the DSN of host 1's reply"
dsnmail host1 "$t" M3
check_match "$(grep 'M3: ' "$T/host1.log")" 'reason=already-forwarded' "host 1 knows it was forwarded"
check_eq "$(waitmails multi@example.org "$FWD" 1 20)" 1 "the sender got one forward"
for i in $(seq 2 7); do testmail host1 multi@example.org 2001:db8:8::1 MA$i & testmail host2 multi@example.org 2001:db8:8::2 MB$i & done
wait
check_eq "$(cat "$T/host1.log" "$T/host2.log" | grep -c 'sender=multi@.*decision=replied')" 5 "12 more mails over both hosts: the limit of 5 holds across hosts"

# ---- 7. a damaged LMDB store ------------------------------------------------
cp -a "$T/state-lmdb" "$T/state-lmdb.good"
truncate -s 0 "$T/state-lmdb/data.mdb"
testmail lmdb late@example.org 2001:db8:9::1 X1
check_eq "$(cat "$T/rc.X1")" 75 "data.mdb truncated to 0: deferred (75)"
check_match "$(grep 'X1: ' "$T/lmdb.log" | tr '\n' ' ')" 'decision=deferred reason=state-store-corrupt.*state store corrupt: .*state.id' "logged: corrupt, with the cause"
testmail lmdb late@example.org 2001:db8:9::1 X2
check_eq "$(cat "$T/rc.X2")" 75 "and stays deferred (never re-initialised as empty)"
rm -rf "$T/state-lmdb"; cp -a "$T/state-lmdb.good" "$T/state-lmdb"
sz=$(stat -c %s "$T/state-lmdb/data.mdb")
truncate -s $((sz / 2)) "$T/state-lmdb/data.mdb"
testmail lmdb late@example.org 2001:db8:9::1 X3
check_eq "$(cat "$T/rc.X3")" 75 "data.mdb cut in half: deferred (75)"
check_match "$(grep 'X3: ' "$T/lmdb.log" | tr '\n' ' ')" 'state-store-corrupt.*truncated' "logged: truncated"
rm -rf "$T/state-lmdb"; cp -a "$T/state-lmdb.good" "$T/state-lmdb"
head -c "$sz" /dev/urandom >"$T/state-lmdb/data.mdb"
testmail lmdb late@example.org 2001:db8:9::1 X4
check_eq "$(cat "$T/rc.X4")" 75 "data.mdb overwritten with garbage: deferred (75)"
check_match "$(grep 'X4: ' "$T/lmdb.log" | tr '\n' ' ')" 'state-store-corrupt' "logged: corrupt"
rm -rf "$T/state-lmdb"; cp -a "$T/state-lmdb.good" "$T/state-lmdb"
testmail lmdb victim+99@example.org 2001:db8:9::1 X5
check_match "$(grep 'X5: ' "$T/lmdb.log")" 'reason=rate-limit limit=address' "the restored store still knows the limits"

# ---- 8. configuration -----------------------------------------------------
printf 'v6only_address = a@b.example\nstate_backend = berkeley\n' >"$T/bad1.conf"
out=$("$RESP" -c "$T/mxready-lmdb.conf" -r "$T/bad1.conf" -t 2>&1); rc=$?
check_eq $rc 78 "state_backend = berkeley under -t: configuration error (78)"
check_match "$out" 'bad1.conf:2: state_backend' "named with file and line"
"$RESP" -c "$T/mxready-lmdb.conf" -r "$T/bad1.conf" test </dev/null >/dev/null 2>&1
check_eq $? 75 "state_backend = berkeley while delivering: 75, Postfix keeps the mail (78 would bounce it)"
printf 'redis_server = localhost\n' >"$T/bad2.conf"
out=$("$RESP" -c "$T/mxready-lmdb.conf" -r "$T/bad2.conf" test </dev/null 2>&1)
check_match "$out" "bad2.conf:1: redis_server: 'localhost' is not" "redis_server without a port: file and line"
sed '/redis_server/d' "$T/redis.conf" >"$T/bad3.conf"
out=$("$RESP" -c "$T/mxready-lmdb.conf" -r "$T/bad3.conf" -t 2>&1); rc=$?
check_eq $rc 78 "state_backend = redis without redis_server under -t: 78"
check_match "$out" 'bad3.conf:[0-9]+: state_backend = redis needs redis_server' "says what is missing"

# ---- 9. two hosts in network namespaces, one Redis at an address of theirs -
# hub bridge; "db" (redis-server with a password, a Postfix sink) at
# 2001:db8:62::10, responder hosts h1 (::1) and h2 (::2)
ok=1
ip netns add "$P-hub" && NETS="$P-hub" && ip -n "$P-hub" link set lo up &&
	ip -n "$P-hub" link add br0 type bridge && ip -n "$P-hub" link set br0 up || ok=0
for h in db:10 h1:1 h2:2; do
	n=${h%:*}; a=${h#*:}
	ip netns add "$P-$n" && NETS="$NETS $P-$n" &&
	ip -n "$P-hub" link add "v$a" type veth peer name eth0 netns "$P-$n" &&
	ip -n "$P-hub" link set "v$a" master br0 up && ip -n "$P-$n" link set lo up &&
	ip -n "$P-$n" link set eth0 up && ip -n "$P-$n" addr add "2001:db8:62::$a/64" dev eth0 nodad || ok=0
done
printf 'pw-%s\n' "$$" >"$T/redis.pw"
ip netns exec "$P-db" redis-server --port 6379 --bind 2001:db8:62::10 --requirepass "pw-$$" --save '' \
	--appendonly no --dir "$T" --daemonize yes --pidfile "$T/redis2.pid" --logfile "$T/redis2.log" >/dev/null 2>&1 || ok=0
ip netns exec "$P-db" sh "$MXR_TOP/tests/postfix/start.sh" "$T/pf2" --port 2563 >"$T/pf2.out" 2>&1 || ok=0
# and a listener on db's address, for the hosts (start.sh listens on loopback)
if [ $ok = 1 ]; then
	postconf -c "$T/pf2/etc" -M "[2001:db8:62::10]:2563/inet=[2001:db8:62::10]:2563 inet n - n - - smtpd" &&
		ip netns exec "$P-db" postfix -c "$T/pf2/etc" reload >/dev/null 2>&1 || ok=0
	i=0
	until ip netns exec "$P-h1" perl -MIO::Socket::IP -e 'exit !IO::Socket::IP->new(PeerHost => "2001:db8:62::10", PeerPort => 2563, Timeout => 1)' 2>/dev/null; do
		i=$((i+1)); [ $i -lt 50 ] || { ok=0; break; }; sleep 0.2
	done
fi
if [ $ok = 1 ]; then
	pass "namespaces: hub, db (redis-server, Postfix), responder hosts h1 and h2"
	for h in 1 2; do
		conf ns$h "state_backend = redis" "redis_server = [2001:db8:62::10]:6379" \
			"redis_password_file = $T/redis.pw" "submit = [2001:db8:62::10]:2563"
	done
	nrun() { h=$1; shift; ip netns exec "$P-h$h" "$RESP" -c "$T/mxready-ns$h.conf" -r "$T/ns$h.conf" "$@"; }
	msg far@example.org N1 | nrun 1 -f far@example.org -a 2001:db8:63::1 -q N1 test >/dev/null 2>&1
	check_match "$(grep 'N1: ' "$T/ns1.log")" 'decision=replied' "h1 answers through the shared Redis"
	i=0; f=""
	while [ -z "$f" ] && [ $i -lt 100 ]; do
		f=$(grep -l 'reply B of 2' "$T/pf2/mail/new/"* 2>/dev/null | head -n 1); sleep 0.2; i=$((i+1)); done
	t=$([ -n "$f" ] && sed -n 's/^Return-Path: <bounce+\([0-9a-f]*\)@.*/\1/p' "$f" | head -n 1)
	check_match "$t" '^[0-9a-f]{40}$' "h1's reply B reached the sink in the db namespace"
	nrun 2 -t "bounce+$t@dual.example" -q N2 dsn <"$T/dsn.eml" >/dev/null 2>&1
	check_match "$(grep 'N2: ' "$T/ns2.log")" 'decision=forwarded' "h2 forwards the DSN of h1's reply"
	nrun 1 -t "bounce+$t@dual.example" -q N3 dsn <"$T/dsn.eml" >/dev/null 2>&1
	check_match "$(grep 'N3: ' "$T/ns1.log")" 'reason=already-forwarded' "and h1 then drops it: forwarded once"
	for k in 2 3 4 5; do
		msg far@example.org NA$k | nrun 1 -f far@example.org -a 2001:db8:63::1 -q NA$k test >/dev/null 2>&1 &
		msg far@example.org NB$k | nrun 2 -f far@example.org -a 2001:db8:63::2 -q NB$k test >/dev/null 2>&1 &
	done
	wait
	check_eq "$(cat "$T/ns1.log" "$T/ns2.log" | grep -c 'sender=far@.*decision=replied')" 5 "9 mails over h1 and h2: the per-address limit of 5 holds across the hosts"
	printf 'wrong\n' >"$T/redis.pw"
	msg far2@example.org N9 | nrun 2 -f far2@example.org -a 2001:db8:63::2 -q N9 test >/dev/null 2>&1
	check_eq $? 75 "a wrong Redis password: deferred (75)"
	check_match "$(grep 'N9: ' "$T/ns2.log" | tr '\n' ' ')" 'state-store-error.*AUTH' "logged with the AUTH error"
else
	fail "namespaces for section 9" "$(tail -n 3 "$T/pf2.out" 2>/dev/null)"
fi

check_nomatch "$(cat "$T"/*.log "$PF_MAILLOG")" 'AddressSanitizer|LeakSanitizer|runtime error' "responder runs are sanitizer-clean"
finish
