/*
 * tests/unit/test_clients.c — authd/clients: redirect-URI matching for the built-in client and a
 * registered one (look-alikes of every kind), the built-in lookup, secret checks.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "authd/clients.h"
#include "tests/tap.h"

#define S(lit) lit, sizeof(lit) - 1

struct row {
    const char *uri;
    size_t len;
    bool dev; /* dev_mode */
    bool want;
};

/* the built-in cartman-mobile client */
static const struct row builtin_rows[] = {
    {S("cartman://oauth/callback"), false, true},
    {S("http://127.0.0.1:53123/callback"), false, true},
    {S("http://127.0.0.1:1/callback"), false, true},
    {S("http://127.0.0.1:65535/callback"), false, true},
    {S("http://127.0.0.1/callback"), false, true},
    {S("http://[::1]:53123/callback"), false, true},
    {S("http://[::1]/callback"), false, true},
    /* custom scheme: exact only */
    {S("cartman://oauth/callback/"), false, false},
    {S("cartman://oauth/callback?x=1"), false, false},
    {S("cartman://oauth/callback#frag"), false, false},
    {S("cartman://oauth/Callback"), false, false},
    {S("CARTMAN://oauth/callback"), false, false},
    {S("Cartman://oauth/callback"), false, false},
    {S("cartman://OAUTH/callback"), false, false},
    {S("cartman://oauth/callback "), false, false},
    {S(" cartman://oauth/callback"), false, false},
    {S("cartman://oauth/callback\0evil"), false, false},
    {S("cartman://oauth/callback\n"), false, false},
    {S("cartman://oauth%2Fcallback"), false, false},
    {S("cartman://oauth/%63allback"), false, false},
    {S("cartman:/oauth/callback"), false, false},
    {S("cartman://evil@oauth/callback"), false, false},
    /* loopback look-alikes */
    {S("http://localhost:53123/callback"), false, false},
    {S("http://127.0.0.2:53123/callback"), false, false},
    {S("http://127.0.0.1.evil.com/callback"), false, false},
    {S("http://127.0.0.1.evil.com:53123/callback"), false, false},
    {S("http://127.0.0.1:80@evil.com/callback"), false, false},
    {S("http://evil.com@127.0.0.1:53123/callback"), false, false},
    {S("http://user:pw@127.0.0.1:53123/callback"), false, false},
    {S("https://127.0.0.1:53123/callback"), false, false},
    {S("HTTP://127.0.0.1:53123/callback"), false, false},
    {S("Http://127.0.0.1:53123/callback"), false, false},
    {S("http://127.0.0.1:53123/callback/"), false, false},
    {S("http://127.0.0.1:53123/callback?x=1"), false, false},
    {S("http://127.0.0.1:53123/callback?"), false, false},
    {S("http://127.0.0.1:53123/callback#"), false, false},
    {S("http://127.0.0.1:53123/callback#x"), false, false},
    {S("http://127.0.0.1:53123/Callback"), false, false},
    {S("http://127.0.0.1:53123/callback/extra"), false, false},
    {S("http://127.0.0.1:53123/callbackx"), false, false},
    {S("http://127.0.0.1:53123//callback"), false, false},
    {S("http://127.0.0.1:53123/./callback"), false, false},
    {S("http://127.0.0.1:53123/x/../callback"), false, false},
    {S("http://127.0.0.1:53123/%63allback"), false, false},
    {S("http://127.0.0.1:53123%2Fcallback"), false, false},
    {S("http://127.0.0.1%3A53123/callback"), false, false},
    {S("http://127.0.0.1:53123\\callback"), false, false},
    {S("http:\\\\127.0.0.1:53123/callback"), false, false},
    {S("http://127.0.0.1:53123/callback\0"), false, false},
    {S("http://127.0.0.1\0.evil.com/callback"), false, false},
    {S("http://127.0.0.1:53123/callback "), false, false},
    {S("http://127.0.0.1:53123/callback\t"), false, false},
    {S(" http://127.0.0.1:53123/callback"), false, false},
    {S("http://127.0.0.1 :53123/callback"), false, false},
    {S("http://127.0.0.1:/callback"), false, false},
    {S("http://127.0.0.1:0/callback"), false, false},
    {S("http://127.0.0.1:053123/callback"), false, false},
    {S("http://127.0.0.1:65536/callback"), false, false},
    {S("http://127.0.0.1:99999/callback"), false, false},
    {S("http://127.0.0.1:100000/callback"), false, false},
    {S("http://127.0.0.1:+80/callback"), false, false},
    {S("http://127.0.0.1:-1/callback"), false, false},
    {S("http://127.0.0.1:80:81/callback"), false, false},
    {S("http://127.1:53123/callback"), false, false},
    {S("http://2130706433:53123/callback"), false, false},
    {S("http://0x7f.0.0.1:53123/callback"), false, false},
    {S("http://127.000.000.001:53123/callback"), false, false},
    {S("http://[::1]53123/callback"), false, false},
    {S("http://[0:0:0:0:0:0:0:1]:53123/callback"), false, false},
    {S("http://[::ffff:127.0.0.1]:53123/callback"), false, false},
    {S("http://::1:53123/callback"), false, false},
    {S("http://[::1%25eth0]:53123/callback"), false, false},
    {S("http:/127.0.0.1:53123/callback"), false, false},
    {S("//127.0.0.1:53123/callback"), false, false},
    {S("http://127.0.0.1:53123"), false, false},
    {S("http://127.0.0.1:53123/"), false, false},
    {S(""), false, false},
    /* Expo development redirects: only in dev mode */
    {S("exp://192.168.1.20:8081/--/oauth/callback"), false, false},
    {S("exp://192.168.1.20:8081/--/oauth/callback"), true, true},
    {S("exp://"), true, false},
    {S("exp://host/cb#frag"), true, false},
    {S("exp://host/cb x"), true, false},
    {S("exp://host\\cb"), true, false},
    {S("EXP://host/cb"), true, false},
    {S("exps://host/cb"), true, false},
    /* dev mode changes nothing else */
    {S("http://localhost:53123/callback"), true, false},
    {S("cartman://oauth/callback/"), true, false},
};

