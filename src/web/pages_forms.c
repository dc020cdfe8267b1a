/*
 * pages_forms.c - the forms that add and change everything in a survivor's
 * record: the survivor, each part of the record (domain/kind.h), an
 * alert's snooze, a safeguarding share.
 *
 * Every form is drawn from the part's own declaration (fields.h) and sent
 * to the API's own handler (page_api), which judges it: the page checks
 * only what a person is helped by hearing at once (a required field left
 * empty, a date that does not exist). What the API refuses comes back
 * beside the input it names, with everything kept as typed. A change sent
 * from a version someone else has changed since (409) is shown side by
 * side with what is saved now, and nothing is lost or overwritten.
 *
 * After a save: 303 to the record, with ?saved=<what> (a word, never an id
 * or a name) for it to say so.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/date.h"
#include "../domain/kind.h"
#include "../domain/kinds/kinds.h"
#include "../domain/survivor.h"
#include "fields.h"
#include "pages.h"
#include "words.h"

/* What each form says: the API's path segment, the word for ?saved=, the
 * headings to add and to change (NULL: never changed, as notes). */
struct form_def {
	const char *seg, *saved, *add, *change;
};

static const struct form_def defs[] = {
    {"registrations", "registration", "Add a registration", "Change a registration"},
    {"appointments", "appointment", "Add an appointment", "Change an appointment"},
    {"referrals", "referral", "Record a referral", "Change a referral"},
    {"medications", "medication", "Add a medicine", "Change a medicine"},
    {"notes", "note", "Add a note", NULL},
    {"consents", "consent", "Record a consent", "Change a consent"},
    {"plan/reviews", "review", "Record a plan review", NULL},
    {"nrm", "nrm", "Record the NRM referral", "Change the NRM referral"},
    {"asylum", "asylum", "Record the asylum claim", "Change the asylum claim"},
    {"plan", "plan", "Write the support plan", "Change the support plan"},
};

/* The form of a safeguarding share: the API's body, {org_id, reason}. */
static const struct schema_field share_fields[] = {
    {.name = "org_id", .type = SCH_ID, .flags = SCH_REQUIRED},
    {.name = "reason", .type = SCH_TEXT, .flags = SCH_REQUIRED},
};
static const struct schema share_schema = {"share", share_fields, 2};

/* What one form page is about. */
struct fctx {
	struct page *p;
	const struct schema *s;
	const struct form_def *d; /* NULL: the survivor, a snooze, a share */
	struct fields_opts o;
	json_t *choices; /* owned: o.choices */
	const char *sid; /* the survivor's id from the path, "" for a new one */
	char api[200];	 /* the API's path for what is changed (or its list) */
	char action[200];
	char back[120];
	const char *heading, *button, *lead, *warning;
	const char *saved; /* the word for ?saved= */
};

/* ---- helpers ---- */

/* Whether an id from the path can be put back in a path as it is: ours
 * are lower-case hex, a dependant's "dependant:N". */
static bool path_safe(const char *s)
{
	if (!s[0] || strlen(s) > 64)
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == ':' ||
		      *c == '_'))
			return false;
	return true;
}

/* The kind a route pattern is about: "/survivors/{id}/plan/reviews/new"
 * -> plan/reviews (the longest kind name that fits). */
static const struct form_def *def_of(const struct page *p)
{
	const char *rest = p->m.route->pattern + strlen("/survivors/{id}/");
	const struct form_def *best = NULL;
	for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
		size_t n = strlen(defs[i].seg);
		if (strncmp(rest, defs[i].seg, n) == 0 && (rest[n] == '/' || rest[n] == '\0') &&
		    (!best || n > strlen(best->seg)))
			best = &defs[i];
	}
	return best;
}

static bool case_team(const struct page *p)
{
	return strcmp(page_role(p), "clinician") != 0;
}

static void ctx_free(struct fctx *c)
{
	json_decref(c->choices);
}

