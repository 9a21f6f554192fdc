/*
 * iprev: reverse DNS of the client, confirmed by a forward lookup of the
 * PTR names (RFC 8601 3, RFC 8601 2.7.3 for the results).  At most
 * IPREV_MAX_NAMES names are followed, all in parallel.  An IPv4-mapped IPv6
 * address is treated as the IPv4 address.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "iprev.h"

static void set(iprev_verdict *v, auth_result r, const char *why)
{
	v->result = r;
	snprintf(v->reason, sizeof v->reason, "%s", why);
	v->done = 1;
}

static int same_addr(const char *a, const char *b, int family)
{
	unsigned char x[16], y[16];
	int af = family == 4 ? AF_INET : AF_INET6;
	if (inet_pton(af, a, x) != 1 || inet_pton(af, b, y) != 1)
		return 0;
	return memcmp(x, y, family == 4 ? 4 : 16) == 0;
}

static void fwd_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	iprev_verdict *v = arg;
	(void)run;
	v->pending--;
	if (v->done)
		return;
	if (ans->outcome == DNS_TEMPERROR)
		v->temp++;
	for (size_t i = 0; ans->outcome == DNS_ANSWER && i < ans->n; i++)
		if (ans->rr[i].text && same_addr(ans->rr[i].text, v->ip, v->family)) {
			snprintf(v->name, sizeof v->name, "%s", ans->qname);
			set(v, AUTH_PASS, "forward-confirmed");
			return;
		}
	if (v->pending > 0)
		return;
	if (v->temp)
		set(v, AUTH_TEMPERROR, "forward lookup of the PTR name failed");
	else
		set(v, AUTH_FAIL, "PTR name does not resolve to the client address");
}

static void ptr_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	iprev_verdict *v = arg;
	if (ans->outcome == DNS_TEMPERROR) {
		set(v, AUTH_TEMPERROR, ans->sec == DNS_BOGUS ? "PTR lookup DNSSEC bogus" : "PTR lookup failed");
		return;
	}
	if (ans->outcome != DNS_ANSWER) {
		set(v, AUTH_PERMERROR, "no PTR record");
		return;
	}
	for (size_t i = 0; i < ans->n && v->n_ptr < IPREV_MAX_NAMES; i++) {
		if (ans->rr[i].text == NULL || ans->rr[i].text[0] == '\0')
			continue;
		v->names[v->n_ptr++] = ans->rr[i].text;
	}
	if (v->n_ptr == 0) {
		set(v, AUTH_PERMERROR, "empty PTR record");
		return;
	}
	snprintf(v->name, sizeof v->name, "%s", v->names[0]);
	v->pending = (int)v->n_ptr;
	for (size_t i = 0; i < v->n_ptr; i++)
		dns_submit(run, v->names[i], v->family == 4 ? DNS_T_A : DNS_T_AAAA, fwd_cb, v);
}

void iprev_start(dns_run *run, const char *client_ip, iprev_verdict *v)
{
	char ptr[DNS_TEXT_MAX + 1];   /* 73 octets for ip6.arpa */
	memset(v, 0, sizeof *v);
	v->result = AUTH_TEMPERROR;
	snprintf(v->reason, sizeof v->reason, "not evaluated");
	v->family = addr_normalize(client_ip ? client_ip : "", v->ip, sizeof v->ip);
	if (v->family == 0) {
		snprintf(v->ip, sizeof v->ip, "%s", "invalid");
		set(v, AUTH_PERMERROR, "client address is not an IP address");
		return;
	}
	if (dns_ptr_name(v->ip, ptr, sizeof ptr) != 0) {
		set(v, AUTH_PERMERROR, "cannot build the reverse name");
		return;
	}
	dns_submit(run, ptr, DNS_T_PTR, ptr_cb, v);
}

json_object *iprev_json(const iprev_verdict *v)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "result", json_object_new_string(result_auth_str(v->result)));
	json_object_object_add(o, "ip", json_object_new_string(v->ip));
	json_object_object_add(o, "name", v->name[0] ? json_object_new_string(v->name) : NULL);
	json_object_object_add(o, "reason", json_object_new_string(v->reason));
	return o;
}
