/*
 * sqlite_mfa.c - two-factor sign-in's storage on SQLite (store.h's
 * "two-factor sign-in" section; migration 019).
 *
 * Each function is one or two plain statements, prepared per call (they
 * run at sign-in, enrolment and administration, not per record), so that
 * the PostgreSQL backend can carry them over as they are. The one read
 * made on every request, sqlite_two_factor_state, is a pair of primary-key
 * lookups. Secrets are sealed here with the store's keyring, bound to
 * their account ("two_factor:" and the user's id), and every plain copy
 * is wiped.
 */
#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "sqlite.h"
#include "store.h"

static void secret_ad(const char *user_id, char ad[64])
{
	snprintf(ad, 64, "two_factor:%.40s", user_id);
}

wm_err sqlite_two_factor_get(struct sqlite_store *st, const char *user_id,
			     struct store_two_factor *out)
{
	memset(out, 0, sizeof *out);
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	sqlite3_stmt *s = sqlite_prepare(
	    db, "SELECT key_id, secret, confirmed_at IS NOT NULL, last_step, "
		"(SELECT count(*) FROM two_factor_recovery r WHERE r.user_id = t.user_id "
		"AND r.used_at IS NULL) FROM two_factor t WHERE t.user_id = ?1");
	wm_err e = WM_ERR_IO;
	if (s) {
		sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			int key_id = sqlite3_column_int(s, 0);
			const unsigned char *sealed = sqlite3_column_blob(s, 1);
			size_t len = (size_t)sqlite3_column_bytes(s, 1);
			char ad[64];
			secret_ad(user_id, ad);
			e = WM_ERR_CRYPTO;
			if (sealed && len > KEYRING_OVERHEAD &&
			    len - KEYRING_OVERHEAD <= sizeof out->secret &&
			    keyring_open(sqlite_keys(st), key_id, sealed, len, ad, out->secret) ==
				WM_OK) {
				out->secret_len = len - KEYRING_OVERHEAD;
				out->confirmed = sqlite3_column_int(s, 2) != 0;
				out->last_step = sqlite3_column_int64(s, 3);
				out->recovery_left = sqlite3_column_int(s, 4);
				e = WM_OK;
			}
		} else {
			e = rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : WM_ERR_IO;
		}
		sqlite3_finalize(s);
	}
	sqlite_release(st, c);
	return e;
}

static const char TWO_FACTOR_STATE[] =
    "SELECT EXISTS (SELECT 1 FROM org_two_factor WHERE org_id = ?2), "
    "EXISTS (SELECT 1 FROM two_factor WHERE user_id = ?1 AND confirmed_at IS NOT NULL)";

wm_err sqlite_two_factor_state(struct sqlite_store *st, const char *user_id, const char *org_id,
			       bool *required, bool *enrolled)
{
	*required = *enrolled = false;
	const char *org = org_id ? org_id : "";
	uint64_t generation;
	if (user_id && sqlite_two_factor_kept(st, user_id, org, required, enrolled, &generation))
		return WM_OK;
	struct conn *c;
	(void)sqlite_acquire(st, &c);
	sqlite3_stmt *s = sqlite_cached(c, TWO_FACTOR_STATE);
	wm_err e = WM_ERR_IO;
	if (s) {
		sqlite3_bind_text(s, 1, user_id ? user_id : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, org_id ? org_id : "", -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			*required = org_id && org_id[0] && sqlite3_column_int(s, 0) != 0;
			*enrolled = sqlite3_column_int(s, 1) != 0;
			e = WM_OK;
		}
		sqlite_cached_done(s);
	}
	sqlite_release(st, c);
	if (e == WM_OK && user_id)
		sqlite_two_factor_keep(st, user_id, org, *required, *enrolled, generation);
	return e;
}

/* Runs one write of user_id in its own transaction, its parameters bound
 * by position - ?1 user_id, ?2 a, ?3 the blob (len bytes), ?4 b - as far
 * as the statement has them; `none` when it changes no row. */
