/*
 * authd/seed_demo.c — `authd seed-demo`: flags, the state of the store, and the order of the stages.
 *
 * Owns: parsing and checking the flags; deciding whether to seed (empty store), do nothing (already
 * seeded) or refuse (other content) unless --force; the first free ID of every table; the session
 * settings and transactions of the bulk load; the marker option cartman_demo_seed; the JSON line with
 * the demo accounts.
 * Transactions: the rows go in chunks of orders (seed_orders.c), each chunk one transaction on the
 * caller's connection (the loader's second connection commits each LOAD), loaded in the background
 * while the next chunk is generated. An interrupted run leaves the marker in state "loading", which
 * the next run reports. unique_checks and foreign_key_checks are off for the session while loading: every ID is
 * generated here and unique by construction, and WordPress has no foreign keys.
 * Determinism: one PRNG stream per stage, seeded from --seed; every date is relative to today
 * 00:00 UTC; IDs start after what the store has. Two runs with the same seed on empty stores the
 * same day give the same rows, except the bcrypt salts of the password hashes.
 */
#include "authd/seed_demo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "authd/seed_model.h"
#include "authd/seed_text.h"
#include "authd/store_schema.h"

#define MAX_ORDERS 10000000ULL
#define MAX_PRODUCTS 10000ULL
#define DEFAULT_SITE_URL "https://store.example.test"

static const char usage[] =
    "usage: authd seed-demo [--orders N] [--products M] [--seed S] [--storage hpos|posts] [--force]\n"
    "  --orders N     orders to generate, 1-10000000 (default 2000)\n"
    "  --products M   products, 1-10000 (default 40; a third of them variable, with variations)\n"
    "  --seed S       PRNG seed, 0-18446744073709551615 (default 1): the same seed gives the same store\n"
    "  --storage S    hpos (custom order tables, default) or posts (legacy wp_posts orders)\n"
    "  --force        add a batch to a store that is already seeded or has other content\n";

struct seed_opts {
    unsigned long long orders, products, seed;
    bool hpos, storage_given, force;
};

/* Digits only (no sign, no spaces), within [min, max]. */
static int parse_number(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "--name value" or "--name=value": the value, advancing *i past it; NULL when missing. */
static const char *flag_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0' || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "seed-demo: %s (got '%s')\n%s", what, arg, usage);
    return 2;
}

static bool is_flag(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* 0 ok, 1 help printed, 2 usage error (printed). */
static int parse_opts(int argc, char **argv, struct seed_opts *o)
{
    *o = (struct seed_opts){.orders = 2000, .products = 40, .seed = 1, .hpos = true};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        } else if (strcmp(a, "--force") == 0) {
            o->force = true;
        } else if (is_flag(a, "--orders")) {
            if ((v = flag_value(argc, argv, &i, "--orders")) == NULL || parse_number(v, 1, MAX_ORDERS, &o->orders) != 0)
                return usage_error("--orders needs a whole number from 1 to 10000000", v ? v : "");
        } else if (is_flag(a, "--products")) {
            if ((v = flag_value(argc, argv, &i, "--products")) == NULL ||
                parse_number(v, 1, MAX_PRODUCTS, &o->products) != 0)
                return usage_error("--products needs a whole number from 1 to 10000", v ? v : "");
        } else if (is_flag(a, "--seed")) {
            if ((v = flag_value(argc, argv, &i, "--seed")) == NULL || parse_number(v, 0, UINT64_MAX, &o->seed) != 0)
                return usage_error("--seed needs a whole number from 0 to 18446744073709551615", v ? v : "");
        } else if (is_flag(a, "--storage")) {
            v = flag_value(argc, argv, &i, "--storage");
            if (v == NULL || (strcmp(v, "hpos") != 0 && strcmp(v, "posts") != 0))
                return usage_error("--storage is hpos or posts", v ? v : "");
            o->hpos = strcmp(v, "hpos") == 0;
            o->storage_given = true;
        } else {
            return usage_error("unknown argument", a);
        }
    }
    return 0;
}

