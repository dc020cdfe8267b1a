/*
 * fields.c - forms drawn from the record's declarations (fields.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/date.h"
#include "../util/buf.h"
#include "words.h"

#define PATH_MAX_LEN 96
#define ROWS_MAX     50 /* rows of a list read from one form */
/* A row's path is a path of at most PATH_MAX_LEN - 1 bytes and a row number
 * below ROWS_MAX, so it fits its PATH_MAX_LEN + 8 buffer; GCC at -O1 (the
 * ASan build) cannot see the number's bound and would stop the build. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* What people read for a field, and a hint where the name alone is not
 * enough. Names not here are read as words ("first_responder" ->
 * "First responder"). */
static const struct {
	const char *name, *label, *hint;
} labels[] = {
    {"known_as", "Known as",
     "The name the survivor wants to be called. It can differ from any legal name."},
    {"legal_name", "Legal name", NULL},
    {"birth_year", "Year of birth", "For example, 1994"},
    {"nationality", "Nationality", "Two letters, for example ER for Eritrea, AL for Albania"},
    {"languages", "Languages", NULL},
    {"code", "Language", "For example ti (Tigrinya), sq (Albanian), ar (Arabic), vi (Vietnamese)"},
    {"language", "Language", "For example ti (Tigrinya), sq (Albanian), ar (Arabic)"},
    {"interpreter_needed", "Interpreter needed", NULL},
    {"interpreter_gender", "Interpreter's gender", NULL},
    {"entered_service_on", "Entered the service on", NULL},
    {"exploitation_types", "Kinds of exploitation", NULL},
    {"pregnant", "Pregnant", NULL},
    {"due_on", "Due date", NULL},
    {"dependants", "Dependants", NULL},
    {"contact", "Safe contact", "Only ways of contact the survivor says are safe"},
    {"phone", "Phone number", NULL},
    {"safe_to_call", "Safe to call", NULL},
    {"safe_voicemail", "Safe to leave a voicemail", NULL},
    {"safe_letters", "Safe to send letters", NULL},
    {"address", "Address", NULL},
    {"care_needs", "Care needs", NULL},
    {"clinician_gender", "Clinician's gender", NULL},
    {"advocate_attends", "Advocate goes too", NULL},
    {"approach_with_care", "Approach with care",
     "What clinicians should know, for example no examination by a man"},
    {"other", "Other needs", NULL},
    {"kind", "Kind", NULL},
    {"starts_at", "Date and time", NULL},
    {"duration_min", "Length in minutes", NULL},
    {"provider", "Where", "GP practice, clinic, hospital or service"},
    {"interpreter", "Interpreter", NULL},
    {"needed", "Interpreter needed", NULL},
    {"booked", "Interpreter booked", NULL},
    {"provided", "Interpreter came", NULL},
    {"status", "Status", NULL},
    {"cancelled_by", "Cancelled by",
     "Who cancelled it. A cancellation by a third party or someone unknown raises a critical "
     "alert."},
    {"notes", "Notes", NULL},
    {"service", "Service", NULL},
    {"person", "Who", "survivor, or dependant:1 for the first dependant"},
    {"registered_on", "Registered on", NULL},
    {"refused_on", "Refused on", NULL},
    {"refusal_reason", "Reason given for refusing",
     "No proof of address, ID, immigration status or NHS number is needed to register with a GP"},
    {"sent_on", "Sent on", NULL},
    {"accepted_on", "Accepted on", NULL},
    {"first_seen_on", "First seen on", NULL},
    {"rejected_on", "Rejected on", NULL},
    {"rejection_reason", "Reason for rejecting", NULL},
    {"closed_on", "Closed on", NULL},
    {"name", "Medicine", NULL},
    {"category", "Kind of medicine", NULL},
    {"started_on", "Started on", NULL},
    {"stopped_on", "Stopped on", NULL},
    {"explained", "Explained to the survivor", NULL},
    {"explained_in_own_language", "Explained in their own language", NULL},
    {"body", "Note", NULL},
    {"purpose", "What the consent is for", NULL},
    {"org_id", "Organisation", NULL},
    {"given_on", "Given on", NULL},
    {"withdrawn_on", "Withdrawn on", NULL},
    {"method", "How it was given", NULL},
    {"interpreter_used", "An interpreter was used", NULL},
    {"referred_on", "Referred on", NULL},
    {"first_responder", "First responder", NULL},
    {"duty_to_notify_only", "Duty to notify only (no referral)", NULL},
    {"rg_decision_on", "Reasonable grounds decision on", NULL},
    {"rg_outcome", "Reasonable grounds outcome", NULL},
    {"recovery_period_ends_on", "Recovery period ends on", NULL},
    {"cg_decision_on", "Conclusive grounds decision on", NULL},
    {"cg_outcome", "Conclusive grounds outcome", NULL},
    {"reconsideration_requested_on", "Reconsideration requested on", NULL},
    {"support", "Support", NULL},
    {"claimed_on", "Claimed on", NULL},
    {"arc_issued", "ARC issued", NULL},
    {"screening_on", "Screening interview on", NULL},
    {"substantive_interview_on", "Substantive interview on", NULL},
    {"decision_on", "Decision on", NULL},
    {"outcome", "Outcome", NULL},
    {"appeal_lodged_on", "Appeal lodged on", NULL},
    {"legal_representative", "Has a legal representative", NULL},
    {"review_every_days", "Review every (days)",
     "How often the plan is reviewed with the survivor"},
    {"goals", "Goals", NULL},
    {"domain", "Area of life", NULL},
    {"text", "Goal", NULL},
    {"on", "Reviewed on", NULL},
    {"rule", "Alert", NULL},
    {"item_id", "About", NULL},
    {"until", "Snooze until", "At most 30 days ahead; 2 days for a critical alert"},
    {"reason", "Reason", "What you did, or why it can wait"},
};

