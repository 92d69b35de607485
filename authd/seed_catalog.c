/*
 * authd/seed_catalog.c — the demo store's catalogue: categories, tags, the global attributes
 * pa_color and pa_size, simple and variable products with their variations, product images as
 * attachments, coupons, tax rates and the shipping zone.
 *
 * Owns: what WooCommerce writes for a product (reference §6): posts, meta, product_type and
 * product_visibility terms, term counts, and one wc_product_meta_lookup row per product and
 * variation. Product meta is written after the orders (seed_catalog_write_stock) because stock and
 * total_sales depend on them; everything else before.
 * Stock: each managed unit starts with stock0, chosen from the sales the orders are expected to make
 * plus a margin, so it never runs out; the orders reduce it exactly as WooCommerce would and put
 * the running values in their stock notes, so _stock at the end equals stock0 minus what was reduced
 * plus what refunds restocked. A few simple products are sold out (stock not managed, outofstock)
 * and only appear in orders older than 30 days.
 * Downloadable: The Coffee Handbook (two files) and the Organic T-Shirt's variations (one file), by
 * template name, without a random draw, so the rest of the store is the same as without them; the
 * orders that sold them get their permission rows in seed_orders.c.
 * Reused when seeding into a store that has them: the attribute taxonomies, their terms and the
 * product_type and product_visibility terms (their counts are then increased, not set).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "authd/seed_model.h"
#include "authd/seed_text.h"
#include "common/php_serialize.h"

enum cat_index { CAT_CLOTHING, CAT_TSHIRTS, CAT_HOODIES, CAT_ACCESSORIES, CAT_HOME, CAT_KITCHEN, CAT_DECOR, CAT_BOOKS, CAT_UNCAT, NCATS };

struct category_def {
    const char *name, *slug;
    int parent;
    const char *blurb;
};

static const struct category_def categories[NCATS] = {
    [CAT_CLOTHING] = {"Clothing", "clothing", -1, "Clothes made to be worn for years."},
    [CAT_TSHIRTS] = {"T-Shirts", "t-shirts", CAT_CLOTHING, "Soft, heavy cotton shirts."},
    [CAT_HOODIES] = {"Hoodies", "hoodies", CAT_CLOTHING, "Warm hoodies for cold days."},
    [CAT_ACCESSORIES] = {"Accessories", "accessories", CAT_CLOTHING, "Small things that finish an outfit."},
    [CAT_HOME] = {"Home & Living", "home-living", -1, "Things that make a home."},
    [CAT_KITCHEN] = {"Kitchen", "kitchen", CAT_HOME, "Tools for cooks."},
    [CAT_DECOR] = {"Decor", "decor", CAT_HOME, "Pieces for walls, shelves and sofas."},
    [CAT_BOOKS] = {"Books", "books", -1, "Books we like to read."},
    [CAT_UNCAT] = {"Uncategorized", "uncategorized", -1, ""},
};

struct product_def {
    const char *name;
    int category;
    bool variable;
    unsigned lo, hi; /* regular price range in whole euros; the price ends in .90 */
    unsigned weight_g;
};

/* Interleaved so that any prefix of the list spans the categories and both product types. */
static const struct product_def templates[] = {
    {"Classic T-Shirt", CAT_TSHIRTS, true, 19, 24, 180},   {"Coffee Mug", CAT_KITCHEN, false, 9, 14, 350},
    {"Zip Hoodie", CAT_HOODIES, true, 54, 64, 650},         {"The Coffee Handbook", CAT_BOOKS, false, 19, 24, 420},
    {"Beanie", CAT_ACCESSORIES, false, 14, 19, 90},         {"Scented Candle", CAT_DECOR, false, 16, 22, 300},
    {"V-Neck T-Shirt", CAT_TSHIRTS, true, 21, 26, 170},     {"Chef's Knife", CAT_KITCHEN, false, 49, 69, 250},
    {"Tote Bag", CAT_ACCESSORIES, false, 12, 16, 120},      {"Throw Pillow", CAT_DECOR, false, 24, 32, 500},
    {"Pullover Hoodie", CAT_HOODIES, true, 49, 59, 600},    {"Baking Basics", CAT_BOOKS, false, 24, 29, 560},
    {"Organic T-Shirt", CAT_TSHIRTS, true, 26, 31, 175},    {"Cutting Board", CAT_KITCHEN, false, 22, 34, 900},
    {"Scarf", CAT_ACCESSORIES, false, 24, 34, 150},         {"Wall Poster", CAT_DECOR, false, 14, 24, 200},
    {"Fleece Hoodie", CAT_HOODIES, true, 59, 69, 700},      {"Urban Gardening", CAT_BOOKS, false, 21, 27, 480},
    {"Striped T-Shirt", CAT_TSHIRTS, true, 23, 27, 180},    {"Tea Infuser", CAT_KITCHEN, false, 7, 11, 60},
    {"Baseball Cap", CAT_ACCESSORIES, false, 17, 22, 110},  {"Plant Pot", CAT_DECOR, false, 12, 19, 800},
    {"Pocket T-Shirt", CAT_TSHIRTS, true, 22, 26, 185},     {"Espresso Cups (Set of 2)", CAT_KITCHEN, false, 17, 24, 400},
    {"Socks (3 Pack)", CAT_ACCESSORIES, false, 11, 14, 100}, {"Photo Frame", CAT_DECOR, false, 13, 21, 450},
    {"A Year of Soups", CAT_BOOKS, false, 17, 23, 510},     {"Minimal Living", CAT_BOOKS, false, 19, 25, 380},
};
#define NTEMPLATES (sizeof templates / sizeof templates[0])

/* The downloadable ones (by template name): the book comes with its e-book editions, the organic
 * shirt's variations with a care guide. Their files live in WooCommerce's protected upload folder. */
struct download_def {
    const char *product;
    unsigned files;
    int limit, expiry; /* _download_limit, _download_expiry (days); -1: unlimited, never */
    const char *name[2], *file[2];
};
static const struct download_def download_defs[] = {
    {"The Coffee Handbook", 2, 5, 365, {"The Coffee Handbook (PDF)", "The Coffee Handbook (EPUB)"},
     {"the-coffee-handbook.pdf", "the-coffee-handbook.epub"}},
    {"Organic T-Shirt", 1, -1, -1, {"Size and care guide (PDF)", NULL}, {"organic-t-shirt-care-guide.pdf", NULL}},
};

