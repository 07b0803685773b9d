/* wharf admin migrate: copies a whole embedded installation (SQLite +
 * filesystem) into other stores, typically PostgreSQL + S3.
 *
 * Order: blobs first, then every metadata row in one destination
 * transaction (store/meta_copy.h). Until that commits the destination has
 * no rows, only a marker saying a migration from this source began, so a
 * run killed anywhere is finished by running it again: blobs already at
 * their content address are skipped (a blob store only ever puts verified
 * bytes there, blob.h), the rest are copied. The blob list comes from the
 * source's metadata, never from listing storage, and each blob is hashed
 * while it streams through blob_read -> upload writer -> commit, so a
 * corrupt source blob is named and nothing unverified lands. */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blob/blob.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "store/meta.h"
#include "store/meta_copy.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rand.h"
#include "util/timeutil.h"

#define MIG_CHUNK ((size_t)1 << 20)
/* Plain progress lines (stderr not a terminal) every this many seconds. */
#define MIG_PLAIN_EVERY_US (5 * 1000000LL)
#define MIG_BAR_EVERY_US (100 * 1000LL)

enum progress_mode { PROGRESS_AUTO, PROGRESS_BAR, PROGRESS_PLAIN, PROGRESS_NONE };

struct migration {
  const char *from_db, *from_storage, *db, *storage, *key_file;
  enum progress_mode progress;
  int verify_existing;             /* re-hash blobs the destination has */
  struct blob_store *src, *dst;
  struct meta_copy *mc;
  unsigned char *buf;
  int64_t nblobs, total_bytes;     /* of the source's blob rows */
  int64_t done, copied, present;   /* blobs handled, copied, already there */
  int64_t bytes, copied_bytes;     /* bytes handled, and of them copied */
  int64_t failed;                  /* source blobs missing or corrupt */
  int64_t t0, last_report;         /* time_mono_us() */
  int fatal;                       /* a destination failure: stop */
};

static void usage(FILE *f)
{
  fprintf(f,
    "usage: wharf admin migrate --from-db sqlite:///PATH --from-storage file:///PATH\n"
    "                           --db URL --storage URL [--progress auto|bar|plain|none]\n"
    "                           [--verify-existing]\n\n"
    "Copies a whole embedded installation, every metadata table and every blob, into other\n"
    "stores, typically PostgreSQL (--db postgres://...) and S3 (--storage s3://bucket?...).\n"
    "--db and --storage default to $WHARF_DB and $WHARF_STORAGE, as for 'wharf serve'.\n"
    "Stop the source server first: writes made during the copy are not carried over.\n"
    "The destination database must be empty, or hold an unfinished run of this migration,\n"
    "which is resumed: blobs already copied and verified are skipped (--verify-existing\n"
    "reads them back and checks their digest first). Every blob is hashed on the way and\n"
    "must match its digest. Exit status 0 only when all was copied.\n"
    "Afterwards start every instance with the source's key file (--key-file; by default\n"
    "wharf.key beside the source database): robot tokens are encrypted with it.\n");
}

/* --- progress ------------------------------------------------------------- */

static void human(char *out, size_t len, double v)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  size_t u = 0;
  while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
    v /= 1024;
    u++;
  }
  snprintf(out, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void report(struct migration *g, int final)
{
  if (g->progress == PROGRESS_NONE)
    return;
  int64_t now = time_mono_us();
  int64_t every = g->progress == PROGRESS_BAR ? MIG_BAR_EVERY_US : MIG_PLAIN_EVERY_US;
  if (!final && now - g->last_report < every)
    return;
  g->last_report = now;
  double secs = (double)(now - g->t0) / 1e6;
  char done[32], total[32], rate[32];
  human(done, sizeof(done), (double)g->bytes);
  human(total, sizeof(total), (double)g->total_bytes);
  human(rate, sizeof(rate), secs > 0 ? (double)g->copied_bytes / secs : 0);
  if (g->progress == PROGRESS_BAR) {
    int width = 30;
    int fill = g->total_bytes > 0 ? (int)((double)g->bytes * width / (double)g->total_bytes)
                                  : (g->nblobs ? width * (int)(g->done / g->nblobs) : width);
    char bar[64];
    for (int i = 0; i < width; i++)
      bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] blobs %" PRId64 "/%" PRId64 "  %s/%s  %s/s \033[K%s", bar, g->done,
            g->nblobs, done, total, rate, final ? "\n" : "");
  } else {
    fprintf(stderr, "wharf: blobs %" PRId64 "/%" PRId64 ", %s/%s, %s/s\n", g->done, g->nblobs,
            done, total, rate);
  }
  fflush(stderr);
}

