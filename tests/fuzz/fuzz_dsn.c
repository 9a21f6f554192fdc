/*
 * libFuzzer target for the DSN parser (responder/dsn.c): whole messages
 * through dsn_parse (MIME walk, RFC 3464 fields) and every recipient group
 * through dsn_explain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../responder/dsn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size octets, so reads past the end are caught */
	char *m = malloc(size ? size : 1);
	dsn_report *rep = malloc(sizeof *rep);
	char err[128], why[512];

	if (m == NULL || rep == NULL)
		abort();
	memcpy(m, data, size);
	if (dsn_parse(m, size, rep, err, sizeof err) == 0)
		for (size_t i = 0; i < rep->n_rcpt; i++)
			dsn_explain(&rep->rcpt[i], why, sizeof why);
	memset(rep, 0, sizeof *rep);
	(void)dsn_parse_status(m, size, rep);
	free(rep);
	free(m);
	return 0;
}