static const struct download_def *download_def_of(const struct product_def *d)
{
    for (size_t i = 0; i < sizeof download_defs / sizeof download_defs[0]; i++)
        if (strcmp(download_defs[i].product, d->name) == 0)
            return &download_defs[i];
    return NULL;
}

void seed_download_id(uint64_t unit_id, unsigned file, char out[37])
{
    snprintf(out, 37, "d0c5%04x-0000-4000-8000-%012" PRIx64, file & 0xffffu, unit_id & UINT64_C(0xffffffffffff));
}

struct attr_term {
    const char *name, *slug, *code;
};
static const struct attr_term colors[] = {
    {"Red", "red", "RED"},       {"Blue", "blue", "BLU"},   {"Green", "green", "GRN"},
    {"Black", "black", "BLK"},   {"White", "white", "WHT"}, {"Grey", "grey", "GRY"},
};
static const struct attr_term sizes[] = {{"S", "s", "S"}, {"M", "m", "M"}, {"L", "l", "L"}, {"XL", "xl", "XL"}};
#define NCOLORS (sizeof colors / sizeof colors[0])
#define NSIZES (sizeof sizes / sizeof sizes[0])

static const char *const tag_names[] = {"New", "Bestseller", "Gift Idea", "Organic", "Limited Edition"};
#define NTAGS (sizeof tag_names / sizeof tag_names[0])

static const char *const product_types[] = {"simple", "grouped", "variable", "external"};
static const char *const visibility_terms[] = {"exclude-from-search", "exclude-from-catalog", "featured", "outofstock",
                                               "rated-1", "rated-2", "rated-3", "rated-4", "rated-5"};

/* Relationships (object, term index), collected at build time and written with the catalogue. */
struct rel {
    uint64_t object;
    unsigned term;
};

/* What building the catalogue needs beyond struct seed_catalog; freed with it. */
struct seed_catalog_work {
    unsigned cat_term[NCATS], tag_term[NTAGS], type_term[4], vis_term[9];
    uint64_t attribute_ids[2];
    bool attribute_existing[2];
    struct rel *rels;
    size_t nrels, cap_rels;
};

static int lookup_term(struct seed_ctx *c, const char *taxonomy, const char *slug, uint64_t *term_id, uint64_t *tt_id)
{
    static const char sql[] = "SELECT t.term_id, tt.term_taxonomy_id FROM {p}terms t JOIN {p}term_taxonomy tt"
                              " ON tt.term_id = t.term_id WHERE tt.taxonomy = ? AND t.slug = ? LIMIT 1";
    struct db_value p[2] = {DB_STR(taxonomy), DB_STR(slug)};
    struct db_rows rows;
    if (db_query(c->db, sql, p, 2, &rows) != 0) {
        snprintf(c->err, sizeof c->err, "term lookup: %s", db_error(c->db));
        return -1;
    }
    int found = rows.nrows == 1;
    if (found) {
        *term_id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
        *tt_id = strtoull(db_cell(&rows, 0, 1), NULL, 10);
    }
    db_rows_free(&rows);
    return found;
}

/* Adds a term; reusable terms (WooCommerce's own and attribute terms) are looked up first. Returns
 * its index, or -1 on a database error. */
static int add_term(struct seed_ctx *c, const char *taxonomy, const char *name, const char *slug, uint64_t parent,
                    bool reusable)
{
    struct seed_catalog *cat = &c->cat;
    if (cat->nterms == cat->cap_terms) {
        cat->cap_terms = cat->cap_terms ? cat->cap_terms * 2 : 64;
        cat->terms = realloc(cat->terms, cat->cap_terms * sizeof *cat->terms);
        if (cat->terms == NULL)
            abort();
    }
    unsigned i = cat->nterms;
    struct seed_term *t = &cat->terms[i];
    memset(t, 0, sizeof *t);
    t->taxonomy = taxonomy;
    t->parent = parent;
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->slug, sizeof t->slug, "%s%s", slug, reusable ? "" : c->suffix);
    int found = reusable ? lookup_term(c, taxonomy, t->slug, &t->term_id, &t->tt_id) : 0;
    if (found < 0)
        return -1;
    t->existing = found == 1;
    if (!found) {
        t->term_id = c->id.term++;
        t->tt_id = c->id.term_taxonomy++;
    }
    cat->nterms++;
    return (int)i;
}

static void relate(struct seed_catalog_work *w, uint64_t object, unsigned term)
{
    if (w->nrels == w->cap_rels) {
        w->cap_rels = w->cap_rels ? w->cap_rels * 2 : 256;
        w->rels = realloc(w->rels, w->cap_rels * sizeof *w->rels);
        if (w->rels == NULL)
            abort();
    }
    w->rels[w->nrels++] = (struct rel){object, term};
}

static int find_attribute(struct seed_ctx *c, const char *name, uint64_t *id)
{
    static const char sql[] = "SELECT attribute_id FROM {p}woocommerce_attribute_taxonomies WHERE attribute_name = ? LIMIT 1";
    struct db_value p[1] = {DB_STR(name)};
    struct db_rows rows;
    if (db_query(c->db, sql, p, 1, &rows) != 0) {
        snprintf(c->err, sizeof c->err, "attribute lookup: %s", db_error(c->db));
        return -1;
    }
    int found = rows.nrows == 1;
    if (found)
        *id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
    db_rows_free(&rows);
    return found;
}

