/*
 * codec.h - how a survivor's record is held at rest, shared by backends.
 *
 * The record's fields are serialised to JSON and sealed under the active key,
 * bound to the row by its id. Names are indexed by a keyed hash of their
 * folded form. Backends call these and never see the keys.
 */
#ifndef WM_CODEC_H
#define WM_CODEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../crypto/keyring.h"
#include "../domain/account.h"
#include "../domain/err.h"
#include "../domain/kind.h"

/* The place a survivor's body or a share's reason is sealed to: its id and
 * its organisation, "ID:ORG" (out holds CODEC_PLACE_LEN bytes). */
#define CODEC_PLACE_LEN 66
void codec_place(const char *id, const char *org_id, char out[CODEC_PLACE_LEN]);

/* Seals body for the row at `place` (its id, and whatever else the value must
 * stay bound to, such as the owning organisation); *out is malloc'd (caller
 * frees), *len its size. */
wm_err codec_seal_record(const struct keyring *k, const char *kind, const char *id,
			 const json_t *body, unsigned char **out, size_t *len, int *key_id);

/* Opens a sealed record back into a new JSON object (caller owns); fails
 * unless kind and place are those it was sealed with. */
wm_err codec_open_record(const struct keyring *k, const char *kind, const char *id, int key_id,
			 const unsigned char *in, size_t len, json_t **body);

/* The blind index of a name as a user would type it (trimmed, any case);
 * false when the name cannot be folded (too long, not UTF-8). */
bool codec_name_index(const struct keyring *k, const char *name,
		      unsigned char out[KEYRING_BLIND_LEN]);

/* The blind index of a (normalised) username, for the lock-out tables. */
void codec_username_index(const struct keyring *k, const char *username,
			  unsigned char out[KEYRING_BLIND_LEN]);

/* The plain columns a backend keeps beside a survivor's sealed body, so
 * that lists filter and reports count without opening it. Which record
 * fields they come from is declared once, in codec.c: the backends' SQL
 * names only these columns, never a field of the record. */
enum codec_col {
	CODEC_COL_ADVOCATE, /* text: the assigned advocate's id, or NULL */
	CODEC_COL_STATUS,   /* text: the status code */
	CODEC_COL_ENTERED,  /* text: the date service began */
	CODEC_COL_CLOSED,   /* text: the date it ended, or NULL */
	CODEC_COL_TEXT_COUNT,
};

struct codec_survivor_cols {
	const char *text[CODEC_COL_TEXT_COUNT]; /* borrowed from the body; NULL when absent */
	/* Blind indexes of the names a list may be searched by: the first is
	 * required, the second is optional (has_name[1]). */
	unsigned char name_idx[2][KEYRING_BLIND_LEN];
	bool has_name[2];
};

/* Fills cols from a survivor's body (borrowed: the text stays the body's).
 * WM_ERR_INVALID when a required column is missing or a name cannot be
 * indexed. */
wm_err codec_survivor_cols(const struct keyring *k, const json_t *body,
			   struct codec_survivor_cols *cols);

/* Seals an item's body (domain/kind.h) bound to its kind's table, its id,
 * its survivor and its organisation; *out is malloc'd (caller frees). */
wm_err codec_seal_item(const struct keyring *k, const char *table, const char *id,
		       const char *survivor_id, const char *org_id, const json_t *body,
		       unsigned char **out, size_t *len, int *key_id);

/* Opens an item's body into a new JSON object (caller owns); WM_ERR_CRYPTO
 * unless table, id, survivor and organisation are those it was sealed with. */
wm_err codec_open_item(const struct keyring *k, const char *table, const char *id,
		       const char *survivor_id, const char *org_id, int key_id,
		       const unsigned char *in, size_t len, json_t **body);

/* The value a kind's plain column holds for an item's body. */
#define CODEC_VALUE_BUF 768 /* a COLUMN_GOALS set: 10 domains x 3 statuses, 22 bytes each */
struct codec_value {
	enum { CODEC_VALUE_NULL, CODEC_VALUE_INT, CODEC_VALUE_TEXT } type;
	int64_t i;	  /* a day number, seconds, 0/1 or an integer */
	const char *text; /* borrowed from the body, or buf (a value made from it) */
	char buf[CODEC_VALUE_BUF];
};

/* Fills out with col's value in body: its field at a dotted path, as the
 * column type says (a date as its day number, an instant as seconds, a flag
 * as 0/1, text as itself, goals as their set in out->buf: text then points
 * there, so a caller copies it before out goes); NULL when the field is
 * absent or null.
 * WM_ERR_INVALID when the value there does not fit the type, so a column
 * never disagrees with the sealed body. */
wm_err codec_item_column(const json_t *body, const struct kind_column *col,
			 struct codec_value *out);

/* Small stable codes for the audit trail's role and action, so an entry
 * stores a byte instead of a word; -1 (or NULL) for anything unknown. The
 * codes are stored: never renumber them. */
int codec_role_code(enum role r);
bool codec_role_from_code(int code, enum role *out);
int codec_action_code(const char *action);
const char *codec_action_name(int code);

/* The audit trail's chain (docs/security.md, "A tamper-evident audit
 * trail"): each entry's mac is a keyed hash of the mac before it in its
 * table (prev, NULL for the first entry) and of every column the entry
 * stores, so changing, inserting or removing an entry breaks every link from
 * there on, and only a holder of the key file could forge new ones. The key
 * is the blind-index key (the oldest in the key file), so adding a key does
 * not change it. has_org false: the entry's org_seq is NULL. */
#define CODEC_AUDIT_MAC_LEN KEYRING_BLIND_LEN
struct codec_audit_row {
	int64_t seq, at, survivor_seq, user_seq, org_seq;
	bool has_org;
	int role, action;
	int64_t route;
};
void codec_audit_mac(const struct keyring *k, const unsigned char *prev,
		     const struct codec_audit_row *row, unsigned char out[CODEC_AUDIT_MAC_LEN]);

/* The tag of a chain's head (its last entry's seq and mac), kept beside the
 * table, so that entries cut from the end of a chain are missed too. */
void codec_audit_head(const struct keyring *k, int64_t seq, const unsigned char *mac,
		      unsigned char out[CODEC_AUDIT_MAC_LEN]);

/* Seals and checks the fixed value that proves a key file fits a database. */
wm_err codec_key_check_make(const struct keyring *k, unsigned char **out, size_t *len);
wm_err codec_key_check_verify(const struct keyring *k, const unsigned char *in, size_t len);
/* The id of the key that sealed a check value (-1 when it is malformed). */
int codec_key_check_id(const unsigned char *in, size_t len);

#endif
