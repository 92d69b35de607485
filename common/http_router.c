/*
 * common/http_router.c — compiling route groups and matching request paths against them.
 *
 * Owns: pattern syntax checks, duplicate detection, path validation (dot segments, NUL, encoded
 * slashes, bad escapes), percent-decoding of segments, literal-beats-parameter precedence, 404 vs
 * 405 with the allowed methods.
 * Does not: look at query strings, headers or bodies, validate parameter values (beyond reading one
 * as a numeric id on request), or send anything.
 * A linear scan over compiled routes is fast enough for the ~100 routes of a daemon (well under a
 * microsecond per route); a trie would buy nothing measurable.
 */
#include "common/http_router.h"

#include <stdlib.h>
#include <string.h>

#include "common/hex_digit.h"

struct http_router_seg {
    const char *s; /* literal text, or the parameter name (without braces) */
    size_t len;
    int is_param;
};

struct http_router_entry {
    const struct http_route *route;
    size_t nseg;
    unsigned key; /* literal positions, earlier segments in higher bits: larger = more specific */
    struct http_router_seg seg[LIMIT_ROUTE_SEGMENTS];
};

struct http_router {
    struct http_router_entry *entries;
    size_t n;
    size_t max_body;
};

static const struct {
    const char *name;
    size_t len;
    unsigned bit;
} http_methods[] = {
    {"GET", 3, HTTP_GET},     {"HEAD", 4, HTTP_HEAD},     {"POST", 4, HTTP_POST},       {"PUT", 3, HTTP_PUT},
    {"PATCH", 5, HTTP_PATCH}, {"DELETE", 6, HTTP_DELETE}, {"OPTIONS", 7, HTTP_OPTIONS},
};
#define HTTP_NMETHODS (sizeof http_methods / sizeof http_methods[0])

unsigned http_method_parse(const char *s, size_t len)
{
    for (size_t i = 0; i < HTTP_NMETHODS; i++)
        if (http_methods[i].len == len && memcmp(http_methods[i].name, s, len) == 0)
            return http_methods[i].bit;
    return 0;
}

size_t http_methods_format(unsigned methods, char *buf, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < HTTP_NMETHODS; i++) {
        if (!(methods & http_methods[i].bit))
            continue;
        size_t need = http_methods[i].len + (o ? 2 : 0);
        if (o + need >= cap)
            break;
        if (o) {
            memcpy(buf + o, ", ", 2);
            o += 2;
        }
        memcpy(buf + o, http_methods[i].name, http_methods[i].len);
        o += http_methods[i].len;
    }
    buf[o] = '\0';
    return o;
}

static int http_router_is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Appends the segments of a prefix or pattern ("" or "/a/{b}") to e. 0, or -1 with *err. */
static int http_router_split_pattern(struct http_router_entry *e, const char *p, int allow_params, const char **err)
{
    size_t len = strlen(p);
    if (len == 0)
        return 0;
    if (p[0] != '/') {
        *err = "pattern or prefix does not start with '/'";
        return -1;
    }
    if (len == 1)
        return 0; /* "/" */
    if (p[len - 1] == '/') {
        *err = "pattern or prefix ends with '/'";
        return -1;
    }
    size_t pos = 1;
    while (pos <= len) {
        const char *s = p + pos;
        const char *slash = memchr(s, '/', len - pos);
        size_t slen = slash != NULL ? (size_t)(slash - s) : len - pos;
        pos += slen + 1;
        if (e->nseg == LIMIT_ROUTE_SEGMENTS) {
            *err = "too many segments (LIMIT_ROUTE_SEGMENTS)";
            return -1;
        }
        struct http_router_seg *g = &e->seg[e->nseg++];
        if (slen == 0) {
            *err = "empty segment";
            return -1;
        }
        if (s[0] == '{') {
            if (!allow_params) {
                *err = "parameter in a group prefix";
                return -1;
            }
            if (slen < 3 || s[slen - 1] != '}') {
                *err = "a parameter must be a whole segment: {name}";
                return -1;
            }
            for (size_t i = 1; i + 1 < slen; i++) {
                if (!http_router_is_name_char(s[i])) {
                    *err = "parameter name is not [A-Za-z0-9_]+";
                    return -1;
                }
            }
            g->s = s + 1;
            g->len = slen - 2;
            g->is_param = 1;
        } else {
            for (size_t i = 0; i < slen; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c == '{' || c == '}' || c == '%' || c <= 0x20 || c >= 0x7f || c == '?' || c == '#') {
                    *err = "bad character in a literal segment";
                    return -1;
                }
            }
            if ((slen == 1 && s[0] == '.') || (slen == 2 && s[0] == '.' && s[1] == '.')) {
                *err = "dot segment in a pattern";
                return -1;
            }
            g->s = s;
            g->len = slen;
            g->is_param = 0;
        }
    }
    return 0;
}

