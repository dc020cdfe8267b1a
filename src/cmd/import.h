/*
 * import.h - what `waymark import`'s two readers share: cmd/import.c
 * reads a spreadsheet (through import/caseload.c, which the upload page
 * runs too), cmd/import_lines.c the JSON lines of `waymark export`.
 */
#ifndef WM_CMD_IMPORT_H
#define WM_CMD_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "../import/caseload.h"

/* Imports a file of `waymark export`'s (docs/export.md); the exit code. */
int import_lines(struct run *r, const char *text, size_t len, bool dry_run, bool skip_invalid);

#endif
