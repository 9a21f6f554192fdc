/*
 * DKIM verification (RFC 6376 6, RFC 8301, RFC 8463) on libopendkim with
 * the key records fetched through our resolver, and the mapping of each
 * signature's outcome onto the RFC 8601 2.7.1 result words.
 *
 * libopendkim is run with DKIM_LIBFLAGS_DELAYSIGPROC so that it asks for
 * keys at dkim_eom(), not at dkim_eoh(): dkimv_eoh() only submits the key
 * lookups (selector._domainkey.domain TXT) to the run, so they travel while
 * the body arrives and the other checks run; the key-lookup callback then
 * takes the answer from the run (the run de-duplicates the second lookup).
 * A DNS failure is kept here per signature, because libopendkim leaves a
 * signature whose lookup said "try again" unprocessed without a reason.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dkim.h>
#include "dkimv.h"

/* RFC 6376 3.6.2.2 allows a key record of several strings; libopendkim's
 * callback buffer is its BUFRSZ (1024) plus the terminator. */
#define KEY_TEXT_MAX 1024
#define SIG_HDR "DKIM-Signature"

struct dkimv_lib {
	DKIM_LIB *lib;
};

/* Our view of one DKIM-Signature field, parsed here for the prefetch and
 * the report (libopendkim has no handle for a field it could not parse). */
typedef struct msig {
	char domain[DNS_TEXT_MAX + 1];
	char selector[DNS_LABEL_MAX * 2 + 2];
	char algorithm[24];
	char b[16];
	char identity[DNS_TEXT_MAX + 66];
	int sha1;                  /* a=rsa-sha1: never valid (RFC 8301 3.1) */
	/* the key lookup, filled by the callback */
	int looked;
	int key_temp;              /* DNS failure: temperror                 */
	int key_none;              /* NXDOMAIN / NODATA / no key record       */
	int key_bad;               /* unusable key record (several, too long) */
	dns_sec key_sec;
	char key_reason[96];
} msig;

struct dkimv_msg {
	dkimv_lib *lib;
	dns_run *run;
	DKIM *dkim;                /* NULL if libopendkim refused the message */
	int eoh_done, eom_done;
	DKIM_STAT eoh_stat;
	char lib_err[96];          /* first error libopendkim reported        */
	size_t n_seen, n;
	msig sig[DKIMV_MAX_SIGS];
};

/* ---------- small string helpers ---------- */

/* Copies at most len octets of s into out as printable ASCII (others
 * become '?'), so that nothing from a message can reach a header or log
 * with a control character. */
static void copy_printable(char *out, size_t outlen, const char *s, size_t len)
{
	size_t o = 0;
	if (outlen == 0)
		return;
	for (size_t i = 0; i < len && s[i] && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];
		out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[o] = '\0';
}

static int is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Walks the tag-list of a DKIM-Signature value (RFC 6376 3.2) and keeps the
 * tags the report needs.  Lenient on purpose: libopendkim judges syntax. */
