/* Unit tests of the verdict-line reader (core/vline.c): the lines the
 * daemons write (docs/logging.md), refused malformed and truncated lines,
 * and parse(escape(x)) == x through the real writer (daemon/vlog.c). */
#include <string.h>
#include "vline.h"
#include "../../daemon/vlog.h"
#include "tap.h"

static const char *val(const vline *v, const char *key, char *buf, size_t len)
{
	size_t n;
	const char *p = vline_get(v, key, &n);
	long o;
	if (p == NULL)
		return NULL;
	o = vline_unescape(p, n, buf, len - 1);
	if (o < 0)
		return "(bad)";
	buf[o] = 0;
	return buf;
}

static void refused(const char *line, vline_status want, const char *what)
{
	vline v;
	TAP_INT(vline_parse(line, strlen(line), &v), want, what);
}

static void round_trip(const char *x, size_t n, const char *what)
{
	vlog_line l;
	vline v;
	char out[1024];
	size_t vl;
	const char *p;
	long o;
	vlog_begin(&l, "ABC123");
	vlog_add(&l, "before", "1");
	vlog_addn(&l, "v", x, n);
	vlog_add(&l, "after", "2");
	const char *line = vlog_end(&l);
	TAP_INT(vline_parse(line, strlen(line), &v), VLINE_OK, what);
	TAP_INT(v.n, 3, "three pairs");
	p = vline_get(&v, "v", &vl);
	o = p ? vline_unescape(p, vl, out, sizeof out) : -1;
	TAP_OK(o == (long)n && memcmp(out, x, n) == 0, "%s: value comes back", what);
	TAP_STR(val(&v, "after", out, sizeof out), "2", "next pair intact");
}

int main(void)
{
	vline v;
	char b[512];
	const char *m = "5636DA767EF: client=5.0.2.11 family=ipv4 helo=\"a b\" spf=pass "
	    "header_from=\"\" reply=\"550 5.7.27\" sender=a\\x00b\\\\c ms=19";
	tap_name = "vline";
	TAP_INT(vline_parse(m, strlen(m), &v), VLINE_OK, "milter line");
	TAP_OK(v.idlen == 11 && memcmp(v.id, "5636DA767EF", 11) == 0, "queue id");
	TAP_INT(v.n, 8, "pairs");
	TAP_STR(val(&v, "helo", b, sizeof b), "a b", "quoted value");
	TAP_STR(val(&v, "header_from", b, sizeof b), "", "empty value");
	TAP_STR(val(&v, "reply", b, sizeof b), "550 5.7.27", "reply");
	TAP_OK(val(&v, "sender", b, sizeof b) && memcmp(b, "a\0b\\c", 6) == 0, "escapes");
	TAP_OK(vline_get(&v, "dkim", NULL) == NULL, "absent key");

	refused("starting on inet:127.0.0.1:8891 (authserv-id x)", VLINE_NOT_VERDICT, "a plain message");
	refused("ABC: reply A: 451 4.3.0 try later", VLINE_NOT_VERDICT, "a warning of a daemon");
	refused("ABC: a=1 b=\"cut in the mid", VLINE_BAD_VALUE, "truncated inside quotes");
	refused("ABC: a=1 b=", VLINE_BAD_VALUE, "truncated after =");
	refused("ABC: a=1 b", VLINE_BAD_KEY, "truncated in a key");
	refused("ABC: a=1 a=2", VLINE_DUP_KEY, "a key twice");
	refused("ABC: a=x\"y", VLINE_BAD_VALUE, "stray quote");
	refused("ABC: a=\\q", VLINE_BAD_VALUE, "unknown escape");
	refused("ABC: a=\"x\"b=1", VLINE_BAD_VALUE, "no space after a quote");
	refused("ABC: A=1", VLINE_NOT_VERDICT, "upper-case key");
	refused("ABC: a=1  b=2", VLINE_BAD_KEY, "two spaces");
	refused("ABC: a=1 ", VLINE_BAD_KEY, "trailing space");
	refused("ABC: a=x\x01y", VLINE_BAD_VALUE, "a control octet (the writer escapes it)");
	refused("ABC: a=\"x\xc3\xa9\"", VLINE_BAD_VALUE, "8-bit octets in quotes");
	refused("ABC: a=x\ty", VLINE_BAD_VALUE, "a tab");
	refused("A\x80" "C: a=1", VLINE_NOT_VERDICT, "an 8-bit id");
	{
		char big[VLINE_MAX_PAIRS * 6 + 16];
		size_t o = (size_t)snprintf(big, sizeof big, "Q:");
		for (int i = 0; i <= VLINE_MAX_PAIRS; i++)
			o += (size_t)snprintf(big + o, sizeof big - o, " k%d=1", i);
		refused(big, VLINE_TOO_MANY, "too many pairs");
	}
	TAP_INT(vline_parse("Q: a=1\r", 7, &v), VLINE_OK, "CR at the end ignored");
	TAP_OK(vline_unescape("\\x4", 4, b, sizeof b) == -1, "cut escape refused");
	TAP_OK(vline_unescape("abc", 3, b, 2) == -1, "small buffer refused");

	round_trip("plain", 5, "plain");
	round_trip("", 0, "empty");
	round_trip("a b=c \"d\" e\\", 12, "space, =, quote, backslash");
	round_trip("x y=1 action=reject", 19, "a value that looks like pairs");
	round_trip("\n\r\t\x01\x7f\x80\xff\0z", 10, "controls, high octets, NUL");
	round_trip("\\x41", 4, "a literal \\x41");
	return TAP_DONE();
}
