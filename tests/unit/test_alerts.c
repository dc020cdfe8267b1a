/* Unit tests for domain/alerts: every rule of spec alerts.md at its
 * boundaries (the day before it fires, the day it fires, the last day it
 * fires and the day it stops), one alert per item, due days, the order of
 * the list, and the names, actions and messages of the rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "domain/alerts.h"
#include "domain/date.h"

#define NO	     ALERT_NO_DAY
#define YMD(y, m, d) date_from_ymd(y, m, d)
#define N(a)	     (sizeof(a) / sizeof((a)[0]))
#define E	     YMD(2026, 3, 2) /* entered the service, a Monday */

static struct alert_record survivor(void)
{
	return (struct alert_record){
	    .survivor_id = "s1", .active = true, .entered_service_on = E, .pregnant = FLAG_ABSENT};
}

static struct alert_registration registration(const char *id, const char *service, int person,
					      int registered_on, int refused_on)
{
	return (struct alert_registration){.id = id,
					   .version = 3,
					   .service = service,
					   .person = person,
					   .registered_on = registered_on,
					   .refused_on = refused_on};
}

static struct alert_appointment appointment(const char *id, const char *kind, int day,
					    const char *status)
{
	return (struct alert_appointment){.id = id,
					  .version = 2,
					  .kind = kind,
					  .day = day,
					  .status = status,
					  .needed = FLAG_ABSENT,
					  .booked = FLAG_ABSENT,
					  .provided = FLAG_ABSENT};
}

static struct alert_referral referral(const char *id, const char *service, int sent_on)
{
	return (struct alert_referral){.id = id,
				       .version = 4,
				       .service = service,
				       .sent_on = sent_on,
				       .accepted_on = NO,
				       .first_seen_on = NO,
				       .rejected_on = NO,
				       .closed_on = NO};
}

static struct alert_medication medication(const char *id, const char *category, int started_on)
{
	return (struct alert_medication){.id = id,
					 .version = 5,
					 .category = category,
					 .started_on = started_on,
					 .stopped_on = NO,
					 .explained = FLAG_ABSENT,
					 .explained_in_own_language = FLAG_ABSENT};
}

static struct alert_nrm nrm(int referred_on)
{
	return (struct alert_nrm){.id = "nrm1",
				  .version = 6,
				  .referred_on = referred_on,
				  .rg_decision_on = NO,
				  .cg_decision_on = NO};
}

static struct alert_asylum asylum(int claimed_on)
{
	return (struct alert_asylum){.id = "asy1",
				     .version = 7,
				     .claimed_on = claimed_on,
				     .legal_representative = FLAG_ABSENT};
}

/* How many alerts of rule the record raises on day in calendar cal; the
 * first of them into *first when asked. */
static int count_in(const struct alert_record *r, int day, const struct workdays *cal,
		    enum alert_rule rule, struct alert *first)
{
	struct alert_list l = {0};
	assert_int_equal(alerts_evaluate(r, day, cal, &l), WM_OK);
	int n = 0;
	for (size_t i = 0; i < l.n; i++) {
		const struct alert *a = &l.items[i];
		/* Every alert names its item exactly when its rule is per item. */
		assert_int_equal(a->item_id[0] != '\0', alert_rule_per_item(a->rule));
		if (!alert_rule_per_item(a->rule))
			assert_int_equal(a->item_version, 0);
		assert_ptr_equal(a->survivor_id, r->survivor_id);
		if (a->rule != rule)
			continue;
		if (n++ == 0 && first)
			*first = *a;
	}
	alert_list_free(&l);
	return n;
}

static int count(const struct alert_record *r, int day, enum alert_rule rule)
{
	return count_in(r, day, NULL, rule, NULL);
}

static struct alert one(const struct alert_record *r, int day, enum alert_rule rule)
{
	struct alert a;
	assert_int_equal(count_in(r, day, NULL, rule, &a), 1);
	return a;
}

/* The rule raises nothing the day before first, one alert from first to
 * last (NO: it does not stop by itself), and nothing the day after last. */
static void window(const struct alert_record *r, enum alert_rule rule, int first, int last)
{
	assert_int_equal(count(r, first - 1, rule), 0);
	assert_int_equal(count(r, first, rule), 1);
	if (last == NO) {
		assert_int_equal(count(r, first + 1000, rule), 1);
		return;
	}
	assert_int_equal(count(r, last, rule), 1);
	assert_int_equal(count(r, last + 1, rule), 0);
}

static void gp_unregistered(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	window(&r, RULE_GP_UNREGISTERED, E + 14, NO);
	struct alert a = one(&r, E + 14, RULE_GP_UNREGISTERED);
	assert_int_equal(a.due_on, E + 14);
	assert_int_equal(a.severity, ALERT_HIGH);
	assert_string_equal(a.item_id, "");

	/* A dependant's registration, a refusal, a dentist: none counts. */
	struct alert_registration regs[] = {registration("g1", "gp", 1, E + 1, NO),
					    registration("g2", "gp", 0, NO, E + 2),
					    registration("g3", "dental", 0, E + 3, NO)};
	r.registrations = regs;
	r.nregistrations = N(regs);
	assert_int_equal(count(&r, E + 20, RULE_GP_UNREGISTERED), 1);

	/* Registered on E + 20: it stops that day. */
	regs[1] = registration("g2", "gp", 0, E + 20, NO);
	window(&r, RULE_GP_UNREGISTERED, E + 14, E + 19);

	/* Without the date the survivor entered the service, no judgement. */
	r.registrations = NULL;
	r.nregistrations = 0;
	r.entered_service_on = NO;
	assert_int_equal(count(&r, E + 100, RULE_GP_UNREGISTERED), 0);
}

static void dependant_gp_unregistered(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	r.dependants = 3;
	struct alert_registration regs[] = {registration("g1", "gp", 1, E + 1, NO),
					    registration("g2", "gp", 2, E + 30, NO),
					    registration("g3", "gp", 0, E + 1, NO)};
	r.registrations = regs;
	r.nregistrations = N(regs);
	assert_int_equal(count(&r, E + 13, RULE_DEPENDANT_GP_UNREGISTERED), 0);
	/* One alert per dependant not registered: the 2nd until E + 30, the 3rd. */
	struct alert a;
	assert_int_equal(count_in(&r, E + 14, NULL, RULE_DEPENDANT_GP_UNREGISTERED, &a), 2);
	assert_string_equal(a.item_id, "dependant:2");
	assert_int_equal(a.item_version, 0);
	assert_int_equal(a.due_on, E + 14);
	assert_int_equal(a.severity, ALERT_HIGH);
	assert_int_equal(count(&r, E + 29, RULE_DEPENDANT_GP_UNREGISTERED), 2);
	a = one(&r, E + 30, RULE_DEPENDANT_GP_UNREGISTERED);
	assert_string_equal(a.item_id, "dependant:3");
	/* The survivor's own registration is theirs alone. */
	assert_int_equal(count(&r, E + 30, RULE_GP_UNREGISTERED), 0);
}

