/*
 * Building and signing the responder's messages (see rmail.h).  Text comes
 * from the network only through checked addresses and message ids, the
 * quoted Subject (RFC 2047-decoded by the caller, control characters
 * removed here) and DSN fields; GMime encodes every header value it writes
 * (RFC 2047), so nothing from the input can start a new header field.
 * DKIM: RFC 6376 3.4 relaxed canonicalization of header and body.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dkim.h>
#include <gmime/gmime.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "rmail.h"
#include "rtext.h"

#define RMAIL_KEY_MAX 16384         /* a PEM key file read */
#define RMAIL_QUOTE_MAX 200         /* octets of a quoted subject */
#define RMAIL_WRAP 76               /* text lines (RFC 5322 2.1.1: 78 recommended) */

static const char *domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : addr;
}

int rmail_msgid_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 5 || n > 250 || s[0] != '<' || s[n - 1] != '>' || memchr(s, '@', n) == NULL)
		return 0;
	for (size_t i = 1; i + 1 < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '<' || s[i] == '>')
			return 0;
	return 1;
}

/* Appends s with control characters dropped and at most max octets, cut
 * only between UTF-8 characters; an octet that starts no UTF-8 character
 * becomes '?' (the text part is declared UTF-8). */
static void append_clean(GString *g, const char *s, size_t max)
{
	size_t n = 0, i = 0, len = s ? strlen(s) : 0;

	while (i < len) {
		size_t k = rtext_utf8_len(s + i, len - i);
		const unsigned char *u = (const unsigned char *)s + i;
		if (n + (k ? k : 1) > max)
			break;
		if (k == 0)
			g_string_append_c(g, '?');
		else if ((k == 1 && u[0] >= 0x20 && u[0] != 0x7f) || (k == 2 && !(u[0] == 0xc2 && u[1] < 0xa0)) || k > 2)
			g_string_append_len(g, s + i, (gssize)k);      /* C0, DEL and C1 controls dropped */
		n += k ? k : 1;
		i += k ? k : 1;
	}
	if (i < len)
		g_string_append(g, "...");
}

/* Appends s cleaned like append_clean, wrapped at RMAIL_WRAP columns with
 * continuation lines indented by indent spaces (col: the current column). */
static void append_wrapped(GString *g, const char *s, size_t max, size_t col, size_t indent)
{
	GString *w = g_string_new(NULL);
	const char *p;

	append_clean(w, s, max);
	p = w->str;
	while (*p) {
		size_t n = strcspn(p, " ");
		if (col > indent && col + 1 + n > RMAIL_WRAP) {
			g_string_append_c(g, '\n');
			for (size_t i = 0; i < indent; i++)
				g_string_append_c(g, ' ');
			col = indent;
		} else if (col > indent) {
			g_string_append_c(g, ' ');
			col++;
		}
		g_string_append_len(g, p, (gssize)n);
		col += n;
		p += n;
		while (*p == ' ')
			p++;
	}
	g_string_free(w, TRUE);
}

static void append_html(GString *g, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '<': g_string_append(g, "&lt;"); break;
		case '>': g_string_append(g, "&gt;"); break;
		case '&': g_string_append(g, "&amp;"); break;
		case '"': g_string_append(g, "&quot;"); break;
		default:
			if ((unsigned char)*s >= 0x20 && *s != 0x7f)
				g_string_append_c(g, *s);
		}
}

typedef enum { MK_PASS, MK_INFO, MK_WARN, MK_FAIL, MK_TEMP } mark;

static const char *mark_text(mark m)
{
	static const char *const t[] = { "[PASS]", "[INFO]", "[WARN]", "[FAIL]", "[TEMPERROR]" };
	return t[m];
}

static const char *mark_html(mark m)
{
	static const char *const t[] = {
		"<span style=\"color:#080;font-weight:bold\">&#10004; pass</span>",
		"<span style=\"color:#555\">&#8505; info</span>",
		"<span style=\"color:#b60;font-weight:bold\">&#9888; warn</span>",
		"<span style=\"color:#c00;font-weight:bold\">&#10008; fail</span>",
		"<span style=\"color:#b60;font-weight:bold\">&#8987; temperror</span>",
	};
	return t[m];
}

