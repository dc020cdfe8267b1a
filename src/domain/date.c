/*
 * date.c - day-number arithmetic on the proleptic Gregorian calendar.
 *
 * The conversions are Howard Hinnant's civil-from-days algorithms, exact for
 * every date this program accepts and free of time zones and locales.
 * Only instant_local_day and date_zone_use know of time zones: they are the
 * C library's, loaded once at start, so "today" needs no clock here.
 */
#define _POSIX_C_SOURCE 200809L
#include "date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int date_from_ymd(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void date_to_ymd(int day, int *y, int *m, int *d)
{
	int z = day + 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Reads exactly n ASCII digits; false on anything else. */
static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool parse_ymd(const char *s, int *out)
{
	int y, m, d;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
	    !digits(s + 8, 2, &d))
		return false;
	if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m))
		return false;
	*out = date_from_ymd(y, m, d);
	return true;
}

bool date_parse(const char *s, int *out)
{
	if (!s || !parse_ymd(s, out))
		return false;
	return s[10] == '\0';
}

void date_format(int day, char out[DATE_TEXT_LEN])
{
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(out, DATE_TEXT_LEN, "%04d-%02d-%02d", y, m, d);
		return;
	}
	/* Written digit by digit: answers hold thousands of dates, and
	 * snprintf was the larger part of writing an alert. */
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

int date_weekday(int day)
{
	/* 1970-01-01 was a Thursday (4). */
	int w = (day % 7 + 7) % 7;
	return (w + 3) % 7 + 1;
}

bool instant_parse(const char *s, int64_t *out)
{
	int day, hh, mm, ss;
	if (!s || !parse_ymd(s, &day))
		return false;
	if ((s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &hh) || s[13] != ':' ||
	    !digits(s + 14, 2, &mm) || s[16] != ':' || !digits(s + 17, 2, &ss))
		return false;
	if (hh > 23 || mm > 59 || ss > 59)
		return false;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	int64_t offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return false;
		offset = (int64_t)(oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return false;
	}
	if (*p != '\0')
		return false;
	*out = (int64_t)day * 86400 + hh * 3600 + mm * 60 + ss - offset;
	return true;
}

void instant_format(int64_t t, char out[INSTANT_TEXT_LEN])
{
	int64_t day = t / 86400, rem = t % 86400;
	if (rem < 0) {
		rem += 86400;
		day--;
	}
	int y, m, d;
	date_to_ymd((int)day, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(out, INSTANT_TEXT_LEN, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
			 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
		return;
	}
	date_format((int)day, out); /* "YYYY-MM-DD", digit by digit */
	int hms[3] = {(int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60)};
	char *p = out + 10;
	for (int i = 0; i < 3; i++) {
		*p++ = i ? ':' : 'T';
		*p++ = (char)('0' + hms[i] / 10);
		*p++ = (char)('0' + hms[i] % 10);
	}
	*p++ = 'Z';
	*p = '\0';
}

int instant_day(int64_t t)
{
	int64_t day = t / 86400;
	if (t % 86400 < 0)
		day--;
	return (int)day;
}

/* Bumped by date_zone_use, so that a day remembered under one zone is not
 * answered under another. Written only before threads start. */
static unsigned zone_generation;

int instant_local_day(int64_t t)
{
	/* Every request asks, and glibc's localtime_r takes a process-wide
	 * lock: each thread remembers its last answer, good for the second. */
	static _Thread_local int64_t last_t = INT64_MIN;
	static _Thread_local unsigned last_gen;
	static _Thread_local int last_day;
	if (t == last_t && last_gen == zone_generation)
		return last_day;
	time_t tt = (time_t)t;
	struct tm tm;
	int day = localtime_r(&tt, &tm)
		      ? date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday)
		      : instant_day(t); /* out of the C library's range: UTC */
	last_t = t;
	last_gen = zone_generation;
	last_day = day;
	return day;
}

bool date_zone_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 128)
		return false;
	bool part_start = true;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (c == '/') {
			if (part_start)
				return false; /* leading '/' or an empty part */
			part_start = true;
			continue;
		}
		if (part_start && c == '.')
			return false;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '-' || c == '.'))
			return false;
		part_start = false;
	}
	return !part_start;
}

bool date_zone_use(const char *name)
{
	if (!date_zone_name_ok(name))
		return false;
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	char magic[4];
	bool tzif = fread(magic, 1, sizeof magic, f) == sizeof magic &&
		    memcmp(magic, "TZif", sizeof magic) == 0;
	fclose(f);
	if (!tzif || setenv("TZ", name, 1) != 0)
		return false;
	tzset();
	zone_generation++;
	return true;
}

int64_t date_local_start(int day)
{
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
	return (int64_t)mktime(&tm);
}
