/* spf: placeholder until the RFC 7208 module lands (issue 3). */
#include "spf.h"

void spf_policy_start(dns_run *run, const char *domain, ready_item *it)
{
	(void)run; (void)domain;
	it->data = json_object_new_object();
	ready_set(it, CHK_TEMPERROR, "SPF check not implemented yet");
}