static int http_router_same_shape(const struct http_router_entry *a, const struct http_router_entry *b)
{
    if (a->nseg != b->nseg)
        return 0;
    for (size_t i = 0; i < a->nseg; i++) {
        if (a->seg[i].is_param != b->seg[i].is_param)
            return 0;
        if (!a->seg[i].is_param && (a->seg[i].len != b->seg[i].len || memcmp(a->seg[i].s, b->seg[i].s, a->seg[i].len) != 0))
            return 0;
    }
    return 1;
}

static int http_router_compile(struct http_router_entry *e, const char *prefix, const struct http_route *route,
                               const char **err)
{
    memset(e, 0, sizeof *e);
    e->route = route;
    if (route->pattern == NULL || route->handler == NULL) {
        *err = "route without pattern or handler";
        return -1;
    }
    if (route->method == 0 || (route->method & (route->method - 1)) != 0 ||
        (route->method & ~(unsigned)((HTTP_OPTIONS << 1) - 1)) != 0) {
        *err = "route method is not exactly one HTTP_* value";
        return -1;
    }
    if (http_router_split_pattern(e, prefix != NULL ? prefix : "", 0, err) != 0 ||
        http_router_split_pattern(e, route->pattern, 1, err) != 0)
        return -1;
    size_t nparams = 0;
    for (size_t i = 0; i < e->nseg; i++) {
        if (!e->seg[i].is_param) {
            e->key |= 1u << (LIMIT_ROUTE_SEGMENTS - 1 - i);
            continue;
        }
        if (++nparams > LIMIT_PATH_PARAMS) {
            *err = "too many parameters (LIMIT_PATH_PARAMS)";
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (e->seg[j].is_param && e->seg[j].len == e->seg[i].len && memcmp(e->seg[j].s, e->seg[i].s, e->seg[i].len) == 0) {
                *err = "parameter name used twice in one route";
                return -1;
            }
        }
    }
    return 0;
}

struct http_router *http_router_create(const struct http_route_group *groups, size_t ngroups, const char **err)
{
    size_t total = 0;
    for (size_t g = 0; g < ngroups; g++)
        total += groups[g].nroutes;
    struct http_router *r = calloc(1, sizeof *r);
    if (r == NULL || (r->entries = calloc(total != 0 ? total : 1, sizeof *r->entries)) == NULL) {
        *err = "out of memory";
        http_router_free(r);
        return NULL;
    }
    for (size_t g = 0; g < ngroups; g++) {
        for (size_t i = 0; i < groups[g].nroutes; i++) {
            struct http_router_entry *e = &r->entries[r->n];
            if (http_router_compile(e, groups[g].prefix, &groups[g].routes[i], err) != 0)
                goto fail;
            for (size_t j = 0; j < r->n; j++) {
                if (r->entries[j].route->method == e->route->method && http_router_same_shape(&r->entries[j], e)) {
                    *err = "two routes with the same method and path";
                    goto fail;
                }
            }
            if (e->route->max_body > r->max_body)
                r->max_body = e->route->max_body;
            r->n++;
        }
    }
    return r;
fail:
    http_router_free(r);
    return NULL;
}

void http_router_free(struct http_router *r)
{
    if (r == NULL)
        return;
    free(r->entries);
    free(r);
}

size_t http_router_max_body(const struct http_router *r)
{
    return r->max_body;
}

