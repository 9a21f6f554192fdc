/*
 * A small time-limited cache of sender-domain readiness verdicts for
 * mxready-milter (see rcache.h): direct-mapped by an FNV-1a hash of the
 * domain, expiry on the monotonic clock.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "rcache.h"

typedef struct entry {
	rcache_sum r;
	double expires;              /* monotonic seconds; 0 = empty */
} entry;

typedef struct centry {
	rcache_conn r;
	double expires;
} centry;

struct rcache {
	pthread_mutex_t lock;
	double ttl;
	entry e[RCACHE_SLOTS];
	centry c[RCACHE_CONN_SLOTS];
};

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint32_t hash(const char *d)
{
	uint32_t h = 2166136261u;
	for (; *d; d++)
		h = (h ^ (unsigned char)*d) * 16777619u;
	return h;
}

static size_t slot_of(const char *d)
{
	return hash(d) % RCACHE_SLOTS;
}

rcache *rcache_new(double ttl)
{
	rcache *c = calloc(1, sizeof *c);
	if (c == NULL)
		abort();
	pthread_mutex_init(&c->lock, NULL);
	c->ttl = ttl;
	return c;
}

void rcache_free(rcache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int rcache_get(rcache *c, const char *domain, rcache_sum *out)
{
	int hit = 0;
	if (c == NULL || domain == NULL || *domain == 0)
		return 0;
	entry *e = &c->e[slot_of(domain)];
	pthread_mutex_lock(&c->lock);
	if (e->expires > mono() && strcmp(e->r.domain, domain) == 0) {
		*out = e->r;
		hit = 1;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void rcache_put(rcache *c, const rcache_sum *r)
{
	if (c == NULL || c->ttl <= 0 || r->domain[0] == 0 || r->verdict == CHK_TEMPERROR)
		return;
	for (int i = 0; i < READY_COUNT; i++)
		if (r->status[i] == CHK_TEMPERROR)
			return;
	entry *e = &c->e[slot_of(r->domain)];
	pthread_mutex_lock(&c->lock);
	e->r = *r;
	e->expires = mono() + c->ttl;
	pthread_mutex_unlock(&c->lock);
}

/* "ADDRESS HELO" into key; 0, or -1 if it does not fit. */
static int conn_key(char *key, size_t n, const char *addr, const char *helo)
{
	int k = snprintf(key, n, "%s %s", addr, helo);
	return k < 0 || (size_t)k >= n ? -1 : 0;
}

int rcache_conn_get(rcache *c, const char *addr, const char *helo, rcache_conn *out)
{
	char key[sizeof out->key];
	int hit = 0;
	if (c == NULL || c->ttl <= 0 || conn_key(key, sizeof key, addr, helo) < 0)
		return 0;
	centry *e = &c->c[hash(key) % RCACHE_CONN_SLOTS];
	pthread_mutex_lock(&c->lock);
	if (e->expires > mono() && strcmp(e->r.key, key) == 0) {
		*out = e->r;
		hit = 1;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void rcache_conn_put(rcache *c, const char *addr, const char *helo, int have_iprev,
    const iprev_verdict *iprev, const helo_verdict *hv, const spf_verdict *spf_helo)
{
	rcache_conn r;
	if (c == NULL || c->ttl <= 0 || hv->status == CHK_TEMPERROR ||
	    spf_helo->result == AUTH_TEMPERROR || (have_iprev && iprev->result == AUTH_TEMPERROR))
		return;
	memset(&r, 0, sizeof r);
	if (conn_key(r.key, sizeof r.key, addr, helo) < 0)
		return;
	r.have_iprev = have_iprev;
	if (have_iprev) {
		r.iprev = *iprev;
		memset(r.iprev.names, 0, sizeof r.iprev.names);   /* run memory */
	}
	r.helo = *hv;
	r.spf_helo = *spf_helo;
	r.spf_helo.priv = NULL;
	centry *e = &c->c[hash(r.key) % RCACHE_CONN_SLOTS];
	pthread_mutex_lock(&c->lock);
	e->r = r;
	e->expires = mono() + c->ttl;
	pthread_mutex_unlock(&c->lock);
}

void rcache_summarize(const ready_report *rep, rcache_sum *out)
{
	json_object *mode;
	memset(out, 0, sizeof *out);
	memcpy(out->domain, rep->domain, sizeof out->domain);
	out->domain[sizeof out->domain - 1] = 0;
	/* a DNSSEC-bogus domain as temperror: answered 4xx, never cached */
	ready_mail_statuses(rep, out->status, &out->verdict);
	if (rep->item[READY_MX].data != NULL &&
	    json_object_object_get_ex(rep->item[READY_MX].data, "mode", &mode)) {
		const char *m = json_object_get_string(mode);
		out->null_mx = m != NULL && strcmp(m, "null") == 0;
	}
}
