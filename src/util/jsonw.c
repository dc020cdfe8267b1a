/*
 * jsonw.c - compact JSON text from a jansson value (see jsonw.h).
 */
#include "jsonw.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* 1 for the bytes a JSON string cannot hold as they are. */
#define CTL16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char must_escape[256] = {CTL16, CTL16, ['"'] = 1, ['\\'] = 1};
#undef CTL16

void jsonw_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	buf_addc(b, '"');
	size_t run = 0; /* start of the bytes not yet copied */
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!must_escape[ch])
			continue;
		buf_add(b, s + run, i - run);
		run = i + 1;
		char esc[6] = {'\\', 0};
		size_t len = 2;
		switch (ch) {
		case '"':
		case '\\':
			esc[1] = (char)ch;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
			len = 6;
		}
		buf_add(b, esc, len);
	}
	buf_add(b, s + run, n - run);
	buf_addc(b, '"');
}

/* An integer in decimal, without printf. */
static void add_integer(struct buf *b, json_int_t v)
{
	char text[24];
	char *end = text + sizeof text, *p = end;
	/* Through the unsigned magnitude, so the most negative value works. */
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	if (v < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(end - p));
}

/* A real as jansson writes it: %.17g, and ".0" when that reads as an
 * integer. JSON has no NaN or infinity: false for those. */
static bool add_real(struct buf *b, double v)
{
	if (!isfinite(v))
		return false;
	char text[40];
	int n = snprintf(text, sizeof text, "%.17g", v);
	if (n < 0 || (size_t)n >= sizeof text - 2)
		return false;
	for (char *p = text; *p; p++)
		if (*p == ',')
			*p = '.'; /* a locale's decimal comma */
	char *e = strchr(text, 'e');
	if (e) { /* "1e+300" and "1e-07" as jansson writes them: "1e300", "1e-7" */
		char *digits = e + 1 + (e[1] == '-' || e[1] == '+');
		char *from = digits;
		while (*from == '0' && from[1])
			from++;
		char *to = e + 1 + (e[1] == '-');
		memmove(to, from, strlen(from) + 1);
		n = (int)strlen(text);
	}
	if (!strpbrk(text, ".eE")) {
		memcpy(text + n, ".0", 3);
		n += 2;
	}
	buf_add(b, text, (size_t)n);
	return true;
}

static bool add_value(struct buf *b, const json_t *j, int depth)
{
	if (depth > JSONW_DEPTH_MAX)
		return false;
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		buf_addc(b, '{');
		bool first = true;
		for (void *it = json_object_iter((json_t *)j); it;
		     it = json_object_iter_next((json_t *)j, it)) {
			if (!first)
				buf_addc(b, ',');
			first = false;
			jsonw_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
			buf_addc(b, ':');
			if (!add_value(b, json_object_iter_value(it), depth + 1))
				return false;
		}
		buf_addc(b, '}');
		return true;
	}
	case JSON_ARRAY: {
		buf_addc(b, '[');
		size_t n = json_array_size(j);
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_addc(b, ',');
			if (!add_value(b, json_array_get(j, i), depth + 1))
				return false;
		}
		buf_addc(b, ']');
		return true;
	}
	case JSON_STRING:
		jsonw_string(b, json_string_value(j), json_string_length(j));
		return true;
	case JSON_INTEGER:
		add_integer(b, json_integer_value(j));
		return true;
	case JSON_REAL:
		return add_real(b, json_real_value(j));
	case JSON_TRUE:
		buf_add(b, "true", 4);
		return true;
	case JSON_FALSE:
		buf_add(b, "false", 5);
		return true;
	case JSON_NULL:
		buf_add(b, "null", 4);
		return true;
	}
	assert(!"a jansson value of no known type");
	return false;
}

bool jsonw_value(struct buf *b, const json_t *j)
{
	return j && add_value(b, j, 0) && !b->failed;
}
