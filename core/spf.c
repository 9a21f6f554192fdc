/*
 * spf: Sender Policy Framework, RFC 7208, evaluated here rather than with
 * libspf2 (docs/spf.md has the measurements behind that choice).
 *
 * check_host() (RFC 7208 4) runs as a state machine on the shared resolver:
 * each step either decides or submits the lookups it needs and resumes in
 * their callback, so SPF overlaps with every other check of the same run.
 * Only the lookups of one term are in flight at a time (terms are ordered);
 * the lookups inside a term (MX hosts, PTR names) go out together.
 * Covered: record selection (4.4, 4.5), the whole-record syntax check before
 * evaluation (4.6, ABNF of 12), mechanisms (5), modifiers (6), macros (7),
 * the limits of 4.6.4 (10 DNS-querying terms, 2 void lookups, 10 MX/PTR
 * names), HELO and null-sender identities (2.3, 2.4), IPv4-mapped clients
 * as IPv4 (5, last paragraph).
 * The parsed-record interface (spf_parse_record() and friends) also serves
 * the spf_record readiness check of core/ready_spf.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "spf.h"
#include "str.h"

#define SPF_MAX_DEPTH   (SPF_MAX_LOOKUPS + 2) /* include frames: each costs a lookup */
#define SPF_EXPAND_MAX  4096  /* macro expansion output before name truncation */
#define SPF_VALUE_MAX   512   /* longest macro value (sender: 255 + 1 + 253)   */
#define SPF_DIGITS_CAP  1000  /* transformer digits above this mean "all parts" */
#define SPF_LOCAL_MAX   255   /* local-part octets kept for %{l} and %{s}       */

/* ---------- parsed records (types in spf.h) ---------- */

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alnum(int c) { return is_alpha(c) || is_digit(c); }

static int ieq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

#define MS_CRT   1   /* c, r, t allowed (explanation text, unknown modifiers) */
#define MS_SPACE 2   /* SP allowed (explain-string) */

/* Checks a macro-string (RFC 7208 7.1).  *last_end: offset just after the
 * last macro-expand (0 if none); *has_p: a %{p} occurs.  The cursor never
 * passes n: every look-ahead is bounds-checked (the CVE-2023-42118 class). */
static int macro_scan(const char *s, size_t n, int flags, size_t *last_end, int *has_p,
    char *err, size_t errlen)
{
	size_t i = 0;
	*last_end = 0;
	if (has_p)
		*has_p = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c != '%') {
			if (c == ' ' && (flags & MS_SPACE)) {
				i++;
				continue;
			}
			if (c < 0x21 || c > 0x7e) {
				str_err(err, errlen, "invalid character 0x%02x", c);
				return -1;
			}
			i++;
			continue;
		}
		if (i + 1 >= n) {
			str_err(err, errlen, "'%%' at the end of a macro-string");
			return -1;
		}
		char d = s[i + 1];
		if (d == '%' || d == '_' || d == '-') {
			i += 2;
			*last_end = i;
			continue;
		}
		if (d != '{') {
			str_err(err, errlen, "'%%' not followed by '{', '%%', '_' or '-'");
			return -1;
		}
		size_t j = i + 2;
		if (j >= n) {
			str_err(err, errlen, "unterminated macro");
			return -1;
		}
		char l = (char)tolower((unsigned char)s[j]);
		if (strchr("slodiphvcrt", l) == NULL || l == '\0') {
			str_err(err, errlen, "unknown macro letter '%c'", isprint((unsigned char)s[j]) ? s[j] : '?');
			return -1;
		}
		if ((l == 'c' || l == 'r' || l == 't') && !(flags & MS_CRT)) {
			str_err(err, errlen, "macro letter '%c' only allowed in explanations", l);
			return -1;
		}
		if (l == 'p' && has_p)
			*has_p = 1;
		j++;
		size_t nd = 0;
		unsigned long num = 0;
		while (j < n && is_digit(s[j])) {
			if (num < SPF_DIGITS_CAP)
				num = num * 10 + (unsigned long)(s[j] - '0');
			nd++;
			j++;
		}
		if (nd > 0 && num == 0) {
			str_err(err, errlen, "macro transformer of zero parts");
			return -1;
		}
		if (j < n && (s[j] == 'r' || s[j] == 'R'))
			j++;
		while (j < n && strchr(".-+,/_=", s[j]) != NULL && s[j] != '\0')
			j++;
		if (j >= n || s[j] != '}') {
			str_err(err, errlen, "malformed macro");
			return -1;
		}
		i = j + 1;
		*last_end = i;
	}
	return 0;
}

/* toplabel (RFC 7208 7.1): letters/digits/hyphens, not all digits, no
 * hyphen at either end. */
static int toplabel_ok(const char *s, size_t n)
{
	int alpha = 0, dash = 0;
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (is_alpha(s[i]))
			alpha = 1;
		else if (s[i] == '-')
			dash = 1;
		else if (!is_digit(s[i]))
			return 0;
	}
	return alpha || dash;
}

/* domain-spec = macro-string domain-end; domain-end = ( "." toplabel ["."] )
 * / macro-expand.  A macro-expand followed by a final dot is accepted as
 * well (it names the same thing). */
static int domain_spec_ok(const char *s, size_t n, int *has_p, char *err, size_t errlen)
{
	size_t last;
	if (n == 0) {
		str_err(err, errlen, "empty domain-spec");
		return -1;
	}
	if (macro_scan(s, n, 0, &last, has_p, err, errlen) < 0)
		return -1;
	if (last == n || (last > 0 && last == n - 1 && s[n - 1] == '.'))
		return 0;
	size_t m = s[n - 1] == '.' ? n - 1 : n;
	size_t dot = m;
	while (dot > 0 && s[dot - 1] != '.')
		dot--;
	if (dot == 0 || !toplabel_ok(s + dot, m - dot)) {
		str_err(err, errlen, "domain-spec does not end in a valid top-level label");
		return -1;
	}
	return 0;
}

