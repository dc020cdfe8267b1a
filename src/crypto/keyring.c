/*
 * keyring.c - key file handling and field encryption with libsodium.
 */
#define _POSIX_C_SOURCE 200809L
#include "keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_KEYS 16
#define KEY_LEN	 32

struct key {
	int id;
	unsigned char field[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
};

/* What a loaded keyring may learn later: the key file read again, when a
 * value sealed under a key it does not hold turns up (`waymark rotate-key`
 * added one while this process ran). Ordinary memory, because the keyring
 * itself is read-only once loaded. */
struct keyring_later {
	pthread_mutex_t lock;
	struct keyring *_Atomic newer;	   /* the key file as last read, or NULL */
	struct keyring *retired[MAX_KEYS]; /* earlier re-reads, freed with the keyring */
	int nretired;
};

struct keyring {
	int count;
	int active; /* index into keys */
	struct key keys[MAX_KEYS];
	unsigned char blind[crypto_generichash_KEYBYTES];
	bool blind_pinned; /* the file names the index key (waymark-index) */
	char path[PATH_MAX];
	struct keyring_later *later; /* NULL in a re-read keyring */
};

wm_err keyring_create_file(const char *path)
{
	unsigned char key[KEY_LEN];
	char hex[KEY_LEN * 2 + 1];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? WM_ERR_EXISTS : WM_ERR_IO;
	randombytes_buf(key, sizeof key);
	sodium_bin2hex(hex, sizeof hex, key, sizeof key);
	char line[128];
	int n = snprintf(line, sizeof line, "waymark-key 1 %s\n", hex);
	bool ok = n > 0 && write(fd, line, (size_t)n) == n && fsync(fd) == 0;
	sodium_memzero(key, sizeof key);
	sodium_memzero(hex, sizeof hex);
	sodium_memzero(line, sizeof line);
	if (close(fd) != 0 || !ok) {
		unlink(path);
		return WM_ERR_IO;
	}
	return WM_OK;
}

static void set_msg(char *msg, size_t cap, const char *text)
{
	if (msg && cap)
		snprintf(msg, cap, "%s", text);
}

/* Loads the key file at path. base: a keyring this re-reads the file for;
 * the keys it holds that the file no longer does (retired since) are kept,
 * so a value read a moment ago still opens. */
static wm_err load(const char *path, const struct keyring *base, struct keyring **out, char *msg,
		   size_t msgcap)
{
	bool reread = base != NULL;
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_msg(msg, msgcap, "cannot open the key file");
		return WM_ERR_IO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		set_msg(msg, msgcap, "the key file is not a regular file");
		return WM_ERR_IO;
	}
	if (st.st_mode & 077) {
		close(fd);
		set_msg(msg, msgcap, "the key file may be read by others: chmod 600 it");
		return WM_ERR_IO;
	}
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0) {
		set_msg(msg, msgcap, "the key file is empty or unreadable");
		return WM_ERR_IO;
	}
	buf[n] = '\0';

	struct keyring *k = sodium_malloc(sizeof *k);
	if (!k)
		return WM_ERR_NOMEM;
	memset(k, 0, sizeof *k);
	wm_err result = WM_OK;
	int lowest = -1;
	unsigned char lowest_master[KEY_LEN];
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		int id;
		char hex[KEY_LEN * 2 + 2];
		unsigned char master[KEY_LEN];
		size_t got = 0;
		if (strncmp(line, "waymark-index ", 14) == 0) {
			/* The index key itself (keyring_add_key pins it), so that
			 * the oldest key can be retired without changing how
			 * names, logins and the audit chain are hashed. */
			if (k->blind_pinned ||
			    sodium_hex2bin(k->blind, sizeof k->blind, line + 14, strlen(line + 14),
					   NULL, &got, NULL) != 0 ||
			    got != sizeof k->blind) {
				set_msg(msg, msgcap, "the key file's index line is malformed");
				result = WM_ERR_IO;
				break;
			}
			k->blind_pinned = true;
			continue;
		}
		if (sscanf(line, "waymark-key %d %65s", &id, hex) != 2 || id < 1 ||
		    strlen(hex) != KEY_LEN * 2 ||
		    sodium_hex2bin(master, sizeof master, hex, strlen(hex), NULL, &got, NULL) !=
			0 ||
		    got != KEY_LEN || k->count == MAX_KEYS) {
			set_msg(msg, msgcap, "the key file is malformed");
			result = WM_ERR_IO;
			sodium_memzero(hex, sizeof hex);
			break;
		}
		for (int i = 0; i < k->count; i++)
			if (k->keys[i].id == id)
				result = WM_ERR_IO;
		if (result != WM_OK) {
			set_msg(msg, msgcap, "the key file names a key id twice");
			break;
		}
		struct key *key = &k->keys[k->count];
		key->id = id;
		crypto_kdf_derive_from_key(key->field, sizeof key->field, 1, "wm-field", master);
		if (k->count == 0 || id > k->keys[k->active].id)
			k->active = k->count;
		if (lowest < 0 || id < lowest) {
			lowest = id;
			memcpy(lowest_master, master, KEY_LEN);
		}
		k->count++;
		sodium_memzero(master, sizeof master);
		sodium_memzero(hex, sizeof hex);
	}
	sodium_memzero(buf, sizeof buf);
	for (int i = 0; result == WM_OK && base && i < base->count && k->count < MAX_KEYS; i++) {
		bool has = false;
		for (int j = 0; j < k->count && !has; j++)
			has = k->keys[j].id == base->keys[i].id;
		if (!has) {
			k->keys[k->count] = base->keys[i];
			if (k->count == 0 || k->keys[k->count].id > k->keys[k->active].id)
				k->active = k->count;
			k->count++;
		}
	}
	if (result == WM_OK && k->count == 0) {
		set_msg(msg, msgcap, "the key file holds no key");
		result = WM_ERR_IO;
	}
	if (result != WM_OK) {
		sodium_memzero(lowest_master, sizeof lowest_master);
		sodium_free(k);
		return result;
	}
	/* The blind index key comes from the oldest key so that adding a key
	 * for encryption does not change how names are found; once pinned in
	 * the file, from there. */
	if (!k->blind_pinned)
		crypto_kdf_derive_from_key(k->blind, sizeof k->blind, 2, "wm-blind", lowest_master);
	sodium_memzero(lowest_master, sizeof lowest_master);
	snprintf(k->path, sizeof k->path, "%s", path);
	if (!reread) {
		/* Guarded memory like the keyring itself: it holds keyrings'
		 * addresses, and a leak checker that cannot see into the
		 * keyring's pages would otherwise take it for lost. */
		k->later = sodium_malloc(sizeof *k->later);
		if (k->later)
			memset(k->later, 0, sizeof *k->later);
		if (!k->later) {
			sodium_free(k);
			return WM_ERR_NOMEM;
		}
		pthread_mutex_init(&k->later->lock, NULL);
	}
	sodium_mprotect_readonly(k);
	*out = k;
	return WM_OK;
}