static void dental_unregistered(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	struct alert_registration regs[] = {registration("d1", "dental", 0, E + 70, NO)};
	r.registrations = regs;
	r.nregistrations = N(regs);
	window(&r, RULE_DENTAL_UNREGISTERED, E + 56, E + 69);
	struct alert a = one(&r, E + 56, RULE_DENTAL_UNREGISTERED);
	assert_int_equal(a.due_on, E + 56);
	assert_int_equal(a.severity, ALERT_LOW);
}

static void antenatal_missing(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	assert_int_equal(count(&r, E, RULE_ANTENATAL_MISSING), 0); /* not known to be pregnant */
	r.pregnant = FLAG_FALSE;
	assert_int_equal(count(&r, E + 30, RULE_ANTENATAL_MISSING), 0);
	r.pregnant = FLAG_TRUE;
	/* No day from which it fires: from the first day, due a week in. */
	struct alert a = one(&r, E, RULE_ANTENATAL_MISSING);
	assert_int_equal(a.due_on, E + 7);
	assert_int_equal(a.severity, ALERT_HIGH);

	/* A cancelled maternity appointment is no care; any other status is. */
	struct alert_appointment appts[] = {appointment("a1", "maternity", E + 3, "cancelled"),
					    appointment("a2", "gp", E + 3, "scheduled")};
	r.appointments = appts;
	r.nappointments = N(appts);
	assert_int_equal(count(&r, E + 1, RULE_ANTENATAL_MISSING), 1);
	appts[1] = appointment("a2", "maternity", E + 20, "scheduled");
	assert_int_equal(count(&r, E + 1, RULE_ANTENATAL_MISSING), 0);
	appts[1].status = "did_not_attend";
	assert_int_equal(count(&r, E + 1, RULE_ANTENATAL_MISSING), 0);

	/* A maternity registration counts from its day. */
	r.nappointments = 0;
	struct alert_registration regs[] = {registration("m1", "maternity", 0, E + 10, NO)};
	r.registrations = regs;
	r.nregistrations = N(regs);
	assert_int_equal(count(&r, E + 9, RULE_ANTENATAL_MISSING), 1);
	assert_int_equal(count(&r, E + 10, RULE_ANTENATAL_MISSING), 0);
}

static void registration_refused(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	int R = E + 3;
	struct alert_registration regs[] = {registration("g1", "gp", 0, NO, R),
					    registration("g2", "dental", 0, R + 5, NO),
					    registration("g3", "gp", 1, R + 5, NO)};
	r.registrations = regs;
	r.nregistrations = N(regs);
	/* Another service's or another person's registration does not settle it. */
	window(&r, RULE_REGISTRATION_REFUSED, R, NO);
	struct alert a = one(&r, R, RULE_REGISTRATION_REFUSED);
	assert_int_equal(a.due_on, R + 7);
	assert_int_equal(a.severity, ALERT_MEDIUM);
	assert_string_equal(a.item_id, "g1");
	assert_int_equal(a.item_version, 3);

	/* A later refusal supersedes it: one alert, for the later one. */
	regs[1] = registration("g2", "gp", 0, NO, R + 5);
	assert_int_equal(count(&r, R + 4, RULE_REGISTRATION_REFUSED), 1);
	a = one(&r, R + 5, RULE_REGISTRATION_REFUSED);
	assert_string_equal(a.item_id, "g2");
	assert_int_equal(a.due_on, R + 12);

	/* Two refusals on one day both stand. */
	regs[1] = registration("g2", "gp", 0, NO, R);
	assert_int_equal(count(&r, R, RULE_REGISTRATION_REFUSED), 2);

	/* A success, even the same day, settles it. */
	regs[1] = registration("g2", "gp", 0, R, NO);
	assert_int_equal(count(&r, R + 30, RULE_REGISTRATION_REFUSED), 0);
	/* It counts from its own day: with D before it, the refusal stands. */
	regs[1] = registration("g2", "gp", 0, R + 10, NO);
	window(&r, RULE_REGISTRATION_REFUSED, R, R + 9);
	/* One before the refusal does not. */
	regs[1] = registration("g2", "gp", 0, R - 1, NO);
	assert_int_equal(count(&r, R + 30, RULE_REGISTRATION_REFUSED), 1);

	/* A dependant's refusal is one alert of its own. */
	regs[2] = registration("g3", "gp", 1, NO, R + 1);
	assert_int_equal(count(&r, R + 1, RULE_REGISTRATION_REFUSED), 2);
}

static void interpreter_not_booked(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	int A = E + 40;
	struct alert_appointment appts[] = {appointment("a1", "gp", A, "scheduled")};
	appts[0].needed = FLAG_TRUE;
	r.appointments = appts;
	r.nappointments = N(appts);
	/* Within [D, D + 14]: from A - 14 to the day itself. */
	window(&r, RULE_INTERPRETER_NOT_BOOKED, A - 14, A);
	struct alert a = one(&r, A - 14, RULE_INTERPRETER_NOT_BOOKED);
	assert_int_equal(a.due_on, A);
	assert_int_equal(a.severity, ALERT_HIGH);
	assert_string_equal(a.item_id, "a1");
	assert_int_equal(a.item_version, 2);

	appts[0].booked = FLAG_TRUE;
	assert_int_equal(count(&r, A, RULE_INTERPRETER_NOT_BOOKED), 0);
	appts[0].booked = FLAG_FALSE;
	assert_int_equal(count(&r, A, RULE_INTERPRETER_NOT_BOOKED), 1);

	/* With no interpreter information, the survivor's languages decide. */
	appts[0] = appointment("a1", "gp", A, "scheduled");
	assert_int_equal(count(&r, A, RULE_INTERPRETER_NOT_BOOKED), 0);
	r.language_interpreter = true;
	assert_int_equal(count(&r, A, RULE_INTERPRETER_NOT_BOOKED), 1);
	/* Either is enough: the spec reads "the appointment says so, or". */
	appts[0].needed = FLAG_FALSE;
	assert_int_equal(count(&r, A, RULE_INTERPRETER_NOT_BOOKED), 1);

	/* Only a scheduled appointment. */
	appts[0].status = "cancelled";
	appts[0].cancelled_by = "survivor";
	assert_int_equal(count(&r, A, RULE_INTERPRETER_NOT_BOOKED), 0);
}

