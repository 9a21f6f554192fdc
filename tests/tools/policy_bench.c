/*
 * Load generator for Postfix policy services (Postfix SMTPD_POLICY_README
 * protocol): CLIENTS persistent connections, each in lockstep like an
 * smtpd process (one request, wait for the reply), on a socket or to a
 * program started once per connection with stdin/stdout on a socket pair
 * (as spawn(8) does).  The request stream models mail with RCPTS
 * recipients per message: client c's request j belongs to instance
 * "b<c>.<(j / RCPTS) % INSTANCES>".  A warm-up of one full cycle per client
 * is not counted.  Prints throughput, latency percentiles, the replies
 * seen, the CPU time the server side spent in the timed part (the -P
 * process, or the spawned programs) and, with -P PID, the resident memory
 * of that process.  -x COMMAND is split at spaces and exec'd directly.
 *
 *   policy_bench [-c CLIENTS] [-n REQUESTS] [-i INSTANCES] [-r RCPTS] [-W WARMUP]
 *                [-a CLIENT_ADDR] [-H HELO] [-f SENDER] [-P PID]
 *                (-s unix:PATH|inet:PORT@ADDR | -x 'COMMAND')
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PB_MAX_CLIENTS 256

typedef struct pb_client {
	pthread_t t;
	int id, fd;
	pid_t pid;
	unsigned long n;          /* timed requests to send */
	double *lat;              /* seconds per timed request */
	unsigned long dunno, prepend, other, errors;
	char first_other[160];
} pb_client;

static const char *o_sock, *o_cmd, *o_addr = "5.0.2.11", *o_helo = "mx1.good.xtest",
    *o_from = "a@good.xtest";
static unsigned long o_inst = 20, o_rcpts = 10;
static long o_warm = -1;   /* warm-up requests per client; -1 = one cycle */
static pthread_barrier_t start_barrier;
static int finished;   /* clients done with the timed part */

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int pb_connect(const char *spec)
{
	int fd = -1;
	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un su;
		memset(&su, 0, sizeof su);
		su.sun_family = AF_UNIX;
		snprintf(su.sun_path, sizeof su.sun_path, "%s", spec + 5);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&su, sizeof su) == 0)
			return fd;
	} else if (strncmp(spec, "inet:", 5) == 0 && strchr(spec, '@')) {
		struct sockaddr_in s4;
		memset(&s4, 0, sizeof s4);
		s4.sin_family = AF_INET;
		s4.sin_port = htons((unsigned short)atoi(spec + 5));
		if (inet_pton(AF_INET, strchr(spec, '@') + 1, &s4.sin_addr) != 1)
			return -1;
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&s4, sizeof s4) == 0)
			return fd;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

static int pb_spawn(const char *cmd, pid_t *pid)
{
	int sv[2];
	/* close-on-exec: a child must not keep another connection open */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid == 0) {
		close(sv[0]);
		dup2(sv[1], 0);
		dup2(sv[1], 1);
		if (sv[1] > 1)
			close(sv[1]);
		/* exec the program itself (no shell in between), so that its
		 * CPU time can be read from /proc/PID/stat */
		char buf[1024], *av[32];
		int ac = 0;
		snprintf(buf, sizeof buf, "%s", cmd);
		for (char *t = buf; *t && ac < 31;) {
			while (*t == ' ')
				*t++ = 0;
			if (*t == 0)
				break;
			av[ac++] = t;
			while (*t && *t != ' ')
				t++;
		}
		av[ac] = NULL;
		if (ac > 0)
			execvp(av[0], av);
		_exit(127);
	}
	close(sv[1]);
	return sv[0];
}

