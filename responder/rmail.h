#ifndef MXR_RMAIL_H
#define MXR_RMAIL_H
/*
 * The messages the autoresponder sends, built with GMime 3 (RFC 5322
 * fields, RFC 2047 encoded words, RFC 2045/2046 bodies) and DKIM-signed with
 * libopendkim (RFC 6376, rsa-sha256 or ed25519-sha256, relaxed/relaxed):
 * reply A and reply B to a test mail, the forwarded failure DSN ("You are
 * not receiving e-mails over IPv6!") and the "still trying" notice.
 * Every result is a malloc'ed message with CRLF line ends; callers free().
 * g_mime_init() must have been called.
 */
#include <stddef.h>

#include "dsn.h"
#include "rconf.h"
#include "ready.h"
#include "rpolicy.h"

#define RMAIL_ID_LEN 12             /* hex digits of a reply id */

typedef struct rmail_test {
	const char *sender;             /* envelope sender (checked plain address) */
	const char *client_addr;        /* "" if unknown */
	const char *client_name;        /* reverse name Postfix confirmed, "unknown" */
	const char *helo;
	const char *tls;                /* "TLSv1.3 with cipher ..." or "" */
	const char *orig_msgid;         /* "<...>" checked, or "" */
	const char *orig_subject;       /* "" when not quoted (size bound) */
	int over_size;                  /* the test mail exceeded max_message_size */
	const rpolicy_auth *auth;
	const ready_report *ready;      /* NULL if the checks did not run */
	const char *probe;              /* "Your mail servers, probed from here": lines
	                                 * ending in LF, "" when probe_timeout = 0 */
	const char *reply_id;           /* RMAIL_ID_LEN hex digits */
} rmail_test;

/* Reply A (kind 'A', dual-stack identity) or reply B (kind 'B', IPv6-only
 * identity).  NULL with a message in err on failure (key, signing). */
char *rmail_reply(const rconf *rc, const rmail_test *t, int kind, size_t *len, char *err, size_t errlen);
/* The forwarded DSN to `to` about recipient r of report rep, with the DSN
 * (dsn, dsnlen) attached as message/rfc822; delayed selects the short
 * "still trying" notice instead.  probe: the section "Your mail servers,
 * probed from here" (rprobe_section lines), NULL or "" = none. */
char *rmail_forward(const rconf *rc, const char *to, const dsn_rcpt *r, const char *dsn,
	size_t dsnlen, int delayed, const char *probe, size_t *len, char *err, size_t errlen);
/* Signs msg (CRLF, len octets) for domain with selector and the PEM key in
 * keyfile; returns a new buffer with the DKIM-Signature field on top. */
char *rmail_dkim_sign(const char *msg, size_t len, const char *keyfile, const char *selector,
	const char *domain, size_t *outlen, char *err, size_t errlen);
/* 1 if s is a msg-id we can copy into In-Reply-To safely ("<x@y>",
 * printable, no white space, at most 250 octets). */
int rmail_msgid_ok(const char *s);

#endif
