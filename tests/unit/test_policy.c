/* Unit tests for domain/policy: the spec's role table as a full matrix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "domain/policy.h"

#define OWN_ORG	  "11111111111111111111111111111111"
#define OTHER_ORG "22222222222222222222222222222222"

/* The ownerships every (role, action) is tried with. */
enum owner {
	ON_COLLECTION,	 /* resource NULL: create or list */
	ON_OWN,		 /* record of the caller's organisation */
	ON_OWN_SHARED,	 /* of the caller's organisation, and shared with it */
	ON_OTHER,	 /* of another organisation */
	ON_OTHER_SHARED, /* of another organisation, shared with the caller's */
	OWNER_COUNT
};

static const struct resource resources[OWNER_COUNT] = {
    [ON_OWN] = {OWN_ORG, false},
    [ON_OWN_SHARED] = {OWN_ORG, true},
    [ON_OTHER] = {OTHER_ORG, false},
    [ON_OTHER_SHARED] = {OTHER_ORG, true},
};

static const char *const owner_names[OWNER_COUNT] = {"collection", "own org", "own org, shared",
						     "other org", "other org, shared"};

#define Y POLICY_ALLOW
#define F POLICY_FORBIDDEN
#define H POLICY_HIDDEN

struct row {
	enum role role;
	enum action act;
	enum scope scope;		 /* what policy_scope answers */
	enum decision want[OWNER_COUNT]; /* indexed by enum owner */
};

/*
 * From the spec's "Who may do what" and the endpoint notes:
 *  - admin: organisations and users (every one of them); never case content (403).
 *  - every role may list organisations (GET /api/v1/orgs).
 *  - advocate: full read/write on survivors of their own organisation; another
 *    organisation's record is not visible (404), even when shared.
 *  - manager: as advocate, plus reassign, the access log (another organisation's
 *    record: 404) and reports of their organisation.
 *  - clinician: reads survivors only under an active share_with_org consent
 *    naming their organisation (else 404); never creates or updates (403).
 *  - analyst: reports only; never a single person's record (403).
 *  - access log: other roles 403.
 *  - calendar feed: advocates only (of their own caseload, in their organisation).
 *  - the anonymised research export (issue 16): managers and analysts, of
 *    their own organisation's survivors.
 *  - handover (the FHIR health summary): the owning organisation's manager
 *    and advocate only; a clinician never sends one on (403).
 *  - a route that names no action is refused to everyone; every signed-in
 *    account may act on its own session (me, logout).
 */
