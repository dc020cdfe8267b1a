/*
 * referrals.c - referrals to services, and what came of them: sent,
 * accepted or rejected, first seen, closed, in that order. A clinician
 * under a share may add one (ACT_CARE_ADD).
 */
#include "kinds.h"

static const char *const services[] = {
    "mental_health", "talking_therapy", "ptsd_clinic", "counselling",  "legal", "housing", "dental",
    "sexual_health", "substance_use",	"education",   "volunteering", "other", NULL};

static const struct schema_field referral_fields[] = {
    KIND_SERVER_FIELDS,
    {.name = "service", .type = SCH_ENUM, .flags = SCH_REQUIRED, .values = services},
    {.name = "provider", .type = SCH_STRING},
    {.name = "sent_on", .type = SCH_DATE, .flags = SCH_REQUIRED},
    {.name = "accepted_on", .type = SCH_DATE},
    {.name = "first_seen_on", .type = SCH_DATE},
    {.name = "rejected_on", .type = SCH_DATE},
    {.name = "rejection_reason", .type = SCH_TEXT, .flags = SCH_NONBLANK},
    {.name = "closed_on", .type = SCH_DATE},
};
static const struct schema referral_schema = {"referral", referral_fields,
					      KIND_NFIELDS(referral_fields)};

static wm_err referral_validate(json_t *item, const json_t *survivor, int today,
				struct schema_error *err)
{
	(void)survivor;
	KIND_TRY(kind_check(&referral_schema, item, err));

	/* Every date of a referral records something that has happened. */
	static const char *const dates[] = {"sent_on", "accepted_on", "first_seen_on",
					    "rejected_on", "closed_on"};
	for (size_t i = 0; i < KIND_NFIELDS(dates); i++)
		KIND_TRY(kind_not_future(item, dates[i], today, err));
	for (size_t i = 1; i < KIND_NFIELDS(dates); i++)
		KIND_TRY(kind_not_before(item, dates[i], "sent_on", err));

	/* A referral is accepted or rejected, not both: the later of the two
	 * is the one named. */
	int accepted, rejected;
	if (kind_date(item, "accepted_on", &accepted) &&
	    kind_date(item, "rejected_on", &rejected)) {
		const char *f = accepted >= rejected ? "accepted_on" : "rejected_on";
		schema_fail(err, f, "a referral is either accepted or rejected, not both");
		return WM_ERR_INVALID;
	}
	KIND_TRY(kind_not_before(item, "first_seen_on", "accepted_on", err));
	KIND_TRY(kind_needs(item, "rejection_reason", "rejected_on", err));

	/* Closing ends the referral: nothing is dated after it. */
	static const char *const before_close[] = {"accepted_on", "first_seen_on", "rejected_on"};
	for (size_t i = 0; i < KIND_NFIELDS(before_close); i++)
		KIND_TRY(kind_not_before(item, "closed_on", before_close[i], err));
	return WM_OK;
}

static const struct kind_column referral_columns[] = {
    {"service", "service", COLUMN_CODE},	{"sent_on", "sent_on", COLUMN_DAY},
    {"accepted_on", "accepted_on", COLUMN_DAY}, {"first_seen_on", "first_seen_on", COLUMN_DAY},
    {"rejected_on", "rejected_on", COLUMN_DAY}, {"closed_on", "closed_on", COLUMN_DAY},
};

const struct kind kind_referrals = {
    .name = "referrals",
    .table = "referrals",
    .shape = KIND_LIST,
    .append_only = false,
    .schema = &referral_schema,
    .read = ACT_HEALTH_READ,
    .create = ACT_CARE_ADD,
    .update = ACT_RECORD_WRITE,
    .validate = referral_validate,
    .columns = referral_columns,
    .ncolumns = KIND_NFIELDS(referral_columns),
};
