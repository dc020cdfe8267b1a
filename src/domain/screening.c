/*
 * screening.c - the identification guide's catalogue and its one rule
 * (screening.h). The words are ours, paraphrasing the sources; which
 * sentence of which source each comes from is in docs/screening.md.
 */
#include "screening.h"

#include <stdbool.h>
#include <string.h>

/* ---- the sources (each read where docs/screening.md says) ---- */

static const struct screening_source dhsc = {
    "Department of Health and Social Care: Identifying and supporting victims of modern "
    "slavery: guidance for health staff",
    "https://www.gov.uk/government/publications/"
    "identifying-and-supporting-victims-of-human-trafficking-guidance-for-health-staff/"
    "identifying-and-supporting-victims-of-modern-slavery-guidance-for-health-staff"};
static const struct screening_source nrm_adult = {
    "Home Office: National referral mechanism guidance: adult (England and Wales)",
    "https://www.gov.uk/government/publications/support-for-victims-of-human-trafficking"};
static const struct screening_source msa_s52 = {
    "Modern Slavery Act 2015, section 52: Duty to notify Secretary of State about suspected "
    "victims of slavery or human trafficking",
    "https://www.legislation.gov.uk/ukpga/2015/30/section/52"};
static const struct screening_source helpline = {
    "Modern Slavery & Exploitation Helpline: What happens when you call the Helpline?",
    "https://www.modernslaveryhelpline.org/about/what-happens-when-you-call-the-helpline"};
static const struct screening_source interpreting = {
    "UK Parliament written question 16690, answered by the Department of Health and Social "
    "Care, on NHS England's interpreting guidance",
    "https://parallelparliament.co.uk/question/16690/nhs-interpreters-and-translation-services"};
static const struct screening_source btp = {
    "British Transport Police: Modern slavery",
    "https://www.btp.police.uk/advice_and_information-1/keeping_yourself_safe/"
    "modern_slavery.aspx"};
static const struct screening_source salvation_army = {"The Salvation Army: Spot the signs",
						       "https://salvationarmy.org.uk/spot-signs"};
static const struct screening_source lichfield = {
    "Lichfield District Council: Possible signs of modern slavery",
    "https://lichfielddc.gov.uk/community/modern-day-slavery/2"};
static const struct screening_source hounslow = {
    "London Borough of Hounslow: Modern slavery: spotting the signs",
    "https://www.hounslow.gov.uk/info/20004/community_and_living/2218/modern_slavery/2"};
static const struct screening_source arun = {"Arun District Council: Modern slavery",
					     "https://www.arun.gov.uk/modern-slavery"};
static const struct screening_source sw9 = {
    "SW9 Community Housing safeguarding toolkit: Modern slavery",
    "https://www.sw9.org.uk/advice-and-support/sw9s-safeguarding-toolkit/modern-slavery/"};

/* ---- the form: groups and indicators (at most 32: a set is a uint32_t) ---- */

const struct screening_group screening_groups[] = {
    {"control", "Someone else seems to be in control"},
    {"story", "What they say"},
    {"health", "Injuries and health"},
    {"behaviour", "How they seem"},
    {"work_living", "Work and where they live"},
    {"urgent", "Circumstances that change what to do"},
};
const size_t screening_group_count = sizeof screening_groups / sizeof screening_groups[0];

