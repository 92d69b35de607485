/*
 * tests/tap.h — a tiny TAP producer for the C unit tests, read by `prove`.
 *
 * Each test binary prints "ok N - name" / "not ok N - name" lines and a plan at the end.
 * Comparison helpers print both sides on failure so a red line says why.
 */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

__attribute__((format(printf, 2, 3), unused)) static int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    ++tap_count;
    if (!cond)
        ++tap_failed;
    printf("%s %d - ", cond ? "ok" : "not ok", tap_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    return cond;
}

__attribute__((format(printf, 1, 2), unused)) static void tap_diag(const char *fmt, ...)
{
    va_list ap;
    fputs("# ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* Compare two counted byte strings; print both on mismatch. */
__attribute__((unused)) static int tap_eq_mem(const void *got, size_t got_len, const void *want, size_t want_len,
                                              const char *name)
{
    int same = got_len == want_len && (got_len == 0 || memcmp(got, want, got_len) == 0);
    tap_ok(same, "%s", name);
    if (!same)
        tap_diag("  got:  '%.*s' (%zu bytes)\n#   want: '%.*s' (%zu bytes)", (int)got_len, got ? (const char *)got : "",
                 got_len, (int)want_len, want ? (const char *)want : "", want_len);
    return same;
}

__attribute__((unused)) static int tap_eq_str(const char *got, const char *want, const char *name)
{
    return tap_eq_mem(got, got ? strlen(got) : 0, want, want ? strlen(want) : 0, name);
}
#define TAP_EQ_STR(got, want, name) tap_eq_str((got), (want), (name))

#define TAP_EQ_INT(got, want, name)                                                                                        \
    do {                                                                                                                   \
        long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);                                                   \
        if (!tap_ok(tap_g_ == tap_w_, "%s", (name)))                                                                      \
            tap_diag("  got: %lld, want: %lld", tap_g_, tap_w_);                                                           \
    } while (0)

/* Ends the test: prints the plan and returns the process exit status. */
__attribute__((unused)) static int tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
