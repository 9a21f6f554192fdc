/*
 * spf_suite: runs the RFC 7208 test suite through our SPF evaluator and our
 * DNS layer (table backend), one table per scenario.  Input is the output
 * of tests/tools/spf_suite_conv.py.  Prints every case that does not pass
 * and "spf suite: N/M passed".  Exit 0 unless the input is unusable.
 *   spf_suite SUITE.txt [-v]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "spf.h"

#define LINE_MAX_LEN 8192

static int verbose;
static int ddd_ok;          /* the table backend decodes \DDD in TXT */
static int passed, total;

typedef struct scen {
	char desc[256];
	char *table;            /* table lines */
	size_t len, cap;
	char skipped[1024];     /* names left out of the table, and why */
} scen;

static void add(scen *s, const char *line)
{
	size_t n = strlen(line);
	if (s->len + n + 2 > s->cap) {
		s->cap = (s->len + n + 2) * 2;
		s->table = realloc(s->table, s->cap);
		if (s->table == NULL)
			abort();
	}
	memcpy(s->table + s->len, line, n);
	s->len += n;
	s->table[s->len++] = '\n';
	s->table[s->len] = '\0';
}

static dns_resolver *load(const char *text, size_t len)
{
	char path[] = "/tmp/spf_suite.XXXXXX", err[256];
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return NULL;
	}
	close(fd);
	dns_options o = { .table_file = path };
	dns_resolver *r = dns_resolver_new(&o, err, sizeof err);
	if (r == NULL)
		fprintf(stderr, "spf_suite: table: %s\n", err);
	unlink(path);
	return r;
}

static void probe_ddd(void)
{
	const char *t = "probe.t TXT \"a\\065b\"\n";
	dns_resolver *r = load(t, strlen(t));
	if (r == NULL)
		return;
	dns_run *run = dns_run_new(r, 5);
	const dns_answer *a = dns_lookup(run, "probe.t", DNS_T_TXT);
	ddd_ok = a && a->n == 1 && a->rr[0].textlen == 3 && memcmp(a->rr[0].text, "aAb", 3) == 0;
	dns_run_free(run);
	dns_resolver_free(r);
}

static int in_list(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; (p = strstr(p, word)) != NULL; p += wl)
		if ((p == list || p[-1] == ',') && (p[wl] == ',' || p[wl] == '\0'))
			return 1;
	return 0;
}

static void run_case(dns_resolver *res, const scen *s, char *f[7])
{
	/* f: name host helo mailfrom results explanation */
	dns_run *run = dns_run_new(res, 10);
	spf_verdict v;
	spf_start(run, SPF_SCOPE_MAILFROM, f[1], f[2], f[3], &v);
	dns_run_wait(run);
	const char *got = result_auth_str(v.result);
	int ok = in_list(f[4], got);
	const char *why = "";
	if (ok && strcmp(f[5], "-") != 0) {
		if (strcmp(f[5], "DEFAULT") == 0)
			ok = v.explanation[0] == '\0', why = "explanation given where none applies";
		else
			ok = strcmp(v.explanation, f[5]) == 0, why = "explanation differs";
	}
	total++;
	if (ok)
		passed++;
	if (!ok || verbose)
		printf("%s: %s/%s: got %s (%s; %s) want %s%s%s%s%s%s%s\n", ok ? "ok" : "FAILED",
		    s->desc, f[0], got, v.mechanism, v.reason, f[4],
		    strcmp(f[5], "-") ? "; explanation got '" : "",
		    strcmp(f[5], "-") ? v.explanation : "",
		    strcmp(f[5], "-") ? "' want '" : "",
		    strcmp(f[5], "-") ? f[5] : "", strcmp(f[5], "-") ? "'" : "",
		    !ok && s->skipped[0] ? s->skipped : "");
	if (!ok && why[0])
		printf("  (%s)\n", why);
	spf_verdict_clear(&v);
	dns_run_free(run);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: spf_suite SUITE.txt [-v]\n");
		return 2;
	}
	verbose = argc > 2 && strcmp(argv[2], "-v") == 0;
	FILE *in = fopen(argv[1], "r");
	if (in == NULL) {
		perror(argv[1]);
		return 2;
	}
	probe_ddd();
	if (!ddd_ok)
		printf("note: the table backend does not decode \\DDD: zone data with control characters left out\n");
	static char line[LINE_MAX_LEN];
	scen s = { 0 };
	dns_resolver *res = NULL;
	int bad = 0;
	while (fgets(line, sizeof line, in)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "@scenario ", 10) == 0) {
			dns_resolver_free(res);
			res = NULL;
			free(s.table);
			memset(&s, 0, sizeof s);
			snprintf(s.desc, sizeof s.desc, "%.200s", line + 10);
			add(&s, "# scenario");
		} else if (strncmp(line, "@ddd ", 5) == 0) {
			if (ddd_ok)
				add(&s, line + 5);
			else {
				size_t l = strlen(s.skipped);
				snprintf(s.skipped + l, sizeof s.skipped - l, " [left out: %.*s needs \\DDD]",
				    (int)strcspn(line + 5, " "), line + 5);
			}
		} else if (strncmp(line, "@unrep ", 7) == 0) {
			size_t l = strlen(s.skipped);
			snprintf(s.skipped + l, sizeof s.skipped - l, " [left out: %.*s: blank in the name]",
			    (int)strcspn(line + 7, " "), line + 7);
		} else if (strncmp(line, "@case\t", 6) == 0) {
			char *f[7] = { 0 }, *p = line + 6;
			int n = 0;
			while (n < 6 && p) {
				f[n++] = p;
				p = strchr(p, '\t');
				if (p)
					*p++ = '\0';
			}
			if (n != 6) {
				fprintf(stderr, "spf_suite: bad case line\n");
				bad = 1;
				continue;
			}
			if (res == NULL && (res = load(s.table, s.len)) == NULL) {
				bad = 1;
				break;
			}
			run_case(res, &s, f);
		} else if (line[0] != '\0')
			add(&s, line);
	}
	fclose(in);
	dns_resolver_free(res);
	free(s.table);
	printf("spf suite: %d/%d passed\n", passed, total);
	return bad || total == 0 ? 2 : 0;
}
