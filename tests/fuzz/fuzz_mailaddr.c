/*
 * libFuzzer target for the address parsers of core/mailaddr.c: the SMTP
 * path (RFC 5321 4.1.2) and the From field (RFC 5322 3.4/3.6.2, 4.4, RFC
 * 6854, RFC 6532).  Every input goes through both; the From parser also
 * sees the input cut at each of a few lengths.  Aborts when an output breaks
 * its bounds or the count contradicts the first mailbox.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mailaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_addr(const mailaddr *a, int filled)
{
	size_t l = strnlen(a->local, sizeof a->local), d = strnlen(a->domain, sizeof a->domain);
	if (l == sizeof a->local || d == sizeof a->domain)
		abort();   /* not terminated */
	if (filled && (l == 0 || d == 0))
		abort();
	if (!filled && (l != 0 || d != 0))
		abort();
}

static void from(const char *p, size_t n)
{
	mailaddr a;
	char err[128];
	int c = mailaddr_parse_from(p, n, &a, err, sizeof err);
	if (c < -1 || (size_t)(c < 0 ? 0 : c) > n)
		abort();
	check_addr(&a, c >= 1);
	if (c == -1 && strnlen(err, sizeof err) == 0)
		abort();
	/* A NUL anywhere (address, comment, quoted text) is a syntax error:
	 * truncating there is the classic From bypass. */
	if (memchr(p, '\0', n) != NULL && c != -1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	mailaddr a;
	char err[128];
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	int r = mailaddr_parse_path(s, &a, err, sizeof err);
	if (r < -1 || r > 1)
		abort();
	check_addr(&a, r == 1);
	if (r == 1 && strlen(a.local) > MAILADDR_LOCAL_MAX && a.local[0] != '"')
		abort();   /* a dot-string local part is at most 64 octets */
	from(s, size);
	for (size_t cut = 1; cut < size && cut < 4; cut++)
		from(s, size - cut);
	free(s);
	return 0;
}
