/* Unit tests of the address parsers: SMTP paths (RFC 5321 4.1.2) and the
 * From field (RFC 5322 3.4/3.6.2, 4.4 obsolete syntax, RFC 6854 groups,
 * RFC 6532 UTF-8), above all the multi-address and junk cases behind the
 * DMARC bypasses (CVE-2019-16378, CVE-2021-34555). */
#include <string.h>
#include "mailaddr.h"
#include "tap.h"

static void path(const char *in, int want, const char *local, const char *domain, const char *what)
{
	mailaddr a;
	char err[128] = "";
	int r = mailaddr_parse_path(in, &a, err, sizeof err);
	TAP_OK(r == want, "path %s: got %d want %d (%s)", what, r, want, err);
	if (want == 1 && r == 1) {
		if (local)
			TAP_STR(a.local, local, "path local");
		TAP_STR(a.domain, domain, "path domain");
	}
	if (want == -1)
		TAP_OK(err[0] != '\0', "path %s: error has a reason", what);
}

/* The From value with an explicit length (may hold NUL). */
static void fromn(const char *in, size_t len, int want, const char *local, const char *domain, const char *what)
{
	mailaddr a;
	char err[128] = "";
	int r = mailaddr_parse_from(in, len, &a, err, sizeof err);
	TAP_OK(r == want, "from %s: got %d want %d (%s)", what, r, want, err);
	if (want >= 1 && r >= 1) {
		if (local)
			TAP_STR(a.local, local, "from first local");
		TAP_STR(a.domain, domain, "from first domain");
	}
	if (want < 0)
		TAP_OK(err[0] != '\0' && a.domain[0] == '\0', "from %s: reason given, no address kept", what);
}

static void from(const char *in, int want, const char *local, const char *domain, const char *what)
{
	fromn(in, strlen(in), want, local, domain, what);
}

/* SMTP paths (RFC 5321 4.1.2). */
static void test_paths(void)
{
	char big[700];

	/* --- SMTP paths */
	path("<user@Example.COM>", 1, "user", "example.com", "bracketed, domain lower-cased");
	path("user@example.com", 1, "user", "example.com", "bare address");
	path("  <user@example.com>\t", 1, "user", "example.com", "blanks around");
	path("<>", 0, NULL, NULL, "null path");
	path("", 0, NULL, NULL, "empty = null sender (policy delegation)");
	path("<first.last+tag@sub.example.org>", 1, "first.last+tag", "sub.example.org", "dot-string with +");
	path("<\"john doe\"@example.com>", 1, "\"john doe\"", "example.com", "quoted local part kept");
	path("<\"a@evil.example\"@example.com>", 1, "\"a@evil.example\"", "example.com", "'@' inside quoted local part");
	path("<\"a\\\"b\"@example.com>", 1, "\"a\\\"b\"", "example.com", "quoted pair");
	path("<@relay1.example,@relay2.example:user@example.com>", 1, "user", "example.com", "source route ignored");
	path("<user@[192.0.2.1]>", 1, "user", "[192.0.2.1]", "IPv4 literal");
	path("<user@[IPv6:2001:db8::1]>", 1, "user", "[ipv6:2001:db8::1]", "IPv6 literal");
	path("<user@[IPv6:zz::1]>", -1, NULL, NULL, "bad IPv6 literal");
	path("<user@[300.1.1.1]>", -1, NULL, NULL, "bad IPv4 literal");
	path("<j\xc3\xb6rg@example.com>", 1, "j\xc3\xb6rg", "example.com", "UTF-8 local part (RFC 6531)");
	path("<j\xf6rg@example.com>", -1, NULL, NULL, "Latin-1 byte in local part");
	path("<user@ex\xc3\xa4mple.com>", -1, NULL, NULL, "U-label domain not supported");
	path("<user@example.com", -1, NULL, NULL, "missing '>'");
	path("user@example.com>", -1, NULL, NULL, "stray '>'");
	path("<userexample.com>", -1, NULL, NULL, "no '@'");
	path("<@example.com>", -1, NULL, NULL, "route without mailbox");
	path("<.user@example.com>", -1, NULL, NULL, "leading dot");
	path("<us..er@example.com>", -1, NULL, NULL, "double dot");
	path("<user.@example.com>", -1, NULL, NULL, "trailing dot in local");
	path("<user@example.com.>", -1, NULL, NULL, "trailing dot in domain");
	path("<user@-example.com>", -1, NULL, NULL, "label starts with '-'");
	path("<user@exa_mple.com>", -1, NULL, NULL, "underscore in domain (RFC 5321 Domain)");
	path("<user@example..com>", -1, NULL, NULL, "empty label");
	path("<user@>", -1, NULL, NULL, "empty domain");
	path("<user name@example.com>", -1, NULL, NULL, "space in local part");
	path("<user@example.com> SIZE=100", -1, NULL, NULL, "parameters are not part of the path");
	path("<a@b@example.com>", -1, NULL, NULL, "two '@'");
	memset(big, 'a', 64);
	memcpy(big + 64, "@example.com", 13);
	path(big, 1, NULL, "example.com", "64-octet local part");
	{
		mailaddr a;
		TAP_OK(mailaddr_parse_path(big, &a, NULL, 0) == 1 && strlen(a.local) == 64, "64-octet local part kept whole");
	}
	memset(big, 'a', 65);
	memcpy(big + 65, "@example.com", 13);
	path(big, -1, NULL, NULL, "65-octet local part (RFC 5321 4.5.3.1.1)");
	memset(big, 'a', 63);
	big[63] = '@';
	for (int i = 0; i < 4; i++) {
		memset(big + 64 + i * 64, 'b', 63);
		big[64 + i * 64 + 63] = '.';
	}
	memcpy(big + 64 + 4 * 64 - 1, "\0", 1);
	path(big, -1, NULL, NULL, "domain over 253 octets");
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	path(big, -1, NULL, NULL, "path over 512 octets");
	path("<user@exam\x01ple.com>", -1, NULL, NULL, "control character");
}

