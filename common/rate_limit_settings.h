/*
 * common/rate_limit_settings.h — a daemon's pair of rate limit tables (common/rate_limit.h) whose limits
 * come from two cartman_settings rows ("BURST/PER_SECOND", edited in the admin console) or, without
 * them, from the defaults the daemon names.
 *
 * Usage: one static struct per limited place, with what, limit[] and mu = PTHREAD_MUTEX_INITIALIZER set
 * (the rest zero); every request calls rate_limit_settings_refresh first, then takes its token from
 * table[0] or table[1]. The first call creates the tables (the other workers wait for it); later the rows are re-read at most every
 * RATE_LIMIT_SETTINGS_RELOAD_MS by one request, and the others go on without waiting. A database that
 * cannot be read keeps the limits in force (the defaults before the first read).
 */
#ifndef COMMON_RATE_LIMIT_SETTINGS_H
#define COMMON_RATE_LIMIT_SETTINGS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/db.h"
#include "common/rate_limit.h"

#define RATE_LIMIT_SETTINGS_RELOAD_MS 5000

struct rate_limit_setting {
    const char *name;  /* the cartman_settings row */
    const char *label; /* in the log line: "per IP" */
    unsigned burst;    /* the default */
    double per_second;
};

struct rate_limit_settings {
    const char *what; /* names the pair in the log line: "API rate limits" */
    struct rate_limit_setting limit[2];
    /* set by the first refresh, then read by every worker */
    struct rate_limit *table[2];
    /* under mu */
    unsigned burst[2];
    double per_second[2];
    pthread_mutex_t mu;
    atomic_bool ready;
    atomic_llong next_ms;
};

/* Creates the tables on the first call, then re-reads the two rows when RATE_LIMIT_SETTINGS_RELOAD_MS
 * have passed. db may be NULL (no connection now: the limits stay). */
void rate_limit_settings_refresh(struct rate_limit_settings *s, struct db *db);

/* Applies rows read now (names[i] = values[i]; other names are ignored, a row that does not parse
 * leaves its default), creating the tables if needed. n = SIZE_MAX: the rows could not be read, the
 * limits in force stay. Refresh calls it; tests call it directly. */
void rate_limit_settings_apply(struct rate_limit_settings *s, const char *const *names, const char *const *values,
                               size_t n);

/* Frees the tables (tests). */
void rate_limit_settings_free(struct rate_limit_settings *s);

#endif
