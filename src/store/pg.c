/*
 * pg.c - the PostgreSQL backend of store.h.
 *
 * The SQLite backend (sqlite.c) statement for statement, on libpq through
 * pgq.h: the same SQL where the two dialects agree, the same transactions,
 * the same sealing, blind indexes and version checks, so both answer every
 * call alike (the API suite runs against both). One connection per
 * concurrent caller from a pool, every statement prepared once per
 * connection on the server and reused, and read-audit entries committed in
 * groups by a writer thread (batch.c) on a connection of its own, a batch
 * in a handful of statements (audit_record). Writers of records serialise
 * on one advisory lock (see begin); the read-audit writer does not take it
 * (begin_reads); readers never wait. Several
 * servers may share one database: nothing a request relies on is kept in
 * one process (docs/deployment.md).
 */
#define _POSIX_C_SOURCE 200809L
#include "store.h"

#include <assert.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "batch.h"
#include "codec.h"
#include "migrations.h"
#include "pg.h"
#include "../util/log.h"
#include "../util/text.h"

/* Every statement the backend runs, prepared lazily once per connection. */
enum stmt {
	Q_BEGIN,
	Q_CASE_STAMPS,
	Q_WRITE_LOCK,
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
	Q_READ_AUDIT_INSERT,
	Q_AUDIT_SEQS,
	Q_AUDIT_IDS,
	Q_BULK_LOCK,
	Q_AUDIT_HEAD_GET,
	Q_AUDIT_HEAD_PUT,
	Q_READ_HEAD_GET,
	Q_READ_HEAD_PUT,
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
	"SELECT " SURV_COLS " FROM survivors WHERE known_as_idx = $name AND " where more           \
	" UNION SELECT " SURV_COLS                                                                 \
	" FROM survivors WHERE legal_name_idx = $name AND " where more L_END
#define L_SHAPES(where)                                                                            \
	L_PLAIN(where, ""), L_PLAIN(where, L_ADV), L_PLAIN(where, L_STATUS),                       \
	    L_PLAIN(where, L_ADV L_STATUS), L_NAME(where, ""), L_NAME(where, L_ADV),               \
	    L_NAME(where, L_STATUS), L_NAME(where, L_ADV L_STATUS)
static const char *const list_sql[16] = {L_SHAPES(L_ORG), L_SHAPES(L_ALL)};

/* A batch of audit entries into tbl, from one array a column (see
 * audit_record). */
#define AUDIT_UNNEST(tbl)                                                                          \
	"INSERT INTO " tbl "(seq, at, survivor_seq, user_seq, org_seq, role, action, route, mac) " \
	"SELECT * FROM unnest(?1::bigint[], ?2::bigint[], ?3::bigint[], ?4::bigint[], "            \
	"?5::bigint[], ?6::bigint[], ?7::bigint[], ?8::bigint[], ?9::bytea[])"

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

static const char *const sql_text[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN",
    /* The change stamps of a caseload's batch (case_stamps): for each
     * survivor the seq of its latest change's audit entry. */
    [Q_CASE_STAMPS] = "SELECT s, coalesce((SELECT max(a.seq) FROM audit a WHERE "
		      "a.survivor_seq = s), 0) FROM unnest(?1::bigint[]) AS s",
    /* One lock for every writer of the database (see begin). */
    [Q_WRITE_LOCK] = "SELECT pg_advisory_xact_lock(7310427)",
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
    [Q_SURV_LIST_SHARED] =
	"SELECT " SURV_COLS " FROM survivors WHERE id IN (" SHARED_IDS ")"
	" AND seq > $after AND ($adv::text IS NULL OR advocate_id = $adv)"
	" AND ($status::text IS NULL OR status = $status)"
	" AND ($name::bytea IS NULL OR known_as_idx = $name OR legal_name_idx = $name)"
	" ORDER BY seq LIMIT $limit",
    [Q_SURV_ORG] = "SELECT org_id FROM survivors WHERE id = ?1",
    [Q_SURV_UPDATE] =
	"UPDATE survivors SET advocate_id = ?2, status = ?3, entered_service_on = ?4, "
	"closed_on = ?5, known_as_idx = ?6, legal_name_idx = ?7, key_id = ?8, "
	"body = ?9, updated_at = ?10, version = version + 1, "
	/* The report's count of changes of advocate (migration 016): the
	 * right-hand sides read the row as it was. */
	"advocate_changes = advocate_changes + (advocate_id IS NOT NULL AND "
	"advocate_id IS DISTINCT FROM ?2)::int "
	"WHERE id = ?1 AND version = ?11",
    [Q_VERSION_KEEP_SURV] = "INSERT INTO versions(tbl, id, version, key_id, body) "
			    "SELECT 'survivors', id, version, key_id, body FROM survivors "
			    "WHERE id = ?1 AND version = ?2 ON CONFLICT DO NOTHING",
    [Q_VERSION_GET] =
	"SELECT key_id, body FROM versions WHERE tbl = ?1 AND id = ?2 AND version = ?3",
    [Q_VERSION_PRUNE] = "DELETE FROM versions WHERE tbl = ?1 AND id = ?2 AND version <= ?3",
    /* The audit trail is two tables, as on SQLite: entries written with a
     * change, in the change's own transaction (audit), and entries of
     * reads, committed by the audit writer (read_audit). One sequence
     * numbers both; within each table, in the order they were written (the
     * table's chain head is locked before its seqs are taken). One table of
     * route patterns serves both. */
    [Q_ROUTE_GET] = "SELECT id FROM audit_routes WHERE pattern = ?1",
    /* Two servers' writers may add the same new pattern at once. */
    [Q_ROUTE_ADD] = "INSERT INTO audit_routes(pattern) VALUES (?1) ON CONFLICT (pattern) DO "
		    "UPDATE SET pattern = excluded.pattern RETURNING id",
    /* A batch of entries is written whole (see audit_record): its seqs
     * taken in one go, its ids turned into seqs in one go, its rows
     * inserted from arrays in one statement, each with its mac. */
    [Q_AUDIT_SEQS] = "SELECT nextval('audit_seq') FROM generate_series(1, ?1)",
    [Q_AUDIT_IDS] = "SELECT 0, id, seq FROM survivors WHERE id = ANY(?1::text[]) UNION ALL "
		    "SELECT 1, id, seq FROM users WHERE id = ANY(?2::text[]) UNION ALL "
		    "SELECT 2, id, seq FROM orgs WHERE id = ANY(?3::text[])",
    [Q_AUDIT_INSERT] = AUDIT_UNNEST("audit"),
    [Q_READ_ROUTE_GET] = "SELECT id FROM audit_routes WHERE pattern = ?1",
    [Q_READ_ROUTE_ADD] = "INSERT INTO audit_routes(pattern) VALUES (?1) ON CONFLICT (pattern) "
			 "DO UPDATE SET pattern = excluded.pattern RETURNING id",
    [Q_READ_AUDIT_INSERT] = AUDIT_UNNEST("read_audit"),
    /* Each chain's head (migration 021), read and written by the writer
     * holding the writers' lock; FOR UPDATE all the same, so that the
     * chain never forks even if a writer ever ran without it. */
    [Q_AUDIT_HEAD_GET] = "SELECT seq, mac FROM audit_head WHERE id = 1 FOR UPDATE",
    [Q_AUDIT_HEAD_PUT] = "INSERT INTO audit_head(id, seq, mac, tag) VALUES (1, ?1, ?2, ?3) "
			 "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, mac = "
			 "excluded.mac, tag = excluded.tag",
    [Q_READ_HEAD_GET] = "SELECT seq, mac FROM read_head WHERE id = 1 FOR UPDATE",
    [Q_READ_HEAD_PUT] = "INSERT INTO read_head(id, seq, mac, tag) VALUES (1, ?1, ?2, ?3) "
			"ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, mac = "
			"excluded.mac, tag = excluded.tag",
    /* Newest first across both tables. */
    [Q_AUDIT_LIST] = "(" AUDIT_LOG_ARM("audit", "audit_routes") ") UNION ALL (" AUDIT_LOG_ARM(
	"read_audit", "audit_routes") ") ORDER BY 1 DESC LIMIT ?3",
    /* Bulk-access detection (see bulk_check). */
    /* A batch's pairs, each once (see recent_record). */
    [Q_RECENT_READ] = "INSERT INTO recent_reads(user_seq, survivor_seq, at) SELECT * FROM "
		      "unnest(?1::bigint[], ?2::bigint[], ?3::bigint[]) "
		      "ON CONFLICT(user_seq, survivor_seq) DO UPDATE SET at = excluded.at "
		      "WHERE excluded.at > recent_reads.at",
    /* One account's detection at a time, whichever server's writer runs
     * it (the read-audit writers do not hold the writers' lock). */
    [Q_BULK_LOCK] = "SELECT pg_advisory_xact_lock(7310429, hashtext(?1))",
    [Q_RECENT_PRUNE] =
	"DELETE FROM recent_reads WHERE user_seq = " SEQ_OF_USER("?1") " AND at <= ?2",
    [Q_RECENT_COUNT] =
	"SELECT count(*) FROM (SELECT 1 FROM recent_reads WHERE user_seq = " SEQ_OF_USER(
	    "?1") " AND at > ?2 LIMIT ?3) t",
    [Q_CASELOAD] = "SELECT count(*) FROM survivors WHERE org_id = ?1 AND advocate_id = ?2",
    [Q_BULK_OPEN] = "SELECT seq FROM bulk_access WHERE user_seq = " SEQ_OF_USER(
	"?1") " AND "
	      "detected_at > ?2 ORDER BY detected_at DESC LIMIT 1",
    [Q_BULK_INSERT] = "INSERT INTO bulk_access(user_seq, org_seq, role, window_start, window_end, "
		      "distinct_survivors, threshold, detected_at) VALUES (" SEQ_OF_USER(
			  "?1") ", " SEQ_OF_ORG("?2") ", ?3, ?4, ?5, ?6, ?7, ?5)",
    [Q_BULK_UPDATE] = "UPDATE bulk_access SET window_end = ?2, distinct_survivors = "
		      "greatest(distinct_survivors, ?3) WHERE seq = ?1",
    [Q_BULK_LIST] = "SELECT b.seq, u.id, b.role, o.id, b.window_start, b.window_end, "
		    "b.distinct_survivors, b.threshold, b.detected_at FROM bulk_access b "
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
	pq_stmt *s[IQ_COUNT];
};

struct conn {
	struct pq_db db;
	pq_stmt *stmts[Q_COUNT];
	struct item_stmts items[ITEM_KINDS_MAX];
	size_t nitems;
	pq_stmt *other[PG_OTHER_STMTS]; /* the other files' (pg_stmt) */
	struct conn *next_free;
	struct pg_store *st;
	bool gated; /* in a write transaction (see begin) */
	/* Route patterns' ids met so far (route_id): committed rows, which
	 * never change. */
	struct {
		char pattern[128];
		int64_t id;
	} routes[48];
	int nroutes;
};

struct pg_store {
	const struct keyring *keys;
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct conn *free_list;
	struct conn *conns;
	int count;
	/* In a durable batch (pg_batch_begin): one transaction under the
	 * writers' lock. Its writes take no savepoint each (a failed write
	 * fails the batch: batch_failed), and the audit chains' heads are read
	 * (and locked) once and written back once, at its commit; head[reads]. */
	bool batch, batch_failed;
	struct {
		int64_t seq;
		unsigned char mac[CODEC_AUDIT_MAC_LEN];
		bool any, known, dirty;
	} head[2];
	int schema_version;
	struct batch *audit; /* group commit of read-audit entries */
	/* The audit writer's own connection (not in the pool; NULL with a
	 * pool of one), as on SQLite: the writer never waits for a pooled
	 * connection behind the reads it is to answer. */
	struct conn *writer;
	int bulk_threshold; /* 0: three times the caseload, at least 100 */
};

/* A parameter PostgreSQL meets first in "$x IS NULL" has no type it can
 * infer: such statements cast it there ($adv::text, $name::bytea). */

/* Shapes of the survivor list (as sqlite.h's): which filters are given,
 * one statement each. */
#define STORE_SHAPE_ADVOCATE 1
#define STORE_SHAPE_STATUS   2
#define STORE_SHAPE_NAME     4
#define STORE_SHAPE_ALL_ORGS 8

/* ---- connections ---- */

/* libpq prints the server's notices on stderr by default: the server's
 * log is ours, and says nothing of them. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static wm_err open_conn(const char *uri, struct conn *c, char *msg, size_t cap)
{
	c->db.pg = PQconnectdb(uri);
	if (!c->db.pg)
		return WM_ERR_NOMEM;
	if (PQstatus(c->db.pg) != CONNECTION_OK) {
		/* libpq's reason names the host and the role, never a record;
		 * the operator needs it. Its first line only. */
		const char *why = PQerrorMessage(c->db.pg);
		int n = (int)strcspn(why, "\n");
		snprintf(msg, cap, "cannot connect to PostgreSQL: %.*s", n > 200 ? 200 : n, why);
		return WM_ERR_IO;
	}
	PQsetNoticeProcessor(c->db.pg, quiet, NULL);
	/* Every acknowledged write is durable (the server's default, made
	 * explicit against a role or database that turned it off). */
	if (pq_exec(&c->db, "SET synchronous_commit = on; SET client_min_messages = warning") !=
	    PQ_OK) {
		snprintf(msg, cap, "cannot set up a PostgreSQL connection");
		return WM_ERR_IO;
	}
	return WM_OK;
}

static void close_conn(struct conn *c)
{
	for (int i = 0; i < Q_COUNT; i++)
		pq_finalize(c->stmts[i]);
	for (size_t i = 0; i < c->nitems; i++)
		for (int q = 0; q < IQ_COUNT; q++)
			pq_finalize(c->items[i].s[q]);
	for (int i = 0; i < PG_OTHER_STMTS; i++)
		pq_finalize(c->other[i]);
	if (c->db.pg)
		PQfinish(c->db.pg);
	c->db.pg = NULL;
}

/* Forgets the statements of a connection that was reset (the server's
 * prepared statements went with the old session). */
static void forget_statements(struct conn *c)
{
	for (int i = 0; i < Q_COUNT; i++) {
		pq_finalize(c->stmts[i]);
		c->stmts[i] = NULL;
	}
	for (size_t i = 0; i < c->nitems; i++)
		for (int q = 0; q < IQ_COUNT; q++) {
			pq_finalize(c->items[i].s[q]);
			c->items[i].s[q] = NULL;
		}
	for (int i = 0; i < PG_OTHER_STMTS; i++) {
		pq_finalize(c->other[i]);
		c->other[i] = NULL;
	}
}

/* A connection the server closed (a restart, a fail-over) is opened again
 * before it is handed out: the request then runs on a fresh session rather
 * than failing. */
static void revive(struct conn *c)
{
	if (PQstatus(c->db.pg) == CONNECTION_OK)
		return;
	forget_statements(c);
	PQreset(c->db.pg);
	if (PQstatus(c->db.pg) == CONNECTION_OK) {
		PQsetNoticeProcessor(c->db.pg, quiet, NULL);
		pq_exec(&c->db, "SET synchronous_commit = on; SET client_min_messages = warning");
	}
}

