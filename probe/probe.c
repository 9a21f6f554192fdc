/*
 * probe: the active probe of a domain's mail servers.
 *  - DNS: MX (RFC 5321 5.1: implicit MX, RFC 7505 null MX), A/AAAA and TLSA
 *    at _25._tcp of every host (RFC 7672 2.2) on the shared resolver.
 *  - SMTP: one poll() loop drives a state machine per address, all at once;
 *    each address has at most one connection open and PROBE_SESSIONS
 *    sessions (RFC 5321 4.5.3.2: our step deadlines are shorter, bounded by
 *    the whole probe).  Session 1: EHLO, STARTTLS (RFC 3207), a handshake
 *    allowing TLS 1.0-1.3 at OpenSSL security level 0 so an old server is
 *    seen and graded, SNI = the MX name, DANE through OpenSSL (RFC 7672,
 *    usages 2 and 3, only for a DNSSEC-secure TLSA RRset), EHLO again,
 *    MAIL FROM:<>, RCPT TO:<postmaster@domain> (RFC 5321 4.5.1), QUIT.
 *    Session 2: a handshake capped at TLS 1.1.  Session 3: TLS 1.2 offering
 *    only the suites the tables call insufficient.  Deep: DHE-only, ECDSA
 *    only.  Never DATA.  A 421 or a reset at the greeting stops the address
 *    (rate limited).  Bytes after the STARTTLS 220 are a STARTTLS command
 *    injection flaw (CVE-2011-0411 class) and are reported.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "addr.h"
#include "probe.h"

const char *probe_tcp_str(probe_tcp t)
{
	static const char *const s[] = { "none", "ok", "refused", "timeout", "unreachable", "error" };
	return (unsigned)t < sizeof s / sizeof s[0] ? s[t] : "error";
}

const char *probe_tls_str(probe_tls t)
{
	static const char *const s[] = { "not_tried", "ok", "not_offered", "refused", "failed" };
	return (unsigned)t < sizeof s / sizeof s[0] ? s[t] : "failed";
}

const char *probe_dane_str(probe_dane d)
{
	static const char *const s[] = { "none", "validated", "failed", "bogus" };
	return (unsigned)d < sizeof s / sizeof s[0] ? s[d] : "none";
}

/* ---------- DNS ---------- */

static void store_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	(void)run;
	*(const dns_answer **)arg = ans;
}

static void submit_host(probe *p, probe_host *h)
{
	char tn[DNS_TEXT_MAX + 16];
	dns_submit(p->run, h->name, DNS_T_AAAA, store_cb, &h->aaaa);
	dns_submit(p->run, h->name, DNS_T_A, store_cb, &h->a);
	if (snprintf(tn, sizeof tn, "_25._tcp.%s", h->name) < (int)sizeof tn)
		dns_submit(p->run, tn, DNS_T_TLSA, store_cb, &h->tlsa);
}

static void mx_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	probe *p = arg;
	p->mx = ans;
	if (ans->outcome != DNS_ANSWER)
		return;
	const dns_rr **v = dns_run_alloc(run, (ans->n + 1) * sizeof *v);
	size_t n = dns_mx_targets(ans, v, &p->null_mx);
	for (size_t i = 0; i < n && p->n_host < PROBE_MAX_HOSTS; i++) {
		probe_host *h = &p->host[p->n_host++];
		h->name = v[i]->text;
		h->preference = v[i]->pref;
		submit_host(p, h);
	}
}

probe *probe_new(dns_run *run, const char *domain)
{
	probe *p = calloc(1, sizeof *p);
	if (p == NULL)
		abort();
	p->run = run;
	snprintf(p->domain, sizeof p->domain, "%s", domain);
	char n[DNS_TEXT_MAX + 16];
	dns_submit(run, domain, DNS_T_MX, mx_cb, p);
	/* Asked now in case there is no MX (implicit MX, RFC 5321 5.1). */
	dns_submit(run, domain, DNS_T_AAAA, store_cb, &p->aaaa);
	dns_submit(run, domain, DNS_T_A, store_cb, &p->a);
	if (snprintf(n, sizeof n, "_25._tcp.%s", domain) < (int)sizeof n)
		dns_submit(run, n, DNS_T_TLSA, store_cb, &p->tlsa);
	return p;
}

void probe_free(probe *p)
{
	if (p == NULL)
		return;
	free(p->addr);
	free(p);
}

static int temp(const dns_answer *a)
{
	return a == NULL || a->outcome == DNS_TEMPERROR;
}

/* After the lookups: the implicit MX, and one probe_addr per global
 * address (IPv6 first), non-global ones counted as skipped. */
