/*
 * authd/migrate.c — versioned, idempotent migrations of the cartman_* tables.
 *
 * Each migration is an SQL script linked into the binary (authd/sql/migrate_NNN_*.sql) whose statements
 * are all idempotent (CREATE TABLE IF NOT EXISTS, ...), so a run interrupted between DDL statements
 * (MariaDB commits DDL implicitly) is finished by the next run. {p}cartman_migrations records what ran;
 * a named lock keeps two daemons starting at once from racing.
 */
#include "authd/migrate.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/sql_script.h"

extern const char _binary_authd_sql_migrate_001_initial_sql_start[];
extern const char _binary_authd_sql_migrate_001_initial_sql_end[];
extern const char _binary_authd_sql_migrate_002_sessions_sql_start[];
extern const char _binary_authd_sql_migrate_002_sessions_sql_end[];
extern const char _binary_authd_sql_migrate_003_mail_outbox_sql_start[];
extern const char _binary_authd_sql_migrate_003_mail_outbox_sql_end[];
extern const char _binary_authd_sql_migrate_004_report_indexes_sql_start[];
extern const char _binary_authd_sql_migrate_004_report_indexes_sql_end[];
extern const char _binary_authd_sql_migrate_005_sessions_no_csrf_column_sql_start[];
extern const char _binary_authd_sql_migrate_005_sessions_no_csrf_column_sql_end[];

struct migration {
    int version;
    const char *name;
    const char *start, *end;
};

static const struct migration migrations[] = {
    {1, "initial", _binary_authd_sql_migrate_001_initial_sql_start, _binary_authd_sql_migrate_001_initial_sql_end},
    {2, "sessions", _binary_authd_sql_migrate_002_sessions_sql_start, _binary_authd_sql_migrate_002_sessions_sql_end},
    {3, "mail_outbox", _binary_authd_sql_migrate_003_mail_outbox_sql_start,
     _binary_authd_sql_migrate_003_mail_outbox_sql_end},
    {4, "report_indexes", _binary_authd_sql_migrate_004_report_indexes_sql_start,
     _binary_authd_sql_migrate_004_report_indexes_sql_end},
    {5, "sessions_no_csrf_column", _binary_authd_sql_migrate_005_sessions_no_csrf_column_sql_start,
     _binary_authd_sql_migrate_005_sessions_no_csrf_column_sql_end},
};
#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])

static const char SQL_CREATE_LOG[] = "CREATE TABLE IF NOT EXISTS {p}cartman_migrations ("
                                     " version int(11) NOT NULL, name varchar(100) NOT NULL,"
                                     " applied_at datetime NOT NULL, PRIMARY KEY (version)"
                                     ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci";
static const char SQL_CURRENT[] = "SELECT COALESCE(MAX(version), 0) FROM {p}cartman_migrations";
static const char SQL_RECORD[] = "INSERT IGNORE INTO {p}cartman_migrations (version, name, applied_at) VALUES (?, ?, UTC_TIMESTAMP())";
static const char SQL_LOCK[] = "SELECT GET_LOCK(CONCAT(DATABASE(), '.cartman_migrate'), 30)";
static const char SQL_UNLOCK[] = "SELECT RELEASE_LOCK(CONCAT(DATABASE(), '.cartman_migrate'))";

int migrate_latest_version(void)
{
    return migrations[NMIGRATIONS - 1].version;
}

int migrate_current_version(struct db *db)
{
    struct db_rows rows;
    if (db_query(db, SQL_CURRENT, NULL, 0, &rows) != 0)
        return -1;
    int v = rows.nrows == 1 && db_cell(&rows, 0, 0) ? (int)strtol(db_cell(&rows, 0, 0), NULL, 10) : -1;
    db_rows_free(&rows);
    return v;
}

static int lock(struct db *db, const char *sql)
{
    struct db_rows rows;
    if (db_query(db, sql, NULL, 0, &rows) != 0)
        return -1;
    int ok = rows.nrows == 1 && db_cell(&rows, 0, 0) && db_cell(&rows, 0, 0)[0] == '1';
    db_rows_free(&rows);
    return ok ? 0 : -1;
}

int migrate_run(struct db *db, char *err, size_t errlen)
{
    if (db_exec_text(db, SQL_CREATE_LOG) != 0) {
        snprintf(err, errlen, "cannot create the migrations table: %s", db_error(db));
        return -1;
    }
    if (lock(db, SQL_LOCK) != 0) {
        snprintf(err, errlen, "another migration holds the lock: %s", db_error(db));
        return -1;
    }
    int applied = 0, current = migrate_current_version(db);
    if (current < 0) {
        snprintf(err, errlen, "cannot read the schema version: %s", db_error(db));
        applied = -1;
    }
    for (size_t i = 0; applied >= 0 && i < NMIGRATIONS; i++) {
        const struct migration *m = &migrations[i];
        if (m->version <= current)
            continue;
        char why[512];
        if (sql_script_run(db, m->start, (size_t)(m->end - m->start), why, sizeof why) != 0) {
            snprintf(err, errlen, "migration %d (%s) failed: %s", m->version, m->name, why);
            applied = -1;
            break;
        }
        struct db_value p[] = {DB_INT(m->version), DB_STR(m->name)};
        if (db_exec(db, SQL_RECORD, p, 2, NULL) != 0) {
            snprintf(err, errlen, "cannot record migration %d: %s", m->version, db_error(db));
            applied = -1;
            break;
        }
        applied++;
    }
    lock(db, SQL_UNLOCK);
    return applied;
}
