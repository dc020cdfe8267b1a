/*
 * netaddr.h - client addresses as fixed-size keys, trusted-proxy ranges, and
 * the real client behind a proxy (X-Forwarded-For).
 *
 * Every address is held as 16 bytes: an IPv4 address as its IPv4-mapped
 * IPv6 form (::ffff:a.b.c.d), so one table holds both families and two
 * addresses are equal exactly when their bytes are.
 */
#ifndef WM_NETADDR_H
#define WM_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

#define NETADDR_TEXT 46 /* INET6_ADDRSTRLEN */

struct netaddr {
	unsigned char b[16];
};

/* An address and how many leading bits of it a range fixes. */
struct netmask {
	struct netaddr addr;
	unsigned bits; /* 0-128 */
};

/* Parses len bytes of text: "192.0.2.1", "2001:db8::1" or "[2001:db8::1]",
 * optionally followed by ":PORT" ("192.0.2.1:443", "[::1]:443"), which is
 * ignored. False on anything else. */
bool netaddr_parse(const char *text, size_t len, struct netaddr *out);

/* The address of an AF_INET or AF_INET6 socket address; false otherwise. */
bool netaddr_from_sockaddr(const void *sockaddr, struct netaddr *out);

/* Writes the address as text (IPv4 dotted for IPv4-mapped addresses). */
void netaddr_format(const struct netaddr *a, char out[NETADDR_TEXT]);

/* Parses "ADDR" (one address) or "ADDR/BITS" (a range); false when not one. */
bool netmask_parse(const char *text, struct netmask *out);

/* True when a is inside one of the n ranges. */
bool netmask_contains(const struct netmask *ranges, size_t n, const struct netaddr *a);

/* The client a request comes from. A connection from outside the trusted
 * ranges is its own client: xff is ignored. From a trusted proxy, xff (the
 * X-Forwarded-For list, values of repeated headers joined by commas, or
 * NULL) is read from the right, each proxy having appended the address of
 * whoever connected to it: the first address that is not itself a trusted
 * proxy is the client. If every entry is trusted, the leftmost is; if an
 * entry does not parse, the last trusted hop before it is (a proxy wrote
 * nonsense: the answer errs towards the proxy, never towards a forged
 * entry further left). */
struct netaddr netaddr_client(const struct netaddr *peer, const char *xff,
			      const struct netmask *trusted, size_t ntrusted);

#endif