static void collect(probe *p)
{
	if (temp(p->mx)) {
		p->dns_temp = 1;
		return;
	}
	if (p->mx->outcome != DNS_ANSWER && !p->null_mx) {
		if (temp(p->a) || temp(p->aaaa)) {
			p->dns_temp = 1;
			return;
		}
		if (p->a->outcome == DNS_ANSWER || p->aaaa->outcome == DNS_ANSWER) {
			probe_host *h = &p->host[p->n_host++];
			p->implicit = 1;
			h->name = p->domain;
			h->a = p->a;
			h->aaaa = p->aaaa;
			h->tlsa = p->tlsa;
		}
	}
	size_t cap = p->n_host * 2 * PROBE_MAX_ADDRS + 1;
	p->addr = calloc(cap, sizeof *p->addr);
	if (p->addr == NULL)
		abort();
	for (size_t i = 0; i < p->n_host; i++) {
		probe_host *h = &p->host[i];
		const dns_answer *fam[2] = { h->aaaa, h->a };
		if (temp(h->a) || temp(h->aaaa))
			p->dns_temp = 1;
		for (int f = 0; f < 2; f++) {
			const dns_answer *a = fam[f];
			size_t taken = 0;
			for (size_t k = 0; a && a->outcome == DNS_ANSWER && k < a->n; k++) {
				int family = 0;
				if (a->rr[k].text == NULL || taken == PROBE_MAX_ADDRS)
					continue;
				if (addr_classify(a->rr[k].text, &family) != ADDR_GLOBAL) {
					if (h->n_skipped < PROBE_MAX_ADDRS)
						h->skipped[h->n_skipped++] = a->rr[k].text;
					continue;
				}
				probe_addr *pa = &p->addr[p->n_addr++];
				taken++;
				pa->host = h->name;
				pa->preference = h->preference;
				snprintf(pa->address, sizeof pa->address, "%s", a->rr[k].text);
				pa->family = family;
				pa->connect_ms = -1;
				pa->dane_depth = -1;
			}
		}
	}
}

/* ---------- sessions ---------- */

typedef enum {
	K_MAIN, K_LEGACY, K_WEAK, K_PLAIN, K_DHE, K_ECDSA
} kind;

typedef enum {
	S_CONNECT, S_GREETING, S_EHLO, S_STARTTLS, S_HANDSHAKE, S_EHLO2, S_MAIL,
	S_RCPT, S_SKIP, S_QUIT, S_DONE
} state;

static const char *const step_names[] = {
	"connect", "greeting", "ehlo", "starttls", "handshake", "ehlo", "mail", "rcpt", "rcpt", "quit", "done"
};

#define IN_MAX (SMTPC_LINE_MAX * SMTPC_LINES_MAX)

typedef struct sess {
	probe_addr *pa;
	probe_host *host;
	int fd;
	SSL *ssl;
	int tls;                 /* I/O goes through ssl             */
	kind k;
	state st;
	double t0, deadline;
	char in[IN_MAX];
	size_t inlen;
	char out[SMTPC_LINE_MAX];
	size_t outlen, outoff;
	short want;              /* events the current step waits for */
	int active;
	int plan[PROBE_SESSIONS_DEEP];
	int n_plan, next_plan;
	int pipelining;          /* the last EHLO reply offered PIPELINING */
	int pipelined;           /* RCPT went out with MAIL (RFC 2920)     */
	int dane_on;             /* usable TLSA records were given to OpenSSL */
	int quit_sent;           /* QUIT went out at the end of the group  */
} sess;

typedef struct ctx {
	probe *p;
	const probe_opts *o;
	SSL_CTX *ssl_ctx;
	X509_STORE *store;
	double end;
	char weak_list[4096];    /* OpenSSL names of the insufficient TLS 1.2 suites */
} ctx;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void set_deadline(ctx *c, sess *s)
{
	double d = now() + PROBE_STEP_TIMEOUT;
	s->deadline = d < c->end ? d : c->end;
}

