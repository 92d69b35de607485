/*
 * authd/store_schema.h — the WordPress core and WooCommerce tables of a store.
 *
 * For the demo store and the tests: a real store already has these tables (WordPress and WooCommerce
 * created them), and installing is then a no-op.
 */
#ifndef AUTHD_STORE_SCHEMA_H
#define AUTHD_STORE_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "common/db.h"

/* Creates every missing WordPress core and WooCommerce table (authd/sql/wordpress.sql,
 * authd/sql/woocommerce.sql, linked into the binary) and the indexes WooCommerce adds to
 * {p}comments. Idempotent: existing tables are left as they are. 0, or -1 with a message in err. */
int store_schema_install(struct db *db, char *err, size_t errlen);

/* True when {p}options and {p}wc_orders exist (false also when the query fails). */
bool store_schema_present(struct db *db);

#endif
