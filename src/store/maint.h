/*
 * maint.h - what `waymark check` and `waymark rotate-key` do the same on
 * both backends (sqlite_maint.c, pg_maint.c): the places sealed values are
 * kept and how each value is opened and sealed again, the walk along an
 * audit chain, and the plain report. Each backend only runs the SQL and
 * hands rows over; nothing above the store includes this.
 */
#ifndef WM_STORE_MAINT_H
#define WM_STORE_MAINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "../crypto/keyring.h"
#include "../domain/err.h"

/* ---- the report ---- */

/* Problems reported one by one before the rest are only counted. */
#define MAINT_SHOW_MAX 10

struct maint_check {
	const struct keyring *keys;
	void (*say)(void *ctx, bool ok, const char *line);
	void *ctx;
	bool failed;
};

/* One line of the report; a line not ok fails the check. */
void maint_say(struct maint_check *ck, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- the places sealed values are kept ---- */

/* How one table's sealed values are bound to their rows. */
enum maint_bind { BIND_SURVIVOR, BIND_ITEM, BIND_SHARE, BIND_ERASURE, BIND_TWO_FACTOR };

/* One place sealed values are kept: its SELECT gives (row key, id, org_id,
 * survivor_id, key_id, sealed) for the rows matching the condition put in
 * after it, and its UPDATE (?1 key_id, ?2 sealed, ?3 row key, ?4 id, ?5
 * the sealed value read) replaces one value that has not changed since.
 * The row key is an integer that names a row in the report (never a
 * person's id). */
struct maint_source {
	char label[96];
	char table[64]; /* the kind's table, for an item's binding */
	enum maint_bind bind;
	char select[512]; /* up to its condition */
	char order[32];	  /* after it */
	char keycol[16];  /* the key_id column as the condition names it */
	char update[256];
};

/* The i-th place sealed values are kept (false past the last): survivors,
 * each kind, the versions kept of both, shares, erasures and two-factor
 * secrets. pg: in PostgreSQL's dialect (a two-factor row has no rowid). */
bool maint_source_at(size_t i, bool pg, struct maint_source *out);

/* The source's SELECT of the rows where cond holds. */
void maint_source_sql(const struct maint_source *src, const char *cond, char *out, size_t cap);

/* One row of a source as its SELECT gave it (id NULL: a column was NULL). */
struct maint_row {
	int64_t key;
	const char *id, *org, *surv;
	int key_id;
	const unsigned char *in;
	size_t len;
};

/* Whether the row's sealed value opens under keys, bound to its place. */
wm_err maint_open(const struct keyring *keys, const struct maint_source *src,
		  const struct maint_row *row);

/* The row's value opened and sealed again under the active key: *out
 * (malloc'd, *len bytes) and the key's id. */
wm_err maint_reseal(const struct keyring *keys, const struct maint_source *src,
		    const struct maint_row *row, unsigned char **out, size_t *len, int *key_id);

/* Tells what re-sealing one source did (total values; e its outcome). */
void maint_reseal_told(void (*tell)(void *ctx, const char *line), void *ctx,
		       const struct maint_source *src, long total, wm_err e, int active_id);

/* Counts a row's outcome, reporting the first few that do not open. */
struct maint_tally {
	long rows, bad;
};
void maint_tally_row(struct maint_check *ck, const struct maint_source *src, struct maint_tally *t,
		     const struct maint_row *row);
/* The source's closing line (stopped: reading failed, with why). */
void maint_tally_end(struct maint_check *ck, const struct maint_source *src,
		     const struct maint_tally *t, const char *stopped);

/* ---- the audit chain ---- */

/* A walk along one audit table in seq order (zeroed to start). */
struct maint_chain {
	unsigned char prev[CODEC_AUDIT_MAC_LEN];
	long entries;
	int64_t last_seq;
	bool broken;
};

/* Whether the entry (its stored mac, maclen bytes) follows the entries
 * before it; the first that does not is reported, and the walk ends. */
bool maint_chain_step(struct maint_check *ck, const char *label, struct maint_chain *w,
		      const struct codec_audit_row *row, const void *mac, size_t maclen);

/* The end of the walk: whether the chain's recorded head (found false:
 * none) is its last entry and tagged under the key, so that entries cut
 * from the end are missed too. stopped: reading failed, with why. */
struct maint_head {
	bool found;
	int64_t seq;
	const void *mac, *tag;
	size_t mac_len, tag_len;
};
void maint_chain_end(struct maint_check *ck, const char *label, const struct maint_chain *w,
		     const struct maint_head *head, const char *stopped);

#endif
