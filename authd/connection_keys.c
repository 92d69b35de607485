/*
 * authd/connection_keys.c — making, storing, finding and verifying connection keys, and the
 * `authd keys …-connection-key` commands.
 *
 * Owns the {p}cartman_connection_keys rows and the key format (see the header). Does not: issue
 * tokens (authd/grants.c), check the user's capabilities at use time (the token endpoint does, on
 * every exchange), or cache verified keys (apid's concern).
 */
#include "authd/connection_keys.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "authd/signing.h"
#include "common/audit.h"
#include "common/daemon.h"
#include "common/log.h"
#include "common/store.h"
#include "common/wp_password.h"

/* password_hash("cartman-dummy-connection-key", PASSWORD_BCRYPT): spent on when there is no live key */
static const char DUMMY_HASH[] = "$2y$10$QnHLQObNOFTY92z93LsskO6NeY39zeyl.ELj.X9QPBXnHrcc0pgvO";

static const char SQL_LOAD[] =
    "SELECT user_id, key_hash, (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > UTC_TIMESTAMP()))"
    " FROM {p}cartman_connection_keys WHERE id = ?";
static const char SQL_USED[] =
    "UPDATE {p}cartman_connection_keys SET last_used_at = UTC_TIMESTAMP(), last_ip = ? WHERE id = ?";
static const char SQL_INSERT[] =
    "INSERT INTO {p}cartman_connection_keys (key_hash, key_hint, label, user_id, created_at, expires_at)"
    " VALUES ('!', '', ?, ?, UTC_TIMESTAMP(), IF(? = 0, NULL, UTC_TIMESTAMP() + INTERVAL ? DAY))";
static const char SQL_SET_HASH[] = "UPDATE {p}cartman_connection_keys SET key_hash = ?, key_hint = ? WHERE id = ?";
static const char SQL_LIST[] =
    "SELECT k.id, k.key_hint, k.label, COALESCE(u.user_login, CONCAT('#', k.user_id)), k.created_at,"
    " COALESCE(k.expires_at, 'never'), COALESCE(k.last_used_at, '-'), COALESCE(k.revoked_at, '-')"
    " FROM {p}cartman_connection_keys k LEFT JOIN {p}users u ON u.ID = k.user_id ORDER BY k.id";
static const char SQL_REVOKE[] =
    "UPDATE {p}cartman_connection_keys SET revoked_at = UTC_TIMESTAMP() WHERE id = ? AND revoked_at IS NULL";
static const char SQL_FIRST_ADMIN[] =
    "SELECT user_id FROM {p}usermeta WHERE meta_key = CONCAT(?, 'capabilities')"
    " AND meta_value LIKE '%s:13:\"administrator\"%' ORDER BY user_id LIMIT 1";

int connection_key_parse(const char *key, size_t len, uint64_t *id)
{
    const size_t plen = sizeof CONNECTION_KEY_PREFIX - 1;
    if (len > CONNECTION_KEY_MAX || len < plen + 2 + CONNECTION_KEY_SECRET_CHARS ||
        memcmp(key, CONNECTION_KEY_PREFIX, plen) != 0)
        return -1;
    uint64_t v = 0;
    size_t i = plen, digits = 0;
    for (; i < len && key[i] >= '0' && key[i] <= '9' && digits < 19; i++, digits++)
        v = v * 10 + (uint64_t)(key[i] - '0');
    if (digits == 0 || v == 0 || i >= len || key[i] != '_' || len - i - 1 != CONNECTION_KEY_SECRET_CHARS)
        return -1;
    for (size_t j = i + 1; j < len; j++) {
        char c = key[j];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return -1;
    }
    *id = v;
    return 0;
}

