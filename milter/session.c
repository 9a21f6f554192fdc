/*
 * mxready-milter's per-connection and per-message logic, free of libmilter:
 * iprev (RFC 8601 3), HELO (RFC 5321 4.1.1.1), SPF (RFC 7208), DKIM
 * (RFC 6376), DMARC (RFC 7489), readiness of the sender domains; removal of
 * forged Authentication-Results fields with our authserv-id (RFC 8601 5,
 * last occurrence first: CVE-2022-48521), one new Authentication-Results
 * field and one MXReady-Report field; the action per verdict with RFC 7372
 * enhanced status codes; the single verdict log line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "authres.h"
#include "dkimv.h"
#include "dmarc.h"
#include "helo.h"
#include "iprev.h"
#include "mailaddr.h"
#include "ready.h"
#include "rcache.h"
#include "result.h"
#include "session.h"
#include "spf.h"
#include "../daemon/vlog.h"

/* ---------- small helpers ---------- */

typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		abort();
	return q;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xrealloc(NULL, n);
	memcpy(p, s, n);
	return p;
}

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
}

/* Copies s into dst[n] cut at n-1 octets; NULL gives "". */
static void scopy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* ---------- state ---------- */

/* Every per-message datum; freed in msess_end() and nowhere else. */
typedef struct msg {
	int active;
	char *mail_from;                 /* addr-spec without brackets, "" = null sender */
	char mail_domain[DNS_TEXT_MAX + 1];
	int auth;                        /* SASL-authenticated */
	size_t n_headers;
	unsigned n_ar, n_report;         /* occurrences seen so far */
	unsigned *del_ar, *del_report;   /* ascending while collecting */
	size_t n_del_ar, n_del_report, cap_del_ar, cap_del_report;
	size_t n_from;                   /* From fields seen */
	int from_mailboxes;              /* of the first: mailaddr_parse_from() */
	char *from_value[MSESS_MAX_FROM];   /* the first of them, as received */
	size_t from_len[MSESS_MAX_FROM];
	char from_domain[DNS_TEXT_MAX + 1];
	unsigned long long body_len;
	/* the DNS run of the message: created at the first header (Postfix
	 * sends header, body and end-of-message events in one burst after
	 * DATA, so the deadline covers the checks, not the client's upload) */
	dns_run *run;
	dkimv_msg *dk;
	dkimv_verdict dkimv;
	/* end of message */
	ready_report *rep_env, *rep_from;   /* in flight (cache misses) */
	rcache_sum env, from;                  /* the readiness verdicts used */
	rcache_conn cv;                        /* the client's cached verdicts */
	int have_env, have_from;
	spf_verdict spf_mf, spf_helo;
	int spf_started, spf_helo_started, dmarc_started;
	dmarc_verdict dmarcv;
	auth_result spf, dkim, dmarc;
	dmarc_policy dmarc_applied;      /* after pct sampling */
	char *ar;                        /* authres_render() */
	sbuf report;
	unsigned *del_ar_desc, *del_report_desc;
	char text[640];
	vlog_line log;
	msess_result res;
} msg;

struct msess {
	const msess_global *g;
	/* connection */
	char hostname[DNS_TEXT_MAX + 1];
	char addr[64];
	int family;                      /* 4, 6, 0 = no IP */
	char client_name[DNS_TEXT_MAX + 1], client_ptr[DNS_TEXT_MAX + 1];
	char client_resolve[16];
	char helo[DNS_TEXT_MAX + 1];
	int trusted;
	int iprev_known;                 /* cached for the connection */
	iprev_verdict iprev;
	int helo_known;
	helo_verdict helov;
	unsigned messages;
	msg m;
};

msess *msess_new(const msess_global *g)
{
	msess *s = xrealloc(NULL, sizeof *s);
	memset(s, 0, sizeof *s);
	s->g = g;
	return s;
}

void msess_free(msess *s)
{
	if (s == NULL)
		return;
	msess_end(s);
	free(s);
}

