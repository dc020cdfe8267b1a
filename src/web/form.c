/*
 * form.c - decoding a posted form (form.h).
 */
#include "form.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../util/text.h"

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decodes s[0..len) into out (never longer); false on a bad
 * escape or a NUL. */
static bool decode(const char *s, size_t len, char *out, size_t *outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (ch == '+') {
			ch = ' ';
		} else if (ch == '%') {
			if (i + 2 >= len)
				return false;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			ch = (char)(hi << 4 | lo);
			i += 2;
		}
		if (ch == '\0')
			return false;
		out[o++] = ch;
	}
	out[o] = '\0';
	*outlen = o;
	return true;
}

bool form_parse(const char *body, size_t len, struct form *f)
{
	memset(f, 0, sizeof *f);
	/* Decoded text is never longer than the body: one block holds every
	 * name and value, each NUL-terminated. */
	f->block_len = len * 2 + 2;
	f->block = malloc(f->block_len);
	if (!f->block)
		return false;
	char *w = f->block;
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && body[end] != '&')
			end++;
		if (end > i) {
			if (f->n == FORM_FIELDS_MAX)
				goto bad;
			const char *eq = memchr(body + i, '=', end - i);
			size_t nlen = eq ? (size_t)(eq - (body + i)) : end - i;
			size_t d;
			if (!decode(body + i, nlen, w, &d) || !text_utf8_valid(w, d))
				goto bad;
			f->name[f->n] = w;
			w += d + 1;
			const char *v = eq ? eq + 1 : body + end;
			size_t vlen = (size_t)(body + end - v);
			if (!decode(v, vlen, w, &d) || !text_utf8_valid(w, d))
				goto bad;
			f->value[f->n] = w;
			w += d + 1;
			f->n++;
		}
		i = end + 1;
	}
	return true;
bad:
	form_free(f);
	return false;
}

/* Where a multipart form's next bytes go in its block. */
struct parts {
	struct form *f;
	size_t used;
	size_t start; /* the value being written: its first byte in the block */
	bool open;    /* a value is being written */
	bool is_file;
	const char *name;
};

/* Ends the value being written: NUL-terminated, and checked unless a file. */
static bool close_value(struct parts *ps)
{
	if (!ps->open)
		return true;
	struct form *f = ps->f;
	const char *v = f->block + ps->start;
	size_t len = ps->used - ps->start;
	f->block[ps->used++] = '\0';
	ps->open = false;
	if (ps->is_file) {
		f->file = v;
		f->file_len = len;
		return true;
	}
	if (memchr(v, '\0', len) || !text_utf8_valid(v, len))
		return false;
	f->value[f->n++] = v;
	return true;
}

static bool on_part(void *ctx, const char *name, const char *filename, const char *data, size_t off,
		    size_t len)
{
	struct parts *ps = ctx;
	struct form *f = ps->f;
	if (off == 0) {
		if (!close_value(ps))
			return false;
		bool is_file = filename != NULL;
		size_t nlen = strlen(name);
		if ((is_file && (strcmp(name, "file") != 0 || f->has_file)) ||
		    f->n == FORM_FIELDS_MAX || !text_utf8_valid(name, nlen) ||
		    nlen + 1 > f->block_len - ps->used)
			return false;
		ps->is_file = is_file;
		f->has_file = f->has_file || is_file;
		ps->name = f->block + ps->used;
		memcpy(f->block + ps->used, name, nlen + 1);
		ps->used += nlen + 1;
		if (!is_file)
			f->name[f->n] = ps->name;
		ps->start = ps->used;
		ps->open = true;
	} else if (!ps->open || off != ps->used - ps->start || strcmp(name, ps->name) != 0) {
		return false; /* a piece that does not follow the last */
	}
	/* One byte stays free for the value's NUL. */
	if (len >= f->block_len - ps->used)
		return false;
	memcpy(f->block + ps->used, data, len);
	ps->used += len;
	return true;
}

bool form_parse_multipart(struct http_req *r, struct form *f)
{
	memset(f, 0, sizeof *f);
	size_t len;
	http_body(r, &len);
	/* Names and values are no longer than the body; each gets a NUL. */
	f->block_len = len + 2 * (FORM_FIELDS_MAX + 1) + 1;
	f->block = malloc(f->block_len);
	if (!f->block)
		return false;
	struct parts ps = {.f = f};
	if (!http_multipart(r, on_part, &ps) || !close_value(&ps)) {
		form_free(f);
		return false;
	}
	return true;
}

const char *form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}

void form_free(struct form *f)
{
	if (f->block)
		sodium_memzero(f->block, f->block_len);
	free(f->block);
	memset(f, 0, sizeof *f);
}
