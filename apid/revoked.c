/*
 * apid/revoked.c — the recently revoked grants: a sorted id list behind a read-write lock, and the
 * thread that re-reads it from the database (apid/revoked.h says how often and why that window).
 *
 * Does not: drop cached tokens itself (apid/bearer.c asks revoked_contains on every cache hit, which
 * drops a revoked token at once) or decide what a request gets while the list is stale (apid/guard.c).
 */
#include "apid/revoked.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/bg_thread.h"
#include "common/db.h"
#include "common/log.h"

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static uint64_t *ids;
static size_t nids;
static atomic_llong fresh_at_ms = -1; /* monotonic ms of the last successful refresh; -1 never */
static atomic_bool refresher_running;

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool revoked_contains(uint64_t grant_id)
{
    pthread_rwlock_rdlock(&lock);
    size_t lo = 0, hi = nids;
    bool found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] == grant_id) {
            found = true;
            break;
        }
        if (ids[mid] < grant_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    pthread_rwlock_unlock(&lock);
    return found;
}

bool revoked_fresh(void)
{
    long long at = atomic_load_explicit(&fresh_at_ms, memory_order_relaxed);
    if (at < 0)
        return false;
    if (!atomic_load_explicit(&refresher_running, memory_order_relaxed))
        return true;
    return mono_ms() - at <= (long long)REVOKED_STALE_S * 1000;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Takes list (malloc'd, sorted here). */
static void install_owned(uint64_t *list, size_t n)
{
    if (n > 1)
        qsort(list, n, sizeof *list, cmp_u64);
    pthread_rwlock_wrlock(&lock);
    uint64_t *old = ids;
    ids = list;
    nids = n;
    pthread_rwlock_unlock(&lock);
    free(old);
    atomic_store(&fresh_at_ms, mono_ms());
}

void revoked_install(const uint64_t *list, size_t n)
{
    uint64_t *copy = NULL;
    if (n > 0) {
        copy = malloc(n * sizeof *copy);
        if (copy == NULL)
            abort();
        memcpy(copy, list, n * sizeof *copy);
    }
    install_owned(copy, n);
}

/* ---- the refresher ---- */

#define STR_(x) #x
#define STR(x) STR_(x)
static const char SQL_REVOKED[] = "SELECT id FROM {p}cartman_grants WHERE revoked_at >= UTC_TIMESTAMP() - INTERVAL "
                                  STR(REVOKED_WINDOW_S) " SECOND";

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    pthread_t thread;
    bool stop;
    struct db_config dc;
    struct db *db; /* opened by revoked_start, then the thread's */
} rf = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int refresh(struct db **db)
{
    if (*db == NULL) {
        char err[300];
        *db = db_connect(&rf.dc, err, sizeof err);
        if (*db == NULL)
            return -1;
    }
    struct db_rows rows;
    if (db_query(*db, SQL_REVOKED, NULL, 0, &rows) != 0)
        return -1;
    uint64_t *list = rows.nrows ? malloc(rows.nrows * sizeof *list) : NULL;
    if (rows.nrows && list == NULL)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < rows.nrows; i++) {
        const char *c = db_cell(&rows, i, 0);
        if (c != NULL)
            list[n++] = strtoull(c, NULL, 10);
    }
    db_rows_free(&rows);
    install_owned(list, n);
    return 0;
}

static void *refresher_main(void *arg)
{
    (void)arg;
    struct db *db = rf.db;
    bool failing = false, first = true;
    pthread_mutex_lock(&rf.mu);
    while (!rf.stop) {
        pthread_mutex_unlock(&rf.mu);
        if (first && db != NULL) {
            /* revoked_start has just read the list */
        } else if (refresh(&db) != 0) {
            if (!failing)
                log_warn("revocations: cannot read revoked grants: %s", db ? db_error(db) : "no database connection");
            failing = true;
        } else if (failing) {
            log_info("revocations: reading revoked grants again");
            failing = false;
        }
        first = false;
        pthread_mutex_lock(&rf.mu);
        if (rf.stop)
            break;
        bg_thread_wait(&rf.cond, &rf.mu, REVOKED_REFRESH_MS / 1000.0);
    }
    pthread_mutex_unlock(&rf.mu);
    db_close(db);
    return NULL;
}

int revoked_start(const struct config *cfg)
{
    rf.dc = config_db(cfg);
    rf.stop = false;
    /* the first read before apid serves; a database that is down is retried by the thread */
    rf.db = NULL;
    if (refresh(&rf.db) != 0) {
        db_close(rf.db);
        rf.db = NULL;
    }
    bg_thread_cond_init(&rf.cond);
    atomic_store(&refresher_running, true);
    int rc = bg_thread_start(&rf.thread, refresher_main, NULL);
    if (rc != 0) {
        db_close(rf.db);
        rf.db = NULL;
        atomic_store(&refresher_running, false);
        pthread_cond_destroy(&rf.cond);
        log_error("revocations: cannot start the refresher thread");
        return -1;
    }
    return 0;
}

void revoked_stop(void)
{
    if (!atomic_load(&refresher_running))
        return;
    pthread_mutex_lock(&rf.mu);
    rf.stop = true;
    pthread_cond_signal(&rf.cond);
    pthread_mutex_unlock(&rf.mu);
    pthread_join(rf.thread, NULL);
    pthread_cond_destroy(&rf.cond);
    atomic_store(&refresher_running, false);
    pthread_rwlock_wrlock(&lock);
    free(ids);
    ids = NULL;
    nids = 0;
    pthread_rwlock_unlock(&lock);
}
