/*
 * tests/unit/test_http_router.c — common/http_router: route groups and prefixes, parameters and their
 * decoding, literal-over-parameter precedence, HEAD → GET, 404 vs 405 with the Allow list, rejected
 * paths (dot segments, NUL, encoded slashes, bad escapes), malformed route tables, and a parameter read
 * as a numeric id.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/http_router.h"
#include "tests/tap.h"

static int h(struct http_call *call)
{
    (void)call;
    return 0;
}

static const struct http_route root_routes[] = {
    {HTTP_GET, "/healthz", h, 0, 0, "healthz"},
};

static const struct http_route api_routes[] = {
    {HTTP_GET, "/", h, 0, 0, "index"},
    {HTTP_GET, "/orders", h, 0, 0, "orders"},
    {HTTP_GET, "/orders/{id}", h, 0, 0, "order"},
    {HTTP_PATCH, "/orders/{id}", h, LIMIT_REQUEST_BODY_DEFAULT, 0, "order-patch"},
    {HTTP_POST, "/orders/{id}/refund", h, LIMIT_REQUEST_BODY_DEFAULT, 0, "refund"},
    {HTTP_GET, "/orders/{id}/notes", h, 0, 0, "notes"},
    {HTTP_POST, "/orders/{id}/notes", h, LIMIT_REQUEST_BODY_DEFAULT, 0, "notes-post"},
    /* deliberately listed before the literal routes it competes with */
    {HTTP_GET, "/products/{id}", h, 0, 0, "product"},
    {HTTP_DELETE, "/products/{id}", h, 0, 0, "product-delete"},
    {HTTP_GET, "/products/categories", h, 0, 0, "categories"},
    {HTTP_GET, "/products/{id}/variations/{vid}", h, 0, 0, "variation"},
    {HTTP_GET, "/products/custom-fields/schema", h, 0, 0, "cf-schema"},
    {HTTP_POST, "/products", h, LIMIT_REQUEST_BODY_UPLOAD, 0, "product-create"},
    {HTTP_HEAD, "/support/embed.js", h, 0, 0, "embed-head"},
    {HTTP_GET, "/support/embed.js", h, 0, 0, "embed"},
};

static const struct http_route_group groups[] = {
    {"", root_routes, sizeof root_routes / sizeof root_routes[0]},
    {"/cartman/v1", api_routes, sizeof api_routes / sizeof api_routes[0]},
    {"/wp-json/cartman/v1", api_routes, sizeof api_routes / sizeof api_routes[0]},
};

static const char *status_name(enum http_match_status s)
{
    switch (s) {
    case HTTP_MATCH_OK: return "OK";
    case HTTP_MATCH_NOT_FOUND: return "404";
    case HTTP_MATCH_METHOD_NOT_ALLOWED: return "405";
    case HTTP_MATCH_BAD_PATH: return "400";
    }
    return "?";
}

/* "OK data [name=value,...]", "405 GET, HEAD" or "404" / "400 reason" */
static void render(enum http_match_status s, const struct http_match *m, char *out, size_t cap)
{
    size_t o = (size_t)snprintf(out, cap, "%s", status_name(s));
    if (s == HTTP_MATCH_OK) {
        o += (size_t)snprintf(out + o, cap - o, " %s", (const char *)m->route->data);
        for (size_t i = 0; i < m->nparams && o < cap; i++)
            o += (size_t)snprintf(out + o, cap - o, "%s%.*s=%s", i ? "," : " ", (int)m->params[i].name_len,
                                  m->params[i].name, m->params[i].value);
    } else if (s == HTTP_MATCH_METHOD_NOT_ALLOWED) {
        char allow[64];
        http_methods_format(m->allowed, allow, sizeof allow);
        snprintf(out + o, cap - o, " %s", allow);
    } else if (s == HTTP_MATCH_BAD_PATH) {
        snprintf(out + o, cap - o, " %s", m->reason ? m->reason : "(no reason)");
    }
}

