/*
 * tests/unit/test_cidr.c — common/cidr: addresses, entries with prefixes, lists, matching, loopback
 * and formatting. Each row shows the parsed form as "ADDR/BITS" (bits over 128) or "ERR: message".
 */
#include <stdio.h>
#include <string.h>

#include "common/cidr.h"
#include "tests/tap.h"

static void show(const struct cidr *c, char *out, size_t cap)
{
    char a[CIDR_ADDR_TEXT];
    cidr_addr_format(c->addr, a, sizeof a);
    snprintf(out, cap, "%s/%u", a, c->bits);
}

static void test_entries(void)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {"192.0.2.7", "192.0.2.7/128"},
        {"10.0.0.0/8", "10.0.0.0/104"},
        {"192.0.2.7/24", "192.0.2.0/120"},
        {"0.0.0.0/0", "0.0.0.0/96"},
        {"255.255.255.255/32", "255.255.255.255/128"},
        {"2001:db8::/32", "2001:db8::/32"},
        {"2001:db8::1", "2001:db8::1/128"},
        {"::1", "::1/128"},
        {"::/0", "::/0"},
        {"::ffff:10.0.0.0/104", "10.0.0.0/104"},
        {"2001:db8:ffff::/33", "2001:db8:8000::/33"},
        {"10.0.0.0/33", "ERR: an IPv4 prefix is at most /32"},
        {"::/129", "ERR: an IPv6 prefix is at most /128"},
        {"10.0.0.0/", "ERR: bad prefix length"},
        {"10.0.0.0/08", "ERR: bad prefix length"},
        {"10.0.0.0/1a", "ERR: bad prefix length"},
        {"10.0.0.0/1000", "ERR: bad prefix length"},
        {"10.0.0.0/8/8", "ERR: bad prefix length"},
        {"010.0.0.1", "ERR: not an IPv4 or IPv6 address"},
        {"10.0.0", "ERR: not an IPv4 or IPv6 address"},
        {"256.0.0.1", "ERR: not an IPv4 or IPv6 address"},
        {"[::1]", "ERR: not an IPv4 or IPv6 address"},
        {"::1%eth0", "ERR: not an IPv4 or IPv6 address"},
        {"localhost", "ERR: not an IPv4 or IPv6 address"},
        {"", "ERR: not an IPv4 or IPv6 address"},
        {"/8", "ERR: not an IPv4 or IPv6 address"},
        {"1.2.3.4:80", "ERR: not an IPv4 or IPv6 address"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct cidr c;
        const char *err = NULL;
        char got[128];
        if (cidr_parse(rows[i].in, strlen(rows[i].in), &c, &err) == 0)
            show(&c, got, sizeof got);
        else
            snprintf(got, sizeof got, "ERR: %s", err);
        char name[96];
        snprintf(name, sizeof name, "cidr_parse '%s'", rows[i].in);
        TAP_EQ_STR(got, rows[i].want, name);
    }
    /* counted strings: bytes past len are never read, a NUL inside is refused */
    struct cidr c;
    const char *err;
    tap_ok(cidr_parse("10.0.0.1/8garbage", 10, &c, &err) == 0 && c.bits == 104, "cidr_parse stops at len");
    tap_ok(cidr_parse("10.0.0.1\0", 9, &c, &err) != 0, "a NUL inside is refused");
}

static void test_lists(void)
{
    static const struct {
        const char *in;
        int rc;
        size_t n;
    } rows[] = {
        {"", 0, 0},
        {" ,\t, ", 0, 0},
        {"10.0.0.0/8", 0, 1},
        {"10.0.0.0/8,192.168.0.0/16", 0, 2},
        {"10.0.0.0/8 , 192.168.0.0/16  2001:db8::/32,", 0, 3},
        {"10.0.0.0/8,bogus", -1, 0},
        {"10.0.0.0/8;192.168.0.0/16", -1, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct cidr_list l;
        const char *err = NULL;
        int rc = cidr_list_parse(rows[i].in, strlen(rows[i].in), &l, &err);
        tap_ok(rc == rows[i].rc && l.n == rows[i].n && (rc == 0 || err != NULL), "cidr_list_parse '%s': rc %d n %zu",
               rows[i].in, rc, l.n);
    }
    /* the entry cap */
    static char big[LIMIT_CIDR_ENTRIES * 12 + 32];
    size_t o = 0;
    for (int i = 0; i <= LIMIT_CIDR_ENTRIES; i++)
        o += (size_t)snprintf(big + o, sizeof big - o, "10.0.%d.%d,", i / 256, i % 256);
    struct cidr_list l;
    const char *err = NULL;
    tap_ok(cidr_list_parse(big, o, &l, &err) == -1 && err && strcmp(err, "too many entries") == 0,
           "more than LIMIT_CIDR_ENTRIES entries: refused");
    tap_ok(cidr_list_parse(big, o - 12, &l, &err) == 0 && l.n == LIMIT_CIDR_ENTRIES, "exactly the cap: accepted");
}

static void test_match(void)
{
    static const char list[] = "10.0.0.0/8, 192.0.2.128/25, 2001:db8::/32, 198.51.100.7, fe80::1/128";
    static const struct {
        const char *addr;
        bool want;
    } rows[] = {
        {"10.1.2.3", true},         {"10.255.255.255", true}, {"11.0.0.0", false},        {"9.255.255.255", false},
        {"192.0.2.128", true},      {"192.0.2.255", true},    {"192.0.2.127", false},     {"198.51.100.7", true},
        {"198.51.100.8", false},    {"2001:db8::1", true},    {"2001:db9::1", false},     {"::ffff:10.0.0.1", true},
        {"fe80::1", true},          {"fe80::2", false},       {"::ffff:192.0.2.200", true}, {"::a00:1", false},
    };
    struct cidr_list l;
    const char *err;
    if (!tap_ok(cidr_list_parse(list, strlen(list), &l, &err) == 0 && l.n == 5, "the match list parses"))
        return;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint8_t a[16];
        int rc = cidr_addr_parse(rows[i].addr, strlen(rows[i].addr), a);
        tap_ok(rc == 0 && cidr_list_match(&l, a) == rows[i].want, "%s %s the list", rows[i].addr,
               rows[i].want ? "is in" : "is not in");
    }
    struct cidr_list empty = {0};
    uint8_t a[16];
    cidr_addr_parse("10.0.0.1", 8, a);
    tap_ok(!cidr_list_match(&empty, a), "the empty list matches nothing");
    struct cidr_list all;
    cidr_list_parse("0.0.0.0/0 ::/0", 14, &all, &err);
    tap_ok(cidr_list_match(&all, a), "0.0.0.0/0 matches every IPv4 address");
}

static void test_loopback(void)
{
    static const struct {
        const char *addr;
        bool want;
    } rows[] = {{"127.0.0.1", true}, {"127.1.2.3", true}, {"::1", true},        {"::ffff:127.0.0.40", true},
                {"128.0.0.1", false}, {"::2", false},     {"10.0.0.1", false}, {"::", false}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint8_t a[16];
        cidr_addr_parse(rows[i].addr, strlen(rows[i].addr), a);
        tap_ok(cidr_is_loopback(a) == rows[i].want, "%s is %sloopback", rows[i].addr, rows[i].want ? "" : "not ");
    }
}

int main(void)
{
    test_entries();
    test_lists();
    test_match();
    test_loopback();
    return tap_done();
}
