#!/bin/sh
# mxready-policyd behind a real Postfix (check_policy_service in
# smtpd_recipient_restrictions and smtpd_data_restrictions): swaks over
# 127.0.0.1 and ::1, playing DNS-world clients with XCLIENT.  Asserts the
# SMTP replies (RFC 7372 codes, 4xx on DNS failure), the PREPENDed headers
# of the delivered messages (one Authentication-Results and one
# MXReady-Report per message, also with several recipients), the verdict
# lines; DNS server stopped -> 4xx; daemon killed -> Postfix's
# smtpd_policy_service_default_action and no message lost; the spawn(8)
# mode through master.cf.
. "$(dirname "$0")/../lib.sh"
world_env
. "$MXR_TOP/tests/postfix/lib.sh"
PD=$MXR_TOP/$MXR_BUILD/mxready-policyd
[ -x "$PD" ] || { fail "no $PD"; finish; }
command -v swaks >/dev/null || { fail "swaks not installed"; finish; }
[ "$(id -u)" = 0 ] || { fail "needs root (private Postfix)"; finish; }
SMTP_PORT=${MXR_POLICY_SMTP_PORT:-2535}
PPORT=${MXR_POLICY_PORT2:-2542}
T=$(mktemp -d /tmp/mxr-pdpf.XXXXXX)
chmod 755 "$T"
PDPID=
cleanup() {
	[ -n "$PDPID" ] && kill "$PDPID" 2>/dev/null
	[ -n "${STOPPED_UNBOUND:-}" ] && kill -CONT "$MXR_UNBOUND_PID" 2>/dev/null
	[ -f "$T/pf/etc/main.cf" ] && pf_stop "$T/pf"
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

# spawn(8) runs the daemon as nobody: it must read the trust anchor, and
# the world's directory may be private (mktemp -d)
cp "$MXR_TA" "$T/ta.ds"; chmod 644 "$T/ta.ds"
cat >"$T/pd.conf" <<EOC
policy_socket = inet:$PPORT@127.0.0.1
user =
authserv_id = mx.test.example
dns_resolver = $MXR_RESOLVER
dns_trust_anchor = $T/ta.ds
dns_timeout = 3
trusted_networks = 192.0.2.0/24
log_file = $T/pd.log
action_null_mx = reject
action_iprev_fail = reject
action_spf_fail = reject
action_temperror = tempfail
EOC
chmod 644 "$T/pd.conf"; : >"$T/pd.log"; chmod 666 "$T/pd.log"

start_pd() {
	n0=$(grep -c 'starting on' "$T/pd.log")
	"$PD" -f -R -c "$T/pd.conf" 2>>"$T/pd.stderr" & PDPID=$!
	i=0; while [ $i -lt 50 ]; do [ "$(grep -c 'starting on' "$T/pd.log")" -gt "$n0" ] && return 0; sleep 0.1; i=$((i+1)); done
	return 1
}
start_pd || { fail "policy daemon did not start" "$(cat "$T/pd.stderr")"; finish; }

POLICY="inet:127.0.0.1:$PPORT"
pf_start "$T/pf" --port "$SMTP_PORT" --policy "$POLICY" --xclient \
	-o "smtpd_data_restrictions = check_policy_service $POLICY" \
	-o "smtpd_policy_service_default_action = 451 4.3.5 Policy service unavailable" \
	-o "smtpd_policy_service_timeout = 10s" \
	-o "smtpd_policy_service_try_limit = 1" \
	-o "mxrpolicy_time_limit = 3600" >"$T/pf.out" 2>&1 ||
	{ fail "private Postfix did not start" "$(cat "$T/pf.out")"; finish; }
pass "private Postfix on $PF_ADDR4 with check_policy_service $POLICY"

# send SERVER ADDR NAME HELO FROM TO SUBJECT [swaks args]: prints the transcript
send() {
	srv=$1 addr=$2 name=$3 helo=$4 from=$5 to=$6 subj=$7; shift 7
	case $addr in *:*) xaddr=IPV6:$addr ;; *) xaddr=$addr ;; esac   # XCLIENT_README syntax
	case $srv in *:*:*) s=${srv%]:*}; s=${s#[}; p=${srv##*:} ;; *) s=${srv%:*}; p=${srv##*:} ;; esac
	# XCLIENT NAME=[UNAVAILABLE]: Postfix's client_name becomes "unknown",
	# so the daemon confirms the PTR itself; swaks repeats EHLO after XCLIENT
	swaks --server "$s" --port "$p" --helo "$helo" \
		--xclient-addr "$xaddr" --xclient-name "${name:-[UNAVAILABLE]}" \
		--from "$from" --to "$to" --header "Subject: $subj" --body "policy test $subj" \
		--timeout 30 "$@" 2>&1
}
# accepted OUT WHAT: the message was queued (else the last replies are shown)
accepted() {
	if printf '%s\n' "$1" | grep -Eq '<- +250 .*queued as'; then pass "$2"
	else fail "$2" "$(printf '%s\n' "$1" | grep -E '^<(\*\*|-) +[2-5][0-9][0-9] ' | tail -n 3 | tr '\n' '|')"; fi
}
reply_of() { printf '%s\n' "$1" | grep -E '^<\*\* ' | head -1 | sed 's/^<\*\* *//'; }

