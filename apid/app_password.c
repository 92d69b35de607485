/*
 * apid/app_password.c — WordPress application passwords on apid (apid/app_password.h).
 *
 * Owns: decoding the Basic credential, the user and _application_passwords lookup (short indexed
 * queries on the worker's connection), the hash checks on the offload pool (phpass/bcrypt of older
 * WordPress, $generic$ of 6.8+; a dummy check when the user or the feature is missing, so the answer's
 * time says nothing), the manage_woocommerce requirement and the short-lived cache of verified pairs.
 * The lockout (apid/credential_lockout.h) is checked here, once the account is known and before the
 * slow hash; a cached pair skips it. Does not: answer 401/403 or check scopes (apid/guard.c), count
 * failures (the guard does, with the attempt handed to done), or write last_used.
 */
#include "apid/app_password.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "apid/credential_cache.h"
#include "common/daemon.h"
#include "common/http_reply.h"
#include "common/limits.h"
#include "common/offload.h"
#include "common/php_serialize.h"
#include "common/store.h"
#include "common/wp_password.h"

/* phpass of "cartman-no-such-user": checked when there is nothing real to check against */
static const char DUMMY_APP_HASH[] = "$P$BVQSm8newLiIbn4ktmIW3hp.PxoPpn0";

/* ---- the cache ---- */

static struct credential_cache_entry cache_slots[APP_PASSWORD_CACHE_ENTRIES];
static struct credential_cache cache = {PTHREAD_MUTEX_INITIALIZER, cache_slots, APP_PASSWORD_CACHE_ENTRIES,
                                        APP_PASSWORD_CACHE_S};

/* ---- the check ---- */

struct job {
    app_password_done_fn done;
    struct credential_attempt att;
    unsigned char mac[CREDENTIAL_CACHE_MAC_BYTES];
    uint64_t user_id; /* 0: no such user, or not allowed */
    char *password;
    size_t plen;
    size_t nhash;
    char *hashes[LIMIT_APP_PASSWORDS];
    bool match;
};

static void job_free(void *data)
{
    struct job *j = data;
    if (j->password) {
        OPENSSL_cleanse(j->password, j->plen);
        free(j->password);
    }
    for (size_t i = 0; i < j->nhash; i++)
        free(j->hashes[i]);
    free(j);
}

static void work(void *data)
{
    struct job *j = data;
    j->match = false;
    if (j->nhash == 0) {
        wp_app_password_check(j->password, j->plen, DUMMY_APP_HASH, sizeof DUMMY_APP_HASH - 1);
        return;
    }
    for (size_t i = 0; i < j->nhash && !j->match; i++)
        j->match = wp_app_password_check(j->password, j->plen, j->hashes[i], strlen(j->hashes[i]));
}

static void done(struct http_call *call, void *data)
{
    struct job *j = data;
    uint64_t id = j->match ? j->user_id : 0;
    if (id != 0)
        credential_cache_put(&cache, j->mac, id);
    j->att.user_id = id;
    j->done(call, &j->att);
}

static const char SQL_APP_PASSWORDS[] =
    "SELECT meta_value FROM {p}usermeta WHERE user_id = ? AND meta_key = '_application_passwords' LIMIT 1";

static void add_hash(struct job *j, const json_t *e)
{
    const json_t *pw = json_object_get(e, "password");
    if (j->nhash < LIMIT_APP_PASSWORDS && json_is_string(pw)) {
        j->hashes[j->nhash] = strdup(json_string_value(pw));
        if (j->hashes[j->nhash] == NULL)
            abort();
        j->nhash++;
    }
}

/* 0, or -1 on a database error. */
static int load_hashes(struct db *db, struct job *j)
{
    struct db_value p[] = {DB_UINT(j->user_id)};
    struct db_rows rows;
    if (db_query(db, SQL_APP_PASSWORDS, p, 1, &rows) != 0)
        return -1;
    json_t *meta = NULL;
    if (rows.nrows == 1 && db_cell(&rows, 0, 0)) {
        const char *err;
        meta = php_unserialize(db_cell(&rows, 0, 0), db_cell_len(&rows, 0, 0), &err);
    }
    db_rows_free(&rows);
    size_t idx;
    const char *k;
    json_t *e;
    if (json_is_array(meta)) {
        json_array_foreach(meta, idx, e) add_hash(j, e);
    } else if (json_is_object(meta)) {
        json_object_foreach(meta, k, e) add_hash(j, e);
    }
    json_decref(meta);
    return 0;
}

