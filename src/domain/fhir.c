/*
 * fhir.c - the handover's selection (handover_view) and its FHIR R4
 * document (fhir_bundle). See fhir.h for the contract and docs/handover.md
 * for the mapping, field by field.
 *
 * The selection copies from lists of allowed fields rather than removing
 * forbidden ones: what is not named here never leaves, whatever the record
 * grows to hold.
 */
#include "fhir.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "date.h"

/* ---- the selection ---- */

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool has(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return v && !json_is_null(v);
}

/* A new object with the members of src named in keys (deep copies);
 * absent or null ones are left out. */
static json_t *pick(const json_t *src, const char *const keys[])
{
	json_t *out = json_object();
	for (size_t i = 0; out && keys[i]; i++)
		if (has(src, keys[i]))
			json_object_set_new(out, keys[i],
					    json_deep_copy(json_object_get(src, keys[i])));
	return out;
}

/* pick over every object of the array src (a missing one: []). keep, when
 * set, decides which items go. */
static json_t *pick_all(const json_t *src, const char *const keys[],
			bool (*keep)(const json_t *item))
{
	json_t *out = json_array();
	size_t i;
	const json_t *it;
	json_array_foreach(src, i, it)
	{
		if (out && json_is_object(it) && (!keep || keep(it)))
			json_array_append_new(out, pick(it, keys));
	}
	return out;
}

static bool active_on(const json_t *consent, int today)
{
	int given, withdrawn;
	const char *purpose = str(consent, "purpose");
	if (!purpose || strcmp(purpose, "handover") != 0)
		return false;
	if (!has(consent, "given_on") || !date_parse(str(consent, "given_on"), &given) ||
	    given > today)
		return false;
	/* Withdrawn from the day it is withdrawn (as a share ends). */
	return !has(consent, "withdrawn_on") ||
	       (date_parse(str(consent, "withdrawn_on"), &withdrawn) && withdrawn > today);
}

const json_t *handover_consent(const json_t *consents, int today)
{
	const json_t *best = NULL;
	int best_day = 0;
	size_t i;
	const json_t *c;
	json_array_foreach(consents, i, c)
	{
		int day;
		if (!active_on(c, today) || !date_parse(str(c, "given_on"), &day))
			continue;
		if (!best || day >= best_day) {
			best = c;
			best_day = day;
		}
	}
	return best;
}

static bool includes(const json_t *consent, const char *part)
{
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(consent, "includes"), i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), part) == 0)
			return true;
	}
	return false;
}

const char *handover_nrm_stage(const json_t *nrm)
{
	if (!json_is_object(nrm))
		return NULL;
	const char *cg = str(nrm, "cg_outcome"), *rg = str(nrm, "rg_outcome");
	if (cg)
		return strcmp(cg, "positive") == 0 ? "conclusive_grounds_positive"
						   : "conclusive_grounds_negative";
	if (rg)
		return strcmp(rg, "positive") == 0 ? "reasonable_grounds_positive"
						   : "reasonable_grounds_negative";
	return json_is_true(json_object_get(nrm, "duty_to_notify_only")) ? "duty_to_notify"
									 : "referred";
}

const char *handover_asylum_stage(const json_t *asylum)
{
	if (!json_is_object(asylum))
		return NULL;
	if (has(asylum, "appeal_lodged_on"))
		return "appeal_lodged";
	const char *outcome = str(asylum, "outcome");
	if (outcome)
		return strcmp(outcome, "granted") == 0 ? "granted" : "refused";
	return "claimed";
}

/* A registration of the survivor's own: a dependant's is another person's
 * record, which this consent does not cover. */
static bool own_registration(const json_t *r)
{
	const char *person = str(r, "person");
	return !person || strcmp(person, "survivor") == 0;
}

static const char *const consent_keys[] = {"id",     "given_on", "method", "interpreter_used",
					   "org_id", "includes", NULL};
static const char *const patient_keys[] = {"known_as",	  "nhs_number", "birth_year", "gender",
					   "nationality", "pregnant",	"due_on",     NULL};
static const char *const language_keys[] = {"code", "interpreter_needed", "interpreter_gender",
					    NULL};
static const char *const contact_keys[] = {"phone", "safe_to_call", "safe_voicemail",
					   "safe_letters", NULL};
static const char *const care_keys[] = {"clinician_gender", "advocate_attends",
					"approach_with_care", "other", NULL};
static const char *const registration_keys[] = {
    "id", "service", "provider", "registered_on", "refused_on", "refusal_reason", NULL};
static const char *const interpreter_keys[] = {"language", "needed", "booked", "provided", NULL};
static const char *const appointment_keys[] = {"id",	       "kind",	       "starts_at",
					       "duration_min", "provider",     "advocate_attends",
					       "status",       "cancelled_by", NULL};
static const char *const referral_keys[] = {"id",	   "service",	  "provider",
					    "sent_on",	   "accepted_on", "first_seen_on",
					    "rejected_on", "closed_on",	  NULL};
static const char *const medication_keys[] = {
    "id", "name", "category", "started_on", "stopped_on", "explained", "explained_in_own_language",
    NULL};
static const char *const plan_keys[] = {"id", "review_every_days", NULL};
static const char *const goal_keys[] = {"domain", "text", "status", NULL};

static json_t *patient_view(const json_t *s, const json_t *consent)
{
	json_t *p = pick(s, patient_keys);
	if (!p)
		return NULL;
	json_object_set_new(p, "languages",
			    pick_all(json_object_get(s, "languages"), language_keys, NULL));
	if (includes(consent, "legal_name") && has(s, "legal_name"))
		json_object_set_new(p, "legal_name",
				    json_deep_copy(json_object_get(s, "legal_name")));
	if (includes(consent, "contact") && json_is_object(json_object_get(s, "contact")))
		json_object_set_new(p, "contact",
				    pick(json_object_get(s, "contact"), contact_keys));
	/* Dependants only by their years of birth: their own records are
	 * theirs, and a clinician needs to know only that there are some. */
	const json_t *deps = json_object_get(s, "dependants");
	if (json_array_size(deps)) {
		json_t *years = json_array();
		size_t i;
		const json_t *d;
		json_array_foreach(deps, i, d)
		{
			json_t *y = json_object_get(d, "birth_year");
			json_array_append_new(years,
					      json_is_integer(y) ? json_incref(y) : json_null());
		}
		json_object_set_new(p, "dependants", years);
	}
	return p;
}

