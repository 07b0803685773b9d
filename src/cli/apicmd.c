/* One parser, --help layout and table printer for the API commands (see
 * apicmd.h): the subcommand tables in cmd_*.c are the single source. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/apicmd.h"
#include "cli/cli.h"

#define EXIT_TEXT "exit status: 0 ok, 1 API error or not found, 2 usage, 3 cannot connect or " \
                  "credentials refused\n"

static const struct cli_opt common_opts[] = {
  { "json", NULL, "print JSON for scripts instead of a table" },
  { "url", "URL", "server (default: $WHARF_URL, else the saved 'wharf login')" },
  { "token", "TOKEN", "API token (default: $WHARF_TOKEN, else the saved 'wharf login')" },
  { "help", NULL, "show this help" },
  { NULL, NULL, NULL },
};

static size_t opt_count(const struct cli_opt *o)
{
  size_t n = 0;
  while (o && o[n].name)
    n++;
  return n;
}

static void print_opts(FILE *f, const struct cli_opt *o)
{
  for (; o && o->name; o++) {
    char left[64];
    snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    fprintf(f, "  %-22s %s\n", left, o->help);
  }
}

/* "org create", or "login" for a command without subcommands. */
static const char *full_name(char *out, size_t len, const struct cli_group *g,
                             const struct cli_sub *s)
{
  snprintf(out, len, "%s%s%s", g->name, *s->name ? " " : "", s->name);
  return out;
}

static void sub_usage(FILE *f, const struct cli_group *g, const struct cli_sub *s)
{
  char n[128];
  fprintf(f, "usage: wharf %s%s%s [options]\n\n%s\n", full_name(n, sizeof(n), g, s),
          *s->args ? " " : "", s->args, s->help);
  if (s->details)
    fprintf(f, "\n%s", s->details);
  fprintf(f, "\noptions:\n");
  print_opts(f, s->opts);
  print_opts(f, common_opts);
  fprintf(f, "\n" EXIT_TEXT);
}

static void group_usage(FILE *f, const struct cli_group *g)
{
  fprintf(f, "usage: wharf %s <command> [options]\n\n%s\n\ncommands:\n", g->name, g->help);
  for (size_t i = 0; i < g->n; i++) {
    char left[96];
    snprintf(left, sizeof(left), "%s %s", g->subs[i].name, g->subs[i].args);
    fprintf(f, "  %-30s %s\n", left, g->subs[i].help);
  }
  fprintf(f, "\nRun 'wharf %s <command> --help' for its options.\n" EXIT_TEXT, g->name);
}

int cli_usage_error(const struct cli_call *x, const char *what)
{
  char n[128];
  cli_error("%s; run 'wharf %s --help'", what, full_name(n, sizeof(n), x->group, x->sub));
  return CLI_EXIT_USAGE;
}

const char *cli_opt(const struct cli_call *x, const char *name)
{
  for (size_t i = 0; i < opt_count(x->sub->opts) && i < CLI_OPTS_MAX; i++)
    if (strcmp(x->sub->opts[i].name, name) == 0)
      return x->val[i];
  return NULL;
}

/* Parses options into x; returns -1 to stop with *status set. */
static int parse(struct cli_call *x, int argc, char **argv, int *status)
{
  struct option lo[CLI_OPTS_MAX + 5];
  size_t n = opt_count(x->sub->opts), k = 0;
  if (n > CLI_OPTS_MAX)
    n = CLI_OPTS_MAX;
  for (size_t i = 0; i < n; i++)
    lo[k++] = (struct option){ x->sub->opts[i].name,
                               x->sub->opts[i].arg ? required_argument : no_argument, NULL,
                               1000 + (int)i };
  lo[k++] = (struct option){ "json", no_argument, NULL, 'j' };
  lo[k++] = (struct option){ "url", required_argument, NULL, 'u' };
  lo[k++] = (struct option){ "token", required_argument, NULL, 't' };
  lo[k++] = (struct option){ "help", no_argument, NULL, 'h' };
  lo[k] = (struct option){ NULL, 0, NULL, 0 };
  int ch;
  char name[128];
  full_name(name, sizeof(name), x->group, x->sub);
  optind = 1;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    if (ch >= 1000) {
      x->val[ch - 1000] = optarg ? optarg : "1";
      continue;
    }
    switch (ch) {
    case 'j': x->json = 1; break;
    case 'u': x->co.url = optarg; break;
    case 't': x->co.token = optarg; break;
    case 'h': sub_usage(stdout, x->group, x->sub); *status = 0; return -1;
    default:
      cli_error("unknown option or missing value in '%s'; run 'wharf %s --help'",
                argv[optind - 1], name);
      *status = CLI_EXIT_USAGE;
      return -1;
    }
  }
  x->argc = argc - optind;
  x->argv = argv + optind;
  if (x->argc < x->sub->min_args || x->argc > x->sub->max_args) {
    cli_error("'wharf %s' takes %s%s; run 'wharf %s --help'", name,
              *x->sub->args ? x->sub->args : "no arguments",
              x->argc < x->sub->min_args ? " (missing)" : " (too many given)", name);
    *status = CLI_EXIT_USAGE;
    return -1;
  }
  return 0;
}

