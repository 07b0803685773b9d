/* SQL store (both engines): the queries of garbage collection and fsck
 * (store/gc_store.h). Each deletion is one conditioned statement in a
 * write transaction (SQLite's write lock, PostgreSQL's SERIALIZABLE), so it
 * re-checks under the lock exactly what made the row a candidate; a
 * manifest PUT's reference check runs under the same lock, so either the
 * PUT sees the row gone (MANIFEST_BLOB_UNKNOWN) or GC sees the new
 * reference (and keeps the row). */
#include "store/sqlite_int.h"

#include <string.h>

#include "util/err.h"
#include "util/pool.h"

/* A manifest of repo m.repo_id lists it as a child / it has a live subject. */
#define GC_IS_CHILD                                                                  \
  "EXISTS (SELECT 1 FROM manifest_ref x JOIN manifest p ON p.id = x.manifest_id "     \
  "WHERE x.digest = m.digest AND x.is_manifest = 1 AND p.repo_id = m.repo_id)"
#define GC_HAS_SUBJECT                                                               \
  "(m.subject IS NOT NULL AND EXISTS (SELECT 1 FROM manifest s "                      \
  "WHERE s.repo_id = m.repo_id AND s.digest = m.subject))"
#define GC_MANIFEST_EXPIRED                                                          \
  "COALESCE(m.untagged_at, m.created_at) < ?1 "                                      \
  "AND NOT EXISTS (SELECT 1 FROM tag t WHERE t.manifest_id = m.id) "                  \
  "AND NOT " GC_IS_CHILD " AND NOT " GC_HAS_SUBJECT
/* No manifest of the link's repository references the blob. */
#define GC_LINK_UNUSED                                                               \
  "repo_blob.created_at < ?1 AND NOT EXISTS (SELECT 1 FROM manifest_ref x "           \
  "JOIN manifest p ON p.id = x.manifest_id WHERE x.digest = repo_blob.digest "        \
  "AND x.is_manifest = 0 AND p.repo_id = repo_blob.repo_id)"
#define GC_BLOB_UNREFERENCED                                                         \
  "NOT EXISTS (SELECT 1 FROM manifest_ref r WHERE r.digest = blob.digest "            \
  "AND r.is_manifest = 0)"

