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

#define IMPORT_FILE_MAX (64u * 1024 * 1024) /* bytes: far past any caseload */

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

/* The file's text as UTF-8 without a byte-order mark, converted from
 * Windows-1252 when asked; NULL (message printed) when it is not UTF-8. */
static char *file_text(unsigned char *raw, size_t n, bool cp1252, size_t *len)
{
	if (cp1252) {
		char *t = import_cp1252_to_utf8(raw, n, len);
		if (!t)
			fprintf(stderr, "waymark import: out of memory\n");
		return t;
	}
	size_t skip = n >= 3 && raw[0] == 0xef && raw[1] == 0xbb && raw[2] == 0xbf ? 3 : 0;
	if (!text_utf8_valid((const char *)raw + skip, n - skip)) {
		fprintf(stderr,
			"waymark import: the file is not UTF-8 text. Save it as UTF-8: in Excel, "
			"File > Save As > \"CSV UTF-8 (Comma delimited)\"; in LibreOffice Calc, "
			"File > Save As > \"Text CSV\" with \"Edit filter settings\" and the "
			"character set \"Unicode (UTF-8)\". Or, for a file from an older Excel, "
			"give --encoding cp1252.\n");
		return NULL;
	}
	char *t = malloc(n - skip + 1);
	if (t) {
		memcpy(t, raw + skip, n - skip);
		t[n - skip] = '\0';
		*len = n - skip;
	}
	return t;
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

static void report(struct run *r, size_t row, const char *column, const char *msg)
{
	fprintf(stderr, "row %zu, column %s: %s\n", row, column, msg);
	r->problems++;
}

/* The header (row rown): each heading's column. false when a heading is
 * none of ours, two stand for the same column, or there is no ref column. */
static bool read_header(struct run *r, char **cells, size_t n, size_t rown, const json_t *map)
{
	bool ok = true, ref = false;
	r->ncols = n;
	for (size_t i = 0; i < n; i++) {
		r->headings[i] = cells[i];
		r->cols[i] = import_column_for(map, cells[i]);
		if (!r->cols[i] && text_trimmed_len(cells[i]) > 0) {
			report(r, rown, cells[i], "is not a column of docs/import.md (use --map)");
			ok = false;
		}
		for (size_t j = 0; r->cols[i] && j < i; j++)
			if (r->cols[j] == r->cols[i]) {
				report(r, rown, cells[i],
				       "stands for the same column as another heading");
				ok = false;
				break;
			}
		ref = ref || (r->cols[i] && r->cols[i]->part == IMPORT_REF);
	}
	if (!ref) {
		report(r, rown, "ref", "is required: the agency's own case reference");
		ok = false;
	}
	return ok;
}

static const char *const part_kinds[IMPORT_PARTS] = {
    [IMPORT_GP] = "registrations", [IMPORT_NRM] = "nrm", [IMPORT_ASYLUM] = "asylum"};

/* The advocate column: the username of an advocate or manager of the
 * organisation, as the API's advocate_id must be. */
bool import_holder(struct run *r, const char *username, char id[STORE_ID_LEN])
{
	struct store_user u = {0};
	if (!cmd_org_account(r->st, username, r->org_id, &u))
		return false;
	struct case_holder h = {.role = u.role, .disabled = u.disabled, .org_id = u.org_id};
	if (!survivor_may_hold_case(&h, r->org_id))
		return false;
	memcpy(id, u.id, STORE_ID_LEN);
	return true;
}

static bool set_advocate(struct run *r, size_t rown, struct import_row *row)
{
	if (!*row->advocate)
		return true;
	char id[STORE_ID_LEN];
	if (!import_holder(r, row->advocate, id)) {
		report(r, rown, "advocate",
		       "must be the username of an advocate or manager of the organisation");
		return false;
	}
	json_object_set_new(row->bodies[IMPORT_SURVIVOR], "advocate_id", json_string(id));
	return true;
}

/* Checks a row's records with the API's rules; true when all pass. */
static bool check_row(struct run *r, size_t rown, struct import_row *row)
{
	struct schema_error se;
	bool ok = set_advocate(r, rown, row);
	json_t *s = row->bodies[IMPORT_SURVIVOR];
	if (survivor_validate(s, r->today, &se) != WM_OK) {
		report(r, rown,
		       import_column_of_field(IMPORT_SURVIVOR, se.field, r->cols, r->headings,
					      r->ncols),
		       se.message);
		return false;
	}
	for (int p = IMPORT_GP; p < IMPORT_PARTS; p++) {
		json_t *item = row->bodies[p];
		const struct kind *k = kind_find(part_kinds[p]);
		if (!item || !k)
			continue;
		schema_drop_nulls(k->schema, item);
		wm_err e = schema_check(k->schema, item, &se);
		if (e == WM_OK && k->validate)
			e = k->validate(item, s, r->today, &se);
		if (e != WM_OK) {
			report(r, rown,
			       import_column_of_field((enum import_part)p, se.field, r->cols,
						      r->headings, r->ncols),
			       se.message);
			ok = false;
		}
	}
	return ok;
}

void import_ref_hash(const struct run *r, const char *ref, unsigned char out[KEYRING_BLIND_LEN])
{
	char scoped[512];
	snprintf(scoped, sizeof scoped, "%s:%.400s", r->org_id, ref);
	keyring_blind(r->keys, "import-ref", scoped, out);
}

void import_audit_for(const struct run *r, const char *survivor_id, const char *at,
		      struct store_audit *a)
{
	memset(a, 0, sizeof *a);
	a->role = r->actor->role;
	snprintf(a->user_id, sizeof a->user_id, "%s", r->actor->id);
	memcpy(a->at, at, sizeof a->at);
	snprintf(a->survivor_id, sizeof a->survivor_id, "%s", survivor_id);
	snprintf(a->org_id, sizeof a->org_id, "%s", r->org_id);
	snprintf(a->action, sizeof a->action, "create");
	snprintf(a->route, sizeof a->route, IMPORT_ROUTE);
}

/* Stores one checked row: the survivor with its audit entry, each part
 * with its own, then the reference. */
static wm_err store_row(struct run *r, struct import_row *row, const unsigned char *hash)
{
	struct store_survivor s = {.version = 1, .body = row->bodies[IMPORT_SURVIVOR]};
	secret_new_id(s.id);
	snprintf(s.org_id, sizeof s.org_id, "%s", r->org_id);
	instant_format((int64_t)time(NULL), s.created_at);
	memcpy(s.updated_at, s.created_at, sizeof s.updated_at);
	struct store_audit a;
	import_audit_for(r, s.id, s.created_at, &a);
	wm_err e = store_survivor_create(r->st, &s, &a);
	for (int p = IMPORT_GP; e == WM_OK && p < IMPORT_PARTS; p++) {
		const struct kind *k = kind_find(part_kinds[p]);
		if (!row->bodies[p] || !k)
			continue;
		struct store_item it = {.version = 1, .body = row->bodies[p]};
		secret_new_id(it.id);
		memcpy(it.survivor_id, s.id, sizeof it.survivor_id);
		memcpy(it.org_id, s.org_id, sizeof it.org_id);
		memcpy(it.created_at, s.created_at, sizeof it.created_at);
		memcpy(it.updated_at, s.created_at, sizeof it.updated_at);
		e = store_item_create(r->st, k, &it, &a);
	}
	if (e == WM_OK)
		e = store_import_ref_put(r->st, r->org_id, hash, KEYRING_BLIND_LEN, s.id);
	return e;
}

wm_err import_store(struct run *r, size_t n, wm_err (*one)(void *ctx, size_t i, bool *skip),
		    void *ctx, size_t *stored, size_t *failed)
{
	wm_err e = store_batch_begin(r->st);
	bool batched = e == WM_OK;
	if (e == WM_ERR_UNSUPPORTED)
		e = WM_OK;
	size_t pending = 0;
	*stored = 0;
	*failed = 0;
	for (size_t i = 0; e == WM_OK && i < n; i++) {
		bool skip = false;
		e = one(ctx, i, &skip);
		if (e != WM_OK) {
			*failed = i;
		} else if (!skip && !batched) {
			++*stored;
		} else if (!skip && ++pending == IMPORT_BATCH) {
			e = store_batch_end(r->st, true, true);
			*failed = i;
			if (e == WM_OK)
				*stored += pending;
			pending = 0;
		}
	}
	if (batched) {
		wm_err end = store_batch_end(r->st, e == WM_OK, false);
		if (e == WM_OK && end == WM_OK)
			*stored += pending;
		else if (e == WM_OK)
			*failed = n - 1;
		if (e == WM_OK)
			e = end;
	}
	return e;
}

/* What one row came to. */
enum verdict { ROW_NEW, ROW_PRESENT, ROW_INVALID };

struct checked {
	struct import_row row;
	enum verdict verdict;
	size_t number; /* the row's in the spreadsheet */
	unsigned char hash[KEYRING_BLIND_LEN];
};

struct store_rows {
	struct run *r;
	struct checked *all;
};

static wm_err store_one_row(void *ctx, size_t i, bool *skip)
{
	struct store_rows *sr = ctx;
	*skip = sr->all[i].verdict != ROW_NEW;
	return *skip ? WM_OK : store_row(sr->r, &sr->all[i].row, sr->all[i].hash);
}

static enum verdict check_one(struct run *r, char **cells, size_t n, size_t rown,
			      struct checked *all, size_t idx)
{
	struct checked *c = &all[idx];
	struct import_problem p;
	const char *cell[IMPORT_COLS_MAX];
	char serial[IMPORT_COLS_MAX][DATE_TEXT_LEN];
	for (size_t i = 0; i < r->ncols; i++) {
		cell[i] = i < n ? cells[i] : NULL;
		/* A workbook's date cell is a number counting days. */
		if (cell[i] && r->workbook && r->cols[i] && r->cols[i]->type == IMPORT_DATE &&
		    import_excel_serial(cell[i], r->date1904, serial[i]))
			cell[i] = serial[i];
	}
	/* A value under no heading would be lost: refused, not dropped. */
	for (size_t i = 0; i < n; i++)
		if ((i >= r->ncols || !r->cols[i]) && text_trimmed_len(cells[i]) > 0) {
			report(r, rown, "(with no heading)", "has a value under no heading");
			return ROW_INVALID;
		}
	if (!import_row_build(r->cols, r->headings, cell, r->ncols, r->date_fmt, &c->row, &p)) {
		report(r, rown, p.column, p.message);
		return ROW_INVALID;
	}
	if (!*c->row.ref) {
		report(r, rown, "ref", "is required: the agency's own case reference");
		return ROW_INVALID;
	}
	import_ref_hash(r, c->row.ref, c->hash);
	for (size_t j = 0; j < idx; j++)
		if (all[j].verdict != ROW_INVALID &&
		    !memcmp(all[j].hash, c->hash, sizeof c->hash)) {
			printf("row %zu: already present (the same ref as row %zu)\n", rown,
			       all[j].number);
			return ROW_PRESENT;
		}
	char found[STORE_ID_LEN];
	wm_err e = store_import_ref_find(r->st, r->org_id, c->hash, sizeof c->hash, found);
	if (e == WM_OK) {
		printf("row %zu: already present\n", rown);
		return ROW_PRESENT;
	}
	if (e != WM_ERR_NOT_FOUND) {
		report(r, rown, "ref", "could not be looked up in the database");
		return ROW_INVALID;
	}
	return check_row(r, rown, &c->row) ? ROW_NEW : ROW_INVALID;
}

/* The parts a new row brings besides the survivor, for the dry run. */
static void describe(size_t rown, const struct import_row *row)
{
	printf("row %zu: would create a survivor", rown);
	if (row->bodies[IMPORT_GP])
		printf(", a GP registration");
	if (row->bodies[IMPORT_NRM])
		printf(", an NRM referral");
	if (row->bodies[IMPORT_ASYLUM])
		printf(", an asylum claim");
	printf("\n");
}

static int import_rows(struct run *r, struct sheet *sh, bool dry_run, bool skip_invalid)
{
	size_t n = sh->nrows - 1, fresh = 0, present = 0, invalid = 0, stored = 0;
	struct checked *all = calloc(n ? n : 1, sizeof *all);
	if (!all) {
		fprintf(stderr, "waymark import: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		all[i].number = sh->numbers[i + 1];
		all[i].verdict =
		    check_one(r, sh->rows[i + 1], sh->widths[i + 1], all[i].number, all, i);
		fresh += all[i].verdict == ROW_NEW;
		present += all[i].verdict == ROW_PRESENT;
		invalid += all[i].verdict == ROW_INVALID;
	}
	int rc = 0;
	if (invalid && !skip_invalid) {
		fprintf(stderr,
			"waymark import: %zu of %zu rows have problems; nothing was stored (fix "
			"them, or give --skip-invalid to store the others)\n",
			invalid, n);
		rc = 1;
	} else if (dry_run) {
		for (size_t i = 0; i < n; i++)
			if (all[i].verdict == ROW_NEW)
				describe(all[i].number, &all[i].row);
		printf("waymark import: dry run: %zu would be created, %zu already present, %zu "
		       "with problems; nothing was stored\n",
		       fresh, present, invalid);
	} else {
		size_t at;
		struct store_rows ctx = {r, all};
		wm_err e = import_store(r, n, store_one_row, &ctx, &stored, &at);
		if (e != WM_OK) {
			fprintf(stderr,
				"waymark import: storing failed at row %zu (%s); %zu rows are "
				"stored, each whole, and a second run skips them\n",
				all[at].number, wm_err_str(e), stored);
			rc = 1;
		}
		if (rc == 0)
			printf(
			    "waymark import: %zu created, %zu already present, %zu with problems "
			    "not stored\n",
			    stored, present, invalid);
	}
	for (size_t i = 0; i < n; i++)
		import_row_clear(&all[i].row);
	free(all);
	return rc;
}

/* --as: an active account of the organisation that the policy lets create
 * survivors, give them to any advocate (a row names one) and create each
 * part a row may hold: the organisation's manager. */
static bool manager_of(struct store *st, const char *username, const char *org_id,
		       struct store_user *u)
{
	if (!cmd_org_account(st, username, org_id, u))
		return false;
	struct subject who = {.role = u->role, .user_id = u->id, .org_id = u->org_id};
	struct resource res = {.org_id = org_id};
	bool ok = policy_decide(&who, ACT_SURVIVOR_CREATE, NULL) == POLICY_ALLOW &&
		  policy_decide(&who, ACT_SURVIVOR_REASSIGN, &res) == POLICY_ALLOW;
	for (int p = IMPORT_GP; ok && p < IMPORT_PARTS; p++) {
		const struct kind *k = kind_find(part_kinds[p]);
		ok = k && policy_decide(&who, k->create, &res) == POLICY_ALLOW;
	}
	return ok;
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
	struct sheet sh = {0};
	char why[256] = "";
	char *lines = NULL; /* a file of waymark export's, whole */
	bool workbook = false, read = read_file(file, &raw, &rawlen);
	if (read && sheet_is_zip(raw, rawlen)) {
		workbook = true;
		read = sheet_xlsx(&sh, raw, rawlen, why, sizeof why);
	} else if (read) {
		char *text = file_text(raw, rawlen, cp1252, &len);
		if (text && import_is_export(text, len))
			lines = text;
		else
			read = text && sheet_csv(&sh, text, len, why, sizeof why);
		if (!lines)
			free(text);
		else
			read = true;
	}
	free(raw);
	if (read && !lines && sh.nrows == 0)
		snprintf(why, sizeof why, "the file has no heading row");
	if (!read || (!lines && sh.nrows == 0)) {
		if (why[0])
			fprintf(stderr, "waymark import: %s\n", why);
		sheet_free(&sh);
		json_decref(map);
		return 1;
	}
	char key_path[4096];
	struct keyring *keys = NULL;
	struct store *st = NULL;
	char msg[256];
	rc = 1;
	if (!cmd_key_path(db, opts[1].value, key_path, sizeof key_path))
		rc = 2;
	else if (!(keys = cmd_load_keys(key_path)))
		rc = 1;
	else if (store_open(db, keys, STORE_OPEN, 1, &st, msg, sizeof msg) != WM_OK)
		fprintf(stderr, "waymark import: %s\n", msg);
	else {
		struct store_org o;
		struct store_user actor;
		struct run *r = calloc(1, sizeof *r);
		if (store_org_get(st, org, &o) != WM_OK)
			fprintf(stderr, "waymark import: no such organisation\n");
		else if (!manager_of(st, as, org, &actor))
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
			r->date_fmt = fmt;
			r->workbook = workbook;
			r->date1904 = sh.date1904;
			r->today = instant_day((int64_t)time(NULL));
			if (lines)
				rc = import_lines(r, lines, len, opts[5].value != NULL,
						  opts[6].value != NULL);
			else if (read_header(r, sh.rows[0], sh.widths[0], sh.numbers[0], map))
				rc = import_rows(r, &sh, opts[5].value != NULL,
						 opts[6].value != NULL);
			else
				fprintf(stderr, "waymark import: the heading row has problems; "
						"nothing was stored\n");
		}
		free(r);
		store_close(st);
	}
	keyring_free(keys);
	sheet_free(&sh);
	free(lines);
	json_decref(map);
	return rc;
}
