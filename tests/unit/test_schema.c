/* Unit tests for domain/schema through the survivor record (domain/survivor). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/date.h"
#include "domain/schema.h"
#include "domain/survivor.h"
#include "util/buf.h"
#include "util/jsonw.h"

/* The two required fields; every record below starts from them. */
#define BASE "\"known_as\":\"Ardita\",\"entered_service_on\":\"2026-03-01\""

static int today(void)
{
	return date_from_ymd(2026, 11, 22);
}

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!j)
		fail_msg("test input is not JSON: %s (%s)", text, jerr.text);
	return j;
}

/* survivor_validate must refuse text, naming field. */
static void expect_invalid_at(const char *text, int day, const char *field)
{
	json_t *rec = parse(text);
	struct schema_error err;
	memset(&err, 0, sizeof err);
	wm_err e = survivor_validate(rec, day, &err);
	json_decref(rec);
	if (e != WM_ERR_INVALID || strcmp(err.field, field) != 0)
		fail_msg("%s: got error %d at '%s' (%s), want WM_ERR_INVALID at '%s'", text, (int)e,
			 err.field, err.message, field);
	if (err.message[0] == '\0')
		fail_msg("%s: error at '%s' has no message", text, field);
}

static void expect_invalid(const char *text, const char *field)
{
	expect_invalid_at(text, today(), field);
}

/* survivor_validate must accept text; returns the normalised record. */
static json_t *validated_at(const char *text, int day)
{
	json_t *rec = parse(text);
	struct schema_error err;
	memset(&err, 0, sizeof err);
	wm_err e = survivor_validate(rec, day, &err);
	if (e != WM_OK) {
		json_decref(rec);
		fail_msg("%s: refused (%d) at '%s': %s", text, (int)e, err.field, err.message);
	}
	return rec;
}

static void expect_valid(const char *text)
{
	json_decref(validated_at(text, today()));
}

