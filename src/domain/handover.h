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
 * No I/O, no clock: today is a parameter.
 */
#ifndef WM_HANDOVER_H
#define WM_HANDOVER_H

#include <jansson.h>
#include <stdbool.h>

/* The survivor's active handover consent (given by today, not withdrawn by
 * today) among consents (an array of consent items), the latest given;
 * NULL when there is none. Borrowed from consents. */
const json_t *handover_consent(const json_t *consents, int today);

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
