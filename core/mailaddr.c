/*
 * mailaddr: addresses from untrusted input.
 * - SMTP paths: RFC 5321 4.1.2 (Path, Mailbox, Dot-string, Quoted-string,
 *   address literals of 4.1.3), source routes accepted and ignored (4.1.2,
 *   appendix C), length limits of 4.5.3.1, UTF-8 local parts of RFC 6531.
 * - The From field: RFC 5322 3.4 and 3.6.2, groups as RFC 6854 allows them
 *   in From, the obsolete syntax of RFC 5322 4.4 (CFWS around dots, empty
 *   list elements, routes in angle addresses, obs-phrase), UTF-8 of RFC 6532.
 * NUL, bare CR or LF, and malformed UTF-8 inside an address are syntax
 * errors rather than skipped: parsers that skip or truncate there are how the
 * From bypasses of CVE-2019-16378 and CVE-2021-34555 work.  8-bit junk is
 * tolerated only where it cannot change which address is meant (display
 * names, comments, quoted display text).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mailaddr.h"
#include "str.h"

/* RFC 5321 4.5.3.1.4: a command line is at most 512 octets, so no path in
 * one is longer; a bound for untrusted input, not a judgement. */
#define MAILADDR_LINE_MAX 512

static int is_atext(unsigned char c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Length of the well-formed UTF-8 sequence of a non-ASCII character at p
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or
 * 0 if malformed. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n;
	unsigned char c = p[0];
	unsigned lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

static int utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		size_t l = utf8_len(p, end);
		if (l == 0)
			return 0;
		p += l;
	}
	return 1;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* ---------- SMTP paths (RFC 5321) ---------- */

/* Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str]. */
static int smtp_domain(const char *p, size_t n, char *out, size_t outlen, char *err, size_t errlen)
{
	size_t lab = 0;
	if (n == 0) {
		str_err(err, errlen, "empty domain");
		return -1;
	}
	if (n > DNS_TEXT_MAX || n >= outlen) {
		str_err(err, errlen, "domain longer than %d octets", DNS_TEXT_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '.') {
			if (lab == 0 || p[i - 1] == '-') {
				str_err(err, errlen, "empty label or label ending in '-' in domain");
				return -1;
			}
			lab = 0;
		} else if (isalnum(c) || (c == '-' && lab > 0)) {
			if (++lab > DNS_LABEL_MAX) {
				str_err(err, errlen, "domain label longer than %d octets", DNS_LABEL_MAX);
				return -1;
			}
		} else {
			str_err(err, errlen, c >= 0x80 ? "non-ASCII domain (IDNA U-labels are not supported)"
			    : "invalid character 0x%02x in domain", c);
			return -1;
		}
	}
	if (lab == 0 || p[n - 1] == '-') {
		str_err(err, errlen, "domain ends in '.' or '-'");
		return -1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	lower(out);
	return 0;
}

/* address-literal (RFC 5321 4.1.3), brackets included in p. */
static int smtp_literal(const char *p, size_t n, char *out, size_t outlen, char *err, size_t errlen)
{
	char in[DNS_TEXT_MAX + 1];
	unsigned char b[16];
	if (n < 3 || p[n - 1] != ']' || n - 2 >= sizeof in || n >= outlen) {
		str_err(err, errlen, "bad address literal");
		return -1;
	}
	memcpy(in, p + 1, n - 2);
	in[n - 2] = '\0';
	if (strncasecmp(in, "IPv6:", 5) == 0) {
		if (inet_pton(AF_INET6, in + 5, b) != 1) {
			str_err(err, errlen, "bad IPv6 address literal");
			return -1;
		}
	} else if (isdigit((unsigned char)in[0])) {
		if (inet_pton(AF_INET, in, b) != 1) {
			str_err(err, errlen, "bad IPv4 address literal");
			return -1;
		}
	} else {
		/* General-address-literal = Standardized-tag ":" 1*dcontent */
		char *colon = strchr(in, ':');
		if (colon == NULL || colon == in || colon[1] == '\0') {
			str_err(err, errlen, "bad address literal");
			return -1;
		}
		for (char *c = in; c < colon; c++)
			if (!isalnum((unsigned char)*c) && *c != '-') {
				str_err(err, errlen, "bad address literal tag");
				return -1;
			}
		for (char *c = colon + 1; *c; c++)
			if (*c < 33 || *c > 126 || *c == '[' || *c == '\\') {
				str_err(err, errlen, "bad character in address literal");
				return -1;
			}
	}
	memcpy(out, p, n);
	out[n] = '\0';
	lower(out);
	return 0;
}

/* Mailbox = Local-part "@" ( Domain / address-literal ), all of p..p+n. */
static int smtp_mailbox(const char *p, size_t n, mailaddr *out, char *err, size_t errlen)
{
	size_t i = 0, content = 0;
	const unsigned char *u = (const unsigned char *)p, *end = u + n;
	if (n > 0 && p[0] == '"') {
		for (i = 1; i < n && p[i] != '"'; i++, content++) {
			unsigned char c = u[i];
			if (c == '\\') {
				/* quoted-pairSMTP = %d92 %d32-126 */
				if (i + 1 >= n || u[i + 1] < 32 || u[i + 1] > 126) {
					str_err(err, errlen, "bad quoted pair in local part");
					return -1;
				}
				i++;
			} else if (c >= 0x80) {
				size_t l = utf8_len(u + i, end);
				if (l == 0) {
					str_err(err, errlen, "malformed UTF-8 in local part");
					return -1;
				}
				i += l - 1;
				content += l - 1;
			} else if (c < 32 || c > 126) {
				str_err(err, errlen, "control character in local part");
				return -1;
			}
		}
		if (i >= n) {
			str_err(err, errlen, "unterminated quoted local part");
			return -1;
		}
		i++;   /* closing quote */
	} else {
		/* Dot-string = Atom *("." Atom) */
		size_t atom = 0;
		for (; i < n && p[i] != '@'; i++, content++) {
			unsigned char c = u[i];
			if (c == '.') {
				if (atom == 0) {
					str_err(err, errlen, "empty atom in local part");
					return -1;
				}
				atom = 0;
			} else if (is_atext(c)) {
				atom++;
			} else if (c >= 0x80) {
				size_t l = utf8_len(u + i, end);
				if (l == 0) {
					str_err(err, errlen, "malformed UTF-8 in local part");
					return -1;
				}
				i += l - 1;
				content += l - 1;
				atom++;
			} else {
				str_err(err, errlen, "invalid character 0x%02x in local part", c);
				return -1;
			}
		}
		if (atom == 0) {
			str_err(err, errlen, i == 0 ? "empty local part" : "local part ends in '.'");
			return -1;
		}
	}
	if (i >= n || p[i] != '@') {
		str_err(err, errlen, "no '@' after the local part");
		return -1;
	}
	if (content > MAILADDR_LOCAL_MAX || i >= sizeof out->local) {
		str_err(err, errlen, "local part longer than %d octets (RFC 5321 4.5.3.1.1)", MAILADDR_LOCAL_MAX);
		return -1;
	}
	memcpy(out->local, p, i);
	out->local[i] = '\0';
	i++;
	if (i < n && p[i] == '[')
		return smtp_literal(p + i, n - i, out->domain, sizeof out->domain, err, errlen);
	return smtp_domain(p + i, n - i, out->domain, sizeof out->domain, err, errlen);
}

int mailaddr_parse_path(const char *s, mailaddr *out, char *err, size_t errlen)
{
	mailaddr tmp;
	if (out == NULL)
		out = &tmp;
	memset(out, 0, sizeof *out);
	if (s == NULL) {
		str_err(err, errlen, "no path");
		return -1;
	}
	size_t n = strnlen(s, MAILADDR_LINE_MAX + 1);
	if (n > MAILADDR_LINE_MAX) {
		str_err(err, errlen, "path longer than %d octets", MAILADDR_LINE_MAX);
		return -1;
	}
	/* Tolerate blanks around the path (policy delegation, milter args). */
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return 0;   /* "sender=" of a null sender in policy delegation */
	if (s[0] == '<') {
		if (n < 2 || s[n - 1] != '>') {
			str_err(err, errlen, "'<' without '>'");
			return -1;
		}
		s++;
		n -= 2;
		if (n == 0)
			return 0;   /* "<>" */
		if (s[0] == '@') {
			/* A-d-l ":" : source route, to be ignored (RFC 5321 4.1.2). */
			const char *colon = memchr(s, ':', n);
			char dom[DNS_TEXT_MAX + 1];
			if (colon == NULL) {
				str_err(err, errlen, "source route without ':'");
				return -1;
			}
			const char *q = s;
			while (q < colon) {
				if (*q != '@') {
					str_err(err, errlen, "bad source route");
					return -1;
				}
				const char *e = memchr(q, ',', (size_t)(colon - q));
				if (e == NULL)
					e = colon;
				if (smtp_domain(q + 1, (size_t)(e - q - 1), dom, sizeof dom, err, errlen) < 0)
					return -1;
				q = e < colon ? e + 1 : colon;
			}
			n -= (size_t)(colon + 1 - s);
			s = colon + 1;
		}
	} else if (memchr(s, '>', n) != NULL) {
		str_err(err, errlen, "'>' without '<'");
		return -1;
	}
	if (smtp_mailbox(s, n, out, err, errlen) < 0) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	return 1;
}

/* ---------- the From field (RFC 5322) ---------- */

typedef enum { T_END, T_ATOM, T_QSTR, T_DLIT, T_SPEC } tok_kind;

typedef struct tok {
	tok_kind k;
	const char *p;     /* the token as written (quotes/brackets included) */
	size_t n;
	char c;            /* T_SPEC: the character */
} tok;

typedef struct parser {
	const unsigned char *p, *end;
	tok cur;
	int count;
	mailaddr *first;
	char *err;
	size_t errlen;
	int failed;
} parser;

__attribute__((format(printf, 2, 3)))
static int fail(parser *ps, const char *fmt, ...)
{
	va_list ap;
	if (!ps->failed && ps->err && ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	ps->failed = 1;
	return -1;
}

/* A line break at p: returns its length (CRLF or a bare LF, as
 * received by a milter), 0 if none. */
static size_t linebreak(const parser *ps, const unsigned char *p)
{
	if (p < ps->end && *p == '\n')
		return 1;
	if (p + 1 < ps->end && p[0] == '\r' && p[1] == '\n')
		return 2;
	return 0;
}

/* Folding white space at ps->p: WSP, or a line break followed by WSP
 * (RFC 5322 3.2.2, obs-FWS 4.2).  A line break that ends the value is
 * tolerated; one followed by anything else is an error. */
static int skip_fws(parser *ps, int *any)
{
	*any = 0;
	for (;;) {
		size_t lb;
		if (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t')) {
			ps->p++;
			*any = 1;
		} else if ((lb = linebreak(ps, ps->p)) > 0) {
			const unsigned char *q = ps->p + lb;
			if (q < ps->end && (*q == ' ' || *q == '\t')) {
				ps->p = q;
				*any = 1;
				continue;
			}
			/* Only trailing white space and line ends may follow. */
			while (q < ps->end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
				q++;
			if (q != ps->end)
				return fail(ps, "line break not followed by white space (unfolded header)");
			ps->p = q;
			*any = 1;
		} else
			return 0;
	}
}

/* A comment (RFC 5322 3.2.2), nested; at ps->p == '('. */
static int skip_comment(parser *ps)
{
	size_t depth = 0;
	int ws;
	do {
		if (ps->p >= ps->end)
			return fail(ps, "unterminated comment");
		unsigned char c = *ps->p;
		if (c == '(') {
			depth++;
			ps->p++;
		} else if (c == ')') {
			depth--;
			ps->p++;
		} else if (c == '\\') {
			if (ps->p + 1 >= ps->end || ps->p[1] == '\0' || ps->p[1] == '\r' || ps->p[1] == '\n')
				return fail(ps, "bad quoted pair in comment");
			ps->p += 2;
		} else if (c == '\r' || c == '\n' || c == ' ' || c == '\t') {
			if (skip_fws(ps, &ws) < 0)
				return -1;
			if (!ws)
				return fail(ps, "bare CR or LF in comment");
		} else if (c == '\0') {
			return fail(ps, "NUL in comment");
		} else
			ps->p++;   /* ctext, obs-ctext, 8-bit text: not part of an address */
	} while (depth > 0);
	return 0;
}

static int skip_cfws(parser *ps)
{
	int ws;
	for (;;) {
		if (skip_fws(ps, &ws) < 0)
			return -1;
		if (ps->p < ps->end && *ps->p == '(') {
			if (skip_comment(ps) < 0)
				return -1;
			continue;
		}
		return 0;
	}
}

/* The body of a quoted string or domain literal up to the closing
 * character; ps->p is just past the opening one. */
static int scan_quoted(parser *ps, unsigned char close, const char *what)
{
	int ws;
	for (;;) {
		if (ps->p >= ps->end)
			return fail(ps, "unterminated %s", what);
		unsigned char c = *ps->p;
		if (c == close) {
			ps->p++;
			return 0;
		}
		if (c == '\\') {
			if (ps->p + 1 >= ps->end || ps->p[1] == '\0' || ps->p[1] == '\r' || ps->p[1] == '\n')
				return fail(ps, "bad quoted pair in %s", what);
			ps->p += 2;
		} else if (c == '\r' || c == '\n') {
			if (skip_fws(ps, &ws) < 0)
				return -1;
			if (!ws)
				return fail(ps, "bare CR or LF in %s", what);
		} else if (c == '\0') {
			return fail(ps, "NUL in %s", what);
		} else if (close == ']' && c == '[') {
			return fail(ps, "'[' in domain literal");
		} else
			ps->p++;
	}
}

static int next(parser *ps)
{
	tok *t = &ps->cur;
	if (skip_cfws(ps) < 0)
		return -1;
	memset(t, 0, sizeof *t);
	if (ps->p >= ps->end) {
		t->k = T_END;
		return 0;
	}
	const unsigned char *s = ps->p;
	unsigned char c = *s;
	t->p = (const char *)s;
	if (c == '"') {
		ps->p++;
		if (scan_quoted(ps, '"', "quoted string") < 0)
			return -1;
		t->k = T_QSTR;
	} else if (c == '[') {
		ps->p++;
		if (scan_quoted(ps, ']', "domain literal") < 0)
			return -1;
		t->k = T_DLIT;
	} else if (c == '<' || c == '>' || c == ':' || c == ';' || c == '@' || c == ',' || c == '.') {
		ps->p++;
		t->k = T_SPEC;
		t->c = (char)c;
	} else if (is_atext(c) || c >= 0x80) {
		while (ps->p < ps->end && (is_atext(*ps->p) || *ps->p >= 0x80))
			ps->p++;
		t->k = T_ATOM;
	} else if (c == '\0') {
		return fail(ps, "NUL in From field");
	} else if (c == ')' || c == ']' || c == '\\') {
		return fail(ps, "unexpected '%c'", c);
	} else {
		return fail(ps, "control character 0x%02x in From field", c);
	}
	t->n = (size_t)(ps->p - s);
	return 0;
}

static int is_spec(const parser *ps, char c)
{
	return ps->cur.k == T_SPEC && ps->cur.c == c;
}

/* Appends a token to a local part being built; CR and LF of folding
 * inside quoted strings are removed (unfolding, RFC 5322 3.2.2). */
static void local_add(char *buf, size_t cap, size_t *len, int *over, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r' || p[i] == '\n')
			continue;
		if (*len + 1 >= cap) {
			*over = 1;
			return;
		}
		buf[(*len)++] = p[i];
	}
	buf[*len] = '\0';
}

/* words: a run of atoms, quoted strings and dots (local-part, phrase,
 * obs-phrase, obs-local-part).  The local-part form is kept in buf. */
typedef struct words {
	size_t n;
	int first_word, last_word, adjacent, over;
	char buf[MAILADDR_LOCAL_MAX * 2 + 1];
	size_t len;
} words;

static int collect_words(parser *ps, words *w)
{
	int prev_word = 0, prev_dot = 0;
	memset(w, 0, sizeof *w);
	while (ps->cur.k == T_ATOM || ps->cur.k == T_QSTR || is_spec(ps, '.')) {
		int word = ps->cur.k != T_SPEC;
		if (w->n == 0)
			w->first_word = word;
		if ((word && prev_word) || (!word && prev_dot))
			w->adjacent = 1;
		prev_word = word;
		prev_dot = !word;
		local_add(w->buf, sizeof w->buf, &w->len, &w->over, ps->cur.p, ps->cur.n);
		w->n++;
		if (next(ps) < 0)
			return -1;
	}
	w->last_word = prev_word;
	return 0;
}

static int local_ok(parser *ps, const words *w)
{
	if (w->n == 0)
		return fail(ps, "empty local part");
	if (!w->first_word || !w->last_word || w->adjacent)
		return fail(ps, "malformed local part (words must be separated by single dots)");
	if (w->over)
		return fail(ps, "local part longer than %d octets", MAILADDR_LOCAL_MAX * 2);
	if (!utf8_valid(w->buf, w->len))
		return fail(ps, "malformed UTF-8 in local part");
	for (size_t i = 0; i < w->len; i++)
		if ((unsigned char)w->buf[i] < 32 ? w->buf[i] != '\t' : w->buf[i] == 127)
			return fail(ps, "control character in local part");
	return 0;
}

/* domain = dot-atom / domain-literal / obs-domain; cur is past '@'. */
static int parse_domain(parser *ps, char *out, size_t outlen)
{
	char buf[DNS_TEXT_MAX + 2];
	size_t len = 0;
	int over = 0;
	if (ps->cur.k == T_DLIT) {
		local_add(buf, sizeof buf, &len, &over, ps->cur.p, ps->cur.n);
		if (over)
			return fail(ps, "domain literal too long");
		/* Folding white space inside the literal is not part of it. */
		size_t o = 0;
		for (size_t i = 0; i < len; i++)
			if (buf[i] != ' ' && buf[i] != '\t')
				buf[o++] = buf[i];
		buf[o] = '\0';
		if (!utf8_valid(buf, o))
			return fail(ps, "malformed UTF-8 in domain literal");
		snprintf(out, outlen, "%s", buf);
		lower(out);
		return next(ps);
	}
	for (;;) {
		if (ps->cur.k != T_ATOM)
			return fail(ps, len ? "domain ends in '.' or has an empty label" : "no domain after '@'");
		local_add(buf, sizeof buf, &len, &over, ps->cur.p, ps->cur.n);
		if (next(ps) < 0)
			return -1;
		if (!is_spec(ps, '.'))
			break;
		local_add(buf, sizeof buf, &len, &over, ".", 1);
		if (next(ps) < 0)
			return -1;
	}
	if (over)
		return fail(ps, "domain longer than %d octets", DNS_TEXT_MAX);
	char why[96];
	if (dns_name_normalize(buf, out, outlen, why, sizeof why) < 0) {
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)buf[i] >= 0x80)
				return fail(ps, "non-ASCII domain (IDNA U-labels are not supported)");
		return fail(ps, "bad domain: %s", why);
	}
	return 0;
}

