/*
 * mxready: the checks of the core from the command line.
 *   mxready check [options] DOMAIN
 * Human report (one line per check, evidence, a hint per warn/fail) or the
 * JSON document described in docs/json.md.  Exit status: 0 no fail, 1 some
 * fail (a DNSSEC-bogus domain too: its fault, not a temporary one), 2 usage
 * or configuration error, 75 (EX_TEMPFAIL) a DNS failure kept a verdict
 * from being reached.
 *
 * Layout: main() looks the subcommand up in commands[]; `check` is
 * check_parse() (options: check_longopts[] + check_option()), check_open()
 * and check_execute() (the run), check_extras() (per-connection items),
 * then one printer (print_human, print_json, print_authres).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "authres.h"
#include "check_probe.h"
#include "dkimv.h"
#include "dmarc.h"
#include "dns.h"
#include "domain.h"
#include "helo.h"
#include "iprev.h"
#include "mailaddr.h"
#include "ready.h"
#include "result.h"
#include "spf.h"
#include "stats_cmd.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_TEMPFAIL 75
#define MAX_FORWARDERS 8

#ifndef MXR_VERSION
#define MXR_VERSION "unknown"   /* set by the Makefile from debian/changelog */
#endif

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: mxready check [options] DOMAIN\n"
	    "  --json                 print the report as JSON\n"
	    "  --resolver ADDR[@PORT] forward every query to this resolver (repeatable)\n"
	    "  --trust-anchor FILE    DS/DNSKEY records replacing the root trust anchor\n"
	    "  --timeout SECONDS      deadline of the whole check (default 10)\n"
	    "  --dns-table FILE       answer from a table file instead of DNS (testing)\n"
	    "  --client-ip IP         add iprev (and SPF with --mail-from) for this client\n"
	    "  --helo NAME            add the HELO check and SPF for HELO (needs --client-ip)\n"
	    "  --mail-from ADDR       add SPF for this MAIL FROM (needs --client-ip; <> = null sender)\n"
	    "  --message FILE         add DKIM and DMARC for this RFC 5322 message (- = stdin)\n"
	    "  --authres ID           print only the Authentication-Results header the milter\n"
	    "                         would add, with authserv-id ID\n"
	    CHECK_PROBE_USAGE
	    "DOMAIN may be left out with --mail-from: the MAIL FROM domain is checked.\n"
	    "exit: 0 no fail, 1 some check failed, 2 usage error, 75 DNS failure\n"
	    "       mxready stats [--since T] [--until T] [--top N] [--json | --html FILE] [LOG...]\n"
	    "  sums up the verdict lines of the daemons (mxready stats --help)\n");
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *mark(chk_status s, int color)
{
	if (!color) {
		switch (s) {
		case CHK_PASS: return "[PASS]";
		case CHK_INFO: return "[INFO]";
		case CHK_WARN: return "[WARN]";
		case CHK_FAIL: return "[FAIL]";
		case CHK_TEMPERROR: return "[TEMP]";
		}
		return "[????]";
	}
	switch (s) {
	case CHK_PASS: return "\033[32m[PASS]\033[0m";
	case CHK_INFO: return "\033[36m[INFO]\033[0m";
	case CHK_WARN: return "\033[33m[WARN]\033[0m";
	case CHK_FAIL: return "\033[31m[FAIL]\033[0m";
	case CHK_TEMPERROR: return "\033[35m[TEMP]\033[0m";
	}
	return "[????]";
}

