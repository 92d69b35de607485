/*
 * common/log.h — one line per event on stderr.
 *
 *   2026-11-27T05:48:32.123Z info authd: message
 *
 * Every line leaves in a single write(2), so lines from several threads never interleave. Control
 * characters in a message are escaped (\n becomes \x0a): request data cannot forge log lines.
 * Call log_init() once, before starting threads.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Sets the daemon name shown on every line and the most verbose level written (default: "cartman", info). */
void log_init(const char *name, enum log_level level);

/* "debug", "info", "warn" (or "warning") or "error", case-insensitive. 0, or -1 for anything else. */
int log_level_parse(const char *s, size_t len, enum log_level *level);

/* Whether a line at this level would be written (to skip building expensive messages). */
int log_enabled(enum log_level level);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * One access-log line at info level:
 *   ... info apid: access GET /cartman/v1/orders 200 123B 456us HTTP/2 127.0.0.1
 * The path is cut at the first '?' here, whatever the caller passes: query strings carry secrets
 * (OAuth codes, client secrets, passwords in misbehaving clients) and must never reach a log.
 * Method and path are escaped: bytes outside printable ASCII, spaces and backslashes become \xNN.
 */
void log_access(const char *method, size_t method_len, const char *path, size_t path_len, int status, uint64_t bytes,
                uint64_t usec, const char *version, const char *client);

#endif
