/* Unit tests for domain/import: how a spreadsheet's cells are read (dates,
 * the languages field, Windows-1252 text, the --map of headings) and where
 * a rule's failure is reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "domain/import.h"

static void uk_dates_and_iso(void **state)
{
	(void)state;
	char out[DATE_TEXT_LEN];
	assert_true(import_date("01/10/2026", NULL, out));
	assert_string_equal(out, "2026-10-01");
	assert_true(import_date(" 2/3/2026 ", NULL, out)); /* one digit, spaces */
	assert_string_equal(out, "2026-03-02");
	assert_true(import_date("2026-03-02", NULL, out)); /* ISO always */
	assert_string_equal(out, "2026-03-02");
	assert_true(import_date("29/02/2024", NULL, out));
	assert_false(import_date("29/02/2026", NULL, out)); /* no such day */
	assert_false(import_date("31/04/2026", NULL, out));
	assert_false(import_date("13/13/2026", NULL, out));
	assert_false(import_date("01/10/26", NULL, out));
	assert_false(import_date("01/10/2026x", NULL, out));
	assert_false(import_date("", NULL, out));
	assert_false(import_date("45000", NULL, out)); /* a serial number is not a date here */
}

static void other_date_formats(void **state)
{
	(void)state;
	char out[DATE_TEXT_LEN];
	assert_true(import_date("10/31/2026", "mm/dd/yyyy", out));
	assert_string_equal(out, "2026-10-31");
	assert_false(import_date("31/10/2026", "mm/dd/yyyy", out));
	assert_true(import_date("31.10.2026", "dd.mm.yyyy", out));
	assert_string_equal(out, "2026-10-31");
	assert_true(import_date_format_ok("mm/dd/yyyy"));
	assert_false(import_date_format_ok("dd/mm"));
	assert_false(import_date_format_ok("yyyy"));
}

/* Excel's serials: 1 is 1900-01-01, 59 is 1900-02-28, 60 the 29th of
 * February 1900 that Excel counts but never was, 61 is 1900-03-01; 45292 is
 * 2024-01-01; a time of day is dropped. From 1904: 0 would be 1904-01-01. */