int cli_group_run(const struct cli_group *g, int argc, char **argv)
{
  int single = g->n == 1 && !*g->subs[0].name;
  if (!single && (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
                  strcmp(argv[1], "help") == 0)) {
    group_usage(argc < 2 ? stderr : stdout, g);
    return argc < 2 ? CLI_EXIT_USAGE : 0;
  }
  const struct cli_sub *s = single ? &g->subs[0] : NULL;
  for (size_t i = 0; i < g->n && !s; i++)
    if (g->subs[i].fn && strcmp(g->subs[i].name, argv[1]) == 0)
      s = &g->subs[i];
  if (!s) {
    cli_error("unknown %s command '%s'; run 'wharf %s --help'", g->name, argv[1], g->name);
    return CLI_EXIT_USAGE;
  }
  struct cli_call x = { .group = g, .sub = s, .co = CLIENT_OPTS_INIT };
  int status = 0;
  int skip = single ? 0 : 1;   /* parse() starts after argv[0]: the group or sub name */
  if (parse(&x, argc - skip, argv + skip, &status) != 0)
    return status;
  if (!s->no_client && (status = client_open(&x.c, &x.co)) != 0)
    return status;
  status = s->fn(&x);
  client_free(x.c);
  return status;
}

void cli_print_json(const json_t *j)
{
  char *s = json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY);
  if (s)
    puts(s);
  free(s);
}

const char *cli_str(const json_t *j, const char *key)
{
  const char *s = json_string_value(json_object_get(j, key));
  return s ? s : "-";
}

struct cli_table {
  size_t ncols, nrows, alloc;
  char **cells;   /* (nrows + 1) * ncols, the header first */
};

struct cli_table *cli_table_new(size_t ncols, const char *const *headers)
{
  struct cli_table *t = calloc(1, sizeof(*t));
  if (!t)
    return NULL;
  t->ncols = ncols;
  if (ncols == 0 || cli_table_add(t, headers) != 0) {
    free(t->cells);
    free(t);
    return NULL;
  }
  return t;
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
  if (t->nrows == t->alloc) {
    size_t na = t->alloc ? t->alloc * 2 : 16;
    char **nc = realloc(t->cells, na * t->ncols * sizeof(*nc));
    if (!nc)
      return -1;
    t->cells = nc;
    t->alloc = na;
  }
  for (size_t i = 0; i < t->ncols; i++) {
    char *s = strdup(cells[i] ? cells[i] : "-");
    if (!s) {
      while (i--)
        free(t->cells[t->nrows * t->ncols + i]);
      return -1;
    }
    for (char *p = s; *p; p++)   /* one row per line, whatever the server sent */
      if (*p == '\n' || *p == '\t' || *p == '\r')
        *p = ' ';
    t->cells[t->nrows * t->ncols + i] = s;
  }
  t->nrows++;
  return 0;
}

/* Display width of a UTF-8 string: code points, not bytes. */
static size_t width(const char *s)
{
  size_t w = 0;
  for (; *s; s++)
    w += ((unsigned char)*s & 0xC0) != 0x80;
  return w;
}

