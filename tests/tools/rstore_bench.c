/*
 * rstore_bench: drives the responder's state store (responder/rstore*.c)
 * directly, for `make bench` (bench/rstore.sh) and the crash test of
 * tests/e2e/62_responder_state.sh.
 *   rstore_bench fill lmdb DIR N | fill redis SERVER N
 *       pre-loads N replies, each with its per-address charge (distinct
 *       senders), in large batches (not the decision path);
 *   rstore_bench run lmdb DIR PROCS SECONDS | run redis SERVER PROCS SECONDS
 *       PROCS processes make decisions for SECONDS: each one reservation
 *       with the responder's four limits (a new sender, 1000 domains, 1000
 *       client networks, the total) as mxready-responder does; prints
 *       "decisions N seconds S per_second R";
 *   rstore_bench hammer lmdb DIR T | check lmdb DIR T LOG
 *       hammer: reservations (half released), claims and forwards in a
 *       loop at time T, each finished step written to stdout ("kept ID",
 *       "forwarded ID") after its commit, until killed; check: the store
 *       opens, every kept charge is still counted (never fewer charges than
 *       reservations reported kept) and no forwarded token can be claimed
 *       again.  Exit 0 if so, 1 with a FAIL line if not.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../responder/rstore.c"
#include "../../responder/rstore_lmdb.c"
#include "../../responder/rstore_redis.c"

#define HAMMER_KEY "a:hammer@example.org"
#define HAMMER_MAX 50u

static double now_s(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static rstore *open_store(const char *backend, const char *target, int fatal)
{
	rstore_status st = RSTORE_ERROR;
	char err[512];
	rstore *s;
	if (strcmp(backend, "redis") == 0)
		s = rstore_redis_open(target, NULL, 5, 6 * 86400, 86400, err, sizeof err);
	else
		s = rstore_lmdb_open(target, (size_t)8 << 30, 6 * 86400, 86400, &st, err, sizeof err);
	if (s == NULL && fatal) {
		fprintf(stderr, "rstore_bench: open: %s: %s\n", rstore_status_str(st), err);
		exit(2);
	}
	if (s == NULL)
		printf("FAIL open %s: %s\n", rstore_status_str(st), err);
	return s;
}

static void id_of(char *id, unsigned long long n)
{
	snprintf(id, RSTORE_ID_LEN + 1, "%012llx", n & 0xffffffffffffULL);
}

/* LMDB: batches of 10000 records per transaction, straight into the
 * databases (the decision path syncs every transaction). */
static int fill_lmdb(const char *dir, unsigned long n, time_t now)
{
	rstore *s = open_store("lmdb", dir, 1);
	rstore_lmdb *db = s->b;
	unsigned long i = 0;
	while (i < n) {
		MDB_txn *t;
		if (mdb_txn_begin(db->env, NULL, 0, &t) != 0)
			return -1;
		for (unsigned long j = 0; j < 10000 && i < n; j++, i++) {
			char id[RSTORE_ID_LEN + 1], key[64];
			unsigned char charge[LM_CHARGE];
			lm_rec r = { 0 };
			MDB_val k, v = { LM_CHARGE, charge };
			id_of(id, 0x100000000000ULL + i);
			snprintf(key, sizeof key, "a:fill%lu@d%lu.example", i, i % 1000);
			r.time = (uint64_t)now;
			r.sender_len = (uint16_t)(strlen(key) - 2);
			memcpy(r.sender, key + 2, r.sender_len);
			charge_make(charge, (uint64_t)now, id);
			k.mv_size = strlen(key);
			k.mv_data = key;
			if (rec_put(t, db->reply, id, &r) != 0 || mdb_put(t, db->rate, &k, &v, 0) != 0) {
				mdb_txn_abort(t);
				return -1;
			}
		}
		if (mdb_txn_commit(t) != 0)
			return -1;
	}
	rstore_free(s);
	return 0;
}