static const char *str_member(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* ---- whole records ---------------------------------------------------- */

static void minimal_record_is_valid_and_defaults_to_active(void **state)
{
	(void)state;
	json_t *rec = validated_at("{" BASE "}", today());
	assert_string_equal(str_member(rec, "status"), "active");
	assert_string_equal(str_member(rec, "known_as"), "Ardita");
	assert_string_equal(str_member(rec, "entered_service_on"), "2026-03-01");
	assert_null(json_object_get(rec, "closed_on"));
	json_decref(rec);
}

static void full_record_is_valid(void **state)
{
	(void)state;
	const char *text =
	    "{" BASE ",\"legal_name\":\"Ardita Hoxha\",\"birth_year\":1998,"
	    "\"gender\":\"female\",\"nationality\":\"AL\","
	    "\"languages\":[{\"code\":\"sq\",\"interpreter_needed\":true,"
	    "\"interpreter_gender\":\"female\"},{\"code\":\"ar-SD\"}],"
	    "\"exploitation_types\":[\"sexual\",\"labour\"],"
	    "\"pregnant\":true,\"due_on\":\"2027-01-15\","
	    "\"dependants\":[{\"known_as\":\"Bora\",\"birth_year\":2020},{\"known_as\":\"Ema\"}],"
	    "\"advocate_id\":\"0123456789abcdef0123456789abcdef\","
	    "\"status\":\"closed\",\"closed_on\":\"2026-10-01\","
	    "\"contact\":{\"phone\":\"+44 7700 900123\",\"safe_to_call\":true,"
	    "\"safe_voicemail\":false,\"safe_letters\":false,\"address\":\"Flat 2\\n1 High St\"},"
	    "\"care_needs\":{\"clinician_gender\":\"female\",\"advocate_attends\":true,"
	    "\"approach_with_care\":\"Knock first.\\nSpeak quietly.\",\"other\":\"none\"}}";
	json_t *rec = validated_at(text, today());
	assert_string_equal(str_member(rec, "status"), "closed");
	assert_string_equal(str_member(rec, "closed_on"), "2026-10-01");
	assert_int_equal(json_array_size(json_object_get(rec, "languages")), 2);
	assert_int_equal(survivor_dependant_count(rec), 2);
	json_decref(rec);

	/* The same record passes schema_check directly. */
	json_t *raw = parse(text);
	struct schema_error err;
	assert_int_equal(schema_check(&survivor_schema, raw, &err), WM_OK);
	json_decref(raw);
}

static void body_must_be_an_object(void **state)
{
	(void)state;
	const char *bad[] = {"[]", "\"text\"", "42", "null", "true"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *j = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		assert_non_null(j);
		struct schema_error err;
		memset(&err, 0, sizeof err);
		assert_int_equal(schema_check(&survivor_schema, j, &err), WM_ERR_INVALID);
		assert_true(err.message[0] != '\0');
		json_decref(j);
	}
}

/* ---- required fields -------------------------------------------------- */

static void required_fields(void **state)
{
	(void)state;
	expect_invalid("{\"entered_service_on\":\"2026-03-01\"}", "known_as");
	expect_invalid("{\"known_as\":\"Ardita\"}", "entered_service_on");
	expect_invalid("{}", "known_as");
	/* A JSON null counts as absent. */
	expect_invalid("{\"known_as\":null,\"entered_service_on\":\"2026-03-01\"}", "known_as");
	expect_invalid("{\"known_as\":\"Ardita\",\"entered_service_on\":null}",
		       "entered_service_on");
	/* A required string must not be blank. */
	expect_invalid("{\"known_as\":\"\",\"entered_service_on\":\"2026-03-01\"}", "known_as");
	expect_invalid("{\"known_as\":\"   \",\"entered_service_on\":\"2026-03-01\"}", "known_as");
	expect_invalid("{\"known_as\":\" \\t \",\"entered_service_on\":\"2026-03-01\"}",
		       "known_as");
	/* Required inside nested objects and list items. */
	expect_invalid("{" BASE ",\"languages\":[{\"interpreter_needed\":true}]}",
		       "languages[0].code");
	expect_invalid("{" BASE ",\"dependants\":[{\"known_as\":\"Bora\"},{\"birth_year\":2020}]}",
		       "dependants[1].known_as");
	expect_invalid("{" BASE ",\"dependants\":[{\"known_as\":\"  \"}]}",
		       "dependants[0].known_as");
	/* An optional string may be blank. */
	expect_valid("{" BASE ",\"legal_name\":\"\"}");
}

static void required_check_through_schema_check(void **state)
{
	(void)state;
	json_t *j = parse("{\"known_as\":\"Ardita\",\"entered_service_on\":null}");
	struct schema_error err;
	memset(&err, 0, sizeof err);
	assert_int_equal(schema_check(&survivor_schema, j, &err), WM_ERR_INVALID);
	assert_string_equal(err.field, "entered_service_on");
	json_decref(j);

	/* Optional nulls pass schema_check: null counts as absent. */
	j = parse("{" BASE ",\"legal_name\":null,\"contact\":{\"phone\":null}}");
	assert_int_equal(schema_check(&survivor_schema, j, &err), WM_OK);
	json_decref(j);
}

/* ---- unknown fields --------------------------------------------------- */

static void unknown_fields_are_named(void **state)
{
	(void)state;
	expect_invalid("{" BASE ",\"colour\":\"red\"}", "colour");
	expect_invalid("{" BASE ",\"Known_As\":\"x\"}", "Known_As");
	expect_invalid("{" BASE ",\"version\":1}", "version");
	expect_invalid("{" BASE ",\"contact\":{\"phone\":\"0770\",\"colour\":\"red\"}}",
		       "contact.colour");
	expect_invalid("{" BASE ",\"care_needs\":{\"diet\":\"none\"}}", "care_needs.diet");
	expect_invalid("{" BASE ",\"languages\":[{\"code\":\"sq\",\"x\":1}]}", "languages[0].x");
	expect_invalid("{" BASE ",\"languages\":[{\"code\":\"sq\"},{\"code\":\"vi\",\"x\":1}]}",
		       "languages[1].x");
	expect_invalid("{" BASE ",\"dependants\":[{\"known_as\":\"Bora\",\"age\":4}]}",
		       "dependants[0].age");
	/* Unknown even when null. */
	json_t *j = parse("{" BASE ",\"colour\":null}");
	struct schema_error err;
	memset(&err, 0, sizeof err);
	assert_int_equal(schema_check(&survivor_schema, j, &err), WM_ERR_INVALID);
	assert_string_equal(err.field, "colour");
	json_decref(j);
}

/* ---- types ------------------------------------------------------------ */

static void wrong_types(void **state)
{
	(void)state;
	expect_invalid("{" BASE ",\"birth_year\":\"1990\"}", "birth_year");
	expect_invalid("{" BASE ",\"birth_year\":1990.5}", "birth_year");
	expect_invalid("{" BASE ",\"birth_year\":true}", "birth_year");
	expect_invalid("{\"known_as\":5,\"entered_service_on\":\"2026-03-01\"}", "known_as");
	expect_invalid("{\"known_as\":[\"Ardita\"],\"entered_service_on\":\"2026-03-01\"}",
		       "known_as");
	expect_invalid("{\"known_as\":\"Ardita\",\"entered_service_on\":20260301}",
		       "entered_service_on");
	expect_invalid("{" BASE ",\"languages\":{\"code\":\"sq\"}}", "languages");
	expect_invalid("{" BASE ",\"languages\":\"sq\"}", "languages");
	expect_invalid("{" BASE ",\"languages\":[\"sq\"]}", "languages[0]");
	expect_invalid("{" BASE ",\"languages\":[null]}", "languages[0]");
	expect_invalid("{" BASE
		       ",\"languages\":[{\"code\":\"sq\",\"interpreter_needed\":\"yes\"}]}",
		       "languages[0].interpreter_needed");
	expect_invalid("{" BASE ",\"languages\":[{\"code\":7}]}", "languages[0].code");
	expect_invalid("{" BASE ",\"pregnant\":\"yes\"}", "pregnant");
	expect_invalid("{" BASE ",\"pregnant\":1}", "pregnant");
	expect_invalid("{" BASE ",\"contact\":\"0770\"}", "contact");
	expect_invalid("{" BASE ",\"contact\":[]}", "contact");
	expect_invalid("{" BASE ",\"contact\":{\"safe_to_call\":\"yes\"}}", "contact.safe_to_call");
	expect_invalid("{" BASE ",\"exploitation_types\":\"labour\"}", "exploitation_types");
	expect_invalid("{" BASE ",\"exploitation_types\":[1]}", "exploitation_types[0]");
	expect_invalid("{" BASE ",\"dependants\":{\"known_as\":\"Bora\"}}", "dependants");
	expect_invalid("{" BASE ",\"advocate_id\":42}", "advocate_id");
	expect_invalid("{" BASE ",\"advocate_id\":\"not-an-id\"}", "advocate_id");
	expect_invalid("{" BASE ",\"advocate_id\":\"0123456789ABCDEF0123456789ABCDEF\"}",
		       "advocate_id");
	expect_invalid("{" BASE ",\"nationality\":44}", "nationality");
}

static void integer_bounds(void **state)
{
	(void)state;
	expect_valid("{" BASE ",\"birth_year\":1900}");
	expect_invalid("{" BASE ",\"birth_year\":1899}", "birth_year");
	expect_invalid("{" BASE ",\"birth_year\":-5}", "birth_year");
	expect_invalid("{" BASE ",\"dependants\":[{\"known_as\":\"Bora\",\"birth_year\":1899}]}",
		       "dependants[0].birth_year");
}

static void dates_must_exist(void **state)
{
	(void)state;
	expect_invalid("{\"known_as\":\"Ardita\",\"entered_service_on\":\"2026-02-30\"}",
		       "entered_service_on");
	expect_invalid("{\"known_as\":\"Ardita\",\"entered_service_on\":\"2026-3-1\"}",
		       "entered_service_on");
	expect_invalid("{\"known_as\":\"Ardita\",\"entered_service_on\":\"2026-03-01T00:00:00Z\"}",
		       "entered_service_on");
	expect_invalid("{\"known_as\":\"Ardita\",\"entered_service_on\":\"\"}",
		       "entered_service_on");
	expect_invalid("{" BASE ",\"due_on\":\"2027-13-01\"}", "due_on");
	expect_invalid("{" BASE ",\"status\":\"closed\",\"closed_on\":\"2026-04-31\"}",
		       "closed_on");
	expect_valid("{\"known_as\":\"Ardita\",\"entered_service_on\":\"2024-02-29\"}");
}

/* ---- enums ------------------------------------------------------------ */

static void enum_values(void **state)
{
	(void)state;
	const char *genders[] = {"female", "male", "non_binary", "not_stated"};
	char buf[256];
	for (size_t i = 0; i < 4; i++) {
		snprintf(buf, sizeof buf, "{" BASE ",\"gender\":\"%s\"}", genders[i]);
		expect_valid(buf);
	}
	expect_invalid("{" BASE ",\"gender\":\"Female\"}", "gender");
	expect_invalid("{" BASE ",\"gender\":\"woman\"}", "gender");
	expect_invalid("{" BASE ",\"gender\":\"\"}", "gender");

	const char *types[] = {"sexual", "labour", "domestic_servitude", "criminal", "other"};
	for (size_t i = 0; i < 5; i++) {
		snprintf(buf, sizeof buf, "{" BASE ",\"exploitation_types\":[\"%s\"]}", types[i]);
		expect_valid(buf);
	}
	expect_valid("{" BASE ",\"exploitation_types\":[]}");
	expect_invalid("{" BASE ",\"exploitation_types\":[\"labour\",\"trafficking\"]}",
		       "exploitation_types[1]");
	expect_invalid("{" BASE ",\"exploitation_types\":[\"Labour\"]}", "exploitation_types[0]");

	const char *interp[] = {"female", "male", "any"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(buf, sizeof buf,
			 "{" BASE
			 ",\"languages\":[{\"code\":\"vi\",\"interpreter_gender\":\"%s\"}]}",
			 interp[i]);
		expect_valid(buf);
	}
	expect_invalid("{" BASE
		       ",\"languages\":[{\"code\":\"vi\",\"interpreter_gender\":\"none\"}]}",
		       "languages[0].interpreter_gender");
	expect_invalid("{" BASE ",\"languages\":[{\"code\":\"vi\","
		       "\"interpreter_gender\":\"non_binary\"}]}",
		       "languages[0].interpreter_gender");
	expect_valid("{" BASE ",\"care_needs\":{\"clinician_gender\":\"any\"}}");
	expect_invalid("{" BASE ",\"care_needs\":{\"clinician_gender\":\"nobody\"}}",
		       "care_needs.clinician_gender");

	expect_valid("{" BASE ",\"status\":\"active\"}");
	expect_invalid("{" BASE ",\"status\":\"archived\"}", "status");
	expect_invalid("{" BASE ",\"status\":true}", "status");
}

/* ---- countries and languages ------------------------------------------ */

static void nationality_codes(void **state)
{
	(void)state;
	expect_valid("{" BASE ",\"nationality\":\"GB\"}");
	expect_valid("{" BASE ",\"nationality\":\"VN\"}");
	expect_valid("{" BASE ",\"nationality\":\"ER\"}");
	const char *bad[] = {"gb", "Gb", "XX", "GBR", "UK", "G", "", "G1", " GB"};
	char buf[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(buf, sizeof buf, "{" BASE ",\"nationality\":\"%s\"}", bad[i]);
		expect_invalid(buf, "nationality");
	}
}

static void language_tags_in_records(void **state)
{
	(void)state;
	const char *good[] = {"sq", "vi", "ti", "ar-SD", "zh-Hant-TW", "fil"};
	const char *bad[] = {"a", "toolongtag", "en--GB", "e1", "", "en-", "-en", "en GB"};
	char buf[256];
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(buf, sizeof buf, "{" BASE ",\"languages\":[{\"code\":\"%s\"}]}", good[i]);
		expect_valid(buf);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(buf, sizeof buf,
			 "{" BASE ",\"languages\":[{\"code\":\"sq\"},{\"code\":\"%s\"}]}", bad[i]);
		expect_invalid(buf, "languages[1].code");
	}
}

