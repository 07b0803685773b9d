/* wharf admin fsck: verifies the stores against each other, online (only
 * reads unless --repair). Checks that every blob row has bytes of its size
 * that hash to its digest, every manifest body hashes to its digest, every
 * manifest reference is linked (blob) or present (child) in its repository,
 * every tag points at a manifest; counts stored bytes without a row (GC
 * collects those). --repair moves corrupt bytes to quarantine and drops the
 * rows of blobs whose bytes are gone or corrupt, in one transaction; the
 * manifests that reference them stay and are reported until the blob is
 * pushed again. Exit 0 clean, 1 problems found, 2 usage or other error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "blob/blob.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/progress.h"
#include "store/gc_store.h"
#include "store/meta.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/pool.h"

#define FSCK_PAGE 256
#define FSCK_CHUNK ((size_t)4 << 20)
#define FSCK_ISSUES_MAX 100000

struct fsck {
  struct meta *m;
  struct blob_store *bs;
  struct pool *p;       /* problems live here */
  struct progress pr;
  json_t *problems;     /* array of {kind, digest, repo, name, detail} */
  char **bad;           /* blob digests whose rows repair drops */
  size_t nbad, capbad;
  int64_t blobs, bytes, total_blobs, total_bytes, manifests, strays, stray_bytes;
  int as_json;
  unsigned char *buf;
};

static void fsck_usage(FILE *f)
{
  fprintf(f, "usage: wharf admin fsck [--db URL] [--storage URL] [--repair] [--json]\n\n"
             "Checks every blob's bytes against its digest and size, every manifest's digest\n"
             "and references, and every tag; safe while wharf serves. --repair moves corrupt\n"
             "bytes to quarantine/ in the storage and drops the records of blobs whose bytes\n"
             "are corrupt or missing (manifests using them stay, and are reported until the\n"
             "blob is pushed again). Exit status: 0 clean, 1 problems found, 2 error.\n"
             "--db and --storage default to $WHARF_DB / $WHARF_STORAGE, then\n"
             "sqlite://./data/wharf.db and file://./data/blobs.\n");
}

/* Records one problem (and prints it unless --json). */
static void problem(struct fsck *f, const char *kind, const char *digest, const char *repo,
                    const char *name, const char *detail)
{
  json_t *j = json_pack("{s:s, s:s?, s:s?, s:s?, s:s}", "kind", kind, "digest", digest, "repo",
                        repo, "name", name, "detail", detail);
  if (j)
    json_array_append_new(f->problems, j);
  if (f->as_json)
    return;
  progress_end(&f->pr);
  printf("%s: %s%s%s%s%s: %s\n", kind, repo ? repo : "", repo && name ? "@" : "",
         name ? name : "", (repo || name) && digest ? " -> " : "", digest ? digest : "", detail);
}

static int mark_bad(struct fsck *f, const char *digest)
{
  if (f->nbad == f->capbad) {
    size_t ncap = f->capbad ? f->capbad * 2 : 64;
    char **nb = pool_alloc(f->p, ncap * sizeof(*nb));
    if (!nb)
      return ERR_NOMEM;
    if (f->nbad)
      memcpy(nb, f->bad, f->nbad * sizeof(*nb));
    f->bad = nb;
    f->capbad = ncap;
  }
  f->bad[f->nbad] = pool_strdup(f->p, digest);
  return f->bad[f->nbad++] ? 0 : ERR_NOMEM;
}

/* Hashes the stored bytes of digest into got. */
static int hash_blob(struct fsck *f, char got[DIGEST_MAX], const char *digest, int64_t size)
{
  enum digest_algo algo;
  int rc = digest_parse(&algo, digest, strlen(digest));
  if (rc)
    return rc;
  struct hasher *h = hasher_new(algo);
  if (!h)
    return ERR_NOMEM;
  int64_t off = 0;
  while (!rc && off < size) {
    size_t n = 0;
    rc = blob_read(f->bs, &n, digest, off, f->buf, FSCK_CHUNK);
    if (!rc && n == 0)
      break; /* shorter than it said: the hash will tell */
    if (!rc)
      rc = hasher_update(h, f->buf, n);
    off += (int64_t)n;
    progress_update(&f->pr, "blobs", f->blobs, f->total_blobs, f->bytes + off);
  }
  if (!rc)
    rc = hasher_final(h, got);
  hasher_free(h);
  return rc;
}

