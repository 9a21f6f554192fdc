/*
 * Process set-up of the daemons (mxready-milter, mxready-policyd): the
 * background fork with a start-up handshake so that a failing start gives a
 * non-zero exit to the caller (systemd Type=forking, init scripts), the
 * pidfile, and the privilege drop after the listening socket is open.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"

int proc_daemonize(void)
{
	int p[2];
	char ok;
	if (pipe(p) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		ssize_t n = read(p[0], &ok, 1);
		_exit(n == 1 && ok == 'y' ? 0 : 1);
	}
	close(p[0]);
	setsid();
	if (chdir("/") != 0)
		return -1;
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return p[1];
}

int proc_write_pidfile(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
		snprintf(err, errlen, "pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int proc_start(const conf *cf, const char *sockpath, int foreground, int allow_root,
    int *ready_fd, char *err, size_t errlen)
{
	*ready_fd = -1;
	if (!foreground && (*ready_fd = proc_daemonize()) < 0) {
		snprintf(err, errlen, "cannot daemonise: %s", strerror(errno));
		return -1;
	}
	if (cf->pidfile[0] && proc_write_pidfile(cf->pidfile, err, errlen) < 0)
		return -1;
	return proc_drop_privileges(cf, sockpath, allow_root, err, errlen);
}

int proc_drop_privileges(const conf *cf, const char *sockpath, int allow_root,
    char *err, size_t errlen)
{
	if (geteuid() != 0)
		return 0;
	if (cf->user[0] == 0) {
		if (allow_root)
			return 0;
		snprintf(err, errlen, "refusing to run as root: set 'user' or pass -R");
		return -1;
	}
	struct passwd *pw = getpwnam(cf->user);
	if (pw == NULL) {
		snprintf(err, errlen, "user '%s' does not exist", cf->user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		if (allow_root)
			return 0;
		snprintf(err, errlen, "user '%s' is root: pass -R to allow it", cf->user);
		return -1;
	}
	/* In a set-group-ID directory (the package's /var/spool/postfix/mxready,
	 * group postfix) the socket was born with the directory's group, which
	 * is what lets smtpd connect: keep it.  Elsewhere the user's group. */
	gid_t sgid = pw->pw_gid;
	if (sockpath) {
		char dir[CONF_STR_MAX];
		struct stat st;
		const char *slash = strrchr(sockpath, '/');
		size_t dl = slash ? (size_t)(slash - sockpath) : 0;
		if (dl > 0 && dl < sizeof dir) {
			memcpy(dir, sockpath, dl);
			dir[dl] = 0;
			if (stat(dir, &st) == 0 && (st.st_mode & S_ISGID))
				sgid = (gid_t)-1;
		}
	}
	if (sockpath && chown(sockpath, pw->pw_uid, sgid) != 0) {
		snprintf(err, errlen, "chown %s: %s", sockpath, strerror(errno));
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		snprintf(err, errlen, "cannot become user '%s': %s", cf->user, strerror(errno));
		return -1;
	}
	/* the drop must be irreversible */
	if (setuid(0) == 0) {
		snprintf(err, errlen, "could regain root after dropping privileges");
		return -1;
	}
	return 0;
}

/* 0 if path could be appended to: an existing file writable, or a new one
 * creatable in its directory.  Nothing is created. */
static int appendable(const char *path)
{
	if (access(path, F_OK) == 0)
		return access(path, W_OK);
	char dir[CONF_STR_MAX];
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return access(".", W_OK | X_OK);
	size_t dl = (size_t)(slash - path);
	if (dl == 0)
		return access("/", W_OK | X_OK);
	if (dl >= sizeof dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, dl);
	dir[dl] = 0;
	return access(dir, W_OK | X_OK);
}

int proc_check(const conf *cf, char *err, size_t errlen)
{
	if (cf->user[0] && getpwnam(cf->user) == NULL) {
		snprintf(err, errlen, "user: '%s' does not exist", cf->user);
		return -1;
	}
	if (cf->log_file[0] && strcmp(cf->log_file, "stderr") != 0 && appendable(cf->log_file) != 0) {
		snprintf(err, errlen, "log_file: %s: %s", cf->log_file, strerror(errno));
		return -1;
	}
	if (cf->pidfile[0] && appendable(cf->pidfile) != 0) {
		snprintf(err, errlen, "pidfile: %s: %s", cf->pidfile, strerror(errno));
		return -1;
	}
	/* the same resolver start-up makes: reads and checks the anchor */
	const char *fwd[CONF_MAX_RESOLVERS];
	dns_options dopt;
	char derr[512];
	conf_dns_options(cf, &dopt, fwd);
	dns_resolver *r = dns_resolver_new(&dopt, derr, sizeof derr);
	if (r == NULL) {
		snprintf(err, errlen, "%s: %s", cf->dns_table[0] ? "dns_table" :
		    cf->dns_trust_anchor[0] ? "dns_trust_anchor" : "resolver", derr);
		return -1;
	}
	dns_resolver_free(r);
	return 0;
}
