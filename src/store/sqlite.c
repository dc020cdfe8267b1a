/*
 * sqlite.c - the SQLite backend of store.h.
 *
 * WAL mode, synchronous=FULL (an acknowledged write survives a power cut),
 * one connection per concurrent caller from a small pool, and every
 * statement prepared once per connection and reused. Writers take the write
 * lock up front (BEGIN IMMEDIATE) so a transaction never fails half-way on a
 * lock upgrade; readers never wait for them.
 */
#define _POSIX_C_SOURCE 200809L
#include "store.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "batch.h"
#include "codec.h"
#include "migrations.h"
#include "backend.h"
#include "sqlite.h"
#include "../util/log.h"
#include "../util/text.h"

/* The length of a session token's digest (crypto/secret.h's SECRET_DIGEST):
 * the key of the session cache. */
#define SESSION_DIGEST_LEN 32

/* Every statement the backend runs, prepared lazily once per connection. */
enum stmt {
	Q_BEGIN,
	Q_BEGIN_DEFERRED,
	Q_READS_LOCK,
	Q_COMMIT,
	Q_ROLLBACK,
	Q_PING,
	Q_META_GET,
	Q_META_PUT,
	Q_ACCOUNT_EVENT,
	Q_ORG_INSERT,
	Q_ORG_GET,
	Q_ORG_LIST,
	Q_USER_INSERT,
	Q_USER_GET,
	Q_USER_BY_NAME,
	Q_USER_UPDATE,
	Q_USER_LIST,
	Q_SESSION_INSERT,
	Q_SESSION_USER,
	Q_SESSION_DELETE,
	Q_SESSION_DELETE_USER,
	Q_USER_PASSWORD,
	Q_USER_SET_PASSWORD,
	Q_SESSION_DELETE_OTHERS,
	Q_ACCOUNT_EVENTS_ORG,
	Q_SESSION_EXPIRE,
	Q_LOGIN_LOCKED,
	Q_LOGIN_COUNT,
	Q_LOGIN_INSERT,
	Q_LOGIN_FORGET_OLD,
	Q_LOGIN_CLEAR,
	Q_LOGIN_LOCK,
	Q_LOGIN_UNLOCK_OLD,
	Q_SURV_INSERT,
	Q_SURV_GET,
	Q_SURV_GET_ANY_ORG,
	Q_SURV_GET_SHARED,
	Q_SURV_LIST_SHARED,
	Q_SURV_ORG,
	Q_SURV_UPDATE,
	Q_VERSION_KEEP_SURV,
	Q_VERSION_GET,
	Q_VERSION_PRUNE,
	/* One list statement per filter shape (see list_shape), each read
	 * from an index in seq order: 8 within an organisation, 8 across all. */
	Q_SURV_LIST,
	Q_SURV_LIST_LAST = Q_SURV_LIST + 15,
	Q_ROUTE_GET,
	Q_ROUTE_ADD,
	Q_AUDIT_INSERT,
	Q_READ_ROUTE_GET,
	Q_READ_ROUTE_ADD,
	Q_READ_AUDIT_LAST,
	Q_READ_AUDIT_PUT,
	Q_READ_HEAD_PUT,
	Q_AUDIT_SEQS,
	Q_RECENT_READ_SEQ,
	Q_AUDIT_LIST,
	Q_RECENT_READ,
	Q_RECENT_PRUNE,
	Q_RECENT_COUNT,
	Q_CASELOAD,
	Q_BULK_OPEN,
	Q_BULK_INSERT,
	Q_BULK_UPDATE,
	Q_BULK_LIST,
	Q_COUNT
};

#define ORG_COLS "seq, id, name, kind, version, created_at, updated_at"
/* Never the password hash: only store_user_password reads it, where a
 * password is checked. */
#define USER_COLS                                                                                  \
	"seq, id, username, must_change_password, display_name, role, org_id, disabled, version, " \
	"created_at, updated_at, privacy_mode"
#define SURV_COLS "seq, id, org_id, version, created_at, updated_at, key_id, body"
/* The survivors shared with organisation $org on day $today: an active
 * share_with_org consent (given, not withdrawn by then) names it. Driven by
 * the consents of that organisation, a short list, so a clinician's reads
 * never scan the survivors of every organisation. */
#define SHARED_IDS                                                                                 \
	"SELECT survivor_id FROM consents WHERE with_org_id = $org AND purpose = 'share_with_org'" \
	" AND given_on <= $today AND (withdrawn_on IS NULL OR withdrawn_on > $today)"              \
	" UNION SELECT survivor_id FROM safeguarding_shares WHERE with_org_id = $org"              \
	" AND expires_at > $now"

/* The survivor list, one statement per shape: which of advocate (bit 0),
 * status (bit 1) and name (bit 2) are filtered, and whether the filter is
 * one organisation or all of them (bit 3). A statement with "? IS NULL OR"
 * for every filter cannot use an index for any of them: SQLite then sorts
 * the whole organisation. Names are searched in two indexes, merged in seq
 * order by a compound SELECT (UNION also drops a record found by both).
 * The name indexes are named: a name is the most selective filter, and
 * their rows (name, seq) come in seq order whatever else is filtered, where
 * SQLite, without statistics, may prefer the organisation's index. */
#define L_FROM		     "SELECT " SURV_COLS " FROM survivors WHERE "
#define L_ORG		     "org_id = $org AND seq > $after"
#define L_ALL		     "seq > $after"
#define L_ADV		     " AND advocate_id = $adv"
#define L_STATUS	     " AND status = $status"
#define L_END		     " ORDER BY seq LIMIT $limit"
#define L_PLAIN(where, more) L_FROM where more L_END
#define L_NAME(where, more)                                                                        \
	"SELECT " SURV_COLS " FROM survivors INDEXED BY survivors_known_as WHERE "                 \
	"known_as_idx = $name AND " where more " UNION SELECT " SURV_COLS                          \
	" FROM survivors INDEXED BY survivors_legal_name WHERE legal_name_idx = $name AND " where  \
	    more L_END
#define L_SHAPES(where)                                                                            \
	L_PLAIN(where, ""), L_PLAIN(where, L_ADV), L_PLAIN(where, L_STATUS),                       \
	    L_PLAIN(where, L_ADV L_STATUS), L_NAME(where, ""), L_NAME(where, L_ADV),               \
	    L_NAME(where, L_STATUS), L_NAME(where, L_ADV L_STATUS)
static const char *const list_sql[16] = {L_SHAPES(L_ORG), L_SHAPES(L_ALL)};

/* Subqueries turning the text ids of an audit entry into the seq the
 * compact trail stores. */
#define SEQ_OF_SURVIVOR(p) "(SELECT seq FROM survivors WHERE id = " p ")"
#define SEQ_OF_USER(p)	   "(SELECT seq FROM users WHERE id = " p ")"
#define SEQ_OF_ORG(p)	   "(SELECT seq FROM orgs WHERE id = " p ")"
/* One survivor's entries of one audit table, newest first (?1 survivor id,
 * ?2 before), with the ids and the route pattern joined back in. */
#define AUDIT_LOG_ARM(tbl, routes)                                                                 \
	"SELECT a.seq, a.at, (SELECT id FROM users WHERE seq = a.user_seq), a.role, "              \
	"(SELECT id FROM orgs WHERE seq = a.org_seq), a.action, (SELECT pattern FROM " routes      \
	" WHERE id = a.route) FROM " tbl                                                           \
	" a WHERE a.survivor_seq = " SEQ_OF_SURVIVOR("?1") " AND a.seq < ?2"

/* An entry of an audit table (tbl), its seq computed by seq_expr, its mac
 * linked to the mac of the table's last entry (wm_audit_mac, registered on
 * every connection: see audit_mac_sql). */
#define AUDIT_INSERT(tbl, seq_expr)                                                                \
	"INSERT INTO " tbl "(seq, at, survivor_seq, user_seq, org_seq, role, action, route, mac) " \
	"SELECT v.seq, v.at, v.s, v.u, v.o, v.r, v.a, v.rt, wm_audit_mac((SELECT mac FROM " tbl    \
	" ORDER BY seq DESC LIMIT 1), v.seq, v.at, v.s, v.u, v.o, v.r, v.a, v.rt) FROM "           \
	"(SELECT " seq_expr " AS seq, ?1 AS at, " SEQ_OF_SURVIVOR("?2") " AS s, " SEQ_OF_USER(     \
	    "?3") " AS u, " SEQ_OF_ORG("?4") " AS o, ?5 AS r, ?6 AS a, ?7 AS rt) AS v"

static const char *const sql_text[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    /* The audit writer's: the read-audit file's write lock alone (begin_reads). */
    [Q_BEGIN_DEFERRED] = "BEGIN",
    [Q_READS_LOCK] = "UPDATE reads.read_head SET id = id WHERE id = 0",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_PING] = "SELECT count(*) FROM meta",
    [Q_META_GET] = "SELECT value FROM meta WHERE name = ?1",
    [Q_META_PUT] = "INSERT INTO meta(name, value) VALUES (?1, ?2)",
    [Q_ACCOUNT_EVENT] = "INSERT INTO account_audit(at, actor_id, action, target_id, fields) "
			"VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_ORG_INSERT] = "INSERT INTO orgs(id, name, name_key, kind, version, created_at, updated_at) "
		     "VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)",
    [Q_ORG_GET] = "SELECT " ORG_COLS " FROM orgs WHERE id = ?1",
    [Q_ORG_LIST] = "SELECT " ORG_COLS " FROM orgs WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [Q_USER_INSERT] = "INSERT INTO users(id, username, password_hash, display_name, role, org_id, "
		      "disabled, version, created_at, updated_at, must_change_password) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, ?10)",
    [Q_USER_GET] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
    [Q_USER_BY_NAME] = "SELECT " USER_COLS " FROM users WHERE username = ?1",
    /* A NULL hash keeps the stored one. */
    [Q_USER_UPDATE] = "UPDATE users SET password_hash = coalesce(?2, password_hash), "
		      "display_name = ?3, role = ?4, org_id = ?5, disabled = ?6, updated_at = ?7, "
		      "must_change_password = ?9, privacy_mode = ?10, version = version + 1 "
		      "WHERE id = ?1 AND version = ?8",
    [Q_USER_LIST] = "SELECT " USER_COLS " FROM users WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [Q_SESSION_INSERT] = "INSERT INTO sessions(token_hash, user_id, created_at, expires_at) "
			 "SELECT ?1, id, ?3, ?4 FROM users "
			 "WHERE id = ?2 AND version = ?5 AND disabled = 0",
    [Q_SESSION_USER] =
	"SELECT u.seq, u.id, u.username, u.must_change_password, u.display_name, "
	"u.role, "
	"u.org_id, u.disabled, u.version, u.created_at, u.updated_at, u.privacy_mode, "
	"s.expires_at "
	"FROM sessions s JOIN users u ON u.id = s.user_id "
	"WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
    [Q_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1",
    [Q_SESSION_DELETE_USER] = "DELETE FROM sessions WHERE user_id = ?1",
    [Q_USER_PASSWORD] = "SELECT password_hash FROM users WHERE id = ?1",
    [Q_USER_SET_PASSWORD] = "UPDATE users SET password_hash = ?2, must_change_password = 0, "
			    "updated_at = ?3, version = version + 1 "
			    "WHERE id = ?1 AND version = ?4 AND disabled = 0",
    [Q_SESSION_DELETE_OTHERS] = "DELETE FROM sessions WHERE user_id = ?1 AND token_hash <> ?2",
    /* The changes to the accounts that are in one organisation now. */
    [Q_ACCOUNT_EVENTS_ORG] = "SELECT a.seq, a.at, a.actor_id, a.action, a.target_id, a.fields "
			     "FROM account_audit a JOIN users u ON u.id = a.target_id "
			     "WHERE u.org_id = ?1 AND (?2 = 0 OR a.seq < ?2) "
			     "ORDER BY a.seq DESC LIMIT ?3",
    [Q_SESSION_EXPIRE] = "DELETE FROM sessions WHERE expires_at <= ?1",
    [Q_LOGIN_LOCKED] = "SELECT until FROM login_locks WHERE user_key = ?1 AND until > ?2",
    [Q_LOGIN_COUNT] = "SELECT count(*) FROM login_failures WHERE user_key = ?1 AND at > ?2",
    [Q_LOGIN_INSERT] = "INSERT INTO login_failures(user_key, at) VALUES (?1, ?2)",
    [Q_LOGIN_FORGET_OLD] = "DELETE FROM login_failures WHERE at <= ?1",
    [Q_LOGIN_CLEAR] = "DELETE FROM login_failures WHERE user_key = ?1",
    [Q_LOGIN_UNLOCK_OLD] = "DELETE FROM login_locks WHERE until <= ?1",
    [Q_LOGIN_LOCK] = "INSERT INTO login_locks(user_key, until) VALUES (?1, ?2) "
		     "ON CONFLICT(user_key) DO UPDATE SET until = excluded.until",
    [Q_SURV_INSERT] = "INSERT INTO survivors(id, org_id, advocate_id, status, entered_service_on, "
		      "closed_on, known_as_idx, legal_name_idx, key_id, body, version, created_at, "
		      "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?11)",
    [Q_SURV_GET] = "SELECT " SURV_COLS " FROM survivors WHERE id = ?1 AND org_id = ?2",
    [Q_SURV_GET_ANY_ORG] = "SELECT " SURV_COLS " FROM survivors WHERE id = ?1",
    [Q_SURV_GET_SHARED] =
	"SELECT " SURV_COLS " FROM survivors WHERE id = $id AND id IN (" SHARED_IDS ")",
    [Q_SURV_LIST_SHARED] = "SELECT " SURV_COLS " FROM survivors WHERE id IN (" SHARED_IDS ")"
			   " AND seq > $after AND ($adv IS NULL OR advocate_id = $adv)"
			   " AND ($status IS NULL OR status = $status)"
			   " AND ($name IS NULL OR known_as_idx = $name OR legal_name_idx = $name)"
			   " ORDER BY seq LIMIT $limit",
    [Q_SURV_ORG] = "SELECT org_id FROM survivors WHERE id = ?1",
    [Q_SURV_UPDATE] =
	"UPDATE survivors SET advocate_id = ?2, status = ?3, entered_service_on = ?4, "
	"closed_on = ?5, known_as_idx = ?6, legal_name_idx = ?7, key_id = ?8, "
	"body = ?9, updated_at = ?10, version = version + 1, "
	/* The report's count of changes of advocate (migration 016): the
	 * right-hand sides read the row as it was. */
	"advocate_changes = advocate_changes + (advocate_id IS NOT NULL AND advocate_id IS NOT ?2) "
	"WHERE id = ?1 AND version = ?11",
    [Q_VERSION_KEEP_SURV] = "INSERT OR IGNORE INTO versions(tbl, id, version, key_id, body) "
			    "SELECT 'survivors', id, version, key_id, body FROM survivors "
			    "WHERE id = ?1 AND version = ?2",
    [Q_VERSION_GET] =
	"SELECT key_id, body FROM versions WHERE tbl = ?1 AND id = ?2 AND version = ?3",
    [Q_VERSION_PRUNE] = "DELETE FROM versions WHERE tbl = ?1 AND id = ?2 AND version <= ?3",
    /* The audit trail is two tables (see "The read-audit file" in
     * docs/design.md): entries written with a change, in the change's own
     * transaction, in main.audit; entries of reads, committed by the audit
     * writer, in reads.read_audit. Each entry's seq orders it among both:
     * twice the microseconds of the clock when it is written (?8), even in
     * main and odd in reads, and always past the table's last, so the two
     * never share a seq and each stays in the order it was written. */
    [Q_ROUTE_GET] = "SELECT id FROM main.audit_routes WHERE pattern = ?1",
    [Q_ROUTE_ADD] = "INSERT INTO main.audit_routes(pattern) VALUES (?1)",
    [Q_AUDIT_INSERT] = AUDIT_INSERT(
	"main.audit", "max(((SELECT coalesce(max(seq), 0) FROM main.audit) | 1) + 1, ?8)"),
    [Q_READ_ROUTE_GET] = "SELECT id FROM reads.read_routes WHERE pattern = ?1",
    [Q_READ_ROUTE_ADD] = "INSERT INTO reads.read_routes(pattern) VALUES (?1)",
    /* The audit writer's way (audit_record): the chain's last entry read
     * once a transaction, each entry's seq and mac computed in the process
     * and inserted as plain values. (INSERT ... SELECT from the table it
     * inserts into made SQLite copy each row through a temporary table.) */
    [Q_READ_AUDIT_LAST] = "SELECT seq, mac FROM reads.read_audit ORDER BY seq DESC LIMIT 1",
    [Q_READ_AUDIT_PUT] = "INSERT INTO reads.read_audit(seq, at, survivor_seq, user_seq, org_seq, "
			 "role, action, route, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    /* The chain's head, once a transaction, after its last entry. */
    [Q_READ_HEAD_PUT] = "INSERT OR REPLACE INTO reads.read_head(id, seq, mac, tag) "
			"VALUES (1, ?1, ?2, wm_audit_head(?1, ?2))",
    [Q_AUDIT_SEQS] = "SELECT " SEQ_OF_SURVIVOR("?1") ", " SEQ_OF_USER("?2") ", " SEQ_OF_ORG("?3"),
    [Q_RECENT_READ_SEQ] = "INSERT INTO reads.recent_reads(user_seq, survivor_seq, at) "
			  "VALUES (?1, ?2, ?3) ON CONFLICT(user_seq, survivor_seq) "
			  "DO UPDATE SET at = excluded.at WHERE excluded.at > recent_reads.at",
    /* Newest first across both tables: a merge of two index walks, each
     * stopping at the limit. */
    [Q_AUDIT_LIST] = AUDIT_LOG_ARM("main.audit", "main.audit_routes") " UNION ALL " AUDIT_LOG_ARM(
	"reads.read_audit", "reads.read_routes") " ORDER BY 1 DESC LIMIT ?3",
    /* Bulk-access detection (see bulk_check), in the read-audit file. */
    [Q_RECENT_READ] =
	"INSERT INTO reads.recent_reads(user_seq, survivor_seq, at) "
	"VALUES (" SEQ_OF_USER("?1") ", " SEQ_OF_SURVIVOR(
	    "?2") ", ?3) "
		  /* No page written when the row already says as much. */
		  "ON CONFLICT(user_seq, survivor_seq) DO UPDATE SET at = excluded.at "
		  "WHERE excluded.at > recent_reads.at",
    [Q_RECENT_PRUNE] =
	"DELETE FROM reads.recent_reads WHERE user_seq = " SEQ_OF_USER("?1") " AND at <= ?2",
    [Q_RECENT_COUNT] =
	"SELECT count(*) FROM (SELECT 1 FROM reads.recent_reads WHERE user_seq = " SEQ_OF_USER(
	    "?1") " AND at > ?2 LIMIT ?3)",
    [Q_CASELOAD] = "SELECT count(*) FROM survivors WHERE org_id = ?1 AND advocate_id = ?2",
    [Q_BULK_OPEN] = "SELECT seq FROM reads.bulk_access WHERE user_seq = " SEQ_OF_USER(
	"?1") " AND "
	      "detected_at > ?2 ORDER BY detected_at DESC LIMIT 1",
    [Q_BULK_INSERT] =
	"INSERT INTO reads.bulk_access(user_seq, org_seq, role, window_start, window_end, "
	"distinct_survivors, threshold, detected_at) VALUES (" SEQ_OF_USER("?1") ", " SEQ_OF_ORG(
	    "?2") ", ?3, ?4, ?5, ?6, ?7, ?5)",
    [Q_BULK_UPDATE] = "UPDATE reads.bulk_access SET window_end = ?2, distinct_survivors = "
		      "max(distinct_survivors, ?3) WHERE seq = ?1",
    [Q_BULK_LIST] = "SELECT b.seq, u.id, b.role, o.id, b.window_start, b.window_end, "
		    "b.distinct_survivors, b.threshold, b.detected_at FROM reads.bulk_access b "
		    "JOIN users u ON u.seq = b.user_seq JOIN orgs o ON o.seq = b.org_seq "
		    "WHERE b.org_seq = " SEQ_OF_ORG("?1") " AND b.seq < ?2 "
							  "ORDER BY b.seq DESC LIMIT ?3",
};

/* The statements of one kind of item (see the items section), built from
 * its declaration and prepared once per connection, like the others. */
enum item_q {
	IQ_INSERT,
	IQ_GET,
	IQ_GET_ONE,
	IQ_UPDATE,
	IQ_LIST,
	IQ_KEEP,
	/* A batch of a caseload's items, plain columns only (store_caseload):
	 * of one organisation, of one advocate's survivors in it, or of the
	 * survivors shared with an organisation. */
	IQ_CASE_ORG,
	IQ_CASE_ADV,
	IQ_CASE_SHARED,
	/* The same of one status: "status = $status" where the others say
	 * "$status IS NULL OR ...", which keeps SQLite from the caseload
	 * index's status column, so it read every survivor the advocate ever
	 * held (closed ones too) for each kind. */
	IQ_CASE_ORG_STATUS,
	IQ_CASE_ADV_STATUS,
	IQ_COUNT
};

/* Room for every kind's statements on a connection: kinds are compiled in
 * (domain/kind.h), a dozen or so; a kind past this is refused, never
 * prepared per request. */
#define ITEM_KINDS_MAX 32

struct item_stmts {
	const struct kind *k; /* static: the pointer is the key */
	sqlite3_stmt *s[IQ_COUNT];
};

#define CONN_KEPT 16

struct conn {
	sqlite3 *db;
	sqlite3_stmt *stmts[Q_COUNT];
	struct item_stmts items[ITEM_KINDS_MAX];
	size_t nitems;
	struct conn *next_free;
	struct sqlite_store *st;
	bool gated; /* holds the write turn (see gate_enter) */
	/* The other files' statements made on every request (sqlite_cached),
	 * keyed by their SQL text's address. */
	struct {
		const char *sql;
		sqlite3_stmt *s;
	} kept[CONN_KEPT];
	size_t nkept;
	struct memo *memo; /* the audit writer's (see struct memo); NULL otherwise */
};

/* Writers of this process take turns in arrival order. SQLite's own wait
 * for the write lock (the busy handler) sleeps and polls: behind an audit
 * writer that commits batch after batch under a read flood, a change could
 * wait up to the busy timeout, holding a connection thread of the server
 * and every connection on it. Here a writer waits at most for the writers
 * ahead of it, each one transaction (an audit batch is committed in chunks
 * of AUDIT_CHUNK entries, so none is long), and is woken the moment its
 * turn comes. The busy handler still covers other processes (the command
 * line). */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t turn;
	uint64_t next, serving;
};

