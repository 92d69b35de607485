/*
 * authd/seed_users.c — the demo store's accounts: four staff accounts and the customers.
 *
 * Owns: logins, passwords and their hashes, the usermeta WordPress's wp_insert_user() and
 * WooCommerce's customer save write, {prefix}capabilities and {prefix}user_level, and the
 * registered-customer and guest rows of wc_customer_lookup.
 * Passwords are deterministic per seed (so the demo accounts of a given seed are known), typable,
 * and hashed as plain "$2y$" bcrypt, which every WordPress version accepts. Staff hashes use cost 10.
 * Every customer shares one password and one hash, computed once: a bcrypt per customer would cost
 * 50,000 × ~60 ms at a million orders, and customers only exist to place orders.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "authd/seed_model.h"
#include "authd/seed_text.h"
#include "common/php_serialize.h"
#include "common/wp_password.h"

static const char pw_alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";

static void make_password(struct seed_rng *rng, const char *word, char *out, size_t outlen)
{
    char tail[7];
    for (int i = 0; i < 6; i++)
        tail[i] = pw_alphabet[seed_rng_below(rng, sizeof pw_alphabet - 1)];
    tail[6] = '\0';
    snprintf(out, outlen, "demo-%s-%s", word, tail);
}

struct staff_def {
    const char *login, *word, *first, *last, *role;
};

static const struct staff_def staff_defs[SEED_NSTAFF] = {
    [SEED_ADMIN] = {"admin", "admin", "Alex", "Admin", "administrator"},
    [SEED_MANAGER] = {"manager", "manager", "Maria", "Manager", "shop_manager"},
    [SEED_SUBSCRIBER] = {"subscriber", "subscriber", "Sam", "Subscriber", "subscriber"},
    [SEED_DENIED_MANAGER] = {"denied_manager", "denied", "Dana", "Denied", "shop_manager"},
};

/* Where a customer's registration falls: before the order window, at a per-customer offset. */
static int64_t customer_registered(const struct seed_ctx *c, unsigned k)
{
    uint64_t h = seed_hash2(c->seed ^ 0x7265676973746572ULL, k);
    return c->anchor - (int64_t)(SEED_DAYS + 10) * 86400 - (int64_t)(h % (540ULL * 86400));
}

static void customer_login(const struct seed_ctx *c, const struct seed_person *p, unsigned k, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s.%s%" PRIu64, p->first_ascii, p->last_ascii, c->cust.first_user_id + k);
}

int seed_users_plan(struct seed_ctx *c, struct seed_rng *rng)
{
    for (int i = 0; i < SEED_NSTAFF; i++) {
        struct seed_account *a = &c->staff[i];
        const struct staff_def *d = &staff_defs[i];
        a->id = c->id.user++;
        a->role = d->role;
        snprintf(a->login, sizeof a->login, "%s%s", d->login, c->suffix);
        snprintf(a->email, sizeof a->email, "%s%s@%s", d->login, c->suffix, c->host);
        snprintf(a->display, sizeof a->display, "%s %s", d->first, d->last);
        make_password(rng, d->word, a->password, sizeof a->password);
    }
    make_password(rng, "customer", c->cust.password, sizeof c->cust.password);
    if (wp_password_hash_bcrypt(c->cust.password, strlen(c->cust.password), 10, c->cust.hash) != 0) {
        snprintf(c->err, sizeof c->err, "bcrypt failed");
        return -1;
    }
    c->cust.count = c->norders / 20 < 10 ? 10 : c->norders / 20;
    c->cust.nguests = c->norders / 6 < 8 ? 8 : c->norders / 6;
    c->cust.first_user_id = c->id.user;
    c->id.user += c->cust.count;
    c->cust.first_lookup_id = c->id.customer;
    c->id.customer += c->cust.count;
    c->cust.last_active = calloc(c->cust.count, sizeof *c->cust.last_active);
    c->cust.guest_last_active = calloc(c->cust.nguests, sizeof *c->cust.guest_last_active);
    c->cust.guest_lookup = calloc(c->cust.nguests, sizeof *c->cust.guest_lookup);
    c->cust.guest_order = calloc(c->cust.nguests, sizeof *c->cust.guest_order);
    if (!c->cust.last_active || !c->cust.guest_last_active || !c->cust.guest_lookup || !c->cust.guest_order)
        abort();
    /* The sample customer printed for the demo credentials: customer 0 (it gets the orders the
     * generator places in every status). */
    struct seed_person p;
    struct seed_account *s = &c->customer_sample;
    s->id = c->cust.first_user_id;
    s->role = "customer";
    seed_customer_identity(c, 0, &p, s->login, sizeof s->login, s->email, sizeof s->email);
    snprintf(s->display, sizeof s->display, "%s %s", p.first, p.last);
    snprintf(s->password, sizeof s->password, "%s", c->cust.password);
    return 0;
}

