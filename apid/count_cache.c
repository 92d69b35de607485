/*
 * apid/count_cache.c — the per-thread slots of list totals (see the header for when a total is valid).
 * Owns: lookup and round-robin replacement. Does not: read the database or make fingerprints.
 */
#include "apid/count_cache.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"

struct count_slot {
    const struct db *db;
    const char *list; /* a static string of the caller's */
    char key[COUNT_CACHE_KEY_BYTES];
    char fp[COUNT_CACHE_FP_BYTES];
    uint64_t total;
    double at;
};

static _Thread_local struct count_slot slots[COUNT_CACHE_SLOTS];
static _Thread_local unsigned next_slot;

static bool same_filter(const struct count_slot *e, const struct db *db, const char *list, const char *key)
{
    return e->db == db && e->list != NULL && strcmp(e->list, list) == 0 && strcmp(e->key, key) == 0;
}

bool count_cache_get(const struct db *db, const char *list, const char *key, const char *fp, uint64_t *total)
{
    double now = clock_mono_s();
    for (size_t i = 0; i < COUNT_CACHE_SLOTS; i++) {
        const struct count_slot *e = &slots[i];
        if (same_filter(e, db, list, key) && now - e->at <= COUNT_CACHE_TTL_S && strcmp(e->fp, fp) == 0) {
            *total = e->total;
            return true;
        }
    }
    return false;
}

void count_cache_put(const struct db *db, const char *list, const char *key, const char *fp, uint64_t total)
{
    struct count_slot *e = NULL;
    for (size_t i = 0; i < COUNT_CACHE_SLOTS && e == NULL; i++)
        if (same_filter(&slots[i], db, list, key))
            e = &slots[i];
    if (e == NULL)
        e = &slots[next_slot++ % COUNT_CACHE_SLOTS];
    e->db = db;
    e->list = list;
    snprintf(e->key, sizeof e->key, "%s", key);
    snprintf(e->fp, sizeof e->fp, "%s", fp);
    e->total = total;
    e->at = clock_mono_s();
}
