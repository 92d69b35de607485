/*
 * authd/discovery.h — what a client reads before it starts: RFC 8414 metadata, the JWKS, and
 * /oauth/discover (is this client and redirect URI accepted here, and which store is this).
 */
#ifndef AUTHD_DISCOVERY_H
#define AUTHD_DISCOVERY_H

#include <stddef.h>

#include "common/config.h"
#include "common/http_router.h"

/* The scopes authd issues (DESIGN §7), space-separated. */
#define DISCOVERY_SCOPES "orders:read orders:write products:read products:write reports:read tickets:read tickets:write"

/* The routes: GET /.well-known/oauth-authorization-server, /oauth/jwks.json, /oauth/discover. */
extern const struct http_route discovery_routes[];
#define DISCOVERY_NROUTES 3

/* The RFC 8414 metadata document for cfg, serialised (malloc'd, NUL-terminated). At start-up. */
char *discovery_metadata(const struct config *cfg, size_t *len);

#endif
