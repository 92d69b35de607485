/*
 * common/cidr.c — parsing and matching IP addresses and CIDR ranges (common/cidr.h).
 *
 * Owns: the text forms accepted (inet_pton's strict ones, copied into a bounded NUL-terminated
 * buffer first since nothing from the wire is terminated), the mapping of IPv4 onto ::ffff:0:0/96,
 * prefix masking and list matching. Does not: resolve names, accept ports, brackets or zone ids
 * (the Forwarded parser strips those, common/forwarded.c), or read settings.
 */
#include "common/cidr.h"

#include <arpa/inet.h>
#include <string.h>

static const uint8_t V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int cidr_addr_parse(const char *s, size_t len, uint8_t out[16])
{
    char buf[INET6_ADDRSTRLEN + 1];
    if (len == 0 || len >= sizeof buf || memchr(s, '\0', len) != NULL)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    struct in_addr v4;
    if (memchr(buf, ':', len) == NULL) {
        if (inet_pton(AF_INET, buf, &v4) != 1)
            return -1;
        memcpy(out, V4_MAPPED, 12);
        memcpy(out + 12, &v4, 4);
        return 0;
    }
    struct in6_addr v6;
    if (inet_pton(AF_INET6, buf, &v6) != 1)
        return -1;
    memcpy(out, &v6, 16);
    return 0;
}

static void mask(uint8_t a[16], unsigned bits)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
        a[i] &= (uint8_t)(keep == 8 ? 0xff : (0xff00u >> keep) & 0xff);
    }
}

int cidr_parse(const char *s, size_t len, struct cidr *out, const char **err)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = slash != NULL ? (size_t)(slash - s) : len;
    if (cidr_addr_parse(s, alen, out->addr) != 0) {
        *err = "not an IPv4 or IPv6 address";
        return -1;
    }
    bool v4 = memcmp(out->addr, V4_MAPPED, 12) == 0 && memchr(s, ':', alen) == NULL;
    unsigned max = v4 ? 32 : 128, bits = max;
    if (slash != NULL) {
        const char *p = slash + 1;
        size_t plen = len - alen - 1;
        if (plen == 0 || plen > 3 || (plen > 1 && p[0] == '0')) {
            *err = "bad prefix length";
            return -1;
        }
        bits = 0;
        for (size_t i = 0; i < plen; i++) {
            if (p[i] < '0' || p[i] > '9') {
                *err = "bad prefix length";
                return -1;
            }
            bits = bits * 10 + (unsigned)(p[i] - '0');
        }
        if (bits > max) {
            *err = v4 ? "an IPv4 prefix is at most /32" : "an IPv6 prefix is at most /128";
            return -1;
        }
    }
    out->bits = (uint8_t)(v4 ? 96 + bits : bits);
    mask(out->addr, out->bits);
    return 0;
}

static bool is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int cidr_list_parse(const char *s, size_t len, struct cidr_list *out, const char **err)
{
    out->n = 0;
    size_t i = 0;
    while (i < len) {
        if (is_sep(s[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && !is_sep(s[i]))
            i++;
        if (out->n == LIMIT_CIDR_ENTRIES) {
            *err = "too many entries";
            out->n = 0;
            return -1;
        }
        if (cidr_parse(s + start, i - start, &out->items[out->n], err) != 0) {
            out->n = 0;
            return -1;
        }
        out->n++;
    }
    return 0;
}

bool cidr_list_match(const struct cidr_list *l, const uint8_t addr[16])
{
    for (size_t k = 0; k < l->n; k++) {
        const struct cidr *c = &l->items[k];
        unsigned full = c->bits / 8, rest = c->bits % 8;
        if (memcmp(addr, c->addr, full) != 0)
            continue;
        if (rest != 0 && ((addr[full] ^ c->addr[full]) & (uint8_t)(0xff00u >> rest)) != 0)
            continue;
        return true;
    }
    return false;
}

bool cidr_is_loopback(const uint8_t addr[16])
{
    static const uint8_t v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return memcmp(addr, v6_loopback, 16) == 0 || (memcmp(addr, V4_MAPPED, 12) == 0 && addr[12] == 127);
}

void cidr_addr_format(const uint8_t addr[16], char *buf, size_t cap)
{
    if (cap == 0)
        return;
    buf[0] = '\0';
    if (memcmp(addr, V4_MAPPED, 12) == 0)
        inet_ntop(AF_INET, addr + 12, buf, (socklen_t)cap);
    else
        inet_ntop(AF_INET6, addr, buf, (socklen_t)cap);
}
