#!/bin/sh
# The Postfix snippets work when pasted (issue 12 item 3).  Debian's stock
# "Internet Site" Postfix (tests/postfix/start.sh --stock: Debian's main.cf
# and master.cf, smtpd and cleanup chrooted in the queue directory) with
# OpenDKIM (verifying, socket in the queue directory, milter_default_action =
# accept) and policyd-spf (spawn, after reject_unauth_destination) set up the
# way their Debian READMEs say.  Then the steps of conf/postfix-milter.cf and
# conf/postfix-policyd.cf run literally: the lines between "---- paste" and
# "---- end", with MAIL_CONFIG naming this instance's configuration
# directory.  Asserts that both lists still hold OpenDKIM and policyd-spf,
# that the global milter_default_action is untouched, and that one message
# afterwards carries the fields of all four: OpenDKIM's
# Authentication-Results, policyd-spf's Received-SPF, mxready-policyd's
# Authentication-Results and MXReady-Report, mxready-milter's
# Authentication-Results (dkim=pass) and MXReady-Report.  The milter listens
# on its default socket name inside the queue directory
# (QUEUE/mxready/milter.sock), which Postfix reaches as unix:mxready/milter.sock
# from the chrooted smtpd.
. "$(dirname "$0")/../lib.sh"
world_env
. "$MXR_TOP/tests/postfix/lib.sh"
MILTER=$MXR_TOP/$MXR_BUILD/mxready-milter
POLICYD=$MXR_TOP/$MXR_BUILD/mxready-policyd
PORT=${MXR_PF_PORT:-2526}
[ -x "$MILTER" ] && [ -x "$POLICYD" ] || { fail "no $MILTER or $POLICYD"; finish; }
[ "$(id -u)" = 0 ] || { fail "needs root (a private Postfix)"; finish; }
for c in postfix swaks opendkim /usr/bin/policyd-spf; do
	command -v $c >/dev/null || { fail "$c not installed (scripts/packages.txt)"; finish; }
