/* Unit tests of the responder's RFC 3834 rules, the backscatter rule and
 * the reader of our Authentication-Results field. */
#include <stdio.h>
#include <stdlib.h>
#include "tap.h"
/* compiled in directly: unit tests link only the core library */
#include "../../responder/rpolicy.c"

/* one header field with a literal value */
#define FIELD(name, lit) rpolicy_field(name, lit, sizeof lit - 1)

static const char ours[2][256] = { "v6only.example", "dual.example" };

static rpolicy_reason dec(const char *sender, const char *as, const char *prec, int list, const rpolicy_auth *a)
{
	rpolicy_input in = { .sender = sender, .our_domains = ours, .n_our_domains = 2, .auth = a };
	if (as != NULL)
		in.fields |= rpolicy_field("Auto-Submitted", as, strlen(as));
	if (prec != NULL)
		in.fields |= rpolicy_field("Precedence", prec, strlen(prec));
	if (list)
		in.fields |= RPOLICY_F_LIST;
	return rpolicy_decide(&in);
}

static int ar(const char *v, rpolicy_auth *a)
{
	rpolicy_auth_init(a);
	return rpolicy_auth_parse(v, strlen(v), "mx.example", a);
}

/* RFC 3834 loop rules and sender syntax. */
static void rules(void)
{
	rpolicy_auth a;

	rpolicy_auth_init(&a);
	TAP_INT(dec("user@example.org", NULL, NULL, 0, &a), RPOLICY_REPLY, "plain mail: reply");
	TAP_INT(dec("", NULL, NULL, 0, &a), RPOLICY_NULL_SENDER, "<>: never (RFC 3834 2)");
	TAP_INT(dec("user@example.org", "auto-replied", NULL, 0, &a), RPOLICY_AUTO_SUBMITTED, "Auto-Submitted: auto-replied");
	TAP_INT(dec("user@example.org", " auto-generated (x)", NULL, 0, &a), RPOLICY_AUTO_SUBMITTED, "Auto-Submitted: auto-generated");
	TAP_INT(dec("user@example.org", "No", NULL, 0, &a), RPOLICY_REPLY, "Auto-Submitted: no (any case) is answered");
	TAP_INT(dec("user@example.org", "no; extra", NULL, 0, &a), RPOLICY_REPLY, "Auto-Submitted: no with parameters");
	TAP_INT(dec("user@example.org", "nobody", NULL, 0, &a), RPOLICY_AUTO_SUBMITTED, "Auto-Submitted: nobody is not no");
	TAP_INT(dec("user@example.org", NULL, "bulk", 0, &a), RPOLICY_PRECEDENCE, "Precedence: bulk");
	TAP_INT(dec("user@example.org", NULL, "List", 0, &a), RPOLICY_PRECEDENCE, "Precedence: list");
	TAP_INT(dec("user@example.org", NULL, "junk", 0, &a), RPOLICY_PRECEDENCE, "Precedence: junk");
	TAP_INT(dec("user@example.org", NULL, "first-class", 0, &a), RPOLICY_REPLY, "Precedence: first-class answered");
	TAP_INT(dec("user@example.org", NULL, NULL, 1, &a), RPOLICY_LIST, "List-* fields");
	/* every field counts, comments and folding are CFWS (issue 14 item 8) */
	TAP_INT(FIELD("Precedence", " (x) bulk"), RPOLICY_F_PRECEDENCE, "Precedence: (x) bulk");
	TAP_INT(FIELD("precedence", "\r\n (a (nested \\) one)) junk"), RPOLICY_F_PRECEDENCE,
	    "Precedence: folded, nested comment with a quoted-pair, then junk");
	TAP_INT(FIELD("Precedence", " (bulk) first-class"), 0, "Precedence: bulk only in a comment is not bulk");
	TAP_INT(FIELD("Precedence", " (open bulk"), RPOLICY_F_PRECEDENCE, "Precedence: unclosed comment: in doubt, suppress");
	TAP_INT(FIELD("Auto-Submitted", " (human) no"), 0, "Auto-Submitted: (comment) no");
	TAP_INT(FIELD("Auto-Submitted", " no (really)"), 0, "Auto-Submitted: no (comment)");
	TAP_INT(FIELD("Auto-Submitted", " (no) auto-replied"), RPOLICY_F_AUTO, "Auto-Submitted: no only in a comment");
	TAP_INT(FIELD("Auto-Submitted", ""), RPOLICY_F_AUTO, "Auto-Submitted: empty: in doubt, suppress");
	TAP_INT(FIELD("Auto-Submitted", " (no"), RPOLICY_F_AUTO, "Auto-Submitted: unclosed comment: suppress");
	TAP_INT(FIELD("Auto-Submitted", " no-thanks"), RPOLICY_F_AUTO, "Auto-Submitted: no-thanks is not no");
	TAP_INT(FIELD("List-Subscribe", " <mailto:x@example.org>"), RPOLICY_F_LIST, "List-Subscribe alone is list mail");
	TAP_INT(FIELD("list-owner", " <mailto:x@example.org>"), RPOLICY_F_LIST, "List-Owner alone is list mail");
	TAP_INT(FIELD("LIST-ARCHIVE", " <https://example.org/>"), RPOLICY_F_LIST, "List-Archive alone is list mail");
	TAP_INT(FIELD("Subject", " bulk"), 0, "other fields set nothing");
	{
		rpolicy_input in = { .sender = "user@example.org", .our_domains = ours, .n_our_domains = 2, .auth = &a };
		in.fields = FIELD("Auto-Submitted", " no") | FIELD("Auto-Submitted", " auto-replied");
		TAP_INT(rpolicy_decide(&in), RPOLICY_AUTO_SUBMITTED, "Auto-Submitted: no, then auto-replied: suppressed");
	}
	TAP_INT(dec("MAILER-DAEMON@example.org", NULL, NULL, 0, &a), RPOLICY_SYSTEM_SENDER, "MAILER-DAEMON");
	TAP_INT(dec("owner-list@example.org", NULL, NULL, 0, &a), RPOLICY_SYSTEM_SENDER, "owner-");
	TAP_INT(dec("list-request@example.org", NULL, NULL, 0, &a), RPOLICY_SYSTEM_SENDER, "-request");
	TAP_INT(dec("x@dual.example", NULL, NULL, 0, &a), RPOLICY_OUR_DOMAIN, "our domain");
	TAP_INT(dec("x@mx.V6ONLY.example", NULL, NULL, 0, &a), RPOLICY_OUR_DOMAIN, "a subdomain of ours, any case");
	TAP_INT(dec("x@notdual.example", NULL, NULL, 0, &a), RPOLICY_REPLY, "a suffix that is not a subdomain");
	TAP_INT(dec("a b@example.org", NULL, NULL, 0, &a), RPOLICY_BAD_SENDER, "space in local part");
	TAP_INT(dec("a@example.org\r\nBcc: x@y", NULL, NULL, 0, &a), RPOLICY_BAD_SENDER, "header injection attempt");
	TAP_INT(dec("\"q\"@example.org", NULL, NULL, 0, &a), RPOLICY_BAD_SENDER, "quoted local part");
	TAP_INT(dec("a@[192.0.2.1]", NULL, NULL, 0, &a), RPOLICY_BAD_SENDER, "address literal");
	TAP_INT(dec("nodomain", NULL, NULL, 0, &a), RPOLICY_BAD_SENDER, "no domain");

}

