/* Minimal assertion helpers for unit tests: one PASS:/FAIL: line each. */
#ifndef MXR_TAP_H
#define MXR_TAP_H
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
static int tap_fails, tap_count;
static const char *tap_name = "unit";

__attribute__((format(printf, 4, 5)))
static void tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	tap_count++;
	if (!cond)
		tap_fails++;
	printf("%s: %s: ", cond ? "PASS" : "FAIL", tap_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!cond)
		printf(" (%s:%d)", file, line);
	putchar('\n');
}
#define TAP_OK(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define TAP_STR(got, want, what) do { const char *g_ = (got), *w_ = (want); \
	TAP_OK(g_ && strcmp(g_, w_) == 0, "%s: got '%s' want '%s'", what, g_ ? g_ : "(null)", w_); } while (0)
#define TAP_INT(got, want, what) do { long g_ = (long)(got), w_ = (long)(want); \
	TAP_OK(g_ == w_, "%s: got %ld want %ld", what, g_, w_); } while (0)
#define TAP_DONE() (tap_count > 0 && tap_fails == 0 ? 0 : 1)
#endif
