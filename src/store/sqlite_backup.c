/*
 * sqlite_backup.c - `waymark backup` and `waymark restore` for an SQLite
 * database: both of its files (the database and its read-audit file),
 * copied page by page through SQLite's online backup API.
 *
 * A backup runs beside a serving process: each file is copied in one step
 * (sqlite3_backup_step(-1)), which reads one consistent snapshot of it
 * while writers carry on (WAL mode), so it never restarts under load. The
 * two files are copied one after the other, the read-audit file first: an
 * entry of a read committed between the two copies is in neither or in the
 * database's snapshot's future, never half of one. The copies are created
 * mode 0600 and hold only what the database holds: sealed values, keyed
 * indexes, never the key.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "sqlite.h"

#define READS_SUFFIX "-reads"

/* Creates path empty, mode 0600, refusing one that exists. */
static wm_err create_private(const char *path, char *msg, size_t cap)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(msg, cap,
			 errno == EEXIST ? "%s already exists: choose a new name"
					 : "cannot create %s",
			 path);
		return errno == EEXIST ? WM_ERR_EXISTS : WM_ERR_IO;
	}
	close(fd);
	return WM_OK;
}

/* Copies schema src_name of src into the file at path (created new). */
static wm_err copy_into(sqlite3 *src, const char *src_name, const char *path, char *msg, size_t cap)
{
	wm_err e = create_private(path, msg, cap);
	if (e != WM_OK)
		return e;
	sqlite3 *dst = NULL;
	int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL);
	sqlite3_backup *b =
	    rc == SQLITE_OK ? sqlite3_backup_init(dst, "main", src, src_name) : NULL;
	if (b) {
		rc = sqlite3_backup_step(b, -1);
		int fin = sqlite3_backup_finish(b);
		rc = rc == SQLITE_DONE ? fin : rc;
	} else if (rc == SQLITE_OK) {
		rc = sqlite3_errcode(dst);
	}
	/* The copy keeps the source's journal mode (WAL): fold its log into
	 * the file, so the backup is the one file a person would copy. */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(msg, cap, "copying into %s failed: %s", path,
			 dst ? sqlite3_errmsg(dst) : "out of memory");
		e = WM_ERR_IO;
	}
	sqlite3_close(dst);
	if (e != WM_OK)
		unlink(path);
	return e;
}

wm_err sqlite_backup(struct sqlite_store *st, const char *to, char *msg, size_t cap)
{
	char reads_to[4096];
	if (snprintf(reads_to, sizeof reads_to, "%s" READS_SUFFIX, to) >= (int)sizeof reads_to) {
		snprintf(msg, cap, "the backup's path is too long");
		return WM_ERR_INVALID;
	}
	struct stat sb;
	if (stat(to, &sb) == 0 || stat(reads_to, &sb) == 0) {
		snprintf(msg, cap, "%s (or its -reads file) already exists: choose a new name", to);
		return WM_ERR_EXISTS;
	}
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	wm_err e = copy_into(db, "reads", reads_to, msg, cap);
	if (e == WM_OK) {
		e = copy_into(db, "main", to, msg, cap);
		if (e != WM_OK)
			unlink(reads_to);
	}
	sqlite_release(st, c);
	return e;
}

wm_err sqlite_restore(const char *from, const char *to, char *msg, size_t cap)
{
	char reads_from[4096], reads_to[4096];
	if (snprintf(reads_from, sizeof reads_from, "%s" READS_SUFFIX, from) >=
		(int)sizeof reads_from ||
	    snprintf(reads_to, sizeof reads_to, "%s" READS_SUFFIX, to) >= (int)sizeof reads_to) {
		snprintf(msg, cap, "a path is too long");
		return WM_ERR_INVALID;
	}
	struct stat sb;
	if (stat(from, &sb) != 0) {
		snprintf(msg, cap, "no backup at %s", from);
		return WM_ERR_NOT_FOUND;
	}
	if (stat(reads_from, &sb) != 0) {
		snprintf(msg, cap,
			 "the backup's read-audit file (%s) is missing: a backup is both files",
			 reads_from);
		return WM_ERR_NOT_FOUND;
	}
	sqlite3 *src = NULL;
	int rc = sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(src, "PRAGMA query_only = ON", NULL, NULL, NULL);
	wm_err e = WM_OK;
	if (rc != SQLITE_OK) {
		snprintf(msg, cap, "cannot open the backup: %s",
			 src ? sqlite3_errmsg(src) : "out of memory");
		e = WM_ERR_IO;
	}
	char *attach =
	    e == WM_OK ? sqlite3_mprintf("ATTACH DATABASE %Q AS reads", reads_from) : NULL;
	if (e == WM_OK && (!attach || sqlite3_exec(src, attach, NULL, NULL, NULL) != SQLITE_OK)) {
		snprintf(msg, cap, "cannot open the backup's read-audit file");
		e = WM_ERR_IO;
	}
	sqlite3_free(attach);
	/* Never over a database: a restore goes to a new path, which the
	 * server is then pointed at. */
	if (e == WM_OK && (stat(to, &sb) == 0 || stat(reads_to, &sb) == 0)) {
		snprintf(msg, cap, "%s (or its -reads file) already exists: restore to a new path",
			 to);
		e = WM_ERR_EXISTS;
	}
	if (e == WM_OK)
		e = copy_into(src, "reads", reads_to, msg, cap);
	if (e == WM_OK) {
		e = copy_into(src, "main", to, msg, cap);
		if (e != WM_OK)
			unlink(reads_to);
	}
	sqlite3_close(src);
	if (e == WM_OK) {
		/* The restored files go back to WAL mode, as the store keeps them. */
		sqlite3 *db = NULL;
		if (sqlite3_open_v2(to, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK)
			e = WM_ERR_IO;
		sqlite3_close(db);
	}
	return e;
}
