/* Unit tests for domain/date: day numbers, strict parsing, RFC 3339. */
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "domain/date.h"

static void epoch_and_known_days(void **state)
{
	(void)state;
	assert_int_equal(date_from_ymd(1970, 1, 1), 0);
	assert_int_equal(date_from_ymd(2000, 3, 1), 11017);
	assert_int_equal(date_from_ymd(1969, 12, 31), -1);
	int y, m, d;
	date_to_ymd(date_from_ymd(2024, 2, 29), &y, &m, &d);
	assert_int_equal(y, 2024);
	assert_int_equal(m, 2);
	assert_int_equal(d, 29);
}

static void round_trip_every_day_1900_to_2199(void **state)
{
	(void)state;
	int prev = date_from_ymd(1900, 1, 1) - 1;
	for (int y = 1900; y < 2200; y++)
		for (int m = 1; m <= 12; m++)
			for (int d = 1; d <= date_days_in_month(y, m); d++) {
				int day = date_from_ymd(y, m, d);
				assert_int_equal(day, prev + 1);
				prev = day;
				char text[DATE_TEXT_LEN], want[32];
				date_format(day, text);
				snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
				assert_string_equal(text, want);
				int back;
				assert_true(date_parse(text, &back));
				assert_int_equal(back, day);
			}
}

