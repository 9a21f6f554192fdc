#ifndef MXR_DMARC_H
#define MXR_DMARC_H
/* DMARC (RFC 7489): placeholder until the DMARC module lands (issue 3). */
#include "dns.h"
#include "ready.h"

/* Starts the dmarc_record readiness check of domain on run; *it is complete
 * once dns_run_wait(run) has returned. */
void dmarc_policy_start(dns_run *run, const char *domain, ready_item *it);

#endif
