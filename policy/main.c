/*
 * mxready-policyd: a Postfix SMTP access policy service (Postfix
 * SMTPD_POLICY_README).  Standalone daemon on a unix or TCP socket (one
 * thread per Postfix connection, one shared resolver), systemd socket
 * activation (sd_listen_fds(3) protocol: LISTEN_PID/LISTEN_FDS, fd 3), or
 * spawn(8) mode on stdin/stdout (-s).  Requests are parsed by
 * policy/request.c and answered by policy/psess.c; a malformed request is
 * logged and its connection closed without a reply, as the README asks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "psess.h"
#include "request.h"
#include "../daemon/conf.h"
#include "../daemon/proc.h"
#include "../daemon/reload.h"
#include "../daemon/vlog.h"

#define DEFAULT_CONF "/etc/mxready/mxready.conf"
#ifndef MXR_VERSION
#define MXR_VERSION "unknown"   /* set by the Makefile from debian/changelog */
#endif
#define PROG "mxready-policyd"
#define EXIT_USAGE 2
#define EXIT_CONFIG 78          /* EX_CONFIG */
#define MAX_CLIENTS 1024        /* concurrent connections (Postfix: one per smtpd) */
#define THREAD_STACK (512 * 1024)
/* Connection pressure (docs/logging.md, mxready-policyd(8)): above
 * PRESSURE_HIGH connections, idle ones are closed after PRESSURE_IDLE
 * seconds instead of policy_idle_timeout; with the table full, the
 * longest-idle connection makes room for a new client.  Postfix reconnects
 * when a policy connection it kept idle was closed.  The episode ends below
 * PRESSURE_LOW (hysteresis: one log line per episode, not per connection). */
#define PRESSURE_HIGH (MAX_CLIENTS / 4 * 3)
#define PRESSURE_LOW (MAX_CLIENTS / 2)
#define PRESSURE_IDLE 10.0
#define EVICT_WAIT_MS 2000      /* for an evicted connection's thread to leave */

static psess_global G;
static volatile sig_atomic_t stopping, reload_req;
static const struct opts *run_opts;   /* the command line, for a reload */
static void do_reload(void);
static int wake_pipe[2] = { -1, -1 };

typedef struct conn {
	int rfd, wfd;
	char peer[80];
	unsigned long id;
	/* under conns_lock: */
	int idle;              /* between requests (evictable) */
	int evicted;           /* shut down to make room or under pressure */
	double idle_since;     /* monotonic seconds */
} conn;

/* Live connections, so that a stop can shut them down and a full table can
 * evict the longest-idle one. */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t conns_cond = PTHREAD_COND_INITIALIZER;
static conn *conns[MAX_CLIENTS];
static size_t n_conns;
static unsigned long conn_serial;

/* A pressure episode is on (accept thread only). */
static int pressure_on;

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGHUP)
		reload_req = 1;
	else
		stopping = 1;
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], "x", 1) < 0) {
		/* nothing to do: the flag is set */
	}
	errno = saved;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Marks c idle (between requests, since now) or busy. */
static void conn_set_idle(conn *c, int idle)
{
	pthread_mutex_lock(&conns_lock);
	c->idle = idle;
	if (idle)
		c->idle_since = now_s();
	pthread_mutex_unlock(&conns_lock);
}

/* Serves one Postfix connection until it closes, misbehaves or idles out.
 * Returns the number of requests answered. */
