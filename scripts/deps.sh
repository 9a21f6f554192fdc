#!/bin/sh
# Installs the Debian packages listed in scripts/packages.txt (and
# bench/packages.txt for `make bench`) that are not installed yet.
# Noninteractive and idempotent; needs root only when something is missing.
set -eu
here=$(dirname "$0")
lists="$here/packages.txt"
[ "${MXR_BENCH:-}" = 1 ] && [ -f "$here/../bench/packages.txt" ] && lists="$lists $here/../bench/packages.txt"
missing=""
for p in $(grep -hv '^[[:space:]]*#' $lists | tr -s ' \t' '\n' | sort -u); do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *"ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && { echo "deps: all packages present"; exit 0; }
echo "deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; install these packages first:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix must not ask questions nor configure a system instance.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
# Debian starts the packaged daemons; the tests run their own instances.
for s in nsd unbound postfix opendkim opendmarc; do
	if command -v systemctl >/dev/null 2>&1; then systemctl stop "$s" 2>/dev/null || true; fi
	if command -v service >/dev/null 2>&1; then service "$s" stop >/dev/null 2>&1 || true; fi
done
echo "deps: done"
