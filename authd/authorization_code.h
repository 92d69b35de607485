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

/* grant_type=authorization_code for an authenticated client (the token endpoint has parsed the form,
 * rejected repeated parameters and checked a confidential client's secret). Always answers. */
void authorization_code_grant(struct http_call *call, struct db *db, const struct client *client,
                              const struct form_field *f, size_t n);

#endif
