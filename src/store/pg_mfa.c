/*
 * pg_mfa.c - two-factor sign-in's storage on PostgreSQL (store.h's
 * "two-factor sign-in" section; migration 019), sqlite_mfa.c statement
 * for statement.
 *
 * As pg.c does: each statement is prepared on the server once per
 * connection and kept with it (pg_stmt, slots PG_SLOT_MFA onwards); every
 * write runs in one transaction under the writers' lock (pg_begin), so a
 * step or a recovery code is spent once however many servers race for it,
 * and the organisation's requirement follows its optimistic version. The
 * secret is sealed bytea with the same associated data as on SQLite
 * ("two_factor:" and the user's id), so a sealed value means the same on
 * both; every plain copy is wiped by its owner.
 */
#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "pg.h"
#include "store.h"

/* The statements' slots and texts (PostgreSQL's dialect where SQLite's
 * differs: a condition read as an integer, no unused parameter). */
enum {
	M_GET = PG_SLOT_MFA,
	M_STATE,
	M_BEGIN,
	M_CONFIRM,
	M_RECOVERY_CLEAR,
	M_RECOVERY_ADD,
	M_USE_STEP,
	M_USE_RECOVERY,
	M_REMOVE_RECOVERY,
	M_REMOVE,
	M_REMOVE_SESSIONS,
	M_ORG_VERSION,
	M_ORG_REQUIRE,
	M_ORG_RELEASE,
	M_END
};

static const char *const sql_text[] = {
    [M_GET] = "SELECT key_id, secret, (confirmed_at IS NOT NULL)::int, last_step, "
	      "(SELECT count(*) FROM two_factor_recovery r WHERE r.user_id = t.user_id "
	      "AND r.used_at IS NULL) FROM two_factor t WHERE t.user_id = ?1",
    [M_STATE] =
	"SELECT (EXISTS (SELECT 1 FROM org_two_factor WHERE org_id = ?2))::int, "
	"(EXISTS (SELECT 1 FROM two_factor WHERE user_id = ?1 AND confirmed_at IS NOT NULL))::int",
    /* A confirmed enrolment is never replaced here: it is removed first (by
     * its owner with a code, or an administrator). */
    [M_BEGIN] = "INSERT INTO two_factor(user_id, key_id, secret, created_at) "
		"VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id) DO UPDATE SET "
		"key_id = excluded.key_id, secret = excluded.secret, "
		"created_at = excluded.created_at, last_step = 0 "
		"WHERE two_factor.confirmed_at IS NULL",
    [M_CONFIRM] = "UPDATE two_factor SET confirmed_at = ?2, last_step = ?3 "
		  "WHERE user_id = ?1 AND confirmed_at IS NULL AND last_step < ?3",
    [M_RECOVERY_CLEAR] = "DELETE FROM two_factor_recovery WHERE user_id = ?1",
    [M_RECOVERY_ADD] = "INSERT INTO two_factor_recovery(user_id, code_hash) VALUES (?1, ?2)",
    /* One statement decides: of two requests with the same code, only the
     * first moves last_step past it. */
    [M_USE_STEP] = "UPDATE two_factor SET last_step = ?2 WHERE user_id = ?1 "
		   "AND confirmed_at IS NOT NULL AND last_step < ?2",
    [M_USE_RECOVERY] = "UPDATE two_factor_recovery SET used_at = ?2 "
		       "WHERE user_id = ?1 AND code_hash = ?3 AND used_at IS NULL",
    [M_REMOVE_RECOVERY] = "DELETE FROM two_factor_recovery WHERE user_id = ?1",
    [M_REMOVE] = "DELETE FROM two_factor WHERE user_id = ?1",
    [M_REMOVE_SESSIONS] = "DELETE FROM sessions WHERE user_id = ?1",
    [M_ORG_VERSION] = "UPDATE orgs SET version = version + 1, updated_at = ?3 "
		      "WHERE id = ?1 AND version = ?2",
    [M_ORG_REQUIRE] = "INSERT INTO org_two_factor(org_id, required_since) "
		      "VALUES (?1, ?2) ON CONFLICT (org_id) DO NOTHING",
    [M_ORG_RELEASE] = "DELETE FROM org_two_factor WHERE org_id = ?1",
};

_Static_assert(M_END <= PG_SLOT_MFA + 16 && M_END <= PG_OTHER_STMTS,
	       "pg_mfa.c's statements fit their slots");

