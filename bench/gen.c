/*
 * gen.c - the benchmark's synthetic database: organisations, accounts and
 * survivors with their whole record, written through the storage layer
 * (store.h), so that sealed bodies, plain columns, name indexes and audit
 * entries are exactly what the server writes.
 *
 *   build/bench/gen --db PATH --survivors N [--today YYYY-MM-DD] [--threads T]
 *                   [--key-file FILE]
 *
 * PATH may be a postgresql:// URI of an empty database (made with createdb;
 * --key-file is then required): bench/mixed.mjs compares the backends on the
 * same data. The same N and --today give the same records (ids apart).
 *
 * Shape (docs/performance.md): one advocate per 200 survivors, 25 advocates
 * and one manager per organisation (1,000,000 survivors: 5,000 advocates,
 * 200 organisations). Each advocate holds 40 active cases and 160 closed
 * ones (a service's history: closed cases keep their last advocate). Each
 * survivor has about 10 appointments, 3 referrals, 2 registrations, an NRM
 * and (most) an asylum record, a plan with reviews, sometimes a medication,
 * and a consent; dates are spread around today so that every alert rule
 * fires for some survivors (a GP not registered after 14 days, an RG
 * decision overdue, an interpreter not booked, ...). Every body passes the
 * same validation the API applies, so the database is one the API could
 * have written.
 *
 * Speed: the store's bulk mode (store_bulk_begin) turns each write's
 * transaction into a savepoint of one long transaction, committed every
 * COMMIT_EVERY advocates, with synchronous = OFF. PostgreSQL has no bulk
 * mode: each write is its own transaction, each worker on a connection of
 * its own (bench/mixed.mjs runs that cluster with fsync off while it
 * generates). Two threads build,
 * validate and seal records while the store's one connection inserts.
 * Record ids begin with a counter so that the unique indexes grow at their
 * end (random ids would scatter the inserts); a lookup costs the same.
 *
 * Accounts: bench.manager (organisation 0), bench.advocate (its first
 * advocate), bench.analyst and the administrator `admin` have their own
 * Argon2id hash of the password in PASSWORD; every other account shares one
 * hash of it computed once (hashing 5,200 passwords would take minutes).
 * Writes PATH.json (FILE.json with --key-file): the ids the bench run needs.
 */
#define _POSIX_C_SOURCE 200809L

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "crypto/secret.h"
#include "domain/date.h"
#include "domain/kind.h"
#include "domain/survivor.h"
#include "store/store.h"

#define PASSWORD     "bench-password-1"
#define PER_ADVOCATE 200 /* survivors per advocate: ACTIVE active, the rest closed */
#define ACTIVE	     40
#define PER_ORG	     25 /* advocates per organisation */
#define COMMIT_EVERY 50 /* advocates per commit */
#define GEN_VERSION  1	/* bump when the data changes: the Makefile keys the cache on it */

struct gen {
	struct store *st;
	int today;
	int survivors, advocates, orgs;
	char (*org_ids)[STORE_ID_LEN];
	char (*adv_ids)[STORE_ID_LEN];
	atomic_int next_adv, done_adv;
	atomic_ullong next_id;
	atomic_long rows;
	pthread_mutex_t commit_lock;
	int committed; /* advocates done when last committed */
	bool bulk;     /* in the store's bulk mode (SQLite): commit every COMMIT_EVERY */
	char now[INSTANT_TEXT_LEN];
};

/* ---- randomness: splitmix64, seeded per survivor, so runs agree ---- */

struct rng {
	uint64_t s;
};

