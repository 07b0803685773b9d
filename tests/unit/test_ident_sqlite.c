/* Tests for store/sqlite_ident.c through the ident.h interface: schema and
 * migration 2 on a database created by migration 1, accounts, credentials
 * and repositories, success and error paths. Permissions, teams, effective
 * roles and cascades: test_ident_sqlite_perm.c. */
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

/* --- schema ---------------------------------------------------------------------- */

static void test_schema_version(void **state)
{
  struct fx *f = *state;
  int v = 0;
  assert_int_equal(meta_schema_version(f->m, &v), 0);
  assert_true(v >= 3);
  assert_int_equal(count_tables(f, "'account', 'credential', 'team', 'team_member', "
                                  "'repo_perm', 'prototype'"),
                   6);
}

/* Migration 1's SQL as shipped (migrations are append-only, so frozen). */
static const char v1_sql[] =
  "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL);"
  "INSERT INTO schema_migrations VALUES (1, 0);"
  "CREATE TABLE repo (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
  "  created_at BIGINT NOT NULL);"
  "CREATE TABLE blob (digest TEXT PRIMARY KEY, size BIGINT NOT NULL, created_at BIGINT NOT NULL);"
  "CREATE TABLE repo_blob (repo_id BIGINT NOT NULL REFERENCES repo(id) ON DELETE CASCADE,"
  "  digest TEXT NOT NULL REFERENCES blob(digest), created_at BIGINT NOT NULL,"
  "  PRIMARY KEY (repo_id, digest));"
  "CREATE INDEX repo_blob_digest ON repo_blob(digest);"
  "CREATE TABLE upload (uuid TEXT PRIMARY KEY,"
  "  repo_id BIGINT NOT NULL REFERENCES repo(id) ON DELETE CASCADE,"
  "  byte_offset BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL,"
  "  updated_at BIGINT NOT NULL);"
  "CREATE INDEX upload_repo ON upload(repo_id);"
  "CREATE INDEX upload_updated ON upload(updated_at);"
  "CREATE TABLE manifest (id INTEGER PRIMARY KEY,"
  "  repo_id BIGINT NOT NULL REFERENCES repo(id) ON DELETE CASCADE, digest TEXT NOT NULL,"
  "  media_type TEXT NOT NULL, artifact_type TEXT, subject TEXT, annotations TEXT,"
  "  body BLOB NOT NULL, size BIGINT NOT NULL, created_at BIGINT NOT NULL,"
  "  UNIQUE (repo_id, digest));"
  "CREATE INDEX manifest_subject ON manifest(repo_id, subject);"
  "CREATE TABLE manifest_ref ("
  "  manifest_id BIGINT NOT NULL REFERENCES manifest(id) ON DELETE CASCADE,"
  "  digest TEXT NOT NULL, is_manifest SMALLINT NOT NULL,"
  "  PRIMARY KEY (manifest_id, digest, is_manifest));"
  "CREATE INDEX manifest_ref_digest ON manifest_ref(digest);"
  "CREATE TABLE tag (repo_id BIGINT NOT NULL REFERENCES repo(id) ON DELETE CASCADE,"
  "  name TEXT NOT NULL,"
  "  manifest_id BIGINT NOT NULL REFERENCES manifest(id) ON DELETE CASCADE,"
  "  updated_at BIGINT NOT NULL, PRIMARY KEY (repo_id, name));"
  "CREATE INDEX tag_manifest ON tag(manifest_id);"
  "INSERT INTO repo(name, created_at) VALUES ('old/repo', 1);";

