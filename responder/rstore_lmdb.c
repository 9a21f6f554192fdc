/*
 * The LMDB backend of the responder's state (rstore_lmdb.h).  One
 * environment in the state directory (data.mdb, lock.mdb), three named
 * databases:
 *   meta   "id"          -> 32 hex digits naming this environment, kept
 *                           also in DIR/state.id (see below);
 *          "sweep.reply", "sweep.rate" -> where the expiry sweep goes on.
 *   reply  id (12 hex)   -> a record: magic, version, flags, the claim
 *                           (flag, time, pid), the reservation time, sender.
 *   rate   limit key     -> one duplicate per charge, 8 octets big-endian
 *                           time + the reply id: sorted oldest first, so a
 *                           sliding window is "drop the stale front, count
 *                           the rest" (mdb_cursor_count, O(1)).
 * Every decision is one write transaction; writers are serialised by
 * LMDB's robust process-shared mutex, so concurrent pipe(8) processes see
 * each other's charges and a writer killed mid-transaction leaves the last
 * committed state (copy-on-write pages, the meta page written last).
 * Expiry: each reservation visits LM_SWEEP reply records and LM_SWEEP rate
 * keys round-robin (a bounded sweep), and a full map gets one larger sweep
 * before RSTORE_FULL.
 * Corruption is reported, never read as an empty store: LMDB's own checks
 * (MDB_INVALID, MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_VERSION_MISMATCH),
 * a data file shorter than its last page (truncated: reading it would be
 * SIGBUS), records of the wrong size or magic, and a reset: LMDB silently
 * starts over on an empty or missing data.mdb, so the environment's id is
 * also written to DIR/state.id; an environment without that id (or with
 * another one) next to an existing state.id is RSTORE_CORRUPT.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <lmdb.h>
#include <openssl/rand.h>

#include "rstore_lmdb.h"

#define LM_MAGIC    'R'
#define LM_VERSION  1
#define LM_HDR      32                      /* record header before the sender */
#define LM_CHARGE   (8 + RSTORE_ID_LEN)     /* a rate duplicate */
#define LM_SWEEP    16                      /* records visited per reservation */
#define LM_ENVID    32                      /* hex digits of the environment id */
#define LM_PATH_MAX 4096

typedef struct rstore_lmdb {
	MDB_env *env;
	MDB_dbi meta, reply, rate;
	unsigned keep, max_window;
	char dir[LM_PATH_MAX];
} rstore_lmdb;

typedef struct lm_rec {
	unsigned flags, claim_flag;
	uint64_t time, claim_time;
	uint32_t claim_pid;
	uint16_t sender_len;
	char sender[RSTORE_SENDER_MAX + 1];
} lm_rec;

static rstore_status lm_fail(int rc, const char *what, char *err, size_t errlen)
{
	rstore_status st;
	switch (rc) {
	case MDB_MAP_FULL:
		st = RSTORE_FULL;
		break;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_PANIC:
	case MDB_INCOMPATIBLE:
		st = RSTORE_CORRUPT;
		break;
	default:
		st = RSTORE_ERROR;
	}
	snprintf(err, errlen, "LMDB %s: %s%s", what, mdb_strerror(rc),
	    st == RSTORE_FULL ? " (the store reached state_max_size)" : "");
	return st;
}