static uint64_t next64(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [lo, hi]. */
static int between(struct rng *r, int lo, int hi)
{
	return hi <= lo ? lo : lo + (int)(next64(r) % (uint64_t)(hi - lo + 1));
}

/* True with probability pct percent. */
static bool chance(struct rng *r, int pct)
{
	return (int)(next64(r) % 100) < pct;
}

static const char *pick(struct rng *r, const char *const *v, int n)
{
	return v[next64(r) % (uint64_t)n];
}

#define PICK(r, a) pick((r), (a), (int)(sizeof(a) / sizeof((a)[0])))

/* ---- building blocks ---- */

static void new_id(struct gen *g, struct rng *r, char out[STORE_ID_LEN])
{
	unsigned long long n = atomic_fetch_add(&g->next_id, 1);
	snprintf(out, STORE_ID_LEN, "%012llx%020llx", n & 0xffffffffffffULL,
		 (unsigned long long)(next64(r) >> 8) & 0xfffffffffffffULL);
	/* 12 + 20 hex digits: the second field is 13 at most, zero-padded to 20 */
}

static json_t *day_json(int day)
{
	char t[DATE_TEXT_LEN];
	date_format(day, t);
	return json_string(t);
}

static void set_day(json_t *o, const char *key, int day)
{
	json_object_set_new(o, key, day_json(day));
}

/* An instant at noon UTC of day (creation times of records). */
static void noon(int day, char out[INSTANT_TEXT_LEN])
{
	instant_format((int64_t)day * 86400 + 12 * 3600, out);
}

static void die(const char *what, wm_err e)
{
	fprintf(stderr, "gen: %s: %s\n", what, wm_err_str(e));
	exit(1);
}

static void check(const char *what, wm_err e, const struct schema_error *se)
{
	if (e != WM_OK) {
		fprintf(stderr, "gen: invalid %s: %s (%s)\n", what, se->message, se->field);
		exit(1);
	}
}

static void audit_of(struct store_audit *a, const char *at, const char *survivor_id,
		     const char *user_id, const char *org_id, const char *route)
{
	memset(a, 0, sizeof *a);
	snprintf(a->at, sizeof a->at, "%s", at);
	snprintf(a->survivor_id, sizeof a->survivor_id, "%s", survivor_id);
	snprintf(a->user_id, sizeof a->user_id, "%s", user_id);
	a->role = ROLE_ADVOCATE;
	snprintf(a->org_id, sizeof a->org_id, "%s", org_id);
	snprintf(a->action, sizeof a->action, "create");
	snprintf(a->route, sizeof a->route, "%s", route);
}

/* One survivor being written: who, where, and their time in service. */
struct surv {
	char id[STORE_ID_LEN];
	const char *org_id, *adv_id;
	json_t *body;
	int entered, until; /* until: closed_on, or today */
	bool active, interpreter;
	const char *lang;
};

/* Validates item as the API would, then stores it with its audit entry. */
static void add_item(struct gen *g, struct rng *r, const struct surv *s, const char *kind_name,
		     json_t *item, int created_day)
{
	const struct kind *k = kind_find(kind_name);
	struct schema_error se;
	check(kind_name, k->validate(item, s->body, g->today, &se), &se);
	struct store_item it = {.body = item, .version = 1};
	new_id(g, r, it.id);
	memcpy(it.survivor_id, s->id, sizeof it.survivor_id);
	snprintf(it.org_id, sizeof it.org_id, "%s", s->org_id);
	noon(created_day < g->today ? created_day : g->today, it.created_at);
	memcpy(it.updated_at, it.created_at, sizeof it.updated_at);
	char route[96];
	snprintf(route, sizeof route, "/api/v1/survivors/{id}/%s", kind_name);
	struct store_audit a;
	audit_of(&a, it.created_at, s->id, s->adv_id, s->org_id, route);
	wm_err e = store_item_create(g->st, k, &it, &a);
	if (e != WM_OK)
		die(kind_name, e);
	json_decref(item);
	atomic_fetch_add(&g->rows, 1);
}

static int min_day(int a, int b)
{
	return a < b ? a : b;
}

/* ---- the parts of a record ---- */

static void gen_nrm(struct gen *g, struct rng *r, const struct surv *s)
{
	int referred = min_day(s->entered + between(r, -20, 20), g->today);
	json_t *n = json_object();
	set_day(n, "referred_on", referred);
	json_object_set_new(n, "first_responder", json_string("First responder organisation"));
	static const char *const supports[] = {"victim_care_contract", "victim_care_contract",
					       "victim_care_contract", "none", "other"};
	json_object_set_new(n, "support", json_string(PICK(r, supports)));
	int rg = referred + between(r, 3, 60);
	if (rg <= g->today && chance(r, 85)) {
		bool positive = chance(r, 80);
		set_day(n, "rg_decision_on", rg);
		json_object_set_new(n, "rg_outcome",
				    json_string(positive ? "positive" : "negative"));
		if (positive) {
			set_day(n, "recovery_period_ends_on", rg + 45);
			int cg = rg + between(r, 60, 600);
			if (cg <= g->today && chance(r, 60)) {
				set_day(n, "cg_decision_on", cg);
				json_object_set_new(
				    n, "cg_outcome",
				    json_string(chance(r, 85) ? "positive" : "negative"));
			}
		}
	}
	add_item(g, r, s, "nrm", n, referred);
}

static void gen_asylum(struct gen *g, struct rng *r, const struct surv *s)
{
	int claimed = min_day(s->entered + between(r, -100, 60), g->today);
	json_t *a = json_object();
	set_day(a, "claimed_on", claimed);
	static const char *const supports[] = {"s95", "s95", "s98", "s4", "none"};
	json_object_set_new(a, "support", json_string(PICK(r, supports)));
	json_object_set_new(a, "legal_representative", json_boolean(chance(r, 70)));
	int decided = claimed + between(r, 90, 700);
	if (decided <= g->today && chance(r, 50)) {
		set_day(a, "decision_on", decided);
		json_object_set_new(a, "outcome",
				    json_string(chance(r, 60) ? "granted" : "refused"));
	}
	add_item(g, r, s, "asylum", a, claimed);
}

static void gen_plan(struct gen *g, struct rng *r, const struct surv *s)
{
	static const char *const domains[] = {"health", "mental_health", "housing",   "safety",
					      "legal",	"finance",	 "education", "purpose",
					      "social", "independence"};
	static const int every[] = {28, 42, 56, 90};
	int review_every = every[next64(r) % 4];
	int created = min_day(s->entered + between(r, 0, 14), g->today);
	json_t *p = json_object(), *goals = json_array();
	json_object_set_new(p, "review_every_days", json_integer(review_every));
	for (int i = 0; i < 3; i++)
		json_array_append_new(goals,
				      json_pack("{s:s, s:s, s:s}", "domain", PICK(r, domains),
						"text", "A goal agreed with the survivor", "status",
						chance(r, 40) ? "met" : "open"));
	json_object_set_new(p, "goals", goals);
	add_item(g, r, s, "plan", p, created);
	/* Reviews mostly on time; the last one sometimes late (review_overdue). */
	int on = created;
	for (int i = 0; i < 3; i++) {
		on += review_every + between(r, -3, 20);
		if (on > s->until)
			break;
		json_t *v = json_object();
		set_day(v, "on", on);
		add_item(g, r, s, "plan/reviews", v, on);
	}
}

static void gen_registrations(struct gen *g, struct rng *r, const struct surv *s)
{
	static const char *const reasons[] = {"no_proof_of_address",   "no_id",
					      "no_immigration_status", "no_nhs_number",
					      "no_interpreter",	       "list_full"};
	const char *services[2] = {"gp", "dental"};
	const int registered_pct[2] = {82, 55};
	for (int i = 0; i < 2; i++) {
		int day = s->entered + between(r, 1, i == 0 ? 40 : 120);
		if (day > s->until)
			continue; /* not yet: gp_unregistered / dental_unregistered */
		json_t *reg = json_pack("{s:s, s:s, s:s}", "service", services[i], "person",
					"survivor", "provider", "A practice");
		int roll = between(r, 1, 100);
		if (roll <= registered_pct[i]) {
			set_day(reg, "registered_on", day);
		} else if (roll <= registered_pct[i] + 10) {
			set_day(reg, "refused_on", day);
			json_object_set_new(reg, "refusal_reason", json_string(PICK(r, reasons)));
		} else {
			json_decref(reg);
			continue;
		}
		add_item(g, r, s, "registrations", reg, day);
	}
}

static void gen_referrals(struct gen *g, struct rng *r, const struct surv *s)
{
	static const char *const services[] = {
	    "mental_health", "talking_therapy", "ptsd_clinic", "counselling",  "legal", "housing",
	    "dental",	     "sexual_health",	"education",   "volunteering", "other"};
	for (int i = 0; i < 3; i++) {
		int sent = s->entered + between(r, 0, s->until - s->entered);
		json_t *f =
		    json_pack("{s:s, s:s}", "service", PICK(r, services), "provider", "A service");
		set_day(f, "sent_on", sent);
		int roll = between(r, 1, 100);
		int accepted = sent + between(r, 2, 30);
		if (roll <= 70 && accepted <= g->today) {
			set_day(f, "accepted_on", accepted);
			int seen = accepted + between(r, 0, 70);
			if (chance(r, 80) && seen <= g->today)
				set_day(f, "first_seen_on", seen);
		} else if (roll <= 80 && accepted <= g->today) {
			set_day(f, "rejected_on", accepted);
			json_object_set_new(f, "rejection_reason", json_string("Outside criteria"));
		}
		add_item(g, r, s, "referrals", f, sent);
	}
}

static void gen_appointments(struct gen *g, struct rng *r, const struct surv *s)
{
	static const char *const kinds[] = {"gp",
					    "gp",
					    "dental",
					    "mental_health_assessment",
					    "talking_therapy",
					    "counselling",
					    "sexual_health",
					    "hospital",
					    "pharmacy",
					    "other"};
	static const char *const cancellers[] = {"survivor", "advocate", "provider", "third_party",
						 "unknown"};
	int n = between(r, 8, 12);
	int last = s->active ? g->today + 21 : s->until;
	for (int i = 0; i < n; i++) {
		/* Active cases: a few in the next three weeks, the rest behind. */
		int day = s->active && i < 2 ? g->today + between(r, 0, 21)
					     : s->entered + between(r, 0, last - s->entered);
		/* Mostly office hours; some late evening (23:30 UTC is the next
		 * day in London under summer time: the report counts days there). */
		int64_t at = (int64_t)day * 86400 +
			     (chance(r, 3) ? 23 * 3600 + 1800 : between(r, 8, 17) * 3600);
		char starts[INSTANT_TEXT_LEN];
		instant_format(at, starts);
		json_t *a =
		    json_pack("{s:s, s:s, s:i, s:s}", "kind", PICK(r, kinds), "starts_at", starts,
			      "duration_min", chance(r, 50) ? 30 : 60, "provider", "A clinic");
		const char *status = "scheduled";
		bool past = instant_local_day(at) < g->today;
		int roll = between(r, 1, 100);
		if (past)
			status = roll <= 75   ? "attended"
				 : roll <= 86 ? "did_not_attend"
					      : "cancelled";
		else if (roll <= 8)
			status = "cancelled";
		json_object_set_new(a, "status", json_string(status));
		if (strcmp(status, "cancelled") == 0)
			json_object_set_new(a, "cancelled_by", json_string(PICK(r, cancellers)));
		if (s->interpreter) {
			json_t *in = json_pack("{s:s, s:b, s:b}", "language", s->lang, "needed", 1,
					       "booked", chance(r, 85));
			if (strcmp(status, "attended") == 0)
				json_object_set_new(in, "provided", json_boolean(chance(r, 90)));
			json_object_set_new(a, "interpreter", in);
		} else if (chance(r, 10)) {
			json_object_set_new(a, "interpreter", json_pack("{s:b}", "needed", 0));
		}
		json_object_set_new(a, "advocate_attends", json_boolean(chance(r, 30)));
		if (chance(r, 20))
			json_object_set_new(a, "notes",
					    json_string("Went well; follow up in a month"));
		add_item(g, r, s, "appointments", a, day - between(r, 1, 20));
	}
}

static void gen_medication(struct gen *g, struct rng *r, const struct surv *s)
{
	if (!chance(r, 30))
		return;
	static const char *const categories[] = {
	    "antidepressant", "antidepressant", "antipsychotic", "hypnotic", "analgesic", "other"};
	int started = s->entered + between(r, 0, s->until - s->entered);
	bool explained = chance(r, 85);
	json_t *m = json_pack("{s:s, s:s, s:b}", "name", "A medicine", "category",
			      PICK(r, categories), "explained", explained);
	set_day(m, "started_on", started);
	if (explained)
		json_object_set_new(m, "explained_in_own_language", json_boolean(chance(r, 80)));
	if (chance(r, 30))
		set_day(m, "stopped_on", started + between(r, 14, 200));
	add_item(g, r, s, "medications", m, started);
}

static void gen_consent(struct gen *g, struct rng *r, const struct surv *s)
{
	json_t *c = json_pack("{s:s, s:s}", "purpose", "anonymised_research", "method",
			      chance(r, 70) ? "verbal" : "written");
	set_day(c, "given_on", s->entered);
	add_item(g, r, s, "consents", c, s->entered);
}

/* ---- one survivor ---- */

static void gen_survivor(struct gen *g, int adv, int k)
{
	static const char *const names[] = {"Ana",   "Ioana", "Mihai", "Thi",	"Minh",	 "Blessing",
					    "Grace", "Joy",   "Arben", "Elira", "Kwame", "Amir",
					    "Sara",  "Lina",  "Tomas", "Marta", "Yusuf", "Nadia"};
	static const char *const countries[] = {"AL", "VN", "RO", "NG", "ER", "SD", "PL",
						"GB", "IN", "CN", "SK", "LT", "BG", "EG"};
	static const char *const langs[] = {"sq", "vi", "ro", "yo", "ti", "ar", "pl",
					    "en", "hi", "zh", "sk", "lt", "bg", "ar"};
	static const char *const exploitation[] = {"sexual", "labour", "domestic_servitude",
						   "criminal", "other"};
	struct rng r = {.s = ((uint64_t)adv << 20) ^ (uint64_t)k ^ 0x5eedULL};
	struct surv s = {.org_id = g->org_ids[adv / PER_ORG], .adv_id = g->adv_ids[adv]};
	s.active = k < ACTIVE;
	if (s.active) {
		/* One in ten entered within the last month: the first weeks'
		 * rules (GP, plan, dental) are still open for them. */
		s.entered = g->today - (chance(&r, 10) ? between(&r, 0, 30) : between(&r, 31, 730));
		s.until = g->today;
	} else {
		s.entered = g->today - between(&r, 90, 3650);
		s.until = min_day(s.entered + between(&r, 30, 700), g->today - 1);
	}
	int country = (int)(next64(&r) % 14);
	s.lang = langs[country];
	s.interpreter = strcmp(s.lang, "en") != 0 && chance(&r, 45);
	char known_as[64];
	snprintf(known_as, sizeof known_as, "%s %d-%d", PICK(&r, names), adv, k);
	bool female = chance(&r, 60);
	s.body = json_pack(
	    "{s:s, s:i, s:s, s:s, s:[{s:s, s:b}], s:[s], s:s, s:s, s:{s:s, s:b, s:b}}", "known_as",
	    known_as, "birth_year", between(&r, 1960, 2006), "gender", female ? "female" : "male",
	    "nationality", countries[country], "languages", "code", s.lang, "interpreter_needed",
	    s.interpreter, "exploitation_types", PICK(&r, exploitation), "advocate_id", s.adv_id,
	    "status", s.active ? "active" : "closed", "contact", "phone", "07700 900000",
	    "safe_to_call", chance(&r, 70), "safe_voicemail", 0);
	if (chance(&r, 50))
		json_object_set_new(s.body, "legal_name", json_string(known_as));
	set_day(s.body, "entered_service_on", s.entered);
	if (!s.active)
		set_day(s.body, "closed_on", s.until);
	if (s.active && female && chance(&r, 6)) {
		json_object_set_new(s.body, "pregnant", json_true());
		set_day(s.body, "due_on", g->today + between(&r, 20, 200));
	}
	if (chance(&r, 12))
		json_object_set_new(s.body, "dependants",
				    json_pack("[{s:s, s:i}]", "known_as", "Child", "birth_year",
					      between(&r, 2012, 2025)));
	struct schema_error se;
	check("survivor", survivor_validate(s.body, g->today, &se), &se);

	struct store_survivor sv = {.version = 1, .body = s.body};
	new_id(g, &r, s.id);
	memcpy(sv.id, s.id, sizeof sv.id);
	snprintf(sv.org_id, sizeof sv.org_id, "%s", s.org_id);
	noon(s.entered, sv.created_at);
	memcpy(sv.updated_at, sv.created_at, sizeof sv.updated_at);
	struct store_audit a;
	audit_of(&a, sv.created_at, s.id, s.adv_id, s.org_id, "/api/v1/survivors");
	wm_err e = store_survivor_create(g->st, &sv, &a);
	if (e != WM_OK)
		die("survivor", e);
	atomic_fetch_add(&g->rows, 1);

	if (chance(&r, 92))
		gen_nrm(g, &r, &s);
	if (chance(&r, 60))
		gen_asylum(g, &r, &s);
	if (chance(&r, 94))
		gen_plan(g, &r, &s);
	gen_registrations(g, &r, &s);
	gen_referrals(g, &r, &s);
	gen_appointments(g, &r, &s);
	gen_medication(g, &r, &s);
	gen_consent(g, &r, &s);
	json_decref(s.body);
}

/* ---- threads ---- */

static int survivors_of(const struct gen *g, int adv)
{
	int left = g->survivors - adv * PER_ADVOCATE;
	return left < PER_ADVOCATE ? left : PER_ADVOCATE;
}

static void *worker(void *arg)
{
	struct gen *g = arg;
	for (;;) {
		int adv = atomic_fetch_add(&g->next_adv, 1);
		if (adv >= g->advocates)
			return NULL;
		int n = survivors_of(g, adv);
		for (int k = 0; k < n; k++)
			gen_survivor(g, adv, k);
		int done = atomic_fetch_add(&g->done_adv, 1) + 1;
		pthread_mutex_lock(&g->commit_lock);
		if (g->bulk && done - g->committed >= COMMIT_EVERY) {
			g->committed = done;
			wm_err e = store_bulk_commit(g->st, true);
			if (e != WM_OK)
				die("commit", e);
		}
		pthread_mutex_unlock(&g->commit_lock);
	}
}

/* ---- organisations and accounts ---- */

static void event_of(struct store_account_event *ev, const struct gen *g, const char *action,
		     const char *target, const char *fields)
{
	memset(ev, 0, sizeof *ev);
	memcpy(ev->at, g->now, sizeof ev->at);
	snprintf(ev->action, sizeof ev->action, "%s", action);
	snprintf(ev->target_id, sizeof ev->target_id, "%s", target);
	snprintf(ev->fields, sizeof ev->fields, "%s", fields);
}

static void make_user(struct gen *g, const char *username, enum role role, const char *org_id,
		      const char *hash, char id_out[STORE_ID_LEN])
{
	struct store_user u = {.role = role, .version = 1};
	secret_new_id(u.id);
	snprintf(u.username, sizeof u.username, "%s", username);
	snprintf(u.display_name, sizeof u.display_name, "%s", username);
	snprintf(u.org_id, sizeof u.org_id, "%s", org_id);
	snprintf(u.password_hash, sizeof u.password_hash, "%s", hash);
	memcpy(u.created_at, g->now, sizeof u.created_at);
	memcpy(u.updated_at, g->now, sizeof u.updated_at);
	struct store_account_event ev;
	event_of(&ev, g, "user.create", u.id, "username,password,display_name,role,org_id");
	wm_err e = store_user_create(g->st, &u, &ev);
	if (e != WM_OK)
		die(username, e);
	if (id_out)
		memcpy(id_out, u.id, STORE_ID_LEN);
}

static void own_hash(char out[STORE_HASH_LEN])
{
	if (secret_hash_password(PASSWORD, out) != WM_OK)
		die("password hash", WM_ERR_NOMEM);
}

static void make_accounts(struct gen *g, char analyst_id[STORE_ID_LEN],
			  char manager_id[STORE_ID_LEN])
{
	char shared[STORE_HASH_LEN], own[STORE_HASH_LEN];
	own_hash(shared);
	for (int o = 0; o < g->orgs; o++) {
		struct store_org org = {.version = 1};
		secret_new_id(org.id);
		snprintf(org.name, sizeof org.name, "Bench agency %d", o);
		snprintf(org.kind, sizeof org.kind, "support_agency");
		memcpy(org.created_at, g->now, sizeof org.created_at);
		memcpy(org.updated_at, g->now, sizeof org.updated_at);
		struct store_account_event ev;
		event_of(&ev, g, "org.create", org.id, "name,kind");
		wm_err e = store_org_create(g->st, &org, &ev);
		if (e != WM_OK)
			die("organisation", e);
		memcpy(g->org_ids[o], org.id, STORE_ID_LEN);
		char name[64];
		snprintf(name, sizeof name, "manager.%d", o);
		if (o == 0)
			own_hash(own);
		make_user(g, o == 0 ? "bench.manager" : name, ROLE_MANAGER, org.id,
			  o == 0 ? own : shared, o == 0 ? manager_id : NULL);
	}
	for (int a = 0; a < g->advocates; a++) {
		char name[64];
		snprintf(name, sizeof name, "advocate.%d", a);
		if (a == 0)
			own_hash(own);
		make_user(g, a == 0 ? "bench.advocate" : name, ROLE_ADVOCATE,
			  g->org_ids[a / PER_ORG], a == 0 ? own : shared, g->adv_ids[a]);
	}
	own_hash(own);
	make_user(g, "bench.analyst", ROLE_ANALYST, g->org_ids[0], own, analyst_id);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	const char *db = NULL, *today = NULL, *key_file = NULL;
	int survivors = 20000, threads = 2;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--db") == 0)
			db = argv[i + 1];
		else if (strcmp(argv[i], "--survivors") == 0)
			survivors = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--today") == 0)
			today = argv[i + 1];
		else if (strcmp(argv[i], "--threads") == 0)
			threads = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--key-file") == 0)
			key_file = argv[i + 1];
	}
	if (!db || survivors < 1 || threads < 1 || threads > 16) {
		fprintf(stderr, "usage: gen --db PATH --survivors N [--today YYYY-MM-DD] "
				"[--threads T] [--key-file FILE]\n");
		return 2;
	}
	if (!secret_init() || !date_zone_use("Europe/London"))
		die("init", WM_ERR_IO);
	struct gen g = {.survivors = survivors};
	int64_t now = (int64_t)time(NULL);
	instant_format(now, g.now);
	g.today = instant_local_day(now);
	if (today && !date_parse(today, &g.today)) {
		fprintf(stderr, "gen: --today must be YYYY-MM-DD\n");
		return 2;
	}
	g.advocates = (survivors + PER_ADVOCATE - 1) / PER_ADVOCATE;
	g.orgs = (g.advocates + PER_ORG - 1) / PER_ORG;
	g.org_ids = calloc((size_t)g.orgs, sizeof *g.org_ids);
	g.adv_ids = calloc((size_t)g.advocates, sizeof *g.adv_ids);
	pthread_mutex_init(&g.commit_lock, NULL);

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char key_path[4096];
	snprintf(key_path, sizeof key_path, "%s%s", key_file ? key_file : db,
		 key_file ? "" : ".key");
	struct keyring *keys;
	if (cmd_create_database(db, key_path, "admin", PASSWORD, &g.st, &keys))
		return 1;
	wm_err e = store_bulk_begin(g.st);
	g.bulk = e == WM_OK;
	if (e != WM_OK && e != WM_ERR_UNSUPPORTED)
		die("bulk mode", e);
	char analyst_id[STORE_ID_LEN], manager_id[STORE_ID_LEN];
	make_accounts(&g, analyst_id, manager_id);
	/* Without bulk mode each write waits for its round trip to the server:
	 * give each worker a connection of its own. */
	if (!g.bulk) {
		char msg[256];
		store_close(g.st);
		if (store_open(db, keys, STORE_OPEN, threads, &g.st, msg, sizeof msg) != WM_OK) {
			fprintf(stderr, "gen: %s\n", msg);
			return 1;
		}
	}

	pthread_t th[16];
	for (int i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, worker, &g);
	/* Progress on stderr while the workers run. */
	for (;;) {
		struct timespec nap = {.tv_sec = 5};
		int done = atomic_load(&g.done_adv);
		if (done >= g.advocates)
			break;
		nanosleep(&nap, NULL);
		fprintf(stderr, "gen: %d/%d advocates' caseloads, %ld rows, %.0f s\n",
			atomic_load(&g.done_adv), g.advocates, atomic_load(&g.rows),
			seconds_since(&t0));
	}
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	e = g.bulk ? store_bulk_commit(g.st, false) : WM_OK;
	if (e != WM_OK)
		die("commit", e);
	store_close(g.st);
	keyring_free(keys);
	double secs = seconds_since(&t0);

	/* What the run needs: the accounts' ids and the day the data is built around. */
	char meta[4200], day[DATE_TEXT_LEN];
	snprintf(meta, sizeof meta, "%s.json", key_file ? key_file : db);
	date_format(g.today, day);
	FILE *f = fopen(meta, "w");
	if (!f)
		die(meta, WM_ERR_IO);
	fprintf(f,
		"{\"generator_version\": %d, \"survivors\": %d, \"organisations\": %d, "
		"\"advocates\": %d, \"rows\": %ld, \"seconds\": %.1f, \"today\": \"%s\", "
		"\"password\": \"%s\", \"org_id\": \"%s\", \"advocate_id\": \"%s\", "
		"\"manager_id\": \"%s\", \"analyst_id\": \"%s\"}\n",
		GEN_VERSION, survivors, g.orgs, g.advocates, atomic_load(&g.rows), secs, day,
		PASSWORD, g.org_ids[0], g.adv_ids[0], manager_id, analyst_id);
	fclose(f);
	fprintf(stderr, "gen: %d survivors, %ld rows in %.1f s (%s)\n", survivors,
		atomic_load(&g.rows), secs, db);
	free(g.org_ids);
	free(g.adv_ids);
	return 0;
}
