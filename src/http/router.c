/*
 * router.c - segment-by-segment matching of paths against patterns.
 */
#include "router.h"

#include <stdio.h>
#include <string.h>

/* Matches path against pattern, filling params; false when it does not. */
static bool match(const char *pattern, const char *path, struct route_match *m)
{
	int np = 0;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return false;
		p++;
		s++;
		size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
		if (p[0] == '{') {
			if (slen == 0 || slen >= ROUTE_PARAM_MAX || np == ROUTE_MAX_PARAMS)
				return false;
			memcpy(m->params[np], s, slen);
			m->params[np][slen] = '\0';
			np++;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return false;
		}
		p += plen;
		s += slen;
	}
	if (*p || *s)
		return false;
	m->nparams = np;
	return true;
}

void router_match(const struct route *table, size_t n, const char *method, const char *path,
		  struct route_match *out)
{
	memset(out, 0, sizeof *out);
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		struct route_match tmp;
		if (!match(table[i].pattern, path, &tmp))
			continue;
		out->path_known = true;
		if (strcmp(table[i].method, method) == 0 && !out->route) {
			memcpy(out->params, tmp.params, sizeof out->params);
			out->nparams = tmp.nparams;
			out->route = &table[i];
		}
		if (!strstr(out->allow, table[i].method)) {
			int w = snprintf(out->allow + used, sizeof out->allow - used, "%s%s",
					 used ? ", " : "", table[i].method);
			if (w > 0 && (size_t)w < sizeof out->allow - used)
				used += (size_t)w;
		}
	}
}
