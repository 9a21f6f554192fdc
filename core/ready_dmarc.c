/*
 * ready_dmarc: the dmarc_record readiness check.  Finds the sender domain's
 * DMARC record with the discovery of core/dmarc.c (RFC 7489 6.6.3: at
 * _dmarc.<domain>, else at the organizational domain), judges the policy
 * that applies to the domain (p, or sp at the organizational domain; none
 * protects nothing) and checks that every external report destination of
 * rua/ruf has authorised the reports (7.1: <domain>._report._dmarc.<host>).
 * Callbacks store answers and submit follow-ups; the item is judged in the
 * last callback (the report has no finish hook for it).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dmarc.h"
#include "ready_dmarc.h"
#include "str.h"

static json_object *str_or_null(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

static json_object *pol_or_null(dmarc_policy p)
{
	return p == DMARC_P_UNSET ? NULL : json_object_new_string(dmarc_policy_str(p));
}

typedef struct rep_dest {
	char host[DNS_TEXT_MAX + 1];
	const dns_answer *ans;
	struct dpol *owner;
} rep_dest;

typedef struct dpol {
	ready_item *it;
	dns_run *run;
	char domain[DNS_TEXT_MAX + 1], org[DNS_TEXT_MAX + 1];
	dmarc_disc d;
	int judged, auth_started;
	dmarc_record rec;
	size_t n_dest, n_pending;
	rep_dest dest[DMARC_MAX_REPORT_URIS];
} dpol;

/* The host of a report URI (mailto:local@host, scheme://host[:port]/...)
 * into out; -1 if there is none to check. */
static int uri_host(const char *u, size_t n, char *out, size_t outlen)
{
	char h[DNS_TEXT_MAX + 2];
	const char *colon = memchr(u, ':', n);
	const char *end = u + n, *s;
	if (colon == NULL)
		return -1;
	const char *bang = memchr(u, '!', n);
	if (bang)
		end = bang;
	if ((size_t)(colon - u) == 6 && strncasecmp(u, "mailto", 6) == 0) {
		const char *at = NULL;
		for (const char *c = colon + 1; c < end && *c != '?'; c++)
			if (*c == '@')
				at = c;
		if (at == NULL)
			return -1;
		s = at + 1;
	} else {
		if (end - colon < 3 || colon[1] != '/' || colon[2] != '/')
			return -1;
		s = colon + 3;
		const char *at = memchr(s, '@', (size_t)(end - s));
		const char *slash = memchr(s, '/', (size_t)(end - s));
		if (at && (slash == NULL || at < slash))
			s = at + 1;
	}
	size_t k = 0;
	while (s + k < end && s[k] != '?' && s[k] != '/' && s[k] != ':' && s[k] != '>')
		k++;
	if (k == 0 || k >= sizeof h)
		return -1;
	memcpy(h, s, k);
	h[k] = '\0';
	return dns_name_normalize(h, out, outlen, NULL, 0);
}

static void collect_dest(dpol *p, const char *list)
{
	char src_org[DNS_TEXT_MAX + 1], org[DNS_TEXT_MAX + 1], host[DNS_TEXT_MAX + 1];
	const char *src = dmarc_disc_from_org(&p->d) ? p->org : p->domain;
	if (dmarc_org_or_self(src, src_org, sizeof src_org) < 0)
		return;
	for (const char *s = list; *s;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (uri_host(s, n, host, sizeof host) == 0 && dmarc_org_or_self(host, org, sizeof org) == 0 &&
		    strcmp(org, src_org) != 0) {
			int dup = 0;
			for (size_t i = 0; i < p->n_dest; i++)
				dup |= strcmp(p->dest[i].host, host) == 0;
			if (!dup && p->n_dest < DMARC_MAX_REPORT_URIS)
				snprintf(p->dest[p->n_dest++].host, sizeof p->dest[0].host, "%s", host);
		}
		s += n;
		if (*s == ',')
			s++;
	}
}

