/*
 * ratelimit.h - a token bucket per client address, in memory.
 *
 * Each address gets `rate` tokens a second up to `burst`; a request takes one.
 * Buckets live in a fixed table (no allocation per request); an address
 * whose slot is taken by a busy other address shares that slot's bucket,
 * which errs towards limiting, never towards letting a flood through.
 */
#ifndef WM_RATELIMIT_H
#define WM_RATELIMIT_H

#include <stdbool.h>

struct ratelimit;

/* A limiter allowing rate requests a second with bursts of burst. */
struct ratelimit *ratelimit_new(unsigned rate, unsigned burst);
void ratelimit_free(struct ratelimit *rl);

/* Takes a token for addr; false when the address is over its limit. */
bool ratelimit_take(struct ratelimit *rl, const char *addr);

#endif
