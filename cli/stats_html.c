/*
 * The self-contained HTML page of `mxready stats` (HTML5, inline CSS,
 * inline SVG 1.1; no script, no external resource, so it works offline, in
 * a mail client and in print).  Colours are the Okabe-Ito palette, safe for
 * the common colour-vision deficiencies, and every coloured segment also
 * carries its word and number in text (legend, label, table): colour is
 * never the only carrier.  Every chart element names its data in data-*
 * attributes so that a test can count them in the rendered DOM.
 */
#include <stdlib.h>
#include <string.h>

#include "stats_html.h"
#include "stats_report.h"

static void esc(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(s[i], f);
		}
	}
}

static void escs(FILE *f, const char *s)
{
	esc(f, s, strlen(s));
}

static const char css[] =
	":root{--pass:#009E73;--fail:#D55E00;--warn:#E69F00;--info:#56B4E9;--temp:#CC79A7;"
	"--perm:#F0E442;--none:#999999;--v4:#E69F00;--v6:#0072B2;--ink:#1a1a1a}"
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);"
	"margin:0 auto;max-width:64rem;padding:0 1rem 2rem}"
	"h1{font-size:1.6rem;margin:1rem 0 .2rem}h2{font-size:1.25rem;border-bottom:2px solid #ccc;"
	"margin-top:2rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}"
	".figs{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}"
	".fig{border:1px solid #ccc;border-radius:6px;padding:.4rem .7rem;min-width:8rem}"
	".fig b{display:block;font-size:1.35rem}"
	"svg{width:100%;height:auto;display:block}svg text{font:15px sans-serif;fill:var(--ink)}"
	"svg text.in{fill:#000}"
	".ipv4{fill:var(--v4)}.ipv6{fill:var(--v6)}.none,.not_checked,.not_logged{fill:var(--none)}"
	".pass,.accept,.dkim_only,.spf_only,.both{fill:var(--pass)}.both{fill:#0072B2}.spf_only{fill:#56B4E9}"
	".fail,.reject{fill:var(--fail)}.softfail,.warn,.tag,.quarantine{fill:var(--warn)}"
	".neutral,.info{fill:var(--info)}.temperror,.tempfail{fill:var(--temp)}.permerror{fill:var(--perm)}.policy{fill:#C9B3E6}"
	".other{fill:#666}.bounce{fill:var(--fail)}"
	".key{display:inline-block;width:.9em;height:.9em;border:1px solid #333;vertical-align:-.1em;margin:0 .25em 0 .8em}"
	"table{border-collapse:collapse;margin:.4rem 0;font-variant-numeric:tabular-nums}"
	"td,th{padding:.15rem .6rem;border-bottom:1px solid #ddd;text-align:right}"
	"td:first-child,th:first-child{text-align:left}"
	".scroll{overflow-x:auto}"
	"figure{margin:.6rem 0}figcaption{font-size:.9rem;color:#444}"
	"@media print{body{max-width:none;font-size:10pt}section,figure{break-inside:avoid}"
	"h2{break-after:avoid}}";

static void fig(FILE *f, const char *what, uint64_t n, const char *note)
{
	fprintf(f, "<div class=\"fig\"><b>%llu</b>", (unsigned long long)n);
	escs(f, what);
	if (note && *note) {
		fputs(" <small>", f);
		escs(f, note);
		fputs("</small>", f);
	}
	fputs("</div>\n", f);
}

static void legend(FILE *f, const char *const *names, const char *const *labels, int k)
{
	fputs("<figcaption>", f);
	for (int i = 0; i < k; i++) {
		fprintf(f, "<svg class=\"key\" viewBox=\"0 0 10 10\" aria-hidden=\"true\" style=\"width:.9em;display:inline\">"
		    "<rect class=\"%s\" width=\"10\" height=\"10\"/></svg>", names[i]);
		escs(f, labels[i]);
		fputc(' ', f);
	}
	fputs("</figcaption>\n", f);
}

