/*
 * check_probe: `mxready check --probe` -- the probe's options, its start
 * beside the readiness lookups on the same DNS run, the network phase
 * afterwards, and its checks in the human and JSON reports
 * (docs/json.md, docs/probe.md).  The probe itself lives in probe/.
 */
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_probe.h"
#include "result.h"

void check_probe_init(check_probe *cp)
{
	memset(cp, 0, sizeof cp[0]);
	cp->o.timeout = 60;
}

int check_probe_option(check_probe *cp, int c, const char *arg)
{
	char *end, err[160], norm[DNS_TEXT_MAX + 2];
	switch (c) {
	case 0x100: cp->on = 1; return 0;
	case 0x104: cp->o.deep = 1; cp->on = 1; return 0;
	case 0x103: cp->o.ca_file = arg; return 0;
	case 0x101:
		errno = 0;
		cp->o.timeout = strtod(arg, &end);
		if (errno || *end || end == arg || !(cp->o.timeout >= 1 && cp->o.timeout <= 3600)) {
			fprintf(stderr, "mxready: --probe-timeout: '%s' is not a number of seconds in [1, 3600]\n", arg);
			return -1;
		}
		return 0;
	case 0x102:
		/* It goes on the wire: a host name only, never CR/LF. */
		if (dns_name_normalize(arg, norm, sizeof norm, err, sizeof err) < 0) {
			fprintf(stderr, "mxready: --probe-helo: not a host name: %s\n", err);
			return -1;
		}
		snprintf(cp->helo, sizeof cp->helo, "%s", norm);
		return 0;
	}
	return -1;
}

int check_probe_ready(check_probe *cp)
{
	char err[160], norm[DNS_TEXT_MAX + 2], h[256];
	if (!cp->on)
		return 0;
	if (cp->helo[0] == 0) {
		if (gethostname(h, sizeof h) < 0)
			h[0] = 0;
		h[sizeof h - 1] = 0;
		if (h[0] && strchr(h, '.') == NULL) {
			struct addrinfo hints, *ai = NULL;
			memset(&hints, 0, sizeof hints);
			hints.ai_flags = AI_CANONNAME;
			hints.ai_socktype = SOCK_STREAM;
			if (getaddrinfo(h, NULL, &hints, &ai) == 0 && ai && ai->ai_canonname)
				snprintf(h, sizeof h, "%s", ai->ai_canonname);
			if (ai)
				freeaddrinfo(ai);
		}
		if (h[0] == 0 || dns_name_normalize(h, norm, sizeof norm, err, sizeof err) < 0) {
			fprintf(stderr, "mxready: the host name is not usable in EHLO; give --probe-helo NAME\n");
			return -1;
		}
		snprintf(cp->helo, sizeof cp->helo, "%s", norm);
	}
	cp->o.helo = cp->helo;
	return 0;
}

void check_probe_start(check_probe *cp, dns_run *run, const char *domain)
{
	cp->o.helo = cp->helo;     /* cp may be a copy */
	if (cp->on)
		cp->p = probe_new(run, domain);
}

void check_probe_finish(check_probe *cp)
{
	if (cp->p == NULL)
		return;
	probe_run(cp->p, &cp->o);
	preport_judge(cp->p, cp->item);
}

chk_status check_probe_verdict(const check_probe *cp, chk_status verdict)
{
	if (cp->p == NULL)
		return verdict;
	for (int i = 0; i < PREPORT_COUNT; i++)
		verdict = result_chk_worst(verdict, cp->item[i].status);
	return verdict == CHK_INFO ? CHK_PASS : verdict;
}

static void put_safe(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

void check_probe_print(const check_probe *cp, FILE *f, int color,
    const char *(*mark_fn)(chk_status, int), size_t cnt[5])
{
	if (cp->p == NULL)
		return;
	for (int i = 0; i < PREPORT_COUNT; i++) {
		const ready_item *it = &cp->item[i];
		json_object *arr;
		cnt[it->status]++;
		fprintf(f, "  %s %-13s ", mark_fn(it->status, color), preport_id_str((preport_id)i));
		put_safe(f, it->summary);
		fputc('\n', f);
		static const char *const keys[] = { "addresses", "skipped" };
		for (size_t q = 0; q < 2; q++)
			if (it->data && json_object_object_get_ex(it->data, keys[q], &arr))
				for (size_t k = 0; k < json_object_array_length(arr); k++) {
					fprintf(f, "         - ");
					put_safe(f, json_object_get_string(json_object_array_get_idx(arr, k)));
					fputc('\n', f);
				}
		if (it->hint[0] && it->status != CHK_PASS) {
			fprintf(f, "         fix: ");
			put_safe(f, it->hint);
			fputc('\n', f);
		}
	}
	char lines[8192];
	preport_lines(cp->p, lines, sizeof lines);
	if (lines[0]) {
		fprintf(f, "  probe (%.2f s, tables %s):\n", cp->p->seconds, TLSGRADE_TABLES);
		for (char *s = lines, *e; *s; s = e + 1) {
			e = strchr(s, '\n');
			if (e == NULL)
				break;
			*e = 0;
			fprintf(f, "         ");
			put_safe(f, s);
			fputc('\n', f);
		}
	}
}

void check_probe_json(const check_probe *cp, json_object *report)
{
	json_object *checks;
	if (cp->p == NULL)
		return;
	if (json_object_object_get_ex(report, "checks", &checks))
		for (int i = 0; i < PREPORT_COUNT; i++) {
			const ready_item *it = &cp->item[i];
			json_object *o = json_object_get(it->data);
			json_object_object_add(o, "status", json_object_new_string(result_chk_str(it->status)));
			json_object_object_add(o, "summary", json_object_new_string(it->summary));
			if (it->hint[0] && (it->status == CHK_WARN || it->status == CHK_FAIL))
				json_object_object_add(o, "hint", json_object_new_string(it->hint));
			json_object_object_add(checks, preport_id_str((preport_id)i), o);
		}
	json_object_object_add(report, "probe", preport_json(cp->p));
}

void check_probe_free(check_probe *cp)
{
	if (cp == NULL)
		return;
	for (int i = 0; i < PREPORT_COUNT; i++) {
		json_object_put(cp->item[i].data);
		cp->item[i].data = NULL;
	}
	probe_free(cp->p);
	cp->p = NULL;
}
