/*
 * common/cidr.h — IP addresses and CIDR lists (the trusted proxies of the configuration, the IP
 * allowlist of the security settings).
 *
 *   struct cidr_list l; const char *err;
 *   if (cidr_list_parse("10.0.0.0/8, 2001:db8::/32 192.0.2.7", len, &l, &err) != 0) → refuse err
 *   uint8_t a[16]; if (cidr_addr_parse("10.1.2.3", 8, a) == 0 && cidr_list_match(&l, a)) → inside
 *
 * Every address is held as 16 bytes: IPv4 as the IPv4-mapped IPv6 address ::ffff:a.b.c.d, so that an
 * IPv4 client seen on a dual-stack socket and "10.0.0.0/8" agree, and an IPv4 prefix /n is /96+n.
 * Pure functions over counted strings: no I/O, no allocation, no globals.
 */
#ifndef COMMON_CIDR_H
#define COMMON_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"

struct cidr {
    uint8_t addr[16]; /* host bits beyond the prefix are zero */
    uint8_t bits;     /* prefix length over the 16 bytes: 0..128 (IPv4 a.b.c.d/n: 96+n) */
};

struct cidr_list {
    size_t n;
    struct cidr items[LIMIT_CIDR_ENTRIES];
};

/* One address: dotted-quad IPv4 (no leading zeros, as inet_pton) or IPv6 text (also "::ffff:1.2.3.4"),
 * without brackets, port or zone. 0, or -1 when it is none of these. */
int cidr_addr_parse(const char *s, size_t len, uint8_t out[16]);

/* One entry: an address, or address/prefix ("10.0.0.0/8", "2001:db8::/32"; an IPv4 prefix is 0..32,
 * an IPv6 one 0..128). Host bits set beyond the prefix are cleared ("192.0.2.7/24" is 192.0.2.0/24).
 * 0, or -1 with *err. */
int cidr_parse(const char *s, size_t len, struct cidr *out, const char **err);

/* A list separated by commas and/or white space; empty entries are skipped and an empty or blank
 * string is the empty list. At most LIMIT_CIDR_ENTRIES entries. 0, or -1 with *err (out->n is 0). */
int cidr_list_parse(const char *s, size_t len, struct cidr_list *out, const char **err);

/* Whether addr is inside one of the list's ranges (false for the empty list). */
bool cidr_list_match(const struct cidr_list *l, const uint8_t addr[16]);

/* Whether addr is a loopback address: 127.0.0.0/8 or ::1. */
bool cidr_is_loopback(const uint8_t addr[16]);

/* addr as text ("192.0.2.7" for an IPv4-mapped address, "2001:db8::1" otherwise) into buf
 * (CIDR_ADDR_TEXT bytes suffice). */
#define CIDR_ADDR_TEXT 46
void cidr_addr_format(const uint8_t addr[16], char *buf, size_t cap);

#endif
