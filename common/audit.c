/*
 * common/audit.c — writes audit rows. Owns the INSERT into {p}cartman_audit_log and the shape of the
 * detail column (compact JSON, bounded). Does not decide what is worth auditing, filter secrets out of
 * what it is given (callers never pass them) or read the log back (the admin console does).
 */
#include "common/audit.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"

static const char SQL_INSERT[] =
    "INSERT INTO {p}cartman_audit_log (created_at, event, result, user_id, client_id, ip, object_type, object_id, detail)"
    " VALUES (UTC_TIMESTAMP(3), ?, ?, ?, ?, ?, ?, ?, ?)";

static struct db_value opt_str(const char *s, size_t max)
{
    if (s == NULL)
        return DB_NULLV;
    size_t n = strlen(s);
    return DB_STRN(s, n > max ? max : n);
}

int audit_write(struct db *db, const struct audit_event *e)
{
    char *detail = NULL;
    size_t dlen = 0;
    if (e->detail != NULL) {
        detail = json_dumps(e->detail, JSON_COMPACT);
        if (detail != NULL)
            dlen = strlen(detail);
        if (dlen > AUDIT_DETAIL_MAX)
            dlen = AUDIT_DETAIL_MAX;
    }
    struct db_value p[] = {
        opt_str(e->event, 64),        opt_str(e->result, 32),
        e->user_id ? DB_UINT(e->user_id) : DB_NULLV,
        opt_str(e->client_id, 100),   opt_str(e->ip, 100),
        opt_str(e->object_type, 32),  opt_str(e->object_id, 64),
        detail ? DB_STRN(detail, dlen) : DB_NULLV,
    };
    int rc = db_exec(db, SQL_INSERT, p, sizeof p / sizeof p[0], NULL);
    if (rc != 0)
        log_error("audit: cannot write %s/%s: %s", e->event, e->result, db_error(db));
    free(detail);
    return rc;
}

int audit_log(struct db *db, const char *event, const char *result, uint64_t user_id, const char *client_id,
              const char *ip, const char *reason)
{
    json_t *d = reason ? json_pack("{s:s}", "reason", reason) : NULL;
    struct audit_event e = {.event = event, .result = result, .user_id = user_id, .client_id = client_id,
                            .ip = ip, .detail = d};
    int rc = audit_write(db, &e);
    json_decref(d);
    return rc;
}
