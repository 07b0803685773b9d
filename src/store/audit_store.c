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
