/*
 * common/lockout.h — lockout per IP and per user after repeated failed sign-ins, kept in
 * {p}cartman_login_failures so that every instance sees the same counts. authd's sign-in and
 * password grant and apid's application passwords and connection keys count together: a user or an
 * address locked at one is locked at the other.
 *
 *   const struct lockout_policy *pol = &security_settings_get(worker)->lockout;   // cached, no query
 *   if (lockout_check(db, pol, ip, user, &retry) == 1) → refuse without verifying anything
 *   verify… → lockout_record_failure(db, pol, ip, user) or lockout_record_success(db, ip, user)
 *
 * user is the account's canonical key: the user ID in decimal when the account exists, otherwise the
 * name as typed, lower-cased (so an attacker probing a non-existent name is counted too), or NULL.
 * Failures older than the window start a new count; reaching the threshold locks the subject for
 * lock_s seconds. A success deletes both the IP's and the user's record.
 */
#ifndef COMMON_LOCKOUT_H
#define COMMON_LOCKOUT_H

#include <stdbool.h>

#include "common/db.h"

#define LOCKOUT_DEFAULT_USER_MAX 5
#define LOCKOUT_DEFAULT_IP_MAX 20
#define LOCKOUT_DEFAULT_WINDOW_S (15 * 60)
#define LOCKOUT_DEFAULT_LOCK_S (15 * 60)

struct lockout_policy {
    unsigned user_max, ip_max; /* failures within window_s that lock */
    unsigned window_s, lock_s;
};

/* The defaults above. */
void lockout_policy_defaults(struct lockout_policy *out);

/* Applies one cartman_settings row (lockout_user_max, lockout_ip_max, lockout_window_s, lockout_lock_s:
 * a positive integer of at most ten years). True when name is one of these and value is valid. The rows
 * are read and cached with the other security settings (common/security_settings.h), never per sign-in. */
bool lockout_policy_set(struct lockout_policy *p, const char *name, const char *value);

/* 1 locked (*retry_after = seconds left, >= 1), 0 not locked, -1 database error. ip/user may be NULL. */
int lockout_check(struct db *db, const struct lockout_policy *p, const char *ip, const char *user,
                  unsigned *retry_after);

/* Counts one failure for ip and for user (each may be NULL), atomically. 0, or -1. */
int lockout_record_failure(struct db *db, const struct lockout_policy *p, const char *ip, const char *user);

/* Clears ip's and user's records. 0, or -1. */
int lockout_record_success(struct db *db, const char *ip, const char *user);

#endif
