#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

int buf_append(struct buf *b, const void *data, size_t len)
{
  if (len > b->cap || b->len > b->cap - len)
    return ERR_TOOBIG;
  if (b->len + len + 1 > b->alloc) {
    size_t n = b->alloc ? b->alloc : 256;
    while (n < b->len + len + 1)
      n *= 2;
    if (n > b->cap + 1)
      n = b->cap + 1;
    char *d = realloc(b->data, n);
    if (!d)
      return ERR_NOMEM;
    b->data = d;
    b->alloc = n;
  }
  if (len)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return 0;
}

void buf_free(struct buf *b)
{
  free(b->data);
  b->data = NULL;
  b->len = b->alloc = 0;
}
