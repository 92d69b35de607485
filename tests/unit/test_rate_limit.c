/*
 * tests/unit/test_rate_limit.c — common/rate_limit: burst, refill, Retry-After and RateLimit figures,
 * independent keys, eviction under the key cap, many threads on one key, and the "BURST/PER_SECOND"
 * parser.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/limits.h"
#include "common/rate_limit.h"
#include "tests/tap.h"

static void test_burst_and_refill(void)
{
    struct rate_limit *rl = rate_limit_create(3, 1.0, 0);
    double t = 1000;
    static const struct {
        double dt;
        int allowed;
        unsigned remaining, retry_after;
    } rows[] = {
        {0, 1, 2, 0}, {0, 1, 1, 0}, {0, 1, 0, 0}, {0, 0, 0, 1}, /* burst of 3, then refused */
        {0.5, 0, 0, 1},                                          /* half a token: still 1 s to wait (rounded up) */
        {0.5, 1, 0, 0},                                          /* a whole token back after 1 s */
        {10, 1, 2, 0},                                           /* capped at the burst */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        t += rows[i].dt;
        struct rate_limit_result r = rate_limit_take(rl, "ip:1", 4, t);
        char name[64];
        snprintf(name, sizeof name, "row %zu allowed", i);
        TAP_EQ_INT(r.allowed, rows[i].allowed, name);
        snprintf(name, sizeof name, "row %zu remaining", i);
        TAP_EQ_INT(r.remaining, rows[i].remaining, name);
        snprintf(name, sizeof name, "row %zu retry_after", i);
        TAP_EQ_INT(r.retry_after, rows[i].retry_after, name);
        TAP_EQ_INT(r.limit, 3, "limit is the burst");
    }
    struct rate_limit_result r = rate_limit_take(rl, "ip:1", 4, t);
    TAP_EQ_INT(r.reset_s, 2, "reset: seconds until the bucket is full again (1 token left of 3)");
    r = rate_limit_take(rl, "ip:2", 4, t);
    TAP_EQ_INT(r.allowed && r.remaining == 2, 1, "another key has its own bucket");
    TAP_EQ_INT(rate_limit_size(rl), 2, "two keys held");
    rate_limit_set_limits(rl, 10, 100.0);
    r = rate_limit_take(rl, "ip:1", 4, t + 1);
    TAP_EQ_INT(r.limit, 10, "new limits apply to existing buckets");
    TAP_EQ_INT(r.remaining, 9, "… which refill at the new rate up to the new burst");
    rate_limit_free(rl);
}

static void test_eviction(void)
{
    struct rate_limit *rl = rate_limit_create(1, 0.001, 64);
    char key[32];
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(key, sizeof key, "ip:10.0.%d.%d", i / 256, i % 256);
        rate_limit_take(rl, key, (size_t)n, 1.0);
    }
    tap_ok(rate_limit_size(rl) <= 64, "the table stays within its key cap (%zu keys)", rate_limit_size(rl));
    /* the most recent key is still there (refused), an early one was evicted (allowed again) */
    int n = snprintf(key, sizeof key, "ip:10.0.%d.%d", 9999 / 256, 9999 % 256);
    TAP_EQ_INT(rate_limit_take(rl, key, (size_t)n, 1.0).allowed, 0, "a recent key keeps its state");
    TAP_EQ_INT(rate_limit_take(rl, "ip:10.0.0.0", 11, 1.0).allowed, 1, "the least recently used key was evicted");
    char longkey[300];
    memset(longkey, 'a', sizeof longkey);
    TAP_EQ_INT(rate_limit_take(rl, longkey, sizeof longkey, 1.0).allowed, 1, "an over-long key is cut, not refused");
    rate_limit_free(rl);
}

struct thread_arg {
    struct rate_limit *rl;
    int allowed;
};

