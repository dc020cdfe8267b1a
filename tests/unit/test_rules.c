/* Unit tests for the rules moved out of the handlers: the route table's
 * actions, who may be assigned a case, the default advocate, and what each
 * role's view of a record holds (domain/survivor, domain/policy,
 * domain/schema, api/api.c's table). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api/call.h"
#include "domain/kind.h"
#include "domain/policy.h"
#include "domain/schema.h"
#include "domain/survivor.h"

#define OWN_ORG	  "11111111111111111111111111111111"
#define OTHER_ORG "22222222222222222222222222222222"
#define ME	  "33333333333333333333333333333333"
#define SOMEONE	  "44444444444444444444444444444444"

/* Every route names the action the request path checks before its handler;
 * only public routes name none, and a public route needs no token. */
static void every_route_names_its_action(void **state)
{
	(void)state;
	assert_true(api_route_count > 10);
	for (size_t i = 0; i < api_route_count; i++) {
		const struct route *r = &api_routes[i];
		bool public = r->flags & ROUTE_PUBLIC;
		if (r->action < 0 || r->action >= ACT_COUNT)
			fail_msg("%s %s: action %d out of range", r->method, r->pattern, r->action);
		if (!public && r->action == ACT_NONE)
			fail_msg("%s %s: a signed-in route without a policy action", r->method,
				 r->pattern);
		if (public && r->action != ACT_NONE)
			fail_msg("%s %s: a public route cannot be checked against a role",
				 r->method, r->pattern);
	}
}

/* Every route of a part of the record names the action its kind declares:
 * reading (GET) the kind's read, adding (POST) its create, replacing or
 * changing (PUT, PATCH) its update. Every kind is served. */
static void record_routes_match_their_kinds(void **state)
{
	(void)state;
	int served[64] = {0};
	assert_true(kind_count > 0 && kind_count < 64);
	for (size_t i = 0; i < api_route_count; i++) {
		const struct route *r = &api_routes[i];
		const struct kind *k = kind_of_route(r->pattern);
		if (!k)
			continue;
		enum action want = strcmp(r->method, "GET") == 0    ? k->read
				   : strcmp(r->method, "POST") == 0 ? k->create
								    : k->update;
		if ((enum action)r->action != want)
			fail_msg("%s %s checks %s, its kind declares %s", r->method, r->pattern,
				 policy_action_name((enum action)r->action),
				 policy_action_name(want));
		if (k->append_only &&
		    (strcmp(r->method, "PATCH") == 0 || strcmp(r->method, "PUT") == 0))
			fail_msg("%s %s changes an append-only kind", r->method, r->pattern);
		for (size_t j = 0; j < kind_count; j++)
			if (kind_table[j] == k)
				served[j]++;
	}
	for (size_t j = 0; j < kind_count; j++)
		if (!served[j])
			fail_msg("kind %s has no route", kind_table[j]->name);
}

/* A route that forgot its action is refused to every role (fails closed). */
static void no_action_is_refused_to_everyone(void **state)
{
	(void)state;
	for (int role = 0; role < ROLE_COUNT; role++) {
		struct subject who = {(enum role)role, ME, OWN_ORG};
		assert_int_equal(policy_decide(&who, ACT_NONE, NULL), POLICY_FORBIDDEN);
		assert_int_equal(policy_decide(&who, ACT_SESSION, NULL), POLICY_ALLOW);
	}
}

static void assignment_kinds(void **state)
{
	(void)state;
	assert_int_equal(survivor_assignment(ME, NULL, NULL), ASSIGN_UNCHANGED);
	assert_int_equal(survivor_assignment(ME, SOMEONE, SOMEONE), ASSIGN_UNCHANGED);
	assert_int_equal(survivor_assignment(ME, ME, ME), ASSIGN_UNCHANGED);
	/* Taking an unassigned case for oneself. */
	assert_int_equal(survivor_assignment(ME, NULL, ME), ASSIGN_TAKE);
	/* Everything else is a manager's call. */
	assert_int_equal(survivor_assignment(ME, NULL, SOMEONE), ASSIGN_REASSIGN);
	assert_int_equal(survivor_assignment(ME, SOMEONE, ME), ASSIGN_REASSIGN);
	assert_int_equal(survivor_assignment(ME, ME, SOMEONE), ASSIGN_REASSIGN);
	assert_int_equal(survivor_assignment(ME, ME, NULL), ASSIGN_REASSIGN);
	assert_int_equal(survivor_assignment(ME, SOMEONE, NULL), ASSIGN_REASSIGN);
	/* Compared by value, not by pointer. */
	char copy[] = SOMEONE;
	assert_int_equal(survivor_assignment(ME, SOMEONE, copy), ASSIGN_UNCHANGED);
}

static void default_advocate(void **state)
{
	(void)state;
	assert_string_equal(survivor_default_advocate(ROLE_ADVOCATE, ME), ME);
	assert_null(survivor_default_advocate(ROLE_MANAGER, ME));
	assert_null(survivor_default_advocate(ROLE_CLINICIAN, ME));
	assert_null(survivor_default_advocate(ROLE_ADMIN, ME));
	assert_null(survivor_default_advocate(ROLE_ANALYST, ME));
}

