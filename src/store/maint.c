/*
 * maint.c - the backend-neutral part of `waymark check` and `waymark
 * rotate-key` (maint.h): where sealed values are kept and how each is
 * bound to its row, the audit chain's walk, and the report's wording, so
 * that both backends check and re-seal exactly alike.
 */
#include "maint.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A two-factor secret is raw bytes, not a JSON record (sqlite_mfa.c). */
#define RAW_MAX 256

void maint_say(struct maint_check *ck, bool ok, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (!ok)
		ck->failed = true;
	ck->say(ck->ctx, ok, line);
}

/* ---- the places sealed values are kept ---- */

void maint_source_sql(const struct maint_source *src, const char *cond, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s", src->select, cond, src->order);
}

/* The sources that are not a kind's table: shares, erasures, two-factor
 * secrets (j 0, 1, 2). */
static bool other_source(size_t j, bool pg, struct maint_source *out)
{
	switch (j) {
	case 0:
		snprintf(out->label, sizeof out->label, "safeguarding_shares");
		out->bind = BIND_SHARE;
		snprintf(out->select, sizeof out->select,
			 "SELECT seq, id, org_id, NULL, key_id, reason FROM safeguarding_shares "
			 "WHERE ");
		snprintf(out->order, sizeof out->order, " ORDER BY seq");
		snprintf(
		    out->update, sizeof out->update,
		    "UPDATE safeguarding_shares SET key_id = ?1, reason = ?2 WHERE seq = ?3 AND "
		    "id = ?4 AND reason = ?5");
		return true;
	case 1:
		snprintf(out->label, sizeof out->label, "erasures");
		out->bind = BIND_ERASURE;
		snprintf(out->select, sizeof out->select,
			 "SELECT seq, CAST(at AS TEXT), NULL, NULL, key_id, reason FROM erasures "
			 "WHERE ");
		snprintf(out->order, sizeof out->order, " ORDER BY seq");
		snprintf(
		    out->update, sizeof out->update,
		    "UPDATE erasures SET key_id = ?1, reason = ?2 WHERE seq = ?3 AND CAST(at AS "
		    "TEXT) = ?4 AND reason = ?5");
		return true;
	case 2:
		/* Keyed by the account, which a report must not name: SQLite's
		 * rowid stands for the row there; PostgreSQL's table has no
		 * integer key, so its rows are named 0 and the UPDATE matches
		 * the account and the value alone. */
		snprintf(out->label, sizeof out->label, "two_factor");
		out->bind = BIND_TWO_FACTOR;
		snprintf(out->select, sizeof out->select,
			 "SELECT %s, user_id, NULL, NULL, key_id, secret FROM two_factor WHERE ",
			 pg ? "0::bigint" : "rowid");
		snprintf(out->order, sizeof out->order, " ORDER BY %s", pg ? "user_id" : "rowid");
		snprintf(out->update, sizeof out->update,
			 "UPDATE two_factor SET key_id = ?1, secret = ?2 WHERE %s AND user_id = "
			 "?4 AND secret = ?5",
			 pg ? "?3::bigint = 0" : "rowid = ?3");
		return true;
	default:
		return false;
	}
}

bool maint_source_at(size_t i, bool pg, struct maint_source *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->keycol, sizeof out->keycol, "key_id");
	size_t nkinds = kind_count;
	if (i == 0 || i == 1) {
		snprintf(out->table, sizeof out->table, "survivors");
		out->bind = BIND_SURVIVOR;
	} else if (i < 2 + 2 * nkinds) {
		snprintf(out->table, sizeof out->table, "%s", kind_table[(i - 2) / 2]->table);
		out->bind = BIND_ITEM;
	} else {
		return other_source(i - (2 + 2 * nkinds), pg, out);
	}
	const char *t = out->table;
	const char *surv = out->bind == BIND_SURVIVOR ? "NULL" : "t.survivor_id";
	snprintf(out->keycol, sizeof out->keycol, i % 2 == 0 ? "t.key_id" : "v.key_id");
	if (i % 2 == 0) { /* the rows themselves */
		snprintf(out->label, sizeof out->label, "%s", t);
		snprintf(out->select, sizeof out->select,
			 "SELECT t.seq, t.id, t.org_id, %s, t.key_id, t.body FROM %s t WHERE ",
			 surv, t);
		snprintf(out->order, sizeof out->order, " ORDER BY t.seq");
		snprintf(
		    out->update, sizeof out->update,
		    "UPDATE %s SET key_id = ?1, body = ?2 WHERE seq = ?3 AND id = ?4 AND body = "
		    "?5",
		    t);
	} else { /* the versions kept of them, bound as the row itself is */
		snprintf(out->label, sizeof out->label, "%s, earlier versions", t);
		snprintf(out->select, sizeof out->select,
			 "SELECT v.version, v.id, t.org_id, %s, v.key_id, v.body FROM versions v "
			 "JOIN %s t ON t.id = v.id WHERE v.tbl = '%s' AND ",
			 surv, t, t);
		snprintf(
		    out->update, sizeof out->update,
		    "UPDATE versions SET key_id = ?1, body = ?2 WHERE tbl = '%s' AND version = "
		    "?3 AND id = ?4 AND body = ?5",
		    t);
	}
	return true;
}

