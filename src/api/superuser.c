/* Accounts: the first user of an empty registry (POST user/initialize, no
 * authentication, as Quay's FEATURE_USER_INITIALIZE) and user management
 * by superusers (superuser/users, scope super:user, checked by the
 * dispatcher). Generated passwords and tokens appear in the response that
 * creates them and nowhere else. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/api.h"
#include "auth/apitoken.h"
#include "auth/password.h"
#include "auth/token.h"
#include "server/req_audit.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

#define EMAIL_MAX 254
#define USER_LIST_MAX 10000        /* users one listing returns at most */
#define GENERATED_PASSWORD_LEN 32
#define INIT_TOKEN_LIFETIME 9000   /* Quay's create_user_access_token default */
#define ALL_SCOPES "org:admin repo:admin repo:create repo:read repo:write super:user user:admin user:read"

/* A plausible address: one '@', a dot after it, printable, no spaces. */
static int email_valid(const char *s)
{
  const char *at = strchr(s, '@');
  size_t n = strlen(s);
  if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || n > EMAIL_MAX ||
      s[n - 1] == '.' || at[1] == '.')
    return 0;
  for (const char *c = s; *c; c++)
    if ((unsigned char)*c <= 0x20 || *c == 0x7f)
      return 0;
  return 1;
}

/* Reads "username" (required, Quay's name rules) and "email" (optional);
 * responds 400 {"message"} on failure. */
static int user_fields(struct req *r, json_t *body, const char **name, const char **email)
{
  if (api_json_string(r, name, body, "username", 255, 1) ||
      api_json_string(r, email, body, "email", EMAIL_MAX, 0))
    return -1;
  const char *problem = api_name_problem(r->pool, *name);
  if (problem)
    return api_message(r, pool_printf(r->pool, "Invalid namespace %.300s: %s", *name, problem)),
           -1;
  if (*email && !**email)
    *email = NULL;
  if (*email && !email_valid(*email))
    return api_message(r, pool_printf(r->pool, "Invalid email address: %.300s", *email)), -1;
  return 0;
}

/* Python truthiness of a JSON value, as Quay reads "access_token". */
static int truthy(json_t *v)
{
  switch (v ? json_typeof(v) : JSON_NULL) {
  case JSON_TRUE: return 1;
  case JSON_STRING: return json_string_length(v) > 0;
  case JSON_INTEGER: return json_integer_value(v) != 0;
  case JSON_REAL: return json_real_value(v) != 0;
  case JSON_OBJECT: return json_object_size(v) > 0;
  case JSON_ARRAY: return json_array_size(v) > 0;
  default: return 0;
  }
}

/* Sets "encrypted_password" of j to the password encrypted for docker login. */
static int add_encrypted(struct req *r, json_t *j, const char *password)
{
  char *enc = NULL;
  int rc = auth_password_encrypt(&enc, r->app, password);
  if (!rc)
    json_object_set_new(j, "encrypted_password", json_string(enc));
  free(enc);
  return rc;
}

/* Quay's superuser view of a user. */
static json_t *user_json(const struct ident_account *a)
{
  return json_pack("{s:s, s:s, s:s, s:s?, s:b, s:o, s:b, s:b, s:o}", "kind", "user", "name",
                   a->name, "username", a->name, "email", a->email, "verified", 1, "avatar",
                   api_avatar(a->name, "user"), "super_user", a->is_superuser, "enabled",
                   a->enabled, "last_accessed", api_date(a->last_accessed)); /* wharf */
}

