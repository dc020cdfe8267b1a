/*
 * pages_manage.c - a manager's pages: the organisation's caseloads and the
 * reassignment of a survivor, safeguarding shares to review, a record's
 * access log, and the outcome report with its charts and CSV (which
 * analysts read too, with small numbers hidden).
 *
 * Every figure, name and rule comes from the API's own handlers through
 * page_api: the pages put them in words and draw them. The audited reads
 * a page makes (the survivors list, the alerts, the shares, the log) stay
 * within PAGE_HELD_MAX by asking for whole lists once, never one survivor
 * at a time per advocate.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/date.h"
#include "../domain/report.h"
#include "../render/chart.h"
#include "../util/text.h"
#include "pages.h"
#include "words.h"

/* Fewer than this many shares a page: each costs one audited read of its
 * survivor (for the name), and the list one more, within PAGE_HELD_MAX. */
#define SHARES_A_PAGE 6
#define HIDDEN_WORDS  "fewer than 5 (hidden)"

/* ---- shared by the pages here ---- */

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* The items of a list answer (a new reference; an empty array on failure). */
static json_t *items_of(json_t *answer, unsigned st)
{
	json_t *items = st == 200 ? json_object_get(answer, "items") : NULL;
	items = json_is_array(items) ? json_incref(items) : json_array();
	json_decref(answer);
	return items;
}

/* The accounts the caller may list: every one for an administrator, their
 * organisation's for a manager. */
static json_t *accounts(struct page *p)
{
	static const char *const params[] = {"limit", "500", NULL};
	unsigned st;
	json_t *a = page_api(p, "GET", "/api/v1/users", params, NULL, &st);
	return items_of(a, st);
}

static const json_t *by_id(const json_t *items, const char *id)
{
	size_t i;
	const json_t *it;
	json_array_foreach(items, i, it)
	{
		if (id && strcmp(str(it, "id"), id) == 0)
			return it;
	}
	return NULL;
}

static const char *display_name(const json_t *users, const char *id)
{
	const json_t *u = by_id(users, id);
	return u ? str(u, "display_name") : NULL;
}

static bool is_manager(const struct page *p)
{
	return strcmp(page_role(p), "manager") == 0;
}

/* ---- the outcome report ---- */

/* The report's figures in words a manager reads aloud. */
static const struct {
	const char *name, *label;
} figure_labels[] = {
    {"cohort", "Survivors in the service during the period"},
    {"entered", "Survivors who entered the service"},
    {"gp_registered", "Registered with a GP"},
    {"days_to_gp_registration", "Days from entering the service to GP registration"},
    {"accessed_health_services", "Went to at least one health appointment"},
    {"linked_to_services", "Linked to a service by an accepted referral"},
    {"interpreter_provided", "Appointments needing an interpreter that had one"},
    {"did_not_attend", "Appointments the survivor did not attend"},
    {"third_party_cancellations", "Appointments cancelled by a third party or someone unknown"},
    {"registration_refusals", "Registrations refused"},
    {"mental_health_wait_days", "Days waited for mental health support"},
    {"antidepressant_without_therapy", "On an antidepressant with no talking therapy referral"},
    {"nrm_referrals", "Referrals into the National Referral Mechanism"},
    {"rg_decision_days", "Days to a reasonable grounds decision"},
    {"cg_decision_days", "Days to a conclusive grounds decision"},
    {"cg_waiting_over_year", "Waiting over a year for a conclusive grounds decision"},
    {"housing_goal_set", "With a housing goal in their plan"},
    {"housing_goal_met", "Housing goals met"},
    {"linked_to_housing", "Linked to housing support"},
    {"safety_goal_set", "With a safety goal in their plan"},
    {"safety_goal_met", "Safety goals met"},
    {"support_plan_in_place", "With a support plan"},
    {"plan_reviewed_on_time", "Plans reviewed on time"},
    {"no_advocate_change", "Kept the same advocate"},
    {"advocate_changes", "Changes of advocate"},
    {"medications_explained", "Medicines explained to the survivor"},
    {"medications_explained_in_own_language", "Medicines explained in the survivor's own language"},
    {"purpose_goal_set", "With a purpose goal in their plan"},
    {"purpose_goal_met", "Purpose goals met"},
    {"linked_to_volunteering", "Linked to volunteering"},
    {"dental_registered", "Registered with a dentist"},
    {"appointments_attended", "Appointments attended"},
    {"education_goal_set", "With an education goal in their plan"},
    {"education_goal_met", "Education goals met"},
    {"linked_to_education", "Linked to education"},
};

