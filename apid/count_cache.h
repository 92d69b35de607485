/*
 * apid/count_cache.h — exact totals of filtered lists (X-WP-Total), kept per worker thread so that a
 * list page need not count again while nothing changed.
 *
 * A total is stored with the caller's fingerprint of the tables it counts (for orders: the highest id
 * and the latest date_updated_gmt, which WooCommerce bumps on every order save) and is returned only
 * while the caller's fresh fingerprint is the same and for at most COUNT_CACHE_TTL_S. Deciding when a
 * fingerprint is trustworthy is the caller's job; this module only keeps the slots.
 */
#ifndef APID_COUNT_CACHE_H
#define APID_COUNT_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/db.h"

#define COUNT_CACHE_SLOTS 32
#define COUNT_CACHE_TTL_S 30.0
#define COUNT_CACHE_KEY_BYTES 640 /* the filter, as the caller spells it */
#define COUNT_CACHE_FP_BYTES 96

/* list names whose totals are kept apart ("orders", "transactions"); key is the filter, fp the
 * fingerprint. true with *total set on a hit. */
bool count_cache_get(const struct db *db, const char *list, const char *key, const char *fp, uint64_t *total);

/* Keeps total for (db, list, key) under fp, replacing an older total of the same filter. */
void count_cache_put(const struct db *db, const char *list, const char *key, const char *fp, uint64_t total);

#endif
