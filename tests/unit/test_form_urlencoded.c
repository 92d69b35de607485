/*
 * tests/unit/test_form_urlencoded.c — common/form_urlencoded: decoding, empty pieces, errors,
 * the field cap, form_find and form_count. Each row shows the fields as "[name=value]...".
 */
#include <stdio.h>
#include <string.h>

#include "common/form_urlencoded.h"
#include "common/limits.h"
#include "tests/tap.h"

/* "[name=value]..." with bytes outside printable ASCII as \xNN, or "ERR: message". */
static void render(const struct form_field *f, size_t n, int rc, const char *err, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    if (rc != 0) {
        snprintf(out, cap, "ERR: %s", err);
        return;
    }
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        const char *parts[2] = {f[i].name, f[i].value};
        size_t lens[2] = {f[i].name_len, f[i].value_len};
        out[o++] = '[';
        for (int p = 0; p < 2; p++) {
            if (p == 1)
                out[o++] = '=';
            for (size_t k = 0; k < lens[p] && o + 8 < cap; k++) {
                unsigned char c = (unsigned char)parts[p][k];
                if (c >= 0x20 && c < 0x7f)
                    out[o++] = (char)c;
                else
                    o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
            }
            /* the decoded strings are NUL-terminated too */
            if (parts[p][lens[p]] != '\0')
                o += (size_t)snprintf(out + o, cap - o, "<unterminated>");
        }
        out[o++] = ']';
        out[o] = '\0';
    }
}

