/*
 * Unit tests of the resolver layer (core/dns.c) on the table backend
 * (tests/unit/data/dns.tab) and, for the deadline, on libunbound forwarding
 * to a local socket that never answers.  Covers: callbacks run exactly once
 * when lookups of answered names are submitted again while other slots wait
 * in the ready queue (the lost-answers regression), de-duplication, TIMEOUT
 * entries (temperror), the run deadline, \DDD escapes in table TXT strings
 * (RFC 1035 5.1), dns_name_normalize limits (RFC 1035 2.3.4) and
 * dns_ptr_name (RFC 1035 3.5, RFC 3596 2.5).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "tap.h"

#define TABLE "tests/unit/data/dns.tab"
#define NCB 32

static dns_resolver *res;

/* ---------- callbacks that count their calls ---------- */

typedef struct probe {
	const char *name;      /* what the callback expects to be answered for */
	int qtype;
	int calls;
	int ok;                /* the answer was the expected one */
	void (*then)(dns_run *run, struct probe *p);   /* runs inside the callback */
} probe;

static probe P[NCB];
static size_t np;

static probe *probe_new(const char *name, int qtype)
{
	probe *p = &P[np++];
	memset(p, 0, sizeof *p);
	p->name = name;
	p->qtype = qtype;
	return p;
}

static void count_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	probe *p = arg;
	p->calls++;
	p->ok = ans != NULL && strcmp(ans->qname, p->name) == 0 && ans->qtype == p->qtype &&
	    ans->outcome == DNS_ANSWER && ans->n >= 1;
	if (p->then && p->calls == 1)
		p->then(run, p);
}

static probe *sub(dns_run *run, const char *name)
{
	probe *p = probe_new(name, DNS_T_A);
	dns_submit(run, name, DNS_T_A, count_cb, p);
	return p;
}

static void all_once(const char *what)
{
	size_t bad = 0;
	char list[512] = "";
	size_t o = 0;
	for (size_t i = 0; i < np; i++)
		if (P[i].calls != 1 || !P[i].ok) {
			bad++;
			int w = snprintf(list + o, sizeof list - o, " #%zu %s: %d calls%s", i, P[i].name,
			    P[i].calls, P[i].calls && !P[i].ok ? ", wrong answer" : "");
			if (w > 0 && (size_t)w < sizeof list - o)
				o += (size_t)w;
		}
	TAP_OK(bad == 0, "%s: each of %zu callbacks ran once with its answer%s", what, np, list);
}

/* ---------- the lost-answers regression ---------- */

/* Submitting an answered name again re-queues its slot; submitting it once
 * more while it is still queued behind nothing but in front of b and c must
 * not unlink b and c from the ready queue. */
static void requeue_toplevel(void)
{
	dns_run *run = dns_run_new(res, 5);
	np = 0;
	sub(run, "a.t");
	dns_run_wait(run);
	TAP_INT(P[0].calls, 1, "top level: first lookup of a.t answered");
	sub(run, "a.t");   /* answered: its slot goes to the ready queue again */
	sub(run, "b.t");
	sub(run, "c.t");
	sub(run, "a.t");   /* still queued, b and c behind it */
	sub(run, "d.t");
	dns_run_wait(run);
	all_once("top level: a.t re-submitted while queued before b.t, c.t");
	TAP_INT(dns_run_queries(run), 4, "top level: 4 distinct names sent once each");
	dns_run_free(run);
}

/* The same from inside callbacks: the callback of a.t asks for a.t again,
 * for new names, and for a.t once more; the callback of b.t asks for the
 * answered a.t and for another new name, and so on. */
static void then_a(dns_run *run, probe *p)
{
	(void)p;
	sub(run, "a.t");
	sub(run, "b.t");
	sub(run, "c.t");
	sub(run, "a.t");
	sub(run, "d.t");
}

static void then_b(dns_run *run, probe *p)
{
	(void)p;
	sub(run, "a.t");
	sub(run, "e.t");
	sub(run, "b.t");
	sub(run, "a.t");
	sub(run, "f.t");
}

