/*
 * pg_report.c - the outcome report's counts (store_report_outcomes) on
 * PostgreSQL: sqlite_report.c's statements in PostgreSQL's dialect (a
 * condition counted as count of rows where it holds: sum((cond)::int);
 * strpos for instr), so that both backends give the same figures
 * (tests/api/reports.test.mjs runs against both). What follows is
 * sqlite_report.c's own account, true of both.
 *
 * Every figure is counted in SQL from the plain columns kept beside the
 * sealed bodies (migrations 011 and 016): no body is opened, so a report
 * over a million survivors reads indexes and integers, never ciphertext.
 * Dates in item columns are day numbers and compared as integers;
 * survivors' dates are 'YYYY-MM-DD' text, which sorts as dates; an
 * appointment's date is its date in the server's time zone, so its
 * starts_at is compared with the instants the period's local days begin
 * (report_span), never with SQL's date functions (which know only UTC).
 *
 * Each statement exists twice, built by the preprocessor: for one
 * organisation (org_id = $org, so the organisation's indexes drive it) and
 * for all of them. The statements are prepared per report: reports are
 * rare, and their text is fixed here.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "pg.h"
#include "store.h"
#include "../util/log.h"

/* The SQL is laid out by hand, one clause a line: clang-format would split
 * its string literals mid-word. */
/* clang-format off */

/* The organisation filter of a table alias: one organisation, or all. */
#define ONE_ORG(a)  a ".org_id = $org"
#define ALL_ORGS(a) "true"

/* The cohort: survivors whose time in service overlaps the period. */
#define COHORT_WHERE(ORG) \
	" WHERE " ORG("s") " AND s.entered_service_on <= $to_text" \
	" AND (s.closed_on IS NULL OR s.closed_on >= $from_text)"

#define IN_PERIOD(col) " " col " BETWEEN $from AND $to"
#define OWN(service) \
	" r.service = '" service "' AND coalesce(r.person, 'survivor') = 'survivor'"
/* Survivors with a referral (of one service, or any) accepted or first seen
 * in the period. */
#define LINKED(service) \
	"coalesce(sum((EXISTS (SELECT 1 FROM referrals f WHERE f.survivor_id = s.id" service \
	" AND (" IN_PERIOD("f.accepted_on") " OR " IN_PERIOD("f.first_seen_on") ")))::int), 0)"
/* Survivors whose plan has a goal matching the pair (",housing:", ",housing:met,"). */
#define GOAL(pair) "coalesce(sum((strpos(p.goal_domains, '," pair "') > 0)::int), 0)"
#define THERAPY "('talking_therapy', 'counselling', 'ptsd_clinic', 'mental_health')"

/* cohort, entered, gp_registered, accessed_health_services, linked_to_services
 * (report_month_figures, in that order). */
#define Q_COHORT(ORG) \
	"SELECT count(*)," \
	" coalesce(sum((s.entered_service_on >= $from_text)::int), 0)," \
	" coalesce(sum((EXISTS (SELECT 1 FROM registrations r WHERE r.survivor_id = s.id AND" \
	OWN("gp") " AND r.registered_on <= $to))::int), 0)," \
	" coalesce(sum((EXISTS (SELECT 1 FROM appointments a WHERE a.survivor_id = s.id" \
	" AND a.status = 'attended' AND a.starts_at >= $from_at AND a.starts_at < $to_at))::int), 0)," \
	" " LINKED("") \
	" FROM survivors s" COHORT_WHERE(ORG)

/* The cohort's other figures. antidepressant_without_therapy is the alert
 * rule medication_without_therapy on day $to, which judges the record as
 * stored now and active survivors only (alerts.md). */
#define Q_COHORT_MORE(ORG) \
	"SELECT coalesce(sum((s.status = 'active' AND EXISTS (SELECT 1 FROM medications m" \
	" WHERE m.survivor_id = s.id AND m.category = 'antidepressant'" \
	" AND (m.stopped_on IS NULL OR m.stopped_on > $to) AND m.started_on <= $to - 28)" \
	" AND NOT EXISTS (SELECT 1 FROM referrals f WHERE f.survivor_id = s.id" \
	" AND f.service IN " THERAPY " AND f.sent_on <= $to))::int), 0)," \
	" coalesce(sum((EXISTS (SELECT 1 FROM registrations r WHERE r.survivor_id = s.id AND" \
	OWN("dental") " AND r.registered_on <= $to))::int), 0)," \
	" " GOAL("housing:") ", " GOAL("housing:met,") "," \
	" " GOAL("safety:") ", " GOAL("safety:met,") "," \
	" " GOAL("purpose:") ", " GOAL("purpose:met,") "," \
	" " GOAL("education:") ", " GOAL("education:met,") "," \
	" " LINKED(" AND f.service = 'housing'") "," \
	" " LINKED(" AND f.service = 'volunteering'") "," \
	" " LINKED(" AND f.service = 'education'") "," \
	" coalesce(sum((s.advocate_changes = 0)::int), 0), coalesce(sum(s.advocate_changes), 0)" \
	" FROM survivors s LEFT JOIN plan p ON p.survivor_id = s.id" COHORT_WHERE(ORG)