const char *const sq_gc_sql[SQ__COUNT - SQ_GC_FIRST] = {
  [SQ_GC_BLOB_TOTALS - SQ_GC_FIRST] =
    "SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM blob",
  [SQ_GC_BLOB_LIST - SQ_GC_FIRST] =
    "SELECT digest, size, created_at FROM blob WHERE digest > ?1 ORDER BY digest LIMIT ?2",
  [SQ_GC_MANIFESTS - SQ_GC_FIRST] =
    "SELECT m.id, m.repo_id, r.name, m.digest, m.size, m.body FROM manifest m "
    "JOIN repo r ON r.id = m.repo_id WHERE m.id > ?1 ORDER BY m.id LIMIT ?2",
  [SQ_GC_ISSUE_REFS - SQ_GC_FIRST] =
    "SELECT r.name, m.digest, x.digest, x.is_manifest FROM manifest_ref x "
    "JOIN manifest m ON m.id = x.manifest_id JOIN repo r ON r.id = m.repo_id "
    "WHERE (x.is_manifest = 0 AND NOT EXISTS (SELECT 1 FROM repo_blob rb "
    "  WHERE rb.repo_id = m.repo_id AND rb.digest = x.digest)) "
    "OR (x.is_manifest = 1 AND NOT EXISTS (SELECT 1 FROM manifest c "
    "  WHERE c.repo_id = m.repo_id AND c.digest = x.digest)) "
    "ORDER BY r.name, m.digest, x.digest LIMIT ?1",
  [SQ_GC_ISSUE_TAGS - SQ_GC_FIRST] =
    "SELECT r.name, t.name FROM tag t JOIN repo r ON r.id = t.repo_id "
    "WHERE NOT EXISTS (SELECT 1 FROM manifest m WHERE m.id = t.manifest_id "
    "AND m.repo_id = t.repo_id) ORDER BY r.name, t.name LIMIT ?1",
  [SQ_GC_LINKS_DROP_DIGEST - SQ_GC_FIRST] = "DELETE FROM repo_blob WHERE digest = ?1",
  [SQ_GC_BLOB_DROP_DIGEST - SQ_GC_FIRST] = "DELETE FROM blob WHERE digest = ?1",
  [SQ_GC_MANIFEST_EXPIRED - SQ_GC_FIRST] =
    "SELECT m.id, m.repo_id, r.name, m.digest, m.size FROM manifest m "
    "JOIN repo r ON r.id = m.repo_id WHERE " GC_MANIFEST_EXPIRED
    " AND m.id > ?2 ORDER BY m.id LIMIT ?3",
  [SQ_GC_MANIFEST_DROP - SQ_GC_FIRST] =
    "DELETE FROM manifest WHERE id IN (SELECT m.id FROM manifest m WHERE m.id = ?2 AND "
    GC_MANIFEST_EXPIRED ")",
  [SQ_GC_LINKS_COUNT - SQ_GC_FIRST] = "SELECT COUNT(*) FROM repo_blob WHERE " GC_LINK_UNUSED,
  [SQ_GC_LINKS_DROP - SQ_GC_FIRST] = "DELETE FROM repo_blob WHERE " GC_LINK_UNUSED,
  [SQ_GC_BLOB_CANDIDATES - SQ_GC_FIRST] =
    "SELECT digest, size, created_at FROM blob WHERE created_at < ?1 AND digest > ?2 AND "
    GC_BLOB_UNREFERENCED " AND NOT EXISTS (SELECT 1 FROM repo_blob rb "
    "WHERE rb.digest = blob.digest AND rb.created_at >= ?1) ORDER BY digest LIMIT ?3",
  [SQ_GC_BLOB_DROP - SQ_GC_FIRST] =
    "DELETE FROM blob WHERE digest = ?2 AND created_at < ?1 AND " GC_BLOB_UNREFERENCED
    " AND NOT EXISTS (SELECT 1 FROM repo_blob rb WHERE rb.digest = blob.digest)",
  [SQ_GC_TOMB_PUT - SQ_GC_FIRST] =
    "INSERT INTO blob_gc(digest, marked_at) VALUES (?1, ?2) "
    "ON CONFLICT (digest) DO UPDATE SET marked_at = excluded.marked_at",
  [SQ_GC_TOMB_GET - SQ_GC_FIRST] = "SELECT marked_at FROM blob_gc WHERE digest = ?1",
  [SQ_GC_TOMB_LIST - SQ_GC_FIRST] = "SELECT digest FROM blob_gc WHERE marked_at < ?1 ORDER BY digest LIMIT ?2",
  [SQ_GC_TOMB_CLEAR - SQ_GC_FIRST] = "DELETE FROM blob_gc WHERE digest = ?1",
};

struct gc_totals {
  int64_t count, bytes;
};

static int read_totals(void *dst, struct pool *p, struct sq_cur *st)
{
  struct gc_totals *t = dst;
  (void)p;
  t->count = sq_col_int64(st, 0);
  t->bytes = sq_col_int64(st, 1);
  return 0;
}

static int gc_blob_totals(struct meta *m, int64_t *out_count, int64_t *out_bytes)
{
  struct gc_totals t;
  int err = sq_m_one(&t, sizeof(t), m, NULL, read_totals, SQ_GC_BLOB_TOTALS, "");
  if (err)
    return err == ERR_NOTFOUND ? ERR_INTERNAL : err; /* an aggregate always has a row */
  *out_count = t.count;
  *out_bytes = t.bytes;
  return 0;
}

/* Reads (digest, size, created_at) rows. */
static int read_blob(void *dst, struct pool *p, struct sq_cur *st)
{
  struct meta_gc_blob *b = dst;
  b->size = sq_col_int64(st, 1);
  b->created_at = sq_col_int64(st, 2);
  int err = sq_col_text(&b->digest, p, st, 0);
  return !err && !b->digest ? ERR_INTERNAL : err;
}

