/*
 * notes.c - case notes: append-only, the body sealed, read by the owning
 * organisation's staff only (never through a share).
 */
#include "kinds.h"

static const char *const note_kinds[] = {"contact", "visit", "call", "safeguarding", "other", NULL};

static const struct schema_field note_fields[] = {
    KIND_SERVER_FIELDS,
    {.name = "kind", .type = SCH_ENUM, .flags = SCH_REQUIRED, .values = note_kinds},
    /* The read action already keeps shares out; the flag keeps the body out
     * of any view that is not the case team's should that ever change. */
    {.name = "body", .type = SCH_TEXT, .flags = SCH_REQUIRED | SCH_CASE_TEAM},
};
static const struct schema note_schema = {"note", note_fields, KIND_NFIELDS(note_fields)};

static wm_err note_validate(json_t *item, const json_t *survivor, int today,
			    struct schema_error *err)
{
	(void)survivor;
	(void)today;
	return kind_check(&note_schema, item, err);
}

static const struct kind_column note_columns[] = {
    {"kind", "kind", COLUMN_CODE},
};

const struct kind kind_notes = {
    .name = "notes",
    .table = "notes",
    .shape = KIND_LIST,
    .append_only = true,
    .schema = &note_schema,
    .read = ACT_CASE_DETAILS_READ,
    .create = ACT_RECORD_WRITE,
    .update = ACT_RECORD_WRITE,
    .validate = note_validate,
    .columns = note_columns,
    .ncolumns = KIND_NFIELDS(note_columns),
};
