/*
 * authd/grants.h — grants ({p}cartman_grants: one per app sign-in, its id is the tokens' sid) and
 * their refresh tokens ({p}cartman_refresh_tokens).
 *
 * Refresh tokens are 256 random bits (43 base64url characters), stored as SHA-256 hex, with a sliding
 * life of GRANTS_REFRESH_LIFE_S: each use rotates the token (the old one is marked rotated_at /
 * replaced_by, a new one is issued with a fresh 30-day life).
 *
 * Reuse of a spent token revokes the whole grant — except a retry within GRANTS_REUSE_GRACE_S of the
 * rotation while its successor has not been used yet (the client lost the response): that retry gets
 * a fresh token and the unused successor is superseded (marked spent with replaced_by = ''), so only
 * one chain stays live. Presenting a superseded successor later is reuse, and revokes the grant.
 *
 * Every refresh is one transaction that also holds its audit row (one "token.refresh" row per outcome,
 * none for GRANTS_BAD_SCOPE and GRANTS_ERROR): SELECT … FOR UPDATE of the grant, the token and its
 * successor, which also reads the user's {prefix}capabilities (without locking WordPress's row); one
 * INSERT … ON DUPLICATE KEY UPDATE that stores the new token and spends the presented one; the audit row;
 * COMMIT. A user who lost manage_woocommerce gets no new token: the grant is revoked in that same
 * transaction. So a refresh either happens with its audit row or not at all.
 * Lock order: the grant row first, then its tokens, in every transaction here (grants_revoke updates the
 * grant before its tokens), so refreshes and revocations of one grant queue instead of deadlocking.
 */
#ifndef AUTHD_GRANTS_H
#define AUTHD_GRANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/db.h"

#define GRANTS_REFRESH_LIFE_S (30 * 86400)
#define GRANTS_REUSE_GRACE_S 30
#define GRANTS_TOKEN_CHARS 43 /* base64url of 32 bytes */
#define GRANTS_TOKEN_BUF 48

struct grant {
    uint64_t id, user_id;
    char client_id[101];
    char scope[501];
    int64_t created; /* Unix seconds */
};

enum grants_refresh_status {
    GRANTS_ROTATED,       /* a fresh token; the presented one is now spent */
    GRANTS_GRACE,         /* a retry within the grace window: fresh token, previous successor superseded */
    GRANTS_INVALID,       /* unknown, expired, or its grant was revoked */
    GRANTS_WRONG_CLIENT,  /* issued to another client (nothing changed) */
    GRANTS_REUSE_REVOKED, /* a spent token: the grant is now revoked */
    GRANTS_USER_DENIED,   /* the user lost manage_woocommerce: the grant is now revoked */
    GRANTS_BAD_SCOPE,     /* the narrowed scope asks for more than the grant has (nothing changed) */
    GRANTS_ERROR,         /* database error (rolled back) */
};

/* A new random token and its SHA-256 hex. 0, or -1 when randomness fails. */
int grants_new_token(char token[GRANTS_TOKEN_BUF], char hash[65]);
/* SHA-256 hex of a presented token. */
void grants_token_hash(const char *token, size_t len, char hash[65]);

/* Creates a grant and its first refresh token (one transaction). 0, or -1 (logged). */
int grants_create(struct db *db, uint64_t user_id, const char *client_id, const char *scope, const char *grant_type,
                  const char *ip, struct grant *out, char refresh[GRANTS_TOKEN_BUF]);

/* Whether every scope in want (space-separated) is in have. */
bool grants_scope_subset(const char *want, size_t wlen, const char *have);

/* The scopes of src (space-separated, any number of spaces) written to out (at least len + 1 bytes)
 * one space apart, without leading or trailing spaces, NUL-terminated; returns the length (0: none). */
size_t grants_scope_normalize(const char *src, size_t len, char *out);

struct grants_refresh_req {
    const char *token; /* as presented */
    size_t len;
    const char *client_id;  /* the authenticated client */
    const char *narrow;     /* the requested scope, NULL: none; must be a subset of the grant's */
    size_t narrow_len;
    const char *ip;         /* the client's address, for the audit row */
};

/* Rotates a presented refresh token (see the top of this file). On GRANTS_ROTATED/GRANTS_GRACE, *out is
 * the grant and refresh the new token; on the refusals that found the token (GRANTS_REUSE_REVOKED,
 * GRANTS_USER_DENIED, GRANTS_WRONG_CLIENT, GRANTS_INVALID of a spent grant), out->id (and user, client)
 * name the grant concerned. */
enum grants_refresh_status grants_refresh(struct db *db, const struct grants_refresh_req *rq, struct grant *out,
                                          char refresh[GRANTS_TOKEN_BUF]);

/* Looks up a refresh token without changing it: 1 found (*active: not spent, not expired, grant live;
 * *exp its expiry), 0 unknown, -1 error. */
int grants_find_refresh(struct db *db, const char *token, size_t len, struct grant *out, bool *active, int64_t *exp);

/* Loads grant id: 1 found (*revoked), 0 unknown, -1 error. */
int grants_load(struct db *db, uint64_t id, struct grant *out, bool *revoked);

/* Revokes the grant and spends its refresh tokens (one transaction). 1 revoked now, 0 already revoked or
 * unknown, -1 error. */
int grants_revoke(struct db *db, uint64_t id, const char *reason);

#endif
