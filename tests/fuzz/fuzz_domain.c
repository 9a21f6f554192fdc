/*
 * libFuzzer target for domain-name input (core/domain.c): whatever the
 * input, an accepted name's A-label form is lower-case LDH (labels of
 * 1..63 letters, digits, hyphens, no hyphen at either end, 253 octets at
 * most, the last label not all digits), parsing its A-label form or its
 * U-label form again gives the same A-label form (round trip), and a plain
 * ASCII LDH input comes back as itself in lower case.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "domain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ldh(const char *s)
{
	size_t len = strlen(s), start = 0;
	int digits = 1;
	if (len == 0 || len > DOMAIN_MAX)
		abort();
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			char c = s[i];
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
				abort();
			if (c < '0' || c > '9')
				digits = 0;
			continue;
		}
		size_t n = i - start;
		if (n == 0 || n > 63 || s[start] == '-' || s[i - 1] == '-')
			abort();
		if (i == len && digits)
			abort();   /* an address literal got through */
		start = i + 1;
		digits = 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	domain_name d, again;
	char err[256];
	if (domain_parse((const char *)data, size, &d, err, sizeof err) < 0) {
		if (err[0] == 0)
			abort();   /* every refusal says why */
		return 0;
	}
	check_ldh(d.ascii);
	if (domain_parse(d.ascii, strlen(d.ascii), &again, err, sizeof err) < 0 ||
	    strcmp(again.ascii, d.ascii) != 0)
		abort();
	if (domain_parse(d.unicode, strlen(d.unicode), &again, err, sizeof err) < 0 ||
	    strcmp(again.ascii, d.ascii) != 0)
		abort();
	/* plain LDH in, itself (lower case, no final dot) out */
	int plain = size > 0;
	for (size_t i = 0; i < size; i++) {
		uint8_t c = data[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
			plain = 0;
	}
	if (plain && memmem(data, size, "xn--", 4) == NULL) {
		size_t n = size - (data[size - 1] == '.');
		if (strlen(d.ascii) != n || memcmp(d.ascii, data, n) != 0)
			abort();
	}
	return 0;
}