static void then_e(dns_run *run, probe *p)
{
	(void)p;
	sub(run, "c.t");
	sub(run, "g.t");
	sub(run, "c.t");
	sub(run, "e.t");
	sub(run, "h.t");
}

static void requeue_callbacks(void)
{
	dns_run *run = dns_run_new(res, 5);
	np = 0;
	sub(run, "a.t")->then = then_a;
	dns_run_wait(run);
	all_once("callbacks: answered names re-submitted from callbacks");
	dns_run_free(run);

	/* Nested: b.t's callback re-queues the answered b.t, e.t's the answered
	 * e.t, and a.t's callback then submits b.t again while it is queued with
	 * f, c, g, e, h behind it. */
	run = dns_run_new(res, 5);
	np = 0;
	sub(run, "b.t")->then = then_b;
	sub(run, "e.t")->then = then_e;
	sub(run, "a.t")->then = then_a;
	dns_run_wait(run);
	all_once("callbacks: nested re-submissions from three callbacks");
	TAP_INT(dns_run_queries(run), 8, "callbacks: 8 distinct names (a..h) sent once each");
	dns_run_free(run);
}

/* A callback that submits its own name again gets a second call through
 * the new waiter only. */
static int self_calls;
static const dns_answer *self_first;
static int self_same;
static void self_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	(void)arg;
	if (++self_calls == 1) {
		self_first = ans;
		dns_submit(run, "a.t", DNS_T_A, self_cb, NULL);
	} else
		self_same = ans == self_first;
}

/* A blocking dns_lookup() of an answered name from inside a callback while
 * other slots wait in the ready queue. */
static const dns_answer *lk;
static void lookup_then(dns_run *run, probe *p)
{
	(void)p;
	sub(run, "b.t");
	sub(run, "c.t");
	lk = dns_lookup(run, "a.t", DNS_T_A);
	sub(run, "d.t");
}

static void requeue_misc(void)
{
	dns_run *run = dns_run_new(res, 5);
	self_calls = 0;
	self_same = 0;
	dns_submit(run, "a.t", DNS_T_A, self_cb, NULL);
	dns_run_wait(run);
	TAP_INT(self_calls, 2, "callback re-submitting its own name: called twice in all");
	TAP_OK(self_same, "callback re-submitting its own name: the same answer delivered again");
	dns_run_free(run);

	/* Two waiters on one slot before it is delivered. */
	run = dns_run_new(res, 5);
	np = 0;
	sub(run, "a.t");
	sub(run, "a.t");
	sub(run, "b.t");
	dns_run_wait(run);
	all_once("two waiters on a slot not yet delivered");
	TAP_INT(dns_run_queries(run), 2, "identical lookups sent once");
	dns_run_free(run);

	run = dns_run_new(res, 5);
	np = 0;
	lk = NULL;
	sub(run, "a.t")->then = lookup_then;
	dns_run_wait(run);
	all_once("dns_lookup of an answered name inside a callback");
	TAP_OK(lk && lk->outcome == DNS_ANSWER && lk->n == 1 && strcmp(lk->rr[0].text, "192.0.2.1") == 0,
	    "dns_lookup inside a callback returns the answer of a.t");
	dns_run_free(run);
}

/* ---------- answers of the table backend ---------- */

static const dns_answer *look(dns_run *run, const char *name, int qtype)
{
	return dns_lookup(run, name, qtype);
}

