/*
 * libFuzzer target for the certificate grading (probe/tlsgrade.c): the
 * input as PEM text or one DER certificate, and as a cipher-suite name.
 * Meaning checks: never a crash; a chain is never graded better than its
 * leaf key; an RSA key below 2048 bits, an EC key below 256 bits and an
 * expired leaf are never better than insufficient; a SHA-1/MD5 signature
 * on a certificate that is not self-signed makes the chain insufficient;
 * every string kept is printable and terminated; a suite graded good
 * names AES-256-GCM or CHACHA20-POLY1305.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsgrade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tlsgrade_cert c[4];
	size_t n = tlsgrade_certs_parse(data, size, 1800000000, c, 4);
	if (n > 4)
		abort();
	for (size_t i = 0; i < n; i++) {
		printable(c[i].subject, sizeof c[i].subject);
		printable(c[i].issuer, sizeof c[i].issuer);
		printable(c[i].san, sizeof c[i].san);
		printable(c[i].sig_hash, sizeof c[i].sig_hash);
		printable(c[i].key_type, sizeof c[i].key_type);
		if (strcmp(c[i].key_type, "RSA") == 0 && c[i].key_bits < 2048 && c[i].key_level != TLSGRADE_INSUFFICIENT)
			abort();
		if (strcmp(c[i].key_type, "EC") == 0 && c[i].key_bits < 256 && c[i].key_level != TLSGRADE_INSUFFICIENT)
			abort();
		if ((strcmp(c[i].sig_hash, "sha1") == 0 || strcmp(c[i].sig_hash, "md5") == 0) &&
		    c[i].sig_level != TLSGRADE_INSUFFICIENT)
			abort();
	}
	if (n) {
		tlsgrade_level g = tlsgrade_chain(c, n);
		if (g < c[0].key_level || (c[0].expired && g != TLSGRADE_INSUFFICIENT))
			abort();
		for (size_t i = 0; i < n; i++)
			if (!c[i].self_signed && c[i].sig_level == TLSGRADE_INSUFFICIENT && g != TLSGRADE_INSUFFICIENT)
				abort();
	}
	char name[128];
	size_t l = size < sizeof name - 1 ? size : sizeof name - 1;
	memcpy(name, data, l);
	name[l] = 0;
	if (tlsgrade_cipher(name) == TLSGRADE_GOOD &&
	    strstr(name, "AES_256_GCM") == NULL && strstr(name, "CHACHA20_POLY1305") == NULL)
		abort();
	(void)tlsgrade_group(name, (int)size);
	return 0;
}
