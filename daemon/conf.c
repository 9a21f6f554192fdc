/*
 * The mxready configuration file: "name = value" lines, one table of keys
 * with their types, ranges and defaults, errors with line numbers.
 * Socket syntax follows libmilter's smfi_setconn() (unix:, inet:, inet6:).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "addr.h"
#include "conf.h"
#include "domain.h"
#include "str.h"

typedef enum { T_STR, T_SOCKET, T_BOOL, T_SECONDS, T_COUNT, T_ACTION, T_ACTION_TEMP,
	T_RESOLVERS, T_NETWORKS, T_FACILITY, T_LEVEL, T_HOSTNAME } key_type;

typedef struct key {
	const char *name;
	key_type type;
	size_t off;
	double min, max;            /* T_SECONDS, T_COUNT */
} key;

#define K(n, t) { #n, t, offsetof(conf, n), 0, 0 }
static const key keys[] = {
	K(milter_socket, T_SOCKET),
	K(policy_socket, T_SOCKET),
	{ "policy_read_timeout", T_SECONDS, offsetof(conf, policy_read_timeout), 0.1, 3600 },
	{ "policy_idle_timeout", T_SECONDS, offsetof(conf, policy_idle_timeout), 1, 86400 },
	K(user, T_STR),
	K(pidfile, T_STR),
	K(authserv_id, T_HOSTNAME),
	K(dns_resolver, T_RESOLVERS),
	K(dns_trust_anchor, T_STR),
	K(dns_table, T_STR),
	{ "dns_timeout", T_SECONDS, offsetof(conf, dns_timeout), 0.1, 120 },
	{ "dns_cache_size", T_COUNT, offsetof(conf, dns_cache_size), 0, 1000000 },
	{ "dns_cache_max_ttl", T_COUNT, offsetof(conf, dns_cache_max_ttl), 1, 86400 },
	K(trusted_networks, T_NETWORKS),
	K(use_client_resolve, T_BOOL),
	K(action_spf_fail, T_ACTION),
	K(action_iprev_fail, T_ACTION),
	K(action_dmarc_reject, T_ACTION),
	K(action_dmarc_quarantine, T_ACTION),
	K(action_dmarc_permerror, T_ACTION),
	K(action_null_mx, T_ACTION),
	K(action_temperror, T_ACTION_TEMP),
	K(readiness_checks, T_BOOL),
	K(readiness_header, T_BOOL),
	{ "readiness_cache", T_SECONDS, offsetof(conf, readiness_cache), 0, 86400 },
	K(syslog_facility, T_FACILITY),
	K(log_level, T_LEVEL),
	K(log_file, T_STR),
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const struct { const char *name; int val; } facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};
static const char *const levels[] = {
	[CONF_LOG_ERR] = "error", [CONF_LOG_WARNING] = "warning",
	[CONF_LOG_NOTICE] = "notice", [CONF_LOG_INFO] = "info", [CONF_LOG_DEBUG] = "debug",
};
static const char *const actions[] = {
	[CONF_ACT_ACCEPT] = "accept", [CONF_ACT_TAG] = "tag",
	[CONF_ACT_QUARANTINE] = "quarantine", [CONF_ACT_TEMPFAIL] = "tempfail",
	[CONF_ACT_REJECT] = "reject",
};

const char *conf_action_str(conf_action a)
{
	return (unsigned)a < sizeof actions / sizeof actions[0] ? actions[a] : "?";
}

static int copy_str(char *dst, const char *src, char *err, size_t errlen)
{
	size_t n = strlen(src);
	if (n >= CONF_STR_MAX) {
		str_err(err, errlen, "value longer than %d characters", CONF_STR_MAX - 1);
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

/* Printable ASCII without white space: every string value. */
static int check_token(const char *v, char *err, size_t errlen)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f) {
			str_err(err, errlen, "'%s': white space or non-ASCII character in value", v);
			return -1;
		}
	return 0;
}