/* Sessions recently found valid, so that a request does not query the
 * sessions and users tables every time. A hit holds for at most
 * SESSION_CACHE_TTL, and every change that can end a session or change
 * its user (sign-out, a password change, any update of a user: disabled,
 * role, organisation) empties the cache once committed, so it takes effect
 * at the next request. Lookups that began before such a change cannot put
 * their stale answer back: each remembers the generation it began in. The
 * TTL bounds what another process's change could leave (none changes
 * accounts today; a second server on PostgreSQL would). */
#define SESSION_CACHE_SLOTS 64
#define SESSION_CACHE_TTL   1000000000LL /* nanoseconds: one second */

struct session_slot {
	bool used;
	unsigned char digest[SESSION_DIGEST_LEN];
	struct store_user user;
	int64_t expires_at;
	int64_t cached_at; /* CLOCK_MONOTONIC, nanoseconds */
};

/* The other question every request asks (sqlite_two_factor_state):
 * whether the account's organisation requires two-factor sign-in and
 * whether it is enrolled, keyed by account and organisation, kept and
 * forgotten with the sessions. */
struct two_factor_slot {
	bool used, required, enrolled;
	char user_id[STORE_ID_LEN], org_id[STORE_ID_LEN];
	int64_t cached_at; /* CLOCK_MONOTONIC, nanoseconds */
};

struct session_cache {
	pthread_mutex_t lock;
	uint64_t generation; /* bumped by every invalidation */
	struct session_slot slot[SESSION_CACHE_SLOTS];
	struct two_factor_slot two_factor[SESSION_CACHE_SLOTS];
};

struct sqlite_store {
	const struct keyring *keys;
	struct session_cache sessions;
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct conn *free_list;
	struct conn *conns;
	int count;
	int schema_version;
	struct batch *audit; /* group commit of read-audit entries */
	/* The audit writer's own connection (not in the pool; NULL with a
	 * pool of one): the only one that writes the read-audit file under
	 * load, so its page cache of that file stays valid from one commit to
	 * the next, where a pooled one would read its pages again. */
	struct conn *writer;
	struct gate gate;
	int bulk_threshold;	   /* 0: three times the caseload, at least 100 */
	atomic_long item_prepares; /* item statements prepared, for the tests */
};

/* ---- the session cache ---- */

static int64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct session_slot *session_slot_of(struct session_cache *sc, const unsigned char *digest)
{
	/* The digest is a hash of a random token: its first bytes spread. */
	return &sc->slot[(digest[0] | (unsigned)digest[1] << 8) % SESSION_CACHE_SLOTS];
}

/* A cached, still valid session's user; false on a miss. *generation is
 * what a miss's answer must be put back under. */
static bool session_cached(struct sqlite_store *st, const unsigned char *digest, int64_t now,
			   struct store_user *out, int64_t *expires_at, uint64_t *generation)
{
	struct session_cache *sc = &st->sessions;
	pthread_mutex_lock(&sc->lock);
	*generation = sc->generation;
	struct session_slot *sl = session_slot_of(sc, digest);
	bool hit = sl->used && sodium_memcmp(sl->digest, digest, SESSION_DIGEST_LEN) == 0 &&
		   sl->expires_at > now && monotonic_ns() - sl->cached_at < SESSION_CACHE_TTL;
	if (hit) {
		*out = sl->user;
		*expires_at = sl->expires_at;
	}
	pthread_mutex_unlock(&sc->lock);
	return hit;
}

static void session_remember(struct sqlite_store *st, const unsigned char *digest,
			     const struct store_user *u, int64_t expires_at, uint64_t generation)
{
	struct session_cache *sc = &st->sessions;
	pthread_mutex_lock(&sc->lock);
	if (sc->generation == generation) { /* nothing was revoked since the query began */
		struct session_slot *sl = session_slot_of(sc, digest);
		sl->used = true;
		memcpy(sl->digest, digest, SESSION_DIGEST_LEN);
		sl->user = *u;
		sl->expires_at = expires_at;
		sl->cached_at = monotonic_ns();
	}
	pthread_mutex_unlock(&sc->lock);
}

/* Forgets every cached session: called after each change that can end a
 * session or change its user (committed or not: forgetting is harmless). */
static void session_forget_all(struct sqlite_store *st)
{
	struct session_cache *sc = &st->sessions;
	pthread_mutex_lock(&sc->lock);
	sc->generation++;
	sodium_memzero(sc->slot, sizeof sc->slot);
	memset(sc->two_factor, 0, sizeof sc->two_factor);
	pthread_mutex_unlock(&sc->lock);
}

static struct two_factor_slot *two_factor_slot_of(struct session_cache *sc, const char *user_id)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const char *p = user_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &sc->two_factor[h % SESSION_CACHE_SLOTS];
}

bool sqlite_two_factor_kept(struct sqlite_store *st, const char *user_id, const char *org_id,
			    bool *required, bool *enrolled, uint64_t *generation)
{
	struct session_cache *sc = &st->sessions;
	pthread_mutex_lock(&sc->lock);
	*generation = sc->generation;
	const struct two_factor_slot *sl = two_factor_slot_of(sc, user_id);
	bool hit = sl->used && strcmp(sl->user_id, user_id) == 0 &&
		   strcmp(sl->org_id, org_id) == 0 &&
		   monotonic_ns() - sl->cached_at < SESSION_CACHE_TTL;
	if (hit) {
		*required = sl->required;
		*enrolled = sl->enrolled;
	}
	pthread_mutex_unlock(&sc->lock);
	return hit;
}

void sqlite_two_factor_keep(struct sqlite_store *st, const char *user_id, const char *org_id,
			    bool required, bool enrolled, uint64_t generation)
{
	if (strlen(user_id) >= STORE_ID_LEN || strlen(org_id) >= STORE_ID_LEN)
		return;
	struct session_cache *sc = &st->sessions;
	pthread_mutex_lock(&sc->lock);
	if (sc->generation == generation) { /* nothing changed since the query began */
		struct two_factor_slot *sl = two_factor_slot_of(sc, user_id);
		sl->used = true;
		sl->required = required;
		sl->enrolled = enrolled;
		memcpy(sl->user_id, user_id, strlen(user_id) + 1);
		memcpy(sl->org_id, org_id, strlen(org_id) + 1);
		sl->cached_at = monotonic_ns();
	}
	pthread_mutex_unlock(&sc->lock);
}

/* ---- connections ---- */

/* The audit trail's chain, as an SQL function so that an entry and its mac
 * are one INSERT: wm_audit_mac(prev mac, seq, at, survivor_seq, user_seq,
 * org_seq, role, action, route) (codec_audit_mac). NULL when an entry's
 * reference did not resolve: the entry's own NOT NULL refuses it. */
static void audit_mac_sql(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	assert(argc == 9);
	for (int i = 1; i < argc; i++)
		if (i != 5 && sqlite3_value_type(argv[i]) == SQLITE_NULL) {
			sqlite3_result_null(ctx);
			return;
		}
	const struct keyring *keys = sqlite3_user_data(ctx);
	const unsigned char *prev = NULL;
	if (sqlite3_value_type(argv[0]) == SQLITE_BLOB &&
	    sqlite3_value_bytes(argv[0]) == CODEC_AUDIT_MAC_LEN)
		prev = sqlite3_value_blob(argv[0]);
	struct codec_audit_row row = {
	    .seq = sqlite3_value_int64(argv[1]),
	    .at = sqlite3_value_int64(argv[2]),
	    .survivor_seq = sqlite3_value_int64(argv[3]),
	    .user_seq = sqlite3_value_int64(argv[4]),
	    .org_seq = sqlite3_value_int64(argv[5]),
	    .has_org = sqlite3_value_type(argv[5]) != SQLITE_NULL,
	    .role = sqlite3_value_int(argv[6]),
	    .action = sqlite3_value_int(argv[7]),
	    .route = sqlite3_value_int64(argv[8]),
	};
	unsigned char mac[CODEC_AUDIT_MAC_LEN];
	codec_audit_mac(keys, prev, &row, mac);
	sqlite3_result_blob(ctx, mac, sizeof mac, SQLITE_TRANSIENT);
}

/* wm_audit_head(seq, mac): the tag of a chain's head (codec_audit_head),
 * which the tables' triggers keep in audit_head and reads.read_head. */
static void audit_head_sql(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	assert(argc == 2);
	if (sqlite3_value_type(argv[1]) != SQLITE_BLOB ||
	    sqlite3_value_bytes(argv[1]) != CODEC_AUDIT_MAC_LEN) {
		sqlite3_result_null(ctx);
		return;
	}
	unsigned char tag[CODEC_AUDIT_MAC_LEN];
	codec_audit_head(sqlite3_user_data(ctx), sqlite3_value_int64(argv[0]),
			 sqlite3_value_blob(argv[1]), tag);
	sqlite3_result_blob(ctx, tag, sizeof tag, SQLITE_TRANSIENT);
}

/* Once per process, before SQLite's first use: without the memory
 * statistics (which nothing here reads) each of SQLite's allocations and
 * frees stops taking one mutex shared by every connection, which under
 * load every thread of the server contended for. Too late (SQLite already
 * in use by this process), it changes nothing. */
static void configure_sqlite(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static wm_err open_conn(const char *path, bool create, struct conn *c)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK)
		return WM_ERR_IO;
	sqlite3_busy_timeout(c->db, 10000);
	sqlite3_extended_result_codes(c->db, 1);
	const char *pragmas = "PRAGMA journal_mode = WAL;"
			      "PRAGMA synchronous = FULL;"
			      "PRAGMA foreign_keys = ON;"
			      "PRAGMA secure_delete = ON;"
			      "PRAGMA trusted_schema = OFF;";
	if (sqlite3_exec(c->db, pragmas, NULL, NULL, NULL) != SQLITE_OK)
		return WM_ERR_IO;
	/* Innocuous (no side effect, nothing read but its arguments): the
	 * chain's triggers may call them with trusted_schema off. */
	const int fflags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	if (sqlite3_create_function(c->db, "wm_audit_mac", 9, fflags, (void *)c->st->keys,
				    audit_mac_sql, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(c->db, "wm_audit_head", 2, fflags, (void *)c->st->keys,
				    audit_head_sql, NULL, NULL) != SQLITE_OK)
		return WM_ERR_IO;
	return WM_OK;
}

/* ---- the read-audit file ----
 *
 * The audit entries of reads, and bulk-access detection's state, live in a
 * second SQLite file beside the database ("<path>-reads"), attached to
 * every connection as the schema "reads". Each read's entry must be
 * committed before the read is answered, so under load the audit writer
 * commits hundreds of times a second; in one file, every such commit made
 * each other connection discard its whole page cache (SQLite resets a
 * connection's cache whenever the file changed since its last read) and
 * read its pages again. In a file of its own, a commit of reads' entries
 * leaves the caches of the records untouched. Entries written with a
 * change stay in main.audit, in the change's own transaction: a change and
 * its entry are one atomic commit of one file. docs/design.md has the
 * whole of it. */

/* The schema version (migration 017) from which the file must exist. */
#define READS_VERSION 17
#define READS_SUFFIX  "-reads"

/* Idempotent: run whenever the file is attached. */
static const char reads_schema[] =
    "CREATE TABLE IF NOT EXISTS reads.read_routes ("
    " id INTEGER PRIMARY KEY, pattern TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS reads.read_audit ("
    " seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, survivor_seq INTEGER NOT NULL,"
    " user_seq INTEGER NOT NULL, org_seq INTEGER, role INTEGER NOT NULL,"
    " action INTEGER NOT NULL, route INTEGER NOT NULL, mac BLOB);"
    "CREATE INDEX IF NOT EXISTS reads.read_audit_survivor ON read_audit(survivor_seq);"
    /* Nothing reads the entries by account: the index only cost every
     * insert a third more (it was made until 2026-12). */
    "DROP INDEX IF EXISTS reads.read_audit_user;"
    "CREATE TABLE IF NOT EXISTS reads.recent_reads ("
    " user_seq INTEGER NOT NULL, survivor_seq INTEGER NOT NULL, at INTEGER NOT NULL,"
    " PRIMARY KEY (user_seq, survivor_seq)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS reads.recent_reads_user_at ON recent_reads(user_seq, at);"
    "CREATE TABLE IF NOT EXISTS reads.bulk_access ("
    " seq INTEGER PRIMARY KEY, user_seq INTEGER NOT NULL, org_seq INTEGER NOT NULL,"
    " role INTEGER NOT NULL, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,"
    " distinct_survivors INTEGER NOT NULL, threshold INTEGER NOT NULL,"
    " detected_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS reads.bulk_access_org ON bulk_access(org_seq);"
    "CREATE INDEX IF NOT EXISTS reads.bulk_access_user ON bulk_access(user_seq, detected_at);"
    /* The head of the reads' audit chain (see 020_audit_chain.sql), written
     * by the one writer of this file once a transaction (audit_record), not
     * by a trigger once an entry: a dashboard's transaction holds hundreds. */
    "CREATE TABLE IF NOT EXISTS reads.read_head ("
    " id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, mac BLOB NOT NULL,"
    " tag BLOB NOT NULL);"
    "DROP TRIGGER IF EXISTS reads.read_audit_head;"
    /* Survivors being erased (see store_survivor_erase). */
    "CREATE TABLE IF NOT EXISTS reads.erasing (survivor_seq INTEGER PRIMARY KEY);";

/* Attaches the read-audit file of the database at path as "reads". */
static wm_err reads_attach(struct conn *c, const char *path)
{
	char *file = sqlite3_mprintf("%s" READS_SUFFIX, path);
	sqlite3_stmt *s = NULL;
	int rc = file ? sqlite3_prepare_v2(c->db, "ATTACH DATABASE ?1 AS reads", -1, &s, NULL)
		      : SQLITE_NOMEM;
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, file, -1, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(s);
	sqlite3_free(file);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(c->db,
				  "PRAGMA reads.journal_mode = WAL;"
				  "PRAGMA reads.synchronous = FULL;"
				  "PRAGMA reads.secure_delete = ON;",
				  NULL, NULL, NULL);
	return rc == SQLITE_OK ? WM_OK : WM_ERR_IO;
}

static void close_conn(struct conn *c)
{
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(c->stmts[i]);
	for (size_t i = 0; i < c->nkept; i++)
		sqlite3_finalize(c->kept[i].s);
	for (size_t i = 0; i < c->nitems; i++)
		for (int q = 0; q < IQ_COUNT; q++)
			sqlite3_finalize(c->items[i].s[q]);
	sqlite3_close(c->db);
	free(c->memo);
	c->memo = NULL;
}

static struct conn *acquire(struct sqlite_store *st)
{
	pthread_mutex_lock(&st->lock);
	while (!st->free_list)
		pthread_cond_wait(&st->freed, &st->lock);
	struct conn *c = st->free_list;
	st->free_list = c->next_free;
	pthread_mutex_unlock(&st->lock);
	return c;
}

static void release(struct sqlite_store *st, struct conn *c)
{
	pthread_mutex_lock(&st->lock);
	c->next_free = st->free_list;
	st->free_list = c;
	pthread_cond_signal(&st->freed);
	pthread_mutex_unlock(&st->lock);
}

/* The prepared statement q, reset and ready for binding; NULL on error. */
static sqlite3_stmt *stmt(struct conn *c, enum stmt q)
{
	if (!c->stmts[q]) {
		const char *sql = q >= Q_SURV_LIST && q <= Q_SURV_LIST_LAST
				      ? list_sql[q - Q_SURV_LIST]
				      : sql_text[q];
		assert(sql != NULL);
		if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->stmts[q],
				       NULL) != SQLITE_OK) {
			/* A bug or a damaged schema: the SQL and SQLite's reason hold
			 * no personal data, and the operator needs them. */
			log_info("cannot prepare statement %d: %s", (int)q, sqlite3_errmsg(c->db));
			return NULL;
		}
	}
	return c->stmts[q];
}

static void done(sqlite3_stmt *s)
{
	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
}

static wm_err map_rc(int rc)
{
	if (rc == SQLITE_DONE || rc == SQLITE_ROW || rc == SQLITE_OK)
		return WM_OK;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return WM_ERR_CONFLICT;
	if ((rc & 0xff) == SQLITE_NOMEM)
		return WM_ERR_NOMEM;
	return WM_ERR_IO;
}

/* Runs a statement that returns no rows. */
static wm_err exec_stmt(sqlite3_stmt *s)
{
	if (!s)
		return WM_ERR_IO;
	int rc = sqlite3_step(s);
	done(s);
	return map_rc(rc);
}

/* Runs a statement that takes one integer and returns no rows. */
static wm_err exec_int(struct conn *c, enum stmt q, int64_t v)
{
	sqlite3_stmt *s = stmt(c, q);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_int64(s, 1, v);
	return exec_stmt(s);
}

static void gate_enter(struct conn *c)
{
	struct gate *g = &c->st->gate;
	assert(!c->gated);
	pthread_mutex_lock(&g->lock);
	uint64_t ticket = g->next++;
	while (g->serving != ticket)
		pthread_cond_wait(&g->turn, &g->lock);
	pthread_mutex_unlock(&g->lock);
	c->gated = true;
}

static void gate_leave(struct conn *c)
{
	struct gate *g = &c->st->gate;
	if (!c->gated)
		return;
	c->gated = false;
	pthread_mutex_lock(&g->lock);
	g->serving++;
	pthread_cond_broadcast(&g->turn);
	pthread_mutex_unlock(&g->lock);
}

/* Begins a write transaction in this process's turn; finish ends both. */
static wm_err begin(struct conn *c)
{
	gate_enter(c);
	return exec_stmt(stmt(c, Q_BEGIN));
}

/* The audit writer's transaction, in this process's turn: a write of the
 * read-audit file only. BEGIN IMMEDIATE takes the write lock of every
 * attached file, so each commit of reads' entries also held the records'
 * lock, and another process's change waited behind it; here a first
 * statement that writes nothing takes the read-audit file's lock alone, and
 * the records are only read (for row numbers). finish ends it. */
static wm_err begin_reads(struct conn *c)
{
	gate_enter(c);
	wm_err e = exec_stmt(stmt(c, Q_BEGIN_DEFERRED));
	if (e == WM_OK)
		e = exec_stmt(stmt(c, Q_READS_LOCK));
	if (e == WM_OK && sqlite3_txn_state(c->db, "reads") != SQLITE_TXN_WRITE)
		e = WM_ERR_IO; /* never expected: finish rolls back */
	return e;
}

static wm_err finish(struct conn *c, wm_err e)
{
	if (e == WM_OK) {
		e = exec_stmt(stmt(c, Q_COMMIT));
		if (e == WM_OK) {
			gate_leave(c);
			return WM_OK;
		}
	}
	if (!sqlite3_get_autocommit(c->db))
		exec_stmt(stmt(c, Q_ROLLBACK));
	gate_leave(c);
	return e;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v && v[0])
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static void copy_col(sqlite3_stmt *s, int i, char *out, size_t cap)
{
	/* Called for every id and code of every row a caseload reads: a
	 * plain bounded copy, not a formatted print. */
	assert(cap > 0);
	const unsigned char *t = sqlite3_column_text(s, i);
	size_t n = t ? (size_t)sqlite3_column_bytes(s, i) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(out, t, n);
	out[n] = '\0';
}

