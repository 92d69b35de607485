/*
 * common/http_server.c — the libh2o server: listeners, TLS, worker threads, dispatch, shutdown.
 *
 * Owns: address parsing and SO_REUSEPORT listening sockets (bound before any thread starts, so
 * "port in use" fails the start cleanly), the TLS context (TLS 1.2+, ALPN h2/http/1.1), one event
 * loop + h2o context per worker, the single h2o handler that applies the header/path/body caps and
 * the router before calling the route's handler, who the client is (the peer, or what a trusted
 * proxy's Forwarded / X-Forwarded-* header says: common/forwarded.c), the access log, and the graceful
 * shutdown. Does not: authenticate, rate-limit or enforce HTTPS (the daemons do, in their admit hook
 * and handlers), serve files, proxy, or compress. The access log shows the TCP peer.
 *
 * h2c: h2o 2.2.5 itself recognises the HTTP/2 connection preface ("PRI * HTTP/2.0") on a cleartext
 * HTTP/1 connection when globalconf.http1.upgrade_to_http2 is set (the default; lib/http1.c hands the
 * socket to h2o_http2_accept), and also honours "Upgrade: h2c". So the cleartext listener simply
 * uses h2o_accept without a TLS context.
 *
 * Shutdown, per worker, after the signal thread sets `stop` and wakes every loop:
 *   1. stop accepting: close this worker's listening sockets;
 *   2. h2o_context_request_shutdown: HTTP/2 connections get GOAWAY (a second one, with the last
 *      stream id, one second later); HTTP/1 responses go out with "Connection: close";
 *   3. idle HTTP/1 keep-alive connections and unfinished TLS handshakes are closed at once (their
 *      10 s timeouts are cut to 0) — h2o 2.2.5 would otherwise keep them until those timeouts;
 *   4. the loop runs until every accepted connection has closed, at most LIMIT_SHUTDOWN_GRACE_MS
 *      (h2o closes HTTP/2 stragglers itself shortly before that);
 *   5. worker_fini, then the h2o context and the loop are disposed.
 * A connection still open after the grace period (a handler that never answered) is abandoned
 * with a warning, and that worker's context is not disposed, since h2o still references it.
 */
#include "common/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/forwarded.h"
#include "common/http_reply.h"
#include "common/limits.h"
#include "common/log.h"

#define HTTP_SERVER_MAX_LISTENERS 2
#define HTTP_SERVER_ACCEPT_BATCH 32 /* connections accepted per wake-up of a listener */

struct http_server_addr {
    struct sockaddr_storage ss;
    socklen_t len;
    int tls;
    char text[96]; /* as configured, for log lines */
};

struct http_server_worker;

/* One listening socket of one worker. */
struct http_server_listener {
    h2o_socket_t *sock;
    h2o_accept_ctx_t accept_ctx;
    struct http_server_worker *worker;
};

struct http_server_worker {
    struct http_worker pub;
    struct http_server *srv;
    pthread_t thread;
    int thread_started;
    int fds[HTTP_SERVER_MAX_LISTENERS]; /* bound and listening; -1 once h2o owns them */
    struct http_server_listener listeners[HTTP_SERVER_MAX_LISTENERS];
    h2o_context_t ctx;
    h2o_multithread_receiver_t wake; /* the signal thread pokes the loop through it */
    size_t nconns;                   /* accepted connections not yet closed (this thread only) */
    int inited;                      /* worker_init succeeded */
};

struct http_server {
    const struct http_server_config *cfg;
    struct http_router *router;
    h2o_globalconf_t globalconf;
    int globalconf_inited;
    SSL_CTX *ssl_ctx;
    struct http_server_addr addrs[HTTP_SERVER_MAX_LISTENERS];
    size_t naddrs;
    unsigned nworkers;
    struct http_server_worker *workers;
    atomic_int stop;
    /* start-up handshake between the main thread and the workers */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    unsigned nready, nfailed, nfinished;
    int go; /* 0 wait, 1 serve, -1 abort */
};

struct http_server_handler {
    h2o_handler_t super;
    struct http_server *srv;
};

/* ---- small helpers ---------------------------------------------------------------------------- */

