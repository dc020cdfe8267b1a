/*
 * pages_record.c - the survivor's record pages: the caseload list
 * (/survivors) and one survivor's record (/survivors/{id}).
 *
 * Every read is the API's (page_api): the list, the whole record and the
 * survivor's alerts, each audited by the API as it would be for any client.
 * What a reader may not see never reaches this file - a clinician's record
 * simply has no NRM, asylum or notes - so the page only says so in words.
 *
 * The record page shows, in order: a summary (how to address the survivor,
 * languages, safe contact, care needs), the alerts with a snooze link each,
 * one timeline of the journey (SVG drawn by render/svg.c, with the same
 * facts in a table), then each part of the record with its Add and Change
 * links and what it lacks for an alert rule to be judged.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/date.h"
#include "../domain/kind.h"
#include "../render/svg.h"
#include "../util/buf.h"
#include "fields.h"
#include "pages.h"
#include "words.h"

#define LIST_PAGE "25" /* survivors per page of the list */

/* ---- /survivors ---- */

void page_survivors(struct page *p)
{
	const char *cursor = http_query(p->req, "cursor");
	const char *params[] = {"limit", LIST_PAGE, cursor && cursor[0] ? "cursor" : NULL, cursor,
				NULL};
	unsigned st;
	json_t *list = page_api(p, "GET", "/api/v1/survivors", params, NULL, &st);
	if (st != 200 || !json_is_object(list)) {
		json_decref(list);
		if (st == 403)
			page_error(p, 403, "You cannot see this page",
				   "Your account does not hold a caseload.");
		else if (st == 422)
			page_error(p, 400, "This list has expired",
				   "Go back to the first page of the list and try again.");
		else
			page_error(p, 500, "Sorry, there is a problem with the service",
				   "The list could not be shown. Try again later.");
		return;
	}
	json_t *rows = json_array();
	size_t i;
	const json_t *s;
	json_array_foreach(json_object_get(list, "items"), i, s)
	{
		const char *id = json_string_value(json_object_get(s, "id"));
		char href[80], entered[WORDS_MAX], status[WORDS_MAX];
		snprintf(href, sizeof href, "/survivors/%s", id ? id : "");
		words_date(json_string_value(json_object_get(s, "entered_service_on")), entered);
		words_code(json_string_value(json_object_get(s, "status")), status);
		json_array_append_new(rows, json_pack("{s:O, s:s, s:s, s:s}", "known_as",
						      json_object_get(s, "known_as"), "href", href,
						      "entered", entered, "status", status));
	}
	const char *next = json_string_value(json_object_get(list, "next_cursor"));
	char *next_href = NULL;
	if (next) {
		/* The cursor is sealed by the API and names no one. */
		size_t n = strlen(next) + 32;
		next_href = malloc(n);
		if (next_href)
			snprintf(next_href, n, "/survivors?cursor=%s", next);
	}
	const char *role = page_role(p);
	bool adds = strcmp(role, "advocate") == 0 || strcmp(role, "manager") == 0;
	p->data = json_pack("{s:o, s:b, s:s?, s:b, s:b}", "survivors", rows, "has_survivors",
			    json_array_size(rows) > 0, "next_href", next_href, "later_page",
			    cursor && cursor[0], "can_add", adds);
	free(next_href);
	json_decref(list);
	page_render(p, 200, "survivors", "Survivors");
}

/* ---- words for the record ---- */

/* Language names for the codes survivors most often give; others show as
 * their code. */
static const char *language_name(const char *code)
{
	static const char *const names[][2] = {
	    {"am", "Amharic"}, {"ar", "Arabic"},    {"bg", "Bulgarian"},  {"bn", "Bengali"},
	    {"cs", "Czech"},   {"en", "English"},   {"es", "Spanish"},	  {"fa", "Persian"},
	    {"fr", "French"},  {"ha", "Hausa"},	    {"hi", "Hindi"},	  {"hu", "Hungarian"},
	    {"ig", "Igbo"},    {"ku", "Kurdish"},   {"lt", "Lithuanian"}, {"pa", "Punjabi"},
	    {"pl", "Polish"},  {"ps", "Pashto"},    {"pt", "Portuguese"}, {"ro", "Romanian"},
	    {"ru", "Russian"}, {"sk", "Slovak"},    {"so", "Somali"},	  {"sq", "Albanian"},
	    {"ta", "Tamil"},   {"th", "Thai"},	    {"ti", "Tigrinya"},	  {"tl", "Tagalog"},
	    {"tr", "Turkish"}, {"uk", "Ukrainian"}, {"ur", "Urdu"},	  {"vi", "Vietnamese"},
	    {"yo", "Yoruba"},  {"zh", "Chinese"},
	};
	for (size_t i = 0; code && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i][0], code) == 0)
			return names[i][1];
	return code ? code : "";
}

