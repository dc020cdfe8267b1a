/* Unit tests for http/router: matching methods and paths against patterns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/router.h"

struct call;

static void h(struct call *c)
{
	(void)c;
}

static const struct route table[] = {
    {"GET", "/healthz", h, 0, ROUTE_PUBLIC},			/* 0 */
    {"POST", "/api/v1/login", h, 0, ROUTE_PUBLIC},		/* 1 */
    {"GET", "/api/v1/orgs", h, 0, 0},				/* 2 */
    {"POST", "/api/v1/orgs", h, 0, 0},				/* 3 */
    {"GET", "/api/v1/survivors", h, 0, 0},			/* 4 */
    {"POST", "/api/v1/survivors", h, 0, 0},			/* 5 */
    {"GET", "/api/v1/survivors/{id}", h, 0, 0},			/* 6 */
    {"PATCH", "/api/v1/survivors/{id}", h, 0, 0},		/* 7 */
    {"GET", "/api/v1/survivors/{id}/notes", h, 0, 0},		/* 8 */
    {"POST", "/api/v1/survivors/{id}/notes", h, 0, 0},		/* 9 */
    {"GET", "/api/v1/survivors/{id}/notes/{item_id}", h, 0, 0}, /* 10 */
    {"GET", "/api/v1/survivors/{id}/access-log", h, 0, 0},	/* 11 */
    {"PUT", "/api/v1/survivors/{id}/nrm", h, 0, 0},		/* 12 */
    {"GET", "/api/v1/survivors/{id}/nrm", h, 0, 0},		/* 13 */
};
#define NROUTES (sizeof table / sizeof table[0])

static void match(const char *method, const char *path, struct route_match *m)
{
	/* Garbage in the output must not leak into the answer. */
	memset(m, 0xA5, sizeof *m);
	router_match(table, NROUTES, method, path, m);
}

static void expect_no_path(const char *method, const char *path)
{
	struct route_match m;
	match(method, path, &m);
	if (m.route)
		fail_msg("%s %s matched %s %s", method, path, m.route->method, m.route->pattern);
	if (m.path_known)
		fail_msg("%s %s: path_known, want unknown", method, path);
	assert_int_equal(m.nparams, 0);
	assert_string_equal(m.allow, "");
}

static void literal_paths(void **state)
{
	(void)state;
	struct route_match m;
	match("GET", "/api/v1/orgs", &m);
	assert_ptr_equal(m.route, &table[2]);
	assert_true(m.path_known);
	assert_int_equal(m.nparams, 0);
	assert_string_equal(m.allow, "GET, HEAD, POST");

	match("POST", "/api/v1/orgs", &m);
	assert_ptr_equal(m.route, &table[3]);

	match("GET", "/healthz", &m);
	assert_ptr_equal(m.route, &table[0]);
	assert_true(m.route->flags & ROUTE_PUBLIC);
	assert_string_equal(m.allow, "GET, HEAD");

	match("POST", "/api/v1/login", &m);
	assert_ptr_equal(m.route, &table[1]);

	match("GET", "/api/v1/survivors", &m);
	assert_ptr_equal(m.route, &table[4]);
	assert_int_equal(m.nparams, 0);
}

static void params_are_captured(void **state)
{
	(void)state;
	struct route_match m;
	match("GET", "/api/v1/survivors/0123456789abcdef0123456789abcdef", &m);
	assert_ptr_equal(m.route, &table[6]);
	assert_int_equal(m.nparams, 1);
	assert_string_equal(m.params[0], "0123456789abcdef0123456789abcdef");
	assert_string_equal(m.allow, "GET, HEAD, PATCH");

	match("PATCH", "/api/v1/survivors/abc", &m);
	assert_ptr_equal(m.route, &table[7]);
	assert_int_equal(m.nparams, 1);
	assert_string_equal(m.params[0], "abc");

	match("GET", "/api/v1/survivors/s1/notes/n2", &m);
	assert_ptr_equal(m.route, &table[10]);
	assert_int_equal(m.nparams, 2);
	assert_string_equal(m.params[0], "s1");
	assert_string_equal(m.params[1], "n2");
	assert_string_equal(m.allow, "GET, HEAD");

	match("POST", "/api/v1/survivors/s1/notes", &m);
	assert_ptr_equal(m.route, &table[9]);
	assert_int_equal(m.nparams, 1);
	assert_string_equal(m.params[0], "s1");

	/* A literal segment after a parameter picks the right route. */
	match("GET", "/api/v1/survivors/s1/access-log", &m);
	assert_ptr_equal(m.route, &table[11]);
	assert_string_equal(m.route->pattern, "/api/v1/survivors/{id}/access-log");
	assert_string_equal(m.params[0], "s1");

	/* A parameter is one segment: a single character is enough. */
	match("GET", "/api/v1/survivors/x", &m);
	assert_ptr_equal(m.route, &table[6]);
	assert_string_equal(m.params[0], "x");
}

