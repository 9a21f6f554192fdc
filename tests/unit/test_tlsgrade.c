/*
 * Unit tests of probe/tlsgrade (the NCSC-NL 2025 tables): versions, suites
 * by IANA name, key-exchange groups, signature hashes, keys, and whole
 * certificates and chains read from the PEM/DER files of
 * tests/unit/data/tlsgrade/ (made with openssl; see their names).  No
 * network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ssl.h>

#include "tap.h"
#include "tlsgrade.h"

#define DIR "tests/unit/data/tlsgrade/"

static size_t load(const char *name, tlsgrade_cert *c, size_t max)
{
	char path[256];
	snprintf(path, sizeof path, DIR "%s", name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	static unsigned char buf[65536];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return tlsgrade_certs_parse(buf, n, time(NULL), c, max);
}

#define LV(got, want, what) TAP_STR(tlsgrade_level_str(got), want, what)

static void versions(void)
{
	LV(tlsgrade_version(TLS1_3_VERSION), "good", "TLS 1.3");
	LV(tlsgrade_version(TLS1_2_VERSION), "sufficient", "TLS 1.2");
	LV(tlsgrade_version(TLS1_1_VERSION), "insufficient", "TLS 1.1");
	LV(tlsgrade_version(TLS1_VERSION), "insufficient", "TLS 1.0");
	LV(tlsgrade_version(SSL3_VERSION), "insufficient", "SSL 3");
	TAP_STR(tlsgrade_version_str(TLS1_VERSION), "TLSv1", "version name TLSv1");
}

static void suites(void)
{
	static const struct { const char *n, *want; } t[] = {
		{ "TLS_AES_256_GCM_SHA384", "good" },
		{ "TLS_CHACHA20_POLY1305_SHA256", "good" },
		{ "TLS_AES_128_GCM_SHA256", "sufficient" },
		{ "TLS_AES_128_CCM_SHA256", "sufficient" },
		{ "TLS_AES_128_CCM_8_SHA256", "insufficient" },
		{ "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "good" },
		{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "good" },
		{ "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "sufficient" },
		{ "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "sufficient" },
		{ "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "phase-out" },
		{ "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384", "phase-out" },
		{ "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384", "phase-out" },
		{ "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "phase-out" },
		{ "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "phase-out" },
		{ "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "insufficient" },
		{ "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "insufficient" },
		{ "TLS_RSA_WITH_AES_256_GCM_SHA384", "insufficient" },
		{ "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "insufficient" },
		{ "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "insufficient" },
		{ "TLS_ECDHE_RSA_WITH_NULL_SHA", "insufficient" },
		{ "TLS_DH_anon_WITH_AES_256_GCM_SHA384", "insufficient" },
		{ "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "insufficient" },
		{ "TLS_PSK_WITH_AES_256_GCM_SHA384", "insufficient" },
		{ "ECDHE-RSA-AES256-GCM-SHA384", "insufficient" },   /* OpenSSL name: not graded */
		{ "", "insufficient" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		LV(tlsgrade_cipher(t[i].n), t[i].want, t[i].n);
	LV(tlsgrade_cipher(NULL), "insufficient", "NULL suite name");
}

static void groups(void)
{
	LV(tlsgrade_group("x25519", 0), "good", "X25519");
	LV(tlsgrade_group("X448", 0), "good", "X448");
	LV(tlsgrade_group("secp256r1", 0), "good", "P-256");
	LV(tlsgrade_group("secp521r1", 0), "good", "P-521");
	LV(tlsgrade_group("brainpoolP384r1", 0), "good", "brainpool P-384");
	LV(tlsgrade_group("secp224r1", 0), "phase-out", "P-224 (key exchange)");
	LV(tlsgrade_group("ffdhe3072", 3072), "phase-out", "ffdhe3072");
	LV(tlsgrade_group("ffdhe8192", 8192), "phase-out", "ffdhe8192");
	LV(tlsgrade_group("ffdhe2048", 2048), "insufficient", "ffdhe2048");
	LV(tlsgrade_group("dh-4096", 4096), "insufficient", "custom DH 4096");
	LV(tlsgrade_group(NULL, 2048), "insufficient", "unnamed DH");
	LV(tlsgrade_group("", 0), "insufficient", "no ephemeral key exchange");
	LV(tlsgrade_group("secp192r1", 0), "insufficient", "P-192");
}

