/* wharf logs ORG|NS/REPO: the audit log of an organization or repository
 * (organization/{org}/logs, repository/{repo}/logs), oldest entry first as
 * `tail` shows it, filtered by kind and robot, and with --follow polling for
 * new entries. Entries carry only second resolution, so following remembers
 * the entries of the newest second it has shown and skips them next time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/apicmd.h"
#include "cli/cli.h"

#define PAGES_MAX 50          /* 20 entries a page */
#define LIMIT_DEFAULT 50
#define INTERVAL_MAX 3600

struct logs_q {
  char base[1024];            /* the logs path without query */
  char robot[512];            /* performer to keep ("" any) */
  const char *kinds;          /* comma-separated kinds to keep, or NULL */
  int is_org;
};

/* --since: a duration back from now, a date or an RFC 3339 UTC time. */
static int since_param(char *out, size_t len, const char *s)
{
  int64_t secs;
  if (cli_duration(&secs, s) == 0) {
    time_t t = time(NULL) - (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
      return -1;
    return 0;
  }
  size_t n = strlen(s);
  if ((n == 10 && s[4] == '-') || (n == 20 && s[10] == 'T' && s[19] == 'Z')) {
    snprintf(out, len, "%s", s);
    return 0;
  }
  return -1;
}

static int keep(const struct logs_q *q, json_t *e)
{
  if (q->robot[0]) {
    json_t *p = json_object_get(e, "performer");
    if (strcmp(cli_str(p, "name"), q->robot) != 0)
      return 0;
  }
  if (q->kinds) {
    const char *k = cli_str(e, "kind"), *p = q->kinds;
    size_t kl = strlen(k);
    for (;;) {
      size_t n = strcspn(p, ",");
      if (n == kl && strncmp(p, k, n) == 0)
        return 1;
      if (!p[n])
        return 0;
      p += n + 1;
    }
  }
  return 1;
}

/* Fetches entries since `since` (newest first, up to max kept) into out. */
static int fetch(json_t *out, struct cli_call *x, const struct logs_q *q, const char *since,
                 size_t max)
{
  char path[2048], next[1024] = "";
  for (int page = 0; page < PAGES_MAX && json_array_size(out) < max; page++) {
    size_t at = strlen(q->base);
    memcpy(path, q->base, at + 1);
    int bad = client_pathf(path + at, sizeof(path) - at, "?starttime=%s", since);
    if (!bad && q->is_org && q->robot[0])
      bad = client_pathf(path + strlen(path), sizeof(path) - strlen(path), "&performer=%s",
                         q->robot);
    if (!bad && *next)
      bad = client_pathf(path + strlen(path), sizeof(path) - strlen(path), "&next_page=%s",
                         next);
    if (bad)
      return cli_usage_error(x, "arguments too long");
    json_t *resp = NULL;
    int rc = client_call(&resp, x->c, "GET", path, NULL, x->argv[0]);
    if (rc)
      return rc;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(resp, "logs"), i, e)
      if (keep(q, e) && json_array_size(out) < max)
        json_array_append(out, e);
    int more = cli_next_page(next, sizeof(next), resp);
    json_decref(resp);
    if (!more)
      break;
  }
  return 0;
}

/* "2026-12-04 18:54:33" from Quay's RFC 2822 datetime (as is if it does not parse). */
static const char *short_time(char *out, size_t len, const char *rfc2822)
{
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  const char *end = strptime(rfc2822, "%a, %d %b %Y %H:%M:%S", &tm);
  if (!end || !strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm))
    snprintf(out, len, "%s", rfc2822);
  return out;
}

/* metadata as key=value pairs, without the internal oauth_token_id. */
static void details(char *out, size_t len, json_t *md)
{
  const char *k;
  json_t *v;
  size_t at = 0;
  out[0] = '\0';
  json_object_foreach(md, k, v) {
    if (strcmp(k, "oauth_token_id") == 0 || json_is_null(v) || at >= len)
      continue;
    char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    int n = snprintf(out + at, len - at, "%s%s=%s", at ? " " : "", k,
                     s ? s : json_string_value(v));
    free(s);
    if (n > 0)
      at += (size_t)n;
  }
}

#define ROW_FMT "%-19s  %-24s  %-16s  %-15s  %s\n"

/* Prints list (newest first) oldest first: an aligned table for people
 * (fixed widths, so followed entries line up under one header), a JSON array
 * for scripts, or JSON lines when following. */
static void print_entries(struct cli_call *x, json_t *list, int follow)
{
  if (x->json && !follow) {
    json_t *rev = json_array();
    for (size_t i = json_array_size(list); i-- > 0;)
      json_array_append(rev, json_array_get(list, i));
    cli_print_json(rev);
    json_decref(rev);
    return;
  }
  for (size_t i = json_array_size(list); i-- > 0;) {
    json_t *e = json_array_get(list, i);
    if (x->json) {
      char *s = json_dumps(e, JSON_COMPACT);
      if (s)
        puts(s);
      free(s);
      continue;
    }
    char when[64], md[1024];
    details(md, sizeof(md), json_object_get(e, "metadata"));
    printf(ROW_FMT, short_time(when, sizeof(when), cli_str(e, "datetime")), cli_str(e, "kind"),
           cli_str(json_object_get(e, "performer"), "name"), cli_str(e, "ip"), *md ? md : "-");
  }
  fflush(stdout);
}

