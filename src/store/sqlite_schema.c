/* Schema migrations of the SQL store, for both engines, and the SQLite
 * engine's set-up, transactions and migration runner (PostgreSQL's runner
 * is in postgres_schema.c).
 *
 * One table, numbered alike on every engine. The SQL is SQLite's and is
 * written so that a mechanical translation gives PostgreSQL's
 * (sq_ddl_postgres(): types in upper case, identifiers in lower case):
 * "INTEGER PRIMARY KEY" ids (SQLite's rowid alias) become BIGINT GENERATED
 * BY DEFAULT AS IDENTITY, BLOB becomes BYTEA, and every TEXT column gets
 * COLLATE "C" so comparisons, prefix ranges and ORDER BY are bytewise as in
 * SQLite. Every other integer is BIGINT or SMALLINT on both. A migration
 * whose SQL cannot be translated (a SQLite table rebuild, say) gives its
 * PostgreSQL DDL in .postgres. */
#include "store/sqlite_int.h"

#include "store/sqlite_engine.h"

#include <stddef.h>
#include <time.h>

#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Append-only: never edit a migration that has shipped, add a new one. */
const struct sq_migration sq_migrations[] = {
  { .version = 1, .sql =
    "CREATE TABLE repo ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  created_at BIGINT NOT NULL);"
    "CREATE TABLE blob ("
    "  digest TEXT PRIMARY KEY,"
    "  size BIGINT NOT NULL,"
    "  created_at BIGINT NOT NULL);"
    /* A blob row cannot go while a repository links it (GC unlinks first). */
    "CREATE TABLE repo_blob ("
    "  repo_id BIGINT NOT NULL REFERENCES repo(id) ON DELETE CASCADE,"
    "  digest TEXT NOT NULL REFERENCES blob(digest),"
    "  created_at BIGINT NOT NULL,"
    "  PRIMARY KEY (repo_id, digest));"
    "CREATE INDEX repo_blob_digest ON repo_blob(digest);"
    "CREATE TABLE upload ("
    "  uuid TEXT PRIMARY KEY,"
    "  repo_id BIGINT NOT NULL REFERENCES repo(id) ON DELETE CASCADE,"
    "  byte_offset BIGINT NOT NULL DEFAULT 0,"
    "  created_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL);"
    "CREATE INDEX upload_repo ON upload(repo_id);"
    "CREATE INDEX upload_updated ON upload(updated_at);"
    "CREATE TABLE manifest ("
    "  id INTEGER PRIMARY KEY,"
    "  repo_id BIGINT NOT NULL REFERENCES repo(id) ON DELETE CASCADE,"
    "  digest TEXT NOT NULL,"
    "  media_type TEXT NOT NULL,"
    "  artifact_type TEXT,"
    "  subject TEXT,"
    "  annotations TEXT,"
    "  body BLOB NOT NULL,"
    "  size BIGINT NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  UNIQUE (repo_id, digest));"
    "CREATE INDEX manifest_subject ON manifest(repo_id, subject);"
    /* is_manifest: 1 for a child manifest of an index, 0 for a blob. */
    "CREATE TABLE manifest_ref ("
    "  manifest_id BIGINT NOT NULL REFERENCES manifest(id) ON DELETE CASCADE,"
    "  digest TEXT NOT NULL,"
    "  is_manifest SMALLINT NOT NULL,"
    "  PRIMARY KEY (manifest_id, digest, is_manifest));"
    "CREATE INDEX manifest_ref_digest ON manifest_ref(digest);"
    "CREATE TABLE tag ("
    "  repo_id BIGINT NOT NULL REFERENCES repo(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  manifest_id BIGINT NOT NULL REFERENCES manifest(id) ON DELETE CASCADE,"
    "  updated_at BIGINT NOT NULL,"
    "  PRIMARY KEY (repo_id, name));"
    "CREATE INDEX tag_manifest ON tag(manifest_id);" },
  /* Identity: accounts, credentials, teams, repository permissions. Every
   * row hanging off an account, team or repository goes with it (ON DELETE
   * CASCADE; every referencing column is indexed so the cascade is cheap).
   * Account names never contain '/', so a repository's namespace account is
   * the one whose name || '/' prefixes the repository name. */
  { .version = 2, .sql =
    /* kind: 1 user, 2 org, 3 robot (owned by owner_id, a user or org). */
    "CREATE TABLE account ("
    "  id INTEGER PRIMARY KEY,"
    "  kind SMALLINT NOT NULL CHECK (kind IN (1, 2, 3)),"
    "  name TEXT NOT NULL UNIQUE,"
    "  email TEXT,"
    "  password_hash TEXT,"
    "  is_superuser SMALLINT NOT NULL DEFAULT 0,"
    "  enabled SMALLINT NOT NULL DEFAULT 1,"
    "  owner_id BIGINT REFERENCES account(id) ON DELETE CASCADE,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  metadata_json TEXT NOT NULL DEFAULT '{}',"
    "  created_at BIGINT NOT NULL,"
    "  last_accessed BIGINT NOT NULL DEFAULT 0,"
    "  CHECK ((kind = 3) = (owner_id IS NOT NULL)));"
    "CREATE INDEX account_owner ON account(owner_id, name);"
    /* kind: 1 robot token, 2 API token; idx: HMAC of the secret. */
    "CREATE TABLE credential ("
    "  id INTEGER PRIMARY KEY,"
    "  account_id BIGINT NOT NULL REFERENCES account(id) ON DELETE CASCADE,"
    "  kind SMALLINT NOT NULL,"
    "  idx TEXT NOT NULL UNIQUE,"
    "  secret_enc TEXT,"
    "  scopes TEXT,"
    "  name TEXT,"
    "  created_at BIGINT NOT NULL,"
    "  expires_at BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX credential_account ON credential(account_id, kind, created_at);"
    /* role: 1 member, 2 creator, 3 admin. */
    "CREATE TABLE team ("
    "  id INTEGER PRIMARY KEY,"
    "  org_id BIGINT NOT NULL REFERENCES account(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  role SMALLINT NOT NULL CHECK (role BETWEEN 1 AND 3),"
    "  description TEXT NOT NULL DEFAULT '',"
    "  UNIQUE (org_id, name));"
    "CREATE TABLE team_member ("
    "  team_id BIGINT NOT NULL REFERENCES team(id) ON DELETE CASCADE,"
    "  account_id BIGINT NOT NULL REFERENCES account(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (team_id, account_id));"
    "CREATE INDEX team_member_account ON team_member(account_id);"
    /* A permission of exactly one user/robot or one team; role 1 read,
     * 2 write, 3 admin. */
    "CREATE TABLE repo_perm ("
    "  id INTEGER PRIMARY KEY,"
    "  repo_id BIGINT NOT NULL REFERENCES repo(id) ON DELETE CASCADE,"
    "  account_id BIGINT REFERENCES account(id) ON DELETE CASCADE,"
    "  team_id BIGINT REFERENCES team(id) ON DELETE CASCADE,"
    "  role SMALLINT NOT NULL CHECK (role BETWEEN 1 AND 3),"
    "  CHECK ((account_id IS NULL) <> (team_id IS NULL)));"
    "CREATE UNIQUE INDEX repo_perm_repo_account ON repo_perm(repo_id, account_id);"
    "CREATE UNIQUE INDEX repo_perm_repo_team ON repo_perm(repo_id, team_id);"
    "CREATE INDEX repo_perm_account ON repo_perm(account_id);"
    "CREATE INDEX repo_perm_team ON repo_perm(team_id);"
    "ALTER TABLE repo ADD COLUMN is_public SMALLINT NOT NULL DEFAULT 0;"
    "ALTER TABLE repo ADD COLUMN description TEXT NOT NULL DEFAULT '';" },
  /* Default permissions of an org (Quay's prototypes): when the activating
   * account (NULL: anyone) creates a repository in org_id, the delegate
   * (exactly one account or team) gets role 1 read, 2 write, 3 admin. They
   * go with the org, the activating account, or the delegate. */
  { .version = 3, .sql =
    "CREATE TABLE prototype ("
    "  id INTEGER PRIMARY KEY,"
    "  org_id BIGINT NOT NULL REFERENCES account(id) ON DELETE CASCADE,"
    "  activating_account_id BIGINT REFERENCES account(id) ON DELETE CASCADE,"
    "  delegate_account_id BIGINT REFERENCES account(id) ON DELETE CASCADE,"
    "  delegate_team_id BIGINT REFERENCES team(id) ON DELETE CASCADE,"
    "  role SMALLINT NOT NULL CHECK (role BETWEEN 1 AND 3),"
    "  CHECK ((delegate_account_id IS NULL) <> (delegate_team_id IS NULL)));"
    "CREATE INDEX prototype_org ON prototype(org_id, activating_account_id);"
    "CREATE INDEX prototype_activating ON prototype(activating_account_id);"
    "CREATE INDEX prototype_delegate_account ON prototype(delegate_account_id);"
    "CREATE INDEX prototype_delegate_team ON prototype(delegate_team_id);" },
  /* OAuth applications of organizations (spec §4.5), API token metadata on
   * the credential row (uuid, the app it was minted for, last use; the
   * credential goes with its app), and signed-in web sessions under a keyed
   * hash of their id, with a fingerprint of the password hash they were
   * opened with. */
  { .version = 4, .sql =
    "CREATE TABLE oauth_app ("
    "  id INTEGER PRIMARY KEY,"
    "  org_id BIGINT NOT NULL REFERENCES account(id) ON DELETE CASCADE,"
    "  client_id TEXT NOT NULL UNIQUE,"
    "  secret_enc TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  redirect_uri TEXT NOT NULL DEFAULT '',"
    "  application_uri TEXT NOT NULL DEFAULT '',"
    "  avatar_email TEXT NOT NULL DEFAULT '',"
    "  created_at BIGINT NOT NULL);"
    "CREATE INDEX oauth_app_org ON oauth_app(org_id);"
    "ALTER TABLE credential ADD COLUMN uuid TEXT;"
    "ALTER TABLE credential ADD COLUMN app_id BIGINT REFERENCES oauth_app(id) ON DELETE CASCADE;"
    "ALTER TABLE credential ADD COLUMN last_accessed BIGINT NOT NULL DEFAULT 0;"
    "CREATE UNIQUE INDEX credential_uuid ON credential(uuid);"
    "CREATE INDEX credential_app ON credential(app_id, id);"
    "CREATE TABLE web_session ("
    "  idx TEXT PRIMARY KEY,"
    "  account_id BIGINT NOT NULL REFERENCES account(id) ON DELETE CASCADE,"
    "  pwv TEXT NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  expires_at BIGINT NOT NULL);"
    "CREATE INDEX web_session_account ON web_session(account_id);"
    "CREATE INDEX web_session_expires ON web_session(expires_at);" },
  /* Robot IP allow-lists (wharf extension, issue 8): comma-separated CIDRs
   * a robot may be used from; '' allows every address. */
  { .version = 5, .sql =
    "ALTER TABLE account ADD COLUMN allowed_cidrs TEXT NOT NULL DEFAULT '';" },
  /* The audit log (sqlite_audit.c), append-only. No foreign keys: an entry
   * names its namespace, repository and performer by a snapshot, so it
   * outlives them. performer_kind: 0 none, 1 user, 2 robot, 3 API token.
   * Each way of reading it (a namespace's, a repository's, a performer's
   * entries, newest first) has its index. */
  { .version = 6, .sql =
    "CREATE TABLE log_entry ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  performer_id BIGINT NOT NULL DEFAULT 0,"
    "  performer_name TEXT,"
    "  performer_kind SMALLINT NOT NULL DEFAULT 0,"
    "  namespace_name TEXT,"
    "  repository TEXT,"
    "  ip TEXT,"
    "  user_agent TEXT,"
    "  metadata_json TEXT NOT NULL DEFAULT '{}',"
    "  created_at BIGINT NOT NULL);"
    "CREATE INDEX log_entry_namespace ON log_entry(namespace_name, created_at);"
    "CREATE INDEX log_entry_repository ON log_entry(repository, created_at);"
    "CREATE INDEX log_entry_performer ON log_entry(performer_name, created_at);" },
  /* Keyless federation of robots (spec §2.4): the [{"issuer","subject"}]
   * configuration, replaced as a whole by POST, emptied by DELETE. */
  { .version = 7, .sql =
    "ALTER TABLE account ADD COLUMN federation TEXT NOT NULL DEFAULT '[]';" },
  /* Audit log filters and retention (sqlite_audit.c): an organization's
   * entries of some kinds newest first, and the oldest entries of all; and
   * log exports (exportlogs), each a finished JSON-lines file that only its
   * requester may download until it expires. */
  { .version = 8, .sql =
    "CREATE INDEX log_entry_kind ON log_entry(namespace_name, kind, created_at);"
    "CREATE INDEX log_entry_created ON log_entry(created_at);"
    "CREATE TABLE log_export ("
    "  id TEXT PRIMARY KEY,"
    "  account_id BIGINT NOT NULL,"
    "  created_at BIGINT NOT NULL,"
    "  expires_at BIGINT NOT NULL,"
    "  body BLOB NOT NULL);"
    "CREATE INDEX log_export_expires ON log_export(expires_at);" },
  /* An organization's maximum robot token lifetime in seconds (wharf
   * extension, issue 8; 0: none), set by PUT organization/{org}. */
  { .version = 9, .sql =
    "ALTER TABLE account ADD COLUMN max_token_lifetime BIGINT NOT NULL DEFAULT 0;" },
  /* GC and fsck (sqlite_gc.c, docs/design.md "GC and fsck"): blob_gc holds
   * tombstones of blobs whose row GC deleted and whose bytes it is deleting
   * (meta_blob_add of such a digest fails meanwhile); manifest.untagged_at
   * is when a tag last moved off or was deleted from the manifest, kept by
   * triggers so every writer of tags keeps it, for the untagged expiry. */
  { .version = 10, .sql =
    "CREATE TABLE blob_gc ("
    "  digest TEXT PRIMARY KEY,"
    "  marked_at BIGINT NOT NULL);"
    "ALTER TABLE manifest ADD COLUMN untagged_at BIGINT;"
    "CREATE TRIGGER tag_untag_delete AFTER DELETE ON tag BEGIN"
    "  UPDATE manifest SET untagged_at = CAST(strftime('%s', 'now') AS INTEGER)"
    "  WHERE id = OLD.manifest_id; END;"
    "CREATE TRIGGER tag_untag_move AFTER UPDATE OF manifest_id ON tag"
    "  WHEN OLD.manifest_id <> NEW.manifest_id BEGIN"
    "  UPDATE manifest SET untagged_at = CAST(strftime('%s', 'now') AS INTEGER)"
    "  WHERE id = OLD.manifest_id; END;",
    .postgres =
    "CREATE TABLE blob_gc ("
    "  digest TEXT COLLATE \"C\" PRIMARY KEY,"
    "  marked_at BIGINT NOT NULL);"
    "ALTER TABLE manifest ADD COLUMN untagged_at BIGINT;"
    "CREATE FUNCTION wharf_tag_untag() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  IF TG_OP = 'DELETE' OR OLD.manifest_id <> NEW.manifest_id THEN"
    "    UPDATE manifest SET untagged_at = EXTRACT(EPOCH FROM now())::BIGINT"
    "    WHERE id = OLD.manifest_id;"
    "  END IF;"
    "  RETURN NULL; END $$;"
    "CREATE TRIGGER tag_untag AFTER DELETE OR UPDATE ON tag"
    "  FOR EACH ROW EXECUTE FUNCTION wharf_tag_untag();" },
};

