/* Tests for store/sqlite_ident.c through the ident.h interface: repository
 * permissions, teams, effective and org roles, and what deleting a
 * repository, a robot or an organization takes with it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "store/ident.h"
#include "store/meta.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

#include "ident_fixture.h"

static void test_repo_delete_cascades(void **state)
{
  struct fx *f = *state;
  int64_t a = repo(f, "acme/a"), b = repo(f, "acme/b");
  int64_t user = mk(f, IDENT_USER, "u1", 0);
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t t = team(f, org, "devs", ORG_MEMBER);
  char blob[DIGEST_MAX], man[DIGEST_MAX];
  mkdigest(blob, 7, 1);
  mkdigest(man, 7, 2);
  assert_int_equal(meta_blob_add(f->m, a, blob, 3), 0);
  assert_int_equal(meta_blob_add(f->m, b, blob, 3), 0);
  struct meta_ref refs[] = { { blob, 0 } };
  static const char body[] = "{}";
  struct meta_manifest_put mp = { .repo_id = a, .digest = man, .media_type = "x",
                                  .body = body, .body_len = 2, .refs = refs, .nrefs = 1,
                                  .tag = "latest" };
  assert_int_equal(meta_manifest_put(f->m, &mp, NULL), 0);
  assert_int_equal(meta_upload_create(f->m, a, "up-1"), 0);
  assert_int_equal(ident_perm_set(f->m, a, user, ROLE_WRITE), 0);
  assert_int_equal(ident_perm_set(f->m, b, user, ROLE_READ), 0);
  team_perm(f, a, t, ROLE_READ);

  assert_int_equal(ident_repo_delete(f->m, a), 0);
  assert_int_equal(ident_repo_delete(f->m, a), ERR_NOTFOUND);
  int64_t id;
  assert_int_equal(meta_repo_lookup(f->m, &id, "acme/a"), ERR_NOTFOUND);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM manifest"), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM manifest_ref"), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM tag"), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM upload"), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM repo_blob"), 1); /* b's link */
  assert_int_equal(count(f, "SELECT COUNT(*) FROM blob"), 1);      /* left to GC */
  assert_int_equal(count(f, "SELECT COUNT(*) FROM repo_perm"), 1); /* b's permission */
  enum ident_role role;
  assert_int_equal(ident_perm_get(f->m, &role, b, user), 0);
  assert_int_equal(role, ROLE_READ);
}

/* --- permissions and teams ------------------------------------------------------- */

