/*
 * main.c - the waymark program: reads the command and hands over to it.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "crypto/secret.h"
#include "util/text.h"

#ifndef WAYMARK_VERSION
#define WAYMARK_VERSION "0.1.0"
#endif

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
    {"init", cmd_init, "create a database, its key file and the administrator"},
    {"serve", cmd_serve, "serve the API"},
    {"demo", cmd_demo, "create a demo database of fictional survivors and print its logins"},
    {"erase", cmd_erase, "remove a closed survivor and everything under them, for good"},
    {"backup", cmd_backup, "copy a database (both its files) to a backup while it serves"},
    {"restore", cmd_restore, "make a new database from a backup, and check it"},
    {"import", cmd_import,
     "bring an organisation's caseload in from a CSV file, a workbook or an export"},
    {"export", cmd_export, "write an organisation's whole caseload out, for import elsewhere"},
    {"rotate-key", cmd_rotate_key,
     "add a new key and seal every value under it; retire an old one"},
    {"check", cmd_check, "check a database: its files, every sealed value, the audit chain"},
    {"routes", cmd_routes, "list the API's routes and the roles that may call each"},
};

static void usage(FILE *f)
{
	fprintf(f,
		"waymark %s - case management for agencies that support survivors of modern "
		"slavery\nand human trafficking to reach healthcare.\n\n"
		"usage: waymark COMMAND [OPTIONS]\n\ncommands:\n",
		WAYMARK_VERSION);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "  %-8s %s\n", "version", "print the version");
	fprintf(f, "\nRun 'waymark COMMAND --help' for a command's options.\n"
		   "Environment: WAYMARK_DB, WAYMARK_LISTEN, WAYMARK_KEY_FILE stand in for "
		   "--db,\n--listen and --key-file when those are not given.\n");
}

int main(int argc, char **argv)
{
	/* The database, its WAL and the key file are the owner's alone. */
	umask(077);
	/* Every command holds the key and opens records (the server keeps some
	 * in memory): a crash writes no core file with them in it. */
	struct rlimit no_core = {0, 0};
	(void)setrlimit(RLIMIT_CORE, &no_core);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("waymark %s\n", WAYMARK_VERSION);
		return 0;
	}
	if (!secret_init() || !text_init()) {
		fprintf(stderr, "waymark: cannot initialise libsodium or the C.UTF-8 locale\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "waymark: unknown command '%s'\n\n", cmd);
	usage(stderr);
	return 2;
}
