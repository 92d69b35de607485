/*
 * tests/unit/test_rate_limit_settings.c — common/rate_limit_settings: the defaults until rows are read,
 * rows overriding them, a row that does not parse falling back to its default, unreadable rows keeping
 * the limits in force, changes reaching the tables already made, and refresh without a database.
 * Each row applies one set of settings rows to the same pair and shows the limits in force as
 * "ip=BURST/RATE cred=BURST/RATE", read back from the tables themselves.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/rate_limit_settings.h"
#include "tests/tap.h"

static struct rate_limit_settings pair = {
    .what = "test rate limits",
    .limit = {{"rate_limit_test_ip", "per IP", 10, 2.0}, {"rate_limit_test_cred", "per credential", 20, 4.0}},
    .mu = PTHREAD_MUTEX_INITIALIZER,
};

/* The burst as a fresh key's bucket reports it, and the settings' record of both. */
static void show(char *out, size_t cap)
{
    static unsigned key;
    char id[32];
    snprintf(id, sizeof id, "%u", key++);
    struct rate_limit_result a = rate_limit_take_for(pair.table[0], "t", id);
    struct rate_limit_result b = rate_limit_take_for(pair.table[1], "t", id);
    snprintf(out, cap, "ip=%u/%g cred=%u/%g%s", a.limit, pair.per_second[0], b.limit, pair.per_second[1],
             a.limit == pair.burst[0] && b.limit == pair.burst[1] ? "" : " (tables differ)");
}

static void test_rows(void)
{
    static const struct {
        const char *names[3], *values[3];
        size_t n; /* SIZE_MAX: the rows could not be read */
        const char *want;
    } rows[] = {
        {{NULL}, {NULL}, SIZE_MAX, "ip=10/2 cred=20/4"}, /* first load, database down: the defaults */
        {{NULL}, {NULL}, 0, "ip=10/2 cred=20/4"},        /* no rows: the defaults */
        {{"rate_limit_test_ip"}, {"3/0.5"}, 1, "ip=3/0.5 cred=20/4"},
        {{"rate_limit_test_ip", "rate_limit_test_cred"}, {"5/1", "600/100"}, 2, "ip=5/1 cred=600/100"},
        {{NULL}, {NULL}, SIZE_MAX, "ip=5/1 cred=600/100"}, /* database down: the limits in force stay */
        {{"rate_limit_test_cred"}, {"7/7"}, 1, "ip=10/2 cred=7/7"}, /* a row gone: back to its default */
        {{"rate_limit_test_cred", "rate_limit_test_ip"}, {"0/1", "9/x"}, 2, "ip=10/2 cred=20/4"}, /* unparsable */
        {{"rate_limit_api_ip", "https_required"}, {"1/1", "false"}, 2, "ip=10/2 cred=20/4"}, /* other rows */
        {{"rate_limit_test_ip", NULL}, {NULL, "1/1"}, 2, "ip=10/2 cred=20/4"},                /* NULL cells */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        rate_limit_settings_apply(&pair, rows[i].names, rows[i].values, rows[i].n);
        char got[96], name[128];
        show(got, sizeof got);
        snprintf(name, sizeof name, "row %zu: %s", i,
                 rows[i].n == SIZE_MAX ? "(unreadable)" : rows[i].n ? rows[i].names[0] : "(none)");
        TAP_EQ_STR(got, rows[i].want, name);
    }
}

/* The tables keep their buckets across a change of limits: a client that spent its burst stays limited. */
static void test_tables_stay(void)
{
    const char *names[] = {"rate_limit_test_ip"}, *values[] = {"2/0.001"};
    rate_limit_settings_apply(&pair, names, values, 1);
    struct rate_limit *before = pair.table[0];
    rate_limit_take_for(pair.table[0], "ip", "192.0.2.9");
    rate_limit_take_for(pair.table[0], "ip", "192.0.2.9");
    values[0] = "1/0.001";
    rate_limit_settings_apply(&pair, names, values, 1);
    tap_ok(pair.table[0] == before, "a change of limits keeps the table");
    TAP_EQ_INT(rate_limit_take_for(pair.table[0], "ip", "192.0.2.9").allowed, 0, "  ... and a spent bucket stays spent");
}

/* Without a database refresh keeps what is in force, and within the reload interval it does nothing. */
static void test_refresh_without_db(void)
{
    static struct rate_limit_settings fresh = {
        .what = "test rate limits",
        .limit = {{"rate_limit_test_ip", "per IP", 4, 1.0}, {"rate_limit_test_cred", "per credential", 8, 1.0}},
        .mu = PTHREAD_MUTEX_INITIALIZER,
    };
    rate_limit_settings_refresh(&fresh, NULL);
    tap_ok(fresh.table[0] != NULL && fresh.table[1] != NULL, "the first refresh makes the tables, even with no database");
    TAP_EQ_INT(rate_limit_take_for(fresh.table[0], "ip", "a").limit, 4, "  ... with the default limits");
    struct rate_limit *t = fresh.table[0];
    long long next = atomic_load(&fresh.next_ms);
    rate_limit_settings_refresh(&fresh, NULL);
    tap_ok(fresh.table[0] == t && atomic_load(&fresh.next_ms) == next, "a second refresh within the interval does nothing");
    rate_limit_settings_free(&fresh);
}

int main(void)
{
    test_rows();
    test_tables_stay();
    test_refresh_without_db();
    rate_limit_settings_free(&pair);
    return tap_done();
}
