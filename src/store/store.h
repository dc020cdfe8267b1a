/*
 * store.h - the storage interface every layer above the database uses.
 *
 * It speaks in domain types and knows nothing of HTTP or permissions: the
 * caller has already asked the policy, and hands the store the filter it
 * must apply. Sealing sensitive text and indexing names happen below this
 * line, so no caller ever sees ciphertext or builds SQL. Two backends
 * implement it, SQLite (store/sqlite.c) and PostgreSQL (store/pg.c);
 * store/backend.h says how a call reaches them.
 *
 * Every function is safe to call from many threads at once: the store keeps
 * one connection per concurrent caller. Strings in the structs below are
 * owned by the struct (fixed arrays); json_t bodies are owned by the struct
 * and released with store_survivor_clear.
 */
#ifndef WM_STORE_H
#define WM_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../crypto/keyring.h"
#include "../domain/account.h"
#include "../domain/date.h"
#include "../domain/err.h"
#include "../domain/kind.h"
#include "../domain/report.h"

#define STORE_ID_LEN   33
#define STORE_NAME_LEN 201
#define STORE_HASH_LEN 128 /* an Argon2id hash string and its NUL */

struct store;

/* How a database is opened. */
enum store_mode {
	STORE_OPEN,   /* an existing waymark database: upgrade it, refuse a newer one */
	STORE_CREATE, /* a new database: refuse one that already holds waymark */
};

/* Opens the database at url: a postgresql:// or postgres:// URI (libpq's,
 * PGHOST and the like filling in what it leaves out), else a SQLite file
 * path. Runs pending migrations. With STORE_CREATE, records a
 * check value for the key; with STORE_OPEN, refuses a key that does not match
 * the database. Borrows keys for the store's lifetime. On failure writes a
 * plain reason into msg. */
wm_err store_open(const char *url, const struct keyring *keys, enum store_mode mode, int pool_size,
		  struct store **out, char *msg, size_t msgcap);

/* Closes every connection. */
void store_close(struct store *st);

/* The schema version of the open database and the newest this build knows. */
int store_schema_version(struct store *st);
int store_schema_latest(void);

/* WM_OK when the database answers a query. */
wm_err store_ping(struct store *st);

/* ---- the trail of account changes ---- */

/* One change to an account or organisation: who, what, which fields (their
 * names, comma-separated, never their values). Written in the same
 * transaction as the change. */
struct store_account_event {
	int64_t seq; /* set by reads */
	char at[INSTANT_TEXT_LEN];
	char actor_id[STORE_ID_LEN]; /* "" for the command line */
	char action[24];	     /* org.create, user.create, user.update, user.password */
	char target_id[STORE_ID_LEN];
	char fields[128];
};

/* ---- organisations ---- */

struct store_org {
	int64_t seq;
	char id[STORE_ID_LEN];
	char name[STORE_NAME_LEN];
	char kind[32];
	int version;
	char created_at[INSTANT_TEXT_LEN];
	char updated_at[INSTANT_TEXT_LEN];
};

/* Inserts org (id, name, kind, times set by the caller; version 1) and ev.
 * WM_ERR_CONFLICT when the name is taken, compared case-insensitively. */
wm_err store_org_create(struct store *st, const struct store_org *org,
			const struct store_account_event *ev);

/* Reads one organisation by id. */
wm_err store_org_get(struct store *st, const char *id, struct store_org *out);

/* Calls each for up to limit organisations with seq > after, in seq order.
 * *more is set when there are further ones. */
wm_err store_org_list(struct store *st, int64_t after, int limit,
		      void (*each)(void *ctx, const struct store_org *org), void *ctx, bool *more);

/* ---- users and sessions ---- */

struct store_user {
	int64_t seq;
	char id[STORE_ID_LEN];
	char username[USERNAME_MAX + 1];
	/* Written by create and update ("" in an update keeps the stored
	 * hash); never filled by a read: see store_user_password. */
	char password_hash[STORE_HASH_LEN];
	bool must_change_password; /* set by an administrator: change at next sign-in */
	char display_name[STORE_NAME_LEN];
	enum role role;
	char org_id[STORE_ID_LEN]; /* "" when none */
	bool disabled;
	int version;
	char created_at[INSTANT_TEXT_LEN];
	char updated_at[INSTANT_TEXT_LEN];
	bool privacy_mode; /* the owner's choice: blur survivors' names in the pages */
};

/* Inserts a user and ev; WM_ERR_CONFLICT when the username is taken. */
wm_err store_user_create(struct store *st, const struct store_user *user,
			 const struct store_account_event *ev);

