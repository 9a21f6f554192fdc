/*
 * dmarc: RFC 7489 evaluated in the project (libopendmarc's alignment is
 * wrong: it drops one-character leftmost labels and lets a public suffix as
 * d= align).  Record syntax: RFC 7489 6.3/6.4 on the tag-list of RFC 6376
 * 3.2.  Discovery: 6.6.3 (exactly one v=DMARC1 record at _dmarc.<From
 * domain>, else at the organizational domain of 3.2, found with libpsl).
 * Alignment: 3.1.  np= and non-existent domains: RFC 9091 2.7, 4.
 * Callbacks only store answers and submit follow-ups; the verdict of a
 * message is decided in dmarc_finish().  The discovery is exported
 * (dmarc_disc) for the dmarc_record readiness check of core/ready_dmarc.c.
 */
#include <ctype.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarc.h"
#include "mailaddr.h"
#include "str.h"

/* ---------- organizational domain (RFC 7489 3.2) ---------- */

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl;

static void psl_init(void)
{
	/* The system list (publicsuffix package) if newer than the copy built
	 * into libpsl; loaded once, read-only afterwards, kept for the process. */
	psl_ctx_t *l = psl_latest(NULL);
	psl = l ? l : psl_builtin();
}

int dmarc_org_domain(const char *domain, char *out, size_t outlen)
{
	char norm[DNS_TEXT_MAX + 1];
	if (domain == NULL || dns_name_normalize(domain, norm, sizeof norm, NULL, 0) < 0)
		return -1;
	pthread_once(&psl_once, psl_init);
	if (psl == NULL)
		return -1;
	/* With the default rule "*" an unlisted TLD (xtest.) is a suffix too. */
	const char *reg = psl_registrable_domain(psl, norm);
	if (reg == NULL || strlen(reg) >= outlen)
		return -1;
	memmove(out, reg, strlen(reg) + 1);
	return 0;
}

int dmarc_org_or_self(const char *domain, char *out, size_t outlen)
{
	char norm[DNS_TEXT_MAX + 1];
	if (dns_name_normalize(domain, norm, sizeof norm, NULL, 0) < 0 || strlen(norm) >= outlen)
		return -1;
	if (dmarc_org_domain(norm, out, outlen) < 0)
		memcpy(out, norm, strlen(norm) + 1);
	return 0;
}

int dmarc_aligned(const char *domain, const char *from_domain, int strict)
{
	char a[DNS_TEXT_MAX + 1], b[DNS_TEXT_MAX + 1];
	if (domain == NULL || from_domain == NULL)
		return 0;
	if (strict) {
		if (dns_name_normalize(domain, a, sizeof a, NULL, 0) < 0 ||
		    dns_name_normalize(from_domain, b, sizeof b, NULL, 0) < 0)
			return 0;
		return strcmp(a, b) == 0;
	}
	if (dmarc_org_or_self(domain, a, sizeof a) < 0 || dmarc_org_or_self(from_domain, b, sizeof b) < 0)
		return 0;
	return strcmp(a, b) == 0;
}

/* ---------- record syntax ---------- */

const char *dmarc_policy_str(dmarc_policy p)
{
	switch (p) {
	case DMARC_P_NONE: return "none";
	case DMARC_P_QUARANTINE: return "quarantine";
	case DMARC_P_REJECT: return "reject";
	default: return "unset";
	}
}

static int is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int dmarc_is_record(const char *txt, size_t len)
{
	size_t i = 0;
	if (txt == NULL)
		return 0;
	while (i < len && is_wsp(txt[i]))
		i++;
	if (i >= len || (txt[i] != 'v' && txt[i] != 'V'))
		return 0;
	for (i++; i < len && is_wsp(txt[i]); i++)
		;
	if (i >= len || txt[i] != '=')
		return 0;
	for (i++; i < len && is_wsp(txt[i]); i++)
		;
	/* dmarc-version: "DMARC1" is given as %x values: case-sensitive. */
	if (len - i < 6 || memcmp(txt + i, "DMARC1", 6) != 0)
		return 0;
	for (i += 6; i < len && is_wsp(txt[i]); i++)
		;
	return i == len || txt[i] == ';';
}