void msess_end(msess *s)
{
	msg *m = &s->m;
	ready_report_free(m->rep_env);
	ready_report_free(m->rep_from);
	if (m->spf_started)
		spf_verdict_clear(&m->spf_mf);
	if (m->spf_helo_started)
		spf_verdict_clear(&m->spf_helo);
	dkimv_msg_free(m->dk);
	dns_run_free(m->run);
	free(m->mail_from);
	free(m->del_ar);
	free(m->del_report);
	free(m->del_ar_desc);
	free(m->del_report_desc);
	for (size_t i = 0; i < MSESS_MAX_FROM; i++)
		free(m->from_value[i]);
	free(m->ar);
	free(m->report.p);
	memset(m, 0, sizeof *m);
}

void msess_connect(msess *s, const char *hostname, const char *addr,
    const char *client_name, const char *client_ptr, const char *client_resolve)
{
	scopy(s->hostname, sizeof s->hostname, hostname);
	s->family = addr ? addr_normalize(addr, s->addr, sizeof s->addr) : 0;
	if (s->family == 0)
		s->addr[0] = 0;
	scopy(s->client_name, sizeof s->client_name, client_name);
	scopy(s->client_ptr, sizeof s->client_ptr, client_ptr);
	scopy(s->client_resolve, sizeof s->client_resolve, client_resolve);
	/* A connection without an IP address is local submission (Postfix's
	 * non_smtpd_milters, a unix-socket client): only tagged, never
	 * rejected, since there is no client to judge. */
	s->trusted = s->family == 0 || conf_is_trusted(s->g->cf, s->addr);
	s->iprev_known = 0;
	s->helo_known = 0;
}

void msess_helo(msess *s, const char *helo)
{
	if (strcmp(s->helo, helo ? helo : "") != 0)
		s->helo_known = 0;
	scopy(s->helo, sizeof s->helo, helo);
}

void msess_mail(msess *s, const char *mail_from, const char *auth_authen)
{
	msg *m = &s->m;
	msess_end(s);
	m->active = 1;
	s->messages++;
	const char *p = mail_from ? mail_from : "";
	size_t n = strlen(p);
	while (n && (*p == ' ' || *p == '<')) {   /* "<a@b>" -> "a@b" */
		p++;
		n--;
	}
	while (n && (p[n - 1] == '>' || p[n - 1] == ' '))
		n--;
	m->mail_from = xrealloc(NULL, n + 1);
	memcpy(m->mail_from, p, n);
	m->mail_from[n] = 0;
	mailaddr a;
	char err[128];
	if (mailaddr_parse_path(mail_from ? mail_from : "", &a, err, sizeof err) == 1)
		scopy(m->mail_domain, sizeof m->mail_domain, a.domain);
	m->auth = auth_authen && *auth_authen;
}

static void push_idx(unsigned **v, size_t *n, size_t *cap, unsigned idx)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[(*n)++] = idx;
}

/* RFC 8601 5: a field with our authserv-id (compared without case, as
 * host names are) was forged or is left over from a relay loop; so is one
 * without a readable authserv-id or with ours as its first word to a
 * lenient reader (authres_claims_id()): none of them may survive. */
static int ours(const msess *s, const char *value)
{
	value = value ? value : "";
	return authres_claims_id(value, strlen(value), s->g->cf->authserv_id);
}

/* The message's DNS run, created on first use. */
static dns_run *msg_run(msess *s)
{
	if (s->m.run == NULL)
		s->m.run = dns_run_new(s->g->res, s->g->cf->dns_timeout);
	return s->m.run;
}

/* The DKIM verifier of the message, created on first use; NULL when the
 * process has no DKIM library. */
static dkimv_msg *start_dkim(msess *s)
{
	if (s->m.dk == NULL && s->g->dkim != NULL)
		s->m.dk = dkimv_msg_new(s->g->dkim, msg_run(s), "mxready");
	return s->m.dk;
}

