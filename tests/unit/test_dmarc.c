/* Unit tests of DMARC (RFC 7489, RFC 9091 np) on a table resolver: record
 * syntax, organizational domains (libpsl), alignment including the two
 * libopendmarc bugs, discovery and fallback, message verdicts, and the
 * dmarc_record readiness check. */
#include <stdio.h>
#include <string.h>
#include "dmarc.h"
#include "ready_dmarc.h"
#include "tap.h"

static dns_resolver *res;

/* ---------- record syntax ---------- */

static void rec(const char *txt, int want, const char *what)
{
	dmarc_record r;
	char err[128] = "";
	int got = dmarc_record_parse(txt, strlen(txt), &r, err, sizeof err);
	TAP_OK(got == want, "record %s: got %d want %d (%s)", what, got, want, err);
}

static void records(void)
{
	dmarc_record r;
	char err[128];
	const char *full = " v = DMARC1 ; p = Quarantine ; sp=none; np=reject; adkim=s; aspf=r; pct=50; "
	    "rua=mailto:a@b.example, mailto:d@e.example!10m; ruf=mailto:x@y.example; fo=1; ri=3600; t=y; psd=n ";
	TAP_INT(dmarc_record_parse(full, strlen(full), &r, err, sizeof err), 0, "full record parses");
	TAP_INT(r.p, DMARC_P_QUARANTINE, "p (case-insensitive)");
	TAP_INT(r.sp, DMARC_P_NONE, "sp");
	TAP_INT(r.np, DMARC_P_REJECT, "np (RFC 9091)");
	TAP_INT(r.adkim_strict, 1, "adkim=s");
	TAP_INT(r.aspf_strict, 0, "aspf=r");
	TAP_INT(r.pct, 50, "pct");
	TAP_STR(r.rua, "mailto:a@b.example,mailto:d@e.example!10m", "rua list");
	TAP_STR(r.ruf, "mailto:x@y.example", "ruf");
	TAP_STR(r.warning, "", "no warning");
	TAP_INT(dmarc_record_parse("v=DMARC1;p=reject", 17, &r, err, sizeof err), 0, "minimal record");
	TAP_OK(r.p == DMARC_P_REJECT && r.sp == DMARC_P_UNSET && r.np == DMARC_P_UNSET && r.pct == 100 &&
	    !r.adkim_strict && !r.aspf_strict, "defaults: sp/np inherit, pct 100, relaxed");
	rec("v=DMARC1; p=reject;", 0, "final ';'");
	rec("v=DMARC1; p=reject;; ;", 0, "empty tag-specs");
	rec("v=DMARC1; p=reject; x-new=1; foo_bar=a b c", 0, "unknown tags ignored");
	rec("p=reject; v=DMARC1", -1, "v not first");
	rec("v=dmarc1; p=reject", -1, "version is case-sensitive (%x44...)");
	rec("v=DMARC10; p=reject", -1, "v=DMARC10 is not DMARC1");
	rec("v=DMARC1 p=reject", -1, "no ';' after the version");
	rec("v=DMARC1", -1, "no p= and no rua=");
	rec("v=DMARC1; p=rejectx", -1, "invalid p= without rua=");
	rec("v=DMARC1; p=reject; sp=bad", -1, "invalid sp= without rua=");
	rec("v=DMARC1; p=reject; p=none", -1, "duplicate tag (RFC 6376 3.2)");
	rec("v=DMARC1; p=reject; foo", -1, "tag without '='");
	rec("v=DMARC1; p=reject; 1x=2", -1, "tag name not starting with a letter");
	rec("v=DMARC1; p=re\xc3\xa9ject", -1, "8-bit in a value");
	rec("v=DMARC1; p=reject; rua=mailto:a@b\x01", -1, "control character in a value");
	{
		const char nul[] = "v=DMARC1; p=reject\0; p=none";
		TAP_INT(dmarc_record_parse(nul, sizeof nul - 1, &r, err, sizeof err), -1, "NUL in record");
	}
	TAP_INT(dmarc_record_parse("v=DMARC1; rua=mailto:r@x.example", 32, &r, err, sizeof err), 0,
	    "no p= with rua=: treated as p=none (6.6.3)");
	TAP_OK(r.p == DMARC_P_NONE && r.warning[0], "p=none and a warning");
	TAP_INT(dmarc_record_parse("v=DMARC1; p=bogus; sp=reject; rua=mailto:r@x.example", 51, &r, err, sizeof err), 0,
	    "bad p= with rua=: p=none");
	TAP_OK(r.p == DMARC_P_NONE && r.sp == DMARC_P_UNSET, "bad p=: p=none, sp dropped");
	TAP_INT(dmarc_record_parse("v=DMARC1; p=reject; rua=bad uri", 31, &r, err, sizeof err), 0, "bad rua ignored");
	TAP_OK(r.rua[0] == '\0' && strstr(r.warning, "rua") != NULL, "bad rua: empty, warned");
	TAP_INT(dmarc_record_parse("v=DMARC1; p=bogus; rua=nota uri", 31, &r, err, sizeof err), -1,
	    "bad p= and bad rua=: invalid");
	const char *bad_pct[] = { "v=DMARC1; p=reject; pct=101", "v=DMARC1; p=reject; pct=abc",
		"v=DMARC1; p=reject; pct=", "v=DMARC1; p=reject; pct=-1", "v=DMARC1; p=reject; pct=0100" };
	for (size_t i = 0; i < sizeof bad_pct / sizeof bad_pct[0]; i++) {
		TAP_INT(dmarc_record_parse(bad_pct[i], strlen(bad_pct[i]), &r, err, sizeof err), 0, bad_pct[i]);
		TAP_OK(r.pct == 100 && strstr(r.warning, "pct"), "%s: pct 100, warned", bad_pct[i]);
	}
	TAP_INT(dmarc_record_parse("v=DMARC1; p=reject; pct=0", 25, &r, err, sizeof err), 0, "pct=0");
	TAP_INT(r.pct, 0, "pct=0 kept");
	TAP_INT(dmarc_record_parse("v=DMARC1; p=reject; adkim=x; aspf=strict", 40, &r, err, sizeof err), 0,
	    "bad adkim/aspf ignored");
	TAP_OK(!r.adkim_strict && !r.aspf_strict && r.warning[0], "bad adkim/aspf: relaxed, warned");
	TAP_INT(dmarc_record_parse("v=DMARC1; p=reject; rua=mailto:a@b.example!x", 44, &r, err, sizeof err), 0,
	    "bad size suffix");
	TAP_OK(r.rua[0] == '\0', "bad size suffix: rua dropped");

	TAP_INT(dmarc_is_record("v=DMARC1", 8), 1, "is_record: bare version");
	TAP_INT(dmarc_is_record("V=DMARC1;", 9), 1, "is_record: tag name case-insensitive");
	TAP_INT(dmarc_is_record("v=spf1 -all", 11), 0, "is_record: SPF");
	TAP_INT(dmarc_is_record("", 0), 0, "is_record: empty");
	TAP_INT(dmarc_is_record("v=DMARC1x", 9), 0, "is_record: v=DMARC1x");
}

