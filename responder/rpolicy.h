#ifndef MXR_RPOLICY_H
#define MXR_RPOLICY_H
/*
 * Whether the responder may answer a test mail: RFC 3834 loop rules, the
 * backscatter rule, sender syntax; and the authentication results it
 * reports, read only from the Authentication-Results field (RFC 8601) that
 * carries our own authserv-id (the milter removes forged copies of it).
 * The field is read by core/authres.h's parser (authres_parse()).
 */
#include <stddef.h>

#define RPOLICY_RESULT_MAX 16
#define RPOLICY_PROP_MAX   256
#define RPOLICY_ADDR_MAX   320      /* local@domain as text */

typedef struct rpolicy_auth {
	int found;                      /* a field with our authserv-id was seen */
	char spf[RPOLICY_RESULT_MAX];   /* "none" unless reported */
	char dkim[RPOLICY_RESULT_MAX];  /* "pass" if any signature passed */
	char dmarc[RPOLICY_RESULT_MAX];
	char iprev[RPOLICY_RESULT_MAX];
	char spf_prop[RPOLICY_PROP_MAX];    /* "smtp.mailfrom=..." (value unquoted) */
	char dkim_prop[RPOLICY_PROP_MAX];   /* "header.d=..." of the best signature */
	char dmarc_prop[RPOLICY_PROP_MAX];  /* "header.from=..." */
} rpolicy_auth;

typedef enum {
	RPOLICY_REPLY = 0,
	RPOLICY_NULL_SENDER,       /* RFC 3834 2: never answer <> */
	RPOLICY_BAD_SENDER,        /* not a plain local@domain we can write safely */
	RPOLICY_SYSTEM_SENDER,     /* MAILER-DAEMON, owner-*, *-request, postmaster-like */
	RPOLICY_OUR_DOMAIN,        /* from ourselves: a loop */
	RPOLICY_AUTO_SUBMITTED,    /* Auto-Submitted other than "no" (RFC 3834 5) */
	RPOLICY_PRECEDENCE,        /* Precedence: bulk / list / junk */
	RPOLICY_LIST,              /* List-Id or List-* fields (RFC 2369, 2919) */
	RPOLICY_BACKSCATTER        /* SPF fail/softfail and no DKIM pass */
} rpolicy_reason;

/* What header fields say about a mail (rpolicy_field), ORed over all. */
#define RPOLICY_F_AUTO       1u     /* an Auto-Submitted field other than "no" */
#define RPOLICY_F_PRECEDENCE 2u     /* a Precedence field: bulk, list or junk */
#define RPOLICY_F_LIST       4u     /* a list field (RFC 2369, RFC 2919) */

typedef struct rpolicy_input {
	const char *sender;               /* envelope sender, "" for <> */
	unsigned fields;                  /* RPOLICY_F_* of every header field */
	const char (*our_domains)[256];
	size_t n_our_domains;
	const rpolicy_auth *auth;
	int backscatter_reply;            /* 1 = answer even when forged-looking */
} rpolicy_input;

/* Resets a to "none" everywhere, found 0. */
void rpolicy_auth_init(rpolicy_auth *a);
/* Reads one Authentication-Results field value.  If its authserv-id equals
 * ours (case-insensitive) and a is not yet filled, fills a and returns 1:
 * spf is the result keyed smtp.mailfrom (else one with no smtp.helo; the
 * HELO result never), dkim any passing signature's (else the first), dmarc
 * and iprev the first.  Returns 0 for another authserv-id or when a is
 * filled already, -1 if the value has no authserv-id, or is ours but does
 * not parse or has a version other than 1 (then a is marked found with
 * every result "none": the topmost field of ours counts, readable or not). */
int rpolicy_auth_parse(const char *value, size_t len, const char *authserv_id, rpolicy_auth *a);
/* 1 if s is a plain address (dot-atom or simple local part, host-name
 * domain, printable ASCII without specials, at most RPOLICY_ADDR_MAX). */
int rpolicy_sender_ok(const char *s);
/* The RPOLICY_F_* bit(s) one header field sets (name: field name, any
 * case; value: the raw value, len octets, folding and comments allowed).
 * Every field counts, not only the first of its kind: Auto-Submitted sets
 * RPOLICY_F_AUTO unless its first word after CFWS (RFC 5322 3.2.2) is "no",
 * so an empty or unreadable value suppresses too (RFC 3834 is about not
 * replying when in doubt); Precedence sets RPOLICY_F_PRECEDENCE when its
 * first word after CFWS starts with bulk, list or junk; List-Id, List-Post,
 * List-Help, List-Unsubscribe, List-Subscribe, List-Owner and List-Archive
 * set RPOLICY_F_LIST whatever their value. */
unsigned rpolicy_field(const char *name, const char *value, size_t len);
/* The first rule that forbids a reply, or RPOLICY_REPLY. */
rpolicy_reason rpolicy_decide(const rpolicy_input *in);
/* "reply", "null-sender", ... (log keyword). */
const char *rpolicy_reason_str(rpolicy_reason r);

#endif
