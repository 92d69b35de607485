/*
 * authd/clients.c — the OAuth client registry (rules in authd/clients.h): the built-in client, lookup
 * in {p}cartman_clients, redirect-URI matching, secret checks and `authd clients …`.
 *
 * Deliberately not here: what a client may do with its grant (the token endpoint decides), revoking a
 * deleted client's grants (the grants code does), and any fuzzy URI comparison — no normalisation,
 * no case folding, no percent-decoding: what was registered is what matches.
 */
#include "authd/clients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "authd/signing.h"
#include "common/log.h"

#define REDIRECT_URI_MAX 2000 /* one redirect URI (cartman_auth_codes.redirect_uri is varchar(2000)) */

static const char SQL_FIND[] = "SELECT client_id, name, client_type, redirect_uris, COALESCE(secret_hash, ''),"
                               " allowed_scopes FROM {p}cartman_clients WHERE client_id = ?";
static const char SQL_INSERT[] = "INSERT INTO {p}cartman_clients (client_id, name, client_type, redirect_uris,"
                                 " secret_hash, allowed_scopes, created_at, updated_at)"
                                 " VALUES (?, ?, ?, ?, ?, '', UTC_TIMESTAMP(), UTC_TIMESTAMP())";
static const char SQL_LIST[] = "SELECT client_id, client_type, name, redirect_uris, created_at FROM {p}cartman_clients"
                               " ORDER BY created_at, client_id";
static const char SQL_DELETE[] = "DELETE FROM {p}cartman_clients WHERE client_id = ?";

int clients_add_redirect(struct client *out, const char *uri, size_t len)
{
    size_t used = out->nredirect ? out->redirect_off[out->nredirect - 1] + out->redirect_len[out->nredirect - 1] + 1 : 0;
    if (out->nredirect == CLIENTS_MAX_REDIRECTS || len >= sizeof out->redirect_buf - used || memchr(uri, '\0', len))
        return -1;
    memcpy(out->redirect_buf + used, uri, len);
    out->redirect_buf[used + len] = '\0';
    out->redirect_off[out->nredirect] = used;
    out->redirect_len[out->nredirect] = len;
    out->nredirect++;
    return 0;
}

void clients_builtin(struct client *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->client_id, sizeof out->client_id, "%s", CLIENTS_BUILTIN_ID);
    snprintf(out->name, sizeof out->name, "CartMan");
    out->builtin = true;
    static const char *const uris[] = {"cartman://oauth/callback", "http://127.0.0.1/callback",
                                       "http://[::1]/callback"};
    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++)
        clients_add_redirect(out, uris[i], strlen(uris[i]));
}

/* Parses a loopback redirect URI: "http://" host [":" port] "/callback", host 127.0.0.1 or [::1], port
 * 1-65535 without leading zeros. Returns 4 or 6 (the host), 0 for anything else. */
static int loopback_host(const char *u, size_t len)
{
    static const char scheme[] = "http://", v4[] = "127.0.0.1", v6[] = "[::1]", path[] = "/callback";
    size_t i = sizeof scheme - 1;
    int host;
    if (len < i || memcmp(u, scheme, i) != 0)
        return 0;
    if (len - i >= sizeof v4 - 1 && memcmp(u + i, v4, sizeof v4 - 1) == 0) {
        host = 4;
        i += sizeof v4 - 1;
    } else if (len - i >= sizeof v6 - 1 && memcmp(u + i, v6, sizeof v6 - 1) == 0) {
        host = 6;
        i += sizeof v6 - 1;
    } else {
        return 0;
    }
    if (i < len && u[i] == ':') {
        i++;
        unsigned long port = 0;
        size_t digits = 0;
        while (i < len && u[i] >= '0' && u[i] <= '9' && digits < 6) {
            port = port * 10 + (unsigned long)(u[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0 || digits > 5 || port == 0 || port > 65535 || u[i - digits] == '0')
            return 0;
    }
    if (len - i != sizeof path - 1 || memcmp(u + i, path, sizeof path - 1) != 0)
        return 0;
    return host;
}

/* exp://host:port/--/path of an Expo development build: a conservative character set, no fragment. */
static bool expo_uri(const char *u, size_t len)
{
    static const char scheme[] = "exp://";
    if (len <= sizeof scheme - 1 || len > REDIRECT_URI_MAX || memcmp(u, scheme, sizeof scheme - 1) != 0)
        return false;
    for (size_t i = sizeof scheme - 1; i < len; i++) {
        unsigned char ch = (unsigned char)u[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (!alnum && !strchr("-._~:/?=&%+", ch))
            return false;
    }
    return true;
}

bool clients_redirect_uri_allowed(const struct client *c, const char *uri, size_t len, bool dev_mode)
{
    if (uri == NULL || len == 0 || len > REDIRECT_URI_MAX)
        return false;
    int lb = loopback_host(uri, len);
    for (size_t i = 0; i < c->nredirect; i++) {
        const char *r = clients_redirect(c, i);
        size_t rlen = c->redirect_len[i];
        if (rlen == len && memcmp(r, uri, len) == 0)
            return true;
        if (lb != 0 && loopback_host(r, rlen) == lb)
            return true;
    }
    return dev_mode && c->builtin && expo_uri(uri, len);
}

static void sha256_hex(const char *in, size_t len, char out[65])
{
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)in, len, d);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof d; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
    OPENSSL_cleanse(d, sizeof d);
}

bool clients_check_secret(const struct client *c, const char *secret, size_t len)
{
    static const char prefix[] = "sha256:";
    if (!c->confidential || strlen(c->secret_hash) != sizeof prefix - 1 + 64 ||
        memcmp(c->secret_hash, prefix, sizeof prefix - 1) != 0 || secret == NULL || len == 0 || len > 512)
        return false;
    char h[65];
    sha256_hex(secret, len, h);
    bool ok = CRYPTO_memcmp(h, c->secret_hash + sizeof prefix - 1, 64) == 0;
    OPENSSL_cleanse(h, sizeof h);
    return ok;
}

/* Fills out->redirect_* from the stored JSON array. 0, or -1 when malformed. */
static int parse_redirects(struct client *out, const char *s, size_t len)
{
    json_t *a = json_loadb(s, len, 0, NULL);
    int rc = json_is_array(a) ? 0 : -1;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        if (!json_is_string(v) || clients_add_redirect(out, json_string_value(v), json_string_length(v)) != 0)
            rc = -1;
    }
    json_decref(a);
    return rc;
}

