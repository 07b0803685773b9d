/* SQL store (both engines): the shapes nearly every operation takes, run
 * on this thread's connection for a meta instance: one statement with no
 * rows, one integer, one row, a page of rows, a column of names, a write
 * transaction retried on conflict. The operations in sqlite*.c keep only
 * what differs: the statement, its parameters and the row reader. */
#include "store/sqlite_int.h"

#include "util/err.h"

int sq_m_exec(struct meta *m, int *out_changes, enum sq_stmt id, const char *fmt, ...)
{
  struct sq_conn *c;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  va_list ap;
  va_start(ap, fmt);
  err = sq_exec_v(c, out_changes, id, fmt, ap);
  va_end(ap);
  return err;
}

int sq_m_exec_tx(struct meta *m, int *out_changes, enum sq_stmt id, const char *fmt, ...)
{
  struct sq_conn *c;
  int changes = 0;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  va_list ap;
  va_start(ap, fmt);
  do {
    if ((err = sq_begin(c)))
      break;
    va_list aq;
    va_copy(aq, ap); /* each retry binds the parameters again */
    err = sq_exec_v(c, &changes, id, fmt, aq);
    va_end(aq);
    err = sq_end(c, err);
  } while (err == SQ_RETRY);
  va_end(ap);
  if (!err && out_changes)
    *out_changes = changes;
  return err;
}

int sq_m_int64(struct meta *m, int64_t *out, enum sq_stmt id, const char *fmt, ...)
{
  struct sq_conn *c;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  va_list ap;
  va_start(ap, fmt);
  err = sq_int64_v(c, out, id, fmt, ap);
  va_end(ap);
  return err;
}

int sq_m_one(void *out, size_t elem, struct meta *m, struct pool *p, sq_row_fn fn,
             enum sq_stmt id, const char *fmt, ...)
{
  struct sq_conn *c;
  struct sq_cur *st;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  va_list ap;
  va_start(ap, fmt);
  err = sq_query_v(c, &st, id, fmt, ap);
  va_end(ap);
  return err ? err : sq_read_one(out, elem, c, p, st, fn);
}

int sq_m_rows(void **out, size_t *out_n, int *out_more, size_t elem, struct meta *m,
              struct pool *p, size_t limit, sq_row_fn fn, enum sq_stmt id, const char *fmt, ...)
{
  struct sq_conn *c;
  struct sq_cur *st;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  va_list ap;
  va_start(ap, fmt);
  err = sq_query_v(c, &st, id, fmt, ap);
  va_end(ap);
  return err ? err : sq_read_rows(out, out_n, out_more, elem, c, p, st, limit, fn);
}

int sq_m_names(char ***out, size_t *out_n, int *out_more, struct meta *m, struct pool *p,
               size_t limit, enum sq_stmt id, const char *fmt, ...)
{
  struct sq_conn *c;
  struct sq_cur *st;
  int more = 0;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  va_list ap;
  va_start(ap, fmt);
  err = sq_query_v(c, &st, id, fmt, ap);
  va_end(ap);
  if (!err)
    err = sq_list_names(out, out_n, &more, c, p, st, limit);
  if (!err && out_more)
    *out_more = more;
  return err;
}

int sq_m_tx(struct meta *m, sq_tx_fn fn, void *arg)
{
  struct sq_conn *c;
  int err = sq_conn_get(&c, m);
  if (err)
    return err;
  do {
    if ((err = sq_begin(c)))
      return err;
    err = sq_end(c, fn(c, arg));
  } while (err == SQ_RETRY);
  return err;
}
