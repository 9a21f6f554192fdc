/*
 * libFuzzer target for the responder's octet helpers (responder/rtext.c),
 * checking meaning: rtext_crlf keeps every octet that is not a line end, in
 * order, and leaves no bare CR or LF (so its output of a NUL-free input
 * with short lines is SMTP-safe); rtext_utf8_len accepts exactly what a
 * plain RFC 3629 decoder written here accepts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../responder/rtext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 3629 by its table (section 4), for comparison. */
static size_t ref_utf8(const uint8_t *p, size_t n)
{
	static const struct { uint8_t lo0, hi0, lo1, hi1; size_t k; } t[] = {
		{ 0x00, 0x7f, 0, 0, 1 }, { 0xc2, 0xdf, 0x80, 0xbf, 2 }, { 0xe0, 0xe0, 0xa0, 0xbf, 3 },
		{ 0xe1, 0xec, 0x80, 0xbf, 3 }, { 0xed, 0xed, 0x80, 0x9f, 3 }, { 0xee, 0xef, 0x80, 0xbf, 3 },
		{ 0xf0, 0xf0, 0x90, 0xbf, 4 }, { 0xf1, 0xf3, 0x80, 0xbf, 4 }, { 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};
	if (n == 0)
		return 0;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (p[0] < t[i].lo0 || p[0] > t[i].hi0)
			continue;
		if (n < t[i].k)
			return 0;
		if (t[i].k > 1 && (p[1] < t[i].lo1 || p[1] > t[i].hi1))
			return 0;
		for (size_t j = 2; j < t[i].k; j++)
			if (p[j] < 0x80 || p[j] > 0xbf)
				return 0;
		return t[i].k;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0, i = 0, j = 0;
	char *o = rtext_crlf((const char *)data, size, &n);

	if (o == NULL)
		abort();
	/* the same octets apart from line ends, in the same order */
	for (;;) {
		while (i < size && (data[i] == '\r' || data[i] == '\n'))
			i++;
		while (j < n && (o[j] == '\r' || o[j] == '\n'))
			j++;
		if (i == size || j == n)
			break;
		if ((char)data[i] != o[j])
			abort();
		i++, j++;
	}
	if (i != size || j != n)
		abort();
	/* no bare CR or LF left */
	for (size_t k = 0; k < n; k++)
		if ((o[k] == '\r' && (k + 1 == n || o[k + 1] != '\n')) || (o[k] == '\n' && (k == 0 || o[k - 1] != '\r')))
			abort();
	if (memchr(data, 0, size) == NULL && rtext_longest_line((const char *)data, size) <= RTEXT_LINE_MAX &&
	    !rtext_smtp_safe(o, n))
		abort();
	free(o);
	for (size_t k = 0; k < size; k++)
		if (rtext_utf8_len((const char *)data + k, size - k) != ref_utf8(data + k, size - k))
			abort();
	return 0;
}
