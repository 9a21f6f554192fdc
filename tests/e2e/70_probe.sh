#!/bin/sh
# The active probe (mxready check --probe) against real servers: in a
# network namespace of its own (tests/probe/servers.sh), Postfix smtpd
# listeners with per-listener TLS settings, smtp-sink, a STARTTLS-injecting
# server and an nftables drop rule, published in the DNS test world's signed
# zone probe.xtest (with TLSA records).  One mxready run per scenario, all
# at once; asserts the checks and the probe.addresses evidence, and
# cross-checks the TLS facts against posttls-finger -l may and
# openssl s_client -starttls smtp.  Needs root (ip netns, Postfix, nft).
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || { fail "needs root (network namespaces, Postfix)"; finish; }
for c in ip nft postfix postconf smtp-sink posttls-finger openssl python3 jq; do
	command -v "$c" >/dev/null 2>&1 || { fail "missing tool: $c"; finish; }
done
[ -x "$MXR" ] || { fail "no $MXR (make SAN=1 all)"; finish; }
. "$MXR_TOP/tests/probe/servers.sh"
T=$(mktemp -d /tmp/mxr-probe.XXXXXX)
cleanup() { pb_teardown; if [ -n "${MXR_KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi; }
trap cleanup EXIT
trap 'exit 1' INT TERM
pb_setup "$T" || { fail "servers and DNS world set up"; finish; }
pass "servers and DNS world set up in namespace $PB_NS"

# ---- one probe per scenario, all at once -----------------------------------
O=$T/out
mkdir -p "$O"
SCN="good v6refused v6drop notls tls10 expired wrongname rsa1024 sha1 danebad daneta danebogus pmgrey pmreject pmgrey550 r421 inject"
t0=$(date +%s.%N)
for s in $SCN; do
	pbx "$MXR" check --json --resolver "$PB_RESOLVER" --trust-anchor "$PB_TA" --probe \
		--probe-helo probe.test --probe-timeout 6 --ca-file "$T/certs/ca.crt" "$s.probe.xtest" \
		>"$O/$s.json" 2>"$O/$s.err" &
	eval "pid_$s=\$!"
done
for s in $SCN; do
	eval "wait \$pid_$s"; echo $? >"$O/$s.rc"
done
t1=$(date +%s.%N)
for s in $SCN; do
	if jq -e .probe.addresses "$O/$s.json" >/dev/null 2>&1; then :; else
		fail "$s: JSON report with probe.addresses" "$(head -c 300 "$O/$s.err") $(head -c 300 "$O/$s.json")"
	fi
done
j() { jq -r "$2" "$O/$1.json" 2>&1; }
st() { j "$1" ".checks.$2.status"; }
v4() { j "$1" "[.probe.addresses[] | select(.family == 4)][0]$2"; }
v6() { j "$1" "[.probe.addresses[] | select(.family == 6)][0]$2"; }

# ---- every warn/fail carries a fix, every status is a known word --------------
bad=
for s in $SCN; do
	b=$(jq -r '.checks | to_entries[] | select((.value.status == "warn" or .value.status == "fail") and ((.value.hint // "") == "")) | .key' "$O/$s.json" 2>/dev/null)
	[ -n "$b" ] && bad="$bad $s:$b"
done
check_eq "$bad" "" "every warn/fail check has a hint (fix:)"
check_eq "$(cat "$O"/*.json | jq -r '.checks | to_entries[] | .value.status' | sort -u | grep -cvE '^(pass|warn|fail|info|temperror)$')" "0" "statuses are pass/warn/fail/info/temperror"
check_eq "$(cat "$O"/*.json | jq -r '.probe.addresses[] | keys_unsorted | join(",")' | sort -u)" \
	"host,preference,address,family,tcp,connect_ms,banner_code,banner,starttls,tls_version,cipher,group,legacy_versions,cert,dane,postmaster,rate_limited,sessions" \
	"probe.addresses objects carry exactly the documented fields"

# ---- good: TLS 1.3 only, EC P-256, DANE 3 1 1 matching, postmaster accepted --
for c in mx_reach starttls tls_version tls_cipher tls_kex cert dane_valid postmaster; do
	check_eq "$(st good $c)" pass "good: $c pass"
done
check_eq "$(j good '[.probe.addresses[].family] | sort | join(",")')" "4,6" "good: both families probed"
check_eq "$(j good '[.probe.addresses[].tls_version] | unique | join(",")')" "TLSv1.3" "good: TLS 1.3 on both"
check_eq "$(j good '[.probe.addresses[].dane.status] | unique | join(",")')" "validated" "good: DANE 3 1 1 validated on both addresses"
check_eq "$(v4 good .dane.depth)" "0" "good: DANE-EE matched at depth 0"
check_eq "$(v4 good .cert.spki_sha256)" "$(openssl pkey -in "$MXR_TOP/tests/data/probe/ec.key" -pubout -outform DER | sha256sum | cut -d' ' -f1)" "good: spki_sha256 is the key's"
check_eq "$(v4 good '.cert.trusted') $(v4 good '.cert.name_match') $(v4 good '.cert.key_type') $(v4 good '.cert.key_bits')" "true true EC 256" "good: trusted (--ca-file), name matches, EC 256"
check_eq "$(v4 good .postmaster.class) $(v4 good .postmaster.code)" "accepted 250" "good: postmaster accepted"
check_eq "$(v4 good .sessions) $(v4 good .banner_code) $(v4 good .rate_limited)" "3 220 false" "good: 3 sessions, 220 banner, not rate limited"
check_eq "$(v4 good '.legacy_versions | length')" "0" "good: no legacy versions"

# ---- reachability -------------------------------------------------------------
check_eq "$(st v6refused mx_reach) $(v6 v6refused .tcp) $(v4 v6refused .tcp)" "fail refused ok" "IPv6 port 25 refused: mx_reach fail, tcp refused, IPv4 ok"
check_eq "$(st v6drop mx_reach) $(v6 v6drop .tcp) $(v4 v6drop .tcp)" "fail timeout ok" "IPv6 silently dropped: mx_reach fail, tcp timeout, IPv4 ok"
check_match "$(j v6drop .checks.mx_reach.summary)" "IPv6 address\(es\) published, none answers" "IPv6 dropped: the summary names IPv6"
check_eq "$(st v6drop starttls) $(st v6drop postmaster)" "pass pass" "IPv6 dropped: IPv4 still graded (starttls, postmaster pass)"
secs=$(j v6drop .probe.seconds)
check_match "$(awk -v s="$secs" 'BEGIN { print (s >= 5.5 && s < 8) ? "bounded" : "s=" s }')" "^bounded$" "the dropped address times out at the probe deadline (6 s), never hangs ($secs s)"
check_eq "$(st r421 mx_reach) $(v4 r421 .rate_limited) $(v4 r421 .banner_code) $(v4 r421 .sessions)" "temperror true 421 1" "421 at the greeting: rate_limited, one session, temperror (never pass)"
check_eq "$(cat "$O/r421.rc")" "75" "421 at the greeting: exit 75"

# ---- STARTTLS -----------------------------------------------------------------
check_eq "$(st notls starttls) $(v4 notls .starttls) $(v4 notls .tls_version)" "fail not_offered null" "no STARTTLS (smtp-sink): starttls fail, not_offered"
check_eq "$(st notls tls_version) $(st notls postmaster)" "info pass" "no STARTTLS: TLS checks info, postmaster still asked in plaintext"
check_eq "$(st inject starttls)" "fail" "bytes after the STARTTLS 220: starttls fail"
check_match "$(j inject '.checks.starttls.addresses | join(" ")')" "bytes followed the 220 reply to STARTTLS" "bytes after the STARTTLS 220: reported"
check_match "$(j inject .checks.starttls.hint)" "RFC 3207" "bytes after the STARTTLS 220: the hint names the flaw"

# ---- versions, certificates ---------------------------------------------------
check_eq "$(st tls10 tls_version) $(v4 tls10 .tls_version) $(v4 tls10 '.legacy_versions | join(",")')" "fail TLSv1 TLSv1" "TLS 1.0 only: tls_version fail, legacy_versions [TLSv1]"
check_eq "$(v4 tls10 .sessions)" "2" "TLS 1.0 only: the capped handshake is skipped (session 1 got 1.0)"
check_eq "$(st good tls_version) $(st pmgrey tls_version)" "pass pass" "TLS 1.2/1.3 servers: tls_version pass"
check_eq "$(st expired cert) $(v4 expired .cert.expired) $(v4 expired .cert.not_after)" "fail true 2021-01-01T00:00:00Z" "expired certificate: cert fail"
check_eq "$(st wrongname cert) $(v4 wrongname .cert.name_match) $(v4 wrongname .cert.trusted)" "pass false true" "wrong name: name_match false, decides nothing (cert pass)"
check_eq "$(st rsa1024 cert) $(v4 rsa1024 .cert.key_type) $(v4 rsa1024 .cert.key_bits)" "fail RSA 1024" "RSA-1024 leaf: cert fail"
check_eq "$(st sha1 cert) $(v4 sha1 .cert.sig_hash)" "fail sha1" "SHA-1 signature: cert fail"
check_eq "$(st tls10 cert) $(v4 tls10 .cert.key_bits)" "warn 2048" "RSA-2048 leaf: cert warn (phase-out)"

# ---- DANE ---------------------------------------------------------------------
check_eq "$(st danebad dane_valid) $(v4 danebad .dane.status)" "fail failed" "DANE 3 1 1 not matching: dane_valid fail"
check_eq "$(st daneta dane_valid) $(v4 daneta .dane.status) $(v4 daneta .dane.depth)" "pass validated 1" "DANE 2 1 1 on the private CA: validated at depth 1"
check_match "$(v4 daneta .dane.record)" "^2 1 1 bce3000f" "DANE 2 1 1: the matched record is reported"
check_eq "$(st tls10 dane_valid)" "info" "no TLSA: dane_valid info"
check_eq "$(st danebogus dane_valid) $(v4 danebogus .dane.status)" "fail bogus" "TLSA RRset bogus (DNSSEC): dane_valid fail, dane bogus"
check_match "$(j danebogus '.checks.dane_valid.addresses | join(" ")')" "TLSA RRset bogus" "TLSA RRset bogus: said so in the evidence"

# ---- postmaster ---------------------------------------------------------------
check_eq "$(st pmgrey postmaster) $(v4 pmgrey .postmaster.code) $(v4 pmgrey .postmaster.class)" "warn 450 temporary" "postmaster 450 greylisted: warn"
check_eq "$(st pmreject postmaster) $(v4 pmreject .postmaster.code) $(v4 pmreject .postmaster.class)" "fail 550 permanent" "postmaster 550 rejected: fail"
check_nomatch "$(j pmreject .checks.postmaster.hint)" "Greylisting" "postmaster 550 rejected: no greylisting hint"
check_eq "$(st pmgrey550 postmaster)" "fail" "postmaster 550 \"Greylisted\": fail"
check_match "$(j pmgrey550 .checks.postmaster.hint)" "Greylisting must answer 4xx" "postmaster 550 \"Greylisted\": the hint says greylisting must answer 4xx"

# ---- cross-checks with the peers ------------------------------------------------
ptf() {   # ptf ADDR: "PROTOCOL CIPHER" as posttls-finger -l may saw it
	pbx env MAIL_CONFIG="$PB_PF/etc" posttls-finger -c -l may "[$1]:25" >"$T/ptf.$1" 2>&1
	sed -n 's/.*TLS connection established to [^ ]*: \([^ ]*\) with cipher \([^ ]*\) .*/\1 \2/p' "$T/ptf.$1" | head -n 1
}
stdname() { openssl ciphers -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' 2>/dev/null | awk -v c="$1" '$3 == c { print $1; exit }'; }
for s in good tls10 rsa1024; do
	a=$(v4 $s .address)
	set -- $(ptf "$a")
	check_eq "$(v4 $s .tls_version) $(v4 $s .cipher)" "${1:-none} $(stdname "${2:-none}")" "$s: protocol and cipher as posttls-finger -l may saw them (${1:-} ${2:-})"
	fp=$(sed -n 's/.*pkey_fingerprint=\([0-9A-F:]*\).*/\1/p' "$T/ptf.$a" | head -n 1 | tr -d : | tr 'A-F' 'a-f')
	check_eq "$(v4 $s .cert.spki_sha256)" "$fp" "$s: spki_sha256 is posttls-finger's pkey_fingerprint"
done
scl() {   # scl ADDR NAME [s_client options]: the s_client transcript
	a=$1 n=$2; shift 2
	pbx timeout 10 openssl s_client -starttls smtp -connect "$a:25" -servername "$n" "$@" </dev/null 2>&1
}
out=$(scl 5.0.2.170 mx.good.probe.xtest -dane_tlsa_domain mx.good.probe.xtest \
	-dane_tlsa_rrdata "3 1 1 $(v4 good .cert.spki_sha256)")
check_match "$out" "Verification: OK" "s_client agrees: DANE 3 1 1 of good verifies"
check_match "$out" "New, $(v4 good .tls_version), Cipher is $(v4 good .cipher)" "s_client agrees: protocol and cipher of good"
g=$(printf '%s\n' "$out" | sed -n 's/^Server Temp Key: \([^,]*\),.*/\1/p' | tr 'A-Z' 'a-z')
check_eq "$(v4 good .group)" "$g" "s_client agrees: key exchange group of good"
out=$(scl 5.0.2.179 mx.danebad.probe.xtest -dane_tlsa_domain mx.danebad.probe.xtest -dane_tlsa_rrdata "3 1 1 $(printf '0%.0s' $(seq 64))")
check_nomatch "$out" "Verification: OK" "s_client agrees: DANE of danebad does not verify"
out=$(scl 5.0.2.177 mx.rsa1024.probe.xtest -cipher 'ALL:@SECLEVEL=0')
check_match "$out" "Server public key is 1024 bit" "s_client agrees: the RSA-1024 key size"
out=$(scl 5.0.2.174 mx.tls10.probe.xtest -tls1_2 -cipher 'ALL:@SECLEVEL=0')
check_match "$out" "New, \(NONE\), Cipher is \(NONE\)" "s_client agrees: the TLS 1.0-only server refuses TLS 1.2"

# ---- --probe-deep, the human report, bad options ------------------------------
dp=
for s in good tls10; do
	pbx "$MXR" check --json --resolver "$PB_RESOLVER" --trust-anchor "$PB_TA" --probe-deep \
		--probe-helo probe.test --probe-timeout 20 --ca-file "$T/certs/ca.crt" "$s.probe.xtest" >"$O/deep-$s.json" 2>"$O/deep-$s.err" &
	dp="$dp $!"
done
pbx "$MXR" check --resolver "$PB_RESOLVER" --trust-anchor "$PB_TA" --probe --probe-helo probe.test \
	--probe-timeout 20 tls10.probe.xtest >"$O/human.txt" 2>&1
# only these: the servers of tests/probe/servers.sh are children too
for p in $dp; do wait "$p"; done
check_eq "$(j deep-good '[.probe.addresses[].sessions] | max') $(j deep-tls10 '[.probe.addresses[].sessions] | max')" "5 4" "--probe-deep: 5 sessions on a TLS 1.3 server, 4 when the capped one is skipped (never more than 5)"
check_match "$(j deep-good '.checks.cert.addresses | join(" ")')" "offering only ECDSA, the server presents a EC-256 key" "--probe-deep: the ECDSA-only handshake's key is reported"
check_eq "$(j deep-tls10 .checks.tls_kex.status)" "fail" "--probe-deep: the DHE-only handshake finds the TLS 1.0 server's finite-field DH (tls_kex fail)"
check_match "$(j deep-tls10 '.checks.tls_kex.addresses | join(" ")')" "DHE with (ffdhe2048|dh-[0-9]+)" "--probe-deep: the DH group is named"
h=$(cat "$O/human.txt")
check_match "$h" "\[FAIL\] tls_version +1 of 1 addresses accept TLS 1.0 or 1.1" "human report: the probe's checks with their marks"
check_match "$h" "fix: Accept only TLS 1.2 and 1.3" "human report: a fix: line for a fail"
check_match "$h" "mx.tls10.probe.xtest 5.0.2.174: answers, STARTTLS TLSv1 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" "human report: one line per probed address"
check_eq "$(LC_ALL=C tr -d '\n -~' <"$O/human.txt" | wc -c)" "0" "human report: printable ASCII only"
"$MXR" check --probe --probe-timeout 0 x.example >/dev/null 2>&1
check_eq "$?" "2" "--probe-timeout 0: usage error (exit 2)"
"$MXR" check --probe --probe-helo 'a b' x.example >/dev/null 2>&1
check_eq "$?" "2" "--probe-helo with a space: usage error (exit 2), never on the wire"

# ---- politeness and speed -------------------------------------------------------
dl=$(grep ' disconnect from ' "$T/pf/maillog" 2>/dev/null)
check_match "$dl" "rcpt=1" "Postfix logged probe sessions that reached RCPT"
check_nomatch "$dl" "data=" "Postfix never saw DATA (its disconnect lines count every command)"
check_match "$dl" "quit=1" "sessions end with QUIT"
mx=$(for s in $SCN; do jq -r '[.probe.addresses[].sessions] | max' "$O/$s.json"; done | sort -n | tail -n 1)
check_eq "$(awk -v m="$mx" 'BEGIN { print (m <= 3) ? "ok" : m }')" "ok" "at most 3 sessions per address"
tot=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
check_match "$(awk -v t="$tot" 'BEGIN { print (t < 20) ? "fast" : "slow" }')" "^fast$" "17 scenario probes at once in $tot s (< 20 s)"
finish
