/*
 * Text and JSON reports of `mxready stats` (figures and key names in
 * docs/stats.md).  The text follows pflogsumm's layout (a grand-totals
 * block, then aligned tables, per-day and per-hour rows, top lists) so a
 * Postfix postmaster finds things where they expect them.  Keys of the
 * tables are the escaped values of the verdict lines: printable ASCII.
 */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "stats_report.h"

double stats_report_pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

stats_day *stats_report_days(const stab *hours, size_t *n)
{
	size_t nr, nd = 0;
	stab_row *r = stab_sorted_keys(hours, &nr);
	stats_day *d = calloc(nr ? nr : 1, sizeof *d);
	*n = 0;
	if (r == NULL || d == NULL) {
		free(r);
		free(d);
		return NULL;
	}
	for (size_t i = 0; i < nr; i++) {
		if (r[i].klen < 10)
			continue;
		if (nd == 0 || memcmp(d[nd - 1].day, r[i].key, 10) != 0)
			memcpy(d[nd++].day, r[i].key, 10);
		for (int f = 0; f < STATS_F_N; f++)
			d[nd - 1].f[f] += r[i].v[f];
	}
	free(r);
	*n = nd;
	return d;
}

void stats_report_readiness(const stats_inbound *in, uint64_t out[STATS_C_N][STATS_K_N])
{
	size_t n;
	stab_row *r = stab_sorted_keys(in->domains, &n);
	memset(out, 0, sizeof(uint64_t) * STATS_C_N * STATS_K_N);
	for (size_t i = 0; r && i < n; i++) {
		if (r[i].klen == 2 && memcmp(r[i].key, "<>", 2) == 0)
			continue;       /* no domain to judge */
		for (int c = 0; c < STATS_C_N; c++) {
			unsigned b = (unsigned)(r[i].v[STATS_D_READY] >> (8 * c)) & 0xff;
			out[c][b ? b - 1 : STATS_K_UNCHECKED]++;
		}
	}
	free(r);
}

/* ---- text ---- */

static void rule(FILE *f, const char *title)
{
	size_t n = strlen(title);
	fprintf(f, "\n%s\n", title);
	while (n--)
		fputc('-', f);
	fputc('\n', f);
}

static void count_line(FILE *f, const char *what, uint64_t n, uint64_t of)
{
	if (of)
		fprintf(f, "  %9llu   %-40s %5.1f%%\n", (unsigned long long)n, what, stats_report_pct(n, of));
	else
		fprintf(f, "  %9llu   %s\n", (unsigned long long)n, what);
}

static void per_day_text(FILE *f, const stab *hours, const char *what)
{
	size_t n;
	stats_day *d = stats_report_days(hours, &n);
	if (d == NULL || n == 0) {
		free(d);
		return;
	}
	rule(f, what);
	fprintf(f, "  %-10s  %9s  %9s  %9s  %6s\n", "Date", "Total", "IPv4", "IPv6", "IPv6 %");
	for (size_t i = 0; i < n; i++) {
		uint64_t t = d[i].f[0] + d[i].f[1] + d[i].f[2];
		fprintf(f, "  %-10s  %9llu  %9llu  %9llu  %5.1f%%\n", d[i].day, (unsigned long long)t,
		    (unsigned long long)d[i].f[0], (unsigned long long)d[i].f[1], stats_report_pct(d[i].f[1], t));
	}
	free(d);
}