wm_err keyring_load(const char *path, struct keyring **out, char *msg, size_t msgcap)
{
	return load(path, NULL, out, msg, msgcap);
}

void keyring_free(struct keyring *k)
{
	if (!k)
		return;
	struct keyring_later *later = k->later;
	if (later) {
		sodium_free(atomic_load(&later->newer));
		for (int i = 0; i < later->nretired; i++)
			sodium_free(later->retired[i]);
		pthread_mutex_destroy(&later->lock);
		sodium_free(later);
	}
	sodium_free(k); /* sodium_free wipes the memory */
}

/* The keys as last read: the key file re-read since loading, if it was. */
static const struct keyring *current(const struct keyring *k)
{
	const struct keyring *newer = k->later ? atomic_load(&k->later->newer) : NULL;
	return newer ? newer : k;
}

/* Reads the key file again after a value sealed under key_id (which k does
 * not hold) turned up: `waymark rotate-key` added it while this process
 * ran. Keys are only ever added to what is held (one retired from the file
 * since is kept in memory); a re-read that gives a held id another key, or
 * changes the index key, is ignored. The earlier re-read stays allocated
 * (another thread may be using it) until the keyring is freed. */
static const struct keyring *refresh(const struct keyring *k, int key_id)
{
	struct keyring_later *later = k->later;
	if (!later)
		return NULL;
	pthread_mutex_lock(&later->lock);
	const struct keyring *cur = current(k);
	bool has = false;
	for (int i = 0; i < cur->count && !has; i++)
		has = cur->keys[i].id == key_id;
	if (!has && later->nretired < MAX_KEYS) {
		struct keyring *re = NULL;
		char msg[128];
		if (load(k->path, cur, &re, msg, sizeof msg) == WM_OK) {
			/* A key id held must keep its key, and the index key stay. */
			bool keeps = sodium_memcmp(re->blind, k->blind, sizeof k->blind) == 0;
			for (int i = 0; i < cur->count && keeps; i++)
				for (int j = 0; j < re->count; j++)
					if (re->keys[j].id == cur->keys[i].id &&
					    sodium_memcmp(re->keys[j].field, cur->keys[i].field,
							  sizeof re->keys[j].field) != 0)
						keeps = false;
			if (keeps) {
				struct keyring *old = atomic_exchange(&later->newer, re);
				if (old)
					later->retired[later->nretired++] = old;
				cur = re;
			} else {
				sodium_free(re);
			}
		}
	}
	pthread_mutex_unlock(&later->lock);
	return cur;
}

