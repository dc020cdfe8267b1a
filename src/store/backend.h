/*
 * backend.h - how store.h reaches its backends (store.c dispatches).
 *
 * A store is a handle holding exactly one backend: SQLite (sqlite*.c) or
 * PostgreSQL (pg*.c). Every function of store.h taking a store is a
 * three-line wrapper in store.c calling sqlite_NAME or pg_NAME with the
 * same arguments: each backend implements the whole interface on its own
 * struct, and nothing above the store sees which one it has. Adding a
 * function to store.h: declare it there, implement sqlite_NAME (on struct
 * sqlite_store) and pg_NAME (on struct pg_store), declare both below, and
 * add its wrapper (DISPATCH) to store.c. docs/design.md ("Storage
 * backends") says the same.
 */
#ifndef WM_STORE_BACKEND_H
#define WM_STORE_BACKEND_H

#include "store.h"

struct sqlite_store;
struct pg_store;

/* Exactly one of the two is set. */
struct store {
	struct sqlite_store *sqlite;
	struct pg_store *pg;
};

/* Opening: as store_open, for a file path (SQLite) or a postgresql:// or
 * postgres:// URI (PostgreSQL, handed to libpq as it is). */
wm_err sqlite_open(const char *path, const struct keyring *keys, enum store_mode mode,
		   int pool_size, struct sqlite_store **out, char *msg, size_t msgcap);
wm_err pg_open(const char *uri, const struct keyring *keys, enum store_mode mode, int pool_size,
	       struct pg_store **out, char *msg, size_t msgcap);

/* The newest schema version each backend carries: always the same (a
 * version means the same schema on both). */
int sqlite_schema_latest(void);
int pg_schema_latest(void);

