#ifndef MXR_DSN_H
#define MXR_DSN_H
/*
 * Delivery status notifications (RFC 3464, in the multipart/report of
 * RFC 6522; message/global-delivery-status of RFC 6533 too) from untrusted
 * input: the MIME structure is walked by this module itself (bounded, no
 * allocation), the delivery-status fields are extracted per recipient, and
 * a Diagnostic-Code is explained in plain words.
 */
#include <stddef.h>

#define DSN_MAX_RCPT     16     /* recipient groups kept (more are counted) */
#define DSN_FIELD_MAX    1024   /* an unfolded field value kept (cut beyond) */
#define DSN_ADDR_MAX     330    /* an address value kept */
#define DSN_STATUS_MAX   16     /* "5.123.123" (RFC 3463 2) */
#define DSN_BOUNDARY_MAX 70     /* RFC 2046 5.1.1 */
#define DSN_DEPTH_MAX    4      /* nested multiparts searched */

typedef enum {
	DSN_ACTION_UNKNOWN = 0, DSN_ACTION_FAILED, DSN_ACTION_DELAYED,
	DSN_ACTION_DELIVERED, DSN_ACTION_RELAYED, DSN_ACTION_EXPANDED
} dsn_action;

typedef struct dsn_rcpt {
	char final_recipient[DSN_ADDR_MAX];     /* address, type prefix removed */
	char original_recipient[DSN_ADDR_MAX];
	dsn_action action;
	char status[DSN_STATUS_MAX];            /* "" if absent or malformed */
	char diagnostic[DSN_FIELD_MAX];         /* whole value, e.g. "X-Postfix; ..." */
	char remote_mta[DSN_ADDR_MAX];
} dsn_rcpt;

typedef struct dsn_report {
	char reporting_mta[DSN_ADDR_MAX];
	char orig_message_id[DSN_ADDR_MAX];     /* of the returned message, if any */
	size_t n_rcpt;                          /* groups stored */
	size_t n_rcpt_seen;                     /* groups present */
	dsn_rcpt rcpt[DSN_MAX_RCPT];
} dsn_report;

/* Parses a whole message (header and body, CRLF or LF line ends).  Returns
 * 0 when a delivery-status part with at least one recipient group was
 * found, else -1 with the reason in err.  out is always initialised. */
int dsn_parse(const char *msg, size_t len, dsn_report *out, char *err, size_t errlen);
/* Parses only the body of a message/delivery-status part (appends to out,
 * which the caller zeroes).  Returns 0, or -1 if no recipient group. */
int dsn_parse_status(const char *body, size_t len, dsn_report *out);
/* The first recipient group with this action, or NULL. */
const dsn_rcpt *dsn_find(const dsn_report *r, dsn_action a);
/* "failed", "delayed", ... */
const char *dsn_action_str(dsn_action a);
/* The reason of r in plain words for a person who is not a postmaster
 * (about IPv6 reception: no AAAA, refused, unreachable, rejected, ...),
 * one sentence.  Always NUL-terminates out. */
void dsn_explain(const dsn_rcpt *r, char *out, size_t outlen);
/* The reason of r as one word for the log and `mxready stats`: "no-aaaa"
 * (the MX has no IPv6 address), "not-found" (name not in the DNS),
 * "refused", "timeout", "unreachable", "invalid-recipient", "protocol"
 * (SMTP protocol or TLS error), "policy", "greylist-5xx", "temporary",
 * "other".  The same tests as dsn_explain(), in the same order. */
const char *dsn_class(const dsn_rcpt *r);

#endif