int keyring_active_id(const struct keyring *k)
{
	k = current(k);
	return k->keys[k->active].id;
}

wm_err keyring_seal(const struct keyring *k, const void *plain, size_t len, const char *ad,
		    unsigned char *out, int *key_id)
{
	k = current(k);
	const struct key *key = &k->keys[k->active];
	unsigned char *nonce = out;
	randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	unsigned long long clen = 0;
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(
		out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, plain, len,
		(const unsigned char *)ad, strlen(ad), NULL, nonce, key->field) != 0)
		return WM_ERR_CRYPTO;
	*key_id = key->id;
	return WM_OK;
}

wm_err keyring_open(const struct keyring *k, int key_id, const unsigned char *in, size_t len,
		    const char *ad, unsigned char *out)
{
	if (len < KEYRING_OVERHEAD)
		return WM_ERR_CRYPTO;
	const struct keyring *held = current(k);
	bool known = false;
	for (int i = 0; i < held->count && !known; i++)
		known = held->keys[i].id == key_id;
	if (!known)
		held = refresh(k, key_id);
	k = held ? held : k;
	for (int i = 0; i < k->count; i++) {
		if (k->keys[i].id != key_id)
			continue;
		unsigned long long plen = 0;
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(
			out, &plen, NULL, in + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
			len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
			(const unsigned char *)ad, strlen(ad), in, k->keys[i].field) != 0)
			return WM_ERR_CRYPTO;
		return WM_OK;
	}
	return WM_ERR_CRYPTO;
}

void keyring_blind(const struct keyring *k, const char *purpose, const char *folded,
		   unsigned char out[KEYRING_BLIND_LEN])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, k->blind, sizeof k->blind, KEYRING_BLIND_LEN);
	crypto_generichash_update(&st, (const unsigned char *)purpose, strlen(purpose) + 1);
	crypto_generichash_update(&st, (const unsigned char *)folded, strlen(folded));
	crypto_generichash_final(&st, out, KEYRING_BLIND_LEN);
}

/* Replaces the key file at path with text, atomically: a new file beside
 * it (mode 0600), synced, renamed over it, the directory synced. */
static wm_err replace_file(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.new", path) >= (int)sizeof tmp)
		return WM_ERR_INVALID;
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return WM_ERR_IO;
	bool ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return WM_ERR_IO;
	}
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return WM_OK;
}

