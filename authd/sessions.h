/*
 * authd/sessions.h — browser sessions of the sign-in pages ({p}cartman_sessions).
 *
 * The cookie __Host-cartman_session (Secure, HttpOnly, SameSite=Lax, Path=/, no Domain) holds 256
 * random bits (43 base64url characters); the table holds only their SHA-256. A session ends after
 * SESSIONS_IDLE_S without use or SESSIONS_ABSOLUTE_S after sign-in, whichever comes first. Each
 * session has its own CSRF token that every form of a signed-in page carries: HMAC-SHA256 keyed with the
 * session id itself, so it is never stored and a reader of the database (which holds only SHA-256 of the
 * id) cannot compute it;
 * the sign-in form itself, which has no session yet, uses a double-submit cookie
 * (__Host-cartman_csrf, compared with the form's field). All comparisons are constant-time.
 */
#ifndef AUTHD_SESSIONS_H
#define AUTHD_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/db.h"
#include "common/http_server.h"

#define SESSIONS_COOKIE "__Host-cartman_session"
#define SESSIONS_CSRF_COOKIE "__Host-cartman_csrf"
#define SESSIONS_IDLE_S (30LL * 60)
#define SESSIONS_ABSOLUTE_S (12LL * 3600)
#define SESSIONS_TOKEN_BUF 48 /* 43 base64url characters + NUL */

struct session {
    char id_hash[65];
    uint64_t user_id;
    char csrf[SESSIONS_TOKEN_BUF];
};

/* The value of cookie name in the request (not NUL-terminated), or NULL. */
const char *sessions_cookie(struct http_call *call, const char *name, size_t *len);

/* The request's live session: 1 found (last use updated), 0 none (absent, unknown or expired), -1 error. */
int sessions_find(struct http_call *call, struct db *db, struct session *out);

/* Starts a session for user_id and sets its cookie on the response. 0, or -1. */
int sessions_create(struct http_call *call, struct db *db, uint64_t user_id, struct session *out);

/* Ends the session and clears its cookie on the response. 0, or -1. */
int sessions_delete(struct http_call *call, struct db *db, const struct session *s);

/* Whether the form's csrf value is the session's token (constant time). */
bool sessions_csrf_ok(const struct session *s, const char *csrf, size_t len);

/* The sign-in form's CSRF token: the request's __Host-cartman_csrf cookie when it is well-formed, else
 * a new one, set as that cookie on the response. NULL when randomness fails. Pool memory. */
const char *sessions_login_csrf(struct http_call *call);

/* Whether the sign-in form's csrf field matches its cookie (constant time). */
bool sessions_login_csrf_ok(struct http_call *call, const char *csrf, size_t len);

#endif
