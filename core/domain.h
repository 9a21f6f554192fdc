#ifndef MXR_DOMAIN_H
#define MXR_DOMAIN_H
/*
 * A domain name as a person writes it (the command line, a configuration
 * file): internationalised labels (U-labels) are converted to A-labels
 * (IDNA 2008, RFC 5890-5891, with the UTS #46 mapping: case folding and
 * width mapping, nontransitional), then the result must follow the LDH
 * rules of RFC 1123 2.1 / RFC 5321 2.3.5: labels of 1..63 letters, digits
 * and hyphens, not starting or ending with a hyphen, 253 octets at most,
 * the last label not all digits (so 1.2.3.4 is refused: an address literal
 * is not a domain).  One final dot is allowed and dropped.
 */
#include <stddef.h>

#define DOMAIN_MAX 253                 /* octets of the A-label form */
#define DOMAIN_UNICODE_MAX 1024        /* octets of the UTF-8 form */

typedef struct domain_name {
	char ascii[DOMAIN_MAX + 1];            /* A-labels, lower case: what DNS gets */
	char unicode[DOMAIN_UNICODE_MAX + 1];  /* U-labels in UTF-8, for people */
	int idn;                               /* some label is an A-label */
} domain_name;

/* Parses the len octets of in (UTF-8) into *out.  0, or -1 with a message
 * for people in err ("an address literal is not a domain", "label
 * '-x' starts with a hyphen", libidn2's reason, ...). */
int domain_parse(const char *in, size_t len, domain_name *out, char *err, size_t errlen);

#endif