/* The site URL (no trailing slash) and its host without "www." for the order-note e-mail address. */
static int site_from_env(struct seed_ctx *c)
{
    const char *url = getenv("CARTMAN_DEMO_SITE_URL");
    if (url == NULL || *url == '\0')
        url = DEFAULT_SITE_URL;
    const char *scheme = strstr(url, "://");
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    if (scheme == NULL || n >= sizeof c->site_url || strpbrk(url, " \t\r\n\"'<>\\") != NULL) {
        fprintf(stderr, "seed-demo: CARTMAN_DEMO_SITE_URL must be an absolute URL such as %s\n", DEFAULT_SITE_URL);
        return -1;
    }
    snprintf(c->site_url, sizeof c->site_url, "%.*s", (int)n, url);
    const char *h = scheme + 3;
    if (strncmp(h, "www.", 4) == 0)
        h += 4;
    size_t hl = strcspn(h, ":/?#");
    snprintf(c->host, sizeof c->host, "%.*s", (int)(hl < sizeof c->host ? hl : sizeof c->host - 1), h);
    return 0;
}

/* Today 00:00 UTC, or CARTMAN_DEMO_TODAY=YYYY-MM-DD. */
static int anchor_from_env(struct seed_ctx *c)
{
    const char *today = getenv("CARTMAN_DEMO_TODAY");
    if (today == NULL || *today == '\0') {
        time_t now = time(NULL);
        c->anchor = (int64_t)now - (int64_t)now % 86400;
        return 0;
    }
    unsigned long long y, m, d;
    char ys[5], ms[3], ds[3];
    if (strlen(today) != 10 || today[4] != '-' || today[7] != '-') {
        fprintf(stderr, "seed-demo: CARTMAN_DEMO_TODAY must be YYYY-MM-DD\n");
        return -1;
    }
    snprintf(ys, sizeof ys, "%.4s", today);
    snprintf(ms, sizeof ms, "%.2s", today + 5);
    snprintf(ds, sizeof ds, "%.2s", today + 8);
    if (parse_number(ys, 1971, 9999, &y) != 0 || parse_number(ms, 1, 12, &m) != 0 || parse_number(ds, 1, 31, &d) != 0) {
        fprintf(stderr, "seed-demo: CARTMAN_DEMO_TODAY must be YYYY-MM-DD\n");
        return -1;
    }
    c->anchor = seed_days_from_civil((int64_t)y, (unsigned)m, (unsigned)d) * 86400;
    return 0;
}

/* ---- the store as it is ---- */

struct store_state {
    char marker[512]; /* cartman_demo_seed, "" when absent */
    unsigned long long content; /* users + products + orders already there */
    char storage[8];  /* woocommerce_custom_orders_table_enabled, "" when absent */
    unsigned batch;   /* of the marker, 0 when absent */
};

static int query_state(struct db *db, struct store_state *s)
{
    static const char sql[] =
        "SELECT (SELECT option_value FROM {p}options WHERE option_name = 'cartman_demo_seed'),"
        " (SELECT option_value FROM {p}options WHERE option_name = 'woocommerce_custom_orders_table_enabled'),"
        " (SELECT COUNT(*) FROM {p}users) + (SELECT COUNT(*) FROM {p}wc_orders) + (SELECT COUNT(*) FROM {p}posts"
        " WHERE post_type IN ('product', 'product_variation', 'shop_order', 'shop_order_refund', 'shop_order_placehold'))";
    struct db_rows rows;
    memset(s, 0, sizeof *s);
    if (db_query(db, sql, NULL, 0, &rows) != 0 || rows.nrows != 1)
        return -1;
    snprintf(s->marker, sizeof s->marker, "%s", db_cell(&rows, 0, 0) ? db_cell(&rows, 0, 0) : "");
    snprintf(s->storage, sizeof s->storage, "%s", db_cell(&rows, 0, 1) ? db_cell(&rows, 0, 1) : "");
    s->content = strtoull(db_cell(&rows, 0, 2), NULL, 10);
    db_rows_free(&rows);
    if (s->marker[0]) {
        json_t *m = json_loads(s->marker, 0, NULL);
        s->batch = m ? (unsigned)json_integer_value(json_object_get(m, "batch")) : 1;
        json_decref(m);
        if (s->batch == 0)
            s->batch = 1;
    }
    return 0;
}

/* 1 go on, 0 nothing to do (said why), -1 refuse (said why). */
static int decide(const struct store_state *s, const struct seed_opts *o)
{
    if (s->marker[0] && !o->force) {
        if (strstr(s->marker, "\"loading\"")) {
            fprintf(stderr, "seed-demo: a previous seed-demo did not finish (%s); drop the database and seed again, "
                            "or add a batch with --force\n", s->marker);
            return -1;
        }
        fprintf(stderr, "seed-demo: the store is already seeded (%s); nothing to do (--force adds another batch)\n",
                s->marker);
        return 0;
    }
    if (!s->marker[0] && s->content > 0 && !o->force) {
        fprintf(stderr, "seed-demo: the store already has %llu users, products or orders; seed-demo only fills an "
                        "empty store (--force adds the demo data to it)\n", s->content);
        return -1;
    }
    return 1;
}