void msess_header(msess *s, const char *name, const char *value)
{
	msg *m = &s->m;
	if (name == NULL)
		return;
	if (value == NULL)
		value = "";
	m->n_headers++;
	if (strcasecmp(name, MSESS_AR_NAME) == 0) {
		m->n_ar++;
		if (ours(s, value))
			push_idx(&m->del_ar, &m->n_del_ar, &m->cap_del_ar, m->n_ar);
	} else if (strcasecmp(name, MSESS_REPORT_NAME) == 0) {
		m->n_report++;
		if (ours(s, value))
			push_idx(&m->del_report, &m->n_del_report, &m->cap_del_report, m->n_report);
	} else if (strcasecmp(name, "From") == 0) {
		/* every From field goes to DMARC: several of them, or several
		 * mailboxes in one, are a permerror there, never "the first" */
		if (m->n_from < MSESS_MAX_FROM) {
			m->from_len[m->n_from] = strlen(value);
			m->from_value[m->n_from] = xstrdup(value);
		}
		if (m->n_from++ == 0) {
			mailaddr first;
			char err[128];
			m->from_mailboxes = mailaddr_parse_from(value, strlen(value), &first, err, sizeof err);
			if (m->from_mailboxes >= 1)
				scopy(m->from_domain, sizeof m->from_domain, first.domain);
		}
	}
	dkimv_header(start_dkim(s), name, value);
}

void msess_eoh(msess *s)
{
	dkimv_eoh(start_dkim(s));
}

void msess_body(msess *s, const unsigned char *buf, size_t len)
{
	s->m.body_len += len;
	if (buf != NULL)
		dkimv_body(start_dkim(s), buf, len);
}

/* ---------- end of message ---------- */

/* iprev from Postfix's {client_resolve} (smtpd_peer.c: OK, FORGED, FAIL,
 * TEMP).  Returns 1 if the macro gave a final answer. */
static int iprev_from_macro(msess *s)
{
	iprev_verdict *v = &s->iprev;
	const char *r = s->client_resolve;
	if (!s->g->cf->use_client_resolve || s->family == 0)
		return 0;
	memset(v, 0, sizeof *v);
	scopy(v->ip, sizeof v->ip, s->addr);
	if (strcasecmp(r, "OK") == 0) {
		v->result = AUTH_PASS;
		scopy(v->name, sizeof v->name, s->client_name);
		scopy(v->reason, sizeof v->reason, "forward-confirmed (Postfix client_resolve=OK)");
	} else if (strcasecmp(r, "FORGED") == 0) {
		v->result = AUTH_FAIL;
		scopy(v->name, sizeof v->name, s->client_ptr);
		scopy(v->reason, sizeof v->reason, "PTR name does not resolve to the client address (Postfix client_resolve=FORGED)");
	} else if (strcasecmp(r, "FAIL") == 0) {
		v->result = AUTH_PERMERROR;
		scopy(v->reason, sizeof v->reason, "no PTR record or no name (Postfix client_resolve=FAIL)");
	} else
		return 0;   /* TEMP or absent: ask DNS ourselves */
	return 1;
}

static const char *st(const rcache_sum *r, ready_id id)
{
	return r ? result_chk_str(r->status[id]) : "-";
}

static void report_group(sbuf *b, const char *role, const rcache_sum *r)
{
	sb_add(b, ";\n\t%s=%s verdict=%s", role, r->domain, result_chk_str(r->verdict));
	for (int i = 0; i < READY_COUNT; i++)
		sb_add(b, "%s%s=%s", i == 4 ? "\n\t " : " ", ready_id_str((ready_id)i),
		    result_chk_str(r->status[i]));
}

/* Picks the stronger action; reason/codes go with the stronger one. */
typedef struct decision {
	conf_action action;
	const char *rcode, *xcode, *why;
	char detail[600];
} decision;

