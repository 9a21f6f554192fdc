/*
 * mxready-policyd's checks and actions: iprev (RFC 8601 3), HELO (RFC 5321
 * 4.1.1.1), SPF of MAIL FROM and HELO (RFC 7208 2.3, 2.4), readiness of the
 * sender domain incl. null MX (RFC 7505); actions as Postfix access(5)
 * replies with RFC 7372 enhanced status codes (5.7.23 SPF, 5.7.25 reverse
 * DNS, 5.7.27 null MX) and 4.4.3 for temporary DNS failures; one RFC 8601
 * Authentication-Results field; one verdict log line per instance.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "addr.h"
#include "authres.h"
#include "helo.h"
#include "iprev.h"
#include "mailaddr.h"
#include "psess.h"
#include "ready.h"
#include "result.h"
#include "spf.h"
#include "../daemon/vlog.h"

#define HDR_MAX 900   /* one header line in a reply (Postfix line_length_limit 2048) */

/* ---------- the cache ---------- */

typedef struct entry {
	uint64_t hash;
	char *key;                 /* instance, client, sender, helo */
	time_t born;
	unsigned long used;        /* cache clock at the last use (LRU) */
	unsigned step;             /* requests answered so far */
	conf_action action;
	char *reply;               /* final reply for reject/tempfail */
	char *hold;                /* HOLD text for quarantine */
	char *ar, *report;         /* header lines, report may be NULL */
} entry;

/* Set-associative: a key may live in any of the PSESS_CACHE_WAYS slots of
 * its set, so two busy instances that hash alike do not evict each other
 * (an evicted instance would be checked, and its header prepended, again). */
#define PSESS_CACHE_WAYS 8
#define PSESS_CACHE_SETS (PSESS_CACHE_SLOTS / PSESS_CACHE_WAYS)
#define PSESS_CACHE_LOCKS 64   /* lock striping: connections rarely wait */
struct psess_cache {
	pthread_mutex_t lock[PSESS_CACHE_LOCKS];
	unsigned long clock[PSESS_CACHE_LOCKS];   /* LRU clock per stripe */
	entry slot[PSESS_CACHE_SLOTS];
};

static size_t set_no(uint64_t h)
{
	return (size_t)(h % PSESS_CACHE_SETS);
}

static entry *set_of(psess_cache *c, uint64_t h)
{
	return &c->slot[set_no(h) * PSESS_CACHE_WAYS];
}

psess_cache *psess_cache_new(void)
{
	psess_cache *c = calloc(1, sizeof *c);
	if (c == NULL)
		abort();
	for (size_t i = 0; i < PSESS_CACHE_LOCKS; i++)
		pthread_mutex_init(&c->lock[i], NULL);
	return c;
}

static void entry_clear(entry *e)
{
	free(e->key);
	free(e->reply);
	free(e->hold);
	free(e->ar);
	free(e->report);
	memset(e, 0, sizeof *e);
}

void psess_cache_free(psess_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < PSESS_CACHE_SLOTS; i++)
		entry_clear(&c->slot[i]);
	for (size_t i = 0; i < PSESS_CACHE_LOCKS; i++)
		pthread_mutex_destroy(&c->lock[i]);
	free(c);
}

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static char *xstrdup(const char *s)
{
	char *p;
	if (s == NULL)
		return NULL;
	p = strdup(s);
	if (p == NULL)
		abort();
	return p;
}

/* The reply for the step-th request of the instance held by e. */
static void reply_for(const entry *e, unsigned step, char *out, size_t outlen)
{
	const char *a = "DUNNO";
	if (e->reply)
		a = e->reply;
	else {
		unsigned k = step;
		if (e->hold && k-- == 0)
			a = e->hold;
		else if (e->ar && k-- == 0)
			a = e->ar;
		else if (e->report && k == 0)
			a = e->report;
	}
	snprintf(out, outlen, "action=%s\n\n", a);
}

