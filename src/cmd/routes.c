/*
 * routes.c - `waymark routes`: the API's route table, and who may call each
 * route, as the server itself decides it (the route rows and the policy).
 */
#include <stdio.h>
#include <string.h>

#include "../api/call.h"
#include "../domain/policy.h"
#include "cmd.h"

int cmd_routes(int argc, char **argv)
{
	bool help;
	int rc = cmd_parse("routes",
			   "Prints every route of the API with the policy action it checks and "
			   "the roles\nthat may call it (before any record-level check).",
			   argc, argv, NULL, 0, &help);
	if (rc || help)
		return rc;
	printf("%-6s %-44s %-18s %s\n", "METHOD", "PATTERN", "ACTION", "ROLES");
	for (size_t i = 0; i < api_route_count; i++) {
		const struct route *r = &api_routes[i];
		char roles[96] = "";
		if (r->flags & ROUTE_PUBLIC) {
			snprintf(roles, sizeof roles, "public");
		} else {
			size_t used = 0;
			for (int role = 0; role < ROLE_COUNT; role++) {
				/* An account of some organisation: what its role allows. */
				struct subject who = {(enum role)role, "-", "-"};
				if (policy_decide(&who, (enum action)r->action, NULL) !=
				    POLICY_ALLOW)
					continue;
				int n = snprintf(roles + used, sizeof roles - used, "%s%s",
						 used ? " " : "", role_name((enum role)role));
				if (n > 0 && (size_t)n < sizeof roles - used)
					used += (size_t)n;
			}
			if (!used)
				snprintf(roles, sizeof roles, "(none)");
		}
		printf("%-6s %-44s %-18s %s\n", r->method, r->pattern,
		       (r->flags & ROUTE_PUBLIC) ? "-" : policy_action_name((enum action)r->action),
		       roles);
	}
	return 0;
}
