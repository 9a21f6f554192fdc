/* Unit tests of the responder's state store, both backends through the
 * same cases: LMDB in a temporary directory and a real redis-server that
 * the test starts on a unix socket under /tmp (and stops).  Sliding
 * windows (the fixed-window edge), release of a reservation (a temporary
 * failure does not burn the limit), once-per-token claims, concurrent
 * processes (fork), a claim whose holder died, expiry, limit keys that
 * cannot be varied; LMDB corruption and a full map; Redis stopped and hung. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
/* compiled in directly: unit tests link only the core library */
#include "../../responder/rstore.c"
#include "../../responder/rstore_lmdb.c"
#include "../../responder/rstore_redis.c"

static char dir[] = "/tmp/mxr-test-rstore.XXXXXX";
static char sock[512], envdir[256];
static pid_t redis_pid = -1;
static const time_t t0 = 1795000000;

#define RSTORE_BACKEND_LMDB 0
#define RSTORE_BACKEND_REDIS 1
static size_t map_size = 64u << 20;
static const char *lmdb_dir = envdir;

/* The store of backend b (LMDB in lmdb_dir, Redis on sock). */
static rstore *open_be(int b, rstore_status *st, char *err, size_t errlen)
{
	*st = RSTORE_ERROR;
	if (b == RSTORE_BACKEND_REDIS)
		return rstore_redis_open(sock, NULL, 0.5, 6 * 86400, 86400, err, errlen);
	return rstore_lmdb_open(lmdb_dir, map_size, 6 * 86400, 86400, st, err, errlen);
}

static rstore *open_ok(int b, const char *what)
{
	char err[512];
	rstore_status st;
	rstore *s = open_be(b, &st, err, sizeof err);
	if (s == NULL)
		TAP_OK(0, "%s: open: %s: %s", what, rstore_status_str(st), err);
	return s;
}

static void idn(char *id, unsigned n)
{
	snprintf(id, RSTORE_ID_LEN + 1, "%012x", n);
}

static int start_redis(void)
{
	char conn[512];
	snprintf(sock, 256, "%.200s/redis.sock", dir);
	fflush(stdout);
	redis_pid = fork();
	if (redis_pid == 0) {
		/* the server's chatter is not the test's output; without /dev/null it
		 * may as well talk */
		if (freopen("/dev/null", "w", stdout) == NULL)
			(void)0;
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sock, "--save", "",
		    "--appendonly", "no", "--dir", dir, (char *)NULL);
		_exit(127);
	}
	snprintf(conn, sizeof conn, "unix:%.400s", sock);
	memcpy(sock, conn, sizeof sock);
	for (int i = 0; i < 100; i++) {
		redisContext *c = redisConnectUnix(conn + 5);
		int ok = c && !c->err;
		redisFree(c);
		if (ok)
			return 0;
		usleep(50000);
	}
	return -1;
}

static void stop_redis(void)
{
	if (redis_pid > 0) {
		kill(redis_pid, SIGTERM);
		waitpid(redis_pid, NULL, 0);
		redis_pid = -1;
	}
}

/* n processes at once: each opens the store and runs one decision; the
 * number of processes that got RSTORE_OK. */
static int race(int b, int n, int claim, const char *id0)
{
	pid_t pids[64];
	int ok = 0;
	for (int i = 0; i < n; i++) {
		fflush(stdout);
		pids[i] = fork();
		if (pids[i] == 0) {
			char err[256], id[RSTORE_ID_LEN + 1];
			rstore_status st;
			rstore *s = open_be(b, &st, err, sizeof err);
			rstore_limit l[] = { { "a:race@example.org", 5, 86400 } };
			size_t hit;
			if (s == NULL)
				_exit(2);
			if (claim) {
				st = rstore_claim(s, id0, RSTORE_FORWARDED, t0 + 10);
				if (st == RSTORE_OK) {      /* the forward takes a while */
					usleep(200000);
					rstore_finish(s, id0, RSTORE_FORWARDED, 1);
				}
			} else {
				idn(id, 0x900000u + (unsigned)i);
				st = rstore_reserve(s, l, 1, id, "race@example.org", t0 + 10, &hit);
			}
			rstore_free(s);
			_exit(st == RSTORE_OK ? 0 : st == RSTORE_LIMIT || st == RSTORE_BUSY || st == RSTORE_DONE ? 1 : 3);
		}
	}
	for (int i = 0; i < n; i++) {
		int ws;
		waitpid(pids[i], &ws, 0);
		if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
			ok++;
		else if (!WIFEXITED(ws) || WEXITSTATUS(ws) > 1)
			ok += 1000;         /* a process failed: the count is wrong */
	}
	return ok;
}