static wm_err audit_commit(void *ctx, const struct store_audit *entries, size_t n);

/* ---- opening, migrations, key check ---- */

static bool has_table(struct conn *c, const char *name)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?1",
			       -1, &s, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	bool found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

static int current_version(struct conn *c)
{
	if (!has_table(c, "schema_migrations"))
		return 0;
	sqlite3_stmt *s;
	int v = -1;
	if (sqlite3_prepare_v2(c->db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1,
			       &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

int sqlite_schema_latest(void)
{
	return sqlite_migrations[sqlite_migration_count - 1].version;
}

/* Before migration 017 drops them from main: copies bulk-access
 * detection's tables into the read-audit file, in a transaction of that
 * file alone, committed before the migration's. Idempotent (the same rows
 * under the same keys), so a crash between the two commits only makes the
 * next start copy them again. */
static int reads_adopt(struct conn *c)
{
	if (!has_table(c, "recent_reads"))
		return SQLITE_OK;
	int rc =
	    sqlite3_exec(c->db,
			 "BEGIN IMMEDIATE;"
			 "INSERT OR IGNORE INTO reads.bulk_access SELECT * FROM main.bulk_access;"
			 "INSERT INTO reads.recent_reads SELECT user_seq, survivor_seq, at FROM "
			 "main.recent_reads"
			 " WHERE true ON CONFLICT(user_seq, survivor_seq) DO UPDATE SET at = "
			 "max(at, excluded.at);"
			 "COMMIT",
			 NULL, NULL, NULL);
	if (rc != SQLITE_OK && !sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static wm_err migrate(struct conn *c, int from, char *msg, size_t cap)
{
	for (int i = 0; i < sqlite_migration_count; i++) {
		const struct migration *m = &sqlite_migrations[i];
		if (m->version <= from)
			continue;
		char *err = NULL;
		int rc = m->version == READS_VERSION ? reads_adopt(c) : SQLITE_OK;
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(c->db,
					  "CREATE TABLE IF NOT EXISTS schema_migrations ("
					  "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
					  "applied_at TEXT NOT NULL DEFAULT "
					  "(strftime('%Y-%m-%dT%H:%M:%SZ','now')))",
					  NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(c->db, m->sql, NULL, NULL, &err);
		if (rc == SQLITE_OK) {
			sqlite3_stmt *s;
			rc = sqlite3_prepare_v2(
			    c->db, "INSERT INTO schema_migrations(version, name) VALUES (?1, ?2)",
			    -1, &s, NULL);
			if (rc == SQLITE_OK) {
				sqlite3_bind_int(s, 1, m->version);
				sqlite3_bind_text(s, 2, m->name, -1, SQLITE_STATIC);
				rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
				sqlite3_finalize(s);
			}
		}
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			snprintf(msg, cap, "migration %s failed: %s", m->name,
				 err ? err : sqlite3_errmsg(c->db));
			sqlite3_free(err);
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
			return WM_ERR_IO;
		}
	}
	return WM_OK;
}

static wm_err meta_get(struct conn *c, const char *name, unsigned char **out, size_t *len)
{
	sqlite3_stmt *s = stmt(c, Q_META_GET);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	wm_err e = WM_ERR_NOT_FOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(s, 0);
		*out = malloc(n ? n : 1);
		if (*out) {
			if (n)
				memcpy(*out, sqlite3_column_blob(s, 0), n);
			*len = n;
			e = WM_OK;
		} else {
			e = WM_ERR_NOMEM;
		}
	}
	done(s);
	return e;
}

static wm_err meta_put(struct conn *c, const char *name, const unsigned char *v, size_t len)
{
	sqlite3_stmt *s = stmt(c, Q_META_PUT);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, v, (int)len, SQLITE_STATIC);
	return exec_stmt(s);
}

static wm_err prepare_database(struct sqlite_store *st, struct conn *c, enum store_mode mode,
			       char *msg, size_t cap)
{
	int version = current_version(c);
	if (version < 0) {
		snprintf(msg, cap, "cannot read the schema version");
		return WM_ERR_IO;
	}
	if (mode == STORE_CREATE && version > 0) {
		snprintf(msg, cap,
			 "the database already holds waymark data; refusing to overwrite it");
		return WM_ERR_EXISTS;
	}
	if (mode == STORE_OPEN && version == 0) {
		snprintf(msg, cap, "not a waymark database: create one with 'waymark init'");
		return WM_ERR_NOT_FOUND;
	}
	if (version > sqlite_schema_latest()) {
		snprintf(msg, cap,
			 "the database is at schema version %d, newer than this waymark knows "
			 "(%d): upgrade waymark before opening it",
			 version, sqlite_schema_latest());
		return WM_ERR_SCHEMA_NEWER;
	}
	wm_err e = migrate(c, version, msg, cap);
	if (e != WM_OK)
		return e;
	st->schema_version = current_version(c);

	unsigned char *check = NULL;
	size_t len = 0;
	if (mode == STORE_CREATE) {
		e = codec_key_check_make(st->keys, &check, &len);
		if (e == WM_OK)
			e = meta_put(c, "key_check", check, len);
		free(check);
		if (e != WM_OK)
			snprintf(msg, cap, "cannot record the key check");
		return e;
	}
	e = meta_get(c, "key_check", &check, &len);
	if (e == WM_OK)
		e = codec_key_check_verify(st->keys, check, len);
	free(check);
	if (e != WM_OK) {
		snprintf(msg, cap, "the key file does not match this database");
		return WM_ERR_CRYPTO;
	}
	return WM_OK;
}

/* A read-audit file from before the audit chain (schema 020) gets the
 * column of its entries' macs; chain_fill links its entries. */
static int reads_chain_column(struct conn *c)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(
	    c->db, "SELECT 1 FROM pragma_table_info('read_audit', 'reads') WHERE name = 'mac'", -1,
	    &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return SQLITE_OK;
	if (rc != SQLITE_DONE)
		return rc;
	return sqlite3_exec(c->db, "ALTER TABLE reads.read_audit ADD COLUMN mac BLOB", NULL, NULL,
			    NULL);
}

/* Links into the chain the entries of an audit table (tbl: "main.audit" or
 * "reads.read_audit") written before it existed: they have no mac yet, and
 * are all after the last entry that has one (new entries are linked as they
 * are written, and this runs before any is). Once, at the first start of a
 * database from before schema 020, in transactions of CHAIN_BATCH entries
 * so that a stop part-way loses nothing: the next start goes on. */
#define CHAIN_BATCH 5000
static wm_err chain_fill(struct sqlite_store *st, struct conn *c, const char *tbl)
{
	char *last_sql =
	    sqlite3_mprintf("SELECT mac IS NULL FROM %s ORDER BY seq DESC LIMIT 1", tbl);
	char *head_sql = sqlite3_mprintf(
	    "SELECT seq, mac FROM %s WHERE mac IS NOT NULL ORDER BY seq DESC LIMIT 1", tbl);
	char *rows_sql =
	    sqlite3_mprintf("SELECT seq, at, survivor_seq, user_seq, org_seq, role, "
			    "action, route FROM %s WHERE seq > ?1 ORDER BY seq LIMIT %d",
			    tbl, CHAIN_BATCH);
	char *set_sql = sqlite3_mprintf("UPDATE %s SET mac = ?2 WHERE seq = ?1", tbl);
	sqlite3_stmt *last = NULL, *head = NULL, *rows = NULL, *set = NULL;
	wm_err e = last_sql && head_sql && rows_sql && set_sql ? WM_OK : WM_ERR_NOMEM;
	if (e == WM_OK && (sqlite3_prepare_v2(c->db, last_sql, -1, &last, NULL) != SQLITE_OK ||
			   sqlite3_prepare_v2(c->db, head_sql, -1, &head, NULL) != SQLITE_OK ||
			   sqlite3_prepare_v2(c->db, rows_sql, -1, &rows, NULL) != SQLITE_OK ||
			   sqlite3_prepare_v2(c->db, set_sql, -1, &set, NULL) != SQLITE_OK))
		e = WM_ERR_IO;
	bool needed = e == WM_OK && sqlite3_step(last) == SQLITE_ROW && sqlite3_column_int(last, 0);
	int64_t after = 0;
	unsigned char mac[CODEC_AUDIT_MAC_LEN];
	bool have_mac = false;
	if (needed && sqlite3_step(head) == SQLITE_ROW &&
	    sqlite3_column_bytes(head, 1) == CODEC_AUDIT_MAC_LEN) {
		after = sqlite3_column_int64(head, 0);
		memcpy(mac, sqlite3_column_blob(head, 1), sizeof mac);
		have_mac = true;
	}
	size_t linked = 0;
	for (bool more = needed; e == WM_OK && more;) {
		e = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
			? WM_OK
			: WM_ERR_IO;
		sqlite3_bind_int64(rows, 1, after);
		size_t n = 0;
		int rc;
		while (e == WM_OK && (rc = sqlite3_step(rows)) == SQLITE_ROW) {
			struct codec_audit_row row = {
			    .seq = sqlite3_column_int64(rows, 0),
			    .at = sqlite3_column_int64(rows, 1),
			    .survivor_seq = sqlite3_column_int64(rows, 2),
			    .user_seq = sqlite3_column_int64(rows, 3),
			    .org_seq = sqlite3_column_int64(rows, 4),
			    .has_org = sqlite3_column_type(rows, 4) != SQLITE_NULL,
			    .role = sqlite3_column_int(rows, 5),
			    .action = sqlite3_column_int(rows, 6),
			    .route = sqlite3_column_int64(rows, 7),
			};
			codec_audit_mac(st->keys, have_mac ? mac : NULL, &row, mac);
			have_mac = true;
			sqlite3_bind_int64(set, 1, row.seq);
			sqlite3_bind_blob(set, 2, mac, sizeof mac, SQLITE_STATIC);
			if (sqlite3_step(set) != SQLITE_DONE)
				e = WM_ERR_IO;
			sqlite3_reset(set);
			after = row.seq;
			n++;
		}
		sqlite3_reset(rows);
		more = n == CHAIN_BATCH;
		linked += n;
		if (sqlite3_exec(c->db, e == WM_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) !=
		    SQLITE_OK)
			e = WM_ERR_IO;
	}
	if (e == WM_OK && linked) {
		char *head_set = sqlite3_mprintf(
		    "INSERT OR REPLACE INTO %s(id, seq, mac, tag) VALUES (1, ?1, ?2, "
		    "wm_audit_head(?1, ?2))",
		    strcmp(tbl, "main.audit") == 0 ? "main.audit_head" : "reads.read_head");
		sqlite3_stmt *hs = NULL;
		if (!head_set || sqlite3_prepare_v2(c->db, head_set, -1, &hs, NULL) != SQLITE_OK)
			e = WM_ERR_IO;
		else {
			sqlite3_bind_int64(hs, 1, after);
			sqlite3_bind_blob(hs, 2, mac, sizeof mac, SQLITE_STATIC);
			e = sqlite3_step(hs) == SQLITE_DONE ? WM_OK : WM_ERR_IO;
		}
		sqlite3_finalize(hs);
		sqlite3_free(head_set);
		log_info("linked %zu earlier entries of the audit trail into its chain", linked);
	}
	sqlite3_finalize(last);
	sqlite3_finalize(head);
	sqlite3_finalize(rows);
	sqlite3_finalize(set);
	sqlite3_free(last_sql);
	sqlite3_free(head_sql);
	sqlite3_free(rows_sql);
	sqlite3_free(set_sql);
	return e;
}

/* Opens the read-audit file on the first connection, before the
 * migrations, creating it for a new or an older database. A database from
 * version 017 on should have it: its reads' audit trail is there. Without
 * it (a copy of the database file alone) a new one is started, and the
 * operator is told the earlier reads' entries are not in it; refusing to
 * start would leave a service without its records over a lost file. Then
 * its schema. */
static wm_err reads_open(struct conn *c, const char *path, enum store_mode mode, char *msg,
			 size_t cap)
{
	int version = current_version(c);
	char *file = sqlite3_mprintf("%s" READS_SUFFIX, path);
	if (!file)
		return WM_ERR_NOMEM;
	struct stat sb;
	bool exists = stat(file, &sb) == 0;
	bool may_create =
	    (mode == STORE_CREATE && version == 0) || (mode == STORE_OPEN && version > 0);
	wm_err e = WM_OK;
	if (!exists && version >= READS_VERSION)
		log_info(
		    "the read-audit file beside the database (its name ending in %s) was "
		    "missing: a new one is started; the audit entries of earlier reads are not "
		    "in it (restore it from the backup the database came from)",
		    READS_SUFFIX);
	if (!exists && may_create) {
		sqlite3 *db = NULL;
		if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
		    SQLITE_OK)
			e = WM_ERR_IO;
		sqlite3_close(db);
		if (e != WM_OK)
			snprintf(msg, cap, "cannot create the read-audit file beside the database");
	}
	sqlite3_free(file);
	if (e != WM_OK || (!exists && !may_create))
		return e; /* not a waymark database: prepare_database says so */
	if (reads_attach(c, path) != WM_OK ||
	    sqlite3_exec(c->db, reads_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    reads_chain_column(c) != SQLITE_OK) {
		snprintf(msg, cap, "cannot open the read-audit file: %s", sqlite3_errmsg(c->db));
		return WM_ERR_IO;
	}
	return WM_OK;
}

/* Whether an erasure left its mark in the read-audit file. */
static bool has_erasing(struct conn *c)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM reads.erasing LIMIT 1", -1, &s, NULL) !=
	    SQLITE_OK)
		return false;
	bool found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

/* Finishes erasures a crash left half-done: the survivor is gone from the
 * database, but the read-audit file's commit (the second) was lost. */
static wm_err reads_sweep(struct conn *c)
{
	static const char sql[] =
	    "BEGIN IMMEDIATE;"
	    "CREATE TEMP TABLE IF NOT EXISTS erased AS SELECT survivor_seq FROM reads.erasing"
	    " WHERE survivor_seq NOT IN (SELECT seq FROM main.survivors);"
	    "DELETE FROM reads.recent_reads WHERE survivor_seq IN (SELECT survivor_seq FROM "
	    "erased);"
	    "DELETE FROM reads.erasing WHERE survivor_seq IN (SELECT survivor_seq FROM erased);"
	    "DROP TABLE erased;"
	    "COMMIT";
	if (!has_erasing(c))
		return WM_OK;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK && !sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return rc == SQLITE_OK ? WM_OK : WM_ERR_IO;
}

wm_err sqlite_open(const char *url, const struct keyring *keys, enum store_mode mode, int pool_size,
		   struct sqlite_store **out, char *msg, size_t msgcap)
{
	*out = NULL;
	struct stat sb;
	if (mode == STORE_OPEN && stat(url, &sb) != 0) {
		snprintf(msg, msgcap, "no database at that path: create one with 'waymark init'");
		return WM_ERR_NOT_FOUND;
	}
	if (pool_size < 1)
		pool_size = 1;
	static pthread_once_t configured = PTHREAD_ONCE_INIT;
	pthread_once(&configured, configure_sqlite);
	struct sqlite_store *st = calloc(1, sizeof *st);
	if (!st)
		return WM_ERR_NOMEM;
	st->keys = keys;
	int nconns = pool_size > 1 ? pool_size + 1 : 1; /* the pool, and the audit writer's */
	st->conns = calloc((size_t)nconns, sizeof *st->conns);
	if (!st->conns) {
		free(st);
		return WM_ERR_NOMEM;
	}
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->freed, NULL);
	pthread_mutex_init(&st->gate.lock, NULL);
	pthread_cond_init(&st->gate.turn, NULL);
	pthread_mutex_init(&st->sessions.lock, NULL);
	for (int i = 0; i < nconns; i++)
		st->conns[i].st = st;

	wm_err e = open_conn(url, mode == STORE_CREATE, &st->conns[0]);
	st->count = 1;
	if (e != WM_OK)
		snprintf(msg, msgcap, "cannot open the database: %s",
			 st->conns[0].db ? sqlite3_errmsg(st->conns[0].db) : "out of memory");
	else
		e = reads_open(&st->conns[0], url, mode, msg, msgcap);
	if (e == WM_OK)
		e = prepare_database(st, &st->conns[0], mode, msg, msgcap);
	if (e == WM_OK && reads_sweep(&st->conns[0]) != WM_OK) {
		snprintf(msg, msgcap,
			 "cannot finish an interrupted erasure in the read-audit file");
		e = WM_ERR_IO;
	}
	if (e == WM_OK && (chain_fill(st, &st->conns[0], "main.audit") != WM_OK ||
			   chain_fill(st, &st->conns[0], "reads.read_audit") != WM_OK)) {
		snprintf(msg, msgcap,
			 "cannot link the audit trail's earlier entries into its chain");
		e = WM_ERR_IO;
	}
	for (int i = 1; e == WM_OK && i < nconns; i++) {
		e = open_conn(url, false, &st->conns[i]);
		st->count++;
		if (e == WM_OK)
			e = reads_attach(&st->conns[i], url);
		if (e != WM_OK)
			snprintf(msg, msgcap, "cannot open a database connection");
	}
	if (e != WM_OK) {
		sqlite_close(st);
		return e;
	}
	for (int i = 0; i < pool_size; i++) {
		st->conns[i].next_free = st->free_list;
		st->free_list = &st->conns[i];
	}
	if (nconns > pool_size)
		st->writer = &st->conns[pool_size];
	st->audit = batch_start(audit_commit, st);
	if (!st->audit) {
		snprintf(msg, msgcap, "cannot start the audit writer");
		sqlite_close(st);
		return WM_ERR_NOMEM;
	}
	*out = st;
	return WM_OK;
}

void sqlite_close(struct sqlite_store *st)
{
	if (!st)
		return;
	batch_stop(st->audit); /* commits what is pending first */
	for (int i = 0; i < st->count; i++)
		close_conn(&st->conns[i]);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->freed);
	pthread_mutex_destroy(&st->gate.lock);
	pthread_cond_destroy(&st->gate.turn);
	sodium_memzero(st->sessions.slot, sizeof st->sessions.slot);
	pthread_mutex_destroy(&st->sessions.lock);
	free(st->conns);
	free(st);
}

int sqlite_schema_version(struct sqlite_store *st)
{
	return st->schema_version;
}

wm_err sqlite_ping(struct sqlite_store *st)
{
	struct conn *c = acquire(st);
	sqlite3_stmt *s = stmt(c, Q_PING);
	wm_err e = s && sqlite3_step(s) == SQLITE_ROW ? WM_OK : WM_ERR_IO;
	done(s);
	release(st, c);
	return e;
}

/* ---- organisations ---- */

static void read_org(sqlite3_stmt *s, struct store_org *o)
{
	o->seq = sqlite3_column_int64(s, 0);
	copy_col(s, 1, o->id, sizeof o->id);
	copy_col(s, 2, o->name, sizeof o->name);
	copy_col(s, 3, o->kind, sizeof o->kind);
	o->version = sqlite3_column_int(s, 4);
	copy_col(s, 5, o->created_at, sizeof o->created_at);
	copy_col(s, 6, o->updated_at, sizeof o->updated_at);
}

static wm_err account_event(struct conn *c, const struct store_account_event *ev)
{
	sqlite3_stmt *s = stmt(c, Q_ACCOUNT_EVENT);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_text(s, 1, ev->at, -1, SQLITE_STATIC);
	bind_text(s, 2, ev->actor_id);
	sqlite3_bind_text(s, 3, ev->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, ev->target_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, ev->fields, -1, SQLITE_STATIC);
	return exec_stmt(s);
}

wm_err sqlite_org_create(struct sqlite_store *st, const struct store_org *org,
			 const struct store_account_event *ev)
{
	char key[STORE_NAME_LEN * 4];
	if (!text_fold(org->name, key, sizeof key))
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	sqlite3_stmt *s = e == WM_OK ? stmt(c, Q_ORG_INSERT) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		sqlite3_bind_text(s, 1, org->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, org->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, org->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, org->created_at, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, org->updated_at, -1, SQLITE_STATIC);
		e = exec_stmt(s);
	}
	if (e == WM_OK)
		e = account_event(c, ev);
	e = finish(c, e);
	release(st, c);
	return e;
}

wm_err sqlite_org_get(struct sqlite_store *st, const char *id, struct store_org *out)
{
	struct conn *c = acquire(st);
	sqlite3_stmt *s = stmt(c, Q_ORG_GET);
	wm_err e = WM_ERR_IO;
	if (s) {
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			read_org(s, out);
			e = WM_OK;
		} else {
			e = rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		}
		done(s);
	}
	release(st, c);
	return e;
}