static unsigned long serve(conn *c)
{
	preq *p = malloc(sizeof *p);
	char in[4096], out[PSESS_REPLY_MAX];
	unsigned long answered = 0;
	if (p == NULL)
		return 0;
	/* A started request must be complete policy_read_timeout seconds after
	 * its first octet, however slowly it trickles in; between requests
	 * Postfix may keep the connection idle (smtpd_policy_service_max_idle). */
	double idle_since = now_s(), req_since = 0;
	/* Between requests a blocking read with SO_RCVTIMEO saves a poll() per
	 * request; a stop wakes it with shutdown() (daemon) or EINTR (spawn).
	 * Not a socket (tests with pipes): poll() throughout. */
	/* the configuration in force when the connection came; every request
	 * takes the one in force then (a reload in between applies) */
	const conf *ccf = reload_current();
	double it = ccf->policy_idle_timeout;
	struct timeval tv = { .tv_sec = (time_t)it, .tv_usec = (suseconds_t)((it - (double)(time_t)it) * 1e6) };
	int rcvtimeo = setsockopt(c->rfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0;
	preq_init(p);
	for (;;) {
		int mid = p->total > 0;
		double limit = mid ? ccf->policy_read_timeout : ccf->policy_idle_timeout;
		double deadline = (mid ? req_since : idle_since) + limit;
		ssize_t got;
		if (!mid && rcvtimeo && !stopping) {
			got = read(c->rfd, in, sizeof in);
			if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				vlog_msg(LOG_INFO, "client %s: idle for %.0f s; closing", c->peer, limit);
				goto done;
			}
			if (got < 0 && errno == EINTR)
				continue;
			goto got_data;
		}
		for (;;) {
			struct pollfd pf = { .fd = c->rfd, .events = POLLIN };
			double left = deadline - now_s();
			if (left <= 0 || stopping) {
				if (mid)
					vlog_msg(LOG_WARNING, "client %s: read timeout after %.1f s in the middle of a request (%zu octets); closing",
					    c->peer, limit, p->total);
				else if (!stopping)
					vlog_msg(LOG_INFO, "client %s: idle for %.0f s; closing", c->peer, limit);
				goto done;
			}
			int ms = left > 1.0 ? 1000 : (int)(left * 1000) + 1;
			int pr = poll(&pf, 1, ms);
			if (pr < 0 && errno != EINTR)
				goto done;
			if (pr > 0)
				break;
		}
		got = read(c->rfd, in, sizeof in);
		if (got < 0 && errno == EINTR)
			continue;
got_data:
		if (got <= 0) {
			if (p->total > 0)
				vlog_msg(LOG_WARNING, "client %s: connection closed in the middle of a request (%zu octets)",
				    c->peer, p->total);
			goto done;
		}
		size_t off = 0;
		if (!mid) {
			req_since = now_s();
			conn_set_idle(c, 0);
		}
		while (off < (size_t)got) {
			size_t used;
			preq_status st = preq_feed(p, in + off, (size_t)got - off, &used);
			off += used;
			if (st == PREQ_ERROR) {
				vlog_msg(LOG_WARNING, "client %s: malformed policy request: %s (after %zu octets, %zu attributes); closing without a reply",
				    c->peer, preq_error_str(p->error), p->total, p->n);
				goto done;
			}
			if (st == PREQ_MORE)
				break;
			psess_global g = G;
			g.cf = ccf = reload_current();
			size_t n = psess_answer(&g, p, out, sizeof out);
			if (write_all(c->wfd, out, n) < 0) {
				vlog_msg(LOG_WARNING, "client %s: write failed: %s", c->peer, strerror(errno));
				goto done;
			}
			answered++;
			preq_reset(p);
			idle_since = req_since = now_s();   /* pipelined rest: a new request */
		}
		if (p->total == 0)
			conn_set_idle(c, 1);
	}
done:
	free(p);
	return answered;
}

/* Takes c out of the table, closes its socket and frees it. */
static void conn_remove(conn *c)
{
	pthread_mutex_lock(&conns_lock);
	for (size_t i = 0; i < n_conns; i++)
		if (conns[i] == c) {
			conns[i] = conns[--n_conns];
			break;
		}
	close(c->rfd);
	pthread_cond_broadcast(&conns_cond);
	pthread_mutex_unlock(&conns_lock);
	free(c);
}