/* ---------- organizational domain and alignment ---------- */

static void org(const char *d, const char *want, const char *what)
{
	char out[DNS_TEXT_MAX + 1] = "";
	int r = dmarc_org_domain(d, out, sizeof out);
	if (want == NULL)
		TAP_OK(r == -1, "org %s: %s is a public suffix (got %d '%s')", what, d, r, out);
	else
		TAP_OK(r == 0 && strcmp(out, want) == 0, "org %s: %s -> %s (got %d '%s')", what, d, want, r, out);
}

static void al(const char *d, const char *from, int strict, int want, const char *what)
{
	TAP_OK(dmarc_aligned(d, from, strict) == want, "%s alignment %s: d=%s From %s -> %s",
	    strict ? "strict" : "relaxed", what, d, from, want ? "aligned" : "not aligned");
}

static void orgs_and_alignment(void)
{
	/* xtest. (the test world) is not in the list: rule "*". */
	org("a.b.xtest", "b.xtest", "unlisted TLD, default rule *");
	org("sub.good.xtest", "good.xtest", "test world fallback");
	org("good.xtest", "good.xtest", "org domain is itself");
	org("xtest", NULL, "unlisted TLD");
	org("A.Example.COM.", "example.com", "case and final dot");
	org("x.y.example.co.uk", "example.co.uk", "two-label suffix");
	org("co.uk", NULL, "two-label suffix");
	org("com", NULL, "TLD");
	org("x.victim.github.io", "victim.github.io", "private-section suffix");
	org("github.io", NULL, "private-section suffix");
	org("bad..name", NULL, "invalid name");

	/* libopendmarc bug 1: a one-character leftmost label broke strict
	 * alignment (dropped by its reverse-domain code). */
	al("example.com", "a.example.com", 1, 0, "parent vs one-char subdomain");
	al("b.example.com", "a.example.com", 1, 0, "two one-char siblings");
	al("a.example.com", "a.example.com", 1, 1, "one-char label, same name");
	al("A.EXAMPLE.COM.", "a.example.com", 1, 1, "case and final dot");
	al("x.a.example.com", "a.example.com", 1, 0, "child of From");
	/* libopendmarc bug 2: a public suffix as d= aligned in relaxed mode. */
	al("com", "example.com", 0, 0, "d=com");
	al("co.uk", "example.co.uk", 0, 0, "d=co.uk");
	al("github.io", "victim.github.io", 0, 0, "d=github.io");
	al("evil.github.io", "victim.github.io", 0, 0, "sibling under a private suffix");
	al("xtest", "good.xtest", 0, 0, "d=xtest (default rule)");
	/* Relaxed alignment proper. */
	al("example.com", "a.example.com", 0, 1, "parent");
	al("b.example.com", "a.example.com", 0, 1, "one-char siblings");
	al("mail.example.co.uk", "news.example.co.uk", 0, 1, "siblings under co.uk");
	al("a.b.xtest", "c.b.xtest", 0, 1, "siblings under xtest");
	al("example.net", "example.com", 0, 0, "other domain");
	al("co.uk", "co.uk", 0, 1, "a suffix aligns with itself only");
	al("", "example.com", 0, 0, "empty d=");
	al("ex ample.com", "example.com", 0, 0, "invalid d=");
}