int connection_key_load(struct db *db, uint64_t id, struct connection_key *out)
{
    memset(out, 0, sizeof *out);
    out->id = id;
    struct db_value p[] = {DB_UINT(id)};
    struct db_rows rows;
    if (db_query(db, SQL_LOAD, p, 1, &rows) != 0)
        return -1;
    if (rows.nrows == 1 && db_cell(&rows, 0, 0) && db_cell(&rows, 0, 1) &&
        db_cell_len(&rows, 0, 1) < sizeof out->hash) {
        out->user_id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
        memcpy(out->hash, db_cell(&rows, 0, 1), db_cell_len(&rows, 0, 1) + 1);
        out->usable = db_cell(&rows, 0, 2) && db_cell(&rows, 0, 2)[0] == '1';
    }
    db_rows_free(&rows);
    return 0;
}

bool connection_key_verify(const char *key, size_t len, const struct connection_key *k)
{
    const char *hash = k->usable ? k->hash : DUMMY_HASH;
    bool ok = wp_password_check_bcrypt(key, len, hash, strlen(hash));
    return ok && k->usable;
}

int connection_key_mark_used(struct db *db, uint64_t id, const char *ip)
{
    struct db_value p[] = {ip && *ip ? DB_STR(ip) : DB_NULLV, DB_UINT(id)};
    return db_exec(db, SQL_USED, p, 2, NULL);
}

int connection_key_create(struct db *db, uint64_t user_id, const char *label, unsigned expires_days,
                          char out[CONNECTION_KEY_MAX + 1], uint64_t *id)
{
    unsigned char raw[32];
    char secret[48], hash[64];
    if (RAND_bytes(raw, sizeof raw) != 1 ||
        signing_base64url(raw, sizeof raw, secret, sizeof secret) != CONNECTION_KEY_SECRET_CHARS) {
        log_error("connection key: no randomness");
        return -1;
    }
    OPENSSL_cleanse(raw, sizeof raw);
    size_t llen = strlen(label);
    struct db_value ins[] = {DB_STRN(label, llen > 200 ? 200 : llen), DB_UINT(user_id), DB_UINT(expires_days),
                             DB_UINT(expires_days)};
    struct db_exec_result r;
    int rc = -1;
    if (db_begin(db) != 0)
        goto out;
    if (db_exec(db, SQL_INSERT, ins, 4, &r) != 0)
        goto rollback;
    *id = r.insert_id;
    int n = snprintf(out, CONNECTION_KEY_MAX + 1, CONNECTION_KEY_PREFIX "%" PRIu64 "_%s", *id, secret);
    if (n < 0 || n > CONNECTION_KEY_MAX ||
        wp_password_hash_bcrypt(out, (size_t)n, CONNECTION_KEY_BCRYPT_COST, hash) != 0)
        goto rollback;
    char hint[8];
    snprintf(hint, sizeof hint, "%s", out + n - 4);
    struct db_value upd[] = {DB_STR(hash), DB_STR(hint), DB_UINT(*id)};
    if (db_exec(db, SQL_SET_HASH, upd, 3, NULL) != 0 || db_commit(db) != 0)
        goto rollback;
    rc = 0;
    goto out;
rollback:
    log_error("connection key: cannot store it: %s", db_error(db));
    db_rollback(db);
    OPENSSL_cleanse(out, CONNECTION_KEY_MAX + 1);
out:
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
}

/* ---- command line ---- */

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

static int user_may_manage(struct db *db, uint64_t user_id)
{
    json_t *caps = store_user_capabilities(db, user_id);
    int ok = caps && store_can(caps, "manage_woocommerce");
    json_decref(caps);
    return ok;
}