static void test_migration_2_on_v1_database(void **state)
{
  struct fx *f = *state;
  fx_sqlite_only(f); /* v1_sql is SQLite's */
  char path[200], url[220];
  snprintf(path, sizeof(path), "%s/v1.db", f->dir);
  snprintf(url, sizeof(url), "sqlite://%s", path);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, v1_sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);

  struct meta *m = NULL;
  int v = 0;
  assert_int_equal(meta_open(&m, url), 0);
  assert_int_equal(meta_schema_version(m, &v), 0);
  assert_true(v >= 3); /* migrations 2, 3 and any later ones */
  int latest = v;
  struct ident_repo r;
  assert_int_equal(ident_repo_get(m, f->p, &r, "old/repo"), 0);
  assert_int_equal(r.is_public, 0);
  assert_string_equal(r.description, "");
  int64_t u = 0;
  struct ident_account a = { .kind = IDENT_USER, .name = "old", .enabled = 1 };
  assert_int_equal(ident_account_create(m, &u, &a), 0);
  enum ident_role role = ROLE_NONE;
  assert_int_equal(ident_effective_role(m, &role, u, r.id), 0);
  assert_int_equal(role, ROLE_ADMIN);
  meta_close(m);
  /* re-open: nothing applied twice */
  assert_int_equal(meta_open(&m, url), 0);
  assert_int_equal(meta_schema_version(m, &v), 0);
  assert_int_equal(v, latest);
  meta_close(m);
  remove(path);
}

/* --- accounts -------------------------------------------------------------------- */

static void test_account_create_get(void **state)
{
  struct fx *f = *state;
  int64_t now = time_now();
  struct ident_account a = { .kind = IDENT_USER, .name = "alice", .email = "a@x",
                             .password_hash = "$argon2id$h", .is_superuser = 7, .enabled = 1 };
  int64_t id = 0;
  assert_int_equal(ident_account_create(f->m, &id, &a), 0);
  struct ident_account g;
  assert_int_equal(ident_account_get(f->m, f->p, &g, id), 0);
  assert_int_equal(g.id, id);
  assert_int_equal(g.kind, IDENT_USER);
  assert_string_equal(g.name, "alice");
  assert_string_equal(g.email, "a@x");
  assert_string_equal(g.password_hash, "$argon2id$h");
  assert_int_equal(g.is_superuser, 1);
  assert_int_equal(g.enabled, 1);
  assert_int_equal(g.owner_id, 0);
  assert_string_equal(g.description, "");
  assert_string_equal(g.metadata_json, "{}");
  assert_true(g.created_at >= now);
  assert_int_equal(g.last_accessed, 0);

  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  struct ident_account r = { .kind = IDENT_ROBOT, .name = "acme+bot", .owner_id = org,
                             .description = "d", .metadata_json = "{\"k\":1}" };
  int64_t rid = 0;
  assert_int_equal(ident_account_create(f->m, &rid, &r), 0);
  assert_int_equal(ident_account_by_name(f->m, f->p, &g, "acme+bot"), 0);
  assert_int_equal(g.id, rid);
  assert_int_equal(g.kind, IDENT_ROBOT);
  assert_int_equal(g.owner_id, org);
  assert_int_equal(g.enabled, 0); /* as given */
  assert_null(g.email);
  assert_null(g.password_hash);
  assert_string_equal(g.description, "d");
  assert_string_equal(g.metadata_json, "{\"k\":1}");

  /* names are unique across kinds */
  struct ident_account dup = { .kind = IDENT_ORG, .name = "alice" };
  int64_t keep = 42;
  assert_int_equal(ident_account_create(f->m, &keep, &dup), ERR_EXISTS);
  dup.kind = IDENT_USER;
  dup.name = "acme";
  assert_int_equal(ident_account_create(f->m, &keep, &dup), ERR_EXISTS);
  assert_int_equal(keep, 42);

  /* not found leaves out untouched */
  struct ident_account untouched = { .id = 99 };
  assert_int_equal(ident_account_get(f->m, f->p, &untouched, 12345), ERR_NOTFOUND);
  assert_int_equal(ident_account_by_name(f->m, f->p, &untouched, "nobody"), ERR_NOTFOUND);
  assert_int_equal(untouched.id, 99);
  assert_int_equal(ident_account_by_name(f->m, f->p, &untouched, NULL), ERR_INVALID);
}

