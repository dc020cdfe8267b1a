/*
 * snoozes.c - an advocate's snooze of one alert: "dealt with (the survivor
 * declines a dentist), leave it until then". A part of the record like any
 * other: audited when made and read, listed on the record, read by the
 * owning organisation's staff only (the reason is case work, and sealed).
 *
 * A snooze names the rule, the item the alert is about (item_id, as the
 * alert carries it) and the day it ends (until: the alert is back on that
 * day). The server adds the version the item had, so the alert comes back
 * at once when the item changes, and who snoozed it. Made through
 * POST /api/v1/alerts/snoozes, which checks the item; never changed after.
 */
#include "kinds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../alerts.h"

/* The longest snooze, in days: a critical alert is never out of sight for
 * more than a weekend. */
#define SNOOZE_MAX_DAYS		 30
#define SNOOZE_MAX_DAYS_CRITICAL 2

/* The rule names, as alerts.c spells them (tests/unit/test_alerts.c checks
 * the two lists agree). */
static const char *const rules[] = {"gp_unregistered",
				    "dependant_gp_unregistered",
				    "dental_unregistered",
				    "antenatal_missing",
				    "registration_refused",
				    "interpreter_not_booked",
				    "interpreter_not_provided",
				    "third_party_cancellation",
				    "repeated_non_attendance",
				    "plan_missing",
				    "review_overdue",
				    "referral_no_response",
				    "mental_health_wait",
				    "medication_without_therapy",
				    "medication_not_explained",
				    "rg_decision_overdue",
				    "cg_decision_waiting",
				    "nrm_support_ending",
				    "dual_support_gap",
				    "asylum_no_legal_representative",
				    NULL};

const char *const *kind_snooze_rules(void)
{
	return rules;
}

static const struct schema_field snooze_fields[] = {
    KIND_SERVER_FIELDS,
    {.name = "rule", .type = SCH_ENUM, .flags = SCH_REQUIRED, .values = rules},
    {.name = "item_id", .type = SCH_STRING, .max = 32}, /* an id, or "dependant:N" */
    {.name = "until", .type = SCH_DATE, .flags = SCH_REQUIRED},
    {.name = "reason", .type = SCH_TEXT, .flags = SCH_REQUIRED | SCH_CASE_TEAM, .max = 2000},
    {.name = "item_version", .type = SCH_INT, .flags = SCH_SERVER, .min = 0, .max = 2147483647LL},
    {.name = "snoozed_by", .type = SCH_ID, .flags = SCH_SERVER},
};
static const struct schema snooze_schema = {"snooze", snooze_fields, KIND_NFIELDS(snooze_fields)};

/* "dependant:N" with N a dependant the survivor has; false for anything else. */
static bool dependant_ok(const char *item_id, const json_t *survivor)
{
	static const char prefix[] = "dependant:";
	if (strncmp(item_id, prefix, sizeof prefix - 1) != 0)
		return false;
	const char *n = item_id + sizeof prefix - 1;
	if (n[0] < '1' || n[0] > '9' || strlen(n) > 3)
		return false;
	char *end;
	long v = strtol(n, &end, 10);
	const json_t *deps = json_object_get(survivor, "dependants");
	return *end == '\0' && v >= 1 && (size_t)v <= json_array_size(deps);
}

static wm_err snooze_validate(json_t *item, const json_t *survivor, int today,
			      struct schema_error *err)
{
	KIND_TRY(kind_check(&snooze_schema, item, err));
	enum alert_rule rule;
	if (!alert_rule_parse(kind_str(item, "rule"), &rule)) {
		schema_fail(err, "rule", "rule is not an alert rule");
		return WM_ERR_INVALID;
	}
	const char *item_id = kind_str(item, "item_id");
	bool per_item = alert_rule_per_item(rule);
	if (per_item && !item_id) {
		schema_fail(err, "item_id",
			    "item_id is required: this rule's alerts are each "
			    "about one item");
		return WM_ERR_INVALID;
	}
	if (!per_item && item_id) {
		schema_fail(err, "item_id", "item_id is only for a rule about one item");
		return WM_ERR_INVALID;
	}
	if (rule == RULE_DEPENDANT_GP_UNREGISTERED && !dependant_ok(item_id, survivor)) {
		schema_fail(err, "item_id",
			    "item_id is not dependant:N for a dependant of the record");
		return WM_ERR_INVALID;
	}
	int until = 0;
	int most = alert_rule_top_severity(rule) == ALERT_CRITICAL ? SNOOZE_MAX_DAYS_CRITICAL
								   : SNOOZE_MAX_DAYS;
	kind_date(item, "until", &until);
	if (until <= today) {
		schema_fail(err, "until", "until must be after today");
		return WM_ERR_INVALID;
	}
	if (until > today + most) {
		schema_fail(err, "until", "until is more than %d days ahead for this rule", most);
		return WM_ERR_INVALID;
	}
	return WM_OK;
}

static const struct kind_column snooze_columns[] = {
    {"rule", "rule", COLUMN_CODE},
    {"item_id", "item_id", COLUMN_TEXT},
    {"item_version", "item_version", COLUMN_INT},
    {"until", "until", COLUMN_DAY},
};

const struct kind kind_snoozes = {
    .name = "snoozes",
    .table = "snoozes",
    .shape = KIND_LIST,
    .append_only = true,
    .schema = &snooze_schema,
    .read = ACT_CASE_DETAILS_READ,
    .create = ACT_RECORD_WRITE,
    .update = ACT_RECORD_WRITE,
    .validate = snooze_validate,
    .columns = snooze_columns,
    .ncolumns = KIND_NFIELDS(snooze_columns),
};
