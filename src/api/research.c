/*
 * research.c - GET /api/v1/exports/research: the anonymised research
 * export of the caller's organisation (docs/research-export.md).
 *
 * One CSV row per survivor with an active anonymised_research consent,
 * columns named after the IOM Human Trafficking Case Data Standard where
 * it has a field, nothing that names or points at a person, ages in
 * five-year bands and dates in months, and k-anonymity on the
 * quasi-identifiers (domain/anonymise.h). The survivors are read as the
 * alert rules read a caseload (store_caseload: the survivors' own records
 * and the plain columns of their consents, registrations and NRM record;
 * no note, no item body is opened). Each survivor the export drew on gets
 * an audit entry, action "export", before the file goes.
 */
#include "call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/anonymise.h"
#include "../domain/date.h"
#include "../domain/kinds/kinds.h"
#include "../domain/report.h"
#include "../util/buf.h"

/* The parts of the record the export reads, as store_caseload hands them. */
enum part { P_CONSENTS, P_REGISTRATIONS, P_NRM, P_COUNT };

/* The columns, in the file's order. The names are HTCDS's where it has
 * the field (see docs/research-export.md for each). */
enum column {
	C_YEAR,
	C_MONTH,
	C_GENDER,
	C_AGE,
	C_MAJORITY,
	C_CITIZENSHIP,
	C_TYPES,
	C_SEXUAL,
	C_LABOUR,
	C_OTHER,
	C_DOMESTIC,
	C_ILLICIT,
	C_STATUS,
	C_MONTHS,
	C_GP,
	C_DENTIST,
	C_GP_REFUSED,
	C_NRM,
	C_RG,
	C_CG,
	C_COUNT
};

static const char *const column_names[C_COUNT] = {
    "yearOfRegistration",
    "monthOfRegistration",
    "gender",
    "ageBroad",
    "majorityStatus",
    "citizenship",
    "typeOfExploitConcatenated",
    "isSexualExploit",
    "isForcedLabour",
    "isOtherExploit",
    "typeOfLabourDomesticWork",
    "typeOfLabourIllicitActivities",
    "caseStatus",
    "monthsInServiceBand",
    "registeredWithGP",
    "registeredWithDentist",
    "refusedByGP",
    "nrmReferred",
    "reasonableGroundsDecision",
    "conclusiveGroundsDecision",
};

/* Which quasi-identifier each column shows (its cell is "suppressed" when
 * that one is hidden), or -1 for a column that is none. */
static int column_qi(enum column col)
{
	switch (col) {
	case C_YEAR:
	case C_MONTH:
		return ANON_REGISTERED;
	case C_GENDER:
		return ANON_GENDER;
	case C_AGE:
	case C_MAJORITY:
		return ANON_AGE;
	case C_CITIZENSHIP:
		return ANON_NATIONALITY;
	case C_TYPES:
	case C_SEXUAL:
	case C_LABOUR:
	case C_OTHER:
	case C_DOMESTIC:
	case C_ILLICIT:
		return ANON_EXPLOITATION;
	default:
		return -1;
	}
}

/* Waymark's exploitation types, in the order the file lists them. */
static const char *const exploitation_order[] = {"sexual", "labour", "domestic_servitude",
						 "criminal", "other"};
#define N_TYPES (sizeof exploitation_order / sizeof exploitation_order[0])

/* One survivor's row before anonymising. */
struct export_row {
	char survivor_id[STORE_ID_LEN]; /* for the audit entry only; never written */
	char cell[C_COUNT][64];
	char age_qi[160]; /* band and majority together: one quasi-identifier */
};

struct export
{
	struct call *c;
	int cons[3]; /* purpose, given_on, withdrawn_on */
	int regs[4]; /* service, person, registered_on, refused_on */
	int nrm[3];  /* duty_to_notify_only, rg_outcome, cg_outcome */
	struct export_row *rows;
	size_t n, cap;
	wm_err err;
};

/* A column of a part, found by name in its kind's declaration. */
static int column_of(const struct kind *k, const char *name)
{
	for (size_t i = 0; i < k->ncolumns; i++)
		if (strcmp(k->columns[i].column, name) == 0)
			return (int)i;
	return -1;
}

static bool col_null(const struct store_item_cols *it, int j)
{
	return j < 0 || it->col[j].null;
}

static const char *col_code(const struct store_item_cols *it, int j)
{
	return col_null(it, j) ? "" : it->col[j].text;
}

/* Whether the survivor has, on `today`, an anonymised_research consent
 * given and not withdrawn (a withdrawal takes effect on its day, as for
 * sharing). */
