/*
 * common/lockout.c — failure counting and lockout in {p}cartman_login_failures.
 *
 * Owns the SQL: one atomic INSERT … ON DUPLICATE KEY UPDATE per subject and failure (MariaDB and MySQL
 * evaluate the UPDATE assignments left to right, so `failures` is updated before `locked_until` reads
 * it), one SELECT to check, one DELETE on success. All times are the database's UTC clock, so several
 * instances agree. Does not: read the thresholds from the database (common/security_settings.c caches
 * them), verify passwords, decide what a "user" key is (the caller does), or expire old rows (a row
 * past its window is simply restarted by the next failure).
 */
#include "common/lockout.h"

#include <stdlib.h>
#include <string.h>

static const char SQL_CHECK[] =
    "SELECT GREATEST(1, TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), MAX(locked_until))) FROM {p}cartman_login_failures"
    " WHERE ((subject_type = 'ip' AND subject = ?) OR (subject_type = 'user' AND subject = ?))"
    " AND locked_until > UTC_TIMESTAMP()";

static const char SQL_FAIL[] =
    "INSERT INTO {p}cartman_login_failures (subject_type, subject, failures, first_failure_at, last_failure_at,"
    " locked_until) VALUES (?, ?, 1, UTC_TIMESTAMP(), UTC_TIMESTAMP(),"
    " IF(1 >= ?, UTC_TIMESTAMP() + INTERVAL ? SECOND, NULL))"
    " ON DUPLICATE KEY UPDATE"
    " failures = IF(first_failure_at < UTC_TIMESTAMP() - INTERVAL ? SECOND, 1, failures + 1),"
    " first_failure_at = IF(first_failure_at < UTC_TIMESTAMP() - INTERVAL ? SECOND, UTC_TIMESTAMP(), first_failure_at),"
    " last_failure_at = UTC_TIMESTAMP(),"
    " locked_until = IF(failures >= ?, UTC_TIMESTAMP() + INTERVAL ? SECOND, locked_until)";

static const char SQL_CLEAR[] =
    "DELETE FROM {p}cartman_login_failures WHERE (subject_type = 'ip' AND subject = ?)"
    " OR (subject_type = 'user' AND subject = ?)";

static struct db_value subject(const char *s)
{
    if (s == NULL || !*s)
        return DB_STRN("", 0); /* matches nothing real: subjects are never empty */
    size_t n = strlen(s);
    return DB_STRN(s, n > 191 ? 191 : n);
}

void lockout_policy_defaults(struct lockout_policy *out)
{
    *out = (struct lockout_policy){LOCKOUT_DEFAULT_USER_MAX, LOCKOUT_DEFAULT_IP_MAX, LOCKOUT_DEFAULT_WINDOW_S,
                                   LOCKOUT_DEFAULT_LOCK_S};
}

bool lockout_policy_set(struct lockout_policy *p, const char *name, const char *v)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (end == v || *end != '\0' || v[0] == '-' || n == 0 || n > 315360000UL /* ten years */)
        return false;
    if (strcmp(name, "lockout_user_max") == 0)
        p->user_max = (unsigned)n;
    else if (strcmp(name, "lockout_ip_max") == 0)
        p->ip_max = (unsigned)n;
    else if (strcmp(name, "lockout_window_s") == 0)
        p->window_s = (unsigned)n;
    else if (strcmp(name, "lockout_lock_s") == 0)
        p->lock_s = (unsigned)n;
    else
        return false;
    return true;
}

int lockout_check(struct db *db, const struct lockout_policy *p, const char *ip, const char *user,
                  unsigned *retry_after)
{
    (void)p;
    *retry_after = 0;
    struct db_value params[] = {subject(ip), subject(user)};
    struct db_rows rows;
    if (db_query(db, SQL_CHECK, params, 2, &rows) != 0)
        return -1;
    int locked = 0;
    if (rows.nrows == 1 && db_cell(&rows, 0, 0) != NULL) {
        long s = strtol(db_cell(&rows, 0, 0), NULL, 10);
        *retry_after = s < 1 ? 1 : (unsigned)s;
        locked = 1;
    }
    db_rows_free(&rows);
    return locked;
}

static int fail_one(struct db *db, const char *type, const char *s, unsigned max, const struct lockout_policy *p)
{
    struct db_value params[] = {DB_STR(type),         subject(s),          DB_UINT(max),
                                DB_UINT(p->lock_s),   DB_UINT(p->window_s), DB_UINT(p->window_s),
                                DB_UINT(max),         DB_UINT(p->lock_s)};
    return db_exec(db, SQL_FAIL, params, sizeof params / sizeof params[0], NULL);
}

int lockout_record_failure(struct db *db, const struct lockout_policy *p, const char *ip, const char *user)
{
    int rc = 0;
    if (ip && *ip && fail_one(db, "ip", ip, p->ip_max, p) != 0)
        rc = -1;
    if (user && *user && fail_one(db, "user", user, p->user_max, p) != 0)
        rc = -1;
    return rc;
}

int lockout_record_success(struct db *db, const char *ip, const char *user)
{
    struct db_value params[] = {subject(ip), subject(user)};
    return db_exec(db, SQL_CLEAR, params, 2, NULL);
}
