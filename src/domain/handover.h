/*
 * handover.h - what the printed handover summary carries: the FHIR
 * handover's selection (fhir.h, handover_view), narrowed.
 *
 * The printed handover summary (api/documents.c) takes its content from
 * here and from nowhere else, and this takes it from handover_view alone:
 * only what the survivor agreed to share by an active `handover` consent,
 * field by field from its allow-lists, so nothing the FHIR handover leaves
 * out can reach the paper one. Of that, only what a GP acts on in two
 * minutes: appointments to come, current medication, health referrals and
 * open health goals (the legal name, contact details and NRM or asylum
 * stages, which a consent may add to the FHIR handover, stay off paper).
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
