/*
 * Unit tests for render/mustache: every test of the official Mustache
 * specification (tests/data/mustache-spec/, read from the repository's root,
 * where the test runner starts), then what the specification leaves to us:
 * escaping of hostile values, syntax errors with their line, partials that
 * include themselves, truthiness, numbers, template sets, rendering from
 * several threads, and arbitrary bytes as a template.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/mustache.h"
#include "util/buf.h"

#define SPEC_DIR "tests/data/mustache-spec/"

/* ---- the specification ---------------------------------------------- */

/* Runs one spec test; prints why and answers false when it fails. */
static bool run_spec_test(const char *file, json_t *test)
{
	const char *name = json_string_value(json_object_get(test, "name"));
	const char *tpl = json_string_value(json_object_get(test, "template"));
	const char *expected = json_string_value(json_object_get(test, "expected"));
	json_t *data = json_object_get(test, "data");
	json_t *partials = json_object_get(test, "partials");
	if (!name || !tpl || !expected) {
		print_message("%s: a test without name, template or expected\n", file);
		return false;
	}

	size_t n = json_object_size(partials), i = 0;
	struct mustache_source *srcs = calloc(n ? n : 1, sizeof *srcs);
	assert_non_null(srcs);
	const char *key;
	json_t *val;
	json_object_foreach(partials, key, val)
	{
		srcs[i].name = key;
		srcs[i].src = json_string_value(val);
		srcs[i].len = json_string_length(val);
		i++;
	}
	char msg[256];
	struct mustache_set *set = NULL;
	struct mustache *m = NULL;
	bool ok = false;
	struct buf out = BUF_INIT;
	if (mustache_set_new(srcs, n, &set, msg, sizeof msg) != WM_OK) {
		print_message("%s: \"%s\": partials do not compile: %s\n", file, name, msg);
	} else if (mustache_compile(tpl, strlen(tpl), &m, msg, sizeof msg) != WM_OK) {
		print_message("%s: \"%s\": does not compile: %s\n", file, name, msg);
	} else if (mustache_render(m, data, mustache_set_resolve, set, &out, msg, sizeof msg) !=
		   WM_OK) {
		print_message("%s: \"%s\": does not render: %s\n", file, name, msg);
	} else if (strcmp(out.p ? out.p : "", expected) != 0) {
		json_t *e = json_string(expected), *g = json_string(out.p ? out.p : "");
		char *es = json_dumps(e, JSON_ENCODE_ANY), *gs = json_dumps(g, JSON_ENCODE_ANY);
		print_message("%s: \"%s\": expected %s, got %s\n", file, name, es, gs);
		free(es);
		free(gs);
		json_decref(e);
		json_decref(g);
	} else {
		ok = true;
	}
	buf_free(&out);
	mustache_free(m);
	mustache_set_free(set);
	free(srcs);
	return ok;
}

/* Runs every test of one spec file; a file that is missing, unreadable or
 * holds no tests fails, never skips. */
static void run_spec_file(const char *file)
{
	char path[256];
	snprintf(path, sizeof path, SPEC_DIR "%s", file);
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc)
		fail_msg("%s: cannot read (%s); run from the repository's root", path, je.text);
	json_t *tests = json_object_get(doc, "tests");
	size_t n = json_array_size(tests), failed = 0;
	if (!n) {
		json_decref(doc);
		fail_msg("%s: no tests", path);
	}
	for (size_t i = 0; i < n; i++)
		failed += !run_spec_test(file, json_array_get(tests, i));
	json_decref(doc);
	print_message("%s: %zu of %zu spec tests passed\n", file, n - failed, n);
	if (failed)
		fail_msg("%s: %zu of %zu spec tests failed", file, failed, n);
}

/* One cmocka test per spec file, named after it; the file name is the
 * test's initial state. */
static void spec_file(void **state)
{
	run_spec_file(*state);
}

#define SPEC_TEST(file)                                                                            \
	{                                                                                          \
		"spec " file, spec_file, NULL, NULL, (void *)(file)                                \
	}

/* ---- helpers ---------------------------------------------------------- */

/* Renders tpl against the JSON text data (with the set's partials when set
 * is not NULL) and returns the output, malloc'd; fails the test on error. */