/* ---- text content and length ------------------------------------------ */

static void control_characters_in_one_line_strings(void **state)
{
	(void)state;
	const char *bad[] = {"Ard\\nita",     "Ard\\rita",	  "Ard\\tita",	  "Ard\\u0001ita",
			     "Ard\\u007fita", "Ardita\\u001b[2J", "Ard\\u0000ita"};
	char buf[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(buf, sizeof buf,
			 "{\"known_as\":\"%s\",\"entered_service_on\":\"2026-03-01\"}", bad[i]);
		expect_invalid(buf, "known_as");
		snprintf(buf, sizeof buf, "{" BASE ",\"legal_name\":\"%s\"}", bad[i]);
		expect_invalid(buf, "legal_name");
		snprintf(buf, sizeof buf, "{" BASE ",\"contact\":{\"phone\":\"%s\"}}", bad[i]);
		expect_invalid(buf, "contact.phone");
		snprintf(buf, sizeof buf, "{" BASE ",\"dependants\":[{\"known_as\":\"%s\"}]}",
			 bad[i]);
		expect_invalid(buf, "dependants[0].known_as");
	}
	/* Non-ASCII letters are not control characters. */
	expect_valid("{\"known_as\":\"Şeyma Ñúñez Ελένη Ольга\","
		     "\"entered_service_on\":\"2026-03-01\"}");
}

