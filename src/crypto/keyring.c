/*
 * keyring.c - key file handling and field encryption with libsodium.
 */
#define _POSIX_C_SOURCE 200809L
#include "keyring.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
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

struct keyring {
	int count;
	int active; /* index into keys */
	struct key keys[MAX_KEYS];
	unsigned char blind[crypto_generichash_KEYBYTES];
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

wm_err keyring_load(const char *path, struct keyring **out, char *msg, size_t msgcap)
{
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
	 * for encryption does not change how names are found. */
	crypto_kdf_derive_from_key(k->blind, sizeof k->blind, 2, "wm-blind", lowest_master);
	sodium_memzero(lowest_master, sizeof lowest_master);
	sodium_mprotect_readonly(k);
	*out = k;
	return WM_OK;
}

void keyring_free(struct keyring *k)
{
	if (k)
		sodium_free(k); /* sodium_free wipes the memory */
}

int keyring_active_id(const struct keyring *k)
{
	return k->keys[k->active].id;
}

wm_err keyring_seal(const struct keyring *k, const void *plain, size_t len, const char *ad,
		    unsigned char *out, int *key_id)
{
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
