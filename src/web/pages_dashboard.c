/*
 * pages_dashboard.c - the caseload dashboard: the signed-in home page of an
 * advocate, a manager and a clinician. One call to the API's dashboard,
 * which reads (and audits) the caseload; the page only puts it in words.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "pages.h"
#include "words.h"

/* What each severity asks of the advocate, most urgent first. */
static const struct {
	const char *code, *heading, *tag;
} severities[] = {
    {"critical", "Critical: act today", "nhsuk-tag--red"},
    {"high", "High: act this week", "nhsuk-tag--orange"},
    {"medium", "Medium: plan for it", "nhsuk-tag--yellow"},
    {"low", "Low: when you can", "nhsuk-tag--grey"},
};
#define N_SEVERITIES (sizeof severities / sizeof severities[0])

static int severity_index(const char *code)
{
	for (size_t i = 0; code && i < N_SEVERITIES; i++)
		if (strcmp(code, severities[i].code) == 0)
			return (int)i;
	return (int)N_SEVERITIES - 1;
}

/* The name the survivor is known by, from the dashboard's own list. */
static const char *known_as(const json_t *survivors, const char *id)
{
	size_t i;
	const json_t *s;
	json_array_foreach(survivors, i, s)
	{
		const char *sid = json_string_value(json_object_get(s, "id"));
		if (sid && id && strcmp(sid, id) == 0) {
			const char *n = json_string_value(json_object_get(s, "known_as"));
			return n ? n : "";
		}
	}
	return "";
}

static json_t *severity_tag(const char *code)
{
	int i = severity_index(code);
	char label[WORDS_MAX];
	words_code(severities[i].code, label);
	return json_pack("{s:s, s:s}", "text", label, "class", severities[i].tag);
}

static json_t *alert_groups(const json_t *dash)
{
	const json_t *alerts = json_object_get(dash, "alerts");
	const json_t *survivors = json_object_get(dash, "survivors");
	json_t *groups = json_array();
	for (size_t g = 0; g < N_SEVERITIES; g++) {
		json_t *items = json_array();
		size_t i;
		const json_t *a;
		json_array_foreach(alerts, i, a)
		{
			const char *sev = json_string_value(json_object_get(a, "severity"));
			if (!sev || strcmp(sev, severities[g].code) != 0)
				continue;
			const char *sid = json_string_value(json_object_get(a, "survivor_id"));
			char due[WORDS_MAX], href[160];
			words_date(json_string_value(json_object_get(a, "due_on")), due);
			snprintf(href, sizeof href, "/survivors/%s", sid ? sid : "");
			json_array_append_new(
			    items, json_pack("{s:s, s:s, s:O, s:s}", "known_as",
					     known_as(survivors, sid), "href", href, "message",
					     json_object_get(a, "message"), "due", due));
		}
		if (json_array_size(items) == 0) {
			json_decref(items);
			continue;
		}
		json_array_append_new(groups, json_pack("{s:s, s:s, s:o, s:I}", "heading",
							severities[g].heading, "code",
							severities[g].code, "items", items, "count",
							(json_int_t)json_array_size(items)));
	}
	return groups;
}

static json_t *appointments(const json_t *dash)
{
	const json_t *survivors = json_object_get(dash, "survivors");
	json_t *out = json_array();
	size_t i;
	const json_t *ap;
	json_array_foreach(json_object_get(dash, "appointments"), i, ap)
	{
		const char *sid = json_string_value(json_object_get(ap, "survivor_id"));
		char when[WORDS_MAX], kind[WORDS_MAX], status[WORDS_MAX], interp[WORDS_MAX];
		char href[160];
		words_when(json_string_value(json_object_get(ap, "starts_at")), when);
		words_code(json_string_value(json_object_get(ap, "kind")), kind);
		words_code(json_string_value(json_object_get(ap, "status")), status);
		const char *is = json_string_value(json_object_get(ap, "interpreter_status"));
		words_code(is, interp);
		snprintf(href, sizeof href, "/survivors/%s", sid ? sid : "");
		bool warn =
		    is && (strcmp(is, "not_booked") == 0 || strcmp(is, "not_provided") == 0);
		const char *provider = json_string_value(json_object_get(ap, "provider"));
		json_array_append_new(
		    out, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "when", when,
				   "known_as", known_as(survivors, sid), "href", href, "kind", kind,
				   "provider", provider ? provider : "", "status", status,
				   "interpreter", interp, "interpreter_warn", warn));
	}
	return out;
}

static json_t *caseload(const json_t *dash)
{
	json_t *out = json_array();
	size_t i;
	const json_t *s;
	json_array_foreach(json_object_get(dash, "survivors"), i, s)
	{
		const char *id = json_string_value(json_object_get(s, "id"));
		char href[160];
		snprintf(href, sizeof href, "/survivors/%s", id ? id : "");
		const json_t *urgent = json_object_get(s, "most_urgent_alert");
		const json_t *counts = json_object_get(s, "alert_counts");
		json_int_t total = 0;
		const char *k;
		const json_t *v;
		json_object_foreach((json_t *)counts, k, v) total += json_integer_value(v);
		json_t *row =
		    json_pack("{s:O, s:s, s:I}", "known_as", json_object_get(s, "known_as"), "href",
			      href, "alerts", total);
		if (row && urgent)
			json_object_set_new(
			    row, "urgent",
			    severity_tag(json_string_value(json_object_get(urgent, "severity"))));
		json_array_append_new(out, row);
	}
	return out;
}

void page_dashboard(struct page *p)
{
	unsigned st;
	json_t *dash = page_api(p, "GET", "/api/v1/dashboard", NULL, NULL, &st);
	if (st != 200 || !json_is_object(dash)) {
		json_decref(dash);
		if (st == 403) {
			/* Roles without a caseload (admin, analyst) start elsewhere. */
			p->data = json_object();
			page_render(p, 200, "home", "Home");
			return;
		}
		page_error(p, st == 404 ? 404 : 500, "Sorry, there is a problem with the service",
			   "The caseload could not be shown. Try again later.");
		return;
	}
	char today[WORDS_MAX];
	words_date(json_string_value(json_object_get(dash, "as_of")), today);
	json_t *counts = json_object();
	for (size_t g = 0; g < N_SEVERITIES; g++)
		json_object_set(
		    counts, severities[g].code,
		    json_object_get(json_object_get(dash, "alert_counts"), severities[g].code));
	json_t *aps = appointments(dash);
	p->data = json_pack("{s:s, s:o, s:b, s:o, s:o, s:o, s:b}", "today", today, "alert_groups",
			    alert_groups(dash), "has_appointments", json_array_size(aps) > 0,
			    "appointments", aps, "survivors", caseload(dash), "counts", counts,
			    "clinician", strcmp(page_role(p), "clinician") == 0);
	json_decref(dash);
	page_render(p, 200, "dashboard", "Your caseload");
}
