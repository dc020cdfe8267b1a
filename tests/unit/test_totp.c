/* Unit tests for crypto/totp (RFC 6238 through liboath, recovery codes)
 * and render/qr. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/keyring.h"
#include "crypto/secret.h"
#include "crypto/totp.h"
#include "render/qr.h"

/* RFC 6238 Appendix B: the SHA-1 seed is the ASCII "12345678901234567890". */
static const unsigned char rfc_seed[] = "12345678901234567890";

static void rfc6238_appendix_b_sha1_vectors(void **state)
{
	(void)state;
	static const struct {
		int64_t t;
		const char *code;
	} v[] = {
	    {59, "94287082"},	      {1111111109, "07081804"}, {1111111111, "14050471"},
	    {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char out[9];
		assert_int_equal(totp_code(rfc_seed, 20, totp_step(v[i].t), 8, out), WM_OK);
		assert_string_equal(out, v[i].code);
		/* Six digits are the last six of the same truncation. */
		assert_int_equal(totp_code(rfc_seed, 20, totp_step(v[i].t), 6, out), WM_OK);
		assert_string_equal(out, v[i].code + 2);
	}
}

static void code_of(int64_t t, char out[7])
{
	assert_int_equal(totp_code(rfc_seed, 20, totp_step(t), 6, out), WM_OK);
}

static void the_window_is_one_step_either_side(void **state)
{
	(void)state;
	const int64_t now = 1111111111; /* step 37037037, 1 s into it */
	int64_t step;
	char c[7];
	code_of(now, c);
	assert_true(totp_check(rfc_seed, 20, now, 0, c, &step));
	assert_int_equal(step, totp_step(now));
	code_of(now - 30, c); /* the step before */
	assert_true(totp_check(rfc_seed, 20, now, 0, c, &step));
	assert_int_equal(step, totp_step(now) - 1);
	code_of(now + 30, c); /* the step after */
	assert_true(totp_check(rfc_seed, 20, now, 0, c, &step));
	assert_int_equal(step, totp_step(now) + 1);
	code_of(now - 60, c); /* two steps before: refused */
	assert_false(totp_check(rfc_seed, 20, now, 0, c, &step));
	code_of(now + 60, c); /* two steps after: refused */
	assert_false(totp_check(rfc_seed, 20, now, 0, c, &step));
	/* The edges of a step: its first and last second. */
	const int64_t first = totp_step(now) * 30, last = first + 29;
	code_of(first - 30, c);
	assert_true(totp_check(rfc_seed, 20, last, 0, c, &step));
	assert_false(totp_check(rfc_seed, 20, last + 1, 0, c, &step));
	code_of(last + 30, c);
	assert_true(totp_check(rfc_seed, 20, first, 0, c, &step));
	assert_false(totp_check(rfc_seed, 20, first - 1, 0, c, &step));
}

static void a_used_step_is_refused(void **state)
{
	(void)state;
	const int64_t now = 1234567890;
	int64_t step, used;
	char c[7];
	code_of(now, c);
	assert_true(totp_check(rfc_seed, 20, now, 0, c, &used));
	/* The same code again, with its step recorded as used: refused. */
	assert_false(totp_check(rfc_seed, 20, now, used, c, &step));
	/* An older step's code, after a newer one was used: refused too. */
	code_of(now - 30, c);
	assert_false(totp_check(rfc_seed, 20, now, used, c, &step));
	/* The next step's code still works. */
	code_of(now + 30, c);
	assert_true(totp_check(rfc_seed, 20, now, used, c, &step));
	assert_int_equal(step, used + 1);
}

static void malformed_codes_are_refused(void **state)
{
	(void)state;
	int64_t step;
	const char *bad[] = {"", "12345", "1234567", "12a456", " 12345", NULL};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(totp_check(rfc_seed, 20, 59, 0, bad[i], &step));
	char out[9];
	assert_int_equal(totp_code(rfc_seed, 20, 1, 5, out), WM_ERR_INVALID);
	assert_int_equal(totp_code(rfc_seed, 0, 1, 6, out), WM_ERR_INVALID);
}

static void base32_and_uri(void **state)
{
	(void)state;
	char b32[TOTP_BASE32_LEN];
	totp_base32(rfc_seed, b32);
	/* RFC 4648 base32 of "12345678901234567890". */
	assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	char uri[TOTP_URI_MAX];
	totp_uri(rfc_seed, "a.worker@agency", uri);
	assert_string_equal(uri, "otpauth://totp/Waymark:a.worker%40agency?secret="
				 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Waymark&algorithm=SHA1"
				 "&digits=6&period=30");
}

static struct keyring *test_keys(void)
{
	char dir[] = "/tmp/wm-totp-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/key", dir);
	assert_int_equal(keyring_create_file(path), WM_OK);
	struct keyring *k;
	char msg[128];
	assert_int_equal(keyring_load(path, &k, msg, sizeof msg), WM_OK);
	unlink(path);
	rmdir(dir);
	return k;
}

static void recovery_codes(void **state)
{
	(void)state;
	struct keyring *k = test_keys();
	char a[TOTP_RECOVERY_LEN], b[TOTP_RECOVERY_LEN];
	totp_recovery_new(a);
	totp_recovery_new(b);
	assert_int_equal(strlen(a), 11);
	assert_int_equal(a[5], '-');
	assert_string_not_equal(a, b);
	unsigned char h1[KEYRING_BLIND_LEN], h2[KEYRING_BLIND_LEN];
	assert_true(totp_recovery_hash(k, "user1", a, h1));
	/* Typed without the dash, in capitals: the same code. */
	char typed[TOTP_RECOVERY_LEN];
	size_t n = 0;
	for (const char *p = a; *p; p++)
		if (*p != '-')
			typed[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	typed[n] = '\0';
	assert_true(totp_recovery_hash(k, "user1", typed, h2));
	assert_memory_equal(h1, h2, sizeof h1);
	/* Bound to its account. */
	assert_true(totp_recovery_hash(k, "user2", a, h2));
	assert_memory_not_equal(h1, h2, sizeof h1);
	/* Not a code at all. */
	assert_false(totp_recovery_hash(k, "user1", "short", h2));
	assert_false(totp_recovery_hash(k, "user1", "abcde-fghjk-m", h2));
	assert_false(totp_recovery_hash(k, "user1", "abcde-fghj!", h2));
	keyring_free(k);
}

static void qr_is_svg_without_style(void **state)
{
	(void)state;
	char *svg = qr_svg("otpauth://totp/Waymark:a?secret=GEZDGNBV&issuer=Waymark",
			   "QR code <for> your app");
	assert_non_null(svg);
	assert_non_null(strstr(svg, "<svg "));
	assert_non_null(strstr(svg, "role=\"img\""));
	assert_non_null(strstr(svg, "QR code &lt;for&gt; your app"));
	assert_null(strstr(svg, "style"));
	assert_null(strstr(svg, "GEZDGNBV")); /* the secret is only in the modules */
	assert_non_null(strstr(svg, "h1v1h-1z"));
	free(svg);
}

int main(void)
{
	assert_true(secret_init());
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc6238_appendix_b_sha1_vectors),
	    cmocka_unit_test(the_window_is_one_step_either_side),
	    cmocka_unit_test(a_used_step_is_refused),
	    cmocka_unit_test(malformed_codes_are_refused),
	    cmocka_unit_test(base32_and_uri),
	    cmocka_unit_test(recovery_codes),
	    cmocka_unit_test(qr_is_svg_without_style),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
