/*
 * chart.h - charts drawn by the server as SVG, for pages that must work
 * without JavaScript: a column chart (a series over time, such as the
 * report's cohort month by month) and a distribution (counts in ranges of
 * days, with the range that holds the median marked).
 *
 * Every chart is an <svg role="img"> named by its <title> and <desc>; every
 * piece of text is escaped; nothing uses a style attribute (the pages' CSP
 * forbids them): colours are SVG presentation attributes, with a class on
 * each part for waymark.css. Colour is never the only signal: each bar
 * carries its value in words beside it, a hidden value says "hidden", and
 * the marked range says "median". The page puts the same figures in a
 * table beside the chart. With nothing to draw (no bars, or every value
 * zero) a chart is one plain sentence instead, never an empty frame.
 *
 * The caller owns every string it passes; the chart copies what it writes.
 */
#ifndef WM_RENDER_CHART_H
#define WM_RENDER_CHART_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/buf.h"

/* One bar: a category and its value (0 or more). */
struct chart_bar {
	const char *label; /* "Jan 2026", "8 to 14 days" */
	double value;	   /* ignored when hidden */
	bool hidden;	   /* not shown (a small number suppressed): no bar, the word "hidden" */
	bool marked;	   /* the distribution's median range */
};

/* What a chart is about. */
struct chart {
	const char *id;	   /* unique in the page: names the title and desc elements */
	const char *title; /* "Survivors in the cohort, month by month" */
	const char *desc;  /* one sentence of what it shows, for a screen reader */
	const char *unit;  /* what the values count, for the axis: "survivors" */
	const char *empty; /* the sentence drawn instead when there is nothing to chart */
};

/* Appends to out a column chart of bars[0..n), left to right, with a value
 * axis from 0 and each bar's value above it. Long series label every
 * few columns. Draws c->empty as a paragraph when n is 0 or every value
 * is 0 and none hidden; returns whether a chart was drawn. */
bool chart_columns(struct buf *out, const struct chart *c, const struct chart_bar *bars, size_t n);

/* Appends to out a distribution: one horizontal bar per range, top to
 * bottom, each labelled with its range and count, and the marked range
 * labelled "median" (a mark and a word, not only a colour). The same
 * empty rule and answer as chart_columns. */
bool chart_distribution(struct buf *out, const struct chart *c, const struct chart_bar *bars,
			size_t n);

/* Writes value as a chart prints it: a whole number plainly ("12"), any
 * other to one place ("12.5"). */
void chart_number(double value, char *out, size_t cap);

#endif
