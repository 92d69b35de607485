/*
 * common/security_settings.c — the cached security policy (common/security_settings.h).
 *
 * Owns: the one query, parsing the rows (with common/cidr.c and common/lockout.c), and publishing a
 * new version to the worker threads: the process holds the current version under a mutex with a
 * generation number; each thread keeps its own copy and takes the mutex only when the generation
 * moved. Does not: decide what to do with a request (common/daemon.c for HTTPS, apid/guard.c for the
 * allowlist and the lockout), or write settings (the admin console).
 */
#include "common/security_settings.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/log.h"

static const char SQL_SETTINGS[] =
    "SELECT name, value FROM {p}cartman_settings WHERE name IN ('https_required', 'ip_allowlist',"
    " 'lockout_user_max', 'lockout_ip_max', 'lockout_window_s', 'lockout_lock_s', 'order_meta_allowlist')";

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct security_settings current; /* under mu */
static atomic_uint generation;           /* bumped under mu when current changes */
static atomic_llong next_ms;             /* no reload before this (monotonic ms) */
static atomic_bool logged_invalid;
static atomic_bool logged_invalid_meta;

static _Thread_local struct security_settings mine;
static _Thread_local unsigned mine_gen;
static _Thread_local bool mine_set;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void defaults(struct security_settings *s)
{
    memset(s, 0, sizeof *s);
    s->https_required = true;
    lockout_policy_defaults(&s->lockout);
}

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"}, *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return *out = true, 0;
        if (strcasecmp(v, no[i]) == 0)
            return *out = false, 0;
    }
    return -1;
}

void security_settings_parse(struct security_settings *out, const char *const *names, const char *const *values,
                             size_t n)
{
    defaults(out);
    out->loaded = true;
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i], *v = values[i];
        if (name == NULL || v == NULL)
            continue;
        if (strcmp(name, "https_required") == 0) {
            if (parse_bool(v, &out->https_required) != 0)
                out->https_required = true; /* unreadable: the safe side */
        } else if (strcmp(name, "ip_allowlist") == 0) {
            const char *err = NULL;
            if (cidr_list_parse(v, strlen(v), &out->allowlist, &err) != 0) {
                out->allowlist_on = out->allowlist_invalid = true;
                if (!atomic_exchange(&logged_invalid, true))
                    log_warn("security settings: ip_allowlist does not parse (%s): every address is refused", err);
            } else {
                out->allowlist_on = out->allowlist.n > 0;
            }
        } else if (strcmp(name, "order_meta_allowlist") == 0) {
            size_t vn = strlen(v);
            bool ok = vn <= SECURITY_ORDER_META_ALLOWLIST_BYTES;
            for (size_t k = 0; ok && k < vn; k++)
                ok = (unsigned char)v[k] >= 0x20 || v[k] == '\t' || v[k] == '\n' || v[k] == '\r';
            if (ok)
                memcpy(out->order_meta_allowlist, v, vn + 1);
            else if (!atomic_exchange(&logged_invalid_meta, true))
                log_warn("security settings: order_meta_allowlist is too long or holds control characters:"
                         " no protected order meta is shown");
        } else {
            lockout_policy_set(&out->lockout, name, v);
        }
    }
    if (!out->allowlist_invalid)
        atomic_store(&logged_invalid, false);
}

static bool same(const struct security_settings *a, const struct security_settings *b)
{
    return a->loaded == b->loaded && a->https_required == b->https_required && a->allowlist_on == b->allowlist_on &&
           a->allowlist_invalid == b->allowlist_invalid && a->lockout.user_max == b->lockout.user_max &&
           a->lockout.ip_max == b->lockout.ip_max && a->lockout.window_s == b->lockout.window_s &&
           a->lockout.lock_s == b->lockout.lock_s && a->allowlist.n == b->allowlist.n &&
           memcmp(a->allowlist.items, b->allowlist.items, a->allowlist.n * sizeof a->allowlist.items[0]) == 0 &&
           strcmp(a->order_meta_allowlist, b->order_meta_allowlist) == 0;
}

/* One reload, by whoever gets the mutex first once next_ms has passed. Until the first load has been
 * published the others wait for it instead of going on with defaults (loaded = false answers 503), so
 * the requests that arrive together with a daemon's start are served. */
static void reload(struct daemon_worker *w)
{
    long long now = now_ms();
    if (now < atomic_load(&next_ms))
        return;
    if (atomic_load(&generation) == 0 ? pthread_mutex_lock(&mu) != 0 : pthread_mutex_trylock(&mu) != 0)
        return;
    if (now < atomic_load(&next_ms)) {
        pthread_mutex_unlock(&mu);
        return;
    }
    struct db *db = w != NULL ? daemon_worker_db(w) : NULL;
    struct db_rows rows;
    if (db == NULL || db_query(db, SQL_SETTINGS, NULL, 0, &rows) != 0) {
        atomic_store(&next_ms, now + 1000); /* keep what we have; try again soon */
        pthread_mutex_unlock(&mu);
        return;
    }
    const char *names[16], *values[16];
    size_t n = 0;
    for (size_t i = 0; i < rows.nrows && n < 16; i++, n++) {
        names[n] = db_cell(&rows, i, 0);
        values[n] = db_cell(&rows, i, 1);
    }
    static struct security_settings fresh; /* under mu; too large for a worker's stack to spare */
    security_settings_parse(&fresh, names, values, n);
    db_rows_free(&rows);
    bool changed = !same(&fresh, &current);
    if (changed) {
        bool was_loaded = current.loaded;
        memcpy(&current, &fresh, sizeof current);
        atomic_fetch_add(&generation, 1);
        log_info("security settings%s: HTTPS %s, IP allowlist %s (%zu range(s)), lockout after %u per user / %u per"
                 " IP within %u s for %u s",
                 was_loaded ? " changed" : "", current.https_required ? "required" : "not required",
                 current.allowlist_invalid ? "INVALID" : current.allowlist_on ? "on" : "off", current.allowlist.n,
                 current.lockout.user_max, current.lockout.ip_max, current.lockout.window_s, current.lockout.lock_s);
    }
    atomic_store(&next_ms, now + SECURITY_SETTINGS_RELOAD_MS);
    pthread_mutex_unlock(&mu);
}

const struct security_settings *security_settings_get(struct daemon_worker *w)
{
    reload(w);
    if (!mine_set) {
        defaults(&mine);
        mine_set = true;
        mine_gen = 0; /* generation 0: nothing published yet */
    }
    unsigned g = atomic_load(&generation);
    if (g != mine_gen) {
        pthread_mutex_lock(&mu);
        mine = current;
        mine_gen = atomic_load(&generation);
        pthread_mutex_unlock(&mu);
    }
    return &mine;
}

const struct security_settings *security_settings_peek(void)
{
    if (!mine_set) {
        defaults(&mine);
        mine_set = true;
        mine_gen = 0;
    }
    return &mine;
}

bool security_settings_allows(const struct security_settings *s, bool known, const uint8_t addr[16])
{
    if (!s->allowlist_on)
        return true;
    if (s->allowlist_invalid || !known)
        return false;
    return cidr_list_match(&s->allowlist, addr);
}