static int build_terms(struct seed_ctx *c)
{
    struct seed_catalog *cat = &c->cat;
    struct seed_catalog_work *w = cat->work;
    int r;
    if (add_term(c, "category", "Uncategorized", "uncategorized", 0, true) < 0)
        return -1;
    for (int i = 0; i < NCATS; i++) {
        uint64_t parent = categories[i].parent >= 0 ? cat->terms[w->cat_term[categories[i].parent]].term_id : 0;
        bool reusable = i == CAT_UNCAT; /* WooCommerce's default category exists in every store */
        if ((r = add_term(c, "product_cat", categories[i].name, categories[i].slug, parent, reusable)) < 0)
            return -1;
        w->cat_term[i] = (unsigned)r;
    }
    cat->term_uncategorized = w->cat_term[CAT_UNCAT];
    for (size_t i = 0; i < NTAGS; i++) {
        char slug[64];
        seed_slugify(tag_names[i], slug, sizeof slug);
        if ((r = add_term(c, "product_tag", tag_names[i], slug, 0, false)) < 0)
            return -1;
        w->tag_term[i] = (unsigned)r;
    }
    for (size_t i = 0; i < 4; i++) {
        if ((r = add_term(c, "product_type", product_types[i], product_types[i], 0, true)) < 0)
            return -1;
        w->type_term[i] = (unsigned)r;
    }
    cat->term_simple = w->type_term[0];
    cat->term_variable = w->type_term[2];
    for (size_t i = 0; i < 9; i++) {
        if ((r = add_term(c, "product_visibility", visibility_terms[i], visibility_terms[i], 0, true)) < 0)
            return -1;
        w->vis_term[i] = (unsigned)r;
    }
    cat->term_featured = w->vis_term[2];
    cat->term_outofstock = w->vis_term[3];
    static const char *const attr_names[2] = {"color", "size"};
    for (int a = 0; a < 2; a++) {
        int found = find_attribute(c, attr_names[a], &w->attribute_ids[a]);
        if (found < 0)
            return -1;
        w->attribute_existing[a] = found == 1;
        if (!found)
            w->attribute_ids[a] = c->id.attribute++;
    }
    for (size_t i = 0; i < NCOLORS; i++) {
        if ((r = add_term(c, "pa_color", colors[i].name, colors[i].slug, 0, true)) < 0)
            return -1;
        cat->color_terms[i] = (unsigned)r;
    }
    cat->ncolors = NCOLORS;
    for (size_t i = 0; i < NSIZES; i++) {
        if ((r = add_term(c, "pa_size", sizes[i].name, sizes[i].slug, 0, true)) < 0)
            return -1;
        cat->size_terms[i] = (unsigned)r;
    }
    cat->nsizes = NSIZES;
    return 0;
}

static int64_t pick_price(struct seed_rng *rng, unsigned lo, unsigned hi)
{
    return (int64_t)seed_rng_range(rng, lo, hi) * 100 + 90;
}

/* The sale price WooCommerce would show: about 20% off, ending in .90. */
static int64_t sale_of(int64_t regular)
{
    int64_t s = regular * 80 / 100;
    return s - s % 100 + 90 < regular ? s - s % 100 + 90 : regular - 100;
}

static struct seed_unit *new_unit(struct seed_catalog *cat, unsigned *cap)
{
    if (cat->nunits == *cap) {
        *cap = *cap ? *cap * 2 : 128;
        cat->units = realloc(cat->units, *cap * sizeof *cat->units);
        if (cat->units == NULL)
            abort();
    }
    struct seed_unit *u = &cat->units[cat->nunits++];
    memset(u, 0, sizeof *u);
    u->color = u->size = -1;
    return u;
}

static void describe(struct seed_product *p, const struct product_def *d)
{
    snprintf(p->description, sizeof p->description,
             "<p>%s from our %s collection. %s</p>\n<p>Designed in Berlin, made to be used every day and "
             "to last. Ships within two working days.</p>",
             p->name, categories[d->category].name, categories[d->category].blurb);
    snprintf(p->short_description, sizeof p->short_description, "%s: a favourite of our customers.", p->name);
}

/* Variations of a variable product: 2 or 3 colours × every size, colour-major. */
static void add_variations(struct seed_ctx *c, struct seed_rng *rng, struct seed_product *p, unsigned pi,
                           int64_t base, bool on_sale, unsigned weight, unsigned *cap)
{
    struct seed_catalog *cat = &c->cat;
    unsigned ncol = 2 + seed_rng_below(rng, 2), first = seed_rng_below(rng, NCOLORS);
    static const unsigned size_weight[NSIZES] = {2, 4, 4, 2};
    p->first_unit = cat->nunits;
    for (unsigned ci = 0; ci < ncol; ci++) {
        unsigned col = (first + ci * 2) % NCOLORS;
        for (unsigned si = 0; si < NSIZES; si++) {
            struct seed_unit *u = new_unit(cat, cap);
            u->id = c->id.post++;
            u->product_id = p->id;
            u->product = pi;
            u->color = (int)col;
            u->size = (int)si;
            snprintf(u->name, sizeof u->name, "%s - %s, %s", p->name, colors[col].name, sizes[si].name);
            snprintf(u->sku, sizeof u->sku, "%s-%s-%s", p->sku, colors[col].code, sizes[si].code);
            u->regular = base + (si == NSIZES - 1 ? 200 : 0);
            u->sale = on_sale ? sale_of(u->regular) : 0;
            u->price = u->sale ? u->sale : u->regular;
            u->weight_end = weight * size_weight[si] / (ncol * 3); /* turned cumulative later */
        }
        relate(cat->work, p->id, cat->color_terms[col]);
    }
    p->nunits = cat->nunits - p->first_unit;
    for (unsigned si = 0; si < NSIZES; si++)
        relate(cat->work, p->id, cat->size_terms[si]);
}

