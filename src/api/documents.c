/*
 * documents.c - the printed documents (docs/documents.md): a survivor's
 * appointment card, the letter they carry to a GP practice, the handover
 * summary a GP in another town reads, and the report of who has looked at
 * their record.
 *
 * Each is a PDF laid out by render/pdf.c. Those the survivor reads are in
 * English and in their first language wherever po/LANG.po has the text;
 * a draft translation (gettext's fuzzy flag) is printed with a note at the
 * foot of the page, and a language without translations is named at the
 * head of the document as English only. Each document holds what it is for
 * and nothing else: no name of a file, title or line carries more than the
 * survivor's known-as name, and only the card has even that.
 *
 * Every document printed is an audit entry, action export, answered only
 * once stored, like every read of the record.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../domain/date.h"
#include "../domain/handover.h"
#include "../i18n/po.h"
#include "../render/pdf.h"
#include "call.h"

/* Marks an English source text for xgettext (po/README.md): the text is
 * looked up in the survivor's catalog where it is printed. */
#define N_(s) (s)

/* ---- the survivor's language ---- */

struct words {
	const char *lang; /* the survivor's first language; NULL when none or English */
	bool translated;  /* a catalog exists for it */
	bool fuzzy;	  /* a draft translation was printed */
};

/* The survivor's first language (the first of languages). */
static void words_for(struct words *w, const json_t *survivor)
{
	memset(w, 0, sizeof *w);
	const json_t *first = json_array_get(json_object_get(survivor, "languages"), 0);
	const char *code = json_string_value(json_object_get(first, "code"));
	if (!code || (strncmp(code, "en", 2) == 0 && (code[2] == '\0' || code[2] == '-')))
		return;
	w->lang = code;
	w->translated = po_has_language(code);
}

/* The translation of id into the survivor's language, or NULL. */
static const char *tr(struct words *w, const char *id)
{
	if (!w->translated)
		return NULL;
	bool fuzzy = false;
	const char *s = po_translate(w->lang, id, &fuzzy);
	if (s && fuzzy)
		w->fuzzy = true;
	return s;
}

/* The English name of a language, from its code's language part. */
static const char *language_english(const char *code, char *buf, size_t cap)
{
	static const char *const names[][2] = {
	    {"am", "Amharic"},	  {"ar", "Arabic"},   {"bg", "Bulgarian"}, {"bn", "Bengali"},
	    {"cs", "Czech"},	  {"en", "English"},  {"es", "Spanish"},   {"fa", "Persian"},
	    {"fr", "French"},	  {"hi", "Hindi"},    {"hu", "Hungarian"}, {"ku", "Kurdish"},
	    {"lt", "Lithuanian"}, {"pa", "Punjabi"},  {"pl", "Polish"},	   {"ps", "Pashto"},
	    {"pt", "Portuguese"}, {"ro", "Romanian"}, {"ru", "Russian"},   {"sk", "Slovak"},
	    {"so", "Somali"},	  {"sq", "Albanian"}, {"ta", "Tamil"},	   {"th", "Thai"},
	    {"ti", "Tigrinya"},	  {"tr", "Turkish"},  {"uk", "Ukrainian"}, {"ur", "Urdu"},
	    {"vi", "Vietnamese"}, {"zh", "Chinese"},
	};
	size_t n = strcspn(code, "-_");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i][0]) == n && strncmp(names[i][0], code, n) == 0)
			return names[i][1];
	snprintf(buf, cap, "the language coded %s", code);
	return buf;
}

/* A cell of English text and its translation. */
static struct pdf_cell cell(struct words *w, const char *id)
{
	return (struct pdf_cell){{{id, NULL}, {tr(w, id), w->lang}}};
}

/* A paragraph in English and the survivor's language. */
static void say(struct pdf_doc *d, struct words *w, const char *id)
{
	pdf_bilingual(d, id, tr(w, id), w->lang);
}

static void heading(struct pdf_doc *d, struct words *w, const char *id)
{
	pdf_heading(d, id, NULL);
	const char *t = tr(w, id);
	if (t)
		pdf_heading(d, t, w->lang);
}

static void title(struct pdf_doc *d, struct words *w, const char *id)
{
	pdf_title(d, id, NULL);
	const char *t = tr(w, id);
	if (t)
		pdf_title(d, t, w->lang);
}

/* Under the title: in English, when the survivor's language has no
 * translations, so that whoever hands it over knows to explain it. */
static void english_only(struct pdf_doc *d, const struct words *w)
{
	if (!w->lang || w->translated)
		return;
	char buf[64], line[256];
	snprintf(line, sizeof line,
		 "This document is in English only: there is no translation yet into %s, the "
		 "first language recorded. Please go through it with a professional interpreter.",
		 language_english(w->lang, buf, sizeof buf));
	pdf_paragraph(d, line, NULL);
}

/* At the foot of every page, once the whole document is known. */
static void draft_footer(struct pdf_doc *d, const struct words *w)
{
	if (w->fuzzy)
		pdf_footer(d,
			   "This translation has not yet been checked by a qualified translator.",
			   NULL);
}

/* ---- dates and times, in English ---- */

static const char *const weekdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
				       "Friday", "Saturday", "Sunday"};
static const char *const months[] = {"January",	  "February", "March",	  "April",
				     "May",	  "June",     "July",	  "August",
				     "September", "October",  "November", "December"};

