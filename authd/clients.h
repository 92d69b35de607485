/*
 * authd/clients.h — the OAuth client registry: the built-in public client `cartman-mobile` and the
 * clients in {prefix}cartman_clients.
 *
 * Redirect URIs are compared exactly (byte for byte), with one exception (RFC 8252 §7.3): when a
 * client registered a loopback URI http://127.0.0.1/callback or http://[::1]/callback (any port or
 * none), any port is accepted on that host, the path must be exactly /callback, and there may be no
 * query, fragment or userinfo. `localhost` is never a loopback host here (RFC 8252 §8.3). The built-in
 * client has cartman://oauth/callback and both loopback URIs; exp:// URIs (Expo development builds)
 * only in development mode.
 *
 * Confidential clients' secrets are 256 random bits shown once, stored as "sha256:<hex>": a secret of
 * that entropy cannot be guessed from a fast hash, so bcrypt would only cost tens of milliseconds per
 * token request without adding anything; the check compares in constant time.
 */
#ifndef AUTHD_CLIENTS_H
#define AUTHD_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/db.h"

#define CLIENTS_BUILTIN_ID "cartman-mobile"
#define CLIENTS_ID_BYTES 101          /* client_id varchar(100) + NUL */
#define CLIENTS_NAME_BYTES 201        /* name varchar(200) + NUL */
#define CLIENTS_MAX_REDIRECTS 8       /* redirect URIs of one client */
#define CLIENTS_REDIRECT_BYTES 4096   /* all of them, NUL-separated */
#define CLIENTS_SECRET_HASH_BYTES 80  /* "sha256:" + 64 hex + NUL */
#define CLIENTS_SCOPES_BYTES 501

struct client {
    char client_id[CLIENTS_ID_BYTES];
    char name[CLIENTS_NAME_BYTES];
    bool confidential;
    bool builtin;
    char secret_hash[CLIENTS_SECRET_HASH_BYTES]; /* "" for public clients */
    char allowed_scopes[CLIENTS_SCOPES_BYTES];   /* space-separated; "" means every scope */
    size_t nredirect;
    size_t redirect_off[CLIENTS_MAX_REDIRECTS]; /* offsets into redirect_buf (the struct copies safely) */
    size_t redirect_len[CLIENTS_MAX_REDIRECTS];
    char redirect_buf[CLIENTS_REDIRECT_BYTES];
};

/* The i-th registered redirect URI (NUL-terminated). */
static inline const char *clients_redirect(const struct client *c, size_t i)
{
    return c->redirect_buf + c->redirect_off[i];
}

/* The built-in cartman-mobile client. */
void clients_builtin(struct client *out);

/* Adds a redirect URI to out. 0, or -1 when it does not fit. */
int clients_add_redirect(struct client *out, const char *uri, size_t len);

/* Finds a client by id: the built-in one without touching the database (db may be NULL for it), the
 * others in {p}cartman_clients. 0 found, 1 not found, -1 database error or no database (or a malformed
 * row, logged). */
int clients_find(struct db *db, const char *client_id, size_t len, struct client *out);

/* Whether uri (counted; may contain anything, NUL included) may receive this client's responses. */
bool clients_redirect_uri_allowed(const struct client *c, const char *uri, size_t len, bool dev_mode);

/* Whether secret is this confidential client's secret (constant time). False for public clients. */
bool clients_check_secret(const struct client *c, const char *secret, size_t len);

/* `authd clients create|list|delete …` (authd/keys_cli.h's table calls it). Exit status. */
int clients_command(struct db *db, int argc, char **argv);

#endif