static void pol_judge(dpol *p)
{
	ready_item *it = p->it;
	json_object *d = it->data;
	const char *src = dmarc_disc_from_org(&p->d) ? p->org : p->domain;
	char err[128];
	p->judged = 1;
	json_object *recs = json_object_new_array();
	const dns_answer *u = p->d.used;
	for (size_t i = 0; u && u->outcome == DNS_ANSWER && i < u->n; i++)
		if (u->rr[i].text && dmarc_is_record(u->rr[i].text, u->rr[i].textlen)) {
			char t[DMARC_RECORD_TEXT_MAX];
			str_printable(t, sizeof t, u->rr[i].text, u->rr[i].textlen);
			json_object_array_add(recs, json_object_new_string(t));
		}
	json_object_object_add(d, "records", recs);
	if (p->d.st == DMARC_DISC_TEMP) {
		ready_set(it, CHK_TEMPERROR, "DMARC record lookup at %s failed (%s)", u->qname, dns_failure_str(u));
		return;
	}
	if (p->d.st == DMARC_DISC_NONE) {
		if (strcmp(p->domain, p->org) == 0)
			ready_set(it, CHK_FAIL, "no DMARC record at _dmarc.%s", p->domain);
		else
			ready_set(it, CHK_FAIL, "no DMARC record at _dmarc.%s nor at the organizational domain _dmarc.%s",
			    p->domain, p->org);
		ready_hint(it, "Publish one TXT record \"v=DMARC1; p=reject; rua=mailto:dmarc-reports@%s\" at _dmarc.%s "
		    "(start with p=quarantine if unsure).", p->org, p->org);
		return;
	}
	if (p->d.st == DMARC_DISC_MULTI) {
		ready_set(it, CHK_FAIL, "%zu DMARC records at %s: receivers apply no policy (RFC 7489 6.6.3)",
		    p->d.n, u->qname);
		ready_hint(it, "Keep exactly one \"v=DMARC1\" TXT record at %s.", u->qname);
		return;
	}
	/* DMARC_DISC_FOUND */
	char text[DMARC_RECORD_TEXT_MAX];
	str_printable(text, sizeof text, p->d.rr->text, p->d.rr->textlen);
	json_object_object_add(d, "record", json_object_new_string(text));
	json_object_object_add(d, "source", json_object_new_string(dmarc_disc_from_org(&p->d) ? "organizational" : "domain"));
	json_object_object_add(d, "source_domain", json_object_new_string(src));
	json_object_object_add(d, "dnssec", json_object_new_string(dns_sec_str(u->sec)));
	if (dmarc_record_parse(p->d.rr->text, p->d.rr->textlen, &p->rec, err, sizeof err) < 0) {
		ready_set(it, CHK_FAIL, "the DMARC record at _dmarc.%s is invalid: %s", src, err);
		ready_hint(it, "Fix the record: \"v=DMARC1; p=reject; rua=mailto:...\" (RFC 7489 6.4).");
		return;
	}
	dmarc_record *r = &p->rec;
	dmarc_policy eff = dmarc_disc_from_org(&p->d) && r->sp != DMARC_P_UNSET ? r->sp : r->p;
	json_object_object_add(d, "policy", json_object_new_string(dmarc_policy_str(eff)));
	json_object_object_add(d, "p", json_object_new_string(dmarc_policy_str(r->p)));
	json_object_object_add(d, "sp", pol_or_null(r->sp));
	json_object_object_add(d, "np", pol_or_null(r->np));
	json_object_object_add(d, "pct", json_object_new_int((int)r->pct));
	json_object_object_add(d, "rua", str_or_null(r->rua));
	json_object_object_add(d, "ruf", str_or_null(r->ruf));
	if (r->warning[0])
		json_object_object_add(d, "warning", json_object_new_string(r->warning));
	json_object *ext = json_object_new_array();
	size_t unauth = 0, temp = 0;
	for (size_t i = 0; i < p->n_dest; i++) {
		const dns_answer *a = p->dest[i].ans;
		const dns_rr *one = NULL;
		if (a == NULL || a->outcome == DNS_TEMPERROR)
			temp++;
		else if (dmarc_count_records(a, &one) == 0) {
			unauth++;
			json_object_array_add(ext, json_object_new_string(p->dest[i].host));
		}
	}
	json_object_object_add(d, "external_unauthorized", ext);
	const char *via = dmarc_disc_from_org(&p->d) ? " (from the organizational domain)" : "";
	if (eff == DMARC_P_NONE) {
		ready_set(it, CHK_FAIL, "DMARC policy %s=none%s: receivers take no action on spoofed mail%s%s%s",
		    dmarc_disc_from_org(&p->d) && r->sp != DMARC_P_UNSET ? "sp" : "p", via,
		    r->warning[0] ? " (" : "", r->warning, r->warning[0] ? ")" : "");
		ready_hint(it, "Once reports show your mail aligned, set p=quarantine, then p=reject, at _dmarc.%s.", src);
	} else if (temp) {
		ready_set(it, CHK_TEMPERROR, "DMARC policy %s, but the lookup of %zu report authorisation record(s) failed",
		    dmarc_policy_str(eff), temp);
	} else if (unauth) {
		ready_set(it, CHK_WARN, "DMARC policy %s%s; %zu external report destination(s) not authorised (RFC 7489 7.1)",
		    dmarc_policy_str(eff), via, unauth);
		ready_hint(it, "Have each report receiver publish TXT \"v=DMARC1\" at %s._report._dmarc.<receiver>, or drop it from rua/ruf.",
		    src);
	} else {
		ready_set(it, CHK_PASS, "DMARC policy %s%s%s", dmarc_policy_str(eff), via,
		    r->pct < 100 ? " (pct below 100: applied to part of the mail only)" : "");
	}
}

