/*
 * milter_bench: a small MTA side of the Sendmail milter protocol (version 6,
 * as Postfix speaks it: option negotiation, macros, connect ... end of
 * message, header modifications).  Two uses:
 *   - benchmark: N concurrent connections replay a corpus of RFC 5322
 *     messages to one milter or a chain of milters (each message's content
 *     goes through the chain in order and every milter sees the fields the
 *     earlier ones added, as Postfix's cleanup does); prints messages/s and
 *     the latency percentiles of whole sessions;
 *   - testing: -v prints the outcome of each message (reply, final header
 *     section), which lets shell tests send what miltertest cannot (header
 *     fields over 1 KB).
 * The wire format: 4-octet length in network order, one command octet,
 * data (libmilter's mfdef.h has the codes).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#define MB_MAX_MILTERS 4
#define MB_MAX_MACROS 16
#define MB_MAX_PACKET (16u << 20)   /* largest reply accepted */
#define MB_PROTO_VERSION 6
/* What Postfix 3.7 offers (libraries.md 5): every action and step. */
#define MB_OFFER_ACTIONS 0x1ffUL
#define MB_OFFER_STEPS 0x1fffffUL

typedef struct hdr {
	char *name, *value;              /* value as on the wire (leading space kept) */
} hdr;

typedef struct message {
	const char *path;
	hdr *h;
	size_t nh;
	char *body;                      /* CRLF line ends */
	size_t bodylen;
} message;

typedef struct options {
	const char *sock[MB_MAX_MILTERS];
	size_t nsock;
	unsigned conc, per_conn;
	unsigned long total;
	double duration;
	const char *addr, *host, *helo, *from, *rcpt;
	const char *macro_name[MB_MAX_MACROS], *macro_value[MB_MAX_MACROS];
	size_t nmacro;
	const char *qid_prefix;          /* queue ids are PREFIX + 8 hex digits */
	int verbose;
} options;

static options O = {
	.conc = 1, .per_conn = 1, .addr = "5.0.2.11", .host = "mx1.good.xtest",
	.helo = NULL, .from = NULL, .rcpt = "bob@example.net",
	.qid_prefix = "MB",
};
static message *M;
static size_t NM;
static atomic_ulong next_msg;
static double t_start;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct counts {
	unsigned long accept, reject, tempfail, discard, errors;
	double *lat;
	size_t nlat, caplat;
} counts;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL) {
		perror("malloc");
		exit(1);
	}
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

/* ---------- corpus ---------- */

static void load_message(const char *path, message *m)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	size_t cap = 65536, len = 0;
	char *buf = xmalloc(cap);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (buf == NULL)
				exit(1);
		}
	}
	fclose(f);
	memset(m, 0, sizeof *m);
	m->path = path;
	size_t i = 0, caph = 0;
	/* header section: fields until an empty line; continuation lines are
	 * joined with "\n" as Postfix sends them (CR dropped) */
	while (i < len) {
		size_t e = i;
		while (e < len && buf[e] != '\n')
			e++;
		size_t l = e - i;
		if (l && buf[i + l - 1] == '\r')
			l--;
		if (l == 0) {
			i = e + 1;
			break;
		}
		if ((buf[i] == ' ' || buf[i] == '\t') && m->nh) {
			hdr *h = &m->h[m->nh - 1];
			size_t ol = strlen(h->value);
			char *v = xmalloc(ol + 1 + l + 1);
			memcpy(v, h->value, ol);
			v[ol] = '\n';
			memcpy(v + ol + 1, buf + i, l);
			v[ol + 1 + l] = 0;
			free(h->value);
			h->value = v;
		} else {
			const char *colon = memchr(buf + i, ':', l);
			if (colon != NULL) {
				if (m->nh == caph) {
					caph = caph ? caph * 2 : 16;
					m->h = realloc(m->h, caph * sizeof *m->h);
					if (m->h == NULL)
						exit(1);
				}
				size_t nl = (size_t)(colon - (buf + i));
				m->h[m->nh].name = xstrndup(buf + i, nl);
				m->h[m->nh].value = xstrndup(colon + 1, l - nl - 1);
				m->nh++;
			}
		}
		i = e + 1;
	}
	/* body with CRLF line ends */
	m->body = xmalloc((len - (i < len ? i : len)) * 2 + 1);
	for (; i < len; i++) {
		if (buf[i] == '\n' && (m->bodylen == 0 || m->body[m->bodylen - 1] != '\r'))
			m->body[m->bodylen++] = '\r';
		m->body[m->bodylen++] = buf[i];
	}
	free(buf);
}