/* The cohort's plans: when each was made, how often it is reviewed, its
 * last review by $to, and when its survivor left. */
#define Q_PLANS(ORG) \
	"SELECT s.closed_on, p.created_at, p.review_every_days," \
	" (SELECT max(pr.reviewed_on) FROM plan_reviews pr WHERE pr.survivor_id = s.id" \
	" AND pr.reviewed_on <= $to)" \
	" FROM survivors s JOIN plan p ON p.survivor_id = s.id" COHORT_WHERE(ORG)

/* Appointments whose local date is in the period. */
#define Q_APPOINTMENTS(ORG) \
	"SELECT coalesce(sum((a.status = 'attended' AND a.interpreter_needed = 1)::int), 0)," \
	" coalesce(sum((a.status = 'attended' AND a.interpreter_needed = 1" \
	" AND a.interpreter_provided = 1)::int), 0)," \
	" coalesce(sum((a.status IN ('attended', 'did_not_attend'))::int), 0)," \
	" coalesce(sum((a.status = 'did_not_attend')::int), 0)," \
	" coalesce(sum((a.status = 'cancelled' AND a.cancelled_by IN ('third_party', 'unknown'))::int), 0)," \
	" coalesce(sum((a.status = 'attended')::int), 0)" \
	" FROM appointments a WHERE " ORG("a") \
	" AND a.starts_at >= $from_at AND a.starts_at < $to_at"

#define Q_REFUSALS(ORG) \
	"SELECT r.refusal_reason, count(*) FROM registrations r" \
	" WHERE " ORG("r") " AND" IN_PERIOD("r.refused_on") \
	" GROUP BY r.refusal_reason"

/* Medications in use at some time in the period. */
#define Q_MEDICATIONS(ORG) \
	"SELECT count(*), coalesce(sum((m.explained = 1)::int), 0)," \
	" coalesce(sum((m.explained = 1 AND m.explained_in_own_language = 1)::int), 0)" \
	" FROM medications m WHERE " ORG("m") \
	" AND (m.started_on IS NULL OR m.started_on <= $to)" \
	" AND (m.stopped_on IS NULL OR m.stopped_on >= $from)"

#define Q_NRM(ORG) \
	"SELECT coalesce(sum((n.referred_on BETWEEN $from AND $to)::int), 0)," \
	" coalesce(sum((n.rg_outcome = 'positive'" \
	" AND (n.cg_decision_on IS NULL OR n.cg_decision_on > $to)" \
	" AND $to - n.rg_decision_on >= 365)::int), 0)" \
	" FROM nrm n WHERE " ORG("n")

/* Each survivor's first GP registration, when it falls in the period. */
#define Q_DAYS_TO_GP(ORG) \
	"SELECT s.entered_service_on, min(r.registered_on) FROM registrations r" \
	" JOIN survivors s ON s.id = r.survivor_id" \
	" WHERE " ORG("r") " AND" OWN("gp") " AND r.registered_on IS NOT NULL" \
	" GROUP BY r.survivor_id, s.entered_service_on HAVING min(r.registered_on) BETWEEN $from AND $to"

#define Q_MH_WAIT(ORG) \
	"SELECT f.first_seen_on - f.sent_on FROM referrals f" \
	" WHERE " ORG("f") " AND f.service IN " THERAPY \
	" AND" IN_PERIOD("f.first_seen_on") " AND f.sent_on IS NOT NULL"

#define Q_DECISION(ORG, col) \
	"SELECT n." col " - n.referred_on FROM nrm n" \
	" WHERE " ORG("n") " AND" IN_PERIOD("n." col) " AND n.referred_on IS NOT NULL"