static void pol_advance(dpol *p);

static void auth_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	rep_dest *dst = arg;
	(void)run;
	dst->ans = ans;
	if (dst->owner->n_pending > 0)
		dst->owner->n_pending--;
	pol_advance(dst->owner);
}

static void pol_advance(dpol *p)
{
	if (p->judged)
		return;
	dmarc_disc_state s = dmarc_disc_step(&p->d);
	if (s == DMARC_DISC_WAIT)
		return;
	if (s == DMARC_DISC_FOUND && !p->auth_started) {
		p->auth_started = 1;
		if (dmarc_record_parse(p->d.rr->text, p->d.rr->textlen, &p->rec, NULL, 0) == 0) {
			const char *src = dmarc_disc_from_org(&p->d) ? p->org : p->domain;
			collect_dest(p, p->rec.rua);
			collect_dest(p, p->rec.ruf);
			for (size_t i = 0; i < p->n_dest; i++) {
				char n[DNS_NAME_MAX + 64];
				if (snprintf(n, sizeof n, "%s._report._dmarc.%s", src, p->dest[i].host) >= (int)sizeof n ||
				    strlen(n) > DNS_TEXT_MAX) {
					/* No such record can exist: unauthorised. */
					dns_answer *a = dns_run_alloc(p->run, sizeof *a);
					a->outcome = DNS_NXDOMAIN;
					a->qname = "";
					p->dest[i].ans = a;
					continue;
				}
				p->n_pending++;
				p->dest[i].owner = p;
				dns_submit(p->run, n, DNS_T_TXT, auth_cb, &p->dest[i]);
			}
		}
	}
	if (p->n_pending == 0)
		pol_judge(p);
}

static void pol_from_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	dpol *p = arg;
	(void)run;
	p->d.at_from = ans;
	pol_advance(p);
}

static void pol_org_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	dpol *p = arg;
	(void)run;
	p->d.at_org = ans;
	pol_advance(p);
}

void ready_dmarc_start(dns_run *run, const char *domain, ready_item *it)
{
	char n[DNS_TEXT_MAX + 16], err[96];
	it->data = json_object_new_object();
	json_object_object_add(it->data, "record", NULL);
	json_object_object_add(it->data, "policy", NULL);
	json_object_object_add(it->data, "source", NULL);
	dpol *p = dns_run_alloc(run, sizeof *p);
	p->it = it;
	p->run = run;
	if (domain == NULL || dns_name_normalize(domain, p->domain, sizeof p->domain, err, sizeof err) < 0) {
		p->judged = 1;
		ready_set(it, CHK_FAIL, "not a domain name");
		ready_hint(it, "Give the sender's domain.");
		return;
	}
	if (dmarc_org_domain(p->domain, p->org, sizeof p->org) < 0)
		memcpy(p->org, p->domain, strlen(p->domain) + 1);
	p->d.same = strcmp(p->org, p->domain) == 0;
	/* Until the answers arrive (they always do, at the latest as
	 * temperror at the deadline). */
	ready_set(it, CHK_TEMPERROR, "DMARC record lookup did not finish");
	if (snprintf(n, sizeof n, "_dmarc.%s", p->domain) >= (int)sizeof n || strlen(n) > DNS_TEXT_MAX) {
		dns_answer *a = dns_run_alloc(run, sizeof *a);
		a->outcome = DNS_NXDOMAIN;
		a->qname = "";
		p->d.at_from = a;
	} else
		dns_submit(run, n, DNS_T_TXT, pol_from_cb, p);
	if (!p->d.same && snprintf(n, sizeof n, "_dmarc.%s", p->org) < (int)sizeof n)
		dns_submit(run, n, DNS_T_TXT, pol_org_cb, p);
	pol_advance(p);
}
