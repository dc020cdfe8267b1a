/*
 * fhir.h - the handover: what of a survivor's record follows them to the
 * next GP and agency, and that as a FHIR R4 document (an International
 * Patient Summary, with UK Core profiles).
 *
 * Two steps, so that every form of the handover (this FHIR bundle, the
 * printed summary) shares exactly the same things:
 *
 *   1. handover_view: the selection. From the whole record it keeps only
 *      what a handover may carry, field by field from a list of what is
 *      allowed (a field added to the record later is left out until it is
 *      named here), and only what the survivor's active handover consent
 *      covers. Never a case note, an appointment's or a review's notes, an
 *      address, the kinds of exploitation, dependants' names or records; NRM
 *      and asylum only as a stage, and only when the consent includes them.
 *   2. fhir_bundle: the FHIR document built from that view alone.
 *
 * No I/O, no clock, no randomness: today, now and the document's id are
 * parameters (the same input always gives the same bundle).
 * docs/handover.md maps each field to its FHIR element.
 */
#ifndef WM_FHIR_H
#define WM_FHIR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* The code systems and extensions of the project's own (a name, not a
 * place to fetch from: FHIR canonical URLs need not resolve). Stable:
 * receivers may key on them. */
#define FHIR_WAYMARK "https://waymark.example/fhir"

/* The active handover consent in consents (an array of consent items) on
 * day today: purpose "handover", given on or before today, not withdrawn
 * by today (withdrawn_on after today still counts). The latest given when
 * several are; NULL when none. Borrowed from consents. */
const json_t *handover_consent(const json_t *consents, int today);

/* The selection. record is the survivor's whole record as the owning
 * organisation's case team reads it (GET /survivors/{id}/record:
 * {survivor, nrm, asylum, plan, registrations, appointments, referrals,
 * medications, consents, ...}; parts may be absent or null). On WM_OK,
 * *view is a new object the caller owns:
 *
 *   {consent: {id, given_on, method?, interpreter_used?, org_id?, includes},
 *    patient: {known_as, legal_name?, nhs_number?, birth_year?, gender?,
 *              nationality?, languages: [...], pregnant?, due_on?,
 *              dependants?: [birth_year or null, ...],
 *              contact?: {phone?, safe_to_call?, safe_voicemail?, safe_letters?}},
 *    care_needs: {clinician_gender?, advocate_attends?, approach_with_care?, other?},
 *    registrations: [...the survivor's own, not a dependant's],
 *    appointments: [...without notes], referrals: [...without rejection_reason],
 *    medications: [...], plan?: {id, review_every_days, goals},
 *    nrm?: {stage}, asylum?: {stage}}
 *
 * legal_name, contact, nrm and asylum are there only when the consent's
 * includes names them. WM_ERR_FORBIDDEN (and *view NULL) when there is no
 * active handover consent; WM_ERR_NOMEM. Borrows record. */
wm_err handover_view(const json_t *record, int today, json_t **view);

/* The NRM stage a handover may show: "referred", "duty_to_notify",
 * "reasonable_grounds_positive", "reasonable_grounds_negative",
 * "conclusive_grounds_positive", "conclusive_grounds_negative"; the asylum
 * stage: "claimed", "granted", "refused", "appeal_lodged". Never a date,
 * a support type or a first responder. NULL for a NULL item. */
const char *handover_nrm_stage(const json_t *nrm);
const char *handover_asylum_stage(const json_t *asylum);

/* What a document is about beyond the view. Borrowed strings. */
struct fhir_doc {
	const char *doc_id;   /* 32 lower-case hex digits, random per document: the
				 bundle's identifier, and the seed of every entry's urn:uuid */
	int64_t now;	      /* the document's instant */
	int today;	      /* the day statuses are judged on (a medication stopped) */
	const char *org_name; /* the sending organisation: author and custodian */
};

/* The FHIR R4 Bundle (type document) of view (from handover_view): a
 * Composition first, then Patient, Organization, Flags, Appointments,
 * ServiceRequests, MedicationStatements, CarePlan, EpisodeOfCares,
 * Observations and the Consent, every entry with a urn:uuid fullUrl. A new
 * reference the caller owns; NULL when out of memory (or doc_id is not 32
 * hex digits). Borrows its arguments. */
json_t *fhir_bundle(const json_t *view, const struct fhir_doc *doc);

/* The BCP 47 tag's language in English ("ti" and "ti-ER": "Tigrinya"), for
 * the languages survivors most often speak; NULL when not known here. */
const char *fhir_language_name(const char *tag);

/* The HL7 appointment-cancellation-reason code for a cancelled appointment
 * of the view: "pat" when the survivor cancelled it; "oth-int" (No
 * Interpreter Available) when the provider or the advocate did and an
 * interpreter was needed but not booked or not provided; else "prov" by
 * the provider, "other" by the advocate, a third party or someone unknown
 * (a third party's cancellation is never put down to the interpreter).
 * NULL when the appointment is not cancelled. */
const char *fhir_cancellation_code(const json_t *appointment);

#endif
