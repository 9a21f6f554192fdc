/*
 * The Redis backend of the responder's state (rstore_redis.h), hiredis
 * over a unix socket or TCP.  Keys:
 *   mxr:r:LIMITKEY  a sorted set per limit: member = reply id, score = the
 *                   time of the charge (a sliding window: ZREMRANGEBYSCORE
 *                   the stale, ZCARD the rest), EXPIRE = its window;
 *   mxr:p:ID        a hash per reply: t (time), s (sender), f (flags), the
 *                   claim c ("host pid"), cf (its flag), ct (its time);
 *                   EXPIRE = token_lifetime.
 * Each decision is one Lua script run by EVALSHA (EVAL once if the server
 * does not know it yet); Redis runs a script without interleaving any
 * other client, so the check and the write are one step for every host.
 * The scripts start with "#!lua" (Redis 7): a server over maxmemory
 * refuses the whole script before it writes anything (RSTORE_FULL),
 * instead of leaving it half done.  Clocks: the hosts' clocks are the
 * scores (keep them in NTP sync).  A claim's holder is "hostname pid": on
 * its own host a dead pid frees the claim (as abandoned); elsewhere the
 * lease (RSTORE_CLAIM_LEASE) does.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include "rstore_redis.h"

#define RD_ARGS_MAX 64
#define RD_HOLDER_MAX (RSTORE_REDIS_HOST_MAX + 24)

typedef struct rd_script {
	const char *text;
	char sha[41];
} rd_script;

typedef struct rstore_redis {
	redisContext *c;
	unsigned keep;
	char holder[RD_HOLDER_MAX];
	rd_script reserve, release, claim, finish;
} rstore_redis;

static void rd_free(void *b)
{
	rstore_redis *r = b;
	if (r == NULL)
		return;
	if (r->c)
		redisFree(r->c);
	free(r);
}

static const rstore_ops rd_ops;

/* KEYS: the rate keys, then the reply key.  ARGV: now, id, sender, keep,
 * then max and window of each rate key.  0 = reserved, i = limit i (from
 * 1) is full, -1 = the reply id exists. */
static const char rd_reserve[] =
	"#!lua\n"
	"local now = tonumber(ARGV[1])\n"
	"local n = #KEYS - 1\n"
	"for i = 1, n do\n"
	"  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - tonumber(ARGV[4 + 2 * i]))\n"
	"  if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[3 + 2 * i]) then return i end\n"
	"end\n"
	"if redis.call('EXISTS', KEYS[n + 1]) == 1 then return -1 end\n"
	"for i = 1, n do\n"
	"  redis.call('ZADD', KEYS[i], now, ARGV[2])\n"
	"  redis.call('EXPIRE', KEYS[i], tonumber(ARGV[4 + 2 * i]))\n"
	"end\n"
	"redis.call('HSET', KEYS[n + 1], 't', now, 's', ARGV[3], 'f', 0)\n"
	"redis.call('EXPIRE', KEYS[n + 1], tonumber(ARGV[4]))\n"
	"return 0\n";

/* KEYS: the rate keys, then the reply key.  ARGV: id. */
static const char rd_release[] =
	"#!lua\n"
	"for i = 1, #KEYS - 1 do redis.call('ZREM', KEYS[i], ARGV[1]) end\n"
	"redis.call('DEL', KEYS[#KEYS])\n"
	"return 0\n";

/* KEYS: the reply key.  ARGV: flag, now, lease, holder, the holder the
 * caller found dead ("" = none), keep (older replies are unknown).  {0} unknown, {1} claimed, {2} done,
 * {3, holder} busy, {4} abandoned (flag now set). */