static int got_mailbox(parser *ps, const words *local, const char *domain)
{
	if (ps->count == 0 && ps->first) {
		snprintf(ps->first->local, sizeof ps->first->local, "%s", local->buf);
		snprintf(ps->first->domain, sizeof ps->first->domain, "%s", domain);
	}
	if (ps->count < 1 << 30)
		ps->count++;
	return 0;
}

/* addr-spec after the local part's words were collected; cur is '@'. */
static int finish_addr_spec(parser *ps, const words *w)
{
	char domain[DNS_TEXT_MAX + 1];
	if (local_ok(ps, w) < 0)
		return -1;
	if (next(ps) < 0)        /* past '@' */
		return -1;
	if (parse_domain(ps, domain, sizeof domain) < 0)
		return -1;
	return got_mailbox(ps, w, domain);
}

/* angle-addr / obs-angle-addr; cur is '<'. */
static int parse_angle(parser *ps)
{
	words w;
	char dom[DNS_TEXT_MAX + 1];
	if (next(ps) < 0)
		return -1;
	if (is_spec(ps, '@') || is_spec(ps, ',')) {
		/* obs-route = obs-domain-list ":" ; ignored (RFC 5322 4.4). */
		for (;;) {
			if (is_spec(ps, ',')) {
				if (next(ps) < 0)
					return -1;
				continue;
			}
			if (is_spec(ps, ':'))
				break;
			if (!is_spec(ps, '@'))
				return fail(ps, "malformed route in angle address");
			if (next(ps) < 0 || parse_domain(ps, dom, sizeof dom) < 0)
				return -1;
		}
		if (next(ps) < 0)
			return -1;
	}
	if (is_spec(ps, '>'))
		return fail(ps, "empty angle address");
	if (collect_words(ps, &w) < 0)
		return -1;
	if (!is_spec(ps, '@'))
		return fail(ps, "no '@' in angle address");
	if (finish_addr_spec(ps, &w) < 0)
		return -1;
	if (!is_spec(ps, '>'))
		return fail(ps, "angle address not closed by '>'");
	return next(ps);
}

