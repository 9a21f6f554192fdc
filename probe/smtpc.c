/*
 * smtpc: the SMTP client's reply parser.  RFC 5321 4.2 (reply syntax:
 * "DDD-" continues, "DDD " or "DDD" ends, the same code on every line),
 * 4.5.3.1.5 (a reply line is at most 512 octets with its CRLF), 4.1.1.1 and
 * 4.1.4 (EHLO keyword lines).  Everything kept is bounded and printable: the
 * parser is fed bytes an attacker controls.
 */
#include <string.h>
#include <strings.h>

#include "smtpc.h"

void smtpc_printable(char *out, size_t outlen, const char *in, size_t len)
{
	size_t o = 0;
	if (outlen == 0)
		return;
	for (size_t i = 0; i < len && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];
		out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[o] = 0;
}

/* Appends len bytes of s (made printable) to r->text, with " / " between
 * lines. */
static void add_text(smtpc_reply *r, const char *s, size_t len)
{
	size_t o = strlen(r->text);
	if (r->nlines > 1 && o + 3 < sizeof r->text) {
		memcpy(r->text + o, " / ", 3);
		o += 3;
		r->text[o] = 0;
	}
	if (o + 1 < sizeof r->text)
		smtpc_printable(r->text + o, sizeof r->text - o, s, len);
}

static unsigned ehlo_keyword(const char *s, size_t len)
{
	static const struct { const char *kw; unsigned bit; } kws[] = {
		{ "STARTTLS", SMTPC_EHLO_STARTTLS },
		{ "PIPELINING", SMTPC_EHLO_PIPELINING },
		{ "8BITMIME", SMTPC_EHLO_8BITMIME },
	};
	size_t k = 0;
	while (k < len && s[k] != ' ')
		k++;
	for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
		if (strlen(kws[i].kw) == k && strncasecmp(s, kws[i].kw, k) == 0)
			return kws[i].bit;
	return 0;
}

smtpc_status smtpc_parse(const char *buf, size_t len, smtpc_reply *r, size_t *used)
{
	size_t pos = 0;
	memset(r, 0, sizeof *r);
	*used = 0;
	for (;;) {
		if (r->nlines == SMTPC_LINES_MAX)
			return SMTPC_BAD;
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t avail = len - pos;
		if (nl == NULL)
			return avail >= SMTPC_LINE_MAX ? SMTPC_BAD : SMTPC_MORE;
		size_t end = (size_t)(nl - buf);         /* index of the LF */
		size_t llen = end - pos + 1;             /* with the line end */
		if (llen > SMTPC_LINE_MAX)
			return SMTPC_BAD;
		size_t tend = end > pos && buf[end - 1] == '\r' ? end - 1 : end;
		const char *l = buf + pos;
		size_t ll = tend - pos;
		if (ll < 3 || l[0] < '2' || l[0] > '5' || l[1] < '0' || l[1] > '9' ||
		    l[2] < '0' || l[2] > '9')
			return SMTPC_BAD;
		int code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
		if (r->nlines && code != r->code)
			return SMTPC_BAD;
		r->code = code;
		int more = 0;
		if (ll > 3) {
			if (l[3] == '-')
				more = 1;
			else if (l[3] != ' ')
				return SMTPC_BAD;
		}
		r->nlines++;
		const char *t = ll > 4 ? l + 4 : l + ll;
		size_t tl = ll > 4 ? ll - 4 : 0;
		add_text(r, t, tl);
		if (r->nlines > 1)
			r->ehlo |= ehlo_keyword(t, tl);
		pos = end + 1;
		if (!more) {
			*used = pos;
			return SMTPC_DONE;
		}
	}
}
