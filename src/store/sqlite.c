/* The SQL store's repositories, blobs and upload sessions, the SQL of its
 * non-identity statements, and the helpers every operation uses on top of
 * an engine (struct sq_engine): both the SQLite engine (sqlite_conn.c) and
 * the PostgreSQL one (postgres.c) run this code unchanged. Manifests and
 * tags are in sqlite_manifest.c, the schema and its migrations in
 * sqlite_schema.c. */
#include "store/sqlite_int.h"

#include "store/ident.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

/* Tags of repository ?2 (name, digest, updated_at, size), LIMIT ?1, `cond`
 * added to the WHERE clause. size sums the sizes of the blobs the manifest
 * references; for a child manifest of an index (is_manifest = 1), of that
 * child's blobs instead (one level: what an index holds); -1 when none.
 * One correlated subquery per row, every step an index lookup, so a page
 * is one statement (no query per tag). */
#define TAG_INFO_SQL(cond)                                                              \
  "SELECT t.name, m.digest, t.updated_at, COALESCE(("                                   \
  "SELECT CAST(SUM(b.size) AS BIGINT) FROM manifest_ref r "                             \
  "LEFT JOIN manifest c ON r.is_manifest = 1 AND c.repo_id = m.repo_id "                \
  "AND c.digest = r.digest "                                                            \
  "LEFT JOIN manifest_ref cr ON cr.manifest_id = c.id AND cr.is_manifest = 0 "          \
  "JOIN blob b ON b.digest = CASE WHEN r.is_manifest = 1 THEN cr.digest "               \
  "ELSE r.digest END WHERE r.manifest_id = m.id), -1) "                                 \
  "FROM tag t JOIN manifest m ON m.id = t.manifest_id WHERE t.repo_id = ?2 " cond       \
  "ORDER BY t.name LIMIT ?1"