static void build_product(struct seed_ctx *c, struct seed_rng *rng, unsigned j, unsigned *cap)
{
    struct seed_catalog *cat = &c->cat;
    struct seed_catalog_work *w = cat->work;
    const struct product_def *d = &templates[j % NTEMPLATES];
    struct seed_product *p = &cat->products[j];
    unsigned cycle = j / NTEMPLATES;
    memset(p, 0, sizeof *p);
    p->id = c->id.post++;
    p->variable = d->variable;
    p->category = w->cat_term[d->category];
    if (cycle)
        snprintf(p->name, sizeof p->name, "%s %u", d->name, cycle + 1);
    else
        snprintf(p->name, sizeof p->name, "%s", d->name);
    char slug[96];
    seed_slugify(p->name, slug, sizeof slug);
    snprintf(p->slug, sizeof p->slug, "%s%s", slug, c->suffix);
    snprintf(p->sku, sizeof p->sku, "CM-%04u%s", j + 1, c->suffix);
    p->date = c->anchor - (SEED_DAYS + 30) * SEED_DAY + (int64_t)j * 3600;
    p->featured = seed_rng_chance(rng, 120);
    p->weight_g = d->weight_g;
    if (d->category == CAT_KITCHEN || d->category == CAT_DECOR || d->category == CAT_BOOKS) {
        p->length_cm = 10 + seed_rng_below(rng, 30);
        p->width_cm = 5 + seed_rng_below(rng, 20);
        p->height_cm = 2 + seed_rng_below(rng, 20);
    }
    describe(p, d);
    unsigned weight = 100 + seed_rng_below(rng, 900);
    if (seed_rng_chance(rng, 150))
        weight *= 3; /* a bestseller */
    int64_t base = pick_price(rng, d->lo, d->hi);
    bool on_sale = seed_rng_chance(rng, 150);
    if (d->variable) {
        add_variations(c, rng, p, j, base, on_sale, weight, cap);
    } else {
        struct seed_unit *u = new_unit(cat, cap);
        p->first_unit = cat->nunits - 1;
        p->nunits = 1;
        u->id = p->id;
        u->product_id = p->id;
        u->product = j;
        snprintf(u->name, sizeof u->name, "%s", p->name);
        snprintf(u->sku, sizeof u->sku, "%s", p->sku);
        u->regular = base;
        u->sale = on_sale ? sale_of(base) : 0;
        u->price = u->sale ? u->sale : u->regular;
        u->tax = d->category == CAT_BOOKS ? 1 : 0;
        u->soldout = j % 16 == 7; /* one simple product in sixteen is sold out */
        u->weight_end = weight;
    }
    const struct download_def *dl = download_def_of(d);
    for (unsigned k = 0; dl && k < p->nunits; k++) {
        struct seed_unit *u = &cat->units[p->first_unit + k];
        u->nfiles = dl->files;
        u->download_limit = dl->limit;
        u->download_expiry = dl->expiry;
    }
    p->image_id = c->id.post++;
    if (j % 2 == 0)
        p->gallery_id = c->id.post++;
    relate(cat->work, p->id, d->variable ? cat->term_variable : cat->term_simple);
    relate(cat->work, p->id, p->category);
    for (size_t t = 0; t < NTAGS; t++)
        if (seed_rng_chance(rng, 180))
            relate(cat->work, p->id, w->tag_term[t]);
    if (p->featured)
        relate(cat->work, p->id, cat->term_featured);
    if (!d->variable && cat->units[p->first_unit].soldout)
        relate(cat->work, p->id, cat->term_outofstock);
}

/* Stock before the first order: the sales the orders are expected to bring plus a margin, so a
 * managed unit never runs out (see the file comment). */
static void plan_stock(struct seed_ctx *c, struct seed_rng *rng)
{
    struct seed_catalog *cat = &c->cat;
    uint64_t acc = 0;
    for (unsigned i = 0; i < cat->nunits; i++) {
        acc += cat->units[i].weight_end ? cat->units[i].weight_end : 1;
        cat->units[i].weight_end = acc;
    }
    cat->weight_total = acc;
    double units_sold = (double)c->norders * 1.77 * 1.45; /* items per order × quantity per item */
    for (unsigned i = 0; i < cat->nunits; i++) {
        struct seed_unit *u = &cat->units[i];
        uint64_t w = u->weight_end - (i ? cat->units[i - 1].weight_end : 0);
        double expected = units_sold * (double)w / (double)acc;
        u->stock0 = u->soldout ? 0 : (int64_t)(expected * 1.25) + 20 + (int64_t)seed_rng_below(rng, 80);
        u->stock = u->stock0;
    }
}

static void build_coupons_and_taxes(struct seed_ctx *c)
{
    struct seed_catalog *cat = &c->cat;
    static const char *const codes[2] = {"welcome10", "spring15"};
    static const unsigned percents[2] = {10, 15};
    for (int i = 0; i < 2; i++) {
        cat->coupons[i].id = c->id.post++;
        snprintf(cat->coupons[i].code, sizeof cat->coupons[i].code, "%s%s", codes[i], c->suffix);
        cat->coupons[i].percent = percents[i];
    }
    cat->tax[0] = (struct seed_tax_rate){c->id.tax_rate++, 19, "MwSt.", "MWST.-1", ""};
    cat->tax[1] = (struct seed_tax_rate){c->id.tax_rate++, 7, "MwSt. reduziert", "MWST. REDUZIERT-1", "reduced-rate"};
    cat->flat_rate_instance = c->id.zone_method++;
    cat->free_shipping_instance = c->id.zone_method++;
}

int seed_catalog_build(struct seed_ctx *c, struct seed_rng *rng)
{
    struct seed_catalog *cat = &c->cat;
    if ((cat->work = calloc(1, sizeof *cat->work)) == NULL)
        abort();
    if (build_terms(c) != 0)
        return -1;
    cat->nproducts = c->nproducts;
    cat->products = calloc(cat->nproducts, sizeof *cat->products);
    if (cat->products == NULL)
        abort();
    unsigned cap = 0;
    for (unsigned j = 0; j < cat->nproducts; j++)
        build_product(c, rng, j, &cap);
    plan_stock(c, rng);
    build_coupons_and_taxes(c);
    return 0;
}

void seed_catalog_free(struct seed_catalog *cat)
{
    free(cat->units);
    free(cat->products);
    free(cat->terms);
    if (cat->work) {
        free(cat->work->rels);
        free(cat->work);
    }
    memset(cat, 0, sizeof *cat);
}

const struct seed_unit *seed_catalog_pick(const struct seed_catalog *cat, struct seed_rng *rng, bool allow_soldout)
{
    for (int attempt = 0;; attempt++) {
        uint64_t x = seed_rng_next(rng) % cat->weight_total;
        unsigned lo = 0, hi = cat->nunits - 1;
        while (lo < hi) {
            unsigned mid = (lo + hi) / 2;
            if (cat->units[mid].weight_end > x)
                hi = mid;
            else
                lo = mid + 1;
        }
        const struct seed_unit *u = &cat->units[lo];
        if (allow_soldout || !u->soldout)
            return u;
        if (attempt == 16)
            for (unsigned i = 0; i < cat->nunits; i++)
                if (!cat->units[i].soldout)
                    return &cat->units[i];
    }
}

