/*
 * Bounded counting tables (see stab.h): FNV-1a hashing, linear probing over
 * a power-of-two index, entries and key bytes in growing arrays, and a
 * HyperLogLog sketch (Flajolet et al. 2007, 2^12 registers, ~1.6% standard
 * error, with the small-range correction) for distinct counts past the
 * bound.  Memory is proportional to the keys kept, never to the input.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stab.h"

#define HLL_P 12
#define HLL_M (1u << HLL_P)

typedef struct entry {
	uint64_t hash;
	size_t koff;
	size_t klen;
	uint64_t v[STAB_NV];
} entry;

struct stab {
	size_t max, n, cap;             /* keys, entries allocated */
	entry *e;
	uint32_t *idx;                  /* 0 = empty, else entry index + 1 */
	size_t idx_size;                /* power of two, >= 2 * cap */
	char *keys;
	size_t klen, kcap;
	uint64_t folded;
	uint64_t other[STAB_NV];
	uint8_t hll[HLL_M];
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	/* a final mix: FNV's low bits alone index the table poorly */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

stab *stab_new(size_t max)
{
	stab *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->max = max ? max : 1;
	return t;
}

void stab_free(stab *t)
{
	if (t == NULL)
		return;
	free(t->e);
	free(t->idx);
	free(t->keys);
	free(t);
}

static void hll_add(stab *t, uint64_t h)
{
	uint32_t j = (uint32_t)(h >> (64 - HLL_P));
	uint64_t w = (h << HLL_P) | (1ull << (HLL_P - 1));
	uint8_t rho = (uint8_t)(__builtin_clzll(w) + 1);
	if (rho > t->hll[j])
		t->hll[j] = rho;
}

static int grow(stab *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64, size = 1;
	entry *e;
	uint32_t *idx;
	if (cap > t->max)
		cap = t->max;
	while (size < cap * 2)
		size <<= 1;
	if ((e = realloc(t->e, cap * sizeof *e)) == NULL)
		return -1;
	t->e = e;
	if ((idx = calloc(size, sizeof *idx)) == NULL)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		size_t k = t->e[i].hash & (size - 1);
		while (idx[k])
			k = (k + 1) & (size - 1);
		idx[k] = (uint32_t)(i + 1);
	}
	free(t->idx);
	t->idx = idx;
	t->idx_size = size;
	t->cap = cap;
	return 0;
}

static int add_key(stab *t, const char *key, size_t klen)
{
	if (t->klen + klen > t->kcap) {
		size_t c = t->kcap ? t->kcap * 2 : 4096;
		char *k;
		while (c < t->klen + klen)
			c *= 2;
		if ((k = realloc(t->keys, c)) == NULL)
			return -1;
		t->keys = k;
		t->kcap = c;
	}
	memcpy(t->keys + t->klen, key, klen);
	t->klen += klen;
	return 0;
}

uint64_t *stab_get(stab *t, const char *key, size_t klen)
{
	uint64_t h = hash(key, klen);
	size_t k;
	entry *e;
	hll_add(t, h);
	if (t->idx_size) {
		for (k = h & (t->idx_size - 1); t->idx[k]; k = (k + 1) & (t->idx_size - 1)) {
			e = &t->e[t->idx[k] - 1];
			if (e->hash == h && e->klen == klen && memcmp(t->keys + e->koff, key, klen) == 0)
				return e->v;
		}
	}
	if (t->n == t->max || (t->n == t->cap && grow(t) < 0) || add_key(t, key, klen) < 0) {
		t->folded++;
		return t->other;
	}
	for (k = h & (t->idx_size - 1); t->idx[k]; k = (k + 1) & (t->idx_size - 1))
		;
	e = &t->e[t->n];
	memset(e, 0, sizeof *e);
	e->hash = h;
	e->koff = t->klen - klen;
	e->klen = klen;
	t->idx[k] = (uint32_t)(++t->n);
	return e->v;
}

size_t stab_count(const stab *t)
{
	return t->n;
}

uint64_t stab_folded(const stab *t)
{
	return t->folded;
}

const uint64_t *stab_other(const stab *t)
{
	return t->other;
}

uint64_t stab_distinct(const stab *t, int *exact)
{
	double sum = 0, est, m = HLL_M;
	unsigned zeros = 0;
	if (exact)
		*exact = t->folded == 0;
	if (t->folded == 0)
		return t->n;
	for (unsigned j = 0; j < HLL_M; j++) {
		sum += ldexp(1.0, -t->hll[j]);
		zeros += t->hll[j] == 0;
	}
	est = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (est <= 2.5 * m && zeros)
		est = m * log(m / zeros);
	/* never below what is known for sure */
	return est < (double)t->n ? t->n : (uint64_t)(est + 0.5);
}

static int sort_col;

static int by_key(const void *a, const void *b)
{
	const stab_row *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

static int by_count(const void *a, const void *b)
{
	const stab_row *x = a, *y = b;
	if (x->v[sort_col] != y->v[sort_col])
		return x->v[sort_col] < y->v[sort_col] ? 1 : -1;
	return by_key(a, b);
}

static stab_row *rows(const stab *t, size_t *n)
{
	stab_row *r = malloc((t->n ? t->n : 1) * sizeof *r);
	*n = 0;
	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		r[i].key = t->keys + t->e[i].koff;
		r[i].klen = t->e[i].klen;
		r[i].v = t->e[i].v;
	}
	*n = t->n;
	return r;
}

stab_row *stab_sorted(const stab *t, int col, size_t *n)
{
	stab_row *r = rows(t, n);
	if (r == NULL)
		return NULL;
	sort_col = col < 0 || col >= STAB_NV ? 0 : col;
	qsort(r, *n, sizeof *r, by_count);
	return r;
}

stab_row *stab_sorted_keys(const stab *t, size_t *n)
{
	stab_row *r = rows(t, n);
	if (r != NULL)
		qsort(r, *n, sizeof *r, by_key);
	return r;
}