/* Vertical stacked columns: one per label, k series (IPv4, IPv6, none). */
static void columns(FILE *f, const char *id, const char *title, char (*labels)[16], const uint64_t (*v)[STATS_F_N],
    size_t n)
{
	static const char *const lab[STATS_F_N] = { "IPv4", "IPv6", "no address" };
	uint64_t max = 1;
	double W = 640, H = 240, top = 20, left = 52, bottom = 40, bw;
	for (size_t i = 0; i < n; i++) {
		uint64_t t = v[i][0] + v[i][1] + v[i][2];
		if (t > max)
			max = t;
	}
	bw = (W - left - 8) / (double)(n ? n : 1);
	fprintf(f, "<figure id=\"%s\"><h3>", id);
	escs(f, title);
	fprintf(f, "</h3><svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", W, H);
	escs(f, title);
	fputs("\">\n", f);
	fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#333\"/>", left, H - bottom, W - 8, H - bottom);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%llu</text>", left - 4, top + 4, (unsigned long long)max);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">0</text>\n", left - 4, H - bottom + 4);
	for (size_t i = 0; i < n; i++) {
		double x = left + bw * (double)i + bw * 0.1, y = H - bottom, w = bw * 0.8;
		fprintf(f, "<g class=\"col\" data-label=\"%s\" data-ipv4=\"%llu\" data-ipv6=\"%llu\" data-none=\"%llu\">"
		    "<title>%s: IPv4 %llu, IPv6 %llu, no address %llu</title>", labels[i],
		    (unsigned long long)v[i][0], (unsigned long long)v[i][1], (unsigned long long)v[i][2], labels[i],
		    (unsigned long long)v[i][0], (unsigned long long)v[i][1], (unsigned long long)v[i][2]);
		for (int k = 0; k < STATS_F_N; k++) {
			double h = (H - top - bottom) * (double)v[i][k] / (double)max;
			if (v[i][k] == 0)
				continue;
			y -= h;
			fprintf(f, "<rect class=\"seg %s\" data-n=\"%llu\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
			    stats_f_words[k], (unsigned long long)v[i][k], x, y, w, h);
			if (h >= 18 && w >= 30)
				fprintf(f, "<text class=\"in\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%llu</text>",
				    x + w / 2, y + h / 2 + 4, (unsigned long long)v[i][k]);
		}
		if (n <= 12 || i % ((n + 11) / 12) == 0)
			fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>", x + w / 2, H - bottom + 16,
			    labels[i] + (strlen(labels[i]) > 10 ? 11 : 5));
		fputs("</g>\n", f);
	}
	fputs("</svg>\n", f);
	legend(f, stats_f_words, lab, STATS_F_N);
	fputs("</figure>\n", f);
}

/* Horizontal 100% stacked bars: rows of k counts under the words w. */
static void hstack(FILE *f, const char *id, const char *title, const char *const *rows, int nrows,
    const uint64_t *const *v, const char *const *w, int k)
{
	double W = 640, rowh = 32, left = 110, right = 8, H = rowh * nrows + 10;
	fprintf(f, "<figure id=\"%s\"><h3>", id);
	escs(f, title);
	fprintf(f, "</h3><svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", W, H);
	escs(f, title);
	fputs("\">\n", f);
	for (int r = 0; r < nrows; r++) {
		uint64_t t = 0;
		double x = left, y = 5 + rowh * r;
		for (int i = 0; i < k; i++)
			t += v[r][i];
		fprintf(f, "<g class=\"row\" data-label=\"%s\" data-total=\"%llu\"><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%s</text>",
		    rows[r], (unsigned long long)t, left - 6, y + rowh / 2 + 2, rows[r]);
		for (int i = 0; i < k && t; i++) {
			double wd = (W - left - right) * (double)v[r][i] / (double)t;
			if (v[r][i] == 0)
				continue;
			fprintf(f, "<rect class=\"seg %s\" data-word=\"%s\" data-n=\"%llu\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.0f\">"
			    "<title>%s %s: %llu (%.1f%%)</title></rect>", w[i], w[i], (unsigned long long)v[r][i], x, y, wd,
			    rowh - 8, rows[r], w[i], (unsigned long long)v[r][i], stats_report_pct(v[r][i], t));
			if (wd >= 110)
				fprintf(f, "<text class=\"in\" x=\"%.1f\" y=\"%.0f\">%s %.0f%%</text>", x + 3, y + rowh / 2 + 2,
				    w[i], stats_report_pct(v[r][i], t));
			x += wd;
		}
		fputs("</g>\n", f);
	}
	fputs("</svg>\n", f);
	legend(f, w, w, k);
	/* the same figures as a table, for print and screen readers */
	fputs("<div class=\"scroll\"><table><tr><th></th>", f);
	for (int i = 0; i < k; i++)
		fprintf(f, "<th>%s</th>", w[i]);
	fputs("</tr>\n", f);
	for (int r = 0; r < nrows; r++) {
		fprintf(f, "<tr><td>%s</td>", rows[r]);
		for (int i = 0; i < k; i++)
			fprintf(f, "<td>%llu</td>", (unsigned long long)v[r][i]);
		fputs("</tr>\n", f);
	}
	fputs("</table></div></figure>\n", f);
}

