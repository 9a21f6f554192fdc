/*
 * spf_libspf2_fuzz: the fuzz harness used to measure Debian's libspf2
 * (docs/spf.md): the input is served as the SPF record of the sender's
 * domain (and of an included domain) through libspf2's zone DNS layer and
 * evaluated in full, macros and explanation included.  Not part of
 * `make fuzz` (it tests a library we do not use); build it by hand:
 *   clang -DMXR_LIBFUZZER -g -O1 -fsanitize=fuzzer,address \
 *       tests/tools/spf_libspf2_fuzz.c -lspf2 -o /tmp/fuzz_libspf2
 * Without MXR_LIBFUZZER it is a replay tool: spf_libspf2_fuzz FILE...
 * A record that crashes Debian's libspf2 1.2.10 (CVE-2023-42118, stack
 * overflow in the macro compiler; docs/spf.md):
 *   printf 'v=spf1 a:%s%s.com -all' "$(printf '%%{d}%.0s' $(seq 127))" \
 *       "$(head -c 5000 /dev/zero | tr '\0' A)" > cve.txt
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#define REC_MAX 65535   /* a TXT RRset can be this large over TCP */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char rec[REC_MAX + 1];
	if (size > REC_MAX)
		size = REC_MAX;
	memcpy(rec, data, size);
	rec[size] = '\0';
	/* Second half (after a newline) is the included domain's record. */
	char *inc = strchr(rec, '\n');
	if (inc)
		*inc++ = '\0';
	SPF_dns_server_t *z = SPF_dns_zone_new(NULL, "fuzz", 0);
	SPF_dns_zone_add_str(z, "example.com", ns_t_txt, NETDB_SUCCESS, rec);
	SPF_dns_zone_add_str(z, "inc.example.com", ns_t_txt, NETDB_SUCCESS, inc ? inc : "v=spf1 -all");
	SPF_dns_zone_add_str(z, "example.com", ns_t_a, NETDB_SUCCESS, "192.0.2.1");
	SPF_dns_zone_add_str(z, "example.com", ns_t_mx, NETDB_SUCCESS, "10 mx.example.com");
	SPF_dns_zone_add_str(z, "mx.example.com", ns_t_a, NETDB_SUCCESS, "192.0.2.2");
	SPF_dns_zone_add_str(z, "2.2.0.192.in-addr.arpa", ns_t_ptr, NETDB_SUCCESS, "mx.example.com");
	SPF_dns_zone_add_str(z, "exp.example.com", ns_t_txt, NETDB_SUCCESS, inc ? inc : "%{i} %{s} %{l1r-}");
	SPF_server_t *srv = SPF_server_new_dns(z, 0);
	SPF_request_t *req = SPF_request_new(srv);
	SPF_request_set_ipv4_str(req, "192.0.2.2");
	SPF_request_set_helo_dom(req, "mx.example.com");
	SPF_request_set_env_from(req, "first.last-name+tag@example.com");
	SPF_response_t *resp = NULL;
	SPF_request_query_mailfrom(req, &resp);
	if (resp) {
		SPF_response_get_explanation(resp);
		SPF_response_free(resp);
	}
	SPF_request_free(req);
	SPF_server_free(srv);
	SPF_dns_free(z);
	return 0;
}

#ifndef MXR_LIBFUZZER
int main(int argc, char **argv)
{
	static uint8_t buf[REC_MAX];
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (f == NULL) {
			perror(argv[i]);
			return 2;
		}
		size_t n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		printf("%s: ran\n", argv[i]);
	}
	return 0;
}
#endif
