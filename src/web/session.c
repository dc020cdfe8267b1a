/*
 * session.c - the web pages' session cookie and CSRF tokens (session.h).
 */
#include "session.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* Binds the sealed value to its use: a cursor or another sealed value of
 * the same key never opens as a cookie. */
static const char cookie_ad[] = "web-session";

bool web_cookie_seal(const struct keyring *k, const char *token, int64_t at,
		     char out[WEB_COOKIE_TEXT])
{
	unsigned char plain[WEB_COOKIE_PLAIN], sealed[WEB_COOKIE_SEALED];
	size_t tlen = SECRET_TOKEN_LEN - 1;
	if (strlen(token) != tlen)
		return false;
	memcpy(plain, token, tlen);
	uint64_t v = (uint64_t)at;
	for (int i = 7; i >= 0; i--, v >>= 8)
		plain[tlen + (size_t)i] = (unsigned char)(v & 0xff);
	int key_id;
	bool ok = keyring_seal(k, plain, sizeof plain, cookie_ad, sealed + 4, &key_id) == WM_OK;
	sodium_memzero(plain, sizeof plain);
	if (!ok)
		return false;
	sealed[0] = (unsigned char)(key_id >> 24);
	sealed[1] = (unsigned char)(key_id >> 16);
	sealed[2] = (unsigned char)(key_id >> 8);
	sealed[3] = (unsigned char)key_id;
	sodium_bin2base64(out, WEB_COOKIE_TEXT, sealed, sizeof sealed,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return true;
}

bool web_cookie_open(const struct keyring *k, const char *text, char token[SECRET_TOKEN_LEN],
		     int64_t *at)
{
	unsigned char sealed[WEB_COOKIE_SEALED], plain[WEB_COOKIE_PLAIN];
	size_t len = 0, n = strlen(text);
	if (n >= WEB_COOKIE_TEXT ||
	    sodium_base642bin(sealed, sizeof sealed, text, n, NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof sealed)
		return false;
	int key_id = (int)((unsigned)sealed[0] << 24 | (unsigned)sealed[1] << 16 |
			   (unsigned)sealed[2] << 8 | sealed[3]);
	if (keyring_open(k, key_id, sealed + 4, sizeof sealed - 4, cookie_ad, plain) != WM_OK)
		return false;
	size_t tlen = SECRET_TOKEN_LEN - 1;
	memcpy(token, plain, tlen);
	token[tlen] = '\0';
	uint64_t v = 0;
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | plain[tlen + i];
	sodium_memzero(plain, sizeof plain);
	*at = (int64_t)v;
	return true;
}

bool web_cookie_find(const char *header, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name);
	const char *p = header;
	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t seg = end ? (size_t)(end - p) : strlen(p);
		if (seg > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			const char *v = p + nlen + 1;
			size_t vlen = seg - nlen - 1;
			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= cap)
				return false;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return true;
		}
		p = end;
	}
	return false;
}

void web_csrf_token(const struct keyring *k, const char *binder, char out[WEB_CSRF_TEXT])
{
	unsigned char mac[KEYRING_BLIND_LEN];
	keyring_blind(k, "csrf", binder, mac);
	sodium_bin2base64(out, WEB_CSRF_TEXT, mac, sizeof mac,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool web_csrf_ok(const struct keyring *k, const char *binder, const char *given)
{
	char want[WEB_CSRF_TEXT];
	web_csrf_token(k, binder, want);
	size_t n = strlen(want);
	return given && strlen(given) == n && sodium_memcmp(want, given, n) == 0;
}
