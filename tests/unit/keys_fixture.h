/* Fixture shared by the tests of auth/keys and what signs with a key
 * (test_keys.c, test_jwt.c, test_tokencache.c): a mkdtemp() directory for
 * key files, removed with everything in it, and keys created in it. Include
 * after cmocka.h. */
#ifndef WHARF_TEST_KEYS_FIXTURE_H
#define WHARF_TEST_KEYS_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "auth/keys.h"

static inline int kfx_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

/* Makes /tmp/wharf-TAG-XXXXXX into dir[len]. */
static inline void kfx_mkdir(char *dir, size_t len, const char *tag)
{
  snprintf(dir, len, "/tmp/wharf-%s-XXXXXX", tag);
  assert_non_null(mkdtemp(dir));
}

/* Removes dir and everything below it. */
static inline void kfx_rmdir(const char *dir)
{
  nftw(dir, kfx_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Creates the key file dir/name and returns its keys (keys_free them). */
static inline struct keys *kfx_key(const char *dir, const char *name)
{
  char path[256], err[256];
  struct keys *k = NULL;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  assert_int_equal(keys_load_or_create(&k, path, err, sizeof(err)), 0);
  return k;
}

#endif