/* Looks key up; on a hit writes the reply, advances the step, returns 1. */
static int cache_answer(psess_cache *c, uint64_t h, const char *key, char *out, size_t outlen)
{
	entry *set = set_of(c, h);
	size_t k = set_no(h) % PSESS_CACHE_LOCKS;
	int hit = 0;
	time_t now = time(NULL);
	pthread_mutex_lock(&c->lock[k]);
	for (int i = 0; i < PSESS_CACHE_WAYS; i++) {
		entry *e = &set[i];
		if (e->key && e->hash == h && strcmp(e->key, key) == 0 && now - e->born < PSESS_CACHE_TTL) {
			reply_for(e, e->step, out, outlen);
			e->step++;
			e->used = ++c->clock[k];
			hit = 1;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock[k]);
	return hit;
}

/* Stores *n (taking its strings) after it answered its first request. */
static void cache_put(psess_cache *c, entry *n)
{
	entry *set = set_of(c, n->hash), *e = &set[0];
	size_t k = set_no(n->hash) % PSESS_CACHE_LOCKS;
	entry old;
	pthread_mutex_lock(&c->lock[k]);
	/* the same key (two connections raced), else a free, else the LRU slot */
	for (int i = 0; i < PSESS_CACHE_WAYS; i++) {
		if (set[i].key && set[i].hash == n->hash && strcmp(set[i].key, n->key) == 0) {
			e = &set[i];
			break;
		}
		if (e->key && (set[i].key == NULL || set[i].used < e->used))
			e = &set[i];
	}
	n->used = ++c->clock[k];
	old = *e;
	*e = *n;
	pthread_mutex_unlock(&c->lock[k]);
	entry_clear(&old);
	memset(n, 0, sizeof *n);
}

/* ---------- readiness per sender domain ---------- */

/* What the decisions, headers and log need of a readiness report.  Kept
 * per domain for PSESS_READY_TTL seconds: the readiness of a domain does
 * not change from one message to the next, and its ~20 lookups are most of
 * a transaction's cost.  Results with a temperror are not kept. */
typedef struct rsum {
	int have;
	char domain[DNS_TEXT_MAX + 1];
	chk_status st[READY_COUNT];
	chk_status verdict;
	int null_mx;
	int cached;                      /* taken from the domain cache */
} rsum;

typedef struct rentry {
	rsum r;
	time_t born;
	unsigned long used;
} rentry;

#define PSESS_READY_SLOTS 1024
#define PSESS_READY_WAYS 8
#define PSESS_READY_TTL 300

static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static rentry ready_cache[PSESS_READY_SLOTS];
static unsigned long ready_clock;

static rentry *rset_of(const char *domain)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = domain; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ULL;
	}
	return &ready_cache[(h % (PSESS_READY_SLOTS / PSESS_READY_WAYS)) * PSESS_READY_WAYS];
}

static int ready_cached(const char *domain, rsum *out)
{
	rentry *set = rset_of(domain);
	time_t now = time(NULL);
	int hit = 0;
	pthread_mutex_lock(&ready_lock);
	for (int i = 0; i < PSESS_READY_WAYS; i++)
		if (set[i].r.have && strcmp(set[i].r.domain, domain) == 0 && now - set[i].born < PSESS_READY_TTL) {
			*out = set[i].r;
			out->cached = 1;
			set[i].used = ++ready_clock;
			hit = 1;
			break;
		}
	pthread_mutex_unlock(&ready_lock);
	return hit;
}

static void ready_keep(const rsum *r)
{
	rentry *set = rset_of(r->domain), *e = &set[0];
	pthread_mutex_lock(&ready_lock);
	for (int i = 0; i < PSESS_READY_WAYS; i++) {
		if (set[i].r.have && strcmp(set[i].r.domain, r->domain) == 0) {
			e = &set[i];
			break;
		}
		if (e->r.have && (!set[i].r.have || set[i].used < e->used))
			e = &set[i];
	}
	e->r = *r;
	e->born = time(NULL);
	e->used = ++ready_clock;
	pthread_mutex_unlock(&ready_lock);
}

static int report_null_mx(const ready_report *r)
{
	json_object *mode;
	if (r == NULL || r->item[READY_MX].data == NULL ||
	    !json_object_object_get_ex(r->item[READY_MX].data, "mode", &mode))
		return 0;
	return strcmp(json_object_get_string(mode), "null") == 0;
}

static void summarise(const ready_report *rep, rsum *r)
{
	memset(r, 0, sizeof *r);
	r->have = 1;
	snprintf(r->domain, sizeof r->domain, "%s", rep->domain);
	/* a DNSSEC-bogus domain as temperror: answered 4xx, never cached */
	ready_mail_statuses(rep, r->st, &r->verdict);
	r->null_mx = report_null_mx(rep);
}

