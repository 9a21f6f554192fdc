/* Unit tests of SPF (RFC 7208) on a table resolver: results, limits,
 * macros, explanations, identities, the syntax check and the spf_record
 * readiness walk. */
#include <pthread.h>
#include <string.h>
#include "dns.h"
#include "iprev.h"
#include "ready_spf.h"
#include "spf.h"
#include "tap.h"

static dns_resolver *res;

static spf_verdict last;

static void ev(spf_scope sc, const char *ip, const char *helo, const char *from,
    const char *want, const char *what)
{
	dns_run *run = dns_run_new(res, 5);
	spf_start(run, sc, ip, helo, from, &last);
	dns_run_wait(run);
	TAP_OK(strcmp(result_auth_str(last.result), want) == 0, "%s: got %s (%s) want %s", what,
	    result_auth_str(last.result), last.reason, want);
	spf_verdict_clear(&last);
	dns_run_free(run);
}

static void mf(const char *ip, const char *from, const char *want, const char *what)
{
	ev(SPF_SCOPE_MAILFROM, ip, "helo.t", from, want, what);
}

static void syn(const char *rec, int ok, const char *what)
{
	char err[256] = "";
	int r = spf_record_check(rec, strlen(rec), err, sizeof err);
	TAP_OK((r == 0) == ok, "syntax %s: %s (%s)", ok ? "accepts" : "rejects", what, err);
}

static void pol(const char *dom, chk_status want, int lookups, int voids, const char *all)
{
	dns_run *run = dns_run_new(res, 5);
	ready_item it;
	memset(&it, 0, sizeof it);
	ready_spf_start(run, dom, &it);
	dns_run_wait(run);
	TAP_OK(it.status == want, "spf_record %s: got %s (%s) want %s", dom,
	    result_chk_str(it.status), it.summary, result_chk_str(want));
	json_object *v;
	if (lookups >= 0) {
		TAP_INT(json_object_object_get_ex(it.data, "lookups", &v) ? json_object_get_int(v) : -1,
		    lookups, "spf_record lookups");
		TAP_INT(json_object_object_get_ex(it.data, "void_lookups", &v) ? json_object_get_int(v) : -1,
		    voids, "spf_record void_lookups");
	}
	if (all) {
		const char *a = json_object_object_get_ex(it.data, "all", &v) && v ? json_object_get_string(v) : "null";
		TAP_STR(a, all, "spf_record all");
	}
	if (want == CHK_FAIL)
		TAP_OK(it.hint[0] != '\0', "spf_record %s: a fail has a hint", dom);
	json_object_put(it.data);
	dns_run_free(run);
}

/* Many runs in several threads on one resolver, as in the milter. */
#define THREADS 4
#define ROUNDS 50
static void *worker(void *arg)
{
	int *bad = arg;
	for (int i = 0; i < ROUNDS; i++) {
		dns_run *run = dns_run_new(res, 5);
		spf_verdict a, b;
		spf_start(run, SPF_SCOPE_MAILFROM, "192.0.2.1", "helo.t", "x@inc.t", &a);
		spf_start(run, SPF_SCOPE_MAILFROM, "192.0.2.1", "helo.t", "user-john@macro.t", &b);
		dns_run_wait(run);
		if (a.result != AUTH_PASS || b.result != AUTH_PASS)
			(*bad)++;
		spf_verdict_clear(&a);
		spf_verdict_clear(&b);
		dns_run_free(run);
	}
	return NULL;
}

