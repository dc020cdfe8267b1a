/*
 * pg_backup.c - `waymark backup` and `waymark restore` on PostgreSQL:
 * PostgreSQL's own pg_dump and pg_restore, run as child processes.
 *
 * A backup is one pg_dump archive in its custom format (-Fc): pg_dump
 * reads the whole database in one repeatable-read transaction, so the
 * archive is one consistent snapshot while the servers carry on writing.
 * Both parts of the audit trail are tables of the one database: there is
 * no -reads file. The archive is created here, mode 0600 and refusing a
 * name that exists, and handed to pg_dump as its output, so it is never
 * readable by others, even half-written.
 *
 * The tools are started with an argument list, never through a shell.
 * They reach the database the store is connected to with the very
 * parameters libpq used (host, port, user, password, TLS settings...),
 * passed in their environment (PGHOST, PGPASSWORD...) rather than on their
 * command line, which any user of the machine can read (ps): the URL may
 * carry a password. The only connection parameter on the command line is
 * the database's name. Nothing here logs; a tool's failure is reported by
 * its exit status and its first error line (pg_dump's and pg_restore's
 * messages name the host, the role and the objects, never a value).
 *
 * A restore goes into an existing, empty database (made with createdb, as
 * `waymark init` takes one) and refuses one holding any table, in one
 * transaction (--single-transaction --exit-on-error): it lands whole or
 * not at all. The caller then opens it with the key file and checks it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "pg.h"

/* Where Debian (and its derivatives) install each major version's tools,
 * when the postgresql-client-common wrappers are not on PATH. */
#define PG_LIB_DIR "/usr/lib/postgresql"

/* The first bytes of a custom-format archive. */
#define ARCHIVE_MAGIC "PGDMP"

/* ---- finding the tools ---- */

static bool executable(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, X_OK) == 0;
}

/* The program name (pg_dump, pg_restore) into out: the one on PATH (Debian's
 * wrapper picks the version for the server), else that of the server's
 * major version under PG_LIB_DIR, else the newest there. */
static bool find_tool(const char *name, int major, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	while (path && *path) {
		size_t n = strcspn(path, ":");
		if (n > 0 && snprintf(out, cap, "%.*s/%s", (int)n, path, name) < (int)cap &&
		    executable(out))
			return true;
		path += n + (path[n] == ':');
	}
	if (major > 0 && snprintf(out, cap, PG_LIB_DIR "/%d/bin/%s", major, name) < (int)cap &&
	    executable(out))
		return true;
	char pattern[256];
	snprintf(pattern, sizeof pattern, PG_LIB_DIR "/*/bin/%s", name);
	glob_t g = {0};
	bool found = false;
	if (glob(pattern, 0, NULL, &g) == 0) {
		/* glob sorts "10" before "9": compare the versions as numbers. */
		const char *best = NULL;
		for (size_t i = 0; i < g.gl_pathc; i++)
			if (executable(g.gl_pathv[i]) &&
			    (!best || strverscmp(g.gl_pathv[i], best) > 0))
				best = g.gl_pathv[i];
		found = best && snprintf(out, cap, "%s", best) < (int)cap;
	}
	globfree(&g);
	return found;
}

/* ---- the tools' environment and database argument ---- */

/* A tool ready to run against the database of a connection: the
 * environment it runs in (ours, with every connection variable, PGHOST...,
 * replaced by what the connection actually used), its path and its
 * --dbname argument. */
struct tool_env {
	char **vars;	  /* NULL-terminated, for posix_spawn */
	size_t owned;	  /* vars[owned..] are ours to wipe and free */
	char dbname[256]; /* the database's name */
	char path[4096];
	char dbarg[600];
};

static bool is_conn_var(const PQconninfoOption *opts, const char *var)
{
	for (const PQconninfoOption *o = opts; o->keyword; o++) {
		size_t n = o->envvar ? strlen(o->envvar) : 0;
		if (n && strncmp(var, o->envvar, n) == 0 && var[n] == '=')
			return true;
	}
	return false;
}

static void tool_env_free(struct tool_env *te)
{
	if (!te->vars)
		return;
	for (size_t i = te->owned; te->vars[i]; i++) {
		/* One of them may be PGPASSWORD. */
		sodium_memzero(te->vars[i], strlen(te->vars[i]));
		free(te->vars[i]);
	}
	free(te->vars);
	te->vars = NULL;
}

/* te's environment and database name from the connection pg: libpq
 * answers every parameter the connection used with the variable that sets
 * it (PQconninfo), the password included. Our own entries are borrowed,
 * the parameters' copied (and wiped when freed). */