static void excel_date_serials(void **state)
{
	(void)state;
	char d[DATE_TEXT_LEN];
	assert_true(import_excel_serial("1", false, d));
	assert_string_equal(d, "1900-01-01");
	assert_true(import_excel_serial("59", false, d));
	assert_string_equal(d, "1900-02-28");
	assert_false(import_excel_serial("60", false, d));
	assert_true(import_excel_serial("61", false, d));
	assert_string_equal(d, "1900-03-01");
	assert_true(import_excel_serial("45292", false, d));
	assert_string_equal(d, "2024-01-01");
	assert_true(import_excel_serial("46295.75", false, d));
	assert_string_equal(d, "2026-09-30");
	assert_true(import_excel_serial("2958465", false, d));
	assert_string_equal(d, "9999-12-31");
	assert_true(import_excel_serial("43830", true, d));
	assert_string_equal(d, "2024-01-01");
	const char *bad[] = {"", "0", "-5", "2958466", "12ab", "1e5", ".5", " 45292"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(import_excel_serial(bad[i], false, d));
}

static void languages_field(void **state)
{
	(void)state;
	json_t *l = import_languages(" sq* ; en;;ti ");
	assert_non_null(l);
	json_t *want = json_loads("[{\"code\":\"sq\",\"interpreter_needed\":true},"
				  "{\"code\":\"en\",\"interpreter_needed\":false},"
				  "{\"code\":\"ti\",\"interpreter_needed\":false}]",
				  0, NULL);
	assert_true(json_equal(l, want));
	json_decref(l);
	json_decref(want);
	l = import_languages("");
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
}

/* "Ana:2019;Luka": names with their birth years, split at the last colon. */
static void dependants_field(void **state)
{
	(void)state;
	json_t *d = import_dependants(" Ana : 2019 ;; Luka;Mar:ia:2021 ");
	assert_non_null(d);
	json_t *want =
	    json_loads("[{\"known_as\":\"Ana\",\"birth_year\":2019},{\"known_as\":\"Luka\"},"
		       "{\"known_as\":\"Mar:ia\",\"birth_year\":2021}]",
		       0, NULL);
	assert_true(json_equal(d, want));
	json_decref(want);
	json_decref(d);
	d = import_dependants("");
	assert_int_equal(json_array_size(d), 0);
	json_decref(d);
	/* A year that is not four digits, or a year with no name: refused. */
	assert_null(import_dependants("Ana:19"));
	assert_null(import_dependants("Ana:twenty"));
	assert_null(import_dependants(":2019"));
	assert_null(import_dependants("Ana:"));
}

static void cp1252_to_utf8(void **state)
{
	(void)state;
	/* "Zoë – €5" in Windows-1252: ë is 0xEB, the en dash 0x96, the euro 0x80. */
	const unsigned char in[] = {'Z', 'o', 0xeb, ' ', 0x96, ' ', 0x80, '5'};
	size_t n;
	char *out = import_cp1252_to_utf8(in, sizeof in, &n);
	assert_non_null(out);
	assert_string_equal(out, "Zo\xc3\xab \xe2\x80\x93 \xe2\x82\xac"
				 "5");
	assert_int_equal(n, strlen(out));
	free(out);
	/* 0x81 is undefined in the code page: the replacement character. */
	const unsigned char undef[] = {0x81};
	out = import_cp1252_to_utf8(undef, 1, &n);
	assert_string_equal(out, "\xef\xbf\xbd");
	free(out);
}

static void mapping_headings(void **state)
{
	(void)state;
	json_t *map = json_loads("{\"Case no\": \"ref\", \"Name\": \"known_as\"}", 0, NULL);
	assert_string_equal(import_column_for(map, "Case no")->name, "ref");
	assert_string_equal(import_column_for(map, " Name ")->name, "known_as");
	/* Our own headings are read with or without a map. */
	assert_string_equal(import_column_for(map, "gp_registered_on")->name, "gp_registered_on");
	assert_string_equal(import_column_for(NULL, "nrm_referred_on")->field, "referred_on");
	assert_null(import_column_for(map, "Surname"));
	assert_null(import_column_for(NULL, "Case no"));
	json_decref(map);
}

static void a_row_becomes_records(void **state)
{
	(void)state;
	const char *headings[] = {"Case no",	      "known_as",	 "phone",     "languages",
				  "gp_registered_on", "nrm_referred_on", "birth_year"};
	const struct import_column *cols[7];
	json_t *map = json_loads("{\"Case no\": \"ref\"}", 0, NULL);
	for (int i = 0; i < 7; i++)
		cols[i] = import_column_for(map, headings[i]);
	const char *cells[] = {"NG-1",	     " Ardita  ", "07700 900123", "sq*",
			       "03/10/2026", "",	  "1994"};
	struct import_row row;
	struct import_problem p;
	assert_true(import_row_build(cols, headings, cells, 7, NULL, &row, &p));
	assert_string_equal(row.ref, "NG-1");
	json_t *want =
	    json_loads("{\"known_as\":\"Ardita\",\"contact\":{\"phone\":\"07700 900123\"},"
		       "\"languages\":[{\"code\":\"sq\",\"interpreter_needed\":true}],"
		       "\"birth_year\":1994}",
		       0, NULL);
	assert_true(json_equal(row.bodies[IMPORT_SURVIVOR], want));
	json_decref(want);
	want = json_loads("{\"service\":\"gp\",\"registered_on\":\"2026-10-03\"}", 0, NULL);
	assert_true(json_equal(row.bodies[IMPORT_GP], want));
	json_decref(want);
	assert_null(row.bodies[IMPORT_NRM]); /* every NRM cell empty: no NRM */
	/* A rule broken under contact.phone is told by the file's heading. */
	assert_string_equal(
	    import_column_of_field(IMPORT_SURVIVOR, "contact.phone", cols, headings, 7), "phone");
	assert_string_equal(
	    import_column_of_field(IMPORT_SURVIVOR, "languages[0].code", cols, headings, 7),
	    "languages");
	assert_string_equal(
	    import_column_of_field(IMPORT_SURVIVOR, "entered_service_on", cols, headings, 7),
	    "entered_service_on");
	import_row_clear(&row);

	/* A cell that cannot be read is told by its column, not its value. */
	cells[6] = "nineteen";
	assert_false(import_row_build(cols, headings, cells, 7, NULL, &row, &p));
	assert_string_equal(p.column, "birth_year");
	assert_null(strstr(p.message, "nineteen"));
	json_decref(map);
}

/* The contact flags and care needs land in their objects beside the phone. */
static void contact_flags_and_care_needs(void **state)
{
	(void)state;
	const char *headings[] = {"ref",	  "known_as",	       "phone",
				  "safe_to_call", "safe_voicemail",    "clinician_gender",
				  "status",	  "approach_with_care"};
	const struct import_column *cols[8];
	for (int i = 0; i < 8; i++)
		cols[i] = import_column_for(NULL, headings[i]);
	const char *cells[] = {"R-2", "Lina",	"07700 900124", "yes",
			       "no",  "female", "closed",	"Knock before entering"};
	struct import_row row;
	struct import_problem p;
	assert_true(import_row_build(cols, headings, cells, 8, NULL, &row, &p));
	json_t *want = json_loads("{\"known_as\":\"Lina\",\"status\":\"closed\","
				  "\"contact\":{\"phone\":\"07700 "
				  "900124\",\"safe_to_call\":true,\"safe_voicemail\":false},"
				  "\"care_needs\":{\"clinician_gender\":\"female\","
				  "\"approach_with_care\":\"Knock before entering\"}}",
				  0, NULL);
	assert_non_null(want);
	assert_true(json_equal(row.bodies[IMPORT_SURVIVOR], want));
	json_decref(want);
	assert_string_equal(import_column_of_field(IMPORT_SURVIVOR, "care_needs.clinician_gender",
						   cols, headings, 8),
			    "clinician_gender");
	import_row_clear(&row);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(uk_dates_and_iso),
	    cmocka_unit_test(other_date_formats),
	    cmocka_unit_test(excel_date_serials),
	    cmocka_unit_test(languages_field),
	    cmocka_unit_test(dependants_field),
	    cmocka_unit_test(cp1252_to_utf8),
	    cmocka_unit_test(mapping_headings),
	    cmocka_unit_test(a_row_becomes_records),
	    cmocka_unit_test(contact_flags_and_care_needs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
