/*
 * authd/sessions.c — browser sessions: cookies, the sessions table and CSRF tokens.
 *
 * Owns: reading and setting the session and sign-in CSRF cookies, creating, finding (with idle and
 * absolute expiry) and deleting session rows, deriving each session's CSRF token from its id, and the
 * constant-time CSRF checks.
 * Deliberately does not: verify passwords or decide who may sign in (authd/authorize.c), render pages,
 * or keep anything in memory: every instance sees the same sessions through the database.
 */
#include "authd/sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "authd/grants.h"
#include "authd/signing.h"
#include "common/http_reply.h"
#include "common/log.h"

static const char SQL_FIND[] =
    "SELECT user_id FROM {p}cartman_sessions WHERE id_hash = ? AND expires_at > UTC_TIMESTAMP()"
    " AND last_seen_at > UTC_TIMESTAMP() - INTERVAL ? SECOND";
static const char SQL_TOUCH[] = "UPDATE {p}cartman_sessions SET last_seen_at = UTC_TIMESTAMP() WHERE id_hash = ?";
/* no CSRF token column: the token is derived from the session id (derive_csrf), never stored */
static const char SQL_INSERT[] =
    "INSERT INTO {p}cartman_sessions (id_hash, user_id, ip, created_at, last_seen_at, expires_at)"
    " VALUES (?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL ? SECOND)";
static const char SQL_DELETE[] = "DELETE FROM {p}cartman_sessions WHERE id_hash = ?";
static const char SQL_PURGE[] =
    "DELETE FROM {p}cartman_sessions WHERE expires_at < UTC_TIMESTAMP() OR last_seen_at < UTC_TIMESTAMP() - INTERVAL ? SECOND"
    " LIMIT 100";

static bool is_token(const char *s, size_t len)
{
    if (len != GRANTS_TOKEN_CHARS)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* The session's CSRF token: base64url(HMAC-SHA256(key: the session id the browser holds, a fixed label)).
 * The database holds only SHA-256 of that id, so whoever reads it can neither find nor forge the token. */
static int derive_csrf(const char *id, size_t len, char out[SESSIONS_TOKEN_BUF])
{
    static const char label[] = "cartman session csrf v1";
    unsigned char mac[32];
    unsigned int n = 0;
    if (HMAC(EVP_sha256(), id, (int)len, (const unsigned char *)label, sizeof label - 1, mac, &n) == NULL || n != 32)
        return -1;
    size_t w = signing_base64url(mac, sizeof mac, out, SESSIONS_TOKEN_BUF);
    OPENSSL_cleanse(mac, sizeof mac);
    return w == GRANTS_TOKEN_CHARS ? 0 : -1;
}

const char *sessions_cookie(struct http_call *call, const char *name, size_t *len)
{
    size_t nlen = strlen(name);
    for (size_t h = 0; h < call->req->headers.size; h++) {
        const h2o_header_t *hd = call->req->headers.entries + h;
        if (hd->name != &H2O_TOKEN_COOKIE->buf)
            continue;
        const char *p = hd->value.base, *end = p + hd->value.len;
        while (p < end) {
            while (p < end && (*p == ' ' || *p == ';'))
                p++;
            const char *semi = memchr(p, ';', (size_t)(end - p));
            const char *e = semi ? semi : end;
            if ((size_t)(e - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
                *len = (size_t)(e - p - (ptrdiff_t)nlen - 1);
                return p + nlen + 1;
            }
            p = e;
        }
    }
    return NULL;
}

static void set_cookie(struct http_call *call, const char *name, const char *value, const char *samesite, int max_age)
{
    char v[200];
    if (max_age >= 0)
        snprintf(v, sizeof v, "%s=%s; Path=/; Secure; HttpOnly; SameSite=%s; Max-Age=%d", name, value, samesite, max_age);
    else
        snprintf(v, sizeof v, "%s=%s; Path=/; Secure; HttpOnly; SameSite=%s", name, value, samesite);
    http_reply_add_header(call->req, "set-cookie", v);
}

int sessions_find(struct http_call *call, struct db *db, struct session *out)
{
    size_t len;
    const char *v = sessions_cookie(call, SESSIONS_COOKIE, &len);
    if (v == NULL || !is_token(v, len))
        return 0;
    memset(out, 0, sizeof *out);
    grants_token_hash(v, len, out->id_hash);
    struct db_value p[] = {DB_STRN(out->id_hash, 64), DB_INT(SESSIONS_IDLE_S)};
    struct db_rows rows;
    if (db_query(db, SQL_FIND, p, 2, &rows) != 0)
        return -1;
    int found = 0;
    if (rows.nrows == 1 && db_cell(&rows, 0, 0)) {
        out->user_id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
        found = 1;
    }
    db_rows_free(&rows);
    if (found && derive_csrf(v, len, out->csrf) != 0)
        return -1;
    if (found && db_exec(db, SQL_TOUCH, p, 1, NULL) != 0)
        return -1;
    return found;
}

int sessions_create(struct http_call *call, struct db *db, uint64_t user_id, struct session *out)
{
    char id[GRANTS_TOKEN_BUF];
    memset(out, 0, sizeof *out);
    if (grants_new_token(id, out->id_hash) != 0 || derive_csrf(id, GRANTS_TOKEN_CHARS, out->csrf) != 0) {
        OPENSSL_cleanse(id, sizeof id);
        return -1;
    }
    struct db_value purge[] = {DB_INT(SESSIONS_IDLE_S)};
    db_exec(db, SQL_PURGE, purge, 1, NULL);
    const char *ip = http_client_addr(call);
    struct db_value p[] = {DB_STRN(out->id_hash, 64), DB_UINT(user_id), DB_STR(ip), DB_INT(SESSIONS_ABSOLUTE_S)};
    if (db_exec(db, SQL_INSERT, p, 4, NULL) != 0) {
        OPENSSL_cleanse(id, sizeof id);
        return -1;
    }
    out->user_id = user_id;
    set_cookie(call, SESSIONS_COOKIE, id, "Lax", -1);
    OPENSSL_cleanse(id, sizeof id);
    return 0;
}

int sessions_delete(struct http_call *call, struct db *db, const struct session *s)
{
    struct db_value p[] = {DB_STRN(s->id_hash, 64)};
    set_cookie(call, SESSIONS_COOKIE, "", "Lax", 0);
    return db_exec(db, SQL_DELETE, p, 1, NULL);
}

bool sessions_csrf_ok(const struct session *s, const char *csrf, size_t len)
{
    size_t n = strlen(s->csrf);
    return csrf != NULL && n == GRANTS_TOKEN_CHARS && len == n && CRYPTO_memcmp(csrf, s->csrf, n) == 0;
}

const char *sessions_login_csrf(struct http_call *call)
{
    size_t len;
    const char *v = sessions_cookie(call, SESSIONS_CSRF_COOKIE, &len);
    char *out = h2o_mem_alloc_pool(&call->req->pool, GRANTS_TOKEN_BUF);
    if (v != NULL && is_token(v, len)) {
        memcpy(out, v, len);
        out[len] = '\0';
        return out;
    }
    char hash[65];
    if (grants_new_token(out, hash) != 0)
        return NULL;
    set_cookie(call, SESSIONS_CSRF_COOKIE, out, "Strict", -1);
    return out;
}

bool sessions_login_csrf_ok(struct http_call *call, const char *csrf, size_t len)
{
    size_t clen;
    const char *c = sessions_cookie(call, SESSIONS_CSRF_COOKIE, &clen);
    return c != NULL && csrf != NULL && is_token(c, clen) && len == clen && CRYPTO_memcmp(c, csrf, len) == 0;
}
