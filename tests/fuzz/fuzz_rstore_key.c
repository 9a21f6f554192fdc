/*
 * libFuzzer target for the keys of the responder's rate limits
 * (responder/rstore.c rstore_key_*) and the redis_server syntax
 * (rstore_redis_parse_server).  The input is a sender address, or (after a
 * NUL) a client address.  Checks the meaning, not only the absence of
 * crashes: an address key is "a:" + local "@" domain with no upper case,
 * no "+" and no "." in the local part, and folding it again gives the same
 * key (the attacker cannot make a second key for one mailbox); a client
 * key of an IPv6 address has no bit set past its /64.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../responder/rstore.h"
#include "../../responder/rstore_redis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_address(const char *s)
{
	char k[RSTORE_KEY_MAX], k2[RSTORE_KEY_MAX];
	const char *at;
	if (rstore_key_address(s, k, sizeof k) < 0)
		return;
	at = strrchr(k, '@');
	if (strncmp(k, "a:", 2) != 0 || at == NULL || strlen(k) >= sizeof k)
		abort();
	for (const char *p = k + 2; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			abort();
	for (const char *p = k + 2; p < at; p++)
		if ((*p == '+' && !(p == k + 2 && p + 1 == at)) || *p == '.')
			abort();
	if (rstore_key_address(k + 2, k2, sizeof k2) < 0 || strcmp(k, k2) != 0)
		abort();              /* the key is a fixed point */
}

static void check_client(const char *s)
{
	char k[RSTORE_KEY_MAX], *slash;
	unsigned char a[16];
	if (rstore_key_client(s, 64, k, sizeof k) < 0 || strncmp(k, "c:", 2) != 0)
		abort();
	slash = strchr(k, '/');
	if (slash != NULL) {
		*slash = 0;
		if (strcmp(slash + 1, "64") != 0 || inet_pton(AF_INET6, k + 2, a) != 1)
			abort();
		for (int i = 8; i < 16; i++)
			if (a[i])
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), host[RSTORE_REDIS_HOST_MAX];
	int port;
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	check_address(s);
	if (strlen(s) < size)
		check_client(s + strlen(s) + 1);
	else
		check_client(s);
	if (rstore_redis_parse_server(s, host, sizeof host, &port) == 0 && (port < 0 || port > 65535 || !host[0]))
		abort();
	free(s);
	return 0;
}