static const struct {
	const char *name, *label;
} outcome_labels[] = {
    {"secure_suitable_housing", "Secure and suitable housing"},
    {"safety", "Safety"},
    {"long_term_support", "Long-term support"},
    {"trauma_informed_services", "Trauma-informed services"},
    {"purpose_in_life", "Purpose in life"},
    {"access_to_medical_treatment", "Access to medical treatment"},
    {"access_to_education", "Access to education"},
};

/* What each median's values are of, for its chart's axis. */
static const struct {
	const char *name, *unit;
} median_units[] = {
    {"days_to_gp_registration", "survivors"},
    {"mental_health_wait_days", "referrals"},
    {"rg_decision_days", "decisions"},
    {"cg_decision_days", "decisions"},
};

static void label_of(const char *name, char *out, size_t cap)
{
	for (size_t i = 0; i < sizeof figure_labels / sizeof figure_labels[0]; i++)
		if (strcmp(figure_labels[i].name, name) == 0) {
			snprintf(out, cap, "%s", figure_labels[i].label);
			return;
		}
	for (size_t i = 0; i < sizeof outcome_labels / sizeof outcome_labels[0]; i++)
		if (strcmp(outcome_labels[i].name, name) == 0) {
			snprintf(out, cap, "%s", outcome_labels[i].label);
			return;
		}
	char w[WORDS_MAX];
	words_code(name, w);
	snprintf(out, cap, "%s", w);
}

static enum report_kind kind_of(const char *name)
{
	for (int f = 0; f < RF_COUNT; f++)
		if (strcmp(report_figures[f].name, name) == 0)
			return report_figures[f].kind;
	return REPORT_COUNT;
}

/* A percentage to one place at most: 0.8125 -> "81.3". */
static void percent(double rate, char *out, size_t cap)
{
	long long tenths = (long long)(rate * 1000 + 0.5);
	chart_number((double)tenths / 10, out, cap);
}

/* One figure in words: "3 of 5 (60%)", "12.5 days (the median of 8)",
 * "fewer than 5 (hidden)". */
static void figure_words(const json_t *fig, enum report_kind kind, char *out, size_t cap)
{
	if (json_is_true(json_object_get(fig, "suppressed"))) {
		snprintf(out, cap, HIDDEN_WORDS);
		return;
	}
	const json_t *value = json_object_get(fig, "value");
	char num[32];
	switch (kind) {
	case REPORT_RATE: {
		json_int_t n = json_integer_value(json_object_get(fig, "numerator"));
		json_int_t d = json_integer_value(json_object_get(fig, "denominator"));
		if (d == 0 || !json_is_number(value)) {
			snprintf(out, cap, "none to count (0 of 0)");
			return;
		}
		percent(json_number_value(value), num, sizeof num);
		snprintf(out, cap, "%lld of %lld (%s%%)", (long long)n, (long long)d, num);
		return;
	}
	case REPORT_MEDIAN: {
		if (!json_is_number(value)) {
			snprintf(out, cap, "no values in this period");
			return;
		}
		chart_number(json_number_value(value), num, sizeof num);
		json_int_t count = json_integer_value(json_object_get(fig, "count"));
		snprintf(out, cap, "%s days (the median of %lld)", num, (long long)count);
		return;
	}
	case REPORT_COUNT:
	default:
		snprintf(out, cap, "%lld", (long long)json_integer_value(value));
		return;
	}
}

static json_t *figure_row(const char *name, const json_t *fig)
{
	char label[128], words[96];
	label_of(name, label, sizeof label);
	figure_words(fig, kind_of(name), words, sizeof words);
	return json_pack("{s:s, s:s, s:s}", "name", name, "label", label, "words", words);
}

/* A registration's refusal reason in words (abbreviations kept whole). */
static void reason_words(const char *reason, char out[WORDS_MAX])
{
	static const char *const words[][2] = {
	    {"no_id", "No ID"},
	    {"no_nhs_number", "No NHS number"},
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(words[i][0], reason) == 0) {
			snprintf(out, WORDS_MAX, "%s", words[i][1]);
			return;
		}
	words_code(reason, out);
}

static json_t *figure_rows(const json_t *figures)
{
	json_t *rows = json_array();
	const char *name;
	const json_t *fig;
	json_object_foreach((json_t *)figures, name, fig)
	{
		json_t *row = figure_row(name, fig);
		json_t *reasons = json_array();
		const char *reason;
		const json_t *count;
		json_object_foreach(json_object_get(fig, "by_reason"), reason, count)
		{
			char label[WORDS_MAX], words[48];
			reason_words(reason, label);
			if (json_is_integer(count))
				snprintf(words, sizeof words, "%lld",
					 (long long)json_integer_value(count));
			else
				snprintf(words, sizeof words, HIDDEN_WORDS);
			json_array_append_new(
			    reasons, json_pack("{s:s, s:s}", "label", label, "words", words));
		}
		json_object_set_new(row, "has_reasons", json_boolean(json_array_size(reasons) > 0));
		json_object_set_new(row, "reasons", reasons);
		json_array_append_new(rows, row);
	}
	return rows;
}