int conf_socket_check(const char *spec, char *err, size_t errlen)
{
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		const char *p = strchr(spec, ':') + 1;
		if (*p != '/') {
			str_err(err, errlen, "'%s': unix socket path must be absolute", spec);
			return -1;
		}
		if (strlen(p) >= 100) {   /* sun_path is 108 octets */
			str_err(err, errlen, "'%s': unix socket path too long", spec);
			return -1;
		}
		return 0;
	}
	int six = strncmp(spec, "inet6:", 6) == 0;
	if (six || strncmp(spec, "inet:", 5) == 0) {
		const char *p = spec + (six ? 6 : 5);
		char *end;
		errno = 0;
		long port = strtol(p, &end, 10);
		if (errno || end == p || port < 1 || port > 65535 || (*end != '@' && *end)) {
			str_err(err, errlen, "'%s': port must be 1..65535", spec);
			return -1;
		}
		if (*end == '@') {
			unsigned char buf[16];
			const char *host = end + 1;
			if (*host == '[') {   /* libmilter accepts inet6:PORT@[ADDR] */
				size_t n = strlen(host);
				char tmp[64];
				if (n < 3 || n - 2 >= sizeof tmp || host[n - 1] != ']') {
					str_err(err, errlen, "'%s': bad address", spec);
					return -1;
				}
				memcpy(tmp, host + 1, n - 2);
				tmp[n - 2] = 0;
				if (inet_pton(AF_INET6, tmp, buf) != 1) {
					str_err(err, errlen, "'%s': bad IPv6 address", spec);
					return -1;
				}
			} else if (inet_pton(six ? AF_INET6 : AF_INET, host, buf) != 1 &&
			    (*host == 0 || strspn(host, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != strlen(host))) {
				str_err(err, errlen, "'%s': bad host", spec);
				return -1;
			}
		}
		return 0;
	}
	str_err(err, errlen, "'%s': expected unix:PATH, inet:PORT@HOST or inet6:PORT@HOST", spec);
	return -1;
}

/* Splits a list value on commas and white space; calls fn per item. */
static int each_item(const char *v, int (*fn)(conf *, const char *, char *, size_t),
    conf *c, char *err, size_t errlen)
{
	char item[CONF_STR_MAX];
	int any = 0;
	while (*v) {
		size_t n = strcspn(v, ", \t");
		if (n) {
			if (n >= sizeof item) {
				str_err(err, errlen, "list item longer than %zu characters", sizeof item - 1);
				return -1;
			}
			memcpy(item, v, n);
			item[n] = 0;
			if (fn(c, item, err, errlen) < 0)
				return -1;
			any = 1;
		}
		v += n;
		v += strspn(v, ", \t");
	}
	(void)any;
	return 0;
}

static int add_resolver(conf *c, const char *s, char *err, size_t errlen)
{
	char host[64];
	unsigned char buf[16];
	const char *at = strchr(s, '@');
	size_t n = at ? (size_t)(at - s) : strlen(s);
	if (c->n_dns_resolver == CONF_MAX_RESOLVERS) {
		str_err(err, errlen, "more than %d resolvers", CONF_MAX_RESOLVERS);
		return -1;
	}
	if (n == 0 || n >= sizeof host)
		goto bad;
	memcpy(host, s, n);
	host[n] = 0;
	if (inet_pton(AF_INET, host, buf) != 1 && inet_pton(AF_INET6, host, buf) != 1)
		goto bad;
	if (at) {
		char *end;
		errno = 0;
		long port = strtol(at + 1, &end, 10);
		if (errno || end == at + 1 || *end || port < 1 || port > 65535)
			goto bad;
	}
	if (copy_str(c->dns_resolver[c->n_dns_resolver], s, err, errlen) < 0)
		return -1;
	c->n_dns_resolver++;
	return 0;
bad:
	str_err(err, errlen, "'%s': expected ADDRESS or ADDRESS@PORT", s);
	return -1;
}

static int parse_net(const char *s, conf_net *net)
{
	char a[64], norm[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof a)
		return -1;
	memcpy(a, s, n);
	a[n] = 0;
	memset(net, 0, sizeof *net);
	if (inet_pton(AF_INET, a, net->addr) == 1)
		net->family = 4;
	else if (inet_pton(AF_INET6, a, net->addr) == 1)
		net->family = 6;
	else
		return -1;
	unsigned maxp = net->family == 4 ? 32 : 128;
	net->prefix = maxp;
	if (slash) {
		char *end;
		errno = 0;
		long p = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || p < 0 || (unsigned long)p > maxp)
			return -1;
		net->prefix = (unsigned)p;
	}
	/* clear host bits so that 192.0.2.7/24 means 192.0.2.0/24 */
	for (unsigned i = 0; i < 16; i++) {
		unsigned lo = i * 8;
		if (lo >= net->prefix)
			net->addr[i] = 0;
		else if (lo + 8 > net->prefix)
			net->addr[i] &= (unsigned char)(0xff << (8 - (net->prefix - lo)));
	}
	inet_ntop(net->family == 4 ? AF_INET : AF_INET6, net->addr, norm, sizeof norm);
	snprintf(net->text, sizeof net->text, "%s/%u", norm, net->prefix);
	return 0;
}

