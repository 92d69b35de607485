/*
 * authd/grants.c — the SQL of grants and refresh-token rotation.
 *
 * Owns {p}cartman_grants and {p}cartman_refresh_tokens rows, token generation and hashing, and the
 * reuse/grace decision (see the header). Does not: issue access tokens, check clients or scopes, or
 * check the user's capabilities (authd/token_endpoint.c does all of that around these calls).
 * Times are the database's UTC clock, so instances agree on expiry and on the grace window.
 */
#include "authd/grants.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "authd/signing.h"
#include "common/log.h"

static const char SQL_GRANT_INSERT[] =
    "INSERT INTO {p}cartman_grants (user_id, client_id, scope, grant_type, created_ip, created_at, last_used_at)"
    " VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())";
static const char SQL_RT_INSERT[] =
    "INSERT INTO {p}cartman_refresh_tokens (token_hash, grant_id, created_at, expires_at)"
    " VALUES (?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 30 DAY)";
static const char SQL_RT_LOCK[] =
    "SELECT rt.grant_id, rt.rotated_at IS NOT NULL, rt.expires_at > UTC_TIMESTAMP(),"
    " COALESCE(TIMESTAMPDIFF(SECOND, rt.rotated_at, UTC_TIMESTAMP()), 0), rt.replaced_by,"
    " g.user_id, g.client_id, g.scope, g.revoked_at IS NOT NULL, s.token_hash IS NOT NULL AND s.rotated_at IS NULL,"
    " UNIX_TIMESTAMP(g.created_at),"
    " g.last_used_at IS NULL OR g.last_used_at < UTC_TIMESTAMP() - INTERVAL 60 SECOND"
    " FROM {p}cartman_refresh_tokens rt JOIN {p}cartman_grants g ON g.id = rt.grant_id"
    " LEFT JOIN {p}cartman_refresh_tokens s ON s.token_hash = rt.replaced_by"
    " WHERE rt.token_hash = ? FOR UPDATE";
static const char SQL_RT_SPEND[] =
    "UPDATE {p}cartman_refresh_tokens SET rotated_at = COALESCE(rotated_at, UTC_TIMESTAMP()), replaced_by = ?"
    " WHERE token_hash = ?";
static const char SQL_RT_SUPERSEDE[] =
    "UPDATE {p}cartman_refresh_tokens SET rotated_at = UTC_TIMESTAMP(), replaced_by = '' WHERE token_hash = ?";
static const char SQL_GRANT_TOUCH[] =
    "UPDATE {p}cartman_grants SET last_used_at = UTC_TIMESTAMP() WHERE id = ?"
    " AND last_used_at < UTC_TIMESTAMP() - INTERVAL 60 SECOND";
static const char SQL_GRANT_REVOKE[] =
    "UPDATE {p}cartman_grants SET revoked_at = UTC_TIMESTAMP(), revoked_reason = ? WHERE id = ? AND revoked_at IS NULL";
static const char SQL_RT_SPEND_ALL[] =
    "UPDATE {p}cartman_refresh_tokens SET rotated_at = UTC_TIMESTAMP(), replaced_by = COALESCE(replaced_by, '')"
    " WHERE grant_id = ? AND rotated_at IS NULL";
static const char SQL_RT_FIND[] =
    "SELECT g.id, g.user_id, g.client_id, g.scope, UNIX_TIMESTAMP(g.created_at),"
    " rt.rotated_at IS NULL AND rt.expires_at > UTC_TIMESTAMP() AND g.revoked_at IS NULL, UNIX_TIMESTAMP(rt.expires_at)"
    " FROM {p}cartman_refresh_tokens rt JOIN {p}cartman_grants g ON g.id = rt.grant_id WHERE rt.token_hash = ?";
static const char SQL_GRANT_LOAD[] =
    "SELECT id, user_id, client_id, scope, UNIX_TIMESTAMP(created_at), revoked_at IS NOT NULL"
    " FROM {p}cartman_grants WHERE id = ?";