static wm_err tool_env_make(PGconn *pg, struct tool_env *te, char *msg, size_t cap)
{
	extern char **environ;
	memset(te, 0, sizeof *te);
	PQconninfoOption *opts = PQconninfo(pg);
	if (!opts) {
		snprintf(msg, cap, "out of memory");
		return WM_ERR_NOMEM;
	}
	size_t nenv = 0, nopt = 0;
	while (environ[nenv])
		nenv++;
	while (opts[nopt].keyword)
		nopt++;
	te->vars = calloc(nenv + nopt + 1, sizeof *te->vars);
	wm_err e = te->vars ? WM_OK : WM_ERR_NOMEM;
	size_t n = 0;
	for (size_t i = 0; e == WM_OK && i < nenv; i++)
		if (!is_conn_var(opts, environ[i]))
			te->vars[n++] = environ[i];
	te->owned = n;
	for (const PQconninfoOption *o = opts; e == WM_OK && o->keyword; o++) {
		if (strcmp(o->keyword, "dbname") == 0 && o->val)
			snprintf(te->dbname, sizeof te->dbname, "%s", o->val);
		if (!o->envvar || !o->val || !o->val[0])
			continue;
		size_t len = strlen(o->envvar) + strlen(o->val) + 2;
		char *v = malloc(len);
		if (!v) {
			e = WM_ERR_NOMEM;
			break;
		}
		snprintf(v, len, "%s=%s", o->envvar, o->val);
		te->vars[n++] = v;
	}
	for (const PQconninfoOption *o = opts; o->keyword; o++)
		if (o->val)
			sodium_memzero(o->val, strlen(o->val));
	PQconninfoFree(opts);
	if (e != WM_OK) {
		tool_env_free(te);
		snprintf(msg, cap, "out of memory");
	}
	return e;
}

/* "--dbname=dbname='NAME'" into out: a connection string naming only the
 * database (quoted as libpq reads it), the rest coming from the
 * environment. A bare name would be taken as a connection string of its
 * own if it held an '=' or began with postgresql://. */
static bool dbname_arg(const char *name, char *out, size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "--dbname=dbname='");
	for (const char *p = name; *p; p++) {
		if (n + 3 >= cap)
			return false;
		if (*p == '\'' || *p == '\\')
			out[n++] = '\\';
		out[n++] = *p;
	}
	if (n + 2 > cap)
		return false;
	out[n++] = '\'';
	out[n] = '\0';
	return true;
}

/* Makes te ready to run the tool called name against pg's database. */
static wm_err tool_prepare(PGconn *pg, const char *name, struct tool_env *te, char *msg, size_t cap)
{
	wm_err e = tool_env_make(pg, te, msg, cap);
	if (e != WM_OK)
		return e;
	int major = PQserverVersion(pg) / 10000;
	if (!find_tool(name, major, te->path, sizeof te->path)) {
		snprintf(msg, cap, "%s is not installed (Debian: apt install postgresql-client-%d)",
			 name, major);
		e = WM_ERR_NOT_FOUND;
	} else if (!dbname_arg(te->dbname, te->dbarg, sizeof te->dbarg)) {
		snprintf(msg, cap, "the database's name is too long");
		e = WM_ERR_INVALID;
	}
	if (e != WM_OK)
		tool_env_free(te);
	return e;
}

/* ---- running a tool ---- */

/* The line of the tool's stderr worth reporting into msg: its first error
 * ("pg_dump: error: ..."), else its first line. */
static void first_error(const char *tool, int status, const char *err, char *msg, size_t cap)
{
	const char *line = strstr(err, "error: ");
	if (line)
		while (line > err && line[-1] != '\n')
			line--;
	else
		line = err;
	int n = (int)strcspn(line, "\n");
	char how[64];
	if (WIFEXITED(status))
		snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
	else
		snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
	snprintf(msg, cap, "%s failed (%s)%s%.*s", tool, how, n ? ": " : "", n > 300 ? 300 : n,
		 line);
}

/* Runs the program at path with argv and env, its stdin from /dev/null, its
 * stdout into out (or /dev/null when out is -1), and waits for it. WM_OK
 * when it exits 0; else its failure in msg. */
