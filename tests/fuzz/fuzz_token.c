/*
 * libFuzzer target for the bounce-token code (responder/token.c): the
 * address form (token_from_address), the text form (token_parse) and
 * verification against a fixed key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../responder/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[] = "fuzz-key-0123456789abcdef";
	char *s = malloc(size + 1), tok[80];
	token_fields f;

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	if (token_from_address(s, "bounce", tok, sizeof tok) == 0 &&
	    token_parse(tok, strlen(tok), &f) == 0)
		(void)token_verify(key, sizeof key - 1, &f, s, f.ts, 86400);
	if (token_parse(s, size, &f) == 0)
		(void)token_verify(key, sizeof key - 1, &f, "a@b", 1795000000u, 86400);
	free(s);
	return 0;
}