static void *conn_thread(void *arg)
{
	conn *c = arg;
	unsigned long n = serve(c);
	vlog_msg(LOG_DEBUG, "client %s: closed after %lu requests", c->peer, n);
	conn_remove(c);
	return NULL;
}

static void peer_name(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char a[INET6_ADDRSTRLEN] = "?";
	snprintf(out, n, "unix");
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
		snprintf(out, n, "%s:%u", a, ntohs(s4->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
		snprintf(out, n, "[%s]:%u", a, ntohs(s6->sin6_port));
	}
}

/* Opens the listening socket of spec (unix:PATH, inet:PORT@HOST,
 * inet6:PORT@HOST).  *unix_path gets PATH for unix sockets. */
static int open_listener(const char *spec, const char **unix_path, char *err, size_t errlen)
{
	int fd = -1, one = 1;
	*unix_path = NULL;
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		struct sockaddr_un su;
		const char *path = strchr(spec, ':') + 1;
		memset(&su, 0, sizeof su);
		su.sun_family = AF_UNIX;
		snprintf(su.sun_path, sizeof su.sun_path, "%s", path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto syserr;
		unlink(path);   /* a stale socket of an earlier run */
		mode_t old = umask(0117);   /* 0660: the postfix group connects */
		int rc = bind(fd, (struct sockaddr *)&su, sizeof su);
		umask(old);
		if (rc != 0)
			goto syserr;
		*unix_path = path;
	} else {
		int six = strncmp(spec, "inet6:", 6) == 0;
		const char *p = spec + (six ? 6 : 5);
		long port = strtol(p, NULL, 10);
		const char *at = strchr(p, '@');
		char host[64] = "";
		struct sockaddr_storage ss;
		socklen_t sl;
		memset(&ss, 0, sizeof ss);
		if (at) {
			const char *h = at + 1;
			size_t hl = strlen(h);
			if (*h == '[' && hl > 2 && h[hl - 1] == ']') {
				h++;
				hl -= 2;
			}
			if (hl >= sizeof host) {
				snprintf(err, errlen, "%s: bad address", spec);
				return -1;
			}
			memcpy(host, h, hl);
			host[hl] = 0;
		}
		if (six) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons((unsigned short)port);
			s6->sin6_addr = in6addr_any;
			if (host[0] && inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
				snprintf(err, errlen, "%s: need a numeric IPv6 address", spec);
				return -1;
			}
			sl = sizeof *s6;
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			s4->sin_family = AF_INET;
			s4->sin_port = htons((unsigned short)port);
			s4->sin_addr.s_addr = htonl(INADDR_ANY);
			if (host[0] && strcmp(host, "localhost") == 0)
				s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			else if (host[0] && inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
				snprintf(err, errlen, "%s: need a numeric IPv4 address", spec);
				return -1;
			}
			sl = sizeof *s4;
		}
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto syserr;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (six)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&ss, sl) != 0)
			goto syserr;
	}
	if (listen(fd, 256) != 0)
		goto syserr;
	return fd;
syserr:
	snprintf(err, errlen, "%s: %s", spec, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* systemd socket activation: the one inherited listening socket, or -1. */
static int activated_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != (long)getpid() ||
	    strtol(fds, NULL, 10) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	fcntl(3, F_SETFD, FD_CLOEXEC);
	return 3;
}

/* Under conns_lock: shuts c down, once; its thread then reads the end of
 * the stream, leaves and takes c out of the table. */
static void conn_evict(conn *c)
{
	c->evicted = 1;
	shutdown(c->rfd, SHUT_RDWR);
}

/* Under conns_lock: the connection idle the longest and not yet evicted,
 * or NULL when every connection is in the middle of a request. */
static conn *longest_idle(void)
{
	conn *best = NULL;
	for (size_t i = 0; i < n_conns; i++) {
		conn *c = conns[i];
		if (c->idle && !c->evicted && (best == NULL || c->idle_since < best->idle_since))
			best = c;
	}
	return best;
}

