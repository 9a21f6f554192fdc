/* Unit tests of the core: address classes, names, the table resolver, and
 * every readiness rule that does not need SPF/DMARC. */
#include <stdlib.h>
#include "addr.h"
#include "dns.h"
#include "ready.h"
#include "tap.h"

static void test_addr(void)
{
	static const struct { const char *a; const char *cls; } v[] = {
		{ "2a00:1450:4001::1", "global" }, { "fe80::1", "link-local" },
		{ "fd12:3456::1", "unique-local" }, { "::1", "loopback" }, { "::", "unspecified" },
		{ "::ffff:192.0.2.1", "ipv4-mapped" }, { "2001:db8::25", "documentation" },
		{ "3fff::1", "documentation" }, { "64:ff9b::c000:201", "nat64" },
		{ "2002:c000:201::1", "6to4" }, { "2001:0:4136:e378::1", "teredo" },
		{ "ff02::1", "multicast" }, { "fec0::1", "site-local" }, { "100::1", "discard-only" },
		{ "2001:1::1", "global" }, { "2001:2::1", "benchmarking" }, { "2001:10::1", "reserved" },
		{ "4000::1", "reserved" }, { "8.8.8.8", "global" }, { "10.1.2.3", "private" },
		{ "169.254.1.1", "link-local" }, { "127.0.0.1", "loopback" }, { "192.0.2.3", "documentation" },
		{ "100.64.1.1", "private" }, { "224.0.0.1", "multicast" }, { "bogus", "invalid" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		TAP_STR(addr_class_str(addr_classify(v[i].a, NULL)), v[i].cls, v[i].a);
	char out[64];
	TAP_INT(addr_normalize("::ffff:192.0.2.1", out, sizeof out), 4, "mapped normalises to IPv4");
	TAP_STR(out, "192.0.2.1", "mapped address text");
	TAP_INT(addr_normalize("2001:DB8:0::1", out, sizeof out), 6, "IPv6 normalise family");
	TAP_STR(out, "2001:db8::1", "IPv6 canonical text");
}

static void test_names(void)
{
	char out[300], err[128], lab[70], lng[300];
	TAP_INT(dns_name_normalize("Example.COM.", out, sizeof out, err, sizeof err), 0, "normalise valid");
	TAP_STR(out, "example.com", "lower case, no final dot");
	TAP_INT(dns_name_normalize("a..b", out, sizeof out, err, sizeof err), -1, "empty label rejected");
	memset(lab, 'a', 64); lab[64] = 0;
	TAP_INT(dns_name_normalize(lab, out, sizeof out, err, sizeof err), -1, "64-octet label rejected");
	memset(lng, 'a', 254); for (int i = 50; i < 254; i += 50) lng[i] = '.'; lng[254] = 0;
	TAP_INT(dns_name_normalize(lng, out, sizeof out, err, sizeof err), -1, "254-octet name rejected");
	TAP_INT(dns_name_normalize("a b.com", out, sizeof out, err, sizeof err), -1, "space rejected");
	TAP_INT(dns_ptr_name("192.0.2.1", out, sizeof out), 0, "ptr v4");
	TAP_STR(out, "1.2.0.192.in-addr.arpa", "ptr v4 name");
	TAP_INT(dns_ptr_name("2001:db8::1", out, sizeof out), 0, "ptr v6");
	TAP_STR(out, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "ptr v6 name");
}

static ready_report *run(dns_resolver *res, const char *d)
{
	return ready_check(res, d, 5);
}

static const char *js(const ready_report *r, ready_id id, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(r->item[id].data, key, &v))
		return "(absent)";
	return json_object_get_string(v);
}

static void test_ready(void)
{
	char err[256];
	dns_options o = { .table_file = "tests/unit/data/ready.tab" };
	dns_resolver *res = dns_resolver_new(&o, err, sizeof err);
	TAP_OK(res != NULL, "table resolver loads (%s)", res ? "ok" : err);
	if (!res)
		return;
	ready_report *r = run(res, "good.t");
	TAP_STR(result_chk_str(r->item[READY_MX].status), "pass", "good: mx");
	TAP_STR(js(r, READY_MX, "mode"), "explicit", "good: explicit mode");
	TAP_STR(result_chk_str(r->item[READY_MX_IPV6].status), "pass", "good: mx_ipv6");
	TAP_STR(result_chk_str(r->item[READY_NS_IPV6].status), "pass", "good: ns_ipv6");
	TAP_STR(result_chk_str(r->item[READY_DNSSEC].status), "pass", "good: dnssec");
	TAP_STR(result_chk_str(r->item[READY_MX_DNSSEC].status), "pass", "good: mx_dnssec");
	TAP_STR(result_chk_str(r->item[READY_DANE].status), "pass", "good: dane");
	TAP_STR(js(r, READY_DANE, "rollover"), "true", "good: rollover");
	TAP_STR(result_chk_str(r->item[READY_DKIM_SUPPORT].status), "pass", "good: dkim_support (ENT)");
	ready_report_free(r);

	r = run(res, "nullmx.t");
	TAP_STR(js(r, READY_MX, "mode"), "null", "null MX mode");
	TAP_STR(result_chk_str(r->item[READY_MX].status), "fail", "null MX fails");
	TAP_STR(result_chk_str(r->item[READY_DKIM_SUPPORT].status), "fail", "no _domainkey fails");
	ready_report_free(r);

	r = run(res, "implicit.t");
	TAP_STR(js(r, READY_MX, "mode"), "implicit", "implicit MX mode");
	TAP_STR(result_chk_str(r->item[READY_MX].status), "warn", "implicit MX warns");
	TAP_STR(result_chk_str(r->item[READY_MX_IPV6].status), "fail", "implicit host without AAAA fails IPv6");
	ready_report_free(r);

	r = run(res, "nonexistent.t");
	TAP_STR(js(r, READY_MX, "mode"), "none", "NXDOMAIN mode none");
	TAP_STR(result_chk_str(r->item[READY_MX].status), "fail", "NXDOMAIN fails");
	ready_report_free(r);

	r = run(res, "noaddr.t");
	TAP_STR(result_chk_str(r->item[READY_MX].status), "fail", "every target address-less fails");
	ready_report_free(r);
	r = run(res, "half.t");
	TAP_STR(result_chk_str(r->item[READY_MX].status), "warn", "some targets address-less warns");
	ready_report_free(r);
	r = run(res, "cname.t");
	TAP_STR(result_chk_str(r->item[READY_MX].status), "warn", "CNAME target warns");
	TAP_STR(result_chk_str(r->item[READY_MX_IPV6].status), "fail", "ULA-only MX fails IPv6");
	ready_report_free(r);
	r = run(res, "ll.t");
	TAP_STR(result_chk_str(r->item[READY_MX_IPV6].status), "fail", "link-local + mapped AAAA fail");
	ready_report_free(r);
	r = run(res, "slow.t");
	TAP_STR(result_chk_str(r->item[READY_MX].status), "temperror", "MX host timeout is temperror");
	TAP_STR(result_chk_str(r->verdict), "temperror", "temperror outranks fail in the verdict");
	ready_report_free(r);
	r = run(res, "bogus.t");
	TAP_STR(result_chk_str(r->item[READY_DNSSEC].status), "fail", "bogus domain fails dnssec");
	TAP_STR(js(r, READY_DNSSEC, "state"), "bogus", "bogus state");
	ready_report_free(r);
	r = run(res, "sub.good.t");
	TAP_STR(js(r, READY_NS_IPV6, "zone"), "good.t", "NS of a non-apex name come from the enclosing zone");
	ready_report_free(r);
	dns_resolver_free(res);
}

int main(void)
{
	tap_name = "test_core";
	test_addr();
	test_names();
	test_ready();
	return TAP_DONE();
}
