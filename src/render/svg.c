/*
 * svg.c - the journey timeline as SVG, and its primitives (svg.h).
 *
 * Coordinates are in a fixed 760-wide viewBox that the page scales to its
 * column; heights follow the lanes drawn. Numbers go through svg_num, never
 * printf's %f, so a server started under another LC_NUMERIC still writes
 * "12.5" and not "12,5".
 */
#include "svg.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "../domain/date.h"

#define W	 760.0
#define LEFT	 124.0 /* the lanes' names sit left of this */
#define RIGHT	 16.0
#define TOP	 34.0 /* the month axis sits above this */
#define BAR_ROW	 18.0 /* a wait's own row */
#define PT_LANE	 36.0 /* a lane of marks (three staggered levels) */
#define LANE_PAD 12.0

#define INK    "#212b32"
#define GREY   "#4c6272"
#define RULE   "#d8dde0"
#define BLUE   "#005eb8"
#define GREEN  "#007f3b"
#define RED    "#d5281b"
#define AMBER  "#ffb81c"
#define PURPLE "#330072"

static const char *const lane_names[SVG_LANE_COUNT] = {
    "NRM", "Asylum", "Registrations", "Appointments", "Referrals",
};

const char *svg_lane_name(enum svg_lane lane)
{
	assert(lane >= 0 && lane < SVG_LANE_COUNT);
	return lane_names[lane];
}

void svg_escape(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		case '\'':
			buf_adds(b, "&#39;");
			break;
		default:
			/* XML 1.0 has no place for other control characters. */
			if (ch >= 0x20 || ch == '\t' || ch == '\n' || ch == '\r')
				buf_addc(b, (char)ch);
		}
	}
}

void svg_num(struct buf *b, double v)
{
	if (!(v == v)) /* NaN: nothing sensible to draw */
		v = 0;
	if (v > 1e9)
		v = 1e9;
	if (v < -1e9)
		v = -1e9;
	/* Rounded half away from zero, without libm. */
	long long tenths = (long long)(v * 10.0 + (v < 0 ? -0.5 : 0.5));
	if (tenths == 0) {
		buf_addc(b, '0');
		return;
	}
	if (tenths < 0) {
		buf_addc(b, '-');
		tenths = -tenths;
	}
	buf_addf(b, "%lld", tenths / 10);
	if (tenths % 10)
		buf_addf(b, ".%lld", tenths % 10);
}

/* ---- the timeline ---- */

struct frame {
	int d0, d1;		       /* the days at the plot's two ends */
	double lane_y[SVG_LANE_COUNT]; /* a lane's top, or -1 when not drawn */
	double lane_h[SVG_LANE_COUNT];
	double bottom; /* below the last lane */
};

static double x_of(const struct frame *f, int day)
{
	double span = (double)(f->d1 - f->d0);
	return LEFT + (double)(day - f->d0) * (W - LEFT - RIGHT) / span;
}

/* Appends name="v" for a number. */
static void attr(struct buf *b, const char *name, double v)
{
	buf_addf(b, " %s=\"", name);
	svg_num(b, v);
	buf_addc(b, '"');
}

static void text(struct buf *b, double x, double y, const char *anchor, const char *fill,
		 const char *s)
{
	buf_adds(b, "<text");
	attr(b, "x", x);
	attr(b, "y", y);
	buf_addf(b, " text-anchor=\"%s\" fill=\"%s\">", anchor, fill);
	svg_escape(b, s);
	buf_adds(b, "</text>");
}

static void line(struct buf *b, double x1, double y1, double x2, double y2, const char *stroke,
		 const char *extra)
{
	buf_adds(b, "<line");
	attr(b, "x1", x1);
	attr(b, "y1", y1);
	attr(b, "x2", x2);
	attr(b, "y2", y2);
	buf_addf(b, " stroke=\"%s\"%s/>", stroke, extra ? extra : "");
}