static int add_network(conf *c, const char *s, char *err, size_t errlen)
{
	if (c->n_trusted_networks == CONF_MAX_NETWORKS) {
		str_err(err, errlen, "more than %d networks", CONF_MAX_NETWORKS);
		return -1;
	}
	if (parse_net(s, &c->trusted_networks[c->n_trusted_networks]) < 0) {
		str_err(err, errlen, "'%s': expected ADDRESS or ADDRESS/PREFIX", s);
		return -1;
	}
	c->n_trusted_networks++;
	return 0;
}

static int parse_bool(const char *v, int *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "on"))
		*out = 1;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* Sets key k from v.  append: list keys add to the current list. */
static int set_key(conf *c, const key *k, const char *v, int append, char *err, size_t errlen)
{
	void *p = (char *)c + k->off;
	switch (k->type) {
	case T_STR:
		if (*v && check_token(v, err, errlen) < 0)
			return -1;
		return copy_str(p, v, err, errlen);
	case T_HOSTNAME: {
		char tmp[DNS_TEXT_MAX + 2], e[128];
		if (*v == 0) {
			str_err(err, errlen, "must not be empty");
			return -1;
		}
		/* a name with U-labels is written with A-labels (IDNA 2008) */
		int utf8 = 0;
		for (const char *q = v; *q; q++)
			utf8 |= (unsigned char)*q >= 0x80;
		if (utf8) {
			domain_name dn;
			if (domain_parse(v, strlen(v), &dn, e, sizeof e) < 0) {
				str_err(err, errlen, "'%s' is not a host name: %s", v, e);
				return -1;
			}
			return copy_str(p, dn.ascii, err, errlen);
		}
		if (dns_name_normalize(v, tmp, sizeof tmp, e, sizeof e) < 0) {
			str_err(err, errlen, "'%s' is not a host name: %s", v, e);
			return -1;
		}
		return copy_str(p, tmp, err, errlen);
	}
	case T_SOCKET:
		if (*v && (check_token(v, err, errlen) < 0 || conf_socket_check(v, err, errlen) < 0))
			return -1;
		return copy_str(p, v, err, errlen);
	case T_BOOL:
		if (parse_bool(v, p) < 0) {
			str_err(err, errlen, "'%s': expected yes or no", v);
			return -1;
		}
		return 0;
	case T_SECONDS: {
		char *end;
		errno = 0;
		double d = strtod(v, &end);
		if (errno || end == v || *end) {
			str_err(err, errlen, "'%s' is not a number of seconds", v);
			return -1;
		}
		if (!(d >= k->min && d <= k->max)) {
			str_err(err, errlen, "%s is out of range (%g..%g)", v, k->min, k->max);
			return -1;
		}
		*(double *)p = d;
		return 0;
	}
	case T_COUNT: {
		char *end;
		errno = 0;
		unsigned long u = strtoul(v, &end, 10);
		if (errno || end == v || *end || *v == '-' || *v == '+') {
			str_err(err, errlen, "'%s' is not a whole number", v);
			return -1;
		}
		if (!((double)u >= k->min && (double)u <= k->max)) {
			str_err(err, errlen, "%s is out of range (%g..%g)", v, k->min, k->max);
			return -1;
		}
		*(unsigned *)p = (unsigned)u;
		return 0;
	}
	case T_ACTION:
	case T_ACTION_TEMP:
		for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
			if (strcasecmp(v, actions[i]) == 0) {
				if (k->type == T_ACTION_TEMP && i != CONF_ACT_ACCEPT && i != CONF_ACT_TEMPFAIL)
					break;
				*(conf_action *)p = (conf_action)i;
				return 0;
			}
		str_err(err, errlen, "'%s': expected %s", v, k->type == T_ACTION_TEMP ?
		    "accept or tempfail" : "accept, tag, quarantine, tempfail or reject");
		return -1;
	case T_RESOLVERS:
		if (!append)
			c->n_dns_resolver = 0;
		return each_item(v, add_resolver, c, err, errlen);
	case T_NETWORKS:
		if (!append)
			c->n_trusted_networks = 0;
		return each_item(v, add_network, c, err, errlen);
	case T_FACILITY:
		for (size_t i = 0; i < sizeof facilities / sizeof facilities[0]; i++)
			if (strcasecmp(v, facilities[i].name) == 0) {
				*(int *)p = facilities[i].val;
				return 0;
			}
		str_err(err, errlen, "'%s': expected mail, daemon, user or local0..local7", v);
		return -1;
	case T_LEVEL:
		for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
			if (levels[i] && strcasecmp(v, levels[i]) == 0) {
				*(conf_log_level *)p = (conf_log_level)i;
				return 0;
			}
		str_err(err, errlen, "'%s': expected error, warning, notice, info or debug", v);
		return -1;
	}
	return -1;
}