static void who_may_hold_a_case(void **state)
{
	(void)state;
	for (int role = 0; role < ROLE_COUNT; role++) {
		struct case_holder h = {(enum role)role, false, OWN_ORG};
		bool want = role == ROLE_ADVOCATE || role == ROLE_MANAGER;
		assert_int_equal(survivor_may_hold_case(&h, OWN_ORG), want);
		/* Never someone of another organisation, nor a disabled account. */
		assert_false(survivor_may_hold_case(&h, OTHER_ORG));
		h.disabled = true;
		assert_false(survivor_may_hold_case(&h, OWN_ORG));
		/* An account without an organisation holds nothing. */
		struct case_holder orphan = {(enum role)role, false, NULL};
		assert_false(survivor_may_hold_case(&orphan, OWN_ORG));
	}
	assert_false(survivor_may_hold_case(NULL, OWN_ORG));
}

/* The owning organisation's staff see every field; anyone reading through a
 * share sees the shared view. */
static void views_by_role_and_ownership(void **state)
{
	(void)state;
	struct resource own = {OWN_ORG, false}, other_shared = {OTHER_ORG, true};
	for (int role = 0; role < ROLE_COUNT; role++) {
		struct subject who = {(enum role)role, ME, OWN_ORG};
		bool team = role == ROLE_MANAGER || role == ROLE_ADVOCATE;
		assert_int_equal(policy_view(&who, &own), team ? VIEW_CASE_TEAM : VIEW_SHARED);
		assert_int_equal(policy_view(&who, &other_shared), VIEW_SHARED);
		struct subject orgless = {(enum role)role, ME, NULL};
		assert_int_equal(policy_view(&orgless, &own), VIEW_SHARED);
	}
	assert_int_equal(policy_view(NULL, &own), VIEW_SHARED);
}

static json_t *full_record(void)
{
	json_error_t jerr;
	json_t *rec = json_loads(
	    "{\"known_as\":\"Ardita\",\"legal_name\":\"Ardita K\",\"entered_service_on\":"
	    "\"2026-03-01\",\"exploitation_types\":[\"sexual\"],\"languages\":[{\"code\":\"sq\","
	    "\"interpreter_needed\":true}],\"contact\":{\"phone\":\"07700 900123\","
	    "\"safe_to_call\":false,\"address\":\"1 Safe House Road\"},\"care_needs\":{"
	    "\"clinician_gender\":\"female\",\"approach_with_care\":\"questions about "
	    "family\"},\"status\":\"active\"}",
	    0, &jerr);
	assert_non_null(rec);
	return rec;
}

static void case_team_view_is_whole(void **state)
{
	(void)state;
	json_t *rec = full_record();
	json_t *v = schema_view(&survivor_schema, rec, VIEW_CASE_TEAM);
	assert_non_null(v);
	assert_true(json_equal(v, rec));
	json_decref(v);
	json_decref(rec);
}

static void shared_view_leaves_out_case_team_fields(void **state)
{
	(void)state;
	json_t *rec = full_record();
	json_t *v = schema_view(&survivor_schema, rec, VIEW_SHARED);
	assert_non_null(v);
	/* What a clinician needs: who, languages, how to contact safely, care needs. */
	assert_string_equal(json_string_value(json_object_get(v, "known_as")), "Ardita");
	assert_non_null(json_object_get(v, "languages"));
	assert_non_null(json_object_get(v, "care_needs"));
	const json_t *contact = json_object_get(v, "contact");
	assert_non_null(contact);
	assert_non_null(json_object_get(contact, "phone"));
	assert_true(json_is_false(json_object_get(contact, "safe_to_call")));
	/* What they do not: how the person was exploited, where they live. */
	assert_null(json_object_get(v, "exploitation_types"));
	assert_null(json_object_get(contact, "address"));
	/* The stored record is untouched. */
	assert_non_null(json_object_get(json_object_get(rec, "contact"), "address"));
	json_decref(v);
	json_decref(rec);
}

/* A field the schema does not describe is never shown, in any view. */
static void unknown_fields_are_never_shown(void **state)
{
	(void)state;
	json_t *rec = full_record();
	json_object_set_new(rec, "password_hash", json_string("x"));
	json_object_set_new(json_object_get(rec, "contact"), "secret", json_string("x"));
	for (int view = VIEW_CASE_TEAM; view <= VIEW_SHARED; view++) {
		json_t *v = schema_view(&survivor_schema, rec, (enum schema_view)view);
		assert_null(json_object_get(v, "password_hash"));
		assert_null(json_object_get(json_object_get(v, "contact"), "secret"));
		json_decref(v);
	}
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_route_names_its_action),
	    cmocka_unit_test(no_action_is_refused_to_everyone),
	    cmocka_unit_test(record_routes_match_their_kinds),
	    cmocka_unit_test(assignment_kinds),
	    cmocka_unit_test(default_advocate),
	    cmocka_unit_test(who_may_hold_a_case),
	    cmocka_unit_test(views_by_role_and_ownership),
	    cmocka_unit_test(case_team_view_is_whole),
	    cmocka_unit_test(shared_view_leaves_out_case_team_fields),
	    cmocka_unit_test(unknown_fields_are_never_shown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
