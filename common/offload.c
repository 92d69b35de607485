/*
 * common/offload.c — the process's pool of threads for blocking work, and the way results get back to
 * the worker loop that owns the request.
 *
 * Owns: a bounded FIFO of jobs, the pool threads, one h2o_multithread receiver per worker, and the
 * dispose hook on req->pool that tells a finished job its request is gone. Deliberately does not:
 * cancel a job that is running (bcrypt cannot be interrupted; its result is dropped), prioritise, or
 * grow past LIMIT_OFFLOAD_QUEUE (callers answer 503 instead).
 *
 * Ownership of a job: malloc'd at submit; the pool thread runs work() and posts the job to the
 * worker's receiver; the receiver (on the worker's loop) calls done() if the request is alive, then
 * free_data() and frees the job. A small handle in req->pool points at the job; its dispose callback
 * (run on the same loop when the request's pool is cleared) clears job->call, and the receiver clears
 * handle->job before done() runs, so neither outlives the other. Both run on the worker's thread:
 * no lock is needed between them.
 */
#include "common/offload.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/bg_thread.h"
#include "common/http_reply.h"
#include "common/limits.h"
#include "common/log.h"

struct offload_worker;

struct offload_job {
    h2o_multithread_message_t super; /* first: the receiver gets it back as a message */
    struct offload_job *next;        /* the pool's FIFO */
    struct offload_worker *ow;
    struct http_call *call; /* NULL once the request went away */
    struct offload_handle *handle;
    offload_work_fn work;
    offload_done_fn done;
    void *data;
    void (*free_data)(void *);
};

struct offload_handle {
    struct offload_job *job; /* NULL once the result came back */
};

struct offload_worker {
    h2o_multithread_receiver_t receiver;
    h2o_context_t *ctx;
    atomic_uint in_flight; /* submitted, not yet back through the receiver */
    atomic_bool closing;
    bool registered;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct offload_job *head, *tail;
    unsigned queued;
    bool running, stopping;
    unsigned nthreads;
    pthread_t threads[LIMIT_OFFLOAD_THREADS];
    atomic_uint pending;
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static struct offload_worker workers[LIMIT_WORKERS];

static void *pool_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&pool.mu);
        while (pool.head == NULL && !pool.stopping)
            pthread_cond_wait(&pool.cv, &pool.mu);
        struct offload_job *job = pool.head;
        if (job == NULL) { /* stopping and drained */
            pthread_mutex_unlock(&pool.mu);
            return NULL;
        }
        pool.head = job->next;
        if (pool.head == NULL)
            pool.tail = NULL;
        pool.queued--;
        pthread_mutex_unlock(&pool.mu);
        if (!atomic_load(&job->ow->closing))
            job->work(job->data);
        h2o_multithread_send_message(&job->ow->receiver, &job->super);
    }
}

static void free_job(struct offload_job *job)
{
    if (job->free_data)
        job->free_data(job->data);
    atomic_fetch_sub(&job->ow->in_flight, 1);
    atomic_fetch_sub(&pool.pending, 1);
    free(job);
}

static void on_results(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    /* walk the list without unlinking each job (they are freed as we go), then leave it empty */
    h2o_linklist_t *node = messages->next;
    while (node != messages) {
        h2o_linklist_t *next = node->next;
        struct offload_job *job = (struct offload_job *)H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, node);
        node = next;
        if (job->call != NULL) {
            job->handle->job = NULL;
            /* a closing worker's loop has stopped: no answer is sent, the connection goes with the server */
            if (!atomic_load(&job->ow->closing))
                job->done(job->call, job->data);
        }
        free_job(job);
    }
    h2o_linklist_init_anchor(messages);
}

static void on_request_disposed(void *p)
{
    struct offload_handle *h = p;
    if (h->job != NULL)
        h->job->call = NULL;
}

int offload_start(unsigned nthreads)
{
    if (nthreads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        nthreads = n > 0 ? (unsigned)n : 2;
    }
    if (nthreads > LIMIT_OFFLOAD_THREADS)
        nthreads = LIMIT_OFFLOAD_THREADS;
    pthread_mutex_lock(&pool.mu);
    pool.stopping = false;
    pool.nthreads = 0;
    int rc = 0;
    for (unsigned i = 0; i < nthreads; i++) {
        if (bg_thread_start(&pool.threads[i], pool_main, NULL) != 0) {
            log_error("offload: cannot start a pool thread");
            rc = -1;
            break;
        }
        pool.nthreads++;
    }
    pool.running = pool.nthreads > 0;
    pthread_mutex_unlock(&pool.mu);
    if (rc != 0)
        offload_stop();
    return rc;
}

void offload_stop(void)
{
    pthread_mutex_lock(&pool.mu);
    pool.stopping = true;
    pool.running = false;
    pthread_cond_broadcast(&pool.cv);
    unsigned n = pool.nthreads;
    pthread_mutex_unlock(&pool.mu);
    for (unsigned i = 0; i < n; i++)
        pthread_join(pool.threads[i], NULL);
    pool.nthreads = 0;
}

void offload_worker_init(struct http_worker *w)
{
    struct offload_worker *ow = &workers[w->index];
    ow->ctx = w->ctx;
    atomic_store(&ow->in_flight, 0);
    atomic_store(&ow->closing, false);
    h2o_multithread_register_receiver(w->ctx->queue, &ow->receiver, on_results);
    ow->registered = true;
}

void offload_worker_fini(struct http_worker *w)
{
    struct offload_worker *ow = &workers[w->index];
    if (!ow->registered)
        return;
    atomic_store(&ow->closing, true);
    /* results still on their way come back through the queue: run the loop until they are in */
    while (atomic_load(&ow->in_flight) > 0)
        h2o_evloop_run(ow->ctx->loop, 10);
    h2o_multithread_unregister_receiver(ow->ctx->queue, &ow->receiver);
    ow->registered = false;
}

int offload_submit(struct http_call *call, offload_work_fn work, offload_done_fn done, void *data,
                   void (*free_data)(void *))
{
    struct offload_worker *ow = &workers[call->worker->index];
    if (!ow->registered || atomic_load(&ow->closing))
        return -1;
    struct offload_job *job = calloc(1, sizeof *job);
    if (job == NULL)
        abort();
    pthread_mutex_lock(&pool.mu);
    if (!pool.running || pool.queued >= LIMIT_OFFLOAD_QUEUE) {
        pthread_mutex_unlock(&pool.mu);
        free(job);
        return -1;
    }
    struct offload_handle *h = h2o_mem_alloc_shared(&call->req->pool, sizeof *h, on_request_disposed);
    h->job = job;
    *job = (struct offload_job){.ow = ow, .call = call, .handle = h, .work = work, .done = done, .data = data,
                                .free_data = free_data};
    atomic_fetch_add(&ow->in_flight, 1);
    atomic_fetch_add(&pool.pending, 1);
    if (pool.tail)
        pool.tail->next = job;
    else
        pool.head = job;
    pool.tail = job;
    pool.queued++;
    pthread_cond_signal(&pool.cv);
    pthread_mutex_unlock(&pool.mu);
    return 0;
}

int offload_submit_or_reply(struct http_call *call, offload_work_fn work, offload_done_fn done, void *data,
                            void (*free_data)(void *))
{
    if (offload_submit(call, work, done, data, free_data) == 0)
        return 0;
    if (free_data)
        free_data(data);
    http_reply_set_header(call->req, "retry-after", "1");
    http_reply_error(call->req, 503, "cartman_busy", "The server is busy; try again in a moment.");
    return -1;
}

unsigned offload_pending(void)
{
    return atomic_load(&pool.pending);
}
