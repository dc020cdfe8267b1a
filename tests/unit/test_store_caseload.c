/* Unit tests for the store's caseload (store_caseload): each survivor comes
 * with the plain columns of its items of each kind asked for, and a kind of
 * which a survivor has no item gives it a count of 0 and a NULL list. The
 * last is the fuzzer's finding (tests/fuzz/corpus/api/crash-caseload-null-
 * rows): a kind with no row in the whole batch made its list NULL + 0,
 * undefined behaviour that clang's UBSan stops on; a kind with rows for
 * another survivor gave a pointer into someone else's rows with a count of
 * 0. And the change stamps the dashboard's cache is keyed by: every change
 * to a record moves its stamp and no other's, and a record the caller says
 * it knows is passed unopened. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/keyring.h"
#include "crypto/secret.h"
#include "domain/kind.h"
#include "store/store.h"

#include "store_fixture.h"

static void add_note(struct fixture *f, const char *survivor_id)
{
	struct store_item it = {.version = 1};
	secret_new_id(it.id);
	snprintf(it.survivor_id, sizeof it.survivor_id, "%s", survivor_id);
	snprintf(it.org_id, sizeof it.org_id, "%s", f->org);
	snprintf(it.created_at, sizeof it.created_at, AT);
	snprintf(it.updated_at, sizeof it.updated_at, AT);
	it.body = json_pack("{s:s, s:s}", "kind", "call", "body", "Called");
	struct store_audit a = {.at = AT,
				.role = ROLE_ADVOCATE,
				.action = "create",
				.route = "/api/v1/survivors/{id}/notes"};
	snprintf(a.survivor_id, sizeof a.survivor_id, "%s", survivor_id);
	snprintf(a.user_id, sizeof a.user_id, "%s", f->user);
	snprintf(a.org_id, sizeof a.org_id, "%s", f->org);
	assert_int_equal(store_item_create(f->st, kind_find("notes"), &it, &a), WM_OK);
	json_decref(it.body);
}

struct seen {
	int n;
	size_t notes[2], nrm[2];
};

static void each(void *ctx, const struct store_case *c)
{
	struct seen *s = ctx;
	assert_true(s->n < 2);
	assert_false(c->known); /* nobody was asked */
	assert_non_null(c->survivor->body);
	for (size_t k = 0; k < 2; k++) {
		if (c->count[k] == 0)
			assert_null(c->items[k]); /* no list, never a pointer into another's */
		else
			assert_non_null(c->items[k]);
	}
	s->notes[s->n] = c->count[0];
	s->nrm[s->n] = c->count[1];
	s->n++;
}

static void a_kind_without_items_gives_none(void **state)
{
	struct fixture *f = *state;
	make_org_and_user(f);
	char a[STORE_ID_LEN], b[STORE_ID_LEN];
	secret_new_id(a);
	secret_new_id(b);
	assert_int_equal(add_survivor(f, a, "Ana"), WM_OK);
	assert_int_equal(add_survivor(f, b, "Bea"), WM_OK);
	add_note(f, a); /* notes: rows for the first only; nrm: no row at all */
	const struct kind *kinds[] = {kind_find("notes"), kind_find("nrm")};
	struct store_survivor_filter filter = {.org_id = f->org};
	struct seen seen = {0};
	assert_int_equal(store_caseload(f->st, &filter, kinds, 2, NULL, each, &seen), WM_OK);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.notes[0], 1);
	assert_int_equal(seen.notes[1], 0);
	assert_int_equal(seen.nrm[0], 0);
	assert_int_equal(seen.nrm[1], 0);
}

struct stamps {
	const char *known_id; /* the survivor the caller says it holds */
	int64_t known_at;     /* at this stamp */
	int asked, n;
	char id[2][STORE_ID_LEN];
	int64_t stamp[2];
	bool known[2], opened[2];
	size_t notes[2];
};

static bool stamps_known(void *ctx, const struct store_survivor *s, int64_t stamp)
{
	struct stamps *x = ctx;
	assert_null(s->body); /* asked before anything is opened */
	x->asked++;
	return x->known_id && strcmp(s->id, x->known_id) == 0 && stamp == x->known_at;
}

static void stamps_each(void *ctx, const struct store_case *c)
{
	struct stamps *x = ctx;
	assert_true(x->n < 2);
	snprintf(x->id[x->n], sizeof x->id[0], "%s", c->survivor->id);
	x->stamp[x->n] = c->stamp;
	x->known[x->n] = c->known;
	x->opened[x->n] = c->survivor->body != NULL;
	x->notes[x->n] = c->count ? c->count[0] : 99;
	x->n++;
}

static void walk(struct fixture *f, struct stamps *x)
{
	const struct kind *kinds[] = {kind_find("notes")};
	struct store_survivor_filter filter = {.org_id = f->org};
	x->asked = x->n = 0;
	assert_int_equal(store_caseload(f->st, &filter, kinds, 1, stamps_known, stamps_each, x),
			 WM_OK);
	assert_int_equal(x->asked, 2);
	assert_int_equal(x->n, 2);
}

static void a_change_moves_its_records_stamp_alone(void **state)
{
	struct fixture *f = *state;
	make_org_and_user(f);
	char a[STORE_ID_LEN], b[STORE_ID_LEN];
	secret_new_id(a);
	secret_new_id(b);
	assert_int_equal(add_survivor(f, a, "Ana"), WM_OK);
	assert_int_equal(add_survivor(f, b, "Bea"), WM_OK);
	struct stamps x = {0};
	walk(f, &x);
	int64_t a0 = x.stamp[0], b0 = x.stamp[1];
	assert_string_equal(x.id[0], a);
	assert_true(a0 > 0 && b0 > a0); /* each creation was a change */
	assert_true(x.opened[0] && x.opened[1]);
	assert_false(x.known[0] || x.known[1]);

	/* A part added to Ana's record moves her stamp, not Bea's. */
	add_note(f, a);
	walk(f, &x);
	assert_true(x.stamp[0] > a0);
	assert_int_equal(x.stamp[1], b0);
	assert_int_equal(x.notes[0], 1);
	int64_t a1 = x.stamp[0];

	/* Known at her stamp: passed unopened, no items; Bea opened as ever. */
	x.known_id = a;
	x.known_at = a1;
	walk(f, &x);
	assert_true(x.known[0]);
	assert_false(x.opened[0]);
	assert_int_equal(x.notes[0], 99); /* no counts at all */
	assert_false(x.known[1]);
	assert_true(x.opened[1]);
	assert_int_equal(x.stamp[0], a1);

	/* Another change: the stamp the caller knew is stale, so she is opened. */
	add_note(f, a);
	walk(f, &x);
	assert_false(x.known[0]);
	assert_true(x.opened[0]);
	assert_true(x.stamp[0] > a1);
	assert_int_equal(x.notes[0], 2);
}

int main(void)
{
	if (!secret_init())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(a_kind_without_items_gives_none, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_change_moves_its_records_stamp_alone, setup,
					    teardown),
	};
	return cmocka_run_group_tests_name("store_caseload", tests, NULL, NULL);
}