/* "Tuesday 8 December 2026" for a day number. */
static void long_date(int day, char *out, size_t cap)
{
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	int wd = date_weekday(day); /* 1: Monday */
	snprintf(out, cap, "%s %d %s %d", weekdays[wd >= 1 && wd <= 7 ? wd - 1 : 0], d,
		 months[m - 1], y);
}

/* "8 December 2026" for a date text, or "" when it is not one. */
static void short_date(const char *text, char *out, size_t cap)
{
	int day, y, m, d;
	out[0] = '\0';
	if (!text || !date_parse(text, &day))
		return;
	date_to_ymd(day, &y, &m, &d);
	snprintf(out, cap, "%d %s %d", d, months[m - 1], y);
}

/* The local date and time of an instant: "Tuesday 8 December 2026 (08/12/2026)"
 * and "14:30". */
static bool local_when(const char *instant, char *date, size_t dcap, char *time_of_day, size_t tcap)
{
	int64_t t;
	if (!instant || !instant_parse(instant, &t))
		return false;
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		return false;
	char day[64];
	long_date(instant_local_day(t), day, sizeof day);
	snprintf(date, dcap, "%s (%02d/%02d/%04d)", day, tm.tm_mday, tm.tm_mon + 1,
		 tm.tm_year + 1900);
	snprintf(time_of_day, tcap, "%02d:%02d", tm.tm_hour, tm.tm_min);
	return true;
}

/* ---- the people to call ---- */

/* Whom the survivor calls: their advocate's name, the organisation's, and
 * its number when it has given one; and whether it names its staff in the
 * access report (its choices: GET/PUT /orgs/{id}/documents). */
struct contact {
	char advocate[STORE_NAME_LEN];
	char org[STORE_NAME_LEN];
	struct store_org_documents choices;
};

static wm_err contact_of(struct call *c, const struct store_survivor *s, struct contact *out)
{
	memset(out, 0, sizeof *out);
	struct store_org org;
	wm_err e = store_org_get(c->app->store, s->org_id, &org);
	if (e != WM_OK)
		return e;
	snprintf(out->org, sizeof out->org, "%s", org.name);
	e = store_org_documents_get(c->app->store, s->org_id, &out->choices);
	if (e != WM_OK)
		return e;
	const char *adv = json_string_value(json_object_get(s->body, "advocate_id"));
	struct store_user u;
	if (adv && store_user_get(c->app->store, adv, &u) == WM_OK && !u.disabled &&
	    strcmp(u.org_id, s->org_id) == 0)
		snprintf(out->advocate, sizeof out->advocate, "%s", u.display_name);
	return WM_OK;
}

/* ---- answering ---- */

/* Answers the finished document as an attachment named filename (never a
 * name or an id), audited as an export of survivor s. */
static void answer(struct call *c, struct pdf_doc *d, const struct store_survivor *s,
		   const char *filename)
{
	char *pdf;
	size_t len;
	wm_err e = pdf_finish(d, &pdf, &len);
	pdf_free(d);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	char disposition[96];
	snprintf(disposition, sizeof disposition, "attachment; filename=\"%s\"", filename);
	http_add_header(c->req, "Content-Disposition", disposition);
	http_respond(c->req, 200, "application/pdf", pdf, len);
	struct store_audit a;
	call_audit(c, s->id, "export", &a);
	call_answer_after_audit(c, &a, 1);
}

/* ---- the appointment card ---- */

static const char *appointment_kind(const char *kind)
{
	static const char *const names[][2] = {
	    {"gp", N_("GP (family doctor)")},
	    {"dental", N_("Dentist")},
	    {"mental_health_assessment", N_("Mental health assessment")},
	    {"talking_therapy", N_("Talking therapy")},
	    {"counselling", N_("Counselling")},
	    {"ptsd_clinic", N_("Trauma (PTSD) clinic")},
	    {"maternity", N_("Pregnancy care (maternity)")},
	    {"sexual_health", N_("Sexual health clinic")},
	    {"hospital", N_("Hospital")},
	    {"emergency", N_("Emergency department")},
	    {"pharmacy", N_("Pharmacy")},
	};
	for (size_t i = 0; kind && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i][0], kind) == 0)
			return names[i][1];
	return N_("Appointment");
}

/* The card's interpreter line: booked, needed but not booked, not needed. */
static const char *interpreter_line(const json_t *interp)
{
	if (json_is_true(json_object_get(interp, "booked")))
		return N_("An interpreter is booked for you.");
	if (json_is_true(json_object_get(interp, "needed")))
		return N_("An interpreter is needed but not booked yet. Call your advocate.");
	return N_("No interpreter is booked.");
}

static bool is_cancelled(const json_t *appt)
{
	const char *st = json_string_value(json_object_get(appt, "status"));
	return st && strcmp(st, "cancelled") == 0;
}

