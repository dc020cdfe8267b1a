/*
 * mustache.h - Mustache templates rendered against jansson values: the
 * official specification's core modules (interpolation, sections, inverted
 * sections, comments, set delimiters, partials) and inheritance (parents and
 * blocks); no lambdas, no dynamic names. docs/templates.md has the syntax,
 * the escaping and how partials and parents are found.
 *
 * Compile once, render many: a compiled template is never written after
 * mustache_compile returns, so any number of threads may render the same
 * template (or set) at once. Each render keeps its state on its own stack and
 * in the caller's output buffer.
 */
#ifndef WM_MUSTACHE_H
#define WM_MUSTACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "../domain/err.h"

struct buf;

/* Partials and parents nested deeper than this stop the render (a template
 * that includes itself would otherwise never end). */
#define MUSTACHE_MAX_DEPTH 64

/* A compiled template: opaque, immutable. */
struct mustache;

/* Finds the compiled template a partial ({{>name}}) or a parent ({{<name}})
 * names, or NULL when there is none (the tag then renders as nothing, as the
 * specification asks). Called during rendering, possibly from several threads
 * at once; the template returned must outlive the render. */
typedef const struct mustache *(*mustache_resolve_fn)(void *arg, const char *name);

/* Compiles len bytes of template source (need not be NUL-terminated) into
 * *out, which the caller frees with mustache_free; src is not kept.
 * WM_ERR_INVALID for a syntax error (a tag not closed, a section not closed or
 * closed by the wrong name, bad set delimiters, an empty or malformed name,
 * sections nested over 100 deep), with "line N: what" in msg (msglen bytes,
 * NUL-terminated; msg may be NULL); WM_ERR_NOMEM. *out is NULL on error. */
wm_err mustache_compile(const char *src, size_t len, struct mustache **out, char *msg,
			size_t msglen);

/* Frees a compiled template; NULL is allowed. */
void mustache_free(struct mustache *m);

/* Renders m against data (any JSON value; NULL renders every name as
 * missing), appending to out. {{name}} is HTML-escaped (buf_add_html);
 * {{{name}}} and {{&name}} are not. Partials and parents are looked up through
 * resolve(arg, name); resolve may be NULL (none are found).
 * WM_OK; WM_ERR_INVALID when partials or parents nest deeper than
 * MUSTACHE_MAX_DEPTH, blocks recurse without end, or the render would visit
 * over a million nodes or write over 16 MiB (message in msg);
 * WM_ERR_NOMEM when out failed to grow. On error out holds a partial page
 * the caller must not send. Neither m nor data is modified. */
wm_err mustache_render(const struct mustache *m, const json_t *data, mustache_resolve_fn resolve,
		       void *arg, struct buf *out, char *msg, size_t msglen);

/* One named template source, for a template set. */
struct mustache_source {
	const char *name; /* how partials, parents and mustache_set_render name it */
	const char *src;  /* its text (need not be NUL-terminated) */
	size_t len;	  /* bytes of src */
};

/* Named templates compiled together; partials and parents resolve within the
 * set. Opaque, immutable after mustache_set_new. */
struct mustache_set;

/* Compiles n sources into *out (the caller frees it with mustache_set_free);
 * the set copies the names and keeps nothing else of srcs.
 * WM_ERR_INVALID when a template does not compile ("NAME: line N: what" in
 * msg) or two share a name; WM_ERR_NOMEM. *out is NULL on error. */
wm_err mustache_set_new(const struct mustache_source *srcs, size_t n, struct mustache_set **out,
			char *msg, size_t msglen);

/* Checks that every partial and parent a template of the set names is in the
 * set: WM_OK, or WM_ERR_NOT_FOUND with "NAME: line N: no template "X"" in
 * msg. Rendering tolerates missing ones (they render as nothing); the server
 * calls this at start-up so that a misspelt name fails loudly instead. */
wm_err mustache_set_check(const struct mustache_set *set, char *msg, size_t msglen);

/* The template of the set called name, or NULL. */
const struct mustache *mustache_set_get(const struct mustache_set *set, const char *name);

/* A mustache_resolve_fn over a set (arg is the const struct mustache_set *):
 * to render a template from elsewhere with the set's partials. */
const struct mustache *mustache_set_resolve(void *arg, const char *name);

/* Renders the set's template called name, as mustache_render with the set
 * as resolver; WM_ERR_NOT_FOUND when the set has no such template. */
wm_err mustache_set_render(const struct mustache_set *set, const char *name, const json_t *data,
			   struct buf *out, char *msg, size_t msglen);

/* Frees a set and its templates; NULL is allowed. */
void mustache_set_free(struct mustache_set *set);

#endif
