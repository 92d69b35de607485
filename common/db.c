/*
 * common/db.c — one MariaDB/MySQL connection with cached prepared statements.
 *
 * Owns: connecting (TCP or socket, timeouts, utf8mb4), the "{p}" table-prefix expansion, the
 * per-connection statement cache, binding parameters, buffering result rows as bytes, transactions,
 * and reconnecting once after the server went away.
 * Does not: pool connections across threads (each worker owns one), build SQL from values (every
 * value is a bound parameter), or interpret column types (callers parse the bytes they asked for).
 */
#include "common/db.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/limits.h"

struct db_stmt_slot {
    const char *key; /* the caller's SQL text pointer */
    MYSQL_STMT *stmt;
};

struct db {
    MYSQL *mysql;
    char *host, *socket, *user, *password, *name, *prefix;
    unsigned port;
    bool local_infile;
    bool in_tx;
    struct db_stmt_slot stmts[LIMIT_DB_STMT_CACHE];
    size_t nstmts;
    char error[256];
};

static char *dup_or_null(const char *s)
{
    if (s == NULL || *s == '\0')
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

static void set_error(struct db *db, const char *what, const char *detail)
{
    snprintf(db->error, sizeof db->error, "%s: %s", what, detail ? detail : "unknown error");
}

static bool prefix_valid(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > LIMIT_TABLE_PREFIX_BYTES)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

char *db_expand_prefix(const char *sql, const char *prefix)
{
    size_t plen = strlen(prefix), n = 0;
    for (const char *s = sql; (s = strstr(s, "{p}")) != NULL; s += 3)
        n++;
    size_t outlen = strlen(sql) + n * plen - n * 3;
    char *out = malloc(outlen + 1), *o = out;
    if (out == NULL)
        abort();
    for (const char *s = sql;;) {
        const char *hit = strstr(s, "{p}");
        size_t chunk = hit ? (size_t)(hit - s) : strlen(s);
        memcpy(o, s, chunk);
        o += chunk;
        if (hit == NULL)
            break;
        memcpy(o, prefix, plen);
        o += plen;
        s = hit + 3;
    }
    *o = '\0';
    return out;
}

static void drop_statements(struct db *db)
{
    for (size_t i = 0; i < db->nstmts; i++)
        mysql_stmt_close(db->stmts[i].stmt);
    db->nstmts = 0;
}

static int open_connection(struct db *db)
{
    MYSQL *m = mysql_init(NULL);
    if (m == NULL)
        abort();
    unsigned timeout = LIMIT_DB_CONNECT_TIMEOUT_S, rtimeout = LIMIT_DB_READ_TIMEOUT_S, wtimeout = LIMIT_DB_WRITE_TIMEOUT_S;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rtimeout);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &wtimeout);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    unsigned local_infile = db->local_infile ? 1 : 0;
    mysql_options(m, MYSQL_OPT_LOCAL_INFILE, &local_infile);
    unsigned proto = db->host ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
    mysql_options(m, MYSQL_OPT_PROTOCOL, &proto);
    if (mysql_real_connect(m, db->host, db->user, db->password, db->name, db->port, db->socket, 0) == NULL) {
        set_error(db, "connect", mysql_error(m));
        mysql_close(m);
        return -1;
    }
    /* Store times are handled as UTC strings; strict mode turns silent truncation into errors. */
    if (mysql_query(m, "SET time_zone = '+00:00', sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'") != 0) {
        set_error(db, "session setup", mysql_error(m));
        mysql_close(m);
        return -1;
    }
    db->mysql = m;
    return 0;
}

struct db *db_connect(const struct db_config *cfg, char *err, size_t errlen)
{
    const char *prefix = cfg->prefix && *cfg->prefix ? cfg->prefix : "wp_";
    if (!prefix_valid(prefix)) {
        snprintf(err, errlen, "table prefix must be 1-%d characters of [A-Za-z0-9_]", LIMIT_TABLE_PREFIX_BYTES);
        return NULL;
    }
    struct db *db = calloc(1, sizeof *db);
    if (db == NULL)
        abort();
    db->host = dup_or_null(cfg->host);
    db->socket = dup_or_null(cfg->socket);
    db->user = dup_or_null(cfg->user);
    db->password = dup_or_null(cfg->password);
    db->name = dup_or_null(cfg->name);
    db->prefix = dup_or_null(prefix);
    db->port = cfg->port ? cfg->port : 3306;
    db->local_infile = cfg->local_infile;
    if (open_connection(db) != 0) {
        snprintf(err, errlen, "%s", db->error);
        db_close(db);
        return NULL;
    }
    return db;
}