static void not_found(struct page *p)
{
	page_error(p, 404, "Page not found",
		   "This record is not there, or it is not yours to see. Nothing was saved.");
}

/* The organisations one may name, other than one's own: for a consent to
 * share, or a safeguarding share. */
static void org_choices(struct fctx *c, const char *field)
{
	unsigned st;
	const char *const params[] = {"limit", "500", NULL};
	json_t *orgs = page_api(c->p, "GET", "/api/v1/orgs", params, NULL, &st);
	const char *mine = json_string_value(json_object_get(c->p->me, "org_id"));
	json_t *list = json_array();
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(orgs, "items"), i, o)
	{
		const char *id = json_string_value(json_object_get(o, "id"));
		const char *name = json_string_value(json_object_get(o, "name"));
		if (id && name && !(mine && strcmp(id, mine) == 0))
			json_array_append_new(list,
					      json_pack("{s:s, s:s}", "value", id, "text", name));
	}
	json_decref(orgs);
	json_object_set_new(c->choices, field, list);
}

/* Who a registration is for: the survivor, or one of their dependants (by
 * number and year of birth: a name would not blur in a select). */
static void person_choices(struct fctx *c)
{
	unsigned st;
	char path[120];
	snprintf(path, sizeof path, "/api/v1/survivors/%s", c->sid);
	json_t *sv = page_api(c->p, "GET", path, NULL, NULL, &st);
	json_t *list = json_pack("[{s:s, s:s}]", "value", "survivor", "text", "The survivor");
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(sv, "dependants"), i, d)
	{
		char v[32], t[64];
		snprintf(v, sizeof v, "dependant:%zu", i + 1);
		json_t *by = json_object_get(d, "birth_year");
		if (json_is_integer(by))
			snprintf(t, sizeof t, "Dependant %zu (born %lld)", i + 1,
				 (long long)json_integer_value(by));
		else
			snprintf(t, sizeof t, "Dependant %zu", i + 1);
		json_array_append_new(list, json_pack("{s:s, s:s}", "value", v, "text", t));
	}
	json_decref(sv);
	json_object_set_new(c->choices, "person", list);
}

/* The choices a kind's form offers beyond its declaration. */
static void kind_choices(struct fctx *c)
{
	if (strcmp(c->d->seg, "registrations") == 0)
		person_choices(c);
	else if (strcmp(c->d->seg, "consents") == 0)
		org_choices(c, "org_id");
}

/* Collects the error summary in the form's order: each field with an
 * error, linked to its first input. */
static void summarise(const json_t *fields, json_t *summary, json_t *seen)
{
	size_t i;
	const json_t *f;
	json_array_foreach(fields, i, f)
	{
		const char *err = json_string_value(json_object_get(f, "error"));
		if (err) {
			char href[160];
			snprintf(href, sizeof href, "#%.150s",
				 json_string_value(json_object_get(f, "anchor")));
			json_array_append_new(summary,
					      json_pack("{s:s, s:s}", "href", href, "text", err));
			json_object_set_new(seen, json_string_value(json_object_get(f, "id")),
					    json_true());
		}
		summarise(json_object_get(f, "fields"), summary, seen);
		size_t r;
		const json_t *row;
		json_array_foreach(json_object_get(f, "rows"), r, row)
		{
			summarise(json_object_get(row, "fields"), summary, seen);
		}
	}
}

/* Renders the form: values (borrowed; NULL for empty), errors (id ->
 * message, borrowed; NULL for none), version (0: none), conflict (taken;
 * NULL: none). */
