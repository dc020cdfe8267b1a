/*
 * alerts.c - the alert rules of spec alerts.md over one survivor's record.
 *
 * Pure and cheap: the dashboard judges 40 survivors per request and the
 * organisation's list thousands, so a rule is a pass over plain columns
 * with no allocation but the output list's growth. How each rule reads the
 * spec where it leaves room is written down in docs/alerts.md ("How the
 * rules are read"); the comments here name the choice where it is made.
 */
#include "alerts.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What never changes about a rule. severity is the level it raises (the
 * lower one for cg_decision_waiting, which rises after a year); top the
 * most severe it can raise. */
struct rule_info {
	const char *name;
	enum alert_severity severity, top;
	enum action read;
	bool per_item;
	const char *message;
};

#define HEALTH ACT_HEALTH_READ
#define CASE   ACT_CASE_DETAILS_READ

static const struct rule_info rules[RULE_COUNT] = {
    [RULE_GP_UNREGISTERED] = {"gp_unregistered", ALERT_HIGH, ALERT_HIGH, HEALTH, false,
			      "No GP registration 14 days after entering the service: help "
			      "register with a GP (no proof of address or ID is needed)."},
    [RULE_DEPENDANT_GP_UNREGISTERED] = {"dependant_gp_unregistered", ALERT_HIGH, ALERT_HIGH, HEALTH,
					true,
					"A dependant has no GP registration 14 days after "
					"entering the service: help register them with a GP (no "
					"proof of address, ID or immigration status is needed)."},
    [RULE_DENTAL_UNREGISTERED] = {"dental_unregistered", ALERT_LOW, ALERT_LOW, HEALTH, false,
				  "No dental registration 8 weeks after entering the service: "
				  "help find an NHS dentist taking new patients (NHS 111 can "
				  "help with urgent dental pain)."},
    [RULE_ANTENATAL_MISSING] = {"antenatal_missing", ALERT_HIGH, ALERT_HIGH, HEALTH, false,
				"Pregnant, with no maternity registration or appointment: help "
				"book antenatal care with a midwife or the GP now (maternity "
				"care must not wait on immigration status or charges)."},
    [RULE_REGISTRATION_REFUSED] = {"registration_refused", ALERT_MEDIUM, ALERT_MEDIUM, HEALTH, true,
				   "A registration was refused and no later one is recorded: "
				   "ask for the reason in writing, challenge a GP refusal for "
				   "lack of address, ID or immigration status (none is needed), "
				   "or try another provider."},
    [RULE_INTERPRETER_NOT_BOOKED] = {"interpreter_not_booked", ALERT_HIGH, ALERT_HIGH, HEALTH, true,
				     "An appointment in the next 14 days needs an interpreter "
				     "and none is booked: ask the provider to book a "
				     "professional interpreter (not family or friends)."},
    [RULE_INTERPRETER_NOT_PROVIDED] = {"interpreter_not_provided", ALERT_MEDIUM, ALERT_MEDIUM,
				       HEALTH, true,
				       "An interpreter was needed but not provided at a recent "
				       "appointment: raise it with the provider, check what the "
				       "survivor understood, and ask for a professional "
				       "interpreter next time."},
    [RULE_THIRD_PARTY_CANCELLATION] = {"third_party_cancellation", ALERT_CRITICAL, ALERT_CRITICAL,
				       HEALTH, true,
				       "An appointment was cancelled by a third party or by "
				       "someone unknown: check now that the survivor is safe, "
				       "then rebook the appointment."},
    [RULE_REPEATED_NON_ATTENDANCE] = {"repeated_non_attendance", ALERT_HIGH, ALERT_HIGH, HEALTH,
				      false,
				      "Two or more appointments missed in the last 60 days: ask "
				      "the survivor what gets in the way (travel, times, "
				      "language, fear, someone stopping them) and rebook."},
    [RULE_PLAN_MISSING] = {"plan_missing", ALERT_MEDIUM, ALERT_MEDIUM, HEALTH, false,
			   "No support plan a week after entering the service: agree a "
			   "support plan with the survivor."},
    [RULE_REVIEW_OVERDUE] = {"review_overdue", ALERT_MEDIUM, ALERT_MEDIUM, HEALTH, true,
			     "The support plan is overdue for review: review it with the "
			     "survivor and record the review."},
    [RULE_REFERRAL_NO_RESPONSE] = {"referral_no_response", ALERT_MEDIUM, ALERT_MEDIUM, HEALTH, true,
				   "A referral has had no response for 4 weeks: chase the "
				   "service it was sent to, and record the answer."},
    [RULE_MENTAL_HEALTH_WAIT] = {"mental_health_wait", ALERT_HIGH, ALERT_HIGH, HEALTH, true,
				 "A mental health referral has waited 6 weeks without a first "
				 "appointment: chase the service, and check how the survivor is "
				 "coping meanwhile (the GP can help if things get worse)."},
    [RULE_MEDICATION_WITHOUT_THERAPY] = {"medication_without_therapy", ALERT_MEDIUM, ALERT_MEDIUM,
					 HEALTH, true,
					 "An antidepressant has been taken for 4 weeks with no "
					 "referral to talking therapy or mental health care: "
					 "discuss a referral with the survivor and the GP."},
    [RULE_MEDICATION_NOT_EXPLAINED] = {"medication_not_explained", ALERT_MEDIUM, ALERT_MEDIUM,
				       HEALTH, true,
				       "A medication has not been explained to the survivor, or "
				       "not in their own language: ask the GP or pharmacist to "
				       "explain it, with a professional interpreter if needed."},
    [RULE_RG_DECISION_OVERDUE] = {"rg_decision_overdue", ALERT_HIGH, ALERT_HIGH, CASE, true,
				  "No reasonable grounds decision more than 5 working days "
				  "after the NRM referral: ask the first responder to chase the "
				  "Single Competent Authority."},
    [RULE_CG_DECISION_WAITING] = {"cg_decision_waiting", ALERT_MEDIUM, ALERT_HIGH, CASE, true,
				  "Waiting more than 45 days for a conclusive grounds decision: "
				  "check that support continues and ask the first responder or "
				  "the survivor's solicitor to chase the decision."},
    [RULE_NRM_SUPPORT_ENDING] = {"nrm_support_ending", ALERT_HIGH, ALERT_HIGH, CASE, true,
				 "Support after an NRM decision ends soon: plan move-on support "
				 "(housing, income, healthcare) before the end date, and ask a "
				 "solicitor about reconsideration of a negative decision."},
    [RULE_DUAL_SUPPORT_GAP] = {"dual_support_gap", ALERT_MEDIUM, ALERT_MEDIUM, CASE, false,
			       "In both the NRM and asylum processes with no support from one "
			       "of them: check entitlement to NRM support and to Home Office "
			       "asylum support (section 95, 98 or 4)."},
    [RULE_ASYLUM_NO_LEGAL_REPRESENTATIVE] = {"asylum_no_legal_representative", ALERT_HIGH,
					     ALERT_HIGH, CASE, true,
					     "An asylum claim has had no legal representative for "
					     "14 days: help find an immigration solicitor under "
					     "legal aid."},
};