/* Reads a user by id, or by (lower-case) username. */
wm_err store_user_get(struct store *st, const char *id, struct store_user *out);
wm_err store_user_by_name(struct store *st, const char *username, struct store_user *out);

/* Replaces a user's mutable fields, and writes ev, when its stored version is expected;
 * WM_ERR_CONFLICT otherwise. A disabled user, or one whose password or role
 * changes, loses every session in the same transaction. */
wm_err store_user_update(struct store *st, const struct store_user *user, int expected,
			 bool revoke_sessions, const struct store_account_event *ev);

/* Lists users in seq order (see store_org_list). */
wm_err store_user_list(struct store *st, int64_t after, int limit,
		       void (*each)(void *ctx, const struct store_user *user), void *ctx,
		       bool *more);

/* Stores a session under the digest of its token, if the user is still at
 * user_version and not disabled (WM_ERR_NOT_FOUND otherwise). */
wm_err store_session_create(struct store *st, const unsigned char *digest, size_t len,
			    const char *user_id, int user_version, int64_t now, int64_t expires_at);

/* The user of a live session (not expired at now, user not disabled);
 * WM_ERR_NOT_FOUND otherwise. */
wm_err store_session_user(struct store *st, const unsigned char *digest, size_t len, int64_t now,
			  struct store_user *out, int64_t *expires_at);

/* Revokes one session. */
wm_err store_session_delete(struct store *st, const unsigned char *digest, size_t len);

/* The stored password hash of a user, for checking a password: the only
 * read that returns it (a session's user, a list or a lookup never carry
 * it). The caller wipes hash after use. */
wm_err store_user_password(struct store *st, const char *user_id, char hash[STORE_HASH_LEN]);

/* The owner's own change of password: stores hash, clears
 * must_change_password and bumps the version, if the user is still at
 * expected and not disabled (WM_ERR_CONFLICT otherwise); revokes every
 * session of the user but the one whose digest is keep_digest; writes ev.
 * One transaction. */
wm_err store_user_set_password(struct store *st, const char *user_id, int expected,
			       const char *hash, const char *updated_at,
			       const unsigned char *keep_digest, size_t len,
			       const struct store_account_event *ev);

/* Calls each for up to limit entries of the account trail whose target is a
 * user now in org_id (never empty), with seq < before (0: from the newest),
 * newest first. */
wm_err store_account_events_of_org(struct store *st, const char *org_id, int64_t before, int limit,
				   void (*each)(void *ctx, const struct store_account_event *ev),
				   void *ctx, bool *more);

/* ---- login lock-out (keyed by a blind index of the username) ---- */

/* The caller's lock-out rule: `threshold` failures within `window` seconds
 * lock a username for `lock_for` seconds. */
struct store_lockout {
	int64_t window;
	int threshold;
	int64_t lock_for;
};

/* Called before a password is checked, in one transaction: when username
 * is locked, or already has `threshold` failures in the window (then it is
 * locked now), *until is the end of the lock. Otherwise the attempt is
 * counted as a failure in advance, so that attempts made in parallel cannot
 * outnumber the threshold, and *until is 0. */
wm_err store_login_begin(struct store *st, const char *username, int64_t now,
			 const struct store_lockout *rule, int64_t *until);

/* Called after a failed check: locks the username when its failures in the
 * window reach the threshold. Forgets failures older than a day and locks
 * that have ended. */
wm_err store_login_failed(struct store *st, const char *username, int64_t now,
			  const struct store_lockout *rule);

/* Called after a successful check: forgets the username's failures. */
wm_err store_login_succeeded(struct store *st, const char *username);

/* ---- survivors and their audit trail ---- */

/* The most items one list answers: the API's page limit, and the size of
 * the buffer of read-audit entries a list fills (one per record shown). One
 * constant, so no record can be listed past the end of that buffer. */
#define STORE_LIST_MAX 500

/* One audit entry: who touched which record, how, through which route. */
struct store_audit {
	int64_t seq;
	char at[INSTANT_TEXT_LEN];
	char survivor_id[STORE_ID_LEN];
	char user_id[STORE_ID_LEN];
	enum role role;
	char org_id[STORE_ID_LEN];
	char action[16]; /* read, create, update, export, handover */
	char route[96];	 /* the route pattern, never a filled-in path */
};

