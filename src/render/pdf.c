/*
 * pdf.c - printed documents over cairo's PDF surface and pango's layouts.
 *
 * Blocks are kept until pdf_finish, which lays each out at the text width,
 * starts a new page when the next block does not fit above the footer, and
 * draws the footer and page number on each page as it is closed.
 */
#define _POSIX_C_SOURCE 200809L
#include "pdf.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"

/* A4 in points, and the margins (20 mm). */
#define PAGE_W	     595.276
#define PAGE_H	     841.890
#define MARGIN	     56.693
#define TEXT_W	     (PAGE_W - 2 * MARGIN)
#define FOOTER_LINES 4
#define CELL_PAD     4.0

/* Noto Sans first; fontconfig falls back to the families named after it for
 * the scripts it has no glyphs for. */
#define FONTS "Noto Sans, Noto Sans Arabic, Noto Naskh Arabic, Noto Sans Ethiopic"

enum block_kind { B_TITLE, B_HEADING, B_PARA, B_SMALL, B_TRANSLATION, B_ROW, B_SPACE };

struct block {
	enum block_kind kind;
	bool header; /* a row: bold and shaded */
	double space;
	size_t ncells;
	double widths[PDF_ROW_CELLS];
	char *text[PDF_ROW_CELLS][PDF_CELL_LINES];
	char *lang[PDF_ROW_CELLS][PDF_CELL_LINES];
};

struct pdf_doc {
	char *title;
	struct block *blocks;
	size_t n, cap;
	char *footer[FOOTER_LINES];
	char *footer_lang[FOOTER_LINES];
	size_t nfooter;
	bool failed; /* an allocation failed: pdf_finish says so */
};

static char *dup_or_null(struct pdf_doc *doc, const char *s)
{
	if (!s || !s[0])
		return NULL;
	char *d = strdup(s);
	if (!d)
		doc->failed = true;
	return d;
}

/* For the sanitizer builds (make asan): fontconfig leaks one pattern (288
 * bytes) while it parses its configuration, once per process, beyond our
 * reach. The sanitizers' fast unwinder stops inside fontconfig, so the
 * suppression names the library: nothing here allocates through fontconfig
 * itself (pango does, and the document's font map releases what it took).
 * LeakSanitizer asks the program for its suppressions through this
 * function; in other builds nothing calls it. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

bool pdf_lang_rtl(const char *lang)
{
	static const char *const rtl[] = {"ar", "fa", "ur", "he", "ps", "yi", "ckb", "dv", "sd"};
	if (!lang)
		return false;
	size_t n = strcspn(lang, "-_");
	for (size_t i = 0; i < sizeof rtl / sizeof rtl[0]; i++)
		if (strlen(rtl[i]) == n && strncmp(lang, rtl[i], n) == 0)
			return true;
	return false;
}

struct pdf_doc *pdf_new(const char *title)
{
	struct pdf_doc *doc = calloc(1, sizeof *doc);
	if (!doc)
		return NULL;
	doc->title = strdup(title ? title : "Document");
	if (!doc->title) {
		free(doc);
		return NULL;
	}
	return doc;
}

static void block_free(struct block *b)
{
	for (size_t i = 0; i < PDF_ROW_CELLS; i++)
		for (size_t j = 0; j < PDF_CELL_LINES; j++) {
			free(b->text[i][j]);
			free(b->lang[i][j]);
		}
}

void pdf_free(struct pdf_doc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->n; i++)
		block_free(&doc->blocks[i]);
	for (size_t i = 0; i < doc->nfooter; i++) {
		free(doc->footer[i]);
		free(doc->footer_lang[i]);
	}
	free(doc->blocks);
	free(doc->title);
	free(doc);
}

/* A new zeroed block at the end, or NULL (remembered) when out of memory. */
static struct block *add(struct pdf_doc *doc, enum block_kind kind)
{
	if (doc->n == doc->cap) {
		size_t cap = doc->cap ? doc->cap * 2 : 32;
		struct block *b = realloc(doc->blocks, cap * sizeof *b);
		if (!b) {
			doc->failed = true;
			return NULL;
		}
		doc->blocks = b;
		doc->cap = cap;
	}
	struct block *b = &doc->blocks[doc->n++];
	memset(b, 0, sizeof *b);
	b->kind = kind;
	return b;
}