static void test_permissions(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t zed = mk(f, IDENT_USER, "zed", 0);
  int64_t amy = mk(f, IDENT_USER, "amy", 0);
  int64_t bot = mk(f, IDENT_ROBOT, "acme+bot", org);
  int64_t r1 = repo(f, "acme/one"), r2 = repo(f, "acme/two");
  assert_int_equal(ident_repo_set_public(f->m, r2, 1), 0);

  assert_int_equal(ident_perm_set(f->m, r1, zed, ROLE_READ), 0);
  assert_int_equal(ident_perm_set(f->m, r1, zed, ROLE_ADMIN), 0); /* change */
  assert_int_equal(ident_perm_set(f->m, r1, amy, ROLE_WRITE), 0);
  assert_int_equal(ident_perm_set(f->m, r1, bot, ROLE_READ), 0);
  assert_int_equal(ident_perm_set(f->m, r2, zed, ROLE_READ), 0);
  enum ident_role role = ROLE_NONE;
  assert_int_equal(ident_perm_get(f->m, &role, r1, zed), 0);
  assert_int_equal(role, ROLE_ADMIN);

  struct ident_perm *l = NULL;
  size_t n = 0;
  assert_int_equal(ident_perm_list_repo(f->m, f->p, &l, &n, r1), 0);
  assert_int_equal(n, 3);
  assert_string_equal(l[0].account_name, "acme+bot");
  assert_int_equal(l[0].account_kind, IDENT_ROBOT);
  assert_int_equal(l[0].account_id, bot);
  assert_string_equal(l[1].account_name, "amy");
  assert_int_equal(l[1].role, ROLE_WRITE);
  assert_string_equal(l[2].account_name, "zed");
  assert_int_equal(l[2].role, ROLE_ADMIN);
  assert_int_equal(l[2].repo_id, r1);
  assert_string_equal(l[2].repo_name, "acme/one");
  assert_int_equal(l[2].team_id, 0);
  assert_null(l[2].team_name);

  assert_int_equal(ident_perm_list_account(f->m, f->p, &l, &n, zed), 0);
  assert_int_equal(n, 2);
  assert_string_equal(l[0].repo_name, "acme/one");
  assert_int_equal(l[0].repo_public, 0);
  assert_string_equal(l[1].repo_name, "acme/two");
  assert_int_equal(l[1].repo_public, 1);
  assert_int_equal(l[1].role, ROLE_READ);
  assert_int_equal(ident_perm_list_account(f->m, f->p, &l, &n, 999), 0);
  assert_int_equal(n, 0);

  /* team permissions are not direct ones */
  int64_t t = team(f, org, "devs", ORG_MEMBER);
  team_perm(f, r1, t, ROLE_WRITE);
  assert_int_equal(ident_perm_list_repo(f->m, f->p, &l, &n, r1), 0);
  assert_int_equal(n, 3);

  /* errors */
  assert_int_equal(ident_perm_set(f->m, r1, org, ROLE_READ), ERR_INVALID);
  assert_int_equal(ident_perm_set(f->m, r1, zed, ROLE_NONE), ERR_INVALID);
  assert_int_equal(ident_perm_set(f->m, r1, zed, (enum ident_role)4), ERR_INVALID);
  assert_int_equal(ident_perm_set(f->m, 999, zed, ROLE_READ), ERR_NOTFOUND);
  assert_int_equal(ident_perm_set(f->m, r1, 999, ROLE_READ), ERR_NOTFOUND);
  assert_int_equal(ident_perm_delete(f->m, r1, zed), 0);
  assert_int_equal(ident_perm_delete(f->m, r1, zed), ERR_NOTFOUND);
  role = ROLE_WRITE;
  assert_int_equal(ident_perm_get(f->m, &role, r1, zed), ERR_NOTFOUND);
  assert_int_equal(role, ROLE_WRITE);
}

