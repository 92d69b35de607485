/*
 * authd/connection_keys.h — connection keys: long-lived secrets a store owner pastes into the app (or
 * scans as a QR code), exchanged at POST /oauth/token (client_credentials) for tokens.
 *
 * Format: "cmk_" <id> "_" <43 base64url characters = 256 random bits>, e.g. cmk_12_Vx3…. The id is the
 * row's primary key: it only says where to look, never whether the key is right. The whole string
 * is stored as a bcrypt $2y$ hash (cost 10), so a key hashed by the PHP plugin's password_hash() over
 * the same string verifies too. Verification always runs exactly one bcrypt, against a fixed dummy
 * hash when the row is missing, revoked or expired, so its time says nothing about which of these
 * it was; the comparison inside bcrypt is constant-time. The non-secret hint is the last 4
 * characters of the key (the remaining 39 still carry 234 bits).
 */
#ifndef AUTHD_CONNECTION_KEYS_H
#define AUTHD_CONNECTION_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/db.h"

#define CONNECTION_KEY_PREFIX "cmk_"
#define CONNECTION_KEY_SECRET_CHARS 43 /* base64url of 32 bytes */
#define CONNECTION_KEY_MAX 72          /* bcrypt reads 72 bytes: a longer key is refused */
#define CONNECTION_KEY_BCRYPT_COST 10

struct connection_key {
    uint64_t id, user_id;
    bool usable;    /* found, not revoked, not expired */
    char hash[256]; /* key_hash */
};

/* Reads the id out of a presented key. 0, or -1 when it is not of our format. */
int connection_key_parse(const char *key, size_t len, uint64_t *id);

/* Loads row id (usable: not revoked, not expired, by the database clock). 0 (out->usable says whether
 * there is such a live key), or -1 on a database error. */
int connection_key_load(struct db *db, uint64_t id, struct connection_key *out);

/* The slow part (bcrypt, tens of ms; run it on the offload pool): true when key matches a usable k.
 * Always spends one bcrypt. Thread-safe, no database. */
bool connection_key_verify(const char *key, size_t len, const struct connection_key *k);

/* Records last_used_at and last_ip. 0, or -1. */
int connection_key_mark_used(struct db *db, uint64_t id, const char *ip);

/* Creates a key for user_id (label may be ""; expires_days 0 = never). Writes the key (NUL-terminated)
 * into out (>= CONNECTION_KEY_MAX + 1 bytes) and its id into *id. 0, or -1 (logged). */
int connection_key_create(struct db *db, uint64_t user_id, const char *label, unsigned expires_days,
                          char out[CONNECTION_KEY_MAX + 1], uint64_t *id);

/* `authd keys create-connection-key [--user LOGIN] [--label TEXT] [--expires-days N]`,
 * `authd keys list-connection-keys`, `authd keys revoke-connection-key ID` (keys_cli.h's table). */
int connection_keys_cli_create(const struct config *cfg, int argc, char **argv);
int connection_keys_cli_list(const struct config *cfg, int argc, char **argv);
int connection_keys_cli_revoke(const struct config *cfg, int argc, char **argv);

#endif