# 1. a good client, three recipients: accepted, headers prepended once per message
out=$(send "$PF_ADDR4" 5.0.2.11 "" mx1.good.xtest a@good.xtest "r1@example.net,r2@example.net,r3@example.net" good3rcpt)
accepted "$out" "good client, 3 recipients: accepted"
if pf_wait_mails 3 20; then pass "3 copies delivered"; else fail "3 copies delivered" "$(pf_mails)"; fi
f=$(pf_wait_mail '^Subject: good3rcpt')
h=$(pf_headers "$f")
check_eq "$(printf '%s\n' "$h" | grep -c '^Authentication-Results: mx.test.example')" 1 "one Authentication-Results field"
check_eq "$(printf '%s\n' "$h" | grep -c '^MXReady-Report: mx.test.example')" 1 "one MXReady-Report field"
check_match "$h" "^Authentication-Results: mx.test.example; iprev=pass policy.iprev=5.0.2.11 \(mx1.good.xtest\)" "iprev=pass in the delivered message"
check_match "$h" "Authentication-Results: .*; spf=pass smtp.mailfrom=a@good.xtest; spf=none smtp.helo=mx1.good.xtest" "SPF of MAIL FROM and HELO in the header"
# the prepended field parses with an independent RFC 8601 parser
printf '%s\n' "$h" | grep '^Authentication-Results: mx.test.example' >"$T/ar.txt"
ar_ok=$(/usr/bin/python3 - "$T/ar.txt" <<'EOP' 2>&1
import re, sys
import authres
line = open(sys.argv[1]).read().strip()
h = authres.all_features().parse(line)
want = re.findall(r";\s*([a-z0-9-]+)=([a-z]+)", line.split(":", 1)[1])
got = [(r.method, r.result) for r in h.results]
print("ok" if h.authserv_id == "mx.test.example" and got == want and len(got) == 3 else "bad %r %r" % (got, want))
EOP
)
check_eq "$ar_ok" ok "python3-authres parses the prepended field: iprev, spf, spf"
check_match "$h" "^MXReady-Report: mx.test.example; action=accept; envelope-from=good.xtest verdict=[a-z]+ mx=pass mx_ipv6=pass ns_ipv6=pass dnssec=pass mx_dnssec=pass dane=pass" "readiness report in the delivered message"
# virtual(8) adds Return-Path, X-Original-To, Delivered-To above everything
first=$(printf '%s\n' "$h" | grep -Ev '^(Return-Path|X-Original-To|Delivered-To):' | head -2 | cut -d: -f1 | tr '\n' ' ')
check_match "$first" "^(MXReady-Report|Authentication-Results) (MXReady-Report|Authentication-Results) $" "our fields are on top (prepended)"
n=$(grep -c 'client=5.0.2.11 .*mail_from=good.xtest ' "$T/pd.log"); check_eq "$n" 1 "one verdict line for the 3-recipient message"
check_match "$(grep 'client=5.0.2.11 ' "$T/pd.log")" "iprev=pass .*action=accept reason=- reply=- .*state=RCPT" "verdict line of the accepted message"

# 2. IPv6 loopback, IPv6 client
if [ "$PF_HAVE_IPV6" = 1 ]; then
	out=$(send "$PF_ADDR6" 2001:67c:1a0::12 "" mx2.good.xtest b@good.xtest r@example.net ipv6good)
	accepted "$out" "over ::1, IPv6 client: accepted"
	f=$(pf_wait_mail '^Subject: ipv6good') && h=$(pf_headers "$f")
	check_match "${h:-}" "^Authentication-Results: mx.test.example; iprev=pass policy.iprev=\"2001:67c:1a0::12\" \(mx2.good.xtest\)" "IPv6 client's iprev in the header"
	check_match "$(grep 'client=2001:67c:1a0::12 ' "$T/pd.log")" "family=ipv6 client_name=mx2.good.xtest" "verdict line of the IPv6 client"
