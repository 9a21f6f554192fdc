/*
 * Loop and abuse rules of the autoresponder (RFC 3834 2, 3.1.7, 5; RFC 2369
 * and 2919 list fields) and the reader of our Authentication-Results field
 * (RFC 8601 2.2: authserv-id, then "; method=result ptype.prop=value").
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "rpolicy.h"

#define RPOLICY_AR_MAX 4096         /* an A-R value considered */

void rpolicy_auth_init(rpolicy_auth *a)
{
	memset(a, 0, sizeof *a);
	snprintf(a->spf, sizeof a->spf, "none");
	snprintf(a->dkim, sizeof a->dkim, "none");
	snprintf(a->dmarc, sizeof a->dmarc, "none");
	snprintf(a->iprev, sizeof a->iprev, "none");
}

/* Copies value into out without comments and line ends; quoted strings are
 * kept (with their quotes) so that ';' inside them is not a separator. */
static void strip(const char *v, size_t len, char *out, size_t outlen)
{
	size_t o = 0;
	int depth = 0, q = 0;

	for (size_t i = 0; i < len && o + 1 < outlen; i++) {
		char c = v[i];
		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if ((unsigned char)c < 0x20 || c == 0x7f)
			continue;
		if (q) {
			if (c == '\\' && i + 1 < len) {
				out[o++] = c;
				c = v[++i];
				if (o + 1 < outlen)
					out[o++] = c;
				continue;
			}
			if (c == '"')
				q = 0;
			out[o++] = c;
			continue;
		}
		if (depth) {
			if (c == '\\' && i + 1 < len)
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			continue;
		}
		if (c == '(') {
			depth = 1;
			continue;
		}
		if (c == '"')
			q = 1;
		out[o++] = c;
	}
	out[o] = 0;
}

static const char *skipws(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

static void set_result(char *dst, size_t dlen, const char *res, size_t rlen)
{
	size_t n = rlen < dlen - 1 ? rlen : dlen - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)res[i]);
	dst[n] = 0;
}

int rpolicy_auth_parse(const char *value, size_t len, const char *authserv_id, rpolicy_auth *a)
{
	char buf[RPOLICY_AR_MAX];
	char id[RPOLICY_PROP_MAX];
	const char *p;
	int dkim_seen_pass = 0;

	if (len > RPOLICY_AR_MAX - 1)
		len = RPOLICY_AR_MAX - 1;
	if (authres_authserv_id(value, len, id, sizeof id) < 0)
		return -1;
	if (strcasecmp(id, authserv_id) != 0)
		return 0;
	strip(value, len, buf, sizeof buf);
	p = skipws(buf);
	if (*p == '"') {            /* skip the (quoted) authserv-id */
		for (p++; *p && *p != '"'; p++)
			if (*p == '\\' && p[1])
				p++;
	}
	if (a->found)
		return 0;              /* the topmost of ours counts */
	a->found = 1;
	/* an optional version after the authserv-id, then resinfo */
	while ((p = strchr(p, ';')) != NULL) {
		const char *m, *eq, *r, *end;
		size_t mn, rn;
		char props[RPOLICY_PROP_MAX];

		p = skipws(p + 1);
		end = p;
		/* the end of this resinfo: next ';' outside quotes */
		for (int q = 0; *end && (q || *end != ';'); end++)
			if (*end == '"')
				q = !q;
		m = p;
		eq = memchr(m, '=', (size_t)(end - m));
		if (eq == NULL)
			continue;          /* "none" */
		mn = strcspn(m, "/= ");
		r = skipws(eq + 1);
		rn = strcspn(r, " ;");
		if (r + rn > end)
			rn = (size_t)(end - r);
		{
			const char *pp = skipws(r + rn);
			size_t pn = (size_t)(end - pp);
			while (pn && pp[pn - 1] == ' ')
				pn--;
			if (pn >= sizeof props)
				pn = sizeof props - 1;
			memcpy(props, pp, pn);
			props[pn] = 0;
		}
		if (mn == 3 && strncasecmp(m, "spf", 3) == 0 && strcmp(a->spf, "none") == 0) {
			set_result(a->spf, sizeof a->spf, r, rn);
			snprintf(a->spf_prop, sizeof a->spf_prop, "%s", props);
		} else if (mn == 4 && strncasecmp(m, "dkim", 4) == 0 && !dkim_seen_pass) {
			set_result(a->dkim, sizeof a->dkim, r, rn);
			snprintf(a->dkim_prop, sizeof a->dkim_prop, "%s", props);
			dkim_seen_pass = strcmp(a->dkim, "pass") == 0;
		} else if (mn == 5 && strncasecmp(m, "dmarc", 5) == 0) {
			set_result(a->dmarc, sizeof a->dmarc, r, rn);
			snprintf(a->dmarc_prop, sizeof a->dmarc_prop, "%s", props);
		} else if (mn == 5 && strncasecmp(m, "iprev", 5) == 0)
			set_result(a->iprev, sizeof a->iprev, r, rn);
		p = end;
		if (*p == 0)
			break;
	}
	return 1;
}

int rpolicy_sender_ok(const char *s)
{
	const char *at = strrchr(s, '@');
	size_t n = strlen(s);

	if (n == 0 || n > RPOLICY_ADDR_MAX || at == NULL || at == s || at[1] == 0 ||
	    (size_t)(at - s) > 64)
		return 0;
	for (const char *p = s; p < at; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"@", c))
			return 0;
	}
	for (const char *p = at + 1; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!(isalnum(c) || c == '-' || c == '.' || c == '_'))
			return 0;
	}
	return at[1] != '.' && s[n - 1] != '.';
}

