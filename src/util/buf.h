#ifndef WHARF_UTIL_BUF_H
#define WHARF_UTIL_BUF_H

#include <stddef.h>

/* A growable byte buffer with a hard cap (after curl's dynbuf): every buffer
 * a client fills has one. Always NUL-terminated for convenience. */
struct buf {
  char *data;
  size_t len, alloc, cap;
};

#define BUF_INIT(c) { NULL, 0, 0, (c) }

/* Appends; ERR_TOOBIG when len would pass cap, ERR_NOMEM on allocation failure. */
int buf_append(struct buf *b, const void *data, size_t len);
/* Frees the storage and resets to empty (cap kept). */
void buf_free(struct buf *b);

#endif
