#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "util/cidr.h"
#include "util/err.h"
#include "util/log.h"

/* Configuration as one table, after redis's config.c: adding a setting means
 * adding a field to struct config and a row here; parsing from flags,
 * environment and YAML, bounds checks, --help and the sample file follow.
 * The env var and flag are spelled out in each row (not derived) so that
 * grepping for WHARF_THREADS or --threads lands here. */

static int check_listen(const char *v, char *err, size_t errlen);
static int check_log_level(const char *v, char *err, size_t errlen);
static int check_log_format(const char *v, char *err, size_t errlen);
static int check_public_host(const char *v, char *err, size_t errlen);
static int check_url(const char *v, char *err, size_t errlen);
static int check_proxies(const char *v, char *err, size_t errlen);
static int check_robot_tokens(const char *v, char *err, size_t errlen);

#define OFF(f) offsetof(struct config, f)

static const struct config_row rows[] = {
  { .name = "listen", .type = CONFIG_STRING, .offset = OFF(listen),
    .str_def = "127.0.0.1:5000", .env = "WHARF_LISTEN", .flag = "listen",
    .metavar = "HOST:PORT", .check = check_listen,
    .help = "address to listen on; IPv6 as [::1]:5000, all interfaces as 0.0.0.0:PORT" },
  { .name = "db", .type = CONFIG_STRING, .offset = OFF(db),
    .str_def = "sqlite://./data/wharf.db", .env = "WHARF_DB", .flag = "db",
    .metavar = "URL", .check = check_url,
    .help = "metadata store: sqlite://RELATIVE/PATH or sqlite:///ABSOLUTE/PATH" },
  { .name = "storage", .type = CONFIG_STRING, .offset = OFF(storage),
    .str_def = "file://./data/blobs", .env = "WHARF_STORAGE", .flag = "storage",
    .metavar = "URL", .check = check_url,
    .help = "blob store: file://RELATIVE/DIR or file:///ABSOLUTE/DIR" },
  { .name = "key_file", .type = CONFIG_STRING, .offset = OFF(key_file),
    .str_def = "", .env = "WHARF_KEY_FILE", .flag = "key-file",
    .metavar = "FILE",
    .help = "server key (mode 0600) that encrypts and signs credentials; same file on every instance (default: wharf.key beside a SQLite db)" },
  { .name = "log_level", .type = CONFIG_STRING, .offset = OFF(log_level),
    .str_def = "info", .env = "WHARF_LOG_LEVEL", .flag = "log-level",
    .metavar = "LEVEL", .check = check_log_level,
    .help = "least severe level logged: error, warn, info or debug" },
  { .name = "log_format", .type = CONFIG_STRING, .offset = OFF(log_format),
    .str_def = "text", .env = "WHARF_LOG_FORMAT", .flag = "log-format",
    .metavar = "FORMAT", .check = check_log_format,
    .help = "log lines as key=value text, or json: one JSON object a line (time, level, msg; access lines add method, path, status, request_id, ...)" },
  { .name = "public_host", .type = CONFIG_STRING, .offset = OFF(public_host),
    .str_def = "", .env = "WHARF_PUBLIC_HOST", .flag = "public-host",
    .metavar = "HOST|URL", .check = check_public_host,
    .help = "host[:port] or base URL (https://host[:port]) clients reach the registry at; used instead of the Host header in token realms, upload Locations and absolute URLs (default: the request's Host)" },
  { .name = "access_log", .type = CONFIG_BOOL, .offset = OFF(access_log),
    .int_def = 1, .min = 0, .max = 1, .env = "WHARF_ACCESS_LOG", .flag = "access-log",
    .metavar = "BOOL", .help = "log one line per request" },
  { .name = "robots_disabled", .type = CONFIG_BOOL, .offset = OFF(robots_disabled),
    .int_def = 0, .min = 0, .max = 1, .env = "WHARF_ROBOTS_DISABLED", .flag = "robots-disabled",
    .metavar = "BOOL", .help = "refuse every robot account (Quay's ROBOTS_DISALLOW)" },
  { .name = "threads", .type = CONFIG_INT, .offset = OFF(threads),
    .int_def = 0, .min = 0, .max = 1024, .env = "WHARF_THREADS", .flag = "threads",
    .metavar = "N", .help = "HTTP worker threads; 0 means 2 x cores, at least 4" },
  { .name = "max_connections", .type = CONFIG_INT, .offset = OFF(max_connections),
    .int_def = 1024, .min = 1, .max = 100000, .env = "WHARF_MAX_CONNECTIONS",
    .flag = "max-connections", .metavar = "N",
    .help = "concurrent client connections; more are refused" },
  { .name = "max_header_bytes", .type = CONFIG_INT, .offset = OFF(max_header_bytes),
    .int_def = 16384, .min = 4096, .max = 1048576, .env = "WHARF_MAX_HEADER_BYTES",
    .flag = "max-header-bytes", .metavar = "BYTES",
    .help = "per-connection memory for request line and headers" },
  { .name = "connection_timeout", .type = CONFIG_INT, .offset = OFF(connection_timeout),
    .int_def = 300, .min = 1, .max = 86400, .env = "WHARF_CONNECTION_TIMEOUT",
    .flag = "connection-timeout", .metavar = "SECONDS",
    .help = "close a connection idle this long" },
  { .name = "header_timeout", .type = CONFIG_INT, .offset = OFF(header_timeout),
    .int_def = 30, .min = 0, .max = 3600, .env = "WHARF_HEADER_TIMEOUT",
    .flag = "header-timeout", .metavar = "SECONDS",
    .help = "close a new connection that has not sent a complete request line and headers this long (slow clients); 0 disables" },
  { .name = "body_min_rate", .type = CONFIG_INT, .offset = OFF(body_min_rate),
    .int_def = 1024, .min = 0, .max = 1073741824, .env = "WHARF_BODY_MIN_RATE",
    .flag = "body-min-rate", .metavar = "BYTES",
    .help = "close a connection whose request body averages fewer bytes a second than this, after header_timeout seconds; 0 disables" },
  { .name = "shutdown_grace", .type = CONFIG_INT, .offset = OFF(shutdown_grace),
    .int_def = 30, .min = 0, .max = 3600, .env = "WHARF_SHUTDOWN_GRACE",
    .flag = "shutdown-grace", .metavar = "SECONDS",
    .help = "on SIGTERM, let in-flight requests finish this long" },
  { .name = "manifest_max_bytes", .type = CONFIG_INT, .offset = OFF(manifest_max_bytes),
    .int_def = 4194304, .min = 1024, .max = 67108864, .env = "WHARF_MANIFEST_MAX_BYTES",
    .flag = "manifest-max-bytes", .metavar = "BYTES",
    .help = "largest manifest accepted" },
  { .name = "json_max_bytes", .type = CONFIG_INT, .offset = OFF(json_max_bytes),
    .int_def = 1048576, .min = 1024, .max = 67108864, .env = "WHARF_JSON_MAX_BYTES",
    .flag = "json-max-bytes", .metavar = "BYTES",
    .help = "largest JSON request body accepted" },
  { .name = "page_max", .type = CONFIG_INT, .offset = OFF(page_max),
    .int_def = 1000, .min = 1, .max = 100000, .env = "WHARF_PAGE_MAX",
    .flag = "page-max", .metavar = "N",
    .help = "largest n for tags list and catalog pages" },
  { .name = "upload_ttl", .type = CONFIG_INT, .offset = OFF(upload_ttl),
    .int_def = 86400, .min = 1, .max = 2592000, .env = "WHARF_UPLOAD_TTL",
    .flag = "upload-ttl", .metavar = "SECONDS",
    .help = "expire an upload session idle this long" },
  { .name = "gc_interval", .type = CONFIG_INT, .offset = OFF(gc_interval),
    .int_def = 3600, .min = 0, .max = 2592000, .env = "WHARF_GC_INTERVAL",
    .flag = "gc-interval", .metavar = "SECONDS",
    .help = "run garbage collection this often while serving (0: never; see 'wharf admin gc')" },
  { .name = "gc_grace", .type = CONFIG_INT, .offset = OFF(gc_grace),
    .int_def = 3600, .min = 0, .max = 31536000, .env = "WHARF_GC_GRACE",
    .flag = "gc-grace", .metavar = "SECONDS",
    .help = "keep a blob no manifest references for this long after its upload" },
  { .name = "gc_untagged_expiry", .type = CONFIG_INT, .offset = OFF(gc_untagged_expiry),
    .int_def = 1209600, .min = 0, .max = 315360000, .env = "WHARF_GC_UNTAGGED_EXPIRY",
    .flag = "gc-untagged-expiry", .metavar = "SECONDS",
    .help = "keep a manifest no tag points at for this long after it lost its last tag" },
  { .name = "trusted_proxies", .type = CONFIG_STRING, .offset = OFF(trusted_proxies),
    .str_def = "", .env = "WHARF_TRUSTED_PROXIES", .flag = "trusted-proxies",
    .metavar = "LIST", .check = check_proxies,
    .help = "reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For gives the client address in logs and audit entries" },
  /* native HTTPS (docs/tls.md); both or neither */
  { .name = "tls_cert", .type = CONFIG_STRING, .offset = OFF(tls_cert),
    .str_def = "", .env = "WHARF_TLS_CERT", .flag = "tls-cert", .metavar = "FILE",
    .help = "serve HTTPS with this PEM certificate chain (leaf first); re-read on SIGHUP; needs tls_key" },
  { .name = "tls_key", .type = CONFIG_STRING, .offset = OFF(tls_key),
    .str_def = "", .env = "WHARF_TLS_KEY", .flag = "tls-key", .metavar = "FILE",
    .help = "PEM private key of tls_cert (unencrypted, mode 0600); re-read on SIGHUP" },
  { .name = "federation_allow_http", .type = CONFIG_BOOL, .offset = OFF(federation_allow_http),
    .int_def = 0, .min = 0, .max = 1, .env = "WHARF_FEDERATION_ALLOW_HTTP",
    .flag = "federation-allow-http", .metavar = "BOOL",
    .help = "let robot federation fetch http:// OIDC issuers on any host (default: https, or http on loopback only)" },
  { .name = "robot_tokens", .type = CONFIG_STRING, .offset = OFF(robot_tokens),
    .str_def = "retrievable", .env = "WHARF_ROBOT_TOKENS", .flag = "robot-tokens",
    .metavar = "MODE", .check = check_robot_tokens,
    .help = "retrievable: admins can read robot tokens again (Quay); show_once: only a hash is stored and a token is shown only in the response that creates it" },
  /* audit log (docs/audit.md) */
  { .name = "audit_enabled", .type = CONFIG_BOOL, .offset = OFF(audit_enabled),
    .int_def = 1, .env = "WHARF_AUDIT_ENABLED", .flag = "audit-enabled",
    .metavar = "BOOL", .help = "record the audit log (off only for measurements)" },
  { .name = "audit_retention_days", .type = CONFIG_INT, .offset = OFF(audit_retention_days),
    .int_def = 365, .min = 0, .max = 36500, .env = "WHARF_AUDIT_RETENTION_DAYS",
    .flag = "audit-retention-days", .metavar = "DAYS",
    .help = "delete audit entries older than this many days (0: keep forever)" },
  { .name = "audit_export_callback_hosts", .type = CONFIG_STRING,
    .offset = OFF(audit_export_callback_hosts), .str_def = "",
    .env = "WHARF_AUDIT_EXPORT_CALLBACK_HOSTS", .flag = "audit-export-callback-hosts",
    .metavar = "HOSTS",
    .help = "host names exportlogs may POST its callback_url to (comma-separated; none by default)" },
  { .name = "config_file", .type = CONFIG_STRING, .offset = OFF(config_file),
    .str_def = NULL, .env = "WHARF_CONFIG", .flag = "config", .metavar = "FILE",
    .cli_only = 1, .help = "read settings from this YAML file (flat key: value)" },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

const struct config_row *config_rows(size_t *out_n)
{
  *out_n = NROWS;
  return rows;
}

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
  for (size_t i = 0; i < NROWS; i++) {
    const struct config_row *r = &rows[i];
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
  for (size_t i = 0; i < NROWS; i++)
    if (rows[i].type == CONFIG_STRING)
      str_release(&rows[i], str_get(c, &rows[i]));
  config_init(c);
}

/* --- value parsing ----------------------------------------------------- */

static int check_log_level(const char *v, char *err, size_t errlen)
{
  if (log_level_parse(v) >= 0)
    return 0;
  snprintf(err, errlen, "log_level must be error, warn, info or debug, not '%s'", v);
  return ERR_INVALID;
}

static int check_log_format(const char *v, char *err, size_t errlen)
{
  if (log_format_parse(v) >= 0)
    return 0;
  snprintf(err, errlen, "log_format must be text or json, not '%s'", v);
  return ERR_INVALID;
}

/* "", "host[:port]", or "http(s)://host[:port]" with at most a trailing
 * '/': a host name, IPv4 or [IPv6] literal, no path, user info or query. */
static int check_public_host(const char *v, char *err, size_t errlen)
{
  const char *h = v;
  if (strncmp(h, "https://", 8) == 0)
    h += 8;
  else if (strncmp(h, "http://", 7) == 0)
    h += 7;
  size_t n = strlen(h);
  if (n && h[n - 1] == '/')
    n--;
  int ok = *v == '\0' || (n > 0 && n <= 255);
  for (size_t i = 0; ok && i < n; i++)
    ok = isalnum((unsigned char)h[i]) || strchr(".-:[]_", h[i]) != NULL;
  if (ok)
    return 0;
  snprintf(err, errlen, "public_host must be a host[:port] or a base URL such as "
           "https://registry.example.com, without a path, not '%.200s'", v);
  return ERR_INVALID;
}

static int check_robot_tokens(const char *v, char *err, size_t errlen)
{
  if (strcmp(v, "retrievable") == 0 || strcmp(v, "show_once") == 0)
    return 0;
  snprintf(err, errlen, "robot_tokens must be retrievable or show_once, not '%s'", v);
  return ERR_INVALID;
}

static int check_url(const char *v, char *err, size_t errlen)
{
  const char *sep = strstr(v, "://");
  if (sep && sep > v && sep[3] != '\0')
    return 0;
  snprintf(err, errlen, "'%s' is not a URL; write SCHEME://PATH, e.g. sqlite://./data/wharf.db", v);
  return ERR_INVALID;
}

/* A comma-separated list of addresses or CIDRs, blanks allowed around them. */
static int check_proxies(const char *v, char *err, size_t errlen)
{
  for (const char *p = v;;) {
    size_t n = strcspn(p, ","), k = n;
    const char *item = p;
    while (k && (*item == ' ' || *item == '\t'))
      item++, k--;
    while (k && (item[k - 1] == ' ' || item[k - 1] == '\t'))
      k--;
    if (k == 0 || cidr_valid(item, k) != 0) {
      snprintf(err, errlen, "trusted_proxies: '%.*s' is not an IP address or CIDR "
               "(write e.g. 10.0.0.1, 10.1.0.0/16)", (int)(n > 64 ? 64 : n), p);
      return ERR_INVALID;
    }
    p += n;
    if (!*p)
      return 0;
    p++;
  }
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
  for (size_t i = 0; i < NROWS; i++) {
    if (!by_flag && rows[i].cli_only)
      continue;
    size_t d = edit_distance(s, by_flag ? rows[i].flag : rows[i].name);
    if (d < bestd && d < strlen(s)) {
      bestd = d;
      best = &rows[i];
    }
  }
  return best;
}

/* --- flags ------------------------------------------------------------- */

static const struct config_row *find_flag(const char *name, size_t len)
{
  for (size_t i = 0; i < NROWS; i++)
    if (strlen(rows[i].flag) == len && strncmp(rows[i].flag, name, len) == 0)
      return &rows[i];
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
    if (!apply && r->offset == OFF(config_file))
      L->file = v;
  }
  return 0;
}

