/*
 * init.c - `waymark init`: a new database, its key file and administrator.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"

int cmd_init(int argc, char **argv)
{
	struct opt opts[] = {
	    {"db", "WAYMARK_DB", "PATH", "the database file to create (or a postgresql:// URI)",
	     NULL},
	    {"admin-password-file", NULL, "FILE",
	     "file whose first line is the administrator's password (12+ characters)", NULL},
	    {"admin-username", NULL, "NAME", "the administrator's username (default: admin)", NULL},
	    {"key-file", "WAYMARK_KEY_FILE", "FILE",
	     "data-encryption key; created (mode 0600) if missing (default: PATH.key)", NULL},
	};
	bool help;
	int rc = cmd_parse("init",
			   "Creates a new Waymark database with one administrator account, and "
			   "the key\nthat encrypts sensitive fields. Refuses a database that "
			   "exists.",
			   argc, argv, opts, 4, &help);
	if (rc || help)
		return rc;
	const char *db = opts[0].value, *pwfile = opts[1].value;
	const char *username = opts[2].value ? opts[2].value : "admin";
	if (!db || !pwfile) {
		fprintf(stderr, "waymark init: --db and --admin-password-file are required (see "
				"--help)\n");
		return 2;
	}
	struct stat sb;
	if (strncmp(db, "postgres", 8) != 0 && stat(db, &sb) == 0 && sb.st_size > 0) {
		fprintf(stderr, "waymark init: %s exists; refusing to touch it\n", db);
		return 1;
	}
	char key_path[4096];
	if (!cmd_key_path(db, opts[3].value, key_path, sizeof key_path))
		return 2;
	char password[1025];
	if (!cmd_read_first_line(pwfile, password, sizeof password)) {
		fprintf(stderr, "waymark init: cannot read the password file %s\n", pwfile);
		return 1;
	}
	struct store *st;
	struct keyring *keys;
	rc = cmd_create_database(db, key_path, username, password, &st, &keys);
	sodium_memzero(password, sizeof password);
	if (rc)
		return rc;
	printf("waymark: created %s (schema version %d), administrator '%s', key file %s\n", db,
	       store_schema_version(st), username, key_path);
	store_close(st);
	keyring_free(keys);
	return 0;
}