/* Untrusted DNS text is printed with control characters escaped. */
static void put_safe(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* The hosts of a check's evidence, one line each.  none: what to say of a
 * host without addresses ("no IPv6 address" where only AAAA are listed). */
static void print_hosts(FILE *f, json_object *hosts, const char *none)
{
	size_t n = json_object_array_length(hosts);
	for (size_t i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(hosts, i), *v;
		fprintf(f, "         - ");
		if (json_object_object_get_ex(h, "name", &v))
			put_safe(f, json_object_get_string(v));
		if (json_object_object_get_ex(h, "preference", &v))
			fprintf(f, " (preference %d)", json_object_get_int(v));
		if (json_object_object_get_ex(h, "cname", &v) && json_object_get_boolean(v))
			fprintf(f, " [CNAME]");
		if (json_object_object_get_ex(h, "state", &v))
			fprintf(f, " %s", json_object_get_string(v));
		if (json_object_object_get_ex(h, "addresses", &v)) {
			size_t na = json_object_array_length(v);
			if (na == 0)
				fprintf(f, " %s", none);
			for (size_t k = 0; k < na; k++) {
				json_object *a = json_object_array_get_idx(v, k), *x, *c;
				if (json_object_object_get_ex(a, "address", &x) &&
				    json_object_object_get_ex(a, "class", &c))
					fprintf(f, " %s%s%s%s", json_object_get_string(x),
					    strcmp(json_object_get_string(c), "global") ? " [" : "",
					    strcmp(json_object_get_string(c), "global") ? json_object_get_string(c) : "",
					    strcmp(json_object_get_string(c), "global") ? "]" : "");
			}
		}
		if (json_object_object_get_ex(h, "records", &v)) {
			size_t nr = json_object_array_length(v);
			if (nr == 0)
				fprintf(f, " no TLSA");
			for (size_t k = 0; k < nr; k++)
				fprintf(f, "%s TLSA %s", k ? ";" : "", json_object_get_string(json_object_array_get_idx(v, k)));
			if (nr && json_object_object_get_ex(h, "secure", &v))
				fprintf(f, " (%s)", json_object_get_boolean(v) ? "secure" : "not secure");
		}
		fputc('\n', f);
	}
}

/* The evidence of check id (its JSON data), one line per field. */
static void print_evidence(FILE *f, const char *id, json_object *data)
{
	struct json_object_iterator it = json_object_iter_begin(data);
	struct json_object_iterator end = json_object_iter_end(data);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *k = json_object_iter_peek_name(&it);
		json_object *v = json_object_iter_peek_value(&it);
		if (strcmp(k, "status") == 0 || strcmp(k, "summary") == 0 ||
		    strcmp(k, "hint") == 0 || strcmp(k, "reason") == 0)
			continue;
		if (strcmp(k, "hosts") == 0) {
			/* mx_ipv6 lists the AAAA records only: a host with A records
			 * has no IPv6 address, not no address */
			print_hosts(f, v, strcmp(id, "mx_ipv6") == 0 ? "no IPv6 address" : "no address");
			continue;
		}
		if (v == NULL || json_object_is_type(v, json_type_object))
			continue;
		if (json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0)
			continue;
		fprintf(f, "         %s: ", k);
		if (json_object_is_type(v, json_type_string))
			put_safe(f, json_object_get_string(v));
		else
			fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_NOSLASHESCAPE), f);
		fputc('\n', f);
	}
}

/* Per-connection checks added by --client-ip/--helo/--mail-from/--message. */
enum { X_IPREV, X_HELO, X_SPF, X_SPF_HELO, X_DKIM, X_DMARC, X_COUNT };
static const char *const x_ids[X_COUNT] = { "iprev", "helo", "spf", "spf_helo", "dkim", "dmarc" };
typedef struct extras {
	ready_item item[X_COUNT];
	int used[X_COUNT];
	/* the domain checked in U-labels when it has A-labels, else "" (the
	 * report shows both forms) */
	char domain_u[DOMAIN_UNICODE_MAX + 1];
} extras;

static chk_status auth_to_chk(auth_result r)
{
	switch (r) {
	case AUTH_PASS: return CHK_PASS;
	/* Nothing published (none) or a weak statement is worth a warning;
	 * only a real failure fails. */
	case AUTH_NONE: case AUTH_SOFTFAIL: case AUTH_NEUTRAL: return CHK_WARN;
	case AUTH_TEMPERROR: return CHK_TEMPERROR;
	default: return CHK_FAIL;
	}
}

static void print_item(FILE *f, const char *id, const ready_item *it, int color)
{
	fprintf(f, "  %s %-13s ", mark(it->status, color), id);
	put_safe(f, it->summary);
	fputc('\n', f);
	if (it->data)
		print_evidence(f, id, it->data);
	if (it->hint[0] && it->status != CHK_PASS) {
		fprintf(f, "         fix: ");
		put_safe(f, it->hint);
		fputc('\n', f);
	}
}