static const char *hint_of(const char *name)
{
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (strcmp(labels[i].name, name) == 0)
			return labels[i].hint;
	return NULL;
}

const char *fields_label(const char *name)
{
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (strcmp(labels[i].name, name) == 0)
			return labels[i].label;
	return NULL;
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

/* A field's label: the table's, else its name in words. */
static json_t *label_json(const char *name)
{
	const char *l = fields_label(name);
	if (l)
		return json_string(l);
	char w[WORDS_MAX];
	words_code(name, w);
	return json_string(w);
}

/* The value to show in an input: as typed, or the stored value in the
 * input's own format (a datetime-local for an instant). */
static void show_value(const struct schema_field *f, const json_t *v, struct buf *out)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		int64_t t;
		if (f->type == SCH_INSTANT && instant_parse(s, &t)) {
			char hm[8];
			int day;
			char ymd[DATE_TEXT_LEN];
			if (words_time(s, hm, &day)) {
				date_format(day, ymd);
				buf_addf(out, "%sT%s", ymd, hm);
				return;
			}
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

static json_t *options(const struct schema_field *f, const char *chosen, bool with_blank)
{
	json_t *opts = json_array();
	if (with_blank)
		json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", "", "text",
						      "Choose", "selected", !chosen || !chosen[0]));
	for (const char *const *v = f->values; v && *v; v++) {
		char w[WORDS_MAX];
		words_code(*v, w);
		json_array_append_new(opts,
				      json_pack("{s:s, s:s, s:b}", "value", *v, "text", w,
						"selected", chosen && strcmp(chosen, *v) == 0));
	}
	return opts;
}

static json_t *describe(const struct schema *s, const char *prefix, const json_t *values,
			const json_t *errors, bool case_team);

