/*
 * alerts.c - the alerts of a caseload, their snoozes, the dashboard and the
 * organisation's own non-working days.
 *
 * Alerts are derived on every request, never stored: the store hands over
 * each survivor of the caseload with the plain columns of their record
 * (store_caseload: nothing but the survivors themselves is decrypted), this
 * file turns that into a struct alert_record, and domain/alerts.c judges it.
 * What a reader sees is then cut three ways: the survivors the policy lets
 * them see (the store's filter), the rules whose parts of the record they
 * may read (a clinician under a share never sees an NRM or asylum rule),
 * and the snoozes in force. Every survivor an answer shows is a read of
 * their record, audited before the answer goes.
 *
 * The dashboard keeps what it shows of each survivor between requests
 * (case_cache.h), under the record's change stamp: a record that has not
 * changed since it was last shown, on the same day, is neither opened nor
 * judged again; only its read is audited again.
 */
#include <assert.h>
#include <malloc.h>
#include <pthread.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/secret.h"
#include "../domain/alerts.h"
#include "../util/buf.h"
#include "../util/jsonw.h"
#include "../util/text.h"
#include "call.h"
#include "case_cache.h"

/* The parts of the record the rules read, in the order asked of the store. */
enum part { P_REG, P_APPT, P_REF, P_MED, P_NRM, P_ASYLUM, P_PLAN, P_REVIEW, P_SNOOZE, P_COUNT };

static const char *const part_names[P_COUNT] = {
    "registrations", "appointments", "referrals",    "medications", "nrm",
    "asylum",	     "plan",	     "plan/reviews", "snoozes",
};

/* The days from D the dashboard shows appointments for: today and the next 7. */
#define DASHBOARD_DAYS 8
/* The most appointments the dashboard lists (a caseload's week is far fewer). */
#define DASHBOARD_APPOINTMENTS_MAX 500
/* Organisations whose calendars one request keeps (a clinician's shares). */
#define CALENDARS_MAX 16

/* The alerts of a whole organisation (no ?advocate=: a manager's, or a
 * clinician's over every share) walk up to thousands of survivors and hold
 * a few megabytes while they run: the judged alerts, the survivors' audit
 * entries and the answer's text, which waits for those entries' commit. At
 * most HEAVY_AT_ONCE run at once, from the walk until the commit; the others
 * wait on their own connection thread, so a flood of them costs time, not
 * memory. The gate is left on the store's writer thread when the commit is
 * done, so a holder never waits on anything a waiting thread holds. */
#define HEAVY_AT_ONCE 2
static pthread_mutex_t heavy_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t heavy_turn = PTHREAD_COND_INITIALIZER;
static int heavy_running;

static void heavy_enter(void)
{
	pthread_mutex_lock(&heavy_lock);
	while (heavy_running >= HEAVY_AT_ONCE)
		pthread_cond_wait(&heavy_turn, &heavy_lock);
	heavy_running++;
	pthread_mutex_unlock(&heavy_lock);
}

static void heavy_leave(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&heavy_lock);
	heavy_running--;
	pthread_cond_signal(&heavy_turn);
	pthread_mutex_unlock(&heavy_lock);
	/* What the walk freed goes back to the system, not kept by the heap
	 * of the thread that happened to run it (a few milliseconds, against
	 * the walk's hundreds). */
	malloc_trim(0);
}

/* A column of a part, found by name in its kind's declaration. */
static int column(const struct kind *k, const char *name)
{
	for (size_t i = 0; i < k->ncolumns; i++)
		if (strcmp(k->columns[i].column, name) == 0)
			return (int)i;
	assert(!"an alert rule reads a column its kind does not declare");
	return -1;
}

static int day_at(const struct store_item_cols *it, int j)
{
	return j < 0 || it->col[j].null ? ALERT_NO_DAY : (int)it->col[j].i;
}

static enum alert_flag flag_at(const struct store_item_cols *it, int j)
{
	if (j < 0 || it->col[j].null)
		return FLAG_ABSENT;
	return it->col[j].i ? FLAG_TRUE : FLAG_FALSE;
}

static const char *code_at(const struct store_item_cols *it, int j)
{
	return j < 0 || it->col[j].null || !it->col[j].text[0] ? NULL : it->col[j].text;
}

/* "survivor" is 0, "dependant:N" is N; anything else -1. */
static int person_of(const char *p)
{
	if (!p || strcmp(p, "survivor") == 0)
		return 0;
	static const char prefix[] = "dependant:";
	if (strncmp(p, prefix, sizeof prefix - 1) != 0)
		return -1;
	char *end;
	long n = strtol(p + sizeof prefix - 1, &end, 10);
	return *end == '\0' && n >= 1 && n <= 1000 ? (int)n : -1;
}

/* One alert as it will be shown. */
struct shown {
	struct alert a;
	char survivor_id[STORE_ID_LEN];
	int snoozed_until;	      /* 0: not snoozed */
	const struct case_text *text; /* the dashboard's: as written (alert_text) */
};

/* An appointment in the dashboard's window, read in full once the caseload
 * has been walked. */
struct appt_ref {
	char id[STORE_ID_LEN];
	char survivor_id[STORE_ID_LEN];
	char org_id[STORE_ID_LEN];
	bool shared;
	int64_t starts_at;
	const char *interpreter; /* interpreter_status */
};

/* One survivor of the dashboard's caseload. */
struct case_row {
	struct case_view *v; /* what is shown of them: from the cache, or made after the walk */
	/* A survivor judged afresh, until v is made: */
	struct alert *alerts;	       /* in force, not snoozed */
	struct case_text *alert_texts; /* each as alert_text writes it, in atext */
	char *atext;
	size_t nalerts;
	char *text; /* survivor_json's text */
	size_t len;
	size_t win_first, win_n; /* their appointments in the judge's window */
	struct case_key key;
	bool keep; /* v goes into the cache once made */
	/* What the answer shows of them. */
	struct shown top; /* their most urgent alert, when has_top */
	bool has_top;
	int counts[ALERT_SEVERITY_COUNT];
	size_t order;
};

struct calendar {
	char org_id[STORE_ID_LEN];
	int *days;
	size_t n;
};

/* Everything one request gathers while the store walks the caseload. */
struct judge {
	struct call *c;
	int day; /* D */
	bool include_snoozed;
	bool dashboard;
	const struct layout *l;
	/* Scratch for one survivor's record, grown as needed. */
	struct alert_registration *regs;
	struct alert_appointment *appts;
	struct alert_referral *refs;
	struct alert_medication *meds;
	size_t cap[4];
	struct alert_list found;
	/* What the answer shows. */
	struct shown *shown;
	size_t nshown, capshown;
	struct store_audit *audit;
	size_t naudit, capaudit;
	struct case_row *rows;
	size_t nrows, caprows;
	struct appt_ref *window;
	size_t nwindow;
	bool window_full; /* an appointment was left out of the window */
	/* The dashboard's cache: whether it may be used, the calendar's hash,
	 * and the entries found, in the store's order (known, then each). */
	bool cacheable;
	uint64_t calendar;
	struct case_view **hits;
	size_t nhits, caphits, hit_next;
	struct calendar cal[CALENDARS_MAX];
	size_t ncal;
	wm_err err;
};

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

