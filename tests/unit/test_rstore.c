/* Unit tests of the responder's file-backed state: rate limits in windows,
 * kept across reopen (restart), reply records and their flags. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "tap.h"
/* compiled in directly: unit tests link only the core library */
#include "../../responder/rstore.c"

int main(void)
{
	char dir[] = "/tmp/mxr-test-rstore.XXXXXX", err[256], snd[400];
	rstore *s;
	unsigned flags = 99;
	const time_t t0 = 1795000000;
	int hit[5];

	tap_name = "test_rstore";
	if (mkdtemp(dir) == NULL)
		return 1;
	s = rstore_open(dir, 86400, err, sizeof err);
	TAP_OK(s != NULL, "open: %s", s ? "ok" : err);
	if (s == NULL)
		return 1;
	{
		rstore_limit l[] = { { "a:x@example.org", 2, 86400 }, { "d:example.org", 3, 86400 }, { "t:total", 0, 3600 } };
		for (int i = 0; i < 3; i++)
			hit[i] = rstore_rate_take(s, l, 3, t0 + i);
		TAP_INT(hit[0], -1, "first allowed");
		TAP_INT(hit[1], -1, "second allowed");
		TAP_INT(hit[2], 0, "third hits the per-address limit (index 0)");
		l[0].key = "a:y@example.org";
		TAP_INT(rstore_rate_take(s, l, 3, t0 + 10), -1, "another address of the domain allowed");
		TAP_INT(rstore_rate_take(s, l, 3, t0 + 11), 1, "then the per-domain limit (index 1)");
		rstore_free(s);
		/* a restart: the counters are still there */
		s = rstore_open(dir, 86400, err, sizeof err);
		l[0].key = "a:x@example.org";
		TAP_INT(rstore_rate_take(s, l, 3, t0 + 20), 0, "after reopen the limit still holds");
		TAP_INT(rstore_rate_take(s, l, 3, t0 + 86400 + 5), -1, "a new window starts after a day");
	}
	{
		rstore_limit l[] = { { "c:2001:db8::1 with space\nnewline", 1, 60 } };
		TAP_INT(rstore_rate_take(s, l, 1, t0), -1, "odd key accepted");
		TAP_INT(rstore_rate_take(s, l, 1, t0 + 1), 0, "odd key counted as one entry");
	}
	TAP_INT(rstore_reply_put(s, "0123456789ab", "User@Example.org", t0), 0, "reply stored");
	TAP_INT(rstore_reply_get(s, "0123456789ab", snd, sizeof snd, &flags), 1, "reply found");
	TAP_STR(snd, "User@Example.org", "sender kept");
	TAP_INT(flags, 0, "no flags yet");
	TAP_INT(rstore_reply_get(s, "ffffffffffff", snd, sizeof snd, &flags), 0, "unknown id");
	TAP_INT(rstore_reply_mark(s, "0123456789ab", RSTORE_FORWARDED), 0, "mark returns the old flags");
	TAP_INT(rstore_reply_mark(s, "0123456789ab", RSTORE_FORWARDED), (int)RSTORE_FORWARDED, "second mark sees it set");
	TAP_INT(rstore_reply_mark(s, "ffffffffffff", RSTORE_FORWARDED), -1, "mark of unknown id");
	TAP_INT(rstore_reply_put(s, "aaaaaaaaaaaa", "", t0 + 2 * 86400), 0, "a later reply (null sender)");
	TAP_INT(rstore_reply_get(s, "0123456789ab", snd, sizeof snd, &flags), 0, "old reply pruned after keep");
	TAP_INT(rstore_reply_get(s, "aaaaaaaaaaaa", snd, sizeof snd, &flags), 1, "new reply kept");
	TAP_STR(snd, "", "null sender round-trips");
	rstore_free(s);
	rstore_free(NULL);
	TAP_OK(rstore_open("/nonexistent/dir/x", 60, err, sizeof err) == NULL, "unwritable dir refused");
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		TAP_INT(system(cmd), 0, "cleanup");
	}
	return TAP_DONE();
}
