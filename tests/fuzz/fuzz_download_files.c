/*
 * tests/fuzz/fuzz_download_files.c — libFuzzer target for apid/download_files (a product's
 * _downloadable_files, _download_limit and _download_expiry meta, as stored by anyone who can edit
 * products).
 *
 * The input is the meta value. Checks, beyond "no crash": every id found is NUL-terminated, at most
 * 36 characters and a key of the input; the same bytes read as a limit or an expiry give -1 or a
 * non-negative number; downloads_remaining is "" or digits within varchar(9) whenever it fits; an
 * expiry date is "YYYY-MM-DD 00:00:00" no earlier than the day it counts from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apid/download_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size + 1); /* a private copy, so ASan catches any read past size */
    if (src == NULL)
        abort();
    memcpy(src, data, size);
    struct download_ids ids;
    const char *err = NULL;
    if (download_files_ids(src, size, &ids, &err) != 0)
        abort();
    if ((ids.n == 0) != (ids.id == NULL) || (ids.n == 0 && err == NULL))
        abort();
    for (size_t i = 0; i < ids.n; i++) {
        size_t len = strnlen(ids.id[i], DOWNLOAD_ID_BYTES);
        if (len == DOWNLOAD_ID_BYTES || download_files_chars(ids.id[i]) > DOWNLOAD_ID_CHARS)
            abort();
        if (len > 0 && memmem(src, size, ids.id[i], len) == NULL && strspn(ids.id[i], "0123456789") != len)
            abort(); /* a string key is in the input; an integer key may be a list index */
    }
    download_ids_free(&ids);
    src[size] = '\0';
    long long n = download_files_number(src);
    if (n < -1)
        abort();
    char remaining[24];
    if (download_files_remaining(n, (long long)size, remaining)) {
        size_t len = strlen(remaining);
        if (len > DOWNLOAD_REMAINING_CHARS || strspn(remaining, "0123456789") != len || (n >= 0 && len == 0))
            abort();
    }
    char expires[20];
    if (download_files_expires("2026-11-27", n, expires)) {
        if (strlen(expires) != 19 || strcmp(expires + 10, " 00:00:00") != 0 || strncmp(expires, "2026-11-27", 10) < 0)
            abort();
    } else if (n > 0) {
        abort();
    }
    free(src);
    return 0;
}
