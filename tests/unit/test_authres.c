/* Unit tests of Authentication-Results rendering and authserv-id parsing
 * (core/authres.c, RFC 8601).  With MXR_AUTHRES_DUMP=FILE every rendered
 * field is also written to FILE, one "Authentication-Results:" field each,
 * for tests/e2e/21_authres.sh to parse with python3-authres. */
#include <stdlib.h>
#include <string.h>
#include "authres.h"
#include "tap.h"

static FILE *dump;
static const char *ID = "mx.example.t";

/* Our renderer starts each method on a line of its own. */
static int count_methods(const char *v)
{
	int n = 0;
	for (const char *p = v; (p = strstr(p, ";\n\t")) != NULL; p++)
		n++;
	return n;
}

/* Properties every rendered value must have, whatever the input. */
static void invariants(const char *what, const char *v, const char *id)
{
	int ok = 1, lines_ok = 1;
	size_t line = 0;
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n') {
			if (p[1] != '\t')
				ok = 0;            /* only our "\n\t" folds */
			line = 0;
			continue;
		}
		if (c == '\r' || c == '\0' || c > 0x7e || (c < 0x20 && c != '\t'))
			ok = 0;
		if (++line > 998)
			lines_ok = 0;          /* RFC 5322 2.1.1 hard limit */
	}
	TAP_OK(ok, "%s: printable ASCII, no CR/LF but the folds", what);
	TAP_OK(lines_ok, "%s: no line over 998 octets", what);
	char got[300];
	TAP_OK(authres_authserv_id(v, strlen(v), got, sizeof got) == 0 && strcmp(got, id) == 0,
	    "%s: authserv-id reads back as '%s'", what, id);
	authres_parsed *p = NULL;
	TAP_OK(authres_parse(v, strlen(v), &p) == 0 && p && p->n_res == (size_t)count_methods(v),
	    "%s: parses as a whole, one result per method", what);
	authres_parsed_free(p);
	if (dump)
		fprintf(dump, "Authentication-Results:%s\n", v);
}

static char *render(const authres_input *in, const char *what)
{
	char *v = authres_render(in);
	TAP_OK(v != NULL, "%s: rendered", what);
	if (v == NULL)
		return NULL;
	invariants(what, v, in && in->authserv_id && authres_id_valid(in->authserv_id) ? in->authserv_id : "?");
	return v;
}

static void fill_sig(dkimv_sig *s, auth_result r, const char *d, const char *sel, const char *a,
    const char *b, const char *reason)
{
	memset(s, 0, sizeof *s);
	s->result = r;
	snprintf(s->domain, sizeof s->domain, "%s", d);
	snprintf(s->selector, sizeof s->selector, "%s", sel);
	snprintf(s->algorithm, sizeof s->algorithm, "%s", a);
	snprintf(s->b, sizeof s->b, "%s", b);
	snprintf(s->reason, sizeof s->reason, "%s", reason);
}

/* The verdicts the rendering cases share (each step changes some). */
static authres_input in;
static spf_verdict mf, helo;
static dkimv_verdict dk;
static dmarc_verdict dm;
static iprev_verdict ip;

