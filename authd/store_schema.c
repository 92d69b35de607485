/*
 * authd/store_schema.c — creates the WordPress and WooCommerce tables of a demo or test store.
 *
 * Owns: running the two schema scripts linked into authd, and the three indexes WooCommerce adds to
 * WordPress's comments table (WC_Install::create_tables checks SHOW INDEX and ALTERs when one is
 * missing; done the same way here, because ADD INDEX IF NOT EXISTS is MariaDB-only).
 * Also runs CartMan's idempotent reports-index migration (authd/sql/migrate_004_report_indexes.sql),
 * since the demo and test set-ups migrate before the WooCommerce tables exist.
 * Does not: upgrade or repair tables that exist (a real store's schema belongs to WordPress and
 * WooCommerce), or create CartMan's own tables (authd/migrate.c).
 */
#include "authd/store_schema.h"

#include <stdio.h>

#include "common/sql_script.h"

extern const char _binary_authd_sql_wordpress_sql_start[];
extern const char _binary_authd_sql_wordpress_sql_end[];
extern const char _binary_authd_sql_woocommerce_sql_start[];
extern const char _binary_authd_sql_woocommerce_sql_end[];
extern const char _binary_authd_sql_migrate_004_report_indexes_sql_start[];
extern const char _binary_authd_sql_migrate_004_report_indexes_sql_end[];

struct script {
    const char *what;
    const char *start, *end;
};

static const struct script scripts[] = {
    {"WordPress tables", _binary_authd_sql_wordpress_sql_start, _binary_authd_sql_wordpress_sql_end},
    {"WooCommerce tables", _binary_authd_sql_woocommerce_sql_start, _binary_authd_sql_woocommerce_sql_end},
    /* CartMan's reports indexes: migration 4 adds them to a real store; a store created here after the
     * migrations ran gets it now (the script is idempotent) */
    {"reports indexes", _binary_authd_sql_migrate_004_report_indexes_sql_start,
     _binary_authd_sql_migrate_004_report_indexes_sql_end},
};

struct comment_index {
    const char *exists_sql; /* one row when the index is there */
    const char *add_sql;
};

static const char SQL_HAS_TYPE[] = "SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE()"
                                   " AND table_name = '{p}comments' AND index_name = 'woo_idx_comment_type' LIMIT 1";
static const char SQL_HAS_DATE_TYPE[] = "SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE()"
                                        " AND table_name = '{p}comments' AND index_name = 'woo_idx_comment_date_type' LIMIT 1";
static const char SQL_HAS_APPROVED_TYPE[] = "SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE()"
                                            " AND table_name = '{p}comments' AND index_name = 'woo_idx_comment_approved_type'"
                                            " LIMIT 1";

static const struct comment_index comment_indexes[] = {
    {SQL_HAS_TYPE, "ALTER TABLE {p}comments ADD INDEX woo_idx_comment_type (comment_type)"},
    {SQL_HAS_DATE_TYPE, "ALTER TABLE {p}comments ADD INDEX woo_idx_comment_date_type"
                        " (comment_date_gmt, comment_type, comment_approved, comment_post_ID)"},
    {SQL_HAS_APPROVED_TYPE, "ALTER TABLE {p}comments ADD INDEX woo_idx_comment_approved_type"
                            " (comment_approved, comment_type, comment_post_ID)"},
};

/* 1 present, 0 missing, -1 error. */
static int query_has_row(struct db *db, const char *sql)
{
    struct db_rows rows;
    if (db_query(db, sql, NULL, 0, &rows) != 0)
        return -1;
    int found = rows.nrows > 0;
    db_rows_free(&rows);
    return found;
}

static int add_comment_indexes(struct db *db, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof comment_indexes / sizeof comment_indexes[0]; i++) {
        int has = query_has_row(db, comment_indexes[i].exists_sql);
        if (has < 0 || (has == 0 && db_exec_text(db, comment_indexes[i].add_sql) != 0)) {
            snprintf(err, errlen, "comments indexes: %s", db_error(db));
            return -1;
        }
    }
    return 0;
}

int store_schema_install(struct db *db, char *err, size_t errlen)
{
    char why[512];
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        const struct script *s = &scripts[i];
        if (sql_script_run(db, s->start, (size_t)(s->end - s->start), why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: %s", s->what, why);
            return -1;
        }
    }
    return add_comment_indexes(db, err, errlen);
}

static const char SQL_PRESENT[] = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
                                  " AND table_name IN ('{p}options', '{p}wc_orders')";

bool store_schema_present(struct db *db)
{
    struct db_rows rows;
    if (db_query(db, SQL_PRESENT, NULL, 0, &rows) != 0)
        return false;
    bool present = rows.nrows == 1 && db_cell(&rows, 0, 0) && db_cell(&rows, 0, 0)[0] == '2';
    db_rows_free(&rows);
    return present;
}
