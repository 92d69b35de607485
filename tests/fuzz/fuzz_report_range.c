/*
 * tests/fuzz/fuzz_report_range.c — libFuzzer target for common/report_range.
 *
 * The input is split at the first two '&' into period, after and before (an empty piece is absent).
 * Checks, beyond "no crash": an accepted range is ordered and within LIMIT_REPORT_DAYS, a parsed
 * date formats back to the same ten bytes, and day numbers round-trip through the calendar.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/report_range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a private copy, so ASan catches any read past the pieces */
    char *src = malloc(size ? size : 1);
    if (src == NULL)
        abort();
    memcpy(src, data, size);
    const char *piece[3] = {NULL, NULL, NULL};
    size_t len[3] = {0, 0, 0}, start = 0;
    for (int k = 0; k < 3; k++) {
        size_t end = start;
        while (end < size && (k == 2 || src[end] != '&'))
            end++;
        if (start <= size && end > start) {
            piece[k] = src + start;
            len[k] = end - start;
        }
        start = end + 1;
    }
    const int64_t today = 20784;
    struct report_range r;
    const char *err = NULL;
    if (report_range_parse(piece[0], len[0], piece[1], len[1], piece[2], len[2], today, &r, &err) == 0) {
        if (r.first > r.last || r.last - r.first + 1 > LIMIT_REPORT_DAYS || report_period_name(r.period) == NULL)
            abort();
    } else if (err == NULL) {
        abort();
    }
    for (int k = 0; k < 3; k++) {
        int64_t day;
        if (piece[k] != NULL && report_date_parse(piece[k], len[k], &day) == 0) {
            char out[11];
            report_date_format(day, out);
            if (len[k] != 10 || memcmp(out, piece[k], 10) != 0)
                abort();
            int64_t y;
            unsigned m, d;
            report_day_to_civil(day, &y, &m, &d);
            if (report_day_from_civil(y, m, d) != day)
                abort();
        }
    }
    free(src);
    return 0;
}
