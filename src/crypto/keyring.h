/*
 * keyring.h - the data-encryption keys, field encryption and blind indexes.
 *
 * The key file holds one or more master keys, one a line: "waymark-key ID
 * HEX64", and once a key has been added, the index key: "waymark-index
 * HEX64". The highest ID encrypts; every ID decrypts, so a key can be rotated
 * by adding a line and re-encrypting at leisure (`waymark rotate-key`). Each sealed value is stored
 * beside the ID of the key that sealed it.
 *
 * Sealing is XChaCha20-Poly1305 with a random nonce, bound by associated data
 * (table, row id) to the row it belongs to, so a value moved to another row
 * fails to open. Names are searched through a keyed hash of their folded form
 * (a blind index), never by decrypting rows.
 */
#ifndef WM_KEYRING_H
#define WM_KEYRING_H

#include <stddef.h>

#include "../domain/err.h"

#define KEYRING_BLIND_LEN 32
#define KEYRING_OVERHEAD  40 /* nonce (24) + tag (16) */

struct keyring;

/* Creates a key file with one new random key (ID 1), mode 0600. Refuses
 * (WM_ERR_EXISTS) when the file exists. */
wm_err keyring_create_file(const char *path);

/* Loads a key file. Refuses a file readable by group or others, or one that
 * is malformed, with a plain reason in msg. The caller frees *out. */
wm_err keyring_load(const char *path, struct keyring **out, char *msg, size_t msgcap);

/* Wipes and frees the keys. */
void keyring_free(struct keyring *k);

/* The ID of the key that seals new values. */
int keyring_active_id(const struct keyring *k);

/* Seals plain (len bytes) into out, which must hold len + KEYRING_OVERHEAD
 * bytes; ad binds the value to its place. Writes the key ID used. */
wm_err keyring_seal(const struct keyring *k, const void *plain, size_t len, const char *ad,
		    unsigned char *out, int *key_id);

/* Opens a sealed value of len bytes (at least KEYRING_OVERHEAD) into out,
 * which must hold len - KEYRING_OVERHEAD bytes. WM_ERR_CRYPTO when the key ID
 * is unknown, the data was changed, or it belongs to another place. */
wm_err keyring_open(const struct keyring *k, int key_id, const unsigned char *in, size_t len,
		    const char *ad, unsigned char *out);

/* Adds a new random key to the key file at path (the next id; it seals new
 * values from then on), writing the file anew atomically, mode 0600, with
 * the index key pinned in it ("waymark-index HEX") so that retiring the
 * oldest key later does not change any blind index or the audit chain. A
 * process that loaded the file before learns the new key when it first
 * meets a value sealed under it (keyring_open reads the file again). */
wm_err keyring_add_key(const char *path, int *new_id, char *msg, size_t cap);

/* Removes key id from the key file (pinning the index key first), refusing
 * the newest. The caller has made sure no value is still sealed under it. */
wm_err keyring_retire_key(const char *path, int id, char *msg, size_t cap);

/* The ids of the keys held (at most cap of them, in file order). */
int keyring_ids(const struct keyring *k, int *ids, int cap);

/* The blind index of an already folded text for a purpose ("name"). */
void keyring_blind(const struct keyring *k, const char *purpose, const char *folded,
		   unsigned char out[KEYRING_BLIND_LEN]);

#endif