static void table_answers(void)
{
	dns_run *run = dns_run_new(res, 5);
	const dns_answer *a;

	a = look(run, "slow.t", DNS_T_A);
	TAP_OK(a && a->outcome == DNS_TEMPERROR, "TIMEOUT entry: A is temperror (%s)",
	    a ? dns_outcome_str(a->outcome) : "no answer");
	a = look(run, "slow.t", DNS_T_TXT);
	TAP_OK(a && a->outcome == DNS_TEMPERROR, "TIMEOUT entry: TXT is temperror");
	a = look(run, "slow.t", DNS_T_MX);
	TAP_OK(a && a->outcome == DNS_TEMPERROR, "TIMEOUT entry: MX is temperror");
	a = look(run, "sub.slow2.t", DNS_T_AAAA);
	TAP_OK(a && a->outcome == DNS_TEMPERROR, "TIMEOUT entry below an empty non-terminal: temperror");
	a = look(run, "slow2.t", DNS_T_A);
	TAP_OK(a && a->outcome == DNS_NODATA, "the parent of a TIMEOUT entry is not a timeout (%s)",
	    a ? dns_outcome_str(a->outcome) : "no answer");

	a = look(run, "A.T.", DNS_T_A);
	TAP_OK(a && a->outcome == DNS_ANSWER && a->n == 1 && strcmp(a->qname, "a.t") == 0 &&
	    a->rr[0].rdlen == 4 && memcmp(a->rr[0].rdata, "\xc0\x00\x02\x01", 4) == 0,
	    "upper case name with a final dot: a.t A 192.0.2.1 (wire rdata too)");
	a = look(run, "a.t", DNS_T_AAAA);
	TAP_OK(a && a->outcome == DNS_NODATA && a->rcode == 0, "name with other types only: nodata");
	a = look(run, "nope.t", DNS_T_A);
	TAP_OK(a && a->outcome == DNS_NXDOMAIN && a->rcode == 3, "unknown name: nxdomain, rcode 3");
	a = look(run, "ent.t", DNS_T_A);
	TAP_OK(a && a->outcome == DNS_NODATA, "empty non-terminal: nodata, not nxdomain");
	a = look(run, "mx.t", DNS_T_MX);
	TAP_OK(a && a->outcome == DNS_ANSWER && a->n == 2 && a->rr[0].pref == 10 &&
	    strcmp(a->rr[0].text, "a.t") == 0 && a->rr[1].pref == 20,
	    "MX: preference and target (lower case, no final dot)");
	a = look(run, "alias.t", DNS_T_A);
	TAP_OK(a && a->outcome == DNS_ANSWER && a->canonname && strcmp(a->canonname, "a.t") == 0 &&
	    a->n == 1, "CNAME followed, canonname set");

	a = look(run, "a..t", DNS_T_A);
	TAP_OK(a && a->outcome != DNS_ANSWER, "a lookup of an invalid name gets no records");
	char big[DNS_TEXT_MAX + 20];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	a = look(run, big, DNS_T_A);
	TAP_OK(a && a->outcome != DNS_ANSWER, "a lookup of a name over 253 octets gets no records");
	dns_run_free(run);
}

static void txt_is(dns_run *run, const char *name, const char *want, size_t wantlen, const char *what)
{
	const dns_answer *a = look(run, name, DNS_T_TXT);
	int ok = a && a->outcome == DNS_ANSWER && a->n == 1 && a->rr[0].textlen == wantlen &&
	    memcmp(a->rr[0].text, want, wantlen) == 0;
	TAP_OK(ok, "TXT %s: %s (textlen %zu, want %zu)", name, what,
	    a && a->n ? a->rr[0].textlen : 0, wantlen);
}

static void table_escapes(void)
{
	dns_run *run = dns_run_new(res, 5);
	txt_is(run, "esc1.t", "a;b c", 5, "\\059 and \\032 decode to ';' and ' '");
	txt_is(run, "esc2.t", "q\"x\\y", 5, "\\\" and \\\\ decode to '\"' and '\\'");
	txt_is(run, "esc3.t", "nul\0end", 7, "\\000 is a NUL octet inside the string");
	txt_is(run, "esc4.t", "\xc3\xa4", 2, "\\195\\164 decode to two 8-bit octets");
	txt_is(run, "esc5.t", "11", 2, "\\049 followed by a digit: three digits only");
	txt_is(run, "esc6.t", "v=spf1 ip4:192.0.2.1 -all", 25, "escape in the second of two strings");
	txt_is(run, "a.t", "the a record", 12, "plain string");
	const dns_answer *a = look(run, "esc7.t", DNS_T_TXT);
	TAP_OK(a && a->n == 1 && !(a->rr[0].textlen == 1 && a->rr[0].text[0] == 0),
	    "\\256 (over 255) is not decoded as an octet");
	dns_run_free(run);
}

