#ifndef MXR_HELO_H
#define MXR_HELO_H
/*
 * HELO/EHLO name check (RFC 5321 4.1.1.1, 4.1.3): syntax, resolution, and
 * whether the name resolves to the client.
 */
#include <json-c/json.h>
#include "dns.h"
#include "result.h"

typedef struct helo_verdict {
	chk_status status;            /* pass, warn, fail, temperror */
	char helo[DNS_TEXT_MAX + 1];  /* as given, made printable */
	char reason[256];
	int literal;                  /* an address literal was given */
	/* private */
	char ip[64];
	int family, pending, matched, any, temp, done;
} helo_verdict;

/* Starts the check on run; *v is complete once dns_run_wait(run) has
 * returned.  Syntax errors and address literals are judged at once:
 * a literal must equal the client address. */
void helo_start(dns_run *run, const char *helo, const char *client_ip, helo_verdict *v);
/* {"status", "name", "reason", "literal"} */
json_object *helo_json(const helo_verdict *v);

#endif
