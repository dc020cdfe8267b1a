/*
 * store.c - store.h's entry points: each hands its call to the backend the
 * store was opened with (backend.h says how, and how to add one).
 */
#define _POSIX_C_SOURCE 200809L
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "backend.h"

#define DISPATCH(fn, ...)                                                                          \
	(st->pg ? pg_##fn(st->pg, __VA_ARGS__) : sqlite_##fn(st->sqlite, __VA_ARGS__))
#define DISPATCH0(fn) (st->pg ? pg_##fn(st->pg) : sqlite_##fn(st->sqlite))

static bool url_is_pg(const char *url)
{
	return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

wm_err store_open(const char *url, const struct keyring *keys, enum store_mode mode, int pool_size,
		  struct store **out, char *msg, size_t msgcap)
{
	*out = NULL;
	struct store *st = calloc(1, sizeof *st);
	if (!st)
		return WM_ERR_NOMEM;
	wm_err e = url_is_pg(url)
		       ? pg_open(url, keys, mode, pool_size, &st->pg, msg, msgcap)
		       : sqlite_open(url, keys, mode, pool_size, &st->sqlite, msg, msgcap);
	if (e != WM_OK) {
		free(st);
		return e;
	}
	*out = st;
	return WM_OK;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	DISPATCH0(close);
	free(st);
}

int store_schema_latest(void)
{
	return sqlite_schema_latest();
}

void store_survivor_clear(struct store_survivor *s)
{
	json_decref(s->body);
	s->body = NULL;
}

void store_item_clear(struct store_item *it)
{
	json_decref(it->body);
	it->body = NULL;
}

void store_share_clear(struct store_share *sh)
{
	json_decref(sh->reason);
	sh->reason = NULL;
}

int store_schema_version(struct store *st)
{
	return DISPATCH0(schema_version);
}

wm_err store_ping(struct store *st)
{
	return DISPATCH0(ping);
}

wm_err store_org_create(struct store *st, const struct store_org *org,
			const struct store_account_event *ev)
{
	return DISPATCH(org_create, org, ev);
}

wm_err store_org_get(struct store *st, const char *id, struct store_org *out)
{
	return DISPATCH(org_get, id, out);
}

wm_err store_org_list(struct store *st, int64_t after, int limit,
		      void (*each)(void *ctx, const struct store_org *org), void *ctx, bool *more)
{
	return DISPATCH(org_list, after, limit, each, ctx, more);
}

wm_err store_user_create(struct store *st, const struct store_user *user,
			 const struct store_account_event *ev)
{
	return DISPATCH(user_create, user, ev);
}

wm_err store_user_get(struct store *st, const char *id, struct store_user *out)
{
	return DISPATCH(user_get, id, out);
}

wm_err store_user_by_name(struct store *st, const char *username, struct store_user *out)
{
	return DISPATCH(user_by_name, username, out);
}

wm_err store_user_update(struct store *st, const struct store_user *user, int expected,
			 bool revoke_sessions, const struct store_account_event *ev)
{
	return DISPATCH(user_update, user, expected, revoke_sessions, ev);
}

wm_err store_user_list(struct store *st, int64_t after, int limit,
		       void (*each)(void *ctx, const struct store_user *user), void *ctx,
		       bool *more)
{
	return DISPATCH(user_list, after, limit, each, ctx, more);
}

wm_err store_session_create(struct store *st, const unsigned char *digest, size_t len,
			    const char *user_id, int user_version, int64_t now, int64_t expires_at)
{
	return DISPATCH(session_create, digest, len, user_id, user_version, now, expires_at);
}

wm_err store_session_user(struct store *st, const unsigned char *digest, size_t len, int64_t now,
			  struct store_user *out, int64_t *expires_at)
{
	return DISPATCH(session_user, digest, len, now, out, expires_at);
}

wm_err store_session_delete(struct store *st, const unsigned char *digest, size_t len)
{
	return DISPATCH(session_delete, digest, len);
}

wm_err store_user_password(struct store *st, const char *user_id, char hash[STORE_HASH_LEN])
{
	return DISPATCH(user_password, user_id, hash);
}

wm_err store_user_set_password(struct store *st, const char *user_id, int expected,
			       const char *hash, const char *updated_at,
			       const unsigned char *keep_digest, size_t len,
			       const struct store_account_event *ev)
{
	return DISPATCH(user_set_password, user_id, expected, hash, updated_at, keep_digest, len,
			ev);
}

wm_err store_account_events_of_org(struct store *st, const char *org_id, int64_t before, int limit,
				   void (*each)(void *ctx, const struct store_account_event *ev),
				   void *ctx, bool *more)
{
	return DISPATCH(account_events_of_org, org_id, before, limit, each, ctx, more);
}

wm_err store_login_begin(struct store *st, const char *username, int64_t now,
			 const struct store_lockout *rule, int64_t *until)
{
	return DISPATCH(login_begin, username, now, rule, until);
}

wm_err store_login_failed(struct store *st, const char *username, int64_t now,
			  const struct store_lockout *rule)
{
	return DISPATCH(login_failed, username, now, rule);
}

wm_err store_login_succeeded(struct store *st, const char *username)
{
	return DISPATCH(login_succeeded, username);
}

wm_err store_survivor_create(struct store *st, const struct store_survivor *s,
			     const struct store_audit *audit)
{
	return DISPATCH(survivor_create, s, audit);
}

wm_err store_survivor_get(struct store *st, const char *id, const struct store_survivor_filter *vis,
			  struct store_survivor *out)
{
	return DISPATCH(survivor_get, id, vis, out);
}

wm_err store_survivor_org(struct store *st, const char *id, char org_id[STORE_ID_LEN])
{
	return DISPATCH(survivor_org, id, org_id);
}

wm_err store_survivor_version(struct store *st, const struct store_survivor *current, int version,
			      json_t **body)
{
	return DISPATCH(survivor_version, current, version, body);
}

wm_err store_survivor_update(struct store *st, struct store_survivor *s, int expected,
			     const struct store_audit *audit)
{
	return DISPATCH(survivor_update, s, expected, audit);
}

wm_err store_survivor_list(struct store *st, const struct store_survivor_filter *f, int64_t after,
			   int limit, void (*each)(void *ctx, const struct store_survivor *s),
			   void *ctx, bool *more)
{
	return DISPATCH(survivor_list, f, after, limit, each, ctx, more);
}

wm_err store_audit_append_async(struct store *st, const struct store_audit *entries, size_t n,
				void (*done)(void *ctx, wm_err result), void *ctx)
{
	return DISPATCH(audit_append_async, entries, n, done, ctx);
}

void store_audit_drain(struct store *st)
{
	DISPATCH0(audit_drain);
}

wm_err store_access_log(struct store *st, const char *survivor_id, int64_t before, int limit,
			void (*each)(void *ctx, const struct store_audit *a), void *ctx, bool *more)
{
	return DISPATCH(access_log, survivor_id, before, limit, each, ctx, more);
}

void store_set_bulk_threshold(struct store *st, int threshold)
{
	DISPATCH(set_bulk_threshold, threshold);
}

wm_err store_bulk_access_list(struct store *st, const char *org_id, int64_t before, int limit,
			      void (*each)(void *ctx, const struct store_bulk_access *b), void *ctx,
			      bool *more)
{
	return DISPATCH(bulk_access_list, org_id, before, limit, each, ctx, more);
}

wm_err store_item_create(struct store *st, const struct kind *k, const struct store_item *it,
			 const struct store_audit *audit)
{
	return DISPATCH(item_create, k, it, audit);
}

wm_err store_item_get(struct store *st, const struct kind *k, const char *org_id,
		      const char *survivor_id, const char *item_id, struct store_item *out)
{
	return DISPATCH(item_get, k, org_id, survivor_id, item_id, out);
}

wm_err store_item_replace(struct store *st, const struct kind *k, struct store_item *it,
			  int expected, const struct store_audit *audit)
{
	return DISPATCH(item_replace, k, it, expected, audit);
}

wm_err store_item_list(struct store *st, const struct kind *k, const char *org_id,
		       const char *survivor_id, int64_t after, int limit,
		       void (*each)(void *ctx, const struct store_item *it), void *ctx, bool *more)
{
	return DISPATCH(item_list, k, org_id, survivor_id, after, limit, each, ctx, more);
}

wm_err store_item_version(struct store *st, const struct kind *k, const struct store_item *current,
			  int version, json_t **body)
{
	return DISPATCH(item_version, k, current, version, body);
}

wm_err store_item_range(struct store *st, const struct kind *k, const struct store_item_range *r,
			int64_t offset, int limit,
			void (*each)(void *ctx, const struct store_item *it), void *ctx, bool *more)
{
	return DISPATCH(item_range, k, r, offset, limit, each, ctx, more);
}

wm_err store_share_create(struct store *st, const struct store_share *sh,
			  const struct store_audit *audit)
{
	return DISPATCH(share_create, sh, audit);
}

wm_err store_share_list(struct store *st, const char *org_id, int reviewed, int64_t before,
			int limit, void (*each)(void *ctx, const struct store_share *sh), void *ctx,
			bool *more)
{
	return DISPATCH(share_list, org_id, reviewed, before, limit, each, ctx, more);
}

wm_err store_share_get(struct store *st, const char *org_id, const char *id,
		       struct store_share *out)
{
	return DISPATCH(share_get, org_id, id, out);
}

wm_err store_share_review(struct store *st, const char *org_id, const char *id, int expected,
			  int64_t at, const char *by, struct store_share *out)
{
	return DISPATCH(share_review, org_id, id, expected, at, by, out);
}

wm_err store_survivor_erase(struct store *st, const char *survivor_id, int64_t at,
			    const char *ran_by, const char *reason)
{
	return DISPATCH(survivor_erase, survivor_id, at, ran_by, reason);
}

wm_err store_caseload(struct store *st, const struct store_survivor_filter *f,
		      const struct kind *const *kinds, size_t nkinds, store_known_fn known,
		      void (*each)(void *ctx, const struct store_case *c), void *ctx)
{
	return DISPATCH(caseload, f, kinds, nkinds, known, each, ctx);
}

wm_err store_org_days(struct store *st, const char *org_id, int **days, size_t *n)
{
	return DISPATCH(org_days, org_id, days, n);
}

wm_err store_org_days_set(struct store *st, const char *org_id, const int *days, size_t n,
			  const char *by, int64_t at)
{
	return DISPATCH(org_days_set, org_id, days, n, by, at);
}

wm_err store_report_outcomes(struct store *st, bool all_orgs, const char *org_id,
			     const struct report_span *period, struct report_raw *out,
			     const struct report_span *months, size_t nmonths,
			     struct report_raw *month_out)
{
	return DISPATCH(report_outcomes, all_orgs, org_id, period, out, months, nmonths, month_out);
}

wm_err store_bulk_begin(struct store *st)
{
	return DISPATCH0(bulk_begin);
}

wm_err store_bulk_commit(struct store *st, bool more)
{
	return DISPATCH(bulk_commit, more);
}

wm_err store_batch_begin(struct store *st)
{
	return DISPATCH0(batch_begin);
}

wm_err store_batch_end(struct store *st, bool commit, bool more)
{
	return DISPATCH(batch_end, commit, more);
}

wm_err store_check(struct store *st, void (*say)(void *ctx, bool ok, const char *line), void *ctx)
{
	return DISPATCH(check, say, ctx);
}

wm_err store_backup(struct store *st, const char *to, char *msg, size_t cap)
{
	return DISPATCH(backup, to, msg, cap);
}

wm_err store_restore(const char *from, const char *to, char *msg, size_t cap)
{
	return url_is_pg(to) ? pg_restore(from, to, msg, cap) : sqlite_restore(from, to, msg, cap);
}

wm_err store_reseal(struct store *st, void (*tell)(void *ctx, const char *line), void *ctx)
{
	return DISPATCH(reseal, tell, ctx);
}

wm_err store_key_use(struct store *st, int key_id, long *count)
{
	return DISPATCH(key_use, key_id, count);
}

wm_err store_two_factor_get(struct store *st, const char *user_id, struct store_two_factor *out)
{
	return DISPATCH(two_factor_get, user_id, out);
}

wm_err store_two_factor_state(struct store *st, const char *user_id, const char *org_id,
			      bool *required, bool *enrolled)
{
	return DISPATCH(two_factor_state, user_id, org_id, required, enrolled);
}

wm_err store_two_factor_begin(struct store *st, const char *user_id, const unsigned char *secret,
			      size_t len, int64_t now)
{
	return DISPATCH(two_factor_begin, user_id, secret, len, now);
}

wm_err store_two_factor_confirm(struct store *st, const char *user_id, int64_t step,
				const unsigned char (*hashes)[KEYRING_BLIND_LEN], size_t n,
				int64_t now, const struct store_account_event *ev)
{
	return DISPATCH(two_factor_confirm, user_id, step, hashes, n, now, ev);
}

wm_err store_two_factor_use_step(struct store *st, const char *user_id, int64_t step)
{
	return DISPATCH(two_factor_use_step, user_id, step);
}

wm_err store_two_factor_use_recovery(struct store *st, const char *user_id,
				     const unsigned char hash[KEYRING_BLIND_LEN], int64_t now)
{
	return DISPATCH(two_factor_use_recovery, user_id, hash, now);
}

wm_err store_two_factor_remove(struct store *st, const char *user_id, bool revoke_sessions,
			       const struct store_account_event *ev)
{
	return DISPATCH(two_factor_remove, user_id, revoke_sessions, ev);
}

wm_err store_org_set_two_factor(struct store *st, const char *org_id, int expected, bool required,
				int64_t now, const char *updated_at,
				const struct store_account_event *ev)
{
	return DISPATCH(org_set_two_factor, org_id, expected, required, now, updated_at, ev);
}

wm_err store_import_ref_find(struct store *st, const char *org_id, const unsigned char *hash,
			     size_t len, char survivor_id[STORE_ID_LEN])
{
	return DISPATCH(import_ref_find, org_id, hash, len, survivor_id);
}

wm_err store_import_ref_put(struct store *st, const char *org_id, const unsigned char *hash,
			    size_t len, const char *survivor_id)
{
	return DISPATCH(import_ref_put, org_id, hash, len, survivor_id);
}

wm_err store_calendar_feed_set(struct store *st, const char *user_id, const char *org_id,
			       const unsigned char *digest, size_t len, int64_t created_at,
			       const struct store_account_event *ev)
{
	return DISPATCH(calendar_feed_set, user_id, org_id, digest, len, created_at, ev);
}

wm_err store_calendar_feed_get(struct store *st, const char *user_id, int64_t *created_at)
{
	return DISPATCH(calendar_feed_get, user_id, created_at);
}

wm_err store_calendar_feed_delete(struct store *st, const char *user_id,
				  const struct store_account_event *ev)
{
	return DISPATCH(calendar_feed_delete, user_id, ev);
}

wm_err store_calendar_feed_owner(struct store *st, const unsigned char *digest, size_t len,
				 struct store_user *out)
{
	return DISPATCH(calendar_feed_owner, digest, len, out);
}

wm_err store_org_documents_get(struct store *st, const char *org_id,
			       struct store_org_documents *out)
{
	return DISPATCH(org_documents_get, org_id, out);
}

wm_err store_org_documents_set(struct store *st, const char *org_id,
			       const struct store_org_documents *in, int64_t now,
			       const struct store_account_event *ev)
{
	return DISPATCH(org_documents_set, org_id, in, now, ev);
}
