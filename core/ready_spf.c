/*
 * ready_spf: the spf_record readiness check.  Walks a sender domain's SPF
 * policy without a client address, through include and redirect (RFC 7208
 * 5.2, 6.1), with the parser of core/spf.c, and judges it: exactly one
 * record (4.5), valid syntax (4.6, 12), within the 10 DNS-querying terms
 * and 2 void lookups of 4.6.4 (counted over every included record), ending
 * in -all or ~all (directly or through redirect).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ready_spf.h"
#include "spf.h"
#include "str.h"

#define FOLLOW_MAX 30  /* records the walk fetches at most */

/* RFC 7208 4.6.4: a lookup that gives no answer (NXDOMAIN or no data). */
static int is_void(const dns_answer *a)
{
	return a->outcome == DNS_NXDOMAIN || a->outcome == DNS_NODATA;
}

typedef struct pol {
	dns_run *run;
	ready_item *it;
	char domain[DNS_TEXT_MAX + 1];
	unsigned pending, lookups, voids, fetched;
	const char *record;          /* the domain's own record */
	size_t n_records;            /* v=spf1 records at the domain */
	int none, temp;
	char why[256];               /* first temperror or permerror reason */
	int perm;
	char all[8];                 /* effective all (through redirect), "" none */
} pol;

typedef struct pnode {
	pol *p;
	int chain;                   /* on the domain's redirect chain */
	int top;
	const dns_answer *ans;
} pnode;

typedef struct pvoid {
	pol *p;
	int n, got;
	const dns_answer *a[2];
} pvoid;

static void pol_done(pol *p);

static void pol_fail(pol *p, int temp, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void pol_fail(pol *p, int temp, const char *fmt, ...)
{
	va_list ap;
	char buf[256];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (temp) {
		if (!p->temp)
			str_printable(p->why, sizeof p->why, buf, strlen(buf));
		p->temp = 1;
	} else if (!p->perm && !p->temp) {
		str_printable(p->why, sizeof p->why, buf, strlen(buf));
		p->perm = 1;
	}
}

static void pol_void_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	pvoid *pv = arg;
	pol *p = pv->p;
	(void)run;
	pv->a[pv->got++] = ans;
	if (pv->got == pv->n) {
		int empty = 1;
		for (int i = 0; i < pv->n; i++) {
			if (pv->a[i]->outcome == DNS_TEMPERROR)
				pol_fail(p, 1, "DNS failure looking up %s %s", dns_type_str(pv->a[i]->qtype), pv->a[i]->qname);
			if (!is_void(pv->a[i]))
				empty = 0;
		}
		if (empty)
			p->voids++;
	}
	if (--p->pending == 0)
		pol_done(p);
}

static void pol_txt_cb(dns_run *run, const dns_answer *ans, void *arg);

static void pol_fetch(pol *p, const char *name, int chain, int top)
{
	pnode *n = dns_run_alloc(p->run, sizeof *n);
	n->p = p;
	n->chain = chain;
	n->top = top;
	p->pending++;
	p->fetched++;
	dns_submit(p->run, name, DNS_T_TXT, pol_txt_cb, n);
}

static void pol_voidcheck(pol *p, const char *name, int t1, int t2)
{
	pvoid *pv = dns_run_alloc(p->run, sizeof *pv);
	pv->p = p;
	pv->n = t2 ? 2 : 1;
	p->pending += (unsigned)pv->n;
	dns_submit(p->run, name, t1, pol_void_cb, pv);
	if (t2)
		dns_submit(p->run, name, t2, pol_void_cb, pv);
}

/* A target without macros as a lookup name, else NULL. */
static const char *pol_target(pol *p, const spf_term *t, const char *owner, char *buf, size_t len)
{
	if (t->spec == NULL)
		return owner;
	if (memchr(t->spec, '%', t->speclen) != NULL)
		return NULL;
	(void)p;
	return spf_target_name(t->spec, t->speclen, buf, len) == 0 ? buf : NULL;
}

