/*
 * openapi.c - serves the API's own description, built into the binary from
 * src/api/openapi.json.
 */
#include <stdlib.h>
#include <string.h>

#include "call.h"

extern const char openapi_json[];
extern const size_t openapi_json_len;

void openapi_get(struct call *c)
{
	char *copy = malloc(openapi_json_len + 1);
	if (!copy) {
		call_fail(c, WM_ERR_NOMEM, NULL);
		return;
	}
	memcpy(copy, openapi_json, openapi_json_len + 1);
	http_respond(c->req, 200, "application/json", copy, openapi_json_len);
}