static void want(decision *d, conf_action a, const char *rcode, const char *xcode,
    const char *why, const char *detail)
{
	if (a <= d->action)
		return;
	d->action = a;
	d->why = why;
	if (a == CONF_ACT_TEMPFAIL) {   /* never a 5xx for a temporary failure */
		rcode = "451";
		xcode = "4.4.3";
	}
	d->rcode = rcode;
	d->xcode = xcode;
	scopy(d->detail, sizeof d->detail, detail);
}

/* A check's temperror matters when its fail could have stopped the message. */
static int strong(conf_action a)
{
	return a >= CONF_ACT_QUARANTINE;
}

static void decide(msess *s, decision *d)
{
	const conf *cf = s->g->cf;
	msg *m = &s->m;
	char det[600];
	memset(d, 0, sizeof *d);
	d->action = CONF_ACT_ACCEPT;
	d->why = "";

	/* In the order of the SMTP dialogue (client, envelope, content): of
	 * equally strong actions the earliest reason gives the reply. */
	if (s->iprev.result == AUTH_FAIL || s->iprev.result == AUTH_PERMERROR) {
		snprintf(det, sizeof det, "Reverse DNS of %s: %s", s->addr, s->iprev.reason);
		want(d, cf->action_iprev_fail, "550", "5.7.25", "iprev_fail", det);
	} else if (s->iprev.result == AUTH_TEMPERROR && strong(cf->action_iprev_fail))
		want(d, cf->action_temperror, "451", "4.4.3", "temperror_iprev",
		    "Temporary DNS failure checking reverse DNS, try again later");

	if (m->have_env && m->env.null_mx) {
		snprintf(det, sizeof det, "Sender domain %s has a null MX (RFC 7505) and accepts no mail", m->mail_domain);
		want(d, cf->action_null_mx, "550", "5.7.27", "null_mx", det);
	} else if (m->have_env && m->env.status[READY_MX] == CHK_TEMPERROR && strong(cf->action_null_mx))
		want(d, cf->action_temperror, "451", "4.4.3", "temperror_mx",
		    "Temporary DNS failure looking up the sender domain's MX, try again later");

	if (m->spf == AUTH_FAIL) {
		snprintf(det, sizeof det, "SPF of %s does not authorise %s", m->mail_domain[0] ? m->mail_domain : s->helo, s->addr);
		want(d, cf->action_spf_fail, "550", "5.7.23", "spf_fail", det);
	} else if (m->spf == AUTH_TEMPERROR && strong(cf->action_spf_fail))
		want(d, cf->action_temperror, "451", "4.4.3", "temperror_spf",
		    "Temporary DNS failure evaluating SPF, try again later");

	if (m->dmarc == AUTH_FAIL && m->dmarc_applied == DMARC_P_REJECT) {
		snprintf(det, sizeof det, "DMARC policy of %s rejects this message", m->from_domain);
		want(d, cf->action_dmarc_reject, "550", "5.7.1", "dmarc_reject", det);
	} else if (m->dmarc == AUTH_FAIL && m->dmarc_applied == DMARC_P_QUARANTINE) {
		snprintf(det, sizeof det, "DMARC policy of %s quarantines this message", m->from_domain);
		want(d, cf->action_dmarc_quarantine, "550", "5.7.1", "dmarc_quarantine", det);
	} else if (m->dmarc == AUTH_PERMERROR && (m->n_from > 1 || m->from_mailboxes > 1)) {
		/* RFC 7489 6.6.1: no single author domain whose policy could
		 * apply; such mail is typically rejected */
		snprintf(det, sizeof det, "DMARC: the author is ambiguous (%s)", m->dmarcv.reason);
		want(d, cf->action_dmarc_permerror, "550", "5.7.1", "dmarc_permerror", det);
	} else if (m->dmarc == AUTH_TEMPERROR && (strong(cf->action_dmarc_reject) || strong(cf->action_dmarc_quarantine)))
		want(d, cf->action_temperror, "451", "4.4.3", "temperror_dmarc",
		    "Temporary DNS failure evaluating DMARC, try again later");

	/* SASL-authenticated clients and trusted networks are only tagged */
	if ((m->auth || s->trusted) && d->action > CONF_ACT_TAG)
		d->action = CONF_ACT_TAG;
}