static void add_text(struct pdf_doc *doc, enum block_kind kind, const char *text, const char *lang)
{
	if (!text || !text[0])
		return;
	struct block *b = add(doc, kind);
	if (!b)
		return;
	b->ncells = 1;
	b->widths[0] = 1;
	b->text[0][0] = dup_or_null(doc, text);
	b->lang[0][0] = dup_or_null(doc, lang);
}

void pdf_title(struct pdf_doc *doc, const char *text, const char *lang)
{
	add_text(doc, B_TITLE, text, lang);
}

void pdf_heading(struct pdf_doc *doc, const char *text, const char *lang)
{
	add_text(doc, B_HEADING, text, lang);
}

void pdf_paragraph(struct pdf_doc *doc, const char *text, const char *lang)
{
	add_text(doc, B_PARA, text, lang);
}

void pdf_small(struct pdf_doc *doc, const char *text, const char *lang)
{
	add_text(doc, B_SMALL, text, lang);
}

void pdf_bilingual(struct pdf_doc *doc, const char *en, const char *tr, const char *lang)
{
	add_text(doc, B_PARA, en, NULL);
	add_text(doc, B_TRANSLATION, tr, lang);
}

void pdf_row(struct pdf_doc *doc, size_t n, const struct pdf_cell *cells, const double *widths,
	     bool header)
{
	if (n == 0 || n > PDF_ROW_CELLS)
		return;
	struct block *b = add(doc, B_ROW);
	if (!b)
		return;
	b->header = header;
	b->ncells = n;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += widths[i] > 0 ? widths[i] : 1;
	for (size_t i = 0; i < n; i++) {
		b->widths[i] = (widths[i] > 0 ? widths[i] : 1) / sum;
		for (size_t j = 0; j < PDF_CELL_LINES; j++) {
			b->text[i][j] = dup_or_null(doc, cells[i].line[j].text);
			b->lang[i][j] =
			    b->text[i][j] ? dup_or_null(doc, cells[i].line[j].lang) : NULL;
		}
	}
}

void pdf_label(struct pdf_doc *doc, const struct pdf_cell *label, const char *value,
	       const char *value_lang)
{
	struct pdf_cell cells[2] = {*label, {{{value, value_lang}, {NULL, NULL}}}};
	static const double widths[2] = {1, 2};
	pdf_row(doc, 2, cells, widths, false);
}

void pdf_space(struct pdf_doc *doc, double points)
{
	struct block *b = add(doc, B_SPACE);
	if (b)
		b->space = points;
}

void pdf_footer(struct pdf_doc *doc, const char *text, const char *lang)
{
	if (!text || !text[0] || doc->nfooter == FOOTER_LINES)
		return;
	doc->footer[doc->nfooter] = dup_or_null(doc, text);
	doc->footer_lang[doc->nfooter] = dup_or_null(doc, lang);
	doc->nfooter++;
}

/* ---- laying out ---- */

struct style {
	double size; /* points */
	bool bold;
	double r, g, b;
	double before, after; /* space around the block, points */
};

static struct style style_of(enum block_kind k)
{
	switch (k) {
	case B_TITLE:
		return (struct style){18, true, 0, 0.37, 0.72, 0, 10}; /* NHS blue */
	case B_HEADING:
		return (struct style){13, true, 0.1, 0.1, 0.1, 10, 4};
	case B_SMALL:
		return (struct style){8.5, false, 0.25, 0.25, 0.25, 0, 4};
	case B_TRANSLATION:
		return (struct style){10.5, false, 0.12, 0.22, 0.45, 0, 8};
	default:
		return (struct style){10.5, false, 0.05, 0.05, 0.05, 0, 6};
	}
}

/* Where a document is drawn: its cairo context, and the font map its
 * layouts take their fonts from. The font map is the document's own, made
 * and released with it (rather than pango's default, one per thread and
 * never released), so nothing of fontconfig's outlives the document. */
