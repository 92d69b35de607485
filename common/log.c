/*
 * common/log.c — leveled, line-atomic logging to stderr.
 *
 * Owns: the line format (UTC timestamp with milliseconds, level, daemon name), escaping of control
 * characters, the access-log line, and writing each line with one write(2) of at most
 * LIMIT_LOG_LINE_BYTES (= PIPE_BUF, so even a pipe never splits it).
 * Does not: buffer, rotate files, talk to syslog or decide what is secret — callers never pass
 * secrets; log_access drops query strings itself.
 */
#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"

/* Set once by log_init before any thread starts; read-only afterwards. */
static char log_name[64] = "cartman";
static enum log_level log_threshold = LOG_LEVEL_INFO;

static const char *const log_level_names[] = {"error", "warn", "info", "debug"};

void log_init(const char *name, enum log_level level)
{
    if (name != NULL)
        snprintf(log_name, sizeof log_name, "%s", name);
    log_threshold = level;
}

int log_level_parse(const char *s, size_t len, enum log_level *level)
{
    static const struct {
        const char *name;
        enum log_level level;
    } names[] = {{"error", LOG_LEVEL_ERROR}, {"warn", LOG_LEVEL_WARN},  {"warning", LOG_LEVEL_WARN},
                 {"info", LOG_LEVEL_INFO},   {"debug", LOG_LEVEL_DEBUG}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i].name) == len && strncasecmp(s, names[i].name, len) == 0) {
            *level = names[i].level;
            return 0;
        }
    }
    return -1;
}

int log_enabled(enum log_level level)
{
    return level <= log_threshold;
}

/* A line under construction: never overflows, remembers that it was cut. */
struct log_line {
    char buf[LIMIT_LOG_LINE_BYTES];
    size_t len;
    int cut;
};

static void log_line_add(struct log_line *l, const char *s, size_t n)
{
    size_t room = sizeof l->buf - 1 - l->len; /* keep one byte for the newline */
    if (n > room) {
        n = room;
        l->cut = 1;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

/* Appends s with control characters as \xNN; strict also escapes space, backslash and non-ASCII. */
static void log_line_add_escaped(struct log_line *l, const char *s, size_t n, int strict)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int esc = c < 0x20 || c == 0x7f || (strict && (c == ' ' || c == '\\' || c >= 0x80));
        if (!esc) {
            log_line_add(l, &s[i], 1);
        } else {
            char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            log_line_add(l, e, sizeof e);
        }
    }
}

static void log_line_start(struct log_line *l, enum log_level level)
{
    struct timespec ts;
    struct tm tm;
    char stamp[64];

    l->len = 0;
    l->cut = 0;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(stamp + n, sizeof stamp - n, ".%03ldZ %s %s: ", ts.tv_nsec / 1000000L,
                          log_level_names[level], log_name);
    log_line_add(l, stamp, n < sizeof stamp ? n : sizeof stamp - 1);
}

static void log_line_emit(struct log_line *l)
{
    if (l->cut && l->len >= 3)
        memcpy(l->buf + l->len - 3, "...", 3);
    l->buf[l->len++] = '\n';
    size_t off = 0;
    while (off < l->len) {
        ssize_t w = write(STDERR_FILENO, l->buf + off, l->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere left to complain */
        off += (size_t)w;
    }
}

__attribute__((format(printf, 2, 0))) static void log_v(enum log_level level, const char *fmt, va_list ap)
{
    struct log_line line;
    char msg[LIMIT_LOG_LINE_BYTES];

    if (!log_enabled(level))
        return;
    log_line_start(&line, level);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof msg) {
        n = (int)sizeof msg - 1;
        line.cut = 1;
    }
    log_line_add_escaped(&line, msg, (size_t)n, 0);
    log_line_emit(&line);
}

#define LOG_DEFINE(fn, level)                                                                                          \
    void fn(const char *fmt, ...)                                                                                      \
    {                                                                                                                  \
        va_list ap;                                                                                                    \
        va_start(ap, fmt);                                                                                             \
        log_v(level, fmt, ap);                                                                                         \
        va_end(ap);                                                                                                    \
    }
LOG_DEFINE(log_error, LOG_LEVEL_ERROR)
LOG_DEFINE(log_warn, LOG_LEVEL_WARN)
LOG_DEFINE(log_info, LOG_LEVEL_INFO)
LOG_DEFINE(log_debug, LOG_LEVEL_DEBUG)
#undef LOG_DEFINE

void log_access(const char *method, size_t method_len, const char *path, size_t path_len, int status, uint64_t bytes,
                uint64_t usec, const char *version, const char *client)
{
    struct log_line line;
    char tail[160];

    if (!log_enabled(LOG_LEVEL_INFO))
        return;
    /* Query strings carry secrets (codes, client secrets, tokens): never log them. */
    const char *q = path != NULL ? memchr(path, '?', path_len) : NULL;
    if (q != NULL)
        path_len = (size_t)(q - path);

    log_line_start(&line, LOG_LEVEL_INFO);
    log_line_add(&line, "access ", 7);
    log_line_add_escaped(&line, method != NULL ? method : "-", method != NULL ? method_len : 1, 1);
    log_line_add(&line, " ", 1);
    log_line_add_escaped(&line, path != NULL ? path : "-", path != NULL ? path_len : 1, 1);
    int n = snprintf(tail, sizeof tail, " %d %lluB %lluus %s ", status, (unsigned long long)bytes,
                     (unsigned long long)usec, version != NULL ? version : "-");
    if (n > 0)
        log_line_add(&line, tail, (size_t)n < sizeof tail ? (size_t)n : sizeof tail - 1);
    const char *c = client != NULL && client[0] != '\0' ? client : "-";
    log_line_add_escaped(&line, c, strlen(c), 1);
    log_line_emit(&line);
}
