/* Unit tests for render/ics: TEXT escaping (RFC 5545 §3.3.11) of hostile
 * text - line breaks of every kind, control characters, malformed UTF-8 -
 * so that no value can end its property or start another; folding at 75
 * octets (§3.1) that never splits a UTF-8 character; UTC times; initials. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "render/ics.h"

static char *escaped(const char *s)
{
	struct buf b = BUF_INIT;
	ics_escape_text(&b, s);
	return buf_take(&b, NULL);
}

static char *text_prop(const char *name, const char *value)
{
	struct buf b = BUF_INIT;
	ics_text(&b, name, value);
	return buf_take(&b, NULL);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Undoes folding: every CRLF followed by one space goes. */
static char *unfold(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	for (const char *p = s; *p;) {
		if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
			p += 3;
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* Every line at most 75 octets before its CRLF, no CR or LF alone, and
 * every continuation line starts with a space; the text ends with CRLF. */
static void assert_well_folded(const char *s)
{
	size_t len = strlen(s);
	assert_true(len >= 2 && strcmp(s + len - 2, "\r\n") == 0);
	const char *line = s;
	for (const char *p = s; *p; p++) {
		if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			assert_true((size_t)(p - line) <= ICS_LINE_MAX);
			if (line != s)
				assert_int_equal(line[0], ' ');
			p++;
			line = p + 1;
		} else {
			assert_int_not_equal(*p, '\n');
		}
	}
}

static void escapes_the_special_characters(void **state)
{
	(void)state;
	char *s = escaped("Suite 3, Floor 2; back door \\ ring");
	assert_string_equal(s, "Suite 3\\, Floor 2\\; back door \\\\ ring");
	free(s);
	/* A colon and quotes are plain text in a value. */
	s = escaped("Dr \"Ade\": room 4");
	assert_string_equal(s, "Dr \"Ade\": room 4");
	free(s);
	/* A backslash before an n stays a backslash and an n. */
	s = escaped("C:\\new");
	assert_string_equal(s, "C:\\\\new");
	free(s);
}

static void line_breaks_of_every_kind_become_an_escape(void **state)
{
	(void)state;
	char *s = escaped("a\r\nb\nc\rd\xc2\x85"
			  "e\xe2\x80\xa8"
			  "f\xe2\x80\xa9g");
	assert_string_equal(s, "a\\nb\\nc\\nd\\ne\\nf\\ng");
	free(s);
	/* CR LF is one break, not two. */
	s = escaped("x\r\n\r\ny");
	assert_string_equal(s, "x\\n\\ny");
	free(s);
}

static void control_characters_go_and_bad_utf8_is_replaced(void **state)
{
	(void)state;
	char *s = escaped("a\x01"
			  "b\x1b[31m\x7f"
			  "c\xc2\x9b"
			  "d\te");
	assert_string_equal(s, "ab[31mcd\te");
	free(s);
	/* A lone continuation byte, an overlong NUL, a surrogate, a cut-short
	 * character: each bad byte one U+FFFD, never passed on. */
	s = escaped("a\x80"
		    "b\xc0\x80"
		    "c\xed\xa0\x80"
		    "d\xe2\x80");
	assert_string_equal(s, "a\xef\xbf\xbd"
			       "b\xef\xbf\xbd\xef\xbf\xbd"
			       "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			       "d\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	/* An overlong line feed (0xC0 0x8A) is not a line feed to anyone. */
	s = escaped("x\xc0\x8aSUMMARY:y");
	assert_int_equal(count(s, "\n"), 0);
	free(s);
}

static void injection_through_a_place_name_makes_no_property(void **state)
{
	(void)state;
	const char *hostile = "Surgery\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Injected\n"
			      "ATTENDEE:mailto:x@example.org\rDTSTART:19700101T000000Z\xe2\x80\xa8"
			      "X-EVIL:1";
	char *s = text_prop("LOCATION", hostile);
	assert_well_folded(s);
	char *u = unfold(s);
	/* One property: one line, ending with its CRLF, starting LOCATION. */
	assert_int_equal(count(u, "\r\n"), 1);
	assert_true(strncmp(u, "LOCATION:", 9) == 0);
	assert_int_equal(count(u, "\r"), 1);
	assert_int_equal(count(u, "\n"), 1);
	free(u);
	free(s);
}

static void folds_at_75_octets(void **state)
{
	(void)state;
	char value[301];
	memset(value, 'x', 300);
	value[300] = '\0';
	char *s = text_prop("LOCATION", value);
	assert_well_folded(s);
	char *u = unfold(s);
	assert_true(strncmp(u, "LOCATION:", 9) == 0);
	assert_int_equal(strlen(u), 9 + 300 + 2);
	/* The first line is 75 octets exactly; the next ones a space and 74. */
	assert_int_equal(strstr(s, "\r\n") - s, 75);
	free(u);
	free(s);
	/* A short line is not folded. */
	s = text_prop("SUMMARY", "GP appointment");
	assert_string_equal(s, "SUMMARY:GP appointment\r\n");
	free(s);
}

static void folds_never_split_a_character(void **state)
{
	(void)state;
	/* Two-, three- and four-byte characters across every fold position. */
	const char *pieces[] = {"\xc3\xab", "\xe1\x8b\xb0", "\xf0\x9f\x8f\xa5", "\xd9\x85"};
	for (size_t shift = 0; shift < 4; shift++) {
		char value[1024] = "";
		for (size_t i = 0; i < shift; i++)
			strcat(value, "a");
		for (int i = 0; i < 60; i++)
			strcat(value, pieces[i % 4]);
		char *s = text_prop("LOCATION", value);
		assert_well_folded(s);
		/* After every fold the next byte begins a character. */
		for (const char *p = strstr(s, "\r\n "); p; p = strstr(p + 1, "\r\n "))
			assert_int_not_equal((unsigned char)p[3] & 0xc0, 0x80);
		char *u = unfold(s);
		assert_int_equal(strncmp(u + 9, value, strlen(value)), 0);
		assert_string_equal(u + 9 + strlen(value), "\r\n");
		free(u);
		free(s);
	}
}

static void escapes_are_never_split_wrongly(void **state)
{
	(void)state;
	/* Folding may fall between a backslash and what it escapes: unfolding
	 * puts them back together, so the value reads the same. */
	char value[200] = "";
	for (int i = 0; i < 40; i++)
		strcat(value, ";,");
	char *s = text_prop("DESCRIPTION", value);
	assert_well_folded(s);
	char *u = unfold(s);
	char *want = escaped(value);
	assert_int_equal(strncmp(u + strlen("DESCRIPTION:"), want, strlen(want)), 0);
	assert_string_equal(u + strlen("DESCRIPTION:") + strlen(want), "\r\n");
	free(want);
	free(u);
	free(s);
}

static void lines_and_utc_times(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	ics_line(&b, "BEGIN", "VEVENT");
	ics_line(&b, "DTSTART", "20261210T093000Z");
	char *s = buf_take(&b, NULL);
	assert_string_equal(s, "BEGIN:VEVENT\r\nDTSTART:20261210T093000Z\r\n");
	free(s);
	char t[ICS_UTC_LEN];
	ics_utc(1796895000, t); /* 2026-12-10 09:30:00 UTC */
	assert_string_equal(t, "20261210T093000Z");
	ics_utc(0, t);
	assert_string_equal(t, "19700101T000000Z");
}

static void initials_only(void **state)
{
	(void)state;
	char out[ICS_INITIALS_MAX];
	ics_initials("Ardita Berisha", out);
	assert_string_equal(out, "A.B.");
	ics_initials("  ardita  ", out);
	assert_string_equal(out, "A.");
	/* Three at most: more would come close to spelling a name out. */
	ics_initials("Maria del Carmen Lopez Garcia", out);
	assert_string_equal(out, "M.D.C.");
	/* Case where the script has it; a letter where it has none. */
	ics_initials("\xc3\xa9lise \xd0\xbe\xd0\xbb\xd0\xb3\xd0\xb0", out); /* élise ольга */
	assert_string_equal(out, "\xc3\x89.\xd0\x9e.");			    /* É.О. */
	ics_initials("\xd9\x85\xd8\xb1\xd9\x8a\xd9\x85", out);		    /* مريم */
	assert_string_equal(out, "\xd9\x85.");
	/* Punctuation before a word's first letter is skipped. */
	ics_initials("(Lule) 'Bora'", out);
	assert_string_equal(out, "L.B.");
	ics_initials("", out);
	assert_string_equal(out, "");
	ics_initials("\xff\xfe", out);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(escapes_the_special_characters),
	    cmocka_unit_test(line_breaks_of_every_kind_become_an_escape),
	    cmocka_unit_test(control_characters_go_and_bad_utf8_is_replaced),
	    cmocka_unit_test(injection_through_a_place_name_makes_no_property),
	    cmocka_unit_test(folds_at_75_octets),
	    cmocka_unit_test(folds_never_split_a_character),
	    cmocka_unit_test(escapes_are_never_split_wrongly),
	    cmocka_unit_test(lines_and_utc_times),
	    cmocka_unit_test(initials_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
