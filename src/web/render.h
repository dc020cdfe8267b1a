/*
 * render.h - the pages' templates, compiled once when the server starts.
 */
#ifndef WM_WEB_RENDER_H
#define WM_WEB_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../util/buf.h"

/* Compiles every embedded template; false (a reason in msg) when one does
 * not compile: a bug the tests catch, never a surprise at a user's page. */
bool web_render_init(char *msg, size_t cap);

/* Renders template name with data into out; false on failure. */
bool web_render(const char *name, const json_t *data, struct buf *out);

#endif