static int read_ids(struct db *db, struct seed_ids *id)
{
    static const char sql[] =
        "SELECT GREATEST((SELECT COALESCE(MAX(ID), 0) FROM {p}posts), (SELECT COALESCE(MAX(id), 0) FROM {p}wc_orders)),"
        " (SELECT COALESCE(MAX(meta_id), 0) FROM {p}postmeta), (SELECT COALESCE(MAX(ID), 0) FROM {p}users),"
        " (SELECT COALESCE(MAX(umeta_id), 0) FROM {p}usermeta), (SELECT COALESCE(MAX(term_id), 0) FROM {p}terms),"
        " (SELECT COALESCE(MAX(term_taxonomy_id), 0) FROM {p}term_taxonomy),"
        " (SELECT COALESCE(MAX(meta_id), 0) FROM {p}termmeta), (SELECT COALESCE(MAX(comment_ID), 0) FROM {p}comments),"
        " (SELECT COALESCE(MAX(meta_id), 0) FROM {p}commentmeta),"
        " (SELECT COALESCE(MAX(order_item_id), 0) FROM {p}woocommerce_order_items),"
        " (SELECT COALESCE(MAX(meta_id), 0) FROM {p}woocommerce_order_itemmeta),"
        " (SELECT COALESCE(MAX(id), 0) FROM {p}wc_order_addresses),"
        " (SELECT COALESCE(MAX(id), 0) FROM {p}wc_order_operational_data),"
        " (SELECT COALESCE(MAX(id), 0) FROM {p}wc_orders_meta),"
        " (SELECT COALESCE(MAX(customer_id), 0) FROM {p}wc_customer_lookup),"
        " (SELECT COALESCE(MAX(attribute_id), 0) FROM {p}woocommerce_attribute_taxonomies),"
        " (SELECT COALESCE(MAX(tax_rate_id), 0) FROM {p}woocommerce_tax_rates),"
        " (SELECT COALESCE(MAX(instance_id), 0) FROM {p}woocommerce_shipping_zone_methods)";
    struct db_rows rows;
    if (db_query(db, sql, NULL, 0, &rows) != 0 || rows.nrows != 1 || rows.ncols != 18)
        return -1;
    uint64_t *dst[18] = {&id->post, &id->postmeta, &id->user, &id->usermeta, &id->term, &id->term_taxonomy,
                         &id->termmeta, &id->comment, &id->commentmeta, &id->item, &id->itemmeta, &id->address,
                         &id->opdata, &id->ordermeta, &id->customer, &id->attribute, &id->tax_rate, &id->zone_method};
    for (size_t i = 0; i < 18; i++)
        *dst[i] = strtoull(db_cell(&rows, 0, i), NULL, 10) + 1;
    db_rows_free(&rows);
    return 0;
}

