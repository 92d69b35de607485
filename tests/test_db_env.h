/*
 * tests/test_db_env.h — connects a unit test to the real MariaDB of `make test` (CARTMAN_DB_* variables),
 * and the few queries several tests ask of it.
 */
#ifndef TESTS_TEST_DB_ENV_H
#define TESTS_TEST_DB_ENV_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/db.h"

/* prefix NULL: CARTMAN_DB_PREFIX. NULL (after a TAP diagnostic) when the database is not reachable. */
__attribute__((unused)) static struct db *test_db_connect(const char *prefix)
{
    const char *port = getenv("CARTMAN_DB_PORT");
    struct db_config cfg = {
        .host = getenv("CARTMAN_DB_HOST"),
        .port = port ? (unsigned)strtoul(port, NULL, 10) : 0,
        .user = getenv("CARTMAN_DB_USER"),
        .password = getenv("CARTMAN_DB_PASSWORD"),
        .name = getenv("CARTMAN_DB_NAME"),
        .prefix = prefix ? prefix : getenv("CARTMAN_DB_PREFIX"),
    };
    char err[256];
    struct db *db = db_connect(&cfg, err, sizeof err);
    if (db == NULL)
        printf("# connect: %s\n", err);
    return db;
}

/* The first column of the first row of a query as an integer (-1: no row, NULL, or an error). */
__attribute__((unused)) static long long test_db_scalar(struct db *db, const char *sql, const struct db_value *p,
                                                        size_t n)
{
    struct db_rows rows;
    if (db_query(db, sql, p, n, &rows) != 0)
        return -1;
    long long v = rows.nrows > 0 && db_cell(&rows, 0, 0) ? strtoll(db_cell(&rows, 0, 0), NULL, 10) : -1;
    db_rows_free(&rows);
    return v;
}

/* Gives user the {prefix}capabilities row caps (PHP-serialized, as WordPress stores it), or none (NULL). */
__attribute__((unused)) static void test_db_set_caps(struct db *db, uint64_t user, const char *caps)
{
    struct db_value d[] = {DB_UINT(user), DB_STR(db_prefix(db))};
    db_exec(db, "DELETE FROM {p}usermeta WHERE user_id = ? AND meta_key = CONCAT(?, 'capabilities')", d, 2, NULL);
    if (caps == NULL)
        return;
    struct db_value p[] = {DB_UINT(user), DB_STR(db_prefix(db)), DB_STR(caps)};
    db_exec(db, "INSERT INTO {p}usermeta (user_id, meta_key, meta_value) VALUES (?, CONCAT(?, 'capabilities'), ?)", p, 3,
            NULL);
}

#endif
