/*
 * chart.c - column and distribution charts as SVG (chart.h).
 *
 * Plain arithmetic on a fixed view box; the SVG scales to its container
 * (waymark.css: .wm-chart). No libm: the axis steps are found by counting
 * powers of ten.
 */
#include "chart.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* NHS.UK colours, as presentation attributes (CSP allows them). */
#define INK  "#212b32"
#define GRID "#d8dde0"
#define BAR  "#005eb8"
#define FONT "font-family=\"inherit\" font-size=\"13\""

/* The column chart's frame. */
#define COL_W	    640.0
#define COL_LEFT    56.0
#define COL_RIGHT   16.0
#define COL_TOP	    32.0
#define COL_PLOT_H  200.0
#define COL_BOTTOM  40.0
#define COL_LABEL_W 64.0 /* the room a category label needs under the axis */

/* The distribution's frame. */
#define DIST_W	    640.0
#define DIST_LABEL  130.0 /* the ranges' labels, left of the bars */
#define DIST_PLOT_W 360.0
#define DIST_TOP    32.0
#define DIST_ROW    30.0
#define DIST_BAR    18.0
#define DIST_BOTTOM 36.0

static void esc(struct buf *out, const char *s)
{
	if (s)
		buf_add_html(out, s, strlen(s));
}

void chart_number(double value, char *out, size_t cap)
{
	long long whole = (long long)value;
	if ((double)whole == value)
		snprintf(out, cap, "%lld", whole);
	else
		snprintf(out, cap, "%.1f", value);
}

/* Whether there is anything to draw: some value above zero, or a hidden one. */
static bool drawable(const struct chart_bar *bars, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bars[i].hidden || bars[i].value > 0)
			return true;
	return false;
}

static void empty(struct buf *out, const struct chart *c)
{
	buf_adds(out, "<p class=\"nhsuk-body wm-chart-empty\">");
	esc(out, c->empty ? c->empty : "There is nothing to chart.");
	buf_adds(out, "</p>\n");
}

/* A round axis: the step (1, 2 or 5 times a power of ten) that divides
 * the largest value into at most 5 parts, and the top of the axis. */
static void scale(const struct chart_bar *bars, size_t n, double *step, double *top)
{
	double max = 0;
	for (size_t i = 0; i < n; i++)
		if (!bars[i].hidden && bars[i].value > max)
			max = bars[i].value;
	if (max <= 0) {
		*step = 1;
		*top = 1;
		return;
	}
	double raw = max / 5, mag = 1;
	while (mag * 10 <= raw)
		mag *= 10;
	while (mag > raw && mag > 1e-6)
		mag /= 10;
	double s = raw <= mag	    ? mag
		   : raw <= 2 * mag ? 2 * mag
		   : raw <= 5 * mag ? 5 * mag
				    : 10 * mag;
	if (s < 1)
		s = 1; /* counts and days: whole steps read best */
	long long parts = (long long)(max / s);
	if ((double)parts * s < max)
		parts++;
	*step = s;
	*top = (double)parts * s;
}

/* <svg> with its name and description. */
static void open_svg(struct buf *out, const struct chart *c, double w, double h)
{
	buf_addf(out,
		 "<svg class=\"wm-chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
		 "focusable=\"false\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		 "aria-labelledby=\"",
		 w, h, w, h);
	esc(out, c->id);
	buf_adds(out, "-title ");
	esc(out, c->id);
	buf_adds(out, "-desc\"><title id=\"");
	esc(out, c->id);
	buf_adds(out, "-title\">");
	esc(out, c->title);
	buf_adds(out, "</title><desc id=\"");
	esc(out, c->id);
	buf_adds(out, "-desc\">");
	esc(out, c->desc);
	buf_adds(out, "</desc>\n");
}

static void text(struct buf *out, double x, double y, const char *anchor, const char *cls,
		 const char *s)
{
	buf_addf(out,
		 "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"" INK
		 "\" " FONT ">",
		 cls, x, y, anchor);
	esc(out, s);
	buf_adds(out, "</text>\n");
}

static void line(struct buf *out, const char *cls, const char *colour, double x1, double y1,
		 double x2, double y2)
{
	buf_addf(out,
		 "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		 "stroke=\"%s\" stroke-width=\"1\"/>\n",
		 cls, x1, y1, x2, y2, colour);
}

static void rect(struct buf *out, bool marked, double x, double y, double w, double h)
{
	buf_addf(out,
		 "<rect class=\"wm-chart__bar%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		 "height=\"%.1f\" fill=\"" BAR "\"%s/>\n",
		 marked ? " wm-chart__bar--marked" : "", x, y, w, h,
		 marked ? " stroke=\"" INK "\" stroke-width=\"3\"" : "");
}

