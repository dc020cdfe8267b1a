/*
 * reports.c - GET /api/v1/reports/outcomes and .../outcomes.csv: the
 * outcome report (spec reports.md; docs/reports.md).
 *
 * The route row lets managers and analysts in (ACT_REPORT_READ); here a
 * manager is held to their own organisation and sees exact figures, and an
 * analyst sees any organisation or all of them with small numbers
 * suppressed. The store counts (store_report_outcomes), the domain rounds
 * and suppresses (domain/report.h); this file reads the question and writes
 * the answer. A report shows no one's record, so it leaves no audit entry.
 */
#include "call.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/date.h"
#include "../domain/report.h"

/* Months longer than this are not charted (months: null): each month is a
 * count over the cohort, and a century of them would be a slow report. */
#define REPORT_MONTHS_MAX 120

/* What was asked, once checked. */
struct question {
	struct report_span period;
	bool all_orgs;
	const char *org_id; /* NULL with all_orgs */
	bool suppress;	    /* an analyst's report */
	struct report_span months[REPORT_MONTHS_MAX];
	size_t nmonths;
	bool months_charted; /* false: too many months */
};

/* Reads the required ?name= date; false after a 422 naming it. */
static bool required_date(struct call *c, const char *name, int *day)
{
	const char *v = http_query(c->req, name);
	if (!v || !date_parse(v, day))
		return call_invalid(c, name, "must be a date (YYYY-MM-DD) that exists");
	return true;
}

static struct report_span span(int from, int to)
{
	struct report_span s = {.from = from,
				.to = to,
				.from_at = date_local_start(from),
				.to_at = date_local_start(to + 1)};
	return s;
}

