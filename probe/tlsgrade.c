/*
 * tlsgrade: the NCSC-NL 2025 TLS tables (versions, cipher suites, key
 * exchange groups, certificate keys, signature hashes) as internet.nl's
 * mail test applies them, and the facts of a certificate (RFC 5280 4.1:
 * subject, issuer, validity, SubjectPublicKeyInfo; 4.2.1.6 subjectAltName)
 * read with OpenSSL.  Pure: no network, no global state; every string that
 * comes from a certificate is made printable and bounded.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tlsgrade.h"

const char *tlsgrade_level_str(tlsgrade_level l)
{
	switch (l) {
	case TLSGRADE_GOOD: return "good";
	case TLSGRADE_SUFFICIENT: return "sufficient";
	case TLSGRADE_PHASEOUT: return "phase-out";
	case TLSGRADE_INSUFFICIENT: return "insufficient";
	}
	return "insufficient";
}

tlsgrade_level tlsgrade_version(int version)
{
	if (version == TLS1_3_VERSION)
		return TLSGRADE_GOOD;
	if (version == TLS1_2_VERSION)
		return TLSGRADE_SUFFICIENT;
	return TLSGRADE_INSUFFICIENT;
}

const char *tlsgrade_version_str(int version)
{
	switch (version) {
	case TLS1_3_VERSION: return "TLSv1.3";
	case TLS1_2_VERSION: return "TLSv1.2";
	case TLS1_1_VERSION: return "TLSv1.1";
	case TLS1_VERSION: return "TLSv1";
	case SSL3_VERSION: return "SSLv3";
	}
	return "unknown";
}

static int has(const char *s, const char *part)
{
	return strstr(s, part) != NULL;
}

/* Bulk cipher and MAC part of a suite name (after "_WITH_" in TLS 1.2, the
 * whole tail in TLS 1.3). */
static int aead_strong(const char *enc)
{
	return has(enc, "AES_256_GCM") || has(enc, "CHACHA20_POLY1305");
}

static int aead_sufficient(const char *enc)
{
	/* CCM_8 has a truncated tag: not among the tables' AEADs. */
	if (has(enc, "CCM_8"))
		return 0;
	return has(enc, "AES_128_GCM") || has(enc, "_CCM");
}

static int cbc_sha2(const char *enc)
{
	size_t n = strlen(enc);
	return has(enc, "_CBC_") && n > 7 &&
	    (strcmp(enc + n - 7, "_SHA256") == 0 || strcmp(enc + n - 7, "_SHA384") == 0);
}

tlsgrade_level tlsgrade_cipher(const char *name)
{
	if (name == NULL || strncmp(name, "TLS_", 4) != 0)
		return TLSGRADE_INSUFFICIENT;
	const char *with = strstr(name, "_WITH_");
	if (with == NULL) {
		/* TLS 1.3 suites carry no key exchange in their name. */
		if (aead_strong(name + 3))
			return TLSGRADE_GOOD;
		if (aead_sufficient(name + 3))
			return TLSGRADE_SUFFICIENT;
		return TLSGRADE_INSUFFICIENT;
	}
	size_t kxlen = (size_t)(with - (name + 4));
	char kx[32];
	if (kxlen >= sizeof kx)
		return TLSGRADE_INSUFFICIENT;
	memcpy(kx, name + 4, kxlen);
	kx[kxlen] = 0;
	const char *enc = with + 5;   /* keeps the leading "_" */
	if (has(enc, "NULL") || has(enc, "RC4") || has(enc, "DES") || has(enc, "EXPORT") ||
	    has(enc, "IDEA") || has(enc, "SEED"))
		return TLSGRADE_INSUFFICIENT;
	int ecdhe = strcmp(kx, "ECDHE_ECDSA") == 0 || strcmp(kx, "ECDHE_RSA") == 0;
	int dhe = strcmp(kx, "DHE_RSA") == 0;
	if (ecdhe) {
		if (aead_strong(enc))
			return TLSGRADE_GOOD;
		if (aead_sufficient(enc))
			return TLSGRADE_SUFFICIENT;
		if (cbc_sha2(enc) || has(enc, "CAMELLIA") || has(enc, "ARIA"))
			return TLSGRADE_PHASEOUT;
		return TLSGRADE_INSUFFICIENT;
	}
	if (dhe) {
		if (aead_strong(enc) || aead_sufficient(enc) || cbc_sha2(enc) ||
		    has(enc, "CAMELLIA") || has(enc, "ARIA"))
			return TLSGRADE_PHASEOUT;
		return TLSGRADE_INSUFFICIENT;
	}
	/* Static RSA (no forward secrecy), DSS, PSK, SRP, anonymous. */
	return TLSGRADE_INSUFFICIENT;
}

