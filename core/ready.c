/*
 * ready: readiness of a sender domain.  One dns_run carries every lookup;
 * independent lookups go out together and follow-ups (addresses and TLSA of
 * each MX, AAAA of each NS) leave as soon as the answer they depend on
 * arrives, so latency is the depth of the lookup chain, not its length.
 * Callbacks only store answers; all judging happens in ready_finish().
 * Rules: RFC 5321 5.1 (implicit MX), RFC 7505 (null MX), RFC 2181 10.3 (MX
 * target not a CNAME), RFC 7672 (DANE TLSA at _25._tcp), internet.nl's mail
 * test for IPv6/DNSSEC/DANE/DKIM statuses.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ready.h"
#include "ready_dmarc.h"
#include "ready_spf.h"

#define READY_MAX_NS 10

typedef struct rhost {
	const char *name;
	unsigned pref;
	const dns_answer *a, *aaaa, *tlsa;
} rhost;

typedef struct ready_state {
	dns_run *run;
	const char *domain;
	const dns_answer *mx, *a, *aaaa, *ns, *soa, *dk, *tlsa;
	const char *ns_owner;        /* where the NS RRset was found */
	rhost mx_host[READY_MAX_MX];
	size_t n_mx;
	size_t mx_total;             /* MX records before the cap */
	int null_mx, null_mixed;
	rhost ns_host[READY_MAX_NS];
	size_t n_ns;
	int implicit;
} ready_state;

struct ready_priv {
	ready_state st;
	dns_run *own_run;            /* set when ready_check() made the run */
};

static const char *const ids[READY_COUNT] = {
	"mx", "mx_ipv6", "ns_ipv6", "dnssec", "mx_dnssec", "dane",
	"spf_record", "dmarc_record", "dkim_support"
};

const char *ready_id_str(ready_id id)
{
	return (unsigned)id < READY_COUNT ? ids[id] : "?";
}

/* ---------- lookups ---------- */

static void store_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	(void)run;
	*(const dns_answer **)arg = ans;
}

static void submit_host(ready_state *st, rhost *h, int tlsa)
{
	char tn[DNS_TEXT_MAX + 16];
	dns_submit(st->run, h->name, DNS_T_A, store_cb, &h->a);
	dns_submit(st->run, h->name, DNS_T_AAAA, store_cb, &h->aaaa);
	if (tlsa && snprintf(tn, sizeof tn, "_25._tcp.%s", h->name) < (int)sizeof tn)
		dns_submit(st->run, tn, DNS_T_TLSA, store_cb, &h->tlsa);
}

static void mx_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	ready_state *st = arg;
	st->mx = ans;
	if (ans->outcome != DNS_ANSWER)
		return;   /* implicit MX: the domain's A/AAAA are already asked */
	const dns_rr **v = dns_run_alloc(run, (ans->n + 1) * sizeof *v);
	size_t n = dns_mx_targets(ans, v, &st->null_mx);
	st->null_mixed = st->null_mx && n > 0;
	st->mx_total = n;
	for (size_t i = 0; i < n && st->n_mx < READY_MAX_MX; i++) {
		rhost *h = &st->mx_host[st->n_mx++];
		h->name = v[i]->text;
		h->pref = v[i]->pref;
		submit_host(st, h, 1);
	}
}

static void use_implicit(ready_state *st)
{
	/* With no MX the domain itself is the mail host (RFC 5321 5.1). */
	rhost *h = &st->mx_host[0];
	st->implicit = 1;
	st->n_mx = 1;
	h->name = st->domain;
	h->pref = 0;
	h->a = st->a;
	h->aaaa = st->aaaa;
	h->tlsa = st->tlsa;
}

static void ns_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	ready_state *st = arg;
	if (ans->outcome == DNS_NODATA || (ans->outcome == DNS_NXDOMAIN && st->ns_owner == NULL)) {
		/* Not a zone apex: the name servers are those of the enclosing zone. */
		const char *dot = strchr(ans->qname, '.');
		if (dot && strchr(dot + 1, '.')) {
			dns_submit(run, dot + 1, DNS_T_NS, ns_cb, st);
			return;
		}
	}
	st->ns = ans;
	st->ns_owner = ans->qname;
	for (size_t i = 0; ans->outcome == DNS_ANSWER && i < ans->n && st->n_ns < READY_MAX_NS; i++) {
		if (ans->rr[i].text == NULL || ans->rr[i].text[0] == '\0')
			continue;
		rhost *h = &st->ns_host[st->n_ns++];
		h->name = ans->rr[i].text;
		dns_submit(run, h->name, DNS_T_AAAA, store_cb, &h->aaaa);
	}
}