/* The calendar months overlapping the period, each clipped to it. */
static void plan_months(struct question *q)
{
	int y, m, d, ty, tm, td;
	date_to_ymd(q->period.from, &y, &m, &d);
	date_to_ymd(q->period.to, &ty, &tm, &td);
	long count = (long)(ty - y) * 12 + (tm - m) + 1;
	q->months_charted = count <= REPORT_MONTHS_MAX;
	q->nmonths = 0;
	if (!q->months_charted)
		return;
	for (long i = 0; i < count; i++) {
		int first = date_from_ymd(y, m, 1);
		int last = date_from_ymd(y, m, date_days_in_month(y, m));
		q->months[q->nmonths++] = span(first < q->period.from ? q->period.from : first,
					       last > q->period.to ? q->period.to : last);
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
}

/* Reads and checks ?from=&to=&org_id= against the caller; false after
 * answering (422, 403 or 404). */
static bool read_question(struct call *c, struct question *q)
{
	int from, to;
	if (!required_date(c, "from", &from) || !required_date(c, "to", &to))
		return false;
	if (from > to)
		return call_invalid(c, "from", "from must be on or before to");
	q->period = span(from, to);
	const char *org = http_query(c->req, "org_id");
	if (org && !org[0])
		org = NULL;
	if (c->who.role == ROLE_MANAGER) {
		assert(c->who.org_id != NULL);
		/* Their own organisation, exactly; another is not theirs to ask. */
		if (org && strcmp(org, c->who.org_id) != 0)
			return call_fail(c, WM_ERR_FORBIDDEN, NULL);
		q->org_id = c->who.org_id;
		q->suppress = false;
	} else {
		/* The route let only managers and analysts in. */
		assert(c->who.role == ROLE_ANALYST);
		q->suppress = true;
		if (org) {
			struct store_org o;
			if (!schema_is_id(org))
				return call_invalid(c, "org_id",
						    "org_id is not an organisation id");
			wm_err e = store_org_get(c->app->store, org, &o);
			if (e != WM_OK)
				return call_fail(c, e, NULL);
			q->org_id = org;
		} else {
			q->all_orgs = true;
		}
	}
	/* The months cost one count of the cohort each: a client that does not
	 * chart them (a CSV, a figure's check) leaves them out. */
	const char *months = http_query(c->req, "months");
	if (months && strcmp(months, "true") != 0 && strcmp(months, "false") != 0)
		return call_invalid(c, "months", "months must be true or false");
	if (months && strcmp(months, "false") == 0) {
		q->months_charted = false;
		q->nmonths = 0;
		return true;
	}
	plan_months(q);
	return true;
}

/* Counts the report; false after answering an error (nothing is left to
 * free then). On success the caller clears *raw and frees *months
 * (free_months). */
static bool count_report(struct call *c, const struct question *q, struct report_raw *raw,
			 struct report_raw **months)
{
	*months = NULL;
	if (q->nmonths) {
		*months = calloc(q->nmonths, sizeof **months);
		if (!*months)
			return call_fail(c, WM_ERR_NOMEM, NULL);
	}
	wm_err e = store_report_outcomes(c->app->store, q->all_orgs, q->org_id, &q->period, raw,
					 q->months, q->nmonths, *months);
	if (e == WM_OK)
		return true;
	free(*months); /* the store cleared what it counted */
	*months = NULL;
	return call_fail(c, e, NULL);
}

static void free_months(struct report_raw *months, size_t n)
{
	for (size_t i = 0; months && i < n; i++)
		report_raw_clear(&months[i]);
	free(months);
}

static json_t *int_or_null(bool has, int64_t v)
{
	return has ? json_integer((json_int_t)v) : json_null();
}

/* One figure: {value, numerator, denominator, suppressed}; a median also
 * carries count (how many values). A count's value is an integer. */
static json_t *figure_json(const struct report_figure *f)
{
	json_t *value = !f->has_value		  ? json_null()
			: f->kind == REPORT_COUNT ? json_integer((json_int_t)f->value)
						  : json_real(f->value);
	json_t *j = json_pack("{s:o, s:o, s:o, s:b}", "value", value, "numerator",
			      int_or_null(f->has_num, f->numerator), "denominator",
			      int_or_null(f->has_den, f->denominator), "suppressed", f->suppressed);
	if (j && f->kind == REPORT_MEDIAN)
		json_object_set_new(j, "count", int_or_null(f->has_count, f->count));
	return j;
}

static json_t *answer_json(struct report_raw *raw, enum report_fig f, bool suppress)
{
	struct report_figure fig = report_answer(raw, f, suppress);
	return figure_json(&fig);
}

static json_t *by_reason_json(const struct report_raw *raw, bool suppress)
{
	json_t *o = json_object();
	for (int i = 0; o && i < REPORT_REASONS; i++)
		json_object_set_new(
		    o, report_reasons[i],
		    int_or_null(report_shown(raw->by_reason[i], suppress), raw->by_reason[i]));
	return o;
}

static json_t *distribution_json(const struct report_values *v, bool suppress)
{
	int64_t counts[REPORT_BUCKETS];
	report_distribution(v->v, v->n, counts);
	json_t *a = json_array();
	for (int b = 0; a && b < REPORT_BUCKETS; b++) {
		bool shown = report_shown(counts[b], suppress);
		json_array_append_new(a, json_pack("{s:i, s:o, s:o, s:b}", "from_days",
						   report_buckets[b].from_days, "to_days",
						   report_buckets[b].to_days < 0
						       ? json_null()
						       : json_integer(report_buckets[b].to_days),
						   "count", int_or_null(shown, counts[b]),
						   "suppressed", !shown));
	}
	return a;
}

static json_t *months_json(const struct question *q, struct report_raw *months)
{
	if (!q->months_charted)
		return json_null();
	json_t *a = json_array();
	for (size_t i = 0; a && i < q->nmonths; i++) {
		int y, m, d;
		date_to_ymd(q->months[i].from, &y, &m, &d);
		char month[16], from[DATE_TEXT_LEN], to[DATE_TEXT_LEN];
		snprintf(month, sizeof month, "%04d-%02d", y, m);
		date_format(q->months[i].from, from);
		date_format(q->months[i].to, to);
		json_t *o = json_pack("{s:s, s:s, s:s}", "month", month, "from", from, "to", to);
		for (int k = 0; o && k < REPORT_MONTH_FIGS; k++) {
			enum report_fig f = report_month_figures[k];
			json_object_set_new(o, report_figures[f].name,
					    answer_json(&months[i], f, q->suppress));
		}
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *mscos_json(struct report_raw *raw, bool suppress)
{
	json_t *o = json_object();
	for (int i = 0; o && i < REPORT_OUTCOMES; i++) {
		const struct report_outcome *oc = &report_outcomes[i];
		json_t *figs = json_object();
		for (size_t k = 0; figs && k < oc->nfigures; k++)
			json_object_set_new(figs, report_figures[oc->figures[k]].name,
					    answer_json(raw, oc->figures[k], suppress));
		json_object_set_new(o, oc->name,
				    json_pack("{s:s, s:s, s:o}", "evidence", oc->evidence, "note",
					      oc->note, "figures", figs));
	}
	return o;
}

static json_t *report_json(const struct question *q, struct report_raw *raw,
			   struct report_raw *months)
{
	char from[DATE_TEXT_LEN], to[DATE_TEXT_LEN];
	date_format(q->period.from, from);
	date_format(q->period.to, to);
	json_t *figures = json_object(), *dist = json_object();
	for (int f = 0; figures && dist && f < REPORT_MAIN; f++) {
		/* Medians first sort their values: the distribution reads them after. */
		json_object_set_new(figures, report_figures[f].name,
				    answer_json(raw, (enum report_fig)f, q->suppress));
		if (report_figures[f].kind == REPORT_MEDIAN)
			json_object_set_new(dist, report_figures[f].name,
					    distribution_json(&raw->values[f], q->suppress));
	}
	json_object_set_new(json_object_get(figures, "registration_refusals"), "by_reason",
			    by_reason_json(raw, q->suppress));
	return json_pack("{s:s, s:s, s:o, s:b, s:o, s:o, s:o, s:o}", "from", from, "to", to,
			 "org_id", q->org_id ? json_string(q->org_id) : json_null(), "suppressed",
			 q->suppress, "figures", figures, "distributions", dist, "months",
			 months_json(q, months), "mscos", mscos_json(raw, q->suppress));
}

void reports_outcomes(struct call *c)
{
	struct question q = {0};
	struct report_raw raw, *months;
	if (!read_question(c, &q) || !count_report(c, &q, &raw, &months))
		return;
	json_t *j = report_json(&q, &raw, months);
	report_raw_clear(&raw);
	free_months(months, q.nmonths);
	/* Rates have 4 places and medians 1: 15 significant digits print
	 * them as they are ("0.81", not "0.81000000000000005"). */
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(j);
	if (!text) {
		call_fail(c, WM_ERR_NOMEM, NULL);
		return;
	}
	http_respond(c->req, 200, "application/json", text, strlen(text));
}

/* A growing CSV text. */
struct csv {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void csv_put(struct csv *b, const char *s)
{
	size_t n = strlen(s);
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
		char *p = realloc(b->buf, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, s, n + 1);
	b->len += n;
}

/* One row: figure,value,numerator,denominator,suppressed and CRLF. */
static void csv_row(struct csv *b, const char *name, const char *value, const char *num,
		    const char *den, bool suppressed)
{
	char field[256];
	if (report_csv_field(name, field, sizeof field) >= sizeof field) {
		b->failed = true;
		return;
	}
	const char *cells[] = {field, value, num, den, suppressed ? "true" : "false"};
	for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
		if (i)
			csv_put(b, ",");
		csv_put(b, cells[i]);
	}
	csv_put(b, "\r\n");
}

void reports_outcomes_csv(struct call *c)
{
	struct question q = {0};
	struct report_raw raw, *months;
	if (!read_question(c, &q))
		return;
	q.nmonths = 0; /* the CSV has the period's figures only */
	if (!count_report(c, &q, &raw, &months))
		return;
	struct csv b = {0};
	csv_put(&b, "figure,value,numerator,denominator,suppressed\r\n");
	for (int f = 0; f < REPORT_MAIN; f++) {
		struct report_figure fig = report_answer(&raw, (enum report_fig)f, q.suppress);
		char value[32], num[32], den[32];
		report_number_text(fig.kind, fig.has_value, fig.value, value, sizeof value);
		report_number_text(REPORT_COUNT, fig.has_num, (double)fig.numerator, num,
				   sizeof num);
		report_number_text(REPORT_COUNT, fig.has_den, (double)fig.denominator, den,
				   sizeof den);
		csv_row(&b, report_figures[f].name, value, num, den, fig.suppressed);
		if (f != RF_REFUSALS)
			continue;
		for (int i = 0; i < REPORT_REASONS; i++) {
			char name[96];
			bool shown = report_shown(raw.by_reason[i], q.suppress);
			report_number_text(REPORT_COUNT, shown, (double)raw.by_reason[i], value,
					   sizeof value);
			snprintf(name, sizeof name, "registration_refusals.by_reason.%s",
				 report_reasons[i]);
			csv_row(&b, name, value, "", "", !shown);
		}
	}
	report_raw_clear(&raw);
	free_months(months, 0);
	if (b.failed) {
		free(b.buf);
		call_fail(c, WM_ERR_NOMEM, NULL);
		return;
	}
	char from[DATE_TEXT_LEN], to[DATE_TEXT_LEN], disposition[96];
	date_format(q.period.from, from);
	date_format(q.period.to, to);
	snprintf(disposition, sizeof disposition,
		 "attachment; filename=\"waymark-outcomes-%s-to-%s.csv\"", from, to);
	http_add_header(c->req, "Content-Disposition", disposition);
	http_respond(c->req, 200, "text/csv; charset=utf-8", b.buf, b.len);
}
