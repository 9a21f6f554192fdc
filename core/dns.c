/*
 * dns: the resolver of the core.  One libunbound context per process in
 * threaded async mode; a poller thread calls ub_process() and hands each
 * result to the run that asked, whose own thread decodes it and calls the
 * callbacks.  A run has one deadline (libunbound has none per query):
 * lookups still out at the deadline are cancelled and answered temperror.
 * DNSSEC state comes from the validator (RFC 4033 5: secure, insecure,
 * bogus).  A table backend serves answers from text for tests.
 *
 * In front of libunbound sits a small answer cache: a lookup asked again
 * within its TTL (RFC 1035 3.2.1; negative answers RFC 2308 5) is answered
 * from a deep copy without the hand-off to libunbound's thread, which costs
 * three thread wake-ups a lookup even when libunbound's own cache has it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <unbound.h>

#include "dns.h"
#include "str.h"

#define ROOT_ANCHOR "/usr/share/dns/root.key"
#define TABLE_CNAME_MAX 8
#define ALIGN_UP(x) (((x) + _Alignof(max_align_t) - 1) & ~(size_t)(_Alignof(max_align_t) - 1))

/* One record of the table backend. */
typedef struct trec {
	char *name;
	int type;          /* 0 = TIMEOUT marker, -1 = DNSSEC marker */
	char *text;
	size_t textlen;
	unsigned pref;
	dns_sec sec;       /* for the DNSSEC marker */
	char *why;
} trec;

/* One cached answer; the packed answer follows the entry in one block. */
typedef struct centry {
	struct centry *hnext;           /* hash chain                       */
	struct centry *lprev, *lnext;   /* LRU list, most recent first      */
	uint32_t hash;
	int64_t expires;                /* CLOCK_MONOTONIC milliseconds     */
	size_t size;                    /* of the whole block               */
	dns_answer *ans;
} centry;

typedef struct dcache {
	pthread_mutex_t lock;
	int on;
	centry **bucket;
	size_t nbucket;                 /* a power of two                   */
	size_t max, n, bytes, max_bytes;
	int max_ttl;
	centry *head, *tail;
	dns_cache_stats st;
} dcache;

struct dns_resolver {
	struct ub_ctx *ub;
	dcache cache;
	pthread_mutex_t lock;
	pthread_t poller;
	int poller_up;
	int stop;
	int wake[2];
	trec *tab;
	size_t ntab;
	int is_table;
};

typedef struct waiter {
	dns_cb *cb;
	void *arg;
	struct waiter *next;
} waiter;

/* A lookup of a run. */
typedef struct slot {
	char *name;
	int qtype;
	waiter *waiters, **wtail;
	dns_answer *ans;          /* set once answered */
	struct ticket *tk;        /* outstanding libunbound query */
	struct slot *next;        /* all slots of the run */
	struct slot *rnext;       /* ready queue */
	int queued;
} slot;

/* What libunbound holds: freed by whoever finishes last. */
typedef struct ticket {
	struct slot *slot;        /* NULL once the run gave up on it */
	dns_run *run;
	int id;
	int err;
	struct ub_result *res;
	int64_t at;               /* when the answer arrived (ms) */
} ticket;

typedef struct block {
	struct block *next;
	max_align_t align[];
} block;

struct dns_run {
	dns_resolver *res;
	struct timespec deadline;
	int expired;
	pthread_cond_t cond;
	slot *slots;
	slot *ready, **rtail;     /* answered, callbacks not yet run */
	size_t pending;           /* tickets out at libunbound */
	size_t nsent;
	block *arena;
};

/* ---------- helpers ---------- */

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);
	if (p == NULL)
		abort();
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = xcalloc(n + 1, 1);
	memcpy(p, s, n);
	return p;
}

void *dns_run_alloc(dns_run *run, size_t n)
{
	block *b = xcalloc(1, sizeof *b + n);
	b->next = run->arena;
	run->arena = b;
	return b->align;
}

char *dns_run_strdup(dns_run *run, const char *s)
{
	size_t n = strlen(s);
	char *p = dns_run_alloc(run, n + 1);
	memcpy(p, s, n);
	return p;
}

const char *dns_failure_str(const dns_answer *a)
{
	if (a == NULL)
		return "no answer";
	if (a->why_bogus)
		return a->why_bogus;
	if (a->sec == DNS_BOGUS)
		return "DNSSEC bogus";
	if (a->rcode == 2)
		return "SERVFAIL";
	if (a->rcode == 5)
		return "REFUSED";
	return a->outcome == DNS_TEMPERROR ? "DNS failure" : dns_outcome_str(a->outcome);
}

const char *dns_outcome_str(dns_outcome o)
{
	switch (o) {
	case DNS_ANSWER: return "answer";
	case DNS_NXDOMAIN: return "nxdomain";
	case DNS_NODATA: return "nodata";
	case DNS_TEMPERROR: return "temperror";
	}
	return "temperror";
}

const char *dns_sec_str(dns_sec s)
{
	switch (s) {
	case DNS_SECURE: return "secure";
	case DNS_BOGUS: return "bogus";
	case DNS_INSECURE: return "insecure";
	}
	return "insecure";
}

const char *dns_type_str(int t)
{
	switch (t) {
	case DNS_T_A: return "A";
	case DNS_T_NS: return "NS";
	case DNS_T_CNAME: return "CNAME";
	case DNS_T_SOA: return "SOA";
	case DNS_T_PTR: return "PTR";
	case DNS_T_MX: return "MX";
	case DNS_T_TXT: return "TXT";
	case DNS_T_AAAA: return "AAAA";
	case DNS_T_DS: return "DS";
	case DNS_T_DNSKEY: return "DNSKEY";
	case DNS_T_TLSA: return "TLSA";
	}
	return "TYPE?";
}

