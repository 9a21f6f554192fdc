#ifndef MXR_RSTORE_H
#define MXR_RSTORE_H
/*
 * The responder's state: rate limits, the replies sent (for the bounce
 * path) and the once-per-token marks, shared by the processes that
 * Postfix's pipe(8) starts in parallel and, with Redis, by several MX
 * hosts.  Every decision is one atomic step of the backend:
 *
 *   test mode  rstore_reserve: check every limit (a sliding window: at most
 *              max charges in any `window` seconds) and, if all have room,
 *              charge each and record the reply -- one LMDB write
 *              transaction or one Redis script.  rstore_release undoes both
 *              when no reply could be handed over (a temporary failure
 *              must not burn the limit: Postfix retries the mail).
 *   dsn mode   rstore_claim: check the reply's flags and take the claim for
 *              one forward in one step, before the forward is sent;
 *              rstore_finish sets the flag after the forward was accepted,
 *              or drops the claim after a temporary failure so that the
 *              retry can forward.
 *
 * Backends: LMDB (rstore_lmdb.c, one environment in the state directory,
 * the default) and Redis (rstore_redis.c, for several MX hosts); the
 * program opens one of them (rstore_lmdb_open, rstore_redis_open).  Every
 * failure of the store -- I/O, a corrupt file, a full map, Redis down or
 * slow -- is a status the caller turns into "defer" (exit 75), never into
 * "no history" or "no limit".
 */
#include <stddef.h>
#include <time.h>

#define RSTORE_KEY_MAX      400     /* "a:" + an address, with room */
#define RSTORE_SENDER_MAX   320     /* a stored sender address */
#define RSTORE_ID_LEN       12      /* reply ids: 12 lower-case hex digits */
#define RSTORE_CLAIM_LEASE  600     /* seconds before another host may call a claim abandoned */

#define RSTORE_FORWARDED    1u      /* the failure DSN of this reply was forwarded */
#define RSTORE_DELAY_NOTICE 2u      /* the "still trying" notice was sent */

typedef enum rstore_status {
	RSTORE_OK = 0,
	RSTORE_LIMIT,        /* reserve: a limit is reached, nothing charged */
	RSTORE_UNKNOWN,      /* no (unexpired) reply with this id */
	RSTORE_DONE,         /* claim: the flag (or the failure forward) is already set */
	RSTORE_BUSY,         /* claim: another live process holds the claim */
	RSTORE_ABANDONED,    /* claim: its holder died mid-forward; now marked done */
	RSTORE_ERROR,        /* temporary: I/O, lock, Redis down or slow */
	RSTORE_FULL,         /* state_max_size reached (or Redis out of memory) */
	RSTORE_CORRUPT       /* the stored state is damaged: never read as empty */
} rstore_status;

typedef struct rstore_limit {
	const char *key;             /* from rstore_key_*(), e.g. "a:user@example.org" */
	unsigned max;                /* 0 = no limit (nothing recorded) */
	unsigned window;             /* seconds, at most rstore_options.max_window */
} rstore_limit;

typedef struct rstore rstore;

/* What a backend does, each call one atomic step on its own state b; err
 * gets the reason of RSTORE_ERROR, RSTORE_FULL and RSTORE_CORRUPT.  The
 * backends (rstore_lmdb_open, rstore_redis_open) hand theirs to
 * rstore_new, so that this module needs neither of them. */
typedef struct rstore_ops {
	rstore_status (*reserve)(void *b, const rstore_limit *l, size_t n, const char *id, const char *sender,
		time_t now, size_t *hit, char *err, size_t errlen);
	rstore_status (*release)(void *b, const rstore_limit *l, size_t n, const char *id, char *err, size_t errlen);
	rstore_status (*lookup)(void *b, const char *id, time_t now, char *sender, size_t senderlen,
		unsigned *flags, char *err, size_t errlen);
	rstore_status (*claim)(void *b, const char *id, unsigned flag, time_t now, char *err, size_t errlen);
	rstore_status (*finish)(void *b, const char *id, unsigned flag, int sent, char *err, size_t errlen);
	void (*free)(void *b);
} rstore_ops;

/* A store over backend state b, which it owns from now on (ops->free(b)
 * also when this fails); windows of limits at most max_window seconds.
 * NULL only without memory. */
rstore *rstore_new(const rstore_ops *ops, void *b, unsigned max_window);
/* NULL is a no-op. */
void rstore_free(rstore *s);
/* The message of the last failed call ("" if none). */
const char *rstore_error(const rstore *s);
/* "ok", "limit", "unknown", "done", "busy", "abandoned", "error", "full",
 * "corrupt" (log keyword). */
const char *rstore_status_str(rstore_status st);

/* One step: if every limit has room, charges each and records reply id
 * (RSTORE_ID_LEN hex digits) to sender at now: RSTORE_OK.  RSTORE_LIMIT
 * with *hit = the index of the first exhausted limit (nothing charged).
 * An id already stored is RSTORE_ERROR (the caller picks a new one). */
rstore_status rstore_reserve(rstore *s, const rstore_limit *l, size_t n, const char *id,
	const char *sender, time_t now, size_t *hit);
/* One step: removes the charges of reply id from the limits l (the same as
 * reserved) and the reply record.  RSTORE_OK also if id is unknown. */
rstore_status rstore_release(rstore *s, const rstore_limit *l, size_t n, const char *id);
/* Reads reply id: RSTORE_OK with its sender and flags, RSTORE_UNKNOWN. */
rstore_status rstore_lookup(rstore *s, const char *id, time_t now, char *sender, size_t senderlen,
	unsigned *flags);
/* One step before a forward (flag RSTORE_FORWARDED or RSTORE_DELAY_NOTICE):
 * RSTORE_OK = the claim is ours; RSTORE_DONE = flag set already (or the
 * failure was forwarded, which ends the delay notices); RSTORE_BUSY = a
 * live process holds a claim; RSTORE_ABANDONED = a claim's holder died
 * (same host: its pid is gone; any host: older than RSTORE_CLAIM_LEASE):
 * the forward may have been sent, so the flag is set and nothing is sent
 * again (at most once); RSTORE_UNKNOWN. */
rstore_status rstore_claim(rstore *s, const char *id, unsigned flag, time_t now);
/* After the forward of a claim: sent != 0 sets flag; sent == 0 (a
 * temporary failure) drops the claim so that Postfix's retry can forward. */
rstore_status rstore_finish(rstore *s, const char *id, unsigned flag, int sent);

/* Keys of the limits (written to out, 0, or -1 if out is too small or the
 * input is unusable).  An attacker cannot multiply them:
 *   rstore_key_address: "a:" + the mailbox as its owner sees it: lower
 *     case, the "+tag" and the dots of the local part removed, no
 *     trailing dot of the domain (more senders share a key: only stricter);
 *   rstore_key_domain: "d:" + the organizational domain (public suffix
 *     list), so sub-domains share the limit of their domain;
 *   rstore_key_client: "c:" + the client's network: an IPv6 address cut
 *     to v6prefix bits (16..128), IPv4 (also IPv4-mapped) as /32; anything
 *     else "c:unknown". */
int rstore_key_address(const char *addr, char *out, size_t outlen);
int rstore_key_domain(const char *addr, char *out, size_t outlen);
int rstore_key_client(const char *ip, unsigned v6prefix, char *out, size_t outlen);

#endif
