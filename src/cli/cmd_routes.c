/* wharf routes: prints the route table as the Markdown of docs/api.md, so the
 * documentation comes from the same rows the dispatcher and the
 * authorization check use (a unit test keeps the two in step). */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "cli/cli.h"
#include "server/router.h"

int cmd_routes(int argc, char **argv)
{
  (void)argv;
  if (argc > 1) {
    cli_error("'wharf routes' takes no arguments");
    return 2;
  }
  router_print_markdown(stdout);
  return 0;
}