/* From: one mailbox, the usual forms (RFC 5322 3.4). */
static void test_from_one(void)
{
	/* --- From: one mailbox, the usual forms */
	from("user@example.com", 1, "user", "example.com", "bare addr-spec");
	from(" Joe User <joe@Example.COM>", 1, "joe", "example.com", "display name + angle");
	from("<joe@example.com>", 1, "joe", "example.com", "angle address alone");
	from("\"User, Joe\" <joe@example.com>", 1, "joe", "example.com", "quoted display name with comma");
	from("\"joe@good.example\" <joe@evil.example>", 1, "joe", "evil.example", "address-like display name: angle address wins");
	from("joe@example.com (Joe User)", 1, "joe", "example.com", "trailing comment");
	from("(c1) Joe (c2) <(c3) joe (c4) @ (c5) example.com (c6)> (c7 (nested) \\) )", 1, "joe", "example.com", "comments everywhere, nested");
	from("Joe Q. Public <john.q.public@example.com>", 1, "john.q.public", "example.com", "obs-phrase with '.'");
	from("John . Public @ example . com", 1, "John.Public", "example.com", "obs-local-part / obs-domain with CFWS");
	from("\"a@evil.example\"@example.com", 1, "\"a@evil.example\"", "example.com", "'@' inside quoted local part");
	from("\"john doe\"@example.com", 1, "\"john doe\"", "example.com", "quoted local part");
	from("Joe\r\n <joe@example.com>", 1, "joe", "example.com", "folded (CRLF)");
	from("Joe\n\t<joe@\n example.com>", 1, "joe", "example.com", "folded (bare LF, milter style)");
	from("Joe <joe@example.com>\r\n", 1, "joe", "example.com", "trailing line end tolerated");
	from("=?utf-8?q?J=C3=B6rg?= <j@example.com>", 1, "j", "example.com", "RFC 2047 display name");
	from("J\xc3\xb6rg <j\xc3\xb6rg@example.com>", 1, "j\xc3\xb6rg", "example.com", "UTF-8 (RFC 6532)");
	from("J\xf6rg M\xfcller <jm@example.com>", 1, "jm", "example.com", "8-bit junk in display name tolerated");
	from("(\xff\xfe junk) <jm@example.com>", 1, "jm", "example.com", "8-bit junk in comment tolerated");
	from("<@route.example,@r2.example:joe@example.com>", 1, "joe", "example.com", "obs-route ignored");
	from("user@[192.0.2.1]", 1, "user", "[192.0.2.1]", "domain literal kept in brackets");
	from(",, user@example.com ,", 1, "user", "example.com", "obs-mbox-list empty elements");
}

