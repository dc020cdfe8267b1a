/*
 * po.h - the documents' translations, read from gettext .po files.
 *
 * The .po files under po/ are built into the binary and parsed here, so a
 * document's language never depends on the locales the host has installed
 * or on its environment. Only what the documents need is read: msgid,
 * msgstr (with their continued strings and C escapes), msgctxt (kept apart
 * from the same msgid without one) and the `fuzzy` flag. Plural forms are
 * not used by any document and are refused.
 */
#ifndef WM_I18N_PO_H
#define WM_I18N_PO_H

#include <stdbool.h>
#include <stddef.h>

#include "../domain/err.h"

struct po_entry {
	char *ctxt; /* NULL when none */
	char *id;
	char *str;  /* "" when not translated */
	bool fuzzy; /* a draft: needs review by a qualified translator */
};

struct po_catalog {
	char lang[16];		  /* a BCP 47 language ("ar"), from the file's name */
	struct po_entry *entries; /* sorted by (ctxt, id); the header entry left out */
	size_t n;
};

/* Parses the .po text of len bytes into *out (lang copied, at most 15
 * bytes). WM_ERR_INVALID with *line the 1-based line of the first thing it
 * cannot read (a duplicate msgid, a plural, a bad escape, text that is not
 * UTF-8); WM_ERR_NOMEM. On an error *out holds nothing. */
wm_err po_parse(const char *lang, const char *text, size_t len, struct po_catalog *out, int *line);

/* Releases what *cat holds. */
void po_clear(struct po_catalog *cat);

/* The entry for id (in context ctxt, NULL for none), translated or not;
 * NULL when the catalog has none. */
const struct po_entry *po_find(const struct po_catalog *cat, const char *ctxt, const char *id);

/* The translation of id into the built-in catalog for lang (a BCP 47 tag:
 * "ar-SD" finds "ar"), or NULL when there is none; *fuzzy (may be NULL)
 * tells whether it is a draft. The built-in catalogs are parsed once, on
 * first use; a file that does not parse is logged and left out. */
const char *po_translate(const char *lang, const char *id, bool *fuzzy);

/* Whether a built-in catalog exists for lang (its language part). */
bool po_has_language(const char *lang);

#endif
