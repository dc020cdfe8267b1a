/*
 * fuzz_mustache.c - libFuzzer target: the Mustache engine compiling and
 * rendering arbitrary bytes. The input is a template, then optionally a NUL
 * byte and JSON data to render it with (a fixed value when absent or
 * invalid). Every partial and parent name resolves to the template itself,
 * so self-inclusion, blocks and the depth limits are exercised.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "render/mustache.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct mustache *itself(void *arg, const char *name)
{
	(void)name;
	return arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nul = memchr(s, '\0', size);
	size_t tlen = nul ? (size_t)(nul - s) : size;
	json_t *ctx = NULL;
	if (nul)
		ctx = json_loadb(nul + 1, size - tlen - 1, JSON_DECODE_ANY, NULL);
	if (!ctx)
		ctx = json_loads("{\"a\": [1, 2.5, {\"b\": \"<&>\"}], \"b\": {\"c\": true}, "
				 "\"s\": \"x\", \"e\": [], \"z\": 0}",
				 0, NULL);

	char msg[128];
	struct mustache *m = NULL;
	if (mustache_compile(s, tlen, &m, msg, sizeof msg) == WM_OK) {
		struct buf out = BUF_INIT;
		wm_err e = mustache_render(m, ctx, itself, m, &out, msg, sizeof msg);
		if (e != WM_OK && e != WM_ERR_INVALID)
			__builtin_trap();
		buf_free(&out);
		mustache_free(m);
	} else if (!m && strncmp(msg, "line ", 5) != 0 && strcmp(msg, "out of memory") != 0) {
		__builtin_trap(); /* every syntax error says where */
	}
	json_decref(ctx);
	return 0;
}