/* a registered client: exact matching, and loopback any-port only on the host it registered */
static const struct row registered_rows[] = {
    {S("https://app.example.com/oauth/cb"), false, true},
    {S("https://app.example.com:443/oauth/cb"), false, false},
    {S("https://app.example.com:8443/oauth/cb"), false, false},
    {S("https://APP.example.com/oauth/cb"), false, false},
    {S("HTTPS://app.example.com/oauth/cb"), false, false},
    {S("https://app.example.com/oauth/cb/"), false, false},
    {S("https://app.example.com/oauth/cb?a=b"), false, false},
    {S("https://app.example.com/oauth/cb#x"), false, false},
    {S("https://app.example.com/oauth/cb/../cb"), false, false},
    {S("https://app.example.com/oauth/%63b"), false, false},
    {S("https://app.example.com.evil.com/oauth/cb"), false, false},
    {S("https://evil.com@app.example.com/oauth/cb"), false, false},
    {S("https://app.example.com/oauth/cb\0"), false, false},
    {S("http://app.example.com/oauth/cb"), false, false},
    {S("http://127.0.0.1:4000/callback"), false, true},
    {S("http://127.0.0.1/callback"), false, true},
    {S("http://[::1]:4000/callback"), false, false}, /* only 127.0.0.1 was registered */
    {S("http://127.0.0.1:4000/other"), false, false},
    {S("exp://192.168.1.20:8081/--/oauth/callback"), true, false}, /* exp:// is for the built-in client only */
};

static void run_rows(const struct client *c, const struct row *rows, size_t n, const char *label)
{
    for (size_t i = 0; i < n; i++) {
        bool got = clients_redirect_uri_allowed(c, rows[i].uri, rows[i].len, rows[i].dev);
        char shown[160];
        size_t o = 0;
        for (size_t j = 0; j < rows[i].len && o + 5 < sizeof shown; j++) {
            unsigned char ch = (unsigned char)rows[i].uri[j];
            if (ch < 0x20 || ch >= 0x7f)
                o += (size_t)snprintf(shown + o, sizeof shown - o, "\\x%02x", ch);
            else
                shown[o++] = (char)ch;
        }
        shown[o] = '\0';
        tap_ok(got == rows[i].want, "%s: %s'%s' %s", label, rows[i].dev ? "(dev) " : "", shown,
               rows[i].want ? "accepted" : "refused");
    }
}

int main(void)
{
    struct client c;
    TAP_EQ_INT(clients_find(NULL, S("cartman-mobile"), &c), 0, "the built-in client is found without a database");
    TAP_EQ_STR(c.client_id, "cartman-mobile", "built-in id");
    TAP_EQ_STR(c.name, "CartMan", "built-in name");
    tap_ok(!c.confidential && c.builtin, "built-in client is public");
    TAP_EQ_INT(clients_find(NULL, S("cartman-mobilE"), &c), -1, "another id needs the database");
    TAP_EQ_INT(clients_find(NULL, S(""), &c), 1, "an empty id is not found");
    TAP_EQ_INT(clients_find(NULL, S("cartman-mobile\0"), &c), 1, "an id with a NUL is not found");
    clients_builtin(&c);
    run_rows(&c, builtin_rows, sizeof builtin_rows / sizeof builtin_rows[0], "cartman-mobile");

    struct client r = {0};
    snprintf(r.client_id, sizeof r.client_id, "cm-test");
    clients_add_redirect(&r, S("https://app.example.com/oauth/cb"));
    clients_add_redirect(&r, S("http://127.0.0.1:4000/callback"));
    run_rows(&r, registered_rows, sizeof registered_rows / sizeof registered_rows[0], "registered");
    tap_ok(clients_add_redirect(&r, S("a\0b")) == -1, "a redirect URI with a NUL is not stored");

    /* secrets: "sha256:" + hex of SHA-256 */
    static const char secret[] = "Zq3-secret-value_0123456789abcdefghijklmnopq";
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)secret, sizeof secret - 1, d);
    int o = snprintf(r.secret_hash, sizeof r.secret_hash, "sha256:");
    for (size_t i = 0; i < sizeof d; i++)
        o += snprintf(r.secret_hash + o, sizeof r.secret_hash - (size_t)o, "%02x", d[i]);
    tap_ok(!clients_check_secret(&r, S(secret)), "a public client has no secret, whatever is stored");
    r.confidential = true;
    tap_ok(clients_check_secret(&r, S(secret)), "the right secret");
    tap_ok(!clients_check_secret(&r, secret, sizeof secret - 2), "a truncated secret");
    tap_ok(!clients_check_secret(&r, S("Zq3-secret-value_0123456789abcdefghijklmnopQ")), "a secret differing in case");
    tap_ok(!clients_check_secret(&r, S("")), "an empty secret");
    tap_ok(!clients_check_secret(&r, NULL, 0), "no secret");
    r.secret_hash[10] = '\0';
    tap_ok(!clients_check_secret(&r, S(secret)), "a malformed stored hash matches nothing");
    r.secret_hash[0] = '\0';
    tap_ok(!clients_check_secret(&r, S("")), "an empty stored hash matches nothing");
    return tap_done();
}