static void draw(struct fctx *c, unsigned status, const json_t *values, const json_t *errors,
		 long long version, json_t *conflict)
{
	struct page *p = c->p;
	if (!p->data)
		p->data = json_object();
	json_t *fields = fields_describe_opts(c->s, values, errors, &c->o);
	json_t *summary = json_array();
	json_t *seen = json_object();
	summarise(fields, summary, seen);
	/* An error about nothing drawn (the version, a field the form does
	 * not show) links to the form itself. */
	const char *id;
	json_t *msg;
	json_object_foreach((json_t *)errors, id, msg) if (!json_object_get(seen, id))
	    json_array_append_new(summary,
				  json_pack("{s:s, s:O}", "href", "#wm-form", "text", msg));
	json_decref(seen);
	char v[24];
	snprintf(v, sizeof v, "%lld", version);
	json_t *d = p->data;
	json_object_set_new(d, "has_errors", json_boolean(json_array_size(summary) > 0));
	json_object_set_new(d, "errors", summary);
	json_object_set_new(d, "fields", fields);
	json_object_set_new(d, "heading", json_string(c->heading));
	json_object_set_new(d, "button", json_string(c->button));
	json_object_set_new(d, "action", json_string(c->action));
	json_object_set_new(d, "back", json_string(c->back));
	json_object_set_new(d, "back_text",
			    json_string(c->sid[0] ? "Back to the record" : "Back to survivors"));
	json_object_set_new(d, "lead", c->lead ? json_string(c->lead) : json_false());
	json_object_set_new(d, "warning", c->warning ? json_string(c->warning) : json_false());
	json_object_set_new(d, "has_version", json_boolean(version > 0));
	json_object_set_new(d, "version", json_string(v));
	json_object_set_new(d, "conflict", conflict ? conflict : json_false());
	page_render(p, status, "form", conflict ? "Someone else changed this record" : c->heading);
}

/* The form again after an error: what was typed, errors beside it. */
static void redraw(struct fctx *c, unsigned status, const json_t *errors)
{
	json_t *echo = fields_echo(c->s, &c->p->form);
	char *end;
	long long version = strtoll(page_field(c->p, "version"), &end, 10);
	draw(c, status, echo, errors, *end ? 0 : version, NULL);
	json_decref(echo);
}

/* The API refused what was sent: its 422 beside the input it names, or a
 * page saying what happened (nothing was saved). */
static void refused(struct fctx *c, const json_t *answer, unsigned st)
{
	struct page *p = c->p;
	const json_t *err = json_object_get(answer, "error");
	if (st == 403) {
		page_error(p, 403, "You cannot make this change",
			   "Your role does not allow it. Nothing was saved.");
		return;
	}
	if (st == 404) {
		not_found(p);
		return;
	}
	if (st != 422 && st != 400 && st != 409) {
		page_error(p, st >= 500 ? 500 : st, "Sorry, there is a problem with the service",
			   "Nothing was saved. Try again later.");
		return;
	}
	const char *field = json_string_value(json_object_get(err, "field"));
	const char *message = json_string_value(json_object_get(err, "message"));
	char id[128] = "";
	if (field && field[0])
		fields_error_id(c->s, &p->form, field, id, sizeof id);
	char *text = fields_error_text(c->s, field, message ? message : "This could not be saved");
	json_t *errors = json_object();
	json_object_set_new(errors, id[0] ? id : "form", json_string(text ? text : ""));
	free(text);
	redraw(c, 422, errors);
	json_decref(errors);
}

/* Reads the posted form into the API's body; false after drawing the form
 * again with what stopped it (nothing is sent). */
static json_t *read_posted(struct fctx *c, enum fields_mode mode)
{
	json_t *errors = json_object();
	fields_missing(c->s, &c->p->form, mode, &c->o, errors);
	json_t *body = fields_read_opts(c->s, &c->p->form, mode, &c->o, errors);
	if (!body || json_object_size(errors)) {
		json_decref(body);
		redraw(c, 422, errors);
		json_decref(errors);
		return NULL;
	}
	json_decref(errors);
	return body;
}

/* The version the form was read at: 0 when it carries none. */
static long long posted_version(const struct page *p)
{
	const char *v = page_field(p, "version");
	char *end;
	long long n = strtoll(v, &end, 10);
	return v[0] && !*end && n > 0 ? n : 0;
}

static void saved(struct fctx *c, const char *sid)
{
	char to[160];
	snprintf(to, sizeof to, "/survivors/%s?saved=%s", sid, c->saved);
	page_redirect(c->p, to);
}