/* --- environment ------------------------------------------------------- */

/* Empty variables count as unset, so `WHARF_X= wharf serve` means default. */
static int apply_env(struct loader *L, char *err, size_t errlen)
{
  char why[512];
  for (size_t i = 0; i < NROWS; i++) {
    const char *v = getenv(rows[i].env);
    if (!v || !*v)
      continue;
    int rc = set_value(L, &rows[i], v, 1, why, sizeof(why));
    if (rc < 0) {
      snprintf(err, errlen, "environment variable %s: %s", rows[i].env, why);
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
  size_t seen[NROWS];    /* line each key was set on, 0 = not yet */
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
  for (size_t i = 0; i < NROWS; i++)
    if (strcmp(rows[i].name, key) == 0)
      return &rows[i];
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
  size_t idx = (size_t)(r - rows);
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
  for (size_t i = 0; i < NROWS; i++) {
    const struct config_row *r = &rows[i];
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

/* --- listen address ---------------------------------------------------- */

/* The parser behind config_parse_listen, with a message for the user. */
static int listen_split(const char *s, char *host, size_t hostlen, int *port, char *err,
                        size_t errlen)
{
  const char *h = s, *hend, *p;
  if (*s == '[') {
    h = s + 1;
    hend = strchr(h, ']');
    if (!hend || hend[1] != ':' || hend == h)
      goto bad;
    p = hend + 2;
    const char *zone = memchr(h, '%', (size_t)(hend - h));   /* fe80::1%eth0 */
    for (const char *q = h; q < hend; q++) {
      int ok = zone && q > zone ? isalnum((unsigned char)*q) || *q == '-' || *q == '_'
                                : isxdigit((unsigned char)*q) || *q == ':' || *q == '.' || q == zone;
      if (!ok)
        goto bad;
    }
  } else {
    hend = strrchr(s, ':');
    if (!hend || hend == s)
      goto bad;
    p = hend + 1;
    for (const char *q = h; q < hend; q++) {
      if (*q == ':') {
        snprintf(err, errlen, "listen '%s': put an IPv6 address in brackets, e.g. [::1]:5000", s);
        return ERR_INVALID;
      }
      if (!isalnum((unsigned char)*q) && *q != '.' && *q != '-' && *q != '_')
        goto bad;
    }
  }
  long port_n = 0;
  if (*p == '\0' || strlen(p) > 5)
    goto bad;
  for (const char *q = p; *q; q++) {
    if (!isdigit((unsigned char)*q))
      goto bad;
    port_n = port_n * 10 + (*q - '0');
  }
  if (port_n < 1 || port_n > 65535)
    goto bad;
  size_t hl = (size_t)(hend - h);
  if (hl >= hostlen) {
    snprintf(err, errlen, "listen '%s': host name is too long", s);
    return ERR_INVALID;
  }
  memcpy(host, h, hl);
  host[hl] = '\0';
  *port = (int)port_n;
  return 0;
bad:
  snprintf(err, errlen, "listen must be HOST:PORT with port 1..65535 (e.g. 127.0.0.1:5000, "
           "0.0.0.0:5000 or [::1]:5000), not '%s'", s);
  return ERR_INVALID;
}

int config_parse_listen(const char *listen, char *host_out, size_t hostlen, int *port_out)
{
  char err[16];   /* message unused here; truncation is fine */
  return listen_split(listen, host_out, hostlen, port_out, err, sizeof(err));
}

static int check_listen(const char *v, char *err, size_t errlen)
{
  char host[256];
  int port;
  return listen_split(v, host, sizeof(host), &port, err, errlen);
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
