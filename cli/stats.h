#ifndef MXR_STATS_H
#define MXR_STATS_H
/*
 * `mxready stats`: the verdict lines of mxready-milter, mxready-policyd and
 * mxready-responder (docs/logging.md, docs/responder.md) summed up; the
 * figures and their JSON names are documented in docs/stats.md.  stats.c
 * reads and counts, stats_report.c writes text and JSON, stats_html.c the
 * HTML page, stats_cmd.c is the command.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "stab.h"

/* auth results (RFC 8601 words), "-" = not checked */
enum { STATS_R_PASS, STATS_R_FAIL, STATS_R_SOFTFAIL, STATS_R_NEUTRAL, STATS_R_NONE,
	STATS_R_TEMPERROR, STATS_R_PERMERROR, STATS_R_POLICY, STATS_R_UNCHECKED, STATS_R_OTHER, STATS_R_N };
/* readiness statuses */
enum { STATS_K_PASS, STATS_K_INFO, STATS_K_WARN, STATS_K_FAIL, STATS_K_TEMPERROR,
	STATS_K_UNCHECKED, STATS_K_OTHER, STATS_K_N };
enum { STATS_A_ACCEPT, STATS_A_TAG, STATS_A_QUARANTINE, STATS_A_REJECT, STATS_A_TEMPFAIL,
	STATS_A_OTHER, STATS_A_N };
enum { STATS_F_IPV4, STATS_F_IPV6, STATS_F_NONE, STATS_F_N };
/* how DMARC passed: aligned DKIM only, aligned SPF only, both, not logged */
enum { STATS_V_DKIM, STATS_V_SPF, STATS_V_BOTH, STATS_V_UNKNOWN, STATS_V_N };
/* readiness checks kept per sender domain */
enum { STATS_C_MX, STATS_C_MX_IPV6, STATS_C_DNSSEC, STATS_C_DANE, STATS_C_N };
/* IPv6 bounce classes of the responder */
enum { STATS_B_NO_AAAA, STATS_B_REFUSED, STATS_B_INVALID_RCPT, STATS_B_PROTOCOL, STATS_B_OTHER, STATS_B_N };

/* counters of a sender-domain row (stab columns) */
enum { STATS_D_MSGS, STATS_D_FAILING, STATS_D_SPF_FAIL, STATS_D_DKIM_FAIL, STATS_D_DMARC_FAIL,
	STATS_D_IPREV_FAIL, STATS_D_READY };  /* READY: STATS_C_N statuses packed in bytes */
/* counters of an hour row: STATS_F_* */

/* the words of each enum, as they appear in the reports and the JSON keys */
static const char *const stats_r_words[STATS_R_N] = { "pass", "fail", "softfail", "neutral", "none",
	"temperror", "permerror", "policy", "not_checked", "other" };
static const char *const stats_k_words[STATS_K_N] = { "pass", "info", "warn", "fail", "temperror",
	"not_checked", "other" };
static const char *const stats_a_words[STATS_A_N] = { "accept", "tag", "quarantine", "reject", "tempfail", "other" };
static const char *const stats_f_words[STATS_F_N] = { "ipv4", "ipv6", "none" };
static const char *const stats_v_words[STATS_V_N] = { "dkim_only", "spf_only", "both", "not_logged" };
static const char *const stats_c_words[STATS_C_N] = { "mx", "mx_ipv6", "dnssec", "dane" };
static const char *const stats_b_words[STATS_B_N] = { "no_aaaa_for_mx", "refused_or_timeout",
	"invalid_recipient", "protocol_or_tls", "other" };

typedef struct stats_inbound {
	const char *name;               /* "milter", "policyd" */
	uint64_t lines;                 /* verdict lines read */
	uint64_t family[STATS_F_N];
	uint64_t spf[STATS_R_N], dkim[STATS_R_N], dmarc[STATS_R_N], iprev[STATS_R_N];
	uint64_t dmarc_via[STATS_V_N];
	uint64_t action[STATS_A_N];
	uint64_t temperror;             /* a temperror in a check, or tempfail */
	uint64_t failing;               /* some check failed */
	uint64_t truncated;             /* lines marked truncated=yes */
	stab *reasons;                  /* reason of reject/tempfail/quarantine/tag */
	stab *domains;                  /* sender domain: STATS_D_* */
	stab *instances;                /* policyd: distinct instance values */
	stab *hours;                    /* "YYYY-MM-DD HH": STATS_F_* */
} stats_inbound;

typedef struct stats_resp {
	uint64_t tests;                 /* test mails decided (not deferred) */
	uint64_t test_deferred;
	uint64_t replied, a_sent, a_failed, b_sent, b_failed;
	uint64_t failed;                /* neither reply taken (decision=failed) */
	uint64_t suppressed;
	stab *suppress_reasons;
	stab *senders, *sender_domains;
	uint64_t family[STATS_F_N];     /* of the test mails */
	uint64_t dsns;                  /* DSN lines (not deferred) */
	uint64_t dsn_deferred, forwarded, delay_notices, dropped;
	stab *drop_reasons;
	uint64_t bounces;               /* failure DSNs forwarded: IPv6 bounces */
	uint64_t bounce_class[STATS_B_N];
	uint64_t bounce_class_derived;  /* classes taken from the status (older lines) */
	stab *bounce_detail;            /* the logged class word */
	stab *bounce_senders;
	stab *hours;                    /* test mails per hour: STATS_F_* */
} stats_resp;

#define STATS_EXAMPLES 5

typedef struct stats {
	/* options */
	time_t since, until;            /* 0 = open */
	size_t top, max_keys;
	/* input */
	uint64_t files, lines, bytes;
	uint64_t foreign;               /* lines of other programs */
	uint64_t ours_other;            /* other messages of our programs */
	uint64_t events;                /* event= lines (e.g. connection_pressure) */
	uint64_t unreadable;            /* verdict lines that did not parse */
	uint64_t partial_last;          /* a last line without its line end */
	uint64_t out_of_range;          /* outside --since/--until */
	uint64_t no_time;               /* our lines without a time stamp */
	uint64_t unknown_prog;          /* mxready-* programs not summed up */
	uint64_t newer_keys;            /* verdict lines with keys unknown here */
	uint64_t older_format;          /* verdict lines without a current key */
	uint64_t journal_bad;           /* journal JSON lines not understood */
	char examples[STATS_EXAMPLES][160];  /* where unreadable lines were */
	size_t n_examples;
	char errors[4][320];            /* input errors (cut .gz, unreadable file) */
	size_t n_errors;
	time_t first, last;             /* civil (local wall clock) times seen */
	stats_inbound milter, policyd;
	stats_resp resp;
} stats;

/* Sets up the counters (tables bounded by s->max_keys): 0 or -1. */
int stats_init(stats *s);
/* Frees the tables; safe after a failed stats_init(). */
void stats_fini(stats *s);
/* Counts one line (without its line end) from the named source. */
void stats_line(stats *s, const char *line, size_t len, const char *src, uint64_t lineno);
/* Reference time for the year of RFC 3164 stamps (a file's mtime). */
void stats_set_ref(time_t ref);
/* Reads and counts one file ("-" = standard input), plain or gzip, with
 * buf of cap octets as its line buffer (lines longer are skipped).
 * Returns 0, or -1 after recording the error in s->errors. */
int stats_read_file(stats *s, const char *name, char *buf, size_t cap);
/* "YYYY-MM-DD[THH:MM[:SS]][zone]" (local time without a zone) or "Nd" /
 * "Nh" before now into *out.  Returns 0 or -1. */
int stats_parse_time(const char *a, time_t *out);

#endif
