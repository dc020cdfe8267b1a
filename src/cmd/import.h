/*
 * import.h - what `waymark import`'s two readers share (cmd/import.c reads
 * a spreadsheet, cmd/import_lines.c the JSON lines of `waymark export`).
 */
#ifndef WM_CMD_IMPORT_H
#define WM_CMD_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "../crypto/keyring.h"
#include "../domain/import.h"
#include "../store/store.h"
#include "../util/sheet.h"

#define IMPORT_COLS_MAX SHEET_COLS_MAX
#define IMPORT_ROUTE	"waymark import"

/* Everything the checks of the rows share. */
struct run {
	struct store *st;
	const struct keyring *keys;
	const char *org_id;
	const char *date_fmt;
	bool workbook, date1904; /* from an .xlsx: a number in a date column is a date serial */
	const struct store_user *actor; /* --as: who the audit trail names */
	int today;
	const struct import_column *cols[IMPORT_COLS_MAX];
	const char *headings[IMPORT_COLS_MAX];
	size_t ncols;
	size_t problems;
	size_t unassigned; /* survivors of an export whose advocate is not found here */
};

/* The keyed hash a reference is remembered by, for r's organisation. */
void import_ref_hash(const struct run *r, const char *ref, unsigned char out[KEYRING_BLIND_LEN]);

/* The audit entry of a record the import creates for survivor_id at `at`. */
void import_audit_for(const struct run *r, const char *survivor_id, const char *at,
		      struct store_audit *a);

/* The id of the account named username when it may hold cases of r's
 * organisation (an active advocate or manager of it). */
bool import_holder(struct run *r, const char *username, char id[STORE_ID_LEN]);

/* Survivors stored in one durable batch (store_batch_begin): a batch is
 * stored whole or not at all, and costs one commit. */
#define IMPORT_BATCH 250

/* Stores the n survivors `one` stores (each with every part of their
 * record; `one` sets *skip, storing nothing, for those not to be stored),
 * in batches where the store has them. *stored counts those kept; on
 * failure *failed is the index that failed, and a survivor is never kept
 * in part where the store has batches. */
wm_err import_store(struct run *r, size_t n, wm_err (*one)(void *ctx, size_t i, bool *skip),
		    void *ctx, size_t *stored, size_t *failed);

/* True when text is a file `waymark export` wrote (its first line says so). */
bool import_is_export(const char *text, size_t len);

/* Imports such a file (docs/export.md); the exit code. */
int import_lines(struct run *r, const char *text, size_t len, bool dry_run, bool skip_invalid);

#endif
