/*
 * tests/unit/test_log.c — common/log: line format, threshold, escaping, the access line without its
 * query string, truncation of long lines. stderr is redirected into a pipe and read back.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "tests/tap.h"

static int pipe_rd, saved_stderr;

static void capture_start(void)
{
    int p[2];
    if (pipe(p) != 0)
        abort();
    saved_stderr = dup(STDERR_FILENO);
    dup2(p[1], STDERR_FILENO);
    close(p[1]);
    pipe_rd = p[0];
}

/* Restores stderr and returns what was written (static buffer). */
static const char *capture_end(void)
{
    static char buf[3 * LIMIT_LOG_LINE_BYTES];
    size_t n = 0;
    ssize_t r;
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    while (n < sizeof buf - 1 && (r = read(pipe_rd, buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    close(pipe_rd);
    buf[n] = '\0';
    return buf;
}

/* Skips "2026-11-27T05:48:32.123Z " after checking its shape. */
static const char *after_stamp(const char *line)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ ";
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (line[i] == '\0')
            return NULL;
        if (shape[i] == 'd' ? (line[i] < '0' || line[i] > '9') : line[i] != shape[i])
            return NULL;
    }
    return line + sizeof shape - 1;
}

static void test_format(void)
{
    static const struct {
        enum log_level threshold;
        int which; /* 0 error, 1 warn, 2 info, 3 debug */
        const char *msg;
        const char *want; /* after the timestamp; "" = nothing written */
    } rows[] = {
        {LOG_LEVEL_INFO, 2, "hello", "info authd: hello\n"},
        {LOG_LEVEL_INFO, 0, "boom", "error authd: boom\n"},
        {LOG_LEVEL_INFO, 1, "careful", "warn authd: careful\n"},
        {LOG_LEVEL_INFO, 3, "hidden", ""},
        {LOG_LEVEL_DEBUG, 3, "shown", "debug authd: shown\n"},
        {LOG_LEVEL_ERROR, 1, "hidden", ""},
        {LOG_LEVEL_INFO, 2, "user=bob\ninfo authd: forged", "info authd: user=bob\\x0ainfo authd: forged\n"},
        {LOG_LEVEL_INFO, 2, "tab\there\r\x1b[31m", "info authd: tab\\x09here\\x0d\\x1b[31m\n"},
        {LOG_LEVEL_INFO, 2, "caf\xc3\xa9 ok", "info authd: caf\xc3\xa9 ok\n"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        log_init("authd", rows[i].threshold);
        capture_start();
        switch (rows[i].which) {
        case 0: log_error("%s", rows[i].msg); break;
        case 1: log_warn("%s", rows[i].msg); break;
        case 2: log_info("%s", rows[i].msg); break;
        default: log_debug("%s", rows[i].msg); break;
        }
        const char *got = capture_end();
        char name[64];
        snprintf(name, sizeof name, "format row %zu", i);
        if (rows[i].want[0] == '\0') {
            TAP_EQ_STR(got, "", name);
            continue;
        }
        const char *rest = after_stamp(got);
        tap_ok(rest != NULL, "timestamp shape: %.24s", got);
        TAP_EQ_STR(rest, rows[i].want, name);
    }
}

static void test_access(void)
{
    static const struct {
        const char *method, *path;
        int status;
        const char *version, *client;
        const char *want;
    } rows[] = {
        {"GET", "/cartman/v1/", 200, "HTTP/2", "127.0.0.1", "info apid: access GET /cartman/v1/ 200 123B 456us HTTP/2 127.0.0.1\n"},
        {"GET", "/oauth/authorize?code=SECRET&state=x", 302, "HTTP/1.1", "::1",
         "info apid: access GET /oauth/authorize 302 123B 456us HTTP/1.1 ::1\n"},
        {"POST", "/a b\n/c\\d", 404, "HTTP/2", "10.0.0.1", "info apid: access POST /a\\x20b\\x0a/c\\x5cd 404 123B 456us HTTP/2 10.0.0.1\n"},
        {"G\x01T", "/\xc3\xa9", 405, "HTTP/2", NULL, "info apid: access G\\x01T /\\xc3\\xa9 405 123B 456us HTTP/2 -\n"},
    };
    log_init("apid", LOG_LEVEL_INFO);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        capture_start();
        log_access(rows[i].method, strlen(rows[i].method), rows[i].path, strlen(rows[i].path), rows[i].status, 123, 456,
                   rows[i].version, rows[i].client);
        const char *rest = after_stamp(capture_end());
        char name[64];
        snprintf(name, sizeof name, "access row %zu", i);
        TAP_EQ_STR(rest, rows[i].want, name);
    }
    log_init("apid", LOG_LEVEL_WARN);
    capture_start();
    log_access("GET", 3, "/", 1, 200, 1, 1, "HTTP/2", "127.0.0.1");
    TAP_EQ_STR(capture_end(), "", "access log is info level");
}

static void test_long_line(void)
{
    static char big[2 * LIMIT_LOG_LINE_BYTES];
    memset(big, 'x', sizeof big - 1);
    log_init("authd", LOG_LEVEL_INFO);
    capture_start();
    log_info("%s", big);
    const char *got = capture_end();
    size_t len = strlen(got);
    TAP_EQ_INT(len, LIMIT_LOG_LINE_BYTES, "a long line is cut to LIMIT_LOG_LINE_BYTES");
    tap_ok(len >= 4 && memcmp(got + len - 4, "...\n", 4) == 0, "a cut line ends with ...");
}

static void test_parse(void)
{
    static const struct {
        const char *in;
        int rc;
        enum log_level want;
    } rows[] = {
        {"debug", 0, LOG_LEVEL_DEBUG}, {"info", 0, LOG_LEVEL_INFO},   {"warn", 0, LOG_LEVEL_WARN},
        {"WARNING", 0, LOG_LEVEL_WARN}, {"error", 0, LOG_LEVEL_ERROR}, {"", -1, LOG_LEVEL_INFO},
        {"inf", -1, LOG_LEVEL_INFO},    {"infos", -1, LOG_LEVEL_INFO}, {"trace", -1, LOG_LEVEL_INFO},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        enum log_level got = LOG_LEVEL_INFO;
        int rc = log_level_parse(rows[i].in, strlen(rows[i].in), &got);
        TAP_EQ_INT(rc, rows[i].rc, rows[i].in);
        TAP_EQ_INT(got, rows[i].want, rows[i].in);
    }
}

int main(void)
{
    test_format();
    test_access();
    test_long_line();
    test_parse();
    return tap_done();
}