/* Replies, the once-per-token claim, a holder that dies, processes at
 * once (the second half of cases()). */
static void claims(int b, rstore *s, const char *bn)
{
	char what[128], id[RSTORE_ID_LEN + 1], snd[400];
	unsigned flags = 99;
	size_t hit = 99;
#define W(t) (snprintf(what, sizeof what, "%s: %s", bn, t), what)

	/* replies and the once-per-token claim */
	{
		rstore_limit l[] = { { "t:total", 0, 3600 } };
		idn(id, 0xabc);
		TAP_INT(rstore_reserve(s, l, 1, id, "User@Example.org", t0, &hit), RSTORE_OK, W("reply recorded"));
		TAP_INT(rstore_lookup(s, id, t0 + 5, snd, sizeof snd, &flags), RSTORE_OK, W("reply found"));
		TAP_STR(snd, "User@Example.org", W("sender kept"));
		TAP_INT(flags, 0, W("no flags yet"));
		TAP_INT(rstore_lookup(s, "ffffffffffff", t0, snd, sizeof snd, &flags), RSTORE_UNKNOWN, W("unknown id"));
		TAP_INT(rstore_lookup(s, "../../etc", t0, snd, sizeof snd, &flags), RSTORE_UNKNOWN, W("not an id"));
		TAP_INT(rstore_claim(s, id, RSTORE_FORWARDED, t0 + 6), RSTORE_OK, W("claim taken"));
		TAP_INT(rstore_claim(s, id, RSTORE_FORWARDED, t0 + 6), RSTORE_BUSY, W("second claim while the first is live: busy"));
		TAP_INT(rstore_finish(s, id, RSTORE_FORWARDED, 0), RSTORE_OK, W("temporary failure gives the claim back"));
		TAP_INT(rstore_lookup(s, id, t0 + 7, snd, sizeof snd, &flags), RSTORE_OK, W("lookup"));
		TAP_INT(flags, 0, W("no flag after a failed forward"));
		TAP_INT(rstore_claim(s, id, RSTORE_FORWARDED, t0 + 8), RSTORE_OK, W("the retry claims again"));
		TAP_INT(rstore_finish(s, id, RSTORE_FORWARDED, 1), RSTORE_OK, W("forward accepted: flag set"));
		TAP_INT(rstore_claim(s, id, RSTORE_FORWARDED, t0 + 9), RSTORE_DONE, W("a second failure DSN: done"));
		TAP_INT(rstore_claim(s, id, RSTORE_DELAY_NOTICE, t0 + 9), RSTORE_DONE, W("a delay DSN after the failure: done"));
		idn(id, 0xabd);
		rstore_reserve(s, l, 1, id, "", t0, &hit);
		TAP_INT(rstore_claim(s, id, RSTORE_DELAY_NOTICE, t0 + 1), RSTORE_OK, W("delay claim"));
		TAP_INT(rstore_finish(s, id, RSTORE_DELAY_NOTICE, 1), RSTORE_OK, W("delay notice sent"));
		TAP_INT(rstore_claim(s, id, RSTORE_DELAY_NOTICE, t0 + 2), RSTORE_DONE, W("second delay: done"));
		TAP_INT(rstore_claim(s, id, RSTORE_FORWARDED, t0 + 3), RSTORE_OK, W("the failure after a delay notice: claimed"));
		TAP_INT(rstore_lookup(s, id, t0 + 3, snd, sizeof snd, &flags), RSTORE_OK, W("null sender round-trips"));
		TAP_STR(snd, "", W("null sender"));
		TAP_INT(rstore_lookup(s, id, t0 + 6 * 86400, snd, sizeof snd, &flags), RSTORE_UNKNOWN, W("expired after keep"));
		TAP_INT(rstore_claim(s, id, RSTORE_FORWARDED, t0 + 6 * 86400), RSTORE_UNKNOWN, W("no claim on an expired reply"));
		TAP_INT(rstore_claim(s, "ffffffffffff", RSTORE_FORWARDED, t0), RSTORE_UNKNOWN, W("no claim on an unknown id"));
	}
	{
		/* a holder that dies between claim and finish (kill -9 mid-forward) */
		pid_t p;
		int ws;
		rstore_limit l[] = { { "t:total", 0, 3600 } };
		idn(id, 0xdead);
		rstore_reserve(s, l, 1, id, "d@example.org", t0, &hit);
		fflush(stdout);
		p = fork();
		if (p == 0) {
			rstore *c = open_ok(b, bn);
			_exit(c && rstore_claim(c, id, RSTORE_FORWARDED, t0 + 1) == RSTORE_OK ? 0 : 1);
		}
		waitpid(p, &ws, 0);
		TAP_OK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "%s", W("a child claims and dies"));
		TAP_INT(rstore_claim(s, id, RSTORE_FORWARDED, t0 + 2), RSTORE_ABANDONED, W("its claim is abandoned: not forwarded again"));
		TAP_INT(rstore_claim(s, id, RSTORE_FORWARDED, t0 + 3), RSTORE_DONE, W("and stays done"));
	}
	/* concurrency: processes at once on one store */
	TAP_INT(race(b, 50, 0, NULL), 5, W("50 processes, the same sender, limit 5: exactly 5 reservations"));
	{
		rstore_limit l[] = { { "t:total", 0, 3600 } };
		idn(id, 0xbeef);
		rstore_reserve(s, l, 1, id, "r@example.org", t0, &hit);
		TAP_INT(race(b, 20, 1, id), 1, W("20 processes claim one token: exactly one"));
	}
