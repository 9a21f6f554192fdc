/*
 * addr: IANA special-purpose address registries (RFC 6890, RFC 8190), IPv4
 * and IPv6.  Only "global" addresses count as reachable: link-local AAAA
 * records (fe80::/10) are the classic trap of a sender's MX.
 */
#include <arpa/inet.h>
#include <string.h>
#include <stdio.h>
#include "addr.h"

typedef struct { unsigned char p[16]; unsigned bits; addr_class c; } range;

/* Longest prefix wins, so order does not matter; exceptions of 2001::/23
 * are listed as global with their longer prefixes. */
static const range v6[] = {
	{ {0}, 128, ADDR_UNSPECIFIED },
	{ {0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1}, 128, ADDR_LOOPBACK },
	{ {0,0,0,0,0,0,0,0,0,0,0xff,0xff}, 96, ADDR_MAPPED },
	{ {0}, 96, ADDR_COMPAT },
	{ {0}, 8, ADDR_RESERVED },
	{ {0,0x64,0xff,0x9b}, 96, ADDR_NAT64 },
	{ {0,0x64,0xff,0x9b,0,1}, 48, ADDR_NAT64 },
	{ {0x01,0x00}, 64, ADDR_DISCARD },
	{ {0x01,0x00,0,0,0,0,0,1}, 64, ADDR_DISCARD },
	{ {0x20,0x01}, 23, ADDR_RESERVED },
	{ {0x20,0x01}, 32, ADDR_TEREDO },
	{ {0x20,0x01,0,1,0,0,0,0,0,0,0,0,0,0,0,1}, 128, ADDR_GLOBAL },
	{ {0x20,0x01,0,1,0,0,0,0,0,0,0,0,0,0,0,2}, 128, ADDR_GLOBAL },
	{ {0x20,0x01,0,2}, 48, ADDR_BENCHMARK },
	{ {0x20,0x01,0,3}, 32, ADDR_GLOBAL },
	{ {0x20,0x01,0,4,1,0x12}, 48, ADDR_GLOBAL },
	{ {0x20,0x01,0,0x20}, 28, ADDR_GLOBAL },
	{ {0x20,0x01,0,0x30}, 28, ADDR_GLOBAL },
	{ {0x20,0x01,0x0d,0xb8}, 32, ADDR_DOCUMENTATION },
	{ {0x20,0x02}, 16, ADDR_6TO4 },
	{ {0x3f,0xff}, 20, ADDR_DOCUMENTATION },
	{ {0x5f,0x00}, 16, ADDR_RESERVED },   /* SRv6 SIDs, RFC 9602 */
	{ {0xfc}, 7, ADDR_UNIQUE_LOCAL },
	{ {0xfe,0x80}, 10, ADDR_LINK_LOCAL },
	{ {0xfe,0xc0}, 10, ADDR_SITE_LOCAL },
	{ {0xff}, 8, ADDR_MULTICAST },
};

static const range v4[] = {
	{ {0}, 8, ADDR_UNSPECIFIED },
	{ {10}, 8, ADDR_PRIVATE },
	{ {100,64}, 10, ADDR_PRIVATE },
	{ {127}, 8, ADDR_LOOPBACK },
	{ {169,254}, 16, ADDR_LINK_LOCAL },
	{ {172,16}, 12, ADDR_PRIVATE },
	{ {192,0,0}, 24, ADDR_RESERVED },
	{ {192,0,0,9}, 32, ADDR_GLOBAL },
	{ {192,0,0,10}, 32, ADDR_GLOBAL },
	{ {192,0,2}, 24, ADDR_DOCUMENTATION },
	{ {192,88,99}, 24, ADDR_RESERVED },
	{ {192,168}, 16, ADDR_PRIVATE },
	{ {198,18}, 15, ADDR_BENCHMARK },
	{ {198,51,100}, 24, ADDR_DOCUMENTATION },
	{ {203,0,113}, 24, ADDR_DOCUMENTATION },
	{ {224}, 4, ADDR_MULTICAST },
	{ {240}, 4, ADDR_RESERVED },
};

static int match(const unsigned char *a, const unsigned char *p, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, p, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (p[full] & mask);
}

static addr_class lookup(const unsigned char *a, const range *t, size_t n)
{
	unsigned best = 0;
	int found = 0;
	addr_class c = ADDR_GLOBAL;
	for (size_t i = 0; i < n; i++)
		if (match(a, t[i].p, t[i].bits) && (!found || t[i].bits > best)) {
			best = t[i].bits;
			c = t[i].c;
			found = 1;
		}
	return c;
}

addr_class addr_classify(const char *addr, int *family)
{
	unsigned char b[16];
	if (family)
		*family = 0;
	if (addr == NULL)
		return ADDR_INVALID;
	if (inet_pton(AF_INET, addr, b) == 1) {
		if (family)
			*family = 4;
		if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
			return ADDR_RESERVED;
		return lookup(b, v4, sizeof v4 / sizeof v4[0]);
	}
	if (inet_pton(AF_INET6, addr, b) == 1) {
		if (family)
			*family = 6;
		/* Everything outside 2000::/3 that no entry names is not
		 * assigned for global unicast. */
		addr_class c = lookup(b, v6, sizeof v6 / sizeof v6[0]);
		if (c == ADDR_GLOBAL && (b[0] & 0xe0) != 0x20 &&
		    !(b[0] == 0x01 && b[1] == 0x00) && !(b[0] == 0x3f))
			c = ADDR_RESERVED;
		return c;
	}
	return ADDR_INVALID;
}

const char *addr_class_str(addr_class c)
{
	switch (c) {
	case ADDR_GLOBAL: return "global";
	case ADDR_UNSPECIFIED: return "unspecified";
	case ADDR_LOOPBACK: return "loopback";
	case ADDR_MAPPED: return "ipv4-mapped";
	case ADDR_COMPAT: return "ipv4-compatible";
	case ADDR_LINK_LOCAL: return "link-local";
	case ADDR_SITE_LOCAL: return "site-local";
	case ADDR_UNIQUE_LOCAL: return "unique-local";
	case ADDR_PRIVATE: return "private";
	case ADDR_DOCUMENTATION: return "documentation";
	case ADDR_NAT64: return "nat64";
	case ADDR_6TO4: return "6to4";
	case ADDR_TEREDO: return "teredo";
	case ADDR_MULTICAST: return "multicast";
	case ADDR_BENCHMARK: return "benchmarking";
	case ADDR_DISCARD: return "discard-only";
	case ADDR_RESERVED: return "reserved";
	case ADDR_INVALID: return "invalid";
	}
	return "invalid";
}

int addr_is_reachable(addr_class c)
{
	return c == ADDR_GLOBAL;
}

int addr_normalize(const char *addr, char *out, size_t outlen)
{
	unsigned char b[16];
	if (addr == NULL)
		return 0;
	if (inet_pton(AF_INET, addr, b) == 1)
		return inet_ntop(AF_INET, b, out, (socklen_t)outlen) ? 4 : 0;
	if (inet_pton(AF_INET6, addr, b) != 1)
		return 0;
	static const unsigned char mapped[12] = {0,0,0,0,0,0,0,0,0,0,0xff,0xff};
	if (memcmp(b, mapped, 12) == 0)
		return inet_ntop(AF_INET, b + 12, out, (socklen_t)outlen) ? 4 : 0;
	return inet_ntop(AF_INET6, b, out, (socklen_t)outlen) ? 6 : 0;
}
