/*
 * erase.c - `waymark erase`: removes a closed survivor and everything under
 * them for good, leaving a trace that names nothing about the person.
 */
#define _POSIX_C_SOURCE 200809L
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../domain/schema.h"
#include "cmd.h"

/* The whole reason file (up to 4,000 bytes), trimmed of its last line end. */
static bool read_reason(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(out, 1, cap - 1, f);
	bool whole = feof(f) && !ferror(f);
	fclose(f);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return whole && n > 0 && strlen(out) == n;
}

int cmd_erase(int argc, char **argv)
{
	struct opt opts[] = {
	    {"db", "WAYMARK_DB", "PATH", "the database", NULL},
	    {"key-file", "WAYMARK_KEY_FILE", "FILE", "data-encryption key (default: PATH.key)",
	     NULL},
	    {"survivor", NULL, "ID", "the survivor to erase (their record must be closed)", NULL},
	    {"reason-file", NULL, "FILE",
	     "why (kept sealed in the trace; must not name the person)", NULL},
	};
	bool help;
	int rc =
	    cmd_parse("erase",
		      "Removes a closed survivor and everything under them for good: every "
		      "part of\nthe record, its kept versions and shares. The audit trail's "
		      "entries stay (its\nchain must hold) but lead to no one. Leaves a trace "
		      "that names nothing about\nthe person (when, who ran it, the reason "
		      "sealed).\nExit status: 0 erased, 1 failed or not found, 2 misused or the "
		      "record is\nnot closed.",
		      argc, argv, opts, 4, &help);
	if (rc || help)
		return rc;
	const char *db = opts[0].value, *id = opts[2].value, *reason_file = opts[3].value;
	if (!db || !id || !reason_file) {
		fprintf(stderr,
			"waymark erase: --db, --survivor and --reason-file are required (see "
			"--help)\n");
		return 2;
	}
	if (!schema_is_id(id)) {
		fprintf(stderr, "waymark erase: --survivor must be a survivor id\n");
		return 2;
	}
	char reason[4001];
	if (!read_reason(reason_file, reason, sizeof reason)) {
		fprintf(stderr, "waymark erase: cannot read a reason from the reason file (it must "
				"not be empty, nor over 4,000 bytes)\n");
		return 2;
	}
	struct keyring *keys;
	struct store *st;
	rc = cmd_open_store("erase", db, opts[1].value, &keys, &st);
	if (rc)
		return rc;
	char ran_by[64];
	const struct passwd *pw = getpwuid(geteuid());
	if (pw && pw->pw_name)
		snprintf(ran_by, sizeof ran_by, "%s", pw->pw_name);
	else
		snprintf(ran_by, sizeof ran_by, "uid %ld", (long)geteuid());
	wm_err e = store_survivor_erase(st, id, (int64_t)time(NULL), ran_by, reason);
	store_close(st);
	keyring_free(keys);
	switch (e) {
	case WM_OK:
		printf("waymark: erased the survivor and everything under them\n");
		return 0;
	case WM_ERR_CONFLICT:
		fprintf(stderr, "waymark erase: the record is not closed; close it first\n");
		return 2;
	case WM_ERR_NOT_FOUND:
		fprintf(stderr, "waymark erase: no such survivor\n");
		return 1;
	default:
		fprintf(stderr, "waymark erase: failed (%s); nothing was erased\n", wm_err_str(e));
		return 1;
	}
}