wm_err sqlite_org_list(struct sqlite_store *st, int64_t after, int limit,
		       void (*each)(void *ctx, const struct store_org *org), void *ctx, bool *more)
{
	struct conn *c = acquire(st);
	sqlite3_stmt *s = stmt(c, Q_ORG_LIST);
	wm_err e = WM_ERR_IO;
	*more = false;
	if (s) {
		sqlite3_bind_int64(s, 1, after);
		sqlite3_bind_int(s, 2, limit + 1);
		int n = 0, rc;
		struct store_org o;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (n++ == limit) {
				*more = true;
				break;
			}
			read_org(s, &o);
			each(ctx, &o);
		}
		e = rc == SQLITE_ROW || rc == SQLITE_DONE ? WM_OK : map_rc(rc);
		done(s);
	}
	release(st, c);
	return e;
}

/* ---- users and sessions ---- */

static void read_user(sqlite3_stmt *s, struct store_user *u)
{
	u->seq = sqlite3_column_int64(s, 0);
	copy_col(s, 1, u->id, sizeof u->id);
	copy_col(s, 2, u->username, sizeof u->username);
	u->password_hash[0] = '\0';
	u->must_change_password = sqlite3_column_int(s, 3) != 0;
	copy_col(s, 4, u->display_name, sizeof u->display_name);
	const char *role = (const char *)sqlite3_column_text(s, 5);
	if (!role_parse(role, &u->role))
		u->role = ROLE_ANALYST; /* unreachable with a sound database; least power */
	copy_col(s, 6, u->org_id, sizeof u->org_id);
	u->disabled = sqlite3_column_int(s, 7) != 0;
	u->version = sqlite3_column_int(s, 8);
	copy_col(s, 9, u->created_at, sizeof u->created_at);
	copy_col(s, 10, u->updated_at, sizeof u->updated_at);
	u->privacy_mode = sqlite3_column_int(s, 11) != 0;
}

wm_err sqlite_user_create(struct sqlite_store *st, const struct store_user *u,
			  const struct store_account_event *ev)
{
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	sqlite3_stmt *s = e == WM_OK ? stmt(c, Q_USER_INSERT) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		sqlite3_bind_text(s, 1, u->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, u->username, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, u->password_hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, u->display_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, role_name(u->role), -1, SQLITE_STATIC);
		bind_text(s, 6, u->org_id);
		sqlite3_bind_int(s, 7, u->disabled);
		sqlite3_bind_text(s, 8, u->created_at, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 9, u->updated_at, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 10, u->must_change_password);
		e = exec_stmt(s);
	}
	if (e == WM_OK)
		e = account_event(c, ev);
	e = finish(c, e);
	release(st, c);
	return e;
}

static wm_err user_lookup(struct sqlite_store *st, enum stmt q, const char *key,
			  struct store_user *out)
{
	struct conn *c = acquire(st);
	sqlite3_stmt *s = stmt(c, q);
	wm_err e = WM_ERR_IO;
	if (s) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			read_user(s, out);
			e = WM_OK;
		} else {
			e = rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		}
		done(s);
	}
	release(st, c);
	return e;
}

wm_err sqlite_user_get(struct sqlite_store *st, const char *id, struct store_user *out)
{
	return user_lookup(st, Q_USER_GET, id, out);
}

wm_err sqlite_user_by_name(struct sqlite_store *st, const char *username, struct store_user *out)
{
	return user_lookup(st, Q_USER_BY_NAME, username, out);
}

wm_err sqlite_user_update(struct sqlite_store *st, const struct store_user *u, int expected,
			  bool revoke_sessions, const struct store_account_event *ev)
{
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	sqlite3_stmt *s = e == WM_OK ? stmt(c, Q_USER_UPDATE) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		sqlite3_bind_text(s, 1, u->id, -1, SQLITE_STATIC);
		bind_text(s, 2, u->password_hash);
		sqlite3_bind_text(s, 3, u->display_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, role_name(u->role), -1, SQLITE_STATIC);
		bind_text(s, 5, u->org_id);
		sqlite3_bind_int(s, 6, u->disabled);
		sqlite3_bind_text(s, 7, u->updated_at, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 8, expected);
		sqlite3_bind_int(s, 9, u->must_change_password);
		sqlite3_bind_int(s, 10, u->privacy_mode);
		e = exec_stmt(s);
		if (e == WM_OK && sqlite3_changes(c->db) == 0)
			e = WM_ERR_CONFLICT;
	}
	if (e == WM_OK)
		e = account_event(c, ev);
	if (e == WM_OK && revoke_sessions) {
		s = stmt(c, Q_SESSION_DELETE_USER);
		if (!s)
			e = WM_ERR_IO;
		else {
			sqlite3_bind_text(s, 1, u->id, -1, SQLITE_STATIC);
			e = exec_stmt(s);
		}
	}
	e = finish(c, e);
	session_forget_all(st); /* a user's sessions or their user changed */
	release(st, c);
	return e;
}

wm_err sqlite_user_list(struct sqlite_store *st, int64_t after, int limit,
			void (*each)(void *ctx, const struct store_user *user), void *ctx,
			bool *more)
{
	struct conn *c = acquire(st);
	sqlite3_stmt *s = stmt(c, Q_USER_LIST);
	wm_err e = WM_ERR_IO;
	*more = false;
	if (s) {
		sqlite3_bind_int64(s, 1, after);
		sqlite3_bind_int(s, 2, limit + 1);
		int n = 0, rc;
		struct store_user u;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (n++ == limit) {
				*more = true;
				break;
			}
			read_user(s, &u);
			each(ctx, &u);
		}
		e = rc == SQLITE_ROW || rc == SQLITE_DONE ? WM_OK : map_rc(rc);
		done(s);
	}
	release(st, c);
	return e;
}

wm_err sqlite_session_create(struct sqlite_store *st, const unsigned char *digest, size_t len,
			     const char *user_id, int user_version, int64_t now, int64_t expires_at)
{
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	sqlite3_stmt *s = e == WM_OK ? stmt(c, Q_SESSION_INSERT) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		sqlite3_bind_blob(s, 1, digest, (int)len, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, user_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, now);
		sqlite3_bind_int64(s, 4, expires_at);
		sqlite3_bind_int(s, 5, user_version);
		e = exec_stmt(s);
		if (e == WM_OK && sqlite3_changes(c->db) == 0)
			e = WM_ERR_NOT_FOUND;
	}
	if (e == WM_OK) {
		/* Logins sweep away expired sessions, so the table stays small. */
		e = exec_int(c, Q_SESSION_EXPIRE, now);
	}
	e = finish(c, e);
	release(st, c);
	return e;
}

wm_err sqlite_session_user(struct sqlite_store *st, const unsigned char *digest, size_t len,
			   int64_t now, struct store_user *out, int64_t *expires_at)
{
	uint64_t generation = 0;
	bool cacheable = len == SESSION_DIGEST_LEN;
	if (cacheable && session_cached(st, digest, now, out, expires_at, &generation))
		return WM_OK;
	struct conn *c = acquire(st);
	sqlite3_stmt *s = stmt(c, Q_SESSION_USER);
	wm_err e = WM_ERR_IO;
	if (s) {
		sqlite3_bind_blob(s, 1, digest, (int)len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, now);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			read_user(s, out);
			*expires_at = sqlite3_column_int64(s, 12); /* after USER_COLS */
			e = WM_OK;
			if (cacheable)
				session_remember(st, digest, out, *expires_at, generation);
		} else {
			e = rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		}
		done(s);
	}
	release(st, c);
	return e;
}

wm_err sqlite_session_delete(struct sqlite_store *st, const unsigned char *digest, size_t len)
{
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	sqlite3_stmt *s = e == WM_OK ? stmt(c, Q_SESSION_DELETE) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		sqlite3_bind_blob(s, 1, digest, (int)len, SQLITE_STATIC);
		e = exec_stmt(s);
	}
	e = finish(c, e);
	session_forget_all(st);
	release(st, c);
	return e;
}

/* ---- login lock-out ---- */

/* Runs a statement bound to one blob key and, optionally, one integer. */
static wm_err exec_key(struct conn *c, enum stmt q, const unsigned char *key, size_t len,
		       bool with_int, int64_t v)
{
	sqlite3_stmt *s = stmt(c, q);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_blob(s, 1, key, (int)len, SQLITE_STATIC);
	if (with_int)
		sqlite3_bind_int64(s, 2, v);
	return exec_stmt(s);
}

/* Reads one integer from a statement bound to a key and an integer; *out is
 * 0 when there is no row. */
static wm_err query_key(struct conn *c, enum stmt q, const unsigned char *key, size_t len,
			int64_t v, int64_t *out)
{
	*out = 0;
	sqlite3_stmt *s = stmt(c, q);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_blob(s, 1, key, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, v);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? WM_OK : map_rc(rc);
}

/* Locks key until now + lock_for and forgets its failures. */
static wm_err lock_key(struct conn *c, const unsigned char *key, size_t len, int64_t until)
{
	wm_err e = exec_key(c, Q_LOGIN_LOCK, key, len, true, until);
	if (e == WM_OK)
		e = exec_key(c, Q_LOGIN_CLEAR, key, len, false, 0);
	return e;
}

wm_err sqlite_login_begin(struct sqlite_store *st, const char *username, int64_t now,
			  const struct store_lockout *rule, int64_t *until)
{
	unsigned char key[KEYRING_BLIND_LEN];
	codec_username_index(st->keys, username, key);
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	if (e == WM_OK)
		e = query_key(c, Q_LOGIN_LOCKED, key, sizeof key, now, until);
	int64_t count = 0;
	if (e == WM_OK && *until == 0)
		e = query_key(c, Q_LOGIN_COUNT, key, sizeof key, now - rule->window, &count);
	if (e == WM_OK && *until == 0) {
		if (count >= rule->threshold) {
			*until = now + rule->lock_for;
			e = lock_key(c, key, sizeof key, *until);
		} else {
			e = exec_key(c, Q_LOGIN_INSERT, key, sizeof key, true, now);
		}
	}
	e = finish(c, e);
	release(st, c);
	return e;
}

wm_err sqlite_login_failed(struct sqlite_store *st, const char *username, int64_t now,
			   const struct store_lockout *rule)
{
	unsigned char key[KEYRING_BLIND_LEN];
	codec_username_index(st->keys, username, key);
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	int64_t count = 0;
	if (e == WM_OK)
		e = query_key(c, Q_LOGIN_COUNT, key, sizeof key, now - rule->window, &count);
	if (e == WM_OK && count >= rule->threshold)
		e = lock_key(c, key, sizeof key, now + rule->lock_for);
	if (e == WM_OK)
		e = exec_int(c, Q_LOGIN_FORGET_OLD, now - 86400);
	if (e == WM_OK)
		e = exec_int(c, Q_LOGIN_UNLOCK_OLD, now);
	e = finish(c, e);
	release(st, c);
	return e;
}

wm_err sqlite_login_succeeded(struct sqlite_store *st, const char *username)
{
	unsigned char key[KEYRING_BLIND_LEN];
	codec_username_index(st->keys, username, key);
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	if (e == WM_OK)
		e = exec_key(c, Q_LOGIN_CLEAR, key, sizeof key, false, 0);
	e = finish(c, e);
	release(st, c);
	return e;
}

/* ---- survivors ---- */

/* A survivor's sealed record is bound to its id and its organisation: moved
 * to another row or, by editing the clear org_id column, to another
 * organisation, it no longer opens. */
/* The columns derived from a body (codec.c says which fields), and the
 * sealed body itself. */
struct surv_cols {
	struct codec_survivor_cols plain;
	unsigned char *sealed;
	size_t sealed_len;
	int key_id;
};

static wm_err surv_cols_make(struct sqlite_store *st, const struct store_survivor *s,
			     struct surv_cols *cols)
{
	cols->sealed = NULL;
	wm_err e = codec_survivor_cols(st->keys, s->body, &cols->plain);
	if (e != WM_OK)
		return e;
	char place[CODEC_PLACE_LEN];
	codec_place(s->id, s->org_id, place);
	return codec_seal_record(st->keys, "survivor", place, s->body, &cols->sealed,
				 &cols->sealed_len, &cols->key_id);
}

/* Binds the derived columns at first, first + 1, ...: advocate, status,
 * entered, closed, the two name indexes, key id, sealed body. */
static void bind_cols(sqlite3_stmt *s, int first, const struct surv_cols *cols)
{
	for (int i = 0; i < CODEC_COL_TEXT_COUNT; i++)
		bind_text(s, first + i, cols->plain.text[i]);
	for (int i = 0; i < 2; i++)
		if (cols->plain.has_name[i])
			sqlite3_bind_blob(s, first + CODEC_COL_TEXT_COUNT + i,
					  cols->plain.name_idx[i], KEYRING_BLIND_LEN,
					  SQLITE_STATIC);
	sqlite3_bind_int(s, first + CODEC_COL_TEXT_COUNT + 2, cols->key_id);
	sqlite3_bind_blob(s, first + CODEC_COL_TEXT_COUNT + 3, cols->sealed, (int)cols->sealed_len,
			  SQLITE_STATIC);
}

static wm_err audit_record(struct sqlite_store *st, struct conn *c, bool reads,
			   const struct store_audit *entries, size_t n);

wm_err sqlite_survivor_create(struct sqlite_store *st, const struct store_survivor *sv,
			      const struct store_audit *audit)
{
	struct surv_cols cols;
	wm_err e = surv_cols_make(st, sv, &cols);
	if (e != WM_OK) {
		free(cols.sealed);
		return e;
	}
	struct conn *c = acquire(st);
	e = begin(c);
	sqlite3_stmt *s = e == WM_OK ? stmt(c, Q_SURV_INSERT) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		sqlite3_bind_text(s, 1, sv->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, sv->org_id, -1, SQLITE_STATIC);
		bind_cols(s, 3, &cols);
		sqlite3_bind_text(s, 11, sv->created_at, -1, SQLITE_STATIC);
		e = exec_stmt(s);
	}
	if (e == WM_OK)
		e = audit_record(st, c, false, audit, 1);
	e = finish(c, e);
	release(st, c);
	free(cols.sealed);
	return e;
}

/* The server fields of the current row of a SURV_COLS statement (columns
 * 0-5); the sealed body (6, 7) is left to the caller. */
static void survivor_head(sqlite3_stmt *s, struct store_survivor *out)
{
	out->seq = sqlite3_column_int64(s, 0);
	copy_col(s, 1, out->id, sizeof out->id);
	copy_col(s, 2, out->org_id, sizeof out->org_id);
	out->version = sqlite3_column_int(s, 3);
	copy_col(s, 4, out->created_at, sizeof out->created_at);
	copy_col(s, 5, out->updated_at, sizeof out->updated_at);
	out->shared_with_org = false;
}

/* Reads the current row of a SURV_COLS statement, opening its body. */
static wm_err read_survivor(struct sqlite_store *st, sqlite3_stmt *s, struct store_survivor *out)
{
	survivor_head(s, out);
	int key_id = sqlite3_column_int(s, 6);
	const unsigned char *blob = sqlite3_column_blob(s, 7);
	size_t len = (size_t)sqlite3_column_bytes(s, 7);
	char place[CODEC_PLACE_LEN];
	codec_place(out->id, out->org_id, place);
	return codec_open_record(st->keys, "survivor", place, key_id, blob, len, &out->body);
}

static bool given(const char *v)
{
	return v && v[0];
}

/* How the filter reaches rows: through one organisation, through all of
 * them (asked for explicitly), or through active consents only. A
 * filter that names no organisation has no reach: it fails closed. */
enum reach { REACH_NONE, REACH_ORG, REACH_ALL, REACH_SHARED };

static enum reach reach_of(const struct store_survivor_filter *f)
{
	if (f->all_orgs)
		return REACH_ALL;
	if (given(f->org_id))
		return REACH_ORG;
	if (given(f->shared_with_org_id))
		return REACH_SHARED;
	return REACH_NONE;
}

/* Binds text to a named parameter the statement has (shapes use some). */
static void bind_named(sqlite3_stmt *s, const char *name, const void *v, int len)
{
	int i = sqlite3_bind_parameter_index(s, name);
	if (i == 0)
		return;
	if (len < 0)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_blob(s, i, v, len, SQLITE_STATIC);
}

wm_err sqlite_survivor_get(struct sqlite_store *st, const char *id,
			   const struct store_survivor_filter *vis, struct store_survivor *out)
{
	out->body = NULL;
	/* Rows the caller may not see are never read, let alone decrypted:
	 * a shared-with filter reaches only survivors whose active
	 * share_with_org consent names that organisation (SHARED_IDS). */
	enum reach r = reach_of(vis);
	if (r == REACH_NONE)
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	sqlite3_stmt *s = stmt(c, r == REACH_ALL      ? Q_SURV_GET_ANY_ORG
				  : r == REACH_SHARED ? Q_SURV_GET_SHARED
						      : Q_SURV_GET);
	wm_err e = WM_ERR_IO;
	if (s) {
		if (r == REACH_SHARED) {
			bind_named(s, "$id", id, -1);
			bind_named(s, "$org", vis->shared_with_org_id, -1);
			sqlite3_bind_int(s, sqlite3_bind_parameter_index(s, "$today"), vis->today);
			sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, "$now"), vis->now);
		} else {
			sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
			if (r == REACH_ORG)
				sqlite3_bind_text(s, 2, vis->org_id, -1, SQLITE_STATIC);
		}
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			e = read_survivor(st, s, out);
			out->shared_with_org = e == WM_OK && r == REACH_SHARED;
		} else {
			e = rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		}
		done(s);
	}
	release(st, c);
	return e;
}

wm_err sqlite_survivor_org(struct sqlite_store *st, const char *id, char org_id[STORE_ID_LEN])
{
	struct conn *c = acquire(st);
	sqlite3_stmt *s = stmt(c, Q_SURV_ORG);
	wm_err e = WM_ERR_IO;
	if (s) {
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			copy_col(s, 0, org_id, STORE_ID_LEN);
			e = WM_OK;
		} else {
			e = rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		}
		done(s);
	}
	release(st, c);
	return e;
}

/* Versions kept of each record and item: enough to tell a client what
 * changed since the version it read in any ordinary race; older ones are
 * forgotten (a 409 then says changed: null). */
#define KEEP_VERSIONS 20

/* Within a write transaction: copies the row's current body (at version, the
 * one about to be replaced) into versions, sealed as it is, and forgets
 * versions older than KEEP_VERSIONS. keep is the table's copy statement
 * (?1 id, ?2 version). Nothing is copied when the version is stale: the
 * update that follows then changes nothing either. */
static wm_err keep_version(struct conn *c, sqlite3_stmt *keep, const char *tbl, const char *id,
			   int version)
{
	if (!keep)
		return WM_ERR_IO;
	sqlite3_bind_text(keep, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(keep, 2, version);
	wm_err e = exec_stmt(keep);
	sqlite3_stmt *prune = e == WM_OK ? stmt(c, Q_VERSION_PRUNE) : NULL;
	if (e == WM_OK && !prune)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		sqlite3_bind_text(prune, 1, tbl, -1, SQLITE_STATIC);
		sqlite3_bind_text(prune, 2, id, -1, SQLITE_STATIC);
		sqlite3_bind_int(prune, 3, version - KEEP_VERSIONS);
		e = exec_stmt(prune);
	}
	return e;
}

/* The sealed body kept for tbl/id at version: WM_ERR_NOT_FOUND when it is
 * not kept. *sealed is malloc'd; the caller frees it. */
static wm_err version_get(struct sqlite_store *st, const char *tbl, const char *id, int version,
			  int *key_id, unsigned char **sealed, size_t *len)
{
	struct conn *c = acquire(st);
	sqlite3_stmt *s = stmt(c, Q_VERSION_GET);
	wm_err e = WM_ERR_IO;
	*sealed = NULL;
	if (s) {
		sqlite3_bind_text(s, 1, tbl, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 3, version);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*key_id = sqlite3_column_int(s, 0);
			*len = (size_t)sqlite3_column_bytes(s, 1);
			*sealed = malloc(*len ? *len : 1);
			e = *sealed ? WM_OK : WM_ERR_NOMEM;
			if (*sealed && *len)
				memcpy(*sealed, sqlite3_column_blob(s, 1), *len);
		} else {
			e = rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		}
		done(s);
	}
	release(st, c);
	return e;
}

wm_err sqlite_survivor_version(struct sqlite_store *st, const struct store_survivor *current,
			       int version, json_t **body)
{
	*body = NULL;
	int key_id;
	unsigned char *sealed;
	size_t len;
	wm_err e = version_get(st, "survivors", current->id, version, &key_id, &sealed, &len);
	if (e != WM_OK)
		return e;
	char place[CODEC_PLACE_LEN];
	codec_place(current->id, current->org_id, place);
	e = codec_open_record(st->keys, "survivor", place, key_id, sealed, len, body);
	free(sealed);
	return e;
}