static const key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

conf *conf_new(void)
{
	conf *c = calloc(1, sizeof *c);
	char host[256] = "localhost", err[128];
	if (c == NULL)
		abort();
	snprintf(c->milter_socket, sizeof c->milter_socket, "unix:/var/spool/postfix/mxready/milter.sock");
	snprintf(c->policy_socket, sizeof c->policy_socket, "inet:10045@127.0.0.1");
	snprintf(c->user, sizeof c->user, "mxready");
	if (gethostname(host, sizeof host - 1) != 0 || host[0] == 0 ||
	    set_key(c, find_key("authserv_id"), host, 0, err, sizeof err) < 0)
		snprintf(c->authserv_id, sizeof c->authserv_id, "localhost");
	c->dns_timeout = 10;
	c->dns_cache_size = DNS_CACHE_ENTRIES;
	c->dns_cache_max_ttl = DNS_CACHE_MAX_TTL;
	c->policy_read_timeout = 10;    /* Postfix writes a request at once      */
	c->policy_idle_timeout = 600;   /* > smtpd_policy_service_max_idle (300) */
	add_network(c, "127.0.0.0/8", err, sizeof err);
	add_network(c, "::1/128", err, sizeof err);
	c->use_client_resolve = 1;
	c->action_spf_fail = CONF_ACT_TAG;
	c->action_iprev_fail = CONF_ACT_TAG;
	c->action_dmarc_reject = CONF_ACT_REJECT;
	c->action_dmarc_quarantine = CONF_ACT_QUARANTINE;
	c->action_dmarc_permerror = CONF_ACT_REJECT;   /* RFC 7489 6.6.1 */
	c->action_null_mx = CONF_ACT_REJECT;
	c->action_temperror = CONF_ACT_TEMPFAIL;
	c->readiness_checks = 1;
	c->readiness_header = 1;
	c->readiness_cache = 300;       /* the TTL DNS data commonly has */
	c->syslog_facility = LOG_MAIL;
	c->log_level = CONF_LOG_INFO;
	return c;
}

void conf_free(conf *c)
{
	free(c);
}

int conf_set(conf *c, const char *name, const char *value, char *err, size_t errlen)
{
	const key *k = find_key(name);
	char e[512];
	if (k == NULL) {
		str_err(err, errlen, "unknown setting '%s'", name);
		return -1;
	}
	if (set_key(c, k, value, 0, e, sizeof e) < 0) {
		str_err(err, errlen, "%s: %s", name, e);
		return -1;
	}
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = 0;
	return s;
}

