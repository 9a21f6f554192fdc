#ifndef MXR_AUTHRES_H
#define MXR_AUTHRES_H
/*
 * Authentication-Results (RFC 8601): rendering our header field, and the
 * one parser of a received field (authserv-id, version, results with their
 * reasons and properties) used by the milter (removal of forged copies) and
 * the responder (our own results).
 */
#include <stddef.h>
#include "dkimv.h"
#include "dmarc.h"
#include "iprev.h"
#include "spf.h"

/* Limits of the parser.  A field beyond any of them is refused (the parse
 * fails), never cut or read in part.  Comment nesting has no limit: a
 * comment is skipped with a counter, not by recursion. */
#define AUTHRES_VALUE_MAX    65536  /* octets of a field value */
#define AUTHRES_RESULTS_MAX  64     /* resinfo elements of one field */
#define AUTHRES_PROPS_MAX    16     /* propspec elements of one resinfo */
#define AUTHRES_VERSION_DIGITS 9    /* digits of authres-version, method-version */

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

/* One ptype.property=value (RFC 8601 2.2 propspec). */
typedef struct authres_prop {
	const char *ptype;      /* lower case: "smtp", "header", "policy", ... */
	const char *property;   /* lower case: "mailfrom", "d", ... */
	const char *value;      /* quotes removed, quoted-pairs undone, folds removed */
} authres_prop;

/* One resinfo: method[/version]=result [reason=value] propspec... */
typedef struct authres_result {
	const char *method;     /* lower case */
	unsigned version;       /* method-version, 0 if absent */
	const char *result;     /* lower case */
	const char *reason;     /* quotes removed; NULL if absent */
	authres_prop prop[AUTHRES_PROPS_MAX];
	size_t n_prop;
} authres_result;

/* A parsed field.  Strings live in the object (authres_parsed_free()). */
typedef struct authres_parsed {
	const char *authserv_id;   /* as written (quotes removed), case kept */
	unsigned version;          /* authres-version, 0 if absent */
	authres_result *res;       /* n_res results in field order; 0 for "none" */
	size_t n_res;
	char *store_;              /* private */
} authres_parsed;

/* The field value (without "Authentication-Results:"), starting with a
 * space, folded with "\n\t" before each method so that lines stay under 78
 * octets where possible.  Values are quoted where RFC 8601 2.2's "value"
 * needs it; reason= is always a quoted-string.  Only printable ASCII (any
 * other octet of an input becomes '?'); the only line breaks are the folds.
 * The authserv-id is written as a token: characters a token cannot hold
 * become '_' (check configured ids with authres_id_valid()); NULL or ""
 * renders as "localhost".  Caller frees. */
char *authres_render(const authres_input *in);

/* The same for any list of results (the renderer authres_render() uses):
 * authserv_id, version (when not 0) and each result with its method
 * version (when not 0), reason (when not NULL, always quoted) and
 * properties (each value as authres_pvalue() writes it; those needing
 * quotes after the others, see there).  n == 0 renders "none".  Renders
 * what authres_parse() reads back as the same results (values with octets
 * outside printable ASCII: as written here, '?' and tabs as spaces).
 * Caller frees. */
char *authres_render_results(const char *authserv_id, unsigned version,
    const authres_result *res, size_t n);

/* Writes v as an RFC 8601 2.2 pvalue into out: as it is when it is a token
 * or [local-part] "@" domain-name, else as a quoted-string ('"' and '\'
 * as quoted-pairs, tabs as spaces, other octets outside printable ASCII as
 * '?').  Returns the length of the whole pvalue (out holds it if that is
 * less than outlen), like snprintf. */
size_t authres_pvalue(char *out, size_t outlen, const char *v);

/* 1 if id can be an authserv-id as it is (an RFC 2045 token of at most 253
 * octets, e.g. a host name), else 0. */
int authres_id_valid(const char *id);

/* Extracts the authserv-id of a received field value into out (CFWS and
 * comments skipped, quoted-string unquoted).  Returns 0, or -1 if the value
 * does not start with a valid authserv-id. */
int authres_authserv_id(const char *value, size_t len, char *out, size_t outlen);

/* Parses a received field value (RFC 8601 2.2 with RFC 5322 3.2.2 CFWS,
 * 3.2.4 quoted-strings and 3.2.1 quoted-pairs; folds may be CRLF or LF).
 * Returns 0 and *out (free with authres_parsed_free()), or -1 and *out
 * NULL when the value is not a valid field or exceeds a limit above.
 * One leniency, as deployed signers write it and python3-authres reads it:
 * an unquoted pvalue may hold any RFC 5322 atext and '.' (header.b=a/b+c). */
int authres_parse(const char *value, size_t len, authres_parsed **out);
void authres_parsed_free(authres_parsed *p);

/* The first result of method (any case) which, when ptype is not NULL,
 * has the property ptype.property; NULL if none. */
const authres_result *authres_find(const authres_parsed *p, const char *method,
    const char *ptype, const char *property);
/* The value of ptype.property (any case) in r, or NULL. */
const char *authres_prop_value(const authres_result *r, const char *ptype, const char *property);

/* 1 if a received field must be taken as one carrying id (to be removed
 * as a forgery, RFC 8601 5), else 0: its authserv-id is id (any case), or
 * it has no readable authserv-id, or id appears as a whole token (between
 * octets that no token holds, so after any white space, control, 8-bit or
 * comment octets) anywhere before the field's first ';'.  So a field no
 * reader, however lenient, could take for ours survives, and only such. */
int authres_claims_id(const char *value, size_t len, const char *id);

#endif
