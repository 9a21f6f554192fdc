/*
 * mxready: the checks of the core from the command line.
 *   mxready check [options] DOMAIN
 * Human report (one line per check, evidence, a hint per warn/fail) or the
 * JSON document described in docs/json.md.  Exit status: 0 no fail, 1 some
 * fail, 2 usage or configuration error, 75 (EX_TEMPFAIL) a DNS failure kept
 * a verdict from being reached.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "dns.h"
#include "helo.h"
#include "iprev.h"
#include "ready.h"
#include "result.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_TEMPFAIL 75
#define MAX_FORWARDERS 8

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: mxready check [options] DOMAIN\n"
	    "  --json                 print the report as JSON\n"
	    "  --resolver ADDR[@PORT] forward every query to this resolver (repeatable)\n"
	    "  --trust-anchor FILE    DS/DNSKEY records replacing the root trust anchor\n"
	    "  --timeout SECONDS      deadline of the whole check (default 10)\n"
	    "  --dns-table FILE       answer from a table file instead of DNS (testing)\n"
	    "  --client-ip IP         add iprev (and SPF with --mail-from) for this client\n"
	    "  --helo NAME            add the HELO check (needs --client-ip)\n"
	    "exit: 0 no fail, 1 some check failed, 2 usage error, 75 DNS failure\n");
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *mark(chk_status s, int color)
{
	if (!color) {
		switch (s) {
		case CHK_PASS: return "[PASS]";
		case CHK_INFO: return "[INFO]";
		case CHK_WARN: return "[WARN]";
		case CHK_FAIL: return "[FAIL]";
		case CHK_TEMPERROR: return "[TEMP]";
		}
		return "[????]";
	}
	switch (s) {
	case CHK_PASS: return "\033[32m[PASS]\033[0m";
	case CHK_INFO: return "\033[36m[INFO]\033[0m";
	case CHK_WARN: return "\033[33m[WARN]\033[0m";
	case CHK_FAIL: return "\033[31m[FAIL]\033[0m";
	case CHK_TEMPERROR: return "\033[35m[TEMP]\033[0m";
	}
	return "[????]";
}

/* Untrusted DNS text is printed with control characters escaped. */
static void put_safe(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void print_hosts(FILE *f, json_object *hosts)
{
	size_t n = json_object_array_length(hosts);
	for (size_t i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(hosts, i), *v;
		fprintf(f, "         - ");
		if (json_object_object_get_ex(h, "name", &v))
			put_safe(f, json_object_get_string(v));
		if (json_object_object_get_ex(h, "preference", &v))
			fprintf(f, " (preference %d)", json_object_get_int(v));
		if (json_object_object_get_ex(h, "cname", &v) && json_object_get_boolean(v))
			fprintf(f, " [CNAME]");
		if (json_object_object_get_ex(h, "state", &v))
			fprintf(f, " %s", json_object_get_string(v));
		if (json_object_object_get_ex(h, "addresses", &v)) {
			size_t na = json_object_array_length(v);
			if (na == 0)
				fprintf(f, " no address");
			for (size_t k = 0; k < na; k++) {
				json_object *a = json_object_array_get_idx(v, k), *x, *c;
				if (json_object_object_get_ex(a, "address", &x) &&
				    json_object_object_get_ex(a, "class", &c))
					fprintf(f, " %s%s%s%s", json_object_get_string(x),
					    strcmp(json_object_get_string(c), "global") ? " [" : "",
					    strcmp(json_object_get_string(c), "global") ? json_object_get_string(c) : "",
					    strcmp(json_object_get_string(c), "global") ? "]" : "");
			}
		}
		if (json_object_object_get_ex(h, "records", &v)) {
			size_t nr = json_object_array_length(v);
			if (nr == 0)
				fprintf(f, " no TLSA");
			for (size_t k = 0; k < nr; k++)
				fprintf(f, "%s TLSA %s", k ? ";" : "", json_object_get_string(json_object_array_get_idx(v, k)));
			if (nr && json_object_object_get_ex(h, "secure", &v))
				fprintf(f, " (%s)", json_object_get_boolean(v) ? "secure" : "not secure");
		}
		fputc('\n', f);
	}
}

static void print_evidence(FILE *f, json_object *data)
{
	struct json_object_iterator it = json_object_iter_begin(data);
	struct json_object_iterator end = json_object_iter_end(data);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *k = json_object_iter_peek_name(&it);
		json_object *v = json_object_iter_peek_value(&it);
		if (strcmp(k, "status") == 0 || strcmp(k, "summary") == 0 ||
		    strcmp(k, "hint") == 0 || strcmp(k, "reason") == 0)
			continue;
		if (strcmp(k, "hosts") == 0) {
			print_hosts(f, v);
			continue;
		}
		if (v == NULL || json_object_is_type(v, json_type_object))
			continue;
		if (json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0)
			continue;
		fprintf(f, "         %s: ", k);
		if (json_object_is_type(v, json_type_string))
			put_safe(f, json_object_get_string(v));
		else
			fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_NOSLASHESCAPE), f);
		fputc('\n', f);
	}
}