static void close_sess(sess *s)
{
	if (s->ssl) {
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->tls = 0;
	s->active = 0;
	s->inlen = s->outlen = s->outoff = 0;
}

__attribute__((format(printf, 4, 5)))
static void queue_cmd(ctx *c, sess *s, state next, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(s->out, sizeof s->out, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof s->out)
		n = 0;
	s->outlen = (size_t)n;
	s->outoff = 0;
	s->st = next;
	s->want = POLLOUT;
	set_deadline(c, s);
}

/* Reads what is there into s->in.  Returns >0 bytes, 0 on EOF, -1 on
 * error, -2 when it would block (s->want set). */
static long io_read(sess *s)
{
	size_t room = sizeof s->in - s->inlen;
	if (room == 0)
		return -1;
	if (s->tls) {
		size_t got = 0;
		ERR_clear_error();
		int r = SSL_read_ex(s->ssl, s->in + s->inlen, room, &got);
		if (r == 1) {
			s->inlen += got;
			return (long)got;
		}
		int e = SSL_get_error(s->ssl, r);
		if (e == SSL_ERROR_WANT_READ) { s->want = POLLIN; return -2; }
		if (e == SSL_ERROR_WANT_WRITE) { s->want = POLLOUT; return -2; }
		return e == SSL_ERROR_ZERO_RETURN ? 0 : -1;
	}
	ssize_t r = recv(s->fd, s->in + s->inlen, room, 0);
	if (r > 0) {
		s->inlen += (size_t)r;
		return r;
	}
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		s->want = POLLIN;
		return -2;
	}
	return r == 0 ? 0 : -1;
}

/* Writes the pending command.  1 done, 0 would block, -1 error. */
static int io_write(sess *s)
{
	while (s->outoff < s->outlen) {
		if (s->tls) {
			size_t put = 0;
			ERR_clear_error();
			int r = SSL_write_ex(s->ssl, s->out + s->outoff, s->outlen - s->outoff, &put);
			if (r == 1) {
				s->outoff += put;
				continue;
			}
			int e = SSL_get_error(s->ssl, r);
			if (e == SSL_ERROR_WANT_READ) { s->want = POLLIN; return 0; }
			if (e == SSL_ERROR_WANT_WRITE) { s->want = POLLOUT; return 0; }
			return -1;
		}
		ssize_t r = send(s->fd, s->out + s->outoff, s->outlen - s->outoff, MSG_NOSIGNAL);
		if (r > 0) {
			s->outoff += (size_t)r;
			continue;
		}
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			s->want = POLLOUT;
			return 0;
		}
		return -1;
	}
	s->outlen = s->outoff = 0;
	s->want = POLLIN;
	return 1;
}

static int start_connect(ctx *c, sess *s)
{
	probe_addr *pa = s->pa;
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof ss);
	if (pa->family == 6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(PROBE_PORT);
		if (inet_pton(AF_INET6, pa->address, &a6->sin6_addr) != 1)
			return -1;
		sl = sizeof *a6;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
		a4->sin_family = AF_INET;
		a4->sin_port = htons(PROBE_PORT);
		if (inet_pton(AF_INET, pa->address, &a4->sin_addr) != 1)
			return -1;
		sl = sizeof *a4;
	}
	s->fd = socket(pa->family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -1;
	s->active = 1;
	s->st = S_CONNECT;
	s->pipelining = s->pipelined = s->quit_sent = s->dane_on = 0;
	s->t0 = now();
	set_deadline(c, s);
	pa->sessions++;
	if (connect(s->fd, (struct sockaddr *)&ss, sl) == 0 || errno == EINPROGRESS) {
		s->want = POLLOUT;
		return 0;
	}
	return -1;
}

static probe_tcp tcp_errno(int e)
{
	switch (e) {
	case ECONNREFUSED: return PROBE_TCP_REFUSED;
	case ENETUNREACH: case EHOSTUNREACH: case EADDRNOTAVAIL: return PROBE_TCP_UNREACHABLE;
	case ETIMEDOUT: return PROBE_TCP_TIMEOUT;
	}
	return PROBE_TCP_ERROR;
}

/* ---------- TLS ---------- */

/* The OpenSSL names of every TLS 1.2 suite the tables call insufficient
 * (PSK and SRP left out: they need credentials), for session 3. */
static void weak_suites(ctx *c)
{
	c->weak_list[0] = 0;
	SSL_CTX *t = SSL_CTX_new(TLS_client_method());
	if (t == NULL)
		return;
	SSL_CTX_set_security_level(t, 0);
	SSL *s = NULL;
	if (SSL_CTX_set_cipher_list(t, "ALL:COMPLEMENTOFALL:!PSK:!SRP:@SECLEVEL=0") == 1)
		s = SSL_new(t);
	STACK_OF(SSL_CIPHER) *sk = s ? SSL_get1_supported_ciphers(s) : NULL;
	size_t o = 0;
	for (int i = 0; sk && i < sk_SSL_CIPHER_num(sk); i++) {
		const SSL_CIPHER *ci = sk_SSL_CIPHER_value(sk, i);
		if (strcmp(SSL_CIPHER_get_version(ci), "TLSv1.3") == 0)
			continue;
		if (tlsgrade_cipher(SSL_CIPHER_standard_name(ci)) != TLSGRADE_INSUFFICIENT)
			continue;
		int n = snprintf(c->weak_list + o, sizeof c->weak_list - o, "%s%s", o ? ":" : "",
		    SSL_CIPHER_get_name(ci));
		if (n < 0 || (size_t)n >= sizeof c->weak_list - o) {
			c->weak_list[o] = 0;
			break;
		}
		o += (size_t)n;
	}
	sk_SSL_CIPHER_free(sk);
	SSL_free(s);
	SSL_CTX_free(t);
}