static void pol_txt_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	pnode *n = arg;
	pol *p = n->p;
	const dns_rr *rec = NULL;
	size_t found = 0;
	if (ans->outcome == DNS_TEMPERROR) {
		pol_fail(p, 1, "DNS failure looking up TXT %s", ans->qname);
		goto out;
	}
	for (size_t i = 0; ans->outcome == DNS_ANSWER && i < ans->n; i++)
		if (ans->rr[i].text && spf_is_record(ans->rr[i].text, ans->rr[i].textlen)) {
			rec = &ans->rr[i];
			found++;
		}
	if (n->top) {
		p->n_records = found;
		if (found == 0)
			p->none = 1;
		if (found >= 1) {
			char *c = dns_run_alloc(run, rec->textlen + 1);
			str_printable(c, rec->textlen + 1, rec->text, rec->textlen);
			p->record = c;
		}
		if (found != 1)
			goto out;
	} else if (found != 1) {
		if (found == 0)
			pol_fail(p, 0, "%s publishes no SPF record", ans->qname);
		else
			pol_fail(p, 0, "%s publishes %zu SPF records", ans->qname, found);
		goto out;
	}
	char err[160];
	spf_rec r;
	size_t cap = spf_count_terms(rec->text, rec->textlen);
	spf_term *buf = dns_run_alloc(run, (cap ? cap : 1) * sizeof *buf);
	if (spf_parse_record(rec->text, rec->textlen, &r, buf, cap, err, sizeof err) < 0) {
		pol_fail(p, 0, "syntax error in the SPF record of %s: %s", ans->qname, err);
		goto out;
	}
	for (size_t i = 0; i < r.n; i++) {
		const spf_term *t = &r.t[i];
		char nb[DNS_TEXT_MAX + 1];
		const char *tn;
		switch (t->kind) {
		case SPF_T_INCLUDE: case SPF_T_A: case SPF_T_MX: case SPF_T_PTR: case SPF_T_EXISTS:
			p->lookups++;
			tn = pol_target(p, t, ans->qname, nb, sizeof nb);
			if (tn == NULL)
				break;
			if (t->kind == SPF_T_INCLUDE && p->fetched < FOLLOW_MAX)
				pol_fetch(p, tn, 0, 0);
			else if (t->kind == SPF_T_A)
				pol_voidcheck(p, tn, DNS_T_A, DNS_T_AAAA);
			else if (t->kind == SPF_T_MX)
				pol_voidcheck(p, tn, DNS_T_MX, 0);
			else if (t->kind == SPF_T_EXISTS)
				pol_voidcheck(p, tn, DNS_T_A, 0);
			break;
		default:
			break;
		}
	}
	if (n->chain) {
		if (r.all >= 0) {
			snprintf(p->all, sizeof p->all, "%call", r.t[r.all].qual);
		} else if (r.redirect >= 0) {
			char nb[DNS_TEXT_MAX + 1];
			const char *tn = pol_target(p, &r.t[r.redirect], ans->qname, nb, sizeof nb);
			p->lookups++;
			if (tn && p->fetched < FOLLOW_MAX)
				pol_fetch(p, tn, 1, 0);
		}
	} else if (r.all < 0 && r.redirect >= 0) {
		char nb[DNS_TEXT_MAX + 1];
		const char *tn = pol_target(p, &r.t[r.redirect], ans->qname, nb, sizeof nb);
		p->lookups++;
		if (tn && p->fetched < FOLLOW_MAX)
			pol_fetch(p, tn, 0, 0);
	}
out:
	if (--p->pending == 0)
		pol_done(p);
}

static void pol_done(pol *p)
{
	ready_item *it = p->it;
	json_object *d = it->data;
	json_object_object_add(d, "record", p->record ? json_object_new_string(p->record) : NULL);
	json_object_object_add(d, "lookups", json_object_new_int((int)p->lookups));
	json_object_object_add(d, "void_lookups", json_object_new_int((int)p->voids));
	json_object_object_add(d, "all", p->all[0] ? json_object_new_string(p->all) : NULL);
	it->hint[0] = '\0';
	if (p->temp) {
		ready_set(it, CHK_TEMPERROR, "%s", p->why);
		return;
	}
	if (p->none) {
		ready_set(it, CHK_FAIL, "no SPF record (v=spf1) at %s", p->domain);
		ready_hint(it, "publish one TXT record \"v=spf1 ... -all\" listing the hosts that send mail for %s", p->domain);
		return;
	}
	if (p->n_records > 1) {
		ready_set(it, CHK_FAIL, "%zu SPF records at %s: receivers treat that as permerror (RFC 7208 4.5)",
		    p->n_records, p->domain);
		ready_hint(it, "merge the v=spf1 records into one");
		return;
	}
	if (p->perm) {
		ready_set(it, CHK_FAIL, "%s", p->why);
		ready_hint(it, "fix the record: receivers evaluate it as permerror");
		return;
	}
	if (p->lookups > SPF_MAX_LOOKUPS) {
		ready_set(it, CHK_FAIL, "%u DNS-querying terms through include/redirect (limit %d, RFC 7208 4.6.4)",
		    p->lookups, SPF_MAX_LOOKUPS);
		ready_hint(it, "flatten includes or replace a/mx terms by ip4:/ip6: to stay within %d lookups", SPF_MAX_LOOKUPS);
		return;
	}
	if (p->voids > SPF_MAX_VOID) {
		ready_set(it, CHK_FAIL, "%u void lookups (limit %d, RFC 7208 4.6.4)", p->voids, SPF_MAX_VOID);
		ready_hint(it, "remove terms that name hosts without addresses or domains that do not exist");
		return;
	}
	if (strcmp(p->all, "-all") == 0 || strcmp(p->all, "~all") == 0) {
		ready_set(it, CHK_PASS, "one SPF record ending in %s; %u of %d DNS lookups, %u of %d void lookups",
		    p->all, p->lookups, SPF_MAX_LOOKUPS, p->voids, SPF_MAX_VOID);
		return;
	}
	if (p->all[0] == '\0') {
		ready_set(it, CHK_FAIL, "the SPF record ends without an all term or redirect: unlisted hosts get neutral");
		ready_hint(it, "end the record with -all (or ~all)");
	} else {
		ready_set(it, CHK_FAIL, "the SPF record ends in %s: %s", p->all,
		    p->all[0] == '+' ? "every host on the Internet is authorised" :
		    "unlisted hosts get neutral, which protects nothing");
		ready_hint(it, "end the record with -all (or ~all) instead of %s", p->all);
	}
}

void ready_spf_start(dns_run *run, const char *domain, ready_item *it)
{
	pol *p = dns_run_alloc(run, sizeof *p);
	p->run = run;
	p->it = it;
	snprintf(p->domain, sizeof p->domain, "%s", domain);
	it->data = json_object_new_object();
	ready_set(it, CHK_TEMPERROR, "SPF check did not complete");
	pol_fetch(p, domain, 1, 1);
}