static void free_text_allows_newlines_not_controls(void **state)
{
	(void)state;
	expect_valid("{" BASE ",\"contact\":{\"address\":\"Flat 2\\r\\n1 High St\\tRear\"}}");
	expect_valid("{" BASE ",\"care_needs\":{\"other\":\"line one\\nline two\"}}");
	expect_invalid("{" BASE ",\"contact\":{\"address\":\"Flat 2\\u0007\"}}", "contact.address");
	expect_invalid("{" BASE ",\"care_needs\":{\"other\":\"x\\u007f\"}}", "care_needs.other");
	expect_invalid("{" BASE ",\"care_needs\":{\"other\":\"x\\u0000y\"}}", "care_needs.other");
}

/* A record whose member key holds a string of n bytes (all 'a'). */
static json_t *record_with_long(const char *object, const char *key, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, 'a', n);
	s[n] = '\0';
	json_t *rec = parse("{" BASE "}");
	json_t *target = rec;
	if (object) {
		target = json_object();
		json_object_set_new(rec, object, target);
	}
	json_object_set_new(target, key, json_string(s));
	free(s);
	return rec;
}

static wm_err validate_long(const char *object, const char *key, size_t n, char *field, size_t cap)
{
	json_t *rec = record_with_long(object, key, n);
	struct schema_error err;
	memset(&err, 0, sizeof err);
	wm_err e = survivor_validate(rec, today(), &err);
	json_decref(rec);
	snprintf(field, cap, "%s", err.field);
	return e;
}

static void strings_too_long(void **state)
{
	(void)state;
	char field[SCHEMA_PATH_MAX];
	assert_int_equal(validate_long(NULL, "known_as", 200, field, sizeof field), WM_OK);
	assert_int_equal(validate_long(NULL, "known_as", 201, field, sizeof field), WM_ERR_INVALID);
	assert_string_equal(field, "known_as");
	assert_int_equal(validate_long(NULL, "legal_name", 5000, field, sizeof field),
			 WM_ERR_INVALID);
	assert_string_equal(field, "legal_name");
	assert_int_equal(validate_long("contact", "phone", 40, field, sizeof field), WM_OK);
	assert_int_equal(validate_long("contact", "phone", 41, field, sizeof field),
			 WM_ERR_INVALID);
	assert_string_equal(field, "contact.phone");
	assert_int_equal(validate_long("contact", "address", 1000, field, sizeof field), WM_OK);
	assert_int_equal(validate_long("contact", "address", 1001, field, sizeof field),
			 WM_ERR_INVALID);
	assert_string_equal(field, "contact.address");
	assert_int_equal(validate_long("care_needs", "other", 4000, field, sizeof field), WM_OK);
	assert_int_equal(validate_long("care_needs", "other", 4001, field, sizeof field),
			 WM_ERR_INVALID);
	assert_string_equal(field, "care_needs.other");

	/* Length counts bytes: 100 two-byte letters fit, 101 do not. */
	char name[512] = "";
	for (int i = 0; i < 100; i++)
		strcat(name, "\xC3\xA1");
	json_t *rec = parse("{" BASE "}");
	json_object_set_new(rec, "known_as", json_string(name));
	struct schema_error err;
	assert_int_equal(survivor_validate(rec, today(), &err), WM_OK);
	strcat(name, "\xC3\xA1");
	json_object_set_new(rec, "known_as", json_string(name));
	assert_int_equal(survivor_validate(rec, today(), &err), WM_ERR_INVALID);
	assert_string_equal(err.field, "known_as");
	json_decref(rec);
}