static const char rd_claim[] =
	"#!lua\n"
	"local r = redis.call('HMGET', KEYS[1], 't', 'f', 'c', 'cf', 'ct')\n"
	"if not r[1] or tonumber(r[1]) + tonumber(ARGV[6]) <= tonumber(ARGV[2]) then return {0} end\n"
	"local f = tonumber(r[2]) or 0\n"
	"local flag = tonumber(ARGV[1])\n"
	"local now = tonumber(ARGV[2])\n"
	"local st = 1\n"
	"if r[3] and r[3] ~= '' then\n"
	"  if r[3] ~= ARGV[5] and now - (tonumber(r[5]) or 0) < tonumber(ARGV[3]) then return {3, r[3]} end\n"
	"  f = bit.bor(f, tonumber(r[4]) or 0)\n"
	"  redis.call('HSET', KEYS[1], 'f', f, 'c', '', 'cf', 0)\n"
	"  st = 4\n"
	"end\n"
	"if bit.band(f, 1) ~= 0 or bit.band(f, flag) ~= 0 then\n"
	"  if st == 4 then return {4} end\n"
	"  return {2}\n"
	"end\n"
	"redis.call('HSET', KEYS[1], 'c', ARGV[4], 'cf', flag, 'ct', now)\n"
	"return {1}\n";

/* KEYS: the reply key.  ARGV: flag, sent (1/0), holder. */
static const char rd_finish[] =
	"#!lua\n"
	"local r = redis.call('HMGET', KEYS[1], 'f', 'c')\n"
	"if not r[1] then return 0 end\n"
	"local f = tonumber(r[1]) or 0\n"
	"if ARGV[2] == '1' then f = bit.bor(f, tonumber(ARGV[1])) end\n"
	"if r[2] == ARGV[3] then redis.call('HSET', KEYS[1], 'f', f, 'c', '', 'cf', 0)\n"
	"else redis.call('HSET', KEYS[1], 'f', f) end\n"
	"return 1\n";

int rstore_redis_parse_server(const char *spec, char *host, size_t hostlen, int *port)
{
	const char *colon, *h = spec;
	size_t hl;
	char *end;
	long p;

	if (strncmp(spec, "unix:", 5) == 0) {
		if (spec[5] != '/' || strlen(spec + 5) >= hostlen || strlen(spec + 5) >= 108)
			return -1;
		snprintf(host, hostlen, "%s", spec + 5);
		*port = 0;
		return 0;
	}
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');
		if (rb == NULL || rb[1] != ':')
			return -1;
		h = spec + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL || memchr(spec, ':', (size_t)(colon - spec)) != NULL)
			return -1;            /* a bare IPv6 address needs brackets */
		hl = (size_t)(colon - spec);
	}
	if (hl == 0 || hl >= hostlen)
		return -1;
	for (size_t i = 0; i < hl; i++)
		if (h[i] <= ' ' || h[i] > '~' || h[i] == '/' || h[i] == '[' || h[i] == ']')
			return -1;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p < 1 || p > 65535)
		return -1;
	memcpy(host, h, hl);
	host[hl] = 0;
	*port = (int)p;
	return 0;
}

static void script_init(rd_script *s, const char *text)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	s->text = text;
	s->sha[0] = 0;
	if (EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha1(), NULL) == 1 && mdlen == 20)
		for (unsigned i = 0; i < 20; i++)
			snprintf(s->sha + 2 * i, 3, "%02x", md[i]);
}

static rstore_status rd_error_of(redisReply *rep, char *err, size_t errlen)
{
	rstore_status st = strncmp(rep->str, "OOM", 3) == 0 ? RSTORE_FULL : RSTORE_ERROR;
	snprintf(err, errlen, "redis: %.200s%s", rep->str, st == RSTORE_FULL ? " (Redis maxmemory reached)" : "");
	return st;
}

