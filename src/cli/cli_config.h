/* Command-line flags and BLOBHUB_RT_* environment variables -> rt_config_t. One table
 * describes every flag: its default, its environment name and its --help line. */
#ifndef RT_CLI_CONFIG_H
#define RT_CLI_CONFIG_H

#include <stdio.h>

#include "server.h"

/* Fills cfg with defaults, then the environment, then flags (flags win). Flags may be
 * `--name value` or `--name=value`. Non-flag arguments (a subcommand and its words) are
 * moved to the front of argv in order; *argc_rest tells how many. Returns 0, 1 when --help
 * was asked (help printed to out), or -1 after printing an error to err. Strings in cfg
 * point into argv/environ or static storage (nothing to free). */
int cli_config_parse(rt_config_t *cfg, int argc, char **argv, int *argc_rest, FILE *out, FILE *err);
void cli_config_help(FILE *out);

#endif