static void print_human(FILE *f, const ready_report *rep, const extras *x, const check_probe *cp, double secs)
{
	int color = isatty(fileno(f)) && getenv("NO_COLOR") == NULL;
	size_t cnt[5] = { 0 };
	fprintf(f, "mxready check ");
	if (x->domain_u[0]) {
		/* U-labels are UTF-8 text of our own making (libidn2 checked it) */
		fputs(x->domain_u, f);
		fprintf(f, " (");
		put_safe(f, rep->domain);
		fputc(')', f);
	} else
		put_safe(f, rep->domain);
	fputc('\n', f);
	for (int i = 0; i < READY_COUNT; i++) {
		cnt[rep->item[i].status]++;
		print_item(f, ready_id_str((ready_id)i), &rep->item[i], color);
	}
	for (int i = 0; i < X_COUNT; i++) {
		if (!x->used[i])
			continue;
		cnt[x->item[i].status]++;
		print_item(f, x_ids[i], &x->item[i], color);
	}
	check_probe_print(cp, f, color, mark, cnt);
	fprintf(f, "verdict: %s (%zu pass, %zu warn, %zu fail, %zu temperror, %zu info) in %.2f s, %zu DNS queries\n",
	    result_chk_str(rep->verdict), cnt[CHK_PASS], cnt[CHK_WARN], cnt[CHK_FAIL],
	    cnt[CHK_TEMPERROR], cnt[CHK_INFO], secs, rep->queries);
}

/* Reads a whole file (or stdin for "-") of less than MSG_MAX octets;
 * NULL with errno set on error. */
#define MSG_MAX (64u * 1024 * 1024)
static char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				int e = errno ? errno : EIO;
				free(buf);
				buf = NULL;
				errno = e;
			}
			break;
		}
		if (n == cap) {
			char *nb = cap >= MSG_MAX ? NULL : realloc(buf, cap * 2 + 1);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				errno = EFBIG;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (f != stdin)
		fclose(f);
	if (buf) {
		buf[n] = 0;
		*len = n;
	}
	return buf;
}

/* The From fields of a message's header: the first FROM_KEPT values as
 * received (continuation lines included), and how many there are. */
#define FROM_KEPT 8
typedef struct from_fields {
	const char *value[FROM_KEPT];
	size_t len[FROM_KEPT];
	size_t n;                    /* every From field, not only those kept */
} from_fields;

/* Finds the From fields of the header of msg (up to the first empty line). */
static void message_from(const char *msg, size_t len, from_fields *ff)
{
	size_t i = 0;
	memset(ff, 0, sizeof *ff);
	while (i < len) {
		size_t ls = i;
		while (i < len && msg[i] != '\n')
			i++;
		size_t le = i > ls && msg[i - 1] == '\r' ? i - 1 : i;
		if (i < len)
			i++;
		if (le == ls)
			break;    /* end of header */
		if (le - ls < 5 || strncasecmp(msg + ls, "from", 4) != 0)
			continue;
		size_t c = ls + 4;
		while (c < le && (msg[c] == ' ' || msg[c] == '\t'))
			c++;
		if (c >= le || msg[c] != ':')
			continue;
		/* the value with its continuation lines */
		size_t vs = c + 1, ve = i;
		while (ve < len && (msg[ve] == ' ' || msg[ve] == '\t')) {
			while (ve < len && msg[ve] != '\n')
				ve++;
			if (ve < len)
				ve++;
		}
		i = ve;
		if (ff->n < FROM_KEPT) {
			ff->value[ff->n] = msg + vs;
			ff->len[ff->n] = ve - vs;
		}
		ff->n++;
	}
}

/* "<what> <result>: <detail>" */
static void set_auth_item(ready_item *it, auth_result r, json_object *data, const char *what, const char *detail)
{
	it->data = data;
	ready_set(it, auth_to_chk(r), "%s %s%s%s", what, result_auth_str(r), *detail ? ": " : "", detail);
}

