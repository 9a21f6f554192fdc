/* Unit tests of the bounce tokens (HMAC-SHA256, expiry, address form). */
#include <stdio.h>
#include "tap.h"
/* compiled in directly: unit tests link only the core library */
#include "../../responder/token.c"

static const unsigned char key[] = "0123456789abcdef0123456789abcdef";
#define KL (sizeof key - 1)

int main(void)
{
	char tok[TOKEN_TEXT_LEN + 1], tok2[TOKEN_TEXT_LEN + 1], ext[80], err[256];
	token_fields f;
	const uint32_t t0 = 1795000000u, day = 86400;

	tap_name = "test_token";
	TAP_INT(token_make(key, KL, "0123456789ab", "User@Example.ORG", t0, tok, sizeof tok), 0, "make");
	TAP_INT(strlen(tok), TOKEN_TEXT_LEN, "40 hex digits");
	TAP_INT(7 + strlen(tok) <= 64, 1, "bounce+TOKEN fits a 64-octet local part");
	TAP_INT(token_parse(tok, strlen(tok), &f), 0, "parse");
	TAP_INT(f.ts, t0, "time round-trips");
	TAP_STR(f.id, "0123456789ab", "id round-trips");
	TAP_INT(token_verify(key, KL, &f, "user@example.org", t0 + 10, 5 * day), TOKEN_OK, "verifies (sender case folded)");
	TAP_INT(token_verify(key, KL, &f, "other@example.org", t0 + 10, 5 * day), TOKEN_FORGED, "other sender: forged");
	TAP_INT(token_verify((const unsigned char *)"another-secret-of-some-length", 29, &f, "user@example.org", t0, 5 * day),
	    TOKEN_FORGED, "other key: forged");
	TAP_INT(token_verify(key, KL, &f, "user@example.org", t0 + 5 * day + 1, 5 * day), TOKEN_EXPIRED, "expired after maxage");
	TAP_INT(token_verify(key, KL, &f, "user@example.org", t0 - 1000, 5 * day), TOKEN_FUTURE, "too far in the future");
	TAP_INT(token_verify(key, KL, &f, "user@example.org", t0 - 100, 5 * day), TOKEN_OK, "small clock skew tolerated");

	/* flipping any one digit breaks it */
	{
		int bad = 0;
		for (size_t i = 0; i < TOKEN_TEXT_LEN; i++) {
			token_fields g;
			memcpy(tok2, tok, sizeof tok);
			tok2[i] = tok2[i] == '0' ? '1' : '0';
			if (token_parse(tok2, TOKEN_TEXT_LEN, &g) != 0 ||
			    token_verify(key, KL, &g, "user@example.org", t0 + 10, 5 * day) == TOKEN_OK)
				bad++;
		}
		TAP_INT(bad, 0, "every single-digit change is detected");
	}
	/* a changed time with the old MAC (extending the expiry) is forged */
	{
		token_fields g = f;
		g.ts = t0 + 4 * day;
		TAP_INT(token_verify(key, KL, &g, "user@example.org", t0 + 6 * day, 5 * day), TOKEN_FORGED, "moved time: forged");
	}
	TAP_INT(token_parse("0123", 4, &f), -1, "short: malformed");
	TAP_INT(token_parse("0123456789ABCDEF0123456789abcdef01234567", 40, &f), -1, "upper case is not produced, refused by parse");
	TAP_INT(token_parse("0123456789abcdefg123456789abcdef01234567", 40, &f), -1, "non-hex refused");
	TAP_INT(token_make(key, KL, "xyz", "a@b", t0, tok2, sizeof tok2), -1, "bad id refused");
	TAP_INT(token_make(key, KL, "0123456789ab", "a@b", t0, tok2, 10), -1, "small buffer refused");

	TAP_INT(token_from_address("bounce+ABCdef@resp-dual.xtest", "bounce", ext, sizeof ext), 0, "extension found");
	TAP_STR(ext, "abcdef", "extension lower-cased");
	TAP_INT(token_from_address("Bounce+x", "bounce", ext, sizeof ext), 0, "no domain ok");
	TAP_INT(token_from_address("bounce@resp-dual.xtest", "bounce", ext, sizeof ext), -1, "no extension");
	TAP_INT(token_from_address("bounce+@d", "bounce", ext, sizeof ext), -1, "empty extension");
	TAP_INT(token_from_address("bouncer+x@d", "bounce", ext, sizeof ext), -1, "other local part");
	TAP_INT(token_from_address("bounce+0123456789@d", "bounce", ext, 5), -1, "too long for buffer");

	{
		FILE *k = fopen("/tmp/mxr-test-token.key", "w");
		int n;
		unsigned char buf[TOKEN_KEY_MAX];
		fputs("short\n", k);
		fclose(k);
		TAP_INT(token_load_key("/tmp/mxr-test-token.key", buf, sizeof buf, err, sizeof err), -1, "short secret refused");
		k = fopen("/tmp/mxr-test-token.key", "w");
		fputs("0123456789abcdef0123\n", k);
		fclose(k);
		n = token_load_key("/tmp/mxr-test-token.key", buf, sizeof buf, err, sizeof err);
		TAP_INT(n, 20, "secret loaded, newline stripped");
		remove("/tmp/mxr-test-token.key");
		TAP_INT(token_load_key("/nonexistent/x", buf, sizeof buf, err, sizeof err), -1, "missing file");
	}
	return TAP_DONE();
}
