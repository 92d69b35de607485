/*
 * common/daemon.c — the life of a daemon around its routes: command line, configuration, a database
 * connection per worker, /healthz, serve.
 *
 * A worker opens its connection lazily and reopens it after an outage; while the database is down it
 * tries again at most once a second, so a burst of requests does not turn into a burst of connects.
 * Every route but the HTTP_ROUTE_ANY_TRANSPORT ones (/healthz) passes the HTTPS rule first (DESIGN
 * §10): a request that did not reach us over HTTPS (common/http_server.h, http_is_secure) gets 403
 * cartman_https_required while the security settings require HTTPS (the default), except from a
 * loopback client in development mode. The routes themselves live in authd/ and apid/.
 */
#include "common/daemon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/http_reply.h"
#include "common/log.h"
#include "common/offload.h"
#include "common/security_settings.h"
#include "common/store.h"

extern char **environ;

int daemon_parse_args(int argc, char **argv, const char *usage, struct daemon_args *out, int *status)
{
    memset(out, 0, sizeof *out);
    out->command = "serve";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            out->config_path = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            out->config_path = argv[i] + 9;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            *status = 0;
            return -1;
        } else {
            fprintf(stderr, "unknown option %s\n%s", argv[i], usage);
            *status = 2;
            return -1;
        }
    }
    if (i < argc)
        out->command = argv[i++];
    out->argc = argc - i;
    out->argv = argv + i;
    return 0;
}

int daemon_load_config(const char *name, enum config_daemon which, const struct daemon_args *args, struct config *cfg)
{
    char err[512];
    if (config_load(cfg, which, args->config_path, (const char *const *)environ, err, sizeof err) != 0) {
        fprintf(stderr, "%s: configuration: %s\n", name, err);
        return -1;
    }
    enum log_level level;
    if (log_level_parse(cfg->log_level, strlen(cfg->log_level), &level) != 0) {
        fprintf(stderr, "%s: configuration: log_level must be debug, info, warn or error\n", name);
        return -1;
    }
    log_init(name, level);
    return 0;
}

