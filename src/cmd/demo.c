/*
 * demo.c - `waymark demo`: a database of fictional people to try Waymark on.
 *
 * Creates the database when it does not exist (an agency, a GP surgery, one
 * account per role, a handful of survivors) and prints the logins. Every
 * name here is invented.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../crypto/secret.h"
#include "../domain/date.h"
#include "../domain/survivor.h"
#include "cmd.h"

#define DEMO_PASSWORD "waymark-demo-2026"

static const struct {
	const char *username, *display;
	enum role role;
	int org; /* 0 agency, 1 surgery */
} demo_users[] = {
    {"manager", "Maya Okafor (manager)", ROLE_MANAGER, 0},
    {"advocate", "Sam Reid (advocate)", ROLE_ADVOCATE, 0},
    {"advocate2", "Jo Lindqvist (advocate)", ROLE_ADVOCATE, 0},
    {"clinician", "Dr Priya Nair (GP)", ROLE_CLINICIAN, 1},
    {"analyst", "Alex Moreno (analyst)", ROLE_ANALYST, 0},
};

/* Fictional survivors; days_ago is how long ago they entered the service. */
static const struct {
	const char *json;
	int days_ago;
	int advocate; /* index into demo_users */
} demo_survivors[] = {
    {"{\"known_as\":\"Lina\",\"birth_year\":1998,\"gender\":\"female\",\"nationality\":\"AL\","
     "\"languages\":[{\"code\":\"sq\",\"interpreter_needed\":true,\"interpreter_gender\":"
     "\"female\"}],\"exploitation_types\":[\"sexual\"],\"pregnant\":true,"
     "\"contact\":{\"safe_to_call\":true,\"safe_voicemail\":false,\"safe_letters\":false}}",
     20, 1},
    {"{\"known_as\":\"Minh\",\"birth_year\":2003,\"gender\":\"male\",\"nationality\":\"VN\","
     "\"languages\":[{\"code\":\"vi\",\"interpreter_needed\":true,\"interpreter_gender\":\"any\"}],"
     "\"exploitation_types\":[\"labour\",\"criminal\"]}",
     45, 1},
    {"{\"known_as\":\"Selam\",\"birth_year\":1994,\"gender\":\"female\",\"nationality\":\"ER\","
     "\"languages\":[{\"code\":\"ti\",\"interpreter_needed\":true,\"interpreter_gender\":"
     "\"female\"}],\"exploitation_types\":[\"domestic_servitude\"],"
     "\"dependants\":[{\"known_as\":\"Abel\",\"birth_year\":2021}]}",
     90, 1},
    {"{\"known_as\":\"Daniel\",\"birth_year\":1987,\"gender\":\"male\",\"nationality\":\"RO\","
     "\"languages\":[{\"code\":\"ro\",\"interpreter_needed\":false}],"
     "\"exploitation_types\":[\"labour\"]}",
     10, 2},
    {"{\"known_as\":\"Amira\",\"birth_year\":2000,\"gender\":\"female\",\"nationality\":\"SD\","
     "\"languages\":[{\"code\":\"ar-SD\",\"interpreter_needed\":true,\"interpreter_gender\":"
     "\"female\"}],\"exploitation_types\":[\"sexual\",\"domestic_servitude\"]}",
     200, 2},
};

/* Parts of the demo survivors' records, so the alerts and the dashboard
 * have something to show. Dates are relative to today: "{D-5}" is the date
 * five days ago, "{T+2}" 10:00 UTC two days ahead. */
