/*
 * libFuzzer target for mxready-milter's message logic (milter/session.c):
 * callback sequences as libmilter would deliver them, with fuzzed envelope,
 * header fields and body chunks, answered by the table DNS backend (a
 * small world with a DMARC p=reject domain, a DKIM key, PTRs and a lookup
 * that times out).  Checks what the MTA relies on: an action in range; a
 * reply code exactly for reject/tempfail, 4xx for tempfail, 5xx for reject,
 * reply text printable without '%'; header values printable ASCII whose
 * only line breaks are "\n\t" folds; deletion indices strictly descending
 * and within the fields of that name; a printable verdict line.
 *
 * Input: byte 0 = connection flags, then up to MSG_MAX messages separated
 * by the octets "\n.\n"; each message: one flag byte, the MAIL FROM line,
 * header lines ("Name:value", "\\n" in a value becomes a fold) up to an
 * empty line, then the body (fed in chunks of a size from the flags).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../daemon/conf.h"
#include "../../daemon/vlog.h"
#include "../../milter/session.h"
#include "dkimv.h"
#include "../../milter/rcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MSG_MAX 4
#define HDR_MAX 300

static const char table[] =
    "good.t MX 10 mx.good.t\n"
    "good.t TXT \"v=spf1 ip4:192.0.2.0/28 ip6:2001:db8::/64 -all\"\n"
    "good.t DNSSEC secure\n"
    "_dmarc.good.t TXT \"v=DMARC1; p=reject; pct=50\"\n"
    "sel._domainkey.good.t TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
    "mx.good.t A 192.0.2.1\n"
    "mx.good.t AAAA 2001:db8::1\n"
    "1.2.0.192.in-addr.arpa PTR mx.good.t\n"
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa PTR mx.good.t\n"
    "q.t TXT \"v=spf1 include:slow.t -all\"\n"
    "_dmarc.q.t TXT \"v=DMARC1; p=quarantine\"\n"
    "slow.t TIMEOUT\n"
    "null.t MX 0 .\n"
    "null.t TXT \"v=spf1 -all\"\n";

static conf *cf;
static msess_global G;

static void setup(void)
{
	char path[] = "/tmp/fuzz_milter.XXXXXX", err[256];
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, table, sizeof table - 1) != (ssize_t)(sizeof table - 1))
		abort();
	close(fd);
	cf = conf_new();
	if (conf_set(cf, "dns_table", path, err, sizeof err) < 0 ||
	    conf_set(cf, "authserv_id", "mx.test.example", err, sizeof err) < 0 ||
	    conf_set(cf, "trusted_networks", "192.0.2.8/29", err, sizeof err) < 0 ||
	    conf_set(cf, "action_iprev_fail", "reject", err, sizeof err) < 0 ||
	    conf_set(cf, "action_spf_fail", "quarantine", err, sizeof err) < 0 ||
	    conf_set(cf, "log_file", "/dev/null", err, sizeof err) < 0)
		abort();
	if (vlog_open("fuzz_milter", cf, err, sizeof err) < 0)
		abort();
	const char *fwd[CONF_MAX_RESOLVERS];
	dns_options o;
	conf_dns_options(cf, &o, fwd);
	G.cf = cf;
	G.res = dns_resolver_new(&o, err, sizeof err);
	G.dkim = dkimv_lib_new(err, sizeof err);
	G.rcache = rcache_new(300);
	unlink(path);
	if (G.res == NULL || G.dkim == NULL)
		abort();
}

/* Printable ASCII; with folds, each "\n" followed by a tab. */
static void check_text(const char *s, int folds)
{
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n' && folds && p[1] == '\t')
			continue;
		if (c == '\t' && folds && p > s && p[-1] == '\n')
			continue;
		if (c < 0x20 || c > 0x7e)
			abort();
	}
}

/* The next line of [*p, end): returns its length, moves *p past the LF. */
static size_t next_line(const uint8_t **p, const uint8_t *end, const uint8_t **line)
{
	const uint8_t *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));
	*line = s;
	if (nl == NULL) {
		*p = end;
		return (size_t)(end - s);
	}
	*p = nl + 1;
	return (size_t)(nl - s);
}

static char *dupn(const uint8_t *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d == NULL)
		abort();
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

