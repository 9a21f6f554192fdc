/*
 * spf_libspf2_suite: runs the RFC 7208 test suite through Debian's libspf2
 * (1.2.10), the engine issue 3 proposed, to measure it against our own
 * evaluator (docs/spf.md).  Same input as spf_suite (from
 * spf_suite_conv.py); the zone data goes into libspf2's zone DNS layer,
 * with CNAMEs flattened (that layer does not follow them) and a NODATA
 * entry for every name that exists.  Each case runs in a child process so
 * that a crash is counted, not fatal.  Two figures are printed: libspf2's
 * raw results, and results after the mapping a wrapper would apply
 * (INVALID with a DNS error -> temperror, other INVALID -> permerror).
 *   spf_libspf2_suite SUITE.txt [-v]
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#define MAX_LINES 512
#define CNAME_HOPS 8

static int verbose;

typedef struct zline {
	char name[300];
	char type[16];
	char data[1200];
} zline;

static zline zl[MAX_LINES];
static int nzl;

/* Decodes "quoted" strings with \" \\ \DDD into out (a C string: a NUL
 * octet ends it, as it would in any libspf2 DNS layer). */
static void txt_decode(const char *p, char *out, size_t outlen)
{
	size_t o = 0;
	while (*p && o + 1 < outlen) {
		if (*p != '"') {
			p++;
			continue;
		}
		p++;
		while (*p && *p != '"' && o + 1 < outlen) {
			if (p[0] == '\\' && p[1] >= '0' && p[1] <= '9' && p[2] && p[3]) {
				out[o++] = (char)((p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0'));
				p += 4;
			} else {
				if (*p == '\\' && p[1])
					p++;
				out[o++] = *p++;
			}
		}
		if (*p == '"')
			p++;
	}
	out[o] = '\0';
}

static void name_decode(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	while (*in && o + 1 < outlen) {
		if (strncmp(in, "\\032", 4) == 0) {
			out[o++] = ' ';
			in += 4;
		} else
			out[o++] = *in++;
	}
	out[o] = '\0';
}

static void add_line(const char *line)
{
	if (nzl >= MAX_LINES)
		return;
	zline *z = &zl[nzl];
	char nm[300];
	int k = 0;
	while (line[k] && line[k] != ' ' && k < 299)
		k++;
	snprintf(nm, sizeof nm, "%.*s", k, line);
	name_decode(nm, z->name, sizeof z->name);
	const char *p = line + k;
	while (*p == ' ')
		p++;
	int t = 0;
	while (p[t] && p[t] != ' ' && t < 15)
		t++;
	snprintf(z->type, sizeof z->type, "%.*s", t, p);
	p += t;
	while (*p == ' ')
		p++;
	if (strcmp(z->type, "TXT") == 0)
		txt_decode(p, z->data, sizeof z->data);
	else
		snprintf(z->data, sizeof z->data, "%s", p);
	size_t dl = strlen(z->data);
	if (dl > 1 && z->data[dl - 1] == '.' && strcmp(z->type, "TXT") != 0)
		z->data[dl - 1] = '\0';
	if (strcmp(z->type, "MX") == 0 && strcmp(z->data + strcspn(z->data, " ") + 1, ".") == 0)
		z->data[strcspn(z->data, " ") + 1] = '\0';
	nzl++;
}

static int type_of(const char *t)
{
	if (strcmp(t, "A") == 0) return ns_t_a;
	if (strcmp(t, "AAAA") == 0) return ns_t_aaaa;
	if (strcmp(t, "MX") == 0) return ns_t_mx;
	if (strcmp(t, "TXT") == 0) return ns_t_txt;
	if (strcmp(t, "PTR") == 0) return ns_t_ptr;
	return -1;
}

static SPF_dns_server_t *build_zone(void)
{
	SPF_dns_server_t *z = SPF_dns_zone_new(NULL, "suite", 0);
	if (z == NULL)
		return NULL;
	for (int i = 0; i < nzl; i++) {
		int ty = type_of(zl[i].type);
		if (ty > 0)
			SPF_dns_zone_add_str(z, zl[i].name, (ns_type)ty, NETDB_SUCCESS, zl[i].data);
	}
	/* CNAMEs: copy the target's records to the alias; a loop times out. */
	for (int i = 0; i < nzl; i++) {
		if (strcmp(zl[i].type, "CNAME") != 0)
			continue;
		const char *tgt = zl[i].data;
		int hops = 0, more = 1;
		while (more && hops < CNAME_HOPS) {
			more = 0;
			for (int j = 0; j < nzl; j++)
				if (strcmp(zl[j].type, "CNAME") == 0 && strcasecmp(zl[j].name, tgt) == 0) {
					tgt = zl[j].data;
					more = 1;
					hops++;
					break;
				}
		}
		if (more) {
			SPF_dns_zone_add_str(z, zl[i].name, ns_t_any, TRY_AGAIN, NULL);
			continue;
		}
		for (int j = 0; j < nzl; j++) {
			int ty = type_of(zl[j].type);
			if (ty > 0 && strcasecmp(zl[j].name, tgt) == 0)
				SPF_dns_zone_add_str(z, zl[i].name, (ns_type)ty, NETDB_SUCCESS, zl[j].data);
		}
	}
	for (int i = 0; i < nzl; i++) {
		if (strcmp(zl[i].type, "TIMEOUT") == 0)
			SPF_dns_zone_add_str(z, zl[i].name, ns_t_any, TRY_AGAIN, NULL);
	}
	/* Every name that exists answers NODATA for the other types (one ANY
	 * entry per name: a second one aborts in the zone layer). */
	for (int i = 0; i < nzl; i++) {
		int seen = 0;
		for (int j = 0; j < nzl; j++)
			if (strcasecmp(zl[j].name, zl[i].name) == 0 &&
			    (j < i || strcmp(zl[j].type, "TIMEOUT") == 0 || strcmp(zl[j].type, "CNAME") == 0))
				seen = 1;
		if (!seen)
			SPF_dns_zone_add_str(z, zl[i].name, ns_t_any, NO_DATA, NULL);
	}
	return z;
}

static int in_list(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; (p = strstr(p, word)) != NULL; p += wl)
		if ((p == list || p[-1] == ',') && (p[wl] == ',' || p[wl] == '\0'))
			return 1;
	return 0;
}

static const char *res_str(SPF_result_t r)
{
	switch (r) {
	case SPF_RESULT_PASS: return "pass";
	case SPF_RESULT_FAIL: return "fail";
	case SPF_RESULT_SOFTFAIL: return "softfail";
	case SPF_RESULT_NEUTRAL: return "neutral";
	case SPF_RESULT_NONE: return "none";
	case SPF_RESULT_TEMPERROR: return "temperror";
	case SPF_RESULT_PERMERROR: return "permerror";
	default: return "invalid";
	}
}

/* Runs one case in this (child) process; writes "raw mapped explanation". */
static void child(char *f[6], int fd)
{
	SPF_dns_server_t *z = build_zone();
	SPF_server_t *srv = SPF_server_new_dns(z, 0);
	SPF_response_t *er = NULL;
	SPF_server_set_explanation(srv, "DEFAULT", &er);
	if (er)
		SPF_response_free(er);
	SPF_request_t *req = SPF_request_new(srv);
	char out[2048];
	if (strchr(f[1], ':'))
		SPF_request_set_ipv6_str(req, f[1]);
	else
		SPF_request_set_ipv4_str(req, f[1]);
	SPF_request_set_helo_dom(req, f[2]);
	SPF_request_set_env_from(req, f[3]);
	SPF_response_t *resp = NULL;
	SPF_errcode_t err = SPF_request_query_mailfrom(req, &resp);
	SPF_result_t r = resp ? SPF_response_result(resp) : SPF_RESULT_INVALID;
	const char *raw = res_str(r);
	const char *mapped = raw;
	if (r == SPF_RESULT_INVALID)
		mapped = err == SPF_E_DNS_ERROR ? "temperror" : "permerror";
	const char *exp = resp ? SPF_response_get_explanation(resp) : NULL;
	int n = snprintf(out, sizeof out, "%s\t%s\t%d %s\t%s", raw, mapped, (int)err,
	    err ? SPF_strerror(err) : "", exp ? exp : "");
	if (n > 0 && write(fd, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1) < 0)
		_exit(3);
	if (resp)
		SPF_response_free(resp);
	SPF_request_free(req);
	SPF_server_free(srv);
	SPF_dns_free(z);
	_exit(0);
}

static int total, ok_raw, ok_mapped, crashes, timeouts;

static int judge(const char *got, const char *exp_got, char *f[6])
{
	if (!in_list(f[4], got))
		return 0;
	if (strcmp(f[5], "-") == 0)
		return 1;
	if (strcmp(f[5], "DEFAULT") == 0)
		return strcmp(exp_got, "DEFAULT") == 0 || exp_got[0] == '\0';
	return strcmp(exp_got, f[5]) == 0;
}

static void run_case(const char *desc, char *f[6])
{
	int pfd[2];
	char buf[2048] = "";
	if (pipe(pfd) != 0)
		return;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		alarm(10);
		child(f, pfd[1]);
	}
	close(pfd[1]);
	size_t got = 0;
	ssize_t r;
	while ((r = read(pfd[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)r;
	buf[got] = '\0';
	close(pfd[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	total++;
	if (WIFSIGNALED(st)) {
		if (WTERMSIG(st) == SIGALRM)
			timeouts++;
		else
			crashes++;
		printf("CRASH: %s/%s: signal %d\n", desc, f[0], WTERMSIG(st));
		return;
	}
	char *raw = buf, *mapped = strchr(raw, '\t'), *err = NULL, *exp = NULL;
	if (mapped) {
		*mapped++ = '\0';
		err = strchr(mapped, '\t');
	}
	if (err) {
		*err++ = '\0';
		exp = strchr(err, '\t');
	}
	if (exp)
		*exp++ = '\0';
	if (!mapped || !err || !exp) {
		crashes++;
		printf("CRASH: %s/%s: no result (exit status %d)\n", desc, f[0], WEXITSTATUS(st));
		return;
	}
	int a = judge(raw, exp, f), b = judge(mapped, exp, f);
	ok_raw += a;
	ok_mapped += b;
	if (!b || verbose)
		printf("%s: %s/%s: raw %s mapped %s (err %s) want %s%s%s%s\n", b ? "ok" : "FAILED",
		    desc, f[0], raw, mapped, err, f[4],
		    strcmp(f[5], "-") ? "; explanation '" : "", strcmp(f[5], "-") ? exp : "",
		    strcmp(f[5], "-") ? "'" : "");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: spf_libspf2_suite SUITE.txt [-v]\n");
		return 2;
	}
	verbose = argc > 2 && strcmp(argv[2], "-v") == 0;
	FILE *in = fopen(argv[1], "r");
	if (in == NULL) {
		perror(argv[1]);
		return 2;
	}
	static char line[8192];
	char desc[256] = "";
	while (fgets(line, sizeof line, in)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "@scenario ", 10) == 0) {
			nzl = 0;
			snprintf(desc, sizeof desc, "%.200s", line + 10);
		} else if (strncmp(line, "@ddd ", 5) == 0)
			add_line(line + 5);
		else if (strncmp(line, "@unrep ", 7) == 0)
			add_line(line + 7);
		else if (strncmp(line, "@case\t", 6) == 0) {
			char *f[6] = { 0 }, *p = line + 6;
			int n = 0;
			while (n < 6 && p) {
				f[n++] = p;
				p = strchr(p, '\t');
				if (p)
					*p++ = '\0';
			}
			if (n == 6)
				run_case(desc, f);
		} else if (line[0] != '\0' && line[0] != '#')
			add_line(line);
	}
	fclose(in);
	printf("libspf2 suite: %d/%d passed raw, %d/%d with INVALID mapped; %d crashed, %d hung\n",
	    ok_raw, total, ok_mapped, total, crashes, timeouts);
	return total == 0 ? 2 : 0;
}
