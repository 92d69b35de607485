/*
 * authd/seed_model.c — the row writers every stage of the demo generator uses: wp_posts rows, the
 * meta tables (one shape: id, owner, key, value), and the order status names.
 */
#include <inttypes.h>
#include <stdio.h>

#include "authd/seed_model.h"
#include "authd/seed_text.h"

static const char *const status_keys[SEED_NSTATUS] = {"wc-pending", "wc-processing", "wc-on-hold", "wc-completed",
                                                      "wc-cancelled", "wc-refunded", "wc-failed"};
static const char *const status_labels[SEED_NSTATUS] = {"Pending payment", "Processing", "On hold", "Completed",
                                                        "Cancelled", "Refunded", "Failed"};

const char *seed_status_key(enum seed_status s)
{
    return status_keys[s];
}

const char *seed_status_label(enum seed_status s)
{
    return status_labels[s];
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

void seed_write_post(struct seed_ctx *c, const struct seed_post_row *p)
{
    char date[SEED_DATE_LEN], gmt[SEED_DATE_LEN], mod[SEED_DATE_LEN], mod_gmt[SEED_DATE_LEN];
    struct seed_table *t = c->t.posts;
    seed_fmt_local(p->date, date);
    seed_fmt_gmt(p->date, gmt);
    seed_fmt_local(p->modified, mod);
    seed_fmt_gmt(p->modified, mod_gmt);
    seed_row_u64(t, p->id);
    seed_row_u64(t, p->author);
    seed_row_str(t, date);
    seed_row_str(t, gmt);
    seed_row_str(t, or_empty(p->content));
    seed_row_str(t, or_empty(p->title));
    seed_row_str(t, or_empty(p->excerpt));
    seed_row_str(t, or_empty(p->status));
    seed_row_str(t, or_empty(p->comment_status));
    seed_row_str(t, or_empty(p->ping_status));
    seed_row_str(t, or_empty(p->password));
    seed_row_str(t, or_empty(p->name));
    seed_row_str(t, "");
    seed_row_str(t, "");
    seed_row_str(t, mod);
    seed_row_str(t, mod_gmt);
    seed_row_str(t, "");
    seed_row_u64(t, p->parent);
    seed_row_str(t, or_empty(p->guid));
    seed_row_i64(t, p->menu_order);
    seed_row_str(t, or_empty(p->type));
    seed_row_str(t, or_empty(p->mime));
    seed_row_u64(t, p->comment_count);
    seed_row_end(t);
}

void seed_meta(struct seed_table *t, uint64_t *next_id, uint64_t owner, const char *key, const char *value)
{
    seed_row_u64(t, (*next_id)++);
    seed_row_u64(t, owner);
    seed_row_str(t, key);
    seed_row_str(t, value);
    seed_row_end(t);
}

void seed_meta_u64(struct seed_table *t, uint64_t *next_id, uint64_t owner, const char *key, uint64_t value)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, value);
    seed_meta(t, next_id, owner, key, buf);
}

void seed_meta_cents(struct seed_table *t, uint64_t *next_id, uint64_t owner, const char *key, int64_t cents)
{
    char buf[32];
    seed_fmt_cents(cents, buf, sizeof buf);
    seed_meta(t, next_id, owner, key, buf);
}
