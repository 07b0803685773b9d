/* wharf serve: open the stores, start the HTTP server, stop gracefully on
 * SIGTERM/SIGINT, re-read the TLS certificate on SIGHUP. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "blob/blob.h"
#include "cli/cli.h"
#include "auth/keys.h"
#include "auth/tokencache.h"
#include "config/config.h"
#include "registry/gc.h"
#include "registry/janitor.h"
#include "audit/retention.h"
#include "server/app.h"
#include "server/http.h"
#include "server/tls.h"
#include "store/meta.h"
#include "util/err.h"
#include "util/log.h"

static int open_stores(struct app *app, const struct config *cfg)
{
  char keypath[4096], err[512];
  if (cli_key_path(keypath, sizeof(keypath), cfg->key_file, cfg->db) != 0) {
    char shown[1024]; /* the URL may carry the database password */
    cli_error("no server key file for '%s': set --key-file / WHARF_KEY_FILE (the same file on every instance)",
              cli_db_shown(shown, sizeof(shown), cfg->db));
    return ERR_INVALID;
  }
  if (keys_load_or_create(&app->keys, keypath, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    return ERR_IO;
  }
  /* URLs may carry credentials: only their redacted forms are printed */
  char db_shown[1024], storage_shown[1024];
  if (meta_url_redact(db_shown, sizeof(db_shown), cfg->db) != 0)
    snprintf(db_shown, sizeof(db_shown), "(unprintable URL)");
  blob_url_redact(storage_shown, sizeof(storage_shown), cfg->storage);
  int rc = meta_open(&app->meta, cfg->db);
  if (rc) {
    cli_error("cannot open metadata store '%s' (%s); check --db / WHARF_DB, e.g. sqlite://./data/wharf.db",
              db_shown, err_str(rc));
    return rc;
  }
  rc = blob_store_open(&app->blobs, cfg->storage);
  if (rc) {
    cli_error("cannot open blob storage '%s' (%s); check --storage / WHARF_STORAGE, e.g. file://./data/blobs",
              storage_shown, err_str(rc));
    meta_close(app->meta);
    app->meta = NULL;
    return rc;
  }
  return 0;
}

/* SIGHUP: new handshakes get the re-read certificate; listener and
 * connections stay. A failed reload keeps the old certificate. */
static void reload_tls(int tls, const struct config *cfg)
{
  char err[512];
  if (!tls) {
    LOG(LOG_INFO, "received SIGHUP; nothing to reload (TLS is off)");
    return;
  }
  if (tls_reload(err, sizeof(err)) != 0)
    LOG(LOG_ERROR, "SIGHUP: %s; still serving the certificate with serial %s", err, tls_serial());
  else
    LOG(LOG_INFO, "SIGHUP: reloaded TLS certificate from %s (serial %s)", cfg->tls_cert,
        tls_serial());
}