static json_t *appointments_view(const json_t *arr)
{
	json_t *out = pick_all(arr, appointment_keys, NULL);
	size_t i;
	json_t *a;
	json_array_foreach(out, i, a)
	{
		const json_t *in = json_object_get(json_array_get(arr, i), "interpreter");
		if (json_is_object(in))
			json_object_set_new(a, "interpreter", pick(in, interpreter_keys));
	}
	return out;
}

static json_t *plan_view(const json_t *plan)
{
	if (!json_is_object(plan))
		return NULL;
	json_t *p = pick(plan, plan_keys);
	if (p)
		json_object_set_new(p, "goals",
				    pick_all(json_object_get(plan, "goals"), goal_keys, NULL));
	return p;
}

wm_err handover_view(const json_t *record, int today, json_t **view)
{
	*view = NULL;
	const json_t *consent = handover_consent(json_object_get(record, "consents"), today);
	if (!consent)
		return WM_ERR_FORBIDDEN;
	const json_t *s = json_object_get(record, "survivor");
	json_t *v = json_object();
	if (!v)
		return WM_ERR_NOMEM;
	json_object_set_new(v, "consent", pick(consent, consent_keys));
	json_object_set_new(v, "patient", patient_view(s, consent));
	const json_t *care = json_object_get(s, "care_needs");
	json_object_set_new(v, "care_needs",
			    json_is_object(care) ? pick(care, care_keys) : json_object());
	json_object_set_new(v, "registrations",
			    pick_all(json_object_get(record, "registrations"), registration_keys,
				     own_registration));
	json_object_set_new(v, "appointments",
			    appointments_view(json_object_get(record, "appointments")));
	json_object_set_new(v, "referrals",
			    pick_all(json_object_get(record, "referrals"), referral_keys, NULL));
	json_object_set_new(
	    v, "medications",
	    pick_all(json_object_get(record, "medications"), medication_keys, NULL));
	json_t *plan = plan_view(json_object_get(record, "plan"));
	if (plan)
		json_object_set_new(v, "plan", plan);
	const char *nrm = handover_nrm_stage(json_object_get(record, "nrm"));
	if (nrm && includes(consent, "nrm"))
		json_object_set_new(v, "nrm", json_pack("{s:s}", "stage", nrm));
	const char *asylum = handover_asylum_stage(json_object_get(record, "asylum"));
	if (asylum && includes(consent, "asylum"))
		json_object_set_new(v, "asylum", json_pack("{s:s}", "stage", asylum));
	/* One check for every allocation above: a member that failed to be
	 * made is missing, and a view missing a part is not sent. */
	static const char *const parts[] = {
	    "consent",	    "patient",	 "care_needs",	"registrations",
	    "appointments", "referrals", "medications", NULL};
	for (size_t i = 0; parts[i]; i++)
		if (!json_object_get(v, parts[i])) {
			json_decref(v);
			return WM_ERR_NOMEM;
		}
	*view = v;
	return WM_OK;
}

/* ---- codes ---- */

#define LOINC	  "http://loinc.org"
#define SNOMED	  "http://snomed.info/sct"
#define BCP47	  "urn:ietf:bcp:47"
#define ISO3166	  "urn:iso:std:iso:3166"
#define NHS_NO	  "https://fhir.nhs.uk/Id/nhs-number"
#define CS(name)  FHIR_WAYMARK "/CodeSystem/" name
#define EXT(name) FHIR_WAYMARK "/StructureDefinition/" name
#define UKCORE(r) "https://fhir.hl7.org.uk/StructureDefinition/UKCore-" r
#define IPS(r)	  "http://hl7.org/fhir/uv/ips/StructureDefinition/" r
#define HL7CS(n)  "http://terminology.hl7.org/CodeSystem/" n

struct language {
	const char *code, *name;
};
/* The languages survivors in the UK most often speak (and English). */
static const struct language languages[] = {
    {"am", "Amharic"},	  {"ar", "Arabic"},	{"bn", "Bengali"},    {"en", "English"},
    {"es", "Spanish"},	  {"fa", "Persian"},	{"fr", "French"},     {"ha", "Hausa"},
    {"hi", "Hindi"},	  {"ig", "Igbo"},	{"ku", "Kurdish"},    {"ckb", "Central Kurdish"},
    {"om", "Oromo"},	  {"pa", "Punjabi"},	{"pl", "Polish"},     {"prs", "Dari"},
    {"ps", "Pashto"},	  {"pt", "Portuguese"}, {"ro", "Romanian"},   {"ru", "Russian"},
    {"so", "Somali"},	  {"sq", "Albanian"},	{"sw", "Swahili"},    {"ta", "Tamil"},
    {"ti", "Tigrinya"},	  {"tr", "Turkish"},	{"uk", "Ukrainian"},  {"ur", "Urdu"},
    {"vi", "Vietnamese"}, {"yo", "Yoruba"},	{"zh", "Chinese"},    {"bg", "Bulgarian"},
    {"cs", "Czech"},	  {"hu", "Hungarian"},	{"lt", "Lithuanian"}, {"sk", "Slovak"},
    {"tw", "Twi"},	  {"th", "Thai"},	{"tl", "Tagalog"},    {"ne", "Nepali"},
};

/* The first n bytes of a and b are equal, ASCII letters compared without case. */
static bool same_ascii(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] + 32) : a[i];
		char y = b[i] >= 'A' && b[i] <= 'Z' ? (char)(b[i] + 32) : b[i];
		if (x != y || !x)
			return false;
	}
	return true;
}

