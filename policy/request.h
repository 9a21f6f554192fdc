#ifndef MXR_POLICY_REQUEST_H
#define MXR_POLICY_REQUEST_H
/*
 * One Postfix policy delegation request (Postfix SMTPD_POLICY_README):
 * "name=value" lines ending in LF, closed by an empty line.  A strict,
 * bounded, incremental parser: it never allocates, copies at most
 * PREQ_SIZE_MAX octets, and reports the first violation instead of guessing.
 *
 * Usage (one parser per connection, reused for every request):
 *     preq p; preq_init(&p);
 *     loop: preq_status s = preq_feed(&p, buf, len, &used);
 *           PREQ_MORE  -> read more, feed the rest
 *           PREQ_DONE  -> preq_get(&p, "client_address") ...; preq_reset(&p);
 *                         the bytes after 'used' start the next request
 *           PREQ_ERROR -> preq_error_str(p.error), close the connection
 */
#include <stddef.h>

#define PREQ_SIZE_MAX   16384   /* octets of one request, lines included   */
#define PREQ_LINE_MAX   4096    /* octets of one name=value line           */
#define PREQ_NAME_MAX   64      /* octets of an attribute name             */
#define PREQ_ATTRS_MAX  96      /* attributes of one request (Postfix 3.12
                                   sends about 40)                          */

typedef enum { PREQ_MORE = 0, PREQ_DONE, PREQ_ERROR } preq_status;

typedef enum {
	PREQ_OK = 0,
	PREQ_E_TOOBIG,      /* request over PREQ_SIZE_MAX                        */
	PREQ_E_LINE,        /* line over PREQ_LINE_MAX                           */
	PREQ_E_ATTRS,       /* more than PREQ_ATTRS_MAX attributes               */
	PREQ_E_NOEQ,        /* a line without '='                                */
	PREQ_E_NAME,        /* empty name, or a name outside [a-z0-9_]           */
	PREQ_E_DUP,         /* the same attribute twice                          */
	PREQ_E_BINARY,      /* NUL, control character or malformed UTF-8         */
	PREQ_E_NOREQUEST,   /* no request= attribute                             */
	PREQ_E_BADREQUEST   /* request= is not smtpd_access_policy               */
} preq_error;

typedef struct preq {
	preq_error error;
	size_t n;                         /* attributes of the current request */
	unsigned short name[PREQ_ATTRS_MAX], value[PREQ_ATTRS_MAX]; /* offsets in buf */
	size_t len;                       /* octets stored in buf              */
	size_t line_start;                /* offset of the line being read     */
	size_t total;                     /* octets of the request so far      */
	int cr;                           /* the previous octet was CR         */
	char buf[PREQ_SIZE_MAX + 1];
} preq;

/* Prepares p for the first request. */
void preq_init(preq *p);
/* Forgets the current request (after PREQ_DONE) and clears an error. */
void preq_reset(preq *p);
/* Feeds len octets; *used gets how many were consumed (on PREQ_DONE the
 * rest belongs to the next request).  After PREQ_ERROR p->error tells why
 * and the parser stays in error until preq_reset(). */
preq_status preq_feed(preq *p, const char *data, size_t len, size_t *used);
/* The value of attribute name of a complete request, or NULL if absent. */
const char *preq_get(const preq *p, const char *name);
/* Same, "" when absent. */
const char *preq_str(const preq *p, const char *name);
/* Short keyword for logs: "oversized", "line_too_long", "no_equals", ... */
const char *preq_error_str(preq_error e);

#endif
