/*
 * common.c - option parsing and database set-up shared by the commands.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../crypto/secret.h"
#include "../domain/date.h"
#include "../import/caseload.h"
#include "../util/text.h"
#include "cmd.h"

static void usage(FILE *f, const char *command, const char *summary, const struct opt *opts,
		  size_t n)
{
	fprintf(f, "usage: waymark %s [OPTIONS]\n\n%s\n\noptions:\n", command, summary);
	for (size_t i = 0; i < n; i++) {
		char left[64];
		snprintf(left, sizeof left, "--%s%s%s", opts[i].name, opts[i].arg ? " " : "",
			 opts[i].arg ? opts[i].arg : "");
		fprintf(f, "  %-30s %s", left, opts[i].help);
		if (opts[i].env)
			fprintf(f, " [env %s]", opts[i].env);
		fputc('\n', f);
	}
	fprintf(f, "  %-30s %s\n", "--help", "show this help");
}

int cmd_parse(const char *command, const char *summary, int argc, char **argv, struct opt *opts,
	      size_t n, bool *help)
{
	*help = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout, command, summary, opts, n);
			*help = true;
			return 0;
		}
		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "waymark %s: unexpected argument '%s'\n", command, a);
			return 2;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		struct opt *o = NULL;
		for (size_t k = 0; k < n; k++)
			if (strlen(opts[k].name) == nlen && strncmp(opts[k].name, name, nlen) == 0)
				o = &opts[k];
		if (!o) {
			fprintf(stderr, "waymark %s: unknown option '--%.*s' (see --help)\n",
				command, (int)nlen, name);
			return 2;
		}
		if (!o->arg) {
			o->value = "1";
		} else if (eq) {
			o->value = eq + 1;
		} else if (i + 1 < argc) {
			o->value = argv[++i];
		} else {
			fprintf(stderr, "waymark %s: --%s needs a value\n", command, o->name);
			return 2;
		}
	}
	for (size_t k = 0; k < n; k++)
		if (!opts[k].value && opts[k].env) {
			const char *v = getenv(opts[k].env);
			if (v && v[0])
				opts[k].value = v;
		}
	return 0;
}

bool cmd_key_path(const char *db, const char *flag, char *out, size_t cap)
{
	if (flag) {
		snprintf(out, cap, "%s", flag);
		return true;
	}
	if (strncmp(db, "postgres", 8) == 0) {
		fprintf(stderr, "waymark: a PostgreSQL database needs --key-file\n");
		return false;
	}
	int w = snprintf(out, cap, "%s.key", db);
	return w > 0 && (size_t)w < cap;
}

struct keyring *cmd_load_keys(const char *path)
{
	struct keyring *k = NULL;
	char msg[160];
	if (keyring_load(path, &k, msg, sizeof msg) != WM_OK) {
		fprintf(stderr, "waymark: %s: %s\n", path, msg);
		return NULL;
	}
	return k;
}

int cmd_open_store(const char *name, const char *db, const char *key_flag, struct keyring **keys,
		   struct store **st)
{
	char key_path[4096], msg[512];
	*keys = NULL;
	*st = NULL;
	if (!cmd_key_path(db, key_flag, key_path, sizeof key_path))
		return 2;
	if (!(*keys = cmd_load_keys(key_path)))
		return 1;
	if (store_open(db, *keys, STORE_OPEN, 1, st, msg, sizeof msg) != WM_OK) {
		fprintf(stderr, "waymark %s: %s\n", name, msg);
		keyring_free(*keys);
		*keys = NULL;
		*st = NULL;
		return 1;
	}
	return 0;
}

bool cmd_read_first_line(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok = fgets(out, (int)cap, f) != NULL;
	fclose(f);
	if (!ok)
		return false;
	out[strcspn(out, "\r\n")] = '\0';
	return true;
}

bool cmd_create_user(struct store *st, const char *username, const char *password,
		     const char *display_name, enum role role, const char *org_id,
		     struct store_user *out)
{
	struct store_user u = {0};
	snprintf(u.username, sizeof u.username, "%s", username);
	account_lower(u.username);
	if (!account_username_ok(u.username)) {
		fprintf(stderr,
			"waymark: the username may hold only a-z, 0-9, '.', '_', '-', '@'\n");
		return false;
	}
	if (account_utf8_chars(password) < PASSWORD_MIN_CHARS) {
		fprintf(stderr, "waymark: the password must have at least %d characters\n",
			PASSWORD_MIN_CHARS);
		return false;
	}
	snprintf(u.display_name, sizeof u.display_name, "%s", display_name);
	u.role = role;
	snprintf(u.org_id, sizeof u.org_id, "%s", org_id ? org_id : "");
	if (secret_hash_password(password, u.password_hash) != WM_OK)
		return false;
	secret_new_id(u.id);
	u.version = 1;
	instant_format((int64_t)time(NULL), u.created_at);
	memcpy(u.updated_at, u.created_at, sizeof u.updated_at);
	struct store_account_event ev = {0};
	memcpy(ev.at, u.created_at, sizeof ev.at);
	snprintf(ev.action, sizeof ev.action, "user.create");
	memcpy(ev.target_id, u.id, sizeof ev.target_id);
	snprintf(ev.fields, sizeof ev.fields, "username,password,display_name,role,org_id");
	wm_err e = store_user_create(st, &u, &ev);
	if (e != WM_OK) {
		fprintf(stderr, "waymark: cannot create user '%s': %s\n", u.username,
			e == WM_ERR_CONFLICT ? "the username is taken" : wm_err_str(e));
		return false;
	}
	if (out)
		*out = u;
	return true;
}

int cmd_create_database(const char *db, const char *key_path, const char *admin_username,
			const char *admin_password, struct store **out_store,
			struct keyring **out_keys)
{
	*out_store = NULL;
	*out_keys = NULL;
	if (account_utf8_chars(admin_password) < PASSWORD_MIN_CHARS) {
		fprintf(stderr,
			"waymark: the administrator's password must have at least %d "
			"characters\n",
			PASSWORD_MIN_CHARS);
		return 1;
	}
	bool created_key = false;
	wm_err e = keyring_create_file(key_path);
	if (e == WM_OK)
		created_key = true;
	else if (e != WM_ERR_EXISTS) {
		fprintf(stderr, "waymark: cannot create the key file %s: %s\n", key_path,
			strerror(errno));
		return 1;
	}
	struct keyring *keys = cmd_load_keys(key_path);
	if (!keys) {
		if (created_key)
			unlink(key_path);
		return 1;
	}
	struct store *st = NULL;
	char msg[256];
	e = store_open(db, keys, STORE_CREATE, 1, &st, msg, sizeof msg);
	if (e != WM_OK) {
		fprintf(stderr, "waymark: %s: %s\n", db, msg);
		keyring_free(keys);
		if (created_key)
			unlink(key_path);
		return 1;
	}
	if (!cmd_create_user(st, admin_username, admin_password, "Administrator", ROLE_ADMIN, NULL,
			     NULL)) {
		store_close(st);
		keyring_free(keys);
		return 1;
	}
	*out_store = st;
	*out_keys = keys;
	return 0;
}

struct first_manager {
	const char *org_id;
	struct store_user *u;
	bool found;
	int64_t last;
};

static void each_user(void *ctx, const struct store_user *u)
{
	struct first_manager *f = ctx;
	f->last = u->seq;
	if (!f->found && u->role == ROLE_MANAGER && !u->disabled &&
	    strcmp(u->org_id, f->org_id) == 0) {
		*f->u = *u;
		f->found = true;
	}
}

bool cmd_org_account(struct store *st, const char *username, const char *org_id,
		     struct store_user *u)
{
	if (!username) {
		struct first_manager f = {.org_id = org_id, .u = u};
		bool more = true;
		while (!f.found && more)
			if (store_user_list(st, f.last, STORE_LIST_MAX, each_user, &f, &more) !=
			    WM_OK)
				return false;
		return f.found;
	}
	return caseload_account(st, username, org_id, u);
}
