/* Unit tests for domain/kind and domain/kinds: every kind's schema, rules,
 * defaults and columns, the registry, and the migration that stores them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/alerts.h"
#include "domain/date.h"
#include "domain/kind.h"
#include "domain/kinds/kinds.h"
#include "domain/schema.h"

static int today(void)
{
	return date_from_ymd(2026, 11, 22);
}

/* Parses text with ' standing for " (the tables below stay readable). */
static json_t *parse(const char *text)
{
	char buf[4096];
	size_t n = strlen(text);
	assert_true(n < sizeof buf);
	for (size_t i = 0; i <= n; i++)
		buf[i] = text[i] == '\'' ? '"' : text[i];
	json_error_t jerr;
	json_t *j = json_loads(buf, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		fail_msg("test input is not JSON: %s (%s)", text, jerr.text);
	return j;
}

/* A survivor with two dependants: "dependant:1" and "dependant:2" exist. */
static json_t *survivor(void)
{
	return parse("{'known_as':'Ardita','entered_service_on':'2026-03-01',"
		     "'dependants':[{'known_as':'Bora'},{'known_as':'Ema'}]}");
}

static const struct kind *kind(const char *name)
{
	const struct kind *k = kind_find(name);
	if (!k)
		fail_msg("no kind %s", name);
	return k;
}

/* Runs kind name's validate on text; the item (validated in place) is
 * returned on success, NULL with *err filled otherwise. */
static json_t *run(const char *name, const char *text, struct schema_error *err, wm_err *e)
{
	json_t *item = parse(text);
	json_t *surv = survivor();
	memset(err, 0, sizeof *err);
	*e = kind(name)->validate(item, surv, today(), err);
	json_decref(surv);
	if (*e != WM_OK) {
		json_decref(item);
		return NULL;
	}
	return item;
}

static json_t *valid(const char *name, const char *text)
{
	struct schema_error err;
	wm_err e;
	json_t *item = run(name, text, &err, &e);
	if (!item)
		fail_msg("%s %s: refused (%d) at '%s': %s", name, text, (int)e, err.field,
			 err.message);
	return item;
}

static void invalid(const char *name, const char *text, const char *field)
{
	struct schema_error err;
	wm_err e;
	json_t *item = run(name, text, &err, &e);
	if (item) {
		json_decref(item);
		fail_msg("%s %s: accepted, want a refusal at '%s'", name, text, field);
	}
	if (e != WM_ERR_INVALID || strcmp(err.field, field) != 0)
		fail_msg("%s %s: got error %d at '%s' (%s), want '%s'", name, text, (int)e,
			 err.field, err.message, field);
	if (!err.message[0])
		fail_msg("%s %s: no message", name, text);
}

static const char *str(const json_t *item, const char *key)
{
	return json_string_value(json_object_get(item, key));
}

/* ---- valid examples -------------------------------------------------- */

struct example {
	const char *kind, *text;
};

static const struct example examples[] = {
    {"nrm", "{'referred_on':'2026-03-02'}"},
    {"nrm", "{'referred_on':'2026-03-02','first_responder':'Salvation Army',"
	    "'duty_to_notify_only':false,'rg_decision_on':'2026-03-06','rg_outcome':'positive',"
	    "'recovery_period_ends_on':'2026-12-01','cg_decision_on':'2026-09-01',"
	    "'cg_outcome':'negative','reconsideration_requested_on':'2026-09-10',"
	    "'support':'victim_care_contract'}"},
    {"nrm", "{'referred_on':'2026-03-02','duty_to_notify_only':true}"},
    {"asylum", "{'claimed_on':'2026-04-01'}"},
    {"asylum", "{'claimed_on':'2026-04-01','arc_issued':true,'support':'s95',"
	       "'screening_on':'2026-04-01','substantive_interview_on':'2027-01-10',"
	       "'decision_on':'2026-10-01','outcome':'refused','appeal_lodged_on':'2026-10-15',"
	       "'legal_representative':true}"},
    {"registrations", "{'service':'gp','registered_on':'2026-04-01'}"},
    {"registrations", "{'service':'gp','person':'dependant:2','provider':'Hill Surgery',"
		      "'refused_on':'2026-03-10','refusal_reason':'no_proof_of_address'}"},
    {"appointments", "{'kind':'gp','starts_at':'2026-12-01T10:00:00Z'}"},
    {"appointments",
     "{'kind':'mental_health_assessment','starts_at':'2026-11-01T09:30:00Z',"
     "'duration_min':60,'provider':'Clinic','interpreter':{'language':'sq',"
     "'needed':true,'booked':true,'provided':false},'advocate_attends':true,"
     "'status':'cancelled','cancelled_by':'third_party','notes':'Call first.\\nOK'}"},
    {"appointments", "{'kind':'pharmacy','starts_at':'2026-11-22T09:00:00Z','status':'attended'}"},
    {"referrals", "{'service':'mental_health','sent_on':'2026-05-01'}"},
    {"referrals",
     "{'service':'talking_therapy','provider':'IAPT','sent_on':'2026-05-01',"
     "'accepted_on':'2026-05-10','first_seen_on':'2026-06-01','closed_on':'2026-09-01'}"},
    {"referrals", "{'service':'housing','sent_on':'2026-05-01','rejected_on':'2026-05-03',"
		  "'rejection_reason':'Out of area','closed_on':'2026-05-03'}"},
    {"medications", "{'name':'Sertraline','category':'antidepressant'}"},
    {"medications", "{'name':'Sertraline','category':'antidepressant','started_on':'2026-06-01',"
		    "'stopped_on':'2027-06-01','explained':true,'explained_in_own_language':true}"},
    {"plan", "{}"},
    {"plan", "{'review_every_days':14,'goals':[{'domain':'health','text':'Register with a GP'},"
	     "{'domain':'housing','text':'Move','status':'met'}]}"},
    {"plan/reviews", "{'on':'2026-11-22','notes':'Went well.\\nNext: dentist.'}"},
    {"notes", "{'kind':'visit','body':'Visited.\\nAll well.'}"},
    {"consents", "{'purpose':'share_with_org','org_id':'0123456789abcdef0123456789abcdef',"
		 "'given_on':'2026-05-01','withdrawn_on':'2026-11-22','method':'written',"
		 "'interpreter_used':true}"},
    {"consents", "{'purpose':'handover','given_on':'2026-05-01','method':'verbal'}"},
    {"snoozes", "{'rule':'dental_unregistered','until':'2026-12-22',"
		"'reason':'Declines a dentist for now.\\nAsk again in the new year.'}"},
    {"snoozes", "{'rule':'third_party_cancellation','item_id':'0123456789abcdef0123456789abcdef',"
		"'until':'2026-11-24','reason':'Rebooked; checking with the surgery.'}"},
};

static void every_example_is_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
		json_t *item = valid(examples[i].kind, examples[i].text);
		/* A stored item validates again unchanged (a PATCH validates the
		 * merge of one). */
		json_t *copy = json_deep_copy(item);
		json_t *surv = survivor();
		struct schema_error err;
		assert_int_equal(kind(examples[i].kind)->validate(item, surv, today(), &err),
				 WM_OK);
		assert_true(json_equal(item, copy));
		json_decref(surv);
		json_decref(copy);
		json_decref(item);
	}
	/* Every kind has at least one example. */
	for (size_t k = 0; k < kind_count; k++) {
		bool seen = false;
		for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++)
			seen = seen || strcmp(examples[i].kind, kind_table[k]->name) == 0;
		if (!seen)
			fail_msg("kind %s has no valid example", kind_table[k]->name);
	}
}