static char *render(const char *tpl, const char *data, const struct mustache_set *set)
{
	char msg[256];
	struct mustache *m = NULL;
	wm_err e = mustache_compile(tpl, strlen(tpl), &m, msg, sizeof msg);
	if (e != WM_OK)
		fail_msg("compile: %s", msg);
	json_error_t je;
	json_t *d = json_loads(data, JSON_DECODE_ANY, &je);
	assert_non_null(d);
	struct buf out = BUF_INIT;
	e = mustache_render(m, d, set ? mustache_set_resolve : NULL, (void *)set, &out, msg,
			    sizeof msg);
	if (e != WM_OK)
		fail_msg("render: %s", msg);
	json_decref(d);
	mustache_free(m);
	char *s = buf_take(&out, NULL);
	assert_non_null(s);
	return s;
}

static void assert_renders(const char *tpl, const char *data, const char *want)
{
	char *s = render(tpl, data, NULL);
	assert_string_equal(s, want);
	free(s);
}

/* Compiles tpl, expects a syntax error, and returns its message. */
static void assert_syntax_error(const char *tpl, const char *want_in_msg)
{
	char msg[256];
	struct mustache *m = (struct mustache *)&msg; /* must be reset to NULL */
	assert_int_equal(mustache_compile(tpl, strlen(tpl), &m, msg, sizeof msg), WM_ERR_INVALID);
	assert_null(m);
	if (!strstr(msg, want_in_msg))
		fail_msg("\"%s\" does not contain \"%s\"", msg, want_in_msg);
}

static struct mustache_set *make_set(const struct mustache_source *srcs, size_t n)
{
	char msg[256];
	struct mustache_set *set = NULL;
	if (mustache_set_new(srcs, n, &set, msg, sizeof msg) != WM_OK)
		fail_msg("set: %s", msg);
	return set;
}

#define SRC(name, text)                                                                            \
	{                                                                                          \
		name, text, sizeof text - 1                                                        \
	}

/* ---- escaping --------------------------------------------------------- */

static void escapes_hostile_values(void **state)
{
	(void)state;
	const char *data = "{\"x\": \"<script>alert('x')</script> & \\\"q\\\" `b`\"}";
	assert_renders("<p title=\"{{x}}\">{{x}}</p>", data,
		       "<p title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
		       "&quot;q&quot; &#96;b&#96;\">&lt;script&gt;alert(&#39;x&#39;)&lt;/"
		       "script&gt; &amp; &quot;q&quot; &#96;b&#96;</p>");
	/* Unescaped only where the template says so. */
	assert_renders("{{{x}}}|{{&x}}", "{\"x\": \"<b>\"}", "<b>|<b>");
	/* Values are data, never template: a value holding tags prints them. */
	assert_renders("{{x}}", "{\"x\": \"{{y}}\", \"y\": \"no\"}", "{{y}}");
	/* Dotted and implicit-iterator lookups escape too. */
	assert_renders("{{a.b}}{{#l}}{{.}}{{/l}}", "{\"a\": {\"b\": \"<\"}, \"l\": [\">\"]}",
		       "&lt;&gt;");
}

/* ---- syntax errors ---------------------------------------------------- */

static void reports_syntax_errors_with_their_line(void **state)
{
	(void)state;
	assert_syntax_error("a\nb\n{{#items}}\nx\n", "line 3: \"items\" is not closed");
	assert_syntax_error("{{#a}}\n\n{{/b}}", "line 3: closing tag \"b\" does not match \"a\"");
	assert_syntax_error("x\n{{/a}}", "line 2: closing tag \"a\" closes nothing");
	assert_syntax_error("\n\n  {{name", "line 3: tag not closed");
	assert_syntax_error("{{! a\nlong comment }}\n{{{x}}", "line 3: tag not closed");
	assert_syntax_error("{{=<% =}}", "line 1: bad set-delimiter tag");
	assert_syntax_error("{{=<% a b %>=}}", "line 1: bad set-delimiter tag");
	assert_syntax_error("{{=<%= %>=}}", "line 1: bad set-delimiter tag");
	assert_syntax_error("\n{{}}", "line 2: empty tag name");
	assert_syntax_error("{{#}}{{/}}", "line 1: empty tag name");
	assert_syntax_error("{{a b}}", "whitespace");
	assert_syntax_error("{{a..b}}", "empty part");
	assert_syntax_error("{{.a}}", "empty part");
	assert_syntax_error("{{<p}}\n{{$b}}\n{{/p}}", "line 3: closing tag \"p\" does not match");
	/* Errors name the template in a set. */
	const struct mustache_source srcs[] = {SRC("good", "{{x}}"), SRC("page", "\n{{#x}}")};
	char msg[256];
	struct mustache_set *set = NULL;
	assert_int_equal(mustache_set_new(srcs, 2, &set, msg, sizeof msg), WM_ERR_INVALID);
	assert_null(set);
	assert_string_equal(msg, "page: line 2: \"x\" is not closed");
}

