/*
 * netaddr.c - parsing and matching client addresses.
 */
#define _POSIX_C_SOURCE 200809L
#include "netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void map4(const unsigned char v4[4], struct netaddr *out)
{
	memset(out->b, 0, 10);
	out->b[10] = out->b[11] = 0xff;
	memcpy(out->b + 12, v4, 4);
}

static bool is_mapped4(const struct netaddr *a)
{
	static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a->b, prefix, sizeof prefix) == 0;
}

/* A port after an address: ":" and 1-5 digits, exactly. */
static bool is_port(const char *s, size_t len)
{
	if (len < 2 || len > 6 || s[0] != ':')
		return false;
	for (size_t i = 1; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* An address alone: no brackets, no port. */
static bool parse_plain(const char *text, size_t len, struct netaddr *out)
{
	char buf[NETADDR_TEXT];
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	unsigned char v4[4];
	if (inet_pton(AF_INET, buf, v4) == 1) {
		map4(v4, out);
		return true;
	}
	return inet_pton(AF_INET6, buf, out->b) == 1;
}

bool netaddr_parse(const char *text, size_t len, struct netaddr *out)
{
	if (len > 0 && text[0] == '[') {
		const char *close = memchr(text, ']', len);
		if (!close)
			return false;
		size_t inner = (size_t)(close - text) - 1, rest = len - inner - 2;
		if (rest && !is_port(close + 1, rest))
			return false;
		struct netaddr a;
		if (!parse_plain(text + 1, inner, &a) || is_mapped4(&a) ||
		    memchr(text + 1, '.', inner))
			return false; /* brackets hold IPv6 only */
		*out = a;
		return true;
	}
	const char *colon = memchr(text, ':', len);
	if (colon && !memchr(colon + 1, ':', len - (size_t)(colon + 1 - text)) &&
	    is_port(colon, len - (size_t)(colon - text)))
		len = (size_t)(colon - text); /* IPv4 with a port */
	return parse_plain(text, len, out);
}

bool netaddr_from_sockaddr(const void *sockaddr, struct netaddr *out)
{
	const struct sockaddr *sa = sockaddr;
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a4 = sockaddr;
		map4((const unsigned char *)&a4->sin_addr, out);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = sockaddr;
		memcpy(out->b, &a6->sin6_addr, 16);
		return true;
	}
	return false;
}

void netaddr_format(const struct netaddr *a, char out[NETADDR_TEXT])
{
	if (is_mapped4(a))
		inet_ntop(AF_INET, a->b + 12, out, NETADDR_TEXT);
	else
		inet_ntop(AF_INET6, a->b, out, NETADDR_TEXT);
}

bool netmask_parse(const char *text, struct netmask *out)
{
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	if (!parse_plain(text, alen, &out->addr))
		return false;
	bool v4 = memchr(text, ':', alen) == NULL;
	unsigned max = v4 ? 32 : 128;
	out->bits = 128;
	if (slash) {
		const char *d = slash + 1;
		size_t dlen = strlen(d);
		if (dlen == 0 || dlen > 3 || strspn(d, "0123456789") != dlen)
			return false;
		unsigned long bits = strtoul(d, NULL, 10);
		if (bits > max)
			return false;
		out->bits = (unsigned)bits + (v4 ? 96 : 0);
	}
	/* Clear the bits the range leaves free, so that matching compares
	 * prefixes only. */
	for (unsigned i = out->bits; i < 128; i++)
		out->addr.b[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
	return true;
}

bool netmask_contains(const struct netmask *ranges, size_t n, const struct netaddr *a)
{
	for (size_t k = 0; k < n; k++) {
		unsigned bits = ranges[k].bits, whole = bits / 8, rest = bits % 8;
		if (memcmp(ranges[k].addr.b, a->b, whole) != 0)
			continue;
		if (rest) {
			unsigned char m = (unsigned char)(0xffu << (8 - rest));
			if ((ranges[k].addr.b[whole] & m) != (a->b[whole] & m))
				continue;
		}
		return true;
	}
	return false;
}

struct netaddr netaddr_client(const struct netaddr *peer, const char *xff,
			      const struct netmask *trusted, size_t ntrusted)
{
	struct netaddr hop = *peer;
	if (!xff || !netmask_contains(trusted, ntrusted, peer))
		return hop;
	size_t end = strlen(xff);
	for (;;) {
		/* One entry: back from end to the comma before it. */
		size_t start = end;
		while (start > 0 && xff[start - 1] != ',')
			start--;
		size_t a = start, b = end;
		while (a < b && (xff[a] == ' ' || xff[a] == '\t'))
			a++;
		while (b > a && (xff[b - 1] == ' ' || xff[b - 1] == '\t'))
			b--;
		struct netaddr next;
		if (b > a) {
			if (!netaddr_parse(xff + a, b - a, &next))
				return hop;
			if (!netmask_contains(trusted, ntrusted, &next))
				return next;
			hop = next;
		}
		if (start == 0)
			return hop;
		end = start - 1;
	}
}