/* Runs a command; NULL with err (the connection is then unusable). */
static redisReply *rd_cmd(rstore_redis *r, int argc, const char **argv, const size_t *lens, char *err, size_t errlen)
{
	redisReply *rep;
	if (r->c == NULL || r->c->err) {
		snprintf(err, errlen, "redis: %s", r->c ? r->c->errstr : "not connected");
		return NULL;
	}
	rep = redisCommandArgv(r->c, argc, argv, lens);
	if (rep == NULL)
		snprintf(err, errlen, "redis: %s", r->c->err ? r->c->errstr : "no reply");
	return rep;
}

/* EVALSHA (EVAL if the server lacks the script); *out is the reply, which
 * the caller frees.  An error reply is turned into a status here. */
static rstore_status rd_eval(rstore_redis *r, rd_script *s, int nkeys, int nargs, const char **kv,
	const size_t *kvlen, redisReply **out, char *err, size_t errlen)
{
	const char *argv[RD_ARGS_MAX + 3];
	size_t lens[RD_ARGS_MAX + 3];
	char nk[16];
	redisReply *rep;
	int argc = 3 + nkeys + nargs;

	*out = NULL;
	if (nkeys + nargs > RD_ARGS_MAX) {
		snprintf(err, errlen, "redis: too many arguments");
		return RSTORE_ERROR;
	}
	snprintf(nk, sizeof nk, "%d", nkeys);
	argv[0] = "EVALSHA";
	argv[1] = s->sha;
	argv[2] = nk;
	lens[0] = 7;
	lens[1] = strlen(s->sha);
	lens[2] = strlen(nk);
	memcpy(argv + 3, kv, (size_t)(nkeys + nargs) * sizeof *argv);
	memcpy(lens + 3, kvlen, (size_t)(nkeys + nargs) * sizeof *lens);
	rep = rd_cmd(r, argc, argv, lens, err, errlen);
	if (rep && rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
		freeReplyObject(rep);
		argv[0] = "EVAL";
		lens[0] = 4;
		argv[1] = s->text;
		lens[1] = strlen(s->text);
		rep = rd_cmd(r, argc, argv, lens, err, errlen);
	}
	if (rep == NULL)
		return RSTORE_ERROR;
	if (rep->type == REDIS_REPLY_ERROR) {
		rstore_status st = rd_error_of(rep, err, errlen);
		freeReplyObject(rep);
		return st;
	}
	*out = rep;
	return RSTORE_OK;
}

static int read_password(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t n;
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fgets(out, (int)outlen, f) == NULL)
		out[0] = 0;
	fclose(f);
	n = strcspn(out, "\r\n");
	out[n] = 0;
	if (n == 0) {
		snprintf(err, errlen, "%s: empty password file", path);
		return -1;
	}
	return 0;
}

rstore *rstore_redis_open(const char *server, const char *password_file, double timeout,
	unsigned keep, unsigned max_window, char *err, size_t errlen)
{
	rstore *s;
	char host[RSTORE_REDIS_HOST_MAX], name[RSTORE_REDIS_HOST_MAX] = "";
	struct timeval tv;
	rstore_redis *r;
	int port;

	if (rstore_redis_parse_server(server, host, sizeof host, &port) < 0) {
		snprintf(err, errlen, "redis_server '%s': not unix:/path, host:port or [v6addr]:port", server);
		return NULL;
	}
	r = calloc(1, sizeof *r);
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->keep = keep;
	/* a server that closed the connection must be an error to retry, not a
	 * SIGPIPE that kills the process (hiredis writes with plain write(2)) */
	signal(SIGPIPE, SIG_IGN);
	tv.tv_sec = (time_t)timeout;
	tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
	r->c = port ? redisConnectWithTimeout(host, port, tv) : redisConnectUnixWithTimeout(host, tv);
	if (r->c == NULL || r->c->err) {
		snprintf(err, errlen, "redis %s: %s", server, r->c ? r->c->errstr : "out of memory");
		rd_free(r);
		return NULL;
	}
	if (redisSetTimeout(r->c, tv) != REDIS_OK) {
		snprintf(err, errlen, "redis %s: cannot set the timeout", server);
		rd_free(r);
		return NULL;
	}
	if (password_file && password_file[0]) {
		char pw[512];
		const char *argv[2] = { "AUTH", pw };
		size_t lens[2] = { 4, 0 };
		redisReply *rep;
		if (read_password(password_file, pw, sizeof pw, err, errlen) < 0) {
			rd_free(r);
			return NULL;
		}
		lens[1] = strlen(pw);
		rep = rd_cmd(r, 2, argv, lens, err, errlen);
		memset(pw, 0, sizeof pw);
		if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
			if (rep)
				snprintf(err, errlen, "redis %s: AUTH: %.200s", server, rep->str);
			freeReplyObject(rep);
			rd_free(r);
			return NULL;
		}
		freeReplyObject(rep);
	}
	gethostname(name, sizeof name - 1);
	snprintf(r->holder, sizeof r->holder, "%s %ld", name[0] ? name : "localhost", (long)getpid());
	script_init(&r->reserve, rd_reserve);
	script_init(&r->release, rd_release);
	script_init(&r->claim, rd_claim);
	script_init(&r->finish, rd_finish);
	s = rstore_new(&rd_ops, r, max_window);
	if (s == NULL)
		snprintf(err, errlen, "out of memory");
	return s;
}

