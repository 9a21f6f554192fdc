/* Unit tests of DKIM verification (core/dkimv.c) on a table resolver with
 * messages signed by python3-dkim (tests/unit/data/dkim/make.py). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "dkimv.h"
#include "tap.h"

static dns_resolver *res;
static dkimv_lib *lib;

static char *slurp(const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof path, "tests/unit/data/dkim/%s.eml", name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, n;
	char *b = malloc(cap);
	n = fread(b, 1, cap - 1, f);
	fclose(f);
	b[n] = '\0';
	*len = n;
	return b;
}

/* Verifies file; checks the summary and the first signature's result. */
static void vf(const char *file, const char *want, const char *sig0, const char *reason_re,
    dkimv_verdict *out)
{
	size_t len = 0;
	char *msg = slurp(file, &len);
	TAP_OK(msg != NULL, "%s: readable", file);
	if (msg == NULL)
		return;
	dns_run *run = dns_run_new(res, 5);
	dkimv_verdict v;
	dkimv_verify_buffer(lib, run, msg, len, &v);
	TAP_OK(strcmp(result_auth_str(v.result), want) == 0, "%s: result %s (want %s; sig0 reason '%s')",
	    file, result_auth_str(v.result), want, v.n ? v.sig[0].reason : "");
	if (sig0) {
		TAP_OK(v.n > 0 && strcmp(result_auth_str(v.sig[0].result), sig0) == 0,
		    "%s: first signature %s (want %s)", file, v.n ? result_auth_str(v.sig[0].result) : "-", sig0);
	}
	if (reason_re)
		TAP_OK(v.n > 0 && strstr(v.sig[0].reason, reason_re) != NULL, "%s: reason '%s' has '%s'",
		    file, v.n ? v.sig[0].reason : "", reason_re);
	if (out)
		*out = v;
	dns_run_free(run);
	free(msg);
}

/* The streaming API: header by header, then the body one octet at a time;
 * checks that the key lookup is already on its way after dkimv_eoh(). */
static void streaming(void)
{
	size_t len = 0;
	char *msg = slurp("pass", &len);
	if (msg == NULL) {
		TAP_OK(0, "pass.eml readable");
		return;
	}
	dns_run *run = dns_run_new(res, 5);
	dkimv_msg *m = dkimv_msg_new(lib, run, "stream");
	char *body = strstr(msg, "\r\n\r\n");
	*body = '\0';
	body += 4;
	/* split into fields at CRLF not followed by WSP */
	char *p = msg;
	int fields = 0;
	while (*p) {
		char *e = p;
		for (;;) {
			e = strstr(e, "\r\n");
			if (e == NULL) {
				e = p + strlen(p);
				break;
			}
			if (e[2] == ' ' || e[2] == '\t') {
				e += 2;
				continue;
			}
			break;
		}
		int last = *e == '\0';
		*e = '\0';
		char *colon = strchr(p, ':');
		if (colon) {
			*colon = '\0';
			dkimv_header(m, p, colon + 1);
			fields++;
		}
		if (last)
			break;
		p = e + 2;
	}
	TAP_INT(dns_run_queries(run), 0, "no key lookup before the end of the header");
	dkimv_eoh(m);
	TAP_INT(dns_run_queries(run), 1, "key lookup prefetched at end of header");
	for (size_t i = 0; body[i]; i++)
		dkimv_body(m, (const unsigned char *)body + i, 1);
	dkimv_verdict v;
	dkimv_eom(m, &v);
	TAP_STR(result_auth_str(v.result), "pass", "streaming API, 1-octet body chunks");
	TAP_INT(dns_run_queries(run), 1, "the prefetched answer is used (no second query)");
	TAP_STR(dns_sec_str(v.sig[0].key_sec), "secure", "DNSSEC state of the key recorded");
	dkimv_msg_free(m);
	dns_run_free(run);
	free(msg);
	(void)fields;
}

/* Folded header values given with bare LF (as Postfix hands them to a
 * milter) verify the same. */