static void be64_put(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t be64_get(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void charge_make(unsigned char *out, uint64_t t, const char *id)
{
	be64_put(out, t);
	memcpy(out + 8, id, RSTORE_ID_LEN);
}

static int rec_decode(const MDB_val *v, lm_rec *r)
{
	const unsigned char *p = v->mv_data;
	if (v->mv_size < LM_HDR || p[0] != LM_MAGIC || p[1] != LM_VERSION)
		return -1;
	memcpy(&r->sender_len, p + 4, 2);
	if (r->sender_len > RSTORE_SENDER_MAX || v->mv_size != (size_t)LM_HDR + r->sender_len)
		return -1;
	r->flags = p[2];
	r->claim_flag = p[3];
	if ((r->flags | r->claim_flag) & ~(RSTORE_FORWARDED | RSTORE_DELAY_NOTICE))
		return -1;
	memcpy(&r->time, p + 8, 8);
	memcpy(&r->claim_time, p + 16, 8);
	memcpy(&r->claim_pid, p + 24, 4);
	memcpy(r->sender, p + LM_HDR, r->sender_len);
	r->sender[r->sender_len] = 0;
	return memchr(r->sender, 0, r->sender_len) ? -1 : 0;
}

static size_t rec_encode(const lm_rec *r, unsigned char *out)
{
	memset(out, 0, LM_HDR);
	out[0] = LM_MAGIC;
	out[1] = LM_VERSION;
	out[2] = (unsigned char)r->flags;
	out[3] = (unsigned char)r->claim_flag;
	memcpy(out + 4, &r->sender_len, 2);
	memcpy(out + 8, &r->time, 8);
	memcpy(out + 16, &r->claim_time, 8);
	memcpy(out + 24, &r->claim_pid, 4);
	memcpy(out + LM_HDR, r->sender, r->sender_len);
	return (size_t)LM_HDR + r->sender_len;
}

static int rec_put(MDB_txn *t, MDB_dbi dbi, const char *id, const lm_rec *r)
{
	unsigned char buf[LM_HDR + RSTORE_SENDER_MAX];
	MDB_val k = { RSTORE_ID_LEN, (void *)id }, v = { 0, buf };
	v.mv_size = rec_encode(r, buf);
	return mdb_put(t, dbi, &k, &v, 0);
}

/* The record of id: 0, MDB_NOTFOUND, MDB_CORRUPTED (a bad record) or an
 * LMDB error. */
static int rec_get(MDB_txn *t, MDB_dbi dbi, const char *id, lm_rec *r)
{
	MDB_val k = { RSTORE_ID_LEN, (void *)id }, v;
	int rc = mdb_get(t, dbi, &k, &v);
	if (rc != 0)
		return rc;
	return rec_decode(&v, r) < 0 ? MDB_CORRUPTED : 0;
}

/* Drops the charges of key at or before cutoff (the oldest come first) and
 * counts the rest into *count. */
static int lm_trim(MDB_cursor *c, const char *key, size_t klen, uint64_t cutoff, size_t *count)
{
	MDB_val k, v;
	int rc;

	*count = 0;
	for (;;) {
		k.mv_size = klen;
		k.mv_data = (void *)key;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
		if (rc == MDB_NOTFOUND)
			return 0;
		if (rc != 0)
			return rc;
		if (v.mv_size != LM_CHARGE)
			return MDB_CORRUPTED;
		if (be64_get(v.mv_data) > cutoff)
			break;
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			return rc;
	}
	return mdb_cursor_count(c, count);
}

static uint64_t cutoff_of(time_t now, unsigned window)
{
	return (uint64_t)now > window ? (uint64_t)now - window : 0;
}

/* Where the sweep named pos goes on: the key in *k (size 0 = the start). */
static int sweep_pos(MDB_txn *t, MDB_dbi meta, const char *pos, char *buf, size_t buflen, MDB_val *k)
{
	MDB_val mk = { strlen(pos), (void *)pos }, v;
	int rc = mdb_get(t, meta, &mk, &v);
	k->mv_size = 0;
	k->mv_data = buf;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size > buflen)
		return MDB_CORRUPTED;
	memcpy(buf, v.mv_data, v.mv_size);
	k->mv_size = v.mv_size;
	return 0;
}

static int sweep_save(MDB_txn *t, MDB_dbi meta, const char *pos, const MDB_val *next, int more)
{
	MDB_val mk = { strlen(pos), (void *)pos }, v = *next;
	int rc;
	if (more)
		return mdb_put(t, meta, &mk, &v, 0);
	rc = mdb_del(t, meta, &mk, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Visits up to budget reply records from the saved position and deletes
 * the expired ones; adds their number to *freed. */
static int sweep_replies(rstore_lmdb *db, MDB_txn *t, time_t now, unsigned budget, size_t *freed)
{
	char pos[RSTORE_ID_LEN], del[LM_SWEEP][RSTORE_ID_LEN];
	MDB_cursor *c;
	MDB_val k, v;
	unsigned seen = 0, nd = 0;
	int rc, more = 0;

	if ((rc = sweep_pos(t, db->meta, "sweep.reply", pos, sizeof pos, &k)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t, db->reply, &c)) != 0)
		return rc;
	rc = k.mv_size ? mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) : mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0 && seen < budget && nd < LM_SWEEP) {
		lm_rec r;
		if (k.mv_size != RSTORE_ID_LEN || rec_decode(&v, &r) < 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (r.time + db->keep <= (uint64_t)now)
			memcpy(del[nd++], k.mv_data, RSTORE_ID_LEN);
		seen++;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (rc == 0) {
		more = 1;
		memcpy(pos, k.mv_data, RSTORE_ID_LEN);   /* the next one to visit */
		k.mv_data = pos;
	} else if (rc != MDB_NOTFOUND) {
		mdb_cursor_close(c);
		return rc;
	}
	mdb_cursor_close(c);
	for (unsigned i = 0; i < nd; i++) {
		MDB_val dk = { RSTORE_ID_LEN, del[i] };
		if ((rc = mdb_del(t, db->reply, &dk, NULL)) != 0)
			return rc;
	}
	*freed += nd;
	return sweep_save(t, db->meta, "sweep.reply", &k, more);
}

/* Visits up to budget rate keys and drops their charges older than the
 * longest window (keys of senders that came back are trimmed anyway). */
static int sweep_rates(rstore_lmdb *db, MDB_txn *t, time_t now, unsigned budget, size_t *freed)
{
	char keys[LM_SWEEP][RSTORE_KEY_MAX];
	char pos[RSTORE_KEY_MAX];
	size_t klen[LM_SWEEP], cnt;
	uint64_t cutoff = cutoff_of(now, db->max_window);
	MDB_cursor *c;
	MDB_val k, v;
	unsigned seen = 0, nk = 0;
	int rc, more = 0;

	if ((rc = sweep_pos(t, db->meta, "sweep.rate", pos, sizeof pos, &k)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t, db->rate, &c)) != 0)
		return rc;
	rc = k.mv_size ? mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) : mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0 && seen < budget && nk < LM_SWEEP) {
		if (k.mv_size > RSTORE_KEY_MAX || v.mv_size != LM_CHARGE) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (be64_get(v.mv_data) <= cutoff) {     /* the oldest charge is stale */
			memcpy(keys[nk], k.mv_data, k.mv_size);
			klen[nk++] = k.mv_size;
		}
		seen++;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_NODUP);
	}
	if (rc == 0) {
		more = 1;
		memcpy(pos, k.mv_data, k.mv_size);
		k.mv_data = pos;
	} else if (rc != MDB_NOTFOUND) {
		mdb_cursor_close(c);
		return rc;
	}
	for (unsigned i = 0; i < nk; i++) {
		int r2 = lm_trim(c, keys[i], klen[i], cutoff, &cnt);
		if (r2 != 0) {
			mdb_cursor_close(c);
			return r2;
		}
	}
	mdb_cursor_close(c);
	*freed += nk;
	return sweep_save(t, db->meta, "sweep.rate", &k, more);
}

