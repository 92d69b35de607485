/*
 * apid/guard.h — the authentication phase in front of every protected apid route.
 *
 * A protected route names apid_guard as its handler and a struct apid_route_policy as its data:
 *
 *   static const struct apid_route_policy list_orders = {"orders:read", orders_list};
 *   {HTTP_GET, "/orders", apid_guard, 0, 0, &list_orders},
 *
 * apid_guard checks, in this order and before any handler: the IP allowlist of the security settings
 * (403 cartman_ip_not_allowed), the per-IP rate limit, the credential (DESIGN §7: bearer JWT from
 * authd, WordPress application password, connection key; the latter two with the sign-in lockout),
 * the scope and the per-credential limit (DESIGN §10), and only then calls the policy's handler with
 * the verified identity. On any failure it has already answered (401 with WWW-Authenticate, 403, 429,
 * 503) and the handler never runs. HTTPS was enforced before (common/daemon.c, for every route).
 *
 * A public route (no credential, the handler gets who == NULL) has the route flag APID_ROUTE_PUBLIC;
 * one that must stay reachable from any address whatever the allowlist says (the storefront support
 * form) APID_ROUTE_ANY_ADDRESS as well:
 *
 *   static const struct apid_route_policy index = {NULL, index_handler};
 *   {HTTP_GET, "/", apid_guard, 0, APID_ROUTE_PUBLIC, &index},
 */
#ifndef APID_GUARD_H
#define APID_GUARD_H

#include <stdint.h>

#include "common/http_server.h"

enum apid_credential { APID_CRED_BEARER, APID_CRED_APP_PASSWORD, APID_CRED_CONNECTION_KEY };

struct apid_identity {
    enum apid_credential kind;
    uint64_t user_id;      /* WordPress user ID */
    uint64_t grant_id;     /* bearer: the sid claim; 0 otherwise */
    const char *client_id; /* bearer: client_id claim; otherwise "" */
    const char *scope;     /* space-separated granted scopes */
};

typedef int (*apid_handler_fn)(struct http_call *call, const struct apid_identity *who);

/* http_route.flags bits of apid's own */
#define APID_ROUTE_PUBLIC (HTTP_ROUTE_USER << 0)      /* no credential: the handler runs with who == NULL */
#define APID_ROUTE_ANY_ADDRESS (HTTP_ROUTE_USER << 1) /* not subject to the IP allowlist */

struct apid_route_policy {
    const char *scope; /* the scope the route needs, e.g. "orders:read"; NULL: any valid credential */
    apid_handler_fn handler;
};

/* The route handler of every protected route (route->data is its struct apid_route_policy). */
int apid_guard(struct http_call *call);

#endif
