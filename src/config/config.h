#ifndef WHARF_CONFIG_CONFIG_H
#define WHARF_CONFIG_CONFIG_H

#include <stddef.h>
#include <stdio.h>

/* Server configuration. Every field is one row of the table in config.c
 * (name, type, default, bounds, env var, flag, help); `--help` and the sample
 * config file are generated from it. The YAML key is the field name, the
 * environment variable WHARF_<UPPER>, the flag --<name-with-dashes>.
 * Precedence: flags > environment > config file > defaults.
 *
 * Strings are owned by the struct: read them, never write or free them
 * directly; config_free() releases them. Defaults point at static text. */
struct config {
  char *listen;             /* "HOST:PORT"; IPv6 as "[::1]:5000" */
  char *db;                 /* metadata store URL, "sqlite://./data/wharf.db" */
  char *storage;            /* blob store URL, "file://./data/blobs" */
  char *key_file;           /* server key file (0600): encrypts and signs credentials */
  char *log_level;          /* error|warn|info|debug */
  char *log_format;         /* text|json */
  char *public_host;        /* "" or the host (or base URL) clients reach this registry at */
  int access_log;           /* 1: one log line per request */
  int robots_disabled;      /* 1: robot accounts refused (ROBOTS_DISALLOW) */
  long threads;             /* HTTP worker threads; 0 = 2 x cores, at least 4 */
  long max_connections;     /* concurrent client connections */
  long max_header_bytes;    /* per-connection memory for request headers */
  long connection_timeout;  /* idle seconds before a connection is closed */
  long header_timeout;      /* seconds a new connection gets to send its headers; 0 none */
  long body_min_rate;       /* bytes/s a request body must average; 0 none */
  long shutdown_grace;      /* seconds in-flight requests get on SIGTERM */
  long manifest_max_bytes;  /* largest manifest accepted */
  long json_max_bytes;      /* largest JSON request body accepted */
  long page_max;            /* largest n for tags list and catalog pages */
  long upload_ttl;          /* seconds an idle upload session lives */
  long gc_interval;         /* seconds between garbage collections in serve; 0 off */
  long gc_grace;            /* seconds an unreferenced blob is kept */
  long gc_untagged_expiry;  /* seconds an untagged manifest is kept */
  char *trusted_proxies;    /* reverse proxies whose X-Forwarded-For is believed; "" none */
  char *tls_cert;           /* PEM certificate chain for native HTTPS; "" plain HTTP */
  char *tls_key;            /* PEM private key of tls_cert; "" none */
  int audit_enabled;        /* 0: no audit entries are recorded (benchmarks) */
  long audit_retention_days; /* audit entries older than this are deleted; 0 keeps all */
  char *audit_export_callback_hosts; /* hosts exportlogs may call back; "" none */
  int federation_allow_http; /* 1: http:// OIDC issuers on any host (default: loopback only) */
  char *robot_tokens;       /* "retrievable" (encrypted copy kept) or "show_once" (hash only) */
  char *config_file;        /* --config FILE / WHARF_CONFIG; NULL if none */
};

enum config_type { CONFIG_STRING, CONFIG_INT, CONFIG_BOOL };

/* One row of the configuration table. */
struct config_row {
  const char *name;       /* struct field and YAML key */
  enum config_type type;
  size_t offset;          /* offsetof(struct config, name) */
  const char *str_def;    /* CONFIG_STRING default; NULL: unset */
  long int_def;           /* CONFIG_INT / CONFIG_BOOL default */
  long min, max;          /* CONFIG_INT bounds, inclusive */
  const char *env;        /* environment variable */
  const char *flag;       /* command-line flag without the leading "--" */
  const char *metavar;    /* placeholder shown in --help ("N", "URL", ...) */
  const char *help;       /* one line */
  /* Extra validation of a string value; 0 or ERR_INVALID with a message. */
  int (*check)(const char *value, char *err, size_t errlen);
  int cli_only;           /* 1: not accepted in the config file (config_file) */
};

/* The configuration table (static storage); *out_n receives its length. */
const struct config_row *config_rows(size_t *out_n);

/* Sets every field to its default. Allocates nothing. */
void config_init(struct config *c);

/* Applies flags > environment > config file on top of c (which must have been
 * config_init'ed). argv[0] is the subcommand name ("serve"). Returns 0, 1 if
 * --help/-h was given (caller prints help and exits 0), or ERR_INVALID (bad
 * flag, value or file content) / ERR_IO (file unreadable) with a one-line
 * message in err. On anything but 0, c is left unchanged. */
int config_load(struct config *c, int argc, char **argv, char *err, size_t errlen);

/* Prints usage for `wharf <cmd>` and one line per row: flag, env var, default, help. */
void config_print_help(FILE *f, const char *cmd);

/* Prints a commented sample YAML config file holding every default. */
void config_print_sample(FILE *f);

/* Frees the strings c owns and resets it to defaults. */
void config_free(struct config *c);

/* Splits "HOST:PORT" or "[IPV6]:PORT" (port 1..65535, host non-empty) into
 * host_out (NUL-terminated, without brackets) and *port_out; ERR_INVALID if
 * malformed or the host does not fit hostlen. Outputs written only on success. */
int config_parse_listen(const char *listen, char *host_out, size_t hostlen, int *port_out);

/* Worker threads to start: c->threads, or 2 x online cores (at least 4) if 0. */
long config_worker_threads(const struct config *c);

#endif