const char *fhir_language_name(const char *tag)
{
	if (!tag)
		return NULL;
	size_t n = strcspn(tag, "-");
	for (size_t i = 0; i < sizeof languages / sizeof languages[0]; i++)
		if (strlen(languages[i].code) == n && same_ascii(tag, languages[i].code, n))
			return languages[i].name;
	return NULL;
}

/* An interpreter was needed for the appointment and did not come: not
 * booked, or booked and not provided. */
static bool interpreter_missing(const json_t *a)
{
	const json_t *in = json_object_get(a, "interpreter");
	if (!json_is_true(json_object_get(in, "needed")))
		return false;
	return !json_is_true(json_object_get(in, "booked")) ||
	       json_is_false(json_object_get(in, "provided"));
}

const char *fhir_cancellation_code(const json_t *a)
{
	const char *status = str(a, "status");
	if (!status || strcmp(status, "cancelled") != 0)
		return NULL;
	const char *by = str(a, "cancelled_by");
	if (by && strcmp(by, "survivor") == 0)
		return "pat";
	bool ours = by && (strcmp(by, "provider") == 0 || strcmp(by, "advocate") == 0);
	if (ours && interpreter_missing(a))
		return "oth-int";
	return by && strcmp(by, "provider") == 0 ? "prov" : "other";
}

static const char *cancellation_display(const char *code)
{
	if (strcmp(code, "pat") == 0)
		return "Patient";
	if (strcmp(code, "prov") == 0)
		return "Provider";
	if (strcmp(code, "oth-int") == 0)
		return "Other: No Interpreter Available";
	return "Other";
}

/* ---- building the document ---- */

static json_t *coding(const char *system, const char *code, const char *display)
{
	json_t *c = json_pack("{s:s, s:s}", "system", system, "code", code);
	if (c && display)
		json_object_set_new(c, "display", json_string(display));
	return c;
}

/* A CodeableConcept of one coding, and text when given. */
static json_t *concept(const char *system, const char *code, const char *display, const char *text)
{
	json_t *c = json_pack("{s:[o]}", "coding", coding(system, code, display));
	if (c && text)
		json_object_set_new(c, "text", json_string(text));
	return c;
}

static json_t *text_concept(const char *text)
{
	return json_pack("{s:s}", "text", text);
}

static json_t *meta(const char *p1, const char *p2)
{
	json_t *profiles = json_array();
	json_array_append_new(profiles, json_string(p1));
	if (p2)
		json_array_append_new(profiles, json_string(p2));
	return json_pack("{s:o}", "profile", profiles);
}

/* Words from a code: "talking_therapy" -> "Talking therapy". */
static void words(const char *code, char *out, size_t size)
{
	snprintf(out, size, "%s", code ? code : "");
	for (char *p = out; *p; p++)
		if (*p == '_')
			*p = ' ';
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 32);
	/* The initialisms health staff write in capitals. */
	static const char *const caps[] = {"Gp", "Ptsd", NULL};
	for (size_t i = 0; caps[i]; i++) {
		size_t n = strlen(caps[i]);
		if (strncmp(out, caps[i], n) == 0 && (out[n] == ' ' || out[n] == '\0'))
			for (size_t k = 1; k < n; k++)
				out[k] = (char)(out[k] - 32);
	}
}

enum section_id {
	SEC_PROBLEMS,
	SEC_ALLERGIES,
	SEC_MEDICATIONS,
	SEC_PLAN,
	SEC_ALERTS,
	SEC_SOCIAL,
	SEC_PREGNANCY,
	SEC_APPOINTMENTS,
	SEC_REGISTRATIONS,
	SEC_CONSENT,
	SEC_COUNT
};

struct section_def {
	const char *title, *system, *code, *display;
	const char *empty; /* the narrative when it has no entry; NULL: left out then */
};

static const struct section_def section_defs[SEC_COUNT] = {
    [SEC_PROBLEMS] = {"Problems", LOINC, "11450-4", "Problem list - Reported",
		      "There is no information available about the patient's health problems: "
		      "the referring agency does not record diagnoses."},
    [SEC_ALLERGIES] = {"Allergies and Intolerances", LOINC, "48765-2",
		       "Allergies and adverse reactions Document",
		       "There is no information available about the patient's allergies."},
    [SEC_MEDICATIONS] = {"Medication Summary", LOINC, "10160-0",
			 "History of Medication use Narrative",
			 "There is no information available about the patient's medication."},
    [SEC_PLAN] = {"Plan of Care", LOINC, "18776-5", "Plan of care note",
		  "There is no support plan or referral recorded."},
    [SEC_ALERTS] = {"Alerts", LOINC, "104605-1", "Alert", "No alerts."},
    [SEC_SOCIAL] = {"Social History", LOINC, "29762-2", "Social history note",
		    "There is no social history the patient agreed to share."},
    [SEC_PREGNANCY] = {"History of Pregnancy", LOINC, "10162-6", "History of pregnancies Narrative",
		       NULL},
    [SEC_APPOINTMENTS] = {"Appointments", CS("handover-section"), "appointments", "Appointments",
			  NULL},
    [SEC_REGISTRATIONS] = {"Registrations with health services", CS("handover-section"),
			   "registrations", "Registrations with health services", NULL},
    [SEC_CONSENT] = {"Consent to this handover", CS("handover-section"), "consent",
		     "Consent to this handover", NULL},
};

struct builder {
	const struct fhir_doc *doc;
	unsigned n; /* entries made so far */
	json_t *entries;
	char patient[46], org[46]; /* their urn:uuid */
	json_t *refs[SEC_COUNT];
	struct buf text[SEC_COUNT]; /* each section's narrative list items */
};

/* The urn:uuid of the document's nth resource (0: the document itself):
 * the document id with n added to its last 32 bits, shaped as a version 4
 * UUID. Distinct for every n of one document. */