/* Reply text: printable ASCII without '%' (libmilter would expand it). */
static void safe_text(char *out, size_t n, const char *in)
{
	size_t o = 0;
	for (; *in && o + 1 < n; in++)
		out[o++] = (*in < 0x20 || *in >= 0x7f || *in == '%') ? '?' : *in;
	out[o] = 0;
}

/* RFC 7489 6.6.4: a policy applies to pct percent of the failing
 * messages; the others get the next weaker one. */
static dmarc_policy sample_policy(dmarc_policy p, unsigned pct)
{
	if (pct >= 100 || p <= DMARC_P_NONE || arc4random_uniform(100) < pct)
		return p;
	return p == DMARC_P_REJECT ? DMARC_P_QUARANTINE : DMARC_P_NONE;
}

static void render_ar(msess *s)
{
	msg *m = &s->m;
	authres_input in = { .authserv_id = s->g->cf->authserv_id };
	if (s->family) {
		in.iprev = &s->iprev;
		in.spf_mailfrom = &m->spf_mf;
		if (m->spf_helo_started)
			in.spf_helo = &m->spf_helo;
	}
	in.dkim = &m->dkimv;
	in.dmarc = &m->dmarcv;
	m->ar = authres_render(&in);
}

static unsigned *descending(const unsigned *v, size_t n)
{
	unsigned *d = xrealloc(NULL, (n ? n : 1) * sizeof *d);
	for (size_t i = 0; i < n; i++)
		d[i] = v[n - 1 - i];
	return d;
}

/* Which lookups of the connection this message started (the others were
 * known or came from the caches). */
typedef struct eom_run {
	int cv_hit;               /* the client's verdicts came from the cache */
	int iprev_started, helo_started;
} eom_run;

/* Step 1: every check of the message submitted on its DNS run. */
static void start_checks(msess *s, eom_run *e)
{
	const conf *cf = s->g->cf;
	msg *m = &s->m;
	/* what a client (address and HELO name) was found to be is reused
	 * across its connections while the cache keeps it */
	rcache_conn *cv = &m->cv;
	e->cv_hit = s->family && s->helo[0] && rcache_conn_get(s->g->rcache, s->addr, s->helo, cv);

	msg_run(s);
	if (!s->iprev_known && s->family) {
		if (iprev_from_macro(s))
			s->iprev_known = 1;
		else if (e->cv_hit && cv->have_iprev) {
			s->iprev = cv->iprev;
			s->iprev_known = 1;
		} else {
			iprev_start(m->run, s->addr, &s->iprev);
			e->iprev_started = 1;
		}
	}
	if (!s->helo_known && s->helo[0] && s->family) {
		if (e->cv_hit) {
			s->helov = cv->helo;
			s->helo_known = 1;
		} else {
			helo_start(m->run, s->helo, s->addr, &s->helov);
			e->helo_started = 1;
		}
	}
	if (cf->readiness_checks) {
		/* a sender domain's readiness changes with its DNS, not per
		 * message: answered from the cache while it is fresh */
		if (m->mail_domain[0] && !(m->have_env = rcache_get(s->g->rcache, m->mail_domain, &m->env)))
			m->rep_env = ready_start(m->run, m->mail_domain);
		if (m->from_domain[0] && strcmp(m->from_domain, m->mail_domain) != 0 &&
		    !(m->have_from = rcache_get(s->g->rcache, m->from_domain, &m->from)))
			m->rep_from = ready_start(m->run, m->from_domain);
	}
	if (s->family) {   /* SPF needs the client address */
		spf_start(m->run, SPF_SCOPE_MAILFROM, s->addr, s->helo,
		    m->mail_from ? m->mail_from : "", &m->spf_mf);
		m->spf_started = 1;
		if (s->helo[0]) {   /* RFC 7208 2.3: the HELO identity too */
			if (e->cv_hit)
				m->spf_helo = cv->spf_helo;
			else
				spf_start(m->run, SPF_SCOPE_HELO, s->addr, s->helo, "", &m->spf_helo);
			m->spf_helo_started = 1;
		}
	}
	const char *fv[MSESS_MAX_FROM];
	size_t nf = m->n_from < MSESS_MAX_FROM ? m->n_from : MSESS_MAX_FROM;
	for (size_t i = 0; i < nf; i++)
		fv[i] = m->from_value[i];
	/* the true number of From fields: only the first value is read, the
	 * count goes into the reason ("9 From fields", not the 8 kept) */
	dmarc_start_from(m->run, fv, m->from_len, m->n_from, &m->dmarcv);
	m->dmarc_started = 1;
}

