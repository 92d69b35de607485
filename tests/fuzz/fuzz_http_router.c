/*
 * tests/fuzz/fuzz_http_router.c — libFuzzer target for common/http_router.
 *
 * Input: first byte picks the method, the rest is the path. Matched against a fixed table shaped like
 * apid's (root group plus one table under two prefixes). Checks, beyond "no crash": a match has a
 * route whose method fits, parameters are non-empty, NUL-free, slash-free and not dot segments, and
 * a 405 always names at least one method; an "id" read as a number is all digits and prints back to
 * itself (leading zeros aside).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int h(struct http_call *call)
{
    (void)call;
    return 0;
}

static const struct http_route root_routes[] = {
    {HTTP_GET, "/healthz", h, 0, 0, NULL},
};
static const struct http_route api_routes[] = {
    {HTTP_GET, "/", h, 0, 0, NULL},
    {HTTP_GET, "/orders", h, 0, 0, NULL},
    {HTTP_GET, "/orders/{id}", h, 0, 0, NULL},
    {HTTP_PATCH, "/orders/{id}", h, 1024, 0, NULL},
    {HTTP_POST, "/orders/{id}/refund", h, 1024, 0, NULL},
    {HTTP_GET, "/orders/{id}/notes", h, 0, 0, NULL},
    {HTTP_GET, "/products/{id}", h, 0, 0, NULL},
    {HTTP_GET, "/products/categories", h, 0, 0, NULL},
    {HTTP_GET, "/products/{id}/variations/{vid}", h, 0, 0, NULL},
    {HTTP_DELETE, "/products/{id}/variations/{vid}", h, 0, 0, NULL},
};
static const struct http_route_group groups[] = {
    {"", root_routes, 1},
    {"/cartman/v1", api_routes, sizeof api_routes / sizeof api_routes[0]},
    {"/wp-json/cartman/v1", api_routes, sizeof api_routes / sizeof api_routes[0]},
};

static struct http_router *router;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned methods[] = {HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE, 0};
    const char *err;
    struct http_match m;

    if (router == NULL && (router = http_router_create(groups, sizeof groups / sizeof groups[0], &err)) == NULL)
        abort();
    if (size == 0)
        return 0;
    unsigned method = methods[data[0] % (sizeof methods / sizeof methods[0])];
    size_t len = size - 1;
    char *path = malloc(len ? len : 1); /* exact size: ASan sees any read past len */
    if (path == NULL)
        abort();
    memcpy(path, data + 1, len);
    switch (http_router_match(router, method, path, len, &m)) {
    case HTTP_MATCH_OK:
        if (m.route == NULL || !(m.route->method == method || (method == HTTP_HEAD && m.route->method == HTTP_GET)))
            abort();
        for (size_t i = 0; i < m.nparams; i++) {
            const struct http_param *p = &m.params[i];
            if (p->value_len == 0 || p->value[p->value_len] != '\0' || memchr(p->value, '\0', p->value_len) ||
                memchr(p->value, '/', p->value_len) || strcmp(p->value, ".") == 0 || strcmp(p->value, "..") == 0)
                abort();
            if (http_match_param(&m, "id", NULL) == NULL)
                abort();
        }
        uint64_t id;
        size_t idlen;
        const char *sid = http_match_param(&m, "id", &idlen);
        if (sid != NULL && http_match_param_id(&m, "id", &id)) {
            char back[24];
            int n = snprintf(back, sizeof back, "%" PRIu64, id);
            size_t z = 0;
            while (z + 1 < idlen && sid[z] == '0')
                z++;
            if (id == 0 || n <= 0 || (size_t)n != idlen - z || memcmp(back, sid + z, (size_t)n) != 0)
                abort();
        }
        break;
    case HTTP_MATCH_METHOD_NOT_ALLOWED:
        if (m.allowed == 0 || (method != 0 && (m.allowed & method)))
            abort();
        break;
    case HTTP_MATCH_BAD_PATH:
        if (m.reason == NULL)
            abort();
        break;
    case HTTP_MATCH_NOT_FOUND:
        break;
    }
    free(path);
    return 0;
}
