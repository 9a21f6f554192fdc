/*
 * Logging of the mxready daemons: syslog (RFC 5424 facilities via syslog(3))
 * or a file, and the single key=value verdict line per message with values
 * from the network escaped so that a log line can never be forged or split.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "vlog.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_fp;            /* NULL = syslog */
static int log_syslog;
static int log_level = LOG_INFO;
static char log_ident[64] = "mxready";

int vlog_open(const char *ident, const conf *c, char *err, size_t errlen)
{
	vlog_close();
	snprintf(log_ident, sizeof log_ident, "%s", ident);
	log_level = (int)c->log_level;
	if (c->log_file[0] == 0) {
		openlog(log_ident, LOG_PID | LOG_NDELAY, c->syslog_facility);
		log_syslog = 1;
		return 0;
	}
	if (strcmp(c->log_file, "stderr") == 0) {
		log_fp = stderr;
		return 0;
	}
	log_fp = fopen(c->log_file, "a");
	if (log_fp == NULL) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", c->log_file, strerror(errno));
		return -1;
	}
	setvbuf(log_fp, NULL, _IOLBF, 0);
	return 0;
}

void vlog_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_fp && log_fp != stderr)
		fclose(log_fp);
	log_fp = NULL;
	if (log_syslog)
		closelog();
	log_syslog = 0;
	pthread_mutex_unlock(&log_lock);
}

static const char *prio_str(int prio)
{
	switch (prio) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

void vlog_vmsg(int prio, const char *fmt, va_list ap)
{
	char msg[VLOG_LINE_MAX + 256];
	if (prio > log_level)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	/* Never let a message span lines or carry terminal controls: free
	 * text may quote untrusted input (an SMTP reply, a header). */
	for (unsigned char *p = (unsigned char *)msg; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : '?';
	pthread_mutex_lock(&log_lock);
	if (log_fp) {
		struct timespec ts;
		struct tm tm;
		char stamp[32];
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(log_fp, "%s.%03ld %s[%ld]: %s: %s\n", stamp, ts.tv_nsec / 1000000,
		    log_ident, (long)getpid(), prio_str(prio), msg);
		fflush(log_fp);
	} else if (log_syslog)
		syslog(prio, "%s", msg);
	else
		fprintf(stderr, "%s: %s: %s\n", log_ident, prio_str(prio), msg);
	pthread_mutex_unlock(&log_lock);
}

void vlog_msg(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog_vmsg(prio, fmt, ap);
	va_end(ap);
}

size_t vlog_sanitize(char *out, size_t outlen, const char *in, size_t inlen, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;
	int cut = 0;
	if (outlen == 0)
		return 0;
	if (in == NULL)
		inlen = 0;
	if (max && inlen > max) {
		inlen = max;
		cut = 1;
	}
	for (i = 0; i < inlen; i++) {
		unsigned char ch = (unsigned char)in[i];
		char tmp[4];
		size_t n;
		if (ch == '\\' || ch == '"') {
			tmp[0] = '\\';
			tmp[1] = (char)ch;
			n = 2;
		} else if (ch < 0x20 || ch >= 0x7f) {
			tmp[0] = '\\';
			tmp[1] = 'x';
			tmp[2] = hex[ch >> 4];
			tmp[3] = hex[ch & 15];
			n = 4;
		} else {
			tmp[0] = (char)ch;
			n = 1;
		}
		if (o + n + 4 > outlen) {   /* room for "..." and NUL */
			cut = 1;
			break;
		}
		memcpy(out + o, tmp, n);
		o += n;
	}
	if (cut && o + 4 <= outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
	return o;
}

void vlog_begin(vlog_line *l, const char *id)
{
	char tmp[128];
	l->len = 0;
	l->truncated = 0;
	if (id == NULL || *id == 0)
		id = "NOQUEUE";
	vlog_sanitize(tmp, sizeof tmp, id, strlen(id), 64);
	for (char *p = tmp; *p; p++)   /* an id never needs quoting */
		if (*p == ' ' || *p == '=' || *p == '"')
			*p = '_';
	l->len = (size_t)snprintf(l->buf, sizeof l->buf, "%s:", tmp);
}

void vlog_addn(vlog_line *l, const char *key, const char *value, size_t n)
{
	char v[VLOG_VALUE_MAX * 4 + 8];
	size_t vl, kl = strlen(key), need;
	int quote;
	if (value == NULL) {
		value = "-";
		n = 1;
	}
	vl = vlog_sanitize(v, sizeof v, value, n, VLOG_VALUE_MAX);
	quote = vl == 0 || strpbrk(v, " =\"") != NULL;
	need = 1 + kl + 1 + vl + (quote ? 2 : 0);
	/* keep room for " truncated=yes" */
	if (l->len + need + 15 >= sizeof l->buf) {
		l->truncated = 1;
		return;
	}
	l->buf[l->len++] = ' ';
	memcpy(l->buf + l->len, key, kl);
	l->len += kl;
	l->buf[l->len++] = '=';
	if (quote)
		l->buf[l->len++] = '"';
	memcpy(l->buf + l->len, v, vl);
	l->len += vl;
	if (quote)
		l->buf[l->len++] = '"';
	l->buf[l->len] = 0;
}

void vlog_add(vlog_line *l, const char *key, const char *value)
{
	vlog_addn(l, key, value, value ? strlen(value) : 0);
}

void vlog_addf(vlog_line *l, const char *key, const char *fmt, ...)
{
	char tmp[VLOG_VALUE_MAX * 2];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	vlog_addn(l, key, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

const char *vlog_end(vlog_line *l)
{
	if (l->truncated && l->len + 15 < sizeof l->buf) {
		memcpy(l->buf + l->len, " truncated=yes", 15);
		l->len += 14;
		l->truncated = 0;
	}
	l->buf[l->len] = 0;
	return l->buf;
}

void vlog_emit(vlog_line *l)
{
	vlog_msg(LOG_NOTICE, "%s", vlog_end(l));
}
