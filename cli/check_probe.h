#ifndef MXR_CHECK_PROBE_H
#define MXR_CHECK_PROBE_H
/*
 * The CLI glue of the active probe (mxready check --probe): its options,
 * starting it beside the readiness checks, its lines in the human report
 * and its keys in the JSON report.
 */
#include <stdio.h>
#include <getopt.h>
#include <json-c/json.h>
#include "dns.h"
#include "preport.h"
#include "probe.h"

typedef struct check_probe {
	int on;                          /* --probe given                    */
	probe_opts o;
	char helo[256];
	probe *p;
	ready_item item[PREPORT_COUNT];
} check_probe;

/* getopt_long entries of the probe options (values 0x100..0x104), ended
 * by a zero entry, for the caller to copy into its own table. */
#define CHECK_PROBE_OPTIONS \
	{ "probe", no_argument, NULL, 0x100 }, \
	{ "probe-timeout", required_argument, NULL, 0x101 }, \
	{ "probe-helo", required_argument, NULL, 0x102 }, \
	{ "ca-file", required_argument, NULL, 0x103 }, \
	{ "probe-deep", no_argument, NULL, 0x104 }
/* Usage lines of those options. */
#define CHECK_PROBE_USAGE \
	"  --probe                probe every address of every MX over SMTP (port 25)\n" \
	"  --probe-timeout SECS   deadline of the whole probe (default 60)\n" \
	"  --probe-helo NAME      our EHLO name (default the host's name)\n" \
	"  --ca-file FILE         trust store for the certificates' `trusted` (default the system's)\n" \
	"  --probe-deep           also DHE-only and ECDSA-only handshakes (5 sessions per address)\n"

/* Sets the defaults (probe off). */
void check_probe_init(check_probe *cp);
/* Handles option c (one of CHECK_PROBE_OPTIONS) with its argument.
 * Returns 0, or -1 after a message on stderr for a bad value. */
int check_probe_option(check_probe *cp, int c, const char *arg);
/* After option parsing: the default EHLO name.  -1 with a message on
 * error. */
int check_probe_ready(check_probe *cp);
/* Submits the probe's lookups on run (nothing without --probe). */
void check_probe_start(check_probe *cp, dns_run *run, const char *domain);
/* After dns_run_wait(): the network phase and the checks. */
void check_probe_finish(check_probe *cp);
/* The worse of verdict and the probe's checks (info ignored). */
chk_status check_probe_verdict(const check_probe *cp, chk_status verdict);
/* Prints the checks (mark_fn gives the status mark) and the per-address
 * lines; counts statuses into cnt[5]. */
void check_probe_print(const check_probe *cp, FILE *f, int color,
    const char *(*mark_fn)(chk_status, int), size_t cnt[5]);
/* Adds the checks to report's "checks" and the "probe" object. */
void check_probe_json(const check_probe *cp, json_object *report);
/* Frees what the probe holds.  A cleared or never-started cp is a no-op. */
void check_probe_free(check_probe *cp);

#endif
