#ifndef MXR_MAILADDR_H
#define MXR_MAILADDR_H
/*
 * Mail addresses from untrusted input: SMTP paths (RFC 5321 4.1.2) and the
 * From header field (RFC 5322 3.4, 3.6.2), with obsolete syntax tolerated
 * where RFC 5322 4 says so.  Bounded: no output exceeds its named limit.
 */
#include <stddef.h>
#include "dns.h"

#define MAILADDR_LOCAL_MAX 64     /* RFC 5321 4.5.3.1.1 */
#define MAILADDR_MAX       320    /* local@domain as text */

typedef struct mailaddr {
	char local[MAILADDR_LOCAL_MAX * 2 + 1];  /* as written (quoted form kept) */
	char domain[DNS_TEXT_MAX + 1];           /* lower case, no final dot      */
} mailaddr;

/* Parses a MAIL FROM / RCPT TO path or bare address ("<a@b>", "a@b", "<>").
 * Returns 1 for an address, 0 for the null path ("<>", or "" as policy
 * delegation sends it), -1 on a syntax error with the reason in err.
 * Blanks around the path are ignored, a source route is dropped; the local
 * part may be UTF-8 (RFC 6531), the domain must be an LDH name (lower-cased
 * into out->domain) or an address literal (kept in brackets).  Paths over
 * 512 octets (an SMTP command line) and local parts over 64 are errors. */
int mailaddr_parse_path(const char *s, mailaddr *out, char *err, size_t errlen);

/* Parses the value of one From field (display names, comments, quoted
 * strings, groups, folding).  Returns the number of mailboxes found (the
 * first is stored in *first when non-NULL) or -1 on a syntax error with the
 * reason in err.  A DMARC evaluator treats anything but 1 as permerror.
 * len octets are read; a NUL among them, a line break not followed by white
 * space (a trailing one is tolerated), or malformed UTF-8 in an address is
 * an error; 8-bit bytes in display names and comments are tolerated.  The
 * domain must be a DNS name (IDNA U-labels are not converted: error) or a
 * domain literal (kept in brackets, which DMARC rejects as no domain). */
int mailaddr_parse_from(const char *value, size_t len, mailaddr *first, char *err, size_t errlen);

#endif
