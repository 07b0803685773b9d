/* wharf admin <subcommand>: operator commands that work on the stores
 * directly, without a running server. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "auth/keys.h"
#include "auth/password.h"
#include "auth/token.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "store/ident.h"
#include "store/meta.h"
#include "util/err.h"
#include "util/pool.h"

#define ALL_SCOPES "repo:read repo:write repo:admin repo:create user:read user:admin org:admin super:user"

static void bootstrap_usage(FILE *f)
{
  fprintf(f, "usage: wharf admin bootstrap --db URL --username NAME [--json] [--key-file FILE]\n\n"
             "Creates a superuser with a generated password and an API token with every scope,\n"
             "and prints both once. --db defaults to $WHARF_DB or sqlite://./data/wharf.db; the\n"
             "key file defaults to $WHARF_KEY_FILE or wharf.key beside a SQLite database.\n");
}

/* The user name rules of Quay: [a-z0-9]+([._-][a-z0-9]+)*, 2..255. */
static int username_valid(const char *s)
{
  size_t n = strlen(s);
  if (n < 2 || n > 255)
    return 0;
  int prev_sep = 1;
  for (size_t i = 0; i < n; i++) {
    int alnum = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9');
    int sep = s[i] == '.' || s[i] == '_' || s[i] == '-';
    if (!alnum && !(sep && !prev_sep))
      return 0;
    prev_sep = sep;
  }
  return !prev_sep;
}

static int bootstrap(const char *db, const char *key_file, const char *username, int as_json)
{
  struct meta *m = NULL;
  struct keys *k = NULL;
  struct pool *p = pool_new();
  char keypath[4096], err[512], password[25], token[TOKEN_LEN + 1], idx[65];
  char *hash = NULL;
  int status = 1;
  if (!username_valid(username)) {
    cli_error("user name '%s' is invalid: use 2-255 of a-z 0-9 separated by single . _ or -",
              username);
    goto out;
  }
  if (cli_key_path(keypath, sizeof(keypath), key_file, db) != 0) {
    char shown[1024];
    cli_error("no key file for '%s': pass --key-file FILE (the same file the server uses)",
              cli_db_shown(shown, sizeof(shown), db));
    goto out;
  }
  int rc = meta_open(&m, db);
  if (rc) {
    char shown[1024];
    cli_error("cannot open metadata store '%s' (%s); check --db", cli_db_shown(shown, sizeof(shown), db),
              err_str(rc));
    goto out;
  }
  if (keys_load_or_create(&k, keypath, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    goto out;
  }
  struct ident_account existing;
  if (ident_account_by_name(m, p, &existing, username) == 0) {
    cli_error("an account named '%s' already exists; choose another --username", username);
    goto out;
  }
  if (password_generate(password, sizeof(password)) || password_hash(&hash, password) ||
      token_generate(token) || keys_index(k, idx, token, strlen(token))) {
    cli_error("could not generate credentials (crypto library failure)");
    goto out;
  }
  struct ident_account a = { .kind = IDENT_USER, .name = (char *)username,
                             .password_hash = hash, .is_superuser = 1, .enabled = 1 };
  int64_t uid, cid;
  if ((rc = ident_account_create(m, &uid, &a)) != 0) {
    cli_error("cannot create user '%s' (%s)", username, err_str(rc));
    goto out;
  }
  /* API tokens are show-once: only the keyed hash is stored */
  struct ident_cred c = { .account_id = uid, .kind = CRED_API, .index = idx,
                          .scopes = ALL_SCOPES, .name = "bootstrap" };
  if ((rc = ident_cred_add(m, &cid, &c)) != 0) {
    cli_error("user created but its API token could not be stored (%s); run again with another --username",
              err_str(rc));
    goto out;
  }
  if (as_json) {
    json_t *j = json_pack("{s:s, s:s, s:s}", "username", username, "password", password, "token",
                          token);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (s)
      puts(s);
    free(s);
    json_decref(j);
  } else {
    printf("Created superuser '%s'. These are shown once; keep them safe.\n"
           "  password:  %s\n"
           "  API token: %s   (every scope; use as 'Authorization: Bearer <token>')\n",
           username, password, token);
  }
  status = 0;
out:
  OPENSSL_cleanse(password, sizeof(password));
  OPENSSL_cleanse(token, sizeof(token));
  free(hash);
  keys_free(k);
  meta_close(m);
  pool_free(p);
  return status;
}

static int cmd_bootstrap(int argc, char **argv)
{
  static const struct option opts[] = {
    { "db", required_argument, NULL, 'd' },       { "username", required_argument, NULL, 'u' },
    { "json", no_argument, NULL, 'j' },           { "key-file", required_argument, NULL, 'k' },
    { "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
  };
  const char *db = getenv("WHARF_DB"), *user = NULL, *key = getenv("WHARF_KEY_FILE");
  int as_json = 0, c;
  if (!db || !*db)
    db = "sqlite://./data/wharf.db";
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 'u': user = optarg; break;
    case 'j': as_json = 1; break;
    case 'k': key = optarg; break;
    case 'h': bootstrap_usage(stdout); return 0;
    default:
      return cli_bad_option("admin bootstrap", argv);
    }
  }
  if (cli_extra_args("admin bootstrap", argc, argv))
    return 2;
  if (!user) {
    cli_error("--username NAME is required; see 'wharf admin bootstrap --help'");
    return 2;
  }
  return bootstrap(db, key, user, as_json);
}

int cmd_admin(int argc, char **argv)
{
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    FILE *f = argc < 2 ? stderr : stdout;
    fprintf(f, "usage: wharf admin <command>\n\ncommands:\n"
               "  bootstrap  create a superuser and an API token with every scope\n"
               "  migrate    copy an embedded installation into PostgreSQL + S3\n"
               "  fsck       verify every blob, manifest and reference (--repair quarantines)\n"
               "  gc         remove unreferenced blobs, expired untagged manifests, idle uploads\n");
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "bootstrap") == 0)
    return cmd_bootstrap(argc - 1, argv + 1);
  if (strcmp(argv[1], "migrate") == 0)
    return cmd_migrate(argc - 1, argv + 1);
  if (strcmp(argv[1], "fsck") == 0)
    return cmd_fsck(argc - 1, argv + 1);
  if (strcmp(argv[1], "gc") == 0)
    return cmd_gc(argc - 1, argv + 1);
  cli_error("unknown admin command '%s'; run 'wharf admin --help'", argv[1]);
  return 2;
}
