/*
 * cmd.h - the commands of the waymark program, and what they share:
 * option parsing (flags, then environment variables) and opening the key
 * file and database.
 */
#ifndef WM_CMD_H
#define WM_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "../crypto/keyring.h"
#include "../domain/account.h"
#include "../store/store.h"

/* Each command returns the process exit code: 0 done, 1 failed, 2 misused. */
int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_erase(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_rotate_key(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);

struct opt {
	const char *name;  /* "db" for --db */
	const char *env;   /* environment variable read when the flag is absent, or NULL */
	const char *arg;   /* placeholder in help ("PATH"), NULL for a switch */
	const char *help;  /* one line */
	const char *value; /* out: the value given (a switch gives "1") */
};

/* Parses argv[1..] (argv[0] is the command) into opts; prints usage and
 * returns 0 with *help set on --help; returns 2 on a misuse (message
 * printed). */
int cmd_parse(const char *command, const char *summary, int argc, char **argv, struct opt *opts,
	      size_t n, bool *help);

/* The key file path for a database: the flag's value, or PATH.key beside an
 * SQLite file. Writes into out; false when none can be chosen. */
bool cmd_key_path(const char *db, const char *flag, char *out, size_t cap);

/* Loads the key file, printing a plain reason on failure. */
struct keyring *cmd_load_keys(const char *path);

/* Opens the database db as command `name` does ("check"): its key file
 * (key_flag, or beside a SQLite file), then the store with a pool of one
 * connection. Returns 0 with *keys and *st set (the caller closes the
 * store, then frees the keys), or the exit code after printing why: 2
 * when the key file cannot be named, 1 when it or the database does not
 * open. */
int cmd_open_store(const char *name, const char *db, const char *key_flag, struct keyring **keys,
		   struct store **st);

/* Reads the first line of a file, without its line ending, into out. */
bool cmd_read_first_line(const char *path, char *out, size_t cap);

/* The active account of organisation org_id named username (folded as at
 * sign-in) into u; false when there is none. A NULL username names the
 * organisation's first active manager (the one created first), so that a
 * command run for an organisation with one manager needs no --as. The
 * caller asks the policy what the account may do. */
bool cmd_org_account(struct store *st, const char *username, const char *org_id,
		     struct store_user *u);

/* Creates a user; prints a reason and returns false on failure. */
bool cmd_create_user(struct store *st, const char *username, const char *password,
		     const char *display_name, enum role role, const char *org_id,
		     struct store_user *out);

/* Creates a database and its administrator (init's work, shared by demo).
 * Creates the key file when it does not exist. */
int cmd_create_database(const char *db, const char *key_path, const char *admin_username,
			const char *admin_password, struct store **out_store,
			struct keyring **out_keys);

#endif
