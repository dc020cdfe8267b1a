/*
 * ratelimit.c - token buckets in a fixed hash table under one mutex per
 * stripe, so that two worker threads rarely wait on each other.
 */
#define _POSIX_C_SOURCE 200809L
#include "ratelimit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS	 4096
#define STRIPES	 64
#define ADDR_MAX 46

struct bucket {
	char addr[ADDR_MAX];
	double tokens;
	double stamp; /* seconds, monotonic */
};

struct ratelimit {
	double rate, burst;
	pthread_mutex_t locks[STRIPES];
	struct bucket slots[SLOTS];
};

struct ratelimit *ratelimit_new(unsigned rate, unsigned burst)
{
	struct ratelimit *rl = calloc(1, sizeof *rl);
	if (!rl)
		return NULL;
	rl->rate = rate;
	rl->burst = burst;
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

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

bool ratelimit_take(struct ratelimit *rl, const char *addr)
{
	if (!rl)
		return true;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	uint32_t h = hash(addr);
	struct bucket *b = &rl->slots[h % SLOTS];
	pthread_mutex_t *lock = &rl->locks[h % STRIPES];
	pthread_mutex_lock(lock);
	double tokens = b->tokens + (now - b->stamp) * rl->rate;
	if (tokens > rl->burst)
		tokens = rl->burst;
	if (strncmp(b->addr, addr, ADDR_MAX) != 0 && tokens >= rl->burst) {
		/* The slot's owner is idle (full bucket): it is this address's now. */
		strncpy(b->addr, addr, ADDR_MAX - 1);
		b->addr[ADDR_MAX - 1] = '\0';
	}
	bool ok = tokens >= 1.0;
	b->tokens = ok ? tokens - 1.0 : tokens;
	b->stamp = now;
	pthread_mutex_unlock(lock);
	return ok;
}