/* ---------- text helpers ---------- */

typedef struct tbuf {
	char p[HDR_MAX];
	size_t len;
	int full;
} tbuf;

static void tb_add(tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tb_add(tbuf *b, const char *fmt, ...)
{
	va_list ap;
	if (b->full)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, sizeof b->p - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof b->p - b->len) {
		b->full = 1;
		b->p[b->len] = 0;   /* drop the partial item */
		return;
	}
	b->len += (size_t)n;
}

/* An RFC 8601 2.2 pvalue, as core/authres.c writes it: a token or
 * [local-part] "@" domain-name as is, anything else (such as "@" or "x@")
 * a quoted-string of printable ASCII. */
static void tb_value(tbuf *b, const char *v)
{
	char q[2 * 320 + 3];
	if (authres_pvalue(q, sizeof q, v) >= sizeof q) {
		b->full = 1;       /* never a cut value: the item is dropped */
		return;
	}
	tb_add(b, "%s", q);
}

/* A header comment: printable ASCII without parentheses or backslashes. */
static void tb_comment(tbuf *b, const char *c)
{
	char t[DNS_TEXT_MAX + 1];
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)c; *p && o + 1 < sizeof t; p++)
		t[o++] = (*p < 0x20 || *p >= 0x7f || *p == '(' || *p == ')' || *p == '\\') ? '?' : (char)*p;
	t[o] = 0;
	tb_add(b, " (%s)", t);
}

