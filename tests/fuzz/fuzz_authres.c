/*
 * libFuzzer target for Authentication-Results (RFC 8601): the authserv-id
 * reader on fuzzed received field values, and the renderer on fuzzed
 * verdict strings, checking that the rendered value is printable ASCII
 * whose only line breaks are "\n\t" folds and whose authserv-id reads back.
 * First byte: 0 = parse, 1 = render.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Next NUL-separated piece of the input into dst (bounded, terminated). */
static void piece(const uint8_t **p, size_t *n, char *dst, size_t dstlen)
{
	size_t i = 0;
	while (*n > 0 && **p != 0) {
		if (i + 1 < dstlen)
			dst[i++] = (char)**p;
		(*p)++;
		(*n)--;
	}
	if (*n > 0) {
		(*p)++;
		(*n)--;
	}
	dst[i] = '\0';
}

static void check_rendered(const char *v)
{
	size_t line = 0;
	if (v == NULL)
		abort();
	for (const char *c = v; *c; c++) {
		unsigned char u = (unsigned char)*c;
		if (u == '\n') {
			if (c[1] != '\t')
				abort();     /* a line break that is not our fold */
			line = 0;
			continue;
		}
		if (u == '\r' || u > 0x7e || (u < 0x20 && u != '\t'))
			abort();
		if (++line > 998)
			abort();
	}
	char id[300];
	if (authres_authserv_id(v, strlen(v), id, sizeof id) != 0)
		abort();             /* our own id must read back */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int mode = data[0] & 1;
	data++;
	size--;
	if (mode == 0) {
		char out[64];
		int rc = authres_authserv_id((const char *)data, size, out, sizeof out);
		if (rc == 0 && (out[0] == '\0' || strlen(out) >= sizeof out))
			abort();
		return 0;
	}
	static char id[300];
	spf_verdict mf, helo;
	dkimv_verdict dk;
	dmarc_verdict dm;
	iprev_verdict ip;
	memset(&mf, 0, sizeof mf);
	memset(&helo, 0, sizeof helo);
	memset(&dk, 0, sizeof dk);
	memset(&dm, 0, sizeof dm);
	memset(&ip, 0, sizeof ip);
	uint8_t flags = size ? data[0] : 0, res = size > 1 ? data[1] : 0;
	size_t skip = size < 2 ? size : 2;
	data += skip;
	size -= skip;
	piece(&data, &size, id, sizeof id);
	piece(&data, &size, mf.identity, sizeof mf.identity);
	piece(&data, &size, mf.reason, sizeof mf.reason);
	piece(&data, &size, helo.domain, sizeof helo.domain);
	piece(&data, &size, ip.ip, sizeof ip.ip);
	piece(&data, &size, ip.name, sizeof ip.name);
	piece(&data, &size, ip.reason, sizeof ip.reason);
	piece(&data, &size, dm.from_domain, sizeof dm.from_domain);
	piece(&data, &size, dm.reason, sizeof dm.reason);
	dk.n = (size_t)(res >> 4) % (DKIMV_MAX_SIGS + 1);
	for (size_t i = 0; i < dk.n; i++) {
		dkimv_sig *s = &dk.sig[i];
		s->result = (auth_result)((res + i) % 8);
		piece(&data, &size, s->domain, sizeof s->domain);
		piece(&data, &size, s->selector, sizeof s->selector);
		piece(&data, &size, s->algorithm, sizeof s->algorithm);
		piece(&data, &size, s->b, sizeof s->b);
		piece(&data, &size, s->reason, sizeof s->reason);
	}
	mf.result = (auth_result)(res % 8);
	helo.result = (auth_result)((res >> 1) % 8);
	dm.result = (auth_result)((res >> 2) % 8);
	dm.applied = (dmarc_policy)((res >> 3) % 4);
	ip.result = (auth_result)((res >> 5) % 8);
	authres_input in = {
		.authserv_id = (flags & 1) ? id : NULL,
		.spf_mailfrom = (flags & 2) ? &mf : NULL,
		.spf_helo = (flags & 4) ? &helo : NULL,
		.dkim = (flags & 8) ? &dk : NULL,
		.dmarc = (flags & 16) ? &dm : NULL,
		.iprev = (flags & 32) ? &ip : NULL,
	};
	char *v = authres_render(&in);
	check_rendered(v);
	free(v);
	return 0;
}