enum rq {
	RQ_COHORT,
	RQ_COHORT_MORE,
	RQ_PLANS,
	RQ_APPOINTMENTS,
	RQ_REFUSALS,
	RQ_MEDICATIONS,
	RQ_NRM,
	RQ_DAYS_TO_GP,
	RQ_MH_WAIT,
	RQ_RG_DAYS,
	RQ_CG_DAYS,
	RQ_COUNT
};

#define REPORT_SQL(ORG) { \
	Q_COHORT(ORG), Q_COHORT_MORE(ORG), Q_PLANS(ORG), Q_APPOINTMENTS(ORG), Q_REFUSALS(ORG), \
	Q_MEDICATIONS(ORG), Q_NRM(ORG), Q_DAYS_TO_GP(ORG), Q_MH_WAIT(ORG), \
	Q_DECISION(ORG, "rg_decision_on"), Q_DECISION(ORG, "cg_decision_on")}

/* [0]: one organisation; [1]: every organisation. */
static const char *const report_sql[2][RQ_COUNT] = {REPORT_SQL(ONE_ORG), REPORT_SQL(ALL_ORGS)};

/* clang-format on */

/* The period's parameters as the statements name them. */
struct params {
	const char *org; /* NULL: every organisation */
	const struct report_span *p;
	char from_text[DATE_TEXT_LEN], to_text[DATE_TEXT_LEN];
};

static void set_int(pq_stmt *s, const char *name, int64_t v)
{
	int i = pq_bind_parameter_index(s, name);
	if (i > 0)
		pq_bind_int64(s, i, v);
}

static void set_text(pq_stmt *s, const char *name, const char *v)
{
	int i = pq_bind_parameter_index(s, name);
	if (i > 0)
		pq_bind_text(s, i, v, -1, PQ_STATIC);
}

/* Resets s and binds the period (and organisation) of pa. */
static void bind_period(pq_stmt *s, struct params *pa, const struct report_span *p)
{
	pq_reset(s);
	pq_clear_bindings(s);
	pa->p = p;
	date_format(p->from, pa->from_text);
	date_format(p->to, pa->to_text);
	if (pa->org)
		set_text(s, "$org", pa->org);
	set_int(s, "$from", p->from);
	set_int(s, "$to", p->to);
	set_int(s, "$from_at", p->from_at);
	set_int(s, "$to_at", p->to_at);
	set_text(s, "$from_text", pa->from_text);
	set_text(s, "$to_text", pa->to_text);
}

static wm_err step_error(int rc)
{
	(void)rc;
	return WM_ERR_IO;
}

/* Steps a one-row statement and reads its columns into cols[0..n). */
static wm_err one_row(pq_stmt *s, int64_t *cols, int n)
{
	int rc = pq_step(s);
	if (rc != PQ_ROW)
		return step_error(rc);
	for (int i = 0; i < n; i++)
		cols[i] = pq_column_int64(s, i);
	return WM_OK;
}

/* The cohort's month figures (report_month_figures) into r. */
static wm_err count_cohort(pq_stmt *s, struct params *pa, const struct report_span *p,
			   struct report_raw *r)
{
	bind_period(s, pa, p);
	int64_t c[5];
	wm_err e = one_row(s, c, 5);
	if (e != WM_OK)
		return e;
	r->num[RF_COHORT] = c[0];
	r->num[RF_ENTERED] = c[1];
	r->num[RF_GP_REGISTERED] = c[2];
	r->num[RF_ACCESSED_HEALTH] = c[3];
	r->num[RF_LINKED] = c[4];
	r->den[RF_GP_REGISTERED] = r->den[RF_ACCESSED_HEALTH] = r->den[RF_LINKED] = c[0];
	return WM_OK;
}

