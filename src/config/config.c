/* Loading the configuration: defaults, then the YAML file, WHARF_*
 * environment variables and command-line flags, each overriding the one
 * before, for every row of the table in config_table.c. */
#include "config/config_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "util/err.h"

/* --- field access ------------------------------------------------------ */

static char **str_slot(struct config *c, const struct config_row *r)
{
  return (char **)(void *)((char *)c + r->offset);
}

static char *str_get(const struct config *c, const struct config_row *r)
{
  return *(char *const *)(const void *)((const char *)c + r->offset);
}

static long *int_slot(struct config *c, const struct config_row *r)
{
  return (long *)(void *)((char *)c + r->offset);
}

static int *bool_slot(struct config *c, const struct config_row *r)
{
  return (int *)(void *)((char *)c + r->offset);
}

/* Defaults point at the table's static text, so config_init allocates
 * nothing and can't fail; anything else in a string field is ours to free. */
static void str_release(const struct config_row *r, char *p)
{
  if (p && p != r->str_def)
    free(p);
}

void config_init(struct config *c)
{
  memset(c, 0, sizeof(*c));
  for (size_t i = 0; i < config_table_n; i++) {
    const struct config_row *r = &config_table[i];
    if (r->type == CONFIG_STRING)
      *str_slot(c, r) = (char *)(uintptr_t)r->str_def;
    else if (r->type == CONFIG_INT)
      *int_slot(c, r) = r->int_def;
    else
      *bool_slot(c, r) = (int)r->int_def;
  }
}

void config_free(struct config *c)
{
  for (size_t i = 0; i < config_table_n; i++)
    if (config_table[i].type == CONFIG_STRING)
      str_release(&config_table[i], str_get(c, &config_table[i]));
  config_init(c);
}

static int parse_bool(const char *v, int *out)
{
  static const char *yes[] = { "true", "yes", "on", "1" };
  static const char *no[] = { "false", "no", "off", "0" };
  for (size_t i = 0; i < 4; i++) {
    if (strcasecmp(v, yes[i]) == 0) {
      *out = 1;
      return 0;
    }
    if (strcasecmp(v, no[i]) == 0) {
      *out = 0;
      return 0;
    }
  }
  return ERR_INVALID;
}

/* Parses and bounds-checks an integer; the message names the setting. */
static int parse_int(const struct config_row *r, const char *v, long *out, char *why, size_t whylen)
{
  char *end = NULL;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (end == v || *end != '\0' || isspace((unsigned char)*v)) {
    snprintf(why, whylen, "%s must be an integer between %ld and %ld, not '%s'",
             r->name, r->min, r->max, v);
    return ERR_INVALID;
  }
  if (errno == ERANGE || n < r->min || n > r->max) {
    snprintf(why, whylen, "%s must be between %ld and %ld, not %s", r->name, r->min, r->max, v);
    return ERR_INVALID;
  }
  *out = n;
  return 0;
}

/* A load in progress: values land in tmp, which starts as a shallow copy of
 * the caller's config (orig) and replaces it only when everything parsed. */
struct loader {
  struct config tmp;
  const struct config *orig;
  const char *cmd;
  const char *file;        /* config file path named by flag or env, or NULL */
};

/* Frees a string held by tmp unless orig still owns it. */
static void loader_drop(struct loader *L, const struct config_row *r, char *p)
{
  if (p != str_get(L->orig, r))
    str_release(r, p);
}

/* Validates v for row r and, if apply, stores it. why gets a message
 * without location; the caller says where v came from. */
static int set_value(struct loader *L, const struct config_row *r, const char *v, int apply,
                     char *why, size_t whylen)
{
  long n;
  int b;
  if (r->type == CONFIG_INT) {
    if (parse_int(r, v, &n, why, whylen) < 0)
      return ERR_INVALID;
    if (apply)
      *int_slot(&L->tmp, r) = n;
    return 0;
  }
  if (r->type == CONFIG_BOOL) {
    if (parse_bool(v, &b) < 0) {
      snprintf(why, whylen, "%s must be true or false, not '%s'", r->name, v);
      return ERR_INVALID;
    }
    if (apply)
      *bool_slot(&L->tmp, r) = b;
    return 0;
  }
  if (*v == '\0') {
    snprintf(why, whylen, "%s must not be empty", r->name);
    return ERR_INVALID;
  }
  if (r->check && r->check(v, why, whylen) < 0)
    return ERR_INVALID;
  if (!apply)
    return 0;
  char *dup = strdup(v);
  if (!dup) {
    snprintf(why, whylen, "out of memory");
    return ERR_NOMEM;
  }
  char **slot = str_slot(&L->tmp, r);
  loader_drop(L, r, *slot);
  *slot = dup;
  return 0;
}