static mark auth_mark(const char *r)
{
	if (strcmp(r, "pass") == 0)
		return MK_PASS;
	if (strcmp(r, "fail") == 0 || strcmp(r, "permerror") == 0)
		return MK_FAIL;
	if (strcmp(r, "temperror") == 0)
		return MK_TEMP;
	return MK_WARN;
}

static mark chk_mark(chk_status s)
{
	switch (s) {
	case CHK_PASS: return MK_PASS;
	case CHK_INFO: return MK_INFO;
	case CHK_WARN: return MK_WARN;
	case CHK_FAIL: return MK_FAIL;
	case CHK_TEMPERROR: return MK_TEMP;
	}
	return MK_TEMP;
}

/* One line of the report: mark, label, result, detail, and a fix. */
typedef struct row {
	mark m;
	const char *label, *result;
	char detail[600];
	const char *fix;
} row;

static const char *auth_fix(const char *method, const char *r)
{
	if (strcmp(r, "pass") == 0)
		return NULL;
	if (strcmp(r, "temperror") == 0)
		return "A DNS lookup failed temporarily; check that your name servers answer (over IPv6 too).";
	if (strcmp(method, "SPF") == 0)
		return "Publish one SPF record (TXT \"v=spf1 ... -all\") that covers the IPv6 addresses of your outgoing servers (ip6:, or a/mx with AAAA records).";
	if (strcmp(method, "DKIM") == 0)
		return "Sign outgoing mail with DKIM and publish the public key at SELECTOR._domainkey.YOUR-DOMAIN.";
	if (strcmp(method, "DMARC") == 0)
		return "Publish a _dmarc TXT record (v=DMARC1; p=quarantine or reject) once SPF or DKIM pass and align with your From domain.";
	return "Give your sending server's IPv6 address a PTR record whose name resolves back to that address (several large providers refuse IPv6 mail without it).";
}

static size_t build_rows(const rmail_test *t, row *rows, size_t max)
{
	size_t n = 0;
	const rpolicy_auth *a = t->auth;
	const struct { const char *label, *res, *prop; } am[] = {
		{ "SPF", a->spf, a->spf_prop }, { "DKIM", a->dkim, a->dkim_prop },
		{ "DMARC", a->dmarc, a->dmarc_prop }, { "iprev", a->iprev, "" },
	};
	for (size_t i = 0; i < 4 && n < max; i++, n++) {
		rows[n].m = auth_mark(am[i].res);
		rows[n].label = am[i].label;
		rows[n].result = am[i].res;
		snprintf(rows[n].detail, sizeof rows[n].detail, "%s", am[i].prop);
		rows[n].fix = auth_fix(am[i].label, am[i].res);
	}
	return n;
}

/* "Your mail servers, probed from here" (rprobe.c made the lines: already
 * printable, each ending in LF); long lines wrapped at their indentation. */
static void text_probe(GString *g, const char *probe)
{
	const char *s = probe, *e;
	if (s == NULL || s[0] == 0)
		return;
	g_string_append(g, "\nYour mail servers, probed from here (port 25; no mail is sent)\n");
	for (; *s && (e = strchr(s, '\n')) != NULL; s = e + 1) {
		size_t lead = 0, n = (size_t)(e - s);
		char line[1200];
		while (lead < n && s[lead] == ' ')
			lead++;
		if (n - lead >= sizeof line)
			n = lead + sizeof line - 1;
		memcpy(line, s + lead, n - lead);
		line[n - lead] = 0;
		g_string_append_len(g, s, (gssize)lead);
		append_wrapped(g, line, sizeof line, lead, lead);
		g_string_append(g, "\n");
	}
}

/* The same section as an HTML list. */
static void html_probe(GString *g, const rmail_test *t)
{
	const char *s = t->probe, *e;
	if (s == NULL || s[0] == 0)
		return;
	g_string_append(g, "<h3>Your mail servers, probed from here</h3>\n<p>Port 25; no mail is sent.</p>\n<ul>\n");
	for (; *s && (e = strchr(s, '\n')) != NULL; s = e + 1) {
		char line[1200];
		size_t n = (size_t)(e - s);
		while (n > 0 && *s == ' ')
			s++, n--;
		if (n >= sizeof line)
			n = sizeof line - 1;
		memcpy(line, s, n);
		line[n] = 0;
		g_string_append(g, "<li>");
		append_html(g, line);
		g_string_append(g, "</li>\n");
	}
	g_string_append(g, "</ul>\n");
}