/* Our Authentication-Results only, read by core/authres.c's parser. */
static void reading(void)
{
	rpolicy_auth a;

	TAP_INT(ar("mx.example; spf=pass smtp.mailfrom=a@example.org; dkim=pass header.d=example.org;"
	    " dmarc=pass header.from=example.org; iprev=pass policy.iprev=192.0.2.1", &a), 1, "ours parsed");
	TAP_STR(a.spf, "pass", "spf");
	TAP_STR(a.spf_prop, "smtp.mailfrom=a@example.org", "spf property");
	TAP_STR(a.dkim, "pass", "dkim");
	TAP_STR(a.dmarc, "pass", "dmarc");
	TAP_STR(a.iprev, "pass", "iprev");
	TAP_INT(ar("other.example; spf=pass smtp.mailfrom=a@example.org", &a), 0, "another authserv-id ignored");
	TAP_STR(a.spf, "none", "nothing taken from it");
	TAP_INT(ar("mx.example.evil; spf=pass", &a), 0, "a longer id is another id");
	TAP_INT(ar(" (comment) MX.Example (c2); SPF=Fail (reason; with semicolon) smtp.mailfrom=b@example.org;\n\t"
	    "dkim=fail (bad) header.d=x.example; dkim=pass header.d=example.org; dkim=fail header.d=y.example", &a), 1,
	    "comments, case, folding");
	TAP_STR(a.spf, "fail", "spf lower-cased, comment with ';' skipped");
	TAP_STR(a.dkim, "pass", "any passing signature wins");
	TAP_STR(a.dkim_prop, "header.d=example.org", "the passing signature's domain");
	TAP_INT(ar("mx.example; none", &a), 1, "'none' result");
	TAP_STR(a.spf, "none", "none stays none");
	TAP_INT(ar("", &a), -1, "empty value malformed");
	TAP_INT(ar("mx.example; spf=pass reason=\"a;b\" smtp.mailfrom=x@y; dmarc=fail", &a), 1, "quoted ';'");
	TAP_STR(a.dmarc, "fail", "field after a quoted ';'");
	{
		rpolicy_auth b;
		rpolicy_auth_init(&b);
		rpolicy_auth_parse("mx.example; spf=pass", 20, "mx.example", &b);
		rpolicy_auth_parse("mx.example; spf=fail", 20, "mx.example", &b);
		TAP_STR(b.spf, "pass", "the first (topmost) field of ours counts");
	}
}

