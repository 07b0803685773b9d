/* The configuration table, after redis's config.c: adding a setting means
 * adding a field to struct config and a row here; parsing from flags,
 * environment and YAML (config.c), bounds checks, --help and the sample file
 * (config_doc.c) follow. The env var and flag are spelled out in each row
 * (not derived) so that grepping for WHARF_THREADS or --threads lands here.
 * The checks of string values that rows name are here too. */
#include "config/config_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util/cidr.h"
#include "util/err.h"
#include "util/log.h"


static int check_listen(const char *v, char *err, size_t errlen);
static int check_log_level(const char *v, char *err, size_t errlen);
static int check_log_format(const char *v, char *err, size_t errlen);
static int check_public_host(const char *v, char *err, size_t errlen);
static int check_url(const char *v, char *err, size_t errlen);
static int check_proxies(const char *v, char *err, size_t errlen);
static int check_robot_tokens(const char *v, char *err, size_t errlen);

#define OFF(f) offsetof(struct config, f)

const struct config_row config_table[] = {
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

const size_t config_table_n = sizeof(config_table) / sizeof(config_table[0]);
_Static_assert(sizeof(config_table) / sizeof(config_table[0]) <= CONFIG_ROWS_MAX,
               "raise CONFIG_ROWS_MAX in config/config_int.h");

const struct config_row *config_rows(size_t *out_n)
{
  *out_n = config_table_n;
  return config_table;
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

