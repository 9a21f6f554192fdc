/*
 * Loop and abuse rules of the autoresponder (RFC 3834 2, 3.1.7, 5; RFC 2369
 * and 2919 list fields) and what it takes from our Authentication-Results
 * field (RFC 8601 2.2, 2.7), read by core/authres.c's parser: the SPF
 * result keyed smtp.mailfrom (never smtp.helo), the best DKIM result, the
 * DMARC and iprev results.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "rpolicy.h"

void rpolicy_auth_init(rpolicy_auth *a)
{
	memset(a, 0, sizeof *a);
	snprintf(a->spf, sizeof a->spf, "none");
	snprintf(a->dkim, sizeof a->dkim, "none");
	snprintf(a->dmarc, sizeof a->dmarc, "none");
	snprintf(a->iprev, sizeof a->iprev, "none");
}

/* dst = the result word of r (lower case from the parser), cut to fit. */
static void set_result(char *dst, size_t dlen, const authres_result *r)
{
	snprintf(dst, dlen, "%s", r->result);
}

/* dst = "ptype.property=value" of r, printable ASCII only (the reply
 * quotes it), "" when r lacks the property. */
static void set_prop(char *dst, size_t dlen, const authres_result *r, const char *ptype,
    const char *property)
{
	const char *v = authres_prop_value(r, ptype, property);
	size_t o;
	dst[0] = '\0';
	if (v == NULL)
		return;
	o = (size_t)snprintf(dst, dlen, "%s.%s=", ptype, property);
	for (; *v && o + 1 < dlen; v++)
		dst[o++] = (*v < 0x20 || *v >= 0x7f) ? '?' : *v;
	dst[o < dlen ? o : dlen - 1] = '\0';
}

/* The SPF result of the MAIL FROM identity (RFC 8601 2.7.2: keyed by
 * smtp.mailfrom); one without any smtp property only if there is none
 * keyed so; never the HELO identity's (smtp.helo). */
static const authres_result *spf_mailfrom(const authres_parsed *p)
{
	const authres_result *r = authres_find(p, "spf", "smtp", "mailfrom");
	for (size_t i = 0; r == NULL && i < p->n_res; i++)
		if (strcmp(p->res[i].method, "spf") == 0 &&
		    authres_prop_value(&p->res[i], "smtp", "helo") == NULL)
			r = &p->res[i];
	return r;
}

static void fill(rpolicy_auth *a, const authres_parsed *p)
{
	const authres_result *r;
	if ((r = spf_mailfrom(p)) != NULL) {
		set_result(a->spf, sizeof a->spf, r);
		set_prop(a->spf_prop, sizeof a->spf_prop, r, "smtp", "mailfrom");
	}
	/* any passing signature wins, else the first */
	for (size_t i = 0, seen = 0; i < p->n_res; i++) {
		r = &p->res[i];
		if (strcmp(r->method, "dkim") != 0)
			continue;
		if (!seen++ || strcmp(r->result, "pass") == 0) {
			set_result(a->dkim, sizeof a->dkim, r);
			set_prop(a->dkim_prop, sizeof a->dkim_prop, r, "header", "d");
		}
		if (strcmp(r->result, "pass") == 0)
			break;
	}
	if ((r = authres_find(p, "dmarc", NULL, NULL)) != NULL) {
		set_result(a->dmarc, sizeof a->dmarc, r);
		set_prop(a->dmarc_prop, sizeof a->dmarc_prop, r, "header", "from");
	}
	if ((r = authres_find(p, "iprev", NULL, NULL)) != NULL)
		set_result(a->iprev, sizeof a->iprev, r);
}

int rpolicy_auth_parse(const char *value, size_t len, const char *authserv_id, rpolicy_auth *a)
{
	char id[RPOLICY_PROP_MAX];
	authres_parsed *p;

	if (authres_authserv_id(value, len, id, sizeof id) < 0)
		return -1;
	if (strcasecmp(id, authserv_id) != 0)
		return 0;
	if (a->found)
		return 0;              /* the topmost of ours counts */
	a->found = 1;
	/* a field of ours that does not parse (or of a version we do not
	 * know, RFC 8601 2.2) reports nothing: every result stays "none" */
	if (authres_parse(value, len, &p) < 0)
		return -1;
	if (p->version > 1) {
		authres_parsed_free(p);
		return -1;
	}
	fill(a, p);
	authres_parsed_free(p);
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