static void lists_too_long(void **state)
{
	(void)state;
	json_t *rec = parse("{" BASE "}");
	json_t *langs = json_array();
	for (int i = 0; i < 20; i++)
		json_array_append_new(langs, json_pack("{s:s}", "code", "sq"));
	json_object_set(rec, "languages", langs);
	struct schema_error err;
	assert_int_equal(survivor_validate(rec, today(), &err), WM_OK);
	json_array_append_new(langs, json_pack("{s:s}", "code", "vi"));
	assert_int_equal(survivor_validate(rec, today(), &err), WM_ERR_INVALID);
	assert_string_equal(err.field, "languages");
	json_decref(langs);
	json_decref(rec);

	expect_valid("{" BASE ",\"exploitation_types\":[\"sexual\",\"labour\","
		     "\"domestic_servitude\",\"criminal\",\"other\"]}");
	expect_invalid("{" BASE ",\"exploitation_types\":[\"sexual\",\"labour\","
		       "\"domestic_servitude\",\"criminal\",\"other\",\"other\"]}",
		       "exploitation_types");
}

static void messages_never_repeat_the_value(void **state)
{
	(void)state;
	const char *inputs[] = {
	    "{\"known_as\":\"Zqxjv\\u0001\",\"entered_service_on\":\"2026-03-01\"}",
	    "{" BASE ",\"gender\":\"Zqxjv\"}",
	    "{" BASE ",\"nationality\":\"Zqxjv\"}",
	    "{" BASE ",\"birth_year\":\"Zqxjv\"}",
	    "{" BASE ",\"due_on\":\"Zqxjv\"}",
	    "{" BASE ",\"Zqxjv\":1}",
	    "{" BASE ",\"languages\":[{\"code\":\"Zqxjv-\"}]}",
	    "{" BASE ",\"contact\":{\"Zqxjv\":true}}",
	};
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		json_t *rec = parse(inputs[i]);
		struct schema_error err;
		memset(&err, 0, sizeof err);
		assert_int_equal(survivor_validate(rec, today(), &err), WM_ERR_INVALID);
		json_decref(rec);
		assert_true(err.message[0] != '\0');
		if (strstr(err.message, "Zqxjv"))
			fail_msg("%s: message repeats the value: %s", inputs[i], err.message);
	}
}

/* ---- server-set fields ------------------------------------------------ */

static void server_set_fields_rejected(void **state)
{
	(void)state;
	expect_invalid("{" BASE ",\"id\":\"0123456789abcdef0123456789abcdef\"}", "id");
	expect_invalid("{" BASE ",\"org_id\":\"0123456789abcdef0123456789abcdef\"}", "org_id");
	expect_invalid("{" BASE ",\"created_at\":\"2026-11-22T14:05:00Z\"}", "created_at");
	expect_invalid("{" BASE ",\"updated_at\":\"2026-11-22T14:05:00Z\"}", "updated_at");

	const char *server[] = {"id", "org_id", "created_at", "updated_at"};
	for (size_t i = 0; i < 4; i++) {
		const struct schema_field *f = schema_find(&survivor_schema, server[i]);
		assert_non_null(f);
		assert_true(f->flags & SCH_SERVER);
	}
	const struct schema_field *f = schema_find(&survivor_schema, "known_as");
	assert_non_null(f);
	assert_true(f->flags & SCH_REQUIRED);
	assert_false(f->flags & SCH_SERVER);
	assert_null(schema_find(&survivor_schema, "colour"));
}

/* ---- rules between fields --------------------------------------------- */

static void closing_needs_closed_on_in_order(void **state)
{
	(void)state;
	expect_invalid("{" BASE ",\"status\":\"closed\"}", "closed_on");
	expect_invalid("{" BASE ",\"status\":\"closed\",\"closed_on\":null}", "closed_on");
	expect_invalid("{" BASE ",\"status\":\"closed\",\"closed_on\":\"2026-02-28\"}",
		       "closed_on");
	expect_invalid("{" BASE ",\"status\":\"closed\",\"closed_on\":\"2025-12-31\"}",
		       "closed_on");
	json_t *rec =
	    validated_at("{" BASE ",\"status\":\"closed\",\"closed_on\":\"2026-03-01\"}", today());
	assert_string_equal(str_member(rec, "closed_on"), "2026-03-01");
	assert_string_equal(str_member(rec, "status"), "closed");
	json_decref(rec);
}

static void reopening_drops_closed_on(void **state)
{
	(void)state;
	json_t *rec =
	    validated_at("{" BASE ",\"status\":\"active\",\"closed_on\":\"2026-06-01\"}", today());
	assert_string_equal(str_member(rec, "status"), "active");
	assert_null(json_object_get(rec, "closed_on"));
	json_decref(rec);

	/* No status: defaults to active, so a stray closed_on goes too. */
	rec = validated_at("{" BASE ",\"closed_on\":\"2026-06-01\"}", today());
	assert_string_equal(str_member(rec, "status"), "active");
	assert_null(json_object_get(rec, "closed_on"));
	json_decref(rec);
}

static void birth_year_not_in_future(void **state)
{
	(void)state;
	expect_invalid("{" BASE ",\"birth_year\":2027}", "birth_year");
	expect_valid("{" BASE ",\"birth_year\":2026}");
	expect_invalid("{" BASE ",\"dependants\":[{\"known_as\":\"Bora\",\"birth_year\":2020},"
		       "{\"known_as\":\"Ema\",\"birth_year\":2027}]}",
		       "dependants[1].birth_year");
	expect_valid("{" BASE ",\"dependants\":[{\"known_as\":\"Ema\",\"birth_year\":2026}]}");

	/* "The future" is relative to the today parameter, not the clock. */
	const char *y2028 = "{" BASE ",\"birth_year\":2028}";
	json_decref(validated_at(y2028, date_from_ymd(2030, 1, 1)));
	json_decref(validated_at(y2028, date_from_ymd(2028, 1, 1)));
	expect_invalid_at(y2028, date_from_ymd(2027, 12, 31), "birth_year");
	expect_invalid_at("{" BASE ",\"birth_year\":2000}", date_from_ymd(1999, 6, 1),
			  "birth_year");
}

