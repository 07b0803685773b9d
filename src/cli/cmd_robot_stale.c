/* `wharf robot stale NS [--days N] [--json]`: the robots of an organization
 * (or your own) not used for N days (default 90) or never, through the
 * running server's robot list with ?unused_days=N (wharf extension,
 * docs/audit.md "Finding unused robots"). Registered in cmd_robot_api.c's
 * table; uses the API client (cli/client.h). Exit status 0 whether or not
 * robots are found; --json prints the robot objects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/apicmd.h"
#include "cli/client.h"

#define STALE_DAYS_DEFAULT 90
#define STALE_DAYS_MAX 36500

int cli_robot_stale(struct cli_call *x);

/* --days: a whole number of days, "90" or "90d". */
static int parse_days(long *out, const char *s)
{
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || (*end && strcmp(end, "d") != 0) || v < 0 || v > STALE_DAYS_MAX)
    return -1;
  *out = v;
  return 0;
}

int cli_robot_stale(struct cli_call *x)
{
  const char *ns = x->argv[0], *d = cli_opt(x, "days");
  long days = STALE_DAYS_DEFAULT;
  if (d && parse_days(&days, d))
    return cli_usage_error(x, "--days takes a number of days from 0 to 36500");
  char query[64];
  snprintf(query, sizeof(query), "?token=false&unused_days=%ld", days);
  json_t *resp = NULL;
  int rc = cli_robots_get(&resp, x, ns, query);
  if (rc)
    return rc;
  json_t *robots = json_object_get(resp, "robots");
  if (x->json) {
    cli_print_json(robots);
  } else {
    static const char *const h[] = { "NAME", "LAST USED", "CREATED", "DESCRIPTION" };
    struct cli_table *t = cli_table_new(4, h);
    size_t i;
    json_t *r;
    json_array_foreach(robots, i, r) {
      const char *last = cli_str(r, "last_accessed");
      const char *row[] = { cli_str(r, "name"), strcmp(last, "-") ? last : "never",
                            cli_str(r, "created"), cli_str(r, "description") };
      if (t)
        cli_table_add(t, row);
    }
    printf("Robots of %s not used for %ld days:\n", ns, days);
    cli_table_print(t, stdout);
  }
  json_decref(resp);
  return 0;
}