wm_err sqlite_survivor_update(struct sqlite_store *st, struct store_survivor *sv, int expected,
			      const struct store_audit *audit)
{
	struct surv_cols cols;
	wm_err e = surv_cols_make(st, sv, &cols);
	if (e != WM_OK) {
		free(cols.sealed);
		return e;
	}
	struct conn *c = acquire(st);
	e = begin(c);
	sqlite3_stmt *s = e == WM_OK ? stmt(c, Q_SURV_UPDATE) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK)
		e = keep_version(c, stmt(c, Q_VERSION_KEEP_SURV), "survivors", sv->id, expected);
	if (e == WM_OK) {
		sqlite3_bind_text(s, 1, sv->id, -1, SQLITE_STATIC);
		bind_cols(s, 2, &cols);
		sqlite3_bind_text(s, 10, sv->updated_at, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 11, expected);
		e = exec_stmt(s);
		if (e == WM_OK && sqlite3_changes(c->db) == 0)
			e = WM_ERR_CONFLICT;
	}
	if (e == WM_OK)
		e = audit_record(st, c, false, audit, 1);
	e = finish(c, e);
	release(st, c);
	free(cols.sealed);
	if (e == WM_OK)
		sv->version = expected + 1;
	return e;
}

/* The list statement for a filter's shape (see list_sql). */
static enum stmt list_shape(const struct store_survivor_filter *f, bool all_orgs)
{
	int shape = (given(f->advocate_id) ? STORE_SHAPE_ADVOCATE : 0) |
		    (given(f->status) ? STORE_SHAPE_STATUS : 0) | (f->name ? STORE_SHAPE_NAME : 0) |
		    (all_orgs ? STORE_SHAPE_ALL_ORGS : 0);
	return (enum stmt)(Q_SURV_LIST + shape);
}

wm_err store_sqlite_list_plan(struct store *generic, int shape, char *out, size_t cap)
{
	struct sqlite_store *st = generic->sqlite;
	assert(st != NULL && shape >= 0 && shape < STORE_SHAPES && cap > 0);
	char sql[2048];
	snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", list_sql[shape]);
	out[0] = '\0';
	struct conn *c = acquire(st);
	sqlite3_stmt *s;
	wm_err e = WM_ERR_IO;
	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) == SQLITE_OK) {
		size_t used = 0;
		while (sqlite3_step(s) == SQLITE_ROW && used < cap) {
			int n = snprintf(out + used, cap - used, "%s\n",
					 (const char *)sqlite3_column_text(s, 3));
			used += n > 0 ? (size_t)n : 0;
		}
		sqlite3_finalize(s);
		e = WM_OK;
	}
	release(st, c);
	return e;
}

struct case_batch;
static wm_err case_keep(struct case_batch *b, sqlite3_stmt *s, bool shared);

/* sqlite_survivor_list on connection c; with raw, each row is kept in raw
 * unopened (case_keep) instead of being opened and passed to each. */
static wm_err survivor_list_on(struct sqlite_store *st, struct conn *c,
			       const struct store_survivor_filter *f, int64_t after, int limit,
			       void (*each)(void *ctx, const struct store_survivor *s), void *ctx,
			       bool *more, struct case_batch *raw)
{
	*more = false;
	assert(limit >= 1 && limit <= STORE_LIST_MAX);
	enum reach r = reach_of(f);
	if (r == REACH_NONE)
		return WM_ERR_INVALID;
	unsigned char idx[KEYRING_BLIND_LEN];
	if (f->name && !codec_name_index(st->keys, f->name, idx))
		return WM_OK; /* a name that cannot be folded matches nobody */
	sqlite3_stmt *s =
	    stmt(c, r == REACH_SHARED ? Q_SURV_LIST_SHARED : list_shape(f, r == REACH_ALL));
	wm_err e = WM_ERR_IO;
	if (s) {
		if (r == REACH_ORG)
			bind_named(s, "$org", f->org_id, -1);
		if (r == REACH_SHARED) {
			bind_named(s, "$org", f->shared_with_org_id, -1);
			sqlite3_bind_int(s, sqlite3_bind_parameter_index(s, "$today"), f->today);
			sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, "$now"), f->now);
		}
		sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, "$after"), after);
		if (given(f->advocate_id))
			bind_named(s, "$adv", f->advocate_id, -1);
		if (given(f->status))
			bind_named(s, "$status", f->status, -1);
		if (f->name)
			bind_named(s, "$name", idx, sizeof idx);
		sqlite3_bind_int(s, sqlite3_bind_parameter_index(s, "$limit"), limit + 1);
		int n = 0, rc;
		e = WM_OK;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (n++ == limit) {
				*more = true;
				break;
			}
			if (raw) {
				e = case_keep(raw, s, r == REACH_SHARED);
				if (e != WM_OK)
					break;
				continue;
			}
			struct store_survivor sv = {0};
			e = read_survivor(st, s, &sv);
			if (e != WM_OK)
				break;
			sv.shared_with_org = r == REACH_SHARED;
			each(ctx, &sv);
			store_survivor_clear(&sv);
		}
		if (e == WM_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
			e = map_rc(rc);
		done(s);
	}
	return e;
}

wm_err sqlite_survivor_list(struct sqlite_store *st, const struct store_survivor_filter *f,
			    int64_t after, int limit,
			    void (*each)(void *ctx, const struct store_survivor *s), void *ctx,
			    bool *more)
{
	struct conn *c = acquire(st);
	wm_err e = survivor_list_on(st, c, f, after, limit, each, ctx, more, NULL);
	release(st, c);
	return e;
}

/* ---- audit ---- */

/* Entries per transaction of the audit writer. Each commit writes every
 * page it dirtied (the survivors' index leaves above all) to the log and
 * syncs it: under a flood of dashboards (forty entries each) 1,024 a commit
 * cost a fifth less of the server's time per dashboard than 256
 * (docs/performance.md, eighth round). But a change waiting for its turn
 * (see struct gate) waits for the transaction before it: when one is
 * waiting, the writer commits after AUDIT_CHUNK_SHARED entries instead. */
#define AUDIT_CHUNK	   1024
#define AUDIT_CHUNK_SHARED 256

/* An hour: the window of bulk-access detection. */
#define BULK_WINDOW 3600
#define BULK_MIN    100 /* the default threshold's floor */

/* The id of a route pattern in the route table of main (audit_routes) or
 * of the read-audit file (read_routes), added when new. */
static wm_err route_id(struct conn *c, bool reads, const char *pattern, int64_t *id)
{
	sqlite3_stmt *s = stmt(c, reads ? Q_READ_ROUTE_GET : Q_ROUTE_GET);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_text(s, 1, pattern, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	done(s);
	if (rc == SQLITE_ROW)
		return WM_OK;
	if (rc != SQLITE_DONE)
		return map_rc(rc);
	s = stmt(c, reads ? Q_READ_ROUTE_ADD : Q_ROUTE_ADD);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_text(s, 1, pattern, -1, SQLITE_STATIC);
	wm_err e = exec_stmt(s);
	*id = sqlite3_last_insert_rowid(c->db);
	return e;
}

/* Actions that show a record to the account, counted by bulk-access
 * detection (creating one shows nothing its author did not type). */
static bool discloses(const char *action)
{
	return strcmp(action, "create") != 0;
}

/* Twice the microseconds since the epoch: the least seq an entry written
 * now takes (see Q_AUDIT_INSERT). */
static int64_t audit_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return 2 * ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* Inserts one entry of a change into main.audit, in the change's own
 * transaction (reads' entries: read_audit_put). */
/* The stored codes of an entry's role and action, and its route's id in
 * the trail's table of routes (reads: the read-audit file's). */
static wm_err audit_codes(struct conn *c, bool reads, const struct store_audit *a, int *role,
			  int *action, int64_t *route)
{
	*role = codec_role_code(a->role);
	*action = codec_action_code(a->action);
	*route = 0;
	if (*role < 0 || *action < 0)
		return WM_ERR_INVALID; /* a caller's bug: never store what cannot be read back */
	return route_id(c, reads, a->route, route);
}

static wm_err audit_insert(struct conn *c, const struct store_audit *a, int64_t at, int64_t clock)
{
	int role, action;
	int64_t route;
	wm_err e = audit_codes(c, false, a, &role, &action, &route);
	sqlite3_stmt *s = e == WM_OK ? stmt(c, Q_AUDIT_INSERT) : NULL;
	if (!s)
		return e == WM_OK ? WM_ERR_IO : e;
	sqlite3_bind_int64(s, 1, at);
	sqlite3_bind_text(s, 2, a->survivor_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->user_id, -1, SQLITE_STATIC);
	bind_text(s, 4, a->org_id);
	sqlite3_bind_int(s, 5, role);
	sqlite3_bind_int(s, 6, action);
	sqlite3_bind_int64(s, 7, route);
	sqlite3_bind_int64(s, 8, clock);
	e = exec_stmt(s);
	if (e != WM_OK || !discloses(a->action))
		return e;
	/* Remember the survivor among those the account touched this hour. */
	s = stmt(c, Q_RECENT_READ);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_text(s, 1, a->user_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, a->survivor_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, at);
	return exec_stmt(s);
}

/* Runs a statement bound to text and one or two integers (b only when it
 * has a third parameter), reading one integer (0 when there is no row). */
static wm_err query_text_int(struct conn *c, enum stmt q, const char *t, int64_t a, int64_t b,
			     int64_t *out)
{
	*out = 0;
	sqlite3_stmt *s = stmt(c, q);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_text(s, 1, t, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, a);
	if (sqlite3_bind_parameter_count(s) >= 3)
		sqlite3_bind_int64(s, 3, b);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? WM_OK : map_rc(rc);
}

/* Bulk-access detection for the account of a, which has just touched
 * records at `now`: when it has touched more distinct survivors within the
 * last hour than its threshold, an event is recorded for its
 * organisation's managers (one per hour, its count kept up to date). Cheap
 * for everyone below the floor: one count over at most BULK_MIN + 1 index
 * entries. */
static wm_err bulk_check(struct sqlite_store *st, struct conn *c, const struct store_audit *a,
			 int64_t now)
{
	if (!given(a->org_id))
		return WM_OK; /* no organisation, no managers to tell (and no records) */
	int64_t since = now - BULK_WINDOW;
	int64_t open, count, ignored;
	wm_err e = query_text_int(c, Q_RECENT_PRUNE, a->user_id, since, 0, &ignored);
	if (e == WM_OK)
		e = query_text_int(c, Q_BULK_OPEN, a->user_id, since, 0, &open);
	if (e != WM_OK)
		return e;
	if (open) {
		e = query_text_int(c, Q_RECENT_COUNT, a->user_id, since, INT64_MAX, &count);
		sqlite3_stmt *s = e == WM_OK ? stmt(c, Q_BULK_UPDATE) : NULL;
		if (!s)
			return e == WM_OK ? WM_ERR_IO : e;
		sqlite3_bind_int64(s, 1, open);
		sqlite3_bind_int64(s, 2, now);
		sqlite3_bind_int64(s, 3, count);
		return exec_stmt(s);
	}
	int64_t threshold = st->bulk_threshold;
	int64_t floor = threshold ? threshold : BULK_MIN;
	e = query_text_int(c, Q_RECENT_COUNT, a->user_id, since, floor + 1, &count);
	if (e != WM_OK || count <= floor)
		return e;
	if (!threshold) {
		sqlite3_stmt *s = stmt(c, Q_CASELOAD);
		if (!s)
			return WM_ERR_IO;
		sqlite3_bind_text(s, 1, a->org_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, a->user_id, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		int64_t caseload = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		done(s);
		if (rc != SQLITE_ROW)
			return map_rc(rc);
		threshold = 3 * caseload > BULK_MIN ? 3 * caseload : BULK_MIN;
	}
	e = query_text_int(c, Q_RECENT_COUNT, a->user_id, since, INT64_MAX, &count);
	if (e != WM_OK || count <= threshold)
		return e;
	sqlite3_stmt *s = stmt(c, Q_BULK_INSERT);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_text(s, 1, a->user_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, a->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, codec_role_code(a->role));
	sqlite3_bind_int64(s, 4, since);
	sqlite3_bind_int64(s, 5, now);
	sqlite3_bind_int64(s, 6, count);
	sqlite3_bind_int64(s, 7, threshold);
	return exec_stmt(s);
}

/* Inserts entries (in the caller's transaction; reads: into the read-audit
 * file), then checks each account among them once for bulk access. */
/* What the audit writer looked up for the entries of earlier transactions:
 * the row numbers (seq) of the survivors, accounts and organisations they
 * name, the ids of their routes, and for each survivor the row of
 * recent_reads last put for them (account and second), which putting again
 * would not change. A dashboard's forty entries name the same account,
 * organisation and route forty times, and a caseload the same survivors
 * dashboard after dashboard: each was three lookups, a route lookup and an
 * upsert an entry. An id keeps its seq for ever; only an erasure takes one
 * away (and recent_reads' rows with it), and that is a commit to main by
 * another connection, as is every other change: the memo is emptied
 * whenever main's data_version has moved since its last transaction, and
 * when a transaction of the writer fails. The writer's own connection only. */
#define MEMO_SLOTS  2048 /* a power of two */
#define MEMO_PROBES 4
#define MEMO_ROUTES 16

struct memo_slot {
	char kind; /* 's' a survivor, 'u' an account, 'o' an organisation; 0 empty */
	char id[STORE_ID_LEN];
	int64_t seq;
	int64_t recent_user, recent_at; /* a survivor's last recent_reads row (0: none) */
};

struct memo {
	int64_t data_version; /* main's, as of the memo's contents */
	struct memo_slot slot[MEMO_SLOTS];
	struct {
		char pattern[sizeof((struct store_audit *)0)->route];
		int64_t id;
	} route[MEMO_ROUTES];
	size_t nroutes;
};

static void memo_clear(struct memo *m)
{
	for (size_t i = 0; i < MEMO_SLOTS; i++)
		m->slot[i].kind = 0;
	m->nroutes = 0;
}

/* The writer's memo at the start of a transaction, emptied when main
 * changed since; NULL (no memo) when it cannot be had. */
static struct memo *memo_check(struct conn *c)
{
	static const char sql[] = "PRAGMA main.data_version";
	if (!c->memo) {
		c->memo = calloc(1, sizeof *c->memo);
		if (!c->memo)
			return NULL;
		c->memo->data_version = -1;
	}
	sqlite3_stmt *s = sqlite_cached(c, sql);
	if (!s)
		return NULL;
	int64_t version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	sqlite_cached_done(s);
	if (version < 0)
		return NULL;
	if (version != c->memo->data_version) {
		memo_clear(c->memo);
		c->memo->data_version = version;
	}
	return c->memo;
}

/* The slot of (kind, id): its own when found (*found), else the one to
 * fill. */
static struct memo_slot *memo_slot(struct memo *m, char kind, const char *id, bool *found)
{
	uint64_t h = 1469598103934665603u ^ (unsigned char)kind;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	size_t home = (size_t)(h & (MEMO_SLOTS - 1));
	for (size_t i = 0; i < MEMO_PROBES; i++) {
		struct memo_slot *sl = &m->slot[(home + i) & (MEMO_SLOTS - 1)];
		if (sl->kind == kind && strcmp(sl->id, id) == 0) {
			*found = true;
			return sl;
		}
		if (!sl->kind) {
			*found = false;
			return sl;
		}
	}
	*found = false;
	return &m->slot[home]; /* full around home: the oldest guess goes */
}

static bool memo_get(struct memo *m, char kind, const char *id, int64_t *seq)
{
	bool found = false;
	const struct memo_slot *sl = m ? memo_slot(m, kind, id, &found) : NULL;
	if (found)
		*seq = sl->seq;
	return found;
}

static void memo_put(struct memo *m, char kind, const char *id, int64_t seq)
{
	bool found;
	struct memo_slot *sl = memo_slot(m, kind, id, &found);
	if (found)
		return;
	sl->kind = kind;
	snprintf(sl->id, sizeof sl->id, "%s", id);
	sl->seq = seq;
	sl->recent_user = sl->recent_at = 0;
}

/* The id of a route pattern in the read-audit file (route_id), remembered. */
static wm_err memo_route(struct conn *c, struct memo *m, const char *pattern, int64_t *id)
{
	for (size_t i = 0; m && i < m->nroutes; i++)
		if (strcmp(m->route[i].pattern, pattern) == 0) {
			*id = m->route[i].id;
			return WM_OK;
		}
	wm_err e = route_id(c, true, pattern, id);
	if (e == WM_OK && m && m->nroutes < MEMO_ROUTES) {
		snprintf(m->route[m->nroutes].pattern, sizeof m->route[0].pattern, "%s", pattern);
		m->route[m->nroutes++].id = *id;
	}
	return e;
}

/* The last entry of the reads' chain: its seq, and its mac when it has one
 * (has_mac false: the chain starts here, as wm_audit_mac takes it). */
struct chain_head {
	int64_t seq;
	bool has_mac;
	unsigned char mac[CODEC_AUDIT_MAC_LEN];
};

static wm_err read_chain_head(struct conn *c, struct chain_head *h)
{
	memset(h, 0, sizeof *h);
	sqlite3_stmt *s = stmt(c, Q_READ_AUDIT_LAST);
	if (!s)
		return WM_ERR_IO;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		h->seq = sqlite3_column_int64(s, 0);
		if (sqlite3_column_type(s, 1) == SQLITE_BLOB &&
		    sqlite3_column_bytes(s, 1) == CODEC_AUDIT_MAC_LEN) {
			memcpy(h->mac, sqlite3_column_blob(s, 1), CODEC_AUDIT_MAC_LEN);
			h->has_mac = true;
		}
	}
	done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? WM_OK : map_rc(rc);
}

/* One read's entry after h, which becomes it: the same row, seq and mac
 * as Q_AUDIT_INSERT's statement over read_audit would write (a survivor
 * or account that is not there breaks the same constraint). */
static wm_err read_audit_put(struct conn *c, struct memo *m, struct chain_head *h,
			     const struct store_audit *a, int64_t at, int64_t clock)
{
	int role = codec_role_code(a->role);
	int action = codec_action_code(a->action);
	int64_t route = 0;
	if (role < 0 || action < 0)
		return WM_ERR_INVALID; /* a caller's bug: never store what cannot be read back */
	wm_err e = memo_route(c, m, a->route, &route);
	if (e != WM_OK)
		return e;
	struct codec_audit_row row = {.at = at, .role = role, .action = action, .route = route};
	row.has_org = given(a->org_id);
	bool known = memo_get(m, 's', a->survivor_id, &row.survivor_seq) &&
		     memo_get(m, 'u', a->user_id, &row.user_seq) &&
		     (!row.has_org || memo_get(m, 'o', a->org_id, &row.org_seq));
	if (!known) {
		sqlite3_stmt *s = stmt(c, Q_AUDIT_SEQS);
		if (!s)
			return WM_ERR_IO;
		sqlite3_bind_text(s, 1, a->survivor_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, a->user_id, -1, SQLITE_STATIC);
		bind_text(s, 3, a->org_id);
		int rc = sqlite3_step(s);
		bool whole = false;
		if (rc == SQLITE_ROW) {
			whole = sqlite3_column_type(s, 0) != SQLITE_NULL &&
				sqlite3_column_type(s, 1) != SQLITE_NULL;
			row.survivor_seq = sqlite3_column_int64(s, 0);
			row.user_seq = sqlite3_column_int64(s, 1);
			row.has_org = sqlite3_column_type(s, 2) != SQLITE_NULL;
			row.org_seq = sqlite3_column_int64(s, 2);
		}
		done(s);
		if (rc != SQLITE_ROW)
			return map_rc(rc);
		if (!whole)
			return WM_ERR_CONFLICT; /* the NOT NULL of survivor_seq or user_seq */
		if (m) {
			memo_put(m, 's', a->survivor_id, row.survivor_seq);
			memo_put(m, 'u', a->user_id, row.user_seq);
			if (row.has_org)
				memo_put(m, 'o', a->org_id, row.org_seq);
		}
	}
	int64_t next = (h->seq + 1) | 1;
	row.seq = next > clock + 1 ? next : clock + 1;
	unsigned char mac[CODEC_AUDIT_MAC_LEN];
	codec_audit_mac(c->st->keys, h->has_mac ? h->mac : NULL, &row, mac);
	sqlite3_stmt *s = stmt(c, Q_READ_AUDIT_PUT);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_int64(s, 1, row.seq);
	sqlite3_bind_int64(s, 2, at);
	sqlite3_bind_int64(s, 3, row.survivor_seq);
	sqlite3_bind_int64(s, 4, row.user_seq);
	if (row.has_org)
		sqlite3_bind_int64(s, 5, row.org_seq);
	sqlite3_bind_int(s, 6, role);
	sqlite3_bind_int(s, 7, action);
	sqlite3_bind_int64(s, 8, route);
	sqlite3_bind_blob(s, 9, mac, sizeof mac, SQLITE_STATIC);
	e = exec_stmt(s);
	if (e != WM_OK)
		return e;
	h->seq = row.seq;
	memcpy(h->mac, mac, sizeof mac);
	h->has_mac = true;
	if (!discloses(a->action))
		return WM_OK;
	/* Remember the survivor among those the account touched this hour,
	 * unless this writer put that very row already. */
	bool found = false;
	struct memo_slot *sl = m ? memo_slot(m, 's', a->survivor_id, &found) : NULL;
	if (found && sl->recent_user == row.user_seq && sl->recent_at == at)
		return WM_OK;
	s = stmt(c, Q_RECENT_READ_SEQ);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_int64(s, 1, row.user_seq);
	sqlite3_bind_int64(s, 2, row.survivor_seq);
	sqlite3_bind_int64(s, 3, at);
	e = exec_stmt(s);
	if (e == WM_OK && found) {
		sl->recent_user = row.user_seq;
		sl->recent_at = at;
	}
	return e;
}

/* Whether a writer other than the one holding the turn is waiting for it. */
static bool gate_others_wait(struct sqlite_store *st)
{
	pthread_mutex_lock(&st->gate.lock);
	bool waiting = st->gate.next > st->gate.serving + 1;
	pthread_mutex_unlock(&st->gate.lock);
	return waiting;
}

/* audit_record; with done, it may stop after any AUDIT_CHUNK_SHARED
 * entries when another writer waits for the turn, saying in *done how many
 * it wrote (at least one). */
static wm_err audit_record_upto(struct sqlite_store *st, struct conn *c, bool reads,
				const struct store_audit *entries, size_t n, size_t *done)
{
	assert(c->gated);
	int64_t at[AUDIT_CHUNK];
	assert(n <= AUDIT_CHUNK);
	int64_t clock = audit_clock();
	struct chain_head head;
	struct memo *m = reads && c == st->writer ? memo_check(c) : NULL;
	if (reads) {
		wm_err e = read_chain_head(c, &head);
		if (e != WM_OK)
			return e;
	}
	for (size_t i = 0; i < n; i++) {
		if (done && i && i % AUDIT_CHUNK_SHARED == 0 && gate_others_wait(st)) {
			n = i; /* a change is waiting: the rest in the next transaction */
			break;
		}
		if (!instant_parse(entries[i].at, &at[i]))
			return WM_ERR_INVALID;
		wm_err e = reads ? read_audit_put(c, m, &head, &entries[i], at[i], clock)
				 : audit_insert(c, &entries[i], at[i], clock);
		if (e != WM_OK)
			return e;
	}
	if (reads && n) {
		sqlite3_stmt *s = stmt(c, Q_READ_HEAD_PUT);
		if (!s)
			return WM_ERR_IO;
		sqlite3_bind_int64(s, 1, head.seq);
		sqlite3_bind_blob(s, 2, head.mac, sizeof head.mac, SQLITE_STATIC);
		wm_err e = exec_stmt(s);
		if (e != WM_OK)
			return e;
	}
	for (size_t i = 0; i < n; i++) {
		if (!discloses(entries[i].action))
			continue;
		/* Check each account once, at its latest entry here. */
		bool later = false;
		for (size_t j = i + 1; j < n && !later; j++)
			later = strcmp(entries[j].user_id, entries[i].user_id) == 0 &&
				discloses(entries[j].action);
		if (later)
			continue;
		wm_err e = bulk_check(st, c, &entries[i], at[i]);
		if (e != WM_OK)
			return e;
	}
	if (done)
		*done = n;
	return WM_OK;
}

static wm_err audit_record(struct sqlite_store *st, struct conn *c, bool reads,
			   const struct store_audit *entries, size_t n)
{
	return audit_record_upto(st, c, reads, entries, n, NULL);
}

/* Commits a batch of audit entries (the writer thread), in transactions of
 * at most AUDIT_CHUNK entries so that a change never waits behind a long
 * one. Should a later chunk fail, the whole batch reports the failure: its
 * reads answer 500, and a record is never shown unaudited (an entry
 * committed for a read not shown is harmless). */
static wm_err audit_commit(void *ctx, const struct store_audit *entries, size_t n)
{
	struct sqlite_store *st = ctx;
	struct conn *c = st->writer ? st->writer : acquire(st);
	wm_err e = WM_OK;
	size_t off = 0;
	while (e == WM_OK && off < n) {
		size_t k = n - off < AUDIT_CHUNK ? n - off : AUDIT_CHUNK, took = k;
		/* The writer's own connection takes the read-audit file's lock
		 * alone; a pooled one (a store of one connection, maybe in bulk
		 * mode, where a transaction is a savepoint) begins as any write. */
		e = c == st->writer ? begin_reads(c) : begin(c);
		if (e == WM_OK)
			e = audit_record_upto(st, c, true, entries + off, k, &took);
		e = finish(c, e);
		if (e != WM_OK && c->memo)
			memo_clear(c->memo); /* it may name what the rollback undid */
		off += took;
	}
	if (!st->writer)
		release(st, c);
	return e;
}

wm_err sqlite_audit_append_async(struct sqlite_store *st, const struct store_audit *entries,
				 size_t n, void (*notify)(void *ctx, wm_err result), void *ctx)
{
	return batch_append_async(st->audit, entries, n, notify, ctx);
}

void sqlite_audit_drain(struct sqlite_store *st)
{
	batch_drain(st->audit);
}

void sqlite_set_bulk_threshold(struct sqlite_store *st, int threshold)
{
	st->bulk_threshold = threshold > 0 ? threshold : 0;
}

/* Runs a newest-first page query bound to (key, before, limit + 1), calling
 * row(arg, s) on up to limit rows (it may stop with an error); *more is set
 * when there are further ones. */
static wm_err page_newest(struct sqlite_store *st, enum stmt q, const char *key, int64_t before,
			  int limit, wm_err (*row)(void *arg, sqlite3_stmt *s), void *arg,
			  bool *more)
{
	*more = false;
	struct conn *c = acquire(st);
	sqlite3_stmt *s = stmt(c, q);
	wm_err e = WM_ERR_IO;
	if (s) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, before > 0 ? before : INT64_MAX);
		sqlite3_bind_int(s, 3, limit + 1);
		int n = 0, rc;
		e = WM_OK;
		while (e == WM_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (n++ == limit) {
				*more = true;
				break;
			}
			e = row(arg, s);
		}
		if (e == WM_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
			e = map_rc(rc);
		done(s);
	}
	release(st, c);
	return e;
}

struct log_page {
	const char *survivor_id;
	void (*each)(void *ctx, const struct store_audit *a);
	void *ctx;
};

static wm_err log_row(void *arg, sqlite3_stmt *s)
{
	const struct log_page *p = arg;
	struct store_audit a;
	memset(&a, 0, sizeof a);
	a.seq = sqlite3_column_int64(s, 0);
	instant_format(sqlite3_column_int64(s, 1), a.at);
	snprintf(a.survivor_id, sizeof a.survivor_id, "%s", p->survivor_id);
	copy_col(s, 2, a.user_id, sizeof a.user_id);
	const char *action = codec_action_name(sqlite3_column_int(s, 5));
	if (!codec_role_from_code(sqlite3_column_int(s, 3), &a.role) || !action)
		return WM_ERR_IO; /* a damaged trail: say so, never guess */
	copy_col(s, 4, a.org_id, sizeof a.org_id);
	snprintf(a.action, sizeof a.action, "%s", action);
	copy_col(s, 6, a.route, sizeof a.route);
	p->each(p->ctx, &a);
	return WM_OK;
}

wm_err sqlite_access_log(struct sqlite_store *st, const char *survivor_id, int64_t before,
			 int limit, void (*each)(void *ctx, const struct store_audit *a), void *ctx,
			 bool *more)
{
	struct log_page p = {survivor_id, each, ctx};
	return page_newest(st, Q_AUDIT_LIST, survivor_id, before, limit, log_row, &p, more);
}

struct bulk_page {
	void (*each)(void *ctx, const struct store_bulk_access *b);
	void *ctx;
};

static wm_err bulk_row(void *arg, sqlite3_stmt *s)
{
	const struct bulk_page *p = arg;
	struct store_bulk_access b;
	memset(&b, 0, sizeof b);
	b.seq = sqlite3_column_int64(s, 0);
	copy_col(s, 1, b.user_id, sizeof b.user_id);
	if (!codec_role_from_code(sqlite3_column_int(s, 2), &b.role))
		return WM_ERR_IO;
	copy_col(s, 3, b.org_id, sizeof b.org_id);
	instant_format(sqlite3_column_int64(s, 4), b.window_start);
	instant_format(sqlite3_column_int64(s, 5), b.window_end);
	b.distinct_survivors = sqlite3_column_int(s, 6);
	b.threshold = sqlite3_column_int(s, 7);
	instant_format(sqlite3_column_int64(s, 8), b.detected_at);
	p->each(p->ctx, &b);
	return WM_OK;
}

wm_err sqlite_bulk_access_list(struct sqlite_store *st, const char *org_id, int64_t before,
			       int limit,
			       void (*each)(void *ctx, const struct store_bulk_access *b),
			       void *ctx, bool *more)
{
	*more = false;
	if (!given(org_id))
		return WM_ERR_INVALID; /* fails closed, as survivor filters do */
	struct bulk_page p = {each, ctx};
	return page_newest(st, Q_BULK_LIST, org_id, before, limit, bulk_row, &p, more);
}

/* ---- accounts: passwords and the trail, by organisation ---- */

wm_err sqlite_user_password(struct sqlite_store *st, const char *user_id, char hash[STORE_HASH_LEN])
{
	hash[0] = '\0';
	struct conn *c = acquire(st);
	sqlite3_stmt *s = stmt(c, Q_USER_PASSWORD);
	wm_err e = WM_ERR_IO;
	if (s) {
		sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			copy_col(s, 0, hash, STORE_HASH_LEN);
			e = WM_OK;
		} else {
			e = rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		}
		done(s);
	}
	release(st, c);
	return e;
}