static const struct {
	int survivor; /* index into demo_survivors */
	const char *kind;
	const char *json;
} demo_parts[] = {
    /* Lina: pregnant, no GP yet (refused for want of an address), an
     * appointment soon with no interpreter booked. */
    {0, "registrations",
     "{\"service\":\"gp\",\"provider\":\"Hill Street Surgery\",\"refused_on\":\"{D-5}\","
     "\"refusal_reason\":\"no_proof_of_address\"}"},
    {0, "appointments",
     "{\"kind\":\"gp\",\"starts_at\":\"{T+2}\",\"provider\":\"Walk-in centre\","
     "\"interpreter\":{\"language\":\"sq\",\"needed\":true,\"booked\":false}}"},
    /* Lina agreed, through an interpreter, to her health summary going with
     * her when she moves: the handover (FHIR and printed) can be tried. */
    {0, "consents",
     "{\"purpose\":\"handover\",\"given_on\":\"{D-3}\",\"method\":\"written\","
     "\"interpreter_used\":true}"},
    /* Minh: registered; NRM decision overdue; a long mental-health wait;
     * medication not explained in his language; an interpreter missing. */
    {1, "registrations",
     "{\"service\":\"gp\",\"provider\":\"Riverside Medical Practice\","
     "\"registered_on\":\"{D-30}\"}"},
    {1, "nrm", "{\"referred_on\":\"{D-20}\",\"first_responder\":\"Local authority\"}"},
    {1, "referrals",
     "{\"service\":\"talking_therapy\",\"provider\":\"Talking Therapies\",\"sent_on\":\"{D-44}\"}"},
    {1, "medications",
     "{\"name\":\"Sertraline\",\"category\":\"antidepressant\",\"started_on\":\"{D-35}\","
     "\"explained\":true,\"explained_in_own_language\":false}"},
    {1, "appointments",
     "{\"kind\":\"mental_health_assessment\",\"starts_at\":\"{T-10}\",\"status\":\"attended\","
     "\"interpreter\":{\"language\":\"vi\",\"needed\":true,\"booked\":true,"
     "\"provided\":false}}"},
    {1, "consents",
     "{\"purpose\":\"anonymised_research\",\"given_on\":\"{D-25}\",\"method\":\"verbal\","
     "\"interpreter_used\":true}"},
    /* Selam: her son has no GP; an appointment cancelled by someone else;
     * an asylum claim without a legal representative. */
    {2, "registrations",
     "{\"service\":\"gp\",\"provider\":\"Riverside Medical Practice\","
     "\"registered_on\":\"{D-80}\"}"},
    {2, "appointments",
     "{\"kind\":\"gp\",\"starts_at\":\"{T-3}\",\"status\":\"cancelled\","
     "\"cancelled_by\":\"third_party\",\"provider\":\"Riverside Medical Practice\"}"},
    {2, "asylum", "{\"claimed_on\":\"{D-60}\",\"support\":\"s95\"}"},
    {2, "plan",
     "{\"goals\":[{\"domain\":\"housing\",\"text\":\"Move to safe housing\"},"
     "{\"domain\":\"health\",\"text\":\"Register Abel with the GP\"}]}"},
    /* Daniel: new, no plan yet; a dental appointment tomorrow. */
    {3, "appointments",
     "{\"kind\":\"dental\",\"starts_at\":\"{T+1}\",\"provider\":\"Smile Dental\"}"},
    /* Amira: waiting for a conclusive-grounds decision, without support. */
    {4, "registrations",
     "{\"service\":\"gp\",\"provider\":\"Riverside Medical Practice\","
     "\"registered_on\":\"{D-190}\"}"},
    {4, "registrations",
     "{\"service\":\"dental\",\"provider\":\"Smile Dental\",\"registered_on\":\"{D-150}\"}"},
    {4, "nrm",
     "{\"referred_on\":\"{D-180}\",\"rg_decision_on\":\"{D-170}\",\"rg_outcome\":\"positive\","
     "\"support\":\"victim_care_contract\"}"},
    {4, "asylum",
     "{\"claimed_on\":\"{D-175}\",\"support\":\"none\",\"legal_representative\":true}"},
    {4, "plan",
     "{\"goals\":[{\"domain\":\"education\",\"text\":\"English classes\",\"status\":\"met\"},"
     "{\"domain\":\"purpose\",\"text\":\"Volunteer at the food bank\"}]}"},
};

