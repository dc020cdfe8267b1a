/*
 * router.h - matching a method and path against the route table.
 *
 * A pattern is a path of literal segments and "{name}" placeholders
 * ("/api/v1/survivors/{id}/access-log"). The pattern, never the filled-in
 * path, is what logs and audit entries record.
 *
 * Paths are matched as they came on the wire, before percent-decoding:
 * "/" alone separates segments ("%2F" is a character inside a segment),
 * and a literal segment matches its exact spelling only. A parameter is
 * decoded after it is cut out; one that holds a bad escape or a NUL
 * ("%00") matches nothing.
 */
#ifndef WM_ROUTER_H
#define WM_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#define ROUTE_MAX_PARAMS 4
#define ROUTE_PARAM_MAX	 128

struct call; /* defined by the layer that handles requests */

typedef void (*route_fn)(struct call *c);

#define ROUTE_PUBLIC 0x1u /* no token needed */

/* One row of a route table. `action` is the application's permission tag
 * for the route (the API layer's policy action): the router only carries it,
 * so that the table says at a glance who may call what. */
struct route {
	const char *method;
	const char *pattern;
	route_fn handler;
	int action;
	unsigned flags;
};

struct route_match {
	const struct route *route; /* NULL when nothing matched */
	bool path_known;	   /* some route has this path (with another method) */
	char allow[64];		   /* the methods that path has, for 405's Allow */
	int nparams;
	char params[ROUTE_MAX_PARAMS][ROUTE_PARAM_MAX];
};

/* Finds the route for method and path (raw, without the query) in table
 * (n entries). HEAD matches the GET routes, and Allow lists HEAD beside
 * GET. A path segment too long for a parameter matches nothing. */
void router_match(const struct route *table, size_t n, const char *method, const char *path,
		  struct route_match *out);

#endif
