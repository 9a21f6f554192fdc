/* Unit tests of the domain-name input parser (core/domain.c): U-labels to
 * A-labels (IDNA 2008 + UTS 46), the LDH rules, address literals refused
 * with a message that says so (issue 12 item 8). */
#include <string.h>
#include "domain.h"
#include "tap.h"

static void ok(const char *in, const char *ascii, const char *unicode, int idn)
{
	domain_name d;
	char err[160] = "";
	int r = domain_parse(in, strlen(in), &d, err, sizeof err);
	TAP_INT(r, 0, in);
	if (r == 0) {
		TAP_STR(d.ascii, ascii, "A-label form");
		TAP_STR(d.unicode, unicode, "U-label form");
		TAP_INT(d.idn, idn, "idn flag");
	} else
		TAP_OK(0, "%s refused: %s", in, err);
}

static void bad(const char *in, size_t len, const char *why)
{
	domain_name d;
	char err[160] = "";
	int r = domain_parse(in, len, &d, err, sizeof err);
	TAP_INT(r, -1, in);
	TAP_OK(strstr(err, why) != NULL, "%s: message '%s' holds '%s'", in, err, why);
}

int main(void)
{
	ok("example.org", "example.org", "example.org", 0);
	ok("Example.ORG.", "example.org", "example.org", 0);
	ok("b\xc3\xbc" "cher.example", "xn--bcher-kva.example", "b\xc3\xbc" "cher.example", 1);
	ok("B\xc3\x9c" "CHER.example", "xn--bcher-kva.example", "b\xc3\xbc" "cher.example", 1);
	ok("xn--bcher-kva.example", "xn--bcher-kva.example", "b\xc3\xbc" "cher.example", 1);
	ok("XN--BCHER-KVA.example", "xn--bcher-kva.example", "b\xc3\xbc" "cher.example", 1);
	/* nontransitional: sharp s stays (fass.example would be IDNA 2003) */
	ok("fa\xc3\x9f.example", "xn--fa-hia.example", "fa\xc3\x9f.example", 1);
	ok("1.2.3.example", "1.2.3.example", "1.2.3.example", 0);
	ok("3com.example", "3com.example", "3com.example", 0);
	bad("-x.example", 10, "starts with a hyphen");
	bad("x-.example", 10, "ends with a hyphen");
	bad("1.2.3.4", 7, "address literal");
	bad("[192.0.2.1]", 11, "address literal");
	bad("2001:db8::1", 11, "address literal");
	bad("a..example", 10, "empty label");
	bad("", 0, "empty");
	bad(".", 1, "empty");
	bad("exa-m1..", 8, "empty label");   /* found by fuzz_domain */
	bad("k.xn--knkkkk", 12, "valid U-label");   /* found by fuzz_domain: decodes to mapped code points */
	bad("a_b.example", 11, "not a letter, digit or hyphen");
	bad("ab--c.example", 13, "third and fourth");
	bad("xn--zz.example", 14, "");
	bad("a\nb.example", 11, "control character");
	bad("a\0b.example", 11, "control character");
	bad("\xff.example", 9, "");
	{
		char big[300];
		memset(big, 'a', 64);
		memcpy(big + 64, ".example", 9);
		bad(big, strlen(big), "at most 63");
	}
	return TAP_DONE();
}