/* ---- writing ---- */

static int exec(struct seed_ctx *c, const char *sql, const struct db_value *p, size_t n)
{
    if (db_exec(c->db, sql, p, n, NULL) != 0) {
        snprintf(c->err, sizeof c->err, "%s", db_error(c->db));
        return -1;
    }
    return 0;
}

static int write_store_settings(struct seed_ctx *c)
{
    static const char sql_attr[] = "INSERT INTO {p}woocommerce_attribute_taxonomies (attribute_id, attribute_name,"
                                   " attribute_label, attribute_type, attribute_orderby, attribute_public)"
                                   " VALUES (?, ?, ?, 'select', 'menu_order', 0)";
    static const char sql_rate[] = "INSERT INTO {p}woocommerce_tax_rates (tax_rate_id, tax_rate_country, tax_rate_state,"
                                   " tax_rate, tax_rate_name, tax_rate_priority, tax_rate_compound, tax_rate_shipping,"
                                   " tax_rate_order, tax_rate_class) VALUES (?, '', '', ?, ?, 1, 0, ?, ?, ?)";
    static const char sql_zone[] = "INSERT INTO {p}woocommerce_shipping_zones (zone_name, zone_order) VALUES (?, 0)";
    static const char sql_zone_loc[] = "INSERT INTO {p}woocommerce_shipping_zone_locations (zone_id, location_code,"
                                       " location_type) VALUES (?, ?, 'country')";
    static const char sql_method[] = "INSERT INTO {p}woocommerce_shipping_zone_methods (zone_id, instance_id, method_id,"
                                     " method_order, is_enabled) VALUES (?, ?, ?, ?, 1)";
    static const char sql_class[] = "INSERT IGNORE INTO {p}wc_tax_rate_classes (name, slug) VALUES (?, ?)";
    static const char *const attr_names[2] = {"color", "size"}, *const attr_labels[2] = {"Color", "Size"};
    struct seed_catalog *cat = &c->cat;
    struct seed_catalog_work *w = cat->work;
    for (int a = 0; a < 2; a++) {
        if (w->attribute_existing[a])
            continue;
        struct db_value p[3] = {DB_UINT(w->attribute_ids[a]), DB_STR(attr_names[a]), DB_STR(attr_labels[a])};
        if (exec(c, sql_attr, p, 3) != 0)
            return -1;
    }
    for (int i = 0; i < 2; i++) {
        char pct[16];
        snprintf(pct, sizeof pct, "%u.0000", cat->tax[i].percent);
        struct db_value p[5] = {DB_UINT(cat->tax[i].id), DB_STR(pct), DB_STR(cat->tax[i].label), DB_INT(i == 0),
                                DB_STR(cat->tax[i].class_slug)};
        p[3] = DB_INT(i == 0 ? 1 : 0);
        struct db_value q[6] = {p[0], p[1], p[2], p[3], DB_UINT((uint64_t)i), p[4]};
        if (exec(c, sql_rate, q, 6) != 0)
            return -1;
    }
    struct db_value cls[2][2] = {{DB_STR("Reduced rate"), DB_STR("reduced-rate")}, {DB_STR("Zero rate"), DB_STR("zero-rate")}};
    if (exec(c, sql_class, cls[0], 2) != 0 || exec(c, sql_class, cls[1], 2) != 0)
        return -1;
    struct db_exec_result res;
    struct db_value zn[1] = {DB_STR(c->suffix[0] ? "Deutschland (demo)" : "Deutschland")};
    if (db_exec(c->db, sql_zone, zn, 1, &res) != 0) {
        snprintf(c->err, sizeof c->err, "%s", db_error(c->db));
        return -1;
    }
    struct db_value zl[2] = {DB_UINT(res.insert_id), DB_STR("DE")};
    struct db_value m1[4] = {DB_UINT(res.insert_id), DB_UINT(cat->flat_rate_instance), DB_STR("flat_rate"), DB_UINT(1)};
    struct db_value m2[4] = {DB_UINT(res.insert_id), DB_UINT(cat->free_shipping_instance), DB_STR("free_shipping"),
                             DB_UINT(2)};
    if (exec(c, sql_zone_loc, zl, 2) != 0 || exec(c, sql_method, m1, 4) != 0 || exec(c, sql_method, m2, 4) != 0)
        return -1;
    return 0;
}

static void count_terms(struct seed_ctx *c)
{
    struct seed_catalog *cat = &c->cat;
    struct seed_catalog_work *w = cat->work;
    for (size_t i = 0; i < w->nrels; i++)
        cat->terms[w->rels[i].term].count++;
    /* product_count_product_cat: a category's products plus its children's (_wc_term_recount). */
    for (int i = 0; i < NCATS; i++) {
        cat->terms[w->cat_term[i]].aggregate += cat->terms[w->cat_term[i]].count;
        if (categories[i].parent >= 0)
            cat->terms[w->cat_term[categories[i].parent]].aggregate += cat->terms[w->cat_term[i]].count;
    }
}

