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
#include "helo.h"
#include "iprev.h"
#include "ready.h"
#include "result.h"
#include "session.h"
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

/* A value in an RFC 8601 / RFC 2045 header: a token (or local@domain) as
 * is, anything else as a quoted-string with control characters dropped. */
static void sb_value(sbuf *b, const char *v)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789!#$%&'*+-.^_`{|}~@";
	if (*v && strspn(v, ok) == strlen(v) && strchr(v, '@') == strrchr(v, '@')) {
		sb_add(b, "%s", v);
		return;
	}
	sb_add(b, "\"");
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f)
			continue;
		if (*p == '"' || *p == '\\')
			sb_add(b, "\\");
		sb_add(b, "%c", *p);
	}
	sb_add(b, "\"");
}

/* A header comment: printable ASCII, no parentheses or backslashes. */
static void sb_comment(sbuf *b, const char *c)
{
	sb_add(b, " (");
	for (const unsigned char *p = (const unsigned char *)c; *p; p++)
		sb_add(b, "%c", (*p < 0x20 || *p >= 0x7f || *p == '(' || *p == ')' || *p == '\\') ? '?' : *p);
	sb_add(b, ")");
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
	size_t n_from;
	char *from_value;                /* first From field */
	char from_domain[DNS_TEXT_MAX + 1];
	unsigned long long body_len;
	/* end of message */
	dns_run *run;
	ready_report *rep_env, *rep_from;
	auth_result spf, dkim, dmarc;
	char dmarc_policy[16];
	sbuf ar, report;
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
	dns_run_free(m->run);
	free(m->mail_from);
	free(m->del_ar);
	free(m->del_report);
	free(m->del_ar_desc);
	free(m->del_report_desc);
	free(m->from_value);
	free(m->ar.p);
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
	s->trusted = s->family && conf_is_trusted(s->g->cf, s->addr);
	s->iprev_known = 0;
	s->helo_known = 0;
}

void msess_helo(msess *s, const char *helo)
{
	if (strcmp(s->helo, helo ? helo : "") != 0)
		s->helo_known = 0;
	scopy(s->helo, sizeof s->helo, helo);
}

/* The domain of an addr-spec, normalised, or "" if there is none. */
static void domain_of(const char *addr, char *out, size_t outlen)
{
	char err[64];
	const char *at = strrchr(addr, '@');
	out[0] = 0;
	if (at == NULL || dns_name_normalize(at + 1, out, outlen, err, sizeof err) < 0)
		out[0] = 0;
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
	domain_of(m->mail_from, m->mail_domain, sizeof m->mail_domain);
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

/* RFC 8601 2.2: authres-header = "Authentication-Results:" [CFWS]
 * authserv-id [ CFWS authres-version ] ( no-result / 1*resinfo ) CRLF;
 * authserv-id is a value (token or quoted-string). */
int msess_authserv_id(const char *v, char *out, size_t outlen)
{
	size_t o = 0;
	if (outlen == 0)
		return -1;
	for (;;) {   /* CFWS */
		while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
			v++;
		if (*v != '(')
			break;
		int depth = 0;
		for (; *v; v++) {
			if (*v == '\\' && v[1]) {
				v++;
				continue;
			}
			if (*v == '(')
				depth++;
			else if (*v == ')' && --depth == 0) {
				v++;
				break;
			}
		}
	}
	if (*v == '"') {
		for (v++; *v && *v != '"'; v++) {
			if (*v == '\\' && v[1])
				v++;
			if (o + 1 < outlen)
				out[o++] = (char)(*v >= 'A' && *v <= 'Z' ? *v + 32 : *v);
		}
		if (*v != '"')
			return -1;
	} else {
		for (; *v && !strchr(" \t\r\n;()\"", *v); v++)
			if (o + 1 < outlen)
				out[o++] = (char)(*v >= 'A' && *v <= 'Z' ? *v + 32 : *v);
	}
	out[o] = 0;
	return o ? 0 : -1;
}

static int ours(const msess *s, const char *value)
{
	char id[CONF_STR_MAX];
	return msess_authserv_id(value ? value : "", id, sizeof id) == 0 &&
	    strcmp(id, s->g->cf->authserv_id) == 0;
}

/* SEAM (core/mailaddr): the domain of the first mailbox of a From field.
 * Replace with the mailaddr module's parser when it lands. */
static void from_domain_of(const char *value, char *out, size_t outlen)
{
	char buf[1024];
	const char *lt = strrchr(value, '<'), *p = lt ? lt + 1 : value;
	size_t n = lt ? strcspn(p, ">") : strcspn(p, ",;(");
	out[0] = 0;
	if (n >= sizeof buf)
		return;
	memcpy(buf, p, n);
	buf[n] = 0;
	while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	domain_of(buf, out, outlen);
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
		if (m->n_from++ == 0) {
			m->from_value = xstrdup(value);
			from_domain_of(value, m->from_domain, sizeof m->from_domain);
		}
	}
	/* SEAM (core/dkimv): dkimv_header(m->dk, name, value) */
}

void msess_eoh(msess *s)
{
	(void)s;
	/* SEAM (core/dkimv): dkimv_eoh */
}

