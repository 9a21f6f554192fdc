#ifndef MXR_READY_SPF_H
#define MXR_READY_SPF_H
/*
 * The spf_record readiness check: is the sender domain's SPF policy one
 * valid record, within the lookup limits, ending in -all or ~all?
 */
#include "dns.h"
#include "ready_item.h"

/* Starts the spf_record check of domain on run; it fills *it (status,
 * summary, hint, data: record, lookups, void_lookups, all) once
 * dns_run_wait(run) has returned.  it->data is created by the call. */
void ready_spf_start(dns_run *run, const char *domain, ready_item *it);

#endif