static int parse_policy(const char *v, size_t n, dmarc_policy *out)
{
	static const struct { const char *s; dmarc_policy p; } tab[] = {
		{ "none", DMARC_P_NONE }, { "quarantine", DMARC_P_QUARANTINE }, { "reject", DMARC_P_REJECT }
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strlen(tab[i].s) == n && strncasecmp(v, tab[i].s, n) == 0) {
			*out = tab[i].p;
			return 0;
		}
	return -1;
}

/* One dmarc-uri (6.4): URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ], the
 * URI at least scheme ":" something.  Commas inside a URI must be %2C. */
static int uri_ok(const char *u, size_t n)
{
	size_t i = 0;
	if (n == 0 || !isalpha((unsigned char)u[0]))
		return 0;
	while (i < n && (isalnum((unsigned char)u[i]) || u[i] == '+' || u[i] == '-' || u[i] == '.'))
		i++;
	if (i >= n || u[i] != ':' || i + 1 >= n)
		return 0;
	const char *bang = memchr(u, '!', n);
	if (bang) {
		size_t k = (size_t)(bang - u) + 1, d = 0;
		if ((size_t)(bang - u) <= i + 1)
			return 0;
		while (k < n && isdigit((unsigned char)u[k])) {
			k++;
			d++;
		}
		if (d == 0)
			return 0;
		if (k < n && strchr("kmgtKMGT", u[k]))
			k++;
		if (k != n)
			return 0;
	}
	for (size_t k = 0; k < n; k++)
		if (is_wsp(u[k]) || u[k] == ';')
			return 0;
	return 1;
}

/* Validates a comma-separated URI list and copies the whole URIs that fit
 * into out.  Returns the number of valid URIs, -1 if one is malformed. */
static int uri_list(const char *v, size_t n, char *out, size_t outlen)
{
	size_t i = 0, o = 0;
	int count = 0;
	out[0] = '\0';
	while (i <= n) {
		size_t s = i;
		while (i < n && v[i] != ',')
			i++;
		size_t a = s, b = i;
		while (a < b && is_wsp(v[a]))
			a++;
		while (b > a && is_wsp(v[b - 1]))
			b--;
		if (!uri_ok(v + a, b - a))
			return -1;
		count++;
		if (o + (o ? 1 : 0) + (b - a) < outlen) {
			if (o)
				out[o++] = ',';
			memcpy(out + o, v + a, b - a);
			o += b - a;
			out[o] = '\0';
		}
		i++;
	}
	return count;
}

enum { TAG_V, TAG_P, TAG_SP, TAG_NP, TAG_ADKIM, TAG_ASPF, TAG_PCT, TAG_RUA, TAG_RUF,
	TAG_FO, TAG_RF, TAG_RI, TAG_N };
static const char *const tag_names[TAG_N] = {
	"v", "p", "sp", "np", "adkim", "aspf", "pct", "rua", "ruf", "fo", "rf", "ri"
};

static void warn_once(dmarc_record *r, const char *tag, const char *v, size_t n)
{
	if (r->warning[0] == '\0')
		snprintf(r->warning, sizeof r->warning, "ignored %s=%.*s (invalid value)", tag,
		    (int)(n > 40 ? 40 : n), v);
}

/* What the tags of a record said so far. */
typedef struct tagstate {
	int bad_policy, have_p, rua_valid;
} tagstate;