int clients_find(struct db *db, const char *client_id, size_t len, struct client *out)
{
    if (len == sizeof CLIENTS_BUILTIN_ID - 1 && memcmp(client_id, CLIENTS_BUILTIN_ID, len) == 0) {
        clients_builtin(out);
        return 0;
    }
    if (len == 0 || len >= CLIENTS_ID_BYTES || memchr(client_id, '\0', len))
        return 1;
    if (db == NULL)
        return -1;
    struct db_value p[] = {DB_STRN(client_id, len)};
    struct db_rows rows;
    if (db_query(db, SQL_FIND, p, 1, &rows) != 0)
        return -1;
    int rc = 1;
    if (rows.nrows == 1) {
        memset(out, 0, sizeof *out);
        const char *type = db_cell(&rows, 0, 2);
        /* the collation compares case-insensitively: the id must be the very same bytes */
        if (db_cell_len(&rows, 0, 0) != len || memcmp(db_cell(&rows, 0, 0), client_id, len) != 0) {
            rc = 1;
        } else if (parse_redirects(out, db_cell(&rows, 0, 3), db_cell_len(&rows, 0, 3)) != 0 ||
                   db_cell_len(&rows, 0, 4) >= sizeof out->secret_hash ||
                   db_cell_len(&rows, 0, 5) >= sizeof out->allowed_scopes) {
            log_warn("client %.*s: malformed row in cartman_clients", (int)len, client_id);
            rc = -1;
        } else {
            memcpy(out->client_id, client_id, len);
            snprintf(out->name, sizeof out->name, "%s", db_cell(&rows, 0, 1));
            out->confidential = type != NULL && strcmp(type, "confidential") == 0;
            snprintf(out->secret_hash, sizeof out->secret_hash, "%s", db_cell(&rows, 0, 4));
            snprintf(out->allowed_scopes, sizeof out->allowed_scopes, "%s", db_cell(&rows, 0, 5));
            rc = 0;
        }
    }
    db_rows_free(&rows);
    return rc;
}

/* A redirect URI a client may register: absolute (scheme ":"), printable ASCII without spaces, no
 * fragment, at most REDIRECT_URI_MAX bytes. */
static bool registrable_uri(const char *u)
{
    size_t len = strlen(u), i = 0;
    if (len == 0 || len > REDIRECT_URI_MAX)
        return false;
    while (i < len && ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= '0' && u[i] <= '9' && i > 0) ||
                       ((u[i] == '+' || u[i] == '-' || u[i] == '.') && i > 0)))
        i++;
    if (i == 0 || i == len || u[i] != ':')
        return false;
    for (i = 0; i < len; i++)
        if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f || u[i] == '#' || u[i] == '\\')
            return false;
    return true;
}

static const char CLIENTS_USAGE[] = "usage: authd clients create --name NAME [--confidential] [--redirect-uri URI]...\n"
                                    "       authd clients list\n"
                                    "       authd clients delete CLIENT_ID\n";

