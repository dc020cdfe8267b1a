/*
 * import.c - `waymark import`: brings an organisation's caseload in from a
 * CSV file or an Excel workbook (docs/import.md).
 *
 * Every row is read and checked first, with the API's own rules (the
 * survivor's schema and rules, each part's kind), and nothing is written
 * unless every row passes (or --skip-invalid says to store those that do).
 * Problems are told by row and column with the rule's message, never a
 * cell's value: a caseload is full of names. The agency's case reference is
 * kept only as a keyed hash, so that a second run creates no one twice.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../crypto/secret.h"
#include "../domain/import.h"
#include "../domain/kind.h"
#include "../domain/survivor.h"
#include "../util/sheet.h"
#include "../util/text.h"
#include "cmd.h"
#include "import.h"

/* Reads the whole file; false (with a message printed) when it cannot. */
static bool read_file(const char *path, unsigned char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "waymark import: cannot open the file\n");
		return false;
	}
	unsigned char *buf = malloc(IMPORT_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, IMPORT_FILE_MAX + 1, f) : 0;
	bool ok = buf && !ferror(f) && n <= IMPORT_FILE_MAX;
	fclose(f);
	if (!ok) {
		free(buf);
		fprintf(stderr, "waymark import: cannot read the file (at most 64 MB)\n");
		return false;
	}
	*out = buf;
	*len = n;
	return true;
}

/* --map FILE: a JSON object of the agency's headings to ours. */
static json_t *load_map(const char *path)
{
	json_error_t je;
	json_t *m = json_load_file(path, 0, &je);
	bool ok = json_is_object(m);
	const char *k;
	json_t *v;
	json_object_foreach(m, k, v)
	{
		if (!json_is_string(v) || !import_column_find(json_string_value(v)))
			ok = false;
	}
	if (!ok) {
		fprintf(stderr,
			"waymark import: --map must be a JSON object of your column headings to "
			"the columns of docs/import.md\n");
		json_decref(m);
		return NULL;
	}
	return m;
}

/* Says what the import found, and returns the exit code. */
static int tell(const struct caseload_result *res)
{
	const struct caseload_problem *p = res->problems, *end = p + res->nproblems;
	for (size_t i = 0; i < res->nrows; i++) {
		const struct caseload_row *row = &res->rows[i];
		for (; p < end && p->row <= row->row; p++)
			fprintf(stderr, "row %zu, column %s: %s\n", p->row, p->column, p->message);
		if (row->verdict == CASELOAD_PRESENT && row->same_as)
			printf("row %zu: already present (the same ref as row %zu)\n", row->row,
			       row->same_as);
		else if (row->verdict == CASELOAD_PRESENT)
			printf("row %zu: already present\n", row->row);
	}
	for (; p < end; p++)
		fprintf(stderr, "row %zu, column %s: %s\n", p->row, p->column, p->message);
	size_t n = res->nrows;
	switch (res->outcome) {
	case CASELOAD_UNREADABLE:
		fprintf(stderr, "waymark import: %s\n", res->why);
		return 1;
	case CASELOAD_EXPORT: /* read by import_lines: not here */
		return 1;
	case CASELOAD_BAD_HEADER:
		fprintf(stderr,
			"waymark import: the heading row has problems; nothing was stored\n");
		return 1;
	case CASELOAD_REFUSED:
		fprintf(stderr,
			"waymark import: %zu of %zu rows have problems; nothing was stored (fix "
			"them, or give --skip-invalid to store the others)\n",
			res->invalid, n);
		return 1;
	case CASELOAD_CHECKED:
		for (size_t i = 0; i < n; i++) {
			const struct caseload_row *row = &res->rows[i];
			if (row->verdict != CASELOAD_NEW)
				continue;
			printf("row %zu: would create a survivor%s%s%s\n", row->row,
			       row->gp ? ", a GP registration" : "",
			       row->nrm ? ", an NRM referral" : "",
			       row->asylum ? ", an asylum claim" : "");
		}
		printf("waymark import: dry run: %zu would be created, %zu already present, %zu "
		       "with problems; nothing was stored\n",
		       res->fresh, res->present, res->invalid);
		return 0;
	case CASELOAD_STORED:
		printf("waymark import: %zu created, %zu already present, %zu with problems "
		       "not stored\n",
		       res->stored, res->present, res->invalid);
		return 0;
	case CASELOAD_FAILED:
		if (res->nrows && res->error != WM_ERR_NOMEM)
			fprintf(stderr,
				"waymark import: storing failed at row %zu (%s); %zu rows are "
				"stored, each whole, and a second run skips them\n",
				res->failed_row, wm_err_str(res->error), res->stored);
		else
			fprintf(stderr, "waymark import: out of memory\n");
		return 1;
	}
	return 1;
}

