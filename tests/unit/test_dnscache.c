/*
 * Unit tests of the answer cache of core/dns.c.  libunbound forwards to a
 * small DNS server in this process (UDP on the loopback, RFC 1035 4.1
 * messages) whose TTLs and silences the tests choose, so expiry can be
 * tested with real TTLs (RFC 1035 3.2.1) and negative answers carry an SOA
 * (RFC 2308 3).  Covers: a hit equals the first answer (records, decoded
 * text, CNAME target, NXDOMAIN, NODATA), temperror is never cached, an
 * answer is never served past its TTL nor past cache_max_ttl (the server
 * then silent gives temperror, not a stale answer), LRU eviction keeps the
 * entry bound, a hit survives its eviction, callbacks of hits run in
 * dns_run_wait(), the cache can be turned off, and 4 threads share one
 * resolver (run under ASan).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "tap.h"

#define MSG_MAX 512          /* RFC 1035 2.3.4: UDP message without EDNS */
#define DEFAULT_TTL 300
#define NTHREADS 4
#define NRUNS 300

/* ---------- the server ---------- */

static int srv_fd = -1;
static atomic_int srv_quit, srv_queries, srv_drop_gone, srv_drop_slow;
static char fwd[64];
static char ta[] = "/tmp/mxr-test-dnscache-ta.XXXXXX";

static size_t put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return 2;
}

static size_t put32(unsigned char *p, unsigned long v)
{
	put16(p, (unsigned)(v >> 16));
	put16(p + 2, (unsigned)(v & 0xffff));
	return 4;
}

/* "a.b" into wire form; returns octets written. */
static size_t put_name(unsigned char *p, const char *name)
{
	size_t o = 0;
	while (*name) {
		size_t l = strcspn(name, ".");
		p[o++] = (unsigned char)l;
		memcpy(p + o, name, l);
		o += l;
		name += l;
		if (*name == '.')
			name++;
	}
	p[o++] = 0;
	return o;
}

/* An RR header owned by the question name (compression pointer to 12). */
static size_t put_rr_q(unsigned char *p, int type, unsigned long ttl)
{
	size_t o = put16(p, 0xc00c);
	o += put16(p + o, (unsigned)type);
	o += put16(p + o, 1);
	o += put32(p + o, ttl);
	return o;
}

static size_t put_soa(unsigned char *p, unsigned long ttl)
{
	size_t o = put_name(p, "example");
	o += put16(p + o, DNS_T_SOA);
	o += put16(p + o, 1);
	o += put32(p + o, ttl);
	unsigned char *rdl = p + o;
	o += 2;
	size_t r = o;
	o += put_name(p + o, "ns.example");
	o += put_name(p + o, "h.example");
	for (int i = 0; i < 4; i++)
		o += put32(p + o, 3600);
	o += put32(p + o, ttl);   /* minimum */
	put16(rdl, (unsigned)(o - r));
	return o;
}

/* The number in a name ("a17.example" -> 17), 1 if none. */
static unsigned name_num(const char *n)
{
	while (*n && (*n < '0' || *n > '9'))
		n++;
	return *n ? (unsigned)atoi(n) % 250 : 1;
}

