/*
 * tests/unit/test_authorization_code.c — authd/authorization_code: the PKCE character rules (table), and
 * against the live test database the code exchange: one row per way a code can be presented (right,
 * another client, another redirect URI, a wrong verifier, expired, unknown, a user without
 * manage_woocommerce), each checked for its status, the grant it made or did not make, the code burnt,
 * and its one audit row; then replays, which revoke what the first exchange issued.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "authd/authorization_code.h"
#include "authd/signing.h"
#include "tests/tap.h"
#include "tests/test_db_env.h"

#define CLIENT "unit-code-client"
#define OTHER "unit-code-other"
#define REDIRECT "cartman://oauth/callback"
#define USER_OK 4260     /* shop_manager */
#define USER_DENIED 4261 /* no {prefix}capabilities row */
#define VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk.~0123456789"

static void test_pkce_chars(void)
{
    static const struct {
        const char *s;
        bool allow_dot_tilde, ok;
    } rows[] = {
        {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", false, true}, /* RFC 7636 appendix B challenge */
        {"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", true, true},  /* … and its verifier */
        {"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX", true, false},  /* 42 characters */
        {"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk.~", true, true},
        {"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk.~", false, false}, /* a challenge is base64url */
        {"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk+", true, false},
        {"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk=", true, false},
        {"dBjftJeZ4CVP mB92K27uhbUJU1p1r_wW1gFWFOEjXk", true, false},
        {"", true, false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        tap_ok(authorization_code_pkce_chars_ok(rows[i].s, strlen(rows[i].s), rows[i].allow_dot_tilde) == rows[i].ok,
               "pkce characters of '%s'%s: %s", rows[i].s, rows[i].allow_dot_tilde ? " (verifier)" : "",
               rows[i].ok ? "ok" : "refused");
    char big[130];
    memset(big, 'a', sizeof big);
    tap_ok(authorization_code_pkce_chars_ok(big, 128, true) && !authorization_code_pkce_chars_ok(big, 129, true),
           "128 characters at most");
    tap_ok(!authorization_code_pkce_chars_ok(NULL, 0, true), "no value");
}

static void s256(const char *verifier, char out[48])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(verifier, strlen(verifier), md, &n, EVP_sha256(), NULL);
    signing_base64url(md, 32, out, 48);
}

static void cleanup(struct db *db)
{
    db_exec_text(db, "DELETE FROM {p}cartman_audit_log WHERE event = 'token.authorization_code'"
                     " AND client_id IN ('" CLIENT "', '" OTHER "')");
    db_exec_text(db, "DELETE FROM {p}cartman_auth_codes WHERE client_id = '" CLIENT "'");
    db_exec_text(db, "DELETE rt FROM {p}cartman_refresh_tokens rt JOIN {p}cartman_grants g ON g.id = rt.grant_id"
                     " WHERE g.client_id = '" CLIENT "'");
    db_exec_text(db, "DELETE FROM {p}cartman_grants WHERE client_id = '" CLIENT "'");
    test_db_set_caps(db, USER_OK, NULL);
}

/* The audit rows of the test clients with this result and reason (NULL: no detail). */
static long long audits(struct db *db, const char *result, const char *reason)
{
    struct db_value p[] = {DB_STR(result), DB_STR(reason ? reason : "")};
    return test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_audit_log WHERE event = 'token.authorization_code'"
                      " AND client_id IN ('" CLIENT "', '" OTHER "') AND result = ? AND ip = '192.0.2.8'"
                      " AND COALESCE(JSON_VALUE(detail, '$.reason'), '') = ?", p, 2);
}

static long long used(struct db *db, const char *code)
{
    char hash[65];
    grants_token_hash(code, strlen(code), hash);
    struct db_value p[] = {DB_STR(hash)};
    return test_db_scalar(db, "SELECT used_at IS NOT NULL FROM {p}cartman_auth_codes WHERE code_hash = ?", p, 1);
}

static void test_exchange(struct db *db)
{
    char challenge[48];
    s256(VERIFIER, challenge);
    const struct {
        const char *name;
        uint64_t user;
        bool expire, unknown;
        const char *client, *redirect, *verifier;
        enum authorization_code_status want;
        const char *result, *reason; /* its audit row */
    } rows[] = {
        {"the right code, client, redirect URI and verifier", USER_OK, false, false, CLIENT, REDIRECT, VERIFIER,
         AUTHORIZATION_CODE_OK, "ok", NULL},
        {"another client", USER_OK, false, false, OTHER, REDIRECT, VERIFIER, AUTHORIZATION_CODE_INVALID, "denied",
         "wrong_client"},
        {"another redirect URI", USER_OK, false, false, CLIENT, "cartman://oauth/callback/", VERIFIER,
         AUTHORIZATION_CODE_INVALID, "denied", "redirect_uri_mismatch"},
        {"a redirect URI that is a prefix", USER_OK, false, false, CLIENT, "cartman://oauth/callbac", VERIFIER,
         AUTHORIZATION_CODE_INVALID, "denied", "redirect_uri_mismatch"},
        {"another verifier", USER_OK, false, false, CLIENT, REDIRECT, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
         AUTHORIZATION_CODE_INVALID, "denied", "pkce_mismatch"},
        {"the challenge sent as the verifier (plain)", USER_OK, false, false, CLIENT, REDIRECT, challenge,
         AUTHORIZATION_CODE_INVALID, "denied", "pkce_mismatch"},
        {"an expired code", USER_OK, true, false, CLIENT, REDIRECT, VERIFIER, AUTHORIZATION_CODE_INVALID, "denied",
         "expired"},
        {"an unknown code", USER_OK, false, true, CLIENT, REDIRECT, VERIFIER, AUTHORIZATION_CODE_INVALID, "denied",
         "unknown_code"},
        {"a user without manage_woocommerce", USER_DENIED, false, false, CLIENT, REDIRECT, VERIFIER,
         AUTHORIZATION_CODE_USER_DENIED, "denied", "not_shop_manager"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char code[GRANTS_TOKEN_BUF];
        if (rows[i].unknown) {
            snprintf(code, sizeof code, "%s", "no-such-code-no-such-code-no-such-code-00000");
        } else {
            TAP_EQ_INT(authorization_code_create(db, CLIENT, rows[i].user, REDIRECT, "orders:read", challenge, code), 0,
                       "a code is stored");
            if (rows[i].expire) {
                char hash[65];
                grants_token_hash(code, strlen(code), hash);
                struct db_value p[] = {DB_STR(hash)};
                db_exec(db, "UPDATE {p}cartman_auth_codes SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND"
                            " WHERE code_hash = ?", p, 1, NULL);
            }
        }
        long long before = audits(db, rows[i].result, rows[i].reason);
        long long grants0 = test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_grants WHERE client_id = '" CLIENT "'", NULL, 0);
        struct authorization_code_req rq = {.client_id = rows[i].client, .code = code, .code_len = strlen(code),
                                            .redirect_uri = rows[i].redirect, .redirect_len = strlen(rows[i].redirect),
                                            .verifier = rows[i].verifier, .verifier_len = strlen(rows[i].verifier),
                                            .ip = "192.0.2.8"};
        struct grant g;
        char refresh[GRANTS_TOKEN_BUF] = "";
        TAP_EQ_INT(authorization_code_exchange(db, &rq, &g, refresh), rows[i].want, rows[i].name);
        long long grants1 = test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_grants WHERE client_id = '" CLIENT "'", NULL, 0);
        bool ok = rows[i].want == AUTHORIZATION_CODE_OK;
        TAP_EQ_INT(grants1 - grants0, ok ? 1 : 0, ok ? "… one grant created" : "… no grant created");
        if (ok) {
            tap_ok(strlen(refresh) == GRANTS_TOKEN_CHARS && g.user_id == USER_OK && strcmp(g.scope, "orders:read") == 0,
                   "… for the user, with the code's scope and a refresh token");
            /* the same code again: a replay revokes the grant the first exchange made */
            struct grant r;
            char refresh2[GRANTS_TOKEN_BUF];
            TAP_EQ_INT(authorization_code_exchange(db, &rq, &r, refresh2), AUTHORIZATION_CODE_REPLAY,
                       "… presented again: a replay");
            TAP_EQ_INT(r.id, g.id, "… naming the grant");
            struct db_value p[] = {DB_UINT(g.id)};
            TAP_EQ_INT(test_db_scalar(db, "SELECT revoked_reason = 'code_replay' FROM {p}cartman_grants WHERE id = ?", p, 1), 1,
                       "… which is revoked (code_replay)");
            TAP_EQ_INT(test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_refresh_tokens WHERE grant_id = ? AND rotated_at IS NULL",
                              p, 1), 0, "… with its refresh token");
            TAP_EQ_INT(audits(db, "denied", "code_replay_grant_revoked"), 1, "… and the replay is audited once");
        }
        if (!rows[i].unknown) {
            TAP_EQ_INT(used(db, code), 1, "… the code is spent");
            if (!ok) {
                struct grant r;
                char refresh2[GRANTS_TOKEN_BUF];
                rq.client_id = CLIENT, rq.redirect_uri = REDIRECT, rq.redirect_len = strlen(REDIRECT);
                rq.verifier = VERIFIER, rq.verifier_len = strlen(VERIFIER);
                TAP_EQ_INT(authorization_code_exchange(db, &rq, &r, refresh2), AUTHORIZATION_CODE_REPLAY,
                           "… and a correct second attempt is a replay, not a grant");
            }
        }
        TAP_EQ_INT(audits(db, rows[i].result, rows[i].reason) - before, 1, "… audited once");
    }
}

int main(void)
{
    test_pkce_chars();
    struct db *db = test_db_connect(NULL);
    if (db == NULL) {
        tap_ok(0, "the test database is reachable");
        return tap_done();
    }
    cleanup(db);
    test_db_set_caps(db, USER_OK, "a:1:{s:12:\"shop_manager\";b:1;}");
    test_exchange(db);
    cleanup(db);
    db_close(db);
    return tap_done();
}