/* "mxr:" + kind + ":" + s into buf; the length. */
static size_t rd_key(char *buf, size_t buflen, char kind, const char *s)
{
	int n = snprintf(buf, buflen, "mxr:%c:%s", kind, s);
	return n < 0 ? 0 : (size_t)n >= buflen ? buflen - 1 : (size_t)n;
}

static rstore_status rd_reserve_op(void *b, const rstore_limit *l, size_t n, const char *id,
	const char *sender, time_t now, size_t *hit, char *err, size_t errlen)
{
	rstore_redis *r = b;
	char keys[RD_ARGS_MAX / 4][RSTORE_KEY_MAX + 8], nums[RD_ARGS_MAX / 4][2][16];
	char rkey[32], snow[24], skeep[16];
	const char *kv[RD_ARGS_MAX];
	size_t kvlen[RD_ARGS_MAX], map[RD_ARGS_MAX / 4];
	int nk = 0, na = 0;
	redisReply *rep;
	rstore_status st;

	/* the limits in use, then the reply key; ARGV after them */
	for (size_t i = 0; i < n; i++) {
		if (l[i].max == 0)
			continue;
		if (nk >= RD_ARGS_MAX / 4) {
			snprintf(err, errlen, "redis: too many limits");
			return RSTORE_ERROR;
		}
		map[nk] = i;
		kvlen[nk] = rd_key(keys[nk], sizeof keys[nk], 'r', l[i].key);
		kv[nk] = keys[nk];
		nk++;
	}
	kvlen[nk] = rd_key(rkey, sizeof rkey, 'p', id);
	kv[nk] = rkey;
	snprintf(snow, sizeof snow, "%lld", (long long)now);
	snprintf(skeep, sizeof skeep, "%u", r->keep);
	{
		const char *a[4] = { snow, id, sender, skeep };
		for (int j = 0; j < 4; j++) {
			kv[nk + 1 + j] = a[j];
			kvlen[nk + 1 + j] = strlen(a[j]);
		}
		na = 4;
	}
	for (int j = 0; j < nk; j++) {
		snprintf(nums[j][0], sizeof nums[j][0], "%u", l[map[j]].max);
		snprintf(nums[j][1], sizeof nums[j][1], "%u", l[map[j]].window);
		kv[nk + 1 + na] = nums[j][0];
		kvlen[nk + 1 + na++] = strlen(nums[j][0]);
		kv[nk + 1 + na] = nums[j][1];
		kvlen[nk + 1 + na++] = strlen(nums[j][1]);
	}
	st = rd_eval(r, &r->reserve, nk + 1, na, kv, kvlen, &rep, err, errlen);
	if (st != RSTORE_OK)
		return st;
	if (rep->type != REDIS_REPLY_INTEGER || rep->integer < -1 || rep->integer > nk) {
		snprintf(err, errlen, "redis: unexpected reply to the reservation");
		st = RSTORE_ERROR;
	} else if (rep->integer == -1) {
		snprintf(err, errlen, "reply id %s exists", id);
		st = RSTORE_ERROR;
	} else if (rep->integer > 0) {
		*hit = map[rep->integer - 1];
		st = RSTORE_LIMIT;
	}
	freeReplyObject(rep);
	return st;
}

