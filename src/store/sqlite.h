/*
 * sqlite.h - what the SQLite backend shows beyond store.h, for its tests
 * and tools only: nothing above the store includes this.
 */
#ifndef WM_STORE_SQLITE_H
#define WM_STORE_SQLITE_H

#include <sqlite3.h>
#include <stddef.h>

#include "store.h"

/* Shapes of the survivor list: which filters are given, one statement each. */
#define STORE_SHAPE_ADVOCATE 1
#define STORE_SHAPE_STATUS   2
#define STORE_SHAPE_NAME     4
#define STORE_SHAPE_ALL_ORGS 8
#define STORE_SHAPES	     16

/* Writes SQLite's query plan of the list statement for shape (a sum of
 * STORE_SHAPE_ flags) into out, one step per line. */
wm_err store_sqlite_list_plan(struct store *st, int shape, char *out, size_t cap);

/* How many item statements (store_item_*) the store has prepared since it
 * opened, over all its connections: each kind's are prepared once per
 * connection and reused, so this stops growing once each is in use. */
long store_sqlite_item_prepares(struct store *st);

/* A pooled connection, for the backend's other files (sqlite_report.c):
 * acquire waits for a free one and answers its handle, *c what to give
 * back to release. The caller leaves no statement running and no
 * transaction open on it, and prepares its own statements (finalised
 * before release): the connection's cache belongs to sqlite.c. */
struct conn;
sqlite3 *store_sqlite_acquire(struct store *st, struct conn **c);
void store_sqlite_release(struct store *st, struct conn *c);

/* The same on the backend's own struct (backend.h), for its files. */
struct sqlite_store;
sqlite3 *sqlite_acquire(struct sqlite_store *st, struct conn **c);
void sqlite_release(struct sqlite_store *st, struct conn *c);

/* For the backend's other files (sqlite_mfa.c, sqlite_cal.c): prepare
 * answers sql prepared on db, NULL after a failure (a bug or a damaged
 * schema); run steps a statement that returns no rows and finalizes it:
 * WM_OK, WM_ERR_CONFLICT for a broken constraint, WM_ERR_IO otherwise
 * (NULL: WM_ERR_IO); *changed (when not NULL) the rows it changed. */
sqlite3_stmt *sqlite_prepare(sqlite3 *db, const char *sql);

/* The two-factor state kept beside the sessions (sqlite_mfa.c): kept
 * answers whether user_id's answer for org_id ("" for none) is held,
 * filling it, and always *generation, under which keep must put a fresh
 * answer back (it is dropped should the sessions have been forgotten
 * meanwhile: sqlite_sessions_changed forgets both). */
bool sqlite_two_factor_kept(struct sqlite_store *st, const char *user_id, const char *org_id,
			    bool *required, bool *enrolled, uint64_t *generation);
void sqlite_two_factor_keep(struct sqlite_store *st, const char *user_id, const char *org_id,
			    bool required, bool enrolled, uint64_t generation);

/* A statement made on every request (sqlite_two_factor_state): prepared
 * once per connection and kept, found again by the address of sql, which
 * must be a string constant. Answers it ready for binding (NULL after a
 * failure); give it back with sqlite_cached_done, never finalize it. */
sqlite3_stmt *sqlite_cached(struct conn *c, const char *sql);
void sqlite_cached_done(sqlite3_stmt *s);
wm_err sqlite_run(sqlite3 *db, sqlite3_stmt *s, int *changed);

/* The keys the store was opened with (sqlite_maint.c opens every value;
 * sqlite_mfa.c seals with them). */
const struct keyring *sqlite_keys(struct sqlite_store *st);

/* For the backend's other files' writes (sqlite_mfa.c): begin opens a
 * write transaction on c in this process's turn; finish commits it when e
 * is WM_OK, else rolls back, and answers the outcome. account_event writes
 * one entry of the account trail inside it; sessions_changed empties the
 * session cache after a change that ends sessions. */
wm_err sqlite_begin(struct conn *c);
wm_err sqlite_finish(struct conn *c, wm_err e);
wm_err sqlite_account_event(struct conn *c, const struct store_account_event *ev);
void sqlite_sessions_changed(struct sqlite_store *st);

#endif
