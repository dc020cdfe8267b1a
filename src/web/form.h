/*
 * form.h - a posted HTML form: application/x-www-form-urlencoded, or
 * multipart/form-data with one file (a page's upload).
 *
 * The names and values are decoded ("+" and %XX) into one block the form
 * owns; a body that is not valid UTF-8 once decoded, holds a bad escape, a
 * NUL or too many fields is refused whole. A file's bytes are kept as
 * they came (any bytes), in the same block.
 */
#ifndef WM_WEB_FORM_H
#define WM_WEB_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "../http/http.h"

#define FORM_FIELDS_MAX 256

struct form {
	size_t n;
	const char *name[FORM_FIELDS_MAX];
	const char *value[FORM_FIELDS_MAX];
	char *block; /* the decoded text, wiped when freed (it may hold a password) */
	size_t block_len;
	/* multipart: the part named "file" that came as a file (its name
	 * is not kept), in the block; has_file is false when none came. */
	bool has_file;
	const char *file;
	size_t file_len;
};

/* Parses len bytes of body into f; false (f empty) when malformed. */
bool form_parse(const char *body, size_t len, struct form *f);

/* Parses r's multipart/form-data body (http_multipart) into f; false (f
 * empty) when malformed, when a plain field is not UTF-8 or holds a NUL,
 * or when a file comes under another name than "file", or twice. */
bool form_parse_multipart(struct http_req *r, struct form *f);

/* The first value of name, or NULL. */
const char *form_get(const struct form *f, const char *name);

/* Wipes and frees what form_parse kept. */
void form_free(struct form *f);

#endif