static void card(struct pdf_doc *d, struct words *w, const struct store_survivor *s,
		 const json_t *appt, const struct contact *who)
{
	title(d, w, N_("Appointment card"));
	english_only(d, w);
	struct pdf_cell label;
	label = cell(w, N_("Name"));
	pdf_label(d, &label, json_string_value(json_object_get(s->body, "known_as")), NULL);
	const char *kind = appointment_kind(json_string_value(json_object_get(appt, "kind")));
	label = cell(w, N_("Appointment"));
	struct pdf_cell cells[2] = {label, cell(w, kind)};
	static const double widths[2] = {1, 2};
	pdf_row(d, 2, cells, widths, false);
	char date[96], hm[16];
	if (local_when(json_string_value(json_object_get(appt, "starts_at")), date, sizeof date, hm,
		       sizeof hm)) {
		label = cell(w, N_("Date"));
		pdf_label(d, &label, date, NULL);
		label = cell(w, N_("Time"));
		pdf_label(d, &label, hm, NULL);
	}
	const char *place = json_string_value(json_object_get(appt, "provider"));
	label = cell(w, N_("Place"));
	if (place) {
		pdf_label(d, &label, place, NULL);
	} else {
		cells[0] = label;
		cells[1] = cell(w, N_("Not written down yet: ask your advocate."));
		pdf_row(d, 2, cells, widths, false);
	}
	const json_t *interp = json_object_get(appt, "interpreter");
	cells[0] = cell(w, N_("Interpreter"));
	cells[1] = cell(w, interpreter_line(interp));
	pdf_row(d, 2, cells, widths, false);
	const char *lang = json_string_value(json_object_get(interp, "language"));
	if (lang && json_is_true(json_object_get(interp, "booked"))) {
		char buf[64];
		label = cell(w, N_("Language"));
		pdf_label(d, &label, language_english(lang, buf, sizeof buf), NULL);
	}
	if (json_is_true(json_object_get(appt, "advocate_attends"))) {
		cells[0] = cell(w, N_("Who comes with you"));
		cells[1] = cell(w, N_("Your advocate will come with you."));
		pdf_row(d, 2, cells, widths, false);
	}
	if (is_cancelled(appt)) {
		pdf_space(d, 6);
		say(d, w, N_("This appointment has been cancelled."));
	}
	pdf_space(d, 10);
	heading(d, w, N_("Whom to call"));
	char line[2 * STORE_NAME_LEN + STORE_PHONE_LEN + 16];
	if (who->advocate[0])
		snprintf(line, sizeof line, "%s, %s", who->advocate, who->org);
	else
		snprintf(line, sizeof line, "%s", who->org);
	pdf_paragraph(d, line, NULL);
	if (who->choices.phone[0]) {
		label = cell(w, N_("Telephone"));
		pdf_label(d, &label, who->choices.phone, NULL);
	}
	say(d, w,
	    N_("If you cannot go, or you need help to get there, call your advocate before the "
	       "day."));
	say(d, w, N_("Bring this card with you. Please arrive 10 minutes early."));
	draft_footer(d, w);
}

/* GET /survivors/{id}/appointments/{item_id}/card.pdf */
void documents_card(struct call *c)
{
	struct store_survivor s;
	if (!survivor_load(c, ACT_DOCUMENT_PRINT, &s))
		return;
	const struct kind *k = kind_find("appointments");
	struct store_item it = {0};
	const char *aid = call_param(c, 1);
	wm_err e = schema_is_id(aid) ? store_item_get(c->app->store, k, s.org_id, s.id, aid, &it)
				     : WM_ERR_NOT_FOUND;
	struct contact who;
	if (e == WM_OK)
		e = contact_of(c, &s, &who);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		goto out;
	}
	struct pdf_doc *d = pdf_new("Appointment card");
	if (!d) {
		call_fail(c, WM_ERR_NOMEM, NULL);
		goto out;
	}
	struct words w;
	words_for(&w, s.body);
	card(d, &w, &s, it.body, &who);
	answer(c, d, &s, "appointment-card.pdf");
out:
	store_item_clear(&it);
	store_survivor_clear(&s);
}

/* ---- the entitlement letter ---- */

static void letter(struct pdf_doc *d, struct words *w, const struct store_survivor *s,
		   const struct contact *who, int today)
{
	title(d, w, N_("To the GP practice: registering a new patient"));
	english_only(d, w);
	say(d, w,
	    N_("The person who gives you this letter would like to register with your practice as "
	       "an NHS patient."));
	say(d, w,
	    N_("Anyone in England can register with a GP practice, free of charge. You do not need "
	       "proof of address, identity documents, immigration status or an NHS number to "
	       "register. A practice must not refuse to register someone because they do not "
	       "have them."));
	say(d, w,
	    N_("Someone without a fixed address may register using a temporary address, the "
	       "address of their support service, or the practice's own address."));
	const json_t *first = json_array_get(json_object_get(s->body, "languages"), 0);
	if (json_is_true(json_object_get(first, "interpreter_needed"))) {
		char buf[64], line[160];
		snprintf(line, sizeof line, "Language: %s.",
			 language_english(json_string_value(json_object_get(first, "code")), buf,
					  sizeof buf));
		pdf_paragraph(d, line, NULL);
		say(d, w,
		    N_("A professional interpreter is needed. Please book one for the registration "
		       "and for appointments; family or friends should not interpret."));
	}
	say(d, w,
	    N_("If you cannot register this person, please give them the reason in writing and "
	       "contact their support service below."));
	heading(d, w, N_("Support service"));
	struct pdf_cell label = cell(w, N_("Organisation"));
	pdf_label(d, &label, who->org, NULL);
	if (who->advocate[0]) {
		label = cell(w, N_("Advocate"));
		pdf_label(d, &label, who->advocate, NULL);
	}
	if (who->choices.phone[0]) {
		label = cell(w, N_("Telephone"));
		pdf_label(d, &label, who->choices.phone, NULL);
	}
	char date[64];
	long_date(today, date, sizeof date);
	label = cell(w, N_("Date of this letter"));
	pdf_label(d, &label, date, NULL);
	pdf_space(d, 10);
	heading(d, w, N_("For you"));
	say(d, w,
	    N_("This letter says that you have the right to register with a GP (a family doctor). "
	       "Show it at the reception desk of the GP practice."));
	pdf_space(d, 10);
	pdf_small(
	    d,
	    "Sources: NHS England, \"Patient registration: standard operating principles for "
	    "primary medical care (general practice)\"; NHS website, \"How to register with a "
	    "GP surgery\", www.nhs.uk/nhs-services/gp-surgeries/"
	    "how-to-register-with-a-gp-surgery/.",
	    NULL);
	draft_footer(d, w);
}

