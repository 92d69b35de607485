/*
 * tests/fuzz/fuzz_config_file.c — config_file_parse on arbitrary bytes. Every entry handed to the
 * callback must have a valid key, NUL-terminated key and value within the caps, and increasing
 * line numbers; an error must come with a message. The callback refuses keys that start with 'x'
 * so the early-stop path runs too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/config_file.h"
#include "common/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
    unsigned last_line;
    unsigned entries;
};

static int check(const char *key, size_t keylen, const char *value, size_t valuelen, unsigned line, void *ud)
{
    struct state *st = ud;
    if (keylen == 0 || keylen > LIMIT_CONFIG_KEY_BYTES || valuelen > LIMIT_CONFIG_VALUE_BYTES)
        abort();
    if (key[keylen] != '\0' || value[valuelen] != '\0' || strlen(key) != keylen)
        abort();
    if (strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_.") != keylen)
        abort();
    if (line <= st->last_line)
        abort();
    st->last_line = line;
    st->entries++;
    return key[0] == 'x' ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct state st = {0, 0};
    const char *err = NULL;
    unsigned line = 0;
    if (config_file_parse((const char *)data, size, check, &st, &err, &line) < 0) {
        if (err == NULL)
            abort();
        if (line != 0 && line < st.last_line)
            abort();
    } else if (line != 0) {
        abort();
    }
    return 0;
}