static int gc_blob_list(struct meta *m, struct pool *p, struct meta_gc_blob **out,
                        size_t *out_n, const char *after, size_t limit)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, limit, read_blob,
                   SQ_GC_BLOB_LIST, "ti", after ? after : "", sq_fetch_limit(limit));
}

/* Reads (id, repo_id, repo, digest, size[, body]) rows. */
static int read_manifest(void *dst, struct pool *p, struct sq_cur *st)
{
  struct meta_gc_manifest *mf = dst;
  memset(mf, 0, sizeof(*mf));
  mf->id = sq_col_int64(st, 0);
  mf->repo_id = sq_col_int64(st, 1);
  mf->size = sq_col_int64(st, 4);
  int err = sq_col_text(&mf->repo, p, st, 2);
  if (!err)
    err = sq_col_text(&mf->digest, p, st, 3);
  return !err && (!mf->repo || !mf->digest) ? ERR_INTERNAL : err;
}

static int read_manifest_body(void *dst, struct pool *p, struct sq_cur *st)
{
  struct meta_gc_manifest *mf = dst;
  int err = read_manifest(dst, p, st);
  return err ? err : sq_col_blob(&mf->body, &mf->body_len, p, st, 5);
}

static int gc_manifests(struct meta *m, struct pool *p, struct meta_gc_manifest **out,
                        size_t *out_n, int64_t after_id, size_t limit)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, limit, read_manifest_body,
                   SQ_GC_MANIFESTS, "ii", after_id, sq_fetch_limit(limit));
}

static int read_ref_issue(void *dst, struct pool *p, struct sq_cur *st)
{
  struct meta_fsck_issue *is = dst;
  is->kind = sq_col_int(st, 3) ? FSCK_REF_CHILD : FSCK_REF_BLOB;
  int err = sq_col_text(&is->repo, p, st, 0);
  if (!err)
    err = sq_col_text(&is->name, p, st, 1);
  if (!err)
    err = sq_col_text(&is->digest, p, st, 2);
  return err;
}

static int read_tag_issue(void *dst, struct pool *p, struct sq_cur *st)
{
  struct meta_fsck_issue *is = dst;
  is->kind = FSCK_TAG;
  is->digest = NULL;
  int err = sq_col_text(&is->repo, p, st, 0);
  return err ? err : sq_col_text(&is->name, p, st, 1);
}

static int gc_issues(struct meta *m, struct pool *p, struct meta_fsck_issue **out,
                     size_t *out_n, size_t limit)
{
  struct meta_fsck_issue *refs = NULL, *tags = NULL;
  size_t nrefs = 0, ntags = 0;
  int err = sq_m_rows((void **)&refs, &nrefs, NULL, sizeof(*refs), m, p, limit, read_ref_issue,
                      SQ_GC_ISSUE_REFS, "i", sq_fetch_limit(limit));
  if (!err)
    err = sq_m_rows((void **)&tags, &ntags, NULL, sizeof(*tags), m, p, limit - nrefs,
                    read_tag_issue, SQ_GC_ISSUE_TAGS, "i", sq_fetch_limit(limit - nrefs));
  if (err)
    return err;
  struct meta_fsck_issue *all = pool_calloc(p, nrefs + ntags + 1, sizeof(*all));
  if (!all)
    return ERR_NOMEM;
  if (nrefs)
    memcpy(all, refs, nrefs * sizeof(*all));
  if (ntags)
    memcpy(all + nrefs, tags, ntags * sizeof(*all));
  *out = all;
  *out_n = nrefs + ntags;
  return 0;
}

struct drop_blobs {
  const char *const *digests;
  size_t n;
};

static int drop_blobs_tx(struct sq_conn *c, void *arg)
{
  const struct drop_blobs *d = arg;
  int err = 0;
  for (size_t i = 0; !err && i < d->n; i++) {
    err = sq_exec(c, NULL, SQ_GC_LINKS_DROP_DIGEST, "t", d->digests[i]);
    if (!err)
      err = sq_exec(c, NULL, SQ_GC_BLOB_DROP_DIGEST, "t", d->digests[i]);
  }
  return err;
}

static int gc_drop_blobs(struct meta *m, const char *const *digests, size_t n)
{
  struct drop_blobs d = {digests, n};
  return sq_m_tx(m, drop_blobs_tx, &d);
}

