/*
 * buf.h - a growable byte buffer, for answers built a piece at a time
 * (rendered pages, CSV, SVG).
 *
 * A buffer that fails to grow remembers it: later additions do nothing and
 * buf_take answers NULL, so a caller checks once, at the end.
 */
#ifndef WM_BUF_H
#define WM_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *p;     /* NUL-terminated when not NULL */
	size_t len;  /* bytes held, not counting the NUL */
	size_t cap;  /* bytes allocated */
	bool failed; /* an allocation failed: the content is incomplete */
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0, false                                                                  \
	}

/* Appends n bytes of s. */
void buf_add(struct buf *b, const char *s, size_t n);

/* Appends the NUL-terminated string s. */
void buf_adds(struct buf *b, const char *s);

/* Appends one byte. */
void buf_addc(struct buf *b, char ch);

/* Appends printf-style formatted text. */
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends n bytes of s escaped for HTML text and attribute values
 * (& < > " ' and backquote become character references). */
void buf_add_html(struct buf *b, const char *s, size_t n);

/* Hands the content to the caller (malloc'd, NUL-terminated; its length in
 * *len when len is not NULL) and empties b; NULL when an allocation failed
 * (b is then freed). An empty buffer gives "". */
char *buf_take(struct buf *b, size_t *len);

/* Frees the content; b may be reused. */
void buf_free(struct buf *b);

/* As buf_free, overwriting the content with zeros first (it held a secret). */
void buf_wipe(struct buf *b);

#endif