/* "yes", "no" or "not recorded" for a flag the record may lack. */
static const char *yes_no(const json_t *v, const char *yes, const char *no)
{
	return json_is_true(v) ? yes : json_is_false(v) ? no : "not recorded";
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* A row of a summary list: key, value, and its Change link ("" for none). */
static json_t *row(const char *key, const char *value, const char *href, const char *hidden)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b}", "key", key, "value", value, "href",
			 href ? href : "", "hidden", hidden ? hidden : key, "has_href",
			 href && href[0]);
}

/* A scalar value as people read it, by its declared type. */
static void value_words(const struct schema_field *f, const json_t *v, struct buf *out)
{
	char w[WORDS_MAX];
	const char *s = json_string_value(v);
	if (json_is_boolean(v)) {
		buf_adds(out, json_is_true(v) ? "Yes" : "No");
	} else if (json_is_integer(v)) {
		buf_addf(out, "%lld", (long long)json_integer_value(v));
	} else if (s && f && f->type == SCH_DATE && words_date(s, w)) {
		buf_adds(out, w);
	} else if (s && f && f->type == SCH_INSTANT && words_when(s, w)) {
		buf_adds(out, w);
	} else if (s && f && (f->type == SCH_ENUM || (f->type == SCH_ARRAY && f->values))) {
		words_code(s, w);
		buf_adds(out, w);
	} else if (s && f && f->type == SCH_LANGTAG) {
		buf_adds(out, language_name(s));
	} else if (s) {
		buf_adds(out, s);
	}
}

/* Whether a field is worth a row: not the server's bookkeeping, not an id. */
static bool shown_field(const struct schema_field *f)
{
	return !(f->flags & SCH_SERVER) && f->type != SCH_ID &&
	       strcmp(f->name, "item_version") != 0;
}

static const char *label_of(const char *name, char w[WORDS_MAX])
{
	const char *l = fields_label(name);
	if (l)
		return l;
	words_code(name, w);
	return w;
}

/* A nested object ("Interpreter needed: Yes; booked: No") or a list. */
static void compound_words(const struct schema_field *f, const json_t *v, struct buf *out)
{
	if (json_is_array(v)) {
		size_t i;
		const json_t *x;
		json_array_foreach(v, i, x)
		{
			if (i)
				buf_adds(out, f->object ? "; " : ", ");
			if (f->object)
				compound_words(
				    &(struct schema_field){.type = SCH_OBJECT, .object = f->object},
				    x, out);
			else
				value_words(f, x, out);
		}
		return;
	}
	bool first = true;
	for (size_t i = 0; f->object && i < f->object->count; i++) {
		const struct schema_field *g = &f->object->fields[i];
		const json_t *x = json_object_get(v, g->name);
		if (!x || json_is_null(x) || !shown_field(g))
			continue;
		char w[WORDS_MAX];
		buf_adds(out, first ? "" : "; ");
		buf_adds(out, label_of(g->name, w));
		buf_adds(out, ": ");
		if (g->type == SCH_OBJECT || g->type == SCH_ARRAY)
			compound_words(g, x, out);
		else
			value_words(g, x, out);
		first = false;
	}
}

/* The rows of an item: each field it holds, in the declaration's order. */
static json_t *item_rows(const struct schema *sc, const json_t *item)
{
	json_t *rows = json_array();
	for (size_t i = 0; sc && i < sc->count; i++) {
		const struct schema_field *f = &sc->fields[i];
		const json_t *v = json_object_get(item, f->name);
		if (!v || json_is_null(v) || !shown_field(f))
			continue;
		struct buf b = BUF_INIT;
		if (f->type == SCH_OBJECT || f->type == SCH_ARRAY)
			compound_words(f, v, &b);
		else
			value_words(f, v, &b);
		char *text = buf_take(&b, NULL);
		char w[WORDS_MAX];
		if (text && text[0])
			json_array_append_new(rows, row(label_of(f->name, w), text, NULL, NULL));
		free(text);
	}
	return rows;
}

/* ---- the parts of the record ---- */

struct part {
	const char *kind;    /* the API's name ("registrations") */
	const char *heading; /* the section's heading */
	const char *add;     /* the Add link's words; NULL: nothing to add here */
	const char *none;    /* what an empty part says */
	bool change;	     /* items may be changed (not append-only) */
	bool care_add;	     /* a clinician under a share may add these too */
};

static const struct part parts[] = {
    {"nrm", "National Referral Mechanism (NRM)", "Add the NRM referral",
     "No NRM referral recorded.", true, false},
    {"asylum", "Asylum claim", "Add the asylum claim", "No asylum claim recorded.", true, false},
    {"plan", "Support plan", "Add the support plan", "No support plan yet.", true, false},
    {"registrations", "Registrations", "Add a registration", "No registrations recorded.", true,
     false},
    {"appointments", "Appointments", "Add an appointment", "No appointments recorded.", true, true},
    {"referrals", "Referrals", "Add a referral", "No referrals recorded.", true, true},
    {"medications", "Medication", "Add a medication", "No medication recorded.", true, false},
    {"notes", "Case notes", "Add a note", "No case notes.", false, false},
    {"consents", "Consents", "Record a consent", "No consents recorded.", true, false},
    {"snoozes", "Snoozed alerts", NULL, "No alerts have been snoozed.", false, false},
};
#define N_PARTS (sizeof parts / sizeof parts[0])

