/*
 * libFuzzer target for the responder's reader of Authentication-Results
 * values (responder/rpolicy.c) and its sender/loop rules: the first byte
 * picks the field, the rest is the value.  Meaning: an Auto-Submitted or
 * Precedence value read with a comment put in front gives the same bits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../responder/rpolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char ours[1][256] = { "dual.example" };
	char *v;
	rpolicy_auth a;
	rpolicy_input in = { 0 };

	if (size < 1)
		return 0;
	v = malloc(size);
	if (v == NULL)
		abort();
	memcpy(v, data + 1, size - 1);
	v[size - 1] = 0;
	rpolicy_auth_init(&a);
	(void)rpolicy_auth_parse(v, size - 1, "mx.example", &a);
	in.sender = (data[0] & 1) ? v : "user@example.org";
	if (data[0] & 2)
		in.fields |= rpolicy_field("Auto-Submitted", v, size - 1);
	if (data[0] & 4)
		in.fields |= rpolicy_field("Precedence", v, size - 1);
	in.our_domains = ours;
	in.n_our_domains = 1;
	in.auth = &a;
	(void)rpolicy_decide(&in);
	/* meaning: a comment before the value changes nothing (CFWS) */
	{
		static const char pre[] = "(x\\)) ";   /* a comment with a quoted-pair */
		size_t cn = sizeof pre - 1 + size - 1;
		char *c = malloc(cn + 1);
		if (c == NULL)
			abort();
		memcpy(c, pre, sizeof pre - 1);
		memcpy(c + sizeof pre - 1, v, size - 1);
		c[cn] = 0;
		if (rpolicy_field("Auto-Submitted", c, cn) != rpolicy_field("Auto-Submitted", v, size - 1) ||
		    rpolicy_field("Precedence", c, cn) != rpolicy_field("Precedence", v, size - 1))
			abort();
		free(c);
	}
	(void)rpolicy_sender_ok(v);
	free(v);
	return 0;
}