/* clang-format off */
/* ---- the SQLite backend (sqlite.c, sqlite_report.c) ---- */
void sqlite_close(struct sqlite_store *st);
int sqlite_schema_version(struct sqlite_store *st);
wm_err sqlite_ping(struct sqlite_store *st);
wm_err sqlite_org_create(struct sqlite_store *st, const struct store_org *org, const struct store_account_event *ev);
wm_err sqlite_org_get(struct sqlite_store *st, const char *id, struct store_org *out);
wm_err sqlite_org_list(struct sqlite_store *st, int64_t after, int limit, void (*each)(void *ctx, const struct store_org *org), void *ctx, bool *more);
wm_err sqlite_user_create(struct sqlite_store *st, const struct store_user *user, const struct store_account_event *ev);
wm_err sqlite_user_get(struct sqlite_store *st, const char *id, struct store_user *out);
wm_err sqlite_user_by_name(struct sqlite_store *st, const char *username, struct store_user *out);
wm_err sqlite_user_update(struct sqlite_store *st, const struct store_user *user, int expected, bool revoke_sessions, const struct store_account_event *ev);
wm_err sqlite_user_list(struct sqlite_store *st, int64_t after, int limit, void (*each)(void *ctx, const struct store_user *user), void *ctx, bool *more);
wm_err sqlite_session_create(struct sqlite_store *st, const unsigned char *digest, size_t len, const char *user_id, int user_version, int64_t now, int64_t expires_at);
wm_err sqlite_session_user(struct sqlite_store *st, const unsigned char *digest, size_t len, int64_t now, struct store_user *out, int64_t *expires_at);
wm_err sqlite_session_delete(struct sqlite_store *st, const unsigned char *digest, size_t len);
wm_err sqlite_user_password(struct sqlite_store *st, const char *user_id, char hash[STORE_HASH_LEN]);
wm_err sqlite_user_set_password(struct sqlite_store *st, const char *user_id, int expected, const char *hash, const char *updated_at, const unsigned char *keep_digest, size_t len, const struct store_account_event *ev);
wm_err sqlite_account_events_of_org(struct sqlite_store *st, const char *org_id, int64_t before, int limit, void (*each)(void *ctx, const struct store_account_event *ev), void *ctx, bool *more);
wm_err sqlite_login_begin(struct sqlite_store *st, const char *username, int64_t now, const struct store_lockout *rule, int64_t *until);
wm_err sqlite_login_failed(struct sqlite_store *st, const char *username, int64_t now, const struct store_lockout *rule);
wm_err sqlite_login_succeeded(struct sqlite_store *st, const char *username);
wm_err sqlite_survivor_create(struct sqlite_store *st, const struct store_survivor *s, const struct store_audit *audit);
wm_err sqlite_survivor_get(struct sqlite_store *st, const char *id, const struct store_survivor_filter *vis, struct store_survivor *out);
wm_err sqlite_survivor_org(struct sqlite_store *st, const char *id, char org_id[STORE_ID_LEN]);
wm_err sqlite_survivor_version(struct sqlite_store *st, const struct store_survivor *current, int version, json_t **body);
wm_err sqlite_survivor_update(struct sqlite_store *st, struct store_survivor *s, int expected, const struct store_audit *audit);
wm_err sqlite_survivor_list(struct sqlite_store *st, const struct store_survivor_filter *f, int64_t after, int limit, void (*each)(void *ctx, const struct store_survivor *s), void *ctx, bool *more);
wm_err sqlite_audit_append_async(struct sqlite_store *st, const struct store_audit *entries, size_t n, void (*done)(void *ctx, wm_err result), void *ctx);
void sqlite_audit_drain(struct sqlite_store *st);
wm_err sqlite_access_log(struct sqlite_store *st, const char *survivor_id, int64_t before, int limit, void (*each)(void *ctx, const struct store_audit *a), void *ctx, bool *more);
void sqlite_set_bulk_threshold(struct sqlite_store *st, int threshold);
wm_err sqlite_bulk_access_list(struct sqlite_store *st, const char *org_id, int64_t before, int limit, void (*each)(void *ctx, const struct store_bulk_access *b), void *ctx, bool *more);
wm_err sqlite_item_create(struct sqlite_store *st, const struct kind *k, const struct store_item *it, const struct store_audit *audit);
wm_err sqlite_item_get(struct sqlite_store *st, const struct kind *k, const char *org_id, const char *survivor_id, const char *item_id, struct store_item *out);
wm_err sqlite_item_replace(struct sqlite_store *st, const struct kind *k, struct store_item *it, int expected, const struct store_audit *audit);
wm_err sqlite_item_list(struct sqlite_store *st, const struct kind *k, const char *org_id, const char *survivor_id, int64_t after, int limit, void (*each)(void *ctx, const struct store_item *it), void *ctx, bool *more);
wm_err sqlite_item_version(struct sqlite_store *st, const struct kind *k, const struct store_item *current, int version, json_t **body);
wm_err sqlite_item_range(struct sqlite_store *st, const struct kind *k, const struct store_item_range *r, int64_t offset, int limit, void (*each)(void *ctx, const struct store_item *it), void *ctx, bool *more);
wm_err sqlite_share_create(struct sqlite_store *st, const struct store_share *sh, const struct store_audit *audit);
wm_err sqlite_share_list(struct sqlite_store *st, const char *org_id, int reviewed, int64_t before, int limit, void (*each)(void *ctx, const struct store_share *sh), void *ctx, bool *more);
wm_err sqlite_share_get(struct sqlite_store *st, const char *org_id, const char *id, struct store_share *out);
wm_err sqlite_share_review(struct sqlite_store *st, const char *org_id, const char *id, int expected, int64_t at, const char *by, struct store_share *out);
wm_err sqlite_survivor_erase(struct sqlite_store *st, const char *survivor_id, int64_t at, const char *ran_by, const char *reason);
wm_err sqlite_caseload(struct sqlite_store *st, const struct store_survivor_filter *f, const struct kind *const *kinds, size_t nkinds, store_known_fn known, void (*each)(void *ctx, const struct store_case *c), void *ctx);
wm_err sqlite_org_days(struct sqlite_store *st, const char *org_id, int **days, size_t *n);
wm_err sqlite_org_days_set(struct sqlite_store *st, const char *org_id, const int *days, size_t n, const char *by, int64_t at);
wm_err sqlite_report_outcomes(struct sqlite_store *st, bool all_orgs, const char *org_id, const struct report_span *period, struct report_raw *out, const struct report_span *months, size_t nmonths, struct report_raw *month_out);
wm_err sqlite_bulk_begin(struct sqlite_store *st);
wm_err sqlite_bulk_commit(struct sqlite_store *st, bool more);
wm_err sqlite_batch_begin(struct sqlite_store *st);
wm_err sqlite_batch_end(struct sqlite_store *st, bool commit, bool more);
/* ---- sqlite_maint.c, sqlite_backup.c ---- */
wm_err sqlite_check(struct sqlite_store *st, void (*say)(void *ctx, bool ok, const char *line), void *ctx);
wm_err sqlite_backup(struct sqlite_store *st, const char *to, char *msg, size_t cap);
wm_err sqlite_restore(const char *from, const char *to, char *msg, size_t cap);
wm_err sqlite_reseal(struct sqlite_store *st, void (*tell)(void *ctx, const char *line), void *ctx);
wm_err sqlite_key_use(struct sqlite_store *st, int key_id, long *count);
/* ---- sqlite_mfa.c ---- */
wm_err sqlite_two_factor_get(struct sqlite_store *st, const char *user_id, struct store_two_factor *out);
wm_err sqlite_two_factor_state(struct sqlite_store *st, const char *user_id, const char *org_id, bool *required, bool *enrolled);
wm_err sqlite_two_factor_begin(struct sqlite_store *st, const char *user_id, const unsigned char *secret, size_t len, int64_t now);
wm_err sqlite_two_factor_confirm(struct sqlite_store *st, const char *user_id, int64_t step, const unsigned char (*hashes)[KEYRING_BLIND_LEN], size_t n, int64_t now, const struct store_account_event *ev);
wm_err sqlite_two_factor_use_step(struct sqlite_store *st, const char *user_id, int64_t step);
wm_err sqlite_two_factor_use_recovery(struct sqlite_store *st, const char *user_id, const unsigned char hash[KEYRING_BLIND_LEN], int64_t now);
wm_err sqlite_two_factor_remove(struct sqlite_store *st, const char *user_id, bool revoke_sessions, const struct store_account_event *ev);
wm_err sqlite_org_set_two_factor(struct sqlite_store *st, const char *org_id, int expected, bool required, int64_t now, const char *updated_at, const struct store_account_event *ev);
/* ---- sqlite_import.c ---- */
wm_err sqlite_import_ref_find(struct sqlite_store *st, const char *org_id, const unsigned char *hash, size_t len, char survivor_id[STORE_ID_LEN]);
wm_err sqlite_import_ref_put(struct sqlite_store *st, const char *org_id, const unsigned char *hash, size_t len, const char *survivor_id);

