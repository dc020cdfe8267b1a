/* Unit tests for the dashboard's cache (api/case_cache.c): an entry is
 * found only under exactly its key, a copy handed out stands on its own, a
 * survivor has one entry per view (the newest), and the whole stays under
 * its bound, the least recently used going first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/case_cache.h"

static struct case_key key_of(const char *id, int64_t stamp)
{
	struct case_key k;
	memset(&k, 0, sizeof k);
	snprintf(k.survivor_id, sizeof k.survivor_id, "%s", id);
	k.stamp = stamp;
	k.day = 20777;
	k.calendar = 42;
	k.view = 1;
	return k;
}

/* A view of survivor id at stamp with text of n bytes. */
static struct case_view *view_of(const char *id, int64_t stamp, size_t n)
{
	struct case_key k = key_of(id, stamp);
	struct alert alerts[2] = {{.rule = RULE_GP_UNREGISTERED, .due_on = 20770},
				  {.rule = RULE_INTERPRETER_NOT_BOOKED, .due_on = 20771}};
	snprintf(alerts[1].item_id, sizeof alerts[1].item_id, "%s", "appt-1");
	struct case_text texts[2] = {{"{\"rule\":\"gp_unregistered\"}", 26},
				     {"{\"rule\":\"interpreter_not_booked\"}", 33}};
	struct case_appt appts[1] = {
	    {.starts_at = 1800000000, .text = "{\"id\":\"appt-1\"}", .len = 15}};
	snprintf(appts[0].id, sizeof appts[0].id, "%s", "appt-1");
	char *text = malloc(n + 1);
	assert_non_null(text);
	memset(text, 'x', n);
	text[0] = '{';
	text[n - 1] = '}';
	text[n] = '\0';
	struct case_view *v = case_view_make(&k, alerts, texts, 2, appts, 1, text, n);
	free(text);
	assert_non_null(v);
	return v;
}

static void found_only_under_its_key(void **state)
{
	(void)state;
	case_cache_clear();
	struct case_view *v = view_of("s1", 7, 100);
	case_cache_put(v);
	case_view_free(v);
	struct case_key k = key_of("s1", 7);
	struct case_view *got = case_cache_get(&k);
	assert_non_null(got);
	assert_int_equal(got->len, 100);
	assert_int_equal(got->text[0], '{');
	assert_int_equal(got->nalerts, 2);
	assert_int_equal(got->alerts[1].rule, RULE_INTERPRETER_NOT_BOOKED);
	assert_string_equal(got->alerts[1].item_id, "appt-1");
	assert_null(got->alerts[0].survivor_id);
	assert_string_equal(got->alert_texts[1].text, "{\"rule\":\"interpreter_not_booked\"}");
	assert_int_equal(got->nappts, 1);
	assert_string_equal(got->appts[0].text, "{\"id\":\"appt-1\"}");
	/* The copy's pointers are into the copy itself. */
	const char *lo = (const char *)got, *hi = lo + got->size;
	assert_true(got->text >= lo && got->text < hi);
	assert_true(got->appts[0].text >= lo && got->appts[0].text < hi);
	assert_true(got->alert_texts[0].text >= lo && got->alert_texts[0].text < hi);
	case_view_free(got);

	struct case_key other = key_of("s1", 8); /* the record changed since */
	assert_null(case_cache_get(&other));
	other = key_of("s1", 7);
	other.day++; /* another day */
	assert_null(case_cache_get(&other));
	other = key_of("s1", 7);
	other.calendar++; /* the organisation's days changed */
	assert_null(case_cache_get(&other));
	other = key_of("s1", 7);
	other.view = 0; /* another view */
	assert_null(case_cache_get(&other));
	other = key_of("s2", 7);
	assert_null(case_cache_get(&other));
}

static void one_entry_a_survivor_the_newest(void **state)
{
	(void)state;
	case_cache_clear();
	for (int64_t stamp = 1; stamp <= 5; stamp++) {
		struct case_view *v = view_of("s1", stamp, 200);
		case_cache_put(v);
		case_view_free(v);
	}
	size_t entries, bytes;
	case_cache_usage(&entries, &bytes);
	assert_int_equal(entries, 1);
	struct case_key k = key_of("s1", 5);
	struct case_view *got = case_cache_get(&k);
	assert_non_null(got);
	case_view_free(got);
	k = key_of("s1", 4);
	assert_null(case_cache_get(&k));
}

static void bounded_least_recently_used_first(void **state)
{
	(void)state;
	case_cache_clear();
	size_t one = 64 * 1024; /* 128 of them would pass the bound */
	char id[16];
	for (int i = 0; i < 200; i++) {
		snprintf(id, sizeof id, "s%d", i);
		struct case_view *v = view_of(id, 1, one);
		case_cache_put(v);
		case_view_free(v);
		if (i == 10) {
			/* s0 used again: it outlives those put after it. */
			struct case_key k = key_of("s0", 1);
			case_view_free(case_cache_get(&k));
		}
		size_t entries, bytes;
		case_cache_usage(&entries, &bytes);
		assert_true(bytes <= CASE_CACHE_BYTES);
	}
	struct case_key k = key_of("s199", 1);
	struct case_view *got = case_cache_get(&k);
	assert_non_null(got);
	case_view_free(got);
	k = key_of("s1", 1);
	assert_null(case_cache_get(&k)); /* the least recently used went first */

	/* One record larger than a sixteenth of the whole is not kept. */
	struct case_view *huge = view_of("big", 1, CASE_CACHE_BYTES / 8);
	case_cache_put(huge);
	case_view_free(huge);
	k = key_of("big", 1);
	assert_null(case_cache_get(&k));
	case_cache_clear();
	size_t entries, bytes;
	case_cache_usage(&entries, &bytes);
	assert_int_equal(entries, 0);
	assert_int_equal(bytes, 0);
}

static void calendars_hash_apart(void **state)
{
	(void)state;
	int a[] = {20000, 20001}, b[] = {20000, 20002}, c[] = {20000};
	assert_true(case_calendar_hash(a, 2) != case_calendar_hash(b, 2));
	assert_true(case_calendar_hash(a, 1) == case_calendar_hash(c, 1));
	assert_true(case_calendar_hash(a, 2) != case_calendar_hash(c, 1));
	assert_true(case_calendar_hash(NULL, 0) != case_calendar_hash(c, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(found_only_under_its_key),
	    cmocka_unit_test(one_entry_a_survivor_the_newest),
	    cmocka_unit_test(bounded_least_recently_used_first),
	    cmocka_unit_test(calendars_hash_apart),
	};
	return cmocka_run_group_tests_name("case_cache", tests, NULL, NULL);
}
