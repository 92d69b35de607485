/*
 * tests/unit/test_grants.c — authd/grants: scope subsets and normalising (tables), and against the live test database
 * the refresh-token life: rotation, the grace retry superseding the unused successor, reuse revoking the
 * grant, expiry, wrong client, narrowing, revocation, the user's capability checked in the refresh (a
 * demoted user's grant is revoked), one audit row per refresh, and concurrent uses of one token.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd/grants.h"
#include "common/store.h"
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

static void test_scope_normalize(void)
{
    static const struct {
        const char *src, *want;
    } rows[] = {
        {"a b", "a b"},
        {"  a   b  ", "a b"},
        {"orders:read", "orders:read"},
        {"", ""},
        {"   ", ""},
        {" a", "a"},
        {"a ", "a"},
        {"a\tb", "a\tb"}, /* only spaces separate scopes (RFC 6749 3.3) */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t len = strlen(rows[i].src);
        char out[16];
        memset(out, 'x', sizeof out);
        size_t n = grants_scope_normalize(rows[i].src, len, out);
        char name[64];
        snprintf(name, sizeof name, "normalize '%s'", rows[i].src);
        TAP_EQ_STR(out, rows[i].want, name);
        TAP_EQ_INT(n, strlen(rows[i].want), "  ... its length");
    }
    char out[8];
    TAP_EQ_INT(grants_scope_normalize("a bXYZ", 3, out), 3, "normalize reads only len bytes");
    TAP_EQ_STR(out, "a b", "  ... 'a b'");
}

static enum grants_refresh_status refresh(struct db *db, const char *tok, const char *client, const char *narrow,
                                          struct grant *g, char out[GRANTS_TOKEN_BUF])
{
    struct grants_refresh_req rq = {.token = tok, .len = strlen(tok), .client_id = client, .narrow = narrow,
                                    .narrow_len = narrow ? strlen(narrow) : 0, .ip = "192.0.2.7"};
    return grants_refresh(db, &rq, g, out);
}

/* The test users (no wp_users rows needed: grants only know ids) and their {prefix}capabilities. */
#define USER_MANAGER 4242 /* shop_manager: may use the app */
#define USER_DEMOTED 4250 /* shop_manager until test_lost_capability demotes them */
#define USER_NO_CAPS 4251 /* no {prefix}capabilities row at all */

static const char SHOP_MANAGER[] = "a:1:{s:12:\"shop_manager\";b:1;}";

/* Audit rows of grant id: how many, and how many with result and a detail containing reason (NULL: no detail). */
static long long audit_rows(struct db *db, uint64_t grant, const char *result, const char *reason)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%llu", (unsigned long long)grant);
    if (result == NULL) {
        struct db_value p[] = {DB_STR(oid)};
        return test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_audit_log WHERE event = 'token.refresh' AND object_type = 'grant'"
                          " AND object_id = ?", p, 1);
    }
    if (reason == NULL) {
        struct db_value p[] = {DB_STR(oid), DB_STR(result)};
        return test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_audit_log WHERE event = 'token.refresh' AND object_type = 'grant'"
                          " AND object_id = ? AND result = ? AND detail IS NULL AND ip = '192.0.2.7'", p, 2);
    }
    struct db_value p[] = {DB_STR(oid), DB_STR(result), DB_STR(reason)};
    return test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_audit_log WHERE event = 'token.refresh' AND object_type = 'grant'"
                      " AND object_id = ? AND result = ? AND JSON_VALUE(detail, '$.reason') = ? AND ip = '192.0.2.7'",
                  p, 3);
}

