/*
 * common/forwarded.c — parsing Forwarded (RFC 7239) and X-Forwarded-For/-Proto, and picking the client
 * (common/forwarded.h).
 *
 * Owns: the RFC 7239 / RFC 7230 grammar (tokens, quoted strings with quoted-pairs, node names and
 * ports), the lenient reading of X-Forwarded-For entries, and the right-to-left walk over trusted
 * proxies. Does not: decide whether the peer is trusted (the caller), read headers (common/http_server.c)
 * or parse addresses itself (common/cidr.c).
 */
#include "common/forwarded.h"

#include <string.h>
#include <strings.h>

#define NODE_MAX 64 /* "[IPv6]:port" fits; longer for= values are no address */

static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static enum forwarded_proto proto_of(const char *v, size_t n)
{
    if (n == 0)
        return FORWARDED_PROTO_NONE;
    if (n == 4 && strncasecmp(v, "http", 4) == 0)
        return FORWARDED_PROTO_HTTP;
    if (n == 5 && strncasecmp(v, "https", 5) == 0)
        return FORWARDED_PROTO_HTTPS;
    return FORWARDED_PROTO_OTHER;
}

static bool digits(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* node = IPv4[:port] | "[" IPv6 "]"[:port]; with bare_v6, also a bracket-less IPv6 (X-Forwarded-For).
 * 0 with the address, -1 when it is none of these ("unknown", "_hidden", garbage). */
static int node_addr(const char *s, size_t n, bool bare_v6, uint8_t out[16])
{
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL)
            return -1;
        size_t alen = (size_t)(close - s - 1), rest = n - alen - 2;
        if (memchr(s + 1, ':', alen) == NULL) /* brackets hold IPv6 only */
            return -1;
        if (rest != 0 && (close[1] != ':' || !(digits(close + 2, rest - 1, 5) || (rest > 1 && close[2] == '_'))))
            return -1;
        return cidr_addr_parse(s + 1, alen, out);
    }
    const char *colon = memchr(s, ':', n);
    if (colon != NULL && memchr(colon + 1, ':', n - (size_t)(colon - s) - 1) != NULL)
        return bare_v6 ? cidr_addr_parse(s, n, out) : -1; /* more than one ':' */
    size_t alen = colon != NULL ? (size_t)(colon - s) : n;
    if (colon != NULL) {
        size_t plen = n - alen - 1;
        if (!(digits(colon + 1, plen, 5) || (plen > 1 && colon[1] == '_')))
            return -1;
    }
    return cidr_addr_parse(s, alen, out);
}

/* ---- Forwarded ---- */

/* A value at s[*i]: a token, or a quoted string unescaped into buf (up to cap; longer: *vlen = cap + 1,
 * still checked). 0, or -1. */
static int parse_value(const char *s, size_t len, size_t *i, char *buf, size_t cap, size_t *vlen)
{
    size_t p = *i, o = 0;
    if (p < len && s[p] == '"') {
        p++;
        for (;;) {
            if (p >= len)
                return -1; /* unterminated */
            unsigned char c = (unsigned char)s[p];
            if (c == '"')
                break;
            if (c == '\\') {
                if (++p >= len)
                    return -1;
                c = (unsigned char)s[p];
                if (!(c == '\t' || (c >= 0x20 && c != 0x7f)))
                    return -1;
            } else if (!(c == '\t' || (c >= 0x20 && c != 0x7f))) {
                return -1;
            }
            if (o < cap)
                buf[o] = (char)c;
            o++;
            p++;
        }
        *i = p + 1;
        *vlen = o > cap ? cap + 1 : o;
        return 0;
    }
    while (p < len && is_tchar((unsigned char)s[p])) {
        if (o < cap)
            buf[o] = s[p];
        o++;
        p++;
    }
    if (o == 0)
        return -1;
    *i = p;
    *vlen = o > cap ? cap + 1 : o;
    return 0;
}

