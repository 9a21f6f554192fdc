/*
 * Test driver: evaluates DMARC (RFC 7489) for given From field values and
 * given SPF/DKIM results through core/dmarc.c and prints dmarc_json().
 * Used by tests/e2e/22_dmarc.sh until `mxready check --message` exists.
 *   dmarc_eval [--resolver ADDR@PORT]... [--trust-anchor FILE] [--table FILE]
 *              [--timeout SECONDS] [--from-header VALUE]...
 *              [--spf RESULT:DOMAIN] [--dkim RESULT:DOMAIN]...
 * Each --from-header is one From field (none given: no From field).  The
 * DOMAIN of --spf may be empty; without --dkim the message is unsigned.
 * Exit status 0 with the JSON on stdout, 2 on a usage or setup error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dmarc.h"

#define MAX_FORWARDERS 4
#define MAX_FROM 8

static void usage(void)
{
	fprintf(stderr, "usage: dmarc_eval [--resolver ADDR@PORT]... [--trust-anchor FILE] [--table FILE]\n"
	    "         [--timeout SECONDS] [--from-header VALUE]... [--spf RESULT:DOMAIN]\n"
	    "         [--dkim RESULT:DOMAIN]...\n");
	exit(2);
}

/* "RESULT:DOMAIN" into a result and a domain (copied into dom). */
static auth_result res_dom(const char *arg, char *dom, size_t domlen)
{
	const char *colon = strchr(arg, ':');
	char r[32];
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	if (n >= sizeof r)
		usage();
	memcpy(r, arg, n);
	r[n] = '\0';
	int v = result_auth_parse(r);
	if (v < 0) {
		fprintf(stderr, "dmarc_eval: unknown result '%s'\n", r);
		exit(2);
	}
	snprintf(dom, domlen, "%s", colon ? colon + 1 : "");
	return (auth_result)v;
}

int main(int argc, char **argv)
{
	const char *fwd[MAX_FORWARDERS];
	const char *from[MAX_FROM];
	size_t from_len[MAX_FROM], n_from = 0;
	dns_options o = { 0 };
	double timeout = 10;
	auth_result spf = AUTH_NONE;
	char spf_dom[DNS_TEXT_MAX + 1] = "";
	dkimv_verdict dk;
	int signed_msg = 0;
	static const struct option lo[] = {
		{ "resolver", required_argument, NULL, 'r' },
		{ "trust-anchor", required_argument, NULL, 'a' },
		{ "table", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "from-header", required_argument, NULL, 'f' },
		{ "spf", required_argument, NULL, 's' },
		{ "dkim", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	int c;
	memset(&dk, 0, sizeof dk);
	o.forwarders = fwd;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (o.n_forwarders == MAX_FORWARDERS)
				usage();
			fwd[o.n_forwarders++] = optarg;
			break;
		case 'a': o.trust_anchor_file = optarg; break;
		case 't': o.table_file = optarg; break;
		case 'T': {
			char *end;
			timeout = strtod(optarg, &end);
			if (*end || timeout <= 0)
				usage();
			break;
		}
		case 'f':
			if (n_from == MAX_FROM)
				usage();
			from_len[n_from] = strlen(optarg);
			from[n_from++] = optarg;
			break;
		case 's':
			spf = res_dom(optarg, spf_dom, sizeof spf_dom);
			break;
		case 'd':
			if (dk.n == DKIMV_MAX_SIGS)
				usage();
			signed_msg = 1;
			dk.sig[dk.n].result = res_dom(optarg, dk.sig[dk.n].domain, sizeof dk.sig[dk.n].domain);
			if (dk.sig[dk.n].result == AUTH_PASS && dk.result != AUTH_PASS)
				dk.result = AUTH_PASS;
			dk.n++;
			dk.n_seen = dk.n;
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (o.n_forwarders == 0)
		o.forwarders = NULL;
	char err[256];
	dns_resolver *res = dns_resolver_new(&o, err, sizeof err);
	if (res == NULL) {
		fprintf(stderr, "dmarc_eval: %s\n", err);
		return 2;
	}
	dns_run *run = dns_run_new(res, timeout);
	dmarc_verdict v;
	dmarc_start_from(run, from, from_len, n_from, &v);
	dns_run_wait(run);
	dmarc_finish(&v, spf, spf_dom, signed_msg ? &dk : NULL);
	json_object *j = dmarc_json(&v);
	json_object_object_add(j, "queries", json_object_new_int((int)dns_run_queries(run)));
	printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
	dns_run_free(run);
	dns_resolver_free(res);
	return 0;
}