ready_report *ready_start(dns_run *run, const char *domain)
{
	ready_report *rep = calloc(1, sizeof *rep);
	struct ready_priv *p = calloc(1, sizeof *p);
	if (rep == NULL || p == NULL)
		abort();
	rep->priv = p;
	snprintf(rep->domain, sizeof rep->domain, "%s", domain);
	ready_state *st = &p->st;
	st->run = run;
	st->domain = rep->domain;
	char n[DNS_TEXT_MAX + 16];

	dns_submit(run, domain, DNS_T_MX, mx_cb, st);
	dns_submit(run, domain, DNS_T_A, store_cb, &st->a);
	dns_submit(run, domain, DNS_T_AAAA, store_cb, &st->aaaa);
	dns_submit(run, domain, DNS_T_NS, ns_cb, st);
	dns_submit(run, domain, DNS_T_SOA, store_cb, &st->soa);
	if (snprintf(n, sizeof n, "_domainkey.%s", domain) < (int)sizeof n)
		dns_submit(run, n, DNS_T_TXT, store_cb, &st->dk);
	/* Asked now in case there is no MX: the implicit host's TLSA. */
	if (snprintf(n, sizeof n, "_25._tcp.%s", domain) < (int)sizeof n)
		dns_submit(run, n, DNS_T_TLSA, store_cb, &st->tlsa);
	ready_spf_start(run, domain, &rep->item[READY_SPF_RECORD]);
	ready_dmarc_start(run, domain, &rep->item[READY_DMARC_RECORD]);
	return rep;
}

/* ---------- judging ---------- */

static int temp(const dns_answer *a)
{
	return a == NULL || a->outcome == DNS_TEMPERROR;
}

/* Addresses of a host as JSON; counts global IPv6 and any address. */
static json_object *host_addrs(const rhost *h, size_t *n_any, size_t *n_v6_global)
{
	json_object *arr = json_object_new_array();
	const dns_answer *as[2] = { h->a, h->aaaa };
	*n_any = *n_v6_global = 0;
	for (int k = 0; k < 2; k++) {
		const dns_answer *a = as[k];
		if (a == NULL || a->outcome != DNS_ANSWER)
			continue;
		for (size_t i = 0; i < a->n; i++) {
			if (a->rr[i].text == NULL)
				continue;
			int fam = 0;
			addr_class c = addr_classify(a->rr[i].text, &fam);
			json_object *o = json_object_new_object();
			json_object_object_add(o, "address", json_object_new_string(a->rr[i].text));
			json_object_object_add(o, "family", json_object_new_int(fam));
			json_object_object_add(o, "class", json_object_new_string(addr_class_str(c)));
			json_object_array_add(arr, o);
			(*n_any)++;
			if (fam == 6 && addr_is_reachable(c))
				(*n_v6_global)++;
		}
	}
	return arr;
}

static dns_sec host_sec(const rhost *h)
{
	dns_sec s = DNS_SECURE;
	const dns_answer *as[2] = { h->a, h->aaaa };
	for (int k = 0; k < 2; k++) {
		if (as[k] == NULL)
			return DNS_INSECURE;
		if (as[k]->sec == DNS_BOGUS)
			return DNS_BOGUS;
		if (as[k]->sec == DNS_INSECURE)
			s = DNS_INSECURE;
	}
	return s;
}

static int is_ip_literal(const char *name)
{
	unsigned char b[16];
	return inet_pton(AF_INET, name, b) == 1 || inet_pton(AF_INET6, name, b) == 1;
}

