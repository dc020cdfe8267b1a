/*
 * caseload.c - a caseload from a spreadsheet, checked row by row with the
 * API's own rules and stored all or nothing (caseload.h, docs/import.md).
 */
#define _POSIX_C_SOURCE 200809L
#include "caseload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../crypto/secret.h"
#include "../domain/kind.h"
#include "../domain/policy.h"
#include "../domain/survivor.h"
#include "../util/grow.h"
#include "../util/text.h"

bool import_is_export(const char *text, size_t len)
{
	static const char head[] = "{\"waymark_export\":";
	return len >= sizeof head - 1 && memcmp(text, head, sizeof head - 1) == 0;
}

char *caseload_text(const unsigned char *raw, size_t n, bool cp1252, size_t *len, char *why,
		    size_t whycap)
{
	if (cp1252) {
		char *t = import_cp1252_to_utf8(raw, n, len);
		if (!t)
			snprintf(why, whycap, "out of memory");
		return t;
	}
	size_t skip = n >= 3 && raw[0] == 0xef && raw[1] == 0xbb && raw[2] == 0xbf ? 3 : 0;
	if (!text_utf8_valid((const char *)raw + skip, n - skip)) {
		snprintf(why, whycap,
			 "the file is not UTF-8 text. Save it as UTF-8: in Excel, File > Save "
			 "As > \"CSV UTF-8 (Comma delimited)\"; in LibreOffice Calc, File > Save "
			 "As > \"Text CSV\" with \"Edit filter settings\" and the character set "
			 "\"Unicode (UTF-8)\". Or, for a file from an older Excel, say it is "
			 "Windows-1252 (--encoding cp1252).");
		return NULL;
	}
	char *t = malloc(n - skip + 1);
	if (!t) {
		snprintf(why, whycap, "out of memory");
		return NULL;
	}
	memcpy(t, raw + skip, n - skip);
	t[n - skip] = '\0';
	*len = n - skip;
	return t;
}