static int ctx_init(ctx *c, const probe_opts *o, char *err, size_t errlen)
{
	c->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (c->ssl_ctx == NULL) {
		snprintf(err, errlen, "cannot create a TLS context");
		return -1;
	}
	/* Level 0 and TLS 1.0 allowed: an old server is seen and graded
	 * instead of failing the handshake. */
	SSL_CTX_set_security_level(c->ssl_ctx, 0);
	SSL_CTX_set_min_proto_version(c->ssl_ctx, TLS1_VERSION);
	SSL_CTX_set_options(c->ssl_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_TICKET);
	SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_dane_enable(c->ssl_ctx) <= 0) {
		snprintf(err, errlen, "OpenSSL DANE support unavailable");
		return -1;
	}
	c->store = X509_STORE_new();
	if (c->store == NULL) {
		snprintf(err, errlen, "cannot create a certificate store");
		return -1;
	}
	if (o->ca_file) {
		if (X509_STORE_load_file(c->store, o->ca_file) != 1) {
			snprintf(err, errlen, "--ca-file %s: no certificate could be read", o->ca_file);
			ERR_clear_error();
			return -1;
		}
	} else
		X509_STORE_set_default_paths(c->store);
	ERR_clear_error();
	weak_suites(c);
	return 0;
}

/* Adds the usable TLSA records (RFC 7672 3.1: usages 2 and 3) of a secure
 * RRset; returns how many OpenSSL took. */
static int dane_setup(SSL *ssl, const probe_host *h)
{
	const dns_answer *t = h->tlsa;
	int usable = 0;
	if (t == NULL || t->outcome != DNS_ANSWER || t->sec != DNS_SECURE)
		return 0;
	if (SSL_dane_enable(ssl, h->name) <= 0)
		return 0;
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (size_t i = 0; i < t->n; i++) {
		const unsigned char *r = t->rr[i].rdata;
		size_t rl = t->rr[i].rdlen;
		if (r == NULL || rl < 4 || (r[0] != 2 && r[0] != 3))
			continue;
		if (SSL_dane_tlsa_add(ssl, r[0], r[1], r[2], r + 3, rl - 3) > 0)
			usable++;
	}
	ERR_clear_error();
	return usable;
}

static int tls_begin(ctx *c, sess *s)
{
	SSL *ssl = SSL_new(c->ssl_ctx);
	if (ssl == NULL)
		return -1;
	s->ssl = ssl;
	SSL_set_fd(ssl, s->fd);
	SSL_set_connect_state(ssl);
	SSL_set_tlsext_host_name(ssl, s->host->name);
	int ok = 1;
	switch (s->k) {
	case K_MAIN:
	case K_PLAIN:
		ok = SSL_set_cipher_list(ssl, "ALL:@SECLEVEL=0");
		s->dane_on = s->k == K_MAIN && dane_setup(ssl, s->host) > 0;
		break;
	case K_LEGACY:
		SSL_set_max_proto_version(ssl, TLS1_1_VERSION);
		ok = SSL_set_cipher_list(ssl, "ALL:@SECLEVEL=0");
		break;
	case K_WEAK:
		SSL_set_min_proto_version(ssl, TLS1_2_VERSION);
		SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
		ok = SSL_set_cipher_list(ssl, c->weak_list);
		break;
	case K_DHE:
		/* TLS 1.3 has no finite-field DHE suites; older versions may. */
		SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
		ok = SSL_set_cipher_list(ssl, "kDHE:@SECLEVEL=0");
		break;
	case K_ECDSA:
		ok = SSL_set_cipher_list(ssl, "aECDSA:@SECLEVEL=0") &&
		    SSL_set1_sigalgs_list(ssl, "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512");
		break;
	}
	ERR_clear_error();
	return ok == 1 ? 0 : -1;
}

static void group_of(SSL *ssl, char *out, size_t outlen, int *bits)
{
	out[0] = 0;
	*bits = 0;
	int nid = SSL_get_negotiated_group(ssl);
	const char *g = nid > 0 ? SSL_group_to_name(ssl, nid) : NULL;
	if (g)
		snprintf(out, outlen, "%s", g);
	EVP_PKEY *tk = NULL;
	if (SSL_get_peer_tmp_key(ssl, &tk) == 1 && tk) {
		if (EVP_PKEY_get_base_id(tk) == EVP_PKEY_DH) {
			*bits = EVP_PKEY_get_bits(tk);
			if (out[0] == 0)
				snprintf(out, outlen, "dh-%d", *bits);
		}
		EVP_PKEY_free(tk);
	}
	ERR_clear_error();
}

