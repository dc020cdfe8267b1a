/*
 * svg.h - pictures drawn by the server as SVG markup: the survivor's
 * journey on one timeline (the record page), and the few primitives any
 * chart needs (escaped text, numbers written the same in every locale).
 *
 * The markup goes inside an HTML page, so it is one <svg> element with
 * role="img", a <title> and a <desc> it is labelled by, and no style
 * attribute (the page's Content-Security-Policy forbids inline styles):
 * colours are presentation attributes, and every kind of mark has its own
 * shape as well as its colour. Every text is escaped here; callers pass
 * plain text. Pure: no clock, no locale, no I/O.
 */
#ifndef WM_SVG_H
#define WM_SVG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "../util/buf.h"

#define SVG_NO_DAY INT_MIN

/* Appends s escaped for XML text and attribute values (& < > " '); bytes
 * that XML 1.0 cannot carry (controls other than tab and newlines) are
 * dropped. NULL appends nothing. */
void svg_escape(struct buf *b, const char *s);

/* Appends v with at most one decimal, '.' as the separator whatever the
 * locale, no exponent, no "-0" ("12", "12.5", "-3.2"); values beyond
 * +-1e9 are clamped (no picture is that large). */
void svg_num(struct buf *b, double v);

/* The rows of the timeline, top to bottom. */
enum svg_lane {
	SVG_LANE_NRM,
	SVG_LANE_ASYLUM,
	SVG_LANE_REGISTRATIONS,
	SVG_LANE_APPOINTMENTS,
	SVG_LANE_REFERRALS,
	SVG_LANE_COUNT,
};

/* What a mark says, each with its own shape (colour is never the only
 * signal; the legend names them). */
enum svg_mark {
	SVG_MARK_DONE,	    /* filled circle: done, attended, registered, positive */
	SVG_MARK_DECISION,  /* diamond: a step or decision of a process */
	SVG_MARK_PROBLEM,   /* triangle: refused, missed, negative */
	SVG_MARK_CANCELLED, /* cross: cancelled */
	SVG_MARK_PLANNED,   /* open circle: booked, not yet happened */
	SVG_MARK_WAIT,	    /* bar from day to end: a referral's wait */
	SVG_MARK_COUNT,
};

/* One fact on the timeline. label is plain text (a title shown on hover);
 * the caller keeps the same facts in a table beside the picture. */
struct svg_event {
	int day;   /* day number (domain/date.h) */
	int end;   /* SVG_MARK_WAIT: the wait's last day (today while waiting) */
	bool open; /* SVG_MARK_WAIT: still waiting (drawn with an open end) */
	enum svg_lane lane;
	enum svg_mark mark;
	const char *label;
};

struct svg_timeline {
	const char *title;		/* the picture's name (<title>), plain text */
	const char *desc;		/* what it shows, in a sentence (<desc>) */
	const char *id;			/* prefix of the element ids ("timeline") */
	int today;			/* drawn as a line, and the axis reaches it */
	const struct svg_event *events; /* in date order (marks close together are staggered) */
	size_t n;
};

/* Appends the timeline as one <svg> element: a month axis, one row per
 * lane that has events, a line for today, the legend. With no events, an
 * axis around today and a plain sentence saying there is nothing yet. */
void svg_timeline(struct buf *out, const struct svg_timeline *t);

/* The name of a lane as the picture and its table say it ("Referrals"). */
const char *svg_lane_name(enum svg_lane lane);

#endif
