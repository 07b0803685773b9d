/* Audit events from requests (server/req_audit.h): the request-side half of
 * the audit log, filling struct audit_event from the principal, the client
 * address and headers, with the metadata Quay records per kind (spec §5).
 * Text that comes from the client (user agent, a user name tried, a
 * reference) is cleaned to valid UTF-8 before it goes into JSON. */
#include "server/req_audit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "audit/audit.h"
#include "util/err.h"
#include "util/log.h"
#include "util/pool.h"

#define SHORT_MAX 256 /* tags, digests, media types, reasons */

/* A JSON string of text (NULL: NULL) cleaned and cut to cap bytes. */
static json_t *jtext(const char *s, size_t cap)
{
  char buf[AUDIT_NAME_MAX];
  if (!s)
    return NULL;
  audit_text_clean(buf, cap < sizeof(buf) ? cap : sizeof(buf), s);
  return json_string(buf);
}

/* Sets key unless v is NULL (allocation failure: the key is left out). */
static void set(json_t *md, const char *key, json_t *v)
{
  if (md && v)
    json_object_set_new(md, key, v);
}

static const char *user_agent(const struct req *r)
{
  return req_header(r, "User-Agent");
}

static enum audit_actor actor(enum principal_kind k)
{
  switch (k) {
  case PRINCIPAL_ROBOT: return AUDIT_ACTOR_ROBOT;
  case PRINCIPAL_TOKEN: return AUDIT_ACTOR_TOKEN;
  case PRINCIPAL_USER: return AUDIT_ACTOR_USER;
  default: return AUDIT_ACTOR_NONE;
  }
}

/* The part of name before `sep` (a pool copy), or NULL without one. */
static const char *prefix(struct req *r, const char *name, int sep)
{
  const char *end = name ? strchr(name, sep) : NULL;
  return end ? pool_strndup(r->pool, name, (size_t)(end - name)) : NULL;
}

/* Queues the event with metadata text md_text (NULL: out of memory). */
static int emit(struct req *r, const char *kind, const char *ns, const char *repo,
                const char *md_text)
{
  const struct principal *p = &r->principal;
  struct audit_event ev = { .kind = kind, .repository = repo, .ip = r->client_ip,
                            .user_agent = user_agent(r), .metadata_json = md_text };
  ev.namespace_name = !ns && repo ? prefix(r, repo, '/') : ns;
  if (p->kind != PRINCIPAL_ANONYMOUS && p->id) {
    ev.performer_id = p->id;
    ev.performer_name = p->name;
    ev.performer_kind = actor(p->kind);
  }
  int rc = md_text ? audit_emit(r->app, &ev) : ERR_NOMEM;
  if (rc)
    LOG(LOG_ERROR, "audit: %s not recorded: %s", kind, err_str(rc));
  return rc;
}

int req_audit(struct req *r, const char *kind, const char *ns, const char *repo, json_t *md)
{
  const struct principal *p = &r->principal;
  if (!md)
    md = json_object();
  /* spec §5: actions done with an OAuth token say which */
  if (p->kind == PRINCIPAL_TOKEN && p->id && p->cred_id)
    set(md, "oauth_token_id", json_integer(p->cred_id));
  char *text = md ? json_dumps(md, JSON_COMPACT) : NULL;
  json_decref(md);
  int rc = emit(r, kind, ns, repo, text);
  free(text);
  return rc;
}

int req_audit_repo(struct req *r, const char *kind, const char *repo, json_t *md)
{
  const char *slash = repo ? strchr(repo, '/') : NULL;
  if (!md)
    md = json_object();
  if (md && slash) {
    if (!json_object_get(md, "repo"))
      set(md, "repo", jtext(slash + 1, AUDIT_NAME_MAX));
    if (!json_object_get(md, "namespace"))
      set(md, "namespace", json_stringn(repo, (size_t)(slash - repo)));
  }
  return req_audit(r, kind, NULL, repo, md);
}

/* The registry kinds' metadata as text, written here rather than through
 * jansson: there is one such entry per manifest pull, and building and
 * dumping a json_t was a tenth of a pull's instructions. Every value is
 * cleaned first (valid UTF-8, no control characters), so a quote and a
 * backslash are all that JSON needs escaped. Quay's registry keys, plus
 * repo/namespace and oauth_token_id as req_audit_repo() and req_audit() add
 * them, and `message` for refusals. */
#define MD_FIELDS 10
#define MD_TEXT_MAX (MD_FIELDS * (2 * AUDIT_UA_MAX + 40))

struct md_text {
  char *p;
  size_t len;
  int any;
};

static void md_raw(struct md_text *m, const char *key, const char *json_value)
{
  m->len += (size_t)sprintf(m->p + m->len, "%s\"%s\":%s", m->any ? "," : "", key, json_value);
  m->any = 1;
}

static void md_str(struct md_text *m, const char *key, const char *v, size_t cap)
{
  char clean[AUDIT_UA_MAX > AUDIT_NAME_MAX ? AUDIT_UA_MAX : AUDIT_NAME_MAX];
  if (!v)
    return;
  audit_text_clean(clean, cap < sizeof(clean) ? cap : sizeof(clean), v);
  m->len += (size_t)sprintf(m->p + m->len, "%s\"%s\":\"", m->any ? "," : "", key);
  for (const char *c = clean; *c; c++) {
    if (*c == '"' || *c == '\\')
      m->p[m->len++] = '\\';
    m->p[m->len++] = *c;
  }
  m->p[m->len++] = '"';
  m->p[m->len] = '\0';
  m->any = 1;
}

