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

static void rendering(void)
{
	authres_input in = { .authserv_id = ID };
	char *v;

	v = render(&in, "no method");
	TAP_STR(v, " mx.example.t; none", "no method ran: none");
	free(v);

	spf_verdict mf, helo;
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
	dkimv_verdict dk;
	memset(&dk, 0, sizeof dk);
	dk.result = AUTH_PASS;
	dk.n = dk.n_seen = 1;
	fill_sig(&dk.sig[0], AUTH_PASS, "d.example", "sel", "rsa-sha256", "AbCdEfGh", "");
	dmarc_verdict dm;
	memset(&dm, 0, sizeof dm);
	dm.result = AUTH_PASS;
	snprintf(dm.from_domain, sizeof dm.from_domain, "d.example");
	dm.applied = DMARC_P_REJECT;
	iprev_verdict ip;
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

	/* failures with reasons that try to break out of the field */
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

static void idcase(const char *in, int want_rc, const char *want, const char *what)
{
	char out[64];
	int rc = authres_authserv_id(in, strlen(in), out, sizeof out);
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
	idcase(deep, -1, "", "deep comment nesting refused");
	char buf[8];
	TAP_INT(authres_authserv_id("mx", 2, buf, 0), -1, "zero-size output");
	TAP_INT(authres_authserv_id("mx.example", 2, buf, sizeof buf), 0, "length bounds the input");
	TAP_STR(buf, "mx", "only len octets read");
}

int main(void)
{
	tap_name = "test_authres";
	const char *d = getenv("MXR_AUTHRES_DUMP");
	if (d && *d)
		dump = fopen(d, "w");
	rendering();
	parsing();
	if (dump)
		fclose(dump);
	return TAP_DONE();
}