static int check_blob(struct fsck *f, const struct meta_gc_blob *b)
{
  struct blob_info bi;
  char detail[256], got[DIGEST_MAX];
  int64_t size;
  int rc = blob_info(f->bs, &bi, b->digest);
  if (rc == ERR_NOTFOUND) {
    /* gone with its row (a GC meanwhile) is not a problem */
    if (meta_blob_stat(f->m, &size, b->digest) == ERR_NOTFOUND)
      return 0;
    problem(f, "blob_missing", b->digest, NULL, NULL, "recorded but not in storage");
    return mark_bad(f, b->digest);
  }
  if (rc)
    return rc;
  if (bi.size != b->size) {
    snprintf(detail, sizeof(detail), "stored size %lld, recorded %lld", (long long)bi.size,
             (long long)b->size);
    problem(f, "blob_size", b->digest, NULL, NULL, detail);
    return mark_bad(f, b->digest);
  }
  rc = hash_blob(f, got, b->digest, bi.size);
  if (rc == ERR_NOTFOUND)
    return 0; /* deleted while we read it */
  if (rc)
    return rc;
  if (strcmp(got, b->digest) != 0) {
    snprintf(detail, sizeof(detail), "bytes hash to %s", got);
    problem(f, "blob_corrupt", b->digest, NULL, NULL, detail);
    return mark_bad(f, b->digest);
  }
  return 0;
}

static int check_blobs(struct fsck *f)
{
  char after[DIGEST_MAX] = "";
  int rc = meta_gc_blob_totals(f->m, &f->total_blobs, &f->total_bytes);
  while (!rc) {
    struct pool *p = pool_new();
    struct meta_gc_blob *b = NULL;
    size_t n = 0;
    if (!p)
      return ERR_NOMEM;
    rc = meta_gc_blob_list(f->m, p, &b, &n, after, FSCK_PAGE);
    for (size_t i = 0; !rc && i < n; i++) {
      rc = check_blob(f, &b[i]);
      f->blobs++;
      f->bytes += b[i].size;
      if (f->blobs > f->total_blobs) /* pushed meanwhile */
        f->total_blobs = f->blobs;
      progress_update(&f->pr, "blobs", f->blobs, f->total_blobs, f->bytes);
    }
    if (!rc && n)
      snprintf(after, sizeof(after), "%s", b[n - 1].digest);
    pool_free(p);
    if (n < FSCK_PAGE)
      break;
  }
  return rc;
}

static int check_stray(void *ctx, const struct blob_info *bi)
{
  struct fsck *f = ctx;
  int64_t size;
  int rc = meta_blob_stat(f->m, &size, bi->digest);
  if (rc == ERR_NOTFOUND) {
    f->strays++;
    f->stray_bytes += bi->size;
    return 0;
  }
  return rc;
}

static int check_manifests(struct fsck *f)
{
  int64_t after = 0;
  int rc = 0;
  while (!rc) {
    struct pool *p = pool_new();
    struct meta_gc_manifest *mf = NULL;
    size_t n = 0;
    char got[DIGEST_MAX];
    if (!p)
      return ERR_NOMEM;
    rc = meta_fsck_manifests(f->m, p, &mf, &n, after, FSCK_PAGE);
    for (size_t i = 0; !rc && i < n; i++) {
      enum digest_algo algo;
      after = mf[i].id;
      f->manifests++;
      if (digest_parse(&algo, mf[i].digest, strlen(mf[i].digest)) != 0 ||
          digest_buffer(got, algo, mf[i].body, mf[i].body_len) != 0 ||
          strcmp(got, mf[i].digest) != 0)
        problem(f, "manifest_corrupt", NULL, mf[i].repo, mf[i].digest,
                "stored body does not hash to the manifest's digest");
      progress_update(&f->pr, "manifests", f->manifests, 0, -1);
    }
    pool_free(p);
    if (n < FSCK_PAGE)
      break;
  }
  return rc;
}

static int check_refs(struct fsck *f)
{
  struct meta_fsck_issue *is = NULL;
  size_t n = 0;
  int rc = meta_fsck_issues(f->m, f->p, &is, &n, FSCK_ISSUES_MAX);
  for (size_t i = 0; !rc && i < n; i++) {
    if (is[i].kind == FSCK_REF_BLOB)
      problem(f, "manifest_blob_missing", is[i].digest, is[i].repo, is[i].name,
              "manifest references a blob its repository does not hold");
    else if (is[i].kind == FSCK_REF_CHILD)
      problem(f, "manifest_child_missing", is[i].digest, is[i].repo, is[i].name,
              "index references a manifest missing from its repository");
    else
      problem(f, "tag_dangling", NULL, is[i].repo, is[i].name,
              "tag points at no manifest of its repository");
  }
  return rc;
}

