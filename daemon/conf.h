#ifndef MXR_CONF_H
#define MXR_CONF_H
/*
 * The configuration file shared by every mxready program
 * (mxready-milter, mxready-policyd, ...): lines of "name = value",
 * '#' starts a comment (at line start or after white space), blank lines are
 * ignored.  Every key and its default is documented in conf/mxready.conf and
 * man/mxready.conf.5.  Unknown keys, bad values and values out of range are
 * errors reported as "FILE:LINE: message".  A scalar key given twice in one
 * file is an error; list keys (dns_resolver, trusted_networks) may be
 * repeated and accumulate, and each value may also be a comma or space
 * separated list.
 *
 * Usage:
 *     conf *c = conf_new();
 *     if (conf_load(c, path, err, sizeof err) < 0) -> print err, exit 2
 *     conf_set(c, "log_file", "stderr", err, sizeof err);   // -o overrides
 *     ... read the fields directly, never write them ...
 *     conf_free(c);
 * A conf is read-only once loaded and may be shared by threads.
 */
#include <stddef.h>
#include <stdio.h>

#include "dns.h"

/* What to do with a message (milter) or a transaction (policy daemon). */
typedef enum {
	CONF_ACT_ACCEPT = 0,   /* deliver, add headers                          */
	CONF_ACT_TAG,          /* deliver, add headers, note it in the log      */
	CONF_ACT_QUARANTINE,   /* deliver into Postfix's hold queue             */
	CONF_ACT_TEMPFAIL,     /* 4xx                                           */
	CONF_ACT_REJECT        /* 5xx                                           */
} conf_action;

typedef enum {
	CONF_LOG_ERR = 3, CONF_LOG_WARNING = 4, CONF_LOG_NOTICE = 5,
	CONF_LOG_INFO = 6, CONF_LOG_DEBUG = 7   /* = syslog priorities */
} conf_log_level;

#define CONF_STR_MAX 256
#define CONF_MAX_RESOLVERS 8
#define CONF_MAX_NETWORKS 64

/* One trusted network in binary form (IPv4 as family 4, 4 octets). */
typedef struct conf_net {
	int family;                 /* 4 or 6 */
	unsigned char addr[16];
	unsigned prefix;            /* bits */
	char text[72];              /* normalised "addr/prefix" */
} conf_net;

typedef struct conf {
	/* sockets and process */
	char milter_socket[CONF_STR_MAX];    /* unix:PATH | inet:PORT@HOST | inet6:PORT@HOST */
	char policy_socket[CONF_STR_MAX];    /* same syntax */
	double policy_read_timeout;          /* policyd: seconds to finish a started request */
	double policy_idle_timeout;          /* policyd: seconds idle between requests */
	char user[CONF_STR_MAX];             /* drop root to this user; "" = stay */
	char pidfile[CONF_STR_MAX];          /* "" = none */
	/* authentication results */
	char authserv_id[CONF_STR_MAX];      /* default: the host name */
	/* DNS */
	char dns_resolver[CONF_MAX_RESOLVERS][CONF_STR_MAX]; /* ADDR or ADDR@PORT */
	size_t n_dns_resolver;               /* 0 = full recursion */
	char dns_trust_anchor[CONF_STR_MAX]; /* "" = built-in root anchor */
	char dns_table[CONF_STR_MAX];        /* testing: table file backend */
	double dns_timeout;                  /* seconds per message/request */
	unsigned dns_cache_size;             /* answers kept in front of libunbound; 0 = no cache */
	unsigned dns_cache_max_ttl;          /* seconds an answer is kept at most */
	/* trust */
	conf_net trusted_networks[CONF_MAX_NETWORKS];
	size_t n_trusted_networks;
	int use_client_resolve;              /* reuse Postfix's {client_resolve} */
	/* actions */
	conf_action action_spf_fail;
	conf_action action_iprev_fail;
	conf_action action_dmarc_reject;
	conf_action action_dmarc_quarantine;
	conf_action action_dmarc_permerror;   /* several From fields or mailboxes */
	conf_action action_null_mx;
	conf_action action_temperror;        /* accept or tempfail only */
	/* headers and checks */
	int readiness_checks;                /* run the readiness checks at all */
	int readiness_header;                /* add the MXReady-Report header */
	double readiness_cache;              /* milter: seconds a domain's readiness is reused; 0 = off */
	/* logging */
	int syslog_facility;                 /* LOG_MAIL, LOG_LOCAL0, ... */
	conf_log_level log_level;
	char log_file[CONF_STR_MAX];         /* "" = syslog, "stderr", or a path */
} conf;

/* A configuration holding every default.  Never NULL (aborts on ENOMEM). */
conf *conf_new(void);
/* Frees c.  NULL is a no-op. */
void conf_free(conf *c);
/* Reads path into c.  Returns 0, or -1 with "path:line: message" (or
 * "path: strerror") in err.  On error c may be partly updated; discard it. */
int conf_load(conf *c, const char *path, char *err, size_t errlen);
/* Sets one key from text (command-line overrides; replaces lists instead of
 * appending).  Returns 0, or -1 with "name: message" in err. */
int conf_set(conf *c, const char *name, const char *value, char *err, size_t errlen);
/* Applies one "NAME=VALUE" command-line override (-o).  0; -1 if the text
 * is not NAME=VALUE (a usage error); -2 if the setting is refused.  err
 * gets the message in both cases. */
int conf_set_assignment(conf *c, const char *assignment, char *err, size_t errlen);
/* What a daemon does at start: loads path (if it exists, or always when
 * must_exist), then applies the n_over "NAME=VALUE" overrides in order.
 * 0; -1 for a malformed override (usage); -2 for a refused file or setting.
 * err gets the message. */
int conf_load_cli(conf *c, const char *path, int must_exist, char *const *over, size_t n_over,
    char *err, size_t errlen);
/* Prints the effective configuration in the file's own format, every key,
 * in a fixed order (the -n option). */
void conf_print(const conf *c, FILE *f);

/* 1 if the textual address ip (IPv4, IPv6, IPv4-mapped IPv6) lies in a
 * trusted network, else 0. */
int conf_is_trusted(const conf *c, const char *ip);
/* Fills *o and fwd (room for CONF_MAX_RESOLVERS pointers into c) for
 * dns_resolver_new(). */
void conf_dns_options(const conf *c, dns_options *o, const char **fwd);

/* Keywords: "accept", "tag", "quarantine", "tempfail", "reject". */
const char *conf_action_str(conf_action a);
/* Checks a socket specification; returns 0 or -1 with a message in err. */
int conf_socket_check(const char *spec, char *err, size_t errlen);

#endif
