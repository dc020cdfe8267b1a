/*
 * survivor.h - the survivor's record: its fields and the rules that tie them.
 *
 * A record is held as a JSON object (jansson) described by survivor_schema;
 * the rules here run on it with no I/O and no clock: today is a parameter.
 */
#ifndef WM_SURVIVOR_H
#define WM_SURVIVOR_H

#include <jansson.h>

#include "err.h"
#include "schema.h"

/* The fields a client may send (server-set ones are flagged SCH_SERVER). */
extern const struct schema survivor_schema;

/* Fields of the record kept as the client sent them; the rest (id, version,
 * org_id, created_at, updated_at) are added by the server on output. */

/* Normalises and checks a complete record (after create defaults or after a
 * merge patch): schema, then the rules between fields. Sets status to
 * "active" when absent; drops closed_on when the record is active; refuses a
 * closed record without closed_on, dates out of order, a birth year in the
 * future. Modifies rec in place; WM_ERR_INVALID with *err on a broken rule. */
wm_err survivor_validate(json_t *rec, int today, struct schema_error *err);

/* The 1-based number of dependants (for "dependant:N" references). */
size_t survivor_dependant_count(const json_t *rec);

#endif
