#ifndef MXR_PROBE_H
#define MXR_PROBE_H
/*
 * The active probe of a domain's mail servers: MX -> A/AAAA/TLSA on the
 * shared resolver, then every global address of every MX in parallel over
 * SMTP (EHLO, STARTTLS, TLS handshakes, MAIL FROM:<>, RCPT TO:<postmaster>,
 * QUIT; never DATA), at most one connection at a time and at most 3
 * sessions (5 deep) per address.  Opens sockets: this layer sits beside the
 * core, never inside it.  The checks and the JSON evidence are in
 * preport.h.
 */
#include <stddef.h>
#include "dns.h"
#include "smtpc.h"
#include "tlsgrade.h"

#define PROBE_MAX_HOSTS 10        /* MX hosts, as the readiness checks   */
#define PROBE_MAX_ADDRS 8         /* addresses probed per host and family */
#define PROBE_SESSIONS 3          /* sessions per address                */
#define PROBE_SESSIONS_DEEP 5     /* with probe_opts.deep                */
#define PROBE_STEP_TIMEOUT 10.0   /* seconds per step, within the whole  */
#define PROBE_CHAIN_MAX 10        /* certificates of a chain kept        */
#define PROBE_PORT 25

typedef struct probe_opts {
	const char *helo;        /* our EHLO name                            */
	const char *ca_file;     /* trust store for `trusted`; NULL = system  */
	double timeout;          /* the whole network phase, seconds          */
	int deep;                /* the DHE-only and ECDSA-only handshakes    */
} probe_opts;

typedef enum {
	PROBE_TCP_NONE = 0, PROBE_TCP_OK, PROBE_TCP_REFUSED, PROBE_TCP_TIMEOUT,
	PROBE_TCP_UNREACHABLE, PROBE_TCP_ERROR
} probe_tcp;

typedef enum {
	PROBE_TLS_NOT_TRIED = 0, PROBE_TLS_OK, PROBE_TLS_NOT_OFFERED, PROBE_TLS_REFUSED,
	PROBE_TLS_FAILED
} probe_tls;

typedef enum {
	PROBE_DANE_NONE = 0, PROBE_DANE_VALIDATED, PROBE_DANE_FAILED, PROBE_DANE_BOGUS
} probe_dane;

/* What one probed address showed.  Strings are printable and bounded. */
typedef struct probe_addr {
	const char *host;            /* MX name (lower case)                 */
	unsigned preference;
	char address[64];
	int family;                  /* 4 or 6                               */
	probe_tcp tcp;
	long connect_ms;             /* -1 unknown                           */
	int banner_code;             /* 0 = none                             */
	char banner[SMTPC_TEXT_MAX];
	probe_tls starttls;
	char tls_error[128];         /* why a handshake failed               */
	int injection;               /* bytes followed the STARTTLS 220      */
	int tls_version;             /* OpenSSL's number, 0 = none           */
	char cipher[80];             /* IANA name                            */
	char group[32];              /* "x25519", "ffdhe3072", "dh-1024", "" */
	int dh_bits;
	int legacy[2];               /* TLS 1.0 / 1.1 accepted               */
	int legacy_unknown;          /* the capped handshake could not run   */
	char weak_cipher[80];        /* an insufficient suite accepted       */
	int weak_unknown;            /* the insufficient-suites session could not run */
	char dhe_group[32];          /* deep: group of a DHE-only handshake  */
	int dhe_bits;
	char ecdsa_key[32];          /* deep: key of an ECDSA-only handshake */
	int have_cert;
	tlsgrade_cert chain[PROBE_CHAIN_MAX];
	size_t n_chain;
	int trusted, name_match;
	probe_dane dane;
	char dane_record[300];       /* "usage selector mtype hex" matched    */
	int dane_depth;              /* -1 none                              */
	int pm_code;                 /* 0 = not asked                        */
	char pm_text[SMTPC_TEXT_MAX];
	int pm_at_mail;              /* MAIL FROM:<> itself was refused      */
	int rate_limited;
	int sessions;
	int timed_out_step;          /* a step ran out of time               */
	char step[16];               /* the step that ran out, "" if none    */
} probe_addr;

/* One MX host and its DNS facts. */
typedef struct probe_host {
	const char *name;
	unsigned preference;
	const dns_answer *a, *aaaa, *tlsa;
	size_t n_skipped;            /* non-global addresses not probed      */
	const char *skipped[PROBE_MAX_ADDRS];
} probe_host;

typedef struct probe {
	dns_run *run;
	char domain[DNS_TEXT_MAX + 1];
	const dns_answer *mx, *a, *aaaa, *tlsa;
	int null_mx, implicit, dns_temp;
	probe_host host[PROBE_MAX_HOSTS];
	size_t n_host;
	probe_addr *addr;
	size_t n_addr;
	int ran;                     /* the network phase ran                */
	double seconds;              /* its wall time                        */
	char error[160];             /* why it could not run, "" if it did   */
} probe;

/* Submits the lookups (MX, then addresses and TLSA of each host) on run;
 * the facts are complete after dns_run_wait(run).  Never NULL. */
probe *probe_new(dns_run *run, const char *domain);
/* The network phase: every address at once, within o->timeout seconds.
 * Call after dns_run_wait(). */
void probe_run(probe *p, const probe_opts *o);
/* Frees the probe (the run's answers stay with the run).  NULL is a no-op. */
void probe_free(probe *p);

/* Keywords of the enums for JSON and text. */
const char *probe_tcp_str(probe_tcp t);
const char *probe_tls_str(probe_tls t);
const char *probe_dane_str(probe_dane d);

#endif