static void http_server_peer(h2o_conn_t *conn, char *buf, size_t cap)
{
    struct sockaddr_storage ss;
    socklen_t len = conn->callbacks->get_peername != NULL ? conn->callbacks->get_peername(conn, (void *)&ss) : 0;
    buf[0] = '\0';
    if (len == 0)
        return;
    if (ss.ss_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, (socklen_t)cap);
    } else if (ss.ss_family == AF_INET6) {
        const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) /* a dual-stack listener: show the IPv4 address */
            inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)cap);
        else
            inet_ntop(AF_INET6, a, buf, (socklen_t)cap);
    }
}

static const char *http_server_version(int version)
{
    if (version >= 0x200)
        return "HTTP/2";
    return version == 0x101 ? "HTTP/1.1" : "HTTP/1.0";
}

static uint64_t http_server_usec_between(const struct timeval *a, const struct timeval *b)
{
    int64_t us = ((int64_t)b->tv_sec - a->tv_sec) * 1000000 + ((int64_t)b->tv_usec - a->tv_usec);
    return us > 0 ? (uint64_t)us : 0;
}

static void http_server_log_access(h2o_logger_t *self, h2o_req_t *req)
{
    char client[INET6_ADDRSTRLEN];
    struct timeval now;
    (void)self;
    /* h2o's own timestamps are cached per loop iteration (millisecond steps, and the response end
     * often equals the start): measure from the iteration that began reading the request to now,
     * when the response has been handed to the connection. */
    gettimeofday(&now, NULL);
    http_server_peer(req->conn, client, sizeof client);
    log_access(req->input.method.base, req->input.method.len, req->input.path.base, req->input.path.len,
               req->res.status, req->bytes_sent, http_server_usec_between(&req->timestamps.request_begin_at, &now),
               http_server_version(req->version), client);
}

/* ---- h2o's per-thread caches -------------------------------------------------------------------
 * h2o 2.2.5 keeps freed memory in per-thread free lists (pool chunks, socket read buffers, 80 KiB
 * HTTP/2 write buffers) that nothing releases when a thread ends. Rather than reach into h2o's
 * thread-local storage, a worker that has finished parks here until the process exits: its lists stay
 * reachable (LeakSanitizer scans live threads' TLS), exactly as in a single-threaded h2o program. A
 * daemon therefore runs http_server_run once per process. */

static pthread_mutex_t http_server_park_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t http_server_park_cond = PTHREAD_COND_INITIALIZER;

_Noreturn static void http_server_park(void)
{
    pthread_mutex_lock(&http_server_park_mu);
    for (;;)
        pthread_cond_wait(&http_server_park_cond, &http_server_park_mu);
}

/* ---- the request path ------------------------------------------------------------------------- */

static int http_server_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    struct http_server *srv = ((struct http_server_handler *)self)->srv;
    struct http_server_worker *w = H2O_STRUCT_FROM_MEMBER(struct http_server_worker, ctx, req->conn->ctx);

    size_t header_bytes = 0;
    for (size_t i = 0; i != req->headers.size; ++i)
        header_bytes += req->headers.entries[i].name->len + req->headers.entries[i].value.len;
    if (header_bytes > LIMIT_REQUEST_HEADERS_BYTES) {
        http_reply_error(req, 431, "cartman_headers_too_large", "The request headers are too large.");
        return 0;
    }
    if (req->path.len > LIMIT_PATH_BYTES) {
        http_reply_error(req, 414, "cartman_uri_too_long", "The request URI is too long.");
        return 0;
    }

    struct http_call *call = h2o_mem_alloc_pool(&req->pool, sizeof *call);
    call->req = req;
    call->worker = &w->pub;
    call->route = NULL;
    call->query_state_ = 0;
    call->query_err_ = NULL;
    call->query_ = NULL;
    call->nquery_ = 0;
    call->client_state_ = 0;
    call->client_[0] = '\0';

    size_t path_len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    unsigned method = http_method_parse(req->method.base, req->method.len);
    switch (http_router_match(srv->router, method, req->path.base, path_len, &call->match_)) {
    case HTTP_MATCH_OK:
        break;
    case HTTP_MATCH_NOT_FOUND:
        http_reply_error(req, 404, "rest_no_route", "No route was found matching the URL and request method.");
        return 0;
    case HTTP_MATCH_METHOD_NOT_ALLOWED: {
        char allow[96];
        http_methods_format(call->match_.allowed, allow, sizeof allow);
        http_reply_set_header(req, "allow", allow);
        http_reply_error(req, 405, "rest_no_route", "No route was found matching the URL and request method.");
        return 0;
    }
    case HTTP_MATCH_BAD_PATH:
        log_debug("bad request path: %s", call->match_.reason);
        http_reply_error(req, 400, "cartman_bad_request", "The request path is malformed.");
        return 0;
    }

    const struct http_route *route = call->match_.route;
    call->route = route;
    if (route->flags & HTTP_ROUTE_NO_STORE)
        http_reply_no_store(req);
    if (req->entity.base != NULL && req->entity.len > route->max_body) {
        http_reply_error(req, 413, "cartman_body_too_large", "The request body is too large.");
        return 0;
    }
    if (srv->cfg->admit != NULL && srv->cfg->admit(call) != 0)
        return 0;
    if (route->handler(call) != 0 && req->res.status == 0)
        http_reply_error(req, 500, "cartman_internal_error", "Internal server error.");
    return 0;
}

