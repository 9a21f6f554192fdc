/*
 * Unit tests of mxready-policyd's decisions (policy/psess.c) on the table
 * DNS backend: the reply sequence of an instance (Authentication-Results,
 * MXReady-Report, DUNNO), the cache over 50 recipients, RFC 7372 reject
 * codes, DEFER_IF_PERMIT 4.4.3 on temperror (never 5xx), tag-only for SASL
 * clients, quarantine as HOLD, states without checks.  The policy and
 * daemon sources are not in libmxready.a, so they are compiled in here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../policy/request.c"
#include "../../policy/psess.c"
#include "../../daemon/vlog.c"   /* before conf.c: its 'key' typedef */
#include "../../daemon/conf.c"

static psess_global G;
static preq R;

/* Answers one request built from "name=value" pairs separated by '|'. */
static const char *ask(const char *attrs)
{
	static char out[PSESS_REPLY_MAX];
	char buf[4096];
	size_t n = 0, used;
	n += (size_t)snprintf(buf, sizeof buf, "request=smtpd_access_policy\n");
	for (const char *p = attrs; *p; p++)
		buf[n++] = *p == '|' ? '\n' : *p;
	buf[n++] = '\n';
	buf[n++] = '\n';
	preq_init(&R);
	if (preq_feed(&R, buf, n, &used) != PREQ_DONE)
		return "PARSE ERROR";
	psess_answer(&G, &R, out, sizeof out);
	return out;
}

/* r with its line ends shown as \n, for one-line test output */
static const char *shown(const char *r)
{
	static char b[2 * PSESS_REPLY_MAX];
	size_t o = 0;
	for (; *r && o + 3 < sizeof b; r++) {
		if (*r == '\n') {
			b[o++] = '\\';
			b[o++] = 'n';
		} else
			b[o++] = *r;
	}
	b[o] = 0;
	return b;
}
#define SAME(got, want, what) do { const char *g_ = (got); \
	TAP_OK(strcmp(g_, want) == 0, "%s: %s", what, shown(g_)); } while (0)

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

#define CLIENT_OK "protocol_state=RCPT|client_address=192.0.2.1|client_name=unknown|helo_name=mail.ok.t"