static void parse_sig_tags(msig *s, const char *v)
{
	const char *p = v;
	while (*p) {
		while (is_wsp((unsigned char)*p) || *p == ';')
			p++;
		if (!*p)
			break;
		const char *tn = p;
		while (*p && *p != '=' && *p != ';')
			p++;
		size_t tl = (size_t)(p - tn);
		while (tl && is_wsp((unsigned char)tn[tl - 1]))
			tl--;
		if (*p != '=') {
			continue;
		}
		p++;
		while (is_wsp((unsigned char)*p))
			p++;
		const char *tv = p;
		while (*p && *p != ';')
			p++;
		size_t vl = (size_t)(p - tv);
		while (vl && is_wsp((unsigned char)tv[vl - 1]))
			vl--;
		if (tl != 1 && !(tl == 2 && tn[0] == 'b' && tn[1] == 'h'))
			continue;
		switch (tl == 1 ? tn[0] : 0) {
		case 'd':
			copy_printable(s->domain, sizeof s->domain, tv, vl);
			for (char *c = s->domain; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			break;
		case 's':
			copy_printable(s->selector, sizeof s->selector, tv, vl);
			break;
		case 'a':
			copy_printable(s->algorithm, sizeof s->algorithm, tv, vl);
			for (char *c = s->algorithm; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			break;
		case 'i':
			copy_printable(s->identity, sizeof s->identity, tv, vl);
			break;
		case 'b': {
			/* RFC 6008 2: the first characters of b=, FWS removed */
			size_t o = 0;
			for (size_t i = 0; i < vl && o < 8; i++) {
				unsigned char c = (unsigned char)tv[i];
				if (isalnum(c) || c == '+' || c == '/' || c == '=')
					s->b[o++] = (char)c;
			}
			s->b[o] = '\0';
			break;
		}
		default:
			break;
		}
	}
	s->sha1 = strcmp(s->algorithm, "rsa-sha1") == 0;
}

/* selector._domainkey.domain into out; -1 if it cannot be a DNS name. */
static int key_name(const char *sel, const char *dom, char *out, size_t outlen)
{
	if (!*sel || !*dom)
		return -1;
	int n = snprintf(out, outlen, "%s._domainkey.%s", sel, dom);
	if (n < 0 || (size_t)n >= outlen || (size_t)n > DNS_TEXT_MAX)
		return -1;
	return 0;
}

/* ---------- libopendkim callbacks ---------- */

static int sig_index(DKIM *d, DKIM_SIGINFO *sig)
{
	DKIM_SIGINFO **list = NULL;
	int n = 0;
	if (dkim_getsiglist(d, &list, &n) != DKIM_STAT_OK)
		return -1;
	for (int i = 0; i < n; i++)
		if (list[i] == sig)
			return i;
	return -1;
}

/* RFC 8301 3.1: rsa-sha1 signatures are never valid, so their keys are not
 * fetched at all.  Judged on our own parse of a=: libopendkim leaves the
 * algorithm of a signature it found faulty at 0, which is its rsa-sha1. */
static DKIM_CBSTAT prescreen_cb(DKIM *d, DKIM_SIGINFO **sigs, int n)
{
	dkimv_msg *m = dkim_get_user_context(d);
	for (int i = 0; m && i < n && (size_t)i < m->n; i++)
		if (m->sig[i].sha1)
			dkim_sig_ignore(sigs[i]);
	return DKIM_CBSTAT_CONTINUE;
}

/* Whether a TXT record has a p= tag (RFC 6376 3.6.1), i.e. is meant as a
 * key record; other TXT records at the selector name are not ours. */
static int has_p_tag(const char *t, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (t[i] != 'p')
			continue;
		size_t j = i + 1;
		while (j < n && is_wsp((unsigned char)t[j]))
			j++;
		if (j >= n || t[j] != '=')
			continue;
		size_t k = i;
		while (k > 0 && is_wsp((unsigned char)t[k - 1]))
			k--;
		if (k == 0 || t[k - 1] == ';')
			return 1;
	}
	return 0;
}

static DKIM_CBSTAT key_cb(DKIM *d, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	dkimv_msg *m = dkim_get_user_context(d);
	int idx = sig_index(d, sig);
	msig scratch, *s;
	char qname[DNS_TEXT_MAX + 2];
	if (m == NULL)
		return DKIM_CBSTAT_ERROR;
	memset(&scratch, 0, sizeof scratch);
	s = (idx >= 0 && (size_t)idx < m->n) ? &m->sig[idx] : &scratch;
	s->looked = 1;
	const char *sel = (const char *)dkim_sig_getselector(sig);
	const char *dom = (const char *)dkim_sig_getdomain(sig);
	if (sel == NULL || dom == NULL || key_name(sel, dom, qname, sizeof qname) < 0) {
		s->key_none = 1;
		snprintf(s->key_reason, sizeof s->key_reason, "no valid key name");
		return DKIM_CBSTAT_NOTFOUND;
	}
	const dns_answer *a = dns_lookup(m->run, qname, DNS_T_TXT);
	if (a == NULL) {
		s->key_temp = 1;
		snprintf(s->key_reason, sizeof s->key_reason, "key lookup failed");
		return DKIM_CBSTAT_TRYAGAIN;
	}
	s->key_sec = a->sec;
	dkim_sig_setdnssec(sig, a->sec == DNS_SECURE ? DKIM_DNSSEC_SECURE :
	    a->sec == DNS_BOGUS ? DKIM_DNSSEC_BOGUS : DKIM_DNSSEC_INSECURE);
	switch (a->outcome) {
	case DNS_TEMPERROR:
		s->key_temp = 1;
		snprintf(s->key_reason, sizeof s->key_reason, "key lookup: %s",
		    a->sec == DNS_BOGUS ? "DNSSEC bogus" : (a->why_bogus ? a->why_bogus : "DNS failure"));
		copy_printable(s->key_reason, sizeof s->key_reason, s->key_reason, strlen(s->key_reason));
		return DKIM_CBSTAT_TRYAGAIN;
	case DNS_NXDOMAIN:
		s->key_none = 1;
		snprintf(s->key_reason, sizeof s->key_reason, "no key (NXDOMAIN)");
		return DKIM_CBSTAT_NOTFOUND;
	case DNS_NODATA:
		s->key_none = 1;
		snprintf(s->key_reason, sizeof s->key_reason, "no key (no TXT record)");
		return DKIM_CBSTAT_NOTFOUND;
	case DNS_ANSWER:
		break;
	}
	/* RFC 6376 3.6.2.2: several records make the result undefined; take
	 * the one that looks like a key record, refuse if that is ambiguous. */
	const dns_rr *pick = NULL;
	size_t cand = 0;
	for (size_t i = 0; i < a->n; i++) {
		const dns_rr *rr = &a->rr[i];
		if (rr->text == NULL)
			continue;
		if (!has_p_tag(rr->text, rr->textlen))
			continue;
		cand++;
		pick = rr;
	}
	if (cand == 0) {
		s->key_none = 1;
		snprintf(s->key_reason, sizeof s->key_reason, "no key record among the TXT records");
		return DKIM_CBSTAT_NOTFOUND;
	}
	if (cand > 1) {
		s->key_bad = 1;
		snprintf(s->key_reason, sizeof s->key_reason, "several key records");
		return DKIM_CBSTAT_NOTFOUND;
	}
	if (pick->textlen >= buflen || pick->textlen > KEY_TEXT_MAX ||
	    memchr(pick->text, '\0', pick->textlen) != NULL) {
		s->key_bad = 1;
		snprintf(s->key_reason, sizeof s->key_reason, "key record too long or malformed");
		return DKIM_CBSTAT_NOTFOUND;
	}
	memcpy(buf, pick->text, pick->textlen);
	buf[pick->textlen] = '\0';
	return DKIM_CBSTAT_CONTINUE;
}

/* ---------- library ---------- */

dkimv_lib *dkimv_lib_new(char *err, size_t errlen)
{
	dkimv_lib *l = calloc(1, sizeof *l);
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->lib = dkim_init(NULL, NULL);
	if (l->lib == NULL) {
		snprintf(err, errlen, "dkim_init failed");
		free(l);
		return NULL;
	}
	unsigned int flags = DKIM_LIBFLAGS_DELAYSIGPROC | DKIM_LIBFLAGS_BADSIGHANDLES;
	unsigned int bits = DKIMV_MIN_BITS;
	if (dkim_options(l->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags) != DKIM_STAT_OK ||
	    dkim_options(l->lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &bits, sizeof bits) != DKIM_STAT_OK ||
	    dkim_set_key_lookup(l->lib, key_cb) != DKIM_STAT_OK ||
	    dkim_set_prescreen(l->lib, prescreen_cb) != DKIM_STAT_OK) {
		snprintf(err, errlen, "libopendkim: cannot set options");
		dkim_close(l->lib);
		free(l);
		return NULL;
	}
	return l;
}

void dkimv_lib_free(dkimv_lib *lib)
{
	if (lib == NULL)
		return;
	dkim_close(lib->lib);
	free(lib);
}

/* ---------- one message ---------- */

static void note_lib_error(dkimv_msg *m, const char *what)
{
	if (m->lib_err[0])
		return;
	const char *e = m->dkim ? dkim_geterror(m->dkim) : NULL;
	char tmp[sizeof m->lib_err];
	snprintf(tmp, sizeof tmp, "%s%s%s", what, e && *e ? ": " : "", e && *e ? e : "");
	copy_printable(m->lib_err, sizeof m->lib_err, tmp, strlen(tmp));
}

dkimv_msg *dkimv_msg_new(dkimv_lib *lib, dns_run *run, const char *id)
{
	dkimv_msg *m = calloc(1, sizeof *m);
	if (m == NULL)
		abort();
	m->lib = lib;
	m->run = run;
	DKIM_STAT st = DKIM_STAT_OK;
	m->dkim = dkim_verify(lib->lib, (const u_char *)(id && *id ? id : "mxready"), NULL, &st);
	if (m->dkim == NULL || st != DKIM_STAT_OK) {
		if (m->dkim)
			dkim_free(m->dkim);
		m->dkim = NULL;
		snprintf(m->lib_err, sizeof m->lib_err, "dkim_verify failed");
	} else
		dkim_set_user_context(m->dkim, m);
	return m;
}

/* Field name as RFC 5322 2.2 allows: printable ASCII but colon. */
static int name_ok(const char *name)
{
	if (!*name)
		return 0;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == ':')
			return 0;
	return 1;
}

