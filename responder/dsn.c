/*
 * DSN parsing (RFC 3464 2.1-2.3 fields, RFC 6522 multipart/report, RFC 2046
 * 5.1.1 boundaries, RFC 5322 2.2.3 unfolding, RFC 6533 global DSNs).  The
 * input is untrusted: every copy is bounded, nothing is allocated, the MIME
 * nesting searched is limited to DSN_DEPTH_MAX.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dsn.h"

typedef struct span {
	const char *p;
	size_t n;
} span;

#define CT_TYPE_MAX 128

/* One line of [p, end): returns its length without the line end and sets
 * *next past the line end. */
static size_t line_of(const char *p, const char *end, const char **next)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));
	const char *e = lf ? lf : end;
	*next = lf ? lf + 1 : end;
	if (e > p && e[-1] == '\r')
		e--;
	return (size_t)(e - p);
}

/* Next header field of the block at *pp.  Returns 1 with name and raw
 * (possibly folded) value, 0 at the blank line or the end (*pp then points
 * past the blank line, at the body). */
static int hdr_next(const char **pp, const char *end, span *name, span *value)
{
	const char *p = *pp, *next;

	while (p < end) {
		size_t n = line_of(p, end, &next);
		const char *colon;
		if (n == 0) {
			*pp = next;
			return 0;
		}
		colon = memchr(p, ':', n);
		if (colon == NULL || p[0] == ' ' || p[0] == '\t') {
			p = next;             /* junk or stray continuation: skip */
			continue;
		}
		name->p = p;
		name->n = (size_t)(colon - p);
		while (name->n && (p[name->n - 1] == ' ' || p[name->n - 1] == '\t'))
			name->n--;
		value->p = colon + 1;
		/* continuation lines start with white space */
		while (next < end && (*next == ' ' || *next == '\t'))
			line_of(next, end, &next);
		value->n = (size_t)(next - value->p);
		*pp = next;
		return 1;
	}
	*pp = end;
	return 0;
}

static int name_is(span n, const char *want)
{
	return n.n == strlen(want) && strncasecmp(n.p, want, n.n) == 0;
}

/* Unfolds v into out: line ends removed, control characters made spaces,
 * runs of white space collapsed, trimmed, cut to outlen - 1. */
static void unfold(span v, char *out, size_t outlen)
{
	size_t o = 0;
	int sp = 1;

	if (outlen == 0)
		return;
	for (size_t i = 0; i < v.n && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c == '\r' || c == '\n')
			continue;
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (c == ' ') {
			if (sp)
				continue;
			sp = 1;
		} else
			sp = 0;
		out[o++] = (char)c;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = 0;
}

/* Media type (lower case) and boundary parameter of a Content-Type value. */
static void ct_parse(const char *v, char *type, size_t tlen, char *bnd, size_t blen)
{
	const char *p = v;
	size_t o = 0;

	type[0] = 0;
	bnd[0] = 0;
	while (*p == ' ')
		p++;
	while (*p && *p != ';' && *p != ' ' && *p != '(' && o + 1 < tlen)
		type[o++] = (char)tolower((unsigned char)*p++);
	type[o] = 0;
	while ((p = strchr(p, ';')) != NULL) {
		const char *an;
		size_t al;
		char val[DSN_BOUNDARY_MAX + 2];
		size_t vl = 0;
		int toolong = 0;

		p++;
		while (*p == ' ')
			p++;
		an = p;
		while (*p && *p != '=' && *p != ';' && *p != ' ')
			p++;
		al = (size_t)(p - an);
		while (*p == ' ')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ')
			p++;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				if (vl + 1 < sizeof val)
					val[vl++] = *p;
				else
					toolong = 1;
				p++;
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ';' && *p != ' ' && *p != '(') {
				if (vl + 1 < sizeof val)
					val[vl++] = *p;
				else
					toolong = 1;
				p++;
			}
		}
		val[vl] = 0;
		if (al == 8 && strncasecmp(an, "boundary", 8) == 0 && !toolong &&
		    vl > 0 && vl <= DSN_BOUNDARY_MAX && vl < blen)
			memcpy(bnd, val, vl + 1);
	}
}

static int is_status(const char *s)
{
	/* RFC 3463 2: class "." subject "." detail, 1-3 digits each */
	if (!(s[0] == '2' || s[0] == '4' || s[0] == '5') || s[1] != '.')
		return 0;
	s += 2;
	for (int part = 0; part < 2; part++) {
		int d = 0;
		while (isdigit((unsigned char)*s) && d < 4) {
			s++;
			d++;
		}
		if (d < 1 || d > 3)
			return 0;
		if (part == 0 && *s++ != '.')
			return 0;
	}
	return *s == 0;
}

/* "rfc822; <a@b>" -> "a@b" */
static void addr_value(const char *v, char *out, size_t outlen)
{
	const char *semi = strchr(v, ';');
	const char *p = semi ? semi + 1 : v;
	size_t n;

	while (*p == ' ' || *p == '<')
		p++;
	n = strlen(p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '>'))
		n--;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = 0;
}

