/*
 * sheet.c - a spreadsheet's rows from CSV (libcsv) or .xlsx (libzip, expat).
 *
 * A workbook is a zip archive of XML parts: xl/workbook.xml names the
 * worksheets, xl/_rels/workbook.xml.rels says which part each one is, and
 * xl/sharedStrings.xml holds the text that cells refer to by number. Each
 * part is unpacked a chunk at a time straight into expat, so no part is
 * ever held whole, and a part that unpacks past SHEET_PART_MAX (a zip bomb)
 * is refused there, whatever its header claims.
 */
#define _POSIX_C_SOURCE 200809L
#include "sheet.h"

#include <csv.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "buf.h"
#include "text.h"

#define PATH_MAX_LEN 256

static void say(char *why, size_t cap, const char *msg)
{
	if (why && cap)
		snprintf(why, cap, "%s", msg);
}

/* ---- rows ---- */

static void free_cells(char **cells, size_t n)
{
	for (size_t i = 0; cells && i < n; i++)
		free(cells[i]);
	free(cells);
}

void sheet_free(struct sheet *sh)
{
	for (size_t i = 0; i < sh->nrows; i++)
		free_cells(sh->rows[i], sh->widths[i]);
	free_cells(sh->cur, sh->ncur);
	free(sh->rows);
	free(sh->widths);
	free(sh->numbers);
	memset(sh, 0, sizeof *sh);
}

static bool blank(char **cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cells[i] && text_trimmed_len(cells[i]) > 0)
			return false;
	return true;
}

/* Room for one more row; false when out of memory. */
static bool grow(struct sheet *sh)
{
	if (sh->nrows < sh->cap)
		return true;
	size_t cap = sh->cap ? sh->cap * 2 : 64;
	char ***rows = realloc(sh->rows, cap * sizeof *rows);
	if (rows)
		sh->rows = rows;
	size_t *widths = rows ? realloc(sh->widths, cap * sizeof *widths) : NULL;
	if (widths)
		sh->widths = widths;
	size_t *numbers = widths ? realloc(sh->numbers, cap * sizeof *numbers) : NULL;
	if (!numbers)
		return false;
	sh->numbers = numbers;
	sh->cap = cap;
	return true;
}

/* Ends the row gathered in sh->cur as row number `number`: trailing empty
 * cells dropped, a blank row skipped. */
static void end_row(struct sheet *sh, size_t number)
{
	while (sh->ncur > 0 && (!sh->cur[sh->ncur - 1] || !text_trimmed_len(sh->cur[sh->ncur - 1])))
		free(sh->cur[--sh->ncur]);
	if (!sh->cur || blank(sh->cur, sh->ncur)) {
		free_cells(sh->cur, sh->ncur);
		sh->cur = NULL;
		sh->ncur = 0;
		return;
	}
	/* A gap between cells (a workbook skips empty ones) reads as "". */
	for (size_t i = 0; i < sh->ncur; i++)
		if (!sh->cur[i] && !(sh->cur[i] = calloc(1, 1)))
			sh->no_memory = true;
	if (sh->no_memory || !grow(sh)) {
		sh->no_memory = true;
		return;
	}
	sh->rows[sh->nrows] = sh->cur;
	sh->numbers[sh->nrows] = number;
	sh->widths[sh->nrows++] = sh->ncur;
	sh->cur = NULL;
	sh->ncur = 0;
}

/* Puts a copy of s (n bytes) in column col of the row being gathered. */
static bool put_cell(struct sheet *sh, size_t col, const char *s, size_t n)
{
	if (col >= SHEET_COLS_MAX) {
		sh->too_wide = true;
		return false;
	}
	if (n > SHEET_CELL_MAX) {
		sh->too_long = true;
		return false;
	}
	if (!sh->cur && !(sh->cur = calloc(SHEET_COLS_MAX, sizeof *sh->cur))) {
		sh->no_memory = true;
		return false;
	}
	char *cell = malloc(n + 1);
	if (!cell) {
		sh->no_memory = true;
		return false;
	}
	if (n)
		memcpy(cell, s, n);
	cell[n] = '\0';
	free(sh->cur[col]);
	sh->cur[col] = cell;
	if (col + 1 > sh->ncur)
		sh->ncur = col + 1;
	return true;
}

/* What stopped a read, in words (none of them a cell's value). */
static bool limits_ok(const struct sheet *sh, char *why, size_t cap)
{
	if (sh->too_wide) {
		snprintf(why, cap, "a row has more than %d columns", SHEET_COLS_MAX);
		return false;
	}
	if (sh->too_long) {
		snprintf(why, cap, "a cell is longer than %d bytes", SHEET_CELL_MAX);
		return false;
	}
	if (sh->no_memory) {
		say(why, cap, "out of memory");
		return false;
	}
	return true;
}

