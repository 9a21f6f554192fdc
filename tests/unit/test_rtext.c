/* Unit tests of the responder's octet helpers: CRLF canonicalisation, the
 * SMTP line bound, UTF-8 sequence lengths (issue 14 items 6, 7, 11). */
#include <stdio.h>
#include <stdlib.h>
#include "tap.h"
/* compiled in directly: unit tests link only the core library */
#include "../../responder/rtext.c"

#define LIT(s) s, sizeof s - 1

int main(void)
{
	size_t n = 0;
	char *o, *big;

	tap_name = "test_rtext";
	o = rtext_crlf(LIT("a\nb\r\nc\rd\n\ne"), &n);
	TAP_OK(o && n == 15 && memcmp(o, "a\r\nb\r\nc\r\nd\r\n\r\ne", 15) == 0,
	    "bare LF and bare CR become CRLF, CRLF stays (len %zu)", n);
	free(o);
	o = rtext_crlf(LIT("x\0y\n"), &n);
	TAP_OK(o && n == 5 && memcmp(o, "x\0y\r\n", 5) == 0, "a NUL is an octet like any other (len %zu)", n);
	free(o);
	o = rtext_crlf(LIT("\r"), &n);
	TAP_OK(o && n == 2 && memcmp(o, "\r\n", 2) == 0, "a CR at the end");
	free(o);
	o = rtext_crlf("", 0, &n);
	TAP_OK(o && n == 0, "empty");
	free(o);

	TAP_INT(rtext_longest_line(LIT("ab\r\nabcd\r\nx")), 4, "longest line without its CRLF");
	TAP_INT(rtext_smtp_safe(LIT("a\r\nb\r\n")), 1, "CRLF text: safe");
	TAP_INT(rtext_smtp_safe(LIT("a\nb\r\n")), 0, "bare LF: not safe");
	TAP_INT(rtext_smtp_safe(LIT("a\rb\r\n")), 0, "bare CR: not safe");
	TAP_INT(rtext_smtp_safe(LIT("a\0b\r\n")), 0, "NUL: not safe");
	big = malloc(1002);
	memset(big, 'x', 1000);
	memcpy(big + 998, "\r\n", 2);
	TAP_INT(rtext_smtp_safe(big, 1000), 1, "a line of 998 octets: safe");
	memset(big, 'x', 1002);
	memcpy(big + 999, "\r\n", 2);
	TAP_INT(rtext_smtp_safe(big, 1001), 0, "a line of 999 octets: not safe");
	free(big);

	TAP_INT(rtext_utf8_len(LIT("a")), 1, "ASCII");
	TAP_INT(rtext_utf8_len(LIT("\xc3\xa9")), 2, "e acute");
	TAP_INT(rtext_utf8_len("\xc3\xa9", 1), 0, "e acute cut after its first octet");
	TAP_INT(rtext_utf8_len(LIT("\xe2\x82\xac")), 3, "euro sign");
	TAP_INT(rtext_utf8_len(LIT("\xf0\x9f\x98\x80")), 4, "emoji");
	TAP_INT(rtext_utf8_len(LIT("\xc0\xaf")), 0, "overlong /");
	TAP_INT(rtext_utf8_len(LIT("\xe0\x80\xaf")), 0, "overlong / in three octets");
	TAP_INT(rtext_utf8_len(LIT("\xed\xa0\x80")), 0, "surrogate");
	TAP_INT(rtext_utf8_len(LIT("\xf4\x90\x80\x80")), 0, "above U+10FFFF");
	TAP_INT(rtext_utf8_len(LIT("\xa9")), 0, "a continuation octet alone");
	TAP_INT(rtext_utf8_len(LIT("\xc3(")), 0, "a lead octet without its continuation");
	return TAP_DONE();
}
