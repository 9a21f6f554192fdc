/*
 * libFuzzer target for DKIM verification (RFC 6376): a fuzzed message
 * through dkimv_verify_buffer() -- our header/body splitting, the tag
 * parser of DKIM-Signature fields, libopendkim behind it -- with a table
 * resolver holding the keys of tests/unit/data/dkim.tab (so the seeds,
 * the signed test messages, verify and mutations reach the crypto).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dkimv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const char table[] =
	"rsa._domainkey.d.t TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvcd+nKdD66MgG/KKhUjw1E/5zsP4xZPNJQKFUOWXMSKkvqGNOnxVdVwYte9AkQI4is5Jcdn0ZByF+EBPvsxwVpnDhZK23ESTTBC9YINCHkpByQFbRwygSuQ1dHQLZ4QSghSC/ATsxIQ6Mg764/f1eP0M6DDaT6v/8qgf+MdygY++OeE7mdWj5acV2HXsJccCDp81PlgOmgnzu8HPvAYfKgc6lkBIlx00wZ/wTaMZ82eqj8/I1xjSt3A/EJlhFHfgja1wRnt9n5UURcDmHUcwXALZwMB7e9EGXKOJs/Kwot9uQMwHnCSViUB+4VK9L4bkVdENVRq0ujjTM2eUCuRd6QIDAQAB\"\n"
	"rsa._domainkey.d.t DNSSEC secure\n"
	"ed._domainkey.d.t TXT \"v=DKIM1; k=ed25519; p=xzfFwGmJwvAhmQ8PiVP7IOZQ0pyzVNyi/6N/jb+f5nY=\"\n"
	"small._domainkey.d.t TXT \"v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAOGpj06fEEWfVjeg/9aC4X5pIKhL49fZWN5Suvq4mHxBy17acE9ggVduJGpZn/odB/bx3MnsCFE9tgnZ3IvEpZECAwEAAQ==\"\n"
	"revoked._domainkey.d.t TXT \"v=DKIM1; k=rsa; p=\"\n"
	"slow._domainkey.d.t TIMEOUT\n"
	"bogus._domainkey.d.t TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvcd+nKdD66MgG/KKhUjw1E/5zsP4xZPNJQKFUOWXMSKkvqGNOnxVdVwYte9AkQI4is5Jcdn0ZByF+EBPvsxwVpnDhZK23ESTTBC9YINCHkpByQFbRwygSuQ1dHQLZ4QSghSC/ATsxIQ6Mg764/f1eP0M6DDaT6v/8qgf+MdygY++OeE7mdWj5acV2HXsJccCDp81PlgOmgnzu8HPvAYfKgc6lkBIlx00wZ/wTaMZ82eqj8/I1xjSt3A/EJlhFHfgja1wRnt9n5UURcDmHUcwXALZwMB7e9EGXKOJs/Kwot9uQMwHnCSViUB+4VK9L4bkVdENVRq0ujjTM2eUCuRd6QIDAQAB\"\n"
	"bogus._domainkey.d.t DNSSEC bogus signature expired\n"
	"nodata._domainkey.d.t A 192.0.2.1\n"
	"two._domainkey.d.t TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvcd+nKdD66MgG/KKhUjw1E/5zsP4xZPNJQKFUOWXMSKkvqGNOnxVdVwYte9AkQI4is5Jcdn0ZByF+EBPvsxwVpnDhZK23ESTTBC9YINCHkpByQFbRwygSuQ1dHQLZ4QSghSC/ATsxIQ6Mg764/f1eP0M6DDaT6v/8qgf+MdygY++OeE7mdWj5acV2HXsJccCDp81PlgOmgnzu8HPvAYfKgc6lkBIlx00wZ/wTaMZ82eqj8/I1xjSt3A/EJlhFHfgja1wRnt9n5UURcDmHUcwXALZwMB7e9EGXKOJs/Kwot9uQMwHnCSViUB+4VK9L4bkVdENVRq0ujjTM2eUCuRd6QIDAQAB\"\n"
	"two._domainkey.d.t TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvcd+nKdD66MgG/KKhUjw1E/5zsP4xZPNJQKFUOWXMSKkvqGNOnxVdVwYte9AkQI4is5Jcdn0ZByF+EBPvsxwVpnDhZK23ESTTBC9YINCHkpByQFbRwygSuQ1dHQLZ4QSghSC/ATsxIQ6Mg764/f1eP0M6DDaT6v/8qgf+MdygY++OeE7mdWj5acV2HXsJccCDp81PlgOmgnzu8HPvAYfKgc6lkBIlx00wZ/wTaMZ82eqj8/I1xjSt3A/EJlhFHfgja1wRnt9n5UURcDmHUcwXALZwMB7e9EGXKOJs/Kwot9uQMwHnCSViUB+4VK9L4bkVdENVRq0ujjTM2eUCuRd6QIDAQAB\"\n"
	"junk._domainkey.d.t TXT \"v=DKIM1; k=rsa; p=bm90IGEga2V5\"\n"
	"hashonly._domainkey.d.t TXT \"v=DKIM1; h=sha1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvcd+nKdD66MgG/KKhUjw1E/5zsP4xZPNJQKFUOWXMSKkvqGNOnxVdVwYte9AkQI4is5Jcdn0ZByF+EBPvsxwVpnDhZK23ESTTBC9YINCHkpByQFbRwygSuQ1dHQLZ4QSghSC/ATsxIQ6Mg764/f1eP0M6DDaT6v/8qgf+MdygY++OeE7mdWj5acV2HXsJccCDp81PlgOmgnzu8HPvAYfKgc6lkBIlx00wZ/wTaMZ82eqj8/I1xjSt3A/EJlhFHfgja1wRnt9n5UURcDmHUcwXALZwMB7e9EGXKOJs/Kwot9uQMwHnCSViUB+4VK9L4bkVdENVRq0ujjTM2eUCuRd6QIDAQAB\"\n"
	"other._domainkey.d.t TXT \"v=DKIM1; k=rsa; p=xzfFwGmJwvAhmQ8PiVP7IOZQ0pyzVNyi/6N/jb+f5nY=\"\n"
	"mixed._domainkey.d.t TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	"mixed._domainkey.d.t TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvcd+nKdD66MgG/KKhUjw1E/5zsP4xZPNJQKFUOWXMSKkvqGNOnxVdVwYte9AkQI4is5Jcdn0ZByF+EBPvsxwVpnDhZK23ESTTBC9YINCHkpByQFbRwygSuQ1dHQLZ4QSghSC/ATsxIQ6Mg764/f1eP0M6DDaT6v/8qgf+MdygY++OeE7mdWj5acV2HXsJccCDp81PlgOmgnzu8HPvAYfKgc6lkBIlx00wZ/wTaMZ82eqj8/I1xjSt3A/EJlhFHfgja1wRnt9n5UURcDmHUcwXALZwMB7e9EGXKOJs/Kwot9uQMwHnCSViUB+4VK9L4bkVdENVRq0ujjTM2eUCuRd6QIDAQAB\"\n";

static dns_resolver *res;
static dkimv_lib *lib;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char path[] = "/tmp/fuzz_dkim.XXXXXX", err[256];
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, table, sizeof table - 1) != (ssize_t)(sizeof table - 1))
		abort();
	close(fd);
	dns_options o = { .table_file = path };
	res = dns_resolver_new(&o, err, sizeof err);
	unlink(path);
	lib = dkimv_lib_new(err, sizeof err);
	if (res == NULL || lib == NULL)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 16))
		return 0;
	dns_run *run = dns_run_new(res, 5);
	dkimv_verdict v;
	dkimv_verify_buffer(lib, run, (const char *)data, size, &v);
	if (v.n > DKIMV_MAX_SIGS || v.n > v.n_seen)
		abort();
	for (size_t i = 0; i < v.n; i++) {
		const dkimv_sig *s = &v.sig[i];
		/* everything we report is printable ASCII */
		const char *f[] = { s->domain, s->selector, s->algorithm, s->b, s->identity, s->reason };
		for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
			for (const char *c = f[k]; *c; c++)
				if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
					abort();
		if (s->result == AUTH_PASS && strcmp(s->algorithm, "rsa-sha1") == 0)
			abort();
	}
	json_object_put(dkimv_json(&v));
	dns_run_free(run);
	return 0;
}