static wm_err count_cohort_more(pq_stmt *s, struct params *pa, struct report_raw *r)
{
	bind_period(s, pa, pa->p);
	int64_t c[15];
	wm_err e = one_row(s, c, 15);
	if (e != WM_OK)
		return e;
	int64_t cohort = r->num[RF_COHORT];
	r->num[RF_ANTIDEPRESSANT] = c[0];
	r->num[RF_DENTAL_REGISTERED] = c[1];
	r->den[RF_DENTAL_REGISTERED] = cohort;
	/* Goals: survivors with one of the domain; of them, with one met. */
	static const enum report_fig set[] = {RF_HOUSING_GOAL_SET, RF_SAFETY_GOAL_SET,
					      RF_PURPOSE_GOAL_SET, RF_EDUCATION_GOAL_SET};
	for (int i = 0; i < 4; i++) {
		r->num[set[i]] = c[2 + 2 * i];
		r->num[set[i] + 1] = c[3 + 2 * i]; /* the _MET figure follows its _SET */
		r->den[set[i] + 1] = c[2 + 2 * i];
	}
	r->num[RF_HOUSING_LINKED] = c[10];
	r->num[RF_VOLUNTEERING_LINKED] = c[11];
	r->num[RF_EDUCATION_LINKED] = c[12];
	r->num[RF_NO_ADVOCATE_CHANGE] = c[13];
	r->den[RF_NO_ADVOCATE_CHANGE] = cohort;
	r->num[RF_ADVOCATE_CHANGES] = c[14];
	return WM_OK;
}

/* Plans in place, and reviewed on time, judged on `to` or on the day the
 * survivor left if earlier, as the alert rule review_overdue judges. */
static wm_err count_plans(pq_stmt *s, struct params *pa, struct report_raw *r)
{
	bind_period(s, pa, pa->p);
	int rc;
	r->den[RF_PLAN_IN_PLACE] = r->num[RF_COHORT];
	while ((rc = pq_step(s)) == PQ_ROW) {
		int day = pa->p->to, closed, last;
		const char *closed_on = (const char *)pq_column_text(s, 0);
		if (closed_on && date_parse(closed_on, &closed) && closed < day)
			day = closed;
		int64_t at;
		const char *created = (const char *)pq_column_text(s, 1);
		if (!created || !instant_parse(created, &at) || instant_local_day(at) > day)
			continue; /* no plan yet on that day */
		int every = pq_column_type(s, 2) == PQ_NULL ? 28 : pq_column_int(s, 2);
		last =
		    pq_column_type(s, 3) == PQ_NULL ? instant_local_day(at) : pq_column_int(s, 3);
		r->num[RF_PLAN_IN_PLACE]++;
		r->den[RF_PLAN_ON_TIME]++;
		if (last + every >= day)
			r->num[RF_PLAN_ON_TIME]++;
	}
	return rc == PQ_DONE ? WM_OK : step_error(rc);
}

static wm_err count_appointments(pq_stmt *s, struct params *pa, struct report_raw *r)
{
	bind_period(s, pa, pa->p);
	int64_t c[6];
	wm_err e = one_row(s, c, 6);
	if (e != WM_OK)
		return e;
	r->den[RF_INTERPRETER] = c[0];
	r->num[RF_INTERPRETER] = c[1];
	r->den[RF_DNA] = r->den[RF_APPOINTMENTS_ATTENDED] = c[2];
	r->num[RF_DNA] = c[3];
	r->num[RF_THIRD_PARTY] = c[4];
	r->num[RF_APPOINTMENTS_ATTENDED] = c[5];
	return WM_OK;
}

static wm_err count_refusals(pq_stmt *s, struct params *pa, struct report_raw *r)
{
	bind_period(s, pa, pa->p);
	int rc;
	while ((rc = pq_step(s)) == PQ_ROW) {
		int64_t n = pq_column_int64(s, 1);
		r->by_reason[report_reason_index((const char *)pq_column_text(s, 0))] += n;
		r->num[RF_REFUSALS] += n;
	}
	return rc == PQ_DONE ? WM_OK : step_error(rc);
}

static wm_err count_medications(pq_stmt *s, struct params *pa, struct report_raw *r)
{
	bind_period(s, pa, pa->p);
	int64_t c[3];
	wm_err e = one_row(s, c, 3);
	if (e != WM_OK)
		return e;
	r->den[RF_MEDS_EXPLAINED] = c[0];
	r->num[RF_MEDS_EXPLAINED] = r->den[RF_MEDS_OWN_LANGUAGE] = c[1];
	r->num[RF_MEDS_OWN_LANGUAGE] = c[2];
	return WM_OK;
}

static wm_err count_nrm(pq_stmt *s, struct params *pa, struct report_raw *r)
{
	bind_period(s, pa, pa->p);
	int64_t c[2];
	wm_err e = one_row(s, c, 2);
	if (e != WM_OK)
		return e;
	r->num[RF_NRM_REFERRALS] = c[0];
	r->num[RF_CG_WAITING] = c[1];
	return WM_OK;
}

