#ifndef MXR_PREPORT_H
#define MXR_PREPORT_H
/*
 * The checks of the active probe (mx_reach, starttls, tls_version,
 * tls_cipher, tls_kex, cert, dane_valid, postmaster) judged from a probe's
 * facts, and the JSON evidence list probe.addresses (docs/json.md).
 */
#include <json-c/json.h>
#include "probe.h"
#include "ready.h"

typedef enum {
	PREPORT_MX_REACH = 0, PREPORT_STARTTLS, PREPORT_TLS_VERSION, PREPORT_TLS_CIPHER,
	PREPORT_TLS_KEX, PREPORT_CERT, PREPORT_DANE_VALID, PREPORT_POSTMASTER,
	PREPORT_COUNT
} preport_id;

/* "mx_reach", "starttls", ... */
const char *preport_id_str(preport_id id);
/* Judges every check; each item gets status, summary, a hint for warn and
 * fail, and data (a JSON object of evidence lines, new reference). */
void preport_judge(const probe *p, ready_item item[PREPORT_COUNT]);
/* {"tables", "seconds", "addresses": [...]} (new reference). */
json_object *preport_json(const probe *p);
/* One line per address ("mx1.example 2001:db8::25: timeout at connect"),
 * for text replies; at most outlen-1 bytes, printable. */
void preport_lines(const probe *p, char *out, size_t outlen);

#endif
