#ifndef MXR_IPREV_H
#define MXR_IPREV_H
/*
 * iprev (RFC 8601 3): the client address's PTR names, forward-confirmed.
 */
#include <json-c/json.h>
#include "dns.h"
#include "result.h"

#define IPREV_MAX_NAMES 10   /* PTR names whose addresses are looked up */

typedef struct iprev_verdict {
	auth_result result;           /* pass, fail, temperror, permerror */
	char ip[64];                  /* the client address, IPv4-mapped as IPv4 */
	char name[DNS_TEXT_MAX + 1];  /* the confirmed name, else the first PTR */
	char reason[256];
	size_t n_ptr;
	/* private: lookups in flight */
	int family, pending, temp, done;
	const char *names[IPREV_MAX_NAMES];
} iprev_verdict;

/* Starts iprev of client_ip on run; *v is complete once dns_run_wait(run)
 * has returned.  An invalid address gives permerror at once. */
void iprev_start(dns_run *run, const char *client_ip, iprev_verdict *v);
/* {"result", "ip", "name", "reason"} */
json_object *iprev_json(const iprev_verdict *v);

#endif
