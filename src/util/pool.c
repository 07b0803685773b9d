#include "util/pool.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_BLOCK 4096
#define POOL_ALIGN 16

struct pool_block {
  struct pool_block *next;
  size_t used, cap;
  _Alignas(POOL_ALIGN) unsigned char data[];
};

struct pool_cleanup {
  struct pool_cleanup *next;
  void (*fn)(void *);
  void *arg;
};

struct pool {
  struct pool_block *blocks;   /* current block first */
  struct pool_block *large;    /* allocations bigger than a block */
  struct pool_cleanup *cleanups;
};

struct pool *pool_new(void)
{
  return calloc(1, sizeof(struct pool));
}

void pool_free(struct pool *p)
{
  if (!p)
    return;
  for (struct pool_cleanup *c = p->cleanups; c; c = c->next)
    c->fn(c->arg);
  for (struct pool_block *b = p->blocks, *n; b; b = n) {
    n = b->next;
    free(b);
  }
  for (struct pool_block *b = p->large, *n; b; b = n) {
    n = b->next;
    free(b);
  }
  /* cleanups were allocated in blocks: already gone */
  free(p);
}

void *pool_alloc(struct pool *p, size_t n)
{
  if (n == 0)
    n = 1;
  if (n > SIZE_MAX - POOL_ALIGN)
    return NULL;
  size_t need = (n + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
  if (need > POOL_BLOCK / 4) {
    struct pool_block *b = malloc(sizeof(*b) + need);
    if (!b)
      return NULL;
    b->cap = b->used = need;
    b->next = p->large;
    p->large = b;
    return b->data;
  }
  struct pool_block *b = p->blocks;
  if (!b || b->cap - b->used < need) {
    b = malloc(sizeof(*b) + POOL_BLOCK);
    if (!b)
      return NULL;
    b->cap = POOL_BLOCK;
    b->used = 0;
    b->next = p->blocks;
    p->blocks = b;
  }
  void *r = b->data + b->used;
  b->used += need;
  return r;
}

void *pool_calloc(struct pool *p, size_t count, size_t size)
{
  if (size && count > SIZE_MAX / size)
    return NULL;
  void *r = pool_alloc(p, count * size);
  if (r)
    memset(r, 0, count * size);
  return r;
}

char *pool_strndup(struct pool *p, const char *s, size_t n)
{
  char *r = pool_alloc(p, n + 1);
  if (!r)
    return NULL;
  memcpy(r, s, n);
  r[n] = '\0';
  return r;
}

char *pool_strdup(struct pool *p, const char *s)
{
  return s ? pool_strndup(p, s, strlen(s)) : NULL;
}

char *pool_printf(struct pool *p, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return NULL;
  char *r = pool_alloc(p, (size_t)n + 1);
  if (!r)
    return NULL;
  va_start(ap, fmt);
  vsnprintf(r, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return r;
}

int pool_cleanup_add(struct pool *p, void (*fn)(void *), void *arg)
{
  struct pool_cleanup *c = pool_alloc(p, sizeof(*c));
  if (!c)
    return -1;
  c->fn = fn;
  c->arg = arg;
  c->next = p->cleanups;
  p->cleanups = c;
  return 0;
}