/* GET /survivors/{id}/entitlement-letter.pdf */
void documents_letter(struct call *c)
{
	struct store_survivor s;
	if (!survivor_load(c, ACT_DOCUMENT_PRINT, &s))
		return;
	struct contact who;
	wm_err e = contact_of(c, &s, &who);
	struct pdf_doc *d = e == WM_OK ? pdf_new("GP registration letter") : NULL;
	if (!d) {
		call_fail(c, e == WM_OK ? WM_ERR_NOMEM : e, NULL);
		store_survivor_clear(&s);
		return;
	}
	struct words w;
	words_for(&w, s.body);
	letter(d, &w, &s, &who, c->today);
	answer(c, d, &s, "gp-registration-letter.pdf");
	store_survivor_clear(&s);
}

/* ---- the handover summary ---- */

/* Words for a code of the record ("mental_health" → "mental health"). */
static void code_words(const char *code, char *out, size_t cap)
{
	snprintf(out, cap, "%s", code && strcmp(code, "gp") == 0 ? "GP" : code ? code : "");
	for (char *p = out; *p; p++)
		if (*p == '_')
			*p = ' ';
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
}

static const char *field(const json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));
	return s ? s : "";
}

static void summary_patient(struct pdf_doc *d, const json_t *sel)
{
	const json_t *p = json_object_get(sel, "patient");
	struct pdf_cell label = {{{"Known as", NULL}}};
	pdf_label(d, &label, field(p, "known_as"), NULL);
	char buf[160], words[64];
	if (json_is_integer(json_object_get(p, "birth_year"))) {
		snprintf(buf, sizeof buf, "%lld",
			 (long long)json_integer_value(json_object_get(p, "birth_year")));
		label.line[0].text = "Year of birth";
		pdf_label(d, &label, buf, NULL);
	}
	if (json_object_get(p, "gender")) {
		code_words(field(p, "gender"), words, sizeof words);
		label.line[0].text = "Gender";
		pdf_label(d, &label, words, NULL);
	}
	if (json_is_true(json_object_get(p, "pregnant"))) {
		char due[48];
		short_date(field(p, "due_on"), due, sizeof due);
		snprintf(buf, sizeof buf, "Yes%s%s", due[0] ? ", due " : "", due);
		label.line[0].text = "Pregnant";
		pdf_label(d, &label, buf, NULL);
	}
	size_t nd = json_array_size(json_object_get(p, "dependants"));
	if (nd) {
		snprintf(buf, sizeof buf, "%zu child%s (their own records are separate)", nd,
			 nd == 1 ? "" : "ren");
		label.line[0].text = "Dependants";
		pdf_label(d, &label, buf, NULL);
	}
	size_t i;
	const json_t *l;
	json_array_foreach(json_object_get(p, "languages"), i, l)
	{
		char name[64];
		const char *n = language_english(field(l, "code"), name, sizeof name);
		const char *g = field(l, "interpreter_gender");
		if (json_is_true(json_object_get(l, "interpreter_needed")))
			snprintf(buf, sizeof buf, "%s: professional interpreter needed%s%s%s", n,
				 g[0] && strcmp(g, "any") != 0 ? " (" : "",
				 g[0] && strcmp(g, "any") != 0 ? g : "",
				 g[0] && strcmp(g, "any") != 0 ? " interpreter)" : "");
		else
			snprintf(buf, sizeof buf, "%s", n);
		label.line[0].text = i == 0 ? "First language" : "Also speaks";
		pdf_label(d, &label, buf, NULL);
	}
}

static void summary_care(struct pdf_doc *d, const json_t *sel)
{
	const json_t *care = json_object_get(sel, "care_needs");
	if (json_object_size(care) == 0)
		return;
	pdf_heading(d, "Care needs", NULL);
	struct pdf_cell label = {{{"Clinician", NULL}}};
	const char *g = field(care, "clinician_gender");
	if (g[0] && strcmp(g, "any") != 0) {
		char buf[64];
		snprintf(buf, sizeof buf, "A %s clinician, please", g);
		pdf_label(d, &label, buf, NULL);
	}
	if (json_is_true(json_object_get(care, "advocate_attends"))) {
		label.line[0].text = "Advocate";
		pdf_label(d, &label, "Their advocate comes to appointments", NULL);
	}
	if (field(care, "approach_with_care")[0]) {
		label.line[0].text = "Approach with care";
		pdf_label(d, &label, field(care, "approach_with_care"), NULL);
	}
	if (field(care, "other")[0]) {
		label.line[0].text = "Other needs";
		pdf_label(d, &label, field(care, "other"), NULL);
	}
}

