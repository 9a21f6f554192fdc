/*
 * `mxready stats`: reads syslog text (RFC 3164 stamps without a year, RFC
 * 5424 and ISO 8601 "short-iso" stamps, the daemons' own log_file format),
 * gzip-compressed rotated files (zlib, RFC 1952) and journalctl's `-o json`
 * lines (json-c), picks out the verdict lines of mxready-milter,
 * mxready-policyd and mxready-responder (core/vline.c reads them) and counts
 * them in one pass with bounded memory (cli/stab.c).  Lines of other
 * programs are only counted: the program name is compared before anything
 * else is parsed, so Postfix's own lines cost a few octet compares each.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include <zlib.h>

#include "stats.h"
#include "vline.h"

#define READ_CHUNK (1 << 18)

/* ---- time ---- */

static long local_off;          /* seconds east of UTC, now */
static int64_t ref_civil;       /* reference for the year of 3164 stamps */
static int ref_year;

static int64_t days_from_civil(int y, int m, int d)
{
	/* H. Hinnant's algorithm: days since 1970-01-01, proleptic Gregorian */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void stats_set_ref(time_t ref)
{
	struct tm tm;
	localtime_r(&ref, &tm);
	local_off = tm.tm_gmtoff;
	ref_year = tm.tm_year + 1900;
	ref_civil = days_from_civil(ref_year, tm.tm_mon + 1, tm.tm_mday) * 86400 +
	    tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

static int num(const char *p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|+HHMM]" (also ' ' for 'T', or only the
 * date).  Sets *civ (wall clock seconds as written), *off (zone) and *zoned.
 * Returns the length read, 0 if not a stamp. */
static size_t parse_iso(const char *p, size_t n, int64_t *civ, long *off, int *zoned, int date_only_ok)
{
	int y, mo, d, h = 0, mi = 0, s = 0;
	size_t i = 10;
	if (n < 10 || p[4] != '-' || p[7] != '-' || (y = num(p, 4)) < 0 || (mo = num(p + 5, 2)) < 1 ||
	    mo > 12 || (d = num(p + 8, 2)) < 1 || d > 31)
		return 0;
	*zoned = 0;
	*off = 0;
	if (n >= 16 && (p[10] == 'T' || p[10] == ' ') && p[13] == ':') {
		if ((h = num(p + 11, 2)) < 0 || h > 23 || (mi = num(p + 14, 2)) < 0 || mi > 59)
			return 0;
		i = 16;
		if (n >= 19 && p[16] == ':') {
			if ((s = num(p + 17, 2)) < 0 || s > 60)
				return 0;
			i = 19;
		}
		if (i < n && (p[i] == '.' || p[i] == ','))
			for (i++; i < n && isdigit((unsigned char)p[i]); i++)
				;
		if (i < n && p[i] == 'Z') {
			*zoned = 1;
			i++;
		} else if (i + 5 <= n && (p[i] == '+' || p[i] == '-')) {
			int oh = num(p + i + 1, 2), om;
			size_t k = i + 3;
			if (k < n && p[k] == ':')
				k++;
			om = k + 2 <= n ? num(p + k, 2) : -1;
			if (oh < 0 || om < 0)
				return 0;
			*off = (p[i] == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
			*zoned = 1;
			i = k + 2;
		}
	} else if (!date_only_ok)
		return 0;
	*civ = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return i;
}

/* "Mmm dd hh:mm:ss" (RFC 3164 4.1.2); the year is the reference time's,
 * or the one before when that would put the stamp more than a day after
 * the reference (a file rotated in January holding December's lines). */
static int parse_3164(const char *p, size_t n, int64_t *civ)
{
	static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int mo = 0, d, h, mi, s;
	if (n < 15 || p[3] != ' ' || p[6] != ' ' || p[9] != ':' || p[12] != ':')
		return -1;
	for (mo = 0; mo < 12 && memcmp(mons + 3 * mo, p, 3) != 0; mo++)
		;
	d = p[4] == ' ' ? num(p + 5, 1) : num(p + 4, 2);
	if (mo == 12 || d < 1 || d > 31 || (h = num(p + 7, 2)) < 0 || h > 23 ||
	    (mi = num(p + 10, 2)) < 0 || mi > 59 || (s = num(p + 13, 2)) < 0 || s > 60)
		return -1;
	*civ = days_from_civil(ref_year, mo + 1, d) * 86400 + h * 3600 + mi * 60 + s;
	if (*civ > ref_civil + 86400)
		*civ = days_from_civil(ref_year - 1, mo + 1, d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

/* ---- words ---- */

#define IS(p, n, w) ((n) == sizeof(w) - 1 && memcmp((p), (w), sizeof(w) - 1) == 0)

static int r_word(const char *p, size_t n)
{
	if (p == NULL)
		return STATS_R_UNCHECKED;
	for (int i = 0; i < STATS_R_N; i++)
		if (n == strlen(stats_r_words[i]) && memcmp(p, stats_r_words[i], n) == 0)
			return i == STATS_R_UNCHECKED ? STATS_R_OTHER : i;
	return IS(p, n, "-") ? STATS_R_UNCHECKED : STATS_R_OTHER;
}

static int k_word(const char *p, size_t n)
{
	if (p == NULL || IS(p, n, "-"))
		return STATS_K_UNCHECKED;
	for (int i = 0; i < STATS_K_UNCHECKED; i++)
		if (n == strlen(stats_k_words[i]) && memcmp(p, stats_k_words[i], n) == 0)
			return i;
	return STATS_K_OTHER;
}

/* ---- the keys each program writes (docs/logging.md) ---- */

enum { M_CLIENT, M_FAMILY, M_SPF, M_DKIM, M_DMARC, M_DMARC_VIA, M_IPREV, M_MAIL_FROM,
	M_HEADER_FROM, M_MX, M_MX_IPV6, M_DNSSEC, M_DANE, M_ACTION, M_REASON, M_INSTANCE,
	M_TRUNCATED, M_N };
static const char *const m_keys[M_N] = { "client", "family", "spf", "dkim", "dmarc", "dmarc_via",
	"iprev", "mail_from", "header_from", "mx", "mx_ipv6", "dnssec", "dane", "action", "reason",
	"instance", "truncated" };
/* keys read by name above, and the rest each program writes */
static const char *const milter_other[] = { "client_name", "helo", "helo_check", "readiness",
	"auth", "trusted", "reply", "dns_queries", "ms", NULL };
static const char *const policyd_other[] = { "client_name", "helo", "helo_check", "spf_helo",
	"readiness", "readiness_cached", "auth", "trusted", "reply", "state", "policy_reply",
	"dns_queries", "ms", NULL };

enum { R_MODE, R_SENDER, R_CLIENT, R_DECISION, R_REASON, R_LIMIT, R_REPLY_A, R_REPLY_B,
	R_FAMILY, R_ACTION, R_STATUS, R_CLASS, R_TRUNCATED, R_N };
static const char *const r_keys[R_N] = { "mode", "sender", "client", "decision", "reason",
	"limit", "reply_a", "reply_b", "family", "action", "status", "class", "truncated" };
static const char *const resp_other[] = { "recipient", "reply_id", "spf", "dkim", "dmarc",
	"ready", NULL };

typedef struct fval {
	const char *p;
	size_t n;
} fval;

/* Picks the known keys of v into f (NULL when absent); returns 1 when the
 * line has a key this version does not know (a newer format). */
static int pick(const vline *v, const char *const *keys, int nkeys, const char *const *other, fval *f)
{
	int unknown = 0;
	for (int i = 0; i < nkeys; i++)
		f[i].p = NULL;
	for (size_t i = 0; i < v->n; i++) {
		const vline_pair *p = &v->pair[i];
		int k, found = 0;
		for (k = 0; k < nkeys; k++)
			/* p->key[1] is readable: at worst the '=' after a
			 * one-octet key */
			if (keys[k][0] == p->key[0] && keys[k][1] == p->key[1] &&
			    strncmp(keys[k], p->key, p->klen) == 0 && keys[k][p->klen] == 0) {
				f[k].p = p->val;
				f[k].n = p->vlen;
				found = 1;
				break;
			}
		for (k = 0; !found && other[k]; k++)
			if (other[k][0] == p->key[0] && other[k][1] == p->key[1] &&
			    strncmp(other[k], p->key, p->klen) == 0 && other[k][p->klen] == 0)
				found = 1;
		unknown |= !found;
	}
	return unknown;
}

/* ---- counting ---- */

static char hour_key[64];
static int64_t hour_cached = INT64_MIN;

static const char *hour_of(int64_t civ)
{
	int64_t h = civ >= 0 ? civ / 3600 : (civ - 3599) / 3600;
	if (h != hour_cached) {
		time_t t = (time_t)(h * 3600);
		struct tm tm;
		gmtime_r(&t, &tm);
		snprintf(hour_key, sizeof hour_key, "%04d-%02d-%02d %02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour);
		hour_cached = h;
	}
	return hour_key;
}

static size_t lower(char *out, size_t outlen, const char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n && i < outlen; i++)
		out[i] = (char)tolower((unsigned char)p[i]);
	return i;
}

static int is_domain(const fval *f)
{
	return f->p && f->n && !IS(f->p, f->n, "-") && !IS(f->p, f->n, "<>") && !IS(f->p, f->n, "invalid") &&
	    !IS(f->p, f->n, "none") && !IS(f->p, f->n, "multiple");
}

static void count_domain(stats_inbound *in, const fval *f, const int *r, int failing)
{
	char key[300];
	size_t n;
	uint64_t *v;
	const fval *d = is_domain(&f[M_MAIL_FROM]) ? &f[M_MAIL_FROM] : is_domain(&f[M_HEADER_FROM]) ?
	    &f[M_HEADER_FROM] : NULL;
	if (d == NULL) {
		n = lower(key, sizeof key, "<>", 2);
	} else
		n = lower(key, sizeof key, d->p, d->n);
	v = stab_get(in->domains, key, n);
	v[STATS_D_MSGS]++;
	v[STATS_D_FAILING] += failing != 0;
	v[STATS_D_SPF_FAIL] += r[0] == STATS_R_FAIL;
	v[STATS_D_DKIM_FAIL] += r[1] == STATS_R_FAIL;
	v[STATS_D_DMARC_FAIL] += r[2] == STATS_R_FAIL;
	v[STATS_D_IPREV_FAIL] += r[3] == STATS_R_FAIL;
	/* the latest readiness status of each check, one byte each (+1) */
	for (int c = 0; c < STATS_C_N; c++) {
		const fval *x = &f[M_MX + c];
		if (x->p && !IS(x->p, x->n, "-")) {
			uint64_t b = (uint64_t)(k_word(x->p, x->n) + 1) << (8 * c);
			v[STATS_D_READY] = (v[STATS_D_READY] & ~(0xffull << (8 * c))) | b;
		}
	}
}

static void count_inbound(stats *s, stats_inbound *in, const vline *v, int prog, int64_t civ, int timed)
{
	fval f[M_N];
	int r[4], a, fam, failing;
	if (pick(v, m_keys, M_N, prog == 0 ? milter_other : policyd_other, f))
		s->newer_keys++;
	if (f[M_ACTION].p == NULL) {
		s->unreadable++;
		return;
	}
	if ((prog == 0 && f[M_DMARC_VIA].p == NULL) || f[M_FAMILY].p == NULL)
		s->older_format++;
	in->lines++;
	fam = f[M_FAMILY].p == NULL ? STATS_F_NONE : IS(f[M_FAMILY].p, f[M_FAMILY].n, "ipv4") ? STATS_F_IPV4 :
	    IS(f[M_FAMILY].p, f[M_FAMILY].n, "ipv6") ? STATS_F_IPV6 : STATS_F_NONE;
	in->family[fam]++;
	r[0] = r_word(f[M_SPF].p, f[M_SPF].n);
	r[1] = r_word(f[M_DKIM].p, f[M_DKIM].n);
	r[2] = r_word(f[M_DMARC].p, f[M_DMARC].n);
	r[3] = r_word(f[M_IPREV].p, f[M_IPREV].n);
	in->spf[r[0]]++;
	in->dkim[r[1]]++;
	in->dmarc[r[2]]++;
	in->iprev[r[3]]++;
	if (r[2] == STATS_R_PASS) {
		const fval *x = &f[M_DMARC_VIA];
		in->dmarc_via[x->p == NULL ? STATS_V_UNKNOWN : IS(x->p, x->n, "dkim") ? STATS_V_DKIM :
		    IS(x->p, x->n, "spf") ? STATS_V_SPF : IS(x->p, x->n, "both") ? STATS_V_BOTH : STATS_V_UNKNOWN]++;
	}
	for (a = 0; a < STATS_A_OTHER; a++)
		if (f[M_ACTION].n == strlen(stats_a_words[a]) && memcmp(f[M_ACTION].p, stats_a_words[a], f[M_ACTION].n) == 0)
			break;
	in->action[a]++;
	if (a != STATS_A_ACCEPT && f[M_REASON].p) {
		char key[128];
		size_t n = (size_t)snprintf(key, sizeof key, "%s %.*s", stats_a_words[a],
		    (int)(f[M_REASON].n < 100 ? f[M_REASON].n : 100), f[M_REASON].p);
		stab_get(in->reasons, key, n < sizeof key ? n : sizeof key - 1)[0]++;
	}
	failing = r[0] == STATS_R_FAIL || r[1] == STATS_R_FAIL || r[2] == STATS_R_FAIL || r[3] == STATS_R_FAIL;
	in->failing += failing;
	in->temperror += r[0] == STATS_R_TEMPERROR || r[1] == STATS_R_TEMPERROR || r[2] == STATS_R_TEMPERROR ||
	    r[3] == STATS_R_TEMPERROR || a == STATS_A_TEMPFAIL;
	in->truncated += f[M_TRUNCATED].p != NULL;
	count_domain(in, f, r, failing);
	if (prog == 1 && f[M_INSTANCE].p && !IS(f[M_INSTANCE].p, f[M_INSTANCE].n, "-"))
		stab_get(in->instances, f[M_INSTANCE].p, f[M_INSTANCE].n)[0]++;
	if (timed)
		stab_get(in->hours, hour_of(civ), 13)[fam]++;
}

static int bounce_class(const fval *cls, const fval *status, uint64_t *derived)
{
	const char *p = cls->p;
	size_t n = cls->n;
	if (p != NULL) {
		if (IS(p, n, "no-aaaa"))
			return STATS_B_NO_AAAA;
		if (IS(p, n, "refused") || IS(p, n, "timeout") || IS(p, n, "unreachable"))
			return STATS_B_REFUSED;
		if (IS(p, n, "invalid-recipient"))
			return STATS_B_INVALID_RCPT;
		if (IS(p, n, "protocol"))
			return STATS_B_PROTOCOL;
		return STATS_B_OTHER;
	}
	/* a line from before the class key: the RFC 3463 status alone
	 * (Postfix's 5.4.4 is "no address for the MX", 4.4.1 no connection) */
	(*derived)++;
	p = status->p;
	n = status->n;
	if (p == NULL || n < 3)
		return STATS_B_OTHER;
	if (n >= 4 && memcmp(p + 1, ".1.", 3) == 0)
		return STATS_B_INVALID_RCPT;
	if (n >= 4 && memcmp(p + 1, ".5.", 3) == 0)
		return STATS_B_PROTOCOL;
	if (IS(p, n, "5.4.4"))
		return STATS_B_NO_AAAA;
	if (IS(p, n, "4.4.1") || IS(p, n, "4.4.2") || IS(p, n, "5.4.1") || IS(p, n, "5.4.7"))
		return STATS_B_REFUSED;
	return STATS_B_OTHER;
}

static void count_test(stats *s, stats_resp *r, const fval *f, int64_t civ, int timed)
{
	char key[400];
	size_t n, at;
	int fam;
	if (f[R_DECISION].p && IS(f[R_DECISION].p, f[R_DECISION].n, "deferred")) {
		r->test_deferred++;   /* Postfix retries: counted when decided */
		return;
	}
	r->tests++;
	fam = f[R_CLIENT].p == NULL || f[R_CLIENT].n == 0 ? STATS_F_NONE :
	    memchr(f[R_CLIENT].p, ':', f[R_CLIENT].n) ? STATS_F_IPV6 : STATS_F_IPV4;
	r->family[fam]++;
	if (timed)
		stab_get(r->hours, hour_of(civ), 13)[fam]++;
	/* the null sender is nobody's address */
	if (f[R_SENDER].p && !IS(f[R_SENDER].p, f[R_SENDER].n, "<>")) {
		n = lower(key, sizeof key, f[R_SENDER].p, f[R_SENDER].n);
		stab_get(r->senders, key, n)[0]++;
		for (at = n; at > 0 && key[at - 1] != '@'; at--)
			;
		if (at > 0 && at < n)
			stab_get(r->sender_domains, key + at, n - at)[0]++;
	}
	if (f[R_DECISION].p && (IS(f[R_DECISION].p, f[R_DECISION].n, "replied") ||
	    IS(f[R_DECISION].p, f[R_DECISION].n, "failed"))) {
		/* failed: neither reply was taken (5xx), nothing retried */
		if (IS(f[R_DECISION].p, f[R_DECISION].n, "failed"))
			r->failed++;
		else
			r->replied++;
		r->a_sent += f[R_REPLY_A].p && IS(f[R_REPLY_A].p, f[R_REPLY_A].n, "sent");
		r->a_failed += f[R_REPLY_A].p && !IS(f[R_REPLY_A].p, f[R_REPLY_A].n, "sent");
		r->b_sent += f[R_REPLY_B].p && IS(f[R_REPLY_B].p, f[R_REPLY_B].n, "sent");
		r->b_failed += f[R_REPLY_B].p && !IS(f[R_REPLY_B].p, f[R_REPLY_B].n, "sent");
	} else {
		r->suppressed++;
		n = (size_t)snprintf(key, sizeof key, "%.*s%s%.*s",
		    (int)(f[R_REASON].p ? (f[R_REASON].n < 100 ? f[R_REASON].n : 100) : 1), f[R_REASON].p ? f[R_REASON].p : "-",
		    f[R_LIMIT].p ? " " : "", (int)(f[R_LIMIT].p ? (f[R_LIMIT].n < 40 ? f[R_LIMIT].n : 40) : 0),
		    f[R_LIMIT].p ? f[R_LIMIT].p : "");
		stab_get(r->suppress_reasons, key, n < sizeof key ? n : sizeof key - 1)[0]++;
	}
	(void)s;
}

static void count_dsn(stats_resp *r, const fval *f)
{
	char key[400];
	size_t n;
	const fval *d = &f[R_DECISION];
	if (d->p && IS(d->p, d->n, "deferred")) {
		r->dsn_deferred++;
		return;
	}
	r->dsns++;
	if (d->p && IS(d->p, d->n, "forwarded")) {
		r->forwarded++;
		if (f[R_ACTION].p == NULL || IS(f[R_ACTION].p, f[R_ACTION].n, "failed")) {
			r->bounces++;
			r->bounce_class[bounce_class(&f[R_CLASS], &f[R_STATUS], &r->bounce_class_derived)]++;
			if (f[R_CLASS].p)
				stab_get(r->bounce_detail, f[R_CLASS].p, f[R_CLASS].n)[0]++;
			if (f[R_SENDER].p) {
				n = lower(key, sizeof key, f[R_SENDER].p, f[R_SENDER].n);
				stab_get(r->bounce_senders, key, n)[0]++;
			}
		}
	} else if (d->p && IS(d->p, d->n, "delay-notice-sent"))
		r->delay_notices++;
	else {
		r->dropped++;
		n = f[R_REASON].p ? f[R_REASON].n : 1;
		stab_get(r->drop_reasons, f[R_REASON].p ? f[R_REASON].p : "-", n < 100 ? n : 100)[0]++;
	}
}

static void count_resp(stats *s, const vline *v, int64_t civ, int timed)
{
	fval f[R_N];
	if (pick(v, r_keys, R_N, resp_other, f))
		s->newer_keys++;
	if (f[R_MODE].p == NULL || f[R_DECISION].p == NULL) {
		s->unreadable++;
		return;
	}
	if (IS(f[R_MODE].p, f[R_MODE].n, "test"))
		count_test(s, &s->resp, f, civ, timed);
	else if (IS(f[R_MODE].p, f[R_MODE].n, "dsn")) {
		if (f[R_ACTION].p && f[R_CLASS].p == NULL)
			s->older_format++;
		count_dsn(&s->resp, f);
	} else
		s->unreadable++;
}

/* ---- one line ---- */

static void example(stats *s, const char *src, uint64_t lineno, const char *why)
{
	if (s->n_examples < STATS_EXAMPLES)
		snprintf(s->examples[s->n_examples++], sizeof s->examples[0], "%s:%llu: %s",
		    src, (unsigned long long)lineno, why);
}

static void ours(stats *s, int prog, const char *msg, size_t n, int64_t civ, int timed,
    const char *src, uint64_t lineno)
{
	static const char *const prios[] = { "notice: ", "info: ", "warning: ", "error: ", "debug: " };
	vline v;
	vline_status st;
	for (size_t i = 0; i < sizeof prios / sizeof prios[0]; i++) {
		size_t k = strlen(prios[i]);
		if (n > k && memcmp(msg, prios[i], k) == 0) {
			msg += k;
			n -= k;
			break;
		}
	}
	if (timed) {
		int64_t epoch = civ - local_off;
		if ((s->since && epoch < s->since) || (s->until && epoch >= s->until)) {
			s->out_of_range++;
			return;
		}
		if (s->first == 0 || civ < s->first)
			s->first = (time_t)civ;
		if (civ > s->last)
			s->last = (time_t)civ;
	} else
		s->no_time++;
	st = vline_parse(msg, n, &v);
	if (st == VLINE_NOT_VERDICT) {
		s->ours_other++;
		return;
	}
	if (st != VLINE_OK) {
		s->unreadable++;
		example(s, src, lineno, vline_status_str(st));
		return;
	}
	/* a daemon's event line (docs/logging.md: event=connection_pressure),
	 * not a verdict on mail: counted apart, never as unreadable */
	if (v.n > 0 && v.pair[0].klen == 5 && memcmp(v.pair[0].key, "event", 5) == 0) {
		s->events++;
		return;
	}
	if (prog == 0)
		count_inbound(s, &s->milter, &v, 0, civ, timed);
	else if (prog == 1)
		count_inbound(s, &s->policyd, &v, 1, civ, timed);
	else
		count_resp(s, &v, civ, timed);
}

/* Which of our programs a tag names: 0 milter, 1 policyd, 2 responder,
 * 3 another mxready program, -1 not ours. */
static int prog_of(const char *p, size_t n)
{
	if (n < 8 || memcmp(p, "mxready-", 8) != 0)
		return n >= 7 && memcmp(p, "mxready", 7) == 0 ? 3 : -1;
	if (IS(p, n, "mxready-milter"))
		return 0;
	if (IS(p, n, "mxready-policyd"))
		return 1;
	if (IS(p, n, "mxready-responder"))
		return 2;
	return 3;
}

static void journal(stats *s, const char *line, size_t len, const char *src, uint64_t lineno)
{
	static json_tokener *tok;
	json_object *o, *m, *id, *ts;
	const char *msg, *ident;
	int prog;
	if (tok == NULL && (tok = json_tokener_new()) == NULL)
		return;
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "MESSAGE", &m) || !json_object_is_type(m, json_type_string)) {
		s->journal_bad += o == NULL;
		s->foreign += o != NULL;
		json_object_put(o);
		return;
	}
	ident = json_object_object_get_ex(o, "SYSLOG_IDENTIFIER", &id) ? json_object_get_string(id) : "";
	prog = prog_of(ident, strlen(ident));
	if (prog < 0 || prog == 3) {
		s->foreign += prog < 0;
		s->unknown_prog += prog == 3;
		json_object_put(o);
		return;
	}
	msg = json_object_get_string(m);
	if (json_object_object_get_ex(o, "__REALTIME_TIMESTAMP", &ts)) {
		int64_t us = json_object_get_int64(ts);
		ours(s, prog, msg, (size_t)json_object_get_string_len(m), us / 1000000 + local_off, us > 0, src, lineno);
	} else
		ours(s, prog, msg, (size_t)json_object_get_string_len(m), 0, 0, src, lineno);
	json_object_put(o);
}

/* Skips one space-delimited token at *p; returns its start and length. */
static const char *token(const char **p, const char *end, size_t *n)
{
	const char *t = *p, *e = memchr(t, ' ', (size_t)(end - t));
	if (e == NULL)
		e = end;
	*n = (size_t)(e - t);
	*p = e < end ? e + 1 : end;
	return t;
}

void stats_line(stats *s, const char *line, size_t len, const char *src, uint64_t lineno)
{
	const char *p = line, *end = line + len, *tag;
	int64_t civ = 0;
	long off = 0;
	int zoned = 0, timed = 0, prog;
	size_t n, tn = 0;

	s->lines++;
	if (len && line[0] == '{') {
		journal(s, line, len, src, lineno);
		return;
	}
	if (len && line[0] == '<') {          /* RFC 5424 6: <PRI>1 TS HOST APP PID MSGID SD MSG */
		const char *t;
		token(&p, end, &n);
		t = token(&p, end, &n);
		timed = parse_iso(t, n, &civ, &off, &zoned, 0) == n && n > 0;
		token(&p, end, &n);             /* host */
		tag = token(&p, end, &tn);
		if ((prog = prog_of(tag, tn)) < 0 || prog == 3)
			goto not_ours;
		token(&p, end, &n);             /* procid */
		token(&p, end, &n);             /* msgid */
		if (p < end && *p == '[') {     /* structured data: to "] " */
			const char *e = memmem(p, (size_t)(end - p), "] ", 2);
			p = e ? e + 2 : end;
		} else
			token(&p, end, &n);
	} else {
		if (len >= 16 && isalpha((unsigned char)line[0]) && line[3] == ' ' && line[15] == ' ') {
			p = line + 16;
			timed = 2;              /* 3164: parsed only for our lines */
			token(&p, end, &n);     /* host */
		} else if (len && isdigit((unsigned char)line[0])) {
			const char *t = token(&p, end, &n), *q = p, *t1;
			size_t n1;
			timed = parse_iso(t, n, &civ, &off, &zoned, 0) == n;
			/* the daemons' log_file lines have no host: "prog[pid]:" */
			t1 = token(&q, end, &n1);
			if (!(n1 && t1[n1 - 1] == ':'))
				p = q;
		}
		tag = token(&p, end, &tn);
		if (tn == 0 || tag[tn - 1] != ':')
			goto not_ours;
		tn--;
		if (tn && tag[tn - 1] == ']') {
			const char *b = memchr(tag, '[', tn);
			if (b)
				tn = (size_t)(b - tag);
		}
		if ((prog = prog_of(tag, tn)) < 0 || prog == 3)
			goto not_ours;
		if (timed == 2)
			timed = parse_3164(line, 15, &civ) == 0;
	}
	if (timed && zoned)
		civ = civ - off + local_off;
	ours(s, prog, p, (size_t)(end - p), civ, timed, src, lineno);
	return;
not_ours:
	if (tn >= 7 && memcmp(tag, "mxready", 7) == 0)
		s->unknown_prog++;
	else
		s->foreign++;
}

/* ---- input ---- */

static void input_error(stats *s, const char *name, const char *why, const char *zmsg, uint64_t lines)
{
	if (s->n_errors < sizeof s->errors / sizeof s->errors[0])
		snprintf(s->errors[s->n_errors++], sizeof s->errors[0], "%s: %s%s%s%s (after %llu lines)",
		    name, why, zmsg ? " (" : "", zmsg ? zmsg : "", zmsg ? ")" : "", (unsigned long long)lines);
}

/* The next octets of the input: zlib for gzip data (and for pipes, where
 * zlib tells plain from compressed), read(2) for a plain regular file,
 * one copy fewer.  Returns the count, 0 at the end, -1 on an error. */
static long fill(gzFile gz, int fd, char *b, size_t n)
{
	ssize_t r;
	if (gz)
		return gzread(gz, b, (unsigned)n);
	do
		r = read(fd, b, n);
	while (r < 0 && errno == EINTR);
	return (long)r;
}

int stats_read_file(stats *s, const char *name, char *buf, size_t cap)
{
	int fd = strcmp(name, "-") == 0 ? 0 : -1;
	struct stat st;
	unsigned char magic[2];
	gzFile gz = NULL;
	size_t have = 0;
	uint64_t lineno = 0;
	int skipping = 0, rc = 0;

	if (fd < 0 && (fd = open(name, O_RDONLY | O_CLOEXEC)) < 0) {
		input_error(s, name, strerror(errno), NULL, 0);
		return -1;
	}
	stats_set_ref(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_mtime : time(NULL));
	if (!(S_ISREG(st.st_mode) && (pread(fd, magic, 2, 0) < 2 || magic[0] != 0x1f || magic[1] != 0x8b))) {
		if ((gz = gzdopen(fd, "rb")) == NULL) {
			input_error(s, name, "cannot read", NULL, 0);
			if (fd)
				close(fd);
			return -1;
		}
		gzbuffer(gz, READ_CHUNK);
	}
	s->files++;
	for (;;) {
		long got = fill(gz, fd, buf + have, cap - have);
		char *p = buf, *e, *end;
		if (got < 0 && gz == NULL) {
			input_error(s, name, strerror(errno), NULL, lineno);
			rc = -1;
			break;
		}
		if (got < 0) {
			int zerr;
			const char *msg = gzerror(gz, &zerr);
			input_error(s, name, "compressed data cut short or corrupt; the figures hold the lines before",
			    msg, lineno);
			rc = -1;
			break;
		}
		if (got == 0 && gz) {
			/* zlib reports a stream cut short only here: Z_BUF_ERROR
			 * ("unexpected end of file") is not an error of gzread,
			 * so that a growing file can be read on */
			int zerr;
			const char *msg = gzerror(gz, &zerr);
			if (zerr != Z_OK) {
				input_error(s, name, "compressed data cut short or corrupt; the figures hold the lines before",
				    msg, lineno);
				rc = -1;
			}
			break;
		}
		if (got == 0)
			break;
		s->bytes += (uint64_t)got;
		end = buf + have + got;
		while ((e = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			lineno++;
			if (skipping)
				skipping = 0;
			else
				stats_line(s, p, (size_t)(e - p), name, lineno);
			p = e + 1;
		}
		have = (size_t)(end - p);
		if (have == cap) {              /* a line longer than the buffer */
			if (!skipping) {
				s->lines++;
				s->unreadable++;
				example(s, name, lineno + 1, "line too long");
			}
			skipping = 1;
			have = 0;
		} else
			memmove(buf, p, have);
	}
	if (rc == 0 && have > 0 && !skipping) {
		/* the last line has no line end: a writer was cut off (or is
		 * still writing); it is counted but not read */
		s->lines++;
		s->partial_last++;
	}
	if (gz)
		gzclose(gz);
	else if (fd)
		close(fd);
	return rc;
}

/* ---- the command ---- */

int stats_parse_time(const char *a, time_t *out)
{
	int64_t civ;
	long off;
	int zoned;
	size_t n = strlen(a);
	char *e;
	if (n >= 2 && (a[n - 1] == 'd' || a[n - 1] == 'h') && isdigit((unsigned char)a[0])) {
		unsigned long v = strtoul(a, &e, 10);
		if (e != a + n - 1 || v > 100000)
			return -1;
		*out = time(NULL) - (time_t)v * (a[n - 1] == 'd' ? 86400 : 3600);
		return 0;
	}
	if (parse_iso(a, n, &civ, &off, &zoned, 1) != n)
		return -1;
	*out = (time_t)(zoned ? civ - off : civ - local_off);
	return 0;
}

int stats_init(stats *s)
{
	stats_inbound *in[2] = { &s->milter, &s->policyd };
	stats_resp *r = &s->resp;
	s->milter.name = "milter";
	s->policyd.name = "policyd";
	for (int i = 0; i < 2; i++) {
		in[i]->reasons = stab_new(s->max_keys);
		in[i]->domains = stab_new(s->max_keys);
		in[i]->instances = stab_new(s->max_keys);
		in[i]->hours = stab_new(s->max_keys);
		if (!in[i]->reasons || !in[i]->domains || !in[i]->instances || !in[i]->hours)
			return -1;
	}
	r->suppress_reasons = stab_new(s->max_keys);
	r->senders = stab_new(s->max_keys);
	r->sender_domains = stab_new(s->max_keys);
	r->drop_reasons = stab_new(s->max_keys);
	r->bounce_detail = stab_new(s->max_keys);
	r->bounce_senders = stab_new(s->max_keys);
	r->hours = stab_new(s->max_keys);
	return r->suppress_reasons && r->senders && r->sender_domains && r->drop_reasons &&
	    r->bounce_detail && r->bounce_senders && r->hours ? 0 : -1;
}

void stats_fini(stats *s)
{
	stats_inbound *in[2] = { &s->milter, &s->policyd };
	stats_resp *r = &s->resp;
	for (int i = 0; i < 2; i++) {
		stab_free(in[i]->reasons);
		stab_free(in[i]->domains);
		stab_free(in[i]->instances);
		stab_free(in[i]->hours);
	}
	stab_free(r->suppress_reasons);
	stab_free(r->senders);
	stab_free(r->sender_domains);
	stab_free(r->drop_reasons);
	stab_free(r->bounce_detail);
	stab_free(r->bounce_senders);
	stab_free(r->hours);
}
