#!/bin/sh
# make install from the tree already built ($MXR_BUILD): PREFIX=/usr and
# DESTDIR put the programs in usr/bin and usr/sbin, the sample configuration
# in etc/mxready, the systemd units in usr/lib/systemd/system, sysusers.d and
# tmpfiles.d entries, the man pages in usr/share/man/manN and the documents
# in usr/share/doc/mxready, with the right modes and nothing else, every
# /usr/local path of the shipped files replaced; an edited configuration
# file survives a second install (the new one goes to FILE.dist); the
# sysusers.d and tmpfiles.d entries create the user and the directories in a
# scratch root; no man page names a file that is not installed; the
# installed units pass `systemd-analyze verify` in a root made of the
# installed tree and the host's units, and every man page renders without a
# groff warning.  make runs with -o all: the install target depends on all,
# and rebuilding the shared build directory here (perhaps with other flags)
# is not what this test is about.
. "$(dirname "$0")/../lib.sh"
B=$MXR_TOP/$MXR_BUILD
[ -x "$B/mxready" ] || { fail "mxready built in $MXR_BUILD" "$B/mxready missing"; finish; }
T=$(mktemp -d /tmp/mxr-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
DEST=$T/dest
cd "$MXR_TOP" || { fail "cd $MXR_TOP"; finish; }

inst() {   # inst DESTDIR [VAR=VALUE...]: make install, log in $T/make.log
	d=$1
	shift
	# hermetic: no settings inherited from a calling make or the environment
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u PREFIX -u DESTDIR -u BINDIR -u SBINDIR \
		-u MANDIR -u SYSCONFDIR -u UNITDIR -u SAN -u BUILD \
		make -C "$MXR_TOP" -s -o all BUILD="$MXR_BUILD" DESTDIR="$d" "$@" install >"$T/make.log" 2>&1
}
inst "$DEST" PREFIX=/usr
rc=$?
check_eq "$rc" 0 "make install PREFIX=/usr DESTDIR=... exits 0"
[ $rc -eq 0 ] || { tail -n 20 "$T/make.log"; finish; }

# --- what must be installed, and where (mode path source)
: >"$T/want"
echo "755 usr/bin/mxready $B/mxready" >>"$T/want"
for p in mxready-milter mxready-policyd mxready-responder; do
	[ -f "$B/$p" ] && echo "755 usr/sbin/$p $B/$p" >>"$T/want"
done
# the shipped files name the programs and documents where PREFIX=/usr puts
# them: the source with /usr/local/... replaced
mkdir -p "$T/units" "$T/conf" "$T/man"
usr() { sed -e 's|/usr/local/sbin/|/usr/sbin/|g' -e 's|/usr/local/bin/|/usr/bin/|g' \
	-e 's|/usr/local/share/doc/mxready|/usr/share/doc/mxready|g' "$1"; }
for f in conf/*; do
	[ -f "$f" ] || continue
	usr "$f" >"$T/conf/${f#conf/}"
	echo "644 etc/mxready/${f#conf/} $T/conf/${f#conf/}" >>"$T/want"
done
units=0
if ls systemd/*.service >/dev/null 2>&1; then
	for f in systemd/*.service systemd/*.socket; do
		[ -f "$f" ] || continue
		usr "$f" >"$T/units/${f#systemd/}"
		echo "644 usr/lib/systemd/system/${f#systemd/} $T/units/${f#systemd/}" >>"$T/want"
		units=$((units+1))
	done
fi
echo "644 usr/lib/sysusers.d/mxready.conf $MXR_TOP/systemd/mxready.sysusers" >>"$T/want"
echo "644 usr/lib/tmpfiles.d/mxready.conf $MXR_TOP/systemd/mxready.tmpfiles" >>"$T/want"
mans=0
for m in man/*.[0-9]; do
	[ -f "$m" ] || continue
	usr "$m" >"$T/man/${m#man/}"
	echo "644 usr/share/man/man${m##*.}/${m#man/} $T/man/${m#man/}" >>"$T/want"
	mans=$((mans+1))
done
for d in README.md docs/*.md; do
	[ -f "$d" ] && echo "644 usr/share/doc/mxready/${d##*/} $MXR_TOP/$d" >>"$T/want"
done
nprog=$(grep -c '^755 ' "$T/want")
nconf=$(grep -c ' etc/mxready/' "$T/want")
echo "# expecting $nprog programs, $nconf conf files, $units unit files, $mans man pages"

