/*
 * fuzz_session.c - libFuzzer target: what a browser sends that the server
 * opens with its key: the session cookie (found in a hostile Cookie header,
 * then opened as sealed text), the CSRF token of a form, and a sealed value
 * of the right size with hostile bytes (tampered ciphertext).
 *
 * Invariants: a cookie found in a header fits its buffer and holds no ';';
 * hostile text never opens (only a value this run sealed does), and a
 * cookie sealed here opens to the token and instant sealed; a CSRF token
 * other than the one made for its binder is refused.
 */
#define _POSIX_C_SOURCE 200809L
#include <sodium.h>

#include "fuzz.h"
#include "web/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct keyring *k = fuzz_keys();
	char *s = fuzz_string(data, size);
	if (!s)
		return 0;
	char val[WEB_COOKIE_TEXT], token[SECRET_TOKEN_LEN];
	int64_t at;
	if (web_cookie_find(s, "wm_session", val, sizeof val)) {
		FUZZ_CHECK(strlen(val) < sizeof val && !strchr(val, ';'));
		FUZZ_CHECK(!web_cookie_open(k, val, token, &at));
	}
	FUZZ_CHECK(!web_cookie_open(k, s, token, &at));

	/* Hostile bytes as the sealed value itself, under a valid key id:
	 * authentication must refuse every one. */
	unsigned char sealed[WEB_COOKIE_SEALED] = {0, 0, 0, 1};
	memcpy(sealed + 4, data, size < sizeof sealed - 4 ? size : sizeof sealed - 4);
	char text[WEB_COOKIE_TEXT];
	sodium_bin2base64(text, sizeof text, sealed, sizeof sealed,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	FUZZ_CHECK(!web_cookie_open(k, text, token, &at));

	/* A token made of the input seals and opens back to itself. */
	char mine[SECRET_TOKEN_LEN];
	for (size_t i = 0; i < SECRET_TOKEN_LEN - 1; i++)
		mine[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		    [i < size ? data[i] % 64 : 0];
	mine[SECRET_TOKEN_LEN - 1] = '\0';
	int64_t when = (int64_t)(size * 7919);
	FUZZ_CHECK(web_cookie_seal(k, mine, when, text));
	FUZZ_CHECK(web_cookie_open(k, text, token, &at) && strcmp(token, mine) == 0 && at == when);

	/* The CSRF token of a form. */
	char csrf[WEB_CSRF_TEXT];
	web_csrf_token(k, mine, csrf);
	FUZZ_CHECK(web_csrf_ok(k, mine, csrf));
	if (strcmp(s, csrf) != 0)
		FUZZ_CHECK(!web_csrf_ok(k, mine, s));
	web_csrf_ok(k, s, s);
	free(s);
	return 0;
}