static int http_router_is_dots(const char *s, size_t len)
{
    return (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.');
}

/* Decodes one raw segment into out (room for len + 1 bytes). Its decoded length, or -1 with m->reason. */
static long http_router_decode(const char *s, size_t len, char *out, struct http_match *m)
{
    size_t o = 0;
    if (http_router_is_dots(s, len)) {
        m->reason = "dot segment";
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 2 < len ? hex_digit((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < len ? hex_digit((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                m->reason = "bad percent-escape";
                return -1;
            }
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
            if (c == '/') {
                m->reason = "encoded slash";
                return -1;
            }
        }
        if (c == '\0') {
            m->reason = "NUL byte";
            return -1;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    if (http_router_is_dots(out, o)) {
        m->reason = "encoded dot segment";
        return -1;
    }
    return (long)o;
}

enum http_match_status http_router_match(const struct http_router *r, unsigned method, const char *path, size_t len,
                                         struct http_match *m)
{
    struct {
        const char *s;
        size_t len;
    } seg[LIMIT_ROUTE_SEGMENTS];
    size_t nseg = 0, total = 0, o = 0;

    m->route = NULL;
    m->allowed = 0;
    m->reason = NULL;
    m->nparams = 0;
    if (len == 0 || path[0] != '/') {
        m->reason = "path does not start with '/'";
        return HTTP_MATCH_BAD_PATH;
    }
    if (len > LIMIT_PATH_BYTES) {
        m->reason = "path too long";
        return HTTP_MATCH_BAD_PATH;
    }
    if (len > 1 && path[len - 1] == '/' && path[len - 2] != '/')
        len--; /* one trailing slash: "/orders/" is "/orders", "/cartman/v1/" is the group's "/" */

    /* Validate and decode every segment (even past the ones any route could match). Each segment is
     * preceded by its '/', so decoded bytes plus one NUL each never exceed len. */
    for (size_t pos = 1; pos <= len && len > 1;) {
        const char *s = path + pos;
        const char *slash = memchr(s, '/', len - pos);
        size_t slen = slash != NULL ? (size_t)(slash - s) : len - pos;
        pos += slen + 1;
        long d = http_router_decode(s, slen, m->buf + o, m);
        if (d < 0)
            return HTTP_MATCH_BAD_PATH;
        if (total < LIMIT_ROUTE_SEGMENTS) {
            seg[total].s = m->buf + o;
            seg[total].len = (size_t)d;
        }
        total++;
        o += (size_t)d + 1;
    }
    if (total > LIMIT_ROUTE_SEGMENTS)
        return HTTP_MATCH_NOT_FOUND;
    nseg = total;

    /* The most specific pattern that matches the path... */
    const struct http_router_entry *best = NULL;
    for (size_t i = 0; i < r->n; i++) {
        const struct http_router_entry *e = &r->entries[i];
        if (e->nseg != nseg || (best != NULL && e->key <= best->key))
            continue;
        size_t k = 0;
        for (; k < nseg; k++) {
            if (e->seg[k].is_param ? seg[k].len == 0
                                   : (e->seg[k].len != seg[k].len || memcmp(e->seg[k].s, seg[k].s, seg[k].len) != 0))
                break;
        }
        if (k == nseg)
            best = e;
    }
    if (best == NULL)
        return HTTP_MATCH_NOT_FOUND;

    /* ...then the method among the routes of that shape (HEAD falls back to GET). */
    const struct http_router_entry *hit = NULL, *get = NULL;
    for (size_t i = 0; i < r->n; i++) {
        const struct http_router_entry *e = &r->entries[i];
        if (e->key != best->key || !http_router_same_shape(e, best))
            continue;
        m->allowed |= e->route->method;
        if (e->route->method == HTTP_GET)
            m->allowed |= HTTP_HEAD;
        if (method != 0 && e->route->method == method)
            hit = e;
        if (e->route->method == HTTP_GET)
            get = e;
    }
    if (hit == NULL && method == HTTP_HEAD)
        hit = get;
    if (hit == NULL)
        return HTTP_MATCH_METHOD_NOT_ALLOWED;

    m->route = hit->route;
    for (size_t k = 0; k < nseg; k++) {
        if (!hit->seg[k].is_param)
            continue;
        struct http_param *p = &m->params[m->nparams++];
        p->name = hit->seg[k].s;
        p->name_len = hit->seg[k].len;
        p->value = seg[k].s;
        p->value_len = seg[k].len;
    }
    return HTTP_MATCH_OK;
}

const char *http_match_param(const struct http_match *m, const char *name, size_t *len)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i < m->nparams; i++) {
        if (m->params[i].name_len == nlen && memcmp(m->params[i].name, name, nlen) == 0) {
            if (len != NULL)
                *len = m->params[i].value_len;
            return m->params[i].value;
        }
    }
    return NULL;
}

bool http_match_param_id(const struct http_match *m, const char *name, uint64_t *out)
{
    size_t len;
    const char *s = http_match_param(m, name, &len);
    if (s == NULL || len == 0 || len > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v == 0)
        return false;
    *out = v;
    return true;
}
