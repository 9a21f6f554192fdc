#ifndef MXR_SPF_H
#define MXR_SPF_H
/* SPF (RFC 7208): placeholder until the SPF module lands (issue 3). */
#include "dns.h"
#include "ready.h"

/* Starts the spf_record readiness check of domain on run; *it is complete
 * once dns_run_wait(run) has returned. */
void spf_policy_start(dns_run *run, const char *domain, ready_item *it);

#endif