/* The parts the rules read and the positions of their columns: fixed by
 * the kinds' declarations, so found once for the process, not per request. */
struct layout {
	const struct kind *kinds[P_COUNT];
	int reg[4], appt[7], ref[6], med[5], nrm[7], asy[4], plan_every, review_on, snz[4];
};

static struct layout layout;
static pthread_once_t layout_once = PTHREAD_ONCE_INIT;

static void layout_init(void)
{
	for (int p = 0; p < P_COUNT; p++) {
		layout.kinds[p] = kind_find(part_names[p]);
		assert(layout.kinds[p]);
	}
	const struct kind *k = layout.kinds[P_REG];
	layout.reg[0] = column(k, "service");
	layout.reg[1] = column(k, "person");
	layout.reg[2] = column(k, "registered_on");
	layout.reg[3] = column(k, "refused_on");
	k = layout.kinds[P_APPT];
	layout.appt[0] = column(k, "kind");
	layout.appt[1] = column(k, "starts_at");
	layout.appt[2] = column(k, "status");
	layout.appt[3] = column(k, "cancelled_by");
	layout.appt[4] = column(k, "interpreter_needed");
	layout.appt[5] = column(k, "interpreter_booked");
	layout.appt[6] = column(k, "interpreter_provided");
	k = layout.kinds[P_REF];
	layout.ref[0] = column(k, "service");
	layout.ref[1] = column(k, "sent_on");
	layout.ref[2] = column(k, "accepted_on");
	layout.ref[3] = column(k, "first_seen_on");
	layout.ref[4] = column(k, "rejected_on");
	layout.ref[5] = column(k, "closed_on");
	k = layout.kinds[P_MED];
	layout.med[0] = column(k, "category");
	layout.med[1] = column(k, "started_on");
	layout.med[2] = column(k, "stopped_on");
	layout.med[3] = column(k, "explained");
	layout.med[4] = column(k, "explained_in_own_language");
	k = layout.kinds[P_NRM];
	layout.nrm[0] = column(k, "referred_on");
	layout.nrm[1] = column(k, "rg_decision_on");
	layout.nrm[2] = column(k, "rg_outcome");
	layout.nrm[3] = column(k, "cg_decision_on");
	layout.nrm[4] = column(k, "cg_outcome");
	layout.nrm[5] = column(k, "support");
	layout.nrm[6] = column(k, "duty_to_notify_only");
	k = layout.kinds[P_ASYLUM];
	layout.asy[0] = column(k, "claimed_on");
	layout.asy[1] = column(k, "support");
	layout.asy[2] = column(k, "outcome");
	layout.asy[3] = column(k, "legal_representative");
	layout.plan_every = column(layout.kinds[P_PLAN], "review_every_days");
	layout.review_on = column(layout.kinds[P_REVIEW], "reviewed_on");
	k = layout.kinds[P_SNOOZE];
	layout.snz[0] = column(k, "rule");
	layout.snz[1] = column(k, "item_id");
	layout.snz[2] = column(k, "item_version");
	layout.snz[3] = column(k, "until");
}

static void judge_init(struct judge *j, struct call *c, int day)
{
	memset(j, 0, sizeof *j);
	j->c = c;
	j->day = day;
	pthread_once(&layout_once, layout_init);
	j->l = &layout;
}

static void judge_free(struct judge *j)
{
	free(j->regs);
	free(j->appts);
	free(j->refs);
	free(j->meds);
	alert_list_free(&j->found);
	free(j->shown);
	free(j->audit);
	for (size_t i = 0; i < j->nrows; i++) {
		struct case_row *row = &j->rows[i];
		case_view_free(row->v);
		free(row->alerts);
		free(row->alert_texts);
		free(row->atext);
		if (row->text)
			sodium_memzero(row->text, row->len);
		free(row->text);
	}
	free(j->rows);
	for (size_t i = j->hit_next; i < j->nhits; i++)
		case_view_free(j->hits[i]);
	free(j->hits);
	free(j->window);
	for (size_t i = 0; i < j->ncal; i++)
		free(j->cal[i].days);
}

/* The calendar of the survivor's organisation (its own non-working days). */
static const struct workdays *calendar_of(struct judge *j, const char *org_id, struct workdays *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < j->ncal; i++)
		if (strcmp(j->cal[i].org_id, org_id) == 0) {
			out->extra = j->cal[i].days;
			out->nextra = j->cal[i].n;
			return out;
		}
	struct calendar cal = {0};
	snprintf(cal.org_id, sizeof cal.org_id, "%s", org_id);
	wm_err e = store_org_days(j->c->app->store, org_id, &cal.days, &cal.n);
	if (e != WM_OK) {
		j->err = e;
		return out;
	}
	out->extra = cal.days;
	out->nextra = cal.n;
	if (j->ncal < CALENDARS_MAX)
		j->cal[j->ncal++] = cal;
	else
		free(cal.days), out->extra = NULL, out->nextra = 0, j->err = WM_ERR_NOMEM;
	return out;
}

/* The survivor's own facts the rules read, from the opened record. */
static void survivor_facts(const json_t *body, struct alert_record *r)
{
	const char *status = json_string_value(json_object_get(body, "status"));
	r->active = status && strcmp(status, "active") == 0;
	const char *entered = json_string_value(json_object_get(body, "entered_service_on"));
	if (!entered || !date_parse(entered, &r->entered_service_on))
		r->entered_service_on = ALERT_NO_DAY;
	const json_t *preg = json_object_get(body, "pregnant");
	r->pregnant =
	    json_is_boolean(preg) ? (json_is_true(preg) ? FLAG_TRUE : FLAG_FALSE) : FLAG_ABSENT;
	r->dependants = (int)json_array_size(json_object_get(body, "dependants"));
	r->language_interpreter = false;
	size_t i;
	const json_t *lang;
	json_array_foreach(json_object_get(body, "languages"), i, lang)
	{
		if (json_is_true(json_object_get(lang, "interpreter_needed")))
			r->language_interpreter = true;
	}
}