static size_t answer_query(const unsigned char *q, size_t qlen, unsigned char *out)
{
	char name[256];
	size_t i = 12, o = 0;
	if (qlen < 17 || (q[2] & 0x80) || q[4] != 0 || q[5] != 1)
		return 0;
	while (i < qlen && q[i] != 0) {
		size_t l = q[i++];
		if (l > 63 || i + l > qlen || o + l + 1 >= sizeof name)
			return 0;
		if (o)
			name[o++] = '.';
		for (size_t k = 0; k < l; k++)
			name[o++] = (char)(q[i + k] | 0x20);
		i += l;
	}
	name[o] = 0;
	if (i + 5 > qlen)
		return 0;
	i++;
	int qtype = q[i] << 8 | q[i + 1];
	size_t qend = i + 4;
	if ((strncmp(name, "gone", 4) == 0 && srv_drop_gone) ||
	    (strncmp(name, "slow", 4) == 0 && srv_drop_slow))
		return 0;
	srv_queries++;
	memcpy(out, q, qend);
	out[2] = 0x81 | (q[2] & 0x01);   /* QR, RD copied */
	out[3] = 0x80;                   /* RA, rcode 0 */
	memset(out + 6, 0, 6);
	o = qend;
	unsigned long ttl = strncmp(name, "t2", 2) == 0 || strncmp(name, "gone", 4) == 0 ? 2 : DEFAULT_TTL;
	unsigned an = 0, ns = 0;
	if (strncmp(name, "sf", 2) == 0) {
		out[3] |= 2;                 /* SERVFAIL */
	} else if (strncmp(name, "nx", 2) == 0) {
		out[3] |= 3;
		o += put_soa(out + o, 30);
		ns = 1;
	} else if (qtype == DNS_T_A && (strncmp(name, "cn", 2) == 0 || strncmp(name, "cs", 2) == 0)) {
		/* cs...: the CNAME's TTL (2 s) is shorter than its target's. */
		o += put_rr_q(out + o, DNS_T_CNAME, name[1] == 's' ? 2 : ttl);
		unsigned char tgt[64];
		size_t tl = put_name(tgt, "a7.example");
		o += put16(out + o, (unsigned)tl);
		memcpy(out + o, tgt, tl);
		o += tl;
		o += put_name(out + o, "a7.example");
		o += put16(out + o, DNS_T_A);
		o += put16(out + o, 1);
		o += put32(out + o, ttl);
		o += put16(out + o, 4);
		out[o++] = 192; out[o++] = 0; out[o++] = 2; out[o++] = 7;
		an = 2;
	} else if (qtype == DNS_T_A) {
		for (unsigned k = 0; k < 2; k++) {
			o += put_rr_q(out + o, DNS_T_A, ttl);
			o += put16(out + o, 4);
			out[o++] = 192; out[o++] = 0; out[o++] = (unsigned char)(2 + k);
			out[o++] = (unsigned char)name_num(name);
			an++;
		}
	} else if (qtype == DNS_T_TXT) {
		static const char s1[] = "v=spf1 ", s2[] = "-all";
		o += put_rr_q(out + o, DNS_T_TXT, ttl);
		o += put16(out + o, (unsigned)(sizeof s1 + sizeof s2));   /* two length octets */
		out[o++] = sizeof s1 - 1;
		memcpy(out + o, s1, sizeof s1 - 1);
		o += sizeof s1 - 1;
		out[o++] = sizeof s2 - 1;
		memcpy(out + o, s2, sizeof s2 - 1);
		o += sizeof s2 - 1;
		an = 1;
	} else if (qtype == DNS_T_MX) {
		o += put_rr_q(out + o, DNS_T_MX, ttl);
		unsigned char tgt[64];
		size_t tl = put_name(tgt, "mx.example");
		o += put16(out + o, (unsigned)tl + 2);
		o += put16(out + o, 10);
		memcpy(out + o, tgt, tl);
		o += tl;
		an = 1;
	} else {
		o += put_soa(out + o, 30);   /* NODATA */
		ns = 1;
	}
	put16(out + 6, an);
	put16(out + 8, ns);
	return o;
}

