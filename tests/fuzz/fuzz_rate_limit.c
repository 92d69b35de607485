/*
 * tests/fuzz/fuzz_rate_limit.c — libFuzzer target for common/rate_limit's "BURST/PER_SECOND" parser.
 *
 * Checks, beyond "no crash": a refused input leaves the outputs untouched; an accepted one is within
 * the bounds the parser promises (burst 1..1,000,000, rate in (0, 1e6]) and parses again to the same
 * limit when written back as "%u/%.17g".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rate_limit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size ? size : 1); /* a private copy, so ASan catches any read past size */
    if (src == NULL)
        abort();
    memcpy(src, data, size);
    unsigned b = 7;
    double r = 7;
    if (rate_limit_parse(src, size, &b, &r) != 0) {
        if (b != 7 || r != 7)
            abort();
    } else {
        if (b < 1 || b > 1000000 || !(r > 0) || r > 1e6)
            abort();
        char again[64];
        int n = snprintf(again, sizeof again, "%u/%.17g", b, r);
        unsigned b2;
        double r2;
        if (n < 0 || (size_t)n >= sizeof again || rate_limit_parse(again, (size_t)n, &b2, &r2) != 0 || b2 != b ||
            r2 != r)
            abort();
    }
    free(src);
    return 0;
}
