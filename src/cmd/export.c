/*
 * export.c - `waymark export`: an organisation's whole caseload out, as JSON
 * lines that `waymark import` reads back (docs/export.md).
 *
 * The way out is the way in reversed: every survivor and every part of
 * their record, one JSON object a line, with the accounts a record names
 * (the advocate, who snoozed an alert) written as usernames, so that the
 * file can be brought into another installation whose accounts have the
 * same names. Reading a record to export it is a read like any other: each
 * survivor has an audit entry (action "export"), committed before the file
 * is given its name. Only an account that the policy lets read every part
 * of every record of the organisation may export it: its manager.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../domain/kind.h"
#include "../domain/policy.h"
#include "../domain/schema.h"
#include "../util/grow.h"
#include "cmd.h"

#define EXPORT_ROUTE "waymark export"
#define AUDIT_BATCH  256

/* The accounts the records name, looked up once each. */
struct name {
	char id[STORE_ID_LEN];
	char username[USERNAME_MAX * 4 + 1];
};

struct names {
	struct name *v;
	size_t n, cap;
};

struct exporter {
	struct store *st;
	const char *org_id;
	const struct store_user *actor;
	FILE *out;
	struct names names;
	/* A page of survivors, copied out of the store's callback. */
	struct store_survivor *page;
	size_t npage;
	struct item_page *items_page;
	int64_t last;
	/* The audit entries not yet handed to the store. */
	struct store_audit audit[AUDIT_BATCH];
	size_t naudit;
	wm_err audit_err;
	size_t survivors, items;
	bool failed;
};

/* The username of account id, or NULL when there is no such account. */
static const char *username_of(struct exporter *x, const char *id)
{
	for (size_t i = 0; i < x->names.n; i++)
		if (strcmp(x->names.v[i].id, id) == 0)
			return x->names.v[i].username;
	struct store_user u;
	struct name *v = NULL;
	if (store_user_get(x->st, id, &u) != WM_OK ||
	    !(v = grow(x->names.v, &x->names.cap, x->names.n, sizeof *v, 16)))
		return NULL;
	x->names.v = v;
	struct name *nm = &x->names.v[x->names.n++];
	snprintf(nm->id, sizeof nm->id, "%s", id);
	snprintf(nm->username, sizeof nm->username, "%s", u.username);
	return nm->username;
}

/* Writes one line; a write that fails stops the export. */
static void line(struct exporter *x, json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (!text || fputs(text, x->out) == EOF || fputc('\n', x->out) == EOF)
		x->failed = true;
	free(text);
	json_decref(o);
}

/* An account id field of body replaced by the account's username at the
 * line's top level (so a file names people's accounts as people do). */
static void account_field(struct exporter *x, json_t *o, json_t *body, const char *field,
			  const char *as)
{
	const char *id = json_string_value(json_object_get(body, field));
	const char *name = id ? username_of(x, id) : NULL;
	json_object_set_new(o, as, name ? json_string(name) : json_null());
	json_object_del(body, field);
}

static void audit_flush(struct exporter *x);

static void audit_done(void *ctx, wm_err e)
{
	struct exporter *x = ctx;
	if (e != WM_OK)
		x->audit_err = e; /* read after store_audit_drain, which orders it */
}

static void audit_flush(struct exporter *x)
{
	if (!x->naudit)
		return;
	wm_err e = store_audit_append_async(x->st, x->audit, x->naudit, audit_done, x);
	if (e != WM_OK)
		x->audit_err = e;
	x->naudit = 0;
}

static void audit_add(struct exporter *x, const char *survivor_id)
{
	struct store_audit *a = &x->audit[x->naudit++];
	memset(a, 0, sizeof *a);
	instant_format((int64_t)time(NULL), a->at);
	snprintf(a->survivor_id, sizeof a->survivor_id, "%s", survivor_id);
	snprintf(a->user_id, sizeof a->user_id, "%s", x->actor->id);
	a->role = x->actor->role;
	snprintf(a->org_id, sizeof a->org_id, "%s", x->org_id);
	snprintf(a->action, sizeof a->action, "export");
	snprintf(a->route, sizeof a->route, EXPORT_ROUTE);
	if (x->naudit == AUDIT_BATCH)
		audit_flush(x);
}

/* A page of items, copied out of the store's callback: the store's
 * connection is held while the callback runs, and writing a line may ask
 * the store for an account's username. */
struct item_page {
	struct store_item items[STORE_LIST_MAX];
	size_t n;
	int64_t last;
	bool failed;
};