/* Results and mechanisms, evaluated on the table. */
static void test_results(void)
{
	/* results */
	mf("192.0.2.1", "a@pass.t", "pass", "ip4 match");
	mf("2001:db8::5", "a@pass.t", "pass", "ip6 match");
	mf("198.51.100.1", "a@pass.t", "fail", "-all");
	TAP_STR(last.mechanism, "-all", "matching mechanism reported");
	TAP_INT(last.lookups, 0, "no DNS-querying term");
	mf("198.51.100.1", "a@soft.t", "softfail", "~all");
	mf("198.51.100.1", "a@neutral.t", "neutral", "?all");
	mf("198.51.100.1", "a@default.t", "neutral", "no match, no all: neutral (4.7)");
	TAP_STR(last.mechanism, "default", "default result named");
	mf("198.51.100.1", "a@none.t", "none", "no v=spf1 record");
	mf("198.51.100.1", "a@nx.t", "none", "NXDOMAIN");
	mf("198.51.100.1", "a@dup.t", "permerror", "two v=spf1 records (4.5)");
	mf("198.51.100.1", "a@syntax.t", "permerror", "syntax error");
	mf("198.51.100.1", "a@slow.t", "temperror", "DNS timeout on the record");
	mf("192.0.2.1", "a@two.t", "pass", "TXT strings concatenated");
	mf("198.51.100.1", "a@two.t", "fail", "TXT strings concatenated (-all)");
	/* mechanisms */
	mf("198.51.100.99", "a@a.t", "pass", "a/24");
	mf("2001:db8:aa::ffff", "a@a.t", "pass", "a:host//64");
	mf("198.51.100.20", "a@mx.t", "pass", "mx (null MX skipped)");
	mf("198.51.100.21", "a@mx.t", "fail", "mx no match");
	mf("198.51.100.21", "a@mxslow.t", "temperror", "MX host lookup timeout");
	mf("198.51.100.20", "a@mxmany.t", "permerror", "more than 10 MX (4.6.4)");
	mf("192.0.2.1", "a@inc.t", "pass", "include matches before a failing include");
	mf("198.51.100.1", "a@inc.t", "temperror", "include of a timing-out domain");
	mf("198.51.100.1", "a@incnone.t", "permerror", "include of a domain without SPF");
	mf("192.0.2.1", "a@red.t", "pass", "redirect");
	TAP_INT(last.lookups, 1, "redirect counted");
	mf("192.0.2.1", "a@rednone.t", "permerror", "redirect to a domain without SPF");
	mf("192.0.2.1", "a@ptr.t", "pass", "ptr validated");
	mf("192.0.2.77", "a@ptr.t", "fail", "ptr not validated");
	/* limits */
	mf("192.0.2.1", "a@ten.t", "pass", "10 DNS-querying terms");
	TAP_INT(last.lookups, 9, "lookups counted up to the match");
	mf("192.0.2.1", "a@eleven.t", "permerror", "11 DNS-querying terms");
	mf("192.0.2.1", "a@void2.t", "pass", "2 void lookups");
	TAP_INT(last.void_lookups, 2, "void lookups counted");
	mf("192.0.2.1", "a@void3.t", "permerror", "3 void lookups");
}