static void uuid_of(const char *doc_id, unsigned n, char out[46])
{
	char hex[33];
	unsigned long tail = strtoul(doc_id + 24, NULL, 16);
	snprintf(hex, sizeof hex, "%.24s%08lx", doc_id, (tail + n) & 0xffffffffUL);
	hex[12] = '4';
	static const char variant[] = "89ab";
	int v = hex[16] >= 'a' ? hex[16] - 'a' + 10 : hex[16] - '0';
	hex[16] = variant[v & 3];
	snprintf(out, 46, "urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
		 hex + 20);
}

static bool hex32(const char *s)
{
	if (!s || strlen(s) != 32)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static json_t *ref(const char *uuid)
{
	return json_pack("{s:s}", "reference", uuid);
}

/* Adds res (stolen) as the next entry, listed in section sec (SEC_COUNT:
 * none) with the narrative line; its urn:uuid in uuid_out when not NULL. */
static void add(struct builder *b, json_t *res, enum section_id sec, const char *line,
		char *uuid_out)
{
	char uuid[46];
	uuid_of(b->doc->doc_id, ++b->n, uuid);
	if (!res)
		res = json_object(); /* failed: leave a gap that the final check finds */
	json_object_set_new(res, "id", json_string(uuid + 9));
	json_array_append_new(b->entries,
			      json_pack("{s:s, s:o}", "fullUrl", uuid, "resource", res));
	if (uuid_out)
		memcpy(uuid_out, uuid, 46);
	if (sec == SEC_COUNT)
		return;
	json_array_append_new(b->refs[sec], ref(uuid));
	buf_adds(&b->text[sec], "<li>");
	buf_add_html(&b->text[sec], line, strlen(line));
	buf_adds(&b->text[sec], "</li>");
}

static json_t *subject(const struct builder *b)
{
	return ref(b->patient);
}

/* ---- the patient ---- */

/* UK Core's communication extension for one language of the patient. */
static json_t *nhs_communication(const json_t *lang, bool preferred)
{
	const char *code = str(lang, "code");
	return json_pack(
	    "{s:s, s:[{s:s, s:o}, {s:s, s:b}, {s:s, s:b}]}", "url",
	    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSCommunication",
	    "extension", "url", "language", "valueCodeableConcept",
	    concept(BCP47, code, fhir_language_name(code), NULL), "url", "preferred",
	    "valueBoolean", preferred, "url", "interpreterRequired", "valueBoolean",
	    json_is_true(json_object_get(lang, "interpreter_needed")));
}

static const char *fhir_gender(const char *g)
{
	if (!g)
		return NULL;
	if (strcmp(g, "female") == 0 || strcmp(g, "male") == 0)
		return g;
	return strcmp(g, "non_binary") == 0 ? "other" : "unknown";
}

static json_t *data_absent(void)
{
	return json_pack("{s:[{s:s, s:s}]}", "extension", "url",
			 "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode",
			 "unknown");
}

static void add_patient(struct builder *b, const json_t *p)
{
	json_t *res = json_pack("{s:s, s:o}", "resourceType", "Patient", "meta",
				meta(UKCORE("Patient"), IPS("Patient-uv-ips")));
	json_t *ext = json_array(), *comm = json_array();
	size_t i;
	const json_t *lang;
	json_array_foreach(json_object_get(p, "languages"), i, lang)
	{
		const char *code = str(lang, "code");
		json_array_append_new(ext, nhs_communication(lang, i == 0));
		json_array_append_new(
		    comm, json_pack("{s:o, s:b}", "language",
				    concept(BCP47, code, fhir_language_name(code), NULL),
				    "preferred", i == 0));
	}
	if (has(p, "nationality"))
		json_array_append_new(
		    ext, json_pack("{s:s, s:[{s:s, s:o}]}", "url",
				   "http://hl7.org/fhir/StructureDefinition/patient-nationality",
				   "extension", "url", "code", "valueCodeableConcept",
				   concept(ISO3166, str(p, "nationality"), NULL, NULL)));
	if (json_array_size(ext))
		json_object_set(res, "extension", ext);
	json_decref(ext);
	if (has(p, "nhs_number"))
		json_object_set_new(
		    res, "identifier",
		    json_pack("[{s:s, s:s}]", "system", NHS_NO, "value", str(p, "nhs_number")));
	json_t *names = json_pack("[{s:s, s:s}]", "use", "usual", "text", str(p, "known_as"));
	if (has(p, "legal_name"))
		json_array_append_new(names, json_pack("{s:s, s:s}", "use", "official", "text",
						       str(p, "legal_name")));
	json_object_set_new(res, "name", names);
	const json_t *contact = json_object_get(p, "contact");
	if (has(contact, "phone") && json_is_true(json_object_get(contact, "safe_to_call")))
		json_object_set_new(res, "telecom",
				    json_pack("[{s:s, s:s, s:s}]", "system", "phone", "value",
					      str(contact, "phone"), "use", "mobile"));
	const char *g = fhir_gender(str(p, "gender"));
	if (g)
		json_object_set_new(res, "gender", json_string(g));
	json_t *by = json_object_get(p, "birth_year");
	if (json_is_integer(by)) {
		char year[16];
		snprintf(year, sizeof year, "%04lld", (long long)json_integer_value(by));
		json_object_set_new(res, "birthDate", json_string(year));
	} else {
		json_object_set_new(res, "_birthDate", data_absent());
	}
	if (json_array_size(comm))
		json_object_set(res, "communication", comm);
	json_decref(comm);
	add(b, res, SEC_COUNT, NULL, b->patient);
}

static void add_org(struct builder *b)
{
	json_t *res = json_pack("{s:s, s:o, s:s}", "resourceType", "Organization", "meta",
				meta(UKCORE("Organization"), IPS("Organization-uv-ips")), "name",
				b->doc->org_name ? b->doc->org_name : "Referring agency");
	add(b, res, SEC_COUNT, NULL, b->org);
}

/* ---- alerts ---- */

static void add_flag(struct builder *b, const char *category, json_t *code, const char *line,
		     json_t *extension)
{
	json_t *res =
	    json_pack("{s:s, s:o, s:s, s:[o], s:o, s:o}", "resourceType", "Flag", "meta",
		      meta(IPS("Flag-alert-uv-ips"), NULL), "status", "active", "category",
		      concept(HL7CS("flag-category"), category,
			      strcmp(category, "safety") == 0 ? "Safety" : "Administrative", NULL),
		      "code", code, "subject", subject(b));
	if (res && extension)
		json_object_set_new(res, "extension", extension);
	else
		json_decref(extension);
	add(b, res, SEC_ALERTS, line, NULL);
}

static void add_interpreter_flags(struct builder *b, const json_t *patient)
{
	size_t i;
	const json_t *lang;
	json_array_foreach(json_object_get(patient, "languages"), i, lang)
	{
		if (!json_is_true(json_object_get(lang, "interpreter_needed")))
			continue;
		const char *code = str(lang, "code"), *name = fhir_language_name(code);
		const char *gender = str(lang, "interpreter_gender");
		char text[200];
		snprintf(text, sizeof text,
			 "Needs a professional interpreter for %s (%s)%s, never a companion or "
			 "family member",
			 name ? name : code, code,
			 gender && strcmp(gender, "female") == 0 ? ", a woman"
			 : gender && strcmp(gender, "male") == 0 ? ", a man"
								 : "");
		json_t *ext = json_pack("[{s:s, s:o}]", "url", EXT("interpreter-language"),
					"valueCodeableConcept", concept(BCP47, code, name, NULL));
		add_flag(b, "admin", concept(SNOMED, "315594003", "Interpreter needed", text), text,
			 ext);
	}
}

static void add_care_flags(struct builder *b, const json_t *care, const json_t *patient)
{
	const char *g = str(care, "clinician_gender");
	if (g && strcmp(g, "any") != 0) {
		char text[80], code[40];
		snprintf(text, sizeof text, "Asks to be seen by a %s clinician",
			 strcmp(g, "female") == 0 ? "woman" : "man");
		snprintf(code, sizeof code, "clinician-%s", g);
		add_flag(b, "admin", concept(CS("care-need"), code, text, text), text, NULL);
	}
	if (json_is_true(json_object_get(care, "advocate_attends"))) {
		const char *t = "Their advocate should come to appointments with them";
		add_flag(b, "admin", concept(CS("care-need"), "advocate-attends", t, t), t, NULL);
	}
	if (has(care, "approach_with_care")) {
		const char *t = str(care, "approach_with_care");
		add_flag(b, "safety",
			 concept(CS("care-need"), "approach-with-care", "Approach with care", t), t,
			 NULL);
	}
	if (has(care, "other")) {
		const char *t = str(care, "other");
		add_flag(b, "admin", concept(CS("care-need"), "other", "Other care need", t), t,
			 NULL);
	}
	const json_t *contact = json_object_get(patient, "contact");
	if (json_is_object(contact)) {
		char t[160];
		snprintf(t, sizeof t, "Safe contact: phone calls %s; voicemail %s; letters %s",
			 json_is_true(json_object_get(contact, "safe_to_call")) ? "yes" : "no",
			 json_is_true(json_object_get(contact, "safe_voicemail")) ? "yes" : "no",
			 json_is_true(json_object_get(contact, "safe_letters")) ? "yes" : "no");
		add_flag(b, "admin", concept(CS("care-need"), "safe-contact", "Safe contact", t), t,
			 NULL);
	}
	/* Every survivor in the service is at risk from those who exploited
	 * them: the flag says so and whom to ask, and nothing of why. */
	const char *t = "Safeguarding: speak to the referring agency before sharing anything with "
			"anyone who comes with the patient; see the patient alone";
	add_flag(b, "safety",
		 concept(CS("care-need"), "safeguarding",
			 "Safeguarding concern: contact the "
			 "referring agency",
			 t),
		 t, NULL);
}

/* ---- appointments, referrals, medication, plan, registrations ---- */

static const char *appointment_status(const char *s)
{
	if (!s || strcmp(s, "scheduled") == 0)
		return "booked";
	if (strcmp(s, "attended") == 0)
		return "fulfilled";
	if (strcmp(s, "did_not_attend") == 0)
		return "noshow";
	return "cancelled";
}

static void add_appointment(struct builder *b, const json_t *a)
{
	char kind[64], line[400];
	words(str(a, "kind"), kind, sizeof kind);
	const char *status = appointment_status(str(a, "status"));
	const char *cancel = fhir_cancellation_code(a);
	/* The patient declined only what they cancelled themselves. */
	json_t *participants =
	    json_pack("[{s:o, s:s, s:s}]", "actor", subject(b), "required", "required", "status",
		      cancel && strcmp(cancel, "pat") == 0 ? "declined" : "accepted");
	if (has(a, "provider"))
		json_array_append_new(participants,
				      json_pack("{s:{s:s}, s:s, s:s}", "actor", "display",
						str(a, "provider"), "required", "required",
						"status", "accepted"));
	const json_t *in = json_object_get(a, "interpreter");
	bool needed = json_is_true(json_object_get(in, "needed"));
	bool booked = json_is_true(json_object_get(in, "booked"));
	if (needed)
		json_array_append_new(
		    participants,
		    json_pack("{s:[o], s:s, s:s}", "type",
			      concept(HL7CS("v3-ParticipationType"), "INTRP", "interpreter", NULL),
			      "required", "required", "status",
			      booked ? "accepted" : "needs-action"));
	const char *lang = str(in, "language");
	const char *lname = fhir_language_name(lang);
	char desc[300];
	snprintf(desc, sizeof desc, "%s appointment%s%s%s%s%s", kind,
		 needed ? "; professional interpreter " : "",
		 needed ? (booked ? "booked" : "not booked") : "",
		 needed && json_is_false(json_object_get(in, "provided")) ? ", did not come" : "",
		 needed && lang ? " for " : "", needed && lang ? (lname ? lname : lang) : "");
	if (json_is_true(json_object_get(a, "advocate_attends")))
		snprintf(desc + strlen(desc), sizeof desc - strlen(desc), "; advocate goes too");
	json_t *res = json_pack(
	    "{s:s, s:s, s:[o], s:s, s:s, s:o}", "resourceType", "Appointment", "status", status,
	    "serviceType", concept(CS("appointment-kind"), str(a, "kind"), kind, kind),
	    "description", desc, "start", str(a, "starts_at"), "participant", participants);
	json_t *dur = json_object_get(a, "duration_min");
	int64_t start;
	if (res && json_is_integer(dur) && instant_parse(str(a, "starts_at"), &start)) {
		char end[INSTANT_TEXT_LEN];
		instant_format(start + json_integer_value(dur) * 60, end);
		json_object_set_new(res, "end", json_string(end));
		json_object_set(res, "minutesDuration", dur);
	}
	if (res && cancel)
		json_object_set_new(res, "cancelationReason",
				    concept(HL7CS("appointment-cancellation-reason"), cancel,
					    cancellation_display(cancel), NULL));
	snprintf(line, sizeof line, "%s, %s: %s%s%s", str(a, "starts_at"), desc, status,
		 cancel ? " - " : "", cancel ? cancellation_display(cancel) : "");
	add(b, res, SEC_APPOINTMENTS, line, NULL);
}

static void add_referral(struct builder *b, const json_t *r)
{
	char service[64], line[300];
	words(str(r, "service"), service, sizeof service);
	const char *status = has(r, "closed_on")     ? "completed"
			     : has(r, "rejected_on") ? "revoked"
						     : "active";
	json_t *res = json_pack(
	    "{s:s, s:o, s:s, s:s, s:[o], s:o, s:o, s:s}", "resourceType", "ServiceRequest", "meta",
	    meta(UKCORE("ServiceRequest"), NULL), "status", status, "intent", "order", "category",
	    concept(SNOMED, "3457005", "Patient referral", NULL), "code",
	    concept(CS("referral-service"), str(r, "service"), service, service), "subject",
	    subject(b), "authoredOn", str(r, "sent_on"));
	if (res && has(r, "provider"))
		json_object_set_new(res, "performer",
				    json_pack("[{s:s}]", "display", str(r, "provider")));
	/* The waiting times, which the next team picks up from. */
	struct buf note = BUF_INIT;
	buf_addf(&note, "Referred on %s", str(r, "sent_on"));
	static const char *const dates[][2] = {{"accepted_on", "accepted"},
					       {"first_seen_on", "first seen"},
					       {"rejected_on", "not accepted"},
					       {"closed_on", "closed"}};
	for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++)
		if (has(r, dates[i][0]))
			buf_addf(&note, "; %s on %s", dates[i][1], str(r, dates[i][0]));
	char *text = buf_take(&note, NULL);
	if (res && text)
		json_object_set_new(res, "note", json_pack("[{s:s}]", "text", text));
	snprintf(line, sizeof line, "Referral: %s (%s). %s", service, status, text ? text : "");
	free(text);
	add(b, res, SEC_PLAN, line, NULL);
}