const char *http_param(struct http_call *call, const char *name, size_t *len)
{
    return http_match_param(&call->match_, name, len);
}

bool http_param_id(struct http_call *call, const char *name, uint64_t *out)
{
    return http_match_param_id(&call->match_, name, out);
}

int http_query_fields(struct http_call *call, const struct form_field **fields, size_t *n, const char **err)
{
    if (call->query_state_ == 0) {
        h2o_req_t *req = call->req;
        call->query_state_ = 1;
        call->nquery_ = 0;
        if (req->query_at != SIZE_MAX && req->query_at + 1 < req->path.len) {
            call->query_ = h2o_mem_alloc_pool(&req->pool, sizeof *call->query_ * LIMIT_FORM_FIELDS);
            if (form_urlencoded_parse(&req->pool, req->path.base + req->query_at + 1, req->path.len - req->query_at - 1,
                                      call->query_, LIMIT_FORM_FIELDS, &call->nquery_, &call->query_err_) != 0)
                call->query_state_ = -1;
        }
    }
    *fields = call->query_;
    *n = call->query_state_ > 0 ? call->nquery_ : 0;
    if (call->query_state_ < 0) {
        if (err != NULL)
            *err = call->query_err_;
        return -1;
    }
    return 0;
}

const char *http_query(struct http_call *call, const char *name, size_t *len)
{
    const struct form_field *f;
    size_t n;
    if (http_query_fields(call, &f, &n, NULL) != 0)
        return NULL;
    const struct form_field *hit = form_find(f, n, name);
    if (hit == NULL)
        return NULL;
    if (len != NULL)
        *len = hit->value_len;
    return hit->value;
}

int http_body_form(struct http_call *call, const struct form_field **fields, size_t *n, const char **err)
{
    static const char form_type[] = "application/x-www-form-urlencoded";
    h2o_req_t *req = call->req;
    size_t tlen = 0;
    const char *type = http_header(call, "content-type", &tlen);
    *fields = NULL;
    *n = 0;
    if (type == NULL || tlen < sizeof form_type - 1 || strncasecmp(type, form_type, sizeof form_type - 1) != 0 ||
        (tlen > sizeof form_type - 1 && type[sizeof form_type - 1] != ';' && type[sizeof form_type - 1] != ' ')) {
        *err = "Content-Type is not application/x-www-form-urlencoded";
        return -1;
    }
    struct form_field *f = h2o_mem_alloc_pool(&req->pool, sizeof *f * LIMIT_FORM_FIELDS);
    if (form_urlencoded_parse(&req->pool, req->entity.base != NULL ? req->entity.base : "", req->entity.len, f,
                              LIMIT_FORM_FIELDS, n, err) != 0)
        return -1;
    *fields = f;
    return 0;
}

const char *http_header(struct http_call *call, const char *name, size_t *len)
{
    ssize_t i = h2o_find_header_by_str(&call->req->headers, name, strlen(name), -1);
    if (i < 0)
        return NULL;
    if (len != NULL)
        *len = call->req->headers.entries[i].value.len;
    return call->req->headers.entries[i].value.base;
}

bool http_is_tls(const struct http_call *call)
{
    h2o_conn_t *conn = call->req->conn;
    h2o_socket_t *sock = conn->callbacks->get_socket != NULL ? conn->callbacks->get_socket(conn) : NULL;
    return sock != NULL && sock->ssl != NULL;
}

