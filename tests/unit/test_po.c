/* Unit tests for i18n/po: the .po reader and the built-in catalogs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "i18n/po.h"

static wm_err parse(const char *text, struct po_catalog *cat, int *line)
{
	return po_parse("xx", text, strlen(text), cat, line);
}

static void reads_entries_flags_and_continued_strings(void **state)
{
	(void)state;
	const char *text = "# A header comment\n"
			   "msgid \"\"\n"
			   "msgstr \"\"\n"
			   "\"Language: xx\\n\"\n"
			   "\n"
			   "#. for the translator\n"
			   "#, fuzzy, c-format\n"
			   "msgid \"Appointment card\"\n"
			   "msgstr \"Kart\\u00eb\"\n"
			   "\n"
			   "msgid \"Long \"\n"
			   "\"text\"\n"
			   "msgstr \"\"\n"
			   "\"Tekst \"\n"
			   "\"\\\"i gjat\\u00eb\\\"\\n\\tdy\"\n"
			   "\n"
			   "msgid \"Untranslated\"\n"
			   "msgstr \"\"\n"
			   "#~ msgid \"Obsolete\"\n"
			   "#~ msgstr \"Old\"\n"
			   "msgctxt \"menu\"\n"
			   "msgid \"Appointment card\"\n"
			   "msgstr \"Menu card\"\r\n";
	struct po_catalog cat;
	int line;
	/* \u escapes are not C's: refused (a translator's slip, said where). */
	assert_int_equal(parse(text, &cat, &line), WM_ERR_INVALID);
	assert_int_equal(line, 9);

	text = "msgid \"\"\nmsgstr \"Language: xx\\n\"\n\n"
	       "#, fuzzy, c-format\n"
	       "msgid \"Appointment card\"\n"
	       "msgstr \"Kartë takimi\"\n"
	       "\n"
	       "msgid \"Long \"\n"
	       "\"text\"\n"
	       "msgstr \"\"\n"
	       "\"Tekst \"\n"
	       "\"\\\"i gjatë\\\"\\n\\tdy\"\n"
	       "\n"
	       "msgid \"Untranslated\"\n"
	       "msgstr \"\"\n"
	       "#~ msgid \"Obsolete\"\n"
	       "#~ msgstr \"Old\"\n"
	       "msgctxt \"menu\"\n"
	       "msgid \"Appointment card\"\n"
	       "msgstr \"Menu card\"\r\n";
	assert_int_equal(parse(text, &cat, &line), WM_OK);
	assert_string_equal(cat.lang, "xx");
	assert_int_equal(cat.n, 4); /* the header is not an entry; the obsolete one neither */
	const struct po_entry *e = po_find(&cat, NULL, "Appointment card");
	assert_non_null(e);
	assert_string_equal(e->str, "Kartë takimi");
	assert_true(e->fuzzy);
	e = po_find(&cat, NULL, "Long text");
	assert_non_null(e);
	assert_string_equal(e->str, "Tekst \"i gjatë\"\n\tdy");
	assert_false(e->fuzzy); /* flags belong to their own entry */
	e = po_find(&cat, NULL, "Untranslated");
	assert_non_null(e);
	assert_string_equal(e->str, "");
	e = po_find(&cat, "menu", "Appointment card");
	assert_non_null(e);
	assert_string_equal(e->str, "Menu card");
	assert_null(po_find(&cat, NULL, "Obsolete"));
	assert_null(po_find(&cat, NULL, "Missing"));
	assert_null(po_find(&cat, "other", "Appointment card"));
	po_clear(&cat);
}

static void refuses_what_it_cannot_read(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int line;
	} bad[] = {
	    {"msgid \"a\"\nmsgstr \"b\"\nmsgid \"a\"\nmsgstr \"c\"\n", 1}, /* a duplicate */
	    {"msgid \"a\"\nmsgid_plural \"as\"\nmsgstr[0] \"b\"\n", 2},	   /* plurals */
	    {"msgid \"a\"\nmsgstr \"b\n", 2},				   /* unterminated */
	    {"msgid \"a\"\nmsgstr \"b\" x\n", 2},			   /* text after it */
	    {"msgid \"a\\q\"\nmsgstr \"b\"\n", 1},			   /* an unknown escape */
	    {"msgstr \"b\"\n", 1},					   /* no msgid */
	    {"msgid \"a\"\n\n", 2},					   /* no msgstr */
	    {"msgid \"a\"\nmsgstr \"b\"\nmsgstr \"c\"\n", 3},		   /* two msgstr */
	    {"\"stray\"\n", 1},						   /* a string of nothing */
	    {"msgid \"a\"\nmsgstr \"\xC3\"\n", 1},			   /* not UTF-8 */
	    {"msgid \"a\"\nmsgstr \"b\"\nwhat\n", 3},			   /* a keyword unknown */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct po_catalog cat;
		int line;
		assert_int_equal(parse(bad[i].text, &cat, &line), WM_ERR_INVALID);
		assert_int_equal(line, bad[i].line);
		assert_int_equal(cat.n, 0);
		assert_null(cat.entries);
	}
	/* A NUL inside the text is refused too. */
	struct po_catalog cat;
	int line;
	assert_int_equal(po_parse("xx", "msgid \"a\0\"\nmsgstr \"b\"\n", 22, &cat, &line),
			 WM_ERR_INVALID);
}

static void empty_text_is_an_empty_catalog(void **state)
{
	(void)state;
	struct po_catalog cat;
	int line;
	assert_int_equal(parse("", &cat, &line), WM_OK);
	assert_int_equal(cat.n, 0);
	assert_int_equal(parse("# only a comment\n\n", &cat, &line), WM_OK);
	assert_int_equal(cat.n, 0);
	po_clear(&cat);
}

/* Every catalog shipped in po/ parses (a file that did not would be left
 * out at run time, with only a log line to say so), and translates the
 * documents' texts as drafts. */
static void built_in_catalogs_translate_as_drafts(void **state)
{
	(void)state;
	static const char *const langs[] = {"sq", "vi", "ar", "ti", "am", "ro", "pl"};
	for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
		assert_true(po_has_language(langs[i]));
		bool fuzzy = false;
		const char *s = po_translate(langs[i], "Appointment card", &fuzzy);
		assert_non_null(s);
		assert_true(s[0] != '\0');
		assert_true(fuzzy);
		assert_null(po_translate(langs[i], "A text no document prints", NULL));
	}
	/* A region's tag finds its language; a language without a catalog has
	 * nothing. */
	assert_true(po_has_language("ar-SD"));
	assert_non_null(po_translate("ar-SD", "Date", NULL));
	assert_false(po_has_language("ku"));
	assert_false(po_has_language("a"));
	assert_false(po_has_language(""));
	assert_false(po_has_language(NULL));
	assert_null(po_translate("ku", "Date", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reads_entries_flags_and_continued_strings),
	    cmocka_unit_test(refuses_what_it_cannot_read),
	    cmocka_unit_test(empty_text_is_an_empty_catalog),
	    cmocka_unit_test(built_in_catalogs_translate_as_drafts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
