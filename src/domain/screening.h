/*
 * screening.h - the identification guide for health professionals: the
 * recognised signs of modern slavery a clinician may notice, and what to
 * do next, as plain data and one pure function.
 *
 * Public and stateless on purpose: a GP, a nurse or a receptionist ticks
 * what they noticed and reads the next steps; nothing about the patient is
 * asked for, kept or logged (the API handler calls no store). Every sign
 * and every step names the public source it comes from, so the guidance
 * can be checked and kept up to date (docs/screening.md cites each one,
 * with the section it was read in).
 *
 * Codes are stable snake_case: a client may keep them. No I/O, no clock.
 */
#ifndef WM_SCREENING_H
#define WM_SCREENING_H

#include <stddef.h>
#include <stdint.h>

/* A public document the guidance comes from. */
struct screening_source {
	const char *title;
	const char *url;
};

/* A fieldset of the form: signs of one kind. */
struct screening_group {
	const char *code;
	const char *legend;
};

/* What an indicator does to the assessment: most are signs, counted; two
 * are circumstances that change the route whatever else is ticked. */
enum screening_kind {
	SCREEN_SIGN,	/* a sign of modern slavery: counted */
	SCREEN_CONTROL, /* a sign that someone else controls the person: counted, and weighs more */
	SCREEN_DANGER,	/* someone is in immediate danger: 999 first */
	SCREEN_CHILD,	/* the person is, or may be, under 18: the children's route */
};

struct screening_indicator {
	const char *code;
	const char *group; /* a screening_group's code */
	const char *text;  /* what the clinician noticed, as a checkbox label */
	enum screening_kind kind;
	const struct screening_source *source;
};

struct screening_step {
	const char *code;
	const char *text;
	const struct screening_source *source;
};

enum screening_level {
	SCREEN_LEVEL_NONE,	/* nothing ticked */
	SCREEN_LEVEL_POSSIBLE,	/* one sign: see them alone, tell the safeguarding lead */
	SCREEN_LEVEL_STRONG,	/* a pattern: as above, and a referral through a first responder */
	SCREEN_LEVEL_EMERGENCY, /* someone is in immediate danger: 999 first */
};

/* At most 32 indicators: a set of them is one uint32_t, bit i for the
 * indicator at index i. */
#define SCREENING_MAX_STEPS 12

extern const struct screening_group screening_groups[];
extern const size_t screening_group_count;
extern const struct screening_indicator screening_indicators[];
extern const size_t screening_indicator_count;

/* The Modern Slavery & Exploitation Helpline, as the guidance gives it. */
extern const char screening_helpline_name[];
extern const char screening_helpline_phone[]; /* as people read it: "08000 121 700" */
extern const char screening_helpline_tel[];   /* for a tel: link */
extern const char screening_helpline_hours[];
extern const struct screening_source *const screening_helpline_source;

/* The index of the indicator with this code, or -1. */
int screening_indicator_find(const char *code);

/* The level's code for the API ("none", "possible", "strong", "emergency"). */
const char *screening_level_name(enum screening_level level);

struct screening_result {
	enum screening_level level;
	size_t nsteps;
	const struct screening_step *steps[SCREENING_MAX_STEPS]; /* in the order to take them */
};

/* The guidance for a set of ticked indicators (bit i: screening_indicators[i];
 * bits past the catalogue are ignored). Deterministic: the same set always
 * gives the same level and the same steps in the same order. */
void screening_assess(uint32_t ticked, struct screening_result *out);

/* What to do before ticking anything: the short guidance shown at the top
 * of the page, and answered by GET /api/v1/screening. */
void screening_summary(struct screening_result *out);

#endif