#undef W
}

static void cases(int b)
{
	const char *bn = b == RSTORE_BACKEND_LMDB ? "lmdb" : "redis";
	char what[128], id[RSTORE_ID_LEN + 1], snd[400];
	unsigned flags = 99;
	size_t hit = 99;
	rstore *s = open_ok(b, bn);
#define W(t) (snprintf(what, sizeof what, "%s: %s", bn, t), what)

	if (s == NULL)
		return;
	{
		rstore_limit l[] = { { "a:x@example.org", 2, 86400 }, { "d:example.org", 3, 86400 }, { "t:total", 0, 3600 } };
		idn(id, 1);
		TAP_INT(rstore_reserve(s, l, 3, id, "x@example.org", t0, &hit), RSTORE_OK, W("first allowed"));
		idn(id, 2);
		TAP_INT(rstore_reserve(s, l, 3, id, "x@example.org", t0 + 1, &hit), RSTORE_OK, W("second allowed"));
		idn(id, 3);
		TAP_INT(rstore_reserve(s, l, 3, id, "x@example.org", t0 + 2, &hit), RSTORE_LIMIT, W("third hits a limit"));
		TAP_INT(hit, 0, W("the per-address limit (index 0)"));
		TAP_INT(rstore_lookup(s, id, t0 + 3, snd, sizeof snd, &flags), RSTORE_UNKNOWN, W("a refused reservation records nothing"));
		l[0].key = "a:y@example.org";
		TAP_INT(rstore_reserve(s, l, 3, id, "y@example.org", t0 + 10, &hit), RSTORE_OK, W("another address of the domain"));
		idn(id, 4);
		TAP_INT(rstore_reserve(s, l, 3, id, "y@example.org", t0 + 11, &hit), RSTORE_LIMIT, W("then the per-domain limit"));
		TAP_INT(hit, 1, W("index 1"));
		rstore_free(s);
		s = open_ok(b, bn);           /* a restart: the charges are still there */
		if (s == NULL)
			return;
		l[0].key = "a:x@example.org";
		TAP_INT(rstore_reserve(s, l, 3, id, "x@example.org", t0 + 20, &hit), RSTORE_LIMIT, W("after reopen the limit holds"));
		/* sliding: the charge of t0 leaves the window at t0 + 86400, the one of t0 + 1 a second later */
		TAP_INT(rstore_reserve(s, l, 3, id, "x@example.org", t0 + 86399, &hit), RSTORE_LIMIT, W("still full one second before"));
		TAP_INT(rstore_reserve(s, l, 3, id, "x@example.org", t0 + 86400, &hit), RSTORE_OK, W("one slot free when the oldest charge is a day old"));
		idn(id, 5);
		TAP_INT(rstore_reserve(s, l, 3, id, "x@example.org", t0 + 86400, &hit), RSTORE_LIMIT, W("but only one"));
	}
	{
		/* the fixed-window edge (issue 13, item 3): 2 at the end of a
		 * window and 2 right after it would be 4 in 3 seconds */
		rstore_limit l[] = { { "a:edge@example.org", 2, 100 } };
		int okn = 0;
		for (unsigned i = 0; i < 4; i++) {
			idn(id, 0x100 + i);
			okn += rstore_reserve(s, l, 1, id, "edge@example.org", t0 + 98 + i, &hit) == RSTORE_OK;
		}
		TAP_INT(okn, 2, W("window edge: 2 of 4 within 4 seconds, never 2x the limit"));
		idn(id, 0x110);
		TAP_INT(rstore_reserve(s, l, 1, id, "edge@example.org", t0 + 198, &hit), RSTORE_OK, W("window edge: allowed again a window later"));
	}
	{
		/* item 2: a reservation released after a failed submission costs nothing */
		rstore_limit l[] = { { "a:retry@example.org", 1, 86400 }, { "t:total", 1000, 3600 } };
		int okn = 0;
		for (unsigned i = 0; i < 10; i++) {
			idn(id, 0x200 + i);
			okn += rstore_reserve(s, l, 2, id, "retry@example.org", t0 + i, &hit) == RSTORE_OK &&
			    rstore_release(s, l, 2, id) == RSTORE_OK;
		}
		TAP_INT(okn, 10, W("ten reservations, each released: all allowed"));
		TAP_INT(rstore_lookup(s, id, t0 + 20, snd, sizeof snd, &flags), RSTORE_UNKNOWN, W("a released reply is gone"));
		idn(id, 0x20f);
		TAP_INT(rstore_reserve(s, l, 2, id, "retry@example.org", t0 + 30, &hit), RSTORE_OK, W("the retry that succeeds is allowed"));
		idn(id, 0x210);
		TAP_INT(rstore_reserve(s, l, 2, id, "retry@example.org", t0 + 31, &hit), RSTORE_LIMIT, W("and it is charged"));
		TAP_INT(rstore_release(s, l, 2, "00000000abcd"), RSTORE_OK, W("release of an unknown id is harmless"));
		idn(id, 0x20f);
		TAP_INT(rstore_reserve(s, l, 2, id, "retry@example.org", t0 + 32, &hit), RSTORE_LIMIT, W("an id already stored is refused (limit first)"));
		l[0].key = "a:other@example.org";
		TAP_INT(rstore_reserve(s, l, 2, id, "other@example.org", t0 + 32, &hit), RSTORE_ERROR, W("an id already stored is an error"));
	}
	{
		rstore_limit l[] = { { "a:nolimit@example.org", 0, 86400 } };
		int okn = 0;
		for (unsigned i = 0; i < 20; i++) {
			idn(id, 0x300 + i);
			okn += rstore_reserve(s, l, 1, id, "nolimit@example.org", t0, &hit) == RSTORE_OK;
		}
		TAP_INT(okn, 20, W("limit 0: no limit"));
	}
	claims(b, s, bn);
	rstore_free(s);
#undef W
}