static pq_stmt *stmt(struct conn *c, int q)
{
	return pg_stmt(c, q, sql_text[q]);
}

static void secret_ad(const char *user_id, char ad[64])
{
	snprintf(ad, 64, "two_factor:%.40s", user_id);
}

wm_err pg_two_factor_get(struct pg_store *st, const char *user_id, struct store_two_factor *out)
{
	memset(out, 0, sizeof *out);
	struct conn *c;
	pg_acquire(st, &c);
	pq_stmt *s = stmt(c, M_GET);
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_text(s, 1, user_id, -1, PQ_STATIC);
		int rc = pq_step(s);
		if (rc == PQ_ROW) {
			int key_id = pq_column_int(s, 0);
			const unsigned char *sealed = pq_column_blob(s, 1);
			size_t len = (size_t)pq_column_bytes(s, 1);
			char ad[64];
			secret_ad(user_id, ad);
			e = WM_ERR_CRYPTO;
			if (sealed && len > KEYRING_OVERHEAD &&
			    len - KEYRING_OVERHEAD <= sizeof out->secret &&
			    keyring_open(pg_keys(st), key_id, sealed, len, ad, out->secret) ==
				WM_OK) {
				out->secret_len = len - KEYRING_OVERHEAD;
				out->confirmed = pq_column_int(s, 2) != 0;
				out->last_step = pq_column_int64(s, 3);
				out->recovery_left = pq_column_int(s, 4);
				e = WM_OK;
			}
		} else {
			e = rc == PQ_DONE ? WM_ERR_NOT_FOUND : WM_ERR_IO;
		}
		pg_done(s);
	}
	pg_release(st, c);
	return e;
}

wm_err pg_two_factor_state(struct pg_store *st, const char *user_id, const char *org_id,
			   bool *required, bool *enrolled)
{
	*required = *enrolled = false;
	struct conn *c;
	pg_acquire(st, &c);
	pq_stmt *s = stmt(c, M_STATE);
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_text(s, 1, user_id ? user_id : "", -1, PQ_STATIC);
		pq_bind_text(s, 2, org_id ? org_id : "", -1, PQ_STATIC);
		if (pq_step(s) == PQ_ROW) {
			*required = org_id && org_id[0] && pq_column_int(s, 0) != 0;
			*enrolled = pq_column_int(s, 1) != 0;
			e = WM_OK;
		}
		pg_done(s);
	}
	pg_release(st, c);
	return e;
}

/* Runs statement q of user_id in its own transaction, its parameters bound
 * by position - ?1 user_id, ?2 a, ?3 the blob (len bytes, when given), ?4
 * b - as far as the statement has them; `none` when it changes no row. */
static wm_err write_one(struct pg_store *st, int q, const char *user_id, int64_t a,
			const void *blob, size_t len, int64_t b, wm_err none)
{
	struct conn *c;
	pg_acquire(st, &c);
	wm_err e = pg_begin(c);
	long changed = 0;
	if (e == WM_OK) {
		pq_stmt *s = stmt(c, q);
		int n = s ? pq_bind_parameter_count(s) : 0;
		if (n >= 1)
			pq_bind_text(s, 1, user_id, -1, PQ_STATIC);
		if (n >= 2)
			pq_bind_int64(s, 2, a);
		if (n >= 3)
			pq_bind_blob(s, 3, blob, (int)len, PQ_STATIC);
		if (n >= 4)
			pq_bind_int64(s, 4, b);
		e = pg_exec(c, s, &changed);
		if (e == WM_OK && changed == 0)
			e = none;
	}
	e = pg_finish(c, e);
	pg_release(st, c);
	return e;
}

wm_err pg_two_factor_begin(struct pg_store *st, const char *user_id, const unsigned char *secret,
			   size_t len, int64_t now)
{
	if (len == 0 || len > STORE_TOTP_SECRET_MAX)
		return WM_ERR_INVALID;
	unsigned char sealed[STORE_TOTP_SECRET_MAX + KEYRING_OVERHEAD];
	char ad[64];
	secret_ad(user_id, ad);
	int key_id;
	wm_err e = keyring_seal(pg_keys(st), secret, len, ad, sealed, &key_id);
	if (e != WM_OK)
		return e;
	return write_one(st, M_BEGIN, user_id, key_id, sealed, len + KEYRING_OVERHEAD, now,
			 WM_ERR_CONFLICT);
}

