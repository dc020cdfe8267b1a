/* Unit tests for domain/report: rounding, medians, suppression, buckets, CSV
 * cells; and the plain column of a plan's goals (COLUMN_GOALS) the report
 * counts them by. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "domain/report.h"
#include "store/codec.h"

static void rounding(void **state)
{
	(void)state;
	assert_true(report_round(2.0 / 3.0, 4) == 0.6667);
	assert_true(report_round(1.0 / 3.0, 4) == 0.3333);
	assert_true(report_round(0.81, 4) == 0.81);
	assert_true(report_round(12.25, 1) == 12.3); /* half away from zero */
	assert_true(report_round(1.0, 4) == 1.0);
	assert_true(report_round(0.0, 4) == 0.0);
}

static void small_numbers(void **state)
{
	(void)state;
	assert_false(report_small(0));
	for (int n = 1; n <= 4; n++)
		assert_true(report_small(n));
	assert_false(report_small(5));
	assert_true(report_shown(3, false));
	assert_false(report_shown(3, true));
	assert_true(report_shown(0, true));
	assert_true(report_shown(5, true));
}

static void counts(void **state)
{
	(void)state;
	struct report_figure f = report_count(3, true);
	assert_true(f.suppressed);
	assert_false(f.has_value);
	f = report_count(3, false);
	assert_false(f.suppressed);
	assert_true(f.has_value && f.value == 3);
	f = report_count(0, true);
	assert_false(f.suppressed);
	assert_true(f.has_value && f.value == 0);
	f = report_count(5, true);
	assert_true(f.has_value && f.value == 5 && !f.suppressed);
	assert_false(f.has_num || f.has_den);
}

static void rates(void **state)
{
	(void)state;
	struct report_figure f = report_rate(81, 100, true);
	assert_true(f.has_value && f.value == 0.81);
	assert_true(f.has_num && f.numerator == 81 && f.has_den && f.denominator == 100);
	assert_false(f.suppressed);
	/* A zero denominator: no value, not suppressed, the counts shown. */
	f = report_rate(0, 0, true);
	assert_false(f.has_value);
	assert_false(f.suppressed);
	assert_true(f.has_num && f.numerator == 0 && f.has_den && f.denominator == 0);
	/* A small numerator or denominator hides all three. */
	f = report_rate(4, 100, true);
	assert_true(f.suppressed);
	assert_false(f.has_value || f.has_num || f.has_den);
	f = report_rate(0, 3, true);
	assert_true(f.suppressed);
	f = report_rate(0, 5, true);
	assert_false(f.suppressed);
	assert_true(f.has_value && f.value == 0.0);
	/* A manager's: exact. */
	f = report_rate(1, 3, false);
	assert_false(f.suppressed);
	assert_true(f.value == 0.3333);
	f = report_rate(2, 3, false);
	assert_true(f.value == 0.6667);
}

static void medians(void **state)
{
	(void)state;
	int odd[] = {181, 30, 40};
	struct report_figure f = report_median(odd, 3, false);
	assert_true(f.has_value && f.value == 40.0);
	assert_true(f.has_count && f.count == 3);
	assert_int_equal(odd[0], 30); /* sorted in place */
	int even[] = {35, 30};
	f = report_median(even, 2, false);
	assert_true(f.value == 32.5);
	int even4[] = {1, 2, 3, 10, 7, 9};
	f = report_median(even4, 6, false);
	assert_true(f.value == 5.0); /* (3 + 7) / 2 */
	int one[] = {14};
	f = report_median(one, 1, false);
	assert_true(f.value == 14.0);
	f = report_median(NULL, 0, true);
	assert_false(f.has_value);
	assert_false(f.suppressed);
	assert_true(f.has_count && f.count == 0);
	/* An analyst's median of 1 to 4 values is suppressed, 5 are shown. */
	int four[] = {1, 2, 3, 4};
	f = report_median(four, 4, true);
	assert_true(f.suppressed);
	assert_false(f.has_value || f.has_count);
	int five[] = {5, 1, 4, 2, 3};
	f = report_median(five, 5, true);
	assert_false(f.suppressed);
	assert_true(f.value == 3.0 && f.count == 5);
	int neg[] = {-3, -4};
	f = report_median(neg, 2, false);
	assert_true(f.value == -3.5);
}

