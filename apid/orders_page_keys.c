/*
 * apid/orders_page_keys.c — the per-thread slots of page-start keys of GET /orders (see the header for
 * when a key is valid). Owns: lookup of the nearest key at or before a position, and round-robin
 * replacement. Does not: read the database, build SQL or make fingerprints (apid/orders_read.c).
 */
#include "apid/orders_page_keys.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"

struct page_key_slot {
    const struct db *db;
    char filter[COUNT_CACHE_KEY_BYTES];
    struct orders_page_key key;
    double at;
};

static _Thread_local struct page_key_slot slots[ORDERS_PAGE_KEYS_SLOTS];
static _Thread_local unsigned next_slot;

static bool same_filter(const struct page_key_slot *e, const struct db *db, const char *filter)
{
    return e->key.offset > 0 && e->db == db && strcmp(e->filter, filter) == 0;
}

bool orders_page_keys_find(const struct db *db, const char *filter, uint64_t offset, struct orders_page_key *out)
{
    double now = clock_mono_s();
    const struct page_key_slot *best = NULL;
    for (size_t i = 0; i < ORDERS_PAGE_KEYS_SLOTS; i++) {
        const struct page_key_slot *e = &slots[i];
        if (same_filter(e, db, filter) && e->key.offset <= offset && now - e->at <= ORDERS_PAGE_KEYS_TTL_S &&
            (best == NULL || e->key.offset > best->key.offset))
            best = e;
    }
    if (best == NULL)
        return false;
    *out = best->key;
    return true;
}

void orders_page_keys_put(const struct db *db, const char *filter, uint64_t offset, const char *date, uint64_t id,
                          const char *fp)
{
    if (offset == 0 || date == NULL || strlen(date) != sizeof slots[0].key.date - 1 ||
        strlen(filter) >= COUNT_CACHE_KEY_BYTES || strlen(fp) >= COUNT_CACHE_FP_BYTES)
        return;
    struct page_key_slot *e = NULL;
    for (size_t i = 0; i < ORDERS_PAGE_KEYS_SLOTS && e == NULL; i++)
        if (same_filter(&slots[i], db, filter) && slots[i].key.offset == offset)
            e = &slots[i];
    if (e == NULL)
        e = &slots[next_slot++ % ORDERS_PAGE_KEYS_SLOTS];
    e->db = db;
    snprintf(e->filter, sizeof e->filter, "%s", filter);
    e->key.offset = offset;
    memcpy(e->key.date, date, sizeof e->key.date);
    e->key.id = id;
    snprintf(e->key.fp, sizeof e->key.fp, "%s", fp);
    e->at = clock_mono_s();
}

void orders_page_keys_clear(void)
{
    memset(slots, 0, sizeof slots);
    next_slot = 0;
}