static rstore_status rd_release_op(void *b, const rstore_limit *l, size_t n, const char *id,
	char *err, size_t errlen)
{
	rstore_redis *r = b;
	char keys[RD_ARGS_MAX / 4][RSTORE_KEY_MAX + 8], rkey[32];
	const char *kv[RD_ARGS_MAX];
	size_t kvlen[RD_ARGS_MAX];
	int nk = 0;
	redisReply *rep;
	rstore_status st;

	for (size_t i = 0; i < n && nk < RD_ARGS_MAX / 4; i++) {
		if (l[i].max == 0)
			continue;
		kvlen[nk] = rd_key(keys[nk], sizeof keys[nk], 'r', l[i].key);
		kv[nk] = keys[nk];
		nk++;
	}
	kvlen[nk] = rd_key(rkey, sizeof rkey, 'p', id);
	kv[nk] = rkey;
	kv[nk + 1] = id;
	kvlen[nk + 1] = strlen(id);
	st = rd_eval(r, &r->release, nk + 1, 1, kv, kvlen, &rep, err, errlen);
	freeReplyObject(rep);
	return st;
}

static rstore_status rd_lookup_op(void *b, const char *id, time_t now, char *sender,
	size_t senderlen, unsigned *flags, char *err, size_t errlen)
{
	rstore_redis *r = b;
	char rkey[32];
	const char *argv[5] = { "HMGET", rkey, "t", "s", "f" };
	size_t lens[5] = { 5, 0, 1, 1, 1 };
	redisReply *rep;
	rstore_status st = RSTORE_OK;
	char *end;
	long long t, f;

	lens[1] = rd_key(rkey, sizeof rkey, 'p', id);
	rep = rd_cmd(r, 5, argv, lens, err, errlen);
	if (rep == NULL)
		return RSTORE_ERROR;
	if (rep->type == REDIS_REPLY_ERROR) {
		st = rd_error_of(rep, err, errlen);
		freeReplyObject(rep);
		return st;
	}
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3) {
		snprintf(err, errlen, "redis: unexpected reply to HMGET");
		freeReplyObject(rep);
		return RSTORE_ERROR;
	}
	if (rep->element[0]->type == REDIS_REPLY_NIL) {
		freeReplyObject(rep);
		return RSTORE_UNKNOWN;
	}
	/* a record we did not write (or a damaged one): never "unknown" */
	if (rep->element[0]->type != REDIS_REPLY_STRING || rep->element[1]->type != REDIS_REPLY_STRING ||
	    rep->element[2]->type != REDIS_REPLY_STRING || rep->element[1]->len > RSTORE_SENDER_MAX ||
	    (t = strtoll(rep->element[0]->str, &end, 10)) < 0 || *end ||
	    (f = strtoll(rep->element[2]->str, &end, 10)) < 0 || f > 3 || *end) {
		snprintf(err, errlen, "redis: reply %s: malformed record", id);
		freeReplyObject(rep);
		return RSTORE_CORRUPT;
	}
	if ((unsigned long long)t + r->keep <= (unsigned long long)now)
		st = RSTORE_UNKNOWN;
	else {
		snprintf(sender, senderlen, "%s", rep->element[1]->str);
		*flags = (unsigned)f;
	}
	freeReplyObject(rep);
	return st;
}