/* Issue 14 item 2: the backscatter rule must not be bypassed. */
static void bypasses(void)
{
	rpolicy_auth a;

	/* 2a: the HELO result (rendered first by the milter)
	 * never stands for the MAIL FROM one */
	TAP_INT(ar("mx.example; spf=pass smtp.helo=mx.attacker.example;\r\n\tspf=fail"
	    " smtp.mailfrom=forged@victim.example; dkim=none", &a), 1, "2a: helo pass, mailfrom fail parsed");
	TAP_STR(a.spf, "fail", "2a: spf is the smtp.mailfrom result, not the first spf=");
	TAP_STR(a.spf_prop, "smtp.mailfrom=forged@victim.example", "2a: its property");
	TAP_INT(dec("forged@victim.example", NULL, NULL, 0, &a), RPOLICY_BACKSCATTER,
	    "2a: forged MAIL FROM behind a passing HELO: suppressed");
	ar("mx.example; spf=fail smtp.mailfrom=forged@victim.example; spf=pass smtp.helo=mx.attacker.example", &a);
	TAP_STR(a.spf, "fail", "2a: in either order");
	ar("mx.example; spf=pass smtp.helo=mx.attacker.example; dkim=none", &a);
	TAP_STR(a.spf, "none", "2a: a HELO result alone is no MAIL FROM result");
	/* 2b: attacker text inside quoted values (a HELO name,
	 * an SPF explanation) never becomes a result: the field as the
	 * milter renders it */
	{
		spf_verdict mf, helo;
		dkimv_verdict dk;
		memset(&mf, 0, sizeof mf);
		memset(&helo, 0, sizeof helo);
		memset(&dk, 0, sizeof dk);
		helo.result = AUTH_PASS;
		snprintf(helo.domain, sizeof helo.domain, "a\\\";dkim=pass;x=\\\"");
		mf.result = AUTH_FAIL;
		snprintf(mf.identity, sizeof mf.identity, "forged@victim.example");
		snprintf(mf.reason, sizeof mf.reason, "x\\\"; dkim=pass; y=\\\" \\");
		dk.result = AUTH_NONE;
		authres_input in = { .authserv_id = "mx.example", .spf_helo = &helo, .spf_mailfrom = &mf, .dkim = &dk };
		char *v = authres_render(&in);
		TAP_OK(v && strstr(v, "dkim=pass;") != NULL, "2b: the rendered field holds the text dkim=pass;");
		TAP_INT(ar(v ? v : "", &a), 1, "2b: hostile HELO and reason: parsed");
		TAP_STR(a.dkim, "none", "2b: no dkim=pass injected through quoted values");
		TAP_STR(a.spf, "fail", "2b: spf=fail of the MAIL FROM");
		TAP_INT(dec("forged@victim.example", NULL, NULL, 0, &a), RPOLICY_BACKSCATTER, "2b: suppressed");
		free(v);
		TAP_INT(ar("mx.example; spf=fail smtp.mailfrom=forged@victim.example; spf=pass"
		    " smtp.helo=\"a\\\";dkim=pass;x=\\\"\"", &a), 1, "2b: hand-written quoted-pairs parsed");
		TAP_STR(a.dkim, "none", "2b: ... no dkim=pass");
		TAP_INT(ar("mx.example; spf=fail reason=\"(\\\"; dkim=pass\" smtp.mailfrom=f@v.example;"
		    " dkim=fail (x\\); dkim=pass) header.d=v.example", &a), 1, "2b: parentheses and quotes mixed");
		TAP_STR(a.dkim, "fail", "2b: ... dkim=pass inside a comment ignored");
	}
	TAP_INT(ar("mx.example; spf=pass smtp.mailfrom=a@example.org; dkim=pass \"", &a), -1,
	    "a field of ours that does not parse");
	TAP_STR(a.dkim, "none", "... reports nothing");
	TAP_INT(a.found, 1, "... but is the topmost of ours");
	TAP_INT(ar("mx.example 2; dkim=pass", &a), -1, "a version we do not know is not read");
	TAP_STR(a.dkim, "none", "... reports nothing");
}

