/*
 * tests/unit/test_credential_cache.c — apid/credential_cache: the MAC is keyed (not a plain SHA-256)
 * and stable within the process; a put is found again, another credential is not, a newer credential
 * replaces an older one in its slot, and an entry expires after ttl_s.
 */
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "apid/credential_cache.h"
#include "tests/tap.h"

static void mac(const char *s, unsigned char out[CREDENTIAL_CACHE_MAC_BYTES])
{
    credential_cache_mac(s, strlen(s), out);
}

static void test_mac(void)
{
    unsigned char a[32], b[32], c[32], plain[32];
    mac("admin:abcd efgh ijkl mnop qrst uvwx", a);
    mac("admin:abcd efgh ijkl mnop qrst uvwx", b);
    mac("admin:abcd efgh ijkl mnop qrst uvwX", c);
    SHA256((const unsigned char *)"admin:abcd efgh ijkl mnop qrst uvwx", 35, plain);
    tap_ok(memcmp(a, b, 32) == 0, "the same credential gives the same MAC");
    tap_ok(memcmp(a, c, 32) != 0, "one character more or less gives another");
    tap_ok(memcmp(a, plain, 32) != 0, "the MAC is keyed: not the credential's plain SHA-256");
}

static void test_get_put(void)
{
    static struct credential_cache_entry slots[64];
    static struct credential_cache c = {PTHREAD_MUTEX_INITIALIZER, slots, 64, 60};
    unsigned char k1[32], k2[32];
    mac("cmk_1_first", k1);
    mac("cmk_2_second", k2);
    TAP_EQ_INT(credential_cache_get(&c, k1), 0, "an empty cache holds nothing");
    credential_cache_put(&c, k1, 7);
    TAP_EQ_INT(credential_cache_get(&c, k1), 7, "a verified credential is found again with its user");
    TAP_EQ_INT(credential_cache_get(&c, k2), 0, "another credential is not");
    credential_cache_put(&c, k2, 9);
    TAP_EQ_INT(credential_cache_get(&c, k2), 9, "a second credential has its own user");
}

static void test_slot_and_expiry(void)
{
    static struct credential_cache_entry one[1];
    static struct credential_cache c = {PTHREAD_MUTEX_INITIALIZER, one, 1, 0.05};
    unsigned char k1[32], k2[32];
    mac("first", k1);
    mac("second", k2);
    credential_cache_put(&c, k1, 1);
    credential_cache_put(&c, k2, 2);
    TAP_EQ_INT(credential_cache_get(&c, k1), 0, "one slot: the newer credential replaced the older");
    TAP_EQ_INT(credential_cache_get(&c, k2), 2, "  ... and is found");
    struct timespec d = {0, 100 * 1000000L};
    nanosleep(&d, NULL);
    TAP_EQ_INT(credential_cache_get(&c, k2), 0, "after ttl_s the entry is gone");
}

int main(void)
{
    test_mac();
    test_get_put();
    test_slot_and_expiry();
    return tap_done();
}