static void interpreter_not_provided(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	int A = E + 40;
	struct alert_appointment appts[] = {appointment("a1", "dental", A, "attended")};
	appts[0].needed = FLAG_TRUE;
	appts[0].booked = FLAG_TRUE;
	r.appointments = appts;
	r.nappointments = N(appts);
	/* Within the last 30 days: A <= D < A + 30. Absent "provided" is not true. */
	window(&r, RULE_INTERPRETER_NOT_PROVIDED, A, A + 29);
	struct alert a = one(&r, A, RULE_INTERPRETER_NOT_PROVIDED);
	assert_int_equal(a.due_on, A + 7);
	assert_int_equal(a.severity, ALERT_MEDIUM);
	assert_string_equal(a.item_id, "a1");

	appts[0].provided = FLAG_FALSE;
	assert_int_equal(count(&r, A + 1, RULE_INTERPRETER_NOT_PROVIDED), 1);
	appts[0].provided = FLAG_TRUE;
	assert_int_equal(count(&r, A + 1, RULE_INTERPRETER_NOT_PROVIDED), 0);

	/* Not needed: nothing; needed by the survivor's language: fires. */
	appts[0] = appointment("a1", "dental", A, "attended");
	assert_int_equal(count(&r, A + 1, RULE_INTERPRETER_NOT_PROVIDED), 0);
	r.language_interpreter = true;
	assert_int_equal(count(&r, A + 1, RULE_INTERPRETER_NOT_PROVIDED), 1);
	appts[0].status = "did_not_attend";
	assert_int_equal(count(&r, A + 1, RULE_INTERPRETER_NOT_PROVIDED), 0);
}

static void third_party_cancellation(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	int A = E + 40;
	struct alert_appointment appts[] = {appointment("a1", "gp", A, "cancelled"),
					    appointment("a2", "gp", A + 1, "cancelled"),
					    appointment("a3", "gp", A + 2, "scheduled")};
	appts[0].cancelled_by = "third_party";
	appts[1].cancelled_by = "survivor";
	r.appointments = appts;
	r.nappointments = N(appts);
	/* Starting within the last 30 days or later: up to D = A + 29. */
	assert_int_equal(count(&r, A - 365, RULE_THIRD_PARTY_CANCELLATION), 1);
	assert_int_equal(count(&r, A, RULE_THIRD_PARTY_CANCELLATION), 1);
	assert_int_equal(count(&r, A + 29, RULE_THIRD_PARTY_CANCELLATION), 1);
	assert_int_equal(count(&r, A + 30, RULE_THIRD_PARTY_CANCELLATION), 0);
	struct alert a = one(&r, A + 10, RULE_THIRD_PARTY_CANCELLATION);
	assert_int_equal(a.due_on, A + 10); /* due D */
	assert_int_equal(a.severity, ALERT_CRITICAL);
	assert_string_equal(a.item_id, "a1");

	/* Unknown counts too: one alert per appointment. */
	appts[1].cancelled_by = "unknown";
	assert_int_equal(count(&r, A + 5, RULE_THIRD_PARTY_CANCELLATION), 2);
	for (size_t i = 0; i < 2; i++)
		appts[i].cancelled_by = i ? "provider" : "advocate";
	assert_int_equal(count(&r, A + 5, RULE_THIRD_PARTY_CANCELLATION), 0);
}

static void repeated_non_attendance(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	int X = E + 40;
	struct alert_appointment appts[] = {
	    appointment("a1", "gp", X, "did_not_attend"),
	    appointment("a2", "gp", X + 10, "did_not_attend"),
	    appointment("a3", "gp", X + 5, "attended"),
	    appointment("a4", "gp", X + 7, "cancelled"),
	};
	appts[3].cancelled_by = "survivor";
	r.appointments = appts;
	r.nappointments = N(appts);
	/* Two within the last 60 days: from the second (X + 10) until the
	 * first is 60 days old (D - 60 < X, so D <= X + 59). */
	window(&r, RULE_REPEATED_NON_ATTENDANCE, X + 10, X + 59);
	struct alert a = one(&r, X + 10, RULE_REPEATED_NON_ATTENDANCE);
	assert_int_equal(a.due_on, X + 12);
	assert_int_equal(a.severity, ALERT_HIGH);
	assert_string_equal(a.item_id, "");

	/* Three: still one alert, due two days after the latest. */
	appts[2].status = "did_not_attend";
	a = one(&r, X + 20, RULE_REPEATED_NON_ATTENDANCE);
	assert_int_equal(a.due_on, X + 12);
	/* One in the future is not yet missed. */
	appts[1].day = X + 30;
	a = one(&r, X + 20, RULE_REPEATED_NON_ATTENDANCE);
	assert_int_equal(a.due_on, X + 7);
}

static void plan_missing_and_review_overdue(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	window(&r, RULE_PLAN_MISSING, E + 7, NO);
	struct alert a = one(&r, E + 7, RULE_PLAN_MISSING);
	assert_int_equal(a.due_on, E + 7);
	assert_int_equal(a.severity, ALERT_MEDIUM);
	assert_string_equal(a.item_id, "");

	int C = E + 5;
	struct alert_plan plan = {.id = "p1",
				  .version = 8,
				  .created_on = C,
				  .review_every_days = 28,
				  .last_review_on = NO};
	r.plan = &plan;
	assert_int_equal(count(&r, E + 100, RULE_PLAN_MISSING), 0);
	/* base + review_every_days < D: from the day after it. */
	window(&r, RULE_REVIEW_OVERDUE, C + 29, NO);
	a = one(&r, C + 29, RULE_REVIEW_OVERDUE);
	assert_int_equal(a.due_on, C + 28);
	assert_int_equal(a.severity, ALERT_MEDIUM);
	assert_string_equal(a.item_id, "p1");
	assert_int_equal(a.item_version, 8);

	/* The latest review counts, with the plan's own interval. */
	plan.last_review_on = C + 20;
	plan.review_every_days = 14;
	window(&r, RULE_REVIEW_OVERDUE, C + 35, NO);
	assert_int_equal(one(&r, C + 35, RULE_REVIEW_OVERDUE).due_on, C + 34);
}

static void referral_no_response(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	int S = E + 10;
	struct alert_referral refs[] = {referral("r1", "housing", S), referral("r2", "legal", NO)};
	r.referrals = refs;
	r.nreferrals = N(refs);
	/* r2 has no sent_on: it cannot be judged. */
	window(&r, RULE_REFERRAL_NO_RESPONSE, S + 28, NO);
	struct alert a = one(&r, S + 28, RULE_REFERRAL_NO_RESPONSE);
	assert_int_equal(a.due_on, S + 28);
	assert_int_equal(a.severity, ALERT_MEDIUM);
	assert_string_equal(a.item_id, "r1");
	assert_int_equal(a.item_version, 4);

	/* One per referral. */
	refs[1] = referral("r2", "legal", S + 1);
	assert_int_equal(count(&r, S + 29, RULE_REFERRAL_NO_RESPONSE), 2);

	/* Any response ends it. */
	int *responses[] = {&refs[0].accepted_on, &refs[0].first_seen_on, &refs[0].rejected_on,
			    &refs[0].closed_on};
	for (size_t i = 0; i < N(responses); i++) {
		*responses[i] = S + 20;
		assert_int_equal(count(&r, S + 40, RULE_REFERRAL_NO_RESPONSE), 1);
		*responses[i] = NO;
	}
}