static void rendering_pass(void)
{
	char *v;
	in.authserv_id = ID;

	v = render(&in, "no method");
	TAP_STR(v, " mx.example.t; none", "no method ran: none");
	free(v);

	memset(&mf, 0, sizeof mf);
	memset(&helo, 0, sizeof helo);
	mf.result = AUTH_PASS;
	mf.scope = SPF_SCOPE_MAILFROM;
	snprintf(mf.identity, sizeof mf.identity, "alice@d.example");
	snprintf(mf.domain, sizeof mf.domain, "d.example");
	helo.result = AUTH_PASS;
	helo.scope = SPF_SCOPE_HELO;
	snprintf(helo.identity, sizeof helo.identity, "postmaster@mail.d.example");
	snprintf(helo.domain, sizeof helo.domain, "mail.d.example");
	memset(&dk, 0, sizeof dk);
	dk.result = AUTH_PASS;
	dk.n = dk.n_seen = 1;
	fill_sig(&dk.sig[0], AUTH_PASS, "d.example", "sel", "rsa-sha256", "AbCdEfGh", "");
	memset(&dm, 0, sizeof dm);
	dm.result = AUTH_PASS;
	snprintf(dm.from_domain, sizeof dm.from_domain, "d.example");
	dm.applied = DMARC_P_REJECT;
	memset(&ip, 0, sizeof ip);
	ip.result = AUTH_PASS;
	snprintf(ip.ip, sizeof ip.ip, "192.0.2.1");
	snprintf(ip.name, sizeof ip.name, "mail.d.example");

	in.spf_mailfrom = &mf;
	in.spf_helo = &helo;
	in.dkim = &dk;
	in.dmarc = &dm;
	in.iprev = &ip;
	v = render(&in, "all pass");
	TAP_STR(v, " mx.example.t;\n\tiprev=pass (mail.d.example) policy.iprev=192.0.2.1;\n"
	    "\tspf=pass smtp.helo=mail.d.example;\n\tspf=pass smtp.mailfrom=alice@d.example;\n"
	    "\tdkim=pass header.d=d.example header.s=sel header.a=rsa-sha256\n\theader.b=AbCdEfGh;\n"
	    "\tdmarc=pass header.from=d.example policy.dmarc=reject", "all methods pass");
	int short_lines = 1;
	for (char *l = v; l; l = strchr(l + 1, '\n'))
		if (strcspn(l + 1, "\n") > 78)
			short_lines = 0;
	TAP_OK(short_lines, "all pass: lines under 78 octets");
	free(v);
}

/* failures with reasons that try to break out of the field */
static void rendering_hostile(void)
{
	char *v;
	mf.result = AUTH_FAIL;
	snprintf(mf.reason, sizeof mf.reason, "bad \"quote\" \\ back\r\nX-Injected: yes\n\tmore\x01\x7f\xff");
	snprintf(mf.identity, sizeof mf.identity, "\"odd local\"@d.example");
	dk.result = AUTH_FAIL;
	fill_sig(&dk.sig[0], AUTH_FAIL, "d.example;\r\nX-Evil: 1", "s el", "rsa-sha256", "ab/c+d=e",
	    "body hash mismatch (body altered)");
	ip.result = AUTH_FAIL;
	snprintf(ip.ip, sizeof ip.ip, "2001:db8::1");
	snprintf(ip.reason, sizeof ip.reason, "PTR mail.x does not resolve back");
	snprintf(ip.name, sizeof ip.name, "bad name)(");
	dm.result = AUTH_FAIL;
	snprintf(dm.reason, sizeof dm.reason, "not aligned");
	v = render(&in, "hostile inputs");
	TAP_OK(v && strstr(v, "X-Injected") && !strstr(v, "\nX-Injected") && !strstr(v, "\r"),
	    "injected header text stays inside a quoted reason");
	TAP_OK(v && strstr(v, "reason=\"bad \\\"quote\\\" \\\\ back??X-Injected: yes? more???\""),
	    "reason quoted with escapes, control and 8-bit octets as '?'");
	TAP_OK(v && strstr(v, "smtp.mailfrom=\"\\\"odd local\\\"@d.example\""), "odd local part quoted");
	TAP_OK(v && strstr(v, "policy.iprev=\"2001:db8::1\""), "IPv6 policy.iprev quoted");
	TAP_OK(v && !strstr(v, "(bad name"), "unsafe PTR name not written as a comment");
	TAP_OK(v && !strstr(v, "header.d=") && !strstr(v, "header.s="), "d= and s= that are no names left out");
	TAP_OK(v && strstr(v, "header.b=\"ab/c+d=e\";"), "header.b with '/' and '=' quoted, last");
	{
		/* quoted values go last within the method */
		const char *dk0 = v ? strstr(v, "dkim=fail") : NULL;
		const char *a = dk0 ? strstr(dk0, "header.a=rsa-sha256") : NULL;
		const char *b = dk0 ? strstr(dk0, "header.b=\"") : NULL;
		TAP_OK(a && b && a < b, "unquoted properties before quoted ones");
	}
	free(v);
}