static void trailing_slash_and_empty_segments_do_not_match(void **state)
{
	(void)state;
	expect_no_path("GET", "/api/v1/orgs/");
	expect_no_path("GET", "/healthz/");
	expect_no_path("GET", "/api/v1/survivors/abc/");
	expect_no_path("GET", "/api/v1/survivors/abc/notes/");
	expect_no_path("GET", "/api/v1/survivors//notes");
	expect_no_path("GET", "//api/v1/orgs");
	expect_no_path("GET", "/api//v1/orgs");

	/* "/api/v1/survivors/" is not "/api/v1/survivors" with an empty id. */
	struct route_match m;
	match("GET", "/api/v1/survivors/", &m);
	assert_null(m.route);
	assert_false(m.path_known);
}

static void method_not_allowed_info(void **state)
{
	(void)state;
	struct route_match m;
	match("DELETE", "/api/v1/survivors/abc", &m);
	assert_null(m.route);
	assert_true(m.path_known);
	assert_string_equal(m.allow, "GET, HEAD, PATCH");

	match("PUT", "/api/v1/orgs", &m);
	assert_null(m.route);
	assert_true(m.path_known);
	assert_string_equal(m.allow, "GET, HEAD, POST");

	match("PATCH", "/api/v1/survivors/abc/notes/n1", &m);
	assert_null(m.route);
	assert_true(m.path_known);
	assert_string_equal(m.allow, "GET, HEAD");

	match("POST", "/api/v1/survivors/abc/nrm", &m);
	assert_null(m.route);
	assert_true(m.path_known);
	/* Both methods and HEAD, each once, whatever their order. */
	assert_non_null(strstr(m.allow, "PUT"));
	assert_non_null(strstr(m.allow, "GET"));
	assert_non_null(strstr(m.allow, "HEAD"));
	assert_int_equal(strlen(m.allow), strlen("GET, HEAD, PUT"));

	/* Methods are case-sensitive. */
	match("get", "/api/v1/orgs", &m);
	assert_null(m.route);
	assert_true(m.path_known);
	assert_string_equal(m.allow, "GET, HEAD, POST");
}

static void unknown_paths(void **state)
{
	(void)state;
	expect_no_path("GET", "/api/v1/nothing");
	expect_no_path("GET", "/api/v1/orgsX");
	expect_no_path("GET", "/api/v1/org");
	expect_no_path("GET", "/API/v1/orgs");
	expect_no_path("GET", "/api/v2/orgs");
	expect_no_path("GET", "/api/v1");
	expect_no_path("GET", "/");
	expect_no_path("GET", "");
	expect_no_path("GET", "api/v1/orgs");
	expect_no_path("GET", "/api/v1/survivors/abc/notes/n1/extra");
	expect_no_path("GET", "/api/v1/survivors/abc/unknown");

	/* An empty table matches nothing. */
	struct route_match m;
	memset(&m, 0xA5, sizeof m);
	router_match(table, 0, "GET", "/api/v1/orgs", &m);
	assert_null(m.route);
	assert_false(m.path_known);
}

static void long_params(void **state)
{
	(void)state;
	char path[512];
	const char *prefix = "/api/v1/survivors/";
	size_t plen = strlen(prefix);

	/* ROUTE_PARAM_MAX - 1 characters fit (with the NUL). */
	memcpy(path, prefix, plen);
	memset(path + plen, 'a', ROUTE_PARAM_MAX - 1);
	path[plen + ROUTE_PARAM_MAX - 1] = '\0';
	struct route_match m;
	match("GET", path, &m);
	assert_ptr_equal(m.route, &table[6]);
	assert_int_equal(strlen(m.params[0]), ROUTE_PARAM_MAX - 1);
	assert_memory_equal(m.params[0], path + plen, ROUTE_PARAM_MAX - 1);

	/* ROUTE_PARAM_MAX characters match nothing, not even for a 405. */
	memset(path + plen, 'a', ROUTE_PARAM_MAX);
	path[plen + ROUTE_PARAM_MAX] = '\0';
	expect_no_path("GET", path);
	expect_no_path("DELETE", path);

	/* Much longer, and in the second parameter. */
	memset(path + plen, 'b', 300);
	path[plen + 300] = '\0';
	expect_no_path("GET", path);
	int n = snprintf(path, sizeof path, "/api/v1/survivors/s1/notes/");
	assert_true(n > 0);
	memset(path + n, 'c', ROUTE_PARAM_MAX);
	path[(size_t)n + ROUTE_PARAM_MAX] = '\0';
	expect_no_path("GET", path);
}

static void dot_segments_are_not_resolved(void **state)
{
	(void)state;
	struct route_match m;
	match("GET", "/api/v1/survivors/../orgs", &m);
	assert_null(m.route);
	assert_false(m.path_known);
	match("POST", "/api/v1/survivors/../orgs", &m);
	assert_null(m.route);
	expect_no_path("GET", "/api/v1/./orgs");
	expect_no_path("GET", "/api/v1/orgs/.");
	expect_no_path("GET", "/api/v1/orgs/..");
	expect_no_path("GET", "/api/v1/survivors/x/../../orgs");
}