/* A year of waiting for a conclusive grounds decision makes it high. */
static const char cg_year_message[] =
    "Waiting more than a year for a conclusive grounds decision: ask the survivor's "
    "solicitor to challenge the delay, and check that support continues.";

static const char *const severity_names[ALERT_SEVERITY_COUNT] = {"critical", "high", "medium",
								 "low"};

static const char *const therapy_services[] = {"mental_health", "talking_therapy", "ptsd_clinic",
					       "counselling", NULL};

void alert_list_free(struct alert_list *l)
{
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

static bool has(int day)
{
	return day != ALERT_NO_DAY;
}

static bool is(const char *code, const char *want)
{
	return code && strcmp(code, want) == 0;
}

static bool one_of(const char *code, const char *const *set)
{
	for (; *set; set++)
		if (is(code, *set))
			return true;
	return false;
}

/* Appends one alert. id is the item's (NULL for none); the caller's ids
 * are the store's, far shorter than ALERT_ITEM_LEN. */
static wm_err push(struct alert_list *out, const struct alert_record *r, enum alert_rule rule,
		   enum alert_severity severity, int due_on, const char *id, int version)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		if (cap > SIZE_MAX / sizeof *out->items)
			return WM_ERR_NOMEM;
		struct alert *items = realloc(out->items, cap * sizeof *items);
		if (!items)
			return WM_ERR_NOMEM;
		out->items = items;
		out->cap = cap;
	}
	assert(rules[rule].per_item == (id != NULL));
	struct alert *a = &out->items[out->n++];
	a->survivor_id = r->survivor_id;
	a->rule = rule;
	a->severity = severity;
	a->due_on = due_on;
	a->item_id[0] = '\0';
	a->item_version = 0;
	if (id) {
		size_t len = strlen(id);
		assert(len < ALERT_ITEM_LEN);
		if (len >= ALERT_ITEM_LEN)
			len = ALERT_ITEM_LEN - 1;
		memcpy(a->item_id, id, len);
		a->item_id[len] = '\0';
		a->item_version = version;
	}
	return WM_OK;
}

