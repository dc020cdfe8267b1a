/*
 * survivor.h - the survivor's record: its fields and the rules that tie them.
 *
 * A record is held as a JSON object (jansson) described by survivor_schema;
 * the rules here run on it with no I/O and no clock: today is a parameter.
 */
#ifndef WM_SURVIVOR_H
#define WM_SURVIVOR_H

#include <jansson.h>
#include <stdbool.h>

#include "account.h"
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

/* What a change of a case's advocate_id amounts to. */
enum assignment {
	ASSIGN_UNCHANGED, /* the same advocate (or none) before and after */
	ASSIGN_TAKE,	  /* an unassigned case taken by the actor for themselves */
	ASSIGN_REASSIGN,  /* given to someone else, moved, or unassigned: a manager's call
			     (ACT_SURVIVOR_REASSIGN) */
};

/* Classifies setting advocate_id from before to after (either may be NULL)
 * by actor_id. */
enum assignment survivor_assignment(const char *actor_id, const char *before, const char *after);

/* The advocate a new case gets when its creator names none: an advocate
 * takes their own case; a manager's stays unassigned (NULL). */
const char *survivor_default_advocate(enum role actor_role, const char *actor_id);

/* An account as far as holding a case goes. Borrowed strings. */
struct case_holder {
	enum role role;
	bool disabled;
	const char *org_id;
};

/* True when the account may be a case's advocate: an active advocate or
 * manager of the organisation that owns the case. */
bool survivor_may_hold_case(const struct case_holder *h, const char *case_org);

/* True when s is an NHS number: 10 digits whose last is the Modulus 11
 * check digit of the nine before it. */
bool survivor_nhs_number_ok(const char *s);

/* The 1-based number of dependants (for "dependant:N" references). */
size_t survivor_dependant_count(const json_t *rec);

#endif
