/*
 * authd/authorization_code.h — authorization codes ({p}cartman_auth_codes): made when the user approves
 * an app on the consent page, exchanged at POST /oauth/token with grant_type=authorization_code.
 *
 * A code is 256 random bits (43 base64url characters), stored as SHA-256, lives AUTHORIZATION_CODE_LIFE_S
 * and is bound to the client, the redirect URI, the user, the scope and the PKCE S256 challenge. It is
 * single-use: the first exchange marks it used before anything else (a failed check burns it too); a
 * second exchange is refused and revokes the grant the first one created, with all its tokens
 * (RFC 6749 §4.1.2, RFC 9700 §4.5).
 */
#ifndef AUTHD_AUTHORIZATION_CODE_H
#define AUTHD_AUTHORIZATION_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "authd/clients.h"
#include "authd/grants.h"
#include "common/db.h"
#include "common/http_server.h"

#define AUTHORIZATION_CODE_LIFE_S 60

/* Stores a new code; code receives its 43 characters. 0, or -1. */
int authorization_code_create(struct db *db, const char *client_id, uint64_t user_id, const char *redirect_uri,
                              const char *scope, const char *code_challenge, char code[GRANTS_TOKEN_BUF]);

/* Whether s is a PKCE code_verifier or code_challenge: 43 to 128 characters of [A-Za-z0-9-._~]
 * (challenge: S256 output is base64url, a subset). */
bool authorization_code_pkce_chars_ok(const char *s, size_t len, bool allow_dot_tilde);

enum authorization_code_status {
    AUTHORIZATION_CODE_OK,          /* a new grant: *out, with its first refresh token */
    AUTHORIZATION_CODE_INVALID,     /* unknown, expired, another client's, another redirect URI, or the PKCE
                                       verifier does not match (a known code is burnt all the same) */
    AUTHORIZATION_CODE_REPLAY,      /* used before: the grant it produced is revoked (out->id names it, 0 if
                                       the first exchange had not recorded it yet) */
    AUTHORIZATION_CODE_USER_DENIED, /* the user no longer has manage_woocommerce (the code is burnt) */
    AUTHORIZATION_CODE_ERROR,       /* database error */
};

struct authorization_code_req {
    const char *client_id; /* the authenticated client */
    const char *code;      /* as presented; at most LIMIT_TOKEN_BYTES */
    size_t code_len;
    const char *redirect_uri;
    size_t redirect_len;
    const char *verifier; /* PKCE code_verifier, already checked by authorization_code_pkce_chars_ok */
    size_t verifier_len;
    const char *ip; /* for the grant and the audit row */
};

/* The exchange itself, without HTTP: claims the code, checks it, creates the grant; one
 * token.authorization_code audit row per outcome except AUTHORIZATION_CODE_ERROR. */
enum authorization_code_status authorization_code_exchange(struct db *db, const struct authorization_code_req *rq,
                                                           struct grant *out, char refresh[GRANTS_TOKEN_BUF]);

/* grant_type=authorization_code for an authenticated client (the token endpoint has parsed the form,
 * rejected repeated parameters and checked a confidential client's secret). Always answers. */
void authorization_code_grant(struct http_call *call, struct db *db, const struct client *client,
                              const struct form_field *f, size_t n);

#endif