static void add_medication(struct builder *b, const json_t *m)
{
	int start = 0, stop = 0;
	bool started = has(m, "started_on") && date_parse(str(m, "started_on"), &start);
	bool stopped = has(m, "stopped_on") && date_parse(str(m, "stopped_on"), &stop);
	const char *status = stopped && stop <= b->doc->today	? "completed"
			     : started && start > b->doc->today ? "intended"
								: "active";
	char category[40], line[400];
	words(str(m, "category"), category, sizeof category);
	json_t *res = json_pack(
	    "{s:s, s:o, s:s, s:o, s:o, s:o}", "resourceType", "MedicationStatement", "meta",
	    meta(UKCORE("MedicationStatement"), IPS("MedicationStatement-uv-ips")), "status",
	    status, "category",
	    concept(CS("medication-category"), str(m, "category"), category, NULL),
	    "medicationCodeableConcept", text_concept(str(m, "name")), "subject", subject(b));
	if (res && (started || stopped)) {
		json_t *period = json_object();
		if (started)
			json_object_set_new(period, "start", json_string(str(m, "started_on")));
		if (stopped)
			json_object_set_new(period, "end", json_string(str(m, "stopped_on")));
		json_object_set_new(res, "effectivePeriod", period);
	} else if (res) {
		json_object_set_new(res, "_effectiveDateTime", data_absent());
	}
	const char *explained = json_is_true(json_object_get(m, "explained_in_own_language"))
				    ? "Explained to the patient in their own language"
				: json_is_true(json_object_get(m, "explained"))
				    ? "Explained to the patient, not in their own language"
				: json_is_false(json_object_get(m, "explained"))
				    ? "Not explained to the patient yet"
				    : NULL;
	if (res && explained)
		json_object_set_new(res, "note", json_pack("[{s:s}]", "text", explained));
	snprintf(line, sizeof line, "%s (%s), %s%s%s", str(m, "name"), category, status,
		 explained ? ". " : "", explained ? explained : "");
	add(b, res, SEC_MEDICATIONS, line, NULL);
}