/* ---------- message verdicts ---------- */

typedef struct sig { const char *res, *d; } sig;

static dmarc_verdict ev_v;

static void ev(const char *from, const char *spf, const char *spf_dom, const sig *sigs,
    const char *want, const char *applied, const char *rec_dom, const char *what)
{
	dns_run *run = dns_run_new(res, 5);
	dkimv_verdict dk;
	memset(&dk, 0, sizeof dk);
	for (size_t i = 0; sigs && sigs[i].res && i < DKIMV_MAX_SIGS; i++) {
		dk.sig[i].result = (auth_result)result_auth_parse(sigs[i].res);
		snprintf(dk.sig[i].domain, sizeof dk.sig[i].domain, "%s", sigs[i].d);
		dk.n = dk.n_seen = i + 1;
	}
	dmarc_start(run, from, 1, &ev_v);
	dns_run_wait(run);
	dmarc_finish(&ev_v, (auth_result)result_auth_parse(spf), spf_dom, sigs ? &dk : NULL);
	TAP_OK(strcmp(result_auth_str(ev_v.result), want) == 0, "%s: From %s -> %s (got %s: %s)", what, from, want,
	    result_auth_str(ev_v.result), ev_v.reason);
	if (applied)
		TAP_STR(dmarc_policy_str(ev_v.applied), applied, "applied policy");
	if (rec_dom)
		TAP_STR(ev_v.record_domain, rec_dom, "record found at");
	json_object *j = dmarc_json(&ev_v);
	TAP_OK(j && json_object_get_string(json_object_object_get(j, "result")) &&
	    strcmp(json_object_get_string(json_object_object_get(j, "result")), want) == 0, "json result");
	json_object_put(j);
	dns_run_free(run);
}

