/*
 * report.c - the outcome report's figures: rounding, medians, suppression,
 * distributions and CSV cells, and the report's vocabulary (report.h).
 */
#include "report.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct report_figure_def report_figures[RF_COUNT] = {
    [RF_COHORT] = {"cohort", REPORT_COUNT},
    [RF_ENTERED] = {"entered", REPORT_COUNT},
    [RF_GP_REGISTERED] = {"gp_registered", REPORT_RATE},
    [RF_DAYS_TO_GP] = {"days_to_gp_registration", REPORT_MEDIAN},
    [RF_ACCESSED_HEALTH] = {"accessed_health_services", REPORT_RATE},
    [RF_LINKED] = {"linked_to_services", REPORT_RATE},
    [RF_INTERPRETER] = {"interpreter_provided", REPORT_RATE},
    [RF_DNA] = {"did_not_attend", REPORT_RATE},
    [RF_THIRD_PARTY] = {"third_party_cancellations", REPORT_COUNT},
    [RF_REFUSALS] = {"registration_refusals", REPORT_COUNT},
    [RF_MH_WAIT] = {"mental_health_wait_days", REPORT_MEDIAN},
    [RF_ANTIDEPRESSANT] = {"antidepressant_without_therapy", REPORT_COUNT},
    [RF_NRM_REFERRALS] = {"nrm_referrals", REPORT_COUNT},
    [RF_RG_DAYS] = {"rg_decision_days", REPORT_MEDIAN},
    [RF_CG_DAYS] = {"cg_decision_days", REPORT_MEDIAN},
    [RF_CG_WAITING] = {"cg_waiting_over_year", REPORT_COUNT},
    [RF_HOUSING_GOAL_SET] = {"housing_goal_set", REPORT_COUNT},
    [RF_HOUSING_GOAL_MET] = {"housing_goal_met", REPORT_RATE},
    [RF_HOUSING_LINKED] = {"linked_to_housing", REPORT_COUNT},
    [RF_SAFETY_GOAL_SET] = {"safety_goal_set", REPORT_COUNT},
    [RF_SAFETY_GOAL_MET] = {"safety_goal_met", REPORT_RATE},
    [RF_PLAN_IN_PLACE] = {"support_plan_in_place", REPORT_RATE},
    [RF_PLAN_ON_TIME] = {"plan_reviewed_on_time", REPORT_RATE},
    [RF_NO_ADVOCATE_CHANGE] = {"no_advocate_change", REPORT_RATE},
    [RF_ADVOCATE_CHANGES] = {"advocate_changes", REPORT_COUNT},
    [RF_MEDS_EXPLAINED] = {"medications_explained", REPORT_RATE},
    [RF_MEDS_OWN_LANGUAGE] = {"medications_explained_in_own_language", REPORT_RATE},
    [RF_PURPOSE_GOAL_SET] = {"purpose_goal_set", REPORT_COUNT},
    [RF_PURPOSE_GOAL_MET] = {"purpose_goal_met", REPORT_RATE},
    [RF_VOLUNTEERING_LINKED] = {"linked_to_volunteering", REPORT_COUNT},
    [RF_DENTAL_REGISTERED] = {"dental_registered", REPORT_RATE},
    [RF_APPOINTMENTS_ATTENDED] = {"appointments_attended", REPORT_RATE},
    [RF_EDUCATION_GOAL_SET] = {"education_goal_set", REPORT_COUNT},
    [RF_EDUCATION_GOAL_MET] = {"education_goal_met", REPORT_RATE},
    [RF_EDUCATION_LINKED] = {"linked_to_education", REPORT_COUNT},
};

const char *const report_reasons[REPORT_REASONS] = {
    "no_proof_of_address", "no_id", "no_immigration_status", "no_nhs_number", "no_interpreter",
    "list_full",	   "other"};

int report_reason_index(const char *reason)
{
	for (int i = 0; reason && i < REPORT_REASONS; i++)
		if (strcmp(report_reasons[i], reason) == 0)
			return i;
	return REPORT_REASONS - 1; /* "other" */
}

const enum report_fig report_month_figures[REPORT_MONTH_FIGS] = {
    RF_COHORT, RF_ENTERED, RF_GP_REGISTERED, RF_ACCESSED_HEALTH, RF_LINKED};

static const enum report_fig housing[] = {RF_HOUSING_GOAL_SET, RF_HOUSING_GOAL_MET,
					  RF_HOUSING_LINKED};
static const enum report_fig safety[] = {RF_SAFETY_GOAL_SET, RF_SAFETY_GOAL_MET};
static const enum report_fig long_term[] = {RF_PLAN_IN_PLACE, RF_PLAN_ON_TIME,
					    RF_NO_ADVOCATE_CHANGE, RF_ADVOCATE_CHANGES};
static const enum report_fig trauma[] = {RF_INTERPRETER, RF_MEDS_EXPLAINED, RF_MEDS_OWN_LANGUAGE,
					 RF_MH_WAIT};
static const enum report_fig purpose[] = {RF_PURPOSE_GOAL_SET, RF_PURPOSE_GOAL_MET,
					  RF_VOLUNTEERING_LINKED};
static const enum report_fig medical[] = {RF_GP_REGISTERED, RF_DENTAL_REGISTERED,
					  RF_ACCESSED_HEALTH, RF_APPOINTMENTS_ATTENDED,
					  RF_DAYS_TO_GP};
static const enum report_fig education[] = {RF_EDUCATION_GOAL_SET, RF_EDUCATION_GOAL_MET,
					    RF_EDUCATION_LINKED};

#define OUTCOME(name, evidence, note, figs)                                                        \
	{                                                                                          \
		name, evidence, note, figs, sizeof figs / sizeof figs[0]                           \
	}