static int write_terms(struct seed_ctx *c)
{
    static const char sql_inc[] = "UPDATE {p}term_taxonomy SET count = count + ? WHERE term_taxonomy_id = ?";
    struct seed_catalog *cat = &c->cat;
    struct seed_catalog_work *w = cat->work;
    for (unsigned i = 0; i < cat->nterms; i++) {
        struct seed_term *t = &cat->terms[i];
        if (t->existing) {
            struct db_value p[2] = {DB_UINT(t->count), DB_UINT(t->tt_id)};
            if (t->count && exec(c, sql_inc, p, 2) != 0)
                return -1;
            continue;
        }
        seed_row_u64(c->t.terms, t->term_id);
        seed_row_str(c->t.terms, t->name);
        seed_row_str(c->t.terms, t->slug);
        seed_row_u64(c->t.terms, 0);
        seed_row_end(c->t.terms);
        seed_row_u64(c->t.term_taxonomy, t->tt_id);
        seed_row_u64(c->t.term_taxonomy, t->term_id);
        seed_row_str(c->t.term_taxonomy, t->taxonomy);
        seed_row_str(c->t.term_taxonomy, "");
        seed_row_u64(c->t.term_taxonomy, t->parent);
        seed_row_u64(c->t.term_taxonomy, t->count);
        seed_row_end(c->t.term_taxonomy);
        bool is_cat = strcmp(t->taxonomy, "product_cat") == 0;
        if (is_cat || strncmp(t->taxonomy, "pa_", 3) == 0)
            seed_meta(c->t.termmeta, &c->id.termmeta, t->term_id, "order", "0");
        if (is_cat) {
            seed_meta(c->t.termmeta, &c->id.termmeta, t->term_id, "display_type", "");
            seed_meta(c->t.termmeta, &c->id.termmeta, t->term_id, "thumbnail_id", "0");
            seed_meta_u64(c->t.termmeta, &c->id.termmeta, t->term_id, "product_count_product_cat", t->aggregate);
        } else if (strcmp(t->taxonomy, "product_tag") == 0) {
            seed_meta_u64(c->t.termmeta, &c->id.termmeta, t->term_id, "product_count_product_tag", t->count);
        }
    }
    for (size_t i = 0; i < w->nrels; i++) {
        seed_row_u64(c->t.term_relationships, w->rels[i].object);
        seed_row_u64(c->t.term_relationships, cat->terms[w->rels[i].term].tt_id);
        seed_row_u64(c->t.term_relationships, 0);
        seed_row_end(c->t.term_relationships);
    }
    return 0;
}

static void guid_for(const struct seed_ctx *c, const char *type, uint64_t id, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/?post_type=%s&#038;p=%" PRIu64, c->site_url, type, id);
}

static void upload_path(int64_t date, const char *file, char *out, size_t outlen)
{
    char d[SEED_DATE_LEN];
    seed_fmt_local(date, d);
    snprintf(out, outlen, "%.4s/%.2s/%s", d, d + 5, file);
}

static char *attachment_metadata(const char *rel_path, unsigned filesize)
{
    json_t *meta = json_pack("{s:i, s:i, s:s, s:i, s:{}, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[]}}",
                             "width", 1200, "height", 1200, "file", rel_path, "filesize", (json_int_t)filesize, "sizes",
                             "image_meta", "aperture", "0", "credit", "", "camera", "", "caption", "",
                             "created_timestamp", "0", "copyright", "", "focal_length", "0", "iso", "0",
                             "shutter_speed", "0", "title", "", "orientation", "0", "keywords");
    if (meta == NULL)
        abort();
    char *s = php_serialize(meta, NULL);
    json_decref(meta);
    if (s == NULL)
        abort();
    return s;
}

static void write_attachment(struct seed_ctx *c, const struct seed_product *p, uint64_t id, const char *stem)
{
    char file[160], rel[200], guid[512];
    snprintf(file, sizeof file, "%s.jpg", stem);
    upload_path(p->date, file, rel, sizeof rel);
    snprintf(guid, sizeof guid, "%s/wp-content/uploads/%s", c->site_url, rel);
    struct seed_post_row row = {.id = id, .author = c->staff[SEED_ADMIN].id, .parent = p->id, .date = p->date,
                                .modified = p->date, .title = stem, .status = "inherit", .comment_status = "open",
                                .ping_status = "closed", .name = stem, .guid = guid, .type = "attachment",
                                .mime = "image/jpeg"};
    seed_write_post(c, &row);
    seed_meta(c->t.postmeta, &c->id.postmeta, id, "_wp_attached_file", rel);
    char *meta = attachment_metadata(rel, 90000 + (unsigned)(id % 100000));
    seed_meta(c->t.postmeta, &c->id.postmeta, id, "_wp_attachment_metadata", meta);
    free(meta);
    seed_meta(c->t.postmeta, &c->id.postmeta, id, "_wp_attachment_image_alt", p->name);
}

static void write_product_posts(struct seed_ctx *c, const struct seed_product *p)
{
    const struct seed_catalog *cat = &c->cat;
    char guid[512], stem[160];
    guid_for(c, "product", p->id, guid, sizeof guid);
    struct seed_post_row row = {.id = p->id, .author = c->staff[SEED_ADMIN].id, .date = p->date, .modified = p->date,
                                .content = p->description, .title = p->name, .excerpt = p->short_description,
                                .status = "publish", .comment_status = "open", .ping_status = "closed",
                                .name = p->slug, .guid = guid, .type = "product"};
    seed_write_post(c, &row);
    for (unsigned v = 0; p->variable && v < p->nunits; v++) {
        const struct seed_unit *u = &cat->units[p->first_unit + v];
        char vslug[200], excerpt[96];
        seed_slugify(u->name, vslug, sizeof vslug);
        snprintf(excerpt, sizeof excerpt, "Color: %s, Size: %s", colors[u->color].name, sizes[u->size].name);
        guid_for(c, "product_variation", u->id, guid, sizeof guid);
        struct seed_post_row vr = {.id = u->id, .author = c->staff[SEED_ADMIN].id, .parent = p->id, .date = p->date,
                                   .modified = p->date, .title = u->name, .excerpt = excerpt, .status = "publish",
                                   .comment_status = "closed", .ping_status = "closed", .name = vslug, .guid = guid,
                                   .type = "product_variation", .menu_order = (int)v};
        seed_write_post(c, &vr);
    }
    write_attachment(c, p, p->image_id, p->slug);
    if (p->gallery_id) {
        snprintf(stem, sizeof stem, "%s-detail", p->slug);
        write_attachment(c, p, p->gallery_id, stem);
    }
}

static void write_coupon_posts(struct seed_ctx *c)
{
    for (int i = 0; i < 2; i++) {
        const struct seed_coupon *k = &c->cat.coupons[i];
        char guid[512], excerpt[96];
        guid_for(c, "shop_coupon", k->id, guid, sizeof guid);
        snprintf(excerpt, sizeof excerpt, "%u%% off every item in the cart.", k->percent);
        int64_t date = c->anchor - (int64_t)(SEED_DAYS + 5) * 86400;
        struct seed_post_row row = {.id = k->id, .author = c->staff[SEED_MANAGER].id, .date = date, .modified = date,
                                    .title = k->code, .excerpt = excerpt, .status = "publish",
                                    .comment_status = "closed", .ping_status = "closed", .name = k->code,
                                    .guid = guid, .type = "shop_coupon"};
        seed_write_post(c, &row);
    }
}

