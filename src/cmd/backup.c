/*
 * backup.c - `waymark backup` and `waymark restore`: a copy of the whole
 * database taken while it serves, and a new database made from one and
 * checked before anyone is pointed at it.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

int cmd_backup(int argc, char **argv)
{
	struct opt opts[] = {
	    {"db", "WAYMARK_DB", "PATH", "the database (a file path or a postgresql:// URI)", NULL},
	    {"key-file", "WAYMARK_KEY_FILE", "FILE", "data-encryption key (default: PATH.key)",
	     NULL},
	    {"to", NULL, "FILE", "the new backup (SQLite: FILE and FILE-reads); must not exist",
	     NULL},
	};
	bool help;
	int rc = cmd_parse(
	    "backup",
	    "Copies the database to a new backup, safely while the server runs: SQLite's\n"
	    "database and read-audit files (one consistent snapshot of each), or PostgreSQL's\n"
	    "database through pg_dump (one snapshot, its custom format). The key file is not\n"
	    "copied: keep it apart from the backups. Exit status: 0 copied, 1 failed, 2 misused.",
	    argc, argv, opts, 3, &help);
	if (rc || help)
		return rc;
	const char *db = opts[0].value, *to = opts[2].value;
	if (!db || !to) {
		fprintf(stderr, "waymark backup: --db and --to are required (see --help)\n");
		return 2;
	}
	char key_path[4096];
	if (!cmd_key_path(db, opts[1].value, key_path, sizeof key_path))
		return 2;
	struct keyring *keys = cmd_load_keys(key_path);
	if (!keys)
		return 1;
	struct store *st;
	char msg[512];
	/* Opened with the key, so a backup is only ever taken of a database the
	 * key file fits: a backup nobody can open is no backup. */
	wm_err e = store_open(db, keys, STORE_OPEN, 1, &st, msg, sizeof msg);
	if (e == WM_OK) {
		e = store_backup(st, to, msg, sizeof msg);
		store_close(st);
	}
	keyring_free(keys);
	if (e != WM_OK) {
		fprintf(stderr, "waymark backup: %s\n", msg);
		return 1;
	}
	if (strncmp(db, "postgres", 8) == 0)
		printf("waymark: backed up to %s (a pg_dump archive)\n", to);
	else
		printf("waymark: backed up to %s and %s-reads\n", to, to);
	return 0;
}

static void print_problem(void *ctx, bool ok, const char *line)
{
	int *problems = ctx;
	if (ok)
		return;
	++*problems;
	printf("FAILED %s\n", line);
}

int cmd_restore(int argc, char **argv)
{
	struct opt opts[] = {
	    {"from", NULL, "FILE", "the backup (SQLite: FILE and FILE-reads; PostgreSQL: FILE)",
	     NULL},
	    {"db", "WAYMARK_DB", "PATH",
	     "the new database: a new file, or an empty postgresql:// one (createdb)", NULL},
	    {"key-file", "WAYMARK_KEY_FILE", "FILE", "data-encryption key (default: PATH.key)",
	     NULL},
	};
	bool help;
	int rc =
	    cmd_parse("restore",
		      "Makes a new database from a backup, then opens it with the key file and\n"
		      "checks it (as `waymark check`). Never writes over a database: on\n"
		      "PostgreSQL, restores into an empty one (createdb) with pg_restore. Exit\n"
		      "status: 0 restored and every check holds, 1 failed, 2 misused.",
		      argc, argv, opts, 3, &help);
	if (rc || help)
		return rc;
	const char *from = opts[0].value, *db = opts[1].value;
	if (!from || !db) {
		fprintf(stderr, "waymark restore: --from and --db are required (see --help)\n");
		return 2;
	}
	char key_path[4096];
	if (!cmd_key_path(db, opts[2].value, key_path, sizeof key_path))
		return 2;
	char msg[512];
	if (store_restore(from, db, msg, sizeof msg) != WM_OK) {
		fprintf(stderr, "waymark restore: %s\n", msg);
		return 1;
	}
	struct keyring *keys = cmd_load_keys(key_path);
	if (!keys)
		return 1;
	struct store *st;
	if (store_open(db, keys, STORE_OPEN, 1, &st, msg, sizeof msg) != WM_OK) {
		fprintf(stderr, "waymark restore: the restored database does not open: %s\n", msg);
		keyring_free(keys);
		return 1;
	}
	int problems = 0;
	wm_err e = store_check(st, print_problem, &problems);
	store_close(st);
	keyring_free(keys);
	if (e != WM_OK && e != WM_ERR_INVALID) {
		/* Not a problem found: a check that did not run says nothing. */
		fprintf(stderr, "waymark restore: the restored database could not be checked: do "
				"not serve it before `waymark check` passes\n");
		return 1;
	}
	if (e != WM_OK || problems) {
		fprintf(stderr,
			"waymark restore: the restored database fails its check (%d problem%s): "
			"do not serve it\n",
			problems, problems == 1 ? "" : "s");
		return 1;
	}
	printf("waymark: restored into %s; every check holds\n", db);
	return 0;
}