/* Fills the record's lists from the plain columns; false when out of memory. */
static bool record_parts(struct judge *j, const struct store_case *cs, struct alert_record *r,
			 struct alert_nrm *nrm, struct alert_asylum *asy, struct alert_plan *plan)
{
	size_t n;
	n = cs->count[P_REG];
	if (!grow((void **)&j->regs, &j->cap[0], n, sizeof *j->regs))
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct store_item_cols *it = &cs->items[P_REG][i];
		j->regs[i] = (struct alert_registration){
		    .id = it->id,
		    .version = it->version,
		    .service = code_at(it, j->l->reg[0]),
		    .person = person_of(code_at(it, j->l->reg[1])),
		    .registered_on = day_at(it, j->l->reg[2]),
		    .refused_on = day_at(it, j->l->reg[3]),
		};
	}
	r->registrations = j->regs;
	r->nregistrations = n;

	n = cs->count[P_APPT];
	if (!grow((void **)&j->appts, &j->cap[1], n, sizeof *j->appts))
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct store_item_cols *it = &cs->items[P_APPT][i];
		const struct store_col *starts = &it->col[j->l->appt[1]];
		j->appts[i] = (struct alert_appointment){
		    .id = it->id,
		    .version = it->version,
		    .kind = code_at(it, j->l->appt[0]),
		    .day = starts->null ? ALERT_NO_DAY : instant_local_day(starts->i),
		    .status = code_at(it, j->l->appt[2]),
		    .cancelled_by = code_at(it, j->l->appt[3]),
		    .needed = flag_at(it, j->l->appt[4]),
		    .booked = flag_at(it, j->l->appt[5]),
		    .provided = flag_at(it, j->l->appt[6]),
		};
	}
	r->appointments = j->appts;
	r->nappointments = n;

	n = cs->count[P_REF];
	if (!grow((void **)&j->refs, &j->cap[2], n, sizeof *j->refs))
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct store_item_cols *it = &cs->items[P_REF][i];
		j->refs[i] = (struct alert_referral){
		    .id = it->id,
		    .version = it->version,
		    .service = code_at(it, j->l->ref[0]),
		    .sent_on = day_at(it, j->l->ref[1]),
		    .accepted_on = day_at(it, j->l->ref[2]),
		    .first_seen_on = day_at(it, j->l->ref[3]),
		    .rejected_on = day_at(it, j->l->ref[4]),
		    .closed_on = day_at(it, j->l->ref[5]),
		};
	}
	r->referrals = j->refs;
	r->nreferrals = n;

	n = cs->count[P_MED];
	if (!grow((void **)&j->meds, &j->cap[3], n, sizeof *j->meds))
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct store_item_cols *it = &cs->items[P_MED][i];
		j->meds[i] = (struct alert_medication){
		    .id = it->id,
		    .version = it->version,
		    .category = code_at(it, j->l->med[0]),
		    .started_on = day_at(it, j->l->med[1]),
		    .stopped_on = day_at(it, j->l->med[2]),
		    .explained = flag_at(it, j->l->med[3]),
		    .explained_in_own_language = flag_at(it, j->l->med[4]),
		};
	}
	r->medications = j->meds;
	r->nmedications = n;

	if (cs->count[P_NRM]) {
		const struct store_item_cols *it = &cs->items[P_NRM][0];
		*nrm = (struct alert_nrm){
		    .id = it->id,
		    .version = it->version,
		    .referred_on = day_at(it, j->l->nrm[0]),
		    .rg_decision_on = day_at(it, j->l->nrm[1]),
		    .rg_outcome = code_at(it, j->l->nrm[2]),
		    .cg_decision_on = day_at(it, j->l->nrm[3]),
		    .cg_outcome = code_at(it, j->l->nrm[4]),
		    .support = code_at(it, j->l->nrm[5]),
		    .duty_to_notify_only = flag_at(it, j->l->nrm[6]) == FLAG_TRUE,
		};
		r->nrm = nrm;
	}
	if (cs->count[P_ASYLUM]) {
		const struct store_item_cols *it = &cs->items[P_ASYLUM][0];
		*asy = (struct alert_asylum){
		    .id = it->id,
		    .version = it->version,
		    .claimed_on = day_at(it, j->l->asy[0]),
		    .support = code_at(it, j->l->asy[1]),
		    .outcome = code_at(it, j->l->asy[2]),
		    .legal_representative = flag_at(it, j->l->asy[3]),
		};
		r->asylum = asy;
	}
	if (cs->count[P_PLAN]) {
		const struct store_item_cols *it = &cs->items[P_PLAN][0];
		const struct store_col *every = &it->col[j->l->plan_every];
		*plan = (struct alert_plan){
		    .id = it->id,
		    .version = it->version,
		    .created_on = instant_local_day(it->created_at),
		    .review_every_days = every->null ? 28 : (int)every->i,
		    .last_review_on = ALERT_NO_DAY,
		};
		for (size_t i = 0; i < cs->count[P_REVIEW]; i++) {
			int on = day_at(&cs->items[P_REVIEW][i], j->l->review_on);
			if (on != ALERT_NO_DAY &&
			    (plan->last_review_on == ALERT_NO_DAY || on > plan->last_review_on))
				plan->last_review_on = on;
		}
		r->plan = plan;
	}
	return true;
}

/* The last day of the snooze in force on a, 0 when none is. A snooze of an
 * alert about an item holds only while the item keeps the version it had. */
static int snoozed_until(const struct judge *j, const struct store_case *cs, const struct alert *a)
{
	int until = 0;
	const char *rule = alert_rule_name(a->rule);
	for (size_t i = 0; i < cs->count[P_SNOOZE]; i++) {
		const struct store_item_cols *z = &cs->items[P_SNOOZE][i];
		const char *zr = code_at(z, j->l->snz[0]);
		const char *zi = code_at(z, j->l->snz[1]);
		int zu = day_at(z, j->l->snz[3]);
		if (!zr || strcmp(zr, rule) != 0 || strcmp(zi ? zi : "", a->item_id) != 0 ||
		    zu == ALERT_NO_DAY || zu <= j->day)
			continue;
		if (a->item_id[0] &&
		    (z->col[j->l->snz[2]].null || z->col[j->l->snz[2]].i != a->item_version))
			continue; /* the item has changed since: the alert is back */
		if (zu > until)
			until = zu;
	}
	return until;
}

static int shown_cmp(const void *pa, const void *pb)
{
	const struct shown *a = pa, *b = pb;
	if (a->a.severity != b->a.severity)
		return a->a.severity < b->a.severity ? -1 : 1;
	if (a->a.due_on != b->a.due_on)
		return a->a.due_on < b->a.due_on ? -1 : 1;
	int c = strcmp(a->survivor_id, b->survivor_id);
	if (c)
		return c;
	if (a->a.rule != b->a.rule)
		return a->a.rule < b->a.rule ? -1 : 1;
	return strcmp(a->a.item_id, b->a.item_id);
}

/* interpreter_status of an appointment: what the dashboard shows beside it. */
static const char *interpreter_status(const struct alert_appointment *ap, bool language)
{
	bool needed = ap->needed == FLAG_TRUE || language;
	if (!needed)
		return "not_needed";
	if (ap->provided == FLAG_TRUE)
		return "provided";
	if (ap->status && strcmp(ap->status, "attended") == 0)
		return "not_provided";
	return ap->booked == FLAG_TRUE ? "booked" : "not_booked";
}