/* ---- rules --------------------------------------------------------------- */

struct refusal {
	const char *kind, *text, *field;
};

static const struct refusal refusals[] = {
    /* nrm */
    {"nrm", "{}", "referred_on"},
    {"nrm", "{'referred_on':'2026-11-23'}", "referred_on"},
    {"nrm", "{'referred_on':'2026-03-02','rg_decision_on':'2026-03-01','rg_outcome':'positive'}",
     "rg_decision_on"},
    {"nrm", "{'referred_on':'2026-03-02','rg_decision_on':'2026-11-30','rg_outcome':'positive'}",
     "rg_decision_on"},
    {"nrm", "{'referred_on':'2026-03-02','rg_decision_on':'2026-03-06'}", "rg_outcome"},
    {"nrm", "{'referred_on':'2026-03-02','rg_outcome':'positive'}", "rg_decision_on"},
    {"nrm", "{'referred_on':'2026-03-02','rg_outcome':'maybe','rg_decision_on':'2026-03-06'}",
     "rg_outcome"},
    {"nrm",
     "{'referred_on':'2026-03-02','duty_to_notify_only':true,"
     "'rg_decision_on':'2026-03-06','rg_outcome':'positive'}",
     "rg_decision_on"},
    {"nrm", "{'referred_on':'2026-03-02','cg_decision_on':'2026-09-01','cg_outcome':'positive'}",
     "cg_decision_on"},
    {"nrm",
     "{'referred_on':'2026-03-02','rg_decision_on':'2026-03-06','rg_outcome':'negative',"
     "'cg_decision_on':'2026-09-01','cg_outcome':'positive'}",
     "cg_decision_on"},
    {"nrm",
     "{'referred_on':'2026-03-02','rg_decision_on':'2026-03-06','rg_outcome':'negative',"
     "'cg_outcome':'positive'}",
     "cg_outcome"},
    {"nrm",
     "{'referred_on':'2026-03-02','rg_decision_on':'2026-03-06','rg_outcome':'positive',"
     "'cg_decision_on':'2026-03-05','cg_outcome':'positive'}",
     "cg_decision_on"},
    {"nrm",
     "{'referred_on':'2026-03-02','rg_decision_on':'2026-03-06','rg_outcome':'positive',"
     "'cg_decision_on':'2026-09-01'}",
     "cg_outcome"},
    {"nrm",
     "{'referred_on':'2026-03-02','rg_decision_on':'2026-03-06','rg_outcome':'positive',"
     "'cg_outcome':'positive'}",
     "cg_decision_on"},
    {"nrm",
     "{'referred_on':'2026-03-02','rg_decision_on':'2026-03-06','rg_outcome':'positive',"
     "'cg_decision_on':'2026-11-23','cg_outcome':'positive'}",
     "cg_decision_on"},
    {"nrm",
     "{'referred_on':'2026-03-02','rg_decision_on':'2026-03-06','rg_outcome':'positive',"
     "'recovery_period_ends_on':'2026-03-05'}",
     "recovery_period_ends_on"},
    {"nrm", "{'referred_on':'2026-03-02','recovery_period_ends_on':'2026-05-01'}",
     "recovery_period_ends_on"},
    {"nrm",
     "{'referred_on':'2026-03-02','rg_decision_on':'2026-03-06','rg_outcome':'negative',"
     "'recovery_period_ends_on':'2026-05-01'}",
     "recovery_period_ends_on"},
    {"nrm", "{'referred_on':'2026-03-02','reconsideration_requested_on':'2026-03-10'}",
     "reconsideration_requested_on"},
    {"nrm",
     "{'referred_on':'2026-03-02','rg_decision_on':'2026-03-06','rg_outcome':'negative',"
     "'reconsideration_requested_on':'2026-03-05'}",
     "reconsideration_requested_on"},
    {"nrm",
     "{'referred_on':'2026-03-02','rg_decision_on':'2026-03-06','rg_outcome':'negative',"
     "'reconsideration_requested_on':'2026-12-05'}",
     "reconsideration_requested_on"},
    {"nrm", "{'referred_on':'2026-03-02','support':'s95'}", "support"},
    /* asylum */
    {"asylum", "{'support':'s95'}", "claimed_on"},
    {"asylum", "{'claimed_on':'2026-11-23'}", "claimed_on"},
    {"asylum", "{'claimed_on':'2026-04-01','screening_on':'2026-03-31'}", "screening_on"},
    {"asylum", "{'claimed_on':'2026-04-01','substantive_interview_on':'2026-03-31'}",
     "substantive_interview_on"},
    {"asylum", "{'claimed_on':'2026-04-01','decision_on':'2026-03-31','outcome':'granted'}",
     "decision_on"},
    {"asylum", "{'claimed_on':'2026-04-01','decision_on':'2026-11-30','outcome':'granted'}",
     "decision_on"},
    {"asylum", "{'claimed_on':'2026-04-01','decision_on':'2026-10-01'}", "outcome"},
    {"asylum", "{'claimed_on':'2026-04-01','outcome':'granted'}", "decision_on"},
    {"asylum", "{'claimed_on':'2026-04-01','appeal_lodged_on':'2026-10-15'}", "appeal_lodged_on"},
    {"asylum",
     "{'claimed_on':'2026-04-01','decision_on':'2026-10-01','outcome':'granted',"
     "'appeal_lodged_on':'2026-10-15'}",
     "appeal_lodged_on"},
    {"asylum",
     "{'claimed_on':'2026-04-01','decision_on':'2026-10-01','outcome':'refused',"
     "'appeal_lodged_on':'2026-09-15'}",
     "appeal_lodged_on"},
    {"asylum",
     "{'claimed_on':'2026-04-01','decision_on':'2026-10-01','outcome':'refused',"
     "'appeal_lodged_on':'2026-11-25'}",
     "appeal_lodged_on"},
    {"asylum", "{'claimed_on':'2026-04-01','support':'victim_care_contract'}", "support"},
    {"asylum", "{'claimed_on':'2026-04-01','legal_representative':'A. Solicitor'}",
     "legal_representative"},
    /* registrations */
    {"registrations", "{'registered_on':'2026-04-01'}", "service"},
    {"registrations", "{'service':'hospital','registered_on':'2026-04-01'}", "service"},
    {"registrations", "{'service':'gp'}", "registered_on"},
    {"registrations",
     "{'service':'gp','registered_on':'2026-04-01','refused_on':'2026-03-01',"
     "'refusal_reason':'no_id'}",
     "refused_on"},
    {"registrations", "{'service':'gp','refused_on':'2026-03-01'}", "refusal_reason"},
    {"registrations", "{'service':'gp','registered_on':'2026-04-01','refusal_reason':'no_id'}",
     "refused_on"},
    {"registrations", "{'service':'gp','refused_on':'2026-03-01','refusal_reason':'rude'}",
     "refusal_reason"},
    {"registrations", "{'service':'gp','registered_on':'2026-11-23'}", "registered_on"},
    {"registrations", "{'service':'gp','refused_on':'2026-11-23','refusal_reason':'no_id'}",
     "refused_on"},
    {"registrations", "{'service':'gp','person':'','registered_on':'2026-04-01'}", "person"},
    {"registrations", "{'service':'gp','person':'mother','registered_on':'2026-04-01'}", "person"},
    /* appointments */
    {"appointments", "{'starts_at':'2026-12-01T10:00:00Z'}", "kind"},
    {"appointments", "{'kind':'gp'}", "starts_at"},
    {"appointments", "{'kind':'gp','starts_at':'2026-12-01'}", "starts_at"},
    {"appointments", "{'kind':'gp','starts_at':'2026-12-01T25:00:00Z'}", "starts_at"},
    {"appointments", "{'kind':'optician','starts_at':'2026-12-01T10:00:00Z'}", "kind"},
    {"appointments", "{'kind':'gp','starts_at':'2026-12-01T10:00:00Z','duration_min':0}",
     "duration_min"},
    {"appointments", "{'kind':'gp','starts_at':'2026-12-01T10:00:00Z','duration_min':1441}",
     "duration_min"},
    {"appointments", "{'kind':'gp','starts_at':'2026-12-01T10:00:00Z','status':'missed'}",
     "status"},
    {"appointments", "{'kind':'gp','starts_at':'2026-11-01T10:00:00Z','status':'cancelled'}",
     "cancelled_by"},
    {"appointments",
     "{'kind':'gp','starts_at':'2026-11-01T10:00:00Z','status':'attended',"
     "'cancelled_by':'survivor'}",
     "cancelled_by"},
    {"appointments", "{'kind':'gp','starts_at':'2026-12-01T10:00:00Z','cancelled_by':'survivor'}",
     "cancelled_by"},
    {"appointments",
     "{'kind':'gp','starts_at':'2026-11-01T10:00:00Z','status':'cancelled',"
     "'cancelled_by':'someone'}",
     "cancelled_by"},
    {"appointments", "{'kind':'gp','starts_at':'2026-12-01T10:00:00Z','status':'attended'}",
     "status"},
    {"appointments", "{'kind':'gp','starts_at':'2026-12-01T10:00:00Z','status':'did_not_attend'}",
     "status"},
    {"appointments",
     "{'kind':'gp','starts_at':'2026-12-01T10:00:00Z',"
     "'interpreter':{'language':'not a tag'}}",
     "interpreter.language"},
    {"appointments",
     "{'kind':'gp','starts_at':'2026-12-01T10:00:00Z',"
     "'interpreter':{'needed':'yes'}}",
     "interpreter.needed"},
    {"appointments",
     "{'kind':'gp','starts_at':'2026-12-01T10:00:00Z',"
     "'interpreter':{'gender':'female'}}",
     "interpreter.gender"},
    {"appointments", "{'kind':'gp','starts_at':'2026-12-01T10:00:00Z','advocate_attends':1}",
     "advocate_attends"},
    /* referrals */
    {"referrals", "{'sent_on':'2026-05-01'}", "service"},
    {"referrals", "{'service':'mental_health'}", "sent_on"},
    {"referrals", "{'service':'gp','sent_on':'2026-05-01'}", "service"},
    {"referrals", "{'service':'legal','sent_on':'2026-11-23'}", "sent_on"},
    {"referrals", "{'service':'legal','sent_on':'2026-05-01','accepted_on':'2026-04-30'}",
     "accepted_on"},
    {"referrals", "{'service':'legal','sent_on':'2026-05-01','first_seen_on':'2026-04-30'}",
     "first_seen_on"},
    {"referrals",
     "{'service':'legal','sent_on':'2026-05-01','accepted_on':'2026-05-10',"
     "'first_seen_on':'2026-05-09'}",
     "first_seen_on"},
    {"referrals", "{'service':'legal','sent_on':'2026-05-01','rejected_on':'2026-04-30'}",
     "rejected_on"},
    {"referrals",
     "{'service':'legal','sent_on':'2026-05-01','rejected_on':'2026-05-02',"
     "'accepted_on':'2026-05-03'}",
     "accepted_on"},
    {"referrals",
     "{'service':'legal','sent_on':'2026-05-01','accepted_on':'2026-05-02',"
     "'rejected_on':'2026-05-03'}",
     "rejected_on"},
    {"referrals", "{'service':'legal','sent_on':'2026-05-01','rejection_reason':'Full'}",
     "rejected_on"},
    {"referrals",
     "{'service':'legal','sent_on':'2026-05-01','rejected_on':'2026-05-02',"
     "'rejection_reason':'  '}",
     "rejection_reason"},
    {"referrals", "{'service':'legal','sent_on':'2026-05-01','closed_on':'2026-04-30'}",
     "closed_on"},
    {"referrals",
     "{'service':'legal','sent_on':'2026-05-01','first_seen_on':'2026-06-01',"
     "'closed_on':'2026-05-30'}",
     "closed_on"},
    {"referrals", "{'service':'legal','sent_on':'2026-05-01','first_seen_on':'2026-11-23'}",
     "first_seen_on"},
    {"referrals", "{'service':'legal','sent_on':'2026-05-01','closed_on':'2026-11-23'}",
     "closed_on"},
    /* medications */
    {"medications", "{'category':'antidepressant'}", "name"},
    {"medications", "{'name':'X'}", "category"},
    {"medications", "{'name':' ','category':'other'}", "name"},
    {"medications", "{'name':'X','category':'antibiotic'}", "category"},
    {"medications",
     "{'name':'X','category':'other','started_on':'2026-06-01',"
     "'stopped_on':'2026-05-31'}",
     "stopped_on"},
    {"medications", "{'name':'X','category':'other','explained_in_own_language':true}",
     "explained_in_own_language"},
    {"medications",
     "{'name':'X','category':'other','explained':false,"
     "'explained_in_own_language':true}",
     "explained_in_own_language"},
    {"medications", "{'name':'Line\\nbreak','category':'other'}", "name"},
    /* plan */
    {"plan", "{'review_every_days':0}", "review_every_days"},
    {"plan", "{'review_every_days':366}", "review_every_days"},
    {"plan", "{'goals':[{'domain':'health'}]}", "goals[0].text"},
    {"plan", "{'goals':[{'text':'x'}]}", "goals[0].domain"},
    {"plan", "{'goals':[{'domain':'health','text':'x'},{'domain':'fun','text':'y'}]}",
     "goals[1].domain"},
    {"plan", "{'goals':[{'domain':'health','text':'x','status':'closed'}]}", "goals[0].status"},
    {"plan", "{'goals':{}}", "goals"},
    /* plan reviews */
    {"plan/reviews", "{'notes':'x'}", "on"},
    {"plan/reviews", "{'on':'2026-11-23'}", "on"},
    {"plan/reviews", "{'on':'2026-02-30'}", "on"},
    /* notes */
    {"notes", "{'body':'x'}", "kind"},
    {"notes", "{'kind':'visit'}", "body"},
    {"notes", "{'kind':'visit','body':'  '}", "body"},
    {"notes", "{'kind':'letter','body':'x'}", "kind"},
    {"notes", "{'kind':'visit','body':'x','author':'me'}", "author"},
    /* consents */
    {"consents", "{'given_on':'2026-05-01'}", "purpose"},
    {"consents", "{'purpose':'handover'}", "given_on"},
    {"consents", "{'purpose':'share_with_org','given_on':'2026-05-01'}", "org_id"},
    {"consents", "{'purpose':'share_with_org','org_id':'nope','given_on':'2026-05-01'}", "org_id"},
    {"consents", "{'purpose':'marketing','given_on':'2026-05-01'}", "purpose"},
    {"consents", "{'purpose':'handover','given_on':'2026-11-23'}", "given_on"},
    {"consents", "{'purpose':'handover','given_on':'2026-05-01','withdrawn_on':'2026-04-30'}",
     "withdrawn_on"},
    {"consents", "{'purpose':'handover','given_on':'2026-05-01','withdrawn_on':'2026-11-23'}",
     "withdrawn_on"},
    {"consents", "{'purpose':'handover','given_on':'2026-05-01','method':'email'}", "method"},
    {"consents", "{'purpose':'handover','given_on':'2026-05-01','interpreter_used':'no'}",
     "interpreter_used"},
};