static int gc_manifest_expired(struct meta *m, struct pool *p, struct meta_gc_manifest **out,
                               size_t *out_n, int64_t before, int64_t after_id, size_t limit)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, limit, read_manifest,
                   SQ_GC_MANIFEST_EXPIRED, "iii", before, after_id, sq_fetch_limit(limit));
}

static int gc_manifest_drop(struct meta *m, int64_t id, int64_t before)
{
  int changes = 0;
  int err = sq_m_exec_tx(m, &changes, SQ_GC_MANIFEST_DROP, "ii", before, id);
  return err ? err : changes ? 0 : ERR_CONFLICT;
}

static int gc_links(struct meta *m, int64_t *out_n, int64_t before, int dry_run)
{
  int changes = 0;
  if (dry_run)
    return sq_m_int64(m, out_n, SQ_GC_LINKS_COUNT, "i", before);
  int err = sq_m_exec_tx(m, &changes, SQ_GC_LINKS_DROP, "i", before);
  if (!err)
    *out_n = changes;
  return err;
}

static int gc_blob_candidates(struct meta *m, struct pool *p, struct meta_gc_blob **out,
                              size_t *out_n, int64_t before, const char *after, size_t limit)
{
  return sq_m_rows((void **)out, out_n, NULL, sizeof(**out), m, p, limit, read_blob,
                   SQ_GC_BLOB_CANDIDATES, "iti", before, after ? after : "",
                   sq_fetch_limit(limit));
}

/* A blob row to drop (or an orphan file to mark) and its tombstone. */
struct tomb {
  const char *digest;
  int64_t before, now;
};

static int blob_drop_tx(struct sq_conn *c, void *arg)
{
  const struct tomb *t = arg;
  int changes = 0;
  int err = sq_exec(c, &changes, SQ_GC_BLOB_DROP, "it", t->before, t->digest);
  if (!err && changes == 0)
    err = ERR_CONFLICT;
  return err ? err : sq_exec(c, NULL, SQ_GC_TOMB_PUT, "ti", t->digest, t->now);
}

static int gc_blob_drop(struct meta *m, const char *digest, int64_t before, int64_t now)
{
  struct tomb t = {digest, before, now};
  return digest ? sq_m_tx(m, blob_drop_tx, &t) : ERR_INVALID;
}

static int orphan_mark_tx(struct sq_conn *c, void *arg)
{
  const struct tomb *t = arg;
  int err = sq_int64(c, NULL, SQ_BLOB_SIZE, "t", t->digest);
  err = err == 0 ? ERR_EXISTS : err == ERR_NOTFOUND ? 0 : err;
  return err ? err : sq_exec(c, NULL, SQ_GC_TOMB_PUT, "ti", t->digest, t->now);
}

static int gc_orphan_mark(struct meta *m, const char *digest, int64_t now)
{
  struct tomb t = {digest, 0, now};
  return digest ? sq_m_tx(m, orphan_mark_tx, &t) : ERR_INVALID;
}

static int gc_tombs(struct meta *m, struct pool *p, char ***out, size_t *out_n, int64_t before,
                    size_t limit)
{
  return sq_m_names(out, out_n, NULL, m, p, limit, SQ_GC_TOMB_LIST, "ii", before,
                    sq_fetch_limit(limit));
}

static int gc_tomb_clear(struct meta *m, const char *digest)
{
  return digest ? sq_m_exec(m, NULL, SQ_GC_TOMB_CLEAR, "t", digest) : ERR_INVALID;
}

const struct meta_gc_ops meta_sqlite_gc_ops = {
  .blob_totals = gc_blob_totals,
  .blob_list = gc_blob_list,
  .manifests = gc_manifests,
  .issues = gc_issues,
  .drop_blobs = gc_drop_blobs,
  .manifest_expired = gc_manifest_expired,
  .manifest_drop = gc_manifest_drop,
  .links = gc_links,
  .blob_candidates = gc_blob_candidates,
  .blob_drop = gc_blob_drop,
  .orphan_mark = gc_orphan_mark,
  .tombs = gc_tombs,
  .tomb_clear = gc_tomb_clear,
};