struct store_survivor {
	int64_t seq;
	char id[STORE_ID_LEN];
	char org_id[STORE_ID_LEN];
	int version;
	char created_at[INSTANT_TEXT_LEN];
	char updated_at[INSTANT_TEXT_LEN];
	bool shared_with_org; /* filled by reads for the viewer's organisation */
	json_t *body;	      /* the record's fields (see domain/survivor.h); owned */
};

/* Which survivors a read or a list may touch: plain values, no policy. The
 * caller (which asked the policy) fills it; the store applies it and fails
 * closed: a filter naming no organisation matches nothing (and answers
 * WM_ERR_INVALID) unless all_orgs is set, which only an administration scope
 * may ask for. "" counts as absent. Strings are borrowed. */
struct store_survivor_filter {
	bool all_orgs;			/* every organisation (never "no org means all") */
	const char *org_id;		/* owned by this organisation */
	const char *shared_with_org_id; /* shared with this organisation by consent */
	int today;   /* the day sharing is judged on: consents given by then, not withdrawn */
	int64_t now; /* the instant safeguarding shares are judged on (not expired) */
	const char *advocate_id; /* NULL: any advocate */
	const char *status;	 /* NULL: any status; else its stored code */
	const char *name;	 /* NULL: any; else exact, case-insensitive, trimmed */
};

/* Releases the body of s. */
void store_survivor_clear(struct store_survivor *s);

/* Inserts a survivor (seq ignored; version 1) and its audit entry in one
 * transaction. Borrows s. */
wm_err store_survivor_create(struct store *st, const struct store_survivor *s,
			     const struct store_audit *audit);

/* Reads a survivor if it is within vis (its organisation filters; advocate,
 * status and name are ignored): a record outside it answers
 * WM_ERR_NOT_FOUND without being read, a filter without an organisation
 * WM_ERR_INVALID. shared_with_org tells whether it is shared with
 * vis->shared_with_org_id by an active consent. The caller clears *out. */
wm_err store_survivor_get(struct store *st, const char *id, const struct store_survivor_filter *vis,
			  struct store_survivor *out);

/* The organisation that owns a survivor, without opening the record. */
wm_err store_survivor_org(struct store *st, const char *id, char org_id[STORE_ID_LEN]);

/* The body current (a survivor as read) had at an earlier version, when it
 * is still kept (the last 20 versions of each record and item are): a new
 * reference the caller owns. WM_ERR_NOT_FOUND when not kept. */
wm_err store_survivor_version(struct store *st, const struct store_survivor *current, int version,
			      json_t **body);

/* Replaces a survivor's body when its stored version is expected (then
 * version + 1 and updated_at are stored and written back into s), with its
 * audit entry, in one transaction. WM_ERR_CONFLICT on a stale version. The
 * body it replaces is kept (store_survivor_version). */
wm_err store_survivor_update(struct store *st, struct store_survivor *s, int expected,
			     const struct store_audit *audit);

/* Calls each for up to limit (at most STORE_LIST_MAX) survivors within f with
 * seq > after, in seq order; the body is borrowed for the call only. A
 * filter without an organisation answers WM_ERR_INVALID and calls nothing. */
wm_err store_survivor_list(struct store *st, const struct store_survivor_filter *f, int64_t after,
			   int limit, void (*each)(void *ctx, const struct store_survivor *s),
			   void *ctx, bool *more);

/* Appends audit entries of reads: copies them and returns at once; done(ctx,
 * result) is called, on the store's writer thread, once they are committed
 * (on an error return it is never called). Entries from concurrent callers
 * are committed together (group commit), so reads neither queue behind one
 * fsync each nor hold a thread while they wait. After store_audit_drain,
 * entries are committed before this returns and done is called on the
 * caller's thread. */
wm_err store_audit_append_async(struct store *st, const struct store_audit *entries, size_t n,
				void (*done)(void *ctx, wm_err result), void *ctx);

/* Blocks until every entry appended before the call is committed and its
 * done callback has returned; from then on appends are committed on the
 * caller's thread (see store_audit_append_async), so nothing waits on the
 * writer. Called while the server stops, before its connections are freed. */
void store_audit_drain(struct store *st);

/* Calls each for up to limit entries of one survivor with seq < before (0:
 * from the newest), newest first. */
wm_err store_access_log(struct store *st, const char *survivor_id, int64_t before, int limit,
			void (*each)(void *ctx, const struct store_audit *a), void *ctx,
			bool *more);

/* ---- bulk-access detection ---- */

/* An account that read more distinct survivors within an hour than its
 * threshold: what its organisation's managers are shown. */
