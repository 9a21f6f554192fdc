#ifndef MXR_DNS_H
#define MXR_DNS_H
/*
 * The one resolver of a process.  Every lookup of the core goes through here:
 * one libunbound context (one cache) shared by every thread, DNSSEC state on
 * every answer, and a deadline per run.  A table backend answers from a text
 * file instead of the network, for unit tests and the RFC 7208 suite.
 */
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX  255   /* RFC 1035 2.3.4: octets of a wire name   */
#define DNS_LABEL_MAX 63    /* RFC 1035 2.3.4: octets of one label     */
#define DNS_TEXT_MAX  253   /* longest name in presentation form       */

/* RR types used by the core (numbers from the IANA registry). */
enum {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6,
	DNS_T_PTR = 12, DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28,
	DNS_T_DS = 43, DNS_T_DNSKEY = 48, DNS_T_TLSA = 52
};

typedef enum {
	DNS_ANSWER,     /* records of the asked type are present          */
	DNS_NXDOMAIN,   /* the name does not exist                        */
	DNS_NODATA,     /* the name exists, no records of that type       */
	DNS_TEMPERROR   /* SERVFAIL, REFUSED, timeout, deadline, bogus... */
} dns_outcome;

typedef enum { DNS_INSECURE, DNS_SECURE, DNS_BOGUS } dns_sec;

typedef struct dns_rr {
	const unsigned char *rdata;  /* wire rdata (names uncompressed) */
	size_t rdlen;
	/*
	 * Decoded form: TXT = the character-strings concatenated (textlen
	 * octets, may hold NUL); A/AAAA = presentation address; MX/NS/PTR/
	 * CNAME = target in lower case without the final dot ("" = root);
	 * TLSA = "usage selector mtype hex"; other types = NULL.
	 */
	const char *text;
	size_t textlen;
	unsigned pref;               /* MX preference                   */
} dns_rr;

typedef struct dns_answer {
	const char *qname;           /* as asked, lower case, no final dot */
	int qtype;
	dns_outcome outcome;
	dns_sec sec;
	const char *why_bogus;       /* set when sec == DNS_BOGUS          */
	const char *canonname;       /* CNAME target if one was followed, else NULL */
	int rcode;                   /* DNS rcode, -1 if none arrived      */
	size_t n;
	const dns_rr *rr;
} dns_answer;

typedef struct dns_options {
	const char *const *forwarders;  /* "ADDR" or "ADDR@PORT"; NULL = full recursion */
	size_t n_forwarders;
	const char *trust_anchor_file;  /* NULL = the root anchor from dns-root-data */
	const char *table_file;         /* table backend instead of libunbound    */
	/*
	 * Answer cache in front of libunbound: a repeated lookup is answered
	 * in dns_submit() without crossing to libunbound's thread.  Only
	 * answers, NXDOMAIN and NODATA that are not bogus are kept, for their
	 * TTL (as libunbound reports it) and never longer than cache_max_ttl
	 * seconds (NXDOMAIN/NODATA: 60 s at most); temperror is never kept.
	 * At most cache_entries answers and DNS_CACHE_BYTES octets, the least
	 * recently used going first.  0 = the defaults below; cache_entries
	 * < 0 turns the cache off.  The table backend has none.
	 */
	int cache_entries;              /* 0 = DNS_CACHE_ENTRIES */
	int cache_max_ttl;              /* 0 = DNS_CACHE_MAX_TTL */
} dns_options;

#define DNS_CACHE_ENTRIES  10000
#define DNS_CACHE_MAX_TTL  300           /* seconds                         */
#define DNS_CACHE_NEG_TTL  60            /* seconds, NXDOMAIN and NODATA    */
#define DNS_CACHE_BYTES    (32u << 20)   /* memory bound of the cache       */

typedef struct dns_cache_stats {
	size_t entries, bytes;
	unsigned long long hits, misses, stores, evictions;
} dns_cache_stats;

typedef struct dns_resolver dns_resolver;
typedef struct dns_run dns_run;

