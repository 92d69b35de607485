/*
 * tests/fuzz/fuzz_forwarded.c — libFuzzer target for common/forwarded.
 *
 * The input is read as a Forwarded value, and split at its first newline into X-Forwarded-For and
 * X-Forwarded-Proto. Checks, beyond "no crash": hop counts stay within max, a failed parse leaves
 * n at 0 with a message, protocols are in range, and the chosen client is either a hop's address or
 * the peer's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/forwarded.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX 8

static void check_client(const struct forwarded_hop *hops, size_t n, const struct cidr_list *trusted,
                         const uint8_t peer[16])
{
    struct forwarded_client c;
    forwarded_client(hops, n, trusted, peer, &c);
    bool found = memcmp(c.addr, peer, 16) == 0;
    for (size_t i = 0; i < n && !found; i++)
        found = hops[i].for_ip && memcmp(c.addr, hops[i].addr, 16) == 0;
    if (!found || c.proto > FORWARDED_PROTO_OTHER)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size ? size : 1); /* a private copy, so ASan catches any read past size */
    if (src == NULL)
        abort();
    memcpy(src, data, size);
    static struct cidr_list trusted;
    const char *err = NULL;
    cidr_list_parse("10.0.0.0/8 2001:db8::/32 192.0.2.0/24", 37, &trusted, &err);
    uint8_t peer[16];
    cidr_addr_parse("10.0.0.1", 8, peer);

    struct forwarded_hop hops[MAX];
    size_t n = 0;
    err = NULL;
    if (forwarded_parse(src, size, hops, MAX, &n, &err) == 0) {
        if (n > MAX)
            abort();
        check_client(hops, n, &trusted, peer);
    } else if (err == NULL || n != 0) {
        abort();
    }
    const char *nl = memchr(src, '\n', size);
    size_t xlen = nl ? (size_t)(nl - src) : size;
    n = forwarded_parse_x(src, xlen, nl ? nl + 1 : NULL, nl ? size - xlen - 1 : 0, hops, MAX);
    if (n > MAX)
        abort();
    check_client(hops, n, &trusted, peer);
    free(src);
    return 0;
}