/* Applies the value v (vn octets) of one known tag to out. */
static void apply_tag(dmarc_record *out, tagstate *st, int tag, const char *v, size_t vn)
{
	switch (tag) {
	case TAG_V:
		break;
	case TAG_P:
		if (parse_policy(v, vn, &out->p) < 0)
			st->bad_policy = 1;
		else
			st->have_p = 1;
		break;
	case TAG_SP:
		if (parse_policy(v, vn, &out->sp) < 0)
			st->bad_policy = 1;
		break;
	case TAG_NP:
		if (parse_policy(v, vn, &out->np) < 0) {
			out->np = DMARC_P_UNSET;
			warn_once(out, "np", v, vn);
		}
		break;
	case TAG_ADKIM:
	case TAG_ASPF:
		if (vn == 1 && (v[0] == 's' || v[0] == 'S' || v[0] == 'r' || v[0] == 'R')) {
			int strict = v[0] == 's' || v[0] == 'S';
			if (tag == TAG_ADKIM)
				out->adkim_strict = strict;
			else
				out->aspf_strict = strict;
		} else
			warn_once(out, tag_names[tag], v, vn);
		break;
	case TAG_PCT: {
		unsigned n = 0;
		size_t k = 0;
		for (; k < vn && k < 4 && isdigit((unsigned char)v[k]); k++)
			n = n * 10 + (unsigned)(v[k] - '0');
		if (vn == 0 || vn > 3 || k != vn || n > 100)
			warn_once(out, "pct", v, vn);
		else
			out->pct = n;
		break;
	}
	case TAG_RUA:
	case TAG_RUF: {
		int c = uri_list(v, vn, tag == TAG_RUA ? out->rua : out->ruf, sizeof out->rua);
		if (c < 0) {
			(tag == TAG_RUA ? out->rua : out->ruf)[0] = '\0';
			warn_once(out, tag_names[tag], v, vn);
		} else if (tag == TAG_RUA)
			st->rua_valid = 1;
		break;
	}
	default:
		break;   /* fo, rf, ri: reporting only */
	}
}

int dmarc_record_parse(const char *txt, size_t len, dmarc_record *out, char *err, size_t errlen)
{
	dmarc_record tmp;
	unsigned seen = 0;
	tagstate st = { 0, 0, 0 };
	size_t i = 0, idx = 0;
	if (out == NULL)
		out = &tmp;
	memset(out, 0, sizeof *out);
	out->pct = 100;
	if (txt == NULL || !dmarc_is_record(txt, len)) {
		str_err(err, errlen, "does not start with v=DMARC1");
		return -1;
	}
	if (memchr(txt, '\0', len)) {
		str_err(err, errlen, "NUL in record");
		return -1;
	}
	while (i < len) {
		size_t s = i;
		while (i < len && txt[i] != ';')
			i++;
		size_t a = s, b = i;
		i++;
		while (a < b && is_wsp(txt[a]))
			a++;
		while (b > a && is_wsp(txt[b - 1]))
			b--;
		if (a == b)
			continue;   /* empty tag-spec (";;" or a final ";"): harmless */
		/* tag-name = ALPHA *ALNUMPUNC */
		size_t ne = a;
		if (!isalpha((unsigned char)txt[ne])) {
			str_err(err, errlen, "malformed tag in record");
			return -1;
		}
		/* RFC 6376 allows '_' after the first letter; '-' is tolerated
		 * too since no known tag has one (unknown tags are ignored). */
		while (ne < b && (isalnum((unsigned char)txt[ne]) || txt[ne] == '_' || txt[ne] == '-'))
			ne++;
		size_t eq = ne;
		while (eq < b && is_wsp(txt[eq]))
			eq++;
		if (eq >= b || txt[eq] != '=') {
			str_err(err, errlen, "tag '%.*s' without '='", (int)(ne - a > 20 ? 20 : ne - a), txt + a);
			return -1;
		}
		size_t va = eq + 1;
		while (va < b && is_wsp(txt[va]))
			va++;
		const char *v = txt + va;
		size_t vn = b - va;
		for (size_t k = 0; k < vn; k++) {
			unsigned char c = (unsigned char)v[k];
			/* VALCHAR = %x21-3A / %x3C-7E, white space between tvals */
			if (!is_wsp((char)c) && (c < 0x21 || c > 0x7e)) {
				str_err(err, errlen, "invalid character 0x%02x in value of %.*s", c,
				    (int)(ne - a > 20 ? 20 : ne - a), txt + a);
				return -1;
			}
		}
		int tag = -1;
		for (int t = 0; t < TAG_N; t++)
			if (strlen(tag_names[t]) == ne - a && strncasecmp(txt + a, tag_names[t], ne - a) == 0)
				tag = t;
		if (idx++ == 0 && tag != TAG_V) {
			str_err(err, errlen, "v=DMARC1 is not the first tag");
			return -1;
		}
		if (tag < 0)
			continue;   /* unknown tags MUST be ignored (6.3) */
		if (seen & (1u << tag)) {
			/* RFC 6376 3.2: a duplicate tag invalidates the whole list. */
			str_err(err, errlen, "duplicate tag %s", tag_names[tag]);
			return -1;
		}
		seen |= 1u << tag;
		apply_tag(out, &st, tag, v, vn);
	}
	if (!st.have_p || st.bad_policy) {
		if (!st.rua_valid) {
			str_err(err, errlen, st.have_p ? "invalid sp= tag" : (seen & (1u << TAG_P)) ?
			    "invalid p= tag" : "no p= tag");
			return -1;
		}
		/* 6.6.3: with a valid rua=, act as if "v=DMARC1; p=none". */
		snprintf(out->warning, sizeof out->warning, "%s: treated as p=none (RFC 7489 6.6.3)",
		    st.have_p ? "invalid sp=" : (seen & (1u << TAG_P)) ? "invalid p=" : "no p=");
		out->p = DMARC_P_NONE;
		out->sp = out->np = DMARC_P_UNSET;
	}
	return 0;
}