/* Under conns_lock, from the accept thread (on every new connection and
 * every second while an episode lasts): starts and ends the pressure
 * episode, logging its one line, and under pressure closes connections
 * idle for longer than PRESSURE_IDLE seconds. */
static void pressure_check(void)
{
	double limit = G.cf->policy_idle_timeout < PRESSURE_IDLE ? G.cf->policy_idle_timeout : PRESSURE_IDLE;
	if (!pressure_on && n_conns >= PRESSURE_HIGH) {
		size_t idle = 0;
		for (size_t i = 0; i < n_conns; i++)
			idle += conns[i]->idle;
		pressure_on = 1;
		vlog_line l;
		vlog_begin(&l, NULL);
		vlog_add(&l, "event", "connection_pressure");
		vlog_addf(&l, "connections", "%zu", n_conns);
		vlog_addf(&l, "idle", "%zu", idle);
		vlog_addf(&l, "limit", "%d", MAX_CLIENTS);
		vlog_addf(&l, "idle_timeout", "%.0f", limit);
		vlog_add(&l, "when_full", "evict_longest_idle");
		vlog_msg(LOG_WARNING, "%s", vlog_end(&l));
	} else if (pressure_on && n_conns < PRESSURE_LOW) {
		pressure_on = 0;
	}
	if (!pressure_on)
		return;
	double t = now_s();
	for (size_t i = 0; i < n_conns; i++) {
		conn *c = conns[i];
		if (c->idle && !c->evicted && t - c->idle_since > limit)
			conn_evict(c);
	}
}

/* Under conns_lock, the table full: evicts the longest-idle connection and
 * waits (at most EVICT_WAIT_MS) for a slot.  0 when there is one, -1 when
 * every connection is busy with a request. */
static int make_room(void)
{
	conn *v = longest_idle();
	if (v != NULL)
		conn_evict(v);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += (long)EVICT_WAIT_MS % 1000 * 1000000L;
	until.tv_sec += EVICT_WAIT_MS / 1000 + until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	/* an evicted connection on its way out frees a slot too */
	int leaving = v != NULL;
	for (size_t i = 0; i < n_conns && !leaving; i++)
		leaving = conns[i]->evicted;
	while (leaving && n_conns == MAX_CLIENTS)
		if (pthread_cond_timedwait(&conns_cond, &conns_lock, &until) != 0)
			break;
	return n_conns < MAX_CLIENTS ? 0 : -1;
}

/* Takes a new connection into the table (making room if need be) and
 * starts its thread; closes it when neither works. */
static void conn_start(int fd, pthread_attr_t *at)
{
	conn *c = calloc(1, sizeof *c);
	if (c == NULL) {
		close(fd);
		return;
	}
	c->rfd = c->wfd = fd;
	c->idle = 1;
	c->idle_since = now_s();
	peer_name(fd, c->peer, sizeof c->peer);
	pthread_mutex_lock(&conns_lock);
	pressure_check();
	if (n_conns == MAX_CLIENTS && make_room() < 0) {
		/* not logged: the episode's line said it */
		pthread_mutex_unlock(&conns_lock);
		close(fd);
		free(c);
		return;
	}
	conns[n_conns++] = c;
	c->id = ++conn_serial;
	pthread_mutex_unlock(&conns_lock);
	pthread_t t;
	if (pthread_create(&t, at, conn_thread, c) != 0) {
		vlog_msg(LOG_ERR, "client %s: cannot start a thread; closing", c->peer);
		conn_remove(c);
	}
}