static void mental_health_wait(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	int S = E + 10;
	struct alert_referral refs[] = {referral("r1", "talking_therapy", S),
					referral("r2", "housing", S)};
	refs[0].accepted_on = S + 3; /* accepted, still not seen */
	r.referrals = refs;
	r.nreferrals = N(refs);
	window(&r, RULE_MENTAL_HEALTH_WAIT, S + 42, NO);
	struct alert a = one(&r, S + 42, RULE_MENTAL_HEALTH_WAIT);
	assert_int_equal(a.due_on, S + 42);
	assert_int_equal(a.severity, ALERT_HIGH);
	assert_string_equal(a.item_id, "r1");

	const char *services[] = {"mental_health", "ptsd_clinic", "counselling"};
	for (size_t i = 0; i < N(services); i++) {
		refs[1].service = services[i];
		assert_int_equal(count(&r, S + 42, RULE_MENTAL_HEALTH_WAIT), 2);
	}
	refs[1].service = "housing";

	refs[0].first_seen_on = S + 50;
	assert_int_equal(count(&r, S + 45, RULE_MENTAL_HEALTH_WAIT), 0);
	refs[0].first_seen_on = NO;
	refs[0].closed_on = S + 30;
	assert_int_equal(count(&r, S + 45, RULE_MENTAL_HEALTH_WAIT), 0);
	refs[0].closed_on = NO;
	refs[0].accepted_on = NO;
	refs[0].rejected_on = S + 30;
	assert_int_equal(count(&r, S + 45, RULE_MENTAL_HEALTH_WAIT), 0);
}

static void medication_without_therapy(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	int M = E + 10;
	struct alert_medication meds[] = {medication("m1", "antidepressant", M),
					  medication("m2", "analgesic", M)};
	meds[0].stopped_on = M + 40;
	r.medications = meds;
	r.nmedications = N(meds);
	/* From started_on + 28; stopped by D from the day it stops. */
	window(&r, RULE_MEDICATION_WITHOUT_THERAPY, M + 28, M + 39);
	struct alert a = one(&r, M + 28, RULE_MEDICATION_WITHOUT_THERAPY);
	assert_int_equal(a.due_on, M + 28);
	assert_int_equal(a.severity, ALERT_MEDIUM);
	assert_string_equal(a.item_id, "m1");
	assert_int_equal(a.item_version, 5);

	/* A referral to therapy sent on or before D ends it; another service
	 * does not. */
	meds[0].stopped_on = NO;
	struct alert_referral refs[] = {referral("r1", "legal", M),
					referral("r2", "counselling", M + 30)};
	r.referrals = refs;
	r.nreferrals = N(refs);
	window(&r, RULE_MEDICATION_WITHOUT_THERAPY, M + 28, M + 29);

	/* Without a start, it cannot be judged. */
	r.nreferrals = 0;
	meds[0].started_on = NO;
	assert_int_equal(count(&r, M + 100, RULE_MEDICATION_WITHOUT_THERAPY), 0);
}

static void medication_not_explained(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	int M = E + 10;
	struct alert_medication meds[] = {medication("m1", "hypnotic", M)};
	r.medications = meds;
	r.nmedications = N(meds);
	/* "explained" absent is lack of data. */
	assert_int_equal(count(&r, M, RULE_MEDICATION_NOT_EXPLAINED), 0);

	meds[0].explained = FLAG_FALSE;
	meds[0].stopped_on = M + 30;
	/* No day from which it fires (a planned course is explained before
	 * it starts); it stops the day the medication does. */
	assert_int_equal(count(&r, M - 10, RULE_MEDICATION_NOT_EXPLAINED), 1);
	assert_int_equal(count(&r, M + 29, RULE_MEDICATION_NOT_EXPLAINED), 1);
	assert_int_equal(count(&r, M + 30, RULE_MEDICATION_NOT_EXPLAINED), 0);
	struct alert a = one(&r, M, RULE_MEDICATION_NOT_EXPLAINED);
	assert_int_equal(a.due_on, M);
	assert_int_equal(a.severity, ALERT_MEDIUM);
	assert_string_equal(a.item_id, "m1");

	/* Explained, but not in their own language: only when a language of
	 * theirs needs an interpreter. */
	meds[0].stopped_on = NO;
	meds[0].explained = FLAG_TRUE;
	meds[0].explained_in_own_language = FLAG_FALSE;
	assert_int_equal(count(&r, M, RULE_MEDICATION_NOT_EXPLAINED), 0);
	r.language_interpreter = true;
	assert_int_equal(count(&r, M, RULE_MEDICATION_NOT_EXPLAINED), 1);
	meds[0].explained_in_own_language = FLAG_ABSENT;
	assert_int_equal(count(&r, M, RULE_MEDICATION_NOT_EXPLAINED), 0);
	meds[0].explained_in_own_language = FLAG_FALSE;
	meds[0].started_on = NO;
	assert_int_equal(count(&r, M, RULE_MEDICATION_NOT_EXPLAINED), 0);
}

static void rg_decision_overdue(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	/* Referred Wednesday 27 March 2024. Working days after it: Thu 28,
	 * (Good Friday, weekend, Easter Monday), Tue 2, Wed 3, Thu 4, Fri 5
	 * April (the 5th), then Monday 8 April, the 6th. */
	struct alert_nrm n = nrm(YMD(2024, 3, 27));
	r.nrm = &n;
	assert_int_equal(count(&r, YMD(2024, 4, 5), RULE_RG_DECISION_OVERDUE), 0);
	assert_int_equal(count(&r, YMD(2024, 4, 6), RULE_RG_DECISION_OVERDUE), 0);
	assert_int_equal(count(&r, YMD(2024, 4, 7), RULE_RG_DECISION_OVERDUE), 0);
	struct alert a = one(&r, YMD(2024, 4, 8), RULE_RG_DECISION_OVERDUE);
	assert_int_equal(a.due_on, YMD(2024, 4, 5));
	assert_int_equal(a.severity, ALERT_HIGH);
	assert_string_equal(a.item_id, "nrm1");
	assert_int_equal(a.item_version, 6);
	assert_int_equal(count(&r, YMD(2025, 4, 8), RULE_RG_DECISION_OVERDUE), 1);

	/* The organisation closed on Monday 8 April: the 6th is Tuesday 9. */
	const int extra[] = {YMD(2024, 4, 8)};
	const struct workdays org = {extra, 1};
	assert_int_equal(count_in(&r, YMD(2024, 4, 8), &org, RULE_RG_DECISION_OVERDUE, NULL), 0);
	assert_int_equal(count_in(&r, YMD(2024, 4, 9), &org, RULE_RG_DECISION_OVERDUE, &a), 1);
	assert_int_equal(a.due_on, YMD(2024, 4, 5));

	/* Across Christmas 2022: Thu 22 December, then Fri 23, (Boxing Day,
	 * Christmas moved to the 27th) 28, 29, 30, (2 January) Tue 3 January,
	 * the 5th, and Wednesday 4 January, the 6th. */
	n.referred_on = YMD(2022, 12, 22);
	assert_int_equal(count(&r, YMD(2023, 1, 3), RULE_RG_DECISION_OVERDUE), 0);
	a = one(&r, YMD(2023, 1, 4), RULE_RG_DECISION_OVERDUE);
	assert_int_equal(a.due_on, YMD(2023, 1, 3));

	/* A decision ends it; a duty-to-notify report is not a referral. */
	n.rg_decision_on = YMD(2023, 1, 5);
	n.rg_outcome = "positive";
	assert_int_equal(count(&r, YMD(2023, 1, 10), RULE_RG_DECISION_OVERDUE), 0);
	n = nrm(YMD(2024, 3, 27));
	n.duty_to_notify_only = true;
	assert_int_equal(count(&r, YMD(2024, 5, 1), RULE_RG_DECISION_OVERDUE), 0);
}

