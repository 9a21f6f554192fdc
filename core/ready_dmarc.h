#ifndef MXR_READY_DMARC_H
#define MXR_READY_DMARC_H
/*
 * The dmarc_record readiness check: does the sender domain publish one
 * DMARC record with a policy that protects it, and are its external report
 * destinations authorised?
 */
#include "dns.h"
#include "ready_item.h"

/* Starts the dmarc_record check of domain on run; it fills *it once
 * dns_run_wait(run) has returned.  it->data is created by the call:
 * record (null if none), policy (the one that applies to domain: sp at the
 * organizational domain if present, else p), source ("domain" or
 * "organizational"), source_domain, dnssec (state of the record's answer),
 * records (every v=DMARC1 text seen), pct, rua, ruf, external_unauthorized
 * (report hosts without the RFC 7489 7.1 authorisation record). */
void ready_dmarc_start(dns_run *run, const char *domain, ready_item *it);

#endif
