/*
 * rotate_key.c - `waymark rotate-key`: a new key added to the key file and
 * every value sealed again under it, while the server runs; then, once
 * nothing is sealed under an old key, that key retired from the file.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
}

/* Opens the database with the key file as it is now. */
static struct store *open_with(const char *db, const char *key_path, struct keyring **keys)
{
	*keys = cmd_load_keys(key_path);
	if (!*keys)
		return NULL;
	struct store *st;
	char msg[256];
	if (store_open(db, *keys, STORE_OPEN, 1, &st, msg, sizeof msg) != WM_OK) {
		fprintf(stderr, "waymark rotate-key: %s\n", msg);
		keyring_free(*keys);
		*keys = NULL;
		return NULL;
	}
	return st;
}

static int retire(const char *db, const char *key_path, const char *which)
{
	char *end;
	long id = strtol(which, &end, 10);
	if (*end || id < 1 || id > 1000000) {
		fprintf(stderr, "waymark rotate-key: --retire takes a key id (a number)\n");
		return 2;
	}
	struct keyring *keys;
	struct store *st = open_with(db, key_path, &keys);
	if (!st)
		return 1;
	if (id == keyring_active_id(keys)) {
		store_close(st);
		keyring_free(keys);
		fprintf(stderr,
			"waymark rotate-key: key %ld is the newest, which seals new values: "
			"add another first\n",
			id);
		return 1;
	}
	long used = 0;
	wm_err e = store_key_use(st, (int)id, &used);
	store_close(st);
	keyring_free(keys);
	if (e != WM_OK) {
		fprintf(stderr, "waymark rotate-key: cannot count the values under key %ld (%s)\n",
			id, wm_err_str(e));
		return 1;
	}
	if (used) {
		fprintf(stderr,
			"waymark rotate-key: %ld value%s still sealed under key %ld: run "
			"`waymark rotate-key --reseal` first (after every server has met the "
			"newest key)\n",
			used, used == 1 ? " is" : "s are", id);
		return 1;
	}
	char msg[256];
	if (keyring_retire_key(key_path, (int)id, msg, sizeof msg) != WM_OK) {
		fprintf(stderr, "waymark rotate-key: %s\n", msg);
		return 1;
	}
	printf("waymark: key %ld retired from the key file; nothing was sealed under it\n", id);
	return 0;
}

int cmd_rotate_key(int argc, char **argv)
{
	struct opt opts[] = {
	    {"db", "WAYMARK_DB", "PATH", "the database (a file path)", NULL},
	    {"key-file", "WAYMARK_KEY_FILE", "FILE", "data-encryption key (default: PATH.key)",
	     NULL},
	    {"reseal", NULL, NULL, "only seal again under the newest key; add no key", NULL},
	    {"retire", NULL, "ID", "remove key ID from the key file, once nothing uses it", NULL},
	};
	bool help;
	int rc = cmd_parse(
	    "rotate-key",
	    "Adds a new key to the key file and seals every value again under it, in short\n"
	    "transactions, safely while the server runs (a server learns the new key when it\n"
	    "first meets a value sealed under it, and seals new values under it from then\n"
	    "on). Then `--retire ID` removes an old key once nothing is sealed under it.\n"
	    "Exit status: 0 done, 1 failed (or values remain under the key to retire), 2\n"
	    "misused.",
	    argc, argv, opts, 4, &help);
	if (rc || help)
		return rc;
	const char *db = opts[0].value;
	if (!db) {
		fprintf(stderr, "waymark rotate-key: --db is required (see --help)\n");
		return 2;
	}
	char key_path[4096];
	if (!cmd_key_path(db, opts[1].value, key_path, sizeof key_path))
		return 2;
	if (opts[3].value)
		return opts[2].value ? 2 : retire(db, key_path, opts[3].value);
	char msg[256];
	struct keyring *keys;
	/* The database must fit the key file before the file changes. */
	struct store *st = open_with(db, key_path, &keys);
	if (!st)
		return 1;
	store_close(st);
	keyring_free(keys);
	if (!opts[2].value) {
		int id = 0;
		if (keyring_add_key(key_path, &id, msg, sizeof msg) != WM_OK) {
			fprintf(stderr, "waymark rotate-key: %s\n", msg);
			return 1;
		}
		printf("waymark: key %d added to the key file; it seals every new value\n", id);
	}
	st = open_with(db, key_path, &keys);
	if (!st)
		return 1;
	wm_err e = store_reseal(st, print_line, NULL);
	int ids[32];
	int n = keyring_ids(keys, ids, 32);
	long left = 0;
	for (int i = 0; e == WM_OK && i < n; i++) {
		long used = 0;
		if (ids[i] != keyring_active_id(keys) &&
		    (e = store_key_use(st, ids[i], &used)) == WM_OK && used)
			left += used;
	}
	store_close(st);
	int active = keyring_active_id(keys);
	keyring_free(keys);
	if (e != WM_OK) {
		fprintf(stderr,
			"waymark rotate-key: sealing again stopped (%s); what is done stays done: "
			"run `waymark rotate-key --reseal` to go on\n",
			wm_err_str(e));
		return 1;
	}
	if (left)
		printf("waymark: %ld value%s sealed meanwhile under an older key by a server that "
		       "has not met key %d yet: run `waymark rotate-key --reseal` again later\n",
		       left, left == 1 ? " was" : "s were", active);
	else
		printf("waymark: every value is sealed under key %d; older keys may be retired "
		       "with --retire ID\n",
		       active);
	return 0;
}
