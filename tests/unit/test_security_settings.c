/*
 * tests/unit/test_security_settings.c — common/security_settings: reading the rows (defaults, HTTPS
 * on/off spellings, the allowlist on, off and invalid, the lockout thresholds) and the allowlist
 * decision for known and unknown clients. Each row is one set of settings rows and the policy it gives,
 * shown as "https=1 allow=on:2 lock=5/20/900/900".
 */
#include <stdio.h>
#include <string.h>

#include "common/security_settings.h"
#include "tests/tap.h"

static void show(const struct security_settings *s, char *out, size_t cap)
{
    snprintf(out, cap, "https=%d allow=%s:%zu lock=%u/%u/%u/%u", s->https_required,
             s->allowlist_invalid ? "invalid" : s->allowlist_on ? "on" : "off", s->allowlist.n, s->lockout.user_max,
             s->lockout.ip_max, s->lockout.window_s, s->lockout.lock_s);
}

static void test_rows(void)
{
    static const struct {
        const char *names[4], *values[4];
        const char *want;
    } rows[] = {
        {{NULL}, {NULL}, "https=1 allow=off:0 lock=5/20/900/900"},
        {{"https_required"}, {"0"}, "https=0 allow=off:0 lock=5/20/900/900"},
        {{"https_required"}, {"Off"}, "https=0 allow=off:0 lock=5/20/900/900"},
        {{"https_required"}, {"yes"}, "https=1 allow=off:0 lock=5/20/900/900"},
        {{"https_required"}, {"maybe"}, "https=1 allow=off:0 lock=5/20/900/900"},
        {{"https_required"}, {""}, "https=1 allow=off:0 lock=5/20/900/900"},
        {{"ip_allowlist"}, {"203.0.113.0/24, 2001:db8::/32"}, "https=1 allow=on:2 lock=5/20/900/900"},
        {{"ip_allowlist"}, {"  "}, "https=1 allow=off:0 lock=5/20/900/900"},
        {{"ip_allowlist"}, {"203.0.113.0/24 example.com"}, "https=1 allow=invalid:0 lock=5/20/900/900"},
        {{"lockout_user_max", "lockout_ip_max", "lockout_window_s", "lockout_lock_s"},
         {"3", "50", "60", "120"},
         "https=1 allow=off:0 lock=3/50/60/120"},
        {{"lockout_user_max", "lockout_ip_max"}, {"0", "-4"}, "https=1 allow=off:0 lock=5/20/900/900"},
        {{"rate_limit_api_ip", "https_required"}, {"1/1", "false"}, "https=0 allow=off:0 lock=5/20/900/900"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = 0;
        while (n < 4 && rows[i].names[n] != NULL)
            n++;
        struct security_settings s;
        security_settings_parse(&s, rows[i].names, rows[i].values, n);
        char got[160], name[200];
        show(&s, got, sizeof got);
        snprintf(name, sizeof name, "row %zu: %s=%s%s", i, n ? rows[i].names[0] : "(none)", n ? rows[i].values[0] : "",
                 n > 1 ? " …" : "");
        TAP_EQ_STR(got, rows[i].want, name);
        tap_ok(s.loaded, "  ... marks the settings as read");
    }
}

static void test_allows(void)
{
    static const struct {
        const char *list, *addr;
        bool known, want;
    } rows[] = {
        {NULL, "198.51.100.1", true, true},           /* no allowlist: everyone */
        {NULL, "198.51.100.1", false, true},          /* ... even an unnamed client */
        {"203.0.113.0/24", "203.0.113.77", true, true},
        {"203.0.113.0/24", "203.0.114.1", true, false},
        {"203.0.113.0/24", "203.0.113.77", false, false}, /* unknown behind a proxy: refused */
        {"203.0.113.0/24", "::ffff:203.0.113.5", true, true},
        {"2001:db8::/32", "2001:db8:1::1", true, true},
        {"bogus", "203.0.113.77", true, false},       /* invalid: nobody */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *names[] = {"ip_allowlist"}, *values[] = {rows[i].list};
        struct security_settings s;
        security_settings_parse(&s, names, values, rows[i].list ? 1 : 0);
        uint8_t a[16];
        cidr_addr_parse(rows[i].addr, strlen(rows[i].addr), a);
        tap_ok(security_settings_allows(&s, rows[i].known, a) == rows[i].want, "allowlist '%s', %s client %s: %s",
               rows[i].list ? rows[i].list : "(none)", rows[i].known ? "known" : "unknown", rows[i].addr,
               rows[i].want ? "allowed" : "refused");
    }
}

int main(void)
{
    test_rows();
    test_allows();
    return tap_done();
}
