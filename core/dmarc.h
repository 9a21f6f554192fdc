#ifndef MXR_DMARC_H
#define MXR_DMARC_H
/*
 * DMARC (RFC 7489) evaluated here, not with libopendmarc (its alignment
 * check is wrong): record discovery with organizational-domain fallback
 * (libpsl), strict/relaxed alignment of SPF and DKIM, p/sp/np, pct.  The
 * record discovery is shared with the dmarc_record readiness check
 * (core/ready_dmarc.h).
 */
#include <stddef.h>
#include <json-c/json.h>
#include "dkimv.h"
#include "dns.h"
#include "result.h"

typedef enum { DMARC_P_UNSET = 0, DMARC_P_NONE, DMARC_P_QUARANTINE, DMARC_P_REJECT } dmarc_policy;

#define DMARC_RECORD_TEXT_MAX 1024  /* record text kept for reports (longer: cut) */
#define DMARC_MAX_REPORT_URIS 8      /* rua+ruf destinations checked per record */

typedef struct dmarc_record {
	dmarc_policy p, sp, np;      /* sp/np UNSET: inherit (np from sp, sp from p) */
	int adkim_strict, aspf_strict;
	unsigned pct;                /* 0..100, default 100 */
	char rua[512], ruf[512];     /* as written, "" if absent (whole URIs only) */
	char warning[128];           /* a tag that was ignored and why, "" if none */
} dmarc_record;

/* Does txt start with the version tag "v=DMARC1" (RFC 7489 6.6.3: records
 * that do not are discarded)?  1 or 0. */
int dmarc_is_record(const char *txt, size_t len);

/* Parses a record (RFC 7489 6.3, 6.4; tag-list syntax of RFC 6376 3.2).
 * Returns 0, or -1 with the reason in err (not v=DMARC1 first, malformed or
 * duplicate tag, no valid p= and no valid rua=...).  An invalid p= or sp=
 * with a valid rua= gives p=none (6.6.3); unknown tags are ignored (6.3);
 * a bad adkim/aspf/pct value is ignored (default kept, noted in warning). */
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
	char record[DMARC_RECORD_TEXT_MAX]; /* the record's text, "" if none */
	dmarc_policy applied;        /* p, sp or np as applies to from_domain */
	int spf_aligned, dkim_aligned;
	int nonexistent;             /* From domain non-existent (RFC 9091 2.7): 1, 0, -1 unknown/not asked */
	char reason[256];
	struct dmarc_priv *priv;     /* private; lives on the run */
} dmarc_verdict;

/* Starts the record discovery for the From domain on run: _dmarc.<from>
 * and, for a subdomain, _dmarc.<org domain> in parallel (the latter used
 * only when the former has no record).  from_count is what
 * mailaddr_parse_from() returned (anything but 1 gives permerror).  The
 * state lives on run: call dmarc_finish() before dns_run_free(). */
void dmarc_start(dns_run *run, const char *from_domain, int from_count, dmarc_verdict *v);
/* The same from the From fields of the message, as received: n is how
 * many there are (all of them, the true count the reason reports), values
 * and lens (octets) hold at least the first; a caller may keep fewer values
 * than it counts, since only values[0] is read, and only when n is 1.  No
 * From field, several From fields, several mailboxes, or one that does not
 * parse give permerror with the reason (RFC 7489 6.6.1; the bypasses of
 * CVE-2019-16378/CVE-2021-34555). */
void dmarc_start_from(dns_run *run, const char *const *values, const size_t *lens, size_t n,
    dmarc_verdict *v);
/* After dns_run_wait(): decides from the SPF verdict (result and the domain
 * it authenticated; MAIL FROM domain, or HELO domain for <>) and the DKIM
 * verdict (NULL = unsigned).  pass: an aligned SPF or DKIM pass; fail:
 * neither (applied says which policy applies; pct is reported, sampling is
 * the caller's); none: no usable record; temperror: a record lookup failed,
 * or it is not aligned-pass and an aligned SPF/DKIM result was temperror;
 * permerror: the From field problems of dmarc_start_from(). */
void dmarc_finish(dmarc_verdict *v, auth_result spf, const char *spf_domain, const dkimv_verdict *dkim);
/* Identifier alignment (RFC 7489 3.1): strict = same name, relaxed = same
 * organizational domain (a public suffix is its own, so d=com never aligns
 * with example.com).  1 or 0; 0 for a name that is not a domain. */
int dmarc_aligned(const char *domain, const char *from_domain, int strict);
/* {"result", "from_domain", "org_domain", "record_domain", "record",
 *  "policy", "sp", "np", "applied", "pct", "adkim", "aspf", "spf_aligned",
 *  "dkim_aligned", "reason"}; absent values are null. */
json_object *dmarc_json(const dmarc_verdict *v);
/* "none", "quarantine", "reject"; "unset" for DMARC_P_UNSET. */
const char *dmarc_policy_str(dmarc_policy p);

/* ---------- record discovery (RFC 7489 6.6.3) ---------- */

/* Where the discovery stands: waiting for answers, a lookup failed, no
 * record, several records (no policy applies), exactly one record. */
typedef enum { DMARC_DISC_WAIT, DMARC_DISC_TEMP, DMARC_DISC_NONE, DMARC_DISC_MULTI, DMARC_DISC_FOUND } dmarc_disc_state;

/* The discovery for one domain: the caller stores the TXT answers of
 * _dmarc.<domain> (at_from) and of _dmarc.<org domain> (at_org, not asked
 * when same) as they arrive and calls dmarc_disc_step(). */
typedef struct dmarc_disc {
	const dns_answer *at_from, *at_org;
	int same;                    /* org domain == from domain */
	dmarc_disc_state st;
	const dns_answer *used;      /* the answer decided on */
	const dns_rr *rr;            /* DMARC_DISC_FOUND: the record */
	size_t n;                    /* v=DMARC1 records in used */
} dmarc_disc;

/* Moves the discovery on as far as the answers allow; returns the state
 * (also in d->st once decided). */
dmarc_disc_state dmarc_disc_step(dmarc_disc *d);
/* Was the record (or its absence) taken from the organizational domain?
 * 1 or 0. */
int dmarc_disc_from_org(const dmarc_disc *d);
/* The v=DMARC1 records of an answer: their number, the first in *one. */
size_t dmarc_count_records(const dns_answer *a, const dns_rr **one);
/* The organizational domain of domain into out, or the name itself when it
 * is a public suffix (3.2 defines none then; using the name keeps a suffix
 * from aligning with anything but itself).  0, or -1 if not a domain. */
int dmarc_org_or_self(const char *domain, char *out, size_t outlen);

#endif
