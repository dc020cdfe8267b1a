/*
 * page.h - one web page being answered, and what page handlers share.
 *
 * A page handler reads the request (its path parameters, a posted form),
 * asks the API for what it shows or changes through page_api - the same
 * handlers, policy, validation, store calls and audit as the API, written
 * once - fills the template's data (p->data) and renders. Reads of a
 * person's record are audited by the API handler that made them, and the
 * page is held, like the API's answer, until those entries are stored.
 *
 * Before the handler runs, web.c has opened the session cookie (the idle
 * time-out included), loaded the signed-in user (p->me), refused a form
 * without its CSRF token, and sent someone signed out to the sign-in page.
 */
#ifndef WM_WEB_PAGE_H
#define WM_WEB_PAGE_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../api/call.h"
#include "../http/http.h"
#include "../http/router.h"
#include "form.h"
#include "session.h"

#define PAGE_HELD_MAX	 8
#define WEB_IDLE_SECONDS (30 * 60) /* signed out after this long without a page */

struct page {
	struct http_req *req;
	struct app *app;
	struct route_match m;
	int64_t now;
	char token[SECRET_TOKEN_LEN]; /* the session's bearer token; "" when signed out */
	char nonce[WEB_NONCE_TEXT];   /* signed out: the sign-in form's CSRF binder */
	char csrf[WEB_CSRF_TEXT];     /* the token every form of this page carries */
	json_t *me;		      /* the signed-in user (as GET /api/v1/me), or NULL */
	json_t *data;		      /* the template's data, filled by the handler */
	struct form form;	      /* a posted form (POST routes) */
	bool set_cookie;	      /* seal the session cookie afresh on this answer */
	bool slow;		      /* running on a slow worker (WEB_SLOW) */
	bool idle_out;		      /* the session was ended for idleness just now */
	/* Inner requests whose answers wait for their audit entries. */
	struct http_req *held[PAGE_HELD_MAX];
	size_t nheld;
	atomic_int waiting;
	atomic_bool failed;
};

typedef void (*page_fn)(struct page *p);

/* The nth path parameter of the page's route. */
const char *page_param(const struct page *p, int n);

/* The signed-in user's role ("advocate", ...), or "" when signed out. */
const char *page_role(const struct page *p);

/* Calls the API as the signed-in user: method, path (ids already in it),
 * params (query names and values, NULL-terminated, or NULL), body (a JSON
 * object, taken; NULL for none). Returns the answer's JSON (a new
 * reference; an {"error": ...} object on failure, or NULL when it was not
 * JSON) and its status in *status. An answer held for audit keeps the page
 * held until its entries are stored. */
json_t *page_api(struct page *p, const char *method, const char *path, const char *const *params,
		 json_t *body, unsigned *status);

/* The value of form field name, or "" when absent. */
const char *page_field(const struct page *p, const char *name);

/* Renders template name with p->data (and the layout's own data: the
 * user, the CSRF token, the navigation) as the answer, with status and
 * title (the page's <title>, never a person's name). */
void page_render(struct page *p, unsigned status, const char *name, const char *title);

/* Answers 303 See Other to path (a path of this site; never a query with
 * a person's name or id). */
void page_redirect(struct page *p, const char *path);

/* Answers an error page: status and a plain message. */
void page_error(struct page *p, unsigned status, const char *title, const char *message);

/* Adds the API's error answer to p->data as the form's errors: the error
 * summary ("errors": [{field, message, href}]) and the inline error of the
 * field it names ("error_<field>"), in words for a person rather than a
 * program. labels maps API field names to the form's words (name, label,
 * ..., NULL). */
void page_form_errors(struct page *p, const json_t *answer, const char *const *labels);

#endif
