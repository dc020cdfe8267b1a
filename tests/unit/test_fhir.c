/* Unit tests for domain/fhir: what a handover selects from the record (never
 * a note, only what the consent covers), how it codes cancellations and
 * languages, and the shape of the document it builds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/date.h"
#include "domain/fhir.h"
#include "domain/survivor.h"

#define DOC_ID "0123456789abcdef0123456789abcdef"

static int today(void)
{
	return date_from_ymd(2026, 11, 20);
}

/* Parses text with ' standing for " (the records below stay readable). */
static json_t *parse(const char *text)
{
	size_t n = strlen(text);
	char *buf = malloc(n + 1);
	assert_non_null(buf);
	for (size_t i = 0; i <= n; i++)
		buf[i] = text[i] == '\'' ? '"' : text[i];
	json_error_t jerr;
	json_t *j = json_loads(buf, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!j)
		fail_msg("test input is not JSON: %s (%s)", text, jerr.text);
	return j;
}

/* A whole record as the case team reads it, with something planted in
 * every place a handover must not look; consents as given. */
static json_t *record(const char *consents)
{
	char text[6000];
	snprintf(
	    text, sizeof text,
	    "{'survivor': {'id': 'S', 'known_as': 'Selam', 'legal_name': 'LEGAL-PLANT',"
	    " 'nhs_number': '9434765919', 'birth_year': 1996, 'gender': 'non_binary',"
	    " 'nationality': 'ER', 'exploitation_types': ['criminal'],"
	    " 'languages': [{'code': 'ti-ER', 'interpreter_needed': true, 'interpreter_gender': "
	    "'male'},"
	    "               {'code': 'xx'}],"
	    " 'dependants': [{'known_as': 'CHILD-PLANT'}], 'advocate_id': 'ADVOCATE-PLANT',"
	    " 'contact': {'phone': '07700900123', 'safe_to_call': true, 'address': "
	    "'ADDRESS-PLANT'},"
	    " 'care_needs': {'approach_with_care': 'Gentle questions', 'other': 'Quiet room'}},"
	    " 'nrm': {'referred_on': '2026-09-01', 'first_responder': 'RESPONDER-PLANT',"
	    "         'rg_decision_on': '2026-09-20', 'rg_outcome': 'positive'},"
	    " 'asylum': {'claimed_on': '2026-09-10', 'support': 's98', 'outcome': 'refused',"
	    "            'decision_on': '2026-10-01', 'appeal_lodged_on': '2026-10-05'},"
	    " 'notes': [{'id': 'N', 'kind': 'call', 'body': 'NOTE-PLANT'}],"
	    " 'plan': {'id': 'P', 'review_every_days': 28, 'goals': [{'domain': 'housing', 'text':"
	    " 'Find a room', 'status': 'met'}], 'reviews': [{'on': '2026-10-01', 'notes': "
	    " 'REVIEW-PLANT'}]},"
	    " 'appointments': [{'id': 'A1', 'kind': 'dental', 'starts_at': '2026-10-05T09:30:00Z',"
	    "   'status': 'cancelled', 'cancelled_by': 'advocate', 'notes': 'APPT-PLANT',"
	    "   'interpreter': {'language': 'ti', 'needed': true, 'booked': true, 'provided': "
	    "false}}],"
	    " 'referrals': [{'id': 'R1', 'service': 'legal', 'sent_on': '2026-10-01',"
	    "   'rejected_on': '2026-10-03', 'rejection_reason': 'REJECT-PLANT'}],"
	    " 'medications': [{'id': 'M1', 'name': 'Zopiclone', 'category': 'hypnotic',"
	    "   'started_on': '2026-10-01', 'stopped_on': '2026-10-08'}],"
	    " 'registrations': [{'id': 'G1', 'service': 'dental', 'registered_on': '2026-10-02'},"
	    "   {'id': 'G2', 'service': 'gp', 'person': 'dependant:1', 'provider': 'CHILDGP-PLANT',"
	    "    'registered_on': '2026-10-02'}],"
	    " 'snoozes': [{'id': 'Z', 'reason': 'SNOOZE-PLANT'}],"
	    " 'consents': %s}",
	    consents);
	return parse(text);
}

static const char *const plants[] = {"NOTE-PLANT",
				     "REVIEW-PLANT",
				     "APPT-PLANT",
				     "REJECT-PLANT",
				     "RESPONDER-PLANT",
				     "ADDRESS-PLANT",
				     "CHILD-PLANT",
				     "CHILDGP-PLANT",
				     "SNOOZE-PLANT",
				     "ADVOCATE-PLANT",
				     "criminal",
				     "2026-09-20",
				     "s98",
				     NULL};

