/*
 * import.h - the pure parts of `waymark import` (docs/import.md): what a
 * spreadsheet's cells mean, turned into the records the API takes.
 *
 * Nothing here reads a file or the store: a row arrives as its header and
 * its cells, and leaves as a survivor's body and the bodies of the parts of
 * the record it names (the GP registration, the NRM, the asylum claim),
 * ready for the same validation the API runs on them. Messages name the
 * column and the rule, never a cell's value.
 */
#ifndef WM_IMPORT_H
#define WM_IMPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "date.h"

/* The record a column belongs to. */
enum import_part {
	IMPORT_REF,	 /* the agency's own case reference */
	IMPORT_ADVOCATE, /* the advocate's username */
	IMPORT_SURVIVOR,
	IMPORT_GP, /* a registrations item with service "gp" */
	IMPORT_NRM,
	IMPORT_ASYLUM,
	IMPORT_PARTS
};

/* How a cell is read. */
enum import_type {
	IMPORT_TEXT,
	IMPORT_INT,
	IMPORT_DATE,
	IMPORT_BOOL,
	IMPORT_LANGUAGES, /* "sq*;en": a tag, "*" when an interpreter is needed */
	IMPORT_LIST,	  /* "labour;sexual" */
	IMPORT_DEPENDANTS /* "Ana:2019;Luka": each name, and its birth year after a colon */
};

struct import_column {
	const char *name; /* the column's heading: "gp_registered_on" */
	enum import_part part;
	const char *field; /* its path in the part's body: "registered_on", "contact.phone" */
	enum import_type type;
};

/* Every column an import knows, in the template's order. */
extern const struct import_column import_columns[];
extern const size_t import_column_count;

/* The column named name (exact, after trimming spaces); NULL when none. */
const struct import_column *import_column_find(const char *name);

/* The column a heading stands for: through map (an object of the agency's
 * headings to ours; NULL for none) when it names the heading, else the
 * heading itself. NULL when it is none of ours. */
const struct import_column *import_column_for(const json_t *map, const char *heading);

/* Reads a date written in fmt ("dd/mm/yyyy", "mm/dd/yyyy", "yyyy-mm-dd", ...:
 * dd, mm and yyyy with any single separators; NULL means "dd/mm/yyyy") or as
 * an ISO date, which is always accepted. A day or month of one digit is
 * allowed. Writes "YYYY-MM-DD" into out; false when it is not a day. */
bool import_date(const char *s, const char *fmt, char out[DATE_TEXT_LEN]);

/* An Excel date serial number (a workbook's date cell: "45292", or
 * "45292.5" with a time, which is dropped) as "YYYY-MM-DD": days from
 * 1899-12-30, Excel's leap day of 1900 counted as it counts it, or from
 * 1904-01-01 in a workbook that says so. false when s is not such a number
 * or falls outside the years 1900 to 9999. */
bool import_excel_serial(const char *s, bool date1904, char out[DATE_TEXT_LEN]);

/* True when fmt is a date format import_date understands. */
bool import_date_format_ok(const char *fmt);

/* The languages structure of the API from "sq*;en": an array of
 * {"code": tag, "interpreter_needed": bool}. Spaces around entries are
 * dropped, empty entries skipped. A new reference; NULL when out of memory. */
json_t *import_languages(const char *s);

/* The dependants structure of the API from "Ana:2019;Luka": an array of
 * {"known_as": name, "birth_year": year} (the year left out when none is
 * given). A name is split from its year at its last colon; spaces around
 * either are dropped, empty entries skipped. NULL when a year is not four
 * digits, or out of memory. A new reference. */
json_t *import_dependants(const char *s);

/* Windows-1252 to UTF-8: a new buffer (NUL-terminated, its length in
 * *out_len) the caller frees; NULL when out of memory. Bytes the code page
 * leaves undefined become U+FFFD. */
char *import_cp1252_to_utf8(const unsigned char *s, size_t n, size_t *out_len);

/* One row's records. bodies[IMPORT_SURVIVOR] is always an object; the
 * others are NULL when the row leaves all of their columns empty. ref and
 * advocate are "" when absent (pointers into the row's cells). */
struct import_row {
	const char *ref;
	const char *advocate;
	json_t *bodies[IMPORT_PARTS];
};

/* A problem with a cell: the column's heading as the file has it, and a
 * plain message. */
struct import_problem {
	char column[96];
	char message[160];
};

/* Builds row's records from its cells (cols[i] the column of cells[i], NULL
 * for one to ignore). false with *p filled on a cell that cannot be read
 * (a date that is no day, a number that is no number). */
bool import_row_build(const struct import_column *const *cols, const char *const *headings,
		      const char *const *cells, size_t n, const char *date_fmt,
		      struct import_row *row, struct import_problem *p);

/* Releases row's bodies. */
void import_row_clear(struct import_row *row);

/* The heading of the column a validation error's field path ("contact.phone",
 * "languages[1].code") of part comes from, given the file's headings; the
 * path itself when no column of the file holds it. */
const char *import_column_of_field(enum import_part part, const char *field,
				   const struct import_column *const *cols,
				   const char *const *headings, size_t n);

#endif