/* A polygon through n points (x, y pairs). */
static void polygon(struct buf *b, const double *pts, int n, const char *fill)
{
	buf_adds(b, "<path d=\"");
	for (int i = 0; i < n; i++) {
		buf_addc(b, i ? 'L' : 'M');
		svg_num(b, pts[2 * i]);
		buf_addc(b, ' ');
		svg_num(b, pts[2 * i + 1]);
	}
	buf_addf(b, "Z\" fill=\"%s\"/>", fill);
}

/* One mark's shape centred on (x, y). */
static void shape(struct buf *b, enum svg_mark m, double x, double y)
{
	switch (m) {
	case SVG_MARK_DONE:
		buf_adds(b, "<circle");
		attr(b, "cx", x);
		attr(b, "cy", y);
		buf_adds(b, " r=\"6\" fill=\"" GREEN "\"/>");
		break;
	case SVG_MARK_PLANNED:
		buf_adds(b, "<circle");
		attr(b, "cx", x);
		attr(b, "cy", y);
		buf_adds(b, " r=\"5.5\" fill=\"#ffffff\" stroke=\"" BLUE "\" stroke-width=\"2\"/>");
		break;
	case SVG_MARK_DECISION: {
		double p[] = {x, y - 7, x + 7, y, x, y + 7, x - 7, y};
		polygon(b, p, 4, BLUE);
		break;
	}
	case SVG_MARK_PROBLEM: {
		double p[] = {x, y - 7, x + 7.5, y + 6, x - 7.5, y + 6};
		polygon(b, p, 3, RED);
		break;
	}
	case SVG_MARK_CANCELLED:
		buf_adds(b, "<path d=\"M");
		svg_num(b, x - 5);
		buf_addc(b, ' ');
		svg_num(b, y - 5);
		buf_adds(b, "L");
		svg_num(b, x + 5);
		buf_addc(b, ' ');
		svg_num(b, y + 5);
		buf_adds(b, "M");
		svg_num(b, x + 5);
		buf_addc(b, ' ');
		svg_num(b, y - 5);
		buf_adds(b, "L");
		svg_num(b, x - 5);
		buf_addc(b, ' ');
		svg_num(b, y + 5);
		buf_adds(b, "\" stroke=\"" GREY "\" stroke-width=\"3\" fill=\"none\"/>");
		break;
	case SVG_MARK_WAIT:
	case SVG_MARK_COUNT:
		assert(!"a wait is drawn as a bar");
		break;
	}
}

/* A wait: a bar from x0 to x1, closed by a bar end, or open-ended by an
 * arrow when still waiting. */
static void bar(struct buf *b, double x0, double x1, double y, bool open)
{
	if (x1 < x0 + 2)
		x1 = x0 + 2;
	buf_adds(b, "<rect");
	attr(b, "x", x0);
	attr(b, "y", y - 5);
	attr(b, "width", x1 - x0);
	buf_adds(b, " height=\"10\" fill=\"" AMBER "\" stroke=\"" INK "\" stroke-width=\"1\"/>");
	if (open) {
		double p[] = {x1, y - 7, x1 + 8, y, x1, y + 7};
		polygon(b, p, 3, INK);
	} else {
		line(b, x1, y - 8, x1, y + 8, INK, " stroke-width=\"2\"");
	}
}

static void month_axis(struct buf *b, const struct frame *f, double bottom)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	double px_month = 30.44 * (W - LEFT - RIGHT) / (double)(f->d1 - f->d0);
	static const int steps[] = {1, 2, 3, 6, 12, 24, 60};
	int step = 60;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (px_month * steps[i] >= 60) {
			step = steps[i];
			break;
		}
	int y, m, d;
	date_to_ymd(f->d0, &y, &m, &d);
	/* The first tick: the first of a month on the step's grid, in view. */
	int mi = y * 12 + (m - 1) + (d > 1 ? 1 : 0);
	mi += (step - mi % step) % step;
	bool first = true;
	line(b, LEFT, TOP - 4, W - RIGHT, TOP - 4, GREY, NULL);
	for (int guard = 0; guard < 200; guard++, mi += step) {
		int day = date_from_ymd(mi / 12, mi % 12 + 1, 1);
		if (day > f->d1)
			break;
		double x = x_of(f, day);
		line(b, x, TOP - 8, x, bottom, RULE, NULL);
		char label[16];
		if (first || mi % 12 == 0)
			snprintf(label, sizeof label, "%s %d", mon[mi % 12], mi / 12);
		else
			snprintf(label, sizeof label, "%s", mon[mi % 12]);
		text(b, x, TOP - 14, "middle", INK, label);
		first = false;
	}
}