/* The key file's text as it should be: the index line, then each key
 * kept, one a line. skip: an id to leave out (0: none); add: a new key's
 * line to append ("" for none). */
static wm_err rewrite(const char *path, const struct keyring *k, int skip, const char *add,
		      char *msg, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char old[4096];
	ssize_t n = fd >= 0 ? read(fd, old, sizeof old - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		set_msg(msg, cap, "cannot read the key file");
		return WM_ERR_IO;
	}
	old[n] = '\0';
	char text[4608];
	size_t len = 0;
	char hex[2 * sizeof k->blind + 1];
	sodium_bin2hex(hex, sizeof hex, k->blind, sizeof k->blind);
	len += (size_t)snprintf(text + len, sizeof text - len, "waymark-index %s\n", hex);
	char *save = NULL;
	for (char *line = strtok_r(old, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int id;
		if (strncmp(line, "waymark-index ", 14) == 0)
			continue;
		if (sscanf(line, "waymark-key %d", &id) == 1 && id == skip)
			continue;
		len += (size_t)snprintf(text + len, sizeof text - len, "%s\n", line);
		if (len >= sizeof text) {
			set_msg(msg, cap, "the key file is too long");
			return WM_ERR_INVALID;
		}
	}
	len += (size_t)snprintf(text + len, sizeof text - len, "%s", add);
	wm_err e = len < sizeof text ? replace_file(path, text, len) : WM_ERR_INVALID;
	sodium_memzero(old, sizeof old);
	sodium_memzero(text, sizeof text);
	sodium_memzero(hex, sizeof hex);
	if (e != WM_OK)
		set_msg(msg, cap, "cannot write the key file");
	return e;
}

wm_err keyring_add_key(const char *path, int *new_id, char *msg, size_t cap)
{
	struct keyring *k;
	wm_err e = keyring_load(path, &k, msg, cap);
	if (e != WM_OK)
		return e;
	int id = 0;
	for (int i = 0; i < k->count; i++)
		if (k->keys[i].id > id)
			id = k->keys[i].id;
	id++;
	if (k->count == MAX_KEYS) {
		set_msg(msg, cap, "the key file holds as many keys as it may: retire one first");
		keyring_free(k);
		return WM_ERR_INVALID;
	}
	unsigned char key[KEY_LEN];
	char hex[KEY_LEN * 2 + 1], line[128];
	randombytes_buf(key, sizeof key);
	sodium_bin2hex(hex, sizeof hex, key, sizeof key);
	snprintf(line, sizeof line, "waymark-key %d %s\n", id, hex);
	e = rewrite(path, k, 0, line, msg, cap);
	sodium_memzero(key, sizeof key);
	sodium_memzero(hex, sizeof hex);
	sodium_memzero(line, sizeof line);
	keyring_free(k);
	if (e == WM_OK)
		*new_id = id;
	return e;
}

wm_err keyring_retire_key(const char *path, int id, char *msg, size_t cap)
{
	struct keyring *k;
	wm_err e = keyring_load(path, &k, msg, cap);
	if (e != WM_OK)
		return e;
	bool held = false;
	for (int i = 0; i < k->count; i++)
		held = held || k->keys[i].id == id;
	if (!held) {
		set_msg(msg, cap, "the key file holds no key of that id");
		e = WM_ERR_NOT_FOUND;
	} else if (k->keys[k->active].id == id) {
		set_msg(msg, cap,
			"that is the newest key, which seals new values: add another first");
		e = WM_ERR_INVALID;
	} else {
		e = rewrite(path, k, id, "", msg, cap);
	}
	keyring_free(k);
	return e;
}

int keyring_ids(const struct keyring *k, int *ids, int cap)
{
	k = current(k);
	int n = 0;
	for (int i = 0; i < k->count && n < cap; i++)
		ids[n++] = k->keys[i].id;
	return n;
}