static void rejects_sections_nested_without_end(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 5000; i++)
		buf_adds(&b, "{{#a}}");
	char msg[256];
	struct mustache *m = NULL;
	assert_int_equal(mustache_compile(b.p, b.len, &m, msg, sizeof msg), WM_ERR_INVALID);
	assert_non_null(strstr(msg, "line 1: sections nested more than 100 deep"));
	buf_free(&b);
}

/* ---- recursion -------------------------------------------------------- */

static void render_error(const struct mustache_set *set, const char *name, const char *want)
{
	char msg[256];
	struct buf out = BUF_INIT;
	json_t *data = json_object();
	assert_int_equal(mustache_set_render(set, name, data, &out, msg, sizeof msg),
			 WM_ERR_INVALID);
	if (!strstr(msg, want))
		fail_msg("\"%s\" does not contain \"%s\"", msg, want);
	json_decref(data);
	buf_free(&out);
}

static void bounds_partials_that_include_themselves(void **state)
{
	(void)state;
	const struct mustache_source srcs[] = {
	    SRC("self", "x{{>self}}"),
	    SRC("ping", "{{>pong}}"),
	    SRC("pong", "  {{>ping}}\n"),
	    SRC("parent", "{{<parent}}{{/parent}}"),
	    SRC("child", "{{<p}}{{$a}}{{$a}}x{{/a}}{{/a}}{{/p}}"),
	    SRC("p", "{{$a}}{{/a}}"),
	};
	struct mustache_set *set = make_set(srcs, sizeof srcs / sizeof *srcs);
	render_error(set, "self", "partials nested more than 64 deep");
	render_error(set, "ping", "partials nested more than 64 deep");
	render_error(set, "parent", "partials nested more than 64 deep");
	/* A block whose override holds the same block again. */
	render_error(set, "child", "nested too deep");
	mustache_set_free(set);
}

/* A partial may recurse over nested data; each level must say it has no
 * children ("kids": []), or the lookup finds its parent's kids again (the
 * context stack) and the recursion only ends at the depth limit. */
/* Sections nested over lists multiply: 30 levels over 3 items would visit
 * 3^30 nodes. The render stops at its budget instead of running for ever. */
static void bounds_the_work_of_one_render(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 30; i++)
		buf_adds(&b, "{{#a}}x");
	for (int i = 0; i < 30; i++)
		buf_adds(&b, "{{/a}}");
	const struct mustache_source srcs[] = {{"deep", b.p, b.len}};
	struct mustache_set *set = make_set(srcs, 1);
	buf_free(&b);
	json_t *data = json_loads("{\"a\": [1, 2, 3]}", 0, NULL);
	char msg[256];
	struct buf out = BUF_INIT;
	assert_int_equal(mustache_set_render(set, "deep", data, &out, msg, sizeof msg),
			 WM_ERR_INVALID);
	assert_string_equal(msg, "template too costly to render");
	buf_free(&out);
	json_decref(data);
	mustache_set_free(set);
}

static void recursion_over_data_is_fine(void **state)
{
	(void)state;
	const struct mustache_source srcs[] = {
	    SRC("tree", "{{name}}({{#kids}}{{>tree}}{{/kids}})"),
	};
	struct mustache_set *set = make_set(srcs, 1);
	char *s = render("{{>tree}}",
			 "{\"name\": \"a\", \"kids\": [{\"name\": \"b\", \"kids\": [{\"name\": "
			 "\"c\", \"kids\": []}]}, {\"name\": \"d\", \"kids\": []}]}",
			 set);
	assert_string_equal(s, "a(b(c())d())");
	free(s);
	mustache_set_free(set);
}