tlsgrade_level tlsgrade_group(const char *group, int dh_bits)
{
	static const char *const good[] = {
		"x25519", "x448", "secp256r1", "prime256v1", "secp384r1", "secp521r1",
		"brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1",
		"brainpoolP256r1tls13", "brainpoolP384r1tls13", "brainpoolP512r1tls13",
	};
	if (group && *group) {
		for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
			if (strcasecmp(group, good[i]) == 0)
				return TLSGRADE_GOOD;
		if (strcasecmp(group, "secp224r1") == 0)
			return TLSGRADE_PHASEOUT;
		if (strcasecmp(group, "ffdhe3072") == 0 || strcasecmp(group, "ffdhe4096") == 0 ||
		    strcasecmp(group, "ffdhe6144") == 0 || strcasecmp(group, "ffdhe8192") == 0)
			return TLSGRADE_PHASEOUT;
		return TLSGRADE_INSUFFICIENT;
	}
	/* A DH group that is not named: its own prime, whatever its size. */
	(void)dh_bits;
	return TLSGRADE_INSUFFICIENT;
}

tlsgrade_level tlsgrade_sig_hash(const char *hash)
{
	if (hash == NULL)
		return TLSGRADE_INSUFFICIENT;
	if (strcasecmp(hash, "sha256") == 0 || strcasecmp(hash, "sha384") == 0 ||
	    strcasecmp(hash, "sha512") == 0 || strcasecmp(hash, "ed25519") == 0 ||
	    strcasecmp(hash, "ed448") == 0)
		return TLSGRADE_SUFFICIENT;
	if (strcasecmp(hash, "sha224") == 0)
		return TLSGRADE_PHASEOUT;
	return TLSGRADE_INSUFFICIENT;
}

tlsgrade_level tlsgrade_key(const char *type, int bits, const char *curve)
{
	if (type == NULL)
		return TLSGRADE_INSUFFICIENT;
	if (strcmp(type, "RSA") == 0 || strcmp(type, "RSA-PSS") == 0) {
		if (bits >= 3072)
			return TLSGRADE_GOOD;
		return bits >= 2048 ? TLSGRADE_PHASEOUT : TLSGRADE_INSUFFICIENT;
	}
	if (strcmp(type, "EC") == 0) {
		/* Below 256 bits (P-224 and smaller) a certificate key fails, even
		 * though P-224 is only phase-out as a key exchange group. */
		if (bits < 256)
			return TLSGRADE_INSUFFICIENT;
		if (tlsgrade_group(curve, 0) == TLSGRADE_GOOD)
			return TLSGRADE_GOOD;
		return curve && strncmp(curve, "brainpool", 9) == 0 ? TLSGRADE_GOOD : TLSGRADE_INSUFFICIENT;
	}
	if (strcmp(type, "Ed25519") == 0 || strcmp(type, "Ed448") == 0)
		return TLSGRADE_GOOD;
	return TLSGRADE_INSUFFICIENT;
}

/* Copies at most outlen-1 bytes of in, every byte outside printable ASCII
 * replaced by '?'. */
static void printable(char *out, size_t outlen, const char *in, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];
		out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (outlen)
		out[o] = 0;
}

static void name_str(X509_NAME *n, char *out, size_t outlen)
{
	out[0] = 0;
	BIO *b = BIO_new(BIO_s_mem());
	if (b == NULL || n == NULL) {
		BIO_free(b);
		return;
	}
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	char *p = NULL;
	long len = BIO_get_mem_data(b, &p);
	if (len > 0 && p)
		printable(out, outlen, p, (size_t)len);
	BIO_free(b);
}

static void san_str(X509 *x, char *out, size_t outlen)
{
	out[0] = 0;
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (gens == NULL)
		return;
	size_t o = 0;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS)
			continue;
		const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
		int dl = ASN1_STRING_length(g->d.dNSName);
		if (d == NULL || dl <= 0)
			continue;
		if (o && o + 1 < outlen)
			out[o++] = ',';
		if (o + 1 >= outlen)
			break;
		printable(out + o, outlen - o, (const char *)d, (size_t)dl);
		o += strlen(out + o);
	}
	GENERAL_NAMES_free(gens);
}

static void key_facts(X509 *x, tlsgrade_cert *c)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	snprintf(c->key_type, sizeof c->key_type, "none");
	c->key_level = TLSGRADE_INSUFFICIENT;
	if (k == NULL)
		return;
	c->key_bits = EVP_PKEY_get_bits(k);
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA: snprintf(c->key_type, sizeof c->key_type, "RSA"); break;
	case EVP_PKEY_RSA_PSS: snprintf(c->key_type, sizeof c->key_type, "RSA-PSS"); break;
	case EVP_PKEY_EC: snprintf(c->key_type, sizeof c->key_type, "EC"); break;
	case EVP_PKEY_ED25519: snprintf(c->key_type, sizeof c->key_type, "Ed25519"); break;
	case EVP_PKEY_ED448: snprintf(c->key_type, sizeof c->key_type, "Ed448"); break;
	case EVP_PKEY_DSA: snprintf(c->key_type, sizeof c->key_type, "DSA"); break;
	default: snprintf(c->key_type, sizeof c->key_type, "other"); break;
	}
	if (strcmp(c->key_type, "EC") == 0) {
		char g[64];
		size_t gl = 0;
		if (EVP_PKEY_get_utf8_string_param(k, "group", g, sizeof g, &gl) == 1)
			printable(c->curve, sizeof c->curve, g, gl);
	}
	c->key_level = tlsgrade_key(c->key_type, c->key_bits, c->curve);
}

