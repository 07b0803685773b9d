#include "store/audit_store.h"

#include "util/err.h"

/* Dispatch to the backend named by meta_ops.audit. */

int audit_store_append(struct meta *m, const struct audit_entry *entries, size_t n)
{
  if (!m->ops->audit)
    return ERR_UNSUPPORTED;
  return m->ops->audit->append(m, entries, n);
}

int audit_store_list(struct meta *m, struct pool *p, struct audit_entry **out, size_t *out_n,
                     int *out_more, const struct audit_query *q, size_t limit)
{
  if (!m->ops->audit)
    return ERR_UNSUPPORTED;
  return m->ops->audit->list(m, p, out, out_n, out_more, q, limit);
}

int audit_store_aggregate(struct meta *m, struct pool *p, struct audit_count **out,
                          size_t *out_n, const struct audit_query *q)
{
  if (!m->ops->audit)
    return ERR_UNSUPPORTED;
  return m->ops->audit->aggregate(m, p, out, out_n, q);
}

int audit_store_purge(struct meta *m, int64_t *out_deleted, int64_t before, size_t batch)
{
  if (!m->ops->audit || !m->ops->audit->purge)
    return ERR_UNSUPPORTED;
  return m->ops->audit->purge(m, out_deleted, before, batch);
}

int audit_store_export_put(struct meta *m, const struct audit_export *e)
{
  if (!m->ops->audit || !m->ops->audit->export_put)
    return ERR_UNSUPPORTED;
  return m->ops->audit->export_put(m, e);
}

int audit_store_export_get(struct meta *m, struct pool *p, struct audit_export *out,
                           const char *id, int64_t account_id, int64_t now)
{
  if (!m->ops->audit || !m->ops->audit->export_get)
    return ERR_UNSUPPORTED;
  return m->ops->audit->export_get(m, p, out, id, account_id, now);
}

int audit_store_export_purge(struct meta *m, int64_t now)
{
  if (!m->ops->audit || !m->ops->audit->export_purge)
    return ERR_UNSUPPORTED;
  return m->ops->audit->export_purge(m, now);
}
