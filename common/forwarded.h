/*
 * common/forwarded.h — who the client is and how it reached us, from the headers a reverse proxy adds:
 * RFC 7239 `Forwarded: for=…;proto=…`, or the older `X-Forwarded-For` / `X-Forwarded-Proto`.
 *
 *   struct forwarded_hop hops[LIMIT_FORWARDED_HOPS]; size_t n; const char *err;
 *   if (forwarded_parse(value, len, hops, LIMIT_FORWARDED_HOPS, &n, &err) == 0)
 *       forwarded_client(hops, n, &trusted_proxies, peer, &client);
 *
 * Each proxy appends one hop on the right, so the hops are read from the right: a hop whose address
 * is a trusted proxy is skipped (that proxy forwarded for the hop on its left), and the rightmost hop
 * that is not a trusted proxy is the client — whatever a client wrote further left is never read.
 * The caller decides whether to look at these headers at all (only when the TCP peer itself is a
 * trusted proxy). Pure functions over counted strings: no I/O, no allocation, no globals.
 */
#ifndef COMMON_FORWARDED_H
#define COMMON_FORWARDED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cidr.h"

enum forwarded_proto {
    FORWARDED_PROTO_NONE,  /* not said */
    FORWARDED_PROTO_HTTP,  /* "http" (any case) */
    FORWARDED_PROTO_HTTPS, /* "https" (any case) */
    FORWARDED_PROTO_OTHER, /* any other scheme */
};

struct forwarded_hop {
    bool for_ip;      /* for= named an IP address (not absent, "unknown", an obfuscated _name or garbage) */
    uint8_t addr[16]; /* when for_ip: the address (common/cidr.h form; the port is dropped) */
    enum forwarded_proto proto;
};

/*
 * A Forwarded field value (several header lines joined with ","): elements left to right, one hop
 * each; empty elements are skipped. Parameter names are case-insensitive, values a token or a quoted
 * string; for= is IPv4[:port], "[IPv6]"[:port] (quoted), "unknown" or an obfuscated "_name"; proto= a
 * URI scheme; by=, host= and extensions are checked for syntax only; a parameter twice in one element
 * is an error. Some white space around ';' and ',' is tolerated. 0, or -1 with *err (*n is then 0):
 * a syntax error, or more than max elements.
 */
int forwarded_parse(const char *s, size_t len, struct forwarded_hop *hops, size_t max, size_t *n, const char **err);

/*
 * X-Forwarded-For (xff; NULL or empty: absent) and X-Forwarded-Proto (xfp; likewise), each a comma
 * list, several lines joined with ",". Never fails: an XFF entry that is not an address (IPv4[:port],
 * IPv6, [IPv6][:port]) is a hop with for_ip false. Only the rightmost max XFF entries are kept; when
 * there were more, hops[0] stands for all the dropped ones (for_ip false). Protocols: when XFP has as
 * many entries as XFF, each hop gets its own; otherwise every hop gets XFP's rightmost entry (the one
 * the nearest proxy wrote). No XFF but an XFP: one hop without an address. Returns the hop count.
 */
size_t forwarded_parse_x(const char *xff, size_t xfflen, const char *xfp, size_t xfplen, struct forwarded_hop *hops,
                         size_t max);

struct forwarded_client {
    bool known;       /* addr is the client's own address */
    uint8_t addr[16]; /* the client; when !known, the nearest trusted address (the peer, or a proxy) */
    enum forwarded_proto proto; /* what the client's hop says; NONE when it says nothing */
};

/*
 * The client behind hops[0..n), seen from peer (a trusted proxy): the rightmost hop whose address is
 * not in trusted. When every hop is a trusted proxy, the leftmost is the client. A client hop without
 * an address (unknown, obfuscated, malformed, absent) gives known = false. n == 0: the peer itself,
 * known, proto NONE.
 */
void forwarded_client(const struct forwarded_hop *hops, size_t n, const struct cidr_list *trusted,
                      const uint8_t peer[16], struct forwarded_client *out);

#endif