wm_err sqlite_user_set_password(struct sqlite_store *st, const char *user_id, int expected,
				const char *hash, const char *updated_at,
				const unsigned char *keep_digest, size_t len,
				const struct store_account_event *ev)
{
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	sqlite3_stmt *s = e == WM_OK ? stmt(c, Q_USER_SET_PASSWORD) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, updated_at, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 4, expected);
		e = exec_stmt(s);
		if (e == WM_OK && sqlite3_changes(c->db) == 0)
			e = WM_ERR_CONFLICT;
	}
	if (e == WM_OK)
		e = account_event(c, ev);
	if (e == WM_OK) {
		s = stmt(c, Q_SESSION_DELETE_OTHERS);
		if (!s) {
			e = WM_ERR_IO;
		} else {
			sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
			sqlite3_bind_blob(s, 2, keep_digest, (int)len, SQLITE_STATIC);
			e = exec_stmt(s);
		}
	}
	e = finish(c, e);
	session_forget_all(st); /* a user's sessions or their user changed */
	release(st, c);
	return e;
}

wm_err sqlite_account_events_of_org(struct sqlite_store *st, const char *org_id, int64_t before,
				    int limit,
				    void (*each)(void *ctx, const struct store_account_event *ev),
				    void *ctx, bool *more)
{
	assert(org_id && org_id[0]); /* fails closed: never "every organisation" */
	struct conn *c = acquire(st);
	sqlite3_stmt *s = stmt(c, Q_ACCOUNT_EVENTS_ORG);
	wm_err e = WM_ERR_IO;
	*more = false;
	if (s) {
		sqlite3_bind_text(s, 1, org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, before);
		sqlite3_bind_int(s, 3, limit + 1);
		int n = 0, rc;
		struct store_account_event ev;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (n++ == limit) {
				*more = true;
				break;
			}
			ev.seq = sqlite3_column_int64(s, 0);
			copy_col(s, 1, ev.at, sizeof ev.at);
			copy_col(s, 2, ev.actor_id, sizeof ev.actor_id);
			copy_col(s, 3, ev.action, sizeof ev.action);
			copy_col(s, 4, ev.target_id, sizeof ev.target_id);
			copy_col(s, 5, ev.fields, sizeof ev.fields);
			each(ctx, &ev);
		}
		e = rc == SQLITE_ROW || rc == SQLITE_DONE ? WM_OK : map_rc(rc);
		done(s);
	}
	release(st, c);
	return e;
}

/* ---- items of a kind (domain/kind.h) ----
 *
 * One generic path for every part of a survivor's record. Each kind has its
 * own table (migration 011): the server fields, the sealed body, and one
 * plain typed column per declared column. The SQL is built from the kind's
 * declaration alone, so no kind and no field of the record is named here;
 * its identifiers come only from compiled-in declarations and are checked
 * to be plain before any SQL is built from them. Parameters are numbered
 * alike in every statement: ?1 the item's id, ?2 its survivor, ?3 its
 * organisation. */

#define ITEM_COLS      "seq, id, survivor_id, org_id, version, created_at, updated_at, key_id, body"
#define ITEM_FIRST_COL 8 /* the parameter of the kind's first column in writes */

/* A plain SQL identifier: [a-z_][a-z_0-9]*, short. Anything else in a
 * declaration is a bug, and is refused rather than pasted into SQL. */