static int lm_sweep(rstore_lmdb *db, MDB_txn *t, time_t now, unsigned budget, size_t *freed)
{
	int rc = sweep_replies(db, t, now, budget, freed);
	return rc ? rc : sweep_rates(db, t, now, budget, freed);
}

/* ---- opening: the environment, its identity, the databases ---------------- */

static int path_of(const rstore_lmdb *db, const char *name, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/%s", db->dir, name);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* DIR/state.id: 1 with the id, 0 if missing, -1 if unreadable or not an id. */
static int marker_read(const rstore_lmdb *db, char *id)
{
	char path[LM_PATH_MAX], buf[LM_ENVID + 2];
	ssize_t n;
	int fd;

	if (path_of(db, "state.id", path, sizeof path) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < LM_ENVID || (n == LM_ENVID + 1 && buf[LM_ENVID] != '\n') || n > LM_ENVID + 1)
		return -1;
	for (int i = 0; i < LM_ENVID; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f')))
			return -1;
	memcpy(id, buf, LM_ENVID);
	return 1;
}

static int marker_write(const rstore_lmdb *db, const char *id)
{
	char path[LM_PATH_MAX], tmp[LM_PATH_MAX], line[LM_ENVID + 1];
	int fd, ok;

	if (path_of(db, "state.id", path, sizeof path) < 0 ||
	    snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	memcpy(line, id, LM_ENVID);
	line[LM_ENVID] = '\n';
	ok = write(fd, line, sizeof line) == (ssize_t)sizeof line && fsync(fd) == 0;
	if (close(fd) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The data file holds every page the meta page names (a truncated file
 * would be read through the map as SIGBUS). */
static int size_ok(rstore_lmdb *db, char *err, size_t errlen)
{
	char path[LM_PATH_MAX];
	MDB_envinfo info;
	MDB_stat ms;
	struct stat stb;

	if (path_of(db, "data.mdb", path, sizeof path) < 0 || stat(path, &stb) != 0 ||
	    mdb_env_info(db->env, &info) != 0 || mdb_env_stat(db->env, &ms) != 0) {
		snprintf(err, errlen, "%s: cannot check the data file", db->dir);
		return -1;
	}
	if ((uint64_t)stb.st_size < ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize) {
		snprintf(err, errlen, "%s: data.mdb is %lld octets, its pages need %llu (truncated)",
		    db->dir, (long long)stb.st_size,
		    (unsigned long long)(((uint64_t)info.me_last_pgno + 1) * ms.ms_psize));
		return -1;
	}
	return 0;
}

static int dbis_open(rstore_lmdb *db, MDB_txn *t, unsigned create)
{
	int rc = mdb_dbi_open(t, "meta", create, &db->meta);
	if (rc == 0)
		rc = mdb_dbi_open(t, "reply", create, &db->reply);
	if (rc == 0)
		rc = mdb_dbi_open(t, "rate", create | MDB_DUPSORT | MDB_DUPFIXED, &db->rate);
	return rc;
}

/* The id stored in the environment: 1 (in id), 0 if none, or an error. */
static int envid_get(rstore_lmdb *db, MDB_txn *t, char *id)
{
	MDB_val k = { 2, "id" }, v;
	int rc = mdb_get(t, db->meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size != LM_ENVID)
		return MDB_CORRUPTED;
	memcpy(id, v.mv_data, LM_ENVID);
	return 1;
}

/* The first run: databases and the environment's id (a concurrent first
 * run may have won the write lock: then its id is taken). */
static rstore_status env_init(rstore_lmdb *db, char *id, char *err, size_t errlen)
{
	MDB_txn *t;
	int rc = mdb_txn_begin(db->env, NULL, 0, &t);

	if (rc != 0)
		return lm_fail(rc, "begin", err, errlen);
	if ((rc = dbis_open(db, t, MDB_CREATE)) == 0 && (rc = envid_get(db, t, id)) == 0) {
		unsigned char r[LM_ENVID / 2];
		MDB_val k = { 2, "id" }, v = { LM_ENVID, id };
		if (RAND_bytes(r, sizeof r) != 1) {
			mdb_txn_abort(t);
			snprintf(err, errlen, "no random octets for the environment id");
			return RSTORE_ERROR;
		}
		for (size_t i = 0; i < sizeof r; i++)
			snprintf(id + 2 * i, 3, "%02x", r[i]);
		rc = mdb_put(t, db->meta, &k, &v, 0);
	}
	if (rc < 0 || rc > 1) {
		mdb_txn_abort(t);
		return lm_fail(rc, "init", err, errlen);
	}
	if ((rc = mdb_txn_commit(t)) != 0)
		return lm_fail(rc, "init commit", err, errlen);
	return RSTORE_OK;
}

static rstore_status lm_open_env(rstore_lmdb *db, size_t max_size, char *err, size_t errlen)
{
	char mark[LM_ENVID], id[LM_ENVID + 1], path[LM_PATH_MAX];
	struct stat stb;
	int have_mark, rc, dead;
	MDB_txn *t;

	if (mkdir(db->dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", db->dir, strerror(errno));
		return RSTORE_ERROR;
	}
	have_mark = marker_read(db, mark);
	if (have_mark < 0) {
		snprintf(err, errlen, "%s/state.id: unreadable or not an environment id", db->dir);
		return RSTORE_CORRUPT;
	}
	/* LMDB starts over on an empty or missing data.mdb: not after a first run */
	if (have_mark && (path_of(db, "data.mdb", path, sizeof path) < 0 || stat(path, &stb) != 0 ||
	    stb.st_size == 0)) {
		snprintf(err, errlen, "%s/data.mdb: missing or empty, but state.id says the state existed", db->dir);
		return RSTORE_CORRUPT;
	}
	if ((rc = mdb_env_create(&db->env)) != 0 || (rc = mdb_env_set_maxdbs(db->env, 4)) != 0 ||
	    (rc = mdb_env_set_mapsize(db->env, max_size)) != 0)
		return lm_fail(rc, "create", err, errlen);
	if ((rc = mdb_env_open(db->env, db->dir, 0, 0600)) != 0) {
		rstore_status st = lm_fail(rc, "open", err, errlen);
		mdb_env_close(db->env);
		db->env = NULL;
		return st;
	}
	mdb_reader_check(db->env, &dead);     /* slots of killed readers */
	if (size_ok(db, err, errlen) < 0)
		return RSTORE_CORRUPT;
	/* normally read-only: no writer lock for opening */
	if ((rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &t)) != 0)
		return lm_fail(rc, "begin", err, errlen);
	rc = dbis_open(db, t, 0);
	if (rc == 0)
		rc = envid_get(db, t, id);
	if (rc == 1 || rc == 0) {
		int found = rc;
		mdb_txn_commit(t);         /* keeps the database handles */
		if (found == 0 && have_mark) {
			snprintf(err, errlen, "%s: the environment has no id but state.id exists (reset)", db->dir);
			return RSTORE_CORRUPT;
		}
		if (found == 0) {
			snprintf(err, errlen, "%s: databases without an environment id (not ours)", db->dir);
			return RSTORE_CORRUPT;
		}
	} else if (rc == MDB_NOTFOUND) {
		rstore_status st;
		mdb_txn_abort(t);
		if (have_mark) {
			snprintf(err, errlen, "%s: the environment is empty but state.id exists (reset)", db->dir);
			return RSTORE_CORRUPT;
		}
		if ((st = env_init(db, id, err, errlen)) != RSTORE_OK)
			return st;
	} else {
		mdb_txn_abort(t);
		return lm_fail(rc, "open databases", err, errlen);
	}
	id[LM_ENVID] = 0;
	if (have_mark && memcmp(mark, id, LM_ENVID) != 0) {
		snprintf(err, errlen, "%s: data.mdb belongs to another environment than state.id", db->dir);
		return RSTORE_CORRUPT;
	}
	if (!have_mark && marker_write(db, id) < 0) {
		snprintf(err, errlen, "%s/state.id: %s", db->dir, strerror(errno));
		return RSTORE_ERROR;
	}
	return RSTORE_OK;
}

static void lm_free(void *b)
{
	rstore_lmdb *db = b;
	if (db == NULL)
		return;
	if (db->env)
		mdb_env_close(db->env);
	free(db);
}

static const rstore_ops lm_ops;

rstore *rstore_lmdb_open(const char *dir, size_t max_size, unsigned keep, unsigned max_window,
	rstore_status *st, char *err, size_t errlen)
{
	rstore_lmdb *db = calloc(1, sizeof *db);
	rstore *s;

	*st = RSTORE_ERROR;
	if (db == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	db->keep = keep;
	db->max_window = max_window;
	if (snprintf(db->dir, sizeof db->dir, "%s", dir) >= (int)sizeof db->dir - 16) {
		snprintf(err, errlen, "%s: path too long", dir);
		free(db);
		return NULL;
	}
	*st = lm_open_env(db, max_size, err, errlen);
	if (*st != RSTORE_OK) {
		lm_free(db);
		return NULL;
	}
	s = rstore_new(&lm_ops, db, max_window);
	if (s == NULL) {
		*st = RSTORE_ERROR;
		snprintf(err, errlen, "out of memory");
	}
	return s;
}

/* ---- the decisions ---------------------------------------------------------- */

static rstore_status reserve_txn(rstore_lmdb *db, const rstore_limit *l, size_t n, const char *id,
	const char *sender, time_t now, size_t *hit, char *err, size_t errlen)
{
	unsigned char charge[LM_CHARGE];
	MDB_cursor *c = NULL;
	MDB_txn *t;
	lm_rec r;
	size_t cnt, freed = 0;
	const char *what = "begin";
	int rc;

	if ((rc = mdb_txn_begin(db->env, NULL, 0, &t)) != 0)
		return lm_fail(rc, what, err, errlen);
	what = "rate";
	if ((rc = mdb_cursor_open(t, db->rate, &c)) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (l[i].max == 0)
			continue;
		if ((rc = lm_trim(c, l[i].key, strlen(l[i].key), cutoff_of(now, l[i].window), &cnt)) != 0)
			goto fail;
		if (cnt >= l[i].max) {
			*hit = i;
			mdb_cursor_close(c);
			mdb_txn_abort(t);
			return RSTORE_LIMIT;
		}
	}
	what = "reply";
	rc = rec_get(t, db->reply, id, &r);
	if (rc == 0) {
		mdb_cursor_close(c);
		mdb_txn_abort(t);
		snprintf(err, errlen, "reply id %s exists", id);
		return RSTORE_ERROR;
	}
	if (rc != MDB_NOTFOUND)
		goto fail;
	charge_make(charge, (uint64_t)now, id);
	for (size_t i = 0; i < n; i++) {
		MDB_val k = { strlen(l[i].key), (void *)l[i].key }, v = { LM_CHARGE, charge };
		if (l[i].max && (rc = mdb_put(t, db->rate, &k, &v, 0)) != 0)
			goto fail;
	}
	memset(&r, 0, sizeof r);
	r.time = (uint64_t)now;
	r.sender_len = (uint16_t)strlen(sender);
	memcpy(r.sender, sender, r.sender_len);
	if ((rc = rec_put(t, db->reply, id, &r)) != 0)
		goto fail;
	what = "sweep";
	mdb_cursor_close(c);
	c = NULL;
	if ((rc = lm_sweep(db, t, now, LM_SWEEP, &freed)) != 0)
		goto fail;
	what = "commit";
	if ((rc = mdb_txn_commit(t)) != 0)
		return lm_fail(rc, what, err, errlen);
	return RSTORE_OK;
fail:
	if (c)
		mdb_cursor_close(c);
	mdb_txn_abort(t);
	return lm_fail(rc, what, err, errlen);
}

/* A full map: one larger sweep of expired records in its own transaction.
 * The number of records freed (0 also on an error). */
static size_t emergency_sweep(rstore_lmdb *db, time_t now)
{
	MDB_txn *t;
	size_t freed = 0;
	if (mdb_txn_begin(db->env, NULL, 0, &t) != 0)
		return 0;
	for (int i = 0; i < 256; i++)
		if (lm_sweep(db, t, now, LM_SWEEP, &freed) != 0) {
			mdb_txn_abort(t);
			return 0;
		}
	return mdb_txn_commit(t) == 0 ? freed : 0;
}

static rstore_status lm_reserve(void *b, const rstore_limit *l, size_t n, const char *id,
	const char *sender, time_t now, size_t *hit, char *err, size_t errlen)
{
	rstore_lmdb *db = b;
	rstore_status st = reserve_txn(db, l, n, id, sender, now, hit, err, errlen);
	if (st == RSTORE_FULL && emergency_sweep(db, now) > 0)
		st = reserve_txn(db, l, n, id, sender, now, hit, err, errlen);
	return st;
}

static rstore_status lm_release(void *b, const rstore_limit *l, size_t n, const char *id,
	char *err, size_t errlen)
{
	rstore_lmdb *db = b;
	unsigned char charge[LM_CHARGE];
	MDB_val k = { RSTORE_ID_LEN, (void *)id };
	MDB_txn *t;
	lm_rec r;
	int rc;

	if ((rc = mdb_txn_begin(db->env, NULL, 0, &t)) != 0)
		return lm_fail(rc, "begin", err, errlen);
	rc = rec_get(t, db->reply, id, &r);
	if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(t);
		return RSTORE_OK;
	}
	if (rc != 0)
		goto fail;
	charge_make(charge, r.time, id);
	for (size_t i = 0; i < n; i++) {
		MDB_val rk = { strlen(l[i].key), (void *)l[i].key }, v = { LM_CHARGE, charge };
		if (l[i].max == 0)
			continue;
		rc = mdb_del(t, db->rate, &rk, &v);
		if (rc != 0 && rc != MDB_NOTFOUND)   /* gone: trimmed as stale */
			goto fail;
	}
	if ((rc = mdb_del(t, db->reply, &k, NULL)) != 0)
		goto fail;
	if ((rc = mdb_txn_commit(t)) != 0)
		return lm_fail(rc, "commit", err, errlen);
	return RSTORE_OK;
fail:
	mdb_txn_abort(t);
	return lm_fail(rc, "release", err, errlen);
}

static rstore_status lm_lookup(void *b, const char *id, time_t now, char *sender,
	size_t senderlen, unsigned *flags, char *err, size_t errlen)
{
	rstore_lmdb *db = b;
	MDB_txn *t;
	lm_rec r;
	int rc;

	if ((rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &t)) != 0)
		return lm_fail(rc, "begin", err, errlen);
	rc = rec_get(t, db->reply, id, &r);
	mdb_txn_abort(t);
	if (rc == MDB_NOTFOUND || (rc == 0 && r.time + db->keep <= (uint64_t)now))
		return RSTORE_UNKNOWN;
	if (rc != 0)
		return lm_fail(rc, "lookup", err, errlen);
	snprintf(sender, senderlen, "%s", r.sender);
	*flags = r.flags;
	return RSTORE_OK;
}

/* The holder of a claim is alive: its process exists (same host: the
 * environment is host-local) and the claim is younger than the lease. */
static int claim_alive(const lm_rec *r, time_t now)
{
	if ((uint64_t)now >= r->claim_time + RSTORE_CLAIM_LEASE || r->claim_pid == 0)
		return 0;
	return kill((pid_t)r->claim_pid, 0) == 0 || errno == EPERM;
}

static rstore_status lm_claim(void *b, const char *id, unsigned flag, time_t now,
	char *err, size_t errlen)
{
	rstore_lmdb *db = b;
	rstore_status st = RSTORE_OK;
	MDB_txn *t;
	lm_rec r;
	int rc;

	if ((rc = mdb_txn_begin(db->env, NULL, 0, &t)) != 0)
		return lm_fail(rc, "begin", err, errlen);
	rc = rec_get(t, db->reply, id, &r);
	if (rc == MDB_NOTFOUND || (rc == 0 && r.time + db->keep <= (uint64_t)now)) {
		mdb_txn_abort(t);
		return RSTORE_UNKNOWN;
	}
	if (rc != 0)
		goto fail;
	if (r.claim_flag) {
		if (claim_alive(&r, now)) {
			mdb_txn_abort(t);
			return RSTORE_BUSY;
		}
		/* died mid-forward: it may have been sent; never twice */
		r.flags |= r.claim_flag;
		r.claim_flag = 0;
		st = RSTORE_ABANDONED;
	}
	if ((r.flags & RSTORE_FORWARDED) || (r.flags & flag)) {
		if (st == RSTORE_OK) {
			mdb_txn_abort(t);
			return RSTORE_DONE;
		}
	} else {
		st = RSTORE_OK;
		r.claim_flag = flag;
		r.claim_pid = (uint32_t)getpid();
		r.claim_time = (uint64_t)now;
	}
	if ((rc = rec_put(t, db->reply, id, &r)) != 0)
		goto fail;
	if ((rc = mdb_txn_commit(t)) != 0)
		return lm_fail(rc, "commit", err, errlen);
	return st;
fail:
	mdb_txn_abort(t);
	return lm_fail(rc, "claim", err, errlen);
}

static rstore_status lm_finish(void *b, const char *id, unsigned flag, int sent,
	char *err, size_t errlen)
{
	rstore_lmdb *db = b;
	MDB_txn *t;
	lm_rec r;
	int rc;

	if ((rc = mdb_txn_begin(db->env, NULL, 0, &t)) != 0)
		return lm_fail(rc, "begin", err, errlen);
	rc = rec_get(t, db->reply, id, &r);
	if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(t);
		return RSTORE_UNKNOWN;
	}
	if (rc != 0)
		goto fail;
	if (sent)
		r.flags |= flag;
	if (r.claim_flag == flag && r.claim_pid == (uint32_t)getpid())
		r.claim_flag = 0;
	if ((rc = rec_put(t, db->reply, id, &r)) != 0)
		goto fail;
	if ((rc = mdb_txn_commit(t)) != 0)
		return lm_fail(rc, "commit", err, errlen);
	return RSTORE_OK;
fail:
	mdb_txn_abort(t);
	return lm_fail(rc, "finish", err, errlen);
}

static const rstore_ops lm_ops = { lm_reserve, lm_release, lm_lookup, lm_claim, lm_finish, lm_free };
