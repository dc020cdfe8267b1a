/*
 * fields.h - forms drawn from the record's own declarations.
 *
 * Every part of a survivor's record is declared once, as a table of fields
 * (domain/schema.h, domain/kinds/). The pages draw each form from that same
 * table and turn what is posted back into the JSON the API takes, so a new
 * field is a line in the declaration and a label here, never a new form.
 *
 * A field's HTML name is its path ("interpreter.needed", "goals.2.text"),
 * its id the path with '-' for the separators ("interpreter-needed"), which
 * is also where an error about it links to.
 */
#ifndef WM_WEB_FIELDS_H
#define WM_WEB_FIELDS_H

#include <jansson.h>
#include <stdbool.h>

#include "../domain/schema.h"
#include "form.h"

#define FIELDS_ROWS_EXTRA 1 /* blank rows offered after a list's filled ones */

/* How a form will be sent: a new record (empty fields left out) or a change
 * to one (an emptied field sent as null, which clears it). */
enum fields_mode { FIELDS_CREATE, FIELDS_CHANGE };

/* The template data for the inputs of schema s: an array of field objects
 * for the "fields" partial. values: the record as it is (or as posted, after
 * an error), may be NULL. errors: field id -> message, may be NULL.
 * case_team: include the fields only the case team sees. */
json_t *fields_describe(const struct schema *s, const json_t *values, const json_t *errors,
			bool case_team);

/* The JSON body for what f posted, for schema s. A value that cannot be
 * what its field takes (a date that does not exist, a number in words) is
 * not sent: its id and a plain message go into errors (an object the
 * caller owns). Returns a new object, NULL only when out of memory. */
json_t *fields_read(const struct schema *s, const struct form *f, enum fields_mode mode,
		    bool case_team, json_t *errors);

/* The values f posted, as a record shaped like s, for drawing the form
 * again after an error (everything kept as typed). */
json_t *fields_echo(const struct schema *s, const struct form *f);

/* An API error's field path ("goals[0].text") as the id of its input
 * ("goals-0-text"). */
void fields_id(const char *path, char *out, size_t cap);

/* The label people read for a field name. */
const char *fields_label(const char *name);

#endif