/* What an item is called on the page ("Referral to counselling"). */
static void item_title(const char *kind, const json_t *it, char *out, size_t cap)
{
	char a[WORDS_MAX], b[WORDS_MAX];
	if (strcmp(kind, "nrm") == 0) {
		snprintf(out, cap, "NRM referral");
	} else if (strcmp(kind, "asylum") == 0) {
		snprintf(out, cap, "Asylum claim");
	} else if (strcmp(kind, "plan") == 0) {
		snprintf(out, cap, "Support plan");
	} else if (strcmp(kind, "plan/reviews") == 0) {
		words_date(str(it, "on"), a);
		snprintf(out, cap, "Review of %s", a);
	} else if (strcmp(kind, "registrations") == 0) {
		words_code(str(it, "service"), a);
		const char *person = str(it, "person");
		if (strncmp(person, "dependant:", 10) == 0)
			snprintf(out, cap, "%s registration for dependant %s", a, person + 10);
		else
			snprintf(out, cap, "%s registration", a);
	} else if (strcmp(kind, "appointments") == 0) {
		words_code(str(it, "kind"), a);
		words_when(str(it, "starts_at"), b);
		snprintf(out, cap, "%s appointment, %s", a, b);
	} else if (strcmp(kind, "referrals") == 0) {
		words_code(str(it, "service"), a);
		/* "to talking therapy", but "to GP" stays as it is said. */
		if (a[0] >= 'A' && a[0] <= 'Z' && a[1] >= 'a' && a[1] <= 'z')
			a[0] = (char)(a[0] - 'A' + 'a');
		snprintf(out, cap, "Referral to %s", a);
	} else if (strcmp(kind, "medications") == 0) {
		snprintf(out, cap, "%s", it && str(it, "name")[0] ? str(it, "name") : "Medication");
	} else if (strcmp(kind, "notes") == 0) {
		words_code(str(it, "kind"), a);
		words_when(str(it, "created_at"), b);
		snprintf(out, cap, "%s note, %s", a[0] ? a : "Note", b);
	} else if (strcmp(kind, "consents") == 0) {
		words_code(str(it, "purpose"), a);
		snprintf(out, cap, "Consent: %s", a);
	} else if (strcmp(kind, "snoozes") == 0) {
		words_code(str(it, "rule"), a);
		words_date(str(it, "until"), b);
		snprintf(out, cap, "%s, until %s", a, b);
	} else {
		snprintf(out, cap, "Item");
	}
}

/* Finds the item id names among the record's parts: its kind and title. */
static bool find_item(const json_t *rec, const char *id, const char **kind, char *title, size_t cap)
{
	for (size_t k = 0; id && id[0] && k < N_PARTS; k++) {
		const json_t *v = json_object_get(rec, parts[k].kind);
		size_t i;
		const json_t *it;
		if (json_is_object(v) && strcmp(str(v, "id"), id) == 0) {
			*kind = parts[k].kind;
			item_title(parts[k].kind, v, title, cap);
			return true;
		}
		json_array_foreach(v, i, it)
		{
			if (strcmp(str(it, "id"), id) == 0) {
				*kind = parts[k].kind;
				item_title(parts[k].kind, it, title, cap);
				return true;
			}
		}
	}
	return false;
}

/* What the part lacks for an alert to be judged: "<item>: <what>". */
static json_t *part_missing(const json_t *rec, const json_t *missing, const char *kind)
{
	json_t *out = json_array();
	size_t i;
	const json_t *m;
	json_array_foreach(missing, i, m)
	{
		if (strcmp(str(m, "part"), kind) != 0)
			continue;
		char title[160] = "", text[512];
		const char *k;
		const char *msg = str(m, "message");
		if (find_item(rec, str(m, "item_id"), &k, title, sizeof title) && msg[0])
			snprintf(text, sizeof text, "%s: %c%s", title,
				 msg[0] >= 'A' && msg[0] <= 'Z' ? msg[0] - 'A' + 'a' : msg[0],
				 msg + 1);
		else
			snprintf(text, sizeof text, "%s", msg);
		json_array_append_new(out, json_pack("{s:s}", "text", text));
	}
	return out;
}

/* One item as a card: its title, rows, and Change link. */
static json_t *item_card(const char *sid, const struct kind *k, const json_t *it, bool change,
			 const char *edit_path)
{
	char title[160], href[200] = "";
	item_title(k->name, it, title, sizeof title);
	if (change)
		snprintf(href, sizeof href, "/survivors/%s/%s", sid, edit_path);
	return json_pack("{s:s, s:s, s:o, s:s, s:b}", "id", str(it, "id"), "title", title, "rows",
			 item_rows(k->schema, it), "change_href", href, "has_change", href[0] != 0);
}

