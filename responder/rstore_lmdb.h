#ifndef MXR_RSTORE_LMDB_H
#define MXR_RSTORE_LMDB_H
/*
 * The LMDB backend of the responder's state (see rstore.h for the meaning
 * of each call): one environment in the state directory, every decision
 * one write transaction (LMDB serialises writers across processes with a
 * robust mutex, so a writer killed mid-transaction leaves the previous
 * state).
 */
#include <stddef.h>

#include "rstore.h"

/* Opens (creating on the first run) the environment in dir with a map of
 * max_size octets; reply records live keep seconds, rate charges at most
 * max_window seconds.  The store, or NULL with *st and err:
 * RSTORE_CORRUPT for an invalid, truncated, replaced or reset
 * environment, RSTORE_ERROR otherwise.  rstore_free() closes it. */
rstore *rstore_lmdb_open(const char *dir, size_t max_size, unsigned keep, unsigned max_window,
	rstore_status *st, char *err, size_t errlen);

#endif
