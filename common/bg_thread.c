/*
 * common/bg_thread.c — starting a daemon's background threads with the stop signals blocked and
 * timing their sleeps on the monotonic clock (common/bg_thread.h).
 *
 * Owns: the signal mask of a new background thread and the deadline arithmetic of a timed wait. Does
 * not: decide when a thread stops (each owner keeps its own stop flag under its own mutex), or start
 * the server's worker threads (common/http_server.c blocks the signals for all of them at once).
 */
#include "common/bg_thread.h"

#include <signal.h>
#include <time.h>

int bg_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old); /* the new thread inherits the mask */
    int rc = pthread_create(thread, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void bg_thread_cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &ca);
    pthread_condattr_destroy(&ca);
}

void bg_thread_wait(pthread_cond_t *cond, pthread_mutex_t *mu, double seconds)
{
    if (!(seconds > 0))
        return;
    if (seconds > 86400.0 * 365) /* far enough; keeps the sum within time_t */
        seconds = 86400.0 * 365;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    time_t whole = (time_t)seconds;
    ts.tv_sec += whole;
    ts.tv_nsec += (long)((seconds - (double)whole) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(cond, mu, &ts);
}
