/*
 * web.h - the web pages: their route table and the entry point that sends
 * each request to the pages or to the API.
 */
#ifndef WM_WEB_H
#define WM_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "../http/http.h"

/* The pages that take a file (multipart/form-data): http_config's
 * upload_paths. */
extern const char *const web_upload_paths[];

/* Prepares the pages (compiles the templates, indexes the files); false
 * with a reason in msg. Call once before serving. */
bool web_init(char *msg, size_t cap);

/* The server's handler: /api/ and /healthz go to the API, the rest to the
 * pages and their static files. */
void web_dispatch(struct http_req *r, void *app);

#endif