/* Levenshtein distance, for "did you mean"; long inputs just don't match. */
static size_t edit_distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b), d[64];
  if (la >= 64 || lb >= 64)
    return SIZE_MAX;
  for (size_t j = 0; j <= lb; j++)
    d[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = d[0];
    d[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = d[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best)
        best = up + 1;
      if (d[j - 1] + 1 < best)
        best = d[j - 1] + 1;
      d[j] = best;
      diag = up;
    }
  }
  return d[lb];
}

/* The row whose flag (by_flag) or name is closest to s, if close enough. */
static const struct config_row *nearest(const char *s, int by_flag)
{
  const struct config_row *best = NULL;
  size_t bestd = 3;   /* suggest only within two edits */
  for (size_t i = 0; i < config_table_n; i++) {
    if (!by_flag && config_table[i].cli_only)
      continue;
    size_t d = edit_distance(s, by_flag ? config_table[i].flag : config_table[i].name);
    if (d < bestd && d < strlen(s)) {
      bestd = d;
      best = &config_table[i];
    }
  }
  return best;
}

/* --- flags ------------------------------------------------------------- */

static const struct config_row *find_flag(const char *name, size_t len)
{
  for (size_t i = 0; i < config_table_n; i++)
    if (strlen(config_table[i].flag) == len && strncmp(config_table[i].flag, name, len) == 0)
      return &config_table[i];
  return NULL;
}

static void unknown_option(const char *arg, const char *cmd, char *err, size_t errlen)
{
  char name[80];
  const char *eq = strchr(arg, '=');
  size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
  snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), arg);
  const struct config_row *near = strncmp(name, "--", 2) == 0 ? nearest(name + 2, 1) : NULL;
  if (near)
    snprintf(err, errlen, "unknown option %s (did you mean --%s?); see 'wharf %s --help'",
             name, near->flag, cmd);
  else
    snprintf(err, errlen, "unknown option %s; see 'wharf %s --help'", name, cmd);
}

/* Walks argv. With apply=0 checks syntax and values and notes --config;
 * with apply=1 stores the values (run after env and file, so flags win).
 * Returns 0, 1 for --help, or ERR_INVALID with err set. */
static int scan_flags(struct loader *L, int argc, char **argv, int apply, char *err, size_t errlen)
{
  char why[512];
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
      return 1;
    if (a[0] != '-' || a[1] == '\0') {
      snprintf(err, errlen, "unexpected argument '%s': 'wharf %s' takes only options; see "
               "'wharf %s --help'", a, L->cmd, L->cmd);
      return ERR_INVALID;
    }
    if (a[1] != '-') {   /* no single-dash options besides -h */
      unknown_option(a, L->cmd, err, errlen);
      return ERR_INVALID;
    }
    const char *name = a + 2, *eq = strchr(name, '='), *v = NULL;
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    int neg = 0;
    const struct config_row *r = find_flag(name, len);
    if (!r && len > 3 && strncmp(name, "no-", 3) == 0) {
      r = find_flag(name + 3, len - 3);
      neg = r && r->type == CONFIG_BOOL;
      r = neg ? r : NULL;
    }
    if (!r) {
      unknown_option(a, L->cmd, err, errlen);
      return ERR_INVALID;
    }
    if (neg && eq) {
      snprintf(err, errlen, "option --no-%s takes no value; write --%s=%s", r->flag, r->flag,
               eq + 1);
      return ERR_INVALID;
    }
    if (eq)
      v = eq + 1;
    else if (r->type == CONFIG_BOOL)
      v = neg ? "false" : "true";   /* bools never consume the next argument */
    else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
      v = argv[++i];
    else {
      snprintf(err, errlen, "option --%s needs a value (--%s %s); see 'wharf %s --help'",
               r->flag, r->flag, r->metavar, L->cmd);
      return ERR_INVALID;
    }
    int rc = set_value(L, r, v, apply, why, sizeof(why));
    if (rc < 0) {
      snprintf(err, errlen, "option --%s: %s", r->flag, why);
      return rc;
    }
    if (!apply && r->offset == offsetof(struct config, config_file))
      L->file = v;
  }
  return 0;
}

