/*
 * sheet.h - a spreadsheet's rows of cells, read from CSV text (libcsv) or
 * from an Excel workbook's first worksheet (libzip for the .xlsx container,
 * expat for its XML).
 *
 * What spreadsheets really hold is accepted: blank rows (skipped, but
 * counted, so that a row's number is the one the spreadsheet shows),
 * trailing empty cells, CRLF line ends and quoted fields with commas and
 * line breaks in CSV; shared strings, inline strings, rich text, numbers and
 * booleans in a workbook. What a hostile file may hold is bounded: a cell
 * longer than SHEET_CELL_MAX bytes, a row wider than SHEET_COLS_MAX, a part
 * of a workbook that unpacks past SHEET_PART_MAX, more than
 * SHEET_STRINGS_MAX shared strings, a formula, an error cell or a DOCTYPE
 * are refused with a plain message. Nothing here reads a file or says a
 * cell's value in a message.
 */
#ifndef WM_SHEET_H
#define WM_SHEET_H

#include <stdbool.h>
#include <stddef.h>

#define SHEET_COLS_MAX	  200
#define SHEET_CELL_MAX	  32767		      /* bytes: Excel's own limit, in characters */
#define SHEET_PART_MAX	  (64u * 1024 * 1024) /* bytes of one unpacked part of a workbook */
#define SHEET_STRINGS_MAX 1000000u

struct sheet {
	char ***rows;	 /* rows[i][j]: the cells of the i-th non-blank row */
	size_t *widths;	 /* cells in each row (trailing empty ones dropped) */
	size_t *numbers; /* each row's number in the spreadsheet, blank rows counted */
	size_t nrows, cap;
	/* A workbook's dates count from 1904-01-01, not 1900 (an old Mac
	 * Excel's setting), for whoever reads its date serial numbers. */
	bool date1904;
	/* The reader's state (CSV). */
	char **cur;
	size_t ncur;
	size_t line;
	int prev;
	bool too_wide, too_long, no_memory;
};

/* Reads CSV text (UTF-8, no byte-order mark) into sh, which must be zeroed.
 * false with why filled when it cannot be read; sh is then still freed by
 * sheet_free. */
bool sheet_csv(struct sheet *sh, const char *text, size_t len, char *why, size_t cap);

/* Reads the first worksheet of an .xlsx workbook held in data. */
bool sheet_xlsx(struct sheet *sh, const unsigned char *data, size_t len, char *why, size_t cap);

/* True when data starts as a zip archive does (an .xlsx is one). */
bool sheet_is_zip(const unsigned char *data, size_t len);

void sheet_free(struct sheet *sh);

#endif
