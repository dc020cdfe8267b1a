/*
 * ratelimit.h - a token bucket per client address, in memory.
 *
 * Each address gets `rate` tokens a second up to `burst`; a request takes one.
 * Every address has a bucket of its own: two addresses never share one,
 * whatever their hashes. Buckets live in a fixed table (no allocation per
 * request) of sets of a few entries; the set an address falls in is chosen
 * by a hash keyed with a secret picked at start, so nobody can aim addresses
 * at another's set. A bucket that has refilled is free for another address
 * (it would have nothing to remember); when every entry of a set is busy
 * with another address, a new address is refused until one refills, which
 * errs towards limiting, never towards letting a flood through.
 */
#ifndef WM_RATELIMIT_H
#define WM_RATELIMIT_H

#include <stdbool.h>

#include "netaddr.h"

struct ratelimit;

/* A limiter allowing rate requests a second with bursts of burst (both > 0).
 * NULL when out of memory. */
struct ratelimit *ratelimit_new(unsigned rate, unsigned burst);
void ratelimit_free(struct ratelimit *rl);

/* Takes a token for addr; false when the address is over its limit. */
bool ratelimit_take(struct ratelimit *rl, const struct netaddr *addr);

#endif
