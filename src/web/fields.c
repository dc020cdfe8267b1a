/*
 * fields.c - forms drawn from the record's declarations (fields.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../domain/date.h"
#include "../util/buf.h"
#include "words.h"

#define PATH_MAX_LEN 96
#define ROWS_MAX     50 /* rows of a list read from one form */
/* A row's path is a path of at most PATH_MAX_LEN - 1 bytes and a row number
 * below ROWS_MAX, so it fits its PATH_MAX_LEN + 8 buffer; GCC at -O1 (the
 * ASan build) cannot see the number's bound and would stop the build. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* What people read for a field, a hint where the name alone is not enough,
 * and what to say when a required one is left empty. A name may be given
 * for one schema ("appointment.kind"), looked up before the plain name.
 * Names not here are read as words ("first_responder" -> "First
 * responder"). */
struct label {
	const char *name, *label, *hint, *missing;
};
static const struct label labels[] = {
    /* the survivor */
    {"known_as", "Known as",
     "The name the survivor wants to be called. It can differ from any legal name.",
     "Enter the name the survivor wants to be called"},
    {"dependant.known_as", "Known as", NULL, "Enter the name the child is known by"},
    {"legal_name", "Legal name", NULL, NULL},
    {"birth_year", "Year of birth", "For example, 1994", NULL},
    {"gender", "Gender", NULL, NULL},
    {"nationality", "Nationality", "Two letters, for example ER for Eritrea, AL for Albania", NULL},
    {"nhs_number", "NHS number", "10 digits, once the survivor has one", NULL},
    {"languages", "Languages", "The languages the survivor speaks, the one they prefer first",
     NULL},
    {"code", "Language", "For example ti (Tigrinya), sq (Albanian), ar (Arabic), vi (Vietnamese)",
     "Enter the language"},
    {"language", "Language of the interpreter",
     "For example ti (Tigrinya), sq (Albanian), ar (Arabic)", NULL},
    {"interpreter_needed", "Needs an interpreter in this language", NULL, NULL},
    {"interpreter_gender", "Interpreter's gender", "If the survivor asks for one", NULL},
    {"entered_service_on", "Entered the service on", "For example, 27/3/2026",
     "Enter the date the survivor entered the service"},
    {"exploitation_types", "Kinds of exploitation", "Only the case team sees this", NULL},
    {"pregnant", "Pregnant", NULL, NULL},
    {"due_on", "Due date", "For example, 27/3/2026", NULL},
    {"dependants", "Children and other dependants", NULL, NULL},
    {"advocate_id", "Advocate", NULL, NULL},
    {"survivor.status", "Record", "Close the record when the survivor leaves the service", NULL},
    {"survivor.closed_on", "Closed on", "Needed when the record is closed", NULL},
    {"contact", "Safe contact", "Only ways of contact the survivor says are safe", NULL},
    {"phone", "Phone number", NULL, NULL},
    {"safe_to_call", "Safe to call", NULL, NULL},
    {"safe_voicemail", "Safe to leave a voicemail", NULL, NULL},
    {"safe_letters", "Safe to send letters", NULL, NULL},
    {"address", "Address", "Only the case team sees this", NULL},
    {"care_needs", "Care needs", "What clinicians should know before they meet the survivor", NULL},
    {"clinician_gender", "Clinician's gender", "If the survivor asks for one", NULL},
    {"advocate_attends", "Advocate goes too", NULL, NULL},
    {"approach_with_care", "Approach with care",
     "What clinicians should know, for example no examination by a man", NULL},
    {"other", "Other needs", NULL, NULL},
    /* appointments */
    {"appointment.kind", "Kind of appointment", NULL, "Choose the kind of appointment"},
    {"starts_at", "Date and time", "For example, 27/3/2026 at 14:30",
     "Enter the date and time of the appointment"},
    {"duration_min", "Length in minutes", "For example, 30", NULL},
    {"provider", "Where", "GP practice, clinic, hospital or service", NULL},
    {"interpreter", "Interpreter", NULL, NULL},
    {"needed", "Interpreter needed", NULL, NULL},
    {"booked", "Interpreter booked", NULL, NULL},
    {"provided", "Interpreter came", "Answer after the appointment", NULL},
    {"appointment.status", "What happened", "Leave as scheduled until the day", NULL},
    {"cancelled_by", "Cancelled by",
     "Only for a cancelled appointment. A cancellation by a third party or someone unknown "
     "raises a critical alert.",
     NULL},
    {"appointment.notes", "Notes for the case team",
     "Never shown to clinicians of other organisations", NULL},
    {"notes", "Notes", NULL, NULL},
    /* registrations */
    {"registration.service", "Service", NULL, "Choose the service"},
    {"person", "Who is registering", NULL, NULL},
    {"registration.provider", "Practice or service", "For example, Riverside Medical Centre", NULL},
    {"registered_on", "Registered on", "Leave empty if the registration was refused",
     "Enter the date the registration was made"},
    {"refused_on", "Refused on", "Only if the practice refused to register the survivor", NULL},
    {"refusal_reason", "Reason given for refusing",
     "No proof of address, ID, immigration status or NHS number is needed to register with a GP",
     NULL},
    /* referrals */
    {"referral.service", "Service referred to", NULL, "Choose the service the referral is to"},
    {"referral.provider", "Provider", "The team or organisation the referral went to", NULL},
    {"sent_on", "Sent on", "For example, 27/3/2026", "Enter the date the referral was sent"},
    {"accepted_on", "Accepted on", NULL, NULL},
    {"first_seen_on", "First seen on", "The day the survivor was first seen by the service", NULL},
    {"rejected_on", "Rejected on", NULL, NULL},
    {"rejection_reason", "Reason for rejecting", NULL, NULL},
    {"closed_on", "Closed on", NULL, NULL},
    /* medications */
    {"medication.name", "Medicine", "For example, sertraline", "Enter the name of the medicine"},
    {"category", "Kind of medicine", NULL, "Choose the kind of medicine"},
    {"started_on", "Started on", NULL, NULL},
    {"stopped_on", "Stopped on", NULL, NULL},
    {"explained", "Explained to the survivor", NULL, NULL},
    {"explained_in_own_language", "Explained in their own language", NULL, NULL},
    /* notes */
    {"note.kind", "Kind of note", NULL, "Choose the kind of note"},
    {"body", "Note", "Notes cannot be changed once saved. Only the case team sees them.",
     "Enter the note"},
    /* consents */
    {"purpose", "What the consent is for", NULL, "Choose what the consent is for"},
    {"consent.org_id", "Organisation", "Needed when sharing with an organisation", NULL},
    {"given_on", "Given on", "For example, 27/3/2026", "Enter the date the consent was given"},
    {"withdrawn_on", "Withdrawn on",
     "Sharing under this consent stops at once. For example, 27/3/2026",
     "Enter the date the consent was withdrawn"},
    {"method", "How it was given", NULL, NULL},
    {"interpreter_used", "An interpreter was used", NULL, NULL},
    {"includes", "The handover may also carry",
     "For a handover only, and only what the survivor agreed to", NULL},
    /* NRM */
    {"referred_on", "Referred on", "The day the first responder made the referral",
     "Enter the date of the NRM referral"},
    {"first_responder", "First responder", "The organisation that made the referral", NULL},
    {"duty_to_notify_only", "Duty to notify only",
     "The survivor did not consent: a report to the Home Office, not a referral", NULL},
    {"rg_decision_on", "Reasonable grounds decision on", NULL, NULL},
    {"rg_outcome", "Reasonable grounds outcome", NULL, NULL},
    {"recovery_period_ends_on", "Recovery period ends on", NULL, NULL},
    {"cg_decision_on", "Conclusive grounds decision on", NULL, NULL},
    {"cg_outcome", "Conclusive grounds outcome", NULL, NULL},
    {"reconsideration_requested_on", "Reconsideration requested on", NULL, NULL},
    {"nrm.support", "Support", "Support under the NRM", NULL},
    {"support", "Support", NULL, NULL},
    /* asylum */
    {"claimed_on", "Claimed on", "For example, 27/3/2026", "Enter the date asylum was claimed"},
    {"arc_issued", "Application registration card (ARC) issued", NULL, NULL},
    {"asylum.support", "Asylum support", NULL, NULL},
    {"screening_on", "Screening interview on", NULL, NULL},
    {"substantive_interview_on", "Substantive interview on", NULL, NULL},
    {"decision_on", "Decision on", NULL, NULL},
    {"outcome", "Outcome", NULL, NULL},
    {"appeal_lodged_on", "Appeal lodged on", NULL, NULL},
    {"legal_representative", "Has a legal representative", "Who represents them belongs in a note",
     NULL},
    /* the plan and its reviews */
    {"review_every_days", "Review every (days)",
     "How often the plan is reviewed with the survivor. 28 if left empty.", NULL},
    {"goals", "Goals", NULL, NULL},
    {"domain", "Area of life", NULL, "Choose the area of life"},
    {"text", "Goal", NULL, "Enter the goal"},
    {"goal.status", "Progress", NULL, NULL},
    {"on", "Reviewed on", "For example, 27/3/2026", "Enter the date of the review"},
    {"plan_review.notes", "Notes", "Never shown to clinicians of other organisations", NULL},
    /* snoozes and shares */
    {"rule", "Alert", NULL, NULL},
    {"item_id", "About", NULL, NULL},
    {"until", "Snooze until",
     "The alert comes back on this day. At most 30 days ahead; 2 days for a critical alert.",
     "Enter the date the alert should come back"},
    {"snooze.reason", "Reason", "What you did, or why it can wait", "Enter why the alert can wait"},
    {"share.org_id", "Organisation to share with", NULL,
     "Choose the organisation to share the record with"},
    {"share.reason", "Why the record must be shared",
     "The risk of serious harm, in at least 20 characters. Managers of your organisation "
     "review every share.",
     "Enter why the record must be shared"},
    {"reason", "Reason", NULL, NULL},
};

