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
echo
echo "== Stopping the test world"
exit 0