static void every_rule_is_refused_naming_its_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
		invalid(refusals[i].kind, refusals[i].text, refusals[i].field);
}

/* Free text may be long and span lines; one-line text may not. */
static void text_lengths(void **state)
{
	(void)state;
	char *big = malloc(20100);
	assert_non_null(big);
	for (int pass = 0; pass < 2; pass++) {
		size_t n = pass ? 20001 : 20000;
		memset(big, 'a', n);
		big[n] = '\0';
		json_t *note = json_pack("{s:s, s:s}", "kind", "other", "body", big);
		struct schema_error err;
		wm_err e = kind("notes")->validate(note, NULL, today(), &err);
		assert_int_equal(e, pass ? WM_ERR_INVALID : WM_OK);
		if (pass)
			assert_string_equal(err.field, "body");
		json_decref(note);
	}
	memset(big, 'a', 201);
	big[201] = '\0';
	json_t *med = json_pack("{s:s, s:s}", "name", big, "category", "other");
	struct schema_error err;
	assert_int_equal(kind("medications")->validate(med, NULL, today(), &err), WM_ERR_INVALID);
	assert_string_equal(err.field, "name");
	json_decref(med);
	free(big);
}

/* Input never sets a server field, in any kind. */
static void server_fields_refused_everywhere(void **state)
{
	(void)state;
	static const char *const fields[] = {"id",	   "version",	 "survivor_id",
					     "created_at", "updated_at", "org_id"};
	for (size_t k = 0; k < kind_count; k++) {
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
			const struct schema_field *f =
			    schema_find(kind_table[k]->schema, fields[i]);
			assert_non_null(f);
			/* A consent's org_id is the organisation consented to. */
			if (strcmp(kind_table[k]->name, "consents") == 0 &&
			    strcmp(fields[i], "org_id") == 0) {
				assert_false(f->flags & SCH_SERVER);
				continue;
			}
			assert_true(f->flags & SCH_SERVER);
			json_t *item = json_pack("{s:i}", fields[i], 1);
			struct schema_error err;
			assert_int_equal(kind_table[k]->validate(item, NULL, today(), &err),
					 WM_ERR_INVALID);
			assert_string_equal(err.field, fields[i]);
			json_decref(item);
		}
	}
}