#define TRY(e)                                                                                     \
	do {                                                                                       \
		wm_err try_err_ = (e);                                                             \
		if (try_err_ != WM_OK)                                                             \
			return try_err_;                                                           \
	} while (0)

/* Whether person (0 the survivor, N the Nth dependant) was registered with
 * service by D: a registration counts from its registered_on; a refusal is
 * not one. */
static bool registered(const struct alert_record *r, const char *service, int person, int day)
{
	for (size_t i = 0; i < r->nregistrations; i++) {
		const struct alert_registration *g = &r->registrations[i];
		if (g->person == person && is(g->service, service) && has(g->registered_on) &&
		    g->registered_on <= day)
			return true;
	}
	return false;
}

/* The rules of the survivor's registrations: GP (theirs and each
 * dependant's), dentist, maternity, and refusals. */
static wm_err judge_registrations(const struct alert_record *r, int day, struct alert_list *out)
{
	int esd = r->entered_service_on;
	if (has(esd) && day >= esd + 14) {
		if (!registered(r, "gp", 0, day))
			TRY(push(out, r, RULE_GP_UNREGISTERED, ALERT_HIGH, esd + 14, NULL, 0));
		for (int n = 1; n <= r->dependants; n++) {
			if (registered(r, "gp", n, day))
				continue;
			char id[ALERT_ITEM_LEN];
			snprintf(id, sizeof id, "dependant:%d", n);
			TRY(push(out, r, RULE_DEPENDANT_GP_UNREGISTERED, ALERT_HIGH, esd + 14, id,
				 0));
		}
	}
	if (has(esd) && day >= esd + 56 && !registered(r, "dental", 0, day))
		TRY(push(out, r, RULE_DENTAL_UNREGISTERED, ALERT_LOW, esd + 56, NULL, 0));

	/* Antenatal care: the spec sets no day from which it fires, only the
	 * day it is due; a maternity appointment of any status but cancelled
	 * (even one ahead) is care arranged. */
	if (r->pregnant == FLAG_TRUE && has(esd) && !registered(r, "maternity", 0, day)) {
		bool booked = false;
		for (size_t i = 0; i < r->nappointments && !booked; i++) {
			const struct alert_appointment *a = &r->appointments[i];
			booked = is(a->kind, "maternity") && !is(a->status, "cancelled");
		}
		if (!booked)
			TRY(push(out, r, RULE_ANTENATAL_MISSING, ALERT_HIGH, esd + 7, NULL, 0));
	}

	/* A refusal stands until a later registration for the same service
	 * and person, made by D, supersedes it: a success from the same day
	 * on (dates hold no time, and a success the day of a refusal settles
	 * it), or a refusal from the next day on (two refusals on one day
	 * both stand). */
	for (size_t i = 0; i < r->nregistrations; i++) {
		const struct alert_registration *g = &r->registrations[i];
		if (!has(g->refused_on) || g->refused_on > day)
			continue;
		bool later = false;
		for (size_t j = 0; j < r->nregistrations && !later; j++) {
			const struct alert_registration *h = &r->registrations[j];
			int ok = h->registered_on, no = h->refused_on;
			later = j != i && h->person == g->person && is(h->service, g->service) &&
				((has(ok) && ok >= g->refused_on && ok <= day) ||
				 (has(no) && no > g->refused_on && no <= day));
		}
		if (!later)
			TRY(push(out, r, RULE_REGISTRATION_REFUSED, ALERT_MEDIUM, g->refused_on + 7,
				 g->id, g->version));
	}
	return WM_OK;
}

