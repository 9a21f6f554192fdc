#ifndef MXR_RSTORE_REDIS_H
#define MXR_RSTORE_REDIS_H
/*
 * The Redis backend of the responder's state (see rstore.h for the meaning
 * of each call), for several MX hosts that serve one test address: every
 * decision is one Lua script (EVALSHA, one round trip; Redis runs a script
 * atomically), every command bounded by the timeout.  Redis down, slow or
 * out of memory is RSTORE_ERROR or RSTORE_FULL (defer), never "no limit".
 */
#include <stddef.h>
#include <time.h>

#include "rstore.h"

#define RSTORE_REDIS_HOST_MAX 256

/* Splits "unix:/path", "host:port" or "[v6addr]:port": 0 with host (the
 * path for unix:) and *port (0 for unix:), -1 if spec is none of these. */
int rstore_redis_parse_server(const char *spec, char *host, size_t hostlen, int *port);
/* Connects (and AUTHs with the first line of password_file unless it is
 * NULL or "") within timeout seconds; replies are kept keep seconds,
 * limit windows are at most max_window.  The store, or NULL with err (the
 * status is RSTORE_ERROR).  rstore_free() disconnects. */
rstore *rstore_redis_open(const char *server, const char *password_file, double timeout,
	unsigned keep, unsigned max_window, char *err, size_t errlen);

#endif
