/*
 * fuzz_sheet.c - libFuzzer target: the spreadsheet readers of `waymark
 * import` (src/util/sheet.c): an input that starts as a zip archive does is
 * read as an .xlsx workbook (libzip, expat), any other as CSV (libcsv).
 *
 * Invariants: a sheet that is read holds no blank row, no row wider than
 * SHEET_COLS_MAX and no cell longer than SHEET_CELL_MAX, with its rows'
 * numbers rising; one that is refused says why. ASan's leak check covers
 * both paths.
 */
#define _POSIX_C_SOURCE 200809L
#include "fuzz.h"
#include "util/sheet.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sheet sh = {0};
	char why[256] = "";
	bool ok;
	if (sheet_is_zip(data, size))
		ok = sheet_xlsx(&sh, data, size, why, sizeof why);
	else
		ok = sheet_csv(&sh, (const char *)data, size, why, sizeof why);
	if (ok) {
		for (size_t i = 0; i < sh.nrows; i++) {
			FUZZ_CHECK(sh.widths[i] > 0 && sh.widths[i] <= SHEET_COLS_MAX);
			FUZZ_CHECK(i == 0 || sh.numbers[i] > sh.numbers[i - 1]);
			bool any = false;
			for (size_t j = 0; j < sh.widths[i]; j++) {
				FUZZ_CHECK(sh.rows[i][j] != NULL);
				FUZZ_CHECK(strlen(sh.rows[i][j]) <= SHEET_CELL_MAX);
				any = any || text_trimmed_len(sh.rows[i][j]) > 0;
			}
			FUZZ_CHECK(any); /* blank rows are skipped */
		}
	} else {
		FUZZ_CHECK(why[0] != '\0');
	}
	sheet_free(&sh);
	return 0;
}
