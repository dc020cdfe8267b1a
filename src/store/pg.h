/*
 * pg.h - what the PostgreSQL backend's files share (pg.c, pg_report.c,
 * pg_mfa.c, pg_cal.c): nothing above the store includes this.
 */
#ifndef WM_STORE_PG_H
#define WM_STORE_PG_H

#include "backend.h"
#include "pgq.h"

/* A pooled connection: acquire waits for a free one and answers its
 * statements' handle, *c what to give back to release. The caller leaves
 * no transaction open on it and finalises its own statements before
 * release (the persistent ones belong to pg.c). */
struct conn;
struct pq_db *pg_acquire(struct pg_store *st, struct conn **c);
void pg_release(struct pg_store *st, struct conn *c);

/* For the other files' statements and writes (pg_mfa.c), as pg.c's own:
 * pg_stmt answers the statement of slot (below PG_OTHER_STMTS; each file
 * owns its own range, one SQL text per slot) prepared on c's server once
 * and kept with the connection, reset and ready for binding, NULL on
 * failure; pg_exec runs one that returns no rows and resets it (*changed,
 * when not NULL, the rows it changed; WM_ERR_CONFLICT for a broken
 * constraint); pg_done resets one read from. pg_begin opens a write
 * transaction under the writers' lock, pg_finish commits it when e is
 * WM_OK and else rolls back, answering the outcome; pg_account_event
 * writes one entry of the account trail inside it. pg_keys is the keyring
 * the store seals with. */
#define PG_OTHER_STMTS 64
#define PG_SLOT_MFA    0  /* pg_mfa.c's: 0 to 15 */
#define PG_SLOT_CAL    16 /* pg_cal.c's: 16 to 31 */
#define PG_SLOT_DOCS   32 /* pg_docs.c's: 32 to 47 */
#define PG_SLOT_IMPORT 48 /* pg_import.c's: 48 to 63 */
pq_stmt *pg_stmt(struct conn *c, int slot, const char *sql);
wm_err pg_exec(struct conn *c, pq_stmt *s, long *changed);
void pg_done(pq_stmt *s);
wm_err pg_begin(struct conn *c);
wm_err pg_finish(struct conn *c, wm_err e);
wm_err pg_account_event(struct conn *c, const struct store_account_event *ev);
const struct keyring *pg_keys(struct pg_store *st);

#endif