/* ---- merge patch ------------------------------------------------------ */

static const char stored_text[] =
    "{" BASE ",\"legal_name\":\"Ardita Hoxha\",\"gender\":\"female\","
    "\"languages\":[{\"code\":\"sq\"},{\"code\":\"vi\"}],"
    "\"exploitation_types\":[\"sexual\",\"labour\"],"
    "\"contact\":{\"phone\":\"07700900123\",\"safe_to_call\":true,\"address\":\"1 High St\"},"
    "\"status\":\"active\"}";

static json_t *merged(const char *patch_text)
{
	json_t *stored = parse(stored_text);
	json_t *patch = parse(patch_text);
	json_t *out = schema_merge(&survivor_schema, stored, patch);
	assert_non_null(out);
	/* The arguments are borrowed: stored is unchanged. */
	json_t *again = parse(stored_text);
	assert_true(json_equal(stored, again));
	json_decref(again);
	json_decref(stored);
	json_decref(patch);
	return out;
}

static void merge_null_removes_optional_field(void **state)
{
	(void)state;
	json_t *m = merged("{\"legal_name\":null,\"gender\":\"not_stated\"}");
	assert_null(json_object_get(m, "legal_name"));
	assert_string_equal(str_member(m, "gender"), "not_stated");
	assert_string_equal(str_member(m, "known_as"), "Ardita");
	struct schema_error err;
	assert_int_equal(survivor_validate(m, today(), &err), WM_OK);
	assert_null(json_object_get(m, "legal_name"));
	json_decref(m);

	/* Removing an absent member is harmless. */
	m = merged("{\"due_on\":null}");
	assert_null(json_object_get(m, "due_on"));
	assert_int_equal(survivor_validate(m, today(), &err), WM_OK);
	json_decref(m);
}

static void merge_nested_object_member_by_member(void **state)
{
	(void)state;
	json_t *m = merged("{\"contact\":{\"safe_to_call\":false,\"safe_letters\":true}}");
	json_t *c = json_object_get(m, "contact");
	assert_non_null(c);
	assert_string_equal(str_member(c, "phone"), "07700900123");
	assert_string_equal(str_member(c, "address"), "1 High St");
	assert_true(json_is_false(json_object_get(c, "safe_to_call")));
	assert_true(json_is_true(json_object_get(c, "safe_letters")));
	json_decref(m);

	/* Null inside the nested object removes only that member. */
	m = merged("{\"contact\":{\"phone\":null}}");
	c = json_object_get(m, "contact");
	assert_null(json_object_get(c, "phone"));
	assert_string_equal(str_member(c, "address"), "1 High St");
	assert_true(json_is_true(json_object_get(c, "safe_to_call")));
	struct schema_error err;
	assert_int_equal(survivor_validate(m, today(), &err), WM_OK);
	json_decref(m);

	/* Null on the whole object removes it. */
	m = merged("{\"contact\":null}");
	assert_null(json_object_get(m, "contact"));
	json_decref(m);

	/* A nested object that was absent is added; nulls in it are not kept. */
	m = merged("{\"care_needs\":{\"advocate_attends\":true,\"other\":null}}");
	assert_int_equal(survivor_validate(m, today(), &err), WM_OK);
	c = json_object_get(m, "care_needs");
	assert_non_null(c);
	assert_true(json_is_true(json_object_get(c, "advocate_attends")));
	assert_null(json_object_get(c, "other"));
	json_decref(m);
}

static void merge_replaces_arrays(void **state)
{
	(void)state;
	json_t *m = merged("{\"languages\":[{\"code\":\"ti\"}],\"exploitation_types\":[]}");
	json_t *l = json_object_get(m, "languages");
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(str_member(json_array_get(l, 0), "code"), "ti");
	assert_int_equal(json_array_size(json_object_get(m, "exploitation_types")), 0);
	struct schema_error err;
	assert_int_equal(survivor_validate(m, today(), &err), WM_OK);
	json_decref(m);
}

static void merged_record_is_still_validated(void **state)
{
	(void)state;
	json_t *m = merged("{\"known_as\":null}");
	assert_null(json_object_get(m, "known_as"));
	struct schema_error err;
	memset(&err, 0, sizeof err);
	assert_int_equal(survivor_validate(m, today(), &err), WM_ERR_INVALID);
	assert_string_equal(err.field, "known_as");
	json_decref(m);

	m = merged("{\"contact\":{\"colour\":\"red\"}}");
	assert_int_equal(survivor_validate(m, today(), &err), WM_ERR_INVALID);
	assert_string_equal(err.field, "contact.colour");
	json_decref(m);

	m = merged("{\"status\":\"closed\"}");
	assert_int_equal(survivor_validate(m, today(), &err), WM_ERR_INVALID);
	assert_string_equal(err.field, "closed_on");
	json_decref(m);

	m = merged("{\"status\":\"closed\",\"closed_on\":\"2026-11-01\"}");
	assert_int_equal(survivor_validate(m, today(), &err), WM_OK);
	json_decref(m);

	m = merged("{\"languages\":{\"code\":\"ti\"}}");
	assert_int_equal(survivor_validate(m, today(), &err), WM_ERR_INVALID);
	assert_string_equal(err.field, "languages");
	json_decref(m);
}

