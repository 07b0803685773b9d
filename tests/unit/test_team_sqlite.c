/* Tests for store/sqlite_team.c through the ident.h interface: team
 * lookups, members and repository permissions, the namespace rules the
 * store enforces on them, and default permissions (prototypes). */
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
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"

#include "ident_fixture.h"

/* Direct role of account on repo, ROLE_NONE when there is no row. */
static enum ident_role direct(struct fx *f, int64_t repo_id, int64_t account)
{
  enum ident_role r = ROLE_NONE;
  int rc = ident_perm_get(f->m, &r, repo_id, account);
  assert_true(rc == 0 || rc == ERR_NOTFOUND);
  return rc == 0 ? r : ROLE_NONE;
}

/* Role of team on repo from the repository's team list, ROLE_NONE if absent. */
static enum ident_role team_role(struct fx *f, int64_t repo_id, int64_t team_id)
{
  struct ident_perm *perms = NULL;
  size_t n = 0;
  assert_int_equal(ident_team_perm_list_repo(f->m, f->p, &perms, &n, repo_id), 0);
  for (size_t i = 0; i < n; i++)
    if (perms[i].team_id == team_id)
      return perms[i].role;
  return ROLE_NONE;
}

/* --- teams ------------------------------------------------------------------------ */

static void test_team_get_list_members(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t org2 = mk(f, IDENT_ORG, "other", 0);
  int64_t zoe = mk(f, IDENT_USER, "zoe", 0), al = mk(f, IDENT_USER, "al", 0);
  int64_t bot = mk(f, IDENT_ROBOT, "acme+bot", org);
  int64_t owners = 0;
  assert_int_equal(ident_team_set(f->m, &owners, org, "owners", ORG_ADMIN, "the owners"), 0);
  int64_t devs = team(f, org, "devs", ORG_CREATOR);
  int64_t elsewhere = team(f, org2, "devs", ORG_MEMBER);
  int64_t r1 = repo(f, "acme/one"), r2 = repo(f, "acme/two");
  assert_int_equal(ident_team_add_member(f->m, devs, zoe), 0);
  assert_int_equal(ident_team_add_member(f->m, devs, bot), 0);
  assert_int_equal(ident_team_add_member(f->m, devs, al), 0);
  assert_int_equal(ident_team_add_member(f->m, owners, al), 0);
  assert_int_equal(ident_team_perm_set(f->m, r1, devs, ROLE_WRITE), 0);
  assert_int_equal(ident_team_perm_set(f->m, r2, devs, ROLE_READ), 0);

  struct ident_team t;
  assert_int_equal(ident_team_get(f->m, f->p, &t, org, "devs"), 0);
  assert_int_equal(t.id, devs);
  assert_int_equal(t.org_id, org);
  assert_string_equal(t.name, "devs");
  assert_int_equal(t.role, ORG_CREATOR);
  assert_string_equal(t.description, "");
  assert_int_equal(t.member_count, 3);
  assert_int_equal(t.repo_count, 2);
  assert_int_equal(ident_team_get(f->m, f->p, &t, org2, "devs"), 0);
  assert_int_equal(t.id, elsewhere);
  assert_int_equal(t.member_count, 0);
  /* not found: out untouched */
  memset(&t, 0x5a, sizeof(t));
  assert_int_equal(ident_team_get(f->m, f->p, &t, org, "nope"), ERR_NOTFOUND);
  assert_int_equal(ident_team_get(f->m, f->p, &t, org2, "owners"), ERR_NOTFOUND);
  assert_int_equal(t.id, 0x5a5a5a5a5a5a5a5a);
  assert_int_equal(ident_team_get(f->m, f->p, &t, org, NULL), ERR_INVALID);

  struct ident_team *ts = NULL;
  size_t n = 0;
  assert_int_equal(ident_team_list(f->m, f->p, &ts, &n, org), 0);
  assert_int_equal(n, 2);
  assert_string_equal(ts[0].name, "devs");
  assert_string_equal(ts[1].name, "owners");
  assert_string_equal(ts[1].description, "the owners");
  assert_int_equal(ts[1].role, ORG_ADMIN);
  assert_int_equal(ts[1].member_count, 1);
  assert_int_equal(ident_team_list(f->m, f->p, &ts, &n, zoe), 0);
  assert_int_equal(n, 0);

  struct ident_account *ms = NULL;
  assert_int_equal(ident_team_members(f->m, f->p, &ms, &n, devs), 0);
  assert_int_equal(n, 3);
  assert_string_equal(ms[0].name, "acme+bot");
  assert_int_equal(ms[0].kind, IDENT_ROBOT);
  assert_int_equal(ms[0].owner_id, org);
  assert_string_equal(ms[1].name, "al");
  assert_string_equal(ms[2].name, "zoe");
  assert_int_equal(ms[2].id, zoe);
  assert_int_equal(ident_team_members(f->m, f->p, &ms, &n, elsewhere), 0);
  assert_int_equal(n, 0);

  assert_int_equal(ident_team_list_member(f->m, f->p, &ts, &n, org, al), 0);
  assert_int_equal(n, 2);
  assert_string_equal(ts[0].name, "devs");
  assert_string_equal(ts[1].name, "owners");
  assert_int_equal(ident_team_list_member(f->m, f->p, &ts, &n, org, zoe), 0);
  assert_int_equal(n, 1);
  assert_int_equal(ts[0].id, devs);
  assert_int_equal(ident_team_list_member(f->m, f->p, &ts, &n, org2, al), 0);
  assert_int_equal(n, 0);
}

