/*
 * codec.c - sealing records and indexing names for the storage backends.
 */
#include "codec.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/date.h"
#include "../util/jsonr.h"
#include "../util/text.h"

#define NAME_FOLD_MAX 1024
#define AD_MAX	      256 /* "item/<table>:<id>:<survivor>:<org>" fits with room */
static const char key_check_text[] = "waymark key check v1";

/* The associated data binding a sealed value to its place. False when it
 * would not fit: a truncated binding would leave part of the place
 * unchecked, so nothing is sealed or opened with one. */
static bool make_ad(char ad[AD_MAX], const char *kind, const char *id)
{
	int n = snprintf(ad, AD_MAX, "%s:%s", kind, id);
	return n > 0 && n < AD_MAX;
}

wm_err codec_seal_record(const struct keyring *k, const char *kind, const char *id,
			 const json_t *body, unsigned char **out, size_t *len, int *key_id)
{
	char *plain = json_dumps(body, JSON_COMPACT);
	if (!plain)
		return WM_ERR_NOMEM;
	size_t plen = strlen(plain);
	unsigned char *sealed = malloc(plen + KEYRING_OVERHEAD);
	if (!sealed) {
		sodium_memzero(plain, plen);
		free(plain);
		return WM_ERR_NOMEM;
	}
	char ad[AD_MAX];
	wm_err e = make_ad(ad, kind, id) ? keyring_seal(k, plain, plen, ad, sealed, key_id)
					 : WM_ERR_INVALID;
	sodium_memzero(plain, plen);
	free(plain);
	if (e != WM_OK) {
		free(sealed);
		return e;
	}
	*out = sealed;
	*len = plen + KEYRING_OVERHEAD;
	return WM_OK;
}

wm_err codec_open_record(const struct keyring *k, const char *kind, const char *id, int key_id,
			 const unsigned char *in, size_t len, json_t **body)
{
	if (len < KEYRING_OVERHEAD)
		return WM_ERR_CRYPTO;
	size_t plen = len - KEYRING_OVERHEAD;
	unsigned char *plain = malloc(plen + 1);
	if (!plain)
		return WM_ERR_NOMEM;
	char ad[AD_MAX];
	wm_err e =
	    make_ad(ad, kind, id) ? keyring_open(k, key_id, in, len, ad, plain) : WM_ERR_CRYPTO;
	if (e == WM_OK) {
		/* The fast reader first; whatever it does not decide, jansson does. */
		*body = jsonr_read((const char *)plain, plen);
		json_error_t jerr;
		if (!*body)
			*body =
			    json_loadb((const char *)plain, plen, JSON_REJECT_DUPLICATES, &jerr);
		if (!*body || !json_is_object(*body)) {
			json_decref(*body);
			*body = NULL;
			e = WM_ERR_CRYPTO;
		}
	}
	sodium_memzero(plain, plen);
	free(plain);
	return e;
}

bool codec_name_index(const struct keyring *k, const char *name,
		      unsigned char out[KEYRING_BLIND_LEN])
{
	char folded[NAME_FOLD_MAX];
	if (!text_fold(name, folded, sizeof folded))
		return false;
	keyring_blind(k, "name", folded, out);
	sodium_memzero(folded, sizeof folded);
	return true;
}

void codec_username_index(const struct keyring *k, const char *username,
			  unsigned char out[KEYRING_BLIND_LEN])
{
	/* The caller has already normalised the username as logins compare it. */
	keyring_blind(k, "login", username, out);
}

void codec_place(const char *id, const char *org_id, char out[CODEC_PLACE_LEN])
{
	snprintf(out, CODEC_PLACE_LEN, "%s:%s", id, org_id);
}