int main(void)
{
	char err[256];
	conf *cf = conf_new();
	tap_name = "test_psess";
	const char *set[][2] = {
		{ "dns_table", "tests/unit/data/policy.tab" }, { "authserv_id", "mx.test.example" },
		{ "log_file", "/dev/null" }, { "action_iprev_fail", "reject" },
		{ "action_spf_fail", "reject" }, { "action_null_mx", "reject" }, { "dns_timeout", "1" },
	};
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		if (conf_set(cf, set[i][0], set[i][1], err, sizeof err) < 0) {
			printf("FAIL: test_psess: conf_set: %s\n", err);
			return 1;
		}
	const char *fwd[CONF_MAX_RESOLVERS];
	dns_options o;
	conf_dns_options(cf, &o, fwd);
	vlog_open("test_psess", cf, err, sizeof err);
	G.cf = cf;
	G.res = dns_resolver_new(&o, err, sizeof err);
	G.cache = psess_cache_new();
	TAP_OK(G.res != NULL, "table resolver: %s", G.res ? "ok" : err);

	/* a good transaction: A-R, then the report, then DUNNO */
	const char *r = ask(CLIENT_OK "|sender=a@ok.t|instance=i1");
	TAP_OK(starts(r, "action=PREPEND Authentication-Results: mx.test.example; iprev=pass policy.iprev=192.0.2.1 (mail.ok.t)"),
	    "first request: A-R with iprev=pass: %.120s", shown(r));
	TAP_OK(strstr(r, "; spf=pass smtp.mailfrom=a@ok.t") != NULL , "SPF pass in A-R: %.200s", shown(r));
	TAP_OK(r[strlen(r) - 1] == '\n' && r[strlen(r) - 2] == '\n' && strchr(r, '\n') == r + strlen(r) - 2,
	    "one line, then the empty line");
	r = ask(CLIENT_OK "|sender=a@ok.t|instance=i1");
	TAP_OK(starts(r, "action=PREPEND MXReady-Report: mx.test.example; action=accept; envelope-from=ok.t verdict="),
	    "second request: readiness report: %.120s", shown(r));
	for (int k = 0; k < 48; k++)
		r = ask(CLIENT_OK "|sender=a@ok.t|instance=i1");
	SAME(r, "action=DUNNO\n\n", "50th request of the instance: DUNNO");

	/* states without checks */
	SAME(ask("protocol_state=CONNECT|client_address=192.0.2.9|instance=i0"), "action=DUNNO\n\n", "CONNECT: DUNNO");
	SAME(ask("protocol_state=VRFY|client_address=192.0.2.9|instance=i0"), "action=DUNNO\n\n", "VRFY: DUNNO");

	/* no PTR and SPF fail: the SPF reject comes first (5.7.23) */
	r = ask("protocol_state=RCPT|client_address=192.0.2.9|helo_name=x.ok.t|sender=a@ok.t|instance=i2");
	TAP_OK(starts(r, "action=550 5.7.23 "), "SPF fail: 550 5.7.23: %.100s", shown(r));
	TAP_OK(starts(r, "action=550 5.7.2"), "rejected with an RFC 7372 code: %.100s", shown(r));
	r = ask("protocol_state=RCPT|client_address=192.0.2.9|helo_name=x.ok.t|sender=a@ok.t|instance=i2");
	TAP_OK(starts(r, "action=550 5.7.2"), "every recipient rejected: %.100s", shown(r));
	/* no PTR alone: 5.7.25 (null sender, no SPF record for the HELO name) */
	r = ask("protocol_state=RCPT|client_address=192.0.2.9|helo_name=x.ok.t|sender=|instance=i3");
	TAP_OK(starts(r, "action=550 5.7.25 Reverse DNS of 192.0.2.9"), "no PTR: 550 5.7.25: %.100s", shown(r));
	/* SASL: only tagged */
	r = ask("protocol_state=RCPT|client_address=192.0.2.9|helo_name=x.ok.t|sender=a@ok.t|sasl_username=joe|instance=i4");
	TAP_OK(starts(r, "action=PREPEND Authentication-Results: "), "SASL client: tagged, not rejected: %.100s", shown(r));
	/* null MX */
	r = ask(CLIENT_OK "|sender=a@nullmx.t|instance=i5");
	TAP_OK(starts(r, "action=550 5.7.27 "), "null MX: 550 5.7.27: %.100s", shown(r));
	/* DNS failure: 4xx, never 5xx */
	r = ask(CLIENT_OK "|sender=a@slow.t|instance=i6");
	TAP_OK(starts(r, "action=DEFER_IF_PERMIT 4.4.3 "), "temperror: DEFER_IF_PERMIT 4.4.3: %.100s", shown(r));

	/* other settings: temperror accepted, quarantine as HOLD, no report */
	conf_set(cf, "action_temperror", "accept", err, sizeof err);
	conf_set(cf, "action_null_mx", "quarantine", err, sizeof err);
	conf_set(cf, "readiness_header", "no", err, sizeof err);
	conf_set(cf, "action_spf_fail", "tag", err, sizeof err);   /* nullmx.t has -all */
	r = ask(CLIENT_OK "|sender=a@slow.t|instance=i7");
	TAP_OK(starts(r, "action=PREPEND Authentication-Results: "), "action_temperror=accept: tagged: %.100s", shown(r));
	r = ask(CLIENT_OK "|sender=a@nullmx.t|instance=i8");
	SAME(r, "action=HOLD mxready: null_mx\n\n", "quarantine: HOLD first");
	r = ask(CLIENT_OK "|sender=a@nullmx.t|instance=i8");
	TAP_OK(starts(r, "action=PREPEND Authentication-Results: "), "quarantine: then the A-R: %.80s", shown(r));
	r = ask(CLIENT_OK "|sender=a@nullmx.t|instance=i8");
	SAME(r, "action=DUNNO\n\n", "readiness_header=no: no report");
	/* the instance key includes the sender: a new transaction is checked */
	r = ask(CLIENT_OK "|sender=b@ok.t|instance=i1");
	TAP_OK(starts(r, "action=PREPEND Authentication-Results: "), "same instance, other sender: checked anew: %.80s", shown(r));

	psess_cache_free(G.cache);
	dns_resolver_free(G.res);
	vlog_close();
	conf_free(cf);
	return TAP_DONE();
}