/* Redis: pipelined HSET + ZADD, the same records the scripts write. */
static int fill_redis(const char *server, unsigned long n, time_t now)
{
	rstore *s = open_store("redis", server, 1);
	redisContext *c = ((rstore_redis *)s->b)->c;
	unsigned long i = 0;
	while (i < n) {
		unsigned long m = 0;
		for (; m < 2000 && i < n; m++, i++) {
			char id[RSTORE_ID_LEN + 1];
			id_of(id, 0x100000000000ULL + i);
			redisAppendCommand(c, "HSET mxr:p:%s t %lld s fill%lu@d%lu.example f 0", id, (long long)now, i, i % 1000);
			redisAppendCommand(c, "ZADD mxr:r:a:fill%lu@d%lu.example %lld %s", i, i % 1000, (long long)now, id);
		}
		for (unsigned long j = 0; j < 2 * m; j++) {
			redisReply *rep;
			if (redisGetReply(c, (void **)&rep) != REDIS_OK)
				return -1;
			freeReplyObject(rep);
		}
	}
	rstore_free(s);
	return 0;
}

/* One process's decisions until the deadline; the number made. */
static unsigned long decide(const char *backend, const char *target, unsigned seed, double until, time_t now)
{
	rstore *s = open_store(backend, target, 1);
	unsigned long n = 0;
	while (now_s() < until) {
		char id[RSTORE_ID_LEN + 1], ka[80], kd[40], kc[64];
		size_t hit;
		rstore_limit l[4];
		unsigned long long r = ((unsigned long long)getpid() << 24) + n;
		id_of(id, 0x200000000000ULL + r);
		snprintf(ka, sizeof ka, "a:bench%ld.%u.%lu@d%lu.example", (long)getpid(), seed, n, n % 1000);
		snprintf(kd, sizeof kd, "d:d%lu.example", n % 1000);
		snprintf(kc, sizeof kc, "c:2001:db8:%lx::/64", n % 1000);
		l[0] = (rstore_limit){ ka, 5, 86400 };
		l[1] = (rstore_limit){ kd, 1000000, 86400 };
		l[2] = (rstore_limit){ kc, 1000000, 86400 };
		l[3] = (rstore_limit){ "t:total", 10000000, 3600 };
		if (rstore_reserve(s, l, 4, id, ka + 2, now, &hit) != RSTORE_OK) {
			fprintf(stderr, "rstore_bench: decision: %s\n", rstore_error(s));
			exit(3);
		}
		n++;
	}
	rstore_free(s);
	return n;
}

static int run(const char *backend, const char *target, int procs, double secs, time_t now)
{
	int fds[2];
	unsigned long total = 0;
	double t0 = now_s(), until = t0 + secs;
	if (pipe(fds) != 0)
		return 1;
	fflush(stdout);
	for (int p = 0; p < procs; p++)
		if (fork() == 0) {
			unsigned long n = decide(backend, target, (unsigned)p + 1, until, now);
			if (write(fds[1], &n, sizeof n) != (ssize_t)sizeof n)
				_exit(1);
			_exit(0);
		}
	close(fds[1]);
	for (int p = 0; p < procs; p++) {
		unsigned long n;
		int ws;
		if (read(fds[0], &n, sizeof n) == (ssize_t)sizeof n)
			total += n;
		wait(&ws);
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
			return 1;
	}
	secs = now_s() - t0;
	printf("decisions %lu seconds %.2f per_second %.0f\n", total, secs, (double)total / secs);
	return 0;
}