static void accept_loop(int lfd)
{
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, THREAD_STACK);
	while (!stopping) {
		struct pollfd pf[2] = { { .fd = lfd, .events = POLLIN }, { .fd = wake_pipe[0], .events = POLLIN } };
		/* during an episode, wake every second to close idle connections */
		int pr = poll(pf, 2, pressure_on ? 1000 : -1);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			vlog_msg(LOG_ERR, "poll: %s", strerror(errno));
			break;
		}
		if (stopping)
			break;
		if (pf[1].revents & POLLIN) {
			char drain[64];
			while (read(wake_pipe[0], drain, sizeof drain) > 0)
				;
		}
		if (reload_req) {
			reload_req = 0;
			do_reload();
		}
		if (pr == 0) {
			pthread_mutex_lock(&conns_lock);
			pressure_check();
			pthread_mutex_unlock(&conns_lock);
			continue;
		}
		if (!(pf[0].revents & POLLIN))
			continue;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
				vlog_msg(LOG_ERR, "accept: %s", strerror(errno));
				usleep(100000);   /* EMFILE and the like: do not spin */
			}
			continue;
		}
		conn_start(fd, &at);
	}
	pthread_attr_destroy(&at);
	/* wake the connection threads and wait for them (at most a DNS run) */
	pthread_mutex_lock(&conns_lock);
	for (size_t i = 0; i < n_conns; i++)
		shutdown(conns[i]->rfd, SHUT_RDWR);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)G.cf->dns_timeout + 2;
	while (n_conns > 0)
		if (pthread_cond_timedwait(&conns_cond, &conns_lock, &until) != 0)
			break;
	size_t left = n_conns;
	pthread_mutex_unlock(&conns_lock);
	if (left)
		vlog_msg(LOG_WARNING, "%zu connections still busy at exit", left);
}

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [-fstnR] [-c FILE] [-o NAME=VALUE]... [-l LOG]\n"
	    "  -c FILE        configuration file (default " DEFAULT_CONF ")\n"
	    "  -o NAME=VALUE  override one setting (repeatable)\n"
	    "  -f             stay in the foreground\n"
	    "  -s             spawn(8) mode: one Postfix connection on stdin/stdout\n"
	    "  -l LOG         log to LOG: \"stderr\", a file, or \"syslog\"\n"
	    "  -t             check the configuration and exit\n"
	    "  -n             print the effective configuration and exit\n"
	    "  -R             allow running as root when no user is set\n"
	    "  -V, --version  print the version and the checks compiled in\n"
	    "see mxready-policyd(8), mxready.conf(5)\n");
}

/* What the command line asked for. */
typedef struct opts {
	const char *path;          /* configuration file */
	int explicit_conf;         /* -c given: the file must exist */
	int foreground, spawn, check, print, allow_root;
	char **over;               /* the -o (and -l) overrides, in order */
	size_t n_over;
	char logopt[CONF_STR_MAX + 16];
} opts;

/* What the start-up opened, for the run and for the clean-up. */
typedef struct daemon_run {
	int lfd;                   /* listening socket, -1 in spawn mode */
	int activated;             /* lfd inherited from systemd */
	int ready_fd;              /* start-up handshake with the parent, or -1 */
	const char *sockpath;      /* unix socket to unlink at exit, or NULL */
} daemon_run;

/* Step 1: the command line into o.  -1 to go on, else the exit code
 * (usage, -h, -V). */
