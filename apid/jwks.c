/*
 * apid/jwks.c — authd's JWKS in apid: parsing keys into EVP_PKEYs (base64url and the point through
 * common/jose.h), the current key set behind a read-write lock, and the fetcher thread (libcurl) that
 * refreshes it.
 *
 * Does not: verify tokens (apid/bearer.c) or decide what a request gets while no key is known
 * (apid/guard.c). Never blocks an event loop: the only network I/O is on the fetcher thread; a worker
 * asking for a refetch only sets a flag and signals a condition variable.
 */
#include "apid/jwks.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "common/bg_thread.h"
#include "common/jose.h"
#include "common/log.h"

/* ---- parsing ---- */

void jwks_set_free(struct jwks_set *ks)
{
    if (ks == NULL)
        return;
    for (size_t i = 0; i < ks->n; i++)
        EVP_PKEY_free(ks->keys[i].pkey);
    free(ks);
}

static bool str_is(const json_t *v, const char *want)
{
    return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

/* One JWK → key; -1 with a reason when it is not an ES256 verification key. */
static int parse_key(const json_t *k, struct jwks_key *out, const char **why)
{
    const json_t *alg = json_object_get(k, "alg"), *use = json_object_get(k, "use");
    const json_t *kid = json_object_get(k, "kid"), *x = json_object_get(k, "x"), *y = json_object_get(k, "y");
    if (!json_is_object(k) || !str_is(json_object_get(k, "kty"), "EC") || !str_is(json_object_get(k, "crv"), "P-256")) {
        *why = "not an EC P-256 key";
        return -1;
    }
    if ((alg && !str_is(alg, "ES256")) || (use && !str_is(use, "sig"))) {
        *why = "alg is not ES256 or use is not sig";
        return -1;
    }
    if (!json_is_string(kid) || json_string_length(kid) == 0 || json_string_length(kid) >= JWKS_KID_BYTES ||
        strlen(json_string_value(kid)) != json_string_length(kid)) {
        *why = "missing or oversized kid";
        return -1;
    }
    unsigned char xb[33], yb[33];
    if (!json_is_string(x) || !json_is_string(y) || json_string_length(x) != 43 || json_string_length(y) != 43 ||
        jose_base64url_decode(json_string_value(x), 43, xb) != 32 ||
        jose_base64url_decode(json_string_value(y), 43, yb) != 32) {
        *why = "malformed x or y";
        return -1;
    }
    out->pkey = jose_p256_public(xb, yb);
    if (out->pkey == NULL) {
        *why = "point not on P-256";
        return -1;
    }
    snprintf(out->kid, sizeof out->kid, "%s", json_string_value(kid));
    return 0;
}

struct jwks_set *jwks_parse(const char *json, size_t len, char *err, size_t errlen)
{
    if (len > JWKS_MAX_BYTES) {
        snprintf(err, errlen, "JWKS larger than %zu bytes", JWKS_MAX_BYTES);
        return NULL;
    }
    json_error_t je;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    const json_t *keys = json_object_get(doc, "keys");
    if (!json_is_array(keys)) {
        snprintf(err, errlen, "not a JWKS document (no keys array)");
        json_decref(doc);
        return NULL;
    }
    struct jwks_set *ks = calloc(1, sizeof *ks);
    if (ks == NULL)
        abort();
    size_t i;
    const json_t *k;
    json_array_foreach(keys, i, k) {
        const char *why = NULL;
        struct jwks_key key = {0};
        if (ks->n == JWKS_MAX_KEYS) {
            log_warn("jwks: more than %d keys, the rest are ignored", JWKS_MAX_KEYS);
            break;
        }
        if (parse_key(k, &key, &why) != 0) {
            log_warn("jwks: key %zu skipped: %s", i, why);
            continue;
        }
        if (jwks_set_find(ks, key.kid, strlen(key.kid)) != NULL) {
            log_warn("jwks: duplicate kid, key %zu skipped", i);
            EVP_PKEY_free(key.pkey);
            continue;
        }
        ks->keys[ks->n++] = key;
    }
    json_decref(doc);
    if (ks->n == 0) {
        snprintf(err, errlen, "no usable ES256 key in the JWKS");
        jwks_set_free(ks);
        return NULL;
    }
    return ks;
}

EVP_PKEY *jwks_set_find(const struct jwks_set *ks, const char *kid, size_t len)
{
    if (ks == NULL)
        return NULL;
    for (size_t i = 0; i < ks->n; i++)
        if (strlen(ks->keys[i].kid) == len && memcmp(ks->keys[i].kid, kid, len) == 0)
            return ks->keys[i].pkey;
    return NULL;
}

/* ---- the current set ---- */

static pthread_rwlock_t set_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct jwks_set *current;

const struct jwks_set *jwks_read_lock(void)
{
    pthread_rwlock_rdlock(&set_lock);
    return current;
}

void jwks_read_unlock(void)
{
    pthread_rwlock_unlock(&set_lock);
}

void jwks_install(struct jwks_set *ks)
{
    pthread_rwlock_wrlock(&set_lock);
    struct jwks_set *old = current;
    current = ks;
    pthread_rwlock_unlock(&set_lock);
    jwks_set_free(old);
}

/* ---- the fetcher ---- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    pthread_t thread;
    bool running, stop, wanted;
    struct timespec last_fetch; /* monotonic */
    char url[CONFIG_STR + 32];
    char ca[CONFIG_STR];
} fetcher = {.mu = PTHREAD_MUTEX_INITIALIZER};
static atomic_bool abort_fetch; /* jwks_stop: a fetch in progress gives up at once */

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)ud, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return atomic_load(&abort_fetch) ? 1 : 0;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct body {
    char *buf;
    size_t len;
    bool too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    struct body *b = ud;
    size_t add = size * n;
    if (b->len + add > JWKS_MAX_BYTES) {
        b->too_big = true;
        return 0;
    }
    memcpy(b->buf + b->len, p, add);
    b->len += add;
    return add;
}