/* Step 2, after dns_run_wait(): the verdicts, and the caches filled. */
static void finish_checks(msess *s, const eom_run *e)
{
	msg *m = &s->m;
	/* key lookups were submitted at end of header and answered by the
	 * wait; a missing one is looked up within the same deadline */
	dkimv_eom(start_dkim(s), &m->dkimv);
	m->dkim = m->dkimv.result;
	m->spf = m->spf_started ? m->spf_mf.result : AUTH_NONE;
	/* the SPF identity DMARC aligns: the MAIL FROM domain, or the HELO
	 * name for the null sender (spf_verdict.domain holds either) */
	dmarc_finish(&m->dmarcv, m->spf, m->spf_started ? m->spf_mf.domain : "", &m->dkimv);
	m->dmarc = m->dmarcv.result;
	m->dmarc_applied = sample_policy(m->dmarcv.applied, m->dmarcv.rec.pct);
	if (m->rep_env) {
		ready_finish(m->rep_env);
		rcache_summarize(m->rep_env, &m->env);
		rcache_put(s->g->rcache, &m->env);
		m->have_env = 1;
	}
	if (m->rep_from) {
		ready_finish(m->rep_from);
		rcache_summarize(m->rep_from, &m->from);
		rcache_put(s->g->rcache, &m->from);
		m->have_from = 1;
	}
	if (e->iprev_started && s->iprev.result != AUTH_TEMPERROR)
		s->iprev_known = 1;
	if (e->helo_started && s->helov.status != CHK_TEMPERROR)
		s->helo_known = 1;
	if (!e->cv_hit && s->family && s->helo[0] && s->helo_known)
		rcache_conn_put(s->g->rcache, s->addr, s->helo, e->iprev_started, &s->iprev,
		    &s->helov, &m->spf_helo);
	if (s->family == 0) {
		memset(&s->iprev, 0, sizeof s->iprev);
		s->iprev.result = AUTH_NONE;
	}
}

/* Step 3: the header changes and the reply of decision d. */
static void fill_result(msess *s, const decision *d)
{
	const conf *cf = s->g->cf;
	msg *m = &s->m;
	msess_result *r = &m->res;
	memset(r, 0, sizeof *r);
	m->del_ar_desc = descending(m->del_ar, m->n_del_ar);
	m->del_report_desc = descending(m->del_report, m->n_del_report);
	r->del_ar = m->del_ar_desc;
	r->n_del_ar = m->n_del_ar;
	r->del_report = m->del_report_desc;
	r->n_del_report = m->n_del_report;
	render_ar(s);
	r->ar_value = m->ar;
	if (cf->readiness_checks && cf->readiness_header) {
		sb_add(&m->report, " %s; action=%s", cf->authserv_id, conf_action_str(d->action));
		if (m->have_env)
			report_group(&m->report, "envelope-from", &m->env);
		if (m->have_from)
			report_group(&m->report, "header-from", &m->from);
		r->report_value = m->report.p;
	}
	r->action = d->action;
	if (d->action == CONF_ACT_REJECT || d->action == CONF_ACT_TEMPFAIL) {
		r->rcode = d->rcode;
		r->xcode = d->xcode;
		safe_text(m->text, sizeof m->text, d->detail);
		r->text = m->text;
	} else if (d->action == CONF_ACT_QUARANTINE) {
		snprintf(m->text, sizeof m->text, "mxready: %s", d->why);
		r->quarantine_reason = m->text;
	}
}

