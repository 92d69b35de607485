/*
 * authd/seed_rng.h — the demo generator's own deterministic PRNG (xoshiro256**, seeded through
 * splitmix64), so a seed gives the same store on every machine and libc.
 *
 * Not for secrets: passwords shown to the demo user are drawn from it on purpose (reproducible demo
 * accounts); anything that protects a real account uses RAND_bytes.
 */
#ifndef AUTHD_SEED_RNG_H
#define AUTHD_SEED_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct seed_rng {
    uint64_t s[4];
};

static inline uint64_t seed_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* One well-mixed 64-bit value from two inputs: independent streams per entity (person i, product j). */
static inline uint64_t seed_hash2(uint64_t a, uint64_t b)
{
    uint64_t x = a ^ (b * 0xD6E8FEB86659FD93ULL);
    return seed_splitmix64(&x);
}

static inline void seed_rng_init(struct seed_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xA0761D6478BD642FULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = seed_splitmix64(&x);
}

static inline uint64_t seed_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t seed_rng_next(struct seed_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = seed_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = seed_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n), n > 0 (multiply-shift: no modulo bias worth speaking of for small n). */
static inline uint32_t seed_rng_below(struct seed_rng *r, uint32_t n)
{
    return (uint32_t)(((seed_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static inline int64_t seed_rng_range(struct seed_rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)seed_rng_below(r, (uint32_t)(hi - lo + 1));
}

/* True with probability permille / 1000. */
static inline bool seed_rng_chance(struct seed_rng *r, unsigned permille)
{
    return seed_rng_below(r, 1000) < permille;
}

/* Index into weights[0..n) with probability weights[i] / sum. */
static inline unsigned seed_rng_weighted(struct seed_rng *r, const unsigned *weights, unsigned n)
{
    unsigned total = 0;
    for (unsigned i = 0; i < n; i++)
        total += weights[i];
    unsigned x = seed_rng_below(r, total);
    for (unsigned i = 0; i < n; i++) {
        if (x < weights[i])
            return i;
        x -= weights[i];
    }
    return n - 1;
}

#endif
