/*
 * common/config_file.c — the `key = value` syntax of the --config file (the format is in the header).
 *
 * Owns: splitting lines, comments, trimming, key syntax, the quoted-value escapes, and line numbers
 * for every error.
 * Does not: know which keys exist or what their values mean (that is the callback's job, in
 * common/config.c), read the file, or expand anything (no variables, includes or sections).
 */
#include "common/config_file.h"

#include <stdbool.h>
#include <string.h>

#include "common/limits.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/* Unescapes the quoted value starting after its opening quote; *s ends after the closing quote. */
static const char *read_quoted(const char **s, const char *e, char *out, size_t cap, size_t *outlen)
{
    size_t n = 0;
    const char *p = *s;
    for (;;) {
        char c;
        if (p >= e)
            return "unterminated quoted value";
        c = *p++;
        if (c == '"')
            break;
        if (c == '\\') {
            if (p >= e)
                return "unterminated quoted value";
            c = *p++;
            if (c == 'n')
                c = '\n';
            else if (c != '"' && c != '\\')
                return "unknown escape in quoted value (only \\\" \\\\ \\n)";
        }
        if (n >= cap)
            return "value longer than LIMIT_CONFIG_VALUE_BYTES";
        out[n++] = c;
    }
    *s = p;
    *outlen = n;
    return NULL;
}

/* One line without its line end. */
static const char *parse_line(const char *s, const char *e, unsigned line, config_file_cb cb, void *ud)
{
    char key[LIMIT_CONFIG_KEY_BYTES + 1];
    char value[LIMIT_CONFIG_VALUE_BYTES + 1];
    const char *eq, *kend, *err;
    size_t keylen, valuelen;

    for (const char *p = s; p < e; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return "control character in line";
    }
    while (s < e && is_blank(*s))
        s++;
    while (e > s && is_blank(e[-1]))
        e--;
    if (s == e || *s == '#')
        return NULL;
    eq = memchr(s, '=', (size_t)(e - s));
    if (eq == NULL)
        return "line has no '='";
    for (kend = eq; kend > s && is_blank(kend[-1]); kend--)
        ;
    keylen = (size_t)(kend - s);
    if (keylen == 0)
        return "empty key";
    for (const char *p = s; p < kend; p++)
        if (!key_char(*p))
            return "key may only contain a-z, 0-9, _ and .";
    if (keylen > LIMIT_CONFIG_KEY_BYTES)
        return "key longer than LIMIT_CONFIG_KEY_BYTES";
    memcpy(key, s, keylen);
    key[keylen] = '\0';

    s = eq + 1;
    while (s < e && is_blank(*s))
        s++;
    if (s < e && *s == '"') {
        s++;
        err = read_quoted(&s, e, value, LIMIT_CONFIG_VALUE_BYTES, &valuelen);
        if (err != NULL)
            return err;
        if (s != e) /* trailing blanks were trimmed above */
            return "text after the closing quote";
    } else {
        valuelen = (size_t)(e - s);
        if (valuelen > LIMIT_CONFIG_VALUE_BYTES)
            return "value longer than LIMIT_CONFIG_VALUE_BYTES";
        memcpy(value, s, valuelen);
    }
    value[valuelen] = '\0';
    if (cb(key, keylen, value, valuelen, line, ud) != 0)
        return "setting refused";
    return NULL;
}

int config_file_parse(const char *src, size_t len, config_file_cb cb, void *ud, const char **err, unsigned *err_line)
{
    const char *p = src, *end = src + len;
    unsigned line = 0;

    if (err_line != NULL)
        *err_line = 0;
    if (len > (size_t)LIMIT_CONFIG_FILE_BYTES) {
        *err = "config file larger than LIMIT_CONFIG_FILE_BYTES";
        return -1;
    }
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p)), *next, *msg;
        next = eol ? eol + 1 : end;
        if (eol == NULL)
            eol = end;
        if (eol > p && eol[-1] == '\r')
            eol--;
        line++;
        msg = parse_line(p, eol, line, cb, ud);
        if (msg != NULL) {
            *err = msg;
            if (err_line != NULL)
                *err_line = line;
            return -1;
        }
        p = next;
    }
    return 0;
}
