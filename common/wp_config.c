/*
 * common/wp_config.c — the database settings and $table_prefix of a wp-config.php text.
 *
 * Owns: a PHP tokenizer just good enough to tell code from inline HTML, comments, strings and
 * heredocs; recognition of define('KEY', 'literal') and `$table_prefix = 'literal';`; PHP's string
 * unescaping; wpdb::parse_db_host()'s splitting of DB_HOST.
 * Does not: run or evaluate PHP (constants, getenv(), if/else, include), read files, or look at any
 * other setting of the file. When the value cannot be known without running PHP, it says so.
 */
#include "common/wp_config.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

enum tok_kind {
    TOK_EOF,
    TOK_STRING, /* s/n: the bytes between the quotes */
    TOK_IDENT,
    TOK_VAR,    /* s/n: the name without '$' */
    TOK_OP,     /* operators and punctuation */
    TOK_END,    /* ';' or '?>' (which ends a statement too) */
    TOK_OTHER,  /* numbers */
};

struct token {
    enum tok_kind kind;
    const char *s;
    size_t n;
    char quote;        /* strings: '\'', '"', '`', or '<' for heredoc/nowdoc */
    bool interpolated; /* "...$x..." or "{$x}" */
};

struct lexer {
    const char *p;
    const char *end;
    bool in_php;
    bool has_pushed;
    struct token pushed;
    const char *err;
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool name_start(char ch)
{
    unsigned char c = (unsigned char)ch;
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static bool name_char(char c)
{
    return name_start(c) || is_digit(c);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool at(const struct lexer *lx, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(lx->end - lx->p) >= n && memcmp(lx->p, lit, n) == 0;
}

static int lex_fail(struct lexer *lx, const char *msg)
{
    lx->err = msg;
    return -1;
}

/* Inline HTML up to "<?php" + whitespace/end, or "<?=". */
static void skip_html(struct lexer *lx)
{
    while (lx->p < lx->end) {
        size_t left = (size_t)(lx->end - lx->p);
        if (left >= 3 && memcmp(lx->p, "<?=", 3) == 0) {
            lx->p += 3;
            lx->in_php = true;
            return;
        }
        if (left >= 5 && lx->p[0] == '<' && lx->p[1] == '?' && strncasecmp(lx->p + 2, "php", 3) == 0 &&
            (left == 5 || is_space(lx->p[5]))) {
            lx->p += 5;
            lx->in_php = true;
            return;
        }
        lx->p++;
    }
}

/* From s (after the opening quote q), the position of the closing quote, skipping \x; NULL if none. */
static const char *quoted_end(const char *s, const char *end, char q)
{
    while (s < end && *s != q) {
        if (*s == '\\' && end - s >= 2)
            s += 2;
        else if (*s == '\\')
            return NULL;
        else
            s++;
    }
    return s < end ? s : NULL;
}

/* From s at '{', past the matching '}' of a "{$...}" / "${...}" interpolation; NULL if none. */
static const char *braces_end(const char *s, const char *end)
{
    unsigned depth = 0;
    while (s < end) {
        if (*s == '{') {
            depth++;
        } else if (*s == '}') {
            if (--depth == 0)
                return s + 1;
        } else if (*s == '\'' || *s == '"') {
            s = quoted_end(s + 1, end, *s);
            if (s == NULL)
                return NULL;
        }
        s++;
    }
    return NULL;
}

/* "..." or `...` at lx->p. */
static int lex_dq(struct lexer *lx, struct token *t)
{
    char q = *lx->p;
    const char *s = lx->p + 1, *i = s;
    bool interp = false;

    while (i < lx->end && *i != q) {
        if (*i == '\\') {
            if (lx->end - i < 2)
                break;
            i += 2;
        } else if (*i == '$' && lx->end - i >= 2 && name_start(i[1])) {
            interp = true;
            i++;
        } else if ((*i == '$' || *i == '{') && lx->end - i >= 2 && i[1] == (*i == '$' ? '{' : '$')) {
            interp = true;
            i = braces_end(*i == '$' ? i + 1 : i, lx->end);
            if (i == NULL)
                break;
        } else {
            i++;
        }
    }
    if (i == NULL || i >= lx->end || *i != q)
        return lex_fail(lx, "unterminated string");
    *t = (struct token){TOK_STRING, s, (size_t)(i - s), q, interp || q == '`'};
    lx->p = i + 1;
    return 0;
}

/* <<<ID, <<<"ID" or <<<'ID' at lx->p; ends at a line whose first non-blank text is ID (PHP 7.3+). */
static int lex_heredoc(struct lexer *lx, struct token *t)
{
    const char *i = lx->p + 3, *id, *line;
    size_t idn;
    char q = 0;

    while (i < lx->end && (*i == ' ' || *i == '\t'))
        i++;
    if (i < lx->end && (*i == '"' || *i == '\''))
        q = *i++;
    id = i;
    while (i < lx->end && name_char(*i))
        i++;
    idn = (size_t)(i - id);
    if (idn == 0 || is_digit(*id) || (q && (i >= lx->end || *i++ != q)))
        return lex_fail(lx, "malformed heredoc");
    if (i < lx->end && *i == '\r')
        i++;
    if (i >= lx->end || *i != '\n')
        return lex_fail(lx, "malformed heredoc");
    line = ++i;
    for (;;) {
        const char *j = line;
        while (j < lx->end && (*j == ' ' || *j == '\t'))
            j++;
        if ((size_t)(lx->end - j) >= idn && memcmp(j, id, idn) == 0 && (j + idn == lx->end || !name_char(j[idn]))) {
            *t = (struct token){TOK_STRING, i, (size_t)(line - i), '<', true};
            lx->p = j + idn;
            return 0;
        }
        line = memchr(j, '\n', (size_t)(lx->end - j));
        if (line == NULL)
            return lex_fail(lx, "unterminated heredoc");
        line++;
    }
}

/* Longest operator at lx->p. */
static size_t op_length(const struct lexer *lx)
{
    static const char *const ops[] = {
        "===", "!==", "<=>", "**=", "...", "<<=", ">>=", "?\?=", "?->", "==", "!=", "<>", "<=", ">=",
        "=>",  "->",  "::",  "++",  "--",  "+=",  "-=",  "*=",  "/=",  ".=", "%=", "&=", "|=", "^=",
        "&&",  "||",  "??",  "<<",  ">>",  "**",
    };
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (at(lx, ops[k]))
            return strlen(ops[k]);
    return 1;
}

static int next_token(struct lexer *lx, struct token *t)
{
    if (lx->has_pushed) {
        *t = lx->pushed;
        lx->has_pushed = false;
        return 0;
    }
    for (;;) {
        const char *s;
        if (!lx->in_php)
            skip_html(lx);
        while (lx->p < lx->end && is_space(*lx->p))
            lx->p++;
        if (lx->p >= lx->end) {
            *t = (struct token){TOK_EOF, lx->p, 0, 0, false};
            return 0;
        }
        s = lx->p;
        if (at(lx, "?>")) {
            lx->p += 2;
            lx->in_php = false;
            *t = (struct token){TOK_END, s, 2, 0, false};
            return 0;
        }
        if (*s == '#' || at(lx, "//")) { /* to the end of the line or "?>", whichever comes first */
            while (lx->p < lx->end && *lx->p != '\n' && !at(lx, "?>"))
                lx->p++;
            continue;
        }
        if (at(lx, "/*")) {
            const char *e = memmem(s + 2, (size_t)(lx->end - s - 2), "*/", 2);
            if (e == NULL)
                return lex_fail(lx, "unterminated comment");
            lx->p = e + 2;
            continue;
        }
        if ((*s == 'b' || *s == 'B') && lx->end - s >= 2 && (s[1] == '\'' || s[1] == '"'))
            s = ++lx->p; /* b'...' binary string prefix */
        if (*s == '\'') {
            const char *e = quoted_end(s + 1, lx->end, '\'');
            if (e == NULL)
                return lex_fail(lx, "unterminated string");
            *t = (struct token){TOK_STRING, s + 1, (size_t)(e - s - 1), '\'', false};
            lx->p = e + 1;
            return 0;
        }
        if (*s == '"' || *s == '`')
            return lex_dq(lx, t);
        if (at(lx, "<<<"))
            return lex_heredoc(lx, t);
        if (*s == '$' && lx->end - s >= 2 && name_start(s[1])) {
            lx->p++;
            while (lx->p < lx->end && name_char(*lx->p))
                lx->p++;
            *t = (struct token){TOK_VAR, s + 1, (size_t)(lx->p - s - 1), 0, false};
            return 0;
        }
        if (name_start(*s)) {
            while (lx->p < lx->end && name_char(*lx->p))
                lx->p++;
            *t = (struct token){TOK_IDENT, s, (size_t)(lx->p - s), 0, false};
            return 0;
        }
        if (is_digit(*s) || (*s == '.' && lx->end - s >= 2 && is_digit(s[1]))) {
            while (lx->p < lx->end && (name_char(*lx->p) || *lx->p == '.'))
                lx->p++;
            *t = (struct token){TOK_OTHER, s, (size_t)(lx->p - s), 0, false};
            return 0;
        }
        if (*s == ';') {
            lx->p++;
            *t = (struct token){TOK_END, s, 1, 0, false};
            return 0;
        }
        lx->p += op_length(lx);
        *t = (struct token){TOK_OP, s, (size_t)(lx->p - s), 0, false};
        return 0;
    }
}

static void push_back(struct lexer *lx, const struct token *t)
{
    lx->pushed = *t;
    lx->has_pushed = true;
}

static bool is_op(const struct token *t, const char *op)
{
    return t->kind == TOK_OP && t->n == strlen(op) && memcmp(t->s, op, t->n) == 0;
}

static bool is_literal(const struct token *t)
{
    return t->kind == TOK_STRING && (t->quote == '\'' || t->quote == '"') && !t->interpolated;
}

enum { UNESCAPE_OK = 0, UNESCAPE_TOO_LONG = -1, UNESCAPE_NUL = -2, UNESCAPE_INVALID = -3 };

/* Appends byte c; keeps room for the NUL. */
static int emit(char *dst, size_t cap, size_t *n, unsigned c)
{
    if (c == 0)
        return UNESCAPE_NUL;
    if (*n + 1 >= cap)
        return UNESCAPE_TOO_LONG;
    dst[(*n)++] = (char)c;
    return UNESCAPE_OK;
}

static int emit_utf8(char *dst, size_t cap, size_t *n, uint32_t cp)
{
    unsigned char b[4];
    int k = 0, rc = UNESCAPE_OK;
    if (cp < 0x80) {
        b[k++] = (unsigned char)cp;
    } else if (cp < 0x800) {
        b[k++] = (unsigned char)(0xC0 | cp >> 6);
        b[k++] = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        b[k++] = (unsigned char)(0xE0 | cp >> 12);
        b[k++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[k++] = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        b[k++] = (unsigned char)(0xF0 | cp >> 18);
        b[k++] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        b[k++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[k++] = (unsigned char)(0x80 | (cp & 0x3F));
    }
    for (int j = 0; j < k && rc == UNESCAPE_OK; j++)
        rc = emit(dst, cap, n, b[j]);
    return rc;
}

/* Escape sequence after '\' in "..." at s[*i] (s[*i] is the byte after the backslash). */
static int unescape_dq(const char *s, size_t len, size_t *i, char *dst, size_t cap, size_t *n)
{
    char e = s[*i];
    const char *simple = "n\nt\tr\rv\ve\033f\f\\\\$$\"\"";
    for (const char *k = simple; *k != '\0'; k += 2) {
        if (e == k[0]) {
            (*i)++;
            return emit(dst, cap, n, (unsigned char)k[1]);
        }
    }
    if (e >= '0' && e <= '7') { /* up to three octal digits, the value taken mod 256 as PHP does */
        unsigned v = 0;
        for (int k = 0; k < 3 && *i < len && s[*i] >= '0' && s[*i] <= '7'; k++)
            v = v * 8 + (unsigned)(s[(*i)++] - '0');
        return emit(dst, cap, n, v & 0xFF);
    }
    if (e == 'x' && *i + 1 < len && hex_value(s[*i + 1]) >= 0) {
        unsigned v = 0;
        (*i)++;
        for (int k = 0; k < 2 && *i < len && hex_value(s[*i]) >= 0; k++)
            v = v * 16 + (unsigned)hex_value(s[(*i)++]);
        return emit(dst, cap, n, v);
    }
    if (e == 'u' && *i + 1 < len && s[*i + 1] == '{') { /* \u{hex}: PHP refuses a malformed one */
        uint32_t cp = 0;
        size_t j = *i + 2, digits = 0;
        for (; j < len && hex_value(s[j]) >= 0; j++, digits++) {
            cp = cp * 16 + (uint32_t)hex_value(s[j]);
            if (cp > 0x10FFFF)
                return UNESCAPE_INVALID;
        }
        if (digits == 0 || j >= len || s[j] != '}')
            return UNESCAPE_INVALID;
        *i = j + 1;
        return cp == 0 ? UNESCAPE_NUL : emit_utf8(dst, cap, n, cp);
    }
    /* unknown escape: the backslash stays */
    return emit(dst, cap, n, '\\');
}

/* The value of a literal string token into dst (cap bytes with the NUL). */
static int unescape(const struct token *t, char *dst, size_t cap)
{
    size_t n = 0, i = 0;
    int rc = UNESCAPE_OK;
    while (i < t->n && rc == UNESCAPE_OK) {
        char c = t->s[i++];
        if (c != '\\' || i >= t->n)
            rc = emit(dst, cap, &n, (unsigned char)c);
        else if (t->quote == '\'')
            rc = (t->s[i] == '\'' || t->s[i] == '\\') ? emit(dst, cap, &n, (unsigned char)t->s[i++])
                                                      : emit(dst, cap, &n, '\\');
        else
            rc = unescape_dq(t->s, t->n, &i, dst, cap, &n);
    }
    dst[n] = '\0';
    return rc;
}

struct key_spec {
    const char *name;
    size_t offset;
    size_t size;
    const char *not_literal;
    const char *too_long;
    const char *has_nul;
    const char *twice;
    const char *missing;
};

#define KEY(NAME, field)                                                                                           \
    {                                                                                                              \
        NAME, offsetof(struct wp_config, field), sizeof(((struct wp_config *)0)->field),                           \
            NAME " is not a string literal", NAME " is longer than LIMIT_WP_CONFIG_VALUE_BYTES",                   \
            NAME " contains a NUL byte", NAME " is defined more than once", NAME " is not defined",                \
    }

static const struct key_spec keys[] = {
    KEY("DB_NAME", db_name),         KEY("DB_USER", db_user),       KEY("DB_PASSWORD", db_password),
    KEY("DB_HOST", db_host),         KEY("DB_CHARSET", db_charset),
};
#define NKEYS (sizeof keys / sizeof keys[0])
#define KEY_CHARSET 4 /* the one optional key */

struct state {
    struct wp_config cfg;
    bool seen[NKEYS];
    bool prefix_seen;
};

/* After the identifier "define": define ( 'KEY' , <value> ) */
static int read_define(struct lexer *lx, struct state *st, const char **err)
{
    struct token open, name, comma, value, after;
    char namebuf[32];
    size_t k;

    if (next_token(lx, &open) < 0)
        return -1;
    if (!is_op(&open, "(")) {
        push_back(lx, &open);
        return 0;
    }
    if (next_token(lx, &name) < 0)
        return -1;
    if (!is_literal(&name)) {
        push_back(lx, &name);
        return 0;
    }
    if (unescape(&name, namebuf, sizeof namebuf) != UNESCAPE_OK)
        return 0;
    for (k = 0; k < NKEYS && strcmp(namebuf, keys[k].name) != 0; k++)
        ;
    if (k == NKEYS)
        return 0; /* someone else's constant */
    if (next_token(lx, &comma) < 0)
        return -1;
    if (!is_op(&comma, ",")) { /* 'DB_NAME' . $suffix: not this key */
        push_back(lx, &comma);
        return 0;
    }
    if (next_token(lx, &value) < 0 || next_token(lx, &after) < 0)
        return -1;
    if (!is_literal(&value) || !(is_op(&after, ")") || is_op(&after, ","))) {
        *err = keys[k].not_literal;
        return -1;
    }
    if (st->seen[k]) {
        *err = keys[k].twice;
        return -1;
    }
    st->seen[k] = true;
    switch (unescape(&value, (char *)&st->cfg + keys[k].offset, keys[k].size)) {
    case UNESCAPE_OK:
        break;
    case UNESCAPE_TOO_LONG:
        *err = keys[k].too_long;
        return -1;
    case UNESCAPE_NUL:
        *err = keys[k].has_nul;
        return -1;
    default:
        *err = keys[k].not_literal;
        return -1;
    }
    if (k == KEY_CHARSET)
        st->cfg.has_charset = true;
    return 0;
}

/* After the variable $table_prefix: = 'literal' ; */
static int read_table_prefix(struct lexer *lx, struct state *st, const char **err)
{
    struct token op, value, after;
    size_t n;

    if (next_token(lx, &op) < 0)
        return -1;
    if (op.kind != TOK_OP || op.s[op.n - 1] != '=' || is_op(&op, "==") || is_op(&op, "===") || is_op(&op, "!=") ||
        is_op(&op, "!==") || is_op(&op, "<=") || is_op(&op, ">=")) {
        push_back(lx, &op); /* isset($table_prefix), global $table_prefix;, comparisons */
        return 0;
    }
    if (!is_op(&op, "=")) { /* .=, ??= and the like */
        *err = "$table_prefix is not a string literal";
        return -1;
    }
    if (next_token(lx, &value) < 0 || next_token(lx, &after) < 0)
        return -1;
    if (!is_literal(&value) || after.kind != TOK_END) {
        *err = "$table_prefix is not a string literal";
        return -1;
    }
    if (st->prefix_seen) {
        *err = "$table_prefix is assigned more than once";
        return -1;
    }
    st->prefix_seen = true;
    switch (unescape(&value, st->cfg.table_prefix, sizeof st->cfg.table_prefix)) {
    case UNESCAPE_OK:
        break;
    case UNESCAPE_TOO_LONG:
        *err = "$table_prefix is longer than LIMIT_TABLE_PREFIX_BYTES";
        return -1;
    case UNESCAPE_NUL:
        *err = "$table_prefix may only contain A-Z, a-z, 0-9 and _";
        return -1;
    default:
        *err = "$table_prefix is not a string literal";
        return -1;
    }
    n = strlen(st->cfg.table_prefix);
    if (n == 0 || strspn(st->cfg.table_prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != n) {
        *err = "$table_prefix may only contain A-Z, a-z, 0-9 and _";
        return -1;
    }
    return 0;
}

/* A name right after ->, ?->, :: or `function` is a member or a declaration, not a call. */
static bool after_member(const struct token *prev)
{
    return is_op(prev, "->") || is_op(prev, "?->") || is_op(prev, "::") ||
           (prev->kind == TOK_IDENT && prev->n == 8 && strncasecmp(prev->s, "function", 8) == 0);
}

int wp_config_parse(const char *src, size_t len, struct wp_config *out, const char **err)
{
    struct lexer lx = {src, src + len, false, false, {TOK_EOF, NULL, 0, 0, false}, NULL};
    struct state st;
    struct token prev = {TOK_END, NULL, 0, 0, false}, t;

    memset(out, 0, sizeof *out);
    memset(&st, 0, sizeof st);
    if (len > (size_t)LIMIT_WP_CONFIG_BYTES) {
        *err = "wp-config.php is larger than LIMIT_WP_CONFIG_BYTES";
        return -1;
    }
    for (;;) {
        if (next_token(&lx, &t) < 0) {
            *err = lx.err;
            return -1;
        }
        if (t.kind == TOK_EOF)
            break;
        if (t.kind == TOK_IDENT && t.n == 6 && strncasecmp(t.s, "define", 6) == 0 && !after_member(&prev)) {
            if (read_define(&lx, &st, err) < 0) {
                if (lx.err != NULL)
                    *err = lx.err;
                return -1;
            }
            t.kind = TOK_OTHER; /* what read_define consumed is never a member operator */
        } else if (t.kind == TOK_VAR && t.n == 12 && memcmp(t.s, "table_prefix", 12) == 0 && !after_member(&prev)) {
            if (read_table_prefix(&lx, &st, err) < 0) {
                if (lx.err != NULL)
                    *err = lx.err;
                return -1;
            }
            t.kind = TOK_OTHER;
        }
        prev = t;
    }
    for (size_t k = 0; k < NKEYS; k++) {
        if (k != KEY_CHARSET && !st.seen[k]) {
            *err = keys[k].missing;
            return -1;
        }
    }
    if (!st.prefix_seen) {
        *err = "$table_prefix is not set";
        return -1;
    }
    *out = st.cfg;
    return 0;
}

static int copy_out(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        return -1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

int wp_config_split_host(const char *db_host, char *host, size_t hostlen, unsigned *port, char *socket,
                         size_t socketlen)
{
    const char *sock = strstr(db_host, ":/"), *h = db_host, *hend, *pstart = NULL;
    size_t colons = 0, hn;
    unsigned long p = 0;

    if (hostlen == 0 || socketlen == 0)
        return -1;
    host[0] = socket[0] = '\0';
    *port = 0;
    hn = sock ? (size_t)(sock - db_host) : strlen(db_host);
    if (sock != NULL && copy_out(socket, socketlen, sock + 1, strlen(sock + 1)) < 0)
        return -1;
    for (size_t i = 0; i < hn; i++)
        colons += db_host[i] == ':';
    if (colons > 1) { /* IPv6: ^\[?([0-9a-fA-F:]+)(\]:(\d+))? */
        if (*h == '[')
            h++;
        hend = h;
        while (hend < db_host + hn && (hex_value(*hend) >= 0 || *hend == ':'))
            hend++;
        if (hend == h)
            return -1;
        if (db_host + hn - hend >= 3 && hend[0] == ']' && hend[1] == ':' && is_digit(hend[2]))
            pstart = hend + 2;
    } else { /* ^([^:/]*)(:(\d+))? */
        hend = h;
        while (hend < db_host + hn && *hend != ':' && *hend != '/')
            hend++;
        if (db_host + hn - hend >= 2 && hend[0] == ':' && is_digit(hend[1]))
            pstart = hend + 1;
    }
    if (hend - h == 1 && *h == '0')
        hend = h; /* PHP's empty("0") is true: WordPress passes '' */
    if (copy_out(host, hostlen, h, (size_t)(hend - h)) < 0)
        return -1;
    for (const char *d = pstart; d != NULL && d < db_host + hn && is_digit(*d); d++) {
        p = p * 10 + (unsigned long)(*d - '0');
        if (p > 65535)
            return -1;
    }
    *port = (unsigned)p;
    return 0;
}