static void test_teams(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t org2 = mk(f, IDENT_ORG, "other", 0);
  int64_t user = mk(f, IDENT_USER, "ann", 0);
  int64_t bot = mk(f, IDENT_ROBOT, "acme+bot", org);
  int64_t id = 0, id2 = 0;
  assert_int_equal(ident_team_set(f->m, &id, org, "owners", ORG_ADMIN, "the owners"), 0);
  assert_int_equal(ident_team_set(f->m, &id2, org, "owners", ORG_CREATOR, NULL), 0);
  assert_int_equal(id2, id); /* same team, role changed, description kept */
  assert_int_equal(count(f, "SELECT COUNT(*) FROM team WHERE role = 2 AND "
                            "description = 'the owners'"), 1);
  assert_int_equal(ident_team_set(f->m, &id2, org, "owners", ORG_ADMIN, ""), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM team WHERE role = 3 AND description = ''"),
                   1);
  int64_t t2 = 0;
  assert_int_equal(ident_team_set(f->m, &t2, org2, "owners", ORG_MEMBER, NULL), 0);
  assert_true(t2 != id); /* names are per org */

  int64_t keep = 5;
  assert_int_equal(ident_team_set(f->m, &keep, user, "t", ORG_MEMBER, NULL), ERR_INVALID);
  assert_int_equal(ident_team_set(f->m, &keep, 999, "t", ORG_MEMBER, NULL), ERR_NOTFOUND);
  assert_int_equal(ident_team_set(f->m, &keep, org, "", ORG_MEMBER, NULL), ERR_INVALID);
  assert_int_equal(ident_team_set(f->m, &keep, org, NULL, ORG_MEMBER, NULL), ERR_INVALID);
  assert_int_equal(ident_team_set(f->m, &keep, org, "t", ORG_NONE, NULL), ERR_INVALID);
  assert_int_equal(keep, 5);

  enum ident_org_role r = ORG_ADMIN;
  assert_int_equal(ident_org_role(f->m, &r, user, org), 0);
  assert_int_equal(r, ORG_NONE);
  assert_int_equal(ident_team_add_member(f->m, id, user), 0);
  assert_int_equal(ident_team_add_member(f->m, id, user), ERR_EXISTS);
  assert_int_equal(ident_team_add_member(f->m, id, bot), 0);
  assert_int_equal(ident_team_add_member(f->m, t2, user), 0);
  assert_int_equal(ident_team_add_member(f->m, 999, user), ERR_NOTFOUND);
  assert_int_equal(ident_team_add_member(f->m, id, 999), ERR_NOTFOUND);
  assert_int_equal(ident_team_add_member(f->m, id, org2), ERR_INVALID);
  assert_int_equal(ident_org_role(f->m, &r, user, org), 0);
  assert_int_equal(r, ORG_ADMIN);
  assert_int_equal(ident_org_role(f->m, &r, user, org2), 0);
  assert_int_equal(r, ORG_MEMBER);
  /* max over the account's teams in that org */
  int64_t mem = team(f, org, "members", ORG_MEMBER);
  assert_int_equal(ident_team_add_member(f->m, mem, user), 0);
  assert_int_equal(ident_org_role(f->m, &r, user, org), 0);
  assert_int_equal(r, ORG_ADMIN);

  assert_int_equal(ident_team_remove_member(f->m, id, user), 0);
  assert_int_equal(ident_team_remove_member(f->m, id, user), ERR_NOTFOUND);
  assert_int_equal(ident_org_role(f->m, &r, user, org), 0);
  assert_int_equal(r, ORG_MEMBER);
  assert_int_equal(ident_org_role(f->m, &r, bot, org), 0);
  assert_int_equal(r, ORG_ADMIN);
}

/* --- effective role ---------------------------------------------------------------- */

