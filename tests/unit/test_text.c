/* Unit tests for util/text: UTF-8 validation, control characters, folding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

static bool valid(const char *s)
{
	return text_utf8_valid(s, strlen(s));
}

static void utf8_accepts_well_formed(void **state)
{
	(void)state;
	assert_true(valid(""));
	assert_true(valid("plain ASCII ~\x7f"));
	assert_true(valid("\xC3\xA1rdita"));			 /* á, 2 bytes */
	assert_true(valid("\xC2\x80"));				 /* U+0080, smallest 2-byte */
	assert_true(valid("\xDF\xBF"));				 /* U+07FF */
	assert_true(valid("\xE0\xA0\x80"));			 /* U+0800, smallest 3-byte */
	assert_true(valid("\xE2\x82\xAC"));			 /* € */
	assert_true(valid("\xED\x9F\xBF"));			 /* U+D7FF, below surrogates */
	assert_true(valid("\xEE\x80\x80"));			 /* U+E000, above surrogates */
	assert_true(valid("\xEF\xBF\xBF"));			 /* U+FFFF */
	assert_true(valid("\xF0\x90\x80\x80"));			 /* U+10000, smallest 4-byte */
	assert_true(valid("\xF0\x9F\x98\x80"));			 /* 😀 */
	assert_true(valid("\xF4\x8F\xBF\xBF"));			 /* U+10FFFF, the last */
	assert_true(valid("\xE1\x88\xB0\xE1\x8B\xB5 \xD8\xB9")); /* Ge'ez and Arabic */
	/* An embedded NUL is a valid code point when the length covers it. */
	assert_true(text_utf8_valid("a\0b", 3));
	/* Only len bytes are looked at. */
	assert_true(text_utf8_valid("ab\xFF", 2));
}