/* One request/reply.  Returns 0, or -1 on a broken connection. */
static int pb_one(pb_client *c, unsigned long j)
{
	char req[1024], rep[2048];
	unsigned long msg = (j / o_rcpts) % o_inst, rc = j % o_rcpts;
	int n = snprintf(req, sizeof req,
	    "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
	    "client_address=%s\nclient_name=unknown\nreverse_client_name=unknown\n"
	    "helo_name=%s\nsender=%s\nrecipient=rcpt%lu@example.net\nrecipient_count=%lu\n"
	    "queue_id=\ninstance=b%d.%lu\nsize=1000\nsasl_method=\nsasl_username=\n"
	    "sasl_sender=\nccert_subject=\nccert_issuer=\nccert_fingerprint=\n"
	    "encryption_protocol=\nencryption_cipher=\nencryption_keysize=0\n"
	    "etrn_domain=\nstress=\nclient_port=50000\npolicy_context=\n\n",
	    o_addr, o_helo, o_from, rc, rc, c->id, msg);
	size_t off = 0, len = (size_t)n, got = 0;
	while (off < len) {
		ssize_t w = write(c->fd, req + off, len - off);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	for (;;) {   /* until the empty line */
		ssize_t r = read(c->fd, rep + got, sizeof rep - 1 - got);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
		rep[got] = 0;
		if (got >= 2 && rep[got - 1] == '\n' && rep[got - 2] == '\n')
			break;
		if (got == sizeof rep - 1)
			return -1;
	}
	if (strncasecmp(rep, "action=DUNNO", 12) == 0)
		c->dunno++;
	else if (strncasecmp(rep, "action=PREPEND", 14) == 0)
		c->prepend++;
	else {
		if (c->other++ == 0) {
			snprintf(c->first_other, sizeof c->first_other, "%.150s", rep);
			c->first_other[strcspn(c->first_other, "\n")] = 0;
		}
	}
	return 0;
}

static void *pb_thread(void *arg)
{
	pb_client *c = arg;
	unsigned long warm = o_warm >= 0 ? (unsigned long)o_warm : o_inst * o_rcpts, j;
	for (j = 0; j < warm; j++)
		if (pb_one(c, j) < 0) {
			c->errors++;
			break;
		}
	c->dunno = c->prepend = c->other = 0;
	pthread_barrier_wait(&start_barrier);
	for (unsigned long k = 0; k < c->n && c->errors == 0; k++, j++) {
		double t0 = now_s();
		if (pb_one(c, j) < 0) {
			c->errors++;
			break;
		}
		c->lat[k] = now_s() - t0;
	}
	__atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST);
	pthread_barrier_wait(&start_barrier);
	return NULL;
}