static int parse_cidr(const char *s, size_t n, int max)
{
	int v = 0;
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* ip4-network: four qnum without leading zeros. */
static int parse_ip4(const char *s, size_t n, unsigned char out[4])
{
	size_t i = 0;
	for (int k = 0; k < 4; k++) {
		if (k > 0) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
		size_t st = i;
		unsigned v = 0;
		while (i < n && is_digit(s[i]) && i - st < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == st || v > 255 || (i - st > 1 && s[st] == '0'))
			return -1;
		out[k] = (unsigned char)v;
	}
	return i == n ? 0 : -1;
}

static int parse_ip6(const char *s, size_t n, unsigned char out[16])
{
	char buf[64];
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

size_t spf_count_terms(const char *txt, size_t len)
{
	size_t n = 0;
	for (size_t i = 6; i < len; i++)
		if (txt[i] != ' ' && (i == 6 || txt[i - 1] == ' '))
			n++;
	return n;
}

int spf_is_record(const char *txt, size_t len)
{
	return len >= 6 && strncasecmp(txt, "v=spf1", 6) == 0 && (len == 6 || txt[6] == ' ');
}

/* "<what> '<the term, printable>'" into err; returns -1. */
static int term_err(const char *s, size_t n, const char *what, char *err, size_t errlen)
{
	char shown[64];
	str_printable(shown, sizeof shown, s, n);
	str_err(err, errlen, "%s '%s'", what, shown);
	return -1;
}

/* A modifier (6): name "=" value, name = ALPHA *( ALPHA / DIGIT / "-" /
 * "_" / "." ).  Returns 0, -1 with err, or 1 when s is no modifier. */
static int parse_modifier(const char *s, size_t n, spf_term *t, char *err, size_t errlen)
{
	size_t k = 0;
	if (!is_alpha(s[0]))
		return 1;
	while (k < n && (is_alnum(s[k]) || s[k] == '-' || s[k] == '_' || s[k] == '.'))
		k++;
	if (k >= n || s[k] != '=')
		return 1;
	const char *v = s + k + 1;
	size_t vl = n - k - 1;
	int has_p = 0;
	if (ieq(s, k, "redirect") || ieq(s, k, "exp")) {
		t->kind = ieq(s, k, "exp") ? SPF_T_EXP : SPF_T_REDIRECT;
		if (domain_spec_ok(v, vl, &has_p, err, errlen) < 0)
			return -1;
		t->spec = v;
		t->speclen = vl;
		return 0;
	}
	size_t last;
	t->kind = SPF_T_UNKNOWN;
	return macro_scan(v, vl, MS_CRT, &last, NULL, err, errlen);
}

/* a and mx (5.3, 5.4): r (rl octets) after the name is [ ":" domain-spec ]
 * [ dual-cidr-length ]; s/n the whole term for messages. */
static int parse_a_mx(spf_term *t, const char *s, size_t n, const char *r, size_t rl,
    char *err, size_t errlen)
{
	/* dual-cidr-length at the end: [ "/" ip4 ] [ "//" ip6 ] */
	size_t end = rl, d = rl;
	while (d > 0 && is_digit(r[d - 1]))
		d--;
	if (d < end && d >= 2 && r[d - 1] == '/' && r[d - 2] == '/') {
		if ((t->cidr6 = parse_cidr(r + d, end - d, 128)) < 0)
			return term_err(s, n, "invalid CIDR length in", err, errlen);
		end = d - 2;
		d = end;
		while (d > 0 && is_digit(r[d - 1]))
			d--;
	}
	if (d < end && d >= 1 && r[d - 1] == '/' && (d < 2 || r[d - 2] != '/')) {
		if ((t->cidr4 = parse_cidr(r + d, end - d, 32)) < 0)
			return term_err(s, n, "invalid CIDR length in", err, errlen);
		end = d - 1;
	}
	if (end == 0)
		return 0;
	if (r[0] != ':')
		return term_err(s, n, "malformed term", err, errlen);
	t->spec = r + 1;
	t->speclen = end - 1;
	return domain_spec_ok(t->spec, t->speclen, NULL, err, errlen);
}

/* ip4 and ip6 (5.6): r (rl octets) after the name is ":" network [ "/" cidr ]. */
static int parse_ip(spf_term *t, int v6, const char *s, size_t n, const char *r, size_t rl,
    char *err, size_t errlen)
{
	t->kind = v6 ? SPF_T_IP6 : SPF_T_IP4;
	if (rl < 2 || r[0] != ':') {
		str_err(err, errlen, "%s needs ':network'", v6 ? "ip6" : "ip4");
		return -1;
	}
	const char *a = r + 1;
	size_t al = rl - 1, sl = 0;
	while (sl < al && a[sl] != '/')
		sl++;
	if (sl < al) {
		int c = parse_cidr(a + sl + 1, al - sl - 1, v6 ? 128 : 32);
		if (c < 0)
			return term_err(s, n, "invalid CIDR length in", err, errlen);
		if (v6)
			t->cidr6 = c;
		else
			t->cidr4 = c;
	}
	if ((v6 ? parse_ip6(a, sl, t->net) : parse_ip4(a, sl, t->net)) < 0) {
		str_err(err, errlen, "invalid %s network", v6 ? "IPv6" : "IPv4");
		return -1;
	}
	return 0;
}

/* Parses one term (no spaces in it) into *t. */
static int parse_term(const char *s, size_t n, spf_term *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	t->text = s;
	t->textlen = n;
	t->cidr4 = 32;
	t->cidr6 = 128;
	t->qual = '+';
	int m = parse_modifier(s, n, t, err, errlen);
	if (m <= 0)
		return m;
	/* directive = [ qualifier ] mechanism */
	size_t i = 0;
	if (strchr("+-~?", s[0]) != NULL) {
		t->qual = s[0];
		i = 1;
	}
	size_t ns = i;
	while (i < n && is_alnum(s[i]))
		i++;
	const char *nm = s + ns;
	size_t nl = i - ns;
	const char *r = s + i;      /* the rest after the name */
	size_t rl = n - i;
	if (ieq(nm, nl, "all")) {
		t->kind = SPF_T_ALL;
		return rl != 0 ? term_err(s, n, "malformed term", err, errlen) : 0;
	}
	if (ieq(nm, nl, "include") || ieq(nm, nl, "exists")) {
		t->kind = ieq(nm, nl, "include") ? SPF_T_INCLUDE : SPF_T_EXISTS;
		if (rl < 1 || r[0] != ':') {
			str_err(err, errlen, "%s needs ':domain'", t->kind == SPF_T_INCLUDE ? "include" : "exists");
			return -1;
		}
		t->spec = r + 1;
		t->speclen = rl - 1;
		return domain_spec_ok(t->spec, t->speclen, NULL, err, errlen);
	}
	if (ieq(nm, nl, "ptr")) {
		t->kind = SPF_T_PTR;
		if (rl == 0)
			return 0;
		if (r[0] != ':')
			return term_err(s, n, "malformed term", err, errlen);
		t->spec = r + 1;
		t->speclen = rl - 1;
		return domain_spec_ok(t->spec, t->speclen, NULL, err, errlen);
	}
	if (ieq(nm, nl, "a") || ieq(nm, nl, "mx")) {
		t->kind = ieq(nm, nl, "a") ? SPF_T_A : SPF_T_MX;
		return parse_a_mx(t, s, n, r, rl, err, errlen);
	}
	if (ieq(nm, nl, "ip4") || ieq(nm, nl, "ip6"))
		return parse_ip(t, ieq(nm, nl, "ip6"), s, n, r, rl, err, errlen);
	return term_err(s, n, "unknown mechanism or malformed term", err, errlen);
}

int spf_parse_record(const char *txt, size_t len, spf_rec *r, spf_term *buf, size_t cap,
    char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->redirect = r->exp = r->all = -1;
	r->t = buf;
	if (len > SPF_RECORD_MAX) {
		str_err(err, errlen, "record longer than %d octets", SPF_RECORD_MAX);
		return -1;
	}
	if (!spf_is_record(txt, len)) {
		str_err(err, errlen, "record does not start with v=spf1");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)txt[i];
		if (c < 0x20 || c > 0x7e) {
			str_err(err, errlen, "%s character 0x%02x in the record",
			    c > 0x7e ? "non-ASCII" : "control", c);
			return -1;
		}
	}
	size_t i = 6;
	while (i < len) {
		while (i < len && txt[i] == ' ')
			i++;
		if (i >= len)
			break;
		size_t st = i;
		while (i < len && txt[i] != ' ')
			i++;
		if (r->n >= cap) {
			str_err(err, errlen, "too many terms");
			return -1;
		}
		spf_term *t = &buf[r->n];
		if (parse_term(txt + st, i - st, t, err, errlen) < 0)
			return -1;
		if (t->kind == SPF_T_REDIRECT || t->kind == SPF_T_EXP) {
			int *slot = t->kind == SPF_T_REDIRECT ? &r->redirect : &r->exp;
			if (*slot >= 0) {
				str_err(err, errlen, "%s= appears twice", t->kind == SPF_T_REDIRECT ? "redirect" : "exp");
				return -1;
			}
			*slot = (int)r->n;
		}
		if (t->kind == SPF_T_ALL && r->all < 0)
			r->all = (int)r->n;
		r->n++;
	}
	return 0;
}

int spf_record_check(const char *txt, size_t len, char *err, size_t errlen)
{
	spf_rec r;
	if (txt == NULL) {
		str_err(err, errlen, "no record");
		return -1;
	}
	if (len > SPF_RECORD_MAX) {
		str_err(err, errlen, "record longer than %d octets", SPF_RECORD_MAX);
		return -1;
	}
	if (!spf_is_record(txt, len)) {
		str_err(err, errlen, "record does not start with v=spf1");
		return -1;
	}
	size_t cap = spf_count_terms(txt, len);
	spf_term *buf = calloc(cap ? cap : 1, sizeof *buf);
	if (buf == NULL) {
		str_err(err, errlen, "out of memory");
		return -1;
	}
	int rc = spf_parse_record(txt, len, &r, buf, cap, err, errlen);
	free(buf);
	return rc;
}

/* ---------- the evaluation ---------- */

typedef enum { F_FETCH, F_RECORD, F_TERMS, F_REDIRECT } fstate;

typedef struct frame {
	char domain[DNS_TEXT_MAX + 1];
	fstate state;
	int via;                    /* 0 top, 1 include, 2 redirect: "none" is permerror */
	const dns_answer *rec_ans;
	spf_rec rec;
	size_t pos;                 /* current term */
	int phase;                  /* of the current term */
	char target[DNS_TEXT_MAX + 1];
	const dns_answer *ans;      /* main lookup of the current term */
	const dns_answer *sub[SPF_MAX_NAMES];
	size_t nsub;
	auth_result child;          /* result of an include's frame */
} frame;

struct spf_priv {
	spf_verdict *v;             /* NULL once spf_verdict_clear() ran */
	dns_run *run;
	int family;                 /* 4 or 6 */
	unsigned char ip[16];
	char ipstr[64];
	char local[SPF_LOCAL_MAX + 1];
	char sdomain[DNS_TEXT_MAX + 1];
	char helo[DNS_TEXT_MAX + 1];
	unsigned lookups, voids;
	unsigned waiting;
	int in_step, finished;
	frame fr[SPF_MAX_DEPTH];
	int depth;
	/* PTR names of the client, validated (ptr mechanism, %{p}) */
	int ptr_state;
	const dns_answer *ptr_ans;
	const char *ptr_name[SPF_MAX_NAMES];
	const dns_answer *ptr_addr[SPF_MAX_NAMES];
	int ptr_valid[SPF_MAX_NAMES];
	size_t n_ptr;
	/* exp= after a fail at the top */
	int exp_phase;
	const dns_answer *exp_ans;
	char exp_dom[DNS_TEXT_MAX + 1];
	const spf_term *exp_term;
	auth_result result;
	char mech[128];
};

typedef struct slotarg {
	struct spf_priv *e;
	const dns_answer **dst;
} slotarg;

static void step(struct spf_priv *e);

static void spf_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	slotarg *s = arg;
	struct spf_priv *e = s->e;
	(void)run;
	*s->dst = ans;
	if (e->waiting > 0)
		e->waiting--;
	if (!e->in_step && e->waiting == 0 && !e->finished)
		step(e);
}

