/* Unit tests for domain/anonymise: k-anonymity by suppression on a skewed
 * generated cohort, its determinism, and the coarsening of ages and dates
 * (birthdays, leap days, unknown births, months). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/anonymise.h"
#include "domain/date.h"

#define COHORT 400

/* A small deterministic generator (an LCG), so every run sees one cohort. */
static uint32_t rnd_state;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) & 0xffffff;
}

/* Picks from values with the given weights (percent, summing to 100). */
static const char *pick(const char *const *values, const int *weights)
{
	int r = (int)(rnd() % 100), acc = 0;
	for (int i = 0;; i++) {
		acc += weights[i];
		if (r < acc || !values[i + 1])
			return values[i];
	}
}

/* A cohort skewed as a UK agency's is: a few nationalities and
 * exploitation types make most of it, and a long tail of rare ones. */
static void cohort(struct anon_row *rows, size_t n, uint32_t seed)
{
	static const char *const ages[] = {"15--19 Minor",
					   "15--19 Adult",
					   "20--24 Adult",
					   "25--29 Adult",
					   "30--34 Adult",
					   "35--39 Adult",
					   "40--44 Adult",
					   "45--49 Adult",
					   "65+ Adult",
					   "",
					   NULL};
	static const int age_w[] = {4, 10, 25, 22, 15, 10, 6, 4, 1, 3};
	static const char *const genders[] = {"female", "male", "non_binary", "not_stated", NULL};
	static const int gender_w[] = {60, 35, 3, 2};
	static const char *const nats[] = {"AL", "VN", "GB", "RO", "ER", "SD", "PL", "NG",
					   "CN", "IN", "EG", "BR", "UA", "",   NULL};
	static const int nat_w[] = {38, 22, 14, 8, 5, 3, 2, 2, 1, 1, 1, 1, 1, 1};
	static const char *const types[] = {
	    "sexual",	       "labour", "domestic_servitude",	      "criminal", "labour;sexual",
	    "criminal;labour", "other",	 "domestic_servitude;sexual", "",	  NULL};
	static const int type_w[] = {38, 28, 10, 9, 5, 4, 2, 2, 2};
	static const char *const months[] = {"2025-01", "2025-04", "2025-07", "2025-10",
					     "2026-01", "2026-04", NULL};
	static const int month_w[] = {10, 15, 20, 20, 20, 15};
	rnd_state = seed;
	memset(rows, 0, n * sizeof *rows);
	for (size_t i = 0; i < n; i++) {
		rows[i].qi[ANON_AGE] = pick(ages, age_w);
		rows[i].qi[ANON_GENDER] = pick(genders, gender_w);
		rows[i].qi[ANON_NATIONALITY] = pick(nats, nat_w);
		rows[i].qi[ANON_EXPLOITATION] = pick(types, type_w);
		rows[i].qi[ANON_REGISTERED] = pick(months, month_w);
	}
}

static bool same_cells(const struct anon_row *a, const struct anon_row *b)
{
	for (int q = 0; q < ANON_QI_COUNT; q++) {
		if (a->hidden[q] != b->hidden[q])
			return false;
		if (!a->hidden[q] && strcmp(a->qi[q], b->qi[q]) != 0)
			return false;
	}
	return true;
}

/* k-anonymity checked the slow, obvious way: every published row has at
 * least k published rows (itself included) showing exactly what it shows. */
static void assert_k_anonymous(const struct anon_row *rows, size_t n, int k)
{
	for (size_t i = 0; i < n; i++) {
		if (rows[i].dropped)
			continue;
		int same = 0;
		for (size_t j = 0; j < n; j++)
			if (!rows[j].dropped && same_cells(&rows[i], &rows[j]))
				same++;
		assert_true(same >= k);
	}
}