struct db *db_connect_again(const struct db *db, char *err, size_t errlen)
{
    struct db_config cfg = {
        .host = db->host,
        .port = db->port,
        .socket = db->socket,
        .user = db->user,
        .password = db->password,
        .name = db->name,
        .prefix = db->prefix,
        .local_infile = db->local_infile,
    };
    return db_connect(&cfg, err, errlen);
}

void db_close(struct db *db)
{
    if (db == NULL)
        return;
    drop_statements(db);
    if (db->mysql)
        mysql_close(db->mysql);
    if (db->password)
        OPENSSL_cleanse(db->password, strlen(db->password));
    free(db->host);
    free(db->socket);
    free(db->user);
    free(db->password);
    free(db->name);
    free(db->prefix);
    free(db);
}

const char *db_prefix(const struct db *db)
{
    return db->prefix;
}

const char *db_error(const struct db *db)
{
    return db->error;
}

MYSQL *db_mysql(struct db *db)
{
    return db->mysql;
}

static bool connection_lost(unsigned err)
{
    return err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST || err == ER_CONNECTION_KILLED ||
           err == CR_CONNECTION_ERROR || err == 4031 /* ER_CLIENT_INTERACTION_TIMEOUT */;
}

static int reconnect(struct db *db)
{
    drop_statements(db);
    if (db->mysql) {
        mysql_close(db->mysql);
        db->mysql = NULL;
    }
    db->in_tx = false;
    return open_connection(db);
}

int db_ping(struct db *db)
{
    if (db->mysql && mysql_ping(db->mysql) == 0)
        return 0;
    if (db->in_tx) {
        set_error(db, "ping", "connection lost inside a transaction");
        return -1;
    }
    return reconnect(db);
}

/* Finds or prepares the statement for this SQL text pointer. */
static MYSQL_STMT *statement(struct db *db, const char *sql)
{
    for (size_t i = 0; i < db->nstmts; i++)
        if (db->stmts[i].key == sql)
            return db->stmts[i].stmt;
    if (db->mysql == NULL && reconnect(db) != 0)
        return NULL;
    char *text = db_expand_prefix(sql, db->prefix);
    MYSQL_STMT *st = mysql_stmt_init(db->mysql);
    if (st == NULL)
        abort();
    if (mysql_stmt_prepare(st, text, strlen(text)) != 0) {
        set_error(db, "prepare", mysql_stmt_error(st));
        mysql_stmt_close(st);
        free(text);
        return NULL;
    }
    free(text);
    my_bool update_max = 1;
    mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
    if (db->nstmts == LIMIT_DB_STMT_CACHE) { /* full: evict the oldest */
        mysql_stmt_close(db->stmts[0].stmt);
        memmove(&db->stmts[0], &db->stmts[1], (LIMIT_DB_STMT_CACHE - 1) * sizeof db->stmts[0]);
        db->nstmts--;
    }
    db->stmts[db->nstmts++] = (struct db_stmt_slot){sql, st};
    return st;
}

static int bind_params(struct db *db, MYSQL_STMT *st, const struct db_value *params, size_t n, MYSQL_BIND *b)
{
    if (n != mysql_stmt_param_count(st) || n > LIMIT_DB_PARAMS) {
        set_error(db, "bind", "parameter count does not match the statement");
        return -1;
    }
    memset(b, 0, n * sizeof *b);
    for (size_t i = 0; i < n; i++) {
        const struct db_value *v = &params[i];
        switch (v->type) {
        case DB_NULL:
            b[i].buffer_type = MYSQL_TYPE_NULL;
            break;
        case DB_STR:
            b[i].buffer_type = MYSQL_TYPE_STRING;
            b[i].buffer = (void *)(uintptr_t)v->str;
            b[i].buffer_length = v->len;
            break;
        case DB_INT:
            b[i].buffer_type = MYSQL_TYPE_LONGLONG;
            b[i].buffer = (void *)(uintptr_t)&v->i;
            break;
        case DB_UINT:
            b[i].buffer_type = MYSQL_TYPE_LONGLONG;
            b[i].buffer = (void *)(uintptr_t)&v->u;
            b[i].is_unsigned = 1;
            break;
        case DB_DOUBLE:
            b[i].buffer_type = MYSQL_TYPE_DOUBLE;
            b[i].buffer = (void *)(uintptr_t)&v->d;
            break;
        }
    }
    if (n > 0 && mysql_stmt_bind_param(st, b) != 0) {
        set_error(db, "bind", mysql_stmt_error(st));
        return -1;
    }
    return 0;
}

