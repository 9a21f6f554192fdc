/*
 * libFuzzer target for the verdict-line reader (core/vline.c) against its
 * writer (daemon/vlog.c).  Two checks of meaning on every input:
 *  1. the input as a log line: the reader never reads outside it, every
 *     accepted key is [a-z0-9_], every accepted value is printable ASCII
 *     and unescapes;
 *  2. the input as values: split at 0xff into up to 8 values, written with
 *     vlog_addn under keys k0..k7, read back: the line parses, exactly those
 *     keys come back in order (no value became a key or swallowed the next
 *     pair; a pair too long for the line is dropped, marked truncated=yes), and each value unescapes to the octets given (the writer's
 *     cut of long values: the first VLOG_VALUE_MAX octets, then "...").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vline.h"
#include "../../daemon/vlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void as_line(const char *s, size_t n)
{
	vline v;
	char out[4096];
	if (vline_parse(s, n, &v) != VLINE_OK)
		return;
	if (v.id < s || v.id + v.idlen > s + n || v.n > VLINE_MAX_PAIRS)
		abort();
	for (size_t i = 0; i < v.n; i++) {
		const vline_pair *p = &v.pair[i];
		if (p->key < s || p->key + p->klen > s + n || p->val < s || p->val + p->vlen > s + n)
			abort();
		for (size_t k = 0; k < p->klen; k++)
			if (!((p->key[k] >= 'a' && p->key[k] <= 'z') || (p->key[k] >= '0' && p->key[k] <= '9') || p->key[k] == '_'))
				abort();
		if (p->vlen < sizeof out && vline_unescape(p->val, p->vlen, out, sizeof out) < 0)
			abort();
		for (size_t k = 0; k < p->vlen; k++)
			if ((unsigned char)p->val[k] < 0x20 || (unsigned char)p->val[k] > 0x7e)
				abort();   /* only printable octets are accepted */
	}
}

static void round_trip(const char *s, size_t n)
{
	vlog_line l;
	vline v;
	const char *val[8];
	size_t vlen[8], nv = 0, start = 0;
	char key[8][4], out[VLOG_VALUE_MAX + 8];

	for (size_t i = 0; i <= n && nv < 8; i++)
		if (i == n || (unsigned char)s[i] == 0xff) {
			val[nv] = s + start;
			vlen[nv++] = i - start;
			start = i + 1;
		}
	vlog_begin(&l, "Q1");
	for (size_t i = 0; i < nv; i++) {
		key[i][0] = 'k';
		key[i][1] = (char)('0' + i);
		key[i][2] = 0;
		vlog_addn(&l, key[i], val[i], vlen[i]);
	}
	const char *line = vlog_end(&l);
	if (vline_parse(line, strlen(line), &v) != VLINE_OK)
		abort();
	if (v.idlen != 2 || memcmp(v.id, "Q1", 2) != 0)
		abort();
	size_t got = v.n;
	if (got > 0 && v.pair[got - 1].klen == 9 && memcmp(v.pair[got - 1].key, "truncated", 9) == 0)
		got--;
	else if (got != nv)
		abort();           /* a pair went missing without the marker */
	/* a pair that did not fit is dropped (later, shorter ones may still
	 * fit): the keys read back are k0..k7 in order, some maybe missing */
	for (size_t i = 0, j = 0; i < got; i++, j++) {
		const vline_pair *p = &v.pair[i];
		long o;
		while (j < nv && (p->klen != 2 || memcmp(p->key, key[j], 2) != 0))
			j++;
		if (j == nv)
			abort();   /* a key that was never written */
		o = vline_unescape(p->val, p->vlen, out, sizeof out);
		if (o < 0)
			abort();
		if (vlen[j] <= VLOG_VALUE_MAX) {
			if ((size_t)o != vlen[j] || memcmp(out, val[j], vlen[j]) != 0)
				abort();
		} else if ((size_t)o != VLOG_VALUE_MAX + 3 || memcmp(out, val[j], VLOG_VALUE_MAX) != 0 ||
		    memcmp(out + VLOG_VALUE_MAX, "...", 3) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size octets, so reads past the end are caught */
	char *m = malloc(size ? size : 1);
	if (m == NULL)
		abort();
	memcpy(m, data, size);
	as_line(m, size);
	round_trip(m, size);
	free(m);
	return 0;
}
