/*
 * words.h - what the pages say instead of the API's codes and timestamps:
 * "4 December 2026", "Friday 4 December, 10:00", "Mental health
 * assessment". Pure functions of their input and the server's time zone.
 */
#ifndef WM_WEB_WORDS_H
#define WM_WEB_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WORDS_MAX 64

/* "2026-12-04" -> "4 December 2026"; false (out "") when not a date. */
bool words_date(const char *ymd, char out[WORDS_MAX]);

/* "2026-12-04T10:00:00Z" -> "Friday 4 December 2026, 10:00", in the
 * server's time zone; false (out "") when not an instant. */
bool words_when(const char *instant, char out[WORDS_MAX]);

/* "2026-12-04T10:00:00Z" -> "10:00" local, and its local date in *day
 * (a day number). False when not an instant. */
bool words_time(const char *instant, char out[8], int *day);

/* A code as words: "mental_health_assessment" -> "Mental health
 * assessment", "gp" -> "GP". NULL or "" gives "". */
void words_code(const char *code, char out[WORDS_MAX]);

#endif
