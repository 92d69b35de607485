/*
 * common/db.h — one MariaDB/MySQL connection, prepared statements only.
 *
 * SQL text names tables with the "{p}" placeholder ("SELECT ... FROM {p}options WHERE option_name = ?"):
 * the connection's table prefix is applied here and nowhere else. Every value travels as a bound
 * parameter. Statements are prepared once per connection and cached by their SQL text pointer, so
 * pass string literals (or strings that outlive the connection).
 *
 * A connection belongs to one thread. After the server restarts, the next call reconnects once and
 * retries the statement (never inside a transaction: there it fails and the caller rolls back).
 */
#ifndef COMMON_DB_H
#define COMMON_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mysql.h>

struct db_config {
    const char *host;     /* NULL or "" with a socket → socket */
    unsigned port;        /* 0 → 3306 */
    const char *socket;   /* unix socket path, may be NULL */
    const char *user;
    const char *password;
    const char *name;     /* database name */
    const char *prefix;   /* table prefix, [A-Za-z0-9_]+, default "wp_" */
    bool local_infile;    /* allow LOAD DATA LOCAL (bulk loaders only): off by default, since with it
                             a rogue server could ask the client for any local file */
};

enum db_type { DB_NULL, DB_STR, DB_INT, DB_UINT, DB_DOUBLE };

struct db_value {
    enum db_type type;
    const char *str;
    size_t len;
    long long i;
    unsigned long long u;
    double d;
};

#define DB_STRN(s, n) ((struct db_value){.type = DB_STR, .str = (s), .len = (n)})
#define DB_STR(s) DB_STRN((s), strlen(s))
#define DB_INT(v) ((struct db_value){.type = DB_INT, .i = (v)})
#define DB_UINT(v) ((struct db_value){.type = DB_UINT, .u = (v)})
#define DB_DOUBLE(v) ((struct db_value){.type = DB_DOUBLE, .d = (v)})
#define DB_NULLV ((struct db_value){.type = DB_NULL})

struct db;

/* A buffered result: every column as bytes (NULL pointer for SQL NULL). */
struct db_rows {
    size_t nrows, ncols;
    char **cells;     /* nrows * ncols pointers into one block, each NUL-terminated */
    size_t *lens;     /* nrows * ncols lengths */
};

struct db_exec_result {
    unsigned long long affected;
    unsigned long long insert_id;
};

/* Connects; NULL with a message in err (never the password) on failure. */
struct db *db_connect(const struct db_config *cfg, char *err, size_t errlen);
void db_close(struct db *db);
/* A second connection with the same settings (a bulk loader's parallel lane). */
struct db *db_connect_again(const struct db *db, char *err, size_t errlen);

const char *db_prefix(const struct db *db);
/* The last error of this connection, for logs (no parameter values). */
const char *db_error(const struct db *db);
/* The raw handle, for bulk loaders only (LOAD DATA LOCAL with a local-infile handler). */
MYSQL *db_mysql(struct db *db);

/* Checks the server answers; reconnects if it went away. 0 ok, -1 down (message in db_error). */
int db_ping(struct db *db);

/* Runs a statement that returns no rows. out may be NULL. 0 ok, -1 error. */
int db_exec(struct db *db, const char *sql, const struct db_value *params, size_t nparams,
            struct db_exec_result *out);
/* Runs a statement and buffers its rows; free them with db_rows_free. 0 ok, -1 error. */
int db_query(struct db *db, const char *sql, const struct db_value *params, size_t nparams, struct db_rows *out);
void db_rows_free(struct db_rows *rows);

static inline const char *db_cell(const struct db_rows *r, size_t row, size_t col)
{
    return r->cells[row * r->ncols + col];
}
static inline size_t db_cell_len(const struct db_rows *r, size_t row, size_t col)
{
    return r->lens[row * r->ncols + col];
}

/* Runs SQL text with no parameters (DDL, multi-statement scripts are not allowed: one statement). */
int db_exec_text(struct db *db, const char *sql);

int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);

/* Expands "{p}" to prefix into a malloc'd string (exposed for tests and for SQL scripts). */
char *db_expand_prefix(const char *sql, const char *prefix);

#endif
