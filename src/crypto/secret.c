/*
 * secret.c - passwords, tokens and ids with libsodium.
 */
#define _GNU_SOURCE /* malloc_usable_size */
#include "secret.h"

#include <malloc.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static char dummy_hash[crypto_pwhash_STRBYTES];

/* jansson's blocks are wiped when freed: a parsed body's strings, and the
 * lexer's buffer that held a password on its way in, never linger in freed
 * memory. */
static void wiping_free(void *p)
{
	if (p)
		sodium_memzero(p, malloc_usable_size(p));
	free(p);
}

bool secret_init(void)
{
	if (sodium_init() < 0)
		return false;
	json_set_alloc_funcs(malloc, wiping_free);
	if (!dummy_hash[0]) {
		char pw[33];
		unsigned char raw[16];
		randombytes_buf(raw, sizeof raw);
		sodium_bin2hex(pw, sizeof pw, raw, sizeof raw);
		if (secret_hash_password(pw, dummy_hash) != WM_OK)
			return false;
	}
	return true;
}

wm_err secret_hash_password(const char *password, char out[SECRET_HASH_MAX])
{
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return WM_ERR_NOMEM;
	return WM_OK;
}

bool secret_verify_password(const char *hash, const char *password)
{
	if (!hash) {
		/* Same work as a real check; the answer is no whatever it says. */
		if (crypto_pwhash_str_verify(dummy_hash, password, strlen(password)) == 0)
			return false;
		return false;
	}
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void secret_new_token(char token[SECRET_TOKEN_LEN], unsigned char digest[SECRET_DIGEST])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(token, SECRET_TOKEN_LEN, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	crypto_generichash(digest, SECRET_DIGEST, (const unsigned char *)token, strlen(token), NULL,
			   0);
}

bool secret_token_digest(const char *token, unsigned char digest[SECRET_DIGEST])
{
	if (strlen(token) != SECRET_TOKEN_LEN - 1)
		return false;
	for (const char *p = token; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	crypto_generichash(digest, SECRET_DIGEST, (const unsigned char *)token, strlen(token), NULL,
			   0);
	return true;
}

void secret_new_id(char id[SECRET_ID_LEN])
{
	unsigned char raw[16];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(id, SECRET_ID_LEN, raw, sizeof raw);
}

void secret_wipe_json(json_t *obj, const char *const names[])
{
	for (size_t i = 0; obj && names[i]; i++) {
		json_t *v = json_object_get(obj, names[i]);
		/* jansson hands out only a const view of bytes it owns; writing
		 * through it is the only way to wipe them before they are freed. */
		if (json_is_string(v))
			sodium_memzero((char *)json_string_value(v), json_string_length(v));
	}
}