static void judge_mx(ready_report *rep, ready_state *st)
{
	ready_item *it = &rep->item[READY_MX];
	json_object *d = it->data = json_object_new_object();
	json_object *hosts = json_object_new_array();
	const char *mode = "none";

	if (temp(st->mx)) {
		ready_set(it, CHK_TEMPERROR, "MX lookup failed (%s)", dns_failure_str(st->mx));
	} else if (st->mx->outcome == DNS_NXDOMAIN) {
		ready_set(it, CHK_FAIL, "%s does not exist (NXDOMAIN)", st->domain);
		ready_hint(it, "Mail from a domain that does not exist is rejected: publish the domain and an MX record.");
	} else if (st->mx->outcome == DNS_NODATA) {
		if (temp(st->a) || temp(st->aaaa)) {
			ready_set(it, CHK_TEMPERROR, "no MX; address lookup failed (%s)",
			    dns_failure_str(temp(st->a) ? st->a : st->aaaa));
		} else if (st->a->outcome == DNS_ANSWER || st->aaaa->outcome == DNS_ANSWER) {
			mode = "implicit";
			ready_set(it, CHK_WARN, "no MX record: mail goes to the domain's own address (implicit MX, RFC 5321 5.1)");
			ready_hint(it, "Publish an explicit MX record (e.g. \"%s. MX 10 mail.%s.\"); some senders refuse implicit MX.",
			    st->domain, st->domain);
		} else {
			ready_set(it, CHK_FAIL, "no MX record and no address: the domain cannot receive mail (bounces to it are lost)");
			ready_hint(it, "Publish an MX record pointing at a host with A and AAAA records, or \"MX 0 .\" if the domain sends no mail.");
		}
	} else if (st->null_mx && !st->null_mixed) {
		mode = "null";
		ready_set(it, CHK_FAIL, "null MX (RFC 7505): the domain accepts no mail, so replies and bounces cannot reach it");
		ready_hint(it, "A domain that sends mail must receive it too: replace \"MX 0 .\" with a real MX host.");
	} else {
		size_t noaddr = 0, cname = 0, literal = 0, tempe = 0;
		mode = "explicit";
		for (size_t i = 0; i < st->n_mx; i++) {
			rhost *h = &st->mx_host[i];
			if (temp(h->a) || temp(h->aaaa)) {
				tempe++;
				continue;
			}
			if (h->a->outcome != DNS_ANSWER && h->aaaa->outcome != DNS_ANSWER)
				noaddr++;
			if (h->a->canonname || h->aaaa->canonname)
				cname++;
			if (is_ip_literal(h->name))
				literal++;
		}
		if (tempe) {
			ready_set(it, CHK_TEMPERROR, "address lookup of %zu MX host(s) failed", tempe);
		} else if (noaddr == st->n_mx) {
			ready_set(it, CHK_FAIL, "no MX host has an address (\"Sender's best MX has no IP\")");
			ready_hint(it, "Give every MX host A and AAAA records, or point the MX at a host that has them.");
		} else if (noaddr || cname || literal || st->null_mixed) {
			char b[READY_TEXT_MAX];
			int w = snprintf(b, sizeof b, "%zu MX host(s)", st->n_mx);
			if (noaddr)
				w += snprintf(b + w, sizeof b - (size_t)w, "; %zu without any address", noaddr);
			if (cname && w < (int)sizeof b)
				w += snprintf(b + w, sizeof b - (size_t)w, "; %zu is a CNAME (RFC 2181 10.3)", cname);
			if (literal && w < (int)sizeof b)
				w += snprintf(b + w, sizeof b - (size_t)w, "; %zu is an IP literal", literal);
			if (st->null_mixed && w < (int)sizeof b)
				snprintf(b + w, sizeof b - (size_t)w, "; null MX mixed with real MX");
			ready_set(it, CHK_WARN, "%s", b);
			ready_hint(it, "MX targets must be host names with their own A/AAAA records, not CNAMEs or addresses.");
		} else {
			ready_set(it, CHK_PASS, "%zu MX host(s), each with an address", st->n_mx);
		}
		if (st->mx_total > READY_MAX_MX) {
			size_t l = strlen(it->summary);
			snprintf(it->summary + l, sizeof it->summary - l, " (first %d of %zu examined)",
			    READY_MAX_MX, st->mx_total);
		}
	}
	if (strcmp(mode, "implicit") == 0)
		use_implicit(st);
	for (size_t i = 0; strcmp(mode, "none") && strcmp(mode, "null") && i < st->n_mx; i++) {
		rhost *h = &st->mx_host[i];
		size_t any, g6;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(h->name));
		json_object_object_add(o, "preference", json_object_new_int((int)h->pref));
		json_object_object_add(o, "cname", json_object_new_boolean(
		    (h->a && h->a->canonname) || (h->aaaa && h->aaaa->canonname)));
		json_object_object_add(o, "addresses", host_addrs(h, &any, &g6));
		json_object_array_add(hosts, o);
	}
	json_object_object_add(d, "mode", json_object_new_string(mode));
	json_object_object_add(d, "hosts", hosts);
}