static const struct row table[] = {
    /* role, action, scope; then collection, own, own+shared, other, other+shared */
    {ROLE_ADMIN, ACT_NONE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_SESSION, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_ADMIN, ACT_ORG_CREATE, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_ADMIN, ACT_ORG_LIST, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_ADMIN, ACT_USER_CREATE, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_ADMIN, ACT_USER_LIST, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_ADMIN, ACT_USER_READ, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_ADMIN, ACT_USER_UPDATE, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_ADMIN, ACT_SURVIVOR_CREATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_SURVIVOR_LIST, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_SURVIVOR_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_SURVIVOR_UPDATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_SURVIVOR_REASSIGN, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_ACCESS_LOG_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_REPORT_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_BULK_ACCESS_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_ACCOUNT_EVENTS_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_CASE_DETAILS_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_HEALTH_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_RECORD_WRITE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_CARE_ADD, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_CASELOAD_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_SAFEGUARDING_SHARE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_ALERTS_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_CALENDAR_WRITE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_CALENDAR_FEED, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_RESEARCH_EXPORT, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_HANDOVER, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_DOCUMENT_PRINT, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_ACCESS_REPORT, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADMIN, ACT_ORG_DOCUMENTS, SCOPE_NONE, {F, F, F, F, F}},

    {ROLE_MANAGER, ACT_NONE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_MANAGER, ACT_SESSION, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_MANAGER, ACT_ORG_CREATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_MANAGER, ACT_ORG_LIST, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_MANAGER, ACT_USER_CREATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_MANAGER, ACT_USER_LIST, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_USER_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_MANAGER, ACT_USER_UPDATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_MANAGER, ACT_SURVIVOR_CREATE, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_SURVIVOR_LIST, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_SURVIVOR_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_SURVIVOR_UPDATE, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_SURVIVOR_REASSIGN, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_ACCESS_LOG_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_REPORT_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_BULK_ACCESS_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_ACCOUNT_EVENTS_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_CASE_DETAILS_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_HEALTH_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_RECORD_WRITE, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_CARE_ADD, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_CASELOAD_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_SAFEGUARDING_SHARE, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_ALERTS_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_CALENDAR_WRITE, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_CALENDAR_FEED, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_MANAGER, ACT_RESEARCH_EXPORT, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_HANDOVER, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_DOCUMENT_PRINT, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_ACCESS_REPORT, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_MANAGER, ACT_ORG_DOCUMENTS, SCOPE_ORG, {Y, Y, Y, H, H}},

    {ROLE_ADVOCATE, ACT_NONE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_SESSION, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_ADVOCATE, ACT_ORG_CREATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_ORG_LIST, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_ADVOCATE, ACT_USER_CREATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_USER_LIST, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_USER_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_USER_UPDATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_SURVIVOR_CREATE, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ADVOCATE, ACT_SURVIVOR_LIST, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ADVOCATE, ACT_SURVIVOR_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ADVOCATE, ACT_SURVIVOR_UPDATE, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ADVOCATE, ACT_SURVIVOR_REASSIGN, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_ACCESS_LOG_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_REPORT_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_BULK_ACCESS_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_ACCOUNT_EVENTS_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_CASE_DETAILS_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ADVOCATE, ACT_HEALTH_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ADVOCATE, ACT_RECORD_WRITE, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ADVOCATE, ACT_CARE_ADD, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ADVOCATE, ACT_CASELOAD_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ADVOCATE, ACT_SAFEGUARDING_SHARE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_ALERTS_READ, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ADVOCATE, ACT_CALENDAR_WRITE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_CALENDAR_FEED, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ADVOCATE, ACT_RESEARCH_EXPORT, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_HANDOVER, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ADVOCATE, ACT_DOCUMENT_PRINT, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ADVOCATE, ACT_ACCESS_REPORT, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ADVOCATE, ACT_ORG_DOCUMENTS, SCOPE_NONE, {F, F, F, F, F}},

    {ROLE_CLINICIAN, ACT_NONE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_SESSION, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_CLINICIAN, ACT_ORG_CREATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_ORG_LIST, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_CLINICIAN, ACT_USER_CREATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_USER_LIST, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_USER_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_USER_UPDATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_SURVIVOR_CREATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_SURVIVOR_LIST, SCOPE_SHARED, {Y, H, Y, H, Y}},
    {ROLE_CLINICIAN, ACT_SURVIVOR_READ, SCOPE_SHARED, {Y, H, Y, H, Y}},
    {ROLE_CLINICIAN, ACT_SURVIVOR_UPDATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_SURVIVOR_REASSIGN, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_ACCESS_LOG_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_REPORT_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_BULK_ACCESS_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_ACCOUNT_EVENTS_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_CASE_DETAILS_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_HEALTH_READ, SCOPE_SHARED, {Y, H, Y, H, Y}},
    {ROLE_CLINICIAN, ACT_RECORD_WRITE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_CARE_ADD, SCOPE_SHARED, {Y, H, Y, H, Y}},
    {ROLE_CLINICIAN, ACT_CASELOAD_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_SAFEGUARDING_SHARE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_ALERTS_READ, SCOPE_SHARED, {Y, H, Y, H, Y}},
    {ROLE_CLINICIAN, ACT_CALENDAR_WRITE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_CALENDAR_FEED, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_RESEARCH_EXPORT, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_HANDOVER, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_DOCUMENT_PRINT, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_ACCESS_REPORT, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_CLINICIAN, ACT_ORG_DOCUMENTS, SCOPE_NONE, {F, F, F, F, F}},

    {ROLE_ANALYST, ACT_NONE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_SESSION, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_ANALYST, ACT_ORG_CREATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_ORG_LIST, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_ANALYST, ACT_USER_CREATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_USER_LIST, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_USER_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_USER_UPDATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_SURVIVOR_CREATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_SURVIVOR_LIST, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_SURVIVOR_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_SURVIVOR_UPDATE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_SURVIVOR_REASSIGN, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_ACCESS_LOG_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_REPORT_READ, SCOPE_ALL, {Y, Y, Y, Y, Y}},
    {ROLE_ANALYST, ACT_BULK_ACCESS_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_ACCOUNT_EVENTS_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_CASE_DETAILS_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_HEALTH_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_RECORD_WRITE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_CARE_ADD, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_CASELOAD_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_SAFEGUARDING_SHARE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_ALERTS_READ, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_CALENDAR_WRITE, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_CALENDAR_FEED, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_RESEARCH_EXPORT, SCOPE_ORG, {Y, Y, Y, H, H}},
    {ROLE_ANALYST, ACT_HANDOVER, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_DOCUMENT_PRINT, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_ACCESS_REPORT, SCOPE_NONE, {F, F, F, F, F}},
    {ROLE_ANALYST, ACT_ORG_DOCUMENTS, SCOPE_NONE, {F, F, F, F, F}},
};