/* 409: someone else saved since the form was read. The form again with
 * what is saved now and its version, and beside it what this person
 * entered, field by field. */
static void conflicted(struct fctx *c, const json_t *answer)
{
	struct page *p = c->p;
	unsigned st;
	json_t *now = page_api(p, "GET", c->api, NULL, NULL, &st);
	if (st != 200 || !json_is_object(now)) {
		json_decref(now);
		refused(c, answer, st == 200 ? 500 : st);
		return;
	}
	json_t *scratch = json_object();
	json_t *entered = fields_read_opts(c->s, &p->form, FIELDS_CREATE, &c->o, scratch);
	const json_t *err = json_object_get(answer, "error");
	const json_t *changed = json_object_get(err, "changed");
	json_t *rows = fields_compare(c->s, entered, now, changed, &c->o);
	json_t *conflict = json_pack("{s:b, s:b, s:o}", "has_rows", json_array_size(rows) > 0,
				     "known", json_is_array(changed), "rows", rows);
	json_t *ver = json_object_get(now, "version");
	draw(c, 409, now, NULL, json_is_integer(ver) ? json_integer_value(ver) : 0, conflict);
	json_decref(entered);
	json_decref(scratch);
	json_decref(now);
}

/* Sends body (taken) and answers: 303 to the record, or the form again. */
static void send(struct fctx *c, const char *method, json_t *body, unsigned ok)
{
	unsigned st;
	json_t *answer = page_api(c->p, method, c->api, NULL, body, &st);
	if (st == ok || (ok == 200 && st == 201)) {
		const char *id = json_string_value(json_object_get(answer, "id"));
		saved(c, c->sid[0] ? c->sid : id && path_safe(id) ? id : "");
	} else if (st == 409 &&
		   json_object_get(json_object_get(answer, "error"), "current_version")) {
		conflicted(c, answer);
	} else {
		refused(c, answer, st);
	}
	json_decref(answer);
}

/* Loads what a change form starts from; false after answering. */
static json_t *load(struct fctx *c)
{
	unsigned st;
	json_t *v = page_api(c->p, "GET", c->api, NULL, NULL, &st);
	if (st == 200 && json_is_object(v))
		return v;
	json_decref(v);
	refused(c, NULL, st == 200 ? 500 : st);
	return NULL;
}

static long long version_of(const json_t *v)
{
	const json_t *n = json_object_get(v, "version");
	return json_is_integer(n) ? json_integer_value(n) : 0;
}

/* ---- parts of the record ---- */

/* Sets c up for the part named by the route; false after answering 404. */
static bool kind_ctx(struct page *p, struct fctx *c, bool item)
{
	memset(c, 0, sizeof *c);
	c->p = p;
	c->sid = page_param(p, 0);
	c->d = def_of(p);
	const struct kind *k = c->d ? kind_find(c->d->seg) : NULL;
	const char *iid = item ? page_param(p, 1) : "";
	if (!k || !path_safe(c->sid) || (item && !path_safe(iid))) {
		not_found(p);
		return false;
	}
	c->s = k->schema;
	c->choices = json_object();
	c->o = (struct fields_opts){.case_team = case_team(p), .choices = c->choices};
	c->saved = c->d->saved;
	snprintf(c->back, sizeof c->back, "/survivors/%s", c->sid);
	if (item) {
		snprintf(c->api, sizeof c->api, "/api/v1/survivors/%s/%s/%s", c->sid, c->d->seg,
			 iid);
		snprintf(c->action, sizeof c->action, "/survivors/%s/%s/%s", c->sid, c->d->seg,
			 iid);
	} else {
		snprintf(c->api, sizeof c->api, "/api/v1/survivors/%s/%s", c->sid, c->d->seg);
		snprintf(c->action, sizeof c->action, "/survivors/%s/%s", c->sid, c->d->seg);
	}
	bool one = k->shape == KIND_ONE;
	c->heading = item || one ? c->d->change : c->d->add;
	c->button = "Save";
	return true;
}