static void *srv_main(void *arg)
{
	(void)arg;
	unsigned char q[4096], out[MSG_MAX * 2];
	while (!srv_quit) {
		struct pollfd pf = { .fd = srv_fd, .events = POLLIN };
		if (poll(&pf, 1, 50) <= 0)
			continue;
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(srv_fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			continue;
		size_t r = answer_query(q, (size_t)n, out);
		if (r)
			sendto(srv_fd, out, r, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static dns_resolver *resolver(int entries, int max_ttl)
{
	const char *fw[1] = { fwd };
	char err[256];
	dns_options o = { .forwarders = fw, .n_forwarders = 1, .trust_anchor_file = ta,
		.cache_entries = entries, .cache_max_ttl = max_ttl };
	dns_resolver *r = dns_resolver_new(&o, err, sizeof err);
	if (r == NULL)
		TAP_OK(0, "resolver: %s", err);
	return r;
}

/* ---------- answers kept for comparison ---------- */

typedef struct got {
	int calls;
	int in_submit;          /* a callback ran inside dns_submit() */
	dns_outcome o;
	dns_sec sec;
	int rcode;
	char canon[DNS_TEXT_MAX + 2];
	char why[128];
	size_t n;
	char text[4][300];
	size_t textlen[4];
	unsigned char rdata[4][64];
	size_t rdlen[4];
	unsigned pref[4];
} got;

static int submitting;

static void got_cb(dns_run *run, const dns_answer *a, void *arg)
{
	(void)run;
	got *g = arg;
	g->calls++;
	g->in_submit |= submitting;
	g->o = a->outcome;
	g->sec = a->sec;
	g->rcode = a->rcode;
	snprintf(g->canon, sizeof g->canon, "%s", a->canonname ? a->canonname : "-");
	snprintf(g->why, sizeof g->why, "%s", a->why_bogus ? a->why_bogus : "-");
	g->n = a->n;
	for (size_t i = 0; i < a->n && i < 4; i++) {
		g->textlen[i] = a->rr[i].text ? a->rr[i].textlen : 0;
		if (a->rr[i].text)
			memcpy(g->text[i], a->rr[i].text, g->textlen[i] < 299 ? g->textlen[i] : 299);
		g->rdlen[i] = a->rr[i].rdlen < 64 ? a->rr[i].rdlen : 64;
		memcpy(g->rdata[i], a->rr[i].rdata, g->rdlen[i]);
		g->pref[i] = a->rr[i].pref;
	}
}

static void ask(dns_run *run, const char *name, int qtype, got *g)
{
	memset(g, 0, sizeof *g);
	submitting = 1;
	dns_submit(run, name, qtype, got_cb, g);
	submitting = 0;
}

/* libunbound may rotate the records of an RRset (rrset-roundrobin). */
static int has_text(const got *g, const char *t)
{
	for (size_t i = 0; i < g->n && i < 4; i++)
		if (strcmp(g->text[i], t) == 0)
			return 1;
	return 0;
}

static int same(const got *a, const got *b)
{
	if (a->calls != 1 || b->calls != 1 || a->o != b->o || a->sec != b->sec ||
	    a->rcode != b->rcode || strcmp(a->canon, b->canon) != 0 || strcmp(a->why, b->why) != 0 ||
	    a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n && i < 4; i++)
		if (a->textlen[i] != b->textlen[i] || memcmp(a->text[i], b->text[i], a->textlen[i]) != 0 ||
		    a->rdlen[i] != b->rdlen[i] || memcmp(a->rdata[i], b->rdata[i], a->rdlen[i]) != 0 ||
		    a->pref[i] != b->pref[i])
			return 0;
	return 1;
}

static dns_cache_stats stats(dns_resolver *r)
{
	dns_cache_stats st;
	dns_resolver_cache_stats(r, &st);
	return st;
}

/* ---------- tests ---------- */

static const struct { const char *name; int qtype; dns_outcome want; } Q[] = {
	{ "a1.example", DNS_T_A, DNS_ANSWER },
	{ "A1.Example.", DNS_T_TXT, DNS_ANSWER },
	{ "mx.example", DNS_T_MX, DNS_ANSWER },
	{ "cn.example", DNS_T_A, DNS_ANSWER },
	{ "nx1.example", DNS_T_A, DNS_NXDOMAIN },
	{ "a1.example", DNS_T_AAAA, DNS_NODATA },
	{ "sf.example", DNS_T_A, DNS_TEMPERROR },
};
#define NQ (sizeof Q / sizeof Q[0])

static void hits_equal(void)
{
	dns_resolver *r = resolver(0, 0);
	got g1[NQ], g2[NQ];
	if (r == NULL)
		return;
	dns_run *run = dns_run_new(r, 5);
	for (size_t i = 0; i < NQ; i++)
		ask(run, Q[i].name, Q[i].qtype, &g1[i]);
	dns_run_wait(run);
	dns_run_free(run);
	int ok = 1;
	for (size_t i = 0; i < NQ; i++)
		ok &= g1[i].calls == 1 && g1[i].o == Q[i].want;
	TAP_OK(ok, "first run: every lookup answered once with the expected outcome");
	TAP_OK(g1[0].n == 2 && has_text(&g1[0], "192.0.2.1") && has_text(&g1[0], "192.0.3.1"),
	    "first run: A decoded (%s %s)", g1[0].text[0], g1[0].text[1]);
	TAP_OK(g1[1].textlen[0] == 11 && memcmp(g1[1].text[0], "v=spf1 -all", 11) == 0,
	    "first run: TXT strings joined");
	TAP_OK(strcmp(g1[3].canon, "a7.example") == 0 && (has_text(&g1[3], "192.0.2.7") ||
	    has_text(&g1[3], "192.0.3.7")),
	    "first run: CNAME followed (%s %s)", g1[3].canon, g1[3].text[0]);
	dns_cache_stats st = stats(r);
	TAP_INT(st.stores, NQ - 1, "every answer but the temperror is stored");
	TAP_INT(st.entries, NQ - 1, "entries after the first run");
	TAP_INT(st.hits, 0, "no hit in the first run");

	run = dns_run_new(r, 5);
	for (size_t i = 0; i < NQ; i++)
		ask(run, Q[i].name, Q[i].qtype, &g2[i]);
	TAP_INT(dns_run_queries(run), NQ, "second run: hits count as lookups of the run");
	dns_run_wait(run);
	ok = 1;
	for (size_t i = 0; i < NQ; i++) {
		int s = same(&g1[i], &g2[i]);
		if (!s)
			TAP_OK(0, "second run: %s/%s differs", Q[i].name, dns_type_str(Q[i].qtype));
		ok &= s && !g2[i].in_submit;
	}
	TAP_OK(ok, "second run: every answer equals the first (records, text, rdata, CNAME, rcode)");
	st = stats(r);
	TAP_INT(st.hits, NQ - 1, "second run: every cacheable lookup was a hit");
	TAP_INT(st.misses, 2 * NQ - (NQ - 1), "second run: the temperror lookup missed again");
	/* The same name asked again inside the run is de-duplicated, not re-copied. */
	got g3;
	ask(run, "a1.example", DNS_T_A, &g3);
	dns_run_wait(run);
	TAP_OK(same(&g1[0], &g3) && stats(r).hits == NQ - 1, "a repeat inside the run is de-duplicated");
	dns_run_free(run);
	dns_resolver_free(r);
}

static void not_inside_submit(void)
{
	dns_resolver *r = resolver(0, 0);
	if (r == NULL)
		return;
	got g;
	dns_run *run = dns_run_new(r, 5);
	ask(run, "a3.example", DNS_T_A, &g);
	dns_run_wait(run);
	dns_run_free(run);
	run = dns_run_new(r, 5);
	ask(run, "a3.example", DNS_T_A, &g);
	TAP_INT(g.calls, 0, "a hit: no callback before dns_run_wait()");
	dns_run_wait(run);
	TAP_OK(g.calls == 1 && !g.in_submit && g.o == DNS_ANSWER, "a hit: delivered once by dns_run_wait()");
	/* dns_lookup() on a hit. */
	const dns_answer *a = dns_lookup(run, "a3.example", DNS_T_A);
	TAP_OK(a && a->outcome == DNS_ANSWER && a->n == 2, "dns_lookup() of a cached name");
	dns_run_free(run);
	dns_resolver_free(r);
}

static void temperror_not_cached(void)
{
	dns_resolver *r = resolver(0, 0);
	if (r == NULL)
		return;
	got g;
	srv_drop_slow = 1;
	dns_run *run = dns_run_new(r, 0.3);
	ask(run, "slow1.example", DNS_T_A, &g);
	dns_run_wait(run);
	dns_run_free(run);
	TAP_OK(g.calls == 1 && g.o == DNS_TEMPERROR && strcmp(g.why, "deadline") == 0,
	    "silent server: temperror (deadline) [%s]", g.why);
	TAP_INT(stats(r).entries, 0, "a deadline temperror is not cached");
	srv_drop_slow = 0;
	run = dns_run_new(r, 8);
	ask(run, "slow1.example", DNS_T_A, &g);
	dns_run_wait(run);
	dns_run_free(run);
	TAP_OK(g.o == DNS_ANSWER, "the server back: the next lookup asks again and gets the answer (%s)",
	    dns_outcome_str(g.o));
	dns_resolver_free(r);
}

static void expiry(void)
{
	dns_resolver *r = resolver(0, 0);
	if (r == NULL)
		return;
	got g, gc;
	dns_run *run = dns_run_new(r, 5);
	ask(run, "gone1.example", DNS_T_A, &g);
	ask(run, "cs1.example", DNS_T_A, &gc);
	dns_run_wait(run);
	dns_run_free(run);
	TAP_OK(g.o == DNS_ANSWER && gc.o == DNS_ANSWER && strcmp(gc.canon, "a7.example") == 0,
	    "TTL 2: answered; CNAME with TTL 2 to an A with TTL 300 answered");
	run = dns_run_new(r, 5);
	ask(run, "gone1.example", DNS_T_A, &g);
	ask(run, "cs1.example", DNS_T_A, &gc);
	dns_run_wait(run);
	dns_run_free(run);
	TAP_OK(g.o == DNS_ANSWER && gc.o == DNS_ANSWER && stats(r).hits == 2, "TTL 2: hits at once");
	/* The server stops answering; past the TTL nothing may answer from
	 * memory.  libunbound counts whole seconds and keeps an answer up to
	 * the end of its last second: wait TTL + 1 s. */
	srv_drop_gone = 1;
	usleep(3200 * 1000);
	run = dns_run_new(r, 0.5);
	ask(run, "gone1.example", DNS_T_A, &g);
	dns_run_wait(run);
	dns_run_free(run);
	TAP_OK(g.o == DNS_TEMPERROR, "TTL 2 (+1 s) elapsed, server silent: temperror, not the old answer (%s)",
	    dns_outcome_str(g.o));
	TAP_OK(stats(r).hits == 2 && stats(r).entries == 1,
	    "the expired entry was a miss and is gone (cs1, not asked yet, waits)");
	run = dns_run_new(r, 5);
	ask(run, "cs1.example", DNS_T_A, &gc);
	dns_run_wait(run);
	dns_run_free(run);
	TAP_OK(gc.o == DNS_ANSWER && stats(r).hits == 2,
	    "the CNAME's TTL (2 s), not its target's (300 s), ended the cached answer");
	srv_drop_gone = 0;
	dns_resolver_free(r);

	/* cache_max_ttl caps a long TTL (300 s here). */
	r = resolver(0, 1);
	if (r == NULL)
		return;
	run = dns_run_new(r, 5);
	ask(run, "a4.example", DNS_T_A, &g);
	ask(run, "nx4.example", DNS_T_A, &g);
	dns_run_wait(run);
	dns_run_free(run);
	run = dns_run_new(r, 5);
	ask(run, "a4.example", DNS_T_A, &g);
	dns_run_wait(run);
	dns_run_free(run);
	TAP_INT(stats(r).hits, 1, "cache_max_ttl 1: a hit at once");
	usleep(1100 * 1000);
	got gn;
	run = dns_run_new(r, 5);
	ask(run, "a4.example", DNS_T_A, &g);
	ask(run, "nx4.example", DNS_T_A, &gn);
	dns_run_wait(run);
	dns_run_free(run);
	dns_cache_stats st = stats(r);
	TAP_OK(st.hits == 1 && st.misses == 4, "cache_max_ttl 1: after 1.1 s both entries missed (hits %llu misses %llu)",
	    st.hits, st.misses);
	TAP_OK(g.o == DNS_ANSWER && gn.o == DNS_NXDOMAIN, "cache_max_ttl 1: answered again (libunbound's cache)");
	dns_resolver_free(r);
}

static void eviction(void)
{
	dns_resolver *r = resolver(4, 0);
	if (r == NULL)
		return;
	char nm[32];
	got g[12];
	dns_run *run;
	for (int i = 0; i < 4; i++) {   /* one at a time: a known LRU order */
		run = dns_run_new(r, 5);
		snprintf(nm, sizeof nm, "a%d.example", 10 + i);
		ask(run, nm, DNS_T_A, &g[i]);
		dns_run_wait(run);
		dns_run_free(run);
	}
	TAP_INT(stats(r).entries, 4, "4 answers, 4 entries");
	/* Touch a10: a11 is now the least recently used. */
	run = dns_run_new(r, 5);
	ask(run, "a10.example", DNS_T_A, &g[0]);
	dns_run_wait(run);
	const dns_answer *held = dns_lookup(run, "a10.example", DNS_T_A);
	got gh;
	ask(run, "a14.example", DNS_T_A, &gh);   /* evicts a11 */
	dns_run_wait(run);
	dns_cache_stats st = stats(r);
	TAP_OK(st.entries == 4 && st.evictions == 1 && st.hits == 1, "a 5th answer evicts one (entries %zu evictions %llu)",
	    st.entries, st.evictions);
	dns_run *run2 = dns_run_new(r, 5);
	got g10, g11;
	ask(run2, "a10.example", DNS_T_A, &g10);
	ask(run2, "a11.example", DNS_T_A, &g11);
	dns_run_wait(run2);
	dns_run_free(run2);
	st = stats(r);
	TAP_OK(st.hits == 2 && g10.o == DNS_ANSWER && g11.o == DNS_ANSWER,
	    "LRU: the touched a10 was kept, a11 was evicted (hits %llu)", st.hits);
	for (int i = 0; i < 12; i++) {
		run2 = dns_run_new(r, 5);
		snprintf(nm, sizeof nm, "a%d.example", 20 + i);
		ask(run2, nm, DNS_T_A, &g[i]);
		dns_run_wait(run2);
		dns_run_free(run2);
	}
	st = stats(r);
	TAP_OK(st.entries == 4 && st.bytes > 0 && st.bytes < 4 * 1024, "12 more names: still 4 entries, %zu bytes",
	    st.bytes);
	/* A hit copied into a run outlives its cache entry. */
	TAP_OK(held && held->n == 2 && (strcmp(held->rr[0].text, "192.0.2.10") == 0 ||
	    strcmp(held->rr[1].text, "192.0.2.10") == 0) &&
	    strcmp(held->qname, "a10.example") == 0, "a hit outlives the eviction of its entry");
	dns_run_free(run);
	dns_resolver_free(r);
}

static void off(void)
{
	dns_resolver *r = resolver(-1, 0);
	if (r == NULL)
		return;
	got g;
	for (int i = 0; i < 2; i++) {
		dns_run *run = dns_run_new(r, 5);
		ask(run, "a5.example", DNS_T_A, &g);
		dns_run_wait(run);
		dns_run_free(run);
	}
	dns_cache_stats st = stats(r);
	TAP_OK(g.o == DNS_ANSWER && st.entries == 0 && st.hits == 0 && st.stores == 0,
	    "cache_entries -1: answers, nothing cached");
	dns_resolver_free(r);
}

/* ---------- threads ---------- */

typedef struct tctx {
	dns_resolver *r;
	int bad;
	int answers;
} tctx;

typedef struct tprobe {
	tctx *t;
	unsigned num;
	int qtype;
} tprobe;

static void thr_cb(dns_run *run, const dns_answer *a, void *arg)
{
	tprobe *p = arg;
	char want[32];
	p->t->answers++;
	if (p->qtype == DNS_T_TXT) {
		if (a->outcome != DNS_ANSWER || a->n != 1 || a->rr[0].textlen != 11 ||
		    memcmp(a->rr[0].text, "v=spf1 -all", 11) != 0)
			p->t->bad++;
		return;
	}
	snprintf(want, sizeof want, "192.0.2.%u", p->num);
	/* libunbound may rotate the records of an RRset (rrset-roundrobin). */
	if (a->outcome != DNS_ANSWER || a->n != 2 || (strcmp(a->rr[0].text, want) != 0 &&
	    strcmp(a->rr[1].text, want) != 0)) {
		if (p->t->bad++ == 0)
			printf("# bad answer for a%u: %s n=%zu %s\n", p->num, dns_outcome_str(a->outcome), a->n,
			    a->n ? a->rr[0].text : "-");
	}
	/* Lookups from callbacks: the TXT of the same number. */
	char nm[32];
	snprintf(nm, sizeof nm, "a%u.example", p->num);
	tprobe *q = dns_run_alloc(run, sizeof *q);
	q->t = p->t;
	q->num = p->num;
	q->qtype = DNS_T_TXT;
	dns_submit(run, nm, DNS_T_TXT, thr_cb, q);
}

static void *thr_main(void *arg)
{
	tctx *t = arg;
	for (int k = 0; k < NRUNS; k++) {
		dns_run *run = dns_run_new(t->r, 10);
		for (unsigned i = 0; i < 12; i++) {
			char nm[32];
			unsigned num = 40 + (i + (unsigned)k) % 16;
			snprintf(nm, sizeof nm, "a%u.example", num);
			tprobe *p = dns_run_alloc(run, sizeof *p);
			p->t = t;
			p->num = num;
			p->qtype = DNS_T_A;
			dns_submit(run, nm, DNS_T_A, thr_cb, p);
		}
		dns_run_wait(run);
		dns_run_free(run);
	}
	return NULL;
}

static void threads(void)
{
	/* 8 entries for 32 keys: stores, hits, expiry-free eviction all race. */
	dns_resolver *r = resolver(8, 0);
	if (r == NULL)
		return;
	pthread_t th[NTHREADS];
	tctx t[NTHREADS];
	memset(t, 0, sizeof t);
	for (int i = 0; i < NTHREADS; i++) {
		t[i].r = r;
		pthread_create(&th[i], NULL, thr_main, &t[i]);
	}
	int bad = 0, answers = 0;
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		bad += t[i].bad;
		answers += t[i].answers;
	}
	dns_cache_stats st = stats(r);
	TAP_INT(answers, NTHREADS * NRUNS * 24, "threads: every callback ran once");
	TAP_INT(bad, 0, "threads: every answer right");
	TAP_OK(st.entries <= 8 && st.hits > 0 && st.evictions > 0,
	    "threads: bound held (%zu entries), hits %llu, evictions %llu", st.entries, st.hits, st.evictions);
	dns_resolver_free(r);
	/* The default size: most lookups are hits. */
	r = resolver(0, 0);
	if (r == NULL)
		return;
	memset(t, 0, sizeof t);
	for (int i = 0; i < NTHREADS; i++) {
		t[i].r = r;
		pthread_create(&th[i], NULL, thr_main, &t[i]);
	}
	bad = 0;
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		bad += t[i].bad;
	}
	st = stats(r);
	TAP_OK(bad == 0 && st.entries == 32 && st.hits >= (unsigned long long)NTHREADS * NRUNS * 24 - 32 * NTHREADS,
	    "threads, default size: right answers, 32 entries, %llu hits of %d lookups", st.hits,
	    NTHREADS * NRUNS * 24);
	dns_resolver_free(r);
}

int main(void)
{
	tap_name = "test_dnscache";
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (srv_fd < 0 || bind(srv_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(srv_fd, (struct sockaddr *)&sa, &sl) != 0) {
		TAP_OK(0, "a UDP socket on the loopback");
		return 1;
	}
	snprintf(fwd, sizeof fwd, "127.0.0.1@%u", ntohs(sa.sin_port));
	/* An anchor for a zone never asked: example. stays insecure. */
	static const char anchor[] = "zz-unused. IN DS 20326 8 2 "
	    "e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d\n";
	int tfd = mkstemp(ta);
	if (tfd < 0 || write(tfd, anchor, sizeof anchor - 1) != (ssize_t)(sizeof anchor - 1)) {
		TAP_OK(0, "trust anchor file written");
		return 1;
	}
	close(tfd);
	pthread_t srv;
	pthread_create(&srv, NULL, srv_main, NULL);

	hits_equal();
	not_inside_submit();
	temperror_not_cached();
	expiry();
	eviction();
	off();
	threads();

	srv_quit = 1;
	pthread_join(srv, NULL);
	close(srv_fd);
	unlink(ta);
	printf("%s: %d tests, %d failed\n", tap_name, tap_count, tap_fails);
	return TAP_DONE();
}