static void keys(void)
{
	char k[RSTORE_KEY_MAX];
	TAP_INT(rstore_key_address("Victim+12@Example.ORG", k, sizeof k), 0, "key: address");
	TAP_STR(k, "a:victim@example.org", "key: +tag dropped, lower case");
	rstore_key_address("v.i.c.t.i.m+x+y@example.org.", k, sizeof k);
	TAP_STR(k, "a:victim@example.org", "key: dots and trailing dot dropped");
	rstore_key_address("+tag@example.org", k, sizeof k);
	TAP_STR(k, "a:+@example.org", "key: empty mailbox kept as one key");
	TAP_INT(rstore_key_address("nodomain", k, sizeof k), -1, "key: no domain refused");
	TAP_INT(rstore_key_domain("a@mail.Sub.Example.co.uk", k, sizeof k), 0, "key: domain");
	TAP_STR(k, "d:example.co.uk", "key: the organizational domain");
	rstore_key_client("2001:db8:1:2:aaaa::1", 64, k, sizeof k);
	TAP_STR(k, "c:2001:db8:1:2::/64", "key: IPv6 client by /64");
	rstore_key_client("2001:db8:1:2:ffff:ffff:ffff:fffe", 64, k, sizeof k);
	TAP_STR(k, "c:2001:db8:1:2::/64", "key: another address of the /64, same key");
	rstore_key_client("2001:db8:1:2:ffff::1", 48, k, sizeof k);
	TAP_STR(k, "c:2001:db8:1::/48", "key: configurable prefix");
	rstore_key_client("::ffff:192.0.2.7", 64, k, sizeof k);
	TAP_STR(k, "c:192.0.2.7", "key: IPv4-mapped is IPv4");
	rstore_key_client("192.0.2.7", 64, k, sizeof k);
	TAP_STR(k, "c:192.0.2.7", "key: IPv4 as /32");
	rstore_key_client("bogus", 64, k, sizeof k);
	TAP_STR(k, "c:unknown", "key: not an address");
	rstore_key_client(NULL, 64, k, sizeof k);
	TAP_STR(k, "c:unknown", "key: no address");
}