/* The callback of one lookup.  Runs in the thread that calls dns_run_wait(),
 * never concurrently with another callback of the same run.  The answer lives
 * until dns_run_free(). */
typedef void dns_cb(dns_run *run, const dns_answer *ans, void *arg);

/* Creates the resolver.  On error returns NULL with a message in err. */
dns_resolver *dns_resolver_new(const dns_options *opt, char *err, size_t errlen);
/* Frees the resolver; every run must be freed first.  NULL is a no-op. */
void dns_resolver_free(dns_resolver *res);

/* Counters of the answer cache (all 0 when it is off). */
void dns_resolver_cache_stats(dns_resolver *res, dns_cache_stats *st);

/* One check run: the lookups submitted to it share a deadline of timeout
 * seconds from now.  Not shared between threads; many runs may be live at
 * once in different threads on one resolver. */
dns_run *dns_run_new(dns_resolver *res, double timeout);
/* Frees the run and every answer it delivered; outstanding lookups are
 * cancelled.  NULL is a no-op. */
void dns_run_free(dns_run *run);

/* Submits a lookup; cb is called once with the answer (a temperror answer on
 * deadline, on an invalid name, or when the lookup cannot be sent).  Identical
 * lookups of one run are sent once and answered from the first.  A cached
 * answer is queued too: cb never runs inside dns_submit(). */
void dns_submit(dns_run *run, const char *name, int qtype, dns_cb *cb, void *arg);
/* Delivers answers until no lookup is outstanding; lookups submitted from
 * callbacks are waited for too.  Past the deadline every outstanding lookup
 * is answered with DNS_TEMPERROR ("deadline"). */
void dns_run_wait(dns_run *run);
/* Number of lookups the run has sent (after de-duplication; lookups answered
 * from the answer cache count too, as libunbound's cache hits always did). */
size_t dns_run_queries(const dns_run *run);
/* The targets of an MX answer in the order a sender tries them (RFC 5321
 * 5.1: preference, then name, for a stable report), into v (room for
 * ans->n pointers); returns how many.  A null MX ("MX 0 .", RFC 7505) is not
 * a target: *null_mx is set to 1 when there is one (else left alone). */
size_t dns_mx_targets(const dns_answer *ans, const dns_rr **v, int *null_mx);
/* Allocates n bytes that live as long as the run (zeroed). */
void *dns_run_alloc(dns_run *run, size_t n);
/* Copies s into the run's arena. */
char *dns_run_strdup(dns_run *run, const char *s);

/* Blocking single lookup on its own short run; the answer is copied into
 * the caller's run.  Convenience for code that cannot be asynchronous. */
const dns_answer *dns_lookup(dns_run *run, const char *name, int qtype);

/* Decodes rr->rdata/rdlen of type qtype into rr->text/textlen/pref (strings
 * allocated on run).  Malformed rdata leaves rr->text NULL. */
void dns_decode_rdata(dns_run *run, int qtype, dns_rr *rr);

/* Name helpers. */
/* Normalises a domain name into out (lower case, no final dot).  Returns 0,
 * or -1 with a message in err if the name is not a valid host name (empty
 * label, label over 63 octets, name over 253, characters outside
 * letters/digits/hyphen/underscore). */
int dns_name_normalize(const char *in, char *out, size_t outlen, char *err, size_t errlen);
/* Reverse lookup name of an IPv4/IPv6 address ("4.3.2.1.in-addr.arpa"). */
int dns_ptr_name(const char *addr, char *out, size_t outlen);
const char *dns_outcome_str(dns_outcome o);
/* Why a lookup gave no data, for messages: the DNSSEC or deadline reason,
 * "SERVFAIL"/"REFUSED", "DNS failure" for another temperror, else the
 * outcome keyword; "no answer" for NULL. */
const char *dns_failure_str(const dns_answer *a);
const char *dns_sec_str(dns_sec s);
const char *dns_type_str(int qtype);

#endif