static wm_err write_one(struct sqlite_store *st, const char *sql, const char *user_id, int64_t a,
			const void *blob, size_t len, int64_t b, wm_err none)
{
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	wm_err e = sqlite_begin(c);
	int changed = 0;
	if (e == WM_OK) {
		sqlite3_stmt *s = sqlite_prepare(db, sql);
		int n = s ? sqlite3_bind_parameter_count(s) : 0;
		if (n >= 1)
			sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
		if (n >= 2)
			sqlite3_bind_int64(s, 2, a);
		if (n >= 3)
			sqlite3_bind_blob(s, 3, blob, (int)len, SQLITE_STATIC);
		if (n >= 4)
			sqlite3_bind_int64(s, 4, b);
		e = sqlite_run(db, s, &changed);
		if (e == WM_OK && changed == 0)
			e = none;
	}
	e = sqlite_finish(c, e);
	sqlite_release(st, c);
	return e;
}

wm_err sqlite_two_factor_begin(struct sqlite_store *st, const char *user_id,
			       const unsigned char *secret, size_t len, int64_t now)
{
	if (len == 0 || len > STORE_TOTP_SECRET_MAX)
		return WM_ERR_INVALID;
	unsigned char sealed[STORE_TOTP_SECRET_MAX + KEYRING_OVERHEAD];
	char ad[64];
	secret_ad(user_id, ad);
	int key_id;
	wm_err e = keyring_seal(sqlite_keys(st), secret, len, ad, sealed, &key_id);
	if (e != WM_OK)
		return e;
	/* A confirmed enrolment is never replaced here: it is removed first
	 * (by its owner with a code, or an administrator). */
	return write_one(st,
			 "INSERT INTO two_factor(user_id, key_id, secret, created_at) "
			 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(user_id) DO UPDATE SET "
			 "key_id = excluded.key_id, secret = excluded.secret, "
			 "created_at = excluded.created_at, last_step = 0 "
			 "WHERE two_factor.confirmed_at IS NULL",
			 user_id, key_id, sealed, len + KEYRING_OVERHEAD, now, WM_ERR_CONFLICT);
}

wm_err sqlite_two_factor_confirm(struct sqlite_store *st, const char *user_id, int64_t step,
				 const unsigned char (*hashes)[KEYRING_BLIND_LEN], size_t n,
				 int64_t now, const struct store_account_event *ev)
{
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	wm_err e = sqlite_begin(c);
	int changed = 0;
	if (e == WM_OK) {
		sqlite3_stmt *s =
		    sqlite_prepare(db, "UPDATE two_factor SET confirmed_at = ?2, last_step = ?3 "
				       "WHERE user_id = ?1 AND confirmed_at IS NULL "
				       "AND last_step < ?3");
		if (s) {
			sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, now);
			sqlite3_bind_int64(s, 3, step);
		}
		e = sqlite_run(db, s, &changed);
		if (e == WM_OK && changed == 0)
			e = WM_ERR_CONFLICT;
	}
	if (e == WM_OK) {
		sqlite3_stmt *s =
		    sqlite_prepare(db, "DELETE FROM two_factor_recovery WHERE user_id = ?1");
		if (s)
			sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
		e = sqlite_run(db, s, NULL);
	}
	for (size_t i = 0; e == WM_OK && i < n; i++) {
		sqlite3_stmt *s = sqlite_prepare(
		    db, "INSERT INTO two_factor_recovery(user_id, code_hash) VALUES (?1, ?2)");
		if (s) {
			sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
			sqlite3_bind_blob(s, 2, hashes[i], KEYRING_BLIND_LEN, SQLITE_STATIC);
		}
		e = sqlite_run(db, s, NULL);
	}
	if (e == WM_OK)
		e = sqlite_account_event(c, ev);
	e = sqlite_finish(c, e);
	sqlite_sessions_changed(st); /* forgets the two-factor state kept with them */
	sqlite_release(st, c);
	return e;
}