static void cg_decision_waiting(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	int G = YMD(2024, 6, 3);
	struct alert_nrm n = nrm(G - 10);
	n.rg_decision_on = G;
	n.rg_outcome = "positive";
	r.nrm = &n;
	window(&r, RULE_CG_DECISION_WAITING, G + 45, NO);
	struct alert a = one(&r, G + 45, RULE_CG_DECISION_WAITING);
	assert_int_equal(a.due_on, G + 45);
	assert_int_equal(a.severity, ALERT_MEDIUM);
	assert_string_equal(a.item_id, "nrm1");
	assert_int_equal(one(&r, G + 364, RULE_CG_DECISION_WAITING).severity, ALERT_MEDIUM);
	a = one(&r, G + 365, RULE_CG_DECISION_WAITING);
	assert_int_equal(a.severity, ALERT_HIGH);
	assert_int_equal(a.due_on, G + 45);

	n.cg_decision_on = G + 100;
	n.cg_outcome = "positive";
	assert_int_equal(count(&r, G + 365, RULE_CG_DECISION_WAITING), 0);
	n.cg_decision_on = NO;
	n.cg_outcome = NULL;
	n.rg_outcome = "negative";
	assert_int_equal(count(&r, G + 365, RULE_CG_DECISION_WAITING), 0);
}

static void nrm_support_ending(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	/* A positive CG: support ends 45 days on. */
	int C = YMD(2024, 9, 2);
	struct alert_nrm n = nrm(C - 200);
	n.rg_decision_on = C - 190;
	n.rg_outcome = "positive";
	n.cg_decision_on = C;
	n.cg_outcome = "positive";
	r.nrm = &n;
	window(&r, RULE_NRM_SUPPORT_ENDING, C, C + 45);
	struct alert a = one(&r, C, RULE_NRM_SUPPORT_ENDING);
	assert_int_equal(a.due_on, C + 45);
	assert_int_equal(a.severity, ALERT_HIGH);
	assert_string_equal(a.item_id, "nrm1");

	/* A negative CG: 9 working days. Fri 20 Dec 2024: 23, 24, (25, 26),
	 * 27, 30, 31, (1 Jan), 2, 3, 6, 7 January 2025. */
	n.cg_decision_on = YMD(2024, 12, 20);
	n.cg_outcome = "negative";
	window(&r, RULE_NRM_SUPPORT_ENDING, YMD(2024, 12, 20), YMD(2025, 1, 7));
	assert_int_equal(one(&r, YMD(2024, 12, 20), RULE_NRM_SUPPORT_ENDING).due_on,
			 YMD(2025, 1, 7));

	/* A negative RG: Fri 22 March 2024: 25, 26, 27, 28, (Easter), 2, 3, 4,
	 * 5, 8 April. */
	n = nrm(YMD(2024, 3, 20));
	n.rg_decision_on = YMD(2024, 3, 22);
	n.rg_outcome = "negative";
	window(&r, RULE_NRM_SUPPORT_ENDING, YMD(2024, 3, 22), YMD(2024, 4, 8));
	assert_int_equal(one(&r, YMD(2024, 4, 8), RULE_NRM_SUPPORT_ENDING).due_on, YMD(2024, 4, 8));

	/* A positive RG alone ends nothing. */
	n.rg_outcome = "positive";
	assert_int_equal(count(&r, YMD(2024, 3, 25), RULE_NRM_SUPPORT_ENDING), 0);
}

static void dual_support_gap(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	int D = YMD(2024, 7, 1);
	struct alert_nrm n = nrm(D - 100);
	n.support = "none";
	struct alert_asylum y = asylum(D - 50);
	y.support = "s95";
	y.legal_representative = FLAG_TRUE;
	r.nrm = &n;
	assert_int_equal(count(&r, D, RULE_DUAL_SUPPORT_GAP), 0); /* no asylum claim */
	r.asylum = &y;
	struct alert a = one(&r, D, RULE_DUAL_SUPPORT_GAP);
	assert_int_equal(a.due_on, D);
	assert_int_equal(a.severity, ALERT_MEDIUM);
	assert_string_equal(a.item_id, "");
	assert_int_equal(one(&r, D + 9, RULE_DUAL_SUPPORT_GAP).due_on, D + 9);

	/* Either support "none"; absent is not known to be none. */
	n.support = "victim_care_contract";
	assert_int_equal(count(&r, D, RULE_DUAL_SUPPORT_GAP), 0);
	y.support = "none";
	assert_int_equal(count(&r, D, RULE_DUAL_SUPPORT_GAP), 1);
	n.support = NULL;
	y.support = NULL;
	assert_int_equal(count(&r, D, RULE_DUAL_SUPPORT_GAP), 0);

	/* Out of a process: a negative decision, an asylum outcome. */
	y.support = "none";
	n.rg_decision_on = D - 90;
	n.rg_outcome = "positive";
	assert_int_equal(count(&r, D, RULE_DUAL_SUPPORT_GAP), 1);
	n.cg_decision_on = D - 10;
	n.cg_outcome = "negative";
	assert_int_equal(count(&r, D, RULE_DUAL_SUPPORT_GAP), 0);
	n.cg_outcome = "positive";
	assert_int_equal(count(&r, D, RULE_DUAL_SUPPORT_GAP), 1);
	n.cg_decision_on = NO;
	n.cg_outcome = NULL;
	n.rg_outcome = "negative";
	assert_int_equal(count(&r, D, RULE_DUAL_SUPPORT_GAP), 0);
	n.rg_outcome = "positive";
	y.outcome = "granted";
	assert_int_equal(count(&r, D, RULE_DUAL_SUPPORT_GAP), 0);
	y.outcome = NULL;
	n.duty_to_notify_only = true;
	n.rg_decision_on = NO;
	n.rg_outcome = NULL;
	assert_int_equal(count(&r, D, RULE_DUAL_SUPPORT_GAP), 0);
}

