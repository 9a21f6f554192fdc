/*
 * libFuzzer target for the responder's reader of Authentication-Results
 * values (responder/rpolicy.c) and its sender/loop rules: the first byte
 * picks the field, the rest is the value.  Meaning: an Auto-Submitted or
 * Precedence value read with a comment put in front gives the same bits;
 * and (issue 14 item 2) our own field as the milter renders it for an SPF
 * fail with the fuzzed input as HELO name, SPF reason and DKIM reason/d=
 * always reads spf=fail, never dkim=pass, and suppresses the reply.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../responder/rpolicy.h"
#include "authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Attacker text in every value of our rendered field: it must never turn
 * into a DKIM pass or hide the MAIL FROM SPF fail. */
static void no_injection(const char *v)
{
	static spf_verdict mf, helo;
	static dkimv_verdict dk;
	static const char ours[1][256] = { "dual.example" };
	rpolicy_auth a;
	memset(&mf, 0, sizeof mf);
	memset(&helo, 0, sizeof helo);
	memset(&dk, 0, sizeof dk);
	helo.result = AUTH_PASS;
	snprintf(helo.domain, sizeof helo.domain, "%s", v);
	mf.result = AUTH_FAIL;
	snprintf(mf.identity, sizeof mf.identity, "%s@victim.example", v);
	snprintf(mf.reason, sizeof mf.reason, "%s", v);
	dk.n = 1;
	dk.sig[0].result = AUTH_FAIL;
	snprintf(dk.sig[0].domain, sizeof dk.sig[0].domain, "%s", v);
	snprintf(dk.sig[0].b, sizeof dk.sig[0].b, "%s", v);
	snprintf(dk.sig[0].reason, sizeof dk.sig[0].reason, "%s", v);
	authres_input in = { .authserv_id = "mx.example", .spf_helo = &helo, .spf_mailfrom = &mf, .dkim = &dk };
	char *f = authres_render(&in);
	rpolicy_auth_init(&a);
	if (f == NULL || rpolicy_auth_parse(f, strlen(f), "mx.example", &a) != 1 ||
	    strcmp(a.spf, "fail") != 0 || strcmp(a.dkim, "fail") != 0)
		abort();
	rpolicy_input ri = { .sender = "user@example.org", .our_domains = ours, .n_our_domains = 1, .auth = &a };
	if (rpolicy_decide(&ri) != RPOLICY_BACKSCATTER)
		abort();
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char ours[1][256] = { "dual.example" };
	char *v;
	rpolicy_auth a;
	rpolicy_input in = { 0 };

	if (size < 1)
		return 0;
	v = malloc(size);
	if (v == NULL)
		abort();
	memcpy(v, data + 1, size - 1);
	v[size - 1] = 0;
	rpolicy_auth_init(&a);
	(void)rpolicy_auth_parse(v, size - 1, "mx.example", &a);
	in.sender = (data[0] & 1) ? v : "user@example.org";
	if (data[0] & 2)
		in.fields |= rpolicy_field("Auto-Submitted", v, size - 1);
	if (data[0] & 4)
		in.fields |= rpolicy_field("Precedence", v, size - 1);
	in.our_domains = ours;
	in.n_our_domains = 1;
	in.auth = &a;
	(void)rpolicy_decide(&in);
	/* meaning: a comment before the value changes nothing (CFWS) */
	{
		static const char pre[] = "(x\\)) ";   /* a comment with a quoted-pair */
		size_t cn = sizeof pre - 1 + size - 1;
		char *c = malloc(cn + 1);
		if (c == NULL)
			abort();
		memcpy(c, pre, sizeof pre - 1);
		memcpy(c + sizeof pre - 1, v, size - 1);
		c[cn] = 0;
		if (rpolicy_field("Auto-Submitted", c, cn) != rpolicy_field("Auto-Submitted", v, size - 1) ||
		    rpolicy_field("Precedence", c, cn) != rpolicy_field("Precedence", v, size - 1))
			abort();
		free(c);
	}
	(void)rpolicy_sender_ok(v);
	if (data[0] & 8)
		no_injection(v);
	free(v);
	return 0;
}
