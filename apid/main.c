/*
 * apid/main.c — the API server: command line and route table.
 *
 * The routes are mounted identically under /cartman/v1 and /wp-json/cartman/v1, so a reverse proxy
 * can put apid where the PHP plugin's routes were; /healthz sits at the root.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "apid/bearer.h"
#include "apid/connection_test.h"
#include "apid/guard.h"
#include "apid/index.h"
#include "apid/mail_sender.h"
#include "apid/order_cache.h"
#include "apid/order_mail.h"
#include "apid/order_notes.h"
#include "apid/orders_patch.h"
#include "apid/order_refund.h"
#include "apid/orders_read.h"
#include "apid/reports_sales.h"
#include "apid/transactions.h"
#include "common/daemon.h"
#include "common/limits.h"

#define APID_WORKERS_PER_CPU 4 /* when `workers` is not configured */

static const char USAGE[] = "usage: apid [--config FILE] [serve]\n"
                            "  serve   run the API server (the default)\n";

static const struct http_route root_routes[] = {
    {HTTP_GET, "/healthz", daemon_healthz, 0, HTTP_ROUTE_NO_STORE | HTTP_ROUTE_ANY_TRANSPORT, NULL},
};

static int index_handler(struct http_call *call, const struct apid_identity *who)
{
    (void)who;
    return apid_index(call);
}

/* the index needs no credential, but passes the allowlist and the per-IP limit like every API route */
static const struct apid_route_policy index_policy = {NULL, index_handler};
/* scope NULL: any valid credential */
static const struct apid_route_policy connection_test = {NULL, apid_connection_test};
static const struct apid_route_policy list_orders = {"orders:read", orders_list};
static const struct apid_route_policy get_order = {"orders:read", orders_get};
static const struct apid_route_policy patch_order = {"orders:write", orders_patch};
static const struct apid_route_policy list_notes = {"orders:read", order_notes_list};
static const struct apid_route_policy create_note = {"orders:write", order_notes_create};
static const struct apid_route_policy list_transactions = {"orders:read", transactions_list};
static const struct apid_route_policy sales_report = {"reports:read", reports_sales};
static const struct apid_route_policy refund_order = {"orders:write", order_refund_post};

static const struct http_route api_routes[] = {
    {HTTP_GET, "/", apid_guard, 0, APID_ROUTE_PUBLIC, &index_policy},
    {HTTP_GET, "/connection-test", apid_guard, 0, HTTP_ROUTE_NO_STORE, &connection_test},
    {HTTP_GET, "/orders", apid_guard, 0, HTTP_ROUTE_NO_STORE, &list_orders},
    {HTTP_GET, "/orders/{id}", apid_guard, 0, HTTP_ROUTE_NO_STORE, &get_order},
    {HTTP_PATCH, "/orders/{id}", apid_guard, LIMIT_ORDER_WRITE_BODY, HTTP_ROUTE_NO_STORE, &patch_order},
    {HTTP_GET, "/orders/{id}/notes", apid_guard, 0, HTTP_ROUTE_NO_STORE, &list_notes},
    {HTTP_POST, "/orders/{id}/notes", apid_guard, LIMIT_ORDER_WRITE_BODY, HTTP_ROUTE_NO_STORE, &create_note},
    {HTTP_GET, "/transactions", apid_guard, 0, HTTP_ROUTE_NO_STORE, &list_transactions},
    {HTTP_GET, "/reports/sales", apid_guard, 0, HTTP_ROUTE_NO_STORE, &sales_report},
    {HTTP_POST, "/orders/{id}/refund", apid_guard, LIMIT_REFUND_BODY_BYTES, HTTP_ROUTE_NO_STORE, &refund_order},
};

static const struct http_route_group groups[] = {
    {"", root_routes, sizeof root_routes / sizeof root_routes[0]},
    {"/cartman/v1", api_routes, sizeof api_routes / sizeof api_routes[0]},
    {"/wp-json/cartman/v1", api_routes, sizeof api_routes / sizeof api_routes[0]},
};

int main(int argc, char **argv)
{
    struct daemon_args args;
    int status;
    if (daemon_parse_args(argc, argv, USAGE, &args, &status) != 0)
        return status;
    static struct config cfg;
    if (daemon_load_config("apid", CONFIG_APID, &args, &cfg) != 0)
        return 1;
    if (strcmp(args.command, "serve") == 0 && args.argc == 0) {
        apid_index_set_routes(api_routes, sizeof api_routes / sizeof api_routes[0], "/cartman/v1");
        /* Order routes run their short indexed queries inline, and a worker waits while MariaDB answers;
         * with four loops per CPU the CPUs stay busy through those waits (measured with make bench:
         * one loop per CPU left them idle half the time and doubled p50). */
        if (cfg.workers == 0) {
            long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
            cfg.workers = ncpu < 1 ? APID_WORKERS_PER_CPU : (unsigned)ncpu * APID_WORKERS_PER_CPU;
            if (cfg.workers > LIMIT_WORKERS)
                cfg.workers = LIMIT_WORKERS;
        }
        order_cache_set_ttl(cfg.order_cache_ttl);
        /* JWKS fetcher and revocation list: in the background, so apid starts even while authd is down */
        if (bearer_start(&cfg) != 0)
            return 1;
        order_mail_configure(&cfg); /* where the order e-mails' templates are */
        /* the outbox sender (apid/mail_sender.h): its own thread and database connection */
        if (mail_sender_start(&cfg) != 0) {
            bearer_stop();
            return 1;
        }
        int rc = daemon_serve(&cfg, "apid", groups, sizeof groups / sizeof groups[0], NULL);
        mail_sender_stop();
        bearer_stop();
        return rc;
    }
    fprintf(stderr, "apid: unknown command '%s'\n%s", args.command, USAGE);
    return 2;
}