static rstore_status open_status(char *err, size_t errlen)
{
	rstore_status st;
	rstore *s = open_be(RSTORE_BACKEND_LMDB, &st, err, errlen);
	if (s) {
		rstore_free(s);
		return RSTORE_OK;
	}
	return st;
}

__attribute__((format(printf, 1, 2)))
static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		TAP_OK(0, "shell: %s", cmd);
}

static void lmdb_faults(void)
{
	char err[512], id[RSTORE_ID_LEN + 1];
	rstore *s;
	size_t hit;
	rstore_limit l[] = { { "a:f@example.org", 3, 86400 } };

	sh("rm -rf %s && mkdir %s", envdir, envdir);
	s = open_ok(RSTORE_BACKEND_LMDB, "faults");
	for (unsigned i = 0; s && i < 3; i++) {
		idn(id, 0x500 + i);
		rstore_reserve(s, l, 1, id, "f@example.org", t0, &hit);
	}
	rstore_free(s);
	sh("cp -a %s %s.bak", envdir, envdir);
	TAP_INT(open_status(err, sizeof err), RSTORE_OK, "lmdb: intact store opens");
	sh("truncate -s 0 %s/data.mdb", envdir);
	TAP_INT(open_status(err, sizeof err), RSTORE_CORRUPT, "lmdb: data.mdb truncated to 0: corrupt, not empty");
	TAP_OK(strstr(err, "state.id") != NULL, "lmdb: the reason names state.id: %s", err);
	TAP_INT(open_status(err, sizeof err), RSTORE_CORRUPT, "lmdb: and stays corrupt (not re-initialised)");
	sh("rm -rf %s && cp -a %s.bak %s", envdir, envdir, envdir);
	sh("truncate -s 12288 %s/data.mdb", envdir);
	TAP_INT(open_status(err, sizeof err), RSTORE_CORRUPT, "lmdb: data.mdb cut to 3 pages: corrupt");
	sh("rm -rf %s && cp -a %s.bak %s", envdir, envdir, envdir);
	sh("head -c 65536 /dev/urandom > %s/data.mdb", envdir);
	TAP_INT(open_status(err, sizeof err), RSTORE_CORRUPT, "lmdb: data.mdb overwritten with garbage: corrupt");
	sh("rm -rf %s && cp -a %s.bak %s", envdir, envdir, envdir);
	sh("dd if=/dev/urandom of=%s/data.mdb bs=4096 count=2 conv=notrunc status=none", envdir);
	TAP_INT(open_status(err, sizeof err), RSTORE_CORRUPT, "lmdb: both meta pages overwritten: corrupt");
	sh("rm -rf %s && cp -a %s.bak %s", envdir, envdir, envdir);
	sh("rm %s/data.mdb", envdir);
	TAP_INT(open_status(err, sizeof err), RSTORE_CORRUPT, "lmdb: data.mdb removed, state.id kept: corrupt");
	sh("rm -rf %s && cp -a %s.bak %s", envdir, envdir, envdir);
	sh("echo garbage > %s/state.id", envdir);
	TAP_INT(open_status(err, sizeof err), RSTORE_CORRUPT, "lmdb: state.id garbage: corrupt");
	sh("rm -rf %s && cp -a %s.bak %s", envdir, envdir, envdir);
	sh("printf '%%032d\\n' 0 > %s/state.id", envdir);
	TAP_INT(open_status(err, sizeof err), RSTORE_CORRUPT, "lmdb: another environment's id: corrupt");
	sh("rm -rf %s && cp -a %s.bak %s", envdir, envdir, envdir);
	{
		/* a record of the wrong size, written through LMDB itself */
		MDB_env *e;
		MDB_txn *t;
		MDB_dbi d;
		MDB_val k = { RSTORE_ID_LEN, "000000000500" }, v = { 5, "short" };
		int ok = mdb_env_create(&e) == 0 && mdb_env_set_maxdbs(e, 4) == 0 && mdb_env_open(e, envdir, 0, 0600) == 0 &&
		    mdb_txn_begin(e, NULL, 0, &t) == 0 && mdb_dbi_open(t, "reply", 0, &d) == 0 &&
		    mdb_put(t, d, &k, &v, 0) == 0 && mdb_txn_commit(t) == 0;
		unsigned flags;
		char snd[64];
		mdb_env_close(e);
		TAP_OK(ok, "lmdb: planted a bad record");
		s = open_ok(RSTORE_BACKEND_LMDB, "bad record");
		TAP_INT(s ? (int)rstore_lookup(s, "000000000500", t0, snd, sizeof snd, &flags) : -1, RSTORE_CORRUPT,
		    "lmdb: a record of the wrong size: corrupt, not unknown");
		TAP_INT(s ? (int)rstore_claim(s, "000000000500", RSTORE_FORWARDED, t0) : -1, RSTORE_CORRUPT,
		    "lmdb: and no claim on it");
		rstore_free(s);
	}
	{
		/* a full map: RSTORE_FULL with the setting named */
		rstore_status st = RSTORE_OK;
		char key[64], sender[300];
		sh("rm -rf %s && mkdir %s", envdir, envdir);
		map_size = 256 * 1024;
		s = open_be(RSTORE_BACKEND_LMDB, &st, err, sizeof err);
		map_size = 64u << 20;
		TAP_OK(s != NULL, "lmdb: small map opens");
		memset(sender, 'x', 250);
		memcpy(sender + 250, "@example.org", 13);
		for (unsigned i = 0; s && i < 5000 && st == RSTORE_OK; i++) {
			rstore_limit lf[] = { { key, 5, 86400 } };
			snprintf(key, sizeof key, "a:%u@example.org", i);
			idn(id, 0x700000 + i);
			st = rstore_reserve(s, lf, 1, id, sender, t0, &hit);
		}
		TAP_INT(st, RSTORE_FULL, "lmdb: a full store says full");
		TAP_OK(s && strstr(rstore_error(s), "state_max_size") != NULL, "lmdb: the error names state_max_size: %s",
		    s ? rstore_error(s) : "");
		{
			/* a day and a week later the sweep makes room again */
			rstore_limit lf[] = { { "a:late@example.org", 5, 86400 } };
			idn(id, 0x7fffff);
			st = s ? rstore_reserve(s, lf, 1, id, "late@example.org", t0 + 7 * 86400, &hit) : RSTORE_ERROR;
			TAP_INT(st, RSTORE_OK, "lmdb: expired records are swept when full");
		}
		rstore_free(s);
	}
	sh("rm -rf %s.bak", envdir);
}