/* What the command line of `check` asked for. */
typedef struct check_opts {
	int json;
	const char *fwd[MAX_FORWARDERS];
	dns_options dopt;              /* forwarders point into fwd */
	double timeout;
	const char *client_ip, *helo, *mail_from, *msg_path, *authserv;
	mailaddr mf;                   /* --mail-from parsed */
	int mf_kind;                   /* 1 an address, 0 null sender / not given */
	char domain[DNS_TEXT_MAX + 2]; /* the domain checked: A-labels, lower case */
	char domain_u[DOMAIN_UNICODE_MAX + 1]; /* its U-label form if it has A-labels, else "" */
	check_probe probe;             /* --probe and its options */
} check_opts;

/* The options of `check`: one getopt_long entry and one case of
 * check_option() each. */
static const struct option check_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "resolver", required_argument, NULL, 'r' },
	{ "trust-anchor", required_argument, NULL, 'a' },
	{ "timeout", required_argument, NULL, 't' },
	{ "dns-table", required_argument, NULL, 'T' },
	{ "client-ip", required_argument, NULL, 'c' },
	{ "helo", required_argument, NULL, 'H' },
	{ "mail-from", required_argument, NULL, 'm' },
	{ "message", required_argument, NULL, 'M' },
	{ "authres", required_argument, NULL, 'A' },
	{ "help", no_argument, NULL, 'h' },
	CHECK_PROBE_OPTIONS,
	{ NULL, 0, NULL, 0 }
};

/* Applies one option c with its argument arg.  Returns -1 to go on, else
 * the exit status of the command (0 after --help). */
static int check_option(check_opts *o, int c, const char *arg)
{
	char *end;
	switch (c) {
	case 'j': o->json = 1; return -1;
	case 'r':
		if (o->dopt.n_forwarders == MAX_FORWARDERS) {
			fprintf(stderr, "mxready: at most %d --resolver options\n", MAX_FORWARDERS);
			return EXIT_USAGE;
		}
		o->fwd[o->dopt.n_forwarders++] = arg;
		return -1;
	case 'a': o->dopt.trust_anchor_file = arg; return -1;
	case 'T': o->dopt.table_file = arg; return -1;
	case 'c': o->client_ip = arg; return -1;
	case 'H': o->helo = arg; return -1;
	case 'm': o->mail_from = arg; return -1;
	case 'M': o->msg_path = arg; return -1;
	case 'A': o->authserv = arg; return -1;
	case 't':
		errno = 0;
		o->timeout = strtod(arg, &end);
		if (errno || *end || end == arg || !(o->timeout > 0 && o->timeout <= 3600)) {
			fprintf(stderr, "mxready: --timeout: '%s' is not a number of seconds in (0, 3600]\n", arg);
			return EXIT_USAGE;
		}
		return -1;
	case 'h': usage(stdout); return 0;
	case 0x100: case 0x101: case 0x102: case 0x103: case 0x104:
		return check_probe_option(&o->probe, c, arg) < 0 ? EXIT_USAGE : -1;
	default: usage(stderr); return EXIT_USAGE;
	}
}

/* "mxready: WHAT: 'VALUE' WHY" on stderr, the value made printable;
 * returns EXIT_USAGE. */
static int bad_arg(const char *what, const char *value, const char *why)
{
	fprintf(stderr, "mxready: %s%s'", what, *what ? ": " : "");
	put_safe(stderr, value);
	fprintf(stderr, "' %s\n", why);
	return EXIT_USAGE;
}

/* The domain to check: the one operand, or the MAIL FROM domain when it is
 * left out; normalised into o->domain.  Returns -1 or EXIT_USAGE. */
