/*
 * mxready-responder: the autoresponder of the IPv6 mail test, run by
 * Postfix's pipe(8) (conf/master.cf.responder) once per message.
 *   test mode: a mail to the IPv6-only test address -> reply A (dual-stack
 *              identity, envelope <>) and reply B (IPv6-only identity,
 *              envelope bounce+TOKEN@dual-domain), RFC 3834 rules first;
 *   dsn mode:  a DSN to bounce+TOKEN -> token checked, RFC 3464 report
 *              parsed, failure forwarded once ("You are not receiving
 *              e-mails over IPv6!"), a delay announced once.
 * One log line per decision.  Exit 0 also for suppressed and dropped mail
 * (no bounce to strangers); 75 (EX_TEMPFAIL) only for our own temporary
 * failures, so that Postfix retries.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <openssl/rand.h>

#include "../daemon/conf.h"
#include "../daemon/proc.h"
#include "dns.h"
#include "dsn.h"
#include "ready.h"
#include "rconf.h"
#include "rmail.h"
#include "rpolicy.h"
#include "rprobe.h"
#include "rstore.h"
#include "rstore_lmdb.h"
#include "rstore_redis.h"
#include "rsubmit.h"
#include "token.h"
#include "../daemon/vlog.h"

#define EX_OK_ 0
#define EX_USAGE_ 64
#define EX_CONFIG_ 78
#define EX_TEMPFAIL_ 75
#define RESP_HDR_MAX 2048           /* a header value we look at */

typedef struct opts {
	const char *conf_path, *rconf_path, *mode;
	const char *sender, *client_addr, *client_name, *helo, *qid, *rcpt;
} opts;

#ifndef MXR_VERSION
#define MXR_VERSION "unknown"   /* set by the Makefile from debian/changelog */
#endif

static void usage(void)
{
	fprintf(stderr, "usage: mxready-responder [-c mxready.conf] -r responder.conf\n"
	    "         [-f SENDER] [-a CLIENT_ADDR] [-N CLIENT_NAME] [-H HELO] [-q QUEUE_ID] test\n"
	    "       mxready-responder [-c mxready.conf] -r responder.conf -t RECIPIENT [-q QUEUE_ID] dsn\n"
	    "       mxready-responder [-c mxready.conf] [-r responder.conf] -t | -n | -V | --version\n"
	    "  (without test/dsn) -t checks both files and what start-up needs, -n prints\n"
	    "  the effective settings, -V the version; see mxready-responder(8)\n");
}

