/*
 * libFuzzer target for Authentication-Results (RFC 8601), checking meaning,
 * not only memory.  First byte % 3:
 *  0  a received field value: authres_parse(), and when it parses,
 *     rendering the results and parsing that again gives the same results
 *     (values as the renderer writes them); the authserv-id reader agrees
 *     with the parser, and authres_claims_id() claims the parsed id;
 *  1  authres_render() of fuzzed verdict strings: printable ASCII whose only
 *     line breaks are "\n\t" folds, and it parses as a whole with one
 *     result per method written (no value or comment adds or hides one);
 *  2  parse(render(x)) == x for fuzzed results: methods, results, reasons,
 *     ptype.property=value pairs with hostile values and reasons (quotes,
 *     backslashes, ';', '=', parentheses, "dkim=pass" text).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

static uint8_t byte(const uint8_t **p, size_t *n)
{
	if (*n == 0)
		return 0;
	(*n)--;
	return *(*p)++;
}

/* s as the renderer writes it inside quotes: tabs as spaces, octets outside
 * printable ASCII as '?'. */
static void sanitize(const char *s, char *out, size_t outlen)
{
	size_t o = 0;
	for (; *s && o + 1 < outlen; s++) {
		unsigned char c = (unsigned char)*s;
		out[o++] = c == '\t' ? ' ' : (c < 0x20 || c > 0x7e) ? '?' : (char)c;
	}
	out[o] = '\0';
}

static int plain(const char *v)
{
	char t[4];
	authres_pvalue(t, sizeof t, v);
	return t[0] != '"';
}

static int str_eq_sanitized(const char *got, const char *want)
{
	static char w[70000];
	sanitize(want, w, sizeof w);
	return strcmp(got, w) == 0;
}

/* got must be want as rendered: same methods, versions, results, reasons,
 * and per result the plain-valued properties, then the quoted ones. */
static void same(const authres_parsed *got, const authres_result *want, size_t n)
{
	if (got->n_res != n)
		abort();
	for (size_t i = 0; i < n; i++) {
		const authres_result *g = &got->res[i], *w = &want[i];
		if (strcasecmp(g->method, w->method) != 0 || strcasecmp(g->result, w->result) != 0 ||
		    g->version != w->version || g->n_prop != w->n_prop)
			abort();
		if ((g->reason == NULL) != (w->reason == NULL) ||
		    (g->reason && !str_eq_sanitized(g->reason, w->reason)))
			abort();
		size_t k = 0;
		for (int quoted = 0; quoted < 2; quoted++)
			for (size_t j = 0; j < w->n_prop; j++) {
				const authres_prop *wp = &w->prop[j], *gp;
				if (plain(wp->value) == quoted)
					continue;
				gp = &g->prop[k++];
				if (strcasecmp(gp->ptype, wp->ptype) != 0 ||
				    strcasecmp(gp->property, wp->property) != 0 ||
				    !str_eq_sanitized(gp->value, wp->value))
					abort();
			}
	}
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

static void mode_parse(const uint8_t *data, size_t size)
{
	authres_parsed *p;
	char *id = malloc(size + 1);
	if (id == NULL)
		abort();
	int idrc = authres_authserv_id((const char *)data, size, id, size + 1);
	int claims = authres_claims_id((const char *)data, size, "mx.example");
	if (idrc < 0 && !claims)
		abort();             /* no readable id: never kept */
	if (idrc == 0 && strcasecmp(id, "mx.example") == 0 && !claims)
		abort();
	if (authres_parse((const char *)data, size, &p) < 0) {
		free(id);
		return;
	}
	if (idrc != 0 || strcmp(id, p->authserv_id) != 0)
		abort();             /* the two readers of the id agree */
	free(id);
	if (!authres_claims_id((const char *)data, size, p->authserv_id))
		abort();
	for (size_t i = 0; i < p->n_res; i++)
		if (!*p->res[i].method || !*p->res[i].result)
			abort();
	char *v = authres_render_results(p->authserv_id, p->version, p->res, p->n_res);
	authres_parsed *q;
	check_rendered(v);
	if (authres_id_valid(p->authserv_id)) {
		if (authres_parse(v, strlen(v), &q) < 0)
			abort();
		same(q, p->res, p->n_res);
		authres_parsed_free(q);
	}
	free(v);
	authres_parsed_free(p);
}

static void mode_render(const uint8_t *data, size_t size)
{
	static char id[300];
	static spf_verdict mf, helo;
	static dkimv_verdict dk;
	static dmarc_verdict dm;
	static iprev_verdict ip;
	memset(&mf, 0, sizeof mf);
	memset(&helo, 0, sizeof helo);
	memset(&dk, 0, sizeof dk);
	memset(&dm, 0, sizeof dm);
	memset(&ip, 0, sizeof ip);
	uint8_t flags = byte(&data, &size), res = byte(&data, &size);
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
	size_t want = !!in.spf_mailfrom + !!in.spf_helo + !!in.dmarc + !!in.iprev +
	    (in.dkim ? (dk.n ? dk.n : 1) : 0);
	char *v = authres_render(&in);
	authres_parsed *p;
	check_rendered(v);
	if (authres_parse(v, strlen(v), &p) < 0 || p->n_res != want)
		abort();
	authres_parsed_free(p);
	free(v);
}

static void mode_roundtrip(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "spf", "dkim", "dmarc", "iprev", "x-y2", "AUTH" };
	static const char *const results[] = { "pass", "fail", "none", "softfail", "temperror", "x-1" };
	static const char *const ptypes[] = { "smtp", "header", "policy", "body", "reason", "x-p" };
	static const char *const props[] = { "mailfrom", "helo", "d", "b", "from", "iprev" };
	static char text[8][AUTHRES_PROPS_MAX + 1][300];
	static authres_result r[8];
	size_t n = byte(&data, &size) % 8;
	for (size_t i = 0; i < n; i++) {
		uint8_t a = byte(&data, &size), b = byte(&data, &size);
		memset(&r[i], 0, sizeof r[i]);
		r[i].method = methods[a % 6];
		r[i].result = results[(a >> 3) % 6];
		r[i].version = (a & 0x40) ? b : 0;
		r[i].n_prop = b % 5;
		if (a & 0x80) {
			piece(&data, &size, text[i][AUTHRES_PROPS_MAX], sizeof text[i][AUTHRES_PROPS_MAX]);
			r[i].reason = text[i][AUTHRES_PROPS_MAX];
		}
		for (size_t k = 0; k < r[i].n_prop; k++) {
			uint8_t c = byte(&data, &size);
			piece(&data, &size, text[i][k], sizeof text[i][k]);
			r[i].prop[k] = (authres_prop){ ptypes[c % 6], props[(c >> 3) % 6], text[i][k] };
		}
	}
	char *v = authres_render_results("mx.example", n & 1, r, n);
	authres_parsed *p;
	check_rendered(v);
	if (authres_parse(v, strlen(v), &p) < 0)
		abort();
	if (strcmp(p->authserv_id, "mx.example") != 0 || p->version != (n & 1))
		abort();
	same(p, r, n);
	authres_parsed_free(p);
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int mode = data[0] % 3;
	data++;
	size--;
	if (mode == 0)
		mode_parse(data, size);
	else if (mode == 1)
		mode_render(data, size);
	else
		mode_roundtrip(data, size);
	return 0;
}