/* The RFC 3339 time of entry e's datetime, for the next poll's starttime. */
static int entry_time(char *out, size_t len, json_t *e)
{
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  const char *end = strptime(cli_str(e, "datetime"), "%a, %d %b %Y %H:%M:%S", &tm);
  return end && strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) ? 0 : -1;
}

/* Entries of `list` not in `seen` (both newest first), in a new array. */
static json_t *unseen(json_t *list, json_t *seen)
{
  json_t *out = json_array();
  size_t i, k;
  json_t *e, *s;
  json_array_foreach(list, i, e) {
    int dup = 0;
    json_array_foreach(seen, k, s)
      if (json_equal(e, s)) {
        dup = 1;
        break;
      }
    if (!dup)
      json_array_append(out, e);
  }
  return out;
}

/* Polls until interrupted or an error; takes the reference to seen. */
static int follow(struct cli_call *x, const struct logs_q *q, json_t *seen, const char *since,
                  unsigned interval)
{
  char start[64];
  snprintf(start, sizeof(start), "%s", since);
  for (;;) {
    if (json_array_size(seen))
      entry_time(start, sizeof(start), json_array_get(seen, 0));
    sleep(interval);
    json_t *got = json_array();
    int rc = fetch(got, x, q, start, (size_t)PAGES_MAX * 20);
    if (rc) {
      json_decref(got);
      json_decref(seen);
      return rc;
    }
    json_t *fresh = unseen(got, seen);
    print_entries(x, fresh, 1);
    json_decref(fresh);
    if (json_array_size(got)) {
      json_decref(seen);
      seen = got;
    } else {
      json_decref(got);
    }
  }
}

static int logs_run(struct cli_call *x)
{
  struct logs_q q = { .kinds = cli_opt(x, "kind") };
  const char *target = x->argv[0], *robot = cli_opt(x, "robot"), *lim = cli_opt(x, "limit");
  const char *iv = cli_opt(x, "interval");
  char since[64];
  long limit = lim ? strtol(lim, NULL, 10) : LIMIT_DEFAULT;
  int64_t interval = 2;
  if (limit < 1 || limit > PAGES_MAX * 20)
    return cli_usage_error(x, "--limit takes 1 to 1000");
  if (iv && (cli_duration(&interval, iv) != 0 || interval < 1 || interval > INTERVAL_MAX))
    return cli_usage_error(x, "--interval takes 1s to 1h");
  if (since_param(since, sizeof(since), cli_opt(x, "since") ? cli_opt(x, "since") : "1d") != 0)
    return cli_usage_error(x, "--since takes a duration (30m, 2h, 7d), a date YYYY-MM-DD or "
                              "a time YYYY-MM-DDTHH:MM:SSZ");
  q.is_org = strchr(target, '/') == NULL;
  if (client_pathf(q.base, sizeof(q.base), q.is_org ? "/api/v1/organization/%s/logs"
                                                    : "/api/v1/repository/%r/logs",
                   target) != 0)
    return cli_usage_error(x, "name too long");
  if (robot) {
    size_t nl = strcspn(target, "/");
    if (strchr(robot, '+'))
      snprintf(q.robot, sizeof(q.robot), "%s", robot);
    else
      snprintf(q.robot, sizeof(q.robot), "%.*s+%s", (int)nl, target, robot);
  }
  json_t *list = json_array();
  int rc = fetch(list, x, &q, since, (size_t)limit);
  if (rc) {
    json_decref(list);
    return rc;
  }
  if (!x->json)
    printf(ROW_FMT, "TIME (UTC)", "KIND", "PERFORMER", "IP", "DETAILS");
  print_entries(x, list, cli_opt(x, "follow") != NULL);
  if (!x->json && !cli_opt(x, "follow") && json_array_size(list) == 0)
    printf("(none)\n");
  if (!cli_opt(x, "follow")) {
    json_decref(list);
    return 0;
  }
  return follow(x, &q, list, since, (unsigned)interval);
}

static const struct cli_opt logs_opts[] = {
  { "kind", "KIND[,KIND]", "only these kinds (e.g. push_repo,pull_repo)" },
  { "robot", "NAME", "only what robot NAME (or NS+NAME) did" },
  { "since", "WHEN", "from WHEN: 30m, 2h, 7d, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (default 1d)" },
  { "limit", "N", "show at most N entries, the newest (default 50)" },
  { "follow", NULL, "keep polling and print new entries as they come (Ctrl-C stops)" },
  { "interval", "DURATION", "poll interval for --follow (default 2s)" },
  { NULL, NULL, NULL },
};

static const struct cli_sub logs_sub[] = {
  { "", "ORG|NS/REPO", 1, 1, "Shows the audit log of an organization or a repository.",
    "Entries are shown oldest first, like tail. --json prints an array (JSON lines\n"
    "with --follow). The token needs admin rights on the organization or repository.\n"
    "What each kind records: docs/audit.md.\n",
    logs_opts, logs_run, 0 },
};

const struct cli_group cli_group_logs = { "logs", "Audit logs.", logs_sub, 1 };

int cmd_logs(int argc, char **argv)
{
  return cli_group_run(&cli_group_logs, argc, argv);
}