/* Step 4: the one verdict line (docs/logging.md). */
static void log_verdict(msess *s, const decision *d, const eom_run *e, const char *queue_id, double t0)
{
	msg *m = &s->m;
	msess_result *r = &m->res;
	const rcache_sum *sender = m->have_env ? &m->env : m->have_from ? &m->from : NULL;
	vlog_line *l = &m->log;
	vlog_begin(l, queue_id);
	vlog_add(l, "client", s->family ? s->addr : "-");
	vlog_add(l, "family", s->family == 4 ? "ipv4" : s->family == 6 ? "ipv6" : "none");
	vlog_add(l, "client_name", s->iprev.name[0] ? s->iprev.name : "unknown");
	vlog_add(l, "helo", s->helo[0] ? s->helo : "-");
	vlog_add(l, "helo_check", s->helo_known || e->helo_started ? result_chk_str(s->helov.status) : "-");
	vlog_add(l, "iprev", result_auth_str(s->iprev.result));
	vlog_add(l, "spf", result_auth_str(m->spf));
	vlog_add(l, "dkim", result_auth_str(m->dkim));
	vlog_add(l, "dmarc", result_auth_str(m->dmarc));
	/* which aligned identifier made DMARC pass (mxready stats counts it) */
	vlog_add(l, "dmarc_via", m->dmarc != AUTH_PASS ? "-" :
	    m->dmarcv.dkim_aligned && m->dmarcv.spf_aligned ? "both" : m->dmarcv.dkim_aligned ? "dkim" : "spf");
	vlog_add(l, "mail_from", m->mail_domain[0] ? m->mail_domain : (m->mail_from && *m->mail_from ? "invalid" : "<>"));
	vlog_add(l, "header_from", m->n_from == 0 ? "none" : m->n_from > 1 ? "multiple" :
	    m->from_domain[0] ? m->from_domain : "invalid");
	vlog_add(l, "mx", st(sender, READY_MX));
	vlog_add(l, "mx_ipv6", st(sender, READY_MX_IPV6));
	vlog_add(l, "dnssec", st(sender, READY_DNSSEC));
	vlog_add(l, "dane", st(sender, READY_DANE));
	vlog_add(l, "readiness", sender ? result_chk_str(sender->verdict) : "-");
	vlog_add(l, "auth", m->auth ? "yes" : "no");
	vlog_add(l, "trusted", s->trusted ? "yes" : "no");
	vlog_add(l, "action", conf_action_str(d->action));
	vlog_add(l, "reason", *d->why ? d->why : "-");
	if (r->rcode)
		vlog_addf(l, "reply", "%s %s", r->rcode, r->xcode);
	else
		vlog_add(l, "reply", "-");
	vlog_addf(l, "dns_queries", "%zu", dns_run_queries(m->run));
	vlog_addf(l, "ms", "%.0f", now_ms() - t0);
	r->log_line = vlog_end(l);
	vlog_emit(l);
}

const msess_result *msess_eom(msess *s, const char *queue_id)
{
	double t0 = now_ms();
	eom_run e = { 0, 0, 0 };
	decision d;

	start_checks(s, &e);
	dns_run_wait(s->m.run);
	finish_checks(s, &e);
	decide(s, &d);
	fill_result(s, &d);
	log_verdict(s, &d, &e, queue_id, t0);
	return &s->m.res;
}
