/*
 * apid/orders_page_keys.h — where deep pages of GET /orders start: the sort key (date_created_gmt, id)
 * of the order just before a given position of a filtered list, kept per worker thread, so that a later
 * page starts with a keyset seek from there instead of reading and dropping every order before it
 * (OFFSET).
 *
 * A key is kept with the fingerprint of the orders table it was read under (the count cache's: highest
 * id and latest date_updated_gmt) and is valid only while the caller's fresh fingerprint is the same,
 * for at most ORDERS_PAGE_KEYS_TTL_S. Deciding when a fingerprint is trustworthy is the caller's job;
 * this module only keeps the slots.
 */
#ifndef APID_ORDERS_PAGE_KEYS_H
#define APID_ORDERS_PAGE_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "apid/count_cache.h"
#include "common/db.h"

#define ORDERS_PAGE_KEYS_SLOTS 64
#define ORDERS_PAGE_KEYS_TTL_S 30.0

/* The order at position offset - 1 of a list (0-based): the last one before the page at offset. */
struct orders_page_key {
    uint64_t offset;
    char date[20]; /* date_created_gmt, "YYYY-MM-DD HH:MM:SS" */
    uint64_t id;
    char fp[COUNT_CACHE_FP_BYTES]; /* the fingerprint it was read under */
};

/* The kept key of filter (as count_cache spells it) with the largest offset in 1..offset, any
 * fingerprint (the caller compares it with the one its seek reads). true with *out set. */
bool orders_page_keys_find(const struct db *db, const char *filter, uint64_t offset, struct orders_page_key *out);

/* Keeps the key of the order at position offset - 1 (offset >= 1) under fp, replacing the same
 * position's older key. Ignores a date that is not 19 characters. */
void orders_page_keys_put(const struct db *db, const char *filter, uint64_t offset, const char *date, uint64_t id,
                          const char *fp);

/* Forgets every key of this thread (tests). */
void orders_page_keys_clear(void);

#endif
