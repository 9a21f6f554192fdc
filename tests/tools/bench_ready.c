/*
 * bench_ready: drives ready_check() for bench/ready.sh.  Warm mode: one
 * resolver (one libunbound cache) shared by T threads that run N checks of
 * one domain after a warm-up check, and reports checks per second.  Cold
 * mode (--cold): a fresh resolver and one timed check, the latency a fresh
 * process pays with an empty cache.  Output: one line of key=value pairs
 * (warm mode adds the CPU time per check, which a busy machine disturbs
 * less than the rate).
 * Exit: 1 if a warm check's verdict differs from the warm-up's, 2 usage.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "dns.h"
#include "ready.h"
#include "result.h"

#define BENCH_MAX_FORWARDERS 8
#define BENCH_MAX_THREADS 256

typedef struct worker {
	pthread_t tid;
	dns_resolver *res;
	const char *domain;
	double timeout;
	long checks;
	chk_status want;
	long mismatches;     /* checks whose verdict differs from the warm-up's */
	long queries;
} worker;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU seconds (user + system) the process has used: a figure that a busy
 * machine disturbs less than wall-clock rates. */
static double cpu_seconds(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void *work(void *arg)
{
	worker *w = arg;
	for (long i = 0; i < w->checks; i++) {
		ready_report *rep = ready_check(w->res, w->domain, w->timeout);
		if (rep->verdict != w->want)
			w->mismatches++;
		w->queries += (long)rep->queries;
		ready_report_free(rep);
	}
	return NULL;
}

/* Ids of the checks that ended temperror, comma-separated ("-" if none):
 * a delayed cold run that hit the deadline shows up here. */
static void temp_ids(const ready_report *rep, char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0; i < READY_COUNT; i++) {
		if (rep->item[i].status != CHK_TEMPERROR)
			continue;
		int w = snprintf(out + o, len - o, "%s%s", o ? "," : "", ready_id_str((ready_id)i));
		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
	}
	if (o == 0)
		snprintf(out, len, "-");
}

static void usage(void)
{
	fprintf(stderr,
	    "usage: bench_ready [--resolver ADDR[@PORT]]... [--trust-anchor FILE]\n"
	    "                   [--threads T] [--iterations N] [--timeout S] [--cold] DOMAIN\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "resolver", required_argument, NULL, 'r' },
		{ "trust-anchor", required_argument, NULL, 'a' },
		{ "threads", required_argument, NULL, 't' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "cold", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	const char *fwd[BENCH_MAX_FORWARDERS];
	dns_options opt = { 0 };
	long threads = 4, iterations = 1000;
	double timeout = 10;
	int cold = 0, c;
	char err[256], domain[DNS_TEXT_MAX + 1];

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (opt.n_forwarders >= BENCH_MAX_FORWARDERS)
				usage();
			fwd[opt.n_forwarders++] = optarg;
			break;
		case 'a': opt.trust_anchor_file = optarg; break;
		case 't': threads = strtol(optarg, NULL, 10); break;
		case 'n': iterations = strtol(optarg, NULL, 10); break;
		case 'T': timeout = strtod(optarg, NULL); break;
		case 'c': cold = 1; break;
		default: usage();
		}
	}
	if (optind + 1 != argc || threads < 1 || threads > BENCH_MAX_THREADS || iterations < 1 ||
	    timeout <= 0)
		usage();
	if (dns_name_normalize(argv[optind], domain, sizeof domain, err, sizeof err) < 0) {
		fprintf(stderr, "bench_ready: %s\n", err);
		return 2;
	}
	opt.forwarders = opt.n_forwarders ? fwd : NULL;

	double t0 = now();
	dns_resolver *res = dns_resolver_new(&opt, err, sizeof err);
	if (res == NULL) {
		fprintf(stderr, "bench_ready: %s\n", err);
		return 2;
	}
	double t1 = now();
	ready_report *first = ready_check(res, domain, timeout);
	double t2 = now();
	chk_status want = first->verdict;
	size_t first_queries = first->queries;
	char temps[READY_COUNT * 16];
	temp_ids(first, temps, sizeof temps);
	ready_report_free(first);
	if (cold) {
		printf("mode=cold domain=%s verdict=%s temperror=%s queries=%zu seconds=%.4f "
		    "setup_seconds=%.4f\n", domain, result_chk_str(want), temps, first_queries,
		    t2 - t1, t1 - t0);
		dns_resolver_free(res);
		return 0;
	}

	worker *w = calloc((size_t)threads, sizeof *w);
	if (w == NULL)
		abort();
	double t3 = now(), c3 = cpu_seconds();
	long started = 0;
	for (long i = 0; i < threads; i++) {
		w[i].res = res;
		w[i].domain = domain;
		w[i].timeout = timeout;
		w[i].want = want;
		w[i].checks = iterations / threads + (i < iterations % threads ? 1 : 0);
		if (pthread_create(&w[i].tid, NULL, work, &w[i]) != 0) {
			fprintf(stderr, "bench_ready: cannot start thread %ld\n", i);
			break;
		}
		started++;
	}
	long mism = 0, queries = 0, done = 0;
	for (long i = 0; i < started; i++) {
		pthread_join(w[i].tid, NULL);
		mism += w[i].mismatches;
		queries += w[i].queries;
		done += w[i].checks;
	}
	double el = now() - t3, cpu = cpu_seconds() - c3;
	printf("mode=warm domain=%s verdict=%s temperror=%s checks=%ld threads=%ld seconds=%.4f "
	    "rate=%.1f queries_per_check=%.1f cpu_us_per_check=%.0f mismatches=%ld "
	    "first_check_seconds=%.4f\n",
	    domain, result_chk_str(want), temps, done, started, el, el > 0 ? (double)done / el : 0.0,
	    done ? (double)queries / (double)done : 0.0, done ? cpu * 1e6 / (double)done : 0.0,
	    mism, t2 - t1);
	free(w);
	dns_resolver_free(res);
	return (mism != 0 || started != threads) ? 1 : 0;
}
