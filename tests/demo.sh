#!/bin/sh
# make demo: starts the DNS test world (tests/world) in a temporary directory,
# shows `mxready check` (human output) on a few of its domains, stops the world.
# Usage: tests/demo.sh BUILD_DIR
set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
MXR=$TOP/$BUILD/mxready
[ -x "$MXR" ] || { echo "demo: $MXR not built (make)" >&2; exit 1; }
W=$(mktemp -d /tmp/mxr-demo.XXXXXX)
trap 'tests/world/stop.sh "$W" >/dev/null 2>&1; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM HUP PIPE
echo "== Starting the DNS test world (nsd + unbound on 127.0.0.1, signed zones under xtest.)"
tests/world/start.sh "$W" || { echo "demo: the test world did not start" >&2; exit 1; }
. "$W/world.env"

show() {   # DOMAIN TITLE
	echo
	echo "================================================================"
	echo "== $2"
	echo "== \$ mxready check --resolver $MXR_RESOLVER --trust-anchor ta.ds $1"
	echo "================================================================"
	"$MXR" check --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout 5 "$1"
	echo "(exit status $?)"
}
show good.xtest "A well configured domain: MX with IPv6, DNSSEC, DANE with rollover, SPF -all, DMARC reject, DKIM"
show v6-none.xtest "An IPv4-only MX host"
show v6-linklocal.xtest "An MX host whose only AAAA is link-local (fe80::/10)"
show bogus.xtest "A DNSSEC-bogus domain (the parent's DS matches no key of the zone)"
show mx-null.xtest "A null MX (RFC 7505): the domain receives no mail"
# The policy service answers two Postfix policy requests (spawn mode).
if [ -x "$TOP/$BUILD/mxready-policyd" ]; then
	echo
	echo "================================================================"
	echo "== mxready-policyd: two Postfix policy requests (a good sender; a null-MX sender)"
	echo "================================================================"
	printf 'dns_resolver = %s\ndns_trust_anchor = %s\nauthserv_id = mx.demo.xtest\nlog_file = stderr\n' \
	    "$MXR_RESOLVER" "$MXR_TA" >"$W/policyd.conf"
	printf '%s\n' request=smtpd_access_policy protocol_state=RCPT client_address=5.0.2.11 \
	    client_name=mx1.good.xtest helo_name=mx1.good.xtest sender=alice@good.xtest \
	    recipient=bob@demo.xtest instance=demo.1 '' \
	    request=smtpd_access_policy protocol_state=RCPT client_address=5.0.2.99 \
	    helo_name=mx1.good.xtest sender=x@mx-null.xtest recipient=bob@demo.xtest instance=demo.2 '' |
	    "$TOP/$BUILD/mxready-policyd" -s -c "$W/policyd.conf" 2>"$W/policyd.log"
	echo "-- its verdict lines (syslog):"
	sed 's/^[^ ]* //' "$W/policyd.log"
fi

echo
echo "== Stopping the test world"
tests/world/stop.sh "$W" >/dev/null 2>&1

# The autoresponder story (issue 6): hosts in network namespaces, our mail
# host with Postfix + mxready-milter + mxready-responder, and three senders
# (dual-stack, IPv4-only MX, IPv6 port 25 closed).  Needs root.
echo
echo "================================================================"
echo "== The IPv6 mail test: every sender mails test@v6only-resp.xtest"
echo "================================================================"
if [ "$(id -u)" = 0 ]; then
	MXR_BUILD=$BUILD sh tests/e2e/60_responder_netns.sh >"$W.resp.log" 2>&1
	rc=$?
	sed -n '/^== mailboxes/,$p' "$W.resp.log" | grep -v '^PASS: '
	echo "($(grep -c '^PASS: ' "$W.resp.log") assertions passed, $(grep -c '^FAIL: ' "$W.resp.log") failed; log $W.resp.log)"
	[ $rc -eq 0 ] || grep '^FAIL: ' "$W.resp.log"
else
	echo "(skipped: network namespaces need root)"
fi
exit 0