static void submit(struct spf_priv *e, const char *name, int type, const dns_answer **dst)
{
	slotarg *s = dns_run_alloc(e->run, sizeof *s);
	s->e = e;
	s->dst = dst;
	*dst = NULL;
	e->waiting++;
	dns_submit(e->run, name, type, spf_cb, s);
}

static void finish(struct spf_priv *e, auth_result r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void finish(struct spf_priv *e, auth_result r, const char *fmt, ...)
{
	va_list ap;
	char why[256];
	e->finished = 1;
	if (e->v == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	e->v->result = r;
	str_printable(e->v->reason, sizeof e->v->reason, why, strlen(why));
	e->v->lookups = e->lookups;
	e->v->void_lookups = e->voids;
	snprintf(e->v->mechanism, sizeof e->v->mechanism, "%s", e->mech[0] ? e->mech : "default");
}

static int is_void(const dns_answer *a)
{
	return a->outcome == DNS_NXDOMAIN || a->outcome == DNS_NODATA;
}

static int count_void(struct spf_priv *e, const dns_answer *a)
{
	if (!is_void(a))
		return 0;
	if (++e->voids > SPF_MAX_VOID) {
		finish(e, AUTH_PERMERROR, "more than %d void lookups (last: %s %s)",
		    SPF_MAX_VOID, dns_type_str(a->qtype), a->qname);
		return -1;
	}
	return 0;
}

static int cidr_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;
	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned char m = (unsigned char)(0xff << (8 - rest));
	return (a[full] & m) == (b[full] & m);
}

/* Does any address of answer a lie in <ip>/bits? */
static int addr_match(const struct spf_priv *e, const dns_answer *a, int bits)
{
	size_t want = e->family == 4 ? 4 : 16;
	for (size_t i = 0; a && a->outcome == DNS_ANSWER && i < a->n; i++)
		if (a->rr[i].rdata && a->rr[i].rdlen == want && cidr_match(a->rr[i].rdata, e->ip, bits))
			return 1;
	return 0;
}

/* The PTR names of the client and which of them are validated (RFC 7208
 * 5.5).  Returns 1 when known, 0 when lookups were submitted. */
static int need_ptr(struct spf_priv *e)
{
	char rev[128];
	switch (e->ptr_state) {
	case 0:
		e->ptr_state = 1;
		if (dns_ptr_name(e->ipstr, rev, sizeof rev) != 0) {
			e->ptr_state = 3;
			return 1;
		}
		submit(e, rev, DNS_T_PTR, &e->ptr_ans);
		return 0;
	case 1:
		e->ptr_state = 2;
		for (size_t i = 0; e->ptr_ans->outcome == DNS_ANSWER && i < e->ptr_ans->n; i++) {
			const char *t = e->ptr_ans->rr[i].text;
			if (t == NULL || t[0] == '\0')
				continue;
			if (e->n_ptr >= SPF_MAX_NAMES)
				break;   /* 4.6.4: the first 10 names only */
			e->ptr_name[e->n_ptr++] = t;
		}
		for (size_t i = 0; i < e->n_ptr; i++)
			submit(e, e->ptr_name[i], e->family == 4 ? DNS_T_A : DNS_T_AAAA, &e->ptr_addr[i]);
		if (e->n_ptr > 0)
			return 0;
		e->ptr_state = 3;
		return 1;
	case 2:
		/* A lookup error skips the name (5.5). */
		for (size_t i = 0; i < e->n_ptr; i++)
			e->ptr_valid[i] = addr_match(e, e->ptr_addr[i], e->family == 4 ? 32 : 128);
		e->ptr_state = 3;
		return 1;
	default:
		return 1;
	}
}

/* name equals dom or lies under it (case-insensitive). */
static int name_under(const char *name, const char *dom)
{
	size_t nl = strlen(name), dl = strlen(dom);
	if (dl > 0 && dom[dl - 1] == '.')
		dl--;
	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	if (dl == 0 || nl < dl)
		return 0;
	if (strncasecmp(name + nl - dl, dom, dl) != 0)
		return 0;
	return nl == dl || name[nl - dl - 1] == '.';
}

/* %{p} (7.3): a validated name, preferably <domain> or under it. */
static const char *p_value(const struct spf_priv *e, const char *domain)
{
	const char *first = NULL;
	if (e->ptr_state != 3)
		return "unknown";
	for (size_t i = 0; i < e->n_ptr; i++) {
		if (!e->ptr_valid[i])
			continue;
		if (name_under(e->ptr_name[i], domain))
			return e->ptr_name[i];
		if (first == NULL)
			first = e->ptr_name[i];
	}
	return first ? first : "unknown";
}

typedef struct outbuf {
	char *p;
	size_t len, cap;
	int over;
} outbuf;

static void out_put(outbuf *o, const char *s, size_t n)
{
	if (o->over || n > o->cap - o->len - 1) {
		o->over = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

/* The value of macro letter l (lower case, 7.2) into val (SPF_VALUE_MAX
 * octets) when it must be built; NULL for an unknown letter, or c/r/t
 * outside an explanation (is_exp 0). */
static const char *macro_value(const struct spf_priv *e, const char *domain, char l, int is_exp,
    char *val)
{
	static const char hex[] = "0123456789abcdef";
	switch (l) {
	case 's':
		snprintf(val, SPF_VALUE_MAX, "%s@%s", e->local, e->sdomain);
		return val;
	case 'l': return e->local;
	case 'o': return e->sdomain;
	case 'd': return domain;
	case 'h': return e->helo;
	case 'v': return e->family == 4 ? "in-addr" : "ip6";
	case 'p': return p_value(e, domain);
	case 'i':
		if (e->family == 4)
			return e->ipstr;
		size_t k = 0;
		for (int b = 0; b < 16; b++) {
			val[k++] = hex[e->ip[b] >> 4];
			val[k++] = '.';
			val[k++] = hex[e->ip[b] & 15];
			val[k++] = '.';
		}
		val[k - 1] = '\0';
		return val;
	case 'c': case 'r': case 't':
		if (!is_exp)
			return NULL;
		if (l == 'c')
			return e->ipstr;
		if (l == 'r')
			return "unknown";
		snprintf(val, SPF_VALUE_MAX, "%lld", (long long)time(NULL));
		return val;
	default:
		return NULL;
	}
}

/* The transformers of 7.3 on src: split on delims (ndelim octets), reverse
 * if rev, keep the rightmost keep parts (0 = all), join with "."; URL-escape
 * all but the unreserved characters if upper (an upper-case letter). */
static void transform(outbuf *o, const char *src, unsigned long keep, int rev,
    const char *delims, size_t ndelim, int upper)
{
	size_t sl = strnlen(src, SPF_VALUE_MAX - 1);
	size_t pst[SPF_VALUE_MAX], pln[SPF_VALUE_MAX], np = 0, cur = 0;
	for (size_t k = 0; k <= sl; k++) {
		if (k == sl || memchr(delims, src[k], ndelim) != NULL) {
			pst[np] = cur;
			pln[np] = k - cur;
			np++;
			cur = k + 1;
		}
	}
	/* Reverse if asked, then keep the rightmost parts (7.3). */
	size_t first = 0;
	if (keep > 0 && keep < np)
		first = np - keep;
	char piece[SPF_VALUE_MAX * 3 + 1];
	outbuf po = { piece, 0, sizeof piece, 0 };
	piece[0] = '\0';
	for (size_t k = first; k < np; k++) {
		size_t idx = rev ? np - 1 - k : k;
		if (k > first)
			out_put(&po, ".", 1);
		out_put(&po, src + pst[idx], pln[idx]);
	}
	if (!upper) {
		out_put(o, piece, po.len);
		return;
	}
	for (size_t k = 0; k < po.len; k++) {
		unsigned char c = (unsigned char)piece[k];
		if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			out_put(o, (const char *)&piece[k], 1);
		else {
			char esc[4];
			snprintf(esc, sizeof esc, "%%%02X", c);
			out_put(o, esc, 3);
		}
	}
}

/* Expands macro-string s in the context of domain (7.3, 7.4).  is_exp
 * allows c, r, t.  Returns the length, or -1 on a syntax error or when the
 * result does not fit. */
static long expand(const struct spf_priv *e, const char *domain, const char *s, size_t n,
    int is_exp, char *out, size_t outlen)
{
	outbuf o = { out, 0, outlen, 0 };
	if (outlen == 0)
		return -1;
	out[0] = '\0';
	size_t i = 0;
	while (i < n) {
		if (s[i] != '%') {
			out_put(&o, s + i, 1);
			i++;
			continue;
		}
		if (i + 1 >= n)
			return -1;
		char d = s[i + 1];
		if (d == '%' || d == '_' || d == '-') {
			out_put(&o, d == '%' ? "%" : d == '_' ? " " : "%20", d == '-' ? 3 : 1);
			i += 2;
			continue;
		}
		if (d != '{' || i + 2 >= n)
			return -1;
		size_t j = i + 2;
		char letter = s[j++];
		int upper = isupper((unsigned char)letter);
		char l = (char)tolower((unsigned char)letter);
		unsigned long keep = 0;
		int rev = 0;
		while (j < n && is_digit(s[j])) {
			if (keep < SPF_DIGITS_CAP)
				keep = keep * 10 + (unsigned long)(s[j] - '0');
			j++;
		}
		if (j < n && (s[j] == 'r' || s[j] == 'R')) {
			rev = 1;
			j++;
		}
		size_t ds = j;
		while (j < n && s[j] != '}' && strchr(".-+,/_=", s[j]) != NULL && s[j] != '\0')
			j++;
		if (j >= n || s[j] != '}')
			return -1;
		const char *delims = ds < j ? s + ds : ".";
		size_t ndelim = ds < j ? j - ds : 1;
		i = j + 1;
		char val[SPF_VALUE_MAX];
		const char *src = macro_value(e, domain, l, is_exp, val);
		if (src == NULL)
			return -1;
		transform(&o, src, keep, rev, delims, ndelim, upper);
	}
	return o.over ? -1 : (long)o.len;
}

int spf_target_name(const char *in, size_t n, char *out, size_t outlen)
{
	if (n > 0 && in[n - 1] == '.')
		n--;
	while (n > DNS_TEXT_MAX) {
		const char *dot = memchr(in, '.', n);
		if (dot == NULL)
			return -1;
		n -= (size_t)(dot - in) + 1;
		in = dot + 1;
	}
	if (n == 0 || n >= outlen)
		return -1;
	size_t lab = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '.') {
			if (lab == 0)
				return -1;
			lab = 0;
		} else if (c <= ' ' || c >= 0x7f || c == '\\' || ++lab > DNS_LABEL_MAX)
			return -1;
		out[i] = (char)tolower(c);
	}
	if (lab == 0)
		return -1;
	out[n] = '\0';
	return 0;
}

/* The target name of a term: its domain-spec expanded, or <domain>. */
static int term_target(struct spf_priv *e, const frame *f, const spf_term *t, char *out, size_t outlen)
{
	char buf[SPF_EXPAND_MAX];
	if (t->spec == NULL) {
		snprintf(out, outlen, "%s", f->domain);
		return 0;
	}
	long l = expand(e, f->domain, t->spec, t->speclen, 0, buf, sizeof buf);
	if (l < 0)
		return -1;
	return spf_target_name(buf, (size_t)l, out, outlen);
}

static int spec_has_p(const spf_term *t)
{
	size_t last;
	int p = 0;
	if (t->spec == NULL)
		return 0;
	if (macro_scan(t->spec, t->speclen, MS_CRT, &last, &p, NULL, 0) < 0)
		return 0;
	return p;
}

static auth_result qual_result(char q)
{
	switch (q) {
	case '-': return AUTH_FAIL;
	case '~': return AUTH_SOFTFAIL;
	case '?': return AUTH_NEUTRAL;
	default: return AUTH_PASS;
	}
}

static void push_frame(struct spf_priv *e, const char *domain, int via)
{
	size_t l = strnlen(domain, DNS_TEXT_MAX);
	char tmp[DNS_TEXT_MAX + 1];
	memcpy(tmp, domain, l);   /* domain lives in the parent frame */
	tmp[l] = '\0';
	frame *f = &e->fr[++e->depth];
	memset(f, 0, sizeof *f);
	memcpy(f->domain, tmp, l + 1);
	f->via = via;
	f->state = F_FETCH;
}

/* A frame reached result r (pass/fail/softfail/neutral). */
static void frame_end(struct spf_priv *e, auth_result r, const spf_term *t)
{
	frame *f = &e->fr[e->depth];
	if (e->depth > 0) {
		e->depth--;
		e->fr[e->depth].child = r;
		return;
	}
	e->result = r;
	if (t)
		str_printable(e->mech, sizeof e->mech, t->text, t->textlen);
	else
		e->mech[0] = '\0';
	if (r == AUTH_FAIL && f->rec.exp >= 0) {
		e->exp_term = &f->rec.t[f->rec.exp];
		snprintf(e->exp_dom, sizeof e->exp_dom, "%s", f->domain);
		e->exp_phase = 1;
		return;
	}
	if (t)
		finish(e, r, "%s matched in the policy of %s", e->mech, f->domain);
	else
		finish(e, r, "no term of the policy of %s matched", f->domain);
}

/* Chooses the record among the TXT answer (4.5) and parses it. */
static void frame_record(struct spf_priv *e, frame *f)
{
	const dns_answer *a = f->rec_ans;
	const char *what = f->via == 1 ? "included domain" : f->via == 2 ? "redirect target" : "domain";
	if (a->outcome == DNS_TEMPERROR) {
		finish(e, AUTH_TEMPERROR, "DNS failure looking up the SPF record of %s", f->domain);
		return;
	}
	const dns_rr *rec = NULL;
	size_t found = 0;
	for (size_t i = 0; a->outcome == DNS_ANSWER && i < a->n; i++)
		if (a->rr[i].text && spf_is_record(a->rr[i].text, a->rr[i].textlen)) {
			rec = &a->rr[i];
			found++;
		}
	if (found == 0) {
		if (f->via == 0)
			finish(e, AUTH_NONE, "%s publishes no SPF record", f->domain);
		else
			finish(e, AUTH_PERMERROR, "%s %s publishes no SPF record", what, f->domain);
		return;
	}
	if (found > 1) {
		finish(e, AUTH_PERMERROR, "%s publishes %zu SPF records", f->domain, found);
		return;
	}
	char err[160];
	size_t cap = spf_count_terms(rec->text, rec->textlen);
	spf_term *buf = dns_run_alloc(e->run, (cap ? cap : 1) * sizeof *buf);
	if (spf_parse_record(rec->text, rec->textlen, &f->rec, buf, cap, err, sizeof err) < 0) {
		finish(e, AUTH_PERMERROR, "syntax error in the SPF record of %s: %s", f->domain, err);
		return;
	}
	f->state = F_TERMS;
	f->pos = 0;
	f->phase = 0;
}

enum { T_WAIT, T_MATCH, T_NOMATCH, T_STOP };

static int count_lookup(struct spf_priv *e)
{
	if (++e->lookups > SPF_MAX_LOOKUPS) {
		finish(e, AUTH_PERMERROR, "more than %d DNS-querying terms", SPF_MAX_LOOKUPS);
		return -1;
	}
	return 0;
}

/* One step of term t of frame f. */
static int eval_term(struct spf_priv *e, frame *f, const spf_term *t)
{
	switch (t->kind) {
	case SPF_T_ALL:
		return T_MATCH;
	case SPF_T_IP4:
		return e->family == 4 && cidr_match(t->net, e->ip, t->cidr4) ? T_MATCH : T_NOMATCH;
	case SPF_T_IP6:
		return e->family == 6 && cidr_match(t->net, e->ip, t->cidr6) ? T_MATCH : T_NOMATCH;
	case SPF_T_REDIRECT: case SPF_T_EXP: case SPF_T_UNKNOWN:
		return T_NOMATCH;
	default:
		break;
	}
	/* The DNS mechanisms: include a mx ptr exists. */
	if (f->phase == 0) {
		if (count_lookup(e) < 0)
			return T_STOP;
		f->phase = 1;
	}
	if (f->phase == 1) {
		if (spec_has_p(t) && !need_ptr(e))
			return T_WAIT;
		if (term_target(e, f, t, f->target, sizeof f->target) < 0) {
			if (t->kind == SPF_T_INCLUDE) {
				finish(e, AUTH_PERMERROR, "include target of %s is not a domain name", f->domain);
				return T_STOP;
			}
			return T_NOMATCH;
		}
		f->phase = 2;
		switch (t->kind) {
		case SPF_T_A:
			submit(e, f->target, e->family == 4 ? DNS_T_A : DNS_T_AAAA, &f->ans);
			return T_WAIT;
		case SPF_T_MX:
			submit(e, f->target, DNS_T_MX, &f->ans);
			return T_WAIT;
		case SPF_T_EXISTS:
			submit(e, f->target, DNS_T_A, &f->ans);
			return T_WAIT;
		case SPF_T_INCLUDE:
			if (e->depth + 1 >= SPF_MAX_DEPTH) {
				finish(e, AUTH_PERMERROR, "includes nested too deeply");
				return T_STOP;
			}
			push_frame(e, f->target, 1);
			return T_WAIT;
		default:   /* SPF_T_PTR */
			break;
		}
	}
	if (f->phase == 2) {
		switch (t->kind) {
		case SPF_T_INCLUDE:
			return f->child == AUTH_PASS ? T_MATCH : T_NOMATCH;
		case SPF_T_PTR:
			if (!need_ptr(e))
				return T_WAIT;
			if (e->ptr_ans && count_void(e, e->ptr_ans) < 0)
				return T_STOP;
			for (size_t i = 0; i < e->n_ptr; i++)
				if (e->ptr_valid[i] && name_under(e->ptr_name[i], f->target))
					return T_MATCH;
			return T_NOMATCH;
		default:
			break;
		}
		const dns_answer *a = f->ans;
		if (a->outcome == DNS_TEMPERROR) {
			finish(e, AUTH_TEMPERROR, "DNS failure looking up %s %s", dns_type_str(a->qtype), f->target);
			return T_STOP;
		}
		if (count_void(e, a) < 0)
			return T_STOP;
		if (t->kind == SPF_T_EXISTS)
			return a->outcome == DNS_ANSWER && a->n > 0 ? T_MATCH : T_NOMATCH;
		if (t->kind == SPF_T_A)
			return addr_match(e, a, e->family == 4 ? t->cidr4 : t->cidr6) ? T_MATCH : T_NOMATCH;
		/* SPF_T_MX: more than 10 MX records is a permerror (4.6.4). */
		if (a->outcome != DNS_ANSWER)
			return T_NOMATCH;
		if (a->n > SPF_MAX_NAMES) {
			finish(e, AUTH_PERMERROR, "%s has more than %d MX records", f->target, SPF_MAX_NAMES);
			return T_STOP;
		}
		f->nsub = 0;
		for (size_t i = 0; i < a->n; i++) {
			const char *h = a->rr[i].text;
			if (h == NULL || h[0] == '\0')   /* null MX (RFC 7505) */
				continue;
			submit(e, h, e->family == 4 ? DNS_T_A : DNS_T_AAAA, &f->sub[f->nsub++]);
		}
		f->phase = 3;
		return f->nsub > 0 ? T_WAIT : T_NOMATCH;
	}
	/* phase 3: the MX hosts' addresses */
	int match = 0;
	for (size_t i = 0; i < f->nsub; i++) {
		if (f->sub[i]->outcome == DNS_TEMPERROR) {
			finish(e, AUTH_TEMPERROR, "DNS failure looking up %s %s",
			    dns_type_str(f->sub[i]->qtype), f->sub[i]->qname);
			return T_STOP;
		}
		if (addr_match(e, f->sub[i], e->family == 4 ? t->cidr4 : t->cidr6))
			match = 1;
	}
	return match ? T_MATCH : T_NOMATCH;
}

/* exp= (6.2): any failure just leaves the explanation out. */
static void eval_exp(struct spf_priv *e)
{
	char buf[SPF_EXPAND_MAX], name[DNS_TEXT_MAX + 1];
	const spf_term *t = e->exp_term;
	if (e->exp_phase == 1) {
		if (spec_has_p(t) && !need_ptr(e))
			return;
		long l = expand(e, e->exp_dom, t->spec, t->speclen, 0, buf, sizeof buf);
		if (l < 0 || spf_target_name(buf, (size_t)l, name, sizeof name) < 0) {
			finish(e, e->result, "%s matched in the policy of %s (exp= not usable)", e->mech, e->exp_dom);
			return;
		}
		e->exp_phase = 2;
		submit(e, name, DNS_T_TXT, &e->exp_ans);
		return;
	}
	const dns_answer *a = e->exp_ans;
	size_t last;
	int has_p = 0;
	if (a->outcome != DNS_ANSWER || a->n != 1 || a->rr[0].text == NULL ||
	    macro_scan(a->rr[0].text, a->rr[0].textlen, MS_CRT | MS_SPACE, &last, &has_p, NULL, 0) < 0) {
		finish(e, e->result, "%s matched in the policy of %s", e->mech, e->exp_dom);
		return;
	}
	if (has_p && !need_ptr(e))
		return;
	long l = expand(e, e->exp_dom, a->rr[0].text, a->rr[0].textlen, 1, buf, sizeof buf);
	if (l >= 0 && e->v)
		str_printable(e->v->explanation, sizeof e->v->explanation, buf, (size_t)l);
	finish(e, e->result, "%s matched in the policy of %s", e->mech, e->exp_dom);
}

static void advance(struct spf_priv *e)
{
	if (e->exp_phase) {
		eval_exp(e);
		return;
	}
	frame *f = &e->fr[e->depth];
	switch (f->state) {
	case F_FETCH:
		f->state = F_RECORD;
		submit(e, f->domain, DNS_T_TXT, &f->rec_ans);
		return;
	case F_RECORD:
		frame_record(e, f);
		return;
	case F_REDIRECT: {
		const spf_term *t = &f->rec.t[f->rec.redirect];
		char target[DNS_TEXT_MAX + 1];
		if (f->phase == 0) {
			if (count_lookup(e) < 0)
				return;
			f->phase = 1;
		}
		if (spec_has_p(t) && !need_ptr(e))
			return;
		if (term_target(e, f, t, target, sizeof target) < 0) {
			finish(e, AUTH_PERMERROR, "redirect target of %s is not a domain name", f->domain);
			return;
		}
		/* The target's record replaces this one, exp= included (6.1). */
		memset(&f->rec, 0, sizeof f->rec);
		snprintf(f->domain, sizeof f->domain, "%s", target);
		f->via = 2;
		f->state = F_FETCH;
		return;
	}
	case F_TERMS:
		break;
	}
	if (f->pos >= f->rec.n) {
		if (f->rec.redirect >= 0) {
			f->state = F_REDIRECT;
			f->phase = 0;
			return;
		}
		frame_end(e, AUTH_NEUTRAL, NULL);   /* default result (4.7) */
		return;
	}
	const spf_term *t = &f->rec.t[f->pos];
	int r = eval_term(e, f, t);
	if (r == T_MATCH)
		frame_end(e, qual_result(t->qual), t);
	else if (r == T_NOMATCH) {
		f->pos++;
		f->phase = 0;
	}
}

static void step(struct spf_priv *e)
{
	e->in_step = 1;
	while (!e->finished && e->waiting == 0)
		advance(e);
	e->in_step = 0;
}

/* A domain that check_host() can start from (4.3): labels of 1..63
 * letters, digits, hyphens or underscores, at least two labels, the last
 * not all digits. */
static int start_domain(const char *in, char *out, size_t outlen)
{
	size_t n = strlen(in), lab = 0, labels = 1, last = 0;
	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n > DNS_TEXT_MAX || n >= outlen)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '.') {
			if (lab == 0)
				return -1;
			lab = 0;
			labels++;
			last = i + 1;
		} else if (is_alnum(c) || c == '-' || c == '_') {
			if (++lab > DNS_LABEL_MAX)
				return -1;
		} else
			return -1;
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	if (lab == 0 || labels < 2)
		return -1;
	int digits = 1;
	for (size_t i = last; i < n; i++)
		if (!is_digit(out[i]))
			digits = 0;
	return digits ? -1 : 0;
}

