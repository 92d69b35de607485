/*
 * common/bg_thread.h — the background threads of a daemon (the offload pool, apid's JWKS fetcher,
 * revocation refresher and mail sender): started so that they never take SIGTERM or SIGINT (the
 * server's sigwait does), and put to sleep on a condition variable that keeps monotonic time, so that
 * a change of the wall clock neither wakes them early nor keeps them asleep.
 *
 *     bg_thread_cond_init(&x.cond);                      // once, before the thread starts
 *     if (bg_thread_start(&x.thread, x_main, NULL) != 0) // ... failure: pthread_create's error
 *     // in x_main, holding x.mu:
 *     bg_thread_wait(&x.cond, &x.mu, 5.0);               // until signalled or 5 s have passed
 */
#ifndef COMMON_BG_THREAD_H
#define COMMON_BG_THREAD_H

#include <pthread.h>

/* pthread_create with SIGTERM and SIGINT blocked in the new thread; the caller's mask is unchanged.
 * 0, or pthread_create's error number. */
int bg_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

/* Initialises cond for bg_thread_wait (CLOCK_MONOTONIC). */
void bg_thread_cond_init(pthread_cond_t *cond);

/* Waits on cond (holding mu, as pthread_cond_wait) until it is signalled or seconds have passed on the
 * monotonic clock; seconds <= 0 returns at once (mu still held). Spurious wake-ups are the caller's to
 * tell apart, as always with condition variables. */
void bg_thread_wait(pthread_cond_t *cond, pthread_mutex_t *mu, double seconds);

#endif