/* One row of three plain cells of the summary's tables. */
static void row3(struct pdf_doc *d, const char *c0, const char *c1, const char *c2)
{
	static const double w3[3] = {2, 3, 3};
	struct pdf_cell cells[3] = {0};
	cells[0].line[0].text = c0;
	cells[1].line[0].text = c1;
	cells[2].line[0].text = c2;
	pdf_row(d, 3, cells, w3, false);
}

static void summary_rows(struct pdf_doc *d, const json_t *sel)
{
	size_t i;
	const json_t *v;
	char a[160], b[200], x[48], y[48];
	pdf_heading(d, "Appointments to come", NULL);
	if (json_array_size(json_object_get(sel, "appointments")) == 0)
		pdf_paragraph(d, "None booked.", NULL);
	json_array_foreach(json_object_get(sel, "appointments"), i, v)
	{
		char date[96], hm[16];
		if (!local_when(field(v, "starts_at"), date, sizeof date, hm, sizeof hm))
			continue;
		snprintf(a, sizeof a, "%s %s", date, hm);
		const json_t *in = json_object_get(v, "interpreter");
		snprintf(b, sizeof b, "%s%s%s", appointment_kind(field(v, "kind")),
			 field(v, "provider")[0] ? ", " : "", field(v, "provider"));
		snprintf(x, sizeof x, "%s",
			 json_is_true(json_object_get(in, "booked"))   ? "Interpreter booked"
			 : json_is_true(json_object_get(in, "needed")) ? "Interpreter NOT booked"
								       : "");
		row3(d, a, b, x);
	}
	pdf_heading(d, "Registrations", NULL);
	if (json_array_size(json_object_get(sel, "registrations")) == 0)
		pdf_paragraph(d, "None recorded.", NULL);
	json_array_foreach(json_object_get(sel, "registrations"), i, v)
	{
		code_words(field(v, "service"), a, sizeof a);
		short_date(field(v, "registered_on"), x, sizeof x);
		short_date(field(v, "refused_on"), y, sizeof y);
		char reason[64];
		code_words(field(v, "refusal_reason"), reason, sizeof reason);
		if (x[0])
			snprintf(b, sizeof b, "Registered %s", x);
		else
			snprintf(b, sizeof b, "Refused %s%s%s", y, reason[0] ? ": " : "", reason);
		row3(d, a, field(v, "provider"), b);
	}
	pdf_heading(d, "Referrals", NULL);
	if (json_array_size(json_object_get(sel, "referrals")) == 0)
		pdf_paragraph(d, "None recorded.", NULL);
	json_array_foreach(json_object_get(sel, "referrals"), i, v)
	{
		code_words(field(v, "service"), a, sizeof a);
		static const char *const steps[][2] = {{"closed_on", "Closed"},
						       {"rejected_on", "Rejected"},
						       {"first_seen_on", "First seen"},
						       {"accepted_on", "Accepted"},
						       {"sent_on", "Sent"}};
		b[0] = '\0';
		for (size_t j = 0; j < sizeof steps / sizeof steps[0] && !b[0]; j++) {
			short_date(field(v, steps[j][0]), x, sizeof x);
			if (x[0])
				snprintf(b, sizeof b, "%s %s", steps[j][1], x);
		}
		row3(d, a, field(v, "provider"), b);
	}
	pdf_heading(d, "Current medication", NULL);
	if (json_array_size(json_object_get(sel, "medications")) == 0)
		pdf_paragraph(d, "None recorded.", NULL);
	json_array_foreach(json_object_get(sel, "medications"), i, v)
	{
		code_words(field(v, "category"), a, sizeof a);
		short_date(field(v, "started_on"), x, sizeof x);
		snprintf(b, sizeof b, "%s%s", x[0] ? "Since " : "", x);
		row3(d, field(v, "name"), a, b);
	}
	if (json_array_size(json_object_get(sel, "goals"))) {
		pdf_heading(d, "Health goals of their support plan", NULL);
		json_array_foreach(json_object_get(sel, "goals"), i, v)
		{
			snprintf(b, sizeof b, "• %s", field(v, "text"));
			pdf_paragraph(d, b, NULL);
		}
	}
}

static void summary(struct pdf_doc *d, const json_t *sel, const struct contact *who, int today)
{
	pdf_title(d, "Health handover summary", NULL);
	char date[64], given[48], line[512];
	long_date(today, date, sizeof date);
	const json_t *consent = json_object_get(sel, "consent");
	short_date(field(consent, "given_on"), given, sizeof given);
	snprintf(
	    line, sizeof line,
	    "Prepared on %s by %s, with the patient's consent to this handover (given %s%s%s). "
	    "It holds only what a clinician needs to continue their care.",
	    date, who->org, given, field(consent, "method")[0] ? ", " : "",
	    field(consent, "method"));
	pdf_small(d, line, NULL);
	summary_patient(d, sel);
	summary_care(d, sel);
	summary_rows(d, sel);
	pdf_heading(d, "Contact", NULL);
	if (who->advocate[0])
		snprintf(line, sizeof line, "%s, advocate, %s%s%s", who->advocate, who->org,
			 who->choices.phone[0] ? ", " : "", who->choices.phone);
	else
		snprintf(line, sizeof line, "%s%s%s", who->org, who->choices.phone[0] ? ", " : "",
			 who->choices.phone);
	pdf_paragraph(d, line, NULL);
	pdf_footer(d,
		   "Confidential: shared with the patient's consent for their health care. Do not "
		   "pass it on without their agreement.",
		   NULL);
}

