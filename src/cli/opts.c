#include "cli/opts.h"

#include <getopt.h>

#include "cli/cli.h"

int cli_bad_option(const char *cmd, char **argv)
{
  cli_error("unknown or incomplete option '%s'; see 'wharf %s --help'", argv[optind - 1], cmd);
  return 2;
}

int cli_extra_args(const char *cmd, int argc, char **argv)
{
  if (optind >= argc)
    return 0;
  cli_error("unexpected argument '%s'; see 'wharf %s --help'", argv[optind], cmd);
  return 2;
}
