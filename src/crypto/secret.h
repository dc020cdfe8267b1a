/*
 * secret.h - passwords, session tokens and record ids.
 *
 * Passwords are hashed with Argon2id (libsodium's crypto_pwhash_str, its
 * "interactive" limits: 64 MiB, 2 passes). Tokens are 256 random bits, shown once to the client
 * and stored only as their BLAKE2b hash. Ids are 128 random bits in hex.
 */
#ifndef WM_SECRET_H
#define WM_SECRET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../domain/err.h"

#define SECRET_HASH_MAX	 128 /* crypto_pwhash_STRBYTES */
#define SECRET_TOKEN_LEN 44  /* 43 base64url characters and NUL */
#define SECRET_ID_LEN	 33  /* 32 hex digits and NUL */
#define SECRET_DIGEST	 32

/* Must be called once before anything else here (sodium_init). */
bool secret_init(void);

/* Hashes a password into out (SECRET_HASH_MAX bytes). */
wm_err secret_hash_password(const char *password, char out[SECRET_HASH_MAX]);

/* True when password matches hash; constant time in the password. With hash
 * NULL it does the same work against a dummy hash and returns false, so an
 * unknown username takes as long as a wrong password. */
bool secret_verify_password(const char *hash, const char *password);

/* Overwrites with zeros, in place, the string members of obj named in
 * names (NULL-terminated; top level only), so that a password parsed from a
 * request is gone before jansson frees its bytes. Other members and
 * non-string values are left alone; the caller still owns obj. */
void secret_wipe_json(json_t *obj, const char *const names[]);

/* A new session token (text for the client) and the digest to store. */
void secret_new_token(char token[SECRET_TOKEN_LEN], unsigned char digest[SECRET_DIGEST]);

/* The digest of a token as the client sent it; false when malformed. */
bool secret_token_digest(const char *token, unsigned char digest[SECRET_DIGEST]);

/* A new random id: 32 lower-case hex digits. */
void secret_new_id(char id[SECRET_ID_LEN]);

#endif
