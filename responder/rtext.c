/*
 * Octet-level helpers of the responder's messages (see rtext.h): CRLF
 * canonicalisation (RFC 5322 2.1), the 998-octet line bound (RFC 5321
 * 4.5.3.1.6, RFC 5322 2.1.1), UTF-8 sequence lengths (RFC 3629 4).
 */
#include <stdlib.h>
#include <string.h>

#include "rtext.h"

char *rtext_crlf(const char *s, size_t n, size_t *outlen)
{
	char *out = malloc(2 * n + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			out[o++] = '\r';
			out[o++] = '\n';
			if (i + 1 < n && s[i + 1] == '\n')
				i++;
		} else if (s[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
		} else
			out[o++] = s[i];
	}
	out[o] = 0;
	*outlen = o;
	return out;
}

size_t rtext_longest_line(const char *s, size_t n)
{
	size_t longest = 0, cur = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' || s[i] == '\r') {
			cur = 0;
			continue;
		}
		if (++cur > longest)
			longest = cur;
	}
	return longest;
}

int rtext_smtp_safe(const char *s, size_t n)
{
	if (memchr(s, 0, n) != NULL || rtext_longest_line(s, n) > RTEXT_LINE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((s[i] == '\r') != (i + 1 < n && s[i] == '\r' && s[i + 1] == '\n') ||
		    (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')))
			return 0;
	return 1;
}

size_t rtext_utf8_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k;
	unsigned cp;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		k = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		k = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		k = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}