/* Writes the line of it; its body, the export's own copy, is changed in place. */
static void item_line(struct exporter *x, const struct kind *k, const struct store_item *it)
{
	json_t *body = json_incref(it->body);
	json_t *o = body ? json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "record", k->name, "id",
				     it->id, "survivor", it->survivor_id, "version", it->version,
				     "created_at", it->created_at, "updated_at", it->updated_at)
			 : NULL;
	if (o && strcmp(k->name, "snoozes") == 0)
		account_field(x, o, body, "snoozed_by", "snoozed_by");
	if (o)
		json_object_set(o, "body", body);
	json_decref(body);
	line(x, o);
	x->items++;
}

static void each_item(void *ctx, const struct store_item *it)
{
	struct item_page *p = ctx;
	struct store_item *copy = &p->items[p->n++];
	*copy = *it;
	copy->body = json_deep_copy(it->body);
	if (!copy->body)
		p->failed = true;
	p->last = it->seq;
}

/* Every part of one survivor's record, kind by kind in the record's order. */
static wm_err export_parts(struct exporter *x, const struct store_survivor *s)
{
	wm_err e = WM_OK;
	for (size_t i = 0; e == WM_OK && i < kind_count; i++) {
		const struct kind *k = kind_table[i];
		if (k->shape == KIND_ONE) {
			struct store_item it = {0};
			e = store_item_get(x->st, k, s->org_id, s->id, NULL, &it);
			if (e == WM_OK)
				item_line(x, k, &it);
			else if (e == WM_ERR_NOT_FOUND)
				e = WM_OK;
			store_item_clear(&it);
			continue;
		}
		bool more = true;
		x->items_page->last = 0;
		while (e == WM_OK && more) {
			struct item_page *p = x->items_page;
			p->n = 0;
			e = store_item_list(x->st, k, s->org_id, s->id, p->last, STORE_LIST_MAX,
					    each_item, p, &more);
			if (p->failed)
				e = WM_ERR_NOMEM;
			for (size_t j = 0; j < p->n; j++) {
				if (e == WM_OK)
					item_line(x, k, &p->items[j]);
				store_item_clear(&p->items[j]);
			}
		}
	}
	return e;
}

static void each_survivor(void *ctx, const struct store_survivor *s)
{
	struct exporter *x = ctx;
	struct store_survivor *copy = &x->page[x->npage++];
	*copy = *s;
	copy->body = json_deep_copy(s->body);
	if (!copy->body)
		x->failed = true;
	x->last = s->seq;
}

static wm_err export_survivor(struct exporter *x, struct store_survivor *s)
{
	json_t *body = json_incref(s->body); /* the page's own copy */
	json_t *o = body ? json_pack("{s:s, s:s, s:i, s:s, s:s}", "record", "survivor", "id", s->id,
				     "version", s->version, "created_at", s->created_at,
				     "updated_at", s->updated_at)
			 : NULL;
	if (!o) {
		json_decref(body);
		return WM_ERR_NOMEM;
	}
	account_field(x, o, body, "advocate_id", "advocate");
	json_object_set_new(o, "body", body);
	line(x, o);
	audit_add(x, s->id);
	x->survivors++;
	return export_parts(x, s);
}

static wm_err export_all(struct exporter *x)
{
	struct store_survivor_filter f = {.org_id = x->org_id};
	x->page = calloc(STORE_LIST_MAX, sizeof *x->page);
	x->items_page = calloc(1, sizeof *x->items_page);
	if (!x->page || !x->items_page) {
		free(x->page);
		free(x->items_page);
		return WM_ERR_NOMEM;
	}
	bool more = true;
	wm_err e = WM_OK;
	while (e == WM_OK && more && !x->failed) {
		x->npage = 0;
		e = store_survivor_list(x->st, &f, x->last, STORE_LIST_MAX, each_survivor, x,
					&more);
		for (size_t i = 0; i < x->npage; i++) {
			if (e == WM_OK && !x->failed)
				e = export_survivor(x, &x->page[i]);
			store_survivor_clear(&x->page[i]);
		}
	}
	free(x->page);
	free(x->items_page);
	return e;
}

/* --as: an active account of the organisation the policy lets read every
 * part of every record of it. */
static bool reader_of(struct store *st, const char *username, const char *org_id,
		      struct store_user *u)
{
	if (!cmd_org_account(st, username, org_id, u))
		return false;
	struct subject who = {.role = u->role, .user_id = u->id, .org_id = u->org_id};
	struct resource res = {.org_id = org_id};
	bool ok = policy_decide(&who, ACT_SURVIVOR_READ, &res) == POLICY_ALLOW &&
		  policy_decide(&who, ACT_SURVIVOR_REASSIGN, &res) == POLICY_ALLOW;
	for (size_t i = 0; ok && i < kind_count; i++)
		ok = policy_decide(&who, kind_table[i]->read, &res) == POLICY_ALLOW;
	return ok;
}