static void hashes_and_keys(void)
{
	LV(tlsgrade_sig_hash("sha256"), "sufficient", "SHA-256 signature");
	LV(tlsgrade_sig_hash("SHA512"), "sufficient", "SHA-512 signature");
	LV(tlsgrade_sig_hash("sha224"), "phase-out", "SHA-224 signature");
	LV(tlsgrade_sig_hash("sha1"), "insufficient", "SHA-1 signature");
	LV(tlsgrade_sig_hash("md5"), "insufficient", "MD5 signature");
	LV(tlsgrade_sig_hash(NULL), "insufficient", "no signature hash");
	LV(tlsgrade_key("RSA", 4096, NULL), "good", "RSA 4096");
	LV(tlsgrade_key("RSA", 3072, NULL), "good", "RSA 3072");
	LV(tlsgrade_key("RSA", 3071, NULL), "phase-out", "RSA 3071");
	LV(tlsgrade_key("RSA", 2048, NULL), "phase-out", "RSA 2048");
	LV(tlsgrade_key("RSA", 2047, NULL), "insufficient", "RSA 2047");
	LV(tlsgrade_key("EC", 256, "prime256v1"), "good", "EC P-256");
	LV(tlsgrade_key("EC", 224, "secp224r1"), "insufficient", "EC P-224 key (< 256 bits)");
	LV(tlsgrade_key("EC", 256, "secp256k1"), "insufficient", "EC secp256k1 (not in the table)");
	LV(tlsgrade_key("Ed25519", 256, NULL), "good", "Ed25519");
	LV(tlsgrade_key("DSA", 3072, NULL), "insufficient", "DSA");
}

/* One PEM file: key type, bits, hash, and the chain's grade (the worse of
 * the leaf key and the signatures: a SHA-256 signature is "sufficient"). */
static void pem(const char *file, const char *type, int bits, const char *hash, int expired,
    const char *grade)
{
	tlsgrade_cert c[4];
	size_t n = load(file, c, 4);
	TAP_OK(n >= 1, "%s: read (%zu certificates)", file, n);
	if (n == 0)
		return;
	TAP_STR(c[0].key_type, type, file);
	TAP_INT(c[0].key_bits, bits, file);
	TAP_STR(c[0].sig_hash, hash, file);
	TAP_INT(c[0].expired, expired, file);
	LV(tlsgrade_chain(c, n), grade, file);
}

static void certs(void)
{
	pem("ec256.pem", "EC", 256, "sha256", 0, "sufficient");
	pem("ec384.pem", "EC", 384, "sha384", 0, "sufficient");
	pem("rsa3072.pem", "RSA", 3072, "sha256", 0, "sufficient");
	pem("rsa2048.pem", "RSA", 2048, "sha256", 0, "phase-out");
	pem("rsa1024.pem", "RSA", 1024, "sha256", 0, "insufficient");
	pem("p224.pem", "EC", 224, "sha256", 0, "insufficient");
	pem("ed25519.pem", "Ed25519", 256, "sha256", 0, "sufficient");
	pem("sha1.pem", "EC", 256, "sha1", 0, "insufficient");
	pem("sha224.pem", "EC", 256, "sha224", 0, "phase-out");
	pem("expired.pem", "EC", 256, "sha256", 1, "insufficient");
	pem("chain-rootsha1.pem", "EC", 256, "sha256", 0, "sufficient");
	pem("chain-intsha1.pem", "EC", 256, "sha256", 0, "insufficient");
	pem("ec256.der", "EC", 256, "sha256", 0, "sufficient");

	tlsgrade_cert c[4];
	size_t n = load("chain-rootsha1.pem", c, 4);
	TAP_INT(n, 2, "chain of two read");
	if (n == 2) {
		TAP_INT(c[1].self_signed, 1, "the root is self-signed (its SHA-1 is not graded)");
		TAP_INT(c[0].self_signed, 0, "the leaf is not self-signed");
	}
	n = load("ec256.pem", c, 4);
	if (n == 1) {
		TAP_STR(c[0].san, "mx.ec256.test,alt.ec256.test", "subjectAltName DNS names");
		TAP_STR(c[0].subject, "CN=mx.ec256.test", "subject");
		TAP_STR(c[0].issuer, "CN=tlsgrade test root", "issuer");
		TAP_STR(c[0].spki_sha256, "833bb0bca4aa713059413c08bc4c19c0340faba0d5b194f98217650c1439f0bc",
		    "SPKI SHA-256 of tests/data/probe/ec.key");
		TAP_OK(strlen(c[0].not_after) == 20, "not_after in ISO form: %s", c[0].not_after);
	}
	static const unsigned char junk[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
	TAP_INT(tlsgrade_certs_parse(junk, sizeof junk - 1, 0, c, 4), 0, "garbage PEM reads as nothing");
	LV(tlsgrade_chain(c, 0), "insufficient", "an empty chain is insufficient");
}

int main(void)
{
	tap_name = "tlsgrade";
	versions();
	suites();
	groups();
	hashes_and_keys();
	certs();
	return TAP_DONE();
}
