/*
 * import_lines.c - `waymark import` of a file `waymark export` wrote: every
 * survivor and every part of their record, one JSON object a line
 * (docs/export.md).
 *
 * Each record goes through the API's own checks (the survivor's schema and
 * rules, each part's kind) as of the day it was last changed, so a record
 * that was valid when it was written is valid again, and one edited into
 * something the API would refuse is refused. Nothing is stored unless every
 * survivor passes with all their parts (or --skip-invalid, which leaves out
 * a survivor whole). The accounts a record names are matched by username
 * in the organisation imported into. A survivor is remembered by the id the
 * file gives them (as a keyed hash), so a second run creates no one twice.
 * Problems are told by line and field, never a value.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../crypto/secret.h"
#include "../domain/kind.h"
#include "../domain/survivor.h"
#include "../util/grow.h"
#include "import.h"

#define EXPORT_REF_PREFIX "waymark-export:"

/* One line that holds a record. */
struct rec {
	size_t line;
	json_t *o;		 /* the whole line */
	const struct kind *kind; /* NULL for the survivor */
	char new_id[STORE_ID_LEN];
};

/* A survivor and the parts of their record, as the file lists them. */
struct group {
	struct rec *recs; /* recs[0] is the survivor */
	size_t n, cap;
	bool invalid, present;
	unsigned char hash[KEYRING_BLIND_LEN];
};

struct lines {
	struct group *groups;
	size_t n, cap;
};

static void problem(struct run *r, size_t line, const char *record, const char *field,
		    const char *msg)
{
	if (field && *field)
		fprintf(stderr, "line %zu (%s), field %s: %s\n", line, record, field, msg);
	else
		fprintf(stderr, "line %zu (%s): %s\n", line, record, msg);
	r->problems++;
}

/* A record the schema or the kind's rules refused. */
static void schema_problem(struct run *r, size_t line, const char *record,
			   const struct schema_error *se)
{
	/* A field no record has is named by the file, and so may be anything
	 * (a name, a control character): told by where it is, not by its name. */
	if (se->unknown_field) {
		const char *field = se->field;
		const char *dot = strrchr(field, '.');
		int at = dot ? (int)(dot - field) : 0;
		if (at)
			fprintf(stderr,
				"line %zu (%s), field %.*s: has a field of a name it may not "
				"have (not repeated here)\n",
				line, record, at, field);
		else
			fprintf(stderr,
				"line %zu (%s): has a field of a name it may not have (not "
				"repeated here)\n",
				line, record);
		r->problems++;
		return;
	}
	problem(r, line, record, se->field, se->message);
}

static bool push_rec(struct group *g, size_t line, json_t *o, const struct kind *k)
{
	struct rec *p = grow(g->recs, &g->cap, g->n, sizeof *p, 16);
	if (!p)
		return false;
	g->recs = p;
	g->recs[g->n++] = (struct rec){.line = line, .o = o, .kind = k};
	return true;
}

static struct group *new_group(struct lines *l)
{
	struct group *p = grow(l->groups, &l->cap, l->n, sizeof *p, 64);
	if (!p)
		return NULL;
	l->groups = p;
	struct group *g = &l->groups[l->n++];
	memset(g, 0, sizeof *g);
	return g;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		for (size_t j = 0; j < l->groups[i].n; j++)
			json_decref(l->groups[i].recs[j].o);
		free(l->groups[i].recs);
	}
	free(l->groups);
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Splits the file into groups; false (problems told) when a line is not a
 * record of the format. */
