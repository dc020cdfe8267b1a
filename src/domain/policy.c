/*
 * policy.c - the role table of the API spec, as data.
 *
 * Each row says, for one action, the scope each role gets; a role with
 * SCOPE_NONE may never do it. Deciding on one record then compares the
 * record's ownership with that scope.
 */
#include "policy.h"

#include <string.h>

struct rule {
	const char *name;
	enum scope by_role[ROLE_COUNT]; /* indexed by enum role */
};

#define N SCOPE_NONE
#define O SCOPE_ORG
#define S SCOPE_SHARED
#define A SCOPE_ALL

/*                                              admin manager advocate clinician analyst */
static const struct rule rules[ACT_COUNT] = {
    [ACT_NONE] = {"none", {N, N, N, N, N}},
    [ACT_SESSION] = {"session", {A, A, A, A, A}},
    [ACT_ORG_CREATE] = {"org.create", {A, N, N, N, N}},
    [ACT_ORG_LIST] = {"org.list", {A, A, A, A, A}},
    [ACT_USER_CREATE] = {"user.create", {A, N, N, N, N}},
    [ACT_USER_LIST] = {"user.list", {A, O, N, N, N}},
    [ACT_USER_READ] = {"user.read", {A, N, N, N, N}},
    [ACT_USER_UPDATE] = {"user.update", {A, N, N, N, N}},
    [ACT_SURVIVOR_CREATE] = {"survivor.create", {N, O, O, N, N}},
    [ACT_SURVIVOR_LIST] = {"survivor.list", {N, O, O, S, N}},
    [ACT_SURVIVOR_READ] = {"survivor.read", {N, O, O, S, N}},
    [ACT_SURVIVOR_UPDATE] = {"survivor.update", {N, O, O, N, N}},
    [ACT_SURVIVOR_REASSIGN] = {"survivor.reassign", {N, O, N, N, N}},
    [ACT_ACCESS_LOG_READ] = {"access_log.read", {N, O, N, N, N}},
    [ACT_REPORT_READ] = {"report.read", {N, O, N, N, A}},
    [ACT_BULK_ACCESS_READ] = {"bulk_access.read", {N, O, N, N, N}},
    [ACT_ACCOUNT_EVENTS_READ] = {"account_events.read", {N, O, N, N, N}},
    [ACT_CASE_DETAILS_READ] = {"case_details.read", {N, O, O, N, N}},
    [ACT_HEALTH_READ] = {"health.read", {N, O, O, S, N}},
    [ACT_RECORD_WRITE] = {"record.write", {N, O, O, N, N}},
    [ACT_CARE_ADD] = {"care.add", {N, O, O, S, N}},
    [ACT_CASELOAD_READ] = {"caseload.read", {N, O, O, N, N}},
    [ACT_SAFEGUARDING_SHARE] = {"safeguarding.share", {N, O, N, N, N}},
    [ACT_ALERTS_READ] = {"alerts.read", {N, O, O, S, N}},
    [ACT_CALENDAR_WRITE] = {"calendar.write", {N, O, N, N, N}},
    /* Advocates only, as the issue asks: a feed is of the survivors one is
     * the advocate of. A manager's caseload is the organisation's, which a
     * bearer URL should not carry; a clinician has no caseload. */
    [ACT_CALENDAR_FEED] = {"calendar.feed", {N, N, O, N, N}},
    [ACT_RESEARCH_EXPORT] = {"research.export", {N, O, N, N, O}},
    [ACT_HANDOVER] = {"handover", {N, O, O, N, N}},
    [ACT_DOCUMENT_PRINT] = {"document.print", {N, O, O, N, N}},
    [ACT_ACCESS_REPORT] = {"access_report.read", {N, O, N, N, N}},
    [ACT_ORG_DOCUMENTS] = {"org_documents.write", {N, O, N, N, N}},
};

#undef N
#undef O
#undef S
#undef A

enum scope policy_scope(const struct subject *who, enum action act)
{
	if (!who || act < 0 || act >= ACT_COUNT || who->role >= ROLE_COUNT)
		return SCOPE_NONE;
	enum scope sc = rules[act].by_role[who->role];
	/* Scopes tied to an organisation mean nothing without one. */
	if ((sc == SCOPE_ORG || sc == SCOPE_SHARED) && !who->org_id)
		return SCOPE_NONE;
	return sc;
}

enum decision policy_decide(const struct subject *who, enum action act, const struct resource *res)
{
	enum scope sc = policy_scope(who, act);
	if (sc == SCOPE_NONE)
		return POLICY_FORBIDDEN;
	if (!res || sc == SCOPE_ALL)
		return POLICY_ALLOW;
	bool same_org = res->org_id && strcmp(res->org_id, who->org_id) == 0;
	switch (sc) {
	case SCOPE_ORG:
		return same_org ? POLICY_ALLOW : POLICY_HIDDEN;
	case SCOPE_SHARED:
		return res->shared_with_org ? POLICY_ALLOW : POLICY_HIDDEN;
	default:
		return POLICY_FORBIDDEN;
	}
}

enum schema_view policy_view(const struct subject *who, const struct resource *res)
{
	/* Fails towards the narrower view: only the owning organisation's
	 * own staff see case-team fields. */
	bool own =
	    who && res && who->org_id && res->org_id && strcmp(who->org_id, res->org_id) == 0;
	bool case_team = who && (who->role == ROLE_MANAGER || who->role == ROLE_ADVOCATE);
	return own && case_team ? VIEW_CASE_TEAM : VIEW_SHARED;
}

const char *policy_action_name(enum action act)
{
	return act >= 0 && act < ACT_COUNT ? rules[act].name : "unknown";
}