/* Collects one integer a row into the values of figure f. */
static wm_err collect(pq_stmt *s, struct params *pa, struct report_raw *r, enum report_fig f)
{
	bind_period(s, pa, pa->p);
	int rc;
	while ((rc = pq_step(s)) == PQ_ROW)
		if (!report_values_push(&r->values[f], pq_column_int(s, 0)))
			return WM_ERR_NOMEM;
	return rc == PQ_DONE ? WM_OK : step_error(rc);
}

/* Days from entering service to the first GP registration, at least 0. */
static wm_err collect_days_to_gp(pq_stmt *s, struct params *pa, struct report_raw *r)
{
	bind_period(s, pa, pa->p);
	int rc;
	while ((rc = pq_step(s)) == PQ_ROW) {
		int entered;
		const char *t = (const char *)pq_column_text(s, 0);
		if (!t || !date_parse(t, &entered))
			continue;
		int days = pq_column_int(s, 1) - entered;
		if (!report_values_push(&r->values[RF_DAYS_TO_GP], days < 0 ? 0 : days))
			return WM_ERR_NOMEM;
	}
	return rc == PQ_DONE ? WM_OK : step_error(rc);
}

static wm_err count_all(pq_stmt *const *q, struct params *pa, const struct report_span *period,
			struct report_raw *out, const struct report_span *months, size_t nmonths,
			struct report_raw *month_out)
{
	wm_err e = count_cohort(q[RQ_COHORT], pa, period, out);
	if (e == WM_OK)
		e = count_cohort_more(q[RQ_COHORT_MORE], pa, out);
	if (e == WM_OK)
		e = count_plans(q[RQ_PLANS], pa, out);
	if (e == WM_OK)
		e = count_appointments(q[RQ_APPOINTMENTS], pa, out);
	if (e == WM_OK)
		e = count_refusals(q[RQ_REFUSALS], pa, out);
	if (e == WM_OK)
		e = count_medications(q[RQ_MEDICATIONS], pa, out);
	if (e == WM_OK)
		e = count_nrm(q[RQ_NRM], pa, out);
	if (e == WM_OK)
		e = collect_days_to_gp(q[RQ_DAYS_TO_GP], pa, out);
	if (e == WM_OK)
		e = collect(q[RQ_MH_WAIT], pa, out, RF_MH_WAIT);
	if (e == WM_OK)
		e = collect(q[RQ_RG_DAYS], pa, out, RF_RG_DAYS);
	if (e == WM_OK)
		e = collect(q[RQ_CG_DAYS], pa, out, RF_CG_DAYS);
	for (size_t i = 0; e == WM_OK && i < nmonths; i++)
		e = count_cohort(q[RQ_COHORT], pa, &months[i], &month_out[i]);
	return e;
}

wm_err pg_report_outcomes(struct pg_store *st, bool all_orgs, const char *org_id,
			  const struct report_span *period, struct report_raw *out,
			  const struct report_span *months, size_t nmonths,
			  struct report_raw *month_out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < nmonths; i++)
		memset(&month_out[i], 0, sizeof month_out[i]);
	/* Fails closed: no organisation is never "every organisation". */
	bool one = org_id && org_id[0];
	if (one == all_orgs)
		return WM_ERR_INVALID;
	struct params pa = {.org = one ? org_id : NULL, .p = period};
	struct conn *c;
	struct pq_db *db = pg_acquire(st, &c);
	pq_stmt *q[RQ_COUNT] = {0};
	wm_err e = WM_OK;
	for (int i = 0; e == WM_OK && i < RQ_COUNT; i++)
		if (!(q[i] = pq_prepare(db, report_sql[one ? 0 : 1][i], false)))
			e = WM_ERR_NOMEM;
	/* One read transaction, of one snapshot: every figure counts the same
	 * moment. */
	if (e == WM_OK && pq_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != PQ_OK)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		e = count_all(q, &pa, period, out, months, nmonths, month_out);
		for (int i = 0; i < RQ_COUNT; i++)
			pq_reset(q[i]);
		if (e != WM_OK)
			log_info("a report statement failed (SQLSTATE %s)", db->sqlstate);
		/* Never hand the connection back inside a transaction. */
		if (pq_exec(db, "COMMIT") != PQ_OK)
			pq_exec(db, "ROLLBACK");
	}
	for (int i = 0; i < RQ_COUNT; i++)
		pq_finalize(q[i]);
	pg_release(st, c);
	if (e != WM_OK)
		report_raw_clear(out);
	return e;
}