void codec_audit_mac(const struct keyring *k, const unsigned char *prev,
		     const struct codec_audit_row *row, unsigned char out[CODEC_AUDIT_MAC_LEN])
{
	/* The entry as text, every field in a fixed order, the link before it
	 * first: "-" starts a chain. */
	char text[2 * CODEC_AUDIT_MAC_LEN + 200];
	size_t n = 0;
	if (prev) {
		sodium_bin2hex(text, sizeof text, prev, CODEC_AUDIT_MAC_LEN);
		n = 2 * CODEC_AUDIT_MAC_LEN;
	} else {
		text[n++] = '-';
	}
	/* "|seq|at|survivor|user|org or null|role|action|route", as
	 * "%lld" writes each (text_int, without printf's cost: a dashboard's
	 * forty entries each take one). */
	const int64_t before[] = {row->seq, row->at, row->survivor_seq, row->user_seq};
	for (size_t i = 0; i < sizeof before / sizeof before[0]; i++) {
		text[n++] = '|';
		n += text_int(text + n, before[i]);
	}
	text[n++] = '|';
	if (row->has_org) {
		n += text_int(text + n, row->org_seq);
	} else {
		memcpy(text + n, "null", 4);
		n += 4;
	}
	const int64_t after[] = {row->role, row->action, row->route};
	for (size_t i = 0; i < sizeof after / sizeof after[0]; i++) {
		text[n++] = '|';
		n += text_int(text + n, after[i]);
	}
	text[n] = '\0';
	keyring_blind(k, "audit-chain", text, out);
}

void codec_audit_head(const struct keyring *k, int64_t seq, const unsigned char *mac,
		      unsigned char out[CODEC_AUDIT_MAC_LEN])
{
	char text[2 * CODEC_AUDIT_MAC_LEN + 32];
	int n = snprintf(text, sizeof text, "%lld|", (long long)seq);
	sodium_bin2hex(text + n, sizeof text - (size_t)n, mac, CODEC_AUDIT_MAC_LEN);
	keyring_blind(k, "audit-head", text, out);
}

int codec_key_check_id(const unsigned char *in, size_t len)
{
	if (!in || len < 4)
		return -1;
	return (int)((uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3]);
}

wm_err codec_key_check_make(const struct keyring *k, unsigned char **out, size_t *len)
{
	size_t plen = sizeof key_check_text - 1;
	unsigned char *buf = malloc(4 + plen + KEYRING_OVERHEAD);
	if (!buf)
		return WM_ERR_NOMEM;
	int id;
	wm_err e = keyring_seal(k, key_check_text, plen, "meta:key_check", buf + 4, &id);
	if (e != WM_OK) {
		free(buf);
		return e;
	}
	buf[0] = (unsigned char)(id >> 24);
	buf[1] = (unsigned char)(id >> 16);
	buf[2] = (unsigned char)(id >> 8);
	buf[3] = (unsigned char)id;
	*out = buf;
	*len = 4 + plen + KEYRING_OVERHEAD;
	return WM_OK;
}

wm_err codec_key_check_verify(const struct keyring *k, const unsigned char *in, size_t len)
{
	size_t plen = sizeof key_check_text - 1;
	if (len != 4 + plen + KEYRING_OVERHEAD)
		return WM_ERR_CRYPTO;
	int id = codec_key_check_id(in, len);
	unsigned char plain[sizeof key_check_text];
	wm_err e = keyring_open(k, id, in + 4, len - 4, "meta:key_check", plain);
	if (e == WM_OK && memcmp(plain, key_check_text, plen) != 0)
		e = WM_ERR_CRYPTO;
	return e;
}

/* Which fields of a survivor's record are kept as plain columns. The list
 * filters and, later, reports rely on them; the backends only see the
 * column numbers. */
static const struct {
	const char *field;
	enum codec_col col;
	bool required;
} survivor_text_cols[] = {
    {"advocate_id", CODEC_COL_ADVOCATE, false},
    {"status", CODEC_COL_STATUS, true},
    {"entered_service_on", CODEC_COL_ENTERED, true},
    {"closed_on", CODEC_COL_CLOSED, false},
};

/* The names a list can be searched by, in column order. */
static const struct {
	const char *field;
	bool required;
} survivor_name_cols[2] = {{"known_as", true}, {"legal_name", false}};

