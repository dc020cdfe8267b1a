/*
 * policy.h - the one place that decides who may do what.
 *
 * Every handler asks policy_decide before it reads or writes anything, and
 * lists ask policy_scope for the filter to hand to the store. The answer
 * depends on the caller's role, the action, and the record's ownership: a
 * role that may never do a thing is FORBIDDEN (403); a record the caller may
 * not see is HIDDEN (404), exactly as if it did not exist.
 */
#ifndef WM_POLICY_H
#define WM_POLICY_H

#include <stdbool.h>

#include "account.h"
#include "schema.h"

enum action {
	ACT_NONE,    /* no action named: refused to every role (a route that forgot its own) */
	ACT_SESSION, /* what any signed-in account may do to its own session (me, logout) */
	ACT_ORG_CREATE,
	ACT_ORG_LIST,
	ACT_USER_CREATE,
	ACT_USER_LIST,
	ACT_USER_READ,
	ACT_USER_UPDATE,
	ACT_SURVIVOR_CREATE,
	ACT_SURVIVOR_LIST,
	ACT_SURVIVOR_READ,
	ACT_SURVIVOR_UPDATE,
	ACT_SURVIVOR_REASSIGN, /* set or change a survivor's advocate_id to another user */
	ACT_ACCESS_LOG_READ,
	ACT_REPORT_READ,
	ACT_BULK_ACCESS_READ,	 /* the organisation's list of accounts that read in bulk */
	ACT_ACCOUNT_EVENTS_READ, /* administrative changes to the organisation's accounts */
	ACT_CASE_DETAILS_READ,	 /* NRM, asylum, notes: the owning organisation's staff only */
	ACT_HEALTH_READ,	 /* registrations, appointments, referrals, medication, plan,
				    consents: also a clinician under a share */
	ACT_RECORD_WRITE,	 /* add to or change any part of a survivor's record */
	ACT_CARE_ADD,	   /* add an appointment or a referral: also a clinician under a share */
	ACT_CASELOAD_READ, /* across an organisation's survivors: appointments by date */
	ACT_SAFEGUARDING_SHARE, /* share a record without consent, and review such shares */
	ACT_ALERTS_READ,	/* alerts and the dashboard of a caseload (each survivor's own
				   check, and each rule's, follow) */
	ACT_CALENDAR_WRITE,	/* an organisation's own non-working days */
	ACT_CALENDAR_FEED,	/* one's own secret calendar feed of one's caseload's
				   appointments: make, revoke, and have it fetched */
	ACT_RESEARCH_EXPORT, /* the organisation's anonymised research export (no one's record) */
	ACT_HANDOVER, /* the FHIR handover of a survivor's health summary (owning org's staff) */
	ACT_DOCUMENT_PRINT, /* a survivor's appointment card, GP letter, handover summary (PDF) */
	ACT_ACCESS_REPORT,  /* the survivor's own report of who looked at their record (PDF) */
	ACT_ORG_DOCUMENTS,  /* an organisation's choices for its documents (its phone, staff named)
			     */
	ACT_COUNT
};

enum decision {
	POLICY_ALLOW,
	POLICY_FORBIDDEN, /* 403: the role may never do this */
	POLICY_HIDDEN,	  /* 404: this record is not the caller's to see */
};

/* Which records a list may return. */
enum scope {
	SCOPE_NONE,   /* nothing: the role may not list these */
	SCOPE_ORG,    /* records of the caller's organisation */
	SCOPE_SHARED, /* records shared with the caller's organisation by consent */
	SCOPE_ALL,    /* everything (administration lists) */
};

/* Who is asking. Borrowed strings. */
struct subject {
	enum role role;
	const char *user_id;
	const char *org_id; /* NULL for an administrator without one */
};

/* The record acted on, as far as the policy needs to know it. */
struct resource {
	const char *org_id;   /* the organisation that owns it */
	bool shared_with_org; /* an active share_with_org consent names the caller's org */
};

/* The decision for subject doing action on res (NULL: on the collection,
 * e.g. creating or listing). */
enum decision policy_decide(const struct subject *who, enum action act, const struct resource *res);

/* The filter a list must apply for this subject and action. */
enum scope policy_scope(const struct subject *who, enum action act);

/* How much of a record the subject may see once policy_decide allowed the
 * read: the owning organisation's staff see it all; a clinician reading
 * under a share sees the shared view (no case-team-only fields). */
enum schema_view policy_view(const struct subject *who, const struct resource *res);

/* The action's name, for tests and logs. */
const char *policy_action_name(enum action act);

#endif