/* Macros, explanations, clients and identities. */
static void test_macros(void)
{
	/* macros */
	mf("192.0.2.1", "user-john@macro.t", "pass", "%{ir}.%{v}.%{l1r-}.%{d2}");
	mf("192.0.2.1", "other@macro.t", "fail", "macro name does not exist");
	mf("192.0.2.1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@huge.t", "fail", "huge transformers, over-long names: no match, no crash");
	mf("192.0.2.1", "a@cve.t", "permerror", "CVE-2023-42118 record (5.5 KB): over the record limit");
	mf("192.0.2.1", "a@cve2.t", "fail", "CVE-2023-42118 shape under 4 KB: name too long, no match, no crash");
	/* explanation */
	mf("198.51.100.1", "bob@exp.t", "fail", "fail with exp=");
	TAP_STR(last.explanation, "bob may not send from 198.51.100.1 for exp.t", "explanation expanded");
	mf("198.51.100.1", "b\x01o\x7f" "b@exp.t", "fail", "control characters in the local-part");
	TAP_OK(strchr(last.explanation, '\x01') == NULL && strchr(last.explanation, '\x7f') == NULL,
	    "explanation printable: '%s'", last.explanation);
	mf("198.51.100.1", "bob@expbad.t", "fail", "non-ASCII explanation");
	TAP_STR(last.explanation, "", "non-ASCII explanation ignored");
	/* clients and identities */
	mf("::ffff:192.0.2.1", "a@pass.t", "pass", "IPv4-mapped client is IPv4");
	mf("127.0.0.1", "a@pass.t", "fail", "loopback gets no special pass");
	mf("not-an-ip", "a@pass.t", "permerror", "invalid client address");
	ev(SPF_SCOPE_MAILFROM, "192.0.2.9", "helo.t", "", "pass", "null sender: postmaster@HELO");
	TAP_STR(last.identity, "postmaster@helo.t", "null-sender identity");
	ev(SPF_SCOPE_HELO, "192.0.2.9", "helo.t", "x@pass.t", "pass", "HELO scope");
	TAP_STR(last.domain, "helo.t", "HELO scope checks the HELO name");
	ev(SPF_SCOPE_HELO, "192.0.2.10", "helo.t", NULL, "fail", "HELO scope fail");
	ev(SPF_SCOPE_HELO, "192.0.2.9", "[192.0.2.9]", NULL, "none", "HELO address literal");
	ev(SPF_SCOPE_HELO, "192.0.2.9", "localhost", NULL, "none", "HELO not a FQDN");
	ev(SPF_SCOPE_HELO, "192.0.2.9", NULL, NULL, "none", "no HELO");
	mf("192.0.2.1", "@pass.t", "pass", "no local-part");
	TAP_STR(last.identity, "postmaster@pass.t", "no local-part: postmaster");
	mf("192.0.2.1", "a@b@pass.t", "pass", "last @ separates the domain");
	{
		char longfrom[400];
		memset(longfrom, 'x', 300);
		snprintf(longfrom + 300, sizeof longfrom - 300, "@pass.t");
		mf("198.51.100.1", longfrom, "fail", "300-octet local-part: the policy still applies");
	}
}

/* SPF beside iprev on one run, and on many threads at once. */
static void test_parallel(void)
{
	/* SPF beside iprev on one run: both complete after one dns_run_wait */
	{
		dns_run *run = dns_run_new(res, 5);
		spf_verdict a, b;
		iprev_verdict ip;
		spf_start(run, SPF_SCOPE_MAILFROM, "192.0.2.1", "helo.t", "x@inc.t", &a);
		spf_start(run, SPF_SCOPE_HELO, "192.0.2.1", "helo.t", "x@inc.t", &b);
		iprev_start(run, "192.0.2.1", &ip);
		dns_run_wait(run);
		TAP_STR(result_auth_str(a.result), "pass", "parallel: MAIL FROM verdict");
		TAP_STR(result_auth_str(b.result), "fail", "parallel: HELO verdict");
		TAP_STR(result_auth_str(ip.result), "pass", "parallel: iprev verdict");
		json_object *j = spf_json(&a);
		json_object *f;
		TAP_OK(json_object_object_get_ex(j, "result", &f) && strcmp(json_object_get_string(f), "pass") == 0,
		    "spf_json result");
		TAP_OK(json_object_object_get_ex(j, "scope", &f) && strcmp(json_object_get_string(f), "mailfrom") == 0,
		    "spf_json scope");
		json_object_put(j);
		spf_verdict_clear(&a);
		spf_verdict_clear(&b);
		spf_verdict_clear(NULL);
		dns_run_free(run);
	}

	{
		pthread_t th[THREADS];
		int bad[THREADS] = { 0 }, total = 0;
		for (int i = 0; i < THREADS; i++)
			pthread_create(&th[i], NULL, worker, &bad[i]);
		for (int i = 0; i < THREADS; i++) {
			pthread_join(th[i], NULL);
			total += bad[i];
		}
		TAP_INT(total, 0, "threads: every evaluation of 4 x 50 runs right");
	}
}

