/*
 * po.c - a reader of gettext .po files, and the built-in catalogs.
 *
 * A .po file is a list of entries separated by blank lines: comments
 * ("#, fuzzy" carries the flags), then msgctxt, msgid and msgstr, each a
 * quoted C string that may continue on the next lines as further quoted
 * strings. That is all this reads; it needs no gettext at run time and no
 * locale of the host (docs/documents.md).
 */
#define _POSIX_C_SOURCE 200809L
#include "po.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/grow.h"
#include "../util/log.h"
#include "../util/text.h"
#include "../web/embedded.h"

/* The .po files built in (build/gen/po_files.c), named by language. */
extern const struct embedded_file po_files[];
extern const size_t po_files_count;

struct parser {
	const char *p, *end;
	int line;
	struct po_catalog *cat;
	size_t cap;
	/* The entry being read. */
	struct buf ctxt, id, str;
	bool has_ctxt, has_id, has_str, fuzzy;
	enum { F_NONE, F_CTXT, F_ID, F_STR } field; /* where a continued string goes */
};

/* The line starting at p->p, without its newline, into [*s, *e); moves on. */
static void next_line(struct parser *p, const char **s, const char **e)
{
	*s = p->p;
	const char *nl = memchr(p->p, '\n', (size_t)(p->end - p->p));
	*e = nl ? nl : p->end;
	p->p = nl ? nl + 1 : p->end;
	if (*e > *s && (*e)[-1] == '\r')
		(*e)--;
	p->line++;
}

