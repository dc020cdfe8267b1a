/*
 * kind.h - the parts of a survivor's record, each declared once.
 *
 * Everything an advocate records about a survivor's journey (the NRM and
 * asylum processes, registrations, appointments, referrals, medication, the
 * support plan and its reviews, notes, consents) is a kind: a table of
 * fields (domain/schema.h) plus what one generic path through the API, the
 * domain and the store needs to serve it. Adding a kind is a declaration
 * here and its rules, not a new module of plumbing:
 *
 *   - name and table: the path segment under /api/v1/survivors/{id}/ and
 *     the store's table;
 *   - shape: one per survivor (written with PUT) or a list (POST, then
 *     GET/PATCH on /{item_id});
 *   - append_only: never changed once written (PATCH/PUT answer 405);
 *   - schema: the fields, their validation, which are hidden from a share
 *     (SCH_CASE_TEAM);
 *   - read, create, update: the policy actions that guard it;
 *   - validate: the rules between fields, and against the survivor (a
 *     dependant must exist);
 *   - columns: the fields kept in plain, typed, indexed columns beside the
 *     sealed item, for alert rules and reports to count in SQL without
 *     decrypting anything. Everything else is sealed with the item.
 *
 * No I/O, no clock: today is a parameter.
 */
#ifndef WM_KIND_H
#define WM_KIND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "policy.h"
#include "schema.h"

enum kind_shape {
	KIND_ONE,  /* at most one per survivor: PUT creates (201), then replaces (200) */
	KIND_LIST, /* any number: POST creates, GET lists, /{item_id} reads and changes */
};

/* How a plain column holds its field. */
enum column_type {
	COLUMN_DAY,	/* a date, as its day number (days since 1970-01-01) */
	COLUMN_INSTANT, /* an RFC 3339 instant, as seconds since the epoch */
	COLUMN_CODE,	/* an enum value, as its text */
	COLUMN_FLAG,	/* a boolean, as 0 or 1 */
	COLUMN_INT,	/* an integer */
	COLUMN_ID,	/* an id (an organisation, an account) */
	COLUMN_TEXT,	/* short text that identifies no one ("dependant:2", a language tag) */
	/* An array of objects with a code "domain" and a code "status" (a
	 * plan's goals), as the set of its pairs in one text: sorted, each
	 * pair once, every pair between commas (",housing:met,safety:open,"),
	 * so a report asks instr(col, ',housing:met,') without decrypting the
	 * goals' words. An empty array is ",". */
	COLUMN_GOALS,
};

/* One field kept in a plain column. A missing field is NULL in the column. */
struct kind_column {
	const char *field;  /* its path in the item: "registered_on", "interpreter.provided" */
	const char *column; /* the column's name: "registered_on", "interpreter_provided" */
	enum column_type type;
};

struct kind {
	const char *name;  /* path segment(s) after /survivors/{id}/: "nrm", "plan/reviews" */
	const char *table; /* the store's table: "nrm", "plan_reviews" */
	enum kind_shape shape;
	bool append_only;
	const struct schema *schema;
	enum action read, create, update;
	/* The rules between fields, and against the survivor's record, for a
	 * complete item (after a PATCH's merge). May set defaults (plan's
	 * review_every_days). WM_ERR_INVALID with *err naming the field. */
	wm_err (*validate)(json_t *item, const json_t *survivor, int today,
			   struct schema_error *err);
	const struct kind_column *columns;
	size_t ncolumns;
};

/* Every kind, in the order the whole record lists them. */
extern const struct kind *const kind_table[];
extern const size_t kind_count;

/* The kind whose name is name ("registrations"); NULL when none. */
const struct kind *kind_find(const char *name);

/* The kind a route pattern serves: "/api/v1/survivors/{id}/registrations"
 * and ".../registrations/{item_id}" both give registrations; NULL when the
 * pattern is not a kind's. */
const struct kind *kind_of_route(const char *pattern);

#endif