void dkimv_header(dkimv_msg *m, const char *name, const char *value)
{
	if (m == NULL || m->eoh_done || name == NULL || value == NULL || !name_ok(name))
		return;
	int is_sig = strcasecmp(name, SIG_HDR) == 0;
	if (is_sig) {
		m->n_seen++;
		/* Fields past the limit never reach libopendkim: it would set up
		 * a body hash for each (a cheap way to make us hash a body
		 * hundreds of times). */
		if (m->n >= DKIMV_MAX_SIGS)
			return;
		msig *s = &m->sig[m->n++];
		memset(s, 0, sizeof *s);
		parse_sig_tags(s, value);
	}
	if (m->dkim == NULL)
		return;
	/* "name:value" with every line end as CRLF, as libopendkim wants. */
	size_t nl = strlen(name), vl = strlen(value), cap = nl + 1 + 2 * vl + 1, o = 0;
	char *f = malloc(cap);
	if (f == NULL)
		abort();
	memcpy(f, name, nl);
	o = nl;
	f[o++] = ':';
	for (size_t i = 0; i < vl; i++) {
		char c = value[i];
		if (c == '\n' && (i == 0 || value[i - 1] != '\r'))
			f[o++] = '\r';
		if (c == '\r' && value[i + 1] != '\n') {
			f[o++] = '\r';
			f[o++] = '\n';
			continue;
		}
		f[o++] = c;
	}
	/* a field ending in a line end would end the header block early */
	while (o > nl + 1 && (f[o - 1] == '\n' || f[o - 1] == '\r'))
		o--;
	f[o] = '\0';
	DKIM_STAT st = dkim_header(m->dkim, (u_char *)f, o);
	if (st != DKIM_STAT_OK)
		note_lib_error(m, "header");
	free(f);
}

