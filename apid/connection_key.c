/*
 * apid/connection_key.c — connection keys on apid (apid/connection_key.h).
 *
 * Owns: the key format check (cmk_<id>_<43 base64url>), the row lookup (revoked and expired keys are
 * not usable, by the database clock), the bcrypt check on the offload pool (against a dummy hash when
 * there is no live key, so the time says nothing), the manage_woocommerce requirement and the cache of
 * verified keys, and the lockout check before the bcrypt (the subject is the key's owner when the key
 * id names a row, revoked or not; a malformed key is refused uncounted). Does not: make or revoke keys
 * (authd), check the timestamp, answer 401 or count failures (apid/guard.c), or write last_used_at
 * (the token endpoint does when a key is exchanged).
 */
#include "apid/connection_key.h"

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
#include "common/store.h"
#include "common/wp_password.h"

#define PREFIX "cmk_"
#define SECRET_CHARS 43

/* password_hash("cartman-dummy-connection-key", PASSWORD_BCRYPT), as authd spends it */
static const char DUMMY_HASH[] = "$2y$10$QnHLQObNOFTY92z93LsskO6NeY39zeyl.ELj.X9QPBXnHrcc0pgvO";
static const char SQL_LOAD[] =
    "SELECT user_id, key_hash, (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > UTC_TIMESTAMP()))"
    " FROM {p}cartman_connection_keys WHERE id = ?";

/* ---- the cache ---- */

static struct credential_cache_entry cache_slots[CONNECTION_KEY_CACHE_ENTRIES];
static struct credential_cache cache = {PTHREAD_MUTEX_INITIALIZER, cache_slots, CONNECTION_KEY_CACHE_ENTRIES,
                                        CONNECTION_KEY_CACHE_S};

/* ---- the check ---- */

struct job {
    connection_key_done_fn done;
    struct credential_attempt att;
    unsigned char mac[CREDENTIAL_CACHE_MAC_BYTES];
    uint64_t user_id; /* 0: no live key, or its user may not manage the store */
    char key[LIMIT_CONNECTION_KEY_BYTES + 1];
    size_t len;
    char hash[LIMIT_PASSWORD_HASH_BYTES + 1];
    bool match;
};

static void job_free(void *data)
{
    OPENSSL_cleanse(data, sizeof(struct job));
    free(data);
}

static void work(void *data)
{
    struct job *j = data;
    const char *hash = j->hash[0] ? j->hash : DUMMY_HASH;
    j->match = wp_password_check_bcrypt(j->key, j->len, hash, strlen(hash)) && j->hash[0] && j->user_id != 0;
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

/* The row id of a well-formed key, or 0. */
static uint64_t parse(const char *key, size_t len)
{
    const size_t plen = sizeof PREFIX - 1;
    if (len > LIMIT_CONNECTION_KEY_BYTES || len < plen + 2 + SECRET_CHARS || memcmp(key, PREFIX, plen) != 0)
        return 0;
    uint64_t v = 0;
    size_t i = plen, digits = 0;
    for (; i < len && key[i] >= '0' && key[i] <= '9' && digits < 19; i++, digits++)
        v = v * 10 + (uint64_t)(key[i] - '0');
    if (digits == 0 || i >= len || key[i] != '_' || len - i - 1 != SECRET_CHARS)
        return 0;
    for (size_t k = i + 1; k < len; k++) {
        char c = key[k];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return v;
}

int connection_key_check(struct http_call *call, const char *key, size_t len, connection_key_done_fn done_fn)
{
    struct job *j = calloc(1, sizeof *j);
    if (j == NULL)
        abort();
    j->done = done_fn;
    j->att.kind = "connection_key";
    credential_cache_mac(key, len, j->mac);
    uint64_t cached = credential_cache_get(&cache, j->mac);
    if (cached != 0) {
        struct credential_attempt a = j->att;
        job_free(j);
        a.user_id = a.owner_id = cached;
        a.cached = true;
        snprintf(a.user_key, sizeof a.user_key, "%llu", (unsigned long long)cached);
        done_fn(call, &a);
        return 0;
    }
    uint64_t id = parse(key, len);
    j->att.malformed = id == 0;
    if (id != 0) {
        memcpy(j->key, key, len);
        j->len = len;
        struct db *db = daemon_db_or_reply(call);
        if (db == NULL) {
            job_free(j);
            return -1;
        }
        struct db_value p[] = {DB_UINT(id)};
        struct db_rows rows;
        if (db_query(db, SQL_LOAD, p, 1, &rows) != 0) {
            job_free(j);
            http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
            return -1;
        }
        if (rows.nrows == 1 && db_cell(&rows, 0, 0)) {
            j->att.owner_id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
            snprintf(j->att.user_key, sizeof j->att.user_key, "%llu", (unsigned long long)j->att.owner_id);
        }
        if (rows.nrows == 1 && db_cell(&rows, 0, 0) && db_cell(&rows, 0, 1) && db_cell(&rows, 0, 2) &&
            db_cell(&rows, 0, 2)[0] == '1' && db_cell_len(&rows, 0, 1) < sizeof j->hash) {
            j->user_id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
            memcpy(j->hash, db_cell(&rows, 0, 1), db_cell_len(&rows, 0, 1) + 1);
        }
        db_rows_free(&rows);
        if (credential_lockout_check_or_reply(call, db, &j->att) != 0) {
            job_free(j);
            return -1;
        }
        if (j->user_id != 0) {
            json_t *caps = store_user_capabilities(db, j->user_id);
            if (caps == NULL || !store_can(caps, "manage_woocommerce"))
                j->user_id = 0;
            json_decref(caps);
        }
    }
    /* a malformed key still spends one bcrypt (against the dummy hash) */
    return offload_submit_or_reply(call, work, done, j, job_free) == 0 ? 0 : -1;
}
