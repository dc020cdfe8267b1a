/* Unit tests for the web layer's pure parts: posted forms, the session
 * cookie, CSRF tokens, and dates, times and codes in words. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/keyring.h"
#include "crypto/secret.h"
#include "domain/date.h"
#include "web/form.h"
#include "web/session.h"
#include "web/words.h"

static struct keyring *load_key(const char *hex)
{
	char path[] = "/tmp/wm-test-web-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0600), 0);
	char line[128];
	int n = snprintf(line, sizeof line, "waymark-key 1 %s\n", hex);
	assert_int_equal(write(fd, line, (size_t)n), n);
	close(fd);
	struct keyring *k = NULL;
	char msg[128];
	wm_err e = keyring_load(path, &k, msg, sizeof msg);
	unlink(path);
	if (e != WM_OK)
		fail_msg("keyring_load: %s", msg);
	return k;
}

#define HEX1 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX2 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"

static void form_decodes_fields(void **state)
{
	(void)state;
	struct form f;
	const char *body = "csrf=abc&username=sam+reid&note=caf%C3%A9+%26+tea%3D&empty=&flag";
	assert_true(form_parse(body, strlen(body), &f));
	assert_int_equal(f.n, 5);
	assert_string_equal(form_get(&f, "username"), "sam reid");
	assert_string_equal(form_get(&f, "note"), "caf\xC3\xA9 & tea=");
	assert_string_equal(form_get(&f, "empty"), "");
	assert_string_equal(form_get(&f, "flag"), "");
	assert_null(form_get(&f, "missing"));
	form_free(&f);
	assert_true(form_parse("", 0, &f));
	assert_int_equal(f.n, 0);
	form_free(&f);
}

static void form_refuses_malformed_bodies(void **state)
{
	(void)state;
	struct form f;
	const char *bad[] = {"a=%", "a=%4", "a=%zz", "a=%00", "%C3=1", "a=%FF%FE", "a=%ED%A0%80"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (form_parse(bad[i], strlen(bad[i]), &f))
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(f.n, 0);
		assert_null(f.block);
	}
	/* Too many fields. */
	char many[FORM_FIELDS_MAX * 4 + 8] = "";
	for (int i = 0; i <= FORM_FIELDS_MAX; i++)
		strcat(many, "a=1&");
	assert_false(form_parse(many, strlen(many), &f));
}

static void cookie_round_trips_and_hides_the_token(void **state)
{
	(void)state;
	struct keyring *k = load_key(HEX1);
	char token[SECRET_TOKEN_LEN];
	unsigned char digest[SECRET_DIGEST];
	secret_new_token(token, digest);
	char c1[WEB_COOKIE_TEXT], c2[WEB_COOKIE_TEXT];
	assert_true(web_cookie_seal(k, token, 1764000000, c1));
	assert_true(web_cookie_seal(k, token, 1764000000, c2));
	assert_null(strstr(c1, token));
	assert_string_not_equal(c1, c2); /* a fresh nonce each time */
	char back[SECRET_TOKEN_LEN];
	int64_t at = 0;
	assert_true(web_cookie_open(k, c1, back, &at));
	assert_string_equal(back, token);
	assert_int_equal(at, 1764000000);
	/* Altered, truncated or sealed under another key: refused. */
	char bad[WEB_COOKIE_TEXT];
	memcpy(bad, c1, sizeof bad);
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	assert_false(web_cookie_open(k, bad, back, &at));
	bad[10] = '\0';
	assert_false(web_cookie_open(k, bad, back, &at));
	struct keyring *k2 = load_key(HEX2);
	assert_false(web_cookie_open(k2, c1, back, &at));
	assert_false(web_cookie_open(k, "", back, &at));
	keyring_free(k);
	keyring_free(k2);
}

static void cookie_found_among_others(void **state)
{
	(void)state;
	char v[64];
	assert_true(web_cookie_find("a=1; wm_session=xyz; b=2", "wm_session", v, sizeof v));
	assert_string_equal(v, "xyz");
	assert_true(web_cookie_find("wm_session=q", "wm_session", v, sizeof v));
	assert_string_equal(v, "q");
	assert_false(web_cookie_find("xwm_session=1; wm_sessionx=2", "wm_session", v, sizeof v));
	assert_false(web_cookie_find("", "wm_session", v, sizeof v));
	assert_false(web_cookie_find("wm_session=0123456789", "wm_session", v, 4));
}

static void csrf_binds_to_its_session(void **state)
{
	(void)state;
	struct keyring *k = load_key(HEX1);
	char t1[WEB_CSRF_TEXT], t2[WEB_CSRF_TEXT];
	web_csrf_token(k, "session-one", t1);
	web_csrf_token(k, "session-two", t2);
	assert_string_not_equal(t1, t2);
	assert_true(web_csrf_ok(k, "session-one", t1));
	assert_false(web_csrf_ok(k, "session-two", t1));
	assert_false(web_csrf_ok(k, "session-one", NULL));
	assert_false(web_csrf_ok(k, "session-one", ""));
	t1[3] ^= 1;
	assert_false(web_csrf_ok(k, "session-one", t1));
	keyring_free(k);
}

static void words_for_dates_times_and_codes(void **state)
{
	(void)state;
	assert_true(date_zone_use("Europe/London"));
	char w[WORDS_MAX];
	assert_true(words_date("2026-12-04", w));
	assert_string_equal(w, "4 December 2026");
	assert_false(words_date("2026-02-30", w));
	assert_string_equal(w, "");
	assert_false(words_date(NULL, w));
	/* Winter: London is on UTC; summer: an hour ahead. */
	assert_true(words_when("2026-12-04T10:00:00Z", w));
	assert_string_equal(w, "Friday 4 December 2026, 10:00");
	assert_true(words_when("2026-07-01T23:30:00Z", w));
	assert_string_equal(w, "Thursday 2 July 2026, 00:30");
	assert_false(words_when("tomorrow", w));
	/* The days the clocks change: the wall clock's time, not the time
	 * since midnight (29 March 2026 01:00 UTC is 02:00 BST; 25 October
	 * 2026 01:30 UTC is 01:30 GMT, after 01:30 BST came once already). */
	assert_true(words_when("2026-03-29T09:00:00Z", w));
	assert_string_equal(w, "Sunday 29 March 2026, 10:00");
	assert_true(words_when("2026-10-25T09:00:00Z", w));
	assert_string_equal(w, "Sunday 25 October 2026, 09:00");
	words_code("mental_health_assessment", w);
	assert_string_equal(w, "Mental health assessment");
	words_code("gp", w);
	assert_string_equal(w, "GP");
	words_code("did_not_attend", w);
	assert_string_equal(w, "Did not attend");
	words_code(NULL, w);
	assert_string_equal(w, "");
}

int main(void)
{
	if (!secret_init())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(form_decodes_fields),
	    cmocka_unit_test(form_refuses_malformed_bodies),
	    cmocka_unit_test(cookie_round_trips_and_hides_the_token),
	    cmocka_unit_test(cookie_found_among_others),
	    cmocka_unit_test(csrf_binds_to_its_session),
	    cmocka_unit_test(words_for_dates_times_and_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