static void one_message(msess *s, const uint8_t *p, const uint8_t *end, unsigned n)
{
	static const char *const authen[] = { NULL, "", "alice" };
	unsigned flags = p < end ? *p++ : 0;
	const uint8_t *l;
	size_t ll = next_line(&p, end, &l);
	char *from = dupn(l, ll);
	msess_mail(s, from, authen[flags % 3]);
	free(from);
	unsigned n_ar = 0, n_rep = 0, nh = 0;
	while (p < end && nh < HDR_MAX) {
		ll = next_line(&p, end, &l);
		if (ll == 0)
			break;
		const uint8_t *colon = memchr(l, ':', ll);
		size_t nl = colon ? (size_t)(colon - l) : ll;
		char *name = dupn(l, nl);
		char *value = colon ? dupn(colon + 1, ll - nl - 1) : dupn(l, 0);
		/* "\n" written out in the input becomes a real fold */
		for (char *v = value; (v = strstr(v, "\\n")) != NULL; v += 2) {
			v[0] = '\n';
			v[1] = '\t';
		}
		if (strcasecmp(name, MSESS_AR_NAME) == 0)
			n_ar++;
		else if (strcasecmp(name, MSESS_REPORT_NAME) == 0)
			n_rep++;
		msess_header(s, name, value);
		free(name);
		free(value);
		nh++;
	}
	if (flags & 0x08)
		msess_eoh(s);
	size_t chunk = ((flags >> 4) & 7) * 97 + 1;
	while (p < end) {
		size_t k = (size_t)(end - p) < chunk ? (size_t)(end - p) : chunk;
		msess_body(s, p, k);
		p += k;
	}
	if (flags & 0x80 && n + 1 < MSG_MAX) {   /* aborted mid-message */
		msess_end(s);
		return;
	}
	const msess_result *r = msess_eom(s, (flags & 0x04) ? NULL : "FUZZQID");
	if (r->action > CONF_ACT_REJECT)
		abort();
	int coded = r->action == CONF_ACT_REJECT || r->action == CONF_ACT_TEMPFAIL;
	if (coded != (r->rcode != NULL) || (coded && (r->xcode == NULL || r->text == NULL)))
		abort();
	if (r->action == CONF_ACT_TEMPFAIL && (r->rcode[0] != '4' || r->xcode[0] != '4'))
		abort();
	if (r->action == CONF_ACT_REJECT && (r->rcode[0] != '5' || r->xcode[0] != '5'))
		abort();
	if (r->text) {
		check_text(r->text, 0);
		if (strchr(r->text, '%'))
			abort();
	}
	if (r->ar_value == NULL || r->log_line == NULL)
		abort();
	check_text(r->ar_value, 1);
	if (r->report_value)
		check_text(r->report_value, 1);
	check_text(r->log_line, 0);
	if (r->n_del_ar > n_ar || r->n_del_report > n_rep)
		abort();
	for (size_t i = 0; i < r->n_del_ar; i++)
		if (r->del_ar[i] < 1 || r->del_ar[i] > n_ar || (i && r->del_ar[i] >= r->del_ar[i - 1]))
			abort();
	for (size_t i = 0; i < r->n_del_report; i++)
		if (r->del_report[i] < 1 || r->del_report[i] > n_rep ||
		    (i && r->del_report[i] >= r->del_report[i - 1]))
			abort();
	msess_end(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const addrs[] = { "192.0.2.1", "2001:db8::1", "192.0.2.9",
		"::ffff:192.0.2.1", "192.0.2.77", "not-an-address", NULL, "fe80::1" };
	static const char *const resolve[] = { NULL, "OK", "FORGED", "FAIL", "TEMP" };
	static const char *const helos[] = { "mx.good.t", "", "[192.0.2.1]", "slow.t", "a..b" };
	if (G.res == NULL)
		setup();
	if (size < 1)
		return 0;
	unsigned f = data[0];
	msess *s = msess_new(&G);
	msess_connect(s, "mx.good.t", addrs[f & 7], (f & 8) ? "mx.good.t" : NULL, "mx.good.t",
	    resolve[(f >> 4) % 5]);
	msess_helo(s, helos[(f >> 5) % 5]);
	const uint8_t *p = data + 1, *end = data + size;
	for (unsigned n = 0; n < MSG_MAX && p < end; n++) {
		const uint8_t *sep = memmem(p, (size_t)(end - p), "\n.\n", 3);
		const uint8_t *me = sep ? sep : end;
		one_message(s, p, me, n);
		p = sep ? sep + 3 : end;
	}
	msess_free(s);
	return 0;
}