/* GET /survivors/{id}/{kind}/new */
void page_item_new(struct page *p)
{
	struct fctx c;
	if (!kind_ctx(p, &c, false))
		return;
	kind_choices(&c);
	if (strcmp(c.d->seg, "notes") == 0)
		c.warning = "A note cannot be changed or deleted once it is saved.";
	draw(&c, 200, NULL, NULL, 0, NULL);
	ctx_free(&c);
}

/* POST /survivors/{id}/{kind}: a new item of a list, or the part of which
 * there is one (PUT: with the version read when it replaces one). */
void page_item_create(struct page *p)
{
	struct fctx c;
	if (!kind_ctx(p, &c, false))
		return;
	kind_choices(&c);
	const struct kind *k = kind_find(c.d->seg);
	bool one = k->shape == KIND_ONE;
	long long version = posted_version(p);
	if (one && !version)
		c.heading = c.d->add;
	json_t *body = read_posted(&c, FIELDS_CREATE);
	if (body) {
		if (one && version)
			json_object_set_new(body, "version", json_integer(version));
		send(&c, one ? "PUT" : "POST", body, one ? 200 : 201);
	}
	ctx_free(&c);
}

/* GET /survivors/{id}/{nrm|asylum|plan}/edit: the one form that records
 * the part the first time and changes it after. */
void page_one_edit(struct page *p)
{
	struct fctx c;
	if (!kind_ctx(p, &c, false))
		return;
	unsigned st;
	json_t *v = page_api(p, "GET", c.api, NULL, NULL, &st);
	if (st == 200 && json_is_object(v)) {
		draw(&c, 200, v, NULL, version_of(v), NULL);
	} else if (st == 404 && json_object_get(json_object_get(v, "error"), "code")) {
		/* Not recorded yet (or not the caller's: the save will say). */
		c.heading = c.d->add;
		draw(&c, 200, NULL, NULL, 0, NULL);
	} else {
		refused(&c, v, st);
	}
	json_decref(v);
	ctx_free(&c);
}

/* GET /survivors/{id}/{kind}/{item_id}/edit */
void page_item_edit(struct page *p)
{
	struct fctx c;
	if (!kind_ctx(p, &c, true))
		return;
	kind_choices(&c);
	json_t *v = load(&c);
	if (v)
		draw(&c, 200, v, NULL, version_of(v), NULL);
	json_decref(v);
	ctx_free(&c);
}

/* POST /survivors/{id}/{kind}/{item_id}: a change, as a merge patch with
 * the version read (an emptied field is cleared). */
void page_item_update(struct page *p)
{
	struct fctx c;
	if (!kind_ctx(p, &c, true))
		return;
	kind_choices(&c);
	json_t *body = read_posted(&c, FIELDS_CHANGE);
	if (body) {
		json_object_set_new(body, "version", json_integer(posted_version(p)));
		send(&c, "PATCH", body, 200);
	}
	ctx_free(&c);
}

/* A consent's withdrawal: only withdrawn_on, today unless changed. */
static const char *const withdraw_only[] = {"withdrawn_on", NULL};

static bool withdraw_ctx(struct page *p, struct fctx *c)
{
	if (!kind_ctx(p, c, true))
		return false;
	c->o.only = withdraw_only;
	c->heading = "Withdraw a consent";
	c->button = "Withdraw consent";
	c->saved = "withdrawn";
	c->warning = "Sharing under this consent stops at once: clinicians it was given to can no "
		     "longer open the record.";
	snprintf(c->action + strlen(c->action), sizeof c->action - strlen(c->action), "/withdraw");
	return true;
}