static void redis_faults(void)
{
	char id[RSTORE_ID_LEN + 1];
	rstore *s = open_ok(RSTORE_BACKEND_REDIS, "redis faults");
	rstore_limit l[] = { { "a:down@example.org", 1, 86400 } };
	size_t hit;
	struct timespec a, b;
	double dt;

	if (s == NULL)
		return;
	idn(id, 0x800);
	kill(redis_pid, SIGSTOP);         /* a hung server */
	clock_gettime(CLOCK_MONOTONIC, &a);
	TAP_INT(rstore_reserve(s, l, 1, id, "down@example.org", t0, &hit), RSTORE_ERROR, "redis: hung server: error (defer), not 'no limit'");
	clock_gettime(CLOCK_MONOTONIC, &b);
	dt = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	TAP_OK(dt < 2.0, "redis: within the timeout (%.2f s for 0.5 s)", dt);
	kill(redis_pid, SIGCONT);
	rstore_free(s);
	s = open_ok(RSTORE_BACKEND_REDIS, "redis after hang");
	/* the hung command may have run after SIGCONT (a timeout cannot tell):
	 * that charge errs on the safe side; another sender goes through */
	l[0].key = "a:back@example.org";
	idn(id, 0x802);
	TAP_INT(s ? (int)rstore_reserve(s, l, 1, id, "back@example.org", t0, &hit) : -1, RSTORE_OK, "redis: back: the reservation");
	stop_redis();
	idn(id, 0x801);
	TAP_INT(s ? (int)rstore_reserve(s, l, 1, id, "down@example.org", t0, &hit) : -1, RSTORE_ERROR, "redis: stopped: error (defer)");
	TAP_INT(s ? (int)rstore_claim(s, id, RSTORE_FORWARDED, t0) : -1, RSTORE_ERROR, "redis: stopped: no claim");
	rstore_free(s);
	{
		char err[256];
		rstore_status st;
		s = open_be(RSTORE_BACKEND_REDIS, &st, err, sizeof err);
		TAP_OK(s == NULL && st == RSTORE_ERROR, "redis: cannot connect: error (%s)", err);
		rstore_free(s);
	}
}

