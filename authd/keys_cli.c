/*
 * authd/keys_cli.c — the `authd keys …` subcommands: a table and a dispatcher.
 *
 * Each row's function does its own work (signing keys here; connection keys in their own module).
 * Nothing here runs inside the server.
 */
#include "authd/keys_cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authd/connection_keys.h"
#include "authd/signing.h"
#include "common/log.h"

static int keys_rotate(const struct config *cfg, int argc, char **argv)
{
    (void)argv;
    if (argc != 0) {
        fputs("usage: authd keys rotate\n", stderr);
        return 2;
    }
    char err[600], kid[SIGNING_KID_BYTES];
    if (signing_keys_rotate(cfg->signing_key, (int64_t)time(NULL), kid, err, sizeof err) != 0) {
        log_error("keys rotate: %s", err);
        return 1;
    }
    log_info("keys rotate: new signing key %s is current; the previous key stays published for %d s", kid,
             SIGNING_RETAIN_S);
    printf("%s\n", kid);
    return 0;
}

static const struct keys_cli_command commands[] = {
    {"rotate", keys_rotate, "rotate                 make a new ES256 signing key current (running authd picks it up)"},
    {"create-connection-key", connection_keys_cli_create,
     "create-connection-key [--user LOGIN] [--label TEXT] [--expires-days N]   print a new key once"},
    {"list-connection-keys", connection_keys_cli_list, "list-connection-keys   id, hint, label, user, dates"},
    {"revoke-connection-key", connection_keys_cli_revoke, "revoke-connection-key ID"},
};

int keys_cli_run(const struct config *cfg, int argc, char **argv)
{
    for (size_t i = 0; argc >= 1 && i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[0], commands[i].name) == 0)
            return commands[i].fn(cfg, argc - 1, argv + 1);
    fputs("usage: authd keys SUBCOMMAND\n", stderr);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(stderr, "  %s\n", commands[i].usage);
    return 2;
}
