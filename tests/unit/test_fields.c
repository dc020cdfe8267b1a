/* Unit tests for web/fields.c: forms drawn from the record's declarations,
 * a posted form read back into the API's JSON body, and the API's errors
 * turned into words beside the right input. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/date.h"
#include "domain/kind.h"
#include "domain/survivor.h"
#include "web/fields.h"
#include "web/form.h"

static const struct schema *schema_of(const char *kind)
{
	const struct kind *k = kind_find(kind);
	assert_non_null(k);
	return k->schema;
}

/* Reads body (url-encoded) for schema s; the errors in *errors. */
static json_t *read_form(const struct schema *s, const char *body, enum fields_mode mode,
			 bool case_team, json_t **errors)
{
	struct form f;
	assert_true(form_parse(body, strlen(body), &f));
	*errors = json_object();
	json_t *out = fields_read(s, &f, mode, case_team, *errors);
	form_free(&f);
	assert_non_null(out);
	return out;
}

static const char *str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "(none)";
}

static int setup(void **state)
{
	(void)state;
	return date_zone_use("Europe/London") ? 0 : -1;
}

static void appointment_body_from_a_new_form(void **state)
{
	(void)state;
	json_t *errors;
	json_t *b = read_form(schema_of("appointments"),
			      "csrf=x&kind=gp&starts_at=2026-12-04T10%3A00&duration_min=+30+"
			      "&provider=Riverside&interpreter.language=ti&interpreter.needed=yes"
			      "&interpreter.booked=no&interpreter.provided=&advocate_attends="
			      "&status=&cancelled_by=&notes=Line+one%0D%0Aline+two",
			      FIELDS_CREATE, true, &errors);
	assert_int_equal(json_object_size(errors), 0);
	assert_string_equal(str(b, "kind"), "gp");
	assert_string_equal(str(b, "starts_at"), "2026-12-04T10:00:00Z"); /* GMT in December */
	assert_int_equal(json_integer_value(json_object_get(b, "duration_min")), 30);
	json_t *in = json_object_get(b, "interpreter");
	assert_string_equal(str(in, "language"), "ti");
	assert_true(json_is_true(json_object_get(in, "needed")));
	assert_true(json_is_false(json_object_get(in, "booked")));
	/* Empty fields are left out of a new record, never sent as null. */
	assert_null(json_object_get(in, "provided"));
	assert_null(json_object_get(b, "status"));
	assert_null(json_object_get(b, "advocate_attends"));
	/* A text area's CRLF is a newline. */
	assert_string_equal(str(b, "notes"), "Line one\nline two");
	assert_null(json_object_get(b, "csrf"));
	json_decref(b);
	json_decref(errors);
}

static void dates_as_people_type_them(void **state)
{
	(void)state;
	const struct schema *s = schema_of("referrals");
	const char *typed[][2] = {
	    {"27/3/2026", "2026-03-27"}, {"27-03-2026", "2026-03-27"}, {"27.3.2026", "2026-03-27"},
	    {"27 3 2026", "2026-03-27"}, {"2026-03-27", "2026-03-27"}, {"29/2/2028", "2028-02-29"},
	};
	for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
		char body[128];
		snprintf(body, sizeof body, "service=legal&sent_on=%s", typed[i][0]);
		for (char *c = body; *c; c++)
			if (*c == ' ')
				*c = '+';
		json_t *errors;
		json_t *b = read_form(s, body, FIELDS_CREATE, true, &errors);
		assert_int_equal(json_object_size(errors), 0);
		assert_string_equal(str(b, "sent_on"), typed[i][1]);
		json_decref(b);
		json_decref(errors);
	}
	/* A day that does not exist is not sent; its input gets the error. */
	const char *bad[] = {"31/2/2026", "29/2/2027", "27/13/2026",
			     "27/3",	  "next week", "27/3-2026"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char body[128];
		snprintf(body, sizeof body, "service=legal&sent_on=%s", bad[i]);
		for (char *c = body; *c; c++)
			if (*c == ' ')
				*c = '+';
		json_t *errors;
		json_t *b = read_form(s, body, FIELDS_CREATE, true, &errors);
		assert_null(json_object_get(b, "sent_on"));
		assert_string_equal(str(errors, "sent_on"),
				    "Enter a real date, for example 27/3/2026");
		json_decref(b);
		json_decref(errors);
	}
}