wm_err codec_survivor_cols(const struct keyring *k, const json_t *body,
			   struct codec_survivor_cols *cols)
{
	memset(cols, 0, sizeof *cols);
	for (size_t i = 0; i < sizeof survivor_text_cols / sizeof survivor_text_cols[0]; i++) {
		const char *v =
		    json_string_value(json_object_get(body, survivor_text_cols[i].field));
		if (!v && survivor_text_cols[i].required)
			return WM_ERR_INVALID;
		cols->text[survivor_text_cols[i].col] = v;
	}
	for (int i = 0; i < 2; i++) {
		const char *v =
		    json_string_value(json_object_get(body, survivor_name_cols[i].field));
		if (!v) {
			if (survivor_name_cols[i].required)
				return WM_ERR_INVALID;
			continue;
		}
		if (!codec_name_index(k, v, cols->name_idx[i]))
			return WM_ERR_INVALID;
		cols->has_name[i] = true;
	}
	return WM_OK;
}

/* ---- items of a kind ---- */

/* An item's place: its kind's table, its id, its survivor and organisation,
 * so a sealed body copied to another row, survivor or organisation (or
 * another kind's table) no longer opens. */
static bool item_place(const char *table, const char *id, const char *survivor_id,
		       const char *org_id, char kind[AD_MAX], char place[AD_MAX])
{
	int a = snprintf(kind, AD_MAX, "item/%s", table);
	int b = snprintf(place, AD_MAX, "%s:%s:%s", id, survivor_id, org_id);
	return a > 0 && a < AD_MAX && b > 0 && b < AD_MAX;
}

wm_err codec_seal_item(const struct keyring *k, const char *table, const char *id,
		       const char *survivor_id, const char *org_id, const json_t *body,
		       unsigned char **out, size_t *len, int *key_id)
{
	char kind[AD_MAX], place[AD_MAX];
	if (!item_place(table, id, survivor_id, org_id, kind, place))
		return WM_ERR_INVALID;
	return codec_seal_record(k, kind, place, body, out, len, key_id);
}

wm_err codec_open_item(const struct keyring *k, const char *table, const char *id,
		       const char *survivor_id, const char *org_id, int key_id,
		       const unsigned char *in, size_t len, json_t **body)
{
	*body = NULL;
	char kind[AD_MAX], place[AD_MAX];
	if (!item_place(table, id, survivor_id, org_id, kind, place))
		return WM_ERR_CRYPTO;
	return codec_open_record(k, kind, place, key_id, in, len, body);
}

/* The value at a dotted path ("interpreter.provided"); NULL when a part of
 * the way is missing or null. *bad is set when a part of the way is there
 * but is not an object. */
static const json_t *at_path(const json_t *body, const char *path, bool *bad)
{
	const json_t *v = body;
	const char *p = path;
	*bad = false;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (!json_is_object(v)) {
			*bad = v != NULL && !json_is_null(v);
			return NULL;
		}
		v = json_object_getn(v, p, n);
		if (!dot)
			return json_is_null(v) ? NULL : v;
		p = dot + 1;
	}
}

