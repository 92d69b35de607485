/*
 * tests/unit/test_sessions.c — authd/sessions: cookie parsing (table), and against the live test database
 * sessions created, found (idle and absolute expiry, malformed and unknown cookies), touched and deleted,
 * the per-session CSRF token (derived from the session id, never stored: no column of the row holds it),
 * and the sign-in form's double-submit cookie. Requests are h2o_req_t values built here with a pool,
 * Cookie headers and a peer address: nothing is sent.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd/grants.h"
#include "authd/sessions.h"
#include "tests/tap.h"
#include "tests/test_db_env.h"

#define USER 4270

static socklen_t peer(h2o_conn_t *conn, struct sockaddr *sa)
{
    (void)conn;
    struct sockaddr_in *in = (struct sockaddr_in *)(void *)sa;
    memset(in, 0, sizeof *in);
    in->sin_family = AF_INET;
    inet_pton(AF_INET, "192.0.2.9", &in->sin_addr);
    return sizeof *in;
}

static const h2o_conn_callbacks_t CALLBACKS = {.get_peername = peer};

struct fake {
    h2o_conn_t conn;
    h2o_req_t req;
    struct http_call call;
};

/* A request with one Cookie header per non-NULL argument (HTTP/2 sends each cookie in its own header). */
static void fake_init(struct fake *f, const char *cookie1, const char *cookie2)
{
    memset(f, 0, sizeof *f);
    f->conn.callbacks = &CALLBACKS;
    h2o_mem_init_pool(&f->req.pool);
    f->req.conn = &f->conn;
    if (cookie1)
        h2o_add_header(&f->req.pool, &f->req.headers, H2O_TOKEN_COOKIE, NULL, cookie1, strlen(cookie1));
    if (cookie2)
        h2o_add_header(&f->req.pool, &f->req.headers, H2O_TOKEN_COOKIE, NULL, cookie2, strlen(cookie2));
    f->call.req = &f->req;
}

static void fake_free(struct fake *f)
{
    h2o_mem_clear_pool(&f->req.pool);
}

/* The response's Set-Cookie values, joined with " | " ("" when none). */
static const char *set_cookies(struct fake *f)
{
    static char out[1024];
    out[0] = '\0';
    for (size_t i = 0; i < f->req.res.headers.size; i++) {
        const h2o_header_t *h = f->req.res.headers.entries + i;
        if (h->name->len == 10 && memcmp(h->name->base, "set-cookie", 10) == 0)
            snprintf(out + strlen(out), sizeof out - strlen(out), "%s%.*s", out[0] ? " | " : "", (int)h->value.len,
                     h->value.base);
    }
    return out;
}

