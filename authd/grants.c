/*
 * authd/grants.c — the SQL of grants and refresh-token rotation.
 *
 * Owns {p}cartman_grants and {p}cartman_refresh_tokens rows, token generation and hashing, the
 * reuse/grace decision (see the header), and, for a refresh, the manage_woocommerce check and the audit
 * row, because both belong to the refresh's one transaction. Does not: issue access tokens, authenticate
 * clients or choose scopes, or check capabilities when a grant is created (authd/token_endpoint.c does all
 * of that around these calls).
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
#include "common/audit.h"
#include "common/log.h"
#include "common/store.h"

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
    " g.last_used_at IS NULL OR g.last_used_at < UTC_TIMESTAMP() - INTERVAL 60 SECOND,"
    " (SELECT meta_value FROM {p}usermeta WHERE user_id = g.user_id AND meta_key = CONCAT(?, 'capabilities') LIMIT 1)"
    " FROM {p}cartman_grants g STRAIGHT_JOIN {p}cartman_refresh_tokens rt ON rt.token_hash = ? AND rt.grant_id = g.id"
    " LEFT JOIN {p}cartman_refresh_tokens s ON s.token_hash = rt.replaced_by"
    " WHERE g.id = (SELECT grant_id FROM {p}cartman_refresh_tokens WHERE token_hash = ?) FOR UPDATE";
/* The rotation in one statement: the first row inserts the successor; the second names the presented
 * token, whose row exists and is locked by SQL_RT_LOCK, so it always takes the ON DUPLICATE KEY branch and
 * is marked spent (its first rotation time kept, for the grace window) with replaced_by = the successor.
 * 3 affected rows (1 insert + 2 for an update) say exactly that happened. */
static const char SQL_RT_ROTATE[] =
    "INSERT INTO {p}cartman_refresh_tokens (token_hash, grant_id, created_at, expires_at)"
    " VALUES (?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 30 DAY), (?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())"
    " ON DUPLICATE KEY UPDATE rotated_at = COALESCE(rotated_at, UTC_TIMESTAMP()), replaced_by = ?";
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

size_t grants_scope_normalize(const char *src, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && src[i] == ' ')
            i++;
        size_t j = i;
        while (j < len && src[j] != ' ')
            j++;
        if (j > i) {
            if (o)
                out[o++] = ' ';
            memcpy(out + o, src + i, j - i);
            o += j - i;
        }
        i = j;
    }
    out[o] = '\0';
    return o;
}

/* The one audit row of a refresh, written inside its transaction. */
static int audit_refresh(struct db *db, const struct grants_refresh_req *rq, const char *result,
                         const struct grant *g, const char *client_id, const char *reason)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%" PRIu64, g->id);
    json_t *d = reason ? json_pack("{s:s}", "reason", reason) : NULL;
    int rc = audit_write(db, &(struct audit_event){.event = "token.refresh", .result = result, .user_id = g->user_id,
                                                   .client_id = client_id, .ip = rq->ip,
                                                   .object_type = g->id ? "grant" : NULL,
                                                   .object_id = g->id ? oid : NULL, .detail = d});
    json_decref(d);
    return rc;
}

/* Ends a refresh that changes no token: its audit row, then commit. */
static enum grants_refresh_status refused(struct db *db, const struct grants_refresh_req *rq,
                                          enum grants_refresh_status st, const struct grant *g, const char *client_id,
                                          const char *reason)
{
    if (audit_refresh(db, rq, "denied", g, client_id, reason) != 0 || db_commit(db) != 0) {
        log_error("grants: refresh failed: %s", db_error(db));
        db_rollback(db);
        return GRANTS_ERROR;
    }
    return st;
}

/* Revokes the grant locked by this transaction and spends its tokens, with the audit row; commits. */
static enum grants_refresh_status revoke_locked(struct db *db, const struct grants_refresh_req *rq,
                                                enum grants_refresh_status st, const struct grant *g,
                                                const char *revoked_reason, const char *audit_reason)
{
    struct db_value rp[] = {DB_STR(revoked_reason), DB_UINT(g->id)};
    struct db_value ap[] = {DB_UINT(g->id)};
    if (db_exec(db, SQL_GRANT_REVOKE, rp, 2, NULL) != 0 || db_exec(db, SQL_RT_SPEND_ALL, ap, 1, NULL) != 0) {
        log_error("grants: refresh failed: %s", db_error(db));
        db_rollback(db);
        return GRANTS_ERROR;
    }
    return refused(db, rq, st, g, g->client_id, audit_reason);
}