/* The appointments of the record in the dashboard's window. */
static void window_add(struct judge *j, const struct store_survivor *s, const struct store_case *cs,
		       const struct alert_record *r)
{
	for (size_t i = 0; i < r->nappointments; i++) {
		const struct alert_appointment *ap = &r->appointments[i];
		if (ap->day == ALERT_NO_DAY || ap->day < j->day ||
		    ap->day >= j->day + DASHBOARD_DAYS)
			continue;
		if (j->nwindow == DASHBOARD_APPOINTMENTS_MAX) {
			j->window_full = true;
			continue;
		}
		struct appt_ref *w = &j->window[j->nwindow++];
		snprintf(w->id, sizeof w->id, "%s", ap->id);
		snprintf(w->survivor_id, sizeof w->survivor_id, "%s", s->id);
		snprintf(w->org_id, sizeof w->org_id, "%s", s->org_id);
		w->shared = s->shared_with_org;
		w->starts_at = cs->items[P_APPT][i].col[j->l->appt[1]].i;
		w->interpreter = interpreter_status(ap, r->language_interpreter);
	}
}

/* Appends a to what the answer shows, of survivor_id; NULL (j->err set)
 * when out of memory. */
static const struct shown *shown_add(struct judge *j, const struct alert *a,
				     const char *survivor_id, int snoozed,
				     const struct case_text *text)
{
	if (!grow((void **)&j->shown, &j->capshown, j->nshown + 1, sizeof *j->shown)) {
		j->err = WM_ERR_NOMEM;
		return NULL;
	}
	struct shown *sh = &j->shown[j->nshown++];
	sh->a = *a;
	sh->a.survivor_id = NULL; /* set once the list stops moving */
	text_copy(sh->survivor_id, sizeof sh->survivor_id, survivor_id);
	sh->snoozed_until = snoozed;
	sh->text = text;
	return sh;
}

/* Judges the record of cs on D into j->found; r (and the parts it points
 * to) stay filled for the caller. */
static bool evaluate(struct judge *j, const struct store_case *cs, struct alert_record *r,
		     struct alert_nrm *nrm, struct alert_asylum *asy, struct alert_plan *plan)
{
	const struct store_survivor *s = cs->survivor;
	*r = (struct alert_record){.survivor_id = s->id};
	survivor_facts(s->body, r);
	if (!record_parts(j, cs, r, nrm, asy, plan)) {
		j->err = WM_ERR_NOMEM;
		return false;
	}
	struct workdays cal;
	calendar_of(j, s->org_id, &cal);
	j->found.n = 0;
	wm_err e = alerts_evaluate(r, j->day, &cal, &j->found);
	if (e != WM_OK || j->err != WM_OK) {
		j->err = e != WM_OK ? e : j->err;
		return false;
	}
	return true;
}

/* Called by the store for each survivor of the caseload. */
static void judge_one(void *ctx, const struct store_case *cs)
{
	struct judge *j = ctx;
	if (j->err != WM_OK)
		return;
	const struct store_survivor *s = cs->survivor;
	struct alert_record r;
	struct alert_nrm nrm;
	struct alert_asylum asy;
	struct alert_plan plan;
	if (!evaluate(j, cs, &r, &nrm, &asy, &plan))
		return;
	struct resource res = {.org_id = s->org_id, .shared_with_org = s->shared_with_org};
	size_t first = j->nshown;
	for (size_t i = 0; i < j->found.n; i++) {
		const struct alert *a = &j->found.items[i];
		if (policy_decide(&j->c->who, alert_rule_read(a->rule), &res) != POLICY_ALLOW)
			continue; /* a rule about parts of the record this reader may not see */
		int until = snoozed_until(j, cs, a);
		if (until && !j->include_snoozed)
			continue;
		if (!shown_add(j, a, s->id, until, NULL))
			return;
	}
	if (j->nshown > first) {
		if (!grow((void **)&j->audit, &j->capaudit, j->naudit + 1, sizeof *j->audit)) {
			j->err = WM_ERR_NOMEM;
			return;
		}
		call_audit(j->c, s->id, "read", &j->audit[j->naudit++]);
	}
}

/* ---- the dashboard's walk ---- */

static void alert_text(struct buf *b, const struct alert *a, int snoozed);

/* The cache's key for survivor s of the dashboard's caseload at stamp. */
static void dash_key(const struct judge *j, const struct store_survivor *s, int64_t stamp,
		     struct case_key *key)
{
	memset(key, 0, sizeof *key);
	text_copy(key->survivor_id, sizeof key->survivor_id, s->id);
	key->stamp = stamp;
	key->day = j->day;
	key->calendar = j->calendar;
	struct resource res = {.org_id = s->org_id, .shared_with_org = s->shared_with_org};
	key->view = (int)policy_view(&j->c->who, &res);
}

/* Asked by the store before it opens s's record: whether the cache holds
 * what the dashboard shows of it at this stamp (kept in j->hits if so). */
static bool dash_known(void *ctx, const struct store_survivor *s, int64_t stamp)
{
	struct judge *j = ctx;
	if (!j->cacheable || stamp == STORE_NO_STAMP || j->err != WM_OK)
		return false;
	struct case_key key;
	dash_key(j, s, stamp, &key);
	struct case_view *v = case_cache_get(&key);
	if (!v)
		return false;
	if (!grow((void **)&j->hits, &j->caphits, j->nhits + 1, sizeof *j->hits)) {
		case_view_free(v);
		return false;
	}
	j->hits[j->nhits++] = v;
	return true;
}

/* Judges a survivor the cache did not know into row: their alerts in force
 * and not snoozed, their text and their appointments in the window. */
static bool dash_judge(struct judge *j, const struct store_case *cs, struct case_row *row)
{
	const struct store_survivor *s = cs->survivor;
	struct alert_record r;
	struct alert_nrm nrm;
	struct alert_asylum asy;
	struct alert_plan plan;
	if (!evaluate(j, cs, &r, &nrm, &asy, &plan))
		return false;
	row->alerts = malloc((j->found.n ? j->found.n : 1) * sizeof *row->alerts);
	struct buf b = BUF_INIT;
	if (row->alerts && survivor_write(j->c, s, &b))
		row->text = buf_take(&b, &row->len);
	buf_wipe(&b);
	if (!row->text) {
		j->err = WM_ERR_NOMEM;
		return false;
	}
	row->alert_texts = malloc((j->found.n ? j->found.n : 1) * sizeof *row->alert_texts);
	if (!row->alert_texts) {
		j->err = WM_ERR_NOMEM;
		return false;
	}
	struct buf at = BUF_INIT;
	for (size_t i = 0; i < j->found.n; i++) {
		const struct alert *a = &j->found.items[i];
		if (snoozed_until(j, cs, a))
			continue; /* the dashboard shows no snoozed alert */
		size_t from = at.len;
		alert_text(&at, a, 0);
		row->alert_texts[row->nalerts].len = at.len - from;
		row->alerts[row->nalerts] = *a;
		row->alerts[row->nalerts++].survivor_id = NULL;
	}
	row->atext = buf_take(&at, NULL);
	buf_free(&at);
	if (!row->atext) {
		j->err = WM_ERR_NOMEM;
		return false;
	}
	for (size_t i = 0, off = 0; i < row->nalerts; off += row->alert_texts[i++].len)
		row->alert_texts[i].text = row->atext + off;
	row->win_first = j->nwindow;
	window_add(j, s, cs, &r);
	row->win_n = j->nwindow - row->win_first;
	dash_key(j, s, cs->stamp, &row->key);
	row->keep = j->cacheable && cs->stamp != STORE_NO_STAMP && !j->window_full;
	return true;
}

