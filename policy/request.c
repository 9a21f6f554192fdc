/*
 * Parser of the Postfix policy delegation protocol's request (Postfix
 * SMTPD_POLICY_README, "Protocol description"): attribute lines
 * "name=value" ended by LF, the request ended by an empty line, and
 * "request=smtpd_access_policy" required.  Values may be UTF-8 (SMTPUTF8
 * senders, RFC 6531); anything else outside printable text is an error, as
 * is every bound exceeded, so a hostile client is recognised on the spot.
 */
#include <string.h>

#include "request.h"

#define PREQ_REQUEST "smtpd_access_policy"

void preq_init(preq *p)
{
	p->error = PREQ_OK;
	p->n = 0;
	p->len = 0;
	p->line_start = 0;
	p->total = 0;
	p->cr = 0;
	p->buf[0] = 0;
}

void preq_reset(preq *p)
{
	preq_init(p);
}

const char *preq_error_str(preq_error e)
{
	switch (e) {
	case PREQ_OK: return "ok";
	case PREQ_E_TOOBIG: return "oversized_request";
	case PREQ_E_LINE: return "line_too_long";
	case PREQ_E_ATTRS: return "too_many_attributes";
	case PREQ_E_NOEQ: return "line_without_equals";
	case PREQ_E_NAME: return "bad_attribute_name";
	case PREQ_E_DUP: return "duplicate_attribute";
	case PREQ_E_BINARY: return "binary_data";
	case PREQ_E_NOREQUEST: return "missing_request";
	case PREQ_E_BADREQUEST: return "unknown_request";
	}
	return "?";
}

/* RFC 3629 4: well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned lo = 0x80, hi = 0xbf;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		if (i + k >= n)   /* the sequence is cut short */
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xbf)
				return 0;
		i += k + 1;
	}
	return 1;
}

static preq_status fail(preq *p, preq_error e)
{
	p->error = e;
	return PREQ_ERROR;
}

/* A complete line is buf[line_start .. len) without its LF (and CR). */
static preq_status end_line(preq *p)
{
	char *line = p->buf + p->line_start;
	size_t n = p->len - p->line_start;

	if (n == 0) {   /* the empty line: the request is complete */
		const char *r = preq_get(p, "request");
		if (r == NULL)
			return fail(p, PREQ_E_NOREQUEST);
		if (strcmp(r, PREQ_REQUEST) != 0)
			return fail(p, PREQ_E_BADREQUEST);
		return PREQ_DONE;
	}
	char *eq = memchr(line, '=', n);
	if (eq == NULL)
		return fail(p, PREQ_E_NOEQ);
	size_t nl = (size_t)(eq - line);
	if (nl == 0 || nl > PREQ_NAME_MAX)
		return fail(p, PREQ_E_NAME);
	for (size_t i = 0; i < nl; i++) {
		char c = line[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return fail(p, PREQ_E_NAME);
	}
	if (!utf8_ok((const unsigned char *)eq + 1, n - nl - 1))
		return fail(p, PREQ_E_BINARY);
	if (p->n == PREQ_ATTRS_MAX)
		return fail(p, PREQ_E_ATTRS);
	*eq = 0;
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->buf + p->name[i], line) == 0)
			return fail(p, PREQ_E_DUP);
	p->name[p->n] = (unsigned short)p->line_start;
	p->value[p->n] = (unsigned short)(p->line_start + nl + 1);
	p->n++;
	p->buf[p->len++] = 0;   /* terminates the value; room is reserved */
	p->line_start = p->len;
	return PREQ_MORE;
}

preq_status preq_feed(preq *p, const char *data, size_t len, size_t *used)
{
	size_t i = 0;
	preq_status st = PREQ_MORE;

	if (p->error != PREQ_OK) {
		*used = 0;
		return PREQ_ERROR;
	}
	while (i < len) {
		unsigned char c = (unsigned char)data[i++];
		if (++p->total > PREQ_SIZE_MAX) {
			st = fail(p, PREQ_E_TOOBIG);
			break;
		}
		if (p->cr && c != '\n') {   /* CR only as part of CRLF */
			st = fail(p, PREQ_E_BINARY);
			break;
		}
		if (c == '\n') {
			p->cr = 0;
			st = end_line(p);
			if (st != PREQ_MORE)
				break;
			continue;
		}
		if (c == '\r') {
			p->cr = 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			st = fail(p, PREQ_E_BINARY);
			break;
		}
		if (p->len - p->line_start >= PREQ_LINE_MAX) {
			st = fail(p, PREQ_E_LINE);
			break;
		}
		/* total <= PREQ_SIZE_MAX bounds len, and buf has one octet more
		 * than that for the last NUL */
		p->buf[p->len++] = (char)c;
	}
	*used = i;
	return st;
}

const char *preq_get(const preq *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->buf + p->name[i], name) == 0)
			return p->buf + p->value[i];
	return NULL;
}

const char *preq_str(const preq *p, const char *name)
{
	const char *v = preq_get(p, name);
	return v ? v : "";
}
