/*
 * Unit tests of mxready-policyd's request parser (policy/request.c,
 * Postfix SMTPD_POLICY_README): complete requests fed whole and octet by
 * octet, pipelining, every error class, the exact bounds, UTF-8 validity
 * (RFC 3629).  The parser has no dependencies, so it is compiled in here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../policy/request.c"

static preq P;

/* Feeds s (n octets) in chunks of step; returns the first non-MORE status
 * and the octets consumed up to it in *usedp. */
static preq_status feed(const char *s, size_t n, size_t step, size_t *usedp)
{
	size_t off = 0;
	preq_init(&P);
	while (off < n) {
		size_t len = n - off < step ? n - off : step, used;
		preq_status st = preq_feed(&P, s + off, len, &used);
		off += used;
		if (st != PREQ_MORE) {
			if (usedp)
				*usedp = off;
			return st;
		}
	}
	if (usedp)
		*usedp = off;
	return PREQ_MORE;
}

static void expect_error(const char *what, const char *s, size_t n, preq_error e)
{
	size_t steps[] = { 1, 7, 100000 };
	for (size_t i = 0; i < 3; i++) {
		preq_status st = feed(s, n, steps[i], NULL);
		TAP_OK(st == PREQ_ERROR && P.error == e, "%s (chunks of %zu): %s, want %s", what, steps[i],
		    st == PREQ_ERROR ? preq_error_str(P.error) : st == PREQ_DONE ? "done" : "more", preq_error_str(e));
	}
}

static char *repeat(char c, size_t n)
{
	char *p = malloc(n + 1);
	memset(p, c, n);
	p[n] = 0;
	return p;
}