/* The appointment says an interpreter is needed, or the survivor speaks a
 * language that needs one (either is enough, as the spec reads). */
static bool interpreter_needed(const struct alert_record *r, const struct alert_appointment *a)
{
	return a->needed == FLAG_TRUE || r->language_interpreter;
}

static wm_err judge_appointments(const struct alert_record *r, int day, struct alert_list *out)
{
	int missed = 0, latest_missed = ALERT_NO_DAY;
	for (size_t i = 0; i < r->nappointments; i++) {
		const struct alert_appointment *a = &r->appointments[i];
		if (!has(a->day))
			continue;
		if (is(a->status, "scheduled") && a->day >= day && a->day <= day + 14 &&
		    interpreter_needed(r, a) && a->booked != FLAG_TRUE)
			TRY(push(out, r, RULE_INTERPRETER_NOT_BOOKED, ALERT_HIGH, a->day, a->id,
				 a->version));
		/* Absent "provided" is not true: the interpreter was not there. */
		if (is(a->status, "attended") && a->day > day - 30 && a->day <= day &&
		    interpreter_needed(r, a) && a->provided != FLAG_TRUE)
			TRY(push(out, r, RULE_INTERPRETER_NOT_PROVIDED, ALERT_MEDIUM, a->day + 7,
				 a->id, a->version));
		if (is(a->status, "cancelled") &&
		    (is(a->cancelled_by, "third_party") || is(a->cancelled_by, "unknown")) &&
		    a->day > day - 30)
			TRY(push(out, r, RULE_THIRD_PARTY_CANCELLATION, ALERT_CRITICAL, day, a->id,
				 a->version));
		if (is(a->status, "did_not_attend") && a->day > day - 60 && a->day <= day) {
			missed++;
			if (a->day > latest_missed)
				latest_missed = a->day;
		}
	}
	if (missed >= 2)
		TRY(push(out, r, RULE_REPEATED_NON_ATTENDANCE, ALERT_HIGH, latest_missed + 2, NULL,
			 0));
	return WM_OK;
}

static wm_err judge_plan(const struct alert_record *r, int day, struct alert_list *out)
{
	int esd = r->entered_service_on;
	const struct alert_plan *p = r->plan;
	if (!p) {
		if (has(esd) && day >= esd + 7)
			TRY(push(out, r, RULE_PLAN_MISSING, ALERT_MEDIUM, esd + 7, NULL, 0));
		return WM_OK;
	}
	int base = has(p->last_review_on) ? p->last_review_on : p->created_on;
	if (has(base) && base + p->review_every_days < day)
		TRY(push(out, r, RULE_REVIEW_OVERDUE, ALERT_MEDIUM, base + p->review_every_days,
			 p->id, p->version));
	return WM_OK;
}

static wm_err judge_referrals(const struct alert_record *r, int day, struct alert_list *out)
{
	for (size_t i = 0; i < r->nreferrals; i++) {
		const struct alert_referral *f = &r->referrals[i];
		if (!has(f->sent_on))
			continue; /* cannot be judged */
		bool seen = has(f->first_seen_on), ended = has(f->rejected_on) || has(f->closed_on);
		if (!seen && !ended && !has(f->accepted_on) && day >= f->sent_on + 28)
			TRY(push(out, r, RULE_REFERRAL_NO_RESPONSE, ALERT_MEDIUM, f->sent_on + 28,
				 f->id, f->version));
		if (one_of(f->service, therapy_services) && !seen && !ended &&
		    day >= f->sent_on + 42)
			TRY(push(out, r, RULE_MENTAL_HEALTH_WAIT, ALERT_HIGH, f->sent_on + 42,
				 f->id, f->version));
	}
	return WM_OK;
}