int seed_catalog_write(struct seed_ctx *c)
{
    if (write_store_settings(c) != 0)
        return -1;
    count_terms(c);
    if (write_terms(c) != 0)
        return -1;
    for (unsigned j = 0; j < c->cat.nproducts; j++)
        write_product_posts(c, &c->cat.products[j]);
    write_coupon_posts(c);
    if (seed_loader_flush(c->ld, c->err, sizeof c->err) != 0)
        return -1;
    return 0;
}

/* ---- after the orders: meta that depends on sales and stock ---- */

static void weight_text(unsigned grams, char *out, size_t outlen)
{
    snprintf(out, outlen, "%u.%02u", grams / 1000, grams % 1000 / 10);
}

static void meta_lookup_row(struct seed_ctx *c, uint64_t id, const char *sku, int64_t min, int64_t max, bool onsale,
                            const int64_t *stock, bool instock, uint64_t total_sales, const char *tax_class,
                            bool downloadable)
{
    struct seed_table *t = c->t.meta_lookup;
    char buf[32];
    seed_row_u64(t, id);
    seed_row_str(t, sku);
    seed_row_str(t, "");
    seed_row_u64(t, 0);
    seed_row_u64(t, downloadable);
    seed_fmt_cents(min, buf, sizeof buf);
    seed_row_str(t, buf);
    seed_fmt_cents(max, buf, sizeof buf);
    seed_row_str(t, buf);
    seed_row_u64(t, onsale);
    if (stock)
        seed_row_i64(t, *stock);
    else
        seed_row_null(t);
    seed_row_str(t, instock ? "instock" : "outofstock");
    seed_row_u64(t, 0);
    seed_row_str(t, "0.00");
    seed_row_u64(t, total_sales);
    seed_row_str(t, "taxable");
    seed_row_str(t, tax_class);
    seed_row_end(t);
}

/* _downloadable_files as WC_Product_Data_Store_CPT::update_downloads saves it: download id →
 * {id, name, file, enabled}. */
static char *downloadable_files_value(struct seed_ctx *c, const struct seed_unit *u)
{
    const struct download_def *dl = download_def_of(&templates[u->product % NTEMPLATES]);
    json_t *files = json_object();
    for (unsigned f = 0; dl && f < u->nfiles && f < 2; f++) {
        char id[37], url[400];
        seed_download_id(u->id, f, id);
        snprintf(url, sizeof url, "%s/wp-content/uploads/woocommerce_uploads/%s", c->site_url, dl->file[f]);
        json_object_set_new(files, id, json_pack("{s:s, s:s, s:s, s:b}", "id", id, "name", dl->name[f], "file", url,
                                                 "enabled", 1));
    }
    char *s = php_serialize(files, NULL);
    json_decref(files);
    if (s == NULL)
        abort();
    return s;
}

/* Meta every product type carries (WC_Product_Data_Store_CPT::update_post_meta); dl: the unit whose
 * download settings the post carries, NULL for a variable parent (never downloadable itself). */
static void common_meta(struct seed_ctx *c, uint64_t id, const struct seed_unit *dl)
{
    struct seed_table *t = c->t.postmeta;
    uint64_t *n = &c->id.postmeta;
    seed_meta(t, n, id, "_backorders", "no");
    seed_meta(t, n, id, "_sold_individually", "no");
    seed_meta(t, n, id, "_virtual", "no");
    if (dl && dl->nfiles) {
        char num[16];
        seed_meta(t, n, id, "_downloadable", "yes");
        snprintf(num, sizeof num, "%d", dl->download_limit);
        seed_meta(t, n, id, "_download_limit", num);
        snprintf(num, sizeof num, "%d", dl->download_expiry);
        seed_meta(t, n, id, "_download_expiry", num);
        char *files = downloadable_files_value(c, dl);
        seed_meta(t, n, id, "_downloadable_files", files);
        free(files);
    } else {
        seed_meta(t, n, id, "_downloadable", "no");
        seed_meta(t, n, id, "_download_limit", "-1");
        seed_meta(t, n, id, "_download_expiry", "-1");
    }
    seed_meta(t, n, id, "_wc_average_rating", "0");
    seed_meta(t, n, id, "_wc_review_count", "0");
    seed_meta(t, n, id, "_product_version", SEED_WC_VERSION);
}

static void price_meta(struct seed_ctx *c, const struct seed_unit *u)
{
    seed_meta_cents(c->t.postmeta, &c->id.postmeta, u->id, "_regular_price", u->regular);
    if (u->sale)
        seed_meta_cents(c->t.postmeta, &c->id.postmeta, u->id, "_sale_price", u->sale);
    seed_meta_cents(c->t.postmeta, &c->id.postmeta, u->id, "_price", u->price);
}

static void stock_meta(struct seed_ctx *c, const struct seed_unit *u)
{
    seed_meta(c->t.postmeta, &c->id.postmeta, u->id, "_manage_stock", u->soldout ? "no" : "yes");
    if (!u->soldout)
        seed_meta_u64(c->t.postmeta, &c->id.postmeta, u->id, "_stock", (uint64_t)(u->stock > 0 ? u->stock : 0));
    seed_meta(c->t.postmeta, &c->id.postmeta, u->id, "_stock_status", u->soldout || u->stock <= 0 ? "outofstock" : "instock");
}

static char *product_attributes_value(bool variable)
{
    json_t *attrs = json_object();
    if (variable) {
        json_object_set_new(attrs, "pa_color",
                            json_pack("{s:s, s:s, s:i, s:i, s:i, s:i}", "name", "pa_color", "value", "", "position", 0,
                                      "is_visible", 1, "is_variation", 1, "is_taxonomy", 1));
        json_object_set_new(attrs, "pa_size",
                            json_pack("{s:s, s:s, s:i, s:i, s:i, s:i}", "name", "pa_size", "value", "", "position", 1,
                                      "is_visible", 1, "is_variation", 1, "is_taxonomy", 1));
    }
    char *s = php_serialize(attrs, NULL);
    json_decref(attrs);
    if (s == NULL)
        abort();
    return s;
}

