/*
 * common/audit.h — one row of {p}cartman_audit_log per security event (sign-in, token, key, settings,
 * every write), for authd and apid alike.
 *
 * Never pass a secret: detail is a short JSON object of non-secret facts ({"reason":"expired"}), ip the
 * peer address, object the thing acted on ("grant", "42").
 */
#ifndef COMMON_AUDIT_H
#define COMMON_AUDIT_H

#include <stdint.h>

#include <jansson.h>

#include "common/db.h"

struct audit_event {
    const char *event;       /* "token.refresh", "key.create", "token.revoke" */
    const char *result;      /* "ok", "denied", "error" */
    uint64_t user_id;        /* 0: none */
    const char *client_id;   /* NULL: none */
    const char *ip;          /* NULL: none */
    const char *object_type; /* "grant", "connection_key"; NULL: none */
    const char *object_id;
    json_t *detail;          /* borrowed; NULL: none. Serialised compactly, cut at AUDIT_DETAIL_MAX */
};

#define AUDIT_DETAIL_MAX 2000

/* Writes the row. 0, or -1 (logged: an audit failure never fails the request it describes). */
int audit_write(struct db *db, const struct audit_event *e);

/* Shorthand for a detail of one {"reason": reason} (reason may be NULL). */
int audit_log(struct db *db, const char *event, const char *result, uint64_t user_id, const char *client_id,
              const char *ip, const char *reason);

#endif
