#ifndef MXR_DMARC_H
#define MXR_DMARC_H
/*
 * DMARC (RFC 7489) evaluated here, not with libopendmarc (its alignment
 * check is wrong): record discovery with organizational-domain fallback
 * (libpsl), strict/relaxed alignment of SPF and DKIM, p/sp/np, pct; and
 * the dmarc_record readiness check.
 */
#include <stddef.h>
#include <json-c/json.h>
#include "dkimv.h"
#include "dns.h"
#include "ready.h"
#include "result.h"

typedef enum { DMARC_P_UNSET = 0, DMARC_P_NONE, DMARC_P_QUARANTINE, DMARC_P_REJECT } dmarc_policy;

typedef struct dmarc_record {
	dmarc_policy p, sp, np;      /* sp/np UNSET: inherit (np from sp, sp from p) */
	int adkim_strict, aspf_strict;
	unsigned pct;                /* 0..100, default 100 */
	char rua[512], ruf[512];     /* as written, "" if absent */
} dmarc_record;

/* Parses a record (RFC 7489 6.3, 6.4).  Returns 0, or -1 with the reason in
 * err (not v=DMARC1 first, bad p=, bad tag value...).  Unknown tags are
 * ignored as 6.3 says. */
int dmarc_record_parse(const char *txt, size_t len, dmarc_record *out, char *err, size_t errlen);

/* The organizational domain of domain (RFC 7489 3.2) via libpsl into out.
 * Returns 0, or -1 if domain is a public suffix itself or invalid. */
int dmarc_org_domain(const char *domain, char *out, size_t outlen);

typedef struct dmarc_verdict {
	auth_result result;          /* pass fail none temperror permerror */
	char from_domain[DNS_TEXT_MAX + 1];
	char org_domain[DNS_TEXT_MAX + 1];
	char record_domain[DNS_TEXT_MAX + 1]; /* where the record was found */
	dmarc_record rec;
	dmarc_policy applied;        /* p, sp or np as applies to from_domain */
	int spf_aligned, dkim_aligned;
	char reason[256];
	struct dmarc_priv *priv;     /* private */
} dmarc_verdict;

/* Starts the record discovery for the From domain on run.  from_count is
 * what mailaddr_parse_from() returned (anything but 1 gives permerror). */
void dmarc_start(dns_run *run, const char *from_domain, int from_count, dmarc_verdict *v);
/* After dns_run_wait(): decides from the SPF verdict (result and the domain
 * it authenticated; MAIL FROM domain, or HELO domain for <>) and the DKIM
 * verdict (NULL = unsigned). */
void dmarc_finish(dmarc_verdict *v, auth_result spf, const char *spf_domain, const dkimv_verdict *dkim);
/* {"result", "from_domain", "org_domain", "record_domain", "policy",
 *  "applied", "pct", "spf_aligned", "dkim_aligned", "reason"} */
json_object *dmarc_json(const dmarc_verdict *v);
const char *dmarc_policy_str(dmarc_policy p);

/* Starts the dmarc_record readiness check of domain on run; it fills *it
 * (status, summary, hint, data: record, policy, source) once
 * dns_run_wait(run) has returned.  it->data is created by the call. */
void dmarc_policy_start(dns_run *run, const char *domain, ready_item *it);

#endif
