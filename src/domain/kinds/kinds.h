/*
 * kinds.h - the kinds of domain/kind.h, one object each, and the small rules
 * their validators share (dates in order, not in the future, defaults).
 *
 * Private to src/domain: the rest of the server finds a kind through
 * kind_table, kind_find and kind_of_route (kind.h).
 */
#ifndef WM_KINDS_H
#define WM_KINDS_H

#include <jansson.h>
#include <stdbool.h>

#include "../kind.h"

extern const struct kind kind_nrm;
extern const struct kind kind_asylum;
extern const struct kind kind_plan;
extern const struct kind kind_plan_reviews;
extern const struct kind kind_registrations;
extern const struct kind kind_appointments;
extern const struct kind kind_referrals;
extern const struct kind kind_medications;
extern const struct kind kind_notes;
extern const struct kind kind_consents;
extern const struct kind kind_snoozes;

/* The alert rules a snooze may name, NULL-terminated (as alerts.c spells
 * them). */
const char *const *kind_snooze_rules(void);

/* The fields the server sets on every item but org_id (a consent's org_id is
 * the client's: the organisation it shares with). The view (schema_view)
 * keeps only fields its schema knows, so they are declared, flagged
 * SCH_SERVER so that input refuses them. */
#define KIND_SERVER_FIELDS_BUT_ORG                                                                 \
	{.name = "id", .type = SCH_ID, .flags = SCH_SERVER},                                       \
	    {.name = "version",                                                                    \
	     .type = SCH_INT,                                                                      \
	     .flags = SCH_SERVER,                                                                  \
	     .min = 1,                                                                             \
	     .max = 2147483647LL},                                                                 \
	    {.name = "survivor_id", .type = SCH_ID, .flags = SCH_SERVER},                          \
	    {.name = "created_at", .type = SCH_INSTANT, .flags = SCH_SERVER},                      \
	{                                                                                          \
		.name = "updated_at", .type = SCH_INSTANT, .flags = SCH_SERVER                     \
	}

/* Every server field, org_id (the owning organisation) included. */
#define KIND_SERVER_FIELDS                                                                         \
	KIND_SERVER_FIELDS_BUT_ORG,                                                                \
	{                                                                                          \
		.name = "org_id", .type = SCH_ID, .flags = SCH_SERVER                              \
	}

/* Returns from the enclosing function when the check fails. */
#define KIND_TRY(check)                                                                            \
	do {                                                                                       \
		wm_err kind_try_e = (check);                                                       \
		if (kind_try_e != WM_OK)                                                           \
			return kind_try_e;                                                         \
	} while (0)

#define KIND_NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* Drops the known fields set to null, then checks item against s
 * (schema_check). Every validator starts here, so a validator alone is the
 * whole check of an item. */
wm_err kind_check(const struct schema *s, json_t *item, struct schema_error *err);

/* True, with the day in *out, when item has the date field key. */
bool kind_date(const json_t *item, const char *key, int *out);

/* True when item has the field key (not null). */
bool kind_has(const json_t *item, const char *key);

/* The string field key of item, or NULL when absent. */
const char *kind_str(const json_t *item, const char *key);

/* True when item's boolean key is present and true. */
bool kind_true(const json_t *item, const char *key);

/* Refuses the date field key when it is after today: an event that has
 * already happened (a decision, a registration, a referral sent). */
wm_err kind_not_future(const json_t *item, const char *key, int today, struct schema_error *err);

/* Refuses the date field later when it is before the date field earlier
 * (both present; nothing to check otherwise), naming later. */
wm_err kind_not_before(const json_t *item, const char *later, const char *earlier,
		       struct schema_error *err);

/* Refuses field when present without the field it depends on ("rg_outcome
 * without rg_decision_on"), naming the missing one. */
wm_err kind_needs(const json_t *item, const char *field, const char *needed,
		  struct schema_error *err);

/* Sets the string field key to value when absent. WM_ERR_NOMEM on failure. */
wm_err kind_default_str(json_t *item, const char *key, const char *value);

#endif