/* The view of record under consents: WM_OK expected. */
static json_t *view_of(const char *consents)
{
	json_t *rec = record(consents);
	json_t *view = NULL;
	assert_int_equal(handover_view(rec, today(), &view), WM_OK);
	json_decref(rec);
	return view;
}

static char *bundle_text(const json_t *view)
{
	struct fhir_doc doc = {
	    .doc_id = DOC_ID, .now = 1795176000, .today = today(), .org_name = "Agency One"};
	json_t *b = fhir_bundle(view, &doc);
	assert_non_null(b);
	char *text = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(b);
	assert_non_null(text);
	return text;
}

static void assert_absent(const char *text, const char *what)
{
	if (strstr(text, what))
		fail_msg("%s is in the handover", what);
}

static const char handover_only[] =
    "[{'id': 'C1', 'purpose': 'handover', 'given_on': '2026-10-20'}]";

static void never_notes_or_details(void **state)
{
	(void)state;
	json_t *view = view_of(handover_only);
	char *v = json_dumps(view, JSON_COMPACT);
	char *b = bundle_text(view);
	for (size_t i = 0; plants[i]; i++) {
		assert_absent(v, plants[i]);
		assert_absent(b, plants[i]);
	}
	/* Not agreed: the legal name, the phone, the NRM and asylum stages. */
	assert_absent(b, "LEGAL-PLANT");
	assert_absent(b, "07700900123");
	assert_null(json_object_get(view, "nrm"));
	assert_null(json_object_get(view, "asylum"));
	/* The dependant's registration is theirs, not this survivor's. */
	assert_int_equal(json_array_size(json_object_get(view, "registrations")), 1);
	free(v);
	free(b);
	json_decref(view);
}

static void includes_widen_only_what_they_name(void **state)
{
	(void)state;
	json_t *view = view_of("[{'purpose': 'handover', 'given_on': '2026-10-20',"
			       " 'includes': ['legal_name', 'asylum']}]");
	char *b = bundle_text(view);
	assert_non_null(strstr(b, "LEGAL-PLANT"));
	assert_absent(b, "07700900123"); /* contact not named */
	assert_null(json_object_get(view, "nrm"));
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(view, "asylum"), "stage")),
	    "appeal_lodged");
	for (size_t i = 0; plants[i]; i++)
		assert_absent(b, plants[i]); /* still no dates, support or responder */
	free(b);
	json_decref(view);

	view = view_of("[{'purpose': 'handover', 'given_on': '2026-10-20', 'includes': "
		       "['contact', 'nrm']}]");
	b = bundle_text(view);
	assert_non_null(strstr(b, "07700900123"));
	assert_non_null(strstr(b, "reasonable_grounds_positive"));
	assert_absent(b, "ADDRESS-PLANT");
	free(b);
	json_decref(view);
}

/* The Consent says how it was given, and through an interpreter when one
 * was used. */
static void the_consent_says_how_it_was_given(void **state)
{
	(void)state;
	json_t *view = view_of("[{'id': 'C1', 'purpose': 'handover', 'given_on': '2026-10-20', "
			       "'method': 'written', 'interpreter_used': true}]");
	char *b = bundle_text(view);
	assert_non_null(strstr(b, "The patient agreed to this handover on 2026-10-20, in writing, "
				  "through a professional interpreter"));
	free(b);
	json_decref(view);
	view = view_of(handover_only);
	b = bundle_text(view);
	assert_non_null(strstr(b, "The patient agreed to this handover on 2026-10-20"));
	assert_absent(b, "through a professional interpreter");
	free(b);
	json_decref(view);
}

static void only_an_active_handover_consent_opens_it(void **state)
{
	(void)state;
	static const char *const refused[] = {
	    "[]", "[{'purpose': 'share_with_org', 'org_id': 'O', 'given_on': '2026-10-20'}]",
	    "[{'purpose': 'anonymised_research', 'given_on': '2026-10-20'}]",
	    /* withdrawn today: ended from the day it is withdrawn */
	    "[{'purpose': 'handover', 'given_on': '2026-10-20', 'withdrawn_on': '2026-11-20'}]",
	    "[{'purpose': 'handover', 'given_on': '2026-11-21'}]", /* not given yet */
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		json_t *rec = record(refused[i]);
		json_t *view = (json_t *)1;
		assert_int_equal(handover_view(rec, today(), &view), WM_ERR_FORBIDDEN);
		assert_null(view);
		json_decref(rec);
	}
	/* Withdrawn tomorrow: still in force today. The latest given wins. */
	json_t *c = parse("[{'id': 'old', 'purpose': 'handover', 'given_on': '2026-10-01',"
			  "  'withdrawn_on': '2026-11-21'},"
			  " {'id': 'new', 'purpose': 'handover', 'given_on': '2026-11-01'},"
			  " {'id': 'gone', 'purpose': 'handover', 'given_on': '2026-11-10',"
			  "  'withdrawn_on': '2026-11-15'}]");
	const json_t *active = handover_consent(c, today());
	assert_non_null(active);
	assert_string_equal(json_string_value(json_object_get(active, "id")), "new");
	json_decref(c);
}

