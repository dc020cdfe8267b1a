/*
 * caseload.h - bringing an organisation's caseload in from a spreadsheet
 * (docs/import.md): what `waymark import` and the manager's upload page
 * (/import) both run.
 *
 * Every row is read and checked first, with the API's own rules (the
 * survivor's schema and rules, each part's kind), and nothing is written
 * unless every row passes (or skip_invalid says to store those that do).
 * What it finds comes back as data - problems by row and column with the
 * rule's message, the verdict of each row - never printed and never with a
 * cell's value: a caseload is full of names. The caller (a command, a
 * page) says it in its own way. The agency's case reference is kept only
 * as a keyed hash, so that a second run creates no one twice.
 */
#ifndef WM_IMPORT_CASELOAD_H
#define WM_IMPORT_CASELOAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../crypto/keyring.h"
#include "../domain/import.h"
#include "../store/store.h"
#include "../util/sheet.h"

#define IMPORT_COLS_MAX SHEET_COLS_MAX
#define IMPORT_ROUTE	"waymark import"
#define IMPORT_FILE_MAX (64u * 1024 * 1024) /* bytes: far past any caseload */

/* What every check of one import shares. The caller fills st, keys,
 * org_id, actor, today, route and batches; the rest is the import's. */
struct run {
	struct store *st;
	const struct keyring *keys;
	const char *org_id;
	const struct store_user *actor; /* who the audit trail names */
	int today;
	const char *route; /* the audit entries' route: IMPORT_ROUTE, "/import" */
	/* Store in durable batches (store_batch_begin): only a store of one
	 * connection that nothing else writes through (a command's). */
	bool batches;
	const char *date_fmt;
	bool workbook, date1904; /* from an .xlsx: a number in a date column is a date serial */
	const struct import_column *cols[IMPORT_COLS_MAX];
	const char *headings[IMPORT_COLS_MAX];
	size_t ncols;
	size_t problems;
	size_t unassigned;	     /* survivors of an export whose advocate is not found here */
	struct caseload_result *res; /* where a spreadsheet's findings go */
};

/* ---- what an import finds ---- */

/* A problem with a cell, a row or the heading row (row is the spreadsheet's
 * row number; column the heading as the file has it, or ours). */
struct caseload_problem {
	size_t row;
	char column[96];
	char message[160];
};

enum caseload_verdict { CASELOAD_NEW, CASELOAD_PRESENT, CASELOAD_INVALID };

/* One row below the heading. */
struct caseload_row {
	size_t row;
	enum caseload_verdict verdict;
	size_t same_as;	      /* present: the earlier row of the same ref; 0: stored before */
	bool gp, nrm, asylum; /* new: the parts of the record it brings */
};

enum caseload_outcome {
	CASELOAD_UNREADABLE, /* the file is no caseload at all: why says so */
	CASELOAD_EXPORT,     /* a file of `waymark export`: not read here */
	CASELOAD_BAD_HEADER, /* the heading row has problems; nothing stored */
	CASELOAD_REFUSED,    /* rows have problems (and not skip_invalid); nothing stored */
	CASELOAD_CHECKED,    /* dry run: checked, nothing stored */
	CASELOAD_STORED,     /* stored: every new row (the valid ones, with skip_invalid) */
	CASELOAD_FAILED,     /* storing failed at failed_row; stored rows are kept, each whole */
};

struct caseload_result {
	enum caseload_outcome outcome;
	char why[400]; /* UNREADABLE: a plain reason, with how to put it right */
	struct caseload_problem *problems;
	size_t nproblems, problems_cap;
	struct caseload_row *rows;
	size_t nrows;
	size_t fresh, present, invalid; /* rows by verdict */
	size_t stored;			/* survivors stored */
	size_t failed_row;
	wm_err error; /* FAILED: why; WM_ERR_NOMEM when memory ran out anywhere */
};

struct caseload_opts {
	const char *date_fmt; /* NULL: dd/mm/yyyy */
	bool cp1252;	      /* the file is Windows-1252 text, not UTF-8 */
	const json_t *map;    /* the agency's headings to ours, or NULL */
	bool dry_run, skip_invalid;
};

/* Checks the caseload in file (a CSV file, or an .xlsx workbook's first
 * sheet: len bytes, at most IMPORT_FILE_MAX) for r's organisation and,
 * unless dry_run or a problem says not to, stores it. res is filled (free
 * it with caseload_result_free) whatever happens. */
void caseload_import(struct run *r, const unsigned char *file, size_t len,
		     const struct caseload_opts *o, struct caseload_result *res);

void caseload_result_free(struct caseload_result *res);

/* True when text (UTF-8, no byte-order mark) is a file `waymark export`
 * wrote (its first line says so). */
bool import_is_export(const char *text, size_t len);

/* The file's text as UTF-8 without a byte-order mark, converted from
 * Windows-1252 when cp1252; NULL when it is not UTF-8 (why says how to
 * save it so) or memory runs out. The caller frees it. */
char *caseload_text(const unsigned char *raw, size_t n, bool cp1252, size_t *len, char *why,
		    size_t whycap);

/* ---- who may, and what the two readers share ---- */

/* The account named username when it is an active account of org_id. */
bool caseload_account(struct store *st, const char *username, const char *org_id,
		      struct store_user *u);

/* Whether u may import into org_id: the policy lets it create survivors,
 * give them to any advocate (a row names one) and create each part a row
 * may hold - the organisation's manager. */
bool caseload_may_import(const struct store_user *u, const char *org_id);

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
 * in batches when r->batches. *stored counts those kept; on failure
 * *failed is the index that failed. */
wm_err import_store(struct run *r, size_t n, wm_err (*one)(void *ctx, size_t i, bool *skip),
		    void *ctx, size_t *stored, size_t *failed);

#endif