/* One fetch within timeout_s; 0 with a new set installed, -1 (logged). */
static int fetch_once(long timeout_s)
{
    CURL *c = curl_easy_init();
    if (c == NULL)
        return -1;
    struct body b = {malloc(JWKS_MAX_BYTES), 0, false};
    if (b.buf == NULL)
        abort();
    curl_easy_setopt(c, CURLOPT_URL, fetcher.url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (fetcher.ca[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, fetcher.ca);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_s < 5 ? timeout_s : 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    int ret = -1;
    if (rc != CURLE_OK) {
        log_warn("jwks: cannot fetch %s: %s", fetcher.url, b.too_big ? "document too large" : curl_easy_strerror(rc));
    } else if (status != 200) {
        log_warn("jwks: %s answered %ld", fetcher.url, status);
    } else {
        char err[200];
        struct jwks_set *ks = jwks_parse(b.buf, b.len, err, sizeof err);
        if (ks == NULL) {
            log_warn("jwks: %s: %s", fetcher.url, err);
        } else {
            size_t n = ks->n;
            jwks_install(ks);
            log_info("jwks: %zu key%s from %s", n, n == 1 ? "" : "s", fetcher.url);
            ret = 0;
        }
    }
    free(b.buf);
    return ret;
}

static void *fetcher_main(void *arg)
{
    bool have = arg != NULL; /* the first fetch, at start, succeeded */
    double next = mono() + (have ? JWKS_REFRESH_S : JWKS_RETRY_S), last = mono();
    pthread_mutex_lock(&fetcher.mu);
    while (!fetcher.stop) {
        double now = mono();
        /* while no key is known, a request that needs one may ask every JWKS_NO_KEY_INTERVAL_S */
        double gap = have ? JWKS_MIN_INTERVAL_S : JWKS_NO_KEY_INTERVAL_S;
        bool due = now >= next || (fetcher.wanted && now - last >= gap);
        if (!due) {
            double until = next;
            if (fetcher.wanted && last + gap < until)
                until = last + gap;
            bg_thread_wait(&fetcher.cond, &fetcher.mu, until - now);
            continue;
        }
        fetcher.wanted = false;
        pthread_mutex_unlock(&fetcher.mu);
        last = mono();
        if (fetch_once(JWKS_FETCH_TIMEOUT_S) == 0)
            have = true;
        else if (have)
            log_warn("jwks: keeping the keys fetched before");
        pthread_mutex_lock(&fetcher.mu);
        /* a failed fetch is retried soon whether or not keys are held: a rotation may be waiting */
        next = mono() + (have ? JWKS_REFRESH_S : JWKS_RETRY_S);
    }
    pthread_mutex_unlock(&fetcher.mu);
    return NULL;
}

void jwks_request_refresh(void)
{
    if (pthread_mutex_trylock(&fetcher.mu) != 0)
        return; /* the fetcher holds it only briefly; a request that loses the race loses nothing */
    if (fetcher.running && !fetcher.wanted) {
        fetcher.wanted = true;
        pthread_cond_signal(&fetcher.cond);
    }
    pthread_mutex_unlock(&fetcher.mu);
}

int jwks_start(const struct config *cfg)
{
    snprintf(fetcher.url, sizeof fetcher.url, "%s/oauth/jwks.json", cfg->authd_url);
    snprintf(fetcher.ca, sizeof fetcher.ca, "%s", cfg->authd_ca);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        log_error("jwks: libcurl does not initialise");
        return -1;
    }
    bg_thread_cond_init(&fetcher.cond);
    fetcher.stop = false;
    fetcher.wanted = false;
    atomic_store(&abort_fetch, false);
    /* the first fetch before serving, so that an apid started next to a running authd knows the keys
     * from its first request; when authd is not there, the fetcher keeps trying in the background */
    static int have_marker;
    void *have = fetch_once(JWKS_START_TIMEOUT_S) == 0 ? &have_marker : NULL;
    fetcher.running = true;
    int rc = bg_thread_start(&fetcher.thread, fetcher_main, have);
    if (rc != 0) {
        fetcher.running = false;
        log_error("jwks: cannot start the fetcher thread");
        pthread_cond_destroy(&fetcher.cond);
        curl_global_cleanup();
        return -1;
    }
    return 0;
}

void jwks_stop(void)
{
    if (!fetcher.running)
        return;
    atomic_store(&abort_fetch, true);
    pthread_mutex_lock(&fetcher.mu);
    fetcher.stop = true;
    fetcher.running = false;
    pthread_cond_signal(&fetcher.cond);
    pthread_mutex_unlock(&fetcher.mu);
    pthread_join(fetcher.thread, NULL);
    pthread_cond_destroy(&fetcher.cond);
    jwks_install(NULL);
    curl_global_cleanup();
}
