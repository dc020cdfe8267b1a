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

#include "../crypto/keyring.h"
#include "../domain/err.h"

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

/* Seals and checks the fixed value that proves a key file fits a database. */
wm_err codec_key_check_make(const struct keyring *k, unsigned char **out, size_t *len);
wm_err codec_key_check_verify(const struct keyring *k, const unsigned char *in, size_t len);

#endif