static void backscatter(void)
{
	rpolicy_auth a;

	ar("mx.example; spf=fail smtp.mailfrom=a@example.org; dkim=none", &a);
	TAP_INT(dec("a@example.org", NULL, NULL, 0, &a), RPOLICY_BACKSCATTER, "SPF fail, no DKIM: suppressed");
	ar("mx.example; spf=softfail; dkim=fail", &a);
	TAP_INT(dec("a@example.org", NULL, NULL, 0, &a), RPOLICY_BACKSCATTER, "SPF softfail, DKIM fail: suppressed");
	ar("mx.example; spf=fail; dkim=pass header.d=example.org", &a);
	TAP_INT(dec("a@example.org", NULL, NULL, 0, &a), RPOLICY_REPLY, "SPF fail but DKIM pass: answered");
	ar("mx.example; spf=none; dkim=none", &a);
	TAP_INT(dec("a@example.org", NULL, NULL, 0, &a), RPOLICY_REPLY, "no SPF, no DKIM: answered (rate-limited)");
	ar("mx.example; spf=fail; dkim=none", &a);
	{
		rpolicy_input in = { .sender = "a@example.org", .our_domains = ours, .n_our_domains = 2,
			.auth = &a, .backscatter_reply = 1 };
		TAP_INT(rpolicy_decide(&in), RPOLICY_REPLY, "backscatter = reply answers anyway");
	}
}

int main(void)
{
	tap_name = "test_rpolicy";
	rules();
	reading();
	bypasses();
	backscatter();
	return TAP_DONE();
}