/* "2026-01" as "January 2026" (long) and "Jan 2026" (short). */
static void month_words(const char *month, char *long_out, size_t lcap, char *short_out,
			size_t scap)
{
	char ymd[DATE_TEXT_LEN + 4], w[WORDS_MAX];
	snprintf(ymd, sizeof ymd, "%.7s-01", month);
	if (!words_date(ymd, w)) {
		snprintf(long_out, lcap, "%s", month);
		snprintf(short_out, scap, "%s", month);
		return;
	}
	const char *sp = strchr(w, ' '); /* "1 January 2026": after the day */
	const char *rest = sp ? sp + 1 : w;
	const char *year = strrchr(rest, ' ');
	snprintf(long_out, lcap, "%s", rest);
	snprintf(short_out, scap, "%.3s%s", rest, year ? year : "");
}

static char *take(struct buf *b)
{
	char *s = buf_take(b, NULL);
	return s ? s : strdup("");
}

/* The cohort month by month: a chart and its table. */
static void months_data(json_t *data, const json_t *months)
{
	if (!json_is_array(months)) {
		json_object_set_new(data, "months_too_long", json_true());
		return;
	}
	size_t n = json_array_size(months);
	struct chart_bar *bars = calloc(n ? n : 1, sizeof *bars);
	char(*shorts)[32] = calloc(n ? n : 1, sizeof *shorts);
	json_t *rows = json_array();
	for (size_t i = 0; bars && shorts && i < n; i++) {
		const json_t *m = json_array_get(months, i);
		char long_name[WORDS_MAX];
		month_words(str(m, "month"), long_name, sizeof long_name, shorts[i],
			    sizeof shorts[i]);
		const json_t *cohort = json_object_get(m, "cohort");
		bars[i].label = shorts[i];
		bars[i].hidden = json_is_true(json_object_get(cohort, "suppressed"));
		bars[i].value = (double)json_integer_value(json_object_get(cohort, "value"));
		json_t *row = json_pack("{s:s}", "month", long_name);
		static const char *const cols[] = {"cohort", "entered", "gp_registered",
						   "accessed_health_services",
						   "linked_to_services"};
		for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
			char words[96];
			figure_words(json_object_get(m, cols[k]), kind_of(cols[k]), words,
				     sizeof words);
			json_object_set_new(row, cols[k], json_string(words));
		}
		json_array_append_new(rows, row);
	}
	struct buf svg = BUF_INIT;
	const struct chart c = {"chart-months", "Survivors in the cohort, month by month",
				"One column a month: how many survivors were in the service "
				"during that month. The table beside it gives the same figures.",
				"survivors", "No survivors were in the service in this period."};
	chart_columns(&svg, &c, bars, bars && shorts ? n : 0);
	char *s = take(&svg);
	json_object_set_new(data, "months_chart", json_string(s));
	json_object_set_new(data, "months", rows);
	free(s);
	free(bars);
	free(shorts);
}

static void bucket_label(const json_t *b, char *out, size_t cap)
{
	const json_t *to = json_object_get(b, "to_days");
	long long from = (long long)json_integer_value(json_object_get(b, "from_days"));
	if (json_is_integer(to))
		snprintf(out, cap, "%lld to %lld days", from, (long long)json_integer_value(to));
	else
		snprintf(out, cap, "%lld days or more", from);
}

/* Whether the median value falls in bucket b. */
static bool holds(const json_t *b, const json_t *median)
{
	if (!json_is_number(median))
		return false;
	double v = json_number_value(median);
	const json_t *to = json_object_get(b, "to_days");
	double from = (double)json_integer_value(json_object_get(b, "from_days"));
	return v >= from && (!json_is_integer(to) || v < (double)json_integer_value(to) + 1);
}

