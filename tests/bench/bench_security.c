/*
 * tests/bench/bench_security.c — what the network rules cost a request, in nanoseconds per call on one
 * thread: the per-thread settings copy (common/security_settings.h), an allowlist decision against the
 * largest list (LIMIT_CIDR_ENTRIES ranges, the address matching none), and reading a trusted proxy's
 * headers (Forwarded and X-Forwarded-For with three hops, then choosing the client).
 *
 *   build/release/bench/bench_security [ITERATIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/forwarded.h"
#include "common/security_settings.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile unsigned sink;

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000000;
    if (n <= 0)
        n = 2000000;

    double t = now_s();
    for (long i = 0; i < n; i++)
        sink += security_settings_get(NULL)->https_required;
    printf("security_settings_get (this thread's copy)        %7.1f ns\n", (now_s() - t) * 1e9 / (double)n);

    static char list[LIMIT_CIDR_ENTRIES * 20];
    size_t o = 0;
    for (int i = 0; i < LIMIT_CIDR_ENTRIES; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "10.%d.%d.0/24 ", i / 256, i % 256);
    const char *names[] = {"ip_allowlist"}, *values[] = {list};
    static struct security_settings s;
    security_settings_parse(&s, names, values, 1);
    uint8_t addr[16];
    cidr_addr_parse("203.0.113.9", 11, addr);
    t = now_s();
    for (long i = 0; i < n; i++)
        sink += security_settings_allows(&s, true, addr);
    printf("allowlist decision, %d ranges, no match          %7.1f ns\n", LIMIT_CIDR_ENTRIES,
           (now_s() - t) * 1e9 / (double)n);

    static const char fwd[] = "for=198.51.100.66, for=\"[2001:db8::5]\";proto=https, for=10.0.0.2;proto=http";
    static const char xff[] = "198.51.100.66, 203.0.113.9, 10.0.0.2", xfp[] = "https";
    struct cidr_list trusted;
    const char *err;
    cidr_list_parse("10.0.0.0/8", 10, &trusted, &err);
    uint8_t peer[16];
    cidr_addr_parse("10.0.0.1", 8, peer);
    struct forwarded_hop hops[LIMIT_FORWARDED_HOPS];
    struct forwarded_client c;
    size_t nh;
    t = now_s();
    for (long i = 0; i < n; i++) {
        forwarded_parse(fwd, sizeof fwd - 1, hops, LIMIT_FORWARDED_HOPS, &nh, &err);
        forwarded_client(hops, nh, &trusted, peer, &c);
        sink += c.known;
    }
    printf("Forwarded, 3 hops: parse + choose the client      %7.1f ns\n", (now_s() - t) * 1e9 / (double)n);
    t = now_s();
    for (long i = 0; i < n; i++) {
        nh = forwarded_parse_x(xff, sizeof xff - 1, xfp, sizeof xfp - 1, hops, LIMIT_FORWARDED_HOPS);
        forwarded_client(hops, nh, &trusted, peer, &c);
        sink += c.known;
    }
    printf("X-Forwarded-For, 3 hops: parse + choose           %7.1f ns\n", (now_s() - t) * 1e9 / (double)n);
    return 0;
}
