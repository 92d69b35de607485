/*
 * authd/keys_cli.h — `authd keys SUBCOMMAND [ARGS]`: key management from the command line.
 *
 * One table of {name, fn, usage} in keys_cli.c; add a subcommand by adding a row.
 */
#ifndef AUTHD_KEYS_CLI_H
#define AUTHD_KEYS_CLI_H

#include "common/config.h"

struct keys_cli_command {
    const char *name;  /* "rotate" */
    int (*fn)(const struct config *cfg, int argc, char **argv); /* argv: the subcommand's own arguments */
    const char *usage; /* "rotate    make a new signing key current (the old one stays published)" */
};

/* Runs `keys argv[0] argv[1..]`; prints usage for an unknown subcommand. Returns the exit status. */
int keys_cli_run(const struct config *cfg, int argc, char **argv);

#endif