/* Writes json with its "{D±N}" and "{T±N}" filled in into out. */
static bool demo_expand(const char *json, int today, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = json; *p; p++) {
		char kind, sign;
		int days, used = 0;
		if (*p == '{' && sscanf(p, "{%c%c%d}%n", &kind, &sign, &days, &used) == 3 && used &&
		    (kind == 'D' || kind == 'T')) {
			int day = today + (sign == '-' ? -days : days);
			char text[INSTANT_TEXT_LEN];
			if (kind == 'D')
				date_format(day, text);
			else
				instant_format((int64_t)day * 86400 + 10 * 3600, text);
			size_t len = strlen(text);
			if (n + len >= cap)
				return false;
			memcpy(out + n, text, len);
			n += len;
			p += used - 1;
			continue;
		}
		if (n + 1 >= cap)
			return false;
		out[n++] = *p;
	}
	out[n] = '\0';
	return true;
}

/* Adds the demo parts of one survivor's record, each through its kind's
 * rules, as the API would. */
static bool seed_parts(struct store *st, size_t which, const struct store_survivor *s,
		       const struct store_user *adv, int today, int64_t now)
{
	for (size_t i = 0; i < sizeof demo_parts / sizeof demo_parts[0]; i++) {
		if ((size_t)demo_parts[i].survivor != which)
			continue;
		const struct kind *k = kind_find(demo_parts[i].kind);
		char text[1024];
		json_error_t jerr;
		json_t *body = k && demo_expand(demo_parts[i].json, today, text, sizeof text)
				   ? json_loads(text, 0, &jerr)
				   : NULL;
		struct schema_error se;
		if (!body || k->validate(body, s->body, today, &se) != WM_OK) {
			fprintf(stderr, "waymark demo: part %zu is not valid\n", i);
			json_decref(body);
			return false;
		}
		struct store_item it = {.version = 1, .body = body};
		secret_new_id(it.id);
		memcpy(it.survivor_id, s->id, sizeof it.survivor_id);
		memcpy(it.org_id, s->org_id, sizeof it.org_id);
		instant_format(now, it.created_at);
		memcpy(it.updated_at, it.created_at, sizeof it.updated_at);
		struct store_audit a = {.role = adv->role};
		memcpy(a.at, it.created_at, sizeof a.at);
		memcpy(a.survivor_id, s->id, sizeof a.survivor_id);
		memcpy(a.user_id, adv->id, sizeof a.user_id);
		memcpy(a.org_id, adv->org_id, sizeof a.org_id);
		snprintf(a.action, sizeof a.action, "create");
		snprintf(a.route, sizeof a.route, "waymark demo");
		wm_err e = store_item_create(st, k, &it, &a);
		store_item_clear(&it);
		if (e != WM_OK)
			return false;
	}
	return true;
}

