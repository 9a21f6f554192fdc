/* dmarc: placeholder until the RFC 7489 module lands (issue 3). */
#include "dmarc.h"

void dmarc_policy_start(dns_run *run, const char *domain, ready_item *it)
{
	(void)run; (void)domain;
	it->data = json_object_new_object();
	ready_set(it, CHK_TEMPERROR, "DMARC check not implemented yet");
}