static void *hammer(void *p)
{
    struct thread_arg *a = p;
    for (int i = 0; i < 1000; i++)
        a->allowed += rate_limit_take(a->rl, "client:x", 8, 5.0).allowed;
    return NULL;
}

static void test_threads(void)
{
    struct rate_limit *rl = rate_limit_create(500, 0.001, 0);
    pthread_t th[8];
    struct thread_arg args[8];
    for (int i = 0; i < 8; i++) {
        args[i] = (struct thread_arg){rl, 0};
        pthread_create(&th[i], NULL, hammer, &args[i]);
    }
    int total = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        total += args[i].allowed;
    }
    TAP_EQ_INT(total, 500, "8 threads on one key get exactly the burst");
    rate_limit_free(rl);
}

/* rate_limit_take_for keys a bucket by kind and id; an id longer than a key is cut, not refused. */
static void test_take_for(void)
{
    struct rate_limit *rl = rate_limit_create(1, 0.001, 0);
    TAP_EQ_INT(rate_limit_take_for(rl, "ip", "192.0.2.1").allowed, 1, "take_for: first request of a key");
    TAP_EQ_INT(rate_limit_take_for(rl, "ip", "192.0.2.1").allowed, 0, "take_for: the same kind and id share a bucket");
    TAP_EQ_INT(rate_limit_take_for(rl, "key", "192.0.2.1").allowed, 1, "take_for: another kind has its own bucket");
    char id[LIMIT_RATE_KEY_BYTES * 2];
    memset(id, 'a', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    TAP_EQ_INT(rate_limit_take_for(rl, "ip", id).allowed, 1, "take_for: an over-long id is cut to the key size");
    id[sizeof id - 2] = 'b'; /* differs only beyond the cut: the same bucket */
    TAP_EQ_INT(rate_limit_take_for(rl, "ip", id).allowed, 0, "take_for: … and what lies beyond the cut is ignored");
    rate_limit_free(rl);
}

/* Each row: a setting as stored, and what it parses to ("-" when refused). */
static void test_parse(void)
{
    static const struct {
        const char *src, *want;
    } rows[] = {
        {"60/5", "60/5"},
        {"3/0.01", "3/0.01"},
        {"1000000/1000000", "1000000/1e+06"},
        {"1/1e-3", "1/0.001"},
        {"0/5", "-"},         /* no burst */
        {"1000001/5", "-"},   /* burst too large */
        {"60/0", "-"},        /* no rate */
        {"60/-1", "-"},
        {"60/1000001", "-"},  /* rate too large */
        {"60/nan", "-"},
        {"60/inf", "-"},
        {"60", "-"},          /* no rate at all */
        {"60/", "-"},
        {"/5", "-"},
        {"60/5 ", "-"},       /* trailing bytes */
        {"60/5x", "-"},
        {"sixty/5", "-"},
        {"", "-"},
        {"60/5.0000000000000000000000000000000000", "-"}, /* longer than any limit needs */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        unsigned b = 7;
        double r = 7;
        char got[64] = "-", name[96];
        if (rate_limit_parse(rows[i].src, strlen(rows[i].src), &b, &r) == 0)
            snprintf(got, sizeof got, "%u/%g", b, r);
        else if (b != 7 || r != 7)
            snprintf(got, sizeof got, "refused but changed the outputs");
        snprintf(name, sizeof name, "parse '%s'", rows[i].src);
        TAP_EQ_STR(got, rows[i].want, name);
    }
    unsigned b = 7;
    double r = 7;
    TAP_EQ_INT(rate_limit_parse("60/5\0" "9", 6, &b, &r), -1, "parse: a NUL inside the counted string is refused");
    TAP_EQ_INT(rate_limit_parse("60/59", 4, &b, &r), 0, "parse: only len bytes are read");
    TAP_EQ_INT(b == 60 && r == 5, 1, "  ... 60/5");
}

int main(void)
{
    test_parse();
    test_burst_and_refill();
    test_take_for();
    test_eviction();
    test_threads();
    return tap_done();
}
