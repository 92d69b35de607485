/*
 * common/security_settings.h — the run-time security policy an admin edits (DESIGN §9), read from
 * {p}cartman_settings and cached, so that checking it costs no query per request.
 *
 *   const struct security_settings *s = security_settings_get(worker);   // this thread's copy
 *   if (s->https_required && !http_is_secure(call)) …
 *
 * Rows (name → value):
 *   https_required    "1"/"0" (also true/false, yes/no, on/off); default on
 *   ip_allowlist      CIDR list, commas and/or white space ("203.0.113.0/24, 2001:db8::/32");
 *                     empty or absent: no allowlist. A value that does not parse denies every address
 *                     (and says so in the log) rather than silently allowing all.
 *   lockout_user_max, lockout_ip_max, lockout_window_s, lockout_lock_s   common/lockout.h
 *   order_meta_allowlist  protected order and item meta keys (starting with '_') the order JSON may show
 *                     (apid/order_meta.h): keys separated by commas or line breaks; empty or absent:
 *                     none. Over SECURITY_ORDER_META_ALLOWLIST_BYTES, or with control characters:
 *                     none (and the log says so).
 * Rate limits keep their own rows and readers (apid/guard.c, authd/token_endpoint.c).
 *
 * Freshness: one request in the process re-reads the rows at most every SECURITY_SETTINGS_RELOAD_MS
 * (the others do not wait for it), and each worker thread copies the new values when it next asks,
 * so an edit is in force everywhere within about 5 seconds. While the rows were never read (the
 * database down since start), `loaded` is false and the defaults are in force.
 */
#ifndef COMMON_SECURITY_SETTINGS_H
#define COMMON_SECURITY_SETTINGS_H

#include <stdbool.h>

#include "common/cidr.h"
#include "common/daemon.h"
#include "common/lockout.h"

#define SECURITY_SETTINGS_RELOAD_MS 5000
#define SECURITY_ORDER_META_ALLOWLIST_BYTES 4096

struct security_settings {
    bool loaded;                /* read from the database at least once */
    bool https_required;        /* cleartext is refused (common/daemon.c), loopback in dev mode excepted */
    bool allowlist_on;          /* ip_allowlist is set */
    bool allowlist_invalid;     /* ... but did not parse: no address is allowed */
    struct cidr_list allowlist;
    struct lockout_policy lockout;
    char order_meta_allowlist[SECURITY_ORDER_META_ALLOWLIST_BYTES + 1]; /* "" lists nothing */
};

/* This worker thread's copy, refreshed as described above (may run the one query, on w's connection). */
const struct security_settings *security_settings_get(struct daemon_worker *w);

/* This thread's copy as last taken by security_settings_get, without a reload: for code that has no
 * worker at hand and runs after the request's guard refreshed it (the defaults in a thread that never
 * asked). */
const struct security_settings *security_settings_peek(void);

/* Whether the allowlist lets addr through (true when there is no allowlist; false for an unknown
 * client or an invalid list). */
bool security_settings_allows(const struct security_settings *s, bool known, const uint8_t addr[16]);

/* Parses rows into *out (from the defaults). Exposed for the unit tests. */
void security_settings_parse(struct security_settings *out, const char *const *names, const char *const *values,
                             size_t n);

#endif
