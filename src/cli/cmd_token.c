/* wharf token create: mints an API token for a user directly in the stores,
 * without a running server (automation bootstrap, recovery). The token is
 * printed once; only its keyed hash is stored. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "auth/apitoken.h"
#include "auth/keys.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "store/ident.h"
#include "store/meta.h"
#include "util/err.h"
#include "util/pool.h"
#include "util/timeutil.h"

#define ALL_SCOPES "repo:read repo:write repo:admin repo:create user:read user:admin org:admin super:user"
#define SCOPES_MAX 1024

struct token_opts {
  const char *db, *key_file, *user, *name;
  char scopes[SCOPES_MAX];
  int64_t lifetime;      /* seconds; 0: never expires */
  int as_json;
};

static void create_usage(FILE *f)
{
  fprintf(f,
          "usage: wharf token create --db URL --user NAME [--scope S]... [--name N]\n"
          "                          [--expires SECONDS] [--json] [--key-file FILE]\n\n"
          "Mints an API token acting for user NAME, capped by its scopes, and prints it\n"
          "once (only a keyed hash is stored). --scope may repeat or hold several scopes\n"
          "separated by spaces or commas (repo:read repo:write repo:admin repo:create\n"
          "user:read user:admin org:admin super:user); default: all of them. --expires\n"
          "defaults to ten years; 0 means the token never expires. --db defaults to\n"
          "$WHARF_DB or sqlite://./data/wharf.db, the key file to $WHARF_KEY_FILE or\n"
          "wharf.key beside a SQLite database.\n");
}

static void print_token(const struct token_opts *o, const char *scopes, const char *token,
                        const char *uuid, int64_t expires_at)
{
  if (o->as_json) {
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I}", "username", o->user, "token", token,
                          "uuid", uuid, "scope", scopes, "expires_at", (json_int_t)expires_at);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (s)
      puts(s);
    free(s);
    json_decref(j);
    return;
  }
  printf("Created an API token for '%s'. It is shown once; keep it safe.\n"
         "  token:  %s   (use as 'Authorization: Bearer <token>')\n"
         "  scopes: %s\n  uuid:   %s\n",
         o->user, token, scopes, uuid);
}

static int create(const struct token_opts *o)
{
  struct meta *m = NULL;
  struct keys *k = NULL;
  struct pool *p = pool_new();
  char keypath[4096], err[512], token[APITOKEN_LEN + 1], uuid[37];
  const char *scopes, *bad = NULL;
  unsigned bits;
  int status = 1;
  if (!p || apitoken_scope_normalize(&scopes, &bits, &bad, p, o->scopes[0] ? o->scopes
                                                                           : ALL_SCOPES)) {
    cli_error("unknown scope '%s'; see 'wharf token create --help'", bad ? bad : "?");
    goto out;
  }
  if (cli_key_path(keypath, sizeof(keypath), o->key_file, o->db) != 0) {
    char shown[1024];
    cli_error("no key file for '%s': pass --key-file FILE (the same file the server uses)",
              cli_db_shown(shown, sizeof(shown), o->db));
    goto out;
  }
  int rc = meta_open(&m, o->db);
  if (rc) {
    char shown[1024];
    cli_error("cannot open metadata store '%s' (%s); check --db",
              cli_db_shown(shown, sizeof(shown), o->db), err_str(rc));
    goto out;
  }
  if (keys_load_or_create(&k, keypath, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    goto out;
  }
  struct ident_account a;
  rc = ident_account_by_name(m, p, &a, o->user);
  if (rc || a.kind != IDENT_USER) {
    cli_error("no user named '%s'%s", o->user, rc && rc != ERR_NOTFOUND ? " (store error)" : "");
    goto out;
  }
  int64_t expires_at = o->lifetime ? time_now() + o->lifetime : 0;
  struct apitoken_req rq = { .account_id = a.id, .scopes = scopes,
                             .name = o->name ? o->name : "cli", .expires_at = expires_at };
  if ((rc = apitoken_mint(token, uuid, NULL, m, k, &rq)) != 0) {
    cli_error("cannot store the token (%s)", err_str(rc));
    goto out;
  }
  print_token(o, scopes, token, uuid, expires_at);
  status = 0;
out:
  OPENSSL_cleanse(token, sizeof(token));
  keys_free(k);
  meta_close(m);
  pool_free(p);
  return status;
}

/* Appends one --scope value to o->scopes; -1 when they do not fit. */
static int add_scope(struct token_opts *o, const char *s)
{
  size_t have = strlen(o->scopes), n = strlen(s);
  if (have + n + 2 > sizeof(o->scopes))
    return -1;
  if (have)
    o->scopes[have++] = ' ';
  memcpy(o->scopes + have, s, n + 1);
  return 0;
}

static int parse_lifetime(int64_t *out, const char *s)
{
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < 0 || v > APITOKEN_MAX_LIFETIME)
    return -1;
  *out = v;
  return 0;
}

static int cmd_create(int argc, char **argv)
{
  static const struct option opts[] = {
    { "db", required_argument, NULL, 'd' },     { "user", required_argument, NULL, 'u' },
    { "scope", required_argument, NULL, 's' },  { "name", required_argument, NULL, 'n' },
    { "expires", required_argument, NULL, 'e' }, { "json", no_argument, NULL, 'j' },
    { "key-file", required_argument, NULL, 'k' }, { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct token_opts o = { .db = getenv("WHARF_DB"), .key_file = getenv("WHARF_KEY_FILE"),
                          .lifetime = APITOKEN_MAX_LIFETIME };
  int c;
  if (!o.db || !*o.db)
    o.db = "sqlite://./data/wharf.db";
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': o.db = optarg; break;
    case 'u': o.user = optarg; break;
    case 'n': o.name = optarg; break;
    case 'j': o.as_json = 1; break;
    case 'k': o.key_file = optarg; break;
    case 'h': create_usage(stdout); return 0;
    case 's':
      if (add_scope(&o, optarg) != 0) {
        cli_error("too many --scope values");
        return 2;
      }
      break;
    case 'e':
      if (parse_lifetime(&o.lifetime, optarg) != 0) {
        cli_error("--expires takes seconds from 0 (never) to %lld (ten years)",
                  (long long)APITOKEN_MAX_LIFETIME);
        return 2;
      }
      break;
    default:
      return cli_bad_option("token create", argv);
    }
  }
  if (cli_extra_args("token create", argc, argv))
    return 2;
  if (!o.user) {
    cli_error("--user NAME is required; see 'wharf token create --help'");
    return 2;
  }
  if (o.name && (!*o.name || strlen(o.name) > 255)) {
    cli_error("--name takes 1 to 255 characters");
    return 2;
  }
  return create(&o);
}

/* Whether argv names the offline form (--user, --db or --key-file). */
static int offline_form(int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], "--user", 6) == 0 || strncmp(argv[i], "--db", 4) == 0 ||
        strncmp(argv[i], "--key-file", 10) == 0)
      return 1;
  return 0;
}

int cmd_token(int argc, char **argv)
{
  if (argc >= 2 && strcmp(argv[1], "create") == 0 && offline_form(argc - 1, argv + 1))
    return cmd_create(argc - 1, argv + 1);
  /* the API forms (cmd_token_api.c), the help and unknown names */
  return cmd_token_api(argc, argv);
}
