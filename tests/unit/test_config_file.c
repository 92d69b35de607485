/*
 * tests/unit/test_config_file.c — common/config_file: files and the entries (line:key=value) the
 * callback must see, files that must be refused with the message and line, the caps, and a callback
 * that stops the parse.
 */
#include <stdlib.h>
#include <string.h>

#include "common/config_file.h"
#include "common/limits.h"
#include "tests/tap.h"

/* What the callback saw, as "line:key=value;" records; refuses keys named "unknown". */
struct seen {
    char text[16384];
    size_t len;
    unsigned calls;
};

static int record(const char *key, size_t keylen, const char *value, size_t valuelen, unsigned line, void *ud)
{
    struct seen *s = ud;
    s->calls++;
    if (key[keylen] != '\0' || value[valuelen] != '\0')
        return -1; /* both must be NUL-terminated */
    if (keylen == 7 && memcmp(key, "unknown", 7) == 0)
        return -1;
    int n = snprintf(s->text + s->len, sizeof s->text - s->len, "%u:%.*s=%.*s;", line, (int)keylen, key,
                     (int)valuelen, value);
    if (n > 0 && (size_t)n < sizeof s->text - s->len)
        s->len += (size_t)n;
    return 0;
}

struct row {
    const char *name;
    const char *src;
    size_t len;       /* 0: strlen(src) */
    const char *want; /* records, or on error those made before it */
    const char *err;  /* NULL: must parse */
    unsigned err_line;
};

static const struct row rows[] = {
    {"empty file", "", 0, "", NULL, 0},
    {"comments and blank lines", "# comment\n\n   # indented comment\n\t\n  \ndb_host = localhost\n# db_user = x\n", 0,
     "6:db_host=localhost;", NULL, 0},
    {"blanks around key and value trimmed", "  db_port\t=\t3306  \n", 0, "1:db_port=3306;", NULL, 0},
    {"no blanks, no final newline", "a=b", 0, "1:a=b;", NULL, 0},
    {"empty value", "smtp_url =\nworkers=   \n", 0, "1:smtp_url=;2:workers=;", NULL, 0},
    {"first = splits", "db_password = a=b=c\n", 0, "1:db_password=a=b=c;", NULL, 0},
    {"# inside an unquoted value is kept", "db_password = p#ss # not a comment\n", 0,
     "1:db_password=p#ss # not a comment;", NULL, 0},
    {"quoted value keeps blanks", "listen = \" 0.0.0.0:8443 \"  \n", 0, "1:listen= 0.0.0.0:8443 ;", NULL, 0},
    {"quoted escapes", "x = \"a\\\"b\\\\c\\nd\"\n", 0, "1:x=a\"b\\c\nd;", NULL, 0},
    {"quoted empty and quoted #", "x = \"\"\ny = \"# not a comment\"\n", 0, "1:x=;2:y=# not a comment;", NULL, 0},
    {"quote inside an unquoted value", "x = say \"hi\"\n", 0, "1:x=say \"hi\";", NULL, 0},
    {"single quotes are ordinary", "x = 'abc'\n", 0, "1:x='abc';", NULL, 0},
    {"CRLF line ends", "a = 1\r\nb = 2\r\n\r\nc = \"3\"\r\n", 0, "1:a=1;2:b=2;4:c=3;", NULL, 0},
    {"UTF-8 byte order mark", "\xEF\xBB\xBF" "a = 1\n", 0, "1:a=1;", NULL, 0},
    {"dotted and numbered keys", "db.read.host = r1\nworker_2.port = 1\n", 0, "1:db.read.host=r1;2:worker_2.port=1;", NULL,
     0},
    {"UTF-8 values", "store_name = Café «Ünïcode»\n", 0, "1:store_name=Café «Ünïcode»;", NULL, 0},
    {"a typical file",
     "# CartMan Connect\n"
     "wp_config = /var/www/html/wp-config.php\n"
     "listen = 0.0.0.0:8443\n"
     "tls_cert = /etc/cartman/cert.pem\n"
     "\n"
     "db_password = \"s3cret with spaces # and hash\"\n"
     "dev_mode = false\n",
     0,
     "2:wp_config=/var/www/html/wp-config.php;3:listen=0.0.0.0:8443;4:tls_cert=/etc/cartman/cert.pem;"
     "6:db_password=s3cret with spaces # and hash;7:dev_mode=false;",
     NULL, 0},

    {"line without =", "db_host localhost\n", 0, "", "line has no '='", 1},
    {"line without = after good lines", "a = 1\n\nfoo\n", 0, "1:a=1;", "line has no '='", 3},
    {"empty key", "= value\n", 0, "", "empty key", 1},
    {"uppercase key", "DB_HOST = x\n", 0, "", "key may only contain a-z, 0-9, _ and .", 1},
    {"dash in key", "a = 1\ndb-host = x\n", 0, "1:a=1;", "key may only contain a-z, 0-9, _ and .", 2},
    {"blank inside key", "db host = x\n", 0, "", "key may only contain a-z, 0-9, _ and .", 1},
    {"quoted key", "\"db_host\" = x\n", 0, "", "key may only contain a-z, 0-9, _ and .", 1},
    {"unterminated quote", "x = \"abc\ny = 1\n", 0, "", "unterminated quoted value", 1},
    {"backslash at the end of a quote", "x = \"abc\\\"\n", 0, "", "unterminated quoted value", 1},
    {"unknown escape", "x = \"a\\tb\"\n", 0, "", "unknown escape in quoted value (only \\\" \\\\ \\n)", 1},
    {"text after the closing quote", "x = \"a\" b\n", 0, "", "text after the closing quote", 1},
    {"comment after the closing quote", "x = \"a\" # c\n", 0, "", "text after the closing quote", 1},
    {"NUL byte", "a = 1\nx = a\0b\n", 12, "1:a=1;", "control character in line", 2},
    {"NUL byte in a comment", "# a\0b\n", 6, "", "control character in line", 1},
    {"lone CR", "x = a\rb\n", 0, "", "control character in line", 1},
    {"DEL byte", "x = \x7f\n", 0, "", "control character in line", 1},
    {"callback refuses", "a = 1\nunknown = 2\nb = 3\n", 0, "1:a=1;", "setting refused", 2},
};