static void asylum_no_legal_representative(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	int Q = YMD(2025, 2, 10);
	struct alert_asylum y = asylum(Q);
	r.asylum = &y;
	window(&r, RULE_ASYLUM_NO_LEGAL_REPRESENTATIVE, Q + 14, NO);
	struct alert a = one(&r, Q + 14, RULE_ASYLUM_NO_LEGAL_REPRESENTATIVE);
	assert_int_equal(a.due_on, Q + 14);
	assert_int_equal(a.severity, ALERT_HIGH);
	assert_string_equal(a.item_id, "asy1");
	assert_int_equal(a.item_version, 7);
	y.legal_representative = FLAG_FALSE;
	assert_int_equal(count(&r, Q + 14, RULE_ASYLUM_NO_LEGAL_REPRESENTATIVE), 1);
	y.legal_representative = FLAG_TRUE;
	assert_int_equal(count(&r, Q + 14, RULE_ASYLUM_NO_LEGAL_REPRESENTATIVE), 0);
	y.legal_representative = FLAG_ABSENT;
	y.outcome = "refused";
	assert_int_equal(count(&r, Q + 14, RULE_ASYLUM_NO_LEGAL_REPRESENTATIVE), 0);
}

/* A record on which nearly every rule fires at once. Some cannot share a
 * record: a plan is missing or overdue, the NRM waits for CG or its support
 * ends, and a therapy referral waiting 6 weeks is one an antidepressant
 * has. */
static void everything_fires(struct alert_record *r, int *day)
{
	static struct alert_registration regs[1];
	static struct alert_appointment appts[5];
	static struct alert_referral refs[1];
	static struct alert_medication meds[1];
	static struct alert_nrm n;
	static struct alert_asylum y;
	*r = survivor();
	int D = E + 100;
	r->pregnant = FLAG_TRUE;
	r->dependants = 1;
	r->language_interpreter = true;
	regs[0] = registration("g1", "gp", 0, NO, E + 3);
	appts[0] = appointment("a1", "gp", D + 3, "scheduled");
	appts[1] = appointment("a2", "gp", D - 3, "attended");
	appts[2] = appointment("a3", "gp", D - 4, "cancelled");
	appts[2].cancelled_by = "unknown";
	appts[3] = appointment("a4", "gp", D - 5, "did_not_attend");
	appts[4] = appointment("a5", "gp", D - 6, "did_not_attend");
	refs[0] = referral("r1", "ptsd_clinic", E);
	meds[0] = medication("m1", "antidepressant", E - 60);
	meds[0].explained = FLAG_FALSE;
	n = nrm(D - 60);
	n.support = "none";
	y = asylum(D - 30);
	r->registrations = regs;
	r->nregistrations = N(regs);
	r->appointments = appts;
	r->nappointments = N(appts);
	r->referrals = refs;
	r->nreferrals = N(refs);
	r->medications = meds;
	r->nmedications = N(meds);
	r->nrm = &n;
	r->asylum = &y;
	*day = D;
}

static void inactive_survivors_raise_nothing(void **state)
{
	(void)state;
	struct alert_record r;
	int day;
	everything_fires(&r, &day);
	struct alert_list l = {0};
	assert_int_equal(alerts_evaluate(&r, day, NULL, &l), WM_OK);
	assert_true(l.n >= 16);
	r.active = false;
	size_t before = l.n;
	assert_int_equal(alerts_evaluate(&r, day, NULL, &l), WM_OK);
	assert_int_equal(l.n, before); /* appended nothing */
	alert_list_free(&l);
	assert_null(l.items);
	assert_int_equal(l.n, 0);
}

static void every_rule_can_fire(void **state)
{
	(void)state;
	struct alert_record r;
	int day;
	everything_fires(&r, &day);
	for (int rule = 0; rule < RULE_COUNT; rule++) {
		if (rule == RULE_PLAN_MISSING || rule == RULE_REVIEW_OVERDUE ||
		    rule == RULE_CG_DECISION_WAITING || rule == RULE_NRM_SUPPORT_ENDING ||
		    rule == RULE_MEDICATION_WITHOUT_THERAPY)
			continue; /* shown elsewhere */
		if (count(&r, day, (enum alert_rule)rule) != 1)
			fail_msg("%s", alert_rule_name((enum alert_rule)rule));
	}
}

/* Many items on one survivor: the list grows, one alert each. */
static void one_alert_per_item(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	struct alert_referral refs[100];
	char ids[100][16];
	for (int i = 0; i < 100; i++) {
		snprintf(ids[i], sizeof ids[i], "r%d", i);
		refs[i] = referral(ids[i], "other", E + i);
	}
	r.referrals = refs;
	r.nreferrals = N(refs);
	assert_int_equal(count(&r, E + 28 + 49, RULE_REFERRAL_NO_RESPONSE), 50);
	assert_int_equal(count(&r, E + 28 + 99, RULE_REFERRAL_NO_RESPONSE), 100);
}

static void sorted_by_severity_due_survivor(void **state)
{
	(void)state;
	struct alert a[] = {
	    {.survivor_id = "b", .rule = RULE_PLAN_MISSING, .severity = ALERT_MEDIUM, .due_on = 5},
	    {.survivor_id = "a",
	     .rule = RULE_DENTAL_UNREGISTERED,
	     .severity = ALERT_LOW,
	     .due_on = 1},
	    {.survivor_id = "a", .rule = RULE_PLAN_MISSING, .severity = ALERT_MEDIUM, .due_on = 5},
	    {.survivor_id = "z",
	     .rule = RULE_THIRD_PARTY_CANCELLATION,
	     .severity = ALERT_CRITICAL,
	     .due_on = 90,
	     .item_id = "x"},
	    {.survivor_id = "a", .rule = RULE_GP_UNREGISTERED, .severity = ALERT_HIGH, .due_on = 7},
	    {.survivor_id = "a",
	     .rule = RULE_REFERRAL_NO_RESPONSE,
	     .severity = ALERT_MEDIUM,
	     .due_on = 5,
	     .item_id = "r2"},
	    {.survivor_id = "a",
	     .rule = RULE_REFERRAL_NO_RESPONSE,
	     .severity = ALERT_MEDIUM,
	     .due_on = 5,
	     .item_id = "r1"},
	    {.survivor_id = "a",
	     .rule = RULE_REVIEW_OVERDUE,
	     .severity = ALERT_MEDIUM,
	     .due_on = 4},
	};
	alerts_sort(a, N(a));
	assert_int_equal(a[0].severity, ALERT_CRITICAL);
	assert_int_equal(a[1].rule, RULE_GP_UNREGISTERED);
	assert_int_equal(a[2].rule, RULE_REVIEW_OVERDUE); /* due 4 before due 5 */
	assert_int_equal(a[3].rule, RULE_PLAN_MISSING);	  /* a: rule order, */
	assert_string_equal(a[3].survivor_id, "a");
	assert_string_equal(a[4].item_id, "r1"); /* then item id */
	assert_string_equal(a[5].item_id, "r2");
	assert_string_equal(a[6].survivor_id, "b"); /* then survivor b */
	assert_int_equal(a[7].severity, ALERT_LOW);
	alerts_sort(a, 0);
}

