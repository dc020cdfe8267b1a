/*
 * medications.c - medication, and whether it was explained to the survivor,
 * in their own language. The medicine's name is sealed; its category is
 * what the alert rules and the report count.
 */
#include "kinds.h"

static const char *const categories[] = {"antidepressant", "antipsychotic", "hypnotic",
					 "analgesic",	   "other",	    NULL};

static const struct schema_field medication_fields[] = {
    KIND_SERVER_FIELDS,
    {.name = "name", .type = SCH_STRING, .flags = SCH_REQUIRED},
    {.name = "category", .type = SCH_ENUM, .flags = SCH_REQUIRED, .values = categories},
    {.name = "started_on", .type = SCH_DATE},
    {.name = "stopped_on", .type = SCH_DATE},
    {.name = "explained", .type = SCH_BOOL},
    {.name = "explained_in_own_language", .type = SCH_BOOL},
};
static const struct schema medication_schema = {"medication", medication_fields,
						KIND_NFIELDS(medication_fields)};

static wm_err medication_validate(json_t *item, const json_t *survivor, int today,
				  struct schema_error *err)
{
	(void)survivor;
	(void)today; /* a course may be planned: neither date is held to today */
	KIND_TRY(kind_check(&medication_schema, item, err));
	KIND_TRY(kind_not_before(item, "stopped_on", "started_on", err));
	if (kind_true(item, "explained_in_own_language") && !kind_true(item, "explained")) {
		schema_fail(err, "explained_in_own_language",
			    "explained_in_own_language needs explained to be true");
		return WM_ERR_INVALID;
	}
	return WM_OK;
}

static const struct kind_column medication_columns[] = {
    {"category", "category", COLUMN_CODE},
    {"started_on", "started_on", COLUMN_DAY},
    {"stopped_on", "stopped_on", COLUMN_DAY},
    {"explained", "explained", COLUMN_FLAG},
    {"explained_in_own_language", "explained_in_own_language", COLUMN_FLAG},
};

const struct kind kind_medications = {
    .name = "medications",
    .table = "medications",
    .shape = KIND_LIST,
    .append_only = false,
    .schema = &medication_schema,
    .read = ACT_HEALTH_READ,
    .create = ACT_RECORD_WRITE,
    .update = ACT_RECORD_WRITE,
    .validate = medication_validate,
    .columns = medication_columns,
    .ncolumns = KIND_NFIELDS(medication_columns),
};