static void patterns_with_many_params(void **state)
{
	(void)state;
	static const struct route four[] = {
	    {"GET", "/a/{p1}/b/{p2}/c/{p3}/d/{p4}", h, 0, 0},
	};
	struct route_match m;
	memset(&m, 0, sizeof m);
	router_match(four, 1, "GET", "/a/1/b/22/c/333/d/4444", &m);
	assert_ptr_equal(m.route, &four[0]);
	assert_int_equal(m.nparams, ROUTE_MAX_PARAMS);
	assert_string_equal(m.params[0], "1");
	assert_string_equal(m.params[1], "22");
	assert_string_equal(m.params[2], "333");
	assert_string_equal(m.params[3], "4444");
	router_match(four, 1, "GET", "/a/1/b/22/c/333/x/4444", &m);
	assert_null(m.route);
	assert_int_equal(m.nparams, 0);
}

static void head_matches_every_get_route(void **state)
{
	(void)state;
	struct route_match m;
	for (size_t i = 0; i < NROUTES; i++) {
		if (strcmp(table[i].method, "GET") != 0)
			continue;
		char path[128];
		/* Fill each {name} with "x". */
		size_t o = 0;
		for (const char *p = table[i].pattern; *p && o + 2 < sizeof path; p++) {
			if (*p == '{') {
				path[o++] = 'x';
				p = strchr(p, '}');
			} else {
				path[o++] = *p;
			}
		}
		path[o] = '\0';
		match("HEAD", path, &m);
		if (m.route != &table[i])
			fail_msg("HEAD %s did not match GET %s", path, table[i].pattern);
	}
	/* Not where there is no GET. */
	match("HEAD", "/api/v1/login", &m);
	assert_null(m.route);
	assert_true(m.path_known);
	assert_string_equal(m.allow, "POST");
}

static void paths_are_matched_raw(void **state)
{
	(void)state;
	struct route_match m;
	/* %2F is a character, never a separator. */
	expect_no_path("GET", "/api/v1/survivors%2Fabc");
	expect_no_path("GET", "/api/v1/survivors%2fabc");
	expect_no_path("GET", "/api%2Fv1%2Forgs");
	/* Literal segments match their exact spelling only. */
	expect_no_path("GET", "/api/v1/%6Frgs");
	expect_no_path("GET", "/healthz%20");
	/* A parameter is decoded once cut out. */
	match("GET", "/api/v1/survivors/a%2Fb", &m);
	assert_ptr_equal(m.route, &table[6]);
	assert_string_equal(m.params[0], "a/b");
	match("GET", "/api/v1/survivors/%41%62c%25/notes/%7e", &m);
	assert_ptr_equal(m.route, &table[10]);
	assert_string_equal(m.params[0], "Abc%");
	assert_string_equal(m.params[1], "~");
	match("GET", "/api/v1/survivors/..%2F..%2Fetc/access-log", &m);
	assert_ptr_equal(m.route, &table[11]);
	assert_string_equal(m.params[0], "../../etc");
}

static void bad_escapes_and_nul_match_nothing(void **state)
{
	(void)state;
	expect_no_path("GET", "/api/v1/survivors/%00");
	expect_no_path("GET", "/api/v1/survivors/abc%00def");
	expect_no_path("GET", "/api/v1/survivors/%zz");
	expect_no_path("GET", "/api/v1/survivors/%4");
	expect_no_path("GET", "/api/v1/survivors/abc%");
	expect_no_path("GET", "/api/v1/survivors/%/notes");
	/* A parameter too long once decoded still matches nothing. */
	char path[1024];
	int n = snprintf(path, sizeof path, "/api/v1/survivors/");
	for (int i = 0; i < ROUTE_PARAM_MAX; i++)
		n += snprintf(path + n, sizeof path - (size_t)n, "%%41");
	expect_no_path("GET", path);
	/* ...and exactly the limit fits: ROUTE_PARAM_MAX - 1 decoded bytes. */
	n = snprintf(path, sizeof path, "/api/v1/survivors/");
	for (int i = 0; i < ROUTE_PARAM_MAX - 1; i++)
		n += snprintf(path + n, sizeof path - (size_t)n, "%%41");
	struct route_match m;
	match("GET", path, &m);
	assert_ptr_equal(m.route, &table[6]);
	assert_int_equal(strlen(m.params[0]), ROUTE_PARAM_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(literal_paths),
	    cmocka_unit_test(params_are_captured),
	    cmocka_unit_test(trailing_slash_and_empty_segments_do_not_match),
	    cmocka_unit_test(method_not_allowed_info),
	    cmocka_unit_test(unknown_paths),
	    cmocka_unit_test(long_params),
	    cmocka_unit_test(dot_segments_are_not_resolved),
	    cmocka_unit_test(patterns_with_many_params),
	    cmocka_unit_test(head_matches_every_get_route),
	    cmocka_unit_test(paths_are_matched_raw),
	    cmocka_unit_test(bad_escapes_and_nul_match_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
