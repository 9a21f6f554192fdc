/*
 * Domain names typed by people: U-labels to A-labels with libidn2 (IDNA
 * 2008, RFC 5891 section 5 lookup, UTS #46 mapping, nontransitional), then
 * the LDH syntax of RFC 1123 section 2.1 and RFC 5321 section 2.3.5 (which
 * RFC 5890 section 2.3.1 keeps for A-labels), and no address literal
 * (RFC 5321 section 4.1.3 writes those in brackets; RFC 1123 2.1 keeps a
 * top-level label from being all digits so that a dotted quad is never a
 * name).
 */
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "domain.h"
#include "str.h"

static int is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* The LDH rules on the lower-case A-label form s (len octets): 0, or -1
 * with err set. */
static int check_ldh(const char *s, size_t len, char *err, size_t errlen)
{
	size_t start = 0;
	int digits_only = 1;
	if (len == 0) {
		str_err(err, errlen, "empty domain name");
		return -1;
	}
	if (len > DOMAIN_MAX) {
		str_err(err, errlen, "longer than %d octets", DOMAIN_MAX);
		return -1;
	}
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!is_ldh(s[i])) {
				str_err(err, errlen, "'%c' is not a letter, digit or hyphen", s[i]);
				return -1;
			}
			if (s[i] < '0' || s[i] > '9')
				digits_only = 0;
			continue;
		}
		size_t n = i - start;
		const char *l = s + start;
		if (n == 0) {
			str_err(err, errlen, "empty label");
			return -1;
		}
		if (n > 63) {
			str_err(err, errlen, "label of %zu octets (at most 63)", n);
			return -1;
		}
		if (l[0] == '-' || l[n - 1] == '-') {
			str_err(err, errlen, "label '%.*s' %s with a hyphen", (int)n, l, l[0] == '-' ? "starts" : "ends");
			return -1;
		}
		/* RFC 5891 4.2.3.1: "??--" is reserved, only "xn--" is in use */
		if (n >= 4 && l[2] == '-' && l[3] == '-' && !(l[0] == 'x' && l[1] == 'n')) {
			str_err(err, errlen, "label '%.*s' has hyphens in the third and fourth position", (int)n, l);
			return -1;
		}
		if (i == len && digits_only) {
			str_err(err, errlen, "the last label is all digits: an address literal is not a domain");
			return -1;
		}
		start = i + 1;
		digits_only = 1;
	}
	return 0;
}

int domain_parse(const char *in, size_t len, domain_name *out, char *err, size_t errlen)
{
	char buf[DOMAIN_UNICODE_MAX + 1], *a = NULL, *u = NULL;
	int non_ascii = 0, rc;

	memset(out, 0, sizeof *out);
	if (len > 0 && in[len - 1] == '.')
		len--;   /* one final dot: the root */
	if (len == 0) {
		str_err(err, errlen, "empty domain name");
		return -1;
	}
	if (len > DOMAIN_UNICODE_MAX) {
		str_err(err, errlen, "longer than %d octets", DOMAIN_UNICODE_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x20 || c == 0x7f) {
			str_err(err, errlen, "a control character at octet %zu", i + 1);
			return -1;
		}
		non_ascii |= c >= 0x80;
	}
	if (in[0] == '[' || memchr(in, ':', len) != NULL) {
		str_err(err, errlen, "an address literal is not a domain");
		return -1;
	}
	memcpy(buf, in, len);
	buf[len] = 0;
	/* UTS #46 maps (case, width) and checks every label, A-labels too */
	rc = idn2_to_ascii_8z(buf, &a, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK) {
		/* the ASCII rules first: their message is clearer than idn2's */
		if (!non_ascii) {
			for (size_t i = 0; i < len; i++)
				buf[i] = (char)(buf[i] >= 'A' && buf[i] <= 'Z' ? buf[i] + 32 : buf[i]);
			if (check_ldh(buf, len, err, errlen) < 0)
				return -1;
		}
		str_err(err, errlen, "not a valid internationalised domain name: %s", idn2_strerror(rc));
		return -1;
	}
	size_t alen = strlen(a);   /* a dot left at the end is an empty label */
	if (check_ldh(a, alen, err, errlen) < 0) {
		idn2_free(a);
		return -1;
	}
	memcpy(out->ascii, a, alen + 1);
	idn2_free(a);
	out->idn = strstr(out->ascii, "xn--") == out->ascii || strstr(out->ascii, ".xn--") != NULL;
	if (!out->idn) {
		memcpy(out->unicode, out->ascii, alen + 1);
		return 0;
	}
	rc = idn2_to_unicode_8z8z(out->ascii, &u, 0);
	if (rc != IDN2_OK || strlen(u) > DOMAIN_UNICODE_MAX) {
		str_err(err, errlen, "an A-label does not decode: %s", rc != IDN2_OK ? idn2_strerror(rc) : "too long");
		idn2_free(u);
		memset(out, 0, sizeof *out);
		return -1;
	}
	/* RFC 5891 5.4/5.5: an A-label must be the encoding of a valid
	 * U-label; libidn2 decodes some that are not (mapped or disallowed
	 * code points), so the U-labels must give the same A-labels back */
	char *back = NULL;
	rc = idn2_to_ascii_8z(u, &back, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK || strcmp(back, out->ascii) != 0) {
		str_err(err, errlen, "an A-label does not encode a valid U-label (IDNA 2008)");
		idn2_free(back);
		idn2_free(u);
		memset(out, 0, sizeof *out);
		return -1;
	}
	idn2_free(back);
	memcpy(out->unicode, u, strlen(u) + 1);
	idn2_free(u);
	return 0;
}