static int check_domain(check_opts *o, int argc, char **argv)
{
	const char *dom_arg;
	char err[256], why[300];
	if (optind == argc - 1)
		dom_arg = argv[optind];
	else if (optind == argc && o->mf_kind == 1)
		dom_arg = o->mf.domain;
	else {
		fprintf(stderr, "mxready: check takes exactly one DOMAIN\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	domain_name dn;
	if (domain_parse(dom_arg, strlen(dom_arg), &dn, err, sizeof err) < 0) {
		snprintf(why, sizeof why, "is not a domain name: %s", err);
		return bad_arg("", dom_arg, why);
	}
	snprintf(o->domain, sizeof o->domain, "%s", dn.ascii);
	if (dn.idn)
		snprintf(o->domain_u, sizeof o->domain_u, "%s", dn.unicode);
	if (strchr(o->domain, '.') == NULL)
		return bad_arg("", o->domain, "is not a domain name: a single label");
	return -1;
}

/* Parses and checks the command line of `check` into o.  Returns -1 to go
 * on, else the exit status. */
static int check_parse(int argc, char **argv, check_opts *o)
{
	char err[256], why[300];
	int c, rc;
	memset(o, 0, sizeof *o);
	o->dopt.forwarders = o->fwd;
	o->timeout = 10;
	check_probe_init(&o->probe);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", check_longopts, NULL)) != -1)
		if ((rc = check_option(o, c, optarg)) >= 0)
			return rc;
	if (o->mail_from) {
		o->mf_kind = mailaddr_parse_path(o->mail_from, &o->mf, err, sizeof err);
		if (o->mf_kind < 0) {
			snprintf(why, sizeof why, "is not an address: %s", err);
			return bad_arg("--mail-from", o->mail_from, why);
		}
		if (!o->client_ip) {
			fprintf(stderr, "mxready: --mail-from needs --client-ip (SPF authorises an address)\n");
			return EXIT_USAGE;
		}
	}
	if ((rc = check_domain(o, argc, argv)) >= 0)
		return rc;
	char ipn[64];
	if (o->client_ip && addr_normalize(o->client_ip, ipn, sizeof ipn) == 0)
		return bad_arg("--client-ip", o->client_ip, "is not an IPv4 or IPv6 address");
	if (o->helo && !o->client_ip) {
		fprintf(stderr, "mxready: --helo needs --client-ip\n");
		return EXIT_USAGE;
	}
	if (o->authserv && !authres_id_valid(o->authserv))
		return bad_arg("--authres", o->authserv, "is not a valid authserv-id");
	if (check_probe_ready(&o->probe) < 0)
		return EXIT_USAGE;
	return -1;
}

/* One run of `check`: what it needs (resolver, message, DKIM library) and
 * what it found. */
typedef struct check_run {
	dns_resolver *res;
	dkimv_lib *dkl;
	char *msg;                     /* --message, whole */
	size_t msglen;
	dns_run *run;
	ready_report *rep;
	extras x;                      /* the per-connection checks */
	iprev_verdict iv;
	helo_verdict hv;
	spf_verdict sv, shv;           /* MAIL FROM, HELO */
	dkimv_verdict dv;
	dmarc_verdict mv;
	check_probe probe;             /* --probe: the network phase after DNS */
	double secs;                   /* time the checks took */
} check_run;

/* Opens what the run needs.  Returns -1, or EXIT_USAGE with a message. */
static int check_open(const check_opts *o, check_run *r)
{
	char err[256];
	memset(r, 0, sizeof *r);
	snprintf(r->x.domain_u, sizeof r->x.domain_u, "%s", o->domain_u);
	if (o->msg_path && (r->msg = read_file(o->msg_path, &r->msglen)) == NULL) {
		fprintf(stderr, "mxready: --message: %s: %s\n", o->msg_path, strerror(errno));
		return EXIT_USAGE;
	}
	if ((r->res = dns_resolver_new(&o->dopt, err, sizeof err)) == NULL) {
		fprintf(stderr, "mxready: %s\n", err);
		return EXIT_USAGE;
	}
	if (r->msg && (r->dkl = dkimv_lib_new(err, sizeof err)) == NULL) {
		fprintf(stderr, "mxready: %s\n", err);
		return EXIT_USAGE;
	}
	return -1;
}

/* Runs every check under one deadline: the readiness report and the
 * per-connection checks asked for, whose lookups share the run. */
static void check_execute(const check_opts *o, check_run *r)
{
	double t0 = now();
	char mf_addr[sizeof o->mf.local + sizeof o->mf.domain + 1] = "";
	r->run = dns_run_new(r->res, o->timeout);
	r->rep = ready_start(r->run, o->domain);
	r->probe = o->probe;
	check_probe_start(&r->probe, r->run, o->domain);
	if (o->client_ip)
		iprev_start(r->run, o->client_ip, &r->iv);
	if (o->helo) {
		helo_start(r->run, o->helo, o->client_ip, &r->hv);
		spf_start(r->run, SPF_SCOPE_HELO, o->client_ip, o->helo, "", &r->shv);
	}
	if (o->mf_kind == 1)
		snprintf(mf_addr, sizeof mf_addr, "%s@%s", o->mf.local, o->mf.domain);
	if (o->mail_from)
		spf_start(r->run, SPF_SCOPE_MAILFROM, o->client_ip, o->helo ? o->helo : "", mf_addr, &r->sv);
	if (r->msg) {
		/* every From field counts (RFC 7489 6.6.1): the true number */
		from_fields ff;
		message_from(r->msg, r->msglen, &ff);
		dmarc_start_from(r->run, ff.value, ff.len, ff.n, &r->mv);
	}
	dns_run_wait(r->run);
	ready_finish(r->rep);
	if (r->msg) {
		/* Keys come from the run's answers or, if not prefetched, a lookup
		 * under the same deadline. */
		dkimv_verify_buffer(r->dkl, r->run, r->msg, r->msglen, &r->dv);
		/* DMARC's SPF identity is MAIL FROM's domain, HELO's for <>. */
		auth_result spf_r = o->mail_from ? r->sv.result : AUTH_NONE;
		const char *spf_d = o->mail_from ?
		    (o->mf_kind == 1 ? o->mf.domain : (o->helo ? o->helo : "")) : "";
		dmarc_finish(&r->mv, spf_r, spf_d, &r->dv);
	}
	check_probe_finish(&r->probe);
	r->rep->queries = dns_run_queries(r->run);
	r->secs = now() - t0;
}

/* The per-connection checks as report items, with their hints; the
 * report's verdict takes them in. */
static void check_extras(const check_opts *o, check_run *r)
{
	extras *x = &r->x;
	if (o->client_ip) {
		ready_item *it = &x->item[X_IPREV];
		x->used[X_IPREV] = 1;
		it->data = iprev_json(&r->iv);
		ready_set(it, auth_to_chk(r->iv.result), "iprev %s: %s%s%s", result_auth_str(r->iv.result),
		    r->iv.reason, r->iv.name[0] ? ", name " : "", r->iv.name);
		if (r->iv.result == AUTH_FAIL || r->iv.result == AUTH_PERMERROR)
			ready_hint(it, "Publish a PTR record for %s whose name resolves back to it (many receivers reject mail without one).", r->iv.ip);
	}
	if (o->helo) {
		ready_item *it = &x->item[X_HELO];
		x->used[X_HELO] = 1;
		it->data = helo_json(&r->hv);
		ready_set(it, r->hv.status, "%s", r->hv.reason);
		if (r->hv.status == CHK_WARN || r->hv.status == CHK_FAIL)
			ready_hint(it, "Use the server's fully qualified name in HELO/EHLO, with A/AAAA records pointing at its own address.");
		x->used[X_SPF_HELO] = 1;
		set_auth_item(&x->item[X_SPF_HELO], r->shv.result, spf_json(&r->shv), "SPF for HELO", r->shv.reason);
		if (r->shv.result != AUTH_PASS && r->shv.result != AUTH_TEMPERROR)
			ready_hint(&x->item[X_SPF_HELO], "Publish an SPF record for the HELO name, e.g. \"v=spf1 a -all\" (RFC 7208 2.3).");
	}
	if (o->mail_from) {
		x->used[X_SPF] = 1;
		set_auth_item(&x->item[X_SPF], r->sv.result, spf_json(&r->sv), "SPF", r->sv.reason);
		if (r->sv.result != AUTH_PASS && r->sv.result != AUTH_TEMPERROR)
			ready_hint(&x->item[X_SPF], "Authorise this client in the SPF record of the MAIL FROM domain (ip4:/ip6:/a/mx/include), ending in -all.");
	}
	if (r->msg) {
		x->used[X_DKIM] = 1;
		set_auth_item(&x->item[X_DKIM], r->dv.result, dkimv_json(&r->dv), "DKIM",
		    r->dv.n_seen == 0 ? "the message carries no DKIM-Signature" : r->dv.n ? r->dv.sig[0].reason : "");
		if (r->dv.result != AUTH_PASS && r->dv.result != AUTH_TEMPERROR)
			ready_hint(&x->item[X_DKIM], "Sign outgoing mail with DKIM (RSA >= 2048 bits or Ed25519, SHA-256) and publish the key at selector._domainkey.");
		x->used[X_DMARC] = 1;
		set_auth_item(&x->item[X_DMARC], r->mv.result, dmarc_json(&r->mv), "DMARC", r->mv.reason);
		if (r->mv.result != AUTH_PASS && r->mv.result != AUTH_TEMPERROR)
			ready_hint(&x->item[X_DMARC], "Align SPF (MAIL FROM domain) or DKIM (d=) with the From domain and publish _dmarc with p=quarantine or p=reject.");
	}
	for (int i = 0; i < X_COUNT; i++)
		if (x->used[i]) {
			r->rep->verdict = result_chk_worst(r->rep->verdict, x->item[i].status);
			if (r->rep->verdict == CHK_INFO)
				r->rep->verdict = CHK_PASS;
		}
	r->rep->verdict = check_probe_verdict(&r->probe, r->rep->verdict);
}

/* The Authentication-Results header the milter would add (--authres). */
static void print_authres(const check_opts *o, const check_run *r)
{
	authres_input in = { 0 };
	in.authserv_id = o->authserv;
	in.spf_mailfrom = o->mail_from ? &r->sv : NULL;
	in.spf_helo = o->helo ? &r->shv : NULL;
	in.dkim = r->msg ? &r->dv : NULL;
	in.dmarc = r->msg ? &r->mv : NULL;
	in.iprev = o->client_ip ? &r->iv : NULL;
	char *h = authres_render(&in);
	if (h)
		printf("Authentication-Results:%s\n", h);
	free(h);
}

/* The report as the JSON document of docs/json.md. */
static void print_json(const check_run *r)
{
	json_object *o = ready_json(r->rep), *checks;
	if (json_object_object_get_ex(o, "checks", &checks))
		for (int i = 0; i < X_COUNT; i++) {
			if (!r->x.used[i])
				continue;
			const ready_item *it = &r->x.item[i];
			json_object *xo = it->data;
			json_object_object_add(xo, "status", json_object_new_string(result_chk_str(it->status)));
			json_object_object_add(xo, "summary", json_object_new_string(it->summary));
			if (it->hint[0])
				json_object_object_add(xo, "hint", json_object_new_string(it->hint));
			json_object_object_add(checks, x_ids[i], json_object_get(xo));
		}
	check_probe_json(&r->probe, o);
	if (r->x.domain_u[0])
		json_object_object_add(o, "domain_unicode", json_object_new_string(r->x.domain_u));
	json_object_object_add(o, "seconds", json_object_new_double(r->secs));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* Frees what check_open() and check_execute() made (any part may be NULL). */
static void check_close(check_run *r)
{
	for (int i = 0; i < X_COUNT; i++)
		json_object_put(r->x.item[i].data);
	spf_verdict_clear(&r->sv);
	spf_verdict_clear(&r->shv);
	check_probe_free(&r->probe);
	ready_report_free(r->rep);
	dns_run_free(r->run);
	dkimv_lib_free(r->dkl);
	dns_resolver_free(r->res);
	free(r->msg);
}

/* mxready check: parse the options, run the checks, print the report. */
static int cmd_check(int argc, char **argv)
{
	check_opts o;
	check_run r;
	int rc = check_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if ((rc = check_open(&o, &r)) < 0) {
		check_execute(&o, &r);
		check_extras(&o, &r);
		if (o.authserv)
			print_authres(&o, &r);
		else if (o.json)
			print_json(&r);
		else
			print_human(stdout, r.rep, &r.x, &r.probe, r.secs);
		rc = r.rep->verdict == CHK_TEMPERROR ? EXIT_TEMPFAIL :
		    r.rep->verdict == CHK_FAIL ? EXIT_FAILED : 0;
	}
	check_close(&r);
	return rc;
}

/* The subcommands: argv[1] names one; it gets argv from its own name on. */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "check", cmd_check },
	{ "stats", stats_cmd_main },  /* cli/stats_cmd.c */
};

int main(int argc, char **argv)
{
	if (argc >= 2)
		for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
			if (strcmp(argv[1], commands[i].name) == 0)
				return commands[i].run(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
		puts("mxready " MXR_VERSION);
		return 0;
	}
	usage(stderr);
	return EXIT_USAGE;
}
