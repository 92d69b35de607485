/*
 * common/config_file.h — the `key = value` file given with --config.
 *
 * One entry per line (LF or CRLF line ends):
 *   # a comment           '#' starts a comment only as the first non-blank byte of a line
 *   key = value           blanks (space, tab) around key and value are trimmed; the value may be empty
 *   key = "a value"       a double-quoted value keeps its blanks and '#'; escapes \" \\ \n only
 * Keys are [a-z0-9_.]+, lowercase only (so `DB_HOST` is an error, not a second spelling of
 * db_host), at most LIMIT_CONFIG_KEY_BYTES. An unquoted value runs to the end of the line, '#'
 * included: there are no trailing comments (passwords contain '#'). Single quotes are ordinary bytes.
 * A leading UTF-8 byte order mark is skipped. Duplicate keys are passed on as they come; the
 * callback decides what a repeat means.
 *
 * Errors, each with its line number: a line without '=', an empty or invalid key, an unterminated
 * quote, another escape, text after the closing quote, a control byte other than tab (NUL
 * included), a value over LIMIT_CONFIG_VALUE_BYTES. A file over LIMIT_CONFIG_FILE_BYTES is an
 * error on line 0.
 */
#ifndef COMMON_CONFIG_FILE_H
#define COMMON_CONFIG_FILE_H

#include <stddef.h>

/*
 * Called for each entry, in file order. key and value are NUL-terminated copies in the parser's own
 * buffers (lengths given too; the value of a quoted entry is unescaped and may contain '\n'); they
 * are valid only during the call, so copy what you keep. line is 1-based. Return 0 to go on, or -1
 * to stop the parse (an unknown key, a bad value): keep the reason in ud, config_file_parse reports
 * "setting refused" on that line.
 */
typedef int (*config_file_cb)(const char *key, size_t keylen, const char *value, size_t valuelen, unsigned line,
                              void *ud);

/*
 * Parses len bytes (not NUL-terminated). Returns 0 when every entry was accepted, or -1 with *err set
 * to a static message and *err_line (if err_line is not NULL) to its line, 0 for the whole file.
 */
int config_file_parse(const char *src, size_t len, config_file_cb cb, void *ud, const char **err, unsigned *err_line);

#endif