static void prefetch_cb(dns_run *run, const dns_answer *ans, void *arg)
{
	(void)run;
	(void)ans;
	(void)arg;
}

void dkimv_eoh(dkimv_msg *m)
{
	if (m == NULL || m->eoh_done)
		return;
	m->eoh_done = 1;
	for (size_t i = 0; i < m->n; i++) {
		char q[DNS_TEXT_MAX + 2];
		if (m->sig[i].sha1 || key_name(m->sig[i].selector, m->sig[i].domain, q, sizeof q) < 0)
			continue;
		dns_submit(m->run, q, DNS_T_TXT, prefetch_cb, NULL);
	}
	if (m->dkim == NULL)
		return;
	m->eoh_stat = dkim_eoh(m->dkim);
	if (m->eoh_stat != DKIM_STAT_OK && m->eoh_stat != DKIM_STAT_NOSIG) {
		note_lib_error(m, "end of header");
		dkim_free(m->dkim);
		m->dkim = NULL;
	}
}

void dkimv_body(dkimv_msg *m, const unsigned char *p, size_t len)
{
	if (m == NULL || len == 0)
		return;
	if (!m->eoh_done)
		dkimv_eoh(m);
	if (m->dkim == NULL || m->eoh_stat != DKIM_STAT_OK || m->eom_done)
		return;
	(void)dkim_body(m->dkim, (u_char *)p, len);
}

