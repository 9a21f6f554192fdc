#ifndef MXR_DKIMV_H
#define MXR_DKIMV_H
/*
 * DKIM verification (RFC 6376, 8301, 8463) with libopendkim; keys are
 * fetched through the shared resolver so the cache, the DNSSEC state and the
 * run's deadline apply (libopendkim's own lookups turn SERVFAIL into "no
 * key").  Prefix dkimv_ because libopendkim owns dkim_.
 */
#include <stddef.h>
#include <json-c/json.h>
#include "dns.h"
#include "result.h"

#define DKIMV_MAX_SIGS   8     /* signatures evaluated per message        */
#define DKIMV_MIN_BITS 1024    /* RFC 8301 3.2: shorter RSA keys fail       */

typedef struct dkimv_lib dkimv_lib;   /* one per process, thread-safe     */
typedef struct dkimv_msg dkimv_msg;   /* one per message                  */

typedef struct dkimv_sig {
	auth_result result;          /* pass fail neutral temperror permerror policy */
	char domain[DNS_TEXT_MAX + 1];   /* d= */
	char selector[DNS_LABEL_MAX * 2 + 2]; /* s= */
	char algorithm[24];          /* a=, e.g. "rsa-sha256", "ed25519-sha256" */
	char b[16];                  /* the first 8 characters of b= (RFC 6008) */
	char identity[DNS_TEXT_MAX + 66]; /* i=, "" if absent */
	unsigned key_bits;           /* 0 if unknown */
	dns_sec key_sec;             /* DNSSEC state of the key record */
	int key_fetched;             /* the key record was looked up (key_sec
	                              * means something); 0 for rsa-sha1 and
	                              * signatures libopendkim rejected first */
	char reason[128];
} dkimv_sig;

/* Results (docs/dkim.md): pass; fail = signature or body hash mismatch,
 * rsa-sha1, RSA key under DKIMV_MIN_BITS, expired; temperror = the key
 * lookup failed (DNS failure, deadline, DNSSEC bogus); permerror = no key,
 * revoked or unusable key record; neutral = DKIM-Signature syntax error. */
typedef struct dkimv_verdict {
	/* the best of the signatures (pass > temperror > fail > policy >
	 * neutral > permerror); none if unsigned */
	auth_result result;
	size_t n;                    /* signatures evaluated (<= DKIMV_MAX_SIGS) */
	size_t n_seen;               /* DKIM-Signature fields seen (fields past
	                              * DKIMV_MAX_SIGS are not given to
	                              * libopendkim at all) */
	dkimv_sig sig[DKIMV_MAX_SIGS];
} dkimv_verdict;

/* The process-wide libopendkim context (thread-safe, one per process);
 * NULL with a message in err if libopendkim cannot be set up. */
dkimv_lib *dkimv_lib_new(char *err, size_t errlen);
void dkimv_lib_free(dkimv_lib *lib);           /* NULL is a no-op */

/* Starts verifying one message; key lookups go through run (prefetched
 * asynchronously at dkimv_eoh, answered from the run at dkimv_eom).
 * id names the message in libopendkim's state.  Never NULL. */
dkimv_msg *dkimv_msg_new(dkimv_lib *lib, dns_run *run, const char *id);
/* One header field as received: name, and value without the colon (leading
 * white space and folding kept, "\r\n" or "\n" line ends). */
void dkimv_header(dkimv_msg *m, const char *name, const char *value);
void dkimv_eoh(dkimv_msg *m);
void dkimv_body(dkimv_msg *m, const unsigned char *p, size_t len);
/* Finishes and fills *v.  Call after dns_run_wait() of the run is not
 * required: missing keys are looked up (blocking, same deadline). */
void dkimv_eom(dkimv_msg *m, dkimv_verdict *v);
void dkimv_msg_free(dkimv_msg *m);             /* NULL is a no-op */

/* Convenience: verifies a whole RFC 5322 message in memory. */
void dkimv_verify_buffer(dkimv_lib *lib, dns_run *run, const char *msg, size_t len, dkimv_verdict *v);
/* {"result", "signatures": [{"domain","selector","algorithm","result",
 *  "key_bits","key_dnssec","reason"}...]} */
json_object *dkimv_json(const dkimv_verdict *v);
/* (also "signatures_seen", and per signature "b" and "identity";
 * "key_dnssec" is null if the key was not looked up) */

#endif
