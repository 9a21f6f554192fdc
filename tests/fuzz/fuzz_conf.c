/*
 * libFuzzer target for the configuration parsers: the shared mxready.conf
 * (daemon/conf.c) and the responder's responder.conf (responder/rconf.c).
 * The input is written to an in-memory file and loaded through the real
 * path-based entry points.  A load either succeeds or fails with a message
 * "PATH:LINE: ..." (or "PATH: ..."); a loaded config must print (-n) and
 * answer trusted-network queries without faults.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "../../responder/rconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];
static FILE *devnull;

static int put(const uint8_t *data, size_t size)
{
	if (memfd < 0) {
		memfd = memfd_create("fuzz_conf", 0);
		if (memfd < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
		devnull = fopen("/dev/null", "w");
		if (devnull == NULL)
			abort();
	}
	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		return -1;
	return 0;
}

/* An error names the file and, when it is about a line, the line. */
static void check_err(const char *err)
{
	if (strncmp(err, path, strlen(path)) != 0 || err[strlen(path)] != ':')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	if (size > 64 * 1024 || put(data, size) < 0)
		return 0;

	conf *c = conf_new();
	err[0] = 0;
	if (conf_load(c, path, err, sizeof err) == 0) {
		conf_print(c, devnull);
		(void)conf_is_trusted(c, "127.0.0.1");
		(void)conf_is_trusted(c, "2001:db8::1");
		(void)conf_is_trusted(c, "::ffff:192.0.2.1");
	} else
		check_err(err);
	conf_free(c);

	rconf *r = rconf_new();
	err[0] = 0;
	if (rconf_load(r, path, err, sizeof err) != 0)
		check_err(err);
	rconf_free(r);
	return 0;
}