static int parse_options(int argc, char **argv, opts *o)
{
	int ch;
	memset(o, 0, sizeof *o);
	o->path = DEFAULT_CONF;
	o->over = calloc((size_t)argc + 1, sizeof *o->over);
	if (o->over == NULL)
		return 1;
	if (argc == 2 && strcmp(argv[1], "--version") == 0)
		argv[1] = "-V";
	while ((ch = getopt(argc, argv, "c:o:fsl:tnRhV")) != -1) {
		switch (ch) {
		case 'c': o->path = optarg; o->explicit_conf = 1; break;
		case 'o': o->over[o->n_over++] = optarg; break;
		case 'f': o->foreground = 1; break;
		case 's': o->spawn = 1; break;
		case 'l':
			snprintf(o->logopt, sizeof o->logopt, "log_file=%s", strcmp(optarg, "syslog") == 0 ? "" : optarg);
			o->over[o->n_over++] = o->logopt;
			break;
		case 't': o->check = 1; break;
		case 'n': o->print = 1; break;
		case 'R': o->allow_root = 1; break;
		case 'V': printf(PROG " " MXR_VERSION " (checks: iprev helo spf readiness)\n"); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

/* Step 2: the configuration file and the overrides of o into cf, checked
 * for what this daemon needs.  0; else the exit code with the message in
 * err.  Has no side effect but on cf, so a reload may call it on a fresh
 * conf and keep the old one when it fails. */
static int load_config(const opts *o, conf *cf, char *err, size_t errlen)
{
	int lr = conf_load_cli(cf, o->path, o->explicit_conf, o->over, o->n_over, err, errlen);
	if (lr < 0)
		return lr == -1 ? EXIT_USAGE : EXIT_CONFIG;
	if (!o->spawn && cf->policy_socket[0] == 0) {
		snprintf(err, errlen, "policy_socket is not set");
		return EXIT_CONFIG;
	}
	/* spawn(8) starts us as the user of master.cf's user= attribute */
	if (!o->check && !o->print && !o->spawn && geteuid() == 0 && cf->user[0] == 0 && !o->allow_root) {
		snprintf(err, errlen, "refusing to run as root: set 'user' or pass -R");
		return EXIT_CONFIG;
	}
	return 0;
}

/* SIGHUP: the file and the -o overrides of the command line into a fresh
 * configuration; in force only if it loads, else the old one stays and
 * the reason is logged. */
static void do_reload(void)
{
	char err[1024];
	conf *n = conf_new();
	reload_notify("RELOADING=1");
	int rc = load_config(run_opts, n, err, sizeof err);
	reload_finish(n, rc == 0, run_opts->path, run_opts->explicit_conf, err);
}

/* MAX_CLIENTS connections and libunbound's query ports (core/dns.c) need
 * more descriptors than the usual soft limit of 1024: raise it to the hard
 * limit, at most 65536 (what the systemd unit sets). */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			vlog_msg(LOG_WARNING, "cannot raise the descriptor limit: %s", strerror(errno));
	}
}

/* Step 3: logging, signals, the listening socket (unless spawn mode), then
 * the process start-up (background, pidfile, privileges).  0; else the
 * exit code (EXIT_CONFIG when the log cannot be opened, else 1), the
 * reason logged and printed. */
static int set_up(const opts *o, const conf *cf, daemon_run *d)
{
	char err[1024];
	if (vlog_open(PROG, cf, err, sizeof err) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_CONFIG;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	if (pipe(wake_pipe) != 0) {
		fprintf(stderr, PROG ": pipe: %s\n", strerror(errno));
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (o->spawn)
		return 0;
	/* a reload wakes the accept loop, which then drains the pipe */
	sigaction(SIGHUP, &sa, NULL);
	fcntl(wake_pipe[0], F_SETFL, O_NONBLOCK);
	d->lfd = activated_socket();
	d->activated = d->lfd >= 0;
	if (d->lfd < 0) {
		d->lfd = open_listener(cf->policy_socket, &d->sockpath, err, sizeof err);
		if (d->lfd < 0) {
			fprintf(stderr, PROG ": cannot listen: %s\n", err);
			vlog_msg(LOG_ERR, "cannot listen: %s", err);
			return 1;
		}
	}
	if (proc_start(cf, d->sockpath, o->foreground, o->allow_root, &d->ready_fd, err, sizeof err) < 0) {
		vlog_msg(LOG_ERR, "%s", err);
		fprintf(stderr, PROG ": %s\n", err);
		return 1;
	}
	return 0;
}

/* Step 4: the shared resolver and cache, then one spawn(8) connection or
 * the accept loop until a stop signal.  0 after a clean stop, else 1. */
static int run(const opts *o, const conf *cf, daemon_run *d)
{
	char err[1024];
	/* the resolver only now: libunbound's threads do not survive fork() */
	const char *fwd[CONF_MAX_RESOLVERS];
	dns_options dopt;
	conf_dns_options(cf, &dopt, fwd);
	G.cf = cf;
	G.cache = psess_cache_new();
	G.res = dns_resolver_new(&dopt, err, sizeof err);
	if (G.res == NULL) {
		vlog_msg(LOG_ERR, "resolver: %s", err);
		if (o->foreground || o->spawn)
			fprintf(stderr, PROG ": resolver: %s\n", err);
		return 1;
	}
	if (o->spawn) {
		conn c = { .rfd = 0, .wfd = 1, .id = 1 };
		snprintf(c.peer, sizeof c.peer, "spawn");
		vlog_msg(LOG_DEBUG, "spawn mode (authserv-id %s)", cf->authserv_id);
		serve(&c);
		return 0;
	}
	vlog_msg(LOG_INFO, "starting on %s (authserv-id %s)",
	    d->activated ? "the socket inherited from systemd" : cf->policy_socket, cf->authserv_id);
	reload_notify("READY=1");
	if (d->ready_fd >= 0) {
		if (write(d->ready_fd, "y", 1) != 1)
			vlog_msg(LOG_WARNING, "cannot notify the parent process");
		close(d->ready_fd);
		d->ready_fd = -1;
	}
	accept_loop(d->lfd);
	reload_notify("STOPPING=1");
	vlog_msg(LOG_INFO, "stopped");
	return 0;
}

/* Step 5: closes what set_up() and run() opened; rc is the exit code so far.
 * Connection threads still busy past the stop keep the resolver, cache and
 * configuration: those are then left to the exit. */
static void clean_up(const opts *o, conf *cf, daemon_run *d, int rc)
{
	if (d->ready_fd >= 0)
		close(d->ready_fd);
	if (d->lfd >= 0)
		close(d->lfd);
	pthread_mutex_lock(&conns_lock);
	size_t busy = n_conns;
	pthread_mutex_unlock(&conns_lock);
	if (busy == 0) {
		dns_resolver_free(G.res);
		psess_cache_free(G.cache);
	}
	if (cf->pidfile[0] && rc == 0 && !o->spawn)
		unlink(cf->pidfile);
	if (d->sockpath && rc == 0)
		unlink(d->sockpath);
	vlog_close();
	if (busy == 0)
		reload_free_all();   /* cf and any configuration a reload replaced */
}

int main(int argc, char **argv)
{
	opts o;
	daemon_run d = { .lfd = -1, .ready_fd = -1 };
	char err[1024];
	int rc = parse_options(argc, argv, &o);
	if (rc >= 0) {
		free(o.over);
		return rc;
	}
	conf *cf = conf_new();
	rc = load_config(&o, cf, err, sizeof err);
	if (rc == 0 && o.check && proc_check(cf, err, sizeof err) < 0)
		rc = EXIT_CONFIG;
	if (rc == 0 && o.print)
		conf_print(cf, stdout);
	if (rc == 0 && o.check)
		fprintf(stderr, PROG ": configuration %s OK\n",
		    o.explicit_conf || access(o.path, F_OK) == 0 ? o.path : "(defaults)");
	if (rc != 0 || o.check || o.print) {
		if (rc != 0)
			fprintf(stderr, PROG ": %s\n", err);
		conf_free(cf);
		free(o.over);
		return rc;
	}
	reload_init(cf);
	run_opts = &o;
	rc = set_up(&o, cf, &d);
	if (rc == 0)
		rc = run(&o, cf, &d);
	clean_up(&o, cf, &d, rc);
	free(o.over);   /* kept until now: a reload applies the overrides again */
	return rc;
}