static void bare_lf_fields(void)
{
	size_t len = 0;
	char *msg = slurp("pass_lf", &len);
	if (msg == NULL) {
		TAP_OK(0, "pass_lf.eml readable");
		return;
	}
	dns_run *run = dns_run_new(res, 5);
	dkimv_verdict v;
	dkimv_verify_buffer(lib, run, msg, len, &v);
	TAP_STR(result_auth_str(v.result), "pass", "message with LF line ends");
	dns_run_free(run);
	free(msg);
}

static void json_shape(const dkimv_verdict *v)
{
	json_object *j = dkimv_json(v);
	const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	TAP_OK(strstr(s, "\"result\":\"pass\"") != NULL, "json result: %s", s);
	TAP_OK(strstr(s, "\"key_bits\":2048") != NULL, "json key_bits 2048");
	TAP_OK(strstr(s, "\"selector\":\"rsa\"") && strstr(s, "\"domain\":\"d.t\""), "json domain/selector");
	TAP_OK(strstr(s, "\"key_dnssec\":\"secure\"") != NULL, "json key_dnssec");
	TAP_OK(strstr(s, "\"algorithm\":\"rsa-sha256\"") != NULL, "json algorithm");
	json_object_put(j);
}

/* One library, several threads verifying at once (each its own run). */
#define N_THREADS 4
#define N_ROUNDS 25
static const char *thread_files[N_THREADS] = { "pass", "ed25519", "body_altered", "key_revoked" };
static const auth_result thread_want[N_THREADS] = { AUTH_PASS, AUTH_PASS, AUTH_FAIL, AUTH_PERMERROR };

static void *thread_main(void *arg)
{
	size_t k = (size_t)(uintptr_t)arg, len = 0;
	char *msg = slurp(thread_files[k], &len);
	long bad = 0;
	for (int i = 0; msg && i < N_ROUNDS; i++) {
		dns_run *run = dns_run_new(res, 5);
		dkimv_verdict v;
		dkimv_verify_buffer(lib, run, msg, len, &v);
		if (v.result != thread_want[k])
			bad++;
		dns_run_free(run);
	}
	free(msg);
	return (void *)(uintptr_t)(msg ? bad : -1);
}

static void threads(void)
{
	pthread_t t[N_THREADS];
	long bad = 0;
	for (size_t k = 0; k < N_THREADS; k++)
		pthread_create(&t[k], NULL, thread_main, (void *)(uintptr_t)k);
	for (size_t k = 0; k < N_THREADS; k++) {
		void *r;
		pthread_join(t[k], &r);
		bad += (long)(intptr_t)r;
	}
	TAP_INT(bad, 0, "4 threads x 25 messages on one library: every verdict right");
}

