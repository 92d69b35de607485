/*
 * tests/fuzz/fuzz_cidr.c — libFuzzer target for common/cidr.
 *
 * Checks, beyond "no crash": a parsed list stays within LIMIT_CIDR_ENTRIES with prefixes of at most
 * 128 bits and no host bits beyond them; every network address matches its own list; an address
 * that parses formats back to text that parses to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cidr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size ? size : 1); /* a private copy, so ASan catches any read past size */
    if (src == NULL)
        abort();
    memcpy(src, data, size);
    static struct cidr_list l;
    const char *err = NULL;
    if (cidr_list_parse(src, size, &l, &err) == 0) {
        if (l.n > LIMIT_CIDR_ENTRIES)
            abort();
        for (size_t i = 0; i < l.n; i++) {
            const struct cidr *c = &l.items[i];
            if (c->bits > 128)
                abort();
            for (unsigned b = c->bits; b < 128; b++)
                if (c->addr[b / 8] & (0x80 >> (b % 8)))
                    abort();
            if (!cidr_list_match(&l, c->addr))
                abort();
        }
    } else if (err == NULL || l.n != 0) {
        abort();
    }
    uint8_t a[16], b[16];
    if (cidr_addr_parse(src, size, a) == 0) {
        char text[CIDR_ADDR_TEXT];
        cidr_addr_format(a, text, sizeof text);
        if (cidr_addr_parse(text, strlen(text), b) != 0 || memcmp(a, b, 16) != 0)
            abort();
        (void)cidr_is_loopback(a);
    }
    free(src);
    return 0;
}