static int cmd_create(struct db *db, int argc, char **argv)
{
    const char *name = NULL;
    bool confidential = false;
    json_t *uris = json_array();
    int rc = 2;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
            name = argv[++i];
        } else if (strcmp(argv[i], "--confidential") == 0) {
            confidential = true;
        } else if (strcmp(argv[i], "--redirect-uri") == 0 && i + 1 < argc) {
            const char *u = argv[++i];
            if (!registrable_uri(u)) {
                fprintf(stderr, "authd clients create: not an acceptable redirect URI: %s\n", u);
                goto out;
            }
            json_array_append_new(uris, json_string(u));
        } else {
            fprintf(stderr, "authd clients create: unexpected argument %s\n%s", argv[i], CLIENTS_USAGE);
            goto out;
        }
    }
    if (name == NULL || name[0] == '\0' || strlen(name) >= CLIENTS_NAME_BYTES) {
        fprintf(stderr, "authd clients create: --name NAME (1-200 bytes) is required\n");
        goto out;
    }
    if (!confidential && json_array_size(uris) == 0) {
        fprintf(stderr, "authd clients create: a public client needs at least one --redirect-uri\n");
        goto out;
    }
    if (json_array_size(uris) > CLIENTS_MAX_REDIRECTS) {
        fprintf(stderr, "authd clients create: at most %d redirect URIs\n", CLIENTS_MAX_REDIRECTS);
        goto out;
    }
    char *uris_json = json_dumps(uris, JSON_COMPACT);
    if (uris_json == NULL || strlen(uris_json) >= CLIENTS_REDIRECT_BYTES) {
        fprintf(stderr, "authd clients create: the redirect URIs are too long together\n");
        free(uris_json);
        goto out;
    }
    unsigned char idr[12], sr[32];
    char id[24] = "cm-", secret[48] = "", hash[80] = "";
    if (RAND_bytes(idr, sizeof idr) != 1 || RAND_bytes(sr, sizeof sr) != 1) {
        fprintf(stderr, "authd clients create: no randomness\n");
        free(uris_json);
        rc = 1;
        goto out;
    }
    signing_base64url(idr, sizeof idr, id + 3, sizeof id - 3);
    if (confidential) {
        signing_base64url(sr, sizeof sr, secret, sizeof secret);
        char hex[65];
        sha256_hex(secret, strlen(secret), hex);
        snprintf(hash, sizeof hash, "sha256:%s", hex);
    }
    OPENSSL_cleanse(sr, sizeof sr);
    struct db_value p[] = {DB_STR(id), DB_STR(name), DB_STR(confidential ? "confidential" : "public"),
                           DB_STR(uris_json), confidential ? DB_STR(hash) : DB_NULLV};
    if (db_exec(db, SQL_INSERT, p, 5, NULL) != 0) {
        log_error("clients create: %s", db_error(db));
        rc = 1;
    } else {
        json_t *o = json_pack("{s:s, s:s, s:s, s:O}", "client_id", id, "name", name, "client_type",
                              confidential ? "confidential" : "public", "redirect_uris", uris);
        if (confidential) /* shown this once: only its hash is stored */
            json_object_set_new(o, "client_secret", json_string(secret));
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (s != NULL) {
            puts(s);
            OPENSSL_cleanse(s, strlen(s));
            free(s);
        }
        if (confidential)
            fputs("The client secret is shown only now: store it safely.\n", stderr);
        rc = 0;
    }
    OPENSSL_cleanse(secret, sizeof secret);
    free(uris_json);
out:
    json_decref(uris);
    return rc;
}

static int cmd_list(struct db *db)
{
    struct client b;
    clients_builtin(&b);
    printf("%s\tpublic\t%s\tbuilt-in", b.client_id, b.name);
    for (size_t i = 0; i < b.nredirect; i++)
        printf("%s%s", i ? " " : "\t", clients_redirect(&b, i));
    puts(" (loopback: any port)");
    struct db_rows rows;
    if (db_query(db, SQL_LIST, NULL, 0, &rows) != 0) {
        log_error("clients list: %s", db_error(db));
        return 1;
    }
    for (size_t r = 0; r < rows.nrows; r++) {
        struct client c = {0};
        parse_redirects(&c, db_cell(&rows, r, 3), db_cell_len(&rows, r, 3));
        printf("%s\t%s\t%s\t%s", db_cell(&rows, r, 0), db_cell(&rows, r, 1), db_cell(&rows, r, 2), db_cell(&rows, r, 4));
        for (size_t i = 0; i < c.nredirect; i++)
            printf("%s%s", i ? " " : "\t", clients_redirect(&c, i));
        putchar('\n');
    }
    db_rows_free(&rows);
    return 0;
}

static int cmd_delete(struct db *db, const char *id)
{
    if (strcmp(id, CLIENTS_BUILTIN_ID) == 0) {
        fprintf(stderr, "authd clients delete: %s is built in\n", id);
        return 1;
    }
    struct db_value p[] = {DB_STR(id)};
    struct db_exec_result res;
    if (db_exec(db, SQL_DELETE, p, 1, &res) != 0) {
        log_error("clients delete: %s", db_error(db));
        return 1;
    }
    if (res.affected == 0) {
        fprintf(stderr, "authd clients delete: no client %s\n", id);
        return 1;
    }
    printf("deleted %s\n", id);
    return 0;
}

int clients_command(struct db *db, int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "create") == 0)
        return cmd_create(db, argc - 1, argv + 1);
    if (argc == 1 && strcmp(argv[0], "list") == 0)
        return cmd_list(db);
    if (argc == 2 && strcmp(argv[0], "delete") == 0)
        return cmd_delete(db, argv[1]);
    fputs(CLIENTS_USAGE, stderr);
    return 2;
}