/* --- one blob ------------------------------------------------------------- */

/* One error line about a source blob, below the progress bar. */
static void blob_failed(struct migration *g, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
static void blob_failed(struct migration *g, const char *fmt, ...)
{
  va_list ap;
  if (g->progress == PROGRESS_BAR)
    fputc('\n', stderr);
  fputs("wharf: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

/* Streams the source blob into the open upload w, hashing as it goes;
 * *out_digest is what the bytes hash to. Returns 0, or 1 after reporting a
 * source problem, or an ERR_* code of the destination. */
static int stream_blob(struct migration *g, char out_digest[DIGEST_MAX], struct blob_writer *w,
                       const char *digest, int64_t size)
{
  enum digest_algo algo;
  if (digest_parse(&algo, digest, strlen(digest)) != 0) {
    blob_failed(g, "source metadata has a malformed digest '%s'; repair the source", digest);
    return 1;
  }
  struct hasher *h = hasher_new(algo);
  if (!h)
    return ERR_NOMEM;
  int64_t off = 0;
  int rc = 0;
  for (;;) {
    size_t n = 0;
    rc = blob_read(g->src, &n, digest, off, g->buf, MIG_CHUNK);
    if (rc) {
      blob_failed(g, "cannot read blob %s from --from-storage (%s); restore it from a backup, "
                  "then run the migration again", digest, err_str(rc));
      rc = 1;
      break;
    }
    if (n == 0)
      break;
    if ((rc = hasher_update(h, g->buf, n)) != 0 || (rc = blob_writer_write(w, g->buf, n)) != 0)
      break;
    off += (int64_t)n;
    g->bytes += (int64_t)n;
    g->copied_bytes += (int64_t)n;
    report(g, 0);
  }
  if (!rc && off != size) {
    char detail[96];
    snprintf(detail, sizeof(detail), " (%" PRId64 " bytes, the metadata says %" PRId64 ")", off,
             size);
    blob_failed(g, "source blob %s has the wrong size%s; restore it from a backup, then run the "
                "migration again", digest, detail);
    rc = 1;
  }
  if (!rc)
    rc = hasher_final(h, out_digest);
  hasher_free(h);
  return rc;
}

/* --verify-existing: re-reads a blob the destination already has and checks
 * it hashes to its digest (a store only ever puts verified bytes at a
 * content address, so this guards against what happened to them since). */
static int verify_present(struct migration *g, const char *digest)
{
  enum digest_algo algo;
  char got[DIGEST_MAX];
  struct hasher *h = digest_parse(&algo, digest, strlen(digest)) == 0 ? hasher_new(algo) : NULL;
  int rc = h ? 0 : ERR_INVALID;
  for (int64_t off = 0; !rc;) {
    size_t n = 0;
    if ((rc = blob_read(g->dst, &n, digest, off, g->buf, MIG_CHUNK)) != 0 || n == 0)
      break;
    rc = hasher_update(h, g->buf, n);
    off += (int64_t)n;
  }
  if (!rc)
    rc = hasher_final(h, got);
  hasher_free(h);
  if (!rc && strcmp(got, digest) != 0) {
    cli_error("destination blob %s is corrupt (its bytes hash to %s); delete it from the "
              "destination storage and run the migration again", digest, got);
    return ERR_DIGEST;
  }
  if (rc)
    cli_error("cannot read back blob %s from the destination storage (%s); check --storage "
              "and run again", digest, err_str(rc));
  return rc;
}

/* Copies one blob unless the destination has it. Source problems are
 * counted and reported, destination failures stop the run. */
static int copy_blob(void *ctx, const char *digest, int64_t size)
{
  struct migration *g = ctx;
  int64_t have = 0;
  int64_t bytes_before = g->bytes;
  int rc = blob_stat(g->dst, &have, digest);
  if (rc == 0 && have == size) {
    if (g->verify_existing && (rc = verify_present(g, digest)) != 0)
      return rc;
    g->present++;
    g->done++;
    g->bytes += size;
    report(g, 0);
    return 0;
  }
  if (rc != 0 && rc != ERR_NOTFOUND) {
    cli_error("cannot reach the destination storage (%s) looking for blob %s; check --storage "
              "and run again", err_str(rc), digest);
    return rc;
  }
  char uuid[37], got[DIGEST_MAX];
  struct blob_writer *w = NULL;
  if ((rc = rand_uuid(uuid)) != 0 || (rc = blob_upload_create(g->dst, uuid)) != 0 ||
      (rc = blob_writer_open(&w, g->dst, uuid, 0)) != 0) {
    cli_error("cannot start an upload in the destination storage (%s); check --storage and "
              "run again", err_str(rc));
    return rc;
  }
  int src_problem = 0;
  rc = stream_blob(g, got, w, digest, size);
  if (rc == 1) {
    src_problem = 1;
  } else if (rc == 0 && strcmp(got, digest) != 0) {
    blob_failed(g, "source blob %s is corrupt: its bytes hash to %s; restore it from a backup, "
                "then run the migration again", digest, got);
    src_problem = 1;
  }
  int crc = blob_writer_close(w, 1);
  if (!rc && !src_problem && !crc)
    rc = blob_upload_commit(g->dst, uuid, size, digest);
  else if (!rc)
    rc = crc;
  if (rc || src_problem)
    blob_upload_abort(g->dst, uuid);
  g->done++;
  if (src_problem) {
    g->failed++;
    g->bytes = bytes_before + size;
    return 0;
  }
  if (rc) {
    cli_error("writing blob %s to the destination storage failed (%s); check --storage and "
              "run again (copied blobs are kept)", digest, err_str(rc));
    return rc;
  }
  g->copied++;
  return 0;
}

/* --- the run -------------------------------------------------------------- */

/* Opens both databases through meta_open (which brings each to this
 * wharf's schema version), then the copier on them. */
static int open_metadata(struct migration *g)
{
  char shown[1024], err[512];
  struct meta *m = NULL;
  const char *path = g->from_db + strlen("sqlite://");
  if (strncmp(g->from_db, "sqlite://", 9) != 0 || access(path, R_OK) != 0) {
    cli_error("--from-db must name an existing SQLite database, e.g. sqlite:///var/lib/wharf/wharf.db");
    return ERR_INVALID;
  }
  int rc = meta_open(&m, g->from_db);
  meta_close(m);
  if (rc) {
    cli_error("cannot open source database '%s' (%s); check --from-db", g->from_db, err_str(rc));
    return rc;
  }
  if ((rc = meta_open(&m, g->db)) != 0) {
    cli_error("cannot open destination database '%s' (%s); check --db",
              cli_db_shown(shown, sizeof(shown), g->db), err_str(rc));
    return rc;
  }
  meta_close(m);
  if ((rc = meta_copy_open(&g->mc, g->from_db, g->db, err, sizeof(err))) != 0) {
    cli_error("%s", err);
    return rc;
  }
  int vs = 0, vd = 0;
  if ((rc = meta_copy_versions(g->mc, &vs, &vd)) != 0 || vs != vd) {
    cli_error("source schema version %d and destination %d differ; run this migration with the "
              "wharf version that last served the source", vs, vd);
    return rc ? rc : ERR_CONFLICT;
  }
  return 0;
}

/* Decides from the destination's state whether to start, resume or stop;
 * *out_done is set when an earlier run already finished. */
static int check_destination(struct migration *g, int *out_done)
{
  char err[512], shown[1024];
  enum meta_copy_state st;
  int rc = meta_copy_state(g->mc, &st, err, sizeof(err));
  if (rc) {
    cli_error("cannot read the destination database (%s: %s); check --db", err_str(rc), err);
    return rc;
  }
  cli_db_shown(shown, sizeof(shown), g->db);
  switch (st) {
  case META_COPY_FOREIGN:
    cli_error("destination database '%s' is not empty (%s); migrate into an empty database",
              shown, err);
    return ERR_EXISTS;
  case META_COPY_DONE:
    *out_done = 1;
    return 0;
  case META_COPY_RESUME:
    if (g->progress != PROGRESS_NONE)
      fprintf(stderr, "wharf: resuming an unfinished migration into '%s'\n", shown);
    return 0;
  case META_COPY_EMPTY:
    break;
  }
  if ((rc = meta_copy_mark_started(g->mc, err, sizeof(err))) != 0)
    cli_error("cannot write the migration marker to the destination (%s); check --db", err);
  return rc;
}

static int open_storage(struct migration *g)
{
  char shown[1024];
  int rc = blob_store_open(&g->src, g->from_storage);
  if (rc) {
    blob_url_redact(shown, sizeof(shown), g->from_storage);
    cli_error("cannot open source storage '%s' (%s); check --from-storage", shown, err_str(rc));
    return rc;
  }
  if ((rc = blob_store_open(&g->dst, g->storage)) != 0) {
    blob_url_redact(shown, sizeof(shown), g->storage);
    cli_error("cannot open destination storage '%s' (%s); check --storage", shown, err_str(rc));
  }
  return rc;
}

static void summary(struct migration *g, int tables, int64_t rows)
{
  char bytes[32], keypath[4096];
  human(bytes, sizeof(bytes), (double)g->copied_bytes);
  double secs = (double)(time_mono_us() - g->t0) / 1e6;
  printf("Migrated %" PRId64 " blobs (%" PRId64 " copied, %s; %" PRId64
         " already there) and %" PRId64 " rows of %d tables in %.1fs.\n",
         g->nblobs, g->copied, bytes, g->present, rows, tables, secs);
  if (cli_key_path(keypath, sizeof(keypath), g->key_file, g->from_db) == 0)
    printf("Start every instance with --key-file %s (a copy of it, mode 0600): robot tokens "
           "and OAuth secrets are encrypted with that key.\n", keypath);
}

static int run(struct migration *g)
{
  int status = 1, done = 0, tables = 0;
  int64_t rows = 0;
  char err[512];
  if (open_metadata(g) || check_destination(g, &done))
    goto out;
  if (done) {
    printf("This migration already finished; nothing to do.\n");
    status = 0;
    goto out;
  }
  if (open_storage(g) || !(g->buf = malloc(MIG_CHUNK)))
    goto out;
  if (meta_copy_blob_totals(g->mc, &g->nblobs, &g->total_bytes) != 0) {
    cli_error("cannot read the source's blob list; check --from-db");
    goto out;
  }
  g->t0 = g->last_report = time_mono_us();
  int rc = meta_copy_each_blob(g->mc, copy_blob, g);
  report(g, 1);
  if (rc)
    goto out; /* reported where it happened */
  if (g->failed) {
    cli_error("%" PRId64 " source blob(s) could not be copied (named above); no metadata was "
              "copied yet: repair them, then run the migration again", g->failed);
    goto out;
  }
  if (g->progress != PROGRESS_NONE)
    fprintf(stderr, "wharf: blobs done; copying the metadata tables in one transaction\n");
  if ((rc = meta_copy_tables(g->mc, &tables, &rows, err, sizeof(err))) != 0) {
    cli_error("copying the metadata failed (%s); nothing of it was kept: fix that and run the "
              "migration again", err);
    goto out;
  }
  summary(g, tables, rows);
  status = 0;
out:
  free(g->buf);
  meta_copy_free(g->mc);
  blob_store_close(g->src);
  blob_store_close(g->dst);
  return status;
}

static int parse_progress(enum progress_mode *out, const char *s)
{
  static const char *const names[] = { "auto", "bar", "plain", "none" };
  for (int i = 0; i < 4; i++)
    if (strcmp(s, names[i]) == 0) {
      *out = (enum progress_mode)i;
      return 0;
    }
  return -1;
}

int cmd_migrate(int argc, char **argv)
{
  static const struct option opts[] = {
    { "from-db", required_argument, NULL, 'f' }, { "from-storage", required_argument, NULL, 'F' },
    { "db", required_argument, NULL, 'd' },      { "storage", required_argument, NULL, 's' },
    { "key-file", required_argument, NULL, 'k' }, { "progress", required_argument, NULL, 'p' },
    { "verify-existing", no_argument, NULL, 'V' }, { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct migration g = { .db = getenv("WHARF_DB"), .storage = getenv("WHARF_STORAGE"),
                         .key_file = getenv("WHARF_KEY_FILE") };
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'f': g.from_db = optarg; break;
    case 'F': g.from_storage = optarg; break;
    case 'd': g.db = optarg; break;
    case 's': g.storage = optarg; break;
    case 'k': g.key_file = optarg; break;
    case 'p':
      if (parse_progress(&g.progress, optarg) == 0)
        break;
      cli_error("--progress takes auto, bar, plain or none");
      return 2;
    case 'V': g.verify_existing = 1; break;
    case 'h': usage(stdout); return 0;
    default:
      return cli_bad_option("admin migrate", argv);
    }
  }
  if (cli_extra_args("admin migrate", argc, argv))
    return 2;
  if (!g.from_db || !g.from_storage || !g.db || !*g.db || !g.storage || !*g.storage) {
    cli_error("--from-db, --from-storage, --db and --storage are all required (--db and "
              "--storage may come from WHARF_DB and WHARF_STORAGE); see 'wharf admin migrate --help'");
    return 2;
  }
  if (strcmp(g.from_db, g.db) == 0 || strcmp(g.from_storage, g.storage) == 0) {
    cli_error("the destination must differ from the source: give --db and --storage the new stores");
    return 2;
  }
  /* the stores' own info lines (applied migrations) would break up the progress */
  if (log_min_level > LOG_WARN)
    log_min_level = LOG_WARN;
  if (g.progress == PROGRESS_AUTO)
    g.progress = isatty(STDERR_FILENO) ? PROGRESS_BAR : PROGRESS_PLAIN;
  return run(&g);
}