static wm_err run_tool(const char *path, char *const argv[], char *const env[], int out, char *msg,
		       size_t cap)
{
	int errp[2];
	if (pipe2(errp, O_CLOEXEC) != 0) {
		snprintf(msg, cap, "cannot start %s", argv[0]);
		return WM_ERR_IO;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out >= 0)
		posix_spawn_file_actions_adddup2(&fa, out, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	pid_t pid;
	int rc = posix_spawn(&pid, path, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(errp[1]);
	if (rc != 0) {
		close(errp[0]);
		snprintf(msg, cap, "cannot run %s: %s", path, strerror(rc));
		return WM_ERR_IO;
	}
	/* Its messages, the first few KiB kept, the rest read and dropped so
	 * that it never blocks on a full pipe. */
	char err[4096], drop[512];
	size_t have = 0;
	for (;;) {
		ssize_t r = have < sizeof err - 1 ? read(errp[0], err + have, sizeof err - 1 - have)
						  : read(errp[0], drop, sizeof drop);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (have < sizeof err - 1)
			have += (size_t)r;
	}
	err[have] = '\0';
	close(errp[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(msg, cap, "lost track of %s", argv[0]);
			return WM_ERR_IO;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return WM_OK;
	first_error(argv[0], status, err, msg, cap);
	return WM_ERR_IO;
}

/* ---- backup ---- */

wm_err pg_backup(struct pg_store *st, const char *to, char *msg, size_t cap)
{
	struct conn *c;
	struct pq_db *db = pg_acquire(st, &c);
	struct tool_env te;
	wm_err e = tool_prepare(db->pg, "pg_dump", &te, msg, cap);
	pg_release(st, c);
	if (e != WM_OK)
		return e;
	int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = errno == EEXIST ? WM_ERR_EXISTS : WM_ERR_IO;
		snprintf(msg, cap, "%s %s", to,
			 e == WM_ERR_EXISTS ? "already exists: choose a new name"
					    : "cannot be created");
	}
	if (e == WM_OK) {
		char *argv[] = {"pg_dump", "--format=custom", "--no-password", te.dbarg, NULL};
		e = run_tool(te.path, argv, te.vars, fd, msg, cap);
		/* The archive is on disk before the backup is said to be taken. */
		if (e == WM_OK && fsync(fd) != 0) {
			snprintf(msg, cap, "cannot write %s to disk", to);
			e = WM_ERR_IO;
		}
		close(fd);
		if (e != WM_OK)
			unlink(to);
	}
	tool_env_free(&te);
	return e;
}

/* ---- restore ---- */

/* Whether the database holds any table outside PostgreSQL's own schemas:
 * -1 when it cannot be asked. */
static int holds_tables(PGconn *pg)
{
	PGresult *r = PQexec(pg, "SELECT count(*) FROM pg_catalog.pg_class c JOIN "
				 "pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
				 "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname "
				 "NOT IN ('pg_catalog', 'information_schema') AND n.nspname "
				 "NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'");
	int found = -1;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		found = atoi(PQgetvalue(r, 0, 0)) > 0;
	PQclear(r);
	return found;
}

/* Whether the file at path is a pg_dump archive in the custom format. */
static wm_err check_archive(const char *path, char *msg, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, cap, errno == ENOENT ? "no backup at %s" : "cannot read %s", path);
		return errno == ENOENT ? WM_ERR_NOT_FOUND : WM_ERR_IO;
	}
	char head[sizeof ARCHIVE_MAGIC - 1];
	ssize_t n = read(fd, head, sizeof head);
	close(fd);
	if (n != (ssize_t)sizeof head || memcmp(head, ARCHIVE_MAGIC, sizeof head) != 0) {
		snprintf(msg, cap,
			 "%s is not a PostgreSQL backup (waymark backup's, pg_dump's custom "
			 "format)",
			 path);
		return WM_ERR_INVALID;
	}
	return WM_OK;
}

/* Connects to the database at uri, makes sure it is empty, and makes te
 * ready to run pg_restore into it. */
static wm_err open_target(const char *uri, struct tool_env *te, char *msg, size_t cap)
{
	PGconn *pg = PQconnectdb(uri);
	if (!pg) {
		snprintf(msg, cap, "out of memory");
		return WM_ERR_NOMEM;
	}
	wm_err e = WM_OK;
	if (PQstatus(pg) != CONNECTION_OK) {
		/* As pg.c's: libpq's first line names the host and role. */
		const char *why = PQerrorMessage(pg);
		int n = (int)strcspn(why, "\n");
		snprintf(msg, cap, "cannot connect to PostgreSQL: %.*s", n > 200 ? 200 : n, why);
		e = WM_ERR_IO;
	}
	int tables = e == WM_OK ? holds_tables(pg) : 0;
	if (tables < 0) {
		snprintf(msg, cap, "cannot read the database's tables");
		e = WM_ERR_IO;
	} else if (tables > 0) {
		snprintf(msg, cap,
			 "the database already holds tables: restore into a new, empty one "
			 "(createdb)");
		e = WM_ERR_EXISTS;
	}
	if (e == WM_OK)
		e = tool_prepare(pg, "pg_restore", te, msg, cap);
	PQfinish(pg);
	return e;
}

wm_err pg_restore(const char *from, const char *to, char *msg, size_t cap)
{
	wm_err e = check_archive(from, msg, cap);
	if (e != WM_OK)
		return e;
	struct tool_env te;
	e = open_target(to, &te, msg, cap);
	if (e != WM_OK)
		return e;
	/* Objects owned by whoever restores (the roles of the old server may
	 * not exist here); the first error undoes it all. */
	char *argv[] = {"pg_restore",
			"--no-owner",
			"--exit-on-error",
			"--single-transaction",
			"--no-password",
			te.dbarg,
			"--",
			(char *)from,
			NULL};
	e = run_tool(te.path, argv, te.vars, -1, msg, cap);
	tool_env_free(&te);
	return e;
}