static void test_rows(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        struct seen s = {{0}, 0, 0};
        const char *err = NULL;
        unsigned line = 12345;
        char name[128];
        int rc = config_file_parse(r->src, r->len ? r->len : strlen(r->src), record, &s, &err, &line);
        snprintf(name, sizeof name, "%s: entries", r->name);
        tap_eq_mem(s.text, s.len, r->want, strlen(r->want), name);
        if (r->err == NULL) {
            if (!tap_ok(rc == 0, "%s: parses", r->name))
                tap_diag("  error: %s on line %u", err, line);
            TAP_EQ_INT(line, 0, r->name);
        } else {
            snprintf(name, sizeof name, "%s: refused", r->name);
            TAP_EQ_INT(rc, -1, name);
            TAP_EQ_STR(err, r->err, r->name);
            snprintf(name, sizeof name, "%s: error line", r->name);
            TAP_EQ_INT(line, r->err_line, name);
        }
    }
}

static void test_limits(void)
{
    size_t cap = LIMIT_CONFIG_FILE_BYTES + 16;
    char *src = malloc(cap);
    struct seen s = {{0}, 0, 0};
    const char *err = NULL;
    unsigned line = 0;
    int rc;

    if (src == NULL)
        abort();
    /* value of exactly LIMIT_CONFIG_VALUE_BYTES, unquoted and quoted */
    memcpy(src, "k = ", 4);
    memset(src + 4, 'v', LIMIT_CONFIG_VALUE_BYTES + 1);
    rc = config_file_parse(src, 4 + LIMIT_CONFIG_VALUE_BYTES, record, &s, &err, &line);
    TAP_EQ_INT(rc, 0, "unquoted value of LIMIT_CONFIG_VALUE_BYTES");
    rc = config_file_parse(src, 5 + LIMIT_CONFIG_VALUE_BYTES, record, &s, &err, &line);
    TAP_EQ_INT(rc, -1, "unquoted value one byte longer");
    TAP_EQ_STR(err, "value longer than LIMIT_CONFIG_VALUE_BYTES", "unquoted value error");
    memcpy(src, "k = \"", 5);
    memset(src + 5, 'v', LIMIT_CONFIG_VALUE_BYTES);
    src[5 + LIMIT_CONFIG_VALUE_BYTES] = '"';
    rc = config_file_parse(src, 6 + LIMIT_CONFIG_VALUE_BYTES, record, &s, &err, &line);
    TAP_EQ_INT(rc, 0, "quoted value of LIMIT_CONFIG_VALUE_BYTES");
    memset(src + 5, 'v', LIMIT_CONFIG_VALUE_BYTES + 1);
    src[6 + LIMIT_CONFIG_VALUE_BYTES] = '"';
    rc = config_file_parse(src, 7 + LIMIT_CONFIG_VALUE_BYTES, record, &s, &err, &line);
    TAP_EQ_INT(rc, -1, "quoted value one byte longer");
    TAP_EQ_STR(err, "value longer than LIMIT_CONFIG_VALUE_BYTES", "quoted value error");

    /* key of LIMIT_CONFIG_KEY_BYTES and one more */
    memset(src, 'k', LIMIT_CONFIG_KEY_BYTES);
    memcpy(src + LIMIT_CONFIG_KEY_BYTES, "=1", 2);
    rc = config_file_parse(src, LIMIT_CONFIG_KEY_BYTES + 2, record, &s, &err, &line);
    TAP_EQ_INT(rc, 0, "key of LIMIT_CONFIG_KEY_BYTES");
    memset(src, 'k', LIMIT_CONFIG_KEY_BYTES + 1);
    memcpy(src + LIMIT_CONFIG_KEY_BYTES + 1, "=1", 2);
    rc = config_file_parse(src, LIMIT_CONFIG_KEY_BYTES + 3, record, &s, &err, &line);
    TAP_EQ_INT(rc, -1, "key one byte longer");
    TAP_EQ_STR(err, "key longer than LIMIT_CONFIG_KEY_BYTES", "key error");

    /* the whole file */
    memset(src, '\n', cap);
    rc = config_file_parse(src, LIMIT_CONFIG_FILE_BYTES, record, &s, &err, &line);
    TAP_EQ_INT(rc, 0, "file of LIMIT_CONFIG_FILE_BYTES blank lines");
    rc = config_file_parse(src, LIMIT_CONFIG_FILE_BYTES + 1, record, &s, &err, &line);
    TAP_EQ_INT(rc, -1, "file one byte larger");
    TAP_EQ_STR(err, "config file larger than LIMIT_CONFIG_FILE_BYTES", "file size error");
    TAP_EQ_INT(line, 0, "file size error is on line 0");

    /* counted input: bytes after len are never read; err_line may be NULL */
    static const char cut[] = "a = 1\nb = 2\nbroken line";
    s.len = 0;
    s.text[0] = '\0';
    rc = config_file_parse(cut, strlen("a = 1\nb = 2\n"), record, &s, &err, NULL);
    TAP_EQ_INT(rc, 0, "stops at len");
    TAP_EQ_STR(s.text, "1:a=1;2:b=2;", "entries before len");
    rc = config_file_parse(cut, strlen(cut), record, &s, &err, NULL);
    TAP_EQ_INT(rc, -1, "err_line may be NULL");
    free(src);
}

int main(void)
{
    test_rows();
    test_limits();
    return tap_done();
}
