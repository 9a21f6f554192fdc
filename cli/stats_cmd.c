/*
 * `mxready stats` on the command line: options, the inputs in order, one
 * report (text, --json or --html).  The reading and counting is
 * cli/stats.c, the reports cli/stats_report.c and cli/stats_html.c;
 * docs/stats.md documents the command.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "stats_cmd.h"
#include "stats_html.h"
#include "stats_report.h"

#define LINE_MAX_OCTETS 65536   /* longer lines are skipped as unreadable */

static void usage(FILE *f)
{
	fprintf(f, "usage: mxready stats [--since TIME] [--until TIME] [--top N] [--max-keys N]\n"
	    "                     [--json | --html FILE] [LOGFILE...]\n"
	    "  LOGFILE: syslog text, .gz, or journalctl -o json lines; none or - = standard input\n"
	    "  TIME: YYYY-MM-DD[THH:MM[:SS]] (local time) or Nd / Nh (days / hours ago)\n"
	    "exit: 0, 1 some input could not be read (the figures cover what was), 2 usage error\n");
}

static int number(const char *a, size_t lo, size_t hi, size_t *out)
{
	char *e;
	unsigned long long v;
	errno = 0;
	v = strtoull(a, &e, 10);
	if (errno || *e || e == a || v < lo || v > hi || a[0] == '-')
		return -1;
	*out = (size_t)v;
	return 0;
}

int stats_cmd_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "top", required_argument, NULL, 't' },
		{ "max-keys", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "html", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	stats s;
	const char *html = NULL;
	int json = 0, c, rc = 0;
	char *buf;

	memset(&s, 0, sizeof s);
	s.top = 10;
	s.max_keys = 1000000;
	stats_set_ref(time(NULL));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': case 'u':
			if (stats_parse_time(optarg, c == 's' ? &s.since : &s.until) < 0) {
				fprintf(stderr, "mxready: --%s: '%s' is not YYYY-MM-DD[THH:MM[:SS]] or Nd/Nh\n",
				    c == 's' ? "since" : "until", optarg);
				return 2;
			}
			break;
		case 't':
			if (number(optarg, 1, 100000, &s.top) < 0) {
				fprintf(stderr, "mxready: --top: '%s' is not a number in 1..100000\n", optarg);
				return 2;
			}
			break;
		case 'k':
			if (number(optarg, 16, 100000000, &s.max_keys) < 0) {
				fprintf(stderr, "mxready: --max-keys: '%s' is not a number in 16..100000000\n", optarg);
				return 2;
			}
			break;
		case 'j': json = 1; break;
		case 'H': html = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (json && html) {
		fprintf(stderr, "mxready: --json and --html exclude each other\n");
		return 2;
	}
	buf = malloc(LINE_MAX_OCTETS);
	if (buf == NULL || stats_init(&s) < 0) {
		fprintf(stderr, "mxready: out of memory\n");
		free(buf);
		stats_fini(&s);
		return 1;
	}
	if (optind == argc)
		rc |= stats_read_file(&s, "-", buf, LINE_MAX_OCTETS) < 0;
	for (int i = optind; i < argc; i++)
		rc |= stats_read_file(&s, argv[i], buf, LINE_MAX_OCTETS) < 0;
	free(buf);
	for (size_t i = 0; i < s.n_errors; i++)
		fprintf(stderr, "mxready: %s\n", s.errors[i]);
	if (html) {
		FILE *f = fopen(html, "w");
		if (f == NULL) {
			fprintf(stderr, "mxready: %s: %s\n", html, strerror(errno));
			rc = 1;
		} else {
			stats_html_write(&s, f);
			if (fclose(f) != 0) {
				fprintf(stderr, "mxready: %s: %s\n", html, strerror(errno));
				rc = 1;
			}
		}
	} else if (json)
		stats_report_json(&s, stdout);
	else
		stats_report_text(&s, stdout);
	stats_fini(&s);
	return rc ? 1 : 0;
}