/* ---- sqlite_cal.c ---- */
wm_err sqlite_calendar_feed_set(struct sqlite_store *st, const char *user_id, const char *org_id, const unsigned char *digest, size_t len, int64_t created_at, const struct store_account_event *ev);
wm_err sqlite_calendar_feed_get(struct sqlite_store *st, const char *user_id, int64_t *created_at);
wm_err sqlite_calendar_feed_delete(struct sqlite_store *st, const char *user_id, const struct store_account_event *ev);
wm_err sqlite_calendar_feed_owner(struct sqlite_store *st, const unsigned char *digest, size_t len, struct store_user *out);
wm_err sqlite_org_documents_get(struct sqlite_store *st, const char *org_id, struct store_org_documents *out);
wm_err sqlite_org_documents_set(struct sqlite_store *st, const char *org_id, const struct store_org_documents *in, int64_t now, const struct store_account_event *ev);

/* ---- the PostgreSQL backend (pg.c, pg_report.c) ---- */
void pg_close(struct pg_store *st);
int pg_schema_version(struct pg_store *st);
wm_err pg_ping(struct pg_store *st);
wm_err pg_org_create(struct pg_store *st, const struct store_org *org, const struct store_account_event *ev);
wm_err pg_org_get(struct pg_store *st, const char *id, struct store_org *out);
wm_err pg_org_list(struct pg_store *st, int64_t after, int limit, void (*each)(void *ctx, const struct store_org *org), void *ctx, bool *more);
wm_err pg_user_create(struct pg_store *st, const struct store_user *user, const struct store_account_event *ev);
wm_err pg_user_get(struct pg_store *st, const char *id, struct store_user *out);
wm_err pg_user_by_name(struct pg_store *st, const char *username, struct store_user *out);
wm_err pg_user_update(struct pg_store *st, const struct store_user *user, int expected, bool revoke_sessions, const struct store_account_event *ev);
wm_err pg_user_list(struct pg_store *st, int64_t after, int limit, void (*each)(void *ctx, const struct store_user *user), void *ctx, bool *more);
wm_err pg_session_create(struct pg_store *st, const unsigned char *digest, size_t len, const char *user_id, int user_version, int64_t now, int64_t expires_at);
wm_err pg_session_user(struct pg_store *st, const unsigned char *digest, size_t len, int64_t now, struct store_user *out, int64_t *expires_at);
wm_err pg_session_delete(struct pg_store *st, const unsigned char *digest, size_t len);
wm_err pg_user_password(struct pg_store *st, const char *user_id, char hash[STORE_HASH_LEN]);
wm_err pg_user_set_password(struct pg_store *st, const char *user_id, int expected, const char *hash, const char *updated_at, const unsigned char *keep_digest, size_t len, const struct store_account_event *ev);
wm_err pg_account_events_of_org(struct pg_store *st, const char *org_id, int64_t before, int limit, void (*each)(void *ctx, const struct store_account_event *ev), void *ctx, bool *more);
wm_err pg_login_begin(struct pg_store *st, const char *username, int64_t now, const struct store_lockout *rule, int64_t *until);
wm_err pg_login_failed(struct pg_store *st, const char *username, int64_t now, const struct store_lockout *rule);
wm_err pg_login_succeeded(struct pg_store *st, const char *username);
wm_err pg_survivor_create(struct pg_store *st, const struct store_survivor *s, const struct store_audit *audit);
wm_err pg_survivor_get(struct pg_store *st, const char *id, const struct store_survivor_filter *vis, struct store_survivor *out);
wm_err pg_survivor_org(struct pg_store *st, const char *id, char org_id[STORE_ID_LEN]);
wm_err pg_survivor_version(struct pg_store *st, const struct store_survivor *current, int version, json_t **body);
wm_err pg_survivor_update(struct pg_store *st, struct store_survivor *s, int expected, const struct store_audit *audit);
wm_err pg_survivor_list(struct pg_store *st, const struct store_survivor_filter *f, int64_t after, int limit, void (*each)(void *ctx, const struct store_survivor *s), void *ctx, bool *more);
wm_err pg_audit_append_async(struct pg_store *st, const struct store_audit *entries, size_t n, void (*done)(void *ctx, wm_err result), void *ctx);
void pg_audit_drain(struct pg_store *st);
wm_err pg_access_log(struct pg_store *st, const char *survivor_id, int64_t before, int limit, void (*each)(void *ctx, const struct store_audit *a), void *ctx, bool *more);
void pg_set_bulk_threshold(struct pg_store *st, int threshold);
wm_err pg_bulk_access_list(struct pg_store *st, const char *org_id, int64_t before, int limit, void (*each)(void *ctx, const struct store_bulk_access *b), void *ctx, bool *more);
wm_err pg_item_create(struct pg_store *st, const struct kind *k, const struct store_item *it, const struct store_audit *audit);
wm_err pg_item_get(struct pg_store *st, const struct kind *k, const char *org_id, const char *survivor_id, const char *item_id, struct store_item *out);
wm_err pg_item_replace(struct pg_store *st, const struct kind *k, struct store_item *it, int expected, const struct store_audit *audit);
wm_err pg_item_list(struct pg_store *st, const struct kind *k, const char *org_id, const char *survivor_id, int64_t after, int limit, void (*each)(void *ctx, const struct store_item *it), void *ctx, bool *more);
wm_err pg_item_version(struct pg_store *st, const struct kind *k, const struct store_item *current, int version, json_t **body);
wm_err pg_item_range(struct pg_store *st, const struct kind *k, const struct store_item_range *r, int64_t offset, int limit, void (*each)(void *ctx, const struct store_item *it), void *ctx, bool *more);
wm_err pg_share_create(struct pg_store *st, const struct store_share *sh, const struct store_audit *audit);
wm_err pg_share_list(struct pg_store *st, const char *org_id, int reviewed, int64_t before, int limit, void (*each)(void *ctx, const struct store_share *sh), void *ctx, bool *more);
wm_err pg_share_get(struct pg_store *st, const char *org_id, const char *id, struct store_share *out);
wm_err pg_share_review(struct pg_store *st, const char *org_id, const char *id, int expected, int64_t at, const char *by, struct store_share *out);
wm_err pg_survivor_erase(struct pg_store *st, const char *survivor_id, int64_t at, const char *ran_by, const char *reason);
wm_err pg_caseload(struct pg_store *st, const struct store_survivor_filter *f, const struct kind *const *kinds, size_t nkinds, store_known_fn known, void (*each)(void *ctx, const struct store_case *c), void *ctx);
wm_err pg_org_days(struct pg_store *st, const char *org_id, int **days, size_t *n);
wm_err pg_org_days_set(struct pg_store *st, const char *org_id, const int *days, size_t n, const char *by, int64_t at);
wm_err pg_report_outcomes(struct pg_store *st, bool all_orgs, const char *org_id, const struct report_span *period, struct report_raw *out, const struct report_span *months, size_t nmonths, struct report_raw *month_out);
wm_err pg_bulk_begin(struct pg_store *st);
wm_err pg_bulk_commit(struct pg_store *st, bool more);
wm_err pg_batch_begin(struct pg_store *st);
wm_err pg_batch_end(struct pg_store *st, bool commit, bool more);
wm_err pg_check(struct pg_store *st, void (*say)(void *ctx, bool ok, const char *line), void *ctx);
wm_err pg_backup(struct pg_store *st, const char *to, char *msg, size_t cap);
wm_err pg_restore(const char *from, const char *to, char *msg, size_t cap);
wm_err pg_reseal(struct pg_store *st, void (*tell)(void *ctx, const char *line), void *ctx);
wm_err pg_key_use(struct pg_store *st, int key_id, long *count);
/* ---- pg_mfa.c ---- */
wm_err pg_two_factor_get(struct pg_store *st, const char *user_id, struct store_two_factor *out);
wm_err pg_two_factor_state(struct pg_store *st, const char *user_id, const char *org_id, bool *required, bool *enrolled);
wm_err pg_two_factor_begin(struct pg_store *st, const char *user_id, const unsigned char *secret, size_t len, int64_t now);
wm_err pg_two_factor_confirm(struct pg_store *st, const char *user_id, int64_t step, const unsigned char (*hashes)[KEYRING_BLIND_LEN], size_t n, int64_t now, const struct store_account_event *ev);
wm_err pg_two_factor_use_step(struct pg_store *st, const char *user_id, int64_t step);
wm_err pg_two_factor_use_recovery(struct pg_store *st, const char *user_id, const unsigned char hash[KEYRING_BLIND_LEN], int64_t now);
wm_err pg_two_factor_remove(struct pg_store *st, const char *user_id, bool revoke_sessions, const struct store_account_event *ev);
wm_err pg_org_set_two_factor(struct pg_store *st, const char *org_id, int expected, bool required, int64_t now, const char *updated_at, const struct store_account_event *ev);
/* ---- pg_import.c ---- */
wm_err pg_import_ref_find(struct pg_store *st, const char *org_id, const unsigned char *hash, size_t len, char survivor_id[STORE_ID_LEN]);
wm_err pg_import_ref_put(struct pg_store *st, const char *org_id, const unsigned char *hash, size_t len, const char *survivor_id);

/* ---- pg_cal.c ---- */
wm_err pg_calendar_feed_set(struct pg_store *st, const char *user_id, const char *org_id, const unsigned char *digest, size_t len, int64_t created_at, const struct store_account_event *ev);
wm_err pg_calendar_feed_get(struct pg_store *st, const char *user_id, int64_t *created_at);
wm_err pg_calendar_feed_delete(struct pg_store *st, const char *user_id, const struct store_account_event *ev);
wm_err pg_calendar_feed_owner(struct pg_store *st, const unsigned char *digest, size_t len, struct store_user *out);
wm_err pg_org_documents_get(struct pg_store *st, const char *org_id, struct store_org_documents *out);
wm_err pg_org_documents_set(struct pg_store *st, const char *org_id, const struct store_org_documents *in, int64_t now, const struct store_account_event *ev);
/* clang-format on */

#endif
