/*
 * rprobe: the autoresponder's "Your mail servers, probed from here"
 * section (issue 10, "The autoresponder uses it").  Runs the probe of the
 * sender's domain (probe/: SMTP, RFC 5321; STARTTLS, RFC 3207; never DATA,
 * only global addresses) bounded by probe_timeout, and says per address
 * what it saw, which checks warn or fail with their fix, and when an
 * address was not contacted or time ran out -- so that reply A already
 * tells why reply B may not arrive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "dns.h"
#include "preport.h"
#include "rprobe.h"

void rprobe_helo(const char *dflt, char *out, size_t outlen)
{
	char h[256], norm[DNS_TEXT_MAX + 2], err[160];
	if (gethostname(h, sizeof h) < 0)
		h[0] = 0;
	h[sizeof h - 1] = 0;
	if (h[0] && strchr(h, '.') && dns_name_normalize(h, norm, sizeof norm, err, sizeof err) == 0)
		snprintf(out, outlen, "%s", norm);
	else
		snprintf(out, outlen, "%s", dflt);
}

/* The addresses not contacted (not global: documentation, ULA, ...). */
static size_t put_skipped(GString *g, const probe *p)
{
	size_t n = 0;
	for (size_t h = 0; h < p->n_host; h++)
		for (size_t k = 0; k < p->host[h].n_skipped; k++, n++)
			g_string_append_printf(g, "  probe skipped: %s %s is not a global address, not contacted\n",
			    p->host[h].name, p->host[h].skipped[k]);
	return n;
}

/* 1 if addr occurs in text as a whole address (not inside a longer one:
 * "2001:db8::2" is not in "[2001:db8::25]"). */
static int named_in(const char *text, const char *addr)
{
	size_t n = strlen(addr);
	for (const char *q = strstr(text, addr); q; q = strstr(q + 1, addr)) {
		char before = q == text ? ' ' : q[-1], after = q[n];
		if (!g_ascii_isxdigit(before) && before != ':' && before != '.' &&
		    !g_ascii_isxdigit(after) && after != ':' && after != '.')
			return 1;
	}
	return 0;
}

/* One line per address (preport_lines: the i-th line is addr[i]), with its
 * family in front. */
static void put_lines(GString *g, const probe *p, const char *named)
{
	char *lines = malloc(16384);
	size_t i = 0;
	if (lines == NULL)
		abort();
	preport_lines(p, lines, 16384);
	for (char *s = lines, *e; *s && (e = strchr(s, '\n')) != NULL; s = e + 1, i++) {
		*e = 0;
		g_string_append_printf(g, "  %s %s%s\n", i < p->n_addr && p->addr[i].family == 6 ? "IPv6" : "IPv4", s,
		    named && i < p->n_addr && named_in(named, p->addr[i].address) ? " (named in the DSN)" : "");
	}
	free(lines);
}

/* What the probe means for reply B, which travels over IPv6 only. */
static void put_v6_verdict(GString *g, const probe *p)
{
	size_t n6 = 0, ok6 = 0;
	for (size_t i = 0; i < p->n_addr; i++)
		if (p->addr[i].family == 6) {
			n6++;
			ok6 += p->addr[i].tcp == PROBE_TCP_OK && p->addr[i].banner_code == 220;
		}
	if (n6 == 0)
		g_string_append(g, "  no IPv6: none of your mail servers has a global IPv6 address (AAAA) "
		    "we could contact, so reply B (sent over IPv6 only) cannot reach you\n");
	else if (ok6 == 0)
		g_string_append(g, "  no IPv6 address of your mail servers answers on port 25, "
		    "so reply B (sent over IPv6 only) cannot reach you\n");
	else
		g_string_append_printf(g, "  %zu of %zu IPv6 addresses of your mail servers answer on port 25: "
		    "reply B (sent over IPv6 only) can reach you\n", ok6, n6);
}

/* The section from p's facts (after probe_run, which finds the addresses). */
static char *render(const probe *p, double timeout, const char *named)
{
	GString *g = g_string_new(NULL);
	ready_item item[PREPORT_COUNT];

	if (p->dns_temp && p->n_addr == 0)
		g_string_append(g, "  probe skipped: the DNS lookups of your mail servers did not finish (temporary)\n");
	else if (p->null_mx)
		g_string_append(g, "  probe skipped: your domain says it receives no mail (null MX)\n");
	else if (p->n_addr == 0 && put_skipped(g, p) == 0)
		g_string_append(g, "  probe skipped: no mail server address found\n");
	if (p->n_addr == 0)
		return g_string_free(g, FALSE);
	if (p->error[0])
		g_string_append_printf(g, "  probe skipped: %s\n", p->error);
	/* whole network phase used up: say so, the unfinished show as timeouts */
	if (p->ran && p->seconds >= timeout - 0.05)
		g_string_append_printf(g, "  probe skipped: out of time after %.0f s (what did not finish is shown as a timeout)\n",
		    timeout);
	put_lines(g, p, named);
	put_skipped(g, p);
	put_v6_verdict(g, p);
	memset(item, 0, sizeof item);
	preport_judge(p, item);
	for (int i = 0; i < PREPORT_COUNT; i++) {
		const ready_item *it = &item[i];
		if (it->status == CHK_WARN || it->status == CHK_FAIL || it->status == CHK_TEMPERROR) {
			g_string_append_printf(g, "  %s %s: %s\n", result_chk_str(it->status), preport_id_str((preport_id)i),
			    it->summary);
			if (it->hint[0])
				g_string_append_printf(g, "    fix: %s\n", it->hint);
		}
		json_object_put(it->data);
	}
	/* server text went in: printable bytes and line ends only */
	for (size_t i = 0; i < g->len; i++)
		if (((unsigned char)g->str[i] < 0x20 && g->str[i] != '\n') || (unsigned char)g->str[i] >= 0x7f)
			g->str[i] = '?';
	return g_string_free(g, FALSE);
}

char *rprobe_section(probe *p, const char *helo, double timeout, const char *named)
{
	probe_opts o = { 0 };

	o.helo = helo;
	o.timeout = timeout;
	probe_run(p, &o);      /* finds the addresses; no network if there are none */
	return render(p, timeout, named);
}