static wm_err judge_medications(const struct alert_record *r, int day, struct alert_list *out)
{
	bool therapy = false;
	for (size_t i = 0; i < r->nreferrals && !therapy; i++) {
		const struct alert_referral *f = &r->referrals[i];
		therapy =
		    one_of(f->service, therapy_services) && has(f->sent_on) && f->sent_on <= day;
	}
	for (size_t i = 0; i < r->nmedications; i++) {
		const struct alert_medication *m = &r->medications[i];
		/* With no start the rules cannot be judged (their due day is it). */
		if (!has(m->started_on) || (has(m->stopped_on) && m->stopped_on <= day))
			continue;
		if (is(m->category, "antidepressant") && m->started_on <= day - 28 && !therapy)
			TRY(push(out, r, RULE_MEDICATION_WITHOUT_THERAPY, ALERT_MEDIUM,
				 m->started_on + 28, m->id, m->version));
		/* Absent "explained" is lack of data, not a failure to explain. */
		if (m->explained == FLAG_FALSE ||
		    (m->explained_in_own_language == FLAG_FALSE && r->language_interpreter))
			TRY(push(out, r, RULE_MEDICATION_NOT_EXPLAINED, ALERT_MEDIUM, m->started_on,
				 m->id, m->version));
	}
	return WM_OK;
}

/* The day NRM support ends after the latest decision (CG if there is one,
 * else RG), or ALERT_NO_DAY when no decision ends it (a positive RG opens
 * the recovery period instead). *decided is the decision's day. */
static int nrm_support_end(const struct alert_nrm *n, const struct workdays *cal, int *decided)
{
	if (has(n->cg_decision_on) && n->cg_outcome) {
		*decided = n->cg_decision_on;
		if (is(n->cg_outcome, "positive"))
			return n->cg_decision_on + 45;
		if (is(n->cg_outcome, "negative"))
			return workdays_add(cal, n->cg_decision_on, 9);
		return ALERT_NO_DAY;
	}
	if (has(n->rg_decision_on) && is(n->rg_outcome, "negative")) {
		*decided = n->rg_decision_on;
		return workdays_add(cal, n->rg_decision_on, 9);
	}
	return ALERT_NO_DAY;
}

static wm_err judge_nrm(const struct alert_record *r, int day, const struct workdays *cal,
			struct alert_list *out)
{
	const struct alert_nrm *n = r->nrm;
	if (!n || n->duty_to_notify_only)
		return WM_OK; /* a report only: no decision is coming */
	/* "More than 5 working days after": the 6th working day after the
	 * referral, not the weekend or bank holiday before it. */
	if (has(n->referred_on) && !has(n->rg_decision_on) &&
	    workdays_between(cal, n->referred_on, day) >= 6)
		TRY(push(out, r, RULE_RG_DECISION_OVERDUE, ALERT_HIGH,
			 workdays_add(cal, n->referred_on, 5), n->id, n->version));
	if (is(n->rg_outcome, "positive") && has(n->rg_decision_on) && !has(n->cg_decision_on) &&
	    day >= n->rg_decision_on + 45)
		TRY(push(out, r, RULE_CG_DECISION_WAITING,
			 day >= n->rg_decision_on + 365 ? ALERT_HIGH : ALERT_MEDIUM,
			 n->rg_decision_on + 45, n->id, n->version));
	int decided = ALERT_NO_DAY, end = nrm_support_end(n, cal, &decided);
	if (has(end) && decided <= day && day <= end)
		TRY(push(out, r, RULE_NRM_SUPPORT_ENDING, ALERT_HIGH, end, n->id, n->version));
	return WM_OK;
}