static void messages(void)
{
	const sig d_rel[] = { { "pass", "relaxed.t" }, { NULL, NULL } };
	const sig d_other[] = { { "pass", "other.t" }, { NULL, NULL } };
	const sig d_relfail[] = { { "fail", "relaxed.t" }, { NULL, NULL } };
	const sig d_sub[] = { { "pass", "mail.relaxed.t" }, { NULL, NULL } };

	/* Aligned via SPF only, via DKIM only. */
	ev("relaxed.t", "pass", "relaxed.t", NULL, "pass", NULL, "relaxed.t", "SPF only, unsigned");
	TAP_OK(ev_v.spf_aligned && !ev_v.dkim_aligned, "SPF only: spf_aligned, not dkim");
	ev("relaxed.t", "fail", "relaxed.t", d_rel, "pass", NULL, NULL, "DKIM only, SPF fail");
	TAP_OK(!ev_v.spf_aligned && ev_v.dkim_aligned, "DKIM only: dkim_aligned, not spf");
	ev("relaxed.t", "pass", "other.t", d_rel, "pass", NULL, NULL, "DKIM only, SPF pass for another domain");
	TAP_OK(!ev_v.spf_aligned && ev_v.dkim_aligned, "SPF of another domain is not aligned");
	ev("relaxed.t", "pass", "other.t", d_other, "fail", "reject", NULL, "both pass, neither aligned");
	ev("relaxed.t", "softfail", "relaxed.t", d_relfail, "fail", "reject", NULL, "aligned but neither passes");
	ev("relaxed.t", "none", "", NULL, "fail", "reject", NULL, "nothing at all");
	/* Relaxed: subdomains of the org domain align. */
	ev("relaxed.t", "pass", "bounce.relaxed.t", NULL, "pass", NULL, NULL, "relaxed SPF, MAIL FROM subdomain");
	ev("news.relaxed.t", "none", "", d_sub, "pass", "reject", "relaxed.t", "relaxed DKIM sibling, org fallback");
	/* Strict. */
	ev("strict.t", "pass", "bounce.strict.t", NULL, "fail", "quarantine", NULL, "strict SPF, subdomain");
	ev("strict.t", "pass", "strict.t", NULL, "pass", NULL, NULL, "strict SPF, same domain");
	{
		const sig s1[] = { { "pass", "mail.strict.t" }, { NULL, NULL } };
		const sig s2[] = { { "pass", "STRICT.T." }, { NULL, NULL } };
		ev("strict.t", "fail", "x.t", s1, "fail", NULL, NULL, "strict DKIM, subdomain d=");
		ev("strict.t", "fail", "x.t", s2, "pass", NULL, NULL, "strict DKIM, same name in other case");
	}
	/* The libopendmarc bugs through a whole evaluation. */
	{
		const sig p1[] = { { "pass", "example.com" }, { NULL, NULL } };
		const sig p2[] = { { "pass", "b.example.com" }, { NULL, NULL } };
		const sig p3[] = { { "pass", "co.uk" }, { NULL, NULL } };
		const sig p4[] = { { "pass", "github.io" }, { NULL, NULL } };
		const sig p5[] = { { "pass", "net" }, { NULL, NULL } };
		const sig p6[] = { { "pass", "b.example.net" }, { NULL, NULL } };
		ev("a.example.com", "pass", "example.com", p1, "fail", "reject", "example.com",
		    "strict, d=example.com vs From a.example.com (libopendmarc passes)");
		ev("a.example.com", "none", "", p2, "fail", NULL, NULL, "strict, one-char siblings");
		ev("example.co.uk", "none", "", p3, "fail", "reject", NULL, "relaxed, d=co.uk (libopendmarc passes)");
		ev("victim.github.io", "pass", "github.io", p4, "fail", "reject", NULL,
		    "relaxed, d=github.io and SPF github.io");
		ev("example.net", "none", "", p5, "fail", NULL, NULL, "relaxed, d=net");
		ev("a.example.net", "none", "", p6, "pass", NULL, "example.net", "relaxed, one-char siblings align");
	}
	/* Several signatures: one aligned pass suffices. */
	{
		const sig m1[] = { { "fail", "relaxed.t" }, { "pass", "relaxed.t" }, { NULL, NULL } };
		const sig m2[] = { { "pass", "other.t" }, { "pass", "x.relaxed.t" }, { NULL, NULL } };
		const sig m3[] = { { "pass", "" }, { NULL, NULL } };
		ev("relaxed.t", "fail", "x.t", m1, "pass", NULL, NULL, "second signature passes");
		ev("relaxed.t", "fail", "x.t", m2, "pass", NULL, NULL, "unaligned pass then aligned pass");
		ev("relaxed.t", "fail", "x.t", m3, "fail", NULL, NULL, "signature without d=");
	}
	/* Temporary failures of SPF/DKIM decide only where they could. */
	{
		const sig t1[] = { { "temperror", "relaxed.t" }, { NULL, NULL } };
		const sig t2[] = { { "temperror", "other.t" }, { NULL, NULL } };
		ev("relaxed.t", "fail", "relaxed.t", t1, "temperror", NULL, NULL, "aligned DKIM temperror, no pass");
		ev("relaxed.t", "temperror", "relaxed.t", NULL, "temperror", NULL, NULL, "aligned SPF temperror");
		ev("relaxed.t", "temperror", "other.t", t2, "fail", NULL, NULL, "unaligned temperrors");
		ev("relaxed.t", "pass", "relaxed.t", t1, "pass", NULL, NULL, "SPF pass despite DKIM temperror");
	}
	/* Subdomain policy and org-domain fallback. */
	ev("sp.t", "none", "", NULL, "fail", "reject", "sp.t", "p= at the domain itself");
	ev("x.sp.t", "none", "", NULL, "fail", "none", "sp.t", "sp= for a subdomain (org fallback)");
	ev("own.sp.t", "none", "", NULL, "fail", "quarantine", "own.sp.t", "subdomain with its own record");
	ev("deep.x.relaxed.t", "none", "", NULL, "fail", "reject", "relaxed.t", "no sp=: p= for subdomains");
	ev("x.sp.t", "pass", "x.sp.t", NULL, "pass", NULL, "sp.t", "pass via the org record");
	/* np (RFC 9091): non-existent subdomains. */
	ev("ghost.np.t", "none", "", NULL, "fail", "reject", "np.t", "np= for a non-existent subdomain");
	TAP_INT(ev_v.nonexistent, 1, "ghost.np.t is non-existent");
	ev("exists.np.t", "none", "", NULL, "fail", "none", "np.t", "sp= for an existing subdomain (A)");
	TAP_INT(ev_v.nonexistent, 0, "exists.np.t exists");
	ev("mxonly.np.t", "none", "", NULL, "fail", "none", "np.t", "sp= for an existing subdomain (MX only)");
	ev("slowexist.np.t", "none", "", NULL, "temperror", NULL, "np.t", "existence unknown and np= matters");
	ev("slowexist.np.t", "pass", "slowexist.np.t", NULL, "pass", NULL, "np.t", "existence unknown but aligned pass");
	ev("np.t", "none", "", NULL, "fail", "quarantine", "np.t", "np= not for the org domain itself");
	ev("ghost.sp.t", "none", "", NULL, "fail", "none", "sp.t", "no np=: sp= for a non-existent subdomain");
	TAP_INT(ev_v.nonexistent, -1, "existence not asked without np=");
	/* Record selection (6.6.3). */
	ev("multi.t", "pass", "multi.t", NULL, "none", NULL, NULL, "two records: no policy");
	ev("sub.multi2.t", "pass", "multi2.t", NULL, "none", NULL, NULL,
	    "two records at the From domain: no fallback to the org domain");
	ev("mixed.t", "none", "", NULL, "fail", "quarantine", "mixed.t", "non-DMARC TXT records ignored");
	ev("split.t", "none", "", NULL, "fail", "reject", "split.t", "record in two strings");
	ev("nothing.t", "pass", "nothing.t", NULL, "none", NULL, NULL, "no record anywhere");
	ev("x.nothing.t", "pass", "nothing.t", NULL, "none", NULL, NULL, "no record at domain or org domain");
	ev("badp.t", "none", "", NULL, "fail", "none", "badp.t", "bad p= with rua=: p=none");
	ev("badp2.t", "pass", "badp2.t", NULL, "none", NULL, NULL, "bad p= without rua=: no policy");
	ev("pct.t", "none", "", NULL, "fail", "reject", NULL, "pct reported");
	TAP_INT(ev_v.rec.pct, 20, "pct=20");
	ev("co.uk", "pass", "co.uk", NULL, "pass", NULL, "co.uk", "From a public suffix: its own record only");
	/* DNS failures: temperror, never a pass or a fail. */
	ev("slow.t", "pass", "slow.t", NULL, "temperror", NULL, NULL, "record lookup times out");
	ev("bogus.t", "pass", "bogus.t", NULL, "temperror", NULL, NULL, "record DNSSEC-bogus");
	ev("x.slow2.t", "none", "", NULL, "fail", "none", "x.slow2.t", "record at From; org lookup failing is moot");
	ev("y.slow2.t", "pass", "y.slow2.t", NULL, "temperror", NULL, NULL, "no record at From, org lookup fails");
}