/* ---------- discovery (RFC 7489 6.6.3) ---------- */

size_t dmarc_count_records(const dns_answer *a, const dns_rr **one)
{
	size_t n = 0;
	for (size_t i = 0; a->outcome == DNS_ANSWER && i < a->n; i++)
		if (a->rr[i].text && dmarc_is_record(a->rr[i].text, a->rr[i].textlen)) {
			if (n++ == 0)
				*one = &a->rr[i];
		}
	return n;
}

static dmarc_disc_state judge_set(dmarc_disc *d, const dns_answer *a)
{
	d->used = a;
	if (a->outcome == DNS_TEMPERROR)
		return DMARC_DISC_TEMP;
	d->n = dmarc_count_records(a, &d->rr);
	return d->n == 0 ? DMARC_DISC_NONE : d->n == 1 ? DMARC_DISC_FOUND : DMARC_DISC_MULTI;
}

dmarc_disc_state dmarc_disc_step(dmarc_disc *d)
{
	if (d->st != DMARC_DISC_WAIT)
		return d->st;
	if (d->at_from == NULL)
		return DMARC_DISC_WAIT;
	dmarc_disc_state s = judge_set(d, d->at_from);
	if (s != DMARC_DISC_NONE || d->same) {
		d->st = s;
		return s;
	}
	/* No record at the From domain: the organizational domain's. */
	if (d->at_org == NULL)
		return DMARC_DISC_WAIT;
	d->st = judge_set(d, d->at_org);
	return d->st;
}

int dmarc_disc_from_org(const dmarc_disc *d)
{
	return d->used != NULL && d->used == d->at_org && !d->same;
}

/* ---------- evaluation of a message ---------- */

struct dmarc_priv {
	dns_run *run;
	char from[DNS_TEXT_MAX + 1]; /* a copy: the verdict may be moved until finish */
	dmarc_disc d;
	int asked_exist;
	const dns_answer *ex[3];     /* A, AAAA, MX of the From domain (RFC 9091 2.7) */
};

static void exist_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	(void)run;
	*(const dns_answer **)arg = ans;
}

/* The existence of the From domain matters only for a record found at the
 * organizational domain whose np= differs from what applies otherwise, so
 * it is asked only then (one more round trip in that case alone). */