static void register_tables(struct seed_ctx *c)
{
    static const char meta_cols[] = "%s, %s, meta_key, meta_value";
    char cols[128];
    struct seed_loader *ld = c->ld;
    struct seed_tables *t = &c->t;
    t->users = seed_loader_table(ld, "users", "ID, user_login, user_pass, user_nicename, user_email, user_url,"
                                              " user_registered, user_activation_key, user_status, display_name");
    snprintf(cols, sizeof cols, meta_cols, "umeta_id", "user_id");
    t->usermeta = seed_loader_table(ld, "usermeta", cols);
    t->terms = seed_loader_table(ld, "terms", "term_id, name, slug, term_group");
    t->term_taxonomy = seed_loader_table(ld, "term_taxonomy", "term_taxonomy_id, term_id, taxonomy, description, parent, count");
    t->term_relationships = seed_loader_table(ld, "term_relationships", "object_id, term_taxonomy_id, term_order");
    snprintf(cols, sizeof cols, meta_cols, "meta_id", "term_id");
    t->termmeta = seed_loader_table(ld, "termmeta", cols);
    t->posts = seed_loader_table(ld, "posts", "ID, post_author, post_date, post_date_gmt, post_content, post_title,"
                                              " post_excerpt, post_status, comment_status, ping_status, post_password,"
                                              " post_name, to_ping, pinged, post_modified, post_modified_gmt,"
                                              " post_content_filtered, post_parent, guid, menu_order, post_type,"
                                              " post_mime_type, comment_count");
    snprintf(cols, sizeof cols, meta_cols, "meta_id", "post_id");
    t->postmeta = seed_loader_table(ld, "postmeta", cols);
    t->orders = seed_loader_table(ld, "wc_orders", "id, status, currency, type, tax_amount, total_amount, customer_id,"
                                                   " billing_email, date_created_gmt, date_updated_gmt, parent_order_id,"
                                                   " payment_method, payment_method_title, transaction_id, ip_address,"
                                                   " user_agent, customer_note");
    t->addresses = seed_loader_table(ld, "wc_order_addresses", "id, order_id, address_type, first_name, last_name,"
                                                               " company, address_1, address_2, city, state, postcode,"
                                                               " country, email, phone");
    t->opdata = seed_loader_table(ld, "wc_order_operational_data",
                                  "id, order_id, created_via, woocommerce_version, prices_include_tax,"
                                  " coupon_usages_are_counted, download_permission_granted, cart_hash,"
                                  " new_order_email_sent, order_key, order_stock_reduced, date_paid_gmt,"
                                  " date_completed_gmt, shipping_tax_amount, shipping_total_amount,"
                                  " discount_tax_amount, discount_total_amount, recorded_sales");
    snprintf(cols, sizeof cols, meta_cols, "id", "order_id");
    t->ordermeta = seed_loader_table(ld, "wc_orders_meta", cols);
    t->items = seed_loader_table(ld, "woocommerce_order_items", "order_item_id, order_item_name, order_item_type, order_id");
    snprintf(cols, sizeof cols, meta_cols, "meta_id", "order_item_id");
    t->itemmeta = seed_loader_table(ld, "woocommerce_order_itemmeta", cols);
    t->comments = seed_loader_table(ld, "comments", "comment_ID, comment_post_ID, comment_author, comment_author_email,"
                                                    " comment_author_url, comment_author_IP, comment_date,"
                                                    " comment_date_gmt, comment_content, comment_karma,"
                                                    " comment_approved, comment_agent, comment_type, comment_parent,"
                                                    " user_id");
    snprintf(cols, sizeof cols, meta_cols, "meta_id", "comment_id");
    t->commentmeta = seed_loader_table(ld, "commentmeta", cols);
    t->stats = seed_loader_table(ld, "wc_order_stats", "order_id, parent_id, date_created, date_created_gmt, date_paid,"
                                                       " date_completed, num_items_sold, total_sales, tax_total,"
                                                       " shipping_total, net_total, returning_customer, status,"
                                                       " customer_id");
    t->product_lookup = seed_loader_table(ld, "wc_order_product_lookup",
                                          "order_item_id, order_id, product_id, variation_id, customer_id, date_created,"
                                          " product_qty, product_net_revenue, product_gross_revenue, coupon_amount,"
                                          " tax_amount, shipping_amount, shipping_tax_amount");
    t->tax_lookup = seed_loader_table(ld, "wc_order_tax_lookup",
                                      "order_id, tax_rate_id, date_created, shipping_tax, order_tax, total_tax");
    t->coupon_lookup = seed_loader_table(ld, "wc_order_coupon_lookup", "order_id, coupon_id, date_created, discount_amount");
    t->customer_lookup = seed_loader_table(ld, "wc_customer_lookup",
                                           "customer_id, user_id, username, first_name, last_name, email,"
                                           " date_last_active, date_registered, country, postcode, city, state");
    t->meta_lookup = seed_loader_table(ld, "wc_product_meta_lookup",
                                       "product_id, sku, global_unique_id, `virtual`, downloadable, min_price, max_price,"
                                       " onsale, stock_quantity, stock_status, rating_count, average_rating,"
                                       " total_sales, tax_status, tax_class");
    t->download_permissions = seed_loader_table(ld, "woocommerce_downloadable_product_permissions",
                                                "download_id, product_id, order_id, order_key, user_email, user_id,"
                                                " downloads_remaining, access_granted, access_expires, download_count");
}

/* ---- transactions and the marker ---- */

int seed_checkpoint(struct seed_ctx *c, bool background)
{
    /* What a background flush loaded belongs to the transaction committed here. */
    if (seed_loader_wait(c->ld, c->err, sizeof c->err) != 0)
        return -1;
    if (!background && seed_loader_flush(c->ld, c->err, sizeof c->err) != 0)
        return -1;
    if (db_commit(c->db) != 0 || db_begin(c->db) != 0) {
        snprintf(c->err, sizeof c->err, "commit: %s", db_error(c->db));
        return -1;
    }
    if (background && seed_loader_flush_start(c->ld, c->err, sizeof c->err) != 0)
        return -1;
    return 0;
}