/* Quarantines corrupt bytes, then drops the rows of every bad blob. */
static int repair(struct fsck *f, json_t *done)
{
  for (size_t i = 0; i < f->nbad; i++) {
    int rc = blob_quarantine(f->bs, f->bad[i]);
    if (rc && rc != ERR_NOTFOUND)
      return rc;
    if (rc == 0) {
      json_array_append_new(done, json_pack("{s:s, s:s}", "action", "quarantined", "digest",
                                            f->bad[i]));
      if (!f->as_json)
        printf("repaired: moved the bytes of %s to quarantine\n", f->bad[i]);
    }
  }
  int rc = f->nbad ? meta_fsck_drop_blobs(f->m, (const char *const *)f->bad, f->nbad) : 0;
  for (size_t i = 0; !rc && i < f->nbad; i++) {
    json_array_append_new(done, json_pack("{s:s, s:s}", "action", "dropped_record", "digest",
                                          f->bad[i]));
    if (!f->as_json)
      printf("repaired: dropped the record of %s (push it again to restore it)\n", f->bad[i]);
  }
  return rc;
}

static void summary(struct fsck *f, json_t *repaired)
{
  char b1[32], b2[32];
  size_t np = json_array_size(f->problems);
  if (f->as_json) {
    json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:O, s:O}", "blobs", (json_int_t)f->blobs,
                          "bytes", (json_int_t)f->bytes, "manifests", (json_int_t)f->manifests,
                          "stray_objects", (json_int_t)f->strays, "stray_bytes",
                          (json_int_t)f->stray_bytes, "problems", f->problems, "repaired",
                          repaired);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (s)
      puts(s);
    free(s);
    json_decref(j);
    return;
  }
  printf("fsck: checked %lld blob(s) (%s) and %lld manifest(s): %zu problem(s)\n",
         (long long)f->blobs, cli_human_bytes(b1, sizeof(b1), f->bytes),
         (long long)f->manifests, np);
  if (f->strays)
    printf("  %lld stored object(s) (%s) have no record; 'wharf admin gc' removes them\n",
           (long long)f->strays, cli_human_bytes(b2, sizeof(b2), f->stray_bytes));
  if (np && !json_array_size(repaired))
    printf("  run with --repair to quarantine corrupt blobs and drop their records\n");
}

static int fsck_run(struct fsck *f, int do_repair)
{
  json_t *repaired = json_array();
  int rc = check_blobs(f);
  progress_end(&f->pr);
  if (!rc)
    rc = blob_each(f->bs, check_stray, f);
  if (!rc)
    rc = check_manifests(f);
  progress_end(&f->pr);
  if (!rc)
    rc = check_refs(f);
  if (!rc && do_repair)
    rc = repair(f, repaired);
  if (rc)
    cli_error("fsck stopped: %s", err_str(rc));
  else
    summary(f, repaired);
  json_decref(repaired);
  return rc ? 2 : json_array_size(f->problems) ? 1 : 0;
}

int cmd_fsck(int argc, char **argv)
{
  static const struct option opts[] = {
    { "db", required_argument, NULL, 'd' }, { "storage", required_argument, NULL, 's' },
    { "repair", no_argument, NULL, 'r' },   { "json", no_argument, NULL, 'j' },
    { "help", no_argument, NULL, 'h' },     { NULL, 0, NULL, 0 },
  };
  struct fsck f = { .as_json = 0 };
  const char *db, *storage;
  int do_repair = 0, c;
  cli_store_defaults(&db, &storage);
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 's': storage = optarg; break;
    case 'r': do_repair = 1; break;
    case 'j': f.as_json = 1; break;
    case 'h': fsck_usage(stdout); return 0;
    default:
      return cli_bad_option("admin fsck", argv);
    }
  }
  if (cli_extra_args("admin fsck", argc, argv))
    return 2;
  if (cli_open_stores(&f.m, &f.bs, db, storage))
    return 2;
  f.p = pool_new();
  f.problems = json_array();
  f.buf = malloc(FSCK_CHUNK);
  int status = 2;
  if (f.p && f.problems && f.buf) {
    progress_init(&f.pr, 0);
    status = fsck_run(&f, do_repair);
  } else {
    cli_error("out of memory");
  }
  free(f.buf);
  json_decref(f.problems);
  pool_free(f.p);
  blob_store_close(f.bs);
  meta_close(f.m);
  return status;
}
