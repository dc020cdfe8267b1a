/*
 * handover.c - the printed summary's narrowing of the FHIR handover's view
 * (handover.h): an allow list of fields per part, copied by name.
 */
#include "handover.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "fhir.h"

/* A date field of obj as a day number; false when absent or not a date. */
static bool day_of(const json_t *obj, const char *field, int *day)
{
	const char *s = json_string_value(json_object_get(obj, field));
	return s && date_parse(s, day);
}

static bool is(const json_t *obj, const char *field, const char *value)
{
	const char *s = json_string_value(json_object_get(obj, field));
	return s && strcmp(s, value) == 0;
}

/* A new object with the named fields of from that are present (NULL-ended
 * list). */
static json_t *pick(const json_t *from, const char *const fields[])
{
	json_t *out = json_object();
	for (size_t i = 0; out && fields[i]; i++) {
		json_t *v = json_object_get(from, fields[i]);
		if (v && !json_is_null(v))
			json_object_set_new(out, fields[i], json_deep_copy(v));
	}
	return out;
}

static const char *const patient_fields[] = {"known_as", "birth_year", "gender",     "pregnant",
					     "due_on",	 "languages",  "dependants", NULL};
static const char *const care_fields[] = {"clinician_gender", "advocate_attends",
					  "approach_with_care", "other", NULL};
static const char *const registration_fields[] = {"service",	"provider",	  "registered_on",
						  "refused_on", "refusal_reason", NULL};
static const char *const appointment_fields[] = {
    "kind", "starts_at", "duration_min", "provider", "interpreter", "advocate_attends", NULL};
static const char *const referral_fields[] = {
    "service",	     "provider",    "sent_on",	 "accepted_on",
    "first_seen_on", "rejected_on", "closed_on", NULL};
static const char *const medication_fields[] = {"name", "category", "started_on",
						"explained_in_own_language", NULL};

/* Referrals to health services only: a legal or housing referral says
 * more about the case than a clinician needs. */
static bool health_referral(const json_t *r)
{
	static const char *const health[] = {
	    "mental_health", "talking_therapy", "ptsd_clinic",	 "counselling",
	    "dental",	     "sexual_health",	"substance_use", NULL};
	for (size_t i = 0; health[i]; i++)
		if (is(r, "service", health[i]))
			return true;
	return false;
}

static int by_start(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "starts_at"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "starts_at"));
	int64_t tx = 0, ty = 0;
	if (x)
		instant_parse(x, &tx);
	if (y)
		instant_parse(y, &ty);
	return (tx > ty) - (tx < ty);
}

static json_t *upcoming_appointments(const json_t *all, int today)
{
	json_t *list[256];
	size_t n = 0, i;
	const json_t *a;
	json_array_foreach(all, i, a)
	{
		int64_t t;
		const char *s = json_string_value(json_object_get(a, "starts_at"));
		if (n == sizeof list / sizeof list[0] || !s || !instant_parse(s, &t))
			continue;
		bool scheduled = !json_object_get(a, "status") || is(a, "status", "scheduled");
		if (scheduled && instant_local_day(t) >= today)
			list[n++] = (json_t *)a;
	}
	qsort(list, n, sizeof list[0], by_start);
	json_t *out = json_array();
	for (i = 0; out && i < n; i++)
		json_array_append_new(out, pick(list[i], appointment_fields));
	return out;
}

json_t *handover_select(const json_t *survivor, const json_t *parts, int today, bool *no_consent)
{
	/* The FHIR handover's view first: nothing it leaves out can reach the
	 * paper one. */
	*no_consent = false;
	json_t *record = json_deep_copy(parts);
	json_t *view = NULL;
	wm_err e = record && json_object_set(record, "survivor", (json_t *)survivor) == 0
		       ? handover_view(record, today, &view)
		       : WM_ERR_NOMEM;
	json_decref(record);
	*no_consent = e == WM_ERR_FORBIDDEN;
	if (e != WM_OK)
		return NULL;
	static const char *const consent_fields[] = {"given_on", "method", NULL};
	const json_t *patient = json_object_get(view, "patient");
	json_t *out = json_pack(
	    "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "patient", pick(patient, patient_fields),
	    "care_needs", pick(json_object_get(view, "care_needs"), care_fields), "registrations",
	    json_array(), "appointments",
	    upcoming_appointments(json_object_get(view, "appointments"), today), "referrals",
	    json_array(), "medications", json_array(), "goals", json_array(), "consent",
	    pick(json_object_get(view, "consent"), consent_fields));
	if (!out) {
		json_decref(view);
		return NULL;
	}
	size_t i;
	const json_t *v;
	/* The view holds the survivor's own registrations only. */
	json_array_foreach(json_object_get(view, "registrations"), i, v)
	{
		json_array_append_new(json_object_get(out, "registrations"),
				      pick(v, registration_fields));
	}
	json_array_foreach(json_object_get(view, "referrals"), i, v)
	{
		if (health_referral(v))
			json_array_append_new(json_object_get(out, "referrals"),
					      pick(v, referral_fields));
	}
	json_array_foreach(json_object_get(view, "medications"), i, v)
	{
		int stopped;
		if (!day_of(v, "stopped_on", &stopped) || stopped > today)
			json_array_append_new(json_object_get(out, "medications"),
					      pick(v, medication_fields));
	}
	json_array_foreach(json_object_get(json_object_get(view, "plan"), "goals"), i, v)
	{
		bool health = is(v, "domain", "health") || is(v, "domain", "mental_health");
		bool open = !json_object_get(v, "status") || is(v, "status", "open");
		static const char *const goal_fields[] = {"domain", "text", NULL};
		if (health && open)
			json_array_append_new(json_object_get(out, "goals"), pick(v, goal_fields));
	}
	json_decref(view);
	return out;
}
