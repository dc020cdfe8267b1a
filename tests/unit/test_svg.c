/* Unit tests for render/svg: escaping of hostile text, numbers that do not
 * depend on the locale, a known record drawing its expected marks, and an
 * empty record drawing an empty axis with a plain sentence. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "domain/date.h"
#include "render/svg.h"

static char *escaped(const char *s)
{
	struct buf b = BUF_INIT;
	svg_escape(&b, s);
	return buf_take(&b, NULL);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void escapes_hostile_text(void **state)
{
	(void)state;
	char *s = escaped("</title><script>alert('x')</script> & \"q\"");
	assert_string_equal(s, "&lt;/title&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; "
			       "&amp; &quot;q&quot;");
	free(s);
	/* Controls XML cannot carry are dropped; tabs, newlines and UTF-8 stay. */
	s = escaped("a\x01\x1b[31mb\tc\nd \xc3\xa9");
	assert_string_equal(s, "a[31mb\tc\nd \xc3\xa9");
	free(s);
	s = escaped(NULL);
	assert_string_equal(s, "");
	free(s);
}

static char *num(double v)
{
	struct buf b = BUF_INIT;
	svg_num(&b, v);
	return buf_take(&b, NULL);
}

static void numbers_without_locale(void **state)
{
	(void)state;
	/* A locale with a decimal comma, where the machine has one. */
	const char *with_comma = setlocale(LC_NUMERIC, "de_DE.UTF-8");
	const struct {
		double v;
		const char *want;
	} cases[] = {
	    {12, "12"},	  {12.5, "12.5"},    {-3.25, "-3.3"},	   {0.04, "0"},
	    {-0.04, "0"}, {0.06, "0.1"},     {1e12, "1000000000"}, {-1e12, "-1000000000"},
	    {760, "760"}, {334.44, "334.4"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = num(cases[i].v);
		assert_string_equal(s, cases[i].want);
		free(s);
	}
	if (with_comma)
		setlocale(LC_NUMERIC, "C");
}

static char *draw(const struct svg_event *ev, size_t n, int today, const char *title)
{
	struct buf b = BUF_INIT;
	struct svg_timeline t = {.title = title,
				 .desc = "What the picture shows.",
				 .id = "tl",
				 .today = today,
				 .events = ev,
				 .n = n};
	svg_timeline(&b, &t);
	return buf_take(&b, NULL);
}

static void known_record_draws_its_marks(void **state)
{
	(void)state;
	int d = date_from_ymd(2026, 10, 1), today = date_from_ymd(2026, 12, 2);
	struct svg_event ev[] = {
	    {.day = d, .lane = SVG_LANE_NRM, .mark = SVG_MARK_DECISION, .label = "Referred"},
	    {.day = d + 5,
	     .lane = SVG_LANE_REGISTRATIONS,
	     .mark = SVG_MARK_PROBLEM,
	     .label = "GP refused"},
	    {.day = d + 6,
	     .lane = SVG_LANE_REGISTRATIONS,
	     .mark = SVG_MARK_DONE,
	     .label = "GP registered"},
	    {.day = d + 10,
	     .lane = SVG_LANE_APPOINTMENTS,
	     .mark = SVG_MARK_CANCELLED,
	     .label = "Cancelled by a third party <b>"},
	    {.day = d + 12,
	     .end = d + 40,
	     .lane = SVG_LANE_REFERRALS,
	     .mark = SVG_MARK_WAIT,
	     .label = "Counselling: first seen after 28 days"},
	    {.day = d + 20,
	     .end = today,
	     .open = true,
	     .lane = SVG_LANE_REFERRALS,
	     .mark = SVG_MARK_WAIT,
	     .label = "Mental health: still waiting"},
	    {.day = today + 3,
	     .lane = SVG_LANE_APPOINTMENTS,
	     .mark = SVG_MARK_PLANNED,
	     .label = "GP, booked"},
	};
	char *s = draw(ev, sizeof ev / sizeof ev[0], today, "Journey");
	assert_non_null(s);
	/* One picture, named by its title and described. */
	assert_int_equal(count(s, "<svg"), 1);
	assert_non_null(strstr(s, "role=\"img\""));
	assert_non_null(strstr(s, "aria-labelledby=\"tl-title tl-desc\""));
	assert_non_null(strstr(s, "<title id=\"tl-title\">Journey</title>"));
	assert_non_null(strstr(s, "<desc id=\"tl-desc\">What the picture shows.</desc>"));
	assert_null(strstr(s, "style="));
	/* Each mark in a group with its label; hostile text escaped. */
	assert_int_equal(count(s, "<g class=\"wm-tl-mark\">"), 7);
	assert_non_null(strstr(s, "<title>Cancelled by a third party &lt;b&gt;</title>"));
	assert_null(strstr(s, "<b>"));
	/* The lanes with events, and only those. */
	assert_non_null(strstr(s, ">NRM</text>"));
	assert_non_null(strstr(s, ">Registrations</text>"));
	assert_non_null(strstr(s, ">Appointments</text>"));
	assert_non_null(strstr(s, ">Referrals</text>"));
	assert_null(strstr(s, ">Asylum</text>"));
	/* Two waits as bars (plus the legend's), the open one with an arrow. */
	assert_int_equal(count(s, "<rect"), 3);
	assert_non_null(strstr(s, ">Today</text>"));
	/* Months on the axis: the first with its year. */
	assert_non_null(strstr(s, ">Oct 2026</text>"));
	assert_non_null(strstr(s, ">Dec</text>"));
	/* Shapes say what colour says: a legend names each. */
	assert_non_null(strstr(s, "Refused, missed or negative"));
	assert_non_null(strstr(s, "Cancelled</text>"));
	free(s);
}

static void empty_record_draws_an_empty_axis(void **state)
{
	(void)state;
	int today = date_from_ymd(2026, 12, 2);
	char *s = draw(NULL, 0, today, "Journey");
	assert_non_null(s);
	assert_non_null(strstr(s, "role=\"img\""));
	assert_non_null(strstr(s, "<title id=\"tl-title\">Journey</title>"));
	assert_non_null(strstr(s, "Nothing to show yet: dates appear here as the record is filled "
				  "in."));
	assert_non_null(strstr(s, ">Today</text>"));
	assert_null(strstr(s, "wm-tl-mark"));
	assert_null(strstr(s, ">NRM</text>"));
	free(s);
	/* Events without a day draw nothing either. */
	struct svg_event ev = {
	    .day = SVG_NO_DAY, .lane = SVG_LANE_NRM, .mark = SVG_MARK_DONE, .label = "x"};
	s = draw(&ev, 1, today, "Journey");
	assert_non_null(strstr(s, "Nothing to show yet"));
	free(s);
}

static void lane_names(void **state)
{
	(void)state;
	assert_string_equal(svg_lane_name(SVG_LANE_NRM), "NRM");
	assert_string_equal(svg_lane_name(SVG_LANE_REFERRALS), "Referrals");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(escapes_hostile_text),
	    cmocka_unit_test(numbers_without_locale),
	    cmocka_unit_test(known_record_draws_its_marks),
	    cmocka_unit_test(empty_record_draws_an_empty_axis),
	    cmocka_unit_test(lane_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