static void rejects_impossible_and_malformed_dates(void **state)
{
	(void)state;
	int day;
	const char *bad[] = {
	    "2026-02-30", "2026-02-29", "2025-13-01",  "2025-00-10",  "2025-04-31",
	    "2025-4-01",  "20250401",	"2025-04-01 ", " 2025-04-01", "2025-04-01T00:00:00Z",
	    "",		  "1899-12-31", "abcd-ef-gh",  "2025-04-0a",  "2100-02-29"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(date_parse(bad[i], &day));
	assert_false(date_parse(NULL, &day));
	assert_true(date_parse("2024-02-29", &day));
	assert_true(date_parse("2000-02-29", &day));
}

static void weekdays(void **state)
{
	(void)state;
	assert_int_equal(date_weekday(date_from_ymd(1970, 1, 1)), 4);	/* Thursday */
	assert_int_equal(date_weekday(date_from_ymd(2026, 11, 23)), 1); /* Monday */
	assert_int_equal(date_weekday(date_from_ymd(2026, 11, 22)), 7); /* Sunday */
	assert_int_equal(date_weekday(date_from_ymd(1969, 12, 29)), 1);
}

static void instants(void **state)
{
	(void)state;
	int64_t t;
	assert_true(instant_parse("2026-11-22T14:05:00Z", &t));
	char out[INSTANT_TEXT_LEN];
	instant_format(t, out);
	assert_string_equal(out, "2026-11-22T14:05:00Z");
	int64_t t2;
	assert_true(instant_parse("2026-11-22T15:05:00.123+01:00", &t2));
	assert_int_equal(t, t2);
	assert_true(instant_parse("2026-11-22T09:05:00-05:00", &t2));
	assert_int_equal(t, t2);
	assert_int_equal(instant_day(t), date_from_ymd(2026, 11, 22));
	assert_false(instant_parse("2026-11-22T24:00:00Z", &t));
	assert_false(instant_parse("2026-11-22T14:05:00", &t));
	assert_false(instant_parse("2026-02-30T14:05:00Z", &t));
	assert_false(instant_parse("2026-11-22 14:05:00Z", &t));
	assert_false(instant_parse("2026-11-22T14:05:00Zjunk", &t));
	instant_format(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	/* Written digit by digit: the same text as the format it replaced,
	 * at every second of a day, and across 1900-2199. */
	int64_t first = -2208988800LL, last = 7258118399LL;
	for (int64_t at = first; at <= last; at += 86400 * 37 + 3607) {
		for (int k = 0; k < 2; k++) {
			int64_t x = k ? at : at - at % 86400 + 86399;
			instant_format(x, out);
			int64_t day = x / 86400, rem = x % 86400;
			if (rem < 0) {
				rem += 86400;
				day--;
			}
			int y, m, d;
			date_to_ymd((int)day, &y, &m, &d);
			char want[64];
			snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
				 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
			assert_string_equal(out, want);
		}
	}
}

/* The day of an RFC 3339 instant in the current zone, as text. */
static const char *local_day(const char *instant)
{
	static char out[DATE_TEXT_LEN];
	int64_t t;
	assert_true(instant_parse(instant, &t));
	date_format(instant_local_day(t), out);
	return out;
}

/* "Today" is the date in London: in British Summer Time (UTC+1) the day
 * starts at 23:00 UTC the evening before. */
static void today_in_london_around_midnight(void **state)
{
	(void)state;
	assert_true(date_zone_use("Europe/London"));
	assert_string_equal(local_day("2026-06-30T22:59:59Z"), "2026-06-30");
	assert_string_equal(local_day("2026-06-30T23:00:00Z"), "2026-07-01");
	assert_string_equal(local_day("2026-06-30T23:30:00Z"), "2026-07-01");
	assert_string_equal(local_day("2026-07-01T00:30:00Z"), "2026-07-01");
	/* Last day of BST (25 October 2026): 00:30 UTC is 01:30 BST. */
	assert_string_equal(local_day("2026-10-24T23:30:00Z"), "2026-10-25");
	assert_string_equal(local_day("2026-10-25T23:30:00Z"), "2026-10-25");
	/* First day of BST (29 March 2026) begins in GMT. */
	assert_string_equal(local_day("2026-03-28T23:30:00Z"), "2026-03-28");
	assert_string_equal(local_day("2026-03-29T23:30:00Z"), "2026-03-30");
	/* Winter: London is UTC, so New Year comes at midnight UTC. */
	assert_string_equal(local_day("2026-12-31T23:59:59Z"), "2026-12-31");
	assert_string_equal(local_day("2027-01-01T00:00:00Z"), "2027-01-01");

	/* The same instant asked again under another zone is answered anew. */
	assert_string_equal(local_day("2026-06-30T23:30:00Z"), "2026-07-01");
	assert_true(date_zone_use("UTC"));
	assert_string_equal(local_day("2026-06-30T23:30:00Z"), "2026-06-30");
	assert_true(date_zone_use("America/New_York"));
	assert_string_equal(local_day("2026-07-01T03:59:59Z"), "2026-06-30");
	assert_true(date_zone_use("Europe/London"));
}

static void unknown_zones_are_refused(void **state)
{
	(void)state;
	assert_true(date_zone_use("Europe/London"));
	static const char *const bad[] = {"",
					  "Mars/Olympus_Mons",
					  "Europe/Londres",
					  "/etc/passwd",
					  "../../etc/passwd",
					  "Europe/../UTC",
					  "Europe//London",
					  "Europe/London/",
					  ".hidden",
					  "Europe/Lon don",
					  "posixrules\n",
					  NULL};
	for (int i = 0; bad[i]; i++)
		if (date_zone_use(bad[i]))
			fail_msg("zone '%s' accepted", bad[i]);
	assert_false(date_zone_use(NULL));
	/* A refused zone leaves the one in use alone. */
	assert_string_equal(getenv("TZ"), "Europe/London");
	assert_true(date_zone_name_ok("America/Argentina/Buenos_Aires"));
	assert_true(date_zone_name_ok("Etc/GMT+1"));
	assert_false(date_zone_name_ok("Europe/./London"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(epoch_and_known_days),
	    cmocka_unit_test(round_trip_every_day_1900_to_2199),
	    cmocka_unit_test(rejects_impossible_and_malformed_dates),
	    cmocka_unit_test(weekdays),
	    cmocka_unit_test(instants),
	    cmocka_unit_test(today_in_london_around_midnight),
	    cmocka_unit_test(unknown_zones_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
