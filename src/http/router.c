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

/* Matches path against pattern, filling params; false when it does not.
 * Literal text is compared byte by byte, so most routes are refused at
 * their first differing byte; a placeholder takes one whole segment. */
static bool match(const char *pattern, const char *path, struct route_match *m)
{
	int np = 0;
	const char *p = pattern, *s = path;
	for (;;) {
		if (*p == '{' && p > pattern && p[-1] == '/') {
			size_t slen = 0;
			while (s[slen] && s[slen] != '/')
				slen++;
			if (slen == 0 || np == ROUTE_MAX_PARAMS ||
			    !decode(s, slen, m->params[np], sizeof m->params[np]) ||
			    m->params[np][0] == '\0')
				return false;
			np++;
			s += slen;
			while (*p && *p != '/')
				p++;
			continue;
		}
		if (*p != *s)
			return false;
		if (*p == '\0')
			break;
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
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		struct route_match tmp;
		if (!match(table[i].pattern, path, &tmp))
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