/* ---------- the deadline ---------- */

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct { int calls; dns_outcome o; char why[64]; } dl_box;

static void dl_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	(void)run;
	dl_box *b = arg;
	b->calls++;
	b->o = ans->outcome;
	snprintf(b->why, sizeof b->why, "%s", ans->why_bogus ? ans->why_bogus : "");
}

static void deadline_table(void)
{
	dns_run *run = dns_run_new(res, 0.2);
	dl_box b[2];
	memset(b, 0, sizeof b);
	double t0 = mono();
	dns_submit(run, "slow.t", DNS_T_A, dl_cb, &b[0]);
	dns_submit(run, "a.t", DNS_T_A, dl_cb, &b[1]);
	dns_run_wait(run);
	double el = mono() - t0;
	TAP_OK(el < 0.2, "table: a run of 0.2 s with a TIMEOUT name returns within the deadline (%.3f s)", el);
	TAP_OK(b[0].calls == 1 && b[0].o == DNS_TEMPERROR, "table: the TIMEOUT name is temperror, once");
	TAP_OK(b[1].calls == 1 && b[1].o == DNS_ANSWER, "table: the other name is answered, once");
	dns_run_free(run);
}

/* libunbound forwarding to a UDP socket of ours that never answers. */
static void deadline_unbound(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		TAP_OK(0, "unbound: a silent UDP socket on the loopback");
		if (fd >= 0)
			close(fd);
		return;
	}
	char fwd[64], ta[] = "/tmp/mxr-test-dns-ta.XXXXXX", err[256];
	snprintf(fwd, sizeof fwd, "127.0.0.1@%u", ntohs(sa.sin_port));
	/* Any well-formed anchor will do: no answer ever arrives. */
	int tfd = mkstemp(ta);
	static const char anchor[] = ". IN DS 20326 8 2 "
	    "e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d\n";
	if (tfd < 0 || write(tfd, anchor, sizeof anchor - 1) != (ssize_t)(sizeof anchor - 1)) {
		TAP_OK(0, "unbound: trust anchor file written");
		close(fd);
		return;
	}
	close(tfd);
	const char *fw[1] = { fwd };
	dns_options o = { .forwarders = fw, .n_forwarders = 1, .trust_anchor_file = ta };
	dns_resolver *ur = dns_resolver_new(&o, err, sizeof err);
	TAP_OK(ur != NULL, "unbound: resolver forwarding to %s (%s)", fwd, ur ? "ok" : err);
	if (ur == NULL) {
		unlink(ta);
		close(fd);
		return;
	}
	dl_box b[3];
	memset(b, 0, sizeof b);
	dns_run *run = dns_run_new(ur, 0.4);
	double t0 = mono();
	dns_submit(run, "a.example", DNS_T_A, dl_cb, &b[0]);
	dns_submit(run, "b.example", DNS_T_TXT, dl_cb, &b[1]);
	dns_submit(run, "a.example", DNS_T_A, dl_cb, &b[2]);
	dns_run_wait(run);
	double el = mono() - t0;
	TAP_OK(el >= 0.35 && el < 0.9, "unbound: a run of 0.4 s against a silent server returns at its deadline (%.3f s)", el);
	int ok = 1;
	for (int i = 0; i < 3; i++)
		ok &= b[i].calls == 1 && b[i].o == DNS_TEMPERROR;
	TAP_OK(ok, "unbound: every lookup answered once, temperror (%s/%d, %s/%d, %s/%d)",
	    dns_outcome_str(b[0].o), b[0].calls, dns_outcome_str(b[1].o), b[1].calls,
	    dns_outcome_str(b[2].o), b[2].calls);
	TAP_STR(b[0].why, "deadline", "unbound: the reason is the deadline");
	TAP_INT(dns_run_queries(run), 2, "unbound: two distinct lookups sent");
	/* After the deadline: answered at once, nothing sent. */
	dl_box late = { 0 };
	t0 = mono();
	dns_submit(run, "c.example", DNS_T_A, dl_cb, &late);
	dns_run_wait(run);
	el = mono() - t0;
	TAP_OK(late.calls == 1 && late.o == DNS_TEMPERROR && el < 0.1,
	    "unbound: a lookup submitted after the deadline is temperror at once (%.3f s)", el);
	TAP_INT(dns_run_queries(run), 2, "unbound: nothing sent after the deadline");
	dns_run_free(run);

	/* A run freed with lookups outstanding: no callback, no leak. */
	memset(b, 0, sizeof b);
	run = dns_run_new(ur, 5);
	dns_submit(run, "d.example", DNS_T_A, dl_cb, &b[0]);
	dns_run_free(run);
	TAP_INT(b[0].calls, 0, "unbound: freeing a run with a lookup outstanding calls no callback");
	dns_resolver_free(ur);
	unlink(ta);
	close(fd);
}

