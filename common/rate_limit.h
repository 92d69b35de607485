/*
 * common/rate_limit.h — in-memory token buckets keyed by a string ("ip:203.0.113.7", "client:abc"),
 * shared by the worker threads of one process.
 *
 * A bucket holds up to `burst` tokens and gains `per_second` tokens a second; a request takes one.
 * The table is sharded (a mutex per shard) and bounded: at most `max_keys` keys, and a full shard
 * evicts its least recently used key (a key that has not been seen for long is back to a full
 * bucket anyway, so eviction only ever errs in the client's favour). Limits are per process: with
 * several instances behind a load balancer each counts on its own.
 */
#ifndef COMMON_RATE_LIMIT_H
#define COMMON_RATE_LIMIT_H

#include <stdbool.h>
#include <stddef.h>

struct rate_limit;

struct rate_limit_result {
    bool allowed;
    unsigned limit;       /* the burst: RateLimit-Limit */
    unsigned remaining;   /* whole tokens left after this request: RateLimit-Remaining */
    unsigned reset_s;     /* seconds until the bucket is full again: RateLimit-Reset */
    unsigned retry_after; /* when refused: seconds until one token is back (>= 1): Retry-After */
};

/* max_keys 0 → LIMIT_RATE_KEYS. Allocation failure aborts. */
struct rate_limit *rate_limit_create(unsigned burst, double per_second, size_t max_keys);
void rate_limit_free(struct rate_limit *rl);

/* Changes the limits of every bucket (settings edited at run time). Tokens held stay, capped at burst. */
void rate_limit_set_limits(struct rate_limit *rl, unsigned burst, double per_second);

/* Takes one token from key's bucket at time now (monotonic seconds; use rate_limit_now()). */
struct rate_limit_result rate_limit_take(struct rate_limit *rl, const char *key, size_t len, double now);

/* Monotonic seconds. */
double rate_limit_now(void);

/* rate_limit_take now on the key "<kind>:<id>" (cut at LIMIT_RATE_KEY_BYTES - 1 bytes). */
struct rate_limit_result rate_limit_take_for(struct rate_limit *rl, const char *kind, const char *id);

/* Parses a limit as the settings store it, "BURST/PER_SECOND" ("60/5", "3/0.01"): burst 1 to 1,000,000,
 * per_second above 0 and at most 1e6. 0 with both set; -1 (outputs untouched) on anything else.
 * A pure parser over a counted string. */
int rate_limit_parse(const char *src, size_t len, unsigned *burst, double *per_second);

/* Keys held now (tests). */
size_t rate_limit_size(struct rate_limit *rl);

#endif