static int starts(const char *s, const char *p)
{
	return strncasecmp(s, p, strlen(p)) == 0;
}

static int is_system_local(const char *s)
{
	const char *at = strrchr(s, '@');
	size_t ln = at ? (size_t)(at - s) : strlen(s);
	static const char *const exact[] = { "mailer-daemon", "listserv", "majordomo", "noreply", "no-reply" };

	for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
		if (ln == strlen(exact[i]) && strncasecmp(s, exact[i], ln) == 0)
			return 1;
	if (starts(s, "owner-") || starts(s, "bounce+") || starts(s, "bounces+"))
		return 1;
	return ln >= 8 && strncasecmp(s + ln - 8, "-request", 8) == 0;
}

static int domain_is_ours(const char *d, const char (*ours)[256], size_t n)
{
	size_t dl = strlen(d);
	for (size_t i = 0; i < n; i++) {
		size_t ol = strlen(ours[i]);
		/* the domain or a subdomain of it */
		if (dl == ol && strcasecmp(d, ours[i]) == 0)
			return 1;
		if (dl > ol && d[dl - ol - 1] == '.' && strcasecmp(d + dl - ol, ours[i]) == 0)
			return 1;
	}
	return 0;
}

/* Skips CFWS (RFC 5322 3.2.2): white space, line ends, nested comments
 * with quoted-pairs.  NULL if a comment is not closed. */
static const char *skip_cfws(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (depth > 0 && *p == '\\' && p + 1 < end)
			p++;
		else if (*p == '(')
			depth++;
		else if (depth > 0 && *p == ')')
			depth--;
		else if (depth == 0 && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return p;
	}
	return depth > 0 ? NULL : p;
}

/* The first word of a field value after CFWS: letters, digits, '-'. */
static size_t first_word(const char *value, size_t len, const char **w)
{
	const char *end = value + len, *p = skip_cfws(value, end), *q;

	*w = p;
	if (p == NULL)
		return 0;
	for (q = p; q < end && (isalnum((unsigned char)*q) || *q == '-'); q++)
		;
	return (size_t)(q - p);
}

unsigned rpolicy_field(const char *name, const char *value, size_t len)
{
	static const char *const lists[] = { "List-Id", "List-Post", "List-Help", "List-Unsubscribe",
		"List-Subscribe", "List-Owner", "List-Archive" };
	const char *w;
	size_t n;

	if (strcasecmp(name, "Auto-Submitted") == 0) {
		n = first_word(value, len, &w);
		/* "no" ends at CFWS, ';' or the end: "nobody", "no-thanks" are not "no" */
		if (n == 2 && strncasecmp(w, "no", 2) == 0)
			return 0;
		return RPOLICY_F_AUTO;
	}
	if (strcasecmp(name, "Precedence") == 0) {
		n = first_word(value, len, &w);
		if (w == NULL)
			return RPOLICY_F_PRECEDENCE;   /* unreadable: in doubt */
		if (n >= 4 && (strncasecmp(w, "bulk", 4) == 0 || strncasecmp(w, "list", 4) == 0 ||
		    strncasecmp(w, "junk", 4) == 0))
			return RPOLICY_F_PRECEDENCE;
		return 0;
	}
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		if (strcasecmp(name, lists[i]) == 0)
			return RPOLICY_F_LIST;
	return 0;
}

rpolicy_reason rpolicy_decide(const rpolicy_input *in)
{
	if (in->sender == NULL || in->sender[0] == 0)
		return RPOLICY_NULL_SENDER;
	if (!rpolicy_sender_ok(in->sender))
		return RPOLICY_BAD_SENDER;
	if (is_system_local(in->sender))
		return RPOLICY_SYSTEM_SENDER;
	if (domain_is_ours(strrchr(in->sender, '@') + 1, in->our_domains, in->n_our_domains))
		return RPOLICY_OUR_DOMAIN;
	if (in->fields & RPOLICY_F_AUTO)
		return RPOLICY_AUTO_SUBMITTED;
	if (in->fields & RPOLICY_F_PRECEDENCE)
		return RPOLICY_PRECEDENCE;
	if (in->fields & RPOLICY_F_LIST)
		return RPOLICY_LIST;
	if (in->auth && !in->backscatter_reply &&
	    (strcmp(in->auth->spf, "fail") == 0 || strcmp(in->auth->spf, "softfail") == 0) &&
	    strcmp(in->auth->dkim, "pass") != 0)
		return RPOLICY_BACKSCATTER;
	return RPOLICY_REPLY;
}

const char *rpolicy_reason_str(rpolicy_reason r)
{
	switch (r) {
	case RPOLICY_REPLY: return "reply";
	case RPOLICY_NULL_SENDER: return "null-sender";
	case RPOLICY_BAD_SENDER: return "bad-sender";
	case RPOLICY_SYSTEM_SENDER: return "system-sender";
	case RPOLICY_OUR_DOMAIN: return "our-domain";
	case RPOLICY_AUTO_SUBMITTED: return "auto-submitted";
	case RPOLICY_PRECEDENCE: return "precedence";
	case RPOLICY_LIST: return "list";
	case RPOLICY_BACKSCATTER: return "backscatter";
	}
	return "?";
}