/* The holder "host pid" is a process of this host that no longer exists. */
static int holder_dead(const rstore_redis *r, const char *holder)
{
	const char *sp = strrchr(holder, ' '), *mine = strrchr(r->holder, ' ');
	char *end;
	long pid;
	if (sp == NULL || mine == NULL || sp - holder != mine - r->holder ||
	    memcmp(holder, r->holder, (size_t)(sp - holder)) != 0)
		return 0;
	pid = strtol(sp + 1, &end, 10);
	if (*end || pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static rstore_status rd_claim_op(void *b, const char *id, unsigned flag, time_t now,
	char *err, size_t errlen)
{
	rstore_redis *r = b;
	char rkey[32], sflag[8], snow[24], slease[16], skeep[16], dead[RD_HOLDER_MAX] = "";
	rstore_status st;

	snprintf(skeep, sizeof skeep, "%u", r->keep);
	snprintf(sflag, sizeof sflag, "%u", flag);
	snprintf(snow, sizeof snow, "%lld", (long long)now);
	snprintf(slease, sizeof slease, "%u", RSTORE_CLAIM_LEASE);
	for (int round = 0; round < 2; round++) {
		const char *kv[7] = { rkey, sflag, snow, slease, r->holder, dead, skeep };
		size_t kvlen[7];
		redisReply *rep;
		long long code;
		kvlen[0] = rd_key(rkey, sizeof rkey, 'p', id);
		for (int j = 1; j < 7; j++)
			kvlen[j] = strlen(kv[j]);
		st = rd_eval(r, &r->claim, 1, 6, kv, kvlen, &rep, err, errlen);
		if (st != RSTORE_OK)
			return st;
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
		    rep->element[0]->type != REDIS_REPLY_INTEGER) {
			freeReplyObject(rep);
			snprintf(err, errlen, "redis: unexpected reply to the claim");
			return RSTORE_ERROR;
		}
		code = rep->element[0]->integer;
		if (code == 3 && round == 0 && rep->elements == 2 && rep->element[1]->type == REDIS_REPLY_STRING &&
		    holder_dead(r, rep->element[1]->str)) {
			/* its holder died on this host: ask again, naming it */
			snprintf(dead, sizeof dead, "%s", rep->element[1]->str);
			freeReplyObject(rep);
			continue;
		}
		freeReplyObject(rep);
		switch (code) {
		case 0: return RSTORE_UNKNOWN;
		case 1: return RSTORE_OK;
		case 2: return RSTORE_DONE;
		case 3: return RSTORE_BUSY;
		case 4: return RSTORE_ABANDONED;
		default:
			snprintf(err, errlen, "redis: unexpected reply to the claim");
			return RSTORE_ERROR;
		}
	}
	return RSTORE_BUSY;
}

static rstore_status rd_finish_op(void *b, const char *id, unsigned flag, int sent,
	char *err, size_t errlen)
{
	rstore_redis *r = b;
	char rkey[32], sflag[8];
	const char *kv[4] = { rkey, sflag, sent ? "1" : "0", r->holder };
	size_t kvlen[4];
	redisReply *rep;
	rstore_status st;

	snprintf(sflag, sizeof sflag, "%u", flag);
	kvlen[0] = rd_key(rkey, sizeof rkey, 'p', id);
	for (int j = 1; j < 4; j++)
		kvlen[j] = strlen(kv[j]);
	st = rd_eval(r, &r->finish, 1, 3, kv, kvlen, &rep, err, errlen);
	if (st == RSTORE_OK && (rep->type != REDIS_REPLY_INTEGER || rep->integer == 0))
		st = rep->type == REDIS_REPLY_INTEGER ? RSTORE_UNKNOWN : RSTORE_ERROR;
	freeReplyObject(rep);
	return st;
}

static const rstore_ops rd_ops = { rd_reserve_op, rd_release_op, rd_lookup_op, rd_claim_op, rd_finish_op, rd_free };