static void rendering_other(void)
{
	char *v;

	/* SPF verdicts with only the identity or only the domain */
	{
		spf_verdict h2, m2;
		memset(&h2, 0, sizeof h2);
		memset(&m2, 0, sizeof m2);
		h2.result = AUTH_NONE;
		snprintf(h2.identity, sizeof h2.identity, "postmaster@helo.d.example");
		m2.result = AUTH_TEMPERROR;
		snprintf(m2.domain, sizeof m2.domain, "d.example");
		snprintf(m2.reason, sizeof m2.reason, "DNS failure looking up TXT d.example");
		authres_input in2 = { .authserv_id = ID, .spf_helo = &h2, .spf_mailfrom = &m2 };
		v = render(&in2, "spf fallbacks");
		TAP_STR(v, " mx.example.t;\n\tspf=none smtp.helo=helo.d.example;\n\tspf=temperror"
		    " reason=\"DNS failure looking up TXT d.example\"\n\tsmtp.mailfrom=d.example",
		    "smtp.helo from the identity, smtp.mailfrom from the domain");
		free(v);
	}

	/* unsigned message, DMARC without a record, a non-token authserv-id */
	dk.n = 0;
	dk.result = AUTH_NONE;
	dm.result = AUTH_NONE;
	dm.applied = DMARC_P_UNSET;
	dm.reason[0] = '\0';
	in.spf_helo = NULL;
	in.iprev = NULL;
	in.spf_mailfrom = NULL;
	v = render(&in, "unsigned, no DMARC record");
	TAP_STR(v, " mx.example.t;\n\tdkim=none;\n\tdmarc=none header.from=d.example", "dkim=none, dmarc=none");
	free(v);
	authres_input bad = { .authserv_id = "mx ex;\r\n" };
	v = authres_render(&bad);
	TAP_STR(v, " mx_ex___; none", "non-token authserv-id made a token");
	if (v)
		invariants("non-token id", v, "mx_ex___");
	free(v);
	TAP_INT(authres_id_valid("mx.example.t"), 1, "host name is a valid authserv-id");
	TAP_INT(authres_id_valid("mx ex"), 0, "space not valid in an authserv-id");
	TAP_INT(authres_id_valid(""), 0, "empty authserv-id not valid");
	v = authres_render(NULL);
	TAP_STR(v, " localhost; none", "NULL input");
	free(v);

	/* eight signatures with long reasons: folding */
	dk.n = DKIMV_MAX_SIGS;
	for (size_t i = 0; i < DKIMV_MAX_SIGS; i++) {
		char d[64];
		snprintf(d, sizeof d, "a-rather-long-signing-domain-name-%zu.example", i);
		fill_sig(&dk.sig[i], i % 2 ? AUTH_PASS : AUTH_TEMPERROR, d, "selector2026", "ed25519-sha256",
		    "Zm9vYmFy", i % 2 ? "" : "key lookup: timeout");
	}
	in.dmarc = NULL;
	v = render(&in, "eight signatures");
	size_t n = 0, maxl = 0;
	for (const char *p = v; p && (p = strstr(p, "dkim=")); p++)
		n++;
	for (const char *l = v; l; l = strchr(l + 1, '\n')) {
		size_t ll = strcspn(l + 1, "\n");
		if (ll > maxl)
			maxl = ll;
	}
	TAP_INT(n, DKIMV_MAX_SIGS, "one dkim= per signature");
	TAP_OK(maxl <= 78, "folded: longest line %zu octets", maxl);
	free(v);

	/* a reason longer than a line is still one quoted-string */
	memset(&dm, 0, sizeof dm);
	dm.result = AUTH_TEMPERROR;
	memset(dm.reason, 'x', sizeof dm.reason - 1);
	snprintf(dm.from_domain, sizeof dm.from_domain, "d.example");
	authres_input one = { .authserv_id = ID, .dmarc = &dm };
	v = render(&one, "long reason");
	TAP_OK(v && strstr(v, "reason=\"xxxxxxxx") != NULL, "long reason kept");
	free(v);
}

static void idcase(const char *text, int want_rc, const char *want, const char *what)
{
	char out[64];
	int rc = authres_authserv_id(text, strlen(text), out, sizeof out);
	TAP_OK(rc == want_rc && (rc != 0 || strcmp(out, want) == 0), "authserv-id %s: rc %d '%s'", what, rc,
	    rc == 0 ? out : "");
}