/* The table's row for name in schema sname (its own row first). */
static const struct label *label_row(const char *sname, const char *name)
{
	const struct label *plain = NULL;
	size_t sl = sname ? strlen(sname) : 0;
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		const char *n = labels[i].name;
		if (sname && sl && strncmp(n, sname, sl) == 0 && n[sl] == '.' &&
		    strcmp(n + sl + 1, name) == 0)
			return &labels[i];
		if (!plain && strcmp(n, name) == 0)
			plain = &labels[i];
	}
	return plain;
}

const char *fields_label(const char *name)
{
	const struct label *l = label_row(NULL, name);
	return l ? l->label : NULL;
}

/* A field's label in schema s: the table's, else its name in words. */
static void label_of(const struct schema *s, const char *name, char out[WORDS_MAX])
{
	const struct label *l = label_row(s ? s->name : NULL, name);
	if (l)
		snprintf(out, WORDS_MAX, "%s", l->label);
	else
		words_code(name, out);
}

void fields_id(const char *path, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *s = path; *s && n + 1 < cap; s++) {
		if (*s == ']')
			continue;
		out[n++] = *s == '.' || *s == '[' ? '-' : *s;
	}
	out[n] = '\0';
}

/* Whether top-level field name is drawn and read under o. */
static bool wanted(const struct schema_field *f, const struct fields_opts *o, bool top)
{
	if (f->flags & SCH_SERVER)
		return false;
	if (o && !o->case_team && (f->flags & SCH_CASE_TEAM))
		return false;
	if (top && o && o->only) {
		bool in = false;
		for (const char *const *n = o->only; *n; n++)
			in |= strcmp(*n, f->name) == 0;
		if (!in)
			return false;
	}
	/* An id is chosen from a list, never typed. */
	if (f->type == SCH_ID && !(top && o && json_object_get(o->choices, f->name)))
		return false;
	return true;
}