static void write_variation_meta(struct seed_ctx *c, const struct seed_unit *u)
{
    struct seed_table *t = c->t.postmeta;
    uint64_t *n = &c->id.postmeta;
    seed_meta(t, n, u->id, "_variation_description", "");
    seed_meta(t, n, u->id, "_sku", u->sku);
    price_meta(c, u);
    seed_meta(t, n, u->id, "total_sales", "0");
    seed_meta(t, n, u->id, "_tax_status", "taxable");
    seed_meta(t, n, u->id, "_tax_class", "parent");
    stock_meta(c, u);
    common_meta(c, u->id, u);
    seed_meta(t, n, u->id, "_thumbnail_id", "0");
    seed_meta(t, n, u->id, "attribute_pa_color", colors[u->color].slug);
    seed_meta(t, n, u->id, "attribute_pa_size", sizes[u->size].slug);
    int64_t stock = u->stock;
    meta_lookup_row(c, u->id, u->sku, u->price, u->price, u->sale != 0, &stock, u->stock > 0, 0, "parent", u->nfiles > 0);
}

static void write_product_meta(struct seed_ctx *c, const struct seed_product *p)
{
    const struct seed_catalog *cat = &c->cat;
    struct seed_table *t = c->t.postmeta;
    uint64_t *n = &c->id.postmeta;
    const struct seed_unit *first = &cat->units[p->first_unit];
    char buf[64];
    seed_meta(t, n, p->id, "_sku", p->sku);
    if (!p->variable)
        price_meta(c, first);
    seed_meta_u64(t, n, p->id, "total_sales", p->total_sales);
    seed_meta(t, n, p->id, "_tax_status", "taxable");
    seed_meta(t, n, p->id, "_tax_class", first->tax ? "reduced-rate" : "");
    if (p->variable) {
        seed_meta(t, n, p->id, "_manage_stock", "no");
        seed_meta(t, n, p->id, "_stock_status", "instock");
    } else {
        stock_meta(c, first);
    }
    common_meta(c, p->id, p->variable ? NULL : first);
    weight_text(p->weight_g, buf, sizeof buf);
    seed_meta(t, n, p->id, "_weight", buf);
    if (p->length_cm) {
        seed_meta_u64(t, n, p->id, "_length", p->length_cm);
        seed_meta_u64(t, n, p->id, "_width", p->width_cm);
        seed_meta_u64(t, n, p->id, "_height", p->height_cm);
    }
    seed_meta_u64(t, n, p->id, "_thumbnail_id", p->image_id);
    if (p->gallery_id)
        seed_meta_u64(t, n, p->id, "_product_image_gallery", p->gallery_id);
    char *attrs = product_attributes_value(p->variable);
    seed_meta(t, n, p->id, "_product_attributes", attrs);
    free(attrs);
    if (p->variable)
        seed_meta(t, n, p->id, "_default_attributes", "a:0:{}");
    seed_meta(t, n, p->id, "_upsell_ids", "a:0:{}");
    seed_meta(t, n, p->id, "_crosssell_ids", "a:0:{}");
    seed_meta(t, n, p->id, "_wc_rating_count", "a:0:{}");
    seed_meta_u64(t, n, p->id, "_edit_last", c->staff[SEED_ADMIN].id);
    if (!p->variable) {
        int64_t stock = first->stock;
        meta_lookup_row(c, p->id, p->sku, first->price, first->price, first->sale != 0, first->soldout ? NULL : &stock,
                        !first->soldout && first->stock > 0, p->total_sales, first->tax ? "reduced-rate" : "",
                        first->nfiles > 0);
        return;
    }
    /* Variable parent: one _price row per distinct variation price (sync_price), lookup min/max. */
    int64_t min = INT64_MAX, max = 0, seen[16];
    size_t nseen = 0;
    bool onsale = false;
    for (unsigned v = 0; v < p->nunits; v++) {
        const struct seed_unit *u = &cat->units[p->first_unit + v];
        min = u->price < min ? u->price : min;
        max = u->price > max ? u->price : max;
        onsale = onsale || u->sale;
        bool dup = false;
        for (size_t s = 0; s < nseen; s++)
            dup = dup || seen[s] == u->price;
        if (!dup && nseen < 16) {
            seen[nseen++] = u->price;
            seed_meta_cents(t, n, p->id, "_price", u->price);
        }
    }
    meta_lookup_row(c, p->id, p->sku, min, max, onsale, NULL, true, p->total_sales, first->tax ? "reduced-rate" : "",
                    false);
    for (unsigned v = 0; v < p->nunits; v++)
        write_variation_meta(c, &cat->units[p->first_unit + v]);
}

static void write_coupon_meta(struct seed_ctx *c, const struct seed_coupon *k)
{
    struct seed_table *t = c->t.postmeta;
    uint64_t *n = &c->id.postmeta;
    seed_meta(t, n, k->id, "discount_type", "percent");
    seed_meta_u64(t, n, k->id, "coupon_amount", k->percent);
    seed_meta(t, n, k->id, "individual_use", "no");
    seed_meta(t, n, k->id, "usage_limit", "0");
    seed_meta(t, n, k->id, "usage_limit_per_user", "0");
    seed_meta(t, n, k->id, "limit_usage_to_x_items", "0");
    seed_meta_u64(t, n, k->id, "usage_count", k->usage_count);
    seed_meta(t, n, k->id, "free_shipping", "no");
    seed_meta(t, n, k->id, "exclude_sale_items", "no");
    seed_meta(t, n, k->id, "product_categories", "a:0:{}");
    seed_meta(t, n, k->id, "exclude_product_categories", "a:0:{}");
    seed_meta(t, n, k->id, "customer_email", "a:0:{}");
}

int seed_catalog_write_stock(struct seed_ctx *c)
{
    struct seed_catalog *cat = &c->cat;
    for (unsigned j = 0; j < cat->nproducts; j++)
        write_product_meta(c, &cat->products[j]);
    for (int i = 0; i < 2; i++)
        write_coupon_meta(c, &cat->coupons[i]);
    if (seed_loader_flush(c->ld, c->err, sizeof c->err) != 0)
        return -1;
    return 0;
}