/* A two-factor secret's associated data: its account. */
static void raw_ad(const struct maint_row *row, char *ad, size_t cap)
{
	snprintf(ad, cap, "two_factor:%s", row->id);
}

/* A two-factor secret's bytes (out holds RAW_MAX), bound to its account. */
static wm_err open_raw(const struct keyring *keys, const struct maint_row *row, unsigned char *out,
		       size_t *len)
{
	char ad[96];
	if (row->len <= KEYRING_OVERHEAD || row->len - KEYRING_OVERHEAD > RAW_MAX)
		return WM_ERR_CRYPTO;
	raw_ad(row, ad, sizeof ad);
	*len = row->len - KEYRING_OVERHEAD;
	return keyring_open(keys, row->key_id, row->in, row->len, ad, out);
}

/* A JSON value opened, bound to its place. */
static wm_err open_json(const struct keyring *keys, const struct maint_source *src,
			const struct maint_row *row, json_t **body)
{
	char place[CODEC_PLACE_LEN];
	const char *org = row->org ? row->org : "";
	switch (src->bind) {
	case BIND_SURVIVOR:
	case BIND_SHARE:
		codec_place(row->id, org, place);
		return codec_open_record(keys, src->bind == BIND_SURVIVOR ? "survivor" : "share",
					 place, row->key_id, row->in, row->len, body);
	case BIND_ITEM:
		return codec_open_item(keys, src->table, row->id, row->surv ? row->surv : "", org,
				       row->key_id, row->in, row->len, body);
	case BIND_ERASURE:
		snprintf(place, sizeof place, "erasure:%s", row->id);
		return codec_open_record(keys, "erasure", place, row->key_id, row->in, row->len,
					 body);
	case BIND_TWO_FACTOR:
		break; /* raw bytes: open_raw */
	}
	return WM_ERR_CRYPTO;
}

/* body sealed again under the active key, for the row's place. */
static wm_err seal_json(const struct keyring *keys, const struct maint_source *src,
			const struct maint_row *row, const json_t *body, unsigned char **out,
			size_t *len, int *key_id)
{
	char place[CODEC_PLACE_LEN];
	const char *org = row->org ? row->org : "";
	switch (src->bind) {
	case BIND_SURVIVOR:
	case BIND_SHARE:
		codec_place(row->id, org, place);
		return codec_seal_record(keys, src->bind == BIND_SURVIVOR ? "survivor" : "share",
					 place, body, out, len, key_id);
	case BIND_ITEM:
		return codec_seal_item(keys, src->table, row->id, row->surv ? row->surv : "", org,
				       body, out, len, key_id);
	case BIND_ERASURE:
		snprintf(place, sizeof place, "erasure:%s", row->id);
		return codec_seal_record(keys, "erasure", place, body, out, len, key_id);
	case BIND_TWO_FACTOR:
		break; /* raw bytes: maint_reseal */
	}
	return WM_ERR_CRYPTO;
}

wm_err maint_open(const struct keyring *keys, const struct maint_source *src,
		  const struct maint_row *row)
{
	if (!row->id || !row->in)
		return WM_ERR_CRYPTO;
	if (src->bind == BIND_TWO_FACTOR) {
		unsigned char raw[RAW_MAX];
		size_t n = 0;
		wm_err e = open_raw(keys, row, raw, &n);
		sodium_memzero(raw, sizeof raw);
		return e;
	}
	json_t *body = NULL;
	wm_err e = open_json(keys, src, row, &body);
	json_decref(body);
	return e;
}