static void test_team_member_rules(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t org2 = mk(f, IDENT_ORG, "other", 0);
  int64_t user = mk(f, IDENT_USER, "ann", 0);
  int64_t bot = mk(f, IDENT_ROBOT, "acme+bot", org);
  int64_t foreign = mk(f, IDENT_ROBOT, "other+bot", org2);
  int64_t userbot = mk(f, IDENT_ROBOT, "ann+bot", user);
  int64_t t = team(f, org, "devs", ORG_MEMBER);
  assert_int_equal(ident_team_add_member(f->m, t, bot), 0);
  assert_int_equal(ident_team_add_member(f->m, t, user), 0);
  assert_int_equal(ident_team_add_member(f->m, t, user), ERR_EXISTS);
  /* robots only join teams of the org that owns them */
  assert_int_equal(ident_team_add_member(f->m, t, foreign), ERR_INVALID);
  assert_int_equal(ident_team_add_member(f->m, t, userbot), ERR_INVALID);
  assert_int_equal(ident_team_add_member(f->m, t, org2), ERR_INVALID);
  assert_int_equal(ident_team_add_member(f->m, t, org), ERR_INVALID);
  assert_int_equal(ident_team_add_member(f->m, t, 999), ERR_NOTFOUND);
  assert_int_equal(ident_team_add_member(f->m, 999, user), ERR_NOTFOUND);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM team_member"), 2);
  assert_int_equal(ident_team_remove_member(f->m, t, foreign), ERR_NOTFOUND);
  assert_int_equal(ident_team_remove_member(f->m, t, bot), 0);
  assert_int_equal(ident_team_remove_member(f->m, t, bot), ERR_NOTFOUND);
}

