/*
 * authd/seed_model.h — what the stages of `authd seed-demo` share: the run's settings, the next free
 * ID of every table, the generated catalogue and customers, and the loader tables.
 *
 * Internal to authd/seed_*.c. The stages run in this order (seed_demo.c): users (staff, customer IDs),
 * catalogue (terms, products, images, coupons), orders (with refunds, notes and analytics rows), then
 * the rows that depend on what the orders did (stock and sales meta, customer and product lookups),
 * and the options last.
 */
#ifndef AUTHD_SEED_MODEL_H
#define AUTHD_SEED_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authd/seed_loader.h"
#include "authd/seed_people.h"
#include "authd/seed_rng.h"
#include "common/db.h"

#define SEED_WC_VERSION "9.3.3"
#define SEED_WP_DB_VERSION "53496" /* WordPress 6.1, the version Debian ships */
#define SEED_CURRENCY "EUR"
#define SEED_DAYS 120 /* orders are spread over the last SEED_DAYS days before today 00:00 UTC */
#define SEED_DAY INT64_C(86400)
#define SEED_HOUR INT64_C(3600)

enum seed_status {
    SEED_PENDING,
    SEED_PROCESSING,
    SEED_ON_HOLD,
    SEED_COMPLETED,
    SEED_CANCELLED,
    SEED_REFUNDED,
    SEED_FAILED,
    SEED_NSTATUS
};

/* "wc-processing" and "Processing" (wc_get_order_statuses()). */
const char *seed_status_key(enum seed_status s);
const char *seed_status_label(enum seed_status s);

/* Next free ID per table: the generator assigns every ID itself (starting after what is there). */
struct seed_ids {
    uint64_t post, postmeta, user, usermeta, term, term_taxonomy, termmeta, comment, commentmeta;
    uint64_t item, itemmeta, address, opdata, ordermeta, customer, attribute, tax_rate, zone, zone_method;
};

struct seed_tables {
    struct seed_table *posts, *postmeta, *users, *usermeta, *terms, *term_taxonomy, *term_relationships, *termmeta;
    struct seed_table *comments, *commentmeta, *items, *itemmeta;
    struct seed_table *orders, *addresses, *opdata, *ordermeta;
    struct seed_table *stats, *product_lookup, *tax_lookup, *coupon_lookup, *customer_lookup, *meta_lookup;
    struct seed_table *download_permissions;
};

/* Something a line item can sell: a simple product or one variation. */
struct seed_unit {
    uint64_t id;         /* the product's or the variation's post ID */
    uint64_t product_id; /* the product itself, or the variation's parent */
    unsigned product;    /* index into seed_catalog.products */
    char name[112];      /* the line item name: "Zip Hoodie - Blue, L" */
    char sku[40];
    int64_t regular, sale, price; /* cents; sale 0 = not on sale; price = what is charged */
    unsigned tax;        /* index into seed_catalog.tax: 0 standard, 1 reduced */
    int color, size;     /* attribute term index, -1 when none */
    bool soldout;        /* out of stock, stock not managed: only in orders older than 30 days */
    unsigned nfiles;     /* downloadable: the files of its _downloadable_files (0: not downloadable) */
    int download_limit;  /* _download_limit, -1 unlimited */
    int download_expiry; /* _download_expiry in days, -1 never */
    int64_t stock0;      /* stock before the first generated order */
    int64_t stock;       /* running stock while orders are generated */
    uint64_t weight_end; /* cumulative pick weight */
};

struct seed_term {
    uint64_t term_id, tt_id, parent; /* parent: term_id or 0 */
    const char *taxonomy;
    char name[64], slug[80];
    uint64_t count;
    bool existing;      /* found in the store: reused, its count is increased rather than set */
    uint64_t aggregate; /* product_cat: products in the category and its children */
};

struct seed_product {
    uint64_t id;
    unsigned first_unit, nunits; /* the simple product's unit, or the variations */
    bool variable, featured;
    char name[96], slug[112], sku[32];
    int64_t date;                /* post_date */
    uint64_t image_id, gallery_id; /* attachment post IDs (gallery_id 0 = none) */
    unsigned category;           /* term index */
    unsigned weight_g, length_cm, width_cm, height_cm;
    uint64_t total_sales;        /* units sold in orders that recorded sales */
    char description[512], short_description[160];
};

struct seed_coupon {
    uint64_t id;
    char code[32];
    unsigned percent;
    uint64_t usage_count;
};

struct seed_tax_rate {
    uint64_t id;
    unsigned percent;
    const char *label, *code, *class_slug;
};

struct seed_catalog_work; /* seed_catalog.c's own */

struct seed_catalog {
    struct seed_catalog_work *work;
    struct seed_unit *units;
    unsigned nunits;
    uint64_t weight_total;
    struct seed_product *products;
    unsigned nproducts;
    struct seed_term *terms;
    unsigned nterms, cap_terms;
    unsigned color_terms[8], ncolors, size_terms[8], nsizes; /* term indexes of pa_color / pa_size */
    unsigned term_uncategorized, term_outofstock, term_featured, term_simple, term_variable;
    struct seed_coupon coupons[2];
    struct seed_tax_rate tax[2];
    uint64_t flat_rate_instance, free_shipping_instance;
};