/* The From field cases (RFC 7489 6.6.1). */
static void from_fields(void)
{
	struct { const char *vals[3]; size_t n; const char *want; const char *what; } c[] = {
		{ { "Joe <joe@relaxed.t>" }, 1, "pass", "one From, one mailbox" },
		{ { NULL }, 0, "permerror", "no From field" },
		{ { "a@relaxed.t", "b@evil.t" }, 2, "permerror", "two From fields" },
		{ { "a@relaxed.t", "a@relaxed.t" }, 2, "permerror", "two identical From fields" },
		{ { "a@relaxed.t, b@evil.t" }, 1, "permerror", "two mailboxes" },
		{ { "b@evil.t, a@relaxed.t" }, 1, "permerror", "two mailboxes, aligned one second" },
		{ { "G: a@relaxed.t, b@evil.t;" }, 1, "permerror", "group of two" },
		{ { "G: a@relaxed.t;" }, 1, "pass", "group of one" },
		{ { "undisclosed-recipients:;" }, 1, "permerror", "empty group" },
		{ { "" }, 1, "permerror", "empty From field" },
		{ { "a@relaxed.t <b@evil.t>" }, 1, "permerror", "unquoted address as display name" },
		{ { "\"a@relaxed.t\" <b@evil.t>" }, 1, "fail", "quoted address-like display name: evil.t decides" },
		{ { "a@[192.0.2.1]" }, 1, "permerror", "domain literal" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		size_t lens[3];
		dmarc_verdict v;
		for (size_t k = 0; k < c[i].n; k++)
			lens[k] = strlen(c[i].vals[k]);
		dns_run *run = dns_run_new(res, 5);
		dmarc_start_from(run, c[i].vals, lens, c[i].n, &v);
		dns_run_wait(run);
		dmarc_finish(&v, AUTH_PASS, "relaxed.t", NULL);
		TAP_OK(strcmp(result_auth_str(v.result), c[i].want) == 0, "From field %s: %s (got %s: %s)",
		    c[i].what, c[i].want, result_auth_str(v.result), v.reason);
		TAP_OK(v.reason[0] != '\0', "From field %s: reason given", c[i].what);
		dns_run_free(run);
	}
	{
		/* Nine From fields of which the caller kept eight values: the
		 * reason gives the true count (issue 14 item 12). */
		const char *vals[8];
		size_t lens[8];
		dmarc_verdict v;
		for (size_t k = 0; k < 8; k++) {
			vals[k] = "a@relaxed.t";
			lens[k] = strlen(vals[k]);
		}
		dns_run *run = dns_run_new(res, 5);
		dmarc_start_from(run, vals, lens, 9, &v);
		dns_run_wait(run);
		dmarc_finish(&v, AUTH_PASS, "relaxed.t", NULL);
		TAP_STR(result_auth_str(v.result), "permerror", "9 From fields, 8 kept: permerror");
		TAP_STR(v.reason, "9 From fields (RFC 5322 3.6 allows one)", "9 From fields, 8 kept: the true count");
		dns_run_free(run);
	}
	{
		const char nul[] = "a@relaxed.t\0@evil.t";
		const char *vals[1] = { nul };
		size_t lens[1] = { sizeof nul - 1 };
		dmarc_verdict v;
		dns_run *run = dns_run_new(res, 5);
		dmarc_start_from(run, vals, lens, 1, &v);
		dns_run_wait(run);
		dmarc_finish(&v, AUTH_PASS, "relaxed.t", NULL);
		TAP_STR(result_auth_str(v.result), "permerror", "From with NUL: permerror");
		dns_run_free(run);
	}
	{
		dmarc_verdict v;
		dns_run *run = dns_run_new(res, 5);
		dmarc_start(run, "relaxed.t", 2, &v);
		dns_run_wait(run);
		dmarc_finish(&v, AUTH_PASS, "relaxed.t", NULL);
		TAP_STR(result_auth_str(v.result), "permerror", "dmarc_start with count 2");
		TAP_INT(dns_run_queries(run), 0, "permerror: no lookups sent");
		dmarc_start(run, "relaxed.t", -1, &v);
		dmarc_finish(&v, AUTH_PASS, "relaxed.t", NULL);
		TAP_STR(result_auth_str(v.result), "permerror", "dmarc_start with count -1");
		dns_run_free(run);
	}
	{
		/* Existence (np=) is asked only when np= can matter. */
		const char *doms[] = { "ghost.np.t", "ghost.sp.t", "np.t" };
		const size_t want[] = { 5, 2, 1 };
		for (size_t i = 0; i < 3; i++) {
			dmarc_verdict v;
			dns_run *run = dns_run_new(res, 5);
			dmarc_start(run, doms[i], 1, &v);
			dns_run_wait(run);
			dmarc_finish(&v, AUTH_NONE, "", NULL);
			TAP_OK(dns_run_queries(run) == want[i], "%s: %zu lookups (got %zu)", doms[i], want[i],
			    dns_run_queries(run));
			dns_run_free(run);
		}
	}
	{
		/* A subdomain's two record lookups leave together. */
		dmarc_verdict v;
		dns_run *run = dns_run_new(res, 5);
		dmarc_start(run, "a.b.relaxed.t", 1, &v);
		TAP_INT(dns_run_queries(run), 2, "_dmarc.<from> and _dmarc.<org> asked in parallel");
		dns_run_wait(run);
		dmarc_finish(&v, AUTH_PASS, "relaxed.t", NULL);
		TAP_STR(v.org_domain, "relaxed.t", "org domain in the verdict");
		dns_run_free(run);
	}
}

/* ---------- the dmarc_record readiness check ---------- */

static ready_item pol_it;

static void pol(const char *domain, const char *want, const char *policy, const char *source, const char *what)
{
	dns_run *run = dns_run_new(res, 5);
	memset(&pol_it, 0, sizeof pol_it);
	ready_dmarc_start(run, domain, &pol_it);
	dns_run_wait(run);
	TAP_OK(pol_it.status == (chk_status)result_chk_parse(want), "check %s: %s -> %s (got %s: %s)", what, domain,
	    want, result_chk_str(pol_it.status), pol_it.summary);
	json_object *p = json_object_object_get(pol_it.data, "policy");
	json_object *s = json_object_object_get(pol_it.data, "source");
	TAP_STR(p ? json_object_get_string(p) : "null", policy, "check policy");
	TAP_STR(s ? json_object_get_string(s) : "null", source, "check source");
	if (pol_it.status == CHK_FAIL || pol_it.status == CHK_WARN)
		TAP_OK(pol_it.hint[0] != '\0', "check %s: hint given", what);
	dns_run_free(run);
}

static const char *unauth(void)
{
	static char b[256];
	json_object *a = json_object_object_get(pol_it.data, "external_unauthorized");
	b[0] = '\0';
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		size_t l = strlen(b);
		snprintf(b + l, sizeof b - l, "%s%s", i ? "," : "", json_object_get_string(json_object_array_get_idx(a, i)));
	}
	return b;
}