static void merge_then_reopen(void **state)
{
	(void)state;
	json_t *closed =
	    validated_at("{" BASE ",\"status\":\"closed\",\"closed_on\":\"2026-10-01\"}", today());
	json_t *patch = parse("{\"status\":\"active\"}");
	json_t *m = schema_merge(&survivor_schema, closed, patch);
	assert_non_null(m);
	assert_string_equal(str_member(m, "closed_on"), "2026-10-01");
	struct schema_error err;
	assert_int_equal(survivor_validate(m, today(), &err), WM_OK);
	assert_string_equal(str_member(m, "status"), "active");
	assert_null(json_object_get(m, "closed_on"));
	json_decref(m);
	json_decref(patch);
	json_decref(closed);
}

/* ---- drop nulls ------------------------------------------------------- */

static void drop_nulls_recursively(void **state)
{
	(void)state;
	json_t *j = parse("{" BASE ",\"legal_name\":null,\"birth_year\":null,"
			  "\"contact\":{\"phone\":null,\"safe_to_call\":true},"
			  "\"languages\":[{\"code\":\"sq\",\"interpreter_gender\":null}],"
			  "\"dependants\":[{\"known_as\":\"Bora\",\"birth_year\":null}]}");
	schema_drop_nulls(&survivor_schema, j);
	json_t *want = parse("{" BASE ",\"contact\":{\"safe_to_call\":true},"
			     "\"languages\":[{\"code\":\"sq\"}],"
			     "\"dependants\":[{\"known_as\":\"Bora\"}]}");
	if (!json_equal(j, want)) {
		char *got = json_dumps(j, JSON_SORT_KEYS);
		fail_msg("after drop_nulls: %s", got ? got : "?");
	}
	json_decref(want);
	json_decref(j);
}

/* ---- the syntax checks on their own ----------------------------------- */

static void is_id(void **state)
{
	(void)state;
	assert_true(schema_is_id("0123456789abcdef0123456789abcdef"));
	assert_true(schema_is_id("ffffffffffffffffffffffffffffffff"));
	assert_false(schema_is_id("0123456789ABCDEF0123456789abcdef"));
	assert_false(schema_is_id("0123456789abcdef0123456789abcde"));
	assert_false(schema_is_id("0123456789abcdef0123456789abcdef0"));
	assert_false(schema_is_id("0123456789abcdeg0123456789abcdef"));
	assert_false(schema_is_id("0123456789abcdef 123456789abcdef"));
	assert_false(schema_is_id("0123456789abcdef-0123456789abcde"));
	assert_false(schema_is_id(""));
	assert_false(schema_is_id("1"));
}

