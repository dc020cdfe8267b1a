/* Unit tests for util/jsonr: the tree it reads is json_loadb's, member for
 * member and in the same order; what it does not decide it leaves (NULL),
 * and never reads what json_loadb refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonr.h"

static json_t *jansson(const char *text, size_t len)
{
	json_error_t jerr;
	return json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
}

/* text reads to the same tree both ways, and dumps back the same. */
static void same_as_jansson(const char *text)
{
	size_t len = strlen(text);
	json_t *mine = jsonr_read(text, len);
	json_t *theirs = jansson(text, len);
	if (!mine)
		fail_msg("jsonr left undecided: %s", text);
	assert_non_null(theirs);
	assert_true(json_equal(mine, theirs));
	char *a = json_dumps(mine, JSON_COMPACT), *b = json_dumps(theirs, JSON_COMPACT);
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_decref(mine);
	json_decref(theirs);
}

/* jsonr leaves text to jansson; decided says what jansson makes of it. */
static void left_to_jansson(const char *text, size_t len, bool jansson_reads)
{
	json_t *mine = jsonr_read(text, len);
	if (mine)
		fail_msg("jsonr read what it should leave: %.*s", (int)len, text);
	json_t *theirs = jansson(text, len);
	assert_int_equal(theirs != NULL, jansson_reads);
	json_decref(theirs);
}

static void records_read_as_jansson_reads_them(void **state)
{
	(void)state;
	static const char *const texts[] = {
	    "{}",
	    "[]",
	    "{\"known_as\":\"Marta 0-0\",\"birth_year\":1968,\"languages\":[{\"code\":\"zh\","
	    "\"interpreter_needed\":false}],\"contact\":{\"phone\":\"07700 900000\","
	    "\"safe_to_call\":true,\"safe_voicemail\":false},\"x\":null}",
	    /* Members keep their order, not sorted. */
	    "{\"z\":1,\"a\":2,\"m\":{\"y\":[],\"b\":{}}}",
	    /* Every escape json_dumps writes, and the ones it reads. */
	    "{\"s\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u0001\\u001F \\u00e9 \\u20AC "
	    "\\ud83d\\ude00\"}",
	    /* UTF-8 as it is, four bytes included. */
	    "{\"s\":\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xa8\"}",
	    /* Integers to both ends of the range, and -0. */
	    "[0,-0,1,-1,9223372036854775807,-9223372036854775808,1234567890123]",
	    " { \"a\" : [ 1 , true , false , null ] , \"b\" : \"\" } \n",
	    "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		same_as_jansson(texts[i]);
}

static void what_it_is_not_sure_of_goes_to_jansson(void **state)
{
	(void)state;
	/* Read by jansson, not by jsonr: reals, an escaped key, a deep nest. */
	left_to_jansson("[1.5]", 5, true);
	left_to_jansson("[1e3]", 5, true);
	left_to_jansson("{\"a\\u0062\":1}", 13, true);
	char deep[2 * JSONR_DEPTH_MAX + 3];
	memset(deep, '[', JSONR_DEPTH_MAX + 1);
	memset(deep + JSONR_DEPTH_MAX + 1, ']', JSONR_DEPTH_MAX + 1);
	left_to_jansson(deep, 2 * JSONR_DEPTH_MAX + 2, true);
	/* Refused by both. */
	static const char *const bad[] = {
	    "",
	    "1",
	    "\"s\"",
	    "{\"a\":1,\"a\":2}",      /* a duplicate key */
	    "[\"\\u0000\"]",	      /* NUL */
	    "[\"\\ud800\"]",	      /* half a pair */
	    "[\"\\udc00\\ud800\"]",   /* the halves the wrong way round */
	    "[\"\\x\"]",	      /* no such escape */
	    "[\"\\u12G4\"]",	      /* not hex */
	    "[\"a\tb\"]",	      /* a raw control character */
	    "[\"\xc3\"]",	      /* cut UTF-8 */
	    "[\"\xc0\xaf\"]",	      /* overlong */
	    "[\"\xed\xa0\x80\"]",     /* a surrogate in UTF-8 */
	    "[9223372036854775808]",  /* too big */
	    "[-9223372036854775809]", /* too small */
	    "[01]",		      /* a leading zero */
	    "[-]",		      /* no digits */
	    "[1,]",		      /* a trailing comma */
	    "{\"a\":1,}",	      /* the same in an object */
	    "{\"a\" 1}",	      /* no colon */
	    "{1:2}",		      /* a key that is not a string */
	    "[tru]",		      /* half a word */
	    "[nulll]",		      /* a word too long */
	    "[1] x",		      /* something after the value */
	    "[1",		      /* not closed */
	    "{\"a\":\"b",	      /* a string not closed */
	    "{\"a\":\"b\\",	      /* nor its escape */
	    "[\"\\u00\"]",	      /* a short \u */
	    "[\"\\ud83d\\u00\"]",     /* a short second half */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		left_to_jansson(bad[i], strlen(bad[i]), false);
	/* A NUL byte outside any string. */
	left_to_jansson("[1]\0", 4, false);
}

/* Trees of every kind of value jsonr reads, made up at random and dumped
 * by jansson, read back by both: the same tree. */
static json_t *random_value(unsigned *seed, int depth)
{
	int kind = depth > 4 ? rand_r(seed) % 5 : rand_r(seed) % 7;
	switch (kind) {
	case 0:
		return json_integer((json_int_t)rand_r(seed) * (rand_r(seed) % 2 ? -1 : 1));
	case 1:
		return json_null();
	case 2:
		return json_boolean(rand_r(seed) % 2);
	case 3:
	case 4: {
		/* Characters that need escaping, and ones that do not. */
		static const char *const parts[] = {"a",
						    "\"",
						    "\\",
						    "/",
						    "\n",
						    "\x01",
						    "\x1f",
						    "\xc3\xa9",
						    " ",
						    "\t",
						    "<b>",
						    "\xf0\x9f\x98\x80",
						    "\xe2\x80\xa8",
						    "Z9"};
		char s[64] = "";
		int n = rand_r(seed) % 8;
		for (int i = 0; i < n; i++)
			strcat(s, parts[rand_r(seed) % (int)(sizeof parts / sizeof parts[0])]);
		return json_string(s);
	}
	case 5: {
		json_t *a = json_array();
		int n = rand_r(seed) % 5;
		for (int i = 0; i < n; i++)
			json_array_append_new(a, random_value(seed, depth + 1));
		return a;
	}
	default: {
		json_t *o = json_object();
		int n = rand_r(seed) % 6;
		for (int i = 0; i < n; i++) {
			char key[16];
			snprintf(key, sizeof key, "k%d", rand_r(seed) % 9);
			json_object_set_new(o, key, random_value(seed, depth + 1));
		}
		return o;
	}
	}
}

static void random_trees_read_back_the_same(void **state)
{
	(void)state;
	unsigned seed = 20261203;
	for (int i = 0; i < 2000; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "v", random_value(&seed, 0));
		char *text = json_dumps(o, JSON_COMPACT);
		same_as_jansson(text);
		free(text);
		json_decref(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(records_read_as_jansson_reads_them),
	    cmocka_unit_test(what_it_is_not_sure_of_goes_to_jansson),
	    cmocka_unit_test(random_trees_read_back_the_same),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