static void per_hour_text(FILE *f, const stab *hours, const char *what)
{
	uint64_t h[24][STATS_F_N];
	size_t n;
	stab_row *r = stab_sorted_keys(hours, &n);
	if (r == NULL || n == 0) {
		free(r);
		return;
	}
	memset(h, 0, sizeof h);
	for (size_t i = 0; i < n; i++) {
		int hh = r[i].klen == 13 ? (r[i].key[11] - '0') * 10 + (r[i].key[12] - '0') : -1;
		if (hh >= 0 && hh < 24)
			for (int k = 0; k < STATS_F_N; k++)
				h[hh][k] += r[i].v[k];
	}
	free(r);
	rule(f, what);
	fprintf(f, "  %-11s  %9s  %9s  %9s  %6s\n", "Hour", "Total", "IPv4", "IPv6", "IPv6 %");
	for (int i = 0; i < 24; i++) {
		uint64_t t = h[i][0] + h[i][1] + h[i][2];
		fprintf(f, "  %02d00-%02d00    %9llu  %9llu  %9llu  %5.1f%%\n", i, (i + 1) % 24 ? i + 1 : 24,
		    (unsigned long long)t, (unsigned long long)h[i][0], (unsigned long long)h[i][1],
		    stats_report_pct(h[i][1], t));
	}
}

/* A table with the words as rows and a few columns of counts with their
 * share of each column's total. */
static void word_table(FILE *f, const char *const *cols, int ncols, const uint64_t *const *v,
    const char *const *words, int nwords)
{
	uint64_t tot[8] = { 0 };
	fprintf(f, "  %-12s", "");
	for (int c = 0; c < ncols; c++)
		fprintf(f, " %14s", cols[c]);
	fputc('\n', f);
	for (int c = 0; c < ncols; c++)
		for (int w = 0; w < nwords; w++)
			tot[c] += v[c][w];
	for (int w = 0; w < nwords; w++) {
		fprintf(f, "  %-12s", words[w]);
		for (int c = 0; c < ncols; c++)
			fprintf(f, " %7llu %5.1f%%", (unsigned long long)v[c][w], stats_report_pct(v[c][w], tot[c]));
		fputc('\n', f);
	}
}

static void auth_text(FILE *f, const stats_inbound *in)
{
	const uint64_t *rows[4] = { in->spf, in->dkim, in->dmarc, in->iprev };
	static const char *const names[4] = { "SPF", "DKIM", "DMARC", "iprev" };
	rule(f, "Authentication results (messages)");
	word_table(f, names, 4, rows, stats_r_words, STATS_R_N);
	if (in->dmarc[STATS_R_PASS]) {
		fprintf(f, "\n  DMARC pass through:");
		for (int v = 0; v < STATS_V_N; v++)
			fprintf(f, "  %s %llu (%.1f%%)", stats_v_words[v], (unsigned long long)in->dmarc_via[v],
			    stats_report_pct(in->dmarc_via[v], in->dmarc[STATS_R_PASS]));
		fputc('\n', f);
	}
}

static void table_text(FILE *f, const stab *t, const char *title, size_t top, uint64_t of)
{
	size_t n;
	stab_row *r = stab_sorted(t, 0, &n);
	if (r == NULL || n == 0) {
		free(r);
		return;
	}
	rule(f, title);
	for (size_t i = 0; i < n && i < top; i++) {
		char k[120];
		snprintf(k, sizeof k, "%.*s", (int)(r[i].klen < 100 ? r[i].klen : 100), r[i].key);
		count_line(f, k, r[i].v[0], of);
	}
	if (n > top)
		fprintf(f, "  (%zu more)\n", n - top);
	if (stab_folded(t))
		fprintf(f, "  %9llu   (other: past --max-keys)\n", (unsigned long long)stab_other(t)[0]);
	free(r);
}

