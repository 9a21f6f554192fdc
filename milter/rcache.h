#ifndef MXR_MILTER_RCACHE_H
#define MXR_MILTER_RCACHE_H
/*
 * The readiness verdicts of sender domains, kept for a while: they change
 * with the domain's DNS, not per message, and their lookups are most of a
 * message's work.  A fixed table of RCACHE_SLOTS entries (a newer entry
 * takes the slot of an older one with the same hash), one lock; shared by
 * every connection thread.  Results with a temperror are never kept.
 */
#include <stddef.h>

#include "dns.h"
#include "ready.h"
#include "result.h"

#define RCACHE_SLOTS 4096

/* What the milter uses of a readiness report. */
typedef struct rsum {
	char domain[DNS_TEXT_MAX + 1];
	chk_status verdict;
	chk_status status[READY_COUNT];
	int null_mx;                 /* the MX check found a null MX (RFC 7505) */
} rsum;

typedef struct rcache rcache;

/* A cache whose entries live ttl seconds.  Never NULL. */
rcache *rcache_new(double ttl);
void rcache_free(rcache *c);                  /* NULL is a no-op */
/* Copies the entry of domain into *out: 1, or 0 if absent or expired.
 * c NULL: always 0. */
int rcache_get(rcache *c, const char *domain, rsum *out);
/* Keeps *r (unless c is NULL or r holds a temperror). */
void rcache_put(rcache *c, const rsum *r);
/* Fills *out from a finished report. */
void rcache_summarize(const ready_report *rep, rsum *out);

#endif
