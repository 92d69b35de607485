/*
 * common/offload.h — a small pool of threads for blocking work (bcrypt, phpass, argon2), so that it
 * never runs on an event loop.
 *
 *   static void work(void *d)                       { ...slow check, on a pool thread... }
 *   static void done(struct http_call *call, void *d) { ...back on the request's worker loop... }
 *   if (offload_submit_or_reply(call, work, done, job, free_job) != 0) return 0; // 503 already sent
 *   return 0;                                        // answered later, from done()
 *
 * One pool per process, started and stopped by common/daemon.c around the server (offload_start,
 * offload_stop) and attached to each worker's loop by its worker_init/worker_fini
 * (offload_worker_init, offload_worker_fini). Results come back through the worker's
 * h2o_multithread queue (worker->ctx->queue). A request that went away meanwhile (client closed
 * the connection) is noticed through a dispose hook on req->pool: done() is then not called, and
 * the job's data is released with free_data.
 *
 * The queue is bounded (LIMIT_OFFLOAD_QUEUE jobs waiting): when it is full the submission fails and
 * offload_submit_or_reply answers 503 cartman_busy with Retry-After.
 */
#ifndef COMMON_OFFLOAD_H
#define COMMON_OFFLOAD_H

#include "common/http_server.h"

typedef void (*offload_work_fn)(void *data);                        /* pool thread: may block */
typedef void (*offload_done_fn)(struct http_call *call, void *data); /* worker loop: must answer the request */

/* Starts nthreads pool threads (0: one per CPU, at most LIMIT_OFFLOAD_THREADS), with SIGTERM/SIGINT
 * blocked in them. 0, or -1 (logged). */
int offload_start(unsigned nthreads);
/* Finishes the jobs already queued and joins the threads. Call after every worker_fini ran. */
void offload_stop(void);

/* On the worker's thread, in worker_init / worker_fini (before the context is disposed). fini waits
 * for the worker's jobs in flight, discarding their results. */
void offload_worker_init(struct http_worker *w);
void offload_worker_fini(struct http_worker *w);

/* Queues work(data) on the pool; then done(call, data) runs on call's worker loop if the request is
 * still there, and free_data(data) (may be NULL) runs in every case afterwards. 0 queued; -1 when the
 * queue is full or the pool is not running (nothing was called; data is still the caller's). */
int offload_submit(struct http_call *call, offload_work_fn work, offload_done_fn done, void *data,
                   void (*free_data)(void *));

/* offload_submit; on failure answers 503 cartman_busy with Retry-After: 1 and frees data (free_data). */
int offload_submit_or_reply(struct http_call *call, offload_work_fn work, offload_done_fn done, void *data,
                            void (*free_data)(void *));

/* Jobs waiting or running now (for tests and health). */
unsigned offload_pending(void);

#endif
