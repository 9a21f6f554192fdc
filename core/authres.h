#ifndef MXR_AUTHRES_H
#define MXR_AUTHRES_H
/*
 * Authentication-Results (RFC 8601): rendering our header field, and
 * reading the authserv-id of a received one (to remove forged copies).
 */
#include <stddef.h>
#include "dkimv.h"
#include "dmarc.h"
#include "iprev.h"
#include "spf.h"

/* What one message's header reports; NULL members are left out.  The
 * result is "none" when no method ran. */
typedef struct authres_input {
	const char *authserv_id;
	const spf_verdict *spf_mailfrom;
	const spf_verdict *spf_helo;
	const dkimv_verdict *dkim;
	const dmarc_verdict *dmarc;
	const iprev_verdict *iprev;
} authres_input;

/* The field value (without "Authentication-Results:"), starting with a
 * space, folded with "\n\t" before each method so that lines stay under 78
 * octets where possible.  Values are quoted where RFC 8601 2.2's "value"
 * needs it; reason= is always a quoted-string.  Only printable ASCII (any
 * other octet of an input becomes '?'); the only line breaks are the folds.
 * The authserv-id is written as a token: characters a token cannot hold
 * become '_' (check configured ids with authres_id_valid()); NULL or ""
 * renders as "localhost".  Caller frees. */
char *authres_render(const authres_input *in);

/* 1 if id can be an authserv-id as it is (an RFC 2045 token of at most 253
 * octets, e.g. a host name), else 0. */
int authres_id_valid(const char *id);

/* Extracts the authserv-id of a received field value into out (CFWS and
 * comments skipped, quoted-string unquoted).  Returns 0, or -1 if the value
 * does not start with a valid authserv-id. */
int authres_authserv_id(const char *value, size_t len, char *out, size_t outlen);

#endif