static void maybe_ask_exist(struct dmarc_priv *p)
{
	dmarc_record r;
	if (p->asked_exist || p->d.st != DMARC_DISC_FOUND || !dmarc_disc_from_org(&p->d))
		return;
	if (dmarc_record_parse(p->d.rr->text, p->d.rr->textlen, &r, NULL, 0) < 0 || r.np == DMARC_P_UNSET)
		return;
	dmarc_policy other = r.sp != DMARC_P_UNSET ? r.sp : r.p;
	if (r.np == other)
		return;
	static const int types[3] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX };
	p->asked_exist = 1;
	for (int i = 0; i < 3; i++)
		dns_submit(p->run, p->from, types[i], exist_cb, &p->ex[i]);
}

static void msg_step(struct dmarc_priv *p)
{
	if (dmarc_disc_step(&p->d) == DMARC_DISC_FOUND)
		maybe_ask_exist(p);
}

static void msg_from_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	struct dmarc_priv *p = arg;
	(void)run;
	p->d.at_from = ans;
	msg_step(p);
}

static void msg_org_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	struct dmarc_priv *p = arg;
	(void)run;
	p->d.at_org = ans;
	msg_step(p);
}

static void verdict_init(dmarc_verdict *v)
{
	memset(v, 0, sizeof *v);
	v->result = AUTH_NONE;
	v->rec.pct = 100;
	v->nonexistent = -1;
}

void dmarc_start(dns_run *run, const char *from_domain, int from_count, dmarc_verdict *v)
{
	char n[DNS_TEXT_MAX + 16], why_n[96];
	verdict_init(v);
	if (from_count != 1) {
		v->result = AUTH_PERMERROR;
		if (from_count == 0)
			snprintf(v->reason, sizeof v->reason, "no From address (RFC 7489 6.6.1)");
		else if (from_count < 0)
			snprintf(v->reason, sizeof v->reason, "From field does not parse");
		else
			snprintf(v->reason, sizeof v->reason, "%d From addresses: the author domain is ambiguous", from_count);
		return;
	}
	if (from_domain == NULL || dns_name_normalize(from_domain, v->from_domain, sizeof v->from_domain,
	    why_n, sizeof why_n) < 0) {
		v->result = AUTH_PERMERROR;
		v->from_domain[0] = '\0';
		snprintf(v->reason, sizeof v->reason, "From domain is not a domain name");
		return;
	}
	if (dmarc_org_domain(v->from_domain, v->org_domain, sizeof v->org_domain) < 0)
		memcpy(v->org_domain, v->from_domain, strlen(v->from_domain) + 1);
	struct dmarc_priv *p = dns_run_alloc(run, sizeof *p);
	p->run = run;
	memcpy(p->from, v->from_domain, sizeof p->from);
	p->d.same = strcmp(v->org_domain, v->from_domain) == 0;
	v->priv = p;
	if (snprintf(n, sizeof n, "_dmarc.%s", v->from_domain) >= (int)sizeof n || strlen(n) > DNS_TEXT_MAX) {
		/* _dmarc.<from> cannot exist: go straight to the org domain. */
		p->d.at_from = dns_run_alloc(run, sizeof(dns_answer));
		((dns_answer *)p->d.at_from)->outcome = DNS_NXDOMAIN;
		((dns_answer *)p->d.at_from)->qname = "";
	} else
		dns_submit(run, n, DNS_T_TXT, msg_from_cb, p);
	if (!p->d.same && snprintf(n, sizeof n, "_dmarc.%s", v->org_domain) < (int)sizeof n)
		dns_submit(run, n, DNS_T_TXT, msg_org_cb, p);
	msg_step(p);
}

void dmarc_start_from(dns_run *run, const char *const *values, const size_t *lens, size_t n,
    dmarc_verdict *v)
{
	mailaddr a;
	char err[160] = "";
	if (n != 1) {
		dmarc_start(run, NULL, n == 0 ? 0 : (int)(n > 1000 ? 1000 : n), v);
		if (n > 1)
			snprintf(v->reason, sizeof v->reason, "%zu From fields (RFC 5322 3.6 allows one)", n);
		return;
	}
	int c = mailaddr_parse_from(values[0], lens[0], &a, err, sizeof err);
	dmarc_start(run, c == 1 ? a.domain : NULL, c, v);
	if (c < 0)
		snprintf(v->reason, sizeof v->reason, "From field does not parse: %s", err);
	else if (c == 0)
		snprintf(v->reason, sizeof v->reason, "no mailbox in the From field");
	else if (c == 1 && v->result == AUTH_PERMERROR)
		snprintf(v->reason, sizeof v->reason, "From domain %.200s is not a domain name", a.domain);
}

