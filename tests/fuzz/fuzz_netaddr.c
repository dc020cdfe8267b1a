/*
 * fuzz_netaddr.c - libFuzzer target: client addresses, trusted-proxy
 * ranges and the X-Forwarded-For list (http/netaddr.c).
 *
 * Invariants: an address that parses prints as text that parses back to the
 * same address; a range that parses contains its own address; the client
 * found behind a trusted proxy is the peer itself or an address the list
 * names, and from an untrusted peer it is always the peer.
 */
#define _POSIX_C_SOURCE 200809L
#include "fuzz.h"
#include "http/netaddr.h"

/* True when a is one of the addresses in the comma-separated list. */
static bool listed(const char *list, const struct netaddr *a)
{
	const char *p = list;
	while (p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		struct netaddr x;
		if (netaddr_parse(p, len, &x) && memcmp(&x, a, sizeof x) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	if (!s)
		return 0;
	struct netaddr a, b;
	char text[NETADDR_TEXT];
	if (netaddr_parse(s, strlen(s), &a)) {
		netaddr_format(&a, text);
		FUZZ_CHECK(netaddr_parse(text, strlen(text), &b) && memcmp(&a, &b, sizeof a) == 0);
	}
	struct netmask m;
	if (netmask_parse(s, &m)) {
		FUZZ_CHECK(m.bits <= 128);
		FUZZ_CHECK(netmask_contains(&m, 1, &m.addr));
	}

	/* The input as X-Forwarded-For, from a trusted proxy and from not. */
	struct netmask trusted[2];
	FUZZ_CHECK(netmask_parse("10.0.0.0/8", &trusted[0]) && netmask_parse("::1", &trusted[1]));
	struct netaddr proxy, stranger;
	FUZZ_CHECK(netaddr_parse("10.1.2.3", 8, &proxy) &&
		   netaddr_parse("192.0.2.9", 9, &stranger));
	struct netaddr c = netaddr_client(&proxy, s, trusted, 2);
	FUZZ_CHECK(memcmp(&c, &proxy, sizeof c) == 0 || listed(s, &c));
	c = netaddr_client(&stranger, s, trusted, 2);
	FUZZ_CHECK(memcmp(&c, &stranger, sizeof c) == 0);
	free(s);
	return 0;
}
