/*
 * apid/order_mail.h — the e-mails WooCommerce sends when an order changes, queued by apid's writes.
 *
 * WooCommerce's WC_Email classes run on its hooks, which a direct SQL writer never fires; these calls
 * stand in for them. Each runs inside the caller's transaction, after the write it reports, and queues
 * the e-mail with common/mail_outbox (one INSERT per recipient): the mail exists exactly when the write
 * is committed. Each honours its woocommerce_<id>_settings option (enabled, recipient, subject,
 * heading, additional_content; WooCommerce's defaults when absent or empty) and WooCommerce's
 * placeholders; bodies are the plain-text templates in templates/ (apid/docs/mail.md lists them).
 *
 * Every function returns 0 (queued, or nothing to send: disabled, no valid recipient, a message the
 * outbox refuses, which is logged as a warning as wp_mail failing is) or -1 (a database error, or the
 * templates could not be loaded: the caller rolls back).
 */
#ifndef APID_ORDER_MAIL_H
#define APID_ORDER_MAIL_H

#include <stdbool.h>
#include <stdint.h>

#include "apid/order_write.h"
#include "common/config.h"
#include "common/db.h"
#include "common/store.h"

/* Where the e-mail templates are (cfg->templates_dir, default "templates"); they are read on first use.
 * Called once before the workers start. */
void order_mail_configure(const struct config *cfg);

/* A status change of the locked order o from → to (without "wc-"), as WooCommerce's
 * woocommerce_order_status_<from>_to_<to> notifications, in WooCommerce's order: new_order to the admin
 * (pending, failed, cancelled → processing, completed, on-hold; once per order: it sets the order meta
 * _new_order_email_sent = true, and an order that has it gets none), customer_processing_order
 * (pending, failed, cancelled, on-hold → processing), customer_completed_order (any → completed),
 * customer_on_hold_order (pending, failed, cancelled → on-hold), cancelled_order to the admin
 * (processing, on-hold, pending → cancelled), failed_order to the admin (pending, on-hold → failed).
 * Any other transition sends nothing. */
int order_mail_status(struct db *db, const struct store_options *opt, const struct order_locked *o, const char *from,
                      const char *to);

/* woocommerce_order_partially_refunded / _fully_refunded: customer_refunded_order (settings
 * subject_partial/subject_full, heading_partial/heading_full; kind customer_partially_refunded_order
 * for a partial refund). */
int order_mail_refund(struct db *db, const struct store_options *opt, uint64_t order_id, uint64_t refund_id,
                      bool partial);

/* WC_Email_Customer_Note: the note text, to the billing e-mail. */
int order_mail_customer_note(struct db *db, const struct store_options *opt, uint64_t order_id, const char *note);

/* wc_trigger_stock_change_notifications for one reduced line: product_id is the line's product or
 * variation (its _low_stock_amount, else its parent's, else woocommerce_notify_low_stock_amount), name
 * and stock those of the product whose stock changed (get_formatted_name, the new quantity). At or
 * below woocommerce_notify_no_stock_amount: "Product out of stock"; else at or below the low amount:
 * "Product low in stock"; to woocommerce_stock_email_recipient (else admin_email), unless
 * woocommerce_notify_no_stock / _low_stock is "no". */
int order_mail_stock(struct db *db, const struct store_options *opt, uint64_t product_id, uint64_t holder_id,
                     const char *name, long long stock);

/* WC_Emails::backorder for a reduction that left the stock below zero (wc_trigger_stock_change_notifications
 * fires woocommerce_product_on_backorder after the no-stock notice): "[{blogname}] Product backorder",
 * "<quantity> units of <name> have been backordered in order #<order_id>.", quantity the whole reduction
 * (from − to), name that of the product whose stock changed, to woocommerce_stock_email_recipient (else
 * admin_email). WooCommerce has no setting that turns it off: woocommerce_notify_no_stock and
 * _low_stock do not apply to it. Nothing for a quantity of 0. */
int order_mail_backorder(struct db *db, const struct store_options *opt, uint64_t order_id, uint64_t holder_id,
                         const char *name, long long quantity);

#endif