/* Reply text for Postfix: printable ASCII only (no line breaks). */
static void safe_text(char *out, size_t n, const char *in)
{
	size_t o = 0;
	for (; *in && o + 1 < n; in++)
		out[o++] = (*in < 0x20 || *in >= 0x7f) ? '?' : *in;
	out[o] = 0;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* ---------- one evaluation ---------- */

typedef struct eval {
	const psess_global *g;
	const preq *r;
	char addr[64];
	int family;
	const char *helo, *sender;
	char domain[DNS_TEXT_MAX + 1];   /* sender domain, "" for <> or invalid */
	int auth, trusted;
	iprev_verdict iprev;
	int iprev_done;
	helo_verdict helov;
	int helo_done;
	spf_verdict spf_mf, spf_helo;
	int spf_mf_done, spf_helo_done;
	rsum rep;                        /* readiness of the sender domain */
	size_t queries;
	/* decision */
	conf_action action;
	const char *why;
	const char *code, *xcode;
	char detail[400];
} eval;

static void want(eval *e, conf_action a, const char *xcode, const char *why, const char *detail)
{
	if (a <= e->action)
		return;
	e->action = a;
	e->why = why;
	e->code = "550";
	e->xcode = xcode;
	if (a == CONF_ACT_TEMPFAIL) {   /* never a 5xx for a temporary failure */
		e->code = "451";
		e->xcode = "4.4.3";
	}
	snprintf(e->detail, sizeof e->detail, "%s", detail);
}

/* A check's temperror matters only when its failure could stop the mail. */
static int strong(conf_action a)
{
	return a >= CONF_ACT_QUARANTINE;
}

static void decide(eval *e)
{
	const conf *cf = e->g->cf;
	char det[400];
	e->action = CONF_ACT_ACCEPT;
	e->why = "";

	if (e->rep.have && e->rep.null_mx) {
		snprintf(det, sizeof det, "Sender address domain %s has a null MX and accepts no mail (RFC 7505)", e->domain);
		want(e, cf->action_null_mx, "5.7.27", "null_mx", det);
	} else if (e->rep.have && e->rep.st[READY_MX] == CHK_TEMPERROR && strong(cf->action_null_mx))
		want(e, cf->action_temperror, "4.4.3", "temperror_mx",
		    "Temporary DNS failure looking up the sender domain's MX, try again later");

	if (e->spf_mf_done && e->spf_mf.result == AUTH_FAIL) {
		snprintf(det, sizeof det, "SPF of %s does not authorise %s", e->spf_mf.domain, e->addr);
		want(e, cf->action_spf_fail, "5.7.23", "spf_fail", det);
	} else if (e->spf_mf_done && e->spf_mf.result == AUTH_TEMPERROR && strong(cf->action_spf_fail))
		want(e, cf->action_temperror, "4.4.3", "temperror_spf",
		    "Temporary DNS failure evaluating SPF, try again later");

	if (e->iprev_done && (e->iprev.result == AUTH_FAIL || e->iprev.result == AUTH_PERMERROR)) {
		snprintf(det, sizeof det, "Reverse DNS of %s: %s", e->addr, e->iprev.reason);
		want(e, cf->action_iprev_fail, "5.7.25", "iprev_fail", det);
	} else if (e->iprev_done && e->iprev.result == AUTH_TEMPERROR && strong(cf->action_iprev_fail))
		want(e, cf->action_temperror, "4.4.3", "temperror_iprev",
		    "Temporary DNS failure checking reverse DNS, try again later");

	/* SASL-authenticated clients and trusted networks are only tagged */
	if ((e->auth || e->trusted) && e->action > CONF_ACT_TAG)
		e->action = CONF_ACT_TAG;
}

static void iprev_from_postfix(eval *e, const char *client_name)
{
	/* Postfix's client_name is a forward-confirmed name or "unknown"
	 * (SMTPD_POLICY_README); only a confirmed name spares the lookups. */
	memset(&e->iprev, 0, sizeof e->iprev);
	snprintf(e->iprev.ip, sizeof e->iprev.ip, "%s", e->addr);
	snprintf(e->iprev.name, sizeof e->iprev.name, "%s", client_name);
	snprintf(e->iprev.reason, sizeof e->iprev.reason, "forward-confirmed (Postfix client_name)");
	e->iprev.result = AUTH_PASS;
	e->iprev_done = 1;
}

static void run_checks(eval *e)
{
	const conf *cf = e->g->cf;
	const preq *r = e->r;
	const char *cname = preq_str(r, "client_name");
	char err[64], nm[DNS_TEXT_MAX + 1];
	dns_run *run = dns_run_new(e->g->res, cf->dns_timeout);
	int iprev_started = 0, helo_started = 0;

	if (e->family && cf->use_client_resolve && *cname && strcmp(cname, "unknown") != 0 &&
	    dns_name_normalize(cname, nm, sizeof nm, err, sizeof err) == 0)
		iprev_from_postfix(e, nm);
	else if (e->family) {
		iprev_start(run, e->addr, &e->iprev);
		iprev_started = 1;
	}
	if (e->family && e->helo[0]) {
		helo_start(run, e->helo, e->addr, &e->helov);
		helo_started = 1;
	}
	if (e->family) {
		spf_start(run, SPF_SCOPE_MAILFROM, e->addr, e->helo, e->sender, &e->spf_mf);
		e->spf_mf_done = 1;
		if (e->helo[0]) {
			spf_start(run, SPF_SCOPE_HELO, e->addr, e->helo, "", &e->spf_helo);
			e->spf_helo_done = 1;
		}
	}
	ready_report *rep = NULL;
	if (cf->readiness_checks && e->domain[0] && !ready_cached(e->domain, &e->rep))
		rep = ready_start(run, e->domain);
	dns_run_wait(run);
	if (rep) {
		ready_finish(rep);
		summarise(rep, &e->rep);
		if (e->rep.verdict != CHK_TEMPERROR)   /* DNS failure or DNSSEC bogus */
			ready_keep(&e->rep);
		ready_report_free(rep);
	}
	e->iprev_done |= iprev_started;
	e->helo_done = helo_started;
	e->queries = dns_run_queries(run);
	if (e->spf_mf_done)
		spf_verdict_clear(&e->spf_mf);
	if (e->spf_helo_done)
		spf_verdict_clear(&e->spf_helo);
	dns_run_free(run);
}

/* Appends item t to b only whole: a header never ends in a cut method. */
static void tb_item(tbuf *b, const tbuf *t)
{
	if (!t->full)
		tb_add(b, "%s", t->p);
}

static void render_ar(const eval *e, tbuf *b)
{
	tbuf t;
	int n = 0;
	tb_add(b, "PREPEND Authentication-Results: %s", e->g->cf->authserv_id);
	if (e->iprev_done) {
		memset(&t, 0, sizeof t);
		tb_add(&t, "; iprev=%s policy.iprev=", result_auth_str(e->iprev.result));
		tb_value(&t, e->addr);
		if (e->iprev.name[0])
			tb_comment(&t, e->iprev.name);
		tb_item(b, &t);
		n++;
	}
	if (e->spf_mf_done) {
		memset(&t, 0, sizeof t);
		tb_add(&t, "; spf=%s smtp.mailfrom=", result_auth_str(e->spf_mf.result));
		/* RFC 8601 2.7.2 allows the domain alone; an address longer than
		 * any valid path (RFC 5321 4.5.3.1.3) is not copied */
		tb_value(&t, !e->sender[0] ? e->spf_mf.identity : strlen(e->sender) <= MAILADDR_MAX ?
		    e->sender : e->domain[0] ? e->domain : "invalid");
		tb_item(b, &t);
		n++;
	}
	if (e->spf_helo_done) {
		memset(&t, 0, sizeof t);
		tb_add(&t, "; spf=%s smtp.helo=", result_auth_str(e->spf_helo.result));
		tb_value(&t, e->helo);
		tb_item(b, &t);
		n++;
	}
	if (n == 0)
		tb_add(b, "; none");
}

static void render_report(const eval *e, tbuf *b)
{
	const rsum *r = &e->rep;
	tb_add(b, "PREPEND MXReady-Report: %s; action=%s", e->g->cf->authserv_id, conf_action_str(e->action));
	if (!r->have)
		return;
	tb_add(b, "; envelope-from=%s verdict=%s", r->domain, result_chk_str(r->verdict));
	for (int i = 0; i < READY_COUNT; i++)
		tb_add(b, " %s=%s", ready_id_str((ready_id)i), result_chk_str(r->st[i]));
}

static const char *st(const rsum *r, ready_id id)
{
	return r->have ? result_chk_str(r->st[id]) : "-";
}

static void log_verdict(const eval *e, const char *reply, double ms)
{
	const preq *r = e->r;
	vlog_line l;
	const char *qid = preq_str(r, "queue_id");
	vlog_begin(&l, qid);
	vlog_add(&l, "client", e->family ? e->addr : "-");
	vlog_add(&l, "family", e->family == 4 ? "ipv4" : e->family == 6 ? "ipv6" : "none");
	vlog_add(&l, "client_name", e->iprev.name[0] ? e->iprev.name : "unknown");
	vlog_add(&l, "helo", e->helo[0] ? e->helo : "-");
	vlog_add(&l, "helo_check", e->helo_done ? result_chk_str(e->helov.status) : "-");
	vlog_add(&l, "iprev", e->iprev_done ? result_auth_str(e->iprev.result) : "none");
	vlog_add(&l, "spf", e->spf_mf_done ? result_auth_str(e->spf_mf.result) : "none");
	vlog_add(&l, "spf_helo", e->spf_helo_done ? result_auth_str(e->spf_helo.result) : "none");
	vlog_add(&l, "dkim", "-");    /* no body before DATA: the milter's job */
	vlog_add(&l, "dmarc", "-");
	vlog_add(&l, "mail_from", e->domain[0] ? e->domain : (e->sender[0] ? "invalid" : "<>"));
	vlog_add(&l, "header_from", "-");
	vlog_add(&l, "mx", st(&e->rep, READY_MX));
	vlog_add(&l, "mx_ipv6", st(&e->rep, READY_MX_IPV6));
	vlog_add(&l, "dnssec", st(&e->rep, READY_DNSSEC));
	vlog_add(&l, "dane", st(&e->rep, READY_DANE));
	vlog_add(&l, "readiness", e->rep.have ? result_chk_str(e->rep.verdict) : "-");
	vlog_add(&l, "readiness_cached", e->rep.cached ? "yes" : "no");
	vlog_add(&l, "auth", e->auth ? "yes" : "no");
	vlog_add(&l, "trusted", e->trusted ? "yes" : "no");
	vlog_add(&l, "action", conf_action_str(e->action));
	vlog_add(&l, "reason", *e->why ? e->why : "-");
	if (e->action == CONF_ACT_REJECT || e->action == CONF_ACT_TEMPFAIL)
		vlog_addf(&l, "reply", "%s %s", e->code, e->xcode);
	else
		vlog_add(&l, "reply", "-");
	vlog_add(&l, "instance", preq_str(r, "instance"));
	vlog_add(&l, "state", preq_str(r, "protocol_state"));
	vlog_add(&l, "policy_reply", reply);
	vlog_addf(&l, "dns_queries", "%zu", e->queries);
	vlog_addf(&l, "ms", "%.0f", ms);
	vlog_emit(&l);
}

/* Runs the checks for the request's transaction; fills n. */
static void evaluate(const psess_global *g, const preq *r, entry *n)
{
	const conf *cf = g->cf;
	eval *e = calloc(1, sizeof *e);
	tbuf *b = malloc(sizeof *b);
	char txt[sizeof e->detail], line[HDR_MAX + 32];
	double t0 = now_ms();
	if (e == NULL || b == NULL)
		abort();
	e->g = g;
	e->r = r;
	e->family = addr_normalize(preq_str(r, "client_address"), e->addr, sizeof e->addr);
	if (e->family == 0)
		e->addr[0] = 0;
	e->helo = preq_str(r, "helo_name");
	e->sender = preq_str(r, "sender");
	const char *at = strrchr(e->sender, '@');
	char err[64];
	if (at == NULL || dns_name_normalize(at + 1, e->domain, sizeof e->domain, err, sizeof err) < 0)
		e->domain[0] = 0;
	e->auth = *preq_str(r, "sasl_username") || *preq_str(r, "sasl_method");
	e->trusted = e->family && conf_is_trusted(cf, e->addr);

	run_checks(e);
	decide(e);

	n->action = e->action;
	if (e->action == CONF_ACT_REJECT || e->action == CONF_ACT_TEMPFAIL) {
		safe_text(txt, sizeof txt, e->detail);
		if (e->action == CONF_ACT_REJECT)
			snprintf(line, sizeof line, "%s %s %s", e->code, e->xcode, txt);
		else   /* 4xx only if nothing else rejects the recipient */
			snprintf(line, sizeof line, "DEFER_IF_PERMIT %s %s", e->xcode, txt);
		n->reply = xstrdup(line);
	} else {
		if (e->action == CONF_ACT_QUARANTINE) {
			snprintf(line, sizeof line, "HOLD mxready: %s", e->why);
			n->hold = xstrdup(line);
		}
		memset(b, 0, sizeof *b);
		render_ar(e, b);
		n->ar = xstrdup(b->p);
		if (cf->readiness_checks && cf->readiness_header) {
			memset(b, 0, sizeof *b);
			render_report(e, b);
			n->report = xstrdup(b->p);
		}
	}
	reply_for(n, 0, line, sizeof line);
	line[strcspn(line, "\n")] = 0;
	log_verdict(e, line + 7, now_ms() - t0);
	free(b);
	free(e);
}

static int wants_checks(const char *state)
{
	return strcasecmp(state, "MAIL") == 0 || strcasecmp(state, "RCPT") == 0 ||
	    strcasecmp(state, "DATA") == 0 || strcasecmp(state, "END-OF-MESSAGE") == 0 ||
	    strcasecmp(state, "BDAT") == 0;
}

size_t psess_answer(const psess_global *g, const preq *r, char *out, size_t outlen)
{
	char key[PREQ_SIZE_MAX];
	entry n;
	int kl;

	if (!wants_checks(preq_str(r, "protocol_state"))) {
		snprintf(out, outlen, "action=DUNNO\n\n");
		return strlen(out);
	}
	/* "instance" ties the requests of one transaction together; the other
	 * parts keep a reused or missing instance from mixing transactions. */
	kl = snprintf(key, sizeof key, "%s|%s|%s|%s|%s", preq_str(r, "instance"),
	    preq_str(r, "client_address"), preq_str(r, "sender"), preq_str(r, "helo_name"),
	    preq_str(r, "sasl_username"));
	if (kl < 0 || (size_t)kl >= sizeof key)
		kl = (int)sizeof key - 1;
	memset(&n, 0, sizeof n);
	n.hash = fnv(key, (size_t)kl);
	if (*preq_str(r, "instance") && cache_answer(g->cache, n.hash, key, out, outlen))
		return strlen(out);
	evaluate(g, r, &n);
	reply_for(&n, 0, out, outlen);
	if (*preq_str(r, "instance")) {
		n.key = xstrdup(key);
		n.born = time(NULL);
		n.step = 1;
		cache_put(g->cache, &n);
	} else
		entry_clear(&n);
	return strlen(out);
}
