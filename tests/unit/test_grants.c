/*
 * tests/unit/test_grants.c — authd/grants: scope subsets (table), and against the live test database
 * the refresh-token life: rotation, the grace retry superseding the unused successor, reuse revoking the
 * grant, expiry, wrong client, narrowing, revocation.
 */
#include <stdio.h>
#include <string.h>

#include "authd/grants.h"
#include "tests/tap.h"
#include "tests/test_db_env.h"

static void test_scope_subset(void)
{
    static const struct {
        const char *want, *have;
        bool ok;
    } rows[] = {
        {"a", "a b", true},         {"b a", "a b", true},  {"a  b ", "a b", true}, {"", "a", true},
        {"c", "a b", false},        {"a c", "a b", false}, {"ab", "a b", false},  {"a", "ab", false},
        {"orders:read", "orders:read orders:write", true}, {"orders", "orders:read", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        tap_ok(grants_scope_subset(rows[i].want, strlen(rows[i].want), rows[i].have) == rows[i].ok,
               "'%s' in '%s': %s", rows[i].want, rows[i].have, rows[i].ok ? "yes" : "no");
}

static enum grants_refresh_status refresh(struct db *db, const char *tok, const char *client, const char *narrow,
                                          struct grant *g, char out[GRANTS_TOKEN_BUF])
{
    return grants_refresh(db, tok, strlen(tok), client, narrow, narrow ? strlen(narrow) : 0, g, out);
}

static void test_rotation(struct db *db)
{
    struct grant g, r;
    char t0[GRANTS_TOKEN_BUF], t1[GRANTS_TOKEN_BUF], t2[GRANTS_TOKEN_BUF], t3[GRANTS_TOKEN_BUF];
    TAP_EQ_INT(grants_create(db, 4242, "unit-client", "a b", "password", "192.0.2.1", &g, t0), 0, "grant created");
    tap_ok(g.id > 0 && strlen(t0) == GRANTS_TOKEN_CHARS, "grant %llu, 43-character token", (unsigned long long)g.id);

    TAP_EQ_INT(refresh(db, t0, "other-client", NULL, &r, t1), GRANTS_WRONG_CLIENT, "another client: refused");
    TAP_EQ_INT(refresh(db, t0, "unit-client", "a c", &r, t1), GRANTS_BAD_SCOPE, "wider scope: refused");
    TAP_EQ_INT(refresh(db, t0, "unit-client", "a", &r, t1), GRANTS_ROTATED, "rotated (narrowed)");
    TAP_EQ_INT(r.id, g.id, "same grant");
    TAP_EQ_STR(r.scope, "a b", "the grant keeps its scope");
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t2), GRANTS_GRACE, "retry within the grace window");
    tap_ok(strcmp(t1, t2) != 0, "a different token");
    TAP_EQ_INT(refresh(db, t2, "unit-client", NULL, &r, t3), GRANTS_ROTATED, "the retry's token rotates");
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t3), GRANTS_REUSE_REVOKED,
               "the first token again, once its successor was used: reuse, grant revoked");
    bool revoked = false;
    struct grant l;
    TAP_EQ_INT(grants_load(db, g.id, &l, &revoked), 1, "grant loads");
    TAP_EQ_INT(revoked, 1, "grant is revoked");
    TAP_EQ_INT(refresh(db, t3, "unit-client", NULL, &r, t1), GRANTS_INVALID, "its last token is dead");
    bool active = true;
    int64_t exp;
    TAP_EQ_INT(grants_find_refresh(db, t3, strlen(t3), &l, &active, &exp), 1, "still findable");
    TAP_EQ_INT(active, 0, "… inactive");
    TAP_EQ_INT(refresh(db, "no-such-token", "unit-client", NULL, &r, t1), GRANTS_INVALID, "unknown token");
}

static void test_grace_expired_and_revoke(struct db *db)
{
    struct grant g, r;
    char t0[GRANTS_TOKEN_BUF], t1[GRANTS_TOKEN_BUF], t2[GRANTS_TOKEN_BUF];
    grants_create(db, 4243, "unit-client", "a", "password", NULL, &g, t0);
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t1), GRANTS_ROTATED, "rotated");
    char hash[65];
    grants_token_hash(t0, strlen(t0), hash);
    struct db_value p[] = {DB_STR(hash)};
    db_exec(db, "UPDATE {p}cartman_refresh_tokens SET rotated_at = rotated_at - INTERVAL 31 SECOND WHERE token_hash = ?",
            p, 1, NULL);
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t2), GRANTS_REUSE_REVOKED, "a retry after 30 s is reuse");
    TAP_EQ_INT(refresh(db, t1, "unit-client", NULL, &r, t2), GRANTS_INVALID, "the successor died with the grant");

    grants_create(db, 4244, "unit-client", "a", "password", NULL, &g, t0);
    grants_token_hash(t0, strlen(t0), hash);
    db_exec(db, "UPDATE {p}cartman_refresh_tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE token_hash = ?",
            p, 1, NULL);
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t1), GRANTS_INVALID, "an expired token");

    grants_create(db, 4245, "unit-client", "a", "password", NULL, &g, t0);
    TAP_EQ_INT(grants_revoke(db, g.id, "test"), 1, "revoked");
    TAP_EQ_INT(grants_revoke(db, g.id, "test"), 0, "revoking again changes nothing");
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t1), GRANTS_INVALID, "a revoked grant's token");
}

int main(void)
{
    test_scope_subset();
    struct db *db = test_db_connect(NULL);
    if (db == NULL) {
        tap_ok(0, "the test database is reachable");
        return tap_done();
    }
    test_rotation(db);
    test_grace_expired_and_revoke(db);
    db_exec_text(db, "DELETE rt FROM {p}cartman_refresh_tokens rt JOIN {p}cartman_grants g ON g.id = rt.grant_id"
                     " WHERE g.client_id = 'unit-client'");
    db_exec_text(db, "DELETE FROM {p}cartman_grants WHERE client_id = 'unit-client'");
    db_close(db);
    return tap_done();
}