static json_t *distribution(const char *name, const json_t *buckets, const json_t *fig,
			    const char *unit)
{
	size_t n = json_array_size(buckets);
	struct chart_bar bars[16];
	char labels[16][32];
	if (n > 16)
		n = 16;
	json_t *rows = json_array();
	for (size_t i = 0; i < n; i++) {
		const json_t *b = json_array_get(buckets, i);
		bucket_label(b, labels[i], sizeof labels[i]);
		bars[i].label = labels[i];
		bars[i].hidden = json_is_true(json_object_get(b, "suppressed"));
		bars[i].value = (double)json_integer_value(json_object_get(b, "count"));
		bars[i].marked = !json_is_true(json_object_get(fig, "suppressed")) &&
				 holds(b, json_object_get(fig, "value"));
		char words[48];
		if (bars[i].hidden)
			snprintf(words, sizeof words, HIDDEN_WORDS);
		else
			chart_number(bars[i].value, words, sizeof words);
		json_array_append_new(rows, json_pack("{s:s, s:s, s:b}", "label", labels[i],
						      "words", words, "marked", bars[i].marked));
	}
	char label[128], id[96], desc[320], median[96], empty[200];
	label_of(name, label, sizeof label);
	snprintf(id, sizeof id, "chart-%s", name);
	figure_words(fig, REPORT_MEDIAN, median, sizeof median);
	snprintf(desc, sizeof desc,
		 "How many %s fall in each range of days; the median is %s. The table beside "
		 "it gives the same figures.",
		 unit, median);
	snprintf(empty, sizeof empty, "Nothing was measured for this in the period.");
	const struct chart c = {id, label, desc, unit, empty};
	struct buf svg = BUF_INIT;
	chart_distribution(&svg, &c, bars, n);
	char *s = take(&svg);
	json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", id, "heading", label, "median",
			      median, "chart", s, "rows", rows);
	free(s);
	return d;
}

static json_t *distributions(const json_t *report)
{
	json_t *out = json_array();
	const json_t *dist = json_object_get(report, "distributions");
	const json_t *figs = json_object_get(report, "figures");
	for (size_t i = 0; i < sizeof median_units / sizeof median_units[0]; i++) {
		const json_t *b = json_object_get(dist, median_units[i].name);
		if (json_is_array(b))
			json_array_append_new(
			    out, distribution(median_units[i].name, b,
					      json_object_get(figs, median_units[i].name),
					      median_units[i].unit));
	}
	return out;
}

static json_t *outcomes(const json_t *mscos)
{
	json_t *out = json_array();
	for (size_t i = 0; i < sizeof outcome_labels / sizeof outcome_labels[0]; i++) {
		const json_t *o = json_object_get(mscos, outcome_labels[i].name);
		if (!o)
			continue;
		bool good = strcmp(str(o, "evidence"), "good") == 0;
		json_array_append_new(out, json_pack("{s:s, s:s, s:b, s:s, s:o}", "heading",
						     outcome_labels[i].label, "id",
						     outcome_labels[i].name, "good", good, "note",
						     str(o, "note"), "figures",
						     figure_rows(json_object_get(o, "figures"))));
	}
	return out;
}

/* A period's end as typed, for the API to judge and the form to show
 * again: text that is not UTF-8, or that would be cut (perhaps inside a
 * character), is kept as "?", which the API refuses as it would any other
 * non-date, rather than as bytes the page's data cannot hold. */
static void typed(const char *v, char out[32])
{
	size_t n = strlen(v);
	snprintf(out, 32, "%s", n < 32 && text_utf8_valid(v, n) ? v : "?");
}

/* The period asked for, or this calendar year to today. */
static void period(struct page *p, char from[32], char to[32])
{
	const char *f = http_query(p->req, "from");
	const char *t = http_query(p->req, "to");
	char today[DATE_TEXT_LEN];
	date_format(instant_local_day(p->now), today);
	typed(t && t[0] ? t : today, to);
	if (f && f[0])
		typed(f, from);
	else
		snprintf(from, 32, "%.4s-01-01", to);
}

