#ifndef MXR_PROC_H
#define MXR_PROC_H
/*
 * Process set-up shared by the mxready daemons: going to the background,
 * the pidfile, and dropping root once the socket is open.
 */
#include <stddef.h>

#include "conf.h"

/* Forks.  The parent waits until the child writes 'y' on the returned
 * descriptor (start-up done) and exits 0, or exits 1 if the child closes it
 * first.  In the child: new session, cwd "/", stdio on /dev/null.  Returns
 * the write end in the child, -1 with errno on error. */
int proc_daemonize(void);

/* Writes the current pid to path.  0, or -1 with a message in err. */
int proc_write_pidfile(const char *path, char *err, size_t errlen);

/* As root: becomes cf->user (after chown of sockpath, a unix socket path
 * or NULL) and checks that root cannot be regained.  Running on as root is
 * refused unless allow_root (no user set, or the user is root).  Not root:
 * nothing to do.  0, or -1 with a message in err. */
int proc_drop_privileges(const conf *cf, const char *sockpath, int allow_root,
    char *err, size_t errlen);

/* The start-up sequence after the socket is open: proc_daemonize() unless
 * foreground (*ready_fd gets the handshake descriptor, else -1), the
 * pidfile if cf->pidfile is set, then proc_drop_privileges().  0, or -1
 * with a message in err. */
int proc_start(const conf *cf, const char *sockpath, int foreground, int allow_root,
    int *ready_fd, char *err, size_t errlen);

/* What -t checks beyond the file's syntax: everything start-up would trip
 * over.  The user exists (if set), log_file can be appended to (if a file;
 * not created here), the pidfile's directory is writable, and the resolver
 * can be made (the trust anchor or table file is readable and valid).  0,
 * or -1 with the first problem, naming the setting, in err. */
int proc_check(const conf *cf, char *err, size_t errlen);

#endif
