/*
 * libFuzzer target for DMARC (core/dmarc.c): the record parser on the raw
 * input (RFC 7489 6.3/6.4, NUL and 8-bit included), then a whole
 * evaluation: the input is served as the record of _dmarc.f.t by a table
 * resolver, discovery runs for a From domain picked by the input, and
 * dmarc_finish() gets SPF and DKIM verdicts made from input bytes; the
 * dmarc_record readiness check runs on the same record (report URIs, 7.1).
 * Layout: byte 0 From pick, 1 SPF result, 2 SPF domain pick, 3 number of
 * signatures (then two bytes each: result, domain pick), rest the record.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "dmarc.h"
#include "ready_dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RECORD_MAX 2000   /* one table line holds it */

static const char *const domains[] = {
	"f.t", "x.f.t", "a.x.f.t", "org.t", "ghost.org.t", "exists.org.t", "t", "co.uk",
	"F.T.", "", "a.b.xtest", "example.co.uk", "bad..name", "rep.t"
};
#define N_DOMAINS (sizeof domains / sizeof domains[0])

static const char fixed[] =
	"_dmarc.org.t TXT \"v=DMARC1; p=reject; sp=none; np=quarantine; rua=mailto:r@rep.t\"\n"
	"exists.org.t A 192.0.2.1\n"
	"f.t._report._dmarc.rep.t TXT \"v=DMARC1\"\n"
	"_dmarc.co.uk TXT \"v=DMARC1; p=none\"\n"
	"_dmarc.slow.t TIMEOUT\n";

static auth_result pick_result(uint8_t b)
{
	static const auth_result r[] = { AUTH_NONE, AUTH_PASS, AUTH_FAIL, AUTH_SOFTFAIL, AUTH_NEUTRAL,
		AUTH_TEMPERROR, AUTH_PERMERROR, AUTH_POLICY };
	return r[b % (sizeof r / sizeof r[0])];
}

static void evaluate(const uint8_t *data, size_t size)
{
	if (size < 4)
		return;
	const char *from = domains[data[0] % N_DOMAINS];
	auth_result spf = pick_result(data[1]);
	const char *spf_dom = domains[data[2] % N_DOMAINS];
	dkimv_verdict dk;
	memset(&dk, 0, sizeof dk);
	size_t nsig = data[3] % (DKIMV_MAX_SIGS + 1), off = 4;
	for (size_t i = 0; i < nsig && off + 1 < size; i++, off += 2) {
		dk.sig[i].result = pick_result(data[off]);
		snprintf(dk.sig[i].domain, sizeof dk.sig[i].domain, "%s", domains[data[off + 1] % N_DOMAINS]);
		dk.n = i + 1;
	}
	const uint8_t *rec = data + (off < size ? off : size);
	size_t rlen = size - (size_t)(rec - data);
	if (rlen > RECORD_MAX)
		rlen = RECORD_MAX;

	/* The table: the record as one quoted string, escaped. */
	int fd = memfd_create("dmarc-table", 0);
	if (fd < 0)
		return;
	char *line = malloc(2 * RECORD_MAX + 64);
	size_t n = (size_t)snprintf(line, 64, "_dmarc.f.t TXT \"");
	for (size_t i = 0; i < rlen; i++) {
		char c = (char)rec[i];
		if (c == '\n' || c == '\r' || c == '\0')
			c = ' ';   /* the table format is line-based */
		if (c == '"' || c == '\\')
			line[n++] = '\\';
		line[n++] = c;
	}
	line[n++] = '"';
	line[n++] = '\n';
	if (write(fd, fixed, sizeof fixed - 1) != (ssize_t)(sizeof fixed - 1) ||
	    write(fd, line, n) != (ssize_t)n) {
		free(line);
		close(fd);
		return;
	}
	free(line);
	char path[64], err[256];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	dns_options o = { .table_file = path };
	dns_resolver *res = dns_resolver_new(&o, err, sizeof err);
	if (res == NULL) {
		close(fd);
		return;
	}
	dns_run *run = dns_run_new(res, 1);
	dmarc_verdict v;
	ready_item it;
	memset(&it, 0, sizeof it);
	dmarc_start(run, from, 1 + (data[0] >= 0xF0), &v);
	ready_dmarc_start(run, from[0] ? from : "f.t", &it);
	dns_run_wait(run);
	dmarc_finish(&v, spf, spf_dom, dk.n || (data[3] & 0x80) ? &dk : NULL);
	if (v.result == AUTH_PASS && !v.spf_aligned && !v.dkim_aligned)
		abort();
	if ((v.spf_aligned || v.dkim_aligned) && v.result != AUTH_PASS)
		abort();
	if (v.result != AUTH_PASS && v.result != AUTH_FAIL && v.result != AUTH_NONE &&
	    v.result != AUTH_TEMPERROR && v.result != AUTH_PERMERROR)
		abort();
	if (v.rec.pct > 100 || strnlen(v.reason, sizeof v.reason) == sizeof v.reason)
		abort();
	json_object *j = dmarc_json(&v);
	if (j == NULL || json_object_to_json_string(j) == NULL)
		abort();
	json_object_put(j);
	if (it.data == NULL || it.summary[0] == '\0')
		abort();
	json_object_put(it.data);
	dns_run_free(run);
	dns_resolver_free(res);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dmarc_record r;
	char err[128];
	/* Raw bytes, NUL and all, straight into the parser. */
	if (dmarc_record_parse((const char *)data, size, &r, err, sizeof err) == 0) {
		if (r.p == DMARC_P_UNSET || r.pct > 100 || strnlen(r.rua, sizeof r.rua) == sizeof r.rua ||
		    strnlen(r.ruf, sizeof r.ruf) == sizeof r.ruf)
			abort();
		if (!dmarc_is_record((const char *)data, size))
			abort();
	} else if (strnlen(err, sizeof err) == 0)
		abort();
	(void)dmarc_is_record((const char *)data, size);
	evaluate(data, size);
	return 0;
}
