/*
 * Bounce tokens for reply B's envelope sender (see token.h): HMAC-SHA256
 * (RFC 2104) truncated to 80 bits, the floor RFC 2104 section 5 sets for
 * truncated MACs (the tag is also bound to an expiry).  The local part stays
 * within RFC 5321
 * 4.5.3.1.1 (64 octets).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "token.h"

#define TOKEN_LABEL "mxready-bounce-v1"
#define TOKEN_SENDER_MAX 320        /* local@domain as text (mailaddr.h) */
#define TOKEN_SKEW 300              /* seconds a token may be "from the future" */

static int ishexl(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int hexval(int c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

static int compute_mac(const unsigned char *key, size_t keylen, uint32_t ts,
	const char *id, const char *sender, unsigned char mac[TOKEN_MAC_LEN])
{
	unsigned char msg[sizeof TOKEN_LABEL + 4 + TOKEN_ID_LEN + 1 + TOKEN_SENDER_MAX];
	unsigned char full[EVP_MAX_MD_SIZE];
	unsigned int fulllen = 0;
	size_t n = 0, slen = strlen(sender);

	if (slen > TOKEN_SENDER_MAX || strlen(id) != TOKEN_ID_LEN || keylen == 0)
		return -1;
	memcpy(msg, TOKEN_LABEL, sizeof TOKEN_LABEL);   /* with its NUL */
	n = sizeof TOKEN_LABEL;
	msg[n++] = (unsigned char)(ts >> 24);
	msg[n++] = (unsigned char)(ts >> 16);
	msg[n++] = (unsigned char)(ts >> 8);
	msg[n++] = (unsigned char)ts;
	memcpy(msg + n, id, TOKEN_ID_LEN);
	n += TOKEN_ID_LEN;
	msg[n++] = 0;
	for (size_t i = 0; i < slen; i++)
		msg[n++] = (unsigned char)tolower((unsigned char)sender[i]);
	if (HMAC(EVP_sha256(), key, (int)keylen, msg, n, full, &fulllen) == NULL ||
	    fulllen < TOKEN_MAC_LEN)
		return -1;
	memcpy(mac, full, TOKEN_MAC_LEN);
	return 0;
}

int token_make(const unsigned char *key, size_t keylen, const char *id,
	const char *sender, uint32_t ts, char *out, size_t outlen)
{
	unsigned char mac[TOKEN_MAC_LEN];
	size_t n;

	if (outlen < TOKEN_TEXT_LEN + 1 || strlen(id) != TOKEN_ID_LEN)
		return -1;
	for (const char *p = id; *p; p++)
		if (!ishexl((unsigned char)*p))
			return -1;
	if (compute_mac(key, keylen, ts, id, sender, mac) < 0)
		return -1;
	n = (size_t)snprintf(out, outlen, "%08x%s", (unsigned)ts, id);
	for (size_t i = 0; i < TOKEN_MAC_LEN; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%02x", mac[i]);
	return n == TOKEN_TEXT_LEN ? 0 : -1;
}

int token_parse(const char *s, size_t len, token_fields *out)
{
	memset(out, 0, sizeof *out);
	if (s == NULL || len != TOKEN_TEXT_LEN)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!ishexl((unsigned char)s[i]))
			return -1;
	for (size_t i = 0; i < 8; i++)
		out->ts = (out->ts << 4) | (uint32_t)hexval(s[i]);
	memcpy(out->id, s + 8, TOKEN_ID_LEN);
	out->id[TOKEN_ID_LEN] = 0;
	for (size_t i = 0; i < TOKEN_MAC_LEN; i++)
		out->mac[i] = (unsigned char)(hexval(s[8 + TOKEN_ID_LEN + 2 * i]) << 4 |
		    hexval(s[8 + TOKEN_ID_LEN + 2 * i + 1]));
	return 0;
}

token_status token_verify(const unsigned char *key, size_t keylen,
	const token_fields *f, const char *sender, uint32_t now, uint32_t maxage)
{
	unsigned char mac[TOKEN_MAC_LEN];

	if (compute_mac(key, keylen, f->ts, f->id, sender, mac) < 0)
		return TOKEN_MALFORMED;
	/* constant time: the MAC is the only secret-dependent comparison */
	if (CRYPTO_memcmp(mac, f->mac, TOKEN_MAC_LEN) != 0)
		return TOKEN_FORGED;
	if (f->ts > now && f->ts - now > TOKEN_SKEW)
		return TOKEN_FUTURE;
	if (now > f->ts && now - f->ts > maxage)
		return TOKEN_EXPIRED;
	return TOKEN_OK;
}

int token_from_address(const char *addr, const char *prefix, char *out, size_t outlen)
{
	size_t pl = strlen(prefix);
	const char *at, *tok;

	if (outlen)
		out[0] = 0;
	if (addr == NULL || strncasecmp(addr, prefix, pl) != 0 || addr[pl] != '+')
		return -1;
	tok = addr + pl + 1;
	at = strrchr(tok, '@');
	if (at == NULL)
		at = tok + strlen(tok);
	if ((size_t)(at - tok) + 1 > outlen || at == tok)
		return -1;
	memcpy(out, tok, (size_t)(at - tok));
	out[at - tok] = 0;
	/* Postfix may hand the address on in lower case only; tokens are
	 * lowercase hex, so fold any case a relay introduced. */
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

int token_load_key(const char *path, unsigned char *key, size_t keymax, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(key, 1, keymax, f);
	if (n == keymax && fgetc(f) != EOF) {
		fclose(f);
		snprintf(err, errlen, "%s: secret longer than %zu octets", path, keymax);
		return -1;
	}
	fclose(f);
	while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r'))
		n--;
	if (n < TOKEN_KEY_MIN) {
		snprintf(err, errlen, "%s: secret shorter than %d octets", path, TOKEN_KEY_MIN);
		return -1;
	}
	return (int)n;
}

const char *token_status_str(token_status s)
{
	switch (s) {
	case TOKEN_OK: return "ok";
	case TOKEN_MALFORMED: return "malformed";
	case TOKEN_FORGED: return "forged";
	case TOKEN_EXPIRED: return "expired";
	case TOKEN_FUTURE: return "future";
	}
	return "?";
}