static bool research_consent(const struct export *x, const struct store_case *cs)
{
	for (size_t i = 0; i < cs->count[P_CONSENTS]; i++) {
		const struct store_item_cols *it = &cs->items[P_CONSENTS][i];
		if (strcmp(col_code(it, x->cons[0]), "anonymised_research") != 0)
			continue;
		if (col_null(it, x->cons[1]) || it->col[x->cons[1]].i > x->c->today)
			continue;
		if (!col_null(it, x->cons[2]) && it->col[x->cons[2]].i <= x->c->today)
			continue;
		return true;
	}
	return false;
}

static void set(struct export_row *r, enum column col, const char *v)
{
	snprintf(r->cell[col], sizeof r->cell[col], "%s", v);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

/* The survivor's own registrations with a service: registered, refused. */
static void registrations(const struct export *x, const struct store_case *cs, const char *service,
			  bool *registered, bool *refused)
{
	*registered = *refused = false;
	for (size_t i = 0; i < cs->count[P_REGISTRATIONS]; i++) {
		const struct store_item_cols *it = &cs->items[P_REGISTRATIONS][i];
		if (strcmp(col_code(it, x->regs[0]), service) != 0)
			continue;
		const char *person = col_code(it, x->regs[1]);
		if (person[0] && strcmp(person, "survivor") != 0)
			continue; /* a dependant's */
		*registered |= !col_null(it, x->regs[2]);
		*refused |= !col_null(it, x->regs[3]);
	}
}

/* The NRM columns: referred (not a duty-to-notify report only), and each
 * decision's outcome, "pending" while it is awaited. */
static void nrm_cells(const struct export *x, const struct store_case *cs, struct export_row *r)
{
	const struct store_item_cols *it = cs->count[P_NRM] ? &cs->items[P_NRM][0] : NULL;
	bool referred = it && !(!col_null(it, x->nrm[0]) && it->col[x->nrm[0]].i);
	set(r, C_NRM, yes_no(referred));
	if (!referred)
		return;
	const char *rg = col_code(it, x->nrm[1]);
	set(r, C_RG, rg[0] ? rg : "pending");
	if (strcmp(rg, "positive") == 0) {
		const char *cg = col_code(it, x->nrm[2]);
		set(r, C_CG, cg[0] ? cg : "pending");
	}
}

/* The exploitation types, in the file's order, each once: the
 * quasi-identifier, and the HTCDS flags derived from it. */
static void exploitation_cells(const json_t *types, struct export_row *r)
{
	bool has[N_TYPES] = {false};
	size_t i;
	json_t *v;
	json_array_foreach(types, i, v)
	{
		for (size_t t = 0; t < N_TYPES; t++)
			if (json_is_string(v) &&
			    strcmp(json_string_value(v), exploitation_order[t]) == 0)
				has[t] = true;
	}
	char joined[96] = "";
	bool any = false;
	for (size_t t = 0; t < N_TYPES; t++)
		if (has[t]) {
			if (any)
				strcat(joined, ";");
			strcat(joined, exploitation_order[t]);
			any = true;
		}
	set(r, C_TYPES, joined);
	if (!any)
		return; /* none recorded: the flags are unknown, not "0" */
	set(r, C_SEXUAL, has[0] ? "1" : "0");
	set(r, C_LABOUR, has[1] || has[2] || has[3] ? "1" : "0");
	set(r, C_DOMESTIC, has[2] ? "1" : "0");
	set(r, C_ILLICIT, has[3] ? "1" : "0");
	set(r, C_OTHER, has[4] ? "1" : "0");
}

static const char *gender_word(const char *g)
{
	if (strcmp(g, "female") == 0)
		return "Female";
	if (strcmp(g, "male") == 0)
		return "Male";
	if (strcmp(g, "non_binary") == 0)
		return "Non-binary";
	return ""; /* not_stated, or absent */
}

static const char *body_str(const json_t *body, const char *key)
{
	const char *s = json_string_value(json_object_get(body, key));
	return s ? s : "";
}

/* Fills r from one consenting survivor's record. */
static void fill_row(const struct export *x, const struct store_case *cs, struct export_row *r)
{
	const json_t *body = cs->survivor->body;
	memset(r, 0, sizeof *r);
	snprintf(r->survivor_id, sizeof r->survivor_id, "%s", cs->survivor->id);
	int entered = 0;
	bool has_entered = date_parse(body_str(body, "entered_service_on"), &entered);
	if (has_entered) {
		int y, m, d;
		date_to_ymd(entered, &y, &m, &d);
		snprintf(r->cell[C_YEAR], sizeof r->cell[C_YEAR], "%d", y);
		anon_month(entered, r->cell[C_MONTH]);
	}
	set(r, C_GENDER, gender_word(body_str(body, "gender")));
	json_int_t by = json_integer_value(json_object_get(body, "birth_year"));
	int age = has_entered ? anon_age((int)by, 0, 0, entered) : -1;
	anon_age_band(age, r->cell[C_AGE]);
	set(r, C_MAJORITY, anon_majority(age));
	snprintf(r->age_qi, sizeof r->age_qi, "%s %s", r->cell[C_AGE], r->cell[C_MAJORITY]);
	set(r, C_CITIZENSHIP, body_str(body, "nationality"));
	exploitation_cells(json_object_get(body, "exploitation_types"), r);
	const char *status = body_str(body, "status");
	set(r, C_STATUS, status);
	int until = x->c->today, closed;
	if (strcmp(status, "closed") == 0 && date_parse(body_str(body, "closed_on"), &closed))
		until = closed;
	if (has_entered)
		set(r, C_MONTHS, anon_months_band(anon_months_between(entered, until)));
	bool reg, refused;
	registrations(x, cs, "gp", &reg, &refused);
	set(r, C_GP, yes_no(reg));
	set(r, C_GP_REFUSED, yes_no(refused));
	registrations(x, cs, "dental", &reg, &refused);
	set(r, C_DENTIST, yes_no(reg));
	nrm_cells(x, cs, r);
}

static void each_survivor(void *ctx, const struct store_case *cs)
{
	struct export *x = ctx;
	if (x->err != WM_OK || !research_consent(x, cs))
		return;
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct export_row *p = realloc(x->rows, cap * sizeof *p);
		if (!p) {
			x->err = WM_ERR_NOMEM;
			return;
		}
		x->rows = p;
		x->cap = cap;
	}
	fill_row(x, cs, &x->rows[x->n++]);
}