static void text_report(GString *g, const rconf *rc, const rmail_test *t, int kind)
{
	const char *v6dom = domain_of(rc->v6only_address);
	int six = strchr(t->client_addr, ':') != NULL;
	row rows[8];
	size_t nr = build_rows(t, rows, 8);

	char para[1024];

	g_string_append(g, "Hello,\n\n");
	snprintf(para, sizeof para, "your test message to <%s> arrived%s.", rc->v6only_address,
	    six ? " over IPv6, so your mail system can SEND mail over IPv6" : "");
	append_wrapped(g, para, sizeof para, 0, 0);
	g_string_append(g, "\n\n");
	if (kind == 'A')
		snprintf(para, sizeof para, "This is reply A, sent from the dual-stack address <%s>. "
		    "A second reply (B) comes from <%s>; the domain %s has IPv6 addresses only, so reply B "
		    "reaches you only if your domain RECEIVES mail over IPv6. If reply B cannot be delivered, "
		    "we forward the reason to you.", rc->dual_address, rc->v6only_address, v6dom);
	else
		snprintf(para, sizeof para, "This is reply B, sent from <%s> over IPv6 only (%s has no IPv4 "
		    "address). You are reading it, so your domain RECEIVES mail over IPv6.",
		    rc->v6only_address, v6dom);
	append_wrapped(g, para, sizeof para, 0, 0);
	g_string_append(g, "\n\n");
	g_string_append(g, "How your message arrived\n");
	g_string_append_printf(g, "  Protocol:       %s\n", t->client_addr[0] ? (six ? "IPv6" : "IPv4") : "unknown");
	g_string_append(g, "  Client address: ");
	append_clean(g, t->client_addr[0] ? t->client_addr : "unknown", 64);
	g_string_append(g, "\n  Reverse DNS:    ");
	append_clean(g, t->client_name[0] ? t->client_name : "unknown", 260);
	g_string_append(g, "\n  HELO:           ");
	append_clean(g, t->helo[0] ? t->helo : "unknown", 260);
	g_string_append(g, "\n  TLS:            ");
	append_clean(g, t->tls[0] ? t->tls : "none", 200);
	g_string_append(g, "\n");
	if (t->orig_subject[0]) {
		g_string_append(g, "  Subject:        ");
		append_clean(g, t->orig_subject, RMAIL_QUOTE_MAX);
		g_string_append(g, "\n");
	} else if (t->over_size)
		g_string_append(g, "  (your message was larger than we read; nothing of it is quoted)\n");
	g_string_append_printf(g, "\nAuthentication of your message%s\n",
	    t->auth->found ? "" : " (no result from our checker: shown as none)");
	for (size_t i = 0; i < nr; i++) {
		g_string_append_printf(g, "  %-11s %-6s %s", mark_text(rows[i].m), rows[i].label, rows[i].result);
		if (rows[i].detail[0]) {
			g_string_append(g, "  ");
			append_clean(g, rows[i].detail, 250);
		}
		g_string_append(g, "\n");
		if (rows[i].fix) {
			g_string_append(g, "              fix: ");
			append_wrapped(g, rows[i].fix, 600, 19, 19);
			g_string_append(g, "\n");
		}
	}
	text_probe(g, t->probe);
	if (t->ready) {
		g_string_append_printf(g, "\nReadiness of your domain %s (verdict: %s)\n", t->ready->domain,
		    result_chk_str(t->ready->verdict));
		for (int i = 0; i < READY_COUNT; i++) {
			const ready_item *it = &t->ready->item[i];
			g_string_append_printf(g, "  %-11s %-13s ", mark_text(chk_mark(it->status)), ready_id_str((ready_id)i));
			append_wrapped(g, it->summary, READY_TEXT_MAX, 28, 28);
			g_string_append(g, "\n");
			if (it->hint[0] && (it->status == CHK_WARN || it->status == CHK_FAIL || it->status == CHK_TEMPERROR)) {
				g_string_append(g, "              fix: ");
				append_wrapped(g, it->hint, READY_TEXT_MAX, 19, 19);
				g_string_append(g, "\n");
			}
		}
	}
	g_string_append_printf(g, "\n-- \n%s\n", rc->display_name);
}