static void sig_facts(X509 *x, tlsgrade_cert *c)
{
	int mdnid = NID_undef, pknid = NID_undef;
	snprintf(c->sig_hash, sizeof c->sig_hash, "unknown");
	if (X509_get_signature_info(x, &mdnid, &pknid, NULL, NULL) == 1 && mdnid != NID_undef) {
		const char *sn = OBJ_nid2sn(mdnid);
		if (sn)
			printable(c->sig_hash, sizeof c->sig_hash, sn, strlen(sn));
		for (char *p = c->sig_hash; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	} else if (pknid == NID_ED25519 || X509_get_signature_nid(x) == NID_ED25519)
		snprintf(c->sig_hash, sizeof c->sig_hash, "ed25519");
	else if (pknid == NID_ED448 || X509_get_signature_nid(x) == NID_ED448)
		snprintf(c->sig_hash, sizeof c->sig_hash, "ed448");
	c->sig_level = tlsgrade_sig_hash(c->sig_hash);
}

int tlsgrade_cert_x509(X509 *x, time_t now, tlsgrade_cert *c)
{
	memset(c, 0, sizeof *c);
	if (x == NULL) {
		c->key_level = c->sig_level = TLSGRADE_INSUFFICIENT;
		return -1;
	}
	name_str(X509_get_subject_name(x), c->subject, sizeof c->subject);
	name_str(X509_get_issuer_name(x), c->issuer, sizeof c->issuer);
	san_str(x, c->san, sizeof c->san);
	key_facts(x, c);
	sig_facts(x, c);
	const ASN1_TIME *na = X509_get0_notAfter(x), *nb = X509_get0_notBefore(x);
	struct tm tm;
	if (na && ASN1_TIME_to_tm(na, &tm) == 1)
		/* ASN1_TIME_to_tm gives calendar ranges; the modulos only tell the
		 * compiler the field widths. */
		snprintf(c->not_after, sizeof c->not_after, "%04u-%02u-%02uT%02u:%02u:%02uZ",
		    (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		    (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
		    (unsigned)tm.tm_sec % 100u);
	time_t t = now;
	c->expired = na == NULL || X509_cmp_time(na, &t) <= 0;
	c->not_yet_valid = nb == NULL || X509_cmp_time(nb, &t) > 0;
	c->self_signed = X509_check_issued(x, x) == X509_V_OK &&
	    X509_self_signed(x, 1) == 1;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	unsigned char *der = NULL;
	int dl = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (dl > 0 && EVP_Digest(der, (size_t)dl, md, &mdlen, EVP_sha256(), NULL) == 1)
		for (unsigned i = 0; i < mdlen && 2 * i + 2 < sizeof c->spki_sha256; i++)
			snprintf(c->spki_sha256 + 2 * i, 3, "%02x", md[i]);
	OPENSSL_free(der);
	return X509_get0_pubkey(x) ? 0 : -1;
}

static tlsgrade_level worse(tlsgrade_level a, tlsgrade_level b)
{
	return a > b ? a : b;
}

tlsgrade_level tlsgrade_chain(const tlsgrade_cert *certs, size_t n)
{
	if (n == 0)
		return TLSGRADE_INSUFFICIENT;
	tlsgrade_level l = certs[0].key_level;
	if (certs[0].expired)
		l = TLSGRADE_INSUFFICIENT;
	for (size_t i = 0; i < n; i++)
		if (!certs[i].self_signed)
			l = worse(l, certs[i].sig_level);
	return l;
}

size_t tlsgrade_certs_parse(const unsigned char *data, size_t len, time_t now,
    tlsgrade_cert *certs, size_t max)
{
	size_t n = 0;
	if (data == NULL || len == 0 || max == 0 || len > 1u << 20)
		return 0;
	BIO *b = BIO_new_mem_buf(data, (int)len);
	if (b == NULL)
		return 0;
	X509 *x;
	while (n < max && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		tlsgrade_cert_x509(x, now, &certs[n++]);
		X509_free(x);
	}
	BIO_free(b);
	if (n == 0) {
		const unsigned char *p = data;
		x = d2i_X509(NULL, &p, (long)len);
		if (x) {
			tlsgrade_cert_x509(x, now, &certs[n++]);
			X509_free(x);
		}
	}
	ERR_clear_error();
	return n;
}
