/*
 * tests/bench/bench_refresh.c — load for POST /oauth/token grant_type=refresh_token over HTTP/2.
 *
 *   CARTMAN_DB_* env  bench_refresh URL CAFILE [CHAINS [SECONDS [CONNECTIONS [USER_ID]]]]
 *
 * Refresh tokens are single-use, so a replayed request list (h2load) would measure error answers. Here
 * each of CHAINS chains owns a grant created directly in the database (authd/grants.c, as a sign-in
 * would) and walks it: POST its refresh token, take the new one from the answer, POST that, … — so every
 * request counted is a real refresh grant with rotation (one transaction: SELECT … FOR UPDATE with the
 * capability read, the rotating INSERT … ON DUPLICATE KEY UPDATE, the audit row, commit; then an ES256
 * signature). The chains run concurrently as HTTP/2 streams over
 * CONNECTIONS connections (libcurl multi, multiplexed). Prints one line:
 *   refresh_grants_per_s p50_ms p99_ms ok failed
 * Does not create users or keys, and does not clean up the grants it made (they are ordinary revocable
 * grants of client cartman-mobile for USER_ID).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "authd/grants.h"
#include "tests/test_db_env.h"

#define MAX_CHAINS 1024

struct chain {
    CURL *easy;
    char token[GRANTS_TOKEN_BUF];
    char post[128];
    char body[8192];
    size_t blen;
    double started;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct chain *c = ud;
    size_t len = sz * n;
    if (c->blen + len < sizeof c->body) {
        memcpy(c->body + c->blen, p, len);
        c->blen += len;
    }
    return len;
}

static void arm(CURLM *multi, struct chain *c)
{
    snprintf(c->post, sizeof c->post, "grant_type=refresh_token&client_id=cartman-mobile&refresh_token=%s", c->token);
    curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, c->post);
    c->blen = 0;
    c->started = now_s();
    curl_multi_add_handle(multi, c->easy);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_refresh URL CAFILE [CHAINS [SECONDS [CONNECTIONS [USER_ID]]]]\n");
        return 2;
    }
    const char *url = argv[1], *ca = argv[2];
    int chains = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 128;
    double secs = argc > 4 ? strtod(argv[4], NULL) : 5;
    long conns = argc > 5 ? strtol(argv[5], NULL, 10) : 8;
    uint64_t user = argc > 6 ? strtoull(argv[6], NULL, 10) : 1;
    if (chains < 1 || chains > MAX_CHAINS || secs <= 0 || conns < 1) {
        fprintf(stderr, "bench_refresh: bad arguments\n");
        return 2;
    }
    struct db *db = test_db_connect(NULL);
    if (db == NULL)
        return 1;
    static struct chain cs[MAX_CHAINS];
    for (int i = 0; i < chains; i++) {
        struct grant g;
        if (grants_create(db, user, "cartman-mobile", "orders:read orders:write products:read products:write reports:read tickets:read tickets:write", "password", "127.0.0.1", &g, cs[i].token) != 0) {
            fprintf(stderr, "bench_refresh: cannot create grants\n");
            return 1;
        }
    }
    db_close(db);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
    /* without a per-connection cap, PIPEWAIT multiplexes every chain onto the first connection (and so onto
     * one of the server's worker threads); this spreads them over CONNECTIONS connections */
    curl_multi_setopt(multi, CURLMOPT_MAX_CONCURRENT_STREAMS, (long)((chains + conns - 1) / conns));
    for (int i = 0; i < chains; i++) {
        CURL *e = curl_easy_init();
        cs[i].easy = e;
        curl_easy_setopt(e, CURLOPT_URL, url);
        curl_easy_setopt(e, CURLOPT_CAINFO, ca);
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &cs[i]);
        curl_easy_setopt(e, CURLOPT_PRIVATE, &cs[i]);
        arm(multi, &cs[i]);
    }
    size_t cap = 1 << 22, nlat = 0;
    double *lat = malloc(cap * sizeof *lat);
    long okn = 0, failed = 0;
    double t0 = now_s(), end = t0 + secs, t_ok_end = t0;
    int running = chains;
    while (running > 0) {
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct chain *c;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            long status = 0;
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            curl_multi_remove_handle(multi, m->easy_handle);
            double t = now_s();
            json_t *j = status == 200 ? json_loadb(c->body, c->blen, 0, NULL) : NULL;
            const char *rt = json_string_value(json_object_get(j, "refresh_token"));
            if (rt && strlen(rt) == GRANTS_TOKEN_CHARS) {
                okn++;
                t_ok_end = t;
                if (nlat < cap)
                    lat[nlat++] = t - c->started;
                memcpy(c->token, rt, GRANTS_TOKEN_CHARS + 1);
            } else {
                failed++;
                if (failed < 5)
                    fprintf(stderr, "bench_refresh: HTTP %ld %.*s\n", status, (int)c->blen, c->body);
            }
            json_decref(j);
            if (t < end && rt)
                arm(multi, c);
        }
        if (running > 0)
            curl_multi_poll(multi, NULL, 0, 100, NULL);
        if (running == 0) { /* handles re-armed above are not counted until the next perform */
            curl_multi_perform(multi, &running);
        }
    }
    qsort(lat, nlat, sizeof *lat, cmp_double);
    double el = t_ok_end - t0;
    printf("%.0f %.2f %.2f %ld %ld\n", el > 0 ? (double)okn / el : 0, nlat ? lat[nlat / 2] * 1e3 : 0,
           nlat ? lat[(size_t)((double)nlat * 0.99)] * 1e3 : 0, okn, failed);
    for (int i = 0; i < chains; i++)
        curl_easy_cleanup(cs[i].easy);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    free(lat);
    return failed ? 1 : 0;
}