/* Simple horizontal bars, one per word, each with its count. */
static void hbars(FILE *f, const char *id, const char *title, const char *const *w, const char *const *lab,
    const uint64_t *v, int n)
{
	double W = 640, rowh = 30, left = 190, H = rowh * n + 10;
	uint64_t max = 1;
	for (int i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	fprintf(f, "<figure id=\"%s\"><h3>", id);
	escs(f, title);
	fprintf(f, "</h3><svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", W, H);
	escs(f, title);
	fputs("\">\n", f);
	for (int i = 0; i < n; i++) {
		double y = 5 + rowh * i, wd = (W - left - 60) * (double)v[i] / (double)max;
		fprintf(f, "<g class=\"bar\" data-word=\"%s\" data-n=\"%llu\"><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%s</text>"
		    "<rect class=\"bounce\" x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\"/>"
		    "<text x=\"%.1f\" y=\"%.0f\">%llu</text></g>\n", w[i], (unsigned long long)v[i], left - 6,
		    y + rowh / 2 + 4, lab[i], left, y, wd, rowh - 8, left + wd + 4, y + rowh / 2 + 4, (unsigned long long)v[i]);
	}
	fputs("</svg></figure>\n", f);
}

static void arrivals(FILE *f, const char *id, const char *title, const stab *hours)
{
	size_t n;
	stats_day *d = stats_report_days(hours, &n);
	char (*lab)[16];
	uint64_t (*v)[STATS_F_N];
	if (d == NULL || n == 0) {
		free(d);
		return;
	}
	lab = calloc(n > 24 ? n : 24, sizeof *lab);
	v = calloc(n > 24 ? n : 24, sizeof *v);
	if (lab && v && n == 1) {
		/* one day: its hours */
		size_t nr;
		stab_row *r = stab_sorted_keys(hours, &nr);
		for (int h = 0; h < 24; h++)
			snprintf(lab[h], sizeof lab[h], "%.10s %02d", d[0].day, h);
		for (size_t i = 0; r && i < nr; i++) {
			int h = r[i].klen == 13 ? (r[i].key[11] - '0') * 10 + (r[i].key[12] - '0') : -1;
			if (h >= 0 && h < 24)
				for (int k = 0; k < STATS_F_N; k++)
					v[h][k] += r[i].v[k];
		}
		free(r);
		columns(f, id, title, lab, (const uint64_t (*)[STATS_F_N])v, 24);
	} else if (lab && v) {
		for (size_t i = 0; i < n; i++) {
			snprintf(lab[i], sizeof lab[i], "%s", d[i].day);
			memcpy(v[i], d[i].f, sizeof v[i]);
		}
		columns(f, id, title, lab, (const uint64_t (*)[STATS_F_N])v, n);
	}
	free(lab);
	free(v);
	free(d);
}

static void top_table(FILE *f, const stab *t, int col, size_t top, const char *title, int failing)
{
	size_t n;
	stab_row *r = stab_sorted(t, col, &n);
	if (r == NULL || n == 0 || r[0].v[col] == 0) {
		free(r);
		return;
	}
	fputs("<h3>", f);
	escs(f, title);
	fputs("</h3><div class=\"scroll\"><table class=\"top\">", f);
	fputs(failing ? "<tr><th>Domain</th><th>Failing</th><th>SPF fail</th><th>DKIM fail</th><th>DMARC fail</th><th>iprev fail</th></tr>\n" :
	    "<tr><th>Domain</th><th>Messages</th><th>Failing</th></tr>\n", f);
	for (size_t i = 0; i < n && i < top && r[i].v[col]; i++) {
		fputs("<tr><td>", f);
		esc(f, r[i].key, r[i].klen);
		if (failing)
			fprintf(f, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td></tr>\n",
			    (unsigned long long)r[i].v[STATS_D_FAILING], (unsigned long long)r[i].v[STATS_D_SPF_FAIL],
			    (unsigned long long)r[i].v[STATS_D_DKIM_FAIL], (unsigned long long)r[i].v[STATS_D_DMARC_FAIL],
			    (unsigned long long)r[i].v[STATS_D_IPREV_FAIL]);
		else
			fprintf(f, "</td><td>%llu</td><td>%llu</td></tr>\n", (unsigned long long)r[i].v[STATS_D_MSGS],
			    (unsigned long long)r[i].v[STATS_D_FAILING]);
	}
	fputs("</table></div>\n", f);
	free(r);
}

static void count_table(FILE *f, const stab *t, size_t top, const char *title)
{
	size_t n;
	stab_row *r = stab_sorted(t, 0, &n);
	if (r == NULL || n == 0) {
		free(r);
		return;
	}
	fputs("<h3>", f);
	escs(f, title);
	fputs("</h3><div class=\"scroll\"><table>", f);
	for (size_t i = 0; i < n && i < top; i++) {
		fputs("<tr><td>", f);
		esc(f, r[i].key, r[i].klen);
		fprintf(f, "</td><td>%llu</td></tr>\n", (unsigned long long)r[i].v[0]);
	}
	fputs("</table></div>\n", f);
	free(r);
}

static void inbound(FILE *f, const stats *s, const stats_inbound *in)
{
	static const char *const auth_rows[4] = { "SPF", "DKIM", "DMARC", "iprev" };
	const uint64_t *auth[4] = { in->spf, in->dkim, in->dmarc, in->iprev };
	uint64_t rd[STATS_C_N][STATS_K_N];
	const uint64_t *rdp[STATS_C_N];
	char id[64], note[64];
	int exact;
	uint64_t nd;
	if (in->lines == 0)
		return;
	fprintf(f, "<section id=\"inbound-%s\"><h2>Inbound mail (mxready-%s)</h2><div class=\"figs\">\n", in->name, in->name);
	fig(f, in == &s->policyd ? "policy requests" : "messages", in->lines, NULL);
	if (in == &s->policyd) {
		uint64_t ni = stab_distinct(in->instances, &exact);
		fig(f, "policy instances", ni, exact ? NULL : "estimated");
	}
	snprintf(note, sizeof note, "%.1f%%", stats_report_pct(in->family[STATS_F_IPV6], in->lines));
	fig(f, "over IPv6", in->family[STATS_F_IPV6], note);
	snprintf(note, sizeof note, "%.1f%%", stats_report_pct(in->action[STATS_A_REJECT], in->lines));
	fig(f, "rejected", in->action[STATS_A_REJECT], note);
	snprintf(note, sizeof note, "%.1f%%", stats_report_pct(in->temperror, in->lines));
	fig(f, "with a temperror", in->temperror, note);
	nd = stab_distinct(in->domains, &exact);
	fig(f, "sender domains", nd, exact ? NULL : "estimated");
	fputs("</div>\n", f);
	snprintf(id, sizeof id, "arrivals-%s", in->name);
	arrivals(f, id, "Arrivals over IPv4 and IPv6", in->hours);
	snprintf(id, sizeof id, "auth-%s", in->name);
	hstack(f, id, "Authentication results", auth_rows, 4, auth, stats_r_words, STATS_R_N);
	if (in->dmarc[STATS_R_PASS]) {
		const uint64_t *via[1] = { in->dmarc_via };
		static const char *const vrow[1] = { "DMARC pass" };
		snprintf(id, sizeof id, "dmarcvia-%s", in->name);
		hstack(f, id, "DMARC passed through", vrow, 1, via, stats_v_words, STATS_V_N);
	}
	{
		const uint64_t *act[1] = { in->action };
		static const char *const arow[1] = { "messages" };
		snprintf(id, sizeof id, "actions-%s", in->name);
		hstack(f, id, "Actions", arow, 1, act, stats_a_words, STATS_A_N);
	}
	stats_report_readiness(in, rd);
	for (int c = 0; c < STATS_C_N; c++)
		rdp[c] = rd[c];
	snprintf(id, sizeof id, "readiness-%s", in->name);
	hstack(f, id, "Readiness of the sender domains (distinct domains)", stats_c_words, STATS_C_N, rdp,
	    stats_k_words, STATS_K_N);
	count_table(f, in->reasons, s->top, "Actions other than accept, by reason");
	top_table(f, in->domains, STATS_D_MSGS, s->top, "Top sender domains", 0);
	top_table(f, in->domains, STATS_D_FAILING, s->top, "Top failing sender domains", 1);
	fputs("</section>\n", f);
}

static void responder(FILE *f, const stats *s)
{
	const stats_resp *r = &s->resp;
	int e;
	uint64_t n;
	char note[64];
	if (r->tests == 0 && r->dsns == 0)
		return;
	fputs("<section id=\"responder\"><h2>IPv6 mail test (mxready-responder)</h2><div class=\"figs\">\n", f);
	fig(f, "test mails", r->tests, NULL);
	n = stab_distinct(r->senders, &e);
	fig(f, "unique sender addresses", n, e ? NULL : "estimated");
	n = stab_distinct(r->sender_domains, &e);
	fig(f, "unique sender domains", n, e ? NULL : "estimated");
	fig(f, "replies A sent", r->a_sent, NULL);
	fig(f, "replies B sent", r->b_sent, NULL);
	fig(f, "suppressed", r->suppressed, NULL);
	snprintf(note, sizeof note, "from %llu addresses", (unsigned long long)stab_distinct(r->bounce_senders, &e));
	fig(f, "IPv6 bounces", r->bounces, note);
	fig(f, "DSNs forwarded", r->forwarded, NULL);
	fig(f, "DSNs dropped", r->dropped, NULL);
	fig(f, "delay notices", r->delay_notices, NULL);
	fputs("</div>\n", f);
	arrivals(f, "arrivals-responder", "Test mails over IPv4 and IPv6", r->hours);
	static const char *const blab[STATS_B_N] = { "no AAAA for the MX", "refused / timed out",
		"invalid recipient", "protocol / TLS error", "other" };
	hbars(f, "bounces", "IPv6 bounces by reason", stats_b_words, blab, r->bounce_class, STATS_B_N);
	count_table(f, r->suppress_reasons, s->top, "Suppressed test mails, by reason");
	count_table(f, r->drop_reasons, s->top, "Dropped DSNs, by reason");
	fputs("</section>\n", f);
}

void stats_html_write(const stats *s, FILE *f)
{
	char a[32] = "-", b[32] = "-";
	struct tm tm;
	if (s->first) {
		gmtime_r(&s->first, &tm);
		strftime(a, sizeof a, "%Y-%m-%d %H:%M", &tm);
		gmtime_r(&s->last, &tm);
		strftime(b, sizeof b, "%Y-%m-%d %H:%M", &tm);
	}
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
	    "<title>mxready stats %s .. %s</title><style>%s</style></head><body>\n", a, b, css);
	fprintf(f, "<h1>mxready stats</h1><p>%s .. %s (local time of the log)</p>\n", a, b);
	fputs("<section id=\"input\"><div class=\"figs\">\n", f);
	fig(f, "lines read", s->lines, NULL);
	fig(f, "lines of other programs", s->foreign, NULL);
	fig(f, "unreadable verdict lines", s->unreadable + s->partial_last, NULL);
	fputs("</div>\n", f);
	for (size_t i = 0; i < s->n_errors; i++) {
		fputs("<p><strong>Input error:</strong> ", f);
		escs(f, s->errors[i]);
		fputs("</p>\n", f);
	}
	fputs("</section>\n", f);
	inbound(f, s, &s->milter);
	inbound(f, s, &s->policyd);
	responder(f, s);
	if (s->milter.lines == 0 && s->policyd.lines == 0 && s->resp.tests == 0 && s->resp.dsns == 0)
		fputs("<p id=\"empty\">No verdict lines of mxready-milter, mxready-policyd or mxready-responder in the input.</p>\n", f);
	fputs("</body></html>\n", f);
}