/* Anonymises a fresh cohort and checks what the export promises. */
static void holds_for(int k)
{
	static struct anon_row rows[COHORT], before[COHORT];
	cohort(rows, COHORT, 42);
	memcpy(before, rows, sizeof rows);
	assert_true(anon_min_class(rows, COHORT) < (size_t)k); /* the test means something */
	struct anon_result res;
	assert_true(anon_k_anonymise(rows, COHORT, k, &res));
	assert_k_anonymous(rows, COHORT, k);
	assert_true(anon_min_class(rows, COHORT) >= (size_t)k);
	assert_true(res.cells_suppressed > 0);
	/* Most of the cohort is still there: suppression, not deletion. */
	assert_true(res.rows_dropped < COHORT / 10);
	size_t hidden = 0, dropped = 0;
	for (size_t i = 0; i < COHORT; i++) {
		dropped += rows[i].dropped;
		for (int q = 0; q < ANON_QI_COUNT; q++) {
			hidden += rows[i].hidden[q];
			/* Values are only ever hidden, never changed. */
			assert_ptr_equal(rows[i].qi[q], before[i].qi[q]);
		}
	}
	assert_int_equal(hidden, res.cells_suppressed);
	assert_int_equal(dropped, res.rows_dropped);
	/* A row already in a class of k or more is left as it was. */
	for (size_t i = 0; i < COHORT; i++) {
		int same = 0;
		for (size_t j = 0; j < COHORT; j++)
			same += same_cells(&before[i], &before[j]);
		if (same >= k) {
			assert_false(rows[i].dropped);
			for (int q = 0; q < ANON_QI_COUNT; q++)
				assert_false(rows[i].hidden[q]);
		}
	}
}

static void k_five_holds(void **state)
{
	(void)state;
	holds_for(5);
}

static void k_eleven_holds(void **state)
{
	(void)state;
	holds_for(ANON_K_PUBLIC);
}

/* A larger k never publishes more detail than a smaller one needed. */
static void larger_k_hides_more(void **state)
{
	(void)state;
	static struct anon_row a[COHORT], b[COHORT];
	cohort(a, COHORT, 7);
	cohort(b, COHORT, 7);
	struct anon_result ra, rb;
	assert_true(anon_k_anonymise(a, COHORT, 5, &ra));
	assert_true(anon_k_anonymise(b, COHORT, 11, &rb));
	assert_true(rb.cells_suppressed + rb.rows_dropped >= ra.cells_suppressed + ra.rows_dropped);
}

static void nothing_hidden_when_already_anonymous(void **state)
{
	(void)state;
	struct anon_row rows[12] = {0};
	for (size_t i = 0; i < 12; i++) {
		rows[i].qi[ANON_AGE] = i < 6 ? "20--24 Adult" : "30--34 Adult";
		rows[i].qi[ANON_GENDER] = "female";
		rows[i].qi[ANON_NATIONALITY] = i < 6 ? "AL" : "VN";
		rows[i].qi[ANON_EXPLOITATION] = "sexual";
		rows[i].qi[ANON_REGISTERED] = "2026-01";
	}
	struct anon_result res;
	assert_true(anon_k_anonymise(rows, 12, 5, &res));
	assert_int_equal(res.cells_suppressed, 0);
	assert_int_equal(res.rows_dropped, 0);
	for (size_t i = 0; i < 12; i++) {
		assert_false(rows[i].dropped);
		for (int q = 0; q < ANON_QI_COUNT; q++)
			assert_false(rows[i].hidden[q]);
	}
	/* Six is not enough for k = 11: the two classes merge by hiding the
	 * quasi-identifiers that tell them apart, and no more. */
	assert_true(anon_k_anonymise(rows, 12, 11, &res));
	assert_int_equal(res.rows_dropped, 0);
	assert_int_equal(anon_min_class(rows, 12), 12);
	for (size_t i = 0; i < 12; i++) {
		assert_false(rows[i].hidden[ANON_GENDER]);
		assert_false(rows[i].hidden[ANON_EXPLOITATION]);
	}
}

/* The greedy choice: the quasi-identifier with the most distinct values
 * among the rare rows, and its rarest value first. */
static void rarest_value_of_most_varied_goes_first(void **state)
{
	(void)state;
	struct anon_row rows[7] = {0};
	const char *nats[7] = {"AL", "AL", "AL", "AL", "VN", "ER", "SD"};
	for (size_t i = 0; i < 7; i++) {
		rows[i].qi[ANON_AGE] = "20--24 Adult";
		rows[i].qi[ANON_GENDER] = i == 6 ? "male" : "female";
		rows[i].qi[ANON_NATIONALITY] = nats[i];
		rows[i].qi[ANON_EXPLOITATION] = "sexual";
		rows[i].qi[ANON_REGISTERED] = "2026-01";
	}
	struct anon_result res;
	assert_true(anon_k_anonymise(rows, 7, 3, &res));
	/* Nationality varies most among VN, ER, SD (3 values against 2
	 * genders), and goes first; but the three can only make a class
	 * together, so gender must go too: six cells, the fewest possible. */
	assert_int_equal(anon_min_class(rows, 7), 3);
	for (size_t i = 0; i < 4; i++) /* AL's four are a class already: kept */
		for (int q = 0; q < ANON_QI_COUNT; q++)
			assert_false(rows[i].hidden[q]);
	for (size_t i = 4; i < 7; i++) {
		assert_true(rows[i].hidden[ANON_NATIONALITY]);
		assert_true(rows[i].hidden[ANON_GENDER]);
		assert_false(rows[i].hidden[ANON_AGE]);
		assert_false(rows[i].hidden[ANON_EXPLOITATION]);
		assert_false(rows[i].hidden[ANON_REGISTERED]);
	}
	assert_int_equal(res.rows_dropped, 0);
	assert_int_equal(res.cells_suppressed, 6);
}

