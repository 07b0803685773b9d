/* SQL store (both engines): manifests, their references, referrers and
 * tags. Statement helpers are in sqlite.c. */
#include "store/sqlite_int.h"

#include <stdio.h>
#include <string.h>

#include "util/digest.h"
#include "util/err.h"
#include "util/pool.h"
#include "util/timeutil.h"

/* Checks every reference of mp under the transaction's write lock, so a
 * concurrent unlink cannot slip in between check and insert. *out_missing
 * is the first digest the repository lacks. */
static int check_refs(const char **out_missing, struct sq_conn *c,
                      const struct meta_manifest_put *mp)
{
  for (size_t i = 0; i < mp->nrefs; i++) {
    const struct meta_ref *r = &mp->refs[i];
    if (!r->digest)
      return ERR_INVALID;
    int err = r->is_manifest ? sq_int64(c, NULL, SQ_MANIFEST_ID, "it", mp->repo_id, r->digest)
                             : sq_int64(c, NULL, SQ_LINK_SIZE, "it", mp->repo_id, r->digest);
    if (err == ERR_NOTFOUND)
      *out_missing = r->digest;
    if (err)
      return err;
  }
  return 0;
}

static int insert_manifest(int64_t *out_id, struct sq_conn *c,
                           const struct meta_manifest_put *mp)
{
  int64_t id;
  /* A missing repository fails the foreign key: ERR_NOTFOUND. */
  int err = sq_int64(c, &id, SQ_MANIFEST_INSERT, "itttttbii", mp->repo_id, mp->digest,
                     mp->media_type, mp->artifact_type, mp->subject, mp->annotations_json,
                     mp->body, mp->body_len, (int64_t)mp->body_len, time_now());
  for (size_t i = 0; !err && i < mp->nrefs; i++)
    err = sq_exec(c, NULL, SQ_MREF_INSERT, "iti", id, mp->refs[i].digest,
                  (int64_t)(mp->refs[i].is_manifest != 0));
  if (!err)
    *out_id = id;
  return err;
}

int sq_manifest_put(struct meta *m, const struct meta_manifest_put *mp, char *missing_out)
{
  struct sq_conn *c;
  const char *missing = NULL;
  int64_t id = 0;
  if (!mp || !mp->digest || !*mp->digest || !mp->media_type || (!mp->body && mp->body_len) ||
      (!mp->refs && mp->nrefs) || (mp->tag && !*mp->tag))
    return ERR_INVALID;
  if (mp->body_len > (size_t)INT64_MAX)
    return ERR_TOOBIG;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  do {
    if ((err = sq_begin(c)))
      return err;
    missing = NULL;
    err = check_refs(&missing, c, mp);
    if (!err) {
      /* Same digest again: content is identical, keep the row, move the tag. */
      err = sq_int64(c, &id, SQ_MANIFEST_ID, "it", mp->repo_id, mp->digest);
      if (err == ERR_NOTFOUND)
        err = insert_manifest(&id, c, mp);
    }
    if (!err && mp->tag)
      err = sq_exec(c, NULL, SQ_TAG_UPSERT, "itii", mp->repo_id, mp->tag, id, time_now());
    err = sq_end(c, err);
  } while (err == SQ_RETRY);
  /* "" when what is missing is the repository itself, not a reference. */
  if (err == ERR_NOTFOUND && missing_out)
    snprintf(missing_out, DIGEST_MAX, "%s", missing ? missing : "");
  return err;
}

/* Columns 0..6 of SQ_MANIFEST_GET / SQ_REFERRERS into out (body untouched). */
static int read_row(struct meta_manifest *out, struct pool *p, struct sq_cur *st)
{
  int err = sq_col_text(&out->digest, p, st, 0);
  if (!err)
    err = sq_col_text(&out->media_type, p, st, 1);
  if (!err)
    err = sq_col_text(&out->artifact_type, p, st, 2);
  if (!err)
    err = sq_col_text(&out->subject, p, st, 3);
  if (!err)
    err = sq_col_text(&out->annotations_json, p, st, 4);
  out->body_len = (size_t)sq_col_int64(st, 5);
  out->created_at = sq_col_int64(st, 6);
  return err;
}

int sq_manifest_get(struct meta *m, struct pool *p, struct meta_manifest *out, int64_t repo_id,
                    const char *digest)
{
  struct sq_conn *c;
  struct sq_cur *st;
  struct meta_manifest mf = { 0 };
  if (!digest)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_MANIFEST_GET, "it", repo_id, digest);
  if (err)
    return err;
  int rc = sq_step(st);
  if (rc == SQ_ROW) {
    err = read_row(&mf, p, st);
    if (!err)
      err = sq_col_blob(&mf.body, &mf.body_len, p, st, 7);
  } else {
    err = rc == SQ_DONE ? ERR_NOTFOUND : rc;
  }
  sq_done(st);
  if (!err)
    *out = mf;
  return err;
}

