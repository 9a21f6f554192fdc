#ifndef MXR_POLICY_PSESS_H
#define MXR_POLICY_PSESS_H
/*
 * mxready-policyd's decisions, free of sockets: one complete policy request
 * in, one "action=..." reply out.  The checks of a transaction (iprev, HELO,
 * SPF of MAIL FROM and HELO, readiness of the sender domain) run once per
 * Postfix "instance"; later requests of the same instance (one per
 * recipient) are answered from a cache shared by every connection.  The
 * readiness of a sender domain is also kept for 5 minutes (never a
 * temperror), so the next message from that domain skips its lookups.
 *
 * Reply sequence of one instance, per request in state MAIL, RCPT, DATA or
 * END-OF-MESSAGE:
 *   reject      -> "550 5.7.2x text" every time
 *   tempfail    -> "DEFER_IF_PERMIT 4.4.3 text" every time (never 5xx)
 *   quarantine  -> "HOLD text" once, then as accept
 *   accept/tag  -> "PREPEND Authentication-Results: ..." on the first
 *                  request, "PREPEND MXReady-Report: ..." on the second
 *                  (readiness_header = yes), DUNNO afterwards
 * Other states (CONNECT, HELO, VRFY, ETRN) get DUNNO without any lookup.
 */
#include <stddef.h>

#include "request.h"
#include "dns.h"
#include "../daemon/conf.h"

#define PSESS_REPLY_MAX 1100     /* "action=" + one header line + "\n\n"  */
#define PSESS_CACHE_SLOTS 8192   /* instances remembered (a multiple of 8) */
#define PSESS_CACHE_TTL 3600     /* seconds an instance is remembered      */

typedef struct psess_cache psess_cache;

/* What every connection shares (read-only after start-up, except the
 * cache, which locks itself). */
typedef struct psess_global {
	const conf *cf;
	dns_resolver *res;
	psess_cache *cache;
} psess_global;

/* A cache of PSESS_CACHE_SLOTS instances.  Never NULL (aborts on ENOMEM). */
psess_cache *psess_cache_new(void);
/* Frees the cache.  NULL is a no-op. */
void psess_cache_free(psess_cache *c);

/* Answers the complete request r: writes "action=...\n\n" (NUL-terminated)
 * into out, which must hold PSESS_REPLY_MAX octets, and returns its length.
 * The first request of an instance runs the checks (blocking, at most
 * dns_timeout seconds) and logs the instance's verdict line. */
size_t psess_answer(const psess_global *g, const preq *r, char *out, size_t outlen);


#endif