wm_err sqlite_two_factor_use_step(struct sqlite_store *st, const char *user_id, int64_t step)
{
	/* One statement decides: of two requests with the same code, only the
	 * first moves last_step past it. */
	return write_one(st,
			 "UPDATE two_factor SET last_step = ?2 WHERE user_id = ?1 "
			 "AND confirmed_at IS NOT NULL AND last_step < ?2",
			 user_id, step, NULL, 0, 0, WM_ERR_CONFLICT);
}

wm_err sqlite_two_factor_use_recovery(struct sqlite_store *st, const char *user_id,
				      const unsigned char hash[KEYRING_BLIND_LEN], int64_t now)
{
	return write_one(st,
			 "UPDATE two_factor_recovery SET used_at = ?2 "
			 "WHERE user_id = ?1 AND code_hash = ?3 AND used_at IS NULL",
			 user_id, now, hash, KEYRING_BLIND_LEN, 0, WM_ERR_NOT_FOUND);
}

wm_err sqlite_two_factor_remove(struct sqlite_store *st, const char *user_id, bool revoke_sessions,
				const struct store_account_event *ev)
{
	static const char *const steps[] = {
	    "DELETE FROM two_factor_recovery WHERE user_id = ?1",
	    "DELETE FROM two_factor WHERE user_id = ?1",
	    "DELETE FROM sessions WHERE user_id = ?1",
	};
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	wm_err e = sqlite_begin(c);
	size_t nsteps = revoke_sessions ? 3 : 2;
	for (size_t i = 0; e == WM_OK && i < nsteps; i++) {
		sqlite3_stmt *s = sqlite_prepare(db, steps[i]);
		if (s)
			sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
		e = sqlite_run(db, s, NULL);
	}
	if (e == WM_OK)
		e = sqlite_account_event(c, ev);
	e = sqlite_finish(c, e);
	sqlite_sessions_changed(st); /* the sessions ended, and the two-factor state */
	sqlite_release(st, c);
	return e;
}

wm_err sqlite_org_set_two_factor(struct sqlite_store *st, const char *org_id, int expected,
				 bool required, int64_t now, const char *updated_at,
				 const struct store_account_event *ev)
{
	struct conn *c;
	sqlite3 *db = sqlite_acquire(st, &c);
	wm_err e = sqlite_begin(c);
	int changed = 0;
	if (e == WM_OK) {
		sqlite3_stmt *s =
		    sqlite_prepare(db, "UPDATE orgs SET version = version + 1, updated_at = ?3 "
				       "WHERE id = ?1 AND version = ?2");
		if (s) {
			sqlite3_bind_text(s, 1, org_id, -1, SQLITE_STATIC);
			sqlite3_bind_int(s, 2, expected);
			sqlite3_bind_text(s, 3, updated_at, -1, SQLITE_STATIC);
		}
		e = sqlite_run(db, s, &changed);
		if (e == WM_OK && changed == 0)
			e = WM_ERR_CONFLICT;
	}
	if (e == WM_OK) {
		sqlite3_stmt *s = sqlite_prepare(
		    db, required ? "INSERT INTO org_two_factor(org_id, required_since) "
				   "VALUES (?1, ?2) ON CONFLICT(org_id) DO NOTHING"
				 : "DELETE FROM org_two_factor WHERE org_id = ?1 AND ?2 = ?2");
		if (s) {
			sqlite3_bind_text(s, 1, org_id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, now);
		}
		e = sqlite_run(db, s, NULL);
	}
	if (e == WM_OK)
		e = sqlite_account_event(c, ev);
	e = sqlite_finish(c, e);
	sqlite_sessions_changed(st); /* forgets the two-factor state kept with them */
	sqlite_release(st, c);
	return e;
}
