/*
 * tests/unit/test_lockout.c — common/lockout against the live test database: counting per IP and user,
 * the lock at the threshold, the window restarting the count, settings rows overriding the defaults
 * (lockout_policy_set, table-driven), and a success clearing both records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/lockout.h"
#include "tests/tap.h"
#include "tests/test_db_env.h"

static char ip[64], user[64];

static long failures(struct db *db, const char *type, const char *subject)
{
    struct db_value p[] = {DB_STR(type), DB_STR(subject)};
    struct db_rows rows;
    long n = -1;
    if (db_query(db, "SELECT failures FROM {p}cartman_login_failures WHERE subject_type = ? AND subject = ?", p, 2,
                 &rows) == 0) {
        n = rows.nrows == 1 ? strtol(db_cell(&rows, 0, 0), NULL, 10) : 0;
        db_rows_free(&rows);
    }
    return n;
}

int main(void)
{
    struct db *db = test_db_connect(NULL);
    if (db == NULL) {
        tap_ok(0, "the test database is reachable");
        return tap_done();
    }
    snprintf(ip, sizeof ip, "192.0.2.%d", (int)(getpid() % 250));
    snprintf(user, sizeof user, "unit-lockout-%ld-%d", (long)time(NULL), (int)getpid());

    struct lockout_policy pol;
    lockout_policy_defaults(&pol);
    TAP_EQ_INT(pol.user_max, LOCKOUT_DEFAULT_USER_MAX, "default user threshold");
    TAP_EQ_INT(pol.ip_max, LOCKOUT_DEFAULT_IP_MAX, "default IP threshold");
    TAP_EQ_INT(pol.window_s, LOCKOUT_DEFAULT_WINDOW_S, "default window");
    TAP_EQ_INT(pol.lock_s, LOCKOUT_DEFAULT_LOCK_S, "default lock time");

    static const struct {
        const char *name, *value;
        bool applied;
    } rows[] = {
        {"lockout_user_max", "3", true},          {"lockout_lock_s", "junk", false},
        {"lockout_ip_max", "0", false},           {"lockout_window_s", "-5", false},
        {"lockout_window_s", "12x", false},       {"lockout_window_s", "315360001", false},
        {"lockout_window_s", "315360000", true},  {"https_required", "1", false},
        {"lockout_window_s", "", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char name[96];
        snprintf(name, sizeof name, "%s = '%s' %s", rows[i].name, rows[i].value,
                 rows[i].applied ? "applies" : "is ignored");
        TAP_EQ_INT(lockout_policy_set(&pol, rows[i].name, rows[i].value), rows[i].applied, name);
    }
    TAP_EQ_INT(pol.user_max, 3, "a valid row overrides the threshold");
    TAP_EQ_INT(pol.ip_max, LOCKOUT_DEFAULT_IP_MAX, "a zero keeps the default");
    TAP_EQ_INT(pol.lock_s, LOCKOUT_DEFAULT_LOCK_S, "a malformed setting keeps the default");
    TAP_EQ_INT(pol.window_s, 315360000, "ten years is the most");
    pol.window_s = LOCKOUT_DEFAULT_WINDOW_S;

    unsigned retry = 99;
    TAP_EQ_INT(lockout_check(db, &pol, ip, user, &retry), 0, "nothing recorded: not locked");
    TAP_EQ_INT(retry, 0, "no retry time");
    for (int i = 0; i < 2; i++)
        lockout_record_failure(db, &pol, ip, user);
    TAP_EQ_INT(failures(db, "ip", ip), 2, "two failures for the IP");
    TAP_EQ_INT(failures(db, "user", user), 2, "two failures for the user");
    TAP_EQ_INT(lockout_check(db, &pol, ip, user, &retry), 0, "below the threshold: not locked");
    lockout_record_failure(db, &pol, NULL, user);
    TAP_EQ_INT(lockout_check(db, &pol, "198.51.100.1", user, &retry), 1, "the third failure locks the user, from any IP");
    tap_ok(retry >= LOCKOUT_DEFAULT_LOCK_S - 5 && retry <= LOCKOUT_DEFAULT_LOCK_S, "retry after about the lock time (%u)", retry);
    TAP_EQ_INT(lockout_check(db, &pol, ip, "someone-else", &retry), 0, "the IP (2 of 20) is not locked for others");

    /* failures outside the window start a new count */
    struct db_value p[] = {DB_STR(user)};
    db_exec(db, "UPDATE {p}cartman_login_failures SET first_failure_at = UTC_TIMESTAMP() - INTERVAL 1 DAY,"
                " locked_until = NULL WHERE subject_type = 'user' AND subject = ?", p, 1, NULL);
    lockout_record_failure(db, &pol, NULL, user);
    TAP_EQ_INT(failures(db, "user", user), 1, "a failure after the window restarts the count");
    TAP_EQ_INT(lockout_check(db, &pol, NULL, user, &retry), 0, "… and the user is not locked");

    TAP_EQ_INT(lockout_record_success(db, ip, user), 0, "success");
    TAP_EQ_INT(failures(db, "ip", ip) + failures(db, "user", user), 0, "a success clears the IP's and the user's records");

    struct lockout_policy ip1 = pol;
    ip1.ip_max = 1;
    lockout_record_failure(db, &ip1, ip, NULL);
    TAP_EQ_INT(lockout_check(db, &ip1, ip, NULL, &retry), 1, "the IP threshold locks the IP");
    lockout_record_success(db, ip, NULL);
    db_close(db);
    return tap_done();
}