int main(void)
{
	char err[256];
	dns_options o = { .table_file = "tests/unit/data/dkim.tab" };
	tap_name = "test_dkimv";
	res = dns_resolver_new(&o, err, sizeof err);
	TAP_OK(res != NULL, "table loads (%s)", res ? "ok" : err);
	lib = dkimv_lib_new(err, sizeof err);
	TAP_OK(lib != NULL, "library starts");
	if (res == NULL || lib == NULL)
		return 1;
	dkimv_verdict v;
	vf("pass", "pass", "pass", NULL, &v);
	TAP_INT(v.sig[0].key_bits, 2048, "key size of a 2048-bit key");
	TAP_STR(v.sig[0].b, "NQq3j5hD", "header.b is the first 8 characters of b=");
	TAP_STR(v.sig[0].algorithm, "rsa-sha256", "algorithm");
	TAP_STR(v.sig[0].identity, "@d.t", "i=");
	TAP_INT(v.n_seen, 1, "one signature seen");
	json_shape(&v);
	vf("pass_simple", "pass", "pass", NULL, NULL);
	vf("body_altered", "fail", "fail", "body hash", NULL);
	vf("header_altered", "fail", "fail", "did not verify", NULL);
	vf("ed25519", "pass", "pass", NULL, &v);
	TAP_INT(v.sig[0].key_bits, 256, "ed25519 key size");
	TAP_STR(v.sig[0].algorithm, "ed25519-sha256", "ed25519 algorithm");
	TAP_STR(dns_sec_str(v.sig[0].key_sec), "insecure", "unsigned key record: insecure");
	vf("sha1", "fail", "fail", "rsa-sha1", &v);
	TAP_INT(v.sig[0].key_fetched, 0, "rsa-sha1: key not even looked up");
	{
		json_object *j = dkimv_json(&v);
		const char *js = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
		TAP_OK(strstr(js, "\"key_dnssec\":null") != NULL, "rsa-sha1: key_dnssec null in JSON");
		json_object_put(j);
	}
	vf("key_mixed", "pass", "pass", NULL, NULL);
	vf("small", "fail", "fail", "512 bits", &v);
	TAP_INT(v.sig[0].key_bits, 512, "512-bit key size recorded");
	vf("key_revoked", "permerror", "permerror", "revoked", NULL);
	vf("key_missing", "permerror", "permerror", "NXDOMAIN", NULL);
	vf("key_nodata", "permerror", "permerror", "no key", NULL);
	vf("key_slow", "temperror", "temperror", "key lookup", NULL);
	vf("key_bogus", "temperror", "temperror", "bogus", &v);
	TAP_STR(dns_sec_str(v.sig[0].key_sec), "bogus", "bogus key record recorded");
	vf("key_two", "permerror", "permerror", "several", NULL);
	vf("key_junk", "permerror", "permerror", "key", NULL);
	vf("key_hashonly", "permerror", "permerror", "key", NULL);
	vf("key_other", "permerror", "permerror", "key", NULL);
	vf("unsigned", "none", NULL, NULL, &v);
	TAP_INT(v.n, 0, "unsigned: no signatures");
	vf("two_sigs", "pass", "fail", NULL, &v);
	TAP_INT(v.n, 2, "two signatures evaluated");
	TAP_STR(result_auth_str(v.sig[1].result), "pass", "second signature passes");
	vf("ten_sigs", "pass", "pass", NULL, &v);
	TAP_INT(v.n, DKIMV_MAX_SIGS, "at most DKIMV_MAX_SIGS evaluated");
	TAP_INT(v.n_seen, 10, "all ten seen");
	vf("no_b", "neutral", "neutral", NULL, NULL);
	vf("expired", "fail", "fail", "expired", NULL);
	/* 300 signature fields, each with its own l= (each would be a body
	 * hash of its own in libopendkim): only DKIMV_MAX_SIGS are evaluated */
	{
		size_t cap = 300 * 120 + 4096, mo = 0;
		char *msg = malloc(cap);
		for (int i = 0; i < 300; i++)
			mo += (size_t)snprintf(msg + mo, cap - mo, "DKIM-Signature: v=1; a=rsa-sha256; d=d.t; s=rsa; "
			    "l=%d; h=from; bh=AAAA; b=AAAA\r\n", i);
		mo += (size_t)snprintf(msg + mo, cap - mo, "From: a@d.t\r\n\r\nbody\r\n");
		dns_run *run = dns_run_new(res, 5);
		dkimv_verdict w;
		dkimv_verify_buffer(lib, run, msg, mo, &w);
		TAP_OK(w.n == DKIMV_MAX_SIGS && w.n_seen == 300 && w.result != AUTH_PASS,
		    "300 signature fields: %zu evaluated, %zu seen, %s", w.n, w.n_seen, result_auth_str(w.result));
		TAP_INT(dns_run_queries(run), 1, "300 signature fields: one key lookup");
		dns_run_free(run);
		free(msg);
	}
	streaming();
	bare_lf_fields();
	threads();

	/* NULL-safety of the API */
	dkimv_msg_free(NULL);
	dkimv_lib_free(NULL);
	{
		dns_run *run = dns_run_new(res, 5);
		dkimv_verdict w;
		dkimv_verify_buffer(lib, run, "", 0, &w);
		TAP_STR(result_auth_str(w.result), "none", "empty message: none");
		dkimv_verify_buffer(lib, run, "DKIM-Signature: v=1\r\n", 21, &w);
		TAP_OK(w.n == 1 && w.result != AUTH_PASS, "lone broken signature, no body: %s", result_auth_str(w.result));
		dns_run_free(run);
	}
	dkimv_lib_free(lib);
	dns_resolver_free(res);
	return TAP_DONE();
}
