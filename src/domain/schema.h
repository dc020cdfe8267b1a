/*
 * schema.h - table-driven validation of JSON records.
 *
 * Every resource the API accepts is described by a table of fields (name,
 * type, whether required, allowed values, nested schema). One checker walks
 * the table, so each new resource is a table, not new parsing code. The
 * checker reports the first offending field by its path ("contact.phone",
 * "languages[1].code") with a plain message that never repeats the value.
 */
#ifndef WM_SCHEMA_H
#define WM_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../util/buf.h"
#include "err.h"

enum schema_type {
	SCH_STRING,  /* one line of text, no control characters */
	SCH_TEXT,    /* free text, newlines allowed */
	SCH_INT,     /* integer in [min, max] */
	SCH_BOOL,    /* true or false */
	SCH_DATE,    /* "YYYY-MM-DD", a day that exists */
	SCH_INSTANT, /* RFC 3339 date-time */
	SCH_ENUM,    /* one of values[] */
	SCH_ID,	     /* an opaque id as this server makes them */
	SCH_COUNTRY, /* ISO 3166-1 alpha-2, upper case */
	SCH_LANGTAG, /* BCP 47 language tag */
	SCH_OBJECT,  /* nested object described by .object */
	SCH_ARRAY,   /* list of .items (scalars) or of .object (objects) */
};

#define SCH_REQUIRED 0x1u /* must be present (and a string must not be blank) */
#define SCH_SERVER   0x2u /* set by the server: rejected in input */
#define SCH_NONBLANK 0x4u /* when present, a string must not be blank */
#define SCH_CASE_TEAM                                                                              \
	0x8u /* shown only to the owning organisation's case team, never through a share */

struct schema;

struct schema_field {
	const char *name;
	enum schema_type type;
	unsigned flags;
	const char *const *values;   /* SCH_ENUM (and arrays of enums): NULL-terminated */
	const struct schema *object; /* SCH_OBJECT, or SCH_ARRAY of objects */
	enum schema_type items;	     /* SCH_ARRAY of scalars */
	long long min, max;	     /* INT value, STRING/TEXT bytes, ARRAY length; 0,0 = default */
};

struct schema {
	const char *name;
	const struct schema_field *fields;
	size_t count;
};

#define SCHEMA_PATH_MAX 96
#define SCHEMA_MSG_MAX	160

/* Where and why a check failed. The message names the rule, not the value. */
struct schema_error {
	char field[SCHEMA_PATH_MAX];
	char message[SCHEMA_MSG_MAX];
	/* A field no schema has: its name (in field) is the sender's text, so
	 * whoever repeats it must think twice (a file's may be anything). */
	bool unknown_field;
};

/* Checks a whole record against s: every field known, of the right type and
 * value, required ones present, no value twice in a list of scalars. A JSON
 * null counts as absent for a known field (an unknown one is still refused). Returns WM_OK
 * or WM_ERR_INVALID with *err filled in. Borrows everything. */
wm_err schema_check(const struct schema *s, const json_t *obj, struct schema_error *err);

/* Applies a JSON merge patch (RFC 7396) to a stored record: a known member
 * set to null is removed (an unknown one is kept, for the check to refuse), a nested object that
 * the schema describes is merged member by member, anything else is replaced. Returns a new
 * reference the caller owns (NULL only when out of memory); borrows its arguments. The result still
 * has to pass schema_check. */
json_t *schema_merge(const struct schema *s, const json_t *stored, const json_t *patch);

/* Removes the known fields whose value is JSON null, recursively through the
 * nested objects the schema describes; unknown ones stay for the check to
 * refuse. */
void schema_drop_nulls(const struct schema *s, json_t *obj);

/* Fills err with a field path and message (printf-style message). */
void schema_fail(struct schema_error *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True when s is an id as made by this server: 32 lower-case hex digits. */
bool schema_is_id(const char *s);

/* True when s is an assigned ISO 3166-1 alpha-2 code. */
bool schema_is_country(const char *s);

/* True when s is a well-formed BCP 47 language tag (syntax only). */
bool schema_is_langtag(const char *s);

/* Who a record is shown to, as the policy decides it (policy_view). */
enum schema_view {
	VIEW_CASE_TEAM, /* the owning organisation's staff: every field */
	VIEW_SHARED,	/* another organisation's clinician under consent: no SCH_CASE_TEAM field */
};

/* A new object holding the fields of s that view may see, through the
 * nested objects s describes (a field s does not know is left out). Its
 * objects are new; every other value is rec's own, shared (a reference
 * taken, nothing copied): the view is for showing, and neither it nor rec
 * may be changed below its top level while the other is in use. A new
 * reference the caller owns; NULL only when out of memory. Borrows rec. */
json_t *schema_view(const struct schema *s, const json_t *rec, enum schema_view view);

/* The members schema_view would hold, written straight to b as JSON text
 * ("key":value, each after a comma unless *first, which is then cleared)
 * in the order schema_view keeps them: the same text as jsonw_value gives of
 * schema_view's object, without building it (a read of one record builds no
 * second tree). False when b failed or a value cannot be written. */
bool schema_view_members(struct buf *b, const struct schema *s, const json_t *rec,
			 enum schema_view view, bool *first);

/* Looks up a field of s by name; NULL when unknown. */
const struct schema_field *schema_find(const struct schema *s, const char *name);

#endif