static void test_match(const struct http_router *r)
{
    static const struct {
        const char *method, *path, *want;
    } rows[] = {
        /* groups and prefixes */
        {"GET", "/healthz", "OK healthz"},
        {"GET", "/cartman/v1/healthz", "404"},
        {"GET", "/cartman/v1", "OK index"},
        {"GET", "/cartman/v1/", "OK index"},
        {"GET", "/wp-json/cartman/v1", "OK index"},
        {"GET", "/wp-json/cartman/v1/", "OK index"},
        {"GET", "/", "404"},
        {"GET", "/cartman", "404"},
        {"GET", "/cartman/v2/orders", "404"},
        {"GET", "/wp-json/cartman/v1/orders", "OK orders"},
        {"GET", "/cartman/v1/orders/", "OK orders"},
        {"GET", "/cartman/v1/orders//", "404"},
        {"GET", "/cartman/v1//orders", "404"},
        {"GET", "//", "404"},
        {"GET", "/CARTMAN/v1/orders", "404"},
        /* parameters */
        {"GET", "/cartman/v1/orders/42", "OK order id=42"},
        {"GET", "/cartman/v1/orders/42/", "OK order id=42"},
        {"GET", "/cartman/v1/orders/abc", "OK order id=abc"},
        {"PATCH", "/cartman/v1/orders/42", "OK order-patch id=42"},
        {"POST", "/cartman/v1/orders/7/refund", "OK refund id=7"},
        {"GET", "/cartman/v1/orders/7/notes", "OK notes id=7"},
        {"POST", "/wp-json/cartman/v1/orders/7/notes", "OK notes-post id=7"},
        {"GET", "/cartman/v1/products/9/variations/11", "OK variation id=9,vid=11"},
        {"GET", "/cartman/v1/orders/%34%32", "OK order id=42"},
        {"GET", "/cartman/v1/orders/a%20b", "OK order id=a b"},
        {"GET", "/cartman/v1/orders/caf%C3%A9", "OK order id=caf\xc3\xa9"},
        {"GET", "/cartman/v1/orders/+", "OK order id=+"},
        {"GET", "/cartman/v1/orders/...", "OK order id=..."},
        {"GET", "/cartman/v1/%6frders", "OK orders"},
        /* literal beats parameter, whatever the order */
        {"GET", "/cartman/v1/products/categories", "OK categories"},
        {"GET", "/cartman/v1/products/categorie", "OK product id=categorie"},
        {"GET", "/cartman/v1/products/custom-fields/schema", "OK cf-schema"},
        {"DELETE", "/cartman/v1/products/categories", "405 GET, HEAD"},
        {"DELETE", "/cartman/v1/products/5", "OK product-delete id=5"},
        /* HEAD */
        {"HEAD", "/cartman/v1/orders", "OK orders"},
        {"HEAD", "/cartman/v1/orders/3", "OK order id=3"},
        {"HEAD", "/cartman/v1/support/embed.js", "OK embed-head"},
        {"HEAD", "/cartman/v1/orders/3/refund", "405 POST"},
        /* 404 vs 405 */
        {"POST", "/cartman/v1/orders", "405 GET, HEAD"},
        {"DELETE", "/cartman/v1/orders/1", "405 GET, HEAD, PATCH"},
        {"PUT", "/cartman/v1/orders/1/notes", "405 GET, HEAD, POST"},
        {"OPTIONS", "/cartman/v1/orders", "405 GET, HEAD"},
        {"BREW", "/cartman/v1/orders", "405 GET, HEAD"},
        {"get", "/cartman/v1/orders", "405 GET, HEAD"},
        {"BREW", "/nope", "404"},
        {"GET", "/cartman/v1/orders/1/2", "404"},
        {"POST", "/cartman/v1/products", "OK product-create"},
        {"GET", "/cartman/v1/products", "405 POST"},
        /* rejected paths */
        {"GET", "", "400 path does not start with '/'"},
        {"GET", "orders", "400 path does not start with '/'"},
        {"GET", "*", "400 path does not start with '/'"},
        {"GET", "/cartman/v1/orders/../orders", "400 dot segment"},
        {"GET", "/cartman/v1/./orders", "400 dot segment"},
        {"GET", "/cartman/v1/orders/..", "400 dot segment"},
        {"GET", "/cartman/v1/orders/../", "400 dot segment"},
        {"GET", "/..", "400 dot segment"},
        {"GET", "/cartman/v1/orders/%2e%2e", "400 encoded dot segment"},
        {"GET", "/cartman/v1/orders/.%2E", "400 encoded dot segment"},
        {"GET", "/cartman/v1/orders/%2e", "400 encoded dot segment"},
        {"GET", "/cartman/v1/orders/1%2F2", "400 encoded slash"},
        {"GET", "/cartman/v1/orders/1%2f2", "400 encoded slash"},
        {"GET", "/cartman/v1/orders/1%00", "400 NUL byte"},
        {"GET", "/cartman/v1/orders/1%", "400 bad percent-escape"},
        {"GET", "/cartman/v1/orders/1%4", "400 bad percent-escape"},
        {"GET", "/cartman/v1/orders/1%zz", "400 bad percent-escape"},
        {"GET", "/nope/%zz", "400 bad percent-escape"},
        {"GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/../v", "400 dot segment"},
        {"GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v", "404"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct http_match m;
        char got[256], name[300];
        unsigned method = http_method_parse(rows[i].method, strlen(rows[i].method));
        enum http_match_status s = http_router_match(r, method, rows[i].path, strlen(rows[i].path), &m);
        render(s, &m, got, sizeof got);
        snprintf(name, sizeof name, "%s %s", rows[i].method, rows[i].path);
        TAP_EQ_STR(got, rows[i].want, name);
    }
}

static void test_counted_and_limits(const struct http_router *r)
{
    struct http_match m;
    /* a raw NUL inside the counted path */
    enum http_match_status s = http_router_match(r, HTTP_GET, "/cartman/v1/orders/1\0x", 22, &m);
    TAP_EQ_INT(s, HTTP_MATCH_BAD_PATH, "raw NUL rejected");
    /* only len bytes are looked at */
    s = http_router_match(r, HTTP_GET, "/cartman/v1/orders/42?x", 21, &m);
    TAP_EQ_INT(s, HTTP_MATCH_OK, "counted path");
    size_t len = 0;
    const char *id = http_match_param(&m, "id", &len);
    tap_eq_mem(id, len, "42", 2, "counted path param");
    tap_ok(http_match_param(&m, "vid", NULL) == NULL, "missing param is NULL");
    tap_ok(http_match_param(&m, "i", NULL) == NULL, "param name prefix does not match");
    /* longest path accepted, one more byte is not */
    static char p[LIMIT_PATH_BYTES + 2];
    memcpy(p, "/cartman/v1/orders/", 19);
    memset(p + 19, '7', sizeof p - 19);
    s = http_router_match(r, HTTP_GET, p, LIMIT_PATH_BYTES, &m);
    TAP_EQ_INT(s, HTTP_MATCH_OK, "path of LIMIT_PATH_BYTES");
    TAP_EQ_INT(m.params[0].value_len, LIMIT_PATH_BYTES - 19, "long param length");
    s = http_router_match(r, HTTP_GET, p, LIMIT_PATH_BYTES + 1, &m);
    TAP_EQ_INT(s, HTTP_MATCH_BAD_PATH, "path over LIMIT_PATH_BYTES");
    TAP_EQ_INT(http_router_max_body(r), LIMIT_REQUEST_BODY_UPLOAD, "max body is the largest route's");
}

static void test_methods(void)
{
    char buf[128];
    http_methods_format(HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_PUT | HTTP_PATCH | HTTP_DELETE | HTTP_OPTIONS, buf,
                        sizeof buf);
    TAP_EQ_STR(buf, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS", "format all methods");
    http_methods_format(0, buf, sizeof buf);
    TAP_EQ_STR(buf, "", "format no method");
    http_methods_format(HTTP_GET | HTTP_POST, buf, 9);
    TAP_EQ_STR(buf, "GET", "format stops before overflowing");
    TAP_EQ_INT(http_method_parse("DELETE", 6), HTTP_DELETE, "parse DELETE");
    TAP_EQ_INT(http_method_parse("DELETEX", 7), 0, "parse DELETEX");
    TAP_EQ_INT(http_method_parse("GE", 2), 0, "parse GE");
}

static void test_bad_tables(void)
{
    static const struct {
        struct http_route route;
        const char *prefix;
        const char *want_err;
    } rows[] = {
        {{HTTP_GET, "orders", h, 0, 0, NULL}, "", "pattern or prefix does not start with '/'"},
        {{HTTP_GET, "/orders/", h, 0, 0, NULL}, "", "pattern or prefix ends with '/'"},
        {{HTTP_GET, "/orders", h, 0, 0, NULL}, "/v1/", "pattern or prefix ends with '/'"},
        {{HTTP_GET, "/orders//x", h, 0, 0, NULL}, "", "empty segment"},
        {{HTTP_GET, "/orders/{id", h, 0, 0, NULL}, "", "a parameter must be a whole segment: {name}"},
        {{HTTP_GET, "/orders/{}", h, 0, 0, NULL}, "", "a parameter must be a whole segment: {name}"},
        {{HTTP_GET, "/orders/{i-d}", h, 0, 0, NULL}, "", "parameter name is not [A-Za-z0-9_]+"},
        {{HTTP_GET, "/orders/x{id}", h, 0, 0, NULL}, "", "bad character in a literal segment"},
        {{HTTP_GET, "/orders/a%20", h, 0, 0, NULL}, "", "bad character in a literal segment"},
        {{HTTP_GET, "/orders/..", h, 0, 0, NULL}, "", "dot segment in a pattern"},
        {{HTTP_GET, "/{a}/{a}", h, 0, 0, NULL}, "", "parameter name used twice in one route"},
        {{HTTP_GET, "/x", h, 0, 0, NULL}, "/{v}", "parameter in a group prefix"},
        {{HTTP_GET | HTTP_POST, "/x", h, 0, 0, NULL}, "", "route method is not exactly one HTTP_* value"},
        {{0, "/x", h, 0, 0, NULL}, "", "route method is not exactly one HTTP_* value"},
        {{HTTP_GET, "/x", NULL, 0, 0, NULL}, "", "route without pattern or handler"},
        {{HTTP_GET, "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", h, 0, 0, NULL}, "", "too many parameters (LIMIT_PATH_PARAMS)"},
        {{HTTP_GET, "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17", h, 0, 0, NULL}, "",
         "too many segments (LIMIT_ROUTE_SEGMENTS)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct http_route_group g = {rows[i].prefix, &rows[i].route, 1};
        const char *err = NULL;
        struct http_router *r = http_router_create(&g, 1, &err);
        tap_ok(r == NULL, "bad table row %zu rejected", i);
        TAP_EQ_STR(err, rows[i].want_err, rows[i].route.pattern ? rows[i].route.pattern : "(null)");
        http_router_free(r);
    }
    /* duplicates: the same method and shape, even with other parameter names or through a prefix */
    static const struct http_route dup1[] = {{HTTP_GET, "/o/{id}", h, 0, 0, NULL}, {HTTP_GET, "/o/{x}", h, 0, 0, NULL}};
    static const struct http_route dup2a[] = {{HTTP_GET, "/v1/o", h, 0, 0, NULL}};
    static const struct http_route dup2b[] = {{HTTP_GET, "/o", h, 0, 0, NULL}};
    static const struct http_route ok3[] = {{HTTP_GET, "/o/{id}", h, 0, 0, NULL}, {HTTP_PUT, "/o/{x}", h, 0, 0, NULL}};
    const struct http_route_group gd1[] = {{"", dup1, 2}};
    const struct http_route_group gd2[] = {{"", dup2a, 1}, {"/v1", dup2b, 1}};
    const struct http_route_group go3[] = {{"", ok3, 2}};
    const char *err = NULL;
    struct http_router *r = http_router_create(gd1, 1, &err);
    tap_ok(r == NULL, "duplicate route rejected");
    TAP_EQ_STR(err, "two routes with the same method and path", "duplicate error");
    http_router_free(r);
    r = http_router_create(gd2, 2, &err);
    tap_ok(r == NULL, "duplicate through a prefix rejected");
    http_router_free(r);
    r = http_router_create(go3, 1, &err);
    tap_ok(r != NULL, "same shape, other method accepted");
    struct http_match m;
    if (r != NULL) {
        TAP_EQ_INT(http_router_match(r, HTTP_PUT, "/o/5", 4, &m), HTTP_MATCH_OK, "PUT with its own param name");
        TAP_EQ_STR(http_match_param(&m, "x", NULL), "5", "param named by the matched route");
    }
    http_router_free(r);
    r = http_router_create(NULL, 0, &err);
    tap_ok(r != NULL, "empty table accepted");
    if (r != NULL)
        TAP_EQ_INT(http_router_match(r, HTTP_GET, "/", 1, &m), HTTP_MATCH_NOT_FOUND, "empty table: 404");
    http_router_free(r);
}

/* Each row: the path matched against "/orders/{id}", and the id read from it ("-" when refused). */
static void test_param_id(const struct http_router *r)
{
    static const struct {
        const char *path, *want;
    } rows[] = {
        {"/cartman/v1/orders/1", "1"},
        {"/cartman/v1/orders/42", "42"},
        {"/cartman/v1/orders/007", "7"},
        {"/cartman/v1/orders/18446744073709551615", "18446744073709551615"}, /* UINT64_MAX */
        {"/cartman/v1/orders/18446744073709551616", "-"},                    /* one more */
        {"/cartman/v1/orders/99999999999999999999", "-"},
        {"/cartman/v1/orders/000000000000000000001", "-"}, /* 21 digits */
        {"/cartman/v1/orders/0", "-"},
        {"/cartman/v1/orders/00", "-"},
        {"/cartman/v1/orders/-1", "-"},
        {"/cartman/v1/orders/+1", "-"},
        {"/cartman/v1/orders/1x", "-"},
        {"/cartman/v1/orders/%201", "-"}, /* decoded: " 1" */
        {"/cartman/v1/orders/1%20", "-"},
        {"/cartman/v1/orders/0x10", "-"},
        {"/cartman/v1/orders/abc", "-"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct http_match m;
        char got[32] = "-", name[96];
        uint64_t id = 7;
        if (http_router_match(r, HTTP_GET, rows[i].path, strlen(rows[i].path), &m) != HTTP_MATCH_OK)
            snprintf(got, sizeof got, "no match");
        else if (http_match_param_id(&m, "id", &id))
            snprintf(got, sizeof got, "%" PRIu64, id);
        else if (id != 7)
            snprintf(got, sizeof got, "refused but changed the output");
        snprintf(name, sizeof name, "param id of %s", rows[i].path);
        TAP_EQ_STR(got, rows[i].want, name);
    }
    struct http_match m;
    uint64_t id = 7;
    if (http_router_match(r, HTTP_GET, "/cartman/v1/orders/5", 20, &m) == HTTP_MATCH_OK)
        tap_ok(!http_match_param_id(&m, "vid", &id) && id == 7, "param id: a parameter the route lacks is refused");
}

int main(void)
{
    const char *err = NULL;
    struct http_router *r = http_router_create(groups, sizeof groups / sizeof groups[0], &err);
    if (!tap_ok(r != NULL, "route table compiles")) {
        tap_diag("error: %s", err);
        return tap_done();
    }
    test_match(r);
    test_counted_and_limits(r);
    test_param_id(r);
    http_router_free(r);
    test_methods();
    test_bad_tables();
    return tap_done();
}
