/*
 * workdays.c - the working-day calendar: weekends, the bank holidays of
 * England and Wales, and an organisation's own non-working days.
 *
 * The bank holidays are a table, not rules: the government moves and adds
 * days by proclamation (2020, 2022, 2023), so the table says what was (and,
 * from 2027, what the usual rules will give) and a test checks its shape.
 * Counting is O(log n): weekdays by arithmetic, less the holidays found by
 * binary search, so an old NRM referral costs what a new one does.
 */
#include "workdays.h"

#include <assert.h>
#include <stdint.h>

#include "date.h"

/* Day number of y-m-d as a constant expression (date_from_ymd's arithmetic
 * for years from 1 on), so the table below is data, built by the compiler. */
#define WD_Y(y, m) ((y) - ((m) <= 2))
#define D(y, m, d)                                                                                 \
	((WD_Y(y, m) / 400) * 146097 + (WD_Y(y, m) % 400) * 365 + (WD_Y(y, m) % 400) / 4 -         \
	 (WD_Y(y, m) % 400) / 100 + (153 * ((m) > 2 ? (m)-3 : (m) + 9) + 2) / 5 + (d)-1 - 719468)

/* Ascending. Each year: New Year's Day, Good Friday, Easter Monday, Early
 * May, Spring, Summer, Christmas and Boxing Day; a day that falls at a
 * weekend is replaced by the next weekday not already a holiday. */
static const int bank_holidays[] = {
    /* 2015 */
    D(2015, 1, 1),
    D(2015, 4, 3),
    D(2015, 4, 6),
    D(2015, 5, 4),
    D(2015, 5, 25),
    D(2015, 8, 31),
    D(2015, 12, 25),
    D(2015, 12, 28), /* Boxing Day (Sat) moved to Mon 28 */
    /* 2016 */
    D(2016, 1, 1),
    D(2016, 3, 25),
    D(2016, 3, 28),
    D(2016, 5, 2),
    D(2016, 5, 30),
    D(2016, 8, 29),
    D(2016, 12, 26),
    D(2016, 12, 27), /* Christmas (Sun) moved to Tue 27 */
    /* 2017 */
    D(2017, 1, 2), /* New Year's Day (Sun) moved to Mon 2 */
    D(2017, 4, 14),
    D(2017, 4, 17),
    D(2017, 5, 1),
    D(2017, 5, 29),
    D(2017, 8, 28),
    D(2017, 12, 25),
    D(2017, 12, 26),
    /* 2018 */
    D(2018, 1, 1),
    D(2018, 3, 30),
    D(2018, 4, 2),
    D(2018, 5, 7),
    D(2018, 5, 28),
    D(2018, 8, 27),
    D(2018, 12, 25),
    D(2018, 12, 26),
    /* 2019 */
    D(2019, 1, 1),
    D(2019, 4, 19),
    D(2019, 4, 22),
    D(2019, 5, 6),
    D(2019, 5, 27),
    D(2019, 8, 26),
    D(2019, 12, 25),
    D(2019, 12, 26),
    /* 2020 */
    D(2020, 1, 1),
    D(2020, 4, 10),
    D(2020, 4, 13),
    D(2020, 5, 8), /* Early May moved to Fri 8 May (VE Day 75th anniversary) */
    D(2020, 5, 25),
    D(2020, 8, 31),
    D(2020, 12, 25),
    D(2020, 12, 28), /* Boxing Day (Sat) */
    /* 2021 */
    D(2021, 1, 1),
    D(2021, 4, 2),
    D(2021, 4, 5),
    D(2021, 5, 3),
    D(2021, 5, 31),
    D(2021, 8, 30),
    D(2021, 12, 27),
    D(2021, 12, 28), /* Christmas (Sat) and Boxing Day (Sun) moved */
    /* 2022 */
    D(2022, 1, 3), /* New Year's Day (Sat) moved to Mon 3 */
    D(2022, 4, 15),
    D(2022, 4, 18),
    D(2022, 5, 2),
    D(2022, 6, 2), /* Spring moved to Thu 2 June */
    D(2022, 6, 3), /* Platinum Jubilee */
    D(2022, 8, 29),
    D(2022, 9, 19), /* State Funeral of Queen Elizabeth II */
    D(2022, 12, 26),
    D(2022, 12, 27), /* Boxing Day; Christmas (Sun) moved to Tue 27 */
    /* 2023 */
    D(2023, 1, 2), /* New Year's Day (Sun) moved to Mon 2 */
    D(2023, 4, 7),
    D(2023, 4, 10),
    D(2023, 5, 1),
    D(2023, 5, 8), /* Coronation of King Charles III */
    D(2023, 5, 29),
    D(2023, 8, 28),
    D(2023, 12, 25),
    D(2023, 12, 26),
    /* 2024 */
    D(2024, 1, 1),
    D(2024, 3, 29),
    D(2024, 4, 1),
    D(2024, 5, 6),
    D(2024, 5, 27),
    D(2024, 8, 26),
    D(2024, 12, 25),
    D(2024, 12, 26),
    /* 2025 */
    D(2025, 1, 1),
    D(2025, 4, 18),
    D(2025, 4, 21),
    D(2025, 5, 5),
    D(2025, 5, 26),
    D(2025, 8, 25),
    D(2025, 12, 25),
    D(2025, 12, 26),
    /* 2026 */
    D(2026, 1, 1),
    D(2026, 4, 3),
    D(2026, 4, 6),
    D(2026, 5, 4),
    D(2026, 5, 25),
    D(2026, 8, 31),
    D(2026, 12, 25),
    D(2026, 12, 28), /* Boxing Day (Sat) moved to Mon 28 */
    /* 2027: from here on, the usual rules */
    D(2027, 1, 1),
    D(2027, 3, 26),
    D(2027, 3, 29),
    D(2027, 5, 3),
    D(2027, 5, 31),
    D(2027, 8, 30),
    D(2027, 12, 27),
    D(2027, 12, 28), /* Christmas (Sat) and Boxing Day (Sun) moved */
    /* 2028 */
    D(2028, 1, 3), /* New Year's Day (Sat) moved to Mon 3 */
    D(2028, 4, 14),
    D(2028, 4, 17),
    D(2028, 5, 1),
    D(2028, 5, 29),
    D(2028, 8, 28),
    D(2028, 12, 25),
    D(2028, 12, 26),
    /* 2029 */
    D(2029, 1, 1),
    D(2029, 3, 30),
    D(2029, 4, 2),
    D(2029, 5, 7),
    D(2029, 5, 28),
    D(2029, 8, 27),
    D(2029, 12, 25),
    D(2029, 12, 26),
    /* 2030 */
    D(2030, 1, 1),
    D(2030, 4, 19),
    D(2030, 4, 22),
    D(2030, 5, 6),
    D(2030, 5, 27),
    D(2030, 8, 26),
    D(2030, 12, 25),
    D(2030, 12, 26),
};
#define NBANK (sizeof bank_holidays / sizeof bank_holidays[0])