static json_t *describe_field(const struct schema_field *f, const char *path, const json_t *v,
			      const json_t *errors, bool case_team)
{
	char id[PATH_MAX_LEN];
	fields_id(path, id, sizeof id);
	/* Every key a field's template reads is set, false when it does not
	 * apply: Mustache would otherwise find an enclosing field's value. */
	json_t *o =
	    json_pack("{s:s, s:s, s:o, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}", "id", id,
		      "name", path, "label", label_json(f->name), "is_group", 0, "is_rows", 0,
		      "is_checkboxes", 0, "is_bool", 0, "is_select", 0, "is_textarea", 0, "is_date",
		      0, "is_datetime", 0, "is_number", 0, "is_text", 0);
	if (!o)
		return NULL;
	const char *hint = hint_of(f->name);
	json_object_set_new(o, "hint", hint ? json_string(hint) : json_false());
	const char *err = json_string_value(json_object_get(errors, id));
	json_object_set_new(o, "error", err ? json_string(err) : json_false());
	json_object_set_new(o, "required", json_boolean(f->flags & SCH_REQUIRED));
	struct buf val = BUF_INIT;
	switch (f->type) {
	case SCH_OBJECT:
		json_object_set_new(o, "is_group", json_true());
		json_object_set_new(o, "fields", describe(f->object, path, v, errors, case_team));
		break;
	case SCH_ARRAY:
		if (f->object) {
			json_t *rows = json_array();
			size_t have = json_array_size(v);
			for (size_t i = 0; i < have + FIELDS_ROWS_EXTRA && i < ROWS_MAX; i++) {
				char sub[PATH_MAX_LEN], legend[WORDS_MAX + 8];
				snprintf(sub, sizeof sub, "%.80s.%zu", path, i);
				char w[WORDS_MAX];
				words_code(f->object->name, w);
				snprintf(legend, sizeof legend, "%s %zu", w, i + 1);
				json_array_append_new(
				    rows, json_pack("{s:s, s:o}", "legend", legend, "fields",
						    describe(f->object, sub, json_array_get(v, i),
							     errors, case_team)));
			}
			json_object_set_new(o, "is_rows", json_true());
			json_object_set_new(o, "rows", rows);
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
				json_array_append_new(opts, json_pack("{s:s, s:s, s:s, s:b}", "id",
								      oid, "value", *c, "text", w,
								      "checked", on));
			}
			json_object_set_new(o, "is_checkboxes", json_true());
			json_object_set_new(o, "options", opts);
		}
		break;
	case SCH_BOOL: {
		show_value(f, v, &val);
		const char *s = val.p ? val.p : "";
		json_object_set_new(o, "is_bool", json_true());
		json_object_set_new(o, "yes", json_boolean(strcmp(s, "yes") == 0));
		json_object_set_new(o, "no", json_boolean(strcmp(s, "no") == 0));
		break;
	}
	case SCH_ENUM:
		show_value(f, v, &val);
		json_object_set_new(o, "is_select", json_true());
		json_object_set_new(o, "options", options(f, val.p, true));
		break;
	case SCH_TEXT:
		show_value(f, v, &val);
		json_object_set_new(o, "is_textarea", json_true());
		break;
	case SCH_DATE:
		show_value(f, v, &val);
		json_object_set_new(o, "is_date", json_true());
		break;
	case SCH_INSTANT:
		show_value(f, v, &val);
		json_object_set_new(o, "is_datetime", json_true());
		break;
	case SCH_INT:
		show_value(f, v, &val);
		json_object_set_new(o, "is_number", json_true());
		break;
	default:
		show_value(f, v, &val);
		json_object_set_new(o, "is_text", json_true());
		break;
	}
	json_object_set_new(o, "value", json_string(val.p ? val.p : ""));
	buf_free(&val);
	return o;
}

static json_t *describe(const struct schema *s, const char *prefix, const json_t *values,
			const json_t *errors, bool case_team)
{
	json_t *out = json_array();
	for (size_t i = 0; i < s->count; i++) {
		const struct schema_field *f = &s->fields[i];
		if ((f->flags & SCH_SERVER) || (!case_team && (f->flags & SCH_CASE_TEAM)))
			continue;
		char path[PATH_MAX_LEN];
		snprintf(path, sizeof path, prefix[0] ? "%.60s.%.30s" : "%.60s%.30s", prefix,
			 f->name);
		json_t *o =
		    describe_field(f, path, json_object_get(values, f->name), errors, case_team);
		if (o)
			json_array_append_new(out, o);
	}
	return out;
}

json_t *fields_describe(const struct schema *s, const json_t *values, const json_t *errors,
			bool case_team)
{
	return describe(s, "", values, errors, case_team);
}

/* ---- reading a posted form ---- */

static void add_error(json_t *errors, const char *path, const char *message)
{
	char id[PATH_MAX_LEN];
	fields_id(path, id, sizeof id);
	if (!json_object_get(errors, id))
		json_object_set_new(errors, id, json_string(message));
}

/* "2026-03-27", "27/3/2026", "27-03-2026" or "27 3 2026" as a day. */
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

/* "2026-12-04T10:00" (the browser's local date and time) or an RFC 3339
 * instant, as an RFC 3339 instant in UTC. */
