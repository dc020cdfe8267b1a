/* Unit tests for render/pdf: directions, page breaks, the title. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/pdf.h"

static void right_to_left_languages(void **state)
{
	(void)state;
	assert_true(pdf_lang_rtl("ar"));
	assert_true(pdf_lang_rtl("ar-SD"));
	assert_true(pdf_lang_rtl("fa"));
	assert_true(pdf_lang_rtl("ckb"));
	assert_false(pdf_lang_rtl("am"));
	assert_false(pdf_lang_rtl("ti"));
	assert_false(pdf_lang_rtl("vi"));
	assert_false(pdf_lang_rtl("a"));
	assert_false(pdf_lang_rtl("arn")); /* Mapudungun is not Arabic */
	assert_false(pdf_lang_rtl(""));
	assert_false(pdf_lang_rtl(NULL));
}

/* How many times needle occurs in the len bytes of hay. */
static int count(const char *hay, size_t len, const char *needle)
{
	int n = 0;
	size_t nl = strlen(needle);
	for (size_t i = 0; i + nl <= len; i++)
		if (memcmp(hay + i, needle, nl) == 0)
			n++;
	return n;
}

static int pages(const char *title, int rows, char **out, size_t *len)
{
	struct pdf_doc *d = pdf_new(title);
	assert_non_null(d);
	pdf_title(d, "A heading", NULL);
	pdf_paragraph(d, "مرحبا", "ar");
	static const double widths[2] = {1, 2};
	for (int i = 0; i < rows; i++) {
		char label[32];
		snprintf(label, sizeof label, "Row %d", i);
		struct pdf_cell cells[2] = {{{{label, NULL}, {"ሰላም", "ti"}}},
					    {{{"Xin chào", "vi"}, {NULL, NULL}}}};
		pdf_row(d, 2, cells, widths, i == 0);
	}
	pdf_footer(d, "A footer", NULL);
	assert_int_equal(pdf_finish(d, out, len), WM_OK);
	pdf_free(d);
	assert_true(*len > 5);
	assert_memory_equal(*out, "%PDF-", 5);
	return count(*out, *len, "/Type /Page\n") + count(*out, *len, "/Type /Page ") +
	       count(*out, *len, "/Type /Page>");
}

static void rows_break_onto_new_pages(void **state)
{
	(void)state;
	char *pdf;
	size_t len;
	int one = pages("Appointment card", 3, &pdf, &len);
	assert_true(count(pdf, len, "(Appointment card)") > 0); /* the Title, in clear */
	free(pdf);
	int many = pages("Access report", 120, &pdf, &len);
	free(pdf);
	assert_int_equal(one, 1);
	assert_true(many > 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(right_to_left_languages),
	    cmocka_unit_test(rows_break_onto_new_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
