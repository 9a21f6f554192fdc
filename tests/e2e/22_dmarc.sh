#!/bin/sh
# DMARC (RFC 7489, RFC 9091 np) through the DNS test world: record
# discovery and org-domain fallback over real (signed) delegations,
# alignment via SPF only / DKIM only, strict vs relaxed, sp and np, the
# libopendmarc alignment bugs, several records, DNS failures, and the From
# field cases that must be permerror.  The SPF and DKIM results are given
# (tests/tools/dmarc_eval); the zones are tests/world/zones/dmarc-*.xtest.
. "$(dirname "$0")/../lib.sh"
world_env
EV=$MXR_TOP/$MXR_BUILD/tests/dmarc_eval
[ -x "$EV" ] || { fail "dmarc_eval not built ($EV)"; finish; }
TMP=$(mktemp -d /tmp/mxr-dmarc.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
N=0
TIMEOUT=3

# ev WHAT WANT ARG...: evaluates, asserts well-formed JSON and the result.
ev() {
	what=$1 want=$2
	shift 2
	N=$((N+1))
	J=$TMP/$N.json
	t0=$(date +%s.%N)
	"$EV" --resolver "$MXR_RESOLVER" --trust-anchor "$MXR_TA" --timeout "$TIMEOUT" "$@" >"$J" 2>"$TMP/$N.err"
	rc=$?
	SECS=$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $t0 }")
	if [ $rc -ne 0 ] || ! jq -e .result "$J" >/dev/null 2>&1; then
		fail "$what: JSON verdict" "exit $rc: $(head -c 300 "$TMP/$N.err")"
		return
	fi
	check_jq "$J" .result "$want" "$what: result $want ($(jq -r .reason "$J"))"
}
fld() { check_jq "$J" "$1" "$2" "$what: $1"; }
from() { echo "--from-header=Joe <joe@$1>"; }

# --- aligned via SPF only, via DKIM only (relaxed, p=reject)
ev "SPF only" pass "$(from dmarc-relaxed.xtest)" --spf pass:dmarc-relaxed.xtest
fld '"\(.spf_aligned) \(.dkim_aligned)"' "true false"
fld .record_domain dmarc-relaxed.xtest
fld .record "v=DMARC1; p=reject; rua=mailto:dmarc@dmarc-relaxed.xtest"
fld .queries 1
ev "DKIM only" pass "$(from dmarc-relaxed.xtest)" --spf fail:dmarc-relaxed.xtest --dkim pass:dmarc-relaxed.xtest
fld '"\(.spf_aligned) \(.dkim_aligned)"' "false true"
ev "DKIM only, SPF passes for another domain" pass "$(from dmarc-relaxed.xtest)" --spf pass:good.xtest --dkim pass:dmarc-relaxed.xtest
fld '"\(.spf_aligned) \(.dkim_aligned)"' "false true"
ev "unaligned passes" fail "$(from dmarc-relaxed.xtest)" --spf pass:good.xtest --dkim pass:good.xtest
fld .applied reject
fld .pct 100
ev "aligned but failing" fail "$(from dmarc-relaxed.xtest)" --spf softfail:dmarc-relaxed.xtest --dkim fail:dmarc-relaxed.xtest
ev "unsigned, no SPF" fail "$(from dmarc-relaxed.xtest)"
# Relaxed: the organizational domains are compared.
ev "relaxed SPF, MAIL FROM subdomain" pass "$(from dmarc-relaxed.xtest)" --spf pass:bounce.dmarc-relaxed.xtest
ev "relaxed DKIM, one-char siblings" pass "$(from a.dmarc-relaxed.xtest)" --dkim pass:b.dmarc-relaxed.xtest
fld .record_domain dmarc-relaxed.xtest
fld .org_domain dmarc-relaxed.xtest
# libopendmarc bug: a public suffix as d= aligned in relaxed mode.  xtest.
# is a suffix by the public suffix list's default rule "*".
ev "d=xtest (public suffix)" fail "$(from dmarc-relaxed.xtest)" --dkim pass:xtest --spf pass:xtest
fld '"\(.spf_aligned) \(.dkim_aligned)"' "false false"

# --- strict (adkim=s aspf=s, p=quarantine)
ev "strict SPF, subdomain" fail "$(from dmarc-strict.xtest)" --spf pass:bounce.dmarc-strict.xtest
fld .applied quarantine
fld .aspf s
ev "strict SPF, same domain" pass "$(from dmarc-strict.xtest)" --spf pass:dmarc-strict.xtest
ev "strict DKIM, subdomain d=" fail "$(from dmarc-strict.xtest)" --dkim pass:mail.dmarc-strict.xtest
ev "strict DKIM, same domain" pass "$(from dmarc-strict.xtest)" --dkim pass:DMARC-Strict.xtest
# libopendmarc bug: a one-character leftmost label broke strict alignment
# (From a.example vs d=example aligned).
ev "strict, From a.<d> (one-char label)" fail "$(from a.dmarc-strict.xtest)" --dkim pass:dmarc-strict.xtest --spf pass:dmarc-strict.xtest
fld .record_domain dmarc-strict.xtest
fld '"\(.spf_aligned) \(.dkim_aligned)"' "false false"
ev "strict, one-char label both sides" pass "$(from a.dmarc-strict.xtest)" --dkim pass:a.dmarc-strict.xtest