static void readiness(void)
{
	pol("good.t", "pass", "reject", "domain", "p=reject");
	TAP_STR(json_object_get_string(json_object_object_get(pol_it.data, "record")),
	    "v=DMARC1; p=reject; rua=mailto:dmarc@good.t", "record text");
	TAP_STR(unauth(), "", "own rua is not external");
	TAP_STR(json_object_get_string(json_object_object_get(pol_it.data, "dnssec")), "secure", "record answer secure");
	json_object_put(pol_it.data);
	pol("x.good.t", "pass", "reject", "organizational", "org-domain fallback");
	TAP_STR(json_object_get_string(json_object_object_get(pol_it.data, "source_domain")), "good.t", "source_domain");
	json_object_put(pol_it.data);
	pol("strict.t", "pass", "quarantine", "domain", "p=quarantine");
	TAP_STR(json_object_get_string(json_object_object_get(pol_it.data, "dnssec")), "insecure", "record answer insecure");
	json_object_put(pol_it.data);
	pol("sp.t", "pass", "reject", "domain", "p=reject, sp=none at the domain itself");
	json_object_put(pol_it.data);
	pol("x.sp.t", "fail", "none", "organizational", "sp=none applies to a subdomain");
	json_object_put(pol_it.data);
	pol("multi.t", "fail", "null", "null", "two records");
	TAP_INT(json_object_array_length(json_object_object_get(pol_it.data, "records")), 2, "both records listed");
	TAP_OK(json_object_object_get_ex(pol_it.data, "record", NULL) &&
	    json_object_object_get(pol_it.data, "record") == NULL, "record null");
	json_object_put(pol_it.data);
	pol("nothing.t", "fail", "null", "null", "no record");
	json_object_put(pol_it.data);
	pol("x.nothing.t", "fail", "null", "null", "no record at domain nor org domain");
	json_object_put(pol_it.data);
	pol("mixed.t", "pass", "quarantine", "domain", "other TXT records ignored");
	json_object_put(pol_it.data);
	pol("badp.t", "fail", "none", "domain", "bad p= with rua= counts as none");
	TAP_OK(strstr(pol_it.summary, "treated as p=none") != NULL, "summary says why p=none: %s", pol_it.summary);
	json_object_put(pol_it.data);
	pol("badp2.t", "fail", "null", "domain", "invalid record");
	json_object_put(pol_it.data);
	pol("slow.t", "temperror", "null", "null", "lookup times out");
	json_object_put(pol_it.data);
	pol("y.slow2.t", "temperror", "null", "null", "org lookup times out");
	json_object_put(pol_it.data);
	pol("bogus.t", "temperror", "null", "null", "bogus answer");
	json_object_put(pol_it.data);
	pol("x.slow2.t", "fail", "none", "domain", "record at the domain, org lookup moot");
	json_object_put(pol_it.data);
	/* Report destinations (RFC 7489 7.1). */
	pol("ext.t", "warn", "reject", "domain", "one of two external destinations unauthorised");
	TAP_STR(unauth(), "rep.t", "unauthorised destination listed");
	json_object_put(pol_it.data);
	pol("extauth.t", "pass", "quarantine", "domain", "external destination authorised");
	TAP_STR(unauth(), "", "none unauthorised");
	json_object_put(pol_it.data);
	pol("extbad.t", "warn", "reject", "domain", "authorisation TXT is not v=DMARC1");
	TAP_STR(unauth(), "auth.t", "non-DMARC TXT does not authorise");
	json_object_put(pol_it.data);
	pol("exttemp.t", "temperror", "reject", "domain", "authorisation lookup times out");
	json_object_put(pol_it.data);
	pol("own.t", "pass", "reject", "domain", "rua in own subdomain and https");
	TAP_STR(unauth(), "", "own destinations not external");
	json_object_put(pol_it.data);
	pol("extnone.t", "fail", "none", "domain", "p=none stays fail with external rua");
	json_object_put(pol_it.data);
	pol("bad..name", "fail", "null", "null", "invalid domain");
	json_object_put(pol_it.data);
}

int main(void)
{
	char err[256];
	dns_options o = { .table_file = "tests/unit/data/dmarc.tab" };
	tap_name = "test_dmarc";
	res = dns_resolver_new(&o, err, sizeof err);
	TAP_OK(res != NULL, "table loads (%s)", res ? "ok" : err);
	if (res == NULL)
		return 1;
	records();
	orgs_and_alignment();
	messages();
	from_fields();
	readiness();
	TAP_STR(dmarc_policy_str(DMARC_P_UNSET), "unset", "policy_str unset");
	dns_resolver_free(res);
	return TAP_DONE();
}