static const char *const stmt_sql[SQ_IDENT_FIRST] = {
  [SQ_SCHEMA_VERSION] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
  [SQ_REPO_ID] = "SELECT id FROM repo WHERE name = ?1",
  [SQ_REPO_INSERT] = "INSERT INTO repo(name, created_at) VALUES (?1, ?2) "
                     "ON CONFLICT (name) DO NOTHING",
  [SQ_REPO_LIST] = "SELECT name FROM repo ORDER BY name LIMIT ?1",
  [SQ_REPO_LIST_AFTER] = "SELECT name FROM repo WHERE name > ?2 ORDER BY name LIMIT ?1",
  [SQ_BLOB_INSERT] = "INSERT INTO blob(digest, size, created_at) VALUES (?1, ?2, ?3) "
                     "ON CONFLICT (digest) DO NOTHING",
  [SQ_BLOB_SIZE] = "SELECT size FROM blob WHERE digest = ?1",
  [SQ_LINK_INSERT] = "INSERT INTO repo_blob(repo_id, digest, created_at) VALUES (?1, ?2, ?3) "
                     "ON CONFLICT (repo_id, digest) DO NOTHING",
  [SQ_LINK_SIZE] = "SELECT b.size FROM repo_blob rb JOIN blob b ON b.digest = rb.digest "
                   "WHERE rb.repo_id = ?1 AND rb.digest = ?2",
  [SQ_LINK_DELETE] = "DELETE FROM repo_blob WHERE repo_id = ?1 AND digest = ?2",
  [SQ_REF_USED] = "SELECT 1 FROM manifest_ref r JOIN manifest m ON m.id = r.manifest_id "
                  "WHERE r.digest = ?2 AND r.is_manifest = ?3 AND m.repo_id = ?1 LIMIT 1",
  [SQ_UPLOAD_INSERT] = "INSERT INTO upload(uuid, repo_id, byte_offset, created_at, updated_at) "
                       "VALUES (?1, ?2, 0, ?3, ?3)",
  [SQ_UPLOAD_GET] = "SELECT uuid, repo_id, byte_offset, created_at, updated_at FROM upload "
                    "WHERE uuid = ?1",
  [SQ_UPLOAD_CAS] = "UPDATE upload SET byte_offset = ?3, updated_at = ?4 "
                    "WHERE uuid = ?1 AND byte_offset = ?2",
  [SQ_UPLOAD_DELETE] = "DELETE FROM upload WHERE uuid = ?1",
  [SQ_UPLOAD_STALE] = "SELECT uuid FROM upload WHERE updated_at < ?1 ORDER BY updated_at LIMIT ?2",
  [SQ_MANIFEST_ID] = "SELECT id FROM manifest WHERE repo_id = ?1 AND digest = ?2",
  [SQ_MANIFEST_INSERT] = "INSERT INTO manifest(repo_id, digest, media_type, artifact_type, "
                         "subject, annotations, body, size, created_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
  [SQ_MANIFEST_GET] = "SELECT digest, media_type, artifact_type, subject, annotations, size, "
                      "created_at, body FROM manifest WHERE repo_id = ?1 AND digest = ?2",
  [SQ_MANIFEST_DELETE] = "DELETE FROM manifest WHERE id = ?1",
  [SQ_MREF_INSERT] = "INSERT INTO manifest_ref(manifest_id, digest, is_manifest) "
                     "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
  [SQ_MREF_DELETE] = "DELETE FROM manifest_ref WHERE manifest_id = ?1",
  [SQ_REFERRERS] = "SELECT digest, media_type, artifact_type, subject, annotations, size, "
                   "created_at FROM manifest WHERE repo_id = ?1 AND subject = ?2 ORDER BY id",
  [SQ_REFERRERS_TYPE] = "SELECT digest, media_type, artifact_type, subject, annotations, size, "
                        "created_at FROM manifest "
                        "WHERE repo_id = ?1 AND subject = ?2 AND artifact_type = ?3 ORDER BY id",
  [SQ_TAG_UPSERT] = "INSERT INTO tag(repo_id, name, manifest_id, updated_at) "
                    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (repo_id, name) DO UPDATE "
                    "SET manifest_id = excluded.manifest_id, updated_at = excluded.updated_at",
  [SQ_TAG_RESOLVE] = "SELECT m.digest FROM tag t JOIN manifest m ON m.id = t.manifest_id "
                     "WHERE t.repo_id = ?1 AND t.name = ?2",
  [SQ_TAG_LIST] = "SELECT name FROM tag WHERE repo_id = ?2 ORDER BY name LIMIT ?1",
  [SQ_TAG_LIST_AFTER] = "SELECT name FROM tag WHERE repo_id = ?2 AND name > ?3 "
                        "ORDER BY name LIMIT ?1",
  [SQ_TAG_DELETE] = "DELETE FROM tag WHERE repo_id = ?1 AND name = ?2",
  [SQ_TAG_DELETE_MANIFEST] = "DELETE FROM tag WHERE manifest_id = ?1",
  [SQ_TAG_INFO_LIST] = TAG_INFO_SQL(""),
  [SQ_TAG_INFO_LIST_AFTER] = TAG_INFO_SQL("AND t.name > ?3 "),
};

const char *sq_stmt_sql(enum sq_stmt id)
{
  if ((int)id < 0 || id >= SQ__COUNT)
    return NULL;
  if (id >= SQ_GC_FIRST)
    return sq_gc_sql[id - SQ_GC_FIRST];
  if (id >= SQ_AUDIT_FIRST)
    return sq_audit_sql[id - SQ_AUDIT_FIRST];
  return id < SQ_IDENT_FIRST ? stmt_sql[id] : sq_ident_sql[id - SQ_IDENT_FIRST];
}

/* --- helpers over the engine ------------------------------------------------ */

int sq_conn_get(struct sq_conn **out, struct meta *m)
{
  return ((struct sq_meta *)m)->eng->conn_get(out, m);
}