else echo "SKIP: $T_NAME: no IPv6 loopback"; fi

# 3. rejections with RFC 7372 codes, over both loopbacks
out=$(send "$PF_ADDR4" 5.0.2.99 "" good.xtest a@spf-none.xtest r@example.net iprevfail)
check_match "$(reply_of "$out")" "^550 5.7.25 .*Reverse DNS of 5.0.2.99" "no PTR: 550 5.7.25"
out=$(send "${PF_ADDR6:-$PF_ADDR4}" 5.0.2.11 "" mx1.good.xtest a@mx-null.xtest r@example.net nullmx)
check_match "$(reply_of "$out")" "^550 5.7.27 .*null MX" "null-MX sender: 550 5.7.27"
if "$PD" -V | grep -q spf; then
	out=$(send "$PF_ADDR4" 5.0.2.21 "" good1.hosts.xtest a@good.xtest r@example.net spffail)
	check_match "$(reply_of "$out")" "^550 5.7.23 .*SPF of good.xtest" "SPF fail: 550 5.7.23"
else echo "SKIP: $T_NAME: SPF fail reject (core has no spf_start yet)"; fi
# temperror: never 5xx
out=$(send "$PF_ADDR4" 5.0.2.11 "" mx1.good.xtest a@dead.xtest r@example.net deadsender)
check_match "$(reply_of "$out")" "^450 4.4.3 .*Temporary DNS failure" "sender domain's DNS times out: 450 4.4.3"
# SASL login (XCLIENT LOGIN) and trusted networks: tagged, delivered
out=$(send "$PF_ADDR4" 5.0.2.99 "" good.xtest a@spf-none.xtest r@example.net sasltag --xclient-login joe)
accepted "$out" "SASL client with failing iprev: accepted (tag only)"
f=$(pf_wait_mail '^Subject: sasltag') && check_match "$(pf_headers "$f")" "^Authentication-Results: mx.test.example; iprev=permerror policy.iprev=5.0.2.99" "tagged message carries iprev=permerror"
check_match "$(grep 'client=5.0.2.99 .*auth=yes' "$T/pd.log")" "action=tag reason=iprev_fail" "verdict line: auth=yes action=tag"
out=$(send "$PF_ADDR4" 192.0.2.7 "" client.example a@mx-null.xtest r@example.net trustedtag)
accepted "$out" "trusted network with null-MX sender: accepted (tag only)"
check_match "$(grep 'client=192.0.2.7 ' "$T/pd.log")" "trusted=yes action=tag reason=null_mx" "verdict line: trusted=yes action=tag"
pf_wait_mail '^Subject: trustedtag' >/dev/null
m0=$(pf_mails)
check_eq "$(grep -c 'reject: RCPT from .*550 5.7.2[357]' "$PF_MAILLOG")" "$(grep -c 'action=reject' "$T/pd.log")" "Postfix logged every policy reject"

# 4. DNS server stopped -> 4xx (fresh daemon: nothing cached)
kill "$PDPID"; wait "$PDPID"; check_eq "$?" 0 "daemon stops cleanly (ASan: no leak)"
start_pd || fail "daemon restart"
kill -STOP "$MXR_UNBOUND_PID"; STOPPED_UNBOUND=1
out=$(send "$PF_ADDR4" 5.0.2.12 "" mx2.good.xtest c@good3.xtest r@example.net dnsdown)
kill -CONT "$MXR_UNBOUND_PID"; STOPPED_UNBOUND=
check_match "$(reply_of "$out")" "^4[0-9][0-9] 4\.[0-9.]+ " "DNS server stopped: 4xx"
check_nomatch "$out" "<- +5[0-9][0-9] " "DNS server stopped: never 5xx"
check_match "$(grep 'client=5.0.2.12 .*c@good3\|mail_from=good3.xtest' "$T/pd.log" | tail -1)" "action=tempfail reason=temperror_[a-z]+ reply=\"451 4.4.3\"" "verdict line: tempfail"

