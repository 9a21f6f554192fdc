/*
 * The text-file state store of mxready-responder before issue 13, kept
 * unchanged only as the baseline of bench/rstore.sh (not built into any
 * program).
 * File-backed responder state (see rstore.h).  Line formats:
 *   rate:     KEY COUNT WINDOW_START
 *   replies:  ID TIME FLAGS SENDER
 * Keys and senders are written with bytes outside 0x21..0x7e replaced by
 * '?', so one line is always one entry (two odd addresses may then share a
 * counter, which only makes the limit stricter).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rstore.h"

#define RSTORE_PATH_MAX 4096
#define RSTORE_LINE_MAX 1024

struct rstore {
	char dir[RSTORE_PATH_MAX];
	int lockfd;
	unsigned keep;
};

typedef struct entry {
	char key[RSTORE_KEY_MAX + 1];
	unsigned long a, b;        /* rate: count, start; replies: time, flags */
	char rest[RSTORE_KEY_MAX + 1];
} entry;

typedef struct table {
	entry *e;
	size_t n, cap;
} table;

static void clean(char *out, size_t outlen, const char *in)
{
	size_t i;
	for (i = 0; in[i] && i + 1 < outlen; i++)
		out[i] = (in[i] > 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[i] = 0;
}

static int path_of(const rstore *s, const char *name, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/%s", s->dir, name);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static entry *tab_add(table *t)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		entry *ne = realloc(t->e, nc * sizeof *ne);
		if (ne == NULL)
			return NULL;
		t->e = ne;
		t->cap = nc;
	}
	memset(&t->e[t->n], 0, sizeof t->e[0]);
	return &t->e[t->n++];
}

/* Loads name into t; a missing file is an empty table. */
static int tab_load(const rstore *s, const char *name, table *t, int with_rest)
{
	char path[RSTORE_PATH_MAX], line[RSTORE_LINE_MAX];
	FILE *f;

	t->n = 0;
	if (path_of(s, name, path, sizeof path) < 0)
		return -1;
	f = fopen(path, "r");
	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof line, f) != NULL) {
		entry *e;
		char k[RSTORE_KEY_MAX + 1], r[RSTORE_KEY_MAX + 1] = "";
		unsigned long a, b;
		int got = with_rest ? sscanf(line, "%340s %lu %lu %340s", k, &a, &b, r)
		    : sscanf(line, "%340s %lu %lu", k, &a, &b);
		if (got != (with_rest ? 4 : 3))
			continue;            /* a torn or foreign line: skip it */
		if (t->n >= RSTORE_MAX_ENTRIES || (e = tab_add(t)) == NULL) {
			fclose(f);
			return -1;
		}
		memcpy(e->key, k, sizeof k);
		memcpy(e->rest, r, sizeof r);
		e->a = a;
		e->b = b;
	}
	fclose(f);
	return 0;
}