/* An instant's local date and time in the server's zone (whatever the
 * clocks did that day). */
static bool local_parts(int64_t t, int *day, int *h, int *mi)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		return false;
	*day = date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	*h = tm.tm_hour;
	*mi = tm.tm_min;
	return true;
}

/* The value to show in an input: as typed, or the stored value in the
 * input's own format (a datetime-local for an instant). */
static void show_value(const struct schema_field *f, const json_t *v, struct buf *out)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		int64_t t;
		int day, h, mi;
		if (f->type == SCH_INSTANT && instant_parse(s, &t) &&
		    local_parts(t, &day, &h, &mi)) {
			char ymd[DATE_TEXT_LEN];
			date_format(day, ymd);
			buf_addf(out, "%sT%02d:%02d", ymd, h, mi);
			return;
		}
		buf_adds(out, s);
	} else if (json_is_integer(v)) {
		buf_addf(out, "%lld", (long long)json_integer_value(v));
	} else if (json_is_true(v)) {
		buf_adds(out, "yes");
	} else if (json_is_false(v)) {
		buf_adds(out, "no");
	}
}

static json_t *options(const struct schema_field *f, const json_t *choices, const char *chosen)
{
	json_t *opts = json_array();
	json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", "", "text", "Choose",
					      "selected", !chosen || !chosen[0]));
	size_t i;
	const json_t *c;
	json_array_foreach(choices, i, c)
	{
		const char *v = json_string_value(json_object_get(c, "value"));
		const char *t = json_string_value(json_object_get(c, "text"));
		if (v && t)
			json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", v, "text",
							      t, "selected",
							      chosen && strcmp(chosen, v) == 0));
	}
	for (const char *const *v = choices ? NULL : f->values; v && *v; v++) {
		char w[WORDS_MAX];
		words_code(*v, w);
		json_array_append_new(opts,
				      json_pack("{s:s, s:s, s:b}", "value", *v, "text", w,
						"selected", chosen && strcmp(chosen, *v) == 0));
	}
	return opts;
}

static json_t *describe(const struct schema *s, const char *prefix, const json_t *values,
			const json_t *errors, const struct fields_opts *o);

static void join_path(char *out, size_t cap, const char *prefix, const char *name)
{
	snprintf(out, cap, prefix[0] ? "%.60s.%.30s" : "%.60s%.30s", prefix, name);
}