static void test_account_create_invalid(void **state)
{
  struct fx *f = *state;
  int64_t user = mk(f, IDENT_USER, "bob", 0);
  int64_t robot = mk(f, IDENT_ROBOT, "bob+r", user);
  int64_t id = 0;
  struct ident_account a = { .kind = IDENT_USER };
  assert_int_equal(ident_account_create(f->m, &id, NULL), ERR_INVALID);
  assert_int_equal(ident_account_create(f->m, &id, &a), ERR_INVALID); /* no name */
  a.name = "";
  assert_int_equal(ident_account_create(f->m, &id, &a), ERR_INVALID);
  a.name = "a/b";
  assert_int_equal(ident_account_create(f->m, &id, &a), ERR_INVALID);
  a.name = "ok";
  a.kind = (enum ident_kind)4;
  assert_int_equal(ident_account_create(f->m, &id, &a), ERR_INVALID);
  a.kind = IDENT_USER;
  a.owner_id = user; /* only robots have owners */
  assert_int_equal(ident_account_create(f->m, &id, &a), ERR_INVALID);
  a.kind = IDENT_ROBOT;
  a.owner_id = 0; /* robots need one */
  assert_int_equal(ident_account_create(f->m, &id, &a), ERR_INVALID);
  a.owner_id = robot; /* a robot cannot own one */
  assert_int_equal(ident_account_create(f->m, &id, &a), ERR_INVALID);
  a.owner_id = 999;
  assert_int_equal(ident_account_create(f->m, &id, &a), ERR_NOTFOUND);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM account"), 2);
}

static void test_account_updates(void **state)
{
  struct fx *f = *state;
  int64_t user = mk(f, IDENT_USER, "carol", 0);
  int64_t robot = mk(f, IDENT_ROBOT, "carol+r", user);
  struct ident_account g;

  assert_int_equal(ident_robot_update(f->m, robot, "desc", NULL), 0);
  assert_int_equal(ident_robot_update(f->m, robot, NULL, "{\"a\":2}"), 0);
  assert_int_equal(ident_robot_update(f->m, robot, NULL, NULL), 0);
  assert_int_equal(ident_account_get(f->m, f->p, &g, robot), 0);
  assert_string_equal(g.description, "desc");
  assert_string_equal(g.metadata_json, "{\"a\":2}");
  assert_int_equal(ident_robot_update(f->m, user, "x", NULL), ERR_NOTFOUND); /* not a robot */
  assert_int_equal(ident_robot_update(f->m, 999, "x", NULL), ERR_NOTFOUND);

  assert_int_equal(ident_user_set_password(f->m, user, "$argon2id$new"), 0);
  assert_int_equal(ident_account_get(f->m, f->p, &g, user), 0);
  assert_string_equal(g.password_hash, "$argon2id$new");
  assert_int_equal(ident_user_set_password(f->m, robot, "$x"), ERR_NOTFOUND);
  assert_int_equal(ident_user_set_password(f->m, 999, "$x"), ERR_NOTFOUND);
  assert_int_equal(ident_user_set_password(f->m, user, NULL), ERR_INVALID);

  assert_int_equal(ident_account_touch(f->m, robot, 1000), 0);
  assert_int_equal(ident_account_touch(f->m, robot, 900), 0); /* never backwards */
  assert_int_equal(ident_account_get(f->m, f->p, &g, robot), 0);
  assert_int_equal(g.last_accessed, 1000);
  assert_int_equal(ident_account_touch(f->m, 999, 1000), ERR_NOTFOUND);

  int64_t n = -1;
  assert_int_equal(ident_user_count(f->m, &n), 0);
  assert_int_equal(n, 1);
  mk(f, IDENT_USER, "dave", 0);
  mk(f, IDENT_ORG, "org", 0);
  assert_int_equal(ident_user_count(f->m, &n), 0);
  assert_int_equal(n, 2);

  assert_int_equal(ident_account_delete(f->m, user), 0);
  assert_int_equal(ident_account_delete(f->m, user), ERR_NOTFOUND);
  /* a user's robots go with it */
  assert_int_equal(ident_account_get(f->m, f->p, &g, robot), ERR_NOTFOUND);
}