int sq_manifest_delete(struct meta *m, int64_t repo_id, const char *digest)
{
  struct sq_conn *c;
  int64_t id = 0;
  if (!digest)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  do {
    if ((err = sq_begin(c)))
      return err;
    err = sq_int64(c, &id, SQ_MANIFEST_ID, "it", repo_id, digest);
    if (!err) {
      err = sq_int64(c, NULL, SQ_REF_USED, "iti", repo_id, digest, (int64_t)1);
      err = err == 0 ? ERR_CONFLICT : err == ERR_NOTFOUND ? 0 : err;
    }
    /* The foreign keys cascade too; explicit deletes do not depend on the
     * connection having foreign_keys on. */
    if (!err)
      err = sq_exec(c, NULL, SQ_TAG_DELETE_MANIFEST, "i", id);
    if (!err)
      err = sq_exec(c, NULL, SQ_MREF_DELETE, "i", id);
    if (!err)
      err = sq_exec(c, NULL, SQ_MANIFEST_DELETE, "i", id);
    err = sq_end(c, err);
  } while (err == SQ_RETRY);
  return err;
}

int sq_referrers(struct meta *m, struct pool *p, struct meta_manifest **out, size_t *out_n,
                 int64_t repo_id, const char *subject, const char *artifact_type)
{
  struct sq_conn *c;
  struct sq_cur *st;
  struct meta_manifest *arr = NULL;
  size_t n = 0, cap = 0;
  int rc = SQ_DONE;
  if (!subject)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err && artifact_type)
    err = sq_query(c, &st, SQ_REFERRERS_TYPE, "itt", repo_id, subject, artifact_type);
  else if (!err)
    err = sq_query(c, &st, SQ_REFERRERS, "it", repo_id, subject);
  if (err)
    return err;
  err = sq_grow(p, (void **)&arr, &cap, 0, sizeof(*arr));
  while (!err && (rc = sq_step(st)) == SQ_ROW) {
    err = sq_grow(p, (void **)&arr, &cap, n, sizeof(*arr));
    if (!err) {
      /* body stays NULL; body_len carries the size a descriptor needs */
      memset(&arr[n], 0, sizeof(arr[n]));
      err = read_row(&arr[n], p, st);
    }
    n++;
  }
  if (!err && rc != SQ_DONE)
    err = rc;
  sq_done(st);
  if (err)
    return err;
  *out = arr;
  *out_n = n;
  return 0;
}

int sq_tag_resolve(struct meta *m, struct pool *p, char **out_digest, int64_t repo_id,
                   const char *tag)
{
  struct sq_conn *c;
  struct sq_cur *st;
  char *d = NULL;
  if (!tag)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_query(c, &st, SQ_TAG_RESOLVE, "it", repo_id, tag);
  if (err)
    return err;
  int rc = sq_step(st);
  if (rc == SQ_ROW)
    err = sq_col_text(&d, p, st, 0);
  else
    err = rc == SQ_DONE ? ERR_NOTFOUND : rc;
  sq_done(st);
  if (!err && !d)
    err = ERR_INTERNAL;
  if (!err)
    *out_digest = d;
  return err;
}

int sq_tag_list(struct meta *m, struct pool *p, char ***out_names, size_t *out_n,
                int *out_more, int64_t repo_id, const char *last, size_t limit)
{
  struct sq_conn *c;
  struct sq_cur *st;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  if (last)
    err = sq_query(c, &st, SQ_TAG_LIST_AFTER, "iit", sq_fetch_limit(limit), repo_id, last);
  else
    err = sq_query(c, &st, SQ_TAG_LIST, "ii", sq_fetch_limit(limit), repo_id);
  return err ? err : sq_list_names(out_names, out_n, out_more, c, p, st, limit);
}

int sq_tag_delete(struct meta *m, int64_t repo_id, const char *tag)
{
  struct sq_conn *c;
  int changes = 0;
  if (!tag)
    return ERR_INVALID;
  int err = sq_conn_get(&c, m);
  if (!err)
    err = sq_exec(c, &changes, SQ_TAG_DELETE, "it", repo_id, tag);
  return err ? err : changes ? 0 : ERR_NOTFOUND;
}

/* One row of SQ_TAG_INFO_LIST(_AFTER) into a struct meta_tag_info. */
static int read_tag_info(void *dst, struct pool *p, struct sq_cur *st)
{
  struct meta_tag_info *t = dst;
  int err = sq_col_text(&t->name, p, st, 0);
  if (!err)
    err = sq_col_text(&t->digest, p, st, 1);
  if (!err && (!t->name || !t->digest))
    err = ERR_INTERNAL;
  t->updated_at = sq_col_int64(st, 2);
  t->size = sq_col_int64(st, 3);
  return err;
}

int sq_tag_list_info(struct meta *m, struct pool *p, struct meta_tag_info **out, size_t *out_n,
                     int *out_more, int64_t repo_id, const char *last, size_t limit)
{
  struct sq_conn *c;
  struct sq_cur *st;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  if (last)
    err = sq_query(c, &st, SQ_TAG_INFO_LIST_AFTER, "iit", sq_fetch_limit(limit), repo_id, last);
  else
    err = sq_query(c, &st, SQ_TAG_INFO_LIST, "ii", sq_fetch_limit(limit), repo_id);
  return err ? err : sq_read_rows((void **)out, out_n, out_more, sizeof(**out), c, p, st, limit,
                                  read_tag_info);
}