# every expected file: present, same bytes, right mode
while read -r mode path src; do
	if [ ! -f "$DEST/$path" ]; then
		fail "installed: /$path" "missing"
		continue
	fi
	case $src in "$T"/*/*) what="${src#"$T"/} with PREFIX=/usr paths";; *) what=${src#"$MXR_TOP"/};; esac
	if cmp -s "$src" "$DEST/$path"; then pass "installed: /$path (same as $what)"
	else fail "installed: /$path" "differs from $what: $(diff "$src" "$DEST/$path" | head -3 | tr '\n' ' ')"; fi
	check_eq "$(stat -c %a "$DEST/$path")" "$mode" "installed: /$path mode $mode"
done <"$T/want"
# nothing else (no stray files, nothing outside the expected directories)
(cd "$DEST" && find . -type f -o -type l | sed 's|^\./||' | sort) >"$T/got"
cut -d' ' -f2 "$T/want" | sort >"$T/wantpaths"
extra=$(comm -13 "$T/wantpaths" "$T/got" | tr '\n' ' ')
check_eq "$extra" "" "make install writes nothing but the expected files"
check_eq "$(stat -c %a "$DEST/etc/mxready")" 755 "/etc/mxready is a directory, mode 755"
if [ "$units" -gt 0 ]; then
	check_eq "$(cat "$DEST"/usr/lib/systemd/system/* | grep -c '/usr/local')" 0 \
		"PREFIX=/usr: no installed unit mentions /usr/local"
	check_eq "$(cat "$DEST"/usr/lib/systemd/system/* | grep -cF "$DEST")" 0 \
		"no installed unit mentions the DESTDIR"
fi

# PREFIX=/usr: no shipped text file names /usr/local (issue 12 item 4: the
# spawn and responder snippets named /usr/local/sbin)
left=$(cd "$DEST" && grep -rIl '/usr/local' etc usr/lib usr/share 2>/dev/null | tr '\n' ' ')
check_eq "$left" "" "PREFIX=/usr: no installed text file names /usr/local"
check_match "$(cat "$DEST/etc/mxready/postfix-policyd-spawn.cf")" 'argv=/usr/sbin/mxready-policyd -s' \
	"postfix-policyd-spawn.cf names /usr/sbin/mxready-policyd"
check_match "$(cat "$DEST/etc/mxready/postfix-responder-master.cf")" 'argv=/usr/sbin/mxready-responder ' \
	"postfix-responder-master.cf names /usr/sbin/mxready-responder"

# the milter's default socket lies in the directory tmpfiles.d creates, and
# the snippet names it relative to Postfix's queue directory
if [ -x "$B/mxready-milter" ]; then
	sock=$("$B/mxready-milter" -n -c /dev/null 2>/dev/null | sed -n 's/^milter_socket = unix://p')
	check_eq "$sock" /var/spool/postfix/mxready/milter.sock "the milter's default socket is in Postfix's queue directory"
	check_match "$(cat "$DEST/usr/lib/tmpfiles.d/mxready.conf")" "^d ${sock%/*} 2750 mxready postfix" \
		"tmpfiles.d creates the socket directory (mxready:postfix 2750)"
	check_match "$(grep -v '^#' "$DEST/usr/lib/systemd/system/mxready-milter.service")" "^ReadWritePaths=${sock%/*}\$" \
		"the milter unit may write the socket directory"
	check_match "$(cat "$DEST/etc/mxready/postfix-milter.cf")" 'unix:mxready/milter.sock' \
		"postfix-milter.cf names the socket relative to the queue directory"
fi

# sysusers.d and tmpfiles.d applied to a scratch root (not this machine)
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
	R=$T/sysroot
	mkdir -p "$R/etc"
	printf 'root:x:0:0:root:/root:/bin/sh\npostfix:x:100:101::/var/spool/postfix:/usr/sbin/nologin\n' >"$R/etc/passwd"
	printf 'root:x:0:\npostfix:x:101:\n' >"$R/etc/group"
	out=$(systemd-sysusers --root="$R" "$DEST/usr/lib/sysusers.d/mxready.conf" 2>&1)
	check_eq "$?" 0 "systemd-sysusers accepts sysusers.d/mxready.conf"; [ -n "$out" ] && echo "# $out"
	check_match "$(cat "$R/etc/passwd")" '^mxready:x:[0-9]+:[0-9]+:mxready mail checks:/var/lib/mxready:/usr/sbin/nologin$' \
		"sysusers.d creates the system user mxready (nologin)"
	check_match "$(cat "$R/etc/group")" '^postfix:x:101:(.*,)?mxready$' "sysusers.d puts mxready into group postfix"
	mkdir -p "$R/var/spool/postfix" "$R/run" "$R/var/lib"
	out=$(systemd-tmpfiles --root="$R" --create "$DEST/usr/lib/tmpfiles.d/mxready.conf" 2>&1)
	check_eq "$?" 0 "systemd-tmpfiles --create accepts tmpfiles.d/mxready.conf"; [ -n "$out" ] && echo "# $out"
	uid=$(awk -F: '$1 == "mxready" { print $3 }' "$R/etc/passwd")
	for d in "var/spool/postfix/mxready 2750 $uid:101" "var/lib/mxready/responder 750 $uid" "run/mxready 755 $uid"; do
		set -- $d
		check_eq "$(stat -c '%a %u' "$R/$1" 2>&1)" "$2 ${3%%:*}" "tmpfiles.d: /$1 mode $2 owner mxready"
	done
	check_eq "$(stat -c %g "$R/var/spool/postfix/mxready")" 101 "tmpfiles.d: the socket directory belongs to group postfix"
else
	echo "SKIP: $T_NAME: systemd-sysusers/systemd-tmpfiles missing: entries not applied"
fi

# every path a man page names under /etc/mxready or /usr is installed
if command -v man >/dev/null 2>&1; then
	for m in "$DEST"/usr/share/man/man*/*; do
		[ -f "$m" ] || continue
		missing=$(MANWIDTH=200 man -l "$m" 2>/dev/null | grep -oE '/(etc/mxready|usr)/[A-Za-z0-9._/-]*[A-Za-z0-9_]' |
			sort -u | while read -r f; do
				# other packages' files; files the admin makes (keys, the secret)
				case $f in /usr/share/dns/*|/usr/share/doc/postfix*) continue;;
				/etc/mxready/*.pem|/etc/mxready/*.secret) continue;; esac
				[ -e "$DEST$f" ] || printf '%s ' "$f"
			done)
		check_eq "$missing" "" "${m##*/}: every file it names under /etc/mxready and /usr is installed"
	done