static json_t *describe_field(const struct schema *s, const struct schema_field *f,
			      const char *path, const json_t *v, const json_t *errors,
			      const struct fields_opts *o, bool top)
{
	char id[PATH_MAX_LEN];
	fields_id(path, id, sizeof id);
	char label[WORDS_MAX];
	label_of(s, f->name, label);
	/* Every key a field's template reads is set, false when it does not
	 * apply: Mustache would otherwise find an enclosing field's value. */
	json_t *o_ = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}",
			       "id", id, "name", path, "label", label, "is_group", 0, "is_rows", 0,
			       "is_checkboxes", 0, "is_bool", 0, "is_select", 0, "is_textarea", 0,
			       "is_date", 0, "is_datetime", 0, "is_number", 0, "is_text", 0);
	if (!o_)
		return NULL;
	const struct label *row = label_row(s->name, f->name);
	const char *hint = row ? row->hint : NULL;
	json_object_set_new(o_, "hint", hint ? json_string(hint) : json_false());
	const char *err = json_string_value(json_object_get(errors, id));
	json_object_set_new(o_, "error", err ? json_string(err) : json_false());
	json_object_set_new(o_, "required", json_boolean(f->flags & SCH_REQUIRED));
	/* Where the error summary's link goes: the first input of the field. */
	char anchor[PATH_MAX_LEN + 48];
	snprintf(anchor, sizeof anchor, "%s", id);
	const json_t *choices = top && o ? json_object_get(o->choices, f->name) : NULL;
	struct buf val = BUF_INIT;
	switch (choices ? SCH_ENUM : f->type) {
	case SCH_OBJECT:
		json_object_set_new(o_, "is_group", json_true());
		json_object_set_new(o_, "fields", describe(f->object, path, v, errors, o));
		break;
	case SCH_ARRAY:
		if (f->object) {
			json_t *rows = json_array();
			size_t have = json_array_size(v);
			char w[WORDS_MAX];
			label_of(NULL, f->object->name, w);
			for (size_t i = 0; i < have + FIELDS_ROWS_EXTRA && i < ROWS_MAX; i++) {
				char sub[PATH_MAX_LEN], legend[WORDS_MAX + 8];
				snprintf(sub, sizeof sub, "%.80s.%zu", path, i);
				snprintf(legend, sizeof legend, "%s %zu", w, i + 1);
				json_array_append_new(
				    rows, json_pack("{s:s, s:o}", "legend", legend, "fields",
						    describe(f->object, sub, json_array_get(v, i),
							     errors, o)));
			}
			json_object_set_new(o_, "is_rows", json_true());
			json_object_set_new(o_, "rows", rows);
		} else {
			json_t *opts = json_array();
			for (const char *const *c = f->values; c && *c; c++) {
				bool on = false;
				size_t i;
				const json_t *x;
				json_array_foreach(v, i, x) on |=
				    json_is_string(x) && strcmp(json_string_value(x), *c) == 0;
				char w[WORDS_MAX], oid[PATH_MAX_LEN + 40];
				words_code(*c, w);
				snprintf(oid, sizeof oid, "%.90s-%.40s", id, *c);
				if (c == f->values)
					snprintf(anchor, sizeof anchor, "%s", oid);
				json_array_append_new(opts, json_pack("{s:s, s:s, s:s, s:b}", "id",
								      oid, "value", *c, "text", w,
								      "checked", on));
			}
			json_object_set_new(o_, "is_checkboxes", json_true());
			json_object_set_new(o_, "options", opts);
		}
		break;
	case SCH_BOOL: {
		show_value(f, v, &val);
		const char *t = val.p ? val.p : "";
		json_object_set_new(o_, "is_bool", json_true());
		json_object_set_new(o_, "yes", json_boolean(strcmp(t, "yes") == 0));
		json_object_set_new(o_, "no", json_boolean(strcmp(t, "no") == 0));
		snprintf(anchor, sizeof anchor, "%s-yes", id);
		break;
	}
	case SCH_ENUM:
		show_value(f, v, &val);
		json_object_set_new(o_, "is_select", json_true());
		json_object_set_new(o_, "options", options(f, choices, val.p));
		break;
	case SCH_TEXT:
		show_value(f, v, &val);
		json_object_set_new(o_, "is_textarea", json_true());
		break;
	case SCH_DATE:
		show_value(f, v, &val);
		json_object_set_new(o_, "is_date", json_true());
		break;
	case SCH_INSTANT:
		show_value(f, v, &val);
		json_object_set_new(o_, "is_datetime", json_true());
		break;
	case SCH_INT:
		show_value(f, v, &val);
		json_object_set_new(o_, "is_number", json_true());
		break;
	default:
		show_value(f, v, &val);
		json_object_set_new(o_, "is_text", json_true());
		break;
	}
	json_object_set_new(o_, "value", json_string(val.p ? val.p : ""));
	json_object_set_new(o_, "anchor", json_string(anchor));
	buf_free(&val);
	return o_;
}

static json_t *describe(const struct schema *s, const char *prefix, const json_t *values,
			const json_t *errors, const struct fields_opts *o)
{
	json_t *out = json_array();
	bool top = prefix[0] == '\0';
	for (size_t i = 0; i < s->count; i++) {
		const struct schema_field *f = &s->fields[i];
		if (!wanted(f, o, top))
			continue;
		char path[PATH_MAX_LEN];
		join_path(path, sizeof path, prefix, f->name);
		json_t *d =
		    describe_field(s, f, path, json_object_get(values, f->name), errors, o, top);
		if (d)
			json_array_append_new(out, d);
	}
	return out;
}

json_t *fields_describe_opts(const struct schema *s, const json_t *values, const json_t *errors,
			     const struct fields_opts *o)
{
	return describe(s, "", values, errors, o);
}

json_t *fields_describe(const struct schema *s, const json_t *values, const json_t *errors,
			bool case_team)
{
	struct fields_opts o = {.case_team = case_team};
	return describe(s, "", values, errors, &o);
}

/* ---- reading a posted form ---- */

static void add_error(json_t *errors, const char *path, const char *message)
{
	char id[PATH_MAX_LEN];
	fields_id(path, id, sizeof id);
	if (errors && !json_object_get(errors, id))
		json_object_set_new(errors, id, json_string(message));
}

/* "2026-03-27", "27/3/2026", "27-03-2026", "27.3.2026" or "27 3 2026" as
 * a day. */
static bool read_date(const char *s, int *day)
{
	if (date_parse(s, day))
		return true;
	int d, m, y;
	char sep1, sep2, tail;
	if (sscanf(s, "%d%c%d%c%d%c", &d, &sep1, &m, &sep2, &y, &tail) != 5)
		return false;
	if (sep1 != sep2 || (sep1 != '/' && sep1 != '-' && sep1 != ' ' && sep1 != '.'))
		return false;
	if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m))
		return false;
	*day = date_from_ymd(y, m, d);
	return true;
}

/* A local date and time in the server's zone as an instant: mktime knows
 * the zone's offset on that day, so 10:00 on the day the clocks go forward
 * is 09:00 UTC, not 10:00. A time the clocks skip reads as the hour after. */
static int64_t local_instant(int day, int h, int mi, int sec)
{
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = m - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = sec,
			.tm_isdst = -1};
	return (int64_t)mktime(&tm);
}

/* "2026-12-04T10:00" (the browser's local date and time), "27/3/2026
 * 14:30" (typed where the browser has no picker), or an RFC 3339 instant,
 * as an RFC 3339 instant in UTC. */
