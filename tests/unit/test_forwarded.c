/*
 * tests/unit/test_forwarded.c — common/forwarded: RFC 7239 Forwarded, X-Forwarded-For/-Proto and the
 * right-to-left choice of the client over trusted proxies. Hops are shown as "ADDR/PROTO" ("?" for a
 * hop without an address; proto "-" none, "http", "https", "other"), separated by " ".
 */
#include <stdio.h>
#include <string.h>

#include "common/forwarded.h"
#include "tests/tap.h"

static const char *proto_name(enum forwarded_proto p)
{
    switch (p) {
    case FORWARDED_PROTO_HTTP:
        return "http";
    case FORWARDED_PROTO_HTTPS:
        return "https";
    case FORWARDED_PROTO_OTHER:
        return "other";
    case FORWARDED_PROTO_NONE:
    default:
        return "-";
    }
}

static void render(const struct forwarded_hop *h, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o < cap; i++) {
        char a[CIDR_ADDR_TEXT] = "?";
        if (h[i].for_ip)
            cidr_addr_format(h[i].addr, a, sizeof a);
        o += (size_t)snprintf(out + o, cap - o, "%s%s/%s", i ? " " : "", a, proto_name(h[i].proto));
    }
}

static void test_forwarded(void)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {"", ""},
        {"for=192.0.2.60", "192.0.2.60/-"},
        {"for=192.0.2.60;proto=https", "192.0.2.60/https"},
        {"For=192.0.2.60;PROTO=HTTP;by=203.0.113.43", "192.0.2.60/http"},
        {"for=192.0.2.43, for=198.51.100.17", "192.0.2.43/- 198.51.100.17/-"},
        {"for=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17/-"},
        {"for=\"[2001:db8:cafe::17]\";proto=https", "2001:db8:cafe::17/https"},
        {"for=\"192.0.2.43:47011\"", "192.0.2.43/-"},
        {"for=\"192.0.2.43:_port\"", "192.0.2.43/-"},
        {"for=unknown;proto=https", "?/https"},
        {"for=_hidden, for=_SEVKISEK", "?/- ?/-"},
        {"proto=https", "?/https"},
        {"for=\"\\1\\9\\2.0.2.1\"", "192.0.2.1/-"},
        {"for=2001:db8::1", "ERR: unexpected character"},  /* IPv6 must be quoted */
        {"for=\"2001:db8::1\"", "?/-"},                  /* ... and bracketed */
        {"for=\"[192.0.2.1]\"", "?/-"},
        {"for=\"[2001:db8::1]:999999\"", "?/-"},
        {"for=192.0.2.60; proto=https", "192.0.2.60/https"},
        {"for=192.0.2.60 ;proto=https , for=10.0.0.1", "192.0.2.60/https 10.0.0.1/-"},
        {"for=192.0.2.60,,for=10.0.0.1, ", "192.0.2.60/- 10.0.0.1/-"},
        {";;", "?/-"},
        {"proto=wss", "?/other"},
        {"for=192.0.2.60;ext=\"a,b;c\"", "192.0.2.60/-"},
        {"for=192.0.2.60;for=10.0.0.1", "ERR: a parameter twice in one element"},
        {"for=1.2.3.4;Proto=http;proto=https", "ERR: a parameter twice in one element"},
        {"for", "ERR: a parameter without '='"},
        {"for=", "ERR: a malformed value"},
        {"for = 1.2.3.4", "ERR: a parameter without '='"},
        {"for=\"1.2.3.4", "ERR: a malformed value"},
        {"for=\"1.2.3.4\\", "ERR: a malformed value"},
        {"for=\"1.2\x01.3.4\"", "ERR: a malformed value"},
        {"for=1.2.3.4 proto=https", "ERR: unexpected character"},
        {"for=1.2.3.4\"", "ERR: unexpected character"},
        {"=1.2.3.4", "ERR: unexpected character"},
        {"for=\"x\", for=\"", "ERR: a malformed value"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct forwarded_hop hops[LIMIT_FORWARDED_HOPS];
        size_t n = 99;
        const char *err = NULL;
        char got[512];
        if (forwarded_parse(rows[i].in, strlen(rows[i].in), hops, LIMIT_FORWARDED_HOPS, &n, &err) == 0)
            render(hops, n, got, sizeof got);
        else
            snprintf(got, sizeof got, "ERR: %s%s", err, n == 0 ? "" : " (n not 0)");
        char name[160];
        snprintf(name, sizeof name, "Forwarded: %s", rows[i].in);
        TAP_EQ_STR(got, rows[i].want, name);
    }
    struct forwarded_hop hops[2];
    size_t n;
    const char *err;
    tap_ok(forwarded_parse("for=a, for=b, for=c", 19, hops, 2, &n, &err) == -1 && n == 0, "more elements than max: error");
    tap_ok(forwarded_parse("for=1.2.3.4;proto=https garbage", 23, hops, 2, &n, &err) == 0 && n == 1 &&
               hops[0].proto == FORWARDED_PROTO_HTTPS,
           "reads only len bytes");
}