static void test_rotation(struct db *db)
{
    struct grant g, r;
    char t0[GRANTS_TOKEN_BUF], t1[GRANTS_TOKEN_BUF], t2[GRANTS_TOKEN_BUF], t3[GRANTS_TOKEN_BUF];
    TAP_EQ_INT(grants_create(db, USER_MANAGER, "unit-client", "a b", "password", "192.0.2.1", &g, t0), 0, "grant created");
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

    /* one audit row per outcome, written in the refresh's own transaction; none for a refused scope */
    TAP_EQ_INT(audit_rows(db, g.id, NULL, NULL), 6, "six audited refreshes of this grant");
    TAP_EQ_INT(audit_rows(db, g.id, "ok", NULL), 2, "two plain rotations");
    TAP_EQ_INT(audit_rows(db, g.id, "ok", "grace_retry"), 1, "one grace retry");
    TAP_EQ_INT(audit_rows(db, g.id, "denied", "wrong_client"), 1, "the other client");
    TAP_EQ_INT(audit_rows(db, g.id, "denied", "reuse_grant_revoked"), 1, "the reuse");
    TAP_EQ_INT(audit_rows(db, g.id, "denied", "unknown_or_expired"), 1, "the dead token");
}

/* A user who lost manage_woocommerce: no new token, the grant revoked and audited in the same transaction. */
static void test_lost_capability(struct db *db)
{
    struct grant g, r;
    char t0[GRANTS_TOKEN_BUF], t1[GRANTS_TOKEN_BUF], t2[GRANTS_TOKEN_BUF];
    test_db_set_caps(db, USER_DEMOTED, SHOP_MANAGER);
    grants_create(db, USER_DEMOTED, "unit-client", "a", "password", NULL, &g, t0);
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t1), GRANTS_ROTATED, "a shop manager refreshes");
    /* WordPress's way of denying one capability of a role */
    test_db_set_caps(db, USER_DEMOTED, "a:2:{s:12:\"shop_manager\";b:1;s:18:\"manage_woocommerce\";b:0;}");
    TAP_EQ_INT(refresh(db, t1, "unit-client", NULL, &r, t2), GRANTS_USER_DENIED, "once manage_woocommerce is denied: refused");
    TAP_EQ_INT(r.id, g.id, "… naming the grant");
    struct db_value p[] = {DB_UINT(g.id)};
    TAP_EQ_INT(test_db_scalar(db, "SELECT revoked_reason = 'user_lost_capability' FROM {p}cartman_grants WHERE id = ?", p, 1), 1,
               "the grant is revoked (user_lost_capability)");
    TAP_EQ_INT(test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_refresh_tokens WHERE grant_id = ?", p, 1), 2,
               "no new token was stored");
    TAP_EQ_INT(test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_refresh_tokens WHERE grant_id = ? AND rotated_at IS NULL", p, 1),
               0, "every token of the grant is spent");
    TAP_EQ_INT(audit_rows(db, g.id, "denied", "not_shop_manager"), 1, "the refusal is audited once");
    TAP_EQ_INT(audit_rows(db, g.id, NULL, NULL), 2, "… beside the first refresh, nothing else");
    test_db_set_caps(db, USER_DEMOTED, SHOP_MANAGER);
    TAP_EQ_INT(refresh(db, t1, "unit-client", NULL, &r, t2), GRANTS_INVALID, "promoting them again does not revive it");

    grants_create(db, USER_NO_CAPS, "unit-client", "a", "password", NULL, &g, t0);
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t1), GRANTS_USER_DENIED, "a user without capabilities: refused");
    test_db_set_caps(db, USER_DEMOTED, "a:1:{s:13:\"bad-serialize\";");
    grants_create(db, USER_DEMOTED, "unit-client", "a", "password", NULL, &g, t0);
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t1), GRANTS_ERROR, "capabilities that do not unserialize: an error");
    struct db_value q[] = {DB_UINT(g.id)};
    TAP_EQ_INT(test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_refresh_tokens WHERE grant_id = ? AND rotated_at IS NULL", q, 1),
               1, "… which changed nothing");
    TAP_EQ_INT(audit_rows(db, g.id, NULL, NULL), 0, "… and audited nothing");
    test_db_set_caps(db, USER_DEMOTED, SHOP_MANAGER);
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t1), GRANTS_ROTATED, "… so the same token works once they are fixed");
}

