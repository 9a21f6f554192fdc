#ifndef MXR_STAB_H
#define MXR_STAB_H
/*
 * Bounded counting tables for `mxready stats`: a string key to a few
 * 64-bit counters, open addressing, keys in one arena.  At most max keys
 * are kept; the counts of keys that arrive after that are folded into one
 * "other" row (and counted as folded), and every key also feeds a
 * HyperLogLog sketch so that the number of distinct keys is still
 * estimated once the exact count is no longer known.
 */
#include <stddef.h>
#include <stdint.h>

#define STAB_NV 8               /* counters per key */

typedef struct stab stab;

typedef struct stab_row {
	const char *key;
	size_t klen;
	uint64_t *v;            /* STAB_NV counters */
} stab_row;

/* A table of at most max keys (>= 1).  NULL when out of memory. */
stab *stab_new(size_t max);
/* Frees t; stab_free(NULL) is a no-op. */
void stab_free(stab *t);
/* The counters of key (created zeroed), or the "other" row's when the
 * table is full.  Never NULL (allocation failure counts as full). */
uint64_t *stab_get(stab *t, const char *key, size_t klen);
/* Keys held, keys folded into "other" (arrivals of new keys when full). */
size_t stab_count(const stab *t);
uint64_t stab_folded(const stab *t);
/* The "other" row's counters. */
const uint64_t *stab_other(const stab *t);
/* Distinct keys ever seen: exact when nothing was folded, else the
 * HyperLogLog estimate; *exact (if not NULL) says which. */
uint64_t stab_distinct(const stab *t, int *exact);
/* All rows, sorted by counter col descending, ties by key; caller frees
 * the array (not the keys).  *n gets the number of rows. */
stab_row *stab_sorted(const stab *t, int col, size_t *n);
/* Rows sorted by key ascending. */
stab_row *stab_sorted_keys(const stab *t, size_t *n);

#endif