#undef Y
#undef F
#undef H

#define NROWS (sizeof table / sizeof table[0])

static const char *decision_name(enum decision d)
{
	switch (d) {
	case POLICY_ALLOW:
		return "ALLOW";
	case POLICY_FORBIDDEN:
		return "FORBIDDEN";
	case POLICY_HIDDEN:
		return "HIDDEN";
	}
	return "?";
}

static void table_covers_every_role_and_action_once(void **state)
{
	(void)state;
	int seen[ROLE_COUNT][ACT_COUNT];
	memset(seen, 0, sizeof seen);
	for (size_t i = 0; i < NROWS; i++)
		seen[table[i].role][table[i].act]++;
	for (int r = 0; r < ROLE_COUNT; r++)
		for (int a = 0; a < ACT_COUNT; a++)
			if (seen[r][a] != 1)
				fail_msg("table has %d rows for %s / %s", seen[r][a],
					 role_name((enum role)r),
					 policy_action_name((enum action)a));
	assert_int_equal(NROWS, ROLE_COUNT * ACT_COUNT);
}

static void decisions_match_the_spec(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &table[i];
		struct subject who = {r->role, "33333333333333333333333333333333", OWN_ORG};
		for (int o = 0; o < OWNER_COUNT; o++) {
			const struct resource *res = o == ON_COLLECTION ? NULL : &resources[o];
			enum decision got = policy_decide(&who, r->act, res);
			if (got != r->want[o]) {
				print_error("%s %s on %s: got %s, want %s\n", role_name(r->role),
					    policy_action_name(r->act), owner_names[o],
					    decision_name(got), decision_name(r->want[o]));
				failures++;
			}
		}
	}
	assert_int_equal(failures, 0);
}