static const char *skip_space(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* Appends the quoted string in [s, e) (nothing after it but spaces) to b,
 * its escapes undone; false when it is not one. */
static bool quoted(const char *s, const char *e, struct buf *b)
{
	s = skip_space(s, e);
	if (s == e || *s != '"')
		return false;
	for (s++; s < e && *s != '"'; s++) {
		if (*s != '\\') {
			buf_addc(b, *s);
			continue;
		}
		if (++s == e)
			return false;
		switch (*s) {
		case 'n':
			buf_addc(b, '\n');
			break;
		case 't':
			buf_addc(b, '\t');
			break;
		case '"':
		case '\\':
			buf_addc(b, *s);
			break;
		default:
			return false;
		}
	}
	if (s == e)
		return false;
	return skip_space(s + 1, e) == e;
}

static bool starts(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(e - s) > n && memcmp(s, word, n) == 0 && (s[n] == ' ' || s[n] == '\t');
}

static char *take(struct buf *b)
{
	char *s = b->p ? b->p : strdup("");
	*b = (struct buf)BUF_INIT;
	return s;
}

static int compare(const char *actx, const char *aid, const char *bctx, const char *bid)
{
	int c = strcmp(actx ? actx : "", bctx ? bctx : "");
	if (c == 0 && (actx == NULL) != (bctx == NULL))
		return actx ? 1 : -1;
	return c ? c : strcmp(aid, bid);
}

static int compare_entries(const void *a, const void *b)
{
	const struct po_entry *x = a, *y = b;
	return compare(x->ctxt, x->id, y->ctxt, y->id);
}

static void reset_entry(struct parser *p)
{
	free(p->ctxt.p);
	free(p->id.p);
	free(p->str.p);
	p->ctxt = p->id = p->str = (struct buf)BUF_INIT;
	p->has_ctxt = p->has_id = p->has_str = p->fuzzy = false;
	p->field = F_NONE;
}

/* Ends the entry read so far (if any): kept unless it is the header. */
static wm_err end_entry(struct parser *p)
{
	if (!p->has_id && !p->has_str && !p->has_ctxt) {
		reset_entry(p);
		return WM_OK;
	}
	if (!p->has_id || !p->has_str)
		return WM_ERR_INVALID;
	if (p->ctxt.failed || p->id.failed || p->str.failed)
		return WM_ERR_NOMEM;
	bool header = !p->has_ctxt && p->id.len == 0;
	if (header) {
		reset_entry(p);
		return WM_OK;
	}
	struct po_catalog *c = p->cat;
	struct po_entry *entries = grow(c->entries, &p->cap, c->n, sizeof *entries, 64);
	if (!entries)
		return WM_ERR_NOMEM;
	c->entries = entries;
	struct po_entry *en = &c->entries[c->n];
	en->ctxt = p->has_ctxt ? take(&p->ctxt) : NULL;
	en->id = take(&p->id);
	en->str = take(&p->str);
	en->fuzzy = p->fuzzy;
	c->n++;
	bool ok = en->id && en->str && (!p->has_ctxt || en->ctxt);
	reset_entry(p);
	return ok ? WM_OK : WM_ERR_NOMEM;
}

/* Reads one line into the entry being built. */
static wm_err parse_line(struct parser *p, const char *s, const char *e)
{
	s = skip_space(s, e);
	if (s == e)
		return end_entry(p);
	if (*s == '#') {
		/* A comment after a msgstr starts the next entry. */
		if (p->has_str) {
			wm_err err = end_entry(p);
			if (err != WM_OK)
				return err;
		}
		if (e - s >= 2 && s[1] == ',') {
			/* Flags: a comma-separated list. */
			for (const char *f = s + 2; f < e;) {
				f = skip_space(f, e);
				const char *fe = f;
				while (fe < e && *fe != ',' && *fe != ' ' && *fe != '\t')
					fe++;
				if (fe - f == 5 && memcmp(f, "fuzzy", 5) == 0)
					p->fuzzy = true;
				f = fe < e ? fe + 1 : e;
			}
		}
		return WM_OK; /* other comments, and obsolete entries (#~), are not read */
	}
	if (*s == '"') {
		struct buf *b = p->field == F_CTXT  ? &p->ctxt
				: p->field == F_ID  ? &p->id
				: p->field == F_STR ? &p->str
						    : NULL;
		return b && quoted(s, e, b) ? WM_OK : WM_ERR_INVALID;
	}
	if (starts(s, e, "msgid_plural") || (e - s > 7 && memcmp(s, "msgstr[", 7) == 0))
		return WM_ERR_INVALID;
	if (starts(s, e, "msgctxt")) {
		if (p->has_str && end_entry(p) != WM_OK)
			return WM_ERR_INVALID;
		if (p->has_ctxt || p->has_id)
			return WM_ERR_INVALID;
		p->has_ctxt = true;
		p->field = F_CTXT;
		return quoted(s + 7, e, &p->ctxt) ? WM_OK : WM_ERR_INVALID;
	}
	if (starts(s, e, "msgid")) {
		/* A msgid right after a msgstr starts the next entry (with no
		 * flags: they belong to the comments before an entry). */
		if (p->has_str) {
			wm_err err = end_entry(p);
			if (err != WM_OK)
				return err;
		}
		if (p->has_id)
			return WM_ERR_INVALID;
		p->has_id = true;
		p->field = F_ID;
		return quoted(s + 5, e, &p->id) ? WM_OK : WM_ERR_INVALID;
	}
	if (starts(s, e, "msgstr")) {
		if (!p->has_id || p->has_str)
			return WM_ERR_INVALID;
		p->has_str = true;
		p->field = F_STR;
		return quoted(s + 6, e, &p->str) ? WM_OK : WM_ERR_INVALID;
	}
	return WM_ERR_INVALID;
}

wm_err po_parse(const char *lang, const char *text, size_t len, struct po_catalog *out, int *line)
{
	memset(out, 0, sizeof *out);
	*line = 0;
	snprintf(out->lang, sizeof out->lang, "%s", lang ? lang : "");
	if (!text_utf8_valid(text, len)) {
		*line = 1;
		return WM_ERR_INVALID;
	}
	struct parser p = {.p = text, .end = text + len, .cat = out};
	p.ctxt = p.id = p.str = (struct buf)BUF_INIT;
	wm_err e = WM_OK;
	while (e == WM_OK && p.p < p.end) {
		const char *s, *le;
		next_line(&p, &s, &le);
		if (le > s && memchr(s, 0, (size_t)(le - s)))
			e = WM_ERR_INVALID;
		else
			e = parse_line(&p, s, le);
	}
	if (e == WM_OK)
		e = end_entry(&p);
	reset_entry(&p);
	if (e == WM_OK && out->n > 1) {
		qsort(out->entries, out->n, sizeof *out->entries, compare_entries);
		for (size_t i = 1; i < out->n; i++)
			if (compare_entries(&out->entries[i - 1], &out->entries[i]) == 0) {
				e = WM_ERR_INVALID; /* a duplicate: which one is meant? */
				p.line = 0;
				break;
			}
	}
	if (e != WM_OK) {
		*line = p.line ? p.line : 1;
		po_clear(out);
	}
	return e;
}

void po_clear(struct po_catalog *cat)
{
	for (size_t i = 0; i < cat->n; i++) {
		free(cat->entries[i].ctxt);
		free(cat->entries[i].id);
		free(cat->entries[i].str);
	}
	free(cat->entries);
	cat->entries = NULL;
	cat->n = 0;
}

const struct po_entry *po_find(const struct po_catalog *cat, const char *ctxt, const char *id)
{
	size_t lo = 0, hi = cat->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct po_entry *m = &cat->entries[mid];
		int c = compare(ctxt, id, m->ctxt, m->id);
		if (c == 0)
			return m;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* ---- the built-in catalogs ---- */

#define MAX_CATALOGS 32
static struct po_catalog catalogs[MAX_CATALOGS];
static size_t ncatalogs;
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void load(void)
{
	for (size_t i = 0; i < po_files_count && ncatalogs < MAX_CATALOGS; i++) {
		int line;
		struct po_catalog *c = &catalogs[ncatalogs];
		wm_err e = po_parse(po_files[i].name, (const char *)po_files[i].data,
				    po_files[i].len, c, &line);
		if (e != WM_OK) {
			log_info("translations: po/%s.po is not read (line %d): %s",
				 po_files[i].name, line, wm_err_str(e));
			continue;
		}
		ncatalogs++;
	}
}

/* The catalog of lang's language part ("ar" of "ar-SD"), or NULL. */
static const struct po_catalog *catalog_of(const char *lang)
{
	if (!lang)
		return NULL;
	pthread_once(&loaded, load);
	size_t n = strcspn(lang, "-_");
	for (size_t i = 0; i < ncatalogs; i++)
		if (strlen(catalogs[i].lang) == n && strncmp(catalogs[i].lang, lang, n) == 0)
			return &catalogs[i];
	return NULL;
}

bool po_has_language(const char *lang)
{
	return catalog_of(lang) != NULL;
}

const char *po_translate(const char *lang, const char *id, bool *fuzzy)
{
	const struct po_catalog *c = catalog_of(lang);
	const struct po_entry *en = c ? po_find(c, NULL, id) : NULL;
	if (!en || !en->str[0])
		return NULL;
	if (fuzzy)
		*fuzzy = en->fuzzy;
	return en->str;
}
