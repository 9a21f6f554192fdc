#!/bin/sh
# Installs the Debian packages listed in scripts/packages.txt (and
# bench/packages.txt for `make bench`) that are not installed yet.
# Noninteractive and idempotent; needs root only when something is missing.
#
# It never stops, restarts or reconfigures a service that was there before it
# ran: packages it installs are kept from starting at all (a policy-rc.d that
# denies every start while apt runs, the Debian way, see invoke-rc.d(8)), and
# only the units of packages that this very run installed are disabled.
set -eu
here=$(dirname "$0")
lists="$here/packages.txt"
[ "${MXR_BENCH:-}" = 1 ] && [ -f "$here/../bench/packages.txt" ] && lists="$lists $here/../bench/packages.txt"
missing=""
for p in $(grep -hv '^[[:space:]]*#' $lists | sed 's/#.*//' | tr -s ' \t' '\n' | sort -u); do
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

# Keep newly installed daemons from starting.  An admin's own policy-rc.d is
# left alone (it already decides); ours is removed on every exit path.
prc=/usr/sbin/policy-rc.d ours=""
if [ ! -e "$prc" ]; then
	printf '#!/bin/sh\n# mxready deps.sh: no service starts while it installs packages\nexit 101\n' >"$prc"
	chmod 755 "$prc"; ours=1
	trap 'rm -f "$prc"' EXIT INT TERM
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
[ -n "$ours" ] && rm -f "$prc"

# Units of the packages installed just now stay disabled: the tests run their
# own instances.  A package that was installed before is not touched.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	for s in nsd unbound postfix opendkim opendmarc redis-server; do
		case " $missing " in *" $s "*) systemctl disable --quiet "$s" 2>/dev/null || true ;; esac
	done
fi
echo "deps: done"
