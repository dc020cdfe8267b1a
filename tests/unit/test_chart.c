/* Unit tests for render/chart: escaping, the bars a known series draws,
 * the empty sentence, hidden values and the median's mark. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "render/chart.h"

static const struct chart about = {"c1", "Survivors <b>month</b> & \"more\"",
				   "One bar a month's <cohort>", "survivors",
				   "No survivors in this period."};

static char *draw(bool columns, const struct chart *c, const struct chart_bar *bars, size_t n,
		  bool *drawn)
{
	struct buf b = BUF_INIT;
	*drawn = columns ? chart_columns(&b, c, bars, n) : chart_distribution(&b, c, bars, n);
	char *s = buf_take(&b, NULL);
	assert_non_null(s);
	return s;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void every_text_is_escaped(void **state)
{
	(void)state;
	struct chart c = about;
	c.id = "x\"><script>";
	c.unit = "<i>people</i>";
	const struct chart_bar bars[] = {{"<script>alert(1)</script>", 2, false, false},
					 {"Tom & Jerry's", 1, false, true}};
	for (int columns = 0; columns < 2; columns++) {
		bool drawn;
		char *s = draw(columns, &c, bars, 2, &drawn);
		assert_true(drawn);
		assert_null(strstr(s, "<script>"));
		assert_null(strstr(s, "<b>"));
		assert_null(strstr(s, "<i>"));
		assert_null(strstr(s, "<cohort>"));
		assert_non_null(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;"));
		assert_non_null(strstr(s, "Tom &amp; Jerry&#39;s"));
		assert_non_null(
		    strstr(s, "<title id=\"x&quot;&gt;&lt;script&gt;-title\">Survivors &lt;b&gt;"
			      "month&lt;/b&gt; &amp; &quot;more&quot;</title>"));
		/* The CSP forbids style attributes: none is written. */
		assert_null(strstr(s, "style="));
		free(s);
	}
}

static void a_known_series_draws_its_bars(void **state)
{
	(void)state;
	const struct chart_bar bars[] = {{"Jan 2026", 3, false, false},
					 {"Feb 2026", 0, false, false},
					 {"Mar 2026", 6, false, false}};
	bool drawn;
	char *s = draw(true, &about, bars, 3, &drawn);
	assert_true(drawn);
	assert_int_equal(strncmp(s, "<svg ", 5), 0);
	assert_non_null(strstr(s, "role=\"img\""));
	assert_non_null(strstr(s, "aria-labelledby=\"c1-title c1-desc\""));
	assert_non_null(
	    strstr(s, "<desc id=\"c1-desc\">One bar a month&#39;s &lt;cohort&gt;</desc>"));
	/* A zero draws no bar, only its value; 6 is the top of the axis (steps of
	 * 2), so it fills the plot's 200 units and 3 half of them. */
	assert_int_equal(count(s, "<rect class=\"wm-chart__bar\""), 2);
	assert_non_null(strstr(s, "height=\"100.0\""));
	assert_non_null(strstr(s, "height=\"200.0\""));
	assert_non_null(strstr(s, ">Feb 2026</text>"));
	assert_non_null(strstr(s, ">0</text>"));
	assert_non_null(strstr(s, ">6</text>"));
	assert_non_null(strstr(s, ">survivors</text>"));
	assert_int_equal(count(s, "</svg>"), 1);
	free(s);
}

static void nothing_to_chart_is_a_sentence(void **state)
{
	(void)state;
	const struct chart_bar zeros[] = {{"Jan 2026", 0, false, false},
					  {"Feb 2026", 0, false, false}};
	for (int columns = 0; columns < 2; columns++) {
		bool drawn = true;
		char *s = draw(columns, &about, zeros, 0, &drawn);
		assert_false(drawn);
		assert_string_equal(
		    s, "<p class=\"nhsuk-body wm-chart-empty\">No survivors in this period.</p>\n");
		free(s);
		s = draw(columns, &about, zeros, 2, &drawn);
		assert_false(drawn);
		assert_null(strstr(s, "<svg"));
		assert_non_null(strstr(s, "No survivors in this period."));
		free(s);
	}
}

static void hidden_values_say_so(void **state)
{
	(void)state;
	const struct chart_bar bars[] = {{"0 to 7 days", 0, true, false},
					 {"8 to 14 days", 12, false, false}};
	for (int columns = 0; columns < 2; columns++) {
		bool drawn;
		char *s = draw(columns, &about, bars, 2, &drawn);
		assert_true(drawn);
		assert_int_equal(count(s, "<rect "), 1);
		assert_int_equal(count(s, ">hidden</text>"), 1);
		free(s);
	}
	/* Only hidden values: still a chart of what is known (that they are hidden). */
	const struct chart_bar all_hidden[] = {{"0 to 7 days", 0, true, false}};
	bool drawn;
	char *s = draw(false, &about, all_hidden, 1, &drawn);
	assert_true(drawn);
	assert_int_equal(count(s, "<rect "), 0);
	free(s);
}

static void the_median_range_is_marked_in_words(void **state)
{
	(void)state;
	const struct chart_bar bars[] = {{"0 to 7 days", 4, false, false},
					 {"8 to 14 days", 10, false, true},
					 {"15 to 28 days", 2, false, false}};
	bool drawn;
	char *s = draw(false, &about, bars, 3, &drawn);
	assert_true(drawn);
	assert_int_equal(count(s, "<rect "), 3);
	assert_int_equal(count(s, "wm-chart__bar--marked"), 1);
	assert_non_null(strstr(s, ">10 (median)</text>"));
	assert_int_equal(count(s, "(median)"), 1);
	/* 10 is the axis's top (steps of 2): the bar fills the plot's 360 units. */
	assert_non_null(strstr(s, "width=\"360.0\""));
	free(s);
}

static void numbers_are_whole_or_one_place(void **state)
{
	(void)state;
	char t[32];
	chart_number(12, t, sizeof t);
	assert_string_equal(t, "12");
	chart_number(12.5, t, sizeof t);
	assert_string_equal(t, "12.5");
	chart_number(0, t, sizeof t);
	assert_string_equal(t, "0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_text_is_escaped),
	    cmocka_unit_test(a_known_series_draws_its_bars),
	    cmocka_unit_test(nothing_to_chart_is_a_sentence),
	    cmocka_unit_test(hidden_values_say_so),
	    cmocka_unit_test(the_median_range_is_marked_in_words),
	    cmocka_unit_test(numbers_are_whole_or_one_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