int conf_load(conf *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	unsigned seen[NKEYS] = { 0 };
	char *line = NULL, e[512];
	size_t cap = 0;
	ssize_t got;
	unsigned lineno = 0;
	int rc = 0;

	if (f == NULL) {
		str_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((got = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (memchr(line, 0, (size_t)got) != NULL) {
			str_err(err, errlen, "%s:%u: NUL byte in line", path, lineno);
			rc = -1;
			break;
		}
		if (got > 4096) {
			str_err(err, errlen, "%s:%u: line too long", path, lineno);
			rc = -1;
			break;
		}
		/* a comment starts at '#' at the line start or after white space */
		for (char *h = line; (h = strchr(h, '#')) != NULL; h++)
			if (h == line || h[-1] == ' ' || h[-1] == '\t') {
				*h = 0;
				break;
			}
		char *s = trim(line);
		if (*s == 0)
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			str_err(err, errlen, "%s:%u: expected 'name = value'", path, lineno);
			rc = -1;
			break;
		}
		*eq = 0;
		char *name = trim(s), *value = trim(eq + 1);
		const key *k = find_key(name);
		if (k == NULL) {
			str_err(err, errlen, "%s:%u: unknown setting '%s'", path, lineno, name);
			rc = -1;
			break;
		}
		size_t ki = (size_t)(k - keys);
		int list = k->type == T_RESOLVERS || k->type == T_NETWORKS;
		if (seen[ki] && !list) {
			str_err(err, errlen, "%s:%u: %s already set on line %u", path, lineno, name, seen[ki]);
			rc = -1;
			break;
		}
		/* the first occurrence of a list replaces the default */
		if (set_key(c, k, value, seen[ki] != 0, e, sizeof e) < 0) {
			str_err(err, errlen, "%s:%u: %s: %s", path, lineno, name, e);
			rc = -1;
			break;
		}
		seen[ki] = lineno;
	}
	if (rc == 0 && ferror(f)) {
		str_err(err, errlen, "%s: read error", path);
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

void conf_print(const conf *c, FILE *f)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const key *k = &keys[i];
		const void *p = (const char *)c + k->off;
		fprintf(f, "%s =", k->name);
		switch (k->type) {
		case T_STR: case T_SOCKET: case T_HOSTNAME:
			if (*(const char *)p)
				fprintf(f, " %s", (const char *)p);
			break;
		case T_BOOL:
			fprintf(f, " %s", *(const int *)p ? "yes" : "no");
			break;
		case T_SECONDS:
			fprintf(f, " %g", *(const double *)p);
			break;
		case T_COUNT:
			fprintf(f, " %u", *(const unsigned *)p);
			break;
		case T_ACTION: case T_ACTION_TEMP:
			fprintf(f, " %s", conf_action_str(*(const conf_action *)p));
			break;
		case T_RESOLVERS:
			for (size_t j = 0; j < c->n_dns_resolver; j++)
				fprintf(f, "%s%s", j ? ", " : " ", c->dns_resolver[j]);
			break;
		case T_NETWORKS:
			for (size_t j = 0; j < c->n_trusted_networks; j++)
				fprintf(f, "%s%s", j ? ", " : " ", c->trusted_networks[j].text);
			break;
		case T_FACILITY:
			for (size_t j = 0; j < sizeof facilities / sizeof facilities[0]; j++)
				if (facilities[j].val == *(const int *)p)
					fprintf(f, " %s", facilities[j].name);
			break;
		case T_LEVEL:
			fprintf(f, " %s", levels[*(const conf_log_level *)p]);
			break;
		}
		fputc('\n', f);
	}
}

int conf_is_trusted(const conf *c, const char *ip)
{
	char norm[64];
	conf_net a;
	int fam = addr_normalize(ip, norm, sizeof norm);
	if (fam == 0 || parse_net(norm, &a) < 0)
		return 0;
	for (size_t i = 0; i < c->n_trusted_networks; i++) {
		const conf_net *n = &c->trusted_networks[i];
		if (n->family != a.family)
			continue;
		unsigned bits = n->prefix, j = 0;
		for (; bits >= 8; bits -= 8, j++)
			if (a.addr[j] != n->addr[j])
				break;
		if (bits >= 8)
			continue;
		if (bits == 0 || ((a.addr[j] ^ n->addr[j]) & (0xff << (8 - bits)) & 0xff) == 0)
			return 1;
	}
	return 0;
}

void conf_dns_options(const conf *c, dns_options *o, const char **fwd)
{
	memset(o, 0, sizeof *o);
	for (size_t i = 0; i < c->n_dns_resolver; i++)
		fwd[i] = c->dns_resolver[i];
	o->forwarders = c->n_dns_resolver ? fwd : NULL;
	o->n_forwarders = c->n_dns_resolver;
	o->trust_anchor_file = c->dns_trust_anchor[0] ? c->dns_trust_anchor : NULL;
	o->table_file = c->dns_table[0] ? c->dns_table : NULL;
	o->cache_entries = c->dns_cache_size ? (int)c->dns_cache_size : -1;
	o->cache_max_ttl = (int)c->dns_cache_max_ttl;
}

int conf_set_assignment(conf *c, const char *assignment, char *err, size_t errlen)
{
	char name[64];
	const char *eq = strchr(assignment, '=');
	if (eq == NULL || eq == assignment || (size_t)(eq - assignment) >= sizeof name) {
		str_err(err, errlen, "-o %s: expected NAME=VALUE", assignment);
		return -1;
	}
	memcpy(name, assignment, (size_t)(eq - assignment));
	name[eq - assignment] = 0;
	char e[512];
	if (conf_set(c, name, eq + 1, e, sizeof e) < 0) {
		str_err(err, errlen, "-o: %s", e);
		return -2;
	}
	return 0;
}

int conf_load_cli(conf *c, const char *path, int must_exist, char *const *over, size_t n_over,
    char *err, size_t errlen)
{
	if ((must_exist || access(path, F_OK) == 0) && conf_load(c, path, err, errlen) < 0)
		return -2;
	for (size_t i = 0; i < n_over; i++) {
		int r = conf_set_assignment(c, over[i], err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}