int api_user_initialize(struct req *r)
{
  json_t *body = NULL, *j = NULL;
  const char *name, *email, *password;
  char *hash = NULL;
  int64_t uid = 0;
  if (api_json_body(r, &body, 0))
    return 0;
  int64_t users = 0;
  int rc = ident_user_count(r->app->meta, &users);
  if (rc) {
    api_internal(r, rc, "user count");
    goto out;
  }
  if (users > 0) {
    api_message(r, "Cannot initialize user in a non-empty database");
    goto out;
  }
  if (user_fields(r, body, &name, &email) ||
      api_json_string(r, &password, body, "password", PASSWORD_MAX, 1))
    goto out;
  rc = password_hash(&hash, password);
  if (rc == ERR_INVALID || rc == ERR_TOOBIG) {
    api_message(r, "Failed to initialize user: invalid password");
    goto out;
  }
  struct ident_account a = { .kind = IDENT_USER, .name = (char *)name, .email = (char *)email,
                             .password_hash = hash, .is_superuser = 1, .enabled = 1 };
  if (!rc)
    rc = ident_user_create_first(r->app->meta, &uid, &a);
  if (rc == ERR_EXISTS) { /* another initialize won the race */
    api_message(r, "Cannot initialize user in a non-empty database");
    goto out;
  }
  j = rc ? NULL : json_pack("{s:s, s:s?}", "username", name, "email", email);
  if (!rc && !j)
    rc = ERR_NOMEM;
  if (!rc)
    rc = add_encrypted(r, j, password);
  if (!rc && truthy(json_object_get(body, "access_token"))) {
    char token[APITOKEN_LEN + 1], uuid[37];
    struct apitoken_req rq = { .account_id = uid, .scopes = ALL_SCOPES, .name = "initialize",
                               .expires_at = time_now() + INIT_TOKEN_LIFETIME };
    rc = apitoken_mint(token, uuid, NULL, r->app->meta, r->app->keys, &rq);
    if (!rc)
      json_object_set_new(j, "access_token", json_string(token));
    OPENSSL_cleanse(token, sizeof(token));
  }
  if (rc) {
    api_internal(r, rc, "user initialize");
    goto out;
  }
  LOG(LOG_INFO, "first user %s initialized (superuser)", name);
  req_audit(r, "user_create", name, NULL,
            json_pack("{s:s, s:b}", "username", name, "superuser", 1));
  req_respond_json(r, 200, j);
  j = NULL;
out:
  json_decref(j);
  json_decref(body);
  free(hash);
  return 0;
}

int api_superuser_user_list(struct req *r)
{
  struct ident_account *users = NULL;
  size_t n = 0;
  int more = 0;
  int with_disabled = api_bool_param(r, "disabled", 1);
  int rc = ident_account_search_kind(r->app->meta, r->pool, &users, &n, &more, IDENT_USER, "",
                                     USER_LIST_MAX);
  if (rc)
    return api_internal(r, rc, "user list");
  json_t *list = json_array();
  for (size_t i = 0; list && i < n; i++)
    if (with_disabled || users[i].enabled)
      json_array_append_new(list, user_json(&users[i]));
  json_t *j = list ? json_pack("{s:o}", "users", list) : NULL;
  return j ? req_respond_json(r, 200, j) : api_internal(r, ERR_NOMEM, "user list");
}

int api_superuser_user_create(struct req *r)
{
  json_t *body = NULL;
  const char *name, *email;
  char password[GENERATED_PASSWORD_LEN + 1];
  char *hash = NULL;
  int64_t uid;
  if (api_json_body(r, &body, 0))
    return 0;
  if (user_fields(r, body, &name, &email))
    goto out;
  int rc = password_generate(password, sizeof(password));
  if (!rc)
    rc = password_hash(&hash, password);
  struct ident_account a = { .kind = IDENT_USER, .name = (char *)name, .email = (char *)email,
                             .password_hash = hash, .enabled = 1 };
  if (!rc)
    rc = ident_account_create(r->app->meta, &uid, &a);
  if (rc == ERR_EXISTS) {
    api_message(r, pool_printf(r->pool, "Username has already been taken: %.300s", name));
    goto out;
  }
  json_t *j = rc ? NULL : json_pack("{s:s, s:s?, s:s}", "username", name, "email", email,
                                    "password", password);
  if (!rc && !j)
    rc = ERR_NOMEM;
  if (!rc && (rc = add_encrypted(r, j, password)) != 0)
    json_decref(j);
  if (rc) {
    api_internal(r, rc, "user create");
    goto out;
  }
  LOG(LOG_INFO, "user %s created by %s", name, r->principal.name);
  req_audit(r, "user_create", name, NULL,
            json_pack("{s:s, s:s?}", "username", name, "email", email));
  req_respond_json(r, 200, j);
out:
  OPENSSL_cleanse(password, sizeof(password));
  free(hash);
  json_decref(body);
  return 0;
}

