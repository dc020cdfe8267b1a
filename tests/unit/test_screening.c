/* Unit tests for domain/screening: the catalogue is whole (stable codes,
 * every sign in a group and with a source), and the rule from what was
 * noticed to the level and the steps, in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "domain/screening.h"

/* The set holding the named indicators (a NULL-terminated list). */
static uint32_t set_of(const char *const *codes)
{
	uint32_t s = 0;
	for (; *codes; codes++) {
		int i = screening_indicator_find(*codes);
		if (i < 0)
			fail_msg("no indicator %s", *codes);
		s |= 1u << i;
	}
	return s;
}

#define SET(...) set_of((const char *const[]){__VA_ARGS__, NULL})

/* The codes of r's steps, joined by spaces. */
static const char *codes(const struct screening_result *r)
{
	static char out[512];
	out[0] = '\0';
	for (size_t i = 0; i < r->nsteps; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, r->steps[i]->code);
	}
	return out;
}

static bool snake_case(const char *s)
{
	if (!s[0] || !islower((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static bool is_group(const char *code)
{
	for (size_t g = 0; g < screening_group_count; g++)
		if (strcmp(screening_groups[g].code, code) == 0)
			return true;
	return false;
}

static void source_ok(const struct screening_source *s)
{
	assert_non_null(s);
	assert_true(strlen(s->title) > 10);
	assert_true(strncmp(s->url, "https://", 8) == 0);
}

/* Every indicator: a unique snake_case code, found by itself, in a group
 * that exists, with words and a public source; every group is used. */
static void catalogue_is_whole(void **state)
{
	(void)state;
	assert_true(screening_indicator_count >= 14 && screening_indicator_count <= 32);
	for (size_t i = 0; i < screening_indicator_count; i++) {
		const struct screening_indicator *in = &screening_indicators[i];
		if (!snake_case(in->code))
			fail_msg("%s is not snake_case", in->code);
		assert_int_equal(screening_indicator_find(in->code), (int)i);
		if (!is_group(in->group))
			fail_msg("%s: no group %s", in->code, in->group);
		assert_true(strlen(in->text) > 10);
		source_ok(in->source);
	}
	for (size_t g = 0; g < screening_group_count; g++) {
		bool used = false;
		for (size_t i = 0; i < screening_indicator_count; i++)
			used = used ||
			       strcmp(screening_indicators[i].group, screening_groups[g].code) == 0;
		assert_true(used);
	}
	assert_int_equal(screening_indicator_find("nothing_like_this"), -1);
	assert_int_equal(screening_indicator_find(""), -1);
	assert_int_equal(screening_indicator_find(NULL), -1);
}

/* The codes clients may keep: renaming one breaks them, so it fails here. */
static void codes_are_stable(void **state)
{
	(void)state;
	static const char *const kept[] = {
	    "speaks_for_them",
	    "documents_held",
	    "no_access_to_money",
	    "appointments_by_others",
	    "inconsistent_history",
	    "address_unknown",
	    "unfamiliar_with_area",
	    "untreated_injuries",
	    "signs_of_abuse",
	    "malnourished",
	    "fearful",
	    "excessive_hours",
	    "lives_at_work",
	    "transported",
	    "immediate_danger",
	    "under_18",
	};
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
		if (screening_indicator_find(kept[i]) < 0)
			fail_msg("%s is gone", kept[i]);
}

static void nothing_ticked(void **state)
{
	(void)state;
	struct screening_result r;
	screening_assess(0, &r);
	assert_int_equal(r.level, SCREEN_LEVEL_NONE);
	assert_string_equal(screening_level_name(r.level), "none");
	assert_string_equal(codes(&r), "trust_instinct helpline");
	/* Age alone is not a sign. */
	screening_assess(SET("under_18"), &r);
	assert_int_equal(r.level, SCREEN_LEVEL_NONE);
}

/* One sign: see them alone with a professional interpreter, tell the
 * safeguarding lead, the Helpline; no referral steps yet. */
static void one_sign_is_possible(void **state)
{
	(void)state;
	struct screening_result r;
	screening_assess(SET("fearful"), &r);
	assert_int_equal(r.level, SCREEN_LEVEL_POSSIBLE);
	assert_string_equal(screening_level_name(r.level), "possible");
	assert_string_equal(codes(&r), "treat see_alone professional_interpreter "
				       "safeguarding_lead helpline");
	screening_assess(SET("documents_held"), &r);
	assert_int_equal(r.level, SCREEN_LEVEL_POSSIBLE);
}

/* Two signs where one is someone else's control, or any three: strong,
 * with the referral through a first responder and the Duty to Notify. */
static void a_pattern_is_strong(void **state)
{
	(void)state;
	struct screening_result r;
	static const char *const strong_steps = "treat see_alone professional_interpreter "
						"safeguarding_lead helpline "
						"refer_through_first_responder duty_to_notify";
	screening_assess(SET("speaks_for_them", "untreated_injuries"), &r);
	assert_int_equal(r.level, SCREEN_LEVEL_STRONG);
	assert_string_equal(codes(&r), strong_steps);
	screening_assess(SET("malnourished", "lives_at_work", "excessive_hours"), &r);
	assert_int_equal(r.level, SCREEN_LEVEL_STRONG);
	assert_string_equal(codes(&r), strong_steps);
	/* Two signs, neither of control: still possible. */
	screening_assess(SET("malnourished", "excessive_hours"), &r);
	assert_int_equal(r.level, SCREEN_LEVEL_POSSIBLE);
}

/* Immediate danger: 999 before anything else, whatever else is ticked. */
static void danger_is_an_emergency(void **state)
{
	(void)state;
	struct screening_result r;
	screening_assess(SET("immediate_danger"), &r);
	assert_int_equal(r.level, SCREEN_LEVEL_EMERGENCY);
	assert_string_equal(screening_level_name(r.level), "emergency");
	assert_string_equal(r.steps[0]->code, "call_999");
	assert_string_equal(codes(&r), "call_999 treat see_alone professional_interpreter "
				       "safeguarding_lead helpline refer_through_first_responder "
				       "duty_to_notify");
	screening_assess(SET("immediate_danger", "fearful"), &r);
	assert_string_equal(r.steps[0]->code, "call_999");
}

/* A child: children's services instead of the adult's consent-based
 * route, at any level from possible up. */
static void a_child_goes_to_childrens_services(void **state)
{
	(void)state;
	struct screening_result r;
	screening_assess(SET("under_18", "fearful"), &r);
	assert_int_equal(r.level, SCREEN_LEVEL_POSSIBLE);
	assert_string_equal(codes(&r), "treat see_alone professional_interpreter "
				       "safeguarding_lead helpline child_safeguarding");
	screening_assess(SET("under_18", "speaks_for_them", "fearful"), &r);
	assert_int_equal(r.level, SCREEN_LEVEL_STRONG);
	assert_null(strstr(codes(&r), "refer_through_first_responder"));
	assert_non_null(strstr(codes(&r), "child_safeguarding duty_to_notify"));
}

/* Bits past the catalogue are ignored; the same set always gives the same
 * answer. */
static void deterministic_and_bounded(void **state)
{
	(void)state;
	struct screening_result a, b;
	screening_assess(0xffffffffu, &a);
	screening_assess(0xffffffffu, &b);
	assert_int_equal(a.level, SCREEN_LEVEL_EMERGENCY);
	assert_int_equal(a.nsteps, b.nsteps);
	for (size_t i = 0; i < a.nsteps; i++)
		assert_ptr_equal(a.steps[i], b.steps[i]);
	if (screening_indicator_count < 32) {
		screening_assess(1u << 31, &a);
		assert_int_equal(a.level, SCREEN_LEVEL_NONE);
	}
	/* Every set: a level, steps within the bound, each with words and a
	 * source, none twice. */
	for (uint32_t s = 0; s < (1u << 16); s += 7) {
		screening_assess(s, &a);
		assert_true(a.nsteps >= 2 && a.nsteps <= SCREENING_MAX_STEPS);
		for (size_t i = 0; i < a.nsteps; i++) {
			source_ok(a.steps[i]->source);
			for (size_t j = 0; j < i; j++)
				assert_ptr_not_equal(a.steps[i], a.steps[j]);
		}
	}
}

/* The guidance before anything is ticked: 999 when in danger first, then
 * the steps, the NRM for adults and children, and the Duty to Notify. */
static void the_summary(void **state)
{
	(void)state;
	struct screening_result r;
	screening_summary(&r);
	assert_string_equal(codes(&r), "danger_999 treat see_alone professional_interpreter "
				       "safeguarding_lead helpline refer_through_first_responder "
				       "child_safeguarding duty_to_notify");
	bool tel = false;
	for (size_t i = 0; i < r.nsteps; i++)
		tel = tel || strstr(r.steps[i]->text, screening_helpline_phone) != NULL;
	assert_true(tel);
	assert_string_equal(screening_helpline_phone, "08000 121 700");
	assert_string_equal(screening_helpline_tel, "+448000121700");
}

/* What the guidance must say about the law, checked in its own words: the
 * NHS is neither a first responder nor under the Duty to Notify, adults
 * consent, children do not have to, and never a companion as interpreter. */
static void the_law_as_stated(void **state)
{
	(void)state;
	struct screening_result r;
	screening_summary(&r);
	const char *refer = NULL, *child = NULL, *notify = NULL, *interp = NULL;
	for (size_t i = 0; i < r.nsteps; i++) {
		const char *c = r.steps[i]->code, *t = r.steps[i]->text;
		if (strcmp(c, "refer_through_first_responder") == 0)
			refer = t;
		else if (strcmp(c, "child_safeguarding") == 0)
			child = t;
		else if (strcmp(c, "duty_to_notify") == 0)
			notify = t;
		else if (strcmp(c, "professional_interpreter") == 0)
			interp = t;
	}
	assert_non_null(strstr(refer, "NHS bodies in England are not first responders"));
	assert_non_null(strstr(refer, "must give informed consent"));
	assert_non_null(strstr(child, "does not have to consent"));
	assert_non_null(strstr(child, "children's services"));
	assert_non_null(strstr(notify, "NHS bodies are not among them"));
	assert_non_null(strstr(notify, "section 52"));
	assert_non_null(strstr(interp, "never the person who came with them"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(catalogue_is_whole),
	    cmocka_unit_test(codes_are_stable),
	    cmocka_unit_test(nothing_ticked),
	    cmocka_unit_test(one_sign_is_possible),
	    cmocka_unit_test(a_pattern_is_strong),
	    cmocka_unit_test(danger_is_an_emergency),
	    cmocka_unit_test(a_child_goes_to_childrens_services),
	    cmocka_unit_test(deterministic_and_bounded),
	    cmocka_unit_test(the_summary),
	    cmocka_unit_test(the_law_as_stated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
