#ifndef MXR_TOKEN_H
#define MXR_TOKEN_H
/*
 * Bounce tokens: the local-part extension of reply B's envelope sender
 * (bounce+TOKEN@dual-stack-domain).  A token binds the reply id, the
 * original sender and the time with an HMAC-SHA256, so a DSN that comes back
 * can be tied to one reply, and forged or stale DSNs are dropped.
 *
 * Text form: 40 lowercase hex digits, TTTTTTTT IIIIIIIIIIII MMMM... =
 * issue time (32-bit Unix seconds), reply id (48 bits), MAC (first 80 bits
 * of HMAC-SHA256(key, "mxready-bounce-v1" NUL ts id NUL sender)).
 * "bounce+" and the token fit in RFC 5321's 64-octet local part.
 */
#include <stddef.h>
#include <stdint.h>

#define TOKEN_TEXT_LEN 40       /* hex digits */
#define TOKEN_ID_LEN   12       /* hex digits of the reply id */
#define TOKEN_MAC_LEN  10       /* octets of the MAC kept */
#define TOKEN_KEY_MIN  16       /* shortest secret accepted */
#define TOKEN_KEY_MAX  256

typedef enum {
	TOKEN_OK = 0, TOKEN_MALFORMED, TOKEN_FORGED, TOKEN_EXPIRED, TOKEN_FUTURE
} token_status;

typedef struct token_fields {
	uint32_t ts;
	char id[TOKEN_ID_LEN + 1];
	unsigned char mac[TOKEN_MAC_LEN];
} token_fields;

/* Writes the token of (id, sender, ts) into out (TOKEN_TEXT_LEN + 1
 * octets).  id must be TOKEN_ID_LEN lowercase hex digits.  The sender is
 * compared case-insensitively (it is lower-cased before the MAC).  Returns 0
 * or -1 (bad id, sender too long, HMAC failure). */
int token_make(const unsigned char *key, size_t keylen, const char *id,
	const char *sender, uint32_t ts, char *out, size_t outlen);
/* Syntax only: splits s[0..len) into fields.  Returns 0 or -1. */
int token_parse(const char *s, size_t len, token_fields *out);
/* Checks the MAC against sender and the age against now: valid for maxage
 * seconds, and at most 300 s in the future (clock steps). */
token_status token_verify(const unsigned char *key, size_t keylen,
	const token_fields *f, const char *sender, uint32_t now, uint32_t maxage);
/* Finds the token in an address "PREFIX+TOKEN@domain" (prefix compared
 * case-insensitively, e.g. "bounce").  Copies the token into out.  Returns
 * 0, or -1 if the address has no such extension. */
int token_from_address(const char *addr, const char *prefix, char *out, size_t outlen);
/* Reads a secret file (raw bytes, trailing newline stripped).  Returns the
 * key length, or -1 with a message in err (missing, shorter than
 * TOKEN_KEY_MIN, longer than TOKEN_KEY_MAX). */
int token_load_key(const char *path, unsigned char *key, size_t keymax, char *err, size_t errlen);
const char *token_status_str(token_status s);

#endif