static bool ident_ok(const char *s)
{
	if (!s || !s[0] || strlen(s) > 63 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* True when name is one of the server's columns of an item table: a kind
 * column named so would be set twice by an update (SQLite takes the last),
 * letting a body's field overwrite the organisation or the version. */
static bool server_column(const char *name)
{
	static const char *const names[] = {"seq",	  "id",	     "survivor_id",
					    "org_id",	  "version", "created_at",
					    "updated_at", "key_id",  "body"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static bool kind_ok(const struct kind *k)
{
	if (!ident_ok(k->table) || (k->ncolumns && !k->columns))
		return false;
	for (size_t i = 0; i < k->ncolumns; i++)
		if (!ident_ok(k->columns[i].column) || server_column(k->columns[i].column) ||
		    !k->columns[i].field)
			return false;
	return true;
}

/* The SQL of statement q for kind k (checked by kind_ok); sqlite3_free it.
 * NULL when out of memory. */
static char *item_sql(const struct kind *k, enum item_q q)
{
	sqlite3_str *b = sqlite3_str_new(NULL);
	switch (q) {
	case IQ_INSERT:
		/* Only under the survivor's own organisation: the SELECT finds
		 * no row, and nothing is inserted, for a survivor of another. */
		sqlite3_str_appendf(b,
				    "INSERT INTO %s(id, survivor_id, org_id, version, created_at, "
				    "updated_at, key_id, body",
				    k->table);
		for (size_t i = 0; i < k->ncolumns; i++)
			sqlite3_str_appendf(b, ", %s", k->columns[i].column);
		sqlite3_str_appendall(b, ") SELECT ?1, ?2, ?3, 1, ?4, ?5, ?6, ?7");
		for (size_t i = 0; i < k->ncolumns; i++)
			sqlite3_str_appendf(b, ", ?%d", ITEM_FIRST_COL + (int)i);
		sqlite3_str_appendall(b, " FROM survivors WHERE id = ?2 AND org_id = ?3");
		break;
	case IQ_UPDATE:
		/* ?4 is the version the caller read. */
		sqlite3_str_appendf(b,
				    "UPDATE %s SET version = version + 1, updated_at = ?5, "
				    "key_id = ?6, body = ?7",
				    k->table);
		for (size_t i = 0; i < k->ncolumns; i++)
			sqlite3_str_appendf(b, ", %s = ?%d", k->columns[i].column,
					    ITEM_FIRST_COL + (int)i);
		sqlite3_str_appendall(
		    b, " WHERE id = ?1 AND survivor_id = ?2 AND org_id = ?3 AND version = ?4");
		break;
	case IQ_GET:
		sqlite3_str_appendf(b,
				    "SELECT " ITEM_COLS
				    " FROM %s WHERE id = ?1 AND survivor_id = ?2 "
				    "AND org_id = ?3",
				    k->table);
		break;
	case IQ_GET_ONE:
		sqlite3_str_appendf(b,
				    "SELECT " ITEM_COLS " FROM %s WHERE "
				    "survivor_id = ?2 AND org_id = ?3 ORDER BY seq LIMIT 1",
				    k->table);
		break;
	case IQ_KEEP:
		/* The version about to be replaced (see keep_version). */
		sqlite3_str_appendf(
		    b,
		    "INSERT OR IGNORE INTO versions(tbl, id, version, key_id, body) "
		    "SELECT '%s', id, version, key_id, body FROM %s "
		    "WHERE id = ?1 AND version = ?2",
		    k->table, k->table);
		break;
	case IQ_LIST:
		/* ?4: after, ?5: limit; read in seq order from (survivor_id, seq). */
		sqlite3_str_appendf(b,
				    "SELECT " ITEM_COLS " FROM %s WHERE "
				    "survivor_id = ?2 AND org_id = ?3 AND seq > ?4 "
				    "ORDER BY seq LIMIT ?5",
				    k->table);
		break;
	case IQ_CASE_ORG:
	case IQ_CASE_ADV:
	case IQ_CASE_SHARED:
	case IQ_CASE_ORG_STATUS:
	case IQ_CASE_ADV_STATUS:
		/* The survivors of the batch are those of the filter with seq in
		 * ($lo, $hi]; their items come in survivor order. Driven by the
		 * caseload's index (org_id, advocate_id, status, seq) or the
		 * organisation's, then each survivor's items by (survivor_id,
		 * seq). i.org_id = s.org_id: an item is only ever its survivor's
		 * organisation's. */
		sqlite3_str_appendall(b, "SELECT s.seq, i.id, i.version, i.created_at");
		for (size_t i = 0; i < k->ncolumns; i++)
			sqlite3_str_appendf(b, ", i.%s", k->columns[i].column);
		sqlite3_str_appendf(b,
				    " FROM survivors s JOIN %s i ON i.survivor_id = s.id "
				    "AND i.org_id = s.org_id WHERE ",
				    k->table);
		if (q == IQ_CASE_SHARED)
			sqlite3_str_appendall(b, "s.id IN (" SHARED_IDS ")");
		else
			sqlite3_str_appendall(b, "s.org_id = $org");
		if (q == IQ_CASE_ADV || q == IQ_CASE_ADV_STATUS)
			sqlite3_str_appendall(b, " AND s.advocate_id = $adv");
		if (q == IQ_CASE_ORG_STATUS || q == IQ_CASE_ADV_STATUS)
			sqlite3_str_appendall(b, " AND s.status = $status");
		else
			sqlite3_str_appendall(b, " AND ($status IS NULL OR s.status = $status)");
		sqlite3_str_appendall(b, " AND s.seq > $lo AND s.seq <= $hi ORDER BY s.seq, i.seq");
		break;
	default:
		assert(!"an item statement without SQL");
		break;
	}
	return sqlite3_str_finish(b);
}

/* The prepared statement q of kind k on this connection, reset and ready
 * for binding: prepared on first use, then reused; NULL on error (logged:
 * the kind's table and SQLite's reason name no one). */
static sqlite3_stmt *item_stmt(struct conn *c, const struct kind *k, enum item_q q)
{
	struct item_stmts *slot = NULL;
	for (size_t i = 0; i < c->nitems && !slot; i++)
		if (c->items[i].k == k)
			slot = &c->items[i];
	if (!slot) {
		if (!kind_ok(k)) {
			log_info("kind declaration refused: its table or a column is not a plain "
				 "identifier, or names a server column");
			return NULL;
		}
		if (c->nitems == ITEM_KINDS_MAX) {
			log_info("more kinds than ITEM_KINDS_MAX (%d)", ITEM_KINDS_MAX);
			return NULL;
		}
		slot = &c->items[c->nitems++];
		memset(slot, 0, sizeof *slot);
		slot->k = k;
	}
	if (!slot->s[q]) {
		char *sql = item_sql(k, q);
		if (!sql)
			return NULL;
		int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &slot->s[q],
					    NULL);
		sqlite3_free(sql);
		if (rc != SQLITE_OK) {
			log_info("cannot prepare item statement %d of %s: %s", (int)q, k->table,
				 sqlite3_errmsg(c->db));
			return NULL;
		}
		atomic_fetch_add(&c->st->item_prepares, 1);
	}
	return slot->s[q];
}

wm_err sqlite_item_version(struct sqlite_store *st, const struct kind *k,
			   const struct store_item *current, int version, json_t **body)
{
	*body = NULL;
	int key_id;
	unsigned char *sealed;
	size_t len;
	wm_err e = version_get(st, k->table, current->id, version, &key_id, &sealed, &len);
	if (e != WM_OK)
		return e;
	e = codec_open_item(st->keys, k->table, current->id, current->survivor_id, current->org_id,
			    key_id, sealed, len, body);
	free(sealed);
	return e;
}

long store_sqlite_item_prepares(struct store *generic)
{
	struct sqlite_store *st = generic->sqlite;
	assert(st != NULL);
	return atomic_load(&st->item_prepares);
}

/* Binds the kind's columns, from the body, at ITEM_FIRST_COL onwards. */
static wm_err bind_item_columns(sqlite3_stmt *s, const struct kind *k, const json_t *body)
{
	for (size_t i = 0; i < k->ncolumns; i++) {
		struct codec_value v;
		wm_err e = codec_item_column(body, &k->columns[i], &v);
		if (e != WM_OK)
			return e;
		int at = ITEM_FIRST_COL + (int)i;
		if (v.type == CODEC_VALUE_INT)
			sqlite3_bind_int64(s, at, v.i);
		else if (v.type == CODEC_VALUE_TEXT) /* v.buf ends with the loop: copied */
			sqlite3_bind_text(s, at, v.text, -1,
					  v.text == v.buf ? SQLITE_TRANSIENT : SQLITE_STATIC);
		else
			sqlite3_bind_null(s, at);
	}
	return WM_OK;
}

/* Inserts (IQ_INSERT) or replaces at version expected (IQ_UPDATE) an item
 * with its audit entry, in one transaction. No row written: the survivor
 * is not of the item's organisation (insert, WM_ERR_NOT_FOUND), or the
 * version is stale or the item is not there (update, WM_ERR_CONFLICT). */
static wm_err item_write(struct sqlite_store *st, const struct kind *k, const struct store_item *it,
			 enum item_q q, int expected, const struct store_audit *audit)
{
	assert(audit != NULL);
	if (!given(it->id) || !given(it->survivor_id) || !given(it->org_id) || !it->body)
		return WM_ERR_INVALID;
	unsigned char *sealed = NULL;
	size_t len = 0;
	int key_id = 0;
	wm_err e = codec_seal_item(st->keys, k->table, it->id, it->survivor_id, it->org_id,
				   it->body, &sealed, &len, &key_id);
	if (e != WM_OK)
		return e;
	struct conn *c = acquire(st);
	sqlite3_stmt *s = item_stmt(c, k, q);
	e = s ? WM_OK : WM_ERR_IO;
	if (e == WM_OK) {
		sqlite3_bind_text(s, 1, it->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, it->survivor_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, it->org_id, -1, SQLITE_STATIC);
		if (q == IQ_INSERT)
			sqlite3_bind_text(s, 4, it->created_at, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int(s, 4, expected);
		sqlite3_bind_text(s, 5, it->updated_at, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 6, key_id);
		sqlite3_bind_blob(s, 7, sealed, (int)len, SQLITE_STATIC);
		/* Columns are bound before the write turn is taken: a body
		 * whose values do not fit them costs no transaction. */
		e = bind_item_columns(s, k, it->body);
	}
	if (e == WM_OK) {
		e = begin(c);
		if (e == WM_OK && q == IQ_UPDATE)
			e = keep_version(c, item_stmt(c, k, IQ_KEEP), k->table, it->id, expected);
		if (e == WM_OK) {
			e = map_rc(sqlite3_step(s));
			if (e == WM_OK && sqlite3_changes(c->db) == 0)
				e = q == IQ_INSERT ? WM_ERR_NOT_FOUND : WM_ERR_CONFLICT;
		}
		done(s);
		if (e == WM_OK)
			e = audit_record(st, c, false, audit, 1);
		e = finish(c, e);
	} else {
		done(s);
	}
	release(st, c);
	free(sealed);
	return e;
}

wm_err sqlite_item_create(struct sqlite_store *st, const struct kind *k,
			  const struct store_item *it, const struct store_audit *audit)
{
	return item_write(st, k, it, IQ_INSERT, 0, audit);
}

wm_err sqlite_item_replace(struct sqlite_store *st, const struct kind *k, struct store_item *it,
			   int expected, const struct store_audit *audit)
{
	wm_err e = item_write(st, k, it, IQ_UPDATE, expected, audit);
	if (e == WM_OK)
		it->version = expected + 1;
	return e;
}

/* Reads the current row of an ITEM_COLS statement, opening its body: bound
 * to the row's own id, survivor and organisation, so a body moved to
 * another row does not open (WM_ERR_CRYPTO). */
static wm_err read_item(struct sqlite_store *st, const struct kind *k, sqlite3_stmt *s,
			struct store_item *out)
{
	out->seq = sqlite3_column_int64(s, 0);
	copy_col(s, 1, out->id, sizeof out->id);
	copy_col(s, 2, out->survivor_id, sizeof out->survivor_id);
	copy_col(s, 3, out->org_id, sizeof out->org_id);
	out->version = sqlite3_column_int(s, 4);
	copy_col(s, 5, out->created_at, sizeof out->created_at);
	copy_col(s, 6, out->updated_at, sizeof out->updated_at);
	int key_id = sqlite3_column_int(s, 7);
	const unsigned char *blob = sqlite3_column_blob(s, 8);
	size_t len = (size_t)sqlite3_column_bytes(s, 8);
	return codec_open_item(st->keys, k->table, out->id, out->survivor_id, out->org_id, key_id,
			       blob, len, &out->body);
}

wm_err sqlite_item_get(struct sqlite_store *st, const struct kind *k, const char *org_id,
		       const char *survivor_id, const char *item_id, struct store_item *out)
{
	out->body = NULL;
	/* Fails closed before reading: no organisation is never "any". */
	if (!given(org_id) || !given(survivor_id))
		return WM_ERR_INVALID;
	bool one = k->shape == KIND_ONE;
	if (!one && !given(item_id))
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	sqlite3_stmt *s = item_stmt(c, k, one ? IQ_GET_ONE : IQ_GET);
	wm_err e = WM_ERR_IO;
	if (s) {
		if (!one)
			sqlite3_bind_text(s, 1, item_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, survivor_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, org_id, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			e = read_item(st, k, s, out);
		else
			e = rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		done(s);
	}
	release(st, c);
	if (e != WM_OK)
		store_item_clear(out);
	return e;
}

/* Steps s (an ITEM_COLS statement bound for limit + 1 rows), calling each
 * for up to limit items; *more when a further row exists. */
static wm_err each_item_row(struct sqlite_store *st, const struct kind *k, sqlite3_stmt *s,
			    int limit, void (*each)(void *ctx, const struct store_item *it),
			    void *ctx, bool *more)
{
	int n = 0, rc;
	wm_err e = WM_OK;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n++ == limit) {
			*more = true;
			break;
		}
		struct store_item it = {0};
		e = read_item(st, k, s, &it);
		if (e == WM_OK)
			each(ctx, &it);
		store_item_clear(&it);
		if (e != WM_OK)
			break;
	}
	if (e == WM_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = map_rc(rc);
	return e;
}

wm_err sqlite_item_list(struct sqlite_store *st, const struct kind *k, const char *org_id,
			const char *survivor_id, int64_t after, int limit,
			void (*each)(void *ctx, const struct store_item *it), void *ctx, bool *more)
{
	*more = false;
	assert(limit >= 1 && limit <= STORE_LIST_MAX);
	if (!given(org_id) || !given(survivor_id))
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	sqlite3_stmt *s = item_stmt(c, k, IQ_LIST);
	wm_err e = WM_ERR_IO;
	if (s) {
		sqlite3_bind_text(s, 2, survivor_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, after);
		sqlite3_bind_int(s, 5, limit + 1);
		e = each_item_row(st, k, s, limit, each, ctx, more);
		done(s);
	}
	release(st, c);
	return e;
}

/* True when column is one of k's declared columns (so a plain identifier
 * from the declaration, never from input). */
static bool kind_has_column(const struct kind *k, const char *column)
{
	for (size_t i = 0; i < k->ncolumns; i++)
		if (strcmp(k->columns[i].column, column) == 0)
			return true;
	return false;
}

wm_err sqlite_item_range(struct sqlite_store *st, const struct kind *k,
			 const struct store_item_range *r, int64_t offset, int limit,
			 void (*each)(void *ctx, const struct store_item *it), void *ctx,
			 bool *more)
{
	*more = false;
	assert(limit >= 1 && limit <= STORE_LIST_MAX && offset >= 0);
	if (!given(r->org_id))
		return WM_ERR_INVALID; /* fails closed: never every organisation */
	if (!kind_ok(k) || !kind_has_column(k, r->column) ||
	    (r->code_column && !kind_has_column(k, r->code_column)))
		return WM_ERR_INVALID;
	/* Prepared per call: the column names vary with the caller's question,
	 * and these ranges are read far less often than records are. The
	 * kind's (org_id, column) index drives the range. */
	char *sql = sqlite3_mprintf(
	    "SELECT i.seq, i.id, i.survivor_id, i.org_id, i.version, i.created_at, i.updated_at, "
	    "i.key_id, i.body FROM %s i JOIN survivors s ON s.id = i.survivor_id "
	    "WHERE i.org_id = ?1 AND s.org_id = ?1 AND i.%s >= ?2 AND i.%s < ?3 "
	    "AND (?4 IS NULL OR s.advocate_id = ?4) AND (?5 IS NULL OR i.%s = ?5) "
	    "ORDER BY i.%s, i.seq LIMIT ?6 OFFSET ?7",
	    k->table, r->column, r->column, r->code_column ? r->code_column : r->column, r->column);
	if (!sql)
		return WM_ERR_NOMEM;
	struct conn *c = acquire(st);
	sqlite3_stmt *s = NULL;
	wm_err e = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) == SQLITE_OK ? WM_OK : WM_ERR_IO;
	sqlite3_free(sql);
	if (e == WM_OK) {
		sqlite3_bind_text(s, 1, r->org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, r->from);
		sqlite3_bind_int64(s, 3, r->to);
		if (given(r->advocate_id))
			sqlite3_bind_text(s, 4, r->advocate_id, -1, SQLITE_STATIC);
		if (r->code_column && given(r->code))
			sqlite3_bind_text(s, 5, r->code, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 6, limit + 1);
		sqlite3_bind_int64(s, 7, offset);
		e = each_item_row(st, k, s, limit, each, ctx, more);
	}
	sqlite3_finalize(s);
	release(st, c);
	return e;
}

/* ---- safeguarding shares ---- */

#define SHARE_COLS                                                                                 \
	"seq, id, survivor_id, org_id, with_org_id, version, created_at, created_by, expires_at, " \
	"reviewed_at, reviewed_by, key_id, reason"

/* The sealed reason's binding: the share, and the organisation it belongs to. */
/* Prepares sql on c for one use (shares are rare: a handful a day). */
static sqlite3_stmt *once(struct conn *c, const char *sql)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK) {
		log_info("cannot prepare a share statement: %s", sqlite3_errmsg(c->db));
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

static wm_err read_share(struct sqlite_store *st, sqlite3_stmt *s, struct store_share *out)
{
	memset(out, 0, sizeof *out);
	out->seq = sqlite3_column_int64(s, 0);
	copy_col(s, 1, out->id, sizeof out->id);
	copy_col(s, 2, out->survivor_id, sizeof out->survivor_id);
	copy_col(s, 3, out->org_id, sizeof out->org_id);
	copy_col(s, 4, out->with_org_id, sizeof out->with_org_id);
	out->version = sqlite3_column_int(s, 5);
	out->created_at = sqlite3_column_int64(s, 6);
	copy_col(s, 7, out->created_by, sizeof out->created_by);
	out->expires_at = sqlite3_column_int64(s, 8);
	out->reviewed_at = sqlite3_column_int64(s, 9);
	copy_col(s, 10, out->reviewed_by, sizeof out->reviewed_by);
	char place[CODEC_PLACE_LEN];
	codec_place(out->id, out->org_id, place);
	return codec_open_record(st->keys, "share", place, sqlite3_column_int(s, 11),
				 sqlite3_column_blob(s, 12), (size_t)sqlite3_column_bytes(s, 12),
				 &out->reason);
}

wm_err sqlite_share_create(struct sqlite_store *st, const struct store_share *sh,
			   const struct store_audit *audit)
{
	assert(audit != NULL);
	if (!given(sh->id) || !given(sh->org_id) || !given(sh->with_org_id) || !sh->reason)
		return WM_ERR_INVALID;
	char place[CODEC_PLACE_LEN];
	codec_place(sh->id, sh->org_id, place);
	unsigned char *sealed = NULL;
	size_t len = 0;
	int key_id = 0;
	wm_err e = codec_seal_record(st->keys, "share", place, sh->reason, &sealed, &len, &key_id);
	if (e != WM_OK)
		return e;
	struct conn *c = acquire(st);
	sqlite3_stmt *s =
	    once(c, "INSERT INTO safeguarding_shares(id, survivor_id, org_id, "
		    "with_org_id, created_at, created_by, expires_at, key_id, reason) "
		    "SELECT ?1, id, org_id, ?3, ?4, ?5, ?6, ?7, ?8 FROM survivors "
		    "WHERE id = ?2 AND org_id = ?9");
	e = s ? begin(c) : WM_ERR_IO; /* begin enters the write turn even when it fails */
	if (s) {
		sqlite3_bind_text(s, 1, sh->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, sh->survivor_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, sh->with_org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, sh->created_at);
		sqlite3_bind_text(s, 5, sh->created_by, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 6, sh->expires_at);
		sqlite3_bind_int(s, 7, key_id);
		sqlite3_bind_blob(s, 8, sealed, (int)len, SQLITE_STATIC);
		sqlite3_bind_text(s, 9, sh->org_id, -1, SQLITE_STATIC);
		if (e == WM_OK)
			e = exec_stmt(s);
		if (e == WM_OK && sqlite3_changes(c->db) == 0)
			e = WM_ERR_NOT_FOUND;
		if (e == WM_OK)
			e = audit_record(st, c, false, audit, 1);
		e = finish(c, e);
	}
	sqlite3_finalize(s);
	release(st, c);
	free(sealed);
	return e;
}

wm_err sqlite_share_list(struct sqlite_store *st, const char *org_id, int reviewed, int64_t before,
			 int limit, void (*each)(void *ctx, const struct store_share *sh),
			 void *ctx, bool *more)
{
	*more = false;
	if (!given(org_id))
		return WM_ERR_INVALID; /* fails closed: never every organisation */
	struct conn *c = acquire(st);
	sqlite3_stmt *s = once(c, "SELECT " SHARE_COLS " FROM safeguarding_shares "
				  "WHERE org_id = ?1 AND (?2 = 0 OR seq < ?2) "
				  "AND (?3 < 0 OR (?3 = 0) = (reviewed_at IS NULL)) "
				  "ORDER BY seq DESC LIMIT ?4");
	wm_err e = s ? WM_OK : WM_ERR_IO;
	if (s) {
		sqlite3_bind_text(s, 1, org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, before);
		sqlite3_bind_int(s, 3, reviewed);
		sqlite3_bind_int(s, 4, limit + 1);
		int n = 0, rc;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (n++ == limit) {
				*more = true;
				break;
			}
			struct store_share sh;
			e = read_share(st, s, &sh);
			if (e == WM_OK)
				each(ctx, &sh);
			store_share_clear(&sh);
			if (e != WM_OK)
				break;
		}
		if (e == WM_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
			e = map_rc(rc);
	}
	sqlite3_finalize(s);
	release(st, c);
	return e;
}

wm_err sqlite_share_review(struct sqlite_store *st, const char *org_id, const char *id,
			   int expected, int64_t at, const char *by, struct store_share *out)
{
	memset(out, 0, sizeof *out);
	if (!given(org_id) || !given(id))
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	sqlite3_stmt *get =
	    once(c, "SELECT " SHARE_COLS " FROM safeguarding_shares WHERE id = ?1 AND org_id = ?2");
	sqlite3_stmt *upd = once(c, "UPDATE safeguarding_shares SET reviewed_at = ?3, "
				    "reviewed_by = ?4, version = version + 1 "
				    "WHERE id = ?1 AND org_id = ?2 AND version = ?5");
	wm_err e = get && upd ? begin(c) : WM_ERR_IO; /* enters the write turn even when it fails */
	if (get && upd) {
		sqlite3_bind_text(upd, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(upd, 2, org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 3, at);
		sqlite3_bind_text(upd, 4, by, -1, SQLITE_STATIC);
		sqlite3_bind_int(upd, 5, expected);
		if (e == WM_OK)
			e = exec_stmt(upd);
		bool changed = e == WM_OK && sqlite3_changes(c->db) == 1;
		if (e == WM_OK) {
			sqlite3_bind_text(get, 1, id, -1, SQLITE_STATIC);
			sqlite3_bind_text(get, 2, org_id, -1, SQLITE_STATIC);
			int rc = sqlite3_step(get);
			if (rc == SQLITE_ROW)
				e = read_share(st, get, out);
			else
				e = rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
			if (e == WM_OK && !changed)
				e = WM_ERR_CONFLICT; /* there, at another version */
		}
		e = finish(c, e);
	}
	sqlite3_finalize(get);
	sqlite3_finalize(upd);
	release(st, c);
	return e;
}

wm_err sqlite_share_get(struct sqlite_store *st, const char *org_id, const char *id,
			struct store_share *out)
{
	memset(out, 0, sizeof *out);
	if (!given(org_id) || !given(id))
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	sqlite3_stmt *s =
	    once(c, "SELECT " SHARE_COLS " FROM safeguarding_shares WHERE id = ?1 AND org_id = ?2");
	wm_err e = WM_ERR_IO;
	if (s) {
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, org_id, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			e = read_share(st, s, out);
		else
			e = rc == SQLITE_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
	}
	sqlite3_finalize(s);
	release(st, c);
	return e;
}

/* ---- erasure ---- */

/* Runs sql (one statement, ?1 the survivor id) within the open transaction. */
static wm_err erase_step(struct conn *c, const char *sql, const char *survivor_id)
{
	sqlite3_stmt *s = once(c, sql);
	if (!s)
		return WM_ERR_IO;
	sqlite3_bind_text(s, 1, survivor_id, -1, SQLITE_STATIC);
	wm_err e = exec_stmt(s);
	sqlite3_finalize(s);
	return e;
}

wm_err sqlite_survivor_erase(struct sqlite_store *st, const char *survivor_id, int64_t at,
			     const char *ran_by, const char *reason)
{
	if (!given(survivor_id) || !given(ran_by) || !reason)
		return WM_ERR_INVALID;
	json_t *sealed_reason = json_pack("{s:s}", "reason", reason);
	unsigned char *sealed = NULL;
	size_t len = 0;
	int key_id = 0;
	char place[64];
	snprintf(place, sizeof place, "erasure:%lld", (long long)at);
	wm_err e = sealed_reason ? codec_seal_record(st->keys, "erasure", place, sealed_reason,
						     &sealed, &len, &key_id)
				 : WM_ERR_NOMEM;
	json_decref(sealed_reason);
	if (e != WM_OK)
		return e;
	struct conn *c = acquire(st);
	/* The erasure commits the database first, then the read-audit file
	 * (SQLite commits attached files one after the other): marked here
	 * first, in that file alone, so that if a crash loses the second
	 * commit, the next start finishes it (reads_sweep). */
	e = begin(c);
	if (e == WM_OK)
		e = erase_step(
		    c,
		    "INSERT OR IGNORE INTO reads.erasing SELECT seq FROM survivors WHERE "
		    "id = ?1",
		    survivor_id);
	e = finish(c, e);
	sqlite3_stmt *status =
	    e == WM_OK ? once(c, "SELECT status FROM survivors WHERE id = ?1") : NULL;
	e = status ? begin(c) : e == WM_OK ? WM_ERR_IO : e;
	if (e == WM_OK) {
		sqlite3_bind_text(status, 1, survivor_id, -1, SQLITE_STATIC);
		int rc = sqlite3_step(status);
		if (rc == SQLITE_DONE)
			e = WM_ERR_NOT_FOUND;
		else if (rc != SQLITE_ROW)
			e = map_rc(rc);
		else if (strcmp((const char *)sqlite3_column_text(status, 0), "closed") != 0)
			e = WM_ERR_CONFLICT;
		sqlite3_reset(status);
	}
	for (size_t i = 0; e == WM_OK && i < kind_count; i++) {
		const struct kind *k = kind_table[i];
		if (!kind_ok(k)) {
			e = WM_ERR_IO;
			break;
		}
		char *sql = sqlite3_mprintf("DELETE FROM versions WHERE tbl = '%s' AND id IN "
					    "(SELECT id FROM %s WHERE survivor_id = ?1)",
					    k->table, k->table);
		e = sql ? erase_step(c, sql, survivor_id) : WM_ERR_NOMEM;
		sqlite3_free(sql);
		if (e != WM_OK)
			break;
		sql = sqlite3_mprintf("DELETE FROM %s WHERE survivor_id = ?1", k->table);
		e = sql ? erase_step(c, sql, survivor_id) : WM_ERR_NOMEM;
		sqlite3_free(sql);
	}
	static const char *const rest[] = {
	    "DELETE FROM versions WHERE tbl = 'survivors' AND id = ?1",
	    "DELETE FROM safeguarding_shares WHERE survivor_id = ?1",
	    "DELETE FROM import_refs WHERE survivor_id = ?1", /* 024: waymark import's ref */
	    "DELETE FROM reads.recent_reads WHERE survivor_seq = (SELECT seq FROM survivors WHERE "
	    "id = ?1)",
	    "DELETE FROM reads.erasing WHERE survivor_seq = (SELECT seq FROM survivors WHERE id = "
	    "?1)",
	    "DELETE FROM survivors WHERE id = ?1",
	};
	for (size_t i = 0; e == WM_OK && i < sizeof rest / sizeof rest[0]; i++)
		e = erase_step(c, rest[i], survivor_id);
	if (e == WM_OK) {
		sqlite3_stmt *ins = once(
		    c, "INSERT INTO erasures(at, ran_by, key_id, reason) VALUES (?1, ?2, ?3, ?4)");
		e = ins ? WM_OK : WM_ERR_IO;
		if (ins) {
			sqlite3_bind_int64(ins, 1, at);
			sqlite3_bind_text(ins, 2, ran_by, -1, SQLITE_STATIC);
			sqlite3_bind_int(ins, 3, key_id);
			sqlite3_bind_blob(ins, 4, sealed, (int)len, SQLITE_STATIC);
			e = exec_stmt(ins);
			sqlite3_finalize(ins);
		}
	}
	if (status)
		e = finish(c, e);
	sqlite3_finalize(status);
	if (e != WM_OK) {
		/* Refused or failed: the survivor stays, and the mark goes. */
		wm_err u = begin(c);
		if (u == WM_OK)
			u = erase_step(
			    c,
			    "DELETE FROM reads.erasing WHERE survivor_seq = (SELECT seq FROM "
			    "survivors WHERE id = ?1)",
			    survivor_id);
		finish(c, u);
	}
	/* Freed pages are zeroed (secure_delete); leave nothing in the WAL either. */
	if (e == WM_OK)
		sqlite3_exec(c->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	release(st, c);
	free(sealed);
	return e;
}

/* ---- a caseload, as the alert rules read it ---- */

/* Survivors per batch: enough that a batch is a handful of statements for a
 * whole caseload, few enough that the columns of its items stay small. */
#define CASE_BATCH 128

struct case_batch {
	struct store_survivor s[CASE_BATCH];
	/* Each survivor's record as stored, until opened (case_keep). */
	unsigned char *sealed[CASE_BATCH];
	size_t sealed_len[CASE_BATCH];
	int key_id[CASE_BATCH];
	int64_t stamp[CASE_BATCH];
	bool known[CASE_BATCH];
	size_t n;
};

/* Keeps the current row of a SURV_COLS statement in b, its body unopened. */
static wm_err case_keep(struct case_batch *b, sqlite3_stmt *s, bool shared)
{
	assert(b->n < CASE_BATCH);
	size_t i = b->n;
	struct store_survivor *sv = &b->s[i];
	memset(sv, 0, sizeof *sv);
	survivor_head(s, sv);
	sv->shared_with_org = shared;
	b->key_id[i] = sqlite3_column_int(s, 6);
	size_t len = (size_t)sqlite3_column_bytes(s, 7);
	const void *blob = sqlite3_column_blob(s, 7);
	b->sealed[i] = malloc(len ? len : 1);
	if (!b->sealed[i])
		return WM_ERR_NOMEM;
	if (len)
		memcpy(b->sealed[i], blob, len);
	b->sealed_len[i] = len;
	b->stamp[i] = 0;
	b->known[i] = false;
	b->n++;
	return WM_OK;
}

/* Opens the record of survivor i of b. */
static wm_err case_open(struct sqlite_store *st, struct case_batch *b, size_t i)
{
	char place[CODEC_PLACE_LEN];
	codec_place(b->s[i].id, b->s[i].org_id, place);
	return codec_open_record(st->keys, "survivor", place, b->key_id[i], b->sealed[i],
				 b->sealed_len[i], &b->s[i].body);
}

static void case_batch_clear(struct case_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		store_survivor_clear(&b->s[i]);
		free(b->sealed[i]); /* sealed: nothing to wipe */
		b->sealed[i] = NULL;
	}
	b->n = 0;
}

/* The items of one kind for one batch, in survivor order. */
struct case_rows {
	struct store_item_cols *rows;
	size_t n, cap;
	size_t first[CASE_BATCH + 1]; /* survivor b's rows: [first[b], first[b + 1]) */
};

static void read_col(sqlite3_stmt *s, int i, struct store_col *out)
{
	/* Called for every column of every item of a caseload: each field
	 * set once, not the whole struct cleared first. */
	out->null = false;
	out->i = 0;
	out->text[0] = '\0';
	switch (sqlite3_column_type(s, i)) {
	case SQLITE_NULL:
		out->null = true;
		break;
	case SQLITE_INTEGER:
		out->i = sqlite3_column_int64(s, i);
		break;
	default:
		copy_col(s, i, out->text, sizeof out->text);
		break;
	}
}

/* Reads the items of kind k for the survivors of batch b into r. */
static wm_err case_rows_read(struct conn *c, const struct kind *k,
			     const struct store_survivor_filter *f, const struct case_batch *b,
			     struct case_rows *r)
{
	r->n = 0;
	if (k->ncolumns > STORE_COLS_MAX)
		return WM_ERR_INVALID;
	enum item_q q = given(f->shared_with_org_id) && !given(f->org_id) ? IQ_CASE_SHARED
			: given(f->advocate_id)				  ? IQ_CASE_ADV
									  : IQ_CASE_ORG;
	if (q != IQ_CASE_SHARED && given(f->status))
		q = q == IQ_CASE_ADV ? IQ_CASE_ADV_STATUS : IQ_CASE_ORG_STATUS;
	sqlite3_stmt *s = item_stmt(c, k, q);
	if (!s)
		return WM_ERR_IO;
	if (q == IQ_CASE_SHARED) {
		bind_named(s, "$org", f->shared_with_org_id, -1);
		sqlite3_bind_int(s, sqlite3_bind_parameter_index(s, "$today"), f->today);
		sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, "$now"), f->now);
	} else {
		bind_named(s, "$org", f->org_id, -1);
	}
	if (q == IQ_CASE_ADV || q == IQ_CASE_ADV_STATUS)
		bind_named(s, "$adv", f->advocate_id, -1);
	if (given(f->status))
		bind_named(s, "$status", f->status, -1);
	sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, "$lo"), b->s[0].seq - 1);
	sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, "$hi"), b->s[b->n - 1].seq);
	size_t at = 0; /* the survivor of the batch the rows have reached */
	r->first[0] = 0;
	int rc;
	wm_err e = WM_OK;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0);
		while (at < b->n && b->s[at].seq < seq)
			r->first[++at] = r->n;
		if (at == b->n || b->s[at].seq != seq)
			continue; /* not one of the batch (cannot happen: same filter) */
		if (r->n == r->cap) {
			size_t cap = r->cap ? 2 * r->cap : 256;
			struct store_item_cols *more = realloc(r->rows, cap * sizeof *more);
			if (!more) {
				e = WM_ERR_NOMEM;
				break;
			}
			r->rows = more;
			r->cap = cap;
		}
		struct store_item_cols *it = &r->rows[r->n++];
		copy_col(s, 1, it->id, sizeof it->id);
		it->version = sqlite3_column_int(s, 2);
		const unsigned char *created = sqlite3_column_text(s, 3);
		if (!created || !instant_parse((const char *)created, &it->created_at))
			it->created_at = 0;
		for (size_t j = 0; j < k->ncolumns; j++)
			read_col(s, 4 + (int)j, &it->col[j]);
	}
	if (e == WM_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		e = map_rc(rc);
	while (at < b->n)
		r->first[++at] = r->n;
	done(s);
	return e;
}