void page_report(struct page *p)
{
	char from[32], to[32];
	period(p, from, to);
	const char *const params[] = {"from", from, "to", to, NULL};
	unsigned st;
	json_t *r = page_api(p, "GET", "/api/v1/reports/outcomes", params, NULL, &st);
	p->data = json_pack("{s:s, s:s}", "from", from, "to", to);
	if (!p->data) {
		json_decref(r);
		return;
	}
	if (st == 422) {
		/* The API's "must be a date ..." names its field in the error's
		 * field: the page's sentence names it in words. */
		static const char *const labels[] = {"from", "From", "to", "To", NULL};
		const json_t *err = json_object_get(r, "error");
		const char *field = str(err, "field"), *msg = str(err, "message");
		char text[256];
		snprintf(text, sizeof text, "%s %s", strcmp(field, "to") == 0 ? "To" : "From", msg);
		json_t *e =
		    strncmp(msg, "must ", 5) == 0
			? json_pack("{s:{s:s, s:s}}", "error", "field", field, "message", text)
			: json_incref(r);
		page_form_errors(p, e, labels);
		json_decref(e);
		json_decref(r);
		page_render(p, 422, "report", "Outcome report");
		return;
	}
	if (st != 200 || !json_is_object(r)) {
		json_decref(r);
		page_error(p, st == 403 ? 403 : 500,
			   st == 403 ? "You cannot see the outcome report"
				     : "Sorry, there is a problem with the service",
			   st == 403 ? "Only managers and analysts see the outcome report."
				     : "The report could not be made. Try again later.");
		return;
	}
	char fw[WORDS_MAX], tw[WORDS_MAX], csv[96];
	words_date(str(r, "from"), fw);
	words_date(str(r, "to"), tw);
	snprintf(csv, sizeof csv, "/report.csv?from=%s&to=%s", str(r, "from"), str(r, "to"));
	json_t *d = p->data;
	json_object_set_new(d, "has_report", json_true());
	json_object_set_new(d, "from_words", json_string(fw));
	json_object_set_new(d, "to_words", json_string(tw));
	json_object_set_new(d, "csv_href", json_string(csv));
	json_object_set_new(d, "suppressed",
			    json_boolean(json_is_true(json_object_get(r, "suppressed"))));
	json_object_set_new(d, "all_orgs",
			    json_boolean(json_is_null(json_object_get(r, "org_id"))));
	json_object_set_new(d, "figures", figure_rows(json_object_get(r, "figures")));
	months_data(d, json_object_get(r, "months"));
	json_object_set_new(d, "distributions", distributions(r));
	json_object_set_new(d, "outcomes", outcomes(json_object_get(r, "mscos")));
	json_decref(r);
	page_render(p, 200, "report", "Outcome report");
}

static void free_inner(struct http_req *r, void *arg)
{
	(void)arg;
	http_inner_free(r);
}

/* The API's CSV as a download: the report shows no one's record, so its
 * answer is never held for audit and is passed on as it is. */
