/*
 * registrations.c - registrations with GP, dentist, maternity and others,
 * for the survivor or one of their dependant children, and refusals with
 * their reasons. A refusal and a later success are two registrations.
 */
#include "kinds.h"

#include <string.h>

#include "../survivor.h"

static const char *const services[] = {"gp",	   "dental",	    "maternity",
				       "optician", "sexual_health", NULL};
static const char *const reasons[] = {"no_proof_of_address",
				      "no_id",
				      "no_immigration_status",
				      "no_nhs_number",
				      "no_interpreter",
				      "list_full",
				      "other",
				      NULL};

static const struct schema_field registration_fields[] = {
    KIND_SERVER_FIELDS,
    {.name = "service", .type = SCH_ENUM, .flags = SCH_REQUIRED, .values = services},
    {.name = "person", .type = SCH_STRING, .flags = SCH_NONBLANK, .max = 32},
    {.name = "provider", .type = SCH_STRING},
    {.name = "registered_on", .type = SCH_DATE},
    {.name = "refused_on", .type = SCH_DATE},
    {.name = "refusal_reason", .type = SCH_ENUM, .values = reasons},
};
static const struct schema registration_schema = {"registration", registration_fields,
						  KIND_NFIELDS(registration_fields)};

/* "dependant:N", N written plainly (no sign, no leading zero) and from 1 to
 * the number of the survivor's dependants. */
static bool dependant_exists(const char *person, const json_t *survivor)
{
	static const char prefix[] = "dependant:";
	if (strncmp(person, prefix, sizeof prefix - 1) != 0)
		return false;
	const char *p = person + sizeof prefix - 1;
	if (*p < '1' || *p > '9')
		return false;
	size_t n = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || n > 1000)
			return false;
		n = n * 10 + (size_t)(*p - '0');
	}
	return n >= 1 && n <= survivor_dependant_count(survivor);
}

static wm_err registration_validate(json_t *item, const json_t *survivor, int today,
				    struct schema_error *err)
{
	KIND_TRY(kind_check(&registration_schema, item, err));
	KIND_TRY(kind_default_str(item, "person", "survivor"));

	const char *person = kind_str(item, "person");
	if (strcmp(person, "survivor") != 0 && !dependant_exists(person, survivor)) {
		schema_fail(err, "person",
			    "person must be \"survivor\" or \"dependant:N\" naming one of the "
			    "survivor's dependants");
		return WM_ERR_INVALID;
	}

	bool registered = kind_has(item, "registered_on"), refused = kind_has(item, "refused_on");
	if (registered && refused) {
		schema_fail(err, "refused_on",
			    "a registration has registered_on or refused_on, not both");
		return WM_ERR_INVALID;
	}
	if (!registered && !refused) {
		schema_fail(err, "registered_on", "registered_on or refused_on is required");
		return WM_ERR_INVALID;
	}
	/* The reason goes with the refusal, and every refusal has one ("other"
	 * when none was given): the report counts refusals by reason. */
	KIND_TRY(kind_needs(item, "refusal_reason", "refused_on", err));
	KIND_TRY(kind_needs(item, "refused_on", "refusal_reason", err));

	KIND_TRY(kind_not_future(item, "registered_on", today, err));
	return kind_not_future(item, "refused_on", today, err);
}

static const struct kind_column registration_columns[] = {
    {"service", "service", COLUMN_CODE},
    {"person", "person", COLUMN_TEXT},
    {"registered_on", "registered_on", COLUMN_DAY},
    {"refused_on", "refused_on", COLUMN_DAY},
    {"refusal_reason", "refusal_reason", COLUMN_CODE},
};

const struct kind kind_registrations = {
    .name = "registrations",
    .table = "registrations",
    .shape = KIND_LIST,
    .append_only = false,
    .schema = &registration_schema,
    .read = ACT_HEALTH_READ,
    .create = ACT_RECORD_WRITE,
    .update = ACT_RECORD_WRITE,
    .validate = registration_validate,
    .columns = registration_columns,
    .ncolumns = KIND_NFIELDS(registration_columns),
};