/* GET /survivors/{id}/consents/{item_id}/withdraw */
void page_consent_withdraw(struct page *p)
{
	struct fctx c;
	if (!withdraw_ctx(p, &c))
		return;
	json_t *v = load(&c);
	if (v) {
		if (!json_is_string(json_object_get(v, "withdrawn_on"))) {
			char ymd[DATE_TEXT_LEN];
			date_format(instant_local_day(p->now), ymd);
			json_object_set_new(v, "withdrawn_on", json_string(ymd));
		}
		draw(&c, 200, v, NULL, version_of(v), NULL);
	}
	json_decref(v);
	ctx_free(&c);
}

/* POST /survivors/{id}/consents/{item_id}/withdraw */
void page_consent_withdraw_post(struct page *p)
{
	struct fctx c;
	if (!withdraw_ctx(p, &c))
		return;
	/* Withdrawing needs the date: an emptied one is not a withdrawal. */
	json_t *body = read_posted(&c, FIELDS_CREATE);
	if (body) {
		json_object_set_new(body, "version", json_integer(posted_version(p)));
		send(&c, "PATCH", body, 200);
	}
	ctx_free(&c);
}

/* ---- the survivor ---- */

/* A new record: neither closed nor assigned here (managers assign from
 * the caseloads). */
static const char *const survivor_new_only[] = {
    "known_as",	   "legal_name", "birth_year",	       "gender",
    "nationality", "languages",	 "entered_service_on", "exploitation_types",
    "pregnant",	   "due_on",	 "dependants",	       "contact",
    "care_needs",  NULL};

static bool survivor_ctx(struct page *p, struct fctx *c, bool existing)
{
	memset(c, 0, sizeof *c);
	c->p = p;
	c->s = &survivor_schema;
	c->o = (struct fields_opts){.case_team = case_team(p)};
	c->saved = "survivor";
	c->button = "Save";
	if (!existing) {
		c->sid = "";
		c->o.only = survivor_new_only;
		c->heading = "Add a survivor";
		snprintf(c->api, sizeof c->api, "/api/v1/survivors");
		snprintf(c->action, sizeof c->action, "/survivors");
		snprintf(c->back, sizeof c->back, "/survivors");
		return true;
	}
	c->sid = page_param(p, 0);
	if (!path_safe(c->sid)) {
		not_found(p);
		return false;
	}
	c->heading = "Change the survivor's details";
	snprintf(c->api, sizeof c->api, "/api/v1/survivors/%s", c->sid);
	snprintf(c->action, sizeof c->action, "/survivors/%s", c->sid);
	snprintf(c->back, sizeof c->back, "/survivors/%s", c->sid);
	return true;
}

/* GET /survivors/new */
void page_survivor_new(struct page *p)
{
	struct fctx c;
	survivor_ctx(p, &c, false);
	draw(&c, 200, NULL, NULL, 0, NULL);
}

/* POST /survivors */
void page_survivor_create(struct page *p)
{
	struct fctx c;
	survivor_ctx(p, &c, false);
	json_t *body = read_posted(&c, FIELDS_CREATE);
	if (body)
		send(&c, "POST", body, 201);
}

/* GET /survivors/{id}/edit */
void page_survivor_edit(struct page *p)
{
	struct fctx c;
	if (!survivor_ctx(p, &c, true))
		return;
	json_t *v = load(&c);
	if (v)
		draw(&c, 200, v, NULL, version_of(v), NULL);
	json_decref(v);
}

/* POST /survivors/{id} */
void page_survivor_update(struct page *p)
{
	struct fctx c;
	if (!survivor_ctx(p, &c, true))
		return;
	json_t *body = read_posted(&c, FIELDS_CHANGE);
	if (body) {
		json_object_set_new(body, "version", json_integer(posted_version(p)));
		send(&c, "PATCH", body, 200);
	}
}

/* ---- an alert's snooze ---- */

static const char *const snooze_only[] = {"until", "reason", NULL};