int main(void)
{
	tap_name = "test_preq";
	const char *req = "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=5.0.2.11\n"
	    "sender=\nhelo_name=mx1.good.xtest\ninstance=1.2.3\n\n";
	size_t used;
	char buf[40000];

	/* a whole request, then octet by octet */
	TAP_INT(feed(req, strlen(req), 100000, &used), PREQ_DONE, "complete request");
	TAP_INT(used, strlen(req), "consumes the whole request");
	TAP_STR(preq_get(&P, "client_address"), "5.0.2.11", "client_address");
	TAP_STR(preq_get(&P, "sender"), "", "empty value");
	TAP_OK(preq_get(&P, "recipient") == NULL, "absent attribute is NULL");
	TAP_STR(preq_str(&P, "recipient"), "", "preq_str of an absent attribute");
	TAP_INT(P.n, 6, "six attributes");
	TAP_INT(feed(req, strlen(req), 1, &used), PREQ_DONE, "octet by octet");
	TAP_STR(preq_get(&P, "helo_name"), "mx1.good.xtest", "octet by octet: helo_name");
	TAP_STR(preq_get(&P, "request"), "smtpd_access_policy", "request");

	/* two pipelined requests: the second starts after 'used' */
	snprintf(buf, sizeof buf, "%srequest=smtpd_access_policy\nsender=b@x.example\n\n", req);
	TAP_INT(feed(buf, strlen(buf), 100000, &used), PREQ_DONE, "pipelined: first");
	TAP_INT(used, strlen(req), "pipelined: stops after the first");
	preq_reset(&P);
	TAP_INT(preq_feed(&P, buf + used, strlen(buf) - used, &used), PREQ_DONE, "pipelined: second");
	TAP_STR(preq_get(&P, "sender"), "b@x.example", "pipelined: second's sender");
	TAP_OK(preq_get(&P, "client_address") == NULL, "pipelined: nothing left of the first");

	/* CRLF tolerated, values keep '=' and spaces, UTF-8 accepted */
	const char *crlf = "request=smtpd_access_policy\r\nccert_subject=CN=a b=c\r\nsender=j\xc3\xb6rg@\xe2\x82\xac.example\r\n\r\n";
	TAP_INT(feed(crlf, strlen(crlf), 3, NULL), PREQ_DONE, "CRLF lines");
	TAP_STR(preq_get(&P, "ccert_subject"), "CN=a b=c", "value with '=' and space");
	TAP_STR(preq_get(&P, "sender"), "j\xc3\xb6rg@\xe2\x82\xac.example", "UTF-8 value");
	const char *u4 = "request=smtpd_access_policy\nx=\xf0\x9f\x93\xa7\n\n";
	TAP_INT(feed(u4, strlen(u4), 1, NULL), PREQ_DONE, "4-octet UTF-8");

	/* every error class */
	const char *e1 = "request=smtpd_access_policy\nno equals\n\n";
	expect_error("line without '='", e1, strlen(e1), PREQ_E_NOEQ);
	const char *e2 = "protocol_state=RCPT\n\n";
	expect_error("missing request=", e2, strlen(e2), PREQ_E_NOREQUEST);
	expect_error("empty request", "\n", 1, PREQ_E_NOREQUEST);
	const char *e3 = "request=smtpd_access_policy_x\n\n";
	expect_error("unknown request", e3, strlen(e3), PREQ_E_BADREQUEST);
	const char *e4 = "request=smtpd_access_policy\nsender=a\nsender=b\n\n";
	expect_error("duplicate attribute", e4, strlen(e4), PREQ_E_DUP);
	const char *e5 = "request=smtpd_access_policy\nSender=a\n\n";
	expect_error("upper case name", e5, strlen(e5), PREQ_E_NAME);
	const char *e6 = "request=smtpd_access_policy\n=a\n\n";
	expect_error("empty name", e6, strlen(e6), PREQ_E_NAME);
	const char e7[] = "request=smtpd_access_policy\nsender=a\0b\n\n";
	expect_error("NUL octet", e7, sizeof e7 - 1, PREQ_E_BINARY);
	const char *e8 = "request=smtpd_access_policy\nsender=a\tb\n\n";
	expect_error("TAB", e8, strlen(e8), PREQ_E_BINARY);
	const char *e9 = "request=smtpd_access_policy\nsender=a\rb\n\n";
	expect_error("lone CR", e9, strlen(e9), PREQ_E_BINARY);
	const char *bad_utf8[] = { "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xf8\x88\x80\x80\x80", "\xc3", "\x80", "\xe2\x82" };
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
		snprintf(buf, sizeof buf, "request=smtpd_access_policy\nsender=a%sb\n\n", bad_utf8[i]);
		char what[64];
		snprintf(what, sizeof what, "malformed UTF-8 #%zu", i);
		expect_error(what, buf, strlen(buf), PREQ_E_BINARY);
	}
	snprintf(buf, sizeof buf, "%s", "request=smtpd_access_policy\n");
	for (int i = 0; i <= PREQ_ATTRS_MAX; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "a%d=1\n", i);
	snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "\n");
	expect_error("too many attributes", buf, strlen(buf), PREQ_E_ATTRS);

	/* bounds: a line of exactly PREQ_LINE_MAX octets passes, one more fails */
	char *v = repeat('v', PREQ_LINE_MAX - 2);   /* "x=" + value */
	snprintf(buf, sizeof buf, "request=smtpd_access_policy\nx=%s\n\n", v);
	TAP_INT(feed(buf, strlen(buf), 1000, NULL), PREQ_DONE, "line of PREQ_LINE_MAX octets");
	TAP_INT(strlen(preq_get(&P, "x")), PREQ_LINE_MAX - 2, "its value intact");
	snprintf(buf, sizeof buf, "request=smtpd_access_policy\nx=%sv\n\n", v);
	expect_error("line of PREQ_LINE_MAX+1 octets", buf, strlen(buf), PREQ_E_LINE);
	free(v);
	/* a request of exactly PREQ_SIZE_MAX octets passes, one more fails */
	size_t o = (size_t)snprintf(buf, sizeof buf, "request=smtpd_access_policy\n");
	int k = 0;
	while (o + 4000 + 16 < PREQ_SIZE_MAX) {
		o += (size_t)snprintf(buf + o, sizeof buf - o, "f%d=", k++);
		memset(buf + o, 'z', 3990);
		o += 3990;
		buf[o++] = '\n';
	}
	size_t fill = PREQ_SIZE_MAX - o - 4;   /* "g=" value "\n" and the empty line */
	buf[o++] = 'g';
	buf[o++] = '=';
	memset(buf + o, 'y', fill);
	o += fill;
	buf[o++] = '\n';
	buf[o++] = '\n';
	TAP_INT(o, PREQ_SIZE_MAX, "test request is PREQ_SIZE_MAX octets");
	TAP_INT(feed(buf, o, 333, NULL), PREQ_DONE, "request of PREQ_SIZE_MAX octets");
	memmove(buf + o - 2, "y\n\n", 3);
	expect_error("request of PREQ_SIZE_MAX+1 octets", buf, o + 1, PREQ_E_TOOBIG);
	/* an oversized line without any LF is refused before the end */
	char *junk = repeat('j', 100000);
	TAP_INT(feed(junk, 100000, 4096, &used), PREQ_ERROR, "endless line refused");
	TAP_OK(used <= PREQ_LINE_MAX + 1, "refused within one line's bound (%zu octets read)", used);
	free(junk);
	/* after an error the parser stays in error until reset */
	feed(e1, strlen(e1), 100000, NULL);
	TAP_INT(preq_feed(&P, req, strlen(req), &used), PREQ_ERROR, "stays in error");
	TAP_INT(used, 0, "consumes nothing in error");
	preq_reset(&P);
	TAP_INT(preq_feed(&P, req, strlen(req), &used), PREQ_DONE, "usable again after reset");
	return TAP_DONE();
}