/* Every value of header name joined with ", " (in req->pool), or NULL when there is none. */
static const char *http_server_joined_header(h2o_req_t *req, const char *name, size_t *len)
{
    size_t nlen = strlen(name), total = 0, count = 0;
    for (ssize_t i = -1; (i = h2o_find_header_by_str(&req->headers, name, nlen, i)) != -1;) {
        total += req->headers.entries[i].value.len;
        count++;
    }
    if (count == 0)
        return NULL;
    char *out = h2o_mem_alloc_pool(&req->pool, total + 2 * count);
    size_t o = 0;
    for (ssize_t i = -1; (i = h2o_find_header_by_str(&req->headers, name, nlen, i)) != -1;) {
        if (o != 0) {
            out[o++] = ',';
            out[o++] = ' ';
        }
        memcpy(out + o, req->headers.entries[i].value.base, req->headers.entries[i].value.len);
        o += req->headers.entries[i].value.len;
    }
    *len = o;
    return out;
}

/* Resolves the client once per request: the peer, or who a trusted proxy forwards for. */
static void http_server_resolve_client(struct http_call *call)
{
    if (call->client_state_ != 0)
        return;
    call->client_state_ = 1;
    h2o_req_t *req = call->req;
    /* a call made outside a server (unit tests) has no worker and so no trusted proxies */
    const struct http_server_config *cfg =
        call->worker != NULL ? H2O_STRUCT_FROM_MEMBER(struct http_server_worker, pub, call->worker)->srv->cfg : NULL;
    struct sockaddr_storage ss;
    socklen_t sl = req->conn->callbacks->get_peername != NULL ? req->conn->callbacks->get_peername(req->conn, (void *)&ss)
                                                              : 0;
    uint8_t *peer = call->client_addr_;
    memset(peer, 0, 16);
    call->client_known_ = false;
    call->secure_ = http_is_tls(call);
    if (sl != 0 && ss.ss_family == AF_INET) {
        peer[10] = peer[11] = 0xff;
        memcpy(peer + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
        call->client_known_ = true;
    } else if (sl != 0 && ss.ss_family == AF_INET6) {
        memcpy(peer, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
        call->client_known_ = true;
    }
    if (call->client_known_ && cfg != NULL && cfg->trusted_proxies != NULL && cfg->trusted_proxies->n > 0 &&
        cidr_list_match(cfg->trusted_proxies, peer)) {
        struct forwarded_hop hops[LIMIT_FORWARDED_HOPS];
        size_t n = 0, len = 0, plen = 0;
        struct forwarded_client c;
        bool usable = true;
        if (cfg->proxy_forwarded) {
            const char *v = http_server_joined_header(req, "forwarded", &len), *err = NULL;
            if (v != NULL && forwarded_parse(v, len, hops, LIMIT_FORWARDED_HOPS, &n, &err) != 0) {
                log_debug("Forwarded from trusted proxy ignored: %s", err);
                usable = false;
            }
        } else {
            const char *xff = http_server_joined_header(req, "x-forwarded-for", &len);
            const char *xfp = http_server_joined_header(req, "x-forwarded-proto", &plen);
            n = forwarded_parse_x(xff, len, xfp, plen, hops, LIMIT_FORWARDED_HOPS);
        }
        if (usable) {
            forwarded_client(hops, n, cfg->trusted_proxies, peer, &c);
            memcpy(peer, c.addr, 16);
            call->client_known_ = c.known;
            if (c.proto == FORWARDED_PROTO_HTTPS)
                call->secure_ = true;
            else if (c.proto != FORWARDED_PROTO_NONE)
                call->secure_ = false;
        } else {
            call->client_known_ = false; /* the proxy's own address stands in */
        }
    }
    if (sl != 0)
        cidr_addr_format(peer, call->client_, sizeof call->client_);
}

const char *http_client_addr(struct http_call *call)
{
    http_server_resolve_client(call);
    return call->client_;
}

const uint8_t *http_client_addr_bytes(struct http_call *call)
{
    http_server_resolve_client(call);
    return call->client_addr_;
}

bool http_client_known(struct http_call *call)
{
    http_server_resolve_client(call);
    return call->client_known_;
}

bool http_is_secure(struct http_call *call)
{
    http_server_resolve_client(call);
    return call->secure_;
}

/* ---- connections ------------------------------------------------------------------------------ */

static void http_server_on_close(void *data)
{
    struct http_server_worker *w = data;
    w->nconns--;
}

static void http_server_on_accept(h2o_socket_t *listener, const char *err)
{
    struct http_server_listener *l = listener->data;
    if (err != NULL)
        return;
    for (int i = 0; i < HTTP_SERVER_ACCEPT_BATCH; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL)
            break;
        l->worker->nconns++;
        sock->on_close.cb = http_server_on_close;
        sock->on_close.data = l->worker;
        h2o_accept(&l->accept_ctx, sock);
    }
}

/* The signal thread only sends NULL messages: they wake the loop (which then sees srv->stop) without
 * reaching this callback. h2o requires one. */
static void http_server_on_wake(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    h2o_linklist_init_anchor(messages); /* nothing is ever queued here */
}

/* ---- workers ---------------------------------------------------------------------------------- */

/* Steps 1-4 of the shutdown (see the top of the file). 0 when every connection closed in time. */
static int http_server_drain(struct http_server_worker *w)
{
    struct http_server *srv = w->srv;
    h2o_loop_t *loop = w->ctx.loop;

    for (size_t i = 0; i < srv->naddrs; i++)
        h2o_socket_read_stop(w->listeners[i].sock);
    h2o_evloop_run(loop, 0);
    for (size_t i = 0; i < srv->naddrs; i++) {
        h2o_socket_close(w->listeners[i].sock);
        w->listeners[i].sock = NULL;
    }
    h2o_context_request_shutdown(&w->ctx);
    /* h2o_timeout_t.timeout is read when the timeouts run: 0 fires the pending entries at once */
    w->ctx.http1.req_timeout.timeout = 0;
    w->ctx.handshake_timeout.timeout = 0;

    uint64_t deadline = h2o_now(loop) + LIMIT_SHUTDOWN_GRACE_MS;
    while (w->nconns > 0) {
        uint64_t now = h2o_now(loop);
        if (now >= deadline)
            break;
        h2o_evloop_run(loop, (int32_t)(deadline - now));
    }
    if (w->nconns > 0) {
        log_warn("worker %u: %zu connection(s) still open after %d ms; abandoning them", w->pub.index, w->nconns,
                 LIMIT_SHUTDOWN_GRACE_MS);
        return -1;
    }
    /* the second-GOAWAY / straggler timer h2o armed in request_shutdown may still be pending */
    if (h2o_timeout_is_linked(&w->ctx.http2._graceful_shutdown_timeout))
        h2o_timeout_unlink(&w->ctx.http2._graceful_shutdown_timeout);
    return 0;
}

static void *http_server_worker_main(void *arg)
{
    struct http_server_worker *w = arg;
    struct http_server *srv = w->srv;
    const struct http_server_config *cfg = srv->cfg;

    h2o_context_init(&w->ctx, h2o_evloop_create(), &srv->globalconf);
    w->pub.ctx = &w->ctx;
    h2o_multithread_register_receiver(w->ctx.queue, &w->wake, http_server_on_wake);
    w->inited = cfg->worker_init == NULL || cfg->worker_init(cfg->app, &w->pub) == 0;

    pthread_mutex_lock(&srv->mu);
    if (w->inited)
        srv->nready++;
    else
        srv->nfailed++;
    pthread_cond_broadcast(&srv->cond);
    while (srv->go == 0)
        pthread_cond_wait(&srv->cond, &srv->mu);
    int go = srv->go;
    pthread_mutex_unlock(&srv->mu);

    int drained = 1;
    if (w->inited && go > 0) {
        for (size_t i = 0; i < srv->naddrs; i++) {
            struct http_server_listener *l = &w->listeners[i];
            l->worker = w;
            l->accept_ctx.ctx = &w->ctx;
            l->accept_ctx.hosts = srv->globalconf.hosts;
            l->accept_ctx.ssl_ctx = srv->addrs[i].tls ? srv->ssl_ctx : NULL;
            l->sock = h2o_evloop_socket_create(w->ctx.loop, w->fds[i], H2O_SOCKET_FLAG_DONT_READ);
            w->fds[i] = -1;
            l->sock->data = l;
            h2o_socket_read_start(l->sock, http_server_on_accept);
        }
        while (!atomic_load(&srv->stop))
            h2o_evloop_run(w->ctx.loop, INT32_MAX);
        drained = http_server_drain(w) == 0;
    }

    if (w->inited && cfg->worker_fini != NULL)
        cfg->worker_fini(cfg->app, &w->pub);
    if (drained) {
        h2o_loop_t *loop = w->ctx.loop;
        h2o_multithread_unregister_receiver(w->ctx.queue, &w->wake);
        h2o_context_dispose(&w->ctx);
        h2o_evloop_destroy(loop);
    }
    /* the last touch of srv: after this the main thread may free it */
    pthread_mutex_lock(&srv->mu);
    srv->nfinished++;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->mu);
    http_server_park();
}