static void scopes_match_the_spec(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &table[i];
		struct subject who = {r->role, "33333333333333333333333333333333", OWN_ORG};
		enum scope got = policy_scope(&who, r->act);
		if (got != r->scope) {
			print_error("%s %s: scope %d, want %d\n", role_name(r->role),
				    policy_action_name(r->act), (int)got, (int)r->scope);
			failures++;
		}
		/* A role that may not act on the collection has nothing to list. */
		if ((r->want[ON_COLLECTION] == POLICY_FORBIDDEN) != (got == SCOPE_NONE)) {
			print_error("%s %s: scope %d disagrees with the decision\n",
				    role_name(r->role), policy_action_name(r->act), (int)got);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* A subject of an organisation-scoped role without an organisation may do
 * nothing organisation-scoped; what is open to every role stays open. */
static void no_org_means_forbidden_for_org_scoped_roles(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &table[i];
		struct subject who = {r->role, "33333333333333333333333333333333", NULL};
		bool org_scoped = r->scope == SCOPE_ORG || r->scope == SCOPE_SHARED;
		enum scope want_scope = org_scoped ? SCOPE_NONE : r->scope;
		if (policy_scope(&who, r->act) != want_scope) {
			print_error("%s %s without org: scope %d, want %d\n", role_name(r->role),
				    policy_action_name(r->act), (int)policy_scope(&who, r->act),
				    (int)want_scope);
			failures++;
		}
		for (int o = 0; o < OWNER_COUNT; o++) {
			const struct resource *res = o == ON_COLLECTION ? NULL : &resources[o];
			enum decision want = org_scoped ? POLICY_FORBIDDEN : r->want[o];
			enum decision got = policy_decide(&who, r->act, res);
			if (got != want) {
				print_error("%s %s on %s without org: got %s, want %s\n",
					    role_name(r->role), policy_action_name(r->act),
					    owner_names[o], decision_name(got),
					    decision_name(want));
				failures++;
			}
		}
	}
	assert_int_equal(failures, 0);

	/* The spelled-out cases. */
	struct subject adv = {ROLE_ADVOCATE, "u", NULL};
	struct subject cli = {ROLE_CLINICIAN, "u", NULL};
	struct subject admin = {ROLE_ADMIN, "u", NULL};
	struct resource shared = {OWN_ORG, true};
	assert_int_equal(policy_decide(&adv, ACT_SURVIVOR_CREATE, NULL), POLICY_FORBIDDEN);
	assert_int_equal(policy_decide(&cli, ACT_SURVIVOR_READ, &shared), POLICY_FORBIDDEN);
	assert_int_equal(policy_decide(&admin, ACT_USER_CREATE, NULL), POLICY_ALLOW);
	assert_int_equal(policy_decide(&adv, ACT_ORG_LIST, NULL), POLICY_ALLOW);
}

static void ownership_is_compared_by_value(void **state)
{
	(void)state;
	/* Same org id text in another buffer is the same organisation. */
	char own_copy[] = OWN_ORG;
	struct subject who = {ROLE_ADVOCATE, "u", OWN_ORG};
	struct resource res = {own_copy, false};
	assert_int_equal(policy_decide(&who, ACT_SURVIVOR_READ, &res), POLICY_ALLOW);
	/* An org id that is a prefix of the caller's is another org. */
	struct resource prefix = {"1111111111111111", false};
	assert_int_equal(policy_decide(&who, ACT_SURVIVOR_READ, &prefix), POLICY_HIDDEN);
	/* A record without an owning org is no one's to see. */
	struct resource orphan = {NULL, false};
	assert_int_equal(policy_decide(&who, ACT_SURVIVOR_READ, &orphan), POLICY_HIDDEN);
	struct subject mgr = {ROLE_MANAGER, "u", OWN_ORG};
	assert_int_equal(policy_decide(&mgr, ACT_ACCESS_LOG_READ, &orphan), POLICY_HIDDEN);
}

static void action_names(void **state)
{
	(void)state;
	for (int a = 0; a < ACT_COUNT; a++) {
		const char *name = policy_action_name((enum action)a);
		assert_non_null(name);
		assert_true(name[0] != '\0');
		for (int b = 0; b < a; b++)
			if (strcmp(name, policy_action_name((enum action)b)) == 0)
				fail_msg("actions %d and %d share the name %s", a, b, name);
	}
	assert_non_null(policy_action_name(ACT_COUNT));
	assert_non_null(policy_action_name((enum action)(ACT_COUNT + 7)));
	assert_non_null(policy_action_name((enum action) - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(table_covers_every_role_and_action_once),
	    cmocka_unit_test(decisions_match_the_spec),
	    cmocka_unit_test(scopes_match_the_spec),
	    cmocka_unit_test(no_org_means_forbidden_for_org_scoped_roles),
	    cmocka_unit_test(ownership_is_compared_by_value),
	    cmocka_unit_test(action_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
