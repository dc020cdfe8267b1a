/* Unit tests for crypto/keyring, crypto/secret and store/codec. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/keyring.h"
#include "crypto/secret.h"
#include "domain/schema.h"
#include "store/codec.h"
#include "util/text.h"

/* Two fixed master keys, 64 hex digits each. */
#define HEX1 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX2 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"

static char dir[64];

static const char *path_of(const char *name)
{
	static char buf[4][400];
	static int next;
	char *p = buf[next++ % 4];
	snprintf(p, sizeof buf[0], "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const char *content, mode_t mode)
{
	const char *p = path_of(name);
	unlink(p);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	size_t n = strlen(content);
	assert_int_equal(write(fd, content, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static struct keyring *load_ok(const char *name)
{
	struct keyring *k = NULL;
	char msg[128] = "";
	wm_err e = keyring_load(path_of(name), &k, msg, sizeof msg);
	if (e != WM_OK)
		fail_msg("keyring_load(%s): %d, %s", name, (int)e, msg);
	assert_non_null(k);
	return k;
}

/* A keyring holding only HEX1 as key 1. */
static struct keyring *ring1(void)
{
	write_file("one.key", "waymark-key 1 " HEX1 "\n", 0600);
	return load_ok("one.key");
}

/* A keyring with a fresh random key. */
static struct keyring *random_ring(const char *name)
{
	unlink(path_of(name));
	assert_int_equal(keyring_create_file(path_of(name)), WM_OK);
	return load_ok(name);
}

static void expect_load_refused(const char *name, const char *why)
{
	struct keyring *k = (struct keyring *)&k; /* not NULL, to see it reset */
	char msg[128] = "";
	wm_err e = keyring_load(path_of(name), &k, msg, sizeof msg);
	if (e == WM_OK) {
		keyring_free(k);
		fail_msg("keyring_load accepted %s", why);
	}
	if (k != NULL)
		fail_msg("keyring_load left *out set for %s", why);
	if (msg[0] == '\0')
		fail_msg("keyring_load gave no reason for %s", why);
	/* The reason never quotes key material. */
	if (strstr(msg, "0001020304") || strstr(msg, "a0a1a2a3"))
		fail_msg("keyring_load quoted the key for %s: %s", why, msg);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/wm-test-crypto-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *ent;
		while ((ent = readdir(d)) != NULL)
			if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0)
				unlink(path_of(ent->d_name));
		closedir(d);
	}
	return rmdir(dir);
}

/* ---- key files -------------------------------------------------------- */

static void create_file_0600_and_refuses_existing(void **state)
{
	(void)state;
	const char *p = path_of("created.key");
	unlink(p);
	assert_int_equal(keyring_create_file(p), WM_OK);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);

	char text[256] = "";
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_int_equal(n, strlen("waymark-key 1 ") + 64 + 1);
	assert_memory_equal(text, "waymark-key 1 ", 14);
	for (size_t i = 14; i < 14 + 64; i++)
		assert_non_null(strchr("0123456789abcdef", text[i]));
	assert_int_equal(text[14 + 64], '\n');

	/* A second create refuses and leaves the file as it was. */
	assert_int_equal(keyring_create_file(p), WM_ERR_EXISTS);
	char again[256] = "";
	f = fopen(p, "r");
	assert_non_null(f);
	size_t n2 = fread(again, 1, sizeof again - 1, f);
	fclose(f);
	assert_int_equal(n2, n);
	assert_memory_equal(again, text, n);

	struct keyring *k = load_ok("created.key");
	assert_int_equal(keyring_active_id(k), 1);
	keyring_free(k);

	/* Each new file holds a new key. */
	const char *p2 = path_of("created2.key");
	unlink(p2);
	assert_int_equal(keyring_create_file(p2), WM_OK);
	f = fopen(p2, "r");
	assert_non_null(f);
	n2 = fread(again, 1, sizeof again - 1, f);
	fclose(f);
	assert_int_equal(n2, n);
	assert_memory_not_equal(again, text, n);

	/* A directory that does not exist is an error, not a success. */
	assert_int_not_equal(keyring_create_file("/nonexistent-wm-dir/x.key"), WM_OK);
}

static void load_refuses_file_readable_by_others(void **state)
{
	(void)state;
	const mode_t open_modes[] = {0644, 0640, 0604, 0660, 0606, 0610};
	for (size_t i = 0; i < sizeof open_modes / sizeof open_modes[0]; i++) {
		write_file("open.key", "waymark-key 1 " HEX1 "\n", open_modes[i]);
		char why[64];
		snprintf(why, sizeof why, "a key file of mode %04o", (unsigned)open_modes[i]);
		expect_load_refused("open.key", why);
	}
	/* The same content at 0600 or 0400 loads. */
	write_file("open.key", "waymark-key 1 " HEX1 "\n", 0600);
	keyring_free(load_ok("open.key"));
	write_file("open.key", "waymark-key 1 " HEX1 "\n", 0400);
	keyring_free(load_ok("open.key"));
}

static void load_refuses_malformed(void **state)
{
	(void)state;
	const char *bad[] = {
	    "hello\n",
	    "waymark-key 1 0011\n",
	    "waymark-key 0 " HEX1 "\n",
	    "waymark-key -1 " HEX1 "\n",
	    "waymark-key x " HEX1 "\n",
	    "waymark-key " HEX1 "\n",
	    "waymark-key 1\n",
	    "WAYMARK-KEY 1 " HEX1 "\n",
	    "waymark-key 1 " HEX1 "0\n",
	    "waymark-key 1 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
	    "waymark-key 1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n",
	    "waymark-key 1 " HEX1 "\nwaymark-key 1 " HEX2 "\n",
	    "waymark-key 1 " HEX1 "\ngarbage\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file("bad.key", bad[i], 0600);
		char why[64];
		snprintf(why, sizeof why, "malformed file %zu", i);
		expect_load_refused("bad.key", why);
	}
}

static void load_refuses_empty_and_missing(void **state)
{
	(void)state;
	write_file("empty.key", "", 0600);
	expect_load_refused("empty.key", "an empty file");
	write_file("empty.key", "\n\n", 0600);
	expect_load_refused("empty.key", "a file of blank lines");
	write_file("empty.key", "# no key here\n", 0600);
	expect_load_refused("empty.key", "a file of comments");
	unlink(path_of("missing.key"));
	expect_load_refused("missing.key", "a missing file");
	expect_load_refused(".", "a directory");
	/* A comment beside a key is fine. */
	write_file("comment.key", "# made for the tests\nwaymark-key 1 " HEX1 "\n", 0600);
	keyring_free(load_ok("comment.key"));
}

/* ---- sealing ---------------------------------------------------------- */

static void seal_open_round_trip(void **state)
{
	(void)state;
	struct keyring *k = ring1();
	assert_int_equal(keyring_active_id(k), 1);
	const char plain[] = "Ardita Hoxha, 1 High St";
	size_t len = sizeof plain - 1;
	unsigned char sealed[64 + KEYRING_OVERHEAD], sealed2[64 + KEYRING_OVERHEAD];
	int id = 0, id2 = 0;
	assert_int_equal(keyring_seal(k, plain, len, "survivor:abc", sealed, &id), WM_OK);
	assert_int_equal(id, 1);
	unsigned char out[64];
	assert_int_equal(keyring_open(k, id, sealed, len + KEYRING_OVERHEAD, "survivor:abc", out),
			 WM_OK);
	assert_memory_equal(out, plain, len);

	/* The nonce is random: sealing twice gives two different values. */
	assert_int_equal(keyring_seal(k, plain, len, "survivor:abc", sealed2, &id2), WM_OK);
	assert_memory_not_equal(sealed, sealed2, len + KEYRING_OVERHEAD);
	/* And the plaintext does not show through. */
	for (size_t i = 0; i + 6 <= len + KEYRING_OVERHEAD; i++)
		assert_memory_not_equal(sealed + i, "Ardita", 6);

	/* An empty value round-trips too. */
	unsigned char empty[KEYRING_OVERHEAD];
	assert_int_equal(keyring_seal(k, "", 0, "survivor:abc", empty, &id), WM_OK);
	assert_int_equal(keyring_open(k, id, empty, KEYRING_OVERHEAD, "survivor:abc", out), WM_OK);
	keyring_free(k);
}

static void open_refuses_tampering_and_misplacement(void **state)
{
	(void)state;
	struct keyring *k = ring1();
	const char plain[] = "secret";
	size_t len = sizeof plain - 1, slen = len + KEYRING_OVERHEAD;
	unsigned char sealed[32 + KEYRING_OVERHEAD], out[32];
	int id;
	assert_int_equal(keyring_seal(k, plain, len, "survivor:abc", sealed, &id), WM_OK);

	/* Bound to its place by the associated data. */
	assert_int_equal(keyring_open(k, id, sealed, slen, "survivor:abd", out), WM_ERR_CRYPTO);
	assert_int_equal(keyring_open(k, id, sealed, slen, "note:abc", out), WM_ERR_CRYPTO);
	assert_int_equal(keyring_open(k, id, sealed, slen, "", out), WM_ERR_CRYPTO);
	assert_int_equal(keyring_open(k, id, sealed, slen, "survivor:abc ", out), WM_ERR_CRYPTO);

	/* Every single flipped bit (nonce, ciphertext, tag) is caught. */
	for (size_t i = 0; i < slen; i++)
		for (int bit = 0; bit < 8; bit++) {
			sealed[i] ^= (unsigned char)(1u << bit);
			if (keyring_open(k, id, sealed, slen, "survivor:abc", out) != WM_ERR_CRYPTO)
				fail_msg("flipping bit %d of byte %zu went unnoticed", bit, i);
			sealed[i] ^= (unsigned char)(1u << bit);
		}
	assert_int_equal(keyring_open(k, id, sealed, slen, "survivor:abc", out), WM_OK);

	/* Unknown key ids. */
	assert_int_equal(keyring_open(k, 2, sealed, slen, "survivor:abc", out), WM_ERR_CRYPTO);
	assert_int_equal(keyring_open(k, 0, sealed, slen, "survivor:abc", out), WM_ERR_CRYPTO);
	assert_int_equal(keyring_open(k, -1, sealed, slen, "survivor:abc", out), WM_ERR_CRYPTO);

	/* Cut short. */
	assert_int_equal(keyring_open(k, id, sealed, slen - 1, "survivor:abc", out), WM_ERR_CRYPTO);
	assert_int_equal(keyring_open(k, id, sealed, KEYRING_OVERHEAD - 1, "survivor:abc", out),
			 WM_ERR_CRYPTO);
	assert_int_equal(keyring_open(k, id, sealed, 0, "survivor:abc", out), WM_ERR_CRYPTO);
	keyring_free(k);
}

static void two_keys_seal_with_newest_open_with_any(void **state)
{
	(void)state;
	struct keyring *k1 = ring1();
	write_file("two.key", "waymark-key 1 " HEX1 "\nwaymark-key 2 " HEX2 "\n", 0600);
	write_file("two-rev.key", "waymark-key 2 " HEX2 "\nwaymark-key 1 " HEX1 "\n", 0600);
	write_file("only2.key", "waymark-key 2 " HEX2 "\n", 0600);
	write_file("swapped.key", "waymark-key 1 " HEX2 "\n", 0600);
	struct keyring *k12 = load_ok("two.key");
	struct keyring *k21 = load_ok("two-rev.key");
	struct keyring *k2 = load_ok("only2.key");
	struct keyring *ks = load_ok("swapped.key");
	assert_int_equal(keyring_active_id(k12), 2);
	assert_int_equal(keyring_active_id(k21), 2);
	assert_int_equal(keyring_active_id(k2), 2);

	const char plain[] = "Ardita";
	size_t len = sizeof plain - 1, slen = len + KEYRING_OVERHEAD;
	unsigned char old[16 + KEYRING_OVERHEAD], new[16 + KEYRING_OVERHEAD], out[16];
	int old_id, new_id;
	assert_int_equal(keyring_seal(k1, plain, len, "survivor:x", old, &old_id), WM_OK);
	assert_int_equal(old_id, 1);
	assert_int_equal(keyring_seal(k12, plain, len, "survivor:x", new, &new_id), WM_OK);
	assert_int_equal(new_id, 2);

	/* The rotated ring opens both; the old ring only its own. */
	memset(out, 0, sizeof out);
	assert_int_equal(keyring_open(k12, old_id, old, slen, "survivor:x", out), WM_OK);
	assert_memory_equal(out, plain, len);
	memset(out, 0, sizeof out);
	assert_int_equal(keyring_open(k12, new_id, new, slen, "survivor:x", out), WM_OK);
	assert_memory_equal(out, plain, len);
	assert_int_equal(keyring_open(k21, old_id, old, slen, "survivor:x", out), WM_OK);
	assert_int_equal(keyring_open(k21, new_id, new, slen, "survivor:x", out), WM_OK);
	assert_int_equal(keyring_open(k2, new_id, new, slen, "survivor:x", out), WM_OK);
	assert_int_equal(keyring_open(k1, new_id, new, slen, "survivor:x", out), WM_ERR_CRYPTO);
	assert_int_equal(keyring_open(k2, old_id, old, slen, "survivor:x", out), WM_ERR_CRYPTO);
	/* The id names a key, but the key itself must fit. */
	assert_int_equal(keyring_open(ks, old_id, old, slen, "survivor:x", out), WM_ERR_CRYPTO);
	/* A value sealed under id 2 does not open when presented as id 1. */
	assert_int_equal(keyring_open(k12, 1, new, slen, "survivor:x", out), WM_ERR_CRYPTO);

	/* Adding a key does not change how names are found. */
	unsigned char b1[KEYRING_BLIND_LEN], b12[KEYRING_BLIND_LEN], b21[KEYRING_BLIND_LEN];
	keyring_blind(k1, "name", "ardita", b1);
	keyring_blind(k12, "name", "ardita", b12);
	keyring_blind(k21, "name", "ardita", b21);
	assert_memory_equal(b1, b12, KEYRING_BLIND_LEN);
	assert_memory_equal(b1, b21, KEYRING_BLIND_LEN);

	/* Ids need not be consecutive: the highest seals. */
	write_file("gap.key", "waymark-key 3 " HEX2 "\nwaymark-key 1 " HEX1 "\n", 0600);
	struct keyring *kg = load_ok("gap.key");
	assert_int_equal(keyring_active_id(kg), 3);
	assert_int_equal(keyring_open(kg, old_id, old, slen, "survivor:x", out), WM_OK);
	keyring_free(kg);

	keyring_free(ks);
	keyring_free(k2);
	keyring_free(k21);
	keyring_free(k12);
	keyring_free(k1);
}

/* rotate-key's file work: a key added (the index key pinned), learnt by a
 * keyring loaded before when it meets a value sealed under it, and the old
 * key retired, with every blind index unchanged throughout. */
static void keys_added_learnt_and_retired(void **state)
{
	(void)state;
	write_file("rot.key", "waymark-key 1 " HEX1 "\n", 0600);
	struct keyring *before = load_ok("rot.key");
	unsigned char b0[KEYRING_BLIND_LEN], b[KEYRING_BLIND_LEN];
	keyring_blind(before, "name", "ardita", b0);

	int id = 0;
	char msg[128];
	assert_int_equal(keyring_add_key(path_of("rot.key"), &id, msg, sizeof msg), WM_OK);
	assert_int_equal(id, 2);
	struct stat sb;
	assert_int_equal(stat(path_of("rot.key"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	struct keyring *after = load_ok("rot.key");
	assert_int_equal(keyring_active_id(after), 2);
	keyring_blind(after, "name", "ardita", b);
	assert_memory_equal(b, b0, sizeof b);

	/* The keyring loaded before seals under key 1 until it meets key 2. */
	const char plain[] = "Ardita";
	size_t len = sizeof plain - 1, slen = len + KEYRING_OVERHEAD;
	unsigned char sealed[16 + KEYRING_OVERHEAD], out[16];
	int sid;
	assert_int_equal(keyring_active_id(before), 1);
	assert_int_equal(keyring_seal(after, plain, len, "survivor:x", sealed, &sid), WM_OK);
	assert_int_equal(sid, 2);
	assert_int_equal(keyring_open(before, 2, sealed, slen, "survivor:x", out), WM_OK);
	assert_memory_equal(out, plain, len);
	assert_int_equal(keyring_active_id(before), 2);

	/* Retiring the newest is refused; the oldest goes, names stay found. */
	assert_int_equal(keyring_retire_key(path_of("rot.key"), 2, msg, sizeof msg),
			 WM_ERR_INVALID);
	assert_int_equal(keyring_retire_key(path_of("rot.key"), 9, msg, sizeof msg),
			 WM_ERR_NOT_FOUND);
	assert_int_equal(keyring_retire_key(path_of("rot.key"), 1, msg, sizeof msg), WM_OK);
	struct keyring *only2 = load_ok("rot.key");
	int ids[4];
	assert_int_equal(keyring_ids(only2, ids, 4), 1);
	assert_int_equal(ids[0], 2);
	keyring_blind(only2, "name", "ardita", b);
	assert_memory_equal(b, b0, sizeof b);
	assert_int_equal(keyring_open(only2, 2, sealed, slen, "survivor:x", out), WM_OK);
	/* A process that held key 1 keeps it after the file dropped it. */
	unsigned char old[16 + KEYRING_OVERHEAD];
	struct keyring *k1 = ring1();
	assert_int_equal(keyring_seal(k1, plain, len, "survivor:x", old, &sid), WM_OK);
	assert_int_equal(keyring_open(before, 1, old, slen, "survivor:x", out), WM_OK);
	keyring_free(k1);
	keyring_free(only2);
	keyring_free(after);
	keyring_free(before);
}

static void blind_index(void **state)
{
	(void)state;
	struct keyring *k = ring1();
	struct keyring *again = ring1();
	struct keyring *other = random_ring("blind-other.key");
	unsigned char a[KEYRING_BLIND_LEN], b[KEYRING_BLIND_LEN], c[KEYRING_BLIND_LEN];

	keyring_blind(k, "name", "ardita", a);
	keyring_blind(k, "name", "ardita", b);
	assert_memory_equal(a, b, KEYRING_BLIND_LEN);
	keyring_blind(again, "name", "ardita", b);
	assert_memory_equal(a, b, KEYRING_BLIND_LEN);

	keyring_blind(k, "login", "ardita", c);
	assert_memory_not_equal(a, c, KEYRING_BLIND_LEN);
	keyring_blind(k, "name", "arditа", c); /* Cyrillic а at the end */
	assert_memory_not_equal(a, c, KEYRING_BLIND_LEN);
	keyring_blind(k, "name", "ardit", c);
	assert_memory_not_equal(a, c, KEYRING_BLIND_LEN);
	keyring_blind(k, "name", "", c);
	assert_memory_not_equal(a, c, KEYRING_BLIND_LEN);
	/* Purpose and text do not run together. */
	keyring_blind(k, "namea", "rdita", c);
	assert_memory_not_equal(a, c, KEYRING_BLIND_LEN);
	/* Another key gives another index. */
	keyring_blind(other, "name", "ardita", c);
	assert_memory_not_equal(a, c, KEYRING_BLIND_LEN);

	keyring_free(other);
	keyring_free(again);
	keyring_free(k);
}

/* ---- codec ------------------------------------------------------------ */

static void name_index_ignores_case_and_spaces(void **state)
{
	(void)state;
	struct keyring *k = ring1();
	unsigned char a[KEYRING_BLIND_LEN], b[KEYRING_BLIND_LEN];
	assert_true(codec_name_index(k, "  Ardita ", a));
	const char *same[] = {"ARDITA", "ardita", "\tArDiTa\r\n", "Ardita"};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		assert_true(codec_name_index(k, same[i], b));
		assert_memory_equal(a, b, KEYRING_BLIND_LEN);
	}
	const char *different[] = {"Ardita H", "Arditaa", "Ard ita", "\xC3\x81rdita"};
	for (size_t i = 0; i < sizeof different / sizeof different[0]; i++) {
		assert_true(codec_name_index(k, different[i], b));
		assert_memory_not_equal(a, b, KEYRING_BLIND_LEN);
	}
	/* Non-ASCII letters fold too. */
	assert_true(codec_name_index(k, "  \xC3\x81RDITA ", a));
	assert_true(codec_name_index(k, "\xC3\xA1rdita", b));
	assert_memory_equal(a, b, KEYRING_BLIND_LEN);
	assert_true(codec_name_index(k,
				     "\xC5\x9E"
				     "EYMA",
				     a));
	assert_true(codec_name_index(k,
				     "\xC5\x9F"
				     "eyma",
				     b));
	assert_memory_equal(a, b, KEYRING_BLIND_LEN);

	/* Names that cannot be folded. */
	assert_false(codec_name_index(k, "Ard\xFFita", a));
	char *huge = malloc(4001);
	assert_non_null(huge);
	memset(huge, 'a', 4000);
	huge[4000] = '\0';
	assert_false(codec_name_index(k, huge, a));
	free(huge);

	/* Usernames have their own index over the text as given: login
	 * lower-cases a username before it asks, as it does for the lookup. */
	unsigned char u1[KEYRING_BLIND_LEN], u2[KEYRING_BLIND_LEN];
	codec_username_index(k, "admin", u1);
	codec_username_index(k, "admin", u2);
	assert_memory_equal(u1, u2, KEYRING_BLIND_LEN);
	codec_username_index(k, "Admin", u2);
	assert_memory_not_equal(u1, u2, KEYRING_BLIND_LEN);
	codec_username_index(k, "admin2", u2);
	assert_memory_not_equal(u1, u2, KEYRING_BLIND_LEN);
	assert_true(codec_name_index(k, "admin", a));
	assert_memory_not_equal(u1, a, KEYRING_BLIND_LEN);
	keyring_free(k);
}

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

static void record_seal_open_round_trip(void **state)
{
	(void)state;
	struct keyring *k = ring1();
	struct keyring *other = random_ring("codec-other.key");
	json_t *body =
	    json_pack("{s:s, s:s, s:i, s:{s:s, s:b}, s:[s, s]}", "known_as",
		      "\xC5\x9E"
		      "eyma",
		      "legal_name", "Ardita Hoxha", "birth_year", 1998, "contact", "phone",
		      "07700900123", "safe_to_call", 1, "exploitation_types", "labour", "sexual");
	assert_non_null(body);
	unsigned char *sealed = NULL;
	size_t len = 0;
	int key_id = 0;
	assert_int_equal(codec_seal_record(k, "survivor", ID_A, body, &sealed, &len, &key_id),
			 WM_OK);
	assert_non_null(sealed);
	assert_true(len > KEYRING_OVERHEAD);
	assert_int_equal(key_id, 1);
	for (size_t i = 0; i + 6 <= len; i++)
		assert_memory_not_equal(sealed + i, "Ardita", 6);

	json_t *back = NULL;
	assert_int_equal(codec_open_record(k, "survivor", ID_A, key_id, sealed, len, &back), WM_OK);
	assert_non_null(back);
	assert_true(json_equal(body, back));
	json_decref(back);

	/* Another row, another kind, another key, or tampering: refused. */
	back = NULL;
	assert_int_equal(codec_open_record(k, "survivor", ID_B, key_id, sealed, len, &back),
			 WM_ERR_CRYPTO);
	json_decref(back);
	back = NULL;
	assert_int_equal(codec_open_record(k, "note", ID_A, key_id, sealed, len, &back),
			 WM_ERR_CRYPTO);
	json_decref(back);
	back = NULL;
	assert_int_equal(codec_open_record(other, "survivor", ID_A, 1, sealed, len, &back),
			 WM_ERR_CRYPTO);
	json_decref(back);
	back = NULL;
	assert_int_equal(codec_open_record(k, "survivor", ID_A, 2, sealed, len, &back),
			 WM_ERR_CRYPTO);
	json_decref(back);
	back = NULL;
	assert_int_equal(codec_open_record(k, "survivor", ID_A, key_id, sealed, len - 1, &back),
			 WM_ERR_CRYPTO);
	json_decref(back);
	back = NULL;
	assert_int_equal(
	    codec_open_record(k, "survivor", ID_A, key_id, sealed, KEYRING_OVERHEAD - 1, &back),
	    WM_ERR_CRYPTO);
	json_decref(back);
	sealed[len / 2] ^= 0x01;
	back = NULL;
	assert_int_equal(codec_open_record(k, "survivor", ID_A, key_id, sealed, len, &back),
			 WM_ERR_CRYPTO);
	json_decref(back);

	free(sealed);
	json_decref(body);
	keyring_free(other);
	keyring_free(k);
}

static void key_check_proves_the_key_fits(void **state)
{
	(void)state;
	struct keyring *k = ring1();
	struct keyring *other = random_ring("check-other.key");
	unsigned char *check = NULL;
	size_t len = 0;
	assert_int_equal(codec_key_check_make(k, &check, &len), WM_OK);
	assert_non_null(check);
	assert_true(len > KEYRING_OVERHEAD);
	assert_int_equal(codec_key_check_verify(k, check, len), WM_OK);
	assert_int_equal(codec_key_check_verify(other, check, len), WM_ERR_CRYPTO);

	/* A rotated ring (key 1 kept, key 2 added) still fits the database. */
	write_file("check-two.key", "waymark-key 1 " HEX1 "\nwaymark-key 2 " HEX2 "\n", 0600);
	struct keyring *k12 = load_ok("check-two.key");
	assert_int_equal(codec_key_check_verify(k12, check, len), WM_OK);
	/* A ring that lost key 1 does not. */
	write_file("check-only2.key", "waymark-key 2 " HEX2 "\n", 0600);
	struct keyring *k2 = load_ok("check-only2.key");
	assert_int_equal(codec_key_check_verify(k2, check, len), WM_ERR_CRYPTO);

	/* Damaged or cut short. */
	assert_int_not_equal(codec_key_check_verify(k, check, len - 1), WM_OK);
	assert_int_not_equal(codec_key_check_verify(k, check, 0), WM_OK);
	for (size_t i = 0; i < len; i++) {
		check[i] ^= 0x80;
		if (codec_key_check_verify(k, check, len) == WM_OK)
			fail_msg("a key check with byte %zu changed verified", i);
		check[i] ^= 0x80;
	}
	assert_int_equal(codec_key_check_verify(k, check, len), WM_OK);
	free(check);

	/* One made by the rotated ring verifies there, not with the old ring. */
	assert_int_equal(codec_key_check_make(k12, &check, &len), WM_OK);
	assert_int_equal(codec_key_check_verify(k12, check, len), WM_OK);
	assert_int_equal(codec_key_check_verify(k2, check, len), WM_OK);
	assert_int_not_equal(codec_key_check_verify(k, check, len), WM_OK);
	free(check);

	keyring_free(k2);
	keyring_free(k12);
	keyring_free(other);
	keyring_free(k);
}

/* ---- tokens, ids, passwords ------------------------------------------ */

static void tokens(void **state)
{
	(void)state;
	char t1[SECRET_TOKEN_LEN], t2[SECRET_TOKEN_LEN];
	unsigned char d1[SECRET_DIGEST], d2[SECRET_DIGEST], check[SECRET_DIGEST];
	secret_new_token(t1, d1);
	secret_new_token(t2, d2);
	assert_int_equal(strlen(t1), 43);
	assert_int_equal(strlen(t2), 43);
	for (const char *p = t1; *p; p++)
		assert_non_null(
		    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
	assert_string_not_equal(t1, t2);
	assert_memory_not_equal(d1, d2, SECRET_DIGEST);

	assert_true(secret_token_digest(t1, check));
	assert_memory_equal(check, d1, SECRET_DIGEST);
	assert_true(secret_token_digest(t2, check));
	assert_memory_equal(check, d2, SECRET_DIGEST);

	/* One character changed: another digest. */
	char t3[SECRET_TOKEN_LEN];
	memcpy(t3, t1, sizeof t3);
	t3[10] = t3[10] == 'A' ? 'B' : 'A';
	assert_true(secret_token_digest(t3, check));
	assert_memory_not_equal(check, d1, SECRET_DIGEST);

	/* Malformed tokens. */
	char bad[64];
	assert_false(secret_token_digest("", check));
	snprintf(bad, sizeof bad, "%.42s", t1);
	assert_false(secret_token_digest(bad, check));
	snprintf(bad, sizeof bad, "%sA", t1);
	assert_false(secret_token_digest(bad, check));
	const char subst[] = "+/= .\n\x80";
	for (size_t i = 0; i < sizeof subst - 1; i++) {
		snprintf(bad, sizeof bad, "%s", t1);
		bad[20] = subst[i];
		if (secret_token_digest(bad, check))
			fail_msg("a token holding 0x%02x was accepted", (unsigned char)subst[i]);
	}
	snprintf(bad, sizeof bad, "Bearer %.36s", t1);
	assert_false(secret_token_digest(bad, check));
	/* Any 43 base64url characters are well formed. */
	memset(bad, 'A', 43);
	bad[43] = '\0';
	assert_true(secret_token_digest(bad, check));
}

static void ids(void **state)
{
	(void)state;
	char a[SECRET_ID_LEN], b[SECRET_ID_LEN];
	secret_new_id(a);
	secret_new_id(b);
	assert_int_equal(strlen(a), 32);
	for (const char *p = a; *p; p++)
		assert_non_null(strchr("0123456789abcdef", *p));
	assert_true(schema_is_id(a));
	assert_true(schema_is_id(b));
	assert_string_not_equal(a, b);
}

static void passwords(void **state)
{
	(void)state;
	char hash[SECRET_HASH_MAX];
	memset(hash, 0, sizeof hash);
	assert_int_equal(secret_hash_password("correct horse battery staple", hash), WM_OK);
	assert_true(memchr(hash, '\0', sizeof hash) != NULL);
	assert_memory_equal(hash, "$argon2id$", 10);
	assert_null(strstr(hash, "correct horse"));
	assert_true(secret_verify_password(hash, "correct horse battery staple"));
	assert_false(secret_verify_password(hash, "correct horse battery stapl"));
	assert_false(secret_verify_password(NULL, "correct horse battery staple"));
	assert_false(secret_verify_password("not a hash", "correct horse battery staple"));
}

static void init_again(void **state)
{
	(void)state;
	assert_true(secret_init());
}

int main(void)
{
	if (!secret_init() || !text_init()) {
		print_error("secret_init or text_init failed\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(create_file_0600_and_refuses_existing),
	    cmocka_unit_test(load_refuses_file_readable_by_others),
	    cmocka_unit_test(load_refuses_malformed),
	    cmocka_unit_test(load_refuses_empty_and_missing),
	    cmocka_unit_test(seal_open_round_trip),
	    cmocka_unit_test(open_refuses_tampering_and_misplacement),
	    cmocka_unit_test(two_keys_seal_with_newest_open_with_any),
	    cmocka_unit_test(keys_added_learnt_and_retired),
	    cmocka_unit_test(blind_index),
	    cmocka_unit_test(name_index_ignores_case_and_spaces),
	    cmocka_unit_test(record_seal_open_round_trip),
	    cmocka_unit_test(key_check_proves_the_key_fits),
	    cmocka_unit_test(tokens),
	    cmocka_unit_test(ids),
	    cmocka_unit_test(passwords),
	    cmocka_unit_test(init_again),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
