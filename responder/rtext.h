#ifndef MXR_RTEXT_H
#define MXR_RTEXT_H
/*
 * Octet-level helpers for the messages the responder sends: line ends made
 * CRLF (RFC 5322 2.1, and what DKIM signs is what is sent), the SMTP line
 * bound (RFC 5321 4.5.3.1.6, RFC 5322 2.1.1: 998 octets before CRLF), and
 * UTF-8 sequences (RFC 3629) so that quoted text is never cut inside a
 * character.  Everything takes lengths: message bytes may hold NUL.
 */
#include <stddef.h>

#define RTEXT_LINE_MAX 998          /* octets of a line without its CRLF */

/* A malloc'ed copy of s (n octets) in which every bare LF and bare CR
 * became CRLF; its length in *outlen (a NUL follows, not counted).  NULL
 * when out of memory. */
char *rtext_crlf(const char *s, size_t n, size_t *outlen);
/* The length of the longest line of s (n octets), line ends not counted. */
size_t rtext_longest_line(const char *s, size_t n);
/* 1 if s (n octets) can go into SMTP DATA as it is: no NUL, no line over
 * RTEXT_LINE_MAX, CR only in CRLF. */
int rtext_smtp_safe(const char *s, size_t n);
/* The length (1..4) of the well-formed UTF-8 sequence at s (n octets
 * available), or 0 if none starts there (RFC 3629 4: no overlong forms,
 * no surrogates, nothing above U+10FFFF). */
size_t rtext_utf8_len(const char *s, size_t n);

#endif