/* A file named by a setting must be readable: 0, or -1 with err set. */
static int readable(const char *name, const char *path, char *err, size_t errlen)
{
	if (path[0] && access(path, R_OK) != 0) {
		snprintf(err, errlen, "%s: %s: %s", name, path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The administrator's modes (no test/dsn operand): -t, -n, -V.  Exit
 * codes: 0, 64 usage, 78 configuration error (message on stderr). */
static int admin_main(int argc, char **argv)
{
	const char *cpath = "/etc/mxready/mxready.conf", *rpath = "/etc/mxready/responder.conf";
	int ch, check = 0, print = 0, explicit_conf = 0, rc = 0;
	char err[1024];
	unsigned char key[256];
	if (argc == 2 && strcmp(argv[1], "--version") == 0)
		argv[1] = "-V";
	while ((ch = getopt(argc, argv, "c:r:tnVh")) != -1)
		switch (ch) {
		case 'c': cpath = optarg; explicit_conf = 1; break;
		case 'r': rpath = optarg; break;
		case 't': check = 1; break;
		case 'n': print = 1; break;
		case 'V': puts("mxready-responder " MXR_VERSION); return 0;
		case 'h': usage(); return 0;
		default: usage(); return EX_USAGE_;
		}
	if (optind != argc || (!check && !print)) {
		usage();
		return EX_USAGE_;
	}
	conf *c = conf_new();
	rconf *r = rconf_new();
	if ((explicit_conf || access(cpath, F_OK) == 0) && conf_load(c, cpath, err, sizeof err) < 0)
		rc = EX_CONFIG_;
	else if (rconf_load(r, rpath, err, sizeof err) < 0)
		rc = EX_CONFIG_;
	else if (check && (proc_check(c, err, sizeof err) < 0 ||
	    token_load_key(r->token_secret, key, sizeof key, err, sizeof err) < 0 ||
	    readable("dkim_dual_key", r->dkim_dual_key, err, sizeof err) < 0 ||
	    readable("dkim_v6_key", r->dkim_v6_key, err, sizeof err) < 0))
		rc = EX_CONFIG_;
	OPENSSL_cleanse(key, sizeof key);
	if (rc == 0 && print) {
		conf_print(c, stdout);
		printf("# %s\nv6only_address = %s\ndual_address = %s\ntoken_secret = %s\n"
		    "state_dir = %s\nsubmit = %s\n", rpath, r->v6only_address, r->dual_address,
		    r->token_secret, r->state_dir, r->submit);
	}
	if (rc != 0)
		fprintf(stderr, "mxready-responder: %s\n", err);
	else if (check)
		fprintf(stderr, "mxready-responder: configuration %s and %s OK\n", cpath, rpath);
	rconf_free(r);
	conf_free(c);
	return rc;
}

/* Reads stdin up to max octets; the rest is read and discarded (so that
 * pipe(8) sees the whole message taken).  *over is set if there was more. */
static char *read_input(size_t max, size_t *len, int *over)
{
	size_t cap = 65536, n = 0;
	char *b = malloc(cap + 1), junk[65536];

	*over = 0;
	if (b == NULL)
		return NULL;
	for (;;) {
		size_t want, got;
		if (n == cap && cap < max + 1) {
			size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = realloc(b, nc + 1);
			if (nb == NULL) {
				free(b);
				return NULL;
			}
			b = nb;
			cap = nc;
		}
		if (n >= max + 1)
			break;
		want = (cap < max + 1 ? cap : max + 1) - n;
		got = fread(b + n, 1, want, stdin);
		n += got;
		if (got < want)
			break;
	}
	if (n > max) {
		*over = 1;
		n = max;
		while (fread(junk, 1, sizeof junk, stdin) > 0)
			;
	}
	b[n] = 0;
	*len = n;
	return b;
}

/* Trims and unfolds a raw header value into out. */
static void hval(const char *raw, char *out, size_t outlen)
{
	size_t o = 0;
	int sp = 1;
	for (; raw && *raw && o + 1 < outlen; raw++) {
		char c = *raw;
		if (c == '\r' || c == '\n')
			continue;
		if (c == '\t')
			c = ' ';
		if (c == ' ' && sp)
			continue;
		sp = c == ' ';
		out[o++] = c;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = 0;
}

/* Reply ids feed the bounce tokens: no weak fallback if the CSPRNG fails. */
static int random_id(char *out, size_t outlen)
{
	unsigned char r[RMAIL_ID_LEN / 2];
	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	for (size_t i = 0; i < sizeof r && 2 * i + 2 < outlen; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return 0;
}

typedef struct ctx {
	conf *c;
	rconf *rc;
	rstore *st;
	opts o;
	unsigned char key[TOKEN_KEY_MAX];
	size_t keylen;
} ctx;

/* What the responder takes from a test mail: the envelope sender and the
 * header fields the rules and the report need. */
typedef struct test_mail {
	char sender[RPOLICY_ADDR_MAX + 1];  /* envelope sender as given, "" for <> */
	char msgid[RESP_HDR_MAX], subject[RESP_HDR_MAX], tls[RESP_HDR_MAX];
	unsigned fields;                    /* RPOLICY_F_* of all header fields */
	int seen_received;
	int over;                           /* over max_message_size: header only */
	rpolicy_auth auth;
} test_mail;

/* What the decision step granted: the reply id, the bounce token of reply
 * B when it could be made, and the limits charged (to give them back when
 * no reply could be handed over). */
typedef struct grant {
	char id[RMAIL_ID_LEN + 1];
	char tok[TOKEN_TEXT_LEN + 1];
	int token_ok;
	time_t now;
	char ka[RSTORE_KEY_MAX], kd[RSTORE_KEY_MAX], kc[RSTORE_KEY_MAX];
	rstore_limit lim[4];
} grant;

/* Postfix: "(using TLSv1.3 with cipher NAME (256/256 bits) ...)" in our
 * own (topmost) Received field. */
static void tls_of_received(const char *raw, char *tls, size_t tlslen)
{
	char v[RESP_HDR_MAX];
	const char *u;

	hval(raw, v, sizeof v);
	if ((u = strstr(v, "(using ")) != NULL) {
		size_t k = strcspn(u + 7, "()");
		while (k && u[7 + k - 1] == ' ')
			k--;
		snprintf(tls, tlslen, "%.*s", (int)k, u + 7);
	}
}

/* Step 1, parse: reads one header field of the test mail into tm. */
static void read_field(ctx *x, test_mail *tm, const char *name, const char *raw)
{
	/* every Auto-Submitted, Precedence and List-* field counts */
	tm->fields |= rpolicy_field(name, raw, strlen(raw));
	if (strcasecmp(name, "Message-ID") == 0 && tm->msgid[0] == 0)
		hval(raw, tm->msgid, sizeof tm->msgid);
	else if (strcasecmp(name, "Authentication-Results") == 0)
		rpolicy_auth_parse(raw, strlen(raw), x->c->authserv_id, &tm->auth);
	else if (strcasecmp(name, "Received") == 0 && !tm->seen_received) {
		tm->seen_received = 1;
		tls_of_received(raw, tm->tls, sizeof tm->tls);
	}
}

/* Step 1, parse: the envelope sender and the header of the test mail (msg,
 * len: the header only when the mail was over the size bound, over set). */
static void parse_test_mail(ctx *x, const char *msg, size_t len, int over, test_mail *tm)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(msg, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);

	memset(tm, 0, sizeof *tm);
	rpolicy_auth_init(&tm->auth);
	snprintf(tm->sender, sizeof tm->sender, "%s", x->o.sender ? x->o.sender : "");
	if (strlen(x->o.sender ? x->o.sender : "") > RPOLICY_ADDR_MAX)
		snprintf(tm->sender, sizeof tm->sender, "%s", "\x01too-long");
	if (m != NULL) {
		GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
		int n = g_mime_header_list_get_count(hl);
		const char *s;
		for (int i = 0; i < n; i++) {
			GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
			const char *name = g_mime_header_get_name(h), *raw = g_mime_header_get_raw_value(h);
			if (name != NULL && raw != NULL)
				read_field(x, tm, name, raw);
		}
		if (!over && (s = g_mime_message_get_subject(m)) != NULL)
			snprintf(tm->subject, sizeof tm->subject, "%s", s);
		g_object_unref(m);
	}
	g_object_unref(parser);
	g_object_unref(stream);
}

/* Step 2, decide: the RFC 3834 and backscatter rules (rpolicy). */
static rpolicy_reason decide_policy(const ctx *x, const test_mail *tm)
{
	rpolicy_input in = { 0 };

	in.sender = tm->sender;
	in.fields = tm->fields;
	in.our_domains = (const char (*)[256])x->rc->our_domains;
	in.n_our_domains = x->rc->n_our_domains;
	in.auth = &tm->auth;
	in.backscatter_reply = x->rc->backscatter == RCONF_BACKSCATTER_REPLY;
	return rpolicy_decide(&in);
}

static int log_end(vlog_line *l, const char *decision, const char *reason, int rc)
{
	vlog_add(l, "decision", decision);
	vlog_add(l, "reason", reason);
	vlog_emit(l);
	return rc;
}

/* A failed state store: the decision is "deferred" (exit 75), never "no
 * limit" or "no history"; the store's own words go to a second line. */
static int store_defer(ctx *x, vlog_line *l, rstore_status st)
{
	char reason[48];
	snprintf(reason, sizeof reason, "state-store-%s", rstore_status_str(st));
	vlog_msg(LOG_ERR, "%s: state store %s: %s", x->o.qid ? x->o.qid : "NOQUEUE", rstore_status_str(st),
	    rstore_error(x->st));
	return log_end(l, "deferred", reason, EX_TEMPFAIL_);
}

/* Step 2, decide (the state seam): draws the reply id, then in one step of
 * the store checks the rate limits (sliding windows; keys an attacker
 * cannot vary, rstore_key_*: case-folded, without +tag, the organizational
 * domain, the client's /64, although the reply goes to the address as
 * written, RFC 5321 2.4), charges them and records the reply with its
 * sender for the bounce path (the token of reply B).  Returns -1 when
 * granted (g filled), else the exit status after logging the decision
 * (suppressed: rate limit; deferred: state store or CSPRNG).  run_test
 * gives the charges back (rstore_release) if no reply is handed over. */
static int grant_reply(ctx *x, const char *sender, grant *g, vlog_line *l)
{
	static const char *const names[] = { "address", "domain", "client", "total" };
	rstore_status st;
	size_t hit = 0;

	memset(g, 0, sizeof *g);
	if (rstore_key_address(sender, g->ka, sizeof g->ka) < 0 || rstore_key_domain(sender, g->kd, sizeof g->kd) < 0)
		return log_end(l, "suppressed", "bad-sender", EX_OK_);   /* rpolicy_sender_ok let it by */
	rstore_key_client(x->o.client_addr, x->rc->ipv6_client_prefix, g->kc, sizeof g->kc);
	g->lim[0] = (rstore_limit){ g->ka, x->rc->rate_per_address, 86400 };
	g->lim[1] = (rstore_limit){ g->kd, x->rc->rate_per_domain, 86400 };
	g->lim[2] = (rstore_limit){ g->kc, x->rc->rate_per_client, 86400 };
	g->lim[3] = (rstore_limit){ "t:total", x->rc->rate_total, 3600 };
	if (random_id(g->id, sizeof g->id) < 0)
		return log_end(l, "deferred", "no-random-id", EX_TEMPFAIL_);
	g->now = time(NULL);
	st = rstore_reserve(x->st, g->lim, 4, g->id, sender, g->now, &hit);
	if (st == RSTORE_LIMIT) {
		vlog_add(l, "decision", "suppressed");
		vlog_add(l, "reason", "rate-limit");
		vlog_add(l, "limit", names[hit < 4 ? hit : 3]);
		vlog_emit(l);
		return EX_OK_;
	}
	if (st != RSTORE_OK)
		return store_defer(x, l, st);
	g->token_ok = token_make(x->key, x->keylen, g->id, sender, (uint32_t)g->now, g->tok, sizeof g->tok) == 0;
	return -1;
}

/* What compose_report made and run_test frees after the replies. */
typedef struct parts {
	dns_resolver *res;
	dns_run *run;          /* the readiness lookups and the probe's */
	ready_report *ready;
	probe *p;
	char *probe_text;      /* rprobe_section, NULL when probe_timeout = 0 */
} parts;

static void parts_free(parts *pt)
{
	ready_report_free(pt->ready);
	probe_free(pt->p);
	g_free(pt->probe_text);
	dns_run_free(pt->run);
	dns_resolver_free(pt->res);
}

/* Step 3, compose: the report both replies carry (t), from the test mail,
 * the client, the readiness checks of the sender's domain and (when
 * probe_timeout > 0) the probe of its mail servers: their lookups share one
 * DNS run, the probe's network phase follows within probe_timeout. */
static void compose_report(ctx *x, const test_mail *tm, const grant *g, rmail_test *t, parts *pt)
{
	char dom[DNS_TEXT_MAX + 1], derr[256], helo[DNS_TEXT_MAX + 2];

	memset(pt, 0, sizeof *pt);
	if (dns_name_normalize(rconf_domain_of(tm->sender), dom, sizeof dom, derr, sizeof derr) == 0) {
		dns_options o = { 0 };
		const char *fwd[CONF_MAX_RESOLVERS];
		conf_dns_options(x->c, &o, fwd);
		pt->res = dns_resolver_new(&o, derr, sizeof derr);
		if (pt->res != NULL) {
			pt->run = dns_run_new(pt->res, x->rc->readiness_timeout);
			pt->ready = ready_start(pt->run, dom);
			if (x->rc->probe_timeout > 0)
				pt->p = probe_new(pt->run, dom);
			dns_run_wait(pt->run);
			ready_finish(pt->ready);
			if (pt->p != NULL) {
				rprobe_helo(rconf_domain_of(x->rc->dual_address), helo, sizeof helo);
				pt->probe_text = rprobe_section(pt->p, helo, x->rc->probe_timeout, NULL);
			}
		}
	}
	memset(t, 0, sizeof *t);
	t->sender = tm->sender;
	t->client_addr = x->o.client_addr ? x->o.client_addr : "";
	t->client_name = x->o.client_name ? x->o.client_name : "";
	t->helo = x->o.helo ? x->o.helo : "";
	t->tls = tm->tls;
	t->orig_msgid = rmail_msgid_ok(tm->msgid) ? tm->msgid : "";
	t->orig_subject = tm->subject;
	t->over_size = tm->over;
	t->auth = &tm->auth;
	t->ready = pt->ready;
	t->probe = pt->probe_text ? pt->probe_text : "";
	t->reply_id = g->id;
}

/* Step 4, submit: builds reply kind ('A' or 'B') from t and hands it to
 * Postfix with envelope sender envfrom.  rsubmit_send's result: 0 sent, -1
 * temporary failure (also when the reply cannot be built), -2 rejected
 * (5xx); a failure is logged as a warning with the SMTP reply. */
static int submit_reply(ctx *x, const rmail_test *t, int kind, const char *envfrom)
{
	char err[512];
	size_t n = 0;
	char *msg = rmail_reply(x->rc, t, kind, &n, err, sizeof err);
	int r = -1;

	if (msg != NULL) {
		r = rsubmit_send(x->rc->submit, envfrom, t->sender, msg, n, err, sizeof err);
		free(msg);
	}
	if (r < 0)
		vlog_msg(LOG_WARNING, "%s: reply %c: %s", x->o.qid ? x->o.qid : "NOQUEUE", kind, err);
	return r;
}

/* Step 5, log: the one line of a replied (or, when neither reply could be
 * handed over, deferred with reason) test mail. */
static void log_replied(vlog_line *l, const rmail_test *t, int ra, int rb, const char *decision,
    const char *reason)
{
	vlog_add(l, "decision", decision);
	if (strcmp(decision, "replied") != 0)
		vlog_add(l, "reason", reason);
	vlog_add(l, "reply_id", t->reply_id);
	vlog_add(l, "reply_a", ra == 0 ? "sent" : "failed");
	vlog_add(l, "reply_b", rb == 0 ? "sent" : "failed");
	vlog_add(l, "family", t->client_addr[0] ? (strchr(t->client_addr, ':') ? "ipv6" : "ipv4") : "unknown");
	vlog_add(l, "spf", t->auth->spf);
	vlog_add(l, "dkim", t->auth->dkim);
	vlog_add(l, "dmarc", t->auth->dmarc);
	vlog_add(l, "ready", t->ready ? result_chk_str(t->ready->verdict) : "not-run");
	vlog_emit(l);
}

/* Mode test: parse, decide, compose, submit, log. */
static int run_test(ctx *x, const char *msg, size_t len, int over)
{
	test_mail *tm = calloc(1, sizeof *tm);
	char envfrom[RSTORE_KEY_MAX];
	int ra, rb = -1, rc;
	parts pt;
	rpolicy_reason why;
	rmail_test t;
	vlog_line l;
	grant g;

	if (tm == NULL)
		return EX_TEMPFAIL_;
	parse_test_mail(x, msg, len, over, tm);
	tm->over = over;
	why = decide_policy(x, tm);
	vlog_begin(&l, x->o.qid);
	vlog_add(&l, "mode", "test");
	vlog_add(&l, "sender", tm->sender[0] ? tm->sender : "<>");
	vlog_add(&l, "client", x->o.client_addr ? x->o.client_addr : "");
	if (why != RPOLICY_REPLY) {
		vlog_add(&l, "decision", "suppressed");
		vlog_add(&l, "reason", rpolicy_reason_str(why));
		vlog_add(&l, "spf", tm->auth.spf);
		vlog_add(&l, "dkim", tm->auth.dkim);
		vlog_emit(&l);
		free(tm);
		return EX_OK_;
	}
	if ((rc = grant_reply(x, tm->sender, &g, &l)) >= 0) {
		free(tm);
		return rc;
	}
	compose_report(x, tm, &g, &t, &pt);
	/* RFC 3834 3.3: the reply itself attracts no replies: <> */
	ra = submit_reply(x, &t, 'A', "");
	if (g.token_ok) {
		snprintf(envfrom, sizeof envfrom, "%s+%s@%s", x->rc->bounce_prefix, g.tok,
		    rconf_domain_of(x->rc->dual_address));
		rb = submit_reply(x, &t, 'B', envfrom);
	} else
		vlog_msg(LOG_WARNING, "%s: reply B: cannot make the token", x->o.qid ? x->o.qid : "NOQUEUE");
	rc = EX_OK_;
	if (ra < 0 && rb < 0) {
		/* nothing handed over: the charges go back, so that Postfix's retry
		 * is not counted against the sender (issue 13, item 2) */
		rstore_status st = rstore_release(x->st, g.lim, 4, g.id);
		if (st != RSTORE_OK)
			vlog_msg(LOG_WARNING, "%s: state store: the limits stay charged: %s: %s",
			    x->o.qid ? x->o.qid : "NOQUEUE", rstore_status_str(st), rstore_error(x->st));
		/* Nothing was handed over: 75, Postfix keeps the test mail and
		 * retries.  A 5xx here comes from our own submission listener (a
		 * fault on our side, as for forwards), so it defers too: exit 0
		 * would drop the mail without a reply or a bounce. */
		rc = EX_TEMPFAIL_;
	}
	log_replied(&l, &t, ra, rb, ra < 0 && rb < 0 ? "deferred" : "replied",
	    ra == -2 && rb == -2 ? "submission-rejected" : "submission");
	parts_free(&pt);
	free(tm);
	return rc;
}

static int drop(vlog_line *l, const char *reason)
{
	vlog_add(l, "decision", "dropped");
	vlog_add(l, "reason", reason);
	vlog_emit(l);
	return EX_OK_;
}

/* The forward of a DSN, once per token (issue 13, item 1): the flag is
 * checked and the claim taken in one step of the store before the forward
 * (out, n octets) is handed over; a failure gives the claim back, so that
 * Postfix's retry can forward.  The exit status, after the decision line. */
static int forward_once(ctx *x, vlog_line *l, const char *id, const char *sender, char *out, size_t n,
	int delayed)
{
	unsigned flag = delayed ? RSTORE_DELAY_NOTICE : RSTORE_FORWARDED;
	rstore_status st = rstore_claim(x->st, id, flag, time(NULL));
	char err[512];
	int rc;

	if (st != RSTORE_OK) {
		free(out);
		switch (st) {
		case RSTORE_DONE:
			return drop(l, delayed ? "delay-already-announced" : "already-forwarded");
		case RSTORE_UNKNOWN:
			return drop(l, "expired");
		case RSTORE_ABANDONED:
			vlog_msg(LOG_WARNING, "%s: reply %s: an earlier forward was interrupted; not sent again",
			    x->o.qid ? x->o.qid : "NOQUEUE", id);
			return drop(l, "forward-interrupted");
		case RSTORE_BUSY:
			return log_end(l, "deferred", "forward-in-progress", EX_TEMPFAIL_);
		default:
			return store_defer(x, l, st);
		}
	}
	rc = rsubmit_send(x->rc->submit, "", sender, out, n, err, sizeof err);
	free(out);
	st = rstore_finish(x->st, id, flag, rc == 0);
	if (st != RSTORE_OK)
		vlog_msg(LOG_WARNING, "%s: state store: reply %s: %s: %s", x->o.qid ? x->o.qid : "NOQUEUE", id,
		    rstore_status_str(st), rstore_error(x->st));
	if (rc < 0) {
		/* Postfix keeps the DSN and retries, also when our own listener
		 * answered 5xx: that is our configuration (restrictions, size
		 * limit), not a fault of the DSN; it waits in the queue, with
		 * the reply in the log, until fixed or maximal_queue_lifetime */
		vlog_add(l, "decision", "deferred");
		vlog_add(l, "reason", rc == -2 ? "submission-rejected" : "submission-failed");
		vlog_add(l, "reply", err);
		vlog_emit(l);
		/* pipe(8) shows this in the queue and the mail log */
		fprintf(stderr, "mxready-responder: forward not handed to %s: %s\n", x->rc->submit, err);
		return EX_TEMPFAIL_;
	}
	vlog_add(l, "decision", delayed ? "delay-notice-sent" : "forwarded");
	vlog_emit(l);
	return EX_OK_;
}

/* The probe of the domain the failure DSN is about (the test mail's
 * sender, whose MX the DSN's Diagnostic-Code and Remote-MTA name), for the
 * forward; NULL when probe_timeout = 0 or no resolver.  g_free it. */
static char *dsn_probe(ctx *x, const char *sender, const dsn_rcpt *r)
{
	char dom[DNS_TEXT_MAX + 1], derr[256], helo[DNS_TEXT_MAX + 2], named[2 * DSN_FIELD_MAX + 2];
	dns_options o = { 0 };
	const char *fwd[CONF_MAX_RESOLVERS];
	dns_resolver *res;
	dns_run *run;
	probe *p;
	char *text;

	if (x->rc->probe_timeout <= 0 ||
	    dns_name_normalize(rconf_domain_of(sender), dom, sizeof dom, derr, sizeof derr) < 0)
		return NULL;
	conf_dns_options(x->c, &o, fwd);
	if ((res = dns_resolver_new(&o, derr, sizeof derr)) == NULL)
		return NULL;
	run = dns_run_new(res, x->rc->readiness_timeout);
	p = probe_new(run, dom);
	dns_run_wait(run);
	rprobe_helo(rconf_domain_of(x->rc->dual_address), helo, sizeof helo);
	snprintf(named, sizeof named, "%s %s", r->diagnostic, r->remote_mta);
	text = rprobe_section(p, helo, x->rc->probe_timeout, named);
	probe_free(p);
	dns_run_free(run);
	dns_resolver_free(res);
	return text;
}

static int run_dsn(ctx *x, const char *msg, size_t len)
{
	char tok[80], sender[RPOLICY_ADDR_MAX + 1], err[512];
	token_fields f;
	token_status ts;
	rstore_status st;
	unsigned flags = 0;
	dsn_report *rep;
	const dsn_rcpt *r;
	int delayed, rc;
	vlog_line l;
	size_t n = 0;
	char *out, *probe_text;

	vlog_begin(&l, x->o.qid);
	vlog_add(&l, "mode", "dsn");
	vlog_add(&l, "recipient", x->o.rcpt ? x->o.rcpt : "");
	if (token_from_address(x->o.rcpt ? x->o.rcpt : "", x->rc->bounce_prefix, tok, sizeof tok) < 0)
		return drop(&l, "no-token");
	if (token_parse(tok, strlen(tok), &f) < 0)
		return drop(&l, "malformed-token");
	vlog_add(&l, "reply_id", f.id);
	st = rstore_lookup(x->st, f.id, time(NULL), sender, sizeof sender, &flags);
	if (st != RSTORE_OK && st != RSTORE_UNKNOWN)
		return store_defer(x, &l, st);
	rc = st == RSTORE_OK;
	/* an unknown id is verified against "" so that forged and unknown
	 * tokens are told apart only in our log */
	ts = token_verify(x->key, x->keylen, &f, rc == 1 ? sender : "", (uint32_t)time(NULL), x->rc->token_lifetime);
	if (ts != TOKEN_OK || rc == 0)
		return drop(&l, rc == 0 && ts == TOKEN_FORGED ? "unknown-or-forged-token" : token_status_str(ts));
	vlog_add(&l, "sender", sender);
	rep = calloc(1, sizeof *rep);
	if (rep == NULL)
		return EX_TEMPFAIL_;
	if (dsn_parse(msg, len, rep, err, sizeof err) < 0) {
		free(rep);
		return drop(&l, "not-a-dsn");
	}
	r = dsn_find(rep, DSN_ACTION_FAILED);
	delayed = r == NULL;
	if (r == NULL)
		r = dsn_find(rep, DSN_ACTION_DELAYED);
	if (r == NULL) {
		free(rep);
		return drop(&l, "no-failure-reported");
	}
	vlog_add(&l, "action", dsn_action_str(r->action));
	vlog_add(&l, "status", r->status);
	vlog_add(&l, "class", dsn_class(r));
	/* after the failure was forwarded, a late delay DSN says nothing new */
	if (flags & RSTORE_FORWARDED) {
		free(rep);
		return drop(&l, "already-forwarded");
	}
	if (delayed && (flags & RSTORE_DELAY_NOTICE)) {
		free(rep);
		return drop(&l, "delay-already-announced");
	}
	probe_text = delayed ? NULL : dsn_probe(x, sender, r);
	out = rmail_forward(x->rc, sender, r, msg, len, delayed, probe_text, &n, err, sizeof err);
	g_free(probe_text);
	free(rep);
	if (out == NULL) {
		vlog_add(&l, "decision", "deferred");
		vlog_add(&l, "reason", "forward-not-built");
		vlog_add(&l, "reply", err);
		vlog_emit(&l);
		fprintf(stderr, "mxready-responder: forward not built: %s\n", err);
		return EX_TEMPFAIL_;
	}
	return forward_once(x, &l, f.id, sender, out, n, delayed);
}

/* The state store of responder.conf.  A store that cannot be opened
 * (corrupt, Redis down) is one "deferred" decision line and exit 75, never
 * "no history".  0 or -1. */
static int open_store(ctx *x)
{
	rstore_status st = RSTORE_ERROR;
	char err[512];

	/* 86400: the longest window of grant_reply */
	if (x->rc->state_backend == RCONF_STATE_REDIS)
		x->st = rstore_redis_open(x->rc->redis_server, x->rc->redis_password_file, x->rc->redis_timeout,
		    x->rc->token_lifetime, 86400, err, sizeof err);
	else
		x->st = rstore_lmdb_open(x->rc->state_dir, x->rc->state_max_size, x->rc->token_lifetime, 86400,
		    &st, err, sizeof err);
	if (x->st == NULL) {
		vlog_line l;
		vlog_begin(&l, x->o.qid);
		vlog_add(&l, "mode", x->o.mode);
		vlog_add(&l, "decision", "deferred");
		vlog_addf(&l, "reason", "state-store-%s", rstore_status_str(st));
		vlog_emit(&l);
		vlog_msg(LOG_ERR, "%s: state store %s: %s", x->o.qid ? x->o.qid : "NOQUEUE", rstore_status_str(st), err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	ctx x;
	int ch, rc, over = 0, explicit_conf = 0;
	char err[512];
	char *msg;
	size_t len = 0;
	int keylen;

	/* without a test/dsn operand: -t, -n, -V (whose -t takes no argument) */
	if (argc < 2 || (strcmp(argv[argc - 1], "test") != 0 && strcmp(argv[argc - 1], "dsn") != 0))
		return admin_main(argc, argv);
	memset(&x, 0, sizeof x);
	x.o.conf_path = "/etc/mxready/mxready.conf";
	x.o.rconf_path = "/etc/mxready/responder.conf";
	while ((ch = getopt(argc, argv, "c:r:f:a:N:H:q:t:")) != -1)
		switch (ch) {
		case 'c': x.o.conf_path = optarg; explicit_conf = 1; break;
		case 'r': x.o.rconf_path = optarg; break;
		case 'f': x.o.sender = optarg; break;
		case 'a': x.o.client_addr = optarg; break;
		case 'N': x.o.client_name = optarg; break;
		case 'H': x.o.helo = optarg; break;
		case 'q': x.o.qid = optarg; break;
		case 't': x.o.rcpt = optarg; break;
		default: usage(); return EX_USAGE_;
		}
	if (optind + 1 != argc || (strcmp(argv[optind], "test") != 0 && strcmp(argv[optind], "dsn") != 0)) {
		usage();
		return EX_USAGE_;
	}
	x.o.mode = argv[optind];
	/* Postfix writes IPv6 client addresses as "IPv6:addr" (RFC 5321 4.1.3) */
	if (x.o.client_addr && strncasecmp(x.o.client_addr, "IPv6:", 5) == 0)
		x.o.client_addr += 5;
	x.c = conf_new();
	x.rc = rconf_new();
	/* A configuration error while delivering exits 75, not 78: pipe(8)
	 * maps EX_CONFIG to 5.3.5, a bounce, so a typo would return every test
	 * mail and DSN; with 75 Postfix keeps them queued, shows our stderr in
	 * mailq, and delivers once the file is fixed.  -t answers 78. */
	if ((explicit_conf || access(x.o.conf_path, F_OK) == 0) &&
	    conf_load(x.c, x.o.conf_path, err, sizeof err) < 0) {
		fprintf(stderr, "mxready-responder: configuration error: %s\n", err);
		rc = EX_TEMPFAIL_;
		goto done;
	}
	if (rconf_load(x.rc, x.o.rconf_path, err, sizeof err) < 0 ||
	    vlog_open("mxready-responder", x.c, err, sizeof err) < 0) {
		fprintf(stderr, "mxready-responder: configuration error: %s\n", err);
		rc = EX_TEMPFAIL_;
		goto done;
	}
	keylen = token_load_key(x.rc->token_secret, x.key, sizeof x.key, err, sizeof err);
	if (keylen < 0) {
		vlog_msg(LOG_ERR, "token_secret: %s", err);
		fprintf(stderr, "mxready-responder: configuration error: token_secret: %s\n", err);
		rc = EX_TEMPFAIL_;
		goto done;
	}
	if (open_store(&x) < 0) {
		rc = EX_TEMPFAIL_;
		goto done;
	}
	x.keylen = (size_t)keylen;
	msg = read_input(x.rc->max_message_size, &len, &over);
	if (msg == NULL) {
		vlog_msg(LOG_ERR, "out of memory reading the message");
		rc = EX_TEMPFAIL_;
		goto done;
	}
	g_mime_init();
	if (strcmp(x.o.mode, "test") == 0) {
		if (over) {
			/* parse only the header of an oversized mail */
			char *sep = memmem(msg, len, "\r\n\r\n", 4), *sep2 = memmem(msg, len, "\n\n", 2);
			if (sep2 && (!sep || sep2 < sep))
				sep = sep2;
			if (sep) {
				len = (size_t)(sep - msg) + (sep == sep2 ? 2 : 4);
				msg[len] = 0;
			}
		}
		rc = run_test(&x, msg, len, over);
	} else
		rc = run_dsn(&x, msg, len);
	g_mime_shutdown();
	free(msg);
done:
	OPENSSL_cleanse(x.key, sizeof x.key);
	rstore_free(x.st);
	vlog_close();
	rconf_free(x.rc);
	conf_free(x.c);
	return rc;
}