/* The whole-record syntax check (RFC 7208 12). */
static void test_syntax(void)
{
	char err[256];
	/* the syntax check */
	syn("v=spf1", 1, "empty record");
	syn("v=spf1 a mx ptr -all", 1, "plain");
	syn("V=SPF1 A:%{d}.x.t IP4:192.0.2.0/24 Include:x.t ~ALL", 1, "case-insensitive");
	syn("v=spf1 a:x.t/24//64 mx//128 ip6:::1/128 exists:%{ir}.%{l1r+-}.x.t", 1, "CIDR and macros");
	syn("v=spf1 moo.cow-far_out=man:dog/cat -all", 1, "unknown modifier");
	syn("v=spf1 -all ", 1, "trailing space");
	syn("v=spf10", 0, "v=spf10");
	syn("v=spf1 ipv4:192.0.2.1", 0, "unknown mechanism");
	syn("v=spf1 ip4:192.0.2.1/33", 0, "CIDR over 32");
	syn("v=spf1 ip4:192.0.2.1/032", 0, "CIDR leading zero");
	syn("v=spf1 ip4:192.0.02.1", 0, "octet leading zero");
	syn("v=spf1 a//129", 0, "IPv6 CIDR over 128");
	syn("v=spf1 a:foo", 0, "single-label domain-spec");
	syn("v=spf1 a:x.123", 0, "numeric top label");
	syn("v=spf1 a:%{x}.t", 0, "unknown macro letter");
	syn("v=spf1 a:%{d0}.t", 0, "zero transformer");
	syn("v=spf1 a:%{c}.t", 0, "c macro outside exp");
	syn("v=spf1 a:x.t%", 0, "lone %");
	syn("v=spf1 a:%{d", 0, "unterminated macro");
	syn("v=spf1 redirect=a.t redirect=b.t", 0, "redirect twice");
	syn("v=spf1 exp=", 0, "empty exp");
	syn("v=spf1 -all.", 0, "all with junk");
	syn("v=spf1 include", 0, "include without domain");
	syn("v=spf1 a:x.t\r-all", 0, "control character");
	syn("v=spf1 a:x.t -\xc3\xa0ll", 0, "non-ASCII");
	{
		char big[SPF_RECORD_MAX + 16];
		memset(big, 'a', sizeof big);
		memcpy(big, "v=spf1 ", 7);
		TAP_OK(spf_record_check(big, sizeof big, err, sizeof err) < 0, "over-long record rejected");
		TAP_OK(spf_record_check("v=spf1 -all", 0, err, sizeof err) < 0, "length 0 rejected");
	}
}

/* The spf_record readiness walk. */
static void test_policy(void)
{
	/* the spf_record readiness walk */
	pol("pol-ok.t", CHK_PASS, 2, 0, "-all");
	pol("soft.t", CHK_PASS, 0, 0, "~all");
	pol("neutral.t", CHK_FAIL, 0, 0, "?all");
	pol("default.t", CHK_FAIL, 0, 0, "null");
	pol("red.t", CHK_PASS, 1, 0, "-all");
	pol("ten.t", CHK_PASS, 10, 0, "-all");
	pol("eleven.t", CHK_FAIL, 11, 0, NULL);
	pol("void2.t", CHK_PASS, 2, 2, NULL);
	pol("void3.t", CHK_FAIL, 3, 3, NULL);
	pol("dup.t", CHK_FAIL, -1, 0, NULL);
	pol("none.t", CHK_FAIL, -1, 0, NULL);
	pol("syntax.t", CHK_FAIL, -1, 0, NULL);
	pol("pol-incbad.t", CHK_FAIL, -1, 0, NULL);
	pol("pol-macro.t", CHK_PASS, 1, 0, "~all");
	pol("pol-slow.t", CHK_TEMPERROR, -1, 0, NULL);
	pol("slow.t", CHK_TEMPERROR, -1, 0, NULL);
}

int main(void)
{
	char err[256];
	dns_options o = { .table_file = "tests/unit/data/spf.tab" };
	tap_name = "test_spf";
	res = dns_resolver_new(&o, err, sizeof err);
	TAP_OK(res != NULL, "table loads (%s)", res ? "" : err);
	if (res == NULL)
		return 1;
	test_results();
	test_macros();
	test_parallel();
	test_syntax();
	test_policy();
	dns_resolver_free(res);
	return TAP_DONE();
}