static void names_actions_and_levels(void **state)
{
	(void)state;
	for (int i = 0; i < RULE_COUNT; i++) {
		enum alert_rule rule = (enum alert_rule)i, back;
		const char *name = alert_rule_name(rule);
		assert_non_null(name);
		assert_true(alert_rule_parse(name, &back));
		assert_int_equal(back, rule);
		bool case_details =
		    rule == RULE_RG_DECISION_OVERDUE || rule == RULE_CG_DECISION_WAITING ||
		    rule == RULE_NRM_SUPPORT_ENDING || rule == RULE_DUAL_SUPPORT_GAP ||
		    rule == RULE_ASYLUM_NO_LEGAL_REPRESENTATIVE;
		assert_int_equal(alert_rule_read(rule),
				 case_details ? ACT_CASE_DETAILS_READ : ACT_HEALTH_READ);
		bool whole = rule == RULE_GP_UNREGISTERED || rule == RULE_DENTAL_UNREGISTERED ||
			     rule == RULE_ANTENATAL_MISSING || rule == RULE_PLAN_MISSING ||
			     rule == RULE_DUAL_SUPPORT_GAP || rule == RULE_REPEATED_NON_ATTENDANCE;
		assert_int_equal(alert_rule_per_item(rule), !whole);
	}
	assert_string_equal(alert_rule_name(RULE_GP_UNREGISTERED), "gp_unregistered");
	assert_string_equal(alert_rule_name(RULE_ASYLUM_NO_LEGAL_REPRESENTATIVE),
			    "asylum_no_legal_representative");
	enum alert_rule out = RULE_COUNT;
	assert_false(alert_rule_parse("gp", &out));
	assert_false(alert_rule_parse("", &out));
	assert_false(alert_rule_parse(NULL, &out));
	assert_false(alert_rule_parse("GP_UNREGISTERED", &out));
	assert_int_equal(out, RULE_COUNT);

	assert_string_equal(alert_severity_name(ALERT_CRITICAL), "critical");
	assert_string_equal(alert_severity_name(ALERT_HIGH), "high");
	assert_string_equal(alert_severity_name(ALERT_MEDIUM), "medium");
	assert_string_equal(alert_severity_name(ALERT_LOW), "low");

	assert_int_equal(alert_rule_top_severity(RULE_THIRD_PARTY_CANCELLATION), ALERT_CRITICAL);
	assert_int_equal(alert_rule_top_severity(RULE_CG_DECISION_WAITING), ALERT_HIGH);
	assert_int_equal(alert_rule_top_severity(RULE_DENTAL_UNREGISTERED), ALERT_LOW);
	assert_int_equal(alert_rule_top_severity(RULE_REVIEW_OVERDUE), ALERT_MEDIUM);
	for (int i = 0; i < RULE_COUNT; i++)
		if (i != RULE_THIRD_PARTY_CANCELLATION)
			assert_int_not_equal(alert_rule_top_severity((enum alert_rule)i),
					     ALERT_CRITICAL);
}

/* Every alert's message: a sentence with something to do, naming neither
 * the survivor nor the item; the year-long CG wait has its own. */
static void messages(void **state)
{
	(void)state;
	struct alert_record r;
	int day;
	everything_fires(&r, &day);
	struct alert_list l = {0};
	assert_int_equal(alerts_evaluate(&r, day, NULL, &l), WM_OK);
	for (size_t i = 0; i < l.n; i++) {
		char text[400];
		alert_message(&l.items[i], text, sizeof text);
		size_t len = strlen(text);
		assert_true(len > 40 && len < sizeof text - 1);
		assert_true(text[len - 1] == '.');
		assert_non_null(strchr(text, ':'));
		assert_null(strstr(text, r.survivor_id));
		if (l.items[i].item_id[0])
			assert_null(strstr(text, l.items[i].item_id));
		assert_null(strstr(text, "dependant:"));
	}
	alert_list_free(&l);

	struct alert a = {.rule = RULE_GP_UNREGISTERED, .severity = ALERT_HIGH};
	char text[400];
	alert_message(&a, text, sizeof text);
	assert_string_equal(text, "No GP registration 14 days after entering the service: help "
				  "register with a GP (no proof of address or ID is needed).");
	char small[8];
	alert_message(&a, small, sizeof small);
	assert_string_equal(small, "No GP r");

	a.rule = RULE_CG_DECISION_WAITING;
	a.severity = ALERT_MEDIUM;
	char medium[400];
	alert_message(&a, medium, sizeof medium);
	a.severity = ALERT_HIGH;
	alert_message(&a, text, sizeof text);
	assert_string_not_equal(medium, text);
	assert_non_null(strstr(text, "year"));
}

/* ---- what a record lacks for a rule to be judged (alert_missing) ---- */

/* The gaps of r, each checked to have a message of its own. */
static struct alert_gap_list gaps_of(const struct alert_record *r)
{
	struct alert_gap_list l = {0};
	assert_int_equal(alert_missing(r, &l), WM_OK);
	for (size_t i = 0; i < l.n; i++) {
		char text[256];
		alert_gap_message(&l.items[i], text, sizeof text);
		assert_non_null(strstr(text, "Waymark cannot"));
	}
	return l;
}

static void gap_is(const struct alert_gap *g, enum alert_rule rule, const char *part,
		   const char *item_id, const char *field)
{
	assert_int_equal(g->rule, rule);
	assert_string_equal(g->part, part);
	assert_string_equal(g->item_id, item_id);
	assert_string_equal(g->field, field);
}

static void missing_nothing_in_a_full_record(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	struct alert_registration g[] = {registration("g1", "gp", 0, E, NO)};
	struct alert_appointment a[] = {appointment("a1", "gp", E + 3, "cancelled")};
	a[0].cancelled_by = "survivor";
	struct alert_referral f[] = {referral("f1", "counselling", E + 1)};
	struct alert_medication m[] = {medication("m1", "antidepressant", E + 2)};
	m[0].explained = FLAG_TRUE;
	r.registrations = g, r.nregistrations = N(g);
	r.appointments = a, r.nappointments = N(a);
	r.referrals = f, r.nreferrals = N(f);
	r.medications = m, r.nmedications = N(m);
	struct alert_gap_list l = gaps_of(&r);
	assert_int_equal(l.n, 0);
	alert_gap_list_free(&l);
}

/* The spec's own example: a referral with no sent_on cannot be judged, so
 * neither rule fires, and the gap names the referral and the field. */
