/*
 * survivor.c - the survivor record's schema and cross-field rules.
 */
#include "survivor.h"

#include <stdio.h>
#include <string.h>

#include "date.h"

static const char *const genders[] = {"female", "male", "non_binary", "not_stated", NULL};
static const char *const interp_genders[] = {"female", "male", "any", NULL};
static const char *const exploitation[] = {"sexual",   "labour", "domestic_servitude",
					   "criminal", "other",	 NULL};
static const char *const statuses[] = {"active", "closed", NULL};

static const struct schema_field language_fields[] = {
    {.name = "code", .type = SCH_LANGTAG, .flags = SCH_REQUIRED},
    {.name = "interpreter_needed", .type = SCH_BOOL},
    {.name = "interpreter_gender", .type = SCH_ENUM, .values = interp_genders},
};
static const struct schema language_schema = {"language", language_fields, 3};

static const struct schema_field dependant_fields[] = {
    {.name = "known_as", .type = SCH_STRING, .flags = SCH_REQUIRED},
    {.name = "birth_year", .type = SCH_INT, .min = 1900, .max = 2199},
};
static const struct schema dependant_schema = {"dependant", dependant_fields, 2};

static const struct schema_field contact_fields[] = {
    {.name = "phone", .type = SCH_STRING, .max = 40},
    {.name = "safe_to_call", .type = SCH_BOOL},
    {.name = "safe_voicemail", .type = SCH_BOOL},
    {.name = "safe_letters", .type = SCH_BOOL},
    {.name = "address", .type = SCH_TEXT, .flags = SCH_CASE_TEAM, .max = 1000},
};
static const struct schema contact_schema = {"contact", contact_fields, 5};

static const struct schema_field care_fields[] = {
    {.name = "clinician_gender", .type = SCH_ENUM, .values = interp_genders},
    {.name = "advocate_attends", .type = SCH_BOOL},
    {.name = "approach_with_care", .type = SCH_TEXT, .max = 4000},
    {.name = "other", .type = SCH_TEXT, .max = 4000},
};
static const struct schema care_schema = {"care_needs", care_fields, 4};

static const struct schema_field survivor_fields[] = {
    {.name = "id", .type = SCH_ID, .flags = SCH_SERVER},
    {.name = "org_id", .type = SCH_ID, .flags = SCH_SERVER},
    {.name = "created_at", .type = SCH_INSTANT, .flags = SCH_SERVER},
    {.name = "updated_at", .type = SCH_INSTANT, .flags = SCH_SERVER},
    {.name = "known_as", .type = SCH_STRING, .flags = SCH_REQUIRED},
    {.name = "legal_name", .type = SCH_STRING},
    {.name = "birth_year", .type = SCH_INT, .min = 1900, .max = 2199},
    {.name = "gender", .type = SCH_ENUM, .values = genders},
    {.name = "nationality", .type = SCH_COUNTRY},
    /* Known once the survivor is registered with a GP: the handover carries it. */
    {.name = "nhs_number", .type = SCH_STRING, .max = 10},
    {.name = "languages", .type = SCH_ARRAY, .object = &language_schema, .max = 20},
    {.name = "entered_service_on", .type = SCH_DATE, .flags = SCH_REQUIRED},
    {.name = "exploitation_types",
     .type = SCH_ARRAY,
     .flags = SCH_CASE_TEAM,
     .items = SCH_ENUM,
     .values = exploitation,
     .max = 5},
    {.name = "pregnant", .type = SCH_BOOL},
    {.name = "due_on", .type = SCH_DATE},
    {.name = "dependants", .type = SCH_ARRAY, .object = &dependant_schema, .max = 20},
    {.name = "advocate_id", .type = SCH_ID},
    {.name = "status", .type = SCH_ENUM, .values = statuses},
    {.name = "closed_on", .type = SCH_DATE},
    {.name = "contact", .type = SCH_OBJECT, .object = &contact_schema},
    {.name = "care_needs", .type = SCH_OBJECT, .object = &care_schema},
};

