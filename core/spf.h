#ifndef MXR_SPF_H
#define MXR_SPF_H
/*
 * SPF (RFC 7208): an in-house evaluator on the shared resolver (see
 * docs/spf.md for why libspf2 is not the engine), and the spf_record
 * readiness check.
 */
#include <stddef.h>
#include <json-c/json.h>
#include "dns.h"
#include "ready.h"
#include "result.h"

#define SPF_MAX_LOOKUPS   10  /* RFC 7208 4.6.4: DNS-querying terms        */
#define SPF_MAX_VOID       2  /* RFC 7208 4.6.4: void lookups              */
#define SPF_MAX_NAMES     10  /* RFC 7208 4.6.4: MX/PTR names per term      */
#define SPF_RECORD_MAX  4096  /* longest record text accepted               */

typedef enum { SPF_SCOPE_MAILFROM, SPF_SCOPE_HELO } spf_scope;

/* The verdict of one check_host() (RFC 7208 4). */
typedef struct spf_verdict {
	auth_result result;              /* pass fail softfail neutral none temperror permerror */
	spf_scope scope;
	char identity[DNS_TEXT_MAX + 66];  /* "local@domain", postmaster@HELO for <> */
	char domain[DNS_TEXT_MAX + 1];   /* the domain checked first              */
	char mechanism[128];             /* matching term, "default" if none matched */
	char reason[256];                /* why, printable ASCII                  */
	char explanation[256];           /* exp= text on fail, printable, "" if none */
	unsigned lookups, void_lookups;
	struct spf_priv *priv;           /* private: evaluation in flight         */
} spf_verdict;

/* Starts check_host() for scope on run.  client_ip: the client address
 * (IPv4-mapped IPv6 is taken as IPv4); helo: the HELO/EHLO name (may be
 * NULL/""); mail_from: the MAIL FROM address without brackets ("" = null
 * sender, checked as postmaster@helo).  *v is complete once
 * dns_run_wait(run) has returned; call spf_verdict_clear() afterwards. */
void spf_start(dns_run *run, spf_scope scope, const char *client_ip,
    const char *helo, const char *mail_from, spf_verdict *v);
/* Releases what spf_start() kept (v stays readable): call it after
 * dns_run_wait(run) and before dns_run_free(run), whose arena holds the
 * evaluation state.  NULL is a no-op. */
void spf_verdict_clear(spf_verdict *v);
/* {"result", "scope", "identity", "domain", "mechanism", "reason",
 *  "explanation", "lookups", "void_lookups"} */
json_object *spf_json(const spf_verdict *v);

/* Syntax check of one record (RFC 7208 12 ABNF).  Returns 0, or -1 with
 * the reason in err.  The fuzz target's entry point. */
int spf_record_check(const char *txt, size_t len, char *err, size_t errlen);

/* Starts the spf_record readiness check of domain on run; it fills *it
 * (status, summary, hint, data: record, lookups, void_lookups, all) once
 * dns_run_wait(run) has returned.  it->data is created by the call. */
void spf_policy_start(dns_run *run, const char *domain, ready_item *it);

#endif
