#!/bin/sh
# 80_stats: `mxready stats` on generated logs (no test world needed).
#  - seed 002 (the CESNET IPv6 mail test): 303 test mails, 217 addresses,
#    138 domains, 39 IPv6 bounces from 26 addresses (34 no AAAA for MX, 4
#    invalid recipient, 1 protocol error), from lines in five time formats;
#  - the HTML page in headless chromium: it renders, the SVG elements are
#    there with the right counts; screenshot kept in $MXR_BUILD/;
#  - edge cases: empty input, only foreign lines, a truncated last line, a
#    10 KB line, an over-long line, previous-format lines, mixed time
#    formats, the year of RFC 3164 stamps, a cut .gz, --since/--until,
#    --max-keys (HyperLogLog estimate), hostile values in the HTML.
# The logs of the real daemons are summed up at the end of 41, 51 and 60.
. "$(dirname "$0")/../lib.sh"
[ -x "$MXR" ] || { fail "no $MXR"; finish; }
T=$(mktemp -d /tmp/mxr-stats.XXXXXX)
[ -d "$T" ] || { fail "mktemp"; finish; }
trap 'rm -rf "$T"' EXIT
ART=$MXR_TOP/$MXR_BUILD
J() { jq -r "$1" "$T/out.json" 2>&1; }

# ---- seed 002 ----
python3 "$MXR_TOP/tests/data/gen_stats_seed.py" "$T/seed.log" >/dev/null || fail "seed generator"
touch -d '2026-12-04 12:00' "$T/seed.log"
"$MXR" stats --json "$T/seed.log" >"$T/out.json"; rc=$?
check_eq $rc 0 "seed: exit 0"
check_eq "$(J .responder.test_mails)" 303 "seed: 303 test mails"
check_eq "$(J .responder.unique_senders.count)" 217 "seed: 217 unique addresses (capitals folded)"
check_eq "$(J .responder.unique_senders.exact)" true "seed: address count exact"
check_eq "$(J .responder.unique_sender_domains.count)" 138 "seed: 138 unique domains"
check_eq "$(J .responder.ipv6_bounces.total)" 39 "seed: 39 IPv6 bounces"
check_eq "$(J .responder.ipv6_bounces.from_addresses.count)" 26 "seed: from 26 addresses"
check_eq "$(J '.responder.ipv6_bounces.by_class | [.no_aaaa_for_mx, .invalid_recipient, .protocol_or_tls, .refused_or_timeout, .other] | join(" ")')" "34 4 1 0 0" \
    "seed: 34 no AAAA for MX, 4 invalid recipient, 1 protocol error"
check_eq "$(J .responder.test_mails_deferred)" 5 "seed: deferred decisions not counted as test mails"
check_eq "$(J '[.responder.replied, .responder.reply_a_sent, .responder.reply_b_sent, .responder.reply_b_failed, .responder.suppressed] | join(" ")')" \
    "280 280 279 1 23" "seed: replies A and B, suppressed"
check_eq "$(J '.responder.suppressed_by_reason | [.precedence, ."rate-limit address", .backscatter] | join(" ")')" "10 8 5" "seed: suppressed by rule"
check_eq "$(J '.responder.dsn | [.forwarded, .delay_notices, .dropped, .deferred] | join(" ")')" "39 2 3 1" "seed: DSNs forwarded, delayed, dropped, deferred"
check_eq "$(J '.responder.per_day | map(.day + "=" + (.total|tostring)) | join(" ")')" "2026-12-01=120 2026-12-02=120 2026-12-03=63" \
    "seed: per day, five time formats agree"
check_eq "$(J '.input | [.foreign_lines, .unreadable, .other_messages, .without_time] | join(" ")')" "909 0 1 0" \
    "seed: Postfix lines skipped and counted, the warning is another message"