/* Prepares (cached), binds and executes; retries once on a fresh connection when the server went away. */
static MYSQL_STMT *run(struct db *db, const char *sql, const struct db_value *params, size_t n)
{
    MYSQL_BIND binds[LIMIT_DB_PARAMS];
    for (int attempt = 0; attempt < 2; attempt++) {
        MYSQL_STMT *st = statement(db, sql);
        if (st == NULL) {
            unsigned e = db->mysql ? mysql_errno(db->mysql) : CR_SERVER_GONE_ERROR;
            if (attempt == 0 && !db->in_tx && (db->mysql == NULL || connection_lost(e)) && reconnect(db) == 0)
                continue;
            return NULL;
        }
        if (bind_params(db, st, params, n, binds) != 0)
            return NULL;
        if (mysql_stmt_execute(st) == 0)
            return st;
        unsigned e = mysql_stmt_errno(st);
        set_error(db, "execute", mysql_stmt_error(st));
        if (attempt == 0 && !db->in_tx && connection_lost(e) && reconnect(db) == 0)
            continue;
        return NULL;
    }
    return NULL;
}

int db_exec(struct db *db, const char *sql, const struct db_value *params, size_t nparams, struct db_exec_result *out)
{
    MYSQL_STMT *st = run(db, sql, params, nparams);
    if (st == NULL)
        return -1;
    if (out) {
        out->affected = mysql_stmt_affected_rows(st);
        out->insert_id = mysql_stmt_insert_id(st);
    }
    mysql_stmt_free_result(st);
    return 0;
}

/* Dates and times are fetched as MYSQL_TIME and printed here as the connector would print them
 * ("Y-m-d H:i:s" and up to 6 fractional digits, "Y-m-d"), without its sprintf per value. */
static bool is_date_type(enum enum_field_types t)
{
    return t == MYSQL_TYPE_DATETIME || t == MYSQL_TYPE_TIMESTAMP || t == MYSQL_TYPE_DATE;
}

#define DB_DATE_TEXT_MAX 26 /* "YYYY-MM-DD HH:MM:SS.ffffff" */

static size_t col_width(const MYSQL_FIELD *f)
{
    return is_date_type(f->type) && f->max_length < DB_DATE_TEXT_MAX ? DB_DATE_TEXT_MAX : f->max_length;
}