/* ---- start-up --------------------------------------------------------------------------------- */

/* "127.0.0.1:8443", "[::1]:8443", "*:8443" or ":8443" (all IPv4 addresses). Numeric hosts only. */
static int http_server_parse_addr(const char *text, int tls, struct http_server_addr *a)
{
    char host[64], port[8];
    const char *colon = strrchr(text, ':');
    size_t hlen = colon != NULL ? (size_t)(colon - text) : 0;
    size_t plen = colon != NULL ? strlen(colon + 1) : 0;

    if (colon == NULL || plen == 0 || plen >= sizeof port || strspn(colon + 1, "0123456789") != plen) {
        log_error("listen address %s: expected host:port", text);
        return -1;
    }
    const char *h = text;
    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen >= sizeof host) {
        log_error("listen address %s: host too long", text);
        return -1;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    if (hlen == 0 || strcmp(host, "*") == 0)
        snprintf(host, sizeof host, "0.0.0.0");
    memcpy(port, colon + 1, plen + 1);
    unsigned long p = strtoul(port, NULL, 10);
    if (p > 65535) {
        log_error("listen address %s: bad port", text);
        return -1;
    }

    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || res == NULL) {
        log_error("listen address %s: %s (a numeric IPv4 or IPv6 address is expected)", text, gai_strerror(rc));
        if (res != NULL)
            freeaddrinfo(res);
        return -1;
    }
    memcpy(&a->ss, res->ai_addr, res->ai_addrlen);
    a->len = res->ai_addrlen;
    a->tls = tls;
    snprintf(a->text, sizeof a->text, "%s", text);
    freeaddrinfo(res);
    return 0;
}

