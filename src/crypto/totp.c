/*
 * totp.c - RFC 6238 codes through liboath, and recovery codes.
 *
 * liboath computes the HMAC-SHA1 code of a step (oath_totp_generate); the
 * comparison with what the user typed is ours, in constant time, step by
 * step, so that the step matched is known and a used one can be refused.
 * Every copy of a secret or a code on the stack is wiped before return.
 */
#define _POSIX_C_SOURCE 200809L
#include "totp.h"

#include <assert.h>
#include <liboath/oath.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static bool oath_ready;

static void oath_start(void)
{
	oath_ready = oath_init() == OATH_OK;
}

int64_t totp_step(int64_t now)
{
	return now / TOTP_STEP;
}

void totp_new_secret(unsigned char secret[TOTP_SECRET_LEN])
{
	randombytes_buf(secret, TOTP_SECRET_LEN);
}

wm_err totp_code(const unsigned char *secret, size_t len, int64_t step, unsigned digits, char *out)
{
	if (len == 0 || len > TOTP_SECRET_MAX || digits < 6 || digits > 8 || step < 0)
		return WM_ERR_INVALID;
	pthread_once(&oath_once, oath_start);
	if (!oath_ready)
		return WM_ERR_CRYPTO;
	/* liboath counts steps from the instant: the step's first second. */
	int rc = oath_totp_generate((const char *)secret, len, (time_t)(step * TOTP_STEP),
				    TOTP_STEP, OATH_TOTP_DEFAULT_START_TIME, digits, out);
	return rc == OATH_OK ? WM_OK : WM_ERR_CRYPTO;
}

bool totp_check(const unsigned char *secret, size_t len, int64_t now, int64_t last_step,
		const char *code, int64_t *step)
{
	*step = 0;
	if (!code || strlen(code) != TOTP_DIGITS)
		return false;
	for (size_t i = 0; i < TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	int64_t now_step = totp_step(now);
	bool found = false;
	/* Every step of the window is computed and compared, matched or not,
	 * so the time taken tells nothing of which one matched. */
	for (int64_t s = now_step - TOTP_WINDOW; s <= now_step + TOTP_WINDOW; s++) {
		char want[TOTP_DIGITS + 1];
		bool same = totp_code(secret, len, s, TOTP_DIGITS, want) == WM_OK &&
			    sodium_memcmp(want, code, TOTP_DIGITS) == 0;
		sodium_memzero(want, sizeof want);
		if (same && s > last_step && !found) {
			found = true;
			*step = s;
		}
	}
	return found;
}

void totp_base32(const unsigned char secret[TOTP_SECRET_LEN], char out[TOTP_BASE32_LEN])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	/* 20 bytes are exactly 32 groups of 5 bits: no padding. */
	size_t o = 0;
	unsigned bits = 0, acc = 0;
	for (size_t i = 0; i < TOTP_SECRET_LEN; i++) {
		acc = (acc << 8) | secret[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	assert(bits == 0 && o == TOTP_BASE32_LEN - 1);
	out[o] = '\0';
	acc = 0;
}

void totp_uri(const unsigned char secret[TOTP_SECRET_LEN], const char *username,
	      char out[TOTP_URI_MAX])
{
	char b32[TOTP_BASE32_LEN];
	totp_base32(secret, b32);
	/* The label is "issuer:account"; a username holds only a-z, 0-9 and
	 * ". _ - @" (account.h), of which '@' is escaped. */
	char label[3 * USERNAME_MAX + 1];
	size_t n = 0;
	for (const char *p = username; *p && n + 4 < sizeof label; p++) {
		if (*p == '@') {
			memcpy(label + n, "%40", 3);
			n += 3;
		} else {
			label[n++] = *p;
		}
	}
	label[n] = '\0';
	snprintf(out, TOTP_URI_MAX,
		 "otpauth://totp/Waymark:%s?secret=%s&issuer=Waymark&algorithm=SHA1&digits=%d"
		 "&period=%d",
		 label, b32, TOTP_DIGITS, TOTP_STEP);
	sodium_memzero(b32, sizeof b32);
}

/* Crockford's base32: no i, l, o or u, so a code read aloud or copied by
 * hand is not mistaken. */
static const char recovery_alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

void totp_recovery_new(char out[TOTP_RECOVERY_LEN])
{
	unsigned char r[10];
	randombytes_buf(r, sizeof r);
	size_t o = 0;
	for (size_t i = 0; i < 10; i++) {
		if (i == 5)
			out[o++] = '-';
		out[o++] = recovery_alphabet[r[i] & 31];
	}
	out[o] = '\0';
	sodium_memzero(r, sizeof r);
}

bool totp_recovery_hash(const struct keyring *k, const char *user_id, const char *code,
			unsigned char out[KEYRING_BLIND_LEN])
{
	/* user_id, then the ten characters folded as Crockford reads them. */
	char folded[64 + 12];
	int n = snprintf(folded, sizeof folded, "%.40s:", user_id);
	assert(n > 0 && (size_t)n < sizeof folded - 11);
	size_t o = (size_t)n, kept = 0;
	bool ok = code != NULL;
	for (const char *p = code; ok && *p; p++) {
		char ch = *p;
		if (ch == '-' || ch == ' ')
			continue;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch == 'o')
			ch = '0';
		else if (ch == 'i' || ch == 'l')
			ch = '1';
		if (!strchr(recovery_alphabet, ch) || ch == '\0' || kept == 10) {
			ok = false;
			break;
		}
		folded[o++] = ch;
		kept++;
	}
	folded[o] = '\0';
	ok = ok && kept == 10;
	if (ok)
		keyring_blind(k, "two-factor-recovery", folded, out);
	sodium_memzero(folded, sizeof folded);
	return ok;
}