static wm_err judge_asylum(const struct alert_record *r, int day, struct alert_list *out)
{
	const struct alert_asylum *a = r->asylum;
	if (!a || a->outcome)
		return WM_OK; /* no claim, or one decided */
	const struct alert_nrm *n = r->nrm;
	/* An absent support is unknown, not "none". */
	if (n && !n->duty_to_notify_only && !is(n->rg_outcome, "negative") &&
	    !is(n->cg_outcome, "negative") && (is(n->support, "none") || is(a->support, "none")))
		TRY(push(out, r, RULE_DUAL_SUPPORT_GAP, ALERT_MEDIUM, day, NULL, 0));
	if (a->legal_representative != FLAG_TRUE && has(a->claimed_on) && day >= a->claimed_on + 14)
		TRY(push(out, r, RULE_ASYLUM_NO_LEGAL_REPRESENTATIVE, ALERT_HIGH,
			 a->claimed_on + 14, a->id, a->version));
	return WM_OK;
}

wm_err alerts_evaluate(const struct alert_record *r, int day, const struct workdays *cal,
		       struct alert_list *out)
{
	assert(r && out && has(day));
	if (!r->active)
		return WM_OK;
	TRY(judge_registrations(r, day, out));
	TRY(judge_appointments(r, day, out));
	TRY(judge_plan(r, day, out));
	TRY(judge_referrals(r, day, out));
	TRY(judge_medications(r, day, out));
	TRY(judge_nrm(r, day, cal, out));
	return judge_asylum(r, day, out);
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_alert(const void *pa, const void *pb)
{
	const struct alert *a = pa, *b = pb;
	if (a->severity != b->severity)
		return a->severity < b->severity ? -1 : 1;
	if (a->due_on != b->due_on)
		return a->due_on < b->due_on ? -1 : 1;
	int c = cmp_str(a->survivor_id, b->survivor_id);
	if (c)
		return c;
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	return strcmp(a->item_id, b->item_id);
}

void alerts_sort(struct alert *a, size_t n)
{
	if (n > 1)
		qsort(a, n, sizeof *a, cmp_alert);
}

const char *alert_rule_name(enum alert_rule rule)
{
	assert(rule >= 0 && rule < RULE_COUNT);
	return rules[rule].name;
}

bool alert_rule_parse(const char *name, enum alert_rule *out)
{
	for (int i = 0; name && i < RULE_COUNT; i++)
		if (strcmp(rules[i].name, name) == 0) {
			*out = (enum alert_rule)i;
			return true;
		}
	return false;
}

const char *alert_severity_name(enum alert_severity s)
{
	assert(s >= 0 && s < ALERT_SEVERITY_COUNT);
	return severity_names[s];
}

enum alert_severity alert_rule_top_severity(enum alert_rule rule)
{
	assert(rule >= 0 && rule < RULE_COUNT);
	return rules[rule].top;
}

enum action alert_rule_read(enum alert_rule rule)
{
	assert(rule >= 0 && rule < RULE_COUNT);
	return rules[rule].read;
}

bool alert_rule_per_item(enum alert_rule rule)
{
	assert(rule >= 0 && rule < RULE_COUNT);
	return rules[rule].per_item;
}

void alert_message(const struct alert *a, char *out, size_t cap)
{
	assert(a && a->rule >= 0 && a->rule < RULE_COUNT);
	if (!cap)
		return;
	const char *text = rules[a->rule].message;
	if (a->rule == RULE_CG_DECISION_WAITING && a->severity == ALERT_HIGH)
		text = cg_year_message;
	snprintf(out, cap, "%s", text);
}

/* ---- what the record lacks for a rule to be judged ---- */

/* What each gap means, by where it is: what is missing, then what Waymark
 * cannot tell for want of it. The page puts the item before it
 * ("Referral to counselling: no date sent, so ..."). */
static const struct {
	const char *part, *field, *message;
} gap_messages[] = {
    {"survivor", "entered_service_on",
     "No date the survivor entered the service, so Waymark cannot tell you when a GP or "
     "dental registration or a support plan is due."},
    {"registrations", "registered_on",
     "No date registered or refused, so Waymark cannot tell whether this registration was made."},
    {"registrations", "person",
     "Not clear who this registration is for, so Waymark cannot tell whether the survivor or a "
     "dependant is registered."},
    {"appointments", "cancelled_by",
     "Cancelled, but not recorded by whom, so Waymark cannot tell you whether to check that the "
     "survivor is safe."},
    {"referrals", "sent_on",
     "No date sent, so Waymark cannot tell you when this referral is overdue."},
    {"medications", "started_on",
     "No start date, so Waymark cannot tell you when this medication needs following up."},
    {"medications", "explained",
     "Not recorded whether it was explained to the survivor, so Waymark cannot tell you whether "
     "to ask the GP or pharmacist to explain it."},
    {"medications", "explained_in_own_language",
     "Not recorded whether it was explained in the survivor's own language, so Waymark cannot "
     "tell you whether to ask for it to be explained with an interpreter."},
    {"nrm", "referred_on",
     "No referral date, so Waymark cannot tell you when a reasonable grounds decision is "
     "overdue."},
    {"nrm", "rg_outcome",
     "A reasonable grounds decision date but no outcome, so Waymark cannot tell you when a "
     "conclusive grounds decision is overdue or when support ends."},
    {"nrm", "rg_decision_on",
     "A reasonable grounds outcome but no decision date, so Waymark cannot tell you when a "
     "conclusive grounds decision is overdue or when support ends."},
    {"nrm", "cg_outcome",
     "A conclusive grounds decision date but no outcome, so Waymark cannot tell you when NRM "
     "support ends."},
    {"nrm", "cg_decision_on",
     "A conclusive grounds outcome but no decision date, so Waymark cannot tell you when NRM "
     "support ends."},
    {"nrm", "support",
     "NRM support not recorded, so Waymark cannot tell you whether the survivor is left without "
     "support while in both the NRM and asylum processes."},
    {"asylum", "support",
     "Asylum support not recorded, so Waymark cannot tell you whether the survivor is left "
     "without support while in both the NRM and asylum processes."},
    {"asylum", "claimed_on",
     "No date of claim, so Waymark cannot tell you when the claim has gone too long without a "
     "legal representative."},
};

void alert_gap_list_free(struct alert_gap_list *l)
{
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

static wm_err gap(struct alert_gap_list *out, enum alert_rule rule, const char *part,
		  const char *id, const char *field)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 8;
		if (cap > SIZE_MAX / sizeof *out->items)
			return WM_ERR_NOMEM;
		struct alert_gap *items = realloc(out->items, cap * sizeof *items);
		if (!items)
			return WM_ERR_NOMEM;
		out->items = items;
		out->cap = cap;
	}
	struct alert_gap *g = &out->items[out->n++];
	g->rule = rule;
	g->part = part;
	g->field = field;
	snprintf(g->item_id, sizeof g->item_id, "%s", id ? id : "");
	return WM_OK;
}

