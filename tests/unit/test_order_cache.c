/*
 * tests/unit/test_order_cache.c — apid/order_cache: an entry is returned only under the key it was kept
 * under (date, fingerprint, options hash), the list and the detail share a slot (a detail serves the
 * list; a list put of the same date keeps the detail, of another date drops it), the bytes come back as
 * they were put, entries expire after the age limit, and a limit of 0 keeps nothing.
 */
#include <string.h>
#include <time.h>

#include "apid/order_cache.h"
#include "tests/tap.h"

static const char MEMBERS[] = "\"id\":7,\"status\":\"processing\"";
static const char REST[] = "\"line_items\":[],\"refunds\":[]";
static const char D1[] = "2026-11-20 10:00:00", D2[] = "2026-11-20 10:00:05";

/* The detail of id as a reply writes it: the cached object, then notes, closed. "" on a miss. */
static void detail(uint64_t id, const char *updated, const char *fp, uint64_t oh, char *out, size_t cap)
{
    struct json_out w;
    json_out_init(&w);
    out[0] = '\0';
    if (order_cache_detail_get(&w, id, updated, fp, oh)) {
        json_out_key(&w, "notes");
        json_out_array_open(&w);
        json_out_array_close(&w);
        json_out_object_close(&w);
        snprintf(out, cap, "%.*s", (int)w.len, w.buf);
    }
    json_out_free(&w);
}

static void list(uint64_t id, const char *updated, uint64_t oh, char *out, size_t cap)
{
    struct json_out w;
    json_out_init(&w);
    json_out_array_open(&w);
    size_t start = 0, len = 0;
    out[0] = '\0';
    if (order_cache_list_get(&w, id, updated, oh, &start, &len))
        snprintf(out, cap, "%.*s", (int)len, w.buf + start);
    json_out_free(&w);
}

static void test_keys(void)
{
    char got[256];
    order_cache_set_ttl(60);
    order_cache_clear();
    detail(7, D1, "0:0", 1, got, sizeof got);
    TAP_EQ_STR(got, "", "an empty cache holds nothing");
    order_cache_detail_put(7, D1, "0:0", 1, MEMBERS, strlen(MEMBERS), REST, strlen(REST));
    detail(7, D1, "0:0", 1, got, sizeof got);
    TAP_EQ_STR(got, "{\"id\":7,\"status\":\"processing\",\"line_items\":[],\"refunds\":[],\"notes\":[]}",
               "a detail comes back as it was put, notes appended by the caller");
    detail(7, D2, "0:0", 1, got, sizeof got);
    TAP_EQ_STR(got, "", "another date_updated_gmt misses");
    detail(7, D1, "1:99", 1, got, sizeof got);
    TAP_EQ_STR(got, "", "another fingerprint (a new refund) misses");
    detail(7, D1, "0:0", 2, got, sizeof got);
    TAP_EQ_STR(got, "", "other store options miss");
    detail(7 + ORDER_CACHE_SLOTS, D1, "0:0", 1, got, sizeof got);
    TAP_EQ_STR(got, "", "another id of the same slot misses");
    list(7, D1, 1, got, sizeof got);
    TAP_EQ_STR(got, "{\"id\":7,\"status\":\"processing\"}", "a detail also serves the list form");
}

static void test_list_and_detail_share(void)
{
    char got[256];
    order_cache_set_ttl(60);
    order_cache_clear();
    static const char L[] = "{\"id\":7,\"status\":\"processing\"}";
    order_cache_list_put(7, D1, 1, L, strlen(L));
    detail(7, D1, "0:0", 1, got, sizeof got);
    TAP_EQ_STR(got, "", "a list entry is no detail");
    order_cache_detail_put(7, D1, "0:0", 1, MEMBERS, strlen(MEMBERS), REST, strlen(REST));
    order_cache_list_put(7, D1, 1, L, strlen(L));
    detail(7, D1, "0:0", 1, got, sizeof got);
    tap_ok(got[0] != '\0', "a list put of the same date keeps the detail");
    static const char L2[] = "{\"id\":7,\"status\":\"completed\"}";
    order_cache_list_put(7, D2, 1, L2, strlen(L2));
    detail(7, D1, "0:0", 1, got, sizeof got);
    TAP_EQ_STR(got, "", "a list put of a newer date drops the older detail");
    detail(7, D2, "0:0", 1, got, sizeof got);
    TAP_EQ_STR(got, "", "  ... and makes no detail of its own");
    list(7, D2, 1, got, sizeof got);
    TAP_EQ_STR(got, L2, "  ... the list has the newer form");
    char big[ORDER_CACHE_DETAIL_MAX + 2];
    memset(big, ' ', sizeof big);
    order_cache_detail_put(8, D1, "0:0", 1, MEMBERS, strlen(MEMBERS), big, sizeof big);
    detail(8, D1, "0:0", 1, got, sizeof got);
    TAP_EQ_STR(got, "", "a detail over ORDER_CACHE_DETAIL_MAX is not kept");
}

static void test_age_limit(void)
{
    char got[256];
    order_cache_set_ttl(1);
    order_cache_clear();
    order_cache_detail_put(7, D1, "0:0", 1, MEMBERS, strlen(MEMBERS), REST, strlen(REST));
    detail(7, D1, "0:0", 1, got, sizeof got);
    tap_ok(got[0] != '\0', "a young entry is returned");
    struct timespec d = {1, 100 * 1000000L};
    nanosleep(&d, NULL);
    detail(7, D1, "0:0", 1, got, sizeof got);
    TAP_EQ_STR(got, "", "past the age limit the detail is not");
    list(7, D1, 1, got, sizeof got);
    TAP_EQ_STR(got, "", "  ... nor the list form");
    order_cache_set_ttl(0);
    order_cache_detail_put(7, D1, "0:0", 1, MEMBERS, strlen(MEMBERS), REST, strlen(REST));
    detail(7, D1, "0:0", 1, got, sizeof got);
    TAP_EQ_STR(got, "", "an age limit of 0 keeps nothing");
    static const char L[] = "{\"id\":8}";
    order_cache_list_put(8, D1, 1, L, strlen(L));
    order_cache_set_ttl(60);
    list(8, D1, 1, got, sizeof got);
    TAP_EQ_STR(got, "", "  ... not a list form either (none shows once a longer limit is set)");
    order_cache_clear();
}

int main(void)
{
    test_keys();
    test_list_and_detail_share();
    test_age_limit();
    return tap_done();
}