static dsn_action action_parse(const char *v)
{
	static const struct { const char *k; dsn_action a; } t[] = {
		{ "failed", DSN_ACTION_FAILED }, { "delayed", DSN_ACTION_DELAYED },
		{ "delivered", DSN_ACTION_DELIVERED }, { "relayed", DSN_ACTION_RELAYED },
		{ "expanded", DSN_ACTION_EXPANDED },
	};
	size_t n = strcspn(v, " (;");
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (n == strlen(t[i].k) && strncasecmp(v, t[i].k, n) == 0)
			return t[i].a;
	return DSN_ACTION_UNKNOWN;
}

int dsn_parse_status(const char *body, size_t len, dsn_report *out)
{
	const char *p = body, *end = body + len;
	int group = 0;

	while (p < end) {
		span name, value;
		dsn_rcpt r;
		char reporting[DSN_ADDR_MAX] = "";
		int fields = 0, is_rcpt = 0;
		char v[DSN_FIELD_MAX];

		memset(&r, 0, sizeof r);
		while (hdr_next(&p, end, &name, &value)) {
			fields++;
			unfold(value, v, sizeof v);
			if (name_is(name, "Final-Recipient")) {
				addr_value(v, r.final_recipient, sizeof r.final_recipient);
				is_rcpt = 1;
			} else if (name_is(name, "Original-Recipient"))
				addr_value(v, r.original_recipient, sizeof r.original_recipient);
			else if (name_is(name, "Action")) {
				r.action = action_parse(v);
				is_rcpt = 1;
			} else if (name_is(name, "Status")) {
				char st[DSN_STATUS_MAX];
				size_t n = strcspn(v, " (");
				if (n < sizeof st) {
					memcpy(st, v, n);
					st[n] = 0;
					if (is_status(st))
						memcpy(r.status, st, n + 1);
				}
			} else if (name_is(name, "Diagnostic-Code"))
				memcpy(r.diagnostic, v, strlen(v) + 1);
			else if (name_is(name, "Remote-MTA"))
				addr_value(v, r.remote_mta, sizeof r.remote_mta);
			else if (name_is(name, "Reporting-MTA"))
				addr_value(v, reporting, sizeof reporting);
		}
		if (fields == 0)
			continue;            /* extra blank line */
		if (group++ == 0 && !is_rcpt) {
			memcpy(out->reporting_mta, reporting, sizeof reporting);
			continue;
		}
		if (!is_rcpt)
			continue;
		out->n_rcpt_seen++;
		if (out->n_rcpt < DSN_MAX_RCPT)
			out->rcpt[out->n_rcpt++] = r;
	}
	return out->n_rcpt > 0 ? 0 : -1;
}

static void find_message_id(const char *p, const char *end, dsn_report *out)
{
	span name, value;
	while (hdr_next(&p, end, &name, &value))
		if (name_is(name, "Message-ID")) {
			unfold(value, out->orig_message_id, sizeof out->orig_message_id);
			return;
		}
}

/* One MIME entity [p, end): its header, then by type. */
static void walk(const char *p, const char *end, dsn_report *out, int depth, int *found)
{
	span name, value;
	char ct[DSN_FIELD_MAX], type[CT_TYPE_MAX] = "text/plain", bnd[DSN_BOUNDARY_MAX + 1] = "";

	while (hdr_next(&p, end, &name, &value))
		if (name_is(name, "Content-Type")) {
			unfold(value, ct, sizeof ct);
			ct_parse(ct, type, sizeof type, bnd, sizeof bnd);
		}
	/* p is the body now */
	if (strncmp(type, "multipart/", 10) == 0) {
		size_t bl = strlen(bnd);
		const char *part = NULL, *next;
		if (bl == 0 || depth >= DSN_DEPTH_MAX)
			return;
		while (p < end) {
			const char *ls = p;
			size_t n = line_of(p, end, &next);
			if (n >= bl + 2 && ls[0] == '-' && ls[1] == '-' && memcmp(ls + 2, bnd, bl) == 0) {
				int close = n >= bl + 4 && ls[bl + 2] == '-' && ls[bl + 3] == '-';
				size_t k = bl + 2 + (close ? 2 : 0);
				while (k < n && (ls[k] == ' ' || ls[k] == '\t'))
					k++;
				if (k == n) {
					if (part != NULL) {
						/* the line end before the delimiter belongs to it */
						const char *pe = ls;
						if (pe > part && pe[-1] == '\n')
							pe--;
						if (pe > part && pe[-1] == '\r')
							pe--;
						walk(part, pe, out, depth + 1, found);
					}
					if (close)
						return;
					part = next;
				}
			}
			p = next;
		}
		if (part != NULL && part < end)  /* no close delimiter: lenient */
			walk(part, end, out, depth + 1, found);
	} else if (strcmp(type, "message/delivery-status") == 0 ||
	    strcmp(type, "message/global-delivery-status") == 0) {
		if (dsn_parse_status(p, (size_t)(end - p), out) == 0)
			*found = 1;
	} else if ((strcmp(type, "message/rfc822") == 0 || strcmp(type, "text/rfc822-headers") == 0 ||
	    strcmp(type, "message/global") == 0) && out->orig_message_id[0] == 0)
		find_message_id(p, end, out);
}