static void html_report(GString *g, const rconf *rc, const rmail_test *t, int kind)
{
	int six = strchr(t->client_addr, ':') != NULL;
	row rows[8];
	size_t nr = build_rows(t, rows, 8);
	const char *facts[][2] = {
		{ "Protocol", t->client_addr[0] ? (six ? "IPv6" : "IPv4") : "unknown" },
		{ "Client address", t->client_addr[0] ? t->client_addr : "unknown" },
		{ "Reverse DNS", t->client_name[0] ? t->client_name : "unknown" },
		{ "HELO", t->helo[0] ? t->helo : "unknown" },
		{ "TLS", t->tls[0] ? t->tls : "none" },
	};

	g_string_append(g, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	append_html(g, rc->display_name);
	g_string_append(g, "</title></head>\n<body style=\"font-family:sans-serif\">\n<p>Your test message to <b>");
	append_html(g, rc->v6only_address);
	g_string_append_printf(g, "</b> arrived%s.</p>\n", six ? " over IPv6: your mail system <b>sends</b> mail over IPv6" : "");
	if (kind == 'A') {
		g_string_append(g, "<p>This is <b>reply A</b>, from the dual-stack address ");
		append_html(g, rc->dual_address);
		g_string_append(g, ". Reply B comes from ");
		append_html(g, rc->v6only_address);
		g_string_append(g, " (IPv6 only); it reaches you only if your domain <b>receives</b> mail over IPv6. "
		    "If it cannot be delivered, we forward the reason to you.</p>\n");
	} else {
		g_string_append(g, "<p>This is <b>reply B</b>, sent from ");
		append_html(g, rc->v6only_address);
		g_string_append(g, " over IPv6 only. You are reading it: your domain <b>receives</b> mail over IPv6.</p>\n");
	}
	g_string_append(g, "<h3>How your message arrived</h3>\n<table>\n");
	for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
		g_string_append_printf(g, "<tr><td>%s</td><td>", facts[i][0]);
		append_html(g, facts[i][1]);
		g_string_append(g, "</td></tr>\n");
	}
	g_string_append(g, "</table>\n<h3>Authentication</h3>\n<table>\n");
	for (size_t i = 0; i < nr; i++) {
		g_string_append_printf(g, "<tr><td>%s</td><td>%s</td><td>", mark_html(rows[i].m), rows[i].label);
		append_html(g, rows[i].result);
		g_string_append(g, " ");
		append_html(g, rows[i].detail);
		g_string_append(g, "</td></tr>\n");
		if (rows[i].fix) {
			g_string_append(g, "<tr><td></td><td colspan=\"2\"><i>fix:</i> ");
			append_html(g, rows[i].fix);
			g_string_append(g, "</td></tr>\n");
		}
	}
	g_string_append(g, "</table>\n");
	html_probe(g, t);
	if (t->ready) {
		g_string_append(g, "<h3>Readiness of ");
		append_html(g, t->ready->domain);
		g_string_append_printf(g, " (%s)</h3>\n<table>\n", result_chk_str(t->ready->verdict));
		for (int i = 0; i < READY_COUNT; i++) {
			const ready_item *it = &t->ready->item[i];
			g_string_append_printf(g, "<tr><td>%s</td><td>%s</td><td>", mark_html(chk_mark(it->status)),
			    ready_id_str((ready_id)i));
			append_html(g, it->summary);
			g_string_append(g, "</td></tr>\n");
			if (it->hint[0] && (it->status == CHK_WARN || it->status == CHK_FAIL || it->status == CHK_TEMPERROR)) {
				g_string_append(g, "<tr><td></td><td colspan=\"2\"><i>fix:</i> ");
				append_html(g, it->hint);
				g_string_append(g, "</td></tr>\n");
			}
		}
		g_string_append(g, "</table>\n");
	}
	g_string_append(g, "<p>&mdash; ");
	append_html(g, rc->display_name);
	g_string_append(g, "</p>\n</body></html>\n");
}