static void test_effective_role(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t evil = mk(f, IDENT_ORG, "evil", 0);
  int64_t alice = mk(f, IDENT_USER, "alice", 0);
  int64_t acm = mk(f, IDENT_USER, "acm", 0); /* name is a prefix of "acme" */
  int64_t bob = mk(f, IDENT_USER, "bob", 0);
  int64_t boss = mk(f, IDENT_USER, "boss", 0);
  int64_t bot = mk(f, IDENT_ROBOT, "acme+bot", org);
  int64_t evilbot = mk(f, IDENT_ROBOT, "evil+bot", evil);
  int64_t alicebot = mk(f, IDENT_ROBOT, "alice+bot", alice);
  int64_t app = repo(f, "acme/app"), lib = repo(f, "acme/lib/x");
  int64_t own = repo(f, "alice/own"), other = repo(f, "acmeco/app"), dash = repo(f, "acme-x/y");
  int64_t eviltown = repo(f, "evil/app");

  /* nothing applies: ROLE_NONE, never ERR_NOTFOUND */
  assert_int_equal(eff(f, bob, app), ROLE_NONE);
  assert_int_equal(eff(f, bob, 999), ROLE_NONE);
  assert_int_equal(eff(f, 999, app), ROLE_NONE);

  /* direct */
  assert_int_equal(ident_perm_set(f->m, app, bob, ROLE_WRITE), 0);
  assert_int_equal(eff(f, bob, app), ROLE_WRITE);
  assert_int_equal(eff(f, bob, lib), ROLE_NONE);

  /* through a team's permission; max with the direct one */
  int64_t readers = team(f, org, "readers", ORG_MEMBER);
  int64_t writers = team(f, org, "writers", ORG_MEMBER);
  team_perm(f, lib, readers, ROLE_READ);
  team_perm(f, app, writers, ROLE_ADMIN);
  assert_int_equal(ident_team_add_member(f->m, readers, bob), 0);
  assert_int_equal(eff(f, bob, lib), ROLE_READ);
  assert_int_equal(ident_team_add_member(f->m, writers, bob), 0);
  assert_int_equal(eff(f, bob, app), ROLE_ADMIN);
  assert_int_equal(ident_team_remove_member(f->m, writers, bob), 0);
  assert_int_equal(eff(f, bob, app), ROLE_WRITE);
  /* a member-role team grants nothing by itself */
  assert_int_equal(eff(f, bob, other), ROLE_NONE);

  /* org admin team: admin on every repository of that org, and only that org */
  int64_t owners = team(f, org, "owners", ORG_ADMIN);
  assert_int_equal(ident_team_add_member(f->m, owners, boss), 0);
  assert_int_equal(eff(f, boss, app), ROLE_ADMIN);
  assert_int_equal(eff(f, boss, lib), ROLE_ADMIN);
  assert_int_equal(eff(f, boss, other), ROLE_NONE);
  assert_int_equal(eff(f, boss, dash), ROLE_NONE);
  assert_int_equal(eff(f, boss, own), ROLE_NONE);
  /* a creator team is not admin */
  int64_t creators = team(f, org, "creators", ORG_CREATOR);
  assert_int_equal(ident_team_add_member(f->m, creators, alice), 0);
  assert_int_equal(eff(f, alice, app), ROLE_NONE);

  /* own namespace: users only, exact namespace */
  assert_int_equal(eff(f, alice, own), ROLE_ADMIN);
  assert_int_equal(eff(f, acm, app), ROLE_NONE);
  assert_int_equal(eff(f, alicebot, own), ROLE_NONE); /* robots get only what is granted */
  assert_int_equal(eff(f, org, app), ROLE_NONE);      /* an org is not a user */

  /* robots: their own permissions and teams */
  assert_int_equal(eff(f, bot, app), ROLE_NONE);
  assert_int_equal(ident_perm_set(f->m, app, bot, ROLE_READ), 0);
  assert_int_equal(eff(f, bot, app), ROLE_READ);
  assert_int_equal(ident_team_add_member(f->m, owners, bot), 0);
  assert_int_equal(eff(f, bot, lib), ROLE_ADMIN);
  /* a robot of another org sees nothing here, admin of its own org */
  int64_t evilowners = team(f, evil, "owners", ORG_ADMIN);
  assert_int_equal(ident_team_add_member(f->m, evilowners, evilbot), 0);
  assert_int_equal(eff(f, evilbot, app), ROLE_NONE);
  assert_int_equal(eff(f, evilbot, lib), ROLE_NONE);
  assert_int_equal(eff(f, evilbot, eviltown), ROLE_ADMIN);
}

/* --- cascades ---------------------------------------------------------------------- */

static void test_robot_delete_cascades(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t bot = mk(f, IDENT_ROBOT, "acme+bot", org);
  int64_t keep = mk(f, IDENT_ROBOT, "acme+keep", org);
  int64_t r = repo(f, "acme/app");
  int64_t t = team(f, org, "devs", ORG_MEMBER);
  int64_t cid = cred(f, bot, CRED_ROBOT, "tok-bot");
  cred(f, keep, CRED_ROBOT, "tok-keep");
  assert_int_equal(ident_perm_set(f->m, r, bot, ROLE_WRITE), 0);
  assert_int_equal(ident_perm_set(f->m, r, keep, ROLE_READ), 0);
  assert_int_equal(ident_team_add_member(f->m, t, bot), 0);
  assert_int_equal(ident_team_add_member(f->m, t, keep), 0);

  assert_int_equal(ident_account_delete(f->m, bot), 0);
  struct ident_cred c;
  assert_int_equal(ident_cred_get(f->m, f->p, &c, cid), ERR_NOTFOUND);
  assert_int_equal(ident_cred_by_index(f->m, f->p, &c, "tok-bot"), ERR_NOTFOUND);
  enum ident_role role;
  assert_int_equal(ident_perm_get(f->m, &role, r, bot), ERR_NOTFOUND);
  assert_int_equal(ident_team_remove_member(f->m, t, bot), ERR_NOTFOUND);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM credential"), 1);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM repo_perm"), 1);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM team_member"), 1);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM team"), 1);
  assert_int_equal(eff(f, bot, r), ROLE_NONE);
}

