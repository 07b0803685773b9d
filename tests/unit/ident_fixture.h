/* Helpers shared by the identity store tests (test_ident_sqlite*.c,
 * test_team_sqlite.c, ...) on top of meta_fixture.h, on either engine.
 * Include after cmocka.h. */
#ifndef WHARF_TEST_IDENT_FIXTURE_H
#define WHARF_TEST_IDENT_FIXTURE_H

#include <stdint.h>
#include <stdio.h>

#include "meta_fixture.h"
#include "store/ident.h"

/* Creates an account (enabled) and returns its id. */
static inline int64_t mk(struct fx *f, enum ident_kind kind, const char *name, int64_t owner)
{
  struct ident_account a = { .kind = kind, .name = (char *)name, .enabled = 1,
                             .owner_id = owner };
  int64_t id = 0;
  assert_int_equal(ident_account_create(f->m, &id, &a), 0);
  assert_true(id > 0);
  return id;
}

/* Adds a credential with that index and returns its id. */
static inline int64_t cred(struct fx *f, int64_t account, enum ident_cred_kind kind,
                           const char *index)
{
  struct ident_cred c = { .account_id = account, .kind = kind, .index = (char *)index,
                          .secret_enc = "enc" };
  int64_t id = 0;
  assert_int_equal(ident_cred_add(f->m, &id, &c), 0);
  return id;
}

/* Creates or updates a team of org and returns its id. */
static inline int64_t team(struct fx *f, int64_t org, const char *name, enum ident_org_role role)
{
  int64_t id = 0;
  assert_int_equal(ident_team_set(f->m, &id, org, name, role, NULL), 0);
  return id;
}

/* No interface sets a team's repository permission yet: insert it raw. */
static inline void team_perm(struct fx *f, int64_t repo_id, int64_t team_id, int role)
{
  char sql[160];
  snprintf(sql, sizeof(sql), "INSERT INTO repo_perm(repo_id, team_id, role) "
           "VALUES (%lld, %lld, %d)", (long long)repo_id, (long long)team_id, role);
  raw_exec(f, sql);
}

/* ident_effective_role(), asserting success. */
static inline enum ident_role eff(struct fx *f, int64_t account, int64_t repo_id)
{
  enum ident_role r = (enum ident_role)-1;
  assert_int_equal(ident_effective_role(f->m, &r, account, repo_id), 0);
  return r;
}

#endif
