#!/bin/sh
# The Debian package (issue 12): `make deb` builds it (dpkg-buildpackage -b,
# nocheck, -j2; MXR_DEB=FILE uses a .deb built before), lintian reports no
# error and no warning that debian/lintian-justifications does not justify;
# `apt-get install ./mxready_*.deb` installs the programs, the disabled
# units, the conffiles, the man pages and docs, the mxready user (group
# postfix) and its directories, and leaves Postfix's configuration as it
# was.  PID 1 is not systemd here, so the milter and the policy daemon start
# from the installed binaries with the installed configuration (plus -o
# overrides naming the test world's resolver and trust anchor) and one
# message goes through a private Postfix that uses both, the milter on its
# default socket /var/spool/postfix/mxready/milter.sock.  Then the package
# is purged: nothing of it is left but the mxready user (Debian policy keeps
# system users); the test removes that user itself if it made it, so the
# machine is left as it was found.
. "$(dirname "$0")/../lib.sh"
world_env
. "$MXR_TOP/tests/postfix/lib.sh"
PORT=${MXR_PF_PORT:-2527}
[ "$(id -u)" = 0 ] || { fail "needs root (dpkg)"; finish; }
if dpkg-query -W -f='${Status}' mxready 2>/dev/null | grep -q 'ok installed'; then
	echo "SKIP: $T_NAME: the package mxready is installed on this machine: not touching it"
	finish
fi
for c in dpkg-buildpackage apt-get swaks postfix; do
	command -v $c >/dev/null || { fail "$c not installed (scripts/packages.txt)"; finish; }