/* Reads ?k= and ?release=: the k to enforce; false after a 422. */
static bool read_k(struct call *c, int *k, bool *public_release)
{
	const char *release = http_query(c->req, "release");
	const char *kv = http_query(c->req, "k");
	*public_release = false;
	if (release && strcmp(release, "public") == 0)
		*public_release = true;
	else if (release && strcmp(release, "internal") != 0)
		return call_invalid(c, "release", "release must be internal or public");
	*k = *public_release ? ANON_K_PUBLIC : ANON_K_DEFAULT;
	if (!kv)
		return true;
	size_t len = strlen(kv);
	if (len == 0 || len > 4 || strspn(kv, "0123456789") != len)
		return call_invalid(c, "k", "k must be a whole number from 2 to 1000");
	int v = atoi(kv);
	if (v < ANON_K_MIN || v > ANON_K_MAX)
		return call_invalid(c, "k", "k must be a whole number from 2 to 1000");
	if (*public_release && v < ANON_K_PUBLIC)
		return call_invalid(c, "k", "a public release needs k of 11 or more");
	*k = v;
	return true;
}

/* One CSV line of row r (hidden cells "suppressed"), CRLF-terminated, as
 * a new string; NULL when out of memory. */
static char *csv_line(const struct export_row *r, const struct anon_row *a)
{
	struct buf b = BUF_INIT;
	for (int col = 0; col < C_COUNT; col++) {
		int q = column_qi((enum column)col);
		const char *v = q >= 0 && a->hidden[q] ? ANON_SUPPRESSED : r->cell[col];
		char field[128];
		if (anon_csv_field(v, field, sizeof field) >= sizeof field) {
			buf_free(&b);
			return NULL;
		}
		if (col)
			buf_addc(&b, ',');
		buf_adds(&b, field);
	}
	buf_adds(&b, "\r\n");
	return buf_take(&b, NULL);
}

static int line_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The file: a header, then the published rows sorted (so that their order
 * says nothing about who came first). NULL when out of memory. */
static char *csv_file(const struct export_row *rows, const struct anon_row *anon, size_t n,
		      size_t *len)
{
	char **lines = calloc(n ? n : 1, sizeof *lines);
	if (!lines)
		return NULL;
	size_t m = 0;
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++)
		if (!anon[i].dropped)
			ok = (lines[m++] = csv_line(&rows[i], &anon[i])) != NULL;
	struct buf b = BUF_INIT;
	if (ok) {
		qsort(lines, m, sizeof *lines, line_cmp);
		for (int col = 0; col < C_COUNT; col++) {
			if (col)
				buf_addc(&b, ',');
			buf_adds(&b, column_names[col]);
		}
		buf_adds(&b, "\r\n");
		for (size_t i = 0; i < m; i++)
			buf_adds(&b, lines[i]);
	}
	for (size_t i = 0; i < m; i++)
		free(lines[i]);
	free(lines);
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b, len);
}

