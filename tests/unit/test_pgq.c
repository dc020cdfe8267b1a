/* Unit tests for store/pgq: how the PostgreSQL backend's statements number
 * their parameters (no server needed: nothing here is sent). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pgq.h"

static struct pq_db db; /* never connected: statements are only built */

static void numbered_parameters_become_dollars(void **state)
{
	(void)state;
	pq_stmt *s = pq_prepare(&db, "SELECT a FROM t WHERE b = ?1 AND c = ?12 OR d = ?1", false);
	assert_non_null(s);
	assert_string_equal(pq_sql(s), "SELECT a FROM t WHERE b = $1 AND c = $12 OR d = $1");
	assert_int_equal(pq_bind_parameter_count(s), 12);
	pq_finalize(s);
}

static void named_parameters_are_numbered_in_order_of_first_use(void **state)
{
	(void)state;
	pq_stmt *s = pq_prepare(
	    &db, "SELECT 1 WHERE x = $org AND ($adv IS NULL OR y = $adv) AND z = $org_id", true);
	assert_non_null(s);
	assert_string_equal(pq_sql(s),
			    "SELECT 1 WHERE x = $1 AND ($2 IS NULL OR y = $2) AND z = $3");
	assert_int_equal(pq_bind_parameter_index(s, "$org"), 1);
	assert_int_equal(pq_bind_parameter_index(s, "$adv"), 2);
	assert_int_equal(pq_bind_parameter_index(s, "$org_id"), 3);
	assert_int_equal(pq_bind_parameter_index(s, "$missing"), 0);
	/* A number out of range is ignored, never written past the table. */
	assert_int_not_equal(pq_bind_int64(s, 4, 7), PQ_OK);
	assert_int_not_equal(pq_bind_text(s, 0, "x", -1, PQ_STATIC), PQ_OK);
	assert_int_equal(pq_bind_text(s, 3, "x", -1, PQ_TRANSIENT), PQ_OK);
	pq_finalize(s);
}

static void a_parameter_the_sql_skips_still_counts(void **state)
{
	(void)state;
	/* ?1 unused (an item's "the one of its survivor" statement): the
	 * statement still takes three, so callers bind by the same numbers. */
	pq_stmt *s = pq_prepare(&db, "SELECT a FROM t WHERE b = ?2 AND c = ?3", true);
	assert_non_null(s);
	assert_int_equal(pq_bind_parameter_count(s), 3);
	assert_string_equal(pq_sql(s), "SELECT a FROM t WHERE b = $2 AND c = $3");
	pq_finalize(s);
}

static void quoted_text_is_left_alone(void **state)
{
	(void)state;
	pq_stmt *s = pq_prepare(&db, "SELECT '?1 $x', ?2 WHERE a = 'it''s ?3'", false);
	assert_non_null(s);
	assert_string_equal(pq_sql(s), "SELECT '?1 $x', $2 WHERE a = 'it''s ?3'");
	pq_finalize(s);
	/* Dollar-numbered SQL passes through as it is. */
	s = pq_prepare(&db, "SELECT $1, $2", false);
	assert_string_equal(pq_sql(s), "SELECT $1, $2");
	pq_finalize(s);
}

static void too_many_parameters_are_refused(void **state)
{
	(void)state;
	char sql[64];
	snprintf(sql, sizeof sql, "SELECT ?%d", PQ_MAX_PARAMS + 1);
	assert_null(pq_prepare(&db, sql, false));
	assert_null(pq_prepare(&db, "SELECT ?0", false));
}

static void strings_are_built_and_formatted(void **state)
{
	(void)state;
	struct pq_str *b = pq_str_new();
	pq_str_appendall(b, "SELECT ");
	pq_str_appendf(b, "%s, ?%d", "col", 8);
	char *sql = pq_str_finish(b);
	assert_string_equal(sql, "SELECT col, ?8");
	free(sql);
	char *m = pq_mprintf("DELETE FROM %s WHERE id = ?1", "notes");
	assert_string_equal(m, "DELETE FROM notes WHERE id = ?1");
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(numbered_parameters_become_dollars),
	    cmocka_unit_test(named_parameters_are_numbered_in_order_of_first_use),
	    cmocka_unit_test(a_parameter_the_sql_skips_still_counts),
	    cmocka_unit_test(quoted_text_is_left_alone),
	    cmocka_unit_test(too_many_parameters_are_refused),
	    cmocka_unit_test(strings_are_built_and_formatted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
