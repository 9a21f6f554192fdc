/*
 * libFuzzer target for mxready-policyd's request parser (policy/request.c,
 * Postfix SMTPD_POLICY_README protocol).  The first byte picks a chunk
 * size; the rest is fed once in one piece and once in chunks, and both runs
 * must see the same requests and the same error: the incremental parser
 * may not depend on how the network splits the stream.  Every complete
 * request must hold request=smtpd_access_policy and respect the bounds.
 * With the first byte's high bit set, every complete request is also
 * answered by policy/psess.c on the table DNS backend
 * (tests/unit/data/policy.tab, run from the top of the tree): the reply must
 * be one printable "action=..." line and the empty line, whatever the
 * attribute values (senders, HELO names, addresses) hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../policy/psess.h"
#include "../../policy/request.h"
#include "conf.h"
#include "vlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct outcome {
	unsigned done;            /* complete requests */
	size_t attrs;             /* attributes over all requests */
	unsigned long sum;        /* checksum of names and values */
	preq_error error;
} outcome;

static psess_global G;

static int answer_setup(void)
{
	static int state;   /* 0 = not tried, 1 = ready, -1 = no table */
	char err[256];
	if (state)
		return state;
	conf *cf = conf_new();
	if (conf_set(cf, "dns_table", "tests/unit/data/policy.tab", err, sizeof err) < 0 ||
	    conf_set(cf, "log_file", "/dev/null", err, sizeof err) < 0 ||
	    conf_set(cf, "action_iprev_fail", "reject", err, sizeof err) < 0 ||
	    conf_set(cf, "dns_timeout", "1", err, sizeof err) < 0 ||
	    vlog_open("fuzz_policy", cf, err, sizeof err) < 0)
		return state = -1;
	const char *fwd[CONF_MAX_RESOLVERS];
	dns_options o;
	conf_dns_options(cf, &o, fwd);
	G.cf = cf;
	G.res = dns_resolver_new(&o, err, sizeof err);
	G.cache = psess_cache_new();
	return state = G.res ? 1 : -1;   /* kept for the whole run */
}

static void answer(const preq *p)
{
	char out[PSESS_REPLY_MAX];
	size_t n = psess_answer(&G, p, out, sizeof out);
	if (n != strlen(out) || n < 9 || n >= sizeof out || strncmp(out, "action=", 7) != 0 ||
	    out[n - 1] != '\n' || out[n - 2] != '\n')
		abort();
	for (size_t i = 0; i + 2 < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] >= 0x7f)
			abort();
}

static int answering;

static void run(const char *d, size_t n, size_t chunk, outcome *o)
{
	static preq p;
	size_t off = 0;
	memset(o, 0, sizeof *o);
	preq_init(&p);
	while (off < n) {
		size_t len = n - off < chunk ? n - off : chunk, used = 0;
		preq_status st = preq_feed(&p, d + off, len, &used);
		if (used > len)
			abort();
		off += used;
		if (st == PREQ_ERROR) {
			o->error = p.error;
			if (p.error == PREQ_OK)
				abort();
			return;
		}
		if (st == PREQ_DONE) {
			const char *r = preq_get(&p, "request");
			if (r == NULL || strcmp(r, "smtpd_access_policy") != 0 || p.total > PREQ_SIZE_MAX)
				abort();
			for (size_t i = 0; i < p.n; i++) {
				const char *nm = p.buf + p.name[i], *v = p.buf + p.value[i];
				if (strlen(nm) > PREQ_NAME_MAX || strlen(v) > PREQ_LINE_MAX)
					abort();
				if (preq_get(&p, nm) != v)   /* names are unique */
					abort();
				for (const char *c = v; *c; c++)
					o->sum = o->sum * 31 + (unsigned char)*c;
				o->sum = o->sum * 7 + strlen(nm);
			}
			o->done++;
			o->attrs += p.n;
			if (answering)
				answer(&p);
			preq_reset(&p);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	outcome whole, parts;
	if (size < 1)
		return 0;
	size_t chunk = (size_t)data[0] % 17 + 1;
	const char *d = (const char *)data + 1;
	answering = (data[0] & 0x80) && answer_setup() == 1;
	run(d, size - 1, size, &whole);
	answering = 0;
	run(d, size - 1, chunk, &parts);
	if (whole.done != parts.done || whole.attrs != parts.attrs || whole.sum != parts.sum ||
	    whole.error != parts.error)
		abort();
	return 0;
}
