/*
 * jsonw.h - compact JSON text from a jansson value, fast.
 *
 * Every answer of the API is a jansson tree dumped to text; for the larger
 * answers (a caseload's dashboard, a record) jansson's own json_dumps was
 * the largest single cost of the request, because it writes through a
 * callback a few bytes at a time and prints every number with printf. This
 * writer gives the same text as json_dumps(j, JSON_COMPACT) - the members of
 * an object in their insertion order, "/" and non-ASCII text unescaped,
 * control characters as \uXXXX in upper-case hex, reals as %.17g with ".0"
 * added when it would read as an integer - straight into a struct buf.
 */
#ifndef WM_JSONW_H
#define WM_JSONW_H

#include <jansson.h>
#include <stdbool.h>

#include "buf.h"

/* Appends j as compact JSON text to b; false (b->failed is then set, or j
 * holds what JSON cannot say: a NaN or an infinity, a cycle, nesting
 * deeper than JSONW_DEPTH_MAX) when the text is incomplete. */
bool jsonw_value(struct buf *b, const json_t *j);

/* Appends n bytes of s (UTF-8) as a JSON string literal, quotes included. */
void jsonw_string(struct buf *b, const char *s, size_t n);

#define JSONW_DEPTH_MAX 2048 /* jansson's own parser stops at 2048 too */

#endif