fi

# the admin's configuration survives a second install (issue 12 item 1)
echo "# an admin's edit" >>"$DEST/etc/mxready/mxready.conf"
cp "$DEST/etc/mxready/mxready.conf" "$T/edited.conf"
inst "$DEST" PREFIX=/usr
check_eq "$?" 0 "make install over an edited configuration exits 0"
check_eq "$(cmp -s "$T/edited.conf" "$DEST/etc/mxready/mxready.conf" && echo kept)" kept \
	"make install keeps the edited /etc/mxready/mxready.conf"
check_eq "$(cmp -s "$T/conf/mxready.conf" "$DEST/etc/mxready/mxready.conf.dist" && echo same)" same \
	"the shipped mxready.conf goes to /etc/mxready/mxready.conf.dist"
check_match "$(cat "$T/make.log")" 'kept your /etc/mxready/mxready.conf; the shipped version is /etc/mxready/mxready.conf.dist' \
	"make install says it kept the file and where the new one is"
rm -f "$DEST/etc/mxready/mxready.conf.dist"
cp "$T/conf/mxready.conf" "$DEST/etc/mxready/mxready.conf"

# the installed program runs
out=$("$DEST/usr/bin/mxready" --help 2>&1)
check_eq "$?" 0 "installed /usr/bin/mxready --help exits 0"
check_match "$out" '^usage: mxready check' "installed /usr/bin/mxready prints its usage"
for p in mxready-milter mxready-policyd mxready-responder; do
	[ -x "$DEST/usr/sbin/$p" ] || continue
	[ -x "$DEST/usr/bin/$p" ] && fail "$p installed in bin" "daemons belong in sbin"
done

# a second install over the first one works and leaves the same set of
# files, each still equal to its source
inst "$DEST" PREFIX=/usr
check_eq "$?" 0 "make install a second time over the first exits 0"
(cd "$DEST" && find . -type f -o -type l | sed 's|^\./||' | sort) >"$T/got2"
check_eq "$(cmp -s "$T/got" "$T/got2" && echo same)" same "the second install leaves the same set of files"
bad=$(while read -r mode path src; do cmp -s "$src" "$DEST/$path" || printf '%s ' "$path"; done <"$T/want")
check_eq "$bad" "" "after the second install every file equals its source"

