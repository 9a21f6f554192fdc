#ifndef MXR_STATS_REPORT_H
#define MXR_STATS_REPORT_H
/*
 * The reports of `mxready stats`: the text report in the manner of
 * pflogsumm (aligned tables, per-day and per-hour rows) and the JSON
 * document with every figure (keys in docs/stats.md), plus the derived
 * figures the HTML page shares with them.
 */
#include <stdio.h>

#include "stats.h"

/* One day of arrivals: counts by STATS_F_*. */
typedef struct stats_day {
	char day[11];           /* YYYY-MM-DD */
	uint64_t f[STATS_F_N];
} stats_day;

/* The per-day rows of an hours table, oldest first; caller frees. */
stats_day *stats_report_days(const stab *hours, size_t *n);
/* Distinct sender domains of in by readiness status of each check. */
void stats_report_readiness(const stats_inbound *in, uint64_t out[STATS_C_N][STATS_K_N]);
/* 100 * a / b, 0 when b is 0. */
double stats_report_pct(uint64_t a, uint64_t b);
/* The text report. */
void stats_report_text(const stats *s, FILE *f);
/* The JSON document (one object, pretty-printed). */
void stats_report_json(const stats *s, FILE *f);

#endif