static void test_cookie_parsing(void)
{
    static const struct {
        const char *c1, *c2, *want; /* want NULL: not found */
    } rows[] = {
        {"__Host-cartman_session=abc", NULL, "abc"},
        {"a=1; __Host-cartman_session=abc; b=2", NULL, "abc"},
        {"  ;; __Host-cartman_session=abc", NULL, "abc"},
        {"__Host-cartman_session=", NULL, ""},
        {"__Host-cartman_session=a; __Host-cartman_session=b", NULL, "a"},
        {"a=1", "__Host-cartman_session=second", "second"},
        {"x__Host-cartman_session=abc", NULL, NULL},
        {"__Host-cartman_sessionx=abc", NULL, NULL},
        {"__host-cartman_session=abc", NULL, NULL},
        {"__Host-cartman_session abc", NULL, NULL},
        {NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fake f;
        fake_init(&f, rows[i].c1, rows[i].c2);
        size_t len = 0;
        const char *v = sessions_cookie(&f.call, SESSIONS_COOKIE, &len);
        char name[200];
        snprintf(name, sizeof name, "cookie '%s'%s%s: %s", rows[i].c1 ? rows[i].c1 : "(none)", rows[i].c2 ? " + " : "",
                 rows[i].c2 ? rows[i].c2 : "", rows[i].want ? rows[i].want : "not found");
        if (rows[i].want == NULL)
            tap_ok(v == NULL, "%s", name);
        else
            tap_eq_mem(v, v ? len : 0, rows[i].want, strlen(rows[i].want), name);
        fake_free(&f);
    }
}

/* Creates a session for USER; cookie receives "__Host-cartman_session=<id>". */
static int create(struct db *db, struct session *s, char cookie[128], char set_cookie[512])
{
    struct fake f;
    fake_init(&f, NULL, NULL);
    int rc = sessions_create(&f.call, db, USER, s);
    snprintf(set_cookie, 512, "%s", set_cookies(&f));
    const char *semi = strchr(set_cookie, ';');
    snprintf(cookie, 128, "%.*s", semi ? (int)(semi - set_cookie) : 0, set_cookie);
    fake_free(&f);
    return rc;
}

static int find(struct db *db, const char *cookie, struct session *s)
{
    struct fake f;
    fake_init(&f, cookie, NULL);
    int rc = sessions_find(&f.call, db, s);
    fake_free(&f);
    return rc;
}

static void test_sessions(struct db *db)
{
    struct session s, t, u;
    char cookie[128], cookie2[128], sc[512];
    TAP_EQ_INT(create(db, &s, cookie, sc), 0, "a session is created");
    tap_ok(strncmp(sc, SESSIONS_COOKIE "=", strlen(SESSIONS_COOKIE) + 1) == 0 &&
               strlen(cookie) == strlen(SESSIONS_COOKIE) + 1 + GRANTS_TOKEN_CHARS,
           "its cookie holds a 43-character id (%s)", sc);
    tap_ok(strstr(sc, "; Path=/; Secure; HttpOnly; SameSite=Lax") != NULL && strstr(sc, "Domain") == NULL &&
               strstr(sc, "Max-Age") == NULL,
           "… Path=/, Secure, HttpOnly, SameSite=Lax, no Domain, a browser-session cookie");
    const char *id = cookie + strlen(SESSIONS_COOKIE) + 1;
    char hash[65];
    grants_token_hash(id, strlen(id), hash);
    TAP_EQ_STR(s.id_hash, hash, "the row is keyed by SHA-256 of the id");
    struct db_value hp[] = {DB_STR(hash)};
    TAP_EQ_INT(test_db_scalar(db, "SELECT user_id FROM {p}cartman_sessions WHERE id_hash = ?", hp, 1), USER, "… for the user");
    TAP_EQ_INT(test_db_scalar(db, "SELECT ip = '192.0.2.9' FROM {p}cartman_sessions WHERE id_hash = ?", hp, 1), 1,
               "… with the client's address");
    TAP_EQ_INT(strlen(s.csrf), GRANTS_TOKEN_CHARS, "a 43-character CSRF token");
    tap_ok(strcmp(s.csrf, id) != 0, "… that is not the session id");
    struct db_value cp[] = {DB_STR(hash), DB_STR(s.csrf), DB_STR(id)};
    TAP_EQ_INT(test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_sessions WHERE id_hash = ? AND ("
                          "CONCAT_WS(' ', id_hash, user_id, ip, created_at, last_seen_at, expires_at) LIKE CONCAT('%', ?, '%')"
                          " OR CONCAT_WS(' ', id_hash, ip) LIKE CONCAT('%', ?, '%'))", cp, 3),
               0, "neither the CSRF token nor the id is stored");
    TAP_EQ_INT(test_db_scalar(db, "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()"
                          " AND table_name = '{p}cartman_sessions'", NULL, 0),
               6, "the table has six columns: id_hash, user_id, ip, created_at, last_seen_at, expires_at");
    TAP_EQ_INT(test_db_scalar(db, "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()"
                          " AND table_name = '{p}cartman_sessions' AND column_name LIKE '%csrf%'", NULL, 0),
               0, "… none for a CSRF token (migration 5 dropped the unused csrf_token)");

    TAP_EQ_INT(find(db, cookie, &t), 1, "the cookie finds the session");
    TAP_EQ_INT(t.user_id, USER, "… its user");
    TAP_EQ_STR(t.csrf, s.csrf, "… and derives the same CSRF token");
    TAP_EQ_INT(create(db, &u, cookie2, sc), 0, "a second session");
    tap_ok(strcmp(u.csrf, s.csrf) != 0 && strcmp(cookie, cookie2) != 0, "… has its own id and CSRF token");

    db_exec(db, "UPDATE {p}cartman_sessions SET last_seen_at = UTC_TIMESTAMP() - INTERVAL 10 MINUTE WHERE id_hash = ?",
            hp, 1, NULL);
    TAP_EQ_INT(find(db, cookie, &t), 1, "found after 10 idle minutes");
    TAP_EQ_INT(test_db_scalar(db, "SELECT last_seen_at > UTC_TIMESTAMP() - INTERVAL 5 SECOND FROM {p}cartman_sessions"
                          " WHERE id_hash = ?", hp, 1), 1, "… and its last use is now");

    /* sessions_csrf_ok: only the exact token */
    char wrong[GRANTS_TOKEN_BUF];
    snprintf(wrong, sizeof wrong, "%s", s.csrf);
    wrong[GRANTS_TOKEN_CHARS - 1] = wrong[GRANTS_TOKEN_CHARS - 1] == 'A' ? 'B' : 'A';
    const struct {
        const char *v;
        size_t len;
        bool ok;
        const char *name;
    } csrf[] = {
        {s.csrf, GRANTS_TOKEN_CHARS, true, "the session's token"},
        {wrong, GRANTS_TOKEN_CHARS, false, "one character changed"},
        {s.csrf, GRANTS_TOKEN_CHARS - 1, false, "a prefix"},
        {u.csrf, GRANTS_TOKEN_CHARS, false, "another session's token"},
        {id, GRANTS_TOKEN_CHARS, false, "the session id"},
        {hash, 64, false, "the stored id hash"},
        {"", 0, false, "empty (what the dropped csrf_token column held)"},
        {NULL, 0, false, "absent"},
    };
    for (size_t i = 0; i < sizeof csrf / sizeof csrf[0]; i++)
        tap_ok(sessions_csrf_ok(&s, csrf[i].v, csrf[i].len) == csrf[i].ok, "csrf: %s is %s", csrf[i].name,
               csrf[i].ok ? "accepted" : "refused");

    /* what does not find a session */
    char unknown[128];
    snprintf(unknown, sizeof unknown, "%s=%s", SESSIONS_COOKIE, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    char shortc[128];
    snprintf(shortc, sizeof shortc, "%.*s", (int)strlen(cookie) - 1, cookie);
    char badc[128];
    snprintf(badc, sizeof badc, "%.*s!", (int)strlen(cookie) - 1, cookie);
    const struct {
        const char *cookie, *name;
    } none[] = {
        {NULL, "no cookie"},
        {unknown, "an unknown id"},
        {shortc, "42 characters"},
        {badc, "a character outside base64url"},
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        TAP_EQ_INT(find(db, none[i].cookie, &t), 0, none[i].name);

    struct db_value hp2[] = {DB_STR(u.id_hash)};
    db_exec(db, "UPDATE {p}cartman_sessions SET last_seen_at = UTC_TIMESTAMP() - INTERVAL 31 MINUTE WHERE id_hash = ?",
            hp2, 1, NULL);
    TAP_EQ_INT(find(db, cookie2, &t), 0, "31 idle minutes: gone");
    db_exec(db, "UPDATE {p}cartman_sessions SET last_seen_at = UTC_TIMESTAMP(), expires_at = UTC_TIMESTAMP()"
                " - INTERVAL 1 SECOND WHERE id_hash = ?", hp2, 1, NULL);
    TAP_EQ_INT(find(db, cookie2, &t), 0, "past its absolute expiry: gone, however recently used");

    struct fake f;
    fake_init(&f, cookie, NULL);
    TAP_EQ_INT(sessions_delete(&f.call, db, &s), 0, "sign-out deletes the session");
    tap_ok(strstr(set_cookies(&f), SESSIONS_COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0") != NULL,
           "… and clears its cookie (%s)", set_cookies(&f));
    fake_free(&f);
    TAP_EQ_INT(test_db_scalar(db, "SELECT COUNT(*) FROM {p}cartman_sessions WHERE id_hash = ?", hp, 1), 0, "… the row is gone");
    TAP_EQ_INT(find(db, cookie, &t), 0, "… and the cookie finds nothing");
}

static void test_login_csrf(void)
{
    struct fake f;
    fake_init(&f, NULL, NULL);
    const char *fresh = sessions_login_csrf(&f.call);
    char tok[GRANTS_TOKEN_BUF] = "";
    if (tap_ok(fresh != NULL && strlen(fresh) == GRANTS_TOKEN_CHARS, "no cookie: a new sign-in CSRF token"))
        snprintf(tok, sizeof tok, "%s", fresh);
    char want[200];
    snprintf(want, sizeof want, "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict", SESSIONS_CSRF_COOKIE, tok);
    TAP_EQ_STR(set_cookies(&f), want, "… set as a SameSite=Strict cookie");
    fake_free(&f);

    char cookie[128];
    snprintf(cookie, sizeof cookie, "%s=%s", SESSIONS_CSRF_COOKIE, tok);
    fake_init(&f, cookie, NULL);
    const char *again = sessions_login_csrf(&f.call);
    TAP_EQ_STR(again, tok, "a well-formed cookie is reused");
    TAP_EQ_STR(set_cookies(&f), "", "… without setting it again");
    fake_free(&f);

    fake_init(&f, SESSIONS_CSRF_COOKIE "=short", NULL);
    const char *replaced = sessions_login_csrf(&f.call);
    tap_ok(replaced != NULL && strlen(replaced) == GRANTS_TOKEN_CHARS && strcmp(replaced, "short") != 0,
           "a malformed cookie is replaced");
    fake_free(&f);

    char other[GRANTS_TOKEN_BUF];
    snprintf(other, sizeof other, "%s", tok);
    other[0] = other[0] == 'A' ? 'B' : 'A';
    const struct {
        const char *cookie, *field, *name;
        bool ok;
    } rows[] = {
        {cookie, tok, "the field matches the cookie", true},
        {cookie, other, "another token", false},
        {cookie, "", "an empty field", false},
        {cookie, NULL, "no field", false},
        {NULL, tok, "no cookie", false},
        {SESSIONS_CSRF_COOKIE "=short", "short", "a malformed cookie and the same field", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fake_init(&f, rows[i].cookie, NULL);
        tap_ok(sessions_login_csrf_ok(&f.call, rows[i].field, rows[i].field ? strlen(rows[i].field) : 0) == rows[i].ok,
               "sign-in csrf: %s: %s", rows[i].name, rows[i].ok ? "accepted" : "refused");
        fake_free(&f);
    }
}

int main(void)
{
    test_cookie_parsing();
    test_login_csrf();
    struct db *db = test_db_connect(NULL);
    if (db == NULL) {
        tap_ok(0, "the test database is reachable");
        return tap_done();
    }
    struct db_value u[] = {DB_UINT(USER)};
    db_exec(db, "DELETE FROM {p}cartman_sessions WHERE user_id = ?", u, 1, NULL);
    test_sessions(db);
    db_exec(db, "DELETE FROM {p}cartman_sessions WHERE user_id = ?", u, 1, NULL);
    db_close(db);
    return tap_done();
}