static json_t *part_section(const json_t *rec, const json_t *missing, const struct part *pt,
			    const char *sid, bool writer, bool clinician)
{
	const struct kind *k = kind_find(pt->kind);
	const json_t *v = json_object_get(rec, pt->kind);
	json_t *items = json_array();
	bool one = k && k->shape == KIND_ONE;
	char path[200];
	if (one && json_is_object(v)) {
		snprintf(path, sizeof path, "%s/edit", pt->kind);
		json_array_append_new(items, item_card(sid, k, v, writer, path));
	} else if (!one) {
		size_t i;
		const json_t *it;
		json_array_foreach(v, i, it)
		{
			snprintf(path, sizeof path, "%s/%s/edit", pt->kind, str(it, "id"));
			json_t *card =
			    item_card(sid, k, it, writer && pt->change && !k->append_only, path);
			/* The survivor's card of an appointment (pages_documents.c). */
			if (card && writer && strcmp(pt->kind, "appointments") == 0) {
				snprintf(path, sizeof path,
					 "/survivors/%s/appointments/%s/card.pdf", sid,
					 str(it, "id"));
				json_object_set_new(card, "card_href", json_string(path));
				json_object_set_new(card, "has_card", json_true());
			}
			json_array_append_new(items, card);
		}
	}
	char add[200] = "";
	bool adds =
	    pt->add && (writer || (clinician && pt->care_add)) && !(one && json_is_object(v));
	if (adds)
		snprintf(add, sizeof add, one ? "/survivors/%s/%s/edit" : "/survivors/%s/%s/new",
			 sid, pt->kind);
	/* The plan's reviews, under the plan. */
	json_t *reviews = json_array();
	char review_add[200] = "";
	if (strcmp(pt->kind, "plan") == 0 && json_is_object(v)) {
		const struct kind *rk = kind_find("plan/reviews");
		size_t i;
		const json_t *it;
		json_array_foreach(json_object_get(v, "reviews"), i, it)
		{
			json_array_append_new(reviews, item_card(sid, rk, it, false, ""));
		}
		if (writer)
			snprintf(review_add, sizeof review_add, "/survivors/%s/plan/reviews/new",
				 sid);
	}
	json_t *miss = part_missing(rec, missing, pt->kind);
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:o, s:b, s:o, s:b, s:s, s:b, s:o, s:b}",
			 "id", pt->kind, "heading", pt->heading, "none", pt->none, "add_href", add,
			 "has_add", add[0] != 0, "add_text", pt->add ? pt->add : "", "items", items,
			 "has_items", json_array_size(items) > 0, "reviews", reviews, "is_plan",
			 strcmp(pt->kind, "plan") == 0 && json_is_object(v), "review_add_href",
			 review_add, "has_review_add", review_add[0] != 0, "missing", miss,
			 "has_missing", json_array_size(miss) > 0);
}

/* ---- the summary ---- */

static json_t *summary(const json_t *s, const json_t *missing, const char *sid, bool writer)
{
	char edit[120] = "";
	if (writer)
		snprintf(edit, sizeof edit, "/survivors/%s/edit", sid);
	json_t *rows = json_array();
	struct buf b = BUF_INIT;
	char w[WORDS_MAX];
	size_t i;
	const json_t *x;

	json_array_foreach(json_object_get(s, "languages"), i, x)
	{
		buf_adds(&b, i ? "; " : "");
		const char *code = str(x, "code");
		buf_adds(&b, language_name(code));
		if (strcmp(language_name(code), code) != 0)
			buf_addf(&b, " (%s)", code);
		const json_t *need = json_object_get(x, "interpreter_needed");
		if (json_is_true(need)) {
			buf_adds(&b, ": interpreter needed");
			const char *g = str(x, "interpreter_gender");
			if (g[0] && strcmp(g, "any") != 0)
				buf_addf(&b, ", %s interpreter asked for", g);
			else if (g[0])
				buf_adds(&b, ", any gender");
		} else if (json_is_false(need)) {
			buf_adds(&b, ": no interpreter needed");
		}
	}
	char *t = buf_take(&b, NULL);
	json_array_append_new(rows, row("Languages", t && t[0] ? t : "Not recorded", edit,
					"languages and interpreter"));
	free(t);

	const json_t *c = json_object_get(s, "contact");
	char contact[200];
	snprintf(contact, sizeof contact, "Calls: %s. Voicemail: %s. Letters: %s.",
		 yes_no(json_object_get(c, "safe_to_call"), "safe", "not safe"),
		 yes_no(json_object_get(c, "safe_voicemail"), "safe", "not safe"),
		 yes_no(json_object_get(c, "safe_letters"), "safe", "not safe"));
	json_array_append_new(rows, row("Safe contact", contact, edit, "safe contact"));

	const json_t *care = json_object_get(s, "care_needs");
	b = (struct buf)BUF_INIT;
	const char *with_care = str(care, "approach_with_care");
	if (with_care[0])
		buf_addf(&b, "Approach with care: %s ", with_care);
	const char *cg = str(care, "clinician_gender");
	if (cg[0] && strcmp(cg, "any") != 0)
		buf_addf(&b, "Clinician: %s. ", cg);
	if (json_is_true(json_object_get(care, "advocate_attends")))
		buf_adds(&b, "The advocate goes to appointments too. ");
	const char *other = str(care, "other");
	if (other[0])
		buf_addf(&b, "Other: %s", other);
	t = buf_take(&b, NULL);
	json_array_append_new(
	    rows, row("Care needs", t && t[0] ? t : "None recorded", edit, "care needs"));
	free(t);

	if (json_is_true(json_object_get(s, "pregnant"))) {
		char due[WORDS_MAX], text[WORDS_MAX + 16];
		words_date(str(s, "due_on"), due);
		snprintf(text, sizeof text, due[0] ? "Yes, due %s" : "Yes", due);
		json_array_append_new(rows, row("Pregnant", text, edit, "pregnancy"));
	}

	char status[WORDS_MAX], on[WORDS_MAX], text[160];
	words_code(str(s, "status"), status);
	words_date(str(s, "entered_service_on"), on);
	snprintf(text, sizeof text, "%s. Entered the service on %s.", status,
		 on[0] ? on : "a date not recorded");
	if (str(s, "closed_on")[0]) {
		words_date(str(s, "closed_on"), w);
		snprintf(text + strlen(text), sizeof text - strlen(text), " Closed on %s.", w);
	}
	json_array_append_new(rows, row("Status", text, edit, "status"));

	json_t *deps = json_array();
	json_array_foreach(json_object_get(s, "dependants"), i, x)
	{
		const json_t *by = json_object_get(x, "birth_year");
		char born[32] = "";
		if (json_is_integer(by))
			snprintf(born, sizeof born, " (born %lld)",
				 (long long)json_integer_value(by));
		json_array_append_new(
		    deps, json_pack("{s:s, s:s}", "known_as", str(x, "known_as"), "born", born));
	}
	json_t *miss = part_missing(NULL, missing, "survivor");
	return json_pack("{s:o, s:o, s:b, s:s, s:b, s:o, s:b}", "rows", rows, "dependants", deps,
			 "has_dependants", json_array_size(deps) > 0, "edit_href", edit, "has_edit",
			 edit[0] != 0, "missing", miss, "has_missing", json_array_size(miss) > 0);
}

