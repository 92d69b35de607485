/*
 * apid/order_cache.c — the process-wide cache of rendered orders (see order_cache.h).
 *
 * Owns the slots, their memory and the age limit. Does not: decide whether a rendering is current
 * (the caller's key says so), query the database, or know the JSON it keeps beyond "members, then
 * the rest".
 *
 * Direct-mapped by id: ORDER_CACHE_SLOTS slots, each with a list form of at most ORDER_CACHE_ENTRY_MAX
 * bytes (16 MB at worst) and a detail rest of at most ORDER_CACHE_DETAIL_MAX bytes; all rests together
 * stay under ORDER_CACHE_DETAIL_BUDGET: a put that would pass it first drops the rests next in a
 * rotating sweep. One mutex covers a lookup and its copy (a few kilobytes).
 */
#include "apid/order_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"

struct slot {
    uint64_t id, options_hash;
    char updated[ORDER_CACHE_UPDATED_BYTES];
    char *json; /* "{members}", the list form; NULL: empty slot */
    size_t len;
    double at;  /* when json was kept */
    char *rest; /* the detail after the members, or NULL */
    size_t rest_len;
    char fp[ORDER_CACHE_FP_BYTES];
    double rest_at;
};

static struct slot slots[ORDER_CACHE_SLOTS];
static size_t rest_bytes, sweep_at;
static double ttl_s = ORDER_CACHE_TTL_DEFAULT_S;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

void order_cache_set_ttl(unsigned seconds)
{
    pthread_mutex_lock(&mu);
    ttl_s = seconds;
    pthread_mutex_unlock(&mu);
}

static char *copy_of(const char *a, size_t alen, const char *b, size_t blen, const char *c, size_t clen)
{
    char *p = malloc(alen + blen + clen);
    if (p == NULL)
        abort();
    memcpy(p, a, alen);
    memcpy(p + alen, b, blen);
    memcpy(p + alen + blen, c, clen);
    return p;
}

/* Caller holds mu. */
static void drop_rest(struct slot *s)
{
    if (s->rest == NULL)
        return;
    free(s->rest);
    rest_bytes -= s->rest_len;
    s->rest = NULL;
    s->rest_len = 0;
    s->fp[0] = '\0';
}

/* Caller holds mu. */
static bool young(double at, double now) { return ttl_s > 0 && now - at < ttl_s; }

static bool key_ok(const char *updated, const char *fp)
{
    return updated && strlen(updated) < ORDER_CACHE_UPDATED_BYTES && (fp == NULL || strlen(fp) < ORDER_CACHE_FP_BYTES);
}

/* Caller holds mu. The slot of id holding (updated, options_hash), or NULL. */
static struct slot *find(uint64_t id, const char *updated, uint64_t options_hash)
{
    struct slot *s = &slots[id % ORDER_CACHE_SLOTS];
    if (s->json && s->id == id && s->options_hash == options_hash && strcmp(s->updated, updated) == 0)
        return s;
    return NULL;
}

/* Caller holds mu. Makes the slot of id hold (updated, options_hash) with json, keeping its rest only
 * when the key is the same. */
static void set_list(uint64_t id, const char *updated, uint64_t options_hash, char *json, size_t len, double now)
{
    struct slot *s = &slots[id % ORDER_CACHE_SLOTS];
    if (find(id, updated, options_hash) != s) {
        drop_rest(s);
        s->id = id;
        s->options_hash = options_hash;
        memcpy(s->updated, updated, strlen(updated) + 1);
    }
    free(s->json);
    s->json = json;
    s->len = len;
    s->at = now;
}

bool order_cache_list_get(struct json_out *w, uint64_t id, const char *updated, uint64_t options_hash, size_t *start,
                          size_t *len)
{
    if (!key_ok(updated, NULL))
        return false;
    bool hit = false;
    pthread_mutex_lock(&mu);
    const struct slot *s = find(id, updated, options_hash);
    if (s && young(s->at, clock_mono_s())) {
        json_out_raw(w, s->json, s->len);
        *start = w->len - s->len;
        *len = s->len;
        hit = true;
    }
    pthread_mutex_unlock(&mu);
    return hit;
}

void order_cache_list_put(uint64_t id, const char *updated, uint64_t options_hash, const char *json, size_t len)
{
    if (len > ORDER_CACHE_ENTRY_MAX || !key_ok(updated, NULL))
        return;
    char *copy = copy_of(json, len, "", 0, "", 0);
    pthread_mutex_lock(&mu);
    if (ttl_s > 0) { /* an age limit of 0 keeps nothing, as for details */
        set_list(id, updated, options_hash, copy, len, clock_mono_s());
        copy = NULL;
    }
    pthread_mutex_unlock(&mu);
    free(copy);
}

bool order_cache_detail_get(struct json_out *w, uint64_t id, const char *updated, const char *fp,
                            uint64_t options_hash)
{
    if (!key_ok(updated, fp) || fp == NULL)
        return false;
    bool hit = false;
    pthread_mutex_lock(&mu);
    const struct slot *s = find(id, updated, options_hash);
    double now = clock_mono_s();
    if (s && s->rest && strcmp(s->fp, fp) == 0 && young(s->at, now) && young(s->rest_at, now) && s->len >= 2) {
        json_out_object_open(w);
        json_out_raw(w, s->json + 1, s->len - 2);
        json_out_raw(w, s->rest, s->rest_len);
        hit = true;
    }
    pthread_mutex_unlock(&mu);
    return hit;
}

void order_cache_detail_put(uint64_t id, const char *updated, const char *fp, uint64_t options_hash,
                            const char *members, size_t members_len, const char *rest, size_t rest_len)
{
    if (members_len + 2 > ORDER_CACHE_ENTRY_MAX || rest_len > ORDER_CACHE_DETAIL_MAX || !key_ok(updated, fp) ||
        fp == NULL)
        return;
    char *json = copy_of("{", 1, members, members_len, "}", 1);
    char *r = copy_of(rest, rest_len, "", 0, "", 0);
    pthread_mutex_lock(&mu);
    if (ttl_s <= 0) {
        pthread_mutex_unlock(&mu);
        free(json);
        free(r);
        return;
    }
    double now = clock_mono_s();
    set_list(id, updated, options_hash, json, members_len + 2, now);
    struct slot *s = &slots[id % ORDER_CACHE_SLOTS];
    drop_rest(s);
    for (size_t n = 0; rest_bytes + rest_len > ORDER_CACHE_DETAIL_BUDGET && n < ORDER_CACHE_SLOTS; n++) {
        drop_rest(&slots[sweep_at]);
        sweep_at = (sweep_at + 1) % ORDER_CACHE_SLOTS;
    }
    s->rest = r;
    s->rest_len = rest_len;
    rest_bytes += rest_len;
    memcpy(s->fp, fp, strlen(fp) + 1);
    s->rest_at = now;
    pthread_mutex_unlock(&mu);
}

void order_cache_clear(void)
{
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < ORDER_CACHE_SLOTS; i++) {
        drop_rest(&slots[i]);
        free(slots[i].json);
        slots[i].json = NULL;
        slots[i].len = 0;
    }
    pthread_mutex_unlock(&mu);
}