int sq_query_v(struct sq_conn *c, struct sq_cur **out, enum sq_stmt id, const char *fmt,
               va_list ap)
{
  return c->eng->query(c, out, id, fmt, ap);
}

int sq_query(struct sq_conn *c, struct sq_cur **out, enum sq_stmt id, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int err = sq_query_v(c, out, id, fmt, ap);
  va_end(ap);
  return err;
}

int sq_step(struct sq_cur *st)
{
  return st->eng->step(st);
}

void sq_done(struct sq_cur *st)
{
  st->eng->done(st);
}

int sq_exec(struct sq_conn *c, int *out_changes, enum sq_stmt id, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int err = sq_exec_v(c, out_changes, id, fmt, ap);
  va_end(ap);
  return err;
}

int sq_exec_v(struct sq_conn *c, int *out_changes, enum sq_stmt id, const char *fmt, va_list ap)
{
  struct sq_cur *st;
  int err = sq_query_v(c, &st, id, fmt, ap);
  if (err)
    return err;
  int rc = sq_step(st);
  if (rc == SQ_DONE) {
    if (out_changes)
      *out_changes = st->eng->changes(st);
  } else {
    err = rc == SQ_ROW ? ERR_INTERNAL : rc; /* a statement returning rows is a bug */
  }
  sq_done(st);
  return err;
}

int sq_int64(struct sq_conn *c, int64_t *out, enum sq_stmt id, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int err = sq_int64_v(c, out, id, fmt, ap);
  va_end(ap);
  return err;
}

int sq_int64_v(struct sq_conn *c, int64_t *out, enum sq_stmt id, const char *fmt, va_list ap)
{
  struct sq_cur *st;
  int err = sq_query_v(c, &st, id, fmt, ap);
  if (err)
    return err;
  int rc = sq_step(st);
  if (rc == SQ_ROW) {
    int64_t v = sq_col_int64(st, 0);
    /* Run INSERT ... RETURNING to completion before reporting success
     * (SQLite made every change at the first step). */
    while ((rc = sq_step(st)) == SQ_ROW)
      ;
    if (rc == SQ_DONE) {
      if (out)
        *out = v;
    } else {
      err = rc;
    }
  } else {
    err = rc == SQ_DONE ? ERR_NOTFOUND : rc;
  }
  sq_done(st);
  return err;
}

int sq_begin(struct sq_conn *c)
{
  return c->eng->begin(c);
}

int sq_end(struct sq_conn *c, int err)
{
  return c->eng->end(c, err);
}

int64_t sq_col_int64(struct sq_cur *st, int col)
{
  return st->eng->col_int64(st, col);
}

int sq_col_int(struct sq_cur *st, int col)
{
  return (int)st->eng->col_int64(st, col);
}

int sq_col_text(char **out, struct pool *p, struct sq_cur *st, int col)
{
  const char *s;
  size_t n;
  int err = st->eng->col_text(&s, &n, st, col);
  if (err)
    return err;
  if (!s) {
    *out = NULL;
    return 0;
  }
  char *r = pool_strndup(p, s, n);
  if (!r)
    return ERR_NOMEM;
  *out = r;
  return 0;
}

int sq_col_blob(void **out, size_t *out_len, struct pool *p, struct sq_cur *st, int col)
{
  const void *b;
  size_t n;
  int err = st->eng->col_blob(&b, &n, st, col);
  if (err)
    return err;
  void *r = pool_alloc(p, n ? n : 1);
  if (!r)
    return ERR_NOMEM;
  if (n)
    memcpy(r, b, n);
  *out = r;
  *out_len = n;
  return 0;
}