/* The change stamp of every survivor of b (store_case.stamp), then which of
 * them the caller knows at it. */
static wm_err case_stamps(struct conn *c, struct case_batch *b, store_known_fn known, void *ctx)
{
	static const char sql[] = "SELECT coalesce(max(seq), 0) FROM audit WHERE survivor_seq = ?1";
	sqlite3_stmt *s = sqlite_cached(c, sql);
	if (!s)
		return WM_ERR_IO;
	for (size_t i = 0; i < b->n; i++) {
		sqlite3_bind_int64(s, 1, b->s[i].seq);
		int rc = sqlite3_step(s);
		b->stamp[i] = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		sqlite_cached_done(s);
		if (rc != SQLITE_ROW)
			return map_rc(rc);
		b->known[i] = known(ctx, &b->s[i], b->stamp[i]);
	}
	return WM_OK;
}

/* Reads one batch of the caseload after `after` into b and rows, in one
 * read transaction: the stamps are of the records as read. */
static wm_err case_batch_read(struct sqlite_store *st, const struct store_survivor_filter *f,
			      int64_t after, const struct kind *const *kinds, size_t nkinds,
			      store_known_fn known, void *ctx, struct case_batch *b,
			      struct case_rows *rows, bool *more)
{
	static const char begin_sql[] = "BEGIN", commit_sql[] = "COMMIT";
	struct conn *c = acquire(st);
	/* A connection already inside a transaction (a batch's) reads in it. */
	bool own = sqlite3_get_autocommit(c->db);
	sqlite3_stmt *bs = own ? sqlite_cached(c, begin_sql) : NULL;
	wm_err e = !own ? WM_OK : bs ? exec_stmt(bs) : WM_ERR_IO;
	if (e == WM_OK)
		e = survivor_list_on(st, c, f, after, CASE_BATCH, NULL, NULL, more, b);
	if (e == WM_OK && b->n && known)
		e = case_stamps(c, b, known, ctx);
	else
		for (size_t i = 0; i < b->n; i++)
			b->stamp[i] = STORE_NO_STAMP;
	bool all_known = true;
	for (size_t i = 0; e == WM_OK && i < b->n; i++)
		if (!b->known[i]) {
			all_known = false;
			e = case_open(st, b, i);
		}
	for (size_t k = 0; k < nkinds && e == WM_OK; k++) {
		if (all_known) {
			rows[k].n = 0;
			for (size_t i = 0; i <= b->n; i++)
				rows[k].first[i] = 0;
		} else if (b->n) {
			e = case_rows_read(c, kinds[k], f, b, &rows[k]);
		}
	}
	if (bs) {
		sqlite3_stmt *cs = sqlite_cached(c, commit_sql);
		wm_err ce = cs ? exec_stmt(cs) : WM_ERR_IO;
		if (ce != WM_OK && sqlite3_get_autocommit(c->db) == 0)
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		if (e == WM_OK)
			e = ce;
	}
	release(st, c);
	return e;
}

wm_err sqlite_caseload(struct sqlite_store *st, const struct store_survivor_filter *f,
		       const struct kind *const *kinds, size_t nkinds, store_known_fn known,
		       void (*each)(void *ctx, const struct store_case *c), void *ctx)
{
	enum reach reach = reach_of(f);
	if (reach != REACH_ORG && reach != REACH_SHARED)
		return WM_ERR_INVALID; /* one organisation's, or those shared with one */
	struct store_survivor_filter lf = *f;
	lf.name = NULL;
	struct case_batch *b = calloc(1, sizeof *b);
	struct case_rows *rows = calloc(nkinds ? nkinds : 1, sizeof *rows);
	const struct store_item_cols **items = calloc(nkinds ? nkinds : 1, sizeof *items);
	size_t *count = calloc(nkinds ? nkinds : 1, sizeof *count);
	wm_err e = b && rows && items && count ? WM_OK : WM_ERR_NOMEM;
	int64_t after = 0;
	bool more = e == WM_OK;
	while (e == WM_OK && more) {
		e = case_batch_read(st, &lf, after, kinds, nkinds, known, ctx, b, rows, &more);
		if (e != WM_OK || b->n == 0)
			break;
		after = b->s[b->n - 1].seq;
		for (size_t i = 0; i < b->n; i++) {
			struct store_case one = {
			    .survivor = &b->s[i], .stamp = b->stamp[i], .known = b->known[i]};
			if (!b->known[i]) {
				for (size_t k = 0; k < nkinds; k++) {
					count[k] = rows[k].first[i + 1] - rows[k].first[i];
					/* A kind with no row in the batch has no array
					 * (rows NULL): NULL + 0 is undefined. */
					items[k] =
					    count[k] ? rows[k].rows + rows[k].first[i] : NULL;
				}
				one.items = items;
				one.count = count;
			}
			each(ctx, &one);
		}
		case_batch_clear(b);
	}
	if (b)
		case_batch_clear(b);
	for (size_t k = 0; rows && k < nkinds; k++)
		free(rows[k].rows);
	free(rows);
	free(items);
	free(count);
	free(b);
	return e;
}

/* ---- an organisation's own non-working days ---- */

wm_err sqlite_org_days(struct sqlite_store *st, const char *org_id, int **days, size_t *n)
{
	*days = NULL;
	*n = 0;
	if (!given(org_id))
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	sqlite3_stmt *s = once(c, "SELECT day FROM org_days WHERE org_id = ?1 ORDER BY day");
	wm_err e = s ? WM_OK : WM_ERR_IO;
	size_t cap = 0;
	int rc = SQLITE_DONE;
	if (s) {
		sqlite3_bind_text(s, 1, org_id, -1, SQLITE_STATIC);
		while (e == WM_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (*n == cap) {
				cap = cap ? 2 * cap : 16;
				int *more = realloc(*days, cap * sizeof *more);
				if (!more) {
					e = WM_ERR_NOMEM;
					break;
				}
				*days = more;
			}
			(*days)[(*n)++] = sqlite3_column_int(s, 0);
		}
		if (e == WM_OK && rc != SQLITE_DONE)
			e = map_rc(rc);
	}
	sqlite3_finalize(s);
	release(st, c);
	if (e != WM_OK) {
		free(*days);
		*days = NULL;
		*n = 0;
	}
	return e;
}

wm_err sqlite_org_days_set(struct sqlite_store *st, const char *org_id, const int *days, size_t n,
			   const char *by, int64_t at)
{
	if (!given(org_id) || !given(by))
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	sqlite3_stmt *del = once(c, "DELETE FROM org_days WHERE org_id = ?1");
	sqlite3_stmt *add = once(c, "INSERT INTO org_days(org_id, day, created_by, created_at) "
				    "VALUES (?1, ?2, ?3, ?4)");
	wm_err e = del && add ? WM_OK : WM_ERR_IO;
	if (e == WM_OK) {
		e = begin(c); /* enters the write turn even when it fails */
		sqlite3_bind_text(del, 1, org_id, -1, SQLITE_STATIC);
		if (e == WM_OK)
			e = exec_stmt(del);
		for (size_t i = 0; i < n && e == WM_OK; i++) {
			sqlite3_bind_text(add, 1, org_id, -1, SQLITE_STATIC);
			sqlite3_bind_int(add, 2, days[i]);
			sqlite3_bind_text(add, 3, by, -1, SQLITE_STATIC);
			sqlite3_bind_int64(add, 4, at);
			e = exec_stmt(add);
		}
		e = finish(c, e);
	}
	sqlite3_finalize(del);
	sqlite3_finalize(add);
	release(st, c);
	return e;
}

/* ---- connections for the store's other files (sqlite.h) ---- */

sqlite3_stmt *sqlite_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

sqlite3_stmt *sqlite_cached(struct conn *c, const char *sql)
{
	for (size_t i = 0; i < c->nkept; i++)
		if (c->kept[i].sql == sql)
			return c->kept[i].s;
	if (c->nkept == CONN_KEPT) {
		log_info("no room to keep another statement: raise CONN_KEPT");
		return NULL;
	}
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		log_info("cannot prepare a kept statement: %s", sqlite3_errmsg(c->db));
		sqlite3_finalize(s);
		return NULL;
	}
	c->kept[c->nkept].sql = sql;
	c->kept[c->nkept].s = s;
	c->nkept++;
	return s;
}

void sqlite_cached_done(sqlite3_stmt *s)
{
	done(s);
}

wm_err sqlite_run(sqlite3 *db, sqlite3_stmt *s, int *changed)
{
	if (!s)
		return WM_ERR_IO;
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (changed)
		*changed = sqlite3_changes(db);
	if (rc == SQLITE_DONE)
		return WM_OK;
	return (rc & 0xff) == SQLITE_CONSTRAINT ? WM_ERR_CONFLICT : WM_ERR_IO;
}

sqlite3 *sqlite_acquire(struct sqlite_store *st, struct conn **c)
{
	*c = acquire(st);
	return (*c)->db;
}

void sqlite_release(struct sqlite_store *st, struct conn *c)
{
	release(st, c);
}

wm_err sqlite_begin(struct conn *c)
{
	return begin(c);
}

wm_err sqlite_finish(struct conn *c, wm_err e)
{
	return finish(c, e);
}

wm_err sqlite_account_event(struct conn *c, const struct store_account_event *ev)
{
	return account_event(c, ev);
}

void sqlite_sessions_changed(struct sqlite_store *st)
{
	session_forget_all(st);
}

const struct keyring *sqlite_keys(struct sqlite_store *st)
{
	return st->keys;
}

sqlite3 *store_sqlite_acquire(struct store *st, struct conn **c)
{
	assert(st->sqlite != NULL); /* a SQLite store's only */
	return sqlite_acquire(st->sqlite, c);
}

void store_sqlite_release(struct store *st, struct conn *c)
{
	sqlite_release(st->sqlite, c);
}

/* ---- bulk loading (bench/gen.c) ---- */

/* Swaps the cached transaction statements of c: in bulk mode each write's
 * own transaction becomes a savepoint inside the long one store_bulk_begin
 * opened, so a write still commits or rolls back whole, but nothing is
 * made durable until store_bulk_commit. The journal is kept in memory
 * meanwhile (a commit writes each page once, where the WAL writes it twice:
 * into the log, then back at the checkpoint); the database is in WAL mode
 * again after the last commit. */
static wm_err bulk_swap(struct conn *c, bool bulk)
{
	static const char *const normal[3] = {"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"};
	static const char *const nested[3] = {"SAVEPOINT bulk_write", "RELEASE bulk_write",
					      "ROLLBACK TO bulk_write"};
	const enum stmt qs[3] = {Q_BEGIN, Q_COMMIT, Q_ROLLBACK};
	for (int i = 0; i < 3; i++) {
		sqlite3_finalize(c->stmts[qs[i]]);
		c->stmts[qs[i]] = NULL;
		if (sqlite3_prepare_v3(c->db, bulk ? nested[i] : normal[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &c->stmts[qs[i]],
				       NULL) != SQLITE_OK)
			return WM_ERR_IO;
	}
	return WM_OK;
}

wm_err sqlite_bulk_begin(struct sqlite_store *st)
{
	if (st->count != 1)
		return WM_ERR_INVALID; /* every write must go through the one transaction */
	struct conn *c = acquire(st);
	wm_err e = sqlite3_exec(c->db,
				"PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;"
				"PRAGMA cache_size = -524288; PRAGMA temp_store = MEMORY;"
				"PRAGMA secure_delete = OFF; BEGIN IMMEDIATE",
				NULL, NULL, NULL) == SQLITE_OK
		       ? bulk_swap(c, true)
		       : WM_ERR_IO;
	release(st, c);
	return e;
}

/* A durable batch (store_batch_begin): bulk mode's savepoints, without
 * its pragmas: the WAL and synchronous = FULL stay. */
wm_err sqlite_batch_begin(struct sqlite_store *st)
{
	if (st->count != 1)
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	wm_err e = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
		       ? bulk_swap(c, true)
		       : WM_ERR_IO;
	release(st, c);
	return e;
}

wm_err sqlite_batch_end(struct sqlite_store *st, bool commit, bool more)
{
	struct conn *c = acquire(st);
	wm_err e =
	    sqlite3_exec(c->db, commit ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK
		? WM_OK
		: WM_ERR_IO;
	if (e != WM_OK && !commit)
		e = WM_OK; /* a failed write may have rolled it back already */
	if (e == WM_OK && more)
		e = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
			? WM_OK
			: WM_ERR_IO;
	if (e != WM_OK || !more) {
		if (!sqlite3_get_autocommit(c->db))
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		wm_err s = bulk_swap(c, false);
		if (e == WM_OK)
			e = s;
	}
	release(st, c);
	return e;
}

wm_err sqlite_bulk_commit(struct sqlite_store *st, bool more)
{
	struct conn *c = acquire(st);
	wm_err e = sqlite3_exec(c->db, more ? "COMMIT; BEGIN IMMEDIATE" : "COMMIT", NULL, NULL,
				NULL) == SQLITE_OK
		       ? WM_OK
		       : WM_ERR_IO;
	if (e == WM_OK && !more)
		e = bulk_swap(c, false);
	if (e == WM_OK && !more)
		e = sqlite3_exec(c->db,
				 "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
				 "PRAGMA secure_delete = ON; PRAGMA temp_store = DEFAULT;"
				 "PRAGMA cache_size = -2000",
				 NULL, NULL, NULL) == SQLITE_OK
			? WM_OK
			: WM_ERR_IO;
	release(st, c);
	return e;
}
