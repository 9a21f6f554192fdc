/* Unit tests of the responder's probe section (responder/rprobe.c): the
 * lines per address with their family and the "named in the DSN" mark,
 * what they mean for reply B, and the skipped cases (non-global addresses,
 * null MX, DNS) -- all from probe facts set here, no network. */
#include <stdio.h>
#include <stdlib.h>
#include "tap.h"
/* compiled in directly: unit tests link only the core and probe libraries */
#include "../../responder/rprobe.c"

static probe *fake(size_t n_addr)
{
	probe *p = calloc(1, sizeof *p);
	if (p == NULL)
		abort();
	p->n_host = 1;
	p->host[0].name = "mx.t";
	p->addr = calloc(n_addr + 1, sizeof *p->addr);
	if (p->addr == NULL)
		abort();
	p->n_addr = n_addr;
	return p;
}

static void set_addr(probe_addr *a, int family, const char *addr, probe_tcp tcp, int banner)
{
	a->host = "mx.t";
	a->family = family;
	snprintf(a->address, sizeof a->address, "%s", addr);
	a->tcp = tcp;
	a->banner_code = banner;
	a->connect_ms = -1;
	a->dane_depth = -1;
}

static char *lines_of(const probe *p, const char *named)
{
	GString *g = g_string_new(NULL);
	put_lines(g, p, named);
	put_v6_verdict(g, p);
	return g_string_free(g, FALSE);
}

int main(void)
{
	char *s;
	probe *p;

	tap_name = "test_rprobe";
	TAP_OK(named_in("connect to mx.t[2001:db8::25]:25: Connection refused", "2001:db8::25"), "address in brackets is named");
	TAP_OK(!named_in("connect to mx.t[2001:db8::25]:25", "2001:db8::2"), "a prefix of a longer IPv6 address is not named");
	TAP_OK(!named_in("connect to mx.t[5.0.2.64]:25", "5.0.2.6"), "a prefix of a longer IPv4 address is not named");
	TAP_OK(!named_in("connect to mx.t[15.0.2.64]:25", "5.0.2.64"), "a suffix of a longer IPv4 address is not named");
	TAP_OK(named_in("5.0.2.64", "5.0.2.64"), "the whole text");

	p = fake(2);
	set_addr(&p->addr[0], 6, "2001:db8::25", PROBE_TCP_REFUSED, 0);
	set_addr(&p->addr[1], 4, "192.0.2.25", PROBE_TCP_OK, 220);
	p->ran = 1;
	s = lines_of(p, "X-Postfix; connect to mx.t[2001:db8::25]:25: Connection refused");
	TAP_OK(strstr(s, "  IPv6 mx.t 2001:db8::25: connection refused on port 25 (named in the DSN)\n") != NULL,
	    "refused IPv6 address: family, reason, named in the DSN");
	TAP_OK(strstr(s, "  IPv4 mx.t 192.0.2.25: answers") != NULL && strstr(s, "192.0.2.25: answers, STARTTLS not") != NULL,
	    "answering IPv4 address");
	TAP_OK(strstr(strstr(s, "(named in the DSN)") + 1, "(named in the DSN)") == NULL, "only the named address is marked");
	TAP_OK(strstr(s, "no IPv6 address of your mail servers answers on port 25, so reply B (sent over IPv6 only) cannot reach you") != NULL,
	    "reply B cannot arrive: IPv6 address does not answer");
	g_free(s);
	s = lines_of(p, NULL);
	TAP_OK(strstr(s, "named in the DSN") == NULL, "no DSN, no mark");
	g_free(s);
	set_addr(&p->addr[0], 6, "2001:db8::25", PROBE_TCP_OK, 220);
	s = lines_of(p, NULL);
	TAP_OK(strstr(s, "1 of 1 IPv6 addresses of your mail servers answer on port 25: reply B (sent over IPv6 only) can reach you") != NULL,
	    "reply B can arrive");
	g_free(s);
	p->n_addr = 1;
	set_addr(&p->addr[0], 4, "192.0.2.25", PROBE_TCP_OK, 220);
	s = lines_of(p, NULL);
	TAP_OK(strstr(s, "no IPv6: none of your mail servers has a global IPv6 address (AAAA)") != NULL, "IPv4 only: reply B cannot arrive");
	g_free(s);
	probe_free(p);

	/* what probe_run found: nothing to contact */
	p = fake(0);
	p->host[0].n_skipped = 2;
	p->host[0].skipped[0] = "fd00::25";
	p->host[0].skipped[1] = "2001:db8::25";
	s = render(p, 1, NULL);
	TAP_OK(strstr(s, "  probe skipped: mx.t fd00::25 is not a global address, not contacted\n") != NULL,
	    "ULA address: skipped and said so");
	TAP_OK(strstr(s, "  probe skipped: mx.t 2001:db8::25 is not a global address, not contacted\n") != NULL,
	    "documentation address: skipped and said so");
	g_free(s);
	p->host[0].n_skipped = 0;
	s = render(p, 1, NULL);
	TAP_STR(s, "  probe skipped: no mail server address found\n", "no address");
	g_free(s);
	p->null_mx = 1;
	s = render(p, 1, NULL);
	TAP_OK(strstr(s, "null MX") != NULL, "null MX said");
	g_free(s);
	p->null_mx = 0;
	p->dns_temp = 1;
	s = render(p, 1, NULL);
	TAP_OK(strstr(s, "did not finish (temporary)") != NULL, "DNS temporary failure said");
	g_free(s);
	probe_free(p);
	return TAP_DONE();
}