static void parsing(void)
{
	idcase(" mx.example.com; spf=pass smtp.mailfrom=a@b", 0, "mx.example.com", "plain");
	idcase("mx.example.com;none", 0, "mx.example.com", "no space");
	idcase(" (comment (nested \\) paren)) mx.example.com 1; none", 0, "mx.example.com", "comments and version");
	idcase("\r\n\t mx.example.com;\r\n\tdkim=pass", 0, "mx.example.com", "folded");
	idcase(" \"quoted id\"; none", 0, "quoted id", "quoted-string");
	idcase(" \"q\\\"x\"; none", 0, "q\"x", "quoted-pair in quoted-string");
	idcase(" (unterminated mx.example.com; none", -1, "", "unterminated comment");
	idcase(" \"unterminated; none", -1, "", "unterminated quoted-string");
	idcase("", -1, "", "empty");
	idcase("   ", -1, "", "only white space");
	idcase(" ; spf=pass", -1, "", "no id before ;");
	idcase(" \"\"; none", -1, "", "empty quoted-string");
	idcase(" aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; none", -1, "",
	    "longer than the output buffer");
	idcase(" mx.example.com(c); none", 0, "mx.example.com", "comment right after the id");
	idcase(" \xc3\xa9x; none", -1, "", "8-bit first octet");
	char deep[200];
	memset(deep, '(', sizeof deep - 1);
	deep[sizeof deep - 1] = '\0';
	idcase(deep, -1, "", "deep unclosed comment nesting refused");
	char buf[8];
	TAP_INT(authres_authserv_id("mx", 2, buf, 0), -1, "zero-size output");
	TAP_INT(authres_authserv_id("mx.example", 2, buf, sizeof buf), 0, "length bounds the input");
	TAP_STR(buf, "mx", "only len octets read");
}

/* A parsed field as one line: "id/v; method/v=result reason=<r> ptype.prop=<v>;..."
 * or "FAIL". */
static char *dumped(const char *v, size_t len)
{
	static char out[8192];
	authres_parsed *p;
	size_t o = 0;
	if (authres_parse(v, len, &p) < 0) {
		snprintf(out, sizeof out, "FAIL");
		return out;
	}
	o += (size_t)snprintf(out + o, sizeof out - o, "%s/%u", p->authserv_id, p->version);
	for (size_t i = 0; i < p->n_res && o < sizeof out; i++) {
		const authres_result *r = &p->res[i];
		o += (size_t)snprintf(out + o, sizeof out - o, "; %s/%u=%s", r->method, r->version, r->result);
		if (r->reason && o < sizeof out)
			o += (size_t)snprintf(out + o, sizeof out - o, " reason=<%s>", r->reason);
		for (size_t k = 0; k < r->n_prop && o < sizeof out; k++)
			o += (size_t)snprintf(out + o, sizeof out - o, " %s.%s=<%s>", r->prop[k].ptype,
			    r->prop[k].property, r->prop[k].value);
	}
	authres_parsed_free(p);
	return out;
}

static void pcase(const char *text, const char *want, const char *what)
{
	TAP_STR(dumped(text, strlen(text)), want, what);
}

