/*
 * authd/main.c — the authorization server: command line and route table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd/app.h"
#include "authd/authorize.h"
#include "authd/clients.h"
#include "authd/discovery.h"
#include "authd/keys_cli.h"
#include "authd/migrate.h"
#include "authd/seed_demo.h"
#include "authd/signing.h"
#include "authd/token_endpoint.h"
#include "common/daemon.h"
#include "common/log.h"
#include "common/template.h"

static const char USAGE[] =
    "usage: authd [--config FILE] [COMMAND]\n"
    "  serve                        run the authorization server (the default)\n"
    "  migrate                      create or upgrade the cartman_* tables\n"
    "  seed-demo [--orders N] [--products M] [--seed S] [--storage hpos|posts] [--force]\n"
    "                               fill a deterministic demo store\n"
    "  keys rotate                  make a new ES256 signing key current\n"
    "  keys create-connection-key [--user LOGIN] [--label TEXT] [--expires-days N]\n"
    "  keys list-connection-keys | keys revoke-connection-key ID\n"
    "                               connection keys for the app (printed once, stored as bcrypt)\n"
    "  clients create --name NAME [--confidential] [--redirect-uri URI]...\n"
    "  clients list | clients delete CLIENT_ID\n"
    "                               the OAuth client registry\n";

static const struct http_route root_routes[] = {
    {HTTP_GET, "/healthz", daemon_healthz, 0, HTTP_ROUTE_NO_STORE | HTTP_ROUTE_ANY_TRANSPORT, NULL},
};

static const struct http_route_group groups[] = {
    {"", root_routes, sizeof root_routes / sizeof root_routes[0]},
    {"", discovery_routes, DISCOVERY_NROUTES},
    {"", token_endpoint_routes, TOKEN_ENDPOINT_NROUTES},
    {"", authorize_routes, AUTHORIZE_NROUTES},
};

static int cmd_migrate(const struct config *cfg)
{
    struct db *db = daemon_db_open(cfg);
    if (db == NULL)
        return 1;
    char err[600];
    int n = migrate_run(db, err, sizeof err);
    if (n < 0)
        log_error("migrate: %s", err);
    else
        log_info("migrate: schema version %d (%d applied)", migrate_current_version(db), n);
    db_close(db);
    return n < 0 ? 1 : 0;
}

static int cmd_seed_demo(const struct config *cfg, int argc, char **argv)
{
    struct db_config dc = config_db(cfg);
    dc.local_infile = true; /* the bulk loader streams rows with LOAD DATA LOCAL */
    char err[300];
    struct db *db = db_connect(&dc, err, sizeof err);
    if (db == NULL) {
        log_error("database: %s", err);
        return 1;
    }
    int rc = seed_demo_command(db, argc, argv);
    db_close(db);
    return rc;
}

static int cmd_clients(const struct config *cfg, int argc, char **argv)
{
    struct db *db = daemon_db_open(cfg);
    if (db == NULL)
        return 1;
    int rc = clients_command(db, argc, argv);
    db_close(db);
    return rc;
}

static int cmd_serve(const struct config *cfg)
{
    struct db *db = daemon_db_open(cfg);
    if (db != NULL) { /* a database that is down at start is not fatal: /healthz says so until it is back */
        int v = migrate_current_version(db);
        if (v >= 0 && v < migrate_latest_version())
            log_warn("the cartman_* tables are at version %d, this build expects %d: run `authd migrate`", v,
                     migrate_latest_version());
        db_close(db);
    }
    char err[600];
    struct authd_app app = {.cfg = cfg};
    app.keys = signing_keys_load(cfg, err, sizeof err);
    if (app.keys == NULL) {
        log_error("signing keys: %s", err);
        return 1;
    }
    app.metadata_json = discovery_metadata(cfg, &app.metadata_len);
    if (app.metadata_json == NULL) {
        log_error("cannot build the authorization server metadata");
        signing_keys_free(app.keys);
        return 1;
    }
    app.templates = template_set_load_dir(cfg->templates_dir, err, sizeof err);
    if (app.templates == NULL) {
        log_error("templates (%s): %s", cfg->templates_dir, err);
        free(app.metadata_json);
        signing_keys_free(app.keys);
        return 1;
    }
    int rc = daemon_serve(cfg, "authd", groups, sizeof groups / sizeof groups[0], &app);
    template_set_free(app.templates);
    free(app.metadata_json);
    signing_keys_free(app.keys);
    return rc;
}

int main(int argc, char **argv)
{
    struct daemon_args args;
    int status;
    if (daemon_parse_args(argc, argv, USAGE, &args, &status) != 0)
        return status;
    static struct config cfg;
    if (daemon_load_config("authd", CONFIG_AUTHD, &args, &cfg) != 0)
        return 1;
    if (strcmp(args.command, "serve") == 0 && args.argc == 0)
        return cmd_serve(&cfg);
    if (strcmp(args.command, "migrate") == 0 && args.argc == 0)
        return cmd_migrate(&cfg);
    if (strcmp(args.command, "seed-demo") == 0)
        return cmd_seed_demo(&cfg, args.argc, args.argv);
    if (strcmp(args.command, "keys") == 0)
        return keys_cli_run(&cfg, args.argc, args.argv);
    if (strcmp(args.command, "clients") == 0)
        return cmd_clients(&cfg, args.argc, args.argv);
    fprintf(stderr, "authd: unknown command or arguments for '%s'\n%s", args.command, USAGE);
    return 2;
}