struct store_bulk_access {
	int64_t seq;
	char user_id[STORE_ID_LEN];
	enum role role;
	char org_id[STORE_ID_LEN];
	char window_start[INSTANT_TEXT_LEN];
	char window_end[INSTANT_TEXT_LEN];
	int distinct_survivors;
	int threshold;
	char detected_at[INSTANT_TEXT_LEN];
};

/* Sets the threshold: an account is flagged when it reads more than
 * threshold distinct survivors within an hour (0, the default: three times
 * its caseload, and at least 100). Call before serving. */
void store_set_bulk_threshold(struct store *st, int threshold);

/* Calls each for up to limit flagged events of accounts of org_id (never ""),
 * with seq < before (0: from the newest), newest first. */
wm_err store_bulk_access_list(struct store *st, const char *org_id, int64_t before, int limit,
			      void (*each)(void *ctx, const struct store_bulk_access *b), void *ctx,
			      bool *more);

/* ---- the parts of a survivor's record (domain/kind.h) ---- */

/* One item of a kind: server fields around the body the client sent. The
 * body is sealed whole (associated data binding it to its kind, id,
 * survivor and organisation); the kind's columns are kept beside it in
 * plain, typed columns, kept in step with it on every write. */
struct store_item {
	int64_t seq;
	char id[STORE_ID_LEN];
	char survivor_id[STORE_ID_LEN];
	char org_id[STORE_ID_LEN]; /* the survivor's organisation */
	int version;
	char created_at[INSTANT_TEXT_LEN];
	char updated_at[INSTANT_TEXT_LEN];
	json_t *body; /* owned; released by store_item_clear */
};

/* Releases the body of it. */
void store_item_clear(struct store_item *it);

/* Inserts an item of kind k (version 1; seq and version of it ignored;
 * created_at and updated_at the caller's) and its audit entry in one
 * transaction. For a KIND_ONE kind, WM_ERR_CONFLICT when the survivor has
 * one already (also when the id is taken). WM_ERR_NOT_FOUND when the
 * survivor is not of it->org_id; WM_ERR_INVALID when id, survivor or
 * organisation is "", or a column's field in the body does not fit its
 * type. Nothing is stored on an error. Borrows it. */
wm_err store_item_create(struct store *st, const struct kind *k, const struct store_item *it,
			 const struct store_audit *audit);

/* Reads the item item_id of kind k belonging to survivor_id of org_id (for a
 * KIND_ONE kind, item_id is NULL: the survivor's one). WM_ERR_NOT_FOUND when
 * there is none, or when it belongs to another survivor or organisation
 * (org_id "" or NULL: refused, WM_ERR_INVALID, before reading anything).
 * WM_ERR_CRYPTO when the stored body does not open where it is (moved from
 * another row): out->body is then NULL. The caller clears *out. */
wm_err store_item_get(struct store *st, const struct kind *k, const char *org_id,
		      const char *survivor_id, const char *item_id, struct store_item *out);

/* Replaces an item's body (and its columns) when its stored version is
 * expected and it is it->id of it->survivor_id of it->org_id, with its
 * audit entry, in one transaction: then version + 1 is written back into
 * it, and it->updated_at (the caller's) is stored. WM_ERR_CONFLICT on a
 * stale version, or when there is no such item; WM_ERR_INVALID as for
 * create. Nothing is changed on an error. */
wm_err store_item_replace(struct store *st, const struct kind *k, struct store_item *it,
			  int expected, const struct store_audit *audit);

/* Calls each for up to limit items of kind k of one survivor (of org_id,
 * never "") with seq > after, in seq order; the body is borrowed for the
 * call only. *more is set when there are further ones. org_id NULL or "":
 * WM_ERR_INVALID, nothing called. A body that does not open stops the list
 * with WM_ERR_CRYPTO (the items before it were called). */
wm_err store_item_list(struct store *st, const struct kind *k, const char *org_id,
		       const char *survivor_id, int64_t after, int limit,
		       void (*each)(void *ctx, const struct store_item *it), void *ctx, bool *more);

/* The body the item current had at an earlier version, when still kept (as
 * store_survivor_version). */
wm_err store_item_version(struct store *st, const struct kind *k, const struct store_item *current,
			  int version, json_t **body);

/* A question across one organisation's survivors: items of a kind whose
 * column (one the kind declares, an instant or a day) lies in [from, to),
 * of survivors held by advocate_id (NULL: any), and, when code is given,
 * whose code_column (declared too) equals it. */