static void domains_text(FILE *f, const stats_inbound *in, size_t top)
{
	size_t n;
	stab_row *r = stab_sorted(in->domains, STATS_D_MSGS, &n);
	int exact;
	uint64_t dist = stab_distinct(in->domains, &exact);
	if (r == NULL || n == 0) {
		free(r);
		return;
	}
	rule(f, "Top sender domains");
	fprintf(f, "  %9s  %9s   %s\n", "Messages", "Failing", "Domain");
	for (size_t i = 0; i < n && i < top; i++)
		fprintf(f, "  %9llu  %9llu   %.*s\n", (unsigned long long)r[i].v[STATS_D_MSGS],
		    (unsigned long long)r[i].v[STATS_D_FAILING], (int)(r[i].klen < 100 ? r[i].klen : 100), r[i].key);
	fprintf(f, "  %llu distinct sender domains%s\n", (unsigned long long)dist,
	    exact ? "" : " (estimated: HyperLogLog, more than --max-keys)");
	if (stab_folded(in->domains))
		fprintf(f, "  %llu messages of domains seen after the table was full (--max-keys) are counted only\n"
		    "  as \"other\": the top lists cover the first %zu domains seen\n",
		    (unsigned long long)stab_other(in->domains)[STATS_D_MSGS], stab_count(in->domains));
	free(r);
	r = stab_sorted(in->domains, STATS_D_FAILING, &n);
	if (r == NULL || n == 0 || r[0].v[STATS_D_FAILING] == 0) {
		free(r);
		return;
	}
	rule(f, "Top failing sender domains (messages with a check that failed)");
	fprintf(f, "  %9s  %5s %5s %5s %5s   %s\n", "Failing", "SPF", "DKIM", "DMARC", "iprev", "Domain");
	for (size_t i = 0; i < n && i < top && r[i].v[STATS_D_FAILING]; i++)
		fprintf(f, "  %9llu  %5llu %5llu %5llu %5llu   %.*s\n", (unsigned long long)r[i].v[STATS_D_FAILING],
		    (unsigned long long)r[i].v[STATS_D_SPF_FAIL], (unsigned long long)r[i].v[STATS_D_DKIM_FAIL],
		    (unsigned long long)r[i].v[STATS_D_DMARC_FAIL], (unsigned long long)r[i].v[STATS_D_IPREV_FAIL],
		    (int)(r[i].klen < 100 ? r[i].klen : 100), r[i].key);
	free(r);
}

static void readiness_text(FILE *f, const stats_inbound *in)
{
	uint64_t rd[STATS_C_N][STATS_K_N], total = 0;
	stats_report_readiness(in, rd);
	for (int k = 0; k < STATS_K_N; k++)
		total += rd[0][k];
	if (total == 0)
		return;
	rule(f, "Readiness of the sender domains (distinct domains)");
	{
		const uint64_t *cols[STATS_C_N];
		for (int c = 0; c < STATS_C_N; c++)
			cols[c] = rd[c];
		word_table(f, stats_c_words, STATS_C_N, cols, stats_k_words, STATS_K_N);
	}
}

static void inbound_text(const stats *s, const stats_inbound *in, FILE *f)
{
	char title[80];
	int exact;
	if (in->lines == 0)
		return;
	snprintf(title, sizeof title, "Inbound mail (mxready-%s)", in->name);
	fprintf(f, "\n%s\n", title);
	for (size_t i = strlen(title); i; i--)
		fputc('=', f);
	fputc('\n', f);
	count_line(f, in == &s->policyd ? "policy requests (verdict lines)" : "messages", in->lines, 0);
	if (in == &s->policyd) {
		uint64_t ni = stab_distinct(in->instances, &exact);
		fprintf(f, "  %9llu   distinct policy instances (messages)%s\n", (unsigned long long)ni,
		    exact ? "" : " (estimated)");
	}
	count_line(f, "over IPv6", in->family[STATS_F_IPV6], in->lines);
	count_line(f, "over IPv4", in->family[STATS_F_IPV4], in->lines);
	count_line(f, "without a client address", in->family[STATS_F_NONE], in->lines);
	for (int a = 0; a < STATS_A_N; a++)
		if (in->action[a] || a < STATS_A_OTHER)
			count_line(f, stats_a_words[a], in->action[a], in->lines);
	count_line(f, "with a temperror (check or tempfail)", in->temperror, in->lines);
	count_line(f, "with a failed check", in->failing, in->lines);
	if (in->truncated)
		count_line(f, "verdict lines cut by the writer (truncated=yes)", in->truncated, 0);
	per_day_text(f, in->hours, "Per-day arrivals");
	per_hour_text(f, in->hours, "Per-hour arrivals (all days)");
	auth_text(f, in);
	table_text(f, in->reasons, "Actions other than accept, by reason", s->top, in->lines);
	readiness_text(f, in);
	domains_text(f, in, s->top);
}