static void too_few_are_dropped(void **state)
{
	(void)state;
	struct anon_row rows[3] = {
	    {.qi = {"20--24 Adult", "female", "AL", "sexual", "2026-01"}},
	    {.qi = {"20--24 Adult", "female", "AL", "sexual", "2026-01"}},
	    {.qi = {"40--44 Adult", "male", "VN", "labour", "2025-07"}},
	};
	struct anon_result res;
	assert_true(anon_k_anonymise(rows, 3, 5, &res));
	assert_int_equal(res.rows_dropped, 3);
	assert_int_equal(anon_min_class(rows, 3), 0);
	/* With no rows at all, there is nothing to do. */
	assert_true(anon_k_anonymise(rows, 0, 5, &res));
	assert_int_equal(res.rows_dropped, 0);
}

/* The rows published do not depend on the order they came in (the
 * store's order would otherwise say who came first). */
static void deterministic_whatever_the_order(void **state)
{
	(void)state;
	static struct anon_row a[COHORT], b[COHORT];
	cohort(a, COHORT, 99);
	memcpy(b, a, sizeof a);
	rnd_state = 1234;
	for (size_t i = COHORT - 1; i > 0; i--) { /* Fisher-Yates */
		size_t j = rnd() % (i + 1);
		struct anon_row t = b[i];
		b[i] = b[j];
		b[j] = t;
	}
	struct anon_result ra, rb;
	assert_true(anon_k_anonymise(a, COHORT, 5, &ra));
	assert_true(anon_k_anonymise(b, COHORT, 5, &rb));
	assert_int_equal(ra.cells_suppressed, rb.cells_suppressed);
	assert_int_equal(ra.rows_dropped, rb.rows_dropped);
	/* The same multiset of published rows: each row of a is matched by a
	 * distinct row of b. */
	static bool used[COHORT];
	memset(used, 0, sizeof used);
	for (size_t i = 0; i < COHORT; i++) {
		if (a[i].dropped)
			continue;
		bool found = false;
		for (size_t j = 0; j < COHORT && !found; j++)
			if (!used[j] && !b[j].dropped && same_cells(&a[i], &b[j]))
				used[j] = found = true;
		assert_true(found);
	}
	/* And the same input twice gives the same cells. */
	static struct anon_row c[COHORT];
	cohort(c, COHORT, 99);
	assert_true(anon_k_anonymise(c, COHORT, 5, &rb));
	for (size_t i = 0; i < COHORT; i++) {
		assert_true(same_cells(&a[i], &c[i]));
		assert_int_equal(a[i].dropped, c[i].dropped);
	}
}

static void ages(void **state)
{
	(void)state;
	int on = date_from_ymd(2026, 3, 15);
	/* A birthday: the day before, on the day. */
	assert_int_equal(anon_age(2008, 3, 16, on), 17);
	assert_int_equal(anon_age(2008, 3, 15, on), 18);
	assert_int_equal(anon_age(2008, 3, 14, on), 18);
	/* Born on 29 February: in a common year the birthday is 1 March. */
	assert_int_equal(anon_age(2008, 2, 29, date_from_ymd(2026, 2, 28)), 17);
	assert_int_equal(anon_age(2008, 2, 29, date_from_ymd(2026, 3, 1)), 18);
	assert_int_equal(anon_age(2008, 2, 29, date_from_ymd(2028, 2, 29)), 20);
	assert_int_equal(anon_age(2008, 2, 29, date_from_ymd(2028, 2, 28)), 19);
	/* Only the year known (as Waymark stores it): 1 July. */
	assert_int_equal(anon_age(2008, 0, 0, date_from_ymd(2026, 6, 30)), 17);
	assert_int_equal(anon_age(2008, 0, 0, date_from_ymd(2026, 7, 1)), 18);
	/* Unknown, or born after the day. */
	assert_int_equal(anon_age(0, 0, 0, on), -1);
	assert_int_equal(anon_age(2027, 0, 0, on), -1);
	assert_int_equal(anon_age(2026, 12, 1, on), -1);
	assert_int_equal(anon_age(2026, 1, 1, on), 0);
}