/* datetime-local is the server's zone: on the day the clocks go forward,
 * 10:00 is 09:00 UTC; the day before it is 10:00 UTC. And back the same. */
static void datetime_local_across_a_clock_change(void **state)
{
	(void)state;
	const struct schema *s = schema_of("appointments");
	const char *cases[][2] = {
	    {"2026-03-28T10%3A00", "2026-03-28T10:00:00Z"},
	    {"2026-03-29T10%3A00", "2026-03-29T09:00:00Z"},
	    {"2026-03-29T00%3A30", "2026-03-29T00:30:00Z"}, /* before the change that night */
	    {"2026-10-24T10%3A00", "2026-10-24T09:00:00Z"},
	    {"2026-10-25T10%3A00", "2026-10-25T10:00:00Z"},
	    {"28%2F3%2F2026+14%3A30", "2026-03-28T14:30:00Z"},
	    {"30%2F3%2F2026+at+14%3A30", "2026-03-30T13:30:00Z"},
	    {"2026-06-01T12%3A00%3A00%2B02%3A00", "2026-06-01T10:00:00Z"}, /* RFC 3339 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char body[128];
		snprintf(body, sizeof body, "kind=gp&starts_at=%s", cases[i][0]);
		json_t *errors;
		json_t *b = read_form(s, body, FIELDS_CREATE, true, &errors);
		assert_int_equal(json_object_size(errors), 0);
		assert_string_equal(str(b, "starts_at"), cases[i][1]);
		json_decref(b);
		json_decref(errors);
	}
	/* And a stored instant is drawn back in local time. */
	json_t *v = json_pack("{s:s}", "starts_at", "2026-03-29T09:00:00Z");
	json_t *d = fields_describe(s, v, NULL, true);
	size_t i;
	json_t *f;
	bool found = false;
	json_array_foreach(d, i, f) if (strcmp(str(f, "name"), "starts_at") == 0)
	{
		assert_string_equal(str(f, "value"), "2026-03-29T10:00");
		assert_true(json_is_true(json_object_get(f, "is_datetime")));
		found = true;
	}
	assert_true(found);
	json_decref(d);
	json_decref(v);
	/* A time that is not one. */
	json_t *errors;
	json_t *b =
	    read_form(s, "kind=gp&starts_at=2026-03-29T25%3A00", FIELDS_CREATE, true, &errors);
	assert_null(json_object_get(b, "starts_at"));
	assert_non_null(json_object_get(errors, "starts_at"));
	json_decref(b);
	json_decref(errors);
}

static void emptied_fields_clear_on_a_change(void **state)
{
	(void)state;
	json_t *errors;
	json_t *b = read_form(schema_of("appointments"),
			      "kind=gp&starts_at=2026-12-04T10%3A00&duration_min=&provider=+"
			      "&interpreter.language=&interpreter.needed=&interpreter.booked=yes"
			      "&status=scheduled&cancelled_by=",
			      FIELDS_CHANGE, true, &errors);
	assert_int_equal(json_object_size(errors), 0);
	assert_true(json_is_null(json_object_get(b, "duration_min")));
	assert_true(json_is_null(json_object_get(b, "provider")));
	assert_true(json_is_null(json_object_get(b, "cancelled_by")));
	json_t *in = json_object_get(b, "interpreter");
	assert_true(json_is_null(json_object_get(in, "language")));
	assert_true(json_is_null(json_object_get(in, "needed"))); /* "Not known" */
	assert_true(json_is_true(json_object_get(in, "booked")));
	json_decref(b);
	json_decref(errors);
	/* A group left wholly empty is cleared, not stored as {}. */
	b = read_form(schema_of("appointments"),
		      "interpreter.language=&interpreter.needed=&interpreter.booked="
		      "&interpreter.provided=",
		      FIELDS_CHANGE, true, &errors);
	assert_true(json_is_null(json_object_get(b, "interpreter")));
	/* A field the form did not have is not touched. */
	assert_null(json_object_get(b, "notes"));
	assert_null(json_object_get(b, "advocate_attends"));
	json_decref(b);
	json_decref(errors);
}

static void rows_of_a_list_and_check_boxes(void **state)
{
	(void)state;
	const char *body = "review_every_days=14"
			   "&goals.0.domain=housing&goals.0.text=Find+a+flat&goals.0.status="
			   "&goals.1.domain=&goals.1.text=&goals.1.status="
			   "&goals.2.domain=health&goals.2.text=See+a+GP&goals.2.status=met";
	json_t *errors;
	json_t *b = read_form(schema_of("plan"), body, FIELDS_CREATE, true, &errors);
	assert_int_equal(json_object_size(errors), 0);
	json_t *goals = json_object_get(b, "goals");
	assert_int_equal(json_array_size(goals), 2); /* the blank row is not a row */
	assert_string_equal(str(json_array_get(goals, 1), "text"), "See a GP");
	assert_string_equal(str(json_array_get(goals, 1), "status"), "met");
	assert_null(json_object_get(json_array_get(goals, 0), "status"));
	/* The API's goals[1] is the form's third row. */
	struct form f;
	assert_true(form_parse(body, strlen(body), &f));
	char id[64];
	fields_error_id(schema_of("plan"), &f, "goals[1].text", id, sizeof id);
	assert_string_equal(id, "goals-2-text");
	fields_error_id(schema_of("plan"), &f, "goals[0].domain", id, sizeof id);
	assert_string_equal(id, "goals-0-domain");
	fields_error_id(schema_of("plan"), &f, "review_every_days", id, sizeof id);
	assert_string_equal(id, "review_every_days");
	form_free(&f);
	json_decref(b);
	json_decref(errors);

	/* Check boxes: the hidden empty value says the group was there. */
	const char *cb = "known_as=Ana&entered_service_on=1%2F2%2F2026&exploitation_types="
			 "&exploitation_types=labour&exploitation_types=criminal";
	b = read_form(&survivor_schema, cb, FIELDS_CREATE, true, &errors);
	json_t *types = json_object_get(b, "exploitation_types");
	assert_int_equal(json_array_size(types), 2);
	assert_string_equal(json_string_value(json_array_get(types, 0)), "labour");
	assert_string_equal(str(b, "entered_service_on"), "2026-02-01");
	json_decref(b);
	json_decref(errors);
	/* None ticked: left out of a new record, emptied on a change. */
	b = read_form(&survivor_schema, "known_as=Ana&exploitation_types=", FIELDS_CREATE, true,
		      &errors);
	assert_null(json_object_get(b, "exploitation_types"));
	json_decref(b);
	json_decref(errors);
	b = read_form(&survivor_schema, "known_as=Ana&exploitation_types=", FIELDS_CHANGE, true,
		      &errors);
	assert_int_equal(json_array_size(json_object_get(b, "exploitation_types")), 0);
	assert_true(json_is_array(json_object_get(b, "exploitation_types")));
	json_decref(b);
	json_decref(errors);
}

static void impossible_values_are_errors(void **state)
{
	(void)state;
	json_t *errors;
	json_t *b = read_form(schema_of("appointments"),
			      "kind=gp&starts_at=2026-12-04T10%3A00&duration_min=half+an+hour"
			      "&advocate_attends=perhaps&interpreter.needed=1",
			      FIELDS_CREATE, true, &errors);
	assert_string_equal(str(errors, "duration_min"), "Enter a whole number, in figures");
	assert_string_equal(str(errors, "advocate_attends"), "Choose yes or no");
	assert_string_equal(str(errors, "interpreter-needed"), "Choose yes or no");
	assert_null(json_object_get(b, "duration_min"));
	json_decref(b);
	json_decref(errors);
}

static void required_fields_left_empty(void **state)
{
	(void)state;
	struct form f;
	const char *body = "kind=&starts_at=&provider=Riverside";
	assert_true(form_parse(body, strlen(body), &f));
	json_t *errors = json_object();
	struct fields_opts o = {.case_team = true};
	fields_missing(schema_of("appointments"), &f, FIELDS_CREATE, &o, errors);
	assert_string_equal(str(errors, "starts_at"), "Enter the date and time of the appointment");
	assert_string_equal(str(errors, "kind"), "Choose the kind of appointment");
	assert_int_equal(json_object_size(errors), 2);
	form_free(&f);
	json_decref(errors);

	/* In a list, only a row with something in it is checked. */
	body = "goals.0.domain=housing&goals.0.text=&goals.1.domain=&goals.1.text=";
	assert_true(form_parse(body, strlen(body), &f));
	errors = json_object();
	fields_missing(schema_of("plan"), &f, FIELDS_CREATE, &o, errors);
	assert_string_equal(str(errors, "goals-0-text"), "Enter the goal");
	assert_int_equal(json_object_size(errors), 1);
	form_free(&f);
	json_decref(errors);

	/* A change leaves alone what the form does not have. */
	body = "provider=Riverside";
	assert_true(form_parse(body, strlen(body), &f));
	errors = json_object();
	fields_missing(schema_of("appointments"), &f, FIELDS_CHANGE, &o, errors);
	assert_int_equal(json_object_size(errors), 0);
	form_free(&f);
	json_decref(errors);
}

static void api_errors_in_words(void **state)
{
	(void)state;
	const struct schema *ap = schema_of("appointments");
	const struct schema *rf = schema_of("referrals");
	char *t = fields_error_text(ap, "cancelled_by", "cancelled_by is required when cancelled");
	assert_string_equal(t, "Cancelled by is required when cancelled");
	free(t);
	t = fields_error_text(rf, "sent_on", "sent_on is in the future");
	assert_string_equal(t, "Sent on must be today or in the past");
	free(t);
	t = fields_error_text(rf, "accepted_on", "accepted_on is before sent_on");
	assert_string_equal(t, "Accepted on is before sent on");
	free(t);
	t = fields_error_text(ap, "starts_at", "starts_at is required");
	assert_string_equal(t, "Enter the date and time of the appointment");
	free(t);
	t = fields_error_text(ap, "interpreter.language",
			      "interpreter.language must be a BCP 47 language tag");
	assert_string_equal(t, "Language of the interpreter must be a language code, for "
			       "example ti for Tigrinya");
	free(t);
	t = fields_error_text(schema_of("plan"), "goals[0].text", "goals[0].text is required");
	assert_string_equal(t, "Enter the goal");
	free(t);
	t = fields_error_text(ap, NULL, "the request is not valid");
	assert_string_equal(t, "The request is not valid");
	free(t);
	char id[64];
	fields_id("goals[10].text", id, sizeof id);
	assert_string_equal(id, "goals-10-text");
	fields_id("contact.phone", id, sizeof id);
	assert_string_equal(id, "contact-phone");
}

static bool has_field(const json_t *fields, const char *name)
{
	size_t i;
	const json_t *f;
	json_array_foreach(fields, i, f) if (strcmp(str(f, "name"), name) == 0) return true;
	return false;
}

static void clinicians_never_see_the_case_teams_fields(void **state)
{
	(void)state;
	const struct schema *ap = schema_of("appointments");
	json_t *d = fields_describe(ap, NULL, NULL, false);
	assert_false(has_field(d, "notes"));
	assert_true(has_field(d, "starts_at"));
	assert_false(has_field(d, "id"));      /* set by the server */
	assert_false(has_field(d, "version")); /* carried apart */
	json_decref(d);
	d = fields_describe(ap, NULL, NULL, true);
	assert_true(has_field(d, "notes"));
	json_decref(d);
	/* Posted anyway, it is not read. */
	json_t *errors;
	json_t *b = read_form(ap, "kind=gp&starts_at=2026-12-04T10%3A00&notes=x", FIELDS_CREATE,
			      false, &errors);
	assert_null(json_object_get(b, "notes"));
	json_decref(b);
	json_decref(errors);
}

static void choices_and_only(void **state)
{
	(void)state;
	const struct schema *cs = schema_of("consents");
	/* An id without choices is not drawn; with them, a select. */
	json_t *d = fields_describe(cs, NULL, NULL, true);
	assert_false(has_field(d, "org_id"));
	json_decref(d);
	json_t *choices =
	    json_pack("{s:[{s:s, s:s}]}", "org_id", "value", "0123456789abcdef0123456789abcdef",
		      "text", "Riverside Surgery");
	struct fields_opts o = {.case_team = true, .choices = choices};
	d = fields_describe_opts(cs, NULL, NULL, &o);
	size_t i;
	json_t *f;
	json_array_foreach(d, i, f) if (strcmp(str(f, "name"), "org_id") == 0)
	{
		assert_true(json_is_true(json_object_get(f, "is_select")));
		json_t *opt = json_array_get(json_object_get(f, "options"), 1);
		assert_string_equal(str(opt, "text"), "Riverside Surgery");
	}
	json_decref(d);
	static const char *const only[] = {"withdrawn_on", NULL};
	o.only = only;
	d = fields_describe_opts(cs, NULL, NULL, &o);
	assert_int_equal(json_array_size(d), 1);
	json_decref(d);
	json_decref(choices);
}

static void what_changed_side_by_side(void **state)
{
	(void)state;
	const struct schema *ap = schema_of("appointments");
	json_t *entered = json_pack("{s:s, s:s, s:s}", "kind", "gp", "starts_at",
				    "2026-12-04T11:00:00Z", "provider", "Other place");
	json_t *saved = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "gp", "starts_at",
				  "2026-12-04T10:00:00Z", "provider", "Riverside", "status",
				  "cancelled", "cancelled_by", "third_party");
	json_t *changed = json_pack("[s, s]", "status", "cancelled_by");
	struct fields_opts o = {.case_team = true};
	json_t *rows = fields_compare(ap, entered, saved, changed, &o);
	assert_int_equal(json_array_size(rows), 4);
	json_t *r = json_array_get(rows, 0);
	assert_string_equal(str(r, "label"), "Date and time");
	assert_string_equal(str(r, "entered"), "4 December 2026, 11:00");
	assert_string_equal(str(r, "saved"), "4 December 2026, 10:00");
	assert_false(json_is_true(json_object_get(r, "meanwhile")));
	r = json_array_get(rows, 3);
	assert_string_equal(str(r, "label"), "Cancelled by");
	assert_string_equal(str(r, "entered"), "Not given");
	assert_string_equal(str(r, "saved"), "Third party");
	assert_true(json_is_true(json_object_get(r, "meanwhile")));
	json_decref(rows);
	json_decref(changed);
	json_decref(saved);
	json_decref(entered);
}

