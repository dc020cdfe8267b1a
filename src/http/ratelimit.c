/*
 * ratelimit.c - token buckets in a set-associative table: each set of WAYS
 * entries under one lock of a few stripes, so that two connection threads
 * rarely wait on each other.
 */
#define _POSIX_C_SOURCE 200809L
#include "ratelimit.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SETS	4096 /* x WAYS = 65,536 addresses busy at once */
#define WAYS	16
#define STRIPES 64

struct bucket {
	struct netaddr addr;
	bool used;
	double tokens;
	double stamp; /* seconds, monotonic */
};

struct ratelimit {
	double rate, burst;
	unsigned char key[crypto_shorthash_KEYBYTES];
	pthread_mutex_t locks[STRIPES];
	struct bucket sets[SETS][WAYS];
};

struct ratelimit *ratelimit_new(unsigned rate, unsigned burst)
{
	assert(rate > 0 && burst > 0);
	if (sodium_init() < 0)
		return NULL;
	struct ratelimit *rl = calloc(1, sizeof *rl);
	if (!rl)
		return NULL;
	rl->rate = rate;
	rl->burst = burst;
	crypto_shorthash_keygen(rl->key);
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&rl->locks[i], NULL);
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&rl->locks[i]);
	free(rl);
}

/* The bucket's tokens at now (refilled since its last use, capped). */
static double level(const struct ratelimit *rl, const struct bucket *b, double now)
{
	double t = b->tokens + (now - b->stamp) * rl->rate;
	return t > rl->burst ? rl->burst : t;
}

bool ratelimit_take(struct ratelimit *rl, const struct netaddr *addr)
{
	if (!rl)
		return true;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	uint64_t h;
	crypto_shorthash((unsigned char *)&h, addr->b, sizeof addr->b, rl->key);
	size_t set = (size_t)(h % SETS);
	struct bucket *ways = rl->sets[set];
	pthread_mutex_t *lock = &rl->locks[set % STRIPES];
	pthread_mutex_lock(lock);
	struct bucket *b = NULL, *free_way = NULL;
	for (int i = 0; i < WAYS && !b; i++) {
		if (ways[i].used && memcmp(&ways[i].addr, addr, sizeof *addr) == 0)
			b = &ways[i];
		else if (!free_way && (!ways[i].used || level(rl, &ways[i], now) >= rl->burst))
			free_way = &ways[i]; /* empty, or its owner has nothing to remember */
	}
	if (!b && free_way) {
		b = free_way;
		*b =
		    (struct bucket){.addr = *addr, .used = true, .tokens = rl->burst, .stamp = now};
	}
	bool ok = false;
	if (b) {
		double tokens = level(rl, b, now);
		ok = tokens >= 1.0;
		b->tokens = ok ? tokens - 1.0 : tokens;
		b->stamp = now;
	}
	pthread_mutex_unlock(lock);
	return ok;
}