static struct conn *acquire(struct pg_store *st)
{
	pthread_mutex_lock(&st->lock);
	while (!st->free_list)
		pthread_cond_wait(&st->freed, &st->lock);
	struct conn *c = st->free_list;
	st->free_list = c->next_free;
	pthread_mutex_unlock(&st->lock);
	revive(c);
	return c;
}

static void release(struct pg_store *st, struct conn *c)
{
	pthread_mutex_lock(&st->lock);
	c->next_free = st->free_list;
	st->free_list = c;
	pthread_cond_signal(&st->freed);
	pthread_mutex_unlock(&st->lock);
}

/* The prepared statement q, reset and ready for binding; NULL on error. */
static pq_stmt *stmt(struct conn *c, enum stmt q)
{
	if (!c->stmts[q]) {
		const char *sql = q >= Q_SURV_LIST && q <= Q_SURV_LIST_LAST
				      ? list_sql[q - Q_SURV_LIST]
				      : sql_text[q];
		assert(sql != NULL);
		c->stmts[q] = pq_prepare(&c->db, sql, true);
		if (!c->stmts[q])
			log_info("cannot prepare statement %d", (int)q);
	}
	return c->stmts[q];
}

static void done(pq_stmt *s)
{
	if (s) {
		pq_reset(s);
		pq_clear_bindings(s);
	}
}

static wm_err map_rc(int rc)
{
	if (rc == PQ_DONE || rc == PQ_ROW || rc == PQ_OK)
		return WM_OK;
	if (rc == PQ_CONSTRAINT)
		return WM_ERR_CONFLICT;
	return WM_ERR_IO;
}

/* Logs a failed statement by its SQLSTATE and the start of its text: the
 * text holds no value (values are parameters), so the log names no one. */
static void log_failure(const pq_stmt *s)
{
	const char *sql = pq_sql(s);
	log_info("storage: a statement failed (SQLSTATE %s): %.60s", pq_stmt_sqlstate(s),
		 sql ? sql : "");
}

/* Runs a statement that returns no rows. A failure other than a conflict
 * is logged by its SQLSTATE and the statement's text (which holds no
 * value: values are parameters). */
static wm_err exec_stmt(pq_stmt *s)
{
	if (!s)
		return WM_ERR_IO;
	int rc = pq_step(s);
	if (rc == PQ_ERROR)
		log_failure(s);
	done(s);
	return map_rc(rc);
}

/* Runs a statement that takes one integer and returns no rows. */
static wm_err exec_int(struct conn *c, enum stmt q, int64_t v)
{
	pq_stmt *s = stmt(c, q);
	if (!s)
		return WM_ERR_IO;
	pq_bind_int64(s, 1, v);
	return exec_stmt(s);
}

/* Begins a write transaction. Writers take one transaction-level advisory
 * lock, across every server on the database: writes are serialised as
 * SQLite's BEGIN IMMEDIATE serialises them, so every read-then-write the
 * SQLite backend relies on (the lock-out's count, a route's id, bulk-access
 * detection) holds here too, and a version check (UPDATE ... WHERE version
 * = expected) sees the last committed version. Reads take no lock. */
static wm_err begin(struct conn *c)
{
	assert(!c->gated);
	c->gated = true;
	if (c->st->batch) /* the batch's transaction holds the lock already */
		return c->st->batch_failed ? WM_ERR_IO : WM_OK;
	wm_err e = exec_stmt(stmt(c, Q_BEGIN));
	if (e == WM_OK)
		e = exec_stmt(stmt(c, Q_WRITE_LOCK));
	return e;
}

/* A transaction of the read-audit writer: not under the writers' lock,
 * which it needs nothing of. The read chain's head, locked first thing
 * (audit_record), orders the writers of every server among themselves,
 * and bulk-access detection locks the account it counts (Q_BULK_LOCK). So
 * reads waiting for their entries never queue behind the writes. */
static wm_err begin_reads(struct conn *c)
{
	assert(!c->gated);
	c->gated = true;
	if (c->st->batch)
		return c->st->batch_failed ? WM_ERR_IO : WM_OK;
	return exec_stmt(stmt(c, Q_BEGIN));
}

static wm_err finish(struct conn *c, wm_err e)
{
	if (c->st->batch) {
		/* A write in a batch: it fails the batch, which is rolled back
		 * whole (pg_batch_end). */
		if (e != WM_OK)
			c->st->batch_failed = true;
		c->gated = false;
		return e;
	}
	if (e == WM_OK) {
		e = exec_stmt(stmt(c, Q_COMMIT));
		if (e == WM_OK) {
			c->gated = false;
			return WM_OK;
		}
	}
	if (PQtransactionStatus(c->db.pg) != PQTRANS_IDLE)
		pq_exec(&c->db, "ROLLBACK");
	c->gated = false;
	return e;
}

static void bind_text(pq_stmt *s, int i, const char *v)
{
	if (v && v[0])
		pq_bind_text(s, i, v, -1, PQ_STATIC);
	else
		pq_bind_null(s, i);
}

static void copy_col(pq_stmt *s, int i, char *out, size_t cap)
{
	assert(cap > 0);
	const unsigned char *t = pq_column_text(s, i);
	size_t n = t ? (size_t)pq_column_bytes(s, i) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(out, t, n);
	out[n] = '\0';
}

static wm_err audit_commit(void *ctx, const struct store_audit *entries, size_t n);

/* ---- opening, migrations, key check ---- */

/* The advisory lock migrations take: servers starting together on one
 * database migrate it once, one after the other. */
#define MIGRATE_LOCK "SELECT pg_advisory_xact_lock(7310428)"

int pg_schema_latest(void)
{
	return pg_migrations[pg_migration_count - 1].version;
}

/* Whether the database holds any table of Waymark's (a database made with
 * createdb holds none). -1 when it cannot be asked. */
static int has_waymark(struct conn *c)
{
	pq_stmt *s = pq_prepare(&c->db,
				"SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = "
				"current_schema() AND tablename IN ('schema_migrations', 'meta', "
				"'survivors', 'users', 'orgs')",
				false);
	int found = -1;
	if (s && pq_step(s) == PQ_ROW)
		found = pq_column_int(s, 0) > 0;
	pq_finalize(s);
	return found;
}

static int current_version(struct conn *c)
{
	int any = has_waymark(c);
	if (any <= 0)
		return any;
	pq_stmt *s =
	    pq_prepare(&c->db, "SELECT coalesce(max(version), 0) FROM schema_migrations", false);
	int v = -1;
	if (s && pq_step(s) == PQ_ROW)
		v = pq_column_int(s, 0);
	pq_finalize(s);
	return v;
}

/* Applies the migrations past the database's version, all in one
 * transaction under MIGRATE_LOCK (PostgreSQL's DDL is transactional): a
 * failure leaves the database as it was. */
static wm_err migrate(struct conn *c, enum store_mode mode, char *msg, size_t cap)
{
	if (pq_exec(&c->db, "BEGIN") != PQ_OK || pq_exec(&c->db, MIGRATE_LOCK) != PQ_OK) {
		pq_exec(&c->db, "ROLLBACK");
		snprintf(msg, cap, "cannot lock the database for its migrations");
		return WM_ERR_IO;
	}
	int from = current_version(c); /* again, under the lock */
	wm_err e = WM_OK;
	if (from < 0) {
		snprintf(msg, cap, "cannot read the schema version");
		e = WM_ERR_IO;
	} else if (mode == STORE_CREATE && from > 0) {
		snprintf(msg, cap,
			 "the database already holds waymark tables; refusing to overwrite it");
		e = WM_ERR_EXISTS;
	} else if (mode == STORE_OPEN && from == 0) {
		snprintf(msg, cap, "not a waymark database: create one with 'waymark init'");
		e = WM_ERR_NOT_FOUND;
	} else if (from > pg_schema_latest()) {
		snprintf(msg, cap,
			 "the database is at schema version %d, newer than this waymark knows "
			 "(%d): upgrade waymark before opening it",
			 from, pg_schema_latest());
		e = WM_ERR_SCHEMA_NEWER;
	}
	if (e == WM_OK && from < pg_schema_latest() &&
	    pq_exec(&c->db, "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY "
			    "KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT "
			    "now())") != PQ_OK) {
		snprintf(msg, cap, "cannot create the table of migrations");
		e = WM_ERR_IO;
	}
	for (int i = 0; e == WM_OK && i < pg_migration_count; i++) {
		const struct migration *m = &pg_migrations[i];
		if (m->version <= from)
			continue;
		pq_stmt *s = NULL;
		int rc = pq_exec(&c->db, m->sql);
		if (rc == PQ_OK) {
			s = pq_prepare(
			    &c->db, "INSERT INTO schema_migrations(version, name) VALUES (?1, ?2)",
			    false);
			rc = s ? PQ_OK : PQ_ERROR;
		}
		if (rc == PQ_OK) {
			pq_bind_int(s, 1, m->version);
			pq_bind_text(s, 2, m->name, -1, PQ_STATIC);
			rc = pq_step(s) == PQ_DONE ? PQ_OK : PQ_ERROR;
		}
		pq_finalize(s);
		if (rc != PQ_OK) {
			snprintf(msg, cap, "migration %s failed (SQLSTATE %s)", m->name,
				 c->db.sqlstate);
			e = WM_ERR_IO;
		}
	}
	if (e == WM_OK && pq_exec(&c->db, "COMMIT") != PQ_OK) {
		snprintf(msg, cap, "cannot commit the migrations");
		e = WM_ERR_IO;
	}
	if (e != WM_OK)
		pq_exec(&c->db, "ROLLBACK");
	return e;
}

static wm_err meta_get(struct conn *c, const char *name, unsigned char **out, size_t *len)
{
	pq_stmt *s = stmt(c, Q_META_GET);
	if (!s)
		return WM_ERR_IO;
	pq_bind_text(s, 1, name, -1, PQ_STATIC);
	wm_err e = WM_ERR_NOT_FOUND;
	if (pq_step(s) == PQ_ROW) {
		size_t n = (size_t)pq_column_bytes(s, 0);
		*out = malloc(n ? n : 1);
		if (*out) {
			if (n)
				memcpy(*out, pq_column_blob(s, 0), n);
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
	pq_stmt *s = stmt(c, Q_META_PUT);
	if (!s)
		return WM_ERR_IO;
	pq_bind_text(s, 1, name, -1, PQ_STATIC);
	pq_bind_blob(s, 2, v, (int)len, PQ_STATIC);
	return exec_stmt(s);
}

static wm_err prepare_database(struct pg_store *st, struct conn *c, enum store_mode mode, char *msg,
			       size_t cap)
{
	if (pg_schema_latest() != sqlite_schema_latest()) {
		/* A build whose two schemas disagree on what a version means. */
		snprintf(msg, cap, "this build's PostgreSQL schema (%d) lags SQLite's (%d)",
			 pg_schema_latest(), sqlite_schema_latest());
		return WM_ERR_SCHEMA_NEWER;
	}
	wm_err e = migrate(c, mode, msg, cap);
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

static wm_err chain_fill(struct pg_store *st, struct conn *c, bool reads);

wm_err pg_open(const char *uri, const struct keyring *keys, enum store_mode mode, int pool_size,
	       struct pg_store **out, char *msg, size_t msgcap)
{
	*out = NULL;
	if (pool_size < 1)
		pool_size = 1;
	struct pg_store *st = calloc(1, sizeof *st);
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
	for (int i = 0; i < nconns; i++)
		st->conns[i].st = st;

	wm_err e = open_conn(uri, &st->conns[0], msg, msgcap);
	st->count = 1;
	if (e == WM_OK)
		e = prepare_database(st, &st->conns[0], mode, msg, msgcap);
	if (e == WM_OK && mode != STORE_CREATE &&
	    (chain_fill(st, &st->conns[0], false) != WM_OK ||
	     chain_fill(st, &st->conns[0], true) != WM_OK)) {
		snprintf(msg, msgcap,
			 "cannot link the audit trail's earlier entries into its chain");
		e = WM_ERR_IO;
	}
	for (int i = 1; e == WM_OK && i < nconns; i++) {
		e = open_conn(uri, &st->conns[i], msg, msgcap);
		st->count++;
	}
	if (e != WM_OK) {
		pg_close(st);
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
		pg_close(st);
		return WM_ERR_NOMEM;
	}
	*out = st;
	return WM_OK;
}

void pg_close(struct pg_store *st)
{
	if (!st)
		return;
	batch_stop(st->audit); /* commits what is pending first */
	for (int i = 0; i < st->count; i++)
		close_conn(&st->conns[i]);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->freed);
	free(st->conns);
	free(st);
}

int pg_schema_version(struct pg_store *st)
{
	return st->schema_version;
}

wm_err pg_ping(struct pg_store *st)
{
	struct conn *c = acquire(st);
	pq_stmt *s = stmt(c, Q_PING);
	wm_err e = s && pq_step(s) == PQ_ROW ? WM_OK : WM_ERR_IO;
	done(s);
	release(st, c);
	return e;
}

/* ---- organisations ---- */

static void read_org(pq_stmt *s, struct store_org *o)
{
	o->seq = pq_column_int64(s, 0);
	copy_col(s, 1, o->id, sizeof o->id);
	copy_col(s, 2, o->name, sizeof o->name);
	copy_col(s, 3, o->kind, sizeof o->kind);
	o->version = pq_column_int(s, 4);
	copy_col(s, 5, o->created_at, sizeof o->created_at);
	copy_col(s, 6, o->updated_at, sizeof o->updated_at);
}

static wm_err account_event(struct conn *c, const struct store_account_event *ev)
{
	pq_stmt *s = stmt(c, Q_ACCOUNT_EVENT);
	if (!s)
		return WM_ERR_IO;
	pq_bind_text(s, 1, ev->at, -1, PQ_STATIC);
	bind_text(s, 2, ev->actor_id);
	pq_bind_text(s, 3, ev->action, -1, PQ_STATIC);
	pq_bind_text(s, 4, ev->target_id, -1, PQ_STATIC);
	pq_bind_text(s, 5, ev->fields, -1, PQ_STATIC);
	return exec_stmt(s);
}

wm_err pg_org_create(struct pg_store *st, const struct store_org *org,
		     const struct store_account_event *ev)
{
	char key[STORE_NAME_LEN * 4];
	if (!text_fold(org->name, key, sizeof key))
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	pq_stmt *s = e == WM_OK ? stmt(c, Q_ORG_INSERT) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		pq_bind_text(s, 1, org->id, -1, PQ_STATIC);
		pq_bind_text(s, 2, org->name, -1, PQ_STATIC);
		pq_bind_text(s, 3, key, -1, PQ_STATIC);
		pq_bind_text(s, 4, org->kind, -1, PQ_STATIC);
		pq_bind_text(s, 5, org->created_at, -1, PQ_STATIC);
		pq_bind_text(s, 6, org->updated_at, -1, PQ_STATIC);
		e = exec_stmt(s);
	}
	if (e == WM_OK)
		e = account_event(c, ev);
	e = finish(c, e);
	release(st, c);
	return e;
}

wm_err pg_org_get(struct pg_store *st, const char *id, struct store_org *out)
{
	struct conn *c = acquire(st);
	pq_stmt *s = stmt(c, Q_ORG_GET);
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_text(s, 1, id, -1, PQ_STATIC);
		int rc = pq_step(s);
		if (rc == PQ_ROW) {
			read_org(s, out);
			e = WM_OK;
		} else {
			e = rc == PQ_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		}
		done(s);
	}
	release(st, c);
	return e;
}