static int type_parse(const char *s)
{
	static const int types[] = { DNS_T_A, DNS_T_NS, DNS_T_CNAME, DNS_T_SOA,
		DNS_T_PTR, DNS_T_MX, DNS_T_TXT, DNS_T_AAAA, DNS_T_DS, DNS_T_DNSKEY, DNS_T_TLSA };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcasecmp(s, dns_type_str(types[i])) == 0)
			return types[i];
	if (strcasecmp(s, "SPF") == 0)   /* RFC 7208 test data: served as TXT */
		return DNS_T_TXT;
	return -1;
}

int dns_name_normalize(const char *in, char *out, size_t outlen, char *err, size_t errlen)
{
	size_t n = strlen(in), o = 0, lab = 0;
	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0) {
		str_err(err, errlen, "empty domain name");
		return -1;
	}
	if (n > DNS_TEXT_MAX) {
		str_err(err, errlen, "domain name longer than %d octets", DNS_TEXT_MAX);
		return -1;
	}
	if (outlen < n + 1) {
		str_err(err, errlen, "domain name buffer too small");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '.') {
			if (lab == 0) {
				str_err(err, errlen, "empty label in domain name");
				return -1;
			}
			lab = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++lab > DNS_LABEL_MAX) {
				str_err(err, errlen, "label longer than %d octets", DNS_LABEL_MAX);
				return -1;
			}
		} else {
			str_err(err, errlen, "invalid character 0x%02x in domain name", c);
			return -1;
		}
		out[o++] = (char)tolower(c);
	}
	if (lab == 0) {   /* "a.t..": one final dot was the root, the other ends an empty label */
		str_err(err, errlen, "empty label in domain name");
		return -1;
	}
	out[o] = '\0';
	return 0;
}

