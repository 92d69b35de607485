/*
 * tests/fuzz/fuzz_mail_address.c — libFuzzer target for common/mail_address.
 *
 * Checks, beyond "no crash": an accepted address has no CR, LF or other control byte in its name or
 * address, the address passes mail_address_check_addr on its own, and parsing "name <addr>" rebuilt
 * from the result (quoted) gives the same result again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mail_address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_controls(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a private copy, so ASan catches any read past size */
    char *src = malloc(size ? size : 1);
    if (src == NULL)
        abort();
    memcpy(src, data, size);
    struct mail_address a;
    const char *err = NULL;
    if (mail_address_parse(src, size, &a, &err) == 0) {
        no_controls(a.name);
        no_controls(a.addr);
        if (mail_address_check_addr(a.addr, strlen(a.addr), &err) != 0 || strchr(a.addr, '<') || strchr(a.name, '<'))
            abort();
        /* round trip through a quoted display name */
        char again[2 * LIMIT_MAIL_NAME_BYTES + LIMIT_MAIL_ADDRESS_BYTES + 8];
        size_t o = 0;
        again[o++] = '"';
        for (const char *p = a.name; *p; p++) {
            if (*p == '"' || *p == '\\')
                again[o++] = '\\';
            again[o++] = *p;
        }
        o += (size_t)snprintf(again + o, sizeof again - o, "\" <%s>", a.addr);
        struct mail_address b;
        if (o <= LIMIT_MAIL_FIELD_BYTES && a.name[0] != ' ' && a.name[0] != '\t') {
            if (mail_address_parse(again, o, &b, &err) != 0 || strcmp(a.name, b.name) != 0 ||
                strcmp(a.addr, b.addr) != 0)
                abort();
        }
    } else if (err == NULL) {
        abort();
    }
    size_t chars;
    if (mail_utf8_valid(src, size, &chars) && chars > size)
        abort();
    if (mail_header_value_check(src, size, 250, &err) == 0) {
        if (memchr(src, '\r', size) || memchr(src, '\n', size) || memchr(src, '\0', size))
            abort();
    }
    free(src);
    return 0;
}