static char *put_digits(char *o, unsigned long v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        o[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return o + width;
}

static size_t format_time(const MYSQL_TIME *t, const MYSQL_FIELD *f, char *out)
{
    char *o = out;
    o = put_digits(o, t->year % 10000, 4);
    *o++ = '-';
    o = put_digits(o, t->month % 100, 2);
    *o++ = '-';
    o = put_digits(o, t->day % 100, 2);
    if (f->type != MYSQL_TYPE_DATE) {
        *o++ = ' ';
        o = put_digits(o, t->hour % 100, 2);
        *o++ = ':';
        o = put_digits(o, t->minute % 100, 2);
        *o++ = ':';
        o = put_digits(o, t->second % 100, 2);
        if (f->decimals > 0 && f->decimals <= 6) {
            char frac[6];
            put_digits(frac, t->second_part % 1000000, 6);
            *o++ = '.';
            memcpy(o, frac, f->decimals);
            o += f->decimals;
        }
    }
    return (size_t)(o - out);
}

int db_query(struct db *db, const char *sql, const struct db_value *params, size_t nparams, struct db_rows *out)
{
    memset(out, 0, sizeof *out);
    MYSQL_STMT *st = run(db, sql, params, nparams);
    if (st == NULL)
        return -1;
    int rc = -1;
    MYSQL_RES *meta = mysql_stmt_result_metadata(st);
    if (meta == NULL) {
        set_error(db, "query", "statement returns no rows");
        mysql_stmt_free_result(st);
        return -1;
    }
    if (mysql_stmt_store_result(st) != 0) {
        set_error(db, "fetch", mysql_stmt_error(st));
        goto out;
    }
    size_t ncols = mysql_num_fields(meta), nrows = mysql_stmt_num_rows(st);
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    /* One block: per row, each column gets its width + 1 bytes. */
    size_t rowbytes = 0;
    for (size_t c = 0; c < ncols; c++)
        rowbytes += col_width(&fields[c]) + 1;
    out->ncols = ncols;
    out->cells = calloc(nrows * ncols + 1, sizeof *out->cells);
    out->lens = calloc(nrows * ncols + 1, sizeof *out->lens);
    char *block = malloc(nrows * rowbytes + 1);
    MYSQL_BIND *b = calloc(ncols + 1, sizeof *b);
    MYSQL_TIME *times = calloc(ncols + 1, sizeof *times);
    my_bool *nulls = calloc(ncols + 1, sizeof *nulls);
    unsigned long *lens = calloc(ncols + 1, sizeof *lens);
    if (out->cells == NULL || out->lens == NULL || block == NULL || b == NULL || nulls == NULL || lens == NULL ||
        times == NULL)
        abort();
    char *p = block;
    for (size_t r = 0; r < nrows; r++) {
        char *rowp = p;
        for (size_t c = 0; c < ncols; c++) {
            if (is_date_type(fields[c].type)) {
                b[c].buffer_type = MYSQL_TYPE_DATETIME;
                b[c].buffer = &times[c];
                b[c].buffer_length = sizeof times[c];
            } else {
                b[c].buffer_type = MYSQL_TYPE_STRING;
                b[c].buffer = rowp;
                b[c].buffer_length = col_width(&fields[c]) + 1;
            }
            b[c].is_null = &nulls[c];
            b[c].length = &lens[c];
            rowp += col_width(&fields[c]) + 1;
        }
        if (mysql_stmt_bind_result(st, b) != 0) {
            set_error(db, "fetch", mysql_stmt_error(st));
            free(block);
            goto free_bind;
        }
        int f = mysql_stmt_fetch(st);
        if (f != 0 && f != MYSQL_DATA_TRUNCATED) {
            set_error(db, "fetch", mysql_stmt_error(st));
            free(block);
            goto free_bind;
        }
        rowp = p;
        for (size_t c = 0; c < ncols; c++) {
            size_t i = r * ncols + c;
            if (nulls[c]) {
                out->cells[i] = NULL;
                out->lens[i] = 0;
            } else {
                if (is_date_type(fields[c].type))
                    lens[c] = format_time(&times[c], &fields[c], rowp);
                rowp[lens[c]] = '\0';
                out->cells[i] = rowp;
                out->lens[i] = lens[c];
            }
            rowp += col_width(&fields[c]) + 1;
        }
        p += rowbytes;
    }
    out->nrows = nrows;
    /* cells[nrows*ncols] keeps the block pointer so db_rows_free can release it. */
    out->cells[nrows * ncols] = block;
    rc = 0;
free_bind:
    free(b);
    free(times);
    free(nulls);
    free(lens);
out:
    mysql_free_result(meta);
    mysql_stmt_free_result(st);
    if (rc != 0) {
        free(out->cells);
        free(out->lens);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

void db_rows_free(struct db_rows *rows)
{
    if (rows->cells) {
        free(rows->cells[rows->nrows * rows->ncols]);
        free(rows->cells);
    }
    free(rows->lens);
    memset(rows, 0, sizeof *rows);
}

int db_exec_text(struct db *db, const char *sql)
{
    char *text = db_expand_prefix(sql, db->prefix);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (db->mysql == NULL && reconnect(db) != 0)
            break;
        if (mysql_real_query(db->mysql, text, strlen(text)) == 0) {
            MYSQL_RES *res = mysql_store_result(db->mysql);
            if (res)
                mysql_free_result(res);
            free(text);
            return 0;
        }
        unsigned e = mysql_errno(db->mysql);
        set_error(db, "query", mysql_error(db->mysql));
        if (attempt == 0 && !db->in_tx && connection_lost(e) && reconnect(db) == 0)
            continue;
        break;
    }
    free(text);
    return -1;
}

int db_begin(struct db *db)
{
    if (db_exec_text(db, "START TRANSACTION") != 0)
        return -1;
    db->in_tx = true;
    return 0;
}

int db_commit(struct db *db)
{
    int rc = db_exec_text(db, "COMMIT");
    db->in_tx = false;
    return rc;
}

int db_rollback(struct db *db)
{
    int rc = db_exec_text(db, "ROLLBACK");
    db->in_tx = false;
    return rc;
}