void seed_customers_free(struct seed_customers *cust)
{
    free(cust->last_active);
    free(cust->guest_last_active);
    free(cust->guest_lookup);
    free(cust->guest_order);
    memset(cust, 0, sizeof *cust);
}

/* user_nicename: sanitize_title(user_login), which keeps [a-z0-9_-] and turns the rest into '-'. */
static void nicename(const char *login, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = login; *p && o + 1 < outlen && o < 50; p++) {
        char ch = *p;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
            ch = '-';
        out[o++] = ch;
    }
    out[o] = '\0';
}

static void write_user(struct seed_ctx *c, uint64_t id, const char *login, const char *pass, const char *email,
                       int64_t registered, const char *display)
{
    char nice[64], date[SEED_DATE_LEN];
    nicename(login, nice, sizeof nice);
    seed_fmt_gmt(registered, date);
    struct seed_table *t = c->t.users;
    seed_row_u64(t, id);
    seed_row_str(t, login);
    seed_row_str(t, pass);
    seed_row_str(t, nice);
    seed_row_str(t, email);
    seed_row_str(t, "");
    seed_row_str(t, date);
    seed_row_str(t, "");
    seed_row_u64(t, 0);
    seed_row_str(t, display);
    seed_row_end(t);
}

/* {"role": true} or {"shop_manager": true, "manage_woocommerce": false}, serialized. */
static char *capabilities_value(const char *role, bool deny_manage_woocommerce)
{
    json_t *caps = json_object();
    json_object_set_new(caps, role, json_true());
    if (deny_manage_woocommerce)
        json_object_set_new(caps, "manage_woocommerce", json_false());
    char *s = php_serialize(caps, NULL);
    json_decref(caps);
    if (s == NULL)
        abort();
    return s;
}

/* The usermeta rows wp_insert_user() writes, in its order. */
static void write_wp_user_meta(struct seed_ctx *c, uint64_t uid, const char *first, const char *last,
                               const char *nickname, const char *caps, unsigned level)
{
    char key[128];
    struct seed_table *t = c->t.usermeta;
    uint64_t *n = &c->id.usermeta;
    seed_meta(t, n, uid, "nickname", nickname);
    seed_meta(t, n, uid, "first_name", first);
    seed_meta(t, n, uid, "last_name", last);
    seed_meta(t, n, uid, "description", "");
    seed_meta(t, n, uid, "rich_editing", "true");
    seed_meta(t, n, uid, "syntax_highlighting", "true");
    seed_meta(t, n, uid, "comment_shortcuts", "false");
    seed_meta(t, n, uid, "admin_color", "fresh");
    seed_meta(t, n, uid, "use_ssl", "0");
    seed_meta(t, n, uid, "show_admin_bar_front", "true");
    seed_meta(t, n, uid, "locale", "");
    snprintf(key, sizeof key, "%scapabilities", db_prefix(c->db));
    seed_meta(t, n, uid, key, caps);
    snprintf(key, sizeof key, "%suser_level", db_prefix(c->db));
    seed_meta_u64(t, n, uid, key, level);
    seed_meta(t, n, uid, "dismissed_wp_pointers", "");
}

int seed_users_write_staff(struct seed_ctx *c)
{
    static const unsigned levels[SEED_NSTAFF] = {10, 9, 0, 9};
    for (int i = 0; i < SEED_NSTAFF; i++) {
        const struct seed_account *a = &c->staff[i];
        const struct staff_def *d = &staff_defs[i];
        char hash[64];
        if (wp_password_hash_bcrypt(a->password, strlen(a->password), 10, hash) != 0) {
            snprintf(c->err, sizeof c->err, "bcrypt failed");
            return -1;
        }
        write_user(c, a->id, a->login, hash, a->email, c->anchor - (int64_t)(SEED_DAYS + 400) * 86400, a->display);
        char *caps = capabilities_value(a->role, i == SEED_DENIED_MANAGER);
        write_wp_user_meta(c, a->id, d->first, d->last, a->login, caps, levels[i]);
        free(caps);
    }
    return 0;
}