/* ---- values ----------------------------------------------------------- */

static void formats_numbers_and_booleans(void **state)
{
	(void)state;
	assert_renders("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}} {{h}}",
		       "{\"a\": 1.21, \"b\": 100.0, \"c\": 0.1, \"d\": -7, \"e\": "
		       "9223372036854775807, \"f\": true, \"g\": false, \"h\": 1e300}",
		       "1.21 100 0.1 -7 9223372036854775807 true false 1e+300");
	/* null, objects and arrays print nothing. */
	assert_renders("[{{n}}{{o}}{{l}}]", "{\"n\": null, \"o\": {\"k\": 1}, \"l\": [1]}", "[]");
}

static void falsey_as_the_spec_says(void **state)
{
	(void)state;
	const char *tpl = "{{#v}}T{{/v}}{{^v}}F{{/v}}";
	const char *cases[][2] = {
	    {"{\"v\": \"\"}", "F"},
	    {"{\"v\": 0}", "F"},
	    {"{\"v\": 0.0}", "F"},
	    {"{\"v\": null}", "F"},
	    {"{\"v\": false}", "F"},
	    {"{\"v\": []}", "F"},
	    {"{}", "F"},
	    {"{\"v\": \"0\"}", "T"},
	    {"{\"v\": 2}", "T"},
	    {"{\"v\": {}}", "T"},
	    {"{\"v\": [0]}", "T"},
	    {"{\"v\": true}", "T"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *s = render(tpl, cases[i][0], NULL);
		if (strcmp(s, cases[i][1]))
			fail_msg("%s: got %s, want %s", cases[i][0], s, cases[i][1]);
		free(s);
	}
}

static void renders_without_data_or_resolver(void **state)
{
	(void)state;
	struct mustache *m = NULL;
	const char *tpl = "a{{x}}{{#y}}b{{/y}}{{^y}}c{{/y}}{{>p}}{{.}}";
	assert_int_equal(mustache_compile(tpl, strlen(tpl), &m, NULL, 0), WM_OK);
	struct buf out = BUF_INIT;
	assert_int_equal(mustache_render(m, NULL, NULL, NULL, &out, NULL, 0), WM_OK);
	assert_string_equal(out.p, "ac");
	buf_free(&out);
	mustache_free(m);
	/* An empty template renders nothing. */
	assert_int_equal(mustache_compile(NULL, 0, &m, NULL, 0), WM_OK);
	assert_int_equal(mustache_render(m, NULL, NULL, NULL, &out, NULL, 0), WM_OK);
	assert_int_equal(out.len, 0);
	mustache_free(m);
}

/* ---- template sets ---------------------------------------------------- */

static void sets_resolve_partials_and_parents_by_name(void **state)
{
	(void)state;
	const struct mustache_source srcs[] = {
	    SRC("layout", "<html>\n  <title>{{$title}}Waymark{{/title}}</title>\n  <body>\n    "
			  "{{$body}}\n    {{/body}}\n  </body>\n</html>\n"),
	    SRC("page", "{{<layout}}\n{{$title}}{{name}} - Waymark{{/title}}\n{{$body}}\n<ul>\n"
			"{{#items}}\n  {{>item}}\n{{/items}}\n</ul>\n{{/body}}\n{{/layout}}\n"),
	    SRC("item", "<li>{{.}}</li>\n"),
	};
	struct mustache_set *set = make_set(srcs, 3);
	char msg[256];
	assert_int_equal(mustache_set_check(set, msg, sizeof msg), WM_OK);
	assert_non_null(mustache_set_get(set, "item"));
	assert_null(mustache_set_get(set, "nothing"));
	json_t *data = json_pack("{s:s, s:[s,s]}", "name", "Cases & <things>", "items", "a", "b");
	struct buf out = BUF_INIT;
	assert_int_equal(mustache_set_render(set, "page", data, &out, msg, sizeof msg), WM_OK);
	assert_string_equal(out.p, "<html>\n"
				   "  <title>Cases &amp; &lt;things&gt; - Waymark</title>\n"
				   "  <body>\n"
				   "    <ul>\n"
				   "      <li>a</li>\n"
				   "      <li>b</li>\n"
				   "    </ul>\n"
				   "  </body>\n"
				   "</html>\n");
	buf_free(&out);
	assert_int_equal(mustache_set_render(set, "nothing", data, &out, msg, sizeof msg),
			 WM_ERR_NOT_FOUND);
	buf_free(&out);
	json_decref(data);
	mustache_set_free(set);
}

/* What the pages rely on beyond the specification's cases: indentation adds
 * up through nested standalone partials; an inline partial stays inline;
 * a parent's overrides reach the partials it includes. */
static void indents_and_overrides_through_partials(void **state)
{
	(void)state;
	const struct mustache_source srcs[] = {
	    SRC("outer", "<div>\n  {{>inner}}\n</div>\n"),
	    SRC("inner", "<p>\n  {{>leaf}}\n</p>\n"),
	    SRC("leaf", "a\n\nb{{>word}}\n"),
	    SRC("word", "!"),
	    SRC("layout", "{{>head}}<main>{{$main}}{{/main}}</main>\n"),
	    SRC("head", "<title>{{$title}}Waymark{{/title}}</title>\n"),
	    SRC("page", "{{<layout}}{{$title}}Cases{{/title}}{{$main}}list{{/main}}{{/layout}}"),
	};
	struct mustache_set *set = make_set(srcs, sizeof srcs / sizeof *srcs);
	char *s = render("{{>outer}}", "{}", set);
	assert_string_equal(s, "<div>\n  <p>\n    a\n\n    b!\n  </p>\n</div>\n");
	free(s);
	s = render("{{>page}}|{{>layout}}", "{}", set);
	assert_string_equal(s, "<title>Cases</title>\n<main>list</main>\n|"
			       "<title>Waymark</title>\n<main></main>\n");
	free(s);
	mustache_set_free(set);
}

static void sets_check_names_and_duplicates(void **state)
{
	(void)state;
	const struct mustache_source missing[] = {
	    SRC("a", "{{>b}}"),
	    SRC("b", "x\n{{<c}}{{/c}}"),
	};
	struct mustache_set *set = make_set(missing, 2);
	char msg[256];
	assert_int_equal(mustache_set_check(set, msg, sizeof msg), WM_ERR_NOT_FOUND);
	assert_string_equal(msg, "b: line 2: no template \"c\"");
	mustache_set_free(set);

	const struct mustache_source twice[] = {SRC("a", "1"), SRC("b", "2"), SRC("a", "3")};
	set = NULL;
	assert_int_equal(mustache_set_new(twice, 3, &set, msg, sizeof msg), WM_ERR_INVALID);
	assert_null(set);
	assert_string_equal(msg, "a: two templates have this name");

	assert_int_equal(mustache_set_new(NULL, 0, &set, msg, sizeof msg), WM_OK);
	assert_null(mustache_set_get(set, "a"));
	mustache_set_free(set);
}

/* ---- threads ---------------------------------------------------------- */

#define THREADS 4
#define ROUNDS	200

struct job {
	const struct mustache_set *set;
	const json_t *data;
	const char *want;
	int mismatches;
};

static void *render_many(void *arg)
{
	struct job *j = arg;
	for (int i = 0; i < ROUNDS; i++) {
		struct buf out = BUF_INIT;
		if (mustache_set_render(j->set, "page", j->data, &out, NULL, 0) != WM_OK ||
		    strcmp(out.p, j->want))
			j->mismatches++;
		buf_free(&out);
	}
	return NULL;
}

static void renders_the_same_from_several_threads(void **state)
{
	(void)state;
	const struct mustache_source srcs[] = {
	    SRC("page", "{{<frame}}{{$main}}\n  {{#rows}}\n  {{>row}}\n  {{/rows}}\n{{/main}}"
			"{{/frame}}"),
	    SRC("frame", "<main>\n  {{$main}}\n  {{/main}}\n</main>\n"),
	    SRC("row", "<tr><td>{{id}}</td><td>{{name}}</td><td>{{score}}</td></tr>\n"),
	};
	struct mustache_set *set = make_set(srcs, 3);
	json_t *rows = json_array();
	for (int i = 0; i < 50; i++)
		json_array_append_new(
		    rows, json_pack("{s:i, s:s, s:f}", "id", i, "name", "<x&y>", "score", i / 4.0));
	json_t *data = json_pack("{s:o}", "rows", rows);
	struct buf ref = BUF_INIT;
	assert_int_equal(mustache_set_render(set, "page", data, &ref, NULL, 0), WM_OK);
	assert_non_null(strstr(ref.p, "<main>\n  <tr><td>0</td><td>&lt;x&amp;y&gt;</td>"
				      "<td>0</td></tr>\n  <tr><td>1</td>"));

	pthread_t th[THREADS];
	struct job jobs[THREADS];
	for (int i = 0; i < THREADS; i++) {
		jobs[i] = (struct job){set, data, ref.p, 0};
		assert_int_equal(pthread_create(&th[i], NULL, render_many, &jobs[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(jobs[i].mismatches, 0);
	}
	buf_free(&ref);
	json_decref(data);
	mustache_set_free(set);
}

/* ---- arbitrary bytes -------------------------------------------------- */

/* Templates made of tag-ish fragments at random (a fixed seed, so the run is
 * the same every time) compile or fail cleanly, and render without crashing
 * (the sanitizer run checks memory). */
static void survives_arbitrary_templates(void **state)
{
	(void)state;
	static const char *const bits[] = {
	    "{{",	 "}}",	      "{{{",	"}}}",	  "{{#a}}", "{{/a}}",  "{{^a}}",
	    "{{>self}}", "{{<self}}", "{{$b}}", "{{/b}}", "{{<p}}", "{{/p}}",  "{{=<% %>=}}",
	    "<%",	 "%>",	      "{{!",	"{{&a}}", "{{.}}",  "{{a.b}}", "\n",
	    "  ",	 "\r\n",      "x",	"=",	  "{",	    "}",       "#",
	    "/",	 "\t",	      "\0",
	};
	const size_t nbits = sizeof bits / sizeof *bits;
	json_t *data = json_loads("{\"a\": [1, {\"b\": \"<\"}, \"s\"], \"b\": true}", 0, NULL);
	uint32_t seed = 12345;
	int compiled = 0;
	for (int round = 0; round < 3000; round++) {
		struct buf b = BUF_INIT;
		seed = seed * 1103515245u + 12345u;
		int len = (int)(seed >> 16) % 40;
		for (int k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			const char *bit = bits[(seed >> 16) % nbits];
			buf_add(&b, bit, bit[0] ? strlen(bit) : 1);
		}
		struct mustache_source srcs[] = {{"self", b.p ? b.p : "", b.len},
						 {"p", b.p ? b.p : "", b.len}};
		struct mustache_set *set = NULL;
		char msg[256];
		if (mustache_set_new(srcs, 2, &set, msg, sizeof msg) == WM_OK) {
			compiled++;
			struct buf out = BUF_INIT;
			wm_err e = mustache_set_render(set, "self", data, &out, msg, sizeof msg);
			assert_true(e == WM_OK || e == WM_ERR_INVALID);
			buf_free(&out);
			mustache_set_free(set);
		} else {
			assert_non_null(strstr(msg, "line "));
		}
		buf_free(&b);
	}
	assert_true(compiled > 100);
	json_decref(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SPEC_TEST("comments.json"),
	    SPEC_TEST("delimiters.json"),
	    SPEC_TEST("interpolation.json"),
	    SPEC_TEST("inverted.json"),
	    SPEC_TEST("partials.json"),
	    SPEC_TEST("sections.json"),
	    SPEC_TEST("~inheritance.json"),
	    cmocka_unit_test(escapes_hostile_values),
	    cmocka_unit_test(reports_syntax_errors_with_their_line),
	    cmocka_unit_test(rejects_sections_nested_without_end),
	    cmocka_unit_test(bounds_partials_that_include_themselves),
	    cmocka_unit_test(bounds_the_work_of_one_render),
	    cmocka_unit_test(recursion_over_data_is_fine),
	    cmocka_unit_test(formats_numbers_and_booleans),
	    cmocka_unit_test(falsey_as_the_spec_says),
	    cmocka_unit_test(renders_without_data_or_resolver),
	    cmocka_unit_test(sets_resolve_partials_and_parents_by_name),
	    cmocka_unit_test(indents_and_overrides_through_partials),
	    cmocka_unit_test(sets_check_names_and_duplicates),
	    cmocka_unit_test(renders_the_same_from_several_threads),
	    cmocka_unit_test(survives_arbitrary_templates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