static int tab_save(const rstore *s, const char *name, const table *t, int with_rest)
{
	char path[RSTORE_PATH_MAX], tmp[RSTORE_PATH_MAX];
	FILE *f;
	int ok = 1;

	if (path_of(s, name, path, sizeof path) < 0 ||
	    snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return -1;
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	for (size_t i = 0; i < t->n && ok; i++) {
		const entry *e = &t->e[i];
		if (e->key[0] == 0)
			continue;            /* deleted */
		if (with_rest)
			ok = fprintf(f, "%s %lu %lu %s\n", e->key, e->a, e->b, e->rest) > 0;
		else
			ok = fprintf(f, "%s %lu %lu\n", e->key, e->a, e->b) > 0;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		ok = 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

rstore *rstore_open(const char *dir, unsigned keep, char *err, size_t errlen)
{
	rstore *s = calloc(1, sizeof *s);
	char path[RSTORE_PATH_MAX];

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->lockfd = -1;
	s->keep = keep;
	if (snprintf(s->dir, sizeof s->dir, "%s", dir) >= (int)sizeof s->dir ||
	    path_of(s, "lock", path, sizeof path) < 0) {
		snprintf(err, errlen, "%s: path too long", dir);
		free(s);
		return NULL;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		free(s);
		return NULL;
	}
	s->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lockfd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(s);
		return NULL;
	}
	return s;
}

void rstore_free(rstore *s)
{
	if (s == NULL)
		return;
	if (s->lockfd >= 0)
		close(s->lockfd);
	free(s);
}

static int lock(rstore *s)
{
	while (flock(s->lockfd, LOCK_EX) != 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static void unlock(rstore *s)
{
	flock(s->lockfd, LOCK_UN);
}

int rstore_rate_take(rstore *s, const rstore_limit *l, size_t n, time_t now)
{
	table t = { 0 };
	int rc = -1;
	size_t *idx = calloc(n ? n : 1, sizeof *idx);

	if (idx == NULL || lock(s) < 0) {
		free(idx);
		return -2;
	}
	if (tab_load(s, "rate", &t, 0) < 0) {
		rc = -2;
		goto out;
	}
	for (size_t i = 0; i < n && rc == -1; i++) {
		char k[RSTORE_KEY_MAX + 1];
		entry *e = NULL;
		clean(k, sizeof k, l[i].key);
		for (size_t j = 0; j < t.n; j++)
			if (strcmp(t.e[j].key, k) == 0) {
				e = &t.e[j];
				break;
			}
		if (e == NULL) {
			if (t.n >= RSTORE_MAX_ENTRIES || (e = tab_add(&t)) == NULL) {
				rc = -2;
				break;
			}
			memcpy(e->key, k, sizeof k);
			e->a = 0;
			e->b = (unsigned long)now;
		}
		if ((unsigned long)now >= e->b + l[i].window) {   /* a new window */
			e->a = 0;
			e->b = (unsigned long)now;
		}
		idx[i] = (size_t)(e - t.e);
		if (l[i].max && e->a >= l[i].max)
			rc = (int)i;
	}
	if (rc == -1) {
		unsigned maxwin = 0;
		for (size_t i = 0; i < n; i++) {
			t.e[idx[i]].a++;
			if (l[i].window > maxwin)
				maxwin = l[i].window;
		}
		/* prune counters whose window is long over */
		for (size_t j = 0; j < t.n; j++)
			if ((unsigned long)now > t.e[j].b + maxwin + 86400ul)
				t.e[j].key[0] = 0;
		if (tab_save(s, "rate", &t, 0) < 0)
			rc = -2;
	}
out:
	unlock(s);
	free(t.e);
	free(idx);
	return rc;
}

int rstore_reply_put(rstore *s, const char *id, const char *sender, time_t now)
{
	table t = { 0 };
	entry *e;
	int rc = -1;

	if (lock(s) < 0)
		return -1;
	if (tab_load(s, "replies", &t, 1) == 0) {
		for (size_t j = 0; j < t.n; j++)
			if ((unsigned long)now > t.e[j].a + s->keep)
				t.e[j].key[0] = 0;
		if (t.n < RSTORE_MAX_ENTRIES && (e = tab_add(&t)) != NULL) {
			clean(e->key, sizeof e->key, id);
			clean(e->rest, sizeof e->rest, sender[0] ? sender : "<>");
			e->a = (unsigned long)now;
			e->b = 0;
			rc = tab_save(s, "replies", &t, 1);
		}
	}
	unlock(s);
	free(t.e);
	return rc;
}

/* get (flag 0) or test-and-set (flag != 0) */
static int reply_op(rstore *s, const char *id, unsigned flag, char *sender, size_t senderlen, unsigned *flags)
{
	table t = { 0 };
	int rc = -1;

	if (lock(s) < 0)
		return -1;
	if (tab_load(s, "replies", &t, 1) == 0) {
		rc = flag ? -1 : 0;
		for (size_t j = 0; j < t.n; j++) {
			entry *e = &t.e[j];
			if (strcmp(e->key, id) != 0)
				continue;
			if (flag) {
				rc = (int)e->b;
				e->b |= flag;
				if ((unsigned)rc != e->b && tab_save(s, "replies", &t, 1) < 0)
					rc = -1;
			} else {
				rc = 1;
				if (sender)
					snprintf(sender, senderlen, "%s", strcmp(e->rest, "<>") ? e->rest : "");
				if (flags)
					*flags = (unsigned)e->b;
			}
			break;
		}
	}
	unlock(s);
	free(t.e);
	return rc;
}

int rstore_reply_get(rstore *s, const char *id, char *sender, size_t senderlen, unsigned *flags)
{
	return reply_op(s, id, 0, sender, senderlen, flags);
}

int rstore_reply_mark(rstore *s, const char *id, unsigned flag)
{
	return reply_op(s, id, flag, NULL, 0, NULL);
}