static GMimeTextPart *text_part(const char *subtype, const char *text)
{
	GMimeTextPart *p = g_mime_text_part_new_with_subtype(subtype);
	g_mime_text_part_set_text(p, text);
	g_mime_part_set_content_encoding(GMIME_PART(p), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return p;
}

static GMimeMessage *new_message(const rconf *rc, const char *from, const char *to,
	const char *subject, const char *msgid_local)
{
	GMimeMessage *m = g_mime_message_new(TRUE);
	GDateTime *now = g_date_time_new_now_local();
	char mid[300];

	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, rc->display_name, from);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, NULL, to);
	g_mime_message_set_subject(m, subject, "utf-8");
	g_mime_message_set_date(m, now);
	g_date_time_unref(now);
	snprintf(mid, sizeof mid, "%s@%s", msgid_local, domain_of(from));
	g_mime_message_set_message_id(m, mid);
	/* RFC 3834 5: marks the message as an automatic response */
	g_mime_object_set_header(GMIME_OBJECT(m), "Auto-Submitted", "auto-replied", NULL);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-Auto-Response-Suppress", "All", NULL);
	return m;
}

/* Serialises m with CRLF line ends.  GMime writes what it parsed (the
 * attached DSN) with the line ends it came with, so bare LF and CR are made
 * CRLF here, before signing (DKIM signs what is sent).  Lengths, not
 * strlen: an attached DSN may hold NUL octets. */
static char *serialise(GMimeMessage *m, size_t *len)
{
	GMimeFormatOptions *fo = g_mime_format_options_new();
	GMimeStream *st = g_mime_stream_mem_new();
	char *out = NULL;

	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	if (g_mime_object_write_to_stream(GMIME_OBJECT(m), fo, st) >= 0) {
		GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st));
		out = rtext_crlf((const char *)ba->data, ba->len, len);
	}
	g_mime_format_options_free(fo);
	g_object_unref(st);
	return out;
}

/* Signs raw (n octets, CRLF) when a key is configured; raw is consumed. */
static char *sign(char *raw, size_t n, const char *keyfile, const char *selector, const char *domain,
	size_t *len, char *err, size_t errlen)
{
	char *signed_msg;

	if (keyfile == NULL || keyfile[0] == 0) {
		*len = n;
		return raw;
	}
	signed_msg = rmail_dkim_sign(raw, n, keyfile, selector, domain, len, err, errlen);
	free(raw);
	return signed_msg;
}

static char *finish(GMimeMessage *m, const char *keyfile, const char *selector, const char *domain,
	size_t *len, char *err, size_t errlen)
{
	size_t n = 0;
	char *raw = serialise(m, &n);

	if (raw == NULL) {
		snprintf(err, errlen, "cannot serialise the message");
		return NULL;
	}
	return sign(raw, n, keyfile, selector, domain, len, err, errlen);
}