/* ---- CSV ---- */

static void on_field(void *s, size_t len, void *data)
{
	struct sheet *sh = data;
	put_cell(sh, sh->ncur, s, len);
}

/* libcsv reports every line end outside quotes (CSV_REPALL_NL), so blank
 * lines are counted and row numbers are the spreadsheet's; the LF of a
 * CRLF is not a line of its own. */
static void on_row(int c, void *data)
{
	struct sheet *sh = data;
	bool lf_of_crlf = c == '\n' && sh->prev == '\r' && !sh->cur;
	sh->prev = c;
	if (lf_of_crlf)
		return;
	end_row(sh, ++sh->line);
}

bool sheet_csv(struct sheet *sh, const char *text, size_t len, char *why, size_t cap)
{
	struct csv_parser p;
	sh->prev = -1;
	if (csv_init(&p, CSV_REPALL_NL) != 0) {
		say(why, cap, "out of memory");
		return false;
	}
	bool ok = csv_parse(&p, text, len, on_field, on_row, sh) == len &&
		  csv_fini(&p, on_field, on_row, sh) == 0;
	if (!ok)
		snprintf(why, cap, "the file is not CSV that can be read (%s)",
			 csv_strerror(csv_error(&p)));
	csv_free(&p);
	return ok && limits_ok(sh, why, cap);
}

/* ---- .xlsx ---- */

bool sheet_is_zip(const unsigned char *data, size_t len)
{
	return len >= 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4;
}

enum part_kind { PART_WORKBOOK, PART_RELS, PART_STRINGS, PART_SHEET };

struct xl {
	struct sheet *sh;
	XML_Parser p;
	enum part_kind kind;
	char *why;
	size_t cap;
	bool failed;
	/* workbook.xml and its relationships */
	char sheet_rid[PATH_MAX_LEN];
	char sheet_path[PATH_MAX_LEN];
	/* the shared strings */
	char **strings;
	size_t nstrings, scap;
	/* text being gathered: a shared string, or a cell's value */
	struct buf text;
	bool in_text; /* inside <t> (of <si> or <is>) or <v> */
	int in_phonetic;
	/* the cell and row being read */
	size_t row, col;
	bool in_row, in_cell;
	char type[16];
};

static void xl_fail(struct xl *x, const char *msg)
{
	if (!x->failed) {
		say(x->why, x->cap, msg);
		x->failed = true;
	}
	XML_StopParser(x->p, XML_FALSE);
}

/* An element's or attribute's name without its namespace prefix. */
static const char *local(const char *name)
{
	const char *colon = strrchr(name, ':');
	return colon ? colon + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
	for (size_t i = 0; atts[i]; i += 2)
		if (strcmp(local(atts[i]), name) == 0)
			return atts[i + 1];
	return NULL;
}

/* "AB12" -> 27 (columns from 0); SIZE_MAX when it names none. */
static size_t column_of(const char *ref)
{
	size_t col = 0;
	const char *s = ref;
	for (; *s >= 'A' && *s <= 'Z'; s++) {
		col = col * 26 + (size_t)(*s - 'A' + 1);
		if (col > SHEET_COLS_MAX)
			return SHEET_COLS_MAX; /* past the limit: refused by put_cell */
	}
	return s == ref ? (size_t)-1 : col - 1;
}

static void on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
		       const XML_Char *pubid, int has_internal)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	xl_fail(data, "the workbook holds a DOCTYPE, which Excel never writes");
}

static void on_text(void *data, const XML_Char *s, int len)
{
	struct xl *x = data;
	if (!x->in_text || x->in_phonetic)
		return;
	if (x->text.len + (size_t)len > SHEET_CELL_MAX) {
		char msg[96];
		snprintf(msg, sizeof msg, "a cell is longer than %d bytes", SHEET_CELL_MAX);
		xl_fail(x, msg);
		return;
	}
	buf_add(&x->text, s, (size_t)len);
}

static void start_text(struct xl *x)
{
	x->in_text = true;
}

