/*
 * tests/fuzz/fuzz_wp_config.c — wp_config_parse on arbitrary text; on success every field must be a
 * NUL-terminated string within its array and the prefix must be [A-Za-z0-9_]+. DB_HOST then goes
 * through wp_config_split_host, whose outputs must be terminated and the port in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/wp_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const char *s, size_t cap)
{
    if (memchr(s, '\0', cap) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wp_config c;
    const char *err = NULL;
    char host[64], sock[64];
    unsigned port = 0;

    if (wp_config_parse((const char *)data, size, &c, &err) < 0) {
        if (err == NULL || c.db_name[0] != '\0' || c.table_prefix[0] != '\0')
            abort();
        return 0;
    }
    check_field(c.db_name, sizeof c.db_name);
    check_field(c.db_user, sizeof c.db_user);
    check_field(c.db_password, sizeof c.db_password);
    check_field(c.db_host, sizeof c.db_host);
    check_field(c.db_charset, sizeof c.db_charset);
    check_field(c.table_prefix, sizeof c.table_prefix);
    size_t n = strlen(c.table_prefix);
    if (n == 0 || strspn(c.table_prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != n)
        abort();
    if (!c.has_charset && c.db_charset[0] != '\0')
        abort();
    if (wp_config_split_host(c.db_host, host, sizeof host, &port, sock, sizeof sock) == 0) {
        check_field(host, sizeof host);
        check_field(sock, sizeof sock);
        if (port > 65535)
            abort();
    }
    return 0;
}