/* ---- the alerts ---- */

static const struct {
	const char *code, *words, *tag;
} severities[] = {
    {"critical", "act today", "nhsuk-tag--red"},
    {"high", "act this week", "nhsuk-tag--orange"},
    {"medium", "plan for it", "nhsuk-tag--yellow"},
    {"low", "when you can", "nhsuk-tag--grey"},
};

static json_t *alerts_data(const json_t *rec, const json_t *alerts, const char *sid, bool writer)
{
	json_t *out = json_array();
	size_t i;
	const json_t *a;
	json_array_foreach(alerts, i, a)
	{
		const char *sev = str(a, "severity");
		size_t s = 0;
		while (s + 1 < sizeof severities / sizeof severities[0] &&
		       strcmp(severities[s].code, sev) != 0)
			s++;
		char tag[WORDS_MAX], due[WORDS_MAX], until[WORDS_MAX], href[200] = "",
								       about[200] = "";
		words_code(severities[s].code, tag);
		words_date(str(a, "due_on"), due);
		words_date(str(a, "snoozed_until"), until);
		const char *item = str(a, "item_id");
		if (writer && !until[0] && item[0])
			snprintf(href, sizeof href, "/survivors/%s/alerts/%s/%s/snooze", sid,
				 str(a, "rule"), item);
		else if (writer && !until[0])
			snprintf(href, sizeof href, "/survivors/%s/alerts/%s/snooze", sid,
				 str(a, "rule"));
		const char *kind;
		char title[160];
		if (item[0] && find_item(rec, item, &kind, title, sizeof title))
			snprintf(about, sizeof about, "%s", title);
		json_array_append_new(
		    out, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:b, s:s, s:b}",
				   "tag", tag, "tag_class", severities[s].tag, "severity_words",
				   severities[s].words, "code", severities[s].code, "message",
				   str(a, "message"), "due", due, "snooze_href", href, "can_snooze",
				   href[0] != 0, "about", about, "has_about", about[0] != 0,
				   "until", until, "snoozed", until[0] != 0));
	}
	return out;
}

/* ---- the timeline ---- */

struct event {
	struct svg_event e;
	size_t order;
	char date[WORDS_MAX];
	char label[240];
};

struct events {
	struct event *v;
	size_t n, cap;
	int today;
};

static void add_event(struct events *ev, int day, enum svg_lane lane, enum svg_mark mark,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_event(struct events *ev, int day, enum svg_lane lane, enum svg_mark mark,
		      const char *fmt, ...)
{
	if (day == SVG_NO_DAY)
		return;
	if (ev->n == ev->cap) {
		size_t cap = ev->cap ? ev->cap * 2 : 32;
		struct event *v = realloc(ev->v, cap * sizeof *v);
		if (!v)
			return; /* the table beside it is drawn from the same list */
		ev->v = v;
		ev->cap = cap;
	}
	struct event *x = &ev->v[ev->n];
	*x = (struct event){.e = {.day = day, .end = SVG_NO_DAY, .lane = lane, .mark = mark},
			    .order = ev->n};
	char ymd[DATE_TEXT_LEN];
	date_format(day, ymd);
	words_date(ymd, x->date);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->label, sizeof x->label, fmt, ap);
	va_end(ap);
	ev->n++;
}