static void parser(void)
{
	pcase(" mx.example.com; spf=pass smtp.mailfrom=a@b.example", "mx.example.com/0; spf/0=pass smtp.mailfrom=<a@b.example>", "simple");
	pcase(" mx.example.com 1; none", "mx.example.com/1", "none with version");
	pcase("mx; NONE (nothing)\r\n", "mx/0", "none in any case, trailing comment and CRLF");
	pcase(" \"quoted id\" 1 (c); dkim=pass", "quoted id/1; dkim/0=pass", "quoted authserv-id");
	pcase(" mx;\r\n\tDKIM/1 (c) = (c) PASS (c) REASON (c) = (c) \"good \\\"sig\\\"\" (c)"
	    " Header (c) . (c) D (c) = (c) example.org (c);\n\tspf=fail smtp.helo=h.example",
	    "mx/0; dkim/1=pass reason=<good \"sig\"> header.d=<example.org>; spf/0=fail smtp.helo=<h.example>",
	    "comments everywhere CFWS may go, case folded, quoted-pairs undone");
	pcase(" mx; spf=pass reason=token smtp.mailfrom=\"odd local\"@d.example",
	    "mx/0; spf/0=pass reason=<token> smtp.mailfrom=<\"odd local\"@d.example>", "quoted local part kept as an addr-spec");
	pcase(" mx; spf=pass smtp.mailfrom=@d.example", "mx/0; spf/0=pass smtp.mailfrom=<@d.example>", "@domain");
	pcase(" mx; dkim=pass header.b=ab/c+d=", "mx/0; dkim/0=pass header.b=<ab/c+d=>", "unquoted header.b with / + = (leniency)");
	pcase(" mx; dkim=pass header.b=\"ab\"header.d=x.example", "mx/0; dkim/0=pass header.b=<ab> header.d=<x.example>",
	    "propspec right after a quoted pvalue");
	pcase(" mx; spf=pass smtp.helo=\"a\\\";dkim=pass;x=\\\"\"", "mx/0; spf/0=pass smtp.helo=<a\";dkim=pass;x=\">",
	    "attacker HELO: one result, the text in its value");
	pcase(" mx; iprev=fail (x\\); dkim=pass (y)) policy.iprev=192.0.2.1",
	    "mx/0; iprev/0=fail policy.iprev=<192.0.2.1>", "';' and '=' in a comment with quoted-pairs");
	pcase(" mx; x=y reason.z=1", "mx/0; x/0=y reason.z=<1>", "ptype named reason");
	pcase(" mx; spf=pass reason=\"a\r\n b\"", "mx/0; spf/0=pass reason=<a b>", "fold inside a quoted-string");
	pcase(" mx; spf=pass reason=\"caf\xc3\xa9\"", "mx/0; spf/0=pass reason=<caf\xc3\xa9>", "UTF-8 in a quoted-string (RFC 6532)");
	/* nesting: any depth before the id, and any depth in a result */
	{
		static char deep[4096];
		size_t o = 0;
		for (int i = 0; i < 1000; i++)
			deep[o++] = '(';
		for (int i = 0; i < 1000; i++)
			deep[o++] = ')';
		snprintf(deep + o, sizeof deep - o, " mx.example; dkim=pass");
		TAP_STR(dumped(deep, strlen(deep)), "mx.example/0; dkim/0=pass", "1000 nested comments before the id");
		char id[64];
		TAP_INT(authres_authserv_id(deep, strlen(deep), id, sizeof id), 0, "authserv-id after 1000 nested comments");
		deep[999] = 'x';     /* one ')' short: the comment runs to the end */
		TAP_STR(dumped(deep, strlen(deep)), "FAIL", "unbalanced deep comment: parse fails");
		TAP_INT(authres_authserv_id(deep, strlen(deep), id, sizeof id), -1, "... and has no authserv-id");
	}
	/* what must fail */
	const char *bad[] = {
		"", " ", "mx", "mx;", "; spf=pass", " mx; ", " mx; spf=pass;", " mx; spf", " mx; spf=",
		" mx; =pass", " mx; spf=pass smtp", " mx; spf=pass smtp.", " mx; spf=pass smtp.helo",
		" mx; spf=pass smtp.helo=", " mx; spf=pass smtp.helo=\"x", " mx; spf=pass (x",
		" mx; spf=pass x-=1", " mx; spf-=pass", " mx; none; spf=pass", " mx; spf=pass; none",
		" mx; spf/=pass", " mx; spf/1234567890=pass", " mx 1234567890; none", " mx; spf=pass reason=",
		" mx; spf=pass reason=a/b", " mx; spf=pass smtp.mailfrom=a@", " mx; spf=pass smtp.mailfrom=a@b@c.example",
		" mx; spf=pass smtp.mailfrom=a@.example", " mx; spf=pass smtp.helo=\"a\" @x..y",
		" mx; spf=pass reason=\"a\x01\"", " mx; spf=pass reason=\"a\\\n\"", " mx; spf=pass smtp.helo=a b",
		" mx; spf=pass \"x\"", " mx other; none", " \"\"; none", " mx; spf=pass reason=a reason=b",
		" mx; spf=pass smtp.helo=a reason=b", " mx; spf=pass smtp.helo=\xc3\xa9", "\x0bmx; none",
		" \xc2\xa0mx; none", " mx; spf=pass (\\\x01)",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		TAP_STR(dumped(bad[i], strlen(bad[i])), "FAIL", bad[i]);
	TAP_STR(dumped(" mx; spf=pass\0; dkim=pass", 25), "FAIL", "NUL in the value");
	TAP_STR(dumped(" mx; spf=pass reason=\"a\0\"", 25), "FAIL", "NUL in a quoted-string");
	TAP_STR(dumped(" mx; spf=pass (a\0)", 19), "FAIL", "NUL in a comment");
	TAP_STR(dumped(" mx; spf=pass; dkim=pass", 13), "mx/0; spf/0=pass", "len bounds the input");
	/* limits: beyond one, the parse fails (never a part of the field) */
	{
		static char big[AUTHRES_VALUE_MAX + 64];
		size_t o = (size_t)snprintf(big, sizeof big, " mx; spf=pass reason=\"");
		while (o < AUTHRES_VALUE_MAX - 1)
			big[o++] = 'x';
		big[o++] = '"';
		TAP_OK(strcmp(dumped(big, o), "FAIL") != 0, "a field of AUTHRES_VALUE_MAX octets parses");
		big[o - 1] = 'x';
		big[o++] = '"';
		TAP_STR(dumped(big, o), "FAIL", "one octet more fails");
		o = (size_t)snprintf(big, sizeof big, " mx");
		for (int i = 0; i < AUTHRES_RESULTS_MAX; i++)
			o += (size_t)snprintf(big + o, sizeof big - o, "; dkim=pass");
		TAP_OK(strcmp(dumped(big, o), "FAIL") != 0, "AUTHRES_RESULTS_MAX results parse");
		o += (size_t)snprintf(big + o, sizeof big - o, "; dkim=pass");
		TAP_STR(dumped(big, o), "FAIL", "one result more fails");
		o = (size_t)snprintf(big, sizeof big, " mx; dkim=pass");
		for (int i = 0; i < AUTHRES_PROPS_MAX; i++)
			o += (size_t)snprintf(big + o, sizeof big - o, " header.d=x");
		TAP_OK(strcmp(dumped(big, o), "FAIL") != 0, "AUTHRES_PROPS_MAX properties parse");
		o += (size_t)snprintf(big + o, sizeof big - o, " header.d=x");
		TAP_STR(dumped(big, o), "FAIL", "one property more fails");
	}
	/* lookups */
	{
		authres_parsed *p;
		const char *v = " mx; spf=pass smtp.helo=h.example; spf=fail smtp.mailfrom=f@v.example; dkim=none";
		TAP_INT(authres_parse(v, strlen(v), &p), 0, "lookup field parsed");
		const authres_result *r = authres_find(p, "SPF", "smtp", "mailfrom");
		TAP_STR(r ? r->result : NULL, "fail", "authres_find: spf keyed smtp.mailfrom");
		TAP_STR(authres_prop_value(r, "SMTP", "MailFrom"), "f@v.example", "authres_prop_value any case");
		TAP_OK(authres_prop_value(r, "smtp", "helo") == NULL, "no smtp.helo on it");
		TAP_STR(authres_find(p, "spf", NULL, NULL)->result, "pass", "authres_find without a property: the first");
		TAP_OK(authres_find(p, "dmarc", NULL, NULL) == NULL, "absent method: NULL");
		authres_parsed_free(p);
		authres_parsed_free(NULL);
		TAP_INT(authres_parse(NULL, 0, &p), -1, "NULL value");
		TAP_OK(p == NULL, "... gives no object");
	}
}

/* Forged-field removal: what must count as carrying our id. */
static void claims(void)
{
	static const struct { const char *v; int want; const char *what; } c[] = {
		{ " mx.test.example; dkim=pass", 1, "our id" },
		{ " MX.Test.EXAMPLE; dkim=pass", 1, "any case" },
		{ " \"mx.test.example\"; dkim=pass", 1, "quoted" },
		{ " (c) mx.test.example (c) 1; dkim=pass", 1, "comments, version" },
		{ " other.example; dkim=pass (mx.test.example)", 0, "ours only in a result's comment" },
		{ " other.example; spf=pass smtp.helo=mx.test.example", 0, "ours as a property value" },
		{ " mx.test.example.evil; dkim=pass", 0, "a longer id" },
		{ " evil-mx.test.example; dkim=pass", 0, "a longer id (prefix)" },
		{ "\x0bmx.test.example; dkim=pass", 1, "VT before it" },
		{ "\x0cmx.test.example; dkim=pass", 1, "FF before it" },
		{ "\x1cmx.test.example; dkim=pass", 1, "0x1c before it" },
		{ "\xa0mx.test.example; dkim=pass", 1, "0xA0 before it" },
		{ "\xc2\xa0mx.test.example; dkim=pass", 1, "UTF-8 NBSP before it" },
		{ " other.example\xa0mx.test.example; dkim=pass", 1, "after another token, before ';'" },
		{ " (a\\) mx.test.example (b)) other.example; dkim=pass", 1, "inside a comment a lenient reader ends early" },
		{ " (;) mx.test.example; dkim=pass", 1, "';' in a comment before it" },
		{ "", 1, "empty: no authserv-id" },
		{ " ; dkim=pass", 1, "no authserv-id" },
		{ " (unclosed other.example; dkim=pass", 1, "unclosed comment" },
		{ " spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=x.example; dkim=none", 0,
		  "a foreign field without an id (Exchange style) and not ours: kept" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		TAP_INT(authres_claims_id(c[i].v, strlen(c[i].v), "mx.test.example"), c[i].want, c[i].what);
	static char deep[400];
	size_t o = 0;
	for (int i = 0; i < 100; i++)
		deep[o++] = '(';
	for (int i = 0; i < 100; i++)
		deep[o++] = ')';
	snprintf(deep + o, sizeof deep - o, " mx.test.example; dkim=pass");
	TAP_INT(authres_claims_id(deep, strlen(deep), "mx.test.example"), 1, "after 100 nested comments");
}

/* parse(render(x)) == x with hostile values (the fuzz target does the
 * same on random input). */
static void roundtrip(void)
{
	authres_result r[3];
	memset(r, 0, sizeof r);
	r[0] = (authres_result){ .method = "spf", .result = "pass", .reason = "x\"; dkim=pass; y=\"\\ (z",
		.n_prop = 2 };
	r[0].prop[0] = (authres_prop){ "smtp", "helo", "a\\\";dkim=pass;x=\\\"" };
	r[0].prop[1] = (authres_prop){ "smtp", "mailfrom", "a@b.example" };
	r[1] = (authres_result){ .method = "dkim", .version = 1, .result = "fail", .reason = "",
		.n_prop = 3 };
	r[1].prop[0] = (authres_prop){ "header", "b", "(dkim=pass)" };
	r[1].prop[1] = (authres_prop){ "header", "d", "" };
	r[1].prop[2] = (authres_prop){ "header", "s", "@" };
	r[2] = (authres_result){ .method = "x-m", .result = "none" };
	char *v = authres_render_results("mx.example", 1, r, 3);
	TAP_STR(dumped(v, strlen(v)), "mx.example/1; spf/0=pass reason=<x\"; dkim=pass; y=\"\\ (z>"
	    " smtp.mailfrom=<a@b.example> smtp.helo=<a\\\";dkim=pass;x=\\\">; dkim/1=fail reason=<>"
	    " header.b=<(dkim=pass)> header.d=<> header.s=<@>; x-m/0=none",
	    "hostile values round trip (quoted ones after the others)");
	free(v);
	v = authres_render_results("mx.example", 0, NULL, 0);
	TAP_STR(v, " mx.example; none", "no results: none");
	free(v);
	char pv[64];
	TAP_INT(authres_pvalue(pv, sizeof pv, "@"), 3, "pvalue of @: length");
	TAP_STR(pv, "\"@\"", "pvalue of @ quoted");
	authres_pvalue(pv, sizeof pv, "x@");
	TAP_STR(pv, "\"x@\"", "pvalue of x@ quoted");
	authres_pvalue(pv, sizeof pv, "x@y.example");
	TAP_STR(pv, "x@y.example", "an address as it is");
	authres_pvalue(pv, sizeof pv, "mx.y.example");
	TAP_STR(pv, "mx.y.example", "a token as it is");
	TAP_INT(authres_pvalue(pv, 4, "a\"b\\c"), 9, "full length when cut");
	TAP_STR(pv, "\"a\\", "cut and terminated");
}

int main(void)
{
	tap_name = "test_authres";
	const char *d = getenv("MXR_AUTHRES_DUMP");
	if (d && *d)
		dump = fopen(d, "w");
	rendering_pass();
	rendering_hostile();
	rendering_other();
	parsing();
	parser();
	claims();
	roundtrip();
	if (dump)
		fclose(dump);
	return TAP_DONE();
}
