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