static void cert_facts(ctx *c, sess *s)
{
	probe_addr *pa = s->pa;
	STACK_OF(X509) *ch = SSL_get_peer_cert_chain(s->ssl);
	X509 *leaf = SSL_get0_peer_certificate(s->ssl);
	time_t t = time(NULL);
	if (leaf == NULL)
		return;
	pa->have_cert = 1;
	pa->n_chain = 0;
	tlsgrade_cert_x509(leaf, t, &pa->chain[pa->n_chain++]);
	for (int i = 0; ch && i < sk_X509_num(ch) && pa->n_chain < PROBE_CHAIN_MAX; i++) {
		X509 *x = sk_X509_value(ch, i);
		if (X509_cmp(x, leaf) == 0)
			continue;
		tlsgrade_cert_x509(x, t, &pa->chain[pa->n_chain++]);
	}
	pa->name_match = X509_check_host(leaf, s->host->name, 0,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
	X509_STORE_CTX *xc = X509_STORE_CTX_new();
	if (xc && X509_STORE_CTX_init(xc, c->store, leaf, ch) == 1) {
		X509_STORE_CTX_set_purpose(xc, X509_PURPOSE_SSL_SERVER);
		pa->trusted = X509_verify_cert(xc) == 1;
	}
	X509_STORE_CTX_free(xc);
	ERR_clear_error();
}

static void dane_facts(sess *s)
{
	probe_addr *pa = s->pa;
	const dns_answer *t = s->host->tlsa;
	if (!s->dane_on || t == NULL || t->sec != DNS_SECURE)
		return;
	uint8_t u = 0, sel = 0, mt = 0;
	const unsigned char *d = NULL;
	size_t dl = 0;
	int depth = SSL_get0_dane_authority(s->ssl, NULL, NULL);
	if (depth >= 0 && SSL_get_verify_result(s->ssl) == X509_V_OK &&
	    SSL_get0_dane_tlsa(s->ssl, &u, &sel, &mt, &d, &dl) >= 0) {
		pa->dane = PROBE_DANE_VALIDATED;
		pa->dane_depth = depth;
		int n = snprintf(pa->dane_record, sizeof pa->dane_record, "%u %u %u ", u, sel, mt);
		for (size_t i = 0; n > 0 && i < dl && (size_t)n + 3 < sizeof pa->dane_record; i++)
			n += snprintf(pa->dane_record + n, sizeof pa->dane_record - (size_t)n, "%02x", d[i]);
	} else
		pa->dane = PROBE_DANE_FAILED;
}

/* What a completed handshake shows, by session kind. */
static void tls_facts(ctx *c, sess *s)
{
	probe_addr *pa = s->pa;
	int v = SSL_version(s->ssl);
	const SSL_CIPHER *ci = SSL_get_current_cipher(s->ssl);
	const char *cn = ci ? SSL_CIPHER_standard_name(ci) : NULL;
	int bits;
	switch (s->k) {
	case K_MAIN:
	case K_PLAIN:
		pa->tls_version = v;
		snprintf(pa->cipher, sizeof pa->cipher, "%s", cn ? cn : "");
		group_of(s->ssl, pa->group, sizeof pa->group, &pa->dh_bits);
		cert_facts(c, s);
		dane_facts(s);
		break;
	case K_LEGACY:
	case K_WEAK:
	case K_DHE:
	case K_ECDSA:
		break;
	}
	if (v == TLS1_VERSION)
		pa->legacy[0] = 1;
	if (v == TLS1_1_VERSION)
		pa->legacy[1] = 1;
	if (s->k == K_WEAK && cn && tlsgrade_cipher(cn) == TLSGRADE_INSUFFICIENT)
		snprintf(pa->weak_cipher, sizeof pa->weak_cipher, "%s", cn);
	if (s->k == K_DHE) {
		group_of(s->ssl, pa->dhe_group, sizeof pa->dhe_group, &bits);
		pa->dhe_bits = bits;
	}
	if (s->k == K_ECDSA) {
		X509 *leaf = SSL_get0_peer_certificate(s->ssl);
		tlsgrade_cert cc;
		if (leaf && tlsgrade_cert_x509(leaf, time(NULL), &cc) == 0)
			snprintf(pa->ecdsa_key, sizeof pa->ecdsa_key, "%s-%d", cc.key_type, cc.key_bits);
	}
}

/* ---------- the state machine ---------- */

/* A session that ended before its purpose: its facts are unknown. */
static void unknown(sess *s)
{
	if (s->k == K_LEGACY)
		s->pa->legacy_unknown = 1;
	if (s->k == K_WEAK)
		s->pa->weak_unknown = 1;
}

static void end_sess(sess *s, int purpose_met)
{
	if (!purpose_met)
		unknown(s);
	close_sess(s);
	s->st = S_DONE;
}

static void quit(ctx *c, sess *s)
{
	if (s->quit_sent) {
		s->st = S_QUIT;
		s->want = POLLIN;
		set_deadline(c, s);
	} else
		queue_cmd(c, s, S_QUIT, "QUIT\r\n");
	/* Waiting for 221 is politeness, not a step that can fail. */
	double d = now() + 2;
	if (d < s->deadline)
		s->deadline = d;
}

/* MAIL FROM:<>, with RCPT and QUIT in the same write when the server
 * offers PIPELINING (RFC 2920 3.1: QUIT may end a group): two round trips
 * less. */
static void mail(ctx *c, sess *s)
{
	s->pipelined = s->pipelining;
	s->quit_sent = s->pipelined;
	if (s->pipelined)
		queue_cmd(c, s, S_MAIL, "MAIL FROM:<>\r\nRCPT TO:<postmaster@%s>\r\nQUIT\r\n", c->p->domain);
	else
		queue_cmd(c, s, S_MAIL, "MAIL FROM:<>\r\n");
}

static void greeting(ctx *c, sess *s, const smtpc_reply *r)
{
	probe_addr *pa = s->pa;
	if (s->k == K_MAIN) {
		pa->banner_code = r->code;
		snprintf(pa->banner, sizeof pa->banner, "%s", r->text);
	}
	if (r->code == 220) {
		queue_cmd(c, s, S_EHLO, "EHLO %s\r\n", c->o->helo);
		return;
	}
	if (r->code == 421)
		pa->rate_limited = 1;
	quit(c, s);
	unknown(s);
}

static void ehlo(ctx *c, sess *s, const smtpc_reply *r)
{
	probe_addr *pa = s->pa;
	s->pipelining = (r->ehlo & SMTPC_EHLO_PIPELINING) != 0;
	if (r->code != 250) {
		if (s->k == K_MAIN)
			pa->starttls = PROBE_TLS_NOT_OFFERED;
		unknown(s);
		quit(c, s);
		return;
	}
	if (s->k == K_PLAIN) {
		mail(c, s);
		return;
	}
	if (r->ehlo & SMTPC_EHLO_STARTTLS) {
		queue_cmd(c, s, S_STARTTLS, "STARTTLS\r\n");
		return;
	}
	if (s->k == K_MAIN) {
		pa->starttls = PROBE_TLS_NOT_OFFERED;
		mail(c, s);
		return;
	}
	unknown(s);
	quit(c, s);
}

static void starttls(ctx *c, sess *s, const smtpc_reply *r)
{
	probe_addr *pa = s->pa;
	if (r->code != 220) {
		if (s->k == K_MAIN) {
			pa->starttls = PROBE_TLS_REFUSED;
			mail(c, s);
		} else {
			unknown(s);
			quit(c, s);
		}
		return;
	}
	/* Anything after the 220 was sent before TLS and must not be taken
	 * as a reply inside it (RFC 3207 5; the injection flaw). */
	char peek;
	if (s->inlen > 0 || recv(s->fd, &peek, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
		pa->injection = 1;
	s->inlen = 0;
	if (pa->injection) {
		char junk[512];
		while (recv(s->fd, junk, sizeof junk, MSG_DONTWAIT) > 0)
			;
	}
	if (tls_begin(c, s) < 0) {
		end_sess(s, 0);
		return;
	}
	s->st = S_HANDSHAKE;
	s->want = POLLOUT;
	set_deadline(c, s);
}

static void on_reply(ctx *c, sess *s, const smtpc_reply *r)
{
	probe_addr *pa = s->pa;
	switch (s->st) {
	case S_GREETING: greeting(c, s, r); break;
	case S_EHLO: ehlo(c, s, r); break;
	case S_STARTTLS: starttls(c, s, r); break;
	case S_EHLO2:
		s->pipelining = (r->ehlo & SMTPC_EHLO_PIPELINING) != 0;
		if (r->code == 250)
			mail(c, s);
		else
			quit(c, s);
		break;
	case S_MAIL:
		if (r->code / 100 == 2) {
			if (s->pipelined) {
				s->st = S_RCPT;      /* already sent */
				s->want = POLLIN;
			} else
				queue_cmd(c, s, S_RCPT, "RCPT TO:<postmaster@%s>\r\n", c->p->domain);
			break;
		}
		pa->pm_code = r->code;
		pa->pm_at_mail = 1;
		snprintf(pa->pm_text, sizeof pa->pm_text, "%s", r->text);
		if (s->pipelined) {
			s->st = S_SKIP;          /* the pipelined RCPT's reply */
			s->want = POLLIN;
		} else
			quit(c, s);
		break;
	case S_SKIP:
		quit(c, s);
		break;
	case S_RCPT:
		pa->pm_code = r->code;
		snprintf(pa->pm_text, sizeof pa->pm_text, "%s", r->text);
		quit(c, s);
		break;
	case S_QUIT:
		end_sess(s, 1);
		break;
	default:
		end_sess(s, 0);
		break;
	}
}

static void handshake(ctx *c, sess *s)
{
	probe_addr *pa = s->pa;
	ERR_clear_error();
	int r = SSL_do_handshake(s->ssl);
	if (r == 1) {
		s->tls = 1;
		tls_facts(c, s);
		if (s->k == K_MAIN) {
			pa->starttls = PROBE_TLS_OK;
			queue_cmd(c, s, S_EHLO2, "EHLO %s\r\n", c->o->helo);
		} else
			quit(c, s);
		return;
	}
	int e = SSL_get_error(s->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		s->want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		return;
	}
	if (s->k == K_MAIN) {
		unsigned long le = ERR_peek_last_error();
		pa->starttls = PROBE_TLS_FAILED;
		if (le)
			ERR_error_string_n(le, pa->tls_error, sizeof pa->tls_error);
		else
			snprintf(pa->tls_error, sizeof pa->tls_error, "the server closed the connection");
	}
	ERR_clear_error();
	/* A refused handshake is the answer of sessions 2 and 3. */
	end_sess(s, 1);
}

static void connected(sess *s)
{
	probe_addr *pa = s->pa;
	int err = 0;
	socklen_t el = sizeof err;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err) {
		if (s->k == K_MAIN)
			pa->tcp = tcp_errno(err);
		end_sess(s, 0);
		return;
	}
	if (s->k == K_MAIN) {
		pa->tcp = PROBE_TCP_OK;
		pa->connect_ms = (long)((now() - s->t0) * 1000 + 0.5);
	}
	s->st = S_GREETING;
	s->want = POLLIN;
}

static void eof(sess *s)
{
	/* A reset or close at the greeting is what rate limiting looks like. */
	if (s->st == S_GREETING)
		s->pa->rate_limited = 1;
	end_sess(s, s->st == S_QUIT);
}

static void drive(ctx *c, sess *s)
{
	for (int guard = 0; guard < 256 && s->active; guard++) {
		if (s->st == S_CONNECT) {
			connected(s);
			continue;
		}
		if (s->st == S_HANDSHAKE) {
			state before = s->st;
			short w = s->want;
			handshake(c, s);
			if (s->active && s->st == before && s->want == w && (w == POLLIN || w == POLLOUT))
				return;
			continue;
		}
		if (s->outlen) {
			int r = io_write(s);
			if (r < 0) {
				eof(s);
				return;
			}
			if (r == 0)
				return;
			continue;
		}
		smtpc_reply rep;
		size_t used = 0;
		smtpc_status ps = smtpc_parse(s->in, s->inlen, &rep, &used);
		if (ps == SMTPC_BAD) {
			end_sess(s, 0);
			return;
		}
		if (ps == SMTPC_DONE) {
			memmove(s->in, s->in + used, s->inlen - used);
			s->inlen -= used;
			set_deadline(c, s);
			on_reply(c, s, &rep);
			continue;
		}
		long r = io_read(s);
		if (r == -2)
			return;
		if (r <= 0) {
			eof(s);
			return;
		}
	}
}

static void timeout(sess *s)
{
	probe_addr *pa = s->pa;
	if (s->st != S_QUIT && s->k == K_MAIN) {
		pa->timed_out_step = 1;
		snprintf(pa->step, sizeof pa->step, "%s", step_names[s->st]);
		if (s->st == S_CONNECT)
			pa->tcp = PROBE_TCP_TIMEOUT;
		if (s->st == S_STARTTLS || s->st == S_HANDSHAKE) {
			pa->starttls = PROBE_TLS_FAILED;
			snprintf(pa->tls_error, sizeof pa->tls_error, "timeout in %s", step_names[s->st]);
		}
	}
	end_sess(s, s->st == S_QUIT);
}

/* The sessions after the first, from what the first showed. */
static void plan(ctx *c, sess *s)
{
	probe_addr *pa = s->pa;
	int max = c->o->deep ? PROBE_SESSIONS_DEEP : PROBE_SESSIONS;
	s->n_plan = s->next_plan = 0;
	if (pa->rate_limited || pa->tcp != PROBE_TCP_OK || pa->banner_code != 220)
		return;
	if (pa->starttls == PROBE_TLS_FAILED && pa->pm_code == 0)
		s->plan[s->n_plan++] = K_PLAIN;
	if (pa->starttls == PROBE_TLS_OK) {
		if (pa->tls_version >= TLS1_2_VERSION)
			s->plan[s->n_plan++] = K_LEGACY;
		if (c->weak_list[0])
			s->plan[s->n_plan++] = K_WEAK;
		else
			pa->weak_unknown = 1;
		if (c->o->deep) {
			s->plan[s->n_plan++] = K_DHE;
			s->plan[s->n_plan++] = K_ECDSA;
		}
	}
	if (s->n_plan > max - 1)
		s->n_plan = max - 1;
}

/* Starts the address's next session; 0 when there is none. */
static int next_session(ctx *c, sess *s)
{
	for (;;) {
		if (s->pa->rate_limited || s->next_plan >= s->n_plan) {
			/* Planned sessions that never ran leave their facts unknown. */
			for (; s->next_plan < s->n_plan; s->next_plan++) {
				s->k = (kind)s->plan[s->next_plan];
				unknown(s);
			}
			return 0;
		}
		s->k = (kind)s->plan[s->next_plan++];
		if (c->end - now() < 1) {
			unknown(s);
			continue;
		}
		if (start_connect(c, s) == 0)
			return 1;
		end_sess(s, 0);
	}
}

static void loop(ctx *c, sess *ss, size_t n)
{
	struct pollfd *pf = calloc(n ? n : 1, sizeof *pf);
	size_t *map = calloc(n ? n : 1, sizeof *map);
	if (pf == NULL || map == NULL)
		abort();
	for (;;) {
		size_t np = 0;
		double t = now(), first = c->end;
		for (size_t i = 0; i < n; i++) {
			if (!ss[i].active)
				continue;
			pf[np].fd = ss[i].fd;
			pf[np].events = ss[i].want;
			pf[np].revents = 0;
			map[np++] = i;
			if (ss[i].deadline < first)
				first = ss[i].deadline;
		}
		if (np == 0)
			break;
		int ms = first > t ? (int)((first - t) * 1000) + 1 : 0;
		if (poll(pf, np, ms) < 0 && errno != EINTR)
			break;
		t = now();
		for (size_t k = 0; k < np; k++) {
			sess *s = &ss[map[k]];
			int was_main = s->k == K_MAIN;
			if (pf[k].revents)
				drive(c, s);
			if (s->active && t >= s->deadline)
				timeout(s);
			if (!s->active) {
				if (was_main)
					plan(c, s);
				next_session(c, s);
			}
		}
	}
	free(pf);
	free(map);
}

void probe_run(probe *p, const probe_opts *o)
{
	double t0 = now();
	ctx c;
	memset(&c, 0, sizeof c);
	c.p = p;
	c.o = o;
	c.end = t0 + o->timeout;
	collect(p);
	p->ran = 1;
	/* A bogus TLSA RRset fails DANE before any connection. */
	for (size_t i = 0; i < p->n_addr; i++)
		for (size_t h = 0; h < p->n_host; h++)
			if (p->host[h].name == p->addr[i].host && p->host[h].tlsa &&
			    p->host[h].tlsa->sec == DNS_BOGUS)
				p->addr[i].dane = PROBE_DANE_BOGUS;
	if (p->n_addr == 0)
		return;
	if (ctx_init(&c, o, p->error, sizeof p->error) < 0) {
		p->ran = 0;
		SSL_CTX_free(c.ssl_ctx);
		X509_STORE_free(c.store);
		return;
	}
	sess *ss = calloc(p->n_addr, sizeof *ss);
	if (ss == NULL)
		abort();
	for (size_t i = 0; i < p->n_addr; i++) {
		sess *s = &ss[i];
		s->fd = -1;
		s->pa = &p->addr[i];
		for (size_t h = 0; h < p->n_host; h++)
			if (p->host[h].name == s->pa->host)
				s->host = &p->host[h];
		s->k = K_MAIN;
		if (start_connect(&c, s) < 0) {
			s->pa->tcp = tcp_errno(errno);
			end_sess(s, 0);
		}
	}
	loop(&c, ss, p->n_addr);
	for (size_t i = 0; i < p->n_addr; i++)
		close_sess(&ss[i]);
	free(ss);
	SSL_CTX_free(c.ssl_ctx);
	X509_STORE_free(c.store);
	p->seconds = now() - t0;
}
