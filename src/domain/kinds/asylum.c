/*
 * asylum.c - the asylum claim, side by side with the NRM: a claim, its
 * screening and interview, a decision, an appeal of a refusal. One per
 * survivor; read by the owning organisation's staff only.
 */
#include "kinds.h"

#include <string.h>

static const char *const supports[] = {"none", "s95", "s98", "s4", NULL};
static const char *const outcomes[] = {"granted", "refused", NULL};

static const struct schema_field asylum_fields[] = {
    KIND_SERVER_FIELDS,
    {.name = "claimed_on", .type = SCH_DATE, .flags = SCH_REQUIRED},
    {.name = "arc_issued", .type = SCH_BOOL},
    {.name = "support", .type = SCH_ENUM, .values = supports},
    {.name = "screening_on", .type = SCH_DATE},
    {.name = "substantive_interview_on", .type = SCH_DATE},
    {.name = "decision_on", .type = SCH_DATE},
    {.name = "outcome", .type = SCH_ENUM, .values = outcomes},
    {.name = "appeal_lodged_on", .type = SCH_DATE},
    /* Whether the survivor has a legal representative: the alert rule
     * asylum_no_legal_representative reads it as true or not (alerts.md);
     * who the representative is belongs in a note, sealed. */
    {.name = "legal_representative", .type = SCH_BOOL},
};
static const struct schema asylum_schema = {"asylum", asylum_fields, KIND_NFIELDS(asylum_fields)};

static wm_err asylum_validate(json_t *item, const json_t *survivor, int today,
			      struct schema_error *err)
{
	(void)survivor;
	KIND_TRY(kind_check(&asylum_schema, item, err));

	/* The claim, the decision and an appeal are recorded once they have
	 * happened; a screening or an interview may be booked ahead. */
	static const char *const past[] = {"claimed_on", "decision_on", "appeal_lodged_on"};
	for (size_t i = 0; i < KIND_NFIELDS(past); i++)
		KIND_TRY(kind_not_future(item, past[i], today, err));

	static const char *const after_claim[] = {"screening_on", "substantive_interview_on",
						  "decision_on", "appeal_lodged_on"};
	for (size_t i = 0; i < KIND_NFIELDS(after_claim); i++)
		KIND_TRY(kind_not_before(item, after_claim[i], "claimed_on", err));

	KIND_TRY(kind_needs(item, "decision_on", "outcome", err));
	KIND_TRY(kind_needs(item, "outcome", "decision_on", err));

	if (kind_has(item, "appeal_lodged_on")) {
		const char *outcome = kind_str(item, "outcome");
		if (!outcome || strcmp(outcome, "refused") != 0) {
			schema_fail(err, "appeal_lodged_on",
				    "appeal_lodged_on needs a refused decision");
			return WM_ERR_INVALID;
		}
	}
	return kind_not_before(item, "appeal_lodged_on", "decision_on", err);
}

static const struct kind_column asylum_columns[] = {
    {"claimed_on", "claimed_on", COLUMN_DAY},
    {"support", "support", COLUMN_CODE},
    {"decision_on", "decision_on", COLUMN_DAY},
    {"outcome", "outcome", COLUMN_CODE},
    {"appeal_lodged_on", "appeal_lodged_on", COLUMN_DAY},
    {"legal_representative", "legal_representative", COLUMN_FLAG},
};

const struct kind kind_asylum = {
    .name = "asylum",
    .table = "asylum",
    .shape = KIND_ONE,
    .append_only = false,
    .schema = &asylum_schema,
    .read = ACT_CASE_DETAILS_READ,
    .create = ACT_RECORD_WRITE,
    .update = ACT_RECORD_WRITE,
    .validate = asylum_validate,
    .columns = asylum_columns,
    .ncolumns = KIND_NFIELDS(asylum_columns),
};
