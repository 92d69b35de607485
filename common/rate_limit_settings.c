/*
 * common/rate_limit_settings.c — rate limit tables whose limits follow cartman_settings
 * (common/rate_limit_settings.h).
 *
 * Owns: the one query for a pair's two rows, falling back to the defaults, creating the tables once and
 * changing their limits when the rows change, the reload interval, and the log line that says which
 * limits are in force. Does not: count requests (common/rate_limit.c), answer 429 (the caller, with
 * http_reply_rate_limit_headers), or write settings (the admin console).
 */
#include "common/rate_limit_settings.h"

#include <stdint.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"

static const char SQL_ROWS[] = "SELECT name, value FROM {p}cartman_settings WHERE name IN (?, ?)";

static long long now_ms(void)
{
    return (long long)(clock_mono_s() * 1000);
}

/* Under s->mu. */
static void apply_locked(struct rate_limit_settings *s, const char *const *names, const char *const *values,
                         size_t n)
{
    bool ready = atomic_load(&s->ready);
    unsigned b[2];
    double r[2];
    for (size_t k = 0; k < 2; k++) {
        bool keep = ready && n == SIZE_MAX;
        b[k] = keep ? s->burst[k] : s->limit[k].burst;
        r[k] = keep ? s->per_second[k] : s->limit[k].per_second;
    }
    for (size_t i = 0; names != NULL && values != NULL && n != SIZE_MAX && i < n; i++) {
        if (names[i] == NULL || values[i] == NULL)
            continue;
        for (size_t k = 0; k < 2; k++)
            if (strcmp(names[i], s->limit[k].name) == 0)
                rate_limit_parse(values[i], strlen(values[i]), &b[k], &r[k]);
    }
    bool changed = !ready;
    for (size_t k = 0; k < 2; k++) {
        if (!ready)
            s->table[k] = rate_limit_create(b[k], r[k], 0);
        else if (b[k] != s->burst[k] || r[k] != s->per_second[k]) {
            rate_limit_set_limits(s->table[k], b[k], r[k]);
            changed = true;
        }
        s->burst[k] = b[k];
        s->per_second[k] = r[k];
    }
    if (changed)
        log_info("%s: %u burst + %g/s %s, %u + %g/s %s", s->what, b[0], r[0], s->limit[0].label, b[1], r[1],
                 s->limit[1].label);
    atomic_store(&s->next_ms, now_ms() + RATE_LIMIT_SETTINGS_RELOAD_MS);
    atomic_store(&s->ready, true);
}

void rate_limit_settings_apply(struct rate_limit_settings *s, const char *const *names, const char *const *values,
                               size_t n)
{
    pthread_mutex_lock(&s->mu);
    apply_locked(s, names, values, n);
    pthread_mutex_unlock(&s->mu);
}

void rate_limit_settings_refresh(struct rate_limit_settings *s, struct db *db)
{
    bool ready = atomic_load(&s->ready);
    if (ready && now_ms() < atomic_load(&s->next_ms))
        return;
    /* the first time every worker waits for the tables; later one reloads and the others go on */
    if (ready ? pthread_mutex_trylock(&s->mu) != 0 : pthread_mutex_lock(&s->mu) != 0)
        return;
    if (atomic_load(&s->ready) && now_ms() < atomic_load(&s->next_ms)) {
        pthread_mutex_unlock(&s->mu);
        return;
    }
    struct db_value p[2] = {DB_STR(s->limit[0].name), DB_STR(s->limit[1].name)};
    struct db_rows rows;
    if (db == NULL || db_query(db, SQL_ROWS, p, 2, &rows) != 0) {
        apply_locked(s, NULL, NULL, SIZE_MAX);
    } else {
        const char *names[2], *values[2];
        size_t n = 0;
        for (size_t i = 0; i < rows.nrows && n < 2; i++, n++) {
            names[n] = db_cell(&rows, i, 0);
            values[n] = db_cell(&rows, i, 1);
        }
        apply_locked(s, names, values, n);
        db_rows_free(&rows);
    }
    pthread_mutex_unlock(&s->mu);
}

void rate_limit_settings_free(struct rate_limit_settings *s)
{
    pthread_mutex_lock(&s->mu);
    for (size_t k = 0; k < 2; k++) {
        rate_limit_free(s->table[k]);
        s->table[k] = NULL;
    }
    atomic_store(&s->ready, false);
    pthread_mutex_unlock(&s->mu);
}