static void test_team_perms(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t org2 = mk(f, IDENT_ORG, "acmeco", 0); /* "acme" is a prefix of it */
  int64_t bot = mk(f, IDENT_ROBOT, "acme+ci", org);
  int64_t devs = team(f, org, "devs", ORG_MEMBER);
  int64_t ops = team(f, org, "ops", ORG_MEMBER);
  int64_t r1 = repo(f, "acme/b-app"), r2 = repo(f, "acme/a/nested");
  int64_t theirs = repo(f, "acmeco/app"), mine = repo(f, "acme-x/app");
  assert_int_equal(ident_repo_set_public(f->m, r2, 1), 0);
  assert_int_equal(ident_team_add_member(f->m, devs, bot), 0);
  assert_int_equal(eff(f, bot, r1), ROLE_NONE);

  assert_int_equal(ident_team_perm_set(f->m, r1, devs, ROLE_READ), 0);
  assert_int_equal(ident_team_perm_set(f->m, r1, devs, ROLE_WRITE), 0); /* change */
  assert_int_equal(ident_team_perm_set(f->m, r2, devs, ROLE_ADMIN), 0);
  assert_int_equal(ident_team_perm_set(f->m, r1, ops, ROLE_READ), 0);
  assert_int_equal(eff(f, bot, r1), ROLE_WRITE); /* a robot in a team with write can push */
  assert_int_equal(eff(f, bot, r2), ROLE_ADMIN);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM repo_perm"), 3);

  /* only repositories of the team's own org */
  assert_int_equal(ident_team_perm_set(f->m, theirs, devs, ROLE_READ), ERR_INVALID);
  assert_int_equal(ident_team_perm_set(f->m, mine, devs, ROLE_READ), ERR_INVALID);
  int64_t t2 = team(f, org2, "devs", ORG_MEMBER);
  assert_int_equal(ident_team_perm_set(f->m, r1, t2, ROLE_READ), ERR_INVALID);
  assert_int_equal(ident_team_perm_set(f->m, theirs, t2, ROLE_READ), 0);
  assert_int_equal(ident_team_perm_set(f->m, 999, devs, ROLE_READ), ERR_NOTFOUND);
  assert_int_equal(ident_team_perm_set(f->m, r1, 999, ROLE_READ), ERR_NOTFOUND);
  assert_int_equal(ident_team_perm_set(f->m, r1, devs, ROLE_NONE), ERR_INVALID);
  assert_int_equal(ident_team_perm_set(f->m, r1, devs, (enum ident_role)4), ERR_INVALID);

  struct ident_perm *ps = NULL;
  size_t n = 0;
  assert_int_equal(ident_team_perm_list_repo(f->m, f->p, &ps, &n, r1), 0);
  assert_int_equal(n, 2);
  assert_string_equal(ps[0].team_name, "devs");
  assert_int_equal(ps[0].team_id, devs);
  assert_int_equal(ps[0].role, ROLE_WRITE);
  assert_int_equal(ps[0].account_id, 0);
  assert_null(ps[0].account_name);
  assert_string_equal(ps[0].repo_name, "acme/b-app");
  assert_string_equal(ps[1].team_name, "ops");
  assert_int_equal(ps[1].role, ROLE_READ);
  assert_int_equal(ident_team_perm_list_team(f->m, f->p, &ps, &n, devs), 0);
  assert_int_equal(n, 2);
  assert_string_equal(ps[0].repo_name, "acme/a/nested"); /* sorted by repository */
  assert_int_equal(ps[0].repo_public, 1);
  assert_int_equal(ps[0].role, ROLE_ADMIN);
  assert_string_equal(ps[1].repo_name, "acme/b-app");
  assert_int_equal(ps[1].repo_public, 0);
  /* team permissions are not user permissions and vice versa */
  assert_int_equal(ident_perm_list_repo(f->m, f->p, &ps, &n, r1), 0);
  assert_int_equal(n, 0);

  assert_int_equal(ident_team_perm_delete(f->m, r1, devs), 0);
  assert_int_equal(ident_team_perm_delete(f->m, r1, devs), ERR_NOTFOUND);
  assert_int_equal(ident_team_perm_delete(f->m, r1, bot), ERR_NOTFOUND);
  assert_int_equal(eff(f, bot, r1), ROLE_NONE);
  assert_int_equal(team_role(f, r1, ops), ROLE_READ);
}

static void test_team_delete_cascades(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t user = mk(f, IDENT_USER, "ann", 0);
  int64_t devs = team(f, org, "devs", ORG_ADMIN);
  int64_t keep = team(f, org, "keep", ORG_MEMBER);
  int64_t r = repo(f, "acme/app");
  assert_int_equal(ident_team_add_member(f->m, devs, user), 0);
  assert_int_equal(ident_team_add_member(f->m, keep, user), 0);
  assert_int_equal(ident_team_perm_set(f->m, r, devs, ROLE_WRITE), 0);
  assert_int_equal(ident_team_perm_set(f->m, r, keep, ROLE_READ), 0);
  struct ident_proto pr = { .org_id = org, .delegate_team_id = devs, .role = ROLE_READ };
  int64_t pid = 0;
  assert_int_equal(ident_proto_add(f->m, &pid, &pr), 0);
  enum ident_org_role role;
  assert_int_equal(ident_org_role(f->m, &role, user, org), 0);
  assert_int_equal(role, ORG_ADMIN);

  assert_int_equal(ident_team_delete(f->m, devs), 0);
  assert_int_equal(ident_team_delete(f->m, devs), ERR_NOTFOUND);
  assert_int_equal(ident_org_role(f->m, &role, user, org), 0);
  assert_int_equal(role, ORG_MEMBER);
  assert_int_equal(eff(f, user, r), ROLE_READ);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM team_member"), 1);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM repo_perm"), 1);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM prototype"), 0);
  /* deleting the org takes the rest */
  assert_int_equal(ident_account_delete(f->m, org), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM team"), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM team_member"), 0);
}

