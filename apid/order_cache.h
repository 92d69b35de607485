/*
 * apid/order_cache.h — rendered orders kept in memory, process-wide, for GET /orders (the order as a
 * list shows it) and GET /orders/{id} (the full order without its notes).
 *
 * One direct-mapped slot per order id holds the list form ("{...}") and, when a detail was rendered,
 * the rest of the full order (line items to refunds). An entry is returned only to a caller that
 * presents the same key it was stored under — the order's date_updated_gmt, a hash of the store
 * options it was rendered with and, for the detail, the caller's fingerprint of the order's other
 * rows — and only while it is younger than the age limit (order_cache_set_ttl), which bounds how long
 * a change that moves none of those (a product's new SKU or image) can stay unseen. Deciding what
 * the key is and when a rendering may be stored is the caller's job (apid/orders_read.c).
 */
#ifndef APID_ORDER_CACHE_H
#define APID_ORDER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/json_out.h"

#define ORDER_CACHE_SLOTS 4096
#define ORDER_CACHE_ENTRY_MAX 4096              /* the list form */
#define ORDER_CACHE_DETAIL_MAX 32768            /* the rest of a full order */
#define ORDER_CACHE_DETAIL_BUDGET (8u << 20)    /* all details together */
#define ORDER_CACHE_UPDATED_BYTES 20            /* "Y-m-d H:i:s" */
#define ORDER_CACHE_FP_BYTES 64
#define ORDER_CACHE_TTL_DEFAULT_S 10

/* The age limit of every entry, in seconds; 0 turns the cache off. Set once at start (config
 * order_cache_ttl). */
void order_cache_set_ttl(unsigned seconds);

/* The list form of order id: appended to w (a value in the array being written) when present under
 * (updated, options_hash) and young enough; its bytes are then w->buf[*start, *start + *len). */
bool order_cache_list_get(struct json_out *w, uint64_t id, const char *updated, uint64_t options_hash, size_t *start,
                          size_t *len);

/* Keeps json ("{...}", the list form) under (updated, options_hash); a detail kept under the same
 * key stays. */
void order_cache_list_put(uint64_t id, const char *updated, uint64_t options_hash, const char *json, size_t len);

/* The full order without notes, appended to w as an object left open: its brace, the members of the
 * list form, then the rest. true when present under (updated, fp, options_hash) and young enough; w
 * is untouched otherwise. */
bool order_cache_detail_get(struct json_out *w, uint64_t id, const char *updated, const char *fp,
                            uint64_t options_hash);

/* Keeps a full order: members are the list form's members (without braces), rest the members that
 * follow them (line items to refunds, without a leading comma). Both are copied. */
void order_cache_detail_put(uint64_t id, const char *updated, const char *fp, uint64_t options_hash,
                            const char *members, size_t members_len, const char *rest, size_t rest_len);

/* Drops every entry (tests, shutdown). */
void order_cache_clear(void);

#endif