static void legend(struct buf *b, double y)
{
	static const struct {
		enum svg_mark m;
		const char *words;
	} items[] = {
	    {SVG_MARK_DONE, "Done, attended or registered"},
	    {SVG_MARK_DECISION, "Step or decision"},
	    {SVG_MARK_PROBLEM, "Refused, missed or negative"},
	    {SVG_MARK_CANCELLED, "Cancelled"},
	    {SVG_MARK_PLANNED, "Booked, still to come"},
	    {SVG_MARK_WAIT, "Waiting (arrow: still waiting)"},
	};
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
		double x = 12 + (double)(i % 3) * 250, yy = y + (double)(i / 3) * 22;
		if (items[i].m == SVG_MARK_WAIT)
			bar(b, x - 6, x + 10, yy, true);
		else
			shape(b, items[i].m, x, yy);
		text(b, x + (items[i].m == SVG_MARK_WAIT ? 24 : 14), yy + 4.5, "start", INK,
		     items[i].words);
	}
}

static void open_svg(struct buf *b, const struct svg_timeline *t, double h)
{
	const char *id = t->id ? t->id : "timeline";
	buf_adds(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"wm-chart wm-timeline\" "
		    "role=\"img\" viewBox=\"0 0 760 ");
	svg_num(b, h);
	buf_adds(b, "\" width=\"760\"");
	attr(b, "height", h);
	buf_adds(b, " aria-labelledby=\"");
	svg_escape(b, id);
	buf_adds(b, "-title ");
	svg_escape(b, id);
	buf_adds(b, "-desc\" font-family=\"Arial, sans-serif\" font-size=\"13\">");
	buf_adds(b, "<title id=\"");
	svg_escape(b, id);
	buf_adds(b, "-title\">");
	svg_escape(b, t->title);
	buf_adds(b, "</title><desc id=\"");
	svg_escape(b, id);
	buf_adds(b, "-desc\">");
	svg_escape(b, t->desc);
	buf_adds(b, "</desc>");
}

static void empty(struct buf *b, const struct svg_timeline *t)
{
	struct frame f = {.d0 = t->today - 45, .d1 = t->today + 45};
	double h = TOP + 70;
	open_svg(b, t, h);
	month_axis(b, &f, TOP + 8);
	double x = x_of(&f, t->today);
	line(b, x, TOP - 8, x, TOP + 8, PURPLE, " stroke-width=\"2\"");
	text(b, x, TOP + 24, "middle", PURPLE, "Today");
	text(b, W / 2, TOP + 54, "middle", INK,
	     "Nothing to show yet: dates appear here as the record is filled in.");
	buf_adds(b, "</svg>");
}

/* The days the picture spans: every event and today, with a margin. */
static void span(const struct svg_timeline *t, struct frame *f)
{
	int lo = t->today;
	int hi = lo;
	for (size_t i = 0; i < t->n; i++) {
		const struct svg_event *e = &t->events[i];
		if (e->day < lo)
			lo = e->day;
		if (e->day > hi)
			hi = e->day;
		if (e->mark == SVG_MARK_WAIT && e->end != SVG_NO_DAY && e->end > hi)
			hi = e->end;
	}
	int margin = (hi - lo) / 20 + 4;
	f->d0 = lo - margin;
	f->d1 = hi + margin;
	if (f->d1 - f->d0 < 30)
		f->d1 = f->d0 + 30;
}