static bool read_instant(const char *s, char out[INSTANT_TEXT_LEN])
{
	int64_t t;
	if (instant_parse(s, &t)) {
		instant_format(t, out);
		return true;
	}
	/* The date is everything before the last 'T', ' ' or " at ". */
	const char *cut = strrchr(s, 'T');
	const char *sp = strrchr(s, ' ');
	if (!cut || (sp && sp > cut))
		cut = sp;
	if (!cut || cut == s)
		return false;
	char ymd[32];
	size_t dl = (size_t)(cut - s);
	if (dl >= 3 && strncmp(cut - 3, " at", 3) == 0)
		dl -= 3;
	if (dl >= sizeof ymd)
		return false;
	memcpy(ymd, s, dl);
	ymd[dl] = '\0';
	int day, h, mi, sec = 0;
	if (!read_date(ymd, &day))
		return false;
	char tail;
	int got = sscanf(cut + 1, "%2d:%2d:%2d%c", &h, &mi, &sec, &tail);
	if (got != 2 && got != 3)
		return false;
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return false;
	instant_format(local_instant(day, h, mi, sec), out);
	return true;
}

/* Whether the form has any field under prefix ("goals.3."). */
static bool has_prefix(const struct form *f, const char *prefix)
{
	size_t n = strlen(prefix);
	for (size_t i = 0; i < f->n; i++)
		if (strncmp(f->name[i], prefix, n) == 0)
			return true;
	return false;
}

static json_t *read_object(const struct schema *s, const char *prefix, const struct form *f,
			   enum fields_mode mode, const struct fields_opts *o, json_t *errors);

/* One scalar as its field takes it; NULL (and an error) when it cannot be. */
static json_t *read_scalar(const struct schema_field *fd, const char *path, const char *v,
			   json_t *errors)
{
	switch (fd->type) {
	case SCH_INT: {
		char *end;
		while (*v == ' ')
			v++;
		long long n = strtoll(v, &end, 10);
		while (*end == ' ')
			end++;
		if (end == v || *end) {
			add_error(errors, path, "Enter a whole number, in figures");
			return NULL;
		}
		return json_integer(n);
	}
	case SCH_BOOL:
		if (strcmp(v, "yes") == 0)
			return json_true();
		if (strcmp(v, "no") == 0)
			return json_false();
		add_error(errors, path, "Choose yes or no");
		return NULL;
	case SCH_DATE: {
		int day;
		if (!read_date(v, &day)) {
			add_error(errors, path, "Enter a real date, for example 27/3/2026");
			return NULL;
		}
		char ymd[DATE_TEXT_LEN];
		date_format(day, ymd);
		return json_string(ymd);
	}
	case SCH_INSTANT: {
		char t[INSTANT_TEXT_LEN];
		if (!read_instant(v, t)) {
			add_error(errors, path,
				  "Enter a real date and time, for example 27/3/2026 14:30");
			return NULL;
		}
		return json_string(t);
	}
	case SCH_TEXT: {
		/* Browsers send a text area's line ends as CRLF. */
		struct buf b = BUF_INIT;
		for (const char *c = v; *c; c++)
			if (!(c[0] == '\r' && c[1] == '\n'))
				buf_addc(&b, *c);
		char *t = buf_take(&b, NULL);
		json_t *j = t ? json_string(t) : NULL;
		free(t);
		return j;
	}
	default:
		return json_string(v);
	}
}

static bool blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return *s == '\0';
}

/* Whether row (a prefix "goals.2") holds anything: a blank row is not a row. */
static bool row_filled(const struct schema *s, const char *row, const struct form *f,
		       const struct fields_opts *o)
{
	json_t *scratch = json_object();
	json_t *r = read_object(s, row, f, FIELDS_CREATE, o, scratch);
	bool filled = json_object_size(r) > 0 || json_object_size(scratch) > 0;
	json_decref(r);
	json_decref(scratch);
	return filled;
}

/* Whether every member of o is null (or o has none). */
static bool all_null(const json_t *o)
{
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)o, k, v) if (!json_is_null(v)) return false;
	return true;
}