static void on_start(void *data, const XML_Char *name, const XML_Char **atts)
{
	struct xl *x = data;
	const char *n = local(name);
	switch (x->kind) {
	case PART_WORKBOOK:
		if (strcmp(n, "workbookPr") == 0) {
			const char *d = attr(atts, "date1904");
			x->sh->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
		} else if (strcmp(n, "sheet") == 0 && !x->sheet_rid[0]) {
			const char *id = NULL;
			for (size_t i = 0; atts[i]; i += 2) /* r:id, whatever the prefix */
				if (strchr(atts[i], ':') && strcmp(local(atts[i]), "id") == 0)
					id = atts[i + 1];
			if (id && strlen(id) < sizeof x->sheet_rid)
				snprintf(x->sheet_rid, sizeof x->sheet_rid, "%s", id);
		}
		return;
	case PART_RELS:
		if (strcmp(n, "Relationship") == 0 && !x->sheet_path[0]) {
			const char *id = attr(atts, "Id"), *target = attr(atts, "Target");
			if (id && target && strcmp(id, x->sheet_rid) == 0) {
				/* Relative to xl/, or from the archive's root. */
				if (target[0] == '/')
					snprintf(x->sheet_path, sizeof x->sheet_path, "%s",
						 target + 1);
				else
					snprintf(x->sheet_path, sizeof x->sheet_path, "xl/%s",
						 target);
			}
		}
		return;
	case PART_STRINGS:
		if (strcmp(n, "si") == 0) {
			x->text.len = 0;
			if (x->text.p)
				x->text.p[0] = '\0';
		} else if (strcmp(n, "t") == 0) {
			start_text(x);
		} else if (strcmp(n, "rPh") == 0) {
			x->in_phonetic++;
		}
		return;
	case PART_SHEET:
		if (strcmp(n, "row") == 0) {
			const char *r = attr(atts, "r");
			long v = r ? strtol(r, NULL, 10) : 0;
			size_t number = v > 0 ? (size_t)v : x->row + 1;
			if (number <= x->row) {
				xl_fail(x, "the worksheet's rows are out of order");
				return;
			}
			x->row = number;
			x->col = 0;
			x->in_row = true;
		} else if (strcmp(n, "c") == 0 && x->in_row) {
			const char *r = attr(atts, "r"), *t = attr(atts, "t");
			size_t col = r ? column_of(r) : x->col;
			if (col == (size_t)-1) {
				xl_fail(x, "a cell of the worksheet has no column");
				return;
			}
			x->col = col;
			snprintf(x->type, sizeof x->type, "%s", t ? t : "n");
			x->in_cell = true;
			x->text.len = 0;
			if (x->text.p)
				x->text.p[0] = '\0';
		} else if (x->in_cell && strcmp(n, "f") == 0) {
			char msg[160];
			snprintf(msg, sizeof msg,
				 "row %zu holds a formula: copy the sheet and paste it as values "
				 "only, then save and try again",
				 x->row);
			xl_fail(x, msg);
		} else if (x->in_cell && (strcmp(n, "v") == 0 || strcmp(n, "t") == 0)) {
			start_text(x);
		} else if (x->in_cell && strcmp(n, "rPh") == 0) {
			x->in_phonetic++;
		}
		return;
	}
}

static void add_string(struct xl *x)
{
	if (x->nstrings >= SHEET_STRINGS_MAX) {
		xl_fail(x, "the workbook has more than a million shared strings");
		return;
	}
	if (x->nstrings == x->scap) {
		size_t cap = x->scap ? x->scap * 2 : 256;
		char **s = realloc(x->strings, cap * sizeof *s);
		if (!s) {
			xl_fail(x, "out of memory");
			return;
		}
		x->strings = s;
		x->scap = cap;
	}
	char *copy = strdup(x->text.p ? x->text.p : "");
	if (!copy) {
		xl_fail(x, "out of memory");
		return;
	}
	x->strings[x->nstrings++] = copy;
}

/* A cell's value as the import reads it. */
static void end_cell(struct xl *x)
{
	const char *v = x->text.p ? x->text.p : "";
	size_t n = x->text.len;
	char msg[128];
	x->in_cell = false;
	if (x->text.failed) {
		xl_fail(x, "out of memory");
		return;
	}
	if (strcmp(x->type, "s") == 0) {
		char *end;
		unsigned long i = strtoul(v, &end, 10);
		if (end == v || *end || i >= x->nstrings) {
			snprintf(msg, sizeof msg,
				 "row %zu refers to a shared string the workbook does not have",
				 x->row);
			xl_fail(x, msg);
			return;
		}
		v = x->strings[i];
		n = strlen(v);
	} else if (strcmp(x->type, "b") == 0) {
		v = strcmp(v, "1") == 0 ? "true" : "false";
		n = strlen(v);
	} else if (strcmp(x->type, "e") == 0) {
		snprintf(msg, sizeof msg,
			 "row %zu holds an error value (such as #N/A): correct it or empty it",
			 x->row);
		xl_fail(x, msg);
		return;
	}
	if (!put_cell(x->sh, x->col, v, n)) {
		char why[96];
		limits_ok(x->sh, why, sizeof why);
		xl_fail(x, why);
		return;
	}
	x->col++;
}

