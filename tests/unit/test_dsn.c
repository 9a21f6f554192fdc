/* Unit tests of the DSN parser (RFC 3464 / RFC 6522) on sample reports. */
#include <stdio.h>
#include <stdlib.h>
#include "tap.h"
/* The Makefile links unit tests with the core library only; the responder
 * module is compiled into this test directly. */
#include "../../responder/dsn.c"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		fclose(f);
		return NULL;
	}
	fclose(f);
	b[n] = 0;
	*len = (size_t)n;
	return b;
}

static dsn_report rep;

static int parse_file(const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	char *m = slurp(path, &len);
	int rc;
	if (m == NULL) {
		snprintf(err, errlen, "cannot read %s", path);
		memset(&rep, 0, sizeof rep);
		return -2;
	}
	rc = dsn_parse(m, len, &rep, err, errlen);
	free(m);
	return rc;
}

static int parse_str(const char *s)
{
	char err[128];
	return dsn_parse(s, strlen(s), &rep, err, sizeof err);
}

/* The one-word classes of the DSN log line (mxready stats counts them). */
static void classes(void)
{
	static const struct { const char *status, *diag, *cls; } c[] = {
		{ "5.4.4", "X-Postfix; Host or domain name not found. Name service error for name=mx.example type=AAAA: Host found but no data record of requested type", "no-aaaa" },
		{ "5.4.4", "X-Postfix; Host or domain name not found. Name service error for name=x.example type=MX: Host not found", "not-found" },
		{ "4.4.1", "X-Postfix; connect to mx.example[2001:db8::1]:25: Connection refused", "refused" },
		{ "5.1.1", "smtp; 550 5.1.1 <a@b>: Recipient address rejected: User unknown", "invalid-recipient" },
		{ "5.5.0", "smtp; 554 5.5.0 protocol error", "protocol" },
		{ "5.0.0", "X-Postfix; lost connection with mx.example[2001:db8::1] while performing the TLS handshake", "protocol" },
		{ "5.7.1", "smtp; 554 5.7.1 rejected by policy", "policy" },
		{ "5.0.0", "smtp; 554 go away", "other" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		dsn_rcpt g = { .action = DSN_ACTION_FAILED };
		snprintf(g.status, sizeof g.status, "%s", c[i].status);
		snprintf(g.diagnostic, sizeof g.diagnostic, "%s", c[i].diag);
		TAP_STR(dsn_class(&g), c[i].cls, c[i].diag);
	}
}

int main(void)
{
	char err[256], why[512];
	const dsn_rcpt *r;

	tap_name = "test_dsn";

	TAP_INT(parse_file("tests/unit/data/dsn-noaaaa.eml", err, sizeof err), 0, "Postfix DSN (CRLF) parses");
	TAP_STR(rep.reporting_mta, "mx.resp-dual.xtest", "Reporting-MTA");
	TAP_INT(rep.n_rcpt, 1, "one recipient group");
	r = dsn_find(&rep, DSN_ACTION_FAILED);
	TAP_OK(r != NULL, "failed recipient found");
	if (r) {
		TAP_STR(r->final_recipient, "user@resp-v4.xtest", "Final-Recipient without type");
		TAP_STR(r->original_recipient, "user@resp-v4.xtest", "Original-Recipient");
		TAP_STR(r->status, "5.4.4", "Status");
		TAP_STR(r->diagnostic, "X-Postfix; Host or domain name not found. Name service error for "
		    "name=mx.resp-v4.xtest type=AAAA: Host found but no data record of requested type",
		    "Diagnostic-Code unfolded");
		dsn_explain(r, why, sizeof why);
		TAP_OK(strstr(why, "no IPv6 address (no AAAA") != NULL, "explained: no AAAA (%s)", why);
	}
	TAP_STR(rep.orig_message_id, "<b.000000000001@v6only-resp.xtest>", "returned message's Message-ID");

	TAP_INT(parse_file("tests/unit/data/dsn-delayed.eml", err, sizeof err), 0, "delayed DSN (LF) parses");
	r = dsn_find(&rep, DSN_ACTION_DELAYED);
	TAP_OK(r != NULL && dsn_find(&rep, DSN_ACTION_FAILED) == NULL, "action delayed, none failed");
	if (r) {
		TAP_STR(r->status, "4.4.1", "Status 4.4.1");
		dsn_explain(r, why, sizeof why);
		TAP_OK(strstr(why, "refused the connection on port 25 over IPv6") != NULL, "explained: refused (%s)", why);
	}
	TAP_STR(rep.orig_message_id, "<b.000000000001@v6only-resp.xtest>", "Message-ID from text/rfc822-headers");

	TAP_INT(parse_file("tests/unit/data/dsn-nostatus.eml", err, sizeof err), -1, "no delivery-status part: rejected");
	TAP_INT(parse_str("Subject: hello\r\n\r\nReporting-MTA: dns; x\r\n\r\nFinal-Recipient: rfc822; a@b\r\nAction: failed\r\n"),
	    -1, "plain message with DSN-like body is not a DSN");
	TAP_INT(parse_str(""), -1, "empty input");

	/* two recipients, extra blank lines, quoted boundary with specials, no close delimiter */
	TAP_INT(parse_str("Content-Type: multipart/report; report-type=delivery-status; boundary=\"a'b(c)\"\n\n"
	    "--a'b(c)\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; m.example\n\n\n"
	    "Final-Recipient: rfc822; <x@a.example>\nAction: failed (permanent)\nStatus: 5.1.1 (user unknown)\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 no such user\n\n"
	    "Final-Recipient: rfc822;y@a.example\nAction: Delayed\nStatus: 4.7.1\n"), 0, "two recipient groups");
	TAP_INT(rep.n_rcpt, 2, "both kept");
	TAP_STR(rep.rcpt[0].final_recipient, "x@a.example", "angle brackets removed");
	TAP_STR(rep.rcpt[0].status, "5.1.1", "status with comment");
	TAP_INT(rep.rcpt[1].action, DSN_ACTION_DELAYED, "action case-insensitive");
	dsn_explain(&rep.rcpt[0], why, sizeof why);
	TAP_OK(strstr(why, "does not accept the recipient") != NULL, "explained: unknown user");

	/* seed 000: greylisting that answers 5xx instead of 4xx */
	TAP_INT(parse_str("Content-Type: multipart/report; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; m\n\nFinal-Recipient: rfc822; g@c\nAction: failed\nStatus: 5.7.1\n"
	    "Diagnostic-Code: smtp; 550 5.7.1 Greylisted, please try again later\n--b--\n"), 0, "greylisting DSN parses");
	dsn_explain(&rep.rcpt[0], why, sizeof why);
	TAP_OK(strstr(why, "greylisting should answer with a temporary one (4xx)") != NULL, "explained: greylisting with 5xx (%s)", why);
	rep.rcpt[0].action = DSN_ACTION_DELAYED;
	snprintf(rep.rcpt[0].status, sizeof rep.rcpt[0].status, "4.7.1");
	snprintf(rep.rcpt[0].diagnostic, sizeof rep.rcpt[0].diagnostic, "smtp; 450 4.7.1 Greylisted, try again later");
	dsn_explain(&rep.rcpt[0], why, sizeof why);
	TAP_OK(strstr(why, "temporary failure, often greylisting") != NULL, "explained: proper 4xx greylisting is a delay (%s)", why);
	TAP_STR(dsn_class(&rep.rcpt[0]), "temporary", "class: temporary");
	classes();
	TAP_INT(parse_str("Content-Type: multipart/report; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; m\n\nFinal-Recipient: rfc822; z@c\nAction: failed\nStatus: 5.12345.1\n--b--\n"), 0,
	    "bad status syntax still parses");
	TAP_STR(rep.rcpt[0].status, "", "malformed Status dropped");

	/* nesting deeper than DSN_DEPTH_MAX is not followed */
	{
		char deep[4096];
		size_t n = 0;
		for (int i = 0; i < DSN_DEPTH_MAX + 2; i++)
			n += (size_t)snprintf(deep + n, sizeof deep - n,
			    "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
		snprintf(deep + n, sizeof deep - n, "Content-Type: message/delivery-status\n\n"
		    "Final-Recipient: rfc822; q@d\nAction: failed\n");
		TAP_INT(parse_str(deep), -1, "nesting bound holds");
	}
	/* over-long boundary ignored */
	{
		char m[512];
		snprintf(m, sizeof m, "Content-Type: multipart/report; boundary=%0*d\n\n--%0*d\n"
		    "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; q@d\nAction: failed\n",
		    DSN_BOUNDARY_MAX + 1, 0, DSN_BOUNDARY_MAX + 1, 0);
		TAP_INT(parse_str(m), -1, "boundary over 70 octets refused");
	}
	/* more recipients than kept */
	{
		char m[8192];
		size_t n = (size_t)snprintf(m, sizeof m, "Content-Type: multipart/report; boundary=b\n\n--b\n"
		    "Content-Type: message/delivery-status\n\nReporting-MTA: dns; m\n");
		for (int i = 0; i < DSN_MAX_RCPT + 3; i++)
			n += (size_t)snprintf(m + n, sizeof m - n, "\nFinal-Recipient: rfc822; u%d@d\nAction: failed\n", i);
		TAP_INT(parse_str(m), 0, "many recipients parse");
		TAP_INT(rep.n_rcpt, DSN_MAX_RCPT, "kept bounded");
		TAP_INT(rep.n_rcpt_seen, DSN_MAX_RCPT + 3, "all counted");
	}
	/* a diagnostic longer than the bound is cut, not overflowed */
	{
		char m[6000];
		size_t n = (size_t)snprintf(m, sizeof m, "Content-Type: multipart/report; boundary=b\n\n--b\n"
		    "Content-Type: message/delivery-status\n\nReporting-MTA: dns; m\n\nFinal-Recipient: rfc822; a@b\n"
		    "Action: failed\nDiagnostic-Code: smtp; ");
		memset(m + n, 'x', 3000);
		m[n + 3000] = 0;
		TAP_INT(parse_str(m), 0, "long diagnostic parses");
		TAP_INT(strlen(rep.rcpt[0].diagnostic), DSN_FIELD_MAX - 1, "diagnostic cut at the bound");
	}
	return TAP_DONE();
}
