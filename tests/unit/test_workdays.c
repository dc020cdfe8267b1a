/* Unit tests for domain/workdays: the bank-holiday table of England and
 * Wales, an organisation's own days, and counting working days. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/date.h"
#include "domain/workdays.h"

#define YMD(y, m, d) date_from_ymd(y, m, d)

/* Easter Sunday by the anonymous Gregorian algorithm: an independent check
 * of the table's Good Fridays and Easter Mondays. */
static int easter(int y)
{
	int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25;
	int g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
	return YMD(y, month, day);
}

/* Eight a year, ten in 2022 (jubilee, funeral), nine in 2023 (coronation),
 * every one on a weekday, and Easter where it falls. */
static void table_shape(void **state)
{
	(void)state;
	for (int y = WORKDAYS_FIRST_YEAR; y <= WORKDAYS_LAST_YEAR; y++) {
		int count = 0;
		for (int day = YMD(y, 1, 1); day < YMD(y + 1, 1, 1); day++)
			if (workdays_bank_holiday(day)) {
				count++;
				assert_true(date_weekday(day) <= 5);
				assert_false(workdays_is_working(NULL, day));
			}
		assert_int_equal(count, y == 2022 ? 10 : y == 2023 ? 9 : 8);
		assert_true(workdays_bank_holiday(easter(y) - 2));
		assert_true(workdays_bank_holiday(easter(y) + 1));
		assert_true(
		    workdays_bank_holiday(YMD(y, 8, 31) - (date_weekday(YMD(y, 8, 31)) - 1)));
	}
}

static void christmas_at_a_weekend(void **state)
{
	(void)state;
	/* 2021: Saturday and Sunday; Monday 27 and Tuesday 28 instead. */
	assert_false(workdays_bank_holiday(YMD(2021, 12, 25)));
	assert_false(workdays_bank_holiday(YMD(2021, 12, 26)));
	assert_true(workdays_bank_holiday(YMD(2021, 12, 27)));
	assert_true(workdays_bank_holiday(YMD(2021, 12, 28)));
	assert_true(workdays_is_working(NULL, YMD(2021, 12, 24)));
	assert_true(workdays_is_working(NULL, YMD(2021, 12, 29)));
	/* 2022: Sunday; Boxing Day on Monday 26, Christmas moved to Tuesday 27. */
	assert_true(workdays_bank_holiday(YMD(2022, 12, 26)));
	assert_true(workdays_bank_holiday(YMD(2022, 12, 27)));
	assert_true(workdays_is_working(NULL, YMD(2022, 12, 28)));
	/* New Year's Day 2022 (Saturday) moved to Monday 3 January. */
	assert_true(workdays_bank_holiday(YMD(2022, 1, 3)));
	assert_true(workdays_is_working(NULL, YMD(2022, 1, 4)));
	/* 2026: Friday; Boxing Day (Saturday) moved to Monday 28. */
	assert_true(workdays_bank_holiday(YMD(2026, 12, 25)));
	assert_true(workdays_bank_holiday(YMD(2026, 12, 28)));
	assert_true(workdays_is_working(NULL, YMD(2026, 12, 29)));
}

static void easter_2024(void **state)
{
	(void)state;
	assert_true(workdays_is_working(NULL, YMD(2024, 3, 28)));
	assert_false(workdays_is_working(NULL, YMD(2024, 3, 29)));
	assert_false(workdays_is_working(NULL, YMD(2024, 4, 1)));
	assert_true(workdays_is_working(NULL, YMD(2024, 4, 2)));
	assert_int_equal(workdays_add(NULL, YMD(2024, 3, 28), 1), YMD(2024, 4, 2));
	assert_int_equal(workdays_between(NULL, YMD(2024, 3, 28), YMD(2024, 4, 2)), 1);
}

static void one_off_holidays(void **state)
{
	(void)state;
	/* 2020: Early May moved to Friday 8 May. */
	assert_true(workdays_bank_holiday(YMD(2020, 5, 8)));
	assert_false(workdays_bank_holiday(YMD(2020, 5, 4)));
	/* 2022: Spring moved to Thursday 2 June, the jubilee on Friday 3 June,
	 * the last Monday of May a working day; the Queen's funeral. */
	assert_true(workdays_bank_holiday(YMD(2022, 6, 2)));
	assert_true(workdays_bank_holiday(YMD(2022, 6, 3)));
	assert_true(workdays_is_working(NULL, YMD(2022, 5, 30)));
	assert_true(workdays_bank_holiday(YMD(2022, 9, 19)));
	assert_int_equal(workdays_add(NULL, YMD(2022, 6, 1), 1), YMD(2022, 6, 6));
	/* 2023: the coronation on Monday 8 May, beside Early May on 1 May. */
	assert_true(workdays_bank_holiday(YMD(2023, 5, 1)));
	assert_true(workdays_bank_holiday(YMD(2023, 5, 8)));
	assert_true(workdays_is_working(NULL, YMD(2023, 5, 9)));
}

