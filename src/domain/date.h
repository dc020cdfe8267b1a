/*
 * date.h - calendar dates and instants, without a clock.
 *
 * Inside the domain a date is a plain int: days since 1970-01-01 (negative
 * before). An instant is int64 seconds since the epoch, UTC. Text appears
 * only at the edges: YYYY-MM-DD for dates, RFC 3339 for instants.
 */
#ifndef WM_DATE_H
#define WM_DATE_H

#include <stdbool.h>
#include <stdint.h>

#define DATE_TEXT_LEN	 11 /* "YYYY-MM-DD" and its NUL */
#define INSTANT_TEXT_LEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" and its NUL */

/* Day number of a proleptic Gregorian y-m-d; the caller checks validity. */
int date_from_ymd(int y, int m, int d);

/* Splits a day number into year, month (1-12) and day (1-31). */
void date_to_ymd(int day, int *y, int *m, int *d);

/* Days in month m of year y (m in 1..12). */
int date_days_in_month(int y, int m);

/* Parses exactly "YYYY-MM-DD" (years 1900-2199) into *out; false when the
 * text is malformed or names a day that does not exist, such as 2026-02-30. */
bool date_parse(const char *s, int *out);

/* Writes day as "YYYY-MM-DD" into out (DATE_TEXT_LEN bytes). */
void date_format(int day, char out[DATE_TEXT_LEN]);

/* ISO weekday: 1 = Monday ... 7 = Sunday. */
int date_weekday(int day);

/* Parses an RFC 3339 date-time ("2026-11-22T14:05:00Z", fractional seconds
 * and a numeric offset allowed) into seconds since the epoch, UTC. */
bool instant_parse(const char *s, int64_t *out);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" into out (INSTANT_TEXT_LEN bytes). */
void instant_format(int64_t t, char out[INSTANT_TEXT_LEN]);

/* The UTC calendar day of an instant. */
int instant_day(int64_t t);

/* The calendar day of an instant in the process's time zone: "today" as
 * the people using the service count it (Europe/London unless `serve
 * --time-zone` says otherwise). The zone is the C library's, loaded once by
 * date_zone_use before threads start; this reads no clock and no file. */
int instant_local_day(int64_t t);

/* True when name has the shape of an IANA time zone name ("Europe/London",
 * "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+1"): letters, digits,
 * '_', '+', '-' in parts joined by '/', none empty, none starting with '.'
 * (so never a path out of the zone directory). Says nothing about whether
 * the zone exists. */
bool date_zone_name_ok(const char *name);

/* The instant the day `day` begins in the server's time zone (see
 * date_zone_use): local midnight, whatever the clocks did that night. */
int64_t date_local_start(int day);

/* Makes name the process's time zone (TZ) when the tz database has it (a
 * "TZif" file under $TZDIR or /usr/share/zoneinfo). False, with nothing
 * changed, for an unknown zone: the C library would otherwise fall back to
 * UTC silently. Call before threads start: it changes the environment. */
bool date_zone_use(const char *name);

#endif
