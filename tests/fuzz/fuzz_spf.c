/*
 * libFuzzer target for SPF (RFC 7208): the record syntax check on raw
 * octets, and complete check_host() evaluations (MAIL FROM and HELO, IPv4
 * and IPv6 clients) plus the spf_record readiness walk against a table DNS
 * whose records come from the input: newline-separated, they become the
 * TXT records of example.com, inc.example.com (include), red.example.com
 * (redirect) and exp.example.com (explanation).  First byte: mode.
 * Invariants checked: the result is an RFC 7208 result, texts are
 * printable, the limits hold, and a record the syntax check rejects is
 * evaluated as permerror.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "dns.h"
#include "ready_spf.h"
#include "spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC_MAX 2000   /* a table line holds up to 8 KB */

static const char *const owners[] = { "example.com", "inc.example.com", "red.example.com",
	"exp.example.com" };

static const char fixed[] =
	"example.com A 192.0.2.1\n"
	"example.com AAAA 2001:db8::1\n"
	"example.com MX 10 mx.example.com\n"
	"mx.example.com A 192.0.2.2\n"
	"mx.example.com AAAA 2001:db8::2\n"
	"2.2.0.192.in-addr.arpa PTR mx.example.com\n"
	"2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa PTR mx.example.com\n"
	"slow.example.com TIMEOUT\n";

static void check_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	if (size < 1)
		return 0;
	int mode = data[0] % 5;
	data++;
	size--;
	if (mode == 0) {
		/* The syntax check on raw octets. */
		if (spf_record_check((const char *)data, size, err, sizeof err) < 0)
			check_text(err);
		return 0;
	}
	/* Build the table: records sanitised to what one table line carries. */
	size_t cap = sizeof fixed + 4 * (2 * REC_MAX + 64);
	char *tab = malloc(cap), first[REC_MAX + 1] = "";
	size_t o = 0, firstlen = 0;
	memcpy(tab, fixed, sizeof fixed - 1);
	o = sizeof fixed - 1;
	size_t i = 0;
	for (int r = 0; r < 4 && i <= size; r++) {
		size_t st = i;
		while (i < size && data[i] != '\n')
			i++;
		size_t n = i - st < REC_MAX ? i - st : REC_MAX;
		o += (size_t)snprintf(tab + o, cap - o, "%s TXT \"", owners[r]);
		for (size_t k = 0; k < n; k++) {
			unsigned char c = data[st + k];
			if (c < 0x20 || c == 0x7f)
				c = '?';
			if (r == 0)
				first[firstlen++] = (char)c;
			if (c == '"' || c == '\\')
				tab[o++] = '\\';
			tab[o++] = (char)c;
		}
		tab[o++] = '"';
		tab[o++] = '\n';
		i++;
	}
	first[firstlen] = '\0';
	int fd = memfd_create("spf-table", 0);
	if (fd < 0 || write(fd, tab, o) != (ssize_t)o) {
		if (fd >= 0)
			close(fd);
		free(tab);
		return 0;
	}
	free(tab);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	dns_options opt = { .table_file = path };
	dns_resolver *res = dns_resolver_new(&opt, err, sizeof err);
	close(fd);
	if (res == NULL)
		abort();   /* the table written above is always valid */
	dns_run *run = dns_run_new(res, 5);
	if (mode == 4) {
		ready_item it;
		memset(&it, 0, sizeof it);
		ready_spf_start(run, "example.com", &it);
		dns_run_wait(run);
		check_text(it.summary);
		check_text(it.hint);
		if (it.data == NULL)
			abort();
		json_object_put(it.data);
	} else {
		spf_verdict v;
		const char *ip = (mode & 1) ? "192.0.2.2" : "2001:db8::2";
		spf_scope sc = mode == 3 ? SPF_SCOPE_HELO : SPF_SCOPE_MAILFROM;
		spf_start(run, sc, ip, sc == SPF_SCOPE_HELO ? "example.com" : "mx.example.com",
		    "first.last-name+tag@example.com", &v);
		dns_run_wait(run);
		if (v.result != AUTH_PASS && v.result != AUTH_FAIL && v.result != AUTH_SOFTFAIL &&
		    v.result != AUTH_NEUTRAL && v.result != AUTH_NONE && v.result != AUTH_TEMPERROR &&
		    v.result != AUTH_PERMERROR)
			abort();
		check_text(v.reason);
		check_text(v.explanation);
		check_text(v.mechanism);
		if (v.lookups > SPF_MAX_LOOKUPS + 1 || v.void_lookups > SPF_MAX_VOID + 1)
			abort();
		if (v.explanation[0] && v.result != AUTH_FAIL)
			abort();
		/* One v=spf1 record that fails the syntax check is a permerror. */
		if (firstlen >= 6 && strncasecmp(first, "v=spf1", 6) == 0 &&
		    (firstlen == 6 || first[6] == ' ') &&
		    spf_record_check(first, firstlen, err, sizeof err) < 0 && v.result != AUTH_PERMERROR)
			abort();
		json_object_put(spf_json(&v));
		spf_verdict_clear(&v);
	}
	dns_run_free(run);
	dns_resolver_free(res);
	return 0;
}