/* "local@domain" for display; a long local-part is shortened to fit. */
static void set_identity(spf_verdict *v, const char *local, const char *dom)
{
	size_t cap = sizeof v->identity - 1, dl = strlen(dom), ll = strlen(local);
	if (dl > cap - 1)
		dl = cap - 1;
	if (ll + 1 + dl > cap)
		ll = cap - 1 - dl;
	memcpy(v->identity, local, ll);
	v->identity[ll] = '@';
	memcpy(v->identity + ll + 1, dom, dl);
	v->identity[ll + 1 + dl] = '\0';
}

void spf_start(dns_run *run, spf_scope scope, const char *client_ip,
    const char *helo, const char *mail_from, spf_verdict *v)
{
	struct spf_priv *e = dns_run_alloc(run, sizeof *e);
	char norm[64];
	memset(v, 0, sizeof *v);
	v->priv = e;
	v->scope = scope;
	v->result = AUTH_TEMPERROR;
	snprintf(v->reason, sizeof v->reason, "not evaluated");
	snprintf(v->mechanism, sizeof v->mechanism, "default");
	e->v = v;
	e->run = run;
	helo = helo ? helo : "";
	mail_from = mail_from ? mail_from : "";
	snprintf(e->helo, sizeof e->helo, "%s", helo);

	/* <sender>: MAIL FROM, or postmaster@HELO (2.3, 2.4); no local-part
	 * means postmaster (4.3). */
	const char *dom = helo;
	const char *at = strrchr(mail_from, '@');
	if (scope == SPF_SCOPE_MAILFROM && mail_from[0] != '\0') {
		size_t ll = at ? (size_t)(at - mail_from) : 0;
		dom = at ? at + 1 : mail_from;
		/* An over-long local-part is cut for the macros only: the
		 * policy still applies, so a long local-part cannot turn a fail
		 * into anything milder. */
		if (ll == 0)
			snprintf(e->local, sizeof e->local, "postmaster");
		else
			str_printable(e->local, sizeof e->local, mail_from, ll);
	} else
		snprintf(e->local, sizeof e->local, "postmaster");
	str_printable(e->sdomain, sizeof e->sdomain, dom, strnlen(dom, DNS_TEXT_MAX));
	set_identity(v, e->local, e->sdomain);

	e->family = addr_normalize(client_ip ? client_ip : "", norm, sizeof norm);
	if (e->family == 0 || inet_pton(e->family == 4 ? AF_INET : AF_INET6, norm, e->ip) != 1) {
		finish(e, AUTH_PERMERROR, "client address is not an IP address");
		return;
	}
	snprintf(e->ipstr, sizeof e->ipstr, "%s", norm);
	if (start_domain(dom, e->fr[0].domain, sizeof e->fr[0].domain) < 0) {
		str_printable(v->domain, sizeof v->domain, dom, strnlen(dom, DNS_TEXT_MAX));
		finish(e, AUTH_NONE, "%s is not a usable domain name",
		    scope == SPF_SCOPE_HELO || mail_from[0] == '\0' ? "HELO" : "MAIL FROM domain");
		return;
	}
	snprintf(e->sdomain, sizeof e->sdomain, "%s", e->fr[0].domain);
	set_identity(v, e->local, e->sdomain);
	snprintf(v->domain, sizeof v->domain, "%s", e->fr[0].domain);
	e->fr[0].state = F_FETCH;
	step(e);
}

void spf_verdict_clear(spf_verdict *v)
{
	if (v == NULL)
		return;
	if (v->priv)
		v->priv->v = NULL;   /* its memory belongs to the run */
	v->priv = NULL;
}

json_object *spf_json(const spf_verdict *v)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "result", json_object_new_string(result_auth_str(v->result)));
	json_object_object_add(o, "scope", json_object_new_string(v->scope == SPF_SCOPE_HELO ? "helo" : "mailfrom"));
	json_object_object_add(o, "identity", json_object_new_string(v->identity));
	json_object_object_add(o, "domain", json_object_new_string(v->domain));
	json_object_object_add(o, "mechanism", json_object_new_string(v->mechanism));
	json_object_object_add(o, "reason", json_object_new_string(v->reason));
	json_object_object_add(o, "explanation", json_object_new_string(v->explanation));
	json_object_object_add(o, "lookups", json_object_new_int((int)v->lookups));
	json_object_object_add(o, "void_lookups", json_object_new_int((int)v->void_lookups));
	return o;
}
