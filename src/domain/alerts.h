/*
 * alerts.h - the alert rules (spec alerts.md), as pure functions of one
 * survivor's record and a date.
 *
 * An alert is derived, never stored. The caller (the API, over the store)
 * gathers what the rules read into a struct alert_record: the survivor's
 * own facts and the plain columns of each part of the record, so judging a
 * caseload decrypts nothing but the survivors themselves. alerts_evaluate
 * then says which rules fire on day D. No I/O, no clock: D is a parameter,
 * and only the rules that name entered_service_on (and every "within the
 * last N days") move with it.
 *
 * Dates are day numbers (domain/date.h); ALERT_NO_DAY is a date the record
 * does not hold. Booleans the record may lack are tri-state (enum alert_flag).
 * Codes are the API's own enum strings ("gp", "cancelled"), NULL when absent.
 * Every pointer in the input is borrowed for the call.
 */
#ifndef WM_ALERTS_H
#define WM_ALERTS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "policy.h"
#include "workdays.h"

#define ALERT_NO_DAY INT_MIN

enum alert_flag {
	FLAG_ABSENT = -1, /* the record does not say */
	FLAG_FALSE = 0,
	FLAG_TRUE = 1,
};

enum alert_severity {
	ALERT_CRITICAL,
	ALERT_HIGH,
	ALERT_MEDIUM,
	ALERT_LOW,
	ALERT_SEVERITY_COUNT,
};

/* Every rule of the spec, in the spec's order. */
enum alert_rule {
	RULE_GP_UNREGISTERED,
	RULE_DEPENDANT_GP_UNREGISTERED,
	RULE_DENTAL_UNREGISTERED,
	RULE_ANTENATAL_MISSING,
	RULE_REGISTRATION_REFUSED,
	RULE_INTERPRETER_NOT_BOOKED,
	RULE_INTERPRETER_NOT_PROVIDED,
	RULE_THIRD_PARTY_CANCELLATION,
	RULE_REPEATED_NON_ATTENDANCE,
	RULE_PLAN_MISSING,
	RULE_REVIEW_OVERDUE,
	RULE_REFERRAL_NO_RESPONSE,
	RULE_MENTAL_HEALTH_WAIT,
	RULE_MEDICATION_WITHOUT_THERAPY,
	RULE_MEDICATION_NOT_EXPLAINED,
	RULE_RG_DECISION_OVERDUE,
	RULE_CG_DECISION_WAITING,
	RULE_NRM_SUPPORT_ENDING,
	RULE_DUAL_SUPPORT_GAP,
	RULE_ASYLUM_NO_LEGAL_REPRESENTATIVE,
	RULE_COUNT,
};

/* Each part of the record, as the rules read it. id is the item's id, and
 * version its version: a snooze of an alert about an item holds only while
 * the item keeps the version it had when snoozed. */
struct alert_registration {
	const char *id;
	int version;
	const char *service; /* gp, dental, maternity, optician, sexual_health */
	int person;	     /* 0 the survivor, N the Nth dependant, -1 unreadable */
	int registered_on, refused_on;
};

struct alert_appointment {
	const char *id;
	int version;
	const char *kind;
	int day;	    /* the date of starts_at in the server's time zone */
	const char *status; /* scheduled, attended, did_not_attend, cancelled */
	const char *cancelled_by;
	enum alert_flag needed, booked, provided; /* interpreter.* */
};

struct alert_referral {
	const char *id;
	int version;
	const char *service;
	int sent_on, accepted_on, first_seen_on, rejected_on, closed_on;
};

struct alert_medication {
	const char *id;
	int version;
	const char *category;
	int started_on, stopped_on;
	enum alert_flag explained, explained_in_own_language;
};

struct alert_nrm {
	const char *id;
	int version;
	int referred_on, rg_decision_on, cg_decision_on;
	const char *rg_outcome, *cg_outcome; /* positive, negative */
	const char *support;		     /* none, victim_care_contract, other */
	bool duty_to_notify_only;	     /* a report, not a referral: no decision follows it */
};

struct alert_asylum {
	const char *id;
	int version;
	int claimed_on;
	const char *support; /* none, s95, s98, s4 */
	const char *outcome; /* granted, refused */
	enum alert_flag legal_representative;
};

struct alert_plan {
	const char *id;
	int version;
	int created_on;	       /* the date of created_at in the server's time zone */
	int review_every_days; /* 28 when the plan does not say */
	int last_review_on;    /* the latest review's date, ALERT_NO_DAY with none */
};