static int has_hosts(const ready_state *st, const ready_item *mx)
{
	const char *mode = json_object_get_string(json_object_object_get(mx->data, "mode"));
	return st->n_mx > 0 && mode && (strcmp(mode, "explicit") == 0 || strcmp(mode, "implicit") == 0);
}

static void judge_mx_ipv6(ready_report *rep, ready_state *st)
{
	ready_item *it = &rep->item[READY_MX_IPV6];
	json_object *d = it->data = json_object_new_object();
	json_object *hosts = json_object_new_array();
	json_object_object_add(d, "hosts", hosts);
	if (rep->item[READY_MX].status == CHK_TEMPERROR) {
		ready_set(it, CHK_TEMPERROR, "MX hosts unknown (DNS failure)");
		return;
	}
	if (!has_hosts(st, &rep->item[READY_MX])) {
		ready_set(it, CHK_FAIL, "no mail host, so none reachable over IPv6");
		ready_hint(it, "Publish an MX host with a global AAAA record.");
		return;
	}
	size_t with = 0, tempe = 0;
	char bad[READY_TEXT_MAX] = "";
	size_t bl = 0;
	for (size_t i = 0; i < st->n_mx; i++) {
		rhost *h = &st->mx_host[i];
		size_t any, g6;
		if (temp(h->aaaa)) {
			tempe++;
			continue;
		}
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(h->name));
		rhost only6 = { h->name, h->pref, NULL, h->aaaa, NULL };
		json_object_object_add(o, "addresses", host_addrs(&only6, &any, &g6));
		json_object_object_add(o, "ipv6", json_object_new_boolean(g6 > 0));
		json_object_array_add(hosts, o);
		if (g6)
			with++;
		else if (bl < sizeof bad - 2) {
			int w = snprintf(bad + bl, sizeof bad - bl, "%s%s%s", bl ? ", " : "",
			    h->name, any ? " (no global address)" : "");
			if (w > 0)
				bl += (size_t)w;
			if (bl >= sizeof bad)
				bl = sizeof bad - 1;
		}
	}
	if (tempe)
		ready_set(it, CHK_TEMPERROR, "AAAA lookup of %zu MX host(s) failed", tempe);
	else if (with == st->n_mx)
		ready_set(it, CHK_PASS, "every MX host (%zu) has a global IPv6 address", with);
	else if (with) {
		ready_set(it, CHK_WARN, "%zu of %zu MX hosts have a global IPv6 address; not: %s", with, st->n_mx, bad);
		ready_hint(it, "Add a global AAAA record (not link-local fe80::, ULA fc00::/7 or documentation 2001:db8::) to every MX host.");
	} else {
		ready_set(it, CHK_FAIL, "no MX host has a global IPv6 address: %s", bad);
		ready_hint(it, "Mail over IPv6-only paths cannot reach this domain: add a global AAAA record to the MX hosts and accept SMTP on it.");
	}
}