/* Per-connection checks added by --client-ip/--helo/--mail-from/--message. */
enum { X_IPREV, X_HELO, X_COUNT };
static const char *const x_ids[X_COUNT] = { "iprev", "helo" };
typedef struct extras {
	ready_item item[X_COUNT];
	int used[X_COUNT];
} extras;

static chk_status auth_to_chk(auth_result r)
{
	switch (r) {
	case AUTH_PASS: return CHK_PASS;
	case AUTH_SOFTFAIL: case AUTH_NEUTRAL: return CHK_WARN;
	case AUTH_TEMPERROR: return CHK_TEMPERROR;
	default: return CHK_FAIL;
	}
}

static void print_item(FILE *f, const char *id, const ready_item *it, int color)
{
	fprintf(f, "  %s %-13s ", mark(it->status, color), id);
	put_safe(f, it->summary);
	fputc('\n', f);
	if (it->data)
		print_evidence(f, it->data);
	if (it->hint[0] && it->status != CHK_PASS) {
		fprintf(f, "         fix: ");
		put_safe(f, it->hint);
		fputc('\n', f);
	}
}

static void print_human(FILE *f, const ready_report *rep, const extras *x, double secs)
{
	int color = isatty(fileno(f)) && getenv("NO_COLOR") == NULL;
	size_t cnt[5] = { 0 };
	fprintf(f, "mxready check ");
	put_safe(f, rep->domain);
	fputc('\n', f);
	for (int i = 0; i < READY_COUNT; i++) {
		cnt[rep->item[i].status]++;
		print_item(f, ready_id_str((ready_id)i), &rep->item[i], color);
	}
	for (int i = 0; i < X_COUNT; i++) {
		if (!x->used[i])
			continue;
		cnt[x->item[i].status]++;
		print_item(f, x_ids[i], &x->item[i], color);
	}
	fprintf(f, "verdict: %s (%zu pass, %zu warn, %zu fail, %zu temperror, %zu info) in %.2f s, %zu DNS queries\n",
	    result_chk_str(rep->verdict), cnt[CHK_PASS], cnt[CHK_WARN], cnt[CHK_FAIL],
	    cnt[CHK_TEMPERROR], cnt[CHK_INFO], secs, rep->queries);
}

