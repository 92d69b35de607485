/*
 * apid/revoked.h — the grants authd revoked recently, as every apid process sees them.
 *
 * A background thread with its own database connection reads `SELECT id FROM {p}cartman_grants WHERE
 * revoked_at >= UTC_TIMESTAMP() - INTERVAL REVOKED_WINDOW_S SECOND` (index revoked_at) every
 * REVOKED_REFRESH_MS and swaps in the sorted list, so a revocation reaches every apid within about
 * REVOKED_REFRESH_MS plus one query. The window covers the longest access token apid accepts
 * (BEARER_MAX_LIFETIME_S): a grant revoked earlier than that has no live access token left.
 */
#ifndef APID_REVOKED_H
#define APID_REVOKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

#define REVOKED_REFRESH_MS 1000
#define REVOKED_WINDOW_S 3900      /* BEARER_MAX_LIFETIME_S + 5 minutes of clock skew and leeway */
#define REVOKED_STALE_S 15         /* a list older than this is not trusted: bearer requests get 503 */

/* Whether grant_id is in the current list. */
bool revoked_contains(uint64_t grant_id);

/* Whether the list is fresh (refreshed within REVOKED_STALE_S). */
bool revoked_fresh(void);

/* Replaces the list (ids need not be sorted; copied). Tests and benchmarks use it directly; it also
 * marks the list fresh at that moment. */
void revoked_install(const uint64_t *ids, size_t n);

/* Starts / stops the refresher thread (SIGTERM/SIGINT blocked in it). 0, or -1 (logged). */
int revoked_start(const struct config *cfg);
void revoked_stop(void);

#endif