static void report(struct run *r, size_t row, const char *column, const char *msg)
{
	r->problems++;
	struct caseload_result *res = r->res;
	struct caseload_problem *p =
	    grow(res->problems, &res->problems_cap, res->nproblems, sizeof *p, 16);
	if (!p) {
		res->error = WM_ERR_NOMEM;
		return;
	}
	res->problems = p;
	p = &res->problems[res->nproblems++];
	p->row = row;
	snprintf(p->column, sizeof p->column, "%s", column);
	snprintf(p->message, sizeof p->message, "%s", msg);
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
			report(r, rown, cells[i],
			       "is not a column of the template (docs/import.md): rename it, or "
			       "map it to one");
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

bool caseload_account(struct store *st, const char *username, const char *org_id,
		      struct store_user *u)
{
	char folded[USERNAME_MAX * 4 + 1];
	return text_fold(username, folded, sizeof folded) &&
	       store_user_by_name(st, folded, u) == WM_OK && !u->disabled &&
	       strcmp(u->org_id, org_id) == 0;
}

bool caseload_may_import(const struct store_user *u, const char *org_id)
{
	struct subject who = {.role = u->role, .user_id = u->id, .org_id = u->org_id};
	struct resource res = {.org_id = org_id};
	bool ok = !u->disabled && strcmp(u->org_id, org_id) == 0 &&
		  policy_decide(&who, ACT_SURVIVOR_CREATE, NULL) == POLICY_ALLOW &&
		  policy_decide(&who, ACT_SURVIVOR_REASSIGN, &res) == POLICY_ALLOW;
	for (int p = IMPORT_GP; ok && p < IMPORT_PARTS; p++) {
		const struct kind *k = kind_find(part_kinds[p]);
		ok = k && policy_decide(&who, k->create, &res) == POLICY_ALLOW;
	}
	return ok;
}

/* The advocate column: the username of an advocate or manager of the
 * organisation, as the API's advocate_id must be. */
bool import_holder(struct run *r, const char *username, char id[STORE_ID_LEN])
{
	struct store_user u = {0};
	if (!caseload_account(r->st, username, r->org_id, &u))
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
	snprintf(a->route, sizeof a->route, "%s", r->route ? r->route : IMPORT_ROUTE);
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
	wm_err e = r->batches ? store_batch_begin(r->st) : WM_ERR_UNSUPPORTED;
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

/* A row being imported: its records and its ref's hash. */
struct checked {
	struct import_row row;
	unsigned char hash[KEYRING_BLIND_LEN];
};

struct store_rows {
	struct run *r;
	struct checked *all;
	const struct caseload_row *rows;
};

static wm_err store_one_row(void *ctx, size_t i, bool *skip)
{
	struct store_rows *sr = ctx;
	*skip = sr->rows[i].verdict != CASELOAD_NEW;
	return *skip ? WM_OK : store_row(sr->r, &sr->all[i].row, sr->all[i].hash);
}

static void check_one(struct run *r, char **cells, size_t n, struct checked *all,
		      struct caseload_row *rows, size_t idx)
{
	struct checked *c = &all[idx];
	struct caseload_row *out = &rows[idx];
	size_t rown = out->row;
	struct import_problem p;
	const char *cell[IMPORT_COLS_MAX];
	char serial[IMPORT_COLS_MAX][DATE_TEXT_LEN];
	out->verdict = CASELOAD_INVALID;
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
			return;
		}
	if (!import_row_build(r->cols, r->headings, cell, r->ncols, r->date_fmt, &c->row, &p)) {
		report(r, rown, p.column, p.message);
		return;
	}
	if (!*c->row.ref) {
		report(r, rown, "ref", "is required: the agency's own case reference");
		return;
	}
	import_ref_hash(r, c->row.ref, c->hash);
	for (size_t j = 0; j < idx; j++)
		if (rows[j].verdict != CASELOAD_INVALID &&
		    !memcmp(all[j].hash, c->hash, sizeof c->hash)) {
			out->verdict = CASELOAD_PRESENT;
			out->same_as = rows[j].row;
			return;
		}
	char found[STORE_ID_LEN];
	wm_err e = store_import_ref_find(r->st, r->org_id, c->hash, sizeof c->hash, found);
	if (e == WM_OK) {
		out->verdict = CASELOAD_PRESENT;
		return;
	}
	if (e != WM_ERR_NOT_FOUND) {
		report(r, rown, "ref", "could not be looked up in the database");
		return;
	}
	if (!check_row(r, rown, &c->row))
		return;
	out->verdict = CASELOAD_NEW;
	out->gp = c->row.bodies[IMPORT_GP] != NULL;
	out->nrm = c->row.bodies[IMPORT_NRM] != NULL;
	out->asylum = c->row.bodies[IMPORT_ASYLUM] != NULL;
}

static void import_rows(struct run *r, struct sheet *sh, const struct caseload_opts *o)
{
	struct caseload_result *res = r->res;
	size_t n = sh->nrows - 1;
	struct checked *all = calloc(n ? n : 1, sizeof *all);
	res->rows = calloc(n ? n : 1, sizeof *res->rows);
	if (!all || !res->rows) {
		free(all);
		res->error = WM_ERR_NOMEM;
		res->outcome = CASELOAD_FAILED;
		return;
	}
	res->nrows = n;
	for (size_t i = 0; i < n; i++) {
		res->rows[i].row = sh->numbers[i + 1];
		check_one(r, sh->rows[i + 1], sh->widths[i + 1], all, res->rows, i);
		res->fresh += res->rows[i].verdict == CASELOAD_NEW;
		res->present += res->rows[i].verdict == CASELOAD_PRESENT;
		res->invalid += res->rows[i].verdict == CASELOAD_INVALID;
	}
	if (res->error == WM_ERR_NOMEM) {
		res->outcome = CASELOAD_FAILED;
	} else if (res->invalid && !o->skip_invalid) {
		res->outcome = CASELOAD_REFUSED;
	} else if (o->dry_run) {
		res->outcome = CASELOAD_CHECKED;
	} else {
		size_t at;
		struct store_rows ctx = {r, all, res->rows};
		wm_err e = import_store(r, n, store_one_row, &ctx, &res->stored, &at);
		res->outcome = e == WM_OK ? CASELOAD_STORED : CASELOAD_FAILED;
		if (e != WM_OK) {
			res->error = e;
			res->failed_row = res->rows[at].row;
		}
	}
	for (size_t i = 0; i < n; i++)
		import_row_clear(&all[i].row);
	free(all);
}

void caseload_import(struct run *r, const unsigned char *file, size_t len,
		     const struct caseload_opts *o, struct caseload_result *res)
{
	memset(res, 0, sizeof *res);
	res->outcome = CASELOAD_UNREADABLE;
	r->res = res;
	r->date_fmt = o->date_fmt;
	struct sheet sh = {0};
	bool read;
	if (len > IMPORT_FILE_MAX) {
		snprintf(res->why, sizeof res->why, "the file is over 64 MB");
		return;
	}
	if (sheet_is_zip(file, len)) {
		r->workbook = true;
		read = sheet_xlsx(&sh, file, len, res->why, sizeof res->why);
		r->date1904 = sh.date1904;
	} else {
		size_t tlen = 0;
		char *text = caseload_text(file, len, o->cp1252, &tlen, res->why, sizeof res->why);
		read = text && !import_is_export(text, tlen) &&
		       sheet_csv(&sh, text, tlen, res->why, sizeof res->why);
		if (text && import_is_export(text, tlen))
			res->outcome = CASELOAD_EXPORT;
		free(text);
	}
	if (read && sh.nrows == 0) {
		snprintf(res->why, sizeof res->why, "the file has no heading row");
		read = false;
	}
	if (read) {
		if (read_header(r, sh.rows[0], sh.widths[0], sh.numbers[0], o->map))
			import_rows(r, &sh, o);
		else
			res->outcome = CASELOAD_BAD_HEADER;
	}
	sheet_free(&sh);
	r->res = NULL;
}

void caseload_result_free(struct caseload_result *res)
{
	free(res->problems);
	free(res->rows);
	memset(res, 0, sizeof *res);
}