static int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "resolver", required_argument, NULL, 'r' },
		{ "trust-anchor", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "dns-table", required_argument, NULL, 'T' },
		{ "client-ip", required_argument, NULL, 'c' },
		{ "helo", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *fwd[MAX_FORWARDERS];
	dns_options dopt = { 0 };
	int json = 0, c;
	const char *client_ip = NULL, *helo = NULL;
	double timeout = 10;
	char *end;

	dopt.forwarders = fwd;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'r':
			if (dopt.n_forwarders == MAX_FORWARDERS) {
				fprintf(stderr, "mxready: at most %d --resolver options\n", MAX_FORWARDERS);
				return EXIT_USAGE;
			}
			fwd[dopt.n_forwarders++] = optarg;
			break;
		case 'a': dopt.trust_anchor_file = optarg; break;
		case 'T': dopt.table_file = optarg; break;
		case 'c': client_ip = optarg; break;
		case 'H': helo = optarg; break;
		case 't':
			errno = 0;
			timeout = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(timeout > 0 && timeout <= 3600)) {
				fprintf(stderr, "mxready: --timeout: '%s' is not a number of seconds in (0, 3600]\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "mxready: check takes exactly one DOMAIN\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	char domain[DNS_TEXT_MAX + 2], err[256];
	if (dns_name_normalize(argv[optind], domain, sizeof domain, err, sizeof err) < 0) {
		fprintf(stderr, "mxready: '");
		put_safe(stderr, argv[optind]);
		fprintf(stderr, "' is not a domain name: %s\n", err);
		return EXIT_USAGE;
	}
	if (strchr(domain, '.') == NULL) {
		fprintf(stderr, "mxready: '%s' is not a domain name: a single label\n", domain);
		return EXIT_USAGE;
	}
	char ipn[64];
	if (client_ip && addr_normalize(client_ip, ipn, sizeof ipn) == 0) {
		fprintf(stderr, "mxready: --client-ip: '");
		put_safe(stderr, client_ip);
		fprintf(stderr, "' is not an IPv4 or IPv6 address\n");
		return EXIT_USAGE;
	}
	if (helo && !client_ip) {
		fprintf(stderr, "mxready: --helo needs --client-ip\n");
		return EXIT_USAGE;
	}
	dns_resolver *res = dns_resolver_new(&dopt, err, sizeof err);
	if (res == NULL) {
		fprintf(stderr, "mxready: %s\n", err);
		return EXIT_USAGE;
	}
	double t0 = now();
	dns_run *run = dns_run_new(res, timeout);
	ready_report *rep = ready_start(run, domain);
	extras x;
	iprev_verdict iv;
	helo_verdict hv;
	memset(&x, 0, sizeof x);
	if (client_ip)
		iprev_start(run, client_ip, &iv);
	if (helo)
		helo_start(run, helo, client_ip, &hv);
	dns_run_wait(run);
	ready_finish(rep);
	if (client_ip) {
		ready_item *it = &x.item[X_IPREV];
		x.used[X_IPREV] = 1;
		it->data = iprev_json(&iv);
		ready_set(it, auth_to_chk(iv.result), "iprev %s: %s%s%s", result_auth_str(iv.result),
		    iv.reason, iv.name[0] ? ", name " : "", iv.name);
		if (iv.result == AUTH_FAIL || iv.result == AUTH_PERMERROR)
			ready_hint(it, "Publish a PTR record for %s whose name resolves back to it (many receivers reject mail without one).", iv.ip);
	}
	if (helo) {
		ready_item *it = &x.item[X_HELO];
		x.used[X_HELO] = 1;
		it->data = helo_json(&hv);
		ready_set(it, hv.status, "%s", hv.reason);
		if (hv.status == CHK_WARN || hv.status == CHK_FAIL)
			ready_hint(it, "Use the server's fully qualified name in HELO/EHLO, with A/AAAA records pointing at its own address.");
	}
	for (int i = 0; i < X_COUNT; i++)
		if (x.used[i]) {
			rep->verdict = result_chk_worst(rep->verdict, x.item[i].status);
			if (rep->verdict == CHK_INFO)
				rep->verdict = CHK_PASS;
		}
	rep->queries = dns_run_queries(run);
	double secs = now() - t0;
	if (json) {
		json_object *o = ready_json(rep), *checks;
		if (json_object_object_get_ex(o, "checks", &checks))
			for (int i = 0; i < X_COUNT; i++) {
				if (!x.used[i])
					continue;
				json_object *xo = x.item[i].data;
				json_object_object_add(xo, "status", json_object_new_string(result_chk_str(x.item[i].status)));
				json_object_object_add(xo, "summary", json_object_new_string(x.item[i].summary));
				if (x.item[i].hint[0])
					json_object_object_add(xo, "hint", json_object_new_string(x.item[i].hint));
				json_object_object_add(checks, x_ids[i], json_object_get(xo));
			}
		json_object_object_add(o, "seconds", json_object_new_double(secs));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else
		print_human(stdout, rep, &x, secs);
	int rc = rep->verdict == CHK_TEMPERROR ? EXIT_TEMPFAIL :
	    rep->verdict == CHK_FAIL ? EXIT_FAILED : 0;
	for (int i = 0; i < X_COUNT; i++)
		json_object_put(x.item[i].data);
	ready_report_free(rep);
	dns_run_free(run);
	dns_resolver_free(res);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return EXIT_USAGE;
}