/* A known field set to null is absent; an unknown one is still refused. */
static void nulls_are_absent(void **state)
{
	(void)state;
	json_t *r =
	    valid("referrals", "{'service':'legal','sent_on':'2026-05-01','accepted_on':null}");
	assert_null(json_object_get(r, "accepted_on"));
	json_decref(r);
	invalid("referrals", "{'service':'legal','sent_on':'2026-05-01','seen':null}", "seen");
}

/* ---- defaults ------------------------------------------------------------ */

static void defaults_are_set(void **state)
{
	(void)state;
	json_t *r = valid("registrations", "{'service':'gp','registered_on':'2026-04-01'}");
	assert_string_equal(str(r, "person"), "survivor");
	json_decref(r);

	json_t *a = valid("appointments", "{'kind':'gp','starts_at':'2026-12-01T10:00:00Z'}");
	assert_string_equal(str(a, "status"), "scheduled");
	json_decref(a);

	json_t *p = valid("plan", "{'goals':[{'domain':'health','text':'GP'},"
				  "{'domain':'safety','text':'Phone','status':'dropped'}]}");
	assert_int_equal(json_integer_value(json_object_get(p, "review_every_days")), 28);
	json_t *goals = json_object_get(p, "goals");
	assert_string_equal(str(json_array_get(goals, 0), "status"), "open");
	assert_string_equal(str(json_array_get(goals, 1), "status"), "dropped");
	json_decref(p);

	/* A value sent is kept. */
	json_t *p2 = valid("plan", "{'review_every_days':7}");
	assert_int_equal(json_integer_value(json_object_get(p2, "review_every_days")), 7);
	json_decref(p2);

	/* Running validate again on its own output changes nothing (a PATCH
	 * validates the merge of a stored, already normalised item). */
	json_t *again = valid("plan", "{'goals':[{'domain':'health','text':'GP'}]}");
	json_t *copy = json_deep_copy(again);
	struct schema_error err;
	assert_int_equal(kind("plan")->validate(again, NULL, today(), &err), WM_OK);
	assert_true(json_equal(again, copy));
	json_decref(again);
	json_decref(copy);
}