void page_report_csv(struct page *p)
{
	char from[32], to[32];
	period(p, from, to);
	const char *const params[] = {"from", from, "to", to, NULL};
	struct http_req *in = http_inner_new(p->req, "GET", "/api/v1/reports/outcomes.csv", params,
					     p->token, NULL, 0);
	if (!in) {
		page_error(p, 500, "Sorry, there is a problem with the service",
			   "The report could not be made. Try again later.");
		return;
	}
	api_handle(in, p->app);
	unsigned st = http_inner_status(in);
	size_t len;
	const char *text = http_inner_answer(in, &len);
	const char *disposition = http_inner_answer_header(in, "Content-Disposition");
	if (http_inner_held(in)) {
		/* A report shows no one's record and is never held for audit: a
		 * held answer is a bug, never passed on unaudited. */
		http_inner_release(in, free_inner, NULL);
		page_error(p, 500, "Sorry, there is a problem with the service",
			   "The report could not be made. Try again later.");
		return;
	}
	char *copy = st == 200 && disposition ? malloc(len + 1) : NULL;
	if (!copy) {
		http_inner_free(in);
		page_error(p,
			   st == 422   ? 422
			   : st == 403 ? 403
				       : 500,
			   "The report could not be downloaded",
			   st == 422
			       ? "The dates are not right. Go back to the report and check them."
			       : "Go back to the report and try again.");
		return;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	http_add_header(p->req, "Content-Disposition", disposition);
	http_inner_free(in);
	http_respond(p->req, 200, "text/csv; charset=utf-8", copy, len);
}

/* ---- caseloads and reassignment ---- */

static const char *const severity_codes[] = {"critical", "high", "medium", "low"};
#define N_SEV (sizeof severity_codes / sizeof severity_codes[0])

/* Whether an account may hold a caseload (the API checks it again). */
static bool holds_caseload(const json_t *u)
{
	const char *role = str(u, "role");
	return !json_is_true(json_object_get(u, "disabled")) &&
	       (strcmp(role, "advocate") == 0 || strcmp(role, "manager") == 0);
}

struct load {
	json_int_t survivors;
	json_int_t alerts[N_SEV];
};

static int sev_index(const char *s)
{
	for (size_t i = 0; i < N_SEV; i++)
		if (strcmp(s, severity_codes[i]) == 0)
			return (int)i;
	return (int)N_SEV - 1;
}

static json_t *load_row(const char *name, const char *id, const struct load *l)
{
	json_t *row = json_pack("{s:s, s:s, s:I}", "name", name, "id", id, "survivors",
				(json_int_t)l->survivors);
	for (size_t k = 0; row && k < N_SEV; k++)
		json_object_set_new(row, severity_codes[k], json_integer(l->alerts[k]));
	return row;
}

void page_caseloads(struct page *p)
{
	if (!is_manager(p)) {
		page_error(p, 403, "You cannot see caseloads",
			   "Only managers see the organisation's caseloads.");
		return;
	}
	static const char *const sparams[] = {"limit", "500", "status", "active", NULL};
	unsigned st, ast;
	json_t *slist = page_api(p, "GET", "/api/v1/survivors", sparams, NULL, &st);
	bool more = st == 200 && json_is_string(json_object_get(slist, "next_cursor"));
	json_t *survivors = items_of(slist, st);
	json_t *alerts = page_api(p, "GET", "/api/v1/alerts", NULL, NULL, &ast);
	json_t *users = accounts(p);
	if (st != 200 || ast != 200) {
		json_decref(survivors);
		json_decref(alerts);
		json_decref(users);
		page_error(p, 500, "Sorry, there is a problem with the service",
			   "The caseloads could not be shown. Try again later.");
		return;
	}
	size_t nu = json_array_size(users);
	struct load *loads = calloc(nu + 1, sizeof *loads); /* [nu]: nobody */
	json_t *rows = json_array();
	size_t i;
	const json_t *s;
	json_array_foreach(survivors, i, s)
	{
		const char *adv = str(s, "advocate_id");
		size_t k = nu;
		for (size_t u = 0; adv[0] && u < nu; u++)
			if (strcmp(str(json_array_get(users, u), "id"), adv) == 0)
				k = u;
		int counts[N_SEV] = {0};
		size_t j;
		const json_t *a;
		json_array_foreach(json_object_get(alerts, "items"), j, a)
		{
			if (strcmp(str(a, "survivor_id"), str(s, "id")) == 0)
				counts[sev_index(str(a, "severity"))]++;
		}
		if (loads) {
			loads[k].survivors++;
			for (size_t c = 0; c < N_SEV; c++)
				loads[k].alerts[c] += counts[c];
		}
		const char *name = display_name(users, adv);
		char href[96], record[96], urgent[WORDS_MAX] = "";
		snprintf(href, sizeof href, "/caseloads/%s", str(s, "id"));
		snprintf(record, sizeof record, "/survivors/%s", str(s, "id"));
		for (size_t c = 0; c < N_SEV && !urgent[0]; c++)
			if (counts[c])
				words_code(severity_codes[c], urgent);
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "known_as",
						      str(s, "known_as"), "record_href", record,
						      "href", href, "advocate",
						      name ? name : "Nobody (unassigned)", "urgent",
						      urgent, "id", str(s, "id")));
	}
	json_t *advocates = json_array();
	for (size_t u = 0; loads && u < nu; u++) {
		const json_t *acc = json_array_get(users, u);
		if (holds_caseload(acc) || loads[u].survivors)
			json_array_append_new(advocates, load_row(str(acc, "display_name"),
								  str(acc, "id"), &loads[u]));
	}
	if (loads && loads[nu].survivors)
		json_array_append_new(advocates, load_row("Nobody (unassigned)", "", &loads[nu]));
	free(loads);
	json_decref(survivors);
	json_decref(alerts);
	json_decref(users);
	p->data = json_pack("{s:b, s:o, s:o, s:b}", "has_survivors", json_array_size(rows) > 0,
			    "advocates", advocates, "survivors", rows, "more", more);
	page_render(p, 200, "manage-caseloads", "Caseloads");
}

/* The reassignment form of survivor s, with the accounts that may take it. */
static void reassign_form(struct page *p, unsigned status, const json_t *s, const json_t *users,
			  const char *chosen)
{
	if (!p->data)
		p->data = json_object();
	json_t *options = json_array();
	size_t i;
	const json_t *u;
	json_array_foreach(users, i, u)
	{
		if (!holds_caseload(u))
			continue;
		char role[WORDS_MAX];
		words_code(str(u, "role"), role);
		json_array_append_new(options,
				      json_pack("{s:s, s:s, s:s, s:b}", "value", str(u, "id"),
						"name", str(u, "display_name"), "role", role,
						"selected", strcmp(chosen, str(u, "id")) == 0));
	}
	const char *current = display_name(users, str(s, "advocate_id"));
	json_t *d = p->data;
	json_object_set_new(d, "known_as", json_string(str(s, "known_as")));
	json_object_set_new(d, "id", json_string(str(s, "id")));
	json_object_set_new(d, "version",
			    json_integer(json_integer_value(json_object_get(s, "version"))));
	json_object_set_new(d, "current", json_string(current ? current : "Nobody (unassigned)"));
	json_object_set_new(d, "unassigned_selected", json_boolean(!chosen[0]));
	json_object_set_new(d, "options", options);
	page_render(p, status, "manage-reassign", "Reassign a survivor");
}

static json_t *survivor(struct page *p, unsigned *st)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/survivors/%s", page_param(p, 0));
	return page_api(p, "GET", path, NULL, NULL, st);
}

