/*
 * authd/app.h — authd's shared, read-mostly state: built once in main.c before the server starts and
 * handed to every worker (daemon_worker.app). Handlers reach it with authd_app_of(call).
 */
#ifndef AUTHD_APP_H
#define AUTHD_APP_H

#include <stddef.h>

#include "common/config.h"
#include "common/daemon.h"

struct signing_keys;
struct template_set;

struct authd_app {
    const struct config *cfg;
    struct signing_keys *keys; /* authd/signing.h */
    char *metadata_json;       /* RFC 8414 metadata, serialised once (authd/discovery.h) */
    size_t metadata_len;
    struct template_set *templates; /* the pages (cfg->templates_dir), loaded once (common/template.h) */
};

static inline struct authd_app *authd_app_of(struct http_call *call)
{
    return ((struct daemon_worker *)call->worker->data)->app;
}

#endif
