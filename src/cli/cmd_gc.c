/* wharf admin gc: one garbage collection over the stores, online (safe
 * while wharf serves). The work is registry/gc.c's; this parses options,
 * shows progress and prints the summary. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "blob/blob.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/progress.h"
#include "registry/gc.h"
#include "store/meta.h"
#include "util/err.h"
#include "util/timeutil.h"

static void gc_usage(FILE *f)
{
  fprintf(f,
          "usage: wharf admin gc [--db URL] [--storage URL] [--dry-run] [--grace DURATION]\n"
          "                      [--untagged-expiry DURATION] [--upload-ttl DURATION] [--json]\n\n"
          "Removes, while the registry keeps serving: manifests no tag points at whose last\n"
          "untagging is older than --untagged-expiry (default 14d), repository links and\n"
          "blobs no manifest uses\n"
          "that are older than --grace (default 1h), stored bytes without a record older than\n"
          "--grace, and upload sessions idle for --upload-ttl (default 24h). --dry-run counts\n"
          "what the first pass would free and changes nothing. DURATION: N, Ns, Nm, Nh or Nd.\n"
          "--db and --storage default to $WHARF_DB / $WHARF_STORAGE, then\n"
          "sqlite://./data/wharf.db and file://./data/blobs. Exit status 0, or 2 on error.\n");
}

static void gc_progress(void *ctx, const char *phase, int64_t done, int64_t total)
{
  progress_update(ctx, phase, done, total, -1);
}

static void gc_print(const struct gc_result *r, int dry_run, int as_json)
{
  char b1[32], b2[32];
  if (as_json) {
    json_t *j = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "dry_run", dry_run,
                          "manifests", (json_int_t)r->manifests, "links", (json_int_t)r->links,
                          "blobs", (json_int_t)r->blobs, "bytes", (json_int_t)r->bytes,
                          "orphans", (json_int_t)r->orphans, "orphan_bytes",
                          (json_int_t)r->orphan_bytes, "uploads", (json_int_t)r->uploads,
                          "kept", (json_int_t)r->kept);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (s)
      puts(s);
    free(s);
    json_decref(j);
    return;
  }
  const char *verb = dry_run ? "would free" : "freed";
  printf("gc %s: %lld blob(s), %s; %lld stray object(s), %s\n", verb, (long long)r->blobs,
         cli_human_bytes(b1, sizeof(b1), r->bytes), (long long)r->orphans,
         cli_human_bytes(b2, sizeof(b2), r->orphan_bytes));
  printf("  untagged manifests: %lld, repository links: %lld, idle uploads: %lld\n",
         (long long)r->manifests, (long long)r->links, (long long)r->uploads);
  if (r->kept)
    printf("  kept %lld candidate(s) that were used again meanwhile\n", (long long)r->kept);
  if (dry_run)
    printf("  (dry run: nothing was changed; blobs only an expiring manifest holds are not "
           "counted)\n");
}

int cli_open_stores(struct meta **out_m, struct blob_store **out_bs, const char *db,
                    const char *storage)
{
  char shown[1024];
  int rc = meta_open(out_m, db);
  if (rc) {
    cli_error("cannot open metadata store '%s' (%s); check --db",
              cli_db_shown(shown, sizeof(shown), db), err_str(rc));
    return rc;
  }
  rc = blob_store_open(out_bs, storage);
  if (rc) {
    blob_url_redact(shown, sizeof(shown), storage);
    cli_error("cannot open blob storage '%s' (%s); check --storage", shown, err_str(rc));
    meta_close(*out_m);
    *out_m = NULL;
  }
  return rc;
}

void cli_store_defaults(const char **db, const char **storage)
{
  *db = getenv("WHARF_DB");
  *storage = getenv("WHARF_STORAGE");
  if (!*db || !**db)
    *db = "sqlite://./data/wharf.db";
  if (!*storage || !**storage)
    *storage = "file://./data/blobs";
}

static int gc_duration(int64_t *out, const char *name, const char *v)
{
  if (cli_parse_duration(out, v) == 0)
    return 0;
  cli_error("%s '%s' is not a duration; use e.g. 0, 90s, 30m, 1h or 14d", name, v);
  return -1;
}

int cmd_gc(int argc, char **argv)
{
  static const struct option opts[] = {
    { "db", required_argument, NULL, 'd' },         { "storage", required_argument, NULL, 's' },
    { "dry-run", no_argument, NULL, 'n' },          { "grace", required_argument, NULL, 'g' },
    { "untagged-expiry", required_argument, NULL, 'u' },
    { "upload-ttl", required_argument, NULL, 't' }, { "json", no_argument, NULL, 'j' },
    { "help", no_argument, NULL, 'h' },             { NULL, 0, NULL, 0 },
  };
  struct gc_options o = GC_OPTIONS_INIT;
  struct progress pr;
  const char *db, *storage;
  int as_json = 0, c;
  o.upload_ttl = 86400;
  cli_store_defaults(&db, &storage);
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 's': storage = optarg; break;
    case 'n': o.dry_run = 1; break;
    case 'g': if (gc_duration(&o.grace, "--grace", optarg)) return 2; break;
    case 'u':
      if (gc_duration(&o.untagged_expiry, "--untagged-expiry", optarg))
        return 2;
      break;
    case 't': if (gc_duration(&o.upload_ttl, "--upload-ttl", optarg)) return 2; break;
    case 'j': as_json = 1; break;
    case 'h': gc_usage(stdout); return 0;
    default:
      return cli_bad_option("admin gc", argv);
    }
  }
  if (cli_extra_args("admin gc", argc, argv))
    return 2;
  struct meta *m = NULL;
  struct blob_store *bs = NULL;
  if (cli_open_stores(&m, &bs, db, storage))
    return 2;
  progress_init(&pr, 0);
  o.progress = gc_progress;
  o.progress_ctx = &pr;
  struct gc_result r;
  int rc = gc_run(&r, m, bs, &o, time_now());
  progress_end(&pr);
  if (rc)
    cli_error("garbage collection stopped: %s; it is safe to run it again", err_str(rc));
  else
    gc_print(&r, o.dry_run, as_json);
  blob_store_close(bs);
  meta_close(m);
  return rc ? 2 : 0;
}