static void is_country(void **state)
{
	(void)state;
	/* Exactly the 249 assigned codes pass, checked without copying the
	 * list: by count, and by codes on both sides of the line. */
	int accepted = 0;
	for (char a = 'A'; a <= 'Z'; a++)
		for (char b = 'A'; b <= 'Z'; b++) {
			char code[3] = {a, b, '\0'};
			accepted += schema_is_country(code);
		}
	assert_int_equal(accepted, 249);
	const char *assigned[] = {"AD", "AL", "AX", "BQ", "CW", "ER", "GB", "GG", "SD",
				  "SS", "SX", "TL", "UA", "VN", "ZW", "RO", "AF", "SY"};
	for (size_t i = 0; i < sizeof assigned / sizeof assigned[0]; i++)
		if (!schema_is_country(assigned[i]))
			fail_msg("schema_is_country(\"%s\") should be true", assigned[i]);
	/* Reserved, user-assigned, withdrawn or never assigned. */
	const char *unassigned[] = {"UK", "EU", "XK", "XX", "AA", "ZZ", "QM", "YU",
				    "CS", "AN", "SU", "TP", "ZR", "EZ", "UN", "OO"};
	for (size_t i = 0; i < sizeof unassigned / sizeof unassigned[0]; i++)
		if (schema_is_country(unassigned[i]))
			fail_msg("schema_is_country(\"%s\") should be false", unassigned[i]);
	const char *bad[] = {"gb", "gB", "Gb", "GBR", "G", "", "G1", "1G", " GB", "GB ", "ÅA"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (schema_is_country(bad[i]))
			fail_msg("schema_is_country(\"%s\") should be false", bad[i]);
}

static void is_langtag(void **state)
{
	(void)state;
	const char *good[] = {"sq",	"vi",	      "ti",	  "ar-SD",	"en",
			      "en-GB",	"fil",	      "zh-Hant",  "zh-Hant-TW", "sr-Latn-RS",
			      "es-419", "de-CH-1996", "en-a-bbb", "EN-gb",	"prs-AF"};
	const char *bad[] = {"a",   "toolongtag", "en--GB",	  "e1",	   "",
			     "en-", "-en",	  "en_GB",	  "en GB", "en-a",
			     "12",  "en-GB-",	  "en-abcdefghi", "é",	   "en-G\xC3\xA9"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!schema_is_langtag(good[i]))
			fail_msg("schema_is_langtag(\"%s\") should be true", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (schema_is_langtag(bad[i]))
			fail_msg("schema_is_langtag(\"%s\") should be false", bad[i]);
}

/* Whatever a check refuses, the error it hands back is filled in: a handler
 * never answers with what was in the struct before. */
static void errors_are_always_filled(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "[]",
	    "{}",
	    "{" BASE ",\"zz\":1}",
	    "{" BASE ",\"languages\":[[1]]}",
	    "{" BASE ",\"exploitation_types\":[[\"sexual\"]]}",
	    "{" BASE ",\"contact\":[]}",
	    "{" BASE ",\"dependants\":[{\"known_as\":\"B\",\"x\":1}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *rec = parse(bad[i]);
		struct schema_error err;
		memset(&err, 0xAA, sizeof err);
		assert_int_equal(schema_check(&survivor_schema, rec, &err), WM_ERR_INVALID);
		assert_non_null(memchr(err.field, '\0', sizeof err.field));
		assert_non_null(memchr(err.message, '\0', sizeof err.message));
		assert_true(strlen(err.message) > 0);
		json_decref(rec);
	}
}

/* schema_view_members writes what jsonw_value writes of schema_view's
 * object, byte for byte, in both views: nested objects filtered member by
 * member, arrays of objects kept whole, fields the schema does not know
 * left out, text that needs escaping, and a value of the wrong shape where
 * an object is expected. */
static void view_members_write_what_the_view_holds(void **state)
{
	(void)state;
	static const char *const recs[] = {
	    "{" BASE "}",
	    "{" BASE ",\"legal_name\":\"Ardita \\\"A\\\" <b>&amp;</b> \\u2028 \\u00e9 /x\","
	    "\"birth_year\":1998,\"gender\":\"female\",\"nationality\":\"AL\","
	    "\"languages\":[{\"code\":\"sq\",\"interpreter_needed\":true},{\"code\":\"ar-SD\"}],"
	    "\"exploitation_types\":[\"sexual\",\"labour\"],\"pregnant\":true,"
	    "\"dependants\":[{\"known_as\":\"Bora\",\"birth_year\":2020,\"zz\":1}],"
	    "\"contact\":{\"phone\":\"+44 7700 900123\",\"safe_to_call\":true,"
	    "\"address\":\"Flat 2\\n1 High St\\u0001\",\"zz\":[1,2.5,null]},"
	    "\"care_needs\":{\"other\":\"none\",\"approach_with_care\":\"Knock.\\tWait.\"},"
	    "\"zz\":{\"a\":1}}",
	    "{\"contact\":\"not an object\",\"care_needs\":{},\"known_as\":\"\"}",
	    "{\"contact\":{\"address\":\"only this\"},\"exploitation_types\":[]}",
	    "{}",
	};
	for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
		json_t *rec = parse(recs[i]);
		for (int view = VIEW_CASE_TEAM; view <= VIEW_SHARED; view++) {
			json_t *tree = schema_view(&survivor_schema, rec, (enum schema_view)view);
			struct buf want = BUF_INIT, got = BUF_INIT;
			assert_true(jsonw_value(&want, tree));
			bool first = true;
			buf_addc(&got, '{');
			assert_true(schema_view_members(&got, &survivor_schema, rec,
							(enum schema_view)view, &first));
			buf_addc(&got, '}');
			assert_string_equal(got.p, want.p);
			/* After members already written, the first one takes a comma. */
			struct buf more = BUF_INIT;
			buf_adds(&more, "{\"x\":1");
			first = false;
			assert_true(schema_view_members(&more, &survivor_schema, rec,
							(enum schema_view)view, &first));
			buf_addc(&more, '}');
			json_t *back = json_loads(more.p, JSON_REJECT_DUPLICATES, NULL);
			assert_non_null(back);
			assert_int_equal(json_object_size(back), json_object_size(tree) + 1);
			json_decref(back);
			buf_free(&more);
			buf_free(&want);
			buf_free(&got);
			json_decref(tree);
		}
		json_decref(rec);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(minimal_record_is_valid_and_defaults_to_active),
	    cmocka_unit_test(errors_are_always_filled),
	    cmocka_unit_test(full_record_is_valid),
	    cmocka_unit_test(body_must_be_an_object),
	    cmocka_unit_test(required_fields),
	    cmocka_unit_test(required_check_through_schema_check),
	    cmocka_unit_test(unknown_fields_are_named),
	    cmocka_unit_test(wrong_types),
	    cmocka_unit_test(integer_bounds),
	    cmocka_unit_test(dates_must_exist),
	    cmocka_unit_test(enum_values),
	    cmocka_unit_test(nationality_codes),
	    cmocka_unit_test(language_tags_in_records),
	    cmocka_unit_test(control_characters_in_one_line_strings),
	    cmocka_unit_test(free_text_allows_newlines_not_controls),
	    cmocka_unit_test(strings_too_long),
	    cmocka_unit_test(lists_too_long),
	    cmocka_unit_test(messages_never_repeat_the_value),
	    cmocka_unit_test(server_set_fields_rejected),
	    cmocka_unit_test(closing_needs_closed_on_in_order),
	    cmocka_unit_test(reopening_drops_closed_on),
	    cmocka_unit_test(birth_year_not_in_future),
	    cmocka_unit_test(merge_null_removes_optional_field),
	    cmocka_unit_test(merge_nested_object_member_by_member),
	    cmocka_unit_test(merge_replaces_arrays),
	    cmocka_unit_test(merged_record_is_still_validated),
	    cmocka_unit_test(merge_then_reopen),
	    cmocka_unit_test(drop_nulls_recursively),
	    cmocka_unit_test(is_id),
	    cmocka_unit_test(is_country),
	    cmocka_unit_test(is_langtag),
	    cmocka_unit_test(view_members_write_what_the_view_holds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