static int hammer(const char *dir, time_t now)
{
	rstore *s = open_store("lmdb", dir, 1);
	rstore_limit l[] = { { HAMMER_KEY, HAMMER_MAX, 86400 }, { "t:total", 1000000, 3600 } };
	unsigned char r[6];
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (unsigned long i = 0;; i++) {
		char id[RSTORE_ID_LEN + 1];
		size_t hit;
		rstore_status st;
		if (RAND_bytes(r, sizeof r) != 1)
			return 2;
		for (int j = 0; j < 6; j++)
			snprintf(id + 2 * j, 3, "%02x", r[j]);
		st = rstore_reserve(s, l, 2, id, "hammer@example.org", now, &hit);
		if (st == RSTORE_LIMIT)
			l[0].key = "a:hammer-full@example.org";   /* keep writing */
		if (st != RSTORE_OK)
			continue;
		if (i % 2) {
			rstore_release(s, l, 2, id);
			continue;
		}
		if (strcmp(l[0].key, HAMMER_KEY) == 0)
			printf("kept %s\n", id);
		if (rstore_claim(s, id, RSTORE_FORWARDED, now) == RSTORE_OK &&
		    rstore_finish(s, id, RSTORE_FORWARDED, 1) == RSTORE_OK)
			printf("forwarded %s\n", id);
	}
}

static int check(const char *dir, time_t now, const char *log)
{
	rstore *s = open_store("lmdb", dir, 0);
	rstore_limit l[] = { { HAMMER_KEY, HAMMER_MAX, 86400 } };
	char line[128], id[RSTORE_ID_LEN + 1];
	unsigned kept = 0, free_slots = 0, bad = 0;
	FILE *f;
	size_t hit;

	if (s == NULL)
		return 1;
	f = fopen(log, "r");
	while (f && fgets(line, sizeof line, f)) {
		char what[16], lid[RSTORE_ID_LEN + 2];
		if (sscanf(line, "%15s %13s", what, lid) != 2 || strlen(lid) != RSTORE_ID_LEN)
			continue;
		if (strcmp(what, "kept") == 0)
			kept++;
		else if (strcmp(what, "forwarded") == 0 && rstore_claim(s, lid, RSTORE_FORWARDED, now) != RSTORE_DONE) {
			printf("FAIL token %s forwarded, but not marked\n", lid);
			bad++;
		}
	}
	if (f)
		fclose(f);
	/* the free slots of the limit, taken and given back at once */
	for (unsigned i = 0; i <= HAMMER_MAX; i++) {
		rstore_status st;
		id_of(id, 0xcc0000000000ULL + i);
		st = rstore_reserve(s, l, 1, id, "check@example.org", now, &hit);
		if (st == RSTORE_LIMIT)
			break;
		if (st != RSTORE_OK) {
			printf("FAIL reserve: %s: %s\n", rstore_status_str(st), rstore_error(s));
			return 1;
		}
		free_slots++;
	}
	for (unsigned i = 0; i < free_slots; i++) {
		id_of(id, 0xcc0000000000ULL + i);
		rstore_release(s, l, 1, id);
	}
	if (free_slots + kept > HAMMER_MAX) {
		printf("FAIL %u reservations reported kept, but %u of %u slots free\n", kept, free_slots, HAMMER_MAX);
		bad++;
	}
	rstore_free(s);
	printf("kept %u free %u\n", kept, free_slots);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	time_t now = time(NULL);
	if (argc == 5 && strcmp(argv[1], "fill") == 0) {
		unsigned long n = strtoul(argv[4], NULL, 10);
		int rc = strcmp(argv[2], "redis") == 0 ? fill_redis(argv[3], n, now) : fill_lmdb(argv[3], n, now);
		if (rc != 0)
			fprintf(stderr, "rstore_bench: fill failed\n");
		return rc ? 1 : 0;
	}
	if (argc == 6 && strcmp(argv[1], "run") == 0)
		return run(argv[2], argv[3], atoi(argv[4]), atof(argv[5]), now);
	if (argc == 5 && strcmp(argv[1], "hammer") == 0)
		return hammer(argv[3], (time_t)strtoll(argv[4], NULL, 10));
	if (argc == 6 && strcmp(argv[1], "check") == 0)
		return check(argv[3], (time_t)strtoll(argv[4], NULL, 10), argv[5]);
	fprintf(stderr, "usage: rstore_bench fill|run|hammer|check ... (see the source)\n");
	return 64;
}