/* --- environment ------------------------------------------------------- */

/* Empty variables count as unset, so `WHARF_X= wharf serve` means default. */
static int apply_env(struct loader *L, char *err, size_t errlen)
{
  char why[512];
  for (size_t i = 0; i < config_table_n; i++) {
    const char *v = getenv(config_table[i].env);
    if (!v || !*v)
      continue;
    int rc = set_value(L, &config_table[i], v, 1, why, sizeof(why));
    if (rc < 0) {
      snprintf(err, errlen, "environment variable %s: %s", config_table[i].env, why);
      return rc;
    }
  }
  return 0;
}

/* --- YAML file --------------------------------------------------------- */

/* The whole file is parsed (document API) before any key is applied, so a
 * syntax error anywhere is reported ahead of a bad value above it. */
struct yfile {
  yaml_parser_t parser;
  yaml_document_t doc;
  const char *path;
  char *err;
  size_t errlen;
  size_t seen[CONFIG_ROWS_MAX];    /* line each key was set on, 0 = not yet */
};

static void yfail(struct yfile *y, const yaml_node_t *at, const char *msg)
{
  snprintf(y->err, y->errlen, "config file %s line %zu: %s", y->path, at->start_mark.line + 1,
           msg);
}

static void ysyntax(struct yfile *y)
{
  const yaml_parser_t *p = &y->parser;
  if (p->error == YAML_READER_ERROR) {   /* a directory, or not UTF-8 text */
    snprintf(y->err, y->errlen, "cannot read config file %s: %s; it must be a UTF-8 YAML file",
             y->path, p->problem ? p->problem : "read error");
    return;
  }
  snprintf(y->err, y->errlen, "config file %s line %zu: YAML syntax error: %s%s%s; fix the file",
           y->path, p->problem_mark.line + 1, p->problem ? p->problem : "unreadable",
           p->context ? " " : "", p->context ? p->context : "");
}

/* A plain scalar spelling YAML null: "", "~", "null". */
static int yis_null(const yaml_node_t *n)
{
  const char *v = (const char *)n->data.scalar.value;
  return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
         (*v == '\0' || strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0);
}

static const struct config_row *find_key(const char *key)
{
  for (size_t i = 0; i < config_table_n; i++)
    if (strcmp(config_table[i].name, key) == 0)
      return &config_table[i];
  return NULL;
}

/* Checks a key node; *out is its row. */
static int ykey(struct yfile *y, const yaml_node_t *k, const struct config_row **out)
{
  char msg[512];
  if (k->type != YAML_SCALAR_NODE) {
    yfail(y, k, "keys must be plain names like 'threads'");
    return ERR_INVALID;
  }
  const char *key = (const char *)k->data.scalar.value;
  const struct config_row *r = find_key(key);
  if (!r) {
    const struct config_row *near = nearest(key, 0);
    snprintf(msg, sizeof(msg), "unknown key '%.64s'%s%s%s; see 'wharf serve --help' for the keys",
             key, near ? " (did you mean '" : "", near ? near->name : "", near ? "'?)" : "");
    yfail(y, k, msg);
    return ERR_INVALID;
  }
  if (r->cli_only) {
    snprintf(msg, sizeof(msg), "%s cannot be set in a config file; use --%s or %s", r->name,
             r->flag, r->env);
    yfail(y, k, msg);
    return ERR_INVALID;
  }
  size_t idx = (size_t)(r - config_table);
  if (y->seen[idx]) {
    snprintf(msg, sizeof(msg), "%s is set twice (first on line %zu); keep one", r->name,
             y->seen[idx]);
    yfail(y, k, msg);
    return ERR_INVALID;
  }
  y->seen[idx] = k->start_mark.line + 1;
  *out = r;
  return 0;
}

/* Checks and stores value node v for row r. */
static int yvalue(struct yfile *y, struct loader *L, const struct config_row *r,
                  const yaml_node_t *v)
{
  char msg[512];
  int rc = ERR_INVALID;
  if (v->type != YAML_SCALAR_NODE)
    snprintf(msg, sizeof(msg), "%s takes a single value, not a list or mapping", r->name);
  else if (yis_null(v))
    snprintf(msg, sizeof(msg), "%s has no value; give one or delete the line for the default",
             r->name);
  else if (strlen((const char *)v->data.scalar.value) != v->data.scalar.length)
    snprintf(msg, sizeof(msg), "%s contains a NUL character", r->name);
  else
    rc = set_value(L, r, (const char *)v->data.scalar.value, 1, msg, sizeof(msg));
  if (rc < 0)
    yfail(y, v, msg);
  return rc;
}

