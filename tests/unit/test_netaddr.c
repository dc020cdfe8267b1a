/* Unit tests for http/netaddr: addresses, trusted ranges, and the real
 * client behind a proxy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "http/netaddr.h"

static struct netaddr addr(const char *text)
{
	struct netaddr a;
	if (!netaddr_parse(text, strlen(text), &a))
		fail_msg("'%s' did not parse", text);
	return a;
}

static void expect_text(const struct netaddr *a, const char *want)
{
	char out[NETADDR_TEXT];
	netaddr_format(a, out);
	assert_string_equal(out, want);
}

static void addresses_parse_and_print(void **state)
{
	(void)state;
	struct netaddr a = addr("192.0.2.1");
	expect_text(&a, "192.0.2.1");
	a = addr("192.0.2.1:8443");
	expect_text(&a, "192.0.2.1");
	a = addr("2001:db8::1");
	expect_text(&a, "2001:db8::1");
	a = addr("[2001:db8::1]");
	expect_text(&a, "2001:db8::1");
	a = addr("[2001:db8::1]:443");
	expect_text(&a, "2001:db8::1");
	/* IPv4 and its mapped IPv6 form are one address. */
	struct netaddr m = addr("::ffff:192.0.2.1"), v = addr("192.0.2.1");
	assert_memory_equal(&m, &v, sizeof m);

	static const char *const bad[] = {"",
					  "example.org",
					  "192.0.2",
					  "192.0.2.1.5",
					  "192.0.2.256",
					  "192.0.2.1:",
					  "192.0.2.1:http",
					  "192.0.2.1:1234567",
					  "[192.0.2.1]",
					  "[2001:db8::1",
					  "[2001:db8::1]x",
					  "2001:db8::1:443:",
					  "unknown",
					  " 192.0.2.1",
					  "192.0.2.1 "};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct netaddr x;
		if (netaddr_parse(bad[i], strlen(bad[i]), &x))
			fail_msg("'%s' parsed", bad[i]);
	}
}

static void ranges_match_their_prefix(void **state)
{
	(void)state;
	struct netmask r[3];
	assert_true(netmask_parse("10.0.0.0/8", &r[0]));
	assert_true(netmask_parse("192.0.2.7", &r[1]));
	assert_true(netmask_parse("2001:db8:1::/48", &r[2]));
	struct netaddr a = addr("10.200.3.4");
	assert_true(netmask_contains(r, 3, &a));
	a = addr("11.0.0.1");
	assert_false(netmask_contains(r, 3, &a));
	a = addr("192.0.2.7");
	assert_true(netmask_contains(r, 3, &a));
	a = addr("192.0.2.8");
	assert_false(netmask_contains(r, 3, &a));
	a = addr("2001:db8:1:ffff::1");
	assert_true(netmask_contains(r, 3, &a));
	a = addr("2001:db8:2::1");
	assert_false(netmask_contains(r, 3, &a));
	/* An IPv4 range never matches an IPv6 address that merely shares bits. */
	a = addr("a00::1");
	assert_false(netmask_contains(r, 1, &a));
	/* Odd prefix lengths. */
	struct netmask odd;
	assert_true(netmask_parse("127.0.0.50/31", &odd));
	a = addr("127.0.0.51");
	assert_true(netmask_contains(&odd, 1, &a));
	a = addr("127.0.0.52");
	assert_false(netmask_contains(&odd, 1, &a));
	/* Everything. */
	assert_true(netmask_parse("0.0.0.0/0", &odd));
	a = addr("203.0.113.9");
	assert_true(netmask_contains(&odd, 1, &a));
	/* No ranges: nothing is trusted. */
	assert_false(netmask_contains(NULL, 0, &a));

	static const char *const bad[] = {"10.0.0.0/33", "10.0.0.0/",	"10.0.0.0/-1",
					  "::/129",	 "10.0.0.0/8x", "proxy",
					  "10.0.0.1:80", "[::1]",	"10.0.0.0/0008"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct netmask x;
		if (netmask_parse(bad[i], &x))
			fail_msg("'%s' parsed as a range", bad[i]);
	}
}

static void expect_client(const char *peer, const char *xff, const char *want)
{
	struct netmask trusted[2];
	assert_true(netmask_parse("10.0.0.0/8", &trusted[0]));
	assert_true(netmask_parse("2001:db8::1", &trusted[1]));
	struct netaddr p = addr(peer);
	struct netaddr c = netaddr_client(&p, xff, trusted, 2);
	char out[NETADDR_TEXT];
	netaddr_format(&c, out);
	if (strcmp(out, want) != 0)
		fail_msg("peer %s, X-Forwarded-For '%s': got %s, want %s", peer,
			 xff ? xff : "(none)", out, want);
}

static void the_client_behind_a_trusted_proxy(void **state)
{
	(void)state;
	/* Not from a proxy: the header is ignored, whatever it says. */
	expect_client("203.0.113.5", "198.51.100.1", "203.0.113.5");
	expect_client("203.0.113.5", NULL, "203.0.113.5");
	/* From a proxy: the address it appended. */
	expect_client("10.0.0.1", "198.51.100.1", "198.51.100.1");
	expect_client("10.0.0.1", " 198.51.100.1 ", "198.51.100.1");
	expect_client("2001:db8::1", "198.51.100.1", "198.51.100.1");
	/* A forged entry further left is never believed. */
	expect_client("10.0.0.1", "1.2.3.4, 198.51.100.1", "198.51.100.1");
	/* Proxies in a chain are skipped from the right. */
	expect_client("10.0.0.1", "1.2.3.4, 198.51.100.1, 10.9.9.9", "198.51.100.1");
	expect_client("10.0.0.1", "198.51.100.1,10.9.9.9,10.8.8.8", "198.51.100.1");
	expect_client("10.0.0.1", "[2001:db8::99]:4711, 10.1.1.1", "2001:db8::99");
	/* Every entry trusted: the leftmost. */
	expect_client("10.0.0.1", "10.3.3.3, 10.2.2.2", "10.3.3.3");
	/* No header, or an empty one: the proxy itself. */
	expect_client("10.0.0.1", NULL, "10.0.0.1");
	expect_client("10.0.0.1", "", "10.0.0.1");
	expect_client("10.0.0.1", " , ", "10.0.0.1");
	/* Nonsense where the proxy should have written an address: the last
	 * trusted hop, never anything to its left. */
	expect_client("10.0.0.1", "198.51.100.1, unknown", "10.0.0.1");
	expect_client("10.0.0.1", "198.51.100.1, garbage, 10.2.2.2", "10.2.2.2");
	expect_client("10.0.0.1", "1.2.3.4, 198.51.100.1, 10.2.2.2", "198.51.100.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(addresses_parse_and_print),
	    cmocka_unit_test(ranges_match_their_prefix),
	    cmocka_unit_test(the_client_behind_a_trusted_proxy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