wm_err maint_reseal(const struct keyring *keys, const struct maint_source *src,
		    const struct maint_row *row, unsigned char **out, size_t *len, int *key_id)
{
	*out = NULL;
	if (!row->id || !row->in)
		return WM_ERR_CRYPTO;
	if (src->bind == BIND_TWO_FACTOR) {
		unsigned char raw[RAW_MAX];
		size_t n = 0;
		char ad[96];
		raw_ad(row, ad, sizeof ad);
		wm_err e = open_raw(keys, row, raw, &n);
		*out = e == WM_OK ? malloc(n + KEYRING_OVERHEAD) : NULL;
		if (e == WM_OK && !*out)
			e = WM_ERR_NOMEM;
		if (e == WM_OK)
			e = keyring_seal(keys, raw, n, ad, *out, key_id);
		*len = n + KEYRING_OVERHEAD;
		sodium_memzero(raw, sizeof raw);
		if (e != WM_OK) {
			free(*out);
			*out = NULL;
		}
		return e;
	}
	json_t *body = NULL;
	wm_err e = open_json(keys, src, row, &body);
	if (e == WM_OK)
		e = seal_json(keys, src, row, body, out, len, key_id);
	json_decref(body);
	return e;
}

void maint_reseal_told(void (*tell)(void *ctx, const char *line), void *ctx,
		       const struct maint_source *src, long total, wm_err e, int active_id)
{
	char line[160];
	if (e != WM_OK)
		snprintf(line, sizeof line, "%s: stopped (%s)", src->label, wm_err_str(e));
	else if (total)
		snprintf(line, sizeof line, "%s: %ld values sealed again under key %d", src->label,
			 total, active_id);
	else
		return;
	tell(ctx, line);
}

void maint_tally_row(struct maint_check *ck, const struct maint_source *src, struct maint_tally *t,
		     const struct maint_row *row)
{
	t->rows++;
	if (maint_open(ck->keys, src, row) != WM_OK && ++t->bad <= MAINT_SHOW_MAX)
		maint_say(ck, false, "%s: the sealed value of row seq %lld does not open",
			  src->label, (long long)row->key);
}

void maint_tally_end(struct maint_check *ck, const struct maint_source *src,
		     const struct maint_tally *t, const char *stopped)
{
	if (stopped)
		maint_say(ck, false, "%s: reading stopped: %s", src->label, stopped);
	if (t->bad > MAINT_SHOW_MAX)
		maint_say(ck, false, "%s: %ld sealed values in all do not open", src->label,
			  t->bad);
	if (!t->bad && !stopped && t->rows)
		maint_say(ck, true, "%s: %ld sealed values open", src->label, t->rows);
}

/* ---- the audit chain ---- */

bool maint_chain_step(struct maint_check *ck, const char *label, struct maint_chain *w,
		      const struct codec_audit_row *row, const void *mac, size_t maclen)
{
	unsigned char want[CODEC_AUDIT_MAC_LEN];
	codec_audit_mac(ck->keys, w->entries ? w->prev : NULL, row, want);
	if (!mac || maclen != CODEC_AUDIT_MAC_LEN || sodium_memcmp(mac, want, sizeof want) != 0) {
		maint_say(ck, false,
			  "%s: the chain breaks at entry seq %lld (%ld entries after the start "
			  "hold): that entry, or the one before it, was changed, inserted or "
			  "removed",
			  label, (long long)row->seq, w->entries);
		w->broken = true;
		return false;
	}
	memcpy(w->prev, want, sizeof w->prev);
	w->last_seq = row->seq;
	w->entries++;
	return true;
}

void maint_chain_end(struct maint_check *ck, const char *label, const struct maint_chain *w,
		     const struct maint_head *head, const char *stopped)
{
	if (w->broken)
		return;
	if (stopped) {
		maint_say(ck, false, "%s: reading stopped: %s", label, stopped);
		return;
	}
	if (!head->found) {
		if (w->entries)
			maint_say(ck, false, "%s: the record of the trail's last entry is missing",
				  label);
		else
			maint_say(ck, true, "%s: the chain of 0 entries holds", label);
		return;
	}
	bool ok = w->entries > 0 && head->seq == w->last_seq && head->mac && head->tag &&
		  head->mac_len == CODEC_AUDIT_MAC_LEN && head->tag_len == CODEC_AUDIT_MAC_LEN &&
		  sodium_memcmp(head->mac, w->prev, CODEC_AUDIT_MAC_LEN) == 0;
	if (ok) {
		unsigned char want[CODEC_AUDIT_MAC_LEN];
		codec_audit_head(ck->keys, head->seq, head->mac, want);
		ok = sodium_memcmp(head->tag, want, sizeof want) == 0;
	}
	if (ok)
		maint_say(ck, true, "%s: the chain of %ld entries holds", label, w->entries);
	else
		maint_say(ck, false,
			  "%s: the trail's recorded last entry is seq %lld, but it ends at seq "
			  "%lld: entries were removed from its end, or the record of its end "
			  "was changed",
			  label, (long long)head->seq, (long long)w->last_seq);
}
