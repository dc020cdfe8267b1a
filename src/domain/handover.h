/*
 * handover.h - what of a survivor's record may travel with them to a health
 * service in another town, decided in one place.
 *
 * The printed handover summary (api/documents.c) takes its content from
 * here and from nowhere else; the FHIR handover can take the same. Only
 * what the survivor agreed to share by an active `handover` consent, and of
 * that only what a clinician acts on: never a case note, never NRM or
 * asylum detail, never the legal name, address, exploitation or an
 * appointment's case-team notes. Fields are copied by name from a list
 * here: a field added to the record later is left out until it is named.
 * The consent is judged by fhir.h's handover_consent, as the FHIR handover
 * judges it. The FHIR handover's own selection (fhir.h, handover_view) is
 * the wider one a receiving service imports; this is the narrower one a
 * GP reads on paper (appointments to come, current medication, health
 * referrals and goals only).
 * No I/O, no clock: today is a parameter.
 */
#ifndef WM_HANDOVER_H
#define WM_HANDOVER_H

#include <jansson.h>
#include <stdbool.h>

/* What a handover may carry: a new object {"patient", "care_needs",
 * "registrations", "appointments" (scheduled, from today, soonest first),
 * "referrals", "medications" (not stopped by today), "goals" (open health
 * and mental-health goals), "consent" {given_on, method}}, from the
 * survivor's record body and parts (an object holding the arrays
 * "registrations", "appointments", "referrals", "medications", "consents"
 * and the object "plan"; any other member is ignored). NULL when there is
 * no active handover consent, or out of memory (*no_consent tells which). */
json_t *handover_select(const json_t *survivor, const json_t *parts, int today, bool *no_consent);

#endif