static void test_robot_list_and_search(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t other = mk(f, IDENT_ORG, "acmeco", 0);
  mk(f, IDENT_ROBOT, "acme+zeta", org);
  mk(f, IDENT_ROBOT, "acme+alpha", org);
  mk(f, IDENT_ROBOT, "acme+mid", org);
  mk(f, IDENT_ROBOT, "acmeco+x", other);
  mk(f, IDENT_USER, "a_b", 0);
  mk(f, IDENT_USER, "axb", 0);
  mk(f, IDENT_USER, "b", 0);

  struct ident_account *l = NULL;
  size_t n = 0;
  assert_int_equal(ident_robot_list(f->m, f->p, &l, &n, org, 10), 0);
  assert_int_equal(n, 3);
  assert_string_equal(l[0].name, "acme+alpha");
  assert_string_equal(l[1].name, "acme+mid");
  assert_string_equal(l[2].name, "acme+zeta");
  assert_int_equal(l[0].owner_id, org);
  assert_int_equal(ident_robot_list(f->m, f->p, &l, &n, org, 2), 0);
  assert_int_equal(n, 2);
  assert_int_equal(ident_robot_list(f->m, f->p, &l, &n, 999, 10), 0);
  assert_int_equal(n, 0);
  assert_non_null(l);

  assert_int_equal(ident_account_search(f->m, f->p, &l, &n, "acme", 100), 0);
  assert_int_equal(n, 6); /* acme, acme+..., acmeco, acmeco+x */
  assert_string_equal(l[0].name, "acme");
  assert_string_equal(l[5].name, "acmeco+x");
  assert_int_equal(ident_account_search(f->m, f->p, &l, &n, "acme+", 2), 0);
  assert_int_equal(n, 2);
  assert_string_equal(l[0].name, "acme+alpha");
  /* no LIKE wildcards: '_' is a literal */
  assert_int_equal(ident_account_search(f->m, f->p, &l, &n, "a_", 100), 0);
  assert_int_equal(n, 1);
  assert_string_equal(l[0].name, "a_b");
  assert_int_equal(ident_account_search(f->m, f->p, &l, &n, "", 100), 0);
  assert_int_equal(n, 9);
  assert_int_equal(ident_account_search(f->m, f->p, &l, &n, "\xff", 100), 0);
  assert_int_equal(n, 0);
  assert_int_equal(ident_account_search(f->m, f->p, &l, &n, "zz", 100), 0);
  assert_int_equal(n, 0);
  assert_int_equal(ident_account_search(f->m, f->p, &l, &n, NULL, 100), ERR_INVALID);
}

/* --- credentials ----------------------------------------------------------------- */

static void test_credentials(void **state)
{
  struct fx *f = *state;
  int64_t user = mk(f, IDENT_USER, "erin", 0);
  struct ident_cred c = { .account_id = user, .kind = CRED_API, .index = "idx1",
                          .secret_enc = "s1", .scopes = "repo:read repo:write", .name = "ci",
                          .expires_at = 5000 };
  int64_t id1 = 0, id2 = 0, keep = 7;
  assert_int_equal(ident_cred_add(f->m, &id1, &c), 0);
  struct ident_cred g;
  assert_int_equal(ident_cred_by_index(f->m, f->p, &g, "idx1"), 0);
  assert_int_equal(g.id, id1);
  assert_int_equal(g.account_id, user);
  assert_int_equal(g.kind, CRED_API);
  assert_string_equal(g.index, "idx1");
  assert_string_equal(g.secret_enc, "s1");
  assert_string_equal(g.scopes, "repo:read repo:write");
  assert_string_equal(g.name, "ci");
  assert_int_equal(g.expires_at, 5000);
  assert_true(g.created_at > 0);

  /* clash, unknown account, invalid */
  assert_int_equal(ident_cred_add(f->m, &keep, &c), ERR_EXISTS);
  c.index = "idx2";
  c.account_id = 999;
  assert_int_equal(ident_cred_add(f->m, &keep, &c), ERR_NOTFOUND);
  c.account_id = user;
  c.kind = (enum ident_cred_kind)9;
  assert_int_equal(ident_cred_add(f->m, &keep, &c), ERR_INVALID);
  c.kind = CRED_API;
  c.index = NULL;
  assert_int_equal(ident_cred_add(f->m, &keep, &c), ERR_INVALID);
  assert_int_equal(ident_cred_add(f->m, &keep, NULL), ERR_INVALID);
  assert_int_equal(keep, 7);

  /* latest: the newest of that kind (same second: the later row) */
  c.index = "idx2";
  c.scopes = NULL;
  c.name = NULL;
  c.secret_enc = NULL; /* show-once mode: hash only */
  assert_int_equal(ident_cred_add(f->m, &id2, &c), 0);
  cred(f, user, CRED_ROBOT, "other-kind");
  assert_int_equal(ident_cred_latest(f->m, f->p, &g, user, CRED_API), 0);
  assert_int_equal(g.id, id2);
  assert_null(g.scopes);
  assert_null(g.name);
  assert_null(g.secret_enc);
  assert_int_equal(g.expires_at, 5000);
  assert_int_equal(ident_cred_latest(f->m, f->p, &g, 999, CRED_API), ERR_NOTFOUND);

  assert_int_equal(ident_cred_get(f->m, f->p, &g, id1), 0);
  assert_string_equal(g.index, "idx1");
  assert_int_equal(ident_cred_delete(f->m, id1), 0);
  assert_int_equal(ident_cred_delete(f->m, id1), ERR_NOTFOUND);
  g.id = 55;
  assert_int_equal(ident_cred_get(f->m, f->p, &g, id1), ERR_NOTFOUND);
  assert_int_equal(ident_cred_by_index(f->m, f->p, &g, "idx1"), ERR_NOTFOUND);
  assert_int_equal(g.id, 55);
  assert_int_equal(ident_cred_by_index(f->m, f->p, &g, NULL), ERR_INVALID);
}

