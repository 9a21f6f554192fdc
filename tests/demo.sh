#!/bin/sh
# make demo: what mxready does, as a mail administrator sees it, in the DNS
# test world (tests/world: nsd + unbound on 127.0.0.1, signed zones under
# xtest.):
#   1. `mxready check` reports on a few of its domains;
#   2. mxready-policyd answering a Postfix policy conversation (RCPT, DATA):
#      both fields it prepends, Authentication-Results and MXReady-Report;
#   3. mxready-milter in a private Postfix (root): a DKIM-signed message
#      carrying a forged Authentication-Results field, and an unsigned
#      forgery of a p=reject domain; the header fields that arrive;
#   4. the IPv6 mail test autoresponder (root, network namespaces): a reply A
#      report, the "You are not receiving e-mails over IPv6!" notice, and why
#      each silent mailbox got nothing.
# The world is started for the demo and stopped after it, unless MXR_WORLD
# names a running one (`make world` starts one and leaves it running): then
# every command shown can be run again by hand.
# Usage: tests/demo.sh BUILD_DIR
set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
MXR=$TOP/$BUILD/mxready
[ -x "$MXR" ] || { echo "demo: $MXR not built (make)" >&2; exit 1; }
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
D=$(mktemp -d /tmp/mxr-demo.XXXXXX)
chmod 755 "$D"
OWN_WORLD=
if [ -n "${MXR_WORLD:-}" ] && [ -f "$MXR_WORLD/world.env" ]; then
	W=$MXR_WORLD
else
	W=$D/world
	mkdir -p "$W"
	OWN_WORLD=1