# the default PREFIX is /usr/local
inst "$T/dest2"
check_eq "$?" 0 "make install with the default PREFIX exits 0"
check_eq "$( [ -x "$T/dest2/usr/local/bin/mxready" ] && echo yes)" yes "default PREFIX: /usr/local/bin/mxready"
[ -f "$B/mxready-milter" ] &&
	check_eq "$( [ -x "$T/dest2/usr/local/sbin/mxready-milter" ] && echo yes)" yes "default PREFIX: /usr/local/sbin/mxready-milter"

# SYSCONFDIR moves the configuration, and the units follow it
inst "$T/dest3" PREFIX=/usr SYSCONFDIR=/srv/etc
check_eq "$?" 0 "make install SYSCONFDIR=/srv/etc exits 0"
check_eq "$( [ -f "$T/dest3/srv/etc/mxready/mxready.conf" ] && [ ! -e "$T/dest3/etc" ] && echo yes)" yes \
	"SYSCONFDIR=/srv/etc: the configuration in /srv/etc/mxready, nothing in /etc"
if [ "$units" -gt 0 ]; then
	check_eq "$(cat "$T/dest3"/usr/lib/systemd/system/* | sed 's|/srv/etc/mxready|-|g' | grep -c '/etc/mxready')" 0 \
		"SYSCONFDIR=/srv/etc: no installed unit names /etc/mxready"
fi

# --- systemd units
if [ "$units" -eq 0 ]; then
	echo "SKIP: $T_NAME: no systemd/*.service in the tree: no unit to install or verify"
elif ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: $T_NAME: systemd-analyze not installed: $units unit files installed but not verified"
else
	# A root holding the installed tree plus the host's own units (targets,
	# sockets, ...): verify resolves ExecStart= in the root, so the units
	# must name the programs where PREFIX=/usr put them.
	vroot() {   # vroot INSTALLED UNITDIR ROOT
		cp -a "$1/." "$3/"
		mkdir -p "$3/usr/lib/systemd/system"
		for u in /usr/lib/systemd/system/* /lib/systemd/system/*; do
			[ -f "$u" ] && [ ! -L "$u" ] && [ ! -e "$3/$2/${u##*/}" ] &&
				[ ! -e "$3/usr/lib/systemd/system/${u##*/}" ] && cp "$u" "$3/usr/lib/systemd/system/"
		done
	}
	vroot "$DEST" usr/lib/systemd/system "$T/vroot"
	vroot "$T/dest2" usr/local/lib/systemd/system "$T/vroot2"
	for u in "$DEST"/usr/lib/systemd/system/*; do
		n=${u##*/}
		case $n in *.service|*.socket|*.timer|*.path|*.target) ;; *) continue;; esac
		vout=$(systemd-analyze verify --man=no --root="$T/vroot" "$n" 2>&1)
		vrc=$?
		check_eq "$vrc:$vout" "0:" "systemd-analyze verify $n (PREFIX=/usr)"
		vout=$(systemd-analyze verify --man=no --root="$T/vroot2" "$n" 2>&1)
		vrc=$?
		check_eq "$vrc:$vout" "0:" "systemd-analyze verify $n (default PREFIX /usr/local)"
		# man: pages named in Documentation= that are ours must be installed
		for doc in $(sed -n 's/^Documentation=//p' "$u"); do
			case $doc in
			man:mxready*\(*\))
				page=${doc#man:}; sec=${page#*\(}; sec=${sec%\)}; page=${page%%\(*}
				check_eq "$( [ -f "$DEST/usr/share/man/man$sec/$page.$sec" ] && echo yes)" yes \
					"$n: Documentation=$doc is installed";;
			esac
		done
	done
fi

# --- man pages
if [ "$mans" -eq 0 ]; then
	echo "SKIP: $T_NAME: no man/*.[0-9] in the tree: no man page to install or render"
elif ! command -v man >/dev/null 2>&1; then
	echo "SKIP: $T_NAME: man not installed: $mans man pages installed but not rendered"
else
	for m in "$DEST"/usr/share/man/man*/*; do
		[ -f "$m" ] || continue
		n=${m#"$DEST"/usr/share/man/}
		warn=$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
		check_eq "$warn" "" "man -l $n renders without warnings"
		text=$(MANWIDTH=80 man -l "$m" 2>/dev/null)
		check_match "$text" '^NAME' "man -l $n has a NAME section"
		sec=${m##*.}
		# man(7) .TH NAME SECTION or mdoc(7) .Dt NAME SECTION
		th=$(awk '$1 == ".TH" || $1 == ".Dt" { gsub(/"/, "", $3); print $3; exit }' "$m")
		check_eq "$th" "$sec" "$n: the section of .TH/.Dt matches the directory"
	done
fi
finish
