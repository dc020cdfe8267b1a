/*
 * codec.c - sealing records and indexing names for the storage backends.
 */
#include "codec.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/text.h"

#define NAME_FOLD_MAX 1024
static const char key_check_text[] = "waymark key check v1";

static void make_ad(char *ad, size_t cap, const char *kind, const char *id)
{
	snprintf(ad, cap, "%s:%s", kind, id);
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
	char ad[96];
	make_ad(ad, sizeof ad, kind, id);
	wm_err e = keyring_seal(k, plain, plen, ad, sealed, key_id);
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
	char ad[96];
	make_ad(ad, sizeof ad, kind, id);
	wm_err e = keyring_open(k, key_id, in, len, ad, plain);
	if (e == WM_OK) {
		json_error_t jerr;
		*body = json_loadb((const char *)plain, plen, JSON_REJECT_DUPLICATES, &jerr);
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
	int id =
	    (int)((unsigned)in[0] << 24 | (unsigned)in[1] << 16 | (unsigned)in[2] << 8 | in[3]);
	unsigned char plain[sizeof key_check_text];
	wm_err e = keyring_open(k, id, in + 4, len - 4, "meta:key_check", plain);
	if (e == WM_OK && memcmp(plain, key_check_text, plen) != 0)
		e = WM_ERR_CRYPTO;
	return e;
}