/* ---------- name helpers ---------- */

static void norm(const char *in, const char *want, const char *what)
{
	char out[DNS_TEXT_MAX + 2], err[128] = "";
	int r = dns_name_normalize(in, out, sizeof out, err, sizeof err);
	if (want)
		TAP_OK(r == 0 && strcmp(out, want) == 0, "normalize %s: '%s' (r=%d %s)", what,
		    r == 0 ? out : "", r, err);
	else
		TAP_OK(r == -1 && err[0] != 0, "normalize %s: rejected (%s)", what, r == -1 ? err : out);
}

static void name_limits(void)
{
	char l63[64], l64[65], n253[260], n254[260], n253dot[270];
	memset(l63, 'a', 63);
	l63[63] = 0;
	memset(l64, 'b', 64);
	l64[64] = 0;
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
	snprintf(n253, sizeof n253, "%s.%s.%s.%.*s", l63, l63, l63, 61, l63);
	snprintf(n254, sizeof n254, "%s.%s.%s.%.*s", l63, l63, l63, 62, l63);
	snprintf(n253dot, sizeof n253dot, "%s.", n253);
	TAP_INT(strlen(n253), 253, "the 253-octet name is 253 octets");

	norm("Mail.Example.ORG.", "mail.example.org", "upper case and final dot");
	norm("a_b-c.t", "a_b-c.t", "underscore and hyphen");
	norm(l63, l63, "a label of 63 octets");
	norm(l64, NULL, "a label of 64 octets");
	norm(n253, n253, "a name of 253 octets");
	norm(n253dot, n253, "a name of 253 octets with a final dot");
	norm(n254, NULL, "a name of 254 octets");
	norm("", NULL, "the empty name");
	norm(".", NULL, "the root alone");
	norm("a..t", NULL, "an empty label inside");
	norm(".a.t", NULL, "an empty first label");
	norm("a.t..", NULL, "two final dots");
	norm("a b.t", NULL, "a space");
	norm("a*.t", NULL, "a star");
	norm("\xc3\xa4.t", NULL, "an 8-bit octet");
	norm("a\\.t", NULL, "a backslash");

	char small[4], err[64] = "";
	TAP_INT(dns_name_normalize("abcd.t", small, sizeof small, err, sizeof err), -1,
	    "normalize into a buffer too small fails");
	TAP_INT(dns_name_normalize("abc", small, sizeof small, NULL, 0), 0,
	    "normalize into an exact buffer, no error buffer");
	TAP_STR(small, "abc", "exact buffer holds the name");
}

static void ptr(const char *addr, const char *want, size_t outlen, const char *what)
{
	char out[128];
	int r = dns_ptr_name(addr, out, outlen);
	if (want)
		TAP_OK(r == 0 && strcmp(out, want) == 0, "ptr %s: %s", what, r == 0 ? out : "(failed)");
	else
		TAP_INT(r, -1, what);
}

