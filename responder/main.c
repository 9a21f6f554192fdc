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
#include "dns.h"
#include "dsn.h"
#include "ready.h"
#include "rconf.h"
#include "rmail.h"
#include "rpolicy.h"
#include "rstore.h"
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

static void usage(void)
{
	fprintf(stderr, "usage: mxready-responder [-c mxready.conf] -r responder.conf\n"
	    "         [-f SENDER] [-a CLIENT_ADDR] [-N CLIENT_NAME] [-H HELO] [-q QUEUE_ID] test\n"
	    "       mxready-responder [-c mxready.conf] -r responder.conf -t RECIPIENT [-q QUEUE_ID] dsn\n");
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

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

typedef struct ctx {
	conf *c;
	rconf *rc;
	rstore *st;
	opts o;
	unsigned char key[TOKEN_KEY_MAX];
	size_t keylen;
} ctx;

static int run_test(ctx *x, const char *msg, size_t len, int over)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(msg, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
	char auto_sub[RESP_HDR_MAX] = "", prec[RESP_HDR_MAX] = "", msgid[RESP_HDR_MAX] = "";
	char subject[RESP_HDR_MAX] = "", tls[RESP_HDR_MAX] = "", sender[RPOLICY_ADDR_MAX + 1] = "";
	int have_auto = 0, have_prec = 0, list = 0, seen_received = 0, rc = EX_OK_;
	rpolicy_auth auth;
	rpolicy_input in = { 0 };
	rpolicy_reason why;
	vlog_line l;

	rpolicy_auth_init(&auth);
	snprintf(sender, sizeof sender, "%s", x->o.sender ? x->o.sender : "");
	if (strlen(x->o.sender ? x->o.sender : "") > RPOLICY_ADDR_MAX)
		snprintf(sender, sizeof sender, "%s", "\x01too-long");
	if (m != NULL) {
		GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
		int n = g_mime_header_list_get_count(hl);
		const char *s;
		for (int i = 0; i < n; i++) {
			GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
			const char *name = g_mime_header_get_name(h), *raw = g_mime_header_get_raw_value(h);
			if (name == NULL || raw == NULL)
				continue;
			if (strcasecmp(name, "Auto-Submitted") == 0 && !have_auto) {
				hval(raw, auto_sub, sizeof auto_sub);
				have_auto = 1;
			} else if (strcasecmp(name, "Precedence") == 0 && !have_prec) {
				hval(raw, prec, sizeof prec);
				have_prec = 1;
			} else if (strcasecmp(name, "List-Id") == 0 || strcasecmp(name, "List-Post") == 0 ||
			    strcasecmp(name, "List-Unsubscribe") == 0 || strcasecmp(name, "List-Help") == 0)
				list = 1;
			else if (strcasecmp(name, "Message-ID") == 0 && msgid[0] == 0)
				hval(raw, msgid, sizeof msgid);
			else if (strcasecmp(name, "Authentication-Results") == 0)
				rpolicy_auth_parse(raw, strlen(raw), x->c->authserv_id, &auth);
			else if (strcasecmp(name, "Received") == 0 && !seen_received) {
				/* the topmost Received is our own Postfix's */
				char v[RESP_HDR_MAX];
				const char *u;
				seen_received = 1;
				hval(raw, v, sizeof v);
				/* Postfix: "(using TLSv1.3 with cipher NAME (256/256 bits) ...)" */
				if ((u = strstr(v, "(using ")) != NULL) {
					size_t k = strcspn(u + 7, "()");
					while (k && u[7 + k - 1] == ' ')
						k--;
					snprintf(tls, sizeof tls, "%.*s", (int)k, u + 7);
				}
			}
		}
		if (!over && (s = g_mime_message_get_subject(m)) != NULL)
			snprintf(subject, sizeof subject, "%s", s);
	}
	in.sender = sender;
	in.auto_submitted = have_auto ? auto_sub : NULL;
	in.precedence = have_prec ? prec : NULL;
	in.has_list_fields = list;
	in.our_domains = (const char (*)[256])x->rc->our_domains;
	in.n_our_domains = x->rc->n_our_domains;
	in.auth = &auth;
	in.backscatter_reply = x->rc->backscatter == RCONF_BACKSCATTER_REPLY;
	why = rpolicy_decide(&in);

	vlog_begin(&l, x->o.qid);
	vlog_add(&l, "mode", "test");
	vlog_add(&l, "sender", sender[0] ? sender : "<>");
	vlog_add(&l, "client", x->o.client_addr ? x->o.client_addr : "");
	if (why != RPOLICY_REPLY) {
		vlog_add(&l, "decision", "suppressed");
		vlog_add(&l, "reason", rpolicy_reason_str(why));
		vlog_add(&l, "spf", auth.spf);
		vlog_add(&l, "dkim", auth.dkim);
		vlog_emit(&l);
		goto out;
	}
	lower(sender);
	{
		char ka[RSTORE_KEY_MAX], kd[RSTORE_KEY_MAX], kc[RSTORE_KEY_MAX];
		rstore_limit lim[4];
		static const char *const names[] = { "address", "domain", "client", "total" };
		int hit;
		snprintf(ka, sizeof ka, "a:%s", sender);
		snprintf(kd, sizeof kd, "d:%s", rconf_domain_of(sender));
		snprintf(kc, sizeof kc, "c:%s", x->o.client_addr && x->o.client_addr[0] ? x->o.client_addr : "unknown");
		lim[0] = (rstore_limit){ ka, x->rc->rate_per_address, 86400 };
		lim[1] = (rstore_limit){ kd, x->rc->rate_per_domain, 86400 };
		lim[2] = (rstore_limit){ kc, x->rc->rate_per_client, 86400 };
		lim[3] = (rstore_limit){ "t:total", x->rc->rate_total, 3600 };
		hit = rstore_rate_take(x->st, lim, 4, time(NULL));
		if (hit == -2) {
			vlog_add(&l, "decision", "deferred");
			vlog_add(&l, "reason", "state-store-error");
			vlog_emit(&l);
			rc = EX_TEMPFAIL_;
			goto out;
		}
		if (hit >= 0) {
			vlog_add(&l, "decision", "suppressed");
			vlog_add(&l, "reason", "rate-limit");
			vlog_add(&l, "limit", names[hit]);
			vlog_emit(&l);
			goto out;
		}
	}
	{
		char id[RMAIL_ID_LEN + 1] = "", err[512], tok[TOKEN_TEXT_LEN + 1], envfrom[RSTORE_KEY_MAX];
		char dom[DNS_TEXT_MAX + 1], derr[256];
		ready_report *ready = NULL;
		dns_resolver *res = NULL;
		rmail_test t = { 0 };
		const char *st_a = "failed", *st_b = "failed";
		int ra = -1, rb = -1;
		time_t now = time(NULL);

		if (random_id(id, sizeof id) < 0) {
			vlog_add(&l, "decision", "deferred");
			vlog_add(&l, "reason", "no-random-id");
			vlog_emit(&l);
			rc = EX_TEMPFAIL_;
			goto out;
		}
		if (dns_name_normalize(rconf_domain_of(sender), dom, sizeof dom, derr, sizeof derr) == 0) {
			dns_options o = { 0 };
			const char *fwd[CONF_MAX_RESOLVERS];
			conf_dns_options(x->c, &o, fwd);
			res = dns_resolver_new(&o, derr, sizeof derr);
			if (res != NULL)
				ready = ready_check(res, dom, x->rc->readiness_timeout);
		}
		t.sender = sender;
		t.client_addr = x->o.client_addr ? x->o.client_addr : "";
		t.client_name = x->o.client_name ? x->o.client_name : "";
		t.helo = x->o.helo ? x->o.helo : "";
		t.tls = tls;
		t.orig_msgid = rmail_msgid_ok(msgid) ? msgid : "";
		t.orig_subject = subject;
		t.over_size = over;
		t.auth = &auth;
		t.ready = ready;
		t.reply_id = id;
		{
			size_t n = 0;
			char *a = rmail_reply(x->rc, &t, 'A', &n, err, sizeof err);
			if (a != NULL) {
				/* RFC 3834 3.3: the reply itself attracts no replies: <> */
				ra = rsubmit_send(x->rc->submit, "", sender, a, n, err, sizeof err);
				free(a);
			}
			if (ra < 0)
				vlog_msg(LOG_WARNING, "%s: reply A: %s", x->o.qid ? x->o.qid : "NOQUEUE", err);
			else
				st_a = "sent";
		}
		if (token_make(x->key, x->keylen, id, sender, (uint32_t)now, tok, sizeof tok) == 0 &&
		    rstore_reply_put(x->st, id, sender, now) == 0) {
			size_t n = 0;
			char *b = rmail_reply(x->rc, &t, 'B', &n, err, sizeof err);
			snprintf(envfrom, sizeof envfrom, "%s+%s@%s", x->rc->bounce_prefix, tok,
			    rconf_domain_of(x->rc->dual_address));
			if (b != NULL) {
				rb = rsubmit_send(x->rc->submit, envfrom, sender, b, n, err, sizeof err);
				free(b);
			}
			if (rb < 0)
				vlog_msg(LOG_WARNING, "%s: reply B: %s", x->o.qid ? x->o.qid : "NOQUEUE", err);
			else
				st_b = "sent";
		} else
			vlog_msg(LOG_WARNING, "%s: reply B: cannot make or store the token", x->o.qid ? x->o.qid : "NOQUEUE");
		vlog_add(&l, "decision", "replied");
		vlog_add(&l, "reply_id", id);
		vlog_add(&l, "reply_a", st_a);
		vlog_add(&l, "reply_b", st_b);
		vlog_add(&l, "family", t.client_addr[0] ? (strchr(t.client_addr, ':') ? "ipv6" : "ipv4") : "unknown");
		vlog_add(&l, "spf", auth.spf);
		vlog_add(&l, "dkim", auth.dkim);
		vlog_add(&l, "dmarc", auth.dmarc);
		vlog_add(&l, "ready", ready ? result_chk_str(ready->verdict) : "not-run");
		vlog_emit(&l);
		ready_report_free(ready);
		dns_resolver_free(res);
		if (ra == -1 && rb == -1)
			rc = EX_TEMPFAIL_;
	}
out:
	if (m)
		g_object_unref(m);
	g_object_unref(parser);
	g_object_unref(stream);
	return rc;
}

static int drop(vlog_line *l, const char *reason)
{
	vlog_add(l, "decision", "dropped");
	vlog_add(l, "reason", reason);
	vlog_emit(l);
	return EX_OK_;
}

static int run_dsn(ctx *x, const char *msg, size_t len)
{
	char tok[80], sender[RPOLICY_ADDR_MAX + 1], err[512];
	token_fields f;
	token_status ts;
	unsigned flags = 0;
	dsn_report *rep;
	const dsn_rcpt *r;
	int delayed, rc;
	vlog_line l;
	size_t n = 0;
	char *out;

	vlog_begin(&l, x->o.qid);
	vlog_add(&l, "mode", "dsn");
	vlog_add(&l, "recipient", x->o.rcpt ? x->o.rcpt : "");
	if (token_from_address(x->o.rcpt ? x->o.rcpt : "", x->rc->bounce_prefix, tok, sizeof tok) < 0)
		return drop(&l, "no-token");
	if (token_parse(tok, strlen(tok), &f) < 0)
		return drop(&l, "malformed-token");
	vlog_add(&l, "reply_id", f.id);
	rc = rstore_reply_get(x->st, f.id, sender, sizeof sender, &flags);
	if (rc < 0) {
		vlog_add(&l, "decision", "deferred");
		vlog_add(&l, "reason", "state-store-error");
		vlog_emit(&l);
		return EX_TEMPFAIL_;
	}
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
	/* after the failure was forwarded, a late delay DSN says nothing new */
	if (flags & RSTORE_FORWARDED) {
		free(rep);
		return drop(&l, "already-forwarded");
	}
	if (delayed && (flags & RSTORE_DELAY_NOTICE)) {
		free(rep);
		return drop(&l, "delay-already-announced");
	}
	out = rmail_forward(x->rc, sender, r, msg, len, delayed, &n, err, sizeof err);
	rc = out ? rsubmit_send(x->rc->submit, "", sender, out, n, err, sizeof err) : -1;
	free(out);
	free(rep);
	if (rc < 0) {
		vlog_add(&l, "decision", "deferred");
		vlog_add(&l, "reason", err);
		vlog_emit(&l);
		return rc == -1 ? EX_TEMPFAIL_ : EX_OK_;
	}
	rstore_reply_mark(x->st, f.id, delayed ? RSTORE_DELAY_NOTICE : RSTORE_FORWARDED);
	vlog_add(&l, "decision", delayed ? "delay-notice-sent" : "forwarded");
	vlog_emit(&l);
	return EX_OK_;
}

int main(int argc, char **argv)
{
	ctx x;
	int ch, rc, over = 0, explicit_conf = 0;
	char err[512];
	char *msg;
	size_t len = 0;
	int keylen;

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
	if ((explicit_conf || access(x.o.conf_path, F_OK) == 0) &&
	    conf_load(x.c, x.o.conf_path, err, sizeof err) < 0) {
		fprintf(stderr, "mxready-responder: %s\n", err);
		rc = EX_CONFIG_;
		goto done;
	}
	if (rconf_load(x.rc, x.o.rconf_path, err, sizeof err) < 0 ||
	    vlog_open("mxready-responder", x.c, err, sizeof err) < 0) {
		fprintf(stderr, "mxready-responder: %s\n", err);
		rc = EX_CONFIG_;
		goto done;
	}
	keylen = token_load_key(x.rc->token_secret, x.key, sizeof x.key, err, sizeof err);
	if (keylen < 0 || (x.st = rstore_open(x.rc->state_dir, x.rc->token_lifetime, err, sizeof err)) == NULL) {
		vlog_msg(LOG_ERR, "%s", err);
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
			char *sep = strstr(msg, "\r\n\r\n"), *sep2 = strstr(msg, "\n\n");
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