/* Called by the store for each survivor of the dashboard's caseload. */
static void dash_one(void *ctx, const struct store_case *cs)
{
	struct judge *j = ctx;
	if (j->err != WM_OK)
		return;
	const struct store_survivor *s = cs->survivor;
	if (!grow((void **)&j->rows, &j->caprows, j->nrows + 1, sizeof *j->rows) ||
	    !grow((void **)&j->audit, &j->capaudit, j->naudit + 1, sizeof *j->audit)) {
		j->err = WM_ERR_NOMEM;
		return;
	}
	struct case_row *row = &j->rows[j->nrows];
	memset(row, 0, sizeof *row);
	row->order = j->nrows++;
	if (cs->known) {
		assert(j->hit_next < j->nhits);
		row->v = j->hits[j->hit_next++];
	} else if (!dash_judge(j, cs, row)) {
		return;
	}
	const struct alert *alerts = row->v ? row->v->alerts : row->alerts;
	const struct case_text *texts = row->v ? row->v->alert_texts : row->alert_texts;
	size_t nalerts = row->v ? row->v->nalerts : row->nalerts;
	struct resource res = {.org_id = s->org_id, .shared_with_org = s->shared_with_org};
	for (size_t i = 0; i < nalerts; i++) {
		const struct alert *a = &alerts[i];
		if (policy_decide(&j->c->who, alert_rule_read(a->rule), &res) != POLICY_ALLOW)
			continue; /* a rule about parts of the record this reader may not see */
		const struct shown *sh = shown_add(j, a, s->id, 0, &texts[i]);
		if (!sh)
			return;
		row->counts[sh->a.severity]++;
		if (!row->has_top || shown_cmp(sh, &row->top) < 0) {
			row->top = *sh;
			row->has_top = true;
		}
	}
	call_audit(j->c, s->id, "read", &j->audit[j->naudit++]);
}

/* Walks the caseload the request names: f is filled by the caller. */
static bool judge_caseload(struct judge *j, const struct store_survivor_filter *f)
{
	if (j->dashboard) {
		j->window = calloc(DASHBOARD_APPOINTMENTS_MAX, sizeof *j->window);
		if (!j->window)
			return call_fail(j->c, WM_ERR_NOMEM, NULL);
	}
	wm_err e =
	    j->dashboard
		? store_caseload(j->c->app->store, f, j->l->kinds, P_COUNT, dash_known, dash_one, j)
		: store_caseload(j->c->app->store, f, j->l->kinds, P_COUNT, NULL, judge_one, j);
	if (e == WM_OK)
		e = j->err;
	if (e != WM_OK)
		return call_fail(j->c, e, NULL);
	if (j->nshown) /* qsort's array may not be NULL, even empty */
		qsort(j->shown, j->nshown, sizeof *j->shown, shown_cmp);
	for (size_t i = 0; i < j->nshown; i++)
		j->shown[i].a.survivor_id = j->shown[i].survivor_id;
	return true;
}

/* The survivors the request is about: the caller's organisation's active
 * survivors (of one advocate when asked), or, for a clinician, those shared
 * with their organisation. */
static void caseload_filter(const struct call *c, const char *advocate_id,
			    struct store_survivor_filter *f)
{
	memset(f, 0, sizeof *f);
	f->status = "active";
	f->today = c->today;
	f->now = c->now;
	if (policy_scope(&c->who, ACT_ALERTS_READ) == SCOPE_SHARED)
		f->shared_with_org_id = c->who.org_id;
	else
		f->org_id = c->who.org_id;
	/* A clinician's caseload is what is shared with them: no advocate of
	 * theirs holds it, so ?advocate= (me, or anyone) narrows nothing. */
	f->advocate_id = f->shared_with_org_id ? NULL : advocate_id;
}

static json_t *alert_json(const struct alert *a, int snoozed)
{
	char due[DATE_TEXT_LEN], msg[256];
	date_format(a->due_on, due);
	alert_message(a, msg, sizeof msg);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "survivor_id", a->survivor_id, "rule",
			      alert_rule_name(a->rule), "severity",
			      alert_severity_name(a->severity), "due_on", due, "message", msg);
	if (o && a->item_id[0])
		json_object_set_new(o, "item_id", json_string(a->item_id));
	if (o && snoozed) {
		char until[DATE_TEXT_LEN];
		date_format(snoozed, until);
		json_object_set_new(o, "snoozed_until", json_string(until));
	}
	return o;
}

static json_t *alerts_array(const struct judge *j)
{
	json_t *items = json_array();
	for (size_t i = 0; items && i < j->nshown; i++)
		json_array_append_new(items, alert_json(&j->shown[i].a, j->shown[i].snoozed_until));
	return items;
}

/* Reads ?as_of= (default today): the day D the rules judge on. */
static bool as_of_param(struct call *c, int *day)
{
	return call_query_date(c, "as_of", c->today, day);
}

static void text_member(struct buf *b, const char *name, const char *value)
{
	buf_addc(b, ',');
	jsonw_string(b, name, strlen(name));
	buf_addc(b, ':');
	jsonw_string(b, value, strlen(value));
}

/* One alert as alert_json writes it, straight into b: an organisation's
 * answer holds thousands, and a tree of each would cost more than the rest
 * of the answer. */
static void alert_text(struct buf *b, const struct alert *a, int snoozed)
{
	char due[DATE_TEXT_LEN], msg[256];
	date_format(a->due_on, due);
	alert_message(a, msg, sizeof msg);
	buf_adds(b, "{\"survivor_id\":");
	jsonw_string(b, a->survivor_id, strlen(a->survivor_id));
	text_member(b, "rule", alert_rule_name(a->rule));
	text_member(b, "severity", alert_severity_name(a->severity));
	text_member(b, "due_on", due);
	text_member(b, "message", msg);
	if (a->item_id[0])
		text_member(b, "item_id", a->item_id);
	if (snoozed) {
		char until[DATE_TEXT_LEN];
		date_format(snoozed, until);
		text_member(b, "snoozed_until", until);
	}
	buf_addc(b, '}');
}