struct store_item_range {
	const char *org_id;	 /* never NULL or "" */
	const char *advocate_id; /* NULL: every survivor of the organisation */
	const char *column;
	int64_t from, to;
	const char *code_column; /* NULL: no such filter */
	const char *code;
};

/* Calls each for up to limit items answering r, ordered by r->column then
 * seq, skipping the first offset; *more is set when there are further ones.
 * WM_ERR_INVALID for a range without an organisation, or naming a column
 * the kind does not declare. */
wm_err store_item_range(struct store *st, const struct kind *k, const struct store_item_range *r,
			int64_t offset, int limit,
			void (*each)(void *ctx, const struct store_item *it), void *ctx,
			bool *more);

/* ---- safeguarding shares (without consent) ---- */

/* A manager's share of one survivor's record with another organisation,
 * where the survivor is at risk of serious harm: that organisation's
 * clinicians read as under a share_with_org consent until expires_at. */
struct store_share {
	int64_t seq;
	char id[STORE_ID_LEN];
	char survivor_id[STORE_ID_LEN];
	char org_id[STORE_ID_LEN];	/* the survivor's organisation */
	char with_org_id[STORE_ID_LEN]; /* the organisation shared with */
	int version;
	int64_t created_at, expires_at, reviewed_at; /* reviewed_at 0: not reviewed */
	char created_by[STORE_ID_LEN];
	char reviewed_by[STORE_ID_LEN];
	json_t *reason; /* {"reason": text}: sealed at rest; owned, see store_share_clear */
};

void store_share_clear(struct store_share *sh);

/* Stores a new share (version 1) and its audit entry (action "share") in one
 * transaction; WM_ERR_NOT_FOUND when the survivor is not of sh->org_id. */
wm_err store_share_create(struct store *st, const struct store_share *sh,
			  const struct store_audit *audit);

/* Calls each for up to limit shares of survivors of org_id (never ""), with
 * seq < before (0: from the newest), newest first; reviewed: -1 any, 0 not
 * reviewed yet, 1 reviewed. The reason is opened for each. */
wm_err store_share_list(struct store *st, const char *org_id, int reviewed, int64_t before,
			int limit, void (*each)(void *ctx, const struct store_share *sh), void *ctx,
			bool *more);

/* Reads the share id of org_id (never ""); WM_ERR_NOT_FOUND when there is
 * no such share of that organisation. The caller clears *out. */
wm_err store_share_get(struct store *st, const char *org_id, const char *id,
		       struct store_share *out);

/* Marks the share id of org_id reviewed by `by` at `at` when its version is
 * expected; fills *out with the stored share. WM_ERR_NOT_FOUND when there is
 * no such share of that organisation, WM_ERR_CONFLICT on a stale version. */
wm_err store_share_review(struct store *st, const char *org_id, const char *id, int expected,
			  int64_t at, const char *by, struct store_share *out);

/* ---- erasure ---- */

/* Removes a closed survivor and everything under them for good, in one
 * transaction: every part of the record (kind_table) and the versions kept
 * of it, safeguarding shares, the survivor's read counts, and the record
 * itself; then leaves a trace naming nothing about them (at, ran_by, the
 * reason sealed). The survivor's audit entries stay, so that the trail's
 * chain stays whole, but the number they refer to the survivor by (never
 * reused) no longer leads to anyone. WM_ERR_NOT_FOUND when there is no such
 * survivor, WM_ERR_CONFLICT when the survivor is not closed. */
wm_err store_survivor_erase(struct store *st, const char *survivor_id, int64_t at,
			    const char *ran_by, const char *reason);

/* ---- integrity (`waymark check`) ---- */

/* Checks the whole database and changes nothing: the engine's own
 * integrity checks (SQLite: integrity_check and foreign_key_check of the
 * database and of its read-audit file), that every sealed value opens under
 * the keys the store was opened with, and that each audit table's chain
 * holds (codec_audit_mac), naming the first broken link by its seq. Calls
 * say once per check that holds and once per problem (at most ten of a
 * kind, then a count); no line names a person or quotes a value. WM_OK when
 * everything holds, WM_ERR_INVALID when something does not, WM_ERR_IO when
 * the check could not run. */
wm_err store_check(struct store *st, void (*say)(void *ctx, bool ok, const char *line), void *ctx);

/* ---- backup and restore ---- */