/* billing_* and shipping_* as WooCommerce's customer data store keeps them, then its bookkeeping. */
static void write_wc_customer_meta(struct seed_ctx *c, uint64_t uid, const struct seed_person *p, const char *email,
                                   int64_t last_active, int64_t registered)
{
    struct seed_table *t = c->t.usermeta;
    uint64_t *n = &c->id.usermeta;
    static const char *const kinds[2] = {"billing", "shipping"};
    for (int k = 0; k < 2; k++) {
        const char *values[] = {p->first, p->last, p->company, p->address_1, p->address_2, p->city,
                                p->postcode, p->country, p->state, p->phone};
        static const char *const fields[] = {"first_name", "last_name", "company", "address_1", "address_2",
                                             "city", "postcode", "country", "state", "phone"};
        char key[32];
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            snprintf(key, sizeof key, "%s_%s", kinds[k], fields[f]);
            seed_meta(t, n, uid, key, values[f]);
        }
        if (k == 0)
            seed_meta(t, n, uid, "billing_email", email);
    }
    seed_meta_u64(t, n, uid, "last_update", (uint64_t)(last_active ? last_active : registered));
    if (last_active) {
        seed_meta(t, n, uid, "paying_customer", "1");
        seed_meta_u64(t, n, uid, "wc_last_active", (uint64_t)(last_active - last_active % 86400));
    }
}

static void write_customer_lookup(struct seed_ctx *c, uint64_t lookup_id, const uint64_t *user_id, const char *username,
                                  const struct seed_person *p, const char *email, int64_t last_active,
                                  int64_t registered)
{
    char date[SEED_DATE_LEN];
    struct seed_table *t = c->t.customer_lookup;
    seed_row_u64(t, lookup_id);
    if (user_id)
        seed_row_u64(t, *user_id);
    else
        seed_row_null(t);
    seed_row_str(t, username);
    seed_row_str(t, p->first);
    seed_row_str(t, p->last);
    seed_row_str(t, email);
    if (last_active) {
        seed_fmt_gmt(last_active, date);
        seed_row_str(t, date);
    } else {
        seed_row_null(t);
    }
    if (registered) {
        seed_fmt_gmt(registered, date);
        seed_row_str(t, date);
    } else {
        seed_row_null(t);
    }
    seed_row_str(t, p->country);
    seed_row_str(t, p->postcode);
    seed_row_str(t, p->city);
    seed_row_str(t, p->state);
    seed_row_end(t);
}

void seed_customer_identity(const struct seed_ctx *c, unsigned k, struct seed_person *p, char *login, size_t loginlen,
                            char *email, size_t emaillen)
{
    seed_person_make(c->seed, k, p);
    customer_login(c, p, k, login, loginlen);
    snprintf(email, emaillen, "%s@example.test", login);
}

void seed_guest_identity(const struct seed_ctx *c, unsigned g, struct seed_person *p, char *email, size_t emaillen)
{
    seed_person_make(c->seed, (1ULL << 40) + g, p);
    snprintf(email, emaillen, "%s.%s.%u%s@guest.example.test", p->first_ascii, p->last_ascii, g, c->suffix);
}

int seed_users_write_customers(struct seed_ctx *c)
{
    char *caps = capabilities_value("customer", false);
    char err[512];
    for (unsigned k = 0; k < c->cust.count; k++) {
        struct seed_person p;
        char login[96], email[160], display[80];
        seed_customer_identity(c, k, &p, login, sizeof login, email, sizeof email);
        uint64_t uid = c->cust.first_user_id + k;
        int64_t reg = customer_registered(c, k), last = c->cust.last_active[k];
        snprintf(display, sizeof display, "%s %s", p.first, p.last);
        write_user(c, uid, login, c->cust.hash, email, reg, display);
        write_wp_user_meta(c, uid, p.first, p.last, login, caps, 0);
        write_wc_customer_meta(c, uid, &p, email, last, reg);
        write_customer_lookup(c, c->cust.first_lookup_id + k, &uid, login, &p, email, last ? last : reg, reg);
        if (k % 20000 == 19999 && seed_loader_flush(c->ld, err, sizeof err) != 0) {
            snprintf(c->err, sizeof c->err, "%s", err);
            free(caps);
            return -1;
        }
    }
    free(caps);
    for (unsigned i = 0; i < c->cust.nguests_seen; i++) {
        unsigned g = c->cust.guest_order[i];
        struct seed_person p;
        char email[160];
        seed_guest_identity(c, g, &p, email, sizeof email);
        write_customer_lookup(c, c->cust.guest_lookup[g], NULL, "", &p, email, c->cust.guest_last_active[g], 0);
    }
    if (seed_loader_flush(c->ld, err, sizeof err) != 0) {
        snprintf(c->err, sizeof c->err, "%s", err);
        return -1;
    }
    return 0;
}