static int cmp_pair(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The set of "domain:status" pairs of an array of goals into out->buf (see
 * COLUMN_GOALS). A goal without a status is "open", as the plan's validator
 * would default it. WM_ERR_INVALID for anything but an array of objects
 * whose domain and status are short codes. */
static wm_err goal_set(const json_t *goals, struct codec_value *out)
{
	enum { MAX_GOALS = 64, PAIR_MAX = 48 };
	if (!json_is_array(goals) || json_array_size(goals) > MAX_GOALS)
		return WM_ERR_INVALID;
	char pairs[MAX_GOALS][PAIR_MAX];
	const char *sorted[MAX_GOALS];
	size_t n = 0, i;
	const json_t *g;
	json_array_foreach(goals, i, g)
	{
		const char *domain = json_string_value(json_object_get(g, "domain"));
		const json_t *st = json_object_get(g, "status");
		const char *status = st && !json_is_null(st) ? json_string_value(st) : "open";
		if (!json_is_object(g) || !domain || !status || strpbrk(domain, ",:") ||
		    strpbrk(status, ",:"))
			return WM_ERR_INVALID;
		int len = snprintf(pairs[n], PAIR_MAX, "%s:%s", domain, status);
		if (len < 0 || len >= PAIR_MAX)
			return WM_ERR_INVALID;
		sorted[n] = pairs[n];
		n++;
	}
	qsort(sorted, n, sizeof sorted[0], cmp_pair);
	size_t used = 0;
	out->buf[used++] = ',';
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0)
			continue;
		size_t len = strlen(sorted[i]);
		if (used + len + 2 > sizeof out->buf)
			return WM_ERR_INVALID;
		memcpy(out->buf + used, sorted[i], len);
		used += len;
		out->buf[used++] = ',';
	}
	out->buf[used] = '\0';
	out->text = out->buf;
	out->type = CODEC_VALUE_TEXT;
	return WM_OK;
}

wm_err codec_item_column(const json_t *body, const struct kind_column *col, struct codec_value *out)
{
	/* Not the whole struct: buf is written only by the columns that use it. */
	out->type = CODEC_VALUE_NULL;
	out->i = 0;
	out->text = NULL;
	out->buf[0] = '\0';
	bool bad;
	const json_t *v = at_path(body, col->field, &bad);
	if (bad)
		return WM_ERR_INVALID;
	if (!v)
		return WM_OK;
	const char *t = json_string_value(v);
	int day;
	switch (col->type) {
	case COLUMN_DAY:
		if (!t || !date_parse(t, &day))
			return WM_ERR_INVALID;
		out->i = day;
		break;
	case COLUMN_INSTANT:
		if (!t || !instant_parse(t, &out->i))
			return WM_ERR_INVALID;
		break;
	case COLUMN_FLAG:
		if (!json_is_boolean(v))
			return WM_ERR_INVALID;
		out->i = json_is_true(v);
		break;
	case COLUMN_INT:
		if (!json_is_integer(v))
			return WM_ERR_INVALID;
		out->i = (int64_t)json_integer_value(v);
		break;
	case COLUMN_CODE:
	case COLUMN_ID:
	case COLUMN_TEXT:
		if (!t)
			return WM_ERR_INVALID;
		out->text = t;
		out->type = CODEC_VALUE_TEXT;
		return WM_OK;
	case COLUMN_GOALS:
		return goal_set(v, out);
	default:
		return WM_ERR_INVALID;
	}
	out->type = CODEC_VALUE_INT;
	return WM_OK;
}

/* Stored codes: append only. */
static const enum role role_codes[] = {ROLE_ADMIN, ROLE_MANAGER, ROLE_ADVOCATE, ROLE_CLINICIAN,
				       ROLE_ANALYST};
/* Codes are stored: new actions go at the end. */
static const char *const action_codes[] = {"read",     "create", "update", "export",
					   "handover", "share",	 "erase"};

int codec_role_code(enum role r)
{
	for (size_t i = 0; i < sizeof role_codes / sizeof role_codes[0]; i++)
		if (role_codes[i] == r)
			return (int)i;
	return -1;
}

bool codec_role_from_code(int code, enum role *out)
{
	if (code < 0 || (size_t)code >= sizeof role_codes / sizeof role_codes[0])
		return false;
	*out = role_codes[code];
	return true;
}

int codec_action_code(const char *action)
{
	for (size_t i = 0; i < sizeof action_codes / sizeof action_codes[0]; i++)
		if (strcmp(action_codes[i], action) == 0)
			return (int)i;
	return -1;
}

const char *codec_action_name(int code)
{
	if (code < 0 || (size_t)code >= sizeof action_codes / sizeof action_codes[0])
		return NULL;
	return action_codes[code];
}