/* One survivor's whole record, as the rules read it. */
struct alert_record {
	const char *survivor_id;
	bool active; /* rules apply to active survivors only */
	int entered_service_on;
	enum alert_flag pregnant;
	int dependants;		     /* how many the survivor's dependants list holds */
	bool language_interpreter;   /* a language of the survivor has interpreter_needed */
	const struct alert_nrm *nrm; /* NULL when the record has none */
	const struct alert_asylum *asylum;
	const struct alert_plan *plan;
	const struct alert_registration *registrations;
	size_t nregistrations;
	const struct alert_appointment *appointments;
	size_t nappointments;
	const struct alert_referral *referrals;
	size_t nreferrals;
	const struct alert_medication *medications;
	size_t nmedications;
};

#define ALERT_ITEM_LEN 40 /* an item id ("dependant:N" for a dependant) and its NUL */

struct alert {
	const char *survivor_id; /* borrowed from the record */
	enum alert_rule rule;
	enum alert_severity severity;
	int due_on;
	char item_id[ALERT_ITEM_LEN]; /* "" when the alert is about no one item */
	int item_version;	      /* the item's version; 0 with no item */
};

/* A growable list of alerts; zero it before first use. */
struct alert_list {
	struct alert *items;
	size_t n, cap;
};

void alert_list_free(struct alert_list *l);

/* Appends every alert the record raises on day `day`, in calendar cal (the
 * survivor's organisation's). An inactive survivor raises none. Item rules
 * raise one alert per item that meets them; other rules at most one.
 * WM_ERR_NOMEM when the list cannot grow (what was appended stays). */
wm_err alerts_evaluate(const struct alert_record *r, int day, const struct workdays *cal,
		       struct alert_list *out);

/* Sorts as the spec lists alerts: severity (critical first), then due_on,
 * then survivor id; then rule and item id, so the order is total. */
void alerts_sort(struct alert *a, size_t n);

/* The rule's name as the API spells it ("gp_unregistered"). */
const char *alert_rule_name(enum alert_rule rule);

/* The rule named name; false when there is none. */
bool alert_rule_parse(const char *name, enum alert_rule *out);

/* "critical", "high", "medium", "low". */
const char *alert_severity_name(enum alert_severity s);

/* The most severe level the rule can raise (a snooze of a critical alert is
 * limited to 2 days). */
enum alert_severity alert_rule_top_severity(enum alert_rule rule);

/* The policy action a reader needs to see the rule's alerts: the read
 * action of the parts of the record it judges (an NRM or asylum rule needs
 * ACT_CASE_DETAILS_READ, which a clinician under a share never has). */
enum action alert_rule_read(enum alert_rule rule);

/* Whether the rule's alerts each name the item they are about (item_id set):
 * the item rules, and the rules about the one NRM record, asylum claim or
 * plan (their id). */
bool alert_rule_per_item(enum alert_rule rule);

/* Writes the alert's message into out: plain English an advocate can act
 * on, naming no one (no name, no id). */
void alert_message(const struct alert *a, char *out, size_t cap);

/* ---- what the record lacks for a rule to be judged (record page) ---- */

/* One fact a rule needs that the record does not hold: the rule does not
 * fire for want of it (spec alerts.md), and the record page says so. */
struct alert_gap {
	enum alert_rule rule; /* the rule that cannot be judged */
	const char *part;     /* where the fact belongs: "survivor", "nrm", "referrals" ... */
	char item_id[ALERT_ITEM_LEN]; /* the item lacking it (the NRM record's or asylum
				       * claim's own id for theirs); "" for the survivor */
	const char *field;	      /* the field to fill in ("sent_on", "interpreter.booked") */
};

/* A growable list of gaps; zero it before first use. */
struct alert_gap_list {
	struct alert_gap *items;
	size_t n, cap;
};

void alert_gap_list_free(struct alert_gap_list *l);

/* Appends what record r lacks for a rule to be judged, part by part in the
 * record's order (survivor, registrations, appointments, referrals,
 * medications, nrm, asylum). Independent of the day: what is missing is
 * missing whenever the rule would look. An inactive survivor lacks nothing
 * (no rule judges them). Absent facts the rules read as "not true" (an
 * interpreter booked, a legal representative) are not gaps: their rules
 * fire. WM_ERR_NOMEM when the list cannot grow. */
wm_err alert_missing(const struct alert_record *r, struct alert_gap_list *out);

/* Writes what the gap means, in words an advocate can act on ("No date
 * sent, so Waymark cannot tell you when this referral is overdue."), naming no
 * one, into out. */
void alert_gap_message(const struct alert_gap *g, char *out, size_t cap);

#endif