wm_err pg_org_list(struct pg_store *st, int64_t after, int limit,
		   void (*each)(void *ctx, const struct store_org *org), void *ctx, bool *more)
{
	struct conn *c = acquire(st);
	pq_stmt *s = stmt(c, Q_ORG_LIST);
	wm_err e = WM_ERR_IO;
	*more = false;
	if (s) {
		pq_bind_int64(s, 1, after);
		pq_bind_int(s, 2, limit + 1);
		int n = 0, rc;
		struct store_org o;
		while ((rc = pq_step(s)) == PQ_ROW) {
			if (n++ == limit) {
				*more = true;
				break;
			}
			read_org(s, &o);
			each(ctx, &o);
		}
		e = rc == PQ_ROW || rc == PQ_DONE ? WM_OK : map_rc(rc);
		done(s);
	}
	release(st, c);
	return e;
}

/* ---- users and sessions ---- */

static void read_user(pq_stmt *s, struct store_user *u)
{
	u->seq = pq_column_int64(s, 0);
	copy_col(s, 1, u->id, sizeof u->id);
	copy_col(s, 2, u->username, sizeof u->username);
	u->password_hash[0] = '\0';
	u->must_change_password = pq_column_int(s, 3) != 0;
	copy_col(s, 4, u->display_name, sizeof u->display_name);
	const char *role = (const char *)pq_column_text(s, 5);
	if (!role_parse(role, &u->role))
		u->role = ROLE_ANALYST; /* unreachable with a sound database; least power */
	copy_col(s, 6, u->org_id, sizeof u->org_id);
	u->disabled = pq_column_int(s, 7) != 0;
	u->version = pq_column_int(s, 8);
	copy_col(s, 9, u->created_at, sizeof u->created_at);
	copy_col(s, 10, u->updated_at, sizeof u->updated_at);
	u->privacy_mode = pq_column_int(s, 11) != 0;
}

wm_err pg_user_create(struct pg_store *st, const struct store_user *u,
		      const struct store_account_event *ev)
{
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	pq_stmt *s = e == WM_OK ? stmt(c, Q_USER_INSERT) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		pq_bind_text(s, 1, u->id, -1, PQ_STATIC);
		pq_bind_text(s, 2, u->username, -1, PQ_STATIC);
		pq_bind_text(s, 3, u->password_hash, -1, PQ_STATIC);
		pq_bind_text(s, 4, u->display_name, -1, PQ_STATIC);
		pq_bind_text(s, 5, role_name(u->role), -1, PQ_STATIC);
		bind_text(s, 6, u->org_id);
		pq_bind_int(s, 7, u->disabled);
		pq_bind_text(s, 8, u->created_at, -1, PQ_STATIC);
		pq_bind_text(s, 9, u->updated_at, -1, PQ_STATIC);
		pq_bind_int(s, 10, u->must_change_password);
		e = exec_stmt(s);
	}
	if (e == WM_OK)
		e = account_event(c, ev);
	e = finish(c, e);
	release(st, c);
	return e;
}

static wm_err user_lookup(struct pg_store *st, enum stmt q, const char *key, struct store_user *out)
{
	struct conn *c = acquire(st);
	pq_stmt *s = stmt(c, q);
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_text(s, 1, key, -1, PQ_STATIC);
		int rc = pq_step(s);
		if (rc == PQ_ROW) {
			read_user(s, out);
			e = WM_OK;
		} else {
			e = rc == PQ_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		}
		done(s);
	}
	release(st, c);
	return e;
}

wm_err pg_user_get(struct pg_store *st, const char *id, struct store_user *out)
{
	return user_lookup(st, Q_USER_GET, id, out);
}

wm_err pg_user_by_name(struct pg_store *st, const char *username, struct store_user *out)
{
	return user_lookup(st, Q_USER_BY_NAME, username, out);
}

wm_err pg_user_update(struct pg_store *st, const struct store_user *u, int expected,
		      bool revoke_sessions, const struct store_account_event *ev)
{
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	pq_stmt *s = e == WM_OK ? stmt(c, Q_USER_UPDATE) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		pq_bind_text(s, 1, u->id, -1, PQ_STATIC);
		bind_text(s, 2, u->password_hash);
		pq_bind_text(s, 3, u->display_name, -1, PQ_STATIC);
		pq_bind_text(s, 4, role_name(u->role), -1, PQ_STATIC);
		bind_text(s, 5, u->org_id);
		pq_bind_int(s, 6, u->disabled);
		pq_bind_text(s, 7, u->updated_at, -1, PQ_STATIC);
		pq_bind_int(s, 8, expected);
		pq_bind_int(s, 9, u->must_change_password);
		pq_bind_int(s, 10, u->privacy_mode);
		e = exec_stmt(s);
		if (e == WM_OK && c->db.changes == 0)
			e = WM_ERR_CONFLICT;
	}
	if (e == WM_OK)
		e = account_event(c, ev);
	if (e == WM_OK && revoke_sessions) {
		s = stmt(c, Q_SESSION_DELETE_USER);
		if (!s)
			e = WM_ERR_IO;
		else {
			pq_bind_text(s, 1, u->id, -1, PQ_STATIC);
			e = exec_stmt(s);
		}
	}
	e = finish(c, e);
	release(st, c);
	return e;
}

wm_err pg_user_list(struct pg_store *st, int64_t after, int limit,
		    void (*each)(void *ctx, const struct store_user *user), void *ctx, bool *more)
{
	struct conn *c = acquire(st);
	pq_stmt *s = stmt(c, Q_USER_LIST);
	wm_err e = WM_ERR_IO;
	*more = false;
	if (s) {
		pq_bind_int64(s, 1, after);
		pq_bind_int(s, 2, limit + 1);
		int n = 0, rc;
		struct store_user u;
		while ((rc = pq_step(s)) == PQ_ROW) {
			if (n++ == limit) {
				*more = true;
				break;
			}
			read_user(s, &u);
			each(ctx, &u);
		}
		e = rc == PQ_ROW || rc == PQ_DONE ? WM_OK : map_rc(rc);
		done(s);
	}
	release(st, c);
	return e;
}

wm_err pg_session_create(struct pg_store *st, const unsigned char *digest, size_t len,
			 const char *user_id, int user_version, int64_t now, int64_t expires_at)
{
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	pq_stmt *s = e == WM_OK ? stmt(c, Q_SESSION_INSERT) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		pq_bind_blob(s, 1, digest, (int)len, PQ_STATIC);
		pq_bind_text(s, 2, user_id, -1, PQ_STATIC);
		pq_bind_int64(s, 3, now);
		pq_bind_int64(s, 4, expires_at);
		pq_bind_int(s, 5, user_version);
		e = exec_stmt(s);
		if (e == WM_OK && c->db.changes == 0)
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

wm_err pg_session_user(struct pg_store *st, const unsigned char *digest, size_t len, int64_t now,
		       struct store_user *out, int64_t *expires_at)
{
	/* No cache of sessions here (SQLite's keeps one for a second): a
	 * sign-out, a password change or a disabled account on any server
	 * takes effect at the very next request on every other. */
	struct conn *c = acquire(st);
	pq_stmt *s = stmt(c, Q_SESSION_USER);
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_blob(s, 1, digest, (int)len, PQ_STATIC);
		pq_bind_int64(s, 2, now);
		int rc = pq_step(s);
		if (rc == PQ_ROW) {
			read_user(s, out);
			*expires_at = pq_column_int64(s, 12); /* after USER_COLS */
			e = WM_OK;
		} else {
			e = rc == PQ_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		}
		done(s);
	}
	release(st, c);
	return e;
}

wm_err pg_session_delete(struct pg_store *st, const unsigned char *digest, size_t len)
{
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	pq_stmt *s = e == WM_OK ? stmt(c, Q_SESSION_DELETE) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		pq_bind_blob(s, 1, digest, (int)len, PQ_STATIC);
		e = exec_stmt(s);
	}
	e = finish(c, e);
	release(st, c);
	return e;
}

/* ---- login lock-out ---- */

/* Runs a statement bound to one blob key and, optionally, one integer. */
static wm_err exec_key(struct conn *c, enum stmt q, const unsigned char *key, size_t len,
		       bool with_int, int64_t v)
{
	pq_stmt *s = stmt(c, q);
	if (!s)
		return WM_ERR_IO;
	pq_bind_blob(s, 1, key, (int)len, PQ_STATIC);
	if (with_int)
		pq_bind_int64(s, 2, v);
	return exec_stmt(s);
}

/* Reads one integer from a statement bound to a key and an integer; *out is
 * 0 when there is no row. */
static wm_err query_key(struct conn *c, enum stmt q, const unsigned char *key, size_t len,
			int64_t v, int64_t *out)
{
	*out = 0;
	pq_stmt *s = stmt(c, q);
	if (!s)
		return WM_ERR_IO;
	pq_bind_blob(s, 1, key, (int)len, PQ_STATIC);
	pq_bind_int64(s, 2, v);
	int rc = pq_step(s);
	if (rc == PQ_ROW)
		*out = pq_column_int64(s, 0);
	done(s);
	return rc == PQ_ROW || rc == PQ_DONE ? WM_OK : map_rc(rc);
}

/* Locks key until now + lock_for and forgets its failures. */
static wm_err lock_key(struct conn *c, const unsigned char *key, size_t len, int64_t until)
{
	wm_err e = exec_key(c, Q_LOGIN_LOCK, key, len, true, until);
	if (e == WM_OK)
		e = exec_key(c, Q_LOGIN_CLEAR, key, len, false, 0);
	return e;
}

