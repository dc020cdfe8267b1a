/*
 * nrm.c - the National Referral Mechanism: a referral by a first responder,
 * a reasonable-grounds (RG) decision, then, after a positive one, a
 * conclusive-grounds (CG) decision. One per survivor; read by the owning
 * organisation's staff only.
 */
#include "kinds.h"

#include <string.h>

static const char *const outcomes[] = {"positive", "negative", NULL};
static const char *const supports[] = {"none", "victim_care_contract", "other", NULL};

static const struct schema_field nrm_fields[] = {
    KIND_SERVER_FIELDS,
    {.name = "referred_on", .type = SCH_DATE, .flags = SCH_REQUIRED},
    {.name = "first_responder", .type = SCH_STRING},
    {.name = "duty_to_notify_only", .type = SCH_BOOL},
    {.name = "rg_decision_on", .type = SCH_DATE},
    {.name = "rg_outcome", .type = SCH_ENUM, .values = outcomes},
    {.name = "recovery_period_ends_on", .type = SCH_DATE},
    {.name = "cg_decision_on", .type = SCH_DATE},
    {.name = "cg_outcome", .type = SCH_ENUM, .values = outcomes},
    {.name = "reconsideration_requested_on", .type = SCH_DATE},
    {.name = "support", .type = SCH_ENUM, .values = supports},
};
static const struct schema nrm_schema = {"nrm", nrm_fields, KIND_NFIELDS(nrm_fields)};

static bool positive(const json_t *item, const char *key)
{
	const char *v = kind_str(item, key);
	return v && strcmp(v, "positive") == 0;
}

static wm_err nrm_validate(json_t *item, const json_t *survivor, int today,
			   struct schema_error *err)
{
	(void)survivor;
	KIND_TRY(kind_check(&nrm_schema, item, err));

	/* The referral, and every decision, has happened by the time it is
	 * recorded; only the end of the recovery period lies ahead. */
	static const char *const past[] = {"referred_on", "rg_decision_on", "cg_decision_on",
					   "reconsideration_requested_on"};
	for (size_t i = 0; i < KIND_NFIELDS(past); i++)
		KIND_TRY(kind_not_future(item, past[i], today, err));

	/* A duty-to-notify report is not a referral: no decision follows it. */
	if (kind_true(item, "duty_to_notify_only") && kind_has(item, "rg_decision_on")) {
		schema_fail(err, "rg_decision_on",
			    "rg_decision_on cannot follow a duty-to-notify report only");
		return WM_ERR_INVALID;
	}

	/* A decision is a date and an outcome, both or neither. */
	KIND_TRY(kind_needs(item, "rg_decision_on", "rg_outcome", err));
	KIND_TRY(kind_needs(item, "rg_outcome", "rg_decision_on", err));
	KIND_TRY(kind_not_before(item, "rg_decision_on", "referred_on", err));

	/* A recovery period follows a positive RG decision. */
	if (kind_has(item, "recovery_period_ends_on") && !positive(item, "rg_outcome")) {
		schema_fail(err, "recovery_period_ends_on",
			    "recovery_period_ends_on needs a positive reasonable-grounds decision");
		return WM_ERR_INVALID;
	}
	KIND_TRY(kind_not_before(item, "recovery_period_ends_on", "rg_decision_on", err));

	/* Only a positive RG decision leads to a CG decision. */
	if ((kind_has(item, "cg_decision_on") || kind_has(item, "cg_outcome")) &&
	    !positive(item, "rg_outcome")) {
		const char *f = kind_has(item, "cg_decision_on") ? "cg_decision_on" : "cg_outcome";
		schema_fail(err, f, "%s needs a positive reasonable-grounds decision", f);
		return WM_ERR_INVALID;
	}
	KIND_TRY(kind_needs(item, "cg_decision_on", "cg_outcome", err));
	KIND_TRY(kind_needs(item, "cg_outcome", "cg_decision_on", err));
	KIND_TRY(kind_not_before(item, "cg_decision_on", "rg_decision_on", err));

	/* A reconsideration is asked of a decision already made (RG first; a
	 * reconsidered decision may replace the dates, so it is held to the
	 * first decision only). */
	if (kind_has(item, "reconsideration_requested_on") && !kind_has(item, "rg_decision_on")) {
		schema_fail(err, "reconsideration_requested_on",
			    "reconsideration_requested_on needs a decision to reconsider");
		return WM_ERR_INVALID;
	}
	KIND_TRY(kind_not_before(item, "reconsideration_requested_on", "rg_decision_on", err));
	return WM_OK;
}

static const struct kind_column nrm_columns[] = {
    {"referred_on", "referred_on", COLUMN_DAY},
    {"duty_to_notify_only", "duty_to_notify_only", COLUMN_FLAG},
    {"rg_decision_on", "rg_decision_on", COLUMN_DAY},
    {"rg_outcome", "rg_outcome", COLUMN_CODE},
    {"recovery_period_ends_on", "recovery_period_ends_on", COLUMN_DAY},
    {"cg_decision_on", "cg_decision_on", COLUMN_DAY},
    {"cg_outcome", "cg_outcome", COLUMN_CODE},
    {"reconsideration_requested_on", "reconsideration_requested_on", COLUMN_DAY},
    {"support", "support", COLUMN_CODE},
};

const struct kind kind_nrm = {
    .name = "nrm",
    .table = "nrm",
    .shape = KIND_ONE,
    .append_only = false,
    .schema = &nrm_schema,
    .read = ACT_CASE_DETAILS_READ,
    .create = ACT_RECORD_WRITE,
    .update = ACT_RECORD_WRITE,
    .validate = nrm_validate,
    .columns = nrm_columns,
    .ncolumns = KIND_NFIELDS(nrm_columns),
};