/* The order is the form's order. Append new ones; never reuse a code. */
const struct screening_indicator screening_indicators[] = {
    {"speaks_for_them", "control",
     "Someone with them speaks for them, answers for them or insists on staying in the room",
     SCREEN_CONTROL, &dhsc},
    {"documents_held", "control", "Someone else holds their passport or identity documents",
     SCREEN_CONTROL, &hounslow},
    {"no_access_to_money", "control", "They have no access to their own money or ID",
     SCREEN_CONTROL, &arun},
    {"appointments_by_others", "control",
     "Their appointments are made, cancelled or attended by someone else", SCREEN_CONTROL, &dhsc},
    {"inconsistent_history", "story",
     "Their account of where they live or work, or of how they were hurt, is vague or does not "
     "add up",
     SCREEN_SIGN, &dhsc},
    {"address_unknown", "story", "They do not know their home or work address", SCREEN_SIGN,
     &salvation_army},
    {"unfamiliar_with_area", "story", "They seem unfamiliar with the local area", SCREEN_SIGN,
     &sw9},
    {"untreated_injuries", "health", "Injuries that are old, or were left untreated", SCREEN_SIGN,
     &salvation_army},
    {"signs_of_abuse", "health", "Signs of physical, sexual or psychological abuse", SCREEN_SIGN,
     &lichfield},
    {"malnourished", "health", "They look malnourished or unkempt", SCREEN_SIGN, &lichfield},
    {"fearful", "behaviour",
     "They seem fearful, anxious or submissive, or afraid to speak to someone in authority",
     SCREEN_SIGN, &dhsc},
    {"excessive_hours", "work_living", "They work very long hours", SCREEN_SIGN, &arun},
    {"lives_at_work", "work_living", "They live where they work", SCREEN_SIGN, &sw9},
    {"transported", "work_living",
     "They are dropped off and collected, or not free to come and go on their own", SCREEN_SIGN,
     &lichfield},
    {"immediate_danger", "urgent", "The patient or someone else is in immediate danger",
     SCREEN_DANGER, &btp},
    {"under_18", "urgent", "They are, or may be, under 18", SCREEN_CHILD, &dhsc},
};
const size_t screening_indicator_count =
    sizeof screening_indicators / sizeof screening_indicators[0];

_Static_assert(sizeof screening_indicators / sizeof screening_indicators[0] <= 32,
	       "a set of indicators is a uint32_t");

const char screening_helpline_name[] = "Modern Slavery & Exploitation Helpline";
const char screening_helpline_phone[] = "08000 121 700";
const char screening_helpline_tel[] = "+448000121700";
const char screening_helpline_hours[] = "24 hours a day, every day";
const struct screening_source *const screening_helpline_source = &helpline;

/* ---- the steps ---- */

static const struct screening_step step_danger_999 = {
    "danger_999", "If the patient or anyone else is in immediate danger, call 999.", &btp};
static const struct screening_step step_call_999 = {
    "call_999",
    "Call 999 now: someone is in immediate danger. Keep yourself and the patient safe, and "
    "take the steps below once everyone is safe.",
    &btp};
static const struct screening_step step_trust_instinct = {
    "trust_instinct",
    "You have not ticked a sign. If something still feels not quite right, trust your "
    "professional instinct: it is usually a mix of things (a story that does not add up, a "
    "pattern of symptoms) that raises the concern, and victims may not say they are victims, "
    "out of fear, shame or a language barrier. Ask your safeguarding lead or the Helpline for "
    "advice.",
    &dhsc};
static const struct screening_step step_treat = {
    "treat",
    "Give them the care they need now: all immediately necessary treatment should be given, "
    "whatever their circumstances.",
    &dhsc};
static const struct screening_step step_see_alone = {
    "see_alone",
    "See them on their own, in private, away from anyone who came with them. Tell them it is "
    "safe to talk, ask only questions that matter and do not judge, give them time, and do not "
    "promise what you cannot do.",
    &dhsc};
static const struct screening_step step_interpreter = {
    "professional_interpreter",
    "If they need an interpreter, book a professional one: never the person who came with "
    "them, a relative, a friend or a child. A trafficker may present as a relative or friend "
    "and speak for the patient.",
    &interpreting};
static const struct screening_step step_safeguarding_lead = {
    "safeguarding_lead",
    "Speak to your organisation's safeguarding lead (or your manager) today, for advice and "
    "support, and follow your organisation's safeguarding procedure.",
    &dhsc};
static const struct screening_step step_helpline = {
    "helpline",
    "For advice at any time, call the Modern Slavery & Exploitation Helpline on 08000 121 700: "
    "free, confidential, 24 hours a day, every day. It advises statutory services such as the "
    "NHS as well as the public.",
    &helpline};
static const struct screening_step step_refer_adult = {
    "refer_through_first_responder",
    "Only a first responder organisation can refer someone into the National Referral "
    "Mechanism (NRM): the police, local authorities, some Home Office teams and designated "
    "charities such as the Salvation Army, Migrant Help, Barnardo's and Unseen. NHS bodies in "
    "England are not first responders, so your safeguarding lead passes the concern to one, "
    "usually the local authority's adult safeguarding team or the police. You do not need to "
    "be certain that someone is a victim. An adult must give informed consent to be referred; "
    "without it, the first responder notifies the Home Office under the Duty to Notify "
    "instead, without details that identify them.",
    &nrm_adult};