static void on_end(void *data, const XML_Char *name)
{
	struct xl *x = data;
	const char *n = local(name);
	if (strcmp(n, "rPh") == 0 && x->in_phonetic > 0) {
		x->in_phonetic--;
		return;
	}
	if (strcmp(n, "t") == 0 || strcmp(n, "v") == 0) {
		x->in_text = false;
		return;
	}
	if (x->kind == PART_STRINGS && strcmp(n, "si") == 0) {
		add_string(x);
	} else if (x->kind == PART_SHEET && strcmp(n, "c") == 0 && x->in_cell) {
		end_cell(x);
	} else if (x->kind == PART_SHEET && strcmp(n, "row") == 0 && x->in_row) {
		x->in_row = false;
		end_row(x->sh, x->row);
		if (x->sh->no_memory)
			xl_fail(x, "out of memory");
	}
}

/* Unpacks the part named path into expat; false when it failed (why is
 * filled). A part that is absent is fine when optional. */
static bool read_part(struct xl *x, zip_t *z, const char *path, enum part_kind kind, bool optional)
{
	zip_int64_t idx = zip_name_locate(z, path, ZIP_FL_NOCASE);
	if (idx < 0) {
		if (!optional)
			say(x->why, x->cap,
			    "the file is not an Excel workbook (.xlsx) that can be read: a part is "
			    "missing");
		return optional;
	}
	zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)idx, 0);
	if (!f) {
		say(x->why, x->cap,
		    "the workbook cannot be unpacked (a password-protected or damaged file: "
		    "save a copy without a password and try again)");
		return false;
	}
	x->p = XML_ParserCreate("UTF-8");
	if (!x->p) {
		zip_fclose(f);
		say(x->why, x->cap, "out of memory");
		return false;
	}
	x->kind = kind;
	x->in_text = false;
	x->in_phonetic = 0;
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	size_t total = 0;
	bool ok = true;
	for (;;) {
		void *buf = XML_GetBuffer(x->p, 65536);
		if (!buf) {
			ok = false;
			say(x->why, x->cap, "out of memory");
			break;
		}
		zip_int64_t got = zip_fread(f, buf, 65536);
		if (got < 0) {
			ok = false;
			say(x->why, x->cap, "the workbook is damaged: a part cannot be unpacked");
			break;
		}
		total += (size_t)got;
		if (total > SHEET_PART_MAX) {
			ok = false;
			snprintf(x->why, x->cap,
				 "a part of the workbook unpacks to more than %u MB",
				 SHEET_PART_MAX / (1024 * 1024));
			break;
		}
		if (XML_ParseBuffer(x->p, (int)got, got == 0) != XML_STATUS_OK) {
			ok = false;
			if (!x->failed)
				say(x->why, x->cap,
				    "the workbook is damaged: a part is not well-formed XML");
			break;
		}
		if (got == 0)
			break;
	}
	XML_ParserFree(x->p);
	x->p = NULL;
	zip_fclose(f);
	return ok && !x->failed;
}

bool sheet_xlsx(struct sheet *sh, const unsigned char *data, size_t len, char *why, size_t cap)
{
	struct xl x = {.sh = sh, .why = why, .cap = cap};
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = len ? zip_source_buffer_create(data, len, 0, &ze) : NULL;
	zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
	zip_error_fini(&ze);
	if (!z) {
		if (src)
			zip_source_free(src);
		say(why, cap, "the file is not an Excel workbook (.xlsx) that can be read");
		return false;
	}
	bool ok = read_part(&x, z, "xl/workbook.xml", PART_WORKBOOK, false);
	if (ok && x.sheet_rid[0])
		ok = read_part(&x, z, "xl/_rels/workbook.xml.rels", PART_RELS, true);
	if (ok && !x.sheet_path[0]) /* the usual name, when the links say nothing */
		snprintf(x.sheet_path, sizeof x.sheet_path, "xl/worksheets/sheet1.xml");
	if (ok)
		ok = read_part(&x, z, "xl/sharedStrings.xml", PART_STRINGS, true);
	if (ok)
		ok = read_part(&x, z, x.sheet_path, PART_SHEET, false);
	zip_discard(z); /* frees src too */
	for (size_t i = 0; i < x.nstrings; i++)
		free(x.strings[i]);
	free(x.strings);
	buf_free(&x.text);
	return ok && limits_ok(sh, why, cap);
}