void page_reassign(struct page *p)
{
	unsigned st;
	json_t *s = survivor(p, &st);
	if (st != 200 || !is_manager(p)) {
		json_decref(s);
		page_error(p, st == 200 ? 403 : 404, "Page not found",
			   "There is no survivor here that you may reassign.");
		return;
	}
	json_t *users = accounts(p);
	reassign_form(p, 200, s, users, str(s, "advocate_id"));
	json_decref(users);
	json_decref(s);
}

void page_reassign_post(struct page *p)
{
	const char *chosen = page_field(p, "advocate_id");
	char *end;
	long version = strtol(page_field(p, "version"), &end, 10);
	json_t *body = json_pack("{s:I, s:o}", "version", (json_int_t)version, "advocate_id",
				 chosen[0] ? json_string(chosen) : json_null());
	char path[96];
	snprintf(path, sizeof path, "/api/v1/survivors/%s", page_param(p, 0));
	unsigned st;
	json_t *answer = page_api(p, "PATCH", path, NULL, body, &st);
	if (st == 200) {
		json_decref(answer);
		page_redirect(p, "/caseloads");
		return;
	}
	p->data = json_object();
	if (st == 409) {
		json_t *err =
		    json_pack("{s:{s:s}}", "error", "message",
			      "Someone else changed this survivor's record since you opened "
			      "this page. Check who their advocate is now, then choose again.");
		page_form_errors(p, err, NULL);
		json_decref(err);
	} else if (st == 422) {
		static const char *const labels[] = {"advocate_id", "Advocate", NULL};
		page_form_errors(p, answer, labels);
	} else {
		json_decref(answer);
		page_error(p,
			   st == 403   ? 403
			   : st == 404 ? 404
				       : 500,
			   "The survivor was not reassigned",
			   "You may not reassign this survivor, or the record is not there.");
		return;
	}
	json_decref(answer);
	/* Redrawn from the record as it is now: its version and advocate. */
	unsigned status = st, sst;
	json_t *s = survivor(p, &sst);
	json_t *users = accounts(p);
	if (sst == 200)
		reassign_form(p, status, s, users, chosen);
	else
		page_error(p, 404, "Page not found", "The survivor's record is not there.");
	json_decref(users);
	json_decref(s);
}

/* ---- safeguarding shares ---- */

static json_t *org_list(struct page *p)
{
	static const char *const params[] = {"limit", "500", NULL};
	unsigned st;
	json_t *a = page_api(p, "GET", "/api/v1/orgs", params, NULL, &st);
	return items_of(a, st);
}

void page_safeguarding(struct page *p)
{
	if (!is_manager(p)) {
		page_error(p, 403, "You cannot see safeguarding shares",
			   "Only managers review safeguarding shares.");
		return;
	}
	const char *cursor = http_query(p->req, "cursor");
	char limit[8];
	snprintf(limit, sizeof limit, "%d", SHARES_A_PAGE);
	const char *const params[] = {"reviewed",	    "false", "limit", limit, "cursor",
				      cursor ? cursor : "", NULL};
	unsigned st;
	json_t *list = page_api(p, "GET", "/api/v1/safeguarding-shares", params, NULL, &st);
	const char *next = json_string_value(json_object_get(list, "next_cursor"));
	char next_href[256] = "";
	if (next && strlen(next) < 200)
		snprintf(next_href, sizeof next_href, "/safeguarding?cursor=%s", next);
	json_t *shares = items_of(list, st);
	if (st != 200) {
		json_decref(shares);
		page_error(p, st == 422 ? 400 : 500, "Sorry, there is a problem with the service",
			   "The safeguarding shares could not be shown. Try again later.");
		return;
	}
	json_t *orgs = org_list(p);
	json_t *users = accounts(p);
	json_t *rows = json_array();
	size_t i;
	const json_t *sh;
	json_array_foreach(shares, i, sh)
	{
		char path[96], when[WORDS_MAX], ends[WORDS_MAX], record[96], action[96];
		snprintf(path, sizeof path, "/api/v1/survivors/%s", str(sh, "survivor_id"));
		unsigned sst;
		json_t *s = page_api(p, "GET", path, NULL, NULL, &sst);
		words_when(str(sh, "created_at"), when);
		words_when(str(sh, "expires_at"), ends);
		snprintf(record, sizeof record, "/survivors/%s", str(sh, "survivor_id"));
		snprintf(action, sizeof action, "/safeguarding/%s", str(sh, "id"));
		const json_t *org = by_id(orgs, str(sh, "org_id"));
		const char *by = display_name(users, str(sh, "created_by"));
		json_array_append_new(
		    rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "known_as",
				    sst == 200 ? str(s, "known_as") : "A survivor", "record_href",
				    record, "action", action, "org",
				    org ? str(org, "name") : "Another organisation", "by",
				    by ? by : "A manager", "when", when, "ends", ends, "reason",
				    str(sh, "reason"), "version",
				    json_integer_value(json_object_get(sh, "version"))));
		json_decref(s);
	}
	json_decref(shares);
	json_decref(orgs);
	json_decref(users);
	if (!p->data)
		p->data = json_object();
	json_object_set_new(p->data, "shares", rows);
	json_object_set_new(p->data, "next_href", json_string(next_href));
	page_render(p, 200, "manage-safeguarding", "Safeguarding shares to review");
}