static void test_x_forwarded(void)
{
    static const struct {
        const char *xff, *xfp, *want;
    } rows[] = {
        {NULL, NULL, ""},
        {"203.0.113.7", NULL, "203.0.113.7/-"},
        {"203.0.113.7", "https", "203.0.113.7/https"},
        {"203.0.113.7, 10.0.0.2", "https", "203.0.113.7/https 10.0.0.2/https"},
        {"203.0.113.7, 10.0.0.2", "https, http", "203.0.113.7/https 10.0.0.2/http"},
        {"203.0.113.7", "https, http", "203.0.113.7/http"}, /* counts differ: the rightmost */
        {"garbage, 203.0.113.7:5555", NULL, "?/- 203.0.113.7/-"},
        {"2001:db8::7, [2001:db8::8]:443, [2001:db8::9]", NULL, "2001:db8::7/- 2001:db8::8/- 2001:db8::9/-"},
        {"unknown,,203.0.113.7 ", NULL, "?/- ?/- 203.0.113.7/-"},
        {NULL, "HTTPS", "?/https"},
        {"", "https", "?/https"},
        {"1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5", NULL, "?/- 3.3.3.3/- 4.4.4.4/- 5.5.5.5/-"}, /* max 4 */
        {"1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4", "a,b,https,http", "1.1.1.1/other 2.2.2.2/other 3.3.3.3/https 4.4.4.4/http"},
        {"1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5", "a,b,c,https,http", "?/http 3.3.3.3/other 4.4.4.4/https 5.5.5.5/http"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct forwarded_hop hops[4];
        size_t n = forwarded_parse_x(rows[i].xff, rows[i].xff ? strlen(rows[i].xff) : 0, rows[i].xfp,
                                     rows[i].xfp ? strlen(rows[i].xfp) : 0, hops, 4);
        char got[512];
        render(hops, n, got, sizeof got);
        char name[200];
        snprintf(name, sizeof name, "X-Forwarded-For: %s / -Proto: %s", rows[i].xff ? rows[i].xff : "(none)",
                 rows[i].xfp ? rows[i].xfp : "(none)");
        TAP_EQ_STR(got, rows[i].want, name);
    }
}

static void test_client(void)
{
    static const char trusted_text[] = "10.0.0.0/8, 2001:db8:1::/48";
    static const struct {
        const char *forwarded, *want; /* want: "ADDR/PROTO known|unknown" */
    } rows[] = {
        {"", "10.0.0.5/- known"},
        {"for=203.0.113.7;proto=https", "203.0.113.7/https known"},
        {"for=198.51.100.1;proto=https, for=203.0.113.7;proto=http", "203.0.113.7/http known"}, /* spoof on the left */
        {"for=203.0.113.7;proto=https, for=10.1.1.1;proto=http", "203.0.113.7/https known"},   /* two trusted proxies */
        {"for=10.2.2.2, for=10.1.1.1", "10.2.2.2/- known"},                                  /* all trusted */
        {"for=_hidden;proto=https", "10.0.0.5/https unknown"},
        {"for=\"[2001:db8:1::9]\", for=unknown;proto=https", "10.0.0.5/https unknown"},
        {"for=unknown, for=\"[2001:db8:1::9]\";proto=https", "2001:db8:1::9/- unknown"},
        {"for=\"[2001:db8:2::9]\";proto=https, for=\"[2001:db8:1::9]\"", "2001:db8:2::9/https known"},
    };
    struct cidr_list trusted;
    const char *err;
    cidr_list_parse(trusted_text, strlen(trusted_text), &trusted, &err);
    uint8_t peer[16];
    cidr_addr_parse("10.0.0.5", 8, peer);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct forwarded_hop hops[LIMIT_FORWARDED_HOPS];
        size_t n;
        forwarded_parse(rows[i].forwarded, strlen(rows[i].forwarded), hops, LIMIT_FORWARDED_HOPS, &n, &err);
        struct forwarded_client c;
        forwarded_client(hops, n, &trusted, peer, &c);
        char a[CIDR_ADDR_TEXT], got[128];
        cidr_addr_format(c.addr, a, sizeof a);
        snprintf(got, sizeof got, "%s/%s %s", a, proto_name(c.proto), c.known ? "known" : "unknown");
        char name[200];
        snprintf(name, sizeof name, "client behind '%s'", rows[i].forwarded);
        TAP_EQ_STR(got, rows[i].want, name);
    }
}

int main(void)
{
    test_forwarded();
    test_x_forwarded();
    test_client();
    return tap_done();
}
