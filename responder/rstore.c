/*
 * The responder's state store (rstore.h): the keys of the limits and the
 * dispatch to the backend (rstore_lmdb.c, rstore_redis.c, through their
 * rstore_ops), which does each decision in one atomic step.  Arguments are checked here once, so that
 * neither backend ever sees a key, id or sender it cannot store whole.
 * Addresses follow RFC 5321 4.1.2 (local-part "@" domain); the limits'
 * keys deliberately fold more than RFC 5321 would (case of the local
 * part, "+tag", dots): a key shared by two mailboxes only makes a limit
 * stricter, a key an attacker can vary makes it useless.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "rstore.h"

#define RSTORE_ERR_MAX 512

struct rstore {
	const rstore_ops *ops;
	void *b;
	unsigned max_window;
	char err[RSTORE_ERR_MAX];
};

const char *rstore_status_str(rstore_status st)
{
	static const char *const names[] = {
		"ok", "limit", "unknown", "done", "busy", "abandoned", "error", "full", "corrupt"
	};
	return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "error";
}

rstore *rstore_new(const rstore_ops *ops, void *b, unsigned max_window)
{
	rstore *s = calloc(1, sizeof *s);
	if (s == NULL) {
		ops->free(b);
		return NULL;
	}
	s->ops = ops;
	s->b = b;
	s->max_window = max_window;
	return s;
}

void rstore_free(rstore *s)
{
	if (s == NULL)
		return;
	s->ops->free(s->b);
	free(s);
}

const char *rstore_error(const rstore *s)
{
	return s->err;
}

static int id_ok(const char *id)
{
	size_t i;
	for (i = 0; id[i]; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return i == RSTORE_ID_LEN;
}

static rstore_status bad(rstore *s, const char *what)
{
	snprintf(s->err, sizeof s->err, "%s", what);
	return RSTORE_ERROR;
}

static rstore_status limits_ok(rstore *s, const rstore_limit *l, size_t n)
{
	if (n > 8)
		return bad(s, "too many limits");
	for (size_t i = 0; i < n; i++) {
		size_t kl = strlen(l[i].key);
		if (kl < 3 || kl > RSTORE_KEY_MAX || l[i].key[1] != ':')
			return bad(s, "bad limit key");
		if (l[i].max && (l[i].window == 0 || l[i].window > s->max_window))
			return bad(s, "limit window out of range");
	}
	return RSTORE_OK;
}

rstore_status rstore_reserve(rstore *s, const rstore_limit *l, size_t n, const char *id,
	const char *sender, time_t now, size_t *hit)
{
	s->err[0] = 0;
	if (!id_ok(id))
		return bad(s, "bad reply id");
	if (strlen(sender) > RSTORE_SENDER_MAX)
		return bad(s, "sender too long to store");
	if (limits_ok(s, l, n) != RSTORE_OK)
		return RSTORE_ERROR;
	return s->ops->reserve(s->b, l, n, id, sender, now, hit, s->err, sizeof s->err);
}

rstore_status rstore_release(rstore *s, const rstore_limit *l, size_t n, const char *id)
{
	s->err[0] = 0;
	if (!id_ok(id))
		return bad(s, "bad reply id");
	if (limits_ok(s, l, n) != RSTORE_OK)
		return RSTORE_ERROR;
	return s->ops->release(s->b, l, n, id, s->err, sizeof s->err);
}

rstore_status rstore_lookup(rstore *s, const char *id, time_t now, char *sender, size_t senderlen,
	unsigned *flags)
{
	s->err[0] = 0;
	if (!id_ok(id))
		return RSTORE_UNKNOWN;      /* not an id we ever made */
	return s->ops->lookup(s->b, id, now, sender, senderlen, flags, s->err, sizeof s->err);
}

rstore_status rstore_claim(rstore *s, const char *id, unsigned flag, time_t now)
{
	s->err[0] = 0;
	if (!id_ok(id))
		return RSTORE_UNKNOWN;
	if (flag != RSTORE_FORWARDED && flag != RSTORE_DELAY_NOTICE)
		return bad(s, "bad flag");
	return s->ops->claim(s->b, id, flag, now, s->err, sizeof s->err);
}

rstore_status rstore_finish(rstore *s, const char *id, unsigned flag, int sent)
{
	s->err[0] = 0;
	if (!id_ok(id))
		return RSTORE_UNKNOWN;
	if (flag != RSTORE_FORWARDED && flag != RSTORE_DELAY_NOTICE)
		return bad(s, "bad flag");
	return s->ops->finish(s->b, id, flag, sent, s->err, sizeof s->err);
}

/* ---- keys ----------------------------------------------------------------- */

static char low(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The domain of addr, lower case, without a trailing dot, into out. */
static int domain_of(const char *addr, char *out, size_t outlen)
{
	const char *at = strrchr(addr, '@');
	size_t n, o = 0;
	if (at == NULL || at == addr)
		return -1;
	n = strlen(at + 1);
	while (n && at[n] == '.')
		n--;
	if (n == 0 || n >= outlen)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[o++] = low(at[1 + i]);
	out[o] = 0;
	return 0;
}

int rstore_key_address(const char *addr, char *out, size_t outlen)
{
	char dom[RSTORE_KEY_MAX];
	const char *at = strrchr(addr, '@');
	size_t o = 2;

	if (at == NULL || domain_of(addr, dom, sizeof dom) < 0 || outlen < 4)
		return -1;
	out[0] = 'a';
	out[1] = ':';
	for (const char *p = addr; p < at && *p != '+'; p++) {
		if (*p == '.')
			continue;
		if (o + 1 >= outlen)
			return -1;
		out[o++] = low(*p);
	}
	if (o == 2)                      /* "+tag@" or ".@": keep one mailbox */
		out[o++] = '+';
	if (o + 1 + strlen(dom) + 1 > outlen)
		return -1;
	out[o++] = '@';
	memcpy(out + o, dom, strlen(dom) + 1);
	return 0;
}

int rstore_key_domain(const char *addr, char *out, size_t outlen)
{
	char dom[RSTORE_KEY_MAX], org[RSTORE_KEY_MAX];
	const char *d = dom;
	int n;

	if (domain_of(addr, dom, sizeof dom) < 0)
		return -1;
	if (dmarc_org_domain(dom, org, sizeof org) == 0)
		d = org;
	n = snprintf(out, outlen, "d:%s", d);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int rstore_key_client(const char *ip, unsigned v6prefix, char *out, size_t outlen)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];
	int n;

	if (ip && inet_pton(AF_INET, ip, a) == 1) {
		inet_ntop(AF_INET, a, text, sizeof text);
		n = snprintf(out, outlen, "c:%s", text);
	} else if (ip && inet_pton(AF_INET6, ip, a) == 1) {
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(a, mapped, sizeof mapped) == 0) {
			inet_ntop(AF_INET, a + 12, text, sizeof text);
			n = snprintf(out, outlen, "c:%s", text);
		} else {
			if (v6prefix < 16 || v6prefix > 128)
				v6prefix = 64;
			for (unsigned bit = v6prefix; bit < 128; bit++)
				a[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
			inet_ntop(AF_INET6, a, text, sizeof text);
			n = snprintf(out, outlen, "c:%s/%u", text, v6prefix);
		}
	} else
		n = snprintf(out, outlen, "c:unknown");
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
