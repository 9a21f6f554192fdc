/*
 * helo: the HELO/EHLO argument must be a fully qualified domain name or an
 * address literal (RFC 5321 4.1.1.1, 4.1.3).  pass: it resolves to the
 * client; warn: it resolves, to other addresses; fail: bad syntax, a
 * literal that is not the client, or a name that does not resolve.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "helo.h"

static void judge(helo_verdict *v, chk_status st, const char *why)
{
	v->status = st;
	snprintf(v->reason, sizeof v->reason, "%s", why);
	v->done = 1;
}

static void printable(char *out, size_t outlen, const char *in)
{
	size_t o = 0;
	for (; *in && o + 5 < outlen; in++) {
		unsigned char c = (unsigned char)*in;
		if (c < 0x21 || c > 0x7e)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

static int same_addr(const char *a, const char *b, int family)
{
	unsigned char x[16], y[16];
	int af = family == 4 ? AF_INET : AF_INET6;
	if (inet_pton(af, a, x) != 1 || inet_pton(af, b, y) != 1)
		return 0;
	return memcmp(x, y, family == 4 ? 4 : 16) == 0;
}

static void addr_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	helo_verdict *v = arg;
	(void)run;
	v->pending--;
	if (ans->outcome == DNS_TEMPERROR)
		v->temp++;
	for (size_t i = 0; ans->outcome == DNS_ANSWER && i < ans->n; i++) {
		v->any++;
		if (ans->rr[i].text && same_addr(ans->rr[i].text, v->ip, v->family))
			v->matched = 1;
	}
	if (v->pending > 0 || v->done)
		return;
	if (v->matched)
		judge(v, CHK_PASS, "HELO name resolves to the client address");
	else if (v->temp)
		judge(v, CHK_TEMPERROR, "HELO name lookup failed");
	else if (v->any)
		judge(v, CHK_WARN, "HELO name resolves, but not to the client address");
	else
		judge(v, CHK_FAIL, "HELO name does not resolve");
}

void helo_start(dns_run *run, const char *helo, const char *client_ip, helo_verdict *v)
{
	char norm[DNS_TEXT_MAX + 2], err[128];
	memset(v, 0, sizeof *v);
	v->status = CHK_TEMPERROR;
	printable(v->helo, sizeof v->helo, helo ? helo : "");
	v->family = addr_normalize(client_ip ? client_ip : "", v->ip, sizeof v->ip);
	if (helo == NULL || helo[0] == '\0') {
		judge(v, CHK_FAIL, "no HELO name");
		return;
	}
	size_t n = strlen(helo);
	if (helo[0] == '[') {
		char lit[sizeof "IPv6:" + INET6_ADDRSTRLEN], na[INET6_ADDRSTRLEN];
		const char *p = helo + 1;
		v->literal = 1;
		if (n < 3 || helo[n - 1] != ']' || n - 2 >= sizeof lit) {
			judge(v, CHK_FAIL, "malformed address literal");
			return;
		}
		memcpy(lit, p, n - 2);
		lit[n - 2] = '\0';
		const char *a = lit;
		if (strncasecmp(lit, "IPv6:", 5) == 0)
			a = lit + 5;
		int fam = addr_normalize(a, na, sizeof na);
		if (fam == 0 || (fam == 6 && a == lit)) {
			judge(v, CHK_FAIL, "malformed address literal");
			return;
		}
		if (v->family && strcmp(na, v->ip) == 0)
			judge(v, CHK_PASS, "address literal is the client address");
		else
			judge(v, CHK_FAIL, "address literal is not the client address");
		return;
	}
	unsigned char b[16];
	if (inet_pton(AF_INET, helo, b) == 1 || inet_pton(AF_INET6, helo, b) == 1) {
		judge(v, CHK_FAIL, "bare IP address instead of a name or [literal]");
		return;
	}
	if (dns_name_normalize(helo, norm, sizeof norm, err, sizeof err) < 0) {
		char m[sizeof "invalid HELO name: " + sizeof err];
		snprintf(m, sizeof m, "invalid HELO name: %s", err);
		judge(v, CHK_FAIL, m);
		return;
	}
	const char *last = strrchr(norm, '.');
	if (last == NULL) {
		judge(v, CHK_FAIL, "HELO name is not fully qualified");
		return;
	}
	int numeric = 1;
	for (const char *c = last + 1; *c; c++)
		if (!isdigit((unsigned char)*c))
			numeric = 0;
	if (numeric) {
		judge(v, CHK_FAIL, "HELO name has a numeric top-level label");
		return;
	}
	v->pending = 2;
	dns_submit(run, norm, DNS_T_A, addr_cb, v);
	dns_submit(run, norm, DNS_T_AAAA, addr_cb, v);
}

json_object *helo_json(const helo_verdict *v)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(result_chk_str(v->status)));
	json_object_object_add(o, "name", json_object_new_string(v->helo));
	json_object_object_add(o, "literal", json_object_new_boolean(v->literal));
	json_object_object_add(o, "reason", json_object_new_string(v->reason));
	return o;
}