static void judge_ns_ipv6(ready_report *rep, ready_state *st)
{
	ready_item *it = &rep->item[READY_NS_IPV6];
	json_object *d = it->data = json_object_new_object();
	json_object *hosts = json_object_new_array();
	json_object_object_add(d, "hosts", hosts);
	if (temp(st->ns)) {
		ready_set(it, CHK_TEMPERROR, "NS lookup failed (%s)", dns_failure_str(st->ns));
		return;
	}
	if (st->ns->outcome != DNS_ANSWER || st->n_ns == 0) {
		ready_set(it, CHK_FAIL, "no name servers found");
		ready_hint(it, "Delegate the domain to name servers with global AAAA records.");
		return;
	}
	json_object_object_add(d, "zone", json_object_new_string(st->ns_owner));
	size_t with = 0, tempe = 0;
	for (size_t i = 0; i < st->n_ns; i++) {
		rhost *h = &st->ns_host[i];
		size_t any, g6;
		if (temp(h->aaaa)) {
			tempe++;
			continue;
		}
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(h->name));
		json_object_object_add(o, "addresses", host_addrs(h, &any, &g6));
		json_object_array_add(hosts, o);
		if (g6)
			with++;
	}
	if (tempe)
		ready_set(it, CHK_TEMPERROR, "AAAA lookup of %zu name server(s) failed", tempe);
	else if (with >= 2)
		ready_set(it, CHK_PASS, "%zu of %zu name servers have a global IPv6 address", with, st->n_ns);
	else if (with == 1) {
		ready_set(it, CHK_WARN, "only 1 of %zu name servers has a global IPv6 address", st->n_ns);
		ready_hint(it, "Give at least two name servers a global AAAA record, so IPv6-only resolvers can reach the zone.");
	} else {
		ready_set(it, CHK_FAIL, "none of %zu name servers has a global IPv6 address", st->n_ns);
		ready_hint(it, "IPv6-only resolvers cannot resolve this domain: give at least two name servers a global AAAA record.");
	}
}

static void judge_dnssec(ready_report *rep, ready_state *st)
{
	ready_item *it = &rep->item[READY_DNSSEC];
	json_object *d = it->data = json_object_new_object();
	const dns_answer *a = st->soa;
	if (a && a->sec == DNS_BOGUS) {
		json_object_object_add(d, "state", json_object_new_string("bogus"));
		json_object_object_add(d, "why", json_object_new_string(dns_failure_str(a)));
		ready_set(it, CHK_FAIL, "DNSSEC bogus: %s", dns_failure_str(a));
		ready_hint(it, "Validating resolvers refuse this domain: fix the signatures or the DS record at the parent.");
	} else if (temp(a)) {
		ready_set(it, CHK_TEMPERROR, "SOA lookup failed (%s)", dns_failure_str(a));
	} else if (a->sec == DNS_SECURE) {
		json_object_object_add(d, "state", json_object_new_string("secure"));
		ready_set(it, CHK_PASS, "the domain is DNSSEC-signed and validates");
	} else {
		json_object_object_add(d, "state", json_object_new_string("insecure"));
		ready_set(it, CHK_FAIL, "the domain is not DNSSEC-signed (insecure)");
		ready_hint(it, "Sign the zone and publish its DS record at the parent (ask your registrar).");
	}
}

static void judge_mx_dnssec(ready_report *rep, ready_state *st)
{
	ready_item *it = &rep->item[READY_MX_DNSSEC];
	json_object *d = it->data = json_object_new_object();
	json_object *hosts = json_object_new_array();
	json_object_object_add(d, "hosts", hosts);
	if (rep->item[READY_MX].status == CHK_TEMPERROR) {
		ready_set(it, CHK_TEMPERROR, "MX hosts unknown (DNS failure)");
		return;
	}
	if (!has_hosts(st, &rep->item[READY_MX])) {
		ready_set(it, CHK_INFO, "no MX hosts to examine");
		return;
	}
	size_t bogus = 0, insecure = 0, tempe = 0;
	const char *why_b = NULL;
	for (size_t i = 0; i < st->n_mx; i++) {
		rhost *h = &st->mx_host[i];
		dns_sec s = host_sec(h);
		if (s != DNS_BOGUS && (temp(h->a) || temp(h->aaaa))) {
			tempe++;
			continue;
		}
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(h->name));
		json_object_object_add(o, "state", json_object_new_string(dns_sec_str(s)));
		json_object_array_add(hosts, o);
		if (s == DNS_BOGUS) {
			bogus++;
			why_b = dns_failure_str(h->a && h->a->sec == DNS_BOGUS ? h->a : h->aaaa);
		} else if (s == DNS_INSECURE)
			insecure++;
	}
	if (bogus) {
		ready_set(it, CHK_FAIL, "%zu MX host name(s) DNSSEC bogus: %s", bogus, why_b);
		ready_hint(it, "Fix the DNSSEC signatures of the MX host's zone.");
	} else if (tempe)
		ready_set(it, CHK_TEMPERROR, "lookup of %zu MX host(s) failed", tempe);
	else if (insecure) {
		ready_set(it, CHK_FAIL, "%zu of %zu MX host name(s) not DNSSEC-signed", insecure, st->n_mx);
		ready_hint(it, "Sign the zone of the MX host names; DANE needs it.");
	} else
		ready_set(it, CHK_PASS, "every MX host name (%zu) is DNSSEC-secure", st->n_mx);
}