static bool read_lines(struct run *r, const char *text, size_t len, struct lines *l)
{
	size_t line = 0;
	bool ok = true;
	struct group *g = NULL;
	for (size_t at = 0; at < len;) {
		const char *start = text + at;
		const char *nl = memchr(start, '\n', len - at);
		size_t n = nl ? (size_t)(nl - start) : len - at;
		at += n + (nl ? 1 : 0);
		line++;
		if (n && start[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		json_error_t je;
		json_t *o = json_loadb(start, n, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(o)) {
			problem(r, line, "?", NULL, "is not a JSON object");
			json_decref(o);
			ok = false;
			continue;
		}
		if (line == 1) {
			json_int_t v = json_integer_value(json_object_get(o, "waymark_export"));
			json_decref(o);
			if (v != 1) {
				problem(r, line, "heading", "waymark_export",
					"is not a version of the export this program reads (1)");
				return false;
			}
			continue;
		}
		const char *record = str(o, "record"), *id = str(o, "id");
		const struct kind *k =
		    record && strcmp(record, "survivor") ? kind_find(record) : NULL;
		bool is_survivor = record && strcmp(record, "survivor") == 0;
		if (!record || (!is_survivor && !k)) {
			problem(r, line, "?", "record", "is not a survivor or a part of a record");
			json_decref(o);
			ok = false;
			continue;
		}
		if (!id || !schema_is_id(id) || !json_is_object(json_object_get(o, "body"))) {
			problem(r, line, record, NULL, "must have an id and a body");
			json_decref(o);
			ok = false;
			continue;
		}
		if (is_survivor) {
			g = new_group(l);
		} else if (!g || !str(o, "survivor") ||
			   strcmp(str(o, "survivor"), str(g->recs[0].o, "id")) != 0) {
			problem(r, line, record, "survivor",
				"must follow the line of the survivor it belongs to");
			json_decref(o);
			ok = false;
			continue;
		}
		if (!g || !push_rec(g, line, o, k)) {
			json_decref(o);
			fprintf(stderr, "waymark import: out of memory\n");
			return false;
		}
	}
	if (line == 0)
		fprintf(stderr, "waymark import: the file is empty\n");
	return ok && line > 0;
}

/* The day a record was last changed (what it was checked against then);
 * today when the line does not say, or says a day still to come. */
static int as_of(const struct run *r, const json_t *o)
{
	int64_t t;
	const char *at = str(o, "updated_at");
	if (at && instant_parse(at, &t) && instant_day(t) <= r->today)
		return instant_day(t);
	return r->today;
}

/* The fields a server sets, which no input may: taken out of a part's body
 * before its check (put back when it is stored). */
static void drop_server_fields(const struct kind *k, json_t *body)
{
	for (size_t i = 0; i < k->schema->count; i++)
		if (k->schema->fields[i].flags & SCH_SERVER)
			json_object_del(body, k->schema->fields[i].name);
}

/* Checks one survivor with every part; false when any fails. */
static bool check_group(struct run *r, struct group *g)
{
	struct rec *sv = &g->recs[0];
	json_t *body = json_object_get(sv->o, "body");
	bool ok = true;
	const char *advocate = str(sv->o, "advocate");
	json_object_del(body, "advocate_id");
	if (advocate) {
		char id[STORE_ID_LEN];
		if (import_holder(r, advocate, id)) {
			json_object_set_new(body, "advocate_id", json_string(id));
		} else {
			/* The file is of another organisation, or of another
			 * installation whose accounts are not all here: the
			 * survivor comes in with no advocate, for a manager to
			 * give them one, and is not lost for it. */
			printf("line %zu (survivor), field advocate: not an advocate or manager of "
			       "this organisation; brought in with no advocate\n",
			       sv->line);
			r->unassigned++;
		}
	}
	struct schema_error se;
	/* A survivor refused still has its parts checked, each against its
	 * schema (the checks that read the survivor are left until it holds). */
	bool survivor_ok = survivor_validate(body, as_of(r, sv->o), &se) == WM_OK;
	if (!survivor_ok) {
		schema_problem(r, sv->line, "survivor", &se);
		ok = false;
	}
	for (size_t i = 1; i < g->n; i++) {
		struct rec *it = &g->recs[i];
		const struct kind *k = it->kind;
		json_t *item = json_object_get(it->o, "body");
		for (size_t j = 1; k->shape == KIND_ONE && j < i; j++)
			if (g->recs[j].kind == k) {
				problem(r, it->line, k->name, NULL,
					"a survivor has only one; this is a second");
				ok = false;
			}
		drop_server_fields(k, item);
		schema_drop_nulls(k->schema, item);
		wm_err e = schema_check(k->schema, item, &se);
		if (e == WM_OK && k->validate && survivor_ok)
			e = k->validate(item, body, as_of(r, it->o), &se);
		if (e != WM_OK) {
			schema_problem(r, it->line, k->name, &se);
			ok = false;
		}
	}
	return ok;
}

/* The item of g the file named old_id, when there is one. */
static const struct rec *find_rec(const struct group *g, const char *old_id)
{
	for (size_t i = 1; old_id && i < g->n; i++)
		if (strcmp(str(g->recs[i].o, "id"), old_id) == 0)
			return &g->recs[i];
	return NULL;
}

static void instant_or_now(const json_t *o, const char *key, const char *now,
			   char out[INSTANT_TEXT_LEN])
{
	int64_t t;
	const char *v = str(o, key);
	snprintf(out, INSTANT_TEXT_LEN, "%s", v && instant_parse(v, &t) ? v : now);
}

/* A snooze names an item by its id and the version it had: both are the
 * new item's now, when the snooze was still about the item as it stood. */
static void snooze_links(struct run *r, const struct group *g, const struct rec *it, json_t *body)
{
	const char *item_id = json_string_value(json_object_get(body, "item_id"));
	const struct rec *target = find_rec(g, item_id);
	json_int_t was =
	    json_integer_value(json_object_get(json_object_get(it->o, "original"), "item_version"));
	if (target) {
		json_object_set_new(body, "item_id", json_string(target->new_id));
		json_int_t target_version =
		    json_integer_value(json_object_get(target->o, "version"));
		json_object_set_new(body, "item_version",
				    json_integer(was && was == target_version ? 1 : 0));
	} else {
		json_object_set_new(body, "item_version", json_integer(was));
	}
	char id[STORE_ID_LEN];
	const char *by = str(it->o, "snoozed_by");
	json_object_set_new(body, "snoozed_by",
			    json_string(by && import_holder(r, by, id) ? id : r->actor->id));
}

static wm_err store_group(struct run *r, struct group *g)
{
	char now[INSTANT_TEXT_LEN];
	instant_format((int64_t)time(NULL), now);
	struct rec *sv = &g->recs[0];
	struct store_survivor s = {.version = 1, .body = json_object_get(sv->o, "body")};
	secret_new_id(s.id);
	snprintf(s.org_id, sizeof s.org_id, "%s", r->org_id);
	instant_or_now(sv->o, "created_at", now, s.created_at);
	instant_or_now(sv->o, "updated_at", now, s.updated_at);
	struct store_audit a;
	import_audit_for(r, s.id, now, &a);
	wm_err e = store_survivor_create(r->st, &s, &a);
	memcpy(sv->new_id, s.id, sizeof sv->new_id);
	/* The parts, snoozes last: they name the items they are about. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 1; e == WM_OK && i < g->n; i++) {
			struct rec *it = &g->recs[i];
			bool snooze = strcmp(it->kind->name, "snoozes") == 0;
			if (snooze != (pass == 1))
				continue;
			json_t *body = json_object_get(it->o, "body");
			if (snooze)
				snooze_links(r, g, it, body);
			struct store_item item = {.version = 1, .body = body};
			secret_new_id(item.id);
			memcpy(item.survivor_id, s.id, sizeof item.survivor_id);
			memcpy(item.org_id, s.org_id, sizeof item.org_id);
			instant_or_now(it->o, "created_at", now, item.created_at);
			instant_or_now(it->o, "updated_at", now, item.updated_at);
			e = store_item_create(r->st, it->kind, &item, &a);
			memcpy(it->new_id, item.id, sizeof it->new_id);
		}
	if (e == WM_OK)
		e = store_import_ref_put(r->st, r->org_id, g->hash, KEYRING_BLIND_LEN, s.id);
	return e;
}

struct store_groups {
	struct run *r;
	struct lines *l;
	size_t parts;
};

static wm_err store_one_group(void *ctx, size_t i, bool *skip)
{
	struct store_groups *sg = ctx;
	struct group *g = &sg->l->groups[i];
	*skip = g->invalid || g->present;
	if (*skip)
		return WM_OK;
	wm_err e = store_group(sg->r, g);
	if (e == WM_OK)
		sg->parts += g->n - 1;
	return e;
}

int import_lines(struct run *r, const char *text, size_t len, bool dry_run, bool skip_invalid)
{
	struct lines l = {0};
	if (!read_lines(r, text, len, &l)) {
		fprintf(stderr, "waymark import: the file is not an export this program can read; "
				"nothing was stored\n");
		lines_free(&l);
		return 1;
	}
	size_t fresh = 0, present = 0, invalid = 0, stored = 0, parts = 0;
	for (size_t i = 0; i < l.n; i++) {
		struct group *g = &l.groups[i];
		/* A snooze's item_version is the server's: kept aside before the
		 * check takes server fields out. */
		for (size_t j = 1; j < g->n; j++)
			if (strcmp(g->recs[j].kind->name, "snoozes") == 0)
				json_object_set_new(
				    g->recs[j].o, "original",
				    json_pack("{s:O?}", "item_version",
					      json_object_get(json_object_get(g->recs[j].o, "body"),
							      "item_version")));
		char ref[STORE_ID_LEN + sizeof EXPORT_REF_PREFIX];
		snprintf(ref, sizeof ref, EXPORT_REF_PREFIX "%s", str(g->recs[0].o, "id"));
		import_ref_hash(r, ref, g->hash);
		char found[STORE_ID_LEN];
		bool twice = false;
		for (size_t j = 0; j < i; j++)
			twice = twice || !memcmp(l.groups[j].hash, g->hash, sizeof g->hash);
		wm_err e =
		    twice ? WM_OK
			  : store_import_ref_find(r->st, r->org_id, g->hash, sizeof g->hash, found);
		/* Brought back to where it was exported from: the survivor is
		 * there under the same id. */
		char org[STORE_ID_LEN];
		if (e == WM_ERR_NOT_FOUND &&
		    store_survivor_org(r->st, str(g->recs[0].o, "id"), org) == WM_OK &&
		    strcmp(org, r->org_id) == 0)
			e = WM_OK;
		if (e == WM_OK) {
			printf("line %zu: already present\n", g->recs[0].line);
			g->present = true;
			present++;
			continue;
		}
		if (e != WM_ERR_NOT_FOUND) {
			problem(r, g->recs[0].line, "survivor", "id",
				"could not be looked up in the database");
			g->invalid = true;
		} else {
			g->invalid = !check_group(r, g);
		}
		invalid += g->invalid;
		fresh += !g->invalid;
	}
	int rc = 0;
	if (invalid && !skip_invalid) {
		fprintf(
		    stderr,
		    "waymark import: %zu of %zu survivors have problems; nothing was stored (fix "
		    "them, or give --skip-invalid to store the others)\n",
		    invalid, l.n);
		rc = 1;
	} else if (dry_run) {
		for (size_t i = 0; i < l.n; i++)
			if (!l.groups[i].invalid && !l.groups[i].present)
				printf("line %zu: would create a survivor with %zu parts of their "
				       "record\n",
				       l.groups[i].recs[0].line, l.groups[i].n - 1);
		printf("waymark import: dry run: %zu would be created, %zu already present, %zu "
		       "with problems; nothing was stored\n",
		       fresh, present, invalid);
	} else {
		size_t at;
		struct store_groups ctx = {r, &l, 0};
		wm_err e = import_store(r, l.n, store_one_group, &ctx, &stored, &at);
		parts = ctx.parts;
		if (e != WM_OK) {
			fprintf(stderr,
				"waymark import: storing failed at the survivor of line %zu (%s); "
				"%zu survivors are stored, each whole, and a second run skips "
				"them\n",
				l.groups[at].recs[0].line, wm_err_str(e), stored);
			rc = 1;
		}
		if (rc == 0)
			printf("waymark import: %zu created (with %zu parts of their records), %zu "
			       "already present, %zu with problems not stored\n",
			       stored, parts, present, invalid);
		if (rc == 0 && r->unassigned)
			printf("waymark import: %zu of them have no advocate (their advocate is "
			       "not an account of this organisation): give each one an advocate\n",
			       r->unassigned);
	}
	lines_free(&l);
	return rc;
}