static wm_err missing_items(const struct alert_record *r, struct alert_gap_list *out)
{
	for (size_t i = 0; i < r->nregistrations; i++) {
		const struct alert_registration *g = &r->registrations[i];
		enum alert_rule rule = !is(g->service, "gp") ? RULE_REGISTRATION_REFUSED
				       : g->person == 0	     ? RULE_GP_UNREGISTERED
							     : RULE_DEPENDANT_GP_UNREGISTERED;
		if (g->person < 0)
			TRY(gap(out, RULE_DEPENDANT_GP_UNREGISTERED, "registrations", g->id,
				"person"));
		else if (!has(g->registered_on) && !has(g->refused_on))
			TRY(gap(out, rule, "registrations", g->id, "registered_on"));
	}
	for (size_t i = 0; i < r->nappointments; i++) {
		const struct alert_appointment *a = &r->appointments[i];
		if (is(a->status, "cancelled") && !a->cancelled_by)
			TRY(gap(out, RULE_THIRD_PARTY_CANCELLATION, "appointments", a->id,
				"cancelled_by"));
	}
	for (size_t i = 0; i < r->nreferrals; i++) {
		const struct alert_referral *f = &r->referrals[i];
		if (!has(f->sent_on))
			TRY(gap(out,
				one_of(f->service, therapy_services) ? RULE_MENTAL_HEALTH_WAIT
								     : RULE_REFERRAL_NO_RESPONSE,
				"referrals", f->id, "sent_on"));
	}
	for (size_t i = 0; i < r->nmedications; i++) {
		const struct alert_medication *m = &r->medications[i];
		if (has(m->stopped_on))
			continue; /* a course that has ended needs no follow-up */
		if (!has(m->started_on))
			TRY(gap(out,
				is(m->category, "antidepressant") ? RULE_MEDICATION_WITHOUT_THERAPY
								  : RULE_MEDICATION_NOT_EXPLAINED,
				"medications", m->id, "started_on"));
		if (m->explained == FLAG_ABSENT)
			TRY(gap(out, RULE_MEDICATION_NOT_EXPLAINED, "medications", m->id,
				"explained"));
		else if (m->explained == FLAG_TRUE && r->language_interpreter &&
			 m->explained_in_own_language == FLAG_ABSENT)
			TRY(gap(out, RULE_MEDICATION_NOT_EXPLAINED, "medications", m->id,
				"explained_in_own_language"));
	}
	return WM_OK;
}