const size_t sq_nmigrations = sizeof(sq_migrations) / sizeof(sq_migrations[0]);

int meta_sqlite_err(sqlite3 *db, int rc, const char *what)
{
  switch (rc & 0xff) {
  case SQLITE_OK:
    return 0;
  case SQLITE_CONSTRAINT:
    /* Expected outcomes the callers turn into answers: not worth a log line. */
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
      return ERR_NOTFOUND;
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
      return ERR_EXISTS;
    LOG(LOG_WARN, "sqlite %s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return ERR_INVALID;
  case SQLITE_NOMEM:
    return ERR_NOMEM;
  case SQLITE_TOOBIG:
    return ERR_TOOBIG;
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
  case SQLITE_IOERR:
  case SQLITE_FULL:
  case SQLITE_CANTOPEN:
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
  case SQLITE_READONLY:
  case SQLITE_PROTOCOL:
  case SQLITE_PERM:
  case SQLITE_NOLFS:
    LOG(LOG_ERROR, "sqlite %s: %s (%d)", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc);
    return ERR_IO;
  default:
    LOG(LOG_ERROR, "sqlite %s: %s (%d)", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc);
    return ERR_INTERNAL;
  }
}

static void sleep_ms(long ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

/* Runs sql, retrying a SQLITE_BUSY that came back well before the busy
 * handler would have given up: those are the cases SQLite does not wait on
 * (WAL recovery, journal-mode changes). A lock held for the whole timeout
 * fails at once, so a wedged peer costs one timeout, not several. */
static int exec_retry(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **),
                      void *arg)
{
  int rc = SQLITE_OK;
  for (int tries = 0; tries < 20; tries++) {
    int64_t t0 = time_mono_us();
    rc = sqlite3_exec(db, sql, cb, arg, NULL);
    if ((rc & 0xff) != SQLITE_BUSY)
      break;
    if (time_mono_us() - t0 >= (int64_t)META_SQLITE_BUSY_MS * 1000 / 2)
      break;
    sleep_ms(5L * (tries + 1));
  }
  return rc;
}

int meta_sqlite_begin(sqlite3 *db)
{
  return exec_retry(db, "BEGIN IMMEDIATE", NULL, NULL);
}

void meta_sqlite_rollback(sqlite3 *db)
{
  /* Some errors (I/O, full disk) already rolled the transaction back. */
  if (!sqlite3_get_autocommit(db))
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* Busy handler: SQLite's own sleeps grow to 100 ms between tries, long
 * enough for busy writers elsewhere to take the lock every time it frees;
 * polling every couple of milliseconds keeps the wait near the real
 * contention. Gives up META_SQLITE_BUSY_MS after the first try. */
static int busy_wait(void *arg, int count)
{
  int64_t *start = arg;
  int64_t now = time_mono_us();
  if (count == 0)
    *start = now;
  if (now - *start >= (int64_t)META_SQLITE_BUSY_MS * 1000)
    return 0;
  long us = count < 3 ? 500L << count : 2000L;
  struct timespec ts = { .tv_sec = 0, .tv_nsec = us * 1000L };
  nanosleep(&ts, NULL);
  return 1;
}

static int journal_mode_cb(void *arg, int ncol, char **vals, char **names)
{
  (void)names;
  if (ncol >= 1 && vals[0])
    *(int *)arg = sqlite3_stricmp(vals[0], "wal") == 0;
  return 0;
}

int meta_sqlite_configure(sqlite3 *db, int64_t *busy_start)
{
  int wal = 0;
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_handler(db, busy_wait, busy_start);
  /* synchronous=FULL: in WAL mode NORMAL may lose the last commits on power
   * loss, and a 201 promises they are stored. */
  int rc = exec_retry(db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL", NULL, NULL);
  if (rc != SQLITE_OK)
    return meta_sqlite_err(db, rc, "configure connection");
  /* Switching a fresh file to WAL takes an exclusive lock that the busy
   * handler does not always wait for, hence the retry. */
  rc = exec_retry(db, "PRAGMA journal_mode=WAL", journal_mode_cb, &wal);
  if (rc != SQLITE_OK)
    return meta_sqlite_err(db, rc, "set WAL journal mode");
  if (!wal) /* still durable with a rollback journal, only less concurrent */
    LOG(LOG_WARN, "sqlite: WAL journal mode not available for %s",
        sqlite3_db_filename(db, "main"));
  return 0;
}

/* Highest applied version, 0 on a fresh database. Returns a SQLite code. */
static int applied_version(sqlite3 *db, int *out)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                              -1, &st, NULL);
  if (rc != SQLITE_OK)
    return rc;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *out = sqlite3_column_int(st, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

static int record_version(sqlite3 *db, int version)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, "INSERT INTO schema_migrations(version, applied_at) "
                              "VALUES (?1, ?2)", -1, &st, NULL);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_int(st, 1, version);
  sqlite3_bind_int64(st, 2, time_now());
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Applies migration m unless another process already did. The check runs
 * under the write lock BEGIN IMMEDIATE takes, so two processes opening a
 * fresh database cannot both apply it. */
static int apply_one(sqlite3 *db, const struct sq_migration *m)
{
  int cur = 0, applied = 0;
  int rc = meta_sqlite_begin(db);
  if (rc != SQLITE_OK)
    return meta_sqlite_err(db, rc, "begin migration");
  rc = sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "  version INTEGER PRIMARY KEY,"
                    "  applied_at BIGINT NOT NULL)", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = applied_version(db, &cur);
  if (rc == SQLITE_OK && cur < m->version) {
    rc = sqlite3_exec(db, m->sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
      rc = record_version(db, m->version);
    applied = 1;
  }
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    int err = meta_sqlite_err(db, rc, "schema migration");
    meta_sqlite_rollback(db);
    return err;
  }
  if (applied)
    LOG(LOG_INFO, "sqlite: applied schema migration %d", m->version);
  return 0;
}

int meta_sqlite_migrate(int *out, sqlite3 *db)
{
  int cur = 0;
  /* Fast path for an up-to-date database: a read, no write lock. */
  int rc = applied_version(db, &cur);
  if (rc != SQLITE_OK)
    cur = 0; /* no schema_migrations table yet */
  int latest = sq_migrations[sq_nmigrations - 1].version;
  if (cur > latest) {
    LOG(LOG_ERROR, "sqlite: database schema version %d is newer than this wharf (%d)", cur,
        latest);
    return ERR_UNSUPPORTED;
  }
  for (size_t i = 0; i < sq_nmigrations; i++) {
    if (sq_migrations[i].version <= cur)
      continue;
    int err = apply_one(db, &sq_migrations[i]);
    if (err)
      return err;
  }
  if (cur < latest) {
    rc = applied_version(db, &cur);
    if (rc != SQLITE_OK)
      return meta_sqlite_err(db, rc, "schema version");
  }
  *out = cur;
  return 0;
}
