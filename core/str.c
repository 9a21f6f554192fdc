/*
 * Bounded-string helpers: one error formatter and one printable copy
 * instead of a copy per module.
 */
#include <stdarg.h>
#include <stdio.h>

#include "str.h"

void str_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

void str_printable(char *out, size_t outlen, const char *s, size_t n)
{
	size_t o = 0;
	if (outlen == 0)
		return;
	for (size_t i = 0; i < n && o + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)s[i];
		out[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	out[o] = '\0';
}