static const char *goal_activity_status(const char *s)
{
	if (s && strcmp(s, "met") == 0)
		return "completed";
	if (s && strcmp(s, "dropped") == 0)
		return "stopped";
	return "in-progress";
}

static void add_plan(struct builder *b, const json_t *plan)
{
	json_t *activities = json_array();
	size_t i;
	const json_t *g;
	json_array_foreach(json_object_get(plan, "goals"), i, g)
	{
		char domain[40];
		words(str(g, "domain"), domain, sizeof domain);
		json_array_append_new(
		    activities,
		    json_pack("{s:{s:o, s:s, s:s}}", "detail", "code",
			      concept(CS("plan-domain"), str(g, "domain"), domain, str(g, "text")),
			      "status", goal_activity_status(str(g, "status")), "description",
			      str(g, "text")));
	}
	char desc[120];
	json_int_t every = json_integer_value(json_object_get(plan, "review_every_days"));
	size_t goals = json_array_size(activities);
	snprintf(desc, sizeof desc, "Support plan with %zu goal%s, reviewed every %lld days", goals,
		 goals == 1 ? "" : "s", (long long)every);
	json_t *res = json_pack(
	    "{s:s, s:o, s:s, s:s, s:[o], s:s, s:s, s:o, s:[o]}", "resourceType", "CarePlan", "meta",
	    meta(UKCORE("CarePlan"), NULL), "status", "active", "intent", "plan", "category",
	    concept(CS("plan"), "support-plan", "Support plan", NULL), "title", "Support plan",
	    "description", desc, "subject", subject(b), "author", ref(b->org));
	if (res && json_array_size(activities))
		json_object_set(res, "activity", activities);
	json_decref(activities);
	add(b, res, SEC_PLAN, desc, NULL);
}