/* Copies the whole database to a new backup at `to` while it serves: for
 * SQLite the database and its read-audit file ("<to>" and "<to>-reads",
 * created mode 0600, each one consistent snapshot, through the online backup
 * API); for PostgreSQL one pg_dump archive (custom format, one snapshot,
 * mode 0600). Refuses (WM_ERR_EXISTS) a path that exists. The key file is
 * not in it: keep it apart. A plain reason in msg on failure. */
wm_err store_backup(struct store *st, const char *to, char *msg, size_t cap);

/* Makes a new database at `to` from the backup at `from`: SQLite's two
 * files, refusing a `to` that exists; or, `to` a postgresql:// URL, the
 * archive restored by pg_restore into an empty database made with createdb
 * (refused when it holds any table), in one transaction. The caller then
 * opens it with the key file and checks it (store_check). */
wm_err store_restore(const char *from, const char *to, char *msg, size_t cap);

/* ---- key rotation (`waymark rotate-key`) ---- */

/* Seals again, under the keys' active (newest) key, every value sealed
 * under another: records, parts, kept versions, share and erasure reasons,
 * and the key check. In short transactions, safely beside a serving
 * process (a value it changes meanwhile is left for the next pass, already
 * sealed by it). say gets a line per table done, naming counts only. */
wm_err store_reseal(struct store *st, void (*say)(void *ctx, const char *line), void *ctx);

/* How many values are still sealed under key_id (0: the key may go). */
wm_err store_key_use(struct store *st, int key_id, long *count);

/* ---- a caseload, as the alert rules read it ---- */

#define STORE_COLS_MAX 10 /* the most plain columns a kind declares */
#define STORE_COL_TEXT 40 /* a code, an id or a short text and its NUL */

/* One plain column's value as read back (domain/kind.h says the types). */
struct store_col {
	bool null;
	int64_t i;		   /* a day number, seconds, 0/1 or an integer */
	char text[STORE_COL_TEXT]; /* a code, an id or short text; "" otherwise */
};

/* One item of a record as its plain columns, its sealed body unopened. */
struct store_item_cols {
	char id[STORE_ID_LEN];
	int version;
	int64_t created_at;		      /* seconds since the epoch */
	struct store_col col[STORE_COLS_MAX]; /* kind->columns, in order */
};

/* One survivor of a caseload: the record (body opened), and for each kind
 * asked for, in the order asked, the plain columns of its items; or, when
 * the caller said it already knows the record at this stamp, only the
 * survivor's id, organisation and sharing (body, items and count NULL). */
struct store_case {
	const struct store_survivor *survivor;
	const struct store_item_cols *const *items; /* items[k][0..count[k]); NULL when 0 */
	const size_t *count;
	/* The record's change stamp: the seq of the audit entry of its latest
	 * change (every change writes one in its own transaction), read in the
	 * same snapshot as what is passed, so content is never older than its
	 * stamp; 0 when it never changed since the audit began. STORE_NO_STAMP
	 * when the backend keeps none. */
	int64_t stamp;
	bool known; /* known() said yes: nothing was opened or read */
};

#define STORE_NO_STAMP (-1)

/* Asked, before a survivor's record is opened, whether the caller already
 * holds what it needs of it at stamp (s: id, org_id, shared_with_org, seq;
 * body NULL). */
typedef bool (*store_known_fn)(void *ctx, const struct store_survivor *s, int64_t stamp);

/* Calls each for every survivor within f, in seq order: f's organisation (or
 * the survivors shared with f->shared_with_org_id), advocate and status
 * apply; name does not; all_orgs is refused (WM_ERR_INVALID). Reads the
 * caseload in batches, one statement per kind per batch, so neither the
 * bodies of the items nor a whole organisation are ever held at once.
 * known (may be NULL) is asked for each survivor of a batch before any
 * record of it is opened; each is then called for them in the same order.
 * known and each must not call the store. Everything passed to each is
 * borrowed for the call. */
wm_err store_caseload(struct store *st, const struct store_survivor_filter *f,
		      const struct kind *const *kinds, size_t nkinds, store_known_fn known,
		      void (*each)(void *ctx, const struct store_case *c), void *ctx);

/* ---- an organisation's own non-working days ---- */

/* The organisation's own non-working days (day numbers), ascending: *days
 * is malloc'd (caller frees; NULL when there are none). */
wm_err store_org_days(struct store *st, const char *org_id, int **days, size_t *n);

/* Makes days[0..n) (ascending, no repeats) the organisation's own
 * non-working days, in one transaction; by: who. */
wm_err store_org_days_set(struct store *st, const char *org_id, const int *days, size_t n,
			  const char *by, int64_t at);
/* ---- the outcome report (domain/report.h; spec reports.md) ---- */