static bool read_instant(const char *s, char out[INSTANT_TEXT_LEN])
{
	int64_t t;
	if (instant_parse(s, &t)) {
		instant_format(t, out);
		return true;
	}
	char ymd[11];
	int h, mi, sec = 0, day;
	size_t n = strlen(s);
	if (n < 16 || (s[10] != 'T' && s[10] != ' '))
		return false;
	memcpy(ymd, s, 10);
	ymd[10] = '\0';
	if (!date_parse(ymd, &day))
		return false;
	char tail;
	int got = sscanf(s + 11, "%2d:%2d:%2d%c", &h, &mi, &sec, &tail);
	if (got != 2 && got != 3)
		return false;
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return false;
	instant_format(date_local_start(day) + h * 3600 + mi * 60 + sec, out);
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
			   enum fields_mode mode, bool case_team, json_t *errors);

/* One scalar as its field takes it; NULL (and an error) when it cannot be. */
static json_t *read_scalar(const struct schema_field *fd, const char *path, const char *v,
			   json_t *errors)
{
	switch (fd->type) {
	case SCH_INT: {
		char *end;
		long long n = strtoll(v, &end, 10);
		while (*end == ' ')
			end++;
		if (end == v || *end) {
			add_error(errors, path, "Enter a whole number");
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
				  "Enter a real date and time, for example 27/3/2026 at 14:30");
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

static void read_field(json_t *out, const struct schema_field *fd, const char *path,
		       const struct form *f, enum fields_mode mode, bool case_team, json_t *errors)
{
	char sub[PATH_MAX_LEN + 8];
	if (fd->type == SCH_OBJECT) {
		snprintf(sub, sizeof sub, "%s.", path);
		if (!has_prefix(f, sub))
			return; /* not in this form */
		json_t *o = read_object(fd->object, path, f, mode, case_team, errors);
		if (o && (mode == FIELDS_CHANGE || json_object_size(o)))
			json_object_set_new(out, fd->name, o);
		else
			json_decref(o);
		return;
	}
	if (fd->type == SCH_ARRAY && fd->object) {
		snprintf(sub, sizeof sub, "%s.", path);
		if (!has_prefix(f, sub))
			return;
		json_t *rows = json_array();
		for (int i = 0; i < ROWS_MAX; i++) {
			char row[PATH_MAX_LEN + 8];
			snprintf(row, sizeof row, "%s.%d.", path, i);
			if (!has_prefix(f, row))
				continue;
			snprintf(row, sizeof row, "%s.%d", path, i);
			/* A row left blank is not a row. */
			json_t *o =
			    read_object(fd->object, row, f, FIELDS_CREATE, case_team, errors);
			if (o && json_object_size(o))
				json_array_append_new(rows, o);
			else
				json_decref(o);
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
	json_t *j = read_scalar(fd, path, v, errors);
	if (j)
		json_object_set_new(out, fd->name, j);
}

static json_t *read_object(const struct schema *s, const char *prefix, const struct form *f,
			   enum fields_mode mode, bool case_team, json_t *errors)
{
	json_t *out = json_object();
	for (size_t i = 0; out && i < s->count; i++) {
		const struct schema_field *fd = &s->fields[i];
		if ((fd->flags & SCH_SERVER) || (!case_team && (fd->flags & SCH_CASE_TEAM)))
			continue;
		char path[PATH_MAX_LEN];
		snprintf(path, sizeof path, prefix[0] ? "%.60s.%.30s" : "%.60s%.30s", prefix,
			 fd->name);
		read_field(out, fd, path, f, mode, case_team, errors);
	}
	return out;
}

json_t *fields_read(const struct schema *s, const struct form *f, enum fields_mode mode,
		    bool case_team, json_t *errors)
{
	return read_object(s, "", f, mode, case_team, errors);
}

/* ---- echoing what was typed ---- */

static json_t *echo_object(const struct schema *s, const char *prefix, const struct form *f)
{
	json_t *out = json_object();
	for (size_t i = 0; out && i < s->count; i++) {
		const struct schema_field *fd = &s->fields[i];
		char path[PATH_MAX_LEN];
		snprintf(path, sizeof path, prefix[0] ? "%.60s.%.30s" : "%.60s%.30s", prefix,
			 fd->name);
		if (fd->type == SCH_OBJECT) {
			json_object_set_new(out, fd->name, echo_object(fd->object, path, f));
		} else if (fd->type == SCH_ARRAY && fd->object) {
			json_t *rows = json_array();
			for (int r = 0; r < ROWS_MAX; r++) {
				char row[PATH_MAX_LEN + 8];
				snprintf(row, sizeof row, "%s.%d.", path, r);
				if (!has_prefix(f, row))
					continue;
				snprintf(row, sizeof row, "%s.%d", path, r);
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