static int db_down(struct http_call *call, struct job *j)
{
    job_free(j);
    http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
    return -1;
}

static void refuse_malformed(struct http_call *call, app_password_done_fn done_fn)
{
    struct credential_attempt a = {.kind = "application_password", .malformed = true};
    done_fn(call, &a);
}

int app_password_check(struct http_call *call, const char *b64, size_t len, app_password_done_fn done_fn)
{
    /* user:password, standard base64 */
    size_t cap = len / 4 * 3 + 3;
    if (len == 0 || len % 4 != 0 || cap > LIMIT_PASSWORD_BYTES + 256) {
        refuse_malformed(call, done_fn);
        return 0;
    }
    unsigned char *raw = malloc(cap + 1);
    if (raw == NULL)
        abort();
    int n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)len);
    if (n >= 0 && len >= 1 && b64[len - 1] == '=')
        n--;
    if (n >= 0 && len >= 2 && b64[len - 2] == '=')
        n--;
    const char *colon = n > 0 ? memchr(raw, ':', (size_t)n) : NULL;
    if (colon == NULL || memchr(raw, '\0', (size_t)n) != NULL) {
        OPENSSL_cleanse(raw, cap + 1);
        free(raw);
        refuse_malformed(call, done_fn);
        return 0;
    }
    const char *user = (const char *)raw;
    size_t ulen = (size_t)(colon - user), plen = (size_t)n - ulen - 1;
    struct job *j = calloc(1, sizeof *j);
    if (j == NULL)
        abort();
    j->done = done_fn;
    j->att.kind = "application_password";
    credential_cache_mac((const char *)raw, (size_t)n, j->mac);
    uint64_t cached = credential_cache_get(&cache, j->mac);
    if (cached != 0) {
        OPENSSL_cleanse(raw, cap + 1);
        free(raw);
        struct credential_attempt a = j->att;
        job_free(j);
        a.user_id = a.owner_id = cached;
        a.cached = true;
        snprintf(a.user_key, sizeof a.user_key, "%llu", (unsigned long long)cached);
        done_fn(call, &a);
        return 0;
    }
    j->password = malloc(plen + 1);
    if (j->password == NULL)
        abort();
    j->plen = wp_app_password_normalize(colon + 1, plen, j->password);
    struct db *db = daemon_db_or_reply(call);
    struct store_options opts;
    struct store_user u;
    int found = 0;
    if (db == NULL) {
        OPENSSL_cleanse(raw, cap + 1);
        free(raw);
        job_free(j);
        return -1;
    }
    if (store_options_load(db, &opts) != 0 ||
        (opts.app_passwords_in_use && ulen > 0 && ulen <= 100 &&
         (found = store_user_find(db, user, ulen, &u)) < 0)) {
        OPENSSL_cleanse(raw, cap + 1);
        free(raw);
        return db_down(call, j);
    }
    /* the lockout subject, as authd's sign-in names it: the user ID, or the login as typed, lower-cased */
    if (found == 1) {
        j->att.owner_id = u.id;
        snprintf(j->att.user_key, sizeof j->att.user_key, "%llu", (unsigned long long)u.id);
    } else {
        size_t k = ulen < sizeof j->att.user_key - 1 ? ulen : sizeof j->att.user_key - 1;
        for (size_t i = 0; i < k; i++)
            j->att.user_key[i] = (char)((user[i] >= 'A' && user[i] <= 'Z') ? user[i] + 32 : user[i]);
        j->att.user_key[k] = '\0';
    }
    OPENSSL_cleanse(raw, cap + 1);
    free(raw);
    if (credential_lockout_check_or_reply(call, db, &j->att) != 0) {
        job_free(j);
        return -1;
    }
    if (opts.app_passwords_in_use && found == 1) {
        json_t *caps = store_user_capabilities(db, u.id);
        bool allowed = caps != NULL && store_can(caps, "manage_woocommerce");
        json_decref(caps);
        if (allowed) {
            j->user_id = u.id;
            if (load_hashes(db, j) != 0)
                return db_down(call, j);
        }
    }
    return offload_submit_or_reply(call, work, done, j, job_free) == 0 ? 0 : -1;
}