done
T=$(mktemp -d /tmp/mxr-deb.XXXXXX)
chmod 755 "$T"
MPID= PPID2= INSTALLED= USER_BEFORE=
getent passwd mxready >/dev/null && USER_BEFORE=1
GROUPS_BEFORE=$(getent group postfix)
cleanup() {
	[ -f "$T/pf/etc/main.cf" ] && pf_stop "$T/pf"
	for p in $MPID $PPID2; do kill "$p" 2>/dev/null; done
	for p in $MPID $PPID2; do wait "$p" 2>/dev/null; done
	[ -n "$INSTALLED" ] && DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq mxready >/dev/null 2>&1
	if [ -z "$USER_BEFORE" ] && getent passwd mxready >/dev/null; then
		userdel mxready 2>/dev/null
		getent group mxready >/dev/null && groupdel mxready 2>/dev/null
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

# --- build
if [ -n "${MXR_DEB:-}" ]; then
	DEB=$MXR_DEB
else
	s=$(date +%s)
	# hermetic: no SAN=1, BUILD or -j of a calling make leaks into the package
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SAN -u BUILD -u CFLAGS -u LDFLAGS \
		make -C "$MXR_TOP" -s deb >"$T/build.out" 2>&1
	check_eq "$?" 0 "make deb builds the package ($(($(date +%s) - s)) s)"
	DEB=$(ls "$MXR_TOP"/build-deb/mxready_*.deb 2>/dev/null | head -n 1)
fi
[ -f "$DEB" ] || { fail "no .deb" "$(tail -n 20 "$T/build.out")"; finish; }
V=$(dpkg-deb -f "$DEB" Version)
check_eq "$V" "$(dpkg-parsechangelog -l "$MXR_TOP/debian/changelog" -SVersion)" "the package's version is debian/changelog's"

# --- lintian: no error; every warning justified
CH=$(ls "${DEB%/*}"/mxready_*.changes 2>/dev/null | head -n 1)
if command -v lintian >/dev/null && [ -f "$CH" ]; then
	lintian "$CH" >"$T/lintian.out" 2>&1
	sed 's/^/# lintian: /' "$T/lintian.out"
	check_eq "$(grep -c '^E: ' "$T/lintian.out")" 0 "lintian: no error"
	unj=$(sed -n 's/^W: [^ ]* \([a-z0-9-]*\).*/\1/p' "$T/lintian.out" | sort -u | while read -r tag; do
		grep -q "^$tag:" "$MXR_TOP/debian/lintian-justifications" 2>/dev/null || printf '%s ' "$tag"
	done)
	check_eq "$unj" "" "lintian: every warning is justified in debian/lintian-justifications"
else
	echo "SKIP: $T_NAME: lintian or the .changes file missing"
fi

# --- install
md5sum /etc/postfix/* 2>/dev/null | sort >"$T/postfix.before"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$DEB" >"$T/apt.out" 2>&1
rc=$?
INSTALLED=1
check_eq "$rc" 0 "apt-get install ./$(basename "$DEB") exits 0"
[ $rc -eq 0 ] || { tail -n 20 "$T/apt.out"; finish; }
check_match "$(dpkg-query -W -f='${Status}' mxready)" 'install ok installed' "dpkg: mxready installed"
for f in /usr/bin/mxready /usr/sbin/mxready-milter /usr/sbin/mxready-policyd /usr/sbin/mxready-responder; do
	check_eq "$( [ -x "$f" ] && echo yes)" yes "installed: $f"
done
check_eq "$(/usr/bin/mxready --version)" "mxready $V" "mxready --version says the package's version"
for f in /lib/systemd/system/mxready-milter.service /lib/systemd/system/mxready-policyd.service \
    /usr/share/man/man8/mxready-milter.8.gz /usr/share/man/man5/mxready.conf.5.gz \
    /usr/share/doc/mxready/README.Debian /usr/share/doc/mxready/copyright /usr/lib/tmpfiles.d/mxready.conf \
    /usr/lib/sysusers.d/mxready.conf; do
	check_eq "$( [ -f "$f" ] && echo yes)" yes "installed: $f"
done
check_match "$(cat /var/lib/dpkg/info/mxready.conffiles)" '^/etc/mxready/mxready\.conf$' "/etc/mxready/mxready.conf is a conffile"
check_match "$(grep -c '' /var/lib/dpkg/info/mxready.conffiles)" '^[1-9]' "conffiles listed"
check_match "$(grep -c 'ExecStart=/usr/sbin/' /lib/systemd/system/mxready-milter.service)" '^[1-9]' "the unit names /usr/sbin"
en=$(ls /etc/systemd/system/*.wants/mxready* 2>/dev/null | tr '\n' ' ')
check_eq "$en" "" "the units are installed disabled (no .wants link)"
check_match "$(getent passwd mxready)" '^mxready:x:[0-9]+:[0-9]+:[^:]*:/var/lib/mxready:/usr/sbin/nologin$' "the system user mxready exists (nologin)"
check_match "$(id -nG mxready 2>/dev/null)" '(^| )postfix( |$)' "mxready is in group postfix"
check_eq "$(stat -c '%a %U %G' /var/spool/postfix/mxready 2>&1)" "2750 mxready postfix" "/var/spool/postfix/mxready: 2750 mxready:postfix"
check_eq "$(stat -c '%a %U' /var/lib/mxready 2>&1)" "750 mxready" "/var/lib/mxready: 750 mxready"
md5sum /etc/postfix/* 2>/dev/null | sort >"$T/postfix.after"
check_eq "$(diff "$T/postfix.before" "$T/postfix.after" && echo same)" same "Postfix's configuration is untouched"
out=$(/usr/sbin/mxready-milter -t 2>&1)
check_eq "$?:$out" "0:mxready-milter: configuration /etc/mxready/mxready.conf OK" "the installed configuration passes mxready-milter -t"

# --- the installed daemons with the installed configuration
cp "$MXR_TA" "$T/ta.ds"; chmod 644 "$T/ta.ds"
OVR="-o dns_resolver=$MXR_RESOLVER -o dns_trust_anchor=$T/ta.ds -o authserv_id=mx.test.example -l stderr"
/usr/sbin/mxready-milter -f $OVR 2>"$T/milter.log" &
MPID=$!
/usr/sbin/mxready-policyd -f $OVR -o authserv_id=policy.test.example 2>"$T/policyd.log" &
PPID2=$!
S=/var/spool/postfix/mxready/milter.sock
for _ in $(seq 100); do [ -S $S ] && grep -q starting "$T/policyd.log" && break; sleep 0.1; done
check_eq "$(stat -c '%a %U %G' $S 2>&1)" "660 mxready postfix" "the milter's default socket: 0660 mxready:postfix"
check_match "$(ps -o user= -p "$MPID") $(ps -o user= -p "$PPID2")" '^mxready mxready$' "both daemons run as mxready"
pf_start "$T/pf" --port "$PORT" --milter "unix:$S" --policy inet:127.0.0.1:10045 --xclient >"$T/pf.out" 2>&1 ||
	{ fail "private Postfix did not start" "$(cat "$T/pf.out")"; finish; }
swaks --server "$PF_ADDR4" --from alice@good.xtest --to bob@example.net --helo mx1.good.xtest \
	--xclient-addr 5.0.2.11 --xclient-name mx1.good.xtest --header 'Subject: t91' --timeout 60 >"$T/swaks.out" 2>&1
f=$(pf_wait_mail '^Subject: t91' 30)
check_eq "$( [ -n "$f" ] && echo delivered)" delivered "one message through Postfix with the installed milter and policy daemon"
H=$( [ -n "$f" ] && pf_headers "$f")
check_match "$H" '^Authentication-Results: mx\.test\.example; iprev=pass' "the installed milter's Authentication-Results"
check_match "$H" '^Authentication-Results: policy\.test\.example; iprev=pass' "the installed policy daemon's Authentication-Results"
pf_stop "$T/pf"
kill "$MPID" "$PPID2" 2>/dev/null
wait "$MPID" "$PPID2" 2>/dev/null
MPID= PPID2=

# --- purge
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq mxready >"$T/purge.out" 2>&1
check_eq "$?" 0 "apt-get purge mxready exits 0"
INSTALLED=
check_eq "$(dpkg-query -W -f='${Status}' mxready 2>/dev/null | grep -c installed)" 0 "dpkg: mxready gone"
left=$(find /etc /usr /lib /var /run /opt /srv -xdev \( -name '*mxready*' -o -user mxready \) 2>/dev/null |
	grep -v "^/var/lib/dpkg/info/\|^/var/cache/" | tr '\n' ' ')
check_eq "$left" "" "after purge: no file or directory of mxready left"
check_eq "$(ls /var/lib/systemd/deb-systemd-helper-enabled 2>/dev/null | grep -c mxready)" 0 "after purge: no systemd state of its units"
md5sum /etc/postfix/* 2>/dev/null | sort >"$T/postfix.after2"
check_eq "$(diff "$T/postfix.before" "$T/postfix.after2" && echo same)" same "after purge: Postfix's configuration is untouched"
if [ -z "$USER_BEFORE" ]; then
	check_eq "$(getent passwd mxready | cut -d: -f1)" mxready "after purge: the system user stays (Debian policy)"
	userdel mxready 2>/dev/null
	getent group mxready >/dev/null && groupdel mxready 2>/dev/null
	check_eq "$(getent group postfix)" "$GROUPS_BEFORE" "the machine as found: group postfix as before"
fi
finish