/* The {username} user (not an org or robot); responds 404 when none. */
static int find_user(struct req *r, struct ident_account *out)
{
  int rc = ident_account_by_name(r->app->meta, r->pool, out, req_param(r, "username"));
  if (rc == 0 && out->kind != IDENT_USER)
    rc = ERR_NOTFOUND;
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL), -1;
  if (rc)
    return api_internal(r, rc, "user lookup"), -1;
  return 0;
}

int api_superuser_user_get(struct req *r)
{
  struct ident_account a;
  if (find_user(r, &a))
    return 0;
  return req_respond_json(r, 200, user_json(&a));
}

/* Applies {"password","email","enabled","superuser"}; responds on failure. */
static int user_update(struct req *r, struct ident_account *a, json_t *body, const char **pw)
{
  const char *email;
  json_t *en = json_object_get(body, "enabled"), *su = json_object_get(body, "superuser");
  char *hash = NULL;
  if (api_json_string(r, pw, body, "password", PASSWORD_MAX, 0) ||
      api_json_string(r, &email, body, "email", EMAIL_MAX, 0))
    return -1;
  if ((en && !json_is_boolean(en)) || (su && !json_is_boolean(su)))
    return req_error(r, 400, "invalid_request", "'enabled' and 'superuser' must be booleans",
                     NULL), -1;
  if (email && !email_valid(email))
    return api_message(r, pool_printf(r->pool, "Invalid email address: %.300s", email)), -1;
  int rc = *pw ? password_hash(&hash, *pw) : 0;
  if (rc == ERR_INVALID || rc == ERR_TOOBIG)
    return api_message(r, "Invalid password"), -1;
  if (!rc && hash)
    rc = ident_user_set_password(r->app->meta, a->id, hash);
  free(hash);
  if (!rc)
    rc = ident_user_update(r->app->meta, a->id, email, en ? json_is_true(en) : -1,
                           su ? json_is_true(su) : -1);
  if (rc)
    return api_internal(r, rc, "user update"), -1;
  if (email)
    a->email = (char *)email;
  if (en)
    a->enabled = json_is_true(en);
  if (su)
    a->is_superuser = json_is_true(su);
  return 0;
}

int api_superuser_user_put(struct req *r)
{
  struct ident_account a;
  json_t *body = NULL;
  const char *pw = NULL;
  if (find_user(r, &a) || api_json_body(r, &body, 0))
    return 0;
  if (a.is_superuser) {
    req_error(r, 400, "invalid_request", "Cannot update a superuser", NULL);
  } else if (user_update(r, &a, body, &pw) == 0) {
    json_t *j = user_json(&a);
    if (j && pw)
      add_encrypted(r, j, pw);
    LOG(LOG_INFO, "user %s updated by %s", a.name, r->principal.name);
    req_respond_json(r, 200, j);
  }
  json_decref(body);
  return 0;
}

int api_superuser_user_delete(struct req *r)
{
  struct ident_account a;
  if (find_user(r, &a))
    return 0;
  if (a.is_superuser)
    return req_error(r, 400, "invalid_request", "Cannot delete a superuser", NULL);
  /* the account goes with its credentials, sessions, robots and grants */
  int rc = api_delete_ns_repos(r, a.name);
  if (!rc)
    rc = ident_account_delete(r->app->meta, a.id);
  if (rc == ERR_NOTFOUND)
    return req_error(r, 404, "not_found", "Not Found", NULL);
  if (rc)
    return api_internal(r, rc, "user delete");
  LOG(LOG_INFO, "user %s deleted by %s", a.name, r->principal.name);
  req_audit(r, "user_delete", a.name, NULL, json_pack("{s:s}", "username", a.name));
  return req_respond(r, 204, NULL, NULL, 0);
}