static void bands(void **state)
{
	(void)state;
	char b[16];
	int cases[][2] = {{0, 0}, {4, 0}, {5, 5}, {17, 15}, {18, 15}, {19, 15}, {20, 20}, {64, 60}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char want[16];
		snprintf(want, sizeof want, "%d--%d", cases[i][1], cases[i][1] + 4);
		anon_age_band(cases[i][0], b);
		assert_string_equal(b, want);
	}
	anon_age_band(65, b);
	assert_string_equal(b, "65+");
	anon_age_band(103, b);
	assert_string_equal(b, "65+");
	anon_age_band(-1, b);
	assert_string_equal(b, "");
	assert_string_equal(anon_majority(17), "Minor");
	assert_string_equal(anon_majority(18), "Adult");
	assert_string_equal(anon_majority(0), "Minor");
	assert_string_equal(anon_majority(-1), "");
}

static void months(void **state)
{
	(void)state;
	char m[16];
	anon_month(date_from_ymd(2026, 1, 31), m);
	assert_string_equal(m, "2026-01");
	anon_month(date_from_ymd(2024, 2, 29), m);
	assert_string_equal(m, "2024-02");
	anon_month(date_from_ymd(1999, 12, 1), m);
	assert_string_equal(m, "1999-12");
	assert_int_equal(
	    anon_months_between(date_from_ymd(2026, 1, 15), date_from_ymd(2026, 2, 14)), 0);
	assert_int_equal(
	    anon_months_between(date_from_ymd(2026, 1, 15), date_from_ymd(2026, 2, 15)), 1);
	assert_int_equal(
	    anon_months_between(date_from_ymd(2026, 1, 31), date_from_ymd(2026, 2, 28)), 1);
	assert_int_equal(
	    anon_months_between(date_from_ymd(2026, 1, 31), date_from_ymd(2026, 2, 27)), 0);
	assert_int_equal(
	    anon_months_between(date_from_ymd(2024, 1, 31), date_from_ymd(2024, 2, 29)), 1);
	assert_int_equal(anon_months_between(date_from_ymd(2025, 3, 1), date_from_ymd(2026, 3, 1)),
			 12);
	assert_int_equal(anon_months_between(date_from_ymd(2026, 3, 1), date_from_ymd(2026, 2, 1)),
			 0);
	assert_string_equal(anon_months_band(0), "0--2");
	assert_string_equal(anon_months_band(2), "0--2");
	assert_string_equal(anon_months_band(3), "3--5");
	assert_string_equal(anon_months_band(11), "6--11");
	assert_string_equal(anon_months_band(12), "12--23");
	assert_string_equal(anon_months_band(24), "24+");
	assert_string_equal(anon_months_band(-1), "");
}

static void csv_cells(void **state)
{
	(void)state;
	char out[64];
	anon_csv_field("AL", out, sizeof out);
	assert_string_equal(out, "AL");
	anon_csv_field("a,b", out, sizeof out);
	assert_string_equal(out, "\"a,b\"");
	anon_csv_field("=1+1", out, sizeof out);
	assert_string_equal(out, "'=1+1");
	anon_csv_field("@SUM(A1)", out, sizeof out);
	assert_string_equal(out, "'@SUM(A1)");
	anon_csv_field("-2", out, sizeof out);
	assert_string_equal(out, "'-2");
	anon_csv_field("+x,\"y\"", out, sizeof out);
	assert_string_equal(out, "\"'+x,\"\"y\"\"\"");
	anon_csv_field("", out, sizeof out);
	assert_string_equal(out, "");
	assert_true(anon_csv_field("0--4", out, 3) >= 3); /* too long: said so */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(k_five_holds),
	    cmocka_unit_test(k_eleven_holds),
	    cmocka_unit_test(larger_k_hides_more),
	    cmocka_unit_test(nothing_hidden_when_already_anonymous),
	    cmocka_unit_test(rarest_value_of_most_varied_goes_first),
	    cmocka_unit_test(too_few_are_dropped),
	    cmocka_unit_test(deterministic_whatever_the_order),
	    cmocka_unit_test(ages),
	    cmocka_unit_test(bands),
	    cmocka_unit_test(months),
	    cmocka_unit_test(csv_cells),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
