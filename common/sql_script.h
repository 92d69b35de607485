/*
 * common/sql_script.h — runs an SQL script (schema files linked into the binaries) one statement at
 * a time. Statements end with ";" at the end of a line; "--" comment lines and blank lines are skipped;
 * "{p}" is the table prefix (see common/db.h). No semicolons inside statements.
 */
#ifndef COMMON_SQL_SCRIPT_H
#define COMMON_SQL_SCRIPT_H

#include <stddef.h>

#include "common/db.h"

/* Calls cb for each statement (pointer into text, length without the ';'). Returns the count. */
size_t sql_script_split(const char *text, size_t len, void (*cb)(const char *stmt, size_t len, void *ud), void *ud);

/* Runs every statement; stops at the first error (its message and statement start in err). 0 / -1. */
int sql_script_run(struct db *db, const char *text, size_t len, char *err, size_t errlen);

#endif