/* ---- dependants ---------------------------------------------------------- */

static void dependant_must_exist(void **state)
{
	(void)state;
	json_decref(valid("registrations", "{'service':'gp','person':'dependant:1','registered_on':"
					   "'2026-04-01'}"));
	json_decref(valid("registrations", "{'service':'gp','person':'dependant:2','registered_on':"
					   "'2026-04-01'}"));
	json_decref(valid("registrations",
			  "{'service':'gp','person':'survivor','registered_on':'2026-04-01'}"));
	static const char *const bad[] = {"dependant:0",  "dependant:3",  "dependant:01",
					  "dependant:",	  "dependant:-1", "dependant:1x",
					  "dependant: 1", "Dependant:1",  "dependant:99999999999",
					  "survivor ",	  "dependant:+1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[200];
		snprintf(text, sizeof text,
			 "{'service':'gp','person':'%s','registered_on':'2026-04-01'}", bad[i]);
		invalid("registrations", text, "person");
	}

	/* Without a survivor record (or one with no dependants) no child exists. */
	json_t *item =
	    parse("{'service':'gp','person':'dependant:1','registered_on':'2026-04-01'}");
	struct schema_error err;
	assert_int_equal(kind("registrations")->validate(item, NULL, today(), &err),
			 WM_ERR_INVALID);
	assert_string_equal(err.field, "person");
	json_decref(item);
}

/* ---- what a share sees ----------------------------------------------------- */