void svg_timeline(struct buf *out, const struct svg_timeline *t)
{
	assert(t && (t->events || t->n == 0));
	size_t shown = 0;
	for (size_t i = 0; i < t->n; i++)
		shown += t->events[i].day != SVG_NO_DAY;
	if (shown == 0) {
		empty(out, t);
		return;
	}
	struct frame f;
	span(t, &f);
	/* Each lane with events: a row per wait, or one of staggered marks. */
	int bars[SVG_LANE_COUNT] = {0}, marks[SVG_LANE_COUNT] = {0};
	for (size_t i = 0; i < t->n; i++) {
		const struct svg_event *e = &t->events[i];
		if (e->day == SVG_NO_DAY)
			continue;
		if (e->mark == SVG_MARK_WAIT)
			bars[e->lane]++;
		else
			marks[e->lane]++;
	}
	double y = TOP;
	for (int l = 0; l < SVG_LANE_COUNT; l++) {
		f.lane_y[l] = -1;
		if (!bars[l] && !marks[l])
			continue;
		f.lane_y[l] = y;
		f.lane_h[l] =
		    bars[l] ? bars[l] * BAR_ROW + LANE_PAD + (marks[l] ? BAR_ROW : 0) : PT_LANE;
		y += f.lane_h[l];
	}
	f.bottom = y;
	double h = f.bottom + 30 + 56;
	open_svg(out, t, h);
	month_axis(out, &f, f.bottom);
	for (int l = 0; l < SVG_LANE_COUNT; l++) {
		if (f.lane_y[l] < 0)
			continue;
		line(out, LEFT, f.lane_y[l] + f.lane_h[l], W - RIGHT, f.lane_y[l] + f.lane_h[l],
		     RULE, NULL);
		text(out, LEFT - 10, f.lane_y[l] + f.lane_h[l] / 2 + 4.5, "end", INK,
		     lane_names[l]);
	}
	double tx = x_of(&f, t->today);
	line(out, tx, TOP - 4, tx, f.bottom + 4, PURPLE,
	     " stroke-width=\"2\" stroke-dasharray=\"5 3\"");
	text(out, tx, f.bottom + 18, "middle", PURPLE, "Today");

	int bar_row[SVG_LANE_COUNT] = {0};
	double last_x[SVG_LANE_COUNT];
	int level[SVG_LANE_COUNT] = {0};
	for (int l = 0; l < SVG_LANE_COUNT; l++)
		last_x[l] = -1000;
	for (size_t i = 0; i < t->n; i++) {
		const struct svg_event *e = &t->events[i];
		if (e->day == SVG_NO_DAY)
			continue;
		double top = f.lane_y[e->lane], x = x_of(&f, e->day), cy;
		buf_adds(out, "<g class=\"wm-tl-mark\"><title>");
		svg_escape(out, e->label);
		buf_adds(out, "</title>");
		if (e->mark == SVG_MARK_WAIT) {
			cy = top + LANE_PAD / 2 + (bar_row[e->lane]++ + 0.5) * BAR_ROW;
			int end = e->end == SVG_NO_DAY ? t->today : e->end;
			bar(out, x, x_of(&f, end), cy, e->open);
		} else {
			/* Marks close together step up and down so none hides another. */
			int l = e->lane;
			level[l] = x - last_x[l] < 14 ? (level[l] + 1) % 3 : 0;
			last_x[l] = x;
			double mid =
			    bars[l] ? top + f.lane_h[l] - BAR_ROW / 2 - 2 : top + f.lane_h[l] / 2;
			cy = mid + (level[l] == 1 ? -9 : level[l] == 2 ? 9 : 0);
			shape(out, e->mark, x, cy);
		}
		buf_adds(out, "</g>");
	}
	legend(out, f.bottom + 44);
	buf_adds(out, "</svg>");
}