static int exist_state(const struct dmarc_priv *p)
{
	int temp = 0;
	for (int i = 0; i < 3; i++) {
		const dns_answer *a = p->ex[i];
		if (a == NULL || a->outcome == DNS_TEMPERROR)
			temp = 1;
		else if (a->outcome == DNS_ANSWER)
			return 0;   /* exists */
	}
	return temp ? -1 : 1;
}

void dmarc_finish(dmarc_verdict *v, auth_result spf, const char *spf_domain, const dkimv_verdict *dkim)
{
	struct dmarc_priv *p = v->priv;
	char err[128];
	if (p == NULL || v->result == AUTH_PERMERROR)
		return;
	v->priv = NULL;
	switch (dmarc_disc_step(&p->d)) {
	case DMARC_DISC_WAIT:
		v->result = AUTH_TEMPERROR;
		snprintf(v->reason, sizeof v->reason, "DMARC record lookup did not finish");
		return;
	case DMARC_DISC_TEMP:
		v->result = AUTH_TEMPERROR;
		snprintf(v->reason, sizeof v->reason, "DMARC record lookup at %.100s failed (%.100s)",
		    p->d.used->qname, dns_failure_str(p->d.used));
		return;
	case DMARC_DISC_NONE:
		v->result = AUTH_NONE;
		if (p->d.same)
			snprintf(v->reason, sizeof v->reason, "no DMARC record at _dmarc.%.200s", v->from_domain);
		else
			snprintf(v->reason, sizeof v->reason, "no DMARC record at _dmarc.%.100s or _dmarc.%.100s",
			    v->from_domain, v->org_domain);
		return;
	case DMARC_DISC_MULTI:
		v->result = AUTH_NONE;
		snprintf(v->reason, sizeof v->reason, "%zu DMARC records at %.200s: no policy (RFC 7489 6.6.3)",
		    p->d.n, p->d.used->qname);
		return;
	case DMARC_DISC_FOUND:
		break;
	}
	const dns_rr *rr = p->d.rr;
	snprintf(v->record_domain, sizeof v->record_domain, "%s", dmarc_disc_from_org(&p->d) ? v->org_domain : v->from_domain);
	str_printable(v->record, sizeof v->record, rr->text, rr->textlen);
	if (dmarc_record_parse(rr->text, rr->textlen, &v->rec, err, sizeof err) < 0) {
		v->result = AUTH_NONE;
		snprintf(v->reason, sizeof v->reason, "DMARC record at _dmarc.%.120s unusable: %.100s",
		    v->record_domain, err);
		return;
	}
	/* Which policy applies (6.6.3, RFC 9091 4). */
	int exist_unknown = 0;
	v->applied = v->rec.p;
	if (dmarc_disc_from_org(&p->d)) {
		dmarc_policy sub = v->rec.sp != DMARC_P_UNSET ? v->rec.sp : v->rec.p;
		v->applied = sub;
		if (p->asked_exist) {
			v->nonexistent = exist_state(p);
			if (v->nonexistent == 1)
				v->applied = v->rec.np;
			else if (v->nonexistent < 0)
				exist_unknown = 1;
		}
	}

	v->spf_aligned = spf == AUTH_PASS && spf_domain && spf_domain[0] &&
	    dmarc_aligned(spf_domain, v->from_domain, v->rec.aspf_strict);
	int spf_temp = spf == AUTH_TEMPERROR && spf_domain && spf_domain[0] &&
	    dmarc_aligned(spf_domain, v->from_domain, v->rec.aspf_strict);
	int dkim_temp = 0;
	const char *dkim_d = NULL;
	for (size_t i = 0; dkim && i < dkim->n && i < DKIMV_MAX_SIGS; i++) {
		const dkimv_sig *s = &dkim->sig[i];
		if (s->result != AUTH_PASS && s->result != AUTH_TEMPERROR)
			continue;
		if (!dmarc_aligned(s->domain, v->from_domain, v->rec.adkim_strict))
			continue;
		if (s->result == AUTH_PASS) {
			v->dkim_aligned = 1;
			dkim_d = s->domain;
			break;
		}
		dkim_temp = 1;
	}
	if (v->spf_aligned || v->dkim_aligned) {
		v->result = AUTH_PASS;
		if (v->dkim_aligned)
			snprintf(v->reason, sizeof v->reason, "aligned DKIM pass (d=%.100s, %s)%s", dkim_d,
			    v->rec.adkim_strict ? "strict" : "relaxed", v->spf_aligned ? " and aligned SPF pass" : "");
		else
			snprintf(v->reason, sizeof v->reason, "aligned SPF pass (%.100s, %s)", spf_domain,
			    v->rec.aspf_strict ? "strict" : "relaxed");
	} else if (spf_temp || dkim_temp) {
		v->result = AUTH_TEMPERROR;
		snprintf(v->reason, sizeof v->reason, "no aligned pass, and an aligned %s result was temperror",
		    spf_temp ? "SPF" : "DKIM");
	} else if (exist_unknown) {
		v->result = AUTH_TEMPERROR;
		snprintf(v->reason, sizeof v->reason, "no aligned pass; whether %.150s exists (np=) is unknown",
		    v->from_domain);
	} else {
		v->result = AUTH_FAIL;
		snprintf(v->reason, sizeof v->reason, "no aligned SPF or DKIM pass; policy %s%s",
		    dmarc_policy_str(v->applied), v->nonexistent == 1 ? " (np=, non-existent domain)" : "");
	}
}

