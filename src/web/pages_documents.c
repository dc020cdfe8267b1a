/*
 * pages_documents.c - the printed documents (docs/documents.md) as
 * downloads from the record page: /survivors/{id}/handover.pdf and the
 * like answer the API's document of the same path, as the signed-in user.
 *
 * A document shows the record, so the API holds its answer until the
 * export's audit entry is stored; the download is held with it, as a page
 * is (page.h), and never passed on unaudited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "pages.h"

/* Frees an inner request once its audit is over (the page gave up on it). */
static void drop_held(struct http_req *r, void *arg)
{
	(void)arg;
	http_inner_free(r);
}

void page_document(struct page *p)
{
	char path[256];
	int n = snprintf(path, sizeof path, "/api/v1%s", http_path(p->req));
	struct http_req *in = n > 0 && (size_t)n < sizeof path
				  ? http_inner_new(p->req, "GET", path, NULL, p->token, NULL, 0)
				  : NULL;
	if (!in) {
		page_error(p, 500, "Sorry, there is a problem with the service",
			   "The document could not be made. Try again later.");
		return;
	}
	api_handle(in, p->app);
	unsigned st = http_inner_status(in);
	size_t len;
	const char *pdf = http_inner_answer(in, &len);
	const char *disposition = http_inner_answer_header(in, "Content-Disposition");
	char *copy = st == 200 && disposition ? malloc(len ? len : 1) : NULL;
	if (copy) {
		memcpy(copy, pdf, len);
		http_add_header(p->req, "Content-Disposition", disposition);
		http_respond(p->req, 200, "application/pdf", copy, len);
	} else if (st == 403 || st == 404) {
		page_error(p, st, st == 404 ? "Page not found" : "You cannot print this document",
			   st == 404 ? "The record may have been closed, or not be yours to see."
				     : "Your role may not print it, or the survivor has not agreed "
				       "to a handover.");
	} else {
		page_error(p, 500, "Sorry, there is a problem with the service",
			   "The document could not be made. Try again later.");
	}
	if (!http_inner_held(in)) {
		http_inner_free(in);
		return;
	}
	/* Held for its audit entry: the download waits with it (this page
	 * makes no other request, so there is room). */
	if (p->nheld < PAGE_HELD_MAX) {
		p->held[p->nheld++] = in;
		return;
	}
	http_inner_release(in, drop_held, NULL);
	page_error(p, 500, "Sorry, there is a problem with the service",
		   "The document could not be made. Try again later.");
}
