/*
 * ready_item: setting the status, summary and hint of one readiness check
 * (the report of core/ready.c is made of these items).
 */
#include <stdarg.h>
#include <stdio.h>

#include "ready_item.h"

void ready_set(ready_item *it, chk_status st, const char *fmt, ...)
{
	va_list ap;
	it->status = st;
	va_start(ap, fmt);
	vsnprintf(it->summary, sizeof it->summary, fmt, ap);
	va_end(ap);
}

void ready_hint(ready_item *it, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(it->hint, sizeof it->hint, fmt, ap);
	va_end(ap);
}
