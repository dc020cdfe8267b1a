/*
 * text.c - UTF-8 helpers.
 *
 * Case folding uses glibc's built-in C.UTF-8 locale through towlower_l, so
 * it does not depend on the process locale or on what is installed.
 */
#define _GNU_SOURCE
#include "text.h"

#include <locale.h>
#include <stdint.h>
#include <string.h>
#include <wctype.h>

static locale_t utf8_locale;

bool text_init(void)
{
	if (!utf8_locale)
		utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	return utf8_locale != (locale_t)0;
}

/* Decodes one code point at s (n bytes left); returns its length, 0 if bad. */
static size_t decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (n == 0)
		return 0;
	unsigned c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t len;
	uint32_t v, min;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

size_t text_utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

bool text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = decode(p + i, len - i, &cp);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

bool text_has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7F)
			return true;
	return false;
}

/* Code points that make one line of text display as something else: C1
 * controls, the line and paragraph separators (a second line inside one),
 * and the bidirectional embeddings, overrides and isolates (a name with a
 * right-to-left override displays as someone else's name). */
static bool deceives_on_one_line(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

bool text_has_newline_or_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);
	while (left > 0) {
		uint32_t cp;
		size_t n = decode(p, left, &cp);
		/* Malformed UTF-8 is refused too: what it displays as is anyone's guess. */
		if (n == 0 || cp < 0x20 || cp == 0x7F || deceives_on_one_line(cp))
			return true;
		p += n;
		left -= n;
	}
	return false;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

size_t text_trimmed_len(const char *s)
{
	const char *b = s, *e = s + strlen(s);
	while (b < e && is_space((unsigned char)*b))
		b++;
	while (e > b && is_space((unsigned char)e[-1]))
		e--;
	return (size_t)(e - b);
}

bool text_fold(const char *s, char *out, size_t cap)
{
	if (cap == 0 || !text_init())
		return false;
	const char *b = s;
	while (is_space((unsigned char)*b))
		b++;
	size_t len = text_trimmed_len(b);
	const unsigned char *p = (const unsigned char *)b;
	size_t i = 0, o = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = decode(p + i, len - i, &cp);
		if (n == 0)
			return false;
		i += n;
		char enc[4];
		size_t w = text_utf8_encode((uint32_t)towlower_l((wint_t)cp, utf8_locale), enc);
		if (o + w + 1 > cap)
			return false;
		memcpy(out + o, enc, w);
		o += w;
	}
	out[o] = '\0';
	return true;
}

void text_copy(char *dst, size_t cap, const char *src)
{
	if (cap == 0)
		return;
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

size_t text_int(char out[TEXT_INT_LEN], int64_t v)
{
	char digits[TEXT_INT_LEN];
	size_t n = 0;
	/* In unsigned arithmetic, so that the least int64_t has a magnitude. */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		digits[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	size_t len = 0;
	if (v < 0)
		out[len++] = '-';
	while (n)
		out[len++] = digits[--n];
	out[len] = '\0';
	return len;
}