/* Concurrent uses of one token, each on its own connection: the row lock serialises them, so the first
 * rotates and the others are grace retries, each superseding the previous successor: one chain stays live. */
#define RACERS 4
struct racer {
    pthread_barrier_t *start;
    const char *token;
    enum grants_refresh_status st;
    char out[GRANTS_TOKEN_BUF];
    uint64_t revoke; /* nonzero: revoke this grant instead of refreshing */
    int revoked;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct db *db = test_db_connect(NULL);
    pthread_barrier_wait(r->start);
    if (db == NULL) {
        r->st = GRANTS_ERROR;
        return NULL;
    }
    struct grant g;
    if (r->revoke)
        r->revoked = grants_revoke(db, r->revoke, "test");
    else
        r->st = refresh(db, r->token, "unit-client", NULL, &g, r->out);
    db_close(db);
    store_thread_release();
    return NULL;
}

static void test_concurrent(struct db *db)
{
    struct grant g;
    char t0[GRANTS_TOKEN_BUF];
    grants_create(db, USER_MANAGER, "unit-client", "a", "password", NULL, &g, t0);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, RACERS);
    struct racer rs[RACERS];
    pthread_t th[RACERS];
    for (int i = 0; i < RACERS; i++) {
        rs[i] = (struct racer){.start = &start, .token = t0};
        pthread_create(&th[i], NULL, race, &rs[i]);
    }
    int rotated = 0, grace = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(th[i], NULL);
        rotated += rs[i].st == GRANTS_ROTATED;
        grace += rs[i].st == GRANTS_GRACE;
    }
    pthread_barrier_destroy(&start);
    TAP_EQ_INT(rotated, 1, "concurrent uses of one token: exactly one rotation");
    TAP_EQ_INT(grace, RACERS - 1, "… the others are grace retries");
    struct db_value p[] = {DB_UINT(g.id)};
    TAP_EQ_INT(test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_refresh_tokens WHERE grant_id = ? AND rotated_at IS NULL", p, 1),
               1, "… and one live token remains");
    TAP_EQ_INT(audit_rows(db, g.id, "ok", NULL) + audit_rows(db, g.id, "ok", "grace_retry"), RACERS, "… each audited once");

    /* a token and its unused successor presented at once: both lock the grant row first, so they queue
     * instead of deadlocking; in either order the second is reuse and revokes the grant */
    int errors = 0, reuse = 0;
    for (int round = 0; round < 8; round++) {
        char t1[GRANTS_TOKEN_BUF];
        struct grant r;
        grants_create(db, USER_MANAGER, "unit-client", "a", "password", NULL, &g, t0);
        refresh(db, t0, "unit-client", NULL, &r, t1);
        pthread_barrier_init(&start, NULL, 2);
        rs[0] = (struct racer){.start = &start, .token = t0};
        rs[1] = (struct racer){.start = &start, .token = t1};
        pthread_create(&th[0], NULL, race, &rs[0]);
        pthread_create(&th[1], NULL, race, &rs[1]);
        pthread_join(th[0], NULL);
        pthread_join(th[1], NULL);
        pthread_barrier_destroy(&start);
        errors += (rs[0].st == GRANTS_ERROR) + (rs[1].st == GRANTS_ERROR);
        reuse += (rs[0].st == GRANTS_REUSE_REVOKED) + (rs[1].st == GRANTS_REUSE_REVOKED);
    }
    TAP_EQ_INT(errors, 0, "a token racing its successor: no deadlock, no error");
    TAP_EQ_INT(reuse, 8, "… and each time exactly one of them is reuse");

    /* a refresh racing a revocation: whichever goes first, no live token survives a successful revoke */
    int survived = 0, revoked_runs = 0;
    errors = 0;
    for (int round = 0; round < 8; round++) {
        grants_create(db, USER_MANAGER, "unit-client", "a", "password", NULL, &g, t0);
        pthread_barrier_init(&start, NULL, 2);
        rs[0] = (struct racer){.start = &start, .token = t0};
        rs[1] = (struct racer){.start = &start, .revoke = g.id};
        pthread_create(&th[0], NULL, race, &rs[0]);
        pthread_create(&th[1], NULL, race, &rs[1]);
        pthread_join(th[0], NULL);
        pthread_join(th[1], NULL);
        pthread_barrier_destroy(&start);
        struct db_value q[] = {DB_UINT(g.id)};
        errors += rs[0].st != GRANTS_ROTATED && rs[0].st != GRANTS_INVALID;
        if (rs[1].revoked == 1) {
            revoked_runs++;
            survived += (int)test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_refresh_tokens WHERE grant_id = ?"
                                        " AND rotated_at IS NULL", q, 1);
        }
    }
    tap_ok(revoked_runs > 0, "revocations raced refreshes (%d of 8 revoked)", revoked_runs);
    TAP_EQ_INT(survived, 0, "no live refresh token outlived its grant's revocation");
    TAP_EQ_INT(errors, 0, "each refresh either rotated before the revocation or found the grant revoked");
}

