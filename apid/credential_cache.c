/*
 * apid/credential_cache.c — the in-memory cache of verified credentials (apid/credential_cache.h).
 *
 * Owns: the per-process MAC key (RAND_bytes, once), the slot choice, expiry on the monotonic clock and
 * the constant-time comparison. Does not: verify anything (apid/app_password.c and
 * apid/connection_key.c do, on the offload pool, and put what they verified), or drop entries early (a
 * credential revoked in WordPress or authd works on for at most ttl_s in a process that holds it).
 */
#include "apid/credential_cache.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "common/clock.h"

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static unsigned char mac_key[32];

static void make_key(void)
{
    if (RAND_bytes(mac_key, sizeof mac_key) != 1)
        abort();
}

void credential_cache_mac(const char *cred, size_t len, unsigned char mac[CREDENTIAL_CACHE_MAC_BYTES])
{
    pthread_once(&key_once, make_key);
    unsigned int n = CREDENTIAL_CACHE_MAC_BYTES;
    HMAC(EVP_sha256(), mac_key, sizeof mac_key, (const unsigned char *)cred, len, mac, &n);
}

static struct credential_cache_entry *slot(struct credential_cache *c, const unsigned char *mac)
{
    return &c->slots[((size_t)mac[0] << 8 | mac[1]) % c->nslots];
}

uint64_t credential_cache_get(struct credential_cache *c, const unsigned char mac[CREDENTIAL_CACHE_MAC_BYTES])
{
    uint64_t id = 0;
    pthread_mutex_lock(&c->mu);
    const struct credential_cache_entry *e = slot(c, mac);
    if (e->expires > clock_mono_s() && CRYPTO_memcmp(e->mac, mac, CREDENTIAL_CACHE_MAC_BYTES) == 0)
        id = e->user_id;
    pthread_mutex_unlock(&c->mu);
    return id;
}

void credential_cache_put(struct credential_cache *c, const unsigned char mac[CREDENTIAL_CACHE_MAC_BYTES],
                          uint64_t user_id)
{
    pthread_mutex_lock(&c->mu);
    struct credential_cache_entry *e = slot(c, mac);
    memcpy(e->mac, mac, CREDENTIAL_CACHE_MAC_BYTES);
    e->user_id = user_id;
    e->expires = clock_mono_s() + c->ttl_s;
    pthread_mutex_unlock(&c->mu);
}