/* Runs statement q binding only ?1 user_id. */
static wm_err exec_user(struct conn *c, int q, const char *user_id)
{
	pq_stmt *s = stmt(c, q);
	if (s)
		pq_bind_text(s, 1, user_id, -1, PQ_STATIC);
	return pg_exec(c, s, NULL);
}

wm_err pg_two_factor_confirm(struct pg_store *st, const char *user_id, int64_t step,
			     const unsigned char (*hashes)[KEYRING_BLIND_LEN], size_t n,
			     int64_t now, const struct store_account_event *ev)
{
	struct conn *c;
	pg_acquire(st, &c);
	wm_err e = pg_begin(c);
	long changed = 0;
	if (e == WM_OK) {
		pq_stmt *s = stmt(c, M_CONFIRM);
		if (s) {
			pq_bind_text(s, 1, user_id, -1, PQ_STATIC);
			pq_bind_int64(s, 2, now);
			pq_bind_int64(s, 3, step);
		}
		e = pg_exec(c, s, &changed);
		if (e == WM_OK && changed == 0)
			e = WM_ERR_CONFLICT;
	}
	if (e == WM_OK)
		e = exec_user(c, M_RECOVERY_CLEAR, user_id);
	for (size_t i = 0; e == WM_OK && i < n; i++) {
		pq_stmt *s = stmt(c, M_RECOVERY_ADD);
		if (s) {
			pq_bind_text(s, 1, user_id, -1, PQ_STATIC);
			pq_bind_blob(s, 2, hashes[i], KEYRING_BLIND_LEN, PQ_STATIC);
		}
		e = pg_exec(c, s, NULL);
	}
	if (e == WM_OK)
		e = pg_account_event(c, ev);
	e = pg_finish(c, e);
	pg_release(st, c);
	return e;
}

wm_err pg_two_factor_use_step(struct pg_store *st, const char *user_id, int64_t step)
{
	return write_one(st, M_USE_STEP, user_id, step, NULL, 0, 0, WM_ERR_CONFLICT);
}

wm_err pg_two_factor_use_recovery(struct pg_store *st, const char *user_id,
				  const unsigned char hash[KEYRING_BLIND_LEN], int64_t now)
{
	return write_one(st, M_USE_RECOVERY, user_id, now, hash, KEYRING_BLIND_LEN, 0,
			 WM_ERR_NOT_FOUND);
}

wm_err pg_two_factor_remove(struct pg_store *st, const char *user_id, bool revoke_sessions,
			    const struct store_account_event *ev)
{
	/* No session cache to empty: this backend asks the database on every
	 * request, so ended sessions end on every server at once. */
	static const int steps[] = {M_REMOVE_RECOVERY, M_REMOVE, M_REMOVE_SESSIONS};
	struct conn *c;
	pg_acquire(st, &c);
	wm_err e = pg_begin(c);
	size_t nsteps = revoke_sessions ? 3 : 2;
	for (size_t i = 0; e == WM_OK && i < nsteps; i++)
		e = exec_user(c, steps[i], user_id);
	if (e == WM_OK)
		e = pg_account_event(c, ev);
	e = pg_finish(c, e);
	pg_release(st, c);
	return e;
}

wm_err pg_org_set_two_factor(struct pg_store *st, const char *org_id, int expected, bool required,
			     int64_t now, const char *updated_at,
			     const struct store_account_event *ev)
{
	struct conn *c;
	pg_acquire(st, &c);
	wm_err e = pg_begin(c);
	long changed = 0;
	if (e == WM_OK) {
		pq_stmt *s = stmt(c, M_ORG_VERSION);
		if (s) {
			pq_bind_text(s, 1, org_id, -1, PQ_STATIC);
			pq_bind_int(s, 2, expected);
			pq_bind_text(s, 3, updated_at, -1, PQ_STATIC);
		}
		e = pg_exec(c, s, &changed);
		if (e == WM_OK && changed == 0)
			e = WM_ERR_CONFLICT;
	}
	if (e == WM_OK) {
		pq_stmt *s = stmt(c, required ? M_ORG_REQUIRE : M_ORG_RELEASE);
		if (s) {
			pq_bind_text(s, 1, org_id, -1, PQ_STATIC);
			if (required)
				pq_bind_int64(s, 2, now);
		}
		e = pg_exec(c, s, NULL);
	}
	if (e == WM_OK)
		e = pg_account_event(c, ev);
	e = pg_finish(c, e);
	pg_release(st, c);
	return e;
}
