/*
 * consents.c - the survivor's consent, per purpose, and its withdrawal. An
 * active share_with_org consent opens the record to the organisation it
 * names (policy.h, shared_with_org).
 *
 * Here org_id is the client's field: the organisation consented to. The
 * survivor's own organisation, which owns the item, is the store's org_id
 * column and is not part of a consent's body.
 */
#include "kinds.h"

#include <string.h>

static const char *const purposes[] = {"share_with_org", "handover", "anonymised_research", NULL};
static const char *const methods[] = {"verbal", "written", NULL};
/* What a survivor may agree to add to a handover beyond its health core
 * (docs/handover.md): nothing of these goes unless named. */
static const char *const handover_parts[] = {"legal_name", "contact", "nrm", "asylum", NULL};

static const struct schema_field consent_fields[] = {
    KIND_SERVER_FIELDS_BUT_ORG,
    {.name = "purpose", .type = SCH_ENUM, .flags = SCH_REQUIRED, .values = purposes},
    {.name = "org_id", .type = SCH_ID},
    {.name = "given_on", .type = SCH_DATE, .flags = SCH_REQUIRED},
    {.name = "withdrawn_on", .type = SCH_DATE},
    {.name = "method", .type = SCH_ENUM, .values = methods},
    {.name = "interpreter_used", .type = SCH_BOOL},
    {.name = "includes", .type = SCH_ARRAY, .items = SCH_ENUM, .values = handover_parts, .max = 4},
};
static const struct schema consent_schema = {"consent", consent_fields,
					     KIND_NFIELDS(consent_fields)};

static wm_err consent_validate(json_t *item, const json_t *survivor, int today,
			       struct schema_error *err)
{
	(void)survivor;
	KIND_TRY(kind_check(&consent_schema, item, err));
	if (strcmp(kind_str(item, "purpose"), "share_with_org") == 0 && !kind_has(item, "org_id")) {
		schema_fail(err, "org_id", "org_id is required to share with an organisation");
		return WM_ERR_INVALID;
	}
	if (kind_has(item, "includes") && strcmp(kind_str(item, "purpose"), "handover") != 0) {
		schema_fail(err, "includes", "includes is only for a handover consent");
		return WM_ERR_INVALID;
	}
	/* Consent is recorded once given, and withdrawn from the day it is
	 * withdrawn: a date ahead would keep a share open that the survivor
	 * has already ended, or open one not yet given. */
	KIND_TRY(kind_not_future(item, "given_on", today, err));
	KIND_TRY(kind_not_future(item, "withdrawn_on", today, err));
	return kind_not_before(item, "withdrawn_on", "given_on", err);
}

/* The consented organisation's column is with_org_id: org_id is every
 * table's owning organisation. */
static const struct kind_column consent_columns[] = {
    {"purpose", "purpose", COLUMN_CODE},
    {"org_id", "with_org_id", COLUMN_ID},
    {"given_on", "given_on", COLUMN_DAY},
    {"withdrawn_on", "withdrawn_on", COLUMN_DAY},
};

const struct kind kind_consents = {
    .name = "consents",
    .table = "consents",
    .shape = KIND_LIST,
    .append_only = false,
    .schema = &consent_schema,
    .read = ACT_HEALTH_READ,
    .create = ACT_RECORD_WRITE,
    .update = ACT_RECORD_WRITE,
    .validate = consent_validate,
    .columns = consent_columns,
    .ncolumns = KIND_NFIELDS(consent_columns),
};