/* address = mailbox / group (group only at the top level). */
static int parse_address(parser *ps, int allow_group)
{
	words w;
	if (collect_words(ps, &w) < 0)
		return -1;
	if (is_spec(ps, '@')) {
		if (w.n == 0)
			return fail(ps, "'@' without local part");
		return finish_addr_spec(ps, &w);
	}
	if (w.n > 0 && !w.first_word)
		return fail(ps, "display name starts with '.'");
	if (is_spec(ps, '<'))
		return parse_angle(ps);
	if (is_spec(ps, ':')) {
		if (!allow_group)
			return fail(ps, "group inside a group");
		if (w.n == 0)
			return fail(ps, "group without display name");
		if (next(ps) < 0)
			return -1;
		for (;;) {
			if (is_spec(ps, ';'))
				return next(ps);
			if (is_spec(ps, ',')) {
				if (next(ps) < 0)
					return -1;
				continue;
			}
			if (ps->cur.k == T_END)
				return fail(ps, "group not closed by ';'");
			if (parse_address(ps, 0) < 0)
				return -1;
			if (!is_spec(ps, ',') && !is_spec(ps, ';'))
				return fail(ps, "expected ',' or ';' after an address in a group");
		}
	}
	if (ps->cur.k == T_END && w.n > 0)
		return fail(ps, "no '@' in address");
	return fail(ps, "unexpected %s", ps->cur.k == T_END ? "end" : "character");
}

int mailaddr_parse_from(const char *value, size_t len, mailaddr *first, char *err, size_t errlen)
{
	parser ps;
	memset(&ps, 0, sizeof ps);
	if (first)
		memset(first, 0, sizeof *first);
	if (value == NULL) {
		str_err(err, errlen, "no From field");
		return 0;
	}
	ps.p = (const unsigned char *)value;
	ps.end = ps.p + len;
	ps.first = first;
	ps.err = err;
	ps.errlen = errlen;
	if (next(&ps) < 0)
		goto bad;
	while (ps.cur.k != T_END) {
		if (is_spec(&ps, ',')) {   /* obs-mbox-list: empty elements */
			if (next(&ps) < 0)
				goto bad;
			continue;
		}
		if (parse_address(&ps, 1) < 0)
			goto bad;
		if (ps.cur.k != T_END && !is_spec(&ps, ',')) {
			fail(&ps, "expected ',' after an address");
			goto bad;
		}
	}
	if (ps.count == 0)
		str_err(err, errlen, "no address in From field");
	return ps.count;
bad:
	if (first)
		memset(first, 0, sizeof *first);
	return -1;
}
