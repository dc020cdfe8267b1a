/*
 * case_cache.h - what the dashboard shows of each survivor, kept between
 * requests and keyed by the record's change stamp.
 *
 * A dashboard opens every record of a caseload, reads the plain columns of
 * about twenty items each, judges the alert rules and writes the answer:
 * about 3 ms of the server's time for 40 survivors, most of it spent again
 * on records that have not changed since the advocate last looked. Each
 * survivor's part of the answer is kept here under a key that changes with
 * anything it depends on: the record's change stamp (the seq of its latest
 * change's audit entry, read by the store in the same snapshot as the
 * record: store_case.stamp), the day the rules judged on, the organisation's
 * own non-working days and the view (the fields the reader's role sees).
 * A change to the record moves its stamp, so a stale entry is never found;
 * it is replaced on the next look.
 *
 * The entries hold survivors' names and appointments: personal data, in
 * this process's memory only, never written anywhere, at most
 * CASE_CACHE_BYTES in all (the least recently used go first), none kept
 * once unused for CASE_CACHE_IDLE seconds, and every entry and every copy
 * handed out is overwritten with zeros when freed.
 */
#ifndef WM_CASE_CACHE_H
#define WM_CASE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "../domain/alerts.h"
#include "../store/store.h"

/* What the cache may hold in all: a 40-survivor caseload takes about 120 KB. */
#define CASE_CACHE_BYTES (8u * 1024 * 1024)

/* Seconds an entry is kept unused: a working day's glances at a dashboard
 * find it; an erased survivor's text is gone from memory soon after. */
#define CASE_CACHE_IDLE 900

struct case_key {
	char survivor_id[STORE_ID_LEN];
	int64_t stamp;	   /* store_case.stamp (never STORE_NO_STAMP) */
	int day;	   /* the day the rules judged on */
	uint64_t calendar; /* case_calendar_hash of the organisation's own days */
	int view;	   /* the enum schema_view the texts were written in */
};

/* One appointment of the dashboard's window, as written. */
struct case_appt {
	int64_t starts_at;
	char id[STORE_ID_LEN];
	const char *text; /* its JSON object */
	size_t len;
};

/* A piece of JSON text. */
struct case_text {
	const char *text;
	size_t len;
};

/* One survivor as the dashboard shows them, in one allocation. */
struct case_view {
	struct case_key key;
	const struct alert *alerts; /* in force on key.day, not snoozed; survivor_id NULL */
	const struct case_text *alert_texts; /* each alert's JSON object */
	size_t nalerts;
	const struct case_appt *appts; /* the window's, in no order */
	size_t nappts;
	const char *text; /* the survivor's JSON object, as survivor_json writes it */
	size_t len;
	size_t size; /* of the allocation */
};

/* A view made of copies of what is given; NULL when out of memory. */
struct case_view *case_view_make(const struct case_key *key, const struct alert *alerts,
				 const struct case_text *alert_texts, size_t nalerts,
				 const struct case_appt *appts, size_t nappts, const char *text,
				 size_t len);

/* Overwrites v with zeros and frees it (NULL: nothing). */
void case_view_free(struct case_view *v);

/* A copy of the entry with exactly this key (the caller frees it with
 * case_view_free), NULL when there is none. */
struct case_view *case_cache_get(const struct case_key *key);

/* Keeps a copy of v, replacing any entry of the same survivor and view. */
void case_cache_put(const struct case_view *v);

/* Forgets every entry (zeroed). */
void case_cache_clear(void);

/* What the cache holds now: entries and bytes. */
void case_cache_usage(size_t *entries, size_t *bytes);

/* FNV-1a of an organisation's own non-working days. */
uint64_t case_calendar_hash(const int *days, size_t n);

#endif