static void test_org_delete_cascades(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t other = mk(f, IDENT_ORG, "other", 0);
  int64_t user = mk(f, IDENT_USER, "ann", 0);
  int64_t bot1 = mk(f, IDENT_ROBOT, "acme+one", org);
  mk(f, IDENT_ROBOT, "acme+two", org);
  int64_t obot = mk(f, IDENT_ROBOT, "other+bot", other);
  int64_t r = repo(f, "acme/app"), r2 = repo(f, "other/app");
  int64_t t = team(f, org, "owners", ORG_ADMIN);
  int64_t ot = team(f, other, "owners", ORG_ADMIN);
  cred(f, bot1, CRED_ROBOT, "t1");
  cred(f, obot, CRED_ROBOT, "t2");
  assert_int_equal(ident_team_add_member(f->m, t, user), 0);
  assert_int_equal(ident_team_add_member(f->m, t, bot1), 0);
  assert_int_equal(ident_team_add_member(f->m, ot, user), 0);
  assert_int_equal(ident_perm_set(f->m, r, bot1, ROLE_READ), 0);
  assert_int_equal(ident_perm_set(f->m, r2, obot, ROLE_READ), 0);
  team_perm(f, r, t, ROLE_WRITE);

  assert_int_equal(ident_account_delete(f->m, org), 0);
  struct ident_account a;
  assert_int_equal(ident_account_by_name(f->m, f->p, &a, "acme+one"), ERR_NOTFOUND);
  assert_int_equal(ident_account_by_name(f->m, f->p, &a, "acme+two"), ERR_NOTFOUND);
  assert_int_equal(ident_account_by_name(f->m, f->p, &a, "ann"), 0);
  assert_int_equal(ident_account_by_name(f->m, f->p, &a, "other+bot"), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM account"), 3);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM credential"), 1);     /* t2 */
  assert_int_equal(count(f, "SELECT COUNT(*) FROM team"), 1);           /* other's */
  assert_int_equal(count(f, "SELECT COUNT(*) FROM team_member"), 1);    /* ann in other */
  assert_int_equal(count(f, "SELECT COUNT(*) FROM repo_perm"), 1);      /* obot on r2 */
  /* the repositories are not accounts' rows: they stay (API deletes them) */
  struct ident_repo ir;
  assert_int_equal(ident_repo_get(f->m, f->p, &ir, "acme/app"), 0);
  assert_int_equal(eff(f, user, r), ROLE_NONE);
  enum ident_org_role orole;
  assert_int_equal(ident_org_role(f->m, &orole, user, other), 0);
  assert_int_equal(orole, ORG_ADMIN);
}

int main(void)
{
  log_min_level = LOG_ERROR;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_repo_delete_cascades, setup, teardown),
    cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
    cmocka_unit_test_setup_teardown(test_teams, setup, teardown),
    cmocka_unit_test_setup_teardown(test_effective_role, setup, teardown),
    cmocka_unit_test_setup_teardown(test_robot_delete_cascades, setup, teardown),
    cmocka_unit_test_setup_teardown(test_org_delete_cascades, setup, teardown),
  };
  return fx_run_both("ident_perm", tests, sizeof(tests) / sizeof(tests[0]));
}
