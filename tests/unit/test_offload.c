/*
 * tests/unit/test_offload.c — common/offload on a real h2o event loop: a job runs off the loop and its
 * result comes back on the loop's thread; a request that went away meanwhile gets no done() but its data
 * is still freed; a full queue refuses the submission; worker_fini waits for jobs in flight.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/offload.h"
#include "tests/tap.h"

static pthread_t loop_thread;
static atomic_int done_calls, freed, worked;
static atomic_bool work_on_loop_thread, done_off_loop_thread;
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open = true;

static void work(void *data)
{
    (void)data;
    if (pthread_equal(pthread_self(), loop_thread))
        atomic_store(&work_on_loop_thread, true);
    pthread_mutex_lock(&gate_mu);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    atomic_fetch_add(&worked, 1);
}

static void done(struct http_call *call, void *data)
{
    (void)call;
    (void)data;
    if (!pthread_equal(pthread_self(), loop_thread))
        atomic_store(&done_off_loop_thread, true);
    atomic_fetch_add(&done_calls, 1);
}

static void free_data(void *data)
{
    free(data);
    atomic_fetch_add(&freed, 1);
}

static void set_gate(bool open)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = open;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

static void run_until(h2o_context_t *ctx, atomic_int *counter, int want)
{
    for (int i = 0; i < 500 && atomic_load(counter) < want; i++)
        h2o_evloop_run(ctx->loop, 10);
}

int main(void)
{
    loop_thread = pthread_self();
    h2o_globalconf_t conf;
    h2o_config_init(&conf);
    h2o_config_register_host(&conf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_context_t ctx;
    h2o_context_init(&ctx, h2o_evloop_create(), &conf);
    struct http_worker hw = {.index = 0, .data = NULL, .ctx = &ctx};
    TAP_EQ_INT(offload_start(1), 0, "pool starts");
    offload_worker_init(&hw);

    /* a request that stays: done() on the loop thread, then free */
    h2o_req_t req;
    h2o_init_request(&req, NULL, NULL);
    struct http_call call = {.req = &req, .worker = &hw};
    TAP_EQ_INT(offload_submit(&call, work, done, malloc(8), free_data), 0, "submitted");
    run_until(&ctx, &freed, 1);
    TAP_EQ_INT(atomic_load(&done_calls), 1, "done() ran once");
    TAP_EQ_INT(atomic_load(&freed), 1, "data freed after done()");
    TAP_EQ_INT(atomic_load(&work_on_loop_thread), 0, "work ran off the loop thread");
    TAP_EQ_INT(atomic_load(&done_off_loop_thread), 0, "done ran on the loop thread");

    /* a request that goes away while its job runs: no done(), data still freed */
    set_gate(false);
    TAP_EQ_INT(offload_submit(&call, work, done, malloc(8), free_data), 0, "submitted again");
    h2o_mem_clear_pool(&req.pool); /* the client went away: the pool's dispose hooks run */
    set_gate(true);
    run_until(&ctx, &freed, 2);
    TAP_EQ_INT(atomic_load(&done_calls), 1, "no done() for a request that went away");
    TAP_EQ_INT(atomic_load(&freed), 2, "… its data is freed all the same");

    /* a full queue: the one running job blocks, LIMIT_OFFLOAD_QUEUE wait, the next is refused */
    h2o_req_t req2;
    h2o_init_request(&req2, NULL, NULL);
    struct http_call call2 = {.req = &req2, .worker = &hw};
    set_gate(false);
    int accepted = 0, refused = 0;
    for (int i = 0; i < LIMIT_OFFLOAD_QUEUE + 10; i++) {
        if (offload_submit(&call2, work, done, NULL, NULL) == 0)
            accepted++;
        else
            refused++;
        if (i == 0)
            for (int k = 0; k < 100 && atomic_load(&worked) == 2 && offload_pending() > 0; k++)
                h2o_evloop_run(ctx.loop, 1); /* let the thread pick the first job up */
    }
    tap_ok(accepted >= LIMIT_OFFLOAD_QUEUE && accepted <= LIMIT_OFFLOAD_QUEUE + 1 && refused > 0,
           "a full queue refuses: %d accepted, %d refused", accepted, refused);
    TAP_EQ_INT(offload_pending(), accepted, "pending counts them");
    set_gate(true);
    run_until(&ctx, &done_calls, 1 + accepted);
    TAP_EQ_INT(atomic_load(&done_calls), 1 + accepted, "every accepted job came back");
    TAP_EQ_INT(offload_pending(), 0, "nothing pending");

    /* worker_fini waits for a job in flight and drops its result */
    set_gate(false);
    offload_submit(&call2, work, done, malloc(8), free_data);
    int before = atomic_load(&done_calls);
    set_gate(true);
    offload_worker_fini(&hw);
    TAP_EQ_INT(atomic_load(&freed), 3, "worker_fini waited for the job and freed its data");
    tap_ok(atomic_load(&done_calls) == before, "… without calling done() on a closing worker");
    TAP_EQ_INT(offload_submit(&call2, work, done, NULL, NULL), -1, "a finished worker takes no jobs");
    offload_stop();
    h2o_mem_clear_pool(&req2.pool);
    h2o_context_dispose(&ctx);
    h2o_evloop_destroy(ctx.loop);
    h2o_config_dispose(&conf);
    return tap_done();
}
