/*
 * libFuzzer target for the SMTP client's reply parser (probe/smtpc.c):
 * replies are parsed one after another from the input as a server would
 * send them.  Meaning checks: a reply's code is the one its first three
 * bytes carry, every line of it starts with that code, it ends at a line
 * end, no line is over 512 octets (RFC 5321 4.5.3.1.5), the line count is
 * bounded, the kept text is printable only, and STARTTLS is seen only when
 * the reply's bytes spell it on a line after the first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int spelled_starttls(const char *b, size_t n)
{
	/* On a continuation or last line after the first: "\nDDD?STARTTLS". */
	for (size_t i = 0; i + 13 <= n; i++)
		if (b[i] == '\n' && strncasecmp(b + i + 5, "STARTTLS", 8) == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t pos = 0;
	for (int k = 0; k < 1000 && pos < size; k++) {
		smtpc_reply r;
		size_t used = 0;
		smtpc_status st = smtpc_parse(buf + pos, size - pos, &r, &used);
		if (st != SMTPC_DONE) {
			if (st == SMTPC_MORE && memchr(buf + pos, '\n', size - pos) == NULL &&
			    size - pos >= SMTPC_LINE_MAX)
				abort();   /* an overlong line must be refused, not waited on */
			break;
		}
		const char *b = buf + pos;
		if (used == 0 || used > size - pos || b[used - 1] != '\n')
			abort();
		int code = (b[0] - '0') * 100 + (b[1] - '0') * 10 + (b[2] - '0');
		if (r.code != code || r.code < 200 || r.code > 599)
			abort();
		if (r.nlines < 1 || r.nlines > SMTPC_LINES_MAX)
			abort();
		size_t lines = 0, ls = 0;
		for (size_t i = 0; i < used; i++)
			if (b[i] == '\n') {
				if (i - ls + 1 > SMTPC_LINE_MAX || memcmp(b + ls, b, 3) != 0)
					abort();
				lines++;
				ls = i + 1;
			}
		if (lines != r.nlines)
			abort();
		size_t tl = strlen(r.text);
		if (tl >= sizeof r.text)
			abort();
		for (size_t i = 0; i < tl; i++)
			if (r.text[i] < 0x20 || r.text[i] > 0x7e)
				abort();
		if ((r.ehlo & SMTPC_EHLO_STARTTLS) && !spelled_starttls(b, used))
			abort();
		pos += used;
	}
	char out[64];
	smtpc_printable(out, sizeof out, buf, size);
	for (size_t i = 0; out[i]; i++)
		if (out[i] < 0x20 || out[i] > 0x7e)
			abort();
	return 0;
}
