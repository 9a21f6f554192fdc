#ifndef MXR_READY_H
#define MXR_READY_H
/*
 * Readiness of a sender domain: MX shape, IPv6 of MX and NS, DNSSEC, DANE,
 * SPF/DMARC records, DKIM support.  Statuses follow the internet.nl mail
 * test (seed 001) and RFC 5321 5.1 / RFC 7505.
 */
#include <json-c/json.h>
#include "dns.h"
#include "ready_item.h"
#include "result.h"

typedef enum {
	READY_MX = 0, READY_MX_IPV6, READY_NS_IPV6, READY_DNSSEC, READY_MX_DNSSEC,
	READY_DANE, READY_SPF_RECORD, READY_DMARC_RECORD, READY_DKIM_SUPPORT,
	READY_COUNT
} ready_id;

#define READY_MAX_MX 10     /* MX hosts examined, as internet.nl */

typedef struct ready_report {
	char domain[DNS_TEXT_MAX + 1];
	chk_status verdict;            /* worst status, info ignored */
	int bogus;                     /* the domain's DNSSEC is bogus: the checks
	                                * that could not run are info "not tested" */
	ready_item item[READY_COUNT];
	size_t queries;                /* DNS lookups the run sent */
	struct ready_priv *priv;       /* lookups in flight; private */
} ready_report;

/* Short id used in JSON and logs: "mx", "mx_ipv6", ... */
const char *ready_id_str(ready_id id);
/* Runs every check of domain (already normalised) on res within timeout
 * seconds.  Never NULL. */
ready_report *ready_check(dns_resolver *res, const char *domain, double timeout);
/* Starts the checks on an existing run; the report is complete after
 * dns_run_wait(run) returns and ready_finish() is called. */
ready_report *ready_start(dns_run *run, const char *domain);
void ready_finish(ready_report *rep);
/* The statuses (st, READY_COUNT of them) and verdict a mail daemon acts
 * on: the report's, except that a DNSSEC-bogus domain (rep->bogus) is
 * temperror throughout (its "not tested" checks and the verdict): the
 * sender may be fixing it, so the daemons answer 4xx, as for any DNS
 * failure, and cache nothing of it. */
void ready_mail_statuses(const ready_report *rep, chk_status *st, chk_status *verdict);
/* The whole report as JSON (new reference, caller puts it). */
json_object *ready_json(const ready_report *rep);
void ready_report_free(ready_report *rep);
#endif
