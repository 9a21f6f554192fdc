/*
 * spf_check: one SPF evaluation (RFC 7208) through a real resolver, for the
 * end-to-end tests until `mxready check --mail-from` carries it.
 *   spf_check --resolver ADDR@PORT [--trust-anchor FILE] --client-ip IP
 *             [--helo NAME] [--mail-from ADDR] [--scope mailfrom|helo|both]
 *             [--timeout SECONDS]
 * Prints spf_json() of the verdict (with --scope both: {"mailfrom": ...,
 * "helo": ...}, both evaluated on one run) and "seconds".  Exit 0, or 2 on
 * a usage or resolver error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dns.h"
#include "spf.h"

static void usage(void)
{
	fprintf(stderr, "usage: spf_check --resolver ADDR@PORT [--trust-anchor FILE] --client-ip IP "
	    "[--helo NAME] [--mail-from ADDR] [--scope mailfrom|helo|both] [--timeout S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "resolver", required_argument, NULL, 'r' },
		{ "trust-anchor", required_argument, NULL, 'a' },
		{ "client-ip", required_argument, NULL, 'i' },
		{ "helo", required_argument, NULL, 'h' },
		{ "mail-from", required_argument, NULL, 'm' },
		{ "scope", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *fwd[1] = { NULL }, *ip = NULL, *helo = NULL, *from = NULL, *scope = "mailfrom";
	dns_options o = { 0 };
	double timeout = 10;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': fwd[0] = optarg; o.forwarders = fwd; o.n_forwarders = 1; break;
		case 'a': o.trust_anchor_file = optarg; break;
		case 'i': ip = optarg; break;
		case 'h': helo = optarg; break;
		case 'm': from = optarg; break;
		case 's': scope = optarg; break;
		case 't': timeout = atof(optarg); break;
		default: usage();
		}
	}
	if (ip == NULL || optind != argc ||
	    (strcmp(scope, "mailfrom") && strcmp(scope, "helo") && strcmp(scope, "both")))
		usage();
	char err[256];
	dns_resolver *res = dns_resolver_new(&o, err, sizeof err);
	if (res == NULL) {
		fprintf(stderr, "spf_check: %s\n", err);
		return 2;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dns_run *run = dns_run_new(res, timeout);
	spf_verdict mf, he;
	int both = strcmp(scope, "both") == 0;
	if (both || strcmp(scope, "mailfrom") == 0)
		spf_start(run, SPF_SCOPE_MAILFROM, ip, helo, from, &mf);
	if (both || strcmp(scope, "helo") == 0)
		spf_start(run, SPF_SCOPE_HELO, ip, helo, from, &he);
	dns_run_wait(run);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	json_object *out;
	if (both) {
		out = json_object_new_object();
		json_object_object_add(out, "mailfrom", spf_json(&mf));
		json_object_object_add(out, "helo", spf_json(&he));
	} else
		out = spf_json(strcmp(scope, "helo") == 0 ? &he : &mf);
	json_object_object_add(out, "seconds", json_object_new_double(
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9));
	puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	if (both || strcmp(scope, "mailfrom") == 0)
		spf_verdict_clear(&mf);
	if (both || strcmp(scope, "helo") == 0)
		spf_verdict_clear(&he);
	dns_run_free(run);
	dns_resolver_free(res);
	return 0;
}