enum grants_refresh_status grants_refresh(struct db *db, const struct grants_refresh_req *rq, struct grant *out,
                                          char refresh[GRANTS_TOKEN_BUF])
{
    char hash[65], new_hash[65], replaced_by[65] = "";
    memset(out, 0, sizeof *out);
    grants_token_hash(rq->token, rq->len, hash);
    if (db_begin(db) != 0)
        return GRANTS_ERROR;
    struct db_value p[] = {DB_STR(db_prefix(db)), DB_STRN(hash, 64), DB_STRN(hash, 64)};
    struct db_rows rows;
    if (db_query(db, SQL_RT_LOCK, p, 3, &rows) != 0)
        goto error;
    if (rows.nrows != 1) {
        db_rows_free(&rows);
        return refused(db, rq, GRANTS_INVALID, out, rq->client_id, "unknown_or_expired");
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

    if (strcmp(out->client_id, rq->client_id) != 0) {
        db_rows_free(&rows);
        return refused(db, rq, GRANTS_WRONG_CLIENT, out, rq->client_id, "wrong_client");
    }
    if (revoked || !live) {
        db_rows_free(&rows);
        return refused(db, rq, GRANTS_INVALID, out, rq->client_id, "unknown_or_expired");
    }
    if (rotated && (since > GRANTS_REUSE_GRACE_S || !successor_unused || replaced_by[0] == '\0')) {
        db_rows_free(&rows);
        return revoke_locked(db, rq, GRANTS_REUSE_REVOKED, out, "refresh_token_reuse", "reuse_grant_revoked");
    }
    if (rq->narrow != NULL && !grants_scope_subset(rq->narrow, rq->narrow_len, out->scope)) {
        db_rows_free(&rows);
        db_rollback(db);
        return GRANTS_BAD_SCOPE;
    }
    /* the user's {prefix}capabilities, read by the same statement (not locked: WordPress owns that row) */
    int may = store_meta_can(db, db_cell(&rows, 0, 12), db_cell_len(&rows, 0, 12), "manage_woocommerce");
    db_rows_free(&rows);
    if (may < 0) {
        log_error("grants: cannot read the capabilities of user %" PRIu64, out->user_id);
        db_rollback(db);
        return GRANTS_ERROR;
    }
    if (may == 0)
        return revoke_locked(db, rq, GRANTS_USER_DENIED, out, "user_lost_capability", "not_shop_manager");
    enum grants_refresh_status st = GRANTS_ROTATED;
    if (rotated) {
        st = GRANTS_GRACE;
        struct db_value sp[] = {DB_STR(replaced_by)};
        if (db_exec(db, SQL_RT_SUPERSEDE, sp, 1, NULL) != 0)
            goto error;
    }
    if (grants_new_token(refresh, new_hash) != 0)
        goto error;
    struct db_value rp[] = {DB_STRN(new_hash, 64), DB_UINT(out->id), DB_STRN(hash, 64), DB_UINT(out->id),
                            DB_STRN(new_hash, 64)};
    struct db_value tp[] = {DB_UINT(out->id)};
    struct db_exec_result r = {0};
    if (db_exec(db, SQL_RT_ROTATE, rp, 5, &r) == 0 && r.affected != 3) {
        log_error("grants: the rotation of grant %" PRIu64 " changed %llu rows, not 3", out->id, r.affected);
        OPENSSL_cleanse(refresh, GRANTS_TOKEN_BUF);
        db_rollback(db);
        return GRANTS_ERROR;
    }
    if (r.affected != 3 || (touch && db_exec(db, SQL_GRANT_TOUCH, tp, 1, NULL) != 0) ||
        audit_refresh(db, rq, "ok", out, out->client_id, st == GRANTS_GRACE ? "grace_retry" : NULL) != 0 ||
        db_commit(db) != 0) {
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
