/* Unit tests of iprev (RFC 8601 3) and the HELO check on a table resolver. */
#include "dns.h"
#include "helo.h"
#include "iprev.h"
#include "tap.h"

static dns_resolver *res;

static void ip(const char *addr, const char *want, const char *name, const char *what)
{
	dns_run *run = dns_run_new(res, 5);
	iprev_verdict v;
	iprev_start(run, addr, &v);
	dns_run_wait(run);
	TAP_STR(result_auth_str(v.result), want, what);
	if (name)
		TAP_STR(v.name, name, "confirmed name");
	dns_run_free(run);
}

static void he(const char *helo, const char *client, const char *want, const char *what)
{
	dns_run *run = dns_run_new(res, 5);
	helo_verdict v;
	helo_start(run, helo, client, &v);
	dns_run_wait(run);
	TAP_OK(v.status == (chk_status)result_chk_parse(want), "%s: got %s (%s) want %s", what,
	    result_chk_str(v.status), v.reason, want);
	dns_run_free(run);
}

int main(void)
{
	char err[256];
	dns_options o = { .table_file = "tests/unit/data/iprev.tab" };
	tap_name = "test_iprev";
	res = dns_resolver_new(&o, err, sizeof err);
	TAP_OK(res != NULL, "table loads");
	if (res == NULL)
		return 1;
	ip("192.0.2.1", "pass", "mail.ok.t", "forward-confirmed IPv4");
	ip("::ffff:192.0.2.1", "pass", "mail.ok.t", "IPv4-mapped treated as IPv4");
	ip("192.0.2.2", "fail", NULL, "PTR name points elsewhere");
	ip("192.0.2.3", "temperror", NULL, "forward lookup timeout");
	ip("192.0.2.4", "pass", "b.multi.t", "second of two PTR names confirms");
	ip("192.0.2.5", "temperror", NULL, "PTR lookup timeout");
	ip("192.0.2.6", "permerror", NULL, "no PTR");
	ip("2001:db8::1", "pass", "v6.ok.t", "IPv6 forward-confirmed");
	ip("not-an-ip", "permerror", NULL, "invalid client address");
	he("mail.ok.t", "192.0.2.1", "pass", "HELO resolves to client");
	he("other.t", "192.0.2.1", "warn", "HELO resolves elsewhere");
	he("nowhere.t", "192.0.2.1", "fail", "HELO does not resolve");
	he("slow.t", "192.0.2.1", "temperror", "HELO lookup timeout");
	he("[192.0.2.1]", "192.0.2.1", "pass", "matching literal");
	he("[192.0.2.7]", "192.0.2.1", "fail", "literal not the client");
	he("[IPv6:2001:db8::1]", "2001:db8::1", "pass", "IPv6 literal");
	he("[2001:db8::1]", "2001:db8::1", "fail", "IPv6 literal without tag");
	he("192.0.2.1", "192.0.2.1", "fail", "bare address");
	he("localhost", "192.0.2.1", "fail", "not fully qualified");
	he("bad_name!.t", "192.0.2.1", "fail", "invalid characters");
	he("", "192.0.2.1", "fail", "empty HELO");
	dns_resolver_free(res);
	return TAP_DONE();
}
