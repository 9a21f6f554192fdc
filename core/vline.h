#ifndef MXR_VLINE_H
#define MXR_VLINE_H
/*
 * The reader of the mxready verdict line (docs/logging.md), the one parser
 * of the syntax daemon/vlog.c writes:
 *
 *     ID: key=value key="quoted value" ...
 *
 * Input is untrusted (a log file anybody could append to; values carry
 * what senders wrote, escaped).  Parsing never allocates: pairs point into
 * the caller's text.  Values stay escaped; vline_unescape() gives the
 * octets the writer was given.
 */
#include <stddef.h>

#define VLINE_MAX_PAIRS 64      /* more pairs: the line is refused */
#define VLINE_KEY_MAX   32      /* longest key accepted */

typedef struct vline_pair {
	const char *key;
	size_t klen;
	const char *val;        /* between the quotes for a quoted value */
	size_t vlen;
	int quoted;
} vline_pair;

typedef struct vline {
	const char *id;         /* the queue id (or NOQUEUE) */
	size_t idlen;
	size_t n;
	vline_pair pair[VLINE_MAX_PAIRS];
} vline;

typedef enum {
	VLINE_OK = 0,
	VLINE_NOT_VERDICT,      /* no "ID: key=" start: another message */
	VLINE_BAD_KEY,          /* a key is empty, too long or not [a-z0-9_] */
	VLINE_BAD_VALUE,        /* unterminated quote, stray quote, bad escape,
	                         * an octet outside 0x20..0x7e */
	VLINE_TOO_MANY,         /* more than VLINE_MAX_PAIRS pairs */
	VLINE_DUP_KEY           /* a key given twice (one would hide the other) */
} vline_status;

/* Parses s[0..len) (no line end) into out.  A trailing CR is ignored.
 * Returns VLINE_OK or the first problem; out is filled only on VLINE_OK. */
vline_status vline_parse(const char *s, size_t len, vline *out);
/* The value of key (escaped form) and its length, or NULL when absent. */
const char *vline_get(const vline *v, const char *key, size_t *vlen);
/* Same, comparing key by length: for a key that is not NUL-terminated. */
const char *vline_getn(const vline *v, const char *key, size_t klen, size_t *vlen);
/* Undoes the writer's escaping (\\ \" \xHH) of in[0..inlen) into out (room
 * for outlen octets, not terminated).  Returns the octets written, or -1
 * if the escaping is malformed or out is too small. */
long vline_unescape(const char *in, size_t inlen, char *out, size_t outlen);
/* A short English word for a status ("not a verdict line", ...). */
const char *vline_status_str(vline_status s);

#endif