static long rss_kb(long pid)
{
	char path[64], line[256];
	long kb = -1;
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/* user + system CPU seconds of a process so far, -1 if unknown */
static double cpu_s(long pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');   /* the command name may hold spaces */
	unsigned long ut = 0, st = 0;
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds of the server side: the -P process or every spawned one */
static double server_cpu(const pb_client *cl, int clients, long mpid)
{
	double sum = 0;
	if (mpid)
		return cpu_s(mpid);
	for (int i = 0; i < clients; i++) {
		double c = cl[i].pid > 0 ? cpu_s(cl[i].pid) : -1;
		if (c < 0)
			return -1;
		sum += c;
	}
	return sum;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int clients = 4, ch;
	unsigned long total = 100000;
	long mpid = 0;
	while ((ch = getopt(argc, argv, "c:n:i:r:a:H:f:P:s:x:W:")) != -1) {
		switch (ch) {
		case 'c': clients = atoi(optarg); break;
		case 'n': total = strtoul(optarg, NULL, 10); break;
		case 'i': o_inst = strtoul(optarg, NULL, 10); break;
		case 'r': o_rcpts = strtoul(optarg, NULL, 10); break;
		case 'a': o_addr = optarg; break;
		case 'H': o_helo = optarg; break;
		case 'f': o_from = optarg; break;
		case 'P': mpid = strtol(optarg, NULL, 10); break;
		case 's': o_sock = optarg; break;
		case 'x': o_cmd = optarg; break;
		case 'W': o_warm = atol(optarg); break;
		default: return 2;
		}
	}
	if (clients < 1 || clients > PB_MAX_CLIENTS || (!o_sock == !o_cmd) || o_inst == 0 || o_rcpts == 0) {
		fprintf(stderr, "usage: policy_bench [-c N] [-n N] [-i N] [-r N] [-a ADDR] [-H HELO] [-f FROM] [-P PID] (-s SOCKET | -x CMD)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	static pb_client cl[PB_MAX_CLIENTS];
	pthread_barrier_init(&start_barrier, NULL, (unsigned)clients + 1);
	for (int i = 0; i < clients; i++) {
		pb_client *c = &cl[i];
		c->id = i;
		c->n = total / (unsigned long)clients + ((unsigned long)i < total % (unsigned long)clients);
		c->lat = calloc(c->n ? c->n : 1, sizeof *c->lat);
		c->fd = o_cmd ? pb_spawn(o_cmd, &c->pid) : pb_connect(o_sock);
		if (c->fd < 0 || c->lat == NULL) {
			fprintf(stderr, "policy_bench: cannot connect client %d: %s\n", i, strerror(errno));
			return 1;
		}
		pthread_create(&c->t, NULL, pb_thread, c);
	}
	pthread_barrier_wait(&start_barrier);   /* warm-up done */
	long rss0 = mpid ? rss_kb(mpid) : -1, rssmax = rss0;
	double cpu0 = server_cpu(cl, clients, mpid);
	double t0 = now_s();
	/* sample memory while the clients run */
	if (mpid) {
		for (;;) {
			int done = __atomic_load_n(&finished, __ATOMIC_SEQ_CST) == clients;
			long r = rss_kb(mpid);
			if (r > rssmax)
				rssmax = r;
			if (done)
				break;
			usleep(200000);
		}
	}
	pthread_barrier_wait(&start_barrier);   /* timed part done */
	double secs = now_s() - t0;
	double cpu1 = server_cpu(cl, clients, mpid);
	long rss1 = mpid ? rss_kb(mpid) : -1;
	if (rss1 > rssmax)
		rssmax = rss1;

	unsigned long n = 0, dunno = 0, prepend = 0, other = 0, errors = 0;
	const char *sample = "";
	for (int i = 0; i < clients; i++) {
		n += cl[i].n;
		dunno += cl[i].dunno;
		prepend += cl[i].prepend;
		other += cl[i].other;
		errors += cl[i].errors;
		if (cl[i].other && !*sample)
			sample = cl[i].first_other;
	}
	double *all = calloc(n ? n : 1, sizeof *all);
	size_t k = 0;
	for (int i = 0; i < clients; i++) {
		memcpy(all + k, cl[i].lat, cl[i].n * sizeof *all);
		k += cl[i].n;
	}
	qsort(all, k, sizeof *all, cmp_d);
	double p50 = k ? all[k / 2] : 0, p99 = k ? all[(size_t)((double)k * 0.99)] : 0, mx = k ? all[k - 1] : 0;
	printf("clients=%d requests=%lu seconds=%.3f rps=%.0f p50_us=%.1f p99_us=%.1f max_us=%.1f "
	    "dunno=%lu prepend=%lu other=%lu errors=%lu",
	    clients, n, secs, secs > 0 ? (double)n / secs : 0, p50 * 1e6, p99 * 1e6, mx * 1e6,
	    dunno, prepend, other, errors);
	if (cpu0 >= 0 && cpu1 >= 0 && n)
		printf(" server_cpu_s=%.2f cpu_us_per_req=%.2f", cpu1 - cpu0, (cpu1 - cpu0) * 1e6 / (double)n);
	if (mpid)
		printf(" rss_kb_start=%ld rss_kb_end=%ld rss_kb_max=%ld rss_growth_pct=%.1f", rss0, rss1, rssmax,
		    rss0 > 0 ? 100.0 * (double)(rssmax - rss0) / (double)rss0 : -1.0);
	printf("\n");
	if (*sample)
		printf("first_other_reply=%s\n", sample);
	for (int i = 0; i < clients; i++) {
		close(cl[i].fd);
		if (cl[i].pid > 0)
			waitpid(cl[i].pid, NULL, 0);
		free(cl[i].lat);
	}
	free(all);
	return errors ? 1 : 0;
}
