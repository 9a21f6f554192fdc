#ifndef MXR_RSTORE_H
#define MXR_RSTORE_H
/*
 * The responder's state, kept across restarts and shared by the processes
 * that Postfix's pipe(8) starts in parallel: rate-limit counters and the
 * replies sent (for the bounce path).  Plain text files in one directory,
 * rewritten whole (write to a temporary file, rename) under an exclusive
 * flock(2) on DIR/lock.  Meant for a test address's volume (thousands of
 * entries, not millions): entries past their window are pruned on write,
 * and a file over RSTORE_MAX_ENTRIES refuses new entries (the caller then
 * does not reply: fail closed).
 */
#include <stddef.h>
#include <time.h>

#define RSTORE_MAX_ENTRIES 100000
#define RSTORE_KEY_MAX     340      /* "x:" + an address */

#define RSTORE_FORWARDED    1u      /* the failure DSN of this reply was forwarded */
#define RSTORE_DELAY_NOTICE 2u      /* the "still trying" notice was sent */

typedef struct rstore rstore;

typedef struct rstore_limit {
	const char *key;                /* e.g. "addr:user@example.org" */
	unsigned max;                   /* 0 = no limit */
	unsigned window;                /* seconds */
} rstore_limit;

/* Opens (creating files as needed) the store in dir; replies are kept
 * keep seconds.  NULL with a message in err on failure. */
rstore *rstore_open(const char *dir, unsigned keep, char *err, size_t errlen);
/* NULL is a no-op. */
void rstore_free(rstore *s);
/* Atomically: if every limit still has room in its current window, counts
 * one against each and returns -1; otherwise counts nothing and returns the
 * index of the first exhausted limit.  -2 on an I/O error or a full store. */
int rstore_rate_take(rstore *s, const rstore_limit *l, size_t n, time_t now);
/* Records reply id (12 hex digits) to sender at now.  0 or -1. */
int rstore_reply_put(rstore *s, const char *id, const char *sender, time_t now);
/* 1 with the sender and flags of id, 0 if unknown (or pruned), -1 on error. */
int rstore_reply_get(rstore *s, const char *id, char *sender, size_t senderlen, unsigned *flags);
/* Sets flag on id and returns the flags it had before (test-and-set under
 * the lock), or -1 if id is unknown or on error. */
int rstore_reply_mark(rstore *s, const char *id, unsigned flag);

#endif
