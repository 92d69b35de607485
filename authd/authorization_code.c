/*
 * authd/authorization_code.c — authorization codes: creation on approval and the code exchange.
 *
 * Owns: the {p}cartman_auth_codes rows, PKCE S256 verification, single use and replay handling (a
 * replay revokes the grant the code produced).
 * Deliberately does not: the browser pages and the pending requests (authd/authorize.c), client
 * authentication and the token response (authd/token_endpoint.c answers through
 * token_endpoint_respond / token_endpoint_error), the grant and refresh-token rows (authd/grants.c).
 *
 * The exchange claims the code with one UPDATE … WHERE used_at IS NULL before looking at it, so two
 * concurrent exchanges cannot both succeed. A replay that lands between the claim and the moment the
 * grant id is written to the code row finds no grant to revoke yet: it marks the row (grant_id = 0)
 * instead, and the first exchange, whose write of its grant id then changes nothing, revokes the grant
 * it just made and answers invalid_grant. So a replayed code never leaves live tokens behind.
 */
#include "authd/authorization_code.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "authd/signing.h"
#include "authd/token_endpoint.h"
#include "common/audit.h"
#include "common/http_reply.h"
#include "common/log.h"
#include "common/store.h"

static const char SQL_INSERT[] =
    "INSERT INTO {p}cartman_auth_codes (code_hash, client_id, user_id, redirect_uri, scope, code_challenge,"
    " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL ? SECOND)";
static const char SQL_PURGE[] =
    "DELETE FROM {p}cartman_auth_codes WHERE expires_at < UTC_TIMESTAMP() - INTERVAL 1 DAY LIMIT 100";
static const char SQL_CLAIM[] =
    "UPDATE {p}cartman_auth_codes SET used_at = UTC_TIMESTAMP() WHERE code_hash = ? AND used_at IS NULL";
static const char SQL_LOAD[] =
    "SELECT client_id, user_id, redirect_uri, scope, code_challenge, grant_id, expires_at > UTC_TIMESTAMP()"
    " FROM {p}cartman_auth_codes WHERE code_hash = ?";
static const char SQL_SET_GRANT[] =
    "UPDATE {p}cartman_auth_codes SET grant_id = ? WHERE code_hash = ? AND grant_id IS NULL";
static const char SQL_MARK_REPLAY[] =
    "UPDATE {p}cartman_auth_codes SET grant_id = 0 WHERE code_hash = ? AND grant_id IS NULL";

int authorization_code_create(struct db *db, const char *client_id, uint64_t user_id, const char *redirect_uri,
                              const char *scope, const char *code_challenge, char code[GRANTS_TOKEN_BUF])
{
    char hash[65];
    if (grants_new_token(code, hash) != 0)
        return -1;
    db_exec(db, SQL_PURGE, NULL, 0, NULL);
    struct db_value p[] = {DB_STRN(hash, 64),        DB_STR(client_id),    DB_UINT(user_id),
                           DB_STR(redirect_uri),     DB_STR(scope),        DB_STR(code_challenge),
                           DB_INT(AUTHORIZATION_CODE_LIFE_S)};
    if (db_exec(db, SQL_INSERT, p, 7, NULL) != 0) {
        OPENSSL_cleanse(code, GRANTS_TOKEN_BUF);
        return -1;
    }
    return 0;
}

bool authorization_code_pkce_chars_ok(const char *s, size_t len, bool allow_dot_tilde)
{
    if (s == NULL || len < 43 || len > 128)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
            continue;
        if (allow_dot_tilde && (c == '.' || c == '~'))
            continue;
        return false;
    }
    return true;
}

static const char *field(const struct form_field *f, size_t n, const char *name, size_t *len)
{
    const struct form_field *x = form_find(f, n, name);
    if (x == NULL)
        return NULL;
    *len = x->value_len;
    return x->value;
}

