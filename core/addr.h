#ifndef MXR_ADDR_H
#define MXR_ADDR_H
/*
 * IP address classification against the IANA IPv4 and IPv6 special-purpose
 * address registries (RFC 6890 and later entries).
 */
#include <stddef.h>

typedef enum {
	ADDR_GLOBAL = 0,     /* globally reachable unicast                   */
	ADDR_UNSPECIFIED,    /* ::/128, 0.0.0.0/8                            */
	ADDR_LOOPBACK,       /* ::1/128, 127.0.0.0/8                         */
	ADDR_MAPPED,         /* ::ffff:0:0/96 (IPv4-mapped)                  */
	ADDR_COMPAT,         /* ::/96 (deprecated IPv4-compatible)           */
	ADDR_LINK_LOCAL,     /* fe80::/10, 169.254.0.0/16                    */
	ADDR_SITE_LOCAL,     /* fec0::/10 (deprecated)                       */
	ADDR_UNIQUE_LOCAL,   /* fc00::/7                                     */
	ADDR_PRIVATE,        /* RFC 1918, 100.64.0.0/10 (shared)             */
	ADDR_DOCUMENTATION,  /* 2001:db8::/32, 3fff::/20, TEST-NETs          */
	ADDR_NAT64,          /* 64:ff9b::/96, 64:ff9b:1::/48                 */
	ADDR_6TO4,           /* 2002::/16                                    */
	ADDR_TEREDO,         /* 2001::/32                                    */
	ADDR_MULTICAST,      /* ff00::/8, 224.0.0.0/4                        */
	ADDR_BENCHMARK,      /* 2001:2::/48, 198.18.0.0/15                   */
	ADDR_DISCARD,        /* 100::/64                                     */
	ADDR_RESERVED,       /* other non-global special-purpose ranges      */
	ADDR_INVALID         /* not an address                               */
} addr_class;

/* Classifies a textual IPv4 or IPv6 address; *family gets 4 or 6 (0 if
 * invalid). */
addr_class addr_classify(const char *addr, int *family);
/* Keyword for JSON and logs: "global", "link-local", "unique-local", ... */
const char *addr_class_str(addr_class c);
/* 1 if the class may be used to reach a host on the Internet. */
int addr_is_reachable(addr_class c);
/* Rewrites an IPv4-mapped IPv6 address ("::ffff:192.0.2.1") to its IPv4
 * form in out; other valid addresses are copied in canonical form.
 * Returns the family (4 or 6), or 0 if addr is not an address. */
int addr_normalize(const char *addr, char *out, size_t outlen);

#endif