int sq_grow(struct pool *p, void **arr, size_t *cap, size_t n, size_t elem)
{
  if (n < *cap)
    return 0;
  size_t ncap = *cap ? *cap * 2 : 16;
  if (ncap < *cap || ncap > SIZE_MAX / elem)
    return ERR_NOMEM;
  void *na = pool_alloc(p, ncap * elem);
  if (!na)
    return ERR_NOMEM;
  if (n)
    memcpy(na, *arr, n * elem);
  *arr = na;
  *cap = ncap;
  return 0;
}

int64_t sq_fetch_limit(size_t limit)
{
  return limit >= (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit + 1;
}

int sq_list_names(char ***out_names, size_t *out_n, int *out_more, struct sq_conn *c,
                  struct pool *p, struct sq_cur *st, size_t limit)
{
  char **names = NULL;
  size_t n = 0, cap = 0;
  int more = 0, rc = SQ_DONE, err = sq_grow(p, (void **)&names, &cap, 0, sizeof(*names));
  (void)c;
  while (!err && (rc = sq_step(st)) == SQ_ROW) {
    if (n == limit) {
      more = 1;
      break;
    }
    /* keep one slot spare for the NULL terminator */
    err = sq_grow(p, (void **)&names, &cap, n + 1, sizeof(*names));
    if (!err)
      err = sq_col_text(&names[n], p, st, 0);
    if (!err && !names[n])
      err = ERR_INTERNAL;
    n++;
  }
  if (!err && !more && rc != SQ_DONE)
    err = rc;
  sq_done(st);
  if (err)
    return err;
  names[n] = NULL;
  *out_names = names;
  *out_n = n;
  *out_more = more;
  return 0;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
  size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
             : s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
  if (len == 0 || len > n)
    return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  /* overlong forms, surrogates, beyond U+10FFFF */
  if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
      (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
    return 0;
  return len;
}

/* Code point of the valid sequence at s of len bytes. */
static uint32_t utf8_decode(const unsigned char *s, size_t len)
{
  static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
  uint32_t cp = s[0] & lead_mask[len];
  for (size_t i = 1; i < len; i++)
    cp = cp << 6 | (s[i] & 0x3f);
  return cp;
}

static size_t utf8_encode(unsigned char *out, uint32_t cp)
{
  if (cp < 0x80) {
    out[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (unsigned char)(0xc0 | cp >> 6);
    out[1] = (unsigned char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (unsigned char)(0xe0 | cp >> 12);
    out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
    out[2] = (unsigned char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (unsigned char)(0xf0 | cp >> 18);
  out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
  out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
  out[3] = (unsigned char)(0x80 | (cp & 0x3f));
  return 4;
}

/* UTF-8 preserves code point order bytewise and no sequence is a prefix of
 * another, so "prefix with its last code point incremented" bounds the
 * strings starting with prefix, and no valid string lies in between. */
static int successor_utf8(char **out, const unsigned char *s, size_t n)
{
  for (size_t i = 0; i < n;) {
    size_t len = utf8_len(s + i, n - i);
    if (len == 0)
      return ERR_INVALID;
    i += len;
  }
  while (n > 0) {
    size_t at = n - 1;
    while (at > 0 && (s[at] & 0xc0) == 0x80) /* back to the last lead byte */
      at--;
    uint32_t cp = utf8_decode(s + at, n - at) + 1;
    if (cp == 0xd800)
      cp = 0xe000; /* skip the surrogates */
    if (cp > 0x10ffff) {
      n = at; /* nothing above U+10FFFF: drop it and carry */
      continue;
    }
    char *r = malloc(at + 5);
    if (!r)
      return ERR_NOMEM;
    memcpy(r, s, at);
    size_t len = utf8_encode((unsigned char *)r + at, cp);
    r[at + len] = '\0';
    *out = r;
    return 0;
  }
  *out = NULL;
  return 0;
}

int sq_prefix_successor(char **out, const char *prefix)
{
  return successor_utf8(out, (const unsigned char *)prefix, strlen(prefix));
}

int sq_no_rows(void **out, size_t *out_n, int *out_more, struct pool *p, size_t elem)
{
  void *arr = NULL;
  size_t cap = 0;
  int err = sq_grow(p, &arr, &cap, 0, elem);
  if (err)
    return err;
  *out = arr;
  *out_n = 0;
  if (out_more)
    *out_more = 0;
  return 0;
}

/* --- schema version ------------------------------------------------------ */

int sq_schema_version(struct meta *m, int *out)
{
  struct sq_conn *c;
  int64_t v = 0;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_int64(c, &v, SQ_SCHEMA_VERSION, "");
  if (err)
    return err;
  *out = (int)v;
  return 0;
}

/* --- repositories -------------------------------------------------------- */

int sq_repo_lookup(struct meta *m, int64_t *out_id, const char *name)
{
  struct sq_conn *c;
  if (!name || !*name)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  return err ? err : sq_int64(c, out_id, SQ_REPO_ID, "t", name);
}

int sq_repo_ensure(struct meta *m, int64_t *out_id, int *out_created, const char *name)
{
  struct sq_conn *c;
  int changes = 0;
  if (!name || !*name)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  err = sq_int64(c, out_id, SQ_REPO_ID, "t", name);
  if (err != ERR_NOTFOUND) {
    if (!err && out_created)
      *out_created = 0;
    return err;
  }
  /* Two requests may create it at once: DO NOTHING, then read the winner's
   * id; only the one whose insert changed a row created it. */
  err = sq_exec(c, &changes, SQ_REPO_INSERT, "ti", name, time_now());
  if (!err)
    err = sq_int64(c, out_id, SQ_REPO_ID, "t", name);
  if (!err && out_created)
    *out_created = changes > 0;
  return err;
}

int sq_repo_list(struct meta *m, struct pool *p, char ***out_names, size_t *out_n,
                 int *out_more, const char *last, size_t limit)
{
  struct sq_conn *c;
  struct sq_cur *st;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  if (last)
    err = sq_query(c, &st, SQ_REPO_LIST_AFTER, "it", sq_fetch_limit(limit), last);
  else
    err = sq_query(c, &st, SQ_REPO_LIST, "i", sq_fetch_limit(limit));
  return err ? err : sq_list_names(out_names, out_n, out_more, c, p, st, limit);
}

/* --- blobs ---------------------------------------------------------------- */

int sq_blob_add(struct meta *m, int64_t repo_id, const char *digest, int64_t size,
                const char *end_upload)
{
  struct sq_conn *c;
  if (!digest || !*digest || size < 0)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  do {
    if ((err = sq_begin(c)))
      return err;
    int64_t now = time_now();
    /* a GC tombstone: the bytes may be going right now (store/gc_store.h) */
    err = sq_int64(c, NULL, SQ_GC_TOMB_GET, "t", digest);
    err = err == 0 ? ERR_CONFLICT : err == ERR_NOTFOUND ? 0 : err;
    if (!err)
      err = sq_exec(c, NULL, SQ_BLOB_INSERT, "tii", digest, size, now);
    if (!err) /* a missing repository fails the foreign key: ERR_NOTFOUND */
      err = sq_exec(c, NULL, SQ_LINK_INSERT, "iti", repo_id, digest, now);
    if (!err && end_upload) /* gone already (expired, cancelled): nothing to end */
      err = sq_exec(c, NULL, SQ_UPLOAD_DELETE, "t", end_upload);
    err = sq_end(c, err);
  } while (err == SQ_RETRY);
  return err;
}

int sq_blob_linked(struct meta *m, int64_t *out_size, int64_t repo_id,
                   const char *digest)
{
  if (!digest)
    return ERR_INVALID;
  return sq_m_int64(m, out_size, SQ_LINK_SIZE, "it", repo_id, digest);
}

int sq_blob_stat(struct meta *m, int64_t *out_size, const char *digest)
{
  if (!digest)
    return ERR_INVALID;
  return sq_m_int64(m, out_size, SQ_BLOB_SIZE, "t", digest);
}

int sq_blob_link(struct meta *m, int64_t repo_id, const char *digest)
{
  if (!digest)
    return ERR_INVALID;
  /* The foreign keys to blob and repo turn a missing one into ERR_NOTFOUND. */
  return sq_m_exec(m, NULL, SQ_LINK_INSERT, "iti", repo_id, digest, time_now());
}

int sq_blob_unlink(struct meta *m, int64_t repo_id, const char *digest)
{
  struct sq_conn *c;
  int changes = 0;
  if (!digest)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  do {
    if ((err = sq_begin(c)))
      return err;
    err = sq_int64(c, NULL, SQ_REF_USED, "iti", repo_id, digest, (int64_t)0);
    if (err == 0)
      err = ERR_CONFLICT;
    else if (err == ERR_NOTFOUND)
      err = sq_exec(c, &changes, SQ_LINK_DELETE, "it", repo_id, digest);
    if (!err && changes == 0)
      err = ERR_NOTFOUND;
    err = sq_end(c, err);
  } while (err == SQ_RETRY);
  return err;
}

/* --- upload sessions ------------------------------------------------------ */

int sq_upload_create(struct meta *m, int64_t repo_id, const char *uuid)
{
  struct sq_conn *c;
  if (!uuid || !*uuid || strlen(uuid) >= sizeof(((struct meta_upload *)0)->uuid))
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  /* ERR_EXISTS for a reused uuid, ERR_NOTFOUND for an unknown repository */
  return err ? err : sq_exec(c, NULL, SQ_UPLOAD_INSERT, "tii", uuid, repo_id, time_now());
}

int sq_upload_get(struct meta *m, struct meta_upload *out, const char *uuid)
{
  struct sq_conn *c;
  struct sq_cur *st;
  if (!uuid)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_UPLOAD_GET, "t", uuid);
  if (err)
    return err;
  int rc = sq_step(st);
  if (rc == SQ_ROW) {
    struct meta_upload u = { .repo_id = sq_col_int64(st, 1),
                             .offset = sq_col_int64(st, 2),
                             .created_at = sq_col_int64(st, 3),
                             .updated_at = sq_col_int64(st, 4) };
    const char *s = NULL;
    size_t n = 0;
    err = st->eng->col_text(&s, &n, st, 0);
    if (!err) {
      snprintf(u.uuid, sizeof(u.uuid), "%.*s", (int)(n < sizeof(u.uuid) ? n : 0), s ? s : "");
      *out = u;
    }
  } else {
    err = rc == SQ_DONE ? ERR_NOTFOUND : rc;
  }
  sq_done(st);
  return err;
}

int sq_upload_set_offset(struct meta *m, const char *uuid, int64_t expected,
                         int64_t offset)
{
  struct sq_conn *c;
  int changes = 0;
  if (!uuid || offset < 0)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_UPLOAD_CAS, "tiii", uuid, expected, offset, time_now());
  if (err || changes == 1)
    return err;
  /* Nothing matched: tell a moved offset from a deleted session. */
  struct meta_upload u;
  err = sq_upload_get(m, &u, uuid);
  return err ? err : ERR_CONFLICT;
}

int sq_upload_delete(struct meta *m, const char *uuid)
{
  struct sq_conn *c;
  int changes = 0;
  if (!uuid)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_UPLOAD_DELETE, "t", uuid);
  return err ? err : changes ? 0 : ERR_NOTFOUND;
}

int sq_upload_stale(struct meta *m, struct pool *p, char ***out_uuids, size_t *out_n,
                    int64_t before, size_t limit)
{
  struct sq_conn *c;
  struct sq_cur *st;
  int more;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_UPLOAD_STALE, "ii", before, sq_fetch_limit(limit));
  return err ? err : sq_list_names(out_uuids, out_n, &more, c, p, st, limit);
}
