#ifndef MXR_VLOG_H
#define MXR_VLOG_H
/*
 * Logging of the mxready daemons: syslog (or a file / stderr for tests and
 * foreground runs), and the one verdict line per message or transaction:
 *
 *     QUEUEID: key=value key=value ...
 *
 * Keys are fixed identifiers chosen by the caller (documented in
 * docs/logging.md).  Values come from the network and are made printable:
 * bytes outside 0x21..0x7e other than space are written \xHH, '\\' and '"'
 * are escaped, and a value that is empty or holds a space, '=' or '"' is
 * quoted with double quotes.  Values longer than VLOG_VALUE_MAX octets are
 * cut and end in "...".  The whole line is at most VLOG_LINE_MAX octets; a
 * pair that does not fit is dropped and " truncated=yes" is appended.
 */
#include <stdarg.h>
#include <stddef.h>

#include "conf.h"

#define VLOG_LINE_MAX 2048
#define VLOG_VALUE_MAX 200

/* Where log messages go; call once at start-up (before threads), again after
 * daemonising is fine.  ident: program name.  With c->log_file "" messages
 * go to syslog (facility c->syslog_facility), "stderr" to standard error,
 * anything else is a file opened for appending.  Messages above
 * c->log_level are dropped.  Returns 0, or -1 with a message in err. */
int vlog_open(const char *ident, const conf *c, char *err, size_t errlen);
/* Closes the log file or syslog.  Safe to call twice. */
void vlog_close(void);
/* Logs one message at priority prio (LOG_ERR .. LOG_DEBUG).  The text is
 * the caller's; values from the network must go through vlog_sanitize()
 * first.  Thread-safe; one line is written atomically. */
void vlog_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vlog_vmsg(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* A verdict line under construction.  Stack-allocatable, no free needed. */
typedef struct vlog_line {
	char buf[VLOG_LINE_MAX];
	size_t len;
	int truncated;
} vlog_line;

/* Starts a line with "ID: "; id NULL or "" gives "NOQUEUE: ".  The id itself
 * is sanitised and never quoted. */
void vlog_begin(vlog_line *l, const char *id);
/* Appends " key=value" (no leading space for the first pair).  value NULL
 * is written as "-". */
void vlog_add(vlog_line *l, const char *key, const char *value);
/* Same with a length (value may hold NUL bytes). */
void vlog_addn(vlog_line *l, const char *key, const char *value, size_t n);
/* Appends key= a printf-formatted value (sanitised like vlog_add). */
void vlog_addf(vlog_line *l, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The finished line (NUL-terminated, " truncated=yes" added if needed). */
const char *vlog_end(vlog_line *l);
/* vlog_end() and logs the line at LOG_NOTICE. */
void vlog_emit(vlog_line *l);

/* Writes the printable form of in[0..inlen) to out (always NUL-terminated
 * when outlen > 0), with the escaping described above, without quotes.
 * At most max input octets are taken (0 = no limit); "..." marks a cut.
 * Returns the length written. */
size_t vlog_sanitize(char *out, size_t outlen, const char *in, size_t inlen, size_t max);

#endif