static void shares_never_see_case_team_words(void **state)
{
	(void)state;
	json_t *a = valid("appointments", "{'kind':'gp','starts_at':'2026-12-01T10:00:00Z',"
					  "'provider':'Hill Surgery','notes':'Fragile'}");
	json_t *v = schema_view(kind("appointments")->schema, a, VIEW_SHARED);
	assert_null(json_object_get(v, "notes"));
	assert_string_equal(str(v, "provider"), "Hill Surgery");
	json_decref(v);
	v = schema_view(kind("appointments")->schema, a, VIEW_CASE_TEAM);
	assert_string_equal(str(v, "notes"), "Fragile");
	json_decref(v);
	json_decref(a);

	json_t *n = valid("notes", "{'kind':'call','body':'Said'}");
	v = schema_view(kind("notes")->schema, n, VIEW_SHARED);
	assert_null(json_object_get(v, "body"));
	json_decref(v);
	json_decref(n);

	json_t *r = valid("plan/reviews", "{'on':'2026-11-01','notes':'Said'}");
	v = schema_view(kind("plan/reviews")->schema, r, VIEW_SHARED);
	assert_null(json_object_get(v, "notes"));
	assert_string_equal(str(v, "on"), "2026-11-01");
	json_decref(v);
	json_decref(r);

	/* Server fields are kept by the view (the schema knows them). */
	json_t *c = parse("{'id':'0123456789abcdef0123456789abcdef','version':2,"
			  "'purpose':'handover','given_on':'2026-05-01'}");
	v = schema_view(kind("consents")->schema, c, VIEW_SHARED);
	assert_int_equal(json_integer_value(json_object_get(v, "version")), 2);
	assert_non_null(json_object_get(v, "id"));
	json_decref(v);
	json_decref(c);
}

/* ---- the registry ---------------------------------------------------------- */

struct expected {
	const char *name, *table;
	enum kind_shape shape;
	bool append_only;
	enum action read, create;
};

static const struct expected expected[] = {
    {"nrm", "nrm", KIND_ONE, false, ACT_CASE_DETAILS_READ, ACT_RECORD_WRITE},
    {"asylum", "asylum", KIND_ONE, false, ACT_CASE_DETAILS_READ, ACT_RECORD_WRITE},
    {"plan", "plan", KIND_ONE, false, ACT_HEALTH_READ, ACT_RECORD_WRITE},
    {"plan/reviews", "plan_reviews", KIND_LIST, true, ACT_HEALTH_READ, ACT_RECORD_WRITE},
    {"registrations", "registrations", KIND_LIST, false, ACT_HEALTH_READ, ACT_RECORD_WRITE},
    {"appointments", "appointments", KIND_LIST, false, ACT_HEALTH_READ, ACT_CARE_ADD},
    {"referrals", "referrals", KIND_LIST, false, ACT_HEALTH_READ, ACT_CARE_ADD},
    {"medications", "medications", KIND_LIST, false, ACT_HEALTH_READ, ACT_RECORD_WRITE},
    {"notes", "notes", KIND_LIST, true, ACT_CASE_DETAILS_READ, ACT_RECORD_WRITE},
    {"consents", "consents", KIND_LIST, false, ACT_HEALTH_READ, ACT_RECORD_WRITE},
    {"snoozes", "snoozes", KIND_LIST, true, ACT_CASE_DETAILS_READ, ACT_RECORD_WRITE},
};

/* ---- snoozes ------------------------------------------------------------------ */

/* Today is 2026-11-22: a snooze lasts at most 30 days, 2 for a critical rule,
 * and names its item exactly when the rule's alerts do. */
static void snooze_limits(void **state)
{
	(void)state;
	json_decref(valid("snoozes", "{'rule':'plan_missing','until':'2026-11-23','reason':'r'}"));
	json_decref(valid("snoozes", "{'rule':'plan_missing','until':'2026-12-22','reason':'r'}"));
	invalid("snoozes", "{'rule':'plan_missing','until':'2026-12-23','reason':'r'}", "until");
	invalid("snoozes", "{'rule':'plan_missing','until':'2026-11-22','reason':'r'}", "until");
	invalid("snoozes", "{'rule':'plan_missing','until':'2026-11-01','reason':'r'}", "until");
	json_decref(valid("snoozes", "{'rule':'third_party_cancellation','item_id':'x',"
				     "'until':'2026-11-24','reason':'r'}"));
	invalid(
	    "snoozes",
	    "{'rule':'third_party_cancellation','item_id':'x','until':'2026-11-25','reason':'r'}",
	    "until");
	invalid("snoozes", "{'rule':'third_party_cancellation','until':'2026-11-24','reason':'r'}",
		"item_id");
	invalid("snoozes",
		"{'rule':'plan_missing','item_id':'x','until':'2026-11-24','reason':'r'}",
		"item_id");
	invalid("snoozes", "{'rule':'plan_missing','until':'2026-11-24'}", "reason");
	invalid("snoozes", "{'rule':'made_up','until':'2026-11-24','reason':'r'}", "rule");
	invalid("snoozes",
		"{'rule':'plan_missing','until':'2026-11-24','reason':'r',"
		"'item_version':3}",
		"item_version");
	/* A dependant's alert names a dependant the survivor has (two here). */
	json_decref(valid("snoozes", "{'rule':'dependant_gp_unregistered','item_id':'dependant:2',"
				     "'until':'2026-11-24','reason':'r'}"));
	invalid("snoozes",
		"{'rule':'dependant_gp_unregistered','item_id':'dependant:3',"
		"'until':'2026-11-24','reason':'r'}",
		"item_id");
	invalid("snoozes",
		"{'rule':'dependant_gp_unregistered','item_id':'dependant:01',"
		"'until':'2026-11-24','reason':'r'}",
		"item_id");
}

/* The rules a snooze may name are exactly the alert engine's. */
static void snooze_rules_are_the_engines(void **state)
{
	(void)state;
	const char *const *names = kind_snooze_rules();
	size_t n = 0;
	for (; names[n]; n++) {
		enum alert_rule r;
		assert_true(alert_rule_parse(names[n], &r));
		assert_int_equal(r, (int)n);
		assert_string_equal(alert_rule_name(r), names[n]);
	}
	assert_int_equal(n, RULE_COUNT);
}