static void echo_keeps_what_was_typed(void **state)
{
	(void)state;
	struct form f;
	const char *body = "kind=gp&starts_at=31%2F2%2F2026+10%3A00&duration_min=ten"
			   "&interpreter.needed=yes&goals.0.text=x";
	assert_true(form_parse(body, strlen(body), &f));
	json_t *e = fields_echo(schema_of("appointments"), &f);
	assert_string_equal(str(e, "starts_at"), "31/2/2026 10:00");
	assert_string_equal(str(e, "duration_min"), "ten");
	assert_string_equal(str(json_object_get(e, "interpreter"), "needed"), "yes");
	/* Drawn again, the radio is still ticked. */
	json_t *d = fields_describe(schema_of("appointments"), e, NULL, true);
	size_t i;
	json_t *fd;
	json_array_foreach(d, i, fd) if (strcmp(str(fd, "name"), "interpreter") == 0)
	{
		json_t *needed = json_array_get(json_object_get(fd, "fields"), 1);
		assert_string_equal(str(needed, "name"), "interpreter.needed");
		assert_true(json_is_true(json_object_get(needed, "yes")));
		assert_string_equal(str(needed, "anchor"), "interpreter-needed-yes");
	}
	json_decref(d);
	json_decref(e);
	form_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(appointment_body_from_a_new_form),
	    cmocka_unit_test(dates_as_people_type_them),
	    cmocka_unit_test(datetime_local_across_a_clock_change),
	    cmocka_unit_test(emptied_fields_clear_on_a_change),
	    cmocka_unit_test(rows_of_a_list_and_check_boxes),
	    cmocka_unit_test(impossible_values_are_errors),
	    cmocka_unit_test(required_fields_left_empty),
	    cmocka_unit_test(api_errors_in_words),
	    cmocka_unit_test(clinicians_never_see_the_case_teams_fields),
	    cmocka_unit_test(choices_and_only),
	    cmocka_unit_test(what_changed_side_by_side),
	    cmocka_unit_test(echo_keeps_what_was_typed),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
