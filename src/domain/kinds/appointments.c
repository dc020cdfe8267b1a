/*
 * appointments.c - health appointments: when, with whom, the interpreter
 * (needed, booked, provided), whether the advocate goes, and what happened.
 * A clinician under a share may add one (ACT_CARE_ADD).
 */
#include "kinds.h"

#include <stdint.h>
#include <string.h>

#include "../date.h"

static const char *const kinds[] = {"gp",
				    "dental",
				    "mental_health_assessment",
				    "talking_therapy",
				    "counselling",
				    "ptsd_clinic",
				    "maternity",
				    "sexual_health",
				    "hospital",
				    "emergency",
				    "pharmacy",
				    "other",
				    NULL};
static const char *const statuses[] = {"scheduled", "attended", "did_not_attend", "cancelled",
				       NULL};
static const char *const cancellers[] = {"survivor",	"advocate", "provider",
					 "third_party", "unknown",  NULL};

static const struct schema_field interpreter_fields[] = {
    {.name = "language", .type = SCH_LANGTAG},
    {.name = "needed", .type = SCH_BOOL},
    {.name = "booked", .type = SCH_BOOL},
    {.name = "provided", .type = SCH_BOOL},
};
static const struct schema interpreter_schema = {"interpreter", interpreter_fields,
						 KIND_NFIELDS(interpreter_fields)};

static const struct schema_field appointment_fields[] = {
    KIND_SERVER_FIELDS,
    {.name = "kind", .type = SCH_ENUM, .flags = SCH_REQUIRED, .values = kinds},
    {.name = "starts_at", .type = SCH_INSTANT, .flags = SCH_REQUIRED},
    {.name = "duration_min", .type = SCH_INT, .min = 1, .max = 1440},
    {.name = "provider", .type = SCH_STRING},
    {.name = "interpreter", .type = SCH_OBJECT, .object = &interpreter_schema},
    {.name = "advocate_attends", .type = SCH_BOOL},
    {.name = "status", .type = SCH_ENUM, .values = statuses},
    {.name = "cancelled_by", .type = SCH_ENUM, .values = cancellers},
    /* The case team's words about the appointment: like case notes, never
     * shown through a share. */
    {.name = "notes", .type = SCH_TEXT, .flags = SCH_CASE_TEAM},
};
static const struct schema appointment_schema = {"appointment", appointment_fields,
						 KIND_NFIELDS(appointment_fields)};

static wm_err appointment_validate(json_t *item, const json_t *survivor, int today,
				   struct schema_error *err)
{
	(void)survivor;
	KIND_TRY(kind_check(&appointment_schema, item, err));
	KIND_TRY(kind_default_str(item, "status", "scheduled"));

	const char *status = kind_str(item, "status");
	bool cancelled = strcmp(status, "cancelled") == 0;
	if (cancelled && !kind_has(item, "cancelled_by")) {
		schema_fail(err, "cancelled_by", "cancelled_by is required when cancelled");
		return WM_ERR_INVALID;
	}
	if (!cancelled && kind_has(item, "cancelled_by")) {
		schema_fail(err, "cancelled_by",
			    "cancelled_by is only for a cancelled appointment");
		return WM_ERR_INVALID;
	}

	/* Whether someone came is known on the day, not before it. */
	int64_t starts;
	if ((strcmp(status, "attended") == 0 || strcmp(status, "did_not_attend") == 0) &&
	    instant_parse(kind_str(item, "starts_at"), &starts) &&
	    instant_local_day(starts) > today) {
		schema_fail(err, "status",
			    "status cannot say whether it was attended before the appointment's "
			    "day");
		return WM_ERR_INVALID;
	}
	return WM_OK;
}

static const struct kind_column appointment_columns[] = {
    {"kind", "kind", COLUMN_CODE},
    {"starts_at", "starts_at", COLUMN_INSTANT},
    {"status", "status", COLUMN_CODE},
    {"cancelled_by", "cancelled_by", COLUMN_CODE},
    {"interpreter.needed", "interpreter_needed", COLUMN_FLAG},
    {"interpreter.booked", "interpreter_booked", COLUMN_FLAG},
    {"interpreter.provided", "interpreter_provided", COLUMN_FLAG},
    {"advocate_attends", "advocate_attends", COLUMN_FLAG},
};

const struct kind kind_appointments = {
    .name = "appointments",
    .table = "appointments",
    .shape = KIND_LIST,
    .append_only = false,
    .schema = &appointment_schema,
    .read = ACT_HEALTH_READ,
    .create = ACT_CARE_ADD,
    .update = ACT_RECORD_WRITE,
    .validate = appointment_validate,
    .columns = appointment_columns,
    .ncolumns = KIND_NFIELDS(appointment_columns),
};