static void registry_declares_every_kind(void **state)
{
	(void)state;
	size_t n = sizeof expected / sizeof expected[0];
	assert_int_equal(kind_count, n);
	for (size_t i = 0; i < n; i++) {
		const struct kind *k = kind_table[i];
		assert_string_equal(k->name, expected[i].name);
		assert_ptr_equal(kind_find(expected[i].name), k);
		assert_string_equal(k->table, expected[i].table);
		assert_int_equal(k->shape, expected[i].shape);
		assert_int_equal(k->append_only, expected[i].append_only);
		assert_int_equal(k->read, expected[i].read);
		assert_int_equal(k->create, expected[i].create);
		assert_int_equal(k->update, ACT_RECORD_WRITE);
		assert_non_null(k->schema);
		assert_non_null(k->validate);
		for (size_t j = 0; j < i; j++)
			assert_true(strcmp(kind_table[j]->table, k->table) != 0);
	}
	assert_null(kind_find("survivors"));
	assert_null(kind_find("plan/"));
	assert_null(kind_find("reviews"));
	assert_null(kind_find(""));
	assert_null(kind_find(NULL));
}

static void routes_name_their_kind(void **state)
{
	(void)state;
	for (size_t i = 0; i < kind_count; i++) {
		const struct kind *k = kind_table[i];
		char route[128];
		snprintf(route, sizeof route, "/api/v1/survivors/{id}/%s", k->name);
		assert_ptr_equal(kind_of_route(route), k);
		snprintf(route, sizeof route, "/api/v1/survivors/{id}/%s/{item_id}", k->name);
		assert_ptr_equal(kind_of_route(route), k->shape == KIND_LIST ? k : NULL);
	}
	assert_ptr_equal(kind_of_route("/api/v1/survivors/{id}/plan/reviews"),
			 kind("plan/reviews"));
	assert_ptr_equal(kind_of_route("/api/v1/survivors/{id}/plan/reviews/{item_id}"),
			 kind("plan/reviews"));
	assert_ptr_equal(kind_of_route("/api/v1/survivors/{id}/plan"), kind("plan"));
	static const char *const none[] = {
	    "/api/v1/survivors/{id}",
	    "/api/v1/survivors/{id}/",
	    "/api/v1/survivors/{id}/record",
	    "/api/v1/survivors/{id}/access-log",
	    "/api/v1/survivors",
	    "/api/v1/appointments",
	    "/api/v1/survivors/{id}/notes/",
	    "/api/v1/survivors/{id}/notes/x",
	    "/api/v1/survivors/{id}/notes/{item_id}/more",
	    "/api/v1/survivors/{id}/notes/{item_id}/{x}",
	    "/api/v1/survivors/{id}/plan/{item_id}",
	    "/api/v1/survivors/{id}/nrm/{item_id}",
	    "/api/v1/survivors/{other}/notes",
	    "/api/v2/survivors/{id}/notes",
	    "",
	    NULL,
	};
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
		if (kind_of_route(none[i]) != NULL)
			fail_msg("kind_of_route(%s) found a kind", none[i] ? none[i] : "NULL");
}

/* ---- columns ----------------------------------------------------------------- */

/* The field at a dotted path ("interpreter.needed") of s; NULL when none. */
static const struct schema_field *field_at(const struct schema *s, const char *path)
{
	char part[SCHEMA_PATH_MAX];
	for (;;) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		assert_true(n < sizeof part);
		memcpy(part, path, n);
		part[n] = '\0';
		const struct schema_field *f = schema_find(s, part);
		if (!f || !dot)
			return f;
		if (f->type != SCH_OBJECT)
			return NULL;
		s = f->object;
		path = dot + 1;
	}
}

static bool column_fits(enum column_type c, enum schema_type t)
{
	switch (c) {
	case COLUMN_DAY:
		return t == SCH_DATE;
	case COLUMN_INSTANT:
		return t == SCH_INSTANT;
	case COLUMN_CODE:
		return t == SCH_ENUM;
	case COLUMN_FLAG:
		return t == SCH_BOOL;
	case COLUMN_INT:
		return t == SCH_INT;
	case COLUMN_ID:
		return t == SCH_ID;
	case COLUMN_TEXT: /* one short line, never free text */
		return t == SCH_STRING || t == SCH_LANGTAG || t == SCH_COUNTRY;
	case COLUMN_GOALS: /* codes only: the goals' words stay sealed */
		return t == SCH_ARRAY;
	}
	return false;
}

static const char *const common_columns[] = {
    "seq", "id", "survivor_id", "org_id", "version", "created_at", "updated_at", "key_id", "body"};

static void columns_match_their_fields(void **state)
{
	(void)state;
	for (size_t i = 0; i < kind_count; i++) {
		const struct kind *k = kind_table[i];
		assert_true(k->ncolumns > 0);
		for (size_t c = 0; c < k->ncolumns; c++) {
			const struct kind_column *col = &k->columns[c];
			const struct schema_field *f = field_at(k->schema, col->field);
			if (!f)
				fail_msg("%s: column %s: no field %s", k->name, col->column,
					 col->field);
			if (!column_fits(col->type, f->type))
				fail_msg("%s: column %s does not fit field %s", k->name,
					 col->column, col->field);
			/* A server field is a common column, never the kind's own;
			 * but for the version of the item a snooze is about, which
			 * the server reads from that item when the snooze is made. */
			if ((f->flags & SCH_SERVER) && strcmp(col->field, "item_version") != 0)
				fail_msg("%s: column %s copies a server field", k->name,
					 col->column);
			if (f->type == SCH_STRING && f->max != 0 && f->max > 32)
				fail_msg("%s: column %s holds long text", k->name, col->column);
			for (size_t j = 0; j < sizeof common_columns / sizeof common_columns[0];
			     j++)
				if (strcmp(col->column, common_columns[j]) == 0)
					fail_msg("%s: column %s is a common column", k->name,
						 col->column);
			for (size_t j = 0; j < c; j++)
				if (strcmp(k->columns[j].column, col->column) == 0 ||
				    strcmp(k->columns[j].field, col->field) == 0)
					fail_msg("%s: column %s twice", k->name, col->column);
		}
	}
}

