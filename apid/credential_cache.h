/*
 * apid/credential_cache.h — verified slow-hash credentials (application passwords, connection keys)
 * held in memory for a short time, so the bcrypt or phpass is paid once and not per request.
 *
 * A credential is kept under an HMAC-SHA256 of it keyed with a per-process random key, never as itself.
 * The table is a fixed array of slots (the first two bytes of the MAC pick one; a newer credential
 * replaces an older one in its slot), guarded by one mutex. What it holds: the user id the credential
 * was verified for, until the entry expires. Each owner defines its table statically:
 *
 *     static struct credential_cache_entry slots[N];
 *     static struct credential_cache cache = {PTHREAD_MUTEX_INITIALIZER, slots, N, TTL_S};
 */
#ifndef APID_CREDENTIAL_CACHE_H
#define APID_CREDENTIAL_CACHE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define CREDENTIAL_CACHE_MAC_BYTES 32

struct credential_cache_entry {
    unsigned char mac[CREDENTIAL_CACHE_MAC_BYTES];
    uint64_t user_id;
    double expires; /* monotonic seconds; 0: empty */
};

struct credential_cache {
    pthread_mutex_t mu;
    struct credential_cache_entry *slots;
    size_t nslots;
    double ttl_s; /* how long a verified credential is believed */
};

/* The keyed MAC a credential is held under (the same credential gives the same MAC in one process). */
void credential_cache_mac(const char *cred, size_t len, unsigned char mac[CREDENTIAL_CACHE_MAC_BYTES]);

/* The user id held for mac, or 0 when none is (or it expired). Compares in constant time. */
uint64_t credential_cache_get(struct credential_cache *c, const unsigned char mac[CREDENTIAL_CACHE_MAC_BYTES]);

/* Holds user_id for mac for ttl_s from now. */
void credential_cache_put(struct credential_cache *c, const unsigned char mac[CREDENTIAL_CACHE_MAC_BYTES],
                          uint64_t user_id);

#endif