static void resp_text(const stats *s, FILE *f)
{
	const stats_resp *r = &s->resp;
	int e1, e2, e3;
	uint64_t na, nd, nb;
	if (r->tests == 0 && r->dsns == 0 && r->test_deferred == 0 && r->dsn_deferred == 0)
		return;
	na = stab_distinct(r->senders, &e1);
	nd = stab_distinct(r->sender_domains, &e2);
	nb = stab_distinct(r->bounce_senders, &e3);
	fprintf(f, "\nIPv6 mail test (mxready-responder)\n==================================\n");
	count_line(f, "test mails", r->tests, 0);
	fprintf(f, "  %9llu   unique sender addresses%s\n", (unsigned long long)na, e1 ? "" : " (estimated)");
	fprintf(f, "  %9llu   unique sender domains%s\n", (unsigned long long)nd, e2 ? "" : " (estimated)");
	count_line(f, "test mails over IPv6", r->family[STATS_F_IPV6], r->tests);
	count_line(f, "answered", r->replied, r->tests);
	count_line(f, "replies A sent (dual-stack)", r->a_sent, 0);
	count_line(f, "replies A failed", r->a_failed, 0);
	count_line(f, "replies B sent (IPv6-only)", r->b_sent, 0);
	count_line(f, "replies B failed", r->b_failed, 0);
	count_line(f, "not answered: both replies refused", r->failed, r->tests);
	count_line(f, "suppressed", r->suppressed, r->tests);
	count_line(f, "deferred (retried by Postfix)", r->test_deferred, 0);
	count_line(f, "DSNs received", r->dsns, 0);
	count_line(f, "DSNs forwarded", r->forwarded, r->dsns);
	count_line(f, "delay notices sent", r->delay_notices, r->dsns);
	count_line(f, "DSNs dropped", r->dropped, r->dsns);
	fprintf(f, "  %9llu   IPv6 bounces from %llu different addresses%s\n", (unsigned long long)r->bounces,
	    (unsigned long long)nb, e3 ? "" : " (estimated)");
	for (int b = 0; b < STATS_B_N; b++)
		fprintf(f, "  %9llu     %-38s %5.1f%%\n", (unsigned long long)r->bounce_class[b], stats_b_words[b],
		    stats_report_pct(r->bounce_class[b], r->bounces));
	if (r->bounce_class_derived)
		fprintf(f, "  (%llu bounce lines carry no class= key: classed from their status code)\n",
		    (unsigned long long)r->bounce_class_derived);
	per_day_text(f, r->hours, "Per-day test mails");
	table_text(f, r->suppress_reasons, "Suppressed test mails, by reason", s->top, r->suppressed);
	table_text(f, r->drop_reasons, "Dropped DSNs, by reason", s->top, r->dropped);
	table_text(f, r->bounce_detail, "IPv6 bounces, by logged class", s->top, r->bounces);
}