int connection_keys_cli_create(const struct config *cfg, int argc, char **argv)
{
    const char *login = NULL, *label = "";
    unsigned long days = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
            login = argv[++i];
        else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc)
            label = argv[++i];
        else if (strcmp(argv[i], "--expires-days") == 0 && i + 1 < argc && parse_uint(argv[i + 1], 36500, &days) == 0)
            i++;
        else {
            fputs("usage: authd keys create-connection-key [--user LOGIN] [--label TEXT] [--expires-days N]\n", stderr);
            return 2;
        }
    }
    struct db *db = daemon_db_open(cfg);
    if (db == NULL)
        return 1;
    int rc = 1;
    uint64_t user_id = 0;
    struct store_user u;
    if (login) {
        int f = store_user_find(db, login, strlen(login), &u);
        if (f != 1) {
            log_error("create-connection-key: no user '%s'", login);
            goto out;
        }
        user_id = u.id;
    } else {
        struct db_value p[] = {DB_STR(db_prefix(db))};
        struct db_rows rows;
        if (db_query(db, SQL_FIRST_ADMIN, p, 1, &rows) != 0) {
            log_error("create-connection-key: %s", db_error(db));
            goto out;
        }
        if (rows.nrows == 1 && db_cell(&rows, 0, 0))
            user_id = strtoull(db_cell(&rows, 0, 0), NULL, 10);
        db_rows_free(&rows);
        if (user_id == 0) {
            log_error("create-connection-key: the store has no administrator; name a user with --user");
            goto out;
        }
    }
    if (!user_may_manage(db, user_id)) {
        log_error("create-connection-key: user #%" PRIu64 " may not manage WooCommerce (manage_woocommerce)", user_id);
        goto out;
    }
    char key[CONNECTION_KEY_MAX + 1];
    uint64_t id;
    if (connection_key_create(db, user_id, label, (unsigned)days, key, &id) != 0)
        goto out;
    char oid[24];
    snprintf(oid, sizeof oid, "%" PRIu64, id);
    json_t *d = json_pack("{s:s, s:I}", "via", "cli", "expires_days", (json_int_t)days);
    audit_write(db, &(struct audit_event){.event = "key.create", .result = "ok", .user_id = user_id,
                                          .object_type = "connection_key", .object_id = oid, .detail = d});
    json_decref(d);
    printf("%s\n", key);
    fflush(stdout);
    OPENSSL_cleanse(key, sizeof key);
    log_info("create-connection-key: key %" PRIu64 " for user #%" PRIu64 " (shown once, stored hashed)", id, user_id);
    rc = 0;
out:
    db_close(db);
    return rc;
}

int connection_keys_cli_list(const struct config *cfg, int argc, char **argv)
{
    (void)argv;
    if (argc != 0) {
        fputs("usage: authd keys list-connection-keys\n", stderr);
        return 2;
    }
    struct db *db = daemon_db_open(cfg);
    if (db == NULL)
        return 1;
    struct db_rows rows;
    int rc = 1;
    if (db_query(db, SQL_LIST, NULL, 0, &rows) != 0) {
        log_error("list-connection-keys: %s", db_error(db));
    } else {
        printf("id\thint\tlabel\tuser\tcreated\texpires\tlast_used\trevoked\n");
        for (size_t i = 0; i < rows.nrows; i++) {
            for (size_t c = 0; c < rows.ncols; c++) {
                const char *v = db_cell(&rows, i, c);
                if (c == 1 && v)
                    printf("…%s\t", v);
                else
                    printf("%s%s", v ? v : "", c + 1 < rows.ncols ? "\t" : "\n");
            }
        }
        db_rows_free(&rows);
        rc = 0;
    }
    db_close(db);
    return rc;
}

int connection_keys_cli_revoke(const struct config *cfg, int argc, char **argv)
{
    unsigned long id;
    if (argc != 1 || parse_uint(argv[0], UINT64_MAX, &id) != 0 || id == 0) {
        fputs("usage: authd keys revoke-connection-key ID\n", stderr);
        return 2;
    }
    struct db *db = daemon_db_open(cfg);
    if (db == NULL)
        return 1;
    struct db_value p[] = {DB_UINT(id)};
    struct db_exec_result r;
    int rc = 1;
    if (db_exec(db, SQL_REVOKE, p, 1, &r) != 0) {
        log_error("revoke-connection-key: %s", db_error(db));
    } else if (r.affected == 0) {
        log_error("revoke-connection-key: no live key %lu", id);
    } else {
        char oid[24];
        snprintf(oid, sizeof oid, "%lu", id);
        audit_write(db, &(struct audit_event){.event = "key.revoke", .result = "ok", .object_type = "connection_key",
                                              .object_id = oid, .detail = NULL});
        log_info("revoke-connection-key: key %lu revoked", id);
        rc = 0;
    }
    db_close(db);
    return rc;
}