static int write_marker(struct seed_ctx *c, const char *state)
{
    static const char sql[] = "INSERT INTO {p}options (option_name, option_value, autoload) VALUES ('cartman_demo_seed', ?, 'no')"
                              " ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)";
    char date[SEED_DATE_LEN], seed_text[24];
    seed_fmt_gmt(c->anchor, date);
    date[10] = '\0';
    snprintf(seed_text, sizeof seed_text, "%" PRIu64, c->seed); /* as text: JSON integers stop at 2^63 */
    json_t *m = json_object();
    json_object_set_new(m, "state", json_string(state));
    json_object_set_new(m, "batch", json_integer(c->batch));
    json_object_set_new(m, "seed", json_string(seed_text));
    json_object_set_new(m, "orders", json_integer(c->norders));
    json_object_set_new(m, "products", json_integer(c->nproducts));
    json_object_set_new(m, "storage", json_string(c->hpos ? "hpos" : "posts"));
    json_object_set_new(m, "date", json_string(date));
    char *text = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    if (text == NULL)
        abort();
    struct db_value p[1] = {DB_STR(text)};
    int rc = db_exec(c->db, sql, p, 1, NULL);
    free(text);
    if (rc != 0)
        snprintf(c->err, sizeof c->err, "marker: %s", db_error(c->db));
    return rc;
}

static int session(struct seed_ctx *c, bool loading)
{
    const char *sql = loading ? "SET SESSION unique_checks = 0, foreign_key_checks = 0"
                              : "SET SESSION unique_checks = 1, foreign_key_checks = 1";
    if (db_exec_text(c->db, sql) != 0) {
        snprintf(c->err, sizeof c->err, "session: %s", db_error(c->db));
        return -1;
    }
    return 0;
}

/* ---- the run ---- */

static int run_stages(struct seed_ctx *c)
{
    struct seed_rng users, catalog, orders;
    seed_rng_init(&users, c->seed, 1);
    seed_rng_init(&catalog, c->seed, 2);
    seed_rng_init(&orders, c->seed, 3);
    if (seed_users_plan(c, &users) != 0 || seed_catalog_build(c, &catalog) != 0)
        return -1;
    if (seed_users_write_staff(c) != 0 || seed_catalog_write(c) != 0 || seed_checkpoint(c, false) != 0)
        return -1;
    if (seed_orders_generate(c, &orders) != 0)
        return -1;
    if (seed_catalog_write_stock(c) != 0 || seed_users_write_customers(c) != 0 || seed_options_write(c) != 0)
        return -1;
    return write_marker(c, "done");
}