static void answers_by_kind(void **state)
{
	(void)state;
	struct report_raw raw = {0};
	raw.num[RF_COHORT] = 5;
	raw.num[RF_GP_REGISTERED] = 4;
	raw.den[RF_GP_REGISTERED] = 5;
	assert_true(report_values_push(&raw.values[RF_DAYS_TO_GP], 10));
	assert_true(report_values_push(&raw.values[RF_DAYS_TO_GP], 20));
	struct report_figure f = report_answer(&raw, RF_COHORT, true);
	assert_true(f.kind == REPORT_COUNT && f.value == 5);
	f = report_answer(&raw, RF_GP_REGISTERED, false);
	assert_true(f.kind == REPORT_RATE && f.value == 0.8);
	f = report_answer(&raw, RF_DAYS_TO_GP, false);
	assert_true(f.kind == REPORT_MEDIAN && f.value == 15.0);
	report_raw_clear(&raw);
	assert_null(raw.values[RF_DAYS_TO_GP].v);
	/* Many values grow the list. */
	for (int i = 0; i < 1000; i++)
		assert_true(report_values_push(&raw.values[RF_MH_WAIT], 999 - i));
	f = report_answer(&raw, RF_MH_WAIT, true);
	assert_true(f.value == 499.5);
	report_raw_clear(&raw);
}

static void vocabulary(void **state)
{
	(void)state;
	/* The spec's figures first, in its order; every name once. */
	assert_string_equal(report_figures[0].name, "cohort");
	assert_string_equal(report_figures[REPORT_MAIN - 1].name, "cg_waiting_over_year");
	for (int i = 0; i < RF_COUNT; i++) {
		assert_non_null(report_figures[i].name);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(report_figures[i].name, report_figures[j].name);
	}
	assert_int_equal(report_reason_index("no_id"), 1);
	assert_int_equal(report_reason_index("other"), REPORT_REASONS - 1);
	assert_int_equal(report_reason_index("something new"), REPORT_REASONS - 1);
	assert_int_equal(report_reason_index(NULL), REPORT_REASONS - 1);
	/* A goal's _MET figure follows its _SET figure (sqlite_report.c relies on it). */
	assert_int_equal(RF_HOUSING_GOAL_MET, RF_HOUSING_GOAL_SET + 1);
	assert_int_equal(RF_SAFETY_GOAL_MET, RF_SAFETY_GOAL_SET + 1);
	assert_int_equal(RF_PURPOSE_GOAL_MET, RF_PURPOSE_GOAL_SET + 1);
	assert_int_equal(RF_EDUCATION_GOAL_MET, RF_EDUCATION_GOAL_SET + 1);
	int good = 0;
	for (int i = 0; i < REPORT_OUTCOMES; i++) {
		const struct report_outcome *o = &report_outcomes[i];
		assert_true(strcmp(o->evidence, "good") == 0 ||
			    strcmp(o->evidence, "partial") == 0);
		good += strcmp(o->evidence, "good") == 0;
		assert_true(o->nfigures > 0 && strlen(o->note) > 20);
	}
	assert_int_equal(good, 1); /* only access to medical treatment is well evidenced */
}

static void buckets(void **state)
{
	(void)state;
	int v[] = {-2, 0, 7, 8, 14, 15, 28, 29, 56, 57, 91, 92, 182, 183, 365, 366, 5000};
	int64_t c[REPORT_BUCKETS];
	report_distribution(v, sizeof v / sizeof v[0], c);
	int64_t want[REPORT_BUCKETS] = {3, 2, 2, 2, 2, 2, 2, 2};
	for (int b = 0; b < REPORT_BUCKETS; b++)
		assert_int_equal(c[b], want[b]);
	/* Buckets follow one another without a gap. */
	for (int b = 1; b < REPORT_BUCKETS; b++)
		assert_int_equal(report_buckets[b].from_days, report_buckets[b - 1].to_days + 1);
	assert_int_equal(report_buckets[REPORT_BUCKETS - 1].to_days, -1);
	report_distribution(NULL, 0, c);
	for (int b = 0; b < REPORT_BUCKETS; b++)
		assert_int_equal(c[b], 0);
}

static void number_cells(void **state)
{
	(void)state;
	char out[32];
	report_number_text(REPORT_RATE, true, 0.8, out, sizeof out);
	assert_string_equal(out, "0.8000");
	report_number_text(REPORT_MEDIAN, true, 40.0, out, sizeof out);
	assert_string_equal(out, "40.0");
	report_number_text(REPORT_COUNT, true, 12345.0, out, sizeof out);
	assert_string_equal(out, "12345");
	report_number_text(REPORT_RATE, false, 0.5, out, sizeof out);
	assert_string_equal(out, "");
}