void cli_table_print(struct cli_table *t, FILE *f)
{
  if (!t)
    return;
  size_t *w = calloc(t->ncols, sizeof(*w));
  for (size_t r = 0; w && r < t->nrows; r++)
    for (size_t c = 0; c < t->ncols; c++) {
      size_t cw = width(t->cells[r * t->ncols + c]);
      if (cw > w[c])
        w[c] = cw;
    }
  for (size_t r = 0; w && r < t->nrows; r++) {
    for (size_t c = 0; c < t->ncols; c++) {
      const char *s = t->cells[r * t->ncols + c];
      if (c + 1 == t->ncols)
        fprintf(f, "%s\n", s);
      else
        fprintf(f, "%s%*s", s, (int)(w[c] - width(s) + 2), "");
    }
  }
  if (t->nrows == 1)
    fprintf(f, "(none)\n");
  for (size_t i = 0; i < t->nrows * t->ncols; i++)
    free(t->cells[i]);
  free(t->cells);
  free(t);
  free(w);
}

int cli_duration(int64_t *out, const char *s)
{
  char *end;
  if (!s || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  long long mul = 1;
  if (errno || v < 0)
    return -1;
  if (*end) {
    switch (*end) {
    case 's': mul = 1; break;
    case 'm': mul = 60; break;
    case 'h': mul = 3600; break;
    case 'd': mul = 86400; break;
    case 'w': mul = 7 * 86400; break;
    default: return -1;
    }
    if (end[1])
      return -1;
  }
  if (v > INT64_MAX / mul)
    return -1;
  *out = (int64_t)(v * mul);
  return 0;
}

int cli_robot_path(char *out, size_t len, struct cli_call *x, const char *robot)
{
  const char *plus = strchr(robot, '+');
  char ns[256], path[1024];
  if (!plus || plus == robot || !plus[1] || strchr(plus + 1, '+') ||
      (size_t)(plus - robot) >= sizeof(ns))
    return cli_usage_error(x, "give the robot as NAMESPACE+NAME (e.g. acme+ci_bot)");
  snprintf(ns, sizeof(ns), "%.*s", (int)(plus - robot), robot);
  if (client_pathf(path, sizeof(path), "/api/v1/organization/%s", ns) != 0)
    return cli_usage_error(x, "robot name too long");
  long status = 0;
  json_t *j = NULL;
  int rc = client_request(&status, &j, x->c, "GET", path, NULL);
  json_decref(j);
  if (rc)
    return rc;
  int bad;
  if (status == 200) {
    bad = client_pathf(out, len, "/api/v1/organization/%s/robots/%s", ns, plus + 1);
  } else {
    /* not an organization: the caller's own user namespace, or nothing */
    json_t *me = NULL;
    if ((rc = client_call(&me, x->c, "GET", "/api/v1/user/", NULL, NULL)) != 0)
      return rc;
    int mine = strcmp(cli_str(me, "username"), ns) == 0;
    json_decref(me);
    if (!mine) {
      cli_error("'%s' is neither an organization nor your user name; check the part before "
                "the '+' ('wharf org list' shows your organizations)", ns);
      return CLI_EXIT_API;
    }
    bad = client_pathf(out, len, "/api/v1/user/robots/%s", plus + 1);
  }
  return bad ? cli_usage_error(x, "robot name too long") : 0;
}

int cli_robots_get(json_t **out, struct cli_call *x, const char *ns, const char *query)
{
  char path[1024], probe[600], what[300];
  snprintf(probe, sizeof(probe), "%s+xx", ns);
  int rc = cli_robot_path(path, sizeof(path), x, probe);
  if (rc)
    return rc;
  path[strlen(path) - 3] = '\0'; /* …/robots/xx → …/robots */
  size_t n = strlen(path);
  snprintf(path + n, sizeof(path) - n, "%s", query);
  snprintf(what, sizeof(what), "robots of %s", ns);
  return client_call(out, x->c, "GET", path, NULL, what);
}

int cli_next_page(char *next, size_t len, const json_t *resp)
{
  const char *np = json_string_value(json_object_get(resp, "next_page"));
  int more = np && *np && strlen(np) < len;
  if (more)
    snprintf(next, len, "%s", np);
  return more;
}