/* Applies the flat top-level mapping of the loaded document. */
static int ymapping(struct yfile *y, struct loader *L)
{
  const yaml_node_t *root = yaml_document_get_root_node(&y->doc);
  if (!root || yis_null(root))
    return 0;   /* empty file, only comments, or a bare "---" */
  if (root->type != YAML_MAPPING_NODE) {
    yfail(y, root, "expected 'key: value' lines (a YAML mapping)");
    return ERR_INVALID;
  }
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
       p++) {
    const struct config_row *r = NULL;
    const yaml_node_t *k = yaml_document_get_node(&y->doc, p->key);
    const yaml_node_t *v = yaml_document_get_node(&y->doc, p->value);
    int rc = ykey(y, k, &r);
    if (rc < 0 || (rc = yvalue(y, L, r, v)) < 0)
      return rc;
  }
  return 0;
}

static int load_file(struct loader *L, const char *path, char *err, size_t errlen)
{
  struct yfile y = { .path = path, .err = err, .errlen = errlen };
  int rc = 0, inited = 0, have_doc = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "cannot read config file %s: %s; check --config / WHARF_CONFIG",
             path, strerror(errno));
    return ERR_IO;
  }
  if (!yaml_parser_initialize(&y.parser)) {
    snprintf(err, errlen, "config file %s: out of memory", path);
    rc = ERR_NOMEM;
    goto out;
  }
  inited = 1;
  yaml_parser_set_input_file(&y.parser, f);
  if (!yaml_parser_load(&y.parser, &y.doc)) {
    ysyntax(&y);
    rc = ERR_INVALID;
    goto out;
  }
  have_doc = 1;
  /* Look past the first document before applying anything. */
  yaml_document_t next;
  if (!yaml_parser_load(&y.parser, &next)) {
    ysyntax(&y);
    rc = ERR_INVALID;
    goto out;
  }
  const yaml_node_t *extra = yaml_document_get_root_node(&next);
  if (extra) {
    snprintf(err, errlen, "config file %s line %zu: only one YAML document is allowed; remove "
             "the extra '---'", path, next.start_mark.line + 1);
    rc = ERR_INVALID;
  }
  yaml_document_delete(&next);
  if (rc == 0)
    rc = ymapping(&y, L);
out:
  if (have_doc)
    yaml_document_delete(&y.doc);
  if (inited)
    yaml_parser_delete(&y.parser);
  fclose(f);
  return rc;
}

/* --- load -------------------------------------------------------------- */

/* Commits tmp into *c (rc == 0) or throws tmp away, freeing exactly the
 * strings that one side owns and the other does not. */
static void loader_finish(struct loader *L, struct config *c, int rc)
{
  for (size_t i = 0; i < config_table_n; i++) {
    const struct config_row *r = &config_table[i];
    if (r->type != CONFIG_STRING)
      continue;
    char *now = str_get(&L->tmp, r), *before = str_get(c, r);
    if (now != before)
      str_release(r, rc == 0 ? before : now);
  }
  if (rc == 0)
    *c = L->tmp;
}

int config_load(struct config *c, int argc, char **argv, char *err, size_t errlen)
{
  struct loader L = { .tmp = *c, .orig = c };
  L.cmd = argc > 0 && argv && argv[0] ? argv[0] : "serve";
  int rc = scan_flags(&L, argc, argv, 0, err, errlen);
  if (rc != 0)
    goto out;
  if (!L.file) {
    const char *e = getenv("WHARF_CONFIG");
    L.file = e && *e ? e : c->config_file;
  }
  if (L.file && (rc = load_file(&L, L.file, err, errlen)) < 0)
    goto out;
  if ((rc = apply_env(&L, err, errlen)) < 0)
    goto out;
  rc = scan_flags(&L, argc, argv, 1, err, errlen);
out:
  loader_finish(&L, c, rc);
  return rc;
}

long config_worker_threads(const struct config *c)
{
  if (c->threads > 0)
    return c->threads;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  long n = cores > 0 ? 2 * cores : 4;
  if (n < 4)
    n = 4;
  return n > 1024 ? 1024 : n;
}