/* GET /alerts?advocate=me|ID&as_of=DATE&include_snoozed=true */
void alerts_list(struct call *c)
{
	const char *advocate_id;
	int day;
	if (!call_advocate_param(c, &advocate_id) || !as_of_param(c, &day))
		return;
	const char *inc = http_query(c->req, "include_snoozed");
	if (inc && strcmp(inc, "true") != 0 && strcmp(inc, "false") != 0) {
		call_invalid(c, "include_snoozed", "include_snoozed must be true or false");
		return;
	}
	struct judge j;
	judge_init(&j, c, day);
	j.include_snoozed = inc && strcmp(inc, "true") == 0;
	struct store_survivor_filter f;
	caseload_filter(c, advocate_id, &f);
	bool heavy = !f.advocate_id;
	if (heavy)
		heavy_enter();
	if (judge_caseload(&j, &f)) {
		char as_of[DATE_TEXT_LEN];
		date_format(day, as_of);
		struct buf b = BUF_INIT;
		buf_adds(&b, "{\"as_of\":\"");
		buf_adds(&b, as_of);
		buf_adds(&b, "\",\"items\":[");
		for (size_t i = 0; i < j.nshown; i++) {
			if (i)
				buf_addc(&b, ',');
			alert_text(&b, &j.shown[i].a, j.shown[i].snoozed_until);
		}
		buf_adds(&b, "]}");
		size_t len = 0;
		char *text = buf_take(&b, &len);
		buf_free(&b);
		if (!text) {
			call_fail(c, WM_ERR_NOMEM, NULL);
		} else {
			http_respond(c->req, 200, "application/json", text, len);
			/* The rules' working memory goes before the answer waits. */
			free(j.shown);
			j.shown = NULL;
			j.nshown = 0;
			alert_list_free(&j.found);
			call_answer_after_audit_then(c, j.audit, j.naudit,
						     heavy ? heavy_leave : NULL, NULL);
			heavy = false; /* left once committed */
		}
	}
	if (heavy)
		heavy_leave(NULL);
	judge_free(&j);
}

/* The dashboard's survivors, most urgent first: by their most urgent alert
 * (in the alerts' own order), then those with none, in caseload order. */
static int row_cmp(const void *pa, const void *pb)
{
	const struct case_row *a = pa, *b = pb;
	if (a->has_top != b->has_top)
		return a->has_top ? -1 : 1;
	if (a->has_top) {
		int d = shown_cmp(&a->top, &b->top);
		if (d)
			return d;
	}
	return a->order < b->order ? -1 : a->order > b->order;
}

static int appt_cmp(const void *pa, const void *pb)
{
	const struct case_appt *a = *(const struct case_appt *const *)pa;
	const struct case_appt *b = *(const struct case_appt *const *)pb;
	if (a->starts_at != b->starts_at)
		return a->starts_at < b->starts_at ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* Makes row->v for a survivor judged afresh: their window's appointments
 * read in full (the survivor is already audited as shown), then the view,
 * kept in the cache when it may be. */
static bool dash_make(struct judge *j, struct case_row *row)
{
	const struct kind *k = j->l->kinds[P_APPT];
	struct case_appt *appts = calloc(row->win_n ? row->win_n : 1, sizeof *appts);
	size_t n = 0;
	wm_err e = appts ? WM_OK : WM_ERR_NOMEM;
	for (size_t i = 0; e == WM_OK && i < row->win_n; i++) {
		const struct appt_ref *w = &j->window[row->win_first + i];
		struct store_item it = {0};
		e = store_item_get(j->c->app->store, k, w->org_id, w->survivor_id, w->id, &it);
		if (e == WM_ERR_NOT_FOUND) {
			e = WM_OK; /* changed since the walk: gone is gone */
			row->keep = false;
			continue;
		}
		if (e != WM_OK)
			break;
		struct resource res = {.org_id = w->org_id, .shared_with_org = w->shared};
		json_t *o = item_json(j->c, k, &res, &it);
		store_item_clear(&it);
		struct buf b = BUF_INIT;
		if (o &&
		    json_object_set_new(o, "interpreter_status", json_string(w->interpreter)) ==
			0 &&
		    jsonw_value(&b, o)) {
			struct case_appt *a = &appts[n++];
			a->starts_at = w->starts_at;
			snprintf(a->id, sizeof a->id, "%s", w->id);
			a->text = buf_take(&b, &a->len);
			if (!a->text)
				e = WM_ERR_NOMEM;
		} else {
			e = WM_ERR_NOMEM;
		}
		buf_wipe(&b);
		json_decref(o);
	}
	if (e == WM_OK) {
		row->v = case_view_make(&row->key, row->alerts, row->alert_texts, row->nalerts,
					appts, n, row->text, row->len);
		if (!row->v)
			e = WM_ERR_NOMEM;
		else if (row->keep)
			case_cache_put(row->v);
	}
	for (size_t i = 0; i < n; i++) {
		if (appts[i].text)
			sodium_memzero((char *)(uintptr_t)appts[i].text, appts[i].len);
		free((char *)(uintptr_t)appts[i].text);
	}
	free(appts);
	j->err = e;
	return e == WM_OK;
}

static void counts_text(struct buf *b, const int counts[ALERT_SEVERITY_COUNT])
{
	buf_addc(b, '{');
	for (int s = 0; s < ALERT_SEVERITY_COUNT; s++) {
		if (s)
			buf_addc(b, ',');
		const char *name = alert_severity_name((enum alert_severity)s);
		jsonw_string(b, name, strlen(name));
		char digits[16];
		size_t n = 0;
		unsigned v = counts[s] > 0 ? (unsigned)counts[s] : 0;
		do
			digits[sizeof digits - ++n] = (char)('0' + v % 10);
		while ((v /= 10) && n < sizeof digits);
		buf_addc(b, ':');
		buf_add(b, digits + sizeof digits - n, n);
	}
	buf_addc(b, '}');
}

/* One survivor of the answer: their text with their alerts' counts and
 * their most urgent alert added. */
static void row_text(struct buf *b, const struct case_row *row)
{
	const struct case_view *v = row->v;
	assert(v->len >= 2 && v->text[v->len - 1] == '}');
	buf_add(b, v->text, v->len - 1);
	buf_adds(b, ",\"alert_counts\":");
	counts_text(b, row->counts);
	buf_adds(b, ",\"most_urgent_alert\":");
	if (!row->has_top) {
		buf_adds(b, "null}");
		return;
	}
	char due[DATE_TEXT_LEN];
	date_format(row->top.a.due_on, due);
	buf_adds(b, "{\"rule\":");
	const char *rule = alert_rule_name(row->top.a.rule);
	jsonw_string(b, rule, strlen(rule));
	text_member(b, "severity", alert_severity_name(row->top.a.severity));
	text_member(b, "due_on", due);
	buf_adds(b, "}}");
}

/* The dashboard's answer, written straight as text. */
static char *dash_text(struct judge *j, const char *advocate_id, size_t *len)
{
	size_t nappts = 0;
	for (size_t i = 0; i < j->nrows; i++)
		nappts += j->rows[i].v->nappts;
	const struct case_appt **appts = calloc(nappts ? nappts : 1, sizeof *appts);
	if (!appts)
		return NULL;
	nappts = 0;
	for (size_t i = 0; i < j->nrows; i++)
		for (size_t k = 0; k < j->rows[i].v->nappts; k++)
			appts[nappts++] = &j->rows[i].v->appts[k];
	if (nappts)
		qsort(appts, nappts, sizeof *appts, appt_cmp);
	if (nappts > DASHBOARD_APPOINTMENTS_MAX)
		nappts = DASHBOARD_APPOINTMENTS_MAX;
	char as_of[DATE_TEXT_LEN];
	date_format(j->day, as_of);
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"as_of\":\"");
	buf_adds(&b, as_of);
	buf_addc(&b, '"');
	if (advocate_id)
		text_member(&b, "advocate_id", advocate_id);
	buf_adds(&b, ",\"alerts\":[");
	for (size_t i = 0; i < j->nshown; i++) {
		if (i)
			buf_addc(&b, ',');
		if (j->shown[i].text)
			buf_add(&b, j->shown[i].text->text, j->shown[i].text->len);
		else
			alert_text(&b, &j->shown[i].a, 0);
	}
	int total[ALERT_SEVERITY_COUNT] = {0};
	for (size_t i = 0; i < j->nrows; i++)
		for (int s = 0; s < ALERT_SEVERITY_COUNT; s++)
			total[s] += j->rows[i].counts[s];
	buf_adds(&b, "],\"alert_counts\":");
	counts_text(&b, total);
	buf_adds(&b, ",\"appointments\":[");
	for (size_t i = 0; i < nappts; i++) {
		if (i)
			buf_addc(&b, ',');
		buf_add(&b, appts[i]->text, appts[i]->len);
	}
	buf_adds(&b, "],\"survivors\":[");
	for (size_t i = 0; i < j->nrows; i++) {
		if (i)
			buf_addc(&b, ',');
		row_text(&b, &j->rows[i]);
	}
	buf_adds(&b, "]}");
	free(appts);
	char *text = buf_take(&b, len);
	buf_free(&b);
	return text;
}

