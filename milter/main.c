/*
 * mxready-milter: the libmilter glue (Sendmail milter protocol v6 as spoken
 * by Postfix, see Postfix MILTER_README).  Options, configuration, socket,
 * daemonising, privilege drop, negotiation (macros via smfi_setsymlist,
 * SMFIP_HDR_LEADSPC), and applying milter/session.c's verdict.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "dkimv.h"
#include "rcache.h"
#include "session.h"
#include "../daemon/conf.h"
#include "../daemon/proc.h"
#include "../daemon/reload.h"
#include "../daemon/vlog.h"

#define DEFAULT_CONF "/etc/mxready/mxready.conf"
#ifndef MXR_VERSION
#define MXR_VERSION "unknown"   /* set by the Makefile from debian/changelog */
#endif
#define PROG "mxready-milter"
#define EXIT_USAGE 2
#define EXIT_CONFIG 78   /* EX_CONFIG */
/* libmilter's largest packet setting (MILTER_MDS_1M, hidden behind
 * _FFR_MDS_NEGOTIATE in mfdef.h) */
#define MILTER_MAX_DATA ((1024 * 1024) - 1)

static msess_global G;

/* Per connection: the session and whether values carry their leading space. */
typedef struct conn {
	msess_global g;   /* G with the configuration in force when it came */
	msess *s;
	int leadspc;
	int nr_hdr, nr_body;
} conn;

static conn *getconn(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

static const char *macro(SMFICTX *ctx, const char *name)
{
	return smfi_getsymval(ctx, (char *)name);
}

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0, unsigned long *pf1,
    unsigned long *pf2, unsigned long *pf3)
{
	unsigned long need = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
	unsigned long want = SMFIF_QUARANTINE | SMFIF_SETSYMLIST;
	unsigned long steps = SMFIP_HDR_LEADSPC | SMFIP_NORCPT | SMFIP_NOUNKNOWN |
	    SMFIP_NR_HDR | SMFIP_NR_BODY | SMFIP_NODATA;
	(void)f2;
	(void)f3;
	if ((f0 & need) != need) {
		vlog_msg(LOG_ERR, "the MTA does not allow adding and changing headers; not filtering");
		return SMFIS_REJECT;   /* = do not use this filter for the connection */
	}
	conn *c = calloc(1, sizeof *c);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	*pf0 = need | (f0 & want);
	*pf1 = f1 & steps;
	*pf2 = 0;
	*pf3 = 0;
	c->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	c->nr_hdr = (*pf1 & SMFIP_NR_HDR) != 0;
	c->nr_body = (*pf1 & SMFIP_NR_BODY) != 0;
	c->g = G;
	c->g.cf = reload_current();
	c->s = msess_new(&c->g);
	smfi_setpriv(ctx, c);
	if (f0 & SMFIF_SETSYMLIST) {
		/* Postfix does not send these by default (libraries.md 5) */
		smfi_setsymlist(ctx, SMFIM_CONNECT, "j {daemon_name} {client_addr} {client_name} "
		    "{client_ptr} {client_resolve} {client_port} _");
		smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_type} {auth_authen} {mail_addr}");
		smfi_setsymlist(ctx, SMFIM_EOH, "i");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	return SMFIS_CONTINUE;
}

static conn *ensure(SMFICTX *ctx)
{
	conn *c = getconn(ctx);
	if (c == NULL) {   /* MTA without negotiate (old protocol) */
		c = calloc(1, sizeof *c);
		if (c == NULL)
			return NULL;
		c->g = G;
		c->g.cf = reload_current();
		c->s = msess_new(&c->g);
		smfi_setpriv(ctx, c);
	}
	return c;
}

static sfsistat cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	conn *c = ensure(ctx);
	char addr[INET6_ADDRSTRLEN] = "";
	const char *a = NULL;
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	if (sa && sa->sa_family == AF_INET)
		a = inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr, addr, sizeof addr);
	else if (sa && sa->sa_family == AF_INET6)
		a = inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, addr, sizeof addr);
	if (a == NULL)
		a = macro(ctx, "{client_addr}");
	msess_connect(c->s, hostname, a, macro(ctx, "{client_name}"),
	    macro(ctx, "{client_ptr}"), macro(ctx, "{client_resolve}"));
	return SMFIS_CONTINUE;
}