static bool snooze_ctx(struct page *p, struct fctx *c, char lead[WORDS_MAX + 16])
{
	memset(c, 0, sizeof *c);
	c->p = p;
	c->sid = page_param(p, 0);
	const char *rule = page_param(p, 1);
	const char *item = p->m.nparams > 2 ? page_param(p, 2) : "";
	bool known = false;
	for (const char *const *r = kind_snooze_rules(); *r; r++)
		known |= strcmp(*r, rule) == 0;
	if (!known || !path_safe(c->sid) || (p->m.nparams > 2 && !path_safe(item))) {
		not_found(p);
		return false;
	}
	c->s = kind_snoozes.schema;
	c->o = (struct fields_opts){.case_team = case_team(p), .only = snooze_only};
	c->saved = "snooze";
	c->heading = "Snooze an alert";
	c->button = "Snooze alert";
	char w[WORDS_MAX];
	words_code(rule, w);
	snprintf(lead, WORDS_MAX + 16, "Alert: %s", w);
	c->lead = lead;
	c->warning = "The alert comes back on the day you choose, or at once if what it is about "
		     "changes.";
	snprintf(c->api, sizeof c->api, "/api/v1/alerts/snoozes");
	if (item[0])
		snprintf(c->action, sizeof c->action, "/survivors/%s/alerts/%s/%s/snooze", c->sid,
			 rule, item);
	else
		snprintf(c->action, sizeof c->action, "/survivors/%s/alerts/%s/snooze", c->sid,
			 rule);
	snprintf(c->back, sizeof c->back, "/survivors/%s", c->sid);
	return true;
}

/* GET /survivors/{id}/alerts/{rule}[/{item_id}]/snooze */
void page_snooze(struct page *p)
{
	struct fctx c;
	char lead[WORDS_MAX + 16];
	if (snooze_ctx(p, &c, lead))
		draw(&c, 200, NULL, NULL, 0, NULL);
}

/* POST /survivors/{id}/alerts/{rule}[/{item_id}]/snooze */
void page_snooze_post(struct page *p)
{
	struct fctx c;
	char lead[WORDS_MAX + 16];
	if (!snooze_ctx(p, &c, lead))
		return;
	json_t *body = read_posted(&c, FIELDS_CREATE);
	if (!body)
		return;
	json_object_set_new(body, "survivor_id", json_string(c.sid));
	json_object_set_new(body, "rule", json_string(page_param(p, 1)));
	if (p->m.nparams > 2)
		json_object_set_new(body, "item_id", json_string(page_param(p, 2)));
	send(&c, "POST", body, 201);
}

/* ---- a safeguarding share ---- */

static bool share_ctx(struct page *p, struct fctx *c)
{
	memset(c, 0, sizeof *c);
	c->p = p;
	c->sid = page_param(p, 0);
	if (!path_safe(c->sid)) {
		not_found(p);
		return false;
	}
	c->s = &share_schema;
	c->choices = json_object();
	c->o = (struct fields_opts){.case_team = true, .choices = c->choices};
	org_choices(c, "org_id");
	c->saved = "share";
	c->heading = "Share the record to keep the survivor safe";
	c->button = "Share the record";
	c->lead = "Without the survivor's consent, only where they are at risk of serious harm.";
	c->warning = "The organisation's clinicians can read the health parts of the record for "
		     "72 hours. The share is in the record's access log.";
	snprintf(c->api, sizeof c->api, "/api/v1/survivors/%s/safeguarding-shares", c->sid);
	snprintf(c->action, sizeof c->action, "/survivors/%s/share", c->sid);
	snprintf(c->back, sizeof c->back, "/survivors/%s", c->sid);
	return true;
}

/* GET /survivors/{id}/share */
void page_share(struct page *p)
{
	struct fctx c;
	if (!share_ctx(p, &c))
		return;
	draw(&c, 200, NULL, NULL, 0, NULL);
	ctx_free(&c);
}

/* POST /survivors/{id}/share */
void page_share_post(struct page *p)
{
	struct fctx c;
	if (!share_ctx(p, &c))
		return;
	json_t *body = read_posted(&c, FIELDS_CREATE);
	if (body)
		send(&c, "POST", body, 201);
	ctx_free(&c);
}