enum seed_staff_role { SEED_ADMIN, SEED_MANAGER, SEED_SUBSCRIBER, SEED_DENIED_MANAGER, SEED_NSTAFF };

struct seed_account {
    uint64_t id;
    char login[64], email[160], display[64], password[48];
    const char *role;
};

struct seed_customers {
    uint64_t first_user_id, first_lookup_id;
    unsigned count;           /* registered customers: user IDs first_user_id + k */
    unsigned nguests;         /* size of the guest pool */
    int64_t *last_active;     /* per registered customer, 0 = never ordered */
    int64_t *guest_last_active;
    uint64_t *guest_lookup;   /* per guest: wc_customer_lookup.customer_id, 0 = not seen yet */
    unsigned *guest_order;    /* guest indexes in order of first appearance */
    unsigned nguests_seen;
    char password[48];        /* shared by every customer, and so is the hash */
    char hash[64];
};

struct seed_ctx {
    struct db *db;
    struct seed_loader *ld;
    struct seed_tables t;
    struct seed_ids id;
    uint64_t seed;
    unsigned norders, nproducts;
    bool hpos;
    int64_t anchor;        /* today 00:00 UTC: every date is relative to it */
    char site_url[256];    /* no trailing slash */
    char host[96];         /* site host without "www." (order-note e-mails) */
    char suffix[16];       /* "" for the first batch, "-2" ... for batches added with --force */
    unsigned batch;
    struct seed_catalog cat;
    struct seed_account staff[SEED_NSTAFF];
    struct seed_account customer_sample;
    struct seed_customers cust;
    uint64_t n_refunds, n_notes, n_items;
    /* wp_unique_post_slug for order and refund titles, which repeat within a minute: how many posts
     * of each type (0 orders, 1 refunds) have the title of each UTC minute since slug_base. */
    uint16_t *slug_count[2];
    int64_t slug_base, slug_minutes;
    char err[512];
};

/* Rows the stages share. Dates are Unix times, written in site-local time and UTC. */
struct seed_post_row {
    uint64_t id, author, parent, comment_count;
    int64_t date, modified;
    const char *content, *title, *excerpt, *status, *comment_status, *ping_status, *password, *name, *guid, *type,
        *mime;
    int menu_order;
};
void seed_write_post(struct seed_ctx *c, const struct seed_post_row *p);
/* A meta row (postmeta, usermeta, termmeta, commentmeta, itemmeta, wc_orders_meta): next ID, owner, key, value. */
void seed_meta(struct seed_table *t, uint64_t *next_id, uint64_t owner, const char *key, const char *value);
void seed_meta_u64(struct seed_table *t, uint64_t *next_id, uint64_t owner, const char *key, uint64_t value);
void seed_meta_cents(struct seed_table *t, uint64_t *next_id, uint64_t owner, const char *key, int64_t cents);

/* A customer's and a guest's identity (pure functions of the seed and the index). */
void seed_customer_identity(const struct seed_ctx *c, unsigned k, struct seed_person *p, char *login, size_t loginlen,
                            char *email, size_t emaillen);
void seed_guest_identity(const struct seed_ctx *c, unsigned g, struct seed_person *p, char *email, size_t emaillen);

/* The download id of file (0-based) of a downloadable unit: a version-4-shaped UUID made from the
 * unit's post ID, so a run needs no random draw for it. */
void seed_download_id(uint64_t unit_id, unsigned file, char out[37]);

/* A unit to sell, by popularity; sold-out units only when allow_soldout. */
const struct seed_unit *seed_catalog_pick(const struct seed_catalog *cat, struct seed_rng *rng, bool allow_soldout);

/* Ends a chunk: waits for the previous background load, commits, and loads what is buffered — in
 * the background when asked (the connection must then stay unused until the next checkpoint), else
 * right away and committed. 0, or -1 with c->err. */
int seed_checkpoint(struct seed_ctx *c, bool background);

/* Stages. Each returns 0, or -1 with a message in c->err. */
int seed_users_plan(struct seed_ctx *c, struct seed_rng *rng);   /* staff accounts, passwords, hashes, customer IDs */
int seed_users_write_staff(struct seed_ctx *c);
int seed_catalog_build(struct seed_ctx *c, struct seed_rng *rng); /* in memory, IDs assigned */
int seed_catalog_write(struct seed_ctx *c);                       /* terms, products, images, coupons */
int seed_orders_generate(struct seed_ctx *c, struct seed_rng *rng);
int seed_catalog_write_stock(struct seed_ctx *c);  /* product meta and lookup rows, after the orders */
int seed_users_write_customers(struct seed_ctx *c);/* customers, their meta and wc_customer_lookup */
int seed_options_write(struct seed_ctx *c);
void seed_catalog_free(struct seed_catalog *cat);
void seed_customers_free(struct seed_customers *cust);

#endif
