/*
 * common/daemon.h — what both daemons do around their routes: the command line
 * (`[--config FILE] COMMAND [ARGS]`), loading the configuration, one database connection per worker
 * (opened lazily and reopened after an outage), /healthz, and the `serve` loop.
 */
#ifndef COMMON_DAEMON_H
#define COMMON_DAEMON_H

#include "common/config.h"
#include "common/db.h"
#include "common/http_server.h"

struct daemon_args {
    const char *config_path; /* --config FILE, or NULL */
    const char *command;     /* "serve" when none is given */
    int argc;                /* the command's own arguments */
    char **argv;
};

/* Splits argv; prints usage and returns -1 on --help or a malformed line (exit status in *status). */
int daemon_parse_args(int argc, char **argv, const char *usage, struct daemon_args *out, int *status);

/* Loads the configuration and starts logging. 0, or -1 after printing why. */
int daemon_load_config(const char *name, enum config_daemon which, const struct daemon_args *args, struct config *cfg);

/* Connects for a one-shot command (migrate, seed-demo); NULL after logging why. */
struct db *daemon_db_open(const struct config *cfg);

/* Per-worker state: each worker thread owns one database connection. */
struct daemon_worker {
    const struct config *cfg;
    void *app; /* the daemon's shared, read-mostly state (daemon_serve's app argument) */
    struct db *db;
    double retry_at; /* monotonic seconds: no reconnect attempt before this after a failure */
    char down_reason[200];
};

/* The worker's connection, connecting or reconnecting if needed; NULL when the database is down
 * (the reason is in w->down_reason). */
struct db *daemon_worker_db(struct daemon_worker *w);

/* The worker's connection for a handler; when the database is down it answers 503
 * cartman_db_unavailable and returns NULL (the handler then returns 0). */
struct db *daemon_db_or_reply(struct http_call *call);

struct store_options; /* common/store.h */

/* daemon_db_or_reply, then the store's options read now (store_options_load: not cached, as a write
 * needs them) into opt; NULL after answering 503 cartman_db_unavailable when either fails. */
struct db *daemon_store_or_reply(struct http_call *call, struct store_options *opt);

/* GET /healthz: {"status":"ok","db":"ok"}, or 503 {"status":"error","db":"down","reason":…}. */
int daemon_healthz(struct http_call *call);

/* Runs the server with the daemon's route groups until SIGTERM/SIGINT; every worker's
 * daemon_worker.app is app. Also runs the process's offload pool (common/offload.h) for as long as
 * the server runs, attached to every worker's loop. Returns the exit status. */
int daemon_serve(const struct config *cfg, const char *name, const struct http_route_group *groups, size_t ngroups,
                 void *app);

#endif