struct ink {
	cairo_t *cr;
	PangoFontMap *fonts;
};

/* A layout of text in lang at width (points), in st's type. */
static PangoLayout *layout_of(const struct ink *ink, const char *text, const char *lang,
			      double width, const struct style *st)
{
	/* A context of the layout's own: its language and direction are the
	 * paragraph's. */
	PangoContext *ctx = pango_font_map_create_context(ink->fonts);
	pango_cairo_update_context(ink->cr, ctx);
	bool rtl = pdf_lang_rtl(lang);
	/* The paragraph's direction comes from its language, not from its
	 * first letter: an Arabic text that begins with a date is still
	 * right to left. */
	pango_context_set_base_dir(ctx, rtl ? PANGO_DIRECTION_RTL : PANGO_DIRECTION_LTR);
	pango_context_set_language(ctx, pango_language_from_string(lang && lang[0] ? lang : "en"));
	PangoLayout *l = pango_layout_new(ctx);
	g_object_unref(ctx); /* the layout holds it */
	pango_layout_set_auto_dir(l, FALSE);
	PangoFontDescription *fd = pango_font_description_from_string(FONTS);
	pango_font_description_set_absolute_size(fd, st->size * PANGO_SCALE);
	pango_font_description_set_weight(fd, st->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, rtl ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
	pango_layout_set_text(l, text, -1);
	return l;
}

static double layout_height(PangoLayout *l)
{
	int w, h;
	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static void draw_layout(cairo_t *cr, PangoLayout *l, double x, double y, const struct style *st)
{
	cairo_set_source_rgb(cr, st->r, st->g, st->b);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, l);
}

struct page {
	struct ink ink;
	double y; /* where the next block starts */
	int number;
	const struct pdf_doc *doc;
	double footer_top;
};

/* The footer's lines and the page number, at the foot of the page. */
static void draw_footer(struct page *p)
{
	struct style st = style_of(B_SMALL);
	double y = p->footer_top + 6;
	cairo_set_source_rgb(p->ink.cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(p->ink.cr, 0.5);
	cairo_move_to(p->ink.cr, MARGIN, p->footer_top);
	cairo_line_to(p->ink.cr, PAGE_W - MARGIN, p->footer_top);
	cairo_stroke(p->ink.cr);
	for (size_t i = 0; i < p->doc->nfooter; i++) {
		PangoLayout *l =
		    layout_of(&p->ink, p->doc->footer[i], p->doc->footer_lang[i], TEXT_W, &st);
		draw_layout(p->ink.cr, l, MARGIN, y, &st);
		y += layout_height(l) + 2;
		g_object_unref(l);
	}
	char num[32];
	snprintf(num, sizeof num, "Page %d", p->number);
	PangoLayout *l = layout_of(&p->ink, num, NULL, TEXT_W, &st);
	pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
	draw_layout(p->ink.cr, l, MARGIN, y, &st);
	g_object_unref(l);
}

/* The height the footer needs: its lines and the page number. */
static double footer_height(const struct ink *ink, const struct pdf_doc *doc)
{
	struct style st = style_of(B_SMALL);
	double h = 8;
	for (size_t i = 0; i < doc->nfooter; i++) {
		PangoLayout *l = layout_of(ink, doc->footer[i], doc->footer_lang[i], TEXT_W, &st);
		h += layout_height(l) + 2;
		g_object_unref(l);
	}
	PangoLayout *l = layout_of(ink, "Page 1", NULL, TEXT_W, &st);
	h += layout_height(l);
	g_object_unref(l);
	return h;
}

static void next_page(struct page *p)
{
	draw_footer(p);
	cairo_show_page(p->ink.cr);
	p->number++;
	p->y = MARGIN;
}

/* Makes room for h points: a new page when the block does not fit (unless
 * the page is still empty: a block taller than a page is drawn anyway). */
static void room(struct page *p, double h)
{
	if (p->y + h > p->footer_top - 6 && p->y > MARGIN)
		next_page(p);
}

static void draw_text_block(struct page *p, const struct block *b)
{
	struct style st = style_of(b->kind);
	PangoLayout *l = layout_of(&p->ink, b->text[0][0], b->lang[0][0], TEXT_W, &st);
	double h = layout_height(l);
	room(p, st.before + h);
	if (p->y > MARGIN)
		p->y += st.before;
	draw_layout(p->ink.cr, l, MARGIN, p->y, &st);
	p->y += h + st.after;
	g_object_unref(l);
}

static void draw_row(struct page *p, const struct block *b)
{
	struct style st = style_of(B_PARA);
	st.bold = b->header;
	struct style tr = style_of(B_TRANSLATION);
	tr.bold = b->header;
	PangoLayout *ls[PDF_ROW_CELLS][PDF_CELL_LINES] = {{NULL}};
	double h = 0;
	for (size_t i = 0; i < b->ncells; i++) {
		double w = b->widths[i] * TEXT_W - 2 * CELL_PAD;
		double ch = 0;
		for (size_t j = 0; j < PDF_CELL_LINES; j++) {
			if (!b->text[i][j])
				continue;
			ls[i][j] =
			    layout_of(&p->ink, b->text[i][j], b->lang[i][j], w, j == 0 ? &st : &tr);
			ch += layout_height(ls[i][j]) + 1;
		}
		if (ch > h)
			h = ch;
	}
	h += 2 * CELL_PAD;
	room(p, h);
	if (b->header) {
		cairo_set_source_rgb(p->ink.cr, 0.91, 0.93, 0.94);
		cairo_rectangle(p->ink.cr, MARGIN, p->y, TEXT_W, h);
		cairo_fill(p->ink.cr);
	}
	double x = MARGIN;
	for (size_t i = 0; i < b->ncells; i++) {
		double y = p->y + CELL_PAD;
		for (size_t j = 0; j < PDF_CELL_LINES; j++) {
			if (!ls[i][j])
				continue;
			draw_layout(p->ink.cr, ls[i][j], x + CELL_PAD, y, j == 0 ? &st : &tr);
			y += layout_height(ls[i][j]) + 1;
			g_object_unref(ls[i][j]);
		}
		x += b->widths[i] * TEXT_W;
	}
	/* A rule under each row: a table reads across. */
	cairo_set_source_rgb(p->ink.cr, 0.82, 0.84, 0.86);
	cairo_set_line_width(p->ink.cr, 0.5);
	cairo_move_to(p->ink.cr, MARGIN, p->y + h);
	cairo_line_to(p->ink.cr, PAGE_W - MARGIN, p->y + h);
	cairo_stroke(p->ink.cr);
	p->y += h;
}

static cairo_status_t write_out(void *closure, const unsigned char *data, unsigned int length)
{
	struct buf *b = closure;
	buf_add(b, (const char *)data, length);
	return b->failed ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

wm_err pdf_finish(struct pdf_doc *doc, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	if (doc->failed)
		return WM_ERR_NOMEM;
	struct buf b = BUF_INIT;
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_out, &b, PAGE_W, PAGE_H);
	/* What the document is for, and nothing about whom it is for: a
	 * viewer shows the title in its window and its list of recent files. */
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, doc->title);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "Waymark");
	cairo_t *cr = cairo_create(s);
	struct page p = {{cr, pango_cairo_font_map_new()}, MARGIN, 1, doc, 0};
	p.footer_top = PAGE_H - MARGIN / 2 - footer_height(&p.ink, doc);
	for (size_t i = 0; i < doc->n; i++) {
		const struct block *bl = &doc->blocks[i];
		if (bl->kind == B_SPACE)
			p.y += bl->space;
		else if (bl->kind == B_ROW)
			draw_row(&p, bl);
		else
			draw_text_block(&p, bl);
	}
	draw_footer(&p);
	cairo_show_page(cr);
	cairo_destroy(cr);
	g_object_unref(p.ink.fonts);
	cairo_surface_finish(s);
	cairo_status_t status = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (b.failed || status != CAIRO_STATUS_SUCCESS) {
		free(b.p);
		return b.failed || status == CAIRO_STATUS_NO_MEMORY ? WM_ERR_NOMEM : WM_ERR_IO;
	}
	*out = b.p;
	*len = b.len;
	return WM_OK;
}
