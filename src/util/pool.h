#ifndef WHARF_UTIL_POOL_H
#define WHARF_UTIL_POOL_H

#include <stddef.h>

/* A per-request memory pool (after nginx's ngx_palloc): many small
 * allocations, freed together, with cleanup hooks for fds and temp files.
 * Not thread-safe; one pool belongs to one request. */
struct pool;

/* New empty pool; NULL on allocation failure. Free with pool_free(). */
struct pool *pool_new(void);
/* Runs cleanup hooks (last added first) and frees every allocation. NULL ok. */
void pool_free(struct pool *p);
/* Allocation owned by the pool, aligned for any type; NULL on failure. */
void *pool_alloc(struct pool *p, size_t n);
/* Zeroed pool_alloc(). */
void *pool_calloc(struct pool *p, size_t count, size_t size);
/* NUL-terminated copy of s (or of its first n bytes) owned by the pool. */
char *pool_strdup(struct pool *p, const char *s);
char *pool_strndup(struct pool *p, const char *s, size_t n);
/* printf into the pool. */
char *pool_printf(struct pool *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Registers fn(arg) to run when the pool is freed; -1 on allocation failure. */
int pool_cleanup_add(struct pool *p, void (*fn)(void *), void *arg);

#endif
