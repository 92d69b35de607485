/*
 * tests/unit/test_orders_page_keys.c — apid/orders_page_keys: the nearest kept key at or before a
 * position comes back with the fingerprint it was kept under; other filters and databases miss; a
 * position's key is replaced, not duplicated; malformed keys and position 0 are not kept; slots are
 * reused round-robin once full.
 */
#include <stdio.h>
#include <string.h>

#include "apid/orders_page_keys.h"
#include "tests/tap.h"

static const char F1[] = "wc-processing,wc-completed,||9999-12-31 23:59:59|0:0|0:";
static const char F2[] = "wc-processing,||9999-12-31 23:59:59|0:0|0:";
static const char D1[] = "2026-11-20 10:00:00", D2[] = "2026-11-19 09:00:00", D3[] = "2026-11-18 08:00:00";

/* "offset id date fp" of the key found for (db, filter, offset), "" on a miss */
static void found(const struct db *db, const char *filter, uint64_t offset, char *out, size_t cap)
{
    struct orders_page_key k;
    out[0] = '\0';
    if (orders_page_keys_find(db, filter, offset, &k))
        snprintf(out, cap, "%llu %llu %s %s", (unsigned long long)k.offset, (unsigned long long)k.id, k.date, k.fp);
}

static void test_nearest(void)
{
    const struct db *a = (const struct db *)&F1, *b = (const struct db *)&F2; /* only compared */
    char got[256];
    orders_page_keys_clear();
    found(a, F1, 100, got, sizeof got);
    TAP_EQ_STR(got, "", "an empty table holds nothing");
    orders_page_keys_put(a, F1, 20, D1, 900, "900|x");
    orders_page_keys_put(a, F1, 60, D2, 700, "900|x");
    orders_page_keys_put(a, F1, 40, D3, 800, "900|y");
    static const struct {
        uint64_t offset;
        const char *want, *name;
    } rows[] = {
        {0, "", "position 0 has no key before it"},
        {19, "", "a position before every kept key misses"},
        {20, "20 900 2026-11-20 10:00:00 900|x", "the key at the position itself"},
        {39, "20 900 2026-11-20 10:00:00 900|x", "the nearest key before"},
        {40, "40 800 2026-11-18 08:00:00 900|y", "with its own fingerprint"},
        {59, "40 800 2026-11-18 08:00:00 900|y", "never one after the position"},
        {1000, "60 700 2026-11-19 09:00:00 900|x", "the largest at or before a deep position"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        found(a, F1, rows[i].offset, got, sizeof got);
        TAP_EQ_STR(got, rows[i].want, rows[i].name);
    }
    found(a, F2, 1000, got, sizeof got);
    TAP_EQ_STR(got, "", "another filter misses");
    found(b, F1, 1000, got, sizeof got);
    TAP_EQ_STR(got, "", "another database misses");

    orders_page_keys_put(a, F1, 60, D3, 650, "901|x");
    found(a, F1, 60, got, sizeof got);
    TAP_EQ_STR(got, "60 650 2026-11-18 08:00:00 901|x", "a position's newer key replaces the older");
    orders_page_keys_put(a, F1, 80, "2026-11-18", 1, "901|x");
    orders_page_keys_put(a, F1, 80, NULL, 1, "901|x");
    orders_page_keys_put(a, F1, 0, D1, 1, "901|x");
    found(a, F1, 80, got, sizeof got);
    TAP_EQ_STR(got, "60 650 2026-11-18 08:00:00 901|x", "a short or missing date and position 0 are not kept");
}

static void test_round_robin(void)
{
    const struct db *a = (const struct db *)&F1;
    char got[256];
    orders_page_keys_clear();
    for (uint64_t i = 1; i <= ORDERS_PAGE_KEYS_SLOTS; i++)
        orders_page_keys_put(a, F1, i * 10, D1, i, "1|x");
    found(a, F1, 10, got, sizeof got);
    TAP_EQ_STR(got, "10 1 2026-11-20 10:00:00 1|x", "a full table still holds its first key");
    orders_page_keys_put(a, F2, 10, D1, 5, "1|x");
    found(a, F1, 10, got, sizeof got);
    TAP_EQ_STR(got, "", "one more key reuses the oldest slot");
    found(a, F1, 25, got, sizeof got);
    TAP_EQ_STR(got, "20 2 2026-11-20 10:00:00 1|x", "and the others stay");
    found(a, F2, 10, got, sizeof got);
    TAP_EQ_STR(got, "10 5 2026-11-20 10:00:00 1|x", "the new key is found");
    orders_page_keys_clear();
    found(a, F2, 10, got, sizeof got);
    TAP_EQ_STR(got, "", "clear forgets every key");
}

int main(void)
{
    test_nearest();
    test_round_robin();
    return tap_done();
}