static void read_field(json_t *out, const struct schema_field *fd, const char *path,
		       const struct form *f, enum fields_mode mode, const struct fields_opts *o,
		       bool top, json_t *errors)
{
	char sub[PATH_MAX_LEN + 8];
	const json_t *choices = top && o ? json_object_get(o->choices, fd->name) : NULL;
	if (fd->type == SCH_OBJECT) {
		snprintf(sub, sizeof sub, "%s.", path);
		if (!has_prefix(f, sub))
			return; /* not in this form */
		json_t *obj = read_object(fd->object, path, f, mode, o, errors);
		if (obj && mode == FIELDS_CHANGE && all_null(obj)) {
			/* Nothing in the group: cleared, not stored as an empty
			 * object that differs from none. */
			json_decref(obj);
			json_object_set_new(out, fd->name, json_null());
		} else if (obj && (mode == FIELDS_CHANGE || json_object_size(obj))) {
			json_object_set_new(out, fd->name, obj);
		} else {
			json_decref(obj);
		}
		return;
	}
	if (fd->type == SCH_ARRAY && fd->object) {
		snprintf(sub, sizeof sub, "%s.", path);
		if (!has_prefix(f, sub))
			return;
		json_t *rows = json_array();
		for (int i = 0; i < ROWS_MAX; i++) {
			char row[PATH_MAX_LEN + 8];
			snprintf(row, sizeof row, "%.80s.%d.", path, i);
			if (!has_prefix(f, row))
				continue;
			snprintf(row, sizeof row, "%.80s.%d", path, i);
			if (!row_filled(fd->object, row, f, o))
				continue;
			json_t *r = read_object(fd->object, row, f, FIELDS_CREATE, o, errors);
			if (r)
				json_array_append_new(rows, r);
		}
		if (mode == FIELDS_CHANGE || json_array_size(rows))
			json_object_set_new(out, fd->name, rows);
		else
			json_decref(rows);
		return;
	}
	if (fd->type == SCH_ARRAY) {
		/* Check boxes: a hidden empty input says the group was there. */
		bool present = false;
		json_t *vals = json_array();
		for (size_t i = 0; i < f->n; i++) {
			if (strcmp(f->name[i], path) != 0)
				continue;
			present = true;
			if (!blank(f->value[i]))
				json_array_append_new(vals, json_string(f->value[i]));
		}
		if (present && (mode == FIELDS_CHANGE || json_array_size(vals)))
			json_object_set_new(out, fd->name, vals);
		else
			json_decref(vals);
		return;
	}
	const char *v = form_get(f, path);
	if (!v)
		return; /* not in this form */
	if (blank(v)) {
		if (mode == FIELDS_CHANGE)
			json_object_set_new(out, fd->name, json_null());
		return;
	}
	json_t *j = choices ? json_string(v) : read_scalar(fd, path, v, errors);
	if (j)
		json_object_set_new(out, fd->name, j);
}

static json_t *read_object(const struct schema *s, const char *prefix, const struct form *f,
			   enum fields_mode mode, const struct fields_opts *o, json_t *errors)
{
	json_t *out = json_object();
	bool top = prefix[0] == '\0';
	for (size_t i = 0; out && i < s->count; i++) {
		const struct schema_field *fd = &s->fields[i];
		if (!wanted(fd, o, top))
			continue;
		char path[PATH_MAX_LEN];
		join_path(path, sizeof path, prefix, fd->name);
		read_field(out, fd, path, f, mode, o, top, errors);
	}
	return out;
}

json_t *fields_read_opts(const struct schema *s, const struct form *f, enum fields_mode mode,
			 const struct fields_opts *o, json_t *errors)
{
	return read_object(s, "", f, mode, o, errors);
}

json_t *fields_read(const struct schema *s, const struct form *f, enum fields_mode mode,
		    bool case_team, json_t *errors)
{
	struct fields_opts o = {.case_team = case_team};
	return read_object(s, "", f, mode, &o, errors);
}

/* ---- required fields left empty ---- */

static void missing_message(const struct schema *s, const struct schema_field *fd,
			    char out[WORDS_MAX * 2])
{
	const struct label *l = label_row(s->name, fd->name);
	if (l && l->missing) {
		snprintf(out, WORDS_MAX * 2, "%s", l->missing);
		return;
	}
	char w[WORDS_MAX];
	label_of(s, fd->name, w);
	/* "Known as" -> "Enter known as"; an acronym keeps its capitals. */
	if (w[0] >= 'A' && w[0] <= 'Z' && !(w[1] >= 'A' && w[1] <= 'Z'))
		w[0] = (char)(w[0] - 'A' + 'a');
	bool choose = fd->type == SCH_ENUM || fd->type == SCH_BOOL || fd->type == SCH_ID;
	snprintf(out, WORDS_MAX * 2, "%s %s", choose ? "Choose" : "Enter", w);
}

static void missing_in(const struct schema *s, const char *prefix, const struct form *f,
		       enum fields_mode mode, const struct fields_opts *o, json_t *errors)
{
	bool top = prefix[0] == '\0';
	for (size_t i = 0; i < s->count; i++) {
		const struct schema_field *fd = &s->fields[i];
		if (!wanted(fd, o, top))
			continue;
		char path[PATH_MAX_LEN], sub[PATH_MAX_LEN + 8];
		join_path(path, sizeof path, prefix, fd->name);
		if (fd->type == SCH_OBJECT) {
			snprintf(sub, sizeof sub, "%s.", path);
			if (has_prefix(f, sub))
				missing_in(fd->object, path, f, mode, o, errors);
			continue;
		}
		if (fd->type == SCH_ARRAY && fd->object) {
			for (int r = 0; r < ROWS_MAX; r++) {
				snprintf(sub, sizeof sub, "%.80s.%d", path, r);
				if (row_filled(fd->object, sub, f, o))
					missing_in(fd->object, sub, f, FIELDS_CREATE, o, errors);
			}
			continue;
		}
		if (!(fd->flags & SCH_REQUIRED) || fd->type == SCH_ARRAY)
			continue;
		const char *v = form_get(f, path);
		if ((v && blank(v)) || (!v && mode == FIELDS_CREATE)) {
			char msg[WORDS_MAX * 2];
			missing_message(s, fd, msg);
			add_error(errors, path, msg);
		}
	}
}

void fields_missing(const struct schema *s, const struct form *f, enum fields_mode mode,
		    const struct fields_opts *o, json_t *errors)
{
	missing_in(s, "", f, mode, o, errors);
}

/* ---- the API's errors, for a person ---- */

/* The declaration of path ("goals[0].text") in s, and the schema it is
 * in; NULL when s has none. */
