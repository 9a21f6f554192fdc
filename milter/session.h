#ifndef MXR_MILTER_SESSION_H
#define MXR_MILTER_SESSION_H
/*
 * The milter's per-connection and per-message logic, without libmilter:
 * milter/main.c feeds it the callbacks' arguments and macros and applies the
 * msess_result it returns at end of message.  The fuzz target
 * tests/fuzz/fuzz_milter.c drives it directly.
 *
 * Call order per connection:
 *     msess_new -> msess_connect -> { msess_helo | msess_mail -> msess_header*
 *       -> msess_eoh -> msess_body* -> msess_eom -> (apply) -> msess_end
 *       | msess_end (abort) }* -> msess_free
 * Out-of-order calls are tolerated (a header without MAIL, eom without
 * headers, ...): missing data reads as empty.  Strings passed in are copied;
 * none has to outlive the call.
 */
#include <stddef.h>

#include "../daemon/conf.h"
#include "dns.h"

/* What every session shares (read-only): set up once by main.c. */
typedef struct msess_global {
	const conf *cf;
	dns_resolver *res;
	struct dkimv_lib *dkim;        /* NULL: no DKIM verification */
	struct rcache *rcache;         /* readiness cache; NULL: none */
} msess_global;

typedef struct msess msess;

/* What to do at end of message.  Everything lives until msess_end(). */
typedef struct msess_result {
	conf_action action;            /* accept, tag, quarantine, tempfail, reject */
	const char *rcode, *xcode;     /* "550","5.7.23" when rejecting/tempfailing */
	const char *text;              /* reply text: printable ASCII, no '%' */
	const char *quarantine_reason; /* set when action == quarantine */
	/* Occurrence indices (1-based, as smfi_chgheader wants) of the
	 * Authentication-Results and MXReady-Report fields carrying our
	 * authserv-id, in DESCENDING order (delete the last first). */
	const unsigned *del_ar;
	size_t n_del_ar;
	const unsigned *del_report;
	size_t n_del_report;
	/* Field values to insert at the top (leading space included, folded
	 * with "\n\t"); report_value NULL when readiness_header = no. */
	const char *ar_value;
	const char *report_value;
	const char *log_line;          /* the verdict line (also logged) */
} msess_result;

#define MSESS_AR_NAME "Authentication-Results"
/* From fields kept for DMARC (more than one is a permerror anyway) */
#define MSESS_MAX_FROM 8
#define MSESS_REPORT_NAME "MXReady-Report"

/* A session for one SMTP connection; g must outlive it.  Never NULL
 * (aborts on ENOMEM). */
msess *msess_new(const msess_global *g);
/* Ends the message in progress (msess_end) and frees the session.  NULL is
 * a no-op. */
void msess_free(msess *s);

/* hostname: the name given to xxfi_connect; addr: the client's textual IP
 * address (NULL for a non-IP connection); the macros {client_name},
 * {client_ptr}, {client_resolve} may be NULL. */
void msess_connect(msess *s, const char *hostname, const char *addr,
    const char *client_name, const char *client_ptr, const char *client_resolve);
void msess_helo(msess *s, const char *helo);
/* Starts a message (ends any previous one).  mail_from: the envelope
 * sender as given ("<a@b>", "a@b" or "<>"); auth_authen: the {auth_authen}
 * macro (NULL/"" = not authenticated). */
void msess_mail(msess *s, const char *mail_from, const char *auth_authen);
/* One header field; value as Postfix sends it with SMFIP_HDR_LEADSPC. */
void msess_header(msess *s, const char *name, const char *value);
void msess_eoh(msess *s);
void msess_body(msess *s, const unsigned char *buf, size_t len);
/* Runs every check (blocking, at most dns_timeout seconds of DNS), decides
 * the action, formats the headers and the verdict line and logs it.
 * queue_id: the 'i' macro (NULL = unknown).  Never NULL. */
const msess_result *msess_eom(msess *s, const char *queue_id);
/* Frees every per-message datum (end of message or abort).  Idempotent. */
void msess_end(msess *s);

#endif