static void add_registration(struct builder *b, const json_t *r)
{
	char service[40], line[300];
	words(str(r, "service"), service, sizeof service);
	bool refused = has(r, "refused_on");
	json_t *res = json_pack(
	    "{s:s, s:o, s:s, s:[o], s:o}", "resourceType", "EpisodeOfCare", "meta",
	    meta(UKCORE("EpisodeOfCare"), NULL), "status", refused ? "cancelled" : "active", "type",
	    concept(CS("registration-service"), str(r, "service"), service, service), "patient",
	    subject(b));
	if (res && has(r, "provider"))
		json_object_set_new(res, "managingOrganization",
				    json_pack("{s:s}", "display", str(r, "provider")));
	char reason[60] = "";
	if (res && refused) {
		words(str(r, "refusal_reason"), reason, sizeof reason);
		json_object_set_new(res, "statusHistory",
				    json_pack("[{s:s, s:{s:s}}]", "status", "cancelled", "period",
					      "start", str(r, "refused_on")));
		json_object_set_new(res, "extension",
				    json_pack("[{s:s, s:o}]", "url",
					      EXT("registration-refusal-reason"), "valueCoding",
					      coding(CS("registration-refusal-reason"),
						     str(r, "refusal_reason"), reason)));
	} else if (res && has(r, "registered_on")) {
		json_object_set_new(res, "period",
				    json_pack("{s:s}", "start", str(r, "registered_on")));
	}
	if (refused)
		snprintf(line, sizeof line, "%s: registration refused on %s (%s)", service,
			 str(r, "refused_on"), reason);
	else
		snprintf(line, sizeof line, "%s: registered on %s%s%s", service,
			 str(r, "registered_on") ? str(r, "registered_on") : "an unknown date",
			 has(r, "provider") ? " with " : "",
			 has(r, "provider") ? str(r, "provider") : "");
	add(b, res, SEC_REGISTRATIONS, line, NULL);
}

/* ---- pregnancy, social history, consent ---- */

static void add_observation(struct builder *b, enum section_id sec, json_t *code,
			    const char *value_key, json_t *value, const char *line)
{
	char issued[INSTANT_TEXT_LEN];
	instant_format(b->doc->now, issued);
	json_t *res =
	    json_pack("{s:s, s:o, s:s, s:o, s:o, s:s, s:s}", "resourceType", "Observation", "meta",
		      meta(UKCORE("Observation"), NULL), "status", "final", "code", code, "subject",
		      subject(b), "effectiveDateTime", issued, "issued", issued);
	if (res)
		json_object_set_new(res, value_key, value);
	else
		json_decref(value);
	add(b, res, sec, line, NULL);
}

static void add_pregnancy(struct builder *b, const json_t *p)
{
	if (!json_is_true(json_object_get(p, "pregnant")))
		return;
	add_observation(b, SEC_PREGNANCY, concept(LOINC, "82810-3", "Pregnancy status", NULL),
			"valueCodeableConcept", concept(SNOMED, "77386006", "Pregnancy", NULL),
			"Pregnant");
	if (has(p, "due_on")) {
		char line[64];
		snprintf(line, sizeof line, "Due on %s", str(p, "due_on"));
		add_observation(b, SEC_PREGNANCY,
				concept(LOINC, "11778-8", "Delivery date Estimated", NULL),
				"valueDateTime", json_string(str(p, "due_on")), line);
	}
}

static void add_stage(struct builder *b, const char *what, const char *display, const char *stage)
{
	char system[120], line[160], words_of[64];
	snprintf(system, sizeof system, CS("%s-stage"), what);
	words(stage, words_of, sizeof words_of);
	snprintf(line, sizeof line, "%s: %s", display, words_of);
	add_observation(b, SEC_SOCIAL, concept(CS("handover-observation"), what, display, NULL),
			"valueCodeableConcept", concept(system, stage, words_of, NULL), line);
}

static void add_consent(struct builder *b, const json_t *c)
{
	json_t *res = json_pack(
	    "{s:s, s:o, s:s, s:o, s:[o], s:o, s:s, s:[o], s:o, s:{s:s, s:{s:s}, s:[o]}}",
	    "resourceType", "Consent", "meta", meta(UKCORE("Consent"), NULL), "status", "active",
	    "scope", concept(HL7CS("consentscope"), "patient-privacy", "Privacy Consent", NULL),
	    "category", concept(LOINC, "59284-0", "Patient Consent", NULL), "patient", subject(b),
	    "dateTime", str(c, "given_on"), "organization", ref(b->org), "policyRule",
	    concept(HL7CS("v3-ActCode"), "OPTIN", "opt-in", NULL), "provision", "type", "permit",
	    "period", "start", str(c, "given_on"), "purpose",
	    coding(HL7CS("v3-ActReason"), "TREAT", "treatment"));
	char line[200];
	const char *method = str(c, "method");
	snprintf(line, sizeof line, "The patient agreed to this handover on %s%s%s",
		 str(c, "given_on"),
		 !method			  ? ""
		 : strcmp(method, "written") == 0 ? ", in writing"
						  : ", by word of mouth",
		 json_is_true(json_object_get(c, "interpreter_used"))
		     ? ", through a professional interpreter"
		     : "");
	add(b, res, SEC_CONSENT, line, NULL);
}