void msess_body(msess *s, const unsigned char *buf, size_t len)
{
	(void)buf;
	s->m.body_len += len;
	/* SEAM (core/dkimv): dkimv_body(m->dk, buf, len) */
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

static const char *st(const ready_report *r, ready_id id)
{
	return r ? result_chk_str(r->item[id].status) : "-";
}

static int is_null_mx(const ready_report *r)
{
	json_object *mode;
	if (r == NULL || r->item[READY_MX].data == NULL ||
	    !json_object_object_get_ex(r->item[READY_MX].data, "mode", &mode))
		return 0;
	return strcmp(json_object_get_string(mode), "null") == 0;
}

static void report_group(sbuf *b, const char *role, const ready_report *r)
{
	sb_add(b, ";\n\t%s=%s verdict=%s", role, r->domain, result_chk_str(r->verdict));
	for (int i = 0; i < READY_COUNT; i++)
		sb_add(b, "%s%s=%s", i == 4 ? "\n\t " : " ", ready_id_str((ready_id)i),
		    result_chk_str(r->item[i].status));
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

	if (is_null_mx(m->rep_env)) {
		snprintf(det, sizeof det, "Sender domain %s has a null MX (RFC 7505) and accepts no mail", m->mail_domain);
		want(d, cf->action_null_mx, "550", "5.7.27", "null_mx", det);
	} else if (m->rep_env && m->rep_env->item[READY_MX].status == CHK_TEMPERROR && strong(cf->action_null_mx))
		want(d, cf->action_temperror, "451", "4.4.3", "temperror_mx",
		    "Temporary DNS failure looking up the sender domain's MX, try again later");

	if (m->dmarc == AUTH_FAIL && strcmp(m->dmarc_policy, "reject") == 0) {
		snprintf(det, sizeof det, "DMARC policy of %s rejects this message", m->from_domain);
		want(d, cf->action_dmarc_reject, "550", "5.7.1", "dmarc_reject", det);
	} else if (m->dmarc == AUTH_FAIL && strcmp(m->dmarc_policy, "quarantine") == 0) {
		snprintf(det, sizeof det, "DMARC policy of %s quarantines this message", m->from_domain);
		want(d, cf->action_dmarc_quarantine, "550", "5.7.1", "dmarc_quarantine", det);
	} else if (m->dmarc == AUTH_TEMPERROR && (strong(cf->action_dmarc_reject) || strong(cf->action_dmarc_quarantine)))
		want(d, cf->action_temperror, "451", "4.4.3", "temperror_dmarc",
		    "Temporary DNS failure evaluating DMARC, try again later");

	if (m->spf == AUTH_FAIL) {
		snprintf(det, sizeof det, "SPF of %s does not authorise %s", m->mail_domain[0] ? m->mail_domain : s->helo, s->addr);
		want(d, cf->action_spf_fail, "550", "5.7.23", "spf_fail", det);
	} else if (m->spf == AUTH_TEMPERROR && strong(cf->action_spf_fail))
		want(d, cf->action_temperror, "451", "4.4.3", "temperror_spf",
		    "Temporary DNS failure evaluating SPF, try again later");

	if (s->iprev.result == AUTH_FAIL || s->iprev.result == AUTH_PERMERROR) {
		snprintf(det, sizeof det, "Reverse DNS of %s: %s", s->addr, s->iprev.reason);
		want(d, cf->action_iprev_fail, "550", "5.7.25", "iprev_fail", det);
	} else if (s->iprev.result == AUTH_TEMPERROR && strong(cf->action_iprev_fail))
		want(d, cf->action_temperror, "451", "4.4.3", "temperror_iprev",
		    "Temporary DNS failure checking reverse DNS, try again later");

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

static void render_ar(msess *s)
{
	msg *m = &s->m;
	sbuf *b = &m->ar;
	sb_add(b, " %s", s->g->cf->authserv_id);
	int n = 0;
	if (s->family) {
		sb_add(b, ";\n\tiprev=%s policy.iprev=", result_auth_str(s->iprev.result));
		sb_value(b, s->addr);
		if (s->iprev.name[0])
			sb_comment(b, s->iprev.name);
		n++;
	}
	/* SEAM (core/spf, core/dkimv, core/dmarc, core/authres): until those
	 * modules land, spf/dkim/dmarc are reported as "none". */
	sb_add(b, ";\n\tspf=%s ", result_auth_str(m->spf));
	if (m->mail_from && m->mail_from[0]) {
		sb_add(b, "smtp.mailfrom=");
		sb_value(b, m->mail_from);
	} else {
		sb_add(b, "smtp.helo=");
		sb_value(b, s->helo[0] ? s->helo : "unknown");
	}
	sb_add(b, ";\n\tdkim=%s", result_auth_str(m->dkim));
	sb_add(b, ";\n\tdmarc=%s", result_auth_str(m->dmarc));
	if (m->from_domain[0]) {
		sb_add(b, " header.from=");
		sb_value(b, m->from_domain);
	}
	n += 3;
	if (n == 0)
		sb_add(b, "; none");
}

static unsigned *descending(const unsigned *v, size_t n)
{
	unsigned *d = xrealloc(NULL, (n ? n : 1) * sizeof *d);
	for (size_t i = 0; i < n; i++)
		d[i] = v[n - 1 - i];
	return d;
}

const msess_result *msess_eom(msess *s, const char *queue_id)
{
	const conf *cf = s->g->cf;
	msg *m = &s->m;
	msess_result *r = &m->res;
	double t0 = now_ms();
	int iprev_started = 0, helo_started = 0;

	if (m->run == NULL)
		m->run = dns_run_new(s->g->res, cf->dns_timeout);
	if (!s->iprev_known && s->family) {
		if (iprev_from_macro(s))
			s->iprev_known = 1;
		else {
			iprev_start(m->run, s->addr, &s->iprev);
			iprev_started = 1;
		}
	}
	if (!s->helo_known && s->helo[0] && s->family) {
		helo_start(m->run, s->helo, s->addr, &s->helov);
		helo_started = 1;
	}
	if (cf->readiness_checks) {
		if (m->mail_domain[0])
			m->rep_env = ready_start(m->run, m->mail_domain);
		if (m->from_domain[0] && strcmp(m->from_domain, m->mail_domain) != 0)
			m->rep_from = ready_start(m->run, m->from_domain);
	}
	/* SEAM (core/spf): spf_check_mailfrom(m->run, s->addr, s->helo,
	 * m->mail_from, cf->authserv_id, &verdict) */
	m->spf = AUTH_NONE;
	/* SEAM (core/dkimv, core/dmarc): dkimv_eom, dmarc_eval */
	m->dkim = AUTH_NONE;
	m->dmarc = AUTH_NONE;
	scopy(m->dmarc_policy, sizeof m->dmarc_policy, "");

	dns_run_wait(m->run);
	if (m->rep_env)
		ready_finish(m->rep_env);
	if (m->rep_from)
		ready_finish(m->rep_from);
	if (iprev_started && s->iprev.result != AUTH_TEMPERROR)
		s->iprev_known = 1;
	if (helo_started && s->helov.status != CHK_TEMPERROR)
		s->helo_known = 1;
	if (s->family == 0) {
		memset(&s->iprev, 0, sizeof s->iprev);
		s->iprev.result = AUTH_NONE;
	}

	decision d;
	decide(s, &d);

	/* headers */
	memset(r, 0, sizeof *r);
	m->del_ar_desc = descending(m->del_ar, m->n_del_ar);
	m->del_report_desc = descending(m->del_report, m->n_del_report);
	r->del_ar = m->del_ar_desc;
	r->n_del_ar = m->n_del_ar;
	r->del_report = m->del_report_desc;
	r->n_del_report = m->n_del_report;
	render_ar(s);
	r->ar_value = m->ar.p;
	if (cf->readiness_checks && cf->readiness_header) {
		sb_add(&m->report, " %s; action=%s", cf->authserv_id, conf_action_str(d.action));
		if (m->rep_env)
			report_group(&m->report, "envelope-from", m->rep_env);
		if (m->rep_from)
			report_group(&m->report, "header-from", m->rep_from);
		r->report_value = m->report.p;
	}
	r->action = d.action;
	if (d.action == CONF_ACT_REJECT || d.action == CONF_ACT_TEMPFAIL) {
		r->rcode = d.rcode;
		r->xcode = d.xcode;
		safe_text(m->text, sizeof m->text, d.detail);
		r->text = m->text;
	} else if (d.action == CONF_ACT_QUARANTINE) {
		snprintf(m->text, sizeof m->text, "mxready: %s", d.why);
		r->quarantine_reason = m->text;
	}

	/* the one verdict line */
	const ready_report *sender = m->rep_env ? m->rep_env : m->rep_from;
	vlog_line *l = &m->log;
	vlog_begin(l, queue_id);
	vlog_add(l, "client", s->family ? s->addr : "-");
	vlog_add(l, "family", s->family == 4 ? "ipv4" : s->family == 6 ? "ipv6" : "none");
	vlog_add(l, "client_name", s->iprev.name[0] ? s->iprev.name : "unknown");
	vlog_add(l, "helo", s->helo[0] ? s->helo : "-");
	vlog_add(l, "helo_check", s->helo_known || helo_started ? result_chk_str(s->helov.status) : "-");
	vlog_add(l, "iprev", result_auth_str(s->iprev.result));
	vlog_add(l, "spf", result_auth_str(m->spf));
	vlog_add(l, "dkim", result_auth_str(m->dkim));
	vlog_add(l, "dmarc", result_auth_str(m->dmarc));
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
	vlog_add(l, "action", conf_action_str(d.action));
	vlog_add(l, "reason", *d.why ? d.why : "-");
	if (r->rcode)
		vlog_addf(l, "reply", "%s %s", r->rcode, r->xcode);
	else
		vlog_add(l, "reply", "-");
	vlog_addf(l, "dns_queries", "%zu", dns_run_queries(m->run));
	vlog_addf(l, "ms", "%.0f", now_ms() - t0);
	r->log_line = vlog_end(l);
	vlog_emit(l);
	return r;
}
