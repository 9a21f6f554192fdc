/*
 * Authentication-Results (RFC 8601): rendering our field value (2.2 syntax,
 * 2.7 methods and properties; RFC 6008 for header.b) and the one parser of
 * a received field (2.2: authserv-id, version, resinfo with reasonspec and
 * propspec; RFC 5322 3.2.1 quoted-pairs, 3.2.2 CFWS with nested comments,
 * 3.2.4 quoted-strings; RFC 2045 5.1 token and value; RFC 6532 3.2 UTF-8
 * in comments and quoted-strings), used to remove forged copies of our
 * field (5) and to read our own results back.
 *
 * Everything the renderer writes is printable US-ASCII: values from a
 * message or from DNS are quoted where RFC 2045's token does not hold them,
 * and any octet outside 0x20..0x7e becomes '?', so no input can end the
 * field or add one (the only line breaks are our own "\n\t" folds).
 *
 * The parser is a single left-to-right pass: a comment is skipped with a
 * depth counter (no recursion, no nesting limit), a quoted-string ends
 * only at an unescaped '"', so nothing inside either can become a result.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "authres.h"

#define AR_LINE_SOFT 78      /* RFC 5322 2.1.1: lines SHOULD stay under 78 */

/* ---------- character classes ---------- */

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

/* RFC 5322 3.2.3 atext (ASCII only: isalnum of the C locale). */
static int is_atext(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
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

static int is_ldh(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* A domain-name as RFC 8601 2.2 uses it: letters, digits, hyphens,
 * underscores in dot-separated labels. */
static int is_domain_char(int c)
{
	return is_ldh(c) || c == '_' || c == '.';
}

static int is_domain(const char *s, size_t n)
{
	if (n == 0 || n > DNS_TEXT_MAX || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (!is_domain_char(c))
			return 0;
	}
	return 1;
}

/* pvalue (RFC 8601 2.2) written as it is: a token, or [local-part "@"]
 * domain-name with a dot-atom local part. */
static int pvalue_plain(const char *s)
{
	const char *at = strrchr(s, '@');
	return is_token(s) || (at != NULL && is_domain(at + 1, strlen(at + 1)) &&
	    (at == s || is_dot_atom(s, (size_t)(at - s))));
}

/* ---------- rendering ---------- */

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

static void sb_pvalue(sbuf *b, const char *s)
{
	if (pvalue_plain(s))
		sb_str(b, s);
	else
		sb_quoted(b, s);
}

size_t authres_pvalue(char *out, size_t outlen, const char *v)
{
	sbuf b = { 0 };
	sb_pvalue(&b, v ? v : "");
	if (outlen > 0) {
		size_t n = b.len < outlen ? b.len : outlen - 1;
		memcpy(out, b.p, n);
		out[n] = '\0';
	}
	size_t len = b.len;
	free(b.p);
	return len;
}

/* A Keyword (RFC 8601 2.2: letters, digits, '-' not last) as it is; other
 * octets become 'x' so that the field stays one that parses. */
static void sb_keyword(sbuf *b, const char *s)
{
	if (s == NULL || *s == '\0') {
		sb_put(b, "x", 1);
		return;
	}
	for (; *s; s++) {
		char c = is_ldh((unsigned char)*s) && !(*s == '-' && s[1] == '\0') ? *s : 'x';
		sb_put(b, &c, 1);
	}
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

static void sb_id(sbuf *b, const char *id, unsigned version)
{
	id = id && *id ? id : "localhost";
	sb_put(b, " ", 1);
	/* A token always: python3-authres refuses a quoted authserv-id. */
	for (size_t i = 0; i < DNS_TEXT_MAX && id[i]; i++) {
		char c = is_token_char((unsigned char)id[i]) ? id[i] : '_';
		sb_put(b, &c, 1);
	}
	if (version) {
		char v[16];
		snprintf(v, sizeof v, " %u", version);
		sb_str(b, v);
	}
}

/* "; method[/v]=result" on a new line, reason= if there is one, the
 * comment, then the properties.  Values that need quoting go last:
 * python3-authres (Debian's independent parser) accepts a quoted pvalue
 * only before ";" or the end and silently drops it elsewhere. */
static void render_result(sbuf *b, const authres_result *r, const char *comment)
{
	sb_put(b, ";\n\t", 3);
	sb_keyword(b, r->method);
	if (r->version) {
		char v[16];
		snprintf(v, sizeof v, "/%u", r->version);
		sb_str(b, v);
	}
	sb_put(b, "=", 1);
	sb_keyword(b, r->result);
	if (r->reason)
		sb_item(b, "reason=", sb_quoted, r->reason);
	if (comment)
		sb_item(b, "", sb_raw, comment);
	for (int quoted = 0; quoted < 2; quoted++)
		for (size_t i = 0; i < r->n_prop && i < AUTHRES_PROPS_MAX; i++) {
			const authres_prop *p = &r->prop[i];
			const char *v = p->value ? p->value : "";
			if (pvalue_plain(v) == quoted)
				continue;
			sbuf pre = { 0 };
			sb_keyword(&pre, p->ptype);
			sb_put(&pre, ".", 1);
			sb_keyword(&pre, p->property);
			sb_put(&pre, "=", 1);
			sb_item(b, pre.p, sb_pvalue, v);
			free(pre.p);
		}
}

char *authres_render_results(const char *authserv_id, unsigned version,
    const authres_result *res, size_t n)
{
	sbuf b = { 0 };
	sb_id(&b, authserv_id, version);
	for (size_t i = 0; i < n; i++)
		render_result(&b, &res[i], NULL);
	if (n == 0)
		sb_str(&b, "; none");
	return b.p;
}

/* The properties of one method, with room for their values (verdict
 * fields are arrays: copied bounded, in case one lacks its terminator). */
typedef struct props {
	authres_result r;
	char val[AUTHRES_PROPS_MAX][DNS_TEXT_MAX + 70];
	char reason[512];
} props;

static void res_init(props *p, const char *method, auth_result r, const char *reason_arr,
    size_t reason_len, int with_reason)
{
	memset(&p->r, 0, sizeof p->r);
	p->r.method = method;
	p->r.result = result_auth_str(r);
	if (with_reason && reason_arr) {
		size_t n = strnlen(reason_arr, reason_len);
		if (n >= sizeof p->reason)
			n = sizeof p->reason - 1;
		memcpy(p->reason, reason_arr, n);
		p->reason[n] = '\0';
		if (n > 0)
			p->r.reason = p->reason;
	}
}
#define RES_INIT(p, m, r, arr, with) res_init(p, m, r, arr, sizeof arr, with)

static void prop_add(props *p, const char *ptype, const char *property, const char *arr, size_t arrlen)
{
	size_t n = strnlen(arr, arrlen), k = p->r.n_prop;
	if (n == 0 || k == AUTHRES_PROPS_MAX)
		return;
	if (n >= sizeof p->val[0])
		n = sizeof p->val[0] - 1;
	memcpy(p->val[k], arr, n);
	p->val[k][n] = '\0';
	p->r.prop[k] = (authres_prop){ ptype, property, p->val[k] };
	p->r.n_prop++;
}
#define PROP(p, t, n, arr) prop_add(p, t, n, arr, sizeof arr)

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

/* A bounded copy of a verdict field. */
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

static void render_iprev(sbuf *b, props *p, const iprev_verdict *v)
{
	char t[DNS_TEXT_MAX + 1], c[DNS_TEXT_MAX + 3];
	RES_INIT(p, "iprev", v->result, v->reason, v->result != AUTH_PASS);
	PROP(p, "policy", "iprev", v->ip);
	FIELD(t, v->name);
	/* the confirmed name, as a comment */
	if (*t && is_domain(t, strlen(t)))
		snprintf(c, sizeof c, "(%s)", t);
	render_result(b, &p->r, *t && is_domain(t, strlen(t)) ? c : NULL);
}

static void render_spf(sbuf *b, props *p, const spf_verdict *v, int helo)
{
	char t[sizeof v->identity];
	RES_INIT(p, "spf", v->result, v->reason, v->result != AUTH_PASS);
	/* smtp.helo: the HELO name; smtp.mailfrom: the address checked
	 * (postmaster@HELO for <>), else its domain (RFC 8601 2.7.2) */
	const char *at = strrchr(FIELD(t, v->identity), '@');
	if (helo && v->domain[0])
		PROP(p, "smtp", "helo", v->domain);
	else if (helo && at)
		prop_add(p, "smtp", "helo", at + 1, sizeof t - (size_t)(at + 1 - t));
	else if (!helo && v->identity[0])
		PROP(p, "smtp", "mailfrom", v->identity);
	else if (!helo)
		PROP(p, "smtp", "mailfrom", v->domain);
	render_result(b, &p->r, NULL);
}

static void render_dkim(sbuf *b, props *p, const dkimv_verdict *v)
{
	char t[512];
	if (v->n == 0) {
		res_init(p, "dkim", AUTH_NONE, NULL, 0, 0);
		render_result(b, &p->r, NULL);
	}
	for (size_t i = 0; i < v->n && i < DKIMV_MAX_SIGS; i++) {
		const dkimv_sig *s = &v->sig[i];
		RES_INIT(p, "dkim", s->result, s->reason, 1);
		/* d=, s= and a= that a token cannot hold are not a domain,
		 * selector or algorithm: left out (the reason says why the
		 * signature failed), so that header.b is the only value that
		 * may need quotes. */
		if (pvalue_plain(FIELD(t, s->domain)))
			PROP(p, "header", "d", s->domain);
		if (pvalue_plain(FIELD(t, s->selector)))
			PROP(p, "header", "s", s->selector);
		if (pvalue_plain(FIELD(t, s->algorithm)))
			PROP(p, "header", "a", s->algorithm);
		PROP(p, "header", "b", s->b);
		render_result(b, &p->r, NULL);
	}
}

static void render_dmarc(sbuf *b, props *p, const dmarc_verdict *v)
{
	RES_INIT(p, "dmarc", v->result, v->reason, v->result != AUTH_PASS);
	PROP(p, "header", "from", v->from_domain);
	const char *pw = policy_word(v->applied);
	if (pw && v->result != AUTH_NONE) {
		char pol[16];
		snprintf(pol, sizeof pol, "%s", pw);
		PROP(p, "policy", "dmarc", pol);
	}
	render_result(b, &p->r, NULL);
}

char *authres_render(const authres_input *in)
{
	sbuf b = { 0 };
	props *p;
	sb_id(&b, in ? in->authserv_id : NULL, 0);
	if (in == NULL || !(in->iprev || in->spf_helo || in->spf_mailfrom || in->dkim || in->dmarc)) {
		sb_str(&b, "; none");
		return b.p;
	}
	p = malloc(sizeof *p);
	if (p == NULL)
		abort();
	if (in->iprev)
		render_iprev(&b, p, in->iprev);
	if (in->spf_helo)
		render_spf(&b, p, in->spf_helo, 1);
	if (in->spf_mailfrom)
		render_spf(&b, p, in->spf_mailfrom, 0);
	if (in->dkim)
		render_dkim(&b, p, in->dkim);
	if (in->dmarc)
		render_dmarc(&b, p, in->dmarc);
	free(p);
	return b.p;
}

/* ---------- parsing ---------- */

typedef struct lx {
	const unsigned char *s;
	size_t n, i;
	char *st;                /* where strings are copied */
	size_t st_len, st_cap;
	int full;                /* st overflowed: the parse fails */
} lx;

static int peek(const lx *l)
{
	return l->i < l->n ? l->s[l->i] : -1;
}

/* The octet after '\' in a quoted-pair: VCHAR or WSP (RFC 5322 3.2.1),
 * or UTF-8 (RFC 6532 3.2 extends VCHAR). */
static int qp_ok(unsigned char c)
{
	return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f);
}

/* Skips CFWS: white space, line breaks of folds, and comments (any octet
 * but NUL, with quoted-pairs; nested to any depth).  0, or -1 for an
 * unclosed comment, a bad quoted-pair or a NUL. */
static int cfws(lx *l)
{
	while (l->i < l->n) {
		unsigned char c = l->s[l->i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			l->i++;
			continue;
		}
		if (c != '(')
			return 0;
		size_t depth = 0;
		while (l->i < l->n) {
			c = l->s[l->i];
			if (c == '\0')
				return -1;
			if (c == '\\') {
				if (l->i + 1 >= l->n || !qp_ok(l->s[l->i + 1]))
					return -1;
				l->i += 2;
				continue;
			}
			l->i++;
			if (c == '(')
				depth++;
			else if (c == ')' && --depth == 0)
				break;
		}
		if (depth != 0)
			return -1;
	}
	return 0;
}

static void st_put(lx *l, char c)
{
	if (l->st_len < l->st_cap)
		l->st[l->st_len++] = c;
	else
		l->full = 1;
}

/* Terminates the string begun at offset start; NULL if the store is full. */
static const char *st_end(lx *l, size_t start)
{
	st_put(l, '\0');
	return l->full ? NULL : l->st + start;
}

static const char *st_copy(lx *l, size_t from, size_t to, int lower)
{
	size_t start = l->st_len;
	for (size_t k = from; k < to; k++)
		st_put(l, lower ? (char)tolower(l->s[k]) : (char)l->s[k]);
	return st_end(l, start);
}

/* Keyword (RFC 8601 2.2: ldh-str), lower-cased; NULL if none here. */
static const char *keyword(lx *l)
{
	size_t b = l->i;
	while (l->i < l->n && is_ldh(l->s[l->i]))
		l->i++;
	if (l->i == b || l->s[l->i - 1] == '-')
		return NULL;
	return st_copy(l, b, l->i, 1);
}

/* 1 if the Keyword w (any case) is next, as a whole keyword. */
static int kw_is(const lx *l, const char *w)
{
	size_t n = strlen(w);
	return l->n - l->i >= n && strncasecmp((const char *)l->s + l->i, w, n) == 0 &&
	    (l->i + n == l->n || !is_ldh(l->s[l->i + n]));
}

/* RFC 5322 3.2.4 quoted-string at '"': the content with the quoted-pairs
 * undone and the CR/LF of folds removed; NULL if it is not closed or holds
 * a NUL or a control other than HTAB. */
static const char *quoted(lx *l)
{
	size_t start = l->st_len;
	for (l->i++; l->i < l->n; l->i++) {
		unsigned char c = l->s[l->i];
		if (c == '"') {
			l->i++;
			return st_end(l, start);
		}
		if (c == '\\') {
			if (l->i + 1 >= l->n || !qp_ok(l->s[l->i + 1]))
				return NULL;
			c = l->s[++l->i];
		} else if (c == '\r' || c == '\n') {
			continue;
		} else if (c == '\0' || c == 0x7f || (c < 0x20 && c != '\t')) {
			return NULL;
		}
		st_put(l, (char)c);
	}
	return NULL;
}

/* RFC 2045 value: token or quoted-string. */
static const char *lx_value(lx *l)
{
	if (peek(l) == '"')
		return quoted(l);
	size_t b = l->i;
	while (l->i < l->n && is_token_char(l->s[l->i]))
		l->i++;
	return l->i > b ? st_copy(l, b, l->i, 0) : NULL;
}

/* 1*DIGIT of at most AUTHRES_VERSION_DIGITS into *v; 0 or -1. */
static int digits(lx *l, unsigned *v)
{
	size_t b = l->i;
	*v = 0;
	while (l->i < l->n && isdigit(l->s[l->i])) {
		if (l->i - b == AUTHRES_VERSION_DIGITS)
			return -1;
		*v = *v * 10 + (unsigned)(l->s[l->i++] - '0');
	}
	return l->i > b ? 0 : -1;
}

/* The quoted local-part form of a pvalue: "q"@domain-name, kept as an
 * addr-spec (the local part quoted again, minimally). */
static const char *quoted_addr(lx *l, const char *q)
{
	size_t b = l->i, start;
	while (l->i < l->n && is_domain_char(l->s[l->i]))
		l->i++;
	if (!is_domain((const char *)l->s + b, l->i - b))
		return NULL;
	start = l->st_len;
	st_put(l, '"');
	for (; *q; q++) {
		if (*q == '"' || *q == '\\')
			st_put(l, '\\');
		st_put(l, *q);
	}
	st_put(l, '"');
	st_put(l, '@');
	for (size_t k = b; k < l->i; k++)
		st_put(l, (char)l->s[k]);
	return st_end(l, start);
}

/* pvalue (RFC 8601 2.2): [CFWS] ( value / [[local-part] "@"] domain-name ).
 * Unquoted: a run of atext, '.' and '@' (the leniency of authres.h); with
 * an '@', what follows the last one must be a domain-name. */
static const char *pvalue(lx *l)
{
	if (cfws(l) < 0)
		return NULL;
	if (peek(l) == '"') {
		const char *q = quoted(l);
		size_t save = l->i;
		if (q == NULL)
			return NULL;
		if (cfws(l) == 0 && peek(l) == '@') {
			l->i++;
			return quoted_addr(l, q);
		}
		l->i = save;
		return q;
	}
	size_t b = l->i;
	while (l->i < l->n && (is_atext(l->s[l->i]) || l->s[l->i] == '.' || l->s[l->i] == '@'))
		l->i++;
	if (l->i == b)
		return NULL;
	const char *run = (const char *)l->s + b;
	const char *at = memrchr(run, '@', l->i - b);
	if (at != NULL && (memchr(run, '@', (size_t)(at - run)) != NULL ||
	    !is_domain(at + 1, (size_t)((const char *)l->s + l->i - (at + 1)))))
		return NULL;
	return st_copy(l, b, l->i, 0);
}

/* "reason" [CFWS] "=" next (a ptype named reason is followed by '.'). */
static int reason_next(lx *l)
{
	size_t save = l->i;
	int yes = 0;
	if (kw_is(l, "reason")) {
		l->i += 6;
		yes = cfws(l) == 0 && peek(l) == '=';
	}
	l->i = save;
	return yes;
}

static int propspec(lx *l, authres_prop *p)
{
	if (!(p->ptype = keyword(l)) || cfws(l) < 0 || peek(l) != '.')
		return -1;
	l->i++;
	if (cfws(l) < 0 || !(p->property = keyword(l)) || cfws(l) < 0 || peek(l) != '=')
		return -1;
	l->i++;
	return (p->value = pvalue(l)) ? 0 : -1;
}

/* resinfo after its ';': methodspec [reasonspec] *propspec, up to the
 * next ';' or the end.  0 or -1. */
static int resinfo(lx *l, authres_result *r)
{
	memset(r, 0, sizeof *r);
	if (cfws(l) < 0 || !(r->method = keyword(l)) || cfws(l) < 0)
		return -1;
	if (peek(l) == '/') {
		l->i++;
		if (cfws(l) < 0 || digits(l, &r->version) < 0 || cfws(l) < 0)
			return -1;
	}
	if (peek(l) != '=')
		return -1;
	l->i++;
	if (cfws(l) < 0 || !(r->result = keyword(l)))
		return -1;
	for (;;) {
		if (cfws(l) < 0)
			return -1;
		if (l->i == l->n || peek(l) == ';')
			return 0;
		if (r->reason == NULL && r->n_prop == 0 && reason_next(l)) {
			l->i += 6;
			(void)cfws(l);
			l->i++;            /* '=' */
			if (cfws(l) < 0 || !(r->reason = lx_value(l)))
				return -1;
			continue;
		}
		if (r->n_prop == AUTHRES_PROPS_MAX || propspec(l, &r->prop[r->n_prop]) < 0)
			return -1;
		r->n_prop++;
	}
}

void authres_parsed_free(authres_parsed *p)
{
	if (p == NULL)
		return;
	free(p->res);
	free(p->store_);
	free(p);
}

/* [CFWS] authserv-id [CFWS authres-version] [CFWS]: 0 or -1. */
static int parse_head(lx *l, const char **id, unsigned *version)
{
	*version = 0;
	if (cfws(l) < 0 || !(*id = lx_value(l)) || **id == '\0' || cfws(l) < 0)
		return -1;
	if (peek(l) >= '0' && peek(l) <= '9' && (digits(l, version) < 0 || cfws(l) < 0))
		return -1;
	return 0;
}

static int parse_results(lx *l, authres_parsed *p)
{
	size_t cap = 0, save = l->i;
	/* no-result: "; none" and nothing after it */
	l->i++;
	if (cfws(l) == 0 && kw_is(l, "none")) {
		l->i += 4;
		if (cfws(l) == 0 && l->i == l->n)
			return 0;
	}
	l->i = save;
	while (peek(l) == ';') {
		l->i++;
		if (p->n_res == AUTHRES_RESULTS_MAX)
			return -1;
		if (p->n_res == cap) {
			cap = cap ? cap * 2 : 4;
			authres_result *nr = realloc(p->res, cap * sizeof *nr);
			if (nr == NULL)
				return -1;
			p->res = nr;
		}
		if (resinfo(l, &p->res[p->n_res]) < 0)
			return -1;
		p->n_res++;
	}
	return l->i == l->n && p->n_res > 0 ? 0 : -1;
}

int authres_parse(const char *value, size_t len, authres_parsed **out)
{
	authres_parsed *p;
	if (out == NULL)
		return -1;
	*out = NULL;
	if (value == NULL || len > AUTHRES_VALUE_MAX)
		return -1;
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return -1;
	/* every stored string comes from at least as many input octets, a
	 * quoted local part twice over; plus the terminators */
	lx l = { .s = (const unsigned char *)value, .n = len, .st_cap = 3 * len + 64 };
	p->store_ = l.st = malloc(l.st_cap);
	if (l.st == NULL || parse_head(&l, &p->authserv_id, &p->version) < 0 || peek(&l) != ';' ||
	    parse_results(&l, p) < 0 || l.full) {
		authres_parsed_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

const char *authres_prop_value(const authres_result *r, const char *ptype, const char *property)
{
	for (size_t i = 0; r && i < r->n_prop; i++)
		if (strcasecmp(r->prop[i].ptype, ptype) == 0 && strcasecmp(r->prop[i].property, property) == 0)
			return r->prop[i].value;
	return NULL;
}

const authres_result *authres_find(const authres_parsed *p, const char *method,
    const char *ptype, const char *property)
{
	for (size_t i = 0; p && i < p->n_res; i++) {
		const authres_result *r = &p->res[i];
		if (strcasecmp(r->method, method) == 0 &&
		    (ptype == NULL || authres_prop_value(r, ptype, property) != NULL))
			return r;
	}
	return NULL;
}

int authres_authserv_id(const char *value, size_t len, char *out, size_t outlen)
{
	if (value == NULL || out == NULL || outlen == 0)
		return -1;
	out[0] = '\0';
	/* the id is written straight into out: longer than out fails */
	lx l = { .s = (const unsigned char *)value, .n = len, .st = out, .st_cap = outlen };
	const char *id = cfws(&l) == 0 ? lx_value(&l) : NULL;
	if (id == NULL || *id == '\0' || l.full) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* The end of the part before the first ';': the larger of the first ';'
 * octet and the first one outside comments and quoted-strings. */
static size_t head_end(const char *v, size_t len)
{
	const char *semi = memchr(v, ';', len);
	size_t raw = semi ? (size_t)(semi - v) : len;
	lx l = { .s = (const unsigned char *)v, .n = len };
	while (l.i < l.n) {
		if (cfws(&l) < 0)
			return len;
		if (l.i == l.n || peek(&l) == ';')
			break;
		if (peek(&l) == '"') {
			for (l.i++; l.i < l.n && v[l.i] != '"'; l.i++)
				if (v[l.i] == '\\')
					l.i++;
			if (l.i >= l.n)
				return len;
			l.i++;
		} else
			l.i++;
	}
	return l.i > raw ? l.i : raw;
}

int authres_claims_id(const char *value, size_t len, const char *id)
{
	size_t idlen = id ? strlen(id) : 0, end, k = 0;
	char *got;
	int claims;
	if (value == NULL)
		return 0;
	got = malloc(len + 1);
	if (got == NULL)
		return 1;          /* cannot tell: take it as ours */
	claims = authres_authserv_id(value, len, got, len + 1) < 0 || (idlen && strcasecmp(got, id) == 0);
	free(got);
	if (claims || idlen == 0)
		return claims;
	/* whole tokens before the first ';', whatever surrounds them */
	end = head_end(value, len);
	while (k < end) {
		size_t b;
		while (k < end && !is_token_char((unsigned char)value[k]))
			k++;
		for (b = k; k < end && is_token_char((unsigned char)value[k]); k++)
			;
		if (k - b == idlen && strncasecmp(value + b, id, idlen) == 0)
			return 1;
	}
	return 0;
}