static void judge_dane(ready_report *rep, ready_state *st)
{
	ready_item *it = &rep->item[READY_DANE];
	json_object *d = it->data = json_object_new_object();
	json_object *hosts = json_object_new_array();
	json_object_object_add(d, "hosts", hosts);
	int rollover = 0;
	if (rep->item[READY_MX].status == CHK_TEMPERROR) {
		ready_set(it, CHK_TEMPERROR, "MX hosts unknown (DNS failure)");
		json_object_object_add(d, "rollover", json_object_new_boolean(0));
		return;
	}
	if (!has_hosts(st, &rep->item[READY_MX])) {
		ready_set(it, CHK_INFO, "no MX hosts to examine");
		json_object_object_add(d, "rollover", json_object_new_boolean(0));
		return;
	}
	size_t with = 0, tempe = 0, bogus = 0, unsigned_tlsa = 0;
	for (size_t i = 0; i < st->n_mx; i++) {
		rhost *h = &st->mx_host[i];
		const dns_answer *t = h->tlsa;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(h->name));
		size_t n = t && t->outcome == DNS_ANSWER ? t->n : 0;
		int secure = t && t->sec == DNS_SECURE;
		json_object_object_add(o, "tlsa", json_object_new_int((int)n));
		json_object_object_add(o, "secure", json_object_new_boolean(secure));
		json_object *recs = json_object_new_array();
		for (size_t k = 0; k < n; k++)
			if (t->rr[k].text)
				json_object_array_add(recs, json_object_new_string(t->rr[k].text));
		json_object_object_add(o, "records", recs);
		json_object_array_add(hosts, o);
		if (t && t->sec == DNS_BOGUS)
			bogus++;
		else if (temp(t))
			tempe++;
		else if (n > 0 && secure) {
			with++;
			if (n >= 2)
				rollover = 1;
		} else if (n > 0)
			unsigned_tlsa++;
	}
	json_object_object_add(d, "rollover", json_object_new_boolean(rollover));
	if (tempe)
		ready_set(it, CHK_TEMPERROR, "TLSA lookup of %zu MX host(s) failed", tempe);
	else if (with == st->n_mx)
		ready_set(it, CHK_PASS, "every MX host (%zu) has a DNSSEC-secure TLSA record%s", with,
		    rollover ? "" : " (no rollover scheme: only one record)");
	else if (with) {
		ready_set(it, CHK_WARN, "%zu of %zu MX hosts have a DNSSEC-secure TLSA record", with, st->n_mx);
		ready_hint(it, "Publish a TLSA record (e.g. \"3 1 1 <sha256 of the key>\") at _25._tcp.<mx> for every MX host, in a signed zone.");
	} else {
		ready_set(it, CHK_FAIL, "no MX host has a DNSSEC-secure TLSA record%s",
		    bogus ? " (TLSA bogus)" : unsigned_tlsa ? " (TLSA present but not signed)" : "");
		ready_hint(it, "Publish \"3 1 1\" TLSA records at _25._tcp.<mx> in a DNSSEC-signed zone (RFC 7672), plus one for the next key.");
	}
}

static void judge_dkim(ready_report *rep, ready_state *st)
{
	ready_item *it = &rep->item[READY_DKIM_SUPPORT];
	it->data = json_object_new_object();
	json_object_object_add(it->data, "name", json_object_new_string(st->dk ? st->dk->qname : ""));
	if (temp(st->dk))
		ready_set(it, CHK_TEMPERROR, "_domainkey lookup failed (%s)", dns_failure_str(st->dk));
	else if (st->dk->outcome == DNS_NXDOMAIN) {
		ready_set(it, CHK_FAIL, "_domainkey.%s does not exist: no DKIM keys published", st->domain);
		ready_hint(it, "Sign outgoing mail with DKIM and publish the key at <selector>._domainkey.%s.", st->domain);
	} else
		ready_set(it, CHK_PASS, "_domainkey.%s exists (DKIM keys published)", st->domain);
}

