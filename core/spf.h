#ifndef MXR_SPF_H
#define MXR_SPF_H
/*
 * SPF (RFC 7208): an in-house evaluator on the shared resolver (see
 * docs/spf.md for why libspf2 is not the engine), and the parsed form of a
 * record that the spf_record readiness check (core/ready_spf.h) walks.
 */
#include <stddef.h>
#include <json-c/json.h>
#include "dns.h"
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

/* ---------- one record, parsed (RFC 7208 4.6, 5, 6, ABNF of 12) ---------- */

/* The kind of a term: mechanisms (5) and modifiers (6). */
typedef enum {
	SPF_T_ALL, SPF_T_INCLUDE, SPF_T_A, SPF_T_MX, SPF_T_PTR, SPF_T_IP4, SPF_T_IP6, SPF_T_EXISTS,
	SPF_T_REDIRECT, SPF_T_EXP, SPF_T_UNKNOWN
} spf_term_kind;

typedef struct spf_term {
	spf_term_kind kind;
	char qual;                  /* + - ~ ? */
	const char *spec;           /* domain-spec (macro-string); NULL = <domain> */
	size_t speclen;
	int cidr4, cidr6;           /* prefix lengths; defaults 32 / 128 */
	unsigned char net[16];      /* ip4 / ip6 network */
	const char *text;           /* the term as written */
	size_t textlen;
} spf_term;

typedef struct spf_rec {
	spf_term *t;
	size_t n;
	int redirect, exp, all;     /* term index, -1 if absent */
} spf_rec;

/* Is txt an SPF record: "v=spf1" alone or followed by a space (4.5)?
 * 1 or 0. */
int spf_is_record(const char *txt, size_t len);
/* The number of terms of a record that starts with "v=spf1": the capacity
 * spf_parse_record() needs. */
size_t spf_count_terms(const char *txt, size_t len);
/* Parses a whole record into r, its terms into buf (cap entries; pointers
 * into txt, which must outlive r).  Returns 0, or -1 with the reason in err
 * (the record is permerror then, 4.6). */
int spf_parse_record(const char *txt, size_t len, spf_rec *r, spf_term *buf, size_t cap,
    char *err, size_t errlen);
/* Turns an expanded domain-spec into a lookup name: final dot dropped, left
 * labels removed while over 253 octets (7.3), then every label 1..63 octets
 * of characters the resolver can ask for, lower-cased.  Returns 0 or -1
 * (no such name: the mechanism does not match, 4.8). */
int spf_target_name(const char *in, size_t n, char *out, size_t outlen);

#endif