/* A decision's date without its outcome, or its outcome without its date. */
static wm_err missing_decision(struct alert_gap_list *out, const struct alert_nrm *n,
			       enum alert_rule rule, int on, const char *outcome,
			       const char *on_field, const char *outcome_field)
{
	if (has(on) && !outcome)
		return gap(out, rule, "nrm", n->id, outcome_field);
	if (!has(on) && outcome)
		return gap(out, rule, "nrm", n->id, on_field);
	return WM_OK;
}

static wm_err missing_processes(const struct alert_record *r, struct alert_gap_list *out)
{
	const struct alert_nrm *n = r->nrm;
	const struct alert_asylum *a = r->asylum;
	bool in_nrm = n && !n->duty_to_notify_only;
	if (in_nrm) {
		if (!has(n->referred_on))
			TRY(gap(out, RULE_RG_DECISION_OVERDUE, "nrm", n->id, "referred_on"));
		TRY(missing_decision(out, n, RULE_CG_DECISION_WAITING, n->rg_decision_on,
				     n->rg_outcome, "rg_decision_on", "rg_outcome"));
		TRY(missing_decision(out, n, RULE_NRM_SUPPORT_ENDING, n->cg_decision_on,
				     n->cg_outcome, "cg_decision_on", "cg_outcome"));
	}
	if (!a || a->outcome)
		return WM_OK;
	if (!has(a->claimed_on))
		TRY(gap(out, RULE_ASYLUM_NO_LEGAL_REPRESENTATIVE, "asylum", a->id, "claimed_on"));
	/* Both supports matter only while the survivor is in both processes
	 * (as dual_support_gap reads it), and only when neither says "none"
	 * already (the alert then fires on what is known). */
	if (in_nrm && !is(n->rg_outcome, "negative") && !is(n->cg_outcome, "negative") &&
	    !is(n->support, "none") && !is(a->support, "none")) {
		if (!n->support)
			TRY(gap(out, RULE_DUAL_SUPPORT_GAP, "nrm", n->id, "support"));
		if (!a->support)
			TRY(gap(out, RULE_DUAL_SUPPORT_GAP, "asylum", a->id, "support"));
	}
	return WM_OK;
}

wm_err alert_missing(const struct alert_record *r, struct alert_gap_list *out)
{
	assert(r && out);
	if (!r->active)
		return WM_OK;
	if (!has(r->entered_service_on))
		TRY(gap(out, RULE_GP_UNREGISTERED, "survivor", NULL, "entered_service_on"));
	TRY(missing_items(r, out));
	return missing_processes(r, out);
}

void alert_gap_message(const struct alert_gap *g, char *out, size_t cap)
{
	assert(g && g->part && g->field);
	if (!cap)
		return;
	for (size_t i = 0; i < sizeof gap_messages / sizeof gap_messages[0]; i++) {
		if (strcmp(gap_messages[i].part, g->part) == 0 &&
		    strcmp(gap_messages[i].field, g->field) == 0) {
			snprintf(out, cap, "%s", gap_messages[i].message);
			return;
		}
	}
	assert(!"a gap with no message");
	snprintf(out, cap, "Something an alert needs is missing from this record.");
}