int dsn_parse(const char *msg, size_t len, dsn_report *out, char *err, size_t errlen)
{
	int found = 0;

	memset(out, 0, sizeof *out);
	if (msg == NULL) {
		snprintf(err, errlen, "no message");
		return -1;
	}
	walk(msg, msg + len, out, 0, &found);
	if (!found) {
		snprintf(err, errlen, "no message/delivery-status part with a recipient");
		return -1;
	}
	return 0;
}

const dsn_rcpt *dsn_find(const dsn_report *r, dsn_action a)
{
	for (size_t i = 0; i < r->n_rcpt; i++)
		if (r->rcpt[i].action == a)
			return &r->rcpt[i];
	return NULL;
}

const char *dsn_action_str(dsn_action a)
{
	switch (a) {
	case DSN_ACTION_FAILED: return "failed";
	case DSN_ACTION_DELAYED: return "delayed";
	case DSN_ACTION_DELIVERED: return "delivered";
	case DSN_ACTION_RELAYED: return "relayed";
	case DSN_ACTION_EXPANDED: return "expanded";
	case DSN_ACTION_UNKNOWN: break;
	}
	return "unknown";
}

static int has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

const char *dsn_class(const dsn_rcpt *r)
{
	char d[DSN_FIELD_MAX];
	size_t i;

	for (i = 0; r->diagnostic[i] && i + 1 < sizeof d; i++)
		d[i] = (char)tolower((unsigned char)r->diagnostic[i]);
	d[i] = 0;
	if (has(d, "type=aaaa") && (has(d, "no data record") || has(d, "not found") || has(d, "no address")))
		return "no-aaaa";
	if (has(d, "host or domain name not found") || has(d, "host not found"))
		return "not-found";
	if (has(d, "connection refused"))
		return "refused";
	if (has(d, "timed out"))
		return "timeout";
	if (has(d, "network is unreachable") || has(d, "no route to host"))
		return "unreachable";
	if ((has(d, "greylist") || has(d, "graylist") || has(d, "try again later")) &&
	    (r->status[0] == '5' || has(d, "; 5") || has(d, " 55")))
		return "greylist-5xx";
	if (strncmp(r->status, "5.1.", 4) == 0 || has(d, "user unknown") || has(d, "does not exist"))
		return "invalid-recipient";
	if (r->action == DSN_ACTION_DELAYED || r->status[0] == '4')
		return "temporary";
	/* RFC 3463 3.6 (5.5.x: protocol status); Postfix words a broken
	 * session "protocol error", "lost connection", TLS ones "TLS" */
	if (strncmp(r->status, "5.5.", 4) == 0 || has(d, "protocol error") || has(d, "lost connection") ||
	    has(d, "tls") || has(d, "ssl") || has(d, "handshake"))
		return "protocol";
	if (strncmp(r->status, "5.7.", 4) == 0)
		return "policy";
	return "other";
}

void dsn_explain(const dsn_rcpt *r, char *out, size_t outlen)
{
	static const struct { const char *cls, *text; } t[] = {
		{ "no-aaaa", "The mail server (MX) of your domain has no IPv6 address (no AAAA record in the DNS), so mail from an IPv6-only sender cannot reach you." },
		{ "not-found", "The name of your domain or of its mail server was not found in the DNS when we looked it up over IPv6." },
		{ "refused", "Your mail server has an IPv6 address, but it refused the connection on port 25 over IPv6: it does not listen on IPv6, or a firewall rejects the connection." },
		{ "timeout", "Your mail server has an IPv6 address, but it did not answer on port 25 over IPv6 (connection timed out): a firewall drops the packets, or the IPv6 route to it is broken." },
		{ "unreachable", "Your mail server's IPv6 address cannot be reached: there is no route to it." },
		{ "greylist-5xx", "Your mail server answered with a permanent error (5xx) where greylisting should answer with a temporary one (4xx): the mail was refused instead of delayed." },
		{ "invalid-recipient", "Your mail server was reached over IPv6, but it does not accept the recipient address." },
		{ "temporary", "Your mail server could not take the message over IPv6 yet (a temporary failure, often greylisting); delivery is being retried." },
		{ "protocol", "Your mail server was reached over IPv6, but the SMTP conversation failed (a protocol or TLS error)." },
		{ "policy", "Your mail server was reached over IPv6, but refused the message by policy." },
	};
	const char *c = dsn_class(r), *s = "Delivery to your domain over IPv6 failed; the exact reason given by the mail system is quoted below.";

	if (outlen == 0)
		return;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].cls, c) == 0)
			s = t[i].text;
	snprintf(out, outlen, "%s", s);
}
