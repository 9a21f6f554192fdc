#ifndef MXR_RCONF_H
#define MXR_RCONF_H
/*
 * The autoresponder's own settings (responder.conf, same "name = value"
 * syntax as mxready.conf; DNS, logging and the authserv-id come from the
 * shared mxready.conf).  Every key is documented in docs/responder.md and
 * conf/responder.conf.
 */
#include <stddef.h>

#define RCONF_STR_MAX 256
#define RCONF_MAX_DOMAINS 16

typedef enum { RCONF_BACKSCATTER_SUPPRESS = 0, RCONF_BACKSCATTER_REPLY } rconf_backscatter;
typedef enum { RCONF_STATE_LMDB = 0, RCONF_STATE_REDIS } rconf_state_backend;

typedef struct rconf {
	char v6only_address[RCONF_STR_MAX];   /* the test address; From of reply B */
	char dual_address[RCONF_STR_MAX];     /* From of reply A and of notices */
	char display_name[RCONF_STR_MAX];
	char bounce_prefix[RCONF_STR_MAX];    /* bounce+TOKEN@<dual domain> */
	char dkim_dual_key[RCONF_STR_MAX], dkim_dual_selector[RCONF_STR_MAX];
	char dkim_v6_key[RCONF_STR_MAX], dkim_v6_selector[RCONF_STR_MAX];
	char token_secret[RCONF_STR_MAX];
	unsigned token_lifetime;              /* seconds */
	char state_dir[RCONF_STR_MAX];
	rconf_state_backend state_backend;    /* lmdb (one host) or redis (several) */
	size_t state_max_size;                /* LMDB map size, octets */
	char redis_server[RCONF_STR_MAX];     /* unix:/path, host:port, [v6addr]:port */
	char redis_password_file[RCONF_STR_MAX];
	double redis_timeout;                 /* seconds: connect, each command */
	unsigned ipv6_client_prefix;          /* IPv6 clients share a limit per /N */
	char submit[RCONF_STR_MAX];           /* host:port of a local smtpd without milters */
	unsigned rate_per_address, rate_per_domain, rate_per_client;   /* per day */
	unsigned rate_total;                  /* per hour */
	size_t max_message_size;              /* octets read; larger mails are not quoted */
	rconf_backscatter backscatter;
	char our_domains[RCONF_MAX_DOMAINS][RCONF_STR_MAX];
	size_t n_our_domains;
	double readiness_timeout;
	double probe_timeout;                 /* the sender's MX probe, seconds; 0 = off */
} rconf;

/* Defaults; never NULL (aborts on ENOMEM).  rconf_free(NULL) is a no-op. */
rconf *rconf_new(void);
void rconf_free(rconf *c);
/* Reads path.  0, or -1 with "path:line: message" in err.  After loading,
 * the domains of both addresses are added to our_domains. */
int rconf_load(rconf *c, const char *path, char *err, size_t errlen);
/* The domain part of an address (after the last '@'), or "". */
const char *rconf_domain_of(const char *addr);

#endif