char *rmail_reply(const rconf *rc, const rmail_test *t, int kind, size_t *len, char *err, size_t errlen)
{
	const char *from = kind == 'A' ? rc->dual_address : rc->v6only_address;
	int six = strchr(t->client_addr, ':') != NULL;
	char subject[200], mid[64];
	GString *txt = g_string_new(NULL), *html = g_string_new(NULL);
	GMimeMessage *m;
	GMimeMultipart *alt;
	GMimeTextPart *tp, *hp;
	char *out;

	if (kind == 'A')
		snprintf(subject, sizeof subject, "IPv6 mail test: your mail arrived over %s (reply A of 2)",
		    six ? "IPv6" : "IPv4");
	else
		snprintf(subject, sizeof subject, "IPv6 mail test: reply B of 2, sent over IPv6 only");
	snprintf(mid, sizeof mid, "%s.%c.mxready", t->reply_id, kind == 'A' ? 'a' : 'b');
	m = new_message(rc, from, t->sender, subject, mid);
	if (t->orig_msgid[0] && rmail_msgid_ok(t->orig_msgid)) {
		g_mime_object_set_header(GMIME_OBJECT(m), "In-Reply-To", t->orig_msgid, NULL);
		g_mime_object_set_header(GMIME_OBJECT(m), "References", t->orig_msgid, NULL);
	}
	text_report(txt, rc, t, kind);
	html_report(html, rc, t, kind);
	alt = g_mime_multipart_new_with_subtype("alternative");
	tp = text_part("plain", txt->str);
	hp = text_part("html", html->str);
	g_mime_multipart_add(alt, GMIME_OBJECT(tp));
	g_mime_multipart_add(alt, GMIME_OBJECT(hp));
	g_object_unref(tp);
	g_object_unref(hp);
	g_mime_message_set_mime_part(m, GMIME_OBJECT(alt));
	g_object_unref(alt);
	g_string_free(txt, TRUE);
	g_string_free(html, TRUE);
	out = finish(m, kind == 'A' ? rc->dkim_dual_key : rc->dkim_v6_key,
	    kind == 'A' ? rc->dkim_dual_selector : rc->dkim_v6_selector, domain_of(from), len, err, errlen);
	g_object_unref(m);
	return out;
}

/* The text of a forwarded DSN or of the "still trying" notice. */
static char *forward_text(const rconf *rc, const dsn_rcpt *r, int delayed, const char *probe)
{
	GString *txt = g_string_new(NULL);
	char why[512], para[1024];

	dsn_explain(r, why, sizeof why);
	if (delayed)
		snprintf(para, sizeof para, "Our reply B from <%s>, sent over IPv6 only, has not "
		    "reached your mail server yet. We keep trying; if it finally fails, you will get one "
		    "more message with the reason.", rc->v6only_address);
	else
		snprintf(para, sizeof para, "Although you were able to send a message to an IPv6-only "
		    "address, there was a problem delivering our reply from that address (<%s>) to you.",
		    rc->v6only_address);
	g_string_append(txt, delayed ? "Hello,\n\n" : "Sorry!\n\n");
	append_wrapped(txt, para, sizeof para, 0, 0);
	g_string_append(txt, delayed ? "\n\nWhat happened so far:" : "\n\nIn plain words:");
	append_wrapped(txt, why, sizeof why, delayed ? 21 : 15, 0);
	g_string_append(txt, "\n\nWhat our mail server reported:\n  Recipient:       ");
	append_clean(txt, r->final_recipient, DSN_ADDR_MAX);
	g_string_append(txt, "\n  Action:          ");
	g_string_append(txt, dsn_action_str(r->action));
	g_string_append(txt, "\n  Status:          ");
	append_clean(txt, r->status[0] ? r->status : "-", DSN_STATUS_MAX);
	g_string_append(txt, "\n  Diagnostic-Code: ");
	append_wrapped(txt, r->diagnostic[0] ? r->diagnostic : "-", DSN_FIELD_MAX, 19, 19);
	g_string_append(txt, "\n");
	text_probe(txt, probe);
	if (!delayed)
		g_string_append(txt, "\nThe full report of our mail server is attached. You can pass it to your\n"
		    "e-mail service provider.\n");
	g_string_append_printf(txt, "\n-- \n%s\n", rc->display_name);
	return g_string_free(txt, FALSE);
}

/* Gives every leaf part of the attached DSN whose content has NUL octets or
 * lines over 998 octets a transfer encoding that carries them within SMTP's
 * bounds (quoted-printable or base64, RFC 2045 6; GMime re-encodes on
 * output).  Parts already so encoded are left as they are. */
