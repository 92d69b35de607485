/*
 * tests/unit/test_bg_thread.c — common/bg_thread: a background thread has SIGTERM and SIGINT blocked
 * while its starter's mask is unchanged; a timed wait lasts its time on the monotonic clock, ends
 * early when signalled, and returns at once for no time at all.
 */
#include <signal.h>
#include <stdbool.h>
#include <time.h>

#include "common/bg_thread.h"
#include "common/clock.h"
#include "tests/tap.h"

static void *report_mask(void *arg)
{
    sigset_t *mine = arg;
    pthread_sigmask(SIG_BLOCK, NULL, mine);
    return NULL;
}

static void test_mask(void)
{
    sigset_t before, after, in_thread;
    pthread_sigmask(SIG_BLOCK, NULL, &before);
    tap_ok(!sigismember(&before, SIGTERM) && !sigismember(&before, SIGINT), "the test starts with SIGTERM, SIGINT open");
    pthread_t t;
    TAP_EQ_INT(bg_thread_start(&t, report_mask, &in_thread), 0, "start: 0");
    pthread_join(t, NULL);
    tap_ok(sigismember(&in_thread, SIGTERM) && sigismember(&in_thread, SIGINT),
           "the background thread has SIGTERM and SIGINT blocked");
    pthread_sigmask(SIG_BLOCK, NULL, &after);
    tap_ok(!sigismember(&after, SIGTERM) && !sigismember(&after, SIGINT), "the starter's mask is unchanged");
}

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool go;
} w = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void *wake_soon(void *arg)
{
    (void)arg;
    struct timespec d = {0, 20 * 1000000L};
    nanosleep(&d, NULL);
    pthread_mutex_lock(&w.mu);
    w.go = true;
    pthread_cond_signal(&w.cond);
    pthread_mutex_unlock(&w.mu);
    return NULL;
}

/* Each row: how long to wait, whether another thread signals after 20 ms, and the bounds of the time
 * the wait may take (seconds; the upper bound is loose for a busy machine). */
static void test_wait(void)
{
    static const struct {
        double seconds;
        bool signalled;
        double at_least, at_most;
        const char *name;
    } rows[] = {
        {0.15, false, 0.15, 5.0, "wait 0.15 s: lasts its time"},
        {1.25, false, 1.25, 6.0, "wait 1.25 s: whole and fractional seconds"},
        {30.0, true, 0.0, 5.0, "wait 30 s, signalled after 20 ms: ends early"},
        {0.0, false, 0.0, 0.05, "wait 0 s: returns at once"},
        {-1.0, false, 0.0, 0.05, "a negative wait: returns at once"},
    };
    bg_thread_cond_init(&w.cond);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pthread_t t;
        w.go = false;
        if (rows[i].signalled)
            bg_thread_start(&t, wake_soon, NULL);
        pthread_mutex_lock(&w.mu);
        double t0 = clock_mono_s();
        do
            bg_thread_wait(&w.cond, &w.mu, rows[i].seconds - (clock_mono_s() - t0));
        while (!w.go && clock_mono_s() - t0 < rows[i].seconds); /* spurious wake-ups */
        double took = clock_mono_s() - t0;
        pthread_mutex_unlock(&w.mu);
        if (rows[i].signalled)
            pthread_join(t, NULL);
        tap_ok(took >= rows[i].at_least && took <= rows[i].at_most, "%s (took %.3f s)", rows[i].name, took);
    }
    pthread_cond_destroy(&w.cond);
}

int main(void)
{
    test_mask();
    test_wait();
    return tap_done();
}
