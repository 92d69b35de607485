/*
 * authd/seed_demo.h — `authd seed-demo`: fills a WordPress + WooCommerce demo store.
 */
#ifndef AUTHD_SEED_DEMO_H
#define AUTHD_SEED_DEMO_H

#include "common/db.h"

/*
 * argv: the arguments after "seed-demo":
 *   [--orders N] [--products M] [--seed S] [--storage hpos|posts] [--force]
 * (defaults 2000 orders, 40 products, seed 1, hpos). Installs the WordPress and WooCommerce tables
 * when they are missing, then generates the store deterministically from the seed, with every date
 * relative to today 00:00 UTC (CARTMAN_DEMO_TODAY=YYYY-MM-DD overrides "today"; the site URL is
 * CARTMAN_DEMO_SITE_URL or https://store.example.test).
 *
 * On an already seeded store it does nothing and says so; on a store with other content (users,
 * products or orders) it refuses. --force adds a batch to either: new IDs after the existing ones,
 * logins, slugs, SKUs and coupon codes suffixed "-<batch>".
 *
 * Progress and a summary go to stderr; on success one JSON line goes to stdout:
 *   {"users":[{"login","email","password","role"}, ...]}
 * with the four staff accounts and one customer.
 * Returns 0 on success (or nothing to do), 2 on a usage error, 1 on any other failure.
 */
int seed_demo_command(struct db *db, int argc, char **argv);

#endif