"$MXR" stats "$T/seed.log" >"$T/out.txt"
check_match "$(cat "$T/out.txt")" '303   test mails' "seed: text report, test mails"
check_match "$(cat "$T/out.txt")" '39   IPv6 bounces from 26 different addresses' "seed: text report, bounces"
check_match "$(cat "$T/out.txt")" '34     no_aaaa_for_mx' "seed: text report, bounce classes"
# the same log from standard input, and gzip-compressed
check_eq "$("$MXR" stats --json <"$T/seed.log" | jq .responder.test_mails)" 303 "seed: standard input"
gzip -c "$T/seed.log" >"$T/seed.log.gz"
check_eq "$("$MXR" stats --json "$T/seed.log.gz" | jq .responder.ipv6_bounces.total)" 39 "seed: .gz"

# ---- the HTML page in a real browser ----
"$MXR" stats --html "$T/seed.html" "$T/seed.log"; check_eq $? 0 "html: written"
check_nomatch "$(cat "$T/seed.html")" '<script|<link|src=|href=|@import|url\(' "html: no script, nothing fetched"
if command -v chromium >/dev/null 2>&1; then
	timeout 90 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$T/seed.html" >"$T/dom.html" 2>/dev/null
	dom=$(cat "$T/dom.html")
	check_match "$dom" '<h2>IPv6 mail test' "browser: the page rendered"
	check_eq "$(grep -o '<g class="bar" data-word="[a-z_]*" data-n="[0-9]*"' "$T/dom.html" | sed 's/.*data-word="\([a-z_]*\)" data-n="\([0-9]*\)"/\1=\2/' | tr '\n' ' ')" \
	    "no_aaaa_for_mx=34 refused_or_timeout=0 invalid_recipient=4 protocol_or_tls=1 other=0 " "browser: bounce chart, one bar per reason with its count"
	check_eq "$(grep -o '<g class="col" data-label="[0-9-]*" data-ipv4="[0-9]*" data-ipv6="[0-9]*"' "$T/dom.html" | grep -c .)" 3 "browser: arrivals chart, one column per day"
	check_eq "$(grep -o '<rect class="seg ipv6" data-n="[0-9]*"' "$T/dom.html" | sed 's/.*data-n="//; s/"//' | awk '{ s += $1 } END { print s }')" \
	    "$(J .responder.family.ipv6)" "browser: the IPv6 segments add up to the IPv6 test mails"
	rm -f "$ART/stats-seed.png"
	timeout 90 chromium --headless --no-sandbox --disable-gpu --window-size=1000,1800 \
	    --screenshot="$ART/stats-seed.png" "file://$T/seed.html" >/dev/null 2>&1
	[ -s "$ART/stats-seed.png" ] && pass "browser: screenshot $ART/stats-seed.png" || fail "browser: no screenshot"
else
	fail "chromium not installed (scripts/packages.txt)"
fi

# ---- edge cases ----
: | "$MXR" stats --json >"$T/out.json"; check_eq "$?:$(J .input.lines):$(J .responder.test_mails)" "0:0:0" "empty input: exit 0, nothing counted"
: | "$MXR" stats --html "$T/empty.html"; check_match "$(cat "$T/empty.html")" 'id="empty"' "empty input: the page says there was nothing"
check_match "$(: | "$MXR" stats)" 'No verdict lines of mxready-milter' "empty input: the text says there was nothing"
printf '%s\n' 'Dec  2 01:00:00 mx mxready-policyd[12]: NOQUEUE: event=connection_pressure connections=800 idle=790 limit=1024 idle_timeout=10 when_full=evict_longest_idle' |
	"$MXR" stats --json >"$T/ev.json"
check_eq "$(jq -r '[.input.events, .input.unreadable] | join(" ")' "$T/ev.json" 2>&1)" "1 0" "policyd's connection_pressure event line: an event, not unreadable"
grep postfix/ "$T/seed.log" | "$MXR" stats --json >"$T/out.json"
check_eq "$(J '[.input.lines, .input.foreign_lines, .milter.lines, .responder.test_mails] | join(" ")')" "909 909 0 0" "only foreign lines: counted, skipped"