static void test_table(void)
{
    static const struct {
        const char *in;
        const char *want;
    } rows[] = {
        {"", ""},
        {"a=1", "[a=1]"},
        {"a=1&b=2", "[a=1][b=2]"},
        {"a=", "[a=]"},
        {"a", "[a=]"},
        {"=x", "[=x]"},
        {"=", "[=]"},
        {"a=1&&b=2", "[a=1][b=2]"},
        {"&a=1&", "[a=1]"},
        {"&&&", ""},
        {"a=x+y", "[a=x y]"},
        {"a+b=c", "[a b=c]"},
        {"a=%20%2B%26%3D", "[a= +&=]"},
        {"a=%C3%A9", "[a=\\xc3\\xa9]"},
        {"a=%c3%a9", "[a=\\xc3\\xa9]"},
        {"a=b=c", "[a=b=c]"},
        {"a=1&a=2", "[a=1][a=2]"},
        {"redirect_uri=cartman%3A%2F%2Foauth%2Fcallback&state=xyz",
         "[redirect_uri=cartman://oauth/callback][state=xyz]"},
        {"a=%", "ERR: bad percent-escape"},
        {"a=%4", "ERR: bad percent-escape"},
        {"a=%4g", "ERR: bad percent-escape"},
        {"a=%zz", "ERR: bad percent-escape"},
        {"%=1", "ERR: bad percent-escape"},
        {"a=%%41", "ERR: bad percent-escape"},
        {"a=%00", "ERR: NUL byte"},
        {"a=%41%", "ERR: bad percent-escape"},
        {"a=%7e", "[a=~]"},
        {"a=%ff", "[a=\\xff]"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        h2o_mem_pool_t pool;
        struct form_field f[8];
        size_t n = 99;
        const char *err = NULL;
        char got[512];
        h2o_mem_init_pool(&pool);
        int rc = form_urlencoded_parse(&pool, rows[i].in, strlen(rows[i].in), f, 8, &n, &err);
        render(f, n, rc, err, got, sizeof got);
        char name[128];
        snprintf(name, sizeof name, "parse '%s'", rows[i].in);
        TAP_EQ_STR(got, rows[i].want, name);
        if (rc != 0)
            TAP_EQ_INT(n, 0, "no fields on error");
        h2o_mem_clear_pool(&pool);
    }
}

/* A raw NUL inside the counted input is rejected like %00. */
static void test_raw_nul(void)
{
    h2o_mem_pool_t pool;
    struct form_field f[4];
    size_t n;
    const char *err = NULL;
    h2o_mem_init_pool(&pool);
    int rc = form_urlencoded_parse(&pool, "a=b\0c", 5, f, 4, &n, &err);
    TAP_EQ_INT(rc, -1, "raw NUL rejected");
    TAP_EQ_STR(err, "NUL byte", "raw NUL error");
    /* not NUL-terminated input: only len bytes are read */
    rc = form_urlencoded_parse(&pool, "a=1&b=2XXXX", 7, f, 4, &n, &err);
    TAP_EQ_INT(rc, 0, "counted input");
    TAP_EQ_INT(n, 2, "counted input: two fields");
    tap_eq_mem(f[1].value, f[1].value_len, "2", 1, "counted input: b=2");
    h2o_mem_clear_pool(&pool);
}

static void test_cap(void)
{
    h2o_mem_pool_t pool;
    struct form_field f[LIMIT_FORM_FIELDS];
    char buf[LIMIT_FORM_FIELDS * 4 + 8];
    size_t o = 0, n;
    const char *err = NULL;

    h2o_mem_init_pool(&pool);
    for (int i = 0; i < LIMIT_FORM_FIELDS; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "a=%d&", i % 10);
    int rc = form_urlencoded_parse(&pool, buf, o, f, LIMIT_FORM_FIELDS, &n, &err);
    TAP_EQ_INT(rc, 0, "exactly LIMIT_FORM_FIELDS fields accepted");
    TAP_EQ_INT(n, LIMIT_FORM_FIELDS, "field count at the cap");
    TAP_EQ_INT(form_count(f, n, "a"), LIMIT_FORM_FIELDS, "form_count counts every repeat");
    o += (size_t)snprintf(buf + o, sizeof buf - o, "z=1");
    rc = form_urlencoded_parse(&pool, buf, o, f, LIMIT_FORM_FIELDS, &n, &err);
    TAP_EQ_INT(rc, -1, "one field over the cap rejected");
    TAP_EQ_STR(err, "too many fields", "cap error");
    rc = form_urlencoded_parse(&pool, "a=1", 3, f, 0, &n, &err);
    TAP_EQ_INT(rc, -1, "max_fields 0 with a field");
    rc = form_urlencoded_parse(&pool, "&", 1, f, 0, &n, &err);
    TAP_EQ_INT(rc, 0, "max_fields 0 with nothing");
    h2o_mem_clear_pool(&pool);
}

static void test_find_count(void)
{
    static const char in[] = "grant_type=authorization_code&code=abc&code=def&code_verifier=&scope=a+b";
    h2o_mem_pool_t pool;
    struct form_field f[8];
    size_t n;
    const char *err = NULL;
    h2o_mem_init_pool(&pool);
    TAP_EQ_INT(form_urlencoded_parse(&pool, in, sizeof in - 1, f, 8, &n, &err), 0, "token request parses");
    const struct form_field *g = form_find(f, n, "code");
    TAP_EQ_STR(g ? g->value : NULL, "abc", "form_find returns the first match");
    TAP_EQ_INT(form_count(f, n, "code"), 2, "form_count sees the duplicate");
    TAP_EQ_INT(form_count(f, n, "grant_type"), 1, "form_count single");
    TAP_EQ_INT(form_count(f, n, "missing"), 0, "form_count missing");
    tap_ok(form_find(f, n, "missing") == NULL, "form_find missing is NULL");
    tap_ok(form_find(f, n, "cod") == NULL, "form_find does not match a prefix");
    g = form_find(f, n, "code_verifier");
    tap_ok(g != NULL && g->value_len == 0, "empty value kept");
    g = form_find(f, n, "scope");
    TAP_EQ_STR(g ? g->value : NULL, "a b", "plus decodes to space");
    h2o_mem_clear_pool(&pool);
}

int main(void)
{
    test_table();
    test_raw_nul();
    test_cap();
    test_find_count();
    return tap_done();
}
