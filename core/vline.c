/*
 * The verdict-line reader: the inverse of daemon/vlog.c's writer (format
 * in docs/logging.md).  A plain left-to-right scanner, no regex, no
 * allocation, so that a summariser can read millions of lines a second and
 * a hostile line can at worst be refused.  The escaping read here is the
 * writer's: \\ and \" for backslash and quote, \xHH for octets outside
 * 0x20..0x7e; a value that is empty or holds a space, '=' or '"' is quoted.
 * So a line holding a control or 8-bit octet was not written by it and is
 * refused: what reaches a report is printable ASCII.
 */
#include <stdint.h>
#include <string.h>

#include "vline.h"

static int key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Checks that an escape sequence starts at s[i] (s[i] == '\\') and
 * returns its length, or 0 if malformed. */
static size_t escape_len(const char *s, size_t i, size_t len)
{
	if (i + 1 >= len)
		return 0;
	if (s[i + 1] == '\\' || s[i + 1] == '"')
		return 2;
	if (s[i + 1] == 'x' && i + 3 < len && hexval((unsigned char)s[i + 2]) >= 0 &&
	    hexval((unsigned char)s[i + 3]) >= 0)
		return 4;
	return 0;
}

/* A value from s[*pos]; sets p->val/vlen/quoted and advances *pos past it. */
static vline_status value(const char *s, size_t len, size_t *pos, vline_pair *p)
{
	size_t i = *pos, e;
	if (i < len && s[i] == '"') {
		p->quoted = 1;
		p->val = s + ++i;
		while (i < len && s[i] != '"') {
			if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
				return VLINE_BAD_VALUE;  /* the writer escapes these */
			if (s[i] == '\\') {
				if ((e = escape_len(s, i, len)) == 0)
					return VLINE_BAD_VALUE;
				i += e;
			} else
				i++;
		}
		if (i >= len)
			return VLINE_BAD_VALUE;          /* cut inside the quotes */
		p->vlen = (size_t)(s + i - p->val);
		*pos = i + 1;
		if (*pos < len && s[*pos] != ' ')
			return VLINE_BAD_VALUE;
		return VLINE_OK;
	}
	p->quoted = 0;
	p->val = s + i;
	while (i < len && s[i] != ' ') {
		if (s[i] == '"' || s[i] == '=' || (unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return VLINE_BAD_VALUE;          /* the writer quotes or escapes these */
		if (s[i] == '\\') {
			if ((e = escape_len(s, i, len)) == 0)
				return VLINE_BAD_VALUE;
			i += e;
		} else
			i++;
	}
	p->vlen = (size_t)(s + i - p->val);
	if (p->vlen == 0)
		return VLINE_BAD_VALUE;                  /* empty is written "" */
	*pos = i;
	return VLINE_OK;
}

/* The "ID:" start (the id is sanitised by the writer and holds no space,
 * but may hold ':'); returns the position after ": " or 0 if not one. */
static size_t id_part(const char *s, size_t len, vline *out)
{
	size_t i = 0;
	while (i < len && s[i] != ' ') {
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;                       /* the writer's id is printable */
		i++;
	}
	if (i < 2 || i + 1 >= len || s[i - 1] != ':')
		return 0;
	out->id = s;
	out->idlen = i - 1;
	return i + 1;
}

vline_status vline_parse(const char *s, size_t len, vline *out)
{
	size_t i, k;
	uint64_t seen = 0, bit;
	vline tmp;
	if (len > 0 && s[len - 1] == '\r')
		len--;
	tmp.n = 0;
	if ((i = id_part(s, len, &tmp)) == 0)
		return VLINE_NOT_VERDICT;
	/* the first token must look like a key: "QID: reply A: ..." is a
	 * plain message of the same program */
	for (k = i; k < len && key_char((unsigned char)s[k]); k++)
		;
	if (k == i || k >= len || s[k] != '=')
		return VLINE_NOT_VERDICT;
	while (i < len) {
		vline_pair *p;
		vline_status st;
		if (tmp.n == VLINE_MAX_PAIRS)
			return VLINE_TOO_MANY;
		p = &tmp.pair[tmp.n];
		p->key = s + i;
		while (i < len && key_char((unsigned char)s[i]))
			i++;
		p->klen = (size_t)(s + i - p->key);
		if (p->klen == 0 || p->klen > VLINE_KEY_MAX || i >= len || s[i] != '=')
			return VLINE_BAD_KEY;
		/* a key twice: a 64-bit filter on (first octet, length) keeps
		 * the quadratic comparison for the rare candidates */
		bit = 1ull << (((unsigned char)p->key[0] * 7u + (unsigned)p->klen) & 63);
		if (seen & bit)
			for (k = 0; k < tmp.n; k++)
				if (tmp.pair[k].klen == p->klen && memcmp(tmp.pair[k].key, p->key, p->klen) == 0)
					return VLINE_DUP_KEY;
		seen |= bit;
		i++;
		if ((st = value(s, len, &i, p)) != VLINE_OK)
			return st;
		tmp.n++;
		if (i < len) {           /* exactly one space between pairs */
			if (s[i] != ' ' || i + 1 >= len)
				return VLINE_BAD_KEY;
			i++;
		}
	}
	memcpy(out, &tmp, offsetof(vline, pair) + tmp.n * sizeof tmp.pair[0]);
	return VLINE_OK;
}

const char *vline_getn(const vline *v, const char *key, size_t klen, size_t *vlen)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->pair[i].klen == klen && memcmp(v->pair[i].key, key, klen) == 0) {
			if (vlen)
				*vlen = v->pair[i].vlen;
			return v->pair[i].val;
		}
	return NULL;
}

const char *vline_get(const vline *v, const char *key, size_t *vlen)
{
	return vline_getn(v, key, strlen(key), vlen);
}

long vline_unescape(const char *in, size_t inlen, char *out, size_t outlen)
{
	size_t i = 0, o = 0;
	while (i < inlen) {
		unsigned char c = (unsigned char)in[i];
		if (c == '\\') {
			size_t e = escape_len(in, i, inlen);
			if (e == 0)
				return -1;
			c = e == 2 ? (unsigned char)in[i + 1] :
			    (unsigned char)(hexval((unsigned char)in[i + 2]) * 16 + hexval((unsigned char)in[i + 3]));
			i += e;
		} else
			i++;
		if (o >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	return (long)o;
}

const char *vline_status_str(vline_status s)
{
	switch (s) {
	case VLINE_OK: return "ok";
	case VLINE_NOT_VERDICT: return "not a verdict line";
	case VLINE_BAD_KEY: return "malformed key";
	case VLINE_BAD_VALUE: return "malformed value";
	case VLINE_TOO_MANY: return "too many pairs";
	case VLINE_DUP_KEY: return "key given twice";
	}
	return "?";
}