L='Dec  2 10:00:00 mx mxready-milter[7]:'
V='client=2001:db8::1 family=ipv6 client_name=unknown helo=h helo_check=pass iprev=pass spf=pass dkim=pass dmarc=pass dmarc_via=dkim mail_from=a.example header_from=a.example mx=pass mx_ipv6=pass dnssec=pass dane=pass readiness=pass auth=no trusted=no action=accept reason=- reply=- dns_queries=3 ms=1'
{ echo "$L Q1: $V"; printf '%s Q2: %s' "$L" "$(echo "$V" | cut -c1-80)"; } >"$T/cut.log"
"$MXR" stats --json "$T/cut.log" >"$T/out.json"
check_eq "$(J '[.milter.lines, .input.partial_last_lines, .input.unreadable] | join(" ")')" "1 1 0" "truncated last line: counted as partial, not read"

big=$(head -c 10000 /dev/zero | tr '\0' 'x')
{ echo "$L Q3: $(echo "$V" | sed "s/helo=h /helo=$big /")"; echo "$L Q4: $V"; } >"$T/big.log"
"$MXR" stats --json "$T/big.log" >"$T/out.json"
check_eq "$(J '[.milter.lines, .input.unreadable] | join(" ")')" "2 0" "a 10 KB line is read"
huge=$(head -c 100000 /dev/zero | tr '\0' 'y')
{ echo "$L Q5: helo=$huge"; echo "$L Q6: $V"; } >"$T/huge.log"
"$MXR" stats --json "$T/huge.log" >"$T/out.json"
check_eq "$(J '[.input.lines, .milter.lines, .input.unreadable] | join(" ")')" "2 1 1" "a 100 KB line: skipped as unreadable, the next one read"

# previous format: no dmarc_via, DSN lines without class=
OLDV=$(echo "$V" | sed 's/ dmarc_via=dkim//')
{ echo "$L Q7: $OLDV"
  echo "Dec  2 10:00:01 mx mxready-responder[8]: Q8: mode=dsn recipient=bounce+x@d.example reply_id=1 sender=a@b.example action=failed status=5.4.4 decision=forwarded"
  echo "Dec  2 10:00:02 mx mxready-responder[8]: Q9: mode=dsn recipient=bounce+x@d.example reply_id=2 sender=a@b.example action=failed status=5.1.1 decision=forwarded"
  echo "Dec  2 10:00:03 mx mxready-milter[7]: Q10: client=1.2.3.4 action=\"cut"
  echo "Dec  2 10:00:04 mx mxready-milter[7]: Q11: $V future_key=1"; } >"$T/old.log"
"$MXR" stats --json "$T/old.log" >"$T/out.json"
check_eq "$(J '[.milter.lines, .input.older_format, .input.newer_keys, .input.unreadable] | join(" ")')" "2 3 1 1" \
    "previous-format lines read and counted, a newer key noticed, a broken line skipped"
check_eq "$(J '[.milter.dmarc_pass_via.not_logged, .milter.dmarc_pass_via.dkim_only] | join(" ")')" "1 1" "old lines: DMARC path not logged"
check_eq "$(J '.responder.ipv6_bounces | [.by_class.no_aaaa_for_mx, .by_class.invalid_recipient, .classed_from_status] | join(" ")')" "1 1 2" \
    "old DSN lines classed from their status code"
check_match "$(J '.input.unreadable_examples[0]')" 'old.log:4: malformed value' "unreadable line named by file and line"

# mixed time formats and the year of RFC 3164 stamps (logrotate: a file
# written in January still holds December's lines of the year before)
{ echo "Dec 31 23:10:00 mx mxready-milter[7]: Y1: $V"
  echo "Jan  1 00:10:00 mx mxready-milter[7]: Y2: $V"
  echo "2027-01-01T00:20:00+01:00 mx mxready-milter[7]: Y3: $V"
  echo "<22>1 2027-01-01T00:30:00.000Z mx mxready-milter 7 - - Y4: $V"
  echo "{\"__REALTIME_TIMESTAMP\":\"1798763400000000\",\"SYSLOG_IDENTIFIER\":\"mxready-milter\",\"MESSAGE\":\"Y5: $V\"}"; } >"$T/years.log"