static sfsistat cb_helo(SMFICTX *ctx, char *helo)
{
	conn *c = ensure(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	msess_helo(c->s, helo);
	return SMFIS_CONTINUE;
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	conn *c = ensure(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	msess_mail(c->s, argv ? argv[0] : NULL, macro(ctx, "{auth_authen}"));
	return SMFIS_CONTINUE;
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	conn *c = ensure(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	msess_header(c->s, name, value);
	return c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
	conn *c = ensure(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	msess_eoh(c->s);
	return SMFIS_CONTINUE;
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	conn *c = ensure(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	msess_body(c->s, buf, len);
	return c->nr_body ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* Header values are sent with their leading space only after
 * SMFIP_HDR_LEADSPC was negotiated. */
static char *hv(conn *c, const char *v)
{
	return (char *)(c->leadspc ? v : v + (*v == ' '));
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	conn *c = ensure(ctx);
	sfsistat rc = SMFIS_CONTINUE;
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	const msess_result *r = msess_eom(c->s, macro(ctx, "i"));
	switch (r->action) {
	case CONF_ACT_REJECT:
	case CONF_ACT_TEMPFAIL:
		if (smfi_setreply(ctx, (char *)r->rcode, (char *)r->xcode, (char *)r->text) != MI_SUCCESS)
			vlog_msg(LOG_WARNING, "smfi_setreply failed");
		rc = r->action == CONF_ACT_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
		break;
	default:
		/* forged fields with our authserv-id: the last occurrence first */
		for (size_t i = 0; i < r->n_del_ar; i++)
			smfi_chgheader(ctx, MSESS_AR_NAME, (int)r->del_ar[i], NULL);
		for (size_t i = 0; i < r->n_del_report; i++)
			smfi_chgheader(ctx, MSESS_REPORT_NAME, (int)r->del_report[i], NULL);
		if (r->report_value)
			smfi_insheader(ctx, 0, MSESS_REPORT_NAME, hv(c, r->report_value));
		smfi_insheader(ctx, 0, MSESS_AR_NAME, hv(c, r->ar_value));
		if (r->action == CONF_ACT_QUARANTINE &&
		    smfi_quarantine(ctx, (char *)r->quarantine_reason) != MI_SUCCESS)
			vlog_msg(LOG_WARNING, "smfi_quarantine failed (not negotiated?)");
		break;
	}
	msess_end(c->s);
	return rc;
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	conn *c = getconn(ctx);
	if (c)
		msess_end(c->s);
	return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
	conn *c = getconn(ctx);
	if (c) {
		msess_free(c->s);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	.xxfi_name = PROG,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
	.xxfi_connect = cb_connect,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_header = cb_header,
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_negotiate = cb_negotiate,
};

/* The command line. */
typedef struct mopts {
	const char *path;            /* configuration file */
	int explicit_conf, foreground, check, print, allow_root;
	char **over;                 /* -o/-l overrides, applied after the file in order */
	size_t n_over;
} mopts;

/* ---------- signals and reload ---------- */

/* libmilter's own signal thread (sigwait) stops the filter on SIGHUP as on
 * SIGTERM.  So smfi_main() runs in a thread of its own, whose signal mask
 * libmilter's thread inherits, while the main thread, the process's leader,
 * takes the signals with a handler: a process-directed signal goes to the
 * leader first when it does not block it.  The handler only writes to a
 * pipe; the main thread reloads or calls smfi_stop(). */
static int sig_pipe[2] = { -1, -1 };
static const struct mopts *run_opts;   /* the command line, for a reload */

static void on_signal(int sig)
{
	int saved = errno;
	char b = sig == SIGHUP ? 'h' : 's';
	if (write(sig_pipe[1], &b, 1) < 0) {
		/* the pipe is full: a wake-up is pending anyway */
	}
	errno = saved;
}

static void *milter_thread(void *arg)
{
	int *rc = arg;
	char b = 'x';
	*rc = smfi_main() == MI_SUCCESS ? 0 : 1;
	if (write(sig_pipe[1], &b, 1) < 0) {
		/* the main thread is gone already */
	}
	return NULL;
}

/* SIGHUP: the file and the -o overrides into a fresh configuration, in
 * force only if it loads; else the old one stays and the reason is logged. */
static void do_reload(void)
{
	char err[1024];
	conf *n = conf_new();
	reload_notify("RELOADING=1");
	int lr = conf_load_cli(n, run_opts->path, run_opts->explicit_conf, run_opts->over, run_opts->n_over,
	    err, sizeof err);
	if (lr == 0 && n->milter_socket[0] == 0) {
		snprintf(err, sizeof err, "milter_socket is not set");
		lr = -2;
	}
	reload_finish(n, lr >= 0, run_opts->path, run_opts->explicit_conf, err);
}

/* Runs the filter until a stop signal or an error: 0 after a clean stop. */
static int run_milter(void)
{
	struct sigaction sa;
	pthread_t t;
	int mrc = 1;
	if (pipe(sig_pipe) != 0) {
		vlog_msg(LOG_ERR, "pipe: %s", strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (pthread_create(&t, NULL, milter_thread, &mrc) != 0) {
		vlog_msg(LOG_ERR, "cannot start the milter thread");
		return 1;
	}
	reload_notify("READY=1");
	for (;;) {
		char b;
		ssize_t n = read(sig_pipe[0], &b, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || b == 'x')
			break;
		if (b == 'h')
			do_reload();
		else {
			reload_notify("STOPPING=1");
			smfi_stop();   /* smfi_main() returns, the thread writes 'x' */
		}
	}
	pthread_join(t, NULL);
	return mrc;
}

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [-fntR] [-c FILE] [-o NAME=VALUE]... [-l LOG]\n"
	    "  -c FILE        configuration file (default " DEFAULT_CONF ")\n"
	    "  -o NAME=VALUE  override one setting (repeatable)\n"
	    "  -f             stay in the foreground\n"
	    "  -l LOG         log to LOG: \"stderr\", a file, or \"syslog\"\n"
	    "  -t             check the configuration and exit\n"
	    "  -n             print the effective configuration and exit\n"
	    "  -V, --version  print the version and exit\n"
	    "  -R             allow running as root when no user is set\n"
	    "see mxready-milter(8), mxready.conf(5)\n");
}


/* Parses the command line into o.  Returns -1 to go on, else the exit
 * status (after -h, -V or a usage error). */
static int parse_options(int argc, char **argv, mopts *o)
{
	int ch;
	if (argc == 2 && strcmp(argv[1], "--version") == 0)
		argv[1] = "-V";
	while ((ch = getopt(argc, argv, "c:o:fl:tnRhV")) != -1) {
		switch (ch) {
		case 'c': o->path = optarg; o->explicit_conf = 1; break;
		case 'o': o->over[o->n_over++] = optarg; break;
		case 'f': o->foreground = 1; break;
		case 'l': o->over[o->n_over++] = strcmp(optarg, "syslog") == 0 ? "log_file=" :
		    strcmp(optarg, "stderr") == 0 ? "log_file=stderr" : NULL;
			if (o->over[o->n_over - 1] == NULL) {
				static char buf[CONF_STR_MAX + 16];
				snprintf(buf, sizeof buf, "log_file=%s", optarg);
				o->over[o->n_over - 1] = buf;
			}
			break;
		case 't': o->check = 1; break;
		case 'n': o->print = 1; break;
		case 'R': o->allow_root = 1; break;
		case 'V': puts(PROG " " MXR_VERSION); return 0;
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

/* Loads the file and the overrides into cf and checks what the milter
 * needs; answers -t and -n.  Returns -1 to go on, else the exit status. */
static int load_config(const mopts *o, conf *cf)
{
	char err[1024];
	int lr = conf_load_cli(cf, o->path, o->explicit_conf, o->over, o->n_over, err, sizeof err);
	if (lr < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return lr == -1 ? EXIT_USAGE : EXIT_CONFIG;
	}
	if (cf->milter_socket[0] == 0) {
		fprintf(stderr, PROG ": milter_socket is not set\n");
		return EXIT_CONFIG;
	}
	if (o->print)
		conf_print(cf, stdout);
	if (o->check && proc_check(cf, err, sizeof err) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_CONFIG;
	}
	if (o->check || o->print) {
		if (o->check)
			fprintf(stderr, PROG ": configuration %s OK\n",
			    o->explicit_conf || access(o->path, F_OK) == 0 ? o->path : "(defaults)");
		return 0;
	}
	if (geteuid() == 0 && cf->user[0] == 0 && !o->allow_root) {
		fprintf(stderr, PROG ": refusing to run as root: set 'user' or pass -R\n");
		return EXIT_CONFIG;
	}
	if (vlog_open(PROG, cf, err, sizeof err) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_CONFIG;
	}
	return -1;
}

/* Opens the socket (as root), starts the process (daemon, pidfile,
 * privileges) and then the resolver, DKIM library and readiness cache.
 * *sockpath: the path of a unix socket, NULL for inet.  0 or -1 (logged). */
static int set_up(conf *cf, const mopts *o, const char **sockpath, int *ready_fd)
{
	char err[1024];
	*sockpath = NULL;
	if (strncmp(cf->milter_socket, "unix:", 5) == 0)
		*sockpath = cf->milter_socket + 5;
	else if (strncmp(cf->milter_socket, "local:", 6) == 0)
		*sockpath = cf->milter_socket + 6;
	mode_t old = umask(*sockpath ? 0117 : 0022);   /* socket 0660 */
	/* Postfix passes header fields of up to header_size_limit (100 KB) in
	 * one packet; with libmilter's 64 KB default such a field would drop
	 * the connection and milter_default_action would defer the mail for
	 * good. */
	smfi_setmaxdatasize(MILTER_MAX_DATA);
	if (smfi_setconn(cf->milter_socket) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS ||
	    smfi_opensocket(true) != MI_SUCCESS) {
		fprintf(stderr, PROG ": cannot open %s\n", cf->milter_socket);
		return -1;
	}
	umask(old);
	if (proc_start(cf, *sockpath, o->foreground, o->allow_root, ready_fd, err, sizeof err) < 0) {
		vlog_msg(LOG_ERR, "%s", err);
		fprintf(stderr, PROG ": %s\n", err);
		return -1;
	}
	/* the resolver only now: libunbound's threads do not survive fork() */
	const char *fwd[CONF_MAX_RESOLVERS];
	dns_options dopt;
	conf_dns_options(cf, &dopt, fwd);
	G.cf = cf;
	G.res = dns_resolver_new(&dopt, err, sizeof err);
	if (G.res == NULL) {
		vlog_msg(LOG_ERR, "resolver: %s", err);
		if (o->foreground)
			fprintf(stderr, PROG ": resolver: %s\n", err);
		return -1;
	}
	G.dkim = dkimv_lib_new(err, sizeof err);
	if (G.dkim == NULL) {
		vlog_msg(LOG_ERR, "DKIM library: %s", err);
		if (o->foreground)
			fprintf(stderr, PROG ": DKIM library: %s\n", err);
		return -1;
	}
	G.rcache = cf->readiness_cache > 0 ? rcache_new(cf->readiness_cache) : NULL;
	return 0;
}

/* Tells the parent that started us that we serve, then serves until
 * stopped.  The exit status. */
static int run(conf *cf, int *ready_fd)
{
	vlog_msg(LOG_INFO, "starting on %s (authserv-id %s)", cf->milter_socket, cf->authserv_id);
	if (*ready_fd >= 0) {
		if (write(*ready_fd, "y", 1) != 1)
			vlog_msg(LOG_WARNING, "cannot notify the parent process");
		close(*ready_fd);
		*ready_fd = -1;
	}
	int rc = run_milter();
	vlog_msg(LOG_INFO, "stopped");
	return rc;
}

/* Frees what set_up() made; after a clean stop, removes the pidfile and
 * the socket. */
static void clean_up(conf *cf, const char *sockpath, int ready_fd, int rc)
{
	if (ready_fd >= 0)
		close(ready_fd);
	dkimv_lib_free(G.dkim);
	G.dkim = NULL;
	rcache_free(G.rcache);
	G.rcache = NULL;
	dns_resolver_free(G.res);
	G.res = NULL;
	if (cf->pidfile[0] && rc == 0)
		unlink(cf->pidfile);
	if (sockpath && rc == 0)
		unlink(sockpath);
	vlog_close();
}

int main(int argc, char **argv)
{
	mopts o = { DEFAULT_CONF, 0, 0, 0, 0, 0, NULL, 0 };
	const char *sockpath = NULL;
	int rc, ready_fd = -1;
	/* overrides are applied after the file, in order */
	o.over = calloc((size_t)argc + 1, sizeof *o.over);
	if (o.over == NULL)
		return 1;
	conf *cf = conf_new();
	if ((rc = parse_options(argc, argv, &o)) < 0)
		rc = load_config(&o, cf);
	if (rc >= 0) {
		free(o.over);
		conf_free(cf);
		return rc;
	}
	reload_init(cf);   /* from here on freed by reload_free_all() */
	run_opts = &o;     /* o.over too is kept for a reload */
	rc = set_up(cf, &o, &sockpath, &ready_fd) == 0 ? run(cf, &ready_fd) : 1;
	clean_up(cf, sockpath, ready_fd, rc);
	reload_free_all();   /* cf and any configuration a reload replaced */
	free(o.over);
	return rc;
}
