/*
 * totp.h - time-based one-time passwords (RFC 6238) and recovery codes,
 * for two-factor sign-in.
 *
 * Codes are HMAC-SHA1, 30-second steps from the Unix epoch, 6 digits,
 * computed by liboath; a code is accepted for the current step and one step
 * either side (clocks drift, people type slowly). The caller stores the last
 * step it accepted and passes it back, so a code, once used, is refused:
 * only a later step can sign in again.
 *
 * Recovery codes are ten random codes of 50 bits each, shown once and stored
 * as a keyed hash (keyring_blind), bound to their account.
 */
#ifndef WM_TOTP_H
#define WM_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../domain/err.h"
#include "../domain/account.h"
#include "keyring.h"

#define TOTP_SECRET_LEN	    20 /* 160 bits, RFC 4226's recommendation */
#define TOTP_SECRET_MAX	    64 /* the longest secret the wrapper takes */
#define TOTP_BASE32_LEN	    33 /* 20 bytes in base32 (32 characters) and NUL */
#define TOTP_STEP	    30
#define TOTP_DIGITS	    6
#define TOTP_WINDOW	    1 /* steps accepted either side of now */
#define TOTP_URI_MAX	    384
#define TOTP_RECOVERY_COUNT 10
#define TOTP_RECOVERY_LEN   12 /* "xxxxx-xxxxx" and NUL */

/* The time step of instant now (seconds since the epoch). */
int64_t totp_step(int64_t now);

/* A new random secret of TOTP_SECRET_LEN bytes. The caller wipes it. */
void totp_new_secret(unsigned char secret[TOTP_SECRET_LEN]);

/* The code of one step, digits long (6 to 8), into out (digits + 1 bytes).
 * WM_ERR_INVALID for a secret longer than TOTP_SECRET_MAX or other digits. */
wm_err totp_code(const unsigned char *secret, size_t len, int64_t step, unsigned digits, char *out);

/* Checks a code the user typed against the steps of now, TOTP_WINDOW
 * either side, accepting only steps after last_step (0: none used yet).
 * True with the step it matched in *step; false for a wrong, malformed or
 * already used code. Compared in constant time. */
bool totp_check(const unsigned char *secret, size_t len, int64_t now, int64_t last_step,
		const char *code, int64_t *step);

/* The secret in base32 (RFC 4648, no padding), as authenticator apps take
 * it typed in. */
void totp_base32(const unsigned char secret[TOTP_SECRET_LEN], char out[TOTP_BASE32_LEN]);

/* The otpauth:// URI an authenticator app reads from the QR code: issuer
 * "Waymark", the account label the username (never anything about a
 * survivor). The caller wipes out (it holds the secret). */
void totp_uri(const unsigned char secret[TOTP_SECRET_LEN], const char *username,
	      char out[TOTP_URI_MAX]);

/* A new recovery code: ten characters of an alphabet without look-alikes,
 * as "xxxxx-xxxxx". */
void totp_recovery_new(char out[TOTP_RECOVERY_LEN]);

/* The stored form of a recovery code of user_id: a keyed hash of the code
 * as typed (lower-cased, spaces and dashes dropped), so a stolen database
 * alone cannot even test a guess. False when the text cannot be one. */
bool totp_recovery_hash(const struct keyring *k, const char *user_id, const char *code,
			unsigned char out[KEYRING_BLIND_LEN]);

#endif