int cmd_export(int argc, char **argv)
{
	struct opt opts[] = {
	    {"db", "WAYMARK_DB", "PATH", "the database", NULL},
	    {"key-file", "WAYMARK_KEY_FILE", "FILE", "data-encryption key (default: PATH.key)",
	     NULL},
	    {"org", NULL, "ID", "the organisation whose caseload is exported", NULL},
	    {"as", NULL, "USERNAME",
	     "the organisation's manager exporting it (audited); default: its first active "
	     "manager",
	     NULL},
	    {"to", NULL, "FILE", "the file to write (JSON lines; must not exist yet)", NULL},
	};
	bool help;
	int rc = cmd_parse("export",
			   "Writes an organisation's whole caseload, every survivor and every "
			   "part of\ntheir record, as JSON lines that `waymark import` reads back "
			   "(docs/export.md).\nThe file holds case content in clear: keep it as "
			   "you keep the database.\nExit status: 0 written, 1 failed, 2 misused.",
			   argc, argv, opts, 5, &help);
	if (rc || help)
		return rc;
	const char *db = opts[0].value, *org = opts[2].value, *as = opts[3].value,
		   *to = opts[4].value;
	if (!db || !org || !to) {
		fprintf(stderr, "waymark export: --db, --org and --to are required (see "
				"--help)\n");
		return 2;
	}
	if (!schema_is_id(org)) {
		fprintf(stderr, "waymark export: --org must be an organisation id\n");
		return 2;
	}
	if (access(to, F_OK) == 0) {
		fprintf(stderr, "waymark export: --to names a file that exists; give a new name\n");
		return 2;
	}
	char tmp[4200];
	struct keyring *keys;
	struct store *st;
	rc = cmd_open_store("export", db, opts[1].value, &keys, &st);
	if (rc)
		return rc;
	rc = 1;
	struct store_org o;
	struct store_user actor;
	if (store_org_get(st, org, &o) != WM_OK) {
		fprintf(stderr, "waymark export: no such organisation\n");
	} else if (!reader_of(st, as, org, &actor)) {
		fprintf(stderr,
			as ? "waymark export: --as must be the username of an active "
			     "manager of the organisation (only they may read every part of "
			     "every record)\n"
			   : "waymark export: the organisation has no active manager; give "
			     "--as\n");
	} else {
		if (!as)
			printf("waymark export: as %s, the organisation's manager\n",
			       actor.username);
		/* Written under a temporary name, readable by its owner alone, and
		 * given its name only once whole and audited. */
		snprintf(tmp, sizeof tmp, "%s.partial-XXXXXX", to);
		int fd = mkstemp(tmp);
		FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!out) {
			if (fd >= 0)
				close(fd);
			fprintf(stderr, "waymark export: cannot write beside --to (%s)\n",
				strerror(errno));
		} else {
			struct exporter *x = calloc(1, sizeof *x);
			wm_err e = WM_ERR_NOMEM;
			if (x) {
				x->st = st;
				x->org_id = org;
				x->actor = &actor;
				x->out = out;
				char now[INSTANT_TEXT_LEN];
				instant_format((int64_t)time(NULL), now);
				line(x, json_pack("{s:i, s:s, s:s}", "waymark_export", 1,
						  "exported_at", now, "org_id", org));
				e = export_all(x);
				audit_flush(x);
				store_audit_drain(st);
				if (e == WM_OK && x->audit_err != WM_OK)
					e = x->audit_err;
			}
			bool written =
			    x && !x->failed && fflush(out) == 0 && fsync(fileno(out)) == 0;
			if (fclose(out) != 0)
				written = false;
			if (e != WM_OK || !written) {
				fprintf(
				    stderr, "waymark export: failed (%s); nothing was written\n",
				    e != WM_OK ? wm_err_str(e) : "the file could not be written");
				unlink(tmp);
			} else if (link(tmp, to) != 0) {
				fprintf(stderr, "waymark export: cannot name the file --to (%s)\n",
					strerror(errno));
				unlink(tmp);
			} else {
				unlink(tmp);
				printf(
				    "waymark export: %zu survivors and %zu parts of their records "
				    "written\n",
				    x->survivors, x->items);
				rc = 0;
			}
			if (x) {
				free(x->names.v);
			}
			free(x);
		}
	}
	store_close(st);
	keyring_free(keys);
	return rc;
}
