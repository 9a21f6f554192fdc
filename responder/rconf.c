/*
 * responder.conf: a key table with types and ranges; errors name the line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rconf.h"
#include "rstore_redis.h"

typedef enum { R_STR, R_UINT, R_SIZE, R_SECONDS, R_BACKSCATTER, R_DOMAINS, R_BACKEND, R_REDIS } rtype;

typedef struct rkey {
	const char *name;
	rtype type;
	size_t off;
	double min, max;
} rkey;

#define S(n) { #n, R_STR, offsetof(rconf, n), 0, 0 }
static const rkey rkeys[] = {
	S(v6only_address), S(dual_address), S(display_name), S(bounce_prefix),
	S(dkim_dual_key), S(dkim_dual_selector), S(dkim_v6_key), S(dkim_v6_selector),
	S(token_secret), S(state_dir), S(submit), S(redis_password_file),
	{ "state_backend", R_BACKEND, offsetof(rconf, state_backend), 0, 0 },
	{ "redis_server", R_REDIS, offsetof(rconf, redis_server), 0, 0 },
	{ "redis_timeout", R_SECONDS, offsetof(rconf, redis_timeout), 0.05, 60 },
	{ "state_max_size", R_SIZE, offsetof(rconf, state_max_size), 1048576, 1e12 },
	{ "ipv6_client_prefix", R_UINT, offsetof(rconf, ipv6_client_prefix), 16, 128 },
	{ "token_lifetime", R_UINT, offsetof(rconf, token_lifetime), 60, 90 * 86400.0 },
	{ "rate_per_address", R_UINT, offsetof(rconf, rate_per_address), 0, 1e6 },
	{ "rate_per_domain", R_UINT, offsetof(rconf, rate_per_domain), 0, 1e6 },
	{ "rate_per_client", R_UINT, offsetof(rconf, rate_per_client), 0, 1e6 },
	{ "rate_total", R_UINT, offsetof(rconf, rate_total), 0, 1e7 },
	{ "max_message_size", R_SIZE, offsetof(rconf, max_message_size), 1024, 1e9 },
	{ "backscatter", R_BACKSCATTER, offsetof(rconf, backscatter), 0, 0 },
	{ "our_domains", R_DOMAINS, 0, 0, 0 },
	{ "readiness_timeout", R_SECONDS, offsetof(rconf, readiness_timeout), 0.5, 120 },
	{ "probe_timeout", R_SECONDS, offsetof(rconf, probe_timeout), 0, 120 },
};
#define NRKEYS (sizeof rkeys / sizeof rkeys[0])

rconf *rconf_new(void)
{
	rconf *c = calloc(1, sizeof *c);
	if (c == NULL)
		abort();
	snprintf(c->display_name, sizeof c->display_name, "mxready IPv6 mail test");
	snprintf(c->bounce_prefix, sizeof c->bounce_prefix, "bounce");
	snprintf(c->dkim_dual_selector, sizeof c->dkim_dual_selector, "mxr");
	snprintf(c->dkim_v6_selector, sizeof c->dkim_v6_selector, "mxr");
	snprintf(c->state_dir, sizeof c->state_dir, "/var/lib/mxready/responder");
	snprintf(c->submit, sizeof c->submit, "127.0.0.1:10026");
	c->token_lifetime = 6 * 86400;        /* Postfix's queue lifetime is 5 days */
	c->rate_per_address = 5;
	c->rate_per_domain = 50;
	c->rate_per_client = 20;
	c->rate_total = 500;
	c->max_message_size = 1024 * 1024;
	c->backscatter = RCONF_BACKSCATTER_SUPPRESS;
	c->readiness_timeout = 10;
	c->probe_timeout = 20;
	c->state_backend = RCONF_STATE_LMDB;
	c->state_max_size = (size_t)1 << 30;
	c->redis_timeout = 2;
	c->ipv6_client_prefix = 64;
	return c;
}

void rconf_free(rconf *c)
{
	free(c);
}

const char *rconf_domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : "";
}

static int add_domain(rconf *c, const char *d)
{
	for (size_t i = 0; i < c->n_our_domains; i++)
		if (strcasecmp(c->our_domains[i], d) == 0)
			return 0;
	if (c->n_our_domains >= RCONF_MAX_DOMAINS || strlen(d) >= RCONF_STR_MAX)
		return -1;
	snprintf(c->our_domains[c->n_our_domains++], RCONF_STR_MAX, "%s", d);
	return 0;
}

