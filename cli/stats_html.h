#ifndef MXR_STATS_HTML_H
#define MXR_STATS_HTML_H
/*
 * The HTML page of `mxready stats --html FILE`: one self-contained
 * document (inline CSS and SVG, no script, nothing fetched) with the
 * charts and tables of the text report.
 */
#include <stdio.h>

#include "stats.h"

/* Writes the page for s to f. */
void stats_html_write(const stats *s, FILE *f);

#endif
