/*
 * Authentication-Results (RFC 8601): rendering our field value (2.2 syntax,
 * 2.7 methods and properties; RFC 6008 for header.b) and reading the
 * authserv-id of a received field (2.2, 5: to remove forged copies).
 *
 * Everything that reaches the output is printable US-ASCII: values from a
 * message or from DNS are quoted where RFC 2045's token does not hold them,
 * and any octet outside 0x20..0x7e becomes '?', so no input can end the
 * field or add one (the only line breaks are our own "\n\t" folds).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "authres.h"

#define AR_LINE_SOFT 78      /* RFC 5322 2.1.1: lines SHOULD stay under 78 */
#define AR_COMMENT_DEPTH 64  /* nesting accepted when skipping comments     */

typedef struct sbuf {
	char *p;
	size_t len, cap;
	size_t line;             /* octets on the current line */
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t c = b->cap ? b->cap : 256;
		while (c < b->len + n + 1)
			c *= 2;
		char *q = realloc(b->p, c);
		if (q == NULL)
			abort();
		b->p = q;
		b->cap = c;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	for (size_t i = 0; i < n; i++)
		b->line = s[i] == '\n' ? 0 : b->line + 1;
}

static void sb_str(sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* RFC 2045 5.1 tspecials. */
static int is_tspecial(int c)
{
	return c && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static int is_token_char(int c)
{
	return c > 0x20 && c < 0x7f && !is_tspecial(c);
}

static int is_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!is_token_char((unsigned char)*s))
			return 0;
	return 1;
}