# --- subdomain policy (sp), np (RFC 9091), org-domain fallback
ev "p= at the domain" fail "$(from dmarc-sp.xtest)"
fld .applied reject
ev "sp= for an existing subdomain" fail "$(from exists.dmarc-sp.xtest)"
fld .applied none
fld .record_domain dmarc-sp.xtest
fld .nonexistent false
ev "sp= for a subdomain with only MX" fail "$(from mxonly.dmarc-sp.xtest)"
fld .applied none
ev "np= for a non-existent subdomain" fail "$(from ghost.dmarc-sp.xtest)"
fld .applied quarantine
fld .nonexistent true
ev "subdomain with its own record" fail "$(from own.dmarc-sp.xtest)"
fld .record_domain own.dmarc-sp.xtest
fld .applied reject
fld .pct 50
ev "org fallback passes" pass "$(from ghost.dmarc-sp.xtest)" --spf pass:dmarc-sp.xtest
# Fallback across a zone cut: sub.good.xtest is its own signed zone.
ev "org fallback across a delegation" fail "$(from sub.good.xtest)" --spf pass:good3.xtest
fld .record_domain good.xtest
fld .applied reject
fld .queries 2
ev "org fallback, aligned" pass "$(from sub.good.xtest)" --spf pass:good.xtest

# --- record selection (6.6.3)
ev "two records: no policy" none "$(from dmarc-dup.xtest)" --spf pass:dmarc-dup.xtest
ev "no record" none "$(from dmarc-missing.xtest)" --spf fail:dmarc-missing.xtest
ev "p=none" fail "$(from dmarc-none.xtest)"
fld .applied none
ev "p=quarantine" pass "$(from dmarc-quarantine.xtest)" --dkim pass:dmarc-quarantine.xtest

# --- DNS failures: temperror, within the deadline
ev "dead zone" temperror "$(from dead.xtest)" --spf pass:dead.xtest
check_match "$SECS" '^[0-4]\.' "dead zone: within timeout+1 s (took $SECS s)"
ev "From in a dead zone under a domain with a record" temperror "$(from x.slow.dmarc-relaxed.xtest)" --spf pass:dmarc-relaxed.xtest
ev "bogus zone" temperror "$(from bogus.xtest)" --spf pass:bogus.xtest
ev "aligned SPF temperror" temperror "$(from dmarc-relaxed.xtest)" --spf temperror:dmarc-relaxed.xtest
ev "aligned DKIM temperror" temperror "$(from dmarc-relaxed.xtest)" --dkim temperror:dmarc-relaxed.xtest --spf fail:dmarc-relaxed.xtest
ev "DKIM temperror, SPF aligned pass" pass "$(from dmarc-relaxed.xtest)" --dkim temperror:dmarc-relaxed.xtest --spf pass:dmarc-relaxed.xtest

# --- From fields: only exactly one mailbox has an author domain (6.6.1)
ev "no From field" permerror --spf pass:dmarc-relaxed.xtest
fld .queries 0
ev "two From fields" permerror "$(from dmarc-relaxed.xtest)" "--from-header=evil@good.xtest" --spf pass:dmarc-relaxed.xtest
check_match "$(jq -r .reason "$J")" "2 From fields" "two From fields: reason"
ev "two mailboxes" permerror "--from-header=joe@dmarc-relaxed.xtest, evil@good.xtest" --spf pass:dmarc-relaxed.xtest
ev "group of two" permerror "--from-header=Team: joe@dmarc-relaxed.xtest, evil@good.xtest;" --spf pass:dmarc-relaxed.xtest
ev "empty group" permerror "--from-header=undisclosed-recipients:;" --spf pass:dmarc-relaxed.xtest
ev "group of one" pass "--from-header=Team: joe@dmarc-relaxed.xtest;" --spf pass:dmarc-relaxed.xtest
ev "address as unquoted display name" permerror "--from-header=joe@dmarc-relaxed.xtest <evil@good.xtest>" --spf pass:dmarc-relaxed.xtest
ev "address as quoted display name" fail "--from-header=\"joe@dmarc-relaxed.xtest\" <evil@dmarc-strict.xtest>" --spf pass:dmarc-relaxed.xtest
fld .from_domain dmarc-strict.xtest
ev "folded From with comments" pass "--from-header=(c) Joe
 <joe@(c) dmarc-relaxed.xtest>" --spf pass:dmarc-relaxed.xtest
ev "unfolded line break" permerror "--from-header=joe@dmarc-relaxed.xtest
From: evil@good.xtest" --spf pass:dmarc-relaxed.xtest

finish