/* ---- the composition and the bundle ---- */

static json_t *section_json(struct builder *b, enum section_id id)
{
	const struct section_def *d = &section_defs[id];
	bool empty = json_array_size(b->refs[id]) == 0;
	if (empty && !d->empty)
		return NULL;
	struct buf div = BUF_INIT;
	buf_adds(&div, "<div xmlns=\"http://www.w3.org/1999/xhtml\">");
	if (empty) {
		buf_adds(&div, "<p>");
		buf_add_html(&div, d->empty, strlen(d->empty));
		buf_adds(&div, "</p>");
	} else {
		buf_adds(&div, "<ul>");
		buf_add(&div, b->text[id].p ? b->text[id].p : "", b->text[id].len);
		buf_adds(&div, "</ul>");
	}
	buf_adds(&div, "</div>");
	char *html = buf_take(&div, NULL);
	json_t *s = json_pack("{s:s, s:o, s:{s:s, s:s}}", "title", d->title, "code",
			      concept(d->system, d->code, d->display, NULL), "text", "status",
			      "generated", "div", html ? html : "<div/>");
	free(html);
	if (!s)
		return NULL;
	if (empty)
		json_object_set_new(s, "emptyReason",
				    concept(HL7CS("list-empty-reason"), "unavailable",
					    "Unavailable", "No information available"));
	else
		json_object_set(s, "entry", b->refs[id]);
	return s;
}

static json_t *composition(struct builder *b, const char *doc_uuid, const char *now)
{
	json_t *sections = json_array();
	for (int i = 0; i < SEC_COUNT; i++) {
		json_t *s = section_json(b, (enum section_id)i);
		if (s)
			json_array_append_new(sections, s);
	}
	return json_pack(
	    "{s:s, s:s, s:o, s:{s:s, s:s}, s:s, s:o, s:o, s:s, s:[o], s:s, s:s, s:o, s:o}",
	    "resourceType", "Composition", "id", doc_uuid + 9, "meta",
	    meta(UKCORE("Composition"), IPS("Composition-uv-ips")), "identifier", "system",
	    "urn:ietf:rfc:3986", "value", doc_uuid, "status", "final", "type",
	    concept(LOINC, "60591-5", "Patient summary Document", NULL), "subject", subject(b),
	    "date", now, "author", ref(b->org), "title", "Handover health summary",
	    "confidentiality", "R", "custodian", ref(b->org), "section", sections);
}

/* Every resource and the composition were made: an allocation that failed
 * left an empty resource or a missing member behind. */
static bool complete(const json_t *bundle)
{
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(bundle, "entry"), i, e)
	{
		if (!str(json_object_get(e, "resource"), "resourceType"))
			return false;
	}
	return json_array_size(json_object_get(bundle, "entry")) > 0;
}

json_t *fhir_bundle(const json_t *view, const struct fhir_doc *doc)
{
	if (!view || !doc || !hex32(doc->doc_id))
		return NULL;
	struct builder b = {.doc = doc, .entries = json_array()};
	for (int i = 0; i < SEC_COUNT; i++) {
		b.refs[i] = json_array();
		b.text[i] = (struct buf)BUF_INIT;
	}
	const json_t *patient = json_object_get(view, "patient");
	add_patient(&b, patient);
	add_org(&b);
	add_interpreter_flags(&b, patient);
	add_care_flags(&b, json_object_get(view, "care_needs"), patient);
	size_t i;
	const json_t *it;
	json_array_foreach(json_object_get(view, "appointments"), i, it)
	{
		add_appointment(&b, it);
	}
	json_array_foreach(json_object_get(view, "referrals"), i, it)
	{
		add_referral(&b, it);
	}
	json_array_foreach(json_object_get(view, "medications"), i, it)
	{
		add_medication(&b, it);
	}
	if (json_is_object(json_object_get(view, "plan")))
		add_plan(&b, json_object_get(view, "plan"));
	json_array_foreach(json_object_get(view, "registrations"), i, it)
	{
		add_registration(&b, it);
	}
	add_pregnancy(&b, patient);
	const char *nrm = str(json_object_get(view, "nrm"), "stage");
	if (nrm)
		add_stage(&b, "nrm", "National Referral Mechanism", nrm);
	const char *asylum = str(json_object_get(view, "asylum"), "stage");
	if (asylum)
		add_stage(&b, "asylum", "Asylum claim", asylum);
	add_consent(&b, json_object_get(view, "consent"));

	char doc_uuid[46], now[INSTANT_TEXT_LEN];
	uuid_of(doc->doc_id, 0, doc_uuid);
	instant_format(doc->now, now);
	json_t *comp = composition(&b, doc_uuid, now);
	json_t *entries = json_array();
	if (comp && entries) {
		json_array_append_new(
		    entries, json_pack("{s:s, s:o}", "fullUrl", doc_uuid, "resource", comp));
		json_array_extend(entries, b.entries);
	} else {
		json_decref(comp);
	}
	json_t *bundle = json_pack("{s:s, s:o, s:{s:s, s:s}, s:s, s:s, s:o}", "resourceType",
				   "Bundle", "meta", meta(UKCORE("Bundle"), IPS("Bundle-uv-ips")),
				   "identifier", "system", "urn:ietf:rfc:3986", "value", doc_uuid,
				   "type", "document", "timestamp", now, "entry", entries);
	json_decref(b.entries);
	for (int s = 0; s < SEC_COUNT; s++) {
		json_decref(b.refs[s]);
		buf_free(&b.text[s]);
	}
	if (bundle && !complete(bundle)) {
		json_decref(bundle);
		bundle = NULL;
	}
	return bundle;
}