static void print_accounts(const struct seed_ctx *c)
{
    json_t *users = json_array();
    for (int i = 0; i <= SEED_NSTAFF; i++) {
        const struct seed_account *a = i < SEED_NSTAFF ? &c->staff[i] : &c->customer_sample;
        json_array_append_new(users, json_pack("{s:s, s:s, s:s, s:s}", "login", a->login, "email", a->email,
                                               "password", a->password, "role", a->role));
    }
    json_t *out = json_pack("{s:o}", "users", users);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    if (text == NULL)
        abort();
    printf("%s\n", text);
    fflush(stdout);
    free(text);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void print_summary(const struct seed_ctx *c, double secs)
{
    fprintf(stderr,
            "seed-demo: %u orders (%" PRIu64 " refunds, %" PRIu64 " items, %" PRIu64 " notes), %u products"
            " (%u sellable units), %u customers, %u guests, storage %s, batch %u\n"
            "seed-demo: %" PRIu64 " rows in %.1f s (%.0f rows/s)\n",
            c->norders, c->n_refunds, c->n_items, c->n_notes, c->nproducts, c->cat.nunits, c->cust.count,
            c->cust.nguests_seen, c->hpos ? "hpos" : "posts", c->batch, seed_loader_rows(c->ld), secs,
            secs > 0 ? (double)seed_loader_rows(c->ld) / secs : 0.0);
    const char *verbose = getenv("CARTMAN_SEED_VERBOSE");
    if (verbose && *verbose && strcmp(verbose, "0") != 0)
        seed_loader_report(c->ld, stderr);
}

static int lock(struct seed_ctx *c, bool take)
{
    static const char sql_lock[] = "SELECT GET_LOCK(CONCAT(DATABASE(), '.cartman_seed_demo'), 0)";
    static const char sql_unlock[] = "SELECT RELEASE_LOCK(CONCAT(DATABASE(), '.cartman_seed_demo'))";
    struct db_rows rows;
    if (db_query(c->db, take ? sql_lock : sql_unlock, NULL, 0, &rows) != 0)
        return -1;
    bool ok = rows.nrows == 1 && db_cell(&rows, 0, 0) && db_cell(&rows, 0, 0)[0] == '1';
    db_rows_free(&rows);
    return ok || !take ? 0 : -1;
}

static int prepare(struct seed_ctx *c, const struct seed_opts *o, const struct store_state *st)
{
    c->seed = o->seed;
    c->norders = (unsigned)o->orders;
    c->nproducts = (unsigned)o->products;
    c->hpos = o->hpos;
    if (st->storage[0]) { /* the store's own setting decides where its orders live */
        c->hpos = strcmp(st->storage, "yes") == 0;
        if (o->storage_given && c->hpos != o->hpos)
            fprintf(stderr, "seed-demo: the store uses %s order storage; --storage is ignored\n", c->hpos ? "hpos" : "posts");
    }
    c->batch = st->marker[0] ? st->batch + 1 : st->content > 0 ? 2 : 1;
    if (c->batch > 1)
        snprintf(c->suffix, sizeof c->suffix, "-%u", c->batch);
    if (site_from_env(c) != 0 || anchor_from_env(c) != 0)
        return -1;
    if (read_ids(c->db, &c->id) != 0) {
        snprintf(c->err, sizeof c->err, "reading the store's IDs: %s", db_error(c->db));
        return -1;
    }
    c->slug_base = (c->anchor - (int64_t)(SEED_DAYS + 2) * 86400) / 60;
    c->slug_minutes = (int64_t)(SEED_DAYS + 3) * 1440;
    for (int i = 0; i < 2; i++)
        if ((c->slug_count[i] = calloc((size_t)c->slug_minutes, sizeof *c->slug_count[i])) == NULL)
            abort();
    c->ld = seed_loader_new(c->db);
    register_tables(c);
    return 0;
}

static void release(struct seed_ctx *c)
{
    seed_loader_free(c->ld);
    seed_catalog_free(&c->cat);
    seed_customers_free(&c->cust);
    free(c->slug_count[0]);
    free(c->slug_count[1]);
}

static int seed(struct db *db, const struct seed_opts *o, const struct store_state *st)
{
    struct seed_ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        abort();
    c->db = db;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = prepare(c, o, st);
    if (rc == 0)
        rc = session(c, true);
    if (rc == 0)
        rc = write_marker(c, "loading");
    if (rc == 0 && db_begin(db) != 0) {
        snprintf(c->err, sizeof c->err, "begin: %s", db_error(db));
        rc = -1;
    }
    if (rc == 0)
        rc = run_stages(c);
    if (rc == 0 && db_commit(db) != 0) {
        snprintf(c->err, sizeof c->err, "commit: %s", db_error(db));
        rc = -1;
    }
    if (rc != 0) {
        char ignored[512];
        if (c->ld) /* nothing may still be loading on the connection when it rolls back */
            seed_loader_wait(c->ld, ignored, sizeof ignored);
        db_rollback(db);
        fprintf(stderr, "seed-demo: failed: %s\n", c->err);
    } else {
        print_summary(c, seconds_since(&t0));
        print_accounts(c);
    }
    session(c, false);
    release(c);
    free(c);
    return rc == 0 ? 0 : 1;
}

int seed_demo_command(struct db *db, int argc, char **argv)
{
    struct seed_opts opts;
    int p = parse_opts(argc, argv, &opts);
    if (p != 0)
        return p == 1 ? 0 : 2;
    char err[512];
    if (store_schema_install(db, err, sizeof err) != 0) {
        fprintf(stderr, "seed-demo: creating the WordPress and WooCommerce tables: %s\n", err);
        return 1;
    }
    struct seed_ctx probe = {.db = db};
    if (lock(&probe, true) != 0) {
        fprintf(stderr, "seed-demo: another seed-demo is running on this database\n");
        return 1;
    }
    struct store_state st;
    int rc = 1;
    if (query_state(db, &st) != 0) {
        fprintf(stderr, "seed-demo: reading the store: %s\n", db_error(db));
    } else {
        int d = decide(&st, &opts);
        rc = d > 0 ? seed(db, &opts, &st) : d == 0 ? 0 : 1;
    }
    lock(&probe, false);
    return rc;
}
