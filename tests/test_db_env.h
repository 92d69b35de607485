/*
 * tests/test_db_env.h — connects a unit test to the real MariaDB of `make test` (CARTMAN_DB_* variables).
 */
#ifndef TESTS_TEST_DB_ENV_H
#define TESTS_TEST_DB_ENV_H

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

#endif
