/* Unit tests for util/buf: growth, formatting, HTML escaping, taking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static void grows_past_its_first_block(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%04d,", i);
	size_t len = 0;
	char *s = buf_take(&b, &len);
	assert_non_null(s);
	assert_int_equal(len, 5000);
	assert_int_equal(strlen(s), 5000);
	assert_memory_equal(s, "0000,0001,", 10);
	assert_string_equal(s + 4995, "0999,");
	assert_null(b.p);
	free(s);
}

static void long_formatted_text_is_whole(void **state)
{
	(void)state;
	char big[600];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	struct buf b = BUF_INIT;
	buf_adds(&b, "<");
	buf_addf(&b, "%s|%d", big, 42);
	char *s = buf_take(&b, NULL);
	assert_int_equal(strlen(s), 1 + 599 + 3);
	assert_string_equal(s + 600, "|42");
	free(s);
}

static void html_escapes_every_special_character(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	const char *in = "<script>alert('x')</script> & \"q\" `b` caf\xC3\xA9";
	buf_add_html(&b, in, strlen(in));
	char *s = buf_take(&b, NULL);
	assert_string_equal(s,
			    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; "
			    "&#96;b&#96; caf\xC3\xA9");
	free(s);
}

static void empty_buffer_takes_as_empty_string(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	size_t len = 7;
	char *s = buf_take(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	buf_addc(&b, 'a');
	buf_wipe(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(grows_past_its_first_block),
	    cmocka_unit_test(long_formatted_text_is_whole),
	    cmocka_unit_test(html_escapes_every_special_character),
	    cmocka_unit_test(empty_buffer_takes_as_empty_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