static int day_of(const json_t *o, const char *key)
{
	int d;
	const char *s = json_string_value(json_object_get(o, key));
	return s && date_parse(s, &d) ? d : SVG_NO_DAY;
}

/* A decision's mark: its outcome's shape, or a plain step. */
static enum svg_mark outcome_mark(const char *outcome)
{
	if (strcmp(outcome, "positive") == 0 || strcmp(outcome, "granted") == 0)
		return SVG_MARK_DONE;
	if (strcmp(outcome, "negative") == 0 || strcmp(outcome, "refused") == 0)
		return SVG_MARK_PROBLEM;
	return SVG_MARK_DECISION;
}

static void decision(struct events *ev, const json_t *o, enum svg_lane lane, const char *on,
		     const char *outcome_key, const char *what)
{
	const char *outcome = str(o, outcome_key);
	char w[WORDS_MAX];
	words_code(outcome, w);
	for (char *c = w; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	add_event(ev, day_of(o, on), lane, outcome_mark(outcome), "%s%s%s", what,
		  outcome[0] ? ": " : ": outcome not recorded", w);
}

static void nrm_events(struct events *ev, const json_t *n)
{
	if (!json_is_object(n))
		return;
	add_event(ev, day_of(n, "referred_on"), SVG_LANE_NRM, SVG_MARK_DECISION, "%s",
		  json_is_true(json_object_get(n, "duty_to_notify_only"))
		      ? "Duty to notify report to the Home Office"
		      : "Referred to the NRM");
	decision(ev, n, SVG_LANE_NRM, "rg_decision_on", "rg_outcome",
		 "Reasonable grounds decision");
	add_event(ev, day_of(n, "recovery_period_ends_on"), SVG_LANE_NRM, SVG_MARK_DECISION,
		  "Recovery period ends");
	decision(ev, n, SVG_LANE_NRM, "cg_decision_on", "cg_outcome",
		 "Conclusive grounds decision");
	add_event(ev, day_of(n, "reconsideration_requested_on"), SVG_LANE_NRM, SVG_MARK_DECISION,
		  "Reconsideration of the decision requested");
}

static void asylum_events(struct events *ev, const json_t *a)
{
	if (!json_is_object(a))
		return;
	add_event(ev, day_of(a, "claimed_on"), SVG_LANE_ASYLUM, SVG_MARK_DECISION,
		  "Asylum claimed");
	add_event(ev, day_of(a, "screening_on"), SVG_LANE_ASYLUM, SVG_MARK_DECISION,
		  "Asylum screening interview");
	add_event(ev, day_of(a, "substantive_interview_on"), SVG_LANE_ASYLUM, SVG_MARK_DECISION,
		  "Asylum substantive interview");
	decision(ev, a, SVG_LANE_ASYLUM, "decision_on", "outcome", "Asylum decision");
	add_event(ev, day_of(a, "appeal_lodged_on"), SVG_LANE_ASYLUM, SVG_MARK_DECISION,
		  "Appeal lodged against the asylum decision");
}

static void registration_events(struct events *ev, const json_t *regs)
{
	size_t i;
	const json_t *g;
	json_array_foreach(regs, i, g)
	{
		char title[160], reason[WORDS_MAX];
		item_title("registrations", g, title, sizeof title);
		const char *provider = str(g, "provider");
		add_event(ev, day_of(g, "registered_on"), SVG_LANE_REGISTRATIONS, SVG_MARK_DONE,
			  "%s: registered%s%s", title, provider[0] ? " with " : "", provider);
		words_code(str(g, "refusal_reason"), reason);
		add_event(ev, day_of(g, "refused_on"), SVG_LANE_REGISTRATIONS, SVG_MARK_PROBLEM,
			  "%s: refused%s%s%s%s", title, provider[0] ? " by " : "", provider,
			  reason[0] ? " - " : "", reason);
	}
}

static void appointment_events(struct events *ev, const json_t *aps)
{
	size_t i;
	const json_t *a;
	json_array_foreach(aps, i, a)
	{
		int64_t t;
		if (!instant_parse(str(a, "starts_at"), &t))
			continue;
		char kind[WORDS_MAX], hm[8], by[WORDS_MAX];
		int day;
		words_code(str(a, "kind"), kind);
		words_time(str(a, "starts_at"), hm, &day);
		const char *status = str(a, "status");
		const char *provider = str(a, "provider");
		char what[WORDS_MAX + 80];
		snprintf(what, sizeof what, "%s appointment at %s%s%s", kind, hm,
			 provider[0] ? ", " : "", provider);
		if (strcmp(status, "attended") == 0) {
			add_event(ev, day, SVG_LANE_APPOINTMENTS, SVG_MARK_DONE, "%s: attended",
				  what);
		} else if (strcmp(status, "did_not_attend") == 0) {
			add_event(ev, day, SVG_LANE_APPOINTMENTS, SVG_MARK_PROBLEM,
				  "%s: did not attend", what);
		} else if (strcmp(status, "cancelled") == 0) {
			words_code(str(a, "cancelled_by"), by);
			for (char *c = by; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c - 'A' + 'a');
			add_event(ev, day, SVG_LANE_APPOINTMENTS, SVG_MARK_CANCELLED,
				  "%s: cancelled by %s", what, by[0] ? by : "(not recorded)");
		} else {
			add_event(ev, day, SVG_LANE_APPOINTMENTS, SVG_MARK_PLANNED,
				  day < ev->today ? "%s: booked, no outcome recorded"
						  : "%s: booked",
				  what);
		}
	}
}

/* A referral's wait, sent to first seen (or to its rejection or closing,
 * or to today while it waits), as a bar and one line of the table. */
static void referral_events(struct events *ev, const json_t *refs)
{
	size_t i;
	const json_t *f;
	json_array_foreach(refs, i, f)
	{
		int sent = day_of(f, "sent_on");
		if (sent == SVG_NO_DAY)
			continue;
		char title[160], on[WORDS_MAX], ymd[DATE_TEXT_LEN];
		item_title("referrals", f, title, sizeof title);
		int seen = day_of(f, "first_seen_on"), rejected = day_of(f, "rejected_on"),
		    closed = day_of(f, "closed_on");
		int end = seen != SVG_NO_DAY	   ? seen
			  : rejected != SVG_NO_DAY ? rejected
			  : closed != SVG_NO_DAY   ? closed
						   : SVG_NO_DAY;
		bool waiting = end == SVG_NO_DAY;
		int last = waiting ? ev->today : end;
		if (last < sent)
			last = sent;
		date_format(end, ymd);
		words_date(ymd, on);
		const char *how = seen != SVG_NO_DAY	   ? "first seen"
				  : rejected != SVG_NO_DAY ? "rejected"
							   : "closed";
		if (waiting)
			add_event(ev, sent, SVG_LANE_REFERRALS, SVG_MARK_WAIT,
				  "%s: sent, still waiting after %d days", title, last - sent);
		else
			add_event(ev, sent, SVG_LANE_REFERRALS, SVG_MARK_WAIT,
				  "%s: sent, %s on %s after %d days", title, how, on, last - sent);
		if (ev->n && ev->v[ev->n - 1].e.day == sent) {
			ev->v[ev->n - 1].e.end = last;
			ev->v[ev->n - 1].e.open = waiting;
		}
	}
}

static int event_cmp(const void *pa, const void *pb)
{
	const struct event *a = pa, *b = pb;
	if (a->e.day != b->e.day)
		return a->e.day < b->e.day ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* The timeline's SVG into *svg (malloc'd) and its table's rows. */
static json_t *timeline(const json_t *rec, int today, char **svg)
{
	struct events ev = {.today = today};
	nrm_events(&ev, json_object_get(rec, "nrm"));
	asylum_events(&ev, json_object_get(rec, "asylum"));
	registration_events(&ev, json_object_get(rec, "registrations"));
	appointment_events(&ev, json_object_get(rec, "appointments"));
	referral_events(&ev, json_object_get(rec, "referrals"));
	if (ev.n)
		qsort(ev.v, ev.n, sizeof *ev.v, event_cmp);
	struct svg_event *marks = calloc(ev.n ? ev.n : 1, sizeof *marks);
	json_t *rows = json_array();
	for (size_t i = 0; marks && i < ev.n; i++) {
		marks[i] = ev.v[i].e;
		marks[i].label = ev.v[i].label;
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s}", "date", ev.v[i].date,
						      "lane", svg_lane_name(ev.v[i].e.lane), "what",
						      ev.v[i].label));
	}
	char desc[300], from[WORDS_MAX] = "", to[WORDS_MAX] = "", ymd[DATE_TEXT_LEN];
	if (ev.n) {
		date_format(ev.v[0].e.day, ymd);
		words_date(ymd, from);
		date_format(ev.v[ev.n - 1].e.day, ymd);
		words_date(ymd, to);
		snprintf(desc, sizeof desc,
			 "%zu dated events from %s to %s, by process, with today marked. The same "
			 "facts are in the table after the picture.",
			 ev.n, from, to);
	} else {
		snprintf(desc, sizeof desc, "Nothing with a date is recorded yet.");
	}
	struct buf b = BUF_INIT;
	struct svg_timeline t = {.title = "The survivor's journey",
				 .desc = desc,
				 .id = "timeline",
				 .today = today,
				 .events = marks,
				 .n = marks ? ev.n : 0};
	svg_timeline(&b, &t);
	*svg = buf_take(&b, NULL);
	free(marks);
	free(ev.v);
	return rows;
}