static void ptr_names(void)
{
	const char *v6 = "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa";
	ptr("192.0.2.1", "1.2.0.192.in-addr.arpa", 128, "IPv4");
	ptr("5.0.2.11", "11.2.0.5.in-addr.arpa", 128, "IPv4, two-digit octet");
	ptr("255.255.255.255", "255.255.255.255.in-addr.arpa", 128, "IPv4, 255");
	/* RFC 3596 2.5 example */
	ptr("4321:0:1:2:3:4:567:89ab", v6, 128, "IPv6 (RFC 3596 2.5 example)");
	ptr("2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", 128,
	    "IPv6 compressed");
	ptr("192.0.2.1", "1.2.0.192.in-addr.arpa", 23, "IPv4 into an exact buffer (23)");
	ptr("192.0.2.1", NULL, 22, "ptr IPv4 into a buffer one short fails");
	ptr("2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", 73,
	    "IPv6 into an exact buffer (73)");
	ptr("2001:db8::1", NULL, 72, "ptr IPv6 into a buffer one short fails");
	ptr("192.0.2", NULL, 128, "ptr of a truncated IPv4 address fails");
	ptr("192.0.2.256", NULL, 128, "ptr of an octet over 255 fails");
	ptr("mail.example", NULL, 128, "ptr of a name fails");
	ptr("", NULL, 128, "ptr of the empty string fails");
	ptr("2001:db8::1%eth0", NULL, 128, "ptr of a scoped address fails");
}

/* dns_mx_targets: preference order, then name; the null MX left out and
 * flagged; records without a decoded target skipped. */
static void mx_targets(void)
{
	dns_rr rr[] = {
		{ .text = "mx2.example", .pref = 20 }, { .text = "b.example", .pref = 10 },
		{ .text = NULL, .pref = 5 }, { .text = "", .pref = 0 },
		{ .text = "a.example", .pref = 10 },
	};
	dns_answer a = { .qtype = DNS_T_MX, .outcome = DNS_ANSWER, .n = 5, .rr = rr };
	const dns_rr *v[6];
	int null_mx = 0;
	size_t n = dns_mx_targets(&a, v, &null_mx);
	TAP_INT(n, 3, "mx targets: three of five records are targets");
	TAP_INT(null_mx, 1, "mx targets: the null MX is flagged");
	TAP_STR(n == 3 ? v[0]->text : "", "a.example", "mx targets: lowest preference first, then by name");
	TAP_STR(n == 3 ? v[1]->text : "", "b.example", "mx targets: same preference ordered by name");
	TAP_STR(n == 3 ? v[2]->text : "", "mx2.example", "mx targets: highest preference last");
	a.n = 1;
	null_mx = 0;
	n = dns_mx_targets(&a, v, &null_mx);
	TAP_OK(n == 1 && null_mx == 0, "mx targets: no null MX, flag left alone");
}

int main(void)
{
	char err[256];
	dns_options o = { .table_file = TABLE };
	tap_name = "test_dns";
	res = dns_resolver_new(&o, err, sizeof err);
	TAP_OK(res != NULL, "table %s loads (%s)", TABLE, res ? "ok" : err);
	if (res == NULL)
		return 1;
	dns_options bad = { .table_file = "tests/unit/data/no-such-table.tab" };
	dns_resolver *r2 = dns_resolver_new(&bad, err, sizeof err);
	TAP_OK(r2 == NULL && err[0], "a missing table file is an error (%s)", err);
	dns_resolver_free(r2);
	dns_resolver_free(NULL);
	dns_run_free(NULL);

	requeue_toplevel();
	requeue_callbacks();
	requeue_misc();
	table_answers();
	table_escapes();
	deadline_table();
	deadline_unbound();
	name_limits();
	ptr_names();
	mx_targets();
	dns_resolver_free(res);
	printf("test_dns: %d assertions, %d failed\n", tap_count, tap_fails);
	return TAP_DONE();
}
