/*
 * authd/migrate.h — creates and upgrades CartMan's own {prefix}cartman_* tables.
 */
#ifndef AUTHD_MIGRATE_H
#define AUTHD_MIGRATE_H

#include <stddef.h>

#include "common/db.h"

/* Highest schema version this build knows. */
int migrate_latest_version(void);
/* Version recorded in the database (0 before the first migration, -1 on error). */
int migrate_current_version(struct db *db);
/* Applies every missing migration in order; idempotent and safe to run concurrently (named lock).
 * Returns how many were applied, or -1 with a message in err. */
int migrate_run(struct db *db, char *err, size_t errlen);

#endif