/* Counts the report's figures over period into *out (zeroed first; the
 * caller frees it with report_raw_clear), for the survivors of org_id, or
 * of every organisation when all_orgs (only an analyst's report asks): a
 * call with neither answers WM_ERR_INVALID and counts nothing. Also counts
 * the figures of report_month_figures over each of months[0..nmonths) into
 * month_out[i] (same rules; no medians). One read transaction: every
 * figure is of the same moment. Reads plain columns only, never a sealed
 * body. */
wm_err store_report_outcomes(struct store *st, bool all_orgs, const char *org_id,
			     const struct report_span *period, struct report_raw *out,
			     const struct report_span *months, size_t nmonths,
			     struct report_raw *month_out);

/* ---- bulk loading (the benchmark's generator, bench/gen.c) ---- */

/* Makes every write that follows part of one long transaction, durable only
 * at store_bulk_commit, with synchronous = OFF and a large page cache: a
 * generator writes millions of rows through the functions above (sealing,
 * plain columns and audit entries exactly as the server writes them) in
 * minutes instead of one fsync each. Only for a store opened with a pool of
 * one connection (WM_ERR_INVALID otherwise), by a process that is the
 * database's only user: a crash loses everything since the last commit.
 * Never used by the server. */
wm_err store_bulk_begin(struct store *st);

/* Commits what was written since store_bulk_begin or the last commit; with
 * more, carries on in bulk mode, else returns to normal durable writes and
 * checkpoints the WAL into the database file. */
wm_err store_bulk_commit(struct store *st, bool more);

/* ---- durable batches (waymark import) ---- */

/* Makes every write that follows part of one transaction (on SQLite each
 * write a savepoint inside it; on PostgreSQL, where a savepoint costs two
 * round trips, none: a write that fails fails the batch, whose commit then
 * fails), until store_batch_end commits it (as durably as any write: the
 * WAL, a full fsync) or rolls it back: thousands of records stored at the
 * cost of one commit, and a batch stored whole or not at all.
 * Other processes may use the database meanwhile; their writes wait for the
 * batch's end, so keep batches short (a fraction of a second). Only for a
 * store opened with a pool of one connection (WM_ERR_INVALID otherwise).
 * On PostgreSQL the batch holds the writers' lock from its start. */
wm_err store_batch_begin(struct store *st);

/* Ends the batch: commit or roll back what was written since it began;
 * with more (and the end done), a new batch begins at once. */
wm_err store_batch_end(struct store *st, bool commit, bool more);

/* ---- two-factor sign-in (TOTP; store/sqlite_mfa.c, store/pg_mfa.c) ---- */

#define STORE_TOTP_SECRET_MAX 64

/* An account's enrolment: the secret opened (the caller wipes it with
 * sodium_memzero), whether it is confirmed, the last time step accepted,
 * and how many recovery codes are left unused. */
struct store_two_factor {
	unsigned char secret[STORE_TOTP_SECRET_MAX];
	size_t secret_len;
	bool confirmed;
	int64_t last_step;
	int recovery_left;
};

/* Reads user_id's enrolment; WM_ERR_NOT_FOUND when there is none,
 * WM_ERR_CRYPTO when the sealed secret does not open. */
wm_err store_two_factor_get(struct store *st, const char *user_id, struct store_two_factor *out);

/* Whether org_id (NULL or "": none, never required) requires two-factor
 * sign-in, and whether user_id has a confirmed enrolment: asked on every
 * request of an account. On SQLite an answer is kept for at most a
 * second with the sessions (sqlite.c), and forgotten at once by every
 * change of either, so a requirement holds from the next request (as a
 * session's end does); on PostgreSQL each request asks the database. */
wm_err store_two_factor_state(struct store *st, const char *user_id, const char *org_id,
			      bool *required, bool *enrolled);

/* Begins an enrolment: seals and stores secret (len bytes) for user_id,
 * unconfirmed, replacing an unconfirmed one. WM_ERR_CONFLICT when the
 * account has a confirmed enrolment. */
wm_err store_two_factor_begin(struct store *st, const char *user_id, const unsigned char *secret,
			      size_t len, int64_t now);

/* Confirms the enrolment of user_id with the step of its first right code
 * (kept as the last step used), replaces its recovery codes by the n
 * hashes (KEYRING_BLIND_LEN bytes each), and writes ev, in one
 * transaction. WM_ERR_CONFLICT when there is no unconfirmed enrolment (or
 * the step is not after the last one used). */
