/*
 * common/rate_limit.c — token buckets in a sharded, bounded hash table.
 *
 * Owns: the buckets, their LRU eviction, the arithmetic of the RateLimit-* figures, and the parser of a
 * "BURST/PER_SECOND" setting. Does not: share
 * counts between processes (each instance limits on its own), read limits from the database
 * (common/rate_limit_settings.c), or send HTTP (the caller turns a refusal into 429).
 *
 * Each shard is a chained hash table over a fixed array of entries plus an LRU list; a full shard
 * reuses its least recently used entry. A key is hashed with FNV-1a, salted per table at creation
 * so that a client cannot aim many keys at one shard predictably.
 */
#include "common/rate_limit.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "common/limits.h"

#define SHARDS 16

struct entry {
    char key[LIMIT_RATE_KEY_BYTES];
    size_t len;
    uint64_t hash;
    double tokens, at;
    struct entry *chain;            /* next in hash bucket */
    struct entry *lru_prev, *lru_next; /* most recent at head */
    bool used;
};

struct shard {
    pthread_mutex_t mu;
    struct entry *entries;
    size_t cap, n;
    struct entry **buckets;
    size_t nbuckets; /* power of two */
    struct entry *lru_head, *lru_tail;
};

struct rate_limit {
    unsigned burst;
    double per_second;
    uint64_t salt;
    struct shard shards[SHARDS];
};

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n, sz);
    if (p == NULL)
        abort();
    return p;
}

struct rate_limit *rate_limit_create(unsigned burst, double per_second, size_t max_keys)
{
    if (max_keys == 0)
        max_keys = LIMIT_RATE_KEYS;
    struct rate_limit *rl = xcalloc(1, sizeof *rl);
    rl->burst = burst ? burst : 1;
    rl->per_second = per_second > 0 ? per_second : 1;
    if (RAND_bytes((unsigned char *)&rl->salt, sizeof rl->salt) != 1)
        rl->salt = (uint64_t)time(NULL);
    size_t per = (max_keys + SHARDS - 1) / SHARDS;
    size_t nb = 1;
    while (nb < per)
        nb <<= 1;
    for (int i = 0; i < SHARDS; i++) {
        struct shard *s = &rl->shards[i];
        pthread_mutex_init(&s->mu, NULL);
        s->cap = per;
        s->entries = xcalloc(per, sizeof *s->entries);
        s->nbuckets = nb;
        s->buckets = xcalloc(nb, sizeof(struct entry *));
    }
    return rl;
}

void rate_limit_free(struct rate_limit *rl)
{
    if (rl == NULL)
        return;
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_destroy(&rl->shards[i].mu);
        free(rl->shards[i].entries);
        free(rl->shards[i].buckets);
    }
    free(rl);
}

void rate_limit_set_limits(struct rate_limit *rl, unsigned burst, double per_second)
{
    /* every shard lock is held while the fields change, and rate_limit_take reads them under one */
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_lock(&rl->shards[i].mu);
    rl->burst = burst ? burst : 1;
    rl->per_second = per_second > 0 ? per_second : 1;
    for (int i = SHARDS - 1; i >= 0; i--)
        pthread_mutex_unlock(&rl->shards[i].mu);
}

int rate_limit_parse(const char *src, size_t len, unsigned *burst, double *per_second)
{
    char v[32]; /* "1000000/" and a number: anything longer is not a limit */
    if (len == 0 || len >= sizeof v || memchr(src, '\0', len) != NULL)
        return -1;
    memcpy(v, src, len);
    v[len] = '\0';
    char *end;
    unsigned long b = strtoul(v, &end, 10);
    if (end == v || *end != '/' || b == 0 || b > 1000000)
        return -1;
    const char *s = end + 1;
    double r = strtod(s, &end);
    if (end == s || *end != '\0' || !(r > 0) || r > 1e6)
        return -1;
    *burst = (unsigned)b;
    *per_second = r;
    return 0;
}

double rate_limit_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t fnv1a(uint64_t salt, const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL ^ salt;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static void lru_unlink(struct shard *s, struct entry *e)
{
    if (e->lru_prev)
        e->lru_prev->lru_next = e->lru_next;
    else
        s->lru_head = e->lru_next;
    if (e->lru_next)
        e->lru_next->lru_prev = e->lru_prev;
    else
        s->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}

static void lru_push(struct shard *s, struct entry *e)
{
    e->lru_prev = NULL;
    e->lru_next = s->lru_head;
    if (s->lru_head)
        s->lru_head->lru_prev = e;
    s->lru_head = e;
    if (s->lru_tail == NULL)
        s->lru_tail = e;
}

static void chain_remove(struct shard *s, struct entry *e)
{
    struct entry **pp = &s->buckets[e->hash & (s->nbuckets - 1)];
    while (*pp && *pp != e)
        pp = &(*pp)->chain;
    if (*pp)
        *pp = e->chain;
    e->chain = NULL;
}

struct rate_limit_result rate_limit_take(struct rate_limit *rl, const char *key, size_t len, double now)
{
    if (len >= LIMIT_RATE_KEY_BYTES)
        len = LIMIT_RATE_KEY_BYTES - 1; /* long keys share a bucket with their prefix: errs towards limiting */
    uint64_t h = fnv1a(rl->salt, key, len);
    struct shard *s = &rl->shards[h % SHARDS];
    struct rate_limit_result r = {.allowed = false};
    pthread_mutex_lock(&s->mu);
    r.limit = rl->burst;
    struct entry *e = s->buckets[h & (s->nbuckets - 1)];
    while (e && !(e->hash == h && e->len == len && memcmp(e->key, key, len) == 0))
        e = e->chain;
    if (e == NULL) {
        if (s->n < s->cap) {
            e = &s->entries[s->n++];
        } else { /* evict the least recently used key */
            e = s->lru_tail;
            lru_unlink(s, e);
            chain_remove(s, e);
        }
        memcpy(e->key, key, len);
        e->len = len;
        e->hash = h;
        e->tokens = rl->burst;
        e->at = now;
        e->used = true;
        struct entry **b = &s->buckets[h & (s->nbuckets - 1)];
        e->chain = *b;
        *b = e;
    } else {
        lru_unlink(s, e);
        double dt = now - e->at;
        if (dt > 0) {
            e->tokens += dt * rl->per_second;
            if (e->tokens > rl->burst)
                e->tokens = rl->burst;
            e->at = now;
        }
    }
    lru_push(s, e);
    if (e->tokens >= 1.0) {
        e->tokens -= 1.0;
        r.allowed = true;
    } else {
        double wait = (1.0 - e->tokens) / rl->per_second;
        r.retry_after = (unsigned)ceil(wait);
        if (r.retry_after < 1)
            r.retry_after = 1;
    }
    r.remaining = (unsigned)floor(e->tokens);
    r.reset_s = (unsigned)ceil(((double)rl->burst - e->tokens) / rl->per_second);
    pthread_mutex_unlock(&s->mu);
    return r;
}

size_t rate_limit_size(struct rate_limit *rl)
{
    size_t n = 0;
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&rl->shards[i].mu);
        n += rl->shards[i].n;
        pthread_mutex_unlock(&rl->shards[i].mu);
    }
    return n;
}

struct rate_limit_result rate_limit_take_for(struct rate_limit *rl, const char *kind, const char *id)
{
    char key[LIMIT_RATE_KEY_BYTES];
    int n = snprintf(key, sizeof key, "%s:%s", kind, id);
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof key ? sizeof key - 1 : (size_t)n;
    return rate_limit_take(rl, key, len, rate_limit_now());
}