/* GET /dashboard?advocate=me|ID&as_of=DATE: one caseload in one call. */
void dashboard_get(struct call *c)
{
	const char *advocate_id;
	int day;
	if (!call_advocate_param(c, &advocate_id) || !as_of_param(c, &day))
		return;
	bool shared = policy_scope(&c->who, ACT_ALERTS_READ) == SCOPE_SHARED;
	if (!advocate_id && !shared)
		advocate_id = c->user.id; /* the caller's own caseload */
	struct judge j;
	judge_init(&j, c, day);
	j.dashboard = true;
	struct store_survivor_filter f;
	caseload_filter(c, advocate_id, &f);
	if (f.org_id) {
		/* One organisation's caseload: one calendar, known before the
		 * walk, so what the cache holds can be checked against it. (A
		 * clinician's shares span organisations: judged afresh.) */
		struct workdays cal;
		calendar_of(&j, f.org_id, &cal);
		j.calendar = case_calendar_hash(cal.extra, cal.nextra);
		j.cacheable = j.err == WM_OK;
		j.err = WM_OK;
	}
	bool ok = judge_caseload(&j, &f);
	for (size_t i = 0; ok && i < j.nrows; i++)
		if (!j.rows[i].v && !dash_make(&j, &j.rows[i]))
			ok = call_fail(c, j.err, NULL);
	if (ok) {
		if (j.nrows)
			qsort(j.rows, j.nrows, sizeof *j.rows, row_cmp);
		size_t len = 0;
		char *text = dash_text(&j, shared ? NULL : advocate_id, &len);
		if (!text) {
			call_fail(c, WM_ERR_NOMEM, NULL);
		} else {
			http_respond(c->req, 200, "application/json", text, len);
			call_answer_after_audit(c, j.audit, j.naudit);
		}
	}
	judge_free(&j);
}

/* The kind an item rule's item_id names an item of (NULL: none, or a
 * dependant). */
static const struct kind *rule_item_kind(enum alert_rule rule)
{
	switch (rule) {
	case RULE_REGISTRATION_REFUSED:
		return kind_find("registrations");
	case RULE_INTERPRETER_NOT_BOOKED:
	case RULE_INTERPRETER_NOT_PROVIDED:
	case RULE_THIRD_PARTY_CANCELLATION:
		return kind_find("appointments");
	case RULE_REFERRAL_NO_RESPONSE:
	case RULE_MENTAL_HEALTH_WAIT:
		return kind_find("referrals");
	case RULE_MEDICATION_WITHOUT_THERAPY:
	case RULE_MEDICATION_NOT_EXPLAINED:
		return kind_find("medications");
	case RULE_RG_DECISION_OVERDUE:
	case RULE_CG_DECISION_WAITING:
	case RULE_NRM_SUPPORT_ENDING:
		return kind_find("nrm");
	case RULE_ASYLUM_NO_LEGAL_REPRESENTATIVE:
		return kind_find("asylum");
	case RULE_REVIEW_OVERDUE:
		return kind_find("plan");
	default:
		return NULL;
	}
}

/* POST /alerts/snoozes {survivor_id, rule, item_id?, until, reason}: a
 * snooze is a part of the survivor's record (kind "snoozes"), stored with
 * the version its item has now. */
void alerts_snooze(struct call *c)
{
	const struct kind *k = kind_find("snoozes");
	assert(k);
	json_t *body = call_body(c);
	if (!body)
		return;
	const char *sid = json_string_value(json_object_get(body, "survivor_id"));
	if (!sid || !schema_is_id(sid)) {
		call_invalid(c, "survivor_id", "survivor_id is required: the survivor's id");
		json_decref(body);
		return;
	}
	char survivor_id[STORE_ID_LEN];
	snprintf(survivor_id, sizeof survivor_id, "%s", sid);
	json_object_del(body, "survivor_id");
	struct store_survivor s;
	if (!survivor_load_id(c, survivor_id, ACT_RECORD_WRITE, &s)) {
		json_decref(body);
		return;
	}
	if (!item_valid(c, k, body, &s)) {
		json_decref(body);
		store_survivor_clear(&s);
		return;
	}
	enum alert_rule rule;
	bool known = alert_rule_parse(json_string_value(json_object_get(body, "rule")), &rule);
	assert(known); /* item_valid checked it */
	(void)known;
	const char *item_id = json_string_value(json_object_get(body, "item_id"));
	const struct kind *ik = rule_item_kind(rule);
	int item_version = 0;
	if (ik && item_id) {
		struct store_item it = {0};
		wm_err e = schema_is_id(item_id)
			       ? store_item_get(c->app->store, ik, s.org_id, s.id,
						ik->shape == KIND_ONE ? NULL : item_id, &it)
			       : WM_ERR_NOT_FOUND;
		if (e == WM_OK && strcmp(it.id, item_id) != 0)
			e = WM_ERR_NOT_FOUND;
		item_version = it.version;
		store_item_clear(&it);
		if (e != WM_OK) {
			if (e == WM_ERR_NOT_FOUND)
				call_invalid(
				    c, "item_id",
				    "item_id names no item of this record the rule is about");
			else
				call_fail(c, e, NULL);
			json_decref(body);
			store_survivor_clear(&s);
			return;
		}
	}
	json_object_set_new(body, "item_version", json_integer(item_version));
	json_object_set_new(body, "snoozed_by", json_string(c->user.id));
	item_create(c, k, &s, body);
	store_survivor_clear(&s);
}

