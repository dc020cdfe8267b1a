/*
 * fuzz.h - what the libFuzzer targets of tests/fuzz/ share: the entry
 * point's prototype, an invariant check that stops the run with a message,
 * the input as a C string, and a key file of their own.
 *
 * Header-only (static functions): each target is one .c file linked with
 * the instrumented library (Makefile, build/fuzz/libwaymark.a). Each target
 * defines _POSIX_C_SOURCE 200809L before any include (mkdtemp).
 */
#ifndef WM_FUZZ_H
#define WM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/keyring.h"
#include "crypto/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the target asserts: a broken one is a finding, reported like
 * a crash (libFuzzer keeps the input). Unlike assert() it holds in every
 * build. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The input as a NUL-terminated string the caller frees (a NUL inside cuts
 * it short, as it would any C string the server reads). NULL when out of
 * memory. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* A folder of the target's own under $TMPDIR (or /tmp), made once and
 * removed at exit (once empty: the caller removes what it puts there). */
static char fuzz_dir[256];

static inline void fuzz_tempdir_remove(void)
{
	rmdir(fuzz_dir);
}

static inline const char *fuzz_tempdir(void)
{
	if (!fuzz_dir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(fuzz_dir, sizeof fuzz_dir, "%s/waymark-fuzz-XXXXXX",
			 t && t[0] ? t : "/tmp");
		if (!mkdtemp(fuzz_dir))
			abort();
		atexit(fuzz_tempdir_remove);
	}
	return fuzz_dir;
}

/* A key file made for this run (in fuzz_tempdir), loaded once. */
static inline const struct keyring *fuzz_keys(void)
{
	static struct keyring *k;
	if (!k) {
		char path[320], msg[128];
		if (!secret_init())
			abort();
		snprintf(path, sizeof path, "%s/fuzz.key", fuzz_tempdir());
		if (keyring_create_file(path) != WM_OK ||
		    keyring_load(path, &k, msg, sizeof msg) != WM_OK)
			abort();
		unlink(path);
	}
	return k;
}

#endif