/* How many of the ascending a[0..n) are <= day. */
static size_t count_upto(const int *a, size_t n, int day)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid] <= day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool in_sorted(const int *a, size_t n, int day)
{
	size_t i = count_upto(a, n, day);
	return i > 0 && a[i - 1] == day;
}

static bool weekend(int day)
{
	return date_weekday(day) >= 6;
}

bool workdays_bank_holiday(int day)
{
	return in_sorted(bank_holidays, NBANK, day);
}

static bool org_day(const struct workdays *w, int day)
{
	return w && w->nextra && in_sorted(w->extra, w->nextra, day);
}

bool workdays_is_working(const struct workdays *w, int day)
{
	return !weekend(day) && !workdays_bank_holiday(day) && !org_day(w, day);
}

int workdays_add(const struct workdays *w, int day, int n)
{
	assert(n >= 1);
	/* n is a handful (5, 9) and every week has working days unless an
	 * organisation closes for good, which its finite list cannot say. */
	while (n > 0) {
		day++;
		if (workdays_is_working(w, day))
			n--;
	}
	return day;
}

/* Monday to Friday days from a fixed Monday (1969-12-29, day -3) up to and
 * including day; only differences matter, so floor division keeps it exact
 * for days before the anchor too. */
static int64_t weekdays_upto(int day)
{
	int64_t n = (int64_t)day + 3 + 1;
	int64_t weeks = n >= 0 ? n / 7 : -((-n + 6) / 7);
	int64_t rest = n - weeks * 7;
	return weeks * 5 + (rest < 5 ? rest : 5);
}

int workdays_between(const struct workdays *w, int from, int to)
{
	if (to <= from)
		return 0;
	int64_t count = weekdays_upto(to) - weekdays_upto(from);
	/* Every bank holiday in the table falls on a weekday (a test says so). */
	count -= (int64_t)(count_upto(bank_holidays, NBANK, to) -
			   count_upto(bank_holidays, NBANK, from));
	if (w && w->nextra) {
		size_t i = count_upto(w->extra, w->nextra, from);
		size_t end = count_upto(w->extra, w->nextra, to);
		for (; i < end; i++)
			if (!weekend(w->extra[i]) && !workdays_bank_holiday(w->extra[i]))
				count--;
	}
	assert(count >= 0 && count <= INT32_MAX);
	return (int)count;
}
