#ifndef MXR_TLSGRADE_H
#define MXR_TLSGRADE_H
/*
 * The NCSC-NL 2025 TLS tables ("ICT-beveiligingsrichtlijnen voor TLS",
 * as internet.nl applies them to mail servers) in one pure module: protocol
 * versions, cipher suites, key-exchange groups, certificate keys and
 * signature hashes, each graded good / sufficient / phase-out /
 * insufficient.  No network: the grades come from a handshake's facts or
 * from certificates (PEM or DER), so they are testable from files.
 */
#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

/* The version of the tables, reported in the JSON and the docs. */
#define TLSGRADE_TABLES "NCSC-NL 2025 (internet.nl mail test)"

typedef enum {
	TLSGRADE_GOOD = 0, TLSGRADE_SUFFICIENT, TLSGRADE_PHASEOUT, TLSGRADE_INSUFFICIENT
} tlsgrade_level;

/* "good", "sufficient", "phase-out", "insufficient". */
const char *tlsgrade_level_str(tlsgrade_level l);

/* A protocol version (OpenSSL's TLS1_3_VERSION ...): 1.3 good, 1.2
 * sufficient, anything older insufficient. */
tlsgrade_level tlsgrade_version(int version);
/* "TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1", "SSLv3", or "unknown". */
const char *tlsgrade_version_str(int version);

/* A cipher suite by its IANA (RFC) name, e.g.
 * "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" or "TLS_AES_128_GCM_SHA256".
 * ECDHE with AES-256-GCM / CHACHA20-POLY1305 (and those TLS 1.3 suites)
 * good; ECDHE or TLS 1.3 with AES-128-GCM or AES-CCM sufficient; ECDHE
 * CBC with a SHA-2 MAC, CAMELLIA, ARIA, DHE with an AEAD or a SHA-2 MAC
 * phase-out; everything else (static RSA, SHA-1 MAC, 3DES, RC4, NULL,
 * anonymous, export, PSK, DSS...) insufficient.  NULL is insufficient. */
tlsgrade_level tlsgrade_cipher(const char *iana_name);

/* The key exchange: group is OpenSSL's name of the negotiated group
 * ("x25519", "secp256r1", "ffdhe3072", ...) or NULL when none was
 * negotiated; dh_bits the size of a DHE key (0 when not DHE).  X25519,
 * X448, P-256/384/521 and the brainpool curves good; P-224 and RFC 7919
 * groups of 3072 bits and more phase-out; any other DH, any other curve,
 * and no ephemeral key exchange (static RSA) insufficient. */
tlsgrade_level tlsgrade_group(const char *group, int dh_bits);

/* A signature hash by name ("sha256", "sha1", "md5", "ed25519", ...):
 * SHA-256/384/512 (and EdDSA) sufficient, SHA-224 phase-out, anything
 * else insufficient. */
tlsgrade_level tlsgrade_sig_hash(const char *hash);

/* A public key: type "RSA", "EC", "Ed25519", "Ed448", "DSA", ...; bits the
 * size; curve the EC curve's name (NULL otherwise).  RSA >= 3072 good,
 * 2048-3071 phase-out, less insufficient; EC P-256/384/521 and brainpool
 * good, P-224 phase-out, others insufficient; EdDSA good; others
 * insufficient. */
tlsgrade_level tlsgrade_key(const char *type, int bits, const char *curve);

#define TLSGRADE_NAME_MAX 256
#define TLSGRADE_SAN_MAX  512

/* The facts and grades of one certificate. */
typedef struct tlsgrade_cert {
	char subject[TLSGRADE_NAME_MAX];   /* RFC 2253, printable, bounded */
	char issuer[TLSGRADE_NAME_MAX];
	char san[TLSGRADE_SAN_MAX];        /* DNS names joined by ",", bounded */
	char key_type[16];                 /* "RSA", "EC", "Ed25519", ... */
	char curve[32];                    /* EC curve name or "" */
	int key_bits;
	char sig_hash[16];                 /* "sha256", "sha1", "md5", ... */
	char not_after[32];                /* "YYYY-MM-DDTHH:MM:SSZ" */
	int expired;                       /* not_after before the time given */
	int not_yet_valid;
	int self_signed;                   /* issuer == subject and self-verifying */
	char spki_sha256[65];              /* hex SHA-256 of SubjectPublicKeyInfo */
	tlsgrade_level key_level, sig_level;
} tlsgrade_cert;

/* Fills c from x at time now.  Returns 0, or -1 when x carries no usable
 * key (c then holds what was readable, key_level insufficient). */
int tlsgrade_cert_x509(X509 *x, time_t now, tlsgrade_cert *c);

/* The grade of a chain as sent: the leaf's key level and the worst
 * signature level of every certificate that is not self-signed (a root's
 * own signature is not graded); expired leaf = insufficient. */
tlsgrade_level tlsgrade_chain(const tlsgrade_cert *certs, size_t n);

/* Reads up to max certificates from PEM text or one DER certificate
 * (data of len octets) into certs (graded at now).  Returns how many were
 * read (0 when none parses). */
size_t tlsgrade_certs_parse(const unsigned char *data, size_t len, time_t now,
    tlsgrade_cert *certs, size_t max);

#endif