/* The result of one signature: RFC 8601 2.7.1 words; see docs/dkim.md. */
static void judge(dkimv_msg *m, size_t i, DKIM_SIGINFO *ls, dkimv_sig *out)
{
	const msig *s = &m->sig[i];
	memset(out, 0, sizeof *out);
	snprintf(out->domain, sizeof out->domain, "%s", s->domain);
	snprintf(out->selector, sizeof out->selector, "%s", s->selector);
	snprintf(out->algorithm, sizeof out->algorithm, "%s", s->algorithm);
	snprintf(out->b, sizeof out->b, "%s", s->b);
	snprintf(out->identity, sizeof out->identity, "%s", s->identity);
	out->key_sec = s->key_sec;
	out->key_fetched = s->looked;

#define SET(r, ...) do { out->result = (r); snprintf(out->reason, sizeof out->reason, __VA_ARGS__); } while (0)
	if (s->sha1) {
		SET(AUTH_FAIL, "rsa-sha1 is not acceptable (RFC 8301)");
		return;
	}
	if (ls == NULL) {
		SET(AUTH_NEUTRAL, "signature not processed%s%s", m->lib_err[0] ? ": " : "", m->lib_err);
		return;
	}
	unsigned bits = 0;
	if (dkim_sig_getkeysize(ls, &bits) == DKIM_STAT_OK)
		out->key_bits = bits;
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;
	(void)dkim_sig_getsignalg(ls, &alg);
	if (alg == DKIM_SIGN_ED25519SHA256 && s->looked && !s->key_temp && !s->key_none && !s->key_bad)
		out->key_bits = 256;   /* RFC 8463 3: the key is 32 octets */
	if (s->key_temp) {
		SET(AUTH_TEMPERROR, "%s", s->key_reason);
		return;
	}
	if (s->key_bad) {
		SET(AUTH_PERMERROR, "%s", s->key_reason);
		return;
	}
	unsigned flags = dkim_sig_getflags(ls);
	int err = dkim_sig_geterror(ls);
	int bh = dkim_sig_getbh(ls);
	if ((flags & DKIM_SIGFLAG_PASSED) && err == DKIM_SIGERROR_OK) {
		if (bh != DKIM_SIGBH_MATCH) {
			SET(AUTH_FAIL, "body hash mismatch (body altered)");
			return;
		}
		if (alg != DKIM_SIGN_ED25519SHA256 && out->key_bits < DKIMV_MIN_BITS) {
			SET(AUTH_FAIL, "RSA key of %u bits, under %u (RFC 8301)", out->key_bits,
			    (unsigned)DKIMV_MIN_BITS);
			return;
		}
		SET(AUTH_PASS, "%s", "");
		return;
	}
	switch (err) {
	case DKIM_SIGERROR_UNKNOWN:
		if (s->key_none)
			SET(AUTH_PERMERROR, "%s", s->key_reason);
		else
			SET(AUTH_NEUTRAL, "signature not processed%s%s", m->lib_err[0] ? ": " : "", m->lib_err);
		return;
	case DKIM_SIGERROR_NOKEY:
		SET(AUTH_PERMERROR, "%s", s->key_reason[0] ? s->key_reason : "no key");
		return;
	case DKIM_SIGERROR_KEYFAIL:
		SET(AUTH_TEMPERROR, "%s", "key lookup failed");
		return;
	case DKIM_SIGERROR_KEYREVOKED:
		SET(AUTH_PERMERROR, "%s", "key revoked (empty p=)");
		return;
	case DKIM_SIGERROR_DNSSYNTAX:
	case DKIM_SIGERROR_KEYVERSION:
	case DKIM_SIGERROR_KEYUNKNOWNHASH:
	case DKIM_SIGERROR_KEYHASHMISMATCH:
	case DKIM_SIGERROR_NOTEMAILKEY:
	case DKIM_SIGERROR_KEYTYPEMISSING:
	case DKIM_SIGERROR_KEYTYPEUNKNOWN:
	case DKIM_SIGERROR_KEYDECODE:
	case DKIM_SIGERROR_MULTIREPLY: {
		const char *e = dkim_sig_geterrorstr(err);
		SET(AUTH_PERMERROR, "unusable key record%s%s", e ? ": " : "", e ? e : "");
		return;
	}
	case DKIM_SIGERROR_KEYTOOSMALL:
		SET(AUTH_FAIL, "RSA key of %u bits, under %u (RFC 8301)", out->key_bits,
		    (unsigned)DKIMV_MIN_BITS);
		return;
	case DKIM_SIGERROR_BADSIG:
		if (bh == DKIM_SIGBH_MISMATCH)
			SET(AUTH_FAIL, "%s", "body hash mismatch (body altered)");
		else
			SET(AUTH_FAIL, "%s", "signature did not verify (signed header fields altered?)");
		return;
	case DKIM_SIGERROR_EXPIRED:
		SET(AUTH_FAIL, "%s", "signature expired");
		return;
	case DKIM_SIGERROR_FUTURE:
		SET(AUTH_FAIL, "%s", "signature timestamp in the future");
		return;
	case DKIM_SIGERROR_TOOLARGE_L:
		SET(AUTH_FAIL, "%s", "l= exceeds the body length");
		return;
	default: {
		const char *e = dkim_sig_geterrorstr(err);
		SET(AUTH_NEUTRAL, "signature syntax: %s", e ? e : "invalid");
		copy_printable(out->reason, sizeof out->reason, out->reason, strlen(out->reason));
		return;
	}
	}
#undef SET
}