struct gather {
	json_t *arr;
	int64_t last;
};

static void gather(void *ctx, const struct store_item *it)
{
	struct gather *g = ctx;
	json_array_append(g->arr, it->body);
	g->last = it->seq;
}

/* The parts of the record a handover is chosen from, all pages of each;
 * never the notes, the NRM or asylum parts. */
static wm_err handover_parts(struct call *c, const struct store_survivor *s, json_t *parts)
{
	static const char *const lists[] = {"registrations", "appointments", "referrals",
					    "medications", "consents"};
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		struct gather g = {json_array(), 0};
		json_object_set_new(parts, lists[i], g.arr);
		bool more = true;
		wm_err e = WM_OK;
		while (e == WM_OK && more)
			e = store_item_list(c->app->store, kind_find(lists[i]), s->org_id, s->id,
					    g.last, STORE_LIST_MAX, gather, &g, &more);
		if (e != WM_OK)
			return e;
	}
	struct store_item plan = {0};
	wm_err e = store_item_get(c->app->store, kind_find("plan"), s->org_id, s->id, NULL, &plan);
	if (e == WM_OK)
		json_object_set(parts, "plan", plan.body);
	store_item_clear(&plan);
	return e == WM_ERR_NOT_FOUND ? WM_OK : e;
}

/* GET /survivors/{id}/handover.pdf */
void documents_handover(struct call *c)
{
	struct store_survivor s;
	if (!survivor_load(c, ACT_DOCUMENT_PRINT, &s))
		return;
	json_t *parts = json_object();
	json_t *sel = NULL;
	struct contact who;
	wm_err e = parts ? handover_parts(c, &s, parts) : WM_ERR_NOMEM;
	if (e == WM_OK)
		e = contact_of(c, &s, &who);
	bool no_consent = false;
	if (e == WM_OK) {
		sel = handover_select(s.body, parts, c->today, &no_consent);
		e = sel || no_consent ? WM_OK : WM_ERR_NOMEM;
	}
	if (e != WM_OK) {
		call_fail(c, e, NULL);
	} else if (no_consent) {
		http_error(c->req, 403, "consent_required",
			   "the survivor has not given an active handover consent", NULL);
	} else {
		struct pdf_doc *d = pdf_new("Health handover summary");
		if (!d) {
			call_fail(c, WM_ERR_NOMEM, NULL);
		} else {
			summary(d, sel, &who, c->today);
			answer(c, d, &s, "handover-summary.pdf");
		}
	}
	json_decref(sel);
	json_decref(parts);
	store_survivor_clear(&s);
}

/* ---- the access report ---- */

static const char *role_words(enum role r)
{
	switch (r) {
	case ROLE_ADVOCATE:
		return N_("Advocate (support worker)");
	case ROLE_MANAGER:
		return N_("Manager");
	case ROLE_CLINICIAN:
		return N_("Health professional");
	case ROLE_ADMIN:
		return N_("Administrator");
	default:
		return N_("Analyst");
	}
}

static const char *action_words(const char *action)
{
	static const char *const names[][2] = {
	    {"read", N_("Read it")},
	    {"create", N_("Created it")},
	    {"update", N_("Changed it")},
	    {"export", N_("Printed or downloaded it")},
	    {"handover", N_("Sent it to a health service")},
	    {"share", N_("Shared it to keep you safe")},
	    {"erase", N_("Erased it")},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i][0], action) == 0)
			return names[i][1];
	return action;
}