static void test_cred_replace(void **state)
{
  struct fx *f = *state;
  int64_t org = mk(f, IDENT_ORG, "acme", 0);
  int64_t robot = mk(f, IDENT_ROBOT, "acme+bot", org);
  int64_t other = mk(f, IDENT_ROBOT, "acme+other", org);
  cred(f, robot, CRED_ROBOT, "r1");
  cred(f, robot, CRED_ROBOT, "r2");
  cred(f, robot, CRED_API, "api");
  cred(f, other, CRED_ROBOT, "o1");

  struct ident_cred c = { .account_id = robot, .kind = CRED_ROBOT, .index = "r3",
                          .secret_enc = "new" };
  int64_t id = 0;
  assert_int_equal(ident_cred_replace(f->m, &id, &c), 0);
  assert_int_equal(count(f, "SELECT COUNT(*) FROM credential WHERE idx IN ('r1','r2')"), 0);
  struct ident_cred g;
  assert_int_equal(ident_cred_latest(f->m, f->p, &g, robot, CRED_ROBOT), 0);
  assert_int_equal(g.id, id);
  assert_string_equal(g.secret_enc, "new");
  char sql[128];
  snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM credential WHERE account_id = %lld "
           "AND kind = 1", (long long)robot);
  assert_int_equal(count(f, sql), 1);
  /* other kinds and other accounts untouched */
  assert_int_equal(ident_cred_by_index(f->m, f->p, &g, "api"), 0);
  assert_int_equal(ident_cred_by_index(f->m, f->p, &g, "o1"), 0);

  /* a failing insert rolls the delete back: the old token still works */
  c.index = "o1";
  int64_t keep = 3;
  assert_int_equal(ident_cred_replace(f->m, &keep, &c), ERR_EXISTS);
  assert_int_equal(keep, 3);
  assert_int_equal(ident_cred_by_index(f->m, f->p, &g, "r3"), 0);
  c.account_id = 999;
  c.index = "r4";
  assert_int_equal(ident_cred_replace(f->m, &keep, &c), ERR_NOTFOUND);
  c.index = NULL;
  assert_int_equal(ident_cred_replace(f->m, &keep, &c), ERR_INVALID);
}

/* --- repositories ---------------------------------------------------------------- */