int dns_ptr_name(const char *addr, char *out, size_t outlen)
{
	unsigned char b[16];
	size_t o = 0;
	int w;
	if (inet_pton(AF_INET, addr, b) == 1) {
		w = snprintf(out, outlen, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
		return (w < 0 || (size_t)w >= outlen) ? -1 : 0;
	}
	if (inet_pton(AF_INET6, addr, b) != 1)
		return -1;
	static const char hex[] = "0123456789abcdef";
	if (outlen < 64 + 9)
		return -1;
	for (int i = 15; i >= 0; i--) {
		out[o++] = hex[b[i] & 15];
		out[o++] = '.';
		out[o++] = hex[b[i] >> 4];
		out[o++] = '.';
	}
	memcpy(out + o, "ip6.arpa", 9);
	return 0;
}

/* ---------- decoding libunbound results ---------- */

/* Wire name (uncompressed) at p..end into text; returns octets used or 0. */
static size_t wire_name(const unsigned char *p, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0;
	while (i < len) {
		unsigned l = p[i++];
		if (l == 0) {
			out[o] = '\0';
			return i;
		}
		if (l > 63 || i + l > len)
			return 0;
		if (o != 0) {
			if (o + 1 >= outlen)
				return 0;
			out[o++] = '.';
		}
		for (unsigned k = 0; k < l; k++) {
			unsigned char c = p[i + k];
			if (c == '.' || c == '\\' || c <= ' ' || c >= 127) {
				if (o + 4 >= outlen)
					return 0;
				o += (size_t)snprintf(out + o, outlen - o, "\\%03u", c);
			} else {
				if (o + 1 >= outlen)
					return 0;
				out[o++] = (char)tolower(c);
			}
		}
		i += l;
	}
	return 0;
}

void dns_decode_rdata(dns_run *run, int qtype, dns_rr *rr)
{
	const unsigned char *p = rr->rdata;
	size_t n = rr->rdlen;
	char buf[DNS_NAME_MAX * 4 + 1];   /* every octet of a name escaped as \DDD */

	switch (qtype) {
	case DNS_T_A:
		if (n == 4 && inet_ntop(AF_INET, p, buf, sizeof buf))
			rr->text = dns_run_strdup(run, buf);
		break;
	case DNS_T_AAAA:
		if (n == 16 && inet_ntop(AF_INET6, p, buf, sizeof buf))
			rr->text = dns_run_strdup(run, buf);
		break;
	case DNS_T_TXT: {
		char *t = dns_run_alloc(run, n + 1);
		size_t i = 0, o = 0;
		while (i < n) {
			size_t l = p[i++];
			if (i + l > n)
				l = n - i;
			memcpy(t + o, p + i, l);
			o += l;
			i += l;
		}
		rr->text = t;
		rr->textlen = o;
		break;
	}
	case DNS_T_MX:
		if (n >= 3 && wire_name(p + 2, n - 2, buf, sizeof buf)) {
			rr->pref = (unsigned)p[0] << 8 | p[1];
			rr->text = dns_run_strdup(run, buf);
		}
		break;
	case DNS_T_NS: case DNS_T_PTR: case DNS_T_CNAME:
		if (wire_name(p, n, buf, sizeof buf))
			rr->text = dns_run_strdup(run, buf);
		break;
	case DNS_T_TLSA:
		if (n >= 3) {
			size_t cap = 16 + 2 * (n - 3);
			char *t = dns_run_alloc(run, cap);
			int w = snprintf(t, cap, "%u %u %u ", p[0], p[1], p[2]);
			for (size_t i = 3; i < n && w > 0; i++)
				w += snprintf(t + w, cap - (size_t)w, "%02x", p[i]);
			rr->text = t;
		}
		break;
	default:
		break;
	}
	if (rr->text && rr->textlen == 0)
		rr->textlen = strlen(rr->text);
}

static dns_answer *answer_new(dns_run *run, const char *name, int qtype,
    dns_outcome o, const char *why)
{
	dns_answer *a = dns_run_alloc(run, sizeof *a);
	a->qname = dns_run_strdup(run, name);
	a->qtype = qtype;
	a->outcome = o;
	a->sec = DNS_INSECURE;
	a->rcode = -1;
	if (why)
		a->why_bogus = dns_run_strdup(run, why);
	return a;
}

static dns_answer *answer_from_ub(dns_run *run, slot *s, int err, struct ub_result *r)
{
	dns_answer *a;
	if (err != 0 || r == NULL)
		return answer_new(run, s->name, s->qtype, DNS_TEMPERROR, ub_strerror(err));
	a = answer_new(run, s->name, s->qtype, DNS_TEMPERROR, NULL);
	a->rcode = r->rcode;
	if (r->secure)
		a->sec = DNS_SECURE;
	if (r->bogus) {
		/* A validating resolver answers SERVFAIL for bogus data. */
		a->sec = DNS_BOGUS;
		a->why_bogus = dns_run_strdup(run, r->why_bogus ? r->why_bogus : "validation failure");
		return a;
	}
	if (r->canonname) {
		char cn[DNS_TEXT_MAX + 2];
		if (dns_name_normalize(r->canonname, cn, sizeof cn, NULL, 0) == 0 &&
		    strcmp(cn, s->name) != 0)
			a->canonname = dns_run_strdup(run, cn);
	}
	if (r->nxdomain || r->rcode == 3) {
		a->outcome = DNS_NXDOMAIN;
		return a;
	}
	if (r->rcode != 0)
		return a;   /* SERVFAIL, REFUSED, ...: temperror */
	if (!r->havedata || r->data == NULL) {
		a->outcome = DNS_NODATA;
		return a;
	}
	size_t n = 0;
	while (r->data[n] != NULL)
		n++;
	dns_rr *rr = dns_run_alloc(run, n * sizeof *rr);
	for (size_t i = 0; i < n; i++) {
		unsigned char *d = dns_run_alloc(run, (size_t)r->len[i] + 1);
		memcpy(d, r->data[i], (size_t)r->len[i]);
		rr[i].rdata = d;
		rr[i].rdlen = (size_t)r->len[i];
		dns_decode_rdata(run, s->qtype, &rr[i]);
	}
	a->rr = rr;
	a->n = n;
	a->outcome = DNS_ANSWER;
	return a;
}

/* ---------- answer cache ---------- */

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static size_t opt_len(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* Octets answer_pack() needs for a (one block, max_align_t aligned). */
static size_t answer_packed_size(const dns_answer *a)
{
	size_t n = ALIGN_UP(sizeof *a) + a->n * sizeof(dns_rr);
	n += opt_len(a->qname) + opt_len(a->why_bogus) + opt_len(a->canonname);
	for (size_t i = 0; i < a->n; i++) {
		if (a->rr[i].rdata)
			n += a->rr[i].rdlen + 1;
		if (a->rr[i].text)
			n += a->rr[i].textlen + 1;
	}
	return n;
}

static char *pack_bytes(unsigned char **cur, const void *src, size_t n)
{
	unsigned char *p = *cur;
	memcpy(p, src, n);
	p[n] = 0;
	*cur += n + 1;
	return (char *)p;
}

static const char *pack_str(unsigned char **cur, const char *s)
{
	return s ? pack_bytes(cur, s, strlen(s)) : NULL;
}

/* Deep copy of a into buf (answer_packed_size(a) octets, aligned). */
static dns_answer *answer_pack(const dns_answer *a, void *buf)
{
	dns_answer *b = buf;
	dns_rr *rr = (dns_rr *)(void *)((unsigned char *)buf + ALIGN_UP(sizeof *b));
	unsigned char *cur = (unsigned char *)(rr + a->n);
	*b = *a;
	b->rr = a->n ? rr : NULL;
	b->qname = pack_str(&cur, a->qname);
	b->why_bogus = pack_str(&cur, a->why_bogus);
	b->canonname = pack_str(&cur, a->canonname);
	for (size_t i = 0; i < a->n; i++) {
		rr[i] = a->rr[i];
		if (a->rr[i].rdata)
			rr[i].rdata = (const unsigned char *)pack_bytes(&cur, a->rr[i].rdata, a->rr[i].rdlen);
		if (a->rr[i].text)
			rr[i].text = pack_bytes(&cur, a->rr[i].text, a->rr[i].textlen);
	}
	return b;
}

static uint32_t key_hash(const char *name, int qtype)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return (h ^ (uint32_t)qtype) * 16777619u;
}

static void cache_init(dcache *c, const dns_options *opt)
{
	int entries = opt ? opt->cache_entries : 0;
	c->max_ttl = opt && opt->cache_max_ttl > 0 ? opt->cache_max_ttl : DNS_CACHE_MAX_TTL;
	if (entries < 0)
		return;
	c->max = entries > 0 ? (size_t)entries : DNS_CACHE_ENTRIES;
	c->max_bytes = DNS_CACHE_BYTES;
	c->nbucket = 16;
	while (c->nbucket < c->max && c->nbucket < (1u << 20))
		c->nbucket <<= 1;
	c->bucket = xcalloc(c->nbucket, sizeof *c->bucket);
	c->on = 1;
}

/* The link that points at the entry for (name, qtype), or at the NULL
 * that ends its chain.  Called with c->lock held. */
static centry **cache_link(dcache *c, uint32_t h, const char *name, int qtype)
{
	centry **pp = &c->bucket[h & (c->nbucket - 1)];
	for (; *pp; pp = &(*pp)->hnext)
		if ((*pp)->hash == h && (*pp)->ans->qtype == qtype && strcmp((*pp)->ans->qname, name) == 0)
			break;
	return pp;
}

static void lru_unlink(dcache *c, centry *e)
{
	if (e->lprev)
		e->lprev->lnext = e->lnext;
	else
		c->head = e->lnext;
	if (e->lnext)
		e->lnext->lprev = e->lprev;
	else
		c->tail = e->lprev;
	e->lprev = e->lnext = NULL;
}

static void lru_front(dcache *c, centry *e)
{
	e->lprev = NULL;
	e->lnext = c->head;
	if (c->head)
		c->head->lprev = e;
	else
		c->tail = e;
	c->head = e;
}

/* Removes and frees the entry *pp points at.  Called with c->lock held. */
static void cache_drop(dcache *c, centry **pp)
{
	centry *e = *pp;
	*pp = e->hnext;
	lru_unlink(c, e);
	c->n--;
	c->bytes -= e->size;
	free(e);
}

/* A fresh cached answer for (name, qtype) copied into run, or NULL. */
static dns_answer *cache_get(dcache *c, dns_run *run, const char *name, int qtype)
{
	uint32_t h = key_hash(name, qtype);
	dns_answer *a = NULL;
	pthread_mutex_lock(&c->lock);
	centry **pp = cache_link(c, h, name, qtype);
	if (*pp && (*pp)->expires <= now_ms())
		cache_drop(c, pp);
	if (*pp) {
		centry *e = *pp;
		lru_unlink(c, e);
		lru_front(c, e);
		a = answer_pack(e->ans, dns_run_alloc(run, e->size - ALIGN_UP(sizeof *e)));
		c->st.hits++;
	} else
		c->st.misses++;
	pthread_mutex_unlock(&c->lock);
	return a;
}

/* Keeps a copy of a final answer that arrived at time at with a TTL of ttl
 * seconds.  Temperror and bogus answers are never kept: the next lookup
 * must ask again. */
static void cache_put(dcache *c, const dns_answer *a, int ttl, int64_t at)
{
	if (!c->on || a->outcome == DNS_TEMPERROR || a->sec == DNS_BOGUS || ttl <= 0)
		return;
	int cap = c->max_ttl;
	if (a->outcome != DNS_ANSWER && cap > DNS_CACHE_NEG_TTL)
		cap = DNS_CACHE_NEG_TTL;
	if (ttl > cap)
		ttl = cap;
	size_t size = ALIGN_UP(sizeof(centry)) + answer_packed_size(a);
	if (size > c->max_bytes / 16)
		return;   /* one huge answer must not flush the cache */
	centry *e = xcalloc(1, size);
	e->size = size;
	e->expires = at + (int64_t)ttl * 1000;
	e->ans = answer_pack(a, (unsigned char *)e + ALIGN_UP(sizeof *e));
	e->hash = key_hash(e->ans->qname, a->qtype);
	pthread_mutex_lock(&c->lock);
	centry **pp = cache_link(c, e->hash, e->ans->qname, a->qtype);
	if (*pp)
		cache_drop(c, pp);   /* two runs asked at once: keep the newer */
	e->hnext = c->bucket[e->hash & (c->nbucket - 1)];
	c->bucket[e->hash & (c->nbucket - 1)] = e;
	lru_front(c, e);
	c->n++;
	c->bytes += size;
	c->st.stores++;
	while (c->n > c->max || c->bytes > c->max_bytes) {
		centry *old = c->tail;
		cache_drop(c, cache_link(c, old->hash, old->ans->qname, old->ans->qtype));
		c->st.evictions++;
	}
	pthread_mutex_unlock(&c->lock);
}

static void cache_free(dcache *c)
{
	for (centry *e = c->head, *n; e; e = n) {
		n = e->lnext;
		free(e);
	}
	free(c->bucket);
	pthread_mutex_destroy(&c->lock);
}

void dns_resolver_cache_stats(dns_resolver *res, dns_cache_stats *st)
{
	dcache *c = &res->cache;
	pthread_mutex_lock(&c->lock);
	*st = c->st;
	st->entries = c->n;
	st->bytes = c->bytes;
	pthread_mutex_unlock(&c->lock);
}

/* ---------- table backend ---------- */

static int table_parse_line(dns_resolver *res, char *line, size_t lineno, char *err, size_t errlen)
{
	char *p = line, *name, *type;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#' || *p == ';')
		return 0;
	name = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (*p)
		*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	type = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (*p)
		*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	size_t plen = strlen(p);
	while (plen && isspace((unsigned char)p[plen - 1]))
		p[--plen] = '\0';

	trec r = { 0 };
	char nm[DNS_TEXT_MAX + 2];
	/* Test data holds names that are not host names (RFC 7208 suite). */
	size_t nl = strlen(name);
	if (nl > 0 && name[nl - 1] == '.')
		name[--nl] = '\0';
	if (nl == 0 || nl > DNS_TEXT_MAX) {
		str_err(err, errlen, "table line %zu: bad name", lineno);
		return -1;
	}
	for (size_t i = 0; i <= nl; i++)
		nm[i] = (char)tolower((unsigned char)name[i]);
	r.name = xstrndup(nm, nl);
	if (strcasecmp(type, "TIMEOUT") == 0) {
		r.type = 0;
	} else if (strcasecmp(type, "DNSSEC") == 0) {
		r.type = -1;
		if (strncmp(p, "secure", 6) == 0)
			r.sec = DNS_SECURE;
		else if (strncmp(p, "bogus", 5) == 0) {
			r.sec = DNS_BOGUS;
			r.why = xstrndup(p, plen);
		} else
			r.sec = DNS_INSECURE;
	} else {
		r.type = type_parse(type);
		if (r.type < 0) {
			str_err(err, errlen, "table line %zu: unknown type %s", lineno, type);
			free(r.name);
			return -1;
		}
		if (r.type == DNS_T_TXT) {
			/* One or more "quoted" strings, concatenated; \" and \\ escapes. */
			char *t = xcalloc(plen + 1, 1);
			size_t o = 0;
			const char *q = p;
			int any = 0;
			while (*q) {
				if (*q == '"') {
					any = 1;
					q++;
					while (*q && *q != '"') {
						/* \DDD: an octet in decimal (RFC 1035 5.1) */
						if (*q == '\\' && isdigit((unsigned char)q[1]) &&
						    isdigit((unsigned char)q[2]) && isdigit((unsigned char)q[3]) &&
						    (q[1] - '0') * 100 + (q[2] - '0') * 10 + (q[3] - '0') < 256) {
							t[o++] = (char)((q[1] - '0') * 100 + (q[2] - '0') * 10 + (q[3] - '0'));
							q += 4;
							continue;
						}
						if (*q == '\\' && q[1])
							q++;
						t[o++] = *q++;
					}
					if (*q == '"')
						q++;
				} else
					q++;
			}
			if (!any) {
				memcpy(t, p, plen);
				o = plen;
			}
			r.text = t;
			r.textlen = o;
		} else if (r.type == DNS_T_MX) {
			char *end;
			unsigned long pref = strtoul(p, &end, 10);
			while (isspace((unsigned char)*end))
				end++;
			size_t tl = strlen(end);
			if (tl && end[tl - 1] == '.')
				tl--;
			r.pref = (unsigned)pref;
			r.text = xstrndup(end, tl);
			for (char *c = r.text; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			r.textlen = tl;
		} else {
			if (plen && p[plen - 1] == '.' && (r.type == DNS_T_NS ||
			    r.type == DNS_T_PTR || r.type == DNS_T_CNAME))
				plen--;
			r.text = xstrndup(p, plen);
			if (r.type == DNS_T_NS || r.type == DNS_T_PTR || r.type == DNS_T_CNAME)
				for (char *c = r.text; *c; c++)
					*c = (char)tolower((unsigned char)*c);
			r.textlen = plen;
		}
	}
	res->tab = realloc(res->tab, (res->ntab + 1) * sizeof *res->tab);
	if (res->tab == NULL)
		abort();
	res->tab[res->ntab++] = r;
	return 0;
}

static int table_load(dns_resolver *res, const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	char line[8192];
	size_t lineno = 0;
	if (f == NULL) {
		str_err(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (table_parse_line(res, line, lineno, err, errlen) < 0) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static dns_answer *table_answer(dns_run *run, const char *qname, int qtype)
{
	dns_resolver *res = run->res;
	const char *name = qname;
	const char *canon = NULL;
	dns_sec sec = DNS_INSECURE;
	const char *why = NULL;

	for (int hop = 0; hop <= TABLE_CNAME_MAX; hop++) {
		int exists = 0, timeout = 0;
		const trec *cname = NULL;
		size_t n = 0, nl = strlen(name);
		for (size_t i = 0; i < res->ntab; i++) {
			const trec *t = &res->tab[i];
			size_t tl = strlen(t->name);
			if (tl > nl && t->name[tl - nl - 1] == '.' &&
			    strcmp(t->name + tl - nl, name) == 0)
				exists = 1;   /* empty non-terminal */
			if (strcmp(t->name, name) != 0)
				continue;
			exists = 1;
			if (t->type == 0)
				timeout = 1;
			else if (t->type == -1) {
				sec = t->sec;
				why = t->why;
			} else if (t->type == qtype)
				n++;
			else if (t->type == DNS_T_CNAME)
				cname = t;
		}
		dns_answer *a;
		if (timeout || sec == DNS_BOGUS) {
			a = answer_new(run, qname, qtype, DNS_TEMPERROR, timeout ? "timeout" : why);
			a->sec = sec;
			return a;
		}
		if (n == 0 && cname != NULL && qtype != DNS_T_CNAME) {
			canon = cname->text;
			name = cname->text;
			continue;
		}
		a = answer_new(run, qname, qtype, DNS_NODATA, NULL);
		a->sec = sec;
		a->rcode = exists ? 0 : 3;
		if (canon)
			a->canonname = dns_run_strdup(run, canon);
		if (!exists) {
			a->outcome = DNS_NXDOMAIN;
			return a;
		}
		if (n == 0)
			return a;
		dns_rr *rr = dns_run_alloc(run, n * sizeof *rr);
		size_t k = 0;
		for (size_t i = 0; i < res->ntab; i++) {
			const trec *t = &res->tab[i];
			if (t->type != qtype || strcmp(t->name, name) != 0)
				continue;
			char *txt = dns_run_alloc(run, t->textlen + 1);
			memcpy(txt, t->text, t->textlen);
			rr[k].text = txt;
			rr[k].textlen = t->textlen;
			rr[k].pref = t->pref;
			if (qtype == DNS_T_A || qtype == DNS_T_AAAA) {
				unsigned char *b = dns_run_alloc(run, 16);
				int af = qtype == DNS_T_A ? AF_INET : AF_INET6;
				if (inet_pton(af, txt, b) == 1) {
					rr[k].rdata = b;
					rr[k].rdlen = qtype == DNS_T_A ? 4 : 16;
				}
			}
			k++;
		}
		a->rr = rr;
		a->n = n;
		a->outcome = DNS_ANSWER;
		return a;
	}
	return answer_new(run, qname, qtype, DNS_TEMPERROR, "CNAME chain too long");
}

/* ---------- the resolver ---------- */

/* unbound's built-in local zones answer these without asking anybody; with a
 * forwarder the forwarder must decide (private reverse zones, test names). */
static const char *const default_local_zones[] = {
	"test.", "invalid.", "home.arpa.", "10.in-addr.arpa.", "16.172.in-addr.arpa.",
	"17.172.in-addr.arpa.", "18.172.in-addr.arpa.", "19.172.in-addr.arpa.",
	"20.172.in-addr.arpa.", "21.172.in-addr.arpa.", "22.172.in-addr.arpa.",
	"23.172.in-addr.arpa.", "24.172.in-addr.arpa.", "25.172.in-addr.arpa.",
	"26.172.in-addr.arpa.", "27.172.in-addr.arpa.", "28.172.in-addr.arpa.",
	"29.172.in-addr.arpa.", "30.172.in-addr.arpa.", "31.172.in-addr.arpa.",
	"168.192.in-addr.arpa.", "254.169.in-addr.arpa.", "2.0.192.in-addr.arpa.",
	"100.51.198.in-addr.arpa.", "113.0.203.in-addr.arpa.", "d.f.ip6.arpa.",
	"8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.", "b.e.f.ip6.arpa.",
	"8.b.d.0.1.0.0.2.ip6.arpa.",
};

static void *poller_main(void *arg)
{
	dns_resolver *res = arg;
	struct pollfd pf[2];
	pf[0].fd = ub_fd(res->ub);
	pf[0].events = POLLIN;
	pf[1].fd = res->wake[0];
	pf[1].events = POLLIN;
	for (;;) {
		int r = poll(pf, 2, 1000);
		if (r < 0 && errno != EINTR)
			break;
		if (pf[1].revents & POLLIN)
			break;
		if (r > 0 && (pf[0].revents & POLLIN))
			ub_process(res->ub);
	}
	return NULL;
}

/*
 * How libunbound judges servers that time out (its "infra cache"), set for
 * a process that lives for months behind one forwarder, or recursing, and
 * must answer again soon after a network blip (docs/dns.md has the long
 * version).
 *
 * libunbound keeps, per server address and zone, a retransmit timeout (rto)
 * that doubles with every query lost (from the rto the query was sent
 * with) and is capped at infra-cache-max-rtt; one answer resets it.  From
 * an rto of 12 s (libunbound's fixed probe threshold) a query type that
 * timed out three times is sent only as a single probe at a time; at the
 * cap the server counts as down.  When it is the only server (a lone
 * forwarder, or every name server of a zone) lookups then fail at once,
 * until the server's entry expires, infra-host-ttl seconds after it was
 * made (900 by default), or, with infra-keep-probing, a probe gets through.
 * With our former cap of 3 s, three lost queries in a row marked the
 * forwarder down: a 5 s outage, or an attacker's names that the forwarder
 * answers 2 s late, deferred all mail for 15 minutes.
 *
 *  - infra-cache-max-rtt 24000: losing a query sent with an rto of 12 s or
 *    more (an answer more than 12 s late, longer than any run waits, see
 *    dns_timeout) is needed to reach the cap; a name answered 2 s late is
 *    answered within its 3 s try, and every fast answer for another name
 *    resets the rto meanwhile, so slow names do not take the forwarder
 *    away from everybody else.  A lookup never waits that long: the run's
 *    deadline ends it first.
 *  - infra-keep-probing yes: from the probe threshold on, a probe goes out
 *    as soon as the previous one timed out, instead of none until expiry.
 *  - infra-host-ttl 5: what was learnt about a server (rto, smoothed RTT,
 *    EDNS support) is forgotten after 5 s; an entry below the cap starts
 *    afresh, a server at the cap gets a probe.  A lone forwarder that came
 *    back is used within about 5 s, whatever happened before; the lookups
 *    in between fail at once, which is right while it is down.  Asking it
 *    again on every lookup ("at once") would make each lookup of an outage
 *    wait for its deadline instead.  In full recursion a dead name server
 *    among live ones of a zone is still not chosen after expiry
 *    (libunbound keeps its rto at the cap and prefers the others), so the
 *    short TTL costs little: an RTT relearnt now and then.
 *  - outgoing-range 4096 (unbound's own default with libevent): libunbound
 *    as a library has 16 UDP ports for the queries in flight.  Each query
 *    waiting for a slow server holds one: sixteen lookups of an attacker's
 *    slow names stalled every other lookup of the process.  A port is
 *    taken per query and given back at its answer or timeout, so this
 *    costs descriptors only while lookups wait.
 *  - serve-expired no (the default, said out loud): never a stale answer,
 *    so no check passes on data the owner may have changed.
 * Lameness and infra-cache-min-rtt / unknown-server-time-limit keep their
 * defaults: they are about normal operation, not recovery.
 */
#define DNS_INFRA_MAX_RTT "24000"   /* ms */
#define DNS_INFRA_HOST_TTL "5"      /* s */
#define DNS_OUTGOING_PORTS "4096"   /* UDP queries in flight at once */
static int set_infra_options(struct ub_ctx *ub, char *err, size_t errlen)
{
	static const char *const opts[][2] = {
		{ "infra-cache-max-rtt:", DNS_INFRA_MAX_RTT },
		{ "infra-keep-probing:", "yes" },
		{ "infra-host-ttl:", DNS_INFRA_HOST_TTL },
		{ "outgoing-range:", DNS_OUTGOING_PORTS },
		{ "serve-expired:", "no" },
	};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		int r = ub_ctx_set_option(ub, opts[i][0], opts[i][1]);
		if (r != 0) {
			str_err(err, errlen, "libunbound option %s %s: %s", opts[i][0], opts[i][1], ub_strerror(r));
			return -1;
		}
	}
	return 0;
}

dns_resolver *dns_resolver_new(const dns_options *opt, char *err, size_t errlen)
{
	dns_resolver *res = xcalloc(1, sizeof *res);
	int r;
	pthread_mutex_init(&res->lock, NULL);
	pthread_mutex_init(&res->cache.lock, NULL);
	res->wake[0] = res->wake[1] = -1;

	if (opt && opt->table_file) {
		res->is_table = 1;
		if (table_load(res, opt->table_file, err, errlen) < 0) {
			dns_resolver_free(res);
			return NULL;
		}
		return res;
	}
	res->ub = ub_ctx_create();
	if (res->ub == NULL) {
		str_err(err, errlen, "cannot create the libunbound context");
		dns_resolver_free(res);
		return NULL;
	}
	if ((r = ub_ctx_async(res->ub, 1)) != 0) {
		str_err(err, errlen, "libunbound async: %s", ub_strerror(r));
		dns_resolver_free(res);
		return NULL;
	}
	if (set_infra_options(res->ub, err, errlen) < 0) {
		dns_resolver_free(res);
		return NULL;
	}
	/* Keep answers' DNSSEC reason text (why_bogus). */
	ub_ctx_set_option(res->ub, "val-log-level:", "2");
	for (size_t i = 0; opt && i < opt->n_forwarders; i++) {
		if ((r = ub_ctx_set_fwd(res->ub, opt->forwarders[i])) != 0) {
			str_err(err, errlen, "resolver %s: %s", opt->forwarders[i], ub_strerror(r));
			dns_resolver_free(res);
			return NULL;
		}
	}
	if (opt && opt->n_forwarders > 0) {
		for (size_t i = 0; i < sizeof default_local_zones / sizeof default_local_zones[0]; i++) {
			char v[128];
			snprintf(v, sizeof v, "%s transparent", default_local_zones[i]);
			ub_ctx_set_option(res->ub, "local-zone:", v);
		}
	}
	const char *ta = opt && opt->trust_anchor_file ? opt->trust_anchor_file : ROOT_ANCHOR;
	if (access(ta, R_OK) != 0) {
		str_err(err, errlen, "trust anchor %s: %s", ta, strerror(errno));
		dns_resolver_free(res);
		return NULL;
	}
	if ((r = ub_ctx_add_ta_file(res->ub, ta)) != 0) {
		str_err(err, errlen, "trust anchor %s: %s", ta, ub_strerror(r));
		dns_resolver_free(res);
		return NULL;
	}
	if (pipe(res->wake) != 0) {
		str_err(err, errlen, "pipe: %s", strerror(errno));
		dns_resolver_free(res);
		return NULL;
	}
	cache_init(&res->cache, opt);
	return res;
}

void dns_resolver_free(dns_resolver *res)
{
	if (res == NULL)
		return;
	if (res->poller_up) {
		char c = 'q';
		if (write(res->wake[1], &c, 1) != 1) { /* poller then leaves on its 1 s tick */ }
		pthread_join(res->poller, NULL);
	}
	if (res->ub)
		ub_ctx_delete(res->ub);
	for (int i = 0; i < 2; i++)
		if (res->wake[i] >= 0)
			close(res->wake[i]);
	for (size_t i = 0; i < res->ntab; i++) {
		free(res->tab[i].name);
		free(res->tab[i].text);
		free(res->tab[i].why);
	}
	free(res->tab);
	cache_free(&res->cache);
	pthread_mutex_destroy(&res->lock);
	free(res);
}

/* ---------- runs ---------- */

dns_run *dns_run_new(dns_resolver *res, double timeout)
{
	dns_run *run = xcalloc(1, sizeof *run);
	pthread_condattr_t ca;
	run->res = res;
	run->rtail = &run->ready;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&run->cond, &ca);
	pthread_condattr_destroy(&ca);
	clock_gettime(CLOCK_MONOTONIC, &run->deadline);
	if (timeout < 0.001)
		timeout = 0.001;
	long sec = (long)timeout;
	long ns = (long)((timeout - (double)sec) * 1e9);
	run->deadline.tv_sec += sec;
	run->deadline.tv_nsec += ns;
	if (run->deadline.tv_nsec >= 1000000000L) {
		run->deadline.tv_sec++;
		run->deadline.tv_nsec -= 1000000000L;
	}
	return run;
}

/* Called with res->lock held. */
static void ready_push(dns_run *run, slot *s)
{
	if (s->queued)
		return;
	s->queued = 1;
	s->rnext = NULL;
	*run->rtail = s;
	run->rtail = &s->rnext;
}

static void ub_done(void *arg, int err, struct ub_result *result)
{
	ticket *tk = arg;
	dns_run *run = tk->run;
	dns_resolver *res = run ? run->res : NULL;
	if (res == NULL) {   /* cannot happen: run is set before submit */
		ub_resolve_free(result);
		return;
	}
	pthread_mutex_lock(&res->lock);
	if (tk->slot == NULL) {   /* the run gave up on it (deadline, free) */
		pthread_mutex_unlock(&res->lock);
		ub_resolve_free(result);
		free(tk);
		return;
	}
	tk->err = err;
	tk->res = result;
	tk->at = now_ms();
	run->pending--;
	ready_push(run, tk->slot);
	pthread_cond_signal(&run->cond);
	pthread_mutex_unlock(&res->lock);
}

/* Called with res->lock held.  Detaches every outstanding ticket. */
static void cancel_all(dns_run *run)
{
	for (slot *s = run->slots; s; s = s->next) {
		ticket *tk = s->tk;
		if (tk == NULL || tk->res != NULL || tk->err != 0 || s->ans != NULL)
			continue;
		if (s->queued)
			continue;
		if (ub_cancel(run->res->ub, tk->id) == 0)
			free(tk);
		else
			tk->slot = NULL;   /* its callback frees it */
		s->tk = NULL;
		run->pending--;
		ready_push(run, s);
	}
}

void dns_run_free(dns_run *run)
{
	if (run == NULL)
		return;
	dns_resolver *res = run->res;
	pthread_mutex_lock(&res->lock);
	cancel_all(run);
	pthread_mutex_unlock(&res->lock);
	for (slot *s = run->slots, *n; s; s = n) {
		n = s->next;
		if (s->tk) {
			if (s->tk->res)
				ub_resolve_free(s->tk->res);
			free(s->tk);
		}
		for (waiter *w = s->waiters, *wn; w; w = wn) {
			wn = w->next;
			free(w);
		}
		free(s->name);
		free(s);
	}
	for (block *b = run->arena, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	pthread_cond_destroy(&run->cond);
	free(run);
}

static int past_deadline(dns_run *run)
{
	struct timespec now;
	if (run->expired)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > run->deadline.tv_sec ||
	    (now.tv_sec == run->deadline.tv_sec && now.tv_nsec >= run->deadline.tv_nsec))
		run->expired = 1;
	return run->expired;
}

static void start_poller(dns_resolver *res)
{
	if (res->poller_up)
		return;
	if (pthread_create(&res->poller, NULL, poller_main, res) == 0)
		res->poller_up = 1;
}

/* Answers s from the cache.  Called with res->lock held; the copy is made
 * without it (only this run's thread touches its slots and arena). */
static int cache_hit(dns_run *run, slot *s)
{
	dns_resolver *res = run->res;
	pthread_mutex_unlock(&res->lock);
	s->ans = cache_get(&res->cache, run, s->name, s->qtype);
	pthread_mutex_lock(&res->lock);
	return s->ans != NULL;
}

void dns_submit(dns_run *run, const char *name, int qtype, dns_cb *cb, void *arg)
{
	dns_resolver *res = run->res;
	char nm[DNS_TEXT_MAX + 2];
	size_t nl = strlen(name);
	waiter *w = xcalloc(1, sizeof *w);
	slot *s;

	w->cb = cb;
	w->arg = arg;
	/* Lookup names need not be host names (SPF macros, _dmarc, ...), but
	 * they must fit the wire limits. */
	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	int bad = nl == 0 || nl > DNS_TEXT_MAX;
	for (size_t i = 0, lab = 0; !bad && i < nl; i++) {
		if (name[i] == '.') {
			bad = lab == 0;
			lab = 0;
		} else if (++lab > DNS_LABEL_MAX || (unsigned char)name[i] <= ' ' ||
		    name[i] == '\\' || (unsigned char)name[i] >= 127)
			bad = 1;
		nm[i] = (char)tolower((unsigned char)name[i]);
	}
	if (bad)
		snprintf(nm, sizeof nm, "%s", "invalid.name");
	else
		nm[nl] = '\0';

	pthread_mutex_lock(&res->lock);
	for (s = run->slots; s; s = s->next)
		if (!bad && s->qtype == qtype && strcmp(s->name, nm) == 0)
			break;
	if (s != NULL) {
		*s->wtail = w;
		s->wtail = &w->next;
		if (s->ans != NULL) {
			/* Already delivered: deliver again to the newcomer.  A slot
			 * still queued keeps its place (re-linking it would cut off
			 * the slots queued after it); deliver() takes every waiter
			 * appended by then. */
			ready_push(run, s);
		}
		pthread_mutex_unlock(&res->lock);
		return;
	}
	s = xcalloc(1, sizeof *s);
	s->name = xstrndup(nm, strlen(nm));
	s->qtype = qtype;
	s->waiters = w;
	s->wtail = &w->next;
	s->next = run->slots;
	run->slots = s;
	if (bad) {
		pthread_mutex_unlock(&res->lock);
		s->ans = answer_new(run, name[0] ? "invalid.name" : "", qtype, DNS_NXDOMAIN, NULL);
		s->ans->why_bogus = NULL;
		pthread_mutex_lock(&res->lock);
		ready_push(run, s);
	} else if (res->is_table || past_deadline(run)) {
		ready_push(run, s);
	} else if (res->cache.on && cache_hit(run, s)) {
		run->nsent++;
		ready_push(run, s);
	} else {
		ticket *tk = xcalloc(1, sizeof *tk);
		tk->slot = s;
		tk->run = run;
		s->tk = tk;
		run->nsent++;
		start_poller(res);
		int r = ub_resolve_async(res->ub, s->name, qtype, 1, tk, ub_done, &tk->id);
		if (r != 0) {
			tk->err = r ? r : -1;
			ready_push(run, s);
		} else
			run->pending++;
	}
	if (res->is_table)
		run->nsent++;
	pthread_mutex_unlock(&res->lock);
}

/* Delivers one ready slot; called without the lock. */
static void deliver(dns_run *run, slot *s)
{
	dns_resolver *res = run->res;
	if (s->ans == NULL) {
		if (res->is_table)
			s->ans = table_answer(run, s->name, s->qtype);
		else if (s->tk == NULL)
			s->ans = answer_new(run, s->name, s->qtype, DNS_TEMPERROR, "deadline");
		else {
			s->ans = answer_from_ub(run, s, s->tk->err, s->tk->res);
			if (s->tk->res) {
				/* libunbound's TTL is the least of the chain's
				 * (a CNAME's counts; test_dnscache checks it). */
				cache_put(&res->cache, s->ans, s->tk->res->ttl, s->tk->at);
				ub_resolve_free(s->tk->res);
			}
			free(s->tk);
			s->tk = NULL;
		}
	}
	/* Take the waiters: callbacks may add new ones to this slot. */
	pthread_mutex_lock(&res->lock);
	waiter *w = s->waiters;
	s->waiters = NULL;
	s->wtail = &s->waiters;
	pthread_mutex_unlock(&res->lock);
	while (w) {
		waiter *n = w->next;
		w->cb(run, s->ans, w->arg);
		free(w);
		w = n;
	}
}

static void run_wait_for(dns_run *run, const int *flag)
{
	dns_resolver *res = run->res;
	pthread_mutex_lock(&res->lock);
	for (;;) {
		if (flag && *flag)
			break;
		if (run->ready) {
			slot *s = run->ready;
			run->ready = s->rnext;
			if (run->ready == NULL)
				run->rtail = &run->ready;
			s->queued = 0;
			pthread_mutex_unlock(&res->lock);
			deliver(run, s);
			pthread_mutex_lock(&res->lock);
			continue;
		}
		if (run->pending == 0)
			break;
		if (past_deadline(run)) {
			cancel_all(run);
			continue;
		}
		int r = pthread_cond_timedwait(&run->cond, &res->lock, &run->deadline);
		if (r == ETIMEDOUT)
			run->expired = 1;
	}
	pthread_mutex_unlock(&res->lock);
}

void dns_run_wait(dns_run *run)
{
	run_wait_for(run, NULL);
}

size_t dns_run_queries(const dns_run *run)
{
	return run->nsent;
}

typedef struct { const dns_answer *ans; int done; } sync_box;

static void sync_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	(void)run;
	sync_box *b = arg;
	b->ans = ans;
	b->done = 1;
}

const dns_answer *dns_lookup(dns_run *run, const char *name, int qtype)
{
	sync_box b = { NULL, 0 };
	dns_submit(run, name, qtype, sync_cb, &b);
	run_wait_for(run, &b.done);
	return b.ans;
}

static int mx_pref_cmp(const void *a, const void *b)
{
	const dns_rr *x = *(const dns_rr *const *)a, *y = *(const dns_rr *const *)b;
	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->text ? x->text : "", y->text ? y->text : "");
}

size_t dns_mx_targets(const dns_answer *ans, const dns_rr **v, int *null_mx)
{
	size_t n = 0;
	for (size_t i = 0; i < ans->n; i++) {
		if (ans->rr[i].text == NULL)
			continue;
		if (ans->rr[i].text[0] == '\0') {   /* "MX 0 ." */
			*null_mx = 1;
			continue;
		}
		v[n++] = &ans->rr[i];
	}
	qsort(v, n, sizeof *v, mx_pref_cmp);
	return n;
}