static bool seed(struct store *st, int today)
{
	struct store_org orgs[2] = {0};
	const char *names[2] = {"Northgate Survivor Support", "Riverside Medical Practice"};
	const char *kinds[2] = {"support_agency", "health"};
	int64_t now = (int64_t)time(NULL);
	for (int i = 0; i < 2; i++) {
		secret_new_id(orgs[i].id);
		snprintf(orgs[i].name, sizeof orgs[i].name, "%s", names[i]);
		snprintf(orgs[i].kind, sizeof orgs[i].kind, "%s", kinds[i]);
		instant_format(now, orgs[i].created_at);
		memcpy(orgs[i].updated_at, orgs[i].created_at, sizeof orgs[i].updated_at);
		struct store_account_event ev = {0};
		memcpy(ev.at, orgs[i].created_at, sizeof ev.at);
		snprintf(ev.action, sizeof ev.action, "org.create");
		memcpy(ev.target_id, orgs[i].id, sizeof ev.target_id);
		snprintf(ev.fields, sizeof ev.fields, "name,kind");
		if (store_org_create(st, &orgs[i], &ev) != WM_OK)
			return false;
	}
	struct store_user users[5];
	for (size_t i = 0; i < 5; i++)
		if (!cmd_create_user(st, demo_users[i].username, DEMO_PASSWORD,
				     demo_users[i].display, demo_users[i].role,
				     orgs[demo_users[i].org].id, &users[i]))
			return false;
	for (size_t i = 0; i < sizeof demo_survivors / sizeof demo_survivors[0]; i++) {
		json_error_t jerr;
		json_t *body = json_loads(demo_survivors[i].json, 0, &jerr);
		if (!body)
			return false;
		char entered[DATE_TEXT_LEN];
		date_format(today - demo_survivors[i].days_ago, entered);
		json_object_set_new(body, "entered_service_on", json_string(entered));
		const struct store_user *adv = &users[demo_survivors[i].advocate];
		json_object_set_new(body, "advocate_id", json_string(adv->id));
		struct schema_error se;
		if (survivor_validate(body, today, &se) != WM_OK) {
			fprintf(stderr, "waymark demo: survivor %zu: %s\n", i, se.message);
			json_decref(body);
			return false;
		}
		struct store_survivor s = {.version = 1, .body = body};
		secret_new_id(s.id);
		snprintf(s.org_id, sizeof s.org_id, "%s", orgs[0].id);
		instant_format(now, s.created_at);
		memcpy(s.updated_at, s.created_at, sizeof s.updated_at);
		struct store_audit a = {.role = adv->role};
		memcpy(a.at, s.created_at, sizeof a.at);
		memcpy(a.survivor_id, s.id, sizeof a.survivor_id);
		memcpy(a.user_id, adv->id, sizeof a.user_id);
		memcpy(a.org_id, adv->org_id, sizeof a.org_id);
		snprintf(a.action, sizeof a.action, "create");
		snprintf(a.route, sizeof a.route, "waymark demo");
		wm_err e = store_survivor_create(st, &s, &a);
		if (e == WM_OK && !seed_parts(st, i, &s, adv, today, now))
			e = WM_ERR_INVALID;
		store_survivor_clear(&s);
		if (e != WM_OK)
			return false;
	}
	return true;
}

int cmd_demo(int argc, char **argv)
{
	struct opt opts[] = {
	    {"db", "WAYMARK_DB", "PATH", "the demo database (default: build/demo.db)", NULL},
	    {"key-file", "WAYMARK_KEY_FILE", "FILE", "data-encryption key (default: PATH.key)",
	     NULL},
	};
	bool help;
	int rc = cmd_parse("demo",
			   "Creates a demo database of fictional survivors when it does not exist, "
			   "and\nprints the demo logins. Then run 'waymark serve' on it.",
			   argc, argv, opts, 2, &help);
	if (rc || help)
		return rc;
	const char *db = opts[0].value ? opts[0].value : "build/demo.db";
	char key_path[4096];
	if (!cmd_key_path(db, opts[1].value, key_path, sizeof key_path))
		return 2;
	struct stat sb;
	if (stat(db, &sb) != 0) {
		struct store *st;
		struct keyring *keys;
		rc = cmd_create_database(db, key_path, "admin", DEMO_PASSWORD, &st, &keys);
		if (rc)
			return rc;
		bool ok = seed(st, instant_day((int64_t)time(NULL)));
		store_close(st);
		keyring_free(keys);
		if (!ok) {
			fprintf(stderr, "waymark demo: could not seed the demo data\n");
			return 1;
		}
		printf("waymark: created the demo database %s\n", db);
	}
	printf("\nDemo logins (every password is %s):\n", DEMO_PASSWORD);
	printf("  admin      administrator: organisations and accounts\n");
	for (size_t i = 0; i < 5; i++)
		printf("  %-10s %s\n", demo_users[i].username, demo_users[i].display);
	printf("\n");
	return 0;
}
