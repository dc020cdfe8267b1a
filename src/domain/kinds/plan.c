/*
 * plan.c - the support plan (one per survivor: goals by domain and how
 * often it is reviewed) and its reviews (a list, append-only: a review is a
 * record of a meeting that took place).
 */
#include "kinds.h"

#define REVIEW_EVERY_DAYS_DEFAULT 28

static const char *const domains[] = {"health", "mental_health", "housing",   "safety",
				      "legal",	"finance",	 "education", "purpose",
				      "social", "independence",	 NULL};
static const char *const goal_statuses[] = {"open", "met", "dropped", NULL};

static const struct schema_field goal_fields[] = {
    {.name = "domain", .type = SCH_ENUM, .flags = SCH_REQUIRED, .values = domains},
    {.name = "text", .type = SCH_TEXT, .flags = SCH_REQUIRED},
    {.name = "status", .type = SCH_ENUM, .values = goal_statuses},
};
static const struct schema goal_schema = {"goal", goal_fields, KIND_NFIELDS(goal_fields)};

static const struct schema_field plan_fields[] = {
    KIND_SERVER_FIELDS,
    {.name = "review_every_days", .type = SCH_INT, .min = 1, .max = 365},
    {.name = "goals", .type = SCH_ARRAY, .object = &goal_schema, .max = 50},
};
static const struct schema plan_schema = {"plan", plan_fields, KIND_NFIELDS(plan_fields)};

static wm_err plan_validate(json_t *item, const json_t *survivor, int today,
			    struct schema_error *err)
{
	(void)survivor;
	(void)today;
	KIND_TRY(kind_check(&plan_schema, item, err));
	if (!kind_has(item, "review_every_days") &&
	    json_object_set_new(item, "review_every_days",
				json_integer(REVIEW_EVERY_DAYS_DEFAULT)) != 0)
		return WM_ERR_NOMEM;
	size_t i;
	json_t *goal;
	json_array_foreach(json_object_get(item, "goals"), i, goal)
	    KIND_TRY(kind_default_str(goal, "status", "open"));
	return WM_OK;
}

static const struct kind_column plan_columns[] = {
    {"review_every_days", "review_every_days", COLUMN_INT},
    /* The goals' domains and statuses, never their words (migration 016). */
    {"goals", "goal_domains", COLUMN_GOALS},
};

const struct kind kind_plan = {
    .name = "plan",
    .table = "plan",
    .shape = KIND_ONE,
    .append_only = false,
    .schema = &plan_schema,
    .read = ACT_HEALTH_READ,
    .create = ACT_RECORD_WRITE,
    .update = ACT_RECORD_WRITE,
    .validate = plan_validate,
    .columns = plan_columns,
    .ncolumns = KIND_NFIELDS(plan_columns),
};

static const struct schema_field review_fields[] = {
    KIND_SERVER_FIELDS,
    {.name = "on", .type = SCH_DATE, .flags = SCH_REQUIRED},
    /* The case team's words: never shown through a share. */
    {.name = "notes", .type = SCH_TEXT, .flags = SCH_CASE_TEAM},
};
static const struct schema review_schema = {"plan_review", review_fields,
					    KIND_NFIELDS(review_fields)};

static wm_err review_validate(json_t *item, const json_t *survivor, int today,
			      struct schema_error *err)
{
	(void)survivor;
	KIND_TRY(kind_check(&review_schema, item, err));
	/* A review is recorded once it has taken place. */
	return kind_not_future(item, "on", today, err);
}

/* "on" is an SQL keyword: its column is reviewed_on. */
static const struct kind_column review_columns[] = {
    {"on", "reviewed_on", COLUMN_DAY},
};

const struct kind kind_plan_reviews = {
    .name = "plan/reviews",
    .table = "plan_reviews",
    .shape = KIND_LIST,
    .append_only = true,
    .schema = &review_schema,
    .read = ACT_HEALTH_READ,
    .create = ACT_RECORD_WRITE,
    .update = ACT_RECORD_WRITE,
    .validate = review_validate,
    .columns = review_columns,
    .ncolumns = KIND_NFIELDS(review_columns),
};
