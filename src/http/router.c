/*
 * router.c - segment-by-segment matching of raw paths against patterns.
 */
#include "router.h"

#include <stdio.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes len bytes of s into out (cap bytes, NUL-terminated);
 * false on a bad escape, a NUL, or no room. */
static bool decode(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '%') {
			if (len - i < 3)
				return false;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0' || o + 1 >= cap)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

/* Whether path (path_len bytes) has pattern's shape: its literal text
 * byte for byte, and a segment that is not empty wherever the pattern has
 * a placeholder. Most routes are refused at their first differing byte,
 * and nothing is decoded. */
static bool same_shape(const char *pattern, const char *path, size_t path_len)
{
	/* A pattern ending in literal text ends in the path's last byte:
	 * most of the routes below /survivors/{id}/ fail here at once. */
	size_t plen = strlen(pattern);
	if (plen > 0 && pattern[plen - 1] != '}' &&
	    (path_len == 0 || path[path_len - 1] != pattern[plen - 1]))
		return false;
	const char *p = pattern, *s = path;
	for (;;) {
		if (*p == '{' && p > pattern && p[-1] == '/') {
			if (*s == '\0' || *s == '/')
				return false;
			while (*s && *s != '/')
				s++;
			while (*p && *p != '/')
				p++;
			continue;
		}
		if (*p != *s)
			return false;
		if (*p == '\0')
			return true;
		p++;
		s++;
	}
}

/* Decodes the parameters of path, which has pattern's shape, into m;
 * false when one holds a bad escape, a NUL or is too long (it matches
 * nothing). */
static bool take_params(const char *pattern, const char *path, struct route_match *m)
{
	int np = 0;
	const char *p = pattern, *s = path;
	while (*p) {
		if (*p == '{' && p > pattern && p[-1] == '/') {
			size_t slen = 0;
			while (s[slen] && s[slen] != '/')
				slen++;
			if (np == ROUTE_MAX_PARAMS ||
			    !decode(s, slen, m->params[np], sizeof m->params[np]) ||
			    m->params[np][0] == '\0')
				return false;
			np++;
			s += slen;
			while (*p && *p != '/')
				p++;
			continue;
		}
		p++;
		s++;
	}
	m->nparams = np;
	return true;
}

/* Appends a method to the Allow list unless it is there already. */
static void allow_add(struct route_match *out, size_t *used, const char *method)
{
	size_t mlen = strlen(method);
	for (const char *a = out->allow; (a = strstr(a, method)) != NULL; a += mlen)
		if ((a == out->allow || a[-1] == ' ') && (a[mlen] == ',' || a[mlen] == '\0'))
			return;
	int w = snprintf(out->allow + *used, sizeof out->allow - *used, "%s%s", *used ? ", " : "",
			 method);
	if (w > 0 && (size_t)w < sizeof out->allow - *used)
		*used += (size_t)w;
	else
		out->allow[*used] = '\0'; /* no room: the list stays whole */
}

void router_match(const struct route *table, size_t n, const char *method, const char *path,
		  struct route_match *out)
{
	memset(out, 0, sizeof *out);
	/* HEAD is GET without the body (the server leaves the body out). */
	const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
	size_t used = 0, path_len = strlen(path);
	for (size_t i = 0; i < n; i++) {
		if (!same_shape(table[i].pattern, path, path_len))
			continue;
		/* A parameter that does not decode matches nothing (its
		 * pattern's other methods neither: they decode the same). */
		struct route_match tmp;
		if (!take_params(table[i].pattern, path, &tmp))
			continue;
		out->path_known = true;
		if (strcmp(table[i].method, want) == 0 && !out->route) {
			memcpy(out->params, tmp.params, sizeof out->params);
			out->nparams = tmp.nparams;
			out->route = &table[i];
		}
		allow_add(out, &used, table[i].method);
		if (strcmp(table[i].method, "GET") == 0)
			allow_add(out, &used, "HEAD");
	}
}
