/*
 * tests/unit/test_mail_address.c — common/mail_address: addresses with and without display names,
 * header injection attempts, UTF-8 rules and header values. Each row shows "name|addr" or the error.
 */
#include <stdio.h>
#include <string.h>

#include "common/mail_address.h"
#include "tests/tap.h"

static void test_parse(void)
{
    static const struct {
        const char *in;
        const char *want; /* "name|addr", or "ERR: sentence" */
    } rows[] = {
        {"shop@example.com", "|shop@example.com"},
        {"  shop@example.com\t", "|shop@example.com"},
        {"<shop@example.com>", "|shop@example.com"},
        {"Anna M\xc3\xbcller <anna@example.com>", "Anna M\xc3\xbcller|anna@example.com"},
        {"\"Smith, J.\" <j@example.com>", "Smith, J.|j@example.com"},
        {"\"a \\\"b\\\" c\" <x@example.com>", "a \"b\" c|x@example.com"},
        {"Smith, J. <j@example.com>", "Smith, J.|j@example.com"},
        {"first.last+tag@sub.example.co.uk", "|first.last+tag@sub.example.co.uk"},
        {"o'brien@example.ie", "|o'brien@example.ie"},
        {"x@xn--mller-kva.de", "|x@xn--mller-kva.de"},
        {"a@b-c.d", "|a@b-c.d"},
        /* header injection */
        {"a@example.com\r\nBcc: victim@example.com", "ERR: must not contain line breaks"},
        {"a@example.com\nBcc: v@example.com", "ERR: must not contain line breaks"},
        {"Eve\r\nBcc: v@example.com <e@example.com>", "ERR: must not contain line breaks"},
        {"\"Eve\rX\" <e@example.com>", "ERR: must not contain line breaks"},
        {"a@example.com\x01", "ERR: must not contain control characters"},
        {"Eve\xc2\x85 <e@example.com>", "ERR: must not contain control characters"},
        /* lists, groups and comments are not one address */
        {"a@example.com, b@example.com", "ERR: has a character that is not allowed in the domain"},
        {"a@example.com (comment)", "ERR: has a character that is not allowed in the domain"},
        {"<a@example.com>, <b@example.com>", "ERR: has a character in the name that needs quoting"},
        {"Eve <a@example.com> <b@example.com>", "ERR: has a character in the name that needs quoting"},
        /* malformed */
        {"", "ERR: is empty"},
        {"   ", "ERR: is empty"},
        {"<>", "ERR: is empty"},
        {"plain", "ERR: has no '@'"},
        {"@example.com", "ERR: has an empty local part"},
        {"a@", "ERR: has no domain"},
        {"a@localhost", "ERR: has a domain without a dot"},
        {"a@@example.com", "ERR: has a character that is not allowed in the domain"},
        {"a@b@example.com", "ERR: has a character that is not allowed in the domain"},
        {".a@example.com", "ERR: has a misplaced '.' in the local part"},
        {"a.@example.com", "ERR: has a misplaced '.' in the local part"},
        {"a..b@example.com", "ERR: has a misplaced '.' in the local part"},
        {"\"a b\"@example.com", "ERR: has a character that is not allowed in the local part"},
        {"a b@example.com", "ERR: has a character that is not allowed in the local part"},
        {"m\xc3\xbc@example.com", "ERR: has a character that is not allowed in the local part"},
        {"a@m\xc3\xbcller.de", "ERR: has a character that is not allowed in the domain"},
        {"a@example.com.", "ERR: has a malformed domain"},
        {"a@-example.com", "ERR: has a malformed domain"},
        {"a@example-.com", "ERR: has a malformed domain"},
        {"a@example..com", "ERR: has a malformed domain"},
        {"a@[127.0.0.1]", "ERR: has a character that is not allowed in the domain"},
        {"Eve a@example.com>", "ERR: has a '>' without '<'"},
        {"\"Eve <e@example.com>", "ERR: has an unterminated quoted name"},
        {"\"Eve\\\" <e@example.com>", "ERR: has an unterminated quoted name"},
        {"\"E\"ve\" <e@example.com>", "ERR: has a stray '\"' in the name"},
        {"E\"ve <e@example.com>", "ERR: has a character in the name that needs quoting"},
        {"\"a\\<b\" <e@example.com>", "ERR: has a character in the name that is not allowed"},
        {"Eve\xff <e@example.com>", "ERR: is not valid UTF-8 text"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct mail_address a;
        const char *err = NULL;
        char got[700];
        if (mail_address_parse(rows[i].in, strlen(rows[i].in), &a, &err) == 0)
            snprintf(got, sizeof got, "%s|%s", a.name, a.addr);
        else
            snprintf(got, sizeof got, "ERR: %s", err);
        char name[64];
        snprintf(name, sizeof name, "address row %zu", i);
        TAP_EQ_STR(got, rows[i].want, name);
    }
}

static void test_lengths(void)
{
    char buf[400];
    const char *err;
    struct mail_address a;
    /* 64-byte local part: fine; 65: refused */
    memset(buf, 'a', 64);
    snprintf(buf + 64, sizeof buf - 64, "@example.com");
    tap_ok(mail_address_parse(buf, strlen(buf), &a, &err) == 0, "a 64-byte local part is accepted");
    memset(buf, 'a', 65);
    snprintf(buf + 65, sizeof buf - 65, "@example.com");
    tap_ok(mail_address_parse(buf, strlen(buf), &a, &err) != 0, "a 65-byte local part is refused");
    /* 63-byte label fine, 64 refused */
    memcpy(buf, "a@", 2);
    memset(buf + 2, 'b', 63);
    snprintf(buf + 65, sizeof buf - 65, ".com");
    tap_ok(mail_address_check_addr(buf, strlen(buf), &err) == 0, "a 63-byte label is accepted");
    memset(buf + 2, 'b', 64);
    snprintf(buf + 66, sizeof buf - 66, ".com");
    tap_ok(mail_address_check_addr(buf, strlen(buf), &err) != 0, "a 64-byte label is refused");
    /* the whole field */
    memset(buf, 'n', 330);
    snprintf(buf + 330, sizeof buf - 330, " <a@example.com>");
    tap_ok(mail_address_parse(buf, strlen(buf), &a, &err) != 0, "a field over 320 bytes is refused");
    memset(buf, 'n', 201);
    snprintf(buf + 201, sizeof buf - 201, " <a@example.com>");
    tap_ok(mail_address_parse(buf, strlen(buf), &a, &err) != 0 && strcmp(err, "has a name that is too long") == 0,
           "a 201-byte name is refused");
    /* a NUL inside the counted string */
    tap_ok(mail_address_parse("a@example.com\0x", 15, &a, &err) != 0, "a NUL inside is refused");
}

static void test_header_values(void)
{
    static const struct {
        const char *in;
        size_t max;
        int ok;
    } rows[] = {
        {"Your order #123", 250, 1},
        {"Ihre Bestellung \xe2\x80\x93 \xc3\xa4\xc3\xb6\xc3\xbc \xf0\x9f\x93\xa6", 250, 1},
        {"tab\tinside", 250, 1},
        {"", 250, 1},
        {"line\r\nBcc: x@example.com", 250, 0},
        {"line\nbreak", 250, 0},
        {"bell\x07", 250, 0},
        {"del\x7f", 250, 0},
        {"overlong \xc0\xaf", 250, 0},
        {"surrogate \xed\xa0\x80", 250, 0},
        {"too high \xf4\x90\x80\x80", 250, 0},
        {"cut \xe2\x80", 250, 0},
        {"\xc3\xa4\xc3\xa4\xc3\xa4", 3, 1}, /* characters, not bytes */
        {"\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", 3, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *err = NULL;
        int got = mail_header_value_check(rows[i].in, strlen(rows[i].in), rows[i].max, &err) == 0;
        tap_ok(got == rows[i].ok, "header value row %zu: %s", i, rows[i].ok ? "accepted" : "refused");
    }
}

int main(void)
{
    test_parse();
    test_lengths();
    test_header_values();
    return tap_done();
}
