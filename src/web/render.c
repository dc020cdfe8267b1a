/*
 * render.c - the pages' templates (render.h): the embedded sources compiled
 * into one set when the server starts, read-only afterwards, so that every
 * connection thread renders from it at once without a lock.
 */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>

#include "../render/mustache.h"
#include "../util/log.h"
#include "embedded.h"

static struct mustache_set *templates;

bool web_render_init(char *msg, size_t cap)
{
	if (templates)
		return true;
	struct mustache_source *src = calloc(web_templates_count, sizeof *src);
	if (!src) {
		snprintf(msg, cap, "out of memory");
		return false;
	}
	for (size_t i = 0; i < web_templates_count; i++)
		src[i] = (struct mustache_source){web_templates[i].name,
						  (const char *)web_templates[i].data,
						  web_templates[i].len};
	wm_err e = mustache_set_new(src, web_templates_count, &templates, msg, cap);
	free(src);
	if (e != WM_OK)
		return false;
	if (mustache_set_check(templates, msg, cap) != WM_OK) {
		mustache_set_free(templates);
		templates = NULL;
		return false;
	}
	return true;
}

bool web_render(const char *name, const json_t *data, struct buf *out)
{
	char msg[160];
	if (!templates ||
	    mustache_set_render(templates, name, data, out, msg, sizeof msg) != WM_OK) {
		log_internal_error("page: a template failed to render");
		return false;
	}
	return !out->failed;
}
