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
 *
 * Nothing here judges a record: the API does. The only checks are those a
 * form must make to build a body at all (a date that does not exist, a
 * number in words) and, to help a person, a required field left empty.
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

/* What a form draws and reads beyond the schema itself. All borrowed. */
struct fields_opts {
	bool case_team; /* include the fields only the case team sees (SCH_CASE_TEAM) */
	/* Top-level field name -> [{value, text}]: drawn as a select of these
	 * (an id, a dependant). A SCH_ID field without choices is left out. */
	const json_t *choices;
	/* NULL-terminated top-level names: only these are drawn and read;
	 * NULL for every field. */
	const char *const *only;
};

/* The template data for the inputs of schema s: an array of field objects
 * for the "field" partial, in the declaration's order. values: the record
 * as it is (or as posted, after an error), may be NULL. errors: field id ->
 * message, may be NULL. o may be NULL (every field, case team's included). */
json_t *fields_describe_opts(const struct schema *s, const json_t *values, const json_t *errors,
			     const struct fields_opts *o);

/* fields_describe_opts with only case_team set. */
json_t *fields_describe(const struct schema *s, const json_t *values, const json_t *errors,
			bool case_team);

/* The JSON body for what f posted, for schema s. A value that cannot be
 * what its field takes (a date that does not exist, a number in words) is
 * not sent: its id and a plain message go into errors (an object the
 * caller owns). Returns a new object, NULL only when out of memory. */
json_t *fields_read_opts(const struct schema *s, const struct form *f, enum fields_mode mode,
			 const struct fields_opts *o, json_t *errors);

/* fields_read_opts with only case_team set. */
json_t *fields_read(const struct schema *s, const struct form *f, enum fields_mode mode,
		    bool case_team, json_t *errors);

/* Adds to errors (id -> message) each required field that f left empty:
 * "Enter the date and time of the appointment". On a new record a required
 * field absent from the form counts as empty; in a row of a list, only a
 * row with something in it is checked. */
void fields_missing(const struct schema *s, const struct form *f, enum fields_mode mode,
		    const struct fields_opts *o, json_t *errors);

/* The values f posted, as a record shaped like s, for drawing the form
 * again after an error (everything kept as typed). */
json_t *fields_echo(const struct schema *s, const struct form *f);

/* An API error's field path ("goals[0].text") as the id of its input
 * ("goals-0-text"). */
void fields_id(const char *path, char *out, size_t cap);

/* fields_id for an error about a body read from f: a list's blank rows
 * were left out of the body, so the API's goals[1] may be the form's row 2.
 * Maps each row index to the form's own. */
void fields_error_id(const struct schema *s, const struct form *f, const char *path, char *out,
		     size_t cap);

/* The API's message about path in words for a person: field names as their
 * labels, "is required" as what to enter. A new string (caller frees);
 * NULL only when out of memory. */
char *fields_error_text(const struct schema *s, const char *path, const char *message);

/* The label people read for a field name. */
const char *fields_label(const char *name);

/* Rows for "here is what changed": for each top-level field in changed (an
 * array of names; NULL or JSON null: every field) or whose value in
 * entered differs from saved, {label, entered, saved, meanwhile} in words,
 * meanwhile true when someone else changed it. A new array. */
json_t *fields_compare(const struct schema *s, const json_t *entered, const json_t *saved,
		       const json_t *changed, const struct fields_opts *o);

#endif