const struct schema survivor_schema = {"survivor", survivor_fields,
				       sizeof survivor_fields / sizeof survivor_fields[0]};

static bool get_date(const json_t *rec, const char *key, int *out)
{
	const json_t *v = json_object_get(rec, key);
	return v && json_is_string(v) && date_parse(json_string_value(v), out);
}

wm_err survivor_validate(json_t *rec, int today, struct schema_error *err)
{
	schema_drop_nulls(&survivor_schema, rec);
	wm_err e = schema_check(&survivor_schema, rec, err);
	if (e != WM_OK)
		return e;

	if (!json_object_get(rec, "status"))
		json_object_set_new(rec, "status", json_string("active"));
	bool closed = strcmp(json_string_value(json_object_get(rec, "status")), "closed") == 0;

	int entered, closed_on, y, m, d;
	get_date(rec, "entered_service_on", &entered);
	date_to_ymd(today, &y, &m, &d);

	const json_t *by = json_object_get(rec, "birth_year");
	if (by && json_integer_value(by) > y) {
		schema_fail(err, "birth_year", "birth_year is in the future");
		return WM_ERR_INVALID;
	}
	size_t i;
	const json_t *dep;
	json_array_foreach(json_object_get(rec, "dependants"), i, dep)
	{
		const json_t *dby = json_object_get(dep, "birth_year");
		if (dby && json_integer_value(dby) > y) {
			char path[SCHEMA_PATH_MAX];
			snprintf(path, sizeof path, "dependants[%zu].birth_year", i);
			schema_fail(err, path, "%s is in the future", path);
			return WM_ERR_INVALID;
		}
	}

	const char *nhs = json_string_value(json_object_get(rec, "nhs_number"));
	if (nhs && !survivor_nhs_number_ok(nhs)) {
		schema_fail(err, "nhs_number",
			    "nhs_number must be 10 digits with a valid check digit");
		return WM_ERR_INVALID;
	}

	if (closed) {
		if (!get_date(rec, "closed_on", &closed_on)) {
			schema_fail(err, "closed_on",
				    "closed_on is required when closing a record");
			return WM_ERR_INVALID;
		}
		if (closed_on < entered) {
			schema_fail(err, "closed_on", "closed_on is before entered_service_on");
			return WM_ERR_INVALID;
		}
	} else {
		/* Reopening clears the closing date: an active record has none. */
		json_object_del(rec, "closed_on");
	}
	return WM_OK;
}

/* The NHS number's own check (Modulus 11): the first nine digits weighted
 * 10 down to 2; 11 minus the sum's remainder is the tenth (11 is 0, 10 is
 * never issued). */
bool survivor_nhs_number_ok(const char *s)
{
	int sum = 0;
	for (int i = 0; i < 10; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	if (s[10] != '\0')
		return false;
	for (int i = 0; i < 9; i++)
		sum += (s[i] - '0') * (10 - i);
	int check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	return check != 10 && check == s[9] - '0';
}

size_t survivor_dependant_count(const json_t *rec)
{
	return json_array_size(json_object_get(rec, "dependants"));
}

enum assignment survivor_assignment(const char *actor_id, const char *before, const char *after)
{
	if ((!before && !after) || (before && after && strcmp(before, after) == 0))
		return ASSIGN_UNCHANGED;
	if (!before && after && actor_id && strcmp(after, actor_id) == 0)
		return ASSIGN_TAKE;
	return ASSIGN_REASSIGN;
}

const char *survivor_default_advocate(enum role actor_role, const char *actor_id)
{
	return actor_role == ROLE_ADVOCATE ? actor_id : NULL;
}

bool survivor_may_hold_case(const struct case_holder *h, const char *case_org)
{
	return h && !h->disabled && h->org_id && case_org && strcmp(h->org_id, case_org) == 0 &&
	       (h->role == ROLE_ADVOCATE || h->role == ROLE_MANAGER);
}