touch -d '2027-01-02 08:00' "$T/years.log"
TZ=UTC "$MXR" stats --json "$T/years.log" >"$T/out.json"
check_eq "$(J '.milter.per_hour | map(.hour + "=" + (.total|tostring)) | join(" ")')" "2026-12-31 23=2 2027-01-01 00=3" \
    "RFC 3164 year from the file's time; zones, RFC 5424, journal JSON agree"
TZ=UTC "$MXR" stats --json --since 2027-01-01 "$T/years.log" >"$T/out.json"
check_eq "$(J '[.milter.lines, .input.out_of_range] | join(" ")')" "3 2" "--since"
TZ=UTC "$MXR" stats --json --until 2027-01-01T00:00 "$T/years.log" >"$T/out.json"
check_eq "$(J .milter.lines)" 2 "--until"
"$MXR" stats --since yesterdayish "$T/years.log" >/dev/null 2>&1; check_eq $? 2 "bad --since: usage error (2)"

# a cut .gz: a clear error, the figures of what was read
python3 - "$T/big.gz" <<'PY'
import gzip, random, sys
r = random.Random(1)
with gzip.open(sys.argv[1], "wt") as f:
    for i in range(20000):
        f.write("Dec  2 10:00:00 mx postfix/smtpd[1]: %x connect from h%d.example[192.0.2.1]\n" % (r.getrandbits(64), i))
PY
sz=$(stat -c %s "$T/big.gz"); head -c $((sz / 2)) "$T/big.gz" >"$T/cut.gz"
"$MXR" stats --json "$T/cut.gz" >"$T/out.json" 2>"$T/err"; rc=$?
check_eq $rc 1 "cut .gz: exit 1"
check_match "$(cat "$T/err")" 'cut.gz: compressed data cut short or corrupt' "cut .gz: a clear error"
n=$(J .input.foreign_lines)
[ "$n" -gt 1000 ] && [ "$n" -lt 20000 ] && pass "cut .gz: the figures of the $n lines read" || fail "cut .gz: lines read" "$n"
check_match "$(J '.input.errors[0]')" 'cut short' "cut .gz: the error in the JSON too"

# bounded memory: --max-keys folds, distinct counts are estimated
python3 - "$T/many.log" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        f.write("Dec  2 10:00:00 mx mxready-responder[1]: Q%d: mode=test sender=u%d@d%d.example client=192.0.2.1 decision=suppressed reason=list\n" % (i, i, i % 500))
PY
"$MXR" stats --json --max-keys 100 "$T/many.log" >"$T/out.json"
check_eq "$(J .responder.unique_senders.exact)" false "--max-keys: the count says it is an estimate"
n=$(J .responder.unique_senders.count)
[ "$n" -ge 2850 ] && [ "$n" -le 3150 ] && pass "--max-keys: HyperLogLog estimate $n of 3000 (within 5%)" || fail "--max-keys estimate" "$n"
"$MXR" stats --max-keys 100 "$T/many.log" | grep -q 'unique sender addresses (estimated)' && pass "--max-keys: the text says estimated" || fail "--max-keys: text"

# hostile values reach the page only escaped
echo "$L Q12: $(echo "$V" | sed 's/mail_from=a.example/mail_from=<script>x<\/script>/')" >"$T/evil.log"
"$MXR" stats --html "$T/evil.html" "$T/evil.log"
check_nomatch "$(cat "$T/evil.html")" '<script' "html: a hostile domain is escaped"
check_match "$(cat "$T/evil.html")" '&lt;script&gt;' "html: and still shown"
finish