static const struct screening_step step_child_route = {
    "child_safeguarding",
    "If they are, or may be, under 18, act as though they are a child: follow your child "
    "safeguarding procedure and refer to the local authority's children's services (and the "
    "police) today. A child does not have to consent to an NRM referral: the local authority, "
    "a first responder, safeguards them first and then refers them.",
    &nrm_adult};
static const struct screening_step step_duty_to_notify = {
    "duty_to_notify",
    "The Duty to Notify (section 52 of the Modern Slavery Act 2015) applies to specified public "
    "authorities in England and Wales: police forces, local authorities, the National Crime "
    "Agency and the Gangmasters and Labour Abuse Authority. NHS bodies are not among them, so "
    "you do not notify the Home Office yourself: the first responder your safeguarding lead "
    "involves does.",
    &msa_s52};

int screening_indicator_find(const char *code)
{
	for (size_t i = 0; code && i < screening_indicator_count; i++)
		if (strcmp(screening_indicators[i].code, code) == 0)
			return (int)i;
	return -1;
}

const char *screening_level_name(enum screening_level level)
{
	switch (level) {
	case SCREEN_LEVEL_POSSIBLE:
		return "possible";
	case SCREEN_LEVEL_STRONG:
		return "strong";
	case SCREEN_LEVEL_EMERGENCY:
		return "emergency";
	case SCREEN_LEVEL_NONE:
	default:
		return "none";
	}
}

static void add(struct screening_result *out, const struct screening_step *s)
{
	if (out->nsteps < SCREENING_MAX_STEPS)
		out->steps[out->nsteps++] = s;
}

/* What every concern starts with, in the order to do it. */
static void first_steps(struct screening_result *out)
{
	add(out, &step_treat);
	add(out, &step_see_alone);
	add(out, &step_interpreter);
	add(out, &step_safeguarding_lead);
	add(out, &step_helpline);
}

/* The rule. The guidance says it is usually a combination of signs that
 * raises the suspicion, and control by someone else is what modern slavery
 * is, so: one sign is a possible case; three signs, or two where one is of
 * someone else's control, a strong one; immediate danger an emergency
 * whatever else is ticked. Age changes the route, not the level. */
void screening_assess(uint32_t ticked, struct screening_result *out)
{
	memset(out, 0, sizeof *out);
	int signs = 0, control = 0;
	bool danger = false, child = false;
	for (size_t i = 0; i < screening_indicator_count; i++) {
		if (!(ticked >> i & 1u))
			continue;
		switch (screening_indicators[i].kind) {
		case SCREEN_CONTROL:
			control++;
			signs++;
			break;
		case SCREEN_SIGN:
			signs++;
			break;
		case SCREEN_DANGER:
			danger = true;
			break;
		case SCREEN_CHILD:
			child = true;
			break;
		}
	}
	if (danger)
		out->level = SCREEN_LEVEL_EMERGENCY;
	else if (signs >= 3 || (signs >= 2 && control >= 1))
		out->level = SCREEN_LEVEL_STRONG;
	else if (signs >= 1)
		out->level = SCREEN_LEVEL_POSSIBLE;
	else
		out->level = SCREEN_LEVEL_NONE;

	if (out->level == SCREEN_LEVEL_NONE) {
		add(out, &step_trust_instinct);
		add(out, &step_helpline);
		return;
	}
	if (out->level == SCREEN_LEVEL_EMERGENCY)
		add(out, &step_call_999);
	first_steps(out);
	/* A child is always referred: the children's route at any level. */
	if (child)
		add(out, &step_child_route);
	else if (out->level != SCREEN_LEVEL_POSSIBLE)
		add(out, &step_refer_adult);
	if (out->level != SCREEN_LEVEL_POSSIBLE)
		add(out, &step_duty_to_notify);
}

void screening_summary(struct screening_result *out)
{
	memset(out, 0, sizeof *out);
	out->level = SCREEN_LEVEL_NONE;
	add(out, &step_danger_999);
	first_steps(out);
	add(out, &step_refer_adult);
	add(out, &step_child_route);
	add(out, &step_duty_to_notify);
}