static void utf8_refuses_malformed(void **state)
{
	(void)state;
	const char *bad[] = {
	    "\xC0\x80",			/* overlong NUL */
	    "\xC1\xBF",			/* overlong U+007F */
	    "\xE0\x80\x80",		/* overlong, 3 bytes */
	    "\xE0\x9F\xBF",		/* overlong U+07FF */
	    "\xF0\x80\x80\x80",		/* overlong, 4 bytes */
	    "\xF0\x8F\xBF\xBF",		/* overlong U+FFFF */
	    "\xED\xA0\x80",		/* U+D800, a surrogate */
	    "\xED\xBF\xBF",		/* U+DFFF, a surrogate */
	    "\xED\xA0\xBD\xED\xB8\x80", /* a CESU-8 surrogate pair */
	    "\xF4\x90\x80\x80",		/* U+110000, beyond Unicode */
	    "\xF5\x80\x80\x80",		/* lead byte never used */
	    "\xF8\x88\x80\x80\x80",	/* 5-byte form */
	    "\xFF",
	    "\xFE",
	    "\x80", /* lone continuation */
	    "a\xBF",
	    "\xC3",	    /* truncated 2-byte */
	    "\xE2\x82",	    /* truncated 3-byte */
	    "\xF0\x9F\x98", /* truncated 4-byte */
	    "\xC3(",	    /* continuation missing */
	    "\xE2(\xAC",
	    "\xF0\x9F(\x80",
	    "ok \xC3\xA1 then \xE2\x82",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (valid(bad[i]))
			fail_msg("bad[%zu] accepted as UTF-8", i);
	/* A sequence cut short by len, though the bytes go on. */
	assert_false(text_utf8_valid("\xE2\x82\xAC", 2));
	assert_false(text_utf8_valid("\xF0\x9F\x98\x80", 3));
}

static void control_characters(void **state)
{
	(void)state;
	assert_false(text_has_control(""));
	assert_false(text_has_control("Ardita Hoxha"));
	assert_false(text_has_control("line one\nline two\r\n\tindented"));
	assert_false(text_has_control("\xC3\xA1\xE2\x82\xAC\xF0\x9F\x98\x80"));
	assert_true(text_has_control("bell\a"));
	assert_true(text_has_control("\x01"));
	assert_true(text_has_control("esc\x1b[2J"));
	assert_true(text_has_control("del\x7f"));
	assert_true(text_has_control("\x1f"));
	assert_true(text_has_control("vt\v"));
	assert_true(text_has_control("ff\f"));
	assert_false(text_has_control(" ~"));

	assert_false(text_has_newline_or_control(""));
	assert_false(text_has_newline_or_control("Ardita \xC3\xA1"));
	assert_true(text_has_newline_or_control("a\nb"));
	assert_true(text_has_newline_or_control("a\rb"));
	assert_true(text_has_newline_or_control("a\tb"));
	assert_true(text_has_newline_or_control("a\x7f"));
	assert_true(text_has_newline_or_control("\x01"));
}

/* Writes code point cp as UTF-8 between "a" and "b". */
static void around(uint32_t cp, char out[8])
{
	char *o = out;
	*o++ = 'a';
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xE0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	*o++ = 'b';
	*o = '\0';
}

/* One-line fields refuse C1 controls, line and paragraph separators and
 * bidirectional controls; each range is checked at and beside its ends. */
static void one_line_refuses_deceiving_code_points(void **state)
{
	(void)state;
	static const struct {
		uint32_t cp;
		bool refused;
	} cases[] = {
	    {0x7E, false},   {0x7F, true},    {0x80, true},    {0x85, true},	{0x9F, true},
	    {0xA0, false},   {0xAD, false},   {0x2027, false}, {0x2028, true},	{0x2029, true},
	    {0x202A, true},  {0x202B, true},  {0x202C, true},  {0x202D, true},	{0x202E, true},
	    {0x202F, false}, {0x2065, false}, {0x2066, true},  {0x2067, true},	{0x2068, true},
	    {0x2069, true},  {0x206A, false}, {0x200F, false}, {0xFEFF, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char s[8];
		around(cases[i].cp, s);
		if (text_has_newline_or_control(s) != cases[i].refused)
			fail_msg("U+%04X: expected %s", (unsigned)cases[i].cp,
				 cases[i].refused ? "refused" : "allowed");
	}
	/* Free text (several lines) is not this check's business. */
	assert_false(text_has_control("a\xE2\x80\xA8"
				      "b"));
	/* A right-to-left override inside a real name, at the end, alone. */
	assert_true(text_has_newline_or_control("Ardita \xE2\x80\xAE"
						"ahxoH"));
	assert_true(text_has_newline_or_control("\xE2\x80\xAE"));
	assert_true(text_has_newline_or_control("Ardita\xE2\x81\xA9"));
	/* Malformed UTF-8 is refused rather than guessed at. */
	assert_true(text_has_newline_or_control("a\xC2"));
	assert_true(text_has_newline_or_control("a\xC2\x85"));
	assert_false(text_has_newline_or_control("\xF0\x9F\x98\x80"));
}

static void trimmed_length(void **state)
{
	(void)state;
	assert_int_equal(text_trimmed_len(""), 0);
	assert_int_equal(text_trimmed_len("   "), 0);
	assert_int_equal(text_trimmed_len(" \t\r\n\v\f"), 0);
	assert_int_equal(text_trimmed_len("abc"), 3);
	assert_int_equal(text_trimmed_len("  abc  "), 3);
	assert_int_equal(text_trimmed_len("\tabc\n"), 3);
	assert_int_equal(text_trimmed_len(" a b "), 3);
	assert_int_equal(text_trimmed_len("  \xC3\x81rdita "), 7);
	assert_int_equal(text_trimmed_len("x"), 1);
	assert_int_equal(text_trimmed_len(" x"), 1);
	assert_int_equal(text_trimmed_len("x "), 1);
}

/* Folds s into a heap buffer of exactly cap bytes (so AddressSanitizer sees
 * any write past it); returns whether it succeeded and, if so, the text. */
static bool fold_cap(const char *s, size_t cap, char *result, size_t result_cap)
{
	char *out = malloc(cap ? cap : 1);
	assert_non_null(out);
	bool ok = text_fold(s, out, cap);
	if (ok) {
		size_t room = cap ? cap : 1;
		const char *nul = memchr(out, '\0', room);
		size_t n = nul ? (size_t)(nul - out) : room;
		if (n >= cap) /* claimed success without room for the result */
			print_error("text_fold(\"%s\", cap %zu) wrote past its buffer\n", s, cap);
		assert_true(n < result_cap);
		memcpy(result, out, n);
		result[n] = '\0';
	}
	free(out);
	return ok;
}

static void expect_fold(const char *s, const char *want)
{
	char got[256];
	if (!fold_cap(s, sizeof got, got, sizeof got))
		fail_msg("text_fold(\"%s\") failed", s);
	if (strcmp(got, want) != 0)
		fail_msg("text_fold(\"%s\") = \"%s\", want \"%s\"", s, got, want);
}

static void fold_trims_and_lowercases(void **state)
{
	(void)state;
	expect_fold("Ardita", "ardita");
	expect_fold("ARDITA", "ardita");
	expect_fold("  Ardita ", "ardita");
	expect_fold("\t Ardita\r\n", "ardita");
	expect_fold("  Mary  Ann ", "mary  ann");
	expect_fold("O'Brien-Smith 2", "o'brien-smith 2");
	expect_fold("", "");
	expect_fold("   ", "");
	expect_fold("  \xC3\x81RDITA ", "\xC3\xA1rdita"); /* ÁRDITA -> árdita */
	expect_fold("\xC5\x9E"
		    "EYMA",
		    "\xC5\x9F"
		    "eyma");				       /* ŞEYMA -> şeyma */
	expect_fold("NGUY\xE1\xBB\x84N", "nguy\xE1\xBB\x85n"); /* NGUYỄN -> nguyễn */
	expect_fold("\xC3\x91\xC3\x9A\xC3\x91"
		    "EZ",
		    "\xC3\xB1\xC3\xBa\xC3\xB1"
		    "ez"); /* ÑÚÑEZ */
	/* Greek ΕΛΈΝΗ -> ελένη */
	expect_fold("\xCE\x95\xCE\x9B\xCE\x88\xCE\x9D\xCE\x97",
		    "\xCE\xB5\xCE\xBB\xCE\xAD\xCE\xBD\xCE\xB7");
	/* Cyrillic ОЛЬГА -> ольга */
	expect_fold("\xD0\x9E\xD0\x9B\xD0\xAC\xD0\x93\xD0\x90",
		    "\xD0\xBE\xD0\xBB\xD1\x8C\xD0\xB3\xD0\xB0");
	/* Armenian Ա -> ա, and scripts without case unchanged. */
	expect_fold("\xD4\xB1", "\xD5\xA1");
	expect_fold("\xD8\xB9\xD9\x84\xD9\x8A", "\xD8\xB9\xD9\x84\xD9\x8A"); /* Arabic */
	expect_fold("\xE1\x88\xB0\xE1\x8B\xB5", "\xE1\x88\xB0\xE1\x8B\xB5"); /* Ge'ez */
	expect_fold("\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80");		     /* emoji */
	/* Upper and lower case of one name fold alike. */
	char a[64], b[64];
	assert_true(fold_cap("\xC5\x9E"
			     "eyma",
			     sizeof a, a, sizeof a));
	assert_true(fold_cap("\xC5\x9F"
			     "EYMA",
			     sizeof b, b, sizeof b));
	assert_string_equal(a, b);
}

static void fold_refuses_invalid_utf8(void **state)
{
	(void)state;
	char out[64];
	assert_false(text_fold("Ard\xFFita", out, sizeof out));
	assert_false(text_fold("\xC0\x80", out, sizeof out));
	assert_false(text_fold("\xED\xA0\x80", out, sizeof out));
	assert_false(text_fold("\xF4\x90\x80\x80", out, sizeof out));
	assert_false(text_fold("ends in \xE2\x82", out, sizeof out));
	assert_false(text_fold("  \xC3 ", out, sizeof out));
}

static void fold_refuses_too_small_buffer(void **state)
{
	(void)state;
	char got[64];
	assert_false(fold_cap("Ardita", 3, got, sizeof got));
	assert_false(fold_cap("Ardita", 6, got, sizeof got)); /* no room for the NUL */
	assert_false(fold_cap("\xC3\x81RDITA", 7, got, sizeof got));
	assert_false(fold_cap("x", 1, got, sizeof got));
	/* With room to spare it works. */
	assert_true(fold_cap("Ardita", 32, got, sizeof got));
	assert_string_equal(got, "ardita");
	/* A long name into a big buffer. */
	char big[600];
	memset(big, 'A', 500);
	big[500] = '\0';
	char *out = malloc(1024);
	assert_non_null(out);
	assert_true(text_fold(big, out, 1024));
	assert_int_equal(strlen(out), 500);
	assert_int_equal(out[0], 'a');
	assert_int_equal(out[499], 'a');
	assert_false(text_fold(big, out, 400));
	free(out);
}

/* "False when it does not fit": a result that fits exactly, NUL included,
 * must be written; one byte less must be refused. */
static void fold_fits_exactly(void **state)
{
	(void)state;
	const char *cases[][2] = {
	    {"abc", "abc"},
	    {"  ARDITA ", "ardita"},
	    {"\xC3\x81", "\xC3\xA1"},
	    {"\xC5\x9E"
	     "EYMA",
	     "\xC5\x9F"
	     "eyma"},
	    {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
	    {"  ", ""},
	};
	int failures = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t need = strlen(cases[i][1]) + 1;
		char got[64];
		if (!fold_cap(cases[i][0], need, got, sizeof got)) {
			print_error("text_fold(\"%s\", cap %zu) refused a result that fits\n",
				    cases[i][0], need);
			failures++;
		} else if (strcmp(got, cases[i][1]) != 0) {
			print_error("text_fold(\"%s\") = \"%s\"\n", cases[i][0], got);
			failures++;
		}
		if (fold_cap(cases[i][0], need - 1, got, sizeof got)) {
			print_error("text_fold(\"%s\", cap %zu) accepted a buffer too small\n",
				    cases[i][0], need - 1);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* With cap 0 nothing fits, not even the NUL: refuse and write nothing. */
static void fold_zero_capacity_writes_nothing(void **state)
{
	(void)state;
	char out[4] = {'X', 'X', 'X', 'X'};
	assert_false(text_fold("", out, 0));
	assert_int_equal(out[0], 'X');
	assert_false(text_fold("   ", out, 0));
	assert_int_equal(out[0], 'X');
	assert_false(text_fold("a", out, 0));
	assert_int_equal(out[0], 'X');
}

static void init_is_idempotent(void **state)
{
	(void)state;
	assert_true(text_init());
	assert_true(text_init());
}

/* text_int writes what "%lld" writes, at the extremes and in between. */
static void integers_as_printf_writes_them(void **state)
{
	(void)state;
	int64_t some[] = {0,
			  1,
			  -1,
			  9,
			  10,
			  -10,
			  99,
			  100,
			  123456789,
			  -987654321,
			  INT32_MAX,
			  INT32_MIN,
			  INT64_MAX,
			  INT64_MIN,
			  INT64_MAX - 1,
			  INT64_MIN + 1};
	char out[TEXT_INT_LEN], want[32];
	for (size_t i = 0; i < sizeof some / sizeof some[0]; i++) {
		size_t n = text_int(out, some[i]);
		snprintf(want, sizeof want, "%lld", (long long)some[i]);
		assert_string_equal(out, want);
		assert_int_equal(n, strlen(want));
	}
	for (int64_t v = -100000; v <= 100000; v += 7) {
		text_int(out, v * 1000003);
		snprintf(want, sizeof want, "%lld", (long long)v * 1000003);
		assert_string_equal(out, want);
	}
}

/* text_copy cuts as snprintf's "%s" does. */
static void copies_cut_to_fit(void **state)
{
	(void)state;
	char small[4];
	text_copy(small, sizeof small, "abcdef");
	assert_string_equal(small, "abc");
	text_copy(small, sizeof small, "ab");
	assert_string_equal(small, "ab");
	text_copy(small, sizeof small, "");
	assert_string_equal(small, "");
	small[0] = 'x';
	text_copy(small, 0, "abc");
	assert_int_equal(small[0], 'x');
}

int main(void)
{
	if (!text_init()) {
		print_error("text_init failed: no C.UTF-8 locale\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(utf8_accepts_well_formed),
	    cmocka_unit_test(utf8_refuses_malformed),
	    cmocka_unit_test(control_characters),
	    cmocka_unit_test(one_line_refuses_deceiving_code_points),
	    cmocka_unit_test(trimmed_length),
	    cmocka_unit_test(fold_trims_and_lowercases),
	    cmocka_unit_test(fold_refuses_invalid_utf8),
	    cmocka_unit_test(fold_refuses_too_small_buffer),
	    cmocka_unit_test(fold_fits_exactly),
	    cmocka_unit_test(fold_zero_capacity_writes_nothing),
	    cmocka_unit_test(init_is_idempotent),
	    cmocka_unit_test(integers_as_printf_writes_them),
	    cmocka_unit_test(copies_cut_to_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
