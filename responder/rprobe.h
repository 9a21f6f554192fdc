#ifndef MXR_RPROBE_H
#define MXR_RPROBE_H
/*
 * The section "Your mail servers, probed from here" of both replies: the
 * active probe (probe/) of the sender's domain, rendered as plain text
 * lines for rmail.c.  The responder uses the probe layer; the probe knows
 * nothing of the responder.
 */
#include <stddef.h>
#include "probe.h"

/* Runs the network phase of p (its DNS lookups done) within timeout
 * seconds with EHLO helo, judges it and returns the section as lines
 * ending in LF (new string, caller frees with g_free; never NULL).  An
 * address that occurs in named (a DSN's Diagnostic-Code and Remote-MTA;
 * NULL = none) gets "(named in the DSN)".  Every server-supplied byte is
 * made printable. */
char *rprobe_section(probe *p, const char *helo, double timeout, const char *named);
/* Our EHLO name: the host name if it is a fully qualified, valid name,
 * else the domain dflt (the dual-stack address's).  At most outlen-1
 * bytes. */
void rprobe_helo(const char *dflt, char *out, size_t outlen);

#endif
