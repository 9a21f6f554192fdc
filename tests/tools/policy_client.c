/*
 * Test client for mxready-policyd (Postfix SMTPD_POLICY_README protocol):
 * sends a transcript file to a policy server, prints every octet the server
 * answers, then "<closed>" when the server closes the connection (or
 * "<open>" if it is still open when the wait ends).
 *
 *   policy_client [-k SECONDS] [-w SECONDS] unix:PATH|inet:PORT@HOST|inet6:PORT@HOST FILE
 *   policy_client [-k SECONDS] [-w SECONDS] -x 'COMMAND ARGS' FILE   (spawn mode)
 * -k: keep the connection open (no half-close) and wait up to SECONDS for
 *     the server to close it (stalled-client tests); default: half-close
 *     after the file and wait up to -w SECONDS (default 10) for the close.
 * -t MS: trickle: send one octet every MS milliseconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int pc_connect(const char *spec)
{
	int fd;
	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un su;
		memset(&su, 0, sizeof su);
		su.sun_family = AF_UNIX;
		snprintf(su.sun_path, sizeof su.sun_path, "%s", spec + 5);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&su, sizeof su) == 0)
			return fd;
	} else {
		int six = strncmp(spec, "inet6:", 6) == 0;
		const char *p = spec + (six ? 6 : 5), *at = strchr(p, '@');
		struct sockaddr_storage ss;
		socklen_t sl;
		memset(&ss, 0, sizeof ss);
		if (at == NULL)
			return -1;
		if (six) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons((unsigned short)atoi(p));
			if (inet_pton(AF_INET6, at + 1, &s6->sin6_addr) != 1)
				return -1;
			sl = sizeof *s6;
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			s4->sin_family = AF_INET;
			s4->sin_port = htons((unsigned short)atoi(p));
			if (inet_pton(AF_INET, at + 1, &s4->sin_addr) != 1)
				return -1;
			sl = sizeof *s4;
		}
		fd = socket(ss.ss_family, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, sl) == 0)
			return fd;
	}
	return -1;
}

/* Starts cmd (via /bin/sh) with stdin and stdout on one end of a socket
 * pair, as Postfix's spawn(8) does. */
static int pc_spawn(const char *cmd, pid_t *pid)
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
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	return sv[0];
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double keep = -1, wait = 10;
	int trickle = 0;
	const char *cmd = NULL;
	pid_t pid = -1;
	int ch, fd;
	while ((ch = getopt(argc, argv, "k:w:x:t:")) != -1) {
		switch (ch) {
		case 'k': keep = atof(optarg); break;
		case 'w': wait = atof(optarg); break;
		case 'x': cmd = optarg; break;
		case 't': trickle = atoi(optarg); break;
		default: return 2;
		}
	}
	if (argc - optind != (cmd ? 1 : 2)) {
		fprintf(stderr, "usage: policy_client [-k S] [-w S] (SOCKET | -x CMD) FILE\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	const char *file = argv[argc - 1];
	fd = cmd ? pc_spawn(cmd, &pid) : pc_connect(argv[optind]);
	if (fd < 0) {
		fprintf(stderr, "policy_client: cannot connect: %s\n", strerror(errno));
		return 1;
	}
	FILE *f = fopen(file, "rb");
	if (f == NULL) {
		perror(file);
		return 1;
	}
	/* send the file while reading answers, so that neither side blocks */
	char buf[8192];
	size_t n = 0, off = 0;
	int sending = 1, closed = 0;
	double end = 0;
	while (!closed) {
		if (sending && off == n) {
			n = fread(buf, 1, sizeof buf, f);
			off = 0;
			if (n == 0) {
				sending = 0;
				if (keep < 0)
					shutdown(fd, SHUT_WR);
				end = now_s() + (keep >= 0 ? keep : wait);
			}
		}
		struct pollfd pf = { .fd = fd, .events = POLLIN | (sending && !trickle ? POLLOUT : 0) };
		int ms = sending && trickle ? trickle : 1000;
		if (!sending) {
			double left = end - now_s();
			if (left <= 0)
				break;
			ms = (int)(left * 1000) + 1;
		}
		int pr = poll(&pf, 1, ms);
		if (pr < 0 && errno != EINTR)
			break;
		if (pr == 0 && sending && trickle)   /* the pause is over: one octet */
			pf.revents |= POLLOUT;
		if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
			char in[8192];
			ssize_t r = read(fd, in, sizeof in);
			if (r <= 0)
				closed = 1;
			else
				fwrite(in, 1, (size_t)r, stdout);
		}
		if (sending && (pf.revents & POLLOUT)) {
			ssize_t w = write(fd, buf + off, trickle ? 1 : n - off);
			if (w < 0) {   /* the server closed on us: stop sending */
				sending = 0;
				end = now_s() + wait;
			} else
				off += (size_t)w;
		}
	}
	printf("%s\n", closed ? "<closed>" : "<open>");
	fclose(f);
	close(fd);
	if (pid > 0) {
		int st;
		waitpid(pid, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
			fprintf(stderr, "policy_client: command exited %d\n", WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			fprintf(stderr, "policy_client: command killed by signal %d\n", WTERMSIG(st));
	}
	return 0;
}
