/* Unit tests for http/ratelimit: a bucket per address, never shared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "http/ratelimit.h"

static struct netaddr v4(unsigned n)
{
	struct netaddr a;
	memset(&a, 0, sizeof a);
	a.b[10] = a.b[11] = 0xff;
	a.b[12] = 10;
	a.b[13] = (unsigned char)(n >> 16);
	a.b[14] = (unsigned char)(n >> 8);
	a.b[15] = (unsigned char)n;
	return a;
}

static void an_address_runs_out_and_others_do_not(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new(1, 3);
	assert_non_null(rl);
	struct netaddr a = v4(1), b = v4(2);
	assert_true(ratelimit_take(rl, &a));
	assert_true(ratelimit_take(rl, &a));
	assert_true(ratelimit_take(rl, &a));
	assert_false(ratelimit_take(rl, &a));
	assert_true(ratelimit_take(rl, &b));
	ratelimit_free(rl);
	/* No limiter: no limit. */
	assert_true(ratelimit_take(NULL, &a));
}

/* Thousands of addresses at once, each with a bucket of one: every one gets
 * its token, and only one. With buckets shared by a hash collision, some
 * would find theirs spent by another. */
static void two_addresses_never_share_a_bucket(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new(1, 1);
	assert_non_null(rl);
	enum { N = 10000 }; /* 2.4 a set on average, of 16: no set fills */
	for (unsigned i = 0; i < N; i++) {
		struct netaddr a = v4(i);
		if (!ratelimit_take(rl, &a))
			fail_msg("address %u was refused its first request", i);
	}
	for (unsigned i = 0; i < N; i++) {
		struct netaddr a = v4(i);
		if (ratelimit_take(rl, &a))
			fail_msg("address %u had a second token", i);
	}
	ratelimit_free(rl);
}

/* IPv4 and IPv6 addresses that differ only in bytes a weak hash might fold
 * together still have their own buckets. */
static void similar_addresses_are_distinct(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new(1, 1);
	struct netaddr a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.b[0] = 0x20;
	a.b[15] = 1;
	b.b[0] = 0x20;
	b.b[14] = 1; /* 2000::1 and 2000::100 */
	assert_true(ratelimit_take(rl, &a));
	assert_true(ratelimit_take(rl, &b));
	assert_false(ratelimit_take(rl, &a));
	assert_false(ratelimit_take(rl, &b));
	ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(an_address_runs_out_and_others_do_not),
	    cmocka_unit_test(two_addresses_never_share_a_bucket),
	    cmocka_unit_test(similar_addresses_are_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
