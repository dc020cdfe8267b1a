/*
 * workdays.h - the working-day calendar the alert rules count in.
 *
 * A working day is Monday to Friday, less the bank holidays of England and
 * Wales (a built-in table, 2015 to 2030, the one-off holidays of 2022 and
 * 2023 included) and less the organisation's own non-working days (a
 * closure between Christmas and New Year, say). Dates are day numbers
 * (domain/date.h). No I/O, no clock.
 */
#ifndef WM_WORKDAYS_H
#define WM_WORKDAYS_H

#include <stdbool.h>
#include <stddef.h>

/* The first and last years the bank-holiday table covers. Outside them only
 * weekends (and the organisation's own days) are non-working. */
#define WORKDAYS_FIRST_YEAR 2015
#define WORKDAYS_LAST_YEAR  2030

/* An organisation's calendar: its own non-working days, borrowed, sorted
 * ascending without repeats (day numbers). extra may be NULL when nextra is
 * 0; a zeroed struct is the plain England and Wales calendar. */
struct workdays {
	const int *extra;
	size_t nextra;
};

/* True when day is a bank holiday of England and Wales in the table. */
bool workdays_bank_holiday(int day);

/* True when day is a working day in calendar w (NULL: no days of its own). */
bool workdays_is_working(const struct workdays *w, int day);

/* X + n working days: the nth working day after day (n >= 1). */
int workdays_add(const struct workdays *w, int day, int n);

/* How many working days d have from < d <= to (0 when to <= from). */
int workdays_between(const struct workdays *w, int from, int to);

#endif