/* ---- /survivors/{id} ---- */

void page_record(struct page *p)
{
	const char *sid = page_param(p, 0);
	char path[160];
	unsigned st, ast;
	snprintf(path, sizeof path, "/api/v1/survivors/%s/record", sid);
	json_t *rec = page_api(p, "GET", path, NULL, NULL, &st);
	if (st != 200 || !json_is_object(rec)) {
		json_decref(rec);
		if (st == 404 || st == 403)
			page_error(p, 404, "Page not found",
				   "There is no record here that you can see. It may have been "
				   "closed, or no longer be shared with you.");
		else
			page_error(p, 500, "Sorry, there is a problem with the service",
				   "The record could not be shown. Try again later.");
		return;
	}
	snprintf(path, sizeof path, "/api/v1/survivors/%s/alerts", sid);
	json_t *al = page_api(p, "GET", path, NULL, NULL, &ast);
	if (ast != 200 || !json_is_object(al)) {
		json_decref(rec);
		json_decref(al);
		page_error(p, 500, "Sorry, there is a problem with the service",
			   "The record could not be shown. Try again later.");
		return;
	}
	const json_t *s = json_object_get(rec, "survivor");
	const char *id = str(s, "id");
	const char *role = page_role(p);
	bool writer = strcmp(role, "advocate") == 0 || strcmp(role, "manager") == 0;
	bool clinician = strcmp(role, "clinician") == 0;
	const json_t *missing = json_object_get(al, "missing");

	json_t *sections = json_array();
	for (size_t i = 0; i < N_PARTS; i++)
		if (json_object_get(rec, parts[i].kind)) /* what the API gave this reader */
			json_array_append_new(
			    sections, part_section(rec, missing, &parts[i], id, writer, clinician));
	/* Kept from a clinician by the API: say so, in an advocate's words. */
	bool withheld = !json_object_get(rec, "nrm") || !json_object_get(rec, "notes");

	int today;
	if (!date_parse(str(al, "as_of"), &today))
		today = instant_local_day(p->now);
	char *svg = NULL;
	json_t *rows = timeline(rec, today, &svg);
	json_t *alerts = alerts_data(rec, json_object_get(al, "alerts"), id, writer);
	char access[120], handover[120];
	snprintf(access, sizeof access, "/survivors/%s/access-log", id);
	snprintf(handover, sizeof handover, "/survivors/%s/handover.json", id);
	p->data = json_pack(
	    "{s:O, s:s, s:o, s:o, s:b, s:s, s:o, s:b, s:o, s:b, s:b, s:b, s:s, s:b, s:s}",
	    "known_as", json_object_get(s, "known_as"), "id", id, "summary",
	    summary(s, missing, id, writer), "alerts", alerts, "has_alerts",
	    json_array_size(alerts) > 0, "timeline", svg ? svg : "", "timeline_rows", rows,
	    "has_timeline_rows", json_array_size(rows) > 0, "sections", sections, "withheld",
	    withheld, "clinician", clinician, "sees_access_log", strcmp(role, "manager") == 0,
	    "access_log_href", access, "may_handover", writer, "handover_href", handover);
	/* The printed documents (pages_documents.c): the case team's. */
	if (p->data && writer) {
		char href[3][120];
		snprintf(href[0], sizeof href[0], "/survivors/%s/entitlement-letter.pdf", id);
		snprintf(href[1], sizeof href[1], "/survivors/%s/handover.pdf", id);
		snprintf(href[2], sizeof href[2], "/survivors/%s/access-report.pdf", id);
		json_object_set_new(p->data, "prints", json_true());
		json_object_set_new(p->data, "letter_href", json_string(href[0]));
		json_object_set_new(p->data, "handover_pdf_href", json_string(href[1]));
		json_object_set_new(p->data, "access_report_href", json_string(href[2]));
	}
	free(svg);
	json_decref(rec);
	json_decref(al);
	page_render(p, 200, "record", "Survivor's record");
}

