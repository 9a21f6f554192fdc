/*
 * Test driver: verifies the DKIM signatures of one RFC 5322 message
 * (RFC 6376) through core/dkimv.c and prints dkimv_json().  Used by
 * tests/e2e/21_dkim.sh until `mxready check --message` exists.
 *   dkim_verify [--resolver ADDR@PORT]... [--trust-anchor FILE]
 *               [--table FILE] [--timeout SECONDS] [--authres ID] FILE
 * With --authres the Authentication-Results field (RFC 8601) for the
 * verdict is printed instead, as "Authentication-Results:VALUE".
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "authres.h"
#include "dkimv.h"

#define MAX_FORWARDERS 4
#define MAX_MESSAGE (64u << 20)   /* refuse to read more than this */

static void usage(void)
{
	fprintf(stderr, "usage: dkim_verify [--resolver ADDR@PORT]... [--trust-anchor FILE] "
	    "[--table FILE] [--timeout SECONDS] [--authres ID] FILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *fwd[MAX_FORWARDERS];
	dns_options o = { 0 };
	double timeout = 10;
	const char *arid = NULL;
	static const struct option lo[] = {
		{ "resolver", required_argument, NULL, 'r' },
		{ "trust-anchor", required_argument, NULL, 'a' },
		{ "table", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "authres", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	int c;
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
		case 'A': arid = optarg; break;
		case 'T': {
			char *end;
			timeout = strtod(optarg, &end);
			if (*end || timeout <= 0)
				usage();
			break;
		}
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	FILE *f = fopen(argv[optind], "rb");
	if (f == NULL) {
		perror(argv[optind]);
		return 2;
	}
	size_t cap = 1 << 16, len = 0;
	char *msg = malloc(cap);
	size_t n;
	while (msg && (n = fread(msg + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			if (cap >= MAX_MESSAGE) {
				fprintf(stderr, "dkim_verify: message too large\n");
				return 2;
			}
			cap *= 2;
			char *m2 = realloc(msg, cap);
			if (m2 == NULL)
				break;
			msg = m2;
		}
	}
	fclose(f);
	if (msg == NULL)
		return 2;
	char err[256];
	dns_resolver *res = dns_resolver_new(&o, err, sizeof err);
	if (res == NULL) {
		fprintf(stderr, "dkim_verify: %s\n", err);
		free(msg);
		return 2;
	}
	dkimv_lib *lib = dkimv_lib_new(err, sizeof err);
	if (lib == NULL) {
		fprintf(stderr, "dkim_verify: %s\n", err);
		dns_resolver_free(res);
		free(msg);
		return 2;
	}
	dns_run *run = dns_run_new(res, timeout);
	dkimv_verdict v;
	dkimv_verify_buffer(lib, run, msg, len, &v);
	if (arid) {
		authres_input in = { .authserv_id = arid, .dkim = &v };
		char *h = authres_render(&in);
		printf("Authentication-Results:%s\n", h);
		free(h);
	} else {
		json_object *j = dkimv_json(&v);
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	}
	dns_run_free(run);
	dkimv_lib_free(lib);
	dns_resolver_free(res);
	free(msg);
	return 0;
}