int cmd_serve(int argc, char **argv)
{
  struct config cfg;
  struct app app;
  struct http_server *srv = NULL;
  struct janitor *jan = NULL;
  struct gc_sched *gcs = NULL;
  struct audit_retention *retention = NULL;
  char err[512];
  int status = 1;

  /* the sample config file (packaging, `make config-sample`) from the table */
  if (argc == 2 && strcmp(argv[1], "--sample-config") == 0) {
    config_print_sample(stdout);
    return 0;
  }
  config_init(&cfg);
  int rc = config_load(&cfg, argc, argv, err, sizeof(err));
  if (rc == 1) {
    config_print_help(stdout, "serve");
    config_free(&cfg);
    return 0;
  }
  if (rc) {
    cli_error("%s", err);
    config_free(&cfg);
    return 2;
  }
  int lvl = log_level_parse(cfg.log_level);
  if (lvl >= 0)
    log_min_level = (enum log_level)lvl;
  int fmt = log_format_parse(cfg.log_format);
  if (fmt >= 0)
    log_line_format = (enum log_format)fmt;

  struct http_options opt = { 0 };
  char host[256];
  if (config_parse_listen(cfg.listen, host, sizeof(host), &opt.port) != 0) {
    cli_error("--listen '%s' is not HOST:PORT; use e.g. 127.0.0.1:5000", cfg.listen);
    config_free(&cfg);
    return 2;
  }
  opt.host = host;
  opt.threads = (unsigned)config_worker_threads(&cfg);
  opt.max_connections = (unsigned)cfg.max_connections;
  opt.max_header_bytes = (size_t)cfg.max_header_bytes;
  opt.connection_timeout = (unsigned)cfg.connection_timeout;
  opt.header_timeout = (unsigned)cfg.header_timeout;
  opt.body_min_rate = (unsigned)cfg.body_min_rate;
  if (!*cfg.tls_cert != !*cfg.tls_key) {
    cli_error("TLS needs both --tls-cert and --tls-key (WHARF_TLS_CERT, WHARF_TLS_KEY)");
    config_free(&cfg);
    return 2;
  }
  opt.tls = *cfg.tls_cert != '\0';
  if (opt.tls && tls_load(cfg.tls_cert, cfg.tls_key, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    config_free(&cfg);
    return 2;
  }

  memset(&app, 0, sizeof(app));
  app.cfg = &cfg;
  app.manifest_max = (size_t)cfg.manifest_max_bytes;
  app.json_max = (size_t)cfg.json_max_bytes;
  app.page_max = (size_t)cfg.page_max;
  app.upload_ttl = cfg.upload_ttl;
  app.robots_disabled = cfg.robots_disabled;
  if (open_stores(&app, &cfg))
    goto out;
  if (tokencache_new(&app.tokens, TOKENCACHE_DEFAULT) != 0) {
    cli_error("out of memory");
    goto out;
  }

  /* Signals are taken synchronously by this thread; workers inherit the mask. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  /* the audit writer (started with the signal mask set, like the workers)
   * outlives the HTTP server: it is stopped, and drained, after it */
  rc = audit_start(&app.audit, app.meta, NULL);
  if (rc) {
    cli_error("cannot start the audit log writer (%s)", err_str(rc));
    goto out;
  }
  rc = http_start(&srv, &app, &opt, err, sizeof(err));
  if (rc) {
    cli_error("%s", err);
    goto out;
  }
  /* expiry runs about ten times per TTL, at most once a minute */
  unsigned every = (unsigned)(cfg.upload_ttl / 10 > 60 ? 60 : (cfg.upload_ttl / 10 ? cfg.upload_ttl / 10 : 1));
  if (janitor_start(&jan, &app, every) != 0)
    LOG(LOG_WARN, "upload expiry thread not started; idle uploads will stay until the next start");
  if (cfg.gc_interval > 0) { /* upload expiry is the janitor's: upload_ttl 0 here */
    struct gc_options gco = { .grace = cfg.gc_grace, .untagged_expiry = cfg.gc_untagged_expiry };
    if (gc_sched_start(&gcs, app.meta, app.blobs, &gco, (unsigned)cfg.gc_interval) != 0)
      LOG(LOG_WARN, "garbage collection thread not started; run 'wharf admin gc' instead");
  }
  /* audit retention and export expiry: at start, then hourly (audit/retention.h) */
  if (audit_retention_start(&retention, app.meta, cfg.audit_retention_days, 3600) != 0)
    LOG(LOG_WARN, "audit retention thread not started; old entries stay until the next start");
  char db_shown[1024], storage_shown[1024];
  if (meta_url_redact(db_shown, sizeof(db_shown), cfg.db) != 0)
    snprintf(db_shown, sizeof(db_shown), "(unprintable URL)");
  blob_url_redact(storage_shown, sizeof(storage_shown), cfg.storage);
  LOG(LOG_INFO, "wharf listening on %s://%s:%d (db %s, storage %s, %u threads)",
      opt.tls ? "https" : "http", strchr(host, ':') ? "[ipv6]" : host, http_port(srv), db_shown,
      storage_shown, opt.threads);
  if (opt.tls)
    LOG(LOG_INFO, "TLS certificate serial %s from %s", tls_serial(), cfg.tls_cert);

  int sig = 0;
  while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
    reload_tls(opt.tls, &cfg);
  LOG(LOG_INFO, "received %s; finishing in-flight requests (up to %lds)",
      sig == SIGTERM ? "SIGTERM" : "SIGINT", cfg.shutdown_grace);
  http_stop(srv, (unsigned)cfg.shutdown_grace);
  srv = NULL;
  janitor_stop(jan);
  jan = NULL;
  gc_sched_stop(gcs);
  gcs = NULL;
  audit_retention_stop(retention);
  retention = NULL;
  LOG(LOG_INFO, "stopped");
  status = 0;
out:
  tls_unload();
  audit_stop(app.audit); /* writes what is still queued */
  blob_store_close(app.blobs);
  meta_close(app.meta);
  keys_free(app.keys);
  tokencache_free(app.tokens);
  config_free(&cfg);
  return status;
}