# 5. daemon killed -> smtpd_policy_service_default_action; nothing lost
kill -9 "$PDPID"; wait "$PDPID" 2>/dev/null; PDPID=
out=$(send "$PF_ADDR4" 5.0.2.11 "" mx1.good.xtest a@good.xtest r@example.net killed1)
check_match "$(reply_of "$out")" "^451 4.3.5 .*Policy service unavailable" "daemon killed: Postfix's default action 451 4.3.5"
check_match "$(cat "$PF_MAILLOG")" "warning: problem talking to server 127.0.0.1:$PPORT" "Postfix logs the missing policy service"
start_pd || fail "daemon restart after kill"
out=$(send "$PF_ADDR4" 5.0.2.11 "" mx1.good.xtest a@good.xtest r@example.net killed1)
accepted "$out" "after the restart the same message is accepted"
pf_wait_mails $((m0 + 1)) 20
check_eq "$(pf_mails)" "$((m0 + 1))" "nothing lost, nothing duplicated: exactly one more delivery"
check_eq "$(pf_queue)" 0 "queue empty"

# 6. spawn(8) mode through master.cf
# a copy in $T: user nobody may not reach the build tree (CI clones under root)
cp "$PD" "$T/mxready-policyd"; chmod 755 "$T/mxready-policyd"
postconf -c "$PF_CONF" -M "mxrpolicy/unix=mxrpolicy unix - n n - 0 spawn user=nobody argv=$T/mxready-policyd -s -c $T/pd.conf -o log_file=$T/spawn.log"
: >"$T/spawn.log"; chmod 666 "$T/spawn.log"
pf_postconf "smtpd_recipient_restrictions = check_policy_service unix:private/mxrpolicy, permit_mynetworks, reject_unauth_destination" \
	"smtpd_data_restrictions = check_policy_service unix:private/mxrpolicy"
sleep 1
out=$(send "$PF_ADDR4" 5.0.2.11 "" mx1.good.xtest a@good.xtest "s1@example.net,s2@example.net" spawngood)
accepted "$out" "spawn mode: good client accepted"
f=$(pf_wait_mail '^Subject: spawngood') && h=$(pf_headers "$f")
check_eq "$(printf '%s\n' "${h:-}" | grep -c '^Authentication-Results: mx.test.example; iprev=pass')" 1 "spawn mode: one Authentication-Results field"
check_eq "$(printf '%s\n' "${h:-}" | grep -c '^MXReady-Report: mx.test.example')" 1 "spawn mode: one MXReady-Report field"
out=$(send "$PF_ADDR4" 5.0.2.99 "" good.xtest a@spf-none.xtest r@example.net spawnbad)
check_match "$(reply_of "$out")" "^550 5.7.25 " "spawn mode: no PTR -> 550 5.7.25"
check_match "$(cat "$T/spawn.log")" "client=5.0.2.99 .*action=reject reason=iprev_fail" "spawn mode logs its verdict line"
# mxready stats (issue 11) sums up both logs of this run
"$MXR" stats --json "$T/pd.log" "$T/spawn.log" >"$T/stats.json"; check_eq $? 0 "stats: reads the policy daemon's logs"
check_jq "$T/stats.json" .policyd.lines "$(cat "$T/pd.log" "$T/spawn.log" | grep -c 'notice: [0-9A-Za-z]*: client=')" "stats: one entry per verdict line"
check_jq "$T/stats.json" .policyd.instances.count "$(cat "$T/pd.log" "$T/spawn.log" | sed -n 's/.* instance=\([^ ]*\) .*/\1/p' | sort -u | grep -vc '^-$')" "stats: distinct policy instances"
check_jq "$T/stats.json" .input.unreadable 0 "stats: every verdict line readable"
check_jq "$T/stats.json" .policyd.actions.reject "$(cat "$T/pd.log" "$T/spawn.log" | grep -c ' action=reject ')" "stats: rejects (each one Postfix logged)"
check_jq "$T/stats.json" '.policyd.actions.tag >= 2 and .policyd.reasons["tag iprev_fail"] >= 1 and .policyd.reasons["tag null_mx"] >= 1' true "stats: the SASL and trusted-network tags by reason"
check_jq "$T/stats.json" '.policyd.family.ipv6 >= 1' true "stats: the IPv6 client counted"
check_jq "$T/stats.json" '.policyd.actions.tempfail >= 1 and .policyd.temperror >= 1' true "stats: the DNS-down tempfail"
check_jq "$T/stats.json" '.policyd.dkim.not_checked == .policyd.lines' true "stats: no DKIM at RCPT time: not checked"
[ -s "$T/pd.stderr" ] && fail "daemon stderr empty" "$(head -c 300 "$T/pd.stderr")" || pass "daemon stderr empty (no sanitizer report)"
finish