struct db *daemon_db_open(const struct config *cfg)
{
    struct db_config dc = config_db(cfg);
    char err[300];
    struct db *db = db_connect(&dc, err, sizeof err);
    if (db == NULL)
        log_error("database: %s", err);
    return db;
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct db *daemon_worker_db(struct daemon_worker *w)
{
    double now = monotonic_seconds();
    if (w->db != NULL) {
        /* a cheap check only after a failure was seen; normal queries reconnect by themselves */
        if (w->retry_at == 0)
            return w->db;
        if (now < w->retry_at)
            return NULL;
        if (db_ping(w->db) == 0) {
            w->retry_at = 0;
            log_info("database is reachable again");
            return w->db;
        }
        snprintf(w->down_reason, sizeof w->down_reason, "%s", db_error(w->db));
        w->retry_at = now + 1;
        return NULL;
    }
    if (w->retry_at != 0 && now < w->retry_at)
        return NULL;
    struct db_config dc = config_db(w->cfg);
    w->db = db_connect(&dc, w->down_reason, sizeof w->down_reason);
    if (w->db == NULL) {
        if (w->retry_at == 0)
            log_warn("database is unreachable: %s", w->down_reason);
        w->retry_at = now + 1;
        return NULL;
    }
    if (w->retry_at != 0)
        log_info("database is reachable again");
    w->retry_at = 0;
    return w->db;
}

/* Marks the worker's database as failing after a query error that looks like an outage. */
static void mark_down(struct daemon_worker *w)
{
    if (w->retry_at == 0)
        log_warn("database is unreachable: %s", w->db ? db_error(w->db) : w->down_reason);
    if (w->db)
        snprintf(w->down_reason, sizeof w->down_reason, "%s", db_error(w->db));
    w->retry_at = monotonic_seconds() + 1;
}

struct db *daemon_db_or_reply(struct http_call *call)
{
    struct daemon_worker *w = call->worker->data;
    struct db *db = daemon_worker_db(w);
    if (db == NULL)
        http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
    return db;
}

struct db *daemon_store_or_reply(struct http_call *call, struct store_options *opt)
{
    struct db *db = daemon_db_or_reply(call);
    if (db != NULL && store_options_load(db, opt) != 0) {
        http_reply_error(call->req, 503, "cartman_db_unavailable", "The store database is not reachable.");
        db = NULL;
    }
    return db;
}

int daemon_healthz(struct http_call *call)
{
    struct daemon_worker *w = call->worker->data;
    struct db *db = daemon_worker_db(w);
    if (db != NULL && db_ping(db) != 0) {
        mark_down(w);
        db = NULL;
    }
    http_reply_no_store(call->req);
    if (db != NULL) {
        http_reply_json(call->req, 200, json_pack("{s:s, s:s}", "status", "ok", "db", "ok"));
        return 0;
    }
    /* /healthz answers anyone, over any transport: the connector's own words (host, port, server
     * messages) stay in the log, the probe learns only that the database cannot be reached */
    http_reply_json(call->req, 503, json_pack("{s:s, s:s, s:s}", "status", "error", "db", "down", "reason",
                                              "the database cannot be reached"));
    return 0;
}

/* The HTTPS rule (DESIGN §10), for every route of both daemons but HTTP_ROUTE_ANY_TRANSPORT ones. */
static int admit(struct http_call *call)
{
    if (call->route->flags & HTTP_ROUTE_ANY_TRANSPORT)
        return 0;
    if (http_is_secure(call))
        return 0;
    struct daemon_worker *w = call->worker->data;
    const struct security_settings *s = security_settings_get(w);
    if (!s->https_required)
        return 0;
    if (w->cfg->dev_mode && http_client_known(call) && cidr_is_loopback(http_client_addr_bytes(call)))
        return 0;
    http_reply_no_store(call->req);
    http_reply_error(call->req, 403, "cartman_https_required",
                     "HTTPS is required: send this request to the https:// address.");
    return -1;
}

struct serve_app {
    const struct config *cfg;
    void *app;
};

static int worker_init(void *app, struct http_worker *hw)
{
    struct serve_app *sa = app;
    struct daemon_worker *w = calloc(1, sizeof *w);
    if (w == NULL)
        abort();
    w->cfg = sa->cfg;
    w->app = sa->app;
    hw->data = w;
    offload_worker_init(hw);
    daemon_worker_db(w); /* connect now when possible; a database that is down is not fatal */
    return 0;
}

static void worker_fini(void *app, struct http_worker *hw)
{
    (void)app;
    struct daemon_worker *w = hw->data;
    offload_worker_fini(hw); /* results of jobs still running come back before the context goes */
    if (w) {
        db_close(w->db);
        free(w);
        hw->data = NULL;
    }
}

int daemon_serve(const struct config *cfg, const char *name, const struct http_route_group *groups, size_t ngroups,
                 void *app)
{
    if (!cfg->tls_cert[0] || !cfg->tls_key[0]) {
        log_error("tls_cert and tls_key are required (CARTMAN_TLS_CERT, CARTMAN_TLS_KEY)");
        return 1;
    }
    struct serve_app sa = {cfg, app};
    struct http_server_config sc = {
        .name = name,
        .listen = cfg->listen,
        .tls_cert = cfg->tls_cert,
        .tls_key = cfg->tls_key,
        .listen_h2c = cfg->listen_h2c[0] ? cfg->listen_h2c : NULL,
        .workers = cfg->workers,
        .access_log = cfg->access_log,
        .trusted_proxies = &cfg->trusted,
        .proxy_forwarded = cfg->proxy_forwarded,
        .admit = admit,
        .groups = groups,
        .ngroups = ngroups,
        .app = &sa,
        .worker_init = worker_init,
        .worker_fini = worker_fini,
    };
    log_info("starting on https://%s%s%s", cfg->listen, sc.listen_h2c ? " and cleartext " : "",
             sc.listen_h2c ? sc.listen_h2c : "");
    /* one offload pool per process (common/offload.h), as many threads as workers: it lives from
     * before the first worker starts until after the last one finished */
    if (offload_start(cfg->workers) != 0)
        return 1;
    int rc = http_server_run(&sc);
    offload_stop();
    if (rc == 0)
        log_info("stopped");
    return rc == 0 ? 0 : 1;
}