static void test_repo_get_set(void **state)
{
  struct fx *f = *state;
  int64_t rid = repo(f, "acme/app");
  struct ident_repo r;
  assert_int_equal(ident_repo_get(f->m, f->p, &r, "acme/app"), 0);
  assert_int_equal(r.id, rid);
  assert_string_equal(r.name, "acme/app");
  assert_int_equal(r.is_public, 0);
  assert_string_equal(r.description, "");
  assert_int_equal(ident_repo_set_public(f->m, rid, 5), 0);
  assert_int_equal(ident_repo_set_description(f->m, rid, "the app"), 0);
  assert_int_equal(ident_repo_get(f->m, f->p, &r, "acme/app"), 0);
  assert_int_equal(r.is_public, 1);
  assert_string_equal(r.description, "the app");
  assert_int_equal(ident_repo_set_public(f->m, rid, 0), 0);
  assert_int_equal(ident_repo_get(f->m, f->p, &r, "acme/app"), 0);
  assert_int_equal(r.is_public, 0);

  r.id = 77;
  assert_int_equal(ident_repo_get(f->m, f->p, &r, "acme/none"), ERR_NOTFOUND);
  assert_int_equal(r.id, 77);
  assert_int_equal(ident_repo_get(f->m, f->p, &r, NULL), ERR_INVALID);
  assert_int_equal(ident_repo_set_public(f->m, 999, 1), ERR_NOTFOUND);
  assert_int_equal(ident_repo_set_description(f->m, 999, "x"), ERR_NOTFOUND);
  assert_int_equal(ident_repo_set_description(f->m, rid, NULL), ERR_INVALID);
}

static void test_repo_list_ns(void **state)
{
  struct fx *f = *state;
  const char *names[] = { "acme/c", "acme/a", "acme/b/deep", "acme-x/y", "acme0/z", "acm/q",
                          "acmeco/w", "acme_/v" };
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    repo(f, names[i]);
  struct ident_repo *l = NULL;
  size_t n = 0;
  int more = -1;
  assert_int_equal(ident_repo_list_ns(f->m, f->p, &l, &n, &more, "acme", NULL, 10), 0);
  assert_int_equal(n, 3);
  assert_int_equal(more, 0);
  assert_string_equal(l[0].name, "acme/a");
  assert_string_equal(l[1].name, "acme/b/deep");
  assert_string_equal(l[2].name, "acme/c");
  /* pages */
  assert_int_equal(ident_repo_list_ns(f->m, f->p, &l, &n, &more, "acme", NULL, 2), 0);
  assert_int_equal(n, 2);
  assert_int_equal(more, 1);
  assert_int_equal(ident_repo_list_ns(f->m, f->p, &l, &n, &more, "acme", l[1].name, 2), 0);
  assert_int_equal(n, 1);
  assert_int_equal(more, 0);
  assert_string_equal(l[0].name, "acme/c");
  /* a `last` before the namespace does not leak other namespaces */
  assert_int_equal(ident_repo_list_ns(f->m, f->p, &l, &n, &more, "acme", "a", 10), 0);
  assert_int_equal(n, 3);
  assert_int_equal(ident_repo_list_ns(f->m, f->p, &l, &n, &more, "acme", "zzz", 10), 0);
  assert_int_equal(n, 0);
  /* '_' is not a wildcard */
  assert_int_equal(ident_repo_list_ns(f->m, f->p, &l, &n, &more, "acme_", NULL, 10), 0);
  assert_int_equal(n, 1);
  assert_string_equal(l[0].name, "acme_/v");
  assert_int_equal(ident_repo_list_ns(f->m, f->p, &l, &n, &more, "nobody", NULL, 10), 0);
  assert_int_equal(n, 0);
  assert_int_equal(ident_repo_list_ns(f->m, f->p, &l, &n, &more, "", NULL, 10), ERR_INVALID);
  assert_int_equal(ident_repo_list_ns(f->m, f->p, &l, &n, &more, NULL, NULL, 10), ERR_INVALID);
}

int main(void)
{
  log_min_level = LOG_ERROR;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_schema_version, setup, teardown),
    cmocka_unit_test_setup_teardown(test_migration_2_on_v1_database, setup, teardown),
    cmocka_unit_test_setup_teardown(test_account_create_get, setup, teardown),
    cmocka_unit_test_setup_teardown(test_account_create_invalid, setup, teardown),
    cmocka_unit_test_setup_teardown(test_account_updates, setup, teardown),
    cmocka_unit_test_setup_teardown(test_robot_list_and_search, setup, teardown),
    cmocka_unit_test_setup_teardown(test_credentials, setup, teardown),
    cmocka_unit_test_setup_teardown(test_cred_replace, setup, teardown),
    cmocka_unit_test_setup_teardown(test_repo_get_set, setup, teardown),
    cmocka_unit_test_setup_teardown(test_repo_list_ns, setup, teardown),
  };
  return fx_run_both("ident", tests, sizeof(tests) / sizeof(tests[0]));
}
