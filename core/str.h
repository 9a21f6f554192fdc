#ifndef MXR_STR_H
#define MXR_STR_H
/*
 * Small bounded-string helpers shared by the core modules.
 */
#include <stddef.h>

/* Formats an error message into err (at most len octets, always
 * terminated).  err NULL or len 0: nothing is written. */
void str_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copies at most n octets of s into out (outlen octets, always terminated
 * when outlen > 0) as printable ASCII, '?' for every other octet: for DNS
 * text shown to people in reasons and reports. */
void str_printable(char *out, size_t outlen, const char *s, size_t n);

#endif
