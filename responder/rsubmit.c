/*
 * A minimal SMTP client for local submission (RFC 5321 3.3, 4.1.1, 4.5.2
 * dot-stuffing, 4.2 multi-line replies).  Lines are written as they are;
 * the message is already CRLF and its lines are below 998 octets (GMime
 * folds headers, quoted-printable bodies).
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "rsubmit.h"

#define RSUBMIT_REPLY_MAX 1024

typedef struct conn {
	int fd;
	char buf[4096];
	size_t have;
} conn;

static int send_all(conn *c, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one reply (all its lines); returns the code or -1.  The last line
 * goes to text. */
static int reply(conn *c, char *text, size_t textlen)
{
	for (;;) {
		char *lf = memchr(c->buf, '\n', c->have);
		if (lf != NULL) {
			size_t n = (size_t)(lf - c->buf) + 1;
			int code = -1, last;
			char line[RSUBMIT_REPLY_MAX];
			size_t ln = n < sizeof line ? n : sizeof line - 1;
			memcpy(line, c->buf, ln);
			line[ln] = 0;
			line[strcspn(line, "\r\n")] = 0;
			memmove(c->buf, c->buf + n, c->have - n);
			c->have -= n;
			if (strlen(line) >= 3 && line[0] >= '2' && line[0] <= '5')
				code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
			last = line[3] != '-';
			if (code < 0)
				return -1;
			if (last) {
				snprintf(text, textlen, "%s", line);
				return code;
			}
			continue;
		}
		if (c->have == sizeof c->buf)
			return -1;        /* a reply line longer than the buffer */
		{
			ssize_t r = recv(c->fd, c->buf + c->have, sizeof c->buf - c->have, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return -1;
			c->have += (size_t)r;
		}
	}
}

static int cmd(conn *c, const char *line, int want, char *err, size_t errlen)
{
	char text[RSUBMIT_REPLY_MAX];
	int code;
	if (line && send_all(c, line, strlen(line)) < 0) {
		snprintf(err, errlen, "send: %s", strerror(errno));
		return -1;
	}
	code = reply(c, text, sizeof text);
	if (code < 0) {
		snprintf(err, errlen, "no SMTP reply");
		return -1;
	}
	if (code / 100 != want) {
		snprintf(err, errlen, "%s", text);
		return code >= 500 ? -2 : -1;
	}
	return 0;
}

static int dial(const char *hostport, char *err, size_t errlen)
{
	char host[256], port[16];
	const char *colon;
	struct addrinfo hints = { 0 }, *ai = NULL, *a;
	int fd = -1, rc;
	struct timeval tv = { RSUBMIT_TIMEOUT, 0 };

	if (hostport[0] == '[') {
		const char *rb = strchr(hostport, ']');
		if (rb == NULL || rb[1] != ':' || (size_t)(rb - hostport - 1) >= sizeof host)
			goto bad;
		memcpy(host, hostport + 1, (size_t)(rb - hostport - 1));
		host[rb - hostport - 1] = 0;
		colon = rb + 1;
	} else {
		colon = strrchr(hostport, ':');
		if (colon == NULL || (size_t)(colon - hostport) >= sizeof host)
			goto bad;
		memcpy(host, hostport, (size_t)(colon - hostport));
		host[colon - hostport] = 0;
	}
	if (snprintf(port, sizeof port, "%s", colon + 1) >= (int)sizeof port)
		goto bad;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "%s: %s", hostport, gai_strerror(rc));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		snprintf(err, errlen, "connect %s: %s", hostport, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
bad:
	snprintf(err, errlen, "'%s' is not HOST:PORT", hostport);
	return -1;
}

int rsubmit_send(const char *hostport, const char *from, const char *to,
	const char *msg, size_t len, char *err, size_t errlen)
{
	conn *c = calloc(1, sizeof *c);
	char line[1024];
	int rc;
	const char *p = msg, *end = msg + len;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->fd = dial(hostport, err, errlen);
	if (c->fd < 0) {
		free(c);
		return -1;
	}
	if ((rc = cmd(c, NULL, 2, err, errlen)) < 0 ||
	    (rc = cmd(c, "EHLO localhost\r\n", 2, err, errlen)) < 0)
		goto out;
	snprintf(line, sizeof line, "MAIL FROM:<%s>\r\n", from);
	if ((rc = cmd(c, line, 2, err, errlen)) < 0)
		goto out;
	snprintf(line, sizeof line, "RCPT TO:<%s>\r\n", to);
	if ((rc = cmd(c, line, 2, err, errlen)) < 0 || (rc = cmd(c, "DATA\r\n", 3, err, errlen)) < 0)
		goto out;
	/* body with dot-stuffing (RFC 5321 4.5.2) */
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		const char *e = lf ? lf + 1 : end;
		if (*p == '.' && send_all(c, ".", 1) < 0)
			break;
		if (send_all(c, p, (size_t)(e - p)) < 0)
			break;
		p = e;
	}
	if (p < end) {
		snprintf(err, errlen, "send: %s", strerror(errno));
		rc = -1;
		goto out;
	}
	if (len && msg[len - 1] != '\n')
		send_all(c, "\r\n", 2);
	if ((rc = cmd(c, ".\r\n", 2, err, errlen)) < 0)
		goto out;
	cmd(c, "QUIT\r\n", 2, line, sizeof line);
	rc = 0;
out:
	close(c->fd);
	free(c);
	return rc;
}