done
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
T=$(mktemp -d /tmp/mxr-paste.XXXXXX)
chmod 755 "$T"
MPID= PPID2= DPID=
cleanup() {
	[ -f "$T/pf/etc/main.cf" ] && pf_stop "$T/pf"
	for p in $MPID $PPID2 $DPID; do kill "$p" 2>/dev/null; done
	for p in $MPID $PPID2 $DPID; do wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

pf_start "$T/pf" --stock --port "$PORT" --xclient >"$T/pf.out" 2>&1 ||
	{ fail "stock Postfix did not start" "$(cat "$T/pf.out")"; finish; }
Q=$(postconf -c "$PF_CONF" -h queue_directory)
check_eq "$(postconf -c "$PF_CONF" -Fh smtp/unix/chroot cleanup/unix/chroot)" "y
y" "stock master.cf: smtp and cleanup chrooted"

# --- OpenDKIM, verifying, as its README.Debian suggests for the chroot
mkdir -p "$Q/opendkim"
chown opendkim:postfix "$Q/opendkim"
chmod 750 "$Q/opendkim"
cp "$MXR_TA" "$T/ta.ds"; chmod 644 "$T/ta.ds"
cat >"$T/unbound.conf" <<EOF
server:
	do-not-query-localhost: no
forward-zone:
	name: "."
	forward-addr: ${MXR_RESOLVER%@*}@${MXR_RESOLVER#*@}
EOF
cat >"$T/opendkim.conf" <<EOF
Mode			v
Syslog			no
UserID			opendkim:postfix
UMask			007
Socket			local:$Q/opendkim/opendkim.sock
PidFile			$T/opendkim.pid
AuthservID		dkim.test.example
AlwaysAddARHeader	yes
ResolverConfiguration	$T/unbound.conf
TrustAnchorFile		$T/ta.ds
EOF
chmod 644 "$T/unbound.conf" "$T/opendkim.conf"
opendkim -f -x "$T/opendkim.conf" >"$T/opendkim.err" 2>&1 &
DPID=$!
for _ in $(seq 100); do [ -S "$Q/opendkim/opendkim.sock" ] && break; sleep 0.1; done
check_eq "$( [ -S "$Q/opendkim/opendkim.sock" ] && echo up)" up "OpenDKIM listens in the queue directory"
postconf -c "$PF_CONF" -e "smtpd_milters = unix:opendkim/opendkim.sock" \
	'non_smtpd_milters = $smtpd_milters' "milter_default_action = accept"
# --- policyd-spf as /usr/share/doc/postfix-policyd-spf-python/README.Debian says
postconf -c "$PF_CONF" -M 'policyd-spf/unix=policyd-spf unix - n n - 0 spawn user=policyd-spf argv=/usr/bin/policyd-spf'
postconf -c "$PF_CONF" -e "smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service unix:private/policyd-spf" \
	"policyd-spf_time_limit = 3600"
postfix -c "$PF_CONF" reload >/dev/null 2>&1
sleep 1

mkmsg() {   # mkmsg FILE SUBJECT: signed with good.xtest's sel1 (RFC 8463 A)
	$PY - "$@" <<'EOP'
import sys, dkim
path, subj = sys.argv[1:3]
msg = ("From: Alice <alice@good.xtest>\r\nTo: bob@example.net\r\nSubject: %s\r\n"
       "Date: Sun, 29 Nov 2026 12:00:00 +0000\r\nMessage-ID: <%s@t92>\r\n"
       "\r\nHello from %s.\r\n" % (subj, subj, subj)).encode()
sig = dkim.sign(msg, b"sel1", b"good.xtest", b"nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=",
                signature_algorithm=b"ed25519-sha256",
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
open(path, "wb").write(sig + msg)
EOP
}
send() {   # send SUBJECT: as mx1.good.xtest (5.0.2.11, not in mynetworks)
	mkmsg "$T/$1.eml" "$1" || { fail "cannot sign (python3-dkim)"; finish; }
	swaks --server "$PF_ADDR4" --from alice@good.xtest --to bob@example.net --helo mx1.good.xtest \
		--xclient-addr 5.0.2.11 --xclient-name mx1.good.xtest --data "$T/$1.eml" --timeout 60 >"$T/$1.swaks" 2>&1
}

# --- before: mail flows through OpenDKIM and policyd-spf
send t92-before
f=$(pf_wait_mail '^Subject: t92-before' 30)
check_eq "$( [ -n "$f" ] && echo delivered)" delivered "before: the message is delivered" 
H=$( [ -n "$f" ] && pf_headers "$f")
check_match "$H" '^Authentication-Results: dkim\.test\.example; dkim=pass' "before: OpenDKIM's Authentication-Results (dkim=pass)"
check_match "$H" '^Received-SPF: ' "before: policyd-spf's Received-SPF"

# --- the documented steps, literally
: >"$T/steps.sh"
for f in postfix-milter.cf postfix-policyd.cf; do
	n=$(sed -n '/^# ---- paste/,/^# ---- end/p' "$MXR_TOP/conf/$f" | grep -c '^#     ')
	check_match "$n" '^[1-9]' "conf/$f has the paste steps"
	sed -n '/^# ---- paste/,/^# ---- end/s/^#     //p' "$MXR_TOP/conf/$f" >>"$T/steps.sh"
done
sed 's/^/# step: /' "$T/steps.sh"
out=$(MAIL_CONFIG=$PF_CONF sh -e "$T/steps.sh" 2>&1)
check_eq "$?" 0 "the pasted steps run ($out)"
check_nomatch "$(postfix -c "$PF_CONF" check 2>&1)" 'warning' "postfix check: no warning after the steps"
milters=$(postconf -c "$PF_CONF" -h smtpd_milters)
check_match "$milters" '^,? *unix:opendkim/opendkim\.sock, *\{ *unix:mxready/milter\.sock, default_action=tempfail *\}$' \
	"smtpd_milters: OpenDKIM kept, mxready appended ($milters)"
check_eq "$(postconf -c "$PF_CONF" -h non_smtpd_milters)" '$smtpd_milters' "non_smtpd_milters still \$smtpd_milters"
check_eq "$(postconf -c "$PF_CONF" -h milter_default_action)" accept "the global milter_default_action (OpenDKIM's) untouched"
rr=$(postconf -c "$PF_CONF" -h smtpd_recipient_restrictions)
check_match "$rr" '^reject_unauth_destination, check_policy_service unix:private/policyd-spf, check_policy_service inet:127\.0\.0\.1:10045$' \
	"smtpd_recipient_restrictions: policyd-spf kept, mxready appended ($rr)"
check_match "$(postconf -c "$PF_CONF" -h smtpd_data_restrictions)" 'check_policy_service inet:127\.0\.0\.1:10045$' \
	"smtpd_data_restrictions: mxready appended"

# --- the daemons: default sockets (the milter's inside this queue directory)
mkdir -p "$Q/mxready"
chown postfix:postfix "$Q/mxready"
chmod 750 "$Q/mxready"
cat >"$T/mxready.conf" <<EOF
milter_socket = unix:$Q/mxready/milter.sock
user = postfix
authserv_id = mx.test.example
dns_resolver = $MXR_RESOLVER
dns_trust_anchor = $T/ta.ds
dns_timeout = 8
EOF
: >"$T/milter.log"; : >"$T/policyd.log"; chmod 666 "$T/milter.log" "$T/policyd.log"
"$MILTER" -f -c "$T/mxready.conf" -l "$T/milter.log" 2>"$T/milter.err" &
MPID=$!
"$POLICYD" -f -c "$T/mxready.conf" -l "$T/policyd.log" -o authserv_id=policy.test.example 2>"$T/policyd.err" &
PPID2=$!
for _ in $(seq 100); do
	[ -S "$Q/mxready/milter.sock" ] && grep -q starting "$T/policyd.log" && break
	sleep 0.1
done
check_eq "$( [ -S "$Q/mxready/milter.sock" ] && echo up)" up "mxready-milter listens on QUEUE/mxready/milter.sock"

# --- after: one message through all four
send t92-after
f=$(pf_wait_mail '^Subject: t92-after' 30)
check_eq "$( [ -n "$f" ] && echo delivered)" delivered "after: the message is delivered ($(grep -E '^<[-*]+ +[0-9]{3}' "$T/t92-after.swaks" | tail -n 2 | head -n 1))"
H=$( [ -n "$f" ] && pf_headers "$f")
printf '%s\n' "$H" | grep -E '^(Authentication-Results|MXReady-Report|Received-SPF):' | cut -c1-160 | sed 's/^/# /'
check_match "$H" '^Authentication-Results: dkim\.test\.example; dkim=pass' "after: OpenDKIM's Authentication-Results (dkim=pass)"
check_match "$H" '^Received-SPF: ' "after: policyd-spf's Received-SPF"
check_match "$H" '^Authentication-Results: mx\.test\.example;.* dkim=pass header\.d=good\.xtest' "after: mxready-milter's Authentication-Results (dkim=pass)"
check_match "$H" '^MXReady-Report: mx\.test\.example;' "after: mxready-milter's MXReady-Report"
check_match "$H" '^Authentication-Results: policy\.test\.example;.* spf=' "after: mxready-policyd's Authentication-Results"
check_match "$H" '^MXReady-Report: policy\.test\.example;' "after: mxready-policyd's MXReady-Report"
check_match "$(grep -c 'notice: .*client=5\.0\.2\.11' "$T/milter.log")" '^1$' "after: one milter verdict line"
check_eq "$(pf_queue)" 0 "nothing left in the queue"
finish
