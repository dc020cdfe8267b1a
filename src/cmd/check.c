/*
 * check.c - `waymark check`: is this database whole, does the key file open
 * every sealed value, and does the audit trail's chain hold? A plain report,
 * one line per check, and an exit status a script can trust.
 */
#include <stdio.h>

#include "cmd.h"

static void print_line(void *ctx, bool ok, const char *line)
{
	int *problems = ctx;
	if (!ok)
		++*problems;
	printf("%s %s\n", ok ? "ok    " : "FAILED", line);
}

int cmd_check(int argc, char **argv)
{
	struct opt opts[] = {
	    {"db", "WAYMARK_DB", "PATH", "the database (a file path or a postgresql:// URI)", NULL},
	    {"key-file", "WAYMARK_KEY_FILE", "FILE", "data-encryption key (default: PATH.key)",
	     NULL},
	};
	bool help;
	int rc = cmd_parse(
	    "check",
	    "Checks a database and changes nothing: the engine's own integrity checks, that\n"
	    "every sealed value opens under the key file, and that the audit trail's chain\n"
	    "holds (the first broken link is named by its seq). Safe while the server runs.\n"
	    "Exit status: 0 everything holds, 1 something does not (or the check could not\n"
	    "run), 2 misused.",
	    argc, argv, opts, 2, &help);
	if (rc || help)
		return rc;
	const char *db = opts[0].value;
	if (!db) {
		fprintf(stderr, "waymark check: --db is required (see --help)\n");
		return 2;
	}
	struct keyring *keys;
	struct store *st;
	rc = cmd_open_store("check", db, opts[1].value, &keys, &st);
	if (rc)
		return rc;
	int problems = 0;
	wm_err e = store_check(st, print_line, &problems);
	store_close(st);
	keyring_free(keys);
	if (e == WM_OK && problems == 0) {
		printf("waymark check: everything holds\n");
		return 0;
	}
	if (e != WM_OK && e != WM_ERR_INVALID)
		fprintf(stderr, "waymark check: the check could not run (%s)\n", wm_err_str(e));
	else
		printf("waymark check: %d problem%s found\n", problems, problems == 1 ? "" : "s");
	return 1;
}
