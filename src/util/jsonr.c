/*
 * jsonr.c - a fast reader of the compact JSON text the store seals (see
 * jsonr.h): one pass, no stream, strings without escapes taken straight
 * from the text. Whatever it is not sure of, it leaves to json_loadb.
 */
#include "jsonr.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "text.h"

struct reader {
	const char *p, *end;
	char *scratch; /* a string's bytes once its escapes are decoded */
	size_t cap;
};

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool at(const struct reader *r, char c)
{
	return r->p < r->end && *r->p == c;
}

/* The four hex digits at p; -1 when they are not. */
static long hex4(const char *p)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Decodes the escapes of the string whose bytes start at s (its first
 * backslash at q) into scratch; a decoded string is never longer than its
 * text. Leaves r->p at the closing quote. Scratch is made once, as long as
 * the rest of the text: every later string starts further on, so it never
 * grows (and no copy of a record's text is left behind by a move). */
static bool unescape(struct reader *r, const char *s, const char *q, size_t *len)
{
	if (!r->scratch) {
		r->cap = (size_t)(r->end - s);
		if (!(r->scratch = malloc(r->cap)))
			return false;
	}
	size_t n = (size_t)(q - s);
	memcpy(r->scratch, s, n);
	const char *p = q;
	while (p < r->end && *p != '"') {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20)
			return false;
		if (c != '\\') {
			r->scratch[n++] = (char)c;
			p++;
			continue;
		}
		if (r->end - p < 2)
			return false;
		char e = p[1];
		p += 2;
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *k = e ? strchr(from, e) : NULL;
		if (k) {
			r->scratch[n++] = to[k - from];
			continue;
		}
		if (e != 'u' || r->end - p < 4)
			return false;
		long u = hex4(p);
		p += 4;
		if (u >= 0xD800 && u <= 0xDBFF) {
			long lo = r->end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
			if (lo < 0xDC00 || lo > 0xDFFF)
				return false;
			p += 6;
			u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
		} else if (u <= 0 || (u >= 0xDC00 && u <= 0xDFFF)) {
			return false; /* not hex, "\u0000" (refused by json_loadb), a lone half */
		}
		n += text_utf8_encode((uint32_t)u, r->scratch + n);
	}
	if (p >= r->end)
		return false;
	r->p = p;
	*len = n;
	return true;
}

/* The string literal at r->p: its bytes in *out (in the text itself, or in
 * scratch until the next string when *escaped), valid UTF-8 without NUL. */
static bool string(struct reader *r, const char **out, size_t *len, bool *escaped)
{
	const char *s = ++r->p;
	const char *q = s;
	while (q < r->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
		q++;
	if (q >= r->end || (unsigned char)*q < 0x20)
		return false;
	*escaped = *q == '\\';
	if (*escaped) {
		if (!unescape(r, s, q, len))
			return false;
		*out = r->scratch;
	} else {
		r->p = q;
		*out = s;
		*len = (size_t)(q - s);
	}
	r->p++; /* the closing quote */
	return text_utf8_valid(*out, *len);
}

/* An integer: a real number is jansson's to read (its rounding and locale). */
static json_t *number(struct reader *r)
{
	const char *p = r->p;
	bool neg = p < r->end && *p == '-';
	p += neg;
	if (p >= r->end || *p < '0' || *p > '9')
		return NULL;
	if (*p == '0' && p + 1 < r->end && p[1] >= '0' && p[1] <= '9')
		return NULL; /* a leading zero */
	uint64_t v = 0;
	for (; p < r->end && *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
	}
	if (p < r->end && (*p == '.' || *p == 'e' || *p == 'E'))
		return NULL;
	if (v > (uint64_t)INT64_MAX + neg)
		return NULL; /* json_loadb: "too big integer" */
	r->p = p;
	if (neg)
		return json_integer(v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(json_int_t)v);
	return json_integer((json_int_t)v);
}

static json_t *literal(struct reader *r, const char *word, json_t *(*make)(void))
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return NULL;
	r->p += n;
	return make();
}

static json_t *value(struct reader *r, int depth);

/* After a member of an object or an array: 1 when a comma says more
 * follow, 0 at the closing character (passed), -1 at anything else. */
static int next_member(struct reader *r, char close)
{
	skip_space(r);
	if (at(r, ',') || at(r, close)) {
		return *r->p++ == ',';
	}
	return -1;
}

static json_t *object(struct reader *r, int depth)
{
	r->p++;
	json_t *o = json_object();
	if (!o)
		return NULL;
	skip_space(r);
	if (at(r, '}')) {
		r->p++;
		return o;
	}
	for (;;) {
		skip_space(r);
		const char *k;
		size_t kn;
		bool escaped;
		/* A key with an escape is left to jansson: keys are field names. */
		if (!at(r, '"') || !string(r, &k, &kn, &escaped) || escaped ||
		    json_object_getn(o, k, kn))
			break;
		skip_space(r);
		if (!at(r, ':'))
			break;
		r->p++;
		json_t *v = value(r, depth);
		if (!v || json_object_setn_new_nocheck(o, k, kn, v) != 0)
			break;
		int more = next_member(r, '}');
		if (more < 0)
			break;
		if (!more)
			return o;
	}
	json_decref(o);
	return NULL;
}

static json_t *array(struct reader *r, int depth)
{
	r->p++;
	json_t *a = json_array();
	if (!a)
		return NULL;
	skip_space(r);
	if (at(r, ']')) {
		r->p++;
		return a;
	}
	for (;;) {
		json_t *v = value(r, depth);
		if (!v || json_array_append_new(a, v) != 0)
			break;
		int more = next_member(r, ']');
		if (more < 0)
			break;
		if (!more)
			return a;
	}
	json_decref(a);
	return NULL;
}

static json_t *value(struct reader *r, int depth)
{
	skip_space(r);
	if (r->p >= r->end || depth >= JSONR_DEPTH_MAX)
		return NULL;
	switch (*r->p) {
	case '{':
		return object(r, depth + 1);
	case '[':
		return array(r, depth + 1);
	case '"': {
		const char *s;
		size_t n;
		bool escaped;
		return string(r, &s, &n, &escaped) ? json_stringn_nocheck(s, n) : NULL;
	}
	case 't':
		return literal(r, "true", json_true);
	case 'f':
		return literal(r, "false", json_false);
	case 'n':
		return literal(r, "null", json_null);
	default:
		return number(r);
	}
}

json_t *jsonr_read(const char *text, size_t len)
{
	struct reader r = {.p = text, .end = text + len};
	skip_space(&r);
	/* json_loadb reads an object or an array at the top, nothing else. */
	json_t *v = at(&r, '{') || at(&r, '[') ? value(&r, 0) : NULL;
	skip_space(&r);
	if (v && r.p != r.end) {
		json_decref(v);
		v = NULL;
	}
	if (r.scratch) {
		sodium_memzero(r.scratch, r.cap); /* it held a record's text */
		free(r.scratch);
	}
	return v;
}