/* ---- the organisation's own non-working days ---- */

static json_t *days_json(const int *days, size_t n)
{
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		char d[DATE_TEXT_LEN];
		date_format(days[i], d);
		json_array_append_new(items, json_string(d));
	}
	return items;
}

/* GET /non-working-days: the caller's organisation's own (bank holidays are
 * built in and not listed). */
void calendar_list(struct call *c)
{
	int *days;
	size_t n;
	wm_err e = store_org_days(c->app->store, c->who.org_id, &days, &n);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	http_respond_json(c->req, 200, json_pack("{s:o}", "days", days_json(days, n)));
	free(days);
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* The most non-working days of its own an organisation keeps. */
#define CALENDAR_DAYS_MAX 366

/* PUT /non-working-days {days: [DATE...]}: replaces the organisation's own
 * non-working days (a manager's). */
void calendar_set(struct call *c)
{
	json_t *body = call_body(c);
	if (!body)
		return;
	json_t *list = json_object_get(body, "days");
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v)
	{
		if (strcmp(key, "days") != 0) {
			call_invalid(c, key, "unknown field");
			json_decref(body);
			return;
		}
	}
	if (!json_is_array(list) || json_array_size(list) > CALENDAR_DAYS_MAX) {
		call_invalid(c, "days", "days must be a list of at most 366 dates");
		json_decref(body);
		return;
	}
	size_t n = json_array_size(list);
	int *days = calloc(n ? n : 1, sizeof *days);
	if (!days) {
		json_decref(body);
		call_fail(c, WM_ERR_NOMEM, NULL);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *d = json_string_value(json_array_get(list, i));
		if (!d || !date_parse(d, &days[i])) {
			char field[32];
			snprintf(field, sizeof field, "days[%zu]", i);
			call_invalid(c, field, "must be a date (YYYY-MM-DD) that exists");
			free(days);
			json_decref(body);
			return;
		}
	}
	json_decref(body);
	qsort(days, n, sizeof *days, int_cmp);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || days[m - 1] != days[i])
			days[m++] = days[i];
	wm_err e = store_org_days_set(c->app->store, c->who.org_id, days, m, c->user.id, c->now);
	if (e == WM_OK)
		http_respond_json(c->req, 200, json_pack("{s:o}", "days", days_json(days, m)));
	else
		call_fail(c, e, NULL);
	free(days);
}

/* ---- one survivor's alerts (record pages: src/api/survivor_alerts.c) ---- */

struct one_survivor {
	struct judge j;
	const char *id;
	json_t *missing;
};

/* Judges only the survivor asked for, and lists what their record lacks
 * for a rule to be judged, cut by the rules the reader may see. */
static void judge_only(void *ctx, const struct store_case *cs)
{
	struct one_survivor *o = ctx;
	const struct store_survivor *s = cs->survivor;
	if (strcmp(s->id, o->id) != 0 || o->j.err != WM_OK)
		return;
	struct alert_record r = {.survivor_id = s->id};
	struct alert_nrm nrm;
	struct alert_asylum asy;
	struct alert_plan plan;
	survivor_facts(s->body, &r);
	struct alert_gap_list gaps = {0};
	if (!record_parts(&o->j, cs, &r, &nrm, &asy, &plan) || alert_missing(&r, &gaps) != WM_OK) {
		alert_gap_list_free(&gaps);
		o->j.err = WM_ERR_NOMEM;
		return;
	}
	struct resource res = {.org_id = s->org_id, .shared_with_org = s->shared_with_org};
	for (size_t i = 0; i < gaps.n; i++) {
		const struct alert_gap *g = &gaps.items[i];
		if (policy_decide(&o->j.c->who, alert_rule_read(g->rule), &res) != POLICY_ALLOW)
			continue;
		char msg[256];
		alert_gap_message(g, msg, sizeof msg);
		json_t *m = json_pack("{s:s, s:s, s:s, s:s}", "rule", alert_rule_name(g->rule),
				      "part", g->part, "field", g->field, "message", msg);
		if (m && g->item_id[0])
			json_object_set_new(m, "item_id", json_string(g->item_id));
		json_array_append_new(o->missing, m);
	}
	alert_gap_list_free(&gaps);
	judge_one(&o->j, cs);
}

bool alerts_of_survivor(struct call *c, const struct store_survivor *s, int day, json_t **alerts,
			json_t **missing)
{
	*alerts = *missing = NULL;
	struct one_survivor o = {.id = s->id, .missing = json_array()};
	judge_init(&o.j, c, day);
	o.j.include_snoozed = true;
	const char *status = json_string_value(json_object_get(s->body, "status"));
	wm_err e = o.missing ? WM_OK : WM_ERR_NOMEM;
	if (e == WM_OK && status && strcmp(status, "active") == 0) {
		/* The store walks caseloads, not one survivor: the survivor's
		 * advocate narrows the walk to their caseload. */
		struct store_survivor_filter f;
		caseload_filter(c, json_string_value(json_object_get(s->body, "advocate_id")), &f);
		e = store_caseload(c->app->store, &f, o.j.l->kinds, P_COUNT, NULL, judge_only, &o);
		if (e == WM_OK)
			e = o.j.err;
	}
	if (e == WM_OK && o.j.nshown) {
		qsort(o.j.shown, o.j.nshown, sizeof *o.j.shown, shown_cmp);
		for (size_t i = 0; i < o.j.nshown; i++)
			o.j.shown[i].a.survivor_id = o.j.shown[i].survivor_id;
	}
	if (e == WM_OK) {
		*alerts = alerts_array(&o.j);
		*missing = o.missing;
		o.missing = NULL;
		e = *alerts ? WM_OK : WM_ERR_NOMEM;
	}
	if (e != WM_OK) {
		json_decref(*missing);
		*missing = NULL;
		call_fail(c, e, NULL);
	}
	json_decref(o.missing);
	judge_free(&o.j);
	return e == WM_OK;
}