/* Which part of the record a route touched, from its pattern. */
static const char *part_words(const char *route, const char *action)
{
	static const char *const parts[][2] = {
	    {"/card.pdf", N_("An appointment card")},
	    {"/entitlement-letter.pdf", N_("A GP registration letter")},
	    {"/handover.pdf", N_("A health handover summary")},
	    {"/access-report.pdf", N_("A report like this one")},
	    {"/access-log", N_("The list of who has looked")},
	    {"/handover", N_("A health handover")},
	    {"/appointments", N_("Appointments")},
	    {"/registrations", N_("Registrations with health services")},
	    {"/referrals", N_("Referrals")},
	    {"/medications", N_("Medication")},
	    {"/plan", N_("Support plan")},
	    {"/notes", N_("Notes")},
	    {"/consents", N_("Your consents")},
	    {"/nrm", N_("National Referral Mechanism")},
	    {"/asylum", N_("Asylum")},
	    {"/safeguarding-shares", N_("A safeguarding share")},
	    {"/alerts", N_("Reminders")},
	    {"/record", N_("The whole record")},
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (strstr(route, parts[i][0]))
			return parts[i][1];
	/* The list's route creates one record, and reads many. */
	if (strcmp(route, "/api/v1/survivors/{id}") == 0 ||
	    (strcmp(route, "/api/v1/survivors") == 0 && strcmp(action, "read") != 0))
		return N_("Your details");
	return N_("A list of several people's records");
}

/* One line of the report: consecutive entries alike are one line, counted. */
struct report_line {
	char day[DATE_TEXT_LEN], hm[8];
	char org_id[STORE_ID_LEN];
	char user_id[STORE_ID_LEN]; /* only where the organisation names its staff */
	enum role role;
	char action[16];
	const char *part;
	int count;
};

struct report {
	struct report_line *lines;
	size_t n, cap;
	bool failed;
	int64_t last;
	/* The organisation that owns the record names its own staff (its
	 * choice); other organisations' staff are never named. */
	const char *name_staff_of;
};

static void add_line(void *ctx, const struct store_audit *a)
{
	struct report *r = ctx;
	r->last = a->seq;
	int64_t t;
	struct report_line l = {0};
	if (instant_parse(a->at, &t)) {
		time_t tt = (time_t)t;
		struct tm tm;
		if (localtime_r(&tt, &tm))
			snprintf(l.hm, sizeof l.hm, "%02d:%02d", tm.tm_hour, tm.tm_min);
		date_format(instant_local_day(t), l.day);
	}
	snprintf(l.org_id, sizeof l.org_id, "%s", a->org_id);
	if (r->name_staff_of && strcmp(a->org_id, r->name_staff_of) == 0)
		snprintf(l.user_id, sizeof l.user_id, "%s", a->user_id);
	l.role = a->role;
	snprintf(l.action, sizeof l.action, "%s", a->action);
	l.part = part_words(a->route, a->action);
	l.count = 1;
	struct report_line *prev = r->n ? &r->lines[r->n - 1] : NULL;
	if (prev && strcmp(prev->day, l.day) == 0 && strcmp(prev->org_id, l.org_id) == 0 &&
	    strcmp(prev->user_id, l.user_id) == 0 && prev->role == l.role &&
	    strcmp(prev->action, l.action) == 0 && prev->part == l.part) {
		prev->count++;
		return;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct report_line *n = realloc(r->lines, cap * sizeof *n);
		if (!n) {
			r->failed = true;
			return;
		}
		r->lines = n;
		r->cap = cap;
	}
	r->lines[r->n++] = l;
}

/* The organisations (and staff) named in the report, looked up once each. */
struct org_names {
	char id[16][STORE_ID_LEN];
	char name[16][STORE_NAME_LEN];
	size_t n;
};

static const char *staff_name(struct call *c, struct org_names *sn, const char *id)
{
	if (!id[0])
		return NULL;
	for (size_t i = 0; i < sn->n; i++)
		if (strcmp(sn->id[i], id) == 0)
			return sn->name[i];
	struct store_user u;
	if (store_user_get(c->app->store, id, &u) != WM_OK)
		return NULL;
	size_t i = sn->n < 16 ? sn->n++ : 15;
	snprintf(sn->id[i], sizeof sn->id[i], "%s", id);
	snprintf(sn->name[i], sizeof sn->name[i], "%s", u.display_name);
	return sn->name[i];
}

static const char *org_name(struct call *c, struct org_names *on, const char *id)
{
	if (!id[0])
		return "Waymark administration";
	for (size_t i = 0; i < on->n; i++)
		if (strcmp(on->id[i], id) == 0)
			return on->name[i];
	struct store_org org;
	if (store_org_get(c->app->store, id, &org) != WM_OK)
		return "An organisation no longer using Waymark";
	size_t i = on->n < 16 ? on->n++ : 15;
	snprintf(on->id[i], sizeof on->id[i], "%s", id);
	snprintf(on->name[i], sizeof on->name[i], "%s", org.name);
	return on->name[i];
}

static void report(struct call *c, struct pdf_doc *d, struct words *w, const struct report *r,
		   const struct contact *who)
{
	title(d, w, N_("Who has looked at your record"));
	english_only(d, w);
	if (r->name_staff_of)
		say(d, w,
		    N_("You asked who has read or changed your record. This report lists every "
		       "time someone did, newest first: when, their organisation, the kind of "
		       "work they do, what they did and which part of the record. Staff of the "
		       "organisation that prepared it are named; others are not."));
	else
		say(d, w,
		    N_("You asked who has read or changed your record. This report lists every "
		       "time someone did, newest first: when, their organisation, the kind of "
		       "work they do, what they did and which part of the record. Staff are not "
		       "named."));
	char date[64];
	long_date(c->today, date, sizeof date);
	struct pdf_cell label = cell(w, N_("Prepared on"));
	pdf_label(d, &label, date, NULL);
	label = cell(w, N_("Prepared by"));
	pdf_label(d, &label, who->org, NULL);
	pdf_space(d, 8);
	static const double widths[5] = {2.2, 3, 2.6, 2.6, 3};
	struct pdf_cell head[5] = {cell(w, N_("When")), cell(w, N_("Organisation")),
				   cell(w, N_("Role")), cell(w, N_("What they did")),
				   cell(w, N_("Part of the record"))};
	pdf_row(d, 5, head, widths, true);
	struct org_names on = {.n = 0}, sn = {.n = 0};
	for (size_t i = 0; i < r->n; i++) {
		const struct report_line *l = &r->lines[i];
		char when[48];
		if (l->count > 1)
			snprintf(when, sizeof when, "%s %s (%d×)", l->day, l->hm, l->count);
		else
			snprintf(when, sizeof when, "%s %s", l->day, l->hm);
		struct pdf_cell row[5] = {
		    {{{when, NULL}}},
		    {{{org_name(c, &on, l->org_id), NULL}, {staff_name(c, &sn, l->user_id), NULL}}},
		    cell(w, role_words(l->role)),
		    cell(w, action_words(l->action)),
		    cell(w, l->part)};
		pdf_row(d, 5, row, widths, false);
	}
	if (r->n == 0)
		say(d, w, N_("No one has looked at your record yet."));
	pdf_space(d, 10);
	say(d, w,
	    N_("If anything here worries you, ask your advocate or the manager of the "
	       "organisation that prepared this report."));
	draft_footer(d, w);
}

/* GET /survivors/{id}/access-report.pdf: the access log, for the survivor. */
void documents_access_report(struct call *c)
{
	struct store_survivor s;
	if (!survivor_load(c, ACT_ACCESS_REPORT, &s))
		return;
	struct report r = {0};
	struct contact who;
	wm_err e = contact_of(c, &s, &who);
	if (e == WM_OK && who.choices.name_staff)
		r.name_staff_of = s.org_id;
	bool more = true;
	while (e == WM_OK && more && !r.failed) {
		int64_t before = r.last;
		e = store_access_log(c->app->store, s.id, before, STORE_LIST_MAX, add_line, &r,
				     &more);
	}
	struct pdf_doc *d = e == WM_OK && !r.failed ? pdf_new("Access report") : NULL;
	if (!d) {
		call_fail(c, e == WM_OK ? WM_ERR_NOMEM : e, NULL);
	} else {
		struct words w;
		words_for(&w, s.body);
		report(c, d, &w, &r, &who);
		answer(c, d, &s, "access-report.pdf");
	}
	free(r.lines);
	store_survivor_clear(&s);
}

/* ---- an organisation's choices for its documents ---- */

static json_t *choices_json(const struct store_org_documents *d)
{
	return json_pack("{s:s?, s:b}", "phone", d->phone[0] ? d->phone : NULL, "name_staff",
			 d->name_staff);
}

/* The organisation of the path, for its own managers only. */
static bool org_of_path(struct call *c, struct store_org *org)
{
	const char *id = call_param(c, 0);
	wm_err e = schema_is_id(id) ? store_org_get(c->app->store, id, org) : WM_ERR_NOT_FOUND;
	if (e != WM_OK)
		return call_fail(c, e, NULL);
	struct resource res = {.org_id = org->id};
	return call_allow(c, ACT_ORG_DOCUMENTS, &res);
}

/* GET /orgs/{id}/documents */
void documents_settings_get(struct call *c)
{
	struct store_org org;
	if (!org_of_path(c, &org))
		return;
	struct store_org_documents d;
	wm_err e = store_org_documents_get(c->app->store, org.id, &d);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	http_respond_json(c->req, 200, choices_json(&d));
}

/* PUT /orgs/{id}/documents {phone: text or null, name_staff: boolean}:
 * both required, so that a client states the whole choice. */
void documents_settings_put(struct call *c)
{
	struct store_org org;
	if (!org_of_path(c, &org))
		return;
	json_t *body = call_body(c);
	if (!body)
		return;
	struct store_org_documents d = {0};
	const json_t *phone = json_object_get(body, "phone");
	const json_t *name_staff = json_object_get(body, "name_staff");
	const char *key;
	json_t *v;
	bool ok = true;
	json_object_foreach(body, key, v)
	{
		if (strcmp(key, "phone") != 0 && strcmp(key, "name_staff") != 0) {
			ok = call_invalid(c, NULL, "only phone and name_staff may be set");
			break;
		}
	}
	if (ok && (!phone || !(json_is_null(phone) || json_is_string(phone))))
		ok = call_invalid(c, "phone", "phone is required: a telephone number, or null");
	else if (ok && json_is_string(phone)) {
		const char *p = json_string_value(phone);
		/* Digits and what separates them: a number to dial, never a
		 * place for words. */
		size_t n = strlen(p), digits = 0;
		for (size_t i = 0; ok && i < n; i++) {
			if (p[i] >= '0' && p[i] <= '9')
				digits++;
			else if (!strchr(" +()-", p[i]))
				ok = false;
		}
		if (!ok || digits < 3 || n >= sizeof d.phone)
			ok = call_invalid(
			    c, "phone",
			    "phone must be a telephone number: digits, spaces, + ( ) -, "
			    "at most 40 characters");
		else
			snprintf(d.phone, sizeof d.phone, "%s", p);
	}
	if (ok && !json_is_boolean(name_staff))
		ok = call_invalid(c, "name_staff", "name_staff is required: true or false");
	d.name_staff = json_is_true(name_staff);
	json_decref(body);
	if (!ok)
		return;
	struct store_account_event ev;
	call_account_event(c, "org.update", org.id, "documents.phone,documents.name_staff", &ev);
	wm_err e = store_org_documents_set(c->app->store, org.id, &d, c->now, &ev);
	if (e != WM_OK) {
		call_fail(c, e, NULL);
		return;
	}
	http_respond_json(c->req, 200, choices_json(&d));
}
