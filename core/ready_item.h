#ifndef MXR_READY_ITEM_H
#define MXR_READY_ITEM_H
/*
 * The outcome of one readiness check: status, summary, hint, evidence.
 * Its own module below ready.h so that the checks kept in other modules
 * (ready_spf, ready_dmarc) fill items without including the report that
 * includes them.
 */
#include <json-c/json.h>
#include "result.h"

#define READY_TEXT_MAX 512

/* The outcome of one check.  data holds the check's evidence as a JSON
 * object; "status", "summary" and "hint" are added to it by the report. */
typedef struct ready_item {
	chk_status status;
	char summary[READY_TEXT_MAX];
	char hint[READY_TEXT_MAX];     /* how to fix; empty when nothing to fix */
	json_object *data;
} ready_item;

/* Sets the status and a printf-style summary; ready_hint() sets the
 * printf-style hint (how to fix). */
void ready_set(ready_item *it, chk_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ready_hint(ready_item *it, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