static const struct schema_field *find_path(const struct schema *s, const char *path,
					    const struct schema **in)
{
	char name[PATH_MAX_LEN];
	const char *p = path;
	const struct schema_field *fd = NULL;
	while (s && *p) {
		size_t n = strcspn(p, ".[");
		if (n == 0 || n >= sizeof name)
			return NULL;
		memcpy(name, p, n);
		name[n] = '\0';
		fd = schema_find(s, name);
		if (!fd)
			return NULL;
		*in = s;
		p += n;
		if (*p == '[') {
			p = strchr(p, ']');
			if (!p)
				return NULL;
			p++;
		}
		if (*p == '.')
			p++;
		s = *p ? fd->object : NULL;
		if (*p && !s)
			return NULL;
	}
	return fd;
}

void fields_error_id(const struct schema *s, const struct form *f, const char *path, char *out,
		     size_t cap)
{
	/* Rebuild the path with each [n] as the n-th filled row of the form. */
	char mapped[PATH_MAX_LEN * 2] = "";
	size_t m = 0;
	const char *p = path;
	while (*p && m + 1 < sizeof mapped) {
		if (*p != '[') {
			mapped[m++] = *p++;
			continue;
		}
		char *end;
		long want = strtol(p + 1, &end, 10);
		if (*end != ']' || want < 0)
			break;
		mapped[m] = '\0';
		const struct schema *in = NULL;
		const struct schema_field *fd = find_path(s, mapped, &in);
		long row = want;
		if (fd && fd->type == SCH_ARRAY && fd->object) {
			long seen = -1;
			for (int r = 0; r < ROWS_MAX; r++) {
				/* The form's name: "a[2].b" is "a.2.b". */
				char sub[PATH_MAX_LEN * 2 + 16];
				size_t k = 0;
				for (size_t j = 0; j < m && k + 1 < sizeof sub; j++)
					if (mapped[j] != ']')
						sub[k++] = mapped[j] == '[' ? '.' : mapped[j];
				snprintf(sub + k, sizeof sub - k, ".%d", r);
				if (row_filled(fd->object, sub, f, NULL) && ++seen == want) {
					row = r;
					break;
				}
			}
		}
		m += (size_t)snprintf(mapped + m, sizeof mapped - m, "[%ld]", row);
		p = end + 1;
	}
	mapped[m < sizeof mapped ? m : sizeof mapped - 1] = '\0';
	fields_id(mapped, out, cap);
}

/* Appends label to out, lower-cased unless it starts the sentence or is an
 * acronym ("GP", "ARC"). */
static void add_label(struct buf *out, const char *label)
{
	bool start = out->len == 0;
	if (!start && label[0] >= 'A' && label[0] <= 'Z' && !(label[1] >= 'A' && label[1] <= 'Z')) {
		buf_addc(out, (char)(label[0] - 'A' + 'a'));
		buf_adds(out, label + 1);
	} else {
		buf_adds(out, label);
	}
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
	       c == '[' || c == ']';
}

char *fields_error_text(const struct schema *s, const char *path, const char *message)
{
	const struct schema *in = s;
	const struct schema_field *fd = path && path[0] ? find_path(s, path, &in) : NULL;
	struct buf out = BUF_INIT;
	size_t pl = path ? strlen(path) : 0;
	if (fd && pl && strncmp(message, path, pl) == 0) {
		const char *rest = message + pl;
		char msg[WORDS_MAX * 2];
		if (strcmp(rest, " is required") == 0 || strcmp(rest, " must not be blank") == 0) {
			missing_message(in, fd, msg);
			buf_adds(&out, msg);
			return buf_take(&out, NULL);
		}
		char w[WORDS_MAX];
		label_of(in, fd->name, w);
		if (strcmp(rest, " is in the future") == 0) {
			buf_addf(&out, "%s must be today or in the past", w);
			return buf_take(&out, NULL);
		}
		if (fd->type == SCH_LANGTAG) {
			buf_addf(&out, "%s must be a language code, for example ti for Tigrinya",
				 w);
			return buf_take(&out, NULL);
		}
		if (fd->type == SCH_COUNTRY) {
			buf_addf(&out, "%s must be two capital letters, for example ER for Eritrea",
				 w);
			return buf_take(&out, NULL);
		}
	}
	/* Otherwise the API's own sentence, each field name in it (a word with
	 * '_', or the path) read as its label. */
	for (const char *c = message; *c;) {
		if (!ident_char(*c) || (c > message && ident_char(c[-1]))) {
			buf_addc(&out, *c++);
			continue;
		}
		size_t n = 0;
		while (ident_char(c[n]))
			n++;
		while (n && (c[n - 1] == '.'))
			n--; /* a full stop ends the sentence, not the path */
		char tok[PATH_MAX_LEN];
		const struct schema *tin = s;
		const struct schema_field *tf = NULL;
		if (n < sizeof tok) {
			memcpy(tok, c, n);
			tok[n] = '\0';
			bool named = (pl && strcmp(tok, path) == 0) || strchr(tok, '_');
			if (named)
				tf = find_path(s, tok, &tin);
		}
		if (tf) {
			char w[WORDS_MAX];
			label_of(tin, tf->name, w);
			add_label(&out, w);
		} else {
			buf_add(&out, c, n ? n : 1);
		}
		c += n ? n : 1;
	}
	if (out.len && out.p[0] >= 'a' && out.p[0] <= 'z')
		out.p[0] = (char)(out.p[0] - 'a' + 'A');
	return buf_take(&out, NULL);
}