/* GET /survivors/{id}/handover.json: the FHIR handover (docs/handover.md) as
 * a download, from the API's own handler: its policy, its consent check and
 * its audit entry, the page held until that entry is stored. */
void page_handover(struct page *p)
{
	char path[120];
	snprintf(path, sizeof path, "/api/v1/survivors/%s/handover", page_param(p, 0));
	unsigned st;
	json_t *bundle = page_api(p, "GET", path, NULL, NULL, &st);
	char *text = st == 200 && bundle ? json_dumps(bundle, JSON_INDENT(1)) : NULL;
	const char *code =
	    json_string_value(json_object_get(json_object_get(bundle, "error"), "code"));
	bool consent = code && strcmp(code, "consent_required") == 0;
	json_decref(bundle);
	if (!text) {
		if (st == 403)
			page_error(p, 403, "The handover cannot be made",
				   consent ? "The survivor has not agreed to a handover, or has "
					     "withdrawn their agreement. Record their consent "
					     "(purpose: handover) first."
					   : "Only the survivor's own support service can hand on "
					     "their record.");
		else
			page_error(p, st == 404 ? 404 : 500, "The handover cannot be made",
				   "Go back to the record and try again.");
		return;
	}
	/* Never the survivor's name in a file name or a URL. */
	http_add_header(p->req, "Content-Disposition", "attachment; filename=\"handover.json\"");
	http_respond(p->req, 200, "application/fhir+json", text, strlen(text));
}