/* RFC 5322 3.2.3 atext. */
static int is_atext(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static int is_dot_atom(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (!is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* A domain-name as RFC 8601 2.2 uses it: letters, digits, hyphens,
 * underscores in dot-separated labels. */
static int is_domain(const char *s, size_t n)
{
	if (n == 0 || n > DNS_TEXT_MAX || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (!isalnum(c) && c != '-' && c != '_')
			return 0;
	}
	return 1;
}

/* RFC 5322 3.2.4 quoted-string of s; octets that are not printable ASCII
 * become '?' (and tabs a space), '"' and '\' are quoted-pairs. */
static void sb_quoted(sbuf *b, const char *s)
{
	sb_put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char q[2] = { '\\', (char)c };
			sb_put(b, q, 2);
		} else if (c == '\t') {
			sb_put(b, " ", 1);
		} else if (c < 0x20 || c > 0x7e) {
			sb_put(b, "?", 1);
		} else {
			char o = (char)c;
			sb_put(b, &o, 1);
		}
	}
	sb_put(b, "\"", 1);
}

/* pvalue (RFC 8601 2.2): a value, or [local-part "@"] domain-name. */
static int pvalue_plain(const char *s);

static void sb_pvalue(sbuf *b, const char *s)
{
	if (pvalue_plain(s))
		sb_str(b, s);
	else
		sb_quoted(b, s);
}

/* Renders one element into a scratch buffer first so that the fold can
 * go before it when it would overrun the line. */
typedef void (*render_fn)(sbuf *, const char *);

static void sb_item(sbuf *b, const char *prefix, render_fn fn, const char *val)
{
	sbuf t = { 0 };
	sb_str(&t, prefix);
	fn(&t, val);
	if (b->line + 1 + t.len > AR_LINE_SOFT && b->line > 8)
		sb_put(b, "\n\t", 2);
	else
		sb_put(b, " ", 1);
	sb_put(b, t.p, t.len);
	free(t.p);
}

static void sb_raw(sbuf *b, const char *s)
{
	sb_str(b, s);
}

/* "; method=result" on a new line, then reason= if there is one. */
static void method(sbuf *b, const char *name, auth_result r, const char *reason)
{
	sb_put(b, ";\n\t", 3);
	sb_str(b, name);
	sb_put(b, "=", 1);
	sb_str(b, result_auth_str(r));
	if (reason && *reason)
		sb_item(b, "reason=", sb_quoted, reason);
}

/* The properties of one method.  Values that need quoting go last:
 * python3-authres (Debian's independent parser) accepts a quoted pvalue
 * only before ";" or the end and silently drops it elsewhere. */
typedef struct props {
	const char *name[6];
	char val[6][DNS_TEXT_MAX + 70];
	size_t n;
} props;

static int pvalue_plain(const char *s)
{
	const char *at = strrchr(s, '@');
	return is_token(s) || (at != NULL && is_domain(at + 1, strlen(at + 1)) &&
	    (at == s || is_dot_atom(s, (size_t)(at - s))));
}

static void prop_add(props *p, const char *name, const char *arr, size_t arrlen)
{
	size_t n = strnlen(arr, arrlen);
	if (n == 0 || p->n == sizeof p->name / sizeof p->name[0])
		return;
	if (n >= sizeof p->val[0])
		n = sizeof p->val[0] - 1;
	memcpy(p->val[p->n], arr, n);
	p->val[p->n][n] = '\0';
	p->name[p->n++] = name;
}
#define PROP(p, name, arr) prop_add(p, name, arr, sizeof arr)

static void props_emit(sbuf *b, const props *p)
{
	for (int quoted = 0; quoted < 2; quoted++)
		for (size_t i = 0; i < p->n; i++) {
			if (pvalue_plain(p->val[i]) == quoted)
				continue;
			char pre[40];
			snprintf(pre, sizeof pre, "%s=", p->name[i]);
			sb_item(b, pre, sb_pvalue, p->val[i]);
		}
}

/* Our own copy of the policy words (dmarc.c is another module's). */
static const char *policy_word(dmarc_policy p)
{
	switch (p) {
	case DMARC_P_NONE: return "none";
	case DMARC_P_QUARANTINE: return "quarantine";
	case DMARC_P_REJECT: return "reject";
	default: return NULL;
	}
}

/* A bounded copy: verdict fields are arrays, but be safe if one was
 * filled without a terminator. */
static const char *field(char *tmp, size_t tmplen, const char *arr, size_t arrlen)
{
	size_t n = strnlen(arr, arrlen);
	if (n >= tmplen)
		n = tmplen - 1;
	memcpy(tmp, arr, n);
	tmp[n] = '\0';
	return tmp;
}
#define FIELD(tmp, arr) field(tmp, sizeof tmp, arr, sizeof arr)

int authres_id_valid(const char *id)
{
	return id != NULL && strlen(id) <= DNS_TEXT_MAX && is_token(id);
}

char *authres_render(const authres_input *in)
{
	sbuf b = { 0 };
	char t[512];
	const char *id = in && in->authserv_id && *in->authserv_id ? in->authserv_id : "localhost";
	int any = 0;
	sb_put(&b, " ", 1);
	/* A token always: python3-authres refuses a quoted authserv-id. */
	for (size_t i = 0; i < DNS_TEXT_MAX && id[i]; i++) {
		char c = is_token_char((unsigned char)id[i]) ? id[i] : '_';
		sb_put(&b, &c, 1);
	}
	if (in == NULL) {
		sb_str(&b, "; none");
		return b.p;
	}
	if (in->iprev) {
		const iprev_verdict *v = in->iprev;
		props p = { .n = 0 };
		method(&b, "iprev", v->result, v->result == AUTH_PASS ? NULL : FIELD(t, v->reason));
		FIELD(t, v->name);
		if (*t && is_domain(t, strlen(t))) {
			/* the confirmed name, as a comment */
			char c[sizeof t + 2];
			snprintf(c, sizeof c, "(%s)", t);
			sb_item(&b, "", sb_raw, c);
		}
		PROP(&p, "policy.iprev", v->ip);
		props_emit(&b, &p);
		any = 1;
	}
	const spf_verdict *spf[2] = { in->spf_helo, in->spf_mailfrom };
	for (int i = 0; i < 2; i++) {
		const spf_verdict *v = spf[i];
		props p = { .n = 0 };
		if (v == NULL)
			continue;
		method(&b, "spf", v->result, v->result == AUTH_PASS ? NULL : FIELD(t, v->reason));
		/* smtp.helo: the HELO name; smtp.mailfrom: the address checked
		 * (postmaster@HELO for <>), else its domain (RFC 8601 2.7.2) */
		const char *at = strrchr(FIELD(t, v->identity), '@');
		if (i == 0 && v->domain[0])
			PROP(&p, "smtp.helo", v->domain);
		else if (i == 0 && at)
			prop_add(&p, "smtp.helo", at + 1, sizeof t - (size_t)(at + 1 - t));
		else if (i == 1 && v->identity[0])
			PROP(&p, "smtp.mailfrom", v->identity);
		else if (i == 1)
			PROP(&p, "smtp.mailfrom", v->domain);
		props_emit(&b, &p);
		any = 1;
	}
	if (in->dkim) {
		const dkimv_verdict *v = in->dkim;
		if (v->n == 0)
			method(&b, "dkim", AUTH_NONE, NULL);
		for (size_t i = 0; i < v->n && i < DKIMV_MAX_SIGS; i++) {
			const dkimv_sig *s = &v->sig[i];
			props p = { .n = 0 };
			method(&b, "dkim", s->result, FIELD(t, s->reason));
			/* d=, s= and a= that a token cannot hold are not a
			 * domain, selector or algorithm: left out (the reason
			 * says why the signature failed), so that header.b is
			 * the only value that may need quotes. */
			if (pvalue_plain(FIELD(t, s->domain)))
				PROP(&p, "header.d", s->domain);
			if (pvalue_plain(FIELD(t, s->selector)))
				PROP(&p, "header.s", s->selector);
			if (pvalue_plain(FIELD(t, s->algorithm)))
				PROP(&p, "header.a", s->algorithm);
			PROP(&p, "header.b", s->b);
			props_emit(&b, &p);
		}
		any = 1;
	}
	if (in->dmarc) {
		const dmarc_verdict *v = in->dmarc;
		props p = { .n = 0 };
		method(&b, "dmarc", v->result, v->result == AUTH_PASS ? NULL : FIELD(t, v->reason));
		PROP(&p, "header.from", v->from_domain);
		const char *pw = policy_word(v->applied);
		if (pw && v->result != AUTH_NONE) {
			char pol[16];
			snprintf(pol, sizeof pol, "%s", pw);
			PROP(&p, "policy.dmarc", pol);
		}
		props_emit(&b, &p);
		any = 1;
	}
	if (!any)
		sb_str(&b, "; none");
	return b.p;
}

/* Skips CFWS (RFC 5322 3.2.2): white space, line breaks of folds, and
 * nested comments with quoted-pairs.  Returns the new position, or len+1
 * if a comment is not closed. */
static size_t skip_cfws(const char *v, size_t len, size_t i)
{
	while (i < len) {
		char c = v[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			i++;
		} else if (c == '(') {
			int depth = 0;
			while (i < len) {
				c = v[i];
				if (c == '\\' && i + 1 < len)
					i += 2;
				else if (c == '(') {
					if (++depth > AR_COMMENT_DEPTH)
						return len + 1;
					i++;
				} else if (c == ')') {
					i++;
					if (--depth == 0)
						break;
				} else
					i++;
			}
			if (depth != 0)
				return len + 1;
		} else
			break;
	}
	return i;
}

int authres_authserv_id(const char *value, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;
	if (value == NULL || out == NULL || outlen == 0)
		return -1;
	out[0] = '\0';
	i = skip_cfws(value, len, 0);
	if (i >= len)
		return -1;
	if (value[i] == '"') {
		/* quoted-string: qtext and quoted-pairs up to the closing quote */
		for (i++; i < len && value[i] != '"'; i++) {
			unsigned char c = (unsigned char)value[i];
			if (c == '\\') {
				if (++i >= len)
					return -1;
				c = (unsigned char)value[i];
			} else if (c == '\r' || c == '\n') {
				continue;        /* a fold inside the quotes */
			}
			if (c == '\0' || c > 0x7e || (c < 0x20 && c != '\t'))
				return -1;
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)c;
		}
		if (i >= len || o == 0)
			return -1;
	} else {
		for (; i < len && is_token_char((unsigned char)value[i]); i++) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = value[i];
		}
		if (o == 0)
			return -1;
	}
	out[o] = '\0';
	return 0;
}