int cmd_import(int argc, char **argv)
{
	struct opt opts[] = {
	    {"db", "WAYMARK_DB", "PATH", "the database", NULL},
	    {"key-file", "WAYMARK_KEY_FILE", "FILE", "data-encryption key (default: PATH.key)",
	     NULL},
	    {"org", NULL, "ID", "the organisation the caseload belongs to", NULL},
	    {"as", NULL, "USERNAME",
	     "the organisation's manager importing it (the audit trail names them); "
	     "default: its first active manager",
	     NULL},
	    {"file", NULL, "FILE", "the caseload, a CSV file or an Excel workbook (.xlsx)", NULL},
	    {"dry-run", NULL, NULL, "check every row and say what would be created; store nothing",
	     NULL},
	    {"skip-invalid", NULL, NULL, "store the valid rows, and list the others", NULL},
	    {"map", NULL, "FILE", "a JSON object of your column headings to ours", NULL},
	    {"date-format", NULL, "FMT", "how dates are written (default dd/mm/yyyy)", NULL},
	    {"encoding", NULL, "NAME", "utf-8 (the default) or cp1252 (older Excel)", NULL},
	};
	bool help;
	int rc =
	    cmd_parse("import",
		      "Brings an organisation's caseload in from a CSV file or an Excel workbook\n"
		      "(.xlsx, its first sheet), one row per survivor (docs/import.md). Every row "
		      "is checked first; one with a "
		      "problem means\nnothing is stored, unless --skip-invalid. A row whose ref "
		      "was imported\nbefore is reported as already present, not created again.\n"
		      "Exit status: 0 done (or checked, with --dry-run), 1 problems or failed, 2 "
		      "misused.",
		      argc, argv, opts, 10, &help);
	if (rc || help)
		return rc;
	const char *db = opts[0].value, *org = opts[2].value, *as = opts[3].value;
	const char *file = opts[4].value, *fmt = opts[8].value, *enc = opts[9].value;
	if (!db || !org || !file) {
		fprintf(stderr,
			"waymark import: --db, --org and --file are required (see --help)\n");
		return 2;
	}
	if (!schema_is_id(org)) {
		fprintf(stderr, "waymark import: --org must be an organisation id\n");
		return 2;
	}
	if (fmt && !import_date_format_ok(fmt)) {
		fprintf(stderr, "waymark import: --date-format must hold dd, mm and yyyy, as "
				"mm/dd/yyyy\n");
		return 2;
	}
	bool cp1252 = enc && (!strcasecmp(enc, "cp1252") || !strcasecmp(enc, "windows-1252"));
	if (enc && !cp1252 && strcasecmp(enc, "utf-8") && strcasecmp(enc, "utf8")) {
		fprintf(stderr, "waymark import: --encoding must be utf-8 or cp1252\n");
		return 2;
	}
	json_t *map = NULL;
	if (opts[7].value && !(map = load_map(opts[7].value)))
		return 2;
	unsigned char *raw = NULL;
	size_t rawlen = 0, len = 0;
	if (!read_file(file, &raw, &rawlen)) {
		json_decref(map);
		return 1;
	}
	/* A file of waymark export's is JSON lines, read whole here. */
	char *lines = NULL;
	if (!sheet_is_zip(raw, rawlen)) {
		char why[400];
		lines = caseload_text(raw, rawlen, cp1252, &len, why, sizeof why);
		if (lines && !import_is_export(lines, len)) {
			free(lines);
			lines = NULL;
		}
	}
	struct keyring *keys;
	struct store *st;
	rc = cmd_open_store("import", db, opts[1].value, &keys, &st);
	if (rc == 0) {
		rc = 1;
		struct store_org o;
		struct store_user actor;
		struct run *r = calloc(1, sizeof *r);
		if (store_org_get(st, org, &o) != WM_OK)
			fprintf(stderr, "waymark import: no such organisation\n");
		else if (!cmd_org_account(st, as, org, &actor) || !caseload_may_import(&actor, org))
			fprintf(stderr, as ? "waymark import: --as must be the username of an "
					     "active manager of the organisation\n"
					   : "waymark import: the organisation has no active "
					     "manager; give --as\n");
		else if (r) {
			if (!as)
				printf("waymark import: as %s, the organisation's manager\n",
				       actor.username);
			r->actor = &actor;
			r->st = st;
			r->keys = keys;
			r->org_id = org;
			r->route = IMPORT_ROUTE;
			r->batches = true; /* the store is this command's alone */
			r->today = instant_day((int64_t)time(NULL));
			if (lines) {
				rc = import_lines(r, lines, len, opts[5].value != NULL,
						  opts[6].value != NULL);
			} else {
				struct caseload_opts co = {.date_fmt = fmt,
							   .cp1252 = cp1252,
							   .map = map,
							   .dry_run = opts[5].value != NULL,
							   .skip_invalid = opts[6].value != NULL};
				struct caseload_result res;
				caseload_import(r, raw, rawlen, &co, &res);
				rc = tell(&res);
				caseload_result_free(&res);
			}
		}
		free(r);
		store_close(st);
	}
	keyring_free(keys);
	free(raw);
	free(lines);
	json_decref(map);
	return rc;
}
