/*
 * rstore_text_bench: the decision of the responder's former text-file
 * state store (bench/rstore_text/, kept only as the baseline of
 * bench/rstore.sh): rstore_rate_take with the four limits, then
 * rstore_reply_put, as mxready-responder did before issue 13.
 *   rstore_text_bench fill DIR N          N replies with their per-address counters
 *   rstore_text_bench run DIR PROCS SECONDS [MAX]
 *       PROCS processes decide until SECONDS pass (or MAX decisions in
 *       all); prints "decisions N seconds S per_second R".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../bench/rstore_text/rstore.c"

static double now_s(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Writes the two files the way the store does (one line per entry). */
static int fill(const char *dir, unsigned long n, time_t now)
{
	char path[4096];
	FILE *r, *p;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof path, "%s/rate", dir);
	r = fopen(path, "w");
	snprintf(path, sizeof path, "%s/replies", dir);
	p = fopen(path, "w");
	if (r == NULL || p == NULL)
		return -1;
	for (unsigned long i = 0; i < n; i++) {
		fprintf(r, "a:fill%lu@d%lu.example 1 %lld\n", i, i % 1000, (long long)now);
		fprintf(p, "%012lx %lld 0 fill%lu@d%lu.example\n", 0x100000000000UL + i, (long long)now, i, i % 1000);
	}
	return fclose(r) == 0 && fclose(p) == 0 ? 0 : -1;
}

static unsigned long decide(const char *dir, unsigned seed, double until, unsigned long max, time_t now)
{
	char err[256];
	rstore *s = rstore_open(dir, 6 * 86400, err, sizeof err);
	unsigned long n = 0;
	if (s == NULL) {
		fprintf(stderr, "rstore_text_bench: %s\n", err);
		exit(2);
	}
	while (now_s() < until && n < max) {
		char id[16], ka[80], kd[40], kc[64];
		rstore_limit l[4];
		snprintf(id, sizeof id, "%012lx", 0x200000000000UL + ((unsigned long)getpid() << 24) + n);
		snprintf(ka, sizeof ka, "a:bench%ld.%u.%lu@d%lu.example", (long)getpid(), seed, n, n % 1000);
		snprintf(kd, sizeof kd, "d:d%lu.example", n % 1000);
		snprintf(kc, sizeof kc, "c:2001:db8::%lx", n % 1000);
		l[0] = (rstore_limit){ ka, 5, 86400 };
		l[1] = (rstore_limit){ kd, 1000000, 86400 };
		l[2] = (rstore_limit){ kc, 1000000, 86400 };
		l[3] = (rstore_limit){ "t:total", 10000000, 3600 };
		if (rstore_rate_take(s, l, 4, now) != -1 || rstore_reply_put(s, id, ka + 2, now) != 0) {
			fprintf(stderr, "rstore_text_bench: decision failed\n");
			exit(3);
		}
		n++;
	}
	rstore_free(s);
	return n;
}

int main(int argc, char **argv)
{
	time_t now = time(NULL);
	if (argc == 4 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2], strtoul(argv[3], NULL, 10), now) == 0 ? 0 : 1;
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "run") == 0) {
		int procs = atoi(argv[3]), fds[2];
		unsigned long total = 0, max = argc == 6 ? strtoul(argv[5], NULL, 10) : ~0UL;
		double t0 = now_s(), until = t0 + atof(argv[4]), secs;
		if (procs < 1 || pipe(fds) != 0)
			return 64;
		fflush(stdout);
		for (int p = 0; p < procs; p++)
			if (fork() == 0) {
				unsigned long n = decide(argv[2], (unsigned)p + 1, until, (max + (unsigned)procs - 1) / (unsigned)procs, now);
				_exit(write(fds[1], &n, sizeof n) == (ssize_t)sizeof n ? 0 : 1);
			}
		close(fds[1]);
		for (int p = 0; p < procs; p++) {
			unsigned long n;
			int ws;
			if (read(fds[0], &n, sizeof n) == (ssize_t)sizeof n)
				total += n;
			wait(&ws);
			if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
				return 1;
		}
		secs = now_s() - t0;
		printf("decisions %lu seconds %.2f per_second %.1f\n", total, secs, (double)total / secs);
		return 0;
	}
	fprintf(stderr, "usage: rstore_text_bench fill DIR N | run DIR PROCS SECONDS [MAX]\n");
	return 64;
}