static uint16_t http_server_port(const struct http_server_addr *a)
{
    return ntohs(a->ss.ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)&a->ss)->sin6_port
                                              : ((const struct sockaddr_in *)&a->ss)->sin_port);
}

/* A listening socket; reuseport: share the port with the other workers' sockets. -1 after logging. */
static int http_server_listen(struct http_server_addr *a, int reuseport)
{
    int on = 1;
    int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        log_error("listen %s: socket: %s", a->text, strerror(errno));
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)) {
        log_error("listen %s: setsockopt: %s", a->text, strerror(errno));
        close(fd);
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&a->ss, a->len) != 0) {
        log_error("listen %s: bind: %s", a->text, strerror(errno));
        close(fd);
        return -1;
    }
    if (reuseport && listen(fd, SOMAXCONN) != 0) {
        log_error("listen %s: listen: %s", a->text, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Opens every worker's socket for listener i. A probe bind without SO_REUSEPORT first: with it, a
 * second daemon on the same port would silently share the traffic instead of failing. */
static int http_server_open_listener(struct http_server *srv, size_t i)
{
    struct http_server_addr *a = &srv->addrs[i];
    if (http_server_port(a) != 0) {
        int probe = http_server_listen(a, 0);
        if (probe < 0)
            return -1;
        close(probe);
    }
    for (unsigned k = 0; k < srv->nworkers; k++) {
        if ((srv->workers[k].fds[i] = http_server_listen(a, 1)) < 0)
            return -1;
        if (k == 0 && http_server_port(a) == 0) { /* port 0: the others join the port the kernel chose */
            a->len = sizeof a->ss;
            getsockname(srv->workers[k].fds[i], (struct sockaddr *)&a->ss, &a->len);
        }
    }
    return 0;
}

static void http_server_log_ssl_error(const char *what, const char *file)
{
    char buf[256];
    unsigned long e = ERR_get_error();
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    log_error("TLS: %s %s: %s", what, file != NULL ? file : "", e != 0 ? buf : "unknown error");
}

static SSL_CTX *http_server_tls(const struct http_server_config *cfg)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        http_server_log_ssl_error("SSL_CTX_new", NULL);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* TLS 1.2: forward-secret AEAD suites only (also what HTTP/2 requires); TLS 1.3 keeps its defaults */
    if (SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
        http_server_log_ssl_error("cipher list", NULL);
        goto fail;
    }
    if (cfg->tls_cert == NULL || SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
        http_server_log_ssl_error("cannot load the certificate", cfg->tls_cert);
        goto fail;
    }
    if (cfg->tls_key == NULL || SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1) {
        http_server_log_ssl_error("cannot load the private key", cfg->tls_key);
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        http_server_log_ssl_error("the private key does not match the certificate", cfg->tls_key);
        goto fail;
    }
    h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

static void http_server_globalconf(struct http_server *srv)
{
    h2o_globalconf_t *gc = &srv->globalconf;
    h2o_config_init(gc);
    srv->globalconf_inited = 1;
    gc->server_name = h2o_iovec_init(H2O_STRLIT("")); /* no Server header: no version banner */
    /* h2o refuses bodies over this itself, before routing (plain text on HTTP/1.1, a reset stream on
     * HTTP/2); a floor keeps the common case, a small body sent where none or less is allowed, on our
     * JSON 413 path. */
    size_t max_body = http_router_max_body(srv->router);
    gc->max_request_entity_size = max_body > LIMIT_REQUEST_BODY_PREAUTH ? max_body : LIMIT_REQUEST_BODY_PREAUTH;
    /* h2o sends the second GOAWAY after 1 s, then closes HTTP/2 stragglers after this: inside our grace */
    gc->http2.graceful_shutdown_timeout = LIMIT_SHUTDOWN_GRACE_MS > 1500 ? LIMIT_SHUTDOWN_GRACE_MS - 1500 : 1;
    h2o_hostconf_t *host = h2o_config_register_host(gc, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    struct http_server_handler *h = (void *)h2o_create_handler(path, sizeof *h);
    h->super.on_req = http_server_on_req;
    h->srv = srv;
    if (srv->cfg->access_log) {
        h2o_logger_t *logger = h2o_create_logger(path, sizeof *logger);
        logger->log_access = http_server_log_access;
    }
}

static void http_server_free(struct http_server *srv)
{
    if (srv->workers != NULL) {
        for (unsigned k = 0; k < srv->nworkers; k++)
            for (size_t i = 0; i < HTTP_SERVER_MAX_LISTENERS; i++)
                if (srv->workers[k].fds[i] >= 0)
                    close(srv->workers[k].fds[i]);
        free(srv->workers);
    }
    if (srv->globalconf_inited)
        h2o_config_dispose(&srv->globalconf);
    SSL_CTX_free(srv->ssl_ctx);
    http_router_free(srv->router);
    pthread_mutex_destroy(&srv->mu);
    pthread_cond_destroy(&srv->cond);
    free(srv);
}

/* Waits until every started worker has finished (they then park: see http_server_park). */
static void http_server_wait_finished(struct http_server *srv)
{
    unsigned started = 0;
    for (unsigned k = 0; k < srv->nworkers; k++)
        started += srv->workers[k].thread_started ? 1u : 0u;
    pthread_mutex_lock(&srv->mu);
    while (srv->nfinished < started)
        pthread_cond_wait(&srv->cond, &srv->mu);
    pthread_mutex_unlock(&srv->mu);
}

/* Tells the started workers to go (1) or give up (-1), then, when giving up, waits for them. */
static void http_server_release(struct http_server *srv, int go)
{
    pthread_mutex_lock(&srv->mu);
    srv->go = go;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->mu);
    if (go < 0) {
        http_server_wait_finished(srv);
    }
}

static unsigned http_server_nworkers(unsigned want)
{
    if (want == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        want = n > 0 ? (unsigned)n : 1;
    }
    if (want > LIMIT_WORKERS) {
        log_warn("%u workers requested; using LIMIT_WORKERS (%d)", want, LIMIT_WORKERS);
        want = LIMIT_WORKERS;
    }
    return want;
}

int http_server_run(const struct http_server_config *cfg)
{
    const char *err = NULL;
    sigset_t sigs, old;
    int rc = -1;

    struct http_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL) {
        log_error("http_server_run: out of memory");
        return -1;
    }
    srv->cfg = cfg;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->cond, NULL);
    atomic_init(&srv->stop, 0);

    if ((srv->router = http_router_create(cfg->groups, cfg->ngroups, &err)) == NULL) {
        log_error("route table: %s", err);
        goto out;
    }
    if (cfg->listen != NULL && cfg->listen[0] != '\0') {
        if (http_server_parse_addr(cfg->listen, 1, &srv->addrs[srv->naddrs]) != 0)
            goto out;
        srv->naddrs++;
        if ((srv->ssl_ctx = http_server_tls(cfg)) == NULL)
            goto out;
    }
    if (cfg->listen_h2c != NULL && cfg->listen_h2c[0] != '\0') {
        if (http_server_parse_addr(cfg->listen_h2c, 0, &srv->addrs[srv->naddrs]) != 0)
            goto out;
        srv->naddrs++;
    }
    if (srv->naddrs == 0) {
        log_error("no listener configured");
        goto out;
    }
    srv->nworkers = http_server_nworkers(cfg->workers);
    if ((srv->workers = calloc(srv->nworkers, sizeof *srv->workers)) == NULL) {
        log_error("http_server_run: out of memory");
        goto out;
    }
    for (unsigned k = 0; k < srv->nworkers; k++) {
        srv->workers[k].srv = srv;
        srv->workers[k].pub.index = k;
        for (size_t i = 0; i < HTTP_SERVER_MAX_LISTENERS; i++)
            srv->workers[k].fds[i] = -1;
    }
    for (size_t i = 0; i < srv->naddrs; i++)
        if (http_server_open_listener(srv, i) != 0)
            goto out;
    http_server_globalconf(srv);

    /* Workers inherit this mask: only the sigwait below ever sees SIGTERM/SIGINT. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, &old);
    signal(SIGPIPE, SIG_IGN);

    for (unsigned k = 0; k < srv->nworkers; k++) {
        int e = pthread_create(&srv->workers[k].thread, NULL, http_server_worker_main, &srv->workers[k]);
        if (e != 0) {
            log_error("cannot start worker thread %u: %s", k, strerror(e));
            pthread_mutex_lock(&srv->mu);
            srv->nfailed += srv->nworkers - k; /* the ones never started */
            pthread_mutex_unlock(&srv->mu);
            break;
        }
        srv->workers[k].thread_started = 1;
        pthread_detach(srv->workers[k].thread);
    }
    pthread_mutex_lock(&srv->mu);
    while (srv->nready + srv->nfailed < srv->nworkers)
        pthread_cond_wait(&srv->cond, &srv->mu);
    int failed = srv->nfailed != 0;
    pthread_mutex_unlock(&srv->mu);
    if (failed) {
        log_error("%s: a worker failed to start; stopping", cfg->name != NULL ? cfg->name : "server");
        http_server_release(srv, -1);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        goto out;
    }
    http_server_release(srv, 1);
    for (size_t i = 0; i < srv->naddrs; i++)
        log_info("listening on %s://%s (port %u, %s)", srv->addrs[i].tls ? "https" : "http", srv->addrs[i].text,
                 http_server_port(&srv->addrs[i]), srv->addrs[i].tls ? "HTTP/2 and HTTP/1.1 over TLS" : "HTTP/1.1 and h2c");
    log_info("%u worker(s) serving; access log %s", srv->nworkers, cfg->access_log ? "on" : "off");

    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    log_info("received %s, shutting down (grace %d ms)", sig == SIGINT ? "SIGINT" : "SIGTERM", LIMIT_SHUTDOWN_GRACE_MS);
    atomic_store(&srv->stop, 1);
    for (unsigned k = 0; k < srv->nworkers; k++)
        h2o_multithread_send_message(&srv->workers[k].wake, NULL);
    http_server_wait_finished(srv);
    /* a second SIGTERM/SIGINT that arrived meanwhile would kill the process as soon as the mask is
     * restored, before the daemon's own clean-up: consume it */
    struct timespec zero = {0, 0};
    while (sigtimedwait(&sigs, NULL, &zero) > 0)
        ;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    log_info("all workers stopped");
    rc = 0;
out:
    http_server_free(srv);
    return rc;
}