/* One registry entry on repository `name`; message NULL: none. */
static int registry_entry(struct req *r, const char *kind, const char *name, const char *tag,
                          const char *digest, const char *media_type, const char *message)
{
  const struct principal *p = &r->principal;
  struct md_text m = { .p = pool_alloc(r->pool, MD_TEXT_MAX) };
  if (!m.p)
    return emit(r, kind, NULL, name, NULL);
  m.p[m.len++] = '{';
  md_str(&m, "user-agent", user_agent(r), AUDIT_UA_MAX);
  md_str(&m, "tag", tag, SHORT_MAX);
  md_str(&m, "manifest_digest", digest, SHORT_MAX);
  md_str(&m, "mediaType", media_type, SHORT_MAX);
  if (p->kind != PRINCIPAL_ANONYMOUS && p->id) {
    md_str(&m, "username", p->name, AUDIT_NAME_MAX);
    if (p->kind == PRINCIPAL_ROBOT)
      md_raw(&m, "is_robot", "true");
  }
  const char *slash = strchr(name, '/');
  if (slash) {
    char ns[AUDIT_NAME_MAX];
    size_t n = (size_t)(slash - name) < sizeof(ns) - 1 ? (size_t)(slash - name) : sizeof(ns) - 1;
    memcpy(ns, name, n);
    ns[n] = '\0';
    md_str(&m, "repo", slash + 1, AUDIT_NAME_MAX);
    md_str(&m, "namespace", ns, AUDIT_NAME_MAX);
  }
  if (p->kind == PRINCIPAL_TOKEN && p->id && p->cred_id) {
    char id[32];
    snprintf(id, sizeof(id), "%lld", (long long)p->cred_id);
    md_raw(&m, "oauth_token_id", id);
  }
  md_str(&m, "message", message, SHORT_MAX);
  m.p[m.len++] = '}';
  m.p[m.len] = '\0';
  return emit(r, kind, NULL, name, m.p);
}

int req_audit_registry(struct req *r, const char *kind, const char *tag, const char *digest,
                       const char *media_type)
{
  const char *name = req_param(r, "name");
  if (!name)
    return ERR_INVALID;
  return registry_entry(r, kind, name, tag, digest, media_type, NULL);
}

/* Quay's credential kinds of /v2/auth, by the Basic user name. */
static const char *cred_kind(const char *user)
{
  if (strcmp(user, "$oauthtoken") == 0)
    return "oauthtoken";
  if (strcmp(user, "$app") == 0)
    return "app_specific_token";
  if (strcmp(user, "$token") == 0)
    return "token";
  return strchr(user, '+') ? "robot" : "user";
}

int req_audit_login(struct req *r)
{
  const struct principal *p = &r->principal;
  if (p->kind == PRINCIPAL_ANONYMOUS || !p->id || p->via_jwt)
    return 0;
  int robot = p->kind == PRINCIPAL_ROBOT;
  json_t *md = json_pack("{s:s, s:s}", "type", "v2auth", "kind",
                         robot ? "robot" : p->kind == PRINCIPAL_TOKEN ? "oauthtoken" : "user");
  set(md, "useragent", jtext(user_agent(r), AUDIT_UA_MAX));
  set(md, "username", jtext(p->name, AUDIT_NAME_MAX));
  if (robot)
    set(md, "robot", jtext(p->name, AUDIT_NAME_MAX));
  /* a robot's login belongs to its owner's log, a user's to their own */
  const char *ns = robot ? prefix(r, p->name, '+') : p->name;
  return req_audit(r, "login_success", ns, NULL, md);
}

/* login_failure: who was tried and why, never the secret. */
static void login_failure(struct req *r, const char *reason)
{
  const char *authz = req_header(r, "Authorization");
  const char *user = NULL, *secret = NULL, *kind = "anonymous", *ns = NULL;
  char name[AUDIT_NAME_MAX];
  if (authz && strncasecmp(authz, "Basic ", 6) == 0 &&
      auth_parse_basic(&user, &secret, r->pool, authz + 6) == 0) {
    OPENSSL_cleanse((void *)(uintptr_t)secret, strlen(secret)); /* our pool copy */
    audit_text_clean(name, sizeof(name), user);
    kind = cred_kind(name);
    if (strcmp(kind, "robot") == 0)
      ns = prefix(r, name, '+');
    else if (strcmp(kind, "user") == 0 && *name)
      ns = name;
  } else if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
    kind = "registry_token";
  } else if (authz && *authz) {
    kind = "unknown";
  }
  json_t *md = json_pack("{s:s, s:s}", "type", "v2auth", "kind", kind);
  set(md, "useragent", jtext(user_agent(r), AUDIT_UA_MAX));
  if (user)
    set(md, "username", json_string(name));
  set(md, "message", jtext(reason, SHORT_MAX));
  req_audit(r, "login_failure", ns, NULL, md);
}

void req_audit_denied(struct req *r, const char *reason)
{
  const char *op = r->route ? r->route->op_id : NULL;
  if (!op)
    return;
  if (strcmp(op, "registry-token") == 0) {
    if (reason) /* credentials were presented and refused */
      login_failure(r, reason);
    return;
  }
  const char *kind = strcmp(op, "end-3") == 0                               ? "pull_repo_failed"
                     : strcmp(op, "end-7") == 0 || strcmp(op, "end-4") == 0 ? "push_repo_failed"
                                                                            : NULL;
  const char *name = req_param(r, "name");
  if (!kind || !name)
    return;
  const char *ref = req_param(r, "reference");
  int is_digest = ref && strchr(ref, ':');
  registry_entry(r, kind, name, is_digest ? NULL : ref, is_digest ? ref : NULL, NULL,
                 reason ? reason : "access denied");
}