fi
MPID=
cleanup() {
	[ -f "$D/pf/etc/main.cf" ] && sh tests/postfix/stop.sh "$D/pf" >/dev/null 2>&1
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	[ -n "$OWN_WORLD" ] && tests/world/stop.sh "$W" >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

title() {
	echo
	echo "================================================================"
	echo "== $1"
	echo "================================================================"
}

if [ -n "$OWN_WORLD" ]; then
	echo "== Starting the DNS test world (nsd + unbound on 127.0.0.1, signed zones under xtest.)"
	echo "   (it stops at the end; 'make world' keeps one running, then 'MXR_WORLD=/tmp/mxr-world make demo'"
	echo "    reuses it and every command below works by hand)"
	tests/world/start.sh "$W" >"$D/world.log" 2>&1 || { cat "$D/world.log"; echo "demo: the test world did not start" >&2; exit 1; }
else
	echo "== Using the running test world in $W"
fi
. "$W/world.env"
TA=$MXR_TA

# ---------------------------------------------------------------- 1. reports
show() {   # DOMAIN TITLE
	title "$2"
	echo "\$ $BUILD/mxready check --resolver $MXR_RESOLVER --trust-anchor $TA $1"
	"$MXR" check --resolver "$MXR_RESOLVER" --trust-anchor "$TA" --timeout 5 "$1"
	echo "(exit status $?)"
}
show good.xtest "A well configured domain: MX with IPv6, DNSSEC, DANE with rollover, SPF -all, DMARC reject, DKIM"
show v6-none.xtest "An IPv4-only MX host"
show v6-linklocal.xtest "An MX host whose only AAAA is link-local (fe80::/10)"
show bogus.xtest "A DNSSEC-bogus domain (the parent's DS matches no key of the zone)"
show mx-null.xtest "A null MX (RFC 7505): the domain receives no mail"

# ---------------------------------------------------------------- 2. policy
if [ -x "$TOP/$BUILD/mxready-policyd" ]; then
	title "mxready-policyd: Postfix's policy conversation for two messages (spawn mode, stdin/stdout)"
	printf 'dns_resolver = %s\ndns_trust_anchor = %s\nauthserv_id = mx.demo.xtest\nlog_file = stderr\naction_null_mx = reject\n' \
	    "$MXR_RESOLVER" "$TA" >"$D/policyd.conf"
	req() {   # STATE CLIENT NAME SENDER INSTANCE
		printf '%s\n' request=smtpd_access_policy "protocol_state=$1" "client_address=$2" "client_name=$3" \
		    helo_name=mx1.good.xtest "sender=$4" recipient=bob@demo.xtest "instance=$5" ''
	}
	echo "Postfix asks once per recipient (RCPT) and once at DATA; the first answer of a message"
	echo "prepends Authentication-Results, the second MXReady-Report.  The answers:"
	echo "\$ (requests) | $BUILD/mxready-policyd -s -c policyd.conf"
	{ req RCPT 5.0.2.11 mx1.good.xtest alice@good.xtest demo.1; req DATA 5.0.2.11 mx1.good.xtest alice@good.xtest demo.1
	  req RCPT 5.0.2.99 unknown x@mx-null.xtest demo.2; } |
	    "$TOP/$BUILD/mxready-policyd" -s -c "$D/policyd.conf" 2>"$D/policyd.log" | sed '/^$/d; s/^/  /'
	echo "-- its verdict lines (one per message; syslog in production):"
	sed 's/^[^ ]* //; s/^/  /' "$D/policyd.log"
fi

# ---------------------------------------------------------------- 3. milter
if [ "$(id -u)" = 0 ] && [ -x "$TOP/$BUILD/mxready-milter" ] && command -v postfix >/dev/null && command -v swaks >/dev/null; then
	title "mxready-milter in a private Postfix: a signed message with a forged field, an unsigned forgery"
	MXR_TOP=$TOP
	. "$TOP/tests/postfix/lib.sh"
	cp "$TA" "$D/ta.ds"; chmod 644 "$D/ta.ds"
	cat >"$D/milter.conf" <<EOF
milter_socket = unix:$D/milter.sock
user = postfix
authserv_id = mx.demo.xtest
dns_resolver = $MXR_RESOLVER
dns_trust_anchor = $D/ta.ds
log_file = $D/milter.log
EOF
	chmod 644 "$D/milter.conf"; : >"$D/milter.log"; chmod 666 "$D/milter.log"
	"$TOP/$BUILD/mxready-milter" -f -c "$D/milter.conf" 2>"$D/milter.err" &
	MPID=$!
	for _ in $(seq 100); do [ -S "$D/milter.sock" ] && break; sleep 0.1; done
	PORT=${MXR_DEMO_PORT:-2531}
	if pf_start "$D/pf" --port "$PORT" --milter "unix:$D/milter.sock" --xclient >"$D/pf.out" 2>&1; then
		$PY - "$D/signed.eml" "$D/forged.eml" <<'EOP'
import sys, dkim
signed = ("From: Alice <alice@good.xtest>\r\nTo: bob@demo.xtest\r\nSubject: signed\r\n"
          "Date: Wed, 02 Dec 2026 12:00:00 +0000\r\nMessage-ID: <signed@demo>\r\n"
          "Authentication-Results: mx.demo.xtest; dkim=pass header.d=forged.example\r\n"
          "\r\nA signed message from good.xtest, carrying a forged field.\r\n").encode()
sig = dkim.sign(signed, b"sel1", b"good.xtest", b"nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=",
                signature_algorithm=b"ed25519-sha256",
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
open(sys.argv[1], "wb").write(sig + signed)
open(sys.argv[2], "wb").write(("From: Alice <alice@good.xtest>\r\nTo: bob@demo.xtest\r\n"
    "Subject: forged\r\nMessage-ID: <forged@demo>\r\n\r\nNot from good.xtest at all.\r\n").encode())
EOP
		echo "1) mx1.good.xtest (5.0.2.11) sends a message DKIM-signed by good.xtest (Ed25519) that carries"
		echo "   a forged 'Authentication-Results: mx.demo.xtest; dkim=pass header.d=forged.example':"
		echo "\$ swaks --server $PF_ADDR4 --xclient-addr 5.0.2.11 --xclient-name mx1.good.xtest --helo mx1.good.xtest \\"
		echo "    --from alice@good.xtest --to bob@demo.xtest --data signed.eml"
		swaks --server "$PF_ADDR4" --xclient-addr 5.0.2.11 --xclient-name mx1.good.xtest --helo mx1.good.xtest \
		    --from alice@good.xtest --to bob@demo.xtest --data "$D/signed.eml" --timeout 60 >"$D/signed.swaks" 2>&1
		echo "   $(grep -E '^<- +250 2\.0\.0' "$D/signed.swaks" | tail -n 1 | sed 's/^<- *//')"
		if f=$(pf_wait_mail '^Subject: signed' 30); then
			echo "   The header fields that arrive (ours on top; the forged one is gone):"
			pf_headers "$f" | grep -E '^(Authentication-Results|MXReady-Report|DKIM-Signature|From|Subject):' |
			    cut -c1-400 | fold -s -w 100 | sed 's/^/     /'
			pf_headers "$f" | grep -q 'forged\.example' && echo "     (!) the forged field is still there" ||
			    echo "     removed: Authentication-Results: mx.demo.xtest; dkim=pass header.d=forged.example"
		else
			echo "   (not delivered: $(tail -n 3 "$PF_MAILLOG"))"
		fi
		echo
		echo "2) 5.0.2.99 (not in good.xtest's SPF) sends an unsigned message with From: alice@good.xtest;"
		echo "   good.xtest publishes DMARC p=reject:"
		echo "\$ swaks --server $PF_ADDR4 --xclient-addr 5.0.2.99 --helo mx1.good.xtest \\"
		echo "    --from alice@good.xtest --to bob@demo.xtest --data forged.eml"
		swaks --server "$PF_ADDR4" --xclient-addr 5.0.2.99 --helo mx1.good.xtest \
		    --from alice@good.xtest --to bob@demo.xtest --data "$D/forged.eml" --timeout 60 >"$D/forged.swaks" 2>&1
		echo "   Postfix answers: $(grep -E '^<[-*]+ +[45][0-9][0-9]' "$D/forged.swaks" | tail -n 1 | sed 's/^<[-*]* *//')"
		echo "-- the milter's verdict lines (one per message):"
		for _ in $(seq 50); do [ "$(grep -c 'notice: .*client=' "$D/milter.log")" -ge 2 ] && break; sleep 0.1; done
		grep 'notice: .*client=' "$D/milter.log" | sed 's/^[^ ]* //' | fold -s -w 100 | sed 's/^/  /'
		sh tests/postfix/stop.sh "$D/pf" >/dev/null 2>&1
	else
		echo "(the private Postfix did not start: $(tail -n 3 "$D/pf.out"))"
	fi
	kill "$MPID" 2>/dev/null; wait "$MPID" 2>/dev/null; MPID=
else
	title "mxready-milter in a private Postfix"
	echo "(skipped: needs root, postfix and swaks)"
fi

if [ -n "$OWN_WORLD" ]; then
	echo
	echo "== Stopping the test world"
	tests/world/stop.sh "$W" >/dev/null 2>&1
	OWN_WORLD=
fi

# ---------------------------------------------------------------- 4. responder
# The autoresponder story (issue 6): hosts in network namespaces, our mail
# host with Postfix + mxready-milter + mxready-responder, and three senders
# (dual-stack, IPv4-only MX, IPv6 port 25 closed).  It runs its own world.
title "The IPv6 mail test: senders mail test@v6only-resp.xtest (network namespaces)"
if [ "$(id -u)" = 0 ]; then
	MXR_KEEP=1 MXR_BUILD=$BUILD sh tests/e2e/60_responder_netns.sh >"$D/resp.log" 2>&1
	rc=$?
	R=$(sed -n 's/^kept //p' "$D/resp.log" | tail -n 1)
	body() {   # FILE: the text/plain part of a message
		$PY - "$1" <<'EOP'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print("Subject: " + str(m["Subject"]))
print()
part = m.get_body(preferencelist=("plain",))
print((part.get_content() if part else "(no text part)").rstrip())
EOP
	}
	first() { grep -lE -- "$2" "$1"/* 2>/dev/null | head -n 1; }
	if [ -n "$R" ] && [ -d "$R" ]; then
		A=$(first "$R/pf-ds/mail/user/new" '^Subject: .*reply A of 2')
		if [ -n "$A" ]; then
			echo "-- reply A to user@resp-ds.xtest (dual-stack sender), its text part:"
			body "$A" | sed 's/^/  | /'
		fi
		N=$(first "$R/pf-closed/mail/user/new" '^Subject: You are not receiving e-mails over IPv6!')
		if [ -n "$N" ]; then
			echo
			echo "-- to user@resp-closed.xtest (port 25 closed on IPv6): reply B bounced, the DSN is forwarded:"
			body "$N" | sed 's/^/  | /'
		fi
		echo
		echo "-- every mailbox of the senders (what arrived; the responder's other decisions for it):"
		subjects() { for f in "$1"/*; do sed -n '/^$/q; s/^Subject: //p' "$f"; done | tr '\n' ';' | sed 's/;$//; s/;/; /g'; }
		decisions() {   # ADDRESS: the responder's decisions other than replied, counted
			grep -h "sender=$1 " "$R"/responder.log 2>/dev/null | grep -v 'decision=replied' |
			    grep -o 'decision=[^ ]*\( reason=[^ ]*\)\?' | sort | uniq -c | sed 's/^ *//' | tr '\n' ';' | sed 's/;$//; s/;/, /g'
		}
		for hu in ds:user v4:user closed:user ds:rate ds:big ds:loop1 ds:loop2 ds:loop3 ds:loop4 ds:loop5 ds:loop6 ds:user3; do
			h=${hu%:*}; u=${hu#*:}; a="$u@resp-$h.xtest"
			n=$(ls "$R/pf-$h/mail/$u/new" 2>/dev/null | wc -l | tr -d ' ')
			why=$(decisions "$(printf '%s' "$a" | sed 's/\./\\./g')")
			if [ "$n" -gt 0 ]; then
				printf '  %-24s %s message(s): %s\n' "$a" "$n" "$(subjects "$R/pf-$h/mail/$u/new")"
				[ -n "$why" ] && printf '  %-24s   and: %s\n' "" "$why"
			elif [ "$u" = user3 ]; then
				printf '  %-24s nothing: a DSN came back with a forged bounce token (%s)\n' "$a" \
				    "$(grep -h 'mode=dsn' "$R"/responder.log | grep -o 'decision=dropped reason=[a-z-]*forged[a-z-]*' | sort -u | tr '\n' ' ' | sed 's/ $//')"
			else
				printf '  %-24s nothing: %s\n' "$a" "${why:-no decision logged}"
			fi
		done
		rm -rf "$R"
	fi
	echo "($(grep -c '^PASS: ' "$D/resp.log") assertions passed, $(grep -c '^FAIL: ' "$D/resp.log") failed)"
	[ $rc -eq 0 ] || grep '^FAIL: ' "$D/resp.log"
else
	echo "(skipped: network namespaces need root)"
fi

# mxready stats (issue 11): the seed 002 figures from a generated log.
echo
echo "== mxready stats: a log with the CESNET IPv6 mail test's figures (tests/data/gen_stats_seed.py)"
$PY tests/data/gen_stats_seed.py "$D/stats.log" >/dev/null && "$MXR" stats "$D/stats.log" | sed -n '/^IPv6 mail test/,/^$/p'
"$MXR" stats --html "$TOP/$BUILD/stats-demo.html" "$D/stats.log" && echo "HTML page: $TOP/$BUILD/stats-demo.html"
exit 0
