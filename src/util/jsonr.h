/*
 * jsonr.h - a fast reader of the compact JSON text the store seals.
 *
 * Every read of a record opens its sealed text and parses it into a jansson
 * tree; jansson's own parser (json_loadb) reads through a stream a byte at a
 * time and was the largest single cost of an audited read. This reader
 * makes the same tree in one pass over the bytes, for the text jansson's
 * json_dumps writes: objects, arrays, strings (escapes included), integers,
 * true, false and null.
 *
 * It reads only what it is sure of. Anything else - a real number, an
 * integer out of range, a duplicate or NUL-holding key, "\u0000", malformed
 * UTF-8, nesting deeper than JSONR_DEPTH_MAX, any syntax error - makes it
 * answer NULL without deciding, and the caller then asks json_loadb, which
 * decides exactly as before. So a tree it does give is the one json_loadb
 * (JSON_REJECT_DUPLICATES) would give for the same text, members in the
 * same order (tests/unit/test_jsonr.c, tests/fuzz/fuzz_jsonr.c).
 */
#ifndef WM_JSONR_H
#define WM_JSONR_H

#include <jansson.h>
#include <stddef.h>

#define JSONR_DEPTH_MAX 64

/* The value text[0..len) holds, a new reference; NULL when this reader does
 * not decide (out of memory included): ask json_loadb. */
json_t *jsonr_read(const char *text, size_t len);

#endif