static void outside_the_table_only_weekends(void **state)
{
	(void)state;
	assert_true(workdays_is_working(NULL, YMD(2014, 12, 25)));
	assert_true(workdays_is_working(NULL, YMD(2031, 1, 1)));
	assert_false(workdays_is_working(NULL, YMD(2031, 1, 4)));
	/* The table's edges are in it. */
	assert_true(workdays_bank_holiday(YMD(2015, 1, 1)));
	assert_true(workdays_bank_holiday(YMD(2030, 12, 26)));
}

static void an_organisations_own_days(void **state)
{
	(void)state;
	/* Closed between Christmas and New Year 2026; the 28th is a bank
	 * holiday already and the 26th-27th a weekend. */
	const int extra[] = {YMD(2026, 12, 26), YMD(2026, 12, 28), YMD(2026, 12, 29),
			     YMD(2026, 12, 30), YMD(2026, 12, 31)};
	const struct workdays org = {extra, sizeof extra / sizeof extra[0]};
	const struct workdays plain = {0};
	assert_true(workdays_is_working(&plain, YMD(2026, 12, 29)));
	assert_false(workdays_is_working(&org, YMD(2026, 12, 29)));
	assert_false(workdays_is_working(&org, YMD(2026, 12, 31)));
	assert_false(workdays_bank_holiday(YMD(2026, 12, 29)));
	assert_int_equal(workdays_add(&plain, YMD(2026, 12, 24), 1), YMD(2026, 12, 29));
	assert_int_equal(workdays_add(&org, YMD(2026, 12, 24), 1), YMD(2027, 1, 4));
	assert_int_equal(workdays_between(&plain, YMD(2026, 12, 24), YMD(2027, 1, 4)), 4);
	assert_int_equal(workdays_between(&org, YMD(2026, 12, 24), YMD(2027, 1, 4)), 1);
}

/* Counting agrees with walking day by day, and adding n lands on a working
 * day n working days on, in every calendar, across the holidays of two
 * winters and the springs of 2022 and 2023. */
static void counting_agrees_with_walking(void **state)
{
	(void)state;
	const int extra[] = {YMD(2022, 1, 3),	YMD(2022, 1, 4),   YMD(2022, 6, 1),
			     YMD(2022, 12, 24), YMD(2022, 12, 29), YMD(2023, 5, 9)};
	const struct workdays org = {extra, sizeof extra / sizeof extra[0]};
	const struct workdays *cals[] = {NULL, &org};
	for (size_t c = 0; c < 2; c++) {
		const struct workdays *w = cals[c];
		for (int from = YMD(2021, 12, 1); from < YMD(2023, 6, 1); from += 3) {
			int walked = 0;
			for (int to = from; to < from + 40; to++) {
				if (to > from && workdays_is_working(w, to))
					walked++;
				assert_int_equal(workdays_between(w, from, to), walked);
			}
			for (int n = 1; n <= 10; n++) {
				int d = workdays_add(w, from, n);
				assert_true(workdays_is_working(w, d));
				assert_int_equal(workdays_between(w, from, d), n);
				assert_int_equal(workdays_between(w, from, d - 1), n - 1);
			}
		}
	}
	assert_int_equal(workdays_between(NULL, YMD(2024, 1, 10), YMD(2024, 1, 1)), 0);
	/* A long span, counted in one go: 2024 has 262 weekdays, 8 of them
	 * bank holidays. */
	assert_int_equal(workdays_between(NULL, YMD(2023, 12, 31), YMD(2024, 12, 31)), 254);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(table_shape),
	    cmocka_unit_test(christmas_at_a_weekend),
	    cmocka_unit_test(easter_2024),
	    cmocka_unit_test(one_off_holidays),
	    cmocka_unit_test(outside_the_table_only_weekends),
	    cmocka_unit_test(an_organisations_own_days),
	    cmocka_unit_test(counting_agrees_with_walking),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