static const char *find_hdr(const message *m, const char *name)
{
	for (size_t i = 0; i < m->nh; i++)
		if (strcasecmp(m->h[i].name, name) == 0)
			return m->h[i].value;
	return NULL;
}

/* ---------- wire ---------- */

typedef struct mconn {
	unsigned long actions, steps;
	int fd;
	int done;                        /* accepted or rejected this message */
} mconn;

/* Writes every iovec; advances v[] in place. */
static int write_all(int fd, struct iovec *v, int n)
{
	int i = 0;
	while (i < n) {
		ssize_t w = writev(fd, v + i, n - i);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (i < n && (size_t)w >= v[i].iov_len) {
			w -= (ssize_t)v[i].iov_len;
			i++;
		}
		if (i < n) {
			v[i].iov_base = (char *)v[i].iov_base + w;
			v[i].iov_len -= (size_t)w;
		}
	}
	return 0;
}

static int send_pkt(mconn *c, char cmd, const void *data, size_t len)
{
	uint32_t l = htonl((uint32_t)(len + 1));
	struct iovec v[3] = {
		{ &l, 4 }, { &cmd, 1 }, { (void *)data, len },
	};
	return write_all(c->fd, v, len ? 3 : 2);
}

static int read_all(int fd, void *p, size_t n)
{
	char *b = p;
	while (n) {
		ssize_t r = read(fd, b, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Reads one packet; *data is malloc'ed (NUL-terminated). */
static int read_pkt(mconn *c, char *cmd, char **data, size_t *len)
{
	uint32_t l;
	if (read_all(c->fd, &l, 4) < 0)
		return -1;
	l = ntohl(l);
	if (l == 0 || l > MB_MAX_PACKET)
		return -1;
	char *b = xmalloc(l + 1);
	if (read_all(c->fd, b, l) < 0) {
		free(b);
		return -1;
	}
	b[l] = 0;
	*cmd = b[0];
	memmove(b, b + 1, l - 1);
	b[l - 1] = 0;
	*data = b;
	*len = l - 1;
	return 0;
}

/* A growable packet body. */
typedef struct pbuf {
	char *p;
	size_t len, cap;
} pbuf;

static void pb_add(pbuf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			exit(1);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void pb_str(pbuf *b, const char *s)
{
	pb_add(b, s, strlen(s) + 1);
}

static int connect_spec(const char *spec)
{
	int fd = -1;
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		struct sockaddr_un sa;
		const char *path = strchr(spec, ':') + 1;
		memset(&sa, 0, sizeof sa);
		sa.sun_family = AF_UNIX;
		if (strlen(path) >= sizeof sa.sun_path)
			return -1;
		memcpy(sa.sun_path, path, strlen(path) + 1);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
			close(fd);
			fd = -1;
		}
		return fd;
	}
	/* inet:PORT@HOST, inet6:PORT@HOST */
	const char *p = strchr(spec, ':'), *at = p ? strchr(p, '@') : NULL;
	if (p == NULL || at == NULL)
		return -1;
	char port[16], host[128];
	if ((size_t)(at - p - 1) >= sizeof port || strlen(at + 1) >= sizeof host)
		return -1;
	memcpy(port, p + 1, (size_t)(at - p - 1));
	port[at - p - 1] = 0;
	snprintf(host, sizeof host, "%s", at + 1);
	struct addrinfo hints, *ai, *a;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* The outcome of one message over the chain. */
typedef struct outcome {
	char result;                     /* 'c'/'a' accepted, 'r', 't', 'd', 'y', 'E' error */
	char reply[512];
	hdr *h;                          /* the final header section */
	size_t nh, caph;
} outcome;

static void out_free(outcome *o)
{
	for (size_t i = 0; i < o->nh; i++) {
		free(o->h[i].name);
		free(o->h[i].value);
	}
	free(o->h);
	o->h = NULL;
	o->nh = o->caph = 0;
}

static void out_insert(outcome *o, size_t idx, const char *name, const char *value)
{
	if (o->nh == o->caph) {
		o->caph = o->caph ? o->caph * 2 : 32;
		o->h = realloc(o->h, o->caph * sizeof *o->h);
		if (o->h == NULL)
			exit(1);
	}
	if (idx > o->nh)
		idx = o->nh;
	if (o->nh > idx)
		memmove(o->h + idx + 1, o->h + idx, (o->nh - idx) * sizeof *o->h);
	o->h[idx].name = xstrndup(name, strlen(name));
	o->h[idx].value = xstrndup(value, strlen(value));
	o->nh++;
}

/* smfi_chgheader semantics: the idx-th (1-based) field called name; an
 * empty value deletes it. */
static void out_change(outcome *o, unsigned idx, const char *name, const char *value)
{
	unsigned n = 0;
	for (size_t i = 0; i < o->nh; i++) {
		if (strcasecmp(o->h[i].name, name) != 0 || ++n != idx)
			continue;
		if (*value == 0) {
			free(o->h[i].name);
			free(o->h[i].value);
			memmove(o->h + i, o->h + i + 1, (o->nh - i - 1) * sizeof *o->h);
			o->nh--;
		} else {
			free(o->h[i].value);
			o->h[i].value = xstrndup(value, strlen(value));
		}
		return;
	}
	if (*value)
		out_insert(o, o->nh, name, value);
}

/* Reads replies until a final one.  Modifications (only at end of message)
 * are applied to o.  Returns the final code or 'E'. */
static char await(mconn *c, outcome *o)
{
	for (;;) {
		char cmd, *d;
		size_t len;
		if (read_pkt(c, &cmd, &d, &len) < 0)
			return 'E';
		switch (cmd) {
		case SMFIR_PROGRESS:
		case SMFIR_QUARANTINE:
		case SMFIR_ADDRCPT:
		case SMFIR_DELRCPT:
		case SMFIR_ADDRCPT_PAR:
		case SMFIR_CHGFROM:
		case SMFIR_REPLBODY:
			break;
		case SMFIR_ADDHEADER: {
			const char *v = d + strnlen(d, len) + 1;
			if (o && (size_t)(v - d) <= len)
				out_insert(o, o->nh, d, v);
			break;
		}
		case SMFIR_INSHEADER:
		case SMFIR_CHGHEADER: {
			if (len < 5)
				break;
			uint32_t idx;
			memcpy(&idx, d, 4);
			idx = ntohl(idx);
			const char *n = d + 4, *v = n + strnlen(n, len - 4) + 1;
			if (o && (size_t)(v - d) <= len) {
				if (cmd == SMFIR_INSHEADER)
					out_insert(o, idx, n, v);
				else
					out_change(o, idx, n, v);
			}
			break;
		}
		case SMFIR_REPLYCODE:
			if (o)
				snprintf(o->reply, sizeof o->reply, "%s", d);
			cmd = d[0] == '4' ? 't' : d[0] == '5' ? 'r' : 'y';
			free(d);
			return cmd;
		case SMFIR_CONTINUE:
		case SMFIR_ACCEPT:
		case SMFIR_REJECT:
		case SMFIR_TEMPFAIL:
		case SMFIR_DISCARD:
		case SMFIR_SKIP:
			free(d);
			return cmd;
		default:
			free(d);
			return 'E';
		}
		free(d);
	}
}

/* Sends one command; waits for the reply unless the milter said it sends
 * none (nr_flag) or asked not to get the command at all (no_flag). */
static char step(mconn *c, char cmd, const void *d, size_t len,
    unsigned long no_flag, unsigned long nr_flag, outcome *o)
{
	if (c->done || (no_flag && (c->steps & no_flag)))
		return 'c';
	if (send_pkt(c, cmd, d, len) < 0)
		return 'E';
	if (nr_flag && (c->steps & nr_flag))
		return 'c';
	return await(c, o);
}

static int macro(mconn *c, char stage, const char *const *kv, size_t n)
{
	pbuf b = { 0 };
	pb_add(&b, &stage, 1);
	for (size_t i = 0; i < n; i++)
		pb_str(&b, kv[i]);
	int r = send_pkt(c, SMFIC_MACRO, b.p, b.len);
	free(b.p);
	return r;
}

static int negotiate(mconn *c)
{
	uint32_t v[3] = { htonl(MB_PROTO_VERSION), htonl(MB_OFFER_ACTIONS), htonl(MB_OFFER_STEPS) };
	char cmd, *d;
	size_t len;
	if (send_pkt(c, SMFIC_OPTNEG, v, sizeof v) < 0 || read_pkt(c, &cmd, &d, &len) < 0)
		return -1;
	if (cmd != SMFIC_OPTNEG || len < 12) {
		free(d);
		return -1;
	}
	memcpy(v, d, sizeof v);
	c->actions = ntohl(v[1]);
	c->steps = ntohl(v[2]);
	free(d);
	return 0;
}

/* Opens one connection per milter of the chain and sends the connect and
 * HELO stages. */
static int session_open(mconn *c, char *err, size_t errlen)
{
	int v6 = strchr(O.addr, ':') != NULL;
	for (size_t i = 0; i < O.nsock; i++) {
		memset(&c[i], 0, sizeof c[i]);
		c[i].fd = connect_spec(O.sock[i]);
		if (c[i].fd < 0 || negotiate(&c[i]) < 0) {
			snprintf(err, errlen, "%s: connect/negotiate: %s", O.sock[i], strerror(errno));
			for (size_t j = 0; j <= i; j++)
				if (c[j].fd >= 0)
					close(c[j].fd);
			return -1;
		}
		const char *kv[4 + 2 * MB_MAX_MACROS] = { "j", "mx.test.example",
			"{client_addr}", O.addr };
		size_t n = 4;
		for (size_t k = 0; k < O.nmacro; k++) {
			kv[n++] = O.macro_name[k];
			kv[n++] = O.macro_value[k];
		}
		pbuf b = { 0 };
		char fam = v6 ? '6' : '4';
		uint16_t port = htons(40000);
		pb_str(&b, O.host);
		pb_add(&b, &fam, 1);
		pb_add(&b, &port, 2);
		pb_str(&b, O.addr);
		char r = 'c';
		if (macro(&c[i], SMFIC_CONNECT, kv, n) < 0)
			r = 'E';
		else
			r = step(&c[i], SMFIC_CONNECT, b.p, b.len, SMFIP_NOCONNECT, SMFIP_NR_CONN, NULL);
		free(b.p);
		if (r == 'c') {
			const char *helo = O.helo ? O.helo : O.host;
			r = step(&c[i], SMFIC_HELO, helo, strlen(helo) + 1, SMFIP_NOHELO, SMFIP_NR_HELO, NULL);
		}
		if (r != 'c') {
			snprintf(err, errlen, "%s: connect/helo refused (%c)", O.sock[i], r);
			for (size_t j = 0; j <= i; j++)
				close(c[j].fd);
			return -1;
		}
	}
	return 0;
}

static void session_close(mconn *c)
{
	for (size_t i = 0; i < O.nsock; i++) {
		send_pkt(&c[i], SMFIC_QUIT, NULL, 0);
		close(c[i].fd);
	}
}

/* One message over the chain.  Returns the outcome's result. */
static char one_message(mconn *c, const message *m, const char *qid, outcome *o)
{
	char from[400];
	const char *rp = O.from;
	if (rp == NULL) {   /* envelope sender: Return-Path, else the From address */
		const char *f = find_hdr(m, "Return-Path");
		if (f == NULL)
			f = find_hdr(m, "From");
		const char *lt = f ? strchr(f, '<') : NULL;
		if (lt) {
			const char *gt = strchr(lt, '>');
			snprintf(from, sizeof from, "%.*s", gt ? (int)(gt - lt + 1) : 1, lt);
		} else
			snprintf(from, sizeof from, "<%s>", f ? f + strspn(f, " \t") : "");
		rp = from;
	}
	memset(o, 0, sizeof *o);
	for (size_t i = 0; i < m->nh; i++)
		out_insert(o, o->nh, m->h[i].name, m->h[i].value);
	const char *mk[] = { "i", qid, "{mail_addr}", rp };
	char r = 'c';
	/* envelope stages: each milter in turn, as smtpd does */
	for (size_t i = 0; i < O.nsock && r == 'c'; i++) {
		c[i].done = 0;
		char rcpt[400];
		snprintf(rcpt, sizeof rcpt, "<%s>", O.rcpt);
		if (macro(&c[i], SMFIC_MAIL, mk, 4) < 0)
			r = 'E';
		else
			r = step(&c[i], SMFIC_MAIL, rp, strlen(rp) + 1, SMFIP_NOMAIL, SMFIP_NR_MAIL, NULL);
		if (r == 'c')
			r = step(&c[i], SMFIC_RCPT, rcpt, strlen(rcpt) + 1, SMFIP_NORCPT, SMFIP_NR_RCPT, NULL);
		if (r == 'c')
			r = step(&c[i], SMFIC_DATA, NULL, 0, SMFIP_NODATA, SMFIP_NR_DATA, NULL);
		if (r == 'a') {
			c[i].done = 1;
			r = 'c';
		}
	}
	/* content: milter by milter, each seeing the fields added before it */
	for (size_t i = 0; i < O.nsock && r == 'c'; i++) {
		mconn *k = &c[i];
		const char *ek[] = { "i", qid };
		int leadspc = (k->steps & SMFIP_HDR_LEADSPC) != 0;
		for (size_t h = 0; h < o->nh && r == 'c' && !k->done; h++) {
			pbuf b = { 0 };
			const char *v = o->h[h].value;
			if (!leadspc && *v == ' ')
				v++;
			pb_str(&b, o->h[h].name);
			pb_str(&b, v);
			r = step(k, SMFIC_HEADER, b.p, b.len, SMFIP_NOHDRS, SMFIP_NR_HDR, NULL);
			free(b.p);
		}
		if (r == 'c' && macro(k, SMFIC_EOH, ek, 2) < 0)
			r = 'E';
		if (r == 'c')
			r = step(k, SMFIC_EOH, NULL, 0, SMFIP_NOEOH, SMFIP_NR_EOH, NULL);
		for (size_t off = 0; off < m->bodylen && r == 'c'; off += MILTER_CHUNK_SIZE) {
			size_t n = m->bodylen - off < MILTER_CHUNK_SIZE ? m->bodylen - off : MILTER_CHUNK_SIZE;
			r = step(k, SMFIC_BODY, m->body + off, n, SMFIP_NOBODY, SMFIP_NR_BODY, NULL);
		}
		if (r == 's')
			r = 'c';
		if (r == 'a') {
			k->done = 1;
			r = 'c';
		}
		if (r == 'c' && !k->done) {
			if (macro(k, SMFIC_BODYEOB, ek, 2) < 0 || send_pkt(k, SMFIC_BODYEOB, NULL, 0) < 0)
				r = 'E';
			else
				r = await(k, o);
			if (r == 'a')
				r = 'c';
		}
	}
	if (r != 'c' && r != 'E')   /* rejected: the others forget the message */
		for (size_t i = 0; i < O.nsock; i++)
			send_pkt(&c[i], SMFIC_ABORT, NULL, 0);
	o->result = r;
	return r;
}

static void print_outcome(const message *m, const char *qid, const outcome *o)
{
	const char *res = o->result == 'c' ? "accept" : o->result == 'r' ? "reject" :
	    o->result == 't' ? "tempfail" : o->result == 'd' ? "discard" : "error";
	pthread_mutex_lock(&out_lock);
	printf("message=%s qid=%s result=%s reply=\"%s\"\n", m->path, qid, res, o->reply);
	for (size_t i = 0; i < o->nh; i++) {
		printf("header: %s:", o->h[i].name);
		for (const char *p = o->h[i].value; *p; p++)
			if (*p == '\n')
				fputs("\\n", stdout);
			else if ((unsigned char)*p < 0x20 && *p != '\t')
				printf("\\x%02x", (unsigned char)*p);
			else
				putchar(*p);
		putchar('\n');
	}
	printf("end\n");
	pthread_mutex_unlock(&out_lock);
}

static void count(counts *ct, char r, double lat)
{
	switch (r) {
	case 'c': ct->accept++; break;
	case 'r': ct->reject++; break;
	case 't': ct->tempfail++; break;
	case 'd': ct->discard++; break;
	default: ct->errors++; return;
	}
	if (ct->nlat == ct->caplat) {
		ct->caplat = ct->caplat ? ct->caplat * 2 : 1024;
		ct->lat = realloc(ct->lat, ct->caplat * sizeof *ct->lat);
		if (ct->lat == NULL)
			exit(1);
	}
	ct->lat[ct->nlat++] = lat;
}

/* Takes the next message number, or -1 when the run is over. */
static long take(void)
{
	unsigned long i = atomic_fetch_add(&next_msg, 1);
	if (O.duration > 0)
		return now() - t_start < O.duration ? (long)i : -1;
	return i < O.total ? (long)i : -1;
}

static void *worker(void *arg)
{
	counts *ct = arg;
	mconn c[MB_MAX_MILTERS];
	char err[512];
	long i;
	while ((i = take()) >= 0) {
		double t0 = now();
		if (session_open(c, err, sizeof err) < 0) {
			if (O.verbose)
				fprintf(stderr, "milter_bench: %s\n", err);
			ct->errors++;
			usleep(10000);
			continue;
		}
		for (unsigned k = 0; k < O.per_conn && i >= 0; k++) {
			const message *m = &M[(size_t)i % NM];
			char qid[48];
			outcome o;
			snprintf(qid, sizeof qid, "%.16s%08lX", O.qid_prefix, (unsigned long)i);
			char r = one_message(c, m, qid, &o);
			count(ct, r, now() - t0);
			if (O.verbose)
				print_outcome(m, qid, &o);
			out_free(&o);
			if (r == 'E')
				break;
			if (k + 1 < O.per_conn) {
				i = take();
				t0 = now();
			}
		}
		session_close(c);
	}
	return NULL;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted v[n]. */
static double pct(const double *v, size_t n, unsigned p)
{
	if (n == 0)
		return 0;
	size_t r = (n * p + 99) / 100;
	return v[r ? r - 1 : 0];
}

static void usage(void)
{
	fprintf(stderr,
	    "usage: milter_bench -s SOCKET [-s SOCKET2 ...] [-c CONC] [-n MESSAGES | -d SECONDS]\n"
	    "        [-k PER_CONNECTION] [-a CLIENT_ADDR] [-H CLIENT_NAME] [-e HELO]\n"
	    "        [-f SENDER] [-r RCPT] [-m NAME=VALUE]... [-q QID_PREFIX] [-v] MESSAGE_FILE...\n"
	    "  SOCKET: unix:PATH | inet:PORT@HOST | inet6:PORT@HOST; several form a chain\n"
	    "  -m: an extra connect-stage macro, e.g. -m '{client_resolve}=OK'\n"
	    "  -v: print each message's outcome and final header section\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int ch;
	while ((ch = getopt(argc, argv, "s:c:n:d:k:a:H:e:f:r:m:q:v")) != -1) {
		switch (ch) {
		case 's':
			if (O.nsock == MB_MAX_MILTERS)
				usage();
			O.sock[O.nsock++] = optarg;
			break;
		case 'c': O.conc = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': O.total = strtoul(optarg, NULL, 10); break;
		case 'd': O.duration = strtod(optarg, NULL); break;
		case 'k': O.per_conn = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'a': O.addr = optarg; break;
		case 'H': O.host = optarg; break;
		case 'e': O.helo = optarg; break;
		case 'f': O.from = optarg; break;
		case 'r': O.rcpt = optarg; break;
		case 'm': {
			char *eq = strchr(optarg, '=');
			if (eq == NULL || O.nmacro == MB_MAX_MACROS)
				usage();
			*eq = 0;
			O.macro_name[O.nmacro] = optarg;
			O.macro_value[O.nmacro++] = eq + 1;
			break;
		}
		case 'q': O.qid_prefix = optarg; break;
		case 'v': O.verbose = 1; break;
		default: usage();
		}
	}
	if (O.nsock == 0 || optind == argc || O.conc == 0 || O.per_conn == 0)
		usage();
	NM = (size_t)(argc - optind);
	M = calloc(NM, sizeof *M);
	if (M == NULL)
		return 1;
	for (size_t i = 0; i < NM; i++)
		load_message(argv[optind + (int)i], &M[i]);
	if (O.total == 0 && O.duration <= 0)
		O.total = NM;

	pthread_t *th = xmalloc(O.conc * sizeof *th);
	counts *ct = calloc(O.conc, sizeof *ct);
	if (ct == NULL) {
		free(th);
		return 1;
	}
	t_start = now();
	for (unsigned i = 0; i < O.conc; i++)
		if (pthread_create(&th[i], NULL, worker, &ct[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
	counts all = { 0 };
	for (unsigned i = 0; i < O.conc; i++) {
		pthread_join(th[i], NULL);
		all.accept += ct[i].accept;
		all.reject += ct[i].reject;
		all.tempfail += ct[i].tempfail;
		all.discard += ct[i].discard;
		all.errors += ct[i].errors;
		for (size_t j = 0; j < ct[i].nlat; j++)
			count(&all, 'c', ct[i].lat[j]);
		free(ct[i].lat);
	}
	double secs = now() - t_start;
	all.accept -= all.nlat;   /* count() above added them again */
	if (all.nlat)
		qsort(all.lat, all.nlat, sizeof *all.lat, cmp_d);
	double p50 = pct(all.lat, all.nlat, 50), p99 = pct(all.lat, all.nlat, 99);
	double mx = all.nlat ? all.lat[all.nlat - 1] : 0;
	printf("messages=%zu seconds=%.3f rate=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f "
	    "accept=%lu reject=%lu tempfail=%lu discard=%lu errors=%lu concurrency=%u\n",
	    all.nlat, secs, secs > 0 ? (double)all.nlat / secs : 0, p50 * 1e3, p99 * 1e3, mx * 1e3,
	    all.accept, all.reject, all.tempfail, all.discard, all.errors, O.conc);
	free(all.lat);
	free(th);
	free(ct);
	for (size_t i = 0; i < NM; i++) {
		for (size_t j = 0; j < M[i].nh; j++) {
			free(M[i].h[j].name);
			free(M[i].h[j].value);
		}
		free(M[i].h);
		free(M[i].body);
	}
	free(M);
	return all.errors ? 1 : 0;
}
