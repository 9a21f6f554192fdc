/*
 * libFuzzer target for the DNS-side parsers of untrusted input: domain
 * names (dns_name_normalize, dns_ptr_name), answer rdata decoding
 * (TXT/MX/NS/PTR/CNAME/TLSA/A/AAAA) and the table-backend file format.
 * First byte selects the parser, second the RR type for rdata.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int types[] = { DNS_T_A, DNS_T_NS, DNS_T_CNAME, DNS_T_PTR, DNS_T_MX,
	DNS_T_TXT, DNS_T_AAAA, DNS_T_TLSA, DNS_T_SOA };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int mode = data[0] % 3, qtype = types[data[1] % (sizeof types / sizeof types[0])];
	data += 2;
	size -= 2;
	if (mode == 0) {
		char in[600], out[300], err[128];
		size_t n = size < sizeof in - 1 ? size : sizeof in - 1;
		memcpy(in, data, n);
		in[n] = '\0';
		if (dns_name_normalize(in, out, sizeof out, err, sizeof err) == 0 && strlen(out) > 253)
			abort();
		dns_ptr_name(in, out, sizeof out);
		return 0;
	}
	if (mode == 1) {
		dns_options o = { .table_file = "/dev/null" };
		dns_resolver *res = dns_resolver_new(&o, NULL, 0);
		dns_run *run = dns_run_new(res, 1);
		unsigned char *copy = malloc(size ? size : 1);
		memcpy(copy, data, size);
		dns_rr rr = { .rdata = copy, .rdlen = size };
		dns_decode_rdata(run, qtype, &rr);
		if (rr.text && qtype != DNS_T_TXT && strlen(rr.text) != rr.textlen)
			abort();
		free(copy);
		dns_run_free(run);
		dns_resolver_free(res);
		return 0;
	}
	/* Table file: load it, then look up a few names. */
	int fd = memfd_create("table", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64], err[256];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	dns_options o = { .table_file = path };
	dns_resolver *res = dns_resolver_new(&o, err, sizeof err);
	if (res) {
		dns_run *run = dns_run_new(res, 1);
		static const char *const names[] = { "a.t", "t", "x.y.z", "example.com" };
		for (size_t i = 0; i < 4; i++)
			(void)dns_lookup(run, names[i], qtype);
		dns_run_free(run);
		dns_resolver_free(res);
	}
	close(fd);
	return 0;
}
