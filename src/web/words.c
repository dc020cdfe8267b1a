/*
 * words.c - dates, times and codes in words (words.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "words.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../domain/date.h"

static const char *const months[] = {"January",	  "February", "March",	  "April",
				     "May",	  "June",     "July",	  "August",
				     "September", "October",  "November", "December"};
/* date_weekday: 1 is Monday, 7 Sunday. */
static const char *const weekdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
				       "Friday", "Saturday", "Sunday"};

bool words_date(const char *ymd, char out[WORDS_MAX])
{
	int day, y, m, d;
	out[0] = '\0';
	if (!ymd || !date_parse(ymd, &day))
		return false;
	date_to_ymd(day, &y, &m, &d);
	snprintf(out, WORDS_MAX, "%d %s %d", d, months[m - 1], y);
	return true;
}

bool words_time(const char *instant, char out[8], int *day)
{
	int64_t t;
	out[0] = '\0';
	if (!instant || !instant_parse(instant, &t))
		return false;
	*day = instant_local_day(t);
	/* The wall clock's hour and minute, not the time since midnight: on
	 * the days the clocks change the two differ by an hour. */
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		return false;
	snprintf(out, 8, "%02d:%02d", tm.tm_hour % 24, tm.tm_min % 60);
	return true;
}

bool words_when(const char *instant, char out[WORDS_MAX])
{
	char hm[8];
	int day, y, m, d;
	out[0] = '\0';
	if (!words_time(instant, hm, &day))
		return false;
	date_to_ymd(day, &y, &m, &d);
	int wd = date_weekday(day);
	snprintf(out, WORDS_MAX, "%s %d %s %d, %s", weekdays[wd >= 1 && wd <= 7 ? wd - 1 : 0], d,
		 months[m - 1], y, hm);
	return true;
}

void words_code(const char *code, char out[WORDS_MAX])
{
	/* Where a plain reading of the code is not how people say it. */
	static const char *const own[][2] = {
	    {"gp", "GP"},
	    {"nrm", "NRM"},
	    {"ae", "A&E"},
	    {"a_and_e", "A&E"},
	    {"nhs_111", "NHS 111"},
	    {"did_not_attend", "Did not attend"},
	    /* forms: enum values read wrongly plainly */
	    {"ptsd_clinic", "PTSD clinic"},
	    {"s95", "Section 95"},
	    {"s98", "Section 98"},
	    {"s4", "Section 4"},
	    {"no_nhs_number", "No NHS number"},
	    {"no_id", "No ID"},
	    {"non_binary", "Non-binary"},
	    {"share_with_org", "Share with an organisation"},
	    {"anonymised_research", "Anonymised research"},
	    {"victim_care_contract", "Victim Care Contract"},
	    {"gp_unregistered", "Not registered with a GP"},
	    {"dependant_gp_unregistered", "A dependant not registered with a GP"},
	    {"dental_unregistered", "Not registered with a dentist"},
	    {"rg_decision_overdue", "Reasonable grounds decision overdue"},
	    {"cg_decision_waiting", "Waiting for the conclusive grounds decision"},
	    {"nrm_support_ending", "NRM support ending"},
	    {"not_booked", "Interpreter needed, not booked"},
	    {"booked", "Interpreter booked"},
	    {"not_needed", "No interpreter needed"},
	};
	out[0] = '\0';
	if (!code)
		return;
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
		if (strcmp(code, own[i][0]) == 0) {
			snprintf(out, WORDS_MAX, "%s", own[i][1]);
			return;
		}
	}
	size_t n = 0;
	for (const char *s = code; *s && n < WORDS_MAX - 1; s++)
		out[n++] = *s == '_' ? ' ' : *s;
	out[n] = '\0';
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
}