/* "Best" for the summary: a pass wins; a temperror outranks the final
 * failures because a later attempt may pass. */
static int rank(auth_result r)
{
	switch (r) {
	case AUTH_PASS: return 6;
	case AUTH_TEMPERROR: return 5;
	case AUTH_FAIL: return 4;
	case AUTH_POLICY: return 3;
	case AUTH_NEUTRAL: return 2;
	case AUTH_PERMERROR: return 1;
	default: return 0;
	}
}

void dkimv_eom(dkimv_msg *m, dkimv_verdict *v)
{
	memset(v, 0, sizeof *v);
	v->result = AUTH_NONE;
	if (m == NULL)
		return;
	if (!m->eoh_done)
		dkimv_eoh(m);
	DKIM_SIGINFO **list = NULL;
	int nl = 0;
	if (m->dkim && !m->eom_done && m->eoh_stat == DKIM_STAT_OK) {
		m->eom_done = 1;
		DKIM_STAT st = dkim_eom(m->dkim, NULL);
		if (st != DKIM_STAT_OK && st != DKIM_STAT_NOSIG && st != DKIM_STAT_CANTVRFY &&
		    st != DKIM_STAT_BADSIG && st != DKIM_STAT_NOKEY && st != DKIM_STAT_REVOKED &&
		    st != DKIM_STAT_KEYFAIL)
			note_lib_error(m, "end of message");
	}
	if (m->dkim && m->eoh_stat == DKIM_STAT_OK && dkim_getsiglist(m->dkim, &list, &nl) != DKIM_STAT_OK)
		nl = 0;
	/* Every field we passed made one entry (BADSIGHANDLES), in order. */
	if (nl != (int)m->n)
		list = NULL;
	v->n_seen = m->n_seen;
	v->n = m->n;
	int best = -1;
	for (size_t i = 0; i < m->n; i++) {
		judge(m, i, list ? list[i] : NULL, &v->sig[i]);
		if (rank(v->sig[i].result) > best) {
			best = rank(v->sig[i].result);
			v->result = v->sig[i].result;
		}
	}
}