/* A free-text field is never a column: checked over every string field. */
static void no_free_text_in_columns(void **state)
{
	(void)state;
	for (size_t i = 0; i < kind_count; i++) {
		const struct kind *k = kind_table[i];
		for (size_t c = 0; c < k->ncolumns; c++) {
			const struct schema_field *f = field_at(k->schema, k->columns[c].field);
			assert_non_null(f);
			assert_int_not_equal(f->type, SCH_TEXT);
			/* The only plain strings kept are a registration's person
			 * and the item a snooze is about (an id or "dependant:N"). */
			if (f->type == SCH_STRING && strcmp(k->columns[c].field, "item_id") != 0)
				assert_string_equal(k->columns[c].field, "person");
		}
	}
}

/* ---- the migration ------------------------------------------------------------ */

static char *read_text(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot open %s (tests run from the repository root)", path);
	char *buf = malloc(65536);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 65535, fp);
	fclose(fp);
	assert_true(n < 65535);
	buf[n] = '\0';
	return buf;
}

/* True when word appears in [from, to) as a whole identifier. */
static bool has_word(const char *from, const char *to, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = from; p + n <= to; p++) {
		if (memcmp(p, word, n) != 0)
			continue;
		char before = p == from ? ' ' : p[-1];
		char after = p[n];
		bool ident_before = before == '_' || (before >= 'a' && before <= 'z');
		bool ident_after = after == '_' || (after >= 'a' && after <= 'z');
		if (!ident_before && !ident_after)
			return true;
	}
	return false;
}

static void migration_has_every_table_and_column(void **state)
{
	(void)state;
	/* The case record's tables, and those of kinds added since. */
	char *sql = read_text("src/store/migrations/sqlite/011_case_record.sql");
	char *more = read_text("src/store/migrations/sqlite/015_alerts.sql");
	char *both = malloc(strlen(sql) + strlen(more) + 1);
	assert_non_null(both);
	strcpy(both, sql);
	strcat(both, more);
	free(sql);
	free(more);
	sql = both;
	/* Columns added later, each by "ALTER TABLE t ADD COLUMN c TYPE;". */
	char *later = read_text("src/store/migrations/sqlite/016_report.sql");
	for (size_t i = 0; i < kind_count; i++) {
		const struct kind *k = kind_table[i];
		char head[96];
		snprintf(head, sizeof head, "CREATE TABLE IF NOT EXISTS %s (", k->table);
		const char *start = strstr(sql, head);
		if (!start)
			fail_msg("no table %s", k->table);
		const char *end = strstr(start, ");");
		assert_non_null(end);
		for (size_t j = 0; j < sizeof common_columns / sizeof common_columns[0]; j++)
			if (!has_word(start + strlen(head), end, common_columns[j]))
				fail_msg("table %s lacks %s", k->table, common_columns[j]);
		for (size_t c = 0; c < k->ncolumns; c++) {
			const struct kind_column *col = &k->columns[c];
			char alter[160];
			snprintf(alter, sizeof alter, "ALTER TABLE %s ADD COLUMN %s TEXT;",
				 k->table, col->column);
			if (col->type == COLUMN_GOALS && strstr(later, alter))
				continue;
			if (!has_word(start + strlen(head), end, col->column))
				fail_msg("table %s lacks column %s", k->table, col->column);
			/* Its SQL type follows its column type. */
			char decl[96];
			bool integer = col->type == COLUMN_DAY || col->type == COLUMN_INSTANT ||
				       col->type == COLUMN_FLAG || col->type == COLUMN_INT;
			snprintf(decl, sizeof decl, " %s ", col->column);
			const char *at = strstr(start, decl);
			assert_true(at && at < end);
			at += strlen(decl);
			while (*at == ' ')
				at++;
			if (strncmp(at, integer ? "INTEGER" : "TEXT", integer ? 7 : 4) != 0)
				fail_msg("table %s: column %s has the wrong SQL type", k->table,
					 col->column);
		}
		char idx[128];
		snprintf(idx, sizeof idx,
			 "CREATE INDEX IF NOT EXISTS %s_survivor ON %s(survivor_id, seq);",
			 k->table, k->table);
		if (!strstr(sql, idx))
			fail_msg("no list index on %s", k->table);
		snprintf(idx, sizeof idx,
			 "CREATE UNIQUE INDEX IF NOT EXISTS %s_one ON %s(survivor_id);", k->table,
			 k->table);
		if ((strstr(sql, idx) != NULL) != (k->shape == KIND_ONE))
			fail_msg("%s: one-per-survivor index does not match its shape", k->table);
	}
	free(later);
	free(sql);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_example_is_valid),
	    cmocka_unit_test(every_rule_is_refused_naming_its_field),
	    cmocka_unit_test(text_lengths),
	    cmocka_unit_test(server_fields_refused_everywhere),
	    cmocka_unit_test(nulls_are_absent),
	    cmocka_unit_test(defaults_are_set),
	    cmocka_unit_test(dependant_must_exist),
	    cmocka_unit_test(shares_never_see_case_team_words),
	    cmocka_unit_test(snooze_limits),
	    cmocka_unit_test(snooze_rules_are_the_engines),
	    cmocka_unit_test(registry_declares_every_kind),
	    cmocka_unit_test(routes_name_their_kind),
	    cmocka_unit_test(columns_match_their_fields),
	    cmocka_unit_test(no_free_text_in_columns),
	    cmocka_unit_test(migration_has_every_table_and_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