static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void grants_token_hash(const char *token, size_t len, char hash[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (EVP_Digest(token, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        abort(); /* SHA-256 does not fail */
    hex(md, 32, hash);
}

int grants_new_token(char token[GRANTS_TOKEN_BUF], char hash[65])
{
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return -1;
    size_t n = signing_base64url(raw, sizeof raw, token, GRANTS_TOKEN_BUF);
    OPENSSL_cleanse(raw, sizeof raw);
    if (n != GRANTS_TOKEN_CHARS)
        return -1;
    grants_token_hash(token, n, hash);
    return 0;
}

static void copy_cell(char *dst, size_t cap, const struct db_rows *r, size_t row, size_t col)
{
    const char *v = db_cell(r, row, col);
    snprintf(dst, cap, "%s", v ? v : "");
}

static uint64_t cell_u64(const struct db_rows *r, size_t row, size_t col)
{
    const char *v = db_cell(r, row, col);
    return v ? strtoull(v, NULL, 10) : 0;
}

static bool cell_true(const struct db_rows *r, size_t row, size_t col)
{
    const char *v = db_cell(r, row, col);
    return v && v[0] == '1';
}

int grants_create(struct db *db, uint64_t user_id, const char *client_id, const char *scope, const char *grant_type,
                  const char *ip, struct grant *out, char refresh[GRANTS_TOKEN_BUF])
{
    char hash[65];
    memset(out, 0, sizeof *out);
    if (grants_new_token(refresh, hash) != 0)
        return -1;
    struct db_value gp[] = {DB_UINT(user_id), DB_STR(client_id), DB_STR(scope), DB_STR(grant_type),
                            ip && *ip ? DB_STR(ip) : DB_NULLV};
    struct db_exec_result r;
    if (db_begin(db) != 0)
        goto fail;
    if (db_exec(db, SQL_GRANT_INSERT, gp, 5, &r) != 0)
        goto rollback;
    struct db_value tp[] = {DB_STRN(hash, 64), DB_UINT(r.insert_id)};
    if (db_exec(db, SQL_RT_INSERT, tp, 2, NULL) != 0 || db_commit(db) != 0)
        goto rollback;
    out->id = r.insert_id;
    out->user_id = user_id;
    snprintf(out->client_id, sizeof out->client_id, "%s", client_id);
    snprintf(out->scope, sizeof out->scope, "%s", scope);
    return 0;
rollback:
    db_rollback(db);
fail:
    log_error("grants: cannot create a grant: %s", db_error(db));
    OPENSSL_cleanse(refresh, GRANTS_TOKEN_BUF);
    return -1;
}

bool grants_scope_subset(const char *want, size_t wlen, const char *have)
{
    size_t hlen = strlen(have);
    for (size_t i = 0; i < wlen;) {
        while (i < wlen && want[i] == ' ')
            i++;
        size_t j = i;
        while (j < wlen && want[j] != ' ')
            j++;
        if (j > i) {
            bool found = false;
            for (size_t a = 0; a < hlen && !found;) {
                size_t b = a;
                while (b < hlen && have[b] != ' ')
                    b++;
                found = b - a == j - i && memcmp(have + a, want + i, j - i) == 0;
                a = b + 1;
            }
            if (!found)
                return false;
        }
        i = j;
    }
    return true;
}

enum grants_refresh_status grants_refresh(struct db *db, const char *token, size_t len, const char *client_id,
                                          const char *narrow, size_t narrow_len, struct grant *out,
                                          char refresh[GRANTS_TOKEN_BUF])
{
    char hash[65], new_hash[65], replaced_by[65] = "";
    memset(out, 0, sizeof *out);
    grants_token_hash(token, len, hash);
    if (db_begin(db) != 0)
        return GRANTS_ERROR;
    struct db_value p[] = {DB_STRN(hash, 64)};
    struct db_rows rows;
    if (db_query(db, SQL_RT_LOCK, p, 1, &rows) != 0)
        goto error;
    if (rows.nrows != 1) {
        db_rows_free(&rows);
        db_rollback(db);
        return GRANTS_INVALID;
    }
    out->id = cell_u64(&rows, 0, 0);
    bool rotated = cell_true(&rows, 0, 1), live = cell_true(&rows, 0, 2);
    long long since = strtoll(db_cell(&rows, 0, 3) ? db_cell(&rows, 0, 3) : "0", NULL, 10);
    copy_cell(replaced_by, sizeof replaced_by, &rows, 0, 4);
    out->user_id = cell_u64(&rows, 0, 5);
    copy_cell(out->client_id, sizeof out->client_id, &rows, 0, 6);
    copy_cell(out->scope, sizeof out->scope, &rows, 0, 7);
    bool revoked = cell_true(&rows, 0, 8), successor_unused = cell_true(&rows, 0, 9);
    out->created = (int64_t)cell_u64(&rows, 0, 10);
    bool touch = cell_true(&rows, 0, 11); /* last_used_at is kept to the minute: skip the UPDATE otherwise */
    db_rows_free(&rows);

    if (strcmp(out->client_id, client_id) != 0) {
        db_rollback(db);
        return GRANTS_WRONG_CLIENT;
    }
    if (revoked || !live) {
        db_rollback(db);
        return GRANTS_INVALID;
    }
    enum grants_refresh_status st = GRANTS_ROTATED;
    if (rotated) {
        if (since > GRANTS_REUSE_GRACE_S || !successor_unused || replaced_by[0] == '\0') {
            struct db_value rp[] = {DB_STR("refresh_token_reuse"), DB_UINT(out->id)};
            struct db_value ap[] = {DB_UINT(out->id)};
            if (db_exec(db, SQL_GRANT_REVOKE, rp, 2, NULL) != 0 || db_exec(db, SQL_RT_SPEND_ALL, ap, 1, NULL) != 0 ||
                db_commit(db) != 0)
                goto error;
            return GRANTS_REUSE_REVOKED;
        }
    }
    if (narrow != NULL && !grants_scope_subset(narrow, narrow_len, out->scope)) {
        db_rollback(db);
        return GRANTS_BAD_SCOPE;
    }
    if (rotated) {
        st = GRANTS_GRACE;
        struct db_value sp[] = {DB_STR(replaced_by)};
        if (db_exec(db, SQL_RT_SUPERSEDE, sp, 1, NULL) != 0)
            goto error;
    }
    if (grants_new_token(refresh, new_hash) != 0)
        goto error;
    struct db_value ip[] = {DB_STRN(new_hash, 64), DB_UINT(out->id)};
    struct db_value up[] = {DB_STRN(new_hash, 64), DB_STRN(hash, 64)};
    struct db_value tp[] = {DB_UINT(out->id)};
    if (db_exec(db, SQL_RT_INSERT, ip, 2, NULL) != 0 || db_exec(db, SQL_RT_SPEND, up, 2, NULL) != 0 ||
        (touch && db_exec(db, SQL_GRANT_TOUCH, tp, 1, NULL) != 0) || db_commit(db) != 0) {
        OPENSSL_cleanse(refresh, GRANTS_TOKEN_BUF);
        goto error;
    }
    return st;
error:
    log_error("grants: refresh failed: %s", db_error(db));
    db_rollback(db);
    return GRANTS_ERROR;
}

int grants_find_refresh(struct db *db, const char *token, size_t len, struct grant *out, bool *active, int64_t *exp)
{
    char hash[65];
    memset(out, 0, sizeof *out);
    *active = false;
    *exp = 0;
    grants_token_hash(token, len, hash);
    struct db_value p[] = {DB_STRN(hash, 64)};
    struct db_rows rows;
    if (db_query(db, SQL_RT_FIND, p, 1, &rows) != 0)
        return -1;
    int found = rows.nrows == 1;
    if (found) {
        out->id = cell_u64(&rows, 0, 0);
        out->user_id = cell_u64(&rows, 0, 1);
        copy_cell(out->client_id, sizeof out->client_id, &rows, 0, 2);
        copy_cell(out->scope, sizeof out->scope, &rows, 0, 3);
        out->created = (int64_t)cell_u64(&rows, 0, 4);
        *active = cell_true(&rows, 0, 5);
        *exp = (int64_t)cell_u64(&rows, 0, 6);
    }
    db_rows_free(&rows);
    return found;
}

int grants_load(struct db *db, uint64_t id, struct grant *out, bool *revoked)
{
    memset(out, 0, sizeof *out);
    struct db_value p[] = {DB_UINT(id)};
    struct db_rows rows;
    if (db_query(db, SQL_GRANT_LOAD, p, 1, &rows) != 0)
        return -1;
    int found = rows.nrows == 1;
    if (found) {
        out->id = cell_u64(&rows, 0, 0);
        out->user_id = cell_u64(&rows, 0, 1);
        copy_cell(out->client_id, sizeof out->client_id, &rows, 0, 2);
        copy_cell(out->scope, sizeof out->scope, &rows, 0, 3);
        out->created = (int64_t)cell_u64(&rows, 0, 4);
        *revoked = cell_true(&rows, 0, 5);
    }
    db_rows_free(&rows);
    return found;
}

int grants_revoke(struct db *db, uint64_t id, const char *reason)
{
    struct db_value rp[] = {DB_STR(reason), DB_UINT(id)};
    struct db_value ap[] = {DB_UINT(id)};
    struct db_exec_result r;
    if (db_begin(db) != 0)
        return -1;
    if (db_exec(db, SQL_GRANT_REVOKE, rp, 2, &r) != 0 || db_exec(db, SQL_RT_SPEND_ALL, ap, 1, NULL) != 0 ||
        db_commit(db) != 0) {
        log_error("grants: cannot revoke grant %" PRIu64 ": %s", id, db_error(db));
        db_rollback(db);
        return -1;
    }
    return r.affected > 0 ? 1 : 0;
}