static void encode_leaves(GMimeObject *o, int depth)
{
	if (o == NULL || depth > 32)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (int i = 0; i < n; i++)
			encode_leaves(g_mime_multipart_get_part(GMIME_MULTIPART(o), i), depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *mm = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		if (mm != NULL)
			encode_leaves(g_mime_message_get_mime_part(mm), depth + 1);
	} else if (GMIME_IS_PART(o)) {
		GMimePart *p = GMIME_PART(o);
		GMimeContentEncoding cur = g_mime_part_get_content_encoding(p), best;
		if (cur == GMIME_CONTENT_ENCODING_BASE64 || cur == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
		    cur == GMIME_CONTENT_ENCODING_UUENCODE || g_mime_part_get_content(p) == NULL)
			return;
		best = g_mime_part_get_best_content_encoding(p, GMIME_ENCODING_CONSTRAINT_8BIT);
		if (best == GMIME_CONTENT_ENCODING_BASE64 || best == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
			g_mime_part_set_content_encoding(p, best);
	}
}

/* The DSN (dsn, dsnlen) as an attachment: message/rfc822 with its parts
 * encoded to fit SMTP, or, when raw is set (the parsed form did not fit:
 * a header line over 998 octets, a NUL in a header), the octets as they
 * came in a base64 application/octet-stream part named dsn.eml. */
static GMimeObject *dsn_attachment(const char *dsn, size_t dsnlen, int raw)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(dsn, dsnlen);
	GMimeObject *att = NULL;

	if (raw) {
		GMimePart *p = g_mime_part_new_with_type("application", "octet-stream");
		GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_BINARY);
		g_mime_part_set_content(p, w);
		g_object_unref(w);
		g_mime_part_set_content_encoding(p, GMIME_CONTENT_ENCODING_BASE64);
		g_mime_part_set_filename(p, "dsn.eml");
		att = GMIME_OBJECT(p);
	} else {
		GMimeParser *ps = g_mime_parser_new_with_stream(st);
		GMimeMessage *inner = g_mime_parser_construct_message(ps, NULL);
		if (inner != NULL) {
			encode_leaves(g_mime_message_get_mime_part(inner), 0);
			att = GMIME_OBJECT(g_mime_message_part_new_with_message("rfc822", inner));
			g_object_unref(inner);
		}
		g_object_unref(ps);
	}
	if (att != NULL)
		g_mime_object_set_disposition(att, "attachment");
	g_object_unref(st);
	return att;
}