static void audit_code(struct db *db, const char *result, uint64_t user_id, const char *client_id, const char *ip,
                       uint64_t grant_id, const char *reason)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%" PRIu64, grant_id);
    json_t *d = reason ? json_pack("{s:s}", "reason", reason) : NULL;
    audit_write(db, &(struct audit_event){.event = "token.authorization_code", .result = result, .user_id = user_id,
                                          .client_id = client_id, .ip = ip, .object_type = grant_id ? "grant" : NULL,
                                          .object_id = grant_id ? oid : NULL, .detail = d});
    json_decref(d);
}

static bool pkce_s256_ok(const char *verifier, size_t vlen, const char *challenge)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    char b64[48];
    if (EVP_Digest(verifier, vlen, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return false;
    size_t n = signing_base64url(md, 32, b64, sizeof b64);
    return n == 43 && strlen(challenge) == 43 && CRYPTO_memcmp(b64, challenge, 43) == 0;
}

enum authorization_code_status authorization_code_exchange(struct db *db, const struct authorization_code_req *rq,
                                                           struct grant *out, char refresh[GRANTS_TOKEN_BUF])
{
    memset(out, 0, sizeof *out);
    char hash[65];
    grants_token_hash(rq->code, rq->code_len, hash);
    struct db_value hp[] = {DB_STRN(hash, 64)};
    struct db_exec_result claim;
    struct db_rows rows;
    if (db_exec(db, SQL_CLAIM, hp, 1, &claim) != 0 || db_query(db, SQL_LOAD, hp, 1, &rows) != 0)
        return AUTHORIZATION_CODE_ERROR;
    if (rows.nrows != 1) {
        db_rows_free(&rows);
        audit_code(db, "denied", 0, rq->client_id, rq->ip, 0, "unknown_code");
        return AUTHORIZATION_CODE_INVALID;
    }
    char code_client[CLIENTS_ID_BYTES], redirect_uri[2001], scope[501], challenge[129];
    snprintf(code_client, sizeof code_client, "%s", db_cell(&rows, 0, 0) ? db_cell(&rows, 0, 0) : "");
    uint64_t user_id = db_cell(&rows, 0, 1) ? strtoull(db_cell(&rows, 0, 1), NULL, 10) : 0;
    snprintf(redirect_uri, sizeof redirect_uri, "%s", db_cell(&rows, 0, 2) ? db_cell(&rows, 0, 2) : "");
    snprintf(scope, sizeof scope, "%s", db_cell(&rows, 0, 3) ? db_cell(&rows, 0, 3) : "");
    snprintf(challenge, sizeof challenge, "%s", db_cell(&rows, 0, 4) ? db_cell(&rows, 0, 4) : "");
    uint64_t grant_id = db_cell(&rows, 0, 5) ? strtoull(db_cell(&rows, 0, 5), NULL, 10) : 0;
    bool live = db_cell(&rows, 0, 6) && db_cell(&rows, 0, 6)[0] == '1';
    db_rows_free(&rows);

    if (claim.affected != 1) {
        /* used before: a replay. Whatever the first exchange issued is no longer trustworthy. */
        if (grant_id != 0)
            grants_revoke(db, grant_id, "code_replay");
        else
            db_exec(db, SQL_MARK_REPLAY, hp, 1, NULL); /* the first exchange is still under way */
        audit_code(db, "denied", user_id, rq->client_id, rq->ip, grant_id, "code_replay_grant_revoked");
        out->id = grant_id;
        return AUTHORIZATION_CODE_REPLAY;
    }
    const char *reason = NULL;
    if (!live)
        reason = "expired";
    else if (strcmp(code_client, rq->client_id) != 0)
        reason = "wrong_client";
    else if (strlen(redirect_uri) != rq->redirect_len || memcmp(redirect_uri, rq->redirect_uri, rq->redirect_len) != 0)
        reason = "redirect_uri_mismatch";
    else if (!pkce_s256_ok(rq->verifier, rq->verifier_len, challenge))
        reason = "pkce_mismatch";
    if (reason != NULL) {
        audit_code(db, "denied", user_id, rq->client_id, rq->ip, 0, reason);
        return AUTHORIZATION_CODE_INVALID;
    }
    json_t *caps = store_user_capabilities(db, user_id);
    if (caps == NULL)
        return AUTHORIZATION_CODE_ERROR;
    bool may = store_can(caps, "manage_woocommerce");
    json_decref(caps);
    if (!may) {
        audit_code(db, "denied", user_id, rq->client_id, rq->ip, 0, "not_shop_manager");
        return AUTHORIZATION_CODE_USER_DENIED;
    }
    if (grants_create(db, user_id, rq->client_id, scope, "authorization_code", rq->ip, out, refresh) != 0)
        return AUTHORIZATION_CODE_ERROR;
    struct db_value gp[] = {DB_UINT(out->id), DB_STRN(hash, 64)};
    struct db_exec_result set = {0};
    if (db_exec(db, SQL_SET_GRANT, gp, 2, &set) != 0) {
        log_warn("authorization code: cannot record grant %" PRIu64 " on its code", out->id);
    } else if (set.affected != 1) { /* replayed while we were issuing: these tokens must not leave */
        OPENSSL_cleanse(refresh, GRANTS_TOKEN_BUF);
        grants_revoke(db, out->id, "code_replay");
        audit_code(db, "denied", user_id, rq->client_id, rq->ip, out->id, "code_replay_grant_revoked");
        return AUTHORIZATION_CODE_REPLAY;
    }
    audit_code(db, "ok", user_id, rq->client_id, rq->ip, out->id, NULL);
    return AUTHORIZATION_CODE_OK;
}

void authorization_code_grant(struct http_call *call, struct db *db, const struct client *client,
                              const struct form_field *f, size_t n)
{
    size_t clen = 0, rlen = 0, vlen = 0;
    const char *code = field(f, n, "code", &clen);
    const char *redirect = field(f, n, "redirect_uri", &rlen);
    const char *verifier = field(f, n, "code_verifier", &vlen);
    if (code == NULL || clen == 0) {
        token_endpoint_error(call, 400, "invalid_request", "code is required.");
        return;
    }
    if (redirect == NULL || rlen == 0) {
        token_endpoint_error(call, 400, "invalid_request", "redirect_uri is required.");
        return;
    }
    if (verifier == NULL) {
        token_endpoint_error(call, 400, "invalid_request", "code_verifier is required (PKCE).");
        return;
    }
    if (!authorization_code_pkce_chars_ok(verifier, vlen, true)) {
        token_endpoint_error(call, 400, "invalid_request", "code_verifier must be 43 to 128 unreserved characters.");
        return;
    }
    if (clen > LIMIT_TOKEN_BYTES) {
        token_endpoint_error(call, 400, "invalid_grant", "The authorization code is not valid.");
        return;
    }
    struct authorization_code_req rq = {.client_id = client->client_id, .code = code, .code_len = clen,
                                        .redirect_uri = redirect, .redirect_len = rlen, .verifier = verifier,
                                        .verifier_len = vlen, .ip = http_client_addr(call)};
    struct grant g;
    char refresh[GRANTS_TOKEN_BUF];
    switch (authorization_code_exchange(db, &rq, &g, refresh)) {
    case AUTHORIZATION_CODE_OK:
        token_endpoint_respond(call, &g, g.scope, refresh);
        OPENSSL_cleanse(refresh, sizeof refresh);
        return;
    case AUTHORIZATION_CODE_USER_DENIED:
        token_endpoint_error(call, 400, "invalid_grant", "This account may not manage the store (manage_woocommerce).");
        return;
    case AUTHORIZATION_CODE_ERROR:
        http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
        return;
    case AUTHORIZATION_CODE_INVALID:
    case AUTHORIZATION_CODE_REPLAY:
    default:
        token_endpoint_error(call, 400, "invalid_grant", "The authorization code is not valid.");
        return;
    }
}
