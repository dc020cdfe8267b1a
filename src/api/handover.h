/*
 * handover.h - the handover as the API serves it (handover.c), and the one
 * step every form of the handover shares: loading what it may carry.
 */
#ifndef WM_HANDOVER_H
#define WM_HANDOVER_H

#include <jansson.h>
#include <stdbool.h>

#include "call.h"

/* GET /api/v1/survivors/{id}/handover: the FHIR R4 document. */
void handover_get(struct call *c);

/* Loads the parts of survivor s's record a handover draws on (never its
 * notes) and selects from them what the handover carries (domain/fhir.h,
 * handover_view), into *view (the caller's). The caller has loaded s
 * under ACT_HANDOVER, and audits what it shows as "handover". False after
 * answering: 403 consent_required without an active handover consent, or
 * the store's error. */
bool handover_load_view(struct call *c, const struct store_survivor *s, json_t **view);

#endif
