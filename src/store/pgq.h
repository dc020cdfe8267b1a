/*
 * pgq.h - a small statement interface over libpq for the PostgreSQL
 * backend (pg.c, pg_report.c).
 *
 * It has the shape of SQLite's prepare/bind/step/column calls, so that the
 * PostgreSQL backend reads like the SQLite one it follows statement for
 * statement: parameters are bound by number, a statement is stepped row by
 * row, and a persistent statement is prepared on the server once per
 * connection and reused. SQL may number parameters ?1 or $1, or name them
 * $name (numbered here in order of first appearance, as SQLite does).
 * Values go as text (integers in decimal) or, for blobs, as binary bytea;
 * results come back as text, bytea decoded on demand. Nothing here logs a
 * value: a failure's SQLSTATE is kept for the caller.
 */
#ifndef WM_STORE_PGQ_H
#define WM_STORE_PGQ_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Step results, as SQLite's. */
enum { PQ_OK = 0, PQ_ERROR = 1, PQ_CONSTRAINT = 19, PQ_ROW = 100, PQ_DONE = 101 };
/* Column types read back. */
enum { PQ_INTEGER = 1, PQ_TEXT = 3, PQ_NULL = 5 };

/* How long a bound value lives: the caller's until the step (PQ_STATIC),
 * or copied now (PQ_TRANSIENT). */
#define PQ_STATIC    ((void (*)(void *))0)
#define PQ_TRANSIENT ((void (*)(void *)) - 1)

#define PQ_MAX_PARAMS 32
#define PQ_MAX_COLS   64

/* One connection as the statements see it. */
struct pq_db {
	PGconn *pg;
	long changes;	  /* rows the last statement changed */
	unsigned names;	  /* persistent statements prepared so far: their names */
	char sqlstate[6]; /* of the last failure */
};

typedef struct pq_stmt pq_stmt;

/* A statement on db: persistent ones are prepared on the server at their
 * first step and kept until pq_finalize; others run once per step with
 * their text. NULL when out of memory or the SQL has too many parameters. */
pq_stmt *pq_prepare(struct pq_db *db, const char *sql, bool persistent);
void pq_finalize(pq_stmt *s);

/* Binding, by 1-based number (out of range: ignored). */
int pq_bind_int(pq_stmt *s, int i, int v);
int pq_bind_int64(pq_stmt *s, int i, int64_t v);
int pq_bind_text(pq_stmt *s, int i, const char *v, int len, void (*keep)(void *));
int pq_bind_blob(pq_stmt *s, int i, const void *v, int len, void (*keep)(void *));
int pq_bind_null(pq_stmt *s, int i);
/* The number of a named parameter ("$org"), 0 when the SQL has none. */
int pq_bind_parameter_index(pq_stmt *s, const char *name);
int pq_bind_parameter_count(pq_stmt *s);

/* Runs the statement at the first call (PQ_DONE, or PQ_ROW with the first
 * row), then moves to the next row. PQ_CONSTRAINT for an integrity
 * violation (SQLSTATE class 23), PQ_ERROR for any other failure. */
int pq_step(pq_stmt *s);
/* Ends the run (the result is freed); bindings stay. */
int pq_reset(pq_stmt *s);
int pq_clear_bindings(pq_stmt *s);

/* The current row's columns (0-based). Text and blobs are borrowed until
 * the next step or reset. */
int64_t pq_column_int64(pq_stmt *s, int i);
int pq_column_int(pq_stmt *s, int i);
double pq_column_double(pq_stmt *s, int i);
const unsigned char *pq_column_text(pq_stmt *s, int i);
const void *pq_column_blob(pq_stmt *s, int i);
int pq_column_bytes(pq_stmt *s, int i);
int pq_column_type(pq_stmt *s, int i);

/* The statement's SQL as it is sent, parameters numbered $1, $2, ...
 * (borrowed; for tests). */
const char *pq_sql(const pq_stmt *s);

/* The SQLSTATE of the statement's last failure ("" when none). */
const char *pq_stmt_sqlstate(const pq_stmt *s);

/* Runs sql (one or more statements, no parameters); PQ_OK or PQ_ERROR. */
int pq_exec(struct pq_db *db, const char *sql);

/* A growing string (NULL-safe: an allocation failure makes finish answer
 * NULL), and a formatted one (free it). */
struct pq_str;
struct pq_str *pq_str_new(void);
void pq_str_appendall(struct pq_str *b, const char *s);
void pq_str_appendf(struct pq_str *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *pq_str_finish(struct pq_str *b);
char *pq_mprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