/* --- prototypes ------------------------------------------------------------------- */

static void test_proto_crud(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t org2 = mk(f, IDENT_ORG, "other", 0);
  int64_t ann = mk(f, IDENT_USER, "ann", 0), bob = mk(f, IDENT_USER, "bob", 0);
  int64_t bot = mk(f, IDENT_ROBOT, "acme+bot", org);
  int64_t foreign = mk(f, IDENT_ROBOT, "other+bot", org2);
  int64_t devs = team(f, org, "devs", ORG_MEMBER);
  int64_t theirs = team(f, org2, "devs", ORG_MEMBER);

  struct ident_proto a = { .org_id = org, .activating_id = ann, .delegate_account_id = bot,
                           .role = ROLE_WRITE };
  struct ident_proto b = { .org_id = org, .delegate_team_id = devs, .role = ROLE_READ };
  int64_t ida = 0, idb = 0, keep = 7;
  assert_int_equal(ident_proto_add(f->m, &ida, &a), 0);
  assert_int_equal(ident_proto_add(f->m, &idb, &b), 0);
  assert_true(ida > 0 && idb > ida);

  /* refusals leave *out_id alone */
  struct ident_proto bad = b;
  bad.delegate_account_id = bob; /* two delegates */
  assert_int_equal(ident_proto_add(f->m, &keep, &bad), ERR_INVALID);
  bad = (struct ident_proto){ .org_id = org, .role = ROLE_READ }; /* none */
  assert_int_equal(ident_proto_add(f->m, &keep, &bad), ERR_INVALID);
  bad = b;
  bad.role = ROLE_NONE;
  assert_int_equal(ident_proto_add(f->m, &keep, &bad), ERR_INVALID);
  bad = b;
  bad.delegate_team_id = theirs; /* another org's team */
  assert_int_equal(ident_proto_add(f->m, &keep, &bad), ERR_INVALID);
  bad = (struct ident_proto){ .org_id = org, .delegate_account_id = foreign, .role = ROLE_READ };
  assert_int_equal(ident_proto_add(f->m, &keep, &bad), ERR_INVALID);
  bad.delegate_account_id = org2; /* an org */
  assert_int_equal(ident_proto_add(f->m, &keep, &bad), ERR_INVALID);
  bad = (struct ident_proto){ .org_id = org, .activating_id = foreign, .delegate_account_id = bob,
                              .role = ROLE_READ };
  assert_int_equal(ident_proto_add(f->m, &keep, &bad), ERR_INVALID);
  bad = (struct ident_proto){ .org_id = ann, .delegate_account_id = bob, .role = ROLE_READ };
  assert_int_equal(ident_proto_add(f->m, &keep, &bad), ERR_INVALID); /* not an org */
  bad.org_id = 999;
  assert_int_equal(ident_proto_add(f->m, &keep, &bad), ERR_NOTFOUND);
  bad = (struct ident_proto){ .org_id = org, .delegate_account_id = 999, .role = ROLE_READ };
  assert_int_equal(ident_proto_add(f->m, &keep, &bad), ERR_NOTFOUND);
  bad = (struct ident_proto){ .org_id = org, .delegate_team_id = 999, .role = ROLE_READ };
  assert_int_equal(ident_proto_add(f->m, &keep, &bad), ERR_NOTFOUND);
  assert_int_equal(ident_proto_add(f->m, &keep, NULL), ERR_INVALID);
  assert_int_equal(keep, 7);

  struct ident_proto *ps = NULL;
  size_t n = 0;
  assert_int_equal(ident_proto_list(f->m, f->p, &ps, &n, org), 0);
  assert_int_equal(n, 2);
  assert_int_equal(ps[0].id, ida);
  assert_int_equal(ps[0].org_id, org);
  assert_int_equal(ps[0].activating_id, ann);
  assert_string_equal(ps[0].activating_name, "ann");
  assert_int_equal(ps[0].activating_kind, IDENT_USER);
  assert_int_equal(ps[0].delegate_account_id, bot);
  assert_string_equal(ps[0].delegate_account_name, "acme+bot");
  assert_int_equal(ps[0].delegate_account_kind, IDENT_ROBOT);
  assert_int_equal(ps[0].delegate_team_id, 0);
  assert_null(ps[0].delegate_team_name);
  assert_int_equal(ps[0].role, ROLE_WRITE);
  assert_int_equal(ps[1].activating_id, 0);
  assert_null(ps[1].activating_name);
  assert_int_equal(ps[1].delegate_account_id, 0);
  assert_int_equal(ps[1].delegate_team_id, devs);
  assert_string_equal(ps[1].delegate_team_name, "devs");
  assert_int_equal(ident_proto_list(f->m, f->p, &ps, &n, org2), 0);
  assert_int_equal(n, 0);

  struct ident_proto g;
  assert_int_equal(ident_proto_get(f->m, f->p, &g, org, idb), 0);
  assert_int_equal(g.role, ROLE_READ);
  /* ids are scoped by org */
  assert_int_equal(ident_proto_get(f->m, f->p, &g, org2, idb), ERR_NOTFOUND);
  assert_int_equal(ident_proto_set_role(f->m, org2, idb, ROLE_ADMIN), ERR_NOTFOUND);
  assert_int_equal(ident_proto_delete(f->m, org2, idb), ERR_NOTFOUND);
  assert_int_equal(ident_proto_set_role(f->m, org, idb, ROLE_NONE), ERR_INVALID);
  assert_int_equal(ident_proto_set_role(f->m, org, idb, ROLE_ADMIN), 0);
  assert_int_equal(ident_proto_get(f->m, f->p, &g, org, idb), 0);
  assert_int_equal(g.role, ROLE_ADMIN);
  assert_int_equal(ident_proto_delete(f->m, org, idb), 0);
  assert_int_equal(ident_proto_delete(f->m, org, idb), ERR_NOTFOUND);
  assert_int_equal(ident_proto_set_role(f->m, org, idb, ROLE_READ), ERR_NOTFOUND);

  /* prototypes go with their activating account or delegate */
  assert_int_equal(ident_proto_add(f->m, &idb, &b), 0);
  assert_int_equal(ident_account_delete(f->m, ann), 0);
  assert_int_equal(ident_proto_list(f->m, f->p, &ps, &n, org), 0);
  assert_int_equal(n, 1);
  assert_int_equal(ps[0].id, idb);
  struct ident_proto c = { .org_id = org, .delegate_account_id = bot, .role = ROLE_READ };
  assert_int_equal(ident_proto_add(f->m, &ida, &c), 0);
  assert_int_equal(ident_account_delete(f->m, bot), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM prototype"), 1);
  assert_int_equal(ident_account_delete(f->m, org), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM prototype"), 0);
}

static void test_proto_apply(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t org2 = mk(f, IDENT_ORG, "other", 0);
  int64_t ann = mk(f, IDENT_USER, "ann", 0), bob = mk(f, IDENT_USER, "bob", 0);
  int64_t cat = mk(f, IDENT_USER, "cat", 0);
  int64_t bot = mk(f, IDENT_ROBOT, "acme+bot", org);
  int64_t devs = team(f, org, "devs", ORG_MEMBER);
  int64_t ops = team(f, org, "ops", ORG_MEMBER);
  int64_t id;
  struct ident_proto ps[] = {
    { .org_id = org, .delegate_account_id = bot, .role = ROLE_READ },          /* anyone */
    { .org_id = org, .activating_id = ann, .delegate_account_id = bot, .role = ROLE_WRITE },
    { .org_id = org, .activating_id = bob, .delegate_account_id = cat, .role = ROLE_ADMIN },
    { .org_id = org, .delegate_team_id = devs, .role = ROLE_WRITE },
    { .org_id = org, .activating_id = ann, .delegate_team_id = devs, .role = ROLE_READ },
    { .org_id = org, .activating_id = ann, .delegate_account_id = ann, .role = ROLE_READ },
    { .org_id = org2, .delegate_account_id = bob, .role = ROLE_ADMIN },
  };
  for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
    assert_int_equal(ident_proto_add(f->m, &id, &ps[i]), 0);

  /* ann creates: both bot prototypes apply, the higher role wins; her own
   * creator admin row is not lowered by a prototype naming her */
  int64_t r1 = repo(f, "acme/one");
  assert_int_equal(ident_perm_set(f->m, r1, ann, ROLE_ADMIN), 0);
  assert_int_equal(ident_proto_apply(f->m, r1, org, ann), 0);
  assert_int_equal(direct(f, r1, bot), ROLE_WRITE);
  assert_int_equal(direct(f, r1, ann), ROLE_ADMIN);
  assert_int_equal(direct(f, r1, cat), ROLE_NONE);
  assert_int_equal(direct(f, r1, bob), ROLE_NONE);
  assert_int_equal(team_role(f, r1, devs), ROLE_WRITE);
  assert_int_equal(team_role(f, r1, ops), ROLE_NONE);
  /* applying again changes nothing */
  assert_int_equal(ident_proto_apply(f->m, r1, org, ann), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM repo_perm"), 3); /* ann, bot, devs */

  /* bob creates: his own prototype and the unconditional ones */
  int64_t r2 = repo(f, "acme/two");
  assert_int_equal(ident_proto_apply(f->m, r2, org, bob), 0);
  assert_int_equal(direct(f, r2, bot), ROLE_READ);
  assert_int_equal(direct(f, r2, cat), ROLE_ADMIN);
  assert_int_equal(direct(f, r2, ann), ROLE_NONE);
  assert_int_equal(team_role(f, r2, devs), ROLE_WRITE);
  assert_int_equal(eff(f, cat, r2), ROLE_ADMIN);

  /* an existing higher permission is kept, a lower one raised */
  int64_t r3 = repo(f, "acme/three");
  assert_int_equal(ident_perm_set(f->m, r3, bot, ROLE_ADMIN), 0);
  assert_int_equal(ident_team_perm_set(f->m, r3, devs, ROLE_READ), 0);
  assert_int_equal(ident_proto_apply(f->m, r3, org, 0), 0); /* no creator: unconditional only */
  assert_int_equal(direct(f, r3, bot), ROLE_ADMIN);
  assert_int_equal(team_role(f, r3, devs), ROLE_WRITE);
  assert_int_equal(direct(f, r3, ann), ROLE_NONE);

  /* an org without prototypes, a repository outside the org */
  int64_t r4 = repo(f, "other/x"), r5 = repo(f, "acmex/y"), r6 = repo(f, "ann/z");
  int64_t empty = mk(f, IDENT_ORG, "empty", 0);
  int64_t r7 = repo(f, "empty/x");
  assert_int_equal(ident_proto_apply(f->m, r7, empty, ann), 0);
  assert_int_equal(ident_proto_apply(f->m, r4, org, ann), ERR_INVALID);
  assert_int_equal(ident_proto_apply(f->m, r5, org, ann), ERR_INVALID);
  assert_int_equal(ident_proto_apply(f->m, r6, ann, ann), ERR_INVALID); /* a user namespace */
  assert_int_equal(ident_proto_apply(f->m, 999, org, ann), ERR_NOTFOUND);
  assert_int_equal(ident_proto_apply(f->m, r1, 999, ann), ERR_NOTFOUND);
  assert_int_equal(ident_proto_apply(f->m, r4, org2, ann), 0);
  assert_int_equal(direct(f, r4, bob), ROLE_ADMIN);
  assert_int_equal(direct(f, r5, bob), ROLE_NONE);
}

int main(void)
{
  log_min_level = LOG_ERROR;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_team_get_list_members, setup, teardown),
    cmocka_unit_test_setup_teardown(test_team_member_rules, setup, teardown),
    cmocka_unit_test_setup_teardown(test_team_perms, setup, teardown),
    cmocka_unit_test_setup_teardown(test_team_delete_cascades, setup, teardown),
    cmocka_unit_test_setup_teardown(test_proto_crud, setup, teardown),
    cmocka_unit_test_setup_teardown(test_proto_apply, setup, teardown),
  };
  return fx_run_both("team", tests, sizeof(tests) / sizeof(tests[0]));
}