int main(void)
{
	char host[64];
	int port;
	tap_name = "test_rstore";
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(envdir, sizeof envdir, "%s/lmdb", dir);
	keys();
	TAP_INT(rstore_redis_parse_server("unix:/run/redis.sock", host, sizeof host, &port), 0, "redis_server unix:");
	TAP_INT(port, 0, "unix: has no port");
	TAP_INT(rstore_redis_parse_server("[::1]:6379", host, sizeof host, &port), 0, "redis_server [v6]:port");
	TAP_STR(host, "::1", "v6 host");
	TAP_INT(rstore_redis_parse_server("::1:6379", host, sizeof host, &port), -1, "bare IPv6 refused");
	TAP_INT(rstore_redis_parse_server("127.0.0.1:0", host, sizeof host, &port), -1, "port 0 refused");
	TAP_INT(rstore_redis_parse_server("unix:relative", host, sizeof host, &port), -1, "relative socket refused");
	cases(RSTORE_BACKEND_LMDB);
	lmdb_faults();
	if (start_redis() == 0) {
		cases(RSTORE_BACKEND_REDIS);
		redis_faults();
	} else
		TAP_OK(0, "redis-server did not start (Debian package redis-server)");
	stop_redis();
	{
		char err[256];
		rstore_status st;
		lmdb_dir = "/nonexistent/dir/x";
		TAP_OK(open_be(RSTORE_BACKEND_LMDB, &st, err, sizeof err) == NULL && st == RSTORE_ERROR, "unwritable dir refused");
	}
	rstore_free(NULL);
	sh("rm -rf %s", dir);
	return TAP_DONE();
}