wm_err pg_login_begin(struct pg_store *st, const char *username, int64_t now,
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

wm_err pg_login_failed(struct pg_store *st, const char *username, int64_t now,
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

wm_err pg_login_succeeded(struct pg_store *st, const char *username)
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
static void survivor_place(const char *id, const char *org_id, char out[2 * STORE_ID_LEN])
{
	snprintf(out, 2 * STORE_ID_LEN, "%s:%s", id, org_id);
}

/* The columns derived from a body (codec.c says which fields), and the
 * sealed body itself. */
struct surv_cols {
	struct codec_survivor_cols plain;
	unsigned char *sealed;
	size_t sealed_len;
	int key_id;
};

static wm_err surv_cols_make(struct pg_store *st, const struct store_survivor *s,
			     struct surv_cols *cols)
{
	cols->sealed = NULL;
	wm_err e = codec_survivor_cols(st->keys, s->body, &cols->plain);
	if (e != WM_OK)
		return e;
	char place[2 * STORE_ID_LEN];
	survivor_place(s->id, s->org_id, place);
	return codec_seal_record(st->keys, "survivor", place, s->body, &cols->sealed,
				 &cols->sealed_len, &cols->key_id);
}

/* Binds the derived columns at first, first + 1, ...: advocate, status,
 * entered, closed, the two name indexes, key id, sealed body. */
static void bind_cols(pq_stmt *s, int first, const struct surv_cols *cols)
{
	for (int i = 0; i < CODEC_COL_TEXT_COUNT; i++)
		bind_text(s, first + i, cols->plain.text[i]);
	for (int i = 0; i < 2; i++)
		if (cols->plain.has_name[i])
			pq_bind_blob(s, first + CODEC_COL_TEXT_COUNT + i, cols->plain.name_idx[i],
				     KEYRING_BLIND_LEN, PQ_STATIC);
	pq_bind_int(s, first + CODEC_COL_TEXT_COUNT + 2, cols->key_id);
	pq_bind_blob(s, first + CODEC_COL_TEXT_COUNT + 3, cols->sealed, (int)cols->sealed_len,
		     PQ_STATIC);
}

static wm_err audit_record(struct pg_store *st, struct conn *c, bool reads,
			   const struct store_audit *entries, size_t n);

wm_err pg_survivor_create(struct pg_store *st, const struct store_survivor *sv,
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
	pq_stmt *s = e == WM_OK ? stmt(c, Q_SURV_INSERT) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		pq_bind_text(s, 1, sv->id, -1, PQ_STATIC);
		pq_bind_text(s, 2, sv->org_id, -1, PQ_STATIC);
		bind_cols(s, 3, &cols);
		pq_bind_text(s, 11, sv->created_at, -1, PQ_STATIC);
		e = exec_stmt(s);
	}
	if (e == WM_OK)
		e = audit_record(st, c, false, audit, 1);
	e = finish(c, e);
	release(st, c);
	free(cols.sealed);
	return e;
}

/* Reads the current row of a SURV_COLS statement, opening its body. */
/* The server fields of the current row of a SURV_COLS statement (columns
 * 0-5); the sealed body (6, 7) is left to the caller. */
static void survivor_head(pq_stmt *s, struct store_survivor *out)
{
	out->seq = pq_column_int64(s, 0);
	copy_col(s, 1, out->id, sizeof out->id);
	copy_col(s, 2, out->org_id, sizeof out->org_id);
	out->version = pq_column_int(s, 3);
	copy_col(s, 4, out->created_at, sizeof out->created_at);
	copy_col(s, 5, out->updated_at, sizeof out->updated_at);
	out->shared_with_org = false;
}

static wm_err read_survivor(struct pg_store *st, pq_stmt *s, struct store_survivor *out)
{
	survivor_head(s, out);
	int key_id = pq_column_int(s, 6);
	const unsigned char *blob = pq_column_blob(s, 7);
	size_t len = (size_t)pq_column_bytes(s, 7);
	char place[2 * STORE_ID_LEN];
	survivor_place(out->id, out->org_id, place);
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
static void bind_named(pq_stmt *s, const char *name, const void *v, int len)
{
	int i = pq_bind_parameter_index(s, name);
	if (i == 0)
		return;
	if (len < 0)
		pq_bind_text(s, i, v, -1, PQ_STATIC);
	else
		pq_bind_blob(s, i, v, len, PQ_STATIC);
}

wm_err pg_survivor_get(struct pg_store *st, const char *id, const struct store_survivor_filter *vis,
		       struct store_survivor *out)
{
	out->body = NULL;
	/* Rows the caller may not see are never read, let alone decrypted:
	 * a shared-with filter reaches only survivors whose active
	 * share_with_org consent names that organisation (SHARED_IDS). */
	enum reach r = reach_of(vis);
	if (r == REACH_NONE)
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	pq_stmt *s = stmt(c, r == REACH_ALL	 ? Q_SURV_GET_ANY_ORG
			     : r == REACH_SHARED ? Q_SURV_GET_SHARED
						 : Q_SURV_GET);
	wm_err e = WM_ERR_IO;
	if (s) {
		if (r == REACH_SHARED) {
			bind_named(s, "$id", id, -1);
			bind_named(s, "$org", vis->shared_with_org_id, -1);
			pq_bind_int(s, pq_bind_parameter_index(s, "$today"), vis->today);
			pq_bind_int64(s, pq_bind_parameter_index(s, "$now"), vis->now);
		} else {
			pq_bind_text(s, 1, id, -1, PQ_STATIC);
			if (r == REACH_ORG)
				pq_bind_text(s, 2, vis->org_id, -1, PQ_STATIC);
		}
		int rc = pq_step(s);
		if (rc == PQ_ROW) {
			e = read_survivor(st, s, out);
			out->shared_with_org = e == WM_OK && r == REACH_SHARED;
		} else {
			e = rc == PQ_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		}
		done(s);
	}
	release(st, c);
	return e;
}

wm_err pg_survivor_org(struct pg_store *st, const char *id, char org_id[STORE_ID_LEN])
{
	struct conn *c = acquire(st);
	pq_stmt *s = stmt(c, Q_SURV_ORG);
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_text(s, 1, id, -1, PQ_STATIC);
		int rc = pq_step(s);
		if (rc == PQ_ROW) {
			copy_col(s, 0, org_id, STORE_ID_LEN);
			e = WM_OK;
		} else {
			e = rc == PQ_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
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
static wm_err keep_version(struct conn *c, pq_stmt *keep, const char *tbl, const char *id,
			   int version)
{
	if (!keep)
		return WM_ERR_IO;
	pq_bind_text(keep, 1, id, -1, PQ_STATIC);
	pq_bind_int(keep, 2, version);
	wm_err e = exec_stmt(keep);
	pq_stmt *prune = e == WM_OK ? stmt(c, Q_VERSION_PRUNE) : NULL;
	if (e == WM_OK && !prune)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		pq_bind_text(prune, 1, tbl, -1, PQ_STATIC);
		pq_bind_text(prune, 2, id, -1, PQ_STATIC);
		pq_bind_int(prune, 3, version - KEEP_VERSIONS);
		e = exec_stmt(prune);
	}
	return e;
}

/* The sealed body kept for tbl/id at version: WM_ERR_NOT_FOUND when it is
 * not kept. *sealed is malloc'd; the caller frees it. */
static wm_err version_get(struct pg_store *st, const char *tbl, const char *id, int version,
			  int *key_id, unsigned char **sealed, size_t *len)
{
	struct conn *c = acquire(st);
	pq_stmt *s = stmt(c, Q_VERSION_GET);
	wm_err e = WM_ERR_IO;
	*sealed = NULL;
	if (s) {
		pq_bind_text(s, 1, tbl, -1, PQ_STATIC);
		pq_bind_text(s, 2, id, -1, PQ_STATIC);
		pq_bind_int(s, 3, version);
		int rc = pq_step(s);
		if (rc == PQ_ROW) {
			*key_id = pq_column_int(s, 0);
			*len = (size_t)pq_column_bytes(s, 1);
			*sealed = malloc(*len ? *len : 1);
			e = *sealed ? WM_OK : WM_ERR_NOMEM;
			if (*sealed && *len)
				memcpy(*sealed, pq_column_blob(s, 1), *len);
		} else {
			e = rc == PQ_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		}
		done(s);
	}
	release(st, c);
	return e;
}

wm_err pg_survivor_version(struct pg_store *st, const struct store_survivor *current, int version,
			   json_t **body)
{
	*body = NULL;
	int key_id;
	unsigned char *sealed;
	size_t len;
	wm_err e = version_get(st, "survivors", current->id, version, &key_id, &sealed, &len);
	if (e != WM_OK)
		return e;
	char place[2 * STORE_ID_LEN];
	survivor_place(current->id, current->org_id, place);
	e = codec_open_record(st->keys, "survivor", place, key_id, sealed, len, body);
	free(sealed);
	return e;
}

wm_err pg_survivor_update(struct pg_store *st, struct store_survivor *sv, int expected,
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
	pq_stmt *s = e == WM_OK ? stmt(c, Q_SURV_UPDATE) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK)
		e = keep_version(c, stmt(c, Q_VERSION_KEEP_SURV), "survivors", sv->id, expected);
	if (e == WM_OK) {
		pq_bind_text(s, 1, sv->id, -1, PQ_STATIC);
		bind_cols(s, 2, &cols);
		pq_bind_text(s, 10, sv->updated_at, -1, PQ_STATIC);
		pq_bind_int(s, 11, expected);
		e = exec_stmt(s);
		if (e == WM_OK && c->db.changes == 0)
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

struct case_batch;
static wm_err case_keep(struct case_batch *b, pq_stmt *s, bool shared);

/* pg_survivor_list on connection c; with raw, each row is kept in raw
 * unopened (case_keep) instead of being opened and passed to each. */
static wm_err survivor_list_on(struct pg_store *st, struct conn *c,
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
	pq_stmt *s =
	    stmt(c, r == REACH_SHARED ? Q_SURV_LIST_SHARED : list_shape(f, r == REACH_ALL));
	wm_err e = WM_ERR_IO;
	if (s) {
		if (r == REACH_ORG)
			bind_named(s, "$org", f->org_id, -1);
		if (r == REACH_SHARED) {
			bind_named(s, "$org", f->shared_with_org_id, -1);
			pq_bind_int(s, pq_bind_parameter_index(s, "$today"), f->today);
			pq_bind_int64(s, pq_bind_parameter_index(s, "$now"), f->now);
		}
		pq_bind_int64(s, pq_bind_parameter_index(s, "$after"), after);
		if (given(f->advocate_id))
			bind_named(s, "$adv", f->advocate_id, -1);
		if (given(f->status))
			bind_named(s, "$status", f->status, -1);
		if (f->name)
			bind_named(s, "$name", idx, sizeof idx);
		pq_bind_int(s, pq_bind_parameter_index(s, "$limit"), limit + 1);
		int n = 0, rc;
		e = WM_OK;
		while ((rc = pq_step(s)) == PQ_ROW) {
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
		if (e == WM_OK && rc != PQ_ROW && rc != PQ_DONE)
			e = map_rc(rc);
		done(s);
	}
	return e;
}

wm_err pg_survivor_list(struct pg_store *st, const struct store_survivor_filter *f, int64_t after,
			int limit, void (*each)(void *ctx, const struct store_survivor *s),
			void *ctx, bool *more)
{
	struct conn *c = acquire(st);
	wm_err e = survivor_list_on(st, c, f, after, limit, each, ctx, more, NULL);
	release(st, c);
	return e;
}

/* ---- audit ---- */

/* Entries per transaction of the audit writer: a change waiting for its
 * turn (see struct gate) waits for at most this many. */
#define AUDIT_CHUNK 256

/* An hour: the window of bulk-access detection. */
#define BULK_WINDOW 3600
#define BULK_MIN    100 /* the default threshold's floor */

/* The id of a route pattern (audit_routes), added when new (two writers
 * adding one at once get the same row). Ids already committed are kept
 * with the connection: a route's id never changes. */
static wm_err route_id(struct conn *c, bool reads, const char *pattern, int64_t *id)
{
	for (int i = 0; i < c->nroutes; i++)
		if (strcmp(c->routes[i].pattern, pattern) == 0) {
			*id = c->routes[i].id;
			return WM_OK;
		}
	pq_stmt *s = stmt(c, reads ? Q_READ_ROUTE_GET : Q_ROUTE_GET);
	if (!s)
		return WM_ERR_IO;
	pq_bind_text(s, 1, pattern, -1, PQ_STATIC);
	int rc = pq_step(s);
	if (rc == PQ_ROW)
		*id = pq_column_int64(s, 0);
	done(s);
	if (rc == PQ_ROW) {
		size_t n = strlen(pattern);
		if (c->nroutes < (int)(sizeof c->routes / sizeof c->routes[0]) &&
		    n < sizeof c->routes[0].pattern) {
			memcpy(c->routes[c->nroutes].pattern, pattern, n + 1);
			c->routes[c->nroutes++].id = *id;
		}
		return WM_OK;
	}
	if (rc != PQ_DONE)
		return map_rc(rc);
	/* New: not kept until a later batch finds it committed. */
	s = stmt(c, reads ? Q_READ_ROUTE_ADD : Q_ROUTE_ADD);
	if (!s)
		return WM_ERR_IO;
	pq_bind_text(s, 1, pattern, -1, PQ_STATIC);
	rc = pq_step(s);
	if (rc == PQ_ROW)
		*id = pq_column_int64(s, 0);
	done(s);
	return rc == PQ_ROW ? WM_OK : map_rc(rc == PQ_DONE ? PQ_ERROR : rc);
}

/* Actions that show a record to the account, counted by bulk-access
 * detection (creating one shows nothing its author did not type). */
static bool discloses(const char *action)
{
	return strcmp(action, "create") != 0;
}

/* The end of one audit chain as a transaction of writes sees it: its last
 * entry's seq and mac (any false: the chain is empty), and whether
 * entries were added since it was read (moved). */
struct chain_end {
	int64_t seq;
	unsigned char mac[CODEC_AUDIT_MAC_LEN];
	bool any, moved;
};

/* Reads the head of a chain (reads: the reads'), locking it until the
 * transaction ends. */
static wm_err chain_head_get(struct conn *c, bool reads, struct chain_end *end)
{
	memset(end, 0, sizeof *end);
	struct pg_store *st = c->st;
	if (st->batch && st->head[reads].known) {
		/* Locked by this transaction since the batch first read it. */
		end->seq = st->head[reads].seq;
		memcpy(end->mac, st->head[reads].mac, sizeof end->mac);
		end->any = st->head[reads].any;
		return WM_OK;
	}
	pq_stmt *s = stmt(c, reads ? Q_READ_HEAD_GET : Q_AUDIT_HEAD_GET);
	if (!s)
		return WM_ERR_IO;
	int rc = pq_step(s);
	if (rc == PQ_ROW && pq_column_bytes(s, 1) == CODEC_AUDIT_MAC_LEN) {
		end->seq = pq_column_int64(s, 0);
		memcpy(end->mac, pq_column_blob(s, 1), sizeof end->mac);
		end->any = true;
	}
	done(s);
	if ((rc == PQ_ROW || rc == PQ_DONE) && st->batch) {
		st->head[reads].seq = end->seq;
		memcpy(st->head[reads].mac, end->mac, sizeof end->mac);
		st->head[reads].any = end->any;
		st->head[reads].known = true;
	}
	return rc == PQ_ROW || rc == PQ_DONE ? WM_OK : map_rc(rc);
}

static wm_err head_write(const struct pg_store *st, struct conn *c, bool reads, int64_t seq,
			 const unsigned char *mac);

/* Records the chain's new head, tagged under the key, when it moved (in a
 * batch: once, at its commit). */
static wm_err chain_head_put(struct pg_store *st, struct conn *c, bool reads,
			     const struct chain_end *end)
{
	if (!end->moved)
		return WM_OK;
	if (st->batch) {
		assert(st->head[reads].known);
		st->head[reads].seq = end->seq;
		memcpy(st->head[reads].mac, end->mac, sizeof end->mac);
		st->head[reads].any = true;
		st->head[reads].dirty = true;
		return WM_OK;
	}
	return head_write(st, c, reads, end->seq, end->mac);
}

static wm_err head_write(const struct pg_store *st, struct conn *c, bool reads, int64_t seq,
			 const unsigned char *mac)
{
	unsigned char tag[CODEC_AUDIT_MAC_LEN];
	codec_audit_head(st->keys, seq, mac, tag);
	pq_stmt *s = stmt(c, reads ? Q_READ_HEAD_PUT : Q_AUDIT_HEAD_PUT);
	if (!s)
		return WM_ERR_IO;
	pq_bind_int64(s, 1, seq);
	pq_bind_blob(s, 2, mac, CODEC_AUDIT_MAC_LEN, PQ_STATIC);
	pq_bind_blob(s, 3, tag, sizeof tag, PQ_STATIC);
	return exec_stmt(s);
}

/* One entry of a batch as it is written: every column the chain's mac
 * covers, and the mac. */
struct audit_row {
	struct codec_audit_row r;
	bool resolved; /* its survivor and account are rows (else refused) */
	unsigned char mac[CODEC_AUDIT_MAC_LEN];
};

/* PostgreSQL array literals, for the batch's statements: integers (NULL
 * where has is false), quoted texts, and bytea in hex. */
static void array_int(struct pq_str *b, const int64_t *v, const bool *has, size_t n)
{
	pq_str_appendall(b, "{");
	for (size_t i = 0; i < n; i++) {
		if (i)
			pq_str_appendall(b, ",");
		if (has && !has[i])
			pq_str_appendall(b, "NULL");
		else
			pq_str_appendf(b, "%lld", (long long)v[i]);
	}
	pq_str_appendall(b, "}");
}

static void array_text(struct pq_str *b, const char *const *v, size_t n)
{
	pq_str_appendall(b, "{");
	for (size_t i = 0, k = 0; i < n; i++) {
		if (!v[i])
			continue;
		pq_str_appendall(b, k++ ? ",\"" : "\"");
		for (const char *p = v[i]; *p; p++) {
			char ch[3] = {'\\', *p, '\0'};
			pq_str_appendall(b, *p == '"' || *p == '\\' ? ch : ch + 1);
		}
		pq_str_appendall(b, "\"");
	}
	pq_str_appendall(b, "}");
}

static void array_bytea(struct pq_str *b, const struct audit_row *rows, size_t n)
{
	pq_str_appendall(b, "{");
	for (size_t i = 0; i < n; i++) {
		char hex[2 * CODEC_AUDIT_MAC_LEN + 1];
		sodium_bin2hex(hex, sizeof hex, rows[i].mac, CODEC_AUDIT_MAC_LEN);
		pq_str_appendf(b, "%s\"\\\\x%s\"", i ? "," : "", hex);
	}
	pq_str_appendall(b, "}");
}

/* Binds a finished array literal (taken over: freed after the step). */
static bool bind_array(pq_stmt *s, int i, struct pq_str *b, char **keep)
{
	*keep = pq_str_finish(b);
	if (!*keep)
		return false;
	pq_bind_text(s, i, *keep, -1, PQ_STATIC);
	return true;
}

/* The batch's seqs, taken from the sequence in one statement, ascending. */
static wm_err audit_seqs(struct conn *c, struct audit_row *rows, size_t n)
{
	pq_stmt *s = stmt(c, Q_AUDIT_SEQS);
	if (!s)
		return WM_ERR_IO;
	pq_bind_int64(s, 1, (int64_t)n);
	size_t k = 0;
	int rc;
	while ((rc = pq_step(s)) == PQ_ROW && k < n)
		rows[k++].r.seq = pq_column_int64(s, 0);
	done(s);
	if (rc != PQ_DONE && rc != PQ_ROW)
		return map_rc(rc);
	if (k != n)
		return WM_ERR_IO;
	/* nextval in row order gives them ascending; sorted all the same. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && rows[j - 1].r.seq > rows[j].r.seq; j--) {
			int64_t t = rows[j].r.seq;
			rows[j].r.seq = rows[j - 1].r.seq;
			rows[j - 1].r.seq = t;
		}
	return WM_OK;
}

/* The seqs of the entries' survivors, accounts and organisations, in one
 * statement. An id that is no row leaves its entry unresolved. */
static wm_err audit_ids(struct conn *c, const struct store_audit *entries, struct audit_row *rows,
			size_t n)
{
	const char **ids = calloc(3 * n, sizeof *ids);
	if (!ids)
		return WM_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		ids[i] = entries[i].survivor_id;
		ids[n + i] = entries[i].user_id;
		ids[2 * n + i] = given(entries[i].org_id) ? entries[i].org_id : NULL;
	}
	pq_stmt *s = stmt(c, Q_AUDIT_IDS);
	char *keep[3] = {NULL, NULL, NULL};
	wm_err e = s ? WM_OK : WM_ERR_IO;
	for (int k = 0; e == WM_OK && k < 3; k++) {
		struct pq_str *b = pq_str_new();
		array_text(b, ids + (size_t)k * n, n);
		if (!bind_array(s, k + 1, b, &keep[k]))
			e = WM_ERR_NOMEM;
	}
	bool *sv = calloc(n, sizeof *sv), *us = calloc(n, sizeof *us);
	if (e == WM_OK && (!sv || !us))
		e = WM_ERR_NOMEM;
	int rc = PQ_DONE;
	while (e == WM_OK && (rc = pq_step(s)) == PQ_ROW) {
		int which = pq_column_int(s, 0);
		const char *id = (const char *)pq_column_text(s, 1);
		int64_t seq = pq_column_int64(s, 2);
		for (size_t i = 0; i < n && id; i++) {
			const char *want = ids[(size_t)which * n + i];
			if (!want || strcmp(want, id) != 0)
				continue;
			if (which == 0) {
				rows[i].r.survivor_seq = seq;
				sv[i] = true;
			} else if (which == 1) {
				rows[i].r.user_seq = seq;
				us[i] = true;
			} else {
				rows[i].r.org_seq = seq;
				rows[i].r.has_org = true;
			}
		}
	}
	if (e == WM_OK && rc != PQ_DONE)
		e = map_rc(rc);
	if (s)
		done(s);
	for (size_t i = 0; e == WM_OK && i < n; i++)
		rows[i].resolved = sv[i] && us[i];
	for (int k = 0; k < 3; k++)
		free(keep[k]);
	free(sv);
	free(us);
	free(ids);
	return e;
}

/* Inserts the batch's rows (reads: into read_audit) in one statement. An
 * unresolved entry goes with NULLs, which the columns' NOT NULL refuse:
 * the batch fails as an INSERT of it alone would. */
static wm_err audit_insert_rows(struct conn *c, bool reads, const struct audit_row *rows, size_t n)
{
	int64_t *col = malloc(n * sizeof *col);
	bool *has = malloc(n * sizeof *has);
	pq_stmt *s = col && has ? stmt(c, reads ? Q_READ_AUDIT_INSERT : Q_AUDIT_INSERT) : NULL;
	char *keep[9] = {NULL};
	wm_err e = s ? WM_OK : col && has ? WM_ERR_IO : WM_ERR_NOMEM;
	for (int k = 0; e == WM_OK && k < 8; k++) {
		for (size_t i = 0; i < n; i++) {
			const struct codec_audit_row *r = &rows[i].r;
			const int64_t v[8] = {r->seq,	  r->at,   r->survivor_seq, r->user_seq,
					      r->org_seq, r->role, r->action,	    r->route};
			col[i] = v[k];
			has[i] = (k != 2 && k != 3 && k != 4) ||
				 (k == 4 ? r->has_org : rows[i].resolved);
		}
		struct pq_str *b = pq_str_new();
		array_int(b, col, has, n);
		if (!bind_array(s, k + 1, b, &keep[k]))
			e = WM_ERR_NOMEM;
	}
	if (e == WM_OK) {
		struct pq_str *b = pq_str_new();
		array_bytea(b, rows, n);
		if (!bind_array(s, 9, b, &keep[8]))
			e = WM_ERR_NOMEM;
	}
	if (e == WM_OK)
		e = exec_stmt(s);
	for (int k = 0; k < 9; k++)
		free(keep[k]);
	free(col);
	free(has);
	return e;
}

/* Remembers, for bulk-access detection, each (account, survivor) pair the
 * batch disclosed, at its latest time, in one statement (each pair once:
 * an upsert may not touch one row twice). */
static wm_err recent_record(struct conn *c, const struct store_audit *entries,
			    const struct audit_row *rows, size_t n)
{
	int64_t *u = malloc(3 * n * sizeof *u);
	if (!u)
		return WM_ERR_NOMEM;
	int64_t *sv = u + n, *at = u + 2 * n;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!discloses(entries[i].action) || !rows[i].resolved)
			continue;
		size_t j = 0;
		while (j < k && !(u[j] == rows[i].r.user_seq && sv[j] == rows[i].r.survivor_seq))
			j++;
		if (j == k) {
			u[k] = rows[i].r.user_seq;
			sv[k] = rows[i].r.survivor_seq;
			at[k++] = rows[i].r.at;
		} else if (rows[i].r.at > at[j]) {
			at[j] = rows[i].r.at;
		}
	}
	/* In one order, the rows' order, whoever writes them: two
	 * transactions upserting the same rows never wait on each other in a
	 * circle. */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i;
		     j > 0 && (u[j - 1] > u[j] || (u[j - 1] == u[j] && sv[j - 1] > sv[j])); j--) {
			int64_t t;
			t = u[j], u[j] = u[j - 1], u[j - 1] = t;
			t = sv[j], sv[j] = sv[j - 1], sv[j - 1] = t;
			t = at[j], at[j] = at[j - 1], at[j - 1] = t;
		}
	wm_err e = WM_OK;
	if (k) {
		pq_stmt *s = stmt(c, Q_RECENT_READ);
		char *keep[3] = {NULL, NULL, NULL};
		e = s ? WM_OK : WM_ERR_IO;
		const int64_t *cols[3] = {u, sv, at};
		for (int m = 0; e == WM_OK && m < 3; m++) {
			struct pq_str *b = pq_str_new();
			array_int(b, cols[m], NULL, k);
			if (!bind_array(s, m + 1, b, &keep[m]))
				e = WM_ERR_NOMEM;
		}
		if (e == WM_OK)
			e = exec_stmt(s);
		for (int m = 0; m < 3; m++)
			free(keep[m]);
	}
	free(u);
	return e;
}

/* Runs a statement bound to text and one or two integers (b only when it
 * has a third parameter), reading one integer (0 when there is no row). */
static wm_err query_text_int(struct conn *c, enum stmt q, const char *t, int64_t a, int64_t b,
			     int64_t *out)
{
	*out = 0;
	pq_stmt *s = stmt(c, q);
	if (!s)
		return WM_ERR_IO;
	pq_bind_text(s, 1, t, -1, PQ_STATIC);
	pq_bind_int64(s, 2, a);
	if (pq_bind_parameter_count(s) >= 3)
		pq_bind_int64(s, 3, b);
	int rc = pq_step(s);
	if (rc == PQ_ROW)
		*out = pq_column_int64(s, 0);
	done(s);
	return rc == PQ_ROW || rc == PQ_DONE ? WM_OK : map_rc(rc);
}

/* Bulk-access detection for the account of a, which has just touched
 * records at `now`: when it has touched more distinct survivors within the
 * last hour than its threshold, an event is recorded for its
 * organisation's managers (one per hour, its count kept up to date). Cheap
 * for everyone below the floor: one count over at most BULK_MIN + 1 index
 * entries. */
static wm_err bulk_check(struct pg_store *st, struct conn *c, const struct store_audit *a,
			 int64_t now)
{
	if (!given(a->org_id))
		return WM_OK; /* no organisation, no managers to tell (and no records) */
	int64_t since = now - BULK_WINDOW;
	int64_t open, count, ignored;
	wm_err e = query_text_int(c, Q_BULK_LOCK, a->user_id, 0, 0, &ignored);
	if (e == WM_OK)
		e = query_text_int(c, Q_RECENT_PRUNE, a->user_id, since, 0, &ignored);
	if (e == WM_OK)
		e = query_text_int(c, Q_BULK_OPEN, a->user_id, since, 0, &open);
	if (e != WM_OK)
		return e;
	if (open) {
		e = query_text_int(c, Q_RECENT_COUNT, a->user_id, since, INT64_MAX, &count);
		pq_stmt *s = e == WM_OK ? stmt(c, Q_BULK_UPDATE) : NULL;
		if (!s)
			return e == WM_OK ? WM_ERR_IO : e;
		pq_bind_int64(s, 1, open);
		pq_bind_int64(s, 2, now);
		pq_bind_int64(s, 3, count);
		return exec_stmt(s);
	}
	int64_t threshold = st->bulk_threshold;
	int64_t floor = threshold ? threshold : BULK_MIN;
	e = query_text_int(c, Q_RECENT_COUNT, a->user_id, since, floor + 1, &count);
	if (e != WM_OK || count <= floor)
		return e;
	if (!threshold) {
		pq_stmt *s = stmt(c, Q_CASELOAD);
		if (!s)
			return WM_ERR_IO;
		pq_bind_text(s, 1, a->org_id, -1, PQ_STATIC);
		pq_bind_text(s, 2, a->user_id, -1, PQ_STATIC);
		int rc = pq_step(s);
		int64_t caseload = rc == PQ_ROW ? pq_column_int64(s, 0) : 0;
		done(s);
		if (rc != PQ_ROW)
			return map_rc(rc);
		threshold = 3 * caseload > BULK_MIN ? 3 * caseload : BULK_MIN;
	}
	e = query_text_int(c, Q_RECENT_COUNT, a->user_id, since, INT64_MAX, &count);
	if (e != WM_OK || count <= threshold)
		return e;
	pq_stmt *s = stmt(c, Q_BULK_INSERT);
	if (!s)
		return WM_ERR_IO;
	pq_bind_text(s, 1, a->user_id, -1, PQ_STATIC);
	pq_bind_text(s, 2, a->org_id, -1, PQ_STATIC);
	pq_bind_int(s, 3, codec_role_code(a->role));
	pq_bind_int64(s, 4, since);
	pq_bind_int64(s, 5, now);
	pq_bind_int64(s, 6, count);
	pq_bind_int64(s, 7, threshold);
	return exec_stmt(s);
}

/* Inserts entries (in the caller's transaction; reads: into the read-audit
 * file), then checks each account among them once for bulk access. */
static wm_err audit_record(struct pg_store *st, struct conn *c, bool reads,
			   const struct store_audit *entries, size_t n)
{
	assert(c->gated);
	assert(n <= AUDIT_CHUNK);
	if (!n)
		return WM_OK;
	struct audit_row *rows = calloc(n, sizeof *rows);
	if (!rows)
		return WM_ERR_NOMEM;
	wm_err e = WM_OK;
	for (size_t i = 0; e == WM_OK && i < n; i++) {
		rows[i].r.role = codec_role_code(entries[i].role);
		rows[i].r.action = codec_action_code(entries[i].action);
		if (!instant_parse(entries[i].at, &rows[i].r.at) || rows[i].r.role < 0 ||
		    rows[i].r.action < 0)
			e = WM_ERR_INVALID; /* a caller's bug: never store what cannot be read back
					     */
		else
			e = route_id(c, reads, entries[i].route, &rows[i].r.route);
	}
	/* The chain's end first: its lock orders this batch after every other
	 * writer's of the same table, seqs included. */
	struct chain_end end;
	if (e == WM_OK)
		e = chain_head_get(c, reads, &end);
	if (e == WM_OK)
		e = audit_seqs(c, rows, n);
	if (e == WM_OK)
		e = audit_ids(c, entries, rows, n);
	for (size_t i = 0; e == WM_OK && i < n; i++) {
		if (!rows[i].resolved)
			continue;
		codec_audit_mac(st->keys, end.any ? end.mac : NULL, &rows[i].r, rows[i].mac);
		end.seq = rows[i].r.seq;
		memcpy(end.mac, rows[i].mac, sizeof end.mac);
		end.any = end.moved = true;
	}
	if (e == WM_OK)
		e = audit_insert_rows(c, reads, rows, n);
	if (e == WM_OK)
		e = recent_record(c, entries, rows, n);
	if (e == WM_OK)
		e = chain_head_put(st, c, reads, &end);
	for (size_t i = 0; e == WM_OK && i < n; i++) {
		if (!discloses(entries[i].action))
			continue;
		/* Check each account once, at its latest entry here. */
		bool later = false;
		for (size_t j = i + 1; j < n && !later; j++)
			later = strcmp(entries[j].user_id, entries[i].user_id) == 0 &&
				discloses(entries[j].action);
		if (!later)
			e = bulk_check(st, c, &entries[i], rows[i].r.at);
	}
	free(rows);
	return e;
}

/* Commits a batch of audit entries (the writer thread), in transactions of
 * at most AUDIT_CHUNK entries so that a change never waits behind a long
 * one. Should a later chunk fail, the whole batch reports the failure: its
 * reads answer 500, and a record is never shown unaudited (an entry
 * committed for a read not shown is harmless). */
static wm_err audit_commit(void *ctx, const struct store_audit *entries, size_t n)
{
	struct pg_store *st = ctx;
	struct conn *c = st->writer ? st->writer : acquire(st);
	if (st->writer)
		revive(c); /* acquire revives pooled ones */
	wm_err e = WM_OK;
	for (size_t off = 0; e == WM_OK && off < n; off += AUDIT_CHUNK) {
		size_t k = n - off < AUDIT_CHUNK ? n - off : AUDIT_CHUNK;
		e = begin_reads(c);
		if (e == WM_OK)
			e = audit_record(st, c, true, entries + off, k);
		e = finish(c, e);
	}
	if (!st->writer)
		release(st, c);
	return e;
}

wm_err pg_audit_append_async(struct pg_store *st, const struct store_audit *entries, size_t n,
			     void (*notify)(void *ctx, wm_err result), void *ctx)
{
	return batch_append_async(st->audit, entries, n, notify, ctx);
}

void pg_audit_drain(struct pg_store *st)
{
	batch_drain(st->audit);
}

void pg_set_bulk_threshold(struct pg_store *st, int threshold)
{
	st->bulk_threshold = threshold > 0 ? threshold : 0;
}

/* Runs a newest-first page query bound to (key, before, limit + 1), calling
 * row(arg, s) on up to limit rows (it may stop with an error); *more is set
 * when there are further ones. */
static wm_err page_newest(struct pg_store *st, enum stmt q, const char *key, int64_t before,
			  int limit, wm_err (*row)(void *arg, pq_stmt *s), void *arg, bool *more)
{
	*more = false;
	struct conn *c = acquire(st);
	pq_stmt *s = stmt(c, q);
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_text(s, 1, key, -1, PQ_STATIC);
		pq_bind_int64(s, 2, before > 0 ? before : INT64_MAX);
		pq_bind_int(s, 3, limit + 1);
		int n = 0, rc;
		e = WM_OK;
		while (e == WM_OK && (rc = pq_step(s)) == PQ_ROW) {
			if (n++ == limit) {
				*more = true;
				break;
			}
			e = row(arg, s);
		}
		if (e == WM_OK && rc != PQ_ROW && rc != PQ_DONE)
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

static wm_err log_row(void *arg, pq_stmt *s)
{
	const struct log_page *p = arg;
	struct store_audit a;
	memset(&a, 0, sizeof a);
	a.seq = pq_column_int64(s, 0);
	instant_format(pq_column_int64(s, 1), a.at);
	snprintf(a.survivor_id, sizeof a.survivor_id, "%s", p->survivor_id);
	copy_col(s, 2, a.user_id, sizeof a.user_id);
	const char *action = codec_action_name(pq_column_int(s, 5));
	if (!codec_role_from_code(pq_column_int(s, 3), &a.role) || !action)
		return WM_ERR_IO; /* a damaged trail: say so, never guess */
	copy_col(s, 4, a.org_id, sizeof a.org_id);
	snprintf(a.action, sizeof a.action, "%s", action);
	copy_col(s, 6, a.route, sizeof a.route);
	p->each(p->ctx, &a);
	return WM_OK;
}

wm_err pg_access_log(struct pg_store *st, const char *survivor_id, int64_t before, int limit,
		     void (*each)(void *ctx, const struct store_audit *a), void *ctx, bool *more)
{
	struct log_page p = {survivor_id, each, ctx};
	return page_newest(st, Q_AUDIT_LIST, survivor_id, before, limit, log_row, &p, more);
}

struct bulk_page {
	void (*each)(void *ctx, const struct store_bulk_access *b);
	void *ctx;
};

static wm_err bulk_row(void *arg, pq_stmt *s)
{
	const struct bulk_page *p = arg;
	struct store_bulk_access b;
	memset(&b, 0, sizeof b);
	b.seq = pq_column_int64(s, 0);
	copy_col(s, 1, b.user_id, sizeof b.user_id);
	if (!codec_role_from_code(pq_column_int(s, 2), &b.role))
		return WM_ERR_IO;
	copy_col(s, 3, b.org_id, sizeof b.org_id);
	instant_format(pq_column_int64(s, 4), b.window_start);
	instant_format(pq_column_int64(s, 5), b.window_end);
	b.distinct_survivors = pq_column_int(s, 6);
	b.threshold = pq_column_int(s, 7);
	instant_format(pq_column_int64(s, 8), b.detected_at);
	p->each(p->ctx, &b);
	return WM_OK;
}

wm_err pg_bulk_access_list(struct pg_store *st, const char *org_id, int64_t before, int limit,
			   void (*each)(void *ctx, const struct store_bulk_access *b), void *ctx,
			   bool *more)
{
	*more = false;
	if (!given(org_id))
		return WM_ERR_INVALID; /* fails closed, as survivor filters do */
	struct bulk_page p = {each, ctx};
	return page_newest(st, Q_BULK_LIST, org_id, before, limit, bulk_row, &p, more);
}

/* ---- accounts: passwords and the trail, by organisation ---- */

wm_err pg_user_password(struct pg_store *st, const char *user_id, char hash[STORE_HASH_LEN])
{
	hash[0] = '\0';
	struct conn *c = acquire(st);
	pq_stmt *s = stmt(c, Q_USER_PASSWORD);
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_text(s, 1, user_id, -1, PQ_STATIC);
		int rc = pq_step(s);
		if (rc == PQ_ROW) {
			copy_col(s, 0, hash, STORE_HASH_LEN);
			e = WM_OK;
		} else {
			e = rc == PQ_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		}
		done(s);
	}
	release(st, c);
	return e;
}

wm_err pg_user_set_password(struct pg_store *st, const char *user_id, int expected,
			    const char *hash, const char *updated_at,
			    const unsigned char *keep_digest, size_t len,
			    const struct store_account_event *ev)
{
	struct conn *c = acquire(st);
	wm_err e = begin(c);
	pq_stmt *s = e == WM_OK ? stmt(c, Q_USER_SET_PASSWORD) : NULL;
	if (e == WM_OK && !s)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		pq_bind_text(s, 1, user_id, -1, PQ_STATIC);
		pq_bind_text(s, 2, hash, -1, PQ_STATIC);
		pq_bind_text(s, 3, updated_at, -1, PQ_STATIC);
		pq_bind_int(s, 4, expected);
		e = exec_stmt(s);
		if (e == WM_OK && c->db.changes == 0)
			e = WM_ERR_CONFLICT;
	}
	if (e == WM_OK)
		e = account_event(c, ev);
	if (e == WM_OK) {
		s = stmt(c, Q_SESSION_DELETE_OTHERS);
		if (!s) {
			e = WM_ERR_IO;
		} else {
			pq_bind_text(s, 1, user_id, -1, PQ_STATIC);
			pq_bind_blob(s, 2, keep_digest, (int)len, PQ_STATIC);
			e = exec_stmt(s);
		}
	}
	e = finish(c, e);
	release(st, c);
	return e;
}

wm_err pg_account_events_of_org(struct pg_store *st, const char *org_id, int64_t before, int limit,
				void (*each)(void *ctx, const struct store_account_event *ev),
				void *ctx, bool *more)
{
	assert(org_id && org_id[0]); /* fails closed: never "every organisation" */
	struct conn *c = acquire(st);
	pq_stmt *s = stmt(c, Q_ACCOUNT_EVENTS_ORG);
	wm_err e = WM_ERR_IO;
	*more = false;
	if (s) {
		pq_bind_text(s, 1, org_id, -1, PQ_STATIC);
		pq_bind_int64(s, 2, before);
		pq_bind_int(s, 3, limit + 1);
		int n = 0, rc;
		struct store_account_event ev;
		while ((rc = pq_step(s)) == PQ_ROW) {
			if (n++ == limit) {
				*more = true;
				break;
			}
			ev.seq = pq_column_int64(s, 0);
			copy_col(s, 1, ev.at, sizeof ev.at);
			copy_col(s, 2, ev.actor_id, sizeof ev.actor_id);
			copy_col(s, 3, ev.action, sizeof ev.action);
			copy_col(s, 4, ev.target_id, sizeof ev.target_id);
			copy_col(s, 5, ev.fields, sizeof ev.fields);
			each(ctx, &ev);
		}
		e = rc == PQ_ROW || rc == PQ_DONE ? WM_OK : map_rc(rc);
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

/* The SQL of statement q for kind k (checked by kind_ok); free it.
 * NULL when out of memory. */
static char *item_sql(const struct kind *k, enum item_q q)
{
	struct pq_str *b = pq_str_new();
	switch (q) {
	case IQ_INSERT:
		/* Only under the survivor's own organisation: the SELECT finds
		 * no row, and nothing is inserted, for a survivor of another. */
		pq_str_appendf(b,
			       "INSERT INTO %s(id, survivor_id, org_id, version, created_at, "
			       "updated_at, key_id, body",
			       k->table);
		for (size_t i = 0; i < k->ncolumns; i++)
			pq_str_appendf(b, ", %s", k->columns[i].column);
		pq_str_appendall(b, ") SELECT ?1, ?2, ?3, 1, ?4, ?5, ?6, ?7");
		for (size_t i = 0; i < k->ncolumns; i++)
			pq_str_appendf(b, ", ?%d", ITEM_FIRST_COL + (int)i);
		pq_str_appendall(b, " FROM survivors WHERE id = ?2 AND org_id = ?3");
		break;
	case IQ_UPDATE:
		/* ?4 is the version the caller read. */
		pq_str_appendf(b,
			       "UPDATE %s SET version = version + 1, updated_at = ?5, "
			       "key_id = ?6, body = ?7",
			       k->table);
		for (size_t i = 0; i < k->ncolumns; i++)
			pq_str_appendf(b, ", %s = ?%d", k->columns[i].column,
				       ITEM_FIRST_COL + (int)i);
		pq_str_appendall(
		    b, " WHERE id = ?1 AND survivor_id = ?2 AND org_id = ?3 AND version = ?4");
		break;
	case IQ_GET:
		pq_str_appendf(b,
			       "SELECT " ITEM_COLS " FROM %s WHERE id = ?1 AND survivor_id = ?2 "
			       "AND org_id = ?3",
			       k->table);
		break;
	case IQ_GET_ONE:
		pq_str_appendf(b,
			       "SELECT " ITEM_COLS " FROM %s WHERE "
			       "survivor_id = ?2 AND org_id = ?3 ORDER BY seq LIMIT 1",
			       k->table);
		break;
	case IQ_KEEP:
		/* The version about to be replaced (see keep_version). */
		pq_str_appendf(b,
			       "INSERT INTO versions(tbl, id, version, key_id, body) "
			       "SELECT '%s', id, version, key_id, body FROM %s "
			       "WHERE id = ?1 AND version = ?2 ON CONFLICT DO NOTHING",
			       k->table, k->table);
		break;
	case IQ_LIST:
		/* ?4: after, ?5: limit; read in seq order from (survivor_id, seq). */
		pq_str_appendf(b,
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
		pq_str_appendall(b, "SELECT s.seq, i.id, i.version, i.created_at");
		for (size_t i = 0; i < k->ncolumns; i++)
			pq_str_appendf(b, ", i.%s", k->columns[i].column);
		pq_str_appendf(b,
			       " FROM survivors s JOIN %s i ON i.survivor_id = s.id "
			       "AND i.org_id = s.org_id WHERE ",
			       k->table);
		if (q == IQ_CASE_SHARED)
			pq_str_appendall(b, "s.id IN (" SHARED_IDS ")");
		else
			pq_str_appendall(b, "s.org_id = $org");
		if (q == IQ_CASE_ADV || q == IQ_CASE_ADV_STATUS)
			pq_str_appendall(b, " AND s.advocate_id = $adv");
		if (q == IQ_CASE_ORG_STATUS || q == IQ_CASE_ADV_STATUS)
			pq_str_appendall(b, " AND s.status = $status");
		else
			pq_str_appendall(b, " AND ($status::text IS NULL OR s.status = $status)");
		pq_str_appendall(b, " AND s.seq > $lo AND s.seq <= $hi ORDER BY s.seq, i.seq");
		break;
	default:
		assert(!"an item statement without SQL");
		break;
	}
	return pq_str_finish(b);
}

/* The prepared statement q of kind k on this connection, reset and ready
 * for binding: prepared on first use, then reused; NULL on error (logged:
 * the kind's table and SQLite's reason name no one). */
static pq_stmt *item_stmt(struct conn *c, const struct kind *k, enum item_q q)
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
		slot->s[q] = pq_prepare(&c->db, sql, true);
		free(sql);
		if (!slot->s[q]) {
			log_info("cannot prepare item statement %d of %s", (int)q, k->table);
			return NULL;
		}
	}
	return slot->s[q];
}

wm_err pg_item_version(struct pg_store *st, const struct kind *k, const struct store_item *current,
		       int version, json_t **body)
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

/* Binds the kind's columns, from the body, at ITEM_FIRST_COL onwards. */
static wm_err bind_item_columns(pq_stmt *s, const struct kind *k, const json_t *body)
{
	for (size_t i = 0; i < k->ncolumns; i++) {
		struct codec_value v;
		wm_err e = codec_item_column(body, &k->columns[i], &v);
		if (e != WM_OK)
			return e;
		int at = ITEM_FIRST_COL + (int)i;
		if (v.type == CODEC_VALUE_INT)
			pq_bind_int64(s, at, v.i);
		else if (v.type == CODEC_VALUE_TEXT) /* v.buf ends with the loop: copied */
			pq_bind_text(s, at, v.text, -1, v.text == v.buf ? PQ_TRANSIENT : PQ_STATIC);
		else
			pq_bind_null(s, at);
	}
	return WM_OK;
}

/* Inserts (IQ_INSERT) or replaces at version expected (IQ_UPDATE) an item
 * with its audit entry, in one transaction. No row written: the survivor
 * is not of the item's organisation (insert, WM_ERR_NOT_FOUND), or the
 * version is stale or the item is not there (update, WM_ERR_CONFLICT). */
static wm_err item_write(struct pg_store *st, const struct kind *k, const struct store_item *it,
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
	pq_stmt *s = item_stmt(c, k, q);
	e = s ? WM_OK : WM_ERR_IO;
	if (e == WM_OK) {
		pq_bind_text(s, 1, it->id, -1, PQ_STATIC);
		pq_bind_text(s, 2, it->survivor_id, -1, PQ_STATIC);
		pq_bind_text(s, 3, it->org_id, -1, PQ_STATIC);
		if (q == IQ_INSERT)
			pq_bind_text(s, 4, it->created_at, -1, PQ_STATIC);
		else
			pq_bind_int(s, 4, expected);
		pq_bind_text(s, 5, it->updated_at, -1, PQ_STATIC);
		pq_bind_int(s, 6, key_id);
		pq_bind_blob(s, 7, sealed, (int)len, PQ_STATIC);
		/* Columns are bound before the write turn is taken: a body
		 * whose values do not fit them costs no transaction. */
		e = bind_item_columns(s, k, it->body);
	}
	if (e == WM_OK) {
		e = begin(c);
		if (e == WM_OK && q == IQ_UPDATE)
			e = keep_version(c, item_stmt(c, k, IQ_KEEP), k->table, it->id, expected);
		if (e == WM_OK) {
			e = map_rc(pq_step(s));
			if (e == WM_OK && c->db.changes == 0)
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

wm_err pg_item_create(struct pg_store *st, const struct kind *k, const struct store_item *it,
		      const struct store_audit *audit)
{
	return item_write(st, k, it, IQ_INSERT, 0, audit);
}

wm_err pg_item_replace(struct pg_store *st, const struct kind *k, struct store_item *it,
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
static wm_err read_item(struct pg_store *st, const struct kind *k, pq_stmt *s,
			struct store_item *out)
{
	out->seq = pq_column_int64(s, 0);
	copy_col(s, 1, out->id, sizeof out->id);
	copy_col(s, 2, out->survivor_id, sizeof out->survivor_id);
	copy_col(s, 3, out->org_id, sizeof out->org_id);
	out->version = pq_column_int(s, 4);
	copy_col(s, 5, out->created_at, sizeof out->created_at);
	copy_col(s, 6, out->updated_at, sizeof out->updated_at);
	int key_id = pq_column_int(s, 7);
	const unsigned char *blob = pq_column_blob(s, 8);
	size_t len = (size_t)pq_column_bytes(s, 8);
	return codec_open_item(st->keys, k->table, out->id, out->survivor_id, out->org_id, key_id,
			       blob, len, &out->body);
}

wm_err pg_item_get(struct pg_store *st, const struct kind *k, const char *org_id,
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
	pq_stmt *s = item_stmt(c, k, one ? IQ_GET_ONE : IQ_GET);
	wm_err e = WM_ERR_IO;
	if (s) {
		if (!one)
			pq_bind_text(s, 1, item_id, -1, PQ_STATIC);
		pq_bind_text(s, 2, survivor_id, -1, PQ_STATIC);
		pq_bind_text(s, 3, org_id, -1, PQ_STATIC);
		int rc = pq_step(s);
		if (rc == PQ_ROW)
			e = read_item(st, k, s, out);
		else
			e = rc == PQ_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
		done(s);
	}
	release(st, c);
	if (e != WM_OK)
		store_item_clear(out);
	return e;
}

/* Steps s (an ITEM_COLS statement bound for limit + 1 rows), calling each
 * for up to limit items; *more when a further row exists. */
static wm_err each_item_row(struct pg_store *st, const struct kind *k, pq_stmt *s, int limit,
			    void (*each)(void *ctx, const struct store_item *it), void *ctx,
			    bool *more)
{
	int n = 0, rc;
	wm_err e = WM_OK;
	while ((rc = pq_step(s)) == PQ_ROW) {
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
	if (e == WM_OK && rc != PQ_ROW && rc != PQ_DONE)
		e = map_rc(rc);
	return e;
}

wm_err pg_item_list(struct pg_store *st, const struct kind *k, const char *org_id,
		    const char *survivor_id, int64_t after, int limit,
		    void (*each)(void *ctx, const struct store_item *it), void *ctx, bool *more)
{
	*more = false;
	assert(limit >= 1 && limit <= STORE_LIST_MAX);
	if (!given(org_id) || !given(survivor_id))
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	pq_stmt *s = item_stmt(c, k, IQ_LIST);
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_text(s, 2, survivor_id, -1, PQ_STATIC);
		pq_bind_text(s, 3, org_id, -1, PQ_STATIC);
		pq_bind_int64(s, 4, after);
		pq_bind_int(s, 5, limit + 1);
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

wm_err pg_item_range(struct pg_store *st, const struct kind *k, const struct store_item_range *r,
		     int64_t offset, int limit,
		     void (*each)(void *ctx, const struct store_item *it), void *ctx, bool *more)
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
	char *sql = pq_mprintf(
	    "SELECT i.seq, i.id, i.survivor_id, i.org_id, i.version, i.created_at, i.updated_at, "
	    "i.key_id, i.body FROM %s i JOIN survivors s ON s.id = i.survivor_id "
	    "WHERE i.org_id = ?1 AND s.org_id = ?1 AND i.%s >= ?2 AND i.%s < ?3 "
	    "AND (?4::text IS NULL OR s.advocate_id = ?4) AND (?5::text IS NULL OR i.%s::text = "
	    "?5) "
	    "ORDER BY i.%s, i.seq LIMIT ?6 OFFSET ?7",
	    k->table, r->column, r->column, r->code_column ? r->code_column : r->column, r->column);
	if (!sql)
		return WM_ERR_NOMEM;
	struct conn *c = acquire(st);
	pq_stmt *s = pq_prepare(&c->db, sql, false);
	wm_err e = s ? WM_OK : WM_ERR_IO;
	free(sql);
	if (e == WM_OK) {
		pq_bind_text(s, 1, r->org_id, -1, PQ_STATIC);
		pq_bind_int64(s, 2, r->from);
		pq_bind_int64(s, 3, r->to);
		if (given(r->advocate_id))
			pq_bind_text(s, 4, r->advocate_id, -1, PQ_STATIC);
		if (r->code_column && given(r->code))
			pq_bind_text(s, 5, r->code, -1, PQ_STATIC);
		pq_bind_int(s, 6, limit + 1);
		pq_bind_int64(s, 7, offset);
		e = each_item_row(st, k, s, limit, each, ctx, more);
	}
	pq_finalize(s);
	release(st, c);
	return e;
}

/* ---- safeguarding shares ---- */

#define SHARE_COLS                                                                                 \
	"seq, id, survivor_id, org_id, with_org_id, version, created_at, created_by, expires_at, " \
	"reviewed_at, reviewed_by, key_id, reason"

/* The sealed reason's binding: the share, and the organisation it belongs to. */
static void share_place(const char *id, const char *org_id, char out[2 * STORE_ID_LEN])
{
	snprintf(out, 2 * STORE_ID_LEN, "%s:%s", id, org_id);
}

/* Prepares sql on c for one use (shares are rare: a handful a day). */
static pq_stmt *once(struct conn *c, const char *sql)
{
	pq_stmt *s = pq_prepare(&c->db, sql, false);
	if (!s)
		log_info("cannot prepare a statement");
	return s;
}

static wm_err read_share(struct pg_store *st, pq_stmt *s, struct store_share *out)
{
	memset(out, 0, sizeof *out);
	out->seq = pq_column_int64(s, 0);
	copy_col(s, 1, out->id, sizeof out->id);
	copy_col(s, 2, out->survivor_id, sizeof out->survivor_id);
	copy_col(s, 3, out->org_id, sizeof out->org_id);
	copy_col(s, 4, out->with_org_id, sizeof out->with_org_id);
	out->version = pq_column_int(s, 5);
	out->created_at = pq_column_int64(s, 6);
	copy_col(s, 7, out->created_by, sizeof out->created_by);
	out->expires_at = pq_column_int64(s, 8);
	out->reviewed_at = pq_column_int64(s, 9);
	copy_col(s, 10, out->reviewed_by, sizeof out->reviewed_by);
	char place[2 * STORE_ID_LEN];
	share_place(out->id, out->org_id, place);
	return codec_open_record(st->keys, "share", place, pq_column_int(s, 11),
				 pq_column_blob(s, 12), (size_t)pq_column_bytes(s, 12),
				 &out->reason);
}

wm_err pg_share_create(struct pg_store *st, const struct store_share *sh,
		       const struct store_audit *audit)
{
	assert(audit != NULL);
	if (!given(sh->id) || !given(sh->org_id) || !given(sh->with_org_id) || !sh->reason)
		return WM_ERR_INVALID;
	char place[2 * STORE_ID_LEN];
	share_place(sh->id, sh->org_id, place);
	unsigned char *sealed = NULL;
	size_t len = 0;
	int key_id = 0;
	wm_err e = codec_seal_record(st->keys, "share", place, sh->reason, &sealed, &len, &key_id);
	if (e != WM_OK)
		return e;
	struct conn *c = acquire(st);
	pq_stmt *s = once(c, "INSERT INTO safeguarding_shares(id, survivor_id, org_id, "
			     "with_org_id, created_at, created_by, expires_at, key_id, reason) "
			     "SELECT ?1, id, org_id, ?3, ?4, ?5, ?6, ?7, ?8 FROM survivors "
			     "WHERE id = ?2 AND org_id = ?9");
	e = s ? begin(c) : WM_ERR_IO; /* begin enters the write turn even when it fails */
	if (s) {
		pq_bind_text(s, 1, sh->id, -1, PQ_STATIC);
		pq_bind_text(s, 2, sh->survivor_id, -1, PQ_STATIC);
		pq_bind_text(s, 3, sh->with_org_id, -1, PQ_STATIC);
		pq_bind_int64(s, 4, sh->created_at);
		pq_bind_text(s, 5, sh->created_by, -1, PQ_STATIC);
		pq_bind_int64(s, 6, sh->expires_at);
		pq_bind_int(s, 7, key_id);
		pq_bind_blob(s, 8, sealed, (int)len, PQ_STATIC);
		pq_bind_text(s, 9, sh->org_id, -1, PQ_STATIC);
		if (e == WM_OK)
			e = exec_stmt(s);
		if (e == WM_OK && c->db.changes == 0)
			e = WM_ERR_NOT_FOUND;
		if (e == WM_OK)
			e = audit_record(st, c, false, audit, 1);
		e = finish(c, e);
	}
	pq_finalize(s);
	release(st, c);
	free(sealed);
	return e;
}

wm_err pg_share_list(struct pg_store *st, const char *org_id, int reviewed, int64_t before,
		     int limit, void (*each)(void *ctx, const struct store_share *sh), void *ctx,
		     bool *more)
{
	*more = false;
	if (!given(org_id))
		return WM_ERR_INVALID; /* fails closed: never every organisation */
	struct conn *c = acquire(st);
	pq_stmt *s = once(c, "SELECT " SHARE_COLS " FROM safeguarding_shares "
			     "WHERE org_id = ?1 AND (?2 = 0 OR seq < ?2) "
			     "AND (?3 < 0 OR (?3 = 0) = (reviewed_at IS NULL)) "
			     "ORDER BY seq DESC LIMIT ?4");
	wm_err e = s ? WM_OK : WM_ERR_IO;
	if (s) {
		pq_bind_text(s, 1, org_id, -1, PQ_STATIC);
		pq_bind_int64(s, 2, before);
		pq_bind_int(s, 3, reviewed);
		pq_bind_int(s, 4, limit + 1);
		int n = 0, rc;
		while ((rc = pq_step(s)) == PQ_ROW) {
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
		if (e == WM_OK && rc != PQ_ROW && rc != PQ_DONE)
			e = map_rc(rc);
	}
	pq_finalize(s);
	release(st, c);
	return e;
}

wm_err pg_share_review(struct pg_store *st, const char *org_id, const char *id, int expected,
		       int64_t at, const char *by, struct store_share *out)
{
	memset(out, 0, sizeof *out);
	if (!given(org_id) || !given(id))
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	pq_stmt *get =
	    once(c, "SELECT " SHARE_COLS " FROM safeguarding_shares WHERE id = ?1 AND org_id = ?2");
	pq_stmt *upd = once(c, "UPDATE safeguarding_shares SET reviewed_at = ?3, "
			       "reviewed_by = ?4, version = version + 1 "
			       "WHERE id = ?1 AND org_id = ?2 AND version = ?5");
	wm_err e = get && upd ? begin(c) : WM_ERR_IO; /* enters the write turn even when it fails */
	if (get && upd) {
		pq_bind_text(upd, 1, id, -1, PQ_STATIC);
		pq_bind_text(upd, 2, org_id, -1, PQ_STATIC);
		pq_bind_int64(upd, 3, at);
		pq_bind_text(upd, 4, by, -1, PQ_STATIC);
		pq_bind_int(upd, 5, expected);
		if (e == WM_OK)
			e = exec_stmt(upd);
		bool changed = e == WM_OK && c->db.changes == 1;
		if (e == WM_OK) {
			pq_bind_text(get, 1, id, -1, PQ_STATIC);
			pq_bind_text(get, 2, org_id, -1, PQ_STATIC);
			int rc = pq_step(get);
			if (rc == PQ_ROW)
				e = read_share(st, get, out);
			else
				e = rc == PQ_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
			if (e == WM_OK && !changed)
				e = WM_ERR_CONFLICT; /* there, at another version */
		}
		e = finish(c, e);
	}
	pq_finalize(get);
	pq_finalize(upd);
	release(st, c);
	return e;
}

wm_err pg_share_get(struct pg_store *st, const char *org_id, const char *id,
		    struct store_share *out)
{
	memset(out, 0, sizeof *out);
	if (!given(org_id) || !given(id))
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	pq_stmt *s =
	    once(c, "SELECT " SHARE_COLS " FROM safeguarding_shares WHERE id = ?1 AND org_id = ?2");
	wm_err e = WM_ERR_IO;
	if (s) {
		pq_bind_text(s, 1, id, -1, PQ_STATIC);
		pq_bind_text(s, 2, org_id, -1, PQ_STATIC);
		int rc = pq_step(s);
		if (rc == PQ_ROW)
			e = read_share(st, s, out);
		else
			e = rc == PQ_DONE ? WM_ERR_NOT_FOUND : map_rc(rc);
	}
	pq_finalize(s);
	release(st, c);
	return e;
}

/* Links into its chain the entries of an audit table (reads: read_audit)
 * written before the chain existed (migration 021): they have no mac, and
 * all come after the chain's recorded end (new entries are linked as they
 * are written, and every server runs this before it serves). In write
 * transactions of CHAIN_BATCH entries under the writers' lock, so that a
 * stop part-way loses nothing and a server starting beside loses no link:
 * the next batch, whoever runs it, goes on from the recorded end. */
#define CHAIN_BATCH 5000
static wm_err chain_fill(struct pg_store *st, struct conn *c, bool reads)
{
	const char *tbl = reads ? "read_audit" : "audit";
	char *last_sql = pq_mprintf("SELECT mac IS NULL FROM %s ORDER BY seq DESC LIMIT 1", tbl);
	char *rows_sql = pq_mprintf("SELECT seq, at, survivor_seq, user_seq, org_seq, role, "
				    "action, route FROM %s WHERE seq > ?1 ORDER BY seq LIMIT %d",
				    tbl, CHAIN_BATCH);
	char *set_sql = pq_mprintf("UPDATE %s SET mac = ?2 WHERE seq = ?1", tbl);
	pq_stmt *last = last_sql ? once(c, last_sql) : NULL;
	wm_err e = last && rows_sql && set_sql ? WM_OK : WM_ERR_NOMEM;
	int rc = e == WM_OK ? pq_step(last) : PQ_ERROR;
	bool more = rc == PQ_ROW && strcmp((const char *)pq_column_text(last, 0), "t") == 0;
	if (e == WM_OK && rc != PQ_ROW && rc != PQ_DONE)
		e = map_rc(rc);
	pq_finalize(last);
	long linked = 0;
	while (e == WM_OK && more) {
		struct chain_end end;
		e = begin(c);
		if (e == WM_OK)
			e = chain_head_get(c, reads, &end);
		pq_stmt *rows = e == WM_OK ? once(c, rows_sql) : NULL;
		pq_stmt *set = rows ? once(c, set_sql) : NULL;
		if (e == WM_OK && !set)
			e = WM_ERR_IO;
		long n = 0;
		if (e == WM_OK)
			pq_bind_int64(rows, 1, end.any ? end.seq : 0);
		while (e == WM_OK && (rc = pq_step(rows)) == PQ_ROW) {
			struct codec_audit_row row = {
			    .seq = pq_column_int64(rows, 0),
			    .at = pq_column_int64(rows, 1),
			    .survivor_seq = pq_column_int64(rows, 2),
			    .user_seq = pq_column_int64(rows, 3),
			    .org_seq = pq_column_int64(rows, 4),
			    .has_org = pq_column_type(rows, 4) != PQ_NULL,
			    .role = pq_column_int(rows, 5),
			    .action = pq_column_int(rows, 6),
			    .route = pq_column_int64(rows, 7),
			};
			codec_audit_mac(st->keys, end.any ? end.mac : NULL, &row, end.mac);
			end.seq = row.seq;
			end.any = end.moved = true;
			pq_bind_int64(set, 1, row.seq);
			pq_bind_blob(set, 2, end.mac, CODEC_AUDIT_MAC_LEN, PQ_STATIC);
			e = exec_stmt(set);
			n++;
		}
		if (e == WM_OK && rc != PQ_DONE)
			e = map_rc(rc);
		if (e == WM_OK)
			e = chain_head_put(st, c, reads, &end);
		pq_finalize(rows);
		pq_finalize(set);
		e = finish(c, e);
		more = n == CHAIN_BATCH;
		linked += n;
	}
	if (e == WM_OK && linked)
		log_info("linked %ld earlier entries of the audit trail into its chain", linked);
	free(last_sql);
	free(rows_sql);
	free(set_sql);
	return e;
}

/* ---- erasure ---- */

/* Runs sql (one statement, ?1 the survivor id) within the open transaction. */
static wm_err erase_step(struct conn *c, const char *sql, const char *survivor_id)
{
	pq_stmt *s = once(c, sql);
	if (!s)
		return WM_ERR_IO;
	pq_bind_text(s, 1, survivor_id, -1, PQ_STATIC);
	wm_err e = exec_stmt(s);
	pq_finalize(s);
	return e;
}

wm_err pg_survivor_erase(struct pg_store *st, const char *survivor_id, int64_t at,
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
	/* One transaction of one database: the record, its parts and the
	 * trace go together. Its audit entries stay, as on SQLite: they name
	 * no one (sequence numbers of rows now gone), they hold the trail's
	 * chain, and who looked at a record is still owed an answer after
	 * it is erased (docs/security.md). */
	e = begin(c);
	pq_stmt *status =
	    e == WM_OK ? once(c, "SELECT status FROM survivors WHERE id = ?1 FOR UPDATE") : NULL;
	if (e == WM_OK && !status)
		e = WM_ERR_IO;
	if (e == WM_OK) {
		pq_bind_text(status, 1, survivor_id, -1, PQ_STATIC);
		int rc = pq_step(status);
		if (rc == PQ_DONE)
			e = WM_ERR_NOT_FOUND;
		else if (rc != PQ_ROW)
			e = map_rc(rc);
		else if (strcmp((const char *)pq_column_text(status, 0), "closed") != 0)
			e = WM_ERR_CONFLICT;
	}
	pq_finalize(status);
	for (size_t i = 0; e == WM_OK && i < kind_count; i++) {
		const struct kind *k = kind_table[i];
		if (!kind_ok(k)) {
			e = WM_ERR_IO;
			break;
		}
		char *sql = pq_mprintf("DELETE FROM versions WHERE tbl = '%s' AND id IN "
				       "(SELECT id FROM %s WHERE survivor_id = ?1)",
				       k->table, k->table);
		e = sql ? erase_step(c, sql, survivor_id) : WM_ERR_NOMEM;
		free(sql);
		if (e != WM_OK)
			break;
		sql = pq_mprintf("DELETE FROM %s WHERE survivor_id = ?1", k->table);
		e = sql ? erase_step(c, sql, survivor_id) : WM_ERR_NOMEM;
		free(sql);
	}
	static const char *const rest[] = {
	    "DELETE FROM versions WHERE tbl = 'survivors' AND id = ?1",
	    "DELETE FROM safeguarding_shares WHERE survivor_id = ?1",
	    "DELETE FROM import_refs WHERE survivor_id = ?1", /* 024: waymark import's ref */
	    ("DELETE FROM recent_reads WHERE survivor_seq = "
	     "(SELECT seq FROM survivors WHERE id = ?1)"),
	    "DELETE FROM survivors WHERE id = ?1",
	};
	for (size_t i = 0; e == WM_OK && i < sizeof rest / sizeof rest[0]; i++)
		e = erase_step(c, rest[i], survivor_id);
	if (e == WM_OK) {
		pq_stmt *ins = once(
		    c, "INSERT INTO erasures(at, ran_by, key_id, reason) VALUES (?1, ?2, ?3, ?4)");
		e = ins ? WM_OK : WM_ERR_IO;
		if (ins) {
			pq_bind_int64(ins, 1, at);
			pq_bind_text(ins, 2, ran_by, -1, PQ_STATIC);
			pq_bind_int(ins, 3, key_id);
			pq_bind_blob(ins, 4, sealed, (int)len, PQ_STATIC);
			e = exec_stmt(ins);
			pq_finalize(ins);
		}
	}
	e = finish(c, e);
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
static wm_err case_keep(struct case_batch *b, pq_stmt *s, bool shared)
{
	assert(b->n < CASE_BATCH);
	size_t i = b->n;
	struct store_survivor *sv = &b->s[i];
	memset(sv, 0, sizeof *sv);
	survivor_head(s, sv);
	sv->shared_with_org = shared;
	b->key_id[i] = pq_column_int(s, 6);
	size_t len = (size_t)pq_column_bytes(s, 7);
	const unsigned char *blob = pq_column_blob(s, 7);
	b->sealed[i] = malloc(len ? len : 1);
	if (!b->sealed[i])
		return WM_ERR_NOMEM;
	if (len)
		memcpy(b->sealed[i], blob, len);
	b->sealed_len[i] = len;
	b->stamp[i] = STORE_NO_STAMP;
	b->known[i] = false;
	b->n++;
	return WM_OK;
}

/* Opens the record of survivor i of b. */
static wm_err case_open(struct pg_store *st, struct case_batch *b, size_t i)
{
	char place[2 * STORE_ID_LEN];
	survivor_place(b->s[i].id, b->s[i].org_id, place);
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

static void read_col(pq_stmt *s, int i, struct store_col *out)
{
	/* Called for every column of every item of a caseload: each field
	 * set once, not the whole struct cleared first. */
	out->null = false;
	out->i = 0;
	out->text[0] = '\0';
	switch (pq_column_type(s, i)) {
	case PQ_NULL:
		out->null = true;
		break;
	case PQ_INTEGER:
		out->i = pq_column_int64(s, i);
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
	pq_stmt *s = item_stmt(c, k, q);
	if (!s)
		return WM_ERR_IO;
	if (q == IQ_CASE_SHARED) {
		bind_named(s, "$org", f->shared_with_org_id, -1);
		pq_bind_int(s, pq_bind_parameter_index(s, "$today"), f->today);
		pq_bind_int64(s, pq_bind_parameter_index(s, "$now"), f->now);
	} else {
		bind_named(s, "$org", f->org_id, -1);
	}
	if (q == IQ_CASE_ADV || q == IQ_CASE_ADV_STATUS)
		bind_named(s, "$adv", f->advocate_id, -1);
	if (given(f->status))
		bind_named(s, "$status", f->status, -1);
	pq_bind_int64(s, pq_bind_parameter_index(s, "$lo"), b->s[0].seq - 1);
	pq_bind_int64(s, pq_bind_parameter_index(s, "$hi"), b->s[b->n - 1].seq);
	size_t at = 0; /* the survivor of the batch the rows have reached */
	r->first[0] = 0;
	int rc;
	wm_err e = WM_OK;
	while ((rc = pq_step(s)) == PQ_ROW) {
		int64_t seq = pq_column_int64(s, 0);
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
		it->version = pq_column_int(s, 2);
		const unsigned char *created = pq_column_text(s, 3);
		if (!created || !instant_parse((const char *)created, &it->created_at))
			it->created_at = 0;
		for (size_t j = 0; j < k->ncolumns; j++)
			read_col(s, 4 + (int)j, &it->col[j]);
	}
	if (e == WM_OK && rc != PQ_DONE && rc != PQ_ROW)
		e = map_rc(rc);
	while (at < b->n)
		r->first[++at] = r->n;
	done(s);
	return e;
}

/* The change stamp of every survivor of b (store_case.stamp), in one round
 * trip, then which of them the caller knows at it. */
static wm_err case_stamps(struct conn *c, struct case_batch *b, store_known_fn known, void *ctx)
{
	char list[CASE_BATCH * TEXT_INT_LEN + 3];
	size_t n = 0;
	list[n++] = '{';
	for (size_t i = 0; i < b->n; i++) {
		if (i)
			list[n++] = ',';
		n += text_int(list + n, b->s[i].seq);
	}
	list[n++] = '}';
	list[n] = '\0';
	pq_stmt *s = stmt(c, Q_CASE_STAMPS);
	if (!s)
		return WM_ERR_IO;
	pq_bind_text(s, 1, list, (int)n, PQ_STATIC);
	wm_err e = WM_OK;
	int rc;
	size_t at = 0;
	while ((rc = pq_step(s)) == PQ_ROW) {
		int64_t seq = pq_column_int64(s, 0);
		while (at < b->n && b->s[at].seq != seq)
			at++; /* unnest keeps the order given: never skips */
		if (at < b->n)
			b->stamp[at++] = pq_column_int64(s, 1);
	}
	if (rc != PQ_DONE)
		e = map_rc(rc);
	done(s);
	for (size_t i = 0; e == WM_OK && i < b->n; i++)
		b->known[i] = b->stamp[i] != STORE_NO_STAMP && known(ctx, &b->s[i], b->stamp[i]);
	return e;
}

/* Reads one batch of the caseload after `after` into b and rows, in one
 * REPEATABLE READ transaction: the stamps are of the records as read. */
static wm_err case_batch_read(struct pg_store *st, const struct store_survivor_filter *f,
			      int64_t after, const struct kind *const *kinds, size_t nkinds,
			      store_known_fn known, void *ctx, struct case_batch *b,
			      struct case_rows *rows, bool *more)
{
	struct conn *c = acquire(st);
	/* Inside a batch's transaction (pg_batch_begin) the walk reads in it,
	 * without stamps. */
	bool own = !st->batch && known;
	wm_err e = WM_OK;
	if (own && pq_exec(&c->db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != PQ_OK)
		e = WM_ERR_IO;
	if (e == WM_OK)
		e = survivor_list_on(st, c, f, after, CASE_BATCH, NULL, NULL, more, b);
	if (e == WM_OK && b->n && own)
		e = case_stamps(c, b, known, ctx);
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
	if (own && pq_exec(&c->db, e == WM_OK ? "COMMIT" : "ROLLBACK") != PQ_OK && e == WM_OK)
		e = WM_ERR_IO;
	release(st, c);
	return e;
}

wm_err pg_caseload(struct pg_store *st, const struct store_survivor_filter *f,
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

wm_err pg_org_days(struct pg_store *st, const char *org_id, int **days, size_t *n)
{
	*days = NULL;
	*n = 0;
	if (!given(org_id))
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	pq_stmt *s = once(c, "SELECT day FROM org_days WHERE org_id = ?1 ORDER BY day");
	wm_err e = s ? WM_OK : WM_ERR_IO;
	size_t cap = 0;
	int rc = PQ_DONE;
	if (s) {
		pq_bind_text(s, 1, org_id, -1, PQ_STATIC);
		while (e == WM_OK && (rc = pq_step(s)) == PQ_ROW) {
			if (*n == cap) {
				cap = cap ? 2 * cap : 16;
				int *more = realloc(*days, cap * sizeof *more);
				if (!more) {
					e = WM_ERR_NOMEM;
					break;
				}
				*days = more;
			}
			(*days)[(*n)++] = pq_column_int(s, 0);
		}
		if (e == WM_OK && rc != PQ_DONE)
			e = map_rc(rc);
	}
	pq_finalize(s);
	release(st, c);
	if (e != WM_OK) {
		free(*days);
		*days = NULL;
		*n = 0;
	}
	return e;
}

wm_err pg_org_days_set(struct pg_store *st, const char *org_id, const int *days, size_t n,
		       const char *by, int64_t at)
{
	if (!given(org_id) || !given(by))
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	pq_stmt *del = once(c, "DELETE FROM org_days WHERE org_id = ?1");
	pq_stmt *add = once(c, "INSERT INTO org_days(org_id, day, created_by, created_at) "
			       "VALUES (?1, ?2, ?3, ?4)");
	wm_err e = del && add ? WM_OK : WM_ERR_IO;
	if (e == WM_OK) {
		e = begin(c); /* enters the write turn even when it fails */
		pq_bind_text(del, 1, org_id, -1, PQ_STATIC);
		if (e == WM_OK)
			e = exec_stmt(del);
		for (size_t i = 0; i < n && e == WM_OK; i++) {
			pq_bind_text(add, 1, org_id, -1, PQ_STATIC);
			pq_bind_int(add, 2, days[i]);
			pq_bind_text(add, 3, by, -1, PQ_STATIC);
			pq_bind_int64(add, 4, at);
			e = exec_stmt(add);
		}
		e = finish(c, e);
	}
	pq_finalize(del);
	pq_finalize(add);
	release(st, c);
	return e;
}

/* ---- connections for the backend's other files (pg_report.c, pg_mfa.c) ---- */

struct pq_db *pg_acquire(struct pg_store *st, struct conn **c)
{
	*c = acquire(st);
	return &(*c)->db;
}

void pg_release(struct pg_store *st, struct conn *c)
{
	release(st, c);
}

const struct keyring *pg_keys(struct pg_store *st)
{
	return st->keys;
}

pq_stmt *pg_stmt(struct conn *c, int slot, const char *sql)
{
	assert(slot >= 0 && slot < PG_OTHER_STMTS);
	if (!c->other[slot]) {
		c->other[slot] = pq_prepare(&c->db, sql, true);
		if (!c->other[slot])
			log_info("cannot prepare statement %d of another file", slot);
	}
	return c->other[slot];
}

wm_err pg_exec(struct conn *c, pq_stmt *s, long *changed)
{
	if (!s)
		return WM_ERR_IO;
	int rc = pq_step(s);
	if (changed)
		*changed = c->db.changes;
	done(s);
	return map_rc(rc);
}

void pg_done(pq_stmt *s)
{
	done(s);
}

wm_err pg_begin(struct conn *c)
{
	return begin(c);
}

wm_err pg_finish(struct conn *c, wm_err e)
{
	return finish(c, e);
}

wm_err pg_account_event(struct conn *c, const struct store_account_event *ev)
{
	return account_event(c, ev);
}

/* ---- bulk loading: SQLite's only (bench/gen.c) ---- */

wm_err pg_bulk_begin(struct pg_store *st)
{
	(void)st;
	return WM_ERR_UNSUPPORTED;
}

wm_err pg_bulk_commit(struct pg_store *st, bool more)
{
	(void)st;
	(void)more;
	return WM_ERR_UNSUPPORTED;
}

/* ---- durable batches (store_batch_begin) ---- */

/* A batch's transaction, under the writers' lock from its start. */
static wm_err batch_open(struct conn *c)
{
	wm_err e = exec_stmt(stmt(c, Q_BEGIN));
	if (e == WM_OK)
		e = exec_stmt(stmt(c, Q_WRITE_LOCK));
	if (e != WM_OK && PQtransactionStatus(c->db.pg) != PQTRANS_IDLE)
		pq_exec(&c->db, "ROLLBACK");
	return e;
}

wm_err pg_batch_begin(struct pg_store *st)
{
	if (st->count != 1)
		return WM_ERR_INVALID;
	struct conn *c = acquire(st);
	wm_err e = batch_open(c);
	memset(st->head, 0, sizeof st->head);
	st->batch_failed = false;
	st->batch = e == WM_OK;
	release(st, c);
	return e;
}

wm_err pg_batch_end(struct pg_store *st, bool commit, bool more)
{
	struct conn *c = acquire(st);
	wm_err e = commit && st->batch_failed ? WM_ERR_IO : WM_OK;
	/* The chains' heads, moved by the batch's entries, written once. */
	for (int reads = 0; commit && e == WM_OK && reads < 2; reads++)
		if (st->head[reads].dirty)
			e = head_write(st, c, reads, st->head[reads].seq, st->head[reads].mac);
	/* Known no longer: between batches the lock is let go. */
	memset(st->head, 0, sizeof st->head);
	st->batch_failed = false;
	if (commit && e == WM_OK)
		e = exec_stmt(stmt(c, Q_COMMIT));
	if (PQtransactionStatus(c->db.pg) != PQTRANS_IDLE)
		pq_exec(&c->db, "ROLLBACK");
	if (e == WM_OK && more)
		e = batch_open(c);
	st->batch = e == WM_OK && more;
	release(st, c);
	return e;
}