static void test_grace_expired_and_revoke(struct db *db)
{
    struct grant g, r;
    char t0[GRANTS_TOKEN_BUF], t1[GRANTS_TOKEN_BUF], t2[GRANTS_TOKEN_BUF];
    grants_create(db, USER_MANAGER, "unit-client", "a", "password", NULL, &g, t0);
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t1), GRANTS_ROTATED, "rotated");
    char hash[65];
    grants_token_hash(t0, strlen(t0), hash);
    struct db_value p[] = {DB_STR(hash)};
    db_exec(db, "UPDATE {p}cartman_refresh_tokens SET rotated_at = rotated_at - INTERVAL 31 SECOND WHERE token_hash = ?",
            p, 1, NULL);
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t2), GRANTS_REUSE_REVOKED, "a retry after 30 s is reuse");
    TAP_EQ_INT(refresh(db, t1, "unit-client", NULL, &r, t2), GRANTS_INVALID, "the successor died with the grant");

    grants_create(db, USER_MANAGER, "unit-client", "a", "password", NULL, &g, t0);
    grants_token_hash(t0, strlen(t0), hash);
    db_exec(db, "UPDATE {p}cartman_refresh_tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE token_hash = ?",
            p, 1, NULL);
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t1), GRANTS_INVALID, "an expired token");

    grants_create(db, USER_MANAGER, "unit-client", "a", "password", NULL, &g, t0);
    TAP_EQ_INT(grants_revoke(db, g.id, "test"), 1, "revoked");
    TAP_EQ_INT(grants_revoke(db, g.id, "test"), 0, "revoking again changes nothing");
    TAP_EQ_INT(refresh(db, t0, "unit-client", NULL, &r, t1), GRANTS_INVALID, "a revoked grant's token");
}

static void cleanup(struct db *db)
{
    db_exec_text(db, "DELETE FROM {p}cartman_audit_log WHERE event = 'token.refresh' AND client_id IN ('unit-client', 'other-client')");
    db_exec_text(db, "DELETE rt FROM {p}cartman_refresh_tokens rt JOIN {p}cartman_grants g ON g.id = rt.grant_id"
                     " WHERE g.client_id = 'unit-client'");
    db_exec_text(db, "DELETE FROM {p}cartman_grants WHERE client_id = 'unit-client'");
    test_db_set_caps(db, USER_MANAGER, NULL);
    test_db_set_caps(db, USER_DEMOTED, NULL);
    test_db_set_caps(db, USER_NO_CAPS, NULL);
}

int main(void)
{
    test_scope_subset();
    test_scope_normalize();
    struct db *db = test_db_connect(NULL);
    if (db == NULL) {
        tap_ok(0, "the test database is reachable");
        return tap_done();
    }
    cleanup(db);
    test_db_set_caps(db, USER_MANAGER, SHOP_MANAGER);
    test_rotation(db);
    test_grace_expired_and_revoke(db);
    test_lost_capability(db);
    test_concurrent(db);
    cleanup(db);
    db_close(db);
    return tap_done();
}
