/*
 * page.c - what page handlers share (page.h): calling the API from a page,
 * rendering, redirects, error pages and form errors.
 */
#define _POSIX_C_SOURCE 200809L
#include "page.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/log.h"
#include "render.h"

const char *page_param(const struct page *p, int n)
{
	return n < p->m.nparams ? p->m.params[n] : "";
}

const char *page_role(const struct page *p)
{
	const char *r = p->me ? json_string_value(json_object_get(p->me, "role")) : NULL;
	return r ? r : "";
}

const char *page_field(const struct page *p, const char *name)
{
	const char *v = form_get(&p->form, name);
	return v ? v : "";
}

/* Frees an inner request once what it waited for is over. */
static void free_when_done(struct http_req *r, void *arg)
{
	(void)arg;
	http_inner_free(r);
}

json_t *page_api(struct page *p, const char *method, const char *path, const char *const *params,
		 json_t *body, unsigned *status)
{
	char *text = NULL;
	size_t len = 0;
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		if (!text) {
			*status = 500;
			return NULL;
		}
		len = strlen(text);
	}
	struct http_req *in =
	    http_inner_new(p->req, method, path, params, p->token[0] ? p->token : NULL, text, len);
	if (!in) {
		*status = 500;
		return NULL;
	}
	api_handle(in, p->app);
	if (http_inner_deferred(in)) {
		/* Slow work (a password check): pages that ask for it run on
		 * the slow workers already (WEB_SLOW), so it runs here. */
		assert(p->slow);
		http_inner_run_deferred(in, p->slow);
	}
	*status = http_inner_status(in);
	size_t alen;
	const char *answer = http_inner_answer(in, &alen);
	json_t *j = alen ? json_loadb(answer, alen, 0, NULL) : NULL;
	if (http_inner_held(in)) {
		if (p->nheld == PAGE_HELD_MAX || p->slow) {
			/* More reads than a page makes: a bug, never an unaudited
			 * page. */
			log_internal_error("page: too many audited reads");
			json_decref(j);
			*status = 500;
			http_inner_release(in, free_when_done, NULL);
			return NULL;
		}
		p->held[p->nheld++] = in;
	} else {
		http_inner_free(in);
	}
	return j;
}

void page_redirect(struct page *p, const char *path)
{
	http_add_header(p->req, "Location", path);
	http_respond(p->req, 303, "text/html; charset=utf-8", NULL, 0);
}

/* The layout's own data: who is signed in and what they may open. */
static void layout_data(struct page *p, const char *title)
{
	json_t *d = p->data;
	json_object_set_new(d, "title", json_string(title));
	json_object_set_new(d, "csrf", json_string(p->csrf));
	if (!p->me)
		return;
	const char *role = page_role(p);
	json_t *me = json_pack(
	    "{s:O, s:O, s:b, s:b, s:b, s:b, s:b}", "display_name",
	    json_object_get(p->me, "display_name"), "username", json_object_get(p->me, "username"),
	    "advocate", strcmp(role, "advocate") == 0, "manager", strcmp(role, "manager") == 0,
	    "clinician", strcmp(role, "clinician") == 0, "analyst", strcmp(role, "analyst") == 0,
	    "admin", strcmp(role, "admin") == 0);
	if (me) {
		json_t *privacy = json_object_get(p->me, "privacy_mode");
		json_object_set_new(me, "privacy_mode", json_boolean(json_is_true(privacy)));
		json_object_set_new(d, "me", me);
	}
}

void page_render(struct page *p, unsigned status, const char *name, const char *title)
{
	if (!p->data)
		p->data = json_object();
	layout_data(p, title);
	struct buf out = BUF_INIT;
	if (!p->data || !web_render(name, p->data, &out)) {
		buf_free(&out);
		http_respond(p->req, 500, "text/plain; charset=utf-8", strdup("internal error"),
			     14);
		return;
	}
	size_t len;
	char *html = buf_take(&out, &len);
	if (!html) {
		http_respond(p->req, 500, "text/plain; charset=utf-8", strdup("internal error"),
			     14);
		return;
	}
	http_respond(p->req, status, "text/html; charset=utf-8", html, len);
}

void page_error(struct page *p, unsigned status, const char *title, const char *message)
{
	json_decref(p->data);
	p->data = json_pack("{s:s}", "message", message);
	page_render(p, status, "error", title);
}

/* Replaces each whole-word occurrence of field in message by label. */
static void reword(const char *message, const char *field, const char *label, struct buf *out)
{
	size_t flen = strlen(field);
	const char *s = message;
	while (*s) {
		const char *hit = flen ? strstr(s, field) : NULL;
		if (!hit) {
			buf_adds(out, s);
			break;
		}
		buf_add(out, s, (size_t)(hit - s));
		buf_adds(out, label);
		s = hit + flen;
	}
}

void page_form_errors(struct page *p, const json_t *answer, const char *const *labels)
{
	if (!p->data)
		p->data = json_object();
	const json_t *err = json_object_get(answer, "error");
	const char *field = json_string_value(json_object_get(err, "field"));
	const char *message = json_string_value(json_object_get(err, "message"));
	if (!message)
		message = "Something went wrong. Try again.";
	const char *label = NULL;
	for (const char *const *l = labels; field && l && l[0]; l += 2)
		if (strcmp(l[0], field) == 0)
			label = l[1];
	struct buf text = BUF_INIT;
	if (label) {
		reword(message, field, label, &text);
		/* A sentence starts with a capital. */
		if (text.p && text.p[0] >= 'a' && text.p[0] <= 'z')
			text.p[0] = (char)(text.p[0] - 'a' + 'A');
	} else {
		buf_adds(&text, message);
	}
	char *t = buf_take(&text, NULL);
	if (!t)
		return;
	json_t *errors = json_object_get(p->data, "errors");
	if (!errors) {
		errors = json_array();
		json_object_set_new(p->data, "errors", errors);
	}
	char href[96] = "";
	if (label)
		snprintf(href, sizeof href, "#%.80s", field);
	json_object_set_new(p->data, "has_errors", json_true());
	json_array_append_new(
	    errors, json_pack("{s:s, s:s}", "href", href[0] ? href : "#maincontent", "text", t));
	if (label) {
		char key[96];
		snprintf(key, sizeof key, "error_%.80s", field);
		json_object_set_new(p->data, key, json_string(t));
	}
	free(t);
}