/* A domain whose DNSSEC is bogus gets SERVFAIL from every validating
 * resolver for every name in it: each check that could not run would say
 * temperror, the same reason over and over, and "try later" is wrong since
 * only the domain's owner can fix it.  The dnssec check fails with the
 * reason; those checks become info "not tested"; a check that got a real
 * answer (a record outside the zone) keeps its result. */
static void judge_bogus(ready_report *rep, const ready_state *st)
{
	if (st->soa == NULL || st->soa->sec != DNS_BOGUS)
		return;
	rep->bogus = 1;
	for (int i = 0; i < READY_COUNT; i++) {
		ready_item *it = &rep->item[i];
		if (i == READY_DNSSEC || it->status != CHK_TEMPERROR)
			continue;
		ready_set(it, CHK_INFO, "not tested: DNSSEC bogus");
		it->hint[0] = '\0';
	}
}

void ready_finish(ready_report *rep)
{
	ready_state *st = &((struct ready_priv *)rep->priv)->st;
	judge_mx(rep, st);
	judge_mx_ipv6(rep, st);
	judge_ns_ipv6(rep, st);
	judge_dnssec(rep, st);
	judge_mx_dnssec(rep, st);
	judge_dane(rep, st);
	judge_dkim(rep, st);
	judge_bogus(rep, st);
	rep->verdict = CHK_PASS;
	for (int i = 0; i < READY_COUNT; i++) {
		if (rep->item[i].data == NULL)
			rep->item[i].data = json_object_new_object();
		rep->verdict = result_chk_worst(rep->verdict, rep->item[i].status);
	}
	if (rep->verdict == CHK_INFO)
		rep->verdict = CHK_PASS;
	rep->queries = dns_run_queries(st->run);
}

void ready_mail_statuses(const ready_report *rep, chk_status *st, chk_status *verdict)
{
	*verdict = rep->bogus ? CHK_TEMPERROR : rep->verdict;
	for (int i = 0; i < READY_COUNT; i++)
		st[i] = rep->bogus && rep->item[i].status == CHK_INFO ? CHK_TEMPERROR : rep->item[i].status;
}

ready_report *ready_check(dns_resolver *res, const char *domain, double timeout)
{
	dns_run *run = dns_run_new(res, timeout);
	ready_report *rep = ready_start(run, domain);
	dns_run_wait(run);
	ready_finish(rep);
	((struct ready_priv *)rep->priv)->own_run = run;
	return rep;
}

json_object *ready_json(const ready_report *rep)
{
	json_object *o = json_object_new_object(), *checks = json_object_new_object();
	json_object_object_add(o, "domain", json_object_new_string(rep->domain));
	json_object_object_add(o, "verdict", json_object_new_string(result_chk_str(rep->verdict)));
	for (int i = 0; i < READY_COUNT; i++) {
		const ready_item *it = &rep->item[i];
		json_object *c = json_object_new_object();
		json_object_object_add(c, "status", json_object_new_string(result_chk_str(it->status)));
		json_object_object_add(c, "summary", json_object_new_string(it->summary));
		if (it->hint[0])
			json_object_object_add(c, "hint", json_object_new_string(it->hint));
		if (it->data) {
			struct json_object_iterator ji = json_object_iter_begin(it->data);
			struct json_object_iterator je = json_object_iter_end(it->data);
			for (; !json_object_iter_equal(&ji, &je); json_object_iter_next(&ji))
				json_object_object_add(c, json_object_iter_peek_name(&ji),
				    json_object_get(json_object_iter_peek_value(&ji)));
		}
		json_object_object_add(checks, ids[i], c);
	}
	json_object_object_add(o, "checks", checks);
	json_object_object_add(o, "queries", json_object_new_int((int)rep->queries));
	return o;
}

void ready_report_free(ready_report *rep)
{
	if (rep == NULL)
		return;
	for (int i = 0; i < READY_COUNT; i++)
		json_object_put(rep->item[i].data);
	struct ready_priv *p = rep->priv;
	if (p)
		dns_run_free(p->own_run);
	free(p);
	free(rep);
}