/* The forward (or the notice) serialised, unsigned; raw as in dsn_attachment. */
static char *forward_build(const rconf *rc, const char *to, const dsn_rcpt *r, const char *dsn,
	size_t dsnlen, int delayed, const char *probe, int raw, size_t *len)
{
	char mid[64], *txt = forward_text(rc, r, delayed, probe), *out;
	unsigned char rnd[6];
	GMimeMessage *m;
	GMimeTextPart *tp;

	if (RAND_bytes(rnd, sizeof rnd) != 1) {
		/* no entropy: time and process id still make the id unique */
		unsigned long long v = (unsigned long long)time(NULL) << 16 ^ (unsigned long long)getpid();
		for (size_t i = 0; i < sizeof rnd; i++)
			rnd[i] = (unsigned char)(v >> (8 * i));
	}
	snprintf(mid, sizeof mid, "%s.%02x%02x%02x%02x%02x%02x.mxready", delayed ? "delay" : "dsn",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	m = new_message(rc, rc->dual_address, to, delayed ? "IPv6 mail test: still trying to reach you over IPv6"
	    : "You are not receiving e-mails over IPv6!", mid);
	tp = text_part("plain", txt);
	g_free(txt);
	if (delayed) {
		g_mime_message_set_mime_part(m, GMIME_OBJECT(tp));
	} else {
		GMimeMultipart *mix = g_mime_multipart_new_with_subtype("mixed");
		GMimeObject *att = dsn_attachment(dsn, dsnlen, raw);
		g_mime_multipart_add(mix, GMIME_OBJECT(tp));
		if (att != NULL) {
			g_mime_multipart_add(mix, att);
			g_object_unref(att);
		}
		g_mime_message_set_mime_part(m, GMIME_OBJECT(mix));
		g_object_unref(mix);
	}
	g_object_unref(tp);
	out = serialise(m, len);
	g_object_unref(m);
	return out;
}

char *rmail_forward(const rconf *rc, const char *to, const dsn_rcpt *r, const char *dsn,
	size_t dsnlen, int delayed, const char *probe, size_t *len, char *err, size_t errlen)
{
	size_t n = 0;
	char *raw = forward_build(rc, to, r, dsn, dsnlen, delayed, probe, 0, &n);

	if (raw != NULL && !rtext_smtp_safe(raw, n)) {
		free(raw);
		raw = forward_build(rc, to, r, dsn, dsnlen, delayed, probe, 1, &n);
	}
	if (raw == NULL || !rtext_smtp_safe(raw, n)) {
		free(raw);
		snprintf(err, errlen, "cannot serialise the forward within SMTP's line bounds");
		return NULL;
	}
	return sign(raw, n, rc->dkim_dual_key, rc->dkim_dual_selector, domain_of(rc->dual_address), len, err, errlen);
}

/* Reads a whole (small) file. */
static char *read_key(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *b;
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	b = malloc(RMAIL_KEY_MAX);
	if (b == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = fread(b, 1, RMAIL_KEY_MAX - 1, f);
	fclose(f);
	b[n] = 0;
	return b;
}

static int key_is_ed25519(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	int ed = k && EVP_PKEY_id(k) == EVP_PKEY_ED25519;
	EVP_PKEY_free(k);
	BIO_free(bio);
	return ed;
}

char *rmail_dkim_sign(const char *msg, size_t len, const char *keyfile, const char *selector,
	const char *domain, size_t *outlen, char *err, size_t errlen)
{
	char *key = read_key(keyfile, err, errlen), *out = NULL;
	DKIM_LIB *lib = NULL;
	DKIM *d = NULL;
	DKIM_STAT st;
	const char *p = msg, *end = msg + len, *body = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;

	if (key == NULL)
		return NULL;
	lib = dkim_init(NULL, NULL);
	if (lib == NULL) {
		snprintf(err, errlen, "dkim_init failed");
		goto done;
	}
	d = dkim_sign(lib, (const unsigned char *)"mxready", NULL, (dkim_sigkey_t)key,
	    (const unsigned char *)selector, (const unsigned char *)domain, DKIM_CANON_RELAXED,
	    DKIM_CANON_RELAXED, key_is_ed25519(key) ? DKIM_SIGN_ED25519SHA256 : DKIM_SIGN_RSASHA256, -1, &st);
	if (d == NULL) {
		snprintf(err, errlen, "dkim_sign: %s", dkim_getresultstr(st));
		goto done;
	}
	/* header fields: a field ends at a CRLF not followed by white space */
	while (p < end) {
		const char *f = p, *e;
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
			body = p + 2;
			break;
		}
		for (e = p;; e++) {
			e = memchr(e, '\n', (size_t)(end - e));
			if (e == NULL || e + 1 >= end || (e[1] != ' ' && e[1] != '\t'))
				break;
		}
		if (e == NULL) {
			snprintf(err, errlen, "message without a body separator");
			goto done;
		}
		if (dkim_header(d, (unsigned char *)(uintptr_t)f, (size_t)(e - f - (e > f && e[-1] == '\r'))) != DKIM_STAT_OK) {
			snprintf(err, errlen, "dkim_header failed");
			goto done;
		}
		p = e + 1;
	}
	if (body == NULL || dkim_eoh(d) != DKIM_STAT_OK ||
	    dkim_body(d, (unsigned char *)(uintptr_t)body, (size_t)(end - body)) != DKIM_STAT_OK ||
	    dkim_eom(d, NULL) != DKIM_STAT_OK ||
	    dkim_getsighdr_d(d, sizeof "DKIM-Signature: " - 1, &sig, &siglen) != DKIM_STAT_OK) {
		snprintf(err, errlen, "DKIM signing failed: %s", dkim_geterror(d) ? dkim_geterror(d) : "?");
		goto done;
	}
	{
		GString *g = g_string_new("DKIM-Signature: ");
		for (size_t i = 0; i < siglen; i++) {
			if (sig[i] == '\n' && (i == 0 || sig[i - 1] != '\r'))
				g_string_append_c(g, '\r');
			g_string_append_c(g, (char)sig[i]);
		}
		g_string_append(g, "\r\n");
		g_string_append_len(g, msg, (gssize)len);
		*outlen = g->len;
		out = malloc(g->len + 1);
		if (out)
			memcpy(out, g->str, g->len + 1);
		g_string_free(g, TRUE);
	}
done:
	if (d)
		dkim_free(d);
	if (lib)
		dkim_close(lib);
	free(key);
	return out;
}