void page_safeguarding_post(struct page *p)
{
	char *end;
	long version = strtol(page_field(p, "version"), &end, 10);
	json_t *body = json_pack("{s:I, s:b}", "version", (json_int_t)version, "reviewed", 1);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/safeguarding-shares/%s", page_param(p, 0));
	unsigned st;
	json_t *answer = page_api(p, "PATCH", path, NULL, body, &st);
	if (st == 200) {
		json_decref(answer);
		page_redirect(p, "/safeguarding");
		return;
	}
	json_decref(answer);
	if (st == 409 || st == 404) {
		/* Reviewed by someone else meanwhile (or gone): say so, then the list as it is. */
		p->data = json_object();
		json_t *err = json_pack(
		    "{s:{s:s}}", "error", "message",
		    st == 409
			? "Someone else reviewed or changed this share since you opened the page. "
			  "The list below is as it is now."
			: "That share is no longer there to review. The list below is as it is "
			  "now.");
		page_form_errors(p, err, NULL);
		json_decref(err);
		page_safeguarding(p);
		return;
	}
	page_error(p, st == 403 ? 403 : 500, "The share was not marked as reviewed",
		   "Go back to the list and try again.");
}

/* ---- a record's access log ---- */

static void action_words(const char *action, char *out, size_t cap)
{
	static const char *const words[][2] = {
	    {"read", "Looked at the record"}, {"create", "Added to the record"},
	    {"update", "Changed the record"}, {"share", "Shared the record (safeguarding)"},
	    {"erase", "Erased the record"},
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(words[i][0], action) == 0) {
			snprintf(out, cap, "%s", words[i][1]);
			return;
		}
	char w[WORDS_MAX];
	words_code(action, w);
	snprintf(out, cap, "%s", w);
}

void page_access_log(struct page *p)
{
	const char *cursor = http_query(p->req, "cursor");
	const char *const params[] = {"limit", "50", "cursor", cursor ? cursor : "", NULL};
	char path[128];
	snprintf(path, sizeof path, "/api/v1/survivors/%s/access-log", page_param(p, 0));
	unsigned st;
	json_t *log = page_api(p, "GET", path, params, NULL, &st);
	if (st != 200) {
		json_decref(log);
		page_error(p,
			   st == 403   ? 403
			   : st == 422 ? 400
				       : 404,
			   st == 403 ? "You cannot see this access log" : "Page not found",
			   st == 403
			       ? "Only managers of the survivor's organisation see who opened "
				 "their record."
			       : "There is no access log here that you may see.");
		return;
	}
	const char *next = json_string_value(json_object_get(log, "next_cursor"));
	char next_href[320] = "", record[96];
	if (next && strlen(next) < 200)
		snprintf(next_href, sizeof next_href, "/survivors/%s/access-log?cursor=%s",
			 page_param(p, 0), next);
	snprintf(record, sizeof record, "/survivors/%s", page_param(p, 0));
	json_t *users = accounts(p);
	json_t *orgs = org_list(p);
	json_t *rows = json_array();
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(log, "items"), i, e)
	{
		char when[WORDS_MAX], what[64], role[WORDS_MAX], who[256];
		words_when(str(e, "at"), when);
		action_words(str(e, "action"), what, sizeof what);
		words_code(str(e, "role"), role);
		const char *name = display_name(users, str(e, "user_id"));
		const json_t *org = by_id(orgs, str(e, "org_id"));
		if (name)
			snprintf(who, sizeof who, "%s", name);
		else if (org)
			snprintf(who, sizeof who, "Someone at %s", str(org, "name"));
		else
			snprintf(who, sizeof who, "Someone at another organisation");
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s}", "who", who,
						      "role", role, "when", when, "what", what,
						      "route", str(e, "route")));
	}
	json_decref(log);
	json_decref(users);
	json_decref(orgs);
	p->data = json_pack("{s:b, s:o, s:s, s:s, s:b}", "has_entries", json_array_size(rows) > 0,
			    "entries", rows, "next_href", next_href, "record_href", record,
			    "first_page", !cursor || !cursor[0]);
	page_render(p, 200, "manage-access-log", "Access log");
}