void dkimv_msg_free(dkimv_msg *m)
{
	if (m == NULL)
		return;
	if (m->dkim)
		dkim_free(m->dkim);
	free(m);
}

/* ---------- whole messages ---------- */

/* Index of the LF ending the line that starts at p, or len. */
static size_t line_end(const char *msg, size_t len, size_t p)
{
	const char *nl = memchr(msg + p, '\n', len - p);
	return nl ? (size_t)(nl - msg) : len;
}

void dkimv_verify_buffer(dkimv_lib *lib, dns_run *run, const char *msg, size_t len, dkimv_verdict *v)
{
	dkimv_msg *m = dkimv_msg_new(lib, run, "buffer");
	size_t p = 0;
	/* Header fields: a line that does not start with WSP opens a field;
	 * continuation lines belong to it; an empty line ends the block. */
	while (p < len) {
		size_t le = line_end(msg, len, p);
		size_t ce = le;
		if (ce > p && msg[ce - 1] == '\r')
			ce--;
		if (ce == p) {                     /* the empty line */
			p = le < len ? le + 1 : len;
			break;
		}
		size_t fe = le;                    /* the LF (or len) ending the field */
		while (fe + 1 < len && (msg[fe + 1] == ' ' || msg[fe + 1] == '\t'))
			fe = line_end(msg, len, fe + 1);
		size_t te = fe;
		if (te > p && msg[te - 1] == '\r')
			te--;
		const char *colon = memchr(msg + p, ':', te - p);
		if (colon != NULL && colon > msg + p) {
			size_t nlen = (size_t)(colon - (msg + p));
			size_t vlen = te - (size_t)(colon + 1 - msg);
			char *name = malloc(nlen + 1), *val = malloc(vlen + 1);
			if (name == NULL || val == NULL)
				abort();
			memcpy(name, msg + p, nlen);
			while (nlen && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
				nlen--;                    /* obs-optional: "Name :" */
			name[nlen] = '\0';
			memcpy(val, colon + 1, vlen);
			val[vlen] = '\0';
			dkimv_header(m, name, val);
			free(name);
			free(val);
		}
		p = fe < len ? fe + 1 : len;
	}
	dkimv_eoh(m);
	/* The body with every line end as CRLF, in bounded chunks. */
	unsigned char chunk[8192];
	size_t o = 0;
	for (size_t i = p; i < len; i++) {
		if (o + 2 > sizeof chunk) {
			dkimv_body(m, chunk, o);
			o = 0;
		}
		if (msg[i] == '\n' && (i == p || msg[i - 1] != '\r'))
			chunk[o++] = '\r';
		chunk[o++] = (unsigned char)msg[i];
	}
	if (o)
		dkimv_body(m, chunk, o);
	dkimv_eom(m, v);
	dkimv_msg_free(m);
}

/* ---------- report ---------- */

json_object *dkimv_json(const dkimv_verdict *v)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	json_object_object_add(o, "result", json_object_new_string(result_auth_str(v->result)));
	json_object_object_add(o, "signatures_seen", json_object_new_int64((int64_t)v->n_seen));
	for (size_t i = 0; i < v->n && i < DKIMV_MAX_SIGS; i++) {
		const dkimv_sig *s = &v->sig[i];
		json_object *j = json_object_new_object();
		json_object_object_add(j, "domain", json_object_new_string(s->domain));
		json_object_object_add(j, "selector", json_object_new_string(s->selector));
		json_object_object_add(j, "algorithm", json_object_new_string(s->algorithm));
		json_object_object_add(j, "result", json_object_new_string(result_auth_str(s->result)));
		json_object_object_add(j, "key_bits", json_object_new_int64(s->key_bits));
		json_object_object_add(j, "key_dnssec",
		    s->key_fetched ? json_object_new_string(dns_sec_str(s->key_sec)) : NULL);
		json_object_object_add(j, "reason", json_object_new_string(s->reason));
		json_object_object_add(j, "b", json_object_new_string(s->b));
		json_object_object_add(j, "identity", json_object_new_string(s->identity));
		json_object_array_add(arr, j);
	}
	json_object_object_add(o, "signatures", arr);
	return o;
}