wm_err store_two_factor_confirm(struct store *st, const char *user_id, int64_t step,
				const unsigned char (*hashes)[KEYRING_BLIND_LEN], size_t n,
				int64_t now, const struct store_account_event *ev);

/* Records that a code of step was accepted for user_id's confirmed
 * enrolment, if step is after the last one: WM_ERR_CONFLICT otherwise (a
 * replay, even one racing the first use). */
wm_err store_two_factor_use_step(struct store *st, const char *user_id, int64_t step);

/* Spends the unused recovery code of user_id whose hash is given;
 * WM_ERR_NOT_FOUND when there is none (wrong, or used already). */
wm_err store_two_factor_use_recovery(struct store *st, const char *user_id,
				     const unsigned char hash[KEYRING_BLIND_LEN], int64_t now);

/* Removes user_id's enrolment and recovery codes and writes ev, in one
 * transaction; with revoke_sessions, ends every session of the account
 * too (an administrator's reset: the device may be in other hands). */
wm_err store_two_factor_remove(struct store *st, const char *user_id, bool revoke_sessions,
			       const struct store_account_event *ev);

/* Sets whether org_id requires two-factor sign-in, when the organisation
 * is at version expected (then version + 1 and updated_at are stored),
 * and writes ev, in one transaction. WM_ERR_CONFLICT on a stale version
 * (or no such organisation). */
wm_err store_org_set_two_factor(struct store *st, const char *org_id, int expected, bool required,
				int64_t now, const char *updated_at,
				const struct store_account_event *ev);

/* ---- imports (store/sqlite_import.c, store/pg_import.c; migration 024) ---- */

/* The survivor an organisation's import reference (its keyed hash, hash of
 * len bytes: keyring_blind with purpose "import-ref") was given to:
 * WM_ERR_NOT_FOUND when the reference is new to org_id. */
wm_err store_import_ref_find(struct store *st, const char *org_id, const unsigned char *hash,
			     size_t len, char survivor_id[STORE_ID_LEN]);

/* Records that an import gave the reference to survivor_id;
 * WM_ERR_CONFLICT when org_id has it already. */
wm_err store_import_ref_put(struct store *st, const char *org_id, const unsigned char *hash,
			    size_t len, const char *survivor_id);

/* ---- calendar feeds (store/sqlite_cal.c, store/pg_cal.c; migration 022) ---- */

/* Makes digest (len bytes: the hash of a new feed token; the token is
 * never stored) user_id's calendar feed, made in org_id at created_at,
 * replacing the one it had (the old token opens nothing from then on),
 * and writes ev, in one transaction. */
wm_err store_calendar_feed_set(struct store *st, const char *user_id, const char *org_id,
			       const unsigned char *digest, size_t len, int64_t created_at,
			       const struct store_account_event *ev);

/* Whether user_id has a feed: WM_OK with when it was made in *created_at,
 * WM_ERR_NOT_FOUND when it has none. */
wm_err store_calendar_feed_get(struct store *st, const char *user_id, int64_t *created_at);

/* Revokes user_id's feed and writes ev, in one transaction; WM_OK, and
 * nothing written, when it had none. */
wm_err store_calendar_feed_delete(struct store *st, const char *user_id,
				  const struct store_account_event *ev);

/* The account whose feed's token hashes to digest, found by the hash
 * alone (one indexed lookup: an unknown token and a revoked one take the
 * same path), when the account is not disabled and is still in the
 * organisation the feed was made in: its user (as store_user_get) in *out.
 * WM_ERR_NOT_FOUND otherwise. */
wm_err store_calendar_feed_owner(struct store *st, const unsigned char *digest, size_t len,
				 struct store_user *out);

/* ---- an organisation's choices for its printed documents (migration 023) ---- */

#define STORE_PHONE_LEN 41 /* 40 bytes and the NUL */

struct store_org_documents {
	char phone[STORE_PHONE_LEN]; /* the number survivors call; "" when none */
	bool name_staff;	     /* the access report names the organisation's own staff */
};

/* Reads org_id's choices; an organisation that made none has the defaults
 * (no number, staff not named). */
wm_err store_org_documents_get(struct store *st, const char *org_id,
			       struct store_org_documents *out);

/* Stores org_id's choices (at now) and writes ev, in one transaction.
 * WM_ERR_NOT_FOUND when there is no such organisation. */
wm_err store_org_documents_set(struct store *st, const char *org_id,
			       const struct store_org_documents *in, int64_t now,
			       const struct store_account_event *ev);

#endif