bool chart_columns(struct buf *out, const struct chart *c, const struct chart_bar *bars, size_t n)
{
	assert(out && c && (bars || n == 0));
	if (!drawable(bars, n)) {
		empty(out, c);
		return false;
	}
	double step, top;
	scale(bars, n, &step, &top);
	const double plot_w = COL_W - COL_LEFT - COL_RIGHT;
	const double base = COL_TOP + COL_PLOT_H;
	open_svg(out, c, COL_W, base + COL_BOTTOM);
	char num[32];
	/* The value axis: gridlines at each step, labelled. */
	for (double t = 0; t <= top + step / 2; t += step) {
		double y = base - t / top * COL_PLOT_H;
		line(out, "wm-chart__grid", GRID, COL_LEFT, y, COL_LEFT + plot_w, y);
		chart_number(t, num, sizeof num);
		text(out, COL_LEFT - 6, y + 4, "end", "wm-chart__tick", num);
	}
	text(out, COL_LEFT, COL_TOP - 14, "start", "wm-chart__unit", c->unit);
	line(out, "wm-chart__axis", INK, COL_LEFT, COL_TOP, COL_LEFT, base);
	line(out, "wm-chart__axis", INK, COL_LEFT, base, COL_LEFT + plot_w, base);
	const double band = plot_w / (double)n;
	double bw = band * 0.6;
	if (bw > 60)
		bw = 60;
	/* Labels that would overlap are left out: every few columns keep one. */
	size_t every = 1;
	while (band * (double)every < COL_LABEL_W)
		every++;
	for (size_t i = 0; i < n; i++) {
		double mid = COL_LEFT + band * ((double)i + 0.5);
		if (bars[i].hidden) {
			text(out, mid, base - 6, "middle", "wm-chart__value", "hidden");
		} else {
			double h = bars[i].value > 0 ? bars[i].value / top * COL_PLOT_H : 0;
			if (h > 0)
				rect(out, bars[i].marked, mid - bw / 2, base - h, bw, h);
			chart_number(bars[i].value, num, sizeof num);
			text(out, mid, base - h - 6, "middle", "wm-chart__value", num);
		}
		if (i % every == 0)
			text(out, mid, base + 18, "middle", "wm-chart__label", bars[i].label);
	}
	buf_adds(out, "</svg>\n");
	return true;
}

bool chart_distribution(struct buf *out, const struct chart *c, const struct chart_bar *bars,
			size_t n)
{
	assert(out && c && (bars || n == 0));
	if (!drawable(bars, n)) {
		empty(out, c);
		return false;
	}
	double step, top;
	scale(bars, n, &step, &top);
	const double base = DIST_TOP + DIST_ROW * (double)n;
	open_svg(out, c, DIST_W, base + DIST_BOTTOM);
	char num[32];
	/* The count axis, along the bottom. */
	for (double t = 0; t <= top + step / 2; t += step) {
		double x = DIST_LABEL + t / top * DIST_PLOT_W;
		line(out, "wm-chart__grid", GRID, x, DIST_TOP, x, base);
		chart_number(t, num, sizeof num);
		text(out, x, base + 18, "middle", "wm-chart__tick", num);
	}
	text(out, DIST_LABEL, DIST_TOP - 14, "start", "wm-chart__unit", c->unit);
	line(out, "wm-chart__axis", INK, DIST_LABEL, DIST_TOP, DIST_LABEL, base);
	line(out, "wm-chart__axis", INK, DIST_LABEL, base, DIST_LABEL + DIST_PLOT_W, base);
	for (size_t i = 0; i < n; i++) {
		double y = DIST_TOP + DIST_ROW * (double)i;
		double mid = y + DIST_ROW / 2 + 4;
		text(out, DIST_LABEL - 8, mid, "end", "wm-chart__label", bars[i].label);
		double w = 0;
		if (bars[i].hidden) {
			snprintf(num, sizeof num, "hidden");
		} else {
			w = bars[i].value > 0 ? bars[i].value / top * DIST_PLOT_W : 0;
			if (w > 0)
				rect(out, bars[i].marked, DIST_LABEL, y + (DIST_ROW - DIST_BAR) / 2,
				     w, DIST_BAR);
			chart_number(bars[i].value, num, sizeof num);
		}
		if (bars[i].marked) {
			/* The word, not only the outline, says which range it is. */
			size_t used = strlen(num);
			snprintf(num + used, sizeof num - used, " (median)");
		}
		text(out, DIST_LABEL + w + 8, mid, "start",
		     bars[i].marked ? "wm-chart__value wm-chart__value--marked" : "wm-chart__value",
		     num);
	}
	buf_adds(out, "</svg>\n");
	return true;
}