/* From: counts other than 1 (the DMARC bypasses) and junk. */
static void test_from_many(void)
{
	char big[700];

	/* --- From: the DMARC bypasses need a count other than 1 */
	from("a@good.example, b@evil.example", 2, "a", "good.example", "two mailboxes");
	from("Good <a@good.example>, Evil <b@evil.example>", 2, NULL, "good.example", "two name-addrs");
	from("<a@good.example>,<b@evil.example>", 2, NULL, "good.example", "two angle addresses, no space");
	from("a@good.example (x), \"q\" <b@evil.example>, c@x.example", 3, NULL, "good.example", "three mixed");
	from("Friends: a@good.example, b@evil.example;", 2, NULL, "good.example", "group of two (RFC 6854)");
	from("Friends: a@good.example;", 1, "a", "good.example", "group of one");
	from("undisclosed-recipients:;", 0, NULL, NULL, "empty group: no mailbox");
	from("G: ;, a@b.example", 1, "a", "b.example", "empty group then a mailbox");
	from("G1: a@x.example;, G2: b@y.example;", 2, NULL, "x.example", "two groups");
	from("", 0, NULL, NULL, "empty field");
	from("   (only a comment)  ", 0, NULL, NULL, "only CFWS");
	/* Junk that older parsers skipped or truncated at. */
	fromn("a@good.example\0@evil.example", 28, -1, NULL, NULL, "NUL inside the address");
	fromn("Joe <a@good.example>\0, b@evil.example", 37, -1, NULL, NULL, "NUL after the address");
	from("a@good.example b@evil.example", -1, NULL, NULL, "two addresses without comma");
	from("a@good.example <b@evil.example>", -1, NULL, NULL, "unquoted address as display name");
	from("<a@good.example> <b@evil.example>", -1, NULL, NULL, "two angle addresses without comma");
	from("<a@good.example> b@evil.example", -1, NULL, NULL, "angle then bare");
	from("a@good.example\r\nFrom: b@evil.example", -1, NULL, NULL, "unfolded line break (header injection)");
	from("a@good.example\rb@evil.example", -1, NULL, NULL, "bare CR");
	from("<a@good.example@evil.example>", -1, NULL, NULL, "two '@'");
	from("a@good.example.", -1, NULL, NULL, "trailing dot in domain");
	from("a..b@example.com", -1, NULL, NULL, "double dot");
	from("a@exa$mple.com", -1, NULL, NULL, "domain not a host name");
	from("a@ex\xc3\xa4mple.com", -1, NULL, NULL, "U-label domain");
	from("j\xf6rg@example.com", -1, NULL, NULL, "Latin-1 byte in local part");
	from("Joe <>", -1, NULL, NULL, "empty angle address");
	from("Joe <joe@example.com", -1, NULL, NULL, "unclosed angle");
	from("Joe joe@example.com>", -1, NULL, NULL, "stray '>'");
	from("Joe (unclosed <joe@example.com>", -1, NULL, NULL, "unclosed comment");
	from("\"unclosed <joe@example.com>", -1, NULL, NULL, "unclosed quoted string");
	from("G: a@x.example", -1, NULL, NULL, "group without ';'");
	from("G: H: a@x.example;;", -1, NULL, NULL, "nested group");
	from(": a@x.example;", -1, NULL, NULL, "group without name");
	from("Joe", -1, NULL, NULL, "a name, no address");
	from("@example.com", -1, NULL, NULL, "no local part");
	from("joe@", -1, NULL, NULL, "no domain");
	from("a@[1.2.3.4", -1, NULL, NULL, "unclosed domain literal");
	from("joe@example.com)", -1, NULL, NULL, "stray ')'");
	from("jo\x01e@example.com", -1, NULL, NULL, "control character in atom");
	from("\"jo\x01e\"@example.com", -1, NULL, NULL, "control character in quoted local part");
	{
		mailaddr a;
		TAP_INT(mailaddr_parse_from(NULL, 0, &a, NULL, 0), 0, "NULL value: no mailbox");
		TAP_INT(mailaddr_parse_from("a@b.example, c@d.example", 24, NULL, NULL, 0), 2, "first may be NULL");
		/* len bounds the parse: the second address is beyond it. */
		TAP_INT(mailaddr_parse_from("a@b.example, c@d.example", 11, &a, NULL, 0), 1, "len bounds the value");
	}
	/* A long local part in a From field (bounded buffer). */
	memset(big, 'a', 200);
	memcpy(big + 200, "@example.com", 13);
	from(big, -1, NULL, NULL, "local part over the buffer");
}

int main(void)
{
	tap_name = "test_mailaddr";
	test_paths();
	test_from_one();
	test_from_many();
	return TAP_DONE();
}