static void csv_fields(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(report_csv_field("cohort", out, sizeof out), 6);
	assert_string_equal(out, "cohort");
	report_csv_field("a,b", out, sizeof out);
	assert_string_equal(out, "\"a,b\"");
	report_csv_field("say \"hi\"", out, sizeof out);
	assert_string_equal(out, "\"say \"\"hi\"\"\"");
	report_csv_field("two\r\nlines", out, sizeof out);
	assert_string_equal(out, "\"two\r\nlines\"");
	report_csv_field("", out, sizeof out);
	assert_string_equal(out, "");
	/* Too small: cut, NUL-terminated, and the length it needs answered. */
	char small[4];
	assert_int_equal(report_csv_field("a,bcdef", small, sizeof small), 9);
	assert_string_equal(small, "\"a,");
}

/* ---- the plan's goals as a plain column ---- */

static const struct kind_column goals_col = {"goals", "goal_domains", COLUMN_GOALS};

static void goal_column(const char *json, wm_err want, const char *text)
{
	json_t *body = json_loads(json, 0, NULL);
	assert_non_null(body);
	struct codec_value v;
	assert_int_equal(codec_item_column(body, &goals_col, &v), want);
	if (want == WM_OK && text) {
		assert_int_equal(v.type, CODEC_VALUE_TEXT);
		assert_string_equal(v.text, text);
	} else if (want == WM_OK) {
		assert_int_equal(v.type, CODEC_VALUE_NULL);
	}
	json_decref(body);
}

static void goals_as_a_set(void **state)
{
	(void)state;
	goal_column("{\"goals\": [{\"domain\": \"safety\", \"text\": \"x\", \"status\": \"open\"},"
		    " {\"domain\": \"housing\", \"text\": \"a flat\", \"status\": \"met\"},"
		    " {\"domain\": \"housing\", \"text\": \"another\", \"status\": \"met\"},"
		    " {\"domain\": \"education\", \"text\": \"English\"}]}",
		    WM_OK, ",education:open,housing:met,safety:open,");
	goal_column("{\"goals\": []}", WM_OK, ",");
	goal_column("{}", WM_OK, NULL);
	goal_column("{\"goals\": null}", WM_OK, NULL);
	/* Never the words: a goal's text is not in the column. */
	goal_column("{\"goals\": [{\"domain\": \"purpose\", \"text\": \"Secret words\"}]}", WM_OK,
		    ",purpose:open,");
	/* What does not fit is refused, never half-written. */
	goal_column("{\"goals\": {\"domain\": \"housing\"}}", WM_ERR_INVALID, NULL);
	goal_column("{\"goals\": [\"housing\"]}", WM_ERR_INVALID, NULL);
	goal_column("{\"goals\": [{\"text\": \"no domain\"}]}", WM_ERR_INVALID, NULL);
	goal_column("{\"goals\": [{\"domain\": \"a,b\"}]}", WM_ERR_INVALID, NULL);
	goal_column("{\"goals\": [{\"domain\": \"housing\", \"status\": 3}]}", WM_ERR_INVALID,
		    NULL);
}

static void every_goal_pair_fits(void **state)
{
	(void)state;
	static const char *const domains[] = {"health", "mental_health", "housing",   "safety",
					      "legal",	"finance",	 "education", "purpose",
					      "social", "independence"};
	static const char *const statuses[] = {"open", "met", "dropped"};
	json_t *goals = json_array();
	for (size_t d = 0; d < 10; d++)
		for (size_t s = 0; s < 3; s++)
			json_array_append_new(goals,
					      json_pack("{s:s, s:s, s:s}", "domain", domains[d],
							"text", "t", "status", statuses[s]));
	json_t *body = json_pack("{s:o}", "goals", goals);
	struct codec_value v;
	assert_int_equal(codec_item_column(body, &goals_col, &v), WM_OK);
	assert_non_null(strstr(v.text, ",independence:dropped,"));
	assert_non_null(strstr(v.text, ",mental_health:met,"));
	json_decref(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rounding),	      cmocka_unit_test(small_numbers),
	    cmocka_unit_test(counts),	      cmocka_unit_test(rates),
	    cmocka_unit_test(medians),	      cmocka_unit_test(answers_by_kind),
	    cmocka_unit_test(vocabulary),     cmocka_unit_test(buckets),
	    cmocka_unit_test(number_cells),   cmocka_unit_test(csv_fields),
	    cmocka_unit_test(goals_as_a_set), cmocka_unit_test(every_goal_pair_fits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