/* The Modern Slavery Core Outcome Set (Modern Slavery PEC, 2023): what the
 * record can honestly show of each. docs/reports.md explains the mapping. */
const struct report_outcome report_outcomes[REPORT_OUTCOMES] = {
    OUTCOME("secure_suitable_housing", "partial",
	    "Shows housing goals and housing referrals, not where the survivor lives or whether "
	    "it is secure and suitable.",
	    housing),
    OUTCOME("safety", "partial",
	    "Shows safety goals in support plans, not whether the survivor is or feels safe.",
	    safety),
    OUTCOME("long_term_support", "partial",
	    "Shows plans, reviews and changes of advocate while in service (changes counted since "
	    "the upgrade that added the counter, undated), not support after the service ends.",
	    long_term),
    OUTCOME("trauma_informed_services", "partial",
	    "Shows interpreters, medicines explained and mental health waits, not how services "
	    "treated the survivor.",
	    trauma),
    OUTCOME("purpose_in_life", "partial",
	    "Shows purpose goals and volunteering referrals, not the survivor's own sense of "
	    "purpose.",
	    purpose),
    OUTCOME("access_to_medical_treatment", "good",
	    "Counts the registrations and appointments the agency recorded; care found without it "
	    "is missing.",
	    medical),
    OUTCOME("access_to_education", "partial",
	    "Shows education goals and referrals, not enrolment, attendance or qualifications.",
	    education),
};

bool report_values_push(struct report_values *l, int d)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		int *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = d;
	return true;
}

void report_raw_clear(struct report_raw *r)
{
	for (int i = 0; i < RF_COUNT; i++)
		free(r->values[i].v);
	memset(r, 0, sizeof *r);
}

bool report_small(int64_t n)
{
	return n >= 1 && n <= 4;
}

bool report_shown(int64_t n, bool suppress)
{
	return !(suppress && report_small(n));
}

double report_round(double v, int places)
{
	/* Without libm: the values are small (rates 0-1, medians in days). */
	double scale = 1;
	for (int i = 0; i < places; i++)
		scale *= 10;
	double x = v * scale;
	return (double)(long long)(x + (x >= 0 ? 0.5 : -0.5)) / scale;
}

struct report_figure report_count(int64_t n, bool suppress)
{
	struct report_figure f = {.kind = REPORT_COUNT};
	if (!report_shown(n, suppress)) {
		f.suppressed = true;
		return f;
	}
	f.has_value = true;
	f.value = (double)n;
	return f;
}

struct report_figure report_rate(int64_t num, int64_t den, bool suppress)
{
	assert(num >= 0 && den >= 0);
	struct report_figure f = {.kind = REPORT_RATE};
	if (!report_shown(num, suppress) || !report_shown(den, suppress)) {
		f.suppressed = true;
		return f;
	}
	f.has_num = f.has_den = true;
	f.numerator = num;
	f.denominator = den;
	if (den > 0) {
		f.has_value = true;
		f.value = report_round((double)num / (double)den, 4);
	}
	return f;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

struct report_figure report_median(int *values, size_t n, bool suppress)
{
	struct report_figure f = {.kind = REPORT_MEDIAN};
	if (!report_shown((int64_t)n, suppress)) {
		f.suppressed = true;
		return f;
	}
	f.has_count = true;
	f.count = (int64_t)n;
	if (n == 0)
		return f;
	qsort(values, n, sizeof *values, cmp_int);
	double m = n % 2 ? (double)values[n / 2]
			 : ((double)values[n / 2 - 1] + (double)values[n / 2]) / 2.0;
	f.has_value = true;
	f.value = report_round(m, 1);
	return f;
}

struct report_figure report_answer(struct report_raw *raw, enum report_fig f, bool suppress)
{
	assert(f >= 0 && f < RF_COUNT);
	switch (report_figures[f].kind) {
	case REPORT_RATE:
		return report_rate(raw->num[f], raw->den[f], suppress);
	case REPORT_MEDIAN:
		return report_median(raw->values[f].v, raw->values[f].n, suppress);
	case REPORT_COUNT:
	default:
		return report_count(raw->num[f], suppress);
	}
}

const struct report_bucket report_buckets[REPORT_BUCKETS] = {
    {0, 7}, {8, 14}, {15, 28}, {29, 56}, {57, 91}, {92, 182}, {183, 365}, {366, -1},
};

void report_distribution(const int *values, size_t n, int64_t counts[REPORT_BUCKETS])
{
	memset(counts, 0, REPORT_BUCKETS * sizeof counts[0]);
	for (size_t i = 0; i < n; i++) {
		int b = 0;
		while (b + 1 < REPORT_BUCKETS && values[i] >= report_buckets[b + 1].from_days)
			b++;
		counts[b]++;
	}
}

void report_number_text(enum report_kind kind, bool has, double value, char *out, size_t cap)
{
	if (!has)
		snprintf(out, cap, "%s", "");
	else if (kind == REPORT_RATE)
		snprintf(out, cap, "%.4f", value);
	else if (kind == REPORT_MEDIAN)
		snprintf(out, cap, "%.1f", value);
	else
		snprintf(out, cap, "%lld", (long long)value);
}

size_t report_csv_field(const char *s, char *out, size_t cap)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	size_t n = 0;
#define PUT(ch)                                                                                    \
	do {                                                                                       \
		if (n + 1 < cap)                                                                   \
			out[n] = (ch);                                                             \
		n++;                                                                               \
	} while (0)
	if (quote)
		PUT('"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			PUT('"');
		PUT(*p);
	}
	if (quote)
		PUT('"');
#undef PUT
	if (cap)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}