static void add_number_header(struct call *c, const char *name, size_t v)
{
	char text[32];
	snprintf(text, sizeof text, "%zu", v);
	http_add_header(c->req, name, text);
}

/* Sends the file, and holds it until every survivor drawn on has an
 * "export" entry in their access log. */
static void answer(struct call *c, const struct export *x, char *file, size_t len, int k,
		   bool public_release, const struct anon_result *res)
{
	struct store_audit *audit = calloc(x->n ? x->n : 1, sizeof *audit);
	if (!audit) {
		free(file);
		call_fail(c, WM_ERR_NOMEM, NULL);
		return;
	}
	for (size_t i = 0; i < x->n; i++)
		call_audit(c, x->rows[i].survivor_id, "export", &audit[i]);
	char today[DATE_TEXT_LEN], disposition[128];
	date_format(c->today, today);
	snprintf(disposition, sizeof disposition,
		 "attachment; filename=\"waymark-research-%s-%s-k%d.csv\"", today,
		 public_release ? "public" : "internal", k);
	http_add_header(c->req, "Content-Disposition", disposition);
	add_number_header(c, "Waymark-Export-K", (size_t)k);
	add_number_header(c, "Waymark-Export-Rows", x->n - res->rows_dropped);
	add_number_header(c, "Waymark-Export-Rows-Dropped", res->rows_dropped);
	add_number_header(c, "Waymark-Export-Cells-Suppressed", res->cells_suppressed);
	http_respond(c->req, 200, "text/csv; charset=utf-8", file, len);
	call_answer_after_audit(c, audit, x->n);
	free(audit);
}

void research_export(struct call *c)
{
	int k = ANON_K_DEFAULT;
	bool public_release = false;
	if (!read_k(c, &k, &public_release))
		return;
	struct export x = {.c = c, .err = WM_OK};
	x.cons[0] = column_of(&kind_consents, "purpose");
	x.cons[1] = column_of(&kind_consents, "given_on");
	x.cons[2] = column_of(&kind_consents, "withdrawn_on");
	x.regs[0] = column_of(&kind_registrations, "service");
	x.regs[1] = column_of(&kind_registrations, "person");
	x.regs[2] = column_of(&kind_registrations, "registered_on");
	x.regs[3] = column_of(&kind_registrations, "refused_on");
	x.nrm[0] = column_of(&kind_nrm, "duty_to_notify_only");
	x.nrm[1] = column_of(&kind_nrm, "rg_outcome");
	x.nrm[2] = column_of(&kind_nrm, "cg_outcome");
	const struct kind *kinds[P_COUNT] = {[P_CONSENTS] = &kind_consents,
					     [P_REGISTRATIONS] = &kind_registrations,
					     [P_NRM] = &kind_nrm};
	/* Every survivor of the caller's organisation, open or closed: the
	 * consent, checked on each, decides who is in. */
	struct store_survivor_filter f = {
	    .org_id = c->who.org_id, .today = c->today, .now = c->now};
	wm_err e = store_caseload(c->app->store, &f, kinds, P_COUNT, NULL, each_survivor, &x);
	if (e == WM_OK)
		e = x.err;
	struct anon_row *anon = e == WM_OK ? calloc(x.n ? x.n : 1, sizeof *anon) : NULL;
	if (e == WM_OK && !anon)
		e = WM_ERR_NOMEM;
	struct anon_result res = {0};
	char *file = NULL;
	size_t len = 0;
	if (e == WM_OK) {
		for (size_t i = 0; i < x.n; i++) {
			anon[i].qi[ANON_AGE] = x.rows[i].age_qi;
			anon[i].qi[ANON_GENDER] = x.rows[i].cell[C_GENDER];
			anon[i].qi[ANON_NATIONALITY] = x.rows[i].cell[C_CITIZENSHIP];
			anon[i].qi[ANON_EXPLOITATION] = x.rows[i].cell[C_TYPES];
			anon[i].qi[ANON_REGISTERED] = x.rows[i].cell[C_MONTH];
		}
		if (!anon_k_anonymise(anon, x.n, k, &res) ||
		    !(file = csv_file(x.rows, anon, x.n, &len)))
			e = WM_ERR_NOMEM;
	}
	free(anon);
	if (e != WM_OK)
		call_fail(c, e, NULL);
	else
		answer(c, &x, file, len, k, public_release, &res);
	free(x.rows);
}