static json_object *str_or_null(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

static json_object *pol_or_null(dmarc_policy p)
{
	return p == DMARC_P_UNSET ? NULL : json_object_new_string(dmarc_policy_str(p));
}

json_object *dmarc_json(const dmarc_verdict *v)
{
	json_object *o = json_object_new_object();
	int rec = v->record_domain[0] != '\0' && v->result != AUTH_PERMERROR;
	int used = rec && (v->result == AUTH_PASS || v->result == AUTH_FAIL || v->result == AUTH_TEMPERROR);
	json_object_object_add(o, "result", json_object_new_string(result_auth_str(v->result)));
	json_object_object_add(o, "from_domain", str_or_null(v->from_domain));
	json_object_object_add(o, "org_domain", str_or_null(v->org_domain));
	json_object_object_add(o, "record_domain", str_or_null(rec ? v->record_domain : NULL));
	json_object_object_add(o, "record", str_or_null(rec ? v->record : NULL));
	json_object_object_add(o, "policy", used ? pol_or_null(v->rec.p) : NULL);
	json_object_object_add(o, "sp", used ? pol_or_null(v->rec.sp) : NULL);
	json_object_object_add(o, "np", used ? pol_or_null(v->rec.np) : NULL);
	json_object_object_add(o, "applied", used ? pol_or_null(v->applied) : NULL);
	json_object_object_add(o, "pct", used ? json_object_new_int((int)v->rec.pct) : NULL);
	json_object_object_add(o, "adkim", used ? json_object_new_string(v->rec.adkim_strict ? "s" : "r") : NULL);
	json_object_object_add(o, "aspf", used ? json_object_new_string(v->rec.aspf_strict ? "s" : "r") : NULL);
	json_object_object_add(o, "spf_aligned", json_object_new_boolean(v->spf_aligned));
	json_object_object_add(o, "dkim_aligned", json_object_new_boolean(v->dkim_aligned));
	if (v->nonexistent >= 0)
		json_object_object_add(o, "nonexistent", json_object_new_boolean(v->nonexistent));
	if (used && v->rec.warning[0])
		json_object_object_add(o, "warning", json_object_new_string(v->rec.warning));
	json_object_object_add(o, "reason", json_object_new_string(v->reason));
	return o;
}
