/*
 * Bounded-string helpers: one error formatter instead of a copy per module.
 */
#include <stdarg.h>
#include <stdio.h>

#include "str.h"

void str_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}
