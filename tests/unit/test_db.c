/*
 * tests/unit/test_db.c — common/db and common/sql_script: prefix expansion, statement splitting, and,
 * against the real MariaDB of `make test` (CARTMAN_DB_* variables), bound parameters, NULLs,
 * transactions and reconnecting after the server dropped the connection.
 */
#include <stdlib.h>

#include "common/db.h"
#include "common/sql_script.h"
#include "tests/tap.h"
#include "tests/test_db_env.h"

static void test_prefix(void)
{
    static const struct {
        const char *sql, *prefix, *want;
    } rows[] = {
        {"SELECT 1", "wp_", "SELECT 1"},
        {"SELECT * FROM {p}options", "wp_", "SELECT * FROM wp_options"},
        {"{p}a {p}b{p}", "shop2_", "shop2_a shop2_bshop2_"},
        {"{p", "wp_", "{p"},
        {"{{p}}", "x_", "{x_}"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *got = db_expand_prefix(rows[i].sql, rows[i].prefix);
        TAP_EQ_STR(got, rows[i].want, rows[i].sql);
        free(got);
    }
}

struct split_acc {
    char out[512];
    size_t n;
};

static void collect(const char *s, size_t len, void *ud)
{
    struct split_acc *a = ud;
    a->n += (size_t)snprintf(a->out + a->n, sizeof a->out - a->n, "[%.*s]", (int)len, s);
}

static void test_split(void)
{
    static const struct {
        const char *text, *want;
        size_t count;
    } rows[] = {
        {"A;\nB;\n", "[A][\nB]", 2},
        {"-- comment only;\n\nA;\n", "[\n\nA]", 1},
        {"  \n", "", 0},
        {"A 'x;y' B;\nC", "[A 'x;y' B][\nC]", 2},
        {"A;B;\n", "[A;B]", 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct split_acc a = {.n = 0};
        a.out[0] = '\0';
        size_t n = sql_script_split(rows[i].text, strlen(rows[i].text), collect, &a);
        char name[64];
        snprintf(name, sizeof name, "split row %zu", i);
        TAP_EQ_STR(a.out, rows[i].want, name);
        TAP_EQ_INT(n, rows[i].count, "statement count");
    }
}

static void test_live(void)
{
    struct db *db = test_db_connect("cmtest_");
    if (!tap_ok(db != NULL, "connects to the test database"))
        return;
    tap_ok(db_exec_text(db, "DROP TABLE IF EXISTS {p}t") == 0, "drop scratch table");
    tap_ok(db_exec_text(db, "CREATE TABLE {p}t (id int AUTO_INCREMENT PRIMARY KEY, s text NULL, n bigint NULL, "
                            "d double NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4") == 0,
           "create scratch table with the prefix applied");

    /* values with SQL metacharacters travel as parameters, byte for byte */
    static const char *const nasty[] = {"it's", "a\"b", "x'; DROP TABLE cmtest_t; --", "back\\slash", "Ünïcode ✓",
                                        "nul\0byte"};
    static const size_t nasty_len[] = {4, 3, 28, 10, 13, 8};
    for (size_t i = 0; i < 6; i++) {
        struct db_value p[] = {DB_STRN(nasty[i], nasty_len[i]), DB_INT(-(long long)i), DB_DOUBLE(1.5)};
        struct db_exec_result r;
        tap_ok(db_exec(db, "INSERT INTO {p}t (s, n, d) VALUES (?, ?, ?)", p, 3, &r) == 0 && r.affected == 1 &&
                   r.insert_id == i + 1,
               "insert row %zu", i);
        struct db_value q[] = {DB_UINT(r.insert_id)};
        struct db_rows rows;
        if (db_query(db, "SELECT s, n, d FROM {p}t WHERE id = ?", q, 1, &rows) == 0 && rows.nrows == 1) {
            tap_eq_mem(db_cell(&rows, 0, 0), db_cell_len(&rows, 0, 0), nasty[i], nasty_len[i], "value comes back exactly");
            char want[8];
            snprintf(want, sizeof want, "%d", -(int)i);
            TAP_EQ_STR(db_cell(&rows, 0, 1), want, "integer column as text");
            db_rows_free(&rows);
        } else {
            tap_ok(0, "select row %zu: %s", i, db_error(db));
        }
    }
    tap_ok(db_exec_text(db, "SELECT 1 FROM cmtest_t") == 0, "the table survived the injection attempt");

    struct db_value pn[] = {DB_NULLV};
    tap_ok(db_exec(db, "INSERT INTO {p}t (s) VALUES (?)", pn, 1, NULL) == 0, "insert NULL");
    struct db_rows rows;
    tap_ok(db_query(db, "SELECT s, n FROM {p}t WHERE s IS NULL", NULL, 0, &rows) == 0 && rows.nrows == 1 &&
               db_cell(&rows, 0, 0) == NULL && db_cell(&rows, 0, 1) == NULL,
           "NULL comes back as a NULL pointer");
    db_rows_free(&rows);

    tap_ok(db_query(db, "SELECT s FROM {p}t WHERE id = ?", NULL, 0, &rows) == -1, "parameter count mismatch is an error");
    tap_ok(db_exec(db, "SELEC nonsense", NULL, 0, NULL) == -1 && strstr(db_error(db), "prepare") != NULL,
           "a bad statement reports a prepare error");

    /* transactions */
    db_begin(db);
    db_exec(db, "DELETE FROM {p}t", NULL, 0, NULL);
    db_rollback(db);
    tap_ok(db_query(db, "SELECT COUNT(*) FROM {p}t", NULL, 0, &rows) == 0 && strcmp(db_cell(&rows, 0, 0), "7") == 0,
           "rollback undoes a delete");
    db_rows_free(&rows);

    /* the server drops the connection: the next statement reconnects and retries once */
    struct db *killer = test_db_connect("cmtest_");
    unsigned long id = mysql_thread_id(db_mysql(db));
    char kill[64];
    snprintf(kill, sizeof kill, "KILL CONNECTION %lu", id);
    tap_ok(killer && db_exec_text(killer, kill) == 0, "kill the connection from another session");
    tap_ok(db_query(db, "SELECT COUNT(*) FROM {p}t", NULL, 0, &rows) == 0 && rows.nrows == 1,
           "the next query reconnects and succeeds");
    db_rows_free(&rows);
    tap_ok(mysql_thread_id(db_mysql(db)) != id, "it is a new server connection");
    tap_ok(db_ping(db) == 0, "ping after reconnect");

    /* LOAD DATA LOCAL is off unless a bulk loader asks for it: a server cannot pull local files */
    tap_ok(db_exec_text(db, "LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE {p}t (s)") == -1,
           "LOAD DATA LOCAL is refused on a default connection (%s)", db_error(db));
    char err[256];
    struct db *again = db_connect_again(db, err, sizeof err);
    tap_ok(again != NULL && mysql_thread_id(db_mysql(again)) != mysql_thread_id(db_mysql(db)),
           "db_connect_again opens a second connection with the same settings");
    tap_ok(again && strcmp(db_prefix(again), "cmtest_") == 0, "and the same table prefix");
    db_close(again);

    db_exec_text(db, "DROP TABLE IF EXISTS {p}t");
    db_close(killer);
    db_close(db);
}

int main(void)
{
    test_prefix();
    test_split();
    if (getenv("CARTMAN_DB_NAME"))
        test_live();
    else
        tap_diag("CARTMAN_DB_NAME is not set: the live database tests run under `make test`");
    return tap_done();
}
