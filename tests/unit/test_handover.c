/* Unit tests for domain/handover: what a handover may carry, and when. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "domain/date.h"
#include "domain/fhir.h"
#include "domain/handover.h"

static int day(const char *s)
{
	int d = 0;
	assert_true(date_parse(s, &d));
	return d;
}

static json_t *load(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	assert_non_null(j);
	return j;
}

static const char *survivor_text =
    "{\"known_as\": \"Ardita\", \"legal_name\": \"SECRET legal\", \"birth_year\": 1994,"
    " \"gender\": \"female\", \"nationality\": \"AL\", \"exploitation_types\": [\"sexual\"],"
    " \"languages\": [{\"code\": \"sq\", \"interpreter_needed\": true}],"
    " \"dependants\": [{\"known_as\": \"SECRET child\", \"birth_year\": 2020}],"
    " \"contact\": {\"phone\": \"SECRET phone\", \"address\": \"SECRET address\"},"
    " \"care_needs\": {\"clinician_gender\": \"female\", \"approach_with_care\": \"Knock\"}}";

static const char *parts_text =
    "{\"consents\": [{\"purpose\": \"share_with_org\", \"given_on\": \"2026-01-01\"},"
    "                {\"purpose\": \"handover\", \"given_on\": \"2026-10-01\", \"method\": "
    "\"written\", \"interpreter_used\": true}],"
    " \"notes\": [{\"kind\": \"call\", \"body\": \"SECRET note\"}],"
    " \"nrm\": {\"first_responder\": \"SECRET nrm\"},"
    " \"asylum\": {\"legal_representative\": \"SECRET asylum\"},"
    " \"appointments\": ["
    "   {\"kind\": \"gp\", \"starts_at\": \"2026-12-20T10:00:00Z\", \"notes\": \"SECRET appt\"},"
    "   {\"kind\": \"dental\", \"starts_at\": \"2026-12-10T10:00:00Z\", \"status\": \"scheduled\"},"
    "   {\"kind\": \"gp\", \"starts_at\": \"2026-11-01T10:00:00Z\", \"status\": \"scheduled\"},"
    "   {\"kind\": \"gp\", \"starts_at\": \"2026-12-11T10:00:00Z\", \"status\": \"cancelled\","
    "    \"cancelled_by\": \"provider\"}],"
    " \"registrations\": [{\"service\": \"gp\", \"registered_on\": \"2026-10-03\"},"
    "                     {\"service\": \"gp\", \"person\": \"dependant:1\", \"registered_on\": "
    "\"2026-10-04\"}],"
    " \"referrals\": [{\"service\": \"mental_health\", \"sent_on\": \"2026-10-05\","
    "                  \"rejection_reason\": \"SECRET reason\"},"
    "                 {\"service\": \"legal\", \"sent_on\": \"2026-10-06\"}],"
    " \"medications\": [{\"name\": \"Sertraline\", \"category\": \"antidepressant\"},"
    "                   {\"name\": \"Old\", \"category\": \"other\", \"stopped_on\": "
    "\"2026-10-01\"}],"
    " \"plan\": {\"goals\": [{\"domain\": \"health\", \"text\": \"Register with a GP\"},"
    "                      {\"domain\": \"legal\", \"text\": \"SECRET goal\"},"
    "                      {\"domain\": \"mental_health\", \"text\": \"Met\", \"status\": "
    "\"met\"}]}}";

static void carries_only_what_a_clinician_acts_on(void **state)
{
	(void)state;
	json_t *sv = load(survivor_text), *parts = load(parts_text);
	bool no_consent = true;
	json_t *sel = handover_select(sv, parts, day("2026-12-02"), &no_consent);
	assert_non_null(sel);
	assert_false(no_consent);
	char *all = json_dumps(sel, JSON_COMPACT);
	assert_non_null(all);
	/* Nothing planted outside the allow list travels. */
	assert_null(strstr(all, "SECRET"));
	assert_null(strstr(all, "nationality"));
	assert_null(strstr(all, "exploitation"));
	json_t *p = json_object_get(sel, "patient");
	assert_string_equal(json_string_value(json_object_get(p, "known_as")), "Ardita");
	assert_int_equal(json_integer_value(json_object_get(p, "birth_year")), 1994);
	assert_int_equal(json_array_size(json_object_get(p, "languages")), 1);
	/* A dependant is a year of birth, never a name. */
	assert_int_equal(json_integer_value(json_array_get(json_object_get(p, "dependants"), 0)),
			 2020);
	assert_string_equal(json_string_value(json_object_get(json_object_get(sel, "care_needs"),
							      "clinician_gender")),
			    "female");
	/* Appointments to come, scheduled, soonest first: not past, not cancelled. */
	json_t *ap = json_object_get(sel, "appointments");
	assert_int_equal(json_array_size(ap), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ap, 0), "kind")),
			    "dental");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ap, 1), "kind")),
			    "gp");
	/* The survivor's own registrations; health referrals; current medication;
	 * open health goals. */
	assert_int_equal(json_array_size(json_object_get(sel, "registrations")), 1);
	assert_int_equal(json_array_size(json_object_get(sel, "referrals")), 1);
	assert_int_equal(json_array_size(json_object_get(sel, "medications")), 1);
	assert_int_equal(json_array_size(json_object_get(sel, "goals")), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(sel, "consent"), "given_on")),
	    "2026-10-01");
	free(all);
	json_decref(sel);
	json_decref(sv);
	json_decref(parts);
}

static void needs_an_active_handover_consent(void **state)
{
	(void)state;
	json_t *sv = load(survivor_text), *parts = load(parts_text);
	bool no_consent = false;
	/* Before it was given. */
	assert_null(handover_select(sv, parts, day("2026-09-30"), &no_consent));
	assert_true(no_consent);
	/* Withdrawn: from that day on, nothing. */
	json_t *c = json_array_get(json_object_get(parts, "consents"), 1);
	json_object_set_new(c, "withdrawn_on", json_string("2026-11-01"));
	assert_null(handover_select(sv, parts, day("2026-11-01"), &no_consent));
	assert_true(no_consent);
	json_t *sel = handover_select(sv, parts, day("2026-10-31"), &no_consent);
	assert_non_null(sel);
	assert_false(no_consent);
	json_decref(sel);
	/* Another purpose is not a handover consent. */
	json_t *other =
	    json_pack("[{s:s, s:s}]", "purpose", "share_with_org", "given_on", "2026-01-01");
	assert_null(handover_consent(other, day("2026-12-01")));
	json_decref(other);
	json_decref(sv);
	json_decref(parts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(carries_only_what_a_clinician_acts_on),
	    cmocka_unit_test(needs_an_active_handover_consent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
