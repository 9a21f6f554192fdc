#ifndef MXR_MILTER_RCACHE_H
#define MXR_MILTER_RCACHE_H
/*
 * Verdicts kept for a while: they change with DNS data, not per message.
 *   - the readiness verdicts of sender domains (most of a message's
 *     lookups);
 *   - per client address and HELO name: iprev, the HELO check and SPF of
 *     the HELO identity (a sending host opens one connection per message).
 * Fixed tables (a newer entry takes the slot of an older one with the same
 * hash), one lock; shared by every connection thread.  Results with a
 * temperror are never kept.
 */
#include <stddef.h>

#include "dns.h"
#include "helo.h"
#include "iprev.h"
#include "ready.h"
#include "result.h"
#include "spf.h"

#define RCACHE_SLOTS 4096
#define RCACHE_CONN_SLOTS 1024

/* What the milter uses of a readiness report. */
typedef struct rcache_sum {
	char domain[DNS_TEXT_MAX + 1];
	chk_status verdict;
	chk_status status[READY_COUNT];
	int null_mx;                 /* the MX check found a null MX (RFC 7505) */
} rcache_sum;

/* What is kept per client address and HELO name. */
typedef struct rcache_conn {
	char key[64 + DNS_TEXT_MAX + 2];   /* "ADDRESS HELO" */
	int have_iprev;              /* iprev was looked up (not from a macro) */
	iprev_verdict iprev;
	helo_verdict helo;
	spf_verdict spf_helo;
} rcache_conn;

typedef struct rcache rcache;

/* A cache whose entries live ttl seconds.  Never NULL. */
rcache *rcache_new(double ttl);
void rcache_free(rcache *c);                  /* NULL is a no-op */
/* Copies the entry of domain into *out: 1, or 0 if absent or expired.
 * c NULL: always 0. */
int rcache_get(rcache *c, const char *domain, rcache_sum *out);
/* Keeps *r (unless c is NULL or r holds a temperror). */
void rcache_put(rcache *c, const rcache_sum *r);
/* The entry of (addr, helo) into *out: 1, or 0.  c NULL: always 0. */
int rcache_conn_get(rcache *c, const char *addr, const char *helo, rcache_conn *out);
/* Keeps the verdicts of (addr, helo) (unless one is a temperror); iprev
 * only if have_iprev.  Pointers into the message's DNS run are not kept. */
void rcache_conn_put(rcache *c, const char *addr, const char *helo, int have_iprev,
    const iprev_verdict *iprev, const helo_verdict *hv, const spf_verdict *spf_helo);
/* Fills *out from a finished report (statuses of ready_mail_statuses():
 * a DNSSEC-bogus domain is temperror). */
void rcache_summarize(const ready_report *rep, rcache_sum *out);

#endif