static void tstamp(char *out, size_t n, time_t civ)
{
	struct tm tm;
	gmtime_r(&civ, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

void stats_report_text(const stats *s, FILE *f)
{
	char a[32] = "-", b[32] = "-";
	if (s->first) {
		tstamp(a, sizeof a, s->first);
		tstamp(b, sizeof b, s->last);
	}
	fprintf(f, "mxready stats: %s .. %s\n", a, b);
	fprintf(f, "\nInput\n=====\n");
	count_line(f, "files", s->files, 0);
	count_line(f, "lines", s->lines, 0);
	count_line(f, "lines of other programs (skipped)", s->foreign, 0);
	count_line(f, "other messages of the mxready daemons", s->ours_other, 0);
	count_line(f, "daemon events (event=..., e.g. connection pressure)", s->events, 0);
	count_line(f, "unreadable verdict lines (skipped)", s->unreadable, 0);
	if (s->partial_last)
		count_line(f, "last lines without a line end (skipped)", s->partial_last, 0);
	if (s->out_of_range)
		count_line(f, "lines outside --since/--until", s->out_of_range, 0);
	if (s->no_time)
		count_line(f, "lines without a time stamp", s->no_time, 0);
	if (s->unknown_prog)
		count_line(f, "lines of other mxready programs (not summed up)", s->unknown_prog, 0);
	if (s->older_format)
		count_line(f, "verdict lines of an older format (read; missing keys unknown)", s->older_format, 0);
	if (s->newer_keys)
		count_line(f, "verdict lines with keys unknown to this version (read)", s->newer_keys, 0);
	if (s->journal_bad)
		count_line(f, "journal JSON lines not understood", s->journal_bad, 0);
	for (size_t i = 0; i < s->n_examples; i++)
		fprintf(f, "  unreadable: %s\n", s->examples[i]);
	for (size_t i = 0; i < s->n_errors; i++)
		fprintf(f, "  error: %s\n", s->errors[i]);
	inbound_text(s, &s->milter, f);
	inbound_text(s, &s->policyd, f);
	resp_text(s, f);
	if (s->milter.lines == 0 && s->policyd.lines == 0 && s->resp.tests == 0 && s->resp.dsns == 0 &&
	    s->resp.test_deferred == 0 && s->resp.dsn_deferred == 0)
		fprintf(f, "\nNo verdict lines of mxready-milter, mxready-policyd or mxready-responder in the input.\n");
}

/* ---- JSON ---- */

static json_object *jint(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static json_object *jshare(uint64_t a, uint64_t b)
{
	/* a fraction with 4 decimals, stable in output */
	char t[32];
	double v = b ? (double)a / (double)b : 0.0;
	snprintf(t, sizeof t, "%.4f", v);
	return json_object_new_double_s(v, t);
}

static json_object *words(const uint64_t *v, const char *const *w, int n)
{
	json_object *o = json_object_new_object();
	for (int i = 0; i < n; i++)
		json_object_object_add(o, w[i], jint(v[i]));
	return o;
}

static json_object *table_json(const stab *t)
{
	json_object *o = json_object_new_object();
	size_t n;
	stab_row *r = stab_sorted(t, 0, &n);
	for (size_t i = 0; r && i < n; i++) {
		char k[256];
		snprintf(k, sizeof k, "%.*s", (int)(r[i].klen < 255 ? r[i].klen : 255), r[i].key);
		json_object_object_add(o, k, jint(r[i].v[0]));
	}
	if (stab_folded(t))
		json_object_object_add(o, "(other)", jint(stab_other(t)[0]));
	free(r);
	return o;
}

static json_object *distinct_json(const stab *t)
{
	int exact;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "count", jint(stab_distinct(t, &exact)));
	json_object_object_add(o, "exact", json_object_new_boolean(exact));
	return o;
}

static json_object *time_rows(const stab *hours, int days)
{
	json_object *a = json_object_new_array();
	size_t n;
	if (days) {
		stats_day *d = stats_report_days(hours, &n);
		for (size_t i = 0; d && i < n; i++) {
			json_object *o = words(d[i].f, stats_f_words, STATS_F_N);
			uint64_t t = d[i].f[0] + d[i].f[1] + d[i].f[2];
			json_object_object_add(o, "day", json_object_new_string(d[i].day));
			json_object_object_add(o, "total", jint(t));
			json_object_object_add(o, "ipv6_share", jshare(d[i].f[1], t));
			json_object_array_add(a, o);
		}
		free(d);
		return a;
	}
	stab_row *r = stab_sorted_keys(hours, &n);
	for (size_t i = 0; r && i < n; i++) {
		json_object *o = words(r[i].v, stats_f_words, STATS_F_N);
		uint64_t t = r[i].v[0] + r[i].v[1] + r[i].v[2];
		json_object_object_add(o, "hour", json_object_new_string_len(r[i].key, (int)r[i].klen));
		json_object_object_add(o, "total", jint(t));
		json_object_object_add(o, "ipv6_share", jshare(r[i].v[1], t));
		json_object_array_add(a, o);
	}
	free(r);
	return a;
}

static json_object *domains_json(const stab *t, int col, size_t top)
{
	json_object *a = json_object_new_array();
	size_t n;
	stab_row *r = stab_sorted(t, col, &n);
	for (size_t i = 0; r && i < n && i < top; i++) {
		json_object *o;
		if (col == STATS_D_FAILING && r[i].v[col] == 0)
			break;
		o = json_object_new_object();
		json_object_object_add(o, "domain", json_object_new_string_len(r[i].key, (int)r[i].klen));
		json_object_object_add(o, "messages", jint(r[i].v[STATS_D_MSGS]));
		json_object_object_add(o, "failing", jint(r[i].v[STATS_D_FAILING]));
		json_object_object_add(o, "spf_fail", jint(r[i].v[STATS_D_SPF_FAIL]));
		json_object_object_add(o, "dkim_fail", jint(r[i].v[STATS_D_DKIM_FAIL]));
		json_object_object_add(o, "dmarc_fail", jint(r[i].v[STATS_D_DMARC_FAIL]));
		json_object_object_add(o, "iprev_fail", jint(r[i].v[STATS_D_IPREV_FAIL]));
		json_object_array_add(a, o);
	}
	free(r);
	return a;
}

static json_object *inbound_json(const stats *s, const stats_inbound *in)
{
	json_object *o = json_object_new_object(), *rd = json_object_new_object();
	uint64_t r[STATS_C_N][STATS_K_N];
	json_object_object_add(o, "lines", jint(in->lines));
	if (in == &s->policyd)
		json_object_object_add(o, "instances", distinct_json(in->instances));
	json_object_object_add(o, "family", words(in->family, stats_f_words, STATS_F_N));
	json_object_object_add(o, "ipv6_share", jshare(in->family[STATS_F_IPV6], in->lines));
	json_object_object_add(o, "per_day", time_rows(in->hours, 1));
	json_object_object_add(o, "per_hour", time_rows(in->hours, 0));
	json_object_object_add(o, "spf", words(in->spf, stats_r_words, STATS_R_N));
	json_object_object_add(o, "dkim", words(in->dkim, stats_r_words, STATS_R_N));
	json_object_object_add(o, "dmarc", words(in->dmarc, stats_r_words, STATS_R_N));
	json_object_object_add(o, "iprev", words(in->iprev, stats_r_words, STATS_R_N));
	json_object_object_add(o, "dmarc_pass_via", words(in->dmarc_via, stats_v_words, STATS_V_N));
	json_object_object_add(o, "actions", words(in->action, stats_a_words, STATS_A_N));
	json_object_object_add(o, "reasons", table_json(in->reasons));
	json_object_object_add(o, "temperror", jint(in->temperror));
	json_object_object_add(o, "temperror_rate", jshare(in->temperror, in->lines));
	json_object_object_add(o, "failing", jint(in->failing));
	json_object_object_add(o, "truncated_lines", jint(in->truncated));
	json_object_object_add(o, "sender_domains", distinct_json(in->domains));
	json_object_object_add(o, "sender_domains_folded_messages", jint(stab_other(in->domains)[STATS_D_MSGS]));
	stats_report_readiness(in, r);
	for (int c = 0; c < STATS_C_N; c++)
		json_object_object_add(rd, stats_c_words[c], words(r[c], stats_k_words, STATS_K_N));
	json_object_object_add(o, "sender_domain_readiness", rd);
	json_object_object_add(o, "top_domains", domains_json(in->domains, STATS_D_MSGS, s->top));
	json_object_object_add(o, "top_failing_domains", domains_json(in->domains, STATS_D_FAILING, s->top));
	return o;
}

static json_object *resp_json(const stats *s)
{
	const stats_resp *r = &s->resp;
	json_object *o = json_object_new_object(), *d = json_object_new_object(), *b = json_object_new_object();
	json_object_object_add(o, "test_mails", jint(r->tests));
	json_object_object_add(o, "test_mails_deferred", jint(r->test_deferred));
	json_object_object_add(o, "unique_senders", distinct_json(r->senders));
	json_object_object_add(o, "unique_sender_domains", distinct_json(r->sender_domains));
	json_object_object_add(o, "family", words(r->family, stats_f_words, STATS_F_N));
	json_object_object_add(o, "replied", jint(r->replied));
	json_object_object_add(o, "failed", jint(r->failed));
	json_object_object_add(o, "reply_a_sent", jint(r->a_sent));
	json_object_object_add(o, "reply_a_failed", jint(r->a_failed));
	json_object_object_add(o, "reply_b_sent", jint(r->b_sent));
	json_object_object_add(o, "reply_b_failed", jint(r->b_failed));
	json_object_object_add(o, "suppressed", jint(r->suppressed));
	json_object_object_add(o, "suppressed_by_reason", table_json(r->suppress_reasons));
	json_object_object_add(o, "per_day", time_rows(r->hours, 1));
	json_object_object_add(d, "received", jint(r->dsns));
	json_object_object_add(d, "forwarded", jint(r->forwarded));
	json_object_object_add(d, "delay_notices", jint(r->delay_notices));
	json_object_object_add(d, "dropped", jint(r->dropped));
	json_object_object_add(d, "deferred", jint(r->dsn_deferred));
	json_object_object_add(d, "dropped_by_reason", table_json(r->drop_reasons));
	json_object_object_add(o, "dsn", d);
	json_object_object_add(b, "total", jint(r->bounces));
	json_object_object_add(b, "from_addresses", distinct_json(r->bounce_senders));
	json_object_object_add(b, "by_class", words(r->bounce_class, stats_b_words, STATS_B_N));
	json_object_object_add(b, "classed_from_status", jint(r->bounce_class_derived));
	json_object_object_add(b, "by_logged_class", table_json(r->bounce_detail));
	json_object_object_add(o, "ipv6_bounces", b);
	return o;
}

void stats_report_json(const stats *s, FILE *f)
{
	json_object *o = json_object_new_object(), *in = json_object_new_object();
	json_object *ex = json_object_new_array(), *er = json_object_new_array();
	char a[32], b[32];
	json_object_object_add(in, "files", jint(s->files));
	json_object_object_add(in, "lines", jint(s->lines));
	json_object_object_add(in, "bytes", jint(s->bytes));
	json_object_object_add(in, "foreign_lines", jint(s->foreign));
	json_object_object_add(in, "other_messages", jint(s->ours_other));
	json_object_object_add(in, "events", jint(s->events));
	json_object_object_add(in, "unreadable", jint(s->unreadable));
	json_object_object_add(in, "partial_last_lines", jint(s->partial_last));
	json_object_object_add(in, "out_of_range", jint(s->out_of_range));
	json_object_object_add(in, "without_time", jint(s->no_time));
	json_object_object_add(in, "other_mxready_programs", jint(s->unknown_prog));
	json_object_object_add(in, "older_format", jint(s->older_format));
	json_object_object_add(in, "newer_keys", jint(s->newer_keys));
	json_object_object_add(in, "journal_unparsed", jint(s->journal_bad));
	for (size_t i = 0; i < s->n_examples; i++)
		json_object_array_add(ex, json_object_new_string(s->examples[i]));
	for (size_t i = 0; i < s->n_errors; i++)
		json_object_array_add(er, json_object_new_string(s->errors[i]));
	json_object_object_add(in, "unreadable_examples", ex);
	json_object_object_add(in, "errors", er);
	json_object_object_add(in, "max_keys", jint(s->max_keys));
	json_object_object_add(o, "input", in);
	if (s->first) {
		tstamp(a, sizeof a, s->first);
		tstamp(b, sizeof b, s->last);
		json_object_object_add(o, "first", json_object_new_string(a));
		json_object_object_add(o, "last", json_object_new_string(b));
	} else {
		json_object_object_add(o, "first", NULL);
		json_object_object_add(o, "last", NULL);
	}
	json_object_object_add(o, "milter", inbound_json(s, &s->milter));
	json_object_object_add(o, "policyd", inbound_json(s, &s->policyd));
	json_object_object_add(o, "responder", resp_json(s));
	fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