static void missing_referral_sent_on(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	struct alert_referral f[] = {referral("f1", "mental_health", NO),
				     referral("f2", "housing", NO)};
	r.referrals = f, r.nreferrals = N(f);
	assert_int_equal(count_in(&r, E + 400, NULL, RULE_MENTAL_HEALTH_WAIT, NULL), 0);
	assert_int_equal(count_in(&r, E + 400, NULL, RULE_REFERRAL_NO_RESPONSE, NULL), 0);
	struct alert_gap_list l = gaps_of(&r);
	assert_int_equal(l.n, 2);
	gap_is(&l.items[0], RULE_MENTAL_HEALTH_WAIT, "referrals", "f1", "sent_on");
	gap_is(&l.items[1], RULE_REFERRAL_NO_RESPONSE, "referrals", "f2", "sent_on");
	char text[256];
	alert_gap_message(&l.items[0], text, sizeof text);
	assert_string_equal(text, "No date sent, so Waymark cannot tell you when this referral is "
				  "overdue.");
	alert_gap_list_free(&l);
}

static void missing_survivor_registrations_appointments(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	r.entered_service_on = NO;
	struct alert_registration g[] = {registration("g1", "gp", 0, NO, NO),
					 registration("g2", "gp", -1, E, NO),
					 registration("g3", "dental", 0, NO, E)};
	struct alert_appointment a[] = {appointment("a1", "gp", E, "cancelled"),
					appointment("a2", "gp", E, "attended")};
	r.registrations = g, r.nregistrations = N(g);
	r.appointments = a, r.nappointments = N(a);
	struct alert_gap_list l = gaps_of(&r);
	assert_int_equal(l.n, 4);
	gap_is(&l.items[0], RULE_GP_UNREGISTERED, "survivor", "", "entered_service_on");
	gap_is(&l.items[1], RULE_GP_UNREGISTERED, "registrations", "g1", "registered_on");
	gap_is(&l.items[2], RULE_DEPENDANT_GP_UNREGISTERED, "registrations", "g2", "person");
	gap_is(&l.items[3], RULE_THIRD_PARTY_CANCELLATION, "appointments", "a1", "cancelled_by");
	alert_gap_list_free(&l);
}

static void missing_medication_facts(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	r.language_interpreter = true;
	struct alert_medication m[] = {medication("m1", "antidepressant", NO),
				       medication("m2", "other", E), medication("m3", "other", E),
				       medication("m4", "other", NO)};
	m[0].explained = FLAG_TRUE;
	m[0].explained_in_own_language = FLAG_TRUE;
	m[2].explained = FLAG_TRUE; /* but not said whether in their own language */
	m[3].stopped_on = E;	    /* over: nothing to follow up */
	r.medications = m, r.nmedications = N(m);
	struct alert_gap_list l = gaps_of(&r);
	assert_int_equal(l.n, 3);
	gap_is(&l.items[0], RULE_MEDICATION_WITHOUT_THERAPY, "medications", "m1", "started_on");
	gap_is(&l.items[1], RULE_MEDICATION_NOT_EXPLAINED, "medications", "m2", "explained");
	gap_is(&l.items[2], RULE_MEDICATION_NOT_EXPLAINED, "medications", "m3",
	       "explained_in_own_language");
	alert_gap_list_free(&l);
	/* Without an interpreter need, the own language does not matter. */
	r.language_interpreter = false;
	l = gaps_of(&r);
	assert_int_equal(l.n, 2);
	alert_gap_list_free(&l);
}

static void missing_nrm_and_asylum(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	struct alert_nrm n = nrm(E);
	n.rg_decision_on = E + 10; /* no outcome */
	n.cg_outcome = "positive"; /* no date */
	struct alert_asylum a = asylum(E);
	r.nrm = &n;
	r.asylum = &a;
	struct alert_gap_list l = gaps_of(&r);
	assert_int_equal(l.n, 4);
	gap_is(&l.items[0], RULE_CG_DECISION_WAITING, "nrm", "nrm1", "rg_outcome");
	gap_is(&l.items[1], RULE_NRM_SUPPORT_ENDING, "nrm", "nrm1", "cg_decision_on");
	gap_is(&l.items[2], RULE_DUAL_SUPPORT_GAP, "nrm", "nrm1", "support");
	gap_is(&l.items[3], RULE_DUAL_SUPPORT_GAP, "asylum", "asy1", "support");
	alert_gap_list_free(&l);

	/* A support that is "none" already fires the alert: nothing missing. */
	n.support = "none";
	l = gaps_of(&r);
	assert_int_equal(l.n, 2);
	alert_gap_list_free(&l);

	/* A duty-to-notify report is not a referral; a decided claim has no gap. */
	n.duty_to_notify_only = true;
	a.outcome = "granted";
	l = gaps_of(&r);
	assert_int_equal(l.n, 0);
	alert_gap_list_free(&l);
}

static void missing_nothing_when_inactive(void **state)
{
	(void)state;
	struct alert_record r = survivor();
	r.active = false;
	r.entered_service_on = NO;
	struct alert_referral f[] = {referral("f1", "mental_health", NO)};
	r.referrals = f, r.nreferrals = N(f);
	struct alert_gap_list l = gaps_of(&r);
	assert_int_equal(l.n, 0);
	alert_gap_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(gp_unregistered),
	    cmocka_unit_test(dependant_gp_unregistered),
	    cmocka_unit_test(dental_unregistered),
	    cmocka_unit_test(antenatal_missing),
	    cmocka_unit_test(registration_refused),
	    cmocka_unit_test(interpreter_not_booked),
	    cmocka_unit_test(interpreter_not_provided),
	    cmocka_unit_test(third_party_cancellation),
	    cmocka_unit_test(repeated_non_attendance),
	    cmocka_unit_test(plan_missing_and_review_overdue),
	    cmocka_unit_test(referral_no_response),
	    cmocka_unit_test(mental_health_wait),
	    cmocka_unit_test(medication_without_therapy),
	    cmocka_unit_test(medication_not_explained),
	    cmocka_unit_test(rg_decision_overdue),
	    cmocka_unit_test(cg_decision_waiting),
	    cmocka_unit_test(nrm_support_ending),
	    cmocka_unit_test(dual_support_gap),
	    cmocka_unit_test(asylum_no_legal_representative),
	    cmocka_unit_test(inactive_survivors_raise_nothing),
	    cmocka_unit_test(every_rule_can_fire),
	    cmocka_unit_test(one_alert_per_item),
	    cmocka_unit_test(sorted_by_severity_due_survivor),
	    cmocka_unit_test(names_actions_and_levels),
	    cmocka_unit_test(messages),
	    cmocka_unit_test(missing_nothing_in_a_full_record),
	    cmocka_unit_test(missing_referral_sent_on),
	    cmocka_unit_test(missing_survivor_registrations_appointments),
	    cmocka_unit_test(missing_medication_facts),
	    cmocka_unit_test(missing_nrm_and_asylum),
	    cmocka_unit_test(missing_nothing_when_inactive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