/* ---- a value in words, and what changed ---- */

static void value_words(const struct schema *s, const struct schema_field *f, const json_t *v,
			struct buf *out)
{
	char w[WORDS_MAX];
	if (!v || json_is_null(v)) {
		buf_adds(out, "Not given");
		return;
	}
	if (json_is_boolean(v)) {
		buf_adds(out, json_is_true(v) ? "Yes" : "No");
		return;
	}
	if (json_is_string(v)) {
		const char *t = json_string_value(v);
		int64_t at;
		int day, h, mi;
		if (f->type == SCH_ENUM) {
			words_code(t, w);
			buf_adds(out, w);
		} else if (f->type == SCH_DATE && words_date(t, w)) {
			buf_adds(out, w);
		} else if (f->type == SCH_INSTANT && instant_parse(t, &at) &&
			   local_parts(at, &day, &h, &mi)) {
			char ymd[DATE_TEXT_LEN];
			date_format(day, ymd);
			words_date(ymd, w);
			buf_addf(out, "%s, %02d:%02d", w, h, mi);
		} else {
			buf_adds(out, t[0] ? t : "Not given");
		}
		return;
	}
	if (json_is_integer(v)) {
		buf_addf(out, "%lld", (long long)json_integer_value(v));
		return;
	}
	if (json_is_object(v) && f->object) {
		size_t before = out->len;
		for (size_t i = 0; i < f->object->count; i++) {
			const struct schema_field *sf = &f->object->fields[i];
			const json_t *x = json_object_get(v, sf->name);
			if (!x || json_is_null(x))
				continue;
			if (out->len > before)
				buf_adds(out, "; ");
			label_of(f->object, sf->name, w);
			buf_addf(out, "%s: ", w);
			value_words(f->object, sf, x, out);
		}
		if (out->len == before)
			buf_adds(out, "Not given");
		return;
	}
	if (json_is_array(v)) {
		if (json_array_size(v) == 0) {
			buf_adds(out, "None");
			return;
		}
		size_t i;
		const json_t *x;
		json_array_foreach(v, i, x)
		{
			if (i)
				buf_adds(out, f->object ? " | " : ", ");
			if (f->object) {
				struct schema_field row = *f;
				row.type = SCH_OBJECT;
				value_words(s, &row, x, out);
			} else if (json_is_string(x)) {
				words_code(json_string_value(x), w);
				buf_adds(out, w);
			}
		}
	}
}

static bool in_list(const json_t *list, const char *name)
{
	size_t i;
	const json_t *x;
	json_array_foreach(list, i, x) if (json_is_string(x) &&
					   strcmp(json_string_value(x), name) == 0) return true;
	return false;
}

json_t *fields_compare(const struct schema *s, const json_t *entered, const json_t *saved,
		       const json_t *changed, const struct fields_opts *o)
{
	json_t *rows = json_array();
	for (size_t i = 0; rows && i < s->count; i++) {
		const struct schema_field *f = &s->fields[i];
		if (!wanted(f, o, true))
			continue;
		struct buf a = BUF_INIT, b = BUF_INIT;
		value_words(s, f, json_object_get(entered, f->name), &a);
		value_words(s, f, json_object_get(saved, f->name), &b);
		bool meanwhile = in_list(changed, f->name);
		bool differ = strcmp(a.p ? a.p : "", b.p ? b.p : "") != 0;
		if (meanwhile || differ) {
			char w[WORDS_MAX];
			label_of(s, f->name, w);
			json_array_append_new(rows,
					      json_pack("{s:s, s:s, s:s, s:b}", "label", w,
							"entered", a.p ? a.p : "", "saved",
							b.p ? b.p : "", "meanwhile", meanwhile));
		}
		buf_free(&a);
		buf_free(&b);
	}
	return rows;
}

/* ---- echoing what was typed ---- */

static json_t *echo_object(const struct schema *s, const char *prefix, const struct form *f)
{
	json_t *out = json_object();
	for (size_t i = 0; out && i < s->count; i++) {
		const struct schema_field *fd = &s->fields[i];
		char path[PATH_MAX_LEN];
		join_path(path, sizeof path, prefix, fd->name);
		if (fd->type == SCH_OBJECT) {
			json_object_set_new(out, fd->name, echo_object(fd->object, path, f));
		} else if (fd->type == SCH_ARRAY && fd->object) {
			json_t *rows = json_array();
			for (int r = 0; r < ROWS_MAX; r++) {
				char row[PATH_MAX_LEN + 8];
				snprintf(row, sizeof row, "%.80s.%d.", path, r);
				if (!has_prefix(f, row))
					continue;
				snprintf(row, sizeof row, "%.80s.%d", path, r);
				json_array_append_new(rows, echo_object(fd->object, row, f));
			}
			json_object_set_new(out, fd->name, rows);
		} else if (fd->type == SCH_ARRAY) {
			json_t *vals = json_array();
			for (size_t k = 0; k < f->n; k++)
				if (strcmp(f->name[k], path) == 0 && f->value[k][0])
					json_array_append_new(vals, json_string(f->value[k]));
			json_object_set_new(out, fd->name, vals);
		} else {
			const char *v = form_get(f, path);
			if (v)
				json_object_set_new(out, fd->name, json_string(v));
		}
	}
	return out;
}

json_t *fields_echo(const struct schema *s, const struct form *f)
{
	return echo_object(s, "", f);
}