static void cancellations_are_coded_by_hl7(void **state)
{
	(void)state;
	static const struct {
		const char *appointment, *code;
	} cases[] = {
	    {"{'status': 'scheduled'}", NULL},
	    {"{'status': 'attended'}", NULL},
	    {"{'status': 'cancelled', 'cancelled_by': 'survivor'}", "pat"},
	    {"{'status': 'cancelled', 'cancelled_by': 'survivor', 'interpreter': {'needed': true}}",
	     "pat"},
	    {"{'status': 'cancelled', 'cancelled_by': 'provider'}", "prov"},
	    {"{'status': 'cancelled', 'cancelled_by': 'provider', 'interpreter': {'needed': true,"
	     " 'booked': false}}",
	     "oth-int"},
	    {"{'status': 'cancelled', 'cancelled_by': 'advocate', 'interpreter': {'needed': true}}",
	     "oth-int"},
	    {"{'status': 'cancelled', 'cancelled_by': 'advocate', 'interpreter': {'needed': true,"
	     " 'booked': true, 'provided': false}}",
	     "oth-int"},
	    {"{'status': 'cancelled', 'cancelled_by': 'advocate', 'interpreter': {'needed': true,"
	     " 'booked': true}}",
	     "other"},
	    {"{'status': 'cancelled', 'cancelled_by': 'provider', 'interpreter': {'needed': "
	     "false}}",
	     "prov"},
	    /* A third party's cancellation is never put down to the interpreter. */
	    {"{'status': 'cancelled', 'cancelled_by': 'third_party', 'interpreter': {'needed': "
	     "true}}",
	     "other"},
	    {"{'status': 'cancelled', 'cancelled_by': 'unknown'}", "other"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *a = parse(cases[i].appointment);
		const char *code = fhir_cancellation_code(a);
		if (cases[i].code)
			assert_string_equal(code, cases[i].code);
		else
			assert_null(code);
		json_decref(a);
	}
	/* In the bundle, with HL7's system and display. */
	json_t *view = view_of(handover_only);
	char *b = bundle_text(view);
	assert_non_null(strstr(b, "\"cancelationReason\":{\"coding\":[{\"code\":\"oth-int\","
				  "\"display\":\"Other: No Interpreter Available\",\"system\":"
				  "\"http://terminology.hl7.org/CodeSystem/"
				  "appointment-cancellation-reason\"}]}"));
	free(b);
	json_decref(view);
}

static void languages_are_bcp47_with_their_names(void **state)
{
	(void)state;
	assert_string_equal(fhir_language_name("ti"), "Tigrinya");
	assert_string_equal(fhir_language_name("ti-ER"), "Tigrinya");
	assert_string_equal(fhir_language_name("SQ"), "Albanian");
	assert_string_equal(fhir_language_name("ar-SD"), "Arabic");
	assert_string_equal(fhir_language_name("vi"), "Vietnamese");
	assert_null(fhir_language_name("xx"));
	assert_null(fhir_language_name("t"));
	assert_null(fhir_language_name(NULL));
	json_t *view = view_of(handover_only);
	char *b = bundle_text(view);
	/* The tag goes as it was recorded, under BCP 47, named when known. */
	assert_non_null(strstr(
	    b, "{\"code\":\"ti-ER\",\"display\":\"Tigrinya\",\"system\":\"urn:ietf:bcp:47\"}"));
	assert_non_null(strstr(b, "{\"code\":\"xx\",\"system\":\"urn:ietf:bcp:47\"}"));
	assert_non_null(strstr(b, "Extension-UKCore-NHSCommunication"));
	assert_non_null(strstr(b, "{\"url\":\"interpreterRequired\",\"valueBoolean\":true}"));
	assert_non_null(strstr(b, "{\"url\":\"interpreterRequired\",\"valueBoolean\":false}"));
	assert_non_null(strstr(b, "Needs a professional interpreter for Tigrinya (ti-ER), a man"));
	assert_non_null(strstr(b, "{\"code\":\"ER\",\"system\":\"urn:iso:std:iso:3166\"}"));
	free(b);
	json_decref(view);
}

static void stages_say_no_more_than_the_stage(void **state)
{
	(void)state;
	static const struct {
		const char *item, *stage;
	} nrm[] = {
	    {"{'referred_on': '2026-09-01'}", "referred"},
	    {"{'referred_on': '2026-09-01', 'duty_to_notify_only': true}", "duty_to_notify"},
	    {"{'rg_outcome': 'negative'}", "reasonable_grounds_negative"},
	    {"{'rg_outcome': 'positive', 'cg_outcome': 'positive'}", "conclusive_grounds_positive"},
	    {"{'rg_outcome': 'positive', 'cg_outcome': 'negative'}", "conclusive_grounds_negative"},
	};
	for (size_t i = 0; i < sizeof nrm / sizeof nrm[0]; i++) {
		json_t *j = parse(nrm[i].item);
		assert_string_equal(handover_nrm_stage(j), nrm[i].stage);
		json_decref(j);
	}
	static const struct {
		const char *item, *stage;
	} asylum[] = {
	    {"{'claimed_on': '2026-09-01'}", "claimed"},
	    {"{'outcome': 'granted'}", "granted"},
	    {"{'outcome': 'refused'}", "refused"},
	    {"{'outcome': 'refused', 'appeal_lodged_on': '2026-10-01'}", "appeal_lodged"},
	};
	for (size_t i = 0; i < sizeof asylum / sizeof asylum[0]; i++) {
		json_t *j = parse(asylum[i].item);
		assert_string_equal(handover_asylum_stage(j), asylum[i].stage);
		json_decref(j);
	}
	assert_null(handover_nrm_stage(NULL));
	assert_null(handover_asylum_stage(json_null()));
}

static void the_document_is_an_ips_with_urn_uuids(void **state)
{
	(void)state;
	json_t *view = view_of(handover_only);
	struct fhir_doc doc = {
	    .doc_id = DOC_ID, .now = 1795176000, .today = today(), .org_name = "Agency One"};
	json_t *b = fhir_bundle(view, &doc);
	assert_non_null(b);
	assert_string_equal(json_string_value(json_object_get(b, "type")), "document");
	json_t *entries = json_object_get(b, "entry");
	const json_t *comp = json_object_get(json_array_get(entries, 0), "resource");
	assert_string_equal(json_string_value(json_object_get(comp, "resourceType")),
			    "Composition");
	const json_t *type =
	    json_array_get(json_object_get(json_object_get(comp, "type"), "coding"), 0);
	assert_string_equal(json_string_value(json_object_get(type, "code")), "60591-5");
	/* Every entry its own urn:uuid; the same input, the same document. */
	size_t i;
	const json_t *e;
	json_array_foreach(entries, i, e)
	{
		const char *url = json_string_value(json_object_get(e, "fullUrl"));
		assert_non_null(url);
		assert_int_equal(strlen(url), 45);
		assert_memory_equal(url, "urn:uuid:", 9);
		for (size_t k = i + 1; k < json_array_size(entries); k++)
			assert_string_not_equal(url, json_string_value(json_object_get(
							 json_array_get(entries, k), "fullUrl")));
	}
	json_t *again = fhir_bundle(view, &doc);
	assert_true(json_equal(b, again));
	/* Problems and allergies say there is no information; a stopped
	 * medicine is completed; one Patient. */
	char *text = json_dumps(b, JSON_COMPACT);
	assert_non_null(strstr(text, "\"status\":\"completed\""));
	assert_non_null(
	    strstr(text, "There is no information available about the patient&#39;s allergies."));
	size_t patients = 0;
	json_array_foreach(entries, i, e)
	{
		const char *rt = json_string_value(
		    json_object_get(json_object_get(e, "resource"), "resourceType"));
		patients += strcmp(rt, "Patient") == 0;
	}
	assert_int_equal(patients, 1);
	free(text);
	json_decref(again);
	json_decref(b);
	/* A document id that is not 32 hex digits makes no document. */
	doc.doc_id = "not-an-id";
	assert_null(fhir_bundle(view, &doc));
	json_decref(view);
}

static void nhs_numbers_carry_their_check_digit(void **state)
{
	(void)state;
	assert_true(survivor_nhs_number_ok("9434765919"));
	assert_true(survivor_nhs_number_ok("4010232137"));
	assert_false(survivor_nhs_number_ok("9434765918")); /* wrong check digit */
	assert_false(survivor_nhs_number_ok("943476591"));  /* nine digits */
	assert_false(survivor_nhs_number_ok("94347659190"));
	assert_false(survivor_nhs_number_ok("943 476 591"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(never_notes_or_details),
	    cmocka_unit_test(includes_widen_only_what_they_name),
	    cmocka_unit_test(only_an_active_handover_consent_opens_it),
	    cmocka_unit_test(the_consent_says_how_it_was_given),
	    cmocka_unit_test(cancellations_are_coded_by_hl7),
	    cmocka_unit_test(languages_are_bcp47_with_their_names),
	    cmocka_unit_test(stages_say_no_more_than_the_stage),
	    cmocka_unit_test(the_document_is_an_ips_with_urn_uuids),
	    cmocka_unit_test(nhs_numbers_carry_their_check_digit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