static int set_key(rconf *c, const rkey *k, char *v, char *e, size_t elen)
{
	char *end;
	double d;

	switch (k->type) {
	case R_STR:
		if (strlen(v) >= RCONF_STR_MAX) {
			snprintf(e, elen, "value too long");
			return -1;
		}
		snprintf((char *)c + k->off, RCONF_STR_MAX, "%s", v);
		return 0;
	case R_UINT:
	case R_SIZE:
	case R_SECONDS:
		errno = 0;
		d = strtod(v, &end);
		if (errno || end == v || *end || d < k->min || d > k->max) {
			snprintf(e, elen, "'%s' is not a number in [%g, %g]", v, k->min, k->max);
			return -1;
		}
		if (k->type == R_UINT)
			*(unsigned *)(void *)((char *)c + k->off) = (unsigned)d;
		else if (k->type == R_SIZE)
			*(size_t *)(void *)((char *)c + k->off) = (size_t)d;
		else
			*(double *)(void *)((char *)c + k->off) = d;
		return 0;
	case R_BACKSCATTER:
		if (strcmp(v, "suppress") == 0)
			c->backscatter = RCONF_BACKSCATTER_SUPPRESS;
		else if (strcmp(v, "reply") == 0)
			c->backscatter = RCONF_BACKSCATTER_REPLY;
		else {
			snprintf(e, elen, "'%s' is not suppress or reply", v);
			return -1;
		}
		return 0;
	case R_BACKEND:
		if (strcmp(v, "lmdb") == 0)
			c->state_backend = RCONF_STATE_LMDB;
		else if (strcmp(v, "redis") == 0)
			c->state_backend = RCONF_STATE_REDIS;
		else {
			snprintf(e, elen, "'%s' is not lmdb or redis", v);
			return -1;
		}
		return 0;
	case R_REDIS: {
		char host[RSTORE_REDIS_HOST_MAX];
		int port;
		if (strlen(v) >= RCONF_STR_MAX || rstore_redis_parse_server(v, host, sizeof host, &port) < 0) {
			snprintf(e, elen, "'%s' is not unix:/path, host:port or [v6addr]:port", v);
			return -1;
		}
		snprintf(c->redis_server, sizeof c->redis_server, "%s", v);
		return 0;
	}
	case R_DOMAINS:
		while (*v) {
			size_t n = strcspn(v, ", \t");
			char save = v[n];
			v[n] = 0;
			if (n && add_domain(c, v) < 0) {
				snprintf(e, elen, "too many domains (at most %d)", RCONF_MAX_DOMAINS);
				return -1;
			}
			v += n + (save != 0);
		}
		return 0;
	}
	return -1;
}

static char *trim(char *s)
{
	size_t n;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = 0;
	return s;
}

int rconf_load(rconf *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[4096], e[256];
	unsigned lineno = 0, backend_line = 0;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *eq, *name, *val;
		const rkey *k = NULL;
		lineno++;
		for (char *h = line; (h = strchr(h, '#')) != NULL; h++)
			if (h == line || h[-1] == ' ' || h[-1] == '\t') {
				*h = 0;
				break;
			}
		name = trim(line);
		if (*name == 0)
			continue;
		eq = strchr(name, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%u: expected 'name = value'", path, lineno);
			fclose(f);
			return -1;
		}
		*eq = 0;
		val = trim(eq + 1);
		name = trim(name);
		for (size_t i = 0; i < NRKEYS; i++)
			if (strcmp(rkeys[i].name, name) == 0)
				k = &rkeys[i];
		if (k == NULL) {
			snprintf(err, errlen, "%s:%u: unknown setting '%s'", path, lineno, name);
			fclose(f);
			return -1;
		}
		if (set_key(c, k, val, e, sizeof e) < 0) {
			snprintf(err, errlen, "%s:%u: %s: %s", path, lineno, name, e);
			fclose(f);
			return -1;
		}
		if (k->type == R_BACKEND)
			backend_line = lineno;
	}
	fclose(f);
	if (strchr(c->v6only_address, '@') == NULL || strchr(c->dual_address, '@') == NULL) {
		snprintf(err, errlen, "%s: v6only_address and dual_address must be set", path);
		return -1;
	}
	if (c->state_backend == RCONF_STATE_REDIS && c->redis_server[0] == 0) {
		snprintf(err, errlen, "%s:%u: state_backend = redis needs redis_server", path, backend_line);
		return -1;
	}
	if (c->token_secret[0] == 0) {
		snprintf(err, errlen, "%s: token_secret must be set", path);
		return -1;
	}
	if (add_domain(c, rconf_domain_of(c->v6only_address)) < 0 ||
	    add_domain(c, rconf_domain_of(c->dual_address)) < 0) {
		snprintf(err, errlen, "%s: too many domains", path);
		return -1;
	}
	return 0;
}