int forwarded_parse(const char *s, size_t len, struct forwarded_hop *hops, size_t max, size_t *n, const char **err)
{
    size_t i = 0, count = 0;
    *n = 0;
    for (;;) {
        while (i < len && is_ows(s[i]))
            i++;
        if (i < len && s[i] == ',') { /* an empty list element */
            i++;
            continue;
        }
        if (i >= len)
            break;
        struct forwarded_hop hop = {false, {0}, FORWARDED_PROTO_NONE};
        unsigned seen = 0; /* 1 for, 2 proto, 4 by, 8 host */
        for (;;) {         /* pairs of one element, separated by ';' (each may be empty) */
            while (i < len && is_ows(s[i]))
                i++;
            if (i < len && is_tchar((unsigned char)s[i])) {
                size_t name = i;
                while (i < len && is_tchar((unsigned char)s[i]))
                    i++;
                size_t nlen = i - name;
                if (i >= len || s[i] != '=') {
                    *err = "a parameter without '='";
                    return -1;
                }
                i++;
                char v[NODE_MAX];
                size_t vlen;
                if (parse_value(s, len, &i, v, sizeof v, &vlen) != 0) {
                    *err = "a malformed value";
                    return -1;
                }
                unsigned bit = nlen == 3 && strncasecmp(s + name, "for", 3) == 0     ? 1
                               : nlen == 5 && strncasecmp(s + name, "proto", 5) == 0 ? 2
                               : nlen == 2 && strncasecmp(s + name, "by", 2) == 0    ? 4
                               : nlen == 4 && strncasecmp(s + name, "host", 4) == 0  ? 8
                                                                                     : 0;
                if (bit & seen) {
                    *err = "a parameter twice in one element";
                    return -1;
                }
                seen |= bit;
                if (bit == 1)
                    hop.for_ip = vlen <= sizeof v && node_addr(v, vlen, false, hop.addr) == 0;
                else if (bit == 2)
                    hop.proto = vlen <= sizeof v ? proto_of(v, vlen) : FORWARDED_PROTO_OTHER;
                while (i < len && is_ows(s[i]))
                    i++;
            }
            if (i < len && s[i] == ';') {
                i++;
                continue;
            }
            break;
        }
        if (i < len && s[i] != ',') {
            *err = "unexpected character";
            return -1;
        }
        if (count == max) {
            *err = "too many elements";
            return -1;
        }
        hops[count++] = hop;
        if (i < len)
            i++; /* the ',' */
    }
    *n = count;
    return 0;
}

/* ---- X-Forwarded-For / X-Forwarded-Proto ---- */

static size_t count_entries(const char *s, size_t len)
{
    if (s == NULL || len == 0)
        return 0;
    size_t c = 1;
    for (size_t i = 0; i < len; i++)
        c += s[i] == ',';
    return c;
}

/* The k-th comma-separated entry (0-based, from the left), trimmed. */
static void entry_at(const char *s, size_t len, size_t k, const char **e, size_t *elen)
{
    size_t i = 0;
    for (size_t seen = 0; seen < k && i < len; i++)
        if (s[i] == ',')
            seen++;
    size_t start = i;
    while (i < len && s[i] != ',')
        i++;
    size_t end = i;
    while (start < end && is_ows(s[start]))
        start++;
    while (end > start && is_ows(s[end - 1]))
        end--;
    *e = s + start;
    *elen = end - start;
}

size_t forwarded_parse_x(const char *xff, size_t xfflen, const char *xfp, size_t xfplen, struct forwarded_hop *hops,
                         size_t max)
{
    size_t nf = count_entries(xff, xfflen), np = count_entries(xfp, xfplen);
    if (max == 0 || (nf == 0 && np == 0))
        return 0;
    enum forwarded_proto last = FORWARDED_PROTO_NONE;
    if (np > 0) {
        const char *e;
        size_t elen;
        entry_at(xfp, xfplen, np - 1, &e, &elen);
        last = proto_of(e, elen);
    }
    if (nf == 0) {
        hops[0] = (struct forwarded_hop){false, {0}, last};
        return 1;
    }
    size_t keep = nf <= max ? nf : max - 1, first = nf - keep, n = 0;
    if (nf > max)
        hops[n++] = (struct forwarded_hop){false, {0}, last};
    /* walk the kept entries from the left; entry_at is linear, so track the offset instead */
    size_t i = 0;
    for (size_t seen = 0; seen < first && i < xfflen; i++)
        if (xff[i] == ',')
            seen++;
    size_t pi = 0, pseen = 0;
    for (size_t k = first; k < nf; k++) {
        size_t start = i;
        while (i < xfflen && xff[i] != ',')
            i++;
        size_t end = i;
        if (i < xfflen)
            i++;
        while (start < end && is_ows(xff[start]))
            start++;
        while (end > start && is_ows(xff[end - 1]))
            end--;
        struct forwarded_hop *h = &hops[n++];
        h->for_ip = node_addr(xff + start, end - start, true, h->addr) == 0;
        if (!h->for_ip)
            memset(h->addr, 0, sizeof h->addr);
        h->proto = last;
        if (np == nf) { /* aligned: entry k of XFP */
            for (; pseen < k && pi < xfplen; pi++)
                if (xfp[pi] == ',')
                    pseen++;
            const char *e;
            size_t elen;
            entry_at(xfp + pi, xfplen - pi, 0, &e, &elen);
            h->proto = proto_of(e, elen);
        }
    }
    return n;
}

/* ---- the client ---- */

void forwarded_client(const struct forwarded_hop *hops, size_t n, const struct cidr_list *trusted,
                      const uint8_t peer[16], struct forwarded_client *out)
{
    memcpy(out->addr, peer, 16);
    out->known = true;
    out->proto = FORWARDED_PROTO_NONE;
    for (size_t k = n; k-- > 0;) {
        const struct forwarded_hop *h = &hops[k];
        out->proto = h->proto;
        if (!h->for_ip) {
            out->known = false; /* addr stays the nearest trusted address */
            return;
        }
        memcpy(out->addr, h->addr, 16);
        if (!cidr_list_match(trusted, h->addr))
            return;
    }
}
