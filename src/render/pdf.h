/*
 * pdf.h - printed documents: A4 pages laid out by pango, drawn by cairo's
 * PDF surface.
 *
 * A document is built as a list of blocks (headings, paragraphs, table
 * rows) and laid out only when it is finished, so the footer of every page
 * can say something learnt while the blocks were added (that a translation
 * is a draft). Pages break between blocks. Every text carries its language
 * (a BCP 47 tag, NULL for English): pango shapes it for that language, and
 * a right-to-left language (Arabic) is set right to left and aligned right.
 * Fonts come from fontconfig; Noto Sans first, with its Arabic and Ethiopic
 * families for the scripts it lacks (scripts/install-deps).
 */
#ifndef WM_RENDER_PDF_H
#define WM_RENDER_PDF_H

#include <stdbool.h>
#include <stddef.h>

#include "../domain/err.h"

struct pdf_doc;

/* One text and its language (NULL or "": English). */
struct pdf_text {
	const char *text;
	const char *lang;
};

#define PDF_CELL_LINES 2 /* a cell's texts: English, and its translation */
#define PDF_ROW_CELLS  5

/* One cell of a table row: up to two texts one above the other (the
 * English and its translation); a NULL or "" text is skipped. */
struct pdf_cell {
	struct pdf_text line[PDF_CELL_LINES];
};

/* A new document; title is the PDF's Title (what the document is for,
 * never a person's name). NULL when out of memory. */
struct pdf_doc *pdf_new(const char *title);

/* Releases doc. */
void pdf_free(struct pdf_doc *doc);

/* The document's heading (large, bold), a section heading, a paragraph, a
 * paragraph in small type. Texts are copied. */
void pdf_title(struct pdf_doc *doc, const char *text, const char *lang);
void pdf_heading(struct pdf_doc *doc, const char *text, const char *lang);
void pdf_paragraph(struct pdf_doc *doc, const char *text, const char *lang);
void pdf_small(struct pdf_doc *doc, const char *text, const char *lang);

/* A paragraph in English followed by its translation (tr NULL or "": the
 * English alone), set apart so that each reader finds their own. */
void pdf_bilingual(struct pdf_doc *doc, const char *en, const char *tr, const char *lang);

/* A table row of n cells (1 to PDF_ROW_CELLS), each widths[i] parts of the
 * text width (the parts are summed); header rows are bold and shaded. A row
 * is never split across pages. */
void pdf_row(struct pdf_doc *doc, size_t n, const struct pdf_cell *cells, const double *widths,
	     bool header);

/* A label and its value, as a two-cell row (label a third of the width). */
void pdf_label(struct pdf_doc *doc, const struct pdf_cell *label, const char *value,
	       const char *value_lang);

/* Vertical space, in points. */
void pdf_space(struct pdf_doc *doc, double points);

/* A line at the foot of every page (copied; up to four, in order), above
 * the page number. */
void pdf_footer(struct pdf_doc *doc, const char *text, const char *lang);

/* Lays out and draws the document: *out is a malloc'd PDF of *len bytes.
 * WM_ERR_NOMEM when anything could not be allocated (an earlier add that
 * failed is reported here), WM_ERR_IO when cairo failed. */
wm_err pdf_finish(struct pdf_doc *doc, char **out, size_t *len);

/* Whether lang (a BCP 47 tag) is written right to left. */
bool pdf_lang_rtl(const char *lang);

#endif
